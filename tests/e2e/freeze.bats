#!/usr/bin/env bats
# freeze.bats - stopping the line: freeze windows of the flow and
# rel-freeze, as the pipeline and the on-call engineer meet them.  The
# clock is fixed with REL_NOW (rel(7)): no test waits for a Friday.

load lib
load promote_lib

# A Friday afternoon in Berlin, inside the week-end window; and the
# Monday after it closed.  Every command runs at a fixed time: on a
# Wednesday unless the test says otherwise.
FRIDAY=2026-12-04T17:00:00Z
MONDAY=2026-12-07T09:00:00Z

setup() {
	rel_setup
	mkdir -p "$SCRATCH/bin" "$REL_STATE_DIR/flows"
	PATH=$SCRATCH/bin:$PATH
	export PATH
	: >"$SCRATCH/pids"
	step_programs
	REL_NOW=2026-12-02T12:00:00Z
	export REL_NOW
}

# The release records and environment histories of a product, hashed.
records_sum() {
	(cd "$REL_STATE_DIR/products/$1" &&
	    find releases envs -type f 2>/dev/null | LC_ALL=C sort |
	    xargs -r sha256sum)
}

# web: dev -> qa (auto) -> prod (manual) -> audit (auto); qa, prod and
# audit freeze on week ends; prod also over the year end, hotfixes
# allowed.
flow_frozen() {
	flow web <<'EOF'
environments:
  - name: dev
    action: record
  - name: qa
    action: record
  - name: prod
    trigger: manual
    action: record
    freeze:
      - from: 2026-12-20
        to: 2027-01-05
        timezone: Europe/Berlin
        reason: year-end
        hotfix: allow
  - name: audit
    action: record
freeze:
  - schedule: "0 16 * * fri"
    duration: 64h
    timezone: Europe/Berlin
    reason: weekend
    environments: [qa, prod, audit]
EOF
}

@test "a window open now stops an auto promotion: suspended, with the reason" {
	flow_frozen
	id=$(rel-create web -a web=1.0)
	REL_NOW=$FRIDAY run --separate-stderr rel-promote "$id"
	assert_status 0
	assert_eq envs "$(envs_of "$id")" \
	    "dev=succeeded,qa=suspended,prod=pending,audit=pending"
	assert_eq status "$(status_of "$id")" suspended
	assert_eq reason "$(js "$id" '.environments[1].reason')" \
	    "frozen until 2026-12-07T07:00:00Z (weekend)"
	assert_contains "$output" "frozen until 2026-12-07T07:00:00Z (weekend)"
	assert_eq runs "$(runs)" "dev action web 1"
	# Still frozen: promoting again changes nothing and says nothing new.
	sum=$(sha256sum <"$REL_STATE_DIR/products/web/releases/$id")
	REL_NOW=$FRIDAY run rel-promote "$id"
	assert_status 0
	assert_eq record "$(sha256sum <"$REL_STATE_DIR/products/web/releases/$id")" \
	    "$sum"
	# The window closed: nothing started by itself; the next promotion
	# goes on where it stopped.
	assert_eq "nothing ran" "$(runs)" "dev action web 1"
	REL_NOW=$MONDAY run rel-promote "$id"
	assert_status 0
	assert_eq envs "$(envs_of "$id")" \
	    "dev=succeeded,qa=succeeded,prod=suspended,audit=pending"
}

@test "a manual promotion into a frozen environment is refused (exit 2): until when, why" {
	flow_frozen
	id=$(rel-create web -a web=1.0)
	REL_NOW=$MONDAY rel-promote "$id" >/dev/null
	sum=$(records_sum web)
	REL_NOW=$FRIDAY run --separate-stderr rel-promote "$id" prod
	assert_status 2
	assert_eq stderr "$stderr" "rel-promote: cannot promote $id into prod: \
frozen until 2026-12-07T07:00:00Z (weekend); --override TEXT promotes anyway"
	assert_eq "records unchanged" "$(records_sum web)" "$sum"
	# Outside the window it goes.
	REL_NOW=2026-12-08T12:00:00Z run rel-promote "$id" prod
	assert_status 0
	assert_eq envs "$(envs_of "$id")" \
	    "dev=succeeded,qa=succeeded,prod=succeeded,audit=succeeded"
}

