/*
 * gitnotes.c - the commits of a range, read from the repository itself
 * (gitrepo.c, gitodb.c) and walked over its commit-graph (gitwalk.c),
 * fed to the notes model, for rel-notes.
 *
 * No libgit2 here: its start-up alone (it loads every certificate of the
 * system to be ready for https) costs what reading thousands of commits
 * does, and more memory than `git log` needs for the whole range.  A
 * revision this library cannot resolve itself (an abbreviated id,
 * NAME~2, @{...}) is handed to the caller's resolver (rel-revparse).
 *
 * The range is found over the commit-graph when the repository has one,
 * so that nothing is read of the commits a base reaches.  While the walk
 * runs, a second thread checks the graph's checksum: a damaged graph is
 * never trusted, the walk is done again over the objects.  Then the
 * commits of the range are read (inflated) on two threads, in chunks
 * taken in order by whichever thread is free, and this thread parses
 * each in walk order into the model: the model sees the same commits in
 * the same order however the reading was shared.  At most WINDOW chunks
 * are read ahead of the one the model takes, which bounds the memory
 * held.
 *
 * Invariants: everything read is freed on every path, and both threads
 * are joined before this returns; an error names the repository and the
 * revision; a commit missing from the range is an error, with a hint
 * when the repository is shallow.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gitcommit.h"
#include "gitgraph.h"
#include "gitnotes.h"
#include "gitrepo.h"
#include "gitwalk.h"

#define HEXSZ REL_GIT_HEXSZ
#define CHUNK 32               /* commits a thread reads in one go */
#define WINDOW 64              /* chunks read ahead at most */
#define THREADED_FROM 256      /* fewer commits: one thread */

/* The commit rev names: here if we can, else by the walk's resolver. */
static int
resolve(const struct rel_git_walk *w, const struct rel_git_repo *repo,
    const char *rev, unsigned char oid[REL_GIT_RAWSZ], struct rel_err *err)
{
	char hex[HEXSZ + 1];
	int other, rc;

	rc = rel_git_repo_rev(repo, rev, oid, &other, err);
	if (rc != REL_ENOTFOUND || !other || !w->resolve)
		return rc;
	if ((rc = w->resolve(w->resolve_arg, w->repo, rev, hex, err)))
		return rc;
	if (rel_git_hex_to_oid(hex, oid) < 0)
		return rel_err_set(err, REL_ESYS, "revision '%s': no commit id "
		    "came back", rev);
	return 0;
}

/* "A..B" (A.. and ..B mean HEAD for the missing side, as in git), or
 * "B" alone: all of B's history (*have_base 0). */
static int
resolve_range(const struct rel_git_walk *w, const struct rel_git_repo *repo,
    unsigned char base[REL_GIT_RAWSZ], unsigned char head[REL_GIT_RAWSZ],
    int *have_base, struct rel_err *err)
{
	const char *range = w->range, *dots = strstr(range, "..");
	char left[1024], right[1024];
	int rc;

	if (strstr(range, "..."))
		return rel_err_set(err, REL_EUSAGE, "--range '%s': A...B is "
		    "not supported, give A..B", range);
	if (!dots) {
		*have_base = 0;
		rc = resolve(w, repo, range, head, err);
	} else if (dots == range && !dots[2]) {
		return rel_err_set(err, REL_EUSAGE, "--range '%s': expected "
		    "A..B or B", range);
	} else {
		snprintf(left, sizeof left, "%.*s", (int)(dots - range), range);
		snprintf(right, sizeof right, "%s", dots + 2);
		*have_base = 1;
		rc = resolve(w, repo, *left ? left : "HEAD", base, err);
		if (!rc)
			rc = resolve(w, repo, *right ? right : "HEAD", head,
			    err);
	}
	if (rc) {
		char why[REL_ERR_MAX];

		snprintf(why, sizeof why, "%s", err->msg);
		rel_err_set(err, rc, "range '%s' not found in %s (%s)", range,
		    w->repo, why);
	}
	return rc;
}

/* --- reading objects ------------------------------------------------ */

static int
odb_read(void *arg, const unsigned char *id, const char **data, size_t *len,
    void **obj, struct rel_err *err)
{
	enum rel_git_type t;
	char *d, hex[HEXSZ + 1];
	int rc;

	if ((rc = rel_git_odb_read(arg, id, &t, &d, len, err)))
		return rc;
	if (t != REL_GIT_COMMIT) {
		free(d);
		rel_git_oid_to_hex(id, hex);
		return rel_err_set(err, REL_ESYS, "object %s is not a commit",
		    hex);
	}
	*data = d;
	*obj = d;
	return 0;
}

