#!/usr/bin/env bats
# Fault injection: every I/O call that rel-create, a promotion and
# rel-terminate make on the store fails in turn (EIO, ENOSPC), or the
# command is SIGKILLed right there, or a write is torn in half (or after
# the last whole line of its first half) by a kill;
# after each fault the store must keep its promise (DESIGN.md "The
# store"): every command reads it, rel-status --check finds no problem
# once it has fixed what is derived, nothing the command reported done is
# missing, nothing half-written is visible, the command that hit the fault
# said so, naming the file, and the store goes on working.
#
# The faults come from tests/helpers/faultinject.c (an LD_PRELOAD shim);
# the cases themselves are in faults_lib.bash and run in parallel.
#
# Each command makes 30 to 110 calls on the store, and each call is
# walked with five kinds of fault: about 900 cases, minutes of CPU.  So
# `make check` walks a third of them, another third each run, and `make
# check-long` walks them all (run it before a release):
#
#   REL_FAULT_STRIDE=N  walk every N-th call of each command with each
#       kind of fault, and always its first and last calls (default 3;
#       1 walks every call with every fault: what check-long does).  Fault
#       kind J of the five (0 EIO, 1 ENOSPC, 2 kill, 3 torn, 4 tornline)
#       walks the calls K with (K + J) % N == OFFSET.  With N = 3 each run
#       walks every call with one of EIO, ENOSPC and kill, and two writes
#       in three with one of torn and tornline; the three offsets in turn
#       walk every case.
#   REL_FAULT_OFFSET=O  the offset (0..N-1).  By default each run takes the
#       next one (counted in build/faults.offset, the first from the
#       clock).  The TAP stream says which, and how to walk them again.
#   REL_FAULT_CASE="KIND K ACTION[,...]"  walk these cases only; a failure
#       prints the command that walks again the cases that failed.
#   REL_FAULT_RESULTS=FILE  keep the result lines of each walk in FILE.KIND.
#   REL_FAULT_TMP=DIR  put the cases' stores there (default: a tmpfs).
#
# A case costs little but process starts (see faults_lib.bash).

load lib
load faults_lib

FAULT_SO=$REL_TOP/build/helpers/faultinject.so
# Read before setup, which clears every REL_* variable.
STRIDE=${REL_FAULT_STRIDE:-3}
OFFSET_ASKED=${REL_FAULT_OFFSET:-}
ONLY=${REL_FAULT_CASE:-}
RESULTS=${REL_FAULT_RESULTS:-}
FAULT_TMP_DIR=${REL_FAULT_TMP:-}

setup_file() {
	[[ $STRIDE =~ ^[1-9][0-9]*$ ]] || {
		echo "REL_FAULT_STRIDE must be a number above 0" >&2
		return 1
	}
	# (Exported for the tests, under a name the file does not set.)
	local file=$REL_TOP/build/faults.offset
	FAULT_OFFSET=$OFFSET_ASKED
	if [ -z "$FAULT_OFFSET" ]; then
		read -r FAULT_OFFSET 2>/dev/null <"$file" || FAULT_OFFSET=
		[[ $FAULT_OFFSET =~ ^[0-9]+$ ]] || FAULT_OFFSET=$(date +%s)
		echo $(((FAULT_OFFSET + 1) % 1000000)) >"$file" 2>/dev/null || true
	fi
	[[ $FAULT_OFFSET =~ ^[0-9]+$ ]] || {
		echo "REL_FAULT_OFFSET must be a number" >&2
		return 1
	}
	FAULT_OFFSET=$((FAULT_OFFSET % STRIDE))
	export FAULT_OFFSET
	if [ -n "$ONLY" ]; then
		echo "# faults: only $ONLY" >&3
	elif [ "$STRIDE" -eq 1 ]; then
		echo "# faults: every call of each command with every fault" >&3
	else
		echo "# faults: the calls K with (K + kind) % $STRIDE == $FAULT_OFFSET, and each command's first and last;" \
		    "the same cases again: REL_FAULT_STRIDE=$STRIDE REL_FAULT_OFFSET=$FAULT_OFFSET;" \
		    "all of them: make check-long" >&3
	fi
}

