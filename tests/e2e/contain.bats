#!/usr/bin/env bats
# Nothing a step started outlives what stops it, and nothing is recorded
# gone before it is: a dead runner's step that ignores SIGTERM, what an
# earlier attempt left running when a retry or a termination comes, a
# step that makes a session of its own (setsid) under a timeout, a
# termination, or simply when it ends; and a runner that a step cannot
# hang (a FIFO as $REL_OUTPUT).  Issue 11, items 1, 2 and 19.

load lib
load promote_lib

# More step programs: `alone NAME` succeeds only if the `long NAME` step
# of an earlier attempt is gone (so two copies never ran at once);
# `stubborn NAME` is `long NAME` ignoring SIGTERM.
more_programs() {
	cat >"$SCRATCH/bin/alone" <<'EOF'
#!/bin/sh
pid=$(cat "$SCRATCH/pid.$1")
state=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$pid/stat" 2>/dev/null)
if [ -n "$state" ] && [ "$state" != Z ]; then
	echo "the $1 step of an earlier attempt still runs (pid $pid)"
	exit 1
fi
EOF
	cat >"$SCRATCH/bin/stubborn" <<'EOF'
#!/bin/sh
trap "" TERM
exec long "$@"
EOF
	chmod +x "$SCRATCH/bin/alone" "$SCRATCH/bin/stubborn"
}

# runner_of PRODUCT ID: the pid of the runner that started the last
# environment (runner=PID in the record).
runner_of() {
	wait_for "a runner in the record of $2" grep -q 'runner=[0-9]' \
	    "$REL_STATE_DIR/products/$1/releases/$2" >&2 || return 1
	grep -o 'runner=[0-9]*' "$REL_STATE_DIR/products/$1/releases/$2" |
	    tail -1 | cut -d= -f2
}

gone() {
	! proc_alive "$1"
}

# kill_runner PID: SIGKILL a detached runner (not our child) and wait
# until it is gone.
kill_runner() {
	kill -KILL "$1"
	wait_for "runner $1 to die" gone "$1"
}

# forge ID FIELD...: append a journal line, with its checksum, to the
# record of ID: what an older rel wrote.
forge() {
	local f=$REL_STATE_DIR/products/${1%-*}/releases/$1

	shift
	perl -MCompress::Zlib -e '
	    my $l = join("\t", @ARGV);
	    printf "%s\t%08x\n", $l, crc32($l);' "$@" >>"$f"
}

now_iso() {
	date -u +%Y-%m-%dT%H:%M:%S.000Z
}

# The dev step of ID with a runner killed under it: RUNNER and PID.
start_and_kill() {
	run --separate-stderr rel-promote -d "$1"
	assert_status 0
	PID=$(step_pid dev)
	RUNNER=$(runner_of app "$1")
	kill_runner "$RUNNER"
}

@test "a dead runner's step that ignores SIGTERM is not recorded gone; --retry stops it before it starts anything" {
	more_programs
	flow app <<'EOF'
environments:
  - name: dev
    action: 'record; if [ "$REL_ATTEMPT" -gt 1 ]; then alone dev; else stubborn dev; fi'
EOF
	id=$(rel-create app -a app=1)
	start_and_kill "$id"
	run --separate-stderr rel-status "$id"
	assert_status 0
	# It got SIGTERM and ignored it: it runs, and the record must not
	# say otherwise.
	proc_alive "$PID"
	assert_eq printed "$(cut -f3 <<<"$output")" terminating
	assert_eq recorded "$(status_of "$id")" terminating
	assert_eq env "$(env_status "$id" dev)" running
	assert_contains "$(js "$id" .terminated.reason)" "the runner (pid $RUNNER"
	# The retry waits for it (SIGKILL after the grace period) before it
	# runs anything: one copy at a time.
	run --separate-stderr timeout 60 rel-promote --retry "$id"
	assert_status 0
	assert_dead "$PID"
	assert_eq status "$(status_of "$id")" succeeded
	assert_eq runs "$(runs)" "$(printf '%s\n' "dev action app 1" "dev action app 2")"
	run rel-status --history "$id"
	assert_contains "$output" "	$id	rel	release	running	terminating	the runner (pid $RUNNER"
	assert_contains "$output" "	$id	rel	dev	running	failed	the runner (pid $RUNNER"
	assert_contains "$output" "	$id	rel	release	terminating	failed	the runner (pid $RUNNER"
}

