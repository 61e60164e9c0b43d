#!/usr/bin/env bats
# rel-status as scripts, cron and a person at a terminal read it: fixed
# TSV columns, JSON Lines for jq, a table with colour only on a terminal.

load lib

ISO='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'

# web-1 (by alice, message "first"), web-2 (hotfix, by bob), web-3.
three_releases() {
	flow_web
	USER=alice rel-create web -a api=1.0 -a ui=2.0 -m first >/dev/null
	rel-create web --hotfix -a api=1.0.1 -a ui=2.0 --by bob -m "fix leak" >/dev/null
	rel-create web -a api=1.1 -a ui=2.1 >/dev/null
}

@test "TSV: id, product, status, created, by, hotfix, environments" {
	three_releases
	run --separate-stderr rel-status
	assert_status 0
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 3 ]
	[ "$(awk -F'\t' '{ print NF }' <<<"$output" | sort -u)" = 7 ]
	[ "$(cut -f1,2,3,5,6,7 <<<"$output")" = "$(printf '%s\n' \
	    "web-3	web	pending	tester	no	dev=pending,qa=pending,prod=pending" \
	    "web-2	web	pending	bob	yes	dev=pending,qa=pending,prod=pending" \
	    "web-1	web	pending	alice	no	dev=pending,qa=pending,prod=pending")" ]
	while IFS=$'\t' read -r id product status created rest; do
		[[ "$created" =~ $ISO ]]
	done <<<"$output"
	# The same with --format tsv, and for the product alone.
	[ "$(rel-status --format tsv)" = "$output" ]
	[ "$(rel-status web)" = "$output" ]
}

@test "created is UTC, whatever the local time zone" {
	three_releases
	[ "$(TZ=Pacific/Kiritimati rel-status)" = "$(TZ=UTC rel-status)" ]
	[ "$(TZ=America/St_Johns rel-status --format json | jq -r .created)" = \
	    "$(TZ=UTC rel-status | cut -f4)" ]
}

@test "newest first, within a product" {
	flow_simple web
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		rel-create web -a web=$i >/dev/null
	done
	run rel-status
	[ "$(cut -f1 <<<"$output" | tr '\n' ' ')" = "web-12 web-11 web-10 web-9 web-8 web-7 web-6 web-5 web-4 web-3 web-2 web-1 " ]
}

@test "newest first, across products" {
	flow_simple zed
	flow_simple api
	rel-create zed -a zed=1 >/dev/null
	rel-create api -a api=1 >/dev/null
	rel-create zed -a zed=2 >/dev/null
	rel-create api -a api=2 >/dev/null
	run rel-status
	assert_status 0
	[ "$(cut -f1 <<<"$output" | tr '\n' ' ')" = "api-2 zed-2 api-1 zed-1 " ]
}

@test "--envs: id, env, status, started, finished, live" {
	three_releases
	run rel-status --envs web-2 web-1
	assert_status 0
	assert_output - <<'EOF'
web-2	dev	pending	-	-	no
web-2	qa	pending	-	-	no
web-2	prod	pending	-	-	no
web-1	dev	pending	-	-	no
web-1	qa	pending	-	-	no
web-1	prod	pending	-	-	no
EOF
	run rel-status --envs
	[ "${#lines[@]}" -eq 9 ]
	[ "$(awk -F'\t' '{ print NF }' <<<"$output" | sort -u)" = 6 ]
	[ "$(cut -f1 <<<"$output" | uniq | tr '\n' ' ')" = "web-3 web-2 web-1 " ]
}

@test "--steps: one line per step and component, in promotion order" {
	three_releases
	run rel-status --steps web-1
	assert_status 0
	[ "$(awk -F'\t' '{ print NF }' <<<"$output" | sort -u)" = 11 ]
	[ "$(cut -f1-6 <<<"$output")" = "$(cat <<'EOF'
web-1	dev	lint	-	pending	0
web-1	dev	action	api	pending	0
web-1	dev	action	ui	pending	0
web-1	dev	verify	api	pending	0
web-1	dev	verify	ui	pending	0
web-1	dev	notify	-	pending	0
web-1	qa	action	api	pending	0
web-1	qa	action	ui	pending	0
web-1	prod	action	api	pending	0
web-1	prod	action	ui	pending	0
EOF
)" ]
	run rel-status --steps --env qa web-1
	[ "$(cut -f2,3,4 <<<"$output")" = "$(printf 'qa\taction\tapi\nqa\taction\tui')" ]
}

