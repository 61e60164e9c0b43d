#!/bin/sh
# notes.sh - how fast rel-notes walks a range, against git log, with and
# without a commit-graph.
#
# Not a test (nothing here fails on a slow machine): `make bench` runs it
# and a person reads the numbers.  It generates, with `git fast-import` in
# a temporary directory, a history shaped like git.git's: a main line that
# merges topic branches of 1 to 5 commits, each forked from a main-line
# commit up to 3000 commits back; messages conventional and not, with
# bodies, trailers, issue references and breaking changes.  The range is
# the second half, A..B (~COMMITS commits, default 10000): to tell the
# topics forked before A from those merged before it, a walk must go
# down A's side well below A, as on git/git v2.30.0..v2.40.0.
#
# Then it times, RUNS times each (default 7), alternating:
#
#   rel-notes --range A..B                  (Markdown, the default)
#   git log --format=%H%n%B A..B
#
# first without a commit-graph, then after `git commit-graph write
# --reachable` (by the installed git), and prints the medians of the
# wall time, the CPU time (user + system, which a busy machine disturbs
# less) and the peak resident set size, and rel-notes / git log for each:
# the goal is at most 1.0, both ways.
#
# Usage: tests/bench/notes.sh [COMMITS [RUNS]]
#        REL_NOTES=path/to/rel-notes tests/bench/notes.sh
#        REL_BENCH_KEEP=1 tests/bench/notes.sh   (keep the repository, to
#        profile: valgrind --tool=callgrind rel-notes --repo DIR --range A..B)
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

${CC:-cc} -O2 -o "$tmp/rusage" "$top/tests/bench/rusage.c"
git init -q --bare "$repo"

# The history, as a fast-import stream: main-line commit k is mark :k,
# topic commits have marks from 10,000,000 up.  Prints A's mark (the
# main-line commit half way) on file descriptor 3.
awk -v n="$((commits * 2))" 'function rnd(m) {
	seed = (seed * 1103515245 + 12345) % 2147483648
	return int(seed / 65536) % m
}
function commit(ref, mark, from, merge, subj,    body, msg, c, a) {
	t += 60
	a = mark % 23
	body = ""
	if (mark % 2)
		body = body "\nThis commit changes a few lines of the code " \
		    "base so that\nthe benchmark has bodies to read, like a " \
		    "real history.\n"
	if (mark % 5 == 0)
		body = body "\nRefs #" (mark % 400 + 1) " and PROJ-" \
		    (mark % 700 + 1) "\n"
	if (mark % 97 == 0)
		body = body "\nBREAKING CHANGE: the old API " mark " is gone\n"
	if (mark % 7 == 0)
		body = body "\nFixes: GH-" (mark % 300 + 1) "\nSigned-off-by: " \
		    "Dev " a " <dev" a "@example.org>\n"
	msg = subj "\n" body
	print "commit " ref
	print "mark :" mark
	print "author Dev " a " <dev" a "@example.org> " t " +0000"
	print "committer Dev " a " <dev" a "@example.org> " t " +0000"
	print "data " length(msg)
	printf "%s", msg
	if (from)
		print "from :" from
	if (merge)
		print "merge :" merge
	c = "line " mark "\n"
	print "M 644 inline file" (mark % 10) ".txt"
	print "data " length(c)
	print c
	print ""
	made++
}
function subject(i,   k) {
	k = i % 13
	if (k <= 9)
		return type[k + 1] (i % 3 ? "(" scope[i % 6 + 1] ")" : "") \
		    (i % 97 == 0 ? "!" : "") ": change number " i
	if (k == 10)
		return "Update the thing, number " i
	if (k == 11)
		return "Ünïcödé subject ✓ number " i
	return "wip"
}
BEGIN {
	split("feat fix perf refactor docs test build ci chore revert", type, " ")
	split("api ui db auth cli core", scope, " ")
	seed = 7; t = 1600000000; made = 0; k = 0; topic = 10000000
	while (made < n) {
		if (k > 10 && rnd(100) < 30) {
			# A topic forked up to 3000 commits back, merged.
			fork = k - rnd(k < 3000 ? k : 3000)
			if (fork < 1)
				fork = 1
			len = 1 + rnd(5)
			prev = fork
			for (j = 0; j < len; j++) {
				topic++
				commit("refs/heads/topic", topic, prev, 0,
				    subject(topic))
				prev = topic
			}
			k++
			commit("refs/heads/main", k, k - 1, prev,
			    "Merge branch topic " topic)
		} else {
			k++
			commit("refs/heads/main", k, k > 1 ? k - 1 : 0, 0,
			    subject(k))
		}
		if (made >= n / 2 && !half)
			half = k
	}
	print half > "/dev/fd/3"
}' 3>"$tmp/half" | git -C "$repo" fast-import --quiet \
    --export-marks="$tmp/marks"

a=$(awk -v m=":$(cat "$tmp/half")" '$1 == m { print $2 }' "$tmp/marks")
b=$(git -C "$repo" rev-parse main)
count=$(git -C "$repo" rev-list --count "$a..$b")
below=$(git -C "$repo" rev-list --count "$a")

# timed NAME CMD...: one run of CMD, its cost appended to $tmp/NAME.
timed() {
	name=$1
	shift
	"$tmp/rusage" "$tmp/$name" "$@" 2>"$tmp/stderr" || {
		echo "notes.sh: failed: $*" >&2
		cat "$tmp/stderr" >&2
		exit 1
	}
}

# median NAME FIELD: the median of a column of $tmp/NAME.
median() {
	cut -d' ' -f"$2" "$tmp/$1" | sort -n | awk '{ v[NR] = $1 } END {
		print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# measure SUFFIX: RUNS runs of each, alternating, after a warm-up run
# of each (so that every timed run reads a warm page cache).
measure() {
	i=0
	"$notes" --repo "$repo" --range "$a..$b" >/dev/null
	git -C "$repo" log --format=%H%n%B "$a..$b" >/dev/null
	while [ "$i" -lt "$runs" ]; do
		timed "rel$1" "$notes" --repo "$repo" --range "$a..$b"
		timed "git$1" git -C "$repo" log --format=%H%n%B "$a..$b"
		i=$((i + 1))
	done
}

measure ""
git -C "$repo" commit-graph write --reachable
measure "-graph"

echo "range: $count commits, $below behind its base (generated: $(wc -l <"$tmp/marks")), $runs runs each, medians"
printf '%-44s %9s %9s %9s\n' "" "wall ms" "cpu ms" "peak KB"
for n in rel git rel-graph git-graph; do
	case $n in
	rel) what="rel-notes --range A..B" ;;
	git) what="git log --format=%H%n%B A..B" ;;
	rel-graph) what="rel-notes --range A..B, commit-graph" ;;
	git-graph) what="git log --format=%H%n%B A..B, commit-graph" ;;
	esac
	printf '%-44s %9s %9s %9s\n' "$what" "$(median $n 1)" \
	    "$(median $n 2)" "$(median $n 3)"
done
for f in 1 2 3; do
	case $f in
	1) what="wall:   " ;;
	2) what="cpu:    " ;;
	3) what="peak KB:" ;;
	esac
	awk -v w="$what" -v r="$(median rel $f)" -v g="$(median git $f)" \
	    -v rg="$(median rel-graph $f)" -v gg="$(median git-graph $f)" \
	    'BEGIN { printf "ratio rel-notes / git log, %s %.2f without a " \
	    "commit-graph, %.2f with one\n", w, r / g, rg / gg }'
done
echo "goal: at most 1.0 (wall, both ways; peak memory no more than git log's)"
