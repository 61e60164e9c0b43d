#!/usr/bin/env bash
# sync_soak.sh DURATION - a randomized soak of three machines sharing one
# remote (issue 13).
#
# Three state directories (machines a, b, c) share a bare repository
# served by `git daemon` on 127.0.0.1 (small leases: lease = 3s,
# sync_interval = 200ms).  For DURATION seconds a worker per machine does
# random things (rel-create, rel-promote, rel-terminate, rel-status
# --fetch), while a killer SIGKILLs random rel-* processes of this soak
# (runners included) and the daemon is stopped and started again at
# random.  Then, with the daemon up, every machine looks until no release
# runs any more (dead runners recorded, here or after their lease
# elsewhere), fetches, and it verifies:
#
#  - every id a rel-create printed is on the remote, and the ids are
#    exactly 1..max;
#  - every clone lists the same releases with the same statuses;
#  - rel-status --check is clean on every clone;
#  - the remote's branch is one line of commits (no merge, never
#    rewritten: each clone's branch is an ancestor of it).
#
# It prints its figures and exits 0 only if nothing broke.  Only processes
# this soak started are signalled (rel-* processes whose environment
# names its scratch directory).
set -u

DURATION=${1:-10}
case $DURATION in *[!0-9]*|'') echo "usage: sync_soak.sh DURATION" >&2; exit 2 ;; esac
TOP=$(cd "$(dirname "$0")/../.." && pwd)
PATH=$TOP/bin:$PATH
export PATH
unset REL_STATE_DIR
S=$(mktemp -d "${TMPDIR:-/tmp}/rel-sync-soak.XXXXXX")
PORT=$("$TOP/build/helpers/freeport") || exit 2
URL=git://127.0.0.1:$PORT/shared.git
DAEMON=
cleanup() {
	[ -z "$DAEMON" ] || kill "$DAEMON" 2>/dev/null
	[ -n "${REL_SOAK_KEEP:-}" ] || rm -rf "$S"
}
trap cleanup EXIT

daemon_start() {
	git daemon --reuseaddr --listen=127.0.0.1 --port="$PORT" \
	    --base-path="$S/srv" --export-all --enable=receive-pack \
	    "$S/srv" >/dev/null 2>&1 &
	DAEMON=$!
	for ((i = 0; i < 200; i++)); do
		git ls-remote "$URL" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "sync soak: git daemon did not start" >&2
	return 1
}
daemon_stop() {
	kill "$DAEMON" 2>/dev/null
	wait "$DAEMON" 2>/dev/null
	DAEMON=
}

mkdir -p "$S/srv" && git init -q --bare "$S/srv/shared.git" || exit 2
daemon_start || exit 2
for m in a b c; do
	mkdir -p "$S/$m/flows"
	printf 'remote = %s\nlease = 3s\nsync_interval = 200ms\n' "$URL" >"$S/$m/config"
	printf 'environments:\n  - name: dev\n    action: "sleep 0.3"\n  - name: qa\n    needs: [dev]\n    action: "true"\n' \
	    >"$S/$m/flows/web.yaml"
done

