#!/usr/bin/env bats
# notify.bats - telling people: the flow's notify commands run once per
# event, by whichever command wrote the event (the runner, a rel-status
# that noticed a dead runner, rel-terminate), with the release's data in
# variables only; a notification that fails or hangs changes nothing but
# its own line of the record.

load lib
load promote_lib

setup() {
	rel_setup
	mkdir -p "$SCRATCH/bin" "$REL_STATE_DIR/flows" "$SCRATCH/ev"
	PATH=$SCRATCH/bin:$PATH
	export PATH
	: >"$SCRATCH/pids"
	step_programs
	# note: one file per run, named by its process, holding the REL_*
	# variables it got.
	cat >"$SCRATCH/bin/note" <<'EOF'
#!/bin/sh
env | grep '^REL_' | LC_ALL=C sort >"$SCRATCH/ev/$REL_EVENT.${REL_ENV:--}.$$"
echo "told: $REL_EVENT $REL_ENV"
EOF
	chmod +x "$SCRATCH/bin/note"
	REL_NOW=2026-12-02T12:00:00Z
	export REL_NOW
}

# events: "EVENT.ENV" per notification run so far, sorted.
events() {
	(cd "$SCRATCH/ev" && ls) | sed 's/\.[0-9]*$//' | LC_ALL=C sort
}

@test "a notify command runs once per event, with REL_EVENT and the release's variables" {
	flow web <<'EOF'
environments:
  - name: dev
    action: record
  - name: qa
    action: record 3
  - name: prod
    trigger: manual
notify:
  - run: note
    on: [succeeded, failed, suspended]
EOF
	id=$(rel-create web -a web=1.0 -m "first")
	run rel-promote "$id"
	assert_status 1
	assert_eq events "$(events)" "$(printf '%s\n' failed.qa succeeded.dev)"
	f=$(ls "$SCRATCH/ev"/failed.qa.*)
	grep -qx "REL_EVENT=failed" "$f"
	grep -qx "REL_RELEASE=$id" "$f"
	grep -qx "REL_PRODUCT=web" "$f"
	grep -qx "REL_STATUS=failed" "$f"
	grep -qx "REL_REASON=qa action web failed: exit 3" "$f"
	grep -qx "REL_ARTIFACTS=web=1.0" "$f"
	grep -qx "REL_MESSAGE=first" "$f"
	# How each went is in the record; it changed no status.
	assert_eq status "$(status_of "$id")" failed
	run rel-status --history "$id"
	assert_contains "$output" "$(printf '\trel\tdev:notify-1\tsucceeded\tsucceeded\t')"
	assert_contains "$output" "$(printf '\trel\tqa:notify-1\tfailed\tsucceeded\t')"
	# Its output is kept like a step's.
	assert_eq log "$(zcat "$REL_STATE_DIR/products/web/logs/$id/qa/"notify-1@failed.1.log.gz)" \
	    "told: failed qa"
	# Nothing is told twice: looking again notifies nothing.
	rel-status "$id" >/dev/null
	rel-promote --retry "$id" >/dev/null 2>&1 || true
	assert_eq "events after a retry" "$(events)" \
	    "$(printf '%s\n' failed.qa failed.qa succeeded.dev)"
}

@test "per environment, and suspended at a gate or frozen" {
	flow web <<'EOF'
environments:
  - name: dev
    action: record
  - name: qa
    action: record
    freeze:
      - schedule: "0 16 * * fri"
        duration: 64h
        reason: weekend
  - name: prod
    trigger: manual
    notify:
      - run: note
        on: [suspended]
notify:
  - run: note
    on: [frozen]
EOF
	id=$(rel-create web -a web=1.0)
	REL_NOW=2026-12-04T17:00:00Z rel-promote "$id" >/dev/null
	assert_eq events "$(events)" "frozen.qa"
	grep -qx "REL_REASON=frozen until 2026-12-07T08:00:00Z (weekend)" \
	    "$SCRATCH"/ev/frozen.qa.*
	rel-promote "$id" >/dev/null
	assert_eq events "$(events)" "$(printf '%s\n' frozen.qa suspended.prod)"
}

