#!/bin/sh
# make bench: rel against its physical limits (see tests/bench/README.md).
# Each line: what, median of rel, median of its baseline (both measured
# side by side in this run), the ratio, and the goal.  Not a test: it
# never fails on a slow machine; a person reads the numbers.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$top/build/bench
PATH=$top/bin:$PATH
export PATH
unset REL_STATE_DIR
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rel-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
big=$tmp/big
small=$tmp/small
N=${REL_BENCH_RELEASES:-100000}

echo "# rel bench, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "# machine: $(uname -srm), $(nproc) cpus, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
echo "# state in $tmp on $(df -T "$tmp" | awk 'NR == 2 { print $2 }')"
printf '# %-14s %12s %12s %8s  %s\n' what rel baseline ratio goal

line() { # what result-of-timeit goal
	set -- "$1" $2 "$3"
	printf '%-16s %12s %12s %8s  %s\n' "$1" "$2" "$3" "$4" "$5"
}

# 1. status at scale
"$B/genstore" "$big" web "$N" >/dev/null
"$B/genstore" "$small" web 100 >/dev/null
r=$("$B/timeit" 21 -w 3 -- rel-status --state "$big" -n 20 web -- \
    rel-status --state "$small" -n 20 web)
line "status-at-scale" "$r" "<= 1.2 (latest 20 of $N vs of 100)"

# 1b. the web page of the newest 50, with their records, flow and logs
r=$("$B/timeit" 21 -w 3 -- rel-status --state "$big" --format html -n 50 web -- \
    rel-status --state "$big" -n 50 web)
line "html-page" "$r" "<= 2.0 (a page of the newest 50 of $N vs their TSV lines)"

# 2. full listing
rel-status --state "$big" > "$tmp/listing.tsv"
r=$("$B/timeit" 9 -- rel-status --state "$big" -- cat "$tmp/listing.tsv")
line "full-listing" "$r" "<= 2.0 ($N lines vs cat of the same bytes)"

# 3. one release
rec=$big/products/web/releases/web-$((N / 2))
r=$("$B/timeit" 41 -w 3 -- rel-status --state "$big" "web-$((N / 2))" -- \
    cat "$rec")
line "one-release" "$r" "<= 1.5 (vs cat of its record)"

# 4. writes: 4 concurrent writers, rate (transitions per second)
W=${REL_BENCH_WRITES:-150}
mkdir -p "$tmp/w/flows" "$tmp/fs"
printf 'environments:\n  - name: dev\n' > "$tmp/w/flows/web.yaml"
rates=""
for round in 1 2 3; do
	t0=$(date +%s.%N)
	for w in 1 2 3 4; do
		( i=0; while [ $i -lt "$W" ]; do
			rel-create --state "$tmp/w" web -a web=1 >/dev/null
			i=$((i + 1))
		done ) &
	done
	wait
	t1=$(date +%s.%N)
	for w in 1 2 3 4; do "$B/fsyncloop" "$tmp/fs" "$W" & done
	wait
	t2=$(date +%s.%N)
	rates="$rates$(echo "$t0 $t1 $t2" | awk -v n=$((4 * W)) \
	    '{ printf "%.1f %.1f\n", n / ($2 - $1), n / ($3 - $2) }')
"
done
r=$(printf '%s' "$rates" | sort -n -k1 | awk '{ a[NR] = $1 } END { print a[2] }')
b=$(printf '%s' "$rates" | sort -n -k2 | awk '{ b[NR] = $2 } END { print b[2] }')
printf '%-16s %10s/s %10s/s %8s  %s\n' writes "$r" "$b" \
    "$(awk -v r="$r" -v b="$b" 'BEGIN { printf "%.3f", r / b }')" \
    ">= 0.8 (rate of 4 concurrent rel-create loops vs fork+exec+fsync loops)"

# 5. promote overhead: 5 environments x 10 steps of true
P=${REL_BENCH_PROMOTES:-9}
mkdir -p "$tmp/p/flows"
{
	echo "environments:"
	for e in e1 e2 e3 e4 e5; do
		echo "  - name: $e"
		echo "    pre:"
		for s in 1 2 3 4 5 6 7 8 9 10; do echo "      - \"true\""; done
	done
} > "$tmp/p/flows/bench.yaml"
i=0
while [ $i -le $((P + 1)) ]; do
	rel-create --state "$tmp/p" bench -a bench=1 >/dev/null
	i=$((i + 1))
done
r=$("$B/timeit" "$P" -w 1 -- rel-promote --state "$tmp/p" "bench-{}" -- \
    "$B/spawnloop" 50)
line "promote" "$r" "<= 1.2 (50 steps of true vs 50 sh -c true)"

# 6. notes over 10,000 commits
if [ -x "$top/bin/rel-notes" ] && [ -f "$top/tests/bench/notes.sh" ]; then
	sh "$top/tests/bench/notes.sh" 10000 5 | sed 's/^/# notes: /'
fi

# 7. start-up
r=$("$B/timeit" 101 -w 5 -- rel-status --version -- "$B/nop")
line "start-up" "$r" "<= 1.5 (rel-status --version vs a C program returning 0)"

