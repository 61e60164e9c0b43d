#!/usr/bin/env bats
# cmd.bats - what every command shares (bin/cmd.h): the option table that
# drives --help and the completion helper, --color, and one exit status
# for several items, rel(7).

load lib

# The built commands.
commands() {
	local c
	for c in "$REL_BIN"/rel "$REL_BIN"/rel-*; do
		[[ $c != *.* && -x $c ]] && echo "${c##*/}"
	done
	return 0
}

@test "--help lists every option of the table, with a line of help" {
	local c long n=0
	for c in $(commands); do
		[ "$c" != rel ] || continue
		run "$c" --help
		assert_status 0
		assert_contains "$output" "options:"
		for long in $("$c" --rel-completion-helper | cut -f1); do
			grep -qE -- "^  (-., |    )$long( |$)" <<<"$output" || {
				echo "$c --help does not list $long" >&2
				return 1
			}
			n=$((n + 1))
		done
		# The helper itself is hidden.
		assert_not_contains "$output" "completion-helper"
	done
	[ "$n" -gt 50 ]
}

@test "the completion helper: five fields a line, every option once" {
	local c
	for c in $(commands); do
		run "$c" --rel-completion-helper
		assert_status 0
		[ -n "$output" ]
		awk -F '\t' 'NF != 5 { print "bad line: " $0; bad = 1 }
		    $1 != "-" && seen[$1]++ { print "twice: " $1; bad = 1 }
		    END { exit bad }' <<<"$output"
		assert_contains "$output" $'--help\t'
		assert_contains "$output" $'--version\t-\t-\t-\t'
	done
}

@test "a value from a list is checked against the list" {
	run --separate-stderr rel-status --color=sometimes
	assert_status 2
	assert_contains "$stderr" "--color: unknown value 'sometimes' (auto, always or never)"
	run --separate-stderr rel-sync --format yaml
	assert_status 2
	assert_contains "$stderr" "--format: unknown format 'yaml' (tsv, table or json)"
}

# --- colour ---------------------------------------------------------------

@test "--color always colours into a pipe; never and NO_COLOR keep a terminal plain" {
	command -v script >/dev/null || skip "no script(1) to make a terminal"
	flow_simple web
	rel-create web -a web=1 >/dev/null
	run rel-status --format table --color=always
	assert_status 0
	assert_contains "$output" $'\e[1m'
	run rel-status --format table --color never
	assert_no_escapes "$output"
	run rel-status --format table
	assert_no_escapes "$output"
	# On a terminal: colour unless told not to.
	run script -qec "rel-status" /dev/null
	assert_contains "$output" $'\e[1m'
	run script -qec "rel-status --color=never" /dev/null
	assert_no_escapes "$output"
	run env NO_COLOR=1 script -qec "rel-status" /dev/null
	assert_no_escapes "$output"
	# always wins over NO_COLOR: it was asked for.
	run env NO_COLOR=1 rel-status --format table --color=always
	assert_contains "$output" $'\e[1m'
}

@test "rel-promote's live view: coloured on a terminal unless --color=never" {
	command -v script >/dev/null || skip "no script(1) to make a terminal"
	flow_simple web
	printf '#!/bin/sh\nexit 0\n' >deploy.sh
	chmod +x deploy.sh
	id=$(rel-create web -a web=1)
	run script -qec "rel-promote $id" /dev/null
	assert_status 0
	assert_contains "$output" $'\e[32msucceeded'
	id=$(rel-create web -a web=1)
	run script -qec "rel-promote --color=never $id" /dev/null
	assert_status 0
	assert_contains "$output" "succeeded"
	assert_not_contains "$output" $'\e[32m'
	# Into a pipe it prints event lines, which are never coloured.
	id=$(rel-create web -a web=1)
	run rel-promote --color=always "$id"
	assert_status 0
	assert_no_escapes "$output"
}

# --- one exit status for several items -------------------------------------

@test "several items: the most serious status, whatever their order" {
	flow_simple web
	id=$(rel-create web -a web=1)
	# rel-status: found (0), not found (3), bad input (2).
	run rel-status "$id" nosuch-1 'bad!'
	assert_status 2
	run rel-status 'bad!' nosuch-1 "$id"
	assert_status 2
	run rel-status nosuch-1 "$id"
	assert_status 3
	# rel-terminate, from standard input as from operands.
	run rel-terminate nosuch-1 web-x
	assert_status 2
	run rel-terminate web-x nosuch-1
	assert_status 2
	run rel-terminate <<<$'nosuch-1\nweb-9'
	assert_status 3
	# rel-freeze: every environment is checked and what is wrong with
	# each said; none is frozen unless all can be.
	run --separate-stderr rel-freeze -p web nosuch 'bad!' --reason x
	assert_status 2
	assert_contains "$stderr" "no environment 'nosuch' in the flow of web"
	assert_contains "$stderr" "bad!"
	run rel-freeze -p web 'bad!' nosuch --reason x
	assert_status 2
	run --separate-stderr rel-freeze -p web dev nosuch other --reason x
	assert_status 3
	assert_contains "$stderr" "'other'"
	[ -z "$(rel-status --frozen web)" ]
	run rel-freeze -p web dev --reason x
	assert_status 0
	[ "$(rel-status --frozen web | cut -f2)" = dev ]
}

@test "several items: a release that failed is more serious than one not there" {
	flow_simple web
	ok=$(rel-create web -a web=1)
	bad=$(rel-create web -a web=1)
	# The first release deploys, the second fails (no deploy.sh then).
	printf '#!/bin/sh\nexit 0\n' >deploy.sh
	chmod +x deploy.sh
	rel-promote "$ok" >/dev/null
	rm deploy.sh
	run rel-promote <<<"nosuch-1"$'\n'"$bad"
	assert_status 1
	run rel-promote --retry <<<"$bad"$'\n'"nosuch-1"
	assert_status 1
	# And it went on past the one that failed: both were tried.
	run --separate-stderr rel-promote --retry <<<"$bad"$'\n'"nosuch-1"
	assert_contains "$stderr" "no release 'nosuch-1'"
	assert_contains "$stderr" "$bad failed"
}

# --- the views: columns declared once ---------------------------------------

@test "each view: its table's header and its JSON keys name the same columns" {
	local view head keys
	flow_simple web
	printf '#!/bin/sh\nexit 0\n' >deploy.sh
	chmod +x deploy.sh
	id=$(rel-create web -a web=1)
	rel-promote "$id" >/dev/null
	rel-freeze -p web dev --reason "a view of its own" --until 1d
	for view in --envs --steps --history --live "--history --env dev" \
	    --frozen --check; do
		# shellcheck disable=SC2086
		head=$(rel-status $view --format table --color never web |
		    head -n 1 | tr -s ' ' '\n' | tr 'A-Z-' 'a-z_')
		# shellcheck disable=SC2086
		keys=$(rel-status $view --format json web | head -n 1 |
		    jq -r 'keys_unsorted[]')
		[ -n "$head" ] && [ "$head" = "$keys" ] || {
			echo "rel-status $view: table header vs JSON keys:" >&2
			diff <(echo "$head") <(echo "$keys") >&2
			return 1
		}
	done
}