setup() {
	rel_setup
	[ -f "$FAULT_SO" ] ||
	    skip "build/helpers/faultinject.so not built (make test-bins)"
	# ASan insists on being the first library loaded: with the shim
	# preloaded an instrumented command refuses to start.
	if ldd "$REL_BIN/rel-create" 2>/dev/null | grep -q -e libasan -e libubsan ||
	    nm "$REL_BIN/rel-create" 2>/dev/null | grep -q __asan_init; then
		skip "the commands are built with SANITIZE=1: ASan and LD_PRELOAD do not mix"
	fi
	FAULT_PREP=$SCRATCH/prep
	# The cases' stores go on a tmpfs when there is one: a thousand
	# copies with their fsyncs cost minutes on a busy disk, and what is
	# tested (a call failing, a process killed) is the same there.
	FAULT_TMP=
	if [ -z "$FAULT_TMP_DIR" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
		FAULT_TMP=$(mktemp -d /dev/shm/rel-faults.XXXXXX) || FAULT_TMP=
	fi
	FAULT_WORK=${FAULT_TMP:-${FAULT_TMP_DIR:-$SCRATCH}}/work
	mkdir -p "$FAULT_PREP" "$FAULT_WORK"
	export FAULT_PREP FAULT_WORK FAULT_SO
}

teardown() {
	[ -z "${FAULT_TMP:-}" ] || rm -rf "$FAULT_TMP"
	rel_teardown
}

# prep KIND: the store a KIND case starts from, in $FAULT_PREP/KIND.
prep() {
	export REL_STATE_DIR=$FAULT_PREP/$1

	case $1 in
	first | create)
		flow_simple web dev qa prod
		if [ "$1" = create ]; then
			[ "$(rel-create web -a web=1)" = web-1 ]
		fi
		;;
	promote | terminate | reap)
		# A flow of `true` steps: what is walked is rel's own I/O.
		write_flow "$REL_STATE_DIR/flows/sm.yaml" <<'EOF'
environments:
  - name: dev
    pre: [ {name: lint, run: "true"} ]
    action: "true"
  - name: qa
    action: "true"
  - name: prod
    trigger: manual
    action: "true"
EOF
		[ "$(rel-create sm -a sm=1.0)" = sm-1 ]
		if [ "$1" = terminate ]; then
			rel-promote sm-1 >/dev/null
			[ "$(rel-status sm-1 | cut -f3)" = suspended ]
		fi
		if [ "$1" = reap ]; then
			# Its runner killed right after the record said dev
			# runs: the call after the first sync of the record.
			cp -a "$REL_STATE_DIR" "$SCRATCH/trace.store"
			REL_STATE_DIR=$SCRATCH/trace.store LD_PRELOAD=$FAULT_SO \
			    REL_FAULT_TRACE=$SCRATCH/trace rel-promote sm-1 >/dev/null
			k=$(awk '$5 == "fdatasync" && $6 ~ /releases\/sm-1$/ { print $4 + 1; exit }' \
			    "$SCRATCH/trace")
			# (Not the subshell's last command: it would exec it,
			# and bash would say "Killed".)
			( LD_PRELOAD=$FAULT_SO REL_FAULT=any:$k:kill \
			    rel-promote sm-1 >/dev/null 2>&1 || true ) 2>/dev/null
			grep -q $'\tdev\tpending\trunning\t' \
			    "$REL_STATE_DIR/products/sm/releases/sm-1"
			return 0 # no --check: it would reap
		fi
		;;
	esac
	rel-status --check >/dev/null
}

# count KIND: how many calls of each class the KIND command makes on a
# fresh copy of its store (the shim counts, nothing fails), as
# "CLASS N" lines in $SCRATCH/count.KIND/counts.
count() {
	local d=$SCRATCH/count.$1

	rm -rf "$d"
	mkdir -p "$d"
	cp -a "$FAULT_PREP/$1" "$d/state"
	(
		export REL_STATE_DIR=$d/state
		case $1 in
		create | first) set -- rel-create web -a web=new ;;
		promote) set -- rel-promote sm-1 ;;
		terminate) set -- rel-terminate sm-1 ;;
		reap) set -- rel-status sm-1 ;;
		esac
		LD_PRELOAD=$FAULT_SO REL_FAULT_COUNT=$d/counts "$@" >/dev/null
	)
}

