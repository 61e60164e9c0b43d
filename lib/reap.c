/*
 * reap.c - noticing dead runners, and stopping what a release runs.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "envlog.h"
#include "io.h"
#include "journal.h"
#include "proc.h"
#include "reap.h"
#include "record.h"
#include "when.h"

static int
locks_dir(struct rel_store *st, int *fd, struct rel_err *err)
{
	char path[4200];

	snprintf(path, sizeof path, "%s/locks", st->root);
	return rel_dir_open(st->fd, "locks", 1, path, fd, err);
}

int
rel_runner_lock(struct rel_store *st, const char *id, struct rel_lock *lk,
    struct rel_err *err)
{
	char name[REL_ID_MAX + 16], path[4400];
	int dir, rc;

	if ((rc = locks_dir(st, &dir, err)) != 0)
		return rc;
	snprintf(name, sizeof name, "%s.runner", id);
	snprintf(path, sizeof path, "%s/locks/%s", st->root, name);
	rc = rel_lock_take(dir, name, path, 0, rel_store_holder(st), lk, err);
	close(dir);
	if (rc == REL_EBUSY) {
		char holder[256];

		if (rel_runner_alive(st, id, holder, sizeof holder) != 1)
			snprintf(holder, sizeof holder, "another runner");
		rel_err_set(err, REL_EBUSY, "%s is being promoted already, by %s",
		    id, holder);
	}
	return rc;
}

int
rel_runner_alive(struct rel_store *st, const char *id, char *holder, size_t n)
{
	char name[REL_ID_MAX + 16];
	int dir, rc;

	if (st->fd < 0 || locks_dir(st, &dir, NULL) != 0)
		return 0;
	snprintf(name, sizeof name, "%s.runner", id);
	rc = rel_lock_probe(dir, name, holder, n);
	close(dir);
	return rc == 1;
}

int
rel_reap_needed(const struct rel_release *r)
{
	if (r->term == REL_TERMINATING)
		return 1;
	for (size_t i = 0; i < r->nenvs; i++)
		if (r->envs[i].status == REL_RUNNING)
			return 1;
	return 0;
}

void
rel_stop_lines(const struct rel_release *r, int64_t now, const char *who,
    enum rel_status to, enum rel_status env_to, const char *why,
    struct rel_buf *lines, struct rel_buf *envlines, struct rel_buf *envnames)
{
	for (size_t i = 0; i < r->nenvs; i++) {
		const struct rel_env *e = &r->envs[i];

		for (size_t j = 0; j < e->nsteps; j++) {
			const struct rel_step *s = &e->steps[j];

			for (size_t k = 0; k < s->nruns; k++) {
				char obj[3 * (REL_NAME_MAX + 1)];

				if (s->runs[k].status != REL_RUNNING)
					continue;
				rel_object(r, i, j, k, obj, sizeof obj);
				rel_tr_line(lines, now, who, obj, "running",
				    rel_status_name(to), s->runs[k].attempt,
				    why, "");
			}
		}
		if (e->status == REL_RUNNING) {
			rel_tr_line(lines, now, who, e->name, "running",
			    rel_status_name(env_to), e->attempt, why, "");
			if (envlines) {
				rel_envlog_end_line(envlines, now, r->id,
				    e->attempt, env_to);
				rel_buf_add(envnames, e->name,
				    strlen(e->name) + 1);
			}
		}
	}
}

int
rel_stop_envlogs(struct rel_product *p, const struct rel_buf *envlines,
    const struct rel_buf *envnames, struct rel_err *err)
{
	const char *line = envlines->s, *name = envnames->s;
	int rc = 0;

	/* One line per name, in the same order; each synced, as what it
	 * records is reported right after. */
	for (size_t off = 0; name && off < envnames->len; ) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
		int r2 = rel_envlog_append(p, name, line, len, 1, err);

		if (r2 && !rc)
			rc = r2;
		line += len;
		off += strlen(name) + 1;
		name = envnames->s + off;
	}
	return rc;
}

int
rel_signal_steps(const struct rel_release *r, int sig)
{
	int count = 0;

	for (size_t i = 0; i < r->nenvs; i++) {
		const struct rel_env *e = &r->envs[i];

		for (size_t j = 0; j < e->nsteps; j++)
			for (size_t k = 0; k < e->steps[j].nruns; k++) {
				const struct rel_step_run *run =
				    &e->steps[j].runs[k];

				if (run->status != REL_RUNNING || run->pid <= 1)
					continue;
				/* Never signal a pid that is no longer ours. */
				if (!rel_pgrp_ours((pid_t)run->pid, run->pstart,
				    run->boot, run->host))
					continue;
				if (sig == 0) {
					count += rel_pgrp_alive((pid_t)run->pid);
					continue;
				}
				if (kill(-(pid_t)run->pid, sig) == 0)
					count++;
			}
	}
	return count;
}

