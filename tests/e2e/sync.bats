#!/usr/bin/env bats
# rel-sync: sharing a store through a git remote, over each transport
# (a path, file://, git:// from git daemon, ssh:// from sshd, both on
# 127.0.0.1), with the remote rewritten or out of reach.

load sync_lib

# A store with two releases of web, one promoted: a machine that has been
# used alone.
used_store() {
	local s=$1

	flow_in "$s" web &&
	REL_STATE_DIR=$s rel-create web -a web=1 -m one >/dev/null &&
	REL_STATE_DIR=$s rel-create web -a web=2 -m two >/dev/null &&
	REL_STATE_DIR=$s rel-promote web-1 >/dev/null
}

# join_and_publish TRANSPORT: machine a publishes its store, b joins,
# each change made on one is seen on the other after rel-sync.
join_and_publish() {
	local t=$1 url a b

	new_remote shared && start_transport "$t"
	url=$(remote_url "$t" shared)
	a=$(machine a) b=$(machine b)
	used_store "$a"

	# Publish an existing store: one commit with every file.
	run -0 rel-sync --state "$a" --remote "$url"
	[ "$output" = "web	published	1	5	$(git --git-dir "$SCRATCH/srv/shared.git" rev-parse rel/web)" ]
	grep -qx "remote = $url" "$a/config"

	# Join: fetch everything, write it out, rebuild the index.
	run -0 rel-sync --state "$b" --remote "$url"
	assert_contains "$output" "web	fetched	1	5	"
	[ "$(REL_STATE_DIR=$b rel-status web)" = "$(REL_STATE_DIR=$a rel-status web)" ]
	[ -s "$b/cache/web/index" ]
	diff -r "$a/products" "$b/products"

	# A change on b reaches a: b's command published it itself, one
	# commit per write, rel-sync on b has nothing left to do.
	flow_in "$b" web
	REL_STATE_DIR=$b rel-promote web-2 >/dev/null
	run -0 rel-sync --state "$b"
	assert_contains "$output" "web	unchanged	0	0	"
	run -0 rel-sync --state "$a"
	assert_contains "$output" "web	fetched	"
	[ "$(REL_STATE_DIR=$a rel-status web)" = "$(REL_STATE_DIR=$b rel-status web)" ]
	diff -r "$a/products" "$b/products"
	run -0 rel-sync --state "$a"
	assert_contains "$output" "web	unchanged	0	0	"

	# The remote's history reads as git history: the person, then rel;
	# the promotion's transitions, each its own commit.
	[ "$(git --git-dir "$SCRATCH/srv/shared.git" rev-list --count rel/web)" -ge 3 ]
	git --git-dir "$SCRATCH/srv/shared.git" log --format=%s rel/web |
	    grep -qx "web-2: dev pending -> running (and 1 more)"
	[ "$(git --git-dir "$SCRATCH/srv/shared.git" log -1 --format=%an/%cn rel/web)" = tester/rel ]
	git --git-dir "$SCRATCH/srv/shared.git" ls-tree -r --name-only rel/web >"$SCRATCH/tree"
	grep -qx 'releases/0/00/web-1' "$SCRATCH/tree"
	grep -qx 'envs/dev' "$SCRATCH/tree"
	grep -q '^logs/0/00/web-1/dev/action@web.1.log.gz$' "$SCRATCH/tree"
}

@test "rel-sync: publish a store and join it through a path" {
	join_and_publish path
}

@test "rel-sync: publish a store and join it through a file:// URL" {
	join_and_publish file
}

@test "rel-sync: publish a store and join it through git daemon (git://)" {
	join_and_publish git
}

@test "rel-sync: publish a store and join it through sshd (ssh://)" {
	join_and_publish ssh
}

@test "rel-sync: an unknown ssh host key, or no key the server takes, is refused" {
	local url

	new_remote shared && start_sshd
	url=$(remote_url ssh shared)
	# Another host's key under this host's name.
	ssh-keygen -q -t ed25519 -N '' -f "$SCRATCH/other"
	echo "[127.0.0.1]:$SSH_PORT $(cat "$SCRATCH/other.pub")" >"$HOME/.ssh/known_hosts"
	run -5 rel-sync --state "$(machine a)" --remote "$url"
	assert_contains "$output" "unreachable"
	[ ! -e "$(machine a)" ]

	# The right host key, but no key of ours that the server takes.
	cp "$SCRATCH/sshd/scan" "$HOME/.ssh/known_hosts"
	rm "$HOME/.ssh/id_ed25519" "$HOME/.ssh/id_ed25519.pub"
	run -5 rel-sync --state "$(machine a)" --remote "$url"
	assert_contains "$output" "no credential was accepted"
	[ ! -e "$(machine a)" ]
}

@test "rel-sync: an unreachable remote is exit 5 and writes nothing" {
	local port a

	port=$("$REL_HELPERS/freeport")
	a=$(machine a)
	run -5 rel-sync --state "$a" --remote "git://127.0.0.1:$port/none.git"
	assert_contains "$output" "rel-sync: remote git://127.0.0.1:$port/none.git unreachable"
	[ ! -e "$a" ]

	used_store "$a"
	before=$(snapshot "$a")
	run -5 rel-sync --state "$a" --remote "$SCRATCH/srv/none.git"
	assert_contains "$output" "unreachable"
	[ "$(snapshot "$a")" = "$before" ]
}

