/*
 * replica.c - STATE/git, the machine id, and commits built without a
 * work tree (see replica.h).
 *
 * A commit is made from a parent and a list of file changes with
 * git_tree_create_updated: only the trees on the changed paths are
 * written again, a handful of small ones thanks to the buckets.  Many
 * changes at once (publishing a whole store) go through an in-memory
 * object store dumped as one pack, rather than thousands of loose
 * objects each synced on its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bucket.h"
#include "io.h"
#include "lock.h"
#include "replica.h"

#define BULK_CHANGES 64        /* more than this: one pack */

int
rel_replica_open(struct rel_replica *r, struct rel_store *st,
    const char *url, struct rel_err *err)
{
	struct rel_lock lk = REL_LOCK_INIT;
	char path[4300];
	int rc, locks;

	memset(r, 0, sizeof *r);
	r->st = st;
	snprintf(r->url, sizeof r->url, "%s", url ? url : "");
	snprintf(r->gitdir, sizeof r->gitdir, "%s/%s", st->root, REL_GIT_DIR);
	if ((rc = rel_lg2_load(&r->g, err)) != 0)
		return rc;
	if (st->fd >= 0 && r->g.repository_open_bare(&r->repo, r->gitdir) == 0) {
		if ((rc = rel_machine_id(st, r->machine, err)) == 0)
			return 0;
		rel_replica_close(r);
		return rc;
	}
	if (r->url[0] && (rc = rel_remote_probe(r, err)) != 0)
		goto fail;
	if (st->fd < 0) {
		char root[sizeof st->root], prog[sizeof st->prog];
		const struct rel_publisher *pub = st->pub;
		int wait = st->wait_ms;

		memcpy(root, st->root, sizeof root);
		memcpy(prog, st->prog, sizeof prog);
		rc = rel_store_open(st, root, 1, prog, err);
		st->pub = pub;
		st->wait_ms = wait;
		if (rc != 0)
			goto fail;
	}
	if ((rc = rel_machine_id(st, r->machine, err)) != 0)
		goto fail;
	/* No repository yet: make it, one process at a time. */
	snprintf(path, sizeof path, "%s/locks", st->root);
	if ((rc = rel_dir_open(st->fd, "locks", 1, path, &locks, err)))
		goto fail;
	snprintf(path, sizeof path, "%s/locks/git.lock", st->root);
	rc = rel_lock_take(locks, "git.lock", path, st->wait_ms,
	    rel_store_holder(st), &lk, err);
	close(locks);
	if (rc)
		goto fail;
	if (r->g.repository_open_bare(&r->repo, r->gitdir) < 0 &&
	    r->g.repository_init(&r->repo, r->gitdir, 1) < 0)
		rc = rel_err_set(err, REL_ESYS, "cannot make the repository "
		    "%s: %s", r->gitdir, rel_lg2_msg(&r->g));
	rel_lock_release(&lk);
	if (rc == 0)
		return 0;
fail:
	rel_lg2_unload(&r->g);
	return rc;
}

void
rel_replica_close(struct rel_replica *r)
{
	if (r->repo)
		r->g.repository_free(r->repo);
	r->repo = NULL;
	rel_lg2_unload(&r->g);
}

static void
branch(const char *product, char *out, size_t n)
{
	snprintf(out, n, "refs/heads/rel/%s", product);
}

int
rel_replica_tip(struct rel_replica *r, const char *product, git_oid *out,
    int *found, struct rel_err *err)
{
	char ref[REL_NAME_MAX + 32];
	int g;

	branch(product, ref, sizeof ref);
	*found = 0;
	g = r->g.reference_name_to_id(out, r->repo, ref);
	if (g == GIT_ENOTFOUND) {
		memset(out, 0, sizeof *out);
		return 0;
	}
	if (g < 0)
		return rel_err_set(err, REL_ESYS, "%s: cannot read %s: %s",
		    r->gitdir, ref, rel_lg2_msg(&r->g));
	*found = 1;
	return 0;
}

