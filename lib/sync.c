/*
 * sync.c - what moves where between a store and its remote (see sync.h).
 *
 * Invariants:
 * - the local branch rel/PRODUCT only ever moves forward, to a commit
 *   the remote had (fetched) or accepted (pushed);
 * - a remote branch that does not descend from the local one is never
 *   taken: refused, with the local copy left as it was;
 * - products/PRODUCT/ is written only from commits on the local branch,
 *   after the branch moved, and `synced` after the files (syncfiles.h).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sync.h"
#include "syncfiles.h"

struct rel_sync {
	struct rel_replica r;
	struct rel_remote_head *heads;
	size_t nheads;
	const char **names;        /* the heads' products, sorted */
	unsigned seed;             /* for the back-off's jitter */
};

static int
cmp_heads(const void *a, const void *b)
{
	return strcmp(((const struct rel_remote_head *)a)->product,
	    ((const struct rel_remote_head *)b)->product);
}

int
rel_sync_open(struct rel_sync **out, struct rel_store *st, const char *url,
    struct rel_err *err)
{
	struct rel_sync *s = calloc(1, sizeof *s);
	int rc;

	*out = NULL;
	if (!s)
		return rel_err_set(err, REL_ESYS, "out of memory");
	if ((rc = rel_replica_open(&s->r, st, url, err)) != 0) {
		s->r.g.handle = NULL;
		free(s);
		return rc;
	}
	s->seed = (unsigned)getpid() ^ (unsigned)time(NULL);
	*out = s;
	return 0;
}

void
rel_sync_close(struct rel_sync *s)
{
	if (!s)
		return;
	rel_replica_close(&s->r);
	free(s->heads);
	free(s->names);
	free(s);
}

int
rel_sync_unreachable(const struct rel_sync *s)
{
	return s->r.unreachable;
}

/* The remote answered: cache/fetched's time says when (the age of the
 * local copy, for people).  Derived, local, not synced. */
static void
touch_fetched(struct rel_sync *s)
{
	int fd;

	if (s->r.st->fd < 0)
		return;
	mkdirat(s->r.st->fd, "cache", 0775);
	fd = openat(s->r.st->fd, "cache/" REL_FETCHED_FILE,
	    O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0664);
	if (fd >= 0) {
		futimens(fd, NULL);
		close(fd);
	}
}

/* Fetch (one product's branch, or all) and keep what the remote said. */
static int
fetch(struct rel_sync *s, const char *only, struct rel_err *err)
{
	struct rel_remote_head *h;
	size_t n;
	int rc;

	if ((rc = rel_remote_fetch(&s->r, only, &h, &n, err)) != 0)
		return rc;
	touch_fetched(s);
	if (only) {
		/* Replace that product's head, keep the others. */
		size_t k = 0;

		for (size_t i = 0; i < s->nheads; i++)
			if (strcmp(s->heads[i].product, only))
				s->heads[k++] = s->heads[i];
		if (n) {
			struct rel_remote_head *v = realloc(s->heads,
			    (k + 1) * sizeof *v);

			if (!v) {
				free(h);
				return rel_err_set(err, REL_ESYS,
				    "out of memory");
			}
			s->heads = v;
			s->heads[k++] = h[0];
		}
		free(h);
		s->nheads = k;
	} else {
		free(s->heads);
		s->heads = h;
		s->nheads = n;
	}
	if (s->nheads > 1)
		qsort(s->heads, s->nheads, sizeof *s->heads, cmp_heads);
	free(s->names);
	if (!(s->names = calloc(s->nheads + 1, sizeof *s->names)))
		return rel_err_set(err, REL_ESYS, "out of memory");
	for (size_t i = 0; i < s->nheads; i++)
		s->names[i] = s->heads[i].product;
	return 0;
}

int
rel_sync_fetch(struct rel_sync *s, struct rel_err *err)
{
	return fetch(s, NULL, err);
}

