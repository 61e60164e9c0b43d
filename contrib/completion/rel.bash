# bash completion for rel and its commands                 -*- shell-script -*-
#
# Installed as share/bash-completion/completions/rel, with a link named
# after each command (rel-status, rel-promote, ...) so that bash-completion
# loads it on demand; or source it from ~/.bashrc.
#
# Completes every command's options, as the command itself lists them
# (below), their values, and names read from the state directory
# (--state DIR on the line, else $REL_STATE_DIR, else
# ${XDG_STATE_HOME:-$HOME/.local/state}/rel):
#
#   products      directories under products/ (and, for rel-create, the
#                 flows under flows/)
#   release ids   files under products/*/releases/, newest first
#   environments  the `env` lines of the release's record, else the files
#                 under products/*/envs/
#   steps         the record's `step ENV STEP KIND` lines
#   components    the `components:` of flows/PRODUCT.yaml (or of -f FILE)
#
# Names are only read from files: completion stays instant on a big store
# or a slow disk, and never takes a lock.  The one command it runs is a
# command's hidden --rel-completion-helper, once a shell, which prints
# the command's option table and touches nothing.
#
# Self-contained: needs bash 4.2 but not the bash-completion package.

# __rel_spec CMD: CMD's options as "LONG:SHORT:ARG" words in __rel_opts
# (SHORT - for none, ARG 1 when it takes a value), and what each value
# is in __rel_kind[LONG]: a|b|c (those words), dir, file, env, release,
# product, status or component.  From CMD's own option table, which
# drives its parsing and --help too (cmd.h): they cannot disagree.
declare -gA __rel_helper=()
__rel_spec() {
	local long short arg values help

	if [[ -z ${__rel_helper[$1]+set} ]]; then
		__rel_helper[$1]=$("$1" --rel-completion-helper 2>/dev/null \
		    </dev/null)
	fi
	__rel_opts=
	__rel_kind=()
	while IFS=$'\t' read -r long short arg values help; do
		[[ $long == --?* ]] || continue
		long=${long#--}
		[[ $short == - ]] || short=${short#-}
		if [[ $arg == - ]]; then
			__rel_opts+=" $long:$short:0"
		else
			__rel_opts+=" $long:$short:1"
		fi
		[[ $values == - ]] || __rel_kind[$long]=$values
	done <<<"${__rel_helper[$1]}"
}

# The commands that `rel SUBCOMMAND` runs, known here even before they are
# installed; more are found on PATH.
__rel_subcommands='create promote status redeploy terminate freeze log notes revparse sync'

__rel_statuses='pending running suspended succeeded failed error terminating
terminated skipped'

# __rel_dequote WORD: WORD as the shell would pass it, for the simple
# quoting people type in paths (quotes around, backslashes, a leading ~).
__rel_dequote() {
	local w=$1

	case $w in
	\'*\') w=${w:1:${#w}-2} ;;
	\"*\") w=${w:1:${#w}-2} ;;
	*) w=${w//\\/} ;;
	esac
	case $w in
	\~) w=$HOME ;;
	\~/*) w=$HOME/${w#\~/} ;;
	esac
	__rel_word=$w
}

# __rel_globs_begin / __rel_globs_end: globbing as this file expects it
# (no nullglob surprises, no failglob errors), whatever the user set.
__rel_globs_begin() {
	__rel_shopt=()
	shopt -q nullglob && __rel_shopt+=(-s nullglob) && shopt -u nullglob
	shopt -q failglob && __rel_shopt+=(-s failglob) && shopt -u failglob
	shopt -q nocaseglob && __rel_shopt+=(-s nocaseglob) &&
		shopt -u nocaseglob
	shopt -q dotglob && __rel_shopt+=(-s dotglob) && shopt -u dotglob
	return 0
}

__rel_globs_end() {
	local i

	for ((i = 0; i < ${#__rel_shopt[@]}; i += 2)); do
		shopt "${__rel_shopt[i]}" "${__rel_shopt[i + 1]}"
	done
}

# __rel_safe PREFIX: is PREFIX made of name characters only, so that it
# can go into a glob pattern as it is?
__rel_safe() {
	[[ $1 != *[!A-Za-z0-9._-]* ]]
}

# __rel_products DIR PREFIX [FLOWS]: product names into __rel_list; with
# FLOWS also the products that have a flow but no release yet.
__rel_products() {
	local f n
	local -A seen=()

	__rel_list=()
	__rel_safe "$2" || return 0
	for f in "$1"/products/"$2"*/releases; do
		[[ -d $f ]] || continue
		f=${f%/releases}
		n=${f##*/}
		seen[$n]=1
		__rel_list+=("$n")
	done
	[[ -n ${3-} ]] || return 0
	for f in "$1"/flows/"$2"*.yaml; do
		[[ -f $f ]] || continue
		n=${f##*/}
		n=${n%.yaml}
		[[ -z ${seen[$n]-} ]] || continue
		__rel_list+=("$n")
	done
}

# __rel_ids DIR PREFIX [HOTFIX]: release ids into __rel_list, newest
# first (by number; ids of equal number in product order).  With HOTFIX
# only hotfix releases, if there are any.
__rel_ids() {
	local f id n line i
	local -a byn=() nums

	__rel_list=()
	__rel_safe "$2" || return 0
	for f in "$1"/products/*/releases/"$2"*; do
		[[ -f $f ]] || continue
		id=${f##*/}
		n=${id##*-}
		[[ $id == ?*-* && -n $n && $n != *[!0-9]* ]] || continue
		[[ $n == 0* ]] && continue
		if [[ -n ${3-} ]]; then
			# The header says hotfix on its third line.
			i=0
			while ((i++ < 8)) && IFS= read -r line; do
				[[ $line == hotfix$'\t'* ]] && break
			done <"$f"
			[[ $line == hotfix$'\t'yes$'\t'* ]] || continue
		fi
		((n < 1000000000)) || continue
		byn[n]+="$id "
	done
	nums=("${!byn[@]}")
	for ((i = ${#nums[@]} - 1; i >= 0; i--)); do
		# Names never hold blanks: word splitting is safe here.
		# shellcheck disable=SC2206
		__rel_list+=(${byn[nums[i]]})
	done
	if [[ -n ${3-} && ${#__rel_list[@]} -eq 0 ]]; then
		__rel_ids "$1" "$2"
	fi
}

# __rel_record DIR ID: the path of ID's record into __rel_file, or fail.
__rel_record() {
	local id=$2

	__rel_file=
	[[ $id == ?*-[1-9]* && ${id##*-} != *[!0-9]* ]] || return 1
	__rel_safe "$id" || return 1
	__rel_file=$1/products/${id%-*}/releases/$id
	[[ -f $__rel_file ]]
}

# __rel_header FILE KIND [ENV]: the names in FILE's header lines of KIND:
# `env NAME ...` or, with ENV, `step ENV NAME ...`.  Reads the header
# only: the journal that follows it can be long.
__rel_header() {
	local kind a b rest

	__rel_list=()
	while IFS=$'\t' read -r kind a b rest; do
		case $kind in
		env) [[ $2 == env ]] && __rel_list+=("$a") ;;
		step) [[ $2 == step && $a == "${3-}" ]] && __rel_list+=("$b") ;;
		tr | out) break ;;
		esac
	done <"$1"
}

# __rel_envs DIR [ID]: environment names into __rel_list: those of
# release ID if its record is there, else the environments of every
# product, with the ones of each product's newest release.
__rel_envs() {
	local f n p
	local -A seen=()
	local -a all=()

	if [[ -n ${2-} ]] && __rel_record "$1" "$2"; then
		__rel_header "$__rel_file" env
		return 0
	fi
	for f in "$1"/products/*/envs/*; do
		[[ -f $f ]] || continue
		n=${f##*/}
		[[ $n == .tmp.* || -n ${seen[$n]-} ]] && continue
		seen[$n]=1
		all+=("$n")
	done
	for p in "$1"/products/*/releases; do
		[[ -d $p ]] || continue
		p=${p%/releases}
		__rel_ids "$1" "${p##*/}-"
		# The newest release of this product (ids of other products
		# that start with the same name have other prefixes).
		for n in "${__rel_list[@]}"; do
			[[ ${n%-*} == "${p##*/}" ]] || continue
			__rel_record "$1" "$n" && __rel_header "$__rel_file" env
			for f in "${__rel_list[@]}"; do
				[[ -n ${seen[$f]-} ]] && continue
				seen[$f]=1
				all+=("$f")
			done
			break
		done
	done
	__rel_list=("${all[@]}")
}

# __rel_components FLOWFILE: the names of `components:` in a flow, in
# either YAML list style; a best effort, not a YAML parser.
__rel_components() {
	local line in=0 item

	__rel_list=()
	[[ -f $1 ]] || return 0
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line%%#*}
		if ((in)); then
			if [[ $line =~ ^[[:space:]]*-[[:space:]]*([^[:space:]]+) ]]; then
				item=${BASH_REMATCH[1]}
				item=${item//[\"\']/}
				__rel_list+=("$item")
				continue
			fi
			[[ $line =~ ^[[:space:]]*$ ]] && continue
			break
		fi
		[[ $line =~ ^components:[[:space:]]*(.*)$ ]] || continue
		line=${BASH_REMATCH[1]}
		if [[ $line == \[* ]]; then
			line=${line#[}
			line=${line%%]*}
			line=${line//[\"\',]/ }
			# shellcheck disable=SC2206
			__rel_list=($line)
			break
		fi
		in=1
	done <"$1"
}

# __rel_parse CMD: read the words before the cursor against CMD's options:
# positionals into __rel_pos, option values into __rel_seen[LONG], and
# what the current word is into __rel_want: "option", "value LONG" or
# "positional".
__rel_parse() {
	local i w name c j spec rest dd=0
	local -A arg=() short=()

	__rel_spec "$1"
	for spec in $__rel_opts; do
		name=${spec%%:*}
		rest=${spec#*:}
		arg[$name]=${rest#*:}
		[[ ${rest%%:*} == - ]] || short[${rest%%:*}]=$name
	done
	__rel_pos=()
	__rel_seen=()
	__rel_want=positional
	for ((i = 1; i < __rel_cword; i++)); do
		w=${__rel_words[i]}
		if ((dd)) || [[ $w != -?* ]]; then
			__rel_pos+=("$w")
			continue
		fi
		if [[ $w == -- ]]; then
			dd=1
			continue
		fi
		if [[ $w == --* ]]; then
			name=${w#--}
			if [[ $name == *=* ]]; then
				__rel_seen[${name%%=*}]=${name#*=}
			elif [[ ${arg[$name]-0} == 1 ]]; then
				if ((i + 1 == __rel_cword)); then
					__rel_want="value $name"
					return 0
				fi
				__rel_seen[$name]=${__rel_words[++i]}
			else
				__rel_seen[$name]=1
			fi
			continue
		fi
		# A cluster of short options, the last of which may take a
		# value (-rd, -oVALUE, -o VALUE).
		for ((j = 1; j < ${#w}; j++)); do
			c=${w:j:1}
			name=${short[$c]-}
			[[ -n $name ]] || break
			if [[ ${arg[$name]} == 1 ]]; then
				if ((j + 1 < ${#w})); then
					__rel_seen[$name]=${w:j+1}
				elif ((i + 1 == __rel_cword)); then
					__rel_want="value $name"
					return 0
				else
					__rel_seen[$name]=${__rel_words[++i]}
				fi
				break
			fi
			__rel_seen[$name]=1
		done
	done
	w=${__rel_words[__rel_cword]}
	if ((!dd)) && [[ $w == --*=* ]]; then
		name=${w%%=*}
		__rel_want="value ${name#--}"
		__rel_vpre=${w%%=*}=
	elif ((!dd)) && [[ $w == -* ]]; then
		__rel_want=option
	fi
}

# __rel_join: COMP_WORDS with the words bash split at `=` joined again
# (`--format=js` is three words to bash), into __rel_words/__rel_cword.
__rel_join() {
	local i w point=0 gap

	__rel_words=()
	__rel_cword=0
	for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		gap=0
		while [[ ${COMP_LINE:point:1} == [[:space:]] ]]; do
			((point++))
			gap=1
		done
		if ((i > 0 && !gap)) && [[ $w == = || ${__rel_words[-1]} == *= ]]
		then
			__rel_words[-1]+=$w
		else
			__rel_words+=("$w")
		fi
		((point += ${#w}))
		((i == COMP_CWORD)) && __rel_cword=$((${#__rel_words[@]} - 1))
	done
	# The cursor past the last word: a new, empty word.
	if ((COMP_CWORD >= ${#COMP_WORDS[@]})); then
		__rel_words+=("")
		__rel_cword=$((${#__rel_words[@]} - 1))
	fi
}

# __rel_reply WORD...: the words that start with __rel_vcur, put in
# COMPREPLY as bash wants them (without the `--opt=` part when bash took
# `=` as a word break).
__rel_reply() {
	local w pre=$__rel_vpre

	[[ $COMP_WORDBREAKS == *=* && $pre == *= ]] && pre=
	for w; do
		[[ $w == "$__rel_vcur"* ]] && COMPREPLY+=("$pre$w")
	done
}

# __rel_reply_files dirs|files: paths that start with __rel_vcur.
__rel_reply_files() {
	local w pre=$__rel_vpre
	local -a paths

	[[ $COMP_WORDBREAKS == *=* && $pre == *= ]] && pre=
	compopt -o filenames 2>/dev/null
	if [[ $1 == dirs ]]; then
		mapfile -t paths < <(compgen -d -- "$__rel_vcur")
	else
		mapfile -t paths < <(compgen -f -- "$__rel_vcur")
	fi
	for w in "${paths[@]}"; do
		COMPREPLY+=("$pre$w")
	done
}

# __rel_state: the state directory the command will use.
__rel_state() {
	if [[ -n ${__rel_seen[state]-} ]]; then
		__rel_dequote "${__rel_seen[state]}"
		__rel_dir=$__rel_word
	elif [[ -n ${REL_STATE_DIR-} ]]; then
		__rel_dir=$REL_STATE_DIR
	else
		__rel_dir=${XDG_STATE_HOME:-$HOME/.local/state}/rel
	fi
}

# __rel_not_given: drop from __rel_list what is already a positional.
__rel_not_given() {
	local w p keep
	local -a out=()

	for w in "${__rel_list[@]}"; do
		keep=1
		for p in "${__rel_pos[@]}"; do
			[[ $p == "$w" ]] && keep=0 && break
		done
		((keep)) && out+=("$w")
	done
	__rel_list=("${out[@]}")
}

# __rel_value CMD LONG: complete the value of option LONG, by what the
# command's table says it is.
__rel_value() {
	local c w flow kind=${__rel_kind[$2]-}

	case $kind in
	*\|*)
		local IFS='|'
		# shellcheck disable=SC2086
		__rel_reply $kind
		;;
	dir) __rel_reply_files dirs ;;
	file) __rel_reply_files files ;;
	status)
		# A comma-separated list: complete its last item.
		local head=${__rel_vcur%"${__rel_vcur##*,}"}
		local -a left=()
		for w in $__rel_statuses; do
			[[ ,$head == *,$w,* ]] || left+=("$head$w")
		done
		__rel_reply "${left[@]}"
		;;
	env)
		__rel_globs_begin
		w=
		for c in "${__rel_pos[@]}"; do
			__rel_record "$__rel_dir" "$c" && w=$c && break
		done
		__rel_envs "$__rel_dir" "$w"
		__rel_globs_end
		__rel_reply "${__rel_list[@]}"
		;;
	release)
		__rel_globs_begin
		__rel_ids "$__rel_dir" "$__rel_vcur"
		__rel_globs_end
		compopt -o nosort 2>/dev/null
		__rel_reply "${__rel_list[@]}"
		;;
	product)
		__rel_globs_begin
		__rel_products "$__rel_dir" "$__rel_vcur"
		__rel_globs_end
		__rel_reply "${__rel_list[@]}"
		;;
	component)
		[[ $__rel_vcur != *=* ]] || return 0
		if [[ -n ${__rel_seen[flow]-} ]]; then
			__rel_dequote "${__rel_seen[flow]}"
			flow=$__rel_word
		elif [[ -n ${__rel_pos[0]-} ]] && __rel_safe "${__rel_pos[0]}"
		then
			flow=$__rel_dir/flows/${__rel_pos[0]}.yaml
		fi
		[[ -n ${flow-} ]] || return 0
		__rel_components "$flow"
		[[ ${#__rel_list[@]} -gt 0 || -n ${__rel_seen[flow]-} ]] ||
			__rel_list=("${__rel_pos[0]}")
		local -a items=()
		for w in "${__rel_list[@]}"; do
			items+=("$w=")
		done
		compopt -o nospace 2>/dev/null
		__rel_reply "${items[@]}"
		;;
	esac
	return 0
}

# __rel_positional CMD: complete the next operand of CMD.
__rel_positional() {
	local n=${#__rel_pos[@]} c
	local -a both

	__rel_globs_begin
	case $1 in
	rel-create)
		((n == 0)) && __rel_products "$__rel_dir" "$__rel_vcur" flows
		;;
	rel-promote)
		if ((n == 0)); then
			__rel_ids "$__rel_dir" "$__rel_vcur"
			compopt -o nosort 2>/dev/null
		elif [[ -z ${__rel_seen[retry]-} ]]; then
			__rel_envs "$__rel_dir" "${__rel_pos[0]}"
			__rel_not_given
		fi
		;;
	rel-redeploy)
		if ((n == 0)); then
			__rel_ids "$__rel_dir" "$__rel_vcur" \
				"${__rel_seen[restore]+hotfix}"
			compopt -o nosort 2>/dev/null
		elif ((n == 1)) && [[ -z ${__rel_seen[restore]-} ]]; then
			__rel_envs "$__rel_dir" "${__rel_pos[0]}"
		fi
		;;
	rel-log)
		if ((n == 0)); then
			__rel_ids "$__rel_dir" "$__rel_vcur"
			compopt -o nosort 2>/dev/null
		elif ((n == 1)); then
			__rel_envs "$__rel_dir" "${__rel_pos[0]}"
		elif ((n == 2)) && __rel_record "$__rel_dir" "${__rel_pos[0]}"
		then
			__rel_header "$__rel_file" step "${__rel_pos[1]}"
		fi
		;;
	rel-status)
		__rel_products "$__rel_dir" "$__rel_vcur"
		both=("${__rel_list[@]}")
		__rel_ids "$__rel_dir" "$__rel_vcur"
		__rel_list=("${both[@]}" "${__rel_list[@]}")
		__rel_not_given
		compopt -o nosort 2>/dev/null
		;;
	rel-terminate)
		if [[ -n ${__rel_seen[expired]-} ]]; then
			__rel_products "$__rel_dir" "$__rel_vcur"
		else
			__rel_ids "$__rel_dir" "$__rel_vcur"
			compopt -o nosort 2>/dev/null
		fi
		__rel_not_given
		;;
	rel-freeze)
		__rel_envs "$__rel_dir"
		__rel_not_given
		;;
	rel-notes)
		if ((n == 0)); then
			__rel_ids "$__rel_dir" "$__rel_vcur"
			compopt -o nosort 2>/dev/null
		fi
		;;
	rel-sync)
		__rel_products "$__rel_dir" "$__rel_vcur"
		__rel_not_given
		;;
	esac
	__rel_globs_end
	__rel_reply "${__rel_list[@]}"
}

# __rel_command CMD: complete the word at __rel_cword of CMD's line.
__rel_command() {
	local spec name s a
	local -a opts=()

	local __rel_opts __rel_want __rel_vpre='' __rel_dir __rel_file __rel_word
	local -a __rel_pos __rel_list __rel_shopt
	local -A __rel_seen __rel_kind

	__rel_parse "$1"
	__rel_state
	__rel_vcur=${__rel_words[__rel_cword]}
	__rel_vcur=${__rel_vcur#"$__rel_vpre"}
	case $__rel_want in
	option)
		for spec in $__rel_opts; do
			name=${spec%%:*}
			s=${spec#*:}
			a=${s#*:}
			s=${s%%:*}
			opts+=("--$name")
			[[ $s == - || $__rel_vcur == --* ]] || opts+=("-$s")
		done
		__rel_reply "${opts[@]}"
		;;
	value\ *) __rel_value "$1" "${__rel_want#value }" ;;
	*) __rel_positional "$1" ;;
	esac
}

# __rel_umbrella: `rel [--version|--help] SUBCOMMAND ARGS...` completes as
# rel-SUBCOMMAND ARGS...; `rel help SUBCOMMAND` as a subcommand.
__rel_umbrella() {
	local i w at_sub=0
	local -a subs=() found=()
	local -A seen=()

	for ((i = 1; i < __rel_cword; i++)); do
		[[ ${__rel_words[i]} == -* ]] || break
	done
	if ((i == __rel_cword)); then
		at_sub=1
	elif [[ ${__rel_words[i]} == help ]]; then
		# `rel help COMMAND`: one command name, then nothing.
		((i + 1 == __rel_cword)) || return 0
	else
		w=rel-${__rel_words[i]}
		__rel_words=("$w" "${__rel_words[@]:i+1}")
		((__rel_cword -= i))
		__rel_command "$w"
		return 0
	fi
	__rel_vcur=${__rel_words[__rel_cword]}
	if ((at_sub)) && [[ $__rel_vcur == -* ]]; then
		__rel_reply --help --version
		return 0
	fi
	# Commands installed beside the known ones (compgen -c only looks at
	# PATH, aliases and functions: no command runs).
	mapfile -t found < <(compgen -c -- "rel-$__rel_vcur" 2>/dev/null)
	((at_sub)) && subs+=(help)
	for w in $__rel_subcommands "${found[@]#rel-}"; do
		[[ -n $w && -z ${seen[$w]-} ]] || continue
		seen[$w]=1
		subs+=("$w")
	done
	__rel_reply "${subs[@]}"
}

_rel() {
	local __rel_vcur __rel_vpre=''
	local -a __rel_words
	local __rel_cword

	COMPREPLY=()
	__rel_join
	case ${__rel_words[0]##*/} in
	rel) __rel_umbrella ;;
	*) __rel_command "${__rel_words[0]##*/}" ;;
	esac
	return 0
}

complete -F _rel rel rel-create rel-promote rel-status rel-redeploy \
	rel-terminate rel-freeze rel-log rel-revparse rel-notes rel-sync
