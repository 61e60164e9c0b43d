#!/usr/bin/env bats
# rel-log as CI dumps it on failure and a person reads it: every step's
# output, labelled when there are several, kept as gzip files zcat reads.

load lib
load promote_lib

# web: api and ui; dev runs lint, deploys (writing to stdout and stderr),
# verifies; nothing runs in qa until dev succeeded.
flow_logs() {
	flow web <<'EOF'
components: [api, ui]
environments:
  - name: dev
    pre: [ {name: lint, run: echo linting} ]
    action: 'echo "deploy $REL_COMPONENT $REL_VERSION"; echo "warning from $REL_COMPONENT" >&2; echo "done $REL_COMPONENT"'
    verify: 'echo "healthy $REL_COMPONENT"'
  - name: qa
    trigger: manual
    action: "true"
EOF
}

logs_dir() {
	echo "$REL_STATE_DIR/products/$1/logs/$2/$3"
}

@test "rel-log RELEASE ENV: every step and component, labelled, in order" {
	flow_logs
	id=$(rel-create web -a api=1.0 -a ui=2.0)
	rel-promote "$id" >/dev/null
	run --separate-stderr rel-log "$id" dev
	assert_status 0
	[ -z "$stderr" ]
	assert_output - <<EOF
==> $id dev/lint (attempt 1, succeeded) <==
linting

==> $id dev/action/api (attempt 1, succeeded) <==
deploy api 1.0
warning from api
done api

==> $id dev/action/ui (attempt 1, succeeded) <==
deploy ui 2.0
warning from ui
done ui

==> $id dev/verify/api (attempt 1, succeeded) <==
healthy api

==> $id dev/verify/ui (attempt 1, succeeded) <==
healthy ui
EOF
}

@test "rel-log RELEASE ENV STEP: that step only; one log is printed bare" {
	flow_logs
	id=$(rel-create web -a api=1.0 -a ui=2.0)
	rel-promote "$id" >/dev/null
	run --separate-stderr rel-log "$id" dev lint
	assert_status 0
	assert_output linting
	run --separate-stderr rel-log "$id" dev verify
	assert_status 0
	assert_output - <<EOF
==> $id dev/verify/api (attempt 1, succeeded) <==
healthy api

==> $id dev/verify/ui (attempt 1, succeeded) <==
healthy ui
EOF
}

@test "--attempt N: the log of that attempt; by default the latest" {
	flow app <<'EOF'
environments:
  - name: dev
    action: 'echo "deploying, attempt $REL_ATTEMPT"; ! [ -e "$SCRATCH/fail" ]'
EOF
	id=$(rel-create app -a app=1)
	touch "$SCRATCH/fail"
	run rel-promote "$id"
	assert_status 1
	rm "$SCRATCH/fail"
	run rel-promote --retry "$id"
	assert_status 0
	run --separate-stderr rel-log --attempt 1 "$id" dev action
	assert_status 0
	assert_output "deploying, attempt 1"
	run --separate-stderr rel-log --attempt 2 "$id" dev
	assert_status 0
	assert_output "deploying, attempt 2"
	run --separate-stderr rel-log "$id" dev
	assert_status 0
	assert_output "deploying, attempt 2"
	run --separate-stderr rel-log --attempt 3 "$id" dev
	assert_status 3
	[ -z "$output" ]
	assert_eq stderr "$stderr" "rel-log: no logs of $id in dev at that attempt"
	run --separate-stderr rel-log --attempt 0 "$id" dev
	assert_status 2
}

@test "the log is a gzip file that zcat reads, stdout and stderr as written" {
	flow_logs
	id=$(rel-create web -a api=1.0 -a ui=2.0)
	rel-promote "$id" >/dev/null
	f=$(logs_dir web "$id" dev)/action@api.1.log.gz
	[ -f "$f" ]
	gzip -t "$f"
	assert_eq zcat "$(zcat "$f")" "$(printf '%s\n' "deploy api 1.0" \
	    "warning from api" "done api")"
	assert_eq pre "$(zcat "$(logs_dir web "$id" dev)/lint.1.log.gz")" linting
	# What rel-log prints of one log is what zcat gives.
	assert_eq same "$(rel-log "$id" dev lint)" \
	    "$(zcat "$(logs_dir web "$id" dev)/lint.1.log.gz")"
}

