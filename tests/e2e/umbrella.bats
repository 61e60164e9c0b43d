#!/usr/bin/env bats
# rel, the umbrella, as a git user expects it: `rel` alone lists the
# commands, `rel status ...` is rel-status with the same arguments, input,
# output and exit status, `rel help status` shows the page, and the
# commands are found next to rel first, then on PATH.

load lib

# The version the tree was built with, as the commands say it.
version() {
	"$REL_BIN/rel-status" --version | cut -d' ' -f2
}

LISTING="usage: rel COMMAND [ARGS...]
       rel help [COMMAND]
       rel -h | --version

commands:
   create     make a release of a product and print its id
   promote    run a release's flow, or promote it into environments
   status     what is where: releases, environments, steps, history
   log        print the logs of a release's steps in an environment
   notes      release notes from git history
   redeploy   deploy a release into an environment again (rollback)
   terminate  stop releases; --expired for those past their timeout
   freeze     stop promotions into environments; --lift lets them go
   revparse   resolve a git revision as rel-create --rev does
   sync       share the store with other machines through a git remote

'rel help COMMAND' shows its manual; 'rel help' the overview, rel(7)."

# web-1 succeeded, web-2 failed in qa, web-3 pending.
releases() {
	write_flow "$REL_STATE_DIR/flows/web.yaml" <<'EOF'
environments:
  - name: dev
    action: "true"
  - name: qa
    action: 'test ! -e "$SCRATCH/fail"'
EOF
	rel-create web -a web=1 -m first >/dev/null
	rel-promote web-1 >/dev/null
	touch "$SCRATCH/fail"
	rel-create web -a web=2 >/dev/null
	rel-promote web-2 >/dev/null 2>&1 || true
	rel-create web -a web=3 >/dev/null
}

# same ARGS...: `rel status ARGS` and `rel-status ARGS` print the same on
# stdout and on stderr and exit the same; standard input from $SCRATCH/in
# if it exists (else none).
same() {
	local in=/dev/null rc1=0 rc2=0

	[ ! -e "$SCRATCH/in" ] || in=$SCRATCH/in
	rel status "$@" <"$in" >"$SCRATCH/out1" 2>"$SCRATCH/err1" || rc1=$?
	rel-status "$@" <"$in" >"$SCRATCH/out2" 2>"$SCRATCH/err2" || rc2=$?
	if [ "$rc1" -ne "$rc2" ]; then
		echo "rel status $*: exit $rc1; rel-status: exit $rc2" >&2
		return 1
	fi
	diff -u "$SCRATCH/out2" "$SCRATCH/out1" >&2 || return 1
	diff -u "$SCRATCH/err2" "$SCRATCH/err1" >&2 || return 1
	SAME_RC=$rc1
}

# fake DIR NAME WHO: an executable DIR/NAME that says WHO it is, its
# arguments one per line in brackets, and its standard input; exit 7.
fake() {
	mkdir -p "$1"
	cat >"$1/$2" <<EOF
#!/bin/sh
echo "$3 \$0"
for a; do echo "[\$a]"; done
[ -t 0 ] || while IFS= read -r l; do echo "in: \$l"; done
exit 7
EOF
	chmod +x "$1/$2"
}

# --- listing, version, usage --------------------------------------------