size_t
rel_sync_remote_products(const struct rel_sync *s, const char *const **names)
{
	*names = s->names;
	return s->nheads;
}

static int
remote_head(const struct rel_sync *s, const char *product, git_oid *id)
{
	for (size_t i = 0; i < s->nheads; i++)
		if (!strcmp(s->heads[i].product, product)) {
			*id = s->heads[i].id;
			return 1;
		}
	memset(id, 0, sizeof *id);
	return 0;
}

static void
short_hex(const git_oid *id, char out[13])
{
	char hex[GIT_OID_HEXSZ + 1];

	rel_oid_hex(id, hex);
	snprintf(out, 13, "%.12s", hex);
}

/* Commits in to and not in from (NULL: all of to's). */
static size_t
count_commits(struct rel_sync *s, const git_oid *from, const git_oid *to)
{
	struct rel_lg2 *g = &s->r.g;
	git_revwalk *w = NULL;
	git_oid id;
	size_t n = 0;

	if (g->revwalk_new(&w, s->r.repo) < 0 || g->revwalk_push(w, to) < 0 ||
	    (from && g->revwalk_hide(w, from) < 0)) {
		if (w)
			g->revwalk_free(w);
		return 0;
	}
	while (g->revwalk_next(&id, w) == 0)
		n++;
	g->revwalk_free(w);
	return n;
}

/* The remote's branch must descend from what was seen there before. */
static int
check_not_rewritten(struct rel_sync *s, const char *product,
    const git_oid *local, int rfound, const git_oid *remote,
    struct rel_err *err)
{
	char l[13], r[13];
	int d;

	short_hex(local, l);
	if (!rfound)
		return rel_err_set(err, REL_ESYS, "remote %s has no branch "
		    "rel/%s, which was at %s: it was deleted behind rel's back; "
		    "refused, the local copy is kept", s->r.url, product, l);
	if (rel_oid_eq(local, remote))
		return 0;
	short_hex(remote, r);
	d = s->r.g.graph_descendant_of(s->r.repo, remote, local);
	if (d == 1)
		return 0;
	if (d < 0)
		return rel_err_set(err, REL_ESYS, "%s: cannot compare %s and "
		    "%s: %s", s->r.gitdir, l, r, rel_lg2_msg(&s->r.g));
	return rel_err_set(err, REL_ESYS, "remote %s: rel/%s was rewritten "
	    "behind rel's back (it is at %s, which does not descend from %s "
	    "seen there before); refused, the local copy is kept", s->r.url,
	    product, r, l);
}

/* Make the files catch up with the local branch if a crash left them
 * behind (synced names an older commit, or nothing). */
static int
mend(struct rel_sync *s, struct rel_product *p, const git_oid *tip,
    size_t *files, struct rel_err *err)
{
	git_oid synced;
	int found, rc;

	*files = 0;
	if ((rc = rel_synced_read(p, &synced, &found, err)) != 0)
		return rc;
	if (found && rel_oid_eq(&synced, tip))
		return 0;
	if ((rc = rel_sync_materialize(&s->r, p, found ? &synced : NULL, tip,
	    files, err)) != 0)
		return rc;
	return rel_synced_write(p, tip, err);
}

/* Take the remote's branch: local branch, then files, then synced. */
static int
fast_forward(struct rel_sync *s, struct rel_product *p, const git_oid *local,
    const git_oid *remote, struct rel_sync_report *rep, struct rel_err *err)
{
	size_t files;
	int rc;

	if ((rc = rel_replica_set_tip(&s->r, p->name, remote, local, err)) ||
	    (rc = rel_sync_materialize(&s->r, p, local, remote, &files, err)) ||
	    (rc = rel_synced_write(p, remote, err)))
		return rc;
	if (rep) {
		rep->action = "fetched";
		rep->commits += count_commits(s, local, remote);
		rep->files += files;
	}
	return 0;
}

/* One attempt: commit the changes on the local tip and push it.
 * *accepted 1: the local branch is at the new commit. */
