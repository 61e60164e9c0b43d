#!/usr/bin/env bats
# rel-status --format prom as node_exporter's textfile collector reads it:
# valid text exposition (checked by tests/helpers/promcheck, strict in the
# spirit of `promtool check metrics`), and numbers that agree with what
# rel-status says in its other views.  Then the checker itself, shown to
# fail on each rule it enforces.

load lib
load promote_lib

PROMCHECK=$REL_TOP/tests/helpers/promcheck

# The seven families, HELP and TYPE, in the order rel writes them.
FAMILIES='# HELP rel_releases Releases of a product by status.
# TYPE rel_releases gauge
# HELP rel_release_last_number N of the newest release PRODUCT-N.
# TYPE rel_release_last_number gauge
# HELP rel_release_last_created_timestamp_seconds When the newest release was created.
# TYPE rel_release_last_created_timestamp_seconds gauge
# HELP rel_environment_run_info The latest promotion in an environment: 1, with its release, how and status as labels.
# TYPE rel_environment_run_info gauge
# HELP rel_environment_live_info The release live in an environment: 1, with the release as a label.
# TYPE rel_environment_live_info gauge
# HELP rel_environment_live_number N of the release PRODUCT-N live in an environment.
# TYPE rel_environment_live_number gauge
# HELP rel_environment_last_transition_timestamp_seconds When a promotion last started or ended in an environment.
# TYPE rel_environment_last_transition_timestamp_seconds gauge'

STATUSES="pending running suspended succeeded failed terminating terminated"

# A step that fails when $SCRATCH/fail.ENV exists.
STEP='test ! -e "$SCRATCH/fail.$REL_ENV"'

# A store with three products and releases in every state but
# terminating, one of them running (its step sleeps until terminated):
#   web  (dev -> qa -> prod, manual): web-1 succeeded, web-2 failed in
#        qa, web-3 suspended at prod, web-4 pending, web-5 terminated;
#   api  (dev): api-1, api-2 succeeded, then api-1 redeployed into dev;
#   shop (dev, sleeps unless $SCRATCH/quick): shop-1 succeeded,
#        shop-2 running.
busy_store() {
	flow web <<EOF
environments:
  - name: dev
    action: '$STEP'
  - name: qa
    action: '$STEP'
  - name: prod
    trigger: manual
    action: '$STEP'
EOF
	flow api <<EOF
environments:
  - name: dev
    action: '$STEP'
EOF
	flow shop <<'EOF'
environments:
  - name: dev
    action: 'test -e "$SCRATCH/quick" || long shop'
EOF
	rel-create web -a web=1 >/dev/null
	rel-promote web-1 >/dev/null
	rel-promote web-1 prod >/dev/null
	touch "$SCRATCH/fail.qa"
	rel-create web -a web=2 >/dev/null
	rel-promote web-2 >/dev/null 2>&1 || true
	rm "$SCRATCH/fail.qa"
	rel-create web -a web=3 >/dev/null
	rel-promote web-3 >/dev/null
	rel-create web -a web=4 >/dev/null
	rel-create web -a web=5 >/dev/null
	rel-terminate web-5 >/dev/null
	rel-create api -a api=1 >/dev/null
	rel-promote api-1 >/dev/null
	rel-create api -a api=2 >/dev/null
	rel-promote api-2 >/dev/null
	rel-redeploy api-1 dev >/dev/null
	touch "$SCRATCH/quick"
	rel-create shop -a shop=1 >/dev/null
	rel-promote shop-1 >/dev/null
	rm "$SCRATCH/quick"
	rel-create shop -a shop=2 >/dev/null
	bg "$SCRATCH/runner.out" "$SCRATCH/runner.err" rel-promote shop-2
	RUNNER=$BG_PID
	STEP_PID=$(step_pid shop)
	wait_env shop-2 dev running
	assert_eq statuses "$(rel-status | cut -f1,3 | LC_ALL=C sort | tr '\t\n' ' ,')" \
	    "api-1 succeeded,api-2 succeeded,shop-1 succeeded,shop-2 running,web-1 succeeded,web-2 failed,web-3 suspended,web-4 pending,web-5 terminated,"
}

