#!/usr/bin/env bats
# man.bats - every command has a manual page that mandoc finds clean, whose
# SYNOPSIS has exactly the options of the command's --help, and whose
# OPTIONS describe every option the command accepts, by each of its names.
#
# The commands are found, not listed: every bin/rel*.c that has been built
# into bin/, so a new command is checked as soon as it exists.  Options are
# read from three places:
#   --help      the usage lines (from "usage:" to the first empty line):
#               every -x and --long in them;
#   the page    the .Fl macros of the mdoc source, between `.Sh SYNOPSIS'
#               and the next .Sh (and on the .It lines of OPTIONS);
#   the table   the command's option table, as its hidden
#               --rel-completion-helper prints it: what the command really
#               accepts (the same table drives its parsing).

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
export LC_ALL=C

# The built commands, one per line.
commands() {
	local src
	for src in "$TOP"/bin/rel*.c; do
		[ -x "${src%.c}" ] && basename "${src%.c}"
	done
	return 0
}

# help_options CMD: the options of CMD's usage lines, sorted, one per line.
help_options() {
	"$TOP/bin/$1" --help |
	    awk '/^usage:/ { on = 1 } on && !NF { exit } on { print }' |
	    grep -oE -- '(^|[[:space:][|])--?[A-Za-z0-9][A-Za-z0-9-]*' |
	    sed 's/^[^-]*//' | sort -u
}

# page_options PAGE SECTION [it]: the options named by .Fl macros in
# SECTION of the mdoc source PAGE (with "it": on .It lines only), sorted.
# `.Fl -state' is --state, `.Fl a' is -a, `.Fl e | Fl s' is -e and -s.
page_options() {
	awk -v want="$2" -v itonly="${3:-}" '
	    /^\.Sh[ \t]/ { sub(/^\.Sh[ \t]+/, ""); on = ($0 == want); next }
	    !on || !/^\./ { next }
	    itonly && !/^\.It[ \t]/ { next }
	    {
		n = split($0, w, /[ \t]+/)
		for (i = 1; i <= n; i++) {
			if (w[i] != "Fl" && w[i] != ".Fl")
				continue
			for (j = i + 1; j <= n; j++) {
				if (w[j] ~ /^[A-Z][a-z][a-z]?$/ ||
				    w[j] !~ /^-?[A-Za-z0-9][A-Za-z0-9-]*$/)
					break
				print "-" w[j]
			}
		}
	    }' "$1" | sort -u
}

# table_options CMD: CMD's option table, one option per line: "--long -s",
# "--long" or "-s".
table_options() {
	local out
	out=$("$TOP/bin/$1" --rel-completion-helper) && [ -n "$out" ] || return 1
	awk -F '\t' '{
		l = $1 == "-" ? "" : $1; s = $2 == "-" ? "" : $2
		print l (l != "" && s != "" ? " " : "") s
	    }' <<<"$out"
}

# compare_synopsis CMD PAGE: silent if the SYNOPSIS of PAGE has exactly
# the options of CMD --help; else say which differ and fail.
compare_synopsis() {
	local help page missing extra
	help=$(help_options "$1")
	page=$(page_options "$2" SYNOPSIS)
	missing=$(comm -23 <(printf '%s\n' "$help") <(printf '%s\n' "$page") |
	    grep . | tr '\n' ' ')
	extra=$(comm -13 <(printf '%s\n' "$help") <(printf '%s\n' "$page") |
	    grep . | tr '\n' ' ')
	[ -z "$missing" ] || echo "$1: in --help, not in the SYNOPSIS of ${2##*/}: $missing"
	[ -z "$extra" ] || echo "$1: in the SYNOPSIS of ${2##*/}, not in --help: $extra"
	[ -z "$missing$extra" ]
}