@test "every try of a verification is in its log" {
	flow app <<'EOF'
environments:
  - name: dev
    action: "true"
    verify:
      run: 'echo try >>"$SCRATCH/tries"; echo "check number $(wc -l <"$SCRATCH/tries")"; [ "$(wc -l <"$SCRATCH/tries")" -ge 2 ]'
      retries: 2
      interval: 1s
EOF
	id=$(rel-create app -a app=1)
	run timeout 60 rel-promote "$id"
	assert_status 0
	run --separate-stderr rel-log "$id" dev verify
	assert_status 0
	assert_contains "$output" "check number 1"
	assert_contains "$output" "check number 2"
	[[ "$output" == *"check number 1"*"check number 2"* ]]
}

@test "a log can be read while its step still runs" {
	flow app <<'EOF'
environments:
  - name: dev
    action: 'echo "halfway there"; waitfor "$SCRATCH/go"'
EOF
	id=$(rel-create app -a app=1)
	bg "$SCRATCH/out" "$SCRATCH/err" rel-promote "$id"
	runner=$BG_PID
	has_line() { [ "$(rel-log "$id" dev action 2>/dev/null)" = "halfway there" ]; }
	wait_for "the running step's log" has_line
	assert_eq status "$(status_of "$id")" running
	touch "$SCRATCH/go"
	bg_wait "$runner"
	assert_eq exit "$BG_RC" 0
}

@test "--follow prints a running step's output as it comes, and ends with the environment" {
	flow app <<'EOF'
environments:
  - name: dev
    action: 'echo first; waitfor "$SCRATCH/go"; echo second'
EOF
	id=$(rel-create app -a app=1)
	bg "$SCRATCH/out" "$SCRATCH/err" rel-promote "$id"
	runner=$BG_PID
	# (Before its runner has started, nothing is to run in dev: a follow
	# would end at once, with exit 3.)
	wait_env "$id" dev running
	bg "$SCRATCH/log" "$SCRATCH/logerr" rel-log --follow "$id" dev
	follower=$BG_PID
	wait_for "the first line" grep -qx first "$SCRATCH/log"
	# Still there: the step has more to say.
	kill -0 "$follower"
	[ "$(cat "$SCRATCH/log")" = first ]
	touch "$SCRATCH/go"
	bg_wait "$follower"
	assert_eq exit "$BG_RC" 0
	assert_eq log "$(cat "$SCRATCH/log")" "$(printf 'first\nsecond')"
	[ ! -s "$SCRATCH/logerr" ]
	bg_wait "$runner"
	assert_eq exit "$BG_RC" 0
}

@test "--follow waits for an environment its runner has yet to reach; exit 1 when it fails" {
	flow web <<'EOF'
components: [api, ui]
environments:
  - name: dev
    action: 'waitfor "$SCRATCH/go"'
  - name: qa
    pre: [ {name: check, run: 'echo checking qa'} ]
    action: 'if [ "$REL_COMPONENT" = ui ]; then echo "ui broke"; exit 1; fi; echo "api fine"'
EOF
	id=$(rel-create web -a api=1 -a ui=2)
	run rel-promote --detach "$id"
	assert_status 0
	bg "$SCRATCH/log" "$SCRATCH/logerr" rel-log -f "$id" qa
	follower=$BG_PID
	wait_env "$id" dev running
	sleep 0.5
	kill -0 "$follower"
	[ ! -s "$SCRATCH/log" ]
	touch "$SCRATCH/go"
	bg_wait "$follower"
	assert_eq exit "$BG_RC" 1
	assert_eq stderr "$(cat "$SCRATCH/logerr")" "rel-log: $id failed in qa"
	run cat "$SCRATCH/log"
	# Several logs: each under a header, without a status that would be
	# stale by the time it is read.
	assert_contains "$output" "==> $id qa/check (attempt 1) <==
checking qa"
	assert_contains "$output" "==> $id qa/action/ui (attempt 1) <==
ui broke"
	assert_eq headers "$(grep -c '^==> ' "$SCRATCH/log")" \
	    "$(grep -c '^==> .*(attempt 1) <==$' "$SCRATCH/log")"
}

