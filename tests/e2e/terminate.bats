#!/usr/bin/env bats
# rel-terminate as the on-call engineer and cron run it: running steps
# stopped (their processes gone), environments not finished back to pending,
# reason and who recorded, whether the runner is alive or dead.

load lib
load promote_lib

# app: dev (pre p1, then a long action on attempt 1 only) -> qa -> prod
# (manual).  Every step run is recorded in $SCRATCH/runs.
flow_long() {
	flow app <<EOF
${1:+timeout: $1}
environments:
  - name: dev
    pre: [ {name: p1, run: record} ]
    action: 'record; [ "\$REL_ATTEMPT" -gt 1 ] || long dev'
  - name: qa
    action: record
  - name: prod
    trigger: manual
    action: record
EOF
}

# app: dev -> qa -> prod (manual), each step recorded.
flow_gate() {
	flow app <<'EOF'
environments:
  - name: dev
    action: record
  - name: qa
    action: record
  - name: prod
    trigger: manual
    action: record
EOF
}

# The release records and environment histories of product $1, hashed.
records_sum() {
	(cd "$REL_STATE_DIR/products/$1" &&
	    find releases envs -type f 2>/dev/null | LC_ALL=C sort |
	    xargs -r sha256sum)
}

# start ID: rel-promote ID in the background, until its long step runs;
# RUNNER and PID are the runner's and the step's.
start() {
	bg "$SCRATCH/runner.out" "$SCRATCH/runner.err" rel-promote "$1"
	RUNNER=$BG_PID
	PID=$(step_pid dev)
	wait_env "$1" dev running
}

@test "terminate a release whose step sleeps: the step is gone, downstream pending" {
	flow_long
	id=$(rel-create app -a app=1)
	start "$id"
	run --separate-stderr timeout 60 rel-terminate --by carol --reason "bad build" "$id"
	assert_status 0
	assert_output "$id"
	[ -z "$stderr" ]
	# Done when it says so: the step process is gone already.
	assert_dead "$PID"
	bg_wait "$RUNNER"
	assert_eq runner-exit "$BG_RC" 1
	assert_eq status "$(status_of "$id")" terminated
	assert_eq envs "$(envs_of "$id")" "dev=terminated,qa=pending,prod=pending"
	assert_eq step "$(js "$id" '.environments[0].steps[1].runs[0].status')" terminated
	assert_eq terminated "$(js "$id" '.terminated | "\(.by) \(.reason)"')" "carol bad build"
	# A person sees who and why.
	run rel-status --format table "$id"
	assert_contains "$output" "terminated"
	assert_contains "$output" "by carol: bad build"
	run rel-status --history "$id"
	assert_contains "$output" "	$id	carol	release	running	terminating	bad build"
	assert_contains "$output" "	$id	carol	release	terminating	terminated	bad build"
	assert_contains "$output" "	$id	carol	dev	running	terminated	bad build"
	assert_eq runs "$(runs)" "$(printf '%s\n' "dev action app 1" "dev p1 - 1")"
}

@test "terminate with a dead runner: the steps are found from the record and stopped" {
	flow_long
	id=$(rel-create app -a app=1)
	start "$id"
	kill -KILL "$RUNNER"
	bg_wait "$RUNNER"
	proc_alive "$PID"
	run --separate-stderr timeout 60 rel-terminate --reason "runner lost" "$id"
	assert_status 0
	assert_output "$id"
	wait_gone "$PID"
	assert_eq status "$(status_of "$id")" terminated
	assert_eq envs "$(envs_of "$id")" "dev=terminated,qa=pending,prod=pending"
	assert_eq terminated "$(js "$id" '.terminated | "\(.by) \(.reason)"')" "tester runner lost"
}

@test "terminate a suspended release: prod goes back to pending" {
	flow_gate
	id=$(rel-create app -a app=1)
	run rel-promote "$id"
	assert_status 0
	assert_eq envs "$(envs_of "$id")" "dev=succeeded,qa=succeeded,prod=suspended"
	run --separate-stderr rel-terminate --by dan -m "not this week" "$id"
	assert_status 0
	assert_output "$id"
	assert_eq status "$(status_of "$id")" terminated
	assert_eq envs "$(envs_of "$id")" "dev=succeeded,qa=succeeded,prod=pending"
	run rel-status --history "$id"
	assert_contains "$output" "	$id	dan	release	suspended	terminating	not this week"
	assert_contains "$output" "	$id	dan	prod	suspended	pending	not this week"
	assert_contains "$output" "	$id	dan	release	terminating	terminated	not this week"
	# A terminated release is not promoted at its gate.
	run --separate-stderr rel-promote "$id" prod
	assert_status 2
	assert_contains "$stderr" "rel-promote --retry $id"
	assert_eq runs "$(wc -l <"$SCRATCH/runs")" 2
}

@test "terminating a finished release: exit 2, nothing changed" {
	flow_gate
	ok=$(rel-create app -a app=1)
	rel-promote "$ok" >/dev/null
	rel-promote "$ok" prod >/dev/null
	gone=$(rel-create app -a app=2)
	rel-terminate "$gone" >/dev/null
	flow app <<'EOF'
environments:
  - name: dev
    action: "exit 1"
EOF
	bad=$(rel-create app -a app=3)
	run rel-promote "$bad"
	assert_status 1
	before=$(records_sum app)
	run --separate-stderr rel-terminate "$ok"
	assert_status 2
	[ -z "$output" ]
	assert_eq stderr "$stderr" \
	    "rel-terminate: $ok has finished (succeeded): nothing to terminate"
	run --separate-stderr rel-terminate "$bad"
	assert_status 2
	assert_eq stderr "$stderr" \
	    "rel-terminate: $bad has finished (failed): nothing to terminate"
	run --separate-stderr rel-terminate --reason again "$gone"
	assert_status 2
	assert_eq stderr "$stderr" \
	    "rel-terminate: $gone has finished (terminated): nothing to terminate"
	assert_eq records "$(records_sum app)" "$before"
	# An unknown release: not found, and nothing printed.
	run --separate-stderr rel-terminate app-99
	assert_status 3
	[ -z "$output" ]
}