@test "--status filters, one status or a list" {
	three_releases
	flow_simple svc
	rel-create svc -a svc=1 >/dev/null
	run rel-status --status pending
	assert_status 0
	[ "${#lines[@]}" -eq 4 ]
	run rel-status --status failed
	assert_status 0
	assert_output ""
	run rel-status --status failed,succeeded
	assert_status 0
	assert_output ""
	run rel-status --status failed,pending web
	assert_status 0
	[ "$(cut -f1 <<<"$output" | tr '\n' ' ')" = "web-3 web-2 web-1 " ]
	run rel-status --envs --status pending web-1
	[ "${#lines[@]}" -eq 3 ]
	run rel-status --envs --status running web-1
	assert_output ""
}

@test "--status with an unknown status: exit 2, nothing on stdout" {
	three_releases
	for s in bogus "pending,bogus" "" ","; do
		run --separate-stderr rel-status --status "$s"
		assert_status 2
		[ -z "$output" ]
		assert_contains "$stderr" "rel-status: "
		assert_contains "$stderr" "--status"
	done
	run --separate-stderr rel-status --status bogus
	assert_contains "$stderr" "'bogus'"
}

@test "--env shows one environment" {
	three_releases
	run rel-status --env prod
	assert_status 0
	assert_output - <<'EOF'
web-3	prod	pending	-	-	no
web-2	prod	pending	-	-	no
web-1	prod	pending	-	-	no
EOF
	run rel-status web --envs --env qa
	[ "$(cut -f1,2 <<<"$output" | tr '\n' ' ')" = "web-3	qa web-2	qa web-1	qa " ]
	run --separate-stderr rel-status --env ../x
	assert_status 2
	[ -z "$output" ]
}

@test "-n limits the number of releases" {
	three_releases
	run --separate-stderr rel-status -n 2 web
	assert_status 0
	[ -z "$stderr" ]
	[ "$(cut -f1 <<<"$output" | tr '\n' ' ')" = "web-3 web-2 " ]
	run --separate-stderr rel-status -n 1
	assert_status 0
	[ -z "$stderr" ]
	[ "$(cut -f1 <<<"$output")" = web-3 ]
	run rel-status -n 0
	assert_status 0
	[ "${#lines[@]}" -eq 3 ]
	run rel-status -n 3
	assert_status 0
	[ "${#lines[@]}" -eq 3 ]
	run --separate-stderr rel-status -n many
	assert_status 2
	[ -z "$output" ]
}

@test "a table shows the newest 20 and says there are more" {
	flow_simple web
	for i in $(seq 25); do
		rel-create web -a web=$i >/dev/null
	done
	run --separate-stderr rel-status --format table
	assert_status 0
	[ -z "$stderr" ]
	assert_no_escapes "$output"
	[ "${#lines[@]}" -eq 22 ]
	[[ "${lines[1]}" == "web-25 "* ]]
	[[ "${lines[20]}" == "web-6 "* ]]
	assert_contains "${lines[21]}" "-n 0"
	run --separate-stderr rel-status --format table -n 0
	assert_status 0
	[ "${#lines[@]}" -eq 26 ]
	# TSV has no such limit.
	run rel-status
	[ "${#lines[@]}" -eq 25 ]
}

