#!/usr/bin/env bash
# soak.sh DURATION [PROCS] - a randomized soak of the store.
#
# PROCS workers (default 4) spend DURATION seconds doing random things to
# three products with small flows (steps `true`, short sleeps, some that
# fail at random): rel-create, rel-promote (some --detach), manual
# promotions, rel-terminate, rel-promote --retry, rel-redeploy and
# rel-status reads, while a killer SIGKILLs random rel-* processes of this
# soak (runners included) at random moments, and some operations run with
# one of their I/O calls failing (EIO, ENOSPC: REL_SOAK_FAULTS percent,
# default 10, through tests/helpers/faultinject.c; not under ASan).  Each worker logs what the
# commands reported done.  Then it waits for every runner, runs
# rel-status --check (which must find no problem once it repaired what is
# derived) and verifies:
#
#  - every id rel-create printed exists; each product's ids are exactly
#    1..max, none missing, none twice;
#  - no release or environment is left running or terminating (every
#    runner is gone by then, so nothing may claim to run);
#  - every transition a command reported done is in the records: an
#    environment a progress line said succeeded, a release rel-terminate
#    printed;
#  - every rel-status read exited 0 and its JSON parsed and followed the
#    aggregation rule of DESIGN.md.
#
# It prints exact counts (operations by kind and exit status, kills,
# releases, transitions, problems) and exits 0 only if nothing broke.
# Environment: REL_SOAK_KEEP=1 keeps the scratch directory; the commands
# are this tree's bin/.  Only processes this soak started are killed
# (rel-* processes whose environment names its state directory).

set -u

DURATION=${1:-30}
PROCS=${2:-4}
case $DURATION$PROCS in
*[!0-9]*) echo "usage: soak.sh DURATION [PROCS]" >&2; exit 2 ;;
esac

TOP=$(cd "$(dirname "$0")/../.." && pwd)
PATH=$TOP/bin:$PATH
SOAK=$(mktemp -d "${TMPDIR:-/tmp}/rel-soak.XXXXXX") || exit 2
unset XDG_STATE_HOME NO_COLOR TERM CDPATH
while read -r v; do unset "$v"; done < <(compgen -e | grep '^REL_' || true)
export PATH LC_ALL=C USER=soak REL_STATE_DIR=$SOAK/state SOAK
LOG=$SOAK/log
mkdir -p "$SOAK/bin" "$LOG" "$REL_STATE_DIR/flows"

cleanup() {
	local pid

	# Whatever of ours is still there (only on an early exit).
	for pid in $(our_pids); do
		kill -KILL "$pid" 2>/dev/null
	done
	if [ "${REL_SOAK_KEEP:-}" = 1 ]; then
		echo "soak: kept $SOAK" >&2
	else
		rm -rf "$SOAK"
	fi
}
trap cleanup EXIT
trap 'exit 2' INT TERM

# our_pids: the rel-* processes of this soak (by their environment).
our_pids() {
	local dir comm

	for dir in /proc/[0-9]*; do
		{ read -r comm <"$dir/comm"; } 2>/dev/null || continue
		case $comm in
		rel-*) ;;
		*) continue ;;
		esac
		grep -qzxF "REL_STATE_DIR=$REL_STATE_DIR" "$dir/environ" \
		    2>/dev/null && echo "${dir#/proc/}"
	done
}

# --- the products ------------------------------------------------------

# maybe P: fail with a chance of P percent.
cat >"$SOAK/bin/maybe" <<'EOF'
#!/bin/sh
n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
[ $((n % 100)) -ge "$1" ]
EOF
chmod +x "$SOAK/bin/maybe"
PATH=$SOAK/bin:$PATH

cat >"$REL_STATE_DIR/flows/web.yaml" <<'EOF'
components: [api, ui]
parallel: 2
environments:
  - name: dev
    pre: [ {name: lint, run: "true"} ]
    action: "sleep 0.02"
    verify: "maybe 5"
    post: [ {name: notify, run: "true"} ]
  - name: qa
    action: "maybe 15"
  - name: prod
    trigger: manual
    action: "sleep 0.03"
