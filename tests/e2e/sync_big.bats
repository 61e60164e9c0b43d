#!/usr/bin/env bats
# A fresh machine joins a remote holding 10,000 releases of one product:
# it fetches one pack, writes the records out, rebuilds the index, and
# rel-status PRODUCT then reads as on the machine that made them.  (The
# clone's size against the records' is measured in make bench.)

load sync_lib

@test "rel-sync: a fresh clone of 10,000 releases, then rel-status from rebuilt derived files" {
	local a b url

	new_remote big
	url=$(remote_url path big)
	a=$(machine a) b=$(machine b)
	"$REL_TOP/build/bench/genstore" "$a" web 10000 >/dev/null
	run -0 rel-sync --state "$a" --remote "$url"
	assert_contains "$output" "web	published	1	10001	"
	run -0 rel-sync --state "$b" --remote "$url"
	assert_contains "$output" "web	fetched	1	10001	"
	# Derived files were rebuilt: the index knows every release.
	[ -s "$b/cache/web/index" ]
	[ "$(REL_STATE_DIR=$b rel-status web | wc -l)" = 10000 ]
	[ "$(REL_STATE_DIR=$b rel-status web)" = "$(REL_STATE_DIR=$a rel-status web)" ]
	[ "$(REL_STATE_DIR=$b rel-status web -n 5 --envs)" = "$(REL_STATE_DIR=$a rel-status web -n 5 --envs)" ]
	# The buckets: no tree lists more than 100 releases.
	[ "$(git --git-dir "$SCRATCH/srv/big.git" ls-tree rel/web:releases/0/42 | wc -l)" = 100 ]
	[ "$(git --git-dir "$SCRATCH/srv/big.git" ls-tree rel/web:releases | wc -l)" = 2 ]
}
