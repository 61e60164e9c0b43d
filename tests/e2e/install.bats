#!/usr/bin/env bats
# install.bats - `make install DESTDIR=... PREFIX=/usr` as a packager runs
# it: every file lands where it belongs, the installed commands work from
# there (not from this tree), and `make uninstall` with the same variables
# takes away all of it and nothing else.

load lib

setup() {
	rel_setup
	DEST=$SCRATCH/dest
	VERSION=$(sed -n 's/^VERSION = //p' "$REL_TOP/Makefile")
}

teardown() {
	rel_teardown
}

# make_dest TARGET: make TARGET from the top of the tree into $DEST.
make_dest() {
	make -C "$REL_TOP" --no-print-directory "$1" DESTDIR="$DEST" \
	    PREFIX=/usr >"$SCRATCH/make.out" 2>&1 || {
		cat "$SCRATCH/make.out" >&2
		return 1
	}
}

# commands: the commands this tree builds, one per line.
commands() {
	local c

	for c in "$REL_TOP"/bin/rel*.c; do
		c=${c##*/}
		echo "${c%.c}"
	done
}

# mode FILE: its permission bits, octal.
mode() {
	stat -c %a "$1"
}

@test "make install puts every file where it belongs" {
	local c f u=$DEST/usr

	make_dest install
	for c in $(commands); do
		[ -x "$u/bin/$c" ] || { echo "missing $u/bin/$c" >&2; false; }
		[ "$(mode "$u/bin/$c")" = 755 ]
	done
	for f in "$REL_TOP"/man/*.[157]; do
		f=${f##*/}
		[ -f "$u/share/man/man${f##*.}/$f" ] ||
		    { echo "missing man page $f" >&2; false; }
		[ "$(mode "$u/share/man/man${f##*.}/$f")" = 644 ]
	done
	# The demo flow names its steps where they are installed.
	for f in "$REL_TOP"/share/flows/*.yaml; do
		sed 's|share/demo/|/usr/share/rel/demo/|g' "$f" |
		    cmp - "$u/share/rel/flows/${f##*/}"
		[ "$(mode "$u/share/rel/flows/${f##*/}")" = 644 ]
	done
	for f in "$REL_TOP"/share/demo/*.sh; do
		cmp "$f" "$u/share/rel/demo/${f##*/}"
		[ "$(mode "$u/share/rel/demo/${f##*/}")" = 755 ]
	done
	# The notify commands, where the flows' notify: sections name them.
	[ -n "$(ls "$REL_TOP"/contrib/notify/*.sh)" ]
	for f in "$REL_TOP"/contrib/notify/*.sh; do
		cmp "$f" "$u/share/rel/notify/${f##*/}"
		[ "$(mode "$u/share/rel/notify/${f##*/}")" = 755 ]
	done
	# The systemd units run the commands from where they are installed.
	for f in "$REL_TOP"/contrib/systemd/*.service \
	    "$REL_TOP"/contrib/systemd/*.timer; do
		sed 's|/usr/local/bin/|/usr/bin/|g' "$f" |
		    cmp - "$u/lib/systemd/system/${f##*/}"
		[ "$(mode "$u/lib/systemd/system/${f##*/}")" = 644 ]
	done
	grep -q '^ExecStart=/usr/bin/rel-terminate --expired$' \
	    "$u/lib/systemd/system/rel-terminate-expired.service"
	! grep -rq /usr/local "$u/lib/systemd/system"
	cmp "$REL_TOP/contrib/completion/rel.bash" \
	    "$u/share/bash-completion/completions/rel"
	cmp "$REL_TOP/contrib/completion/_rel" \
	    "$u/share/zsh/site-functions/_rel"
	cmp "$REL_TOP/contrib/completion/rel.fish" \
	    "$u/share/fish/vendor_completions.d/rel.fish"
	# bash-completion and fish load a completion by command name.
	for c in $(commands); do
		[ "$c" != rel ] || continue
		[ "$(readlink "$u/share/bash-completion/completions/$c")" = rel ]
		[ "$(readlink "$u/share/fish/vendor_completions.d/$c.fish")" = \
		    rel.fish ]
	done
	# Nothing outside PREFIX.
	[ "$(ls -A "$DEST")" = usr ]
	# Installing again over it works.
	make_dest install
}

@test "the installed commands run from there" {
	local u=$DEST/usr

	make_dest install
	# Only the installed commands: not this tree's bin/.
	PATH=$u/bin:/usr/bin:/bin
	export REL_STATE_DIR=$SCRATCH/state
	run rel-status --version
	assert_status 0
	assert_output "rel-status $VERSION"
	[ "$(command -v rel-status)" = "$u/bin/rel-status" ]
	id=$(rel-create shop -f "$u/share/rel/flows/shop.yaml" -a api=1.0 \
	    -a ui=2.0 -m "from the installed rel")
	[ "$id" = shop-1 ]
	run rel-status --format tsv "$id"
	assert_status 0
	assert_contains "$output" "shop-1	shop	pending"
	run rel-status --format json "$id"
	[ "$(jq -r .message <<<"$output")" = "from the installed rel" ]
	# The umbrella finds its commands beside it.
	run rel --version
	assert_status 0
	assert_contains "$output" "$VERSION"
	run rel status --format tsv "$id"
	assert_status 0
	assert_contains "$output" "shop-1	shop	pending"
	# The installed completion loads by command name and works.
	run bash --norc -c '
		source "$1/share/bash-completion/completions/rel-promote" &&
		complete -p rel-promote &&
		COMP_WORDS=(rel-promote shop-1 "") COMP_CWORD=2 &&
		COMP_LINE="rel-promote shop-1 " COMP_POINT=19 &&
		_rel rel-promote "" shop-1 && echo "${COMPREPLY[*]}"' x "$u"
	assert_status 0
	assert_contains "$output" "complete -F _rel rel-promote"
	assert_contains "$output" "dev qa staging-eu staging-us prod"
	# The installed demo flow runs its installed steps, from anywhere
	# (installed without DESTDIR: the flow names where they run from).
	make -C "$REL_TOP" --no-print-directory install \
	    PREFIX="$SCRATCH/prefix" >"$SCRATCH/make.out" 2>&1 ||
	    { cat "$SCRATCH/make.out" >&2; return 1; }
	id=$(rel-create shop -f "$SCRATCH/prefix/share/rel/flows/shop.yaml" \
	    -a api=1.0 -a ui=2.0)
	mkdir "$SCRATCH/elsewhere"
	# The steps keep their "servers" where DEMO_CLUSTER says: it reaches
	# them (rel passes a step no REL_* variable but its own).
	(cd "$SCRATCH/elsewhere" && DEMO_CLUSTER=$SCRATCH/cluster \
	    TMPDIR=$SCRATCH/tmp rel-promote "$id" >/dev/null)
	[ "$(rel-status --format tsv "$id" | cut -f3)" = suspended ]
	[ "$(cat "$SCRATCH/cluster/staging-us/api")" = 1.0 ]
	[ ! -e "$SCRATCH/tmp" ]
}

@test "CPPFLAGS reach the compiler; -Werror is for make check, not for make" {
	# A packager's make: not under make check (which passes WERROR on).
	local MAKEFLAGS= WERROR=
	run make -C "$REL_TOP" -n -B CPPFLAGS=-D_FORTIFY_SOURCE=2 \
	    CFLAGS='-O2 -g' build/lib/buf.o bin/rel-status
	assert_status 0
	assert_contains "$output" "-D_FORTIFY_SOURCE=2 -O2 -g"
	assert_not_contains "$output" "-Werror"
	# make check builds with it (-n: the tests are not run).
	run make -C "$REL_TOP" -n -B check
	assert_status 0
	assert_contains "$output" "-Werror"
}

@test "make uninstall removes all it installed and nothing else" {
	local left

	# What others installed in the same tree stays.
	mkdir -p "$DEST/usr/bin" "$DEST/usr/share/man/man1" \
	    "$DEST/usr/share/bash-completion/completions"
	echo other >"$DEST/usr/bin/other"
	echo other >"$DEST/usr/share/man/man1/other.1"
	echo other >"$DEST/usr/share/bash-completion/completions/other"
	make_dest install
	make_dest uninstall
	left=$(cd "$DEST" && find . ! -type d | LC_ALL=C sort)
	[ "$left" = "$(printf '%s\n' ./usr/bin/other \
	    ./usr/share/bash-completion/completions/other \
	    ./usr/share/man/man1/other.1)" ] || {
		printf 'left after uninstall:\n%s\n' "$left" >&2
		false
	}
	# rel's own directories went with their files.
	[ ! -e "$DEST/usr/share/rel" ]
	# Uninstalling what is not there is no error.
	make_dest uninstall
}

@test "make uninstall keeps a file someone added to share/rel" {
	make_dest install
	echo mine >"$DEST/usr/share/rel/flows/mine.yaml"
	make_dest uninstall
	[ "$(cd "$DEST" && find . ! -type d)" = ./usr/share/rel/flows/mine.yaml ]
}