@test "--follow on a finished environment prints it and ends; on one that will not run, exit 3" {
	flow_logs
	id=$(rel-create web -a api=1.0 -a ui=2.0)
	rel-promote "$id" >/dev/null
	run --separate-stderr rel-log -f "$id" dev
	assert_status 0
	[ -z "$stderr" ]
	assert_eq headers "$(grep -c '^==> ' <<<"$output")" 5
	assert_contains "$output" "==> $id dev/verify/ui (attempt 1) <==
healthy ui"
	# qa is a manual gate: nothing runs there until someone approves.
	run --separate-stderr rel-log --follow "$id" qa
	assert_status 3
	[ -z "$output" ]
	assert_eq stderr "$stderr" \
	    "rel-log: no logs of $id in qa (nothing has run there yet)"
}

@test "--follow ends when the release is terminated: exit 1" {
	flow app <<'EOF'
environments:
  - name: dev
    action: 'echo started; long app'
EOF
	id=$(rel-create app -a app=1)
	run rel-promote --detach "$id"
	assert_status 0
	bg "$SCRATCH/log" "$SCRATCH/logerr" rel-log -f "$id" dev
	follower=$BG_PID
	wait_file "$SCRATCH/pid.app"
	run rel-terminate "$id"
	assert_status 0
	bg_wait "$follower"
	assert_eq exit "$BG_RC" 1
	assert_eq log "$(cat "$SCRATCH/log")" started
	assert_eq stderr "$(cat "$SCRATCH/logerr")" \
	    "rel-log: $id terminated in dev"
}

@test "--follow right after rel-promote --detach into a manual gate: the promotion is seen" {
	flow app <<'EOF'
environments:
  - name: dev
    action: "true"
  - name: prod
    trigger: manual
    action: 'echo "to prod"; waitfor "$SCRATCH/go"; echo "prod done"'
EOF
	id=$(rel-create app -a app=1)
	rel-promote "$id" >/dev/null
	assert_eq prod "$(env_status "$id" prod)" suspended
	# rel-promote --detach returns once the promotion is under way: the
	# follow that comes next does not find prod still suspended.
	run rel-promote --detach "$id" prod
	assert_status 0
	assert_eq prod "$(env_status "$id" prod)" running
	bg "$SCRATCH/log" "$SCRATCH/logerr" rel-log --follow "$id" prod
	follower=$BG_PID
	wait_for "prod's first line" grep -qx "to prod" "$SCRATCH/log"
	touch "$SCRATCH/go"
	bg_wait "$follower"
	assert_eq exit "$BG_RC" 0
	assert_eq log "$(cat "$SCRATCH/log")" "$(printf 'to prod\nprod done')"
}

@test "--follow keeps no log open once it is read whole; output that fails is exit 5" {
	local comps="" i

	for i in $(seq 40); do comps+="c$i, "; done
	flow many <<EOF
components: [${comps%, }]
environments:
  - name: dev
    action: 'echo "deploy \$REL_COMPONENT"'
    verify: 'echo "check \$REL_COMPONENT"'
EOF
	id=$(rel-create many $(for i in $(seq 40); do echo "-a c$i=1"; done))
	rel-promote "$id" >/dev/null
	# 80 logs, 40 descriptors.
	run bash -c 'ulimit -n 40; rel-log --follow "$1" dev' _ "$id"
	assert_status 0
	assert_eq logs "$(grep -c '^==> ' <<<"$output")" 80
	assert_contains "$output" "check c40"
	for follow in "" --follow; do
		run --separate-stderr bash -c \
		    'rel-log $1 "$2" dev >/dev/full' _ "$follow" "$id"
		assert_status 5
		assert_contains "$stderr" "rel-log: "
		assert_contains "$stderr" "No space left on device"
	done
}