@test "a dead runner's stubborn step: SIGKILL once the grace period is over, and only then the failure" {
	more_programs
	flow app <<'EOF'
environments:
  - name: dev
    action: stubborn dev
EOF
	id=$(rel-create app -a app=1)
	start_and_kill "$id"
	# Whoever looks: never failed while the step runs.
	for ((i = 0; i < 600; i++)); do
		st=$(status_of "$id")
		if [ "$st" = failed ]; then
			assert_dead "$PID"
			break
		fi
		proc_alive "$PID"
		sleep 0.1
	done
	assert_eq status "$st" failed
	assert_eq envs "$(envs_of "$id")" dev=failed
	assert_contains "$(js "$id" '.environments[0].steps[0].runs[0].reason')" \
	    "the runner (pid $RUNNER"
}

@test "a dead runner's steps that obey SIGTERM: the failure is recorded at the first look" {
	flow app <<'EOF'
environments:
  - name: dev
    action: 'setsid -f long escaped; long dev'
EOF
	id=$(rel-create app -a app=1)
	start_and_kill "$id"
	escaped=$(step_pid escaped)
	run --separate-stderr rel-status "$id"
	assert_status 0
	assert_eq printed "$(cut -f3 <<<"$output")" failed
	# Gone when it says so, the one that left its group too.
	assert_dead "$PID"
	assert_dead "$escaped"
	run rel-status --history "$id"
	assert_not_contains "$output" terminating
}

# An older rel recorded a dead runner's step failed while it still ran:
# the record of ID says attempt 1 failed; its process PID lives.
legacy_reap() {
	local t

	t=$(now_iso)
	forge "$1" tr "$t" rel dev/action/app running failed 1 \
	    "the runner (pid $RUNNER) died" ""
	forge "$1" tr "$t" rel dev running failed 1 "the runner (pid $RUNNER) died" ""
	forge "$1" tr "$t" rel - running failed 1 "" ""
	assert_eq status "$(status_of "$1")" failed
	proc_alive "$PID"
}

@test "--retry stops what an earlier attempt left running, whatever its record says" {
	more_programs
	flow app <<'EOF'
environments:
  - name: dev
    action: 'record; if [ "$REL_ATTEMPT" -gt 1 ]; then alone dev; else stubborn dev; fi'
EOF
	id=$(rel-create app -a app=1)
	start_and_kill "$id"
	legacy_reap "$id"
	run --separate-stderr timeout 60 rel-promote --retry "$id"
	assert_status 0
	assert_dead "$PID"
	assert_eq status "$(status_of "$id")" succeeded
}

@test "rel-terminate stops an earlier attempt's process too, not only the running one" {
	more_programs
	flow app <<'EOF'
environments:
  - name: dev
    action: stubborn dev
EOF
	id=$(rel-create app -a app=1)
	start_and_kill "$id"
	legacy_reap "$id"
	# Attempt 2, as an older rel ran it (without stopping attempt 1),
	# its runner dead too: a step process of our own making.
	setsid sh -c 'trap "" TERM; echo $$ >"$SCRATCH/pid.two"; echo $$ >>"$SCRATCH/pids"; exec sleep 30' \
	    </dev/null >/dev/null 2>&1 3>&- &
	two=$(step_pid two)
	t=$(now_iso)
	boot=$(cat /proc/sys/kernel/random/boot_id)
	host=$(hostname | cut -d. -f1)
	pstart=$(awk '{ print $22 }' "/proc/$two/stat")
	forge "$id" tr "$t" tester - failed running 2 retry ""
	forge "$id" tr "$t" tester dev failed running 2 "" \
	    "how=promote mode=resume runner=$RUNNER host=$host"
	forge "$id" tr "$t" tester dev/action/app failed running 2 "" \
	    "pid=$two pgid=$two pstart=$pstart boot=$boot host=$host log=action@app.2.log.gz"
	run --separate-stderr timeout 60 rel-terminate --grace 1 "$id"
	assert_status 0
	assert_output "$id"
	assert_dead "$two"
	assert_dead "$PID"
	assert_eq status "$(status_of "$id")" terminated
}

