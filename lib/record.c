/*
 * record.c - release records: see record.h for the invariants.
 *
 * Every byte added to a record after it is made goes through
 * record_append(), under the product lock, with the index bracketing it;
 * the lines come from an update function that sees the release as it is
 * under that lock.  That is the seam where sharing a store through git
 * (publish the change, then write it here; on refusal read again and
 * call the update function again) goes in.
 *
 * With a remote (st->pub, see store.h) every change is published before
 * a byte of it is written here: under the product lock, the files at the
 * local tip, the change is made as one commit and pushed; accepted, it is
 * written here by the same code as without a remote; refused, the remote
 * had moved and its commits are written here: the change is made again,
 * on the newer state (a new id for a release made, the update function
 * called again on the release as it is now), with a back-off, until
 * --wait runs out.  Nothing is ever written here that the remote did not
 * take first.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bucket.h"
#include "index.h"
#include "io.h"
#include "journal.h"
#include "record.h"
#include "sha256.h"

#define RECORD_MAX REL_JOURNAL_FILE_MAX

static void
record_name(const struct rel_product *p, unsigned long n, char *out, size_t sz)
{
	snprintf(out, sz, "%s-%lu", p->name, n);
}

/* The name of record n and its full path, for messages. */
static void
record_path(const struct rel_product *p, unsigned long n,
    char name[REL_ID_MAX + 1], char path[4400])
{
	record_name(p, n, name, REL_ID_MAX + 1);
	rel_product_path(p, "releases/", path, 4400);
	strncat(path, name, 4400 - strlen(path) - 1);
}

/* Put r's summary in its index slot.  The index is derived: its failure
 * is the caller's to ignore or report. */
static int
index_put(struct rel_product *p, const struct rel_release *r,
    struct rel_err *err)
{
	struct rel_buf line = REL_BUF_INIT;
	int rc;

	rel_release_summary(r, &line);
	rc = rel_index_put(p, r->n, r->created, line.oom ? NULL : line.s,
	    line.oom ? 0 : line.len, err);
	rel_buf_free(&line);
	return rc;
}

/* --- publishing (see the top comment) ------------------------------ */

struct pub {
	struct rel_product *p;
	int on;                    /* a remote is set */
	int64_t deadline;          /* monotonic ms */
	int attempt;
	unsigned seed;
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Under the product lock: is there a remote, and are the files at its
 * tip? */
static int
pub_begin(struct pub *b, struct rel_product *p, struct rel_err *err)
{
	const struct rel_publisher *pb = p->st->pub;

	memset(b, 0, sizeof *b);
	b->p = p;
	if (!pb)
		return 0;
	b->deadline = mono_ms() + p->st->wait_ms;
	b->seed = (unsigned)getpid() ^ (unsigned)mono_ms();
	return pb->prepare(pb->ctx, p, &b->on, err);
}

/* Publish one change.  *go 1: write it here now.  *go 0: the remote had
 * moved (its state is here now): make the change again.  Gives up with
 * REL_EBUSY, naming the remote, once --wait has run out. */
static int
pub_push(struct pub *b, const struct rel_change *ch, size_t n,
    const char *author, const char *msg, int *go, struct rel_err *err)
{
	const struct rel_publisher *pb = b->p->st->pub;
	int rc, accepted = 0;
	long cap, ms;
	struct timespec ts;

	*go = 1;
	if (!b->on)
		return 0;
	if ((rc = pb->publish(pb->ctx, b->p, ch, n, author, msg, &accepted,
	    err)) != 0)
		return rc;
	if (accepted)
		return 0;
	*go = 0;
	if (mono_ms() >= b->deadline)
		return rel_err_set(err, REL_EBUSY, "remote %s: rel/%s kept "
		    "moving (other machines changed it first); gave up after "
		    "%d.%03d s (--wait); nothing was recorded", pb->url(pb->ctx),
		    b->p->name, b->p->st->wait_ms / 1000,
		    b->p->st->wait_ms % 1000);
	/* Jitter, so that machines refused together do not come back
	 * together. */
	cap = 10L << (b->attempt < 6 ? b->attempt : 6);
	ms = 1 + (long)(rand_r(&b->seed) % (unsigned long)cap);
	b->attempt++;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	return 0;
}

/* The accepted change is written here. */
static int
pub_settle(struct pub *b, struct rel_err *err)
{
	const struct rel_publisher *pb = b->p->st->pub;

	return b->on ? pb->settle(pb->ctx, b->p, err) : 0;
}

/* Field i (0-based) of a journal line, as written. */
static size_t
field(const char *line, size_t len, int i, const char **f)
{
	const char *s = line, *end = line + len, *tab;

	for (; i > 0; i--) {
		if (!(tab = memchr(s, '\t', (size_t)(end - s)))) {
			*f = "";
			return 0;
		}
		s = tab + 1;
	}
	tab = memchr(s, '\t', (size_t)(end - s));
	*f = s;
	return tab ? (size_t)(tab - s) : (size_t)(end - s);
}

/* A commit's author and message from the lines of a change: the first
 * transition's who, and "ID: OBJECT FROM -> TO" (and how many more). */
static void
describe(const char *id, const char *lines, size_t len, char *who,
    size_t whosz, char *msg, size_t msgsz)
{
	const char *s = lines, *end = lines + len, *first = NULL;
	size_t firstlen = 0, more = 0;

	snprintf(who, whosz, "rel");
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t l = nl ? (size_t)(nl - s) : (size_t)(end - s);

		if (l > 3 && !strncmp(s, "tr\t", 3)) {
			if (!first) {
				first = s;
				firstlen = l;
			} else {
				more++;
			}
		}
		s += l + 1;
	}
	if (!first) {
		snprintf(msg, msgsz, "%s: %s", id, len > 6 &&
		    !strncmp(lines, "lease\t", 6) ? "lease renewed" :
		    "lines of record");
		return;
	}
	{
		const char *w, *o, *f, *t;
		size_t wl = field(first, firstlen, 2, &w);
		size_t ol = field(first, firstlen, 3, &o);
		size_t fl = field(first, firstlen, 4, &f);
		size_t tl = field(first, firstlen, 5, &t);
		int k;

		if (wl)
			snprintf(who, whosz, "%.*s", (int)wl, w);
		k = snprintf(msg, msgsz, "%s: %.*s %.*s -> %.*s", id,
		    ol == 1 && *o == '-' ? 7 : (int)ol,
		    ol == 1 && *o == '-' ? "release" : o, (int)fl, f, (int)tl, t);
		if (more && k > 0 && (size_t)k < msgsz)
			snprintf(msg + k, msgsz - (size_t)k, " (and %zu more)",
			    more);
	}
}

