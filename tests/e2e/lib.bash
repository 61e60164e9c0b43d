# lib.bash - shared setup of the end-to-end tests: run the commands as a
# user runs them, from this tree's bin/, each test in a scratch state
# directory with an environment that nothing outside the test can change.
#
# A test file says `load lib` and gets setup/teardown; a file that needs
# more defines its own and calls rel_setup/rel_teardown.

bats_require_minimum_version 1.5.0

# The tree under test, from this file's place, never a hard-coded path.
# (bats loads this file again for every test: no process when the path
# is plain, as bats gives it.)
case ${BASH_SOURCE[0]} in
/*/tests/e2e/lib.bash)
	REL_TOP=${BASH_SOURCE[0]%/tests/e2e/lib.bash} ;;
*)
	REL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd) ;;
esac
case $REL_TOP in
*/./* | */../* | */. | */..)
	REL_TOP=$(cd "$REL_TOP" && pwd) ;;
esac
REL_BIN=$REL_TOP/bin
REL_HELPERS=$REL_TOP/build/helpers

rel_setup() {
	PATH=$REL_BIN:$PATH
	export PATH

	# Nothing from the caller's environment may steer the commands.
	unset XDG_STATE_HOME NO_COLOR TERM COLUMNS LINES CDPATH
	unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_CEILING_DIRECTORIES
	# Every exported REL_* variable (the test file's own are not).
	for v in ${!REL_@}; do
		[[ ${!v@a} != *x* ]] || unset "$v"
	done
	export LC_ALL=C

	# The scratch directory and its home in one mkdir, which fails if
	# the name is taken (then mktemp finds one).
	SCRATCH=${TMPDIR:-/tmp}/rel-e2e.$$.$RANDOM
	mkdir -m 700 "$SCRATCH" "$SCRATCH/home" 2>/dev/null || {
		SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/rel-e2e.XXXXXX") &&
		mkdir "$SCRATCH/home"
	} || return 1
	export SCRATCH
	REL_STATE_DIR=$SCRATCH/state
	export REL_STATE_DIR
	HOME=$SCRATCH/home
	export HOME
	USER=tester
	export USER
	GIT_CONFIG_NOSYSTEM=1
	GIT_AUTHOR_NAME=tester GIT_AUTHOR_EMAIL=tester@example.org
	GIT_COMMITTER_NAME=tester GIT_COMMITTER_EMAIL=tester@example.org
	export GIT_CONFIG_NOSYSTEM GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL
	export GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
	cd "$SCRATCH" || return 1

	# Commands that read ids from a pipe must not read the harness's:
	# a test that wants stdin gives it explicitly.
	exec </dev/null
	REL_BG_PIDS=()
}

rel_teardown() {
	local pid

	for pid in "${REL_BG_PIDS[@]}"; do
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	cd / || true
	if [ -n "${SCRATCH:-}" ] && [ -d "$SCRATCH" ]; then
		rm -rf "$SCRATCH"
	fi
}

setup() {
	rel_setup
}

teardown() {
	rel_teardown
}