EOF
cat >"$REL_STATE_DIR/flows/api.yaml" <<'EOF'
environments:
  - name: dev
    action: "true"
  - name: qa
    action: "sleep 0.05; maybe 20"
EOF
cat >"$REL_STATE_DIR/flows/shop.yaml" <<'EOF'
components: [cart, search]
best_effort: true
environments:
  - name: a
    action: "maybe 10"
  - name: b
    action: "sleep 0.02"
  - name: c
    needs: [a, b]
    action: "true"
EOF
PRODUCTS=(web api shop)

# The fault shim, unless the commands are built with ASan (which wants to
# be loaded first): REL_SOAK_FAULTS percent of operations (default 10)
# run with one I/O call failing.
FAULT_SO=$TOP/build/helpers/faultinject.so
FAULT_PCT=${REL_SOAK_FAULTS:-10}
if [ ! -f "$FAULT_SO" ] || [ "$FAULT_PCT" -eq 0 ] ||
    ldd "$TOP/bin/rel-create" 2>/dev/null | grep -q libasan; then
	FAULT_SO=
fi
# The environment a redeploy may go to, per product.
declare -A REDEPLOY_ENV=([web]=qa [api]=dev [shop]=b)

# --- the JSON rule ------------------------------------------------------

# Releases whose status breaks DESIGN.md's aggregation rule.
JQ_AGG=$TOP/tests/helpers/aggregation.jq

# --- workers -------------------------------------------------------------

# pick PRODUCT STATUSES: a random release of PRODUCT in one of STATUSES
# (comma-separated) among its newest, or nothing.
pick() {
	local ids

	mapfile -t ids < <(rel-status -n 12 --status "$2" "$1" 2>/dev/null | cut -f1)
	[ ${#ids[@]} -gt 0 ] && echo "${ids[RANDOM % ${#ids[@]}]}"
}

# op W KIND CMD...: run CMD (bounded), log "KIND RC", and what it
# reported done: "created ID", "envok ID ENV", "terminated ID".
op() {
	local w=$1 kind=$2 rc out=$SOAK/w$1.out err=$SOAK/w$1.err
	local fault=() flog=$SOAK/w$1.fault

	shift 2
	# Now and then the store fails the command: an I/O error or a full
	# disk at one of its first calls (tests/helpers/faultinject.c).
	rm -f "$flog"
	if [ -n "$FAULT_SO" ] && [ $((RANDOM % 100)) -lt "$FAULT_PCT" ]; then
		fault=(env LD_PRELOAD="$FAULT_SO" REL_FAULT_LOG="$flog"
		    REL_FAULT="any:$((RANDOM % 60 + 1)):$( ((RANDOM % 2)) && echo EIO || echo ENOSPC)")
	fi
	# (In a subshell: bash's "Killed" notices go nowhere.)
	rc=$( (timeout 120 "${fault[@]}" "$@" >"$out" 2>"$err" </dev/null
	    echo $?) 2>/dev/null)
	echo "$kind $rc" >>"$LOG/ops.$w"
	if [ -s "$flog" ]; then
		echo "$kind $rc" >>"$LOG/faults.$w"
	fi
	case $rc in
	4) echo "$kind: $(head -c 300 "$err")" >>"$LOG/busy.$w" ;;
	0 | 1 | 2 | 137) ;;
	5)
		# A failure of the store is an answer only when one was made,
		# and then it names the file and what went wrong.
		if [ ! -s "$flog" ] || ! grep -qE "$SOAK/state/.*: (Input/output error|No space left on device)" "$err"; then
			echo "$kind exit 5: $* : $(head -c 300 "$err")" >>"$LOG/errors.$w"
		fi ;;
	*) echo "$kind exit $rc: $* : $(head -c 300 "$err")" >>"$LOG/errors.$w" ;;
	esac
	case $kind in
	create)
		grep -E '^[a-z]+-[0-9]+$' "$out" | sed 's/^/created /' >>"$LOG/done.$w" ;;
	promote | manual | retry | redeploy)
		awk -F'\t' '$4 == "-" && $3 != "-" && $6 == "succeeded" {
			print "envok", $2, $3 }' "$out" >>"$LOG/done.$w" ;;
	terminate)
		grep -E '^[a-z]+-[0-9]+$' "$out" | sed 's/^/terminated /' >>"$LOG/done.$w" ;;
	status)
		if [ "$rc" = 0 ]; then
			if ! msg=$(jq -r -f "$JQ_AGG" "$out" 2>&1); then
				echo "status: JSON does not parse: ${msg:0:200}" >>"$LOG/errors.$w"
			elif [ -n "$msg" ]; then
				echo "status: $msg" >>"$LOG/errors.$w"
			fi
		elif [ "$rc" = 5 ] && [ -s "$flog" ]; then
			# The store failed it (a dead runner it recorded, say):
			# said above, with the file, or counted there.
			:
		elif [ "$rc" != 137 ]; then
			echo "status: rel-status exit $rc: $(head -c 300 "$err")" >>"$LOG/errors.$w"
		fi ;;
	esac
	return 0
}