/* The NUL-separated names of envnames, one per line of envlines: the
 * changes appending each line to its history.  *ch has room for the
 * record's change first, and room more at the end. */
static int
env_changes(const struct rel_buf *envlines, const struct rel_buf *envnames,
    size_t room, struct rel_change **ch, size_t *n, char ***paths,
    struct rel_err *err)
{
	const char *line = envlines ? envlines->s : NULL;
	size_t cnt = 0;

	*ch = NULL;
	*paths = NULL;
	*n = 1;
	for (size_t off = 0; envnames && envnames->s && off < envnames->len;
	    off += strlen(envnames->s + off) + 1)
		cnt++;
	if (!(*ch = calloc(cnt + 1 + room, sizeof **ch)) ||
	    !(*paths = calloc(cnt + 1, sizeof **paths))) {
		free(*ch);
		*ch = NULL;
		return rel_err_set(err, REL_ESYS, "out of memory");
	}
	for (size_t off = 0; cnt && off < envnames->len; ) {
		const char *name = envnames->s + off;
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
		char *path = malloc(strlen(name) + 6);

		if (!path)
			return rel_err_set(err, REL_ESYS, "out of memory");
		sprintf(path, "envs/%s", name);
		(*paths)[*n - 1] = path;
		(*ch)[*n].path = path;
		(*ch)[*n].data = line;
		(*ch)[*n].len = len;
		(*ch)[*n].append = 1;
		(*n)++;
		line += len;
		off += strlen(name) + 1;
	}
	return 0;
}

static void
env_changes_free(struct rel_change *ch, char **paths)
{
	for (size_t i = 0; paths && paths[i]; i++)
		free(paths[i]);
	free(paths);
	free(ch);
}

/* Append lines to the history of env, here. */
static int
env_write(struct rel_product *p, const char *env, const char *lines,
    size_t len, int sync, struct rel_err *err)
{
	char path[4400];
	int dir, fd, rc, created;

	rel_product_path(p, "envs", path, sizeof path);
	if ((rc = rel_dir_open(p->dir, "envs", 1, path, &dir, err)) != 0)
		return rc;
	strncat(path, "/", sizeof path - strlen(path) - 1);
	strncat(path, env, sizeof path - strlen(path) - 1);
	fd = openat(dir, env, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    REL_FILE_MODE);
	created = fd >= 0;
	if (fd < 0 && errno == EEXIST)
		fd = openat(dir, env, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = rel_err_errno(err, "cannot open %s", path);
		close(dir);
		return rc;
	}
	rc = rel_journal_append(fd, lines, len, sync, path, err);
	close(fd);
	/* A new file's name must survive a crash too. */
	if (rc == 0 && created)
		rc = rel_dir_sync(dir, path, err);
	close(dir);
	return rc;
}

/* Each line of envlines to the history envnames names, in order. */
static int
envs_write(struct rel_product *p, const struct rel_more *more,
    struct rel_err *err)
{
	const struct rel_buf *envlines = more ? more->envlines : NULL;
	const struct rel_buf *envnames = more ? more->envnames : NULL;
	const char *line, *name;
	int rc = 0;

