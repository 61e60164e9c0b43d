/*
 * test_status.c - status words and their aggregation (lib/status.c), rule
 * by rule as DESIGN.md "Statuses" states them.  Scripts match on the
 * words, so they are checked letter for letter.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "status.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Short names for the tables below. */
enum {
	PEN = REL_PENDING, RUN = REL_RUNNING, SUS = REL_SUSPENDED,
	SUC = REL_SUCCEEDED, FAI = REL_FAILED, ERR = REL_ERROR,
	TRG = REL_TERMINATING, TRD = REL_TERMINATED, SKI = REL_SKIPPED,
	END = -1
};

static void
test_names(void **state)
{
	static const char *const want[REL_STATUS_COUNT] = {
		[REL_PENDING] = "pending", [REL_RUNNING] = "running",
		[REL_SUSPENDED] = "suspended", [REL_SUCCEEDED] = "succeeded",
		[REL_FAILED] = "failed", [REL_ERROR] = "error",
		[REL_TERMINATING] = "terminating",
		[REL_TERMINATED] = "terminated", [REL_SKIPPED] = "skipped",
	};

	(void)state;
	assert_int_equal(REL_STATUS_COUNT, 9);
	for (int s = 0; s < REL_STATUS_COUNT; s++) {
		assert_string_equal(rel_status_name((enum rel_status)s),
		    want[s]);
		assert_int_equal(rel_status_parse(want[s]), s);
	}
	assert_string_equal(rel_status_name(REL_STATUS_COUNT), "unknown");
	assert_string_equal(rel_status_name((enum rel_status)-1), "unknown");
	assert_int_equal(rel_status_parse("unknown"), -1);
	assert_int_equal(rel_status_parse(""), -1);
	assert_int_equal(rel_status_parse("Running"), -1);
	assert_int_equal(rel_status_parse("running "), -1);
	assert_int_equal(rel_status_parse("run"), -1);
	assert_int_equal(rel_status_parse("succeeded\n"), -1);
}

static void
test_valid_sets(void **state)
{
	/* DESIGN.md: which statuses each kind of object can have. */
	static const int env[] = { PEN, SUS, RUN, SUC, FAI, TRD, END };
	static const int rel[] = { PEN, RUN, SUS, SUC, FAI, TRG, TRD, END };
	static const int fin[] = { SUC, FAI, ERR, TRD, SKI, END };

	(void)state;
	for (int s = 0; s < REL_STATUS_COUNT; s++) {
		int in_env = 0, in_rel = 0, in_fin = 0;

		for (const int *p = env; *p != END; p++)
			in_env |= *p == s;
		for (const int *p = rel; *p != END; p++)
			in_rel |= *p == s;
		for (const int *p = fin; *p != END; p++)
			in_fin |= *p == s;
		if (!!rel_status_valid_env((enum rel_status)s) != in_env)
			fail_msg("valid_env(%s)", rel_status_name(
			    (enum rel_status)s));
		if (!!rel_status_valid_release((enum rel_status)s) != in_rel)
			fail_msg("valid_release(%s)", rel_status_name(
			    (enum rel_status)s));
		if (!!rel_status_final((enum rel_status)s) != in_fin)
			fail_msg("final(%s)", rel_status_name(
			    (enum rel_status)s));
	}
}

/* Aggregate the END-terminated list of step runs. */
static int
step(const int *v)
{
	enum rel_status s[16];
	size_t n = 0;

	for (; *v != END; v++)
		s[n++] = (enum rel_status)*v;
	return (int)rel_status_aggregate_step(s, n);
}

#define STEP(want, ...) do { \
		static const int v_[] = { __VA_ARGS__, END }; \
		int got_ = step(v_); \
		if (got_ != (want)) \
			fail_msg("step(%s) = %s, want %s", #__VA_ARGS__, \
			    rel_status_name((enum rel_status)got_), \
			    rel_status_name((enum rel_status)(want))); \
	} while (0)