@test "-n with --status counts the releases shown" {
	three_releases
	flow_simple svc
	rel-create svc -a svc=1 >/dev/null
	run --separate-stderr rel-status --status pending -n 2
	assert_status 0
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "JSON Lines: one object per release with the documented fields" {
	three_releases
	make_repo "$SCRATCH/repo"
	rel-create web -a api=2 -a ui=3 --repo "$SCRATCH/repo" --rev HEAD >/dev/null
	run --separate-stderr rel-status --format json
	assert_status 0
	[ "${#lines[@]}" -eq 4 ]
	# Every line is one whole JSON object.
	for l in "${lines[@]}"; do
		[ "$(jq -c type <<<"$l")" = '"object"' ]
	done
	[ "$(jq -r .id <<<"$output" | tr '\n' ' ')" = "web-4 web-3 web-2 web-1 " ]
	run jq -c 'select(.id == "web-2") | [.id, .product, .status, .by, .hotfix, .rev, .message, .artifacts]' <<<"$output"
	assert_output '["web-2","web","pending","bob",true,null,"fix leak",{"api":"1.0.1","ui":"2.0"}]'
	json=$(rel-status --format json web-1)
	[ "$(jq -r .created <<<"$json")" = "$(rel-status web-1 | cut -f4)" ]
	[[ "$(jq -r .created <<<"$json")" =~ $ISO ]]
	[ "$(jq -c '[.hotfix, .message, .by]' <<<"$json")" = '[false,"first","alice"]' ]
	[ "$(rel-status --format json web-4 | jq -r .rev)" = "$(git -C "$SCRATCH/repo" rev-parse HEAD)" ]
	run jq -c '[.environments[] | {name, status, trigger, needs, live}]' <<<"$json"
	assert_output '[{"name":"dev","status":"pending","trigger":"auto","needs":[],"live":false},{"name":"qa","status":"pending","trigger":"auto","needs":["dev"],"live":false},{"name":"prod","status":"pending","trigger":"manual","needs":["qa"],"live":false}]'
	run jq -c '[.environments[] | [.name, [.steps[] | .name]]]' <<<"$json"
	assert_output '[["dev",["lint","action","verify","notify"]],["qa",["action"]],["prod",["action"]]]'
	[ "$(jq -r '[.environments[].steps[].status] | unique | join(",")' <<<"$json")" = pending ]
}

@test "JSON for a pipeline: select the hotfixes with jq" {
	three_releases
	run bash -c 'rel-status web --format json | jq -r "select(.hotfix) | .id"'
	assert_status 0
	assert_output web-2
}

@test "JSON strings are escaped: quotes, backslashes, tabs, unicode" {
	flow_web
	msg=$(printf 'say "hi" \\ to\tall – ok')
	rel-create web -a 'api="1"' -a 'ui=\2' -m "$msg" >/dev/null
	run rel-status --format json web-1
	assert_status 0
	[ "$(jq -r .message <<<"$output")" = "$msg" ]
	[ "$(jq -c .artifacts <<<"$output")" = '{"api":"\"1\"","ui":"\\2"}' ]
}

@test "--format table: aligned with spaces, a header, no escapes off a terminal" {
	three_releases
	run --separate-stderr rel-status --format table
	assert_status 0
	assert_no_escapes "$output"
	assert_not_contains "$output" $'\t'
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[0]}" =~ ^ID\ +PRODUCT\ +STATUS\ +CREATED\ +BY\ +HOTFIX\ +ENV ]]
	# Every column starts where its header starts.
	for h in PRODUCT STATUS CREATED BY HOTFIX; do
		col=$(awk -v h="$h" 'NR == 1 { print index($0, " " h " ") + 1 }' <<<"$output")
		[ "$col" -gt 1 ]
		for ((i = 1; i < 4; i++)); do
			[ "${lines[i]:col-2:1}" = " " ]
			[ "${lines[i]:col-1:1}" != " " ]
		done
	done
	[[ "${lines[1]}" =~ ^web-3\ +web\ +pending\ + ]]
	[[ "${lines[2]}" =~ ^web-2\ +web\ +pending\ +[-0-9T:Z]+\ +bob\ +yes\ + ]]
}