worker() {
	local w=$1 end=$2 p id r env

	while [ "$(date +%s)" -lt "$end" ]; do
		p=${PRODUCTS[RANDOM % ${#PRODUCTS[@]}]}
		r=$((RANDOM % 100))
		if [ $r -lt 18 ]; then
			case $p in
			web) op "$w" create rel-create --wait 30 web -a api=$w.$RANDOM -a ui=$w ;;
			shop) op "$w" create rel-create --wait 30 shop -a cart=$w -a search=$RANDOM ;;
			*) op "$w" create rel-create --wait 30 "$p" -a "$p=$w.$RANDOM" ;;
			esac
		elif [ $r -lt 36 ]; then
			id=$(pick "$p" pending) || continue
			if [ $((RANDOM % 3)) -eq 0 ]; then
				op "$w" detach rel-promote --wait 30 --detach "$id"
			else
				op "$w" promote rel-promote --wait 30 "$id"
			fi
		elif [ $r -lt 44 ]; then
			id=$(pick web suspended) || continue
			op "$w" manual rel-promote --wait 30 "$id" prod
		elif [ $r -lt 53 ]; then
			id=$(pick "$p" running,suspended,pending) || continue
			op "$w" terminate rel-terminate --wait 30 --grace 1 \
			    --reason "soak $w" "$id"
		elif [ $r -lt 63 ]; then
			id=$(pick "$p" failed,terminated) || continue
			op "$w" retry rel-promote --wait 30 --retry "$id"
		elif [ $r -lt 68 ]; then
			env=${REDEPLOY_ENV[$p]}
			id=$(rel-status -n 12 --env "$env" --envs --status succeeded "$p" 2>/dev/null |
			    cut -f1 | shuf -n 1) || continue
			[ -n "$id" ] || continue
			op "$w" redeploy rel-redeploy --wait 30 "$id" "$env"
		else
			op "$w" status rel-status --wait 30 --format json -n 30
		fi
	done
}

