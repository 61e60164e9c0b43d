# faults_lib.bash - one fault-injection case of faults.bats, as a function
# that runs in a process of its own (the cases run in parallel with
# xargs), so it uses no bats helper: it prints one result line and
# returns 0 when the store kept its promise, 1 (with the reasons on
# stdout) when it did not.
#
#   fault_case KIND K ACTION
#
# KIND is create, first (the first release of a product), promote,
# terminate or reap (rel-status, which records that the runner of a
# release left running is dead); K the number of the call (of class `any`, or of `write` for
# ACTION torn or tornline) that fails; ACTION an errno name, kill, torn
# (half a write, then a kill) or tornline (the lines of that half).  It needs
# FAULT_PREP (the prepared state directory of KIND, copied fresh), FAULT_WORK
# (a scratch directory) and FAULT_SO (the shim) in the environment, and
# the commands on PATH.
#
# Result line: "KIND K ACTION fired|missed RC ok|FAIL CLASS [why...]".

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

# fault_store_sound DIR: every command reads the store, JSON parses and
# follows the aggregation rule, --check reports no problem (after fixing
# what it may fix), every complete journal line has its checksum.  Torn
# last lines are allowed only with $2 = torn.  Prints what is wrong.
fault_store_sound() {
	local d=$1 action=$2 out bad=0 total view

	if ! rel-status >"$d/st.out" 2>"$d/st.err"; then
		echo "rel-status failed: $(head -c 300 "$d/st.err")"
		bad=1
	fi
	if ! rel-status --format json >"$d/json" 2>"$d/json.err"; then
		echo "rel-status --format json failed: $(head -c 300 "$d/json.err")"
		bad=1
	elif ! out=$(jq -r -f "$FAULT_JQ_AGG" "$d/json" 2>&1); then
		echo "rel-status --format json is not JSON: ${out:0:200}"
		bad=1
	elif [ -n "$out" ]; then
		echo "aggregation: $out"
		bad=1
	fi
	for view in --envs --history; do
		rel-status $view >/dev/null 2>&1 ||
		    { echo "rel-status $view failed"; bad=1; }
	done
	rel-status --check >"$d/check.out" 2>"$d/check.err"
	total=$(awk -F'\t' '$1 == "total" { print $5 }' "$d/check.out")
	if [ "${total:-x}" != 0 ]; then
		echo "rel-status --check: $(tr '\n' ' ' <"$d/check.err" | head -c 600)"
		bad=1
	fi
	# One pass over every journal: each complete line ends in its
	# checksum, every record starts with its header; a torn last line
	# (no newline) only where a write was torn on purpose.
	out=$(find "$REL_STATE_DIR/products" -path '*/releases/*' -o \
	    -path '*/envs/*' -type f 2>/dev/null | grep -v '/\.tmp\.' |
	    perl -e '
		my $torn_ok = shift;
		while (my $f = <STDIN>) {
			chomp $f;
			next unless -f $f;
			open(my $h, "<", $f) or do { print "cannot read $f\n"; next };
			local $/;
			my $all = <$h>;
			close $h;
			next if $all eq "";
			print "half-written record visible: $f\n"
			    if $f =~ m{/releases/} && $all !~ /^rel\t/;
			my @l = split /(?<=\n)/, $all;
			if ($l[-1] !~ /\n$/) {
				print "torn last line in $f\n" unless $torn_ok;
				pop @l;
			}
			my $bad = grep { !/\t[0-9a-f]{8}\n$/ } @l;
			print "$bad line(s) without a checksum in $f\n" if $bad;
		}' "$([ "$action" = torn ] && echo 1 || echo 0)")
	[ -z "$out" ] || { echo "$out"; bad=1; }
	return $bad
}

# fault_ids PRODUCT: the numbers of its releases, one a line, sorted.
fault_ids() {
	rel-status "$1" 2>/dev/null | cut -f1 | sed "s/^$1-//" | sort -n
}

fault_case() {
	local kind=$1 k=$2 action=$3 d rc fired=missed cls=- why=() msg
	local spec id max n status envs line env final

	d=$FAULT_WORK/$kind.$action.$k
	rm -rf "$d"
	mkdir -p "$d"
	cp -a "$FAULT_PREP/$kind" "$d/state"
	export REL_STATE_DIR=$d/state
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
	# The shim goes in after timeout(1): it leaves no trace in the
	# environment of what it was loaded into.
	# (In a subshell: bash's "Killed" notice goes nowhere.)
	rc=$( (timeout 20 env LD_PRELOAD="$FAULT_SO" REL_FAULT="$spec" \
	    REL_FAULT_LOG="$d/fault.log" "$@" >"$d/out" 2>"$d/err" </dev/null
	    echo $?) 2>/dev/null)
	if [ -s "$d/fault.log" ]; then
		fired=fired
		cls=$(awk 'NR == 1 { print $2 }' "$d/fault.log")
	fi

	# The command itself: no hang, no crash; a fault it could not get
	# past is an error that names the file and says what went wrong.
	if [ "$rc" -eq 124 ]; then
		why+=("timed out (hung)")
	elif [ "$fired" = fired ] && { [ "$action" = kill ] ||
	    [ "${action#torn}" != "$action" ]; }; then
		[ "$rc" -eq 137 ] || why+=("killed, yet exit $rc")
	elif [ "$rc" -ge 128 ]; then
		why+=("died of signal $((rc - 128)): $(head -c 300 "$d/err")")
	elif [ "$rc" -ne 0 ]; then
		msg=$(cat "$d/err")
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
	if ! msg=$(fault_store_sound "$d" "$action"); then
		why+=("$msg")
	fi

	# Nothing reported done is missing; the store goes on working.
	case $kind in
	create | first)
		id=$(grep -E '^web-[0-9]+$' "$d/out")
		if [ -n "$id" ] && ! rel-status "$id" >/dev/null 2>&1; then
			why+=("printed $id, which is not there")
		fi
		max=$(fault_ids web | tail -1)
		if [ "$(fault_ids web | tr '\n' ' ')" != "$(seq 1 "${max:-0}" | tr '\n' ' ')" ]; then
			why+=("ids are not 1..$max: $(fault_ids web | tr '\n' ' ')")
		fi
		n=$(rel-create web -a web=after 2>&1)
		[ "$n" = "web-$((${max:-0} + 1))" ] ||
		    why+=("the next rel-create said '$n', not web-$((${max:-0} + 1))")
		;;
	promote | reap)
		rel-status --envs sm-1 >"$d/envs" 2>&1
		while IFS=$'\t' read -r _ _ env step _ status _; do
			[ "$step" = - ] && [ "$env" != - ] &&
			    [ "$status" = succeeded ] || continue
			grep -qP "^sm-1\t$env\tsucceeded\t" "$d/envs" ||
			    why+=("printed $env succeeded; the record says $(grep -P "^sm-1\t$env\t" "$d/envs" | cut -f3)")
		done <"$d/out"
		# It can be taken up again and reach the manual gate.
		status=$(rel-status sm-1 | cut -f3)
		case $status in
		failed | terminated)
			rel-promote --retry sm-1 >"$d/again" 2>&1 ||
			    why+=("rel-promote --retry failed: $(tail -c 300 "$d/again")") ;;
		pending)
			rel-promote sm-1 >"$d/again" 2>&1 ||
			    why+=("rel-promote again failed: $(tail -c 300 "$d/again")") ;;
		suspended) ;;
		*) why+=("after the fault and a read, sm-1 is $status") ;;
		esac
		final=$(rel-status --envs sm-1 | cut -f2,3 | tr '\t\n' ': ')
		[ "$final" = "dev:succeeded qa:succeeded prod:suspended " ] ||
		    why+=("taken up again, sm-1 ends as $final")
		;;
	terminate)
		status=$(rel-status sm-1 | cut -f3)
		if grep -qx sm-1 "$d/out" && [ "$status" != terminated ]; then
			why+=("printed sm-1 (terminated); it is $status")
		fi
		case $status in
		terminated | suspended) ;;
		*) why+=("after the fault and a read, sm-1 is $status") ;;
		esac
		if [ "$status" != terminated ]; then
			rel-terminate sm-1 >"$d/again" 2>&1 ||
			    why+=("rel-terminate again failed: $(tail -c 300 "$d/again")")
		fi
		final=$(rel-status --envs sm-1 | cut -f2,3 | tr '\t\n' ': ')
		[ "$(rel-status sm-1 | cut -f3)" = terminated ] &&
		    [ "$final" = "dev:succeeded qa:succeeded prod:pending " ] ||
		    why+=("terminated again, sm-1 ends as $(rel-status sm-1 | cut -f3) $final")
		;;
	esac
	if ! msg=$(fault_store_sound "$d" none); then
		why+=("after going on: $msg")
	fi

	if [ ${#why[@]} -eq 0 ]; then
		echo "$kind $k $action $fired $rc ok $cls"
		rm -rf "$d"
		return 0
	fi
	line="$kind $k $action $fired $rc FAIL $cls"
	for msg in "${why[@]}"; do
		line="$line | ${msg//$'\n'/ / }"
	done
	echo "$line"
	return 1
}
