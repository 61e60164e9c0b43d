#!/usr/bin/env bats
# Many rel-create at once lose nothing and share no id; a lock someone
# else holds makes a command give up in time, naming the holder.

load lib

# worker OUT PRODUCT... : one rel-create per product named, in turn, each
# id (or FAILED and the status) appended to OUT.
worker() {
	local out=$1 p rc id

	shift
	for p; do
		id=$(rel-create --wait 60 "$p" -a "$p=$BASHPID.$RANDOM" 2>>"$out.err")
		rc=$?
		if [ "$rc" -eq 0 ]; then
			echo "$id"
		else
			echo "FAILED $rc"
		fi
	done >>"$out"
}

# ids_of PRODUCT N: web-1 .. web-N, sorted as sort(1) sorts.
ids_of() {
	seq "$2" | sed "s/^/$1-/" | LC_ALL=C sort
}

@test "8 processes x 50 rel-create on one product: ids 1..400, each once" {
	flow_simple web
	pids=()
	for w in 1 2 3 4 5 6 7 8; do
		worker "$SCRATCH/out.$w" $(printf 'web %.0s' {1..50}) 3>&- &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid"
	done
	cat "$SCRATCH"/out.*.err >&2 2>/dev/null || true
	[ -z "$(grep -h FAILED "$SCRATCH"/out.[1-8])" ]
	[ "$(cat "$SCRATCH"/out.[1-8] | wc -l)" -eq 400 ]
	[ -z "$(cat "$SCRATCH"/out.[1-8] | LC_ALL=C sort | uniq -d)" ]
	diff <(cat "$SCRATCH"/out.[1-8] | LC_ALL=C sort) <(ids_of web 400)
	# Each worker saw its own ids rise.
	for w in 1 2 3 4 5 6 7 8; do
		sed 's/^web-//' "$SCRATCH/out.$w" | sort -c -n
	done

	# All listed, newest first, by the index and by the records alone.
	run rel-status
	assert_status 0
	[ "$(cut -f1 <<<"$output")" = "$(seq 400 -1 1 | sed 's/^/web-/')" ]
	[ "$(cut -f3 <<<"$output" | sort -u)" = pending ]
	rm -rf "$REL_STATE_DIR/cache"
	run rel-status
	assert_status 0
	[ "$(cut -f1 <<<"$output")" = "$(seq 400 -1 1 | sed 's/^/web-/')" ]
	[ "$(rel-status --format json | jq -r .id | wc -l)" -eq 400 ]
	run rel-status --check
	assert_status 0
	# product releases transitions env-runs problems fixed stale
	[ "$(awk -F'\t' 'END { print $1, $2, $5 }' <<<"$output")" = "total 400 0" ]
	# And the next one follows.
	[ "$(rel-create web -a web=last)" = web-401 ]
}

@test "8 processes x 50 rel-create across 2 products at once" {
	flow_simple web
	flow_simple api
	pids=()
	for w in 1 2 3 4 5 6 7 8; do
		if [ $((w % 2)) -eq 0 ]; then
			set -- $(printf 'web api %.0s' {1..25})
		else
			set -- $(printf 'api web %.0s' {1..25})
		fi
		worker "$SCRATCH/out.$w" "$@" 3>&- &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid"
	done
	cat "$SCRATCH"/out.*.err >&2 2>/dev/null || true
	[ -z "$(grep -h FAILED "$SCRATCH"/out.[1-8])" ]
	diff <(grep -h '^web-' "$SCRATCH"/out.[1-8] | LC_ALL=C sort) <(ids_of web 200)
	diff <(grep -h '^api-' "$SCRATCH"/out.[1-8] | LC_ALL=C sort) <(ids_of api 200)
	run rel-status
	assert_status 0
	[ "${#lines[@]}" -eq 400 ]
	diff <(cut -f1 <<<"$output" | LC_ALL=C sort) <({ ids_of web 200; ids_of api 200; } | LC_ALL=C sort)
	[ "$(rel-status web | cut -f1)" = "$(seq 200 -1 1 | sed 's/^/web-/')" ]
	[ "$(rel-status api | cut -f1)" = "$(seq 200 -1 1 | sed 's/^/api-/')" ]
	rm -rf "$REL_STATE_DIR/cache"
	run rel-status
	[ "${#lines[@]}" -eq 400 ]
	diff <(cut -f1 <<<"$output" | LC_ALL=C sort) <({ ids_of web 200; ids_of api 200; } | LC_ALL=C sort)
}