static int
push_once(struct rel_sync *s, struct rel_product *p, const git_oid *tip,
    const struct rel_change *ch, size_t n, const char *author,
    const char *message, int *accepted, git_oid *made, struct rel_err *err)
{
	char why[512];
	git_oid rh;
	int rc;

	*accepted = 0;
	if ((rc = rel_replica_commit(&s->r, p->name, tip, ch, n, author,
	    message, made, err)) != 0)
		return rc;
	rc = rel_remote_push(&s->r, p->name, made, tip, accepted, why,
	    sizeof why, err);
	if (rc && !s->r.unreachable) {
		/* The connection broke after the update was sent: whether
		 * the remote took it, only the remote can tell. */
		struct rel_err e2;

		if (fetch(s, p->name, &e2) == 0 && remote_head(s, p->name, &rh) &&
		    rel_oid_eq(&rh, made)) {
			rel_err_clear(err);
			*accepted = 1;
			rc = 0;
		}
	}
	if (rc || !*accepted)
		return rc;
	touch_fetched(s);
	return rel_replica_set_tip(&s->r, p->name, made, tip, err);
}

int
rel_sync_publish(struct rel_sync *s, struct rel_product *p,
    const struct rel_change *ch, size_t n, const char *author,
    const char *message, int *accepted, struct rel_err *err)
{
	git_oid tip, made, remote;
	int found, rfound, rc;

	*accepted = 0;
	if ((rc = rel_replica_tip(&s->r, p->name, &tip, &found, err)) != 0 ||
	    (rc = push_once(s, p, found ? &tip : NULL, ch, n, author, message,
	    accepted, &made, err)) != 0 || *accepted)
		return rc;
	/* Refused: the remote moved.  Take its commits, so that the caller
	 * redoes its change on the state they make. */
	if ((rc = fetch(s, p->name, err)) != 0)
		return rc;
	rfound = remote_head(s, p->name, &remote);
	if (found && (rc = check_not_rewritten(s, p->name, &tip, rfound,
	    &remote, err)) != 0)
		return rc;
	if (!rfound || (found && rel_oid_eq(&tip, &remote)))
		return 0; /* refused, yet not moved: try again */
	return fast_forward(s, p, found ? &tip : NULL, &remote, NULL, err);
}

int
rel_sync_settle(struct rel_sync *s, struct rel_product *p,
    struct rel_err *err)
{
	git_oid tip;
	int found, rc;

	if ((rc = rel_replica_tip(&s->r, p->name, &tip, &found, err)) != 0 ||
	    !found)
		return rc;
	return rel_synced_write(p, &tip, err);
}

int
rel_sync_tip(struct rel_sync *s, const char *product, char out[41],
    struct rel_err *err)
{
	git_oid tip;
	int found, rc;

	out[0] = '\0';
	if ((rc = rel_replica_tip(&s->r, product, &tip, &found, err)) == 0 &&
	    found)
		rel_oid_hex(&tip, out);
	return rc;
}

