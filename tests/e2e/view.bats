#!/usr/bin/env bats
# The live view of rel-promote on a terminal (tmux), at 60, 80 and 200
# columns: each frame is drawn over the last exactly (one picture on the
# screen, never a stale frame left above it), no line wraps, and a
# verification that is tried again says which try it is.

load lib
load promote_lib

# A flow whose lines are long: long component and environment names, a
# verification tried up to four times (its second try waits for
# $SCRATCH/go, having said so in $SCRATCH/try2.COMPONENT; the third
# succeeds), and one that fails with a long reason.
flow_long_lines() {
	flow app <<'YAML'
components: [api-gateway-with-a-rather-long-name, user-interface-served-to-all, worker]
environments:
  - name: development-environment
    action: 'sleep 0.2'
    verify:
      run: '[ "$REL_TRY" != 2 ] || { : >"$SCRATCH/try2.$REL_COMPONENT"; waitfor "$SCRATCH/go"; }; [ "$REL_TRY" -ge 3 ]'
      retries: 3
      interval: 1s
  - name: qa
    action: 'true'
    verify: {run: 'exit 1', retries: 1, interval: 1s}
YAML
}

# in_tmux COLS CMD: run CMD (a shell command) in a detached tmux session
# COLS wide and 40 rows high, with this test's environment; it says
# EXIT=status when done.  The session is $SESSION on socket $SOCK.
in_tmux() {
	SOCK=$SCRATCH/tmux.sock
	SESSION=view$1
	{
		echo "export PATH='$PATH' REL_STATE_DIR='$REL_STATE_DIR'"
		echo "export SCRATCH='$SCRATCH' HOME='$HOME' USER=tester LC_ALL=C"
		echo "cd '$SCRATCH'"
		echo "$2"
		echo 'echo EXIT=$?'
		echo 'sleep 120'
	} >"$SCRATCH/in_tmux.sh"
	tmux -S "$SOCK" -f /dev/null new-session -d -s "$SESSION" -x "$1" -y 40 \
	    "sh '$SCRATCH/in_tmux.sh'"
}

# screen: the pane as text, wrapped lines joined (-J): a line longer than
# the pane is one the terminal wrapped.
screen() {
	tmux -S "$SOCK" capture-pane -p -J -t "$SESSION" | sed -e 's/[[:space:]]*$//' |
	    grep -v '^$' || true
}

# one_picture TEXT ID: the release's header line once at most, each
# environment's line once at most: no stale frame.
one_picture() {
	local n env

	n=$(grep -c "^$2 " <<<"$1" || true)
	[ "$n" -le 1 ] || { printf 'header %d times:\n%s\n' "$n" "$1" >&2; return 1; }
	for env in development-environment qa; do
		n=$(grep -c "^  $env " <<<"$1" || true)
		[ "$n" -le 1 ] ||
		    { printf '%s %d times:\n%s\n' "$env" "$n" "$1" >&2; return 1; }
	done
}

# no_wrap TEXT COLS: no line of the view is wider than the pane (what
# rel-promote says on standard error at the end may wrap).
no_wrap() {
	local long

	long=$(awk -v w="$2" '/^rel-promote: / { exit } length($0) > w' <<<"$1")
	[ -z "$long" ] || { printf 'wrapped at %d columns:\n%s\n' "$2" "$long" >&2; return 1; }
}

teardown_tmux() {
	[ -z "${SOCK:-}" ] || tmux -S "$SOCK" kill-server 2>/dev/null || true
}

teardown() {
	teardown_tmux
	rel_teardown
}

# watch_run COLS: promote a release in tmux at COLS columns; the frame
# drawn while the verification waits in its second try (MID) and the
# last one (FINAL) are each one picture, unwrapped.
watch_run() {
	local cols=$1 id s i c

	id=$(rel-create app -a api-gateway-with-a-rather-long-name=1 \
	    -a user-interface-served-to-all=1 -a worker=1)
	in_tmux "$cols" "rel-promote $id"
	for c in api-gateway-with-a-rather-long-name user-interface-served-to-all worker; do
		wait_file "$SCRATCH/try2.$c"
	done
	# A redraw or two later (five a second).
	for ((i = 0; i < 100; i++)); do
		s=$(screen)
		[ "$(grep -c '^      verify .* running' <<<"$s")" -eq 3 ] && break
		sleep 0.1
	done
	MID=$s
	: >"$SCRATCH/go"
	for ((i = 0; i < 600; i++)); do
		s=$(screen)
		grep -q '^EXIT=' <<<"$s" && break
		sleep 0.1
	done
	grep -q '^EXIT=1$' <<<"$s" || { echo "no exit 1 in: $s" >&2; return 1; }
	FINAL=$s
	ID=$id
	one_picture "$MID" "$id"
	no_wrap "$MID" "$cols"
	one_picture "$FINAL" "$id"
	no_wrap "$FINAL" "$cols"
}

setup() {
	command -v tmux >/dev/null || skip "no tmux (contrib/debian-deps.sh installs it)"
	rel_setup
	mkdir -p "$SCRATCH/bin" "$REL_STATE_DIR/flows"
	PATH=$SCRATCH/bin:$PATH
	export PATH
	: >"$SCRATCH/pids"
	step_programs
	flow_long_lines
}

@test "the live view at 80 columns: one picture, no wrapped line, tries counted" {
	watch_run 80
	# The last picture: the release, both environments, qa's reason cut
	# to the width.
	assert_contains "$FINAL" "$ID  failed"
	assert_contains "$FINAL" "  development-environment  succeeded"
	assert_contains "$FINAL" "  qa                       failed"
	assert_contains "$MID" "verify worker            running"
	assert_contains "$MID" "try 2 of 4"
}

@test "the live view at 60 columns: one picture, no wrapped line" {
	watch_run 60
	assert_contains "$FINAL" "$ID  failed"
}

@test "the live view at 200 columns: one picture, reasons whole" {
	watch_run 200
	# Whichever verification fails first fails qa (they run at once),
	# and its reason is shown whole.
	grep -Eq 'qa verify (api-gateway-with-a-rather-long-name|user-interface-served-to-all|worker) failed: exit 1 \(after 2 tries\)$' <<<"$FINAL" ||
	    { echo "no whole reason in: $FINAL" >&2; return 1; }
	assert_contains "$MID" "verify api-gateway-with-a-rather-long-name running"
	assert_contains "$MID" "try 2 of 4"
}
