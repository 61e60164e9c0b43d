#!/usr/bin/env bats
# Hostile input, as someone who wants to break rel would write it: YAML
# bombs, absurd nesting and sizes, binary garbage, NUL bytes, overlong
# names and values, release data made to look like shell code, and a
# state directory with links, directories and FIFOs planted in it.
#
# What must hold: bad input is refused quickly (every command runs under
# `timeout 10`, a bound against hanging, never a measure of speed) with
# exit 2 and one error line that names the file or argument and carries
# no control byte; nothing is stored; release data reaches steps only as
# the bytes it was, and never runs; the store's files follow the umask and
# are never world-writable; what is planted in the store is not followed.

load lib

setup() {
	rel_setup
	mkdir -p "$SCRATCH/outside" "$SCRATCH/markers"
	M=$SCRATCH/markers
}

# --- helpers ------------------------------------------------------------

# A store with web-1 in it, remembered as BEFORE.
store_with_web_1() {
	flow_web
	run --separate-stderr rel-create web -a api=1.0 -a ui=2.0
	assert_status 0
	assert_output web-1
	BEFORE=$(store_snapshot)
}

store_unchanged() {
	local after

	after=$(store_snapshot)
	if [ "$after" != "$BEFORE" ]; then
		echo "the store changed:" >&2
		diff <(printf '%s\n' "$BEFORE") <(printf '%s\n' "$after") >&2
		return 1
	fi
}