@test "--override promotes anyway, and says who and why in --history" {
	flow_frozen
	id=$(rel-create web -a web=1.0)
	REL_NOW=$MONDAY rel-promote "$id" >/dev/null
	REL_NOW=$FRIDAY run rel-promote "$id" prod --by carol \
	    --override "INC-7: the fix must go out"
	assert_status 0
	assert_eq prod "$(env_status "$id" prod)" succeeded
	run rel-status --history "$id"
	assert_contains "$output" "$(printf 'carol\tprod\tsuspended\trunning\toverride: INC-7: the fix must go out; frozen until 2026-12-07T07:00:00Z (weekend)')"
	grep -q 'override=yes' "$REL_STATE_DIR/products/web/releases/$id"
	# audit, downstream, was frozen too: the override covers what the
	# command starts.
	assert_eq audit "$(env_status "$id" audit)" succeeded
	# An empty override is no reason.
	run rel-promote "$id" prod --override ""
	assert_status 2
}

@test "a hotfix passes a window that lets hotfixes through, and only that one" {
	flow_frozen
	hf=$(rel-create web --hotfix -a web=1.0.1)
	plain=$(rel-create web -a web=1.1)
	REL_NOW=2026-12-22T10:00:00Z rel-promote "$hf" >/dev/null
	REL_NOW=2026-12-22T10:00:00Z rel-promote "$plain" >/dev/null
	REL_NOW=2026-12-22T10:00:00Z run --separate-stderr rel-promote "$hf" prod
	assert_status 0
	assert_eq prod "$(env_status "$hf" prod)" succeeded
	REL_NOW=2026-12-22T10:00:00Z run --separate-stderr rel-promote "$plain" prod
	assert_status 2
	assert_contains "$stderr" "frozen until 2027-01-05T23:00:00Z (year-end)"
	# On a week end in the year end, the week-end window holds even a
	# hotfix (it does not say hotfix: allow).
	hf2=$(rel-create web --hotfix -a web=1.0.2)
	REL_NOW=2026-12-26T10:00:00Z run rel-promote "$hf2"
	assert_status 0
	assert_eq qa "$(env_status "$hf2" qa)" suspended
}

@test "rel-freeze, then --lift: refused while frozen, goes after; audited" {
	flow_frozen
	id=$(rel-create web -a web=1.0)
	run --separate-stderr rel-freeze -p web dev --by dave \
	    --reason "INC-9: database failover"
	assert_status 0
	[ -z "$output" ]
	run rel-promote "$id"
	assert_status 0
	assert_eq dev "$(env_status "$id" dev)" suspended
	assert_eq reason "$(js "$id" '.environments[0].reason')" \
	    "frozen until lifted (INC-9: database failover)"
	run rel-status --frozen
	assert_status 0
	assert_output "$(printf 'web\tdev\t%s\t-\trel-freeze\tdave\tdeny\tINC-9: database failover' \
	    "$(cut -f2 "$REL_STATE_DIR/products/web/envs/dev" | tail -1 | cut -c1-19)Z")"
	run rel-status --frozen --format json
	assert_eq json "$(jq -r '[.env, (.until | tostring), .by] | @tsv' <<<"$output")" \
	    "$(printf 'dev\tnull\tdave')"
	run --separate-stderr rel-freeze -p web --lift dev --by erin
	assert_status 0
	run rel-status --frozen
	assert_output ""
	run rel-promote "$id"
	assert_status 0
	assert_eq dev "$(env_status "$id" dev)" succeeded
	# The history of the environment keeps both, who and why.
	grep -q "^freeze	.*	dave	-	deny	INC-9: database failover	" \
	    "$REL_STATE_DIR/products/web/envs/dev"
	grep -q "^lift	.*	erin		" "$REL_STATE_DIR/products/web/envs/dev"
	# Lifting what is not frozen by hand is refused.
	run --separate-stderr rel-freeze -p web --lift dev
	assert_status 2
	assert_contains "$stderr" "dev of web is not frozen by rel-freeze"
}

