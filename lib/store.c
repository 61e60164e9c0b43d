/*
 * store.c - the state directory, products and the product lock.
 *
 * A product's directories are opened without following links and kept
 * open (openat-relative from then on); its lock file too, between takes,
 * since a runner takes the lock at every transition.
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

#include "io.h"
#include "store.h"

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
	st->net_ms = 0;
	st->holder[0] = '\0';
	st->written = NULL;
	st->written_arg = NULL;
	st->pub = NULL;
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
		if (REL_GROW(v, *n + 1, cap) < 0) {
			free(v);
			closedir(d);
			return rel_err_set(err, REL_ESYS, "out of memory");
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
rel_product_prune(struct rel_store *st, const char *name)
{
	static const char *const sub[] = { "releases", "flows", "envs" };
	struct rel_product p;
	int prods;

	if (rel_product_open(st, name, 0, &p, NULL) != 0)
		return;
	if (rel_product_lock(&p, NULL) == 0) {
		int empty = 1;

		for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++)
			if (unlinkat(p.dir, sub[i], AT_REMOVEDIR) != 0 &&
			    errno != ENOENT)
				empty = 0;
		prods = openat(st->fd, "products", O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		if (empty && prods >= 0)
			unlinkat(prods, name, AT_REMOVEDIR);
		if (prods >= 0)
			close(prods);
		rel_product_unlock(&p);
	}
	rel_product_close(&p);
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

int
rel_machine_id(struct rel_store *st, char out[REL_MACHINE_ID_LEN + 1],
    struct rel_err *err)
{
	struct rel_buf b = REL_BUF_INIT;
	unsigned char raw[REL_MACHINE_ID_LEN / 2];
	char path[4200], line[REL_MACHINE_ID_LEN + 2];
	int rc, fd, exists = 0;

	snprintf(path, sizeof path, "%s/%s", st->root, REL_MACHINE_FILE);
	for (int tries = 0; tries < 2; tries++) {
		rc = rel_file_read(st->fd, REL_MACHINE_FILE, path, 256, &b,
		    err);
		if (rc == 0) {
			if (b.len == REL_MACHINE_ID_LEN + 1 &&
			    b.s[REL_MACHINE_ID_LEN] == '\n' &&
			    strspn(b.s, "0123456789abcdef") ==
			    REL_MACHINE_ID_LEN) {
				memcpy(out, b.s, REL_MACHINE_ID_LEN);
				out[REL_MACHINE_ID_LEN] = '\0';
				rel_buf_free(&b);
				return 0;
			}
			rel_buf_free(&b);
			return rel_err_set(err, REL_ESYS, "%s: damaged machine "
			    "id (expected %d hexadecimal digits)", path,
			    REL_MACHINE_ID_LEN);
		}
		rel_buf_free(&b);
		if (rc != REL_ENOTFOUND)
			return rc;
		rel_err_clear(err);
		if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) < 0)
			return rel_err_errno(err, "cannot open /dev/urandom");
		if (read(fd, raw, sizeof raw) != (ssize_t)sizeof raw) {
			close(fd);
			return rel_err_set(err, REL_ESYS,
			    "cannot read /dev/urandom");
		}
		close(fd);
		for (size_t i = 0; i < sizeof raw; i++)
			snprintf(line + 2 * i, 3, "%02x", raw[i]);
		line[REL_MACHINE_ID_LEN] = '\n';
		line[REL_MACHINE_ID_LEN + 1] = '\0';
		/* Exclusive: two first commands at once agree on one id. */
		if ((rc = rel_file_write_atomic(st->fd, REL_MACHINE_FILE, line,
		    REL_MACHINE_ID_LEN + 1, 1, &exists, path, err)) != 0)
			return rc;
	}
	return rel_err_set(err, REL_ESYS, "%s: cannot be read", path);
}
