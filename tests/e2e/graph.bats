#!/usr/bin/env bats
# rel-status --graph: the flow of a release drawn for a terminal, compared
# byte for byte with pictures checked in under expected/, each in ASCII
# (LANG=C) and in UTF-8 (LC_ALL=C.UTF-8).  Flows of several shapes: a
# chain with a manual gate, a diamond, an environment that needs one two
# rows up, two independent roots; releases stopped at several points.
#
# Each expected picture was read by eye before it was checked in: lines
# join the boxes they should, junctions turn the way the lines go.

load lib
load promote_lib

EXPECTED=$(cd "$(dirname "$BATS_TEST_FILENAME")" && pwd)/expected

# A step that fails when $SCRATCH/fail.ENV exists, so a test decides
# where a promotion stops.
STEP='test ! -e "$SCRATCH/fail.$REL_ENV"'

# web: dev -> qa -> prod (manual).
flow_chain() {
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
}

# shop: dev -> qa -> staging-eu and staging-us at once -> prod, which
# needs both.
flow_diamond() {
	flow shop <<EOF
environments:
  - name: dev
    action: '$STEP'
  - name: qa
    action: '$STEP'
  - name: staging-eu
    needs: qa
    action: '$STEP'
  - name: staging-us
    needs: qa
    action: '$STEP'
  - name: prod
    needs: [staging-eu, staging-us]
    action: '$STEP'
EOF
}

# app: dev -> qa and audit (manual); prod needs qa and dev, which is two
# rows up: no line can show that, so prod's box says it.
flow_skip() {
	flow app <<EOF
environments:
  - name: dev
    action: '$STEP'
  - name: qa
    action: '$STEP'
  - name: audit
    needs: dev
    trigger: manual
    action: '$STEP'
  - name: prod
    needs: [qa, dev]
    action: '$STEP'
EOF
}

# mobile: two roots, api-dev and ui-dev, each with its own prod; ui-prod
# sleeps (a `long` step) unless $SCRATCH/quick exists.
flow_roots() {
	flow mobile <<EOF
environments:
  - name: api-dev
    action: '$STEP'
  - name: ui-dev
    needs: []
    action: '$STEP'
  - name: api-prod
    needs: api-dev
    action: '$STEP'
  - name: ui-prod
    needs: ui-dev
    action: 'test -e "\$SCRATCH/quick" || long ui'
EOF
}

# graph ascii|utf8 ARGS...: rel-status --graph ARGS in that charset,
# colour off; stdout to $SCRATCH/got, stderr to $SCRATCH/err.
graph() {
	local cs=$1

	shift
	if [ "$cs" = ascii ]; then
		env -u LC_ALL -u LC_CTYPE LANG=C NO_COLOR=1 \
		    rel-status --graph "$@" >"$SCRATCH/got" 2>"$SCRATCH/err"
	else
		LC_ALL=C.UTF-8 NO_COLOR=1 \
		    rel-status --graph "$@" >"$SCRATCH/got" 2>"$SCRATCH/err"
	fi
}

# assert_picture NAME ARGS...: rel-status --graph ARGS, in ASCII and in
# UTF-8, exits 0, says nothing on stderr and prints exactly
# expected/graph-NAME.ascii.txt and expected/graph-NAME.utf8.txt.
assert_picture() {
	local name=$1 cs rc

	shift
	for cs in ascii utf8; do
		rc=0
		graph "$cs" "$@" || rc=$?
		if [ "$rc" -ne 0 ] || [ -s "$SCRATCH/err" ]; then
			echo "rel-status --graph $* ($cs): exit $rc, stderr:" >&2
			cat "$SCRATCH/err" >&2
			return 1
		fi
		if ! cmp -s "$EXPECTED/graph-$name.$cs.txt" "$SCRATCH/got"; then
			echo "rel-status --graph $* ($cs) is not graph-$name.$cs.txt:" >&2
			diff -u "$EXPECTED/graph-$name.$cs.txt" "$SCRATCH/got" >&2
			return 1
		fi
	done
}

# promote ID [ENV...]: rel-promote, its progress out of the way; it may
# fail (the tests look at the picture).
promote() {
	rel-promote "$@" >/dev/null 2>&1 || true
}

# --- the pictures -------------------------------------------------------

@test "chain: a release waiting at its manual gate" {
	flow_chain
	id=$(rel-create web -a web=1)
	promote "$id"
	assert_eq envs "$(envs_of "$id")" "dev=succeeded,qa=succeeded,prod=suspended"
	assert_picture chain-suspended "$id"
}