@test "rel-create and rel-status at once: readers see whole releases only" {
	flow_simple web
	pids=()
	for w in 1 2 3 4; do
		worker "$SCRATCH/out.$w" $(printf 'web %.0s' {1..40}) 3>&- &
		pids+=($!)
	done
	# Read while they write: every line whole, every status exit 0.
	bad=0
	for i in $(seq 40); do
		rel-status >"$SCRATCH/seen" 2>"$SCRATCH/seen.err" || bad=1
		awk -F'\t' 'NF != 7 || $3 != "pending" || $1 !~ /^web-[0-9]+$/ { bad = 1 } END { exit bad }' "$SCRATCH/seen" || bad=1
		rel-status --format json | jq -e .id >/dev/null || [ ! -s "$SCRATCH/seen" ] || bad=1
		[ ! -s "$SCRATCH/seen.err" ] || { cat "$SCRATCH/seen.err" >&2; bad=1; }
	done
	for pid in "${pids[@]}"; do
		wait "$pid"
	done
	[ "$bad" -eq 0 ]
	diff <(cat "$SCRATCH"/out.[1-4] | LC_ALL=C sort) <(ids_of web 160)
}

@test "rel-status --check while writers work reports no damage that is not there" {
	write_flow "$REL_STATE_DIR/flows/web.yaml" <<'EOF'
components: [api, ui]
environments:
  - name: dev
    pre: ["true"]
    action: "true"
  - name: qa
    action: "true"
EOF
	# Three writers make and promote releases; a newer promotion
	# supersedes an older one in an environment, which is no damage.
	pids=()
	for w in 1 2 3; do
		(
			for i in 1 2 3 4 5 6; do
				id=$(rel-create --wait 60 web -a "api=$w.$i" -a ui=1) &&
				    rel-promote --wait 60 "$id" || true
			done
		) >/dev/null 2>&1 3>&- &
		pids+=($!)
	done
	checks=0 bad=0
	alive() {
		local p

		for p in "${pids[@]}"; do
			kill -0 "$p" 2>/dev/null && return 0
		done
		return 1
	}
	# A check may finish a termination whose runner has gone (what any
	# reader does): that is a repair of what is there.  Anything else
	# said is a false alarm.
	while alive || [ "$checks" -eq 0 ]; do
		if ! rel-status --check --wait 60 >"$SCRATCH/check.out" \
		    2>"$SCRATCH/check.err" ||
		    grep -v ': fixed: its runner was dead: recorded ' \
		    "$SCRATCH/check.err" | grep -q .; then
			echo "check $checks:" >&2
			cat "$SCRATCH/check.out" "$SCRATCH/check.err" >&2
			bad=$((bad + 1))
		fi
		checks=$((checks + 1))
	done
	for pid in "${pids[@]}"; do
		wait "$pid"
	done
	echo "# $checks checks, $bad reported damage" >&3
	[ "$bad" -eq 0 ]
	# Nothing was damaged indeed: a last check, alone, agrees.
	run --separate-stderr rel-status --check
	assert_status 0
	[ -z "$(grep -v ': fixed: its runner was dead: recorded ' <<<"$stderr")" ]
	[ "$(cut -f2,5 <<<"${lines[-1]}")" = "$(printf '18\t0')" ]
}

