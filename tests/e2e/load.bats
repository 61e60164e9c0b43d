#!/usr/bin/env bats
# Load: 16 processes x 500 transitions at once, on one product and across
# products, with readers running all the time.  At the end the counts are
# exact (every create made one release, ids 1..N, every release has
# exactly the transitions its story makes), no update was lost (each
# release is in the state its worker drove it to), nothing deadlocked (all
# bounded by timeout), no lock outlived its transition, and no reader ever
# saw a torn or inconsistent record.  A lock held by a stuck process makes
# every writer give up with exit 4, naming the holder.  No test asserts a
# duration.
#
# REL_LOAD_PROCS (16) and REL_LOAD_TRANSITIONS (500 per process) scale it.

load lib

# Read before setup, which clears every REL_* variable.
PROCS=${REL_LOAD_PROCS:-16}
BUDGET=${REL_LOAD_TRANSITIONS:-500}

setup() {
	rel_setup
	LOAD_FLAGS=$SCRATCH/flags
	mkdir -p "$LOAD_FLAGS"
	export LOAD_FLAGS
}

# load_flow PRODUCT: one manual environment per worker, side by side,
# each with one step that fails while the flag $LOAD_FLAGS/ID exists (so
# a worker decides which promotions fail).  The workers share the product
# (its lock, index and records) but not an environment: a newer release
# promoted where an older one runs supersedes it (DESIGN.md), and then no
# worker could know the state its releases must end in.
load_flow() {
	local i

	{
		echo "environments:"
		for ((i = 1; i <= PROCS; i++)); do
			echo "  - name: e$i"
			echo "    trigger: manual"
			echo "    needs: []"
			# shellcheck disable=SC2016 # for the step's shell
			echo '    action: test ! -e "$LOAD_FLAGS/$REL_RELEASE"'
		done
	} | write_flow "$REL_STATE_DIR/flows/$1.yaml"
}

# story KIND ID ENV: drive release ID through one of the stories, its
# promotions into ENV; calibrate counts the transitions of each.
#   ok        promoted, succeeded
#   failretry promoted, failed (its step exit 1), retried, succeeded
#   termretry terminated before it ran, retried, promoted, succeeded
#   fail      promoted, failed, left so
story() {
	local kind=$1 id=$2 env=$3 rc=0

	case $kind in
	ok)
		rel-promote --wait 60 "$id" "$env" >/dev/null ;;
	failretry)
		: >"$LOAD_FLAGS/$id"
		rel-promote --wait 60 "$id" "$env" >/dev/null 2>&1 || rc=$?
		[ $rc -eq 1 ] || return 1
		rm "$LOAD_FLAGS/$id"
		rel-promote --wait 60 --retry "$id" >/dev/null ;;
	termretry)
		[ "$(rel-terminate --wait 60 --reason load "$id")" = "$id" ] &&
		    rel-promote --wait 60 --retry "$id" >/dev/null &&
		    rel-promote --wait 60 "$id" "$env" >/dev/null ;;
	fail)
		: >"$LOAD_FLAGS/$id"
		rel-promote --wait 60 "$id" "$env" >/dev/null 2>&1 || rc=$?
		[ $rc -eq 1 ] ;;
	esac
}

KINDS=(ok ok ok failretry ok termretry ok fail)

# calibrate: the number of transitions (history lines) of each story,
# told by running it once, alone, in a product of its own.
calibrate() {
	local kind id

	load_flow cal
	for kind in ok failretry termretry fail; do
		id=$(rel-create cal -a cal=1)
		story "$kind" "$id" e1
		eval "TR_$kind=$(rel-status --history "$id" | wc -l)"
	done
}

