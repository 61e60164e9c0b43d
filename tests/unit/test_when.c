/*
 * test_when.c - times and durations (lib/when.c): ISO 8601 times written
 * and read back exactly, flow durations parsed (every way one can be
 * wrong, with its message) and formatted, elapsed times for people.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <setjmp.h>
#include <cmocka.h>

#include "when.h"

/* 2026-11-21T22:39:11.123Z */
#define T_EXAMPLE (INT64_C(1795300751) * 1000 + 123)

static void
test_time_format(void **state)
{
	char buf[REL_TIME_MAX];

	(void)state;
	rel_time_format(0, 1, buf);
	assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
	rel_time_format(0, 0, buf);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	rel_time_format(T_EXAMPLE, 1, buf);
	assert_string_equal(buf, "2026-11-21T22:39:11.123Z");
	rel_time_format(T_EXAMPLE, 0, buf);
	assert_string_equal(buf, "2026-11-21T22:39:11Z");
	rel_time_format(INT64_C(951782400000) + 7, 1, buf); /* leap day */
	assert_string_equal(buf, "2000-02-29T00:00:00.007Z");
	rel_time_format(INT64_C(946684799999), 1, buf);
	assert_string_equal(buf, "1999-12-31T23:59:59.999Z");
	/* Out of range: a placeholder, never garbage. */
	rel_time_format(-1, 1, buf);
	assert_string_equal(buf, "-");
	rel_time_format(INT64_C(253402300800000), 1, buf); /* year 10000 */
	assert_string_equal(buf, "-");
	rel_time_format(INT64_C(253402300799999), 1, buf);
	assert_string_equal(buf, "9999-12-31T23:59:59.999Z");
}

static void
test_time_parse(void **state)
{
	int64_t ms = -1;

	(void)state;
	assert_int_equal(rel_time_parse("2026-11-21T22:39:11.123Z", &ms), 0);
	assert_int_equal(ms, T_EXAMPLE);
	assert_int_equal(rel_time_parse("2026-11-21T22:39:11Z", &ms), 0);
	assert_int_equal(ms, T_EXAMPLE - 123);
	assert_int_equal(rel_time_parse("1970-01-01T00:00:00.000Z", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(rel_time_parse("2024-02-29T12:00:00Z", &ms), 0);
	assert_int_equal(ms, INT64_C(1709208000000));
}

static void
test_time_parse_bad(void **state)
{
	static const char *const bad[] = {
	    "", "-", "2026-11-21", "2026-11-21T22:39:11",
	    "2026-11-21T22:39:11.123", "2026-11-21T22:39:11.12Z",
	    "2026-11-21T22:39:11.1234Z", "2026-11-21 22:39:11Z",
	    "2026-11-21t22:39:11Z", "2026-11-21T22:39:11z",
	    "2026/11/21T22:39:11Z", "2026-11-21T22-39-11Z",
	    "2026-11-21T22:39:11,123Z", "2026-11-21T22:39:11+00",
	    "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
	    "2026-01-00T00:00:00Z", "2026-01-32T00:00:00Z",
	    "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z",
	    "2026-01-01T00:00:61Z", "2026-1-01T00:00:00.00Z",
	    "+026-01-01T00:00:00Z", " 026-01-01T00:00:00Z",
	    "2026-01-01T00:00:0xZ", "2026-11-21T22:39:11.12xZ",
	    "2026-11-21T22:39:11Z ", "2026-11-21T22:39:11.123Zx",
	};
	int64_t ms = 42;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (rel_time_parse(bad[i], &ms) != -1)
			fail_msg("'%s' parsed as a time", bad[i]);
	assert_int_equal(ms, 42); /* untouched */
}

static void
test_time_round_trip(void **state)
{
	char buf[REL_TIME_MAX];
	int64_t t, back;

	(void)state;
	/* From 1970 to past 2100 in irregular steps (a prime number of
	 * milliseconds), through leap days and century years. */
	for (t = 0; t < INT64_C(4200000000000); t += INT64_C(7777777777)) {
		rel_time_format(t, 1, buf);
		assert_int_equal(rel_time_parse(buf, &back), 0);
		assert_int_equal(back, t);
		rel_time_format(t, 0, buf);
		assert_int_equal(rel_time_parse(buf, &back), 0);
		assert_int_equal(back, t - t % 1000);
	}
	/* And against the C library, at every time of day, up to 9999. */
	for (t = 0; t < INT64_C(253402300800000);
	    t += INT64_C(86400000) * 397 + 3723000) {
		time_t secs = (time_t)(t / 1000);
		struct tm tm;
		char want[64];

		assert_non_null(gmtime_r(&secs, &tm));
		strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
		rel_time_format(t, 0, buf);
		assert_string_equal(buf, want);
	}
}

static void
test_clocks(void **state)
{
	int64_t a, b, now = rel_now_ms();
	time_t secs = time(NULL);

	(void)state;
	assert_true(now / 1000 - (int64_t)secs <= 1);
	assert_true((int64_t)secs - now / 1000 <= 1);
	a = rel_monotonic_ms();
	b = rel_monotonic_ms();
	assert_true(b >= a);
}

/* Parse s as a duration that must be good. */
static long
dur(const char *s)
{
	struct rel_err err = { 0, "" };
	long v = -1;

	if (rel_duration_parse("timeout", s, &v, &err) != 0)
		fail_msg("'%s': %s", s, err.msg);
	return v;
}

static void
test_duration_parse(void **state)
{
	(void)state;
	assert_int_equal(dur("30s"), 30);
	assert_int_equal(dur("10m"), 600);
	assert_int_equal(dur("2h"), 7200);
	assert_int_equal(dur("1d"), 86400);
	assert_int_equal(dur("1h30m"), 5400);
	assert_int_equal(dur("1d2h3m4s"), 93784);
	assert_int_equal(dur("1d4s"), 86404);
	assert_int_equal(dur("90s"), 90);    /* not normalized: fine */
	assert_int_equal(dur("0h5m"), 300);  /* one part may be zero */
	assert_int_equal(dur("007s"), 7);
	assert_int_equal(dur("366d"), REL_DURATION_LIMIT);
	assert_int_equal(dur("365d24h"), REL_DURATION_LIMIT);
	assert_int_equal(dur("31622400s"), REL_DURATION_LIMIT);
}

/* s is refused with exactly the message want. */
static void
dur_bad(const char *s, const char *want)
{
	struct rel_err err = { 0, "" };
	long v = 99;

	assert_int_equal(rel_duration_parse("timeout", s, &v, &err),
	    REL_EUSAGE);
	assert_int_equal(err.code, REL_EUSAGE);
	assert_int_equal(v, 99);
	if (strcmp(err.msg, want) != 0)
		fail_msg("'%s': got \"%s\", want \"%s\"", s, err.msg, want);
}

#define NO_UNIT(s) dur_bad(s, "bad timeout '" s "': a number needs a unit " \
	"(s, m, h or d), as in 30s, 10m, 2h, 1d or 1h30m")
#define ORDER(s) dur_bad(s, "bad timeout '" s "': units must go from " \
	"largest to smallest, each once (as in 1h30m)")