# stop_shop: terminate the running release, its step gone.
stop_shop() {
	rel-terminate shop-2 >/dev/null
	wait_gone "$STEP_PID"
	bg_wait "$RUNNER"
}

# prom [ARGS...]: rel-status --format prom ARGS into $SCRATCH/prom; fails
# unless it exits 0, says nothing on stderr, and passes the checker.
prom() {
	local rc=0

	rel-status --format prom "$@" >"$SCRATCH/prom" 2>"$SCRATCH/prom.err" ||
	    rc=$?
	if [ "$rc" -ne 0 ] || [ -s "$SCRATCH/prom.err" ]; then
		echo "rel-status --format prom $*: exit $rc" >&2
		cat "$SCRATCH/prom.err" >&2
		return 1
	fi
	"$PROMCHECK" "$SCRATCH/prom"
}

# samples FAMILY: its samples in $SCRATCH/prom as "labelvalue... value",
# label values in the order written, sorted.
samples() {
	awk -v f="$1" 'index($0, f "{") == 1 {
		s = $0; out = ""
		while (match(s, /="[^"]*"/)) {
			out = out substr(s, RSTART + 2, RLENGTH - 3) " "
			s = substr(s, RSTART + RLENGTH)
		}
		print out $NF
	}' "$SCRATCH/prom" | LC_ALL=C sort
}

# --- rel's output ----------------------------------------------------------

@test "an empty store: the seven families, HELP and TYPE only, valid" {
	# No state directory at all (it is not made), and one with nothing
	# in it.
	rm -rf "$REL_STATE_DIR"
	prom
	assert_eq output "$(cat "$SCRATCH/prom")" "$FAMILIES"
	[ ! -e "$REL_STATE_DIR" ]
	mkdir -p "$REL_STATE_DIR/flows"
	flow_simple web
	prom
	assert_eq output "$(cat "$SCRATCH/prom")" "$FAMILIES"
}

@test "a busy store: valid, each family once with its samples together" {
	busy_store
	prom
	# Every line is HELP, TYPE or a sample of the family just named.
	[ "$(grep -c '^# HELP ' "$SCRATCH/prom")" -eq 7 ]
	[ "$(grep -c '^# TYPE ' "$SCRATCH/prom")" -eq 7 ]
	assert_eq families "$(grep '^#' "$SCRATCH/prom")" "$FAMILIES"
	# 7 statuses x 3 products; one last number and time per product;
	# web has 3 environments, api and shop 1.
	assert_eq counts "$(for f in rel_releases rel_release_last_number \
	    rel_release_last_created_timestamp_seconds \
	    rel_environment_run_info rel_environment_live_info \
	    rel_environment_live_number \
	    rel_environment_last_transition_timestamp_seconds; do
		samples "$f" | wc -l; done | tr '\n' ' ')" "21 3 3 5 5 5 5 "
	stop_shop
	prom
}

@test "rel_releases: exact counts, and the same as rel-status's TSV" {
	busy_store
	prom
	assert_eq "releases by status" "$(samples rel_releases | awk '$3 > 0' | tr '\n' ',')" \
	    "api succeeded 2,shop running 1,shop succeeded 1,web failed 1,web pending 1,web succeeded 1,web suspended 1,web terminated 1,"
	# Every product has a sample for each status a release can have.
	assert_eq "statuses of web" "$(samples rel_releases | awk '$1 == "web" { print $2 }' | tr '\n' ' ')" \
	    "$(tr ' ' '\n' <<<"$STATUSES" | LC_ALL=C sort | tr '\n' ' ')"
	# The same counts from the TSV, zeros included, with awk.
	rel-status -n 0 | awk -F'\t' -v statuses="$STATUSES" '
	    { n[$2 " " $3]++; p[$2] = 1 }
	    END {
		split(statuses, s, " ")
		for (q in p) for (i in s) print q, s[i], n[q " " s[i]] + 0
	    }' | LC_ALL=C sort >"$SCRATCH/tsv"
	samples rel_releases | diff -u "$SCRATCH/tsv" -
	# For one product, and for each status alone.
	prom web
	for s in $STATUSES; do
		want=$(rel-status --status "$s" web | wc -l)
		got=$(samples rel_releases | awk -v s="$s" '$2 == s { print $3 }')
		assert_eq "web $s" "$got" "$want"
	done
	stop_shop
	prom shop
	assert_eq "shop after terminate" "$(samples rel_releases | awk '$3 > 0' | tr '\n' ',')" \
	    "shop succeeded 1,shop terminated 1,"
}