@test "NO_COLOR: no escapes in a table, even asked for" {
	three_releases
	for fmt in table tsv json; do
		run env NO_COLOR=1 rel-status --format "$fmt"
		assert_status 0
		assert_no_escapes "$output"
		run rel-status --format "$fmt" --envs
		assert_no_escapes "$output"
		run rel-status --format "$fmt" --history
		assert_no_escapes "$output"
	done
	run rel-status --format table web-1
	assert_status 0
	assert_no_escapes "$output"
}

@test "on a terminal: a table in colour, without colour under NO_COLOR" {
	command -v script >/dev/null || skip "script(1) is not installed"
	three_releases
	export TERM=xterm
	run script -qec "rel-status" /dev/null
	assert_status 0
	assert_contains "$output" $'\e['
	assert_contains "$output" "ID"
	assert_contains "$output" "PRODUCT"
	assert_not_contains "$output" $'\t'
	run script -qec "rel-status --format table" /dev/null
	assert_contains "$output" $'\e['
	run env NO_COLOR=1 script -qec "rel-status --format table" /dev/null
	assert_status 0
	assert_no_escapes "$output"
	assert_contains "$output" "PRODUCT"
	run env NO_COLOR=1 script -qec "rel-status web-1" /dev/null
	assert_no_escapes "$output"
	assert_contains "$output" "api=1.0"
	# Asked for TSV or JSON, a terminal gets no colour either.
	run script -qec "rel-status --format tsv" /dev/null
	assert_no_escapes "$output"
	run script -qec "rel-status --format json" /dev/null
	assert_no_escapes "$output"
}

@test "--format table of one release shows everything about it" {
	three_releases
	run rel-status --format table web-2
	assert_status 0
	assert_no_escapes "$output"
	for want in web-2 pending hotfix bob "fix leak" api=1.0.1 ui=2.0 dev qa prod lint notify manual; do
		assert_contains "$output" "$want"
	done
}

@test "--format: an unknown format is bad usage" {
	three_releases
	run --separate-stderr rel-status --format yaml
	assert_status 2
	[ -z "$output" ]
	assert_contains "$stderr" "yaml"
}

@test "unknown product or release: exit 3 with a message" {
	three_releases
	for what in nope web-99 nope-1; do
		run --separate-stderr rel-status "$what"
		assert_status 3
		[ -z "$output" ]
		assert_contains "$stderr" "rel-status: "
		assert_contains "$stderr" "'$what'"
	done
	# What is there is still shown; the exit status says what was not.
	run --separate-stderr rel-status web-1 nope
	assert_status 3
	[ "$(cut -f1 <<<"$output")" = web-1 ]
	assert_contains "$stderr" "nope"
}

@test "bad names as operands: exit 2, nothing shown" {
	three_releases
	for what in ../x ../web-1 web/../web "" "a b"; do
		run --separate-stderr rel-status "$what"
		assert_status 2
		[ -z "$output" ]
		assert_contains "$stderr" "rel-status: "
	done
}

@test "what reads as a release id but is none: bad release id, exit 2" {
	three_releases
	for what in web-0 web-01 web-007 web-1234567890123 web--1; do
		run --separate-stderr rel-status "$what"
		assert_status 2
		[ -z "$output" ]
		assert_contains "$stderr" "rel-status: bad release id '$what'"
	done
	# web- is no product name, so web--1 is no release id.
	run --separate-stderr rel-create web- -a api=1
	assert_status 2
	assert_contains "$stderr" "bad product name 'web-'"
}

@test "an empty store: no output, exit 0, nothing created" {
	for args in "" "--envs" "--steps" "--history" "--format json" "--format table" "--status failed"; do
		run --separate-stderr rel-status $args
		assert_status 0
		assert_output ""
		[ -z "$stderr" ]
	done
	[ ! -e "$REL_STATE_DIR" ]
	mkdir -p "$REL_STATE_DIR"
	run --separate-stderr rel-status
	assert_status 0
	assert_output ""
	[ -z "$stderr" ]
	[ -z "$(ls -A "$REL_STATE_DIR")" ]
}

