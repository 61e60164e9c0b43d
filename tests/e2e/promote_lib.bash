# promote_lib.bash - what the tests of rel-promote, rel-log, rel-terminate
# and rel-redeploy share, on top of lib.bash (load lib first):
#
#  - small step programs in $SCRATCH/bin (on the steps' PATH, since steps
#    get the caller's environment), so that flows read as what they do;
#  - waiting that polls with a bound and says what it waited for;
#  - a teardown that fails the test if a step process outlived it.
#
# No test asserts a duration: anything slow is a bound against hanging.

# --- setup and teardown ---------------------------------------------

setup() {
	rel_setup
	mkdir -p "$SCRATCH/bin" "$REL_STATE_DIR/flows"
	PATH=$SCRATCH/bin:$PATH
	export PATH
	: >"$SCRATCH/pids"
	step_programs
}

# Every step process that records its pid (in $SCRATCH/pids) must be gone
# by the end of the test: one still there is killed and fails the test.
teardown() {
	local pid left=""

	if [ -n "${SCRATCH:-}" ] && [ -f "$SCRATCH/pids" ]; then
		while read -r pid; do
			[ -n "$pid" ] || continue
			if proc_alive "$pid" &&
			    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sleep ]; then
				left="$left $pid"
				kill -KILL "$pid" 2>/dev/null || true
			fi
		done <"$SCRATCH/pids"
	fi
	# A runner whose steps were just killed writes its end: let it.
	[ -z "$left" ] || sleep 0.5
	rel_teardown
	if [ -n "$left" ]; then
		echo "step processes outlived the test:$left" >&2
		return 1
	fi
}

step_programs() {
	# long NAME: a "long" step: records its pid as pid.NAME (and in
	# pids, for teardown), then becomes `sleep 30`.
	cat >"$SCRATCH/bin/long" <<'EOF'
#!/bin/sh
echo $$ >"$SCRATCH/pid.$1"
echo $$ >>"$SCRATCH/pids"
exec sleep 30
EOF
	# waitfor FILE: until FILE exists (exit 0), at most 20 s (exit 1).
	cat >"$SCRATCH/bin/waitfor" <<'EOF'
#!/bin/sh
i=0
while [ ! -e "$1" ]; do
	i=$((i + 1))
	[ $i -le 400 ] || { echo "waitfor: gave up on $1" >&2; exit 1; }
	sleep 0.05
done
EOF
	# rendezvous ME OTHER: say ME has started, then wait until OTHER
	# has: both succeed only if they ran at the same time.
	cat >"$SCRATCH/bin/rendezvous" <<'EOF'
#!/bin/sh
: >"$SCRATCH/started.$1"
exec waitfor "$SCRATCH/started.$2"
EOF
	# record [EXIT]: one line per run in $SCRATCH/runs, then exit EXIT.
	cat >"$SCRATCH/bin/record" <<'EOF'
#!/bin/sh
echo "$REL_ENV $REL_STEP ${REL_COMPONENT:--} $REL_ATTEMPT" >>"$SCRATCH/runs"
exit "${1:-0}"
EOF
	chmod +x "$SCRATCH/bin/"*
}

# flow PRODUCT: the flow read from stdin becomes PRODUCT's flow.
flow() {
	write_flow "$REL_STATE_DIR/flows/$1.yaml"
}

# --- processes ------------------------------------------------------

# proc_alive PID: the process exists and is not a zombie.
proc_alive() {
	local state

	state=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' \
	    "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

# wait_gone PID: until the process is gone (at most ~20 s; a process
# whose runner died is reaped by init, a moment after its signal).
wait_gone() {
	local i

	for ((i = 0; i < 400; i++)); do
		proc_alive "$1" || return 0
		sleep 0.05
	done
	echo "process $1 is still there: $(cat "/proc/$1/cmdline" 2>/dev/null | tr '\0' ' ')" >&2
	return 1
}

# step_pid NAME: the pid a `long NAME` step recorded, once it has.
step_pid() {
	wait_file "$SCRATCH/pid.$1" >&2 || return 1
	cat "$SCRATCH/pid.$1"
}

# bg OUT ERR CMD...: CMD in the background, stdout to OUT, stderr to ERR
# (killed in teardown if still there); its pid in BG_PID.
bg() {
	local out=$1 err=$2

	shift 2
	"$@" >"$out" 2>"$err" 3>&- &
	BG_PID=$!
	REL_BG_PIDS+=("$BG_PID")
}

# bg_wait PID: wait for it to exit (at most ~30 s); its status in BG_RC.
bg_wait() {
	local i

	for ((i = 0; i < 600; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$1" 2>/dev/null; then
		echo "background process $1 did not finish" >&2
		return 1
	fi
	BG_RC=0
	wait "$1" || BG_RC=$?
}

# --- waiting ----------------------------------------------------------

# wait_for DESCRIPTION CMD...: until CMD succeeds, at most ~20 s.
wait_for() {
	local what=$1 i

	shift
	for ((i = 0; i < 400; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "gave up waiting for $what" >&2
	return 1
}

wait_file() {
	wait_for "file $1" test -e "$1"
}

# status_of ID: the release's status, as rel-status says it.
status_of() {
	rel-status "$1" | cut -f3
}

status_is() {
	[ "$(status_of "$1")" = "$2" ]
}

# wait_status ID STATUS
wait_status() {
	wait_for "$1 to be $2 (it is $(status_of "$1"))" status_is "$1" "$2" ||
	    { echo "$1 is $(status_of "$1")" >&2; return 1; }
}

# env_status ID ENV: the environment's status.
env_status() {
	rel-status --envs "$1" | awk -F'\t' -v e="$2" '$2 == e { print $3 }'
}

env_is() {
	[ "$(env_status "$1" "$2")" = "$3" ]
}

# wait_env ID ENV STATUS
wait_env() {
	wait_for "$1 in $2 to be $3" env_is "$1" "$2" "$3" ||
	    { echo "$1 in $2 is $(env_status "$1" "$2")" >&2; return 1; }
}

# js ID FILTER: jq -r FILTER on the release as JSON.
js() {
	rel-status --format json "$1" | jq -r "$2"
}

# envs_of ID: "dev=succeeded,qa=..." as rel-status shows it.
envs_of() {
	rel-status "$1" | cut -f7
}

# steps_of ID [ENV]: "env step component status attempt" per step run.
steps_of() {
	if [ $# -gt 1 ]; then
		rel-status --steps --env "$2" "$1"
	else
		rel-status --steps "$1"
	fi | cut -f2-6 | tr '\t' ' '
}

# runs: the lines `record` wrote, sorted.
runs() {
	LC_ALL=C sort "$SCRATCH/runs" 2>/dev/null || true
}

# assert_dead PID: the process is gone now (not `! proc_alive`, which
# bats's errexit would never fail on).
assert_dead() {
	if proc_alive "$1"; then
		echo "process $1 is still there: $(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)" >&2
		return 1
	fi
}
