#!/usr/bin/env bats
# sync_attack.bats - what an independent attack on issue 13 (several
# machines, one history through a git remote) found, kept as tests: each
# failed on the branch as it was attacked (9346e2a).  Three state
# directories stand for three machines sharing one remote; small leases.

load sync_lib

# A step that appends "start NS MACHINE:RELEASE" and "end NS ..." to
# $STEPS (outside every store), lasting $STEP_SLEEP seconds.
STEP_FLOW='environments:
  - name: dev
    action: "w=${REL_STATE_DIR##*/}:$REL_RELEASE; echo start $(date +%s%N) $w >>$STEPS; sleep $STEP_SLEEP; echo end $(date +%s%N) $w >>$STEPS"'

@test "publish: the same release promoted on two machines at once runs its steps once" {
	local url pa pb
	export STEPS=$SCRATCH/steps STEP_SLEEP=1
	new_remote shared
	url=$(remote_url path shared)
	join a "$url" "$STEP_FLOW"
	join b "$url" "$STEP_FLOW"
	on a rel-create web -a web=1 >/dev/null
	run -0 on b rel-sync
	on a timeout 120 rel-promote web-1 --wait 10 >"$SCRATCH/a.out" 2>&1 &
	pa=$!
	on b timeout 120 rel-promote web-1 --wait 10 >"$SCRATCH/b.out" 2>&1 &
	pb=$!
	wait "$pa" || true
	wait "$pb" || true
	cat "$STEPS"
	# One deploy of web-1 into dev: never two at once.
	no_overlap "$STEPS"
	# And the record says one run, not "dev pending -> running" twice.
	run -0 git --git-dir "$SCRATCH/srv/shared.git" log --format=%s rel/web
	[ "$(grep -c 'dev pending -> running' <<<"$output")" = 1 ]
}

# A's runner is SIGSTOPped (a stalled process: swap, a debugger, a VM
# hiccup of the runner alone) while its step runs, for longer than its
# lease; B promotes a newer release into the environment, which it may
# after the lease; then A gets SIGCONT.  Sets $T0 (when A stopped) and
# $PA.
LONG_FLOW='environments:
  - name: dev
    action: "w=${REL_STATE_DIR##*/}:$REL_RELEASE; echo start $(date +%s%N) $w >>$STEPS; for i in $(seq 80); do echo alive $(date +%s%N) $w >>$STEPS; sleep 0.1; done; echo end $(date +%s%N) $w >>$STEPS"'
stalled_runner() {
	local url s
	export STEPS=$SCRATCH/steps
	new_remote shared
	url=$(remote_url path shared)
	join a "$url" "$LONG_FLOW"
	join b "$url" "$LONG_FLOW"
	on a rel-create web -a web=1 >/dev/null
	on b rel-create web -a web=2 >/dev/null
	(REL_STATE_DIR=$(machine a) exec rel-promote web-1 --wait 10) \
	    >"$SCRATCH/a.out" 2>&1 &
	PA=$!
	REL_BG_PIDS+=("$PA")
	until_ok 30 grep -q alive "$STEPS"
	kill -STOP "$PA"
	T0=$(date +%s%N)
	# B gets the environment once A's lease ran out unrenewed.
	s=$SECONDS
	until on b timeout 60 rel-promote web-2 --wait 2 >"$SCRATCH/b.out" 2>&1; do
		[ $((SECONDS - s)) -lt 60 ] || { cat "$SCRATCH/b.out"; return 1; }
		sleep 0.3
	done
	kill -CONT "$PA"
	wait "$PA" || true
	rel-sync --state "$(machine a)" >/dev/null || true
	rel-sync --state "$(machine b)" >/dev/null
}

@test "publish: a runner stalled past its lease records nothing after another machine took over" {
	stalled_runner
	# B recorded web-1 terminated (superseded) when it took dev; A, woken,
	# must not write web-1's steps and dev as succeeded on top of that.
	run -0 on b rel-status --history web-1
	echo "$output"
	last=$(tail -1 <<<"$output" | cut -f4-6)
	[ "$last" = "release	terminating	terminated" ]
	run -0 on b rel-status web-1
	[[ "$output" != *dev=succeeded* ]]
	# dev's history ends with web-2's run, not an end of web-1 after it.
	tail -1 "$(machine b)/products/web/envs/dev" | grep -q 'web-2'
}

# A remote that accepts connections and never answers (a hung server, a
# firewall that swallows the traffic): a command gives up within its
# --wait, exit 4 or 5 naming the remote, never hangs.
@test "publish: a remote that accepts and never answers: commands give up within --wait" {
	local url port cmd st
	new_remote shared && start_transport git
	url=$(remote_url git shared)
	port=$GIT_PORT
	join a "$url" "$(printf 'environments:\n  - name: dev\n    action: "true"')"
	on a rel-create web -a web=1 >/dev/null
	stop_git_daemon
	start_bg "$SCRATCH/hole.log" "$REL_HELPERS/blackhole" "$port"
	wait_for_line "$SCRATCH/hole.log" listening
	for cmd in "rel-create web -a web=2 --wait 3" \
	    "rel-promote web-1 --wait 3" "rel-sync --wait 3"; do
		st=0
		on a timeout 40 $cmd >"$SCRATCH/out" 2>&1 || st=$?
		echo "$cmd: exit $st: $(cat "$SCRATCH/out")"
		[ "$st" = 4 ] || [ "$st" = 5 ]
		grep -q "$url" "$SCRATCH/out"
	done
}

# A command killed (SIGKILL, OOM, a CI job cancelled) while it moves the
# branch of a path remote leaves refs/heads/rel/PRODUCT.lock in the shared
# remote (repro/kill9.sh finds it after a few dozen kills).  Every machine
# is then refused for ever with "kept moving (other machines changed it
# first)", which sends people looking for another machine.  The message
# must name the lock file (or a dead writer's lock be dealt with).
@test "publish: a lock file left in a path remote by a killed command is named, not blamed on other machines" {
	local url srv=$SCRATCH/srv/shared.git
	new_remote shared
	url=$(remote_url path shared)
	join a "$url" "$(printf 'environments:\n  - name: dev\n    action: "true"')"
	run -0 on a rel-create web -a web=1
	# What a rel-create SIGKILLed in git_reference_create_matching leaves.
	: >"$srv/refs/heads/rel/web.lock"
	touch -d '-2 minutes' "$srv/refs/heads/rel/web.lock"
	run on a timeout 60 rel-create web -a web=2 --wait 3
	echo "$output"
	[ "$status" = 0 ] || [[ "$output" == *web.lock* ]]
}