@test "newest release: its number and its creation time" {
	busy_store
	prom
	assert_eq "last numbers" "$(samples rel_release_last_number | tr '\n' ',')" \
	    "api 2,shop 2,web 5,"
	for p in api shop web; do
		created=$(rel-status -n 1 "$p" | cut -f4)
		t=$(samples rel_release_last_created_timestamp_seconds |
		    awk -v p="$p" '$1 == p { print $2 }')
		[[ "$t" =~ ^[0-9]+\.[0-9]{3}$ ]]
		assert_eq "$p created" "${t%.*}" "$(date -u -d "$created" +%s)"
	done
	stop_shop
}

@test "live metrics agree with rel-status --live" {
	busy_store
	prom
	# product env release, from both.
	rel-status --live | awk -F'\t' '{ print $6, $1, $2, 1 }' |
	    LC_ALL=C sort >"$SCRATCH/live"
	samples rel_environment_live_info | diff -u "$SCRATCH/live" -
	assert_eq live "$(tr '\n' ',' <"$SCRATCH/live")" \
	    "api dev api-1 1,shop dev shop-1 1,web dev web-3 1,web prod web-1 1,web qa web-3 1,"
	# The number is that of the release live there.
	rel-status --live | awk -F'\t' '{ n = $2; sub(/.*-/, "", n); print $6, $1, n }' |
	    LC_ALL=C sort >"$SCRATCH/live"
	samples rel_environment_live_number | diff -u "$SCRATCH/live" -
	# And with a product operand, only its own.
	prom web
	assert_eq "web live" "$(samples rel_environment_live_info | tr '\n' ',')" \
	    "web dev web-3 1,web prod web-1 1,web qa web-3 1,"
	stop_shop
}

@test "the latest run in each environment agrees with rel-status -H --env" {
	busy_store
	prom
	for pe in "api dev" "shop dev" "web dev" "web qa" "web prod"; do
		set -- $pe
		# time env release status how ...: the newest run.
		run=$(rel-status -H --env "$2" -n 1 "$1")
		want="$1 $2 $(cut -f3 <<<"$run") $(cut -f5 <<<"$run") $(cut -f4 <<<"$run") 1"
		got=$(samples rel_environment_run_info | awk -v p="$1" -v e="$2" '$1 == p && $2 == e')
		assert_eq "run in $1 $2" "$got" "$want"
		t=$(samples rel_environment_last_transition_timestamp_seconds |
		    awk -v p="$1" -v e="$2" '$1 == p && $2 == e { print $3 }')
		assert_eq "time of $1 $2" "${t%.*}" "$(date -u -d "$(cut -f1 <<<"$run")" +%s)"
	done
	# The ones worth a look, exactly: a rollback, a running promotion,
	# a failed one.
	samples rel_environment_run_info | grep -e '^api dev' -e '^shop dev' -e '^web qa' |
	    diff -u - <(printf '%s\n' \
	    "api dev api-1 rollback succeeded 1" \
	    "shop dev shop-2 promote running 1" \
	    "web qa web-3 promote succeeded 1")
	stop_shop
	prom shop
	assert_eq "shop dev after terminate" "$(samples rel_environment_run_info)" \
	    "shop dev shop-2 promote terminated 1"
}

