#!/usr/bin/env bats
# completion.bats - shell completion as a person gets it at the prompt.
#
# bash is driven for real: contrib/completion/rel.bash is sourced in a
# fresh bash, COMP_WORDS/COMP_CWORD/COMP_LINE/COMP_POINT are set as
# readline sets them for a command line, the function that `complete -p`
# names is called, and COMPREPLY is what the person would be offered.
# zsh is driven at a real prompt on a pseudo-terminal
# (tests/helpers/zsh-complete), fish answers `complete -C`; both only when
# installed (make check installs them on Debian).

load lib

COMPLETION=$REL_TOP/contrib/completion

# complete_line LINE: what bash offers for LINE with the cursor at its end,
# one per line, in the order given (the commands sort only by request).
# Words are split as readline splits them: at blanks, with `=` a word of
# its own (it is in COMP_WORDBREAKS).
complete_line() {
	bash --norc --noprofile -c '
		source "$1" || exit 1
		line=$2
		words=()
		read -ra tokens <<<"$line"
		for t in "${tokens[@]}"; do
			while [[ $t == *=* ]]; do
				[[ -z ${t%%=*} ]] || words+=("${t%%=*}")
				words+=("=")
				t=${t#*=}
			done
			[[ -z $t ]] || words+=("$t")
		done
		[[ $line != *" " ]] || words+=("")
		COMP_WORDS=("${words[@]}")
		COMP_CWORD=$((${#words[@]} - 1))
		COMP_LINE=$line
		COMP_POINT=${#line}
		spec=$(complete -p "${words[0]}") || exit 1
		fn=${spec#*-F }
		fn=${fn%% *}
		cur=${words[COMP_CWORD]}
		[[ $cur != "=" ]] || cur=
		"$fn" "${words[0]}" "$cur" "${words[COMP_CWORD - 1]}" || exit 1
		[[ ${#COMPREPLY[@]} -eq 0 ]] || printf "%s\n" "${COMPREPLY[@]}"
	' complete_line "$COMPLETION/rel.bash" "$1"
}

# offers LINE: run complete_line into $output; fail if bash failed.
offers() {
	run complete_line "$1"
	assert_status 0
}

# sorted LINES...: the words of the arguments, one per line, sorted.
sorted() {
	printf '%s\n' $* | LC_ALL=C sort
}

# opts_table CMD: the options of CMD's table, as its hidden
# --rel-completion-helper prints them, as "--long" and "-s" lines.
opts_table() {
	"$REL_BIN/$1" --rel-completion-helper | cut -f1,2 | tr '\t' '\n' |
	    grep -v '^-$' | LC_ALL=C sort
}

# valopts_table CMD: the same, only the options that take a value.
valopts_table() {
	"$REL_BIN/$1" --rel-completion-helper | awk -F '\t' '$3 != "-"' |
	    cut -f1,2 | tr '\t' '\n' | grep -v '^-$' | LC_ALL=C sort
}

@test "every command in bin/ is registered for completion" {
	local c cmds=0

	for c in "$REL_BIN"/rel "$REL_BIN"/rel-*; do
		[[ $c != *.c && -x $c ]] || continue
		c=${c##*/}
		cmds=$((cmds + 1))
		run bash --norc -c 'source "$1" && complete -p "$2"' x \
		    "$COMPLETION/rel.bash" "$c"
		assert_status 0
		assert_contains "$output" "-F _rel $c"
	done
	[ "$cmds" -ge 8 ]
}

@test "options offered are exactly each command's option table" {
	local src c want

	for src in "$REL_TOP"/bin/rel-*.c; do
		c=$(basename "$src" .c)
		want=$(opts_table "$c")
		[ -n "$want" ] || { echo "no opts[] table read in $src" >&2; false; }
		offers "$c -"
		if [ "$(sorted "$output")" != "$want" ]; then
			echo "$c: completion offers (left) vs its table (right):" >&2
			diff <(sorted "$output") <(echo "$want") >&2
			false
		fi
		# -- alone: only the long forms.
		offers "$c --"
		[ "$(sorted "$output")" = "$(grep -e '^--' <<<"$want")" ]
	done
}

@test "long options complete from a prefix" {
	offers "rel-status --hi"
	assert_output "--history"
	offers "rel-create --ho"
	assert_output "--hotfix"
	offers "rel-redeploy --re"
	assert_output "$(printf '%s\n' --reason --restore)"
}

@test "--format values, each command its own, in every spelling" {
	offers "rel-status --format "
	assert_output "$(printf '%s\n' tsv json table prom html)"
	offers "rel-status -o j"
	assert_output "json"
	offers "rel-status --format=t"
	assert_output "$(printf '%s\n' tsv table)"
	offers "rel-status --format="
	assert_output "$(printf '%s\n' tsv json table prom html)"
	offers "rel-notes --format "
	assert_output "$(printf '%s\n' md text json)"
}

@test "--status values, a comma-separated list" {
	offers "rel-status --status "
	assert_output "$(printf '%s\n' pending running suspended succeeded \
	    failed error terminating terminated skipped)"
	offers "rel-status --status=fa"
	assert_output "failed"
	offers "rel-status --status failed,ter"
	assert_output "$(printf '%s\n' failed,terminating failed,terminated)"
	# A status already in the list is not offered again.
	offers "rel-status --status failed,f"
	assert_output ""
}

@test "products: rel-create also offers flows without a release yet" {
	flow_web
	flow_simple api
	rel-create web -a api=1 -a ui=1 >/dev/null
	offers "rel-create "
	assert_output "$(printf '%s\n' web api)"
	offers "rel-create w"
	assert_output "web"
	offers "rel-status w"
	assert_output "$(printf '%s\n' web web-1)"
	# An empty or missing store offers nothing, and is no error.
	REL_STATE_DIR=$SCRATCH/none offers "rel-status "
	assert_output ""
}

# web_and_api: eleven releases of web (web-1..web-11), one of api.
web_and_api() {
	local i

	flow_web
	flow_simple api
	for i in $(seq 11); do
		rel-create web -a api=$i -a ui=$i >/dev/null
	done
	rel-create api -a api=1 >/dev/null
}

@test "release ids newest first, by number" {
	web_and_api
	offers "rel-promote web-1"
	assert_output "$(printf '%s\n' web-11 web-10 web-1)"
	offers "rel-promote "
	[ "$(echo "$output" | head -n 3)" = "$(printf '%s\n' web-11 web-10 web-9)" ]
	assert_contains "$output" "api-1"
	[ "$(echo "$output" | wc -l)" -eq 12 ]
	offers "rel-log web-"
	[ "$(echo "$output" | head -n 1)" = web-11 ]
	# rel-status: products first, then ids; nothing twice.
	offers "rel-status web web-11 "
	assert_contains "$output" "api"
	assert_not_contains "$output" "web-11"
}

@test "environments and steps come from the release's record" {
	flow_web
	flow_simple other stage live
	id=$(rel-create web -a api=1 -a ui=1)
	rel-create other -a other=1 >/dev/null
	offers "rel-promote $id "
	assert_output "$(printf '%s\n' dev qa prod)"
	offers "rel-promote $id dev "
	assert_output "$(printf '%s\n' qa prod)"
	offers "rel-promote $id p"
	assert_output "prod"
	offers "rel-redeploy $id "
	assert_output "$(printf '%s\n' dev qa prod)"
	offers "rel-redeploy $id dev "
	assert_output ""
	offers "rel-log $id "
	assert_output "$(printf '%s\n' dev qa prod)"
	offers "rel-log $id dev "
	assert_output "$(printf '%s\n' lint action verify notify)"
	offers "rel-log $id prod "
	assert_output "action"
	offers "rel-log --attempt 2 $id dev v"
	assert_output "verify"
	offers "rel-notes --env q"
	assert_output "qa"
	offers "rel-status other-1 --env "
	assert_output "$(printf '%s\n' stage live)"
	# After --retry, rel-promote takes no environment.
	offers "rel-promote --retry $id "
	assert_output ""
}

@test "rel-freeze: environments, -p products, --hotfix allow or deny" {
	flow_web
	rel-create web -a api=1 -a ui=1 >/dev/null
	offers "rel-freeze -p "
	assert_output "web"
	offers "rel-freeze --hotfix "
	assert_output "$(printf '%s\n' allow deny)"
	offers "rel-freeze -p web --reason INC-1 "
	assert_output "$(printf '%s\n' dev qa prod)"
	offers "rel-freeze -p web --lift prod "
	assert_output "$(printf '%s\n' dev qa)"
}

@test "environments without a release: envs/ files and newest records" {
	flow_web
	flow_simple other stage live
	rel-create web -a api=1 -a ui=1 >/dev/null
	rel-create other -a other=1 >/dev/null
	mkdir -p "$REL_STATE_DIR/products/web/envs"
	: >"$REL_STATE_DIR/products/web/envs/legacy"
	offers "rel-status --env "
	assert_output "$(printf '%s\n' legacy stage live dev qa prod)"
	# A release that is not there: the same.
	offers "rel-promote web-9 "
	assert_contains "$output" "legacy"
}

@test "--state on the line wins over REL_STATE_DIR, in every spelling" {
	flow_web
	rel-create web -a api=1 -a ui=1 >/dev/null
	mv "$REL_STATE_DIR" "$SCRATCH/elsewhere"
	mkdir -p "$REL_STATE_DIR"
	offers "rel-status "
	assert_output ""
	offers "rel-status --state $SCRATCH/elsewhere "
	assert_output "$(printf '%s\n' web web-1)"
	offers "rel-promote --state=$SCRATCH/elsewhere web-1 "
	assert_output "$(printf '%s\n' dev qa prod)"
	mv "$SCRATCH/elsewhere" "$HOME/st"
	offers "rel-log --state ~/st web-1 "
	assert_output "$(printf '%s\n' dev qa prod)"
	# Neither: XDG_STATE_HOME, else ~/.local/state.
	mkdir -p "$HOME/.local/state"
	mv "$HOME/st" "$HOME/.local/state/rel"
	unset REL_STATE_DIR
	offers "rel-status "
	assert_output "$(printf '%s\n' web web-1)"
	mv "$HOME/.local/state" "$SCRATCH/xdg"
	XDG_STATE_HOME=$SCRATCH/xdg offers "rel-status "
	assert_output "$(printf '%s\n' web web-1)"
	# --state's own value is a directory.
	offers "rel-status --state $SCRATCH/xd"
	assert_output "$SCRATCH/xdg"
}

@test "rel-create -a offers the flow's components with =" {
	flow_web
	offers "rel-create web -a "
	assert_output "$(printf '%s\n' api= ui=)"
	offers "rel-create web -a api=1 --artifact u"
	assert_output "ui="
	offers "rel-create web --artifact="
	assert_output "$(printf '%s\n' api= ui=)"
	# Versions are not guessed.
	offers "rel-create web -a api="
	assert_output ""
	# A block list, and -f FILE instead of the product's flow.
	write_flow "$SCRATCH/other.yaml" <<'EOF'
# a flow
components:
  - "db"   # the database
  - cache
environments:
  - name: dev
    action: ./deploy.sh
EOF
	offers "rel-create web -f $SCRATCH/other.yaml -a "
	assert_output "$(printf '%s\n' db= cache=)"
	# No components: the product's single default component.
	flow_simple solo
	offers "rel-create solo -a "
	assert_output "solo="
}

@test "--restore offers hotfix releases; --expired products" {
	flow_web
	rel-create web -a api=1 -a ui=1 >/dev/null
	rel-create web --hotfix -a api=1 -a ui=2 >/dev/null
	rel-create web -a api=2 -a ui=2 >/dev/null
	offers "rel-redeploy --restore "
	assert_output "web-2"
	offers "rel-redeploy --restore web-2 "
	assert_output ""
	offers "rel-terminate "
	assert_output "$(printf '%s\n' web-3 web-2 web-1)"
	offers "rel-terminate web-3 "
	assert_output "$(printf '%s\n' web-2 web-1)"
	offers "rel-terminate --expired "
	assert_output "web"
	offers "rel-terminate -x w"
	assert_output "web"
}

@test "options with values: the value is skipped when counting operands" {
	flow_web
	id=$(rel-create web -a api=1 -a ui=1)
	offers "rel-promote --by alice -w 5 $id "
	assert_output "$(printf '%s\n' dev qa prod)"
	offers "rel-promote --wait=5 --by=alice $id "
	assert_output "$(printf '%s\n' dev qa prod)"
	offers "rel-log -a2 $id d"
	assert_output "dev"
	offers "rel-promote -rd $id "
	assert_output ""
	offers "rel-promote -- $id "
	assert_output "$(printf '%s\n' dev qa prod)"
	# Values that take no completion offer nothing (not the operands).
	offers "rel-create web -m "
	assert_output ""
	offers "rel-redeploy --reason "
	assert_output ""
}

@test "rel SUBCOMMAND completes like rel-SUBCOMMAND" {
	flow_web
	id=$(rel-create web -a api=1 -a ui=1)
	offers "rel st"
	assert_output "status"
	offers "rel "
	assert_contains "$output" "$(printf '%s\n' help create promote status)"
	offers "rel -"
	assert_output "$(printf '%s\n' --help --version)"
	offers "rel help p"
	assert_output "promote"
	offers "rel help promote "
	assert_output ""
	offers "rel status --format="
	assert_output "$(printf '%s\n' tsv json table prom html)"
	offers "rel promote $id "
	assert_output "$(printf '%s\n' dev qa prod)"
	offers "rel --version log $id dev "
	assert_output "$(printf '%s\n' lint action verify notify)"
	offers "rel-status --w"
	assert_output "--wait"
}

@test "completion reads the store only: nothing changes, names need no command" {
	flow_web
	id=$(rel-create web -a api=1 -a ui=1)
	before=$(store_snapshot)
	# No rel command on PATH (only a command's options need it, and
	# only its --rel-completion-helper runs): names still complete.
	PATH=/usr/bin:/bin offers "rel-promote $id "
	assert_output "$(printf '%s\n' dev qa prod)"
	PATH=/usr/bin:/bin offers "rel-status "
	assert_output "$(printf '%s\n' web "$id")"
	[ "$(store_snapshot)" = "$before" ]
}

@test "the user's shell options neither break completion nor change" {
	flow_web
	id=$(rel-create web -a api=1 -a ui=1)
	run bash --norc -c '
		shopt -s failglob nullglob dotglob nocaseglob
		source "$1"
		COMP_WORDS=(rel-promote "$2" "")
		COMP_CWORD=2
		COMP_LINE="rel-promote $2 "
		COMP_POINT=${#COMP_LINE}
		_rel rel-promote "" "$2"
		printf "%s\n" "${COMPREPLY[@]}"
		COMP_WORDS=(rel-status nomatch)
		COMP_CWORD=1
		COMP_LINE="rel-status nomatch"
		COMP_POINT=${#COMP_LINE}
		_rel rel-status nomatch rel-status
		echo "${#COMPREPLY[@]}"
		shopt -p failglob nullglob dotglob nocaseglob' x \
	    "$COMPLETION/rel.bash" "$id"
	assert_status 0
	assert_output - <<'EOF'
dev
qa
prod
0
shopt -s failglob
shopt -s nullglob
shopt -s dotglob
shopt -s nocaseglob
EOF
}

@test "names with glob characters are taken literally" {
	flow_web
	rel-create web -a api=1 -a ui=1 >/dev/null
	offers "rel-status *"
	assert_output ""
	offers "rel-status web-?"
	assert_output ""
	offers "rel-status w[e]"
	assert_output ""
}

@test "zsh completion: syntax (zsh -n)" {
	command -v zsh >/dev/null || skip "zsh is not installed: not checked"
	run zsh -n "$COMPLETION/_rel"
	assert_status 0
}

@test "fish completion: syntax (fish --no-execute)" {
	command -v fish >/dev/null || skip "fish is not installed: not checked"
	run fish --no-execute "$COMPLETION/rel.fish"
	assert_status 0
}

# zsh_offers LINE / fish_offers LINE: what zsh or fish offers for LINE at
# the prompt, one match per line, sorted (both shells sort for display).
# (zsh keeps what compinit learnt in the test's scratch directory: the
# first line pays for it, the others do not.)
zsh_offers() {
	ZSH_COMPDUMP=$SCRATCH/zcompdump run "$REL_TOP/tests/helpers/zsh-complete" \
	    "$COMPLETION" "$1"
	assert_status 0
	output=$(LC_ALL=C sort <<<"$output")
}

fish_offers() {
	run fish --no-config -c 'source $argv[1]; complete -C $argv[2]' \
	    "$COMPLETION/rel.fish" "$1"
	assert_status 0
	output=$(cut -f1 <<<"$output" | LC_ALL=C sort)
}

# shell_cases SHELL: the same lines in zsh or fish, against one store.
shell_cases() {
	local sh=$1 id

	web_and_api
	id=web-11
	"${sh}_offers" "rel-log --"
	assert_output "$(opts_table rel-log | grep -- '^--')"
	"${sh}_offers" "rel-promote web-1"
	assert_output "$(sorted web-1 web-10 web-11)"
	"${sh}_offers" "rel-promote "
	assert_output "$(sorted api-1 web-{1..11})"
	"${sh}_offers" "rel-promote $id "
	assert_output "$(sorted dev qa prod)"
	"${sh}_offers" "rel-log $id dev "
	assert_output "$(sorted lint action verify notify)"
	"${sh}_offers" "rel log $id p"
	assert_output "prod"
	"${sh}_offers" "rel-status --format "
	assert_output "$(sorted tsv json table prom html)"
	"${sh}_offers" "rel-freeze -p "
	assert_output "$(sorted api web)"
	"${sh}_offers" "rel-freeze --hotfix "
	assert_output "$(sorted allow deny)"
	"${sh}_offers" "rel-freeze -p web prod "
	assert_output "$(sorted dev qa)"
	# (fish offers "api=", as bash does; zsh "api", adding the = after.)
	"${sh}_offers" "rel-create web -a "
	output=${output//=/}
	assert_output "$(sorted api ui)"
	# --state on the line wins over REL_STATE_DIR.
	mv "$REL_STATE_DIR" "$SCRATCH/elsewhere"
	mkdir -p "$REL_STATE_DIR"
	"${sh}_offers" "rel-promote "
	assert_output ""
	"${sh}_offers" "rel-promote --state $SCRATCH/elsewhere api-"
	assert_output "api-1"
}

@test "zsh offers what bash offers, at a real zsh prompt" {
	command -v zsh >/dev/null || skip "zsh is not installed: not checked"
	shell_cases zsh
}

@test "fish offers what bash offers (complete -C)" {
	command -v fish >/dev/null || skip "fish is not installed: not checked"
	shell_cases fish
}

# every_option SHELL: for each command, "CMD --" offers exactly the long
# options of its table, and a value option's value is not an operand.
every_option() {
	local sh=$1 src c

	flow_web
	rel-create web -a api=1 -a ui=1 >/dev/null
	for src in "$REL_TOP"/bin/rel-*.c; do
		c=$(basename "$src" .c)
		"${sh}_offers" "$c --"
		assert_output "$(opts_table "$c" | grep -- '^--')"
	done
	"${sh}_offers" "rel-log --attempt 2 web-1 "
	assert_output "$(sorted dev qa prod)"
	"${sh}_offers" "rel-log -a 2 web-1 "
	assert_output "$(sorted dev qa prod)"
}

@test "zsh offers every option of every command, from its table" {
	command -v zsh >/dev/null || skip "zsh is not installed: not checked"
	every_option zsh
}

@test "zsh: rel-status's views go one at a time, as the command wants" {
	command -v zsh >/dev/null || skip "zsh is not installed: not checked"
	local views others v

	# The views are the options of the group "view" in rel-status's table.
	views=$("$REL_BIN/rel-status" --rel-completion-helper |
	    awk -F '\t' '$3 == "-" && $4 == "view" { print $1 }' | LC_ALL=C sort)
	[ "$(echo "$views" | wc -l)" -eq 6 ]
	others=$(opts_table rel-status | grep -- '^--' | grep -vxF -e "$views")
	for v in $views; do
		zsh_offers "rel-status $v --"
		assert_output "$others"
	done
	zsh_offers "rel-status -H -"
	! grep -qx -e -e -e -s -e -l -e -g -e --live <<<"$output"
	grep -qx -- -n <<<"$output"
	# And rel-status refuses two, as zsh does.
	run --separate-stderr rel-status --live --frozen
	assert_status 2
	assert_contains "$stderr" "go one at a time"
	# Options outside the group do not exclude the views.
	zsh_offers "rel-status --check --"
	assert_output "$(opts_table rel-status | grep -- '^--' | grep -vx -- --check)"
}

@test "fish offers every option of every command, from its table" {
	command -v fish >/dev/null || skip "fish is not installed: not checked"
	every_option fish
}
