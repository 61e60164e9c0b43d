/*
 * test_freeze.c - time zones from zoneinfo (lib/tz.c), cron schedules
 * (lib/cron.c) and freeze windows (lib/freeze.c, as rel-flow(5) writes
 * them): offsets in and out of summer time and past the files' tables,
 * the hour the clocks skip and the hour they repeat, windows across a
 * change of the clocks (America/Sao_Paulo when it still had summer time,
 * Europe/Berlin), across midnight, a week end and a year end.  Every
 * time is fixed: nothing here reads the clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "cron.h"
#include "flow.h"
#include "freeze.h"
#include "tz.h"
#include "when.h"

/* An ISO 8601 time as seconds. */
static int64_t
at(const char *s)
{
	int64_t ms = 0;

	assert_int_equal(rel_iso_parse(s, 0, &ms), 0);
	return ms / 1000;
}

static struct rel_tz *
zone(const char *name)
{
	struct rel_tz *tz = NULL;
	struct rel_err err;

	if (rel_tz_load(name, &tz, &err) != 0)
		fail_msg("%s", err.msg);
	return tz;
}

static void
test_offsets(void **state)
{
	struct rel_tz *b = zone("Europe/Berlin"), *sp = zone("America/Sao_Paulo");
	struct rel_tz *u = zone("UTC");

	(void)state;
	assert_int_equal(rel_tz_offset(b, at("2026-01-15T12:00Z")), 3600);
	assert_int_equal(rel_tz_offset(b, at("2026-07-15T12:00Z")), 7200);
	/* The change itself: 2026-03-29 01:00 UTC, 2026-10-25 01:00 UTC. */
	assert_int_equal(rel_tz_offset(b, at("2026-03-29T00:59:59Z")), 3600);
	assert_int_equal(rel_tz_offset(b, at("2026-03-29T01:00:00Z")), 7200);
	assert_int_equal(rel_tz_offset(b, at("2026-10-25T00:59:59Z")), 7200);
	assert_int_equal(rel_tz_offset(b, at("2026-10-25T01:00:00Z")), 3600);
	/* Far past the table: the footer's rule. */
	assert_int_equal(rel_tz_offset(b, at("2071-07-01T00:00Z")), 7200);
	assert_int_equal(rel_tz_offset(b, at("2071-12-01T00:00Z")), 3600);
	assert_int_equal(rel_tz_offset(b, at("2071-03-29T00:59:59Z")), 3600);
	assert_int_equal(rel_tz_offset(b, at("2071-03-29T01:00:00Z")), 7200);
	/* Sao Paulo: summer time (-02) until 2019, none since. */
	assert_int_equal(rel_tz_offset(sp, at("2018-12-01T12:00Z")), -7200);
	assert_int_equal(rel_tz_offset(sp, at("2018-11-04T02:59:59Z")), -10800);
	assert_int_equal(rel_tz_offset(sp, at("2018-11-04T03:00:00Z")), -7200);
	assert_int_equal(rel_tz_offset(sp, at("2019-02-17T01:59:59Z")), -7200);
	assert_int_equal(rel_tz_offset(sp, at("2019-02-17T02:00:00Z")), -10800);
	assert_int_equal(rel_tz_offset(sp, at("2019-12-01T12:00Z")), -10800);
	assert_int_equal(rel_tz_offset(sp, at("2060-01-01T12:00Z")), -10800);
	assert_int_equal(rel_tz_offset(u, at("2026-07-15T12:00Z")), 0);
	rel_tz_free(b);
	rel_tz_free(sp);
	rel_tz_free(u);
}