# worker W PRODUCT...: stories on new releases of the products in turn,
# promoted into eW, until BUDGET transitions; "ID KIND eW" lines in
# $SCRATCH/w.W, what went wrong in $SCRATCH/w.W.err.
worker() {
	local w=$1 done=0 i=0 id kind n p

	shift
	while [ "$done" -lt "$BUDGET" ]; do
		p=${*:$((i % $# + 1)):1}
		kind=${KINDS[(i + w) % ${#KINDS[@]}]}
		i=$((i + 1))
		if ! id=$(rel-create --wait 60 "$p" -a "$p=$w.$i" 2>>"$SCRATCH/w.$w.err"); then
			echo "rel-create $p failed" >>"$SCRATCH/w.$w.err"
			continue
		fi
		echo "$id $kind e$w" >>"$SCRATCH/w.$w"
		story "$kind" "$id" "e$w" 2>>"$SCRATCH/w.$w.err" ||
		    echo "$id: story $kind went wrong" >>"$SCRATCH/w.$w.err"
		n=TR_$kind
		done=$((done + ${!n}))
	done
}

# reader N PRODUCT...: read until $SCRATCH/stop exists: every rel-status
# exits 0, its TSV lines are whole, its JSON parses and each release's
# status follows from its environments (DESIGN.md).  Counts reads.
reader() {
	local r=$1 reads=0 out=$SCRATCH/r.$1 msg

	shift
	while [ ! -e "$SCRATCH/stop" ]; do
		if ! rel-status "$@" >"$out.tsv" 2>"$out.e"; then
			echo "rel-status exit $?: $(cat "$out.e")" >>"$out.err"
		else
			awk -F'\t' 'NF != 7 || $1 !~ /^[a-z0-9]+-[0-9]+$/ ||
			    $3 !~ /^(pending|running|suspended|succeeded|failed|terminating|terminated)$/ {
				print "torn line: " $0 }' "$out.tsv" >>"$out.err"
		fi
		if ! rel-status --format json "$@" >"$out.json" 2>"$out.e"; then
			echo "rel-status --format json exit: $(cat "$out.e")" >>"$out.err"
		elif ! msg=$(jq -r '
		    def agg:
		      ([.environments[].status]) as $e |
		      if .terminated != null then .status
		      elif any($e[]; . == "failed" or . == "terminated") then "failed"
		      elif any($e[]; . == "running") then "running"
		      elif any($e[]; . == "suspended") then "suspended"
		      elif ($e | length) > 0 and all($e[]; . == "succeeded") then "succeeded"
		      else "pending" end;
		    select(agg != .status) | "\(.id) \(.status) but \(agg)"' \
		    "$out.json" 2>&1); then
			echo "JSON does not parse: ${msg:0:300}" >>"$out.err"
		elif [ -n "$msg" ]; then
			echo "inconsistent: $msg" >>"$out.err"
		fi
		reads=$((reads + 2))
	done
	echo "$reads" >"$out.count"
}

# run_load PRODUCT-LISTS...: one worker per argument (a space-separated
# list of products), two readers, then every check.
run_load() {
	local w pids=() rpids=() p id kind env st est why n want total=0 reads
	local products

	products=$(printf '%s\n' "$@" | tr ' ' '\n' | sort -u)
	for p in $products; do
		load_flow "$p"
	done
	calibrate
	w=0
	for p in "$@"; do
		w=$((w + 1))
		# A process of its own, bounded: a deadlock fails, never hangs.
		timeout 600 bash -c "$(declare -f worker story)
		    $(declare -p KINDS BUDGET SCRATCH TR_ok TR_failretry TR_termretry TR_fail)
		    worker $w $p" 3>&- &
		pids+=($!)
	done
	for r in 1 2; do
		reader "$r" 3>&- &
		rpids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || { echo "a worker did not finish (exit $?)" >&2; return 1; }
	done
	: >"$SCRATCH/stop"
	for pid in "${rpids[@]}"; do
		wait "$pid"
	done

	# What went wrong, if anything, in the workers and readers.
	if cat "$SCRATCH"/w.*.err "$SCRATCH"/r.*.err 2>/dev/null | grep -q .; then
		cat "$SCRATCH"/w.*.err "$SCRATCH"/r.*.err 2>/dev/null | head -20 >&2
		return 1
	fi

	# Exact counts: one release per create, ids 1..N per product, each
	# release in the state its story left it, with exactly its
	# transitions, a failure with its reason.
	cat "$SCRATCH"/w.[0-9]* >"$SCRATCH/made"
	for p in $products; do
		n=$(grep -c "^$p-" "$SCRATCH/made")
		diff <(rel-status "$p" | cut -f1 | sed "s/^$p-//" | sort -n) <(seq 1 "$n")
	done
	# shellcheck disable=SC2086 # a list of products
	rel-status --format json $products |
	    jq -r '.id as $id | .status as $st | .environments[] |
		"\($id) \($st) \(.name) \(.status) \(.reason)"' >"$SCRATCH/final"
	rel-status --history >"$SCRATCH/history"
	cut -f2 "$SCRATCH/history" | sort | uniq -c | awk '{ print $2, $1 }' \
	    >"$SCRATCH/trcount"
	while read -r id kind env; do
		read -r _ st _ est why < <(grep "^$id [a-z]* $env " "$SCRATCH/final")
		case $kind in
		fail) want="failed failed" ;;
		*) want="suspended succeeded" ;;
		esac
		if [ "$st $est" != "$want" ]; then
			echo "$id ($kind): release $st, $env $est; want $want" >&2
			return 1
		fi
		if [ "$kind" = fail ] && [[ "$why" != *"exit 1"* ]]; then
			echo "$id failed without its reason: '$why'" >&2
			return 1
		fi
		n=TR_$kind
		if [ "$(awk -v id="$id" '$1 == id { print $2 }' "$SCRATCH/trcount")" != "${!n}" ]; then
			echo "$id ($kind): not the ${!n} transitions of its story:" >&2
			grep -P "\t$id\t" "$SCRATCH/history" >&2
			return 1
		fi
		total=$((total + ${!n}))
	done <"$SCRATCH/made"
	run --separate-stderr rel-status --check
	assert_status 0
	[ "$(awk -F'\t' '$1 == "total" { print $5 }' <<<"$output")" = 0 ]

	# No lock outlives its transition: every one is free now.
	for f in "$REL_STATE_DIR"/locks/*; do
		timeout 10 "$REL_HELPERS/holdlock" "$f" >"$SCRATCH/hold" 3>&- &
		wait_for_line "$SCRATCH/hold" locked
		kill "$!"
		wait "$!" || true
	done

	reads=$(cat "$SCRATCH"/r.*.count | awk '{ n += $1 } END { print n }')
	echo "# $# processes: $(wc -l <"$SCRATCH/made") releases, $total transitions ($(cut -d' ' -f2 "$SCRATCH/made" | sort | uniq -c | awk '{ printf "%s%s %d", (NR > 1 ? ", " : ""), $2, $1 }')); $reads reads, none torn; check: $(grep '^total' <<<"$output" | cut -f2- | tr '\t' ' ')" >&3
}

@test "$PROCS processes x $BUDGET transitions on one product" {
	[ -x "$REL_HELPERS/holdlock" ] || skip "build/helpers/holdlock not built"
	set --
	for ((i = 0; i < PROCS; i++)); do
		set -- "$@" load
	done
	run_load "$@"
}

@test "$PROCS processes x $BUDGET transitions across 4 products" {
	[ -x "$REL_HELPERS/holdlock" ] || skip "build/helpers/holdlock not built"
	set --
	for ((i = 0; i < PROCS; i++)); do
		# Each worker on two products, each product shared.
		set -- "$@" "p$((i % 4)) p$(((i + 1) % 4))"
	done
	run_load "$@"
}

@test "a stuck holder of the product lock: every writer exits 4 naming it" {
	[ -x "$REL_HELPERS/holdlock" ] || skip "build/helpers/holdlock not built"
	load_flow load
	a=$(rel-create load -a load=1)
	b=$(rel-create load -a load=2)
	rel-promote "$b" e1 >/dev/null
	start_bg "$SCRATCH/holder.out" "$REL_HELPERS/holdlock" \
	    "$REL_STATE_DIR/locks/load.lock" "stuck-writer (pid 4242)"
	wait_for_line "$SCRATCH/holder.out" locked
	before=$(store_snapshot | grep -v 'locks/')
	for cmd in "rel-create --wait 0.3 load -a load=3" \
	    "rel-promote --wait 0.3 $a e1" \
	    "rel-terminate --wait 0.3 $a" \
	    "rel-redeploy --wait 0.3 $b e1"; do
		# shellcheck disable=SC2086 # a command line
		run --separate-stderr timeout 60 $cmd
		assert_status 4
		assert_contains "$stderr" "${cmd%% *}: "
		assert_contains "$stderr" "locks/load.lock is locked by stuck-writer (pid 4242)"
	done
	# Nothing was written meanwhile, and readers are not held up.
	[ "$(store_snapshot | grep -v 'locks/')" = "$before" ]
	run timeout 60 rel-status "$a"
	assert_status 0
}

@test "a stuck holder of a release's runner lock: rel-promote exits 4 naming it" {
	[ -x "$REL_HELPERS/holdlock" ] || skip "build/helpers/holdlock not built"
	load_flow load
	a=$(rel-create load -a load=1)
	mkdir -p "$REL_STATE_DIR/locks"
	start_bg "$SCRATCH/holder.out" "$REL_HELPERS/holdlock" \
	    "$REL_STATE_DIR/locks/$a.runner" "rel-promote (pid 4343, user ops, host h1)"
	wait_for_line "$SCRATCH/holder.out" locked
	for cmd in "rel-promote --wait 0.3 $a e1" "rel-promote --wait 0.3 --retry $a"; do
		# shellcheck disable=SC2086 # a command line
		run --separate-stderr timeout 60 $cmd
		assert_status 4
		assert_contains "$stderr" "$a is being promoted already, by rel-promote (pid 4343, user ops, host h1)"
	done
	[ "$(rel-status "$a" | cut -f3)" = pending ]
}

@test "no lock is held while a step runs: the product lock is free mid-promotion" {
	[ -x "$REL_HELPERS/holdlock" ] || skip "build/helpers/holdlock not built"
	write_flow "$REL_STATE_DIR/flows/load.yaml" <<'EOF2'
environments:
  - name: dev
    action: ': >"$LOAD_FLAGS/started"; i=0; while [ ! -e "$LOAD_FLAGS/go" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done'
EOF2
	a=$(rel-create load -a load=1)
	start_bg "$SCRATCH/promote.out" timeout 60 rel-promote "$a"
	promoter=$BG_PID
	for ((i = 0; i < 400; i++)); do
		[ -e "$LOAD_FLAGS/started" ] && break
		sleep 0.05
	done
	[ -e "$LOAD_FLAGS/started" ]
	# The step runs: the product lock is free (holdlock exits 1 at once
	# if it is not), so others write meanwhile.
	start_bg "$SCRATCH/holder.out" "$REL_HELPERS/holdlock" \
	    "$REL_STATE_DIR/locks/load.lock"
	wait_for_line "$SCRATCH/holder.out" locked
	kill "$BG_PID"
	[ "$(rel-create --wait 5 load -a load=2)" = load-2 ]
	[ "$(rel-status "$a" | cut -f3)" = running ]
	: >"$LOAD_FLAGS/go"
	wait "$promoter"
	[ "$(rel-status "$a" | cut -f3)" = succeeded ]
}

@test "a stuck holder of the product lock and a dead runner: readers say why they cannot record it" {
	[ -x "$REL_HELPERS/holdlock" ] || skip "build/helpers/holdlock not built"
	write_flow "$REL_STATE_DIR/flows/load.yaml" <<'EOF2'
environments:
  - name: dev
    action: 'i=0; while [ ! -e "$LOAD_FLAGS/go" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done'
EOF2
	a=$(rel-create load -a load=1)
	start_bg "$SCRATCH/promote.out" rel-promote "$a"
	for ((i = 0; i < 400; i++)); do
		[ "$(rel-status "$a" | cut -f3)" = running ] && break
		sleep 0.05
	done
	# The runner dies; its step goes on until told to stop.
	kill -KILL "$BG_PID"
	wait "$BG_PID" 2>/dev/null || true
	start_bg "$SCRATCH/holder.out" "$REL_HELPERS/holdlock" \
	    "$REL_STATE_DIR/locks/load.lock" "stuck-writer (pid 4242)"
	wait_for_line "$SCRATCH/holder.out" locked
	run --separate-stderr timeout 60 rel-status
	: >"$LOAD_FLAGS/go"
	assert_status 0
	assert_contains "$output" "$a"
	assert_contains "$stderr" "stuck-writer (pid 4242)"
	# With the lock free, the next look records the dead runner and
	# stops the step it left behind.
	kill "$BG_PID"
	wait "$BG_PID" 2>/dev/null || true
	rel-status "$a" >/dev/null
	[ "$(rel-status "$a" | cut -f3)" = failed ]
}
