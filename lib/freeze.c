/*
 * freeze.c - freeze windows and freezes by hand (see freeze.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "envlog.h"
#include "flow.h"
#include "freeze.h"
#include "journal.h"
#include "record.h"
#include "when.h"

#define CHAIN_MAX 32  /* windows that follow one another, at most */

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

int
rel_freeze_open(struct rel_store *st, const char *name, struct rel_product *p,
    struct rel_err *err)
{
	char path[4400];
	struct stat sb;
	int rc = rel_product_open(st, name, 0, p, err);

	if (rc != REL_ENOTFOUND || rel_product_check(name, NULL) != 0)
		return rc;
	snprintf(path, sizeof path, "flows/%s.yaml", name);
	if (st->fd < 0 || fstatat(st->fd, path, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(sb.st_mode))
		return rc;
	/* Its windows alone: nothing was ever written for it. */
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

int
rel_freeze_products(struct rel_store *st, char (**names)[REL_NAME_MAX + 1],
    size_t *n, struct rel_err *err)
{
	char (*v)[REL_NAME_MAX + 1];
	size_t cap, k = 0;
	struct dirent *de;
	DIR *d;
	int fd, rc;

	if ((rc = rel_store_products(st, names, n, err)) != 0 || st->fd < 0)
		return rc;
	v = *names;
	cap = *n;
	fd = openat(st->fd, "flows", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0)
		return 0; /* no flows: the products are all there is */
	if (!(d = fdopendir(fd))) {
		close(fd);
		return 0;
	}
	while ((de = readdir(d))) {
		char name[REL_NAME_MAX + 1];
		size_t len = strlen(de->d_name);
		struct stat sb;
		int seen = 0;

		if (len <= 5 || len - 5 > REL_NAME_MAX ||
		    strcmp(de->d_name + len - 5, ".yaml"))
			continue;
		memcpy(name, de->d_name, len - 5);
		name[len - 5] = '\0';
		if (rel_product_check(name, NULL) != 0 ||
		    fstatat(fd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(sb.st_mode))
			continue;
		for (size_t i = 0; i < *n && !seen; i++)
			seen = !strcmp(v[i], name);
		if (seen)
			continue;
		if (REL_GROW(v, *n + k + 1, cap) < 0) {
			closedir(d);
			free(v);
			*names = NULL;
			*n = 0;
			return rel_err_set(err, REL_ESYS, "out of memory");
		}
		strcpy(v[*n + k++], name);
	}
	closedir(d);
	*n += k;
	if (*n)
		qsort(v, *n, sizeof *v, cmp_names);
	*names = v;
	return 0;
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
	int rc;

	memset(out, 0, sizeof *out);
	memset(&log, 0, sizeof log);
	/* A product not made yet (rel_freeze_open) has no history. */
	if (p->dir >= 0 && (rc = rel_envlog_load(p, env, &log, err)) != 0)
		return rc;
	rel_freeze_eval(flow, &log, env, now, hotfix, out);
	rel_envlog_free(&log);
	return 0;
}

/* From end (s), the end of the windows that follow one another. */
static int64_t
chain_end(const struct rel_flow *flow, const char *env, int hotfix,
    int64_t end)
{
	for (int k = 0; k < CHAIN_MAX; k++) {
		int64_t s2, e2;

		if (latest_window(flow, env, end, hotfix, &s2, &e2) < 0 ||
		    e2 <= end)
			break;
		end = e2;
	}
	return end;
}

void
rel_freeze_eval(const struct rel_flow *flow, const struct rel_envlog *log,
    const char *env, int64_t now, int hotfix, struct rel_frozen *out)
{
	const struct rel_env_freeze *fz = &log->freeze;
	int64_t t = rel_floordiv(now, 1000), s = 0, e = 0, u;
	int w;

	memset(out, 0, sizeof *out);
	if (fz->time && !fz->lifted && (!fz->until || now < fz->until) &&
	    !(hotfix && fz->hotfix)) {
		out->frozen = out->manual = 1;
		out->since = fz->time;
		out->until = fz->until;
		out->hotfix = fz->hotfix;
		snprintf(out->by, sizeof out->by, "%s", fz->who);
		snprintf(out->reason, sizeof out->reason, "%s", fz->why);
	}
	/* A freeze by hand until lifted says it all; else the windows may
	 * hold the line longer, and one may begin as another ends. */
	if (out->frozen && !out->until)
		return;
	if ((w = latest_window(flow, env, t, hotfix, &s, &e)) >= 0) {
		/* The windows' end is that of their whole chain, before it
		 * is weighed against the freeze by hand's. */
		e = chain_end(flow, env, hotfix, e);
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
			out->until = e * 1000;
			return;
		}
	}
	/* Frozen by hand past the windows open now (if any): a window
	 * that opens before that freeze ends holds the line on. */
	if (out->frozen && (u = chain_end(flow, env, hotfix,
	    rel_floordiv(out->until, 1000))) * 1000 > out->until)
		out->until = u * 1000;
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

/* Is s written as a duration (digits and units), however wrong? */
static int
duration_like(const char *s)
{
	return *s >= '0' && *s <= '9' && !s[strspn(s, "0123456789dhms")];
}

int
rel_freeze_until(const char *s, int64_t now, int64_t *until,
    struct rel_err *err)
{
	char t[REL_TIME_MAX];
	long secs;

	if (rel_iso_parse(s, 1, until) != 0) {
		if (rel_duration_parse("--until", s, &secs, err) != 0) {
			if (duration_like(s))
				return REL_EUSAGE; /* what is wrong with it */
			return rel_err_set(err, REL_EUSAGE, "--until: '%s' is "
			    "neither a time (2026-12-24T18:00Z, 2026-12-24) "
			    "nor a duration (2h, 3d)", s);
		}
		*until = now + (int64_t)secs * 1000;
	}
	if (*until <= now) {
		rel_time_format(now, 0, t);
		return rel_err_set(err, REL_EUSAGE, "--until %s is in the past "
		    "(it is %s now)", s, t);
	}
	/* Kept as it is, or not at all: never turned into "until lifted". */
	if (*until >= REL_TIME_END)
		return rel_err_set(err, REL_EUSAGE, "--until %s ends after "
		    "9999-12-31T23:59:59Z, the last time a record can hold", s);
	return 0;
}

/* Is envs[i] also envs[j] for some j < i?  (dev dev: one line.) */
static int
named_before(const char *const *envs, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (!strcmp(envs[j], envs[i]))
			return 1;
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
		if (named_before(envs, i))
			continue;
		rel_buf_reset(&line);
		if (lift)
			rel_envlog_lift_line(&line, now, who, reason);
		else
			rel_envlog_freeze_line(&line, now, who, until, hotfix,
			    reason);
		if (line.oom)
			rc = rel_err_set(err, REL_ESYS, "out of memory");
		else
			rc = rel_env_append(p, envs[i], line.s, line.len, 1,
			    err);
	}
out:
	rel_product_unlock(p);
	rel_buf_free(&line);
	return rc;
}