@test "rel-freeze --until: a time, a duration, never the past" {
	flow_frozen
	REL_NOW=2026-12-01T10:00:00Z run --separate-stderr rel-freeze -p web \
	    qa --reason x --until 2026-12-01T09:59:59Z
	assert_status 2
	assert_contains "$stderr" "--until 2026-12-01T09:59:59Z is in the past (it is 2026-12-01T10:00:00Z now)"
	REL_NOW=2026-12-01T10:00:00Z run rel-freeze -p web qa --reason x \
	    --until 2h
	assert_status 0
	REL_NOW=2026-12-01T11:59:59Z run rel-status --frozen --env qa
	assert_contains "$output" "$(printf '\t2026-12-01T12:00:00Z\trel-freeze\t')"
	REL_NOW=2026-12-01T12:00:00Z run rel-status --frozen
	assert_output ""
	REL_NOW=2026-12-01T10:00:00Z run rel-freeze -p web qa --reason x \
	    --until 2026-12-02
	assert_status 0
	REL_NOW=2026-12-02T23:59:59Z run rel-status --frozen
	assert_contains "$output" "$(printf '\t2026-12-03T00:00:00Z\t')"
	run --separate-stderr rel-freeze -p web qa --reason x --until soon
	assert_status 2
	run --separate-stderr rel-freeze -p web qa
	assert_status 2
	assert_contains "$stderr" "--reason TEXT is needed"
	run --separate-stderr rel-freeze -p web staging --reason x
	assert_status 3
	assert_contains "$stderr" "no environment 'staging' in the flow of web"
	run --separate-stderr rel-freeze -p 'we/b' qa --reason x
	assert_status 2
}

@test "rel-freeze names the product when the store holds several" {
	flow_frozen
	flow api <<'EOF'
environments:
  - name: prod
EOF
	run --separate-stderr rel-freeze prod --reason x
	assert_status 2
	assert_contains "$stderr" "which product? name it with -p PRODUCT"
	run rel-freeze -p api prod --reason "api only"
	assert_status 0
	run rel-status --frozen
	assert_output "$(printf 'api\tprod\t%s\t-\trel-freeze\ttester\tdeny\tapi only' \
	    "$(cut -f2 "$REL_STATE_DIR/products/api/envs/prod" | tail -1 | cut -c1-19)Z")"
}

@test "rel-status --frozen: windows in TSV, JSON and a table" {
	flow_frozen
	rel-create web -a web=1 >/dev/null
	REL_NOW=$FRIDAY run rel-status --frozen web
	assert_status 0
	assert_output - <<'EOF'
web	qa	2026-12-04T15:00:00Z	2026-12-07T07:00:00Z	window	-	deny	weekend
web	prod	2026-12-04T15:00:00Z	2026-12-07T07:00:00Z	window	-	deny	weekend
web	audit	2026-12-04T15:00:00Z	2026-12-07T07:00:00Z	window	-	deny	weekend
EOF
	REL_NOW=$FRIDAY run rel-status --frozen --format json
	assert_eq json "$(jq -sc 'map(.env)' <<<"$output")" '["qa","prod","audit"]'
	REL_NOW=$FRIDAY run rel-status --frozen --format table
	assert_contains "${lines[0]}" "PRODUCT  ENV    SINCE"
	REL_NOW=$MONDAY run rel-status --frozen
	assert_output ""
	run rel-status --frozen --envs
	assert_status 2
}

@test "a bad time zone in a flow is an error at its line" {
	flow web <<'EOF'
environments:
  - name: prod
freeze:
  - schedule: "0 16 * * 5"
    duration: 64h
    timezone: Europe/Atlantis
EOF
	run --separate-stderr rel-create web -a web=1
	assert_status 2
	assert_contains "$stderr" "web.yaml:6:15: unknown time zone 'Europe/Atlantis'"
}

@test "rel-status --history --env shows who froze and lifted, among the runs" {
	flow_frozen
	id=$(rel-create web -a web=1.0)
	REL_NOW=2026-12-02T10:00:00Z rel-freeze -p web dev --by dave \
	    --reason "INC-9" --until 2026-12-02T11:00Z --hotfix allow
	REL_NOW=2026-12-02T10:30:00Z rel-freeze -p web --lift dev --by erin \
	    --reason "INC-9 closed"
	REL_NOW=2026-12-02T10:45:00Z rel-promote "$id" >/dev/null
	run rel-status --history --env dev web
	assert_status 0
	assert_eq lines "$(cut -f2- <<<"$output")" "$(printf '%s\n' \
	    "dev	$id	succeeded	promote	tester	-	" \
	    "dev	-	-	lift	erin	-	INC-9 closed" \
	    "dev	-	-	freeze	dave	-	until 2026-12-02T11:00:00Z, hotfixes pass: INC-9")"
	run rel-status --history --env dev --status succeeded web
	assert_eq "with --status" "${#lines[@]}" 1
}

