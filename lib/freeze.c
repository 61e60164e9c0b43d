/*
 * freeze.c - freeze windows and freezes by hand (see freeze.h).
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envlog.h"
#include "flow.h"
#include "freeze.h"
#include "journal.h"
#include "record.h"
#include "when.h"

#define CHAIN_MAX 32  /* windows that follow one another, at most */

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

static int64_t
floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
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
	day = floordiv(local_of(w, t), 86400) + 1;
	last = floordiv(local_of(w, t) - w->duration, 86400) - 2;
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

/* --- the state of an environment ------------------------------------- */

int
rel_freeze_policy(struct rel_product *p, const struct rel_flow *fallback,
    const struct rel_flow **out, int *owned, struct rel_err *err)
{
	char path[4400];
	struct rel_flow *f = NULL;
	int rc;

	*out = fallback;
	*owned = 0;
	snprintf(path, sizeof path, "%s/flows/%s.yaml", p->st->root, p->name);
	rc = rel_flow_load(path, p->name, &f, err);
	if (rc == REL_ENOTFOUND)
		return 0;
	if (rc) {
		rel_err_prefix(err, "the freeze windows of %s cannot be read",
		    p->name);
		return rc;
	}
	*out = f;
	*owned = 1;
	return 0;
}

int
rel_freeze_product_flow(struct rel_product *p, struct rel_flow **out,
    struct rel_err *err)
{
	const struct rel_flow *f;
	struct rel_release *r;
	unsigned long last = 0;
	int owned, rc;

	*out = NULL;
	if ((rc = rel_freeze_policy(p, NULL, &f, &owned, err)) != 0)
		return rc;
	if (f) {
		*out = (struct rel_flow *)f;
		return 0;
	}
	if ((rc = rel_product_last(p, &last, err)) != 0)
		return rc;
	if (!last)
		return rel_err_set(err, REL_ENOTFOUND, "product %s has no flow "
		    "(no %s/flows/%s.yaml, no release)", p->name, p->st->root,
		    p->name);
	if ((rc = rel_release_load(p, last, &r, err)) != 0)
		return rc;
	rc = rel_flow_of_release(p, r, out, err);
	rel_release_free(r);
	return rc;
}

/* The blocking window (or none) open at t that closes last; *end its
 * end.  -1: none. */
static int
latest_window(const struct rel_flow *flow, const char *env, int64_t t,
    int hotfix, int64_t *start, int64_t *end)
{
	int best = -1;

	for (size_t i = 0; flow && i < flow->nfreeze; i++) {
		const struct rel_window *w = &flow->freeze[i];
		int64_t s, e;

		if (!rel_window_env(w, env) || (hotfix && w->hotfix) ||
		    !rel_window_open(w, t, &s, &e))
			continue;
		if (best < 0 || e > *end) {
			best = (int)i;
			*start = s;
			*end = e;
		}
	}
	return best;
}

int
rel_freeze_state(struct rel_product *p, const struct rel_flow *flow,
    const char *env, int64_t now, int hotfix, struct rel_frozen *out,
    struct rel_err *err)
{
	struct rel_envlog log;
	int64_t t = floordiv(now, 1000), s = 0, e = 0;
	int w, rc;

	memset(out, 0, sizeof *out);
	if ((rc = rel_envlog_load(p, env, &log, err)) != 0)
		return rc;
	if (log.freeze.time && !log.freeze.lifted &&
	    (!log.freeze.until || now < log.freeze.until) &&
	    !(hotfix && log.freeze.hotfix)) {
		out->frozen = out->manual = 1;
		out->since = log.freeze.time;
		out->until = log.freeze.until;
		out->hotfix = log.freeze.hotfix;
		snprintf(out->by, sizeof out->by, "%s", log.freeze.who);
		snprintf(out->reason, sizeof out->reason, "%s", log.freeze.why);
	}
	rel_envlog_free(&log);
	/* A freeze by hand until lifted says it all; else the windows may
	 * hold the line longer, and one may begin as another ends. */
	if (out->frozen && !out->until)
		return 0;
	if ((w = latest_window(flow, env, t, hotfix, &s, &e)) < 0)
		return 0;
	if (!out->frozen || e * 1000 > out->until) {
		const struct rel_window *win = &flow->freeze[w];

		out->manual = 0;
		out->since = out->frozen && out->since < s * 1000 ?
		    out->since : s * 1000;
		out->line = win->line;
		out->hotfix = win->hotfix;
		out->by[0] = '\0';
		snprintf(out->reason, sizeof out->reason, "%s",
		    win->reason ? win->reason : "");
		out->frozen = 1;
		for (int k = 0; k < CHAIN_MAX; k++) {
			int64_t s2, e2;

			if (latest_window(flow, env, e, hotfix, &s2, &e2) < 0 ||
			    e2 <= e)
				break;
			e = e2;
		}
		out->until = e * 1000;
	}
	return 0;
}

void
rel_frozen_why(const struct rel_frozen *f, char *buf, size_t n)
{
	char t[REL_TIME_MAX];

	if (f->until)
		rel_time_format(f->until, 0, t);
	snprintf(buf, n, "frozen until %s%s%s%s", f->until ? t : "lifted",
	    *f->reason ? " (" : "", f->reason, *f->reason ? ")" : "");
}

int
rel_freeze_until(const char *s, int64_t now, int64_t *until,
    struct rel_err *err)
{
	char t[REL_TIME_MAX];
	long secs;

	if (rel_iso_parse(s, 1, until) != 0) {
		if (rel_duration_parse("--until", s, &secs, NULL) != 0)
			return rel_err_set(err, REL_EUSAGE, "--until: '%s' is "
			    "neither a time (2026-12-24T18:00Z, 2026-12-24) "
			    "nor a duration (2h, 3d)", s);
		*until = now + (int64_t)secs * 1000;
	}
	if (*until <= now) {
		rel_time_format(now, 0, t);
		return rel_err_set(err, REL_EUSAGE, "--until %s is in the past "
		    "(it is %s now)", s, t);
	}
	return 0;
}

int
rel_freeze_set(struct rel_product *p, const char *const *envs, size_t n,
    int lift, int64_t now, const char *who, int64_t until, int hotfix,
    const char *reason, struct rel_err *err)
{
	struct rel_buf line = REL_BUF_INIT;
	int rc;

	if ((rc = rel_product_lock(p, err)) != 0)
		return rc;
	/* Checked under the lock, all before any is written. */
	for (size_t i = 0; lift && i < n; i++) {
		struct rel_envlog log;

		if ((rc = rel_envlog_load(p, envs[i], &log, err)) != 0)
			goto out;
		if (!log.freeze.time || log.freeze.lifted ||
		    (log.freeze.until && now >= log.freeze.until))
			rc = rel_err_set(err, REL_EUSAGE, "%s of %s is not "
			    "frozen by rel-freeze (a window of the flow is "
			    "lifted by editing the flow, or passed with "
			    "rel-promote --override)", envs[i], p->name);
		rel_envlog_free(&log);
		if (rc)
			goto out;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		rel_buf_reset(&line);
		if (lift)
			rel_envlog_lift_line(&line, now, who, reason);
		else
			rel_envlog_freeze_line(&line, now, who, until, hotfix,
			    reason);
		if (line.oom)
			rc = rel_err_set(err, REL_ESYS, "out of memory");
		else
			rc = rel_envlog_append(p, envs[i], line.s, line.len, 1,
			    err);
	}
out:
	rel_product_unlock(p);
	rel_buf_free(&line);
	return rc;
}
