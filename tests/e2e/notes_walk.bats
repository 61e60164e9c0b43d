#!/usr/bin/env bats
# The commits of a range as rel-notes walks them, against git's own
# answer, on a generated history of branches forked far back, merges,
# octopus merges, two roots and commit dates out of order: with no
# commit-graph (git's date walk: the same commits as `git rev-list A..B`),
# and with one written by git, with and without generation data v2, split
# in a chain, older than the history (commits off the graph), damaged,
# truncated or turned off (always the exact set difference of what B and
# A reach, or the walk over the objects when the graph cannot be
# trusted, with a note saying so).

load lib
load notes_lib

setup() {
	rel_setup
	R=$SCRATCH/dag
	git init -q --bare "$R"
}

teardown() {
	rel_teardown
}

# dag FROM TO: commits FROM..TO of the generated history (marks :FROM to
# :TO) as a fast-import stream.  The same numbers give the same commits:
# a linear congruential generator picks, for each commit, a branch, and
# whether it forks a new branch from an old commit, merges another
# branch, merges two (an octopus), or has a date hours before its
# parent's; commit 150 starts a second root.  Branch heads live in
# refs/heads/bN.
dag() {
	awk -v from="$1" -v to="$2" 'function rnd(n) {
		seed = (seed * 1103515245 + 12345) % 2147483648
		return int(seed / 65536) % n
	}
	BEGIN {
		seed = 42; nb = 1; head[0] = 1; t = 1600000000
		for (i = 1; i <= to; i++) {
			t += 60
			r = rnd(100)
			b = rnd(nb); p = head[b]; m1 = 0; m2 = 0
			if (i == 1) {
				b = 0; p = 0
			} else if (i == 150) {
				b = nb++; p = 0
			} else if (r < 6 && nb < 8) {
				b = nb++; p = 1 + rnd(i - 1)
			} else if (r < 18 && nb > 1) {
				c = rnd(nb); if (c != b) m1 = head[c]
			} else if (r < 22 && nb > 2) {
				c = rnd(nb); d = rnd(nb)
				if (c != b && d != b && c != d) {
					m1 = head[c]; m2 = head[d]
				}
			}
			when = t - (rnd(100) < 4 ? 5 * 3600 : 0)
			head[b] = i
			if (i < from)
				continue
			msg = "commit " i "\n"
			print "commit refs/heads/b" b
			print "mark :" i
			print "committer Dev <dev@example.org> " when " +0000"
			print "data " length(msg)
			printf "%s", msg
			if (p)
				print "from :" p
			if (m1)
				print "merge :" m1
			if (m2)
				print "merge :" m2
			print ""
		}
	}'
}

# import FROM TO: add commits FROM..TO (the marks of the earlier ones
# are kept in $SCRATCH/marks), and know their ids: ID[N].
import() {
	local in=() m i

	[ -f "$SCRATCH/marks" ] && in=(--import-marks="$SCRATCH/marks")
	dag "$1" "$2" | git -C "$R" fast-import --quiet "${in[@]}" \
	    --export-marks="$SCRATCH/marks"
	ID=()
	while read -r m i; do
		ID[${m#:}]=$i
	done <"$SCRATCH/marks"
}

# ranges: "A B" pairs of commit numbers: every kind of pair, then
# pseudo-random ones, over the commits imported.
ranges() {
	local n=${#ID[@]}

	printf '%s\n' "1 $n" "$n 1" "$n $n" "$((n / 2)) $n" "$((n - 3)) $n" \
	    "10 $((n / 2))" "150 $n" "1 150"
	awk -v n="$n" 'BEGIN { s = 7; for (k = 0; k < 10; k++) {
		s = (s * 69069 + 1) % 4294967296; a = 1 + int(s / 65536) % n
		s = (s * 69069 + 1) % 4294967296; b = 1 + int(s / 65536) % n
		print a, b } }'
}

# notes_ids K A B: "K ID" for each commit rel-notes finds in A..B (K the
# range's number), and "K walk GRAPH NOTE": whether the commit-graph gave
# the range, and whether a note says it cannot be trusted (awk, not jq:
# this runs hundreds of times).
notes_ids() {
	rel-notes --repo "$R" --merges --range "${ID[$2]}..${ID[$3]}" \
	    --format json >"$SCRATCH/out.json" || return 1
	awk -v k="$1" '{
		g = index($0, "\"commit_graph\":true") ? "true" : "false"
		n = index($0, "cannot be trusted") ? "note" : "-"
		print k " walk " g " " n
		s = $0
		while (match(s, /"id":"[0-9a-f]+"/)) {
			print k " " substr(s, RSTART + 6, RLENGTH - 7)
			s = substr(s, RSTART + RLENGTH)
		}
	}' "$SCRATCH/out.json"
}