@test "a release whose runner died is not counted running: prom notices, as TSV does" {
	flow shop <<'EOF'
environments:
  - name: dev
    action: 'long shop'
EOF
	rel-create shop -a shop=1 >/dev/null
	bg "$SCRATCH/runner.out" "$SCRATCH/runner.err" rel-promote shop-1
	runner=$BG_PID
	pid=$(step_pid shop)
	wait_env shop-1 dev running
	kill -KILL "$runner"
	wait "$runner" 2>/dev/null || true
	# The first command to look is the scrape.
	prom shop
	assert_eq releases "$(samples rel_releases | awk '$3 > 0')" "shop failed 1"
	assert_eq run "$(samples rel_environment_run_info)" "shop dev shop-1 promote failed 1"
	# The step left behind is stopped, and every view agrees.
	wait_gone "$pid"
	assert_eq tsv "$(rel-status shop | cut -f1,3,7)" "shop-1	failed	dev=failed"
	prom shop
	assert_eq releases "$(samples rel_releases | awk '$3 > 0')" "shop failed 1"
}

@test "--state and product operands: only those products, still valid" {
	busy_store
	stop_shop
	mv "$REL_STATE_DIR" "$SCRATCH/elsewhere"
	mkdir -p "$REL_STATE_DIR"
	prom
	assert_eq "the empty default store" "$(cat "$SCRATCH/prom")" "$FAMILIES"
	prom --state "$SCRATCH/elsewhere"
	assert_eq products "$(samples rel_release_last_number | cut -d' ' -f1 | tr '\n' ' ')" "api shop web "
	cp "$SCRATCH/prom" "$SCRATCH/all"
	prom --state "$SCRATCH/elsewhere" web api
	assert_eq products "$(samples rel_release_last_number | cut -d' ' -f1 | tr '\n' ' ')" "api web "
	assert_eq families "$(grep '^#' "$SCRATCH/prom")" "$FAMILIES"
	# Each family's samples are those of the whole store for these
	# products, in the order the products were given.
	grep -v -e '^#' -e 'product="shop"' "$SCRATCH/all" | LC_ALL=C sort >"$SCRATCH/want"
	grep -v '^#' "$SCRATCH/prom" | LC_ALL=C sort | diff -u "$SCRATCH/want" -
	[ "$(grep -m1 '^rel_releases' "$SCRATCH/prom")" = 'rel_releases{product="web",status="pending"} 1' ]
	# REL_STATE_DIR means the same as --state.
	REL_STATE_DIR=$SCRATCH/elsewhere prom shop
	[ "$(samples rel_release_last_number)" = "shop 2" ]
}

@test "an unknown product: exit 3, and nothing on stdout (no half a scrape)" {
	busy_store
	stop_shop
	run --separate-stderr rel-status --format prom web nosuch api
	assert_status 3
	assert_output ""
	[ "$stderr" = "rel-status: no product 'nosuch' in $REL_STATE_DIR" ]
}

# --- the checker -------------------------------------------------------------

# check TEXT: the checker on TEXT, through printf %b: \n ends a line,
# \\ is one backslash.
check() {
	run --separate-stderr "$PROMCHECK" <<<"$(printf '%b' "$1")"
}

# rejects LINE MESSAGE TEXT: the checker fails on TEXT, naming line LINE
# with MESSAGE.
rejects() {
	check "$3"
	assert_status 1
	assert_contains "$stderr" "promcheck: (stdin):$1: $2"
}

@test "promcheck accepts valid text: escapes, special values, timestamps, histograms" {
	check '# HELP a Some \\\\ help\\n on two lines.\n# TYPE a gauge\na{x="1",y="q\\"uote \\\\ back\\nslash"} 1.5\na{x="2"} -2e-3 1700000000000\n\nb NaN\nc +Inf\nd{} -Inf\n# TYPE e_total counter\ne_total 3\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 0.5\nh_count 2\n# TYPE s summary\ns{quantile="0.5"} 1\ns_sum 1\ns_count 1\n# HELP u untyped\nu .5\n'
	assert_status 0
	[ -z "$stderr" ]
	check ''
	assert_status 0
	# A file too.
	printf 'a 1\n' >"$SCRATCH/ok.prom"
	run "$PROMCHECK" "$SCRATCH/ok.prom"
	assert_status 0
}

