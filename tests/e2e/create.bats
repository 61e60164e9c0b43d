#!/usr/bin/env bats
# rel-create as a CI script and a person run it: the id alone on stdout,
# every input checked before anything is written, data never run as code.

load lib

# The summary fields of one release (TSV).
summary() {
	rel-status "$1" | cut -f"$2"
}

# Make web-1 so that the store exists, then remember how it looks.
store_with_one_release() {
	flow_web
	run --separate-stderr rel-create web -a api=1.0 -a ui=2.0
	assert_status 0
	[ "$output" = web-1 ]
	BEFORE=$(store_snapshot)
}

# The store is exactly as it was, and rel-status still shows only web-1
# (one line, its first field).
store_unchanged() {
	local after list

	after=$(store_snapshot)
	if [ "$after" != "$BEFORE" ]; then
		diff <(printf '%s\n' "$BEFORE") <(printf '%s\n' "$after") >&2
		return 1
	fi
	list=$(rel-status </dev/null)
	[[ $list != *$'\n'* ]] && [ "${list%%$'\t'*}" = web-1 ]
}

# A refused rel-create: exit 2, nothing on stdout, one error line naming
# the fault on stderr, and the store untouched.
refused() {
	local want=$1

	shift
	run --separate-stderr rel-create "$@"
	assert_status 2
	[ -z "$output" ]
	assert_contains "$stderr" "rel-create: "
	assert_contains "$stderr" "$want"
	store_unchanged
}

@test "the id is printed alone on stdout, counting up from 1" {
	flow_web
	id=$(rel-create web -a api=1.0 -a ui=2.0)
	[ "$id" = web-1 ]
	run --separate-stderr rel-create web -a api=1.1 -a ui=2.0
	assert_status 0
	assert_output web-2
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1 ]
	id=$(rel-create web -a api=1.2 -a ui=2.0)
	[ "$id" = web-3 ]
}

@test "each product counts its own ids" {
	flow_web
	flow_simple svc
	[ "$(rel-create web -a api=1 -a ui=1)" = web-1 ]
	[ "$(rel-create svc -a svc=1)" = svc-1 ]
	[ "$(rel-create svc -a svc=2)" = svc-2 ]
	[ "$(rel-create web -a api=2 -a ui=1)" = web-2 ]
}

@test "a new release and all its environments are pending" {
	flow_web
	rel-create web -a api=1.0 -a ui=2.0 >/dev/null
	run rel-status web-1
	assert_status 0
	[ "$(cut -f3 <<<"$output")" = pending ]
	[ "$(cut -f7 <<<"$output")" = "dev=pending,qa=pending,prod=pending" ]
	run rel-status --envs web-1
	assert_status 0
	assert_output - <<'EOF'
web-1	dev	pending	-	-	no
web-1	qa	pending	-	-	no
web-1	prod	pending	-	-	no
EOF
	run rel-status --steps web-1
	assert_status 0
	[ "$(cut -f5 <<<"$output" | sort -u)" = pending ]
	[ "${#lines[@]}" -eq 10 ]
}

@test "the flow is read from STATE/flows/PRODUCT.yaml" {
	flow_simple svc build test
	run rel-create svc -a svc=1
	assert_status 0
	assert_output svc-1
	run rel-status --envs svc-1
	assert_output - <<'EOF'
svc-1	build	pending	-	-	no
svc-1	test	pending	-	-	no
EOF
}

@test "--flow FILE is read instead of the product's flow" {
	flow_simple web dev
	write_flow "$SCRATCH/other.yaml" <<'EOF'
components: [api]
environments:
  - name: alpha
  - name: beta
    trigger: manual
EOF
	run rel-create --flow other.yaml web -a api=7
	assert_status 0
	assert_output web-1
	run rel-status --envs web-1
	assert_output - <<'EOF'
web-1	alpha	pending	-	-	no
web-1	beta	pending	-	-	no
EOF
	[ "$(rel-status --format json web-1 | jq -c '.artifacts')" = '{"api":"7"}' ]
	[ "$(rel-status --format json web-1 | jq -r '.environments[1].trigger')" = manual ]
}

@test "a flow without components has one component named after the product" {
	flow_simple svc
	run rel-create svc -a svc=3.1
	assert_status 0
	[ "$(rel-status --format json svc-1 | jq -c .artifacts)" = '{"svc":"3.1"}' ]
}

