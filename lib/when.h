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

int64_t rel_now_ms(void);          /* CLOCK_REALTIME */
int64_t rel_monotonic_ms(void);    /* CLOCK_MONOTONIC */

/* Format ms as UTC ISO 8601, with or without milliseconds; "-" for a
 * time before 1970 or after 9999.  The one formatter of times: cheap
 * enough (no gmtime, no printf) to call for every line of a listing. */
void rel_time_format(int64_t ms, int with_ms, char buf[REL_TIME_MAX]);
/* Parse what rel_time_format writes (either form).  0 or -1. */
int rel_time_parse(const char *s, int64_t *ms);

/* Parse a flow duration into seconds ("what" names it in the message). */
int rel_duration_parse(const char *what, const char *s, long *secs,
    struct rel_err *err);
/* Format seconds as a flow duration: 90 -> "1m30s", 0 -> "0s". */
void rel_duration_format(long secs, char *buf, size_t n);
/* Format an elapsed time in ms for people: "0.4s", "12s", "3m05s",
 * "2h03m". */
void rel_elapsed_format(int64_t ms, char *buf, size_t n);

#endif
