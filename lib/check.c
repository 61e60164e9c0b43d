/*
 * check.c - rel-status --check: see check.h.
 *
 * Writers work while the check reads, so what a first look finds wrong
 * may only be a moment between two writes (a record read before the end
 * of a run, its history after).  Every release and every environment
 * history is first looked at without the lock, saying nothing; what
 * looks wrong is read again under the product lock, where no change is
 * half made, and only what is still wrong then is reported (or
 * repaired).  The lock is held for that second look only.
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
	int look;             /* a first look: count what is seen, say nothing */
	size_t seen;
};

static void
say(struct ctx *x, const char *id, int fixed, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
say(struct ctx *x, const char *id, int fixed, const char *fmt, ...)
{
	char what[1024];
	va_list ap;

	if (x->look) {
		x->seen++;
		return;
	}
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

				/* Steps are of its last run (a redeploy
				 * that failed leaves the release's status). */
				if (st == REL_RUNNING && e->run != REL_RUNNING)
					say(x, r->id, 0, "%s/%s runs in %s, "
					    "which is %s", e->name, s->name,
					    e->name, rel_status_name(e->run));
				if (e->run == REL_SUCCEEDED &&
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

/* What is wrong with *rp; repaired (a dead runner recorded, *rp then
 * the release after) unless this is a first look. */
static void
look_release(struct ctx *x, struct rel_release **rp)
{
	struct rel_release *r = *rp, *after = NULL;
	struct rel_err err;

	if (r->bad_lines)
		say(x, r->id, 0, "%zu damaged line(s) skipped", r->bad_lines);
	if (rel_reap_needed(r) &&
	    !rel_runner_alive(x->p->st, r->id, NULL, 0)) {
		if (x->look) {
			x->seen++;
		} else {
			int rc = rel_reap(x->p, r, &after, &err);

			if (after) {
				if (rc == 0)
					say(x, r->id, 1, "its runner was dead: "
					    "recorded %s",
					    rel_status_name(after->status));
				rel_release_free(r);
				*rp = r = after;
			}
		}
	}
	if (stale_slot(x->p, r)) {
		if (!x->look)
			x->c->stale++;
		say(x, r->id, 1, "index slot was stale");
	}
	check_statuses(x, r);
	check_flow(x, r);
}

static void
check_release(struct ctx *x, unsigned long n)
{
	struct rel_release *r = NULL;
	struct rel_err err;
	int rc;

	x->look = 1;
	x->seen = 0;
	if ((rc = rel_release_load(x->p, n, &r, &err)) == 0)
		look_release(x, &r);
	else if (rc != REL_ENOTFOUND)
		x->seen++;
	x->look = 0;
	if (x->seen) {
		/* Again, under the lock: only what is still wrong is said. */
		rel_release_free(r);
		r = NULL;
		if ((rc = rel_product_lock(x->p, &err)) != 0) {
			say(x, "", 0, "cannot look again under the lock: %s",
			    err.msg);
			return;
		}
		if ((rc = rel_release_load(x->p, n, &r, &err)) == 0)
			look_release(x, &r);
		else if (rc != REL_ENOTFOUND)
			say(x, "", 0, "%s", err.msg);
		rel_product_unlock(x->p);
	}
	if (r) {
		x->c->releases++;
		x->c->transitions += r->ntr;
	}
	rel_release_free(r);
}

/* What is wrong with one run of env's history; a missing end is added
 * unless this is a first look (the caller then holds the lock). */
static void
look_run(struct ctx *x, const char *env, const struct rel_env_run *run)
{
	struct rel_product q;
	struct rel_release *r = NULL;
	struct rel_err err;
	int e;

	if (run->settled) {
		struct rel_buf line = REL_BUF_INIT;

		if (x->look) {
			x->seen++;
			return;
		}
		rel_envlog_end_line(&line, run->ended, run->release,
		    run->attempt, run->status);
		if (rel_env_append(x->p, env, line.s, line.len, 1, &err) == 0)
			say(x, run->release, 1, "history of %s lacked the end "
			    "of its run: added", env);
		else
			say(x, run->release, 0, "history of %s lacks the end "
			    "of its run: %s", env, err.msg);
		rel_buf_free(&line);
		return;
	}
	if (rel_release_open(x->p->st, run->release, &q, &r, &err)) {
		say(x, run->release, 0, "history of %s names it, but: %s",
		    env, err.msg);
		rel_product_close(&q);
		return;
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

static int
same_run(const struct rel_env_run *a, const struct rel_env_run *b)
{
	return a->started == b->started && a->attempt == b->attempt &&
	    !strcmp(a->release, b->release);
}

static void
check_envlog(struct ctx *x, const char *env)
{
	struct rel_envlog log, now;
	struct rel_err err;
	size_t *odd = NULL, nodd = 0, cap = 0;

	if (rel_envlog_load(x->p, env, &log, &err) != 0) {
		say(x, "", 0, "%s", err.msg);
		return;
	}
	x->c->env_runs += log.n;
	for (size_t i = 0; i < log.n; i++) {
		x->look = 1;
		x->seen = 0;
		look_run(x, env, &log.v[i]);
		x->look = 0;
		if (x->seen && REL_GROW(odd, nodd + 1, cap) < 0)
			say(x, "", 0, "out of memory");
		else if (x->seen)
			odd[nodd++] = i;
	}
	/* The runs that looked wrong, again under the lock, read again
	 * (a history only grows: a run keeps its place). */
	if (nodd && rel_product_lock(x->p, &err) != 0) {
		say(x, "", 0, "cannot look again under the lock: %s", err.msg);
	} else if (nodd) {
		if (rel_envlog_load(x->p, env, &now, &err) != 0) {
			say(x, "", 0, "%s", err.msg);
		} else {
			for (size_t k = 0; k < nodd; k++)
				if (odd[k] < now.n &&
				    same_run(&now.v[odd[k]], &log.v[odd[k]]))
					look_run(x, env, &now.v[odd[k]]);
			rel_envlog_free(&now);
		}
		rel_product_unlock(x->p);
	}
	free(odd);
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
	rewinddir(d); /* the dup shares its offset with the last listing */
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
	struct ctx x = { p, c, fn, arg, 0, 0 };
	unsigned long last = 0, dirlast = 0, count, *strays = NULL;
	size_t nstrays = 0;
	struct dirent *de;
	int fd, rc;

	if ((rc = rel_product_last(p, &last, err)) != 0 ||
	    (rc = rel_release_strays(p, &strays, &nstrays, &dirlast,
	    err)) != 0)
		return rc;
	/* Records the index did not reach (put there by hand, or copied
	 * in with the cache left as it was): releases from now on, as they
	 * would be with no cache; the index is rebuilt below. */
	for (unsigned long n = last + 1; n <= dirlast; n++) {
		char id[REL_ID_MAX + 1];

		if (!rel_release_exists(p, n))
			continue;
		snprintf(id, sizeof id, "%s-%lu", p->name, n);
		say(&x, id, 1, "releases/%s was beyond the index's last "
		    "release (%s-%lu): counted as a release from now on", id,
		    p->name, last);
	}
	if (dirlast > last)
		last = dirlast;
	for (unsigned long n = 1; n <= last; n++)
		check_release(&x, n);
	for (size_t i = 0; i < nstrays; i++) {
		char id[REL_ID_MAX + 1];

		snprintf(id, sizeof id, "%s-%lu", p->name, strays[i]);
		say(&x, id, 0, "releases/%s is a stray record, far beyond the "
		    "releases (more than %d numbers after the one before it): "
		    "no command takes it for a release; move it out of the "
		    "store", id, REL_RECORD_GAP);
	}
	free(strays);
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

void
rel_check_add(struct rel_check *total, const struct rel_check *c)
{
	total->releases += c->releases;
	total->transitions += c->transitions;
	total->env_runs += c->env_runs;
	total->problems += c->problems;
	total->fixed += c->fixed;
	total->stale += c->stale;
}

void
rel_check_row(struct rel_sink *s, const char *product,
    const struct rel_check *c)
{
	const size_t v[6] = { c->releases, c->transitions, c->env_runs,
		c->problems, c->fixed, c->stale };
	char num[6][24];
	const char *cells[7];

	cells[0] = product ? product : s->format == REL_FMT_JSON ? NULL :
	    "total";
	for (size_t i = 0; i < 6; i++) {
		snprintf(num[i], sizeof num[i], "%zu", v[i]);
		cells[i + 1] = num[i];
	}
	rel_sink_row(s, cells);
}