	if (!envlines || !envnames || !envnames->s)
		return 0;
	line = envlines->s;
	name = envnames->s;
	/* Each synced, as what it records is reported right after. */
	for (size_t off = 0; off < envnames->len; ) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
		int r2 = env_write(p, name, line, len, 1, err);

		if (r2 && !rc)
			rc = r2;
		if (r2 && more->lost && more->lostnames) {
			rel_buf_add(more->lost, line, len);
			rel_buf_add(more->lostnames, name, strlen(name) + 1);
		}
		line += len;
		off += strlen(name) + 1;
		name = envnames->s + off;
	}
	return rc;
}

int
rel_env_append(struct rel_product *p, const char *env, const char *lines,
    size_t len, int sync, struct rel_err *err)
{
	struct rel_change ch;
	char path[REL_NAME_MAX + 8], msg[REL_NAME_MAX * 2 + 64];
	struct pub b;
	int rc, go = 0;

	if ((rc = rel_product_lock(p, err)) != 0)
		return rc;
	if ((rc = pub_begin(&b, p, err)) != 0)
		goto out;
	snprintf(path, sizeof path, "envs/%s", env);
	snprintf(msg, sizeof msg, "%s: history of %s", p->name, env);
	ch.path = path;
	ch.data = lines;
	ch.len = len;
	ch.append = 1;
	while (!go)
		if ((rc = pub_push(&b, &ch, 1, "rel", msg, &go, err)) != 0)
			goto out;
	if ((rc = env_write(p, env, lines, len, sync, err)) == 0)
		rc = pub_settle(&b, err);
out:
	rel_product_unlock(p);
	return rc;
}

int
rel_release_exists(struct rel_product *p, unsigned long n)
{
	char name[REL_ID_MAX + 1];
	struct stat sb;

	record_name(p, n, name, sizeof name);
	return fstatat(p->releases, name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
}

int
rel_release_load(struct rel_product *p, unsigned long n,
    struct rel_release **out, struct rel_err *err)
{
	char name[REL_ID_MAX + 1], path[4400];
	struct rel_buf raw = REL_BUF_INIT;
	int rc;

	*out = NULL;
	record_path(p, n, name, path);
	rc = rel_file_read(p->releases, name, path, RECORD_MAX, &raw, err);
	if (rc) {
		rel_buf_free(&raw);
		if (rc == REL_ENOTFOUND)
			return rel_err_set(err, REL_ENOTFOUND,
			    "no release '%s' in %s", name, p->st->root);
		return rc;
	}
	rc = rel_release_parse(&raw, path, out, err);
	if (rc == 0 && strcmp((*out)->id, name) != 0) {
		rel_release_free(*out);
		*out = NULL;
		return rel_err_set(err, REL_ESYS,
		    "%s: damaged release record: it says it is %s", path, name);
	}
	return rc;
}

static int
open_once(struct rel_store *st, const char *id, struct rel_product *p,
    struct rel_release **out, struct rel_err *err)
{
	char product[REL_NAME_MAX + 1];
	unsigned long n;
	int rc;

	*out = NULL;
	memset(p, 0, sizeof *p);
	p->dir = p->releases = p->index = -1;
	p->lock.fd = -1;
	if ((rc = rel_id_parse(id, product, &n, err)) != 0)
		return rc;
	if ((rc = rel_product_open(st, product, 0, p, err)) != 0) {
		if (rc == REL_ENOTFOUND)
			return rel_err_set(err, REL_ENOTFOUND,
			    "no release '%s' in %s (no product '%s')", id,
			    st->root, product);
		return rc;
	}
	if ((rc = rel_release_load(p, n, out, err)) == 0 &&
	    (rc = rel_release_stray(p, n, err)) != 0) {
		rel_release_free(*out);
		*out = NULL;
	}
	if (rc)
		rel_product_close(p);
	return rc;
}

int
rel_release_open(struct rel_store *st, const char *id, struct rel_product *p,
    struct rel_release **out, struct rel_err *err)
{
	char product[REL_NAME_MAX + 1];
	unsigned long n;
	int rc = open_once(st, id, p, out, err), moved = 0;

	/* Not here: made on another machine since this one last looked?
	 * A changing command asks the remote (a reader's publisher says
	 * nothing moved: readers stay local). */
	if (rc == REL_ENOTFOUND && st->pub &&
	    rel_id_parse(id, product, &n, NULL) == 0 &&
	    st->pub->refresh(st->pub->ctx, st, product, &moved, NULL) == 0 &&
	    moved)
		rc = open_once(st, id, p, out, err);
	return rc;
}

static int
cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* The numbers of the product's records, from the directory listing (so
 * the cost is the number of records, whatever their numbers), sorted;
 * *last the end of the releases among them (see record.h). */
