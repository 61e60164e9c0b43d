#!/usr/bin/env bats
# The publish primitive under contention: three machines (state
# directories) publish to one branch at once through each transport.
# Every accepted change must be on the remote exactly once, none lost,
# and the branch never rewritten (its history one line of commits, one
# per accepted change).

load sync_lib

race() {
	local t=$1 url m pids=() srv=$SCRATCH/srv/shared.git

	new_remote shared && start_transport "$t"
	url=$(remote_url "$t" shared)
	for m in a b c; do
		"$REL_HELPERS/publishloop" "$(machine $m)" "$url" web "$m" 5 \
		    >"$SCRATCH/$m.out" 2>"$SCRATCH/$m.err" 3>&- &
		pids+=($!)
	done
	for m in 0 1 2; do
		wait "${pids[$m]}" || { cat "$SCRATCH"/*.err >&2; return 1; }
	done
	cat "$SCRATCH"/[abc].out | sort >"$SCRATCH/accepted"
	[ "$(wc -l <"$SCRATCH/accepted")" = 15 ]
	git --git-dir "$srv" show rel/web:envs/load | sort >"$SCRATCH/remote"
	diff "$SCRATCH/accepted" "$SCRATCH/remote"
	[ "$(git --git-dir "$srv" rev-list --count rel/web)" = 15 ]
	[ "$(git --git-dir "$srv" rev-list --merges --count rel/web)" = 0 ]
	# Each machine's own copy is a prefix of the shared history.
	for m in a b c; do
		git --git-dir "$srv" merge-base --is-ancestor \
		    "$(git --git-dir "$(machine $m)/git" rev-parse rel/web)" rel/web
	done
}

@test "publish: three machines at once through a path" {
	race path
}

@test "publish: three machines at once through git daemon (git://)" {
	race git
}

@test "publish: three machines at once through sshd (ssh://)" {
	race ssh
}
