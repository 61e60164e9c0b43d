/*
 * when.h - wall-clock times and durations.
 *
 * Times are milliseconds since the epoch (int64_t) inside rel and UTC
 * ISO 8601 outside: "2026-11-21T22:39:11.123Z" in records, without the
 * milliseconds in listings.  Durations in flows are written 30s, 10m, 2h,
 * 1d or combined (1h30m), largest unit first.
 */
#ifndef REL_WHEN_H
#define REL_WHEN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define REL_TIME_MAX 32
#define REL_DURATION_LIMIT (366L * 86400) /* a year: longer is a typo */
/* 10000-01-01T00:00:00Z (ms): the first time rel_time_format cannot
 * write, so the first that cannot be kept in a record. */
#define REL_TIME_END INT64_C(253402300800000)

int64_t rel_now_ms(void);          /* CLOCK_REALTIME */
/* "Now" for deciding whether a freeze window is open: $REL_NOW (an
 * ISO 8601 time, a testing aid documented in rel(7)) if set, else
 * rel_now_ms(). */
int64_t rel_clock_ms(void);
int64_t rel_monotonic_ms(void);    /* CLOCK_MONOTONIC */

/* Format ms as UTC ISO 8601, with or without milliseconds; "-" for a
 * time before 1970 or after 9999.  The one formatter of times: cheap
 * enough (no gmtime, no printf) to call for every line of a listing. */
void rel_time_format(int64_t ms, int with_ms, char buf[REL_TIME_MAX]);
/* Parse what rel_time_format writes (either form).  0 or -1. */
int rel_time_parse(const char *s, int64_t *ms);

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), and back. */
int64_t rel_days_from_civil(int64_t y, unsigned m, unsigned d);
void rel_civil_from_days(int64_t z, int64_t *y, int *m, int *d);
/* Days in month m (1-12) of year y; 0 for no such month. */
int rel_month_days(int y, int m);
/* a / b rounded down (b > 0): seconds of a time before 1970 too. */
int64_t rel_floordiv(int64_t a, int64_t b);

/* An ISO 8601 date or time as written: YYYY-MM-DD, optionally followed
 * by THH:MM[:SS[.fff]] and Z or +HH:MM (+HHMM, +HH). */
struct rel_iso {
	int y, mo, d, h, mi, s;
	int has_time;              /* a time of day was given */
	int has_off;               /* Z or an offset was given */
	int off;                   /* seconds east of UTC */
};
/* Split s; 0, or -1 when it is not such a time (or no such day). */
int rel_iso_split(const char *s, struct rel_iso *t);
/* The wall-clock time of t as seconds since the epoch, offset ignored
 * (the "local seconds" a time zone turns into an instant). */
int64_t rel_iso_local(const struct rel_iso *t);
/* s as an instant (ms): without an offset it is UTC; a date alone is the
 * start of that day, or with end_of_day the start of the next.  0/-1. */
int rel_iso_parse(const char *s, int end_of_day, int64_t *ms);

/* Parse a flow duration into seconds ("what" names it in the message). */
int rel_duration_parse(const char *what, const char *s, long *secs,
    struct rel_err *err);
/* Format seconds as a flow duration: 90 -> "1m30s", 0 -> "0s". */
void rel_duration_format(long secs, char *buf, size_t n);
/* Format an elapsed time in ms for people: "0.4s", "12s", "3m05s",
 * "2h03m". */
void rel_elapsed_format(int64_t ms, char *buf, size_t n);

#endif