static int
scan(struct rel_product *p, unsigned long **v, size_t *nv,
    unsigned long *last, struct rel_err *err)
{
	char product[REL_NAME_MAX + 1];
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int fd = dup(p->releases);

	*v = NULL;
	*nv = 0;
	*last = 0;
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return rel_err_errno(err, "cannot list releases of %s",
		    p->name);
	}
	rewinddir(d); /* the dup shares its offset with the last listing */
	while ((de = readdir(d))) {
		unsigned long n;

		if (rel_id_parse(de->d_name, product, &n, NULL) ||
		    strcmp(product, p->name))
			continue;
		if (REL_GROW(*v, *nv + 1, cap) < 0) {
			closedir(d);
			free(*v);
			*v = NULL;
			*nv = 0;
			return rel_err_set(err, REL_ESYS, "out of memory");
		}
		(*v)[(*nv)++] = n;
	}
	closedir(d);
	if (*nv)
		qsort(*v, *nv, sizeof **v, cmp_ulong);
	for (size_t i = 0; i < *nv && (*v)[i] - *last <= REL_RECORD_GAP + 1;
	    i++)
		*last = (*v)[i];
	return 0;
}

int
rel_product_last(struct rel_product *p, unsigned long *n, struct rel_err *err)
{
	unsigned long last = rel_index_last(p), *v;
	size_t nv;
	int rc;

	/* The index may lag the records after a crash (the next record
	 * is then there), or lead them after records were removed by hand
	 * (a few steps down, else ask the directory). */
	for (int k = 0; last > 0 && !rel_release_exists(p, last); k++)
		if (k == REL_RECORD_GAP || --last == 0) {
			last = 0;
			break;
		}
	if (last == 0) {
		if ((rc = scan(p, &v, &nv, &last, err)) != 0)
			return rc;
		free(v);
	}
	while (rel_release_exists(p, last + 1))
		last++;
	*n = last;
	return 0;
}

int
rel_release_stray(struct rel_product *p, unsigned long n, struct rel_err *err)
{
	unsigned long last;
	int rc;

	if ((rc = rel_product_last(p, &last, err)) != 0)
		return rc;
	if (n <= last || !rel_release_exists(p, n))
		return 0; /* a release, or nothing: the caller's load says */
	if (last == 0)
		return rel_err_set(err, REL_ENOTFOUND, "no release '%s-%lu' "
		    "in %s: releases/%s-%lu is a stray record (%s has no "
		    "release before it); see rel-status --check", p->name, n,
		    p->st->root, p->name, n, p->name);
	return rel_err_set(err, REL_ENOTFOUND, "no release '%s-%lu' in %s: "
	    "releases/%s-%lu is a stray record, far beyond the releases of "
	    "%s (the last is %s-%lu); see rel-status --check", p->name, n,
	    p->st->root, p->name, n, p->name, p->name, last);
}

int
rel_release_strays(struct rel_product *p, unsigned long **strays, size_t *n,
    unsigned long *dirlast, struct rel_err *err)
{
	unsigned long last, *v;
	size_t nv, k = 0;
	int rc;

	*strays = NULL;
	*n = 0;
	if ((rc = scan(p, &v, &nv, &last, err)) != 0)
		return rc;
	if (dirlast)
		*dirlast = last;
	while (k < nv && v[k] <= last)
		k++;
	if (nv - k == 0) {
		free(v); /* NULL when the directory had no record */
		v = NULL;
	} else {
		memmove(v, v + k, (nv - k) * sizeof *v);
	}
	*strays = v;
	*n = nv - k;
	return 0;
}