@test "a FIFO or a directory as \$REL_OUTPUT does not hang the runner" {
	flow app <<'EOF'
environments:
  - name: dev
    action: {run: 'mkfifo "$REL_OUTPUT"; echo made', timeout: 2s}
  - name: qa
    action: {run: 'mkdir "$REL_OUTPUT"; echo made', timeout: 2s}
EOF
	id=$(rel-create app -a app=1)
	run --separate-stderr timeout 60 rel-promote "$id"
	assert_status 0
	assert_eq envs "$(envs_of "$id")" "dev=succeeded,qa=succeeded"
	run rel-log "$id" dev
	assert_contains "$output" "made"
	assert_contains "$output" "rel: \$REL_OUTPUT is not a regular file: ignored"
	run rel-log "$id" qa
	assert_contains "$output" "rel: \$REL_OUTPUT is not a regular file: ignored"
	[ -z "$(find "$REL_STATE_DIR/products/app/logs" -name '*.out')" ]
}

@test "a step that makes a session of its own does not outlive its timeout" {
	flow app <<'EOF'
environments:
  - name: dev
    action: {run: 'setsid long stays; true', timeout: 1s}
  - name: qa
    needs: []
    trigger: manual
    action: {run: 'setsid -f long orphan; long qa', timeout: 1s}
EOF
	id=$(rel-create app -a app=1)
	run --separate-stderr timeout 60 rel-promote "$id"
	assert_status 1
	assert_eq why "$(js "$id" '.environments[0].steps[0].runs[0].reason')" \
	    "timed out after 1s"
	assert_dead "$(cat "$SCRATCH/pid.stays")"
	# Its parent gone while the step still ran.
	id=$(rel-create app -a app=2)
	run --separate-stderr timeout 60 rel-promote "$id" qa
	assert_status 1
	assert_eq why "$(js "$id" '.environments[1].steps[0].runs[0].reason')" \
	    "timed out after 1s"
	assert_dead "$(cat "$SCRATCH/pid.orphan")"
	assert_dead "$(cat "$SCRATCH/pid.qa")"
}

@test "a step that makes a session of its own does not outlive a termination" {
	flow app <<'EOF'
environments:
  - name: dev
    action: 'setsid -f long orphan; setsid long stays; true'
EOF
	id=$(rel-create app -a app=1)
	bg "$SCRATCH/out" "$SCRATCH/err" rel-promote "$id"
	runner=$BG_PID
	orphan=$(step_pid orphan)
	stays=$(step_pid stays)
	run --separate-stderr timeout 60 rel-terminate "$id"
	assert_status 0
	assert_output "$id"
	assert_dead "$orphan"
	assert_dead "$stays"
	bg_wait "$runner"
	assert_eq exit "$BG_RC" 1
	assert_eq status "$(status_of "$id")" terminated
}

@test "what a step leaves in a session of its own ends with its environment" {
	flow app <<'EOF'
environments:
  - name: dev
    action: 'setsid -f long orphan; waitfor "$SCRATCH/pid.orphan"'
  - name: qa
    action: 'record; alone orphan'
EOF
	more_programs
	id=$(rel-create app -a app=1)
	run --separate-stderr timeout 60 rel-promote "$id"
	assert_status 0
	assert_dead "$(cat "$SCRATCH/pid.orphan")"
	assert_eq envs "$(envs_of "$id")" "dev=succeeded,qa=succeeded"
}

