#!/usr/bin/env bats
# rel-create killed with SIGKILL at any instant: the store stays readable
# by every command, and no id that was printed is lost.

load lib

ROUNDS=${REL_CRASH_ROUNDS:-200}

# crash_loop PRODUCT...: ROUNDS times, start rel-create in the background
# and SIGKILL it after a random moment of its run; every id it printed is
# kept in $SCRATCH/printed.  Products are used in turn.  The moments fall
# within how long a whole rel-create takes now, on this machine at its
# present load: every tenth round one runs to its end, timed.  Then odd
# rounds kill within 1.25 times that (some finish), even ones within its
# first half.  The delay is a read(1) timeout on a FIFO nobody writes,
# not sleep(1), whose own start-up would take most of the window.  The
# rounds run in a bash of their own: in the test, bats' trap on every
# command would cost more CPU than the rel-creates, and shift the moments.
# Prints how long a rel-create took.
crash_loop() {
	ROUNDS=$ROUNDS bash -c "$(declare -f crash_rounds)"'; crash_rounds "$@"' \
	    crash_loop "$@"
}

crash_rounds() {
	local i pid p us t0 span=0 line never out=$SCRATCH/one products=("$@")

	: >"$SCRATCH/printed"
	mkfifo "$SCRATCH/never"
	exec {never}<>"$SCRATCH/never"
	for ((i = 0; i < ROUNDS; i++)); do
		p=${products[i % ${#products[@]}]}
		# Emptied here, not by the child's redirection: a child killed
		# before it gets that far would leave the last round's id in
		# $out, to be counted twice.
		: >"$out"
		if ((i % 10 == 0)); then
			t0=${EPOCHREALTIME/./}
			timeout 60 rel-create "$p" -a "$p=crash.$i" -m "round $i" \
			    >>"$out" 2>/dev/null 3>&-
			if [ $? -eq 124 ]; then
				echo "# round $i: rel-create hung" >&3
				return 1
			fi
			span=$((${EPOCHREALTIME/./} - t0))
		else
			us=$(((RANDOM << 15 | RANDOM) %
			    (i % 2 ? span * 5 / 4 + 1 : span / 2 + 1)))
			printf -v us '%d.%06d' $((us / 1000000)) $((us % 1000000))
			rel-create "$p" -a "$p=crash.$i" -m "round $i" >>"$out" 2>/dev/null 3>&- &
			pid=$!
			read -r -t "$us" -u "$never" || true
			kill -KILL "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		fi
		# An id is printed whole (one write) or not at all.
		while IFS= read -r line || [ -n "$line" ]; do
			[[ ! $line =~ ^$p-[0-9]+$ ]] || echo "$line"
		done <"$out" >>"$SCRATCH/printed"
	done 2>/dev/null # not the shell's "Killed" notices
	exec {never}<&-
	echo "a whole rel-create took $((span / 1000)) ms"
}

# The store after the crashes: readable by every command, every printed
# id there, no id twice, no damaged line in any record.
check_store() {
	local view

	run --separate-stderr rel-status
	assert_status 0
	[ -z "$stderr" ]
	cut -f1 <<<"$output" >"$SCRATCH/listed"
	[ -z "$(LC_ALL=C sort "$SCRATCH/listed" | uniq -d)" ]
	[ -z "$(LC_ALL=C sort "$SCRATCH/printed" | uniq -d)" ]
	# Every printed id is listed, and can be shown on its own.
	[ -z "$(LC_ALL=C comm -23 <(LC_ALL=C sort "$SCRATCH/printed") \
	    <(LC_ALL=C sort "$SCRATCH/listed"))" ]
	# (In a bash of its own, as crash_loop's rounds.)
	bash -c 'while read -r id; do
		rel-status "$id" >/dev/null || exit 1
	done' <"$SCRATCH/printed"

	run --separate-stderr rel-status --format json
	assert_status 0
	[ -z "$stderr" ]
	jq -e . <<<"$output" >/dev/null
	[ "$(jq -r .id <<<"$output")" = "$(cat "$SCRATCH/listed")" ]
	for view in --envs --steps --history "--format table -n 0"; do
		run --separate-stderr rel-status $view
		assert_status 0
		[ -z "$stderr" ]
	done

	# Without the index, the records alone give the same listing.
	rm -rf "$REL_STATE_DIR/cache"
	[ "$(rel-status | cut -f1)" = "$(cat "$SCRATCH/listed")" ]

	# --check: columns product releases transitions env-runs problems
	# fixed stale; temp files of killed writers may be swept (fixed),
	# but nothing may be broken.
	run --separate-stderr rel-status --check
	assert_status 0
	[ "$(awk -F'\t' 'END { print $1, $2, $5 }' <<<"$output")" = \
	    "total $(wc -l <"$SCRATCH/listed") 0" ]
	[ -z "$(grep -v ': fixed: ' <<<"$stderr")" ]

	# Each line of each record ends in its 8-hex-digit checksum.
	if grep -HnvE $'\t[0-9a-f]{8}$' "$REL_STATE_DIR"/products/*/releases/* >&2; then
		echo "damaged line(s) in the records above" >&2
		return 1
	fi
}

@test "rel-create killed at random moments: every command still reads the store" {
	flow_simple web dev qa prod
	took=$(crash_loop web)
	echo "# $(wc -l <"$SCRATCH/printed") of $ROUNDS ids printed; $took" >&3
	check_store
	# Still writable; the next id is above every one there.
	id=$(rel-create web -a web=after)
	n=${id#web-}
	max=$(sed 's/^web-//' "$SCRATCH/listed" | sort -n | tail -1)
	[ "$n" -gt "${max:-0}" ]
	[ "$(rel-status | cut -f1 | head -1)" = "$id" ]
}

@test "rel-create killed at random moments across two products" {
	flow_simple web dev qa prod
	flow_simple svc
	crash_loop web svc
	check_store
}

@test "rel-create killed while the index is gone: the records still count" {
	flow_simple web
	for i in 1 2 3; do rel-create web -a web=$i >/dev/null; done
	rm -rf "$REL_STATE_DIR/cache"
	ROUNDS=60
	crash_loop web
	cat >>"$SCRATCH/printed" <<'EOF'
web-1
web-2
web-3
EOF
	check_store
}

@test "a history that lacks the end of a run (its runner killed before writing it): --check adds it, once" {
	local h

	write_flow "$REL_STATE_DIR/flows/web.yaml" <<'YAML'
environments:
  - {name: dev, action: "true"}
  - {name: qa, action: "true"}
YAML
	rel-create web -a web=1 >/dev/null
	rel-promote web-1 >/dev/null
	h=$REL_STATE_DIR/products/web/envs/qa
	[ "$(cut -f1 "$h")" = "$(printf 'run\nend')" ]
	# The record says qa succeeded; its history stops at the run.
	sed -i '$d' "$h"
	run --separate-stderr rel-status --check
	assert_status 0
	[ "$stderr" = "rel-status: check: web web-1: fixed: history of qa lacked the end of its run: added" ]
	[ "$(cut -f1,3,4,5 "$h")" = "$(printf 'run\tweb-1\t1\tpromote\nend\tweb-1\t1\tsucceeded')" ]
	run --separate-stderr rel-status --check
	assert_status 0
	[ -z "$stderr" ]
	[ "$(grep -c '^end' "$h")" -eq 1 ]
	[ "$(rel-status --envs --env qa web-1 | cut -f3)" = succeeded ]
}
