#!/bin/sh
# run.sh SECONDS NAME... - run each libFuzzer harness build/fuzz/fuzz_NAME
# for SECONDS (-max_total_time) on build/fuzz/corpus-NAME/, seeded from the
# checked-in tests/fuzz/corpus/NAME/.  Called by `make fuzz` after it built
# the harnesses; run from the top of the tree.
#
# The working corpus is kept between runs (the fuzzers go on from where
# they stopped; `make clean` forgets it), so the checked-in seeds stay
# small.  A crash, a leak, a timeout or a broken promise stops the harness:
# its log is shown, the input that did it is kept in build/fuzz/ as
# crash-NAME-*, and the run fails once every harness had its turn.
# The last line says how many inputs each harness ran.  FUZZ_JOBS (2)
# harnesses run at once.
set -u

secs=${1:?usage: run.sh SECONDS NAME...}
shift
jobs=${FUZZ_JOBS:-2}

# one NAME: run a harness; its result goes to build/fuzz/NAME.result
one() {
	name=$1
	bin=build/fuzz/fuzz_$name
	corpus=build/fuzz/corpus-$name
	log=build/fuzz/$name.log
	mkdir -p "$corpus"
	if [ -d "tests/fuzz/corpus/$name" ]; then
		cp tests/fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null
	fi
	# Paths here never hold blanks: one string of options will do.
	opts="-max_total_time=$secs -print_final_stats=1 -timeout=10"
	opts="$opts -rss_limit_mb=2048 -artifact_prefix=build/fuzz/crash-$name-"
	if [ -f "tests/fuzz/$name.dict" ]; then
		opts="$opts -dict=tests/fuzz/$name.dict"
	fi
	if [ -f "tests/fuzz/$name.options" ]; then
		opts="$opts $(cat "tests/fuzz/$name.options")"
	fi
	echo "fuzz $name: ${secs}s on $corpus"
	# shellcheck disable=SC2086
	"$bin" $opts "$corpus" >"$log" 2>&1
	echo $? >"build/fuzz/$name.result"
}

# FUZZ_JOBS harnesses at a time (one per core by default).
set -- "$@"
while [ $# -gt 0 ]; do
	n=0
	while [ $# -gt 0 ] && [ $n -lt "$jobs" ]; do
		one "$1" &
		batch="${batch:-} $1"
		shift
		n=$((n + 1))
	done
	wait
done
failed=""
summary=""
for name in $batch; do
	log=build/fuzz/$name.log
	rc=$(cat "build/fuzz/$name.result" 2>/dev/null || echo 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	units=$(ls "build/fuzz/corpus-$name" | wc -l)
	if [ "$rc" -ne 0 ]; then
		echo "fuzz $name: FAILED (exit $rc), log $log:" >&2
		grep -E 'ERROR|SUMMARY|broken promise|Test unit written|==[0-9]+==' \
		    "$log" | head -n 40 >&2
		failed="$failed $name"
	fi
	echo "fuzz $name: ${execs:-?} executions, corpus $units inputs"
	summary="$summary $name=${execs:-?}"
done
if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed (inputs in build/fuzz/crash-*)" >&2
	echo "fuzz: executions:$summary"
	exit 1
fi
echo "fuzz: executions:$summary"