@test "a dead runner noticed by two rel-status at once notifies once" {
	flow app <<'EOF'
environments:
  - name: dev
    action: 'record; long dev'
notify:
  - run: note
    on: [failed]
EOF
	id=$(rel-create app -a app=1)
	bg "$SCRATCH/1.out" "$SCRATCH/1.err" rel-promote "$id"
	runner=$BG_PID
	pid=$(step_pid dev)
	kill -KILL "$runner"
	bg_wait "$runner"
	rel-status "$id" >"$SCRATCH/s1" 2>&1 &
	a=$!
	rel-status "$id" >"$SCRATCH/s2" 2>&1 &
	b=$!
	wait "$a"
	wait "$b"
	wait_gone "$pid"
	assert_eq status "$(status_of "$id")" failed
	assert_eq events "$(events)" "failed.dev"
	grep -q "REL_REASON=the runner (pid $runner" "$SCRATCH"/ev/failed.dev.*
	[ "$(grep -c '^notify	' "$REL_STATE_DIR/products/app/releases/$id")" = 1 ]
}

@test "rel-terminate of a release waiting at a gate notifies terminated" {
	flow web <<'EOF'
environments:
  - name: dev
    action: record
  - name: prod
    trigger: manual
notify:
  - run: note
    on: [terminated]
EOF
	id=$(rel-create web -a web=1)
	rel-promote "$id" >/dev/null
	run rel-terminate "$id" --reason "not this one"
	assert_status 0
	assert_eq events "$(events)" "terminated.prod"
	grep -qx "REL_REASON=not this one" "$SCRATCH"/ev/terminated.prod.*
}

@test "a notify command that fails or hangs past its timeout changes nothing but its record" {
	flow web <<'EOF'
environments:
  - name: dev
    action: record
notify:
  - run: 'echo broken >&2; exit 7'
    on: [succeeded]
  - run: 'echo $$ >>"$SCRATCH/pids"; exec sleep 30'
    on: [succeeded]
    timeout: 1s
  - run: note
    on: [succeeded]
EOF
	id=$(rel-create web -a web=1)
	run --separate-stderr timeout 60 rel-promote "$id"
	assert_status 0
	assert_eq status "$(status_of "$id")" succeeded
	assert_eq envs "$(envs_of "$id")" "dev=succeeded"
	# The third still ran.
	assert_eq events "$(events)" "succeeded.dev"
	run rel-status --history "$id"
	assert_contains "$output" "$(printf 'dev:notify-1\tsucceeded\tfailed\texit 7')"
	assert_contains "$output" "$(printf 'dev:notify-2\tsucceeded\tfailed\ttimed out after 1s')"
	assert_contains "$output" "$(printf 'dev:notify-3\tsucceeded\tsucceeded\t')"
	# The one that hung is gone.
	wait_gone "$(head -1 "$SCRATCH/pids")"
	assert_eq log "$(zcat "$REL_STATE_DIR/products/web/logs/$id/dev/"notify-1@succeeded.1.log.gz)" \
	    broken
	# rel-status --check finds the record sound.
	run rel-status --check web
	assert_status 0
}

@test "hostile data in release fields reaches notify commands only as variables" {
	flow web <<'EOF'
environments:
  - name: dev
    action: record
notify:
  - run: 'printf "%s|%s" "$REL_ARTIFACTS" "$REL_MESSAGE" >"$SCRATCH/got"'
    on: [succeeded]
EOF
	v='1.0;touch $SCRATCH/pwned1`touch $SCRATCH/pwned2`$(touch $SCRATCH/pwned3)'
	m='"; touch "$SCRATCH/pwned4'
	id=$(rel-create web -a "web=$v" -m "$m")
	run rel-promote "$id"
	assert_status 0
	assert_eq got "$(cat "$SCRATCH/got")" "web=$v|$m"
	run ls "$SCRATCH"
	assert_not_contains "$output" pwned
}

