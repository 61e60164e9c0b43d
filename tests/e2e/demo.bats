#!/usr/bin/env bats
# demo.bats - the README's first command: `make demo` runs share/demo.sh
# on the default state directory.  Here it runs as make runs it, from the
# top of the tree, with HOME in the scratch directory, so that the default
# state directory is ~/.local/state/rel; then the store it leaves is
# checked, and a second run goes on in the same store.

load lib

# The demo keeps its "servers" and its git history in a directory of
# its own under TMPDIR, and takes it away when it ends: the steps are
# told where it is (DEMO_CLUSTER), so nothing is left in TMPDIR.
demo() {
	mkdir -p "$SCRATCH/tmp"
	(cd "$REL_TOP" && unset REL_STATE_DIR &&
	    TMPDIR=$SCRATCH/tmp sh share/demo.sh) &&
	    [ -z "$(ls -A "$SCRATCH/tmp")" ]
}

@test "the demo runs on the default state directory and leaves a sound store" {
	local state=$HOME/.local/state/rel

	run --separate-stderr demo
	assert_status 0
	assert_contains "$output" "rel demo: state directory $state"
	assert_contains "$output" "rel demo: done."
	# Each step it shows ran: the gate, the notes, the rollback, the
	# follow of the hotfix's prod.
	assert_contains "$output" "## Breaking changes"
	assert_contains "$output" "==> shop-4 prod/change-record (attempt 1) <=="
	[ ! -e "$REL_STATE_DIR" ]
	export REL_STATE_DIR=$state
	# shop-3 waits at the prod gate; the others went all the way.
	run rel-status shop
	assert_status 0
	[ "$(cut -f1,3 <<<"$output" | tr '\t\n' ': ')" = \
	    "shop-4:succeeded shop-3:suspended shop-2:succeeded shop-1:succeeded " ]
	run --separate-stderr rel-status --check
	assert_status 0
	[ -z "$stderr" ]
	# Again, in the same store: new releases, nothing refused.
	unset REL_STATE_DIR
	run --separate-stderr demo
	assert_status 0
	assert_contains "$output" "rel demo: done."
	[ "$(REL_STATE_DIR=$state rel-status shop | wc -l)" -eq 8 ]
}