@test "cron: nothing failed, nothing said" {
	three_releases
	run --separate-stderr rel-status --status failed
	assert_status 0
	assert_output ""
	[ -z "$stderr" ]
}

@test "ids from standard input: one per line, blanks and # lines skipped" {
	three_releases
	run bash -c "printf 'web-2\n' | rel-status"
	assert_status 0
	[ "$(cut -f1 <<<"$output")" = web-2 ]
	run bash -c "printf '# failed ones\n\n  web-3  \n\nweb-1\n' | rel-status"
	assert_status 0
	[ "$(cut -f1 <<<"$output" | tr '\n' ' ')" = "web-3 web-1 " ]
	# From a file, too.
	printf 'web-1\n' >ids
	run rel-status --envs <ids
	[ "${#lines[@]}" -eq 3 ]
	[ "$(cut -f1 <<<"$output" | sort -u)" = web-1 ]
}

@test "TSV lines of another rel-status piped in are read by their first field" {
	three_releases
	run bash -c 'rel-status --status pending | rel-status --envs --env prod'
	assert_status 0
	assert_output - <<'EOF'
web-3	prod	pending	-	-	no
web-2	prod	pending	-	-	no
web-1	prod	pending	-	-	no
EOF
	run bash -c 'rel-status --format tsv | cut -f1 | rel-status --history'
	assert_status 0
	[ "${#lines[@]}" -eq 3 ]
}

@test "input with no ids shows nothing; no input at all (cron) is none" {
	three_releases
	run bash -c "printf '# none\n\n' | rel-status --history"
	assert_status 0
	assert_output ""
	# cron gives a job an empty pipe: it must not silence the listing.
	run bash -c ': | rel-status'
	assert_status 0
	[ "${#lines[@]}" -eq 3 ]
	run bash -c ': | rel-status --status pending | wc -l'
	[ "$output" = 3 ]
}

@test "--history: time, id, who, what, from, to, why" {
	three_releases
	run --separate-stderr rel-status --history web-1 web-2
	assert_status 0
	[ -z "$stderr" ]
	c1=$(rel-status web-1 | cut -f4)
	c2=$(rel-status web-2 | cut -f4)
	assert_output - <<EOF
$c1	web-1	alice	release	-	pending	first
$c2	web-2	bob	release	-	pending	fix leak
EOF
	run rel-status --history
	[ "${#lines[@]}" -eq 3 ]
	[ "$(awk -F'\t' '{ print NF }' <<<"$output" | sort -u)" = 7 ]
}

@test "products and releases mixed as operands" {
	three_releases
	flow_simple svc
	rel-create svc -a svc=1 >/dev/null
	run rel-status web web-1
	assert_status 0
	[ "$(cut -f1 <<<"$output" | tr '\n' ' ')" = "web-3 web-2 web-1 web-1 " ]
	run rel-status svc-1 web-2
	[ "$(cut -f1 <<<"$output" | tr '\n' ' ')" = "svc-1 web-2 " ]
	run rel-status svc web
	[ "$(cut -f1 <<<"$output" | tr '\n' ' ')" = "svc-1 web-3 web-2 web-1 " ]
}

@test "the index is derived: damaged or deleted, the same listing comes back" {
	three_releases
	index=$REL_STATE_DIR/cache/web/index
	[ -f "$index" ]
	before=$(rel-status; rel-status --format json; rel-status --envs web)
	# Damage that a reader must not believe: zeros, a filler, cut short.
	head -c 4096 /dev/zero >"$index"
	[ "$(rel-status; rel-status --format json; rel-status --envs web)" = "$before" ]
	printf 'C%.0s' {1..4096} >"$index"
	[ "$(rel-status; rel-status --format json; rel-status --envs web)" = "$before" ]
	truncate -s 300 "$index"
	[ "$(rel-status; rel-status --format json; rel-status --envs web)" = "$before" ]
	rm -rf "$REL_STATE_DIR/cache"
	[ "$(rel-status; rel-status --format json; rel-status --envs web)" = "$before" ]
	# Rebuilt, by --check or by the next write.
	rel-status --check >/dev/null
	[ -f "$index" ]
	[ "$(rel-status; rel-status --format json; rel-status --envs web)" = "$before" ]
	rm -rf "$REL_STATE_DIR/cache"
	[ "$(rel-create web -a api=9 -a ui=9)" = web-4 ]
	[ "$(rel-status | cut -f1 | tr '\n' ' ')" = "web-4 web-3 web-2 web-1 " ]
}