# no_controls TEXT: no control byte but the newlines between lines (a
# message must not be able to drive the terminal it is printed on).
# (Matched in bash, in the C locale of the tests: the refusals below are
# hundreds, and each process costs more than the command tested.)
no_controls() {
	if [[ ${1//$'\n'/} == *[[:cntrl:]]* ]]; then
		printf 'control bytes in:\n%s\n' "$1" | cat -v >&2
		return 1
	fi
}

# error_line: the one line of $stderr that is an error ("rel-xxx: ..."),
# failing if there is not exactly one (a usage text may follow it).
error_line() {
	local n=0 line found=

	while IFS= read -r line; do
		[[ $line =~ ^rel-[a-z]*:\  ]] || continue
		n=$((n + 1))
		found=$line
	done <<<"$stderr"
	if [ "$n" -ne 1 ]; then
		printf 'expected one error line, got %s:\n%s\n' "$n" "$stderr" >&2
		return 1
	fi
	printf '%s\n' "$found"
}

# refused WANT CMD...: CMD exits 2 within 10 s, prints nothing on stdout
# and one clean error line containing WANT, and the store is as BEFORE.
refused() {
	local want=$1 line

	shift
	run --separate-stderr timeout 10 "$@"
	assert_status 2
	if [ -n "$output" ]; then
		printf 'unexpected stdout: %s\n' "$output" >&2
		return 1
	fi
	line=$(error_line) || return 1
	assert_contains "$line" "$want"
	no_controls "$stderr"
	store_unchanged
}

# no_markers: no payload ran (each would have made a file in $M).
no_markers() {
	if [ -n "$(ls -A "$M")" ]; then
		echo "release data ran as code: $(ls -A "$M")" >&2
		return 1
	fi
}

# same_bytes FILE TEXT: FILE holds exactly TEXT.
same_bytes() {
	if ! cmp -s "$1" <(printf '%s' "$2"); then
		printf 'expected in %s:\n%s\ngot:\n' "$1" "$2" | cat -v >&2
		cat -v "$1" >&2
		return 1
	fi
}

# --- YAML bombs, depth and size -------------------------------------------

@test "a billion laughs flow is refused at its node count" {
	store_with_web_1
	{
		echo 'environments:'
		echo '  - name: dev'
		echo 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
		prev=a
		for n in b c d e f g h i; do
			printf '%s: &%s [' "$n" "$n"
			for k in 1 2 3 4 5 6 7 8; do printf '*%s, ' "$prev"; done
			printf '*%s]\n' "$prev"
			prev=$n
		done
	} >"$SCRATCH/laughs.yaml"
	refused "$SCRATCH/laughs.yaml:" rel-create --flow "$SCRATCH/laughs.yaml" \
	    web -a api=1 -a ui=2
	assert_contains "$stderr" "too many YAML nodes"

	# The same bomb as the product's own flow.
	cp "$SCRATCH/laughs.yaml" "$REL_STATE_DIR/flows/bomb.yaml"
	BEFORE=$(store_snapshot)
	refused "$REL_STATE_DIR/flows/bomb.yaml:" rel-create bomb -a bomb=1
}

@test "an alias inside the node it names is refused, not followed for ever" {
	store_with_web_1
	printf 'environments: &e\n  - name: dev\n  - *e\n' >"$SCRATCH/loop.yaml"
	refused "$SCRATCH/loop.yaml:3:5:" rel-create --flow "$SCRATCH/loop.yaml" \
	    web -a api=1 -a ui=2
	assert_contains "$stderr" "inside the node it refers to"
}

@test "1,000,000-deep nesting is refused at the depth limit" {
	store_with_web_1
	# One byte per level, so the file stays under the 1 MiB limit and
	# it is the nesting that is refused.
	{
		printf 'environments: '
		head -c 1000000 /dev/zero | tr '\0' '['
	} >"$SCRATCH/deep.yaml"
	refused "$SCRATCH/deep.yaml:1:" rel-create --flow "$SCRATCH/deep.yaml" \
	    web -a api=1 -a ui=2
	assert_contains "$stderr" "nesting deeper than 32 levels"

	# Balanced, it is 2 MB: refused for its size before it is parsed.
	{
		printf 'environments: '
		head -c 1000000 /dev/zero | tr '\0' '['
		head -c 1000000 /dev/zero | tr '\0' ']'
	} >"$SCRATCH/deep2.yaml"
	refused "$SCRATCH/deep2.yaml" rel-create --flow "$SCRATCH/deep2.yaml" \
	    web -a api=1 -a ui=2
	assert_contains "$stderr" "too large"

	# Block style: a sequence in a sequence in a sequence...
	{
		printf 'environments:\n  '
		head -c 400000 /dev/zero | sed 's/\x0/- /g'
		printf 'x\n'
	} >"$SCRATCH/deep3.yaml"
	refused "$SCRATCH/deep3.yaml:" rel-create --flow "$SCRATCH/deep3.yaml" \
	    web -a api=1 -a ui=2
	assert_contains "$stderr" "nesting deeper than 32 levels"

	# And mappings: {a: {a: {a: ...}}}.  (Made by sed: a loop of 100,000
	# printf here would pay bats' trap on each, a minute of CPU.)
	{
		printf 'environments: '
		head -c 100000 /dev/zero | sed 's/\x0/{a: /g'
	} >"$SCRATCH/deep4.yaml"
	refused "$SCRATCH/deep4.yaml:" rel-create --flow "$SCRATCH/deep4.yaml" \
	    web -a api=1 -a ui=2
	assert_contains "$stderr" "nesting deeper than 32 levels"
}

@test "a 1 GB flow file is refused by its size, before it is read" {
	store_with_web_1
	truncate -s 1G "$SCRATCH/big.yaml"
	refused "$SCRATCH/big.yaml" rel-create --flow "$SCRATCH/big.yaml" \
	    web -a api=1 -a ui=2
	assert_contains "$stderr" "too large (1073741824 bytes, at most 1048576)"

	# As the product's own flow.  (Its size, time and blocks stand for
	# its content in the snapshots: hashing a gigabyte takes seconds.)
	truncate -s 1G "$REL_STATE_DIR/flows/big.yaml"
	SNAPSHOT_BY_STAT=./flows/big.yaml
	BEFORE=$(store_snapshot)
	refused "$REL_STATE_DIR/flows/big.yaml" rel-create big -a big=1
}

@test "a flow that is a directory or a FIFO is refused without waiting" {
	store_with_web_1
	mkdir "$SCRATCH/dir.yaml"
	mkfifo "$SCRATCH/fifo.yaml"
	refused "$SCRATCH/dir.yaml" rel-create --flow "$SCRATCH/dir.yaml" \
	    web -a api=1 -a ui=2
	refused "$SCRATCH/fifo.yaml" rel-create --flow "$SCRATCH/fifo.yaml" \
	    web -a api=1 -a ui=2
	refused "/dev/zero" rel-create --flow /dev/zero web -a api=1 -a ui=2
}

# --- garbage and NUL bytes ------------------------------------------------

@test "binary garbage as a flow is refused, naming the file" {
	store_with_web_1
	for i in $(seq 1 25); do
		head -c $((RANDOM % 8192 + 1)) /dev/urandom >"$SCRATCH/junk.yaml"
		refused "$SCRATCH/junk.yaml" rel-create --flow "$SCRATCH/junk.yaml" \
		    web -a api=1 -a ui=2 ||
		    { od -c "$SCRATCH/junk.yaml" | head -n 5 >&2; return 1; }
	done
}

@test "binary garbage as release ids on stdin is refused, and runs nothing" {
	store_with_web_1
	head -c 65536 /dev/urandom >"$SCRATCH/junk"
	for cmd in rel-promote rel-terminate rel-status; do
		run --separate-stderr timeout 10 "$cmd" <"$SCRATCH/junk"
		assert_status 2
		[ -z "$output" ]
		# An error per bad line, each a clean "rel-xxx:" line.
		[ -n "$stderr" ]
		no_controls "$stderr"
		if grep -v "^$cmd: " <<<"$stderr" | grep -q .; then
			echo "stray stderr: $stderr" >&2
			return 1
		fi
		store_unchanged
	done
}

@test "a NUL byte in a flow is refused with its line and column" {
	store_with_web_1
	printf 'environments:\n  - name: de\0v\n' >"$SCRATCH/nul.yaml"
	refused "$SCRATCH/nul.yaml:2:13:" rel-create --flow "$SCRATCH/nul.yaml" \
	    web -a api=1 -a ui=2
	assert_contains "$stderr" "NUL byte"

	# Escaped in a quoted string it gets past the reader: still refused.
	printf 'environments:\n  - name: "de\\0v"\n' >"$SCRATCH/nul2.yaml"
	refused "$SCRATCH/nul2.yaml:2:11:" rel-create --flow "$SCRATCH/nul2.yaml" \
	    web -a api=1 -a ui=2
	printf 'environments:\n  - name: dev\n    action: "true\\0; touch %s/nul"\n' \
	    "$M" >"$SCRATCH/nul3.yaml"
	refused "$SCRATCH/nul3.yaml:3:13:" rel-create --flow "$SCRATCH/nul3.yaml" \
	    web -a api=1 -a ui=2
	no_markers
}

@test "a quoted escape sequence in a flow never reaches the terminal" {
	store_with_web_1
	# "\e" is ESC in a YAML double-quoted string; a %1b in a tag too.
	printf 'environments:\n  - name: "\\e[2J\\e[31mdev"\n' >"$SCRATCH/esc.yaml"
	refused "$SCRATCH/esc.yaml:2:11:" rel-create --flow "$SCRATCH/esc.yaml" \
	    web -a api=1 -a ui=2
	assert_contains "$stderr" '\x1b[2J'
	printf 'timeout: "1h\\e]0;pwned\\a"\nenvironments:\n  - name: dev\n' \
	    >"$SCRATCH/esc2.yaml"
	refused "$SCRATCH/esc2.yaml:1:10:" rel-create --flow "$SCRATCH/esc2.yaml" \
	    web -a api=1 -a ui=2
	printf 'environments:\n  - name: dev\n    action: !<%%1b%%5b2J> x\n' \
	    >"$SCRATCH/esc3.yaml"
	refused "$SCRATCH/esc3.yaml:3:13:" rel-create --flow "$SCRATCH/esc3.yaml" \
	    web -a api=1 -a ui=2
	# An escape in the name of the file itself.
	printf 'environments: 3\n' >"$SCRATCH/esc4"$'\e[2J'".yaml"
	refused "$SCRATCH/esc4\x1b[2J.yaml:1:15:" rel-create \
	    --flow "$SCRATCH/esc4"$'\e[2J'".yaml" web -a api=1 -a ui=2
}

# --- overlong names and values ----------------------------------------------

@test "a 100 KB version, --by or --reason is refused" {
	store_with_web_1
	big=$(head -c 102400 /dev/zero | tr '\0' v)
	refused "version is too long (102400 bytes" rel-create web \
	    -a "api=$big" -a ui=2
	refused "--by is too long" rel-create web -a api=1 -a ui=2 --by "$big"
	refused "--reason is too long" rel-terminate --reason "$big" web-1
	refused "--by is too long" rel-promote --by "$big" web-1
}

@test "a message as long as an argument can be is refused" {
	store_with_web_1
	# Linux passes no single argument over 128 KiB (execve fails with
	# E2BIG before rel-create runs), so this is the longest -m there is;
	# a 1 MB value goes in through a flow, below.
	big=$(head -c 131071 /dev/zero | tr '\0' m)
	refused "-m message is too long (131071 bytes" rel-create web \
	    -a api=1 -a ui=2 -m "$big"
}

@test "a 1 MB value in a flow is refused" {
	store_with_web_1
	{
		printf 'environments:\n  - name: dev\n    action: "'
		head -c 1000000 /dev/zero | tr '\0' x
		printf '"\n'
	} >"$SCRATCH/long.yaml"
	refused "$SCRATCH/long.yaml:3:13:" rel-create --flow "$SCRATCH/long.yaml" \
	    web -a api=1 -a ui=2
	assert_contains "$stderr" "'run' is too long (1000000 bytes"
}

@test "a 1 MB line of release ids on stdin is refused" {
	store_with_web_1
	head -c 1000000 /dev/zero | tr '\0' w >"$SCRATCH/line"
	for cmd in rel-status rel-promote rel-terminate; do
		refused "'wwwwwwwwww" "$cmd" <"$SCRATCH/line"
	done
}

@test "65-byte names are refused wherever a name goes" {
	store_with_web_1
	n65=$(printf 'a%.0s' {1..65})
	refused "product name" rel-create "$n65" -a "$n65=1"
	refused "component name" rel-create web -a api=1 -a ui=2 -a "$n65=1"
	refused "environment name" rel-promote web-1 "$n65"
	refused "environment name" rel-status --env "$n65" web
	refused "is too long" rel-status "$n65-1"
	refused "bad release id" rel-terminate "web-$(printf '9%.0s' {1..30})"
	printf 'environments:\n  - name: %s\n' "$n65" >"$SCRATCH/env65.yaml"
	refused "$SCRATCH/env65.yaml:2:11:" rel-create --flow "$SCRATCH/env65.yaml" \
	    web -a web=1
	printf 'environments:\n  - name: dev\n    pre: [{name: %s, run: "true"}]\n' \
	    "$n65" >"$SCRATCH/step65.yaml"
	refused "$SCRATCH/step65.yaml:3:18:" rel-create --flow "$SCRATCH/step65.yaml" \
	    web -a web=1
	printf 'components: [%s]\nenvironments:\n  - name: dev\n' "$n65" \
	    >"$SCRATCH/comp65.yaml"
	refused "$SCRATCH/comp65.yaml:1:14:" rel-create --flow "$SCRATCH/comp65.yaml" \
	    web -a "$n65=1"
}

# --- release data never executes ----------------------------------------------

# A flow whose steps write what they got into $SCRATCH/got/, byte for
# byte, and record $NOTE (from the caller's environment) as an output.
flow_echo() {
	mkdir -p "$SCRATCH/got"
	write_flow "$REL_STATE_DIR/flows/web.yaml" <<'EOF'
components: [api, ui]
environments:
  - name: dev
    pre:
      - name: env
        run: >-
          printf '%s' "$REL_ARTIFACTS" >"$SCRATCH/got/artifacts" &&
          printf '%s' "$REL_RELEASE" >"$SCRATCH/got/release" &&
          printf '%s' "$REL_PREVIOUS" >"$SCRATCH/got/previous.$REL_RELEASE"
    action: >-
      printf '%s' "$REL_VERSION" >"$SCRATCH/got/version.$REL_COMPONENT" &&
      printf 'note=%s\n' "$NOTE" >>"$REL_OUTPUT" &&
      printf '%s\n' "$REL_VERSION"
  - name: prod
    trigger: manual
    action: printf '%s' "$REL_VERSION" >"$SCRATCH/got/prod.$REL_COMPONENT"
EOF
}

@test "versions, messages, --by, --reason and outputs are data, byte for byte" {
	flow_echo
	api="1.0;touch $M/semi; echo \$(touch $M/dollar)"
	ui="\$(touch $M/sub)\`touch $M/tick\`|touch $M/pipe&&touch $M/and>$M/gt 'q' \"dq\" \\ * ~ é"
	msg=$'tab\there'" \$(touch $M/msg) \`touch $M/msg2\`; \\n \\x1b"
	by="eve\$(touch $M/by);\`touch $M/by2\`"
	note="\$(touch $M/note)\`touch $M/note2\`"
	reason="because;\$(touch $M/reason) \`touch $M/reason2\` \"'"
	cd "$SCRATCH/outside"

	run --separate-stderr timeout 10 rel-create web -a "api=$api" -a "ui=$ui" \
	    -m "$msg" --by "$by"
	assert_status 0
	assert_output web-1
	NOTE=$note run --separate-stderr timeout 20 rel-promote --by "$by" web-1
	assert_status 0
	no_markers
	[ -z "$(ls -A "$SCRATCH/outside")" ]

	# What the steps got.
	same_bytes "$SCRATCH/got/version.api" "$api"
	same_bytes "$SCRATCH/got/version.ui" "$ui"
	same_bytes "$SCRATCH/got/artifacts" "api=$api"$'\n'"ui=$ui"
	same_bytes "$SCRATCH/got/release" web-1

	# What the record says.
	run rel-status --format json web-1
	assert_status 0
	[ "$(jq -r .artifacts.api <<<"$output")" = "$api" ]
	[ "$(jq -r .artifacts.ui <<<"$output")" = "$ui" ]
	[ "$(jq -r .message <<<"$output")" = "$msg" ]
	[ "$(jq -r .by <<<"$output")" = "$by" ]
	[ "$(jq -r '.environments[0].by' <<<"$output")" = "$by" ]
	[ "$(jq -r '.outputs[0].value' <<<"$output")" = "$note" ]
	# The step's output, as rel-log shows it.
	run rel-log web-1 dev action
	assert_status 0
	assert_contains "$output" "$api"
	assert_contains "$output" "$ui"

	NOTE=$note run --separate-stderr timeout 20 rel-promote --by "$by" web-1 prod
	assert_status 0
	same_bytes "$SCRATCH/got/prod.api" "$api"

	# A second release: REL_PREVIOUS, then a reason for terminating it.
	run --separate-stderr rel-create web -a "api=$ui" -a "ui=$api"
	assert_status 0
	run --separate-stderr timeout 20 rel-promote web-2
	assert_status 0
	same_bytes "$SCRATCH/got/previous.web-2" web-1
	same_bytes "$SCRATCH/got/version.api" "$ui"
	run --separate-stderr timeout 10 rel-terminate --reason "$reason" \
	    --by "$by" web-2
	assert_status 0
	run rel-status --format json web-2
	[ "$(jq -r .terminated.reason <<<"$output")" = "$reason" ]
	[ "$(jq -r .terminated.by <<<"$output")" = "$by" ]
	# TSV keeps one record per line whatever the data holds.
	run rel-status --history web-1
	assert_status 0
	[ "$(awk -F'\t' 'NF != 7' <<<"$output")" = "" ]
	no_markers
	[ -z "$(ls -A "$SCRATCH/outside")" ]
}

@test "newlines in values and shell syntax in names are refused" {
	store_with_web_1
	refused "version" rel-create web -a "api=1"$'\n'"touch $M/nl" -a ui=2
	refused "-m" rel-create web -a api=1 -a ui=2 -m "x"$'\n'"\$(touch $M/nl2)"
	refused "--by" rel-create web -a api=1 -a ui=2 --by "x"$'\r'"y"
	refused "--reason" rel-terminate --reason "a"$'\n'"b" web-1
	refused "product" rel-create "web;touch $M/p" -a api=1 -a ui=2
	refused "product" rel-create "web\$(touch $M/p2)" -a api=1 -a ui=2
	refused "component" rel-create web -a api=1 -a ui=2 -a "x\`touch $M/c\`=1"
	refused "component" rel-create web -a api=1 -a ui=2 -a "x;y=1"
	refused "environment" rel-promote web-1 "dev;touch $M/e"
	refused "environment" rel-promote web-1 "dev"$'\n'"prod"
	refused "'web-1;touch" rel-status "web-1;touch $M/r"
	refused "bad release id" rel-terminate "\$(touch $M/t)-1"
	printf 'environments:\n  - name: "dev;touch %s/f"\n' "$M" >"$SCRATCH/f.yaml"
	refused "$SCRATCH/f.yaml:2:11:" rel-create --flow "$SCRATCH/f.yaml" \
	    web -a web=1
	no_markers
}

# --- the state directory ----------------------------------------------------

# modes_of: "MODE TYPE PATH" for everything under the store but links.
modes_of() {
	(cd "$REL_STATE_DIR" && find . ! -type l -printf '%m %y %p\n' | sort)
}

# A product whose promotion makes every kind of file: records, histories,
# logs, outputs, the index, the locks.
busy_product() {
	write_flow "$SCRATCH/flow.yaml" <<'EOF'
components: [api, ui]
environments:
  - name: dev
    pre: [{name: lint, run: "echo linting"}]
    action: echo deploying; echo url=http://x >>"$REL_OUTPUT"
  - name: prod
    trigger: manual
    action: "true"
EOF
	rel-create --flow "$SCRATCH/flow.yaml" web -a api=1 -a ui=2 >/dev/null &&
	timeout 20 rel-promote web-1 >/dev/null &&
	rel-create --flow "$SCRATCH/flow.yaml" web -a api=2 -a ui=2 >/dev/null &&
	rel-terminate web-2 >/dev/null &&
	rel-status >/dev/null
}

@test "with umask 000 nothing in the store is world-writable" {
	umask 000
	busy_product
	[ -f "$REL_STATE_DIR/products/web/releases/web-1" ]
	[ -f "$REL_STATE_DIR/products/web/envs/dev" ]
	[ -n "$(find "$REL_STATE_DIR/products/web/logs" -type f)" ]
	bad=$(find "$REL_STATE_DIR" ! -type l -perm -o+w)
	if [ -n "$bad" ]; then
		echo "world-writable: $bad" >&2
		modes_of >&2
		return 1
	fi
	[ "$(stat -c %a "$REL_STATE_DIR/products/web/releases/web-1")" = 664 ]
	[ "$(stat -c %a "$REL_STATE_DIR/products/web/releases")" = 775 ]
	[ "$(stat -c %a "$REL_STATE_DIR")" = 775 ]
}

@test "the store's files follow the umask" {
	umask 027
	busy_product
	bad=$(modes_of | awk '($2 == "f" && $1 != "640") || ($2 == "d" && $1 != "750")')
	if [ -n "$bad" ]; then
		echo "not as umask 027 says: $bad" >&2
		return 1
	fi
	rm -rf "$REL_STATE_DIR"
	umask 077
	busy_product
	bad=$(modes_of | awk '($2 == "f" && $1 != "600") || ($2 == "d" && $1 != "700")')
	if [ -n "$bad" ]; then
		echo "not as umask 077 says: $bad" >&2
		return 1
	fi
}

# not_followed CMD...: CMD fails (not 0, not a timeout), saying what it
# found, and the victim outside the store is as it was.
not_followed() {
	local want=$1

	shift
	run --separate-stderr timeout 10 "$@"
	if [ "$status" -eq 0 ] || [ "$status" -eq 124 ]; then
		echo "'$*' exited $status: $output / $stderr" >&2
		return 1
	fi
	assert_contains "$stderr" "$want"
	no_controls "$stderr"
	victim_untouched
}

# The files outside the store that links point at, remembered.
victim_snapshot() {
	VICTIM=$(cd "$SCRATCH/outside" && find . -printf '%p %y %s %m\n' |
	    sort && find . -type f -exec sha256sum {} + | sort)
}

victim_untouched() {
	local now

	now=$(cd "$SCRATCH/outside" && find . -printf '%p %y %s %m\n' |
	    sort && find . -type f -exec sha256sum {} + | sort)
	if [ "$now" != "$VICTIM" ]; then
		echo "a file outside the store changed:" >&2
		diff <(printf '%s\n' "$VICTIM") <(printf '%s\n' "$now") >&2
		return 1
	fi
}

@test "a release record that is a link is not followed" {
	store_with_web_1
	rels=$REL_STATE_DIR/products/web/releases
	# A faithful copy outside, so that following it would "work".
	mv "$rels/web-1" "$SCRATCH/outside/web-1"
	ln -s "$SCRATCH/outside/web-1" "$rels/web-1"
	victim_snapshot
	not_followed "symbolic link" rel-status web-1
	not_followed "symbolic link" rel-promote web-1
	not_followed "symbolic link" rel-terminate web-1
	not_followed "symbolic link" rel-redeploy web-1 dev
	not_followed "symbolic link" rel-log web-1 dev

	# A dangling link where the next record goes: never created through.
	ln -s "$SCRATCH/outside/web-2" "$rels/web-2"
	run --separate-stderr timeout 10 rel-create web -a api=1 -a ui=2
	[ "$status" -ne 124 ]
	[ ! -e "$SCRATCH/outside/web-2" ]
	victim_untouched
}

@test "a releases directory that is a link is not followed" {
	store_with_web_1
	p=$REL_STATE_DIR/products/web
	mv "$p/releases" "$SCRATCH/outside/releases"
	ln -s "$SCRATCH/outside/releases" "$p/releases"
	victim_snapshot
	not_followed "symbolic link" rel-create web -a api=1 -a ui=2
	not_followed "symbolic link" rel-status web-1
	not_followed "symbolic link" rel-promote web-1
}

@test "an envs directory or history that is a link is not followed" {
	store_with_web_1
	p=$REL_STATE_DIR/products/web
	mkdir "$SCRATCH/outside/envs"
	ln -s "$SCRATCH/outside/envs" "$p/envs"
	victim_snapshot
	not_followed "symbolic link" rel-promote web-1
	[ "$(rel-status web-1 | cut -f3)" != running ]
	not_followed "envs" rel-status --envs web-1

	rm "$p/envs"
	mkdir "$p/envs"
	echo "precious" >"$SCRATCH/outside/dev"
	ln -s "$SCRATCH/outside/dev" "$p/envs/dev"
	victim_snapshot
	not_followed "symbolic link" rel-promote web-1
	not_followed "symbolic link" rel-status --envs web-1
}

@test "a log directory that is a link is not followed" {
	store_with_web_1
	p=$REL_STATE_DIR/products/web
	mkdir -p "$p/logs" "$SCRATCH/outside/logs"
	ln -s "$SCRATCH/outside/logs" "$p/logs/web-1"
	victim_snapshot
	# The steps cannot start without their logs: the release fails.
	not_followed "" rel-promote web-1
	[ "$(rel-status web-1 | cut -f3)" = failed ]
	not_followed "web-1" rel-log web-1 dev
}

@test "a lock file that is a link is not followed, nor created through" {
	store_with_web_1
	locks=$REL_STATE_DIR/locks
	rm -f "$locks/web.lock"
	ln -s "$SCRATCH/outside/lock" "$locks/web.lock"
	victim_snapshot
	not_followed "web.lock" rel-create web -a api=1 -a ui=2
	not_followed "web.lock" rel-promote web-1
	not_followed "web.lock" rel-terminate web-1
	[ ! -e "$SCRATCH/outside/lock" ]

	echo "precious" >"$SCRATCH/outside/lock"
	victim_snapshot
	not_followed "web.lock" rel-create web -a api=1 -a ui=2
}

@test "a cache directory that is a link is not written through" {
	store_with_web_1
	mv "$REL_STATE_DIR/cache/web" "$SCRATCH/outside/cache"
	ln -s "$SCRATCH/outside/cache" "$REL_STATE_DIR/cache/web"
	victim_snapshot
	# The index is derived: doing without it is fine, writing through
	# the link is not; --check says what is wrong.
	run --separate-stderr timeout 10 rel-create web -a api=1 -a ui=2
	[ "$status" -ne 124 ]
	run --separate-stderr timeout 10 rel-status
	[ "$status" -ne 124 ]
	victim_untouched
	not_followed "symbolic link" rel-status --check
}

# fails_quickly CMD...: CMD ends within 10 s with an error naming what it
# found where a file should be.
fails_quickly() {
	local want=$1

	shift
	run --separate-stderr timeout 10 "$@"
	if [ "$status" -eq 0 ] || [ "$status" -eq 124 ]; then
		echo "'$*' exited $status (124: it hung): $output / $stderr" >&2
		return 1
	fi
	assert_contains "$stderr" "$want"
	no_controls "$stderr"
}

@test "a record replaced by a directory is an error, not a crash" {
	store_with_web_1
	rels=$REL_STATE_DIR/products/web/releases
	rm "$rels/web-1"
	mkdir "$rels/web-1"
	for cmd in "rel-status web-1" "rel-promote web-1" "rel-terminate web-1" \
	    "rel-redeploy web-1 dev" "rel-log web-1 dev" "rel-status --check"; do
		# shellcheck disable=SC2086
		fails_quickly "is a directory" $cmd
	done
}

@test "a record replaced by a FIFO is an error, not a hang" {
	store_with_web_1
	rels=$REL_STATE_DIR/products/web/releases
	rm "$rels/web-1"
	mkfifo "$rels/web-1"
	for cmd in "rel-status web-1" "rel-promote web-1" "rel-terminate web-1" \
	    "rel-redeploy web-1 dev" "rel-log web-1 dev" "rel-status --check" \
	    "rel-status --envs web"; do
		# shellcheck disable=SC2086
		fails_quickly "is a FIFO" $cmd
	done
	# Making the next release does not read it.
	run --separate-stderr timeout 10 rel-create web -a api=1 -a ui=2
	assert_status 0
	assert_output web-2
}

@test "an environment history replaced by a FIFO is an error, not a hang" {
	store_with_web_1
	mkdir -p "$REL_STATE_DIR/products/web/envs"
	mkfifo "$REL_STATE_DIR/products/web/envs/dev"
	fails_quickly "is a FIFO" rel-promote web-1
	[ "$(rel-status web-1 | cut -f3)" != running ]
	fails_quickly "is a FIFO" rel-status --envs web-1
	fails_quickly "is a FIFO" rel-status --live web
}

@test "a promotion that cannot have the lock in time exits 4, naming the holder" {
	store_with_web_1
	mkdir -p "$REL_STATE_DIR/locks"
	start_bg "$SCRATCH/held" "$REL_HELPERS/holdlock" \
	    "$REL_STATE_DIR/locks/web.lock" "someone else (pid 1)"
	wait_for_line "$SCRATCH/held" locked
	run --separate-stderr timeout 10 rel-promote --wait 1 web-1
	assert_status 4
	assert_contains "$stderr" "someone else (pid 1)"
	[ "$(rel-status web-1 | cut -f3)" = pending ]
}

@test "a lock file replaced by a FIFO does not hang a writer" {
	store_with_web_1
	rm -f "$REL_STATE_DIR/locks/web.lock"
	mkfifo "$REL_STATE_DIR/locks/web.lock"
	run --separate-stderr timeout 10 rel-create web -a api=1 -a ui=2
	[ "$status" -ne 124 ]
	run --separate-stderr timeout 10 rel-terminate web-1
	[ "$status" -ne 124 ]
}
