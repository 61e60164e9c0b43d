#!/usr/bin/env bats
# rel-notes reads repositories itself (no libgit2): every shape git makes
# them in must give what git gives.  A work tree and its subdirectories,
# a bare repository, the .git directory named directly, a linked
# worktree (a .git file and a common directory), alternates (a shared
# clone), loose objects, packs whose commits are deltas of each other,
# packed and symbolic references, annotated tags; the mailmap in each of
# its forms and sources, against git shortlog.

load lib
load notes_lib

setup() {
	rel_setup
	R=$SCRATCH/r
	git init -q -b main "$R"
	commit_at "$R" 0 -m "chore: start"
	git -C "$R" tag -a -m "the start" start
	for i in 1 2 3 4 5; do
		commit_at "$R" "$i" -m "feat: step $i" -m "Refs #$i"
	done
	git -C "$R" tag -a -m "five" v5
}

teardown() {
	rel_teardown
}

# ids DIR RANGE [ARGS]: the ids rel-notes lists, one a line, sorted.
ids() {
	local dir=$1 range=$2

	shift 2
	rel-notes --repo "$dir" --merges --range "$range" --format json "$@" |
	    jq -r '.groups[].commits[].id' | sort
}

@test "a work tree, a subdirectory, the .git directory, a bare clone" {
	local want

	want=$(git -C "$R" rev-list start..v5 | sort)
	[ "$(ids "$R" start..v5)" = "$want" ]
	mkdir -p "$R/a/b"
	[ "$(ids "$R/a/b" start..v5)" = "$want" ]
	[ "$(ids "$R/.git" start..v5)" = "$want" ]
	git clone -q --bare "$R" "$SCRATCH/bare.git"
	[ "$(ids "$SCRATCH/bare.git" start..v5)" = "$want" ]
	# The repository shown is the work tree, or the bare one.
	run --separate-stderr rel-notes --repo "$R/a/b" --range start..v5 \
	    --format json
	json_is .repo "$R"
	run --separate-stderr rel-notes --repo "$SCRATCH/bare.git" \
	    --range start..v5 --format json
	json_is .repo "$SCRATCH/bare.git"
	# Not a repository, up to the root.
	mkdir "$SCRATCH/plain"
	run --separate-stderr rel-notes --repo "$SCRATCH/plain" --range a..b
	assert_status 3
	assert_contains "$stderr" "$SCRATCH/plain: not a git repository"
}

@test "a linked worktree: its own HEAD, the common objects and refs" {
	git -C "$R" worktree add -q "$SCRATCH/wt" -b side start
	commit_at "$SCRATCH/wt" 9 -m "fix: on the side"
	run --separate-stderr rel-notes --repo "$SCRATCH/wt" --range start.. \
	    --format json
	assert_status 0
	json_is .commit_count 1
	json_is '.groups[0].commits[0].description' "on the side"
	json_is .repo "$SCRATCH/wt"
	# main's HEAD is not the worktree's.
	run --separate-stderr rel-notes --repo "$R" --range start.. \
	    --format json
	json_is .commit_count 5
	[ "$(ids "$SCRATCH/wt" main..side)" = \
	    "$(git -C "$R" rev-parse side)" ]
}

@test "alternates, loose objects, deltas, packed and symbolic refs" {
	local want

	want=$(git -C "$R" rev-list start..v5 | sort)
	# Loose objects (nothing packed yet).
	[ -z "$(ls "$R/.git/objects/pack")" ]
	[ "$(ids "$R" start..v5)" = "$want" ]
	# Packed, with commits stored as deltas of each other.
	git -C "$R" repack -adfq --depth=50 --window=250
	git -C "$R" pack-refs --all
	[ ! -e "$R/.git/refs/tags/v5" ]
	[ "$(ids "$R" start..v5)" = "$want" ]
	[ "$(ids "$R" refs/tags/start..main)" = "$want" ]
	# A symbolic reference.
	git -C "$R" symbolic-ref refs/heads/alias refs/heads/main
	[ "$(ids "$R" start..alias)" = "$want" ]
	# A clone that borrows its objects.
	git clone -q --shared "$R" "$SCRATCH/shared"
	[ -s "$SCRATCH/shared/.git/objects/info/alternates" ]
	commit_at "$SCRATCH/shared" 7 -m "docs: local"
	[ "$(ids "$SCRATCH/shared" origin/main..main)" = \
	    "$(git -C "$SCRATCH/shared" rev-parse main)" ]
	[ "$(ids "$SCRATCH/shared" start..origin/main)" = "$want" ]
	# An object missing from the range is an error naming it.
	rm -f "$SCRATCH/shared/.git/objects/info/alternates"
	run --separate-stderr rel-notes --repo "$SCRATCH/shared" \
	    --range start..main
	assert_status 3
	assert_contains "$stderr" "not found"
}

@test "revisions: full ids, names, tags peeled, and what only git knows" {
	local head

	head=$(git -C "$R" rev-parse HEAD)
	cd "$R"
	run --separate-stderr rel-notes --range "start..$head" --format json
	json_is .head "$head"
	json_is .base.rev "$(git rev-parse start^{commit})"
	run --separate-stderr rel-notes --range "v5~2..v5^" --format json
	assert_status 0
	json_is .commit_count 1
	run --separate-stderr rel-notes --range "HEAD@{0}~1..HEAD" --format json
	assert_status 0
	json_is .commit_count 1
	# A tree is not a commit; an unknown name is not found.
	run --separate-stderr rel-notes --range "start..$(git rev-parse HEAD^{tree})"
	assert_status 2
	run --separate-stderr rel-notes --range start..nope
	assert_status 3
	assert_contains "$stderr" "range 'start..nope' not found in . ("
	run --separate-stderr rel-notes --range "start..$(printf '%040d' 0)"
	assert_status 3
}

