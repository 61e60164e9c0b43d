# notes_lib.bash - what the rel-notes tests share: a generated repository
# whose history has one of everything the notes know about, and a flow
# whose steps all succeed.  Load after lib (`load lib`, `load notes_lib`).
#
# The history of notes_repo DIR, oldest first (dates one minute apart, so
# that the order is fixed):
#
#   v0    chore: initial commit                      Ann
#         feat(api): add pagination (#12)            Ann  body: Closes GH-7
#         fix(ui): crash on empty cart               Bob  Fixes: ABC-123
#         feat(api)!: drop the v1 endpoints          Ann  BREAKING CHANGE:
#         refactor: split the storage                Bob  BREAKING CHANGE: (footer only)
#         docs: explain references    (on topic)     Cy   Resolves octo/web#5
#         perf(db): faster queries                   Zoë Ünicode
#         Merge branch 'topic'                       Ann  (a merge)
#         Ünïcödé README ✓ update                    Zoë Ünicode (not conventional)
#   v1    (no subject: the message starts with an empty line, "see #99")
#
# so that v0..v1 has 9 commits, one of them a merge.

# commit_at DIR N [git commit args...]: a commit dated N minutes after the
# start, by $AUTHOR (default Ann).
commit_at() {
	local dir=$1 n=$2 when

	shift 2
	when="@$((1700000000 + n * 60)) +0000"
	GIT_AUTHOR_DATE=$when GIT_COMMITTER_DATE=$when \
	    GIT_AUTHOR_NAME=${AUTHOR:-Ann} \
	    GIT_AUTHOR_EMAIL=${AUTHOR_EMAIL:-ann@example.org} \
	    git -C "$dir" commit -q --allow-empty "$@"
}

notes_repo() {
	local dir=$1 when id

	git init -q -b main "$dir" &&
	commit_at "$dir" 0 -m "chore: initial commit" &&
	git -C "$dir" tag v0 &&
	commit_at "$dir" 1 -m "feat(api): add pagination (#12)" \
	    -m "Pages of 50 by default. Closes GH-7." &&
	AUTHOR=Bob AUTHOR_EMAIL=bob@example.org commit_at "$dir" 2 \
	    -m "fix(ui): crash on empty cart" -m "Fixes: ABC-123" &&
	commit_at "$dir" 3 -m "feat(api)!: drop the v1 endpoints" \
	    -m "BREAKING CHANGE: clients must call /v2." &&
	AUTHOR=Bob AUTHOR_EMAIL=bob@example.org commit_at "$dir" 4 \
	    -m "refactor: split the storage" \
	    -m "BREAKING CHANGE: the config file moved to /etc/web." &&
	git -C "$dir" checkout -q -b topic &&
	AUTHOR=Cy AUTHOR_EMAIL=cy@example.org commit_at "$dir" 5 \
	    -m "docs: explain references" -m "Resolves octo/web#5" &&
	git -C "$dir" checkout -q main &&
	AUTHOR="Zoë Ünicode" AUTHOR_EMAIL=zoe@example.org commit_at "$dir" 6 \
	    -m "perf(db): faster queries" &&
	when="@$((1700000000 + 7 * 60)) +0000" &&
	GIT_AUTHOR_DATE=$when GIT_COMMITTER_DATE=$when \
	    GIT_AUTHOR_NAME=Ann GIT_AUTHOR_EMAIL=ann@example.org \
	    git -C "$dir" merge -q --no-ff -m "Merge branch 'topic'" topic &&
	AUTHOR="Zoë Ünicode" AUTHOR_EMAIL=zoe@example.org commit_at "$dir" 8 \
	    -m "Ünïcödé README ✓ update" &&
	# No subject: git commit would clean the message up, commit-tree
	# keeps it as it is.
	printf '\nno subject here, see #99\n' >"$SCRATCH/nosubject.msg" &&
	when="@$((1700000000 + 9 * 60)) +0000" &&
	id=$(GIT_AUTHOR_DATE=$when GIT_COMMITTER_DATE=$when \
	    GIT_AUTHOR_NAME=Ann GIT_AUTHOR_EMAIL=ann@example.org \
	    git -C "$dir" commit-tree 'HEAD^{tree}' -p HEAD \
	    -F "$SCRATCH/nosubject.msg") &&
	git -C "$dir" update-ref refs/heads/main "$id" &&
	git -C "$dir" tag v1
}

# flow_notes: the product web, components api and ui, dev (auto) then
# prod (manual), every step `true`; ABC-N references are issues.
flow_notes() {
	write_flow "$REL_STATE_DIR/flows/web.yaml" <<'EOF'
components: [api, ui]
notes:
  issue_keys: [ABC]
environments:
  - name: dev
    action: "true"
  - name: prod
    trigger: manual
    action: "true"
EOF
}

# notes_setup: the repository at $REPO, the flow, and two releases:
# web-1 at v0 (api 1.0, ui 2.0) and web-2 at v1 (api 1.1, ui 2.0).
notes_setup() {
	REPO=$SCRATCH/src
	export REPO
	notes_repo "$REPO" &&
	flow_notes &&
	[ "$(rel-create web -a api=1.0 -a ui=2.0 --rev v0 --repo "$REPO" \
	    -m "first")" = web-1 ] &&
	[ "$(rel-create web -a api=1.1 -a ui=2.0 --rev v1 --repo "$REPO" \
	    -m "second")" = web-2 ]
}

# json_is FILTER WANT: jq -r FILTER on $output prints WANT.
json_is() {
	local got

	got=$(jq -r "$1" <<<"$output") || {
		echo "jq failed on: $output" >&2
		return 1
	}
	if [ "$got" != "$2" ]; then
		printf 'jq %s: got\n%s\nwant\n%s\n' "$1" "$got" "$2" >&2
		return 1
	fi
}

# record_forget_repo ID: rewrite the rev line of release ID's record as a
# record without a repository has it ("-"), with its checksum, as records
# made before rel-create recorded the repository are.
record_forget_repo() {
	local product=${1%-*}

	perl -MCompress::Zlib -i -ne '
	    if (/^rev\t([^\t]*)\t/) {
		my $l = "rev\t$1\t-";
		printf "%s\t%08x\n", $l, crc32($l);
	    } else { print }' \
	    "$REL_STATE_DIR/products/$product/releases/$1"
}
