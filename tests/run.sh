#!/bin/sh
# Run the tests under prove (TAP): the cmocka unit tests built into
# build/tests/ and the bats end-to-end tests in tests/e2e/.  Arguments
# name a subset.  The last line printed is prove's summary.
cd "$(dirname "$0")/.." || exit 2
if [ $# -eq 0 ]; then
	# The unit test programs (not their .d dependency files), then bats.
	set -- $(ls build/tests/test_* | grep -v '\.d$') tests/e2e/*.bats
fi
# --failures --comments: a failure in CI says why, not only where.
exec prove -j"${JOBS:-2}" --failures --comments --exec tests/harness "$@"
