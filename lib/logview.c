/*
 * logview.c - the logs of an environment in step order, and a follower
 * that reads them as they grow.
 *
 * A log is a gzip stream that its runner sync-flushes every half second
 * (logfile.c), so a reader that keeps its inflate state between reads can
 * take each log a piece at a time, like tail -f.  The runner finishes a
 * log before it records the end of its step, so once the record says an
 * environment's run is over, reading every log to its end gets all of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "io.h"
#include "logfile.h"
#include "logview.h"
#include "reap.h"

size_t
rel_logs_each(const struct rel_release *r, size_t env, const char *step,
    int want, rel_logref_fn fn, void *arg)
{
	const struct rel_env *re = &r->envs[env];
	size_t count = 0;

	for (size_t j = 0; j < re->nsteps; j++) {
		const struct rel_step *s = &re->steps[j];
		int per = s->kind == REL_STEP_ACTION ||
		    s->kind == REL_STEP_VERIFY;

		if (step && strcmp(step, s->name))
			continue;
		for (size_t k = 0; k < s->nruns; k++) {
			const struct rel_step_run *run = &s->runs[k];
			struct rel_logref ref;

			ref.attempt = want ? want : run->attempt;
			if (!ref.attempt || (!want && run->status == REL_PENDING))
				continue;
			ref.step = s->name;
			ref.component = per && k < r->nartifacts ?
			    r->artifacts[k].component : NULL;
			ref.status = run->status;
			rel_log_name(s->name, ref.component, ref.attempt,
			    ref.name, sizeof ref.name);
			count++;
			if (fn)
				fn(&ref, arg);
		}
	}
	return count;
}

int
rel_notify_step(const char *step)
{
	long n = 0;

	if (strncmp(step, "notify-", 7) || step[7] < '1' || step[7] > '9')
		return 0;
	for (step += 7; *step >= '0' && *step <= '9' && n <= 1000; step++)
		n = n * 10 + (*step - '0');
	return *step || n > 1000 ? 0 : (int)n;
}

/* Is notice i of r one that came before it, for one log? */
static int
notice_seen(const struct rel_release *r, size_t i)
{
	const struct rel_notice *a = &r->notices[i];

	for (size_t j = 0; j < i; j++) {
		const struct rel_notice *b = &r->notices[j];

		if (b->n == a->n && b->attempt == a->attempt &&
		    !strcmp(b->env, a->env) && !strcmp(b->event, a->event))
			return 1;
	}
	return 0;
}

size_t
rel_notify_logs_each(const struct rel_release *r, const char *env, int n,
    int want, rel_logref_fn fn, void *arg)
{
	size_t count = 0;

	for (size_t i = 0; i < r->nnotices; i++) {
		const struct rel_notice *no = &r->notices[i];
		char step[REL_NAME_MAX + 32];
		struct rel_logref ref;

		if (no->n != n || strcmp(no->env, env) ||
		    (want && no->attempt != want) || notice_seen(r, i))
			continue;
		/* Its file is notify-N@EVENT.ATTEMPT.log.gz (notify.h). */
		snprintf(step, sizeof step, "notify-%d@%s", n, no->event);
		ref.step = step;
		ref.component = NULL;
		ref.attempt = no->attempt;
		ref.status = strcmp(no->outcome, "succeeded") ? REL_FAILED :
		    REL_SUCCEEDED;
		rel_log_name(step, NULL, ref.attempt, ref.name,
		    sizeof ref.name);
		count++;
		if (fn)
			fn(&ref, arg);
	}
	return count;
}

void
rel_logref_title(const struct rel_release *r, const char *env,
    const struct rel_logref *ref, int with_status, char *out, size_t n)
{
	snprintf(out, n, "%s %s/%s%s%s (attempt %d%s%s)", r->id, env,
	    ref->step, ref->component ? "/" : "",
	    ref->component ? ref->component : "", ref->attempt,
	    with_status ? ", " : "",
	    with_status ? rel_status_name(ref->status) : "");
}

/* --- following ---------------------------------------------------- */

struct reader {
	char name[sizeof ((struct rel_logref *)0)->name];
	int fd;                    /* -1 until the file is there */
	int found;                 /* it was there */
	int done;                  /* read whole, and closed */
	int in_member;             /* stopped inside a gzip member */
	z_stream z;
};

