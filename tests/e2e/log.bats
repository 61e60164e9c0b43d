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
