# faults_lib.bash - the fault-injection cases of faults.bats, as functions
# that run in processes of their own (xargs runs batches of cases in
# parallel), so they use no bats helper.
#
#   fault_cases KIND K ACTION [KIND K ACTION]...
#
# runs each case in turn and prints one result line per case; it returns
# 0 when every store kept its promise, 1 when one did not (the reasons are
# on its result line).  KIND is create, first (the first release of a
# product), promote, terminate or reap (rel-status, which records that the
# runner of a release left running is dead); K the number of the call (of
# class `any`, or of `write` for ACTION torn or tornline) that fails;
# ACTION an errno name, kill, torn (half a write, then a kill) or tornline
# (the lines of that half).  It needs FAULT_PREP (the prepared state
# directory of KIND, copied fresh for each case), FAULT_WORK (a scratch
# directory, fresh for the walk) and FAULT_SO (the shim) in the
# environment, and the commands on PATH.
#
# Result line: "KIND K ACTION fired|missed RC ok|FAIL CLASS [| why]...".
#
# A case costs mostly process starts (about 10 ms of CPU each on a small
# machine, more than any rel command's own work), so the checks are
# written in bash without pipelines: only rel commands and one cp are
# started per case (not even timeout(1): the shim's REL_FAULT_ALARM
# bounds the command).  One check is left to the end of the walk: each
# rel-status --format json a case read is kept in FAULT_WORK/*.json, and
# fault_json_check runs jq over all of them at once (jq takes 40 ms to
# start).  The walk then marks the cases it names as failed.

# jq: the releases that break DESIGN.md's aggregation rule.
FAULT_JQ_AGG=$(cd "$(dirname "${BASH_SOURCE[0]}")/../helpers" && pwd)/aggregation.jq

# fault_strerror ACTION: the text strerror gives for an errno name.
fault_strerror() {
	case $1 in
	EIO) echo "Input/output error" ;;
	ENOSPC) echo "No space left on device" ;;
	EDQUOT) echo "Disk quota exceeded" ;;
	EROFS) echo "Read-only file system" ;;
	*) echo "" ;;
	esac
}

# fault_slurp VAR FILE: the whole of FILE (up to a NUL byte) in VAR, its
# trailing newlines removed as $(cat FILE) would, without a process.
fault_slurp() {
	local -n fault_slurp_var=$1

	fault_slurp_var=
	IFS= read -r -d '' fault_slurp_var <"$2" || true
	while [[ $fault_slurp_var == *$'\n' ]]; do
		fault_slurp_var=${fault_slurp_var%$'\n'}
	done
}