static void
back_off(struct rel_sync *s, int attempt)
{
	long cap = 20L << (attempt < 6 ? attempt : 6);
	long ms = 10 + (long)(rand_r(&s->seed) % cap);
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A product already here, with no branch seen yet, and one on the
 * remote: the same history only if the files are the remote's. */
static int
adopt(struct rel_sync *s, struct rel_product *p, const git_oid *remote,
    struct rel_sync_report *rep, struct rel_err *err)
{
	struct rel_change *ch;
	size_t n;
	char r[13];
	int rc;

	short_hex(remote, r);
	if ((rc = rel_sync_changes(&s->r, p, remote, 1, &ch, &n, err)) != 0) {
		char why[REL_ERR_MAX];

		snprintf(why, sizeof why, "%s", err->msg);
		return rel_err_set(err, REL_ESYS, "%s: the product is here and "
		    "on %s (rel/%s at %s) with another history (%s); refused, "
		    "the local copy is kept", p->name, s->r.url, p->name, r,
		    why);
	}
	rel_changes_free(ch, n);
	if (n)
		return rel_err_set(err, REL_ESYS, "%s: the product is here and "
		    "on %s (rel/%s at %s) with another history (%zu files "
		    "differ); refused, the local copy is kept", p->name,
		    s->r.url, p->name, r, n);
	if ((rc = rel_replica_set_tip(&s->r, p->name, remote, NULL, err)) ||
	    (rc = rel_synced_write(p, remote, err)))
		return rc;
	rep->action = "fetched";
	return 0;
}

/* Once a product is shared, its commands publish their own changes,
 * and a step log its runner, with the transition that ends the step: a
 * log here that the branch lacks is one still being written (or left by
 * a runner that died), not something for rel-sync to publish.  Keeps
 * the other changes first; returns how many. */
static size_t
drop_logs(struct rel_change *ch, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (!strncmp(ch[i].path, "logs/", 5)) {
			free((char *)ch[i].path);
			free((char *)ch[i].data);
			continue;
		}
		ch[k++] = ch[i];
	}
	return k;
}

static int
sync_locked(struct rel_sync *s, struct rel_product *p, int wait_ms,
    const char *who, struct rel_sync_report *rep, struct rel_err *err)
{
	long long deadline = now_ms() + wait_ms;

	for (int attempt = 0; ; attempt++) {
		struct rel_change *ch = NULL;
		git_oid tip, remote, made;
		size_t n, files;
		int found, rfound, rc, accepted;
		char t[13], r[13];

		if ((rc = rel_replica_tip(&s->r, p->name, &tip, &found, err)))
			return rc;
		rfound = remote_head(s, p->name, &remote);
		if (found) {
			if ((rc = mend(s, p, &tip, &files, err)) != 0)
				return rc;
			if (files) {
				rep->action = "mended";
				rep->files += files;
			}
			if ((rc = check_not_rewritten(s, p->name, &tip, rfound,
			    &remote, err)) != 0)
				return rc;
		}
		if ((rc = rel_sync_changes(&s->r, p, found ? &tip : NULL, 0,
		    &ch, &n, err)) != 0)
			return rc;
		if (found)
			n = drop_logs(ch, n);
		if (rfound && (!found || !rel_oid_eq(&tip, &remote))) {
			rel_changes_free(ch, n);
			if (!found && n)
				return adopt(s, p, &remote, rep, err);
			if (n) {
				short_hex(&tip, t);
				short_hex(&remote, r);
				return rel_err_set(err, REL_ESYS, "%s: changed "
				    "here (%zu files) and on %s (rel/%s moved "
				    "from %s to %s) since the last sync; refused, "
				    "the local copy is kept (rel's commands "
				    "publish their own changes: these were made "
				    "otherwise)", p->name, n,
				    s->r.url, p->name, t, r);
			}
			return fast_forward(s, p, found ? &tip : NULL, &remote,
			    rep, err);
		}
		if (n == 0) {
			rel_changes_free(ch, n); /* what drop_logs left */
			return 0;
		}
		{
			char msg[REL_NAME_MAX + 128];

			snprintf(msg, sizeof msg, "%s: %zu files published by "
			    "rel-sync", p->name, n);
			rc = push_once(s, p, found ? &tip : NULL, ch, n,
			    who, msg, &accepted, &made,
			    err);
		}
		rel_changes_free(ch, n);
		if (rc)
			return rc;
		if (accepted) {
			if ((rc = rel_synced_write(p, &made, err)) != 0)
				return rc;
			rep->action = "published";
			rep->commits += 1;
			rep->files += n;
			return 0;
		}
		if (now_ms() >= deadline)
			return rel_err_set(err, REL_EBUSY, "remote %s: rel/%s "
			    "kept moving; gave up after %d.%03d s (--wait)",
			    s->r.url, p->name, wait_ms / 1000, wait_ms % 1000);
		back_off(s, attempt);
		if ((rc = fetch(s, p->name, err)) != 0)
			return rc;
	}
}