int
rel_release_create(struct rel_product *p, rel_header_fn build, void *arg,
    unsigned long *n, struct rel_err *err)
{
	struct rel_buf rec = REL_BUF_INIT;
	char name[REL_ID_MAX + 1], path[4400], tmp[64], gpath[REL_ID_MAX + 16];
	char who[REL_NAME_MAX + 1], msg[REL_ID_MAX + 32];
	unsigned long next;
	struct pub b;
	int rc, exists, go;

	/* The record does not depend on its id: it is written and synced
	 * before the lock, which is then held for one link and one sync. */
	build(&rec, arg);
	if (rec.oom) {
		rel_buf_free(&rec);
		return rel_err_set(err, REL_ESYS, "out of memory");
	}
	rel_product_path(p, "releases", path, sizeof path);
	if ((rc = rel_file_temp(p->releases, rec.s, rec.len, tmp, path, err))) {
		rel_buf_free(&rec);
		return rc;
	}
	if ((rc = rel_product_lock(p, err)) != 0) {
		rel_file_temp_drop(p->releases, tmp);
		rel_buf_free(&rec);
		return rc;
	}
	if ((rc = pub_begin(&b, p, err)) != 0 ||
	    (rc = rel_product_last(p, &next, err)) != 0)
		goto out;
	for (;;) {
		struct rel_release *r;

		next++;
		record_path(p, next, name, path);
		if (b.on) {
			/* Published first: the id is the remote's next. */
			struct rel_change ch = { gpath, rec.s, rec.len, 0 };

			snprintf(gpath, sizeof gpath, "releases/%s", name);
			snprintf(who, sizeof who, "rel");
			{
				struct rel_buf copy = REL_BUF_INIT;

				/* The parse takes the copy, even on error. */
				rel_buf_add(&copy, rec.s, rec.len);
				if (!copy.oom && rel_release_parse(&copy, path,
				    &r, NULL) == 0) {
					if (r->by && *r->by)
						snprintf(who, sizeof who, "%s",
						    r->by);
					rel_release_free(r);
				} else {
					rel_buf_free(&copy);
				}
			}
			snprintf(msg, sizeof msg, "%s: created", name);
			if ((rc = pub_push(&b, &ch, 1, who, msg, &go, err)))
				goto out;
			if (!go) {
				/* The remote's releases are here now. */
				if ((rc = rel_product_last(p, &next, err)))
					goto out;
				continue;
			}
		}
		if ((rc = rel_file_temp_link(p->releases, tmp, name, &exists,
		    path, err)))
			goto out;
		if (exists) {
			if (b.on) {
				/* The remote took it: only a record left here
				 * behind rel's back can be in the way. */
				rc = rel_err_set(err, REL_ESYS, "%s: a record "
				    "is there that %s does not have; the "
				    "release was published, but cannot be "
				    "written here: see rel-status --check",
				    path, p->st->pub->url(p->st->pub->ctx));
				goto out;
			}
			continue; /* made behind our back: take the next */
		}
		*n = next;
		/* The record is on disk: the release exists.  The index is
		 * a convenience from here on; its failure is not fatal. */
		if (rel_release_parse(&rec, path, &r, NULL) == 0) {
			if (index_put(p, r, NULL) == 0)
				rel_index_set_last(p, next, NULL);
			rel_release_free(r);
		}
		rc = pub_settle(&b, err);
		break;
	}
out:
	if (rc)
		rel_file_temp_drop(p->releases, tmp);
	rel_buf_free(&rec);
	rel_product_unlock(p);
	return rc;
}

/* Does this batch of lines change the summary (an env or release
 * transition, as opposed to step transitions and outputs)? */
static int
touches_summary(const char *s, size_t len)
{
	const char *end = s + len;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *f = s;

		if (!nl)
			nl = end;
		if (nl - s > 3 && !strncmp(s, "tr\t", 3)) {
			/* the object is the 4th field */
			for (int i = 0; i < 3 && f; i++) {
				f = memchr(f, '\t', (size_t)(nl - f));
				if (f)
					f++;
			}
			if (f) {
				const char *tab = memchr(f, '\t', (size_t)(nl - f));

				if (tab && !memchr(f, '/', (size_t)(tab - f)))
					return 1;
			}
		}
		s = nl + 1;
	}
	return 0;
}

/*
 * The one place where a record grows: lines (whole journal lines, already
 * in r) are appended to the record open at fd, under the product lock.
 * When they change the summary, the index slot is marked dirty first and
 * put after, so that a reader of the index never sees a summary older
 * than the record.
 */
static int
record_append(struct rel_product *p, int fd, const struct rel_release *r,
    const struct rel_buf *lines, int sync, const char *path,
    struct rel_err *err)
{
	int summary = touches_summary(lines->s, lines->len), rc;

	if (summary && (rc = rel_index_dirty(p, r->n, err)) != 0)
		return rc;
	if ((rc = rel_journal_append(fd, lines->s, lines->len, sync, path,
	    err)) != 0)
		return rc;
	if (summary)
		index_put(p, r, NULL);
	return 0;
}

int
rel_release_update(struct rel_product *p, unsigned long n, rel_update_fn fn,
    void *arg, int sync, struct rel_release **out, struct rel_err *err)
{
	struct rel_release *r = NULL;
	int rc;

	if (out)
		*out = NULL;
	rc = rel_release_change(p, n, &r, fn, arg, sync, err);
	if (out && rc == 0)
		*out = r;
	else
		rel_release_free(r);
	return rc;
}

int
rel_release_change(struct rel_product *p, unsigned long n,
    struct rel_release **rp, rel_update_fn fn, void *arg, int sync,
    struct rel_err *err)
{
	return rel_release_change_env(p, n, rp, fn, arg, sync, NULL, err);
}

/* The record's lines from fn, on r as it is now; r becomes the release
 * after them (the release's own status change added). */
static int
make_lines(struct rel_release *r, rel_update_fn fn, void *arg,
    struct rel_buf *lines, struct rel_err *err)
{
	int rc;