@test "no flow for the product: exit 3, the message names the path" {
	mkdir -p "$REL_STATE_DIR"
	BEFORE=$(store_snapshot)
	run --separate-stderr rel-create nope -a nope=1
	assert_status 3
	[ -z "$output" ]
	assert_contains "$stderr" "$REL_STATE_DIR/flows/nope.yaml"
	[ "$(store_snapshot)" = "$BEFORE" ]
	[ -z "$(rel-status)" ]
}

@test "--flow naming a missing file: exit 3, the message names it" {
	run --separate-stderr rel-create --flow "$SCRATCH/missing.yaml" web -a web=1
	assert_status 3
	[ -z "$output" ]
	assert_contains "$stderr" "$SCRATCH/missing.yaml"
	[ ! -e "$REL_STATE_DIR" ] || [ -z "$(rel-status)" ]
}

@test "-a naming a component the flow does not have is refused" {
	store_with_one_release
	refused "'foo'" web -a api=1 -a ui=2 -a foo=1
}

@test "a component without a version is refused" {
	store_with_one_release
	refused "ui" web -a api=1
	refused "api" web -a api= -a ui=2
}

@test "a component given twice is refused" {
	store_with_one_release
	refused "api" web -a api=1 -a api=2 -a ui=2
}

@test "-a without '=' is refused" {
	store_with_one_release
	refused "api" web -a api -a ui=2
	refused "=" web -a =1 -a api=1 -a ui=2
}

@test "bad product names are refused" {
	store_with_one_release
	refused "../x" ../x -a api=1 -a ui=2
	refused "a/b" a/b -a api=1 -a ui=2
	refused "product" "" -a api=1 -a ui=2
	refused "too long" "$(printf 'a%.0s' {1..65})" -a api=1 -a ui=2
	refused "web-1" web-1 -a api=1 -a ui=2
	refused ".." .. -a api=1 -a ui=2
	refused ".hidden" .hidden -a api=1 -a ui=2
	refused "product" "$(printf 'we\tb')" -a api=1 -a ui=2
}

@test "a product name of 64 bytes is fine" {
	name=$(printf 'a%.0s' {1..64})
	flow_simple "$name"
	run rel-create "$name" -a "$name=1"
	assert_status 0
	assert_output "$name-1"
}

@test "path traversal through names is refused, nothing written outside" {
	store_with_one_release
	mkdir -p "$SCRATCH/outside"
	write_flow "$SCRATCH/outside/x.yaml" <<'EOF'
environments:
  - name: dev
EOF
	refused "../../outside/x" --flow "$SCRATCH/outside/x.yaml" \
	    ../../outside/x -a x=1
	refused "/etc" --flow "$SCRATCH/outside/x.yaml" /etc -a etc=1
	refused "../x" web -a ../x=1 -a api=1 -a ui=2
	[ "$(ls -A "$SCRATCH/outside")" = x.yaml ]
}

@test "a link planted in the store is not followed" {
	flow_simple web
	mkdir -p "$SCRATCH/outside" "$REL_STATE_DIR"
	ln -s "$SCRATCH/outside" "$REL_STATE_DIR/products"
	run --separate-stderr rel-create web -a web=1
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	assert_contains "$stderr" "products"
	[ -z "$(ls -A "$SCRATCH/outside")" ]
}

@test "a message on several lines or with control characters is refused" {
	store_with_one_release
	refused "-m" web -a api=1 -a ui=2 -m "$(printf 'one\ntwo')"
	refused "-m" web -a api=1 -a ui=2 -m "$(printf 'one\rtwo')"
	refused "-m" web -a api=1 -a ui=2 -m "$(printf 'bell\a')"
	refused "-m" web -a api=1 -a ui=2 -m "$(printf 'esc\033[31mred')"
	refused "-m" web -a api=1 -a ui=2 -m "$(printf 'del\177')"
	refused "-m" web -a api=1 -a ui=2 -m $'csi\xc2\x9b31m'
	refused "-m" web -a api=1 -a ui=2 -m $'not utf-8 \xff'
	refused "-m" web -a api=1 -a ui=2 -m "$(printf 'x%.0s' {1..5000})"
}

@test "a version on several lines, with control characters or too long is refused" {
	store_with_one_release
	refused "api" web -a "api=$(printf '1\n2')" -a ui=2
	refused "api" web -a "api=$(printf '1\0332')" -a ui=2
	refused "api" web -a "api=$(printf 'v%.0s' {1..5000})" -a ui=2
	refused "api" web -a $'api=1\xc2\x85' -a ui=2
}

@test "--by and --rev with newlines are refused" {
	store_with_one_release
	refused "--by" web -a api=1 -a ui=2 --by "$(printf 'a\nb')"
	refused "--rev" web -a api=1 -a ui=2 --rev "$(printf 'HEAD\nx')"
}