@test "an environment the flow does not have: exit 3" {
	flow_logs
	id=$(rel-create web -a api=1.0 -a ui=2.0)
	rel-promote "$id" >/dev/null
	run --separate-stderr rel-log "$id" staging
	assert_status 3
	[ -z "$output" ]
	assert_eq stderr "$stderr" "rel-log: no environment 'staging' in $id"
	run --separate-stderr rel-log "$id" dev smoke
	assert_status 3
	assert_eq stderr "$stderr" "rel-log: no step 'smoke' in dev of $id"
	run --separate-stderr rel-log web-9 dev
	assert_status 3
	assert_contains "$stderr" "rel-log: "
	assert_contains "$stderr" "web-9"
}

@test "nothing has run there yet: exit 3" {
	flow_logs
	id=$(rel-create web -a api=1.0 -a ui=2.0)
	run --separate-stderr rel-log "$id" dev
	assert_status 3
	[ -z "$output" ]
	assert_eq stderr "$stderr" \
	    "rel-log: no logs of $id in dev (nothing has run there yet)"
	rel-promote "$id" >/dev/null
	# qa waits at its gate: still nothing there.
	run --separate-stderr rel-log "$id" qa
	assert_status 3
	assert_eq stderr "$stderr" \
	    "rel-log: no logs of $id in qa (nothing has run there yet)"
}

@test "bad usage: exit 2" {
	run --separate-stderr rel-log
	assert_status 2
	assert_contains "$stderr" "usage: rel-log"
	run --separate-stderr rel-log web-1
	assert_status 2
	run --separate-stderr rel-log web-1 dev action extra
	assert_status 2
}

@test "a step log is capped at log_max: what was cut is said, in the log and the record" {
	printf 'log_max = 4096\n' >"$REL_STATE_DIR/config"
	flow app <<'EOF2'
environments:
  - name: dev
    action: 'echo first; head -c 300000 /dev/urandom; echo; echo last'
  - name: qa
    action: {run: 'head -c 300000 /dev/urandom; long qa', timeout: 1s}
EOF2
	id=$(rel-create app -a app=1)
	run --separate-stderr timeout 60 rel-promote "$id"
	assert_status 1
	f=$(logs_dir app "$id" dev)/action@app.1.log.gz
	size=$(stat -c %s "$f")
	[ "$size" -le 4096 ] || { echo "the log has $size bytes" >&2; return 1; }
	run --separate-stderr rel-log "$id" dev
	assert_status 0
	[ "${lines[0]}" = first ]
	assert_contains "${lines[-1]}" "--- rel: the log reached log_max (4096 bytes compressed): "
	assert_contains "${lines[-1]}" " bytes of output left out ---"
	assert_not_contains "$output" last
	grep -q 'log=cut:[0-9]' "$REL_STATE_DIR/products/app/releases/$id"
	# rel's own lines still get in after the cut: the timeout is said.
	f=$(logs_dir app "$id" qa)/action@app.1.log.gz
	[ "$(stat -c %s "$f")" -le 4096 ]
	run rel-log "$id" qa
	assert_contains "$output" "rel: timed out; stopping it"
	assert_contains "$output" "bytes of output left out ---"
	# A bad value is an error that names the file, not a default (for
	# rel-create too, which reads it for a remote).
	id=$(rel-create app -a app=2)
	printf 'log_max = 12\n' >"$REL_STATE_DIR/config"
	run --separate-stderr rel-create app -a app=3
	assert_status 2
	assert_contains "$stderr" "$REL_STATE_DIR/config"
	run --separate-stderr rel-promote "$id"
	assert_status 2
	assert_contains "$stderr" "$REL_STATE_DIR/config"
}