# compare_options CMD PAGE: every option of CMD's table is in --help (by
# one of its names) and in the OPTIONS of PAGE (by all of them), and
# OPTIONS documents no option the command does not have.
compare_options() {
	local help documented table names n bad=0
	help=$(help_options "$1")
	documented=$(page_options "$2" OPTIONS it)
	table=$(table_options "$1") || {
		echo "$1: --rel-completion-helper does not list its options"
		return 1
	}
	while read -r names; do
		[ -n "$names" ] || continue
		local inhelp=0
		for n in $names; do
			grep -qxF -- "$n" <<<"$help" && inhelp=1
			grep -qxF -- "$n" <<<"$documented" || {
				echo "$1: option $n (${names// /, }) is not described in OPTIONS of ${2##*/}"
				bad=1
			}
		done
		[ "$inhelp" = 1 ] || {
			echo "$1: option ${names// / or } is missing from --help"
			bad=1
		}
	done <<<"$table"
	for n in $documented; do
		grep -qE -- "(^| )$n( |\$)" <<<"$table" || {
			echo "$1: OPTIONS of ${2##*/} describes $n, which $1 does not have"
			bad=1
		}
	done
	return $bad
}

setup() {
	command -v mandoc >/dev/null || {
		echo "mandoc is not installed (make deps installs it)" >&2
		return 1
	}
	CMDS=$(commands)
	[ -n "$CMDS" ] || skip "no command built in bin/: run make first"
}

@test "every command has a manual page" {
	local c missing=""
	for c in $CMDS; do
		[ -f "$TOP/man/$c.1" ] || missing="$missing man/$c.1"
	done
	[ -z "$missing" ] || { echo "no manual page:$missing"; false; }
}

@test "mandoc -T lint -W warning is silent on every manual page" {
	local page out bad=0
	for page in "$TOP"/man/*.[1-9]; do
		[ -f "$page" ] || continue
		out=$(mandoc -T lint -W warning "$page" 2>&1)
		[ -z "$out" ] || { echo "$out"; bad=1; }
	done
	[ "$bad" = 0 ]
}

@test "the SYNOPSIS of each page has exactly the options of --help" {
	local c bad=0
	for c in $CMDS; do
		[ -f "$TOP/man/$c.1" ] || continue # reported above
		compare_synopsis "$c" "$TOP/man/$c.1" || bad=1
	done
	[ "$bad" = 0 ]
}

@test "each option is in --help and described in OPTIONS by all its names" {
	local c bad=0
	for c in $CMDS; do
		[ -f "$TOP/man/$c.1" ] || continue # reported above
		compare_options "$c" "$TOP/man/$c.1" || bad=1
	done
	[ "$bad" = 0 ]
}

@test "the checks fail, naming the option, on a page that lacks or adds one" {
	local c page flag line tmp out
	for c in $CMDS; do
		[ -f "$TOP/man/$c.1" ] && break
	done
	page=$TOP/man/$c.1
	[ -f "$page" ] || skip "no command has a manual page yet"
	tmp=$BATS_TEST_TMPDIR/$c.1
	# The first option of the SYNOPSIS, and its line.
	line=$(awk '/^\.Sh SYNOPSIS/ { on = 1; next } /^\.Sh/ { on = 0 }
	    on && /^\.Op Fl / { print NR; exit }' "$page")
	[ -n "$line" ]
	flag=-$(sed -n "${line}p" "$page" | awk '{ print $3 }')

	sed "${line}d" "$page" >"$tmp"
	run compare_synopsis "$c" "$tmp"
	[ "$status" -ne 0 ]
	[[ "$output" == *"not in the SYNOPSIS"*"$flag"* ]]

	sed "${line}a\\
.Op Fl -no-such-option" "$page" >"$tmp"
	run compare_synopsis "$c" "$tmp"
	[ "$status" -ne 0 ]
	[[ "$output" == *"not in --help: --no-such-option"* ]]

	# OPTIONS without the first option described there.
	line=$(awk '/^\.Sh OPTIONS/ { on = 1; next } /^\.Sh/ { on = 0 }
	    on && /^\.It Fl / { print NR; exit }' "$page")
	[ -n "$line" ]
	flag=-$(sed -n "${line}p" "$page" | awk '{ print $3 }')
	sed "${line}s/^\.It Fl [^ ]*/.It Ar gone/" "$page" >"$tmp"
	run compare_options "$c" "$tmp"
	[ "$status" -ne 0 ]
	[[ "$output" == *"option $flag"*"not described in OPTIONS"* ]]

	# And the pages as they are pass.
	compare_synopsis "$c" "$page"
	compare_options "$c" "$page"
}
