#!/usr/bin/env bats
# rel-redeploy as the on-call engineer runs it at 3 a.m.: roll prod back to
# an older release, and after a hotfix give the testers back the release
# they were testing (seed 000).  No new release is made; the environment's
# history says how, who, why, and what was live before.

load lib
load promote_lib

# web: api and ui, dev -> qa (auto) -> prod (manual).  Each deployment
# is recorded in $SCRATCH/deploys as "ENV RELEASE COMPONENT=VERSION
# previous=REL_PREVIOUS".
flow_web3() {
	flow web <<'EOF'
components: [api, ui]
environments:
  - name: dev
    action: &deploy 'echo "$REL_ENV $REL_RELEASE $REL_COMPONENT=$REL_VERSION previous=$REL_PREVIOUS" >>"$SCRATCH/deploys"'
  - name: qa
    action: *deploy
  - name: prod
    trigger: manual
    action: *deploy
EOF
}

# release VERSION [rel-create options]: a release of web, api=VERSION.
release() {
	local v=$1

	shift
	rel-create web -a "api=$v" -a ui=2.0 "$@"
}

# all_the_way ID [BY]: through dev and qa, then prod by BY.
all_the_way() {
	rel-promote "$1" >/dev/null
	rel-promote --by "${2:-alice}" "$1" prod >/dev/null
}

# live_of PRODUCT: "ENV RELEASE HOW BY" per environment, by name.
live_of() {
	rel-status --live "$1" | cut -f1,2,4,5 | tr '\t' ' ' | LC_ALL=C sort
}

# env_history PRODUCT ENV: newest first, without the time, '|' between
# fields: env, release, status, how, by, previous, why.
env_history() {
	rel-status --env "$2" --history "$1" | cut -f2-8 | tr '\t' '|'
}

# deploys_since N: the deployments recorded after the first N, sorted.
deploys_since() {
	tail -n +"$(($1 + 1))" "$SCRATCH/deploys" | LC_ALL=C sort
}

@test "rollback: prod gets an older release again, live and history say so" {
	flow_web3
	old=$(release 1.0)
	all_the_way "$old"
	new=$(release 1.1)
	all_the_way "$new"
	n=$(wc -l <"$SCRATCH/deploys")
	run --separate-stderr rel-redeploy --by eve --reason "web-2 leaks memory" "$old" prod
	assert_status 0
	[ -z "$stderr" ]
	assert_no_escapes "$output"
	# It ran prod's promotion with the old release's artifacts.
	assert_eq deploys "$(deploys_since "$n")" "$(printf '%s\n' \
	    "prod $old api=1.0 previous=$new" "prod $old ui=2.0 previous=$new")"
	assert_eq live "$(live_of web)" "$(printf '%s\n' \
	    "dev $new promote tester" "prod $old rollback eve" \
	    "qa $new promote tester")"
	assert_eq history "$(env_history web prod)" "$(printf '%s\n' \
	    "prod|$old|succeeded|rollback|eve|$new|web-2 leaks memory" \
	    "prod|$new|succeeded|promote|alice|$old|" \
	    "prod|$old|succeeded|promote|alice|-|")"
	# No new release; each release says where it is live.
	assert_eq releases "$(rel-status | cut -f1 | tr '\n' ' ')" "$new $old "
	assert_eq old-prod "$(js "$old" '.environments[2] | "\(.status) \(.live) \(.how)"')" \
	    "succeeded true rollback"
	assert_eq new-prod "$(js "$new" '.environments[2] | "\(.live) \(.live_release)"')" \
	    "false $old"
	# The live view as JSON, for a pipeline.
	assert_eq json "$(rel-status --live --format json web | jq -r 'select(.env == "prod") | "\(.release) \(.how) \(.by) \(.state)"')" \
	    "$old rollback eve rolled-back"
}

@test "redeploy of the release live now: a redeploy, not a new release" {
	flow_web3
	id=$(release 1.0)
	all_the_way "$id"
	n=$(wc -l <"$SCRATCH/deploys")
	run --separate-stderr rel-redeploy --by bob "$id" qa
	assert_status 0
	assert_eq deploys "$(deploys_since "$n")" "$(printf '%s\n' \
	    "qa $id api=1.0 previous=$id" "qa $id ui=2.0 previous=$id")"
	assert_eq history "$(env_history web qa | head -1)" \
	    "qa|$id|succeeded|redeploy|bob|$id|"
	assert_eq releases "$(rel-status | wc -l)" 1
	assert_eq status "$(status_of "$id")" succeeded
}