# The process a step hides best: out of its group (setsid), its
# environment cleared (env -i, so no REL_* tells whose it is), its parent
# (the runner) killed.  Where the runner could give the step a cgroup of
# its own (cg= in the record), it is found there all the same.
hidden_flow() {
	flow app <<'EOF2'
environments:
  - name: dev
    action: |
      if [ "$REL_ATTEMPT" -gt 1 ]; then alone hidden; record; exit; fi
      setsid -f env -i /bin/sh -c 'echo $$ >>"$1"; echo $$ >"$0"; exec sleep 30' "$SCRATCH/pid.hidden" "$SCRATCH/pids"
      long dev
EOF2
}

# cgroup_usable: this machine has a cgroup2 hierarchy, and we may make
# cgroups below our own and move processes there (what rel looks for).
cgroup_usable() {
	local mnt dir

	mnt=$(awk '{ for (i = 1; i < NF; i++) if ($i == "-") break }
	    $(i + 1) == "cgroup2" { print $5; exit }' /proc/self/mountinfo) &&
	    [ -n "$mnt" ] || return 1
	dir=$mnt$(sed -n 's/^0:://p' /proc/self/cgroup)
	[ -w "$dir" ] && [ -w "$dir/cgroup.procs" ]
}

# cgroup_of ID: the cgroup of its first step run, as recorded ("": none).
cgroup_of() {
	grep -o 'cg=[^ 	]*' "$REL_STATE_DIR/products/app/releases/$1" |
	    head -1 | cut -d= -f2
}

@test "a process without its group, environment or parent: the next look stops it, a retry runs alone (cgroup)" {
	more_programs
	hidden_flow
	id=$(rel-create app -a app=1)
	start_and_kill "$id"
	hidden=$(step_pid hidden)
	cgroup_usable || skip "no cgroup v2 here that this user may write to"
	run --separate-stderr rel-status "$id"
	assert_status 0
	assert_eq printed "$(cut -f3 <<<"$output")" failed
	assert_dead "$PID"
	assert_dead "$hidden"
	# It was in its step's cgroup, which goes with it.
	cg=$(cgroup_of "$id")
	[ -n "$cg" ] && [ ! -d "$cg" ]
	run --separate-stderr timeout 60 rel-promote --retry "$id"
	assert_status 0
	assert_eq runs "$(runs)" "dev action app 2"
}

@test "rel-terminate of a dead runner's release stops what hid in its step's cgroup" {
	more_programs
	hidden_flow
	id=$(rel-create app -a app=1)
	start_and_kill "$id"
	hidden=$(step_pid hidden)
	cgroup_usable || skip "no cgroup v2 here that this user may write to"
	run --separate-stderr timeout 60 rel-terminate -g 1 "$id"
	assert_status 0
	assert_dead "$PID"
	assert_dead "$hidden"
	[ -n "$(cgroup_of "$id")" ]
	assert_eq status "$(status_of "$id")" terminated
}

@test "contain = pgroup: no cgroups; what left the group is found by its environment, and only so" {
	printf 'contain = pgroup\n' >"$REL_STATE_DIR/config"
	more_programs
	flow app <<'EOF2'
environments:
  - name: dev
    action: |
      setsid -f long escaped
      setsid -f env -i /bin/sh -c 'echo $$ >>"$1"; echo $$ >"$0"; exec sleep 30' "$SCRATCH/pid.hidden" "$SCRATCH/pids"
      long dev
EOF2
	id=$(rel-create app -a app=1)
	start_and_kill "$id"
	escaped=$(step_pid escaped)
	hidden=$(step_pid hidden)
	assert_eq cgroup "$(cgroup_of "$id")" ""
	run --separate-stderr rel-status "$id"
	assert_status 0
	assert_eq printed "$(cut -f3 <<<"$output")" failed
	assert_dead "$PID"
	assert_dead "$escaped"
	# The limit rel-promote(1) states in BUGS: without a cgroup, what
	# cleared its environment too is out of reach once its runner died.
	proc_alive "$hidden"
	kill "$hidden"
	wait_gone "$hidden"
}