@test "a lock held by another process: rel-create --wait gives up with exit 4, naming the holder" {
	[ -x "$REL_HELPERS/holdlock" ] || skip "build/helpers/holdlock not built (make build/helpers/holdlock)"
	flow_web
	[ "$(rel-create web -a api=1 -a ui=2)" = web-1 ]
	before=$(store_snapshot | grep -v 'locks/')
	start_bg "$SCRATCH/holder.out" "$REL_HELPERS/holdlock" \
	    "$REL_STATE_DIR/locks/web.lock"
	holder=$BG_PID
	wait_for_line "$SCRATCH/holder.out" locked
	run --separate-stderr timeout 60 rel-create --wait 0.5 web -a api=2 -a ui=2
	assert_status 4
	[ -z "$output" ]
	assert_contains "$stderr" "rel-create: "
	assert_contains "$stderr" "holdlock (pid $holder)"
	assert_contains "$stderr" "locks/web.lock"
	# Nothing was made.
	[ "$(store_snapshot | grep -v 'locks/')" = "$before" ]
	[ "$(rel-status | cut -f1)" = web-1 ]

	# Another product is not held up.
	flow_simple svc
	run timeout 60 rel-create --wait 0.5 svc -a svc=1
	assert_status 0
	assert_output svc-1

	# --wait 0 does not wait at all, and still names the holder.
	run --separate-stderr timeout 60 rel-create --wait 0 web -a api=2 -a ui=2
	assert_status 4
	assert_contains "$stderr" "holdlock (pid $holder)"

	# The holder gone, the lock is free and the next id is 2.
	kill "$holder"
	wait "$holder" || true
	run timeout 60 rel-create --wait 5 web -a api=2 -a ui=2
	assert_status 0
	assert_output web-2
}

@test "a holder that names itself is named in the message" {
	[ -x "$REL_HELPERS/holdlock" ] || skip "build/helpers/holdlock not built (make build/helpers/holdlock)"
	flow_web
	mkdir -p "$REL_STATE_DIR/locks"
	start_bg "$SCRATCH/holder.out" "$REL_HELPERS/holdlock" \
	    "$REL_STATE_DIR/locks/web.lock" "rel-promote (pid 4242, user ops, host build7)"
	wait_for_line "$SCRATCH/holder.out" locked
	run --separate-stderr timeout 60 rel-create --wait 0.2 web -a api=1 -a ui=2
	assert_status 4
	[ -z "$output" ]
	assert_contains "$stderr" "rel-promote (pid 4242, user ops, host build7)"
	[ -z "$(rel-status)" ]
}

@test "a holder that is not rel: the message does not name the last rel that held it" {
	[ -x "$REL_HELPERS/holdlock" ] || skip "build/helpers/holdlock not built (make build/helpers/holdlock)"
	flow_web
	rel-create web -a api=1 -a ui=2 >/dev/null
	# The lock file names the rel-create that held it last, long gone.
	last=$(head -n 1 "$REL_STATE_DIR/locks/web.lock")
	assert_contains "$last" "rel-create (pid "
	for how in -n "-n -p"; do
		# shellcheck disable=SC2086 # the options
		start_bg "$SCRATCH/holder.out" "$REL_HELPERS/holdlock" $how \
		    "$REL_STATE_DIR/locks/web.lock"
		holder=$BG_PID
		wait_for_line "$SCRATCH/holder.out" locked
		[ "$(head -n 1 "$REL_STATE_DIR/locks/web.lock")" = "$last" ]
		run --separate-stderr timeout 60 rel-create --wait 0.2 web -a api=2 -a ui=2
		assert_status 4
		assert_not_contains "$stderr" "is locked by $last"
		# A classic lock tells its holder's pid: that is said.
		if [ "$how" = -n ]; then
			assert_contains "$stderr" "locks/web.lock is locked by an unknown process"
		else
			assert_contains "$stderr" "locks/web.lock is locked by pid $holder, which did not say who it is"
		fi
		kill "$holder"
		wait "$holder" || true
		: >"$SCRATCH/holder.out"
	done
}

@test "the lock is not held after rel-create is done" {
	[ -x "$REL_HELPERS/holdlock" ] || skip "build/helpers/holdlock not built (make build/helpers/holdlock)"
	flow_web
	rel-create web -a api=1 -a ui=2 >/dev/null
	# holdlock exits 1 at once if someone still holds the lock.
	start_bg "$SCRATCH/holder.out" "$REL_HELPERS/holdlock" "$REL_STATE_DIR/locks/web.lock"
	wait_for_line "$SCRATCH/holder.out" locked
}