int
rel_replica_set_tip(struct rel_replica *r, const char *product,
    const git_oid *id, const git_oid *old, struct rel_err *err)
{
	git_reference *ref = NULL;
	git_oid zero;
	char name[REL_NAME_MAX + 32];
	int g;

	memset(&zero, 0, sizeof zero);
	branch(product, name, sizeof name);
	g = r->g.reference_create_matching(&ref, r->repo, name, id, 1,
	    old ? old : &zero, "rel-sync");
	if (g == GIT_ELOCKED) {
		/* This branch moves here only under the product lock, which
		 * the caller holds: a lock file of it is one a process killed
		 * while moving it left behind.  Left there, it would refuse
		 * every change of the product from now on. */
		char lk[sizeof r->gitdir + REL_NAME_MAX + 40];

		snprintf(lk, sizeof lk, "%s/%s.lock", r->gitdir, name);
		if (unlink(lk) == 0 || errno == ENOENT)
			g = r->g.reference_create_matching(&ref, r->repo, name,
			    id, 1, old ? old : &zero, "rel-sync");
	}
	if (ref)
		r->g.reference_free(ref);
	if (g < 0)
		return rel_err_set(err, REL_ESYS, "%s: cannot move %s: %s",
		    r->gitdir, name, rel_lg2_msg(&r->g));
	return 0;
}

/* A name or free text fit for a signature: no angle brackets. */
static void
sig_text(const char *s, char *out, size_t n)
{
	size_t i = 0;

	for (; *s && i + 1 < n; s++)
		out[i++] = *s == '<' || *s == '>' || (unsigned char)*s < 0x20 ?
		    '_' : *s;
	out[i] = '\0';
	if (!i)
		snprintf(out, n, "unknown");
}

/* The changes' objects and the commit, in repo (the replica's own, or
 * one whose writes go to memory). */
static int
build(struct rel_replica *r, git_repository *repo, const char *product,
    const git_oid *parent, const struct rel_change *ch, size_t n,
    const char *author, const char *message, git_oid *out,
    struct rel_err *err)
{
	struct rel_lg2 *g = &r->g;
	git_commit *pc = NULL;
	git_tree *base = NULL, *tree = NULL;
	git_tree_update *up = NULL;
	git_signature *as = NULL, *cs = NULL;
	char (*paths)[REL_GITPATH_MAX] = NULL, name[REL_TEXT_MAX + 1];
	struct rel_buf joined = REL_BUF_INIT;
	git_oid treeid;
	int rc = 0;

	if (n && (!(up = calloc(n, sizeof *up)) ||
	    !(paths = calloc(n, sizeof *paths)))) {
		rc = rel_err_set(err, REL_ESYS, "out of memory");
		goto out;
	}
	if (parent && (g->commit_lookup(&pc, repo, parent) < 0 ||
	    g->commit_tree(&base, pc) < 0)) {
		rc = rel_err_set(err, REL_ESYS, "%s: cannot read the tip of "
		    "rel/%s: %s", r->gitdir, product, rel_lg2_msg(g));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const void *data = ch[i].data;
		size_t len = ch[i].len;

		if (rel_bucket_to_git(product, ch[i].path, paths[i],
		    sizeof paths[i], NULL, NULL)) {
			rc = rel_err_set(err, REL_ESYS, "products/%s/%s: not a "
			    "file rel shares", product, ch[i].path);
			goto out;
		}
		if (ch[i].append && base) {
			git_tree_entry *e = NULL;
			git_blob *b = NULL;

			if (g->tree_entry_bypath(&e, base, paths[i]) == 0) {
				if (g->blob_lookup(&b, repo,
				    g->tree_entry_id(e)) < 0) {
					g->tree_entry_free(e);
					rc = rel_err_set(err, REL_ESYS, "%s: "
					    "cannot read %s of rel/%s: %s",
					    r->gitdir, paths[i], product,
					    rel_lg2_msg(g));
					goto out;
				}
				rel_buf_reset(&joined);
				rel_buf_add(&joined, g->blob_rawcontent(b),
				    (size_t)g->blob_rawsize(b));
				rel_buf_add(&joined, ch[i].data, ch[i].len);
				g->blob_free(b);
				g->tree_entry_free(e);
				if (joined.oom) {
					rc = rel_err_set(err, REL_ESYS,
					    "out of memory");
					goto out;
				}
				data = joined.s;
				len = joined.len;
			}
		}
		up[i].action = GIT_TREE_UPDATE_UPSERT;
		up[i].filemode = GIT_FILEMODE_BLOB;
		up[i].path = paths[i];
		if (g->blob_create_from_buffer(&up[i].id, repo, data, len) < 0) {
			rc = rel_err_set(err, REL_ESYS, "%s: cannot write an "
			    "object: %s", r->gitdir, rel_lg2_msg(g));
			goto out;
		}
	}
	if (g->tree_create_updated(&treeid, repo, base, n, up) < 0 ||
	    g->tree_lookup(&tree, repo, &treeid) < 0) {
		rc = rel_err_set(err, REL_ESYS, "%s: cannot make the tree of "
		    "rel/%s: %s", r->gitdir, product, rel_lg2_msg(g));
		goto out;
	}
	sig_text(author, name, sizeof name);
	if (g->signature_new(&as, name, r->machine, (git_time_t)time(NULL),
	    0) < 0 || g->signature_new(&cs, "rel", r->machine,
	    (git_time_t)time(NULL), 0) < 0) {
		rc = rel_err_set(err, REL_ESYS, "cannot sign a commit: %s",
		    rel_lg2_msg(g));
		goto out;
	}
	{
		const git_commit *parents[1] = { pc };

		if (g->commit_create(out, repo, NULL, as, cs, NULL, message,
		    tree, pc ? 1 : 0, parents) < 0)
			rc = rel_err_set(err, REL_ESYS, "%s: cannot make a "
			    "commit: %s", r->gitdir, rel_lg2_msg(g));
	}
out:
	if (as)
		g->signature_free(as);
	if (cs)
		g->signature_free(cs);
	if (tree)
		g->tree_free(tree);
	if (base)
		g->tree_free(base);
	if (pc)
		g->commit_free(pc);
	rel_buf_free(&joined);
	free(up);
	free(paths);
	return rc;
}