@test "a stray record far beyond the others, and no cache/: no hang, the same verdict everywhere" {
	three_releases
	releases=$REL_STATE_DIR/products/web/releases
	cp "$releases/web-1" "$releases/web-99999999"
	rm -rf "$REL_STATE_DIR/cache"
	# The listing is the releases, rebuilt from the directory, at once
	# (it used to open every number up to 99999999).
	run --separate-stderr timeout 60 rel-status web
	assert_status 0
	[ "$(cut -f1 <<<"$output" | tr '\n' ' ')" = "web-3 web-2 web-1 " ]
	[ "$(stat -c %s "$REL_STATE_DIR/cache/web/index")" -le 4096 ]
	# By its id, it is no release, and each command says why.
	for cmd in "rel-status web-99999999" "rel-promote web-99999999" \
	    "rel-log web-99999999 dev" "rel-terminate web-99999999"; do
		# shellcheck disable=SC2086 # a command line
		run --separate-stderr timeout 60 $cmd
		assert_status 3
		assert_contains "$stderr" "web-99999999"
		assert_contains "$stderr" "stray record"
	done
	# --check says so too, and that is damage.
	run --separate-stderr timeout 60 rel-status --check web
	assert_status 5
	assert_contains "$stderr" "web-99999999"
	assert_contains "$stderr" "stray record"
	[ "$(cut -f2,5 <<<"${lines[0]}")" = "$(printf '3\t1')" ]
	# Ids go on from the releases, not from the stray.
	[ "$(rel-create web -a api=9 -a ui=9)" = web-4 ]
	# A gap of a few (records removed by hand) is not a stray.
	rm "$releases/web-99999999" "$releases/web-2" "$releases/web-3"
	cp "$releases/web-1" "$releases/web-7"
	rm -rf "$REL_STATE_DIR/cache"
	[ "$(rel-status web | cut -f1 | tr '\n' ' ')" = "web-7 web-4 web-1 " ]
	rel-status --check >/dev/null
}

@test "a record put by hand within reach of the last: --check counts it, as it would be with no cache/" {
	three_releases
	releases=$REL_STATE_DIR/products/web/releases
	# 999 numbers missing: within reach (rel-store(5)), so a release,
	# though the index (cache/) does not know it yet.
	cp "$releases/web-1" "$releases/web-1003"
	run --separate-stderr rel-status --check web
	assert_status 0
	assert_contains "$stderr" "web-1003"
	assert_contains "$stderr" "beyond the index"
	# product releases transitions env-runs problems fixed stale
	[ "$(cut -f2,5,6 <<<"${lines[0]}")" = "$(printf '4\t0\t1')" ]
	# From now on every command sees what it would see with no cache/.
	[ "$(rel-status web | cut -f1 | tr '\n' ' ')" = "web-1003 web-3 web-2 web-1 " ]
	[ "$(rel-create web -a api=9 -a ui=9)" = web-1004 ]
	rm -rf "$REL_STATE_DIR/cache"
	[ "$(rel-status web | cut -f1 | tr '\n' ' ')" = "web-1004 web-1003 web-3 web-2 web-1 " ]
	run --separate-stderr rel-status --check web
	assert_status 0
	[ -z "$stderr" ]
}

@test "--check reads every record and says there is no damage" {
	three_releases
	run --separate-stderr rel-status --check
	assert_status 0
	# product releases transitions env-runs problems fixed stale
	[ "${lines[-1]}" = "$(printf 'total\t3\t0\t0\t0\t0\t0')" ]
	[ "${lines[0]}" = "$(printf 'web\t3\t0\t0\t0\t0\t0')" ]
}

