#!/bin/sh
# notes.sh - how fast rel-notes walks a range, against git itself.
#
# Not a test (nothing here fails on a slow machine): `make bench` runs it
# and a person reads the numbers.  It generates a repository of COMMITS
# commits (default 10000: conventional and plain subjects, bodies, issue
# references, breaking changes, a merge every 50 commits) with
# `git fast-import` in a temporary directory, then times, RUNS times each
# (default 7, interleaved), over the same range of ~COMMITS commits:
#
#   rel-notes --range A..B                  (Markdown, the default)
#   rel-notes --range A..B --format json
#   git log --format=%H%n%B A..B
#
# and prints the median wall time of each in milliseconds and the ratio
# rel-notes / git log (the goal: at most 1.0), and the same for CPU time
# (user + system), which a busy machine disturbs less.
#
# Usage: tests/bench/notes.sh [COMMITS [RUNS]]
#        REL_NOTES=path/to/rel-notes tests/bench/notes.sh
#        REL_BENCH_KEEP=1 tests/bench/notes.sh   (keep the repository, to
#        profile: valgrind --tool=callgrind rel-notes --repo DIR --range A..B)
# bash for its `time`, which reads the children's CPU time in ms.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
notes=${REL_NOTES:-$top/bin/rel-notes}
commits=${1:-10000}
runs=${2:-7}

[ -x "$notes" ] || { echo "notes.sh: no $notes: run make" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rel-bench.XXXXXX")
if [ "${REL_BENCH_KEEP:-}" = 1 ]; then
	trap 'echo "kept: $tmp/repo"' EXIT
else
	trap 'rm -rf "$tmp"' EXIT INT TERM
fi
repo=$tmp/repo
export GIT_CONFIG_NOSYSTEM=1 HOME=$tmp LC_ALL=C
unset GIT_DIR GIT_WORK_TREE

git init -q --bare "$repo"

# The history, as a fast-import stream: commit i has mark :i.
awk -v n="$commits" 'BEGIN {
	split("feat fix perf refactor docs test build ci chore revert", type, " ")
	split("api ui db auth cli core", scope, " ")
	t = 1600000000
	for (i = 1; i <= n; i++) {
		t += 60
		a = i % 23
		k = i % 13
		if (k <= 9)
			subj = type[k + 1] (i % 3 ? "(" scope[i % 6 + 1] ")" : "") \
			    (i % 97 == 0 ? "!" : "") ": change number " i
		else if (k == 10)
			subj = "Update the thing, number " i
		else if (k == 11)
			subj = "Ünïcödé subject ✓ number " i
		else
			subj = "wip"
		body = ""
		if (i % 2)
			body = body "\nThis commit changes a few lines of the " \
			    "code base so that\nthe benchmark has bodies to " \
			    "read, like a real history.\n"
		if (i % 5 == 0)
			body = body "\nRefs #" (i % 400) " and PROJ-" (i % 700) "\n"
		if (i % 97 == 0)
			body = body "\nBREAKING CHANGE: the old API " i " is gone\n"
		if (i % 7 == 0)
			body = body "\nFixes: GH-" (i % 300) "\nSigned-off-by: " \
			    "Dev " a " <dev" a "@example.org>\n"
		msg = subj "\n" body
		who = "Dev " a " <dev" a "@example.org> " t " +0000"
		if (i % 50 == 0 && i > 1) {
			side = "side work " i "\n"
			print "commit refs/heads/side"
			print "mark :" (n + i)
			print "author " who
			print "committer " who
			print "data " length(side)
			print side
			print "from :" (i - 1)
			print ""
			msg = "Merge branch side " i "\n"
		}
		print "commit refs/heads/main"
		print "mark :" i
		print "author " who
		print "committer " who
		print "data " length(msg)
		print msg
		if (i > 1)
			print "from :" (i - 1)
		if (i % 50 == 0 && i > 1)
			print "merge :" (n + i)
		c = "line " i "\n"
		print "M 644 inline file" (i % 10) ".txt"
		print "data " length(c)
		print c
		print ""
	}
}' | git -C "$repo" fast-import --quiet

a=$(git -C "$repo" rev-list --max-parents=0 main)
b=$(git -C "$repo" rev-parse main)
count=$(git -C "$repo" rev-list --count "$a..$b")

# timed NAME CMD...: append "WALL CPU" of one run of CMD, in ms, to
# $tmp/NAME (CPU is user + system).
timed() {
	local name=$1 t

	shift
	t=$( { TIMEFORMAT='%3R %3U %3S'
		time "$@" >/dev/null 2>"$tmp/stderr"; } 2>&1 ) || {
		echo "notes.sh: failed: $*" >&2
		cat "$tmp/stderr" >&2
		exit 1
	}
	awk '{ printf "%.1f %.1f\n", $1 * 1000, ($2 + $3) * 1000 }' \
	    <<<"$t" >>"$tmp/$name"
}

# median NAME FIELD: the median of a column of $tmp/NAME.
median() {
	cut -d' ' -f"$2" "$tmp/$1" | sort -n | awk '{ v[NR] = $1 } END {
		print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# One warm-up run each, so that every timed run reads a warm page cache.
"$notes" --repo "$repo" --range "$a..$b" >/dev/null
git -C "$repo" log --format=%H%n%B "$a..$b" >/dev/null
i=0
while [ "$i" -lt "$runs" ]; do
	timed md "$notes" --repo "$repo" --range "$a..$b"
	timed json "$notes" --repo "$repo" --range "$a..$b" --format json
	timed git git -C "$repo" log --format=%H%n%B "$a..$b"
	i=$((i + 1))
done

echo "range: $count commits ($commits generated), $runs runs each, medians"
printf '%-40s %10s %10s\n' "" "wall ms" "cpu ms"
for n in md json git; do
	case $n in
	md) what="rel-notes --range A..B" ;;
	json) what="rel-notes --range A..B --format json" ;;
	git) what="git log --format=%H%n%B A..B" ;;
	esac
	printf '%-40s %10s %10s\n' "$what" "$(median $n 1)" "$(median $n 2)"
done
awk -v a="$(median md 1)" -v b="$(median json 1)" -v g="$(median git 1)" \
    -v ac="$(median md 2)" -v bc="$(median json 2)" -v gc="$(median git 2)" \
    'BEGIN {
	printf "ratio rel-notes / git log, wall: %.2f (md), %.2f (json)\n",
	    a / g, b / g
	printf "ratio rel-notes / git log, cpu:  %.2f (md), %.2f (json)\n",
	    ac / gc, bc / gc
	print "goal: at most 1.0"
}'