/* Write the pack in buf into the replica's object store. */
static int
write_pack(struct rel_replica *r, const git_buf *buf, struct rel_err *err)
{
	struct rel_lg2 *g = &r->g;
	git_odb *odb = NULL;
	git_odb_writepack *wp = NULL;
	git_indexer_progress stats;
	int rc = 0;

	memset(&stats, 0, sizeof stats);
	if (g->repository_odb(&odb, r->repo) < 0 ||
	    g->odb_write_pack(&wp, odb, NULL, NULL) < 0 ||
	    wp->append(wp, buf->ptr, buf->size, &stats) < 0 ||
	    wp->commit(wp, &stats) < 0)
		rc = rel_err_set(err, REL_ESYS, "%s: cannot write a pack: %s",
		    r->gitdir, rel_lg2_msg(g));
	if (wp)
		wp->free(wp);
	if (odb)
		g->odb_free(odb);
	return rc;
}

int
rel_replica_commit(struct rel_replica *r, const char *product,
    const git_oid *parent, const struct rel_change *ch, size_t n,
    const char *author, const char *message, git_oid *out,
    struct rel_err *err)
{
	struct rel_lg2 *g = &r->g;
	git_repository *mem = NULL;
	git_odb *odb = NULL;
	git_odb_backend *mp = NULL;
	git_buf pack = { NULL, 0, 0 };
	int rc, added = 0;

	if (n <= BULK_CHANGES)
		return build(r, r->repo, product, parent, ch, n, author,
		    message, out, err);
	/* A second handle whose writes all go to memory (the backend of
	 * highest priority), dumped as one pack into the replica. */
	if (g->repository_open_bare(&mem, r->gitdir) < 0 ||
	    g->repository_odb(&odb, mem) < 0 || g->mempack_new(&mp) < 0 ||
	    (added = g->odb_add_backend(odb, mp, 999) == 0) == 0) {
		rc = rel_err_set(err, REL_ESYS, "%s: %s", r->gitdir,
		    rel_lg2_msg(g));
		if (mp && !added)
			mp->free(mp);
		goto out;
	}
	if ((rc = build(r, mem, product, parent, ch, n, author, message, out,
	    err)) != 0)
		goto out;
	if (g->mempack_dump(&pack, mem, mp) < 0) {
		rc = rel_err_set(err, REL_ESYS, "%s: cannot pack: %s",
		    r->gitdir, rel_lg2_msg(g));
		goto out;
	}
	rc = write_pack(r, &pack, err);
	g->mempack_reset(mp);
out:
	g->buf_dispose(&pack);
	if (odb)
		g->odb_free(odb);
	if (mem)
		g->repository_free(mem);
	return rc;
}