# 8. libgit2, loaded only by a command that talks to a remote
r=$("$B/timeit" 101 -w 5 -- "$B/lg2load" -- "$B/nop")
line "libgit2-load" "$r" "(informative: dlopen and init of libgit2 vs nothing)"

# 9. status with a remote set: no network, no libgit2
mkdir -p "$tmp/remote"
git init -q --bare "$tmp/remote/small.git"
rel-sync --state "$small" --remote "$tmp/remote/small.git" >/dev/null
cp -r "$small" "$tmp/alone"
rm -rf "$tmp/alone/config" "$tmp/alone/git"
r=$("$B/timeit" 41 -w 3 -- rel-status --state "$small" web -- \
    rel-status --state "$tmp/alone" web)
line "status-remote" "$r" "<= 1.05 (rel-status PRODUCT with a remote set vs without)"

# 10. a sync with nothing to do, over a path
r=$("$B/timeit" 21 -w 2 -- rel-sync --state "$small" -- \
    rel-status --state "$small" web)
line "sync-nothing" "$r" "(informative: rel-sync up to date, 100 releases, vs rel-status)"

# 12-13. publishing through a git daemon on loopback (issue 13)
port=$("$top/build/helpers/freeport")
git init -q --bare "$tmp/remote/pub.git"
git init -q --bare "$tmp/remote/push.git"
git init -q --bare "$tmp/remote/prom.git"
git daemon --reuseaddr --listen=127.0.0.1 --port="$port" \
    --base-path="$tmp/remote" --export-all --enable=receive-pack \
    "$tmp/remote" >/dev/null 2>&1 &
daemon=$!
trap 'kill $daemon 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
i=0
until git ls-remote "git://127.0.0.1:$port/push.git" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "# git daemon did not start"; exit 1; }
	sleep 0.05
done
# 12. one rel-create vs a bare git push of one small commit (a line
# appended to a file, as a transition is), over the same daemon
mkdir -p "$tmp/pub/flows"
printf 'environments:\n  - name: dev\n' >"$tmp/pub/flows/web.yaml"
printf 'remote = git://127.0.0.1:%s/pub.git\n' "$port" >"$tmp/pub/config"
rel-create --state "$tmp/pub" web -a web=0 >/dev/null
git init -q "$tmp/pushsrc"
(
	cd "$tmp/pushsrc"
	i=1
	while [ $i -le 40 ]; do
		echo "tr $i" >>record
		git add record
		git -c user.name=b -c user.email=b@b commit -q -m "c$i"
		git tag "c$i"
		i=$((i + 1))
	done
)
r=$("$B/timeit" 31 -w 3 -- rel-create --state "$tmp/pub" web -a "web={}" -- \
    git -C "$tmp/pushsrc" push -q "git://127.0.0.1:$port/push.git" \
    "c{}:refs/heads/bench")
line "create-remote" "$r" "<= 2.0 (rel-create with a git:// remote vs git push of one small commit)"

# 13. a promotion of 50 steps with a git:// remote vs the same without
cp -r "$tmp/p" "$tmp/pr"
rm -rf "$tmp/pr/products" "$tmp/pr/cache" "$tmp/pr/locks"
printf 'remote = git://127.0.0.1:%s/prom.git\n' "$port" >"$tmp/pr/config"
rm -rf "$tmp/p2"
mkdir -p "$tmp/p2"
cp -r "$tmp/p/flows" "$tmp/p2/flows"
i=0
while [ $i -le $((P + 1)) ]; do
	rel-create --state "$tmp/pr" bench -a bench=1 >/dev/null
	rel-create --state "$tmp/p2" bench -a bench=1 >/dev/null
	i=$((i + 1))
done
r=$("$B/timeit" "$P" -w 1 -- rel-promote --state "$tmp/pr" "bench-{}" -- \
    rel-promote --state "$tmp/p2" "bench-{}")
line "promote-remote" "$r" "<= 1.2 (a promotion of 50 steps with a git:// remote vs without)"
kill $daemon 2>/dev/null || true

# 11. a fresh clone against the records' own size, 10,000 and N releases
for n in 10000 "$N"; do
	src=$tmp/clone-src-$n
	if [ "$n" = "$N" ]; then src=$big; else "$B/genstore" "$src" web "$n" >/dev/null; fi
	git init -q --bare "$tmp/remote/clone-$n.git"
	t0=$(date +%s.%N)
	rel-sync --state "$src" --remote "$tmp/remote/clone-$n.git" >/dev/null
	t1=$(date +%s.%N)
	rel-sync --state "$tmp/clone-$n" --remote "$tmp/remote/clone-$n.git" >/dev/null
	t2=$(date +%s.%N)
	rec=$(du -sb "$src/products" | cut -f1)
	git=$(du -sb "$tmp/clone-$n/git" | cut -f1)
	printf '# clone %s releases: records %s bytes, fresh clone (STATE/git) %s bytes, %s of the records; publish %.1f s, join %.1f s\n' \
	    "$n" "$rec" "$git" "$(awk -v a="$git" -v b="$rec" 'BEGIN { printf "%.3f", a / b }')" \
	    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
	    "$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')"
	rm -rf "$tmp/clone-$n"
	[ "$src" = "$big" ] || rm -rf "$src"
done
