/*
 * store.c - the state directory, products and release records.
 *
 * Invariants:
 * - a record is created whole (temporary file, fsync, link into place) and
 *   then only appended to, under the product lock;
 * - ids are chosen under the product lock as one more than the highest
 *   record that exists; link() refusing to replace is the final word, so
 *   two processes can never make the same id;
 * - the index is updated after the record (see index.h), and is never the
 *   only place anything is written.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index.h"
#include "io.h"
#include "journal.h"
#include "sha256.h"
#include "store.h"

#define RECORD_MAX REL_JOURNAL_FILE_MAX

int
rel_store_path(const char *opt, char *out, size_t n, struct rel_err *err)
{
	const char *v;
	int w;

	if (opt && *opt)
		w = snprintf(out, n, "%s", opt);
	else if ((v = getenv("REL_STATE_DIR")) && *v)
		w = snprintf(out, n, "%s", v);
	else if ((v = getenv("XDG_STATE_HOME")) && *v)
		w = snprintf(out, n, "%s/rel", v);
	else if ((v = getenv("HOME")) && *v)
		w = snprintf(out, n, "%s/.local/state/rel", v);
	else
		return rel_err_set(err, REL_EUSAGE,
		    "no state directory: use --state DIR or set REL_STATE_DIR");
	if (w < 0 || (size_t)w >= n)
		return rel_err_set(err, REL_EUSAGE,
		    "state directory path is too long");
	return 0;
}

static int
mkdir_p(const char *path, struct rel_err *err)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len >= sizeof buf)
		return rel_err_set(err, REL_EUSAGE, "%s: path too long", path);
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(buf, REL_DIR_MODE) < 0 && errno != EEXIST)
				return rel_err_errno(err,
				    "cannot make state directory %s", buf);
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

const char *
rel_store_holder(struct rel_store *st)
{
	const char *user = getenv("USER");
	struct passwd *pw;
	char host[256];

	if (st->holder[0])
		return st->holder;
	/* Only now: getpwuid may ask a name service, which costs. */
	if ((!user || !*user) && (pw = getpwuid(getuid())))
		user = pw->pw_name;
	if (gethostname(host, sizeof host) < 0)
		strcpy(host, "?");
	host[sizeof host - 1] = '\0';
	snprintf(st->holder, sizeof st->holder,
	    "%s (pid %ld, user %s, host %.64s)", st->prog, (long)getpid(),
	    user && *user ? user : "?", host);
	return st->holder;
}

int
rel_store_open(struct rel_store *st, const char *dir, int create,
    const char *prog, struct rel_err *err)
{
	st->fd = -1;
	st->wait_ms = REL_WAIT_DEFAULT_MS;
	st->holder[0] = '\0';
	snprintf(st->prog, sizeof st->prog, "%s", prog);
	if (strlen(dir) >= sizeof st->root)
		return rel_err_set(err, REL_EUSAGE, "%s: path too long", dir);
	strcpy(st->root, dir);
	st->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->fd < 0 && errno == ENOENT && create) {
		int rc = mkdir_p(dir, err);

		if (rc)
			return rc;
		st->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (st->fd < 0) {
		if (errno == ENOENT && !create)
			return 0; /* an empty store */
		return rel_err_errno(err, "cannot open state directory %s",
		    dir);
	}
	return 0;
}