@test "rel alone lists every command, one line each, and exits 0" {
	run --separate-stderr rel
	assert_status 0
	[ -z "$stderr" ]
	assert_output "$LISTING"
	# Every command of the tree is there, exactly once, and nothing else.
	for src in "$REL_TOP"/bin/rel-*.c; do
		cmd=${src##*/rel-}
		cmd=${cmd%.c}
		[ "$(grep -c "^   $cmd  *[a-z]" <<<"$output")" -eq 1 ] ||
		    { echo "rel does not list $cmd once" >&2; return 1; }
	done
	[ "$(grep -c '^   [a-z]' <<<"$output")" -eq "$(ls "$REL_TOP"/bin/rel-*.c | wc -l)" ]
	# -h and --help say the same.
	[ "$(rel -h)" = "$output" ]
	[ "$(rel --help)" = "$output" ]
}

@test "rel --version" {
	run --separate-stderr rel --version
	assert_status 0
	assert_output "rel $(version)"
	[ -z "$stderr" ]
	# It goes alone.
	run --separate-stderr rel --version status
	assert_status 2
	assert_output ""
	assert_contains "$stderr" "rel: --help and --version go alone"
	run --separate-stderr rel --bogus
	assert_status 2
	assert_output ""
	assert_contains "$stderr" "rel: unknown option '--bogus'"
}

@test "an unknown command: exit 2 and a message, nothing run" {
	run --separate-stderr rel frobnicate web
	assert_status 2
	assert_output ""
	[ "$stderr" = "rel: 'frobnicate' is not a rel command; 'rel' lists them" ]
	# Not a name at all: said so, with the usage.
	run --separate-stderr rel '../bin/rel-status'
	assert_status 2
	assert_output ""
	assert_contains "$stderr" "rel: unknown command '../bin/rel-status'"
	assert_contains "$stderr" "usage: rel COMMAND [ARGS...]"
	run --separate-stderr rel ''
	assert_status 2
	assert_output ""
}

# --- rel status is rel-status -----------------------------------------------

@test "rel status ... is rel-status ...: output, errors and exit status" {
	releases
	same
	[ "$SAME_RC" -eq 0 ]
	[ "$(wc -l <"$SCRATCH/out1")" -eq 3 ]
	same web
	same web-2
	same --envs web-1
	same -o json web
	same --live
	same --history web-1
	same --steps --status failed web
	same --format prom
	same --graph web-2
	same -n 1 --format=table web
	# Errors: usage, and a release that is not there, with the others.
	same --nonsense
	[ "$SAME_RC" -eq 2 ]
	assert_contains "$(cat "$SCRATCH/err1")" "rel-status: unknown option '--nonsense'"
	same web-9 web-1
	[ "$SAME_RC" -eq 3 ]
	[ "$(cut -f1 "$SCRATCH/out1")" = web-1 ]
	same --graph --format json web-1
	[ "$SAME_RC" -eq 2 ]
	same --version
	same --help
	# Arguments with blanks, and empty ones, reach it unchanged.
	same --env "no such" web
	[ "$SAME_RC" -eq 2 ]
	same "" web
}

@test "rel status reads standard input as rel-status does" {
	releases
	printf 'web-1\n' >"$SCRATCH/in"
	same
	[ "$(cut -f1 "$SCRATCH/out1")" = web-1 ]
	run bash -c "printf 'web-1\n' | rel status"
	assert_status 0
	assert_output "$(rel-status web-1)"
	[ "${#lines[@]}" -eq 1 ] && [ "$(cut -f1,3 <<<"$output")" = "web-1	succeeded" ]
	run bash -c "rel status --status failed | rel status --envs"
	assert_status 0
	[ "$output" = "$(rel-status --envs web-2)" ]
	# An empty pipe is no input: everything.
	: >"$SCRATCH/in"
	same
	[ "$(wc -l <"$SCRATCH/out1")" -eq 3 ]
}

@test "other commands too: rel create, rel promote pass the exit status on" {
	releases
	run --separate-stderr rel create web -a web=4
	assert_status 0
	assert_output web-4
	run --separate-stderr rel promote web-4
	assert_status 1
	assert_contains "$stderr" "rel-promote: web-4 failed"
	rm "$SCRATCH/fail"
	run --separate-stderr rel promote --retry web-4
	assert_status 0
	[ "$(rel status web-4 | cut -f3)" = succeeded ]
}

# --- rel help ------------------------------------------------------------------

need_man() {
	command -v man >/dev/null || command -v mandoc >/dev/null ||
	    skip "neither man nor mandoc is installed"
	export MANPAGER=cat PAGER=cat
}

# manual FILE: the page as man shows it here.
manual() {
	if command -v man >/dev/null; then
		man -l "$1"
	else
		mandoc -a "$1"
	fi
}

@test "rel help status shows the tree's rel-status(1); rel help, rel(7)" {
	need_man
	run --separate-stderr rel help status
	assert_status 0
	assert_contains "$output" "REL-STATUS(1)"
	assert_contains "$output" "rel-status [--state DIR] [-o tsv | json | table | prom | html]"
	[ "$output" = "$(manual "$REL_TOP/man/rel-status.1" 2>/dev/null)" ]
	run --separate-stderr rel help
	assert_status 0
	assert_contains "$output" "REL(7)"
	[ "$output" = "$(manual "$REL_TOP/man/rel.7" 2>/dev/null)" ]
	run --separate-stderr rel help promote
	assert_status 0
	assert_contains "$output" "REL-PROMOTE(1)"
}

@test "rel help: a page beside rel wins, in a build tree and in an install" {
	need_man
	# A build tree: bin/rel and man/rel-status.1.
	mkdir -p "$SCRATCH/tree/bin" "$SCRATCH/tree/man"
	cp "$REL_BIN/rel" "$SCRATCH/tree/bin/"
	printf '.Dd May 1, 2026\n.Dt REL-STATUS 1\n.Os\n.Sh NAME\n.Nm rel-status\n.Nd the page of the tree\n' \
	    >"$SCRATCH/tree/man/rel-status.1"
	run --separate-stderr "$SCRATCH/tree/bin/rel" help status
	assert_status 0
	assert_contains "$output" "the page of the tree"
	# An install: bin/rel and share/man/man1/rel-status.1.
	mkdir -p "$SCRATCH/inst/bin" "$SCRATCH/inst/share/man/man1"
	cp "$REL_BIN/rel" "$SCRATCH/inst/bin/"
	sed 's/of the tree/installed/' "$SCRATCH/tree/man/rel-status.1" \
	    >"$SCRATCH/inst/share/man/man1/rel-status.1"
	run --separate-stderr "$SCRATCH/inst/bin/rel" help status
	assert_status 0
	assert_contains "$output" "installed"
}

@test "rel help with a bad command, or too many" {
	need_man
	run --separate-stderr rel help '../etc'
	assert_status 2
	assert_output ""
	[ "$stderr" = "rel: no such command '../etc'" ]
	run --separate-stderr rel help status promote
	assert_status 2
	assert_output ""
	assert_contains "$stderr" "usage: rel COMMAND [ARGS...]"
	# A name with no page: man says so, and rel fails.
	run --separate-stderr env MANPATH="$SCRATCH/nothing" rel help nosuch
	[ "$status" -ne 0 ]
	assert_output ""
	assert_contains "$stderr" "rel-nosuch"
	# rel(1): "3 when no manual page can be shown".
	assert_status 3
}

# --- where commands are found --------------------------------------------------

@test "a copy of rel runs the rel-status beside it, with arguments and stdin" {
	mkdir -p "$SCRATCH/sib"
	cp "$REL_BIN/rel" "$SCRATCH/sib/rel"
	fake "$SCRATCH/sib" rel-status sibling
	run --separate-stderr "$SCRATCH/sib/rel" status "a b" "" --envs
	assert_status 7
	assert_output "$(printf '%s\n' "sibling $SCRATCH/sib/rel-status" "[a b]" "[]" "[--envs]")"
	[ -z "$stderr" ]
	# Standard input goes through.
	run bash -c "printf 'web-1\nweb-2\n' | '$SCRATCH/sib/rel' status"
	assert_status 7
	assert_output "$(printf '%s\n' "sibling $SCRATCH/sib/rel-status" "in: web-1" "in: web-2")"
	# Called by a relative path, from its own directory.
	cd "$SCRATCH/sib"
	run ./rel status x
	assert_status 7
	assert_contains "$output" "sibling"
	assert_contains "$output" "[x]"
}

@test "the sibling wins over PATH; PATH is used when there is none" {
	mkdir -p "$SCRATCH/sib"
	cp "$REL_BIN/rel" "$SCRATCH/sib/rel"
	fake "$SCRATCH/sib" rel-status sibling
	fake "$SCRATCH/other" rel-status "on-path"
	run env PATH="$SCRATCH/other" "$SCRATCH/sib/rel" status x
	assert_status 7
	assert_contains "$output" "sibling $SCRATCH/sib/rel-status"
	# Not executable beside rel: not a command; PATH's is run.
	chmod -x "$SCRATCH/sib/rel-status"
	run env PATH="$SCRATCH/other" "$SCRATCH/sib/rel" status x
	assert_status 7
	assert_contains "$output" "on-path"
	assert_contains "$output" "[x]"
	# None beside it: PATH's.
	rm "$SCRATCH/sib/rel-status"
	run env PATH="$SCRATCH/other" "$SCRATCH/sib/rel" status y
	assert_status 7
	assert_output "$(printf '%s\n' "on-path $SCRATCH/other/rel-status" "[y]")"
	# None anywhere: not a rel command.
	run --separate-stderr env PATH="$SCRATCH/nowhere" "$SCRATCH/sib/rel" status
	assert_status 2
	[ "$stderr" = "rel: 'status' is not a rel command; 'rel' lists them" ]
	# And a command only on PATH is run too, as git runs git-foo.
	fake "$SCRATCH/other" rel-extra extra
	run env PATH="$SCRATCH/other" "$SCRATCH/sib/rel" extra z
	assert_status 7
	assert_output "$(printf '%s\n' "extra $SCRATCH/other/rel-extra" "[z]")"
}

@test "rel through a symlink runs the commands beside the real rel" {
	mkdir -p "$SCRATCH/link"
	ln -s "$REL_BIN/rel" "$SCRATCH/link/rel"
	fake "$SCRATCH/link" rel-status "beside the link"
	run --separate-stderr "$SCRATCH/link/rel" status --version
	assert_status 0
	assert_output "rel-status $(version)"
}
