/*
 * check.c - rel-status --check: see check.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "envlog.h"
#include "index.h"
#include "reap.h"
#include "record.h"

struct ctx {
	struct rel_product *p;
	struct rel_check *c;
	rel_check_fn fn;
	void *arg;
};

static void
say(struct ctx *x, const char *id, int fixed, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
say(struct ctx *x, const char *id, int fixed, const char *fmt, ...)
{
	char what[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (fixed)
		x->c->fixed++;
	else
		x->c->problems++;
	if (x->fn)
		x->fn(x->p->name, id, fixed, what, x->arg);
}

static int
ever(const struct rel_release *r, const char *object, const char *to)
{
	for (size_t i = 0; i < r->ntr; i++)
		if (!strcmp(r->tr[i].object, object) && !strcmp(r->tr[i].to, to))
			return 1;
	return 0;
}

static void
check_statuses(struct ctx *x, const struct rel_release *r)
{
	for (size_t i = 0; i < r->nenvs; i++) {
		const struct rel_env *e = &r->envs[i];

		for (size_t j = 0; j < e->nsteps; j++) {
			const struct rel_step *s = &e->steps[j];

			for (size_t k = 0; k < s->nruns; k++) {
				enum rel_status st = s->runs[k].status;

				if (st == REL_RUNNING && e->status != REL_RUNNING)
					say(x, r->id, 0, "%s/%s runs in %s, "
					    "which is %s", e->name, s->name,
					    e->name, rel_status_name(e->status));
				if (e->status == REL_SUCCEEDED &&
				    st != REL_SUCCEEDED && st != REL_SKIPPED)
					say(x, r->id, 0, "%s succeeded but its "
					    "step %s is %s", e->name, s->name,
					    rel_status_name(st));
			}
		}
		/* Needs order promotions.  A redeploy (or a restore) puts
		 * a release where a person says, whatever the flow's order
		 * (rel-redeploy --force): it is recorded as such, and is
		 * no damage. */
		if ((e->status == REL_RUNNING || e->status == REL_SUCCEEDED ||
		    e->status == REL_FAILED) && !strcmp(e->how, "promote"))
			for (size_t k = 0; k < e->nneeds; k++) {
				const char *need = r->envs[e->needs[k]].name;

				if (!ever(r, need, "succeeded"))
					say(x, r->id, 0, "%s was promoted but "
					    "its need %s never succeeded",
					    e->name, need);
			}
	}
}

static void
check_flow(struct ctx *x, const struct rel_release *r)
{
	struct rel_flow *f = NULL;
	struct rel_err err;

	if (rel_flow_of_release(x->p, r, &f, &err) != 0) {
		say(x, r->id, 0, "flow copy: %s", err.msg);
		return;
	}
	if (f->nenvs != r->nenvs || f->ncomponents != r->nartifacts)
		say(x, r->id, 0, "flow copy %s does not match the record",
		    r->flow_hash);
	rel_flow_free(f);
}

/* Is the summary in the index slot of r different from the record's? */
static int
stale_slot(struct rel_product *p, const struct rel_release *r)
{
	char slot[REL_INDEX_SLOT];
	struct rel_buf line = REL_BUF_INIT;
	int stale;

	if (rel_index_peek(p, r->n, slot, sizeof slot) != 0)
		return 0; /* not indexed: readers go to the record */
	rel_release_summary(r, &line);
	stale = !line.s || strcmp(slot, line.s) != 0;
	rel_buf_free(&line);
	return stale;
}

static void
check_release(struct ctx *x, unsigned long n)
{
	struct rel_release *r = NULL, *after = NULL;
	struct rel_err err;

	if (rel_release_load(x->p, n, &r, &err) != 0) {
		if (err.code != REL_ENOTFOUND)
			say(x, "", 0, "%s", err.msg);
		return;
	}
	x->c->releases++;
	x->c->transitions += r->ntr;
	if (r->bad_lines)
		say(x, r->id, 0, "%zu damaged line(s) skipped", r->bad_lines);
	if (rel_reap_needed(r) &&
	    !rel_runner_alive(x->p->st, r->id, NULL, 0)) {
		if (rel_reap(x->p, r, &after, &err) == 0 && after) {
			say(x, r->id, 1, "its runner was dead: recorded %s",
			    rel_status_name(after->status));
			rel_release_free(r);
			r = after;
		}
	}
	if (stale_slot(x->p, r)) {
		x->c->stale++;
		say(x, r->id, 1, "index slot was stale");
	}
	check_statuses(x, r);
	check_flow(x, r);
	rel_release_free(r);
}

