/*
 * showenv.c - an environment's rows: what is live there, its runs (with
 * its freezes and lifts), and whether it is frozen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "freeze.h"
#include "record.h"
#include "show.h"
#include "showenv.h"
#include "when.h"

void
rel_live_order(struct rel_product *p, const struct rel_livemap *live,
    size_t *order)
{
	struct rel_release *newest = NULL;
	unsigned long last = 0;
	size_t k = 0;
	char *seen = calloc(live->n + 1, 1);

	if (seen && rel_product_last(p, &last, NULL) == 0 && last)
		rel_release_load(p, last, &newest, NULL);
	for (size_t e = 0; newest && e < newest->nenvs; e++)
		for (size_t i = 0; i < live->n; i++)
			if (!seen[i] &&
			    !strcmp(live->env[i], newest->envs[e].name)) {
				order[k++] = i;
				seen[i] = 1;
			}
	for (size_t i = 0; i < live->n; i++)
		if (!seen || !seen[i])
			order[k++] = i;
	rel_release_free(newest);
	free(seen);
}

/* Where a rollback stands in an environment: rolling-back while one
 * runs, rolled-back when one is what is live, rollback-failed when the
 * last run to end was one that failed; "-". */
static const char *
rollback_state(const struct rel_envlog *log)
{
	const struct rel_env_run *open = rel_envlog_open_run(log);
	const struct rel_env_run *live = rel_envlog_live(log), *last = NULL;

	if (open && !strcmp(open->how, "rollback"))
		return "rolling-back";
	for (size_t i = 0; i < log->n; i++)
		if (log->v[i].ended && (!last || log->v[i].ended >= last->ended))
			last = &log->v[i];
	if (last && !strcmp(last->how, "rollback") &&
	    last->status != REL_SUCCEEDED)
		return "rollback-failed";
	if (live && !strcmp(live->how, "rollback"))
		return "rolled-back";
	return "-";
}

int
rel_show_live(struct rel_sink *s, struct rel_product *p, const char *env,
    struct rel_err *err)
{
	struct rel_envlog log;
	const struct rel_env_run *run;
	char t[REL_TIME_MAX];
	int rc;

	if ((rc = rel_envlog_load(p, env, &log, err)))
		return rc;
	if ((run = rel_envlog_live(&log))) {
		rel_time_format(run->ended, 0, t);
		rel_sink_row(s, (const char *const[]){ env, run->release, t,
		    run->how, run->who, p->name, rollback_state(&log) });
	}
	rel_envlog_free(&log);
	return 0;
}

/* A freeze or lift among the runs: "freeze" or "lift" where a run has
 * its how, its reason (and until when) as its why. */
static void
envhist_mark(struct rel_sink *s, const char *env,
    const struct rel_env_freeze *fz)
{
	char t[REL_TIME_MAX], u[REL_TIME_MAX], why[REL_TEXT_MAX + 64];

	rel_time_format(fz->time, 0, t);
	if (fz->until)
		rel_time_format(fz->until, 0, u);
	if (fz->lifted)
		snprintf(why, sizeof why, "%s", fz->why);
	else
		snprintf(why, sizeof why, "until %s%s: %s", fz->until ? u :
		    "lifted", fz->hotfix ? ", hotfixes pass" : "", fz->why);
	rel_sink_row(s, (const char *const[]){ t, env, "-", "-",
	    fz->lifted ? "lift" : "freeze", fz->who, "-", why });
}

int
rel_show_envhist(struct rel_sink *s, struct rel_product *p,
    const char *env, const int *want, size_t limit, int *more,
    struct rel_err *err)
{
	struct rel_envlog log;
	size_t shown = 0, m;
	int rc;

	if ((rc = rel_envlog_load(p, env, &log, err)))
		return rc;
	m = log.nmarks;
	for (size_t i = log.n; i > 0 || m > 0; ) {
		const struct rel_env_run *run = i ? &log.v[i - 1] : NULL;
		const struct rel_env_freeze *fz = m ? &log.marks[m - 1] : NULL;
		char t[REL_TIME_MAX];

		/* Newest first: a freeze or a lift among the runs, at its
		 * time (not when only some statuses are asked for). */
		if (fz && (!run || fz->time > (run->ended ? run->ended :
		    run->started))) {
			m--;
			if (want)
				continue;
			if (limit && shown >= limit) {
				*more = 1;
				break;
			}
			shown++;
			envhist_mark(s, env, fz);
			continue;
		}
		i--;
		if (!rel_status_in((int)run->status, want))
			continue;
		if (limit && shown >= limit) {
			*more = 1;
			break;
		}
		shown++;
		rel_time_format(run->ended ? run->ended : run->started, 0, t);
		rel_sink_row(s, (const char *const[]){ t, env, run->release,
		    rel_status_name(run->status), run->how, run->who,
		    run->previous, run->why });
	}
	rel_envlog_free(&log);
	return 0;
}

int
rel_show_frozen(struct rel_sink *s, struct rel_product *p, const char *env,
    int64_t now, struct rel_err *err)
{
	struct rel_flow *flow = NULL;
	struct rel_err e;
	int rc, first = 0;

	if ((rc = rel_freeze_product_flow(p, &flow, err)))
		return rc == REL_ENOTFOUND ? 0 : rc;
	for (size_t i = 0; i < flow->nenvs; i++) {
		const char *name = flow->envs[i].name;
		char since[REL_TIME_MAX], until[REL_TIME_MAX] = "-";
		struct rel_frozen f;

		if (env && strcmp(env, name))
			continue;
		if ((rc = rel_freeze_state(p, flow, name, now, 0, &f, &e))) {
			if (!first && err)
				*err = e;
			first = first ? first : rc;
			continue;
		}
		if (!f.frozen)
			continue;
		rel_time_format(f.since, 0, since);
		if (f.until)
			rel_time_format(f.until, 0, until);
		rel_sink_row(s, (const char *const[]){ p->name, name, since,
		    until, f.manual ? "rel-freeze" : "window",
		    *f.by ? f.by : "-", f.hotfix ? "allow" : "deny",
		    f.reason });
	}
	rel_flow_free(flow);
	return first;
}