@test "chain: a product's releases, newest first, live elsewhere, failed, hotfix" {
	flow_chain
	promote "$(rel-create web -a web=1)"
	promote web-1 prod
	touch "$SCRATCH/fail.qa"
	promote "$(rel-create web -a web=2)"
	rel-create web --hotfix -a web=2.1 >/dev/null
	assert_eq envs "$(rel-status web | cut -f1,3,7 | tr '\t\n' ' /')" \
	    "web-3 pending dev=pending,qa=pending,prod=pending/web-2 failed dev=succeeded,qa=failed,prod=pending/web-1 succeeded dev=succeeded,qa=succeeded,prod=succeeded/"
	assert_picture chain-all web
	# The product's picture is its releases' pictures, one after another.
	for cs in ascii utf8; do
		: >"$SCRATCH/each"
		for id in web-3 web-2 web-1; do
			graph "$cs" "$id"
			cat "$SCRATCH/got" >>"$SCRATCH/each"
		done
		cmp "$SCRATCH/each" "$EXPECTED/graph-chain-all.$cs.txt"
	done
	# And so are the ids piped in.
	graph ascii <<<"$(printf 'web-2\nweb-1\n')"
	[ ! -s "$SCRATCH/err" ]
	[ "$(cat "$SCRATCH/got")" = "$(sed -n '/^web-2 /,$p' "$EXPECTED/graph-chain-all.ascii.txt")" ]
}

@test "diamond: parallel branches side by side, one failed, prod never tried" {
	flow_diamond
	touch "$SCRATCH/fail.staging-us"
	id=$(rel-create shop -a shop=1)
	promote "$id"
	assert_eq envs "$(envs_of "$id")" \
	    "dev=succeeded,qa=succeeded,staging-eu=succeeded,staging-us=failed,prod=pending"
	assert_picture diamond-failed "$id"
	# Retried, it goes through.
	rm "$SCRATCH/fail.staging-us"
	promote --retry "$id"
	assert_eq status "$(status_of "$id")" succeeded
	assert_picture diamond-succeeded "$id"
}

@test "needs two rows up: the box says what the lines cannot" {
	flow_skip
	id=$(rel-create app -a app=1)
	promote "$id"
	assert_eq envs "$(envs_of "$id")" \
	    "dev=succeeded,qa=succeeded,audit=suspended,prod=succeeded"
	assert_picture needs-suspended "$id"
}

@test "two roots: one bus, each prod names its own need; running, then terminated" {
	flow_roots
	id=$(rel-create mobile -a mobile=1)
	bg "$SCRATCH/runner.out" "$SCRATCH/runner.err" rel-promote "$id"
	pid=$(step_pid ui)
	wait_env "$id" ui-prod running
	wait_env "$id" api-prod succeeded
	assert_picture roots-running "$id"
	rel-terminate --reason "graph test" "$id" >/dev/null
	wait_gone "$pid"
	bg_wait "$BG_PID"
	assert_eq status "$(status_of "$id")" terminated
	assert_picture roots-terminated "$id"
}

@test "a crossing: a line from above goes on down through the bus" {
	flow wide <<'EOF'
environments:
  - name: a
  - name: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
    needs: []
  - name: c
    needs: []
  - name: x
    needs: [a, bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb, c]
  - name: yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy
    needs: [a, bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb, c]
EOF
	id=$(rel-create wide -a wide=1)
	graph utf8 "$id"
	[ ! -s "$SCRATCH/err" ]
	# Both need all three: no box says "needs"; b's line crosses the
	# bus straight into y's arrow.
	sed -n '6,9p' "$SCRATCH/got" | diff -u - <(cat <<'EOF'
└────┬────┘  └────────────────────────┬───────────────────────┘  └────┬────┘
     │                                │                               │
     ├────────────────────────────────┼───────────────────────────────┘
     ▼                                ▼
EOF
)
	! grep -q needs "$SCRATCH/got"
}

@test "a long list of needs: whole names, then how many more" {
	a=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
	flow long <<EOF
environments:
  - name: ${a}1
  - name: ${a}2
    needs: []
  - name: ${a}3
    needs: []
  - name: mid
    needs: ${a}1
  - name: end
    needs: [mid, ${a}1, ${a}2, ${a}3]
EOF
	id=$(rel-create long -a long=1)
	graph ascii "$id"
	[ ! -s "$SCRATCH/err" ]
	assert_eq "the needs line" "$(grep needs "$SCRATCH/got")" \
	    "| needs mid,${a}1,+2 more |"
	# With short names all of them fit.
	flow long <<'EOF'
environments:
  - name: a1
  - name: a2
    needs: []
  - name: a3
    needs: []
  - name: mid
    needs: a1
  - name: end
    needs: [mid, a1, a2, a3]
EOF
	id=$(rel-create long -a long=2)
	graph ascii "$id"
	assert_eq "the needs line" "$(grep needs "$SCRATCH/got")" \
	    "| needs mid,a1,a2,a3 |"
}

# --- the pictures themselves --------------------------------------------