struct reap_job {
	struct rel_store *st;
	int held;
	struct rel_buf envlines, envnames;
	int reaped;
};

static int
reap_fn(struct rel_release *r, struct rel_buf *lines, void *arg,
    struct rel_err *err)
{
	struct reap_job *j = arg;
	char holder[256], why[512], host[REL_NAME_MAX + 1] = "";
	long pid = 0;
	int64_t now = rel_now_ms();

	(void)err;
	/* Looked at again under the lock: the runner may have finished. */
	if (!rel_reap_needed(r) || (!j->held && rel_runner_alive(j->st, r->id,
	    holder, sizeof holder)))
		return 0;
	for (size_t i = 0; i < r->nenvs; i++)
		if (r->envs[i].status == REL_RUNNING && r->envs[i].runner) {
			pid = r->envs[i].runner;
			snprintf(host, sizeof host, "%s", r->envs[i].runner_host);
		}
	rel_signal_steps(r, SIGTERM);
	if (r->term == REL_TERMINATING) {
		snprintf(why, sizeof why, "%s", r->term_why);
		rel_terminate_lines(r, now, r->term_by, why, lines,
		    &j->envlines, &j->envnames);
	} else {
		if (pid)
			snprintf(why, sizeof why,
			    "the runner (pid %ld%s%s) died", pid,
			    *host ? " on " : "", host);
		else
			snprintf(why, sizeof why, "the runner died");
		rel_stop_lines(r, now, "rel", REL_FAILED, REL_FAILED, why,
		    lines, &j->envlines, &j->envnames);
	}
	j->reaped = 1;
	return 0;
}

static int
reap(struct rel_product *p, const struct rel_release *r, int held,
    struct rel_release **after, struct rel_err *err)
{
	struct reap_job j;
	int rc;

	*after = NULL;
	if (!rel_reap_needed(r) ||
	    (!held && rel_runner_alive(p->st, r->id, NULL, 0)))
		return 0;
	memset(&j, 0, sizeof j);
	j.st = p->st;
	j.held = held;
	if ((rc = rel_product_lock(p, err)) != 0)
		return rc;
	rc = rel_release_update(p, r->n, reap_fn, &j, 1, after, err);
	if (rc == 0 && j.reaped)
		rc = rel_stop_envlogs(p, &j.envlines, &j.envnames, err);
	rel_product_unlock(p);
	if ((rc != 0 || !j.reaped) && *after) {
		/* Nothing to tell, or an error to tell instead. */
		rel_release_free(*after);
		*after = NULL;
	}
	rel_buf_free(&j.envlines);
	rel_buf_free(&j.envnames);
	return rc;
}

void
rel_terminate_lines(const struct rel_release *r, int64_t now, const char *who,
    const char *why, struct rel_buf *lines, struct rel_buf *envlines,
    struct rel_buf *envnames)
{
	rel_stop_lines(r, now, who, REL_TERMINATED, REL_TERMINATED, why, lines,
	    envlines, envnames);
	for (size_t i = 0; i < r->nenvs; i++)
		if (r->envs[i].status == REL_SUSPENDED)
			rel_tr_line(lines, now, who, r->envs[i].name,
			    "suspended", "pending", r->envs[i].attempt, why, "");
	rel_tr_line(lines, now, who, "-", rel_status_name(r->status),
	    "terminated", r->attempt, why, "");
}

int
rel_reap(struct rel_product *p, const struct rel_release *r,
    struct rel_release **after, struct rel_err *err)
{
	return reap(p, r, 0, after, err);
}

int
rel_reap_held(struct rel_product *p, const struct rel_release *r,
    struct rel_release **after, struct rel_err *err)
{
	return reap(p, r, 1, after, err);
}

int
rel_reap_now(struct rel_product *p, const struct rel_release *r,
    struct rel_release **after, struct rel_err *err)
{
	int wait = p->st->wait_ms, rc;

	p->st->wait_ms = 0;
	rc = reap(p, r, 0, after, err);
	p->st->wait_ms = wait;
	if (rc == REL_EBUSY)
		rel_err_prefix(err, "%s: its runner is gone, but that cannot "
		    "be recorded now", r->id);
	return rc;
}

int
rel_reap_load(struct rel_product *p, unsigned long n,
    struct rel_release **out, struct rel_err *why, struct rel_err *err)
{
	struct rel_release *after = NULL;
	struct rel_err e2 = { 0, "" };
	int rc;

	if (why)
		*why = e2;
	if ((rc = rel_release_load(p, n, out, err)) != 0)
		return rc;
	if (!rel_reap_needed(*out))
		return 0;
	if (rel_reap_now(p, *out, &after, &e2) == 0) {
		if (after) {
			rel_release_free(*out);
			*out = after;
		}
	} else if (why) {
		*why = e2;
	}
	return 0;
}