@test "--expired: a suspended release past its 1 s flow timeout is terminated" {
	flow app <<'EOF'
timeout: 1s
environments:
  - name: dev
    action: record
  - name: prod
    trigger: manual
    action: record
EOF
	id=$(rel-create app -a app=1)
	run rel-promote "$id"
	assert_status 0
	assert_eq status "$(status_of "$id")" suspended
	# Ask as cron does, every moment, until the second has passed.
	expired() {
		rel-terminate --expired >"$SCRATCH/expired" 2>"$SCRATCH/expired.err"
		[ -s "$SCRATCH/expired" ]
	}
	wait_for "rel-terminate --expired to terminate $id" expired
	assert_eq printed "$(cat "$SCRATCH/expired")" "$id"
	[ ! -s "$SCRATCH/expired.err" ]
	assert_eq status "$(status_of "$id")" terminated
	assert_eq envs "$(envs_of "$id")" "dev=succeeded,prod=pending"
	assert_eq reason "$(js "$id" .terminated.reason)" "flow timeout of 1s exceeded"
	# Nothing more to do: silence.
	run --separate-stderr rel-terminate --expired
	assert_status 0
	[ -z "$output" ]
	[ -z "$stderr" ]
}

@test "--expired prints nothing when nothing expired" {
	flow app <<'EOF'
timeout: 1h
environments:
  - name: dev
    action: record
  - name: prod
    trigger: manual
    action: record
EOF
	a=$(rel-create app -a app=1)
	rel-promote "$a" >/dev/null
	flow_simple other
	b=$(rel-create other -a other=1)
	before=$(records_sum app; records_sum other)
	run --separate-stderr rel-terminate --expired
	assert_status 0
	[ -z "$output" ]
	[ -z "$stderr" ]
	run --separate-stderr rel-terminate --expired app other
	assert_status 0
	[ -z "$output" ]
	assert_eq records "$(records_sum app; records_sum other)" "$before"
	assert_eq status "$(status_of "$a")" suspended
	assert_eq status "$(status_of "$b")" pending
}

@test "terminate, then rel-promote --retry resumes where it stopped" {
	flow_long
	id=$(rel-create app -a app=1)
	start "$id"
	rel-terminate "$id" >/dev/null
	bg_wait "$RUNNER"
	assert_eq status "$(status_of "$id")" terminated
	run --separate-stderr timeout 60 rel-promote --retry "$id"
	assert_status 0
	assert_eq envs "$(envs_of "$id")" "dev=succeeded,qa=succeeded,prod=suspended"
	assert_eq status "$(status_of "$id")" suspended
	# p1 had succeeded: not run again.
	assert_eq runs "$(runs)" "$(printf '%s\n' "dev action app 1" \
	    "dev action app 2" "dev p1 - 1" "qa action app 2")"
}

@test "ids from standard input" {
	flow app <<'EOF'
environments:
  - name: dev
    action: record
  - name: prod
    trigger: manual
    action: record
EOF
	a=$(rel-create app -a app=1)
	b=$(rel-create app -a app=2)
	c=$(rel-create app -a app=3)
	printf '%s\n' "$a" "$b" "$c" | rel-promote >/dev/null
	run --separate-stderr bash -c "printf '%s\n' $a $c | rel-terminate -m 'batch'"
	assert_status 0
	assert_output "$(printf '%s\n' "$a" "$c")"
	assert_eq a "$(status_of "$a")" terminated
	assert_eq b "$(status_of "$b")" suspended
	assert_eq c "$(status_of "$c")" terminated
	# As USERS.md pipes it: TSV lines, the id first.
	run --separate-stderr bash -c "rel-status --status suspended | rel-terminate"
	assert_status 0
	assert_output "$b"
	assert_eq b "$(status_of "$b")" terminated
}

@test "--grace: a step that ignores SIGTERM is killed after the grace period" {
	flow app <<'EOF'
environments:
  - name: dev
    action: 'trap "" TERM; long dev'
EOF
	id=$(rel-create app -a app=1)
	start "$id"
	run --separate-stderr timeout 60 rel-terminate --grace 1 "$id"
	assert_status 0
	assert_output "$id"
	wait_gone "$PID"
	bg_wait "$RUNNER"
	assert_eq status "$(status_of "$id")" terminated
	assert_eq step "$(js "$id" '.environments[0].steps[0].runs[0].status')" terminated
	# A grace that is not a number of seconds: bad usage.
	run --separate-stderr rel-terminate --grace soon "$id"
	assert_status 2
	assert_contains "$stderr" "--grace"
}

@test "--grace with a dead runner: SIGKILL after the grace period" {
	flow app <<'EOF'
environments:
  - name: dev
    action: 'trap "" TERM; long dev'
EOF
	id=$(rel-create app -a app=1)
	start "$id"
	kill -KILL "$RUNNER"
	bg_wait "$RUNNER"
	run --separate-stderr timeout 60 rel-terminate --grace 1 "$id"
	assert_status 0
	assert_output "$id"
	wait_gone "$PID"
	assert_eq status "$(status_of "$id")" terminated
}

@test "bad usage: exit 2" {
	run --separate-stderr rel-terminate
	assert_status 2
	assert_contains "$stderr" "usage: rel-terminate"
	run --separate-stderr rel-terminate --reason "two
lines" app-1
	assert_status 2
}