static void
odb_release(void *arg, void *obj)
{
	(void)arg;
	free(obj);
}

/* The range's commits that the walk did not read, shared out in chunks
 * between this thread and a helper (see the top of the file). */
struct reading {
	struct rel_git_range *r;
	const struct rel_git_reader *rd;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t nchunks, next, taken;  /* next to read; taken by the model */
	unsigned char *done;          /* per chunk */
	int stop;
	int rc;                       /* the helper's error */
	struct rel_err err;
};

static int
read_chunk(struct reading *rd, size_t c, struct rel_err *err)
{
	size_t end = (c + 1) * CHUNK < rd->r->n ? (c + 1) * CHUNK : rd->r->n;
	int rc;

	for (size_t i = c * CHUNK; i < end; i++) {
		struct rel_git_found *f = &rd->r->v[i];

		if (!f->obj && (rc = rd->rd->read(rd->rd->arg, f->oid,
		    &f->data, &f->len, &f->obj, err)))
			return rc;
	}
	return 0;
}

static void *
helper(void *arg)
{
	struct reading *rd = arg;
	size_t c;
	int rc;

	pthread_mutex_lock(&rd->mu);
	for (;;) {
		while (!rd->stop && rd->next < rd->nchunks &&
		    rd->next >= rd->taken + WINDOW)
			pthread_cond_wait(&rd->cv, &rd->mu);
		if (rd->stop || rd->next >= rd->nchunks)
			break;
		c = rd->next++;
		pthread_mutex_unlock(&rd->mu);
		rc = read_chunk(rd, c, &rd->err);
		pthread_mutex_lock(&rd->mu);
		if (rc) {
			rd->rc = rc;
			rd->stop = 1;
		}
		rd->done[c] = 1;
		pthread_cond_broadcast(&rd->cv);
	}
	pthread_mutex_unlock(&rd->mu);
	return NULL;
}

/* Make chunk c ready for the model: read it here if nobody took it,
 * else wait for the helper.  0 or an error. */
static int
chunk_ready(struct reading *rd, size_t c, int threaded, struct rel_err *err)
{
	int rc;

	if (!threaded)
		return read_chunk(rd, c, err);
	pthread_mutex_lock(&rd->mu);
	if (rd->next == c) {
		rd->next++;
		pthread_mutex_unlock(&rd->mu);
		rc = read_chunk(rd, c, err);
		pthread_mutex_lock(&rd->mu);
		rd->done[c] = 1;
	} else {
		while (!rd->done[c])
			pthread_cond_wait(&rd->cv, &rd->mu);
		rc = 0;
		if (rd->rc) {
			rc = rd->rc;
			*err = rd->err;
		}
	}
	pthread_mutex_unlock(&rd->mu);
	return rc;
}

/* The model is done with chunk c: release it and let the helper on. */
static void
chunk_taken(struct reading *rd, size_t c, int threaded)
{
	size_t end = (c + 1) * CHUNK < rd->r->n ? (c + 1) * CHUNK : rd->r->n;

	for (size_t i = c * CHUNK; i < end; i++) {
		struct rel_git_found *f = &rd->r->v[i];

		if (f->obj)
			rd->rd->release(rd->rd->arg, f->obj);
		f->obj = NULL;
		f->data = NULL;
	}
	if (threaded) {
		pthread_mutex_lock(&rd->mu);
		rd->taken = c + 1;
		pthread_cond_broadcast(&rd->cv);
		pthread_mutex_unlock(&rd->mu);
	}
}

/* --- one commit into the model --------------------------------------- */

/*
 * Who the author is, after the repository's mailmap (.mailmap,
 * mailmap.file, mailmap.blob: what git shortlog and git log --use-mailmap
 * read), so that one person under two names or addresses is counted once.
 */
static void
map_author(const struct rel_git_mailmap *mm, struct rel_notes_commit_in *c)
{
	if (mm)
		rel_git_mailmap_map(mm, &c->name, &c->namelen, &c->email,
		    &c->emaillen);
}

struct feed {
	struct rel_notes *n;
	const struct rel_git_mailmap *mm;
	struct rel_git_recode recode;
	struct rel_buf utf8;
};