static void
test_step_aggregate(void **state)
{
	(void)state;
	/* No runs: nothing happened. */
	assert_int_equal(rel_status_aggregate_step(NULL, 0), REL_PENDING);
	/* One run is itself. */
	STEP(PEN, PEN);
	STEP(RUN, RUN);
	STEP(SUC, SUC);
	STEP(FAI, FAI);
	STEP(ERR, ERR);
	STEP(TRD, TRD);
	/* Succeeded when all succeeded; skipped when the others did and
	 * some were left out of the attempt. */
	STEP(SUC, SUC, SUC, SUC);
	STEP(SKI, SUC, SKI);
	STEP(SKI, SKI);
	STEP(SKI, SKI, SKI);
	STEP(PEN, SKI, PEN);
	STEP(FAI, SKI, FAI);
	/* Running if any runs, whatever the others did. */
	STEP(RUN, RUN, SUC);
	STEP(RUN, SUC, PEN, RUN);
	STEP(RUN, FAI, RUN);
	STEP(RUN, ERR, RUN, TRD);
	/* Else failed if any failed... */
	STEP(FAI, SUC, FAI);
	STEP(FAI, FAI, PEN);
	STEP(FAI, FAI, ERR);
	STEP(FAI, ERR, FAI, TRD);
	STEP(FAI, TRD, FAI);
	/* ...error when something could not start and nothing failed... */
	STEP(ERR, SUC, ERR);
	STEP(ERR, ERR, TRD);
	STEP(ERR, PEN, ERR);
	/* ...terminated if any was stopped. */
	STEP(TRD, SUC, TRD);
	STEP(TRD, TRD, PEN);
	/* Not all done and nothing running or wrong: pending. */
	STEP(PEN, SUC, PEN);
	STEP(PEN, PEN, PEN);
	STEP(PEN, SKI, PEN);
}

/* Aggregate a release from term and the END-terminated env list. */
static int
release(int term, const int *v)
{
	enum rel_status s[16];
	size_t n = 0;

	for (; *v != END; v++)
		s[n++] = (enum rel_status)*v;
	return (int)rel_status_aggregate_release((enum rel_status)term, s, n);
}

#define REL(want, term, ...) do { \
		static const int v_[] = { __VA_ARGS__, END }; \
		int got_ = release(term, v_); \
		if (got_ != (want)) \
			fail_msg("release(%s; %s) = %s, want %s", #term, \
			    #__VA_ARGS__, \
			    rel_status_name((enum rel_status)got_), \
			    rel_status_name((enum rel_status)(want))); \
	} while (0)

static void
test_release_aggregate(void **state)
{
	(void)state;
	/* Terminating/terminated once it was terminated, whatever the
	 * environments say. */
	REL(TRG, TRG, RUN, PEN);
	REL(TRG, TRG, FAI);
	REL(TRG, TRG, SUC, SUC);
	REL(TRD, TRD, PEN, PEN);
	REL(TRD, TRD, FAI, RUN);
	REL(TRD, TRD, SUC);
	assert_int_equal(rel_status_aggregate_release(REL_TERMINATED, NULL, 0),
	    REL_TERMINATED);
	/* Else failed if any environment failed (or was terminated: a run
	 * superseded by a newer release). */
	REL(FAI, PEN, SUC, FAI, PEN);
	REL(FAI, PEN, FAI, RUN);
	REL(FAI, PEN, SUS, FAI);
	REL(FAI, PEN, TRD, PEN);
	REL(FAI, PEN, SUC, TRD);
	/* Else running if any runs. */
	REL(RUN, PEN, SUC, RUN, PEN);
	REL(RUN, PEN, RUN, SUS);
	REL(RUN, PEN, RUN);
	/* Else suspended if any waits for a manual action. */
	REL(SUS, PEN, SUC, SUS, PEN);
	REL(SUS, PEN, SUS);
	REL(SUS, PEN, SUS, SUC);
	/* Else succeeded when every environment succeeded. */
	REL(SUC, PEN, SUC);
	REL(SUC, PEN, SUC, SUC, SUC);
	/* Else pending. */
	REL(PEN, PEN, SUC, PEN);
	REL(PEN, PEN, PEN, PEN);
	REL(PEN, PEN, PEN);
	assert_int_equal(rel_status_aggregate_release(REL_PENDING, NULL, 0),
	    REL_PENDING);
}

/* --status's list: names separated by commas, empty items skipped, an
 * unknown name refused by name; at most one of each slot used. */
static void
test_parse_list(void **state)
{
	int want[REL_STATUS_COUNT + 1];
	struct rel_err err;

	(void)state;
	assert_int_equal(rel_status_parse_list("failed,terminated", want,
	    &err), 0);
	assert_int_equal(want[0], REL_FAILED);
	assert_int_equal(want[1], REL_TERMINATED);
	assert_int_equal(want[2], -1);
	assert_int_equal(rel_status_parse_list(",running,,", want, &err), 0);
	assert_int_equal(want[0], REL_RUNNING);
	assert_int_equal(want[1], -1);
	assert_int_equal(rel_status_parse_list("failed,nope", want, &err),
	    REL_EUSAGE);
	assert_non_null(strstr(err.msg, "unknown status 'nope'"));
	assert_int_equal(rel_status_parse_list(",,", want, &err), REL_EUSAGE);
	assert_non_null(strstr(err.msg, "no status given"));
	assert_int_equal(rel_status_parse_list("pendingpendingpending"
	    "pendingpendingpending", want, &err), REL_EUSAGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_valid_sets),
		cmocka_unit_test(test_step_aggregate),
		cmocka_unit_test(test_release_aggregate),
		cmocka_unit_test(test_parse_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