@test "a bad notify entry is an error at its line" {
	flow web <<'EOF'
environments:
  - name: dev
notify:
  - run: note
    on: [failed, exploded]
EOF
	run --separate-stderr rel-create web -a web=1
	assert_status 2
	assert_contains "$stderr" "web.yaml:5:18: unknown event 'exploded' in 'on'"
}

@test "rel-terminate --expired from cron notifies what it terminated, once" {
	flow web <<'EOF2'
timeout: 1s
environments:
  - name: dev
    action: record
  - name: prod
    trigger: manual
notify:
  - run: note
    on: [terminated]
EOF2
	id=$(rel-create web -a web=1)
	rel-promote "$id" >/dev/null
	# Past its flow timeout within a second or two: cron looks again
	# until it is (bounded).
	for ((i = 0; i < 100; i++)); do
		out=$(rel-terminate --expired </dev/null)
		[ -z "$out" ] || break
		sleep 0.1
	done
	assert_eq terminated "$out" "$id"
	rel-terminate --expired </dev/null >/dev/null
	assert_eq events "$(events)" "terminated.prod"
	grep -q "REL_REASON=flow timeout of 1s exceeded" "$SCRATCH"/ev/terminated.prod.*
}

@test "an event is told when it happens, not when the run ends" {
	# qa's step waits for dev's notification: told only at the end of
	# the run, it never comes and qa fails.
	flow web <<'EOF2'
environments:
  - name: dev
    action: record
  - name: qa
    action: 'waitfor "$SCRATCH/told.succeeded.dev"'
notify:
  - run: 'touch "$SCRATCH/told.$REL_EVENT.$REL_ENV"'
    on: [succeeded]
EOF2
	id=$(rel-create web -a web=1)
	run --separate-stderr timeout 120 rel-promote "$id"
	assert_status 0
	assert_eq envs "$(envs_of "$id")" "dev=succeeded,qa=succeeded"
	[ -e "$SCRATCH/told.succeeded.qa" ]
	[ "$(grep -c '^notify	' "$REL_STATE_DIR/products/web/releases/$id")" = 2 ]
}

@test "a notification still going when the run ends is waited for, not stopped" {
	flow web <<'EOF2'
environments:
  - name: dev
    action: record
  - name: qa
    action: 'waitfor "$SCRATCH/started"'
notify:
  - run: 'touch "$SCRATCH/started"; sleep 2; note'
    on: [succeeded]
    timeout: 60s
EOF2
	id=$(rel-create web -a web=1)
	run --separate-stderr timeout 120 rel-promote "$id"
	assert_status 0
	# Both ran whole, one after the other, and are recorded once each.
	assert_eq events "$(events)" "$(printf '%s\n' succeeded.dev succeeded.qa)"
	run rel-status --history "$id"
	assert_contains "$output" "$(printf 'dev:notify-1\tsucceeded\tsucceeded\t')"
	assert_contains "$output" "$(printf 'qa:notify-1\tsucceeded\tsucceeded\t')"
	[ "$(grep -c '^notify	' "$REL_STATE_DIR/products/web/releases/$id")" = 2 ]
}

# A dead runner of app: its release id in $id, its step's pid in $step.
dead_runner() {
	rm -f "$SCRATCH/pid.dev"
	id=$(rel-create app -a app=x)
	bg "$SCRATCH/r.out" "$SCRATCH/r.err" rel-promote "$id"
	local runner=$BG_PID
	step=$(step_pid dev)
	kill -KILL "$runner"
	bg_wait "$runner"
}

# closed_pipe CMD...: CMD with its standard output a pipe whose reader
# has gone already (as in `CMD | head -c 1` once head had its byte);
# CMD's exit status.
closed_pipe() {
	rm -f "$SCRATCH/closed"
	{ waitfor "$SCRATCH/closed" && "$@"; } |
	    { exec 0<&-; : >"$SCRATCH/closed"; }
	return "${PIPESTATUS[0]}"
}