# fault_tail TEXT: its last 300 bytes.
fault_tail() {
	local n=${#1}

	echo "${1:$((n > 300 ? n - 300 : 0))}"
}

# fault_bad TEXT: one more thing wrong with the store, in FAULT_SOUND.
fault_bad() {
	FAULT_SOUND+=${FAULT_SOUND:+$'\n'}$1
}

# fault_journals TORN_OK: every journal of the store ($REL_STATE_DIR):
# each complete line ends in its checksum, no NUL byte, every record
# starts with its header; a torn last line (no newline) only with
# TORN_OK=1.  What is wrong is added to FAULT_SOUND, a line each.
fault_journals() {
	local torn_ok=$1 f all rest line bad had_nullglob had_dotglob

	shopt -q nullglob && had_nullglob=1
	shopt -q dotglob && had_dotglob=1
	shopt -s nullglob dotglob
	for f in "$REL_STATE_DIR"/products/*/releases/* \
	    "$REL_STATE_DIR"/products/*/envs/*; do
		[[ ${f##*/} != .tmp.* ]] && [ -f "$f" ] || continue
		all=
		if IFS= read -r -d '' all <"$f"; then
			fault_bad "NUL byte in $f"
			continue
		fi
		[ -n "$all" ] || continue
		[[ $f != */releases/* || $all == rel$'\t'* ]] ||
		    fault_bad "half-written record visible: $f"
		rest=$all
		if [[ $rest != *$'\n' ]]; then
			[ "$torn_ok" = 1 ] || fault_bad "torn last line in $f"
			# Drop the torn line: what is left ends in a newline.
			if [[ $rest == *$'\n'* ]]; then
				rest=${rest%$'\n'*}$'\n'
			else
				rest=
			fi
		fi
		bad=0
		while [ -n "$rest" ]; do
			line=${rest%%$'\n'*}
			rest=${rest#*$'\n'}
			[[ $line =~ $'\t'[0-9a-f]{8}$ ]] || bad=$((bad + 1))
		done
		[ "$bad" -eq 0 ] || fault_bad "$bad line(s) without a checksum in $f"
	done
	[ -n "${had_nullglob:-}" ] || shopt -u nullglob
	[ -n "${had_dotglob:-}" ] || shopt -u dotglob
}

# fault_store_sound D ACTION JSON: every command reads the store, its
# JSON is kept in the file JSON (checked later by fault_json_check),
# --check reports no problem (after fixing what it may fix), every
# journal is whole (fault_journals; torn last lines only with ACTION
# torn).  D is the prefix of the case's scratch files.  Returns 1 with
# what is wrong in FAULT_SOUND (no subshell: a case starts few processes).
fault_store_sound() {
	local d=$1 action=$2 json=$3 view msg first total= torn_ok=0

	FAULT_SOUND=

	if ! rel-status >"$d.st" 2>"$d.st.err"; then
		fault_slurp msg "$d.st.err"
		fault_bad "rel-status failed: ${msg:0:300}"
	fi
	if ! rel-status --format json >"$json" 2>"$d.json.err"; then
		fault_slurp msg "$d.json.err"
		fault_bad "rel-status --format json failed: ${msg:0:300}"
		rm -f "$json"
	fi
	for view in --envs --history; do
		rel-status $view >/dev/null 2>&1 ||
		    fault_bad "rel-status $view failed"
	done
	rel-status --check >"$d.check" 2>"$d.check.err"
	while IFS=$'\t' read -r first _ _ _ msg _; do
		[ "$first" != total ] || total=$msg
	done <"$d.check"
	if [ "${total:-x}" != 0 ]; then
		fault_slurp msg "$d.check.err"
		msg=${msg//$'\n'/ }
		fault_bad "rel-status --check: ${msg:0:600}"
	fi
	[ "$action" != torn ] || torn_ok=1
	fault_journals "$torn_ok"
	[ -z "$FAULT_SOUND" ]
}

# fault_json_check DIR: the cases whose kept JSON (DIR/*.json, named
# KIND.ACTION.K.N.json) does not parse or breaks the aggregation rule, as
# "KIND K ACTION<TAB>why" lines.  One jq for all of them; only when that
# one finds something is each file read again alone, to name its case.
fault_json_check() {
	local dir=$1 prog f name out files f_kind f_action f_k

	files=("$dir"/*.json)
	[ -e "${files[0]}" ] || return 0
	# The rule's own program, each line it prints prefixed by the file.
	prog="$(cat "$FAULT_JQ_AGG")"$'\n''| "\(input_filename)\t\(.)"'
	if out=$(jq -r "$prog" "${files[@]}" 2>&1) && [ -z "$out" ]; then
		return 0
	fi
	for f in "${files[@]}"; do
		name=${f##*/}
		name=${name%.*.json}
		if ! out=$(jq -r -f "$FAULT_JQ_AGG" "$f" 2>&1); then
			out="rel-status --format json is not JSON: ${out:0:200}"
		elif [ -n "$out" ]; then
			out="aggregation: ${out//$'\n'/ }"
		else
			continue
		fi
		# KIND.ACTION.K -> KIND K ACTION
		IFS=. read -r f_kind f_action f_k <<<"$name"
		printf '%s %s %s\t%s\n' "$f_kind" "$f_k" "$f_action" "$out"
	done
}