@test "promcheck rejects each fault, naming the line" {
	rejects 2 "not a metric name, HELP, TYPE or empty line" 'a 1\n1a 1'
	rejects 1 "not a metric name, HELP, TYPE or empty line" '  '
	rejects 1 "a comment that is neither HELP nor TYPE" '# just a comment'
	rejects 1 "bad metric name in HELP" '# HELP 1a text'
	rejects 1 "bad metric name in TYPE" '# TYPE a-b gauge'
	rejects 1 "bad escape in HELP text" '# HELP a tab \\t here'
	rejects 1 'TYPE is not "# TYPE name type"' '# TYPE a gauge extra'
	rejects 1 "unknown type gauges" '# TYPE a gauges'
	rejects 1 "gauge a_total ends in _total" '# TYPE a_total gauge'
	rejects 1 "counter a does not end in _total" '# TYPE a counter'
	rejects 2 "second HELP line for a" '# HELP a one\n# HELP a two'
	rejects 3 "second TYPE line for a" '# TYPE a gauge\na 1\n# TYPE a gauge'
	rejects 2 "HELP for a after its samples" 'a 1\n# HELP a late'
	rejects 2 "TYPE for a after its samples" 'a 1\n# TYPE a gauge'
	rejects 1 "bad label name" 'a{1x="1"} 1'
	rejects 1 "label name __x is reserved" 'a{__x="1"} 1'
	rejects 1 "label x is not followed by =\"" 'a{x=1} 1'
	rejects 1 "bad value or escape in label x" 'a{x="tab\\t"} 1'
	rejects 1 "bad value or escape in label x" 'a{x="open} 1'
	rejects 1 "labels not separated by a comma, or a trailing comma" 'a{x="1",} 1'
	rejects 1 "labels not separated by a comma, or a trailing comma" 'a{x="1"y="2"} 1'
	rejects 1 "label x twice" 'a{x="1",x="2"} 1'
	rejects 1 "no single space before the value" 'a\t1'
	rejects 1 "not a value and an optional timestamp, one space apart" 'a  1'
	rejects 1 "not a value and an optional timestamp, one space apart" 'a 1 2 3'
	rejects 1 "value one is not a float, NaN, +Inf or -Inf" 'a one'
	rejects 1 "value Inf is not a float, NaN, +Inf or -Inf" 'a Inf'
	rejects 1 "value 1e is not a float, NaN, +Inf or -Inf" 'a 1e'
	rejects 1 "timestamp 1.5 is not an integer" 'a 1 1.5'
	rejects 3 "samples of a are not together (last seen on line 1)" 'a{x="1"} 1\nb 1\na{x="2"} 1'
	rejects 4 "samples of h are not together (last seen on line 2)" '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nb 1\nh_count 1'
	rejects 2 "series seen before, on line 1" 'a{x="1",y="2"} 1\na{y="2",x="1"} 2'
	rejects 2 "series seen before, on line 1" 'a 1\na{} 2'
}

@test "promcheck: a missing last newline, several faults at once, usage" {
	run --separate-stderr "$PROMCHECK" < <(printf 'a 1\nb 2')
	assert_status 1
	[ "$stderr" = "promcheck: (stdin):2: no newline at the end of the input" ]
	# Every fault is reported, each with its line, from a file too.
	printf 'a 1\na 1\n# HELP a x\n' >"$SCRATCH/bad.prom"
	run --separate-stderr "$PROMCHECK" "$SCRATCH/bad.prom"
	assert_status 1
	[ "$stderr" = "promcheck: $SCRATCH/bad.prom:2: series seen before, on line 1: a 1
promcheck: $SCRATCH/bad.prom:3: HELP for a after its samples: # HELP a x" ]
	run "$PROMCHECK" "$SCRATCH/nothing-here"
	assert_status 2
	run "$PROMCHECK" a b
	assert_status 2
}

@test "promcheck catches a broken rel output: each family twice" {
	busy_store
	stop_shop
	prom
	cat "$SCRATCH/prom" "$SCRATCH/prom" >"$SCRATCH/twice"
	run --separate-stderr "$PROMCHECK" "$SCRATCH/twice"
	assert_status 1
	assert_contains "$stderr" "second HELP line for rel_releases"
	assert_contains "$stderr" "series seen before"
}