void
rel_store_close(struct rel_store *st)
{
	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

int
rel_store_products(struct rel_store *st, char (**names)[REL_NAME_MAX + 1],
    size_t *n, struct rel_err *err)
{
	char (*v)[REL_NAME_MAX + 1] = NULL;
	size_t cap = 0;
	struct dirent *de;
	DIR *d;
	int fd;

	*names = NULL;
	*n = 0;
	if (st->fd < 0)
		return 0;
	fd = openat(st->fd, "products", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return rel_err_errno(err, "cannot open %s/products", st->root);
	}
	if (!(d = fdopendir(fd))) {
		close(fd);
		return rel_err_errno(err, "cannot read %s/products", st->root);
	}
	while ((de = readdir(d))) {
		if (!rel_name_ok(de->d_name) ||
		    rel_product_check(de->d_name, NULL))
			continue;
		if (*n == cap) {
			char (*nv)[REL_NAME_MAX + 1];

			cap = cap ? cap * 2 : 16;
			if (!(nv = realloc(v, cap * sizeof *v))) {
				free(v);
				closedir(d);
				return rel_err_set(err, REL_ESYS, "out of memory");
			}
			v = nv;
		}
		strcpy(v[(*n)++], de->d_name);
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof *v, cmp_names);
	*names = v;
	return 0;
}

void
rel_product_path(const struct rel_product *p, const char *sub, char *out,
    size_t n)
{
	snprintf(out, n, "%s/products/%s%s%s", p->st->root, p->name,
	    sub && *sub ? "/" : "", sub ? sub : "");
}

int
rel_product_exists(struct rel_store *st, const char *name)
{
	char path[REL_NAME_MAX + 32];
	struct stat sb;

	if (st->fd < 0 || !rel_name_ok(name))
		return 0;
	snprintf(path, sizeof path, "products/%s", name);
	return fstatat(st->fd, path, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(sb.st_mode);
}

int
rel_product_open(struct rel_store *st, const char *name, int create,
    struct rel_product *p, struct rel_err *err)
{
	char path[4300];
	int prods, rc;

	memset(p, 0, sizeof *p);
	p->st = st;
	p->dir = p->releases = p->index = -1;
	p->lock.fd = -1;
	if ((rc = rel_product_check(name, err)) != 0)
		return rc;
	strcpy(p->name, name);
	if (st->fd < 0)
		return rel_err_set(err, REL_ENOTFOUND,
		    "no product '%s': the state directory %s does not exist",
		    name, st->root);
	snprintf(path, sizeof path, "%s/products", st->root);
	if ((rc = rel_dir_open(st->fd, "products", create, path, &prods, err)))
		goto notfound;
	rel_product_path(p, NULL, path, sizeof path);
	rc = rel_dir_open(prods, name, create, path, &p->dir, err);
	close(prods);
	if (rc)
		goto notfound;
	rel_product_path(p, "releases", path, sizeof path);
	if ((rc = rel_dir_open(p->dir, "releases", 1, path, &p->releases, err))) {
		rel_product_close(p);
		return rc;
	}
	return 0;
notfound:
	if (rc == REL_ENOTFOUND)
		return rel_err_set(err, REL_ENOTFOUND, "no product '%s' in %s",
		    name, st->root);
	return rc;
}

void
rel_product_close(struct rel_product *p)
{
	if (p->dir >= 0)
		close(p->dir);
	if (p->releases >= 0)
		close(p->releases);
	if (p->index >= 0)
		close(p->index);
	rel_lock_release(&p->lock);
	p->dir = p->releases = p->index = -1;
	p->locked = 0;
}

int
rel_product_lock(struct rel_product *p, struct rel_err *err)
{
	char name[REL_NAME_MAX + 8], path[4300];
	int locks, rc;

	if (p->locked++)
		return 0;
	snprintf(name, sizeof name, "%s.lock", p->name);
	snprintf(path, sizeof path, "%s/locks/%s", p->st->root, name);
	if (p->lock.fd >= 0) {
		struct stat a, b;
		char rel[REL_NAME_MAX + 16];

		/* Its file is open from the last time; it must still be the
		 * lock file (one removed and made again is another lock). */
		rc = rel_lock_take(-1, name, path, p->st->wait_ms,
		    rel_store_holder(p->st), &p->lock, err);
		if (rc) {
			p->locked = 0;
			return rc;
		}
		snprintf(rel, sizeof rel, "locks/%s", name);
		if (fstat(p->lock.fd, &a) == 0 &&
		    fstatat(p->st->fd, rel, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return 0;
		rel_lock_release(&p->lock);
	}
	snprintf(path, sizeof path, "%s/locks", p->st->root);
	if ((rc = rel_dir_open(p->st->fd, "locks", 1, path, &locks, err))) {
		p->locked = 0;
		return rc;
	}
	snprintf(path, sizeof path, "%s/locks/%s", p->st->root, name);
	rc = rel_lock_take(locks, name, path, p->st->wait_ms,
	    rel_store_holder(p->st), &p->lock, err);
	close(locks);
	if (rc)
		p->locked = 0;
	return rc;
}

void
rel_product_unlock(struct rel_product *p)
{
	if (p->locked > 0 && --p->locked == 0)
		rel_lock_unlock(&p->lock);
}

static void
record_name(const struct rel_product *p, unsigned long n, char *out, size_t sz)
{
	snprintf(out, sz, "%s-%lu", p->name, n);
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
	record_name(p, n, name, sizeof name);
	rel_product_path(p, "releases/", path, sizeof path);
	strncat(path, name, sizeof path - strlen(path) - 1);
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

int
rel_release_open(struct rel_store *st, const char *id, struct rel_product *p,
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
	if ((rc = rel_release_load(p, n, out, err)) != 0)
		rel_product_close(p);
	return rc;
}

int
rel_product_last(struct rel_product *p, unsigned long *n, struct rel_err *err)
{
	unsigned long last = rel_index_last(p);

	/* The index may lag the records after a crash; never lead them. */
	while (last > 0 && !rel_release_exists(p, last))
		last--;
	if (last == 0) {
		/* No usable index: find the highest record by listing. */
		DIR *d;
		struct dirent *de;
		int fd = dup(p->releases);
		size_t plen = strlen(p->name);

		if (fd < 0 || !(d = fdopendir(fd))) {
			if (fd >= 0)
				close(fd);
			return rel_err_errno(err, "cannot list releases of %s",
			    p->name);
		}
		while ((de = readdir(d))) {
			char *end;
			unsigned long v;

			if (strncmp(de->d_name, p->name, plen) ||
			    de->d_name[plen] != '-' || de->d_name[plen + 1] < '1' ||
			    de->d_name[plen + 1] > '9')
				continue;
			v = strtoul(de->d_name + plen + 1, &end, 10);
			if (!*end && v > last)
				last = v;
		}
		closedir(d);
	}
	while (rel_release_exists(p, last + 1))
		last++;
	*n = last;
	return 0;
}

int
rel_release_create(struct rel_product *p, rel_header_fn build, void *arg,
    unsigned long *n, struct rel_err *err)
{
	struct rel_buf rec = REL_BUF_INIT;
	char name[REL_ID_MAX + 1], path[4400], tmp[64];
	unsigned long next;
	int rc, exists;

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
	if ((rc = rel_product_last(p, &next, err)) != 0)
		goto out;
	for (;;) {
		struct rel_release *r;

		next++;
		record_name(p, next, name, sizeof name);
		rel_product_path(p, "releases/", path, sizeof path);
		strncat(path, name, sizeof path - strlen(path) - 1);
		if ((rc = rel_file_temp_link(p->releases, tmp, name, &exists,
		    path, err)))
			goto out;
		if (exists)
			continue; /* made behind our back: take the next */
		*n = next;
		/* The record is on disk: the release exists.  The index is
		 * a convenience from here on; its failure is not fatal. */
		if (rel_release_parse(&rec, path, &r, NULL) == 0) {
			if (rel_index_put(p, r, NULL) == 0)
				rel_index_set_last(p, next, NULL);
			rel_release_free(r);
		}
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
	struct rel_release *r = *rp;
	struct rel_buf lines = REL_BUF_INIT;
	char name[REL_ID_MAX + 1], path[4400];
	struct stat sb;
	int rc, fd = -1, summary;

	if ((rc = rel_product_lock(p, err)) != 0)
		return rc;
	record_name(p, n, name, sizeof name);
	rel_product_path(p, "releases/", path, sizeof path);
	strncat(path, name, sizeof path - strlen(path) - 1);
	if ((rc = rel_file_open_rw(p->releases, name, path, &fd, err)) != 0) {
		if (rc == REL_ENOTFOUND)
			rel_err_set(err, REL_ENOTFOUND, "no release '%s' in %s",
			    name, p->st->root);
		fd = -1;
		goto out;
	}
	/* The caller's copy is the record if nothing was added since: the
	 * record only grows, and only under this lock.  Else read it. */
	if (fstat(fd, &sb) < 0 || !r || r->n != n || r->torn ||
	    (off_t)r->record_size != sb.st_size) {
		rel_release_free(r);
		*rp = r = NULL;
		if ((rc = rel_release_load(p, n, &r, err)) != 0)
			goto out;
		*rp = r;
	}
	if ((rc = fn(r, &lines, arg, err)) != 0)
		goto out;
	if (lines.oom) {
		rc = rel_err_set(err, REL_ESYS, "out of memory");
		goto out;
	}
	if (lines.len == 0)
		goto out;
	/* From here r becomes the release after the lines; if they cannot
	 * be written, it is marked to be read again before any other use
	 * as the record (it holds lines the record does not). */
	if ((rc = rel_release_extend(r, lines.s, lines.len, err)) != 0)
		goto drop;
	/* Keep the release's own status changes in its history too. */
	if (r->status != r->recorded && r->ntr > 0) {
		const struct rel_transition *t = &r->tr[r->ntr - 1];
		struct rel_buf more = REL_BUF_INIT;

		rel_tr_line(&more, t->time, t->who, "-",
		    rel_status_name(r->recorded), rel_status_name(r->status),
		    t->attempt, "", "");
		rel_buf_add(&lines, more.s, more.len);
		rc = more.oom || lines.oom ? rel_err_set(err, REL_ESYS,
		    "out of memory") : rel_release_extend(r, more.s, more.len,
		    err);
		rel_buf_free(&more);
		if (rc)
			goto drop;
	}
	summary = touches_summary(lines.s, lines.len);
	if (summary && (rc = rel_index_dirty(p, n, err)) != 0)
		goto drop;
	if ((rc = rel_journal_append(fd, lines.s, lines.len, sync, path, err)))
		goto drop;
	if (summary)
		rel_index_put(p, r, NULL);
	goto out;
drop:
	r->torn = 1;
out:
	if (fd >= 0)
		close(fd);
	rel_buf_free(&lines);
	rel_product_unlock(p);
	return rc;
}

int
rel_flow_store(struct rel_product *p, const char *data, size_t len,
    char hash[65], struct rel_err *err)
{
	char name[80], path[4400];
	struct stat sb;
	int dir, rc, exists;

	rel_sha256_hex(data, len, hash);
	rel_product_path(p, "flows", path, sizeof path);
	if ((rc = rel_dir_open(p->dir, "flows", 1, path, &dir, err)) != 0)
		return rc;
	snprintf(name, sizeof name, "%s.yaml", hash);
	strncat(path, "/", sizeof path - strlen(path) - 1);
	strncat(path, name, sizeof path - strlen(path) - 1);
	if (fstatat(dir, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(sb.st_mode) && (size_t)sb.st_size == len) {
		struct rel_buf have = REL_BUF_INIT;
		int same = rel_file_read(dir, name, path, len, &have, NULL) == 0 &&
		    have.len == len && (len == 0 || !memcmp(have.s, data, len));

		rel_buf_free(&have);
		if (same) {
			close(dir);
			return 0; /* the same content is there already */
		}
	}
	rc = rel_file_write_atomic(dir, name, data, len, 0, &exists, path, err);
	close(dir);
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
