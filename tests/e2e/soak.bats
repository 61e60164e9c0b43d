#!/usr/bin/env bats
# The randomized soak (tests/soak/soak.sh) for REL_SOAK_SECONDS (30 by
# default; `make check-long` runs it for minutes): workers creating,
# promoting, terminating, retrying, redeploying and reading while a killer
# SIGKILLs rel processes, then rel-status --check and the soak's own
# verdict.  Its numbers go to the TAP stream.

load lib

# Read before setup, which clears every REL_* variable.
SOAK_SECONDS=${REL_SOAK_SECONDS:-30}
SOAK_PROCS=${REL_SOAK_PROCS:-4}

@test "randomized soak: workers and a killer, then every invariant holds" {
	run --separate-stderr timeout $((SOAK_SECONDS + 400)) \
	    bash "$REL_TOP/tests/soak/soak.sh" "$SOAK_SECONDS" "$SOAK_PROCS"
	sed 's/^/# /' <<<"$output" >&3
	[ -z "$stderr" ] || sed 's/^/# /' <<<"$stderr" >&3
	assert_status 0
	[ "${lines[-1]}" = "soak: ok" ]
}