@test "rel-sync: without a remote it says how to join one" {
	used_store "$(machine a)"
	run -2 rel-sync --state "$(machine a)"
	assert_contains "$output" "has no remote: join one with rel-sync --remote URL"
}

# rewritten HOW: the remote's branch changed behind rel's back; machine a
# refuses it and keeps its copy.
rewritten() {
	local url a srv=$SCRATCH/srv/shared.git before

	new_remote shared
	url=$(remote_url path shared)
	a=$(machine a)
	used_store "$a"
	rel-sync --state "$a" --remote "$url" >/dev/null
	REL_STATE_DIR=$a rel-create web -a web=3 >/dev/null
	rel-sync --state "$a" >/dev/null
	case $1 in
	force-push)
		git --git-dir "$srv" push -q --force "$srv" rel/web~1:refs/heads/rel/web ;;
	deleted)
		git --git-dir "$srv" update-ref -d refs/heads/rel/web ;;
	unrelated)
		git init -q "$SCRATCH/other" &&
		git -C "$SCRATCH/other" commit -q --allow-empty -m other &&
		git -C "$SCRATCH/other" push -q --force "$srv" HEAD:refs/heads/rel/web ;;
	esac
	before=$(snapshot "$a")
	run -5 rel-sync --state "$a"
	case $1 in
	deleted) assert_contains "$output" "has no branch rel/web, which was at" ;;
	*) assert_contains "$output" "rel/web was rewritten behind rel's back" ;;
	esac
	assert_contains "$output" "refused, the local copy is kept"
	[ "$(snapshot "$a")" = "$before" ]
	[ "$(REL_STATE_DIR=$a rel-status web | wc -l)" = 3 ]
}

@test "rel-sync: a force-pushed remote branch is refused, nothing lost" {
	rewritten force-push
}

@test "rel-sync: a deleted remote branch is refused, nothing lost" {
	rewritten deleted
}

@test "rel-sync: an unrelated history on the remote is refused, nothing lost" {
	rewritten unrelated
}

@test "rel-sync: changes here and there since the last sync are refused" {
	local url a b

	new_remote shared
	url=$(remote_url path shared)
	a=$(machine a) b=$(machine b)
	used_store "$a"
	rel-sync --state "$a" --remote "$url" >/dev/null
	rel-sync --state "$b" --remote "$url" >/dev/null
	flow_in "$b" web
	# Each command publishes its own change: b's rel-create, second,
	# takes the next id.
	[ "$(REL_STATE_DIR=$a rel-create web -a web=3)" = web-3 ]
	[ "$(REL_STATE_DIR=$b rel-create web -a web=3)" = web-4 ]
	rel-sync --state "$a" >/dev/null
	[ "$(REL_STATE_DIR=$a rel-status web)" = "$(REL_STATE_DIR=$b rel-status web)" ]
	# A change made here by hand, not by a command, and one there.
	printf 'run\t2026-01-01T00:00:00.000Z\tweb-1\t1\tpromote\tme\t-\t\n' >"$b/products/web/envs/qa"
	REL_STATE_DIR=$a rel-create web -a web=5 >/dev/null
	before=$(snapshot "$b")
	run -5 rel-sync --state "$b"
	assert_contains "$output" "changed here (1 files) and on $url"
	[ "$(snapshot "$b")" = "$before" ]
}

@test "rel-sync: a product the remote has and this store has another history of is refused" {
	local url a b

	new_remote shared
	url=$(remote_url path shared)
	a=$(machine a) b=$(machine b)
	used_store "$a"
	used_store "$b"
	rel-sync --state "$a" --remote "$url" >/dev/null
	before=$(snapshot "$b")
	run -5 rel-sync --state "$b" --remote "$url"
	assert_contains "$output" "with another history"
}

@test "rel-sync: a crash after the branch moved is mended by the next sync" {
	local url a b

	new_remote shared
	url=$(remote_url path shared)
	a=$(machine a) b=$(machine b)
	used_store "$a"
	rel-sync --state "$a" --remote "$url" >/dev/null
	rel-sync --state "$b" --remote "$url" >/dev/null
	REL_STATE_DIR=$a rel-create web -a web=3 >/dev/null
	rel-sync --state "$a" >/dev/null
	# As if b died after moving its branch, before writing the files.
	git --git-dir "$b/git" fetch -q "$url" "+refs/heads/rel/web:refs/heads/rel/web"
	run -0 rel-sync --state "$b"
	assert_contains "$output" "web	mended	0	"
	diff -r "$a/products" "$b/products"
	[ "$(REL_STATE_DIR=$b rel-status web | wc -l)" = 3 ]
}

@test "rel-sync: --help is the usage; a bad option is exit 2" {
	run -0 rel-sync --help
	assert_contains "$output" "usage: rel-sync [--state DIR] [--remote URL] [--wait SECONDS]"
	run -2 rel-sync --bogus
	run -2 rel-sync --state "$(machine a)" --remote x --format xml
}