static int
add(struct feed *fd, const struct rel_git_found *f, struct rel_err *err)
{
	struct rel_notes_commit_in in;
	struct rel_git_commit c;
	char id[HEXSZ + 1];

	rel_git_commit_parse(f->data, f->len, &c);
	/* A commit in another encoding is read in UTF-8, as git log shows
	 * it: the whole object, so that the author's name is too. */
	if (c.encoding && rel_git_recode(&fd->recode, &c, f->data, f->len,
	    &fd->utf8))
		rel_git_commit_parse(fd->utf8.s, fd->utf8.len, &c);
	rel_git_oid_to_hex(f->oid, id);
	in.id = id;
	in.name = c.name;
	in.namelen = c.namelen;
	in.email = c.email;
	in.emaillen = c.emaillen;
	in.time = c.author_time;
	in.msg = c.msg;
	in.msglen = c.msglen;
	in.merge = c.nparents > 1;
	map_author(fd->mm, &in);
	return rel_notes_add_commit(fd->n, &in, err);
}

/* Read the range's commits (on two threads when there are many) and add
 * them to the model in order. */
static int
feed_range(const struct rel_git_walk *w, struct rel_git_range *r,
    const struct rel_git_reader *rdr, struct feed *fd, struct rel_err *err)
{
	struct reading rd;
	pthread_t th;
	int threaded = r->n >= THREADED_FROM, rc = 0;

	memset(&rd, 0, sizeof rd);
	rd.r = r;
	rd.rd = rdr;
	rd.nchunks = (r->n + CHUNK - 1) / CHUNK;
	if (!(rd.done = calloc(rd.nchunks + 1, 1)))
		return rel_err_set(err, REL_ESYS, "out of memory");
	if (threaded) {
		pthread_mutex_init(&rd.mu, NULL);
		pthread_cond_init(&rd.cv, NULL);
		if (pthread_create(&th, NULL, helper, &rd) != 0) {
			pthread_mutex_destroy(&rd.mu);
			pthread_cond_destroy(&rd.cv);
			threaded = 0;
		}
	}
	for (size_t c = 0; c < rd.nchunks && !rc; c++) {
		size_t end = (c + 1) * CHUNK < r->n ? (c + 1) * CHUNK : r->n;

		if ((rc = chunk_ready(&rd, c, threaded, err)))
			break;
		for (size_t i = c * CHUNK; i < end && !rc; i++) {
			rc = add(fd, &r->v[i], err);
			if (w->progress && (i + 1) % 1000 == 0)
				w->progress((long)i + 1, w->arg);
		}
		chunk_taken(&rd, c, threaded);
	}
	if (threaded) {
		pthread_mutex_lock(&rd.mu);
		rd.stop = 1;
		pthread_cond_broadcast(&rd.cv);
		pthread_mutex_unlock(&rd.mu);
		pthread_join(th, NULL);
		pthread_mutex_destroy(&rd.mu);
		pthread_cond_destroy(&rd.cv);
	}
	free(rd.done);
	return rc;
}

/* --- the commit-graph ------------------------------------------------- */

/* The commit-graph to walk with, or NULL: none, turned off
 * (core.commitGraph), a shallow repository (its graph may name parents
 * that are not here), or one that cannot be used (*unusable set, why
 * says why). */
static struct rel_git_graph *
graph_of(const struct rel_git_repo *repo, char *why, size_t whylen,
    int *unusable)
{
	struct rel_git_graph *g = NULL;
	char objdir[PATH_MAX + 16];

	*unusable = 0;
	if (repo->shallow || !repo->commit_graph)
		return NULL;
	snprintf(objdir, sizeof objdir, "%s/objects", repo->commondir);
	if (!rel_git_graph_open(objdir, &g, why, whylen))
		*unusable = strcmp(why, "no commit-graph") != 0;
	return g;
}

/* "revision 'X' not found in DIR (why)", from the why in err. */
static void
not_found(struct rel_err *err, const char *what, const char *rev,
    const char *dir)
{
	char why[REL_ERR_MAX];

	snprintf(why, sizeof why, "%s", err->msg);
	if (err->code == REL_EUSAGE)
		rel_err_set(err, err->code, "%s '%s' in %s is not a commit "
		    "(%s)", what, rev, dir, why);
	else
		rel_err_set(err, err->code, "%s '%s' not found in %s (%s)",
		    what, rev, dir, why);
}

static void *
verify(void *arg)
{
	return rel_git_graph_verify(arg) == 0 ? arg : NULL;
}

/*
 * The range, over the graph when there is one whose checksum holds
 * (checked on a second thread while the walk runs), else over the
 * objects.  A damaged graph is said in the notes.
 */