# expected HOW: "K ID" for each commit of each range, as git gives it:
# HOW "git" is `git rev-list A..B` without a graph; "exact" the commits
# B reaches and A does not, from the parents of every commit (no walk
# that could stop early).
expected() {
	local k=0 a b

	if [ "$1" = git ]; then
		while read -r a b; do
			git -C "$R" -c core.commitGraph=false rev-list \
			    "${ID[$a]}..${ID[$b]}" | sed "s/^/$k /"
			k=$((k + 1))
		done < <(ranges)
		return
	fi
	ranges | while read -r a b; do
		echo "range ${ID[$a]} ${ID[$b]}"
	done | cat - <(git -C "$R" rev-list --all --parents) | awk '
	BEGIN { n = 0 }
	$1 == "range" { ra[n] = $2; rb[n] = $3; n++; next }
	{ par[$1] = ""; for (i = 2; i <= NF; i++) par[$1] = par[$1] " " $i }
	function reach(c, mark,   s, top, x, k, m, ps) {
		top = 0; s[top++] = c
		while (top) {
			x = s[--top]
			if ((mark, x) in seen) continue
			seen[mark, x] = 1
			m = split(par[x], ps, " ")
			for (k = 1; k <= m; k++) s[top++] = ps[k]
		}
	}
	END {
		for (k = 0; k < n; k++) {
			reach(rb[k], "b" k); reach(ra[k], "a" k)
			for (x in par)
				if ((("b" k), x) in seen && !((("a" k), x) in seen))
					print k, x
		}
	}'
}

# check HOW WALK: every range's commits against expected HOW, and the
# walk of each against WALK: "true -" (the graph gave the range), "false
# -" (no graph to use), "false note" (one that cannot be trusted).
check() {
	local a b k=0

	while read -r a b; do
		notes_ids "$k" "$a" "$b" || return 1
		k=$((k + 1))
	done < <(ranges) >"$SCRATCH/got"
	[ "$k" -ge 18 ]
	expected "$1" >"$SCRATCH/want"
	awk -v walk="$2" '
	FILENAME == ARGV[1] { want[$1 " " $2] = 1; next }
	$2 == "walk" { if ($3 " " $4 != walk) {
		print "range " $1 ": walk " $3 " " $4; bad++ }
		next }
	{ got[$1 " " $2] = 1 }
	END {
		for (x in want) if (!(x in got)) { print "missing " x; bad++ }
		for (x in got) if (!(x in want)) { print "extra " x; bad++ }
		exit bad > 0
	}' "$SCRATCH/want" "$SCRATCH/got" >&2
}