@test "a dead runner noticed by rel-status whose reader went away is still notified" {
	flow app <<'EOF2'
environments:
  - name: dev
    action: 'test "$REL_VERSION" != x || long dev'
notify:
  - run: note
    on: [failed]
EOF2
	dead_runner
	run closed_pipe rel-status "$id"
	# A reader gone is no error: it was told what it wanted.
	assert_status 0
	grep -q 'the runner (pid .*) died' \
	    "$REL_STATE_DIR/products/app/releases/$id"
	wait_gone "$step"
	assert_eq status "$(status_of "$id")" failed
	rel-status "$id" >/dev/null
	assert_eq events "$(events)" "failed.dev"
	# And with more to say than a pipe holds, the reader gone at once.
	m=$(printf '%01000d' 0)
	for ((i = 0; i < 80; i++)); do
		rel-create app -a app=$i -m "$m" >/dev/null
	done
	dead_runner
	rel-status --format json app | head -c 1 >/dev/null
	wait_gone "$step"
	assert_eq status "$(status_of "$id")" failed
	assert_eq events "$(events)" "$(printf '%s\n' failed.dev failed.dev)"
}

@test "rel-terminate --expired whose reader went away still notifies" {
	flow web <<'EOF2'
timeout: 1s
environments:
  - name: dev
    action: record
  - name: prod
    trigger: manual
notify:
  - run: note
    on: [terminated]
EOF2
	id=$(rel-create web -a web=1)
	rel-promote "$id" >/dev/null
	for ((i = 0; i < 100; i++)); do
		run closed_pipe rel-terminate --expired
		[ "$(status_of "$id")" != terminated ] || break
		sleep 0.1
	done
	assert_status 0
	assert_eq status "$(status_of "$id")" terminated
	assert_eq events "$(events)" "terminated.prod"
}

@test "notify commands run in the state directory, whoever tells the event" {
	# The issue's own example is `run: ./notify.sh`: it means the same
	# command for the runner and for rel-status from cron (another
	# working directory), STATE/notify.sh.
	mkdir -p "$SCRATCH/a" "$SCRATCH/b"
	cp "$SCRATCH/bin/note" "$REL_STATE_DIR/notify.sh"
	flow app <<'EOF2'
environments:
  - name: dev
    action: 'test "$REL_VERSION" != x || long dev'
notify:
  - run: './notify.sh && pwd >"$SCRATCH/pwd.$REL_EVENT"'
    on: [succeeded, failed]
EOF2
	cd "$SCRATCH/a"
	run rel-promote "$(rel-create app -a app=1)"
	assert_status 0
	dead_runner
	cd "$SCRATCH/b"
	rel-status "$id" >/dev/null
	wait_gone "$step"
	assert_eq status "$(status_of "$id")" failed
	run rel-status --history app
	assert_not_contains "$output" "could not run the command"
	assert_eq events "$(events)" "$(printf '%s\n' failed.dev succeeded.dev)"
	state=$(cd "$REL_STATE_DIR" && pwd -P)
	assert_eq "runner's" "$(cat "$SCRATCH/pwd.succeeded")" "$state"
	assert_eq "rel-status's" "$(cat "$SCRATCH/pwd.failed")" "$state"
}

@test "a notify command does not outlive its timeout when its notifier dies" {
	# Stopped at its timeout by whoever runs it; when that dies first,
	# the command goes with it (Linux), not on unbounded.
	[ "$(uname -s)" = Linux ] || skip "the parent-death signal is Linux's"
	flow web <<'EOF2'
environments:
  - name: dev
notify:
  - run: 'echo $$ >>"$SCRATCH/pids"; echo $$ >"$SCRATCH/notify.pid"; exec sleep 30'
    timeout: 1s
EOF2
	id=$(rel-create web -a web=1)
	bg "$SCRATCH/r.out" "$SCRATCH/r.err" rel-promote "$id"
	r=$BG_PID
	wait_file "$SCRATCH/notify.pid"
	pid=$(cat "$SCRATCH/notify.pid")
	kill -KILL "$r"
	bg_wait "$r"
	# Gone well within its timeout and the 2 s to SIGKILL, and more.
	end=$((SECONDS + 10))
	while proc_alive "$pid" && [ $SECONDS -lt $end ]; do
		sleep 0.1
	done
	alive=no
	if proc_alive "$pid"; then
		alive=yes
		kill -KILL "$pid"
	fi
	assert_eq "notify command still running" "$alive" no
}