static int
find_range(const struct rel_git_repo *repo, const char *dir,
    const struct rel_git_reader *rdr, const unsigned char *head,
    const unsigned char *base, struct rel_notes *n, struct rel_git_range *r,
    struct rel_err *err)
{
	const unsigned char *bottom = base;
	struct rel_git_graph *g;
	char why[160];
	pthread_t th;
	void *ok = NULL;
	int checking = 0, untrusted = 0, rc;

	g = graph_of(repo, why, sizeof why, &untrusted);
	if (g)
		checking = pthread_create(&th, NULL, verify, g) == 0;
	if (g && !checking && rel_git_graph_verify(g) < 0) {
		untrusted = 1;
		snprintf(why, sizeof why, "its checksum is wrong");
		rel_git_graph_close(g);
		g = NULL;
	}
	rc = rel_git_walk_range(g, rdr, head, 1, bottom, !!base, r, err);
	if (checking) {
		pthread_join(th, &ok);
		if (!ok) {
			/* Whatever the walk found is not to be trusted. */
			untrusted = 1;
			snprintf(why, sizeof why, "its checksum is wrong");
			rel_git_range_free(r, rdr);
			rel_git_graph_close(g);
			g = NULL;
			rc = rel_git_walk_range(NULL, rdr, head, 1, bottom,
			    !!base, r, err);
		}
	}
	if (!rc && g && !r->graph) {
		untrusted = 1;
		snprintf(why, sizeof why, "%s", r->why);
	}
	if (!rc && untrusted)
		rc = rel_notes_note(n, err, "the commit-graph of %s cannot be "
		    "trusted (%s): its history was read from the objects "
		    "instead; `git commit-graph write --reachable` makes a new "
		    "one", dir, why);
	n->walk_graph = !rc && r->graph;
	n->walk_read = r->read;
	n->walk_visited = r->visited;
	rel_git_graph_close(g);
	return rc;
}

int
rel_git_notes(const struct rel_git_walk *w, struct rel_notes *n,
    struct rel_err *err)
{
	struct rel_git_repo repo;
	struct rel_git_mailmap *mm = NULL;
	unsigned char base[REL_GIT_RAWSZ], head[REL_GIT_RAWSZ];
	char bhex[HEXSZ + 1], hhex[HEXSZ + 1];
	const char *what = w->range ? w->range : w->head;
	struct rel_git_reader rdr = { odb_read, odb_release, NULL };
	struct rel_git_range r;
	struct feed fd;
	int rc = 0, have_base = 0, opened = 0;

	memset(&r, 0, sizeof r);
	memset(&fd, 0, sizeof fd);
	if ((rc = rel_git_repo_open(w->repo, &repo, err)))
		goto out;
	opened = 1;
	if ((rc = rel_notes_repo(n, repo.workdir[0] ? repo.workdir :
	    repo.gitdir, err)))
		goto out;
	if (w->range) {
		if ((rc = resolve_range(w, &repo, base, head, &have_base, err)))
			goto out;
	} else {
		if ((rc = resolve(w, &repo, w->head, head, err))) {
			not_found(err, "revision", w->head, w->repo);
			goto out;
		}
		if (w->base && (rc = resolve(w, &repo, w->base, base, err))) {
			not_found(err, "base revision", w->base, w->repo);
			goto out;
		}
		have_base = w->base != NULL;
	}
	rel_git_oid_to_hex(head, hhex);
	if (have_base)
		rel_git_oid_to_hex(base, bhex);
	if ((rc = rel_notes_revs(n, have_base ? bhex : NULL, hhex, w->range,
	    err)))
		goto out;
	rdr.arg = repo.odb;
	/* A mailmap that cannot be read leaves the names as committed. */
	mm = rel_git_repo_mailmap(&repo);
	if ((rc = find_range(&repo, w->repo, &rdr, head, have_base ? base :
	    NULL, n, &r, err)))
		goto walk_failed;
	fd.n = n;
	fd.mm = mm;
	if ((rc = feed_range(w, &r, &rdr, &fd, err)))
		goto walk_failed;
	goto out;
walk_failed:
	if (rc == REL_ENOTFOUND)
		rel_err_prefix(err, "cannot walk %s in %s%s", what, w->repo,
		    repo.shallow ? " (the repository is shallow: fetch its "
		    "history with git fetch --unshallow)" : "");
out:
	if (w->progress && r.n >= 1000)
		w->progress(-1, w->arg);
	rel_git_range_free(&r, &rdr);
	rel_git_recode_free(&fd.recode);
	rel_buf_free(&fd.utf8);
	rel_git_mailmap_free(mm);
	if (opened)
		rel_git_repo_close(&repo);
	return rc;
}
