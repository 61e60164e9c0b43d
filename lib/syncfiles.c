/*
 * syncfiles.c - a product's files against its branch (see syncfiles.h).
 */
#define _XOPEN_SOURCE 700      /* sync(): XSI, in POSIX.1-2008 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index.h"
#include "io.h"
#include "journal.h"
#include "record.h"
#include "syncfiles.h"

#define LOG_READ_MAX (1L << 30)
#define BULK_RECORDS 64        /* more records than this: rebuild the index */

struct changes {
	struct rel_replica *r;
	struct rel_product *p;
	git_tree *tree;
	git_odb *odb;
	int strict;
	struct rel_change *v;
	size_t n, cap;
};

void
rel_changes_free(struct rel_change *ch, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)ch[i].path);
		free((char *)ch[i].data);
	}
	free(ch);
}

static int
add_change(struct changes *c, const char *path, char *data, size_t len,
    int append, struct rel_err *err)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct rel_change *v = realloc(c->v, cap * sizeof *v);

		if (!v)
			goto oom;
		c->v = v;
		c->cap = cap;
	}
	if (!(c->v[c->n].path = strdup(path)))
		goto oom;
	c->v[c->n].data = data;
	c->v[c->n].len = len;
	c->v[c->n].append = append;
	c->n++;
	return 0;
oom:
	free(data);
	return rel_err_set(err, REL_ESYS, "out of memory");
}

/* One local file (path under the product, name in dirfd) against the
 * tree. */
static int
one_file(struct changes *c, int dirfd, const char *name, const char *path,
    struct rel_err *err)
{
	struct rel_lg2 *g = &c->r->g;
	char gitpath[REL_GITPATH_MAX], full[4600];
	enum rel_file_kind kind;
	git_tree_entry *e = NULL;
	struct rel_buf local = REL_BUF_INIT;
	struct stat sb;
	size_t have = 0;
	int rc, in_tree = 0;

	if (rel_bucket_to_git(c->p->name, path, gitpath, sizeof gitpath,
	    &kind, NULL))
		return 0; /* not shared */
	rel_product_path(c->p, path, full, sizeof full);
	if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return rel_err_errno(err, "cannot stat %s", full);
	if (!S_ISREG(sb.st_mode))
		return rel_err_set(err, REL_ESYS, "%s: not a regular file",
		    full);
	if (c->tree && g->tree_entry_bypath(&e, c->tree, gitpath) == 0) {
		git_object_t type;

		rc = g->odb_read_header(&have, &type, c->odb,
		    g->tree_entry_id(e));
		if (rc < 0) {
			g->tree_entry_free(e);
			return rel_err_set(err, REL_ESYS, "%s: cannot read %s: "
			    "%s", c->r->gitdir, gitpath, rel_lg2_msg(g));
		}
		in_tree = 1;
		/* Records only grow, flow copies never change: a file of
		 * the tip's size is the tip's file. */
		if ((size_t)sb.st_size == have && !c->strict) {
			g->tree_entry_free(e);
			return 0;
		}
	}
	rc = rel_file_read(dirfd, name, full, kind == REL_FILE_LOG ?
	    LOG_READ_MAX : REL_JOURNAL_FILE_MAX, &local, err);
	if (rc == 0 && local.oom)
		rc = rel_err_set(err, REL_ESYS, "out of memory");
	if (rc == 0 && in_tree && local.len == have) {
		git_oid id;

		if (g->odb_hash(&id, local.s ? local.s : "", local.len,
		    GIT_OBJECT_BLOB) < 0) {
			rc = rel_err_set(err, REL_ESYS, "%s: %s", full,
			    rel_lg2_msg(g));
			goto out;
		}
		if (rel_oid_eq(&id, g->tree_entry_id(e)))
			goto out; /* the same file */
	}
	if (rc == 0 && in_tree) {
		git_blob *b = NULL;
		int prefix;

		if (g->blob_lookup(&b, c->r->repo, g->tree_entry_id(e)) < 0) {
			rc = rel_err_set(err, REL_ESYS, "%s: cannot read %s: %s",
			    c->r->gitdir, gitpath, rel_lg2_msg(g));
			goto out;
		}
		prefix = local.len > have && kind != REL_FILE_FLOW &&
		    !memcmp(local.s, g->blob_rawcontent(b), have);
		g->blob_free(b);
		if (prefix) {
			char *more = malloc(local.len - have);

			if (!more) {
				rc = rel_err_set(err, REL_ESYS, "out of memory");
				goto out;
			}
			memcpy(more, local.s + have, local.len - have);
			rc = add_change(c, path, more, local.len - have, 1,
			    err);
			goto out;
		}
		if (kind != REL_FILE_LOG) {
			rc = rel_err_set(err, REL_ESYS, "%s: differs from the "
			    "shared history (%zu bytes here, %zu there) and is "
			    "not that plus lines added: see rel-status --check",
			    full, local.len, have);
			goto out;
		}
	}
	if (rc == 0) {
		/* The buffer becomes the change's. */
		rc = add_change(c, path, local.s ? local.s : strdup(""),
		    local.len, 0, err);
		local.s = NULL;
	}
out:
	if (e)
		g->tree_entry_free(e);
	rel_buf_free(&local);
	return rc;
}