@test "the mailmap in every form, from every source, as git shortlog counts" {
	local r=$SCRATCH/mm

	git init -q -b main "$r"
	commit_at "$r" 0 -m "chore: start"
	git -C "$r" tag start
	AUTHOR="Ann" AUTHOR_EMAIL=ann@old commit_at "$r" 1 -m "fix: 1"
	AUTHOR="ann b" AUTHOR_EMAIL=ANN@OLD commit_at "$r" 2 -m "fix: 2"
	AUTHOR="Bob" AUTHOR_EMAIL=bob@x commit_at "$r" 3 -m "fix: 3"
	AUTHOR="Robert" AUTHOR_EMAIL=bob@x commit_at "$r" 4 -m "fix: 4"
	AUTHOR="Cy" AUTHOR_EMAIL=shared@x commit_at "$r" 5 -m "fix: 5"
	AUTHOR="Dee" AUTHOR_EMAIL=shared@x commit_at "$r" 6 -m "fix: 6"
	AUTHOR="Eve" AUTHOR_EMAIL=eve@x commit_at "$r" 7 -m "fix: 7"
	cat >"$r/.mailmap" <<'EOF'
# comments and blank lines are skipped

Ann Dev <ann@old>
<bob@new> <bob@x>
Bob Builder <bob@new> Robert <BOB@X>
Cy Shared <cy@x> Cy <shared@x>
Dee Shared <dee@x> dee <shared@x>
not a mapping line
EOF
	# Names and counts as git shortlog -sn gives them, each commit's
	# author as git log --use-mailmap shows it; one address for each
	# person, the one used most (ANN@OLD and ann@old are one each: the
	# newest).
	[ "$(rel-notes --repo "$r" --range start..main --format json |
	    jq -r '.contributors[] | "\(.commits)\t\(.name)"' | sort)" = \
	    "$(git -C "$r" shortlog -sn start..main |
	    awk -F'\t' '{ print $1 + 0 "\t" $2 }' | sort)" ]
	[ "$(rel-notes --repo "$r" --range start..main --format json |
	    jq -r '.groups[].commits[] | "\(.id) \(.author)"')" = \
	    "$(git -C "$r" log --use-mailmap --format='%H %aN' start..main)" ]
	run --separate-stderr rel-notes --repo "$r" --range start..main \
	    --format json
	json_is '[.contributors[] | "\(.name) <\(.email)>=\(.commits)"] | join(" ")' \
	    "Ann Dev <ANN@OLD>=2 Bob <bob@new>=1 Bob Builder <bob@new>=1 Cy Shared <cy@x>=1 Dee Shared <dee@x>=1 Eve <eve@x>=1"
	# mailmap.file adds to it and wins; a relative one is the work
	# tree's.
	printf 'Eve Later <eve@later> <eve@x>\n' >"$r/extra.map"
	git -C "$r" config mailmap.file extra.map
	[ "$(rel-notes --repo "$r" --range start..main --format json |
	    jq -r '.contributors[] | select(.name == "Eve Later") | .email')" = \
	    eve@later ]
	git -C "$r" config --unset mailmap.file
	# A bare repository reads HEAD:.mailmap; mailmap.blob names another.
	git -C "$r" add .mailmap
	commit_at "$r" 8 -m "chore: the mailmap"
	git clone -q --bare "$r" "$SCRATCH/mm.git"
	run --separate-stderr rel-notes --repo "$SCRATCH/mm.git" \
	    --range start..main~1 --format json
	json_is '[.contributors[].name] | sort | join(",")' \
	    "Ann Dev,Bob,Bob Builder,Cy Shared,Dee Shared,Eve"
	git -C "$SCRATCH/mm.git" config mailmap.blob main:nowhere
	run --separate-stderr rel-notes --repo "$SCRATCH/mm.git" \
	    --range start..main~1 --format json
	json_is '.contributors | length' 7
}

@test "config: core.commitGraph, includes, and a SHA-256 repository" {
	git -C "$R" commit-graph write --reachable
	run --separate-stderr rel-notes --repo "$R" --range start..v5 \
	    --format json
	json_is .walk.commit_graph true
	# Turned off in a file the repository's config includes.
	printf '[core]\n\tcommitGraph = false ; a comment\n' >"$SCRATCH/inc"
	git -C "$R" config include.path "$SCRATCH/inc"
	run --separate-stderr rel-notes --repo "$R" --range start..v5 \
	    --format json
	json_is .walk.commit_graph false
	# In the global config, under HOME.
	git -C "$R" config --unset include.path
	printf '[Core]\n  CommitGraph\n' >"$HOME/.gitconfig"
	run --separate-stderr rel-notes --repo "$R" --range start..v5 \
	    --format json
	json_is .walk.commit_graph true
	printf '[core "x"]\n[core]\n  commitgraph = no\n' >"$HOME/.gitconfig"
	run --separate-stderr rel-notes --repo "$R" --range start..v5 \
	    --format json
	json_is .walk.commit_graph false
	git init -q --object-format=sha256 "$SCRATCH/s256" 2>/dev/null ||
	    skip "git cannot make SHA-256 repositories"
	run --separate-stderr rel-notes --repo "$SCRATCH/s256" --range HEAD
	assert_status 2
	assert_contains "$stderr" "a SHA-256 repository cannot be read"
}