@test "the generated history has what it must: merges, octopuses, two roots, skew" {
	import 1 400
	[ "$(git -C "$R" rev-list --all --merges --min-parents=3 | wc -l)" -ge 3 ]
	[ "$(git -C "$R" rev-list --all --merges | wc -l)" -ge 30 ]
	[ "$(git -C "$R" rev-list --all --max-parents=0 | wc -l)" -eq 2 ]
	# Some commits are older than a parent.
	[ "$(git -C "$R" log --all --format='%H %ct %P' | awk '
	    { t[$1] = $2; for (i = 3; i <= NF; i++) p[$1] = p[$1] " " $i }
	    END { for (c in p) { n = split(p[c], q, " ");
		for (i = 1; i <= n; i++) if (t[q[i]] > t[c]) skew++ }
		print skew + 0 }')" -ge 3 ]
}

@test "without a commit-graph: the commits git rev-list A..B gives" {
	import 1 400
	check git 'false -'
}

@test "a commit-graph with generation data v2: the exact range, nothing read off it" {
	import 1 400
	git -C "$R" commit-graph write --reachable
	git -C "$R" commit-graph verify
	check exact 'true -'
	# The walk reads no commit: those of the range are read after it;
	# without the graph it reads those it passes.
	rel-notes --repo "$R" --range "${ID[150]}..${ID[400]}" --format json \
	    >"$SCRATCH/o.json"
	jq -e '.walk.commits_read == 0 and .commit_count > 100' "$SCRATCH/o.json"
	git -C "$R" config core.commitGraph false
	rel-notes --repo "$R" --range "${ID[150]}..${ID[400]}" --format json \
	    >"$SCRATCH/o.json"
	jq -e '.walk.commits_read > .commit_count' "$SCRATCH/o.json"
}

@test "a commit-graph with topological levels only (no GDA2 chunk)" {
	import 1 400
	git -C "$R" -c commitGraph.generationVersion=1 commit-graph write \
	    --reachable
	! grep -q GDA2 "$R/objects/info/commit-graph"
	check exact 'true -'
}

@test "a split commit-graph chain, and commits newer than the graph" {
	import 1 250
	git -C "$R" commit-graph write --reachable --split
	import 251 400
	# Commits 251..400 are off the graph: read, then the graph walked.
	check exact 'true -'
	git -C "$R" commit-graph write --reachable --split=no-merge
	[ "$(wc -l <"$R/objects/info/commit-graphs/commit-graph-chain")" -eq 2 ]
	[ ! -e "$R/objects/info/commit-graph" ]
	check exact 'true -'
}

@test "core.commitGraph=false: the graph is not read" {
	import 1 400
	git -C "$R" commit-graph write --reachable
	git -C "$R" config core.commitGraph false
	check git 'false -'
}

@test "a damaged commit-graph is never trusted: the objects are walked, and the notes say so" {
	local g=$R/objects/info/commit-graph size note

	import 1 400
	git -C "$R" commit-graph write --reachable
	size=$(wc -c <"$g")
	# One byte changed in the commit data: the checksum no longer holds.
	printf 'X' | dd of="$g" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
	check git 'false note'
	jq -e --arg r "$R" 'any(.notes[]; . == "the commit-graph of \($r) cannot be trusted (its checksum is wrong): its history was read from the objects instead; `git commit-graph write --reachable` makes a new one")' \
	    "$SCRATCH/out.json"
	# Cut short: its chunks run past its end.
	git -C "$R" commit-graph write --reachable
	head -c $((size - 100)) "$g" >"$g.tmp" && mv "$g.tmp" "$g"
	notes_ids 0 1 400 >/dev/null
	jq -e '.walk.commit_graph == false and
	    (.notes[0] | test("cannot be trusted \\(.*chunk"))' "$SCRATCH/out.json"
	# Not a graph at all.
	echo garbage >"$g"
	notes_ids 0 1 400 >/dev/null
	jq -e '.walk.commit_graph == false and
	    (.notes[0] | test("no commit-graph signature"))' "$SCRATCH/out.json"
}

@test "a graph whose checksum holds but whose generations lie falls back too" {
	local g=$R/objects/info/commit-graph

	import 1 400
	git -C "$R" -c commitGraph.generationVersion=1 commit-graph write \
	    --reachable
	# Set every topological level to 1, and write the checksum again:
	# a parent is no longer below its child.
	perl -MDigest::SHA=sha1 -e '
		local $/; open my $f, "+<", $ARGV[0] or die; binmode $f;
		my $d = <$f>;
		my ($n) = unpack "C", substr($d, 6, 1);
		my ($off, $fan);
		for my $i (0 .. $n - 1) {
			my ($id, $hi, $lo) = unpack "a4NN", substr($d, 8 + 12 * $i, 12);
			$off = $lo if $id eq "CDAT";
			$fan = $lo if $id eq "OIDF";
		}
		my $count = unpack "N", substr($d, $fan + 255 * 4, 4);
		for my $k (0 .. $count - 1) {
			my $p = $off + 36 * $k + 28;
			my $w = unpack "N", substr($d, $p, 4);
			substr($d, $p, 4) = pack "N", (1 << 2) | ($w & 3);
		}
		substr($d, -20) = sha1(substr($d, 0, -20));
		seek $f, 0, 0; print $f $d; close $f;
	' "$g"
	notes_ids 0 1 400 | sed -n 's/^0 \([0-9a-f]*\)$/\1/p' | sort \
	    >"$SCRATCH/got"
	diff <(git -C "$R" rev-list "${ID[1]}..${ID[400]}" | sort) "$SCRATCH/got"
	jq -e '.walk.commit_graph == false and
	    (.notes[0] | test("damaged \\(a parent out of place\\)"))' \
	    "$SCRATCH/out.json"
}

@test "commits made in one second are listed as git log lists them, child first" {
	local r=$SCRATCH/same i

	git init -q "$r"
	# Eight commits with one date: only the walk's order can tell them
	# apart (an order by id would shuffle them).
	for i in 1 2 3 4 5 6 7 8; do
		GIT_AUTHOR_DATE='1700000000 +0000' GIT_COMMITTER_DATE='1700000000 +0000' \
		    git -C "$r" -c user.name=t -c user.email=t@example.org \
		    commit -q --allow-empty -m "fix: change $i"
	done
	want=$(git -C "$r" log --format=%s HEAD~7..HEAD | sed 's/^fix: //' | paste -sd'|')
	[ "$want" = "change 8|change 7|change 6|change 5|change 4|change 3|change 2" ]
	run --separate-stderr rel-notes --range HEAD~7..HEAD --repo "$r" --format json
	assert_status 0
	[ "$(jq -r '[.groups[].commits[].description] | join("|")' <<<"$output")" = "$want" ]
	git -C "$r" commit-graph write --reachable
	run --separate-stderr rel-notes --range HEAD~7..HEAD --repo "$r" --format json
	assert_status 0
	[ "$(jq -r '[.groups[].commits[].description] | join("|")' <<<"$output")" = "$want" ]
}