static void
test_instants(void **state)
{
	struct rel_tz *b = zone("Europe/Berlin"), *sp = zone("America/Sao_Paulo");
	int kind = -1;

	(void)state;
	/* An ordinary hour: one instant. */
	assert_int_equal(rel_tz_instant(b, at("2026-06-01T12:00Z"), &kind),
	    at("2026-06-01T10:00Z"));
	assert_int_equal(kind, 1);
	/* 02:30 on 2026-03-29 never happens in Berlin: the jump. */
	assert_int_equal(rel_tz_instant(b, at("2026-03-29T02:30Z"), &kind),
	    at("2026-03-29T01:00Z"));
	assert_int_equal(kind, 0);
	/* 02:30 on 2026-10-25 happens twice: the first. */
	assert_int_equal(rel_tz_instant(b, at("2026-10-25T02:30Z"), &kind),
	    at("2026-10-25T00:30Z"));
	assert_int_equal(kind, 2);
	/* Sao Paulo went forward at midnight: 00:30 never was. */
	assert_int_equal(rel_tz_instant(sp, at("2018-11-04T00:30Z"), &kind),
	    at("2018-11-04T03:00Z"));
	assert_int_equal(kind, 0);
	/* ... and back at midnight: 23:30 of 2019-02-16 was twice. */
	assert_int_equal(rel_tz_instant(sp, at("2019-02-16T23:30Z"), &kind),
	    at("2019-02-17T01:30Z"));
	assert_int_equal(kind, 2);
	rel_tz_free(b);
	rel_tz_free(sp);
}

static void
test_bad_zones(void **state)
{
	static const char *const names[] = { "../etc/passwd", "/etc/localtime",
		"Europe/../../etc/passwd", "Mars/Olympus_Mons", "", "Europe//Berlin",
		"Europe", ".hidden", "Europe/Berlin\n" };
	struct rel_tz *tz = NULL;
	struct rel_err err;
	unsigned char junk[60] = "TZif2";

	(void)state;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		assert_int_equal(rel_tz_load(names[i], &tz, &err), REL_EUSAGE);
		assert_null(tz);
	}
	assert_int_equal(rel_tz_parse("x", junk, sizeof junk, &tz, &err),
	    REL_EUSAGE);
	assert_int_equal(rel_tz_parse("x", (const unsigned char *)"TZ", 2, &tz,
	    &err), REL_EUSAGE);
}

static void
test_cron(void **state)
{
	struct rel_cron c;
	struct rel_err err;

	(void)state;
	assert_int_equal(rel_cron_parse("0 16 * * 5", &c, &err), 0);
	assert_true(c.minutes == 1 && c.hours == 1u << 16);
	assert_true(rel_cron_day(&c, 12, 4, 5));
	assert_false(rel_cron_day(&c, 12, 5, 6));
	assert_int_equal(rel_cron_parse("*/15 9-17/4 * jan-mar MON-fri", &c,
	    &err), 0);
	assert_true(c.minutes == (1ull | 1ull << 15 | 1ull << 30 | 1ull << 45));
	assert_true(c.hours == (1u << 9 | 1u << 13 | 1u << 17));
	assert_true(c.months == (1u << 1 | 1u << 2 | 1u << 3));
	assert_true(c.wdays == 0x3e);
	assert_int_equal(rel_cron_parse("5/20 0 1,15 * 7", &c, &err), 0);
	assert_true(c.minutes == (1ull << 5 | 1ull << 25 | 1ull << 45));
	assert_true(c.wdays == 1); /* 7 is Sunday */
	/* Both days restricted: either matches (cron's rule). */
	assert_true(rel_cron_day(&c, 6, 15, 3));
	assert_true(rel_cron_day(&c, 6, 14, 0));
	assert_false(rel_cron_day(&c, 6, 14, 1));
	/* One of them '*': both must. */
	assert_int_equal(rel_cron_parse("0 0 13 * *", &c, &err), 0);
	assert_false(rel_cron_day(&c, 6, 14, 5));
	assert_true(rel_cron_day(&c, 6, 13, 2));
	assert_int_equal(rel_cron_parse("0 0 * * 5", &c, &err), 0);
	assert_false(rel_cron_day(&c, 6, 13, 2));
	static const char *const bad[] = { "60 * * * *", "* 24 * * *",
		"* * 0 * *", "* * * 13 *", "* * * * 8", "5-1 * * * *", "* * * *",
		"* * * * * *", "*/0 * * * *", "a * * * *", "1,,2 * * * *",
		"* * * * mon-", "1- * * * *", "", "* * * jam *" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (rel_cron_parse(bad[i], &c, &err) != REL_EUSAGE)
			fail_msg("'%s' was taken", bad[i]);
		assert_non_null(strstr(err.msg, "schedule"));
	}
}