killer() {
	local end=$1 pids pid

	while [ "$(date +%s)" -lt "$end" ]; do
		sleep "0.$((RANDOM % 4 + 1))"
		mapfile -t pids < <(our_pids)
		[ ${#pids[@]} -gt 0 ] || continue
		pid=${pids[RANDOM % ${#pids[@]}]}
		comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
		if kill -KILL "$pid" 2>/dev/null; then
			echo "$comm" >>"$LOG/kills"
		fi
	done
}

# --- the soak -------------------------------------------------------------

echo "soak: $PROCS workers for $DURATION s on ${PRODUCTS[*]} in $SOAK"
# A release of each, so that every kind of operation has something to do.
for p in "${PRODUCTS[@]}"; do
	case $p in
	web) op 0 create rel-create web -a api=0 -a ui=0 ;;
	shop) op 0 create rel-create shop -a cart=0 -a search=0 ;;
	*) op 0 create rel-create "$p" -a "$p=0" ;;
	esac
done
end=$(($(date +%s) + DURATION))
pids=()
for ((w = 1; w <= PROCS; w++)); do
	worker "$w" "$end" &
	pids+=($!)
done
killer "$end" &
killer_pid=$!
for pid in "${pids[@]}"; do
	wait "$pid"
done
wait "$killer_pid"

# Every runner must end by itself (detached ones too): steps are short,
# but a runner may wait up to a minute for an environment to be free.
for ((i = 0; i < 1200; i++)); do
	[ -n "$(our_pids)" ] || break
	sleep 0.1
done
left=$(our_pids | wc -l)
if [ "$left" -gt 0 ]; then
	echo "soak: $left rel-* processes still there after 120 s:" >&2
	for pid in $(our_pids); do
		tr '\0' ' ' <"/proc/$pid/cmdline" >&2
		echo >&2
	done
fi

# --- the verdict ---------------------------------------------------------

bad=0
problem() {
	echo "soak: PROBLEM: $*" >&2
	bad=$((bad + 1))
}

# The check first: it reaps what died and rebuilds the index.
rel-status --check >"$SOAK/check" 2>"$SOAK/check.err"
check_rc=$?
echo "rel-status --check (exit $check_rc): product releases transitions env-runs problems fixed stale"
sed 's/^/  /' "$SOAK/check"
if [ -s "$SOAK/check.err" ]; then
	sed 's/^/  /' "$SOAK/check.err" | head -20
fi
[ "$check_rc" -eq 0 ] || problem "rel-status --check exited $check_rc"
problems=$(awk -F'\t' '$1 == "total" { print $5 }' "$SOAK/check")
[ "${problems:-x}" = 0 ] || problem "rel-status --check found ${problems:-?} problems"
# A second check has nothing left to fix.
rel-status --check >"$SOAK/check2" 2>&1
fixed2=$(awk -F'\t' '$1 == "total" { print $5 + $6 }' "$SOAK/check2")
[ "${fixed2:-x}" = 0 ] || problem "a second --check still found or fixed: $(cat "$SOAK/check2")"

rel-status >"$SOAK/all" 2>"$SOAK/all.err" || problem "rel-status failed: $(cat "$SOAK/all.err")"
rel-status --format json >"$SOAK/all.json" 2>&1 || problem "rel-status --format json failed"
msg=$(jq -r -f "$JQ_AGG" "$SOAK/all.json" 2>&1) || problem "final JSON does not parse"
[ -z "$msg" ] || problem "aggregation: $msg"
rel-status --history >"$SOAK/history" 2>&1 || problem "rel-status --history failed"

# Ids: exactly 1..max per product, every printed one there.
for p in "${PRODUCTS[@]}"; do
	awk -F'\t' -v p="$p" '$2 == p { sub(/^.*-/, "", $1); print $1 }' "$SOAK/all" |
	    sort -n >"$SOAK/ids.$p"
	max=$(tail -1 "$SOAK/ids.$p")
	if ! diff -q <(seq 1 "${max:-0}") "$SOAK/ids.$p" >/dev/null; then
		problem "$p: ids are not exactly 1..$max (missing: $(comm -23 <(seq 1 "${max:-0}" | sort) <(sort "$SOAK/ids.$p") | tr '\n' ' '), twice: $(uniq -d "$SOAK/ids.$p" | tr '\n' ' '))"
	fi
done
cat "$LOG"/done.* 2>/dev/null >"$SOAK/done"
cut -f1 "$SOAK/all" | sort >"$SOAK/listed"
awk '$1 == "created" { print $2 }' "$SOAK/done" | sort >"$SOAK/created"
missing=$(comm -23 "$SOAK/created" "$SOAK/listed" | tr '\n' ' ')
[ -z "$missing" ] || problem "printed by rel-create, not there: $missing"
dups=$(uniq -d "$SOAK/created" | tr '\n' ' ')
[ -z "$dups" ] || problem "rel-create printed these twice: $dups"

# Nothing runs any more.
stuck=$(jq -r 'select(.status == "running" or .status == "terminating" or
    any(.environments[]; .status == "running")) | .id' "$SOAK/all.json" | tr '\n' ' ')
[ -z "$stuck" ] || problem "left running or terminating with no runner: $stuck"

# Every transition reported done is in the records.
lost=$(awk -F'\t' '
	FNR == NR {
		if ($1 == "envok") want["env " $2 " " $3] = 1
		else if ($1 == "terminated") want["rel " $2] = 1
		next
	}
	$6 == "succeeded" && $4 != "release" { have["env " $2 " " $4] = 1 }
	$6 == "terminated" && $4 == "release" { have["rel " $2] = 1 }
	END { for (k in want) if (!(k in have)) print k }
' FS=' ' "$SOAK/done" FS='\t' "$SOAK/history" | sort | tr '\n' ';')
[ -z "$lost" ] || problem "reported done, not in the records: $lost"

# Busy (exit 4) is an answer, not a failure: another runner had the
# release, or a lock was not free within --wait.  Say which.
if cat "$LOG"/busy.* >"$SOAK/busy" 2>/dev/null && [ -s "$SOAK/busy" ]; then
	echo "busy (exit 4): $(grep -c 'being promoted already' "$SOAK/busy") release already being promoted, $(grep -c 'is locked by' "$SOAK/busy") lock not free in time, $(grep -vc -e 'being promoted already' -e 'is locked by' "$SOAK/busy") other"
	grep -v 'being promoted already' "$SOAK/busy" | head -5 | sed 's/^/  /'
fi
if cat "$LOG"/errors.* >"$SOAK/errors" 2>/dev/null && [ -s "$SOAK/errors" ]; then
	problem "$(wc -l <"$SOAK/errors") command(s) went wrong:"
	head -20 "$SOAK/errors" >&2
fi

# --- the numbers ----------------------------------------------------------

ops=$(cat "$LOG"/ops.* | wc -l)
echo "operations: $ops"
cat "$LOG"/ops.* | awk '{ n[$1]++; rc[$1 " " $2]++ }
	END {
		for (k in n) {
			line = sprintf("  %-9s %6d  exit", k, n[k])
			for (c in rc) {
				split(c, f, " ")
				if (f[1] == k)
					line = line sprintf(" %s:%d", f[2], rc[c])
			}
			print line
		}
	}' | sort
echo "faults injected: $(cat "$LOG"/faults.* 2>/dev/null | wc -l) ($(cat "$LOG"/faults.* 2>/dev/null | awk '{ print ($2 == 0 ? "went on" : "exit " $2) }' | sort | uniq -c | awk '{ n = $1; $1 = ""; printf "%s%s%s", (NR > 1 ? ", " : ""), n, $0 }'))"
echo "kills: $(cat "$LOG/kills" 2>/dev/null | wc -l) ($(sort "$LOG/kills" 2>/dev/null | uniq -c | awk '{ printf "%s%s %d", (NR > 1 ? ", " : ""), $2, $1 }'))"
echo "reported done: $(grep -c '^created ' "$SOAK/done") creates, $(grep -c '^envok ' "$SOAK/done") environments succeeded, $(grep -c '^terminated ' "$SOAK/done") terminations"
echo "releases: $(wc -l <"$SOAK/all") ($(jq -r .status "$SOAK/all.json" | sort | uniq -c | awk '{ printf "%s%s %d", (NR > 1 ? ", " : ""), $2, $1 }'))"
awk -F'\t' '$1 == "total" { printf "transitions: %d, env runs: %d, problems: %d, fixed: %d, stale: %d\n", $3, $4, $5, $6, $7 }' "$SOAK/check"
if [ "$bad" -ne 0 ]; then
	echo "soak: FAILED: $bad problem(s)"
	REL_SOAK_KEEP=${REL_SOAK_KEEP:-1}
	exit 1
fi
echo "soak: ok"