# fault_cases KIND K ACTION...: the cases in turn (see the top).
fault_cases() {
	local rc=0

	while [ $# -ge 3 ]; do
		fault_case "$1" "$2" "$3" || rc=1
		shift 3
	done
	return $rc
}

fault_case() {
	local kind=$1 k=$2 action=$3 d rc fired=missed cls=- why=() msg
	local spec id max n status line env step final out ids seen i
	local -A envs

	d=$FAULT_WORK/$kind.$action.$k
	[ ! -e "$d" ] || rm -rf "$d"
	cp -a "$FAULT_PREP/$kind" "$d"
	export REL_STATE_DIR=$d
	if [ "$action" = torn ] || [ "$action" = tornline ]; then
		spec=write:$k:$action
	else
		spec=any:$k:$action
	fi
	case $kind in
	create | first) set -- rel-create web -a web=new -m fault ;;
	promote) set -- rel-promote sm-1 ;;
	terminate) set -- rel-terminate --reason fault sm-1 ;;
	reap) set -- rel-status sm-1 ;;
	esac
	# Bounded by the shim's alarm, not by timeout(1): two processes less.
	# (In a group whose stderr goes nowhere: so does bash's "Killed".)
	{ LD_PRELOAD=$FAULT_SO REL_FAULT=$spec REL_FAULT_ALARM=20 \
	    REL_FAULT_LOG=$d.log "$@" >"$d.out" 2>"$d.err" </dev/null; } \
	    2>/dev/null
	rc=$?
	if [ -s "$d.log" ]; then
		fired=fired
		read -r _ cls _ <"$d.log"
	fi

	# The command itself: no hang, no crash; a fault it could not get
	# past is an error that names the file and says what went wrong.
	if [ "$rc" -eq 142 ]; then
		why+=("timed out (hung)")
	elif [ "$fired" = fired ] && { [ "$action" = kill ] ||
	    [ "${action#torn}" != "$action" ]; }; then
		[ "$rc" -eq 137 ] || why+=("killed, yet exit $rc")
	elif [ "$rc" -ge 128 ]; then
		fault_slurp msg "$d.err"
		why+=("died of signal $((rc - 128)): ${msg:0:300}")
	elif [ "$rc" -ne 0 ]; then
		fault_slurp msg "$d.err"
		case $msg in
		"${1}: "*) ;;
		*) why+=("exit $rc without a '$1: ' message: ${msg:0:200}") ;;
		esac
		if [ "$kind" = promote ] && [ "$rc" -eq 1 ]; then
			# The store failed a step (its log or output file): the
			# step is recorded as an error, its log says why.
			:
		elif [[ "$msg" != *"$REL_STATE_DIR/"* ]] ||
		    [[ "$msg" != *"$(fault_strerror "$action")"* ]]; then
			why+=("message names no file of the store or not the error: ${msg:0:300}")
		fi
	fi

	# The store: readable, sound, nothing half-written.
	fault_store_sound "$d" "$action" "$d.1.json" || why+=("$FAULT_SOUND")

	# Nothing reported done is missing; the store goes on working.
	case $kind in
	create | first)
		id=
		while IFS= read -r line; do
			[[ ! $line =~ ^web-[0-9]+$ ]] || id=$line
		done <"$d.out"
		if [ -n "$id" ] && ! rel-status "$id" >/dev/null 2>&1; then
			why+=("printed $id, which is not there")
		fi
		# The ids are exactly 1..max: none missing, none twice.
		rel-status web >"$d.ids" 2>/dev/null
		max=0 ids=() out=
		seen=()
		while IFS=$'\t' read -r id _; do
			n=${id#web-}
			ids+=("$n")
			if [[ $id != web-* || ! $n =~ ^[1-9][0-9]*$ ]] ||
			    [ -n "${seen[n]:-}" ]; then
				out=bad
			else
				seen[n]=1
				[ "$n" -le "$max" ] || max=$n
			fi
		done <"$d.ids"
		if [ -n "$out" ] || [ "${#ids[@]}" -ne "$max" ]; then
			why+=("ids are not 1..$max: ${ids[*]}")
		fi
		rel-create web -a web=after >"$d.again" 2>&1
		fault_slurp n "$d.again"
		[ "$n" = "web-$((max + 1))" ] ||
		    why+=("the next rel-create said '$n', not web-$((max + 1))")
		;;
	promote | reap)
		rel-status --envs sm-1 >"$d.envs" 2>&1
		while IFS=$'\t' read -r id env status _; do
			[ "$id" != sm-1 ] || envs[$env]=$status
		done <"$d.envs"
		while IFS=$'\t' read -r _ _ env step _ status _; do
			[ "$step" = - ] && [ "$env" != - ] &&
			    [ "$status" = succeeded ] || continue
			[ "${envs[$env]:-}" = succeeded ] ||
			    why+=("printed $env succeeded; the record says ${envs[$env]:-}")
		done <"$d.out"
		# It can be taken up again and reach the manual gate.
		rel-status sm-1 >"$d.s" 2>/dev/null
		status=
		IFS=$'\t' read -r _ _ status _ <"$d.s"
		case $status in
		failed | terminated)
			rel-promote --retry sm-1 >"$d.again" 2>&1 || {
				fault_slurp msg "$d.again"
				why+=("rel-promote --retry failed: $(fault_tail "$msg")")
			} ;;
		pending)
			rel-promote sm-1 >"$d.again" 2>&1 || {
				fault_slurp msg "$d.again"
				why+=("rel-promote again failed: $(fault_tail "$msg")")
			} ;;
		suspended) ;;
		*) why+=("after the fault and a read, sm-1 is $status") ;;
		esac
		rel-status --envs sm-1 >"$d.envs" 2>/dev/null
		final=
		while IFS=$'\t' read -r _ env status _; do
			final+="$env:$status "
		done <"$d.envs"
		[ "$final" = "dev:succeeded qa:succeeded prod:suspended " ] ||
		    why+=("taken up again, sm-1 ends as $final")
		;;
	terminate)
		rel-status sm-1 >"$d.s" 2>/dev/null
		status=
		IFS=$'\t' read -r _ _ status _ <"$d.s"
		while IFS= read -r line; do
			if [ "$line" = sm-1 ] && [ "$status" != terminated ]; then
				why+=("printed sm-1 (terminated); it is $status")
				break
			fi
		done <"$d.out"
		case $status in
		terminated | suspended) ;;
		*) why+=("after the fault and a read, sm-1 is $status") ;;
		esac
		if [ "$status" != terminated ]; then
			rel-terminate sm-1 >"$d.again" 2>&1 || {
				fault_slurp msg "$d.again"
				why+=("rel-terminate again failed: $(fault_tail "$msg")")
			}
		fi
		rel-status --envs sm-1 >"$d.envs" 2>/dev/null
		final=
		while IFS=$'\t' read -r _ env status _; do
			final+="$env:$status "
		done <"$d.envs"
		rel-status sm-1 >"$d.s" 2>/dev/null
		status=
		IFS=$'\t' read -r _ _ status _ <"$d.s"
		[ "$status" = terminated ] &&
		    [ "$final" = "dev:succeeded qa:succeeded prod:pending " ] ||
		    why+=("terminated again, sm-1 ends as $status $final")
		;;
	esac
	fault_store_sound "$d" none "$d.2.json" ||
	    why+=("after going on: $FAULT_SOUND")

	if [ ${#why[@]} -eq 0 ]; then
		echo "$kind $k $action $fired $rc ok $cls"
		return 0
	fi
	line="$kind $k $action $fired $rc FAIL $cls"
	for msg in "${why[@]}"; do
		line="$line | ${msg//$'\n'/ / }"
	done
	echo "$line"
	return 1
}