/* The flow with one window of product web (environment prod). */
static struct rel_flow *
flow_with(const char *window)
{
	char buf[2048];
	struct rel_flow *f = NULL;
	struct rel_err err;

	snprintf(buf, sizeof buf, "environments:\n  - name: dev\n  - name: "
	    "prod\nfreeze:\n%s", window);
	if (rel_flow_parse("web.yaml", buf, strlen(buf), "web", &f, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(f->nfreeze, 1);
	return f;
}

/* Is the flow's window open at s (ISO); if so, until when (ISO)? */
static void
expect(const struct rel_flow *f, const char *s, const char *start,
    const char *end)
{
	int64_t a = 0, b = 0;
	int open = rel_window_open(&f->freeze[0], at(s), &a, &b);

	if (!end) {
		if (open)
			fail_msg("open at %s", s);
		return;
	}
	if (!open)
		fail_msg("closed at %s", s);
	assert_int_equal(a, at(start));
	assert_int_equal(b, at(end));
}

static void
test_weekend_sao_paulo(void **state)
{
	/* Fridays 16:00 for 64h, in the week end the clocks went forward
	 * (Sunday 2018-11-04, 00:00 -> 01:00): 64 hours later is Monday
	 * 09:00 on the wall clock, not 08:00. */
	struct rel_flow *f = flow_with("  - schedule: \"0 16 * * 5\"\n"
	    "    duration: 64h\n    timezone: America/Sao_Paulo\n"
	    "    reason: weekend\n");
	const char *s = "2018-11-02T19:00Z", *e = "2018-11-05T11:00Z";

	(void)state;
	expect(f, "2018-11-02T18:59:59Z", NULL, NULL);
	expect(f, "2018-11-02T19:00:00Z", s, e);
	expect(f, "2018-11-04T02:30:00Z", s, e);
	expect(f, "2018-11-04T03:00:00Z", s, e);
	expect(f, "2018-11-05T10:59:59Z", s, e);
	expect(f, "2018-11-05T11:00:00Z", NULL, NULL);
	/* And back, Sunday 2019-02-17 00:00 -> Saturday 23:00: Friday
	 * 16:00 -02 is 18:00 UTC, 64 hours on is Monday 07:00 -03. */
	expect(f, "2019-02-15T18:00:00Z", "2019-02-15T18:00Z",
	    "2019-02-18T10:00Z");
	expect(f, "2019-02-18T09:59:59Z", "2019-02-15T18:00Z",
	    "2019-02-18T10:00Z");
	expect(f, "2019-02-18T10:00:00Z", NULL, NULL);
	assert_string_equal(f->freeze[0].reason, "weekend");
	rel_flow_free(f);
}

static void
test_skipped_and_repeated_sao_paulo(void **state)
{
	/* Sunday midnight did not happen on 2018-11-04: the window opens
	 * when the clocks jump. */
	struct rel_flow *f = flow_with("  - schedule: \"0 0 * * sun\"\n"
	    "    duration: 1h\n    timezone: America/Sao_Paulo\n");
	struct rel_flow *g = flow_with("  - schedule: \"30 23 * * sat\"\n"
	    "    duration: 1h\n    timezone: America/Sao_Paulo\n");

	(void)state;
	expect(f, "2018-11-04T02:59:59Z", NULL, NULL);
	expect(f, "2018-11-04T03:00:00Z", "2018-11-04T03:00Z",
	    "2018-11-04T04:00Z");
	/* 23:30 of 2019-02-16 happened twice: one window, from the first. */
	expect(g, "2019-02-17T01:29:59Z", NULL, NULL);
	expect(g, "2019-02-17T01:30:00Z", "2019-02-17T01:30Z",
	    "2019-02-17T02:30Z");
	expect(g, "2019-02-17T02:30:00Z", NULL, NULL);
	expect(g, "2019-02-17T02:45:00Z", NULL, NULL);
	rel_flow_free(f);
	rel_flow_free(g);
}

static void
test_berlin(void **state)
{
	struct rel_flow *f = flow_with("  - schedule: \"0 16 * * fri\"\n"
	    "    duration: 64h\n    timezone: Europe/Berlin\n");
	struct rel_flow *g = flow_with("  - schedule: \"30 2 * * 0\"\n"
	    "    duration: 30m\n    timezone: Europe/Berlin\n");

	(void)state;
	/* The week end the clocks go back (2026-10-25): 16:00 CEST Friday
	 * plus 64 hours is 07:00 CET Monday. */
	expect(f, "2026-10-23T13:59:59Z", NULL, NULL);
	expect(f, "2026-10-23T14:00:00Z", "2026-10-23T14:00Z",
	    "2026-10-26T06:00Z");
	expect(f, "2026-10-26T05:59:59Z", "2026-10-23T14:00Z",
	    "2026-10-26T06:00Z");
	expect(f, "2026-10-26T06:00:00Z", NULL, NULL);
	/* An ordinary week end: Friday 15:00 UTC to Monday 07:00 UTC. */
	expect(f, "2026-12-07T06:59:59Z", "2026-12-04T15:00Z",
	    "2026-12-07T07:00Z");
	/* 02:30 the Sunday it happens twice: once, from the first. */
	expect(g, "2026-10-25T00:30:00Z", "2026-10-25T00:30Z",
	    "2026-10-25T01:00Z");
	expect(g, "2026-10-25T01:00:00Z", NULL, NULL);
	expect(g, "2026-10-25T01:30:00Z", NULL, NULL);
	/* ... and the Sunday it never happens: at the jump. */
	expect(g, "2026-03-29T00:59:59Z", NULL, NULL);
	expect(g, "2026-03-29T01:00:00Z", "2026-03-29T01:00Z",
	    "2026-03-29T01:30Z");
	expect(g, "2026-03-29T01:30:00Z", NULL, NULL);
	rel_flow_free(f);
	rel_flow_free(g);
}

static void
test_midnight_week_and_year_end(void **state)
{
	struct rel_flow *f = flow_with("  - schedule: \"0 22 * * sat\"\n"
	    "    duration: 4h\n");
	struct rel_flow *g = flow_with("  - schedule: \"0 20 31 12 *\"\n"
	    "    duration: 12h\n");
	struct rel_flow *h = flow_with("  - schedule: \"0 9 * * *\"\n"
	    "    duration: 366d\n");

	(void)state;
	/* Saturday 22:00 UTC into Sunday. */
	expect(f, "2026-12-05T21:59:59Z", NULL, NULL);
	expect(f, "2026-12-06T01:59:59Z", "2026-12-05T22:00Z",
	    "2026-12-06T02:00Z");
	expect(f, "2026-12-06T02:00:00Z", NULL, NULL);
	/* New Year's Eve into the next year. */
	expect(g, "2027-01-01T07:59:59Z", "2026-12-31T20:00Z",
	    "2027-01-01T08:00Z");
	expect(g, "2027-01-01T08:00:00Z", NULL, NULL);
	expect(g, "2026-12-30T23:00:00Z", NULL, NULL);
	/* The longest duration: the latest opening is the one. */
	expect(h, "2026-12-05T08:59:59Z", "2026-12-04T09:00Z",
	    "2027-12-05T09:00Z");
	rel_flow_free(f);
	rel_flow_free(g);
	rel_flow_free(h);
}

static void
test_dated(void **state)
{
	struct rel_flow *f = flow_with("  - from: 2026-12-20\n"
	    "    to: 2027-01-05\n    timezone: Europe/Berlin\n"
	    "    reason: year-end\n    environments: [prod]\n"
	    "    hotfix: allow\n");
	struct rel_flow *g = flow_with("  - from: 2026-12-24T16:00+01:00\n"
	    "    to: \"2026-12-26T08:00Z\"\n");
	struct rel_flow *h = flow_with("  - from: 2026-12-24T16:00\n"
	    "    to: 2026-12-24T18:00\n    timezone: America/Sao_Paulo\n");

	(void)state;
	/* Whole days, in Berlin. */
	expect(f, "2026-12-19T22:59:59Z", NULL, NULL);
	expect(f, "2026-12-19T23:00:00Z", "2026-12-19T23:00Z",
	    "2027-01-05T23:00Z");
	expect(f, "2027-01-05T22:59:59Z", "2026-12-19T23:00Z",
	    "2027-01-05T23:00Z");
	expect(f, "2027-01-05T23:00:00Z", NULL, NULL);
	assert_true(f->freeze[0].hotfix);
	assert_true(rel_window_env(&f->freeze[0], "prod"));
	assert_false(rel_window_env(&f->freeze[0], "dev"));
	expect(g, "2026-12-24T15:00:00Z", "2026-12-24T15:00Z",
	    "2026-12-26T08:00Z");
	expect(g, "2026-12-24T14:59:59Z", NULL, NULL);
	expect(h, "2026-12-24T19:00:00Z", "2026-12-24T19:00Z",
	    "2026-12-24T21:00Z");
	rel_flow_free(f);
	rel_flow_free(g);
	rel_flow_free(h);
}

static void
test_flow_errors(void **state)
{
	static const struct {
		const char *window, *msg;
	} bad[] = {
		{ "  - schedule: \"0 16 * * 5\"\n    timezone: Mars/Base\n"
		  "    duration: 1h\n", "web.yaml:6:15: unknown time zone 'Mars/Base'" },
		{ "  - schedule: \"0 16 * * 5\"\n", "web.yaml:5:5: missing "
		  "'duration'" },
		{ "  - schedule: \"0 16 * * 8\"\n    duration: 1h\n",
		  "web.yaml:5:15: schedule '0 16 * * 8': day of week" },
		{ "  - from: 2026-12-20\n", "web.yaml:5:5: the freeze window on "
		  "line 5 needs" },
		{ "  - from: 2026-12-20\n    to: 2026-12-19\n",
		  "web.yaml:6:9: 'to' must come after 'from'" },
		{ "  - from: 2026-02-30\n    to: 2026-03-01\n",
		  "web.yaml:5:11: '2026-02-30' is not a date" },
		{ "  - from: 2026-12-20\n    to: 2027-01-05\n    environments: "
		  "[qa]\n", "web.yaml:7:20: unknown environment 'qa'" },
		{ "  - from: 2026-12-20\n    to: 2027-01-05\n    hotfix: yes\n",
		  "web.yaml:7:13: 'hotfix' must be allow or deny" },
		{ "  - schedule: \"0 16 * * 5\"\n    duration: 1h\n    from: "
		  "2026-12-20\n", "web.yaml:5:15: a freeze window has a" },
		{ "  - schedule: \"0 16 * * 5\"\n    duration: 1h\n    color: "
		  "red\n", "web.yaml:7:5: unknown key 'color'" },
	};
	char buf[2048];
	struct rel_flow *f = NULL;
	struct rel_err err;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(buf, sizeof buf, "environments:\n  - name: dev\n  - "
		    "name: prod\nfreeze:\n%s", bad[i].window);
		assert_int_equal(rel_flow_parse("web.yaml", buf, strlen(buf),
		    "web", &f, &err), REL_EUSAGE);
		if (strncmp(err.msg, bad[i].msg, strlen(bad[i].msg)))
			fail_msg("got '%s', want '%s...'", err.msg, bad[i].msg);
	}
	/* Inside an environment: that environment only, no list. */
	snprintf(buf, sizeof buf, "environments:\n  - name: dev\n  - name: "
	    "prod\n    freeze:\n      - from: 2026-12-20\n        to: "
	    "2026-12-21\n");
	assert_int_equal(rel_flow_parse("web.yaml", buf, strlen(buf), "web",
	    &f, &err), 0);
	assert_int_equal(f->nfreeze, 1);
	assert_true(rel_window_env(&f->freeze[0], "prod"));
	assert_false(rel_window_env(&f->freeze[0], "dev"));
	rel_flow_free(f);
	snprintf(buf, sizeof buf, "environments:\n  - name: prod\n    freeze:\n"
	    "      - from: 2026-12-20\n        to: 2026-12-21\n"
	    "        environments: [prod]\n");
	assert_int_equal(rel_flow_parse("web.yaml", buf, strlen(buf), "web",
	    &f, &err), REL_EUSAGE);
	assert_non_null(strstr(err.msg, "unknown key 'environments'"));
}

static void
test_iso(void **state)
{
	struct rel_iso t;
	int64_t ms;

	(void)state;
	assert_int_equal(rel_iso_parse("2026-12-24T18:00:00+01:00", 0, &ms), 0);
	assert_true(ms == at("2026-12-24T17:00Z") * 1000);
	assert_int_equal(rel_iso_parse("2026-12-24T18:00-0330", 0, &ms), 0);
	assert_true(ms == at("2026-12-24T21:30Z") * 1000);
	assert_int_equal(rel_iso_parse("2026-12-24", 1, &ms), 0);
	assert_true(ms == at("2026-12-25T00:00Z") * 1000);
	assert_int_equal(rel_iso_parse("2026-12-24T18:00:00.250Z", 0, &ms), 0);
	assert_int_equal(rel_iso_split("2028-02-29", &t), 0);
	static const char *const bad[] = { "2026-13-01", "2027-02-29",
		"2026-12-24T24:00", "2026-12-24T18", "2026-12-24T18:00+", "26-12-24",
		"2026-12-24T18:00Zjunk", "2026-12-24T18:00+25:00", "" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (rel_iso_split(bad[i], &t) == 0)
			fail_msg("'%s' was taken", bad[i]);
}

static void
test_until(void **state)
{
	int64_t now = at("2026-12-24T17:00:00Z") * 1000, u = 0;
	struct rel_err err;

	(void)state;
	assert_int_equal(rel_freeze_until("2h", now, &u, &err), 0);
	assert_true(u == now + 7200 * 1000);
	assert_int_equal(rel_freeze_until("2026-12-24T18:00+01:00", now, &u,
	    &err), REL_EUSAGE);
	assert_non_null(strstr(err.msg, "in the past (it is "
	    "2026-12-24T17:00:00Z now)"));
	assert_int_equal(rel_freeze_until("2026-12-24T17:00:00Z", now, &u,
	    &err), REL_EUSAGE);
	assert_int_equal(rel_freeze_until("2026-12-24T17:00:01Z", now, &u,
	    &err), 0);
	assert_true(u == now + 1000);
	/* A date is the whole day: today's ends at midnight. */
	assert_int_equal(rel_freeze_until("2026-12-24", now, &u, &err), 0);
	assert_true(u == at("2026-12-25T00:00:00Z") * 1000);
	assert_int_equal(rel_freeze_until("2026-12-23", now, &u, &err),
	    REL_EUSAGE);
	assert_int_equal(rel_freeze_until("soon", now, &u, &err), REL_EUSAGE);
	assert_non_null(strstr(err.msg, "neither a time"));
	assert_int_equal(rel_freeze_until("0s", now, &u, &err), REL_EUSAGE);
	assert_string_equal(err.msg, "bad --until '0s': must be longer than "
	    "zero");
	assert_int_equal(rel_freeze_until("400d", now, &u, &err), REL_EUSAGE);
	assert_string_equal(err.msg, "bad --until '400d': longer than a year "
	    "(366d at most)");
	assert_int_equal(rel_freeze_until("366d", now, &u, &err), 0);
	/* What a record cannot hold is refused, never kept as "until
	 * lifted": the last second is the last there is. */
	assert_int_equal(rel_freeze_until("9999-12-31", now, &u, &err),
	    REL_EUSAGE);
	assert_non_null(strstr(err.msg, "ends after 9999-12-31T23:59:59Z"));
	assert_int_equal(rel_freeze_until("9999-12-31T23:00-01:00", now, &u,
	    &err), REL_EUSAGE);
	assert_int_equal(rel_freeze_until("9999-12-31T23:59:59Z", now, &u,
	    &err), 0);
	assert_true(u == REL_TIME_END - 1000);
}

/* A freeze by hand (until, ms; 0 none) among dated windows: frozen at
 * now until when (ISO), by hand or not? */
static void
eval_expect(const struct rel_flow *f, const char *until, const char *now,
    const char *want, int manual)
{
	struct rel_envlog log;
	struct rel_frozen out;
	char t[REL_TIME_MAX];

	memset(&log, 0, sizeof log);
	if (until) {
		log.freeze.time = at("2026-12-10T09:00Z") * 1000;
		log.freeze.until = at(until) * 1000;
		log.freeze.who = "erin";
		log.freeze.why = "by hand";
	}
	rel_freeze_eval(f, &log, "prod", at(now) * 1000, 0, &out);
	if (!want) {
		assert_false(out.frozen);
		return;
	}
	assert_true(out.frozen);
	rel_time_format(out.until, 0, t);
	assert_string_equal(t, want);
	assert_int_equal(out.manual, manual);
}

static void
test_chain(void **state)
{
	struct rel_err err;
	struct rel_flow *f = NULL;
	static const char yaml[] = "environments:\n  - name: prod\n"
	    "freeze:\n"
	    "  - {from: 2026-12-10T10:00Z, to: 2026-12-10T12:00Z, reason: A}\n"
	    "  - {from: 2026-12-10T12:00Z, to: 2026-12-10T14:00Z, reason: B}\n"
	    "  - {from: 2026-12-10T15:00Z, to: 2026-12-10T17:00Z, reason: C}\n";

	(void)state;
	if (rel_flow_parse("web.yaml", yaml, strlen(yaml), "web", &f, &err))
		fail_msg("%s", err.msg);
	eval_expect(f, NULL, "2026-12-10T11:00Z", "2026-12-10T14:00:00Z", 0);
	eval_expect(f, NULL, "2026-12-10T14:00Z", NULL, 0);
	/* A shorter freeze by hand inside the chain shortens nothing. */
	eval_expect(f, "2026-12-10T13:00Z", "2026-12-10T11:00Z",
	    "2026-12-10T14:00:00Z", 0);
	eval_expect(f, "2026-12-10T11:30Z", "2026-12-10T11:00Z",
	    "2026-12-10T14:00:00Z", 0);
	/* A longer one is the end, unless a window holds on from it. */
	eval_expect(f, "2026-12-10T14:30Z", "2026-12-10T11:00Z",
	    "2026-12-10T14:30:00Z", 1);
	eval_expect(f, "2026-12-10T16:00Z", "2026-12-10T11:00Z",
	    "2026-12-10T17:00:00Z", 1);
	eval_expect(f, "2026-12-10T15:00Z", "2026-12-10T09:30Z",
	    "2026-12-10T17:00:00Z", 1);
	/* Before any window, a freeze by hand into the chain: all of it. */
	eval_expect(f, "2026-12-10T10:30Z", "2026-12-10T09:30Z",
	    "2026-12-10T14:00:00Z", 1);
	rel_flow_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_instants),
		cmocka_unit_test(test_bad_zones),
		cmocka_unit_test(test_cron),
		cmocka_unit_test(test_weekend_sao_paulo),
		cmocka_unit_test(test_skipped_and_repeated_sao_paulo),
		cmocka_unit_test(test_berlin),
		cmocka_unit_test(test_midnight_week_and_year_end),
		cmocka_unit_test(test_dated),
		cmocka_unit_test(test_flow_errors),
		cmocka_unit_test(test_iso),
		cmocka_unit_test(test_until),
		cmocka_unit_test(test_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