@test "redeploy into an environment the release never reached: exit 2, unless --force" {
	flow_web3
	live=$(release 1.0)
	all_the_way "$live"
	id=$(release 1.1)
	rel-promote "$id" >/dev/null # prod waits at its gate
	n=$(wc -l <"$SCRATCH/deploys")
	run --separate-stderr rel-redeploy "$id" prod
	assert_status 2
	[ -z "$output" ]
	assert_eq stderr "$stderr" \
	    "rel-redeploy: $id never reached prod; use --force to deploy it there anyway"
	assert_eq deploys "$(wc -l <"$SCRATCH/deploys")" "$n"
	assert_eq live "$(live_of web | grep '^prod')" "prod $live promote alice"

	run --separate-stderr rel-redeploy --force --by eve "$id" prod
	assert_status 0
	assert_eq deploys "$(deploys_since "$n")" "$(printf '%s\n' \
	    "prod $id api=1.1 previous=$live" "prod $id ui=2.0 previous=$live")"
	assert_eq live "$(live_of web | grep '^prod')" "prod $id redeploy eve"

	# An environment the flow does not have: not found.
	run --separate-stderr rel-redeploy --force "$id" staging
	assert_status 3
	assert_contains "$stderr" "no environment 'staging'"
}

@test "a forced redeploy past needs that never succeeded is no damage to --check" {
	flow_web3
	id=$(release 1.0) # dev pending: never promoted
	run --separate-stderr rel-redeploy --force "$id" qa
	assert_status 0
	# Needs order promotions; a redeploy is a person's choice, recorded
	# as such, and --check holds it to no flow order.
	run --separate-stderr rel-status --check
	assert_status 0
	[ -z "$stderr" ]
	[ "$(cut -f5 <<<"${lines[-1]}")" = 0 ]
}

@test "a rollback that fails: exit 1, the environment keeps what was live, the release its status" {
	flow web <<'EOF'
components: [api, ui]
environments:
  - name: dev
    action: '[ "$REL_VERSION" != broken ] || [ -z "$REL_PREVIOUS" ]'
EOF
	bad=$(release broken)
	rel-promote "$bad" >/dev/null # nothing live before: it passes
	good=$(release 1.1)
	rel-promote "$good" >/dev/null
	run --separate-stderr rel-redeploy "$bad" dev
	assert_status 1
	assert_contains "$stderr" "rel-redeploy: $bad failed in dev (rel-log $bad dev)"
	assert_eq live "$(live_of web)" "dev $good promote tester"
	assert_eq history "$(env_history web dev | head -1)" \
	    "dev|$bad|failed|rollback|tester|$good|"
	# The outcome is the environment's: last month's release is not
	# failed, nor in the morning's list.
	assert_eq status "$(status_of "$bad")" succeeded
	assert_eq env "$(env_status "$bad" dev)" succeeded
	assert_eq failed "$(rel-status --status failed)" ""
	assert_eq state "$(rel-status --live web | cut -f7)" rollback-failed
	# What it ran is in its record, as its steps and logs.
	assert_eq steps "$(steps_of "$bad" dev | head -1)" "dev action api failed 2"
	rel-log "$bad" dev >/dev/null
	run --separate-stderr rel-status --check
	assert_status 0
	[ -z "$stderr" ]
	# It is not a failed release to retry: rel-redeploy again is.
	run --separate-stderr rel-promote --retry "$bad"
	assert_status 2
}

@test "rel-status --live says where a rollback stands: rolling back, rolled back" {
	flow web <<'EOF'
components: [api, ui]
environments:
  - name: dev
    action: '[ "$REL_HOW" != rollback ] || waitfor "$SCRATCH/go"'
EOF
	r1=$(release 1.0)
	rel-promote "$r1" >/dev/null
	r2=$(release 1.1)
	rel-promote "$r2" >/dev/null
	assert_eq state "$(rel-status --live web | cut -f7)" -
	bg "$SCRATCH/out" "$SCRATCH/err" rel-redeploy "$r1" dev
	rolling() { [ "$(rel-status --live web | cut -f7)" = rolling-back ]; }
	wait_for "the rollback to run" rolling
	assert_eq live "$(rel-status --live web | cut -f2)" "$r2"
	assert_eq status "$(status_of "$r1")" running
	: >"$SCRATCH/go"
	bg_wait "$BG_PID"
	assert_eq exit "$BG_RC" 0
	assert_eq live "$(rel-status --live web | cut -f2,4,7)" \
	    "$r1	rollback	rolled-back"
	assert_eq status "$(status_of "$r1")" succeeded
	# Ctrl-C stops a rollback, not the release.
	rm "$SCRATCH/go"
	rel-redeploy "$r2" dev >/dev/null
	bg "$SCRATCH/out" "$SCRATCH/err" rel-redeploy "$r1" dev
	wait_for "the rollback to run" rolling
	kill -INT "$BG_PID"
	bg_wait "$BG_PID"
	assert_eq exit "$BG_RC" 1
	assert_eq status "$(status_of "$r1")" succeeded
	assert_eq history "$(env_history web dev | head -1 | cut -d'|' -f2-4)" \
	    "$r1|terminated|rollback"
	assert_eq state "$(rel-status --live web | cut -f7)" rollback-failed
}