struct rel_follow {
	struct rel_product *p;
	unsigned long n;
	char env[REL_NAME_MAX + 1];
	char step[REL_NAME_MAX + 1];
	int want;
	struct rel_release *r;
	struct rel_err why;        /* a dead runner not recorded, and why */
	char incomplete[sizeof ((struct rel_logref *)0)->name]; /* the first
	                              log read whole that was not whole */
	struct reader *rd;
	size_t nrd, rdcap;
	/* for the pass over the logs */
	rel_follow_fn fn;
	void *arg;
	int rc;
	struct rel_err *err;
	int dir;
};

static int
load(struct rel_follow *f, struct rel_err *err)
{
	struct rel_release *r = NULL;
	int rc;

	/* A dead runner is recorded, as rel-status would; why says so when
	 * that cannot be done now. */
	if ((rc = rel_reap_load(f->p, f->n, &r, &f->why, err)) != 0) {
		rel_release_free(r);
		return rc;
	}
	rel_release_free(f->r);
	f->r = r;
	return 0;
}

int
rel_follow_open(struct rel_product *p, unsigned long n, const char *env,
    const char *step, int want, struct rel_follow **out, struct rel_err *err)
{
	struct rel_follow *f;
	int rc, e;

	*out = NULL;
	if (!(f = calloc(1, sizeof *f)))
		return rel_err_set(err, REL_ESYS, "out of memory");
	f->p = p;
	f->n = n;
	f->want = want;
	f->dir = -1;
	snprintf(f->env, sizeof f->env, "%s", env);
	snprintf(f->step, sizeof f->step, "%s", step ? step : "");
	if ((rc = load(f, err)) != 0) {
		rel_follow_free(f);
		return rc;
	}
	if ((e = rel_release_env(f->r, env)) < 0) {
		rc = rel_err_set(err, REL_ENOTFOUND,
		    "no environment '%s' in %s", env, f->r->id);
	} else if (step && rel_release_step(&f->r->envs[e], step) < 0) {
		rc = rel_err_set(err, REL_ENOTFOUND,
		    "no step '%s' in %s of %s", step, env, f->r->id);
	}
	if (rc) {
		rel_follow_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

static struct reader *
reader_for(struct rel_follow *f, const char *name)
{
	struct reader *rd;

	for (size_t i = 0; i < f->nrd; i++)
		if (strcmp(f->rd[i].name, name) == 0)
			return &f->rd[i];
	if (f->nrd == f->rdcap) {
		size_t cap = f->rdcap ? 2 * f->rdcap : 8;

		if (!(rd = realloc(f->rd, cap * sizeof *rd)))
			return NULL;
		f->rd = rd;
		f->rdcap = cap;
	}
	rd = &f->rd[f->nrd++];
	memset(rd, 0, sizeof *rd);
	snprintf(rd->name, sizeof rd->name, "%s", name);
	rd->fd = -1;
	return rd;
}

/* Open the log when it is there; 0 if it is not yet. */
static int
reader_open(struct rel_follow *f, struct reader *rd, const char *path)
{
	int rc;

	if (rd->fd >= 0)
		return 0;
	if (f->dir < 0 && rel_log_dir(f->p, f->r->id, f->env, &f->dir,
	    f->err) != 0)
		return 0; /* no logs yet at all */
	rc = rel_file_open_read(f->dir, rd->name, path, &rd->fd, f->err);
	if (rc == REL_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	rd->found = 1;
	if (inflateInit2(&rd->z, 15 + 32) != Z_OK) {
		close(rd->fd);
		rd->fd = -1;
		return rel_err_set(f->err, REL_ESYS, "%s: cannot start zlib",
		    path);
	}
	return 0;
}

/* Hand over what the log gained since the last read. */
static int
reader_pump(struct rel_follow *f, struct reader *rd,
    const struct rel_logref *ref, const char *path)
{
	unsigned char in[16384], out[32768];

	for (;;) {
		ssize_t got = read(rd->fd, in, sizeof in);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return rel_err_errno(f->err, "cannot read %s", path);
		if (got == 0)
			return 0; /* as far as it was flushed */
		rd->z.next_in = in;
		rd->z.avail_in = (uInt)got;
		/* Until the input is used up and the output did not fill
		 * (inflate may hold more for a call with no input). */
		do {
			size_t have;
			int zr;

			rd->z.next_out = out;
			rd->z.avail_out = sizeof out;
			if (rd->z.avail_in)
				rd->in_member = 1;
			zr = inflate(&rd->z, Z_NO_FLUSH);
			if (zr != Z_OK && zr != Z_STREAM_END &&
			    zr != Z_BUF_ERROR)
				return rel_err_set(f->err, REL_ESYS,
				    "%s: damaged gzip data", path);
			have = sizeof out - rd->z.avail_out;
			if (have && f->fn(ref, (const char *)out, have,
			    f->arg) != 0)
				return rel_err_set(f->err, REL_ESYS,
				    "cannot write out %s: %s", path,
				    strerror(errno ? errno : EIO));
			if (zr == Z_STREAM_END) {
				/* Another member may follow. */
				inflateReset(&rd->z);
				rd->in_member = 0;
			} else if (zr == Z_BUF_ERROR) {
				break;
			}
		} while (rd->z.avail_in > 0 || rd->z.avail_out == 0);
	}
	return 0;
}

static void
each_log(const struct rel_logref *ref, void *arg)
{
	struct rel_follow *f = arg;
	char path[4800], sub[REL_ID_MAX + REL_NAME_MAX + 16];
	struct reader *rd;

	if (f->rc)
		return;
	if (!(rd = reader_for(f, ref->name))) {
		f->rc = rel_err_set(f->err, REL_ESYS, "out of memory");
		return;
	}
	snprintf(sub, sizeof sub, "logs/%s/%s/", f->r->id, f->env);
	rel_product_path(f->p, sub, path, sizeof path);
	snprintf(path + strlen(path), sizeof path - strlen(path), "%s",
	    ref->name);
	if (rd->done || (f->rc = reader_open(f, rd, path)) != 0 || rd->fd < 0)
		return;
	if ((f->rc = reader_pump(f, rd, ref, path)) != 0)
		return;
	/* The record said this run had ended when it was read, and a
	 * runner finishes a log before it records the end: read whole. */
	if (ref->status != REL_RUNNING && ref->status != REL_PENDING) {
		/* Read to its end, it stops inside a gzip member: cut
		 * short (rel_log_read_whole). */
		if (rd->in_member && !f->incomplete[0])
			snprintf(f->incomplete, sizeof f->incomplete, "%s",
			    ref->name);
		inflateEnd(&rd->z);
		close(rd->fd);
		rd->fd = -1;
		rd->done = 1;
	}
}

int
rel_follow_poll(struct rel_follow *f, rel_follow_fn fn, void *arg,
    int *over, struct rel_err *err)
{
	enum rel_status st;
	int rc, e, live, alive;

	*over = 0;
	/* Is a runner at work?  Asked before the record is read: if it ends
	 * the environment and exits in between, the record says so. */
	alive = rel_runner_alive(f->p->st, f->r->id, NULL, 0);
	if ((rc = load(f, err)) != 0)
		return rc;
	if ((e = rel_release_env(f->r, f->env)) < 0)
		return rel_err_set(err, REL_ESYS, "%s: environment %s is gone "
		    "from its record", f->r->id, f->env);
	st = f->r->envs[e].status;
	/* Decided before the logs are read, so that whatever had ended by
	 * then is in them to its end.  Pending or running, the environment
	 * is followed while a runner lives (one may have started since). */
	live = (st == REL_RUNNING || st == REL_PENDING) && (alive ||
	    rel_runner_alive(f->p->st, f->r->id, NULL, 0));
	f->fn = fn;
	f->arg = arg;
	f->err = err;
	f->rc = 0;
	rel_logs_each(f->r, (size_t)e, f->step[0] ? f->step : NULL,
	    f->want, each_log, f);
	if (f->rc)
		return f->rc;
	*over = !live;
	if (*over && st == REL_RUNNING) {
		/* Its runner is gone, and that could not be recorded. */
		if (f->why.code)
			return rel_err_set(err, f->why.code, "%s", f->why.msg);
		return rel_err_set(err, REL_EBUSY, "%s: its runner is gone, "
		    "but %s is still recorded as running (rel-status "
		    "--check)", f->r->id, f->env);
	}
	return 0;
}

const struct rel_release *
rel_follow_release(const struct rel_follow *f)
{
	return f->r;
}

const char *
rel_follow_incomplete(const struct rel_follow *f)
{
	return f->incomplete[0] ? f->incomplete : NULL;
}

size_t
rel_follow_found(const struct rel_follow *f)
{
	size_t n = 0;

	for (size_t i = 0; i < f->nrd; i++)
		n += f->rd[i].found;
	return n;
}

void
rel_follow_free(struct rel_follow *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nrd; i++) {
		if (f->rd[i].fd >= 0) {
			inflateEnd(&f->rd[i].z);
			close(f->rd[i].fd);
		}
	}
	free(f->rd);
	if (f->dir >= 0)
		close(f->dir);
	rel_release_free(f->r);
	free(f);
}