/* Every file of directory `sub` (under the product), depth levels down
 * (logs: ID/ENV/FILE is 3). */
static int
walk(struct changes *c, int parent, const char *sub, int depth,
    struct rel_err *err)
{
	char full[4600], path[1024];
	struct dirent *de;
	DIR *d;
	int fd, rc = 0;

	rel_product_path(c->p, sub, full, sizeof full);
	rc = rel_dir_open(parent, strrchr(sub, '/') ? strrchr(sub, '/') + 1 :
	    sub, 0, full, &fd, err);
	if (rc == REL_ENOTFOUND) {
		rel_err_clear(err);
		return 0;
	}
	if (rc)
		return rc;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return rel_err_errno(err, "cannot read %s", full);
	}
	while (rc == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue; /* . .. and temporary files */
		if (snprintf(path, sizeof path, "%s/%s", sub, de->d_name) >=
		    (int)sizeof path)
			continue;
		if (depth > 1) {
			struct stat sb;

			/* logs/ID/ENV/: what is not a directory there is
			 * nothing rel shares. */
			if (fstatat(dirfd(d), de->d_name, &sb,
			    AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode))
				rc = walk(c, dirfd(d), path, depth - 1, err);
		} else
			rc = one_file(c, dirfd(d), de->d_name, path, err);
	}
	closedir(d);
	return rc;
}

int
rel_sync_changes(struct rel_replica *r, struct rel_product *p,
    const git_oid *tip, int strict, struct rel_change **ch, size_t *n,
    struct rel_err *err)
{
	struct rel_lg2 *g = &r->g;
	struct changes c;
	git_commit *commit = NULL;
	int rc = 0;

	*ch = NULL;
	*n = 0;
	memset(&c, 0, sizeof c);
	c.r = r;
	c.p = p;
	c.strict = strict;
	if (g->repository_odb(&c.odb, r->repo) < 0 || (tip &&
	    (g->commit_lookup(&commit, r->repo, tip) < 0 ||
	    g->commit_tree(&c.tree, commit) < 0))) {
		rc = rel_err_set(err, REL_ESYS, "%s: cannot read rel/%s: %s",
		    r->gitdir, p->name, rel_lg2_msg(g));
		goto out;
	}
	if ((rc = walk(&c, p->dir, "flows", 1, err)) == 0 &&
	    (rc = walk(&c, p->dir, "releases", 1, err)) == 0 &&
	    (rc = walk(&c, p->dir, "envs", 1, err)) == 0)
		rc = walk(&c, p->dir, "logs", 3, err);
out:
	if (c.tree)
		g->tree_free(c.tree);
	if (commit)
		g->commit_free(commit);
	if (c.odb)
		g->odb_free(c.odb);
	if (rc) {
		rel_changes_free(c.v, c.n);
		return rc;
	}
	*ch = c.v;
	*n = c.n;
	return 0;
}