@test "the hotfix story: --restore gives dev and qa back the release under test" {
	flow_web3
	# web-1 is live everywhere; A is under test in qa (dev -> qa).
	z=$(release 0.9)
	all_the_way "$z"
	a=$(release 1.0 -m "under test")
	run rel-promote "$a"
	assert_status 0
	assert_eq live "$(live_of web)" "$(printf '%s\n' \
	    "dev $a promote tester" "prod $z promote alice" "qa $a promote tester")"
	# The hotfix goes through the whole flow, replacing A in dev and qa.
	h=$(release 0.9.1 --hotfix -m "fix leak")
	all_the_way "$h" oncall
	assert_eq live "$(live_of web)" "$(printf '%s\n' \
	    "dev $h promote tester" "prod $h promote oncall" "qa $h promote tester")"
	n=$(wc -l <"$SCRATCH/deploys")

	run --separate-stderr rel-redeploy --by oncall --restore "$h"
	assert_status 0
	# stdout says what was restored; progress went to stderr.
	assert_output "$(printf '%s\t%s\n' dev "$a" qa "$a")"
	assert_eq deploys "$(deploys_since "$n")" "$(printf '%s\n' \
	    "dev $a api=1.0 previous=$h" "dev $a ui=2.0 previous=$h" \
	    "qa $a api=1.0 previous=$h" "qa $a ui=2.0 previous=$h")"
	# A is back where it was tested; the hotfix stays in prod.
	assert_eq live "$(live_of web)" "$(printf '%s\n' \
	    "dev $a restore oncall" "prod $h promote oncall" "qa $a restore oncall")"
	assert_eq history "$(env_history web qa | head -2)" "$(printf '%s\n' \
	    "qa|$a|succeeded|restore|oncall|$h|restore after hotfix $h" \
	    "qa|$h|succeeded|promote|tester|$a|")"
	assert_eq releases "$(rel-status | wc -l)" 3
	assert_eq hotfix "$(rel-status --format json web | jq -r 'select(.hotfix) | .id')" "$h"
}

@test "--restore skips environments where nothing else was live before" {
	flow_web3
	h=$(release 1.0 --hotfix)
	all_the_way "$h"
	run --separate-stderr rel-redeploy --restore "$h"
	assert_status 0
	[ -z "$output" ]
	assert_contains "$stderr" "rel-redeploy: dev: nothing was live in dev before $h"
	assert_contains "$stderr" "rel-redeploy: qa: nothing was live in qa before $h"
	assert_eq deploys "$(wc -l <"$SCRATCH/deploys")" 6
	assert_eq live "$(live_of web)" "$(printf '%s\n' \
	    "dev $h promote tester" "prod $h promote alice" "qa $h promote tester")"
}

@test "--restore of a release that is not a hotfix: exit 2" {
	flow_web3
	id=$(release 1.0)
	all_the_way "$id"
	n=$(wc -l <"$SCRATCH/deploys")
	run --separate-stderr rel-redeploy --restore "$id"
	assert_status 2
	[ -z "$output" ]
	assert_eq stderr "$stderr" \
	    "rel-redeploy: $id is not a hotfix (made without rel-create --hotfix)"
	assert_eq deploys "$(wc -l <"$SCRATCH/deploys")" "$n"
}

@test "--restore before the hotfix reached prod: exit 2, nothing redeployed" {
	flow_web3
	a=$(release 1.0)
	rel-promote "$a" >/dev/null
	h=$(release 1.0.1 --hotfix)
	run --separate-stderr rel-redeploy --restore "$h"
	assert_status 2
	assert_eq stderr "$stderr" \
	    "rel-redeploy: $h has not reached prod yet: restore after the hotfix is there"
	rel-promote "$h" >/dev/null
	n=$(wc -l <"$SCRATCH/deploys")
	run --separate-stderr rel-redeploy --restore "$h"
	assert_status 2
	[ -z "$output" ]
	assert_eq stderr "$stderr" \
	    "rel-redeploy: $h has not reached prod yet: restore after the hotfix is there"
	assert_eq deploys "$(wc -l <"$SCRATCH/deploys")" "$n"
	assert_eq live "$(live_of web)" "$(printf '%s\n' \
	    "dev $h promote tester" "qa $h promote tester")"
}

@test "bad usage: exit 2" {
	run --separate-stderr rel-redeploy
	assert_status 2
	assert_contains "$stderr" "usage: rel-redeploy"
	run --separate-stderr rel-redeploy web-1
	assert_status 2
	run --separate-stderr rel-redeploy --restore web-1 prod
	assert_status 2
	run --separate-stderr rel-redeploy web-1 ../prod
	assert_status 2
}