/* Does the run `was` of env still lack its end line?  Read again under
 * the product lock, since a runner may have written it after our first
 * read: then it is not added twice. */
static int
still_unended(struct ctx *x, const char *env, const struct rel_env_run *was)
{
	struct rel_envlog now;
	struct rel_err err;
	int yes = 0;

	if (rel_envlog_load(x->p, env, &now, &err) != 0)
		return 0;
	for (size_t i = 0; i < now.n; i++) {
		const struct rel_env_run *run = &now.v[i];

		if (run->started == was->started &&
		    run->attempt == was->attempt &&
		    !strcmp(run->release, was->release)) {
			yes = run->settled;
			break;
		}
	}
	rel_envlog_free(&now);
	return yes;
}

static void
check_envlog(struct ctx *x, const char *env)
{
	struct rel_envlog log;
	struct rel_err err;

	if (rel_envlog_load(x->p, env, &log, &err) != 0) {
		say(x, "", 0, "%s", err.msg);
		return;
	}
	for (size_t i = 0; i < log.n; i++) {
		const struct rel_env_run *run = &log.v[i];
		struct rel_product q;
		struct rel_release *r = NULL;
		int e;

		x->c->env_runs++;
		if (run->settled) {
			struct rel_buf line = REL_BUF_INIT;

			rel_envlog_end_line(&line, run->ended, run->release,
			    run->attempt, run->status);
			if (rel_product_lock(x->p, &err) == 0) {
				if (still_unended(x, env, run) &&
				    rel_envlog_append(x->p, env, line.s, line.len,
				    1, &err) == 0)
					say(x, run->release, 1, "history of %s "
					    "lacked the end of its run: added",
					    env);
				rel_product_unlock(x->p);
			}
			rel_buf_free(&line);
			continue;
		}
		if (rel_release_open(x->p->st, run->release, &q, &r, &err)) {
			say(x, run->release, 0, "history of %s names it, but: %s",
			    env, err.msg);
			continue;
		}
		if ((e = rel_release_env(r, env)) < 0) {
			say(x, r->id, 0, "history of %s names it, but it has "
			    "no environment %s", env, env);
		} else if (!run->ended && r->envs[e].status != REL_RUNNING) {
			say(x, r->id, 0, "history of %s has a run of it with "
			    "no end, but it is %s there", env,
			    rel_status_name(r->envs[e].status));
		} else if (run->status == REL_SUCCEEDED &&
		    !ever(r, env, "succeeded")) {
			say(x, r->id, 0, "history of %s says it went live "
			    "there; its record never says so", env);
		}
		rel_release_free(r);
		rel_product_close(&q);
	}
	rel_envlog_free(&log);
}

/* Remove .tmp.PID.* files of writers that are gone. */
static void
sweep_tmp(struct ctx *x, int dirfd, const char *where)
{
	struct dirent *de;
	DIR *d;
	int fd = dup(dirfd);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		long pid;

		if (strncmp(de->d_name, ".tmp.", 5))
			continue;
		pid = strtol(de->d_name + 5, NULL, 10);
		if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue; /* its writer may still be at work */
		if (unlinkat(dirfd, de->d_name, 0) == 0)
			say(x, "", 1, "removed %s/%s, left by a dead writer",
			    where, de->d_name);
	}
	closedir(d);
}

int
rel_check_product(struct rel_product *p, struct rel_check *c, rel_check_fn fn,
    void *arg, struct rel_err *err)
{
	struct ctx x = { p, c, fn, arg };
	unsigned long last = 0, count;
	struct dirent *de;
	int fd, rc;

	if ((rc = rel_product_last(p, &last, err)) != 0)
		return rc;
	for (unsigned long n = 1; n <= last; n++)
		check_release(&x, n);
	fd = openat(p->dir, "envs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd >= 0) {
		DIR *d = fdopendir(fd);

		while (d && (de = readdir(d)))
			if (rel_name_ok(de->d_name))
				check_envlog(&x, de->d_name);
		if (d)
			closedir(d);
		else
			close(fd);
	}
	sweep_tmp(&x, p->releases, "releases");
	if ((fd = openat(p->dir, "flows", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) >= 0) {
		sweep_tmp(&x, fd, "flows");
		close(fd);
	}
	return rel_release_reindex(p, &count, err);
}