int
rel_sync_product(struct rel_sync *s, const char *product, int wait_ms,
    const char *who, struct rel_sync_report *rep, struct rel_err *err)
{
	struct rel_product p;
	git_oid remote;
	int rc;

	memset(rep, 0, sizeof *rep);
	snprintf(rep->product, sizeof rep->product, "%s", product);
	rep->action = "unchanged";
	if ((rc = rel_product_open(s->r.st, product,
	    remote_head(s, product, &remote), &p, err)) != 0) {
		if (rc == REL_ENOTFOUND)
			rel_err_set(err, REL_ENOTFOUND, "no product '%s' here "
			    "nor on %s", product, s->r.url);
		return rc;
	}
	if ((rc = rel_product_lock(&p, err)) == 0) {
		rc = sync_locked(s, &p, wait_ms, who, rep, err);
		rel_product_unlock(&p);
	}
	if (rc == 0)
		rc = rel_sync_tip(s, product, rep->tip, err);
	rel_product_close(&p);
	return rc;
}

int
rel_sync_prepare(struct rel_sync *s, struct rel_product *p,
    struct rel_err *err)
{
	struct rel_change *ch = NULL;
	git_oid tip;
	size_t files, n = 0;
	int found, rc;

	if ((rc = rel_replica_tip(&s->r, p->name, &tip, &found, err)) != 0)
		return rc;
	if (found)
		return mend(s, p, &tip, &files, err);
	/* Never published from here: only an empty product may be, else
	 * its releases would be left out of the remote's history. */
	if ((rc = rel_sync_changes(&s->r, p, NULL, 0, &ch, &n, err)) != 0)
		return rc;
	rel_changes_free(ch, n);
	if (n)
		return rel_err_set(err, REL_ESYS, "%s: this store has %zu files "
		    "of it that %s has never seen: publish them first with "
		    "rel-sync; nothing was recorded", p->name, n, s->r.url);
	return 0;
}

/* After a fetch: the product's files here follow the remote's branch. */
static int
follow(struct rel_sync *s, struct rel_store *st, const char *product,
    int *moved, struct rel_err *err)
{
	struct rel_product p;
	git_oid tip, remote;
	size_t files;
	int found, rc;

	*moved = 0;
	if (!remote_head(s, product, &remote))
		return 0;
	if ((rc = rel_product_open(st, product, 1, &p, err)) != 0)
		return rc;
	if ((rc = rel_product_lock(&p, err)) != 0) {
		rel_product_close(&p);
		return rc;
	}
	if ((rc = rel_replica_tip(&s->r, product, &tip, &found, err)) == 0 &&
	    (!found || ((rc = mend(s, &p, &tip, &files, err)) == 0 &&
	    (rc = check_not_rewritten(s, product, &tip, 1, &remote,
	    err)) == 0)) && (!found || !rel_oid_eq(&tip, &remote))) {
		rc = fast_forward(s, &p, found ? &tip : NULL, &remote, NULL,
		    err);
		*moved = rc == 0;
	}
	rel_product_unlock(&p);
	rel_product_close(&p);
	return rc;
}

int
rel_sync_refresh(struct rel_sync *s, struct rel_store *st,
    const char *product, int *moved, struct rel_err *err)
{
	int rc;

	*moved = 0;
	if ((rc = fetch(s, product, err)) != 0)
		return rc;
	return follow(s, st, product, moved, err);
}

int
rel_sync_pull(struct rel_sync *s, struct rel_store *st, struct rel_err *err)
{
	int rc, moved;

	if ((rc = fetch(s, NULL, err)) != 0)
		return rc;
	for (size_t i = 0; i < s->nheads; i++)
		if ((rc = follow(s, st, s->heads[i].product, &moved, err)))
			return rc;
	return 0;
}

const char *
rel_sync_url(const struct rel_sync *s)
{
	return s->r.url;
}