static int
tree_of(struct rel_replica *r, const git_oid *id, git_tree **out,
    struct rel_err *err)
{
	git_commit *c = NULL;
	int rc = 0;

	*out = NULL;
	if (!id)
		return 0;
	if (r->g.commit_lookup(&c, r->repo, id) < 0 ||
	    r->g.commit_tree(out, c) < 0)
		rc = rel_err_set(err, REL_ESYS, "%s: cannot read a commit: %s",
		    r->gitdir, rel_lg2_msg(&r->g));
	if (c)
		r->g.commit_free(c);
	return rc;
}

/* A whole-file write without the fsyncs, for writing out thousands of
 * files at once: temporary name, write, rename.  The caller syncs
 * everything once at the end, before it records the files as synced. */
static int
write_unsynced(int dirfd, const char *name, const void *data, size_t len,
    const char *path, struct rel_err *err)
{
	static const char prefix[] = ".tmp.sync.";
	char tmp[64];
	int fd, rc;

	snprintf(tmp, sizeof tmp, "%s%ld", prefix, (long)getpid());
	unlinkat(dirfd, tmp, 0);
	if ((fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, REL_FILE_MODE)) < 0)
		return rel_err_errno(err, "cannot create a file next to %s",
		    path);
	rc = rel_write_all(fd, data, len, path, err);
	if (close(fd) < 0 && rc == 0)
		rc = rel_err_errno(err, "cannot write %s", path);
	if (rc == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		rc = rel_err_errno(err, "cannot rename into %s", path);
	if (rc)
		unlinkat(dirfd, tmp, 0);
	return rc;
}

/* Write one file of the tip: path under the product, blob id. */
static int
write_file(struct rel_replica *r, struct rel_product *p, const char *path,
    const git_oid *id, enum rel_file_kind kind, unsigned long n, int bulk,
    struct rel_err *err)
{
	struct rel_lg2 *g = &r->g;
	const char *slash = strrchr(path, '/');
	char dir[1024], full[4600];
	git_blob *b = NULL;
	int fd = -1, rc, exists, index = kind == REL_FILE_RECORD && !bulk;

	snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	rel_product_path(p, dir, full, sizeof full);
	if ((rc = rel_dir_open_path(p->dir, dir, 1, full, &fd, err)) != 0)
		return rc;
	rel_product_path(p, path, full, sizeof full);
	if (g->blob_lookup(&b, r->repo, id) < 0) {
		rc = rel_err_set(err, REL_ESYS, "%s: cannot read the object of "
		    "%s: %s", r->gitdir, full, rel_lg2_msg(g));
		goto out;
	}
	/* As for any change of a record: the slot is dirty before the
	 * record changes, and clean again after. */
	if (index && (rc = rel_index_dirty(p, n, err)) != 0)
		goto out;
	if (bulk)
		rc = write_unsynced(fd, slash + 1, g->blob_rawcontent(b),
		    (size_t)g->blob_rawsize(b), full, err);
	else
		rc = rel_file_write_atomic(fd, slash + 1,
		    g->blob_rawcontent(b), (size_t)g->blob_rawsize(b), 0,
		    &exists, full, err);
	if (rc == 0 && index)
		rel_release_index(p, n, NULL);
out:
	if (b)
		g->blob_free(b);
	close(fd);
	return rc;
}

int
rel_sync_materialize(struct rel_replica *r, struct rel_product *p,
    const git_oid *from, const git_oid *to, size_t *files,
    struct rel_err *err)
{
	struct rel_lg2 *g = &r->g;
	git_tree *old = NULL, *new = NULL;
	git_diff *diff = NULL;
	size_t nd, records = 0;
	int rc, bulk;