# walk KIND: the cases of KIND this run walks, in parallel; fails listing
# the cases that broke the promise, and how to replay them; prints the
# numbers.
walk() {
	local kind=$1 any= writes= c n cases=$SCRATCH/cases.$1
	local res=$SCRATCH/results.$1 bad=$SCRATCH/bad.$1 line

	[ -z "$ONLY" ] || [[ ",$ONLY" == *",$kind "* ]] ||
	    skip "REL_FAULT_CASE names no case of $kind"
	prep "$kind"
	count "$kind"
	while read -r c n; do
		case $c in
		any) any=$n ;;
		write) writes=$n ;;
		esac
	done <"$SCRATCH/count.$kind/counts"
	[ "${any:-0}" -gt 0 ] && [ "${writes:-0}" -gt 0 ]
	# (awk: a loop in the test itself pays bats' trap on each command)
	awk -v kind="$kind" -v any="$any" -v writes="$writes" \
	    -v stride="$STRIDE" -v offset="$FAULT_OFFSET" -v only="$ONLY" 'BEGIN {
		n = split("EIO ENOSPC kill torn tornline", act, " ")
		for (j = 0; j < n; j++) {
			last = act[j + 1] ~ /^torn/ ? writes : any
			for (k = 1; k <= last; k++) {
				c = kind " " k " " act[j + 1]
				if (only != "")
					walk = index("," only ",", "," c ",")
				else
					walk = k == 1 || k == last ||
					    (k + j) % stride == offset
				if (walk)
					print c
			}
		}
	}' >"$cases"
	[ -s "$cases" ] || skip "REL_FAULT_CASE names no case of $kind this walks"
	# Batches of ten cases to a bash, two (JOBS) at a time.
	# shellcheck disable=SC2016 # expanded by the inner bash
	xargs -P "${JOBS:-2}" -n 30 bash -c \
	    'source "$0"; fault_cases "$@"' "$BATS_TEST_DIRNAME/faults_lib.bash" \
	    <"$cases" >"$res" 3>&- || true
	# What the cases left to check all at once: their JSON.
	fault_json_check "$FAULT_WORK" >"$bad"
	if [ -s "$bad" ]; then
		awk 'NR == FNR { split($0, f, "\t"); why[f[1]] = why[f[1]] " | " f[2]; next }
		    ($1 " " $2 " " $3) in why {
			sub(/ ok /, " FAIL ")
			$0 = $0 why[$1 " " $2 " " $3]
		    }
		    { print }' "$bad" "$res" >"$res.new"
		mv "$res.new" "$res"
	fi
	rm -rf "${FAULT_WORK:?}"/*
	report "$kind" "$any" "$writes" "$res"
	if grep -q ' FAIL ' "$res"; then
		grep ' FAIL ' "$res" | head -20 >&2
		echo "$(grep -c ' FAIL ' "$res") of $(wc -l <"$res") cases broke the promise; to walk them again:" >&2
		line=$(grep ' FAIL ' "$res" | head -20 | cut -d' ' -f1-3 | paste -sd,)
		echo "  make test-bins && REL_FAULT_CASE='$line' bats tests/e2e/faults.bats" >&2
		return 1
	fi
	[ "$(wc -l <"$res")" -eq "$(wc -l <"$cases")" ]
}

# report KIND ANY WRITES RESULTS: the numbers, on the TAP stream.
report() {
	local a
	{
		printf '# %s: %d I/O calls on the store (%d writes);' "$1" "$2" "$3"
		for a in EIO ENOSPC kill torn tornline; do
			printf ' %s %d/%d fired' "$a" \
			    "$(awk -v a="$a" '$3 == a && $4 == "fired"' "$4" | wc -l)" \
			    "$(awk -v a="$a" '$3 == a' "$4" | wc -l)"
		done
		printf '; exit 0 despite the fault: %d\n' \
		    "$(awk '$4 == "fired" && $5 == 0' "$4" | wc -l)"
	} >&3
	[ -z "$RESULTS" ] || cp "$4" "$RESULTS.$1"
}

@test "faults in rel-create of a release: the store keeps its promise" {
	walk create
}

@test "faults in rel-create of a product's first release" {
	walk first
}

@test "faults in a promotion (rel-promote of a flow of true steps)" {
	walk promote
}

@test "faults in rel-terminate of a suspended release" {
	walk terminate
}

@test "faults in rel-status recording that a runner died" {
	walk reap
}

# said_durably CMD...: run CMD under strace; whatever it reported done
# was on disk first (tests/helpers/durable.pl).
said_durably() {
	local trace=$SCRATCH/strace.$RANDOM

	strace -y -s 4096 -o "$trace" -e trace=write,pwrite64,fsync,fdatasync,linkat,renameat,renameat2,mkdirat,openat \
	    "$@" >"$trace.out" 2>"$trace.err" || {
		cat "$trace.err" >&2
		return 1
	}
	run perl "$REL_TOP/tests/helpers/durable.pl" "$REL_STATE_DIR" <"$trace"
	echo "# $*: $output" | tr '\n' ' ' | sed 's/ $/\n/' >&3
	assert_status 0
	[ "$output" != "said 0" ] # it did say something
}

@test "what a command reports done is on disk before it says so (strace)" {
	command -v strace >/dev/null || skip "no strace"
	strace -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
	prep promote
	export REL_STATE_DIR=$SCRATCH/durable
	cp -a "$FAULT_PREP/promote" "$REL_STATE_DIR"
	flow_simple web dev qa
	said_durably rel-create web -a web=1          # a new product
	said_durably rel-create web -a web=2
	said_durably rel-promote sm-1                 # dev, qa, prod waits
	said_durably rel-promote sm-1 prod            # the manual gate
	said_durably rel-redeploy sm-1 qa
	id=$(rel-create sm -a sm=2.0)
	said_durably rel-terminate "$id"
	said_durably rel-promote --retry "$id"
	said_durably rel-promote "$id" prod
}

@test "a store on a read-only file system: every read works, writers say why not" {
	prep reap
	export REL_STATE_DIR=$FAULT_PREP/reap
	ro() {
		timeout 30 env LD_PRELOAD="$FAULT_SO" REL_FAULT=any:1+:EROFS \
		    REL_FAULT_LOG="$SCRATCH/ro.log" "$@"
	}
	# sm-1 was left running by a dead runner: a read would record
	# that, and cannot; it shows the record as it is.
	for view in "" --envs --steps --history --live "--format json" "--format table"; do
		# shellcheck disable=SC2086 # options
		run --separate-stderr ro rel-status $view
		assert_status 0
		[ -z "$stderr" ]
	done
	run --separate-stderr ro rel-status --format json sm-1
	assert_status 0
	[ "$(jq -r .status <<<"$output")" = running ]
	[ -s "$SCRATCH/ro.log" ] # the shim did refuse writes
	run --separate-stderr ro rel-create sm -a sm=2
	assert_status 5
	assert_contains "$stderr" "rel-create: "
	assert_contains "$stderr" "$REL_STATE_DIR/"
	assert_contains "$stderr" "Read-only file system"
	run --separate-stderr ro rel-status --check
	assert_status 5
	assert_contains "$stderr" "Read-only file system"
	# Writable again, the first read records the dead runner.
	[ "$(rel-status sm-1 | cut -f3)" = failed ]
}

@test "the shim counts only calls on the store, and fails the one asked" {
	prep create
	export REL_STATE_DIR=$SCRATCH/one
	cp -a "$FAULT_PREP/create" "$REL_STATE_DIR"
	# The record is made by a link(): make it fail, and nothing is made.
	run --separate-stderr env LD_PRELOAD="$FAULT_SO" REL_FAULT=rename:1:EIO \
	    REL_FAULT_LOG="$SCRATCH/log" rel-create web -a web=2
	assert_status 5
	[ -z "$output" ]
	assert_contains "$stderr" "rel-create: cannot create $REL_STATE_DIR/products/web/releases/web-2: Input/output error"
	grep -q " rename 1 EIO linkat $REL_STATE_DIR/products/web/releases/web-2\$" "$SCRATCH/log"
	[ "$(rel-status | cut -f1)" = web-1 ]
	# A typo in REL_FAULT is not a silent pass.
	run env LD_PRELOAD="$FAULT_SO" REL_FAULT=wrte:1:EIO rel-status
	assert_status 99
}

# trace_k CMD...: the number (in its class) of the first write CMD
# makes on a file whose path matches the regex in $TRACE_PATH, on a copy
# of $REL_STATE_DIR.
trace_k() {
	local d=$SCRATCH/trace.$RANDOM

	cp -a "$REL_STATE_DIR" "$d"
	REL_STATE_DIR=$d LD_PRELOAD=$FAULT_SO REL_FAULT_TRACE=$d.trace \
	    "$@" >/dev/null 2>&1 || true
	awk -v re="$TRACE_PATH" '$2 == "write" && $6 ~ re { print $3; exit }' "$d.trace"
}

@test "a step log cut short by a full disk: the record says so, and rel-log (exit 5)" {
	export REL_STATE_DIR=$SCRATCH/seven
	write_flow "$REL_STATE_DIR/flows/lg.yaml" <<'YAML'
environments:
  - name: dev
    action: 'head -c 200000 /dev/urandom; echo; echo end'
YAML
	[ "$(rel-create lg -a lg=1)" = lg-1 ]
	TRACE_PATH='\.log\.gz$'
	k=$(trace_k rel-promote lg-1)
	[ -n "$k" ]
	run --separate-stderr env LD_PRELOAD="$FAULT_SO" REL_FAULT="write:$k:ENOSPC" \
	    rel-promote lg-1
	assert_status 0
	[ "$(rel-status lg-1 | cut -f3)" = succeeded ]
	[ "$(rel-status --format json lg-1 | jq -r '.environments[0].steps[0].runs[0].reason')" = \
	    "its log is cut short: cannot write it: No space left on device" ]
	run --separate-stderr rel-log lg-1 dev
	assert_status 5
	[ "$stderr" = "rel-log: lg-1 dev/action/lg (attempt 1): the log is incomplete: it could not all be written" ]
}

@test "a dead runner recorded, its environment's history not (disk full): rel-status shows what it recorded, exit 5" {
	prep reap
	export REL_STATE_DIR=$SCRATCH/six
	cp -a "$FAULT_PREP/reap" "$REL_STATE_DIR"
	TRACE_PATH='/envs/dev$'
	k=$(trace_k rel-status sm-1)
	[ -n "$k" ]
	run --separate-stderr env LD_PRELOAD="$FAULT_SO" REL_FAULT="write:$k:ENOSPC" \
	    rel-status sm-1
	assert_status 5
	# The record has the failure: so does what was printed.
	[ "$(cut -f3 <<<"$output")" = failed ]
	assert_contains "$stderr" "rel-status: "
	assert_contains "$stderr" "$REL_STATE_DIR/products/sm/envs/dev"
	assert_contains "$stderr" "No space left on device"
	[ "$(rel-status sm-1 | cut -f3)" = failed ]
}


# The record takes prod's start, prod's history does not (a full disk):
# the runner stops (exit 5) and, the disk letting it a moment later, says
# so in the record, with the history's lines first, so that the two
# agree; nothing says a runner died that did not.
@test "an environment's history that cannot take its start: the runner records its stop and why; record and history agree" {
	export REL_STATE_DIR=$SCRATCH/eight
	write_flow "$REL_STATE_DIR/flows/fd.yaml" <<'YAML'
environments:
  - name: dev
    action: 'true'
  - name: prod
    action: 'true'
YAML
	[ "$(rel-create fd -a fd=1)" = fd-1 ]
	TRACE_PATH='/envs/prod$'
	k=$(trace_k rel-promote fd-1)
	[ -n "$k" ]
	run --separate-stderr env LD_PRELOAD="$FAULT_SO" REL_FAULT="write:$k:ENOSPC" \
	    rel-promote fd-1
	assert_status 5
	assert_contains "$stderr" "$REL_STATE_DIR/products/fd/envs/prod"
	assert_contains "$stderr" "No space left on device"
	run --separate-stderr rel-status --envs fd-1
	assert_status 0
	[ "$(cut -f2,3 <<<"$output")" = "$(printf 'dev\tsucceeded\nprod\tfailed')" ]
	why=$(rel-status --format json fd-1 | jq -r '.environments[1].reason')
	assert_contains "$why" "rel-promote stopped: "
	assert_contains "$why" "No space left on device"
	run rel-status --history fd-1
	assert_not_contains "$output" "the runner (pid"
	# prod's history has the run and its end, as the record does.
	[ "$(cut -f1,3,5 "$REL_STATE_DIR/products/fd/envs/prod")" = "$(printf 'run\tfd-1\tpromote\nend\tfd-1\tfailed')" ]
	run --separate-stderr rel-status --check
	assert_status 0
	[ -z "$stderr" ]
}