	if ((rc = fn(r, lines, arg, err)) != 0)
		return rc;
	if (lines->oom)
		return rel_err_set(err, REL_ESYS, "out of memory");
	if (lines->len == 0)
		return 0;
	if ((rc = rel_release_extend(r, lines->s, lines->len, err)) != 0)
		return rc;
	/* Keep the release's own status changes in its history too. */
	if (r->status != r->recorded && r->ntr > 0) {
		const struct rel_transition *t = &r->tr[r->ntr - 1];
		struct rel_buf more = REL_BUF_INIT;

		rel_tr_line(&more, t->time, t->who, "-",
		    rel_status_name(r->recorded), rel_status_name(r->status),
		    t->attempt, "", "");
		rel_buf_add(lines, more.s, more.len);
		rc = more.oom || lines->oom ? rel_err_set(err, REL_ESYS,
		    "out of memory") : rel_release_extend(r, more.s, more.len,
		    err);
		rel_buf_free(&more);
	}
	return rc;
}

int
rel_release_change_env(struct rel_product *p, unsigned long n,
    struct rel_release **rp, rel_update_fn fn, void *arg, int sync,
    const struct rel_more *more, struct rel_err *err)
{
	const struct rel_buf *envlines = more ? more->envlines : NULL;
	const struct rel_buf *envnames = more ? more->envnames : NULL;
	struct rel_release *r = *rp;
	struct rel_buf lines = REL_BUF_INIT;
	char name[REL_ID_MAX + 1], path[4400], gpath[REL_ID_MAX + 16];
	struct rel_change *ch = NULL;
	char **paths = NULL;
	size_t nch;
	struct stat sb;
	struct pub b;
	int rc, fd = -1, go = 0, refreshed = 0;

	if ((rc = rel_product_lock(p, err)) != 0)
		return rc;
	if ((rc = pub_begin(&b, p, err)) != 0)
		goto out;
	record_path(p, n, name, path);
	snprintf(gpath, sizeof gpath, "releases/%s", name);
	while (!go) {
		if (fd >= 0)
			close(fd);
		fd = -1;
		rel_buf_reset(&lines);
		env_changes_free(ch, paths);
		ch = NULL;
		paths = NULL;
		if ((rc = rel_file_open_rw(p->releases, name, path, &fd,
		    err)) != 0) {
			if (rc == REL_ENOTFOUND)
				rel_err_set(err, REL_ENOTFOUND, "no release "
				    "'%s' in %s", name, p->st->root);
			fd = -1;
			goto out;
		}
		/* The caller's copy is the record if nothing was added
		 * since: the record only grows, and only under this lock.
		 * Else read it. */
		if (fstat(fd, &sb) < 0 || !r || r->n != n || r->torn ||
		    (off_t)r->record_size != sb.st_size) {
			rel_release_free(r);
			*rp = r = NULL;
			if ((rc = rel_release_load(p, n, &r, err)) != 0)
				goto out;
			*rp = r;
		}
		/* From here r becomes the release after the lines; if they
		 * are not written, it is marked to be read again before any
		 * other use as the record (it holds lines the record does
		 * not). */
		rc = make_lines(r, fn, arg, &lines, err);
		if (rc && b.on && !refreshed) {
			/* A check failed on this machine's copy: the remote
			 * may know better.  Look once. */
			const struct rel_publisher *pb = p->st->pub;
			struct rel_err e2;
			int moved = 0;

			refreshed = 1;
			if (pb->refresh(pb->ctx, p->st, p->name, &moved,
			    &e2) == 0 && moved) {
				r->torn = 1;
				continue;
			}
		}
		if (rc)
			goto drop;
		if (lines.len == 0)
			goto out;
		if (!b.on)
			break;
		{
			char who[REL_NAME_MAX + 1], msg[512];

			if ((rc = env_changes(envlines, envnames, more ?
			    more->nfiles : 0, &ch, &nch, &paths, err)) != 0)
				goto drop;
			for (size_t i = 0; more && i < more->nfiles; i++)
				ch[nch++] = more->files[i];
			ch[0].path = gpath;
			ch[0].data = lines.s;
			ch[0].len = lines.len;
			ch[0].append = 1;
			describe(name, lines.s, lines.len, who, sizeof who,
			    msg, sizeof msg);
			if ((rc = pub_push(&b, ch, nch, who, msg, &go, err)))
				goto drop;
			if (!go)
				r->torn = 1; /* read it again, as it is now */
		}
	}
	if ((rc = record_append(p, fd, r, &lines, sync, path, err)) != 0)
		goto drop;
	/* The histories follow the record: what they say, it says. */
	if ((rc = envs_write(p, more, err)) == 0)
		rc = pub_settle(&b, err);
	/* Whoever wrote a transition is the one to tell of it: this write,
	 * under this lock, happens once. */
	if (p->st->written)
		p->st->written(p->st->written_arg, p, n, lines.s, lines.len);
	goto out;
drop:
	if (r)
		r->torn = 1;
out:
	if (fd >= 0)
		close(fd);
	env_changes_free(ch, paths);
	rel_buf_free(&lines);
	rel_product_unlock(p);
	return rc;
}