#define ZERO(s) dur_bad(s, "bad timeout '" s "': must be longer than zero")
#define BIG(s) dur_bad(s, "bad timeout '" s "': longer than a year (366d at most)")
#define GARBAGE(s) dur_bad(s, "bad timeout '" s "': expected a duration " \
	"such as 30s, 10m, 2h, 1d or 1h30m")

static void
test_duration_errors(void **state)
{
	(void)state;
	dur_bad("", "empty timeout");
	NO_UNIT("30");
	NO_UNIT("1h30");
	NO_UNIT("0");
	ORDER("30m1h");
	ORDER("1s1d");
	ORDER("1h1h");   /* repeated */
	ORDER("1m2m");
	ORDER("1d1h1h");
	ZERO("0s");
	ZERO("0h0m");
	ZERO("0d0h0m0s");
	BIG("367d");
	BIG("366d1s");
	BIG("31622401s");
	BIG("8785h");
	BIG("99999999999999999999999999s"); /* no overflow on the way */
	BIG("200d4000h");                   /* the sum is over */
	GARBAGE("abc");
	GARBAGE("s");
	GARBAGE("h1");
	GARBAGE("5x");
	GARBAGE("5S");
	GARBAGE("-5s");
	GARBAGE("+5s");
	GARBAGE(" 5s");
	GARBAGE("5s ");
	GARBAGE("5 s");
	GARBAGE("1.5h");
	GARBAGE("1h-30m");
	GARBAGE("5ms");
	GARBAGE("1w");
}

static void
test_duration_format(void **state)
{
	static const struct { long secs; const char *want; } v[] = {
		{ 0, "0s" }, { -5, "0s" }, { 1, "1s" }, { 59, "59s" },
		{ 60, "1m" }, { 90, "1m30s" }, { 3600, "1h" },
		{ 5400, "1h30m" }, { 86400, "1d" }, { 86401, "1d1s" },
		{ 93784, "1d2h3m4s" }, { REL_DURATION_LIMIT, "366d" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		rel_duration_format(v[i].secs, buf, sizeof buf);
		assert_string_equal(buf, v[i].want);
	}
	/* A short buffer is cut, still terminated. */
	memset(buf, 'x', sizeof buf);
	rel_duration_format(93784, buf, 4);
	assert_string_equal(buf, "1d2");
}

static void
test_duration_round_trip(void **state)
{
	char buf[32];

	(void)state;
	for (long s = 1; s <= REL_DURATION_LIMIT; s += s < 200000 ? 1 : 9973) {
		rel_duration_format(s, buf, sizeof buf);
		assert_int_equal(dur(buf), s);
	}
}

static void
test_elapsed_format(void **state)
{
	static const struct { int64_t ms; const char *want; } v[] = {
		{ -5, "0.0s" }, { 0, "0.0s" }, { 400, "0.4s" },
		{ 1049, "1.0s" }, { 9999, "9.9s" }, { 10000, "10s" },
		{ 59999, "59s" }, { 60000, "1m00s" }, { 185000, "3m05s" },
		{ 3599999, "59m59s" }, { 3600000, "1h00m" },
		{ 7380000, "2h03m" }, { INT64_C(90000000), "25h00m" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		rel_elapsed_format(v[i].ms, buf, sizeof buf);
		assert_string_equal(buf, v[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_time_parse_bad),
		cmocka_unit_test(test_time_round_trip),
		cmocka_unit_test(test_clocks),
		cmocka_unit_test(test_duration_parse),
		cmocka_unit_test(test_duration_errors),
		cmocka_unit_test(test_duration_format),
		cmocka_unit_test(test_duration_round_trip),
		cmocka_unit_test(test_elapsed_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