	*files = 0;
	if ((rc = tree_of(r, from, &old, err)) != 0 ||
	    (rc = tree_of(r, to, &new, err)) != 0)
		goto out;
	if (g->diff_tree_to_tree(&diff, r->repo, old, new, NULL) < 0) {
		rc = rel_err_set(err, REL_ESYS, "%s: cannot compare commits of "
		    "rel/%s: %s", r->gitdir, p->name, rel_lg2_msg(g));
		goto out;
	}
	nd = g->diff_num_deltas(diff);
	for (size_t i = 0; i < nd; i++)
		if (!strncmp(g->diff_get_delta(diff, i)->new_file.path,
		    "releases/", 9))
			records++;
	bulk = !from || records > BULK_RECORDS;
	for (size_t i = 0; i < nd && rc == 0; i++) {
		const git_diff_delta *d = g->diff_get_delta(diff, i);
		char path[1024];
		enum rel_file_kind kind;
		unsigned long n;

		if (rel_bucket_from_git(p->name, d->new_file.path, path,
		    sizeof path, &kind, &n))
			continue; /* not a file this rel knows */
		if (d->status != GIT_DELTA_ADDED &&
		    d->status != GIT_DELTA_MODIFIED) {
			rc = rel_err_set(err, REL_ESYS, "rel/%s removes or "
			    "replaces %s, which rel never does: the remote's "
			    "history was made by something else", p->name,
			    d->new_file.path);
			break;
		}
		if ((rc = write_file(r, p, path, &d->new_file.id, kind, n,
		    bulk, err)) == 0)
			(*files)++;
	}
	/* One sync for all the files written without one (on Linux, sync()
	 * returns once the data is on disk), before anyone records them. */
	if (rc == 0 && bulk && *files > 0)
		sync();
	if (rc == 0 && bulk && records > 0) {
		unsigned long count;

		rc = rel_release_reindex(p, &count, err);
	}
out:
	if (diff)
		g->diff_free(diff);
	if (old)
		g->tree_free(old);
	if (new)
		g->tree_free(new);
	return rc;
}

static int
cache_dir(struct rel_product *p, int create, int *fd, struct rel_err *err)
{
	char rel[REL_NAME_MAX + 8], full[4400];

	snprintf(rel, sizeof rel, "cache/%s", p->name);
	snprintf(full, sizeof full, "%s/%s", p->st->root, rel);
	return rel_dir_open_path(p->st->fd, rel, create, full, fd, err);
}

int
rel_synced_read(struct rel_product *p, git_oid *id, int *found,
    struct rel_err *err)
{
	struct rel_buf b = REL_BUF_INIT;
	char full[4400];
	int fd, rc;

	*found = 0;
	memset(id, 0, sizeof *id);
	rc = cache_dir(p, 0, &fd, err);
	if (rc == 0) {
		snprintf(full, sizeof full, "%s/cache/%s/synced", p->st->root,
		    p->name);
		rc = rel_file_read(fd, "synced", full, 256, &b, err);
		close(fd);
		if (rc == 0 && (b.len != GIT_OID_HEXSZ + 1 ||
		    rel_oid_parse(id, b.s)))
			rc = rel_err_set(err, REL_ESYS, "%s: damaged (expected "
			    "a commit id)", full);
		else if (rc == 0)
			*found = 1;
	}
	rel_buf_free(&b);
	if (rc == REL_ENOTFOUND) {
		rel_err_clear(err);
		return 0;
	}
	return rc;
}

int
rel_synced_write(struct rel_product *p, const git_oid *id,
    struct rel_err *err)
{
	char hex[GIT_OID_HEXSZ + 2], full[4400];
	int fd, rc, exists;

	if ((rc = cache_dir(p, 1, &fd, err)) != 0)
		return rc;
	rel_oid_hex(id, hex);
	hex[GIT_OID_HEXSZ] = '\n';
	hex[GIT_OID_HEXSZ + 1] = '\0';
	snprintf(full, sizeof full, "%s/cache/%s/synced", p->st->root,
	    p->name);
	rc = rel_file_write_atomic(fd, "synced", hex, GIT_OID_HEXSZ + 1, 0,
	    &exists, full, err);
	close(fd);
	return rc;
}