/* Is the flow copy name in dir already data? */
static int
flow_there(int dir, const char *name, const char *path, const char *data,
    size_t len)
{
	struct rel_buf have = REL_BUF_INIT;
	struct stat sb;
	int same;

	if (fstatat(dir, name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(sb.st_mode) || (size_t)sb.st_size != len)
		return 0;
	same = rel_file_read(dir, name, path, len, &have, NULL) == 0 &&
	    have.len == len && (len == 0 || !memcmp(have.s, data, len));
	rel_buf_free(&have);
	return same;
}

int
rel_flow_store(struct rel_product *p, const char *data, size_t len,
    char hash[65], struct rel_err *err)
{
	char name[80], path[4400], gpath[96], msg[REL_NAME_MAX + 96];
	struct rel_change ch = { gpath, data, len, 0 };
	struct pub b;
	int dir, rc, exists, go = 0;

	rel_sha256_hex(data, len, hash);
	rel_product_path(p, "flows", path, sizeof path);
	if ((rc = rel_dir_open(p->dir, "flows", 1, path, &dir, err)) != 0)
		return rc;
	snprintf(name, sizeof name, "%s.yaml", hash);
	strncat(path, "/", sizeof path - strlen(path) - 1);
	strncat(path, name, sizeof path - strlen(path) - 1);
	if (flow_there(dir, name, path, data, len)) {
		close(dir);
		return 0; /* the same content is there already */
	}
	if ((rc = rel_product_lock(p, err)) != 0) {
		close(dir);
		return rc;
	}
	snprintf(gpath, sizeof gpath, "flows/%s", name);
	snprintf(msg, sizeof msg, "%s: flow copy %.12s", p->name, hash);
	if ((rc = pub_begin(&b, p, err)) != 0)
		goto out;
	while (!go) {
		/* Brought here by the remote meanwhile? */
		if (b.on && flow_there(dir, name, path, data, len))
			goto out;
		if ((rc = pub_push(&b, &ch, 1, "rel", msg, &go, err)) != 0)
			goto out;
	}
	if ((rc = rel_file_write_atomic(dir, name, data, len, 0, &exists, path,
	    err)) == 0)
		rc = pub_settle(&b, err);
out:
	rel_product_unlock(p);
	close(dir);
	return rc;
}

int
rel_flow_latest(struct rel_store *st, const char *product,
    struct rel_buf *out, char *path, size_t pathlen, struct rel_err *err)
{
	struct rel_product p;
	struct rel_release *r = NULL;
	unsigned long last = 0;
	char name[80];
	int rc, dir, moved = 0;

	if (!rel_product_exists(st, product) && st->pub)
		st->pub->refresh(st->pub->ctx, st, product, &moved, NULL);
	if ((rc = rel_product_open(st, product, 0, &p, err)) != 0)
		return rc;
	if ((rc = rel_product_last(&p, &last, err)) == 0 && last == 0)
		rc = rel_err_set(err, REL_ENOTFOUND, "no release of %s in %s",
		    product, st->root);
	if (rc == 0 && (rc = rel_release_load(&p, last, &r, err)) == 0) {
		rel_product_path(&p, "flows", path, pathlen);
		snprintf(name, sizeof name, "%s.yaml", r->flow_hash);
		if ((rc = rel_dir_open(p.dir, "flows", 0, path, &dir,
		    err)) == 0) {
			strncat(path, "/", pathlen - strlen(path) - 1);
			strncat(path, name, pathlen - strlen(path) - 1);
			rc = rel_file_read(dir, name, path, REL_FLOW_MAX_BYTES,
			    out, err);
			close(dir);
		}
	}
	rel_release_free(r);
	rel_product_close(&p);
	return rc;
}

int
rel_flow_of_release(struct rel_product *p, const struct rel_release *r,
    struct rel_flow **out, struct rel_err *err)
{
	struct rel_buf buf = REL_BUF_INIT;
	char name[80], path[4400], hash[65];
	int dir, rc;

	*out = NULL;
	rel_product_path(p, "flows", path, sizeof path);
	if ((rc = rel_dir_open(p->dir, "flows", 0, path, &dir, err)) != 0)
		return rc;
	snprintf(name, sizeof name, "%s.yaml", r->flow_hash);
	strncat(path, "/", sizeof path - strlen(path) - 1);
	strncat(path, name, sizeof path - strlen(path) - 1);
	rc = rel_file_read(dir, name, path, REL_FLOW_MAX_BYTES, &buf, err);
	close(dir);
	if (rc == 0) {
		rel_sha256_hex(buf.s ? buf.s : "", buf.len, hash);
		if (strcmp(hash, r->flow_hash))
			rc = rel_err_set(err, REL_ESYS,
			    "%s: damaged flow copy (its SHA-256 differs)", path);
	}
	if (rc == 0)
		rc = rel_flow_parse(path, buf.s ? buf.s : "", buf.len,
		    r->product, out, err);
	rel_buf_free(&buf);
	return rc;
}

static int
status_wanted(const char *line, size_t len, const int *want)
{
	const char *f = line, *end = line + len;
	char word[32];
	size_t wl;

	if (!want)
		return 1;
	for (int i = 0; i < 2; i++) {
		f = memchr(f, '\t', (size_t)(end - f));
		if (!f)
			return 0;
		f++;
	}
	wl = strcspn(f, "\t");
	if (wl >= sizeof word || f + wl > end)
		return 0;
	memcpy(word, f, wl);
	word[wl] = '\0';
	for (; *want >= 0; want++)
		if (!strcmp(word, rel_status_name((enum rel_status)*want)))
			return 1;
	return 0;
}

static int
from_record(struct rel_product *p, unsigned long n, struct rel_buf *line,
    int64_t *created, struct rel_err *err)
{
	struct rel_release *r;
	int rc = rel_release_load(p, n, &r, err);

	if (rc)
		return rc;
	rel_buf_reset(line);
	rel_release_summary(r, line);
	*created = r->created;
	rel_release_free(r);
	return line->oom ? rel_err_set(err, REL_ESYS, "out of memory") : 0;
}

int
rel_release_list(struct rel_product *p, size_t limit, const int *want,
    rel_list_fn fn, void *arg, struct rel_err *err)
{
	struct rel_buf line = REL_BUF_INIT;
	struct rel_index_walk w;
	unsigned long last, n;
	size_t count = 0;
	int rc;

	if ((rc = rel_product_last(p, &last, err)) != 0)
		return rc;
	if (last > 0 && !rel_index_present(p)) {
		unsigned long indexed;

		/* Lost (or never made): rebuild it now, once, if we may. */
		rel_release_reindex(p, &indexed, NULL);
	}
	rel_index_walk_begin(&w, p, limit);
	for (n = last; n > 0 && (limit == 0 || count < limit); n--) {
		size_t len = 0;
		int64_t created = 0;
		const char *l = rel_index_walk_line(&w, n, &len, &created);

		if (!l) {
			rc = from_record(p, n, &line, &created, err);
			if (rc == REL_ENOTFOUND) {
				rc = 0; /* a gap: an id lost to a crash */
				continue;
			}
			if (rc)
				break;
			l = line.s;
			len = line.len;
		}
		if (!status_wanted(l, len, want))
			continue;
		count++;
		if ((rc = fn(p, n, created, l, len, arg)) != 0) {
			if (rc > 0)
				rc = 0; /* asked to stop */
			else
				rc = rel_err_set(err, REL_ESYS, "out of memory");
			break;
		}
	}
	rel_index_walk_end(&w);
	rel_buf_free(&line);
	return rc;
}

int
rel_release_index(struct rel_product *p, unsigned long n,
    struct rel_err *err)
{
	struct rel_release *r = NULL;
	unsigned long last = rel_index_last(p);
	int rc;

	if ((rc = rel_release_load(p, n, &r, err)) == 0 &&
	    (rc = index_put(p, r, err)) == 0 && n > last &&
	    n - last <= REL_RECORD_GAP + 1)
		rc = rel_index_set_last(p, n, err);
	rel_release_free(r);
	return rc;
}

int
rel_release_reindex(struct rel_product *p, unsigned long *count,
    struct rel_err *err)
{
	unsigned long last, *v = NULL;
	size_t nv = 0, k = 0;
	int rc;

	*count = 0;
	if ((rc = rel_product_lock(p, err)) != 0)
		return rc;
	/* From the directory: its records, not every number up to the
	 * highest (a stray record far out costs nothing). */
	if ((rc = scan(p, &v, &nv, &last, err)) != 0 ||
	    (rc = rel_index_resize(p, last, err)) != 0)
		goto out;
	for (unsigned long n = 1; n <= last; n++) {
		struct rel_release *r;

		if (k < nv && v[k] == n) {
			k++;
			rc = rel_release_load(p, n, &r, err);
		} else {
			rc = REL_ENOTFOUND;
		}
		if (rc == REL_ENOTFOUND) {
			if ((rc = rel_index_clear(p, n, err)))
				goto out;
			continue;
		}
		if (rc)
			goto out;
		rc = index_put(p, r, err);
		rel_release_free(r);
		if (rc)
			goto out;
		(*count)++;
	}
	if ((rc = rel_index_set_last(p, last, err)) == 0)
		rc = rel_index_sync(p, err);
out:
	free(v);
	rel_product_unlock(p);
	return rc;
}
