/*
 * window.h - freeze windows as written in a flow: when is one open.
 *
 * A recurring window opens at each time its cron schedule names, in its
 * time zone, and stays open for its duration (elapsed time: across a
 * change of the clocks it ends an hour earlier or later on the wall
 * clock).  A schedule time the clocks skip opens it when they jump; one
 * they repeat, at its first occurrence.  A dated window runs from its
 * `from` to its `to`; a date alone is the whole day, in the window's
 * time zone (UTC by default).
 *
 * Only time: nothing here knows the store, a flow or an environment's
 * history (freeze.h puts windows and freezes by hand together).
 */
#ifndef REL_WINDOW_H
#define REL_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "cron.h"
#include "err.h"
#include "name.h"
#include "tz.h"

struct rel_window {
	int recurring;
	char schedule[128];        /* recurring: as written */
	struct rel_cron cron;
	long duration;             /* recurring: seconds */
	int64_t from, to;          /* dated: [from, to), seconds */
	struct rel_tz *tz;         /* NULL: UTC */
	char *reason;
	int hotfix;                /* hotfix: allow */
	size_t nenvs;              /* 0: every environment */
	char (*envs)[REL_NAME_MAX + 1];
	int line;                  /* where it is written */
};

void rel_window_free(struct rel_window *w);
/* Does window w apply to environment env? */
int rel_window_env(const struct rel_window *w, const char *env);
/* Is w open at t (seconds)?  Then *start, *end say which opening. */
int rel_window_open(const struct rel_window *w, int64_t t, int64_t *start,
    int64_t *end);

/* A dated window's `from` (end 0) or `to` (end 1): an ISO 8601 date or
 * time; without an offset, in tz (NULL: UTC).  Into *t (seconds). */
int rel_window_time(const char *s, const struct rel_tz *tz, int end,
    int64_t *t, struct rel_err *err);

#endif
