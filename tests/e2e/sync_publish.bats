#!/usr/bin/env bats
# Every changing command publishes its own transitions through the
# remote (issue 13, phase 2): three state directories stand for three
# machines sharing one remote.  Ids, supersede, leases, fencing and
# terminate across machines; leases are small here (lease = 3s,
# sync_interval = 200ms) and every wait polls with a deadline.

load sync_lib

# Read before setup, which clears every REL_* variable: the soak's length
# (make check-long runs it for minutes).
SYNC_SOAK_SECONDS=${REL_SYNC_SOAK_SECONDS:-10}

# restart_git_daemon: the daemon again, on the same port (the machines'
# URL names it).
restart_git_daemon() {
	local i
	start_bg "$SCRATCH/git-daemon.log" git daemon --reuseaddr \
	    --listen=127.0.0.1 --port="$GIT_PORT" \
	    --base-path="$SCRATCH/srv" --export-all \
	    --enable=receive-pack "$SCRATCH/srv"
	GIT_DAEMON_PID=$BG_PID
	for ((i = 0; i < 200; i++)); do
		git ls-remote "git://127.0.0.1:$GIT_PORT/shared.git" \
		    >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# creates TRANSPORT K: K rel-create on each of three machines at once.
creates() {
	local t=$1 k=$2 url m pids=() srv=$SCRATCH/srv/shared.git n=$(($2 * 3))

	new_remote shared && start_transport "$t"
	url=$(remote_url "$t" shared)
	for m in a b c; do join "$m" "$url"; done
	for m in a b c; do
		(
			for ((i = 1; i <= k; i++)); do
				on "$m" rel-create web -a "web=$m.$i" --wait 120 ||
				    exit 1
			done
		) >"$SCRATCH/$m.ids" 2>"$SCRATCH/$m.err" &
		pids+=($!)
	done
	for m in 0 1 2; do
		wait "${pids[$m]}" || { cat "$SCRATCH"/*.err >&2; return 1; }
	done
	# Ids exactly 1..3K: no gap, no duplicate.
	cat "$SCRATCH"/[abc].ids | sort >"$SCRATCH/ids"
	seq 1 "$n" | sed 's/^/web-/' | sort >"$SCRATCH/want"
	diff "$SCRATCH/want" "$SCRATCH/ids"
	# One commit per release made, and one for the flow copy.
	[ "$(git --git-dir "$srv" log --format=%s rel/web | grep -c ': created$')" = "$n" ]
	[ "$(git --git-dir "$srv" rev-list --count rel/web)" = $((n + 1)) ]
	[ "$(git --git-dir "$srv" rev-list --merges --count rel/web)" = 0 ]
	# Each made what it said: the version it gave is in the record of
	# the id it printed.
	for m in a b c; do
		i=0
		while read -r id; do
			i=$((i + 1))
			grep -q "^artifact	web	$m.$i	" \
			    "$(machine "$m")/products/web/releases/$id"
		done <"$SCRATCH/$m.ids"
	done
	# After rel-sync every clone lists the same releases.
	for m in a b c; do
		rel-sync --state "$(machine "$m")" >/dev/null
		on "$m" rel-status web | cut -f1 | sort >"$SCRATCH/$m.list"
		diff "$SCRATCH/want" "$SCRATCH/$m.list"
		on "$m" rel-status --check >/dev/null
	done
}

@test "publish: 3 x 100 rel-create at once through git daemon (git://): ids 1..300" {
	creates git 100
}

@test "publish: 3 x 20 rel-create at once through a path" {
	creates path 20
}

@test "publish: 3 x 5 rel-create at once through sshd (ssh://)" {
	creates ssh 5
}

@test "publish: an unreachable remote records nothing" {
	local url
	new_remote shared && start_transport git
	url=$(remote_url git shared)
	join a "$url"
	on a rel-create web -a web=1 >/dev/null
	stop_git_daemon
	before=$(snapshot "$(machine a)")
	run -5 on a rel-create web -a web=2
	assert_contains "$output" "remote $url unreachable: nothing was recorded"
	run -5 on a rel-promote web-1
	assert_contains "$output" "unreachable: nothing was recorded"
	[ "$(snapshot "$(machine a)")" = "$before" ]
	# Reads still work.
	run -0 on a rel-status web
	[ "$(cut -f1,3 <<<"$output")" = "web-1	pending" ]
	# A first release of a product not made: no product either.
	cp "$(machine a)/flows/web.yaml" "$(machine a)/flows/api.yaml"
	run -5 on a rel-create api -a api=1
	run -3 on a rel-status api
	run -0 on a rel-status --check
	[[ "$output" != *api* ]]
}

@test "publish: a remote rewritten behind rel's back is refused, the copy kept" {
	local url srv=$SCRATCH/srv/shared.git
	new_remote shared
	url=$(remote_url path shared)
	join a "$url"
	on a rel-create web -a web=1 >/dev/null
	on a rel-create web -a web=2 >/dev/null
	git --git-dir "$srv" update-ref refs/heads/rel/web rel/web~1
	before=$(snapshot "$(machine a)")
	run -5 on a rel-create web -a web=3
	assert_contains "$output" "rewritten behind rel's back"
	[ "$(snapshot "$(machine a)")" = "$before" ]
}

# A step that appends its start and end (nanoseconds) to $SCRATCH/steps,
# and on SIGTERM its end at once.
STEP_FLOW='environments:
  - name: dev
    action: "trap '"'"'echo end $(date +%s%N) $REL_RELEASE >>$STEPS; exit 143'"'"' TERM; echo start $(date +%s%N) $REL_RELEASE >>$STEPS; sleep 1.5 & wait $!; echo end $(date +%s%N) $REL_RELEASE >>$STEPS"
'


@test "publish: two machines promote into one environment at once: supersede holds" {
	local url
	export STEPS=$SCRATCH/steps
	new_remote shared && start_transport git
	url=$(remote_url git shared)
	join a "$url" "$STEP_FLOW"
	join b "$url" "$STEP_FLOW"
	on a rel-create web -a web=1 >/dev/null
	on b rel-create web -a web=2 >/dev/null
	on a rel-promote web-1 >"$SCRATCH/a.out" 2>&1 &
	pa=$!
	on b rel-promote web-2 >"$SCRATCH/b.out" 2>&1 &
	pb=$!
	wait "$pb" || { cat "$SCRATCH/b.out" >&2; return 1; }
	wait "$pa" || true
	no_overlap "$STEPS"
	rel-sync --state "$(machine a)" >/dev/null
	# The newer release is live; the older ended before it started, or
	# never started.
	run -0 on a rel-status web-2
	[ "$(cut -f3 <<<"$output")" = succeeded ]
	run -0 on a rel-status web-1
	case $(cut -f3 <<<"$output") in succeeded|terminated) ;; *) echo "$output"; false ;; esac
	for m in a b; do on "$m" rel-status --check >/dev/null; done
}

# A step that ignores SIGTERM on machine a and says it is alive every
# 50 ms; anywhere else it ends at once.
STUBBORN_FLOW='environments:
  - name: dev
    action: "echo start $(date +%s%N) $REL_STATE_DIR >>$STEPS; case $REL_STATE_DIR in */a) trap \"\" TERM; while :; do echo alive $(date +%s%N) >>$STEPS; sleep 0.05; done;; esac; echo end $(date +%s%N) $REL_STATE_DIR >>$STEPS"
'

@test "publish: partition: the runner stops its steps before its lease ends, another machine takes over after it" {
	local url t0 last
	export STEPS=$SCRATCH/steps
	new_remote shared && start_transport git
	url=$(remote_url git shared)
	join a "$url" "$STUBBORN_FLOW"
	join b "$url" "$STUBBORN_FLOW"
	on a rel-create web -a web=1 >/dev/null
	on a rel-promote web-1 >"$SCRATCH/a.out" 2>&1 &
	pa=$!
	until_ok 20 grep -q alive "$STEPS"
	t0=$(date +%s%N)
	stop_git_daemon
	# a can push nothing: it stops its step (SIGTERM ignored: SIGKILL)
	# before its lease (3 s from its last accepted push, before t0) ends.
	st=0
	wait "$pa" || st=$?
	[ "$st" = 5 ] || { cat "$SCRATCH/a.out"; false; }
	grep -q "no push accepted" "$SCRATCH/a.out"
	last=$(grep alive "$STEPS" | tail -1 | cut -d' ' -f2)
	[ $((last - t0)) -lt 3000000000 ]
	sleep 0.3
	[ "$(grep alive "$STEPS" | tail -1 | cut -d' ' -f2)" = "$last" ]
	# The remote again: b watches the lease run out, records a's runner
	# dead, and retries there.
	restart_git_daemon
	until_ok 30 on b rel-promote --retry web-1
	grep -q "^end .* $(machine b)\$" "$STEPS"
	b_start=$(grep "^start .* $(machine b)\$" "$STEPS" | cut -d' ' -f2)
	[ "$b_start" -gt "$last" ]
	# Everything converges: both clones agree, nothing lost.
	for m in a b; do rel-sync --state "$(machine "$m")" >/dev/null; done
	[ "$(on a rel-status web)" = "$(on b rel-status web)" ]
	run -0 on a rel-status web-1 --history
	assert_contains "$output" "died"
	for m in a b; do on "$m" rel-status --check >/dev/null; done
}

# A remote that completes the handshake and then says nothing (a hung
# server, a proxy with nothing behind it): no network call may outlast
# the runner's lease, nor a command's --wait.
@test "publish: a remote that accepts and never answers: steps stopped before the lease ends, commands give up" {
	local url t0 last
	export STEPS=$SCRATCH/steps
	new_remote shared && start_transport git
	url=$(remote_url git shared)
	join a "$url" "$STUBBORN_FLOW"
	# A longer lease than elsewhere: the bound checked below is the
	# lease itself, and a loaded machine needs the room.
	sed -i 's/^lease = 3s$/lease = 6s/' "$(machine a)/config"
	on a rel-create web -a web=1 >/dev/null
	on a rel-promote web-1 >"$SCRATCH/a.out" 2>&1 &
	pa=$!
	until_ok 20 grep -q alive "$STEPS"
	t0=$(date +%s%N)
	stop_git_daemon
	start_bg "$SCRATCH/hole.out" "$REL_HELPERS/blackhole" "$GIT_PORT"
	wait_for_line "$SCRATCH/hole.out" listening
	st=0
	for ((i = 0; i < 600; i++)); do
		kill -0 "$pa" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pa" 2>/dev/null; then
		kill -KILL "$pa"
		echo "the runner still waits on the remote after 60 s" >&2
		false
	fi
	wait "$pa" || st=$?
	[ "$st" = 5 ] || { cat "$SCRATCH/a.out"; false; }
	last=$(grep alive "$STEPS" | tail -1 | cut -d' ' -f2)
	echo "last step output $(( (last - t0) / 1000000 )) ms after the remote went silent"
	# Another machine takes the runner for dead only after watching its
	# lease and a quarter more run out (rel-store(5)): the steps must be
	# gone by then.  (Under a loaded make check the fence has been seen
	# to take most of the lease with a silent remote: rel-promote(1).)
	[ $((last - t0)) -lt 7500000000 ]
	# A command gives up within its --wait, naming the remote.
	run timeout 60 env REL_STATE_DIR="$(machine a)" rel-create web -a web=2 --wait 2
	[ "$status" = 4 ] || [ "$status" = 5 ]
	assert_contains "$output" "$url"
	run timeout 60 env REL_STATE_DIR="$(machine a)" rel-status --fetch web --wait 2
	[ "$status" = 4 ] || [ "$status" = 5 ]
}

@test "publish: kill -9 of a runner: another machine sees it dead after the lease" {
	local url
	export STEPS=$SCRATCH/steps
	new_remote shared && start_transport git
	url=$(remote_url git shared)
	join a "$url" "$STEP_FLOW"
	join b "$url" "$STEP_FLOW"
	on a rel-create web -a web=1 >/dev/null
	(REL_STATE_DIR=$(machine a) exec rel-promote web-1 >"$SCRATCH/a.out" 2>&1) &
	pa=$!
	until_ok 20 grep -q start "$STEPS"
	kill -9 "$pa"
	wait "$pa" 2>/dev/null || true
	# b cannot take it at once: the lease holds.
	run on b rel-promote --retry web-1
	[ "$status" != 0 ]
	until_ok 30 on b rel-promote --retry web-1
	run -0 on b rel-status web-1
	[ "$(cut -f3 <<<"$output")" = succeeded ]
	for m in a b; do
		rel-sync --state "$(machine "$m")" >/dev/null
		on "$m" rel-status --check >/dev/null
	done
}

@test "publish: terminate from another machine reaches the runner" {
	local url
	export STEPS=$SCRATCH/steps
	new_remote shared && start_transport git
	url=$(remote_url git shared)
	join a "$url" "$STUBBORN_FLOW"
	join b "$url" "$STUBBORN_FLOW"
	on a rel-create web -a web=1 >/dev/null
	on a rel-promote web-1 >"$SCRATCH/a.out" 2>&1 &
	pa=$!
	until_ok 20 grep -q alive "$STEPS"
	run -0 on b rel-terminate web-1 --grace 1 --reason "from b"
	st=0
	wait "$pa" || st=$?
	[ "$st" = 1 ]
	run -0 on b rel-status web-1
	[ "$(cut -f3 <<<"$output")" = terminated ]
	rel-sync --state "$(machine a)" >/dev/null
	[ "$(on a rel-status web)" = "$(on b rel-status web)" ]
}


@test "publish: a freeze made on one machine stops a promotion on another" {
	local url flow
	flow=$(printf 'environments:\n  - name: dev\n    action: "true"\n  - name: prod\n    trigger: manual\n    action: "true"\n')
	new_remote shared && start_transport path
	url=$(remote_url path shared)
	join a "$url" "$flow"
	join b "$url" "$flow"
	on a rel-create web -a web=1 >/dev/null
	run -0 on a rel-promote web-1
	run -0 on b rel-sync
	# a stops the line; b has not fetched since.
	run -0 on a rel-freeze -p web prod --reason "INC-7" --by alice
	run -2 --separate-stderr on b rel-promote web-1 prod
	[[ "$stderr" == *"frozen until lifted (INC-7)"* ]]
	run -0 on b rel-status --envs web-1
	[[ "$output" == *"prod	suspended"* ]]
	# Lifted on b, it goes on a.
	run -0 on b rel-freeze -p web --lift prod
	run -0 on a rel-promote web-1 prod
	run -0 on b rel-sync
	run -0 on b rel-status --history --env prod web
	[[ "$output" == *"alice"* ]]
}

@test "publish: a branch lock file left by a process killed here does not stop the next change" {
	local url
	new_remote shared && start_transport path
	url=$(remote_url path shared)
	join a "$url"
	run -0 on a rel-create web -a web=1
	# What libgit2 leaves when it is killed while moving the branch.
	: >"$(machine a)/git/refs/heads/rel/web.lock"
	run -0 on a rel-create web -a web=2
	[ "$output" = web-2 ]
	run -0 on a rel-status --fetch web
	run -0 on a rel-sync
	[ ! -e "$(machine a)/git/refs/heads/rel/web.lock" ]
}

@test "publish: soak: three machines, random operations, SIGKILLs and daemon restarts" {
	run --separate-stderr timeout $((SYNC_SOAK_SECONDS + 300)) \
	    bash "$REL_TOP/tests/soak/sync_soak.sh" "$SYNC_SOAK_SECONDS"
	sed 's/^/# /' <<<"$output" >&3
	[ -z "$stderr" ] || sed 's/^/# /' <<<"$stderr" >&3
	assert_status 0
	[ "${lines[-1]}" = "sync soak: ok" ]
}
