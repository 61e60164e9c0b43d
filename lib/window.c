/*
 * window.c - when a freeze window is open (see window.h).
 *
 * A recurring window is open at t when its latest opening at or before
 * t is less than its duration ago.  The openings are found by walking
 * the local calendar backwards from the day after t's, day by day while
 * a window that opened that day could still be open, and within a day
 * from its last scheduled minute to its first: local times map to
 * instants in order (a repeated hour maps to its first occurrence, a
 * skipped one to the jump), so the first opening at or before t found
 * so is the latest.
 */
#include <stdlib.h>
#include <string.h>

#include "when.h"
#include "window.h"

void
rel_window_free(struct rel_window *w)
{
	if (!w)
		return;
	rel_tz_free(w->tz);
	free(w->reason);
	free(w->envs);
	memset(w, 0, sizeof *w);
}

int
rel_window_env(const struct rel_window *w, const char *env)
{
	if (w->nenvs == 0)
		return 1;
	for (size_t i = 0; i < w->nenvs; i++)
		if (!strcmp(w->envs[i], env))
			return 1;
	return 0;
}

static int64_t
instant(const struct rel_window *w, int64_t local)
{
	return w->tz ? rel_tz_instant(w->tz, local, NULL) : local;
}

static int64_t
local_of(const struct rel_window *w, int64_t t)
{
	return t + (w->tz ? rel_tz_offset(w->tz, t) : 0);
}

int
rel_window_open(const struct rel_window *w, int64_t t, int64_t *start,
    int64_t *end)
{
	int64_t day, last, y;
	int m, d;

	if (!w->recurring) {
		if (t >= w->from && t < w->to) {
			*start = w->from;
			*end = w->to;
			return 1;
		}
		return 0;
	}
	/* From the day after t's (a repeated hour may put t's wall clock
	 * before an opening that came first) back to the first day a
	 * window still open at t can have opened on. */
	day = rel_floordiv(local_of(w, t), 86400) + 1;
	last = rel_floordiv(local_of(w, t) - w->duration, 86400) - 2;
	for (; day >= last; day--) {
		rel_civil_from_days(day, &y, &m, &d);
		if (!rel_cron_day(&w->cron, m, d, (int)(((day + 4) % 7 + 7) % 7)))
			continue;
		for (int h = 23; h >= 0; h--) {
			if (!((w->cron.hours >> h) & 1))
				continue;
			for (int mi = 59; mi >= 0; mi--) {
				int64_t s;

				if (!((w->cron.minutes >> mi) & 1))
					continue;
				s = instant(w, day * 86400 + h * 3600 + mi * 60);
				if (s > t)
					continue;
				if (t < s + w->duration) {
					*start = s;
					*end = s + w->duration;
					return 1;
				}
				return 0;
			}
		}
	}
	return 0;
}

int
rel_window_time(const char *s, const struct rel_tz *tz, int end, int64_t *t,
    struct rel_err *err)
{
	struct rel_iso iso;
	int64_t local;

	if (rel_iso_split(s, &iso) != 0)
		return rel_err_set(err, REL_EUSAGE, "'%s' is not a date "
		    "(2026-12-20) or an ISO 8601 time (2026-12-20T16:00, "
		    "with Z or +01:00 if not in the window's time zone)", s);
	local = rel_iso_local(&iso);
	if (!iso.has_time && end)
		local += 86400; /* a date to: the whole day */
	if (iso.has_off)
		*t = local - iso.off;
	else
		*t = tz ? rel_tz_instant(tz, local, NULL) : local;
	return 0;
}