# worker M END: random operations as machine M until END (seconds).
worker() {
	local m=$1 end=$2 i=0 id n rc op
	export REL_STATE_DIR=$S/$m
	while [ "$SECONDS" -lt "$end" ]; do
		i=$((i + 1))
		n=$(cat "$S"/*.created 2>/dev/null | wc -l)
		id=web-$((RANDOM % (n + 1) + 1))
		case $((RANDOM % 10)) in
		0|1|2) op=create
			out=$(timeout 60 rel-create web -a "web=$m.$i" --wait 20 2>>"$S/$m.err")
			rc=$?
			[ $rc -ne 0 ] || echo "$out" >>"$S/$m.created" ;;
		3|4|5) op=promote
			timeout 60 rel-promote "$id" --wait 20 >/dev/null 2>>"$S/$m.err"
			rc=$? ;;
		6) op=terminate
			timeout 60 rel-terminate --grace 1 "$id" >/dev/null 2>>"$S/$m.err"
			rc=$? ;;
		*) op=read
			timeout 60 rel-status --fetch web >/dev/null 2>>"$S/$m.err"
			rc=$? ;;
		esac
		echo "$op $rc" >>"$S/$m.ops"
	done
}

# Our rel-* processes: their environment names this soak's directory.
ours() {
	local p
	for p in $(pgrep '^rel-' 2>/dev/null); do
		tr '\0' '\n' 2>/dev/null <"/proc/$p/environ" |
		    grep -q "^REL_STATE_DIR=$S/" && echo "$p"
	done
}

end=$((SECONDS + DURATION))
for m in a b c; do worker "$m" "$end" & done
kills=0 restarts=0
while [ "$SECONDS" -lt "$end" ]; do
	sleep "0.$((RANDOM % 9 + 1))"
	case $((RANDOM % 6)) in
	0|1|2)
		set -- $(ours)
		if [ $# -gt 0 ]; then
			shift $((RANDOM % $#))
			kill -KILL "$1" 2>/dev/null && kills=$((kills + 1))
		fi ;;
	3)
		daemon_stop
		sleep "0.$((RANDOM % 9 + 1))"
		daemon_start || exit 1
		restarts=$((restarts + 1)) ;;
	esac
done
wait_workers() { wait $(jobs -p | grep -v "^$DAEMON\$") 2>/dev/null; }
[ -n "$DAEMON" ] || daemon_start || exit 1
# The workers end with their last operation (each is bounded).
for j in $(jobs -p); do [ "$j" = "$DAEMON" ] || wait "$j"; done

# Every machine looks until nothing runs: a runner killed here is seen
# dead by its own machine at once, elsewhere after its lease.
problems=0
deadline=$((SECONDS + 90))
while :; do
	busy=0
	for m in a b c; do
		REL_STATE_DIR=$S/$m rel-status --fetch web >"$S/$m.status" 2>>"$S/$m.err" || busy=1
		awk -F '\t' '$3 == "running" || $3 == "terminating" { b = 1 } END { exit !b }' \
		    "$S/$m.status" && busy=1
	done
	[ $busy = 1 ] || break
	if [ "$SECONDS" -ge "$deadline" ]; then
		echo "sync soak: releases still running after 90 s:"
		grep -h 'running\|terminating' "$S"/?.status | sort -u
		problems=$((problems + 1))
		break
	fi
	sleep 0.5
done
for m in a b c; do
	REL_STATE_DIR=$S/$m rel-sync >/dev/null 2>>"$S/$m.err" ||
	    { echo "sync soak: rel-sync on $m failed"; problems=$((problems + 1)); }
done

# The acknowledged creates are on the remote; ids exactly 1..max.
git --git-dir "$S/srv/shared.git" ls-tree -r --name-only rel/web |
    sed -n 's|^releases/.*/||p' | sort >"$S/remote.ids"
sort "$S"/*.created 2>/dev/null >"$S/acked"
missing=$(comm -23 "$S/acked" "$S/remote.ids" | wc -l)
[ "$missing" = 0 ] || { echo "sync soak: $missing acknowledged releases not on the remote"; problems=$((problems + 1)); }
max=$(wc -l <"$S/remote.ids")
seq 1 "$max" | sed 's/^/web-/' | sort >"$S/want"
cmp -s "$S/want" "$S/remote.ids" ||
    { echo "sync soak: the remote's ids are not 1..$max"; problems=$((problems + 1)); }
# Every clone the same; --check clean; no clone off the remote's line.
for m in a b c; do
	REL_STATE_DIR=$S/$m rel-status web -n 0 >"$S/$m.final" 2>>"$S/$m.err"
	cmp -s "$S/a.final" "$S/$m.final" ||
	    { echo "sync soak: $m and a disagree"; diff "$S/a.final" "$S/$m.final" | head -5; problems=$((problems + 1)); }
	REL_STATE_DIR=$S/$m rel-status --check >"$S/$m.check" 2>&1 ||
	    { echo "sync soak: rel-status --check on $m:"; head -5 "$S/$m.check"; problems=$((problems + 1)); }
	git --git-dir "$S/srv/shared.git" merge-base --is-ancestor \
	    "$(git --git-dir "$S/$m/git" rev-parse rel/web)" rel/web ||
	    { echo "sync soak: $m's branch is off the remote's"; problems=$((problems + 1)); }
done
[ "$(git --git-dir "$S/srv/shared.git" rev-list --merges --count rel/web)" = 0 ] ||
    { echo "sync soak: merges on the remote"; problems=$((problems + 1)); }

commits=$(git --git-dir "$S/srv/shared.git" rev-list --count rel/web)
echo "sync soak: $DURATION s, 3 machines, $kills kills, $restarts daemon restarts"
cat "$S"/?.ops | sort | uniq -c | awk '{ printf "sync soak: %s exit %s: %d\n", $2, $3, $1 }'
echo "sync soak: $max releases, $(wc -l <"$S/acked") acknowledged creates, $commits commits on the remote"
awk -F '\t' '{ n[$3]++ } END { for (s in n) printf "sync soak: %s %d\n", s, n[s] }' "$S/a.final" | sort
if [ "$problems" != 0 ]; then
	echo "sync soak: $problems problems (kept in $S)"
	REL_SOAK_KEEP=1
	exit 1
fi
echo "sync soak: ok"