# A freeze that comes while a promotion a person asked for waits for the
# product lock (after the look before it began) still stops it: the
# look that counts is the one under the lock.  The holder and the
# runner's wait make the interleaving, not sleeps.
@test "a freeze written while a manual promotion waits for the lock refuses it: exit 2, nothing recorded" {
	[ -x "$REL_HELPERS/holdlock" ] || skip "build/helpers/holdlock not built"
	[ -r /proc/self/wchan ] || skip "no /proc/PID/wchan to tell a runner waiting for a lock"
	flow w <<'EOF2'
environments:
  - name: dev
    action: record
  - name: prod
    trigger: manual
    action: record
EOF2
	id=$(rel-create w -a w=1)
	rel-promote "$id" >/dev/null
	# The line rel-freeze writes, kept to be written again below.
	rel-freeze -p w prod --reason incident --by alice
	tail -n 1 "$REL_STATE_DIR/products/w/envs/prod" >"$SCRATCH/freeze.line"
	rel-freeze -p w --lift prod
	start_bg "$SCRATCH/holder.out" "$REL_HELPERS/holdlock" \
	    "$REL_STATE_DIR/locks/w.lock"
	holder=$BG_PID
	wait_for_line "$SCRATCH/holder.out" locked
	bg "$SCRATCH/p.out" "$SCRATCH/p.err" rel-promote "$id" prod
	runner=$BG_PID
	wait_for "the runner to wait for the lock" \
	    grep -q nanosleep "/proc/$runner/wchan"
	# What rel-freeze writes under the lock, as it does.
	cat "$SCRATCH/freeze.line" >>"$REL_STATE_DIR/products/w/envs/prod"
	kill "$holder"
	bg_wait "$runner"
	assert_eq exit "$BG_RC" 2
	assert_contains "$(cat "$SCRATCH/p.err")" \
	    "cannot promote $id into prod: frozen until lifted (incident)"
	assert_eq envs "$(envs_of "$id")" "dev=succeeded,prod=suspended"
	assert_eq runs "$(runs)" "dev action w 1"
	# prod's history has the freeze, the lift and the freeze again only.
	assert_eq history "$(cut -f1 "$REL_STATE_DIR/products/w/envs/prod" | tr '\n' ' ')" \
	    "freeze lift freeze "
}

@test "rel-freeze and --lift name an environment twice: one line" {
	flow w <<'EOF2'
environments:
  - name: dev
  - name: prod
EOF2
	rel-create w -a w=1 >/dev/null
	rel-freeze -p w prod dev prod --reason twice
	rel-freeze -p w --lift dev prod dev
	assert_eq prod "$(cut -f1 "$REL_STATE_DIR/products/w/envs/prod" | tr '\n' ' ')" "freeze lift "
	assert_eq dev "$(cut -f1 "$REL_STATE_DIR/products/w/envs/dev" | tr '\n' ' ')" "freeze lift "
}