@test "bad usage: no product, two products, unknown option, bad --wait" {
	store_with_one_release
	refused "usage:" -a api=1 -a ui=2
	refused "usage:" web web -a api=1 -a ui=2
	refused "--bogus" --bogus web -a api=1 -a ui=2
	refused "usage:" --bogus web -a api=1 -a ui=2
	refused "--wait" --wait soon web -a api=1 -a ui=2
	refused "-a" web -a
}

@test "a tab in the message is kept, and escaped in TSV" {
	flow_web
	run rel-create web -a api=1 -a ui=2 -m "$(printf 'a\tb')"
	assert_status 0
	[ "$(rel-status --format json web-1 | jq -r .message)" = "$(printf 'a\tb')" ]
	run rel-status --history web-1
	[ "$(awk -F'\t' '{ print NF; print $7 }' <<<"$output")" = "$(printf '7\na\\tb')" ]
}

@test "a malformed flow: exit 2 and FILE:LINE:COLUMN: in the message" {
	store_with_one_release
	bad() {
		local where=$1

		write_flow "$SCRATCH/bad.yaml"
		run --separate-stderr rel-create --flow "$SCRATCH/bad.yaml" web -a api=1 -a ui=2
		assert_status 2
		[ -z "$output" ]
		assert_contains "$stderr" "rel-create: $SCRATCH/bad.yaml:$where: "
		store_unchanged
	}
	bad 3:5 <<'EOF'
environments:
  - name: dev
    bogus: 1
EOF
	bad 2:1 <<'EOF'
environments: [
EOF
	bad 3:11 <<'EOF'
environments:
  - name: dev
  - name: dev
EOF
	bad 3:13 <<'EOF'
environments:
  - name: dev
    needs: [nope]
EOF
	bad 5:13 <<'EOF'
environments:
  - name: a
    needs: [b]
  - name: b
    needs: [a]
EOF
	bad 1:10 <<'EOF'
timeout: 5 parsecs
environments:
  - name: dev
EOF
	bad 2:11 <<'EOF'
environments:
  - name: ../x
EOF
	bad 1:15 <<'EOF'
environments: 3
EOF
	bad 3:14 <<'EOF'
environments:
  - name: dev
    trigger: sometimes
EOF
	bad 1:10 <<'EOF'
product: other
environments:
  - name: dev
EOF
}

@test "the product's own flow file, malformed, is named with line and column" {
	mkdir -p "$REL_STATE_DIR/flows"
	printf 'environments:\n  - name: dev\n    needs: [ghost]\n' \
	    >"$REL_STATE_DIR/flows/web.yaml"
	run --separate-stderr rel-create web -a web=1
	assert_status 2
	assert_contains "$stderr" "$REL_STATE_DIR/flows/web.yaml:3:"
	[ -z "$(rel-status)" ]
}

@test "--by defaults to \$USER" {
	flow_web
	USER=alice rel-create web -a api=1 -a ui=2 >/dev/null
	[ "$(summary web-1 5)" = alice ]
	rel-create web -a api=1 -a ui=2 --by "Bob Builder" >/dev/null
	[ "$(summary web-2 5)" = "Bob Builder" ]
	[ "$(rel-status --format json web-2 | jq -r .by)" = "Bob Builder" ]
}

@test "--hotfix is shown as yes, otherwise no" {
	flow_web
	rel-create web -a api=1 -a ui=2 >/dev/null
	rel-create web --hotfix -a api=1.0.1 -a ui=2 -m "fix leak" >/dev/null
	[ "$(summary web-1 6)" = no ]
	[ "$(summary web-2 6)" = yes ]
	[ "$(rel-status --format json web-2 | jq -c '[.hotfix, .message]')" = '[true,"fix leak"]' ]
	[ "$(rel-status --format json web-1 | jq -c .hotfix)" = false ]
}

@test "versions holding shell metacharacters are stored verbatim, never run" {
	flow_web
	mkdir -p "$SCRATCH/work"
	cd "$SCRATCH/work"
	api='1.0;touch $HOME/pwned'
	ui='$(touch x)`touch y` && touch z | touch w'
	msg='"quoted" $(touch m) `touch n` \ back\slash'
	run --separate-stderr rel-create web -a "api=$api" -a "ui=$ui" -m "$msg"
	assert_status 0
	assert_output web-1
	run rel-status --format json web-1
	assert_status 0
	[ "$(jq -r .artifacts.api <<<"$output")" = "$api" ]
	[ "$(jq -r .artifacts.ui <<<"$output")" = "$ui" ]
	[ "$(jq -r .message <<<"$output")" = "$msg" ]
	[ "$(rel-status --history web-1 | cut -f7)" = '"quoted" $(touch m) `touch n` \\ back\\slash' ]
	[ ! -e "$HOME/pwned" ]
	[ -z "$(ls -A "$SCRATCH/work")" ]
	[ -z "$(ls -A "$HOME")" ]
}

@test "a version that looks like a path is data, not a file" {
	flow_web
	run rel-create web -a "api=../../../../etc/passwd" -a "ui=/dev/zero"
	assert_status 0
	[ "$(rel-status --format json web-1 | jq -c .artifacts)" = '{"api":"../../../../etc/passwd","ui":"/dev/zero"}' ]
}

@test "--rev resolves to the full commit id in --repo" {
	flow_web
	make_repo "$SCRATCH/repo"
	head=$(git -C "$SCRATCH/repo" rev-parse HEAD)
	v1=$(git -C "$SCRATCH/repo" rev-parse v1)
	run rel-create web -a api=1 -a ui=2 --repo "$SCRATCH/repo" --rev HEAD
	assert_status 0
	run rel-create web -a api=1 -a ui=2 --repo repo --rev v1
	assert_status 0
	run rel-create web -a api=1 -a ui=2 --repo repo --rev "${head:0:7}"
	assert_status 0
	run rel-status --format json
	[ "$(jq -r '.rev' <<<"$output")" = "$(printf '%s\n' "$head" "$v1" "$head")" ]
	[[ "$head" =~ ^[0-9a-f]{40}$ ]]
}

@test "--rev resolves in the flow's repo, relative to the flow file" {
	make_repo "$SCRATCH/src/app"
	head=$(git -C "$SCRATCH/src/app" rev-parse HEAD)
	write_flow "$SCRATCH/src/deploy/web.yaml" <<'EOF'
repo: ../app
environments:
  - name: dev
EOF
	mkdir -p "$SCRATCH/elsewhere"
	cd "$SCRATCH/elsewhere"
	run --separate-stderr rel-create --flow ../src/deploy/web.yaml web -a web=1 --rev HEAD
	assert_status 0
	assert_output web-1
	[ "$(rel-status --format json web-1 | jq -r .rev)" = "$head" ]
}

@test "--rev in the product's flow from the store, repo relative to it" {
	make_repo "$SCRATCH/app"
	v1=$(git -C "$SCRATCH/app" rev-parse v1)
	write_flow "$REL_STATE_DIR/flows/web.yaml" <<'EOF'
repo: ../../app
environments:
  - name: dev
EOF
	run --separate-stderr rel-create web -a web=1 --rev v1
	assert_status 0
	[ "$(rel-status --format json web-1 | jq -r .rev)" = "$v1" ]
}

@test "--repo wins over the flow's repo" {
	make_repo "$SCRATCH/a"
	make_repo "$SCRATCH/b"
	git -C "$SCRATCH/b" commit -q --allow-empty -m third
	write_flow "$REL_STATE_DIR/flows/web.yaml" <<'EOF'
repo: ../../a
environments:
  - name: dev
EOF
	run rel-create web -a web=1 --rev HEAD --repo "$SCRATCH/b"
	assert_status 0
	[ "$(rel-status --format json web-1 | jq -r .rev)" = "$(git -C "$SCRATCH/b" rev-parse HEAD)" ]
}

@test "--rev resolves in the current directory's repository" {
	flow_web
	make_repo "$SCRATCH/repo"
	mkdir -p "$SCRATCH/repo/sub"
	cd "$SCRATCH/repo/sub"
	run --separate-stderr rel-create web -a api=1 -a ui=2 --rev HEAD~1
	assert_status 0
	[ "$(rel-status --format json web-1 | jq -r .rev)" = "$(git -C "$SCRATCH/repo" rev-parse v1)" ]
}

@test "a release without --rev has no rev" {
	flow_web
	rel-create web -a api=1 -a ui=2 >/dev/null
	[ "$(rel-status --format json web-1 | jq -c .rev)" = null ]
}

@test "a rev that does not resolve is refused, nothing created" {
	store_with_one_release
	make_repo "$SCRATCH/repo"
	BEFORE=$(store_snapshot)
	for rev in nope 'HEAD~5' '$(touch pwned)' '--all'; do
		run --separate-stderr rel-create web -a api=1 -a ui=2 --repo repo --rev "$rev"
		[ "$status" -ne 0 ]
		[ -z "$output" ]
		assert_contains "$stderr" "rel-create: "
		assert_contains "$stderr" "--rev"
		store_unchanged
	done
	[ ! -e pwned ] && [ ! -e repo/pwned ]
	run --separate-stderr rel-create web -a api=1 -a ui=2 --repo repo --rev nope
	assert_contains "$stderr" "nope"
}

@test "--rev outside any repository is refused, naming the directory" {
	store_with_one_release
	mkdir -p "$SCRATCH/plain"
	cd "$SCRATCH/plain"
	run --separate-stderr rel-create web -a api=1 -a ui=2 --rev HEAD
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	assert_contains "$stderr" "$SCRATCH/plain"
	store_unchanged
}

@test "a release keeps its flow when the product's flow changes" {
	flow_web
	rel-create web -a api=1 -a ui=2 >/dev/null
	write_flow "$REL_STATE_DIR/flows/web.yaml" <<'EOF'
components: [api]
environments:
  - name: staging
  - name: live
    trigger: manual
EOF
	[ "$(rel-create web -a api=2)" = web-2 ]
	run rel-status --envs web-1
	assert_output - <<'EOF'
web-1	dev	pending	-	-	no
web-1	qa	pending	-	-	no
web-1	prod	pending	-	-	no
EOF
	run rel-status --envs web-2
	assert_output - <<'EOF'
web-2	staging	pending	-	-	no
web-2	live	pending	-	-	no
EOF
	[ "$(rel-status --format json web-1 | jq -c .artifacts)" = '{"api":"1","ui":"2"}' ]
	# Even with no flow at all, old releases read as they were made.
	rm "$REL_STATE_DIR/flows/web.yaml"
	run rel-status --envs web-1
	assert_status 0
	[ "${#lines[@]}" -eq 3 ]
	[ "$(rel-status --format json web-1 | jq -c '[.environments[].name]')" = '["dev","qa","prod"]' ]
}

@test "--state DIR wins over REL_STATE_DIR" {
	flow_simple svc
	mkdir -p "$SCRATCH/other/flows"
	cp "$REL_STATE_DIR/flows/svc.yaml" "$SCRATCH/other/flows/"
	run rel-create --state "$SCRATCH/other" svc -a svc=1
	assert_status 0
	assert_output svc-1
	[ -f "$SCRATCH/other/products/svc/releases/svc-1" ]
	[ ! -e "$REL_STATE_DIR/products" ]
}

@test "without REL_STATE_DIR the store is \$XDG_STATE_HOME/rel, else ~/.local/state/rel" {
	unset REL_STATE_DIR
	export XDG_STATE_HOME=$SCRATCH/xdg
	mkdir -p "$XDG_STATE_HOME/rel/flows" "$HOME/.local/state/rel/flows"
	printf 'environments:\n  - name: dev\n' >"$XDG_STATE_HOME/rel/flows/svc.yaml"
	printf 'environments:\n  - name: dev\n' >"$HOME/.local/state/rel/flows/svc.yaml"
	[ "$(rel-create svc -a svc=1)" = svc-1 ]
	[ -f "$XDG_STATE_HOME/rel/products/svc/releases/svc-1" ]
	unset XDG_STATE_HOME
	[ "$(rel-create svc -a svc=1)" = svc-1 ]
	[ -f "$HOME/.local/state/rel/products/svc/releases/svc-1" ]
}

@test "--help and --version go to stdout and exit 0" {
	run --separate-stderr rel-create --help
	assert_status 0
	[[ "${lines[0]}" == "usage: rel-create "* ]]
	# Each option, by its long or its short name.
	for opt in --state --flow/-f --artifact/-a --rev/-r --repo \
	    --message/-m --by --hotfix --wait/-w; do
		[[ "$output" == *"[${opt%/*} "* || "$output" == *"[${opt%/*}]"* ||
		    "$output" == *"[${opt#*/} "* || "$output" == *"[${opt#*/}]"* ]] ||
		    { echo "usage lacks $opt" >&2; false; }
	done
	[ -z "$stderr" ]
	run --separate-stderr rel-create --version
	assert_status 0
	[[ "$output" =~ ^rel-create\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "a full standard output is an error" {
	flow_web
	run --separate-stderr bash -c 'rel-create web -a api=1 -a ui=2 >/dev/full'
	[ "$status" -ne 0 ]
	assert_contains "$stderr" "rel-create: "
	assert_contains "$stderr" "standard output"
}