@test "expected pictures: ASCII is ASCII, and UTF-8 is the same drawing" {
	local n=0 f

	for f in "$EXPECTED"/graph-*.ascii.txt; do
		n=$((n + 1))
		if LC_ALL=C grep -q '[^ -~]' "$f"; then
			echo "$f has bytes that are not printable ASCII" >&2
			return 1
		fi
		# Box drawing back to ASCII gives the ASCII picture.
		# (one expression per glyph: a bracket would be bytes in C.)
		sed -e 's/─/-/g; s/│/|/g; s/▼/v/g' \
		    -e 's/┌/+/g; s/┐/+/g; s/└/+/g; s/┘/+/g; s/┬/+/g' \
		    -e 's/┴/+/g; s/┼/+/g; s/├/+/g; s/┤/+/g' \
		    "${f%.ascii.txt}.utf8.txt" | cmp - "$f"
		# ... and the UTF-8 one has no ASCII drawing left in it.
		! grep -q '^[+|]\|[-+|]$\|-[-+]' "${f%.ascii.txt}.utf8.txt"
	done
	[ "$n" -eq 7 ]
}

# --- charset, colour, usage ---------------------------------------------

@test "the locale decides the charset: LC_ALL, then LC_CTYPE, then LANG" {
	flow_chain
	id=$(rel-create web -a web=1)
	promote "$id"
	a=$EXPECTED/graph-chain-suspended.ascii.txt
	u=$EXPECTED/graph-chain-suspended.utf8.txt
	NO_COLOR=1 LC_ALL=C LANG=C.UTF-8 rel-status --graph "$id" | cmp - "$a"
	NO_COLOR=1 LC_ALL=en_US.UTF-8 LANG=C rel-status --graph "$id" | cmp - "$u"
	env -u LC_ALL NO_COLOR=1 LC_CTYPE=C.UTF-8 LANG=C rel-status --graph "$id" | cmp - "$u"
	env -u LC_ALL NO_COLOR=1 LC_CTYPE=POSIX LANG=C.UTF-8 rel-status --graph "$id" | cmp - "$a"
	env -u LC_ALL -u LC_CTYPE NO_COLOR=1 LANG=de_DE.utf8 rel-status --graph "$id" | cmp - "$u"
	env -u LC_ALL -u LC_CTYPE -u LANG NO_COLOR=1 rel-status --graph "$id" | cmp - "$a"
}

@test "colour on a terminal: each status word, nothing else; none with NO_COLOR or TERM=dumb" {
	command -v script >/dev/null || skip "no script(1) to make a terminal"
	flow_chain
	id=$(rel-create web -a web=1)
	promote "$id"
	cmd="rel-status --graph $id"
	run env -u LC_ALL LANG=C script -qec "$cmd" /dev/null
	assert_status 0
	assert_contains "$output" $'| \e[32msucceeded\e[0m          |'
	assert_contains "$output" $'| \e[33msuspended\e[0m     |'
	# Three coloured words, and no other escape: the picture is the
	# plain one once they are taken out (and the terminal's CRs).
	[ "$(grep -o $'\e\\[[0-9;]*m[a-z]*\e\\[0m' <<<"$output" | wc -l)" -eq 3 ]
	[ "$(tr -cd '\033' <<<"$output" | wc -c)" -eq 6 ]
	diff -u "$EXPECTED/graph-chain-suspended.ascii.txt" \
	    <(sed -e $'s/\r$//' -e $'s/\e\\[[0-9;]*m//g' <<<"$output")
	# In UTF-8 too.
	run env LC_ALL=C.UTF-8 script -qec "$cmd" /dev/null
	assert_status 0
	assert_contains "$output" $'│ \e[32msucceeded\e[0m          │'
	diff -u "$EXPECTED/graph-chain-suspended.utf8.txt" \
	    <(sed -e $'s/\r$//' -e $'s/\e\\[[0-9;]*m//g' <<<"$output")
	# Colour off: NO_COLOR, TERM=dumb, or not a terminal.
	run env NO_COLOR=1 script -qec "$cmd" /dev/null
	assert_status 0
	assert_contains "$output" "suspended"
	assert_no_escapes "$output"
	run env TERM=dumb script -qec "$cmd" /dev/null
	assert_status 0
	assert_contains "$output" "suspended"
	assert_no_escapes "$output"
	run rel-status --graph "$id"
	assert_status 0
	assert_no_escapes "$output"
	assert_output "$(cat "$EXPECTED/graph-chain-suspended.ascii.txt")"
}

@test "--graph --format json is refused with exit 2; so is --graph with another view" {
	flow_chain
	id=$(rel-create web -a web=1)
	run --separate-stderr rel-status --graph --format json "$id"
	assert_status 2
	assert_output ""
	[ "$stderr" = "rel-status: --graph draws a picture: no --format json" ]
	run --separate-stderr rel-status -g -o json web
	assert_status 2
	assert_output ""
	run --separate-stderr rel-status --graph --envs "$id"
	assert_status 2
	assert_output ""
	assert_contains "$stderr" "one at a time"
}

@test "--graph of an unknown release: exit 3, the others still drawn" {
	flow_chain
	id=$(rel-create web -a web=1)
	run --separate-stderr env NO_COLOR=1 LC_ALL=C rel-status --graph web-9 "$id"
	assert_status 3
	[ "$stderr" = "rel-status: no release 'web-9' in $REL_STATE_DIR" ]
	assert_contains "$output" "$id  pending"
	[ "${lines[0]}" = "$id  pending" ]
}