@test "a rel-freeze --until inside a chain of windows does not shorten it" {
	# Windows that follow one another hold the line until the last
	# closes; a shorter freeze by hand cannot make prod free earlier.
	flow web <<'EOF2'
environments:
  - name: prod
freeze:
  - from: 2026-12-10T10:00Z
    to: 2026-12-10T12:00Z
    reason: A
  - from: 2026-12-10T12:00Z
    to: 2026-12-10T14:00Z
    reason: B
  - from: 2026-12-10T15:00Z
    to: 2026-12-10T17:00Z
    reason: C
EOF2
	rel-create web -a web=1 >/dev/null
	export REL_NOW=2026-12-10T11:00:00Z
	run rel-status --frozen
	assert_eq "windows alone" "$(cut -f3,4,8 <<<"$output")" \
	    "$(printf '2026-12-10T10:00:00Z\t2026-12-10T14:00:00Z\tA')"
	rel-freeze -p web prod --reason manual --until 2026-12-10T13:00Z
	run rel-status --frozen
	assert_eq "with a freeze by hand" "$(cut -f4,5,8 <<<"$output")" \
	    "$(printf '2026-12-10T14:00:00Z\twindow\tA')"
	run --separate-stderr rel-promote web-1 prod
	assert_status 2
	assert_contains "$stderr" "frozen until 2026-12-10T14:00:00Z"
	# A freeze by hand that outlasts the chain says its own end; one
	# that reaches into a later window is held until that one closes.
	rel-freeze -p web prod --reason "by hand" --until 2026-12-10T14:30Z
	run rel-status --frozen
	assert_eq "past the chain" "$(cut -f4,5,8 <<<"$output")" \
	    "$(printf '2026-12-10T14:30:00Z\trel-freeze\tby hand')"
	rel-freeze -p web prod --reason "into C" --until 2026-12-10T16:00Z
	run rel-status --frozen
	assert_eq "into a later window" "$(cut -f4,5,8 <<<"$output")" \
	    "$(printf '2026-12-10T17:00:00Z\trel-freeze\tinto C')"
}

@test "rel-freeze --until a date past 9999-12-31T23:59:59Z is refused, not made until lifted" {
	flow web <<'EOF2'
environments:
  - name: prod
EOF2
	for u in 9999-12-31 9999-12-31T23:30-01:00; do
		run --separate-stderr rel-freeze -p web prod --reason far --until "$u"
		assert_status 2
		assert_contains "$stderr" "9999-12-31T23:59:59Z"
	done
	[ ! -e "$REL_STATE_DIR/products/web/envs/prod" ]
	# The last second there is: kept as it is.
	rel-freeze -p web prod --reason far --until 9999-12-31T23:59:59Z
	run rel-status --frozen
	assert_eq until "$(cut -f4 <<<"$output")" 9999-12-31T23:59:59Z
}

@test "rel-freeze --until 0s and 400d say what is wrong with them" {
	flow web <<'EOF2'
environments:
  - name: dev
EOF2
	run --separate-stderr rel-freeze -p web dev --reason x --until 0s
	assert_status 2
	assert_not_contains "$stderr" "neither a time"
	assert_contains "$stderr" "'0s': must be longer than zero"
	run --separate-stderr rel-freeze -p web dev --reason x --until 400d
	assert_status 2
	assert_not_contains "$stderr" "neither a time"
	assert_contains "$stderr" "'400d': longer than a year (366d at most)"
	run --separate-stderr rel-freeze -p web dev --reason x --until 2h30
	assert_status 2
	assert_contains "$stderr" "a number needs a unit"
}

@test "rel-freeze --reason may hold a tab, shown escaped in TSV" {
	flow web <<'EOF2'
environments:
  - name: dev
EOF2
	rel-freeze -p web dev --reason "$(printf 'INC-1\tpayments')"
	run rel-status --frozen
	assert_eq reason "$(cut -f8 <<<"$output")" 'INC-1\tpayments'
	run rel-status --frozen --format json
	assert_eq json "$(jq -r .reason <<<"$output")" "$(printf 'INC-1\tpayments')"
	run --separate-stderr rel-freeze -p web dev --reason "$(printf 'a\033[2Jb')"
	assert_status 2
	assert_contains "$stderr" "control character"
}

@test "rel-status --frozen lists a product with a flow and no release yet" {
	flow web <<'EOF2'
environments:
  - name: dev
  - name: prod
freeze:
  - from: 2026-12-01
    to: 2026-12-05
    reason: audit week
    environments: [prod]
EOF2
	flow api <<'EOF2'
environments:
  - name: prod
EOF2
	run --separate-stderr rel-status --frozen web
	assert_status 0
	assert_output "$(printf 'web\tprod\t2026-12-01T00:00:00Z\t2026-12-06T00:00:00Z\twindow\t-\tdeny\taudit week')"
	run rel-status --frozen
	assert_status 0
	assert_output "$(printf 'web\tprod\t2026-12-01T00:00:00Z\t2026-12-06T00:00:00Z\twindow\t-\tdeny\taudit week')"
	run rel-status --frozen api
	assert_status 0
	assert_output ""
	# Looking made nothing.
	[ ! -e "$REL_STATE_DIR/products" ]
	run --separate-stderr rel-status --frozen nosuch
	assert_status 3
}