@test "terminating a release that waits to be promoted tells whoever listens for terminated, once" {
	flow web <<'EOF2'
environments:
  - name: dev
    notify:
      - run: 'echo "per environment: $REL_EVENT" >"$SCRATCH/per-env"'
notify:
  - run: note
    on: [terminated]
EOF2
	id=$(rel-create web -a web=1)
	run rel-terminate "$id" --reason "wrong build"
	assert_status 0
	assert_eq status "$(status_of "$id")" terminated
	# One event, of the release: no environment, so only the flow's
	# commands.
	assert_eq events "$(events)" "terminated.-"
	f=$(ls "$SCRATCH/ev"/terminated.-.*)
	grep -qx "REL_ENV=" "$f"
	grep -qx "REL_REASON=wrong build" "$f"
	grep -qx "REL_RELEASE_STATUS=terminated" "$f"
	[ ! -e "$SCRATCH/per-env" ]
	# Told once: looking again, terminating again tell nothing.
	rel-status "$id" >/dev/null
	run rel-terminate "$id"
	assert_status 2
	assert_eq "events again" "$(events)" "terminated.-"
	run rel-status --history "$id"
	assert_contains "$output" "$(printf '\trel\t-:notify-2\tterminated\tsucceeded\t')"
	# Its output is a log of the release, read with rel-log.
	run rel-log "$id" - notify-2
	assert_status 0
	assert_output "told: terminated "
}

@test "rel-log prints the logs of a notify command" {
	flow web <<'EOF2'
environments:
  - name: dev
    action: record
  - name: qa
    action: record 3
notify:
  - run: 'echo "first: $REL_EVENT in $REL_ENV"'
  - run: 'echo "second: $REL_EVENT in $REL_ENV"; exit 4'
    on: [failed]
EOF2
	id=$(rel-create web -a web=1)
	run rel-promote "$id"
	assert_status 1
	run --separate-stderr rel-log "$id" qa notify-1
	assert_status 0
	assert_output "first: failed in qa"
	run rel-log "$id" qa notify-2
	assert_status 0
	assert_output "second: failed in qa"
	run rel-log "$id" dev notify-1
	assert_output "first: succeeded in dev"
	# After a retry, each attempt's; --attempt picks one.
	rel-promote --retry "$id" >/dev/null 2>&1 || true
	run rel-log "$id" qa notify-1
	assert_status 0
	assert_output - <<'EOF2'
==> web-1 qa/notify-1@failed (attempt 1, succeeded) <==
first: failed in qa

==> web-1 qa/notify-1@failed (attempt 2, succeeded) <==
first: failed in qa
EOF2
	run rel-log --attempt 2 "$id" qa notify-2
	assert_output "second: failed in qa"
	run --separate-stderr rel-log "$id" dev notify-2
	assert_status 3
	run --separate-stderr rel-log "$id" qa notify-3
	assert_status 3
	assert_contains "$stderr" "no step 'notify-3' in qa of $id"
}

@test "a notify command may promote its own release when the run has ended" {
	# An approval bot: told that prod waits at its gate, it promotes the
	# release there.  The runner that told it is done with the release
	# (its end written, its steps gone) and lets go of it first.
	flow web <<'EOF2'
environments:
  - name: dev
    action: record
  - name: prod
    trigger: manual
    action: record
notify:
  - run: 'rel-promote "$REL_RELEASE" prod --reason bot --by bot >"$SCRATCH/bot.out" 2>&1; echo $? >"$SCRATCH/bot.rc"'
    on: [suspended]
EOF2
	id=$(rel-create web -a web=1)
	run --separate-stderr timeout 120 rel-promote "$id"
	assert_status 0
	assert_eq "the bot's rel-promote" "$(cat "$SCRATCH/bot.rc")" 0
	assert_eq envs "$(envs_of "$id")" "dev=succeeded,prod=succeeded"
}