@test "--check --format json: an object per product, then the total" {
	three_releases
	run --separate-stderr rel-status --check --format json
	assert_status 0
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = '{"product":"web","releases":3,"transitions":0,"env_runs":0,"problems":0,"fixed":0,"stale":0}' ]
	[ "${lines[1]}" = '{"product":null,"releases":3,"transitions":0,"env_runs":0,"problems":0,"fixed":0,"stale":0}' ]
	jq -e . <<<"$output" >/dev/null
}

@test "--check removes the temporary files of dead writers, not of live ones" {
	three_releases
	releases=$REL_STATE_DIR/products/web/releases
	sh -c 'exit 0' &
	dead=$!
	wait "$dead"
	: >"$releases/.tmp.$dead.1"
	: >"$releases/.tmp.$$.2"
	run --separate-stderr rel-status --check
	assert_status 0
	assert_contains "$stderr" "fixed: removed releases/.tmp.$dead.1, left by a dead writer"
	[ ! -e "$releases/.tmp.$dead.1" ]
	[ -e "$releases/.tmp.$$.2" ]
	[ "$(cut -f6 <<<"${lines[-1]}")" = 1 ]
}

@test "--help and --version" {
	run --separate-stderr rel-status --help
	assert_status 0
	[ -z "$stderr" ]
	[[ "${lines[0]}" == "usage: rel-status "* ]]
	for opt in --state --format/-o --envs/-e --steps/-s --status --env \
	    --live/-l --history/-H -n --check --wait/-w; do
		[[ "$output" == *"[${opt%/*} "* || "$output" == *"[${opt%/*}]"* ||
		    "$output" == *"[${opt#*/} "* || "$output" == *"[${opt#*/}]"* ||
		    "$output" == *" ${opt#*/} |"* || "$output" == *"| ${opt#*/} "* ||
		    "$output" == *"| ${opt#*/}]"* ]] ||
		    { echo "usage lacks $opt" >&2; false; }
	done
	run --separate-stderr rel-status --version
	assert_status 0
	[[ "$output" =~ ^rel-status\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	[ -z "$stderr" ]
}

@test "an unknown option: exit 2, usage on stderr, nothing on stdout" {
	three_releases
	run --separate-stderr rel-status --bogus
	assert_status 2
	[ -z "$output" ]
	assert_contains "$stderr" "rel-status: "
	assert_contains "$stderr" "--bogus"
	assert_contains "$stderr" "usage: rel-status"
	run --separate-stderr rel-status -Z
	assert_status 2
	[ -z "$output" ]
	assert_contains "$stderr" "usage: rel-status"
}

@test "views go one at a time" {
	three_releases
	run --separate-stderr rel-status --envs --steps
	assert_status 2
	[ -z "$output" ]
}

@test "a full standard output is an error, with a message" {
	three_releases
	run --separate-stderr bash -c 'rel-status >/dev/full'
	[ "$status" -ne 0 ]
	assert_contains "$stderr" "rel-status: "
	assert_contains "$stderr" "standard output"
	run --separate-stderr bash -c 'rel-status --format json >/dev/full'
	[ "$status" -ne 0 ]
	assert_contains "$stderr" "standard output"
}

@test "reading does not wait for the product lock" {
	[ -x "$REL_HELPERS/holdlock" ] || skip "build/helpers/holdlock not built (make build/helpers/holdlock)"
	three_releases
	before=$(rel-status)
	start_bg "$SCRATCH/holder.out" "$REL_HELPERS/holdlock" "$REL_STATE_DIR/locks/web.lock"
	wait_for_line "$SCRATCH/holder.out" locked
	run --separate-stderr timeout 60 rel-status --wait 0.2
	assert_status 0
	[ "$output" = "$before" ]
	run --separate-stderr timeout 60 rel-status --wait 0.2 --format json web-1
	assert_status 0
	[ "$(jq -r .id <<<"$output")" = web-1 ]
}
