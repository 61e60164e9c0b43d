#!/bin/sh
# Run the tests under prove (TAP): the cmocka unit tests built into
# build/tests/ and the bats end-to-end tests in tests/e2e/.  Arguments
# name a subset.  The last line printed is prove's summary.
#
# prove runs JOBS files at a time (default 2, the cores of the machine
# the suite is sized for).  They start longest first, so that no slot is
# left alone with a long file at the end: by the wall seconds each file
# took the last time it ran in this tree (build/test-times, which
# tests/harness writes); a file not timed yet goes first there (a new
# file may be long).  In a fresh tree the heaviest files (HINTS, seconds
# on an idle machine) go first, then the other bats files, then the unit
# tests.
cd "$(dirname "$0")/.." || exit 2
if [ $# -eq 0 ]; then
	# The unit test programs (not their .d dependency files), then bats.
	set -- $(ls build/tests/test_* | grep -v '\.d$') tests/e2e/*.bats
fi

# Seconds a file is guessed to take when it has not been timed here.
HINTS="faults.bats:90 hostile.bats:60 completion.bats:50 log.bats:45
demo.bats:25 create.bats:25 crash.bats:25 concurrency.bats:25"
TIMES=build/test-times
order() {
	for f; do echo "$f"; done |
	awk -v hints="$HINTS" -v times="$TIMES" '
	    BEGIN {
		n = split(hints, h, /[ \n]+/)
		for (i = 1; i <= n; i++) {
			split(h[i], kv, ":")
			hint[kv[1]] = kv[2]
		}
		while ((getline line < times) > 0) {
			split(line, f, " ")
			took[f[3]] = f[2]
			timed = 1
		}
	    }
	    {
		base = $0
		sub(/.*\//, "", base)
		if ($0 in took) t = took[$0]
		else if (base in hint) t = hint[base]
		else if ($0 ~ /\.bats$/) t = timed ? 1000 : 20
		else t = 0
		printf "%s %d %s\n", t, NR, $0
	    }' | LC_ALL=C sort -k1,1nr -k2,2n | cut -d' ' -f3-
}
set -- $(order "$@")

# Each file's times, for the next run's order (and for whoever asked for
# them with REL_TEST_TIMES: see tests/harness).
mine=
if [ -z "${REL_TEST_TIMES:-}" ] && [ -d build ]; then
	mine=$TIMES.run.$$
	REL_TEST_TIMES=$PWD/$mine
	export REL_TEST_TIMES
	: >"$mine"
	trap 'rm -f "$mine"; exit 130' INT TERM
fi
# --failures --comments: a failure in CI says why, not only where.
prove -j"${JOBS:-2}" --failures --comments --exec tests/harness "$@"
rc=$?
if [ -n "$mine" ]; then
	# The newest line of each file.
	cat "$TIMES" "$mine" 2>/dev/null |
	    awk '{ t[$3] = $0 } END { for (f in t) print t[f] }' >"$TIMES.new" &&
	    mv "$TIMES.new" "$TIMES"
	rm -f "$mine"
fi
exit $rc