# write_flow FILE: the flow read from stdin into FILE (directories made).
# (Most tests call it: no dirname, and no mkdir when the directory is
# there.)
write_flow() {
	local dir=.

	case $1 in
	/*/* | [!/]*/*) dir=${1%/*} ;;
	/*) dir=/ ;;
	esac
	[ -d "$dir" ] || mkdir -p "$dir"
	cat >"$1"
}

# flow_web [FILE]: the usual flow of the product web, components api and
# ui, dev -> qa (auto) -> prod (manual); by default the product's flow in
# the store.
flow_web() {
	write_flow "${1:-$REL_STATE_DIR/flows/web.yaml}" <<'EOF'
components: [api, ui]
environments:
  - name: dev
    pre: [ {name: lint, run: "true"} ]
    action: ./deploy.sh
    verify: {run: ./health.sh, retries: 3, interval: 5s}
    post: [ {name: notify, run: "true"} ]
  - name: qa
    action: ./deploy.sh
  - name: prod
    trigger: manual
    action: ./deploy.sh
EOF
}

# flow_simple PRODUCT [ENV...]: a product with its single default
# component and environments (default: dev), each after the one before.
flow_simple() {
	local product=$1 env

	shift
	[ $# -gt 0 ] || set -- dev
	{
		echo "environments:"
		for env; do
			echo "  - name: $env"
			echo "    action: ./deploy.sh"
		done
	} | write_flow "$REL_STATE_DIR/flows/$product.yaml"
}

# store_snapshot: every path under the state directory with its type,
# size and content hash, to compare before and after a refused command.
# The cached listing is left out: readers make it (rel-store(5)), it is
# derived, and it changes nothing that is stored.  Files that match the
# find(1) -path pattern SNAPSHOT_BY_STAT (relative: ./flows/big.yaml) are
# not read: their modification time and allocated blocks stand for their
# content (for a file of a gigabyte, most of it a hole).
store_snapshot() {
	local by_stat=()

	[ -e "$REL_STATE_DIR" ] || { echo "(no store)"; return 0; }
	[ -z "${SNAPSHOT_BY_STAT:-}" ] ||
	    by_stat=(-path "$SNAPSHOT_BY_STAT" -printf '%p %T@ %b\n' -o)
	(
		cd "$REL_STATE_DIR" &&
		find . ! -path './cache/*/listing' -printf '%p %y %s\n' \
		    \( "${by_stat[@]}" -type f -exec sha256sum {} + \) |
		    LC_ALL=C sort
	)
}

# make_repo DIR: a git repository with two commits; the first tagged v1.
make_repo() {
	git init -q "$1" &&
	git -C "$1" commit -q --allow-empty -m "first" &&
	git -C "$1" tag v1 &&
	git -C "$1" commit -q --allow-empty -m "second"
}

# start_bg OUTFILE CMD...: run CMD in the background (killed in teardown),
# stdout to OUTFILE.  bats waits for fd 3, so the child must not hold it.
start_bg() {
	local out=$1

	shift
	"$@" >"$out" 3>&- &
	BG_PID=$!
	REL_BG_PIDS+=("$BG_PID")
}

# wait_for_line FILE TEXT: until FILE holds the line TEXT (at most ~20 s,
# a bound against hanging, not a measure of anything).
wait_for_line() {
	local i

	for ((i = 0; i < 400; i++)); do
		grep -qx -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "gave up waiting for '$2' in $1" >&2
	return 1
}

# --- assertions that show what they got ------------------------------

assert_status() {
	if [ "$status" -ne "$1" ]; then
		{
			echo "expected exit status $1, got $status"
			echo "output: $output"
			[ -z "${stderr+x}" ] || echo "stderr: $stderr"
		} >&2
		return 1
	fi
}

# assert_output TEXT: the whole output is TEXT (use a heredoc with -).
assert_output() {
	local want=$1

	[ "$want" != - ] || want=$(cat)
	if [ "$output" != "$want" ]; then
		{
			echo "expected output:"
			printf '%s\n' "$want"
			echo "got:"
			printf '%s\n' "$output"
		} >&2
		return 1
	fi
}

# assert_eq WHAT GOT WANT
assert_eq() {
	if [ "$2" != "$3" ]; then
		printf '%s:\nexpected: %s\ngot:      %s\n' "$1" "$3" "$2" >&2
		return 1
	fi
}

# assert_contains HAYSTACK NEEDLE
assert_contains() {
	case "$1" in
	*"$2"*) return 0 ;;
	esac
	printf 'expected to find: %s\nin: %s\n' "$2" "$1" >&2
	return 1
}

# assert_not_contains HAYSTACK NEEDLE
assert_not_contains() {
	case "$1" in
	*"$2"*)
		printf 'did not expect: %s\nin: %s\n' "$2" "$1" >&2
		return 1 ;;
	esac
}

# assert_no_escapes TEXT: no ESC byte anywhere.
assert_no_escapes() {
	if [[ "$1" == *$'\e'* ]]; then
		printf 'unexpected escape codes in:\n%s\n' "$1" | cat -v >&2
		return 1
	fi
}
