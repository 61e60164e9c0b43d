/*
 * gitwalk.c - the commits of a range, by generation number over a
 * commit-graph or by commit date over the objects (see gitwalk.h).
 *
 * Commits off the graph are nodes in a table keyed by id, with their
 * parents as node indices once their object is read.  Commits on the
 * graph need no node: a byte of flags per graph position, and a heap of
 * (generation, position).  What the walk finds in the range is appended
 * to the result as it goes and sorted once at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gitwalk.h"

#define NONE REL_GIT_GRAPH_NONE
#define SLOP 5                 /* revision.c: commits past the last hope */

enum {
	UNINTERESTING = 1,     /* a bottom reaches it */
	TIP = 2,               /* a tip reaches it */
	SEEN = 4,              /* queued once (date walk) */
	PARSED = 8,            /* its parents are known */
	QUEUED = 16,           /* in the heap now */
	DONE = 32,             /* taken from the heap (graph walk) */
};

/* A commit to show: a tip reaches it, no bottom does. */
#define WANTED(f) (((f) & (TIP | UNINTERESTING)) == TIP)

struct node {
	unsigned char oid[REL_GIT_RAWSZ];
	uint32_t pos;          /* on the graph, or NONE */
	uint32_t seq;          /* order of queueing, for ties */
	uint32_t par, npar;    /* parents: w->par[par...], once PARSED */
	uint32_t indeg;        /* children off the graph not yet done */
	unsigned flags;
	int64_t date;
	void *obj;
	const char *data;
	size_t len;
};

struct walk {
	const struct rel_git_graph *g;
	const struct rel_git_reader *rd;
	struct rel_git_range *out;
	struct rel_err *err;

	struct node *nodes;
	size_t nnodes, nodes_cap;
	uint32_t *tab;         /* node index + 1, open addressing */
	size_t tab_cap;
	uint32_t *par;
	size_t npar, par_cap;
	uint32_t seq;

	/* The date walk's queue: node indices, newest first. */
	uint32_t *heap;
	size_t nheap, heap_cap;
	size_t live;           /* queued nodes that are WANTED */

	/* The graph walk: flags by position, a heap of (gen, pos). */
	unsigned char *gflags;
	struct gent { uint64_t gen; uint32_t pos; } *gheap;
	size_t ngheap, gheap_cap;
	int damaged;
};

static int
nomem(struct walk *w)
{
	return rel_err_set(w->err, REL_ESYS, "out of memory");
}

/* Room for need elements of size sz in *v, of which there are *cap. */
static int
reserve(void *vp, size_t *cap, size_t need, size_t sz)
{
	void **v = vp, *nv;
	size_t ncap = *cap ? *cap : 64;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		if (ncap > SIZE_MAX / sz / 4)
			return -1;
		else
			ncap *= 2;
	if (!(nv = realloc(*v, ncap * sz)))
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

/* Room for one more after n. */
static int
grow(void *vp, size_t *cap, size_t n, size_t sz)
{
	return reserve(vp, cap, n + 1, sz);
}

/* --- the node table ------------------------------------------------ */

static size_t
hash_oid(const unsigned char *oid)
{
	/* Ids are uniformly random already. */
	return (size_t)oid[0] << 24 | (size_t)oid[1] << 16 |
	    (size_t)oid[2] << 8 | oid[3];
}

static uint32_t *
slot(struct walk *w, const unsigned char *oid)
{
	size_t i = hash_oid(oid) & (w->tab_cap - 1);

	while (w->tab[i] && memcmp(w->nodes[w->tab[i] - 1].oid, oid,
	    REL_GIT_RAWSZ))
		i = (i + 1) & (w->tab_cap - 1);
	return &w->tab[i];
}

/* The node of oid, made if new: its index, or -1 out of memory. */
static long
node(struct walk *w, const unsigned char *oid)
{
	uint32_t *sl;
	struct node *n;

	if (w->nnodes * 2 >= w->tab_cap) {
		size_t cap = w->tab_cap ? w->tab_cap * 2 : 1024;
		uint32_t *old = w->tab;

		if (!(w->tab = calloc(cap, sizeof *w->tab))) {
			w->tab = old;
			return -1;
		}
		w->tab_cap = cap;
		for (size_t i = 0; i < w->nnodes; i++)
			*slot(w, w->nodes[i].oid) = (uint32_t)i + 1;
		free(old);
	}
	sl = slot(w, oid);
	if (*sl)
		return *sl - 1;
	if (w->nnodes >= UINT32_MAX - 1 || grow(&w->nodes, &w->nodes_cap,
	    w->nnodes, sizeof *w->nodes) < 0)
		return -1;
	n = &w->nodes[w->nnodes];
	memset(n, 0, sizeof *n);
	memcpy(n->oid, oid, REL_GIT_RAWSZ);
	n->pos = NONE;
	*sl = (uint32_t)++w->nnodes;
	return (long)w->nnodes - 1;
}

static void
release(struct walk *w, struct node *n)
{
	if (n->obj)
		w->rd->release(w->rd->arg, n->obj);
	n->obj = NULL;
	n->data = NULL;
}

/*
 * Read node i's object: its date and parents (as nodes, with their
 * graph positions when use_graph).  0; a missing object is REL_ENOTFOUND
 * (err set only if !gently); anything else an error.
 */
static int
parse(struct walk *w, size_t i, int gently, int use_graph)
{
	struct rel_git_commit c;
	const char *data;
	size_t len;
	void *obj;
	struct rel_err quiet;
	int rc;

	if (w->nodes[i].flags & PARSED)
		return 0;
	if ((rc = w->rd->read(w->rd->arg, w->nodes[i].oid, &data, &len, &obj,
	    gently ? &quiet : w->err)))
		return rc;
	w->out->read++;
	rel_git_commit_parse(data, len, &c);
	if (c.nparents > UINT32_MAX - w->npar || reserve(&w->par,
	    &w->par_cap, w->npar + c.nparents, sizeof *w->par) < 0) {
		w->rd->release(w->rd->arg, obj);
		return nomem(w);
	}
	w->nodes[i].par = (uint32_t)w->npar;
	for (size_t k = 0; k < c.nparents; k++) {
		unsigned char oid[REL_GIT_RAWSZ];
		long p;

		if (rel_git_commit_parent(&c, k, oid) < 0) {
			w->rd->release(w->rd->arg, obj);
			return rel_err_set(w->err, REL_ESYS, "commit %02x%02x%02x"
			    "%02x...: a parent line is not an id",
			    w->nodes[i].oid[0], w->nodes[i].oid[1],
			    w->nodes[i].oid[2], w->nodes[i].oid[3]);
		}
		if ((p = node(w, oid)) < 0) {
			w->rd->release(w->rd->arg, obj);
			return nomem(w);
		}
		if (use_graph && w->nodes[p].pos == NONE)
			w->nodes[p].pos = rel_git_graph_find(w->g, oid);
		w->par[w->npar++] = (uint32_t)p;
	}
	/* node() may have moved the array. */
	w->nodes[i].npar = (uint32_t)c.nparents;
	w->nodes[i].date = c.time;
	w->nodes[i].obj = obj;
	w->nodes[i].data = data;
	w->nodes[i].len = len;
	w->nodes[i].flags |= PARSED;
	return 0;
}

/* --- the result ---------------------------------------------------- */

static int
emit(struct walk *w, const unsigned char *oid, int64_t date, uint64_t gen,
    uint32_t seq, struct node *n)
{
	struct rel_git_found *f;

	if (!oid)
		return rel_err_set(w->err, REL_ESYS, "commit-graph: no id");
	if (grow(&w->out->v, &w->out->cap, w->out->n, sizeof *w->out->v) < 0)
		return nomem(w);
	f = &w->out->v[w->out->n++];
	memcpy(f->oid, oid, REL_GIT_RAWSZ);
	f->date = date;
	f->gen = gen;
	f->seq = seq;
	f->obj = NULL;
	f->data = NULL;
	f->len = 0;
	if (n) {
		/* The object goes with the commit to the result. */
		f->obj = n->obj;
		f->data = n->data;
		f->len = n->len;
		n->obj = NULL;
		n->data = NULL;
	}
	return 0;
}

static int
found_cmp(const void *a, const void *b)
{
	const struct rel_git_found *x = a, *y = b;

	if (x->date != y->date)
		return x->date > y->date ? -1 : 1;
	if (x->gen != y->gen)
		return x->gen > y->gen ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return memcmp(x->oid, y->oid, REL_GIT_RAWSZ);
}

/* --- the date walk (revision.c's limit_list) ----------------------- */

/* Is node a before node b in the queue: newer, or queued first? */
static int
before(const struct walk *w, uint32_t a, uint32_t b)
{
	const struct node *x = &w->nodes[a], *y = &w->nodes[b];

	if (x->date != y->date)
		return x->date > y->date;
	return x->seq < y->seq;
}

static int
push(struct walk *w, uint32_t i)
{
	size_t k;

	if (grow(&w->heap, &w->heap_cap, w->nheap, sizeof *w->heap) < 0)
		return nomem(w);
	w->nodes[i].seq = w->seq++;
	w->nodes[i].flags |= QUEUED;
	if (WANTED(w->nodes[i].flags))
		w->live++;
	for (k = w->nheap++; k > 0; k = (k - 1) / 2) {
		if (!before(w, i, w->heap[(k - 1) / 2]))
			break;
		w->heap[k] = w->heap[(k - 1) / 2];
	}
	w->heap[k] = i;
	return 0;
}

static uint32_t
pop(struct walk *w)
{
	uint32_t top = w->heap[0], last = w->heap[--w->nheap];
	size_t k = 0;

	for (;;) {
		size_t c = 2 * k + 1;

		if (c >= w->nheap)
			break;
		if (c + 1 < w->nheap && before(w, w->heap[c + 1], w->heap[c]))
			c++;
		if (!before(w, w->heap[c], last))
			break;
		w->heap[k] = w->heap[c];
		k = c;
	}
	if (w->nheap)
		w->heap[k] = last;
	w->nodes[top].flags &= ~(unsigned)QUEUED;
	if (WANTED(w->nodes[top].flags))
		w->live--;
	return top;
}

/* Mark node i uninteresting, keeping the count of wanted queued nodes. */
static void
mark(struct walk *w, uint32_t i)
{
	struct node *n = &w->nodes[i];

	if ((n->flags & QUEUED) && WANTED(n->flags))
		w->live--;
	n->flags |= UNINTERESTING;
}

/* revision.c's mark_parents_uninteresting: through every parent already
 * parsed, down to those that are not. */
static int
mark_parents(struct walk *w, uint32_t i)
{
	uint32_t *stack = NULL;
	size_t n = 0, cap = 0;

	for (uint32_t k = 0; k < w->nodes[i].npar; k++) {
		if (grow(&stack, &cap, n, sizeof *stack) < 0) {
			free(stack);
			return nomem(w);
		}
		stack[n++] = w->par[w->nodes[i].par + k];
	}
	while (n > 0) {
		uint32_t j = stack[--n];

		if (w->nodes[j].flags & UNINTERESTING)
			continue;
		mark(w, j);
		for (uint32_t k = 0; k < w->nodes[j].npar; k++) {
			if (grow(&stack, &cap, n, sizeof *stack) < 0) {
				free(stack);
				return nomem(w);
			}
			stack[n++] = w->par[w->nodes[j].par + k];
		}
	}
	free(stack);
	return 0;
}

/* revision.c's process_parents, for the date walk. */
static int
process_parents(struct walk *w, uint32_t i)
{
	int rc;

	for (uint32_t k = 0; k < w->nodes[i].npar; k++) {
		uint32_t p = w->par[w->nodes[i].par + k];

		if (w->nodes[i].flags & UNINTERESTING) {
			mark(w, p);
			rc = parse(w, p, 1, 0);
			if (rc == REL_ENOTFOUND)
				continue;
			if (rc || (rc = mark_parents(w, p)))
				return rc;
		} else if ((rc = parse(w, p, 0, 0))) {
			return rc;
		}
		/* In the date walk every commit comes from a tip or a
		 * bottom: TIP only tells them apart for WANTED. */
		if (w->nodes[p].flags & SEEN)
			continue;
		w->nodes[p].flags |= SEEN | TIP;
		if ((rc = push(w, p)))
			return rc;
	}
	return 0;
}

/* revision.c's still_interesting: the slop left after an uninteresting
 * commit, date being that of the last commit of the range. */
static int
still_interesting(struct walk *w, int64_t date, int slop)
{
	if (!w->nheap)
		return 0;
	if (date <= w->nodes[w->heap[0]].date)
		return SLOP;
	if (w->live)
		return SLOP;
	return slop - 1;
}

static int
start(struct walk *w, const unsigned char *ids, size_t nids, unsigned flag,
    int use_graph)
{
	int rc;

	for (size_t k = 0; k < nids; k++) {
		long i = node(w, ids + k * REL_GIT_RAWSZ);

		if (i < 0)
			return nomem(w);
		if (use_graph) {
			w->nodes[i].flags |= flag;
			continue;
		}
		if ((rc = parse(w, (size_t)i, 0, 0)))
			return rc;
		/* As revision.c's handle_commit: a bottom's parents are
		 * uninteresting from the start. */
		if (flag == UNINTERESTING && (rc = mark_parents(w,
		    (uint32_t)i)))
			return rc;
		if (w->nodes[i].flags & SEEN) {
			if (flag == UNINTERESTING)
				mark(w, (uint32_t)i);
			else
				w->nodes[i].flags |= flag;
			continue;
		}
		w->nodes[i].flags |= SEEN | flag;
		if ((rc = push(w, (uint32_t)i)))
			return rc;
	}
	return 0;
}

static int
walk_dates(struct walk *w, const unsigned char *tips, size_t ntips,
    const unsigned char *bottoms, size_t nbottoms)
{
	int64_t date = INT64_MAX;
	int slop = SLOP, rc;

	/* As git lists them for A..B: the bottom first. */
	if ((rc = start(w, bottoms, nbottoms, UNINTERESTING, 0)) ||
	    (rc = start(w, tips, ntips, TIP, 0)))
		return rc;
	while (w->nheap) {
		uint32_t i = pop(w);

		w->out->visited++;
		if ((rc = process_parents(w, i)))
			return rc;
		if (w->nodes[i].flags & UNINTERESTING) {
			if ((rc = mark_parents(w, i)))
				return rc;
			release(w, &w->nodes[i]);
			if ((slop = still_interesting(w, date, slop)))
				continue;
			break;
		}
		date = w->nodes[i].date;
		/* Kept for now: a later commit may still reach it. */
		w->nodes[i].flags |= DONE;
	}
	/* The range: what was taken and is still not reached from a bottom,
	 * in the order taken. */
	for (size_t i = 0; i < w->nnodes; i++) {
		struct node *n = &w->nodes[i];

		if ((n->flags & DONE) && WANTED(n->flags) &&
		    (rc = emit(w, n->oid, n->date, 0, n->seq, n)))
			return rc;
	}
	return 0;
}

/* --- the graph walk ------------------------------------------------ */

static int
gbefore(const struct gent *a, const struct gent *b)
{
	if (a->gen != b->gen)
		return a->gen > b->gen;
	return a->pos > b->pos;
}

/* Queue graph position pos with flags, or add the flags if it is
 * queued; a position taken already is damage (its generation lied). */
static int
gpush(struct walk *w, uint32_t pos, unsigned flags)
{
	struct rel_git_graph_commit c;
	struct gent e;
	unsigned old = w->gflags[pos], now = old | flags;
	size_t k;

	if (old & DONE) {
		w->damaged = 1;
		return 0;
	}
	if (old & QUEUED) {
		if (WANTED(old) && !WANTED(now))
			w->live--;
		w->gflags[pos] = (unsigned char)now;
		return 0;
	}
	if (rel_git_graph_commit(w->g, pos, &c) < 0 ||
	    (!rel_git_graph_v2(w->g) && c.generation == 0)) {
		w->damaged = 1;
		return 0;
	}
	if (grow(&w->gheap, &w->gheap_cap, w->ngheap, sizeof *w->gheap) < 0)
		return nomem(w);
	w->gflags[pos] = (unsigned char)(now | QUEUED);
	if (WANTED(now))
		w->live++;
	e.gen = c.generation;
	e.pos = pos;
	for (k = w->ngheap++; k > 0; k = (k - 1) / 2) {
		if (!gbefore(&e, &w->gheap[(k - 1) / 2]))
			break;
		w->gheap[k] = w->gheap[(k - 1) / 2];
	}
	w->gheap[k] = e;
	return 0;
}

static struct gent
gpop(struct walk *w)
{
	struct gent top = w->gheap[0], last = w->gheap[--w->ngheap];
	size_t k = 0;

	for (;;) {
		size_t c = 2 * k + 1;

		if (c >= w->ngheap)
			break;
		if (c + 1 < w->ngheap && gbefore(&w->gheap[c + 1],
		    &w->gheap[c]))
			c++;
		if (!gbefore(&w->gheap[c], &last))
			break;
		w->gheap[k] = w->gheap[c];
		k = c;
	}
	if (w->ngheap)
		w->gheap[k] = last;
	return top;
}

/*
 * The commits off the graph, reachable from the tips and bottoms: read,
 * then done children first (Kahn's order over them), passing their
 * flags to their parents, those on the graph into its heap.
 */
static int
walk_off_graph(struct walk *w)
{
	uint32_t *todo = NULL;
	size_t ntodo = 0, cap = 0;
	int rc = 0;

	/* Read every node off the graph that the walk reaches. */
	for (size_t i = 0; i < w->nnodes; i++) {
		if (w->nodes[i].pos != NONE)
			continue;
		if ((rc = parse(w, i, !(w->nodes[i].flags & TIP) ||
		    (w->nodes[i].flags & UNINTERESTING), 1))) {
			if (rc != REL_ENOTFOUND || (w->nodes[i].flags & TIP))
				return rc;
			rc = 0;        /* a bottom's missing ancestor */
		}
	}
	/* nodes[] grew as parents were met: the loop above read them all.
	 * Count each node's children off the graph. */
	for (size_t i = 0; i < w->nnodes; i++)
		if (w->nodes[i].pos == NONE)
			for (uint32_t k = 0; k < w->nodes[i].npar; k++)
				w->nodes[w->par[w->nodes[i].par + k]].indeg++;
	for (size_t i = 0; i < w->nnodes; i++) {
		if (w->nodes[i].pos != NONE || w->nodes[i].indeg)
			continue;
		if (grow(&todo, &cap, ntodo, sizeof *todo) < 0) {
			free(todo);
			return nomem(w);
		}
		todo[ntodo++] = (uint32_t)i;
	}
	while (ntodo && !rc) {
		uint32_t i = todo[--ntodo];
		struct node *n = &w->nodes[i];

		w->out->visited++;
		if (WANTED(n->flags))
			rc = emit(w, n->oid, n->date, UINT64_MAX,
			    (uint32_t)w->out->n, n);
		else
			release(w, n);
		for (uint32_t k = 0; !rc && k < n->npar; k++) {
			uint32_t p = w->par[n->par + k];
			struct node *pn = &w->nodes[p];
			unsigned f = n->flags & (TIP | UNINTERESTING);

			if (pn->pos != NONE) {
				rc = gpush(w, pn->pos, f);
				continue;
			}
			pn->flags |= f;
			if (--pn->indeg == 0) {
				if (grow(&todo, &cap, ntodo, sizeof *todo) < 0)
					rc = nomem(w);
				else
					todo[ntodo++] = p;
			}
		}
	}
	free(todo);
	return rc;
}

/* Parent k of c: 1 and *p, 0 after the last, -1 if the graph is
 * damaged. */
static int
gparent(const struct rel_git_graph *g, const struct rel_git_graph_commit *c,
    size_t k, uint32_t *p)
{
	if (k == 0 || c->edges == NONE) {
		*p = k < 2 ? c->parent[k] : NONE;
		return *p != NONE;
	}
	return rel_git_graph_extra_parent(g, c, k - 1, p);
}

static int
walk_graph(struct walk *w, const unsigned char *tips, size_t ntips,
    const unsigned char *bottoms, size_t nbottoms)
{
	int rc;

	if (!(w->gflags = calloc(rel_git_graph_count(w->g) + 1, 1)))
		return nomem(w);
	if ((rc = start(w, bottoms, nbottoms, UNINTERESTING, 1)) ||
	    (rc = start(w, tips, ntips, TIP, 1)))
		return rc;
	/* The starting commits on the graph go to its heap, the others are
	 * walked first. */
	for (size_t i = 0; i < w->nnodes; i++)
		w->nodes[i].pos = rel_git_graph_find(w->g, w->nodes[i].oid);
	for (size_t i = 0; i < w->nnodes; i++)
		if (w->nodes[i].pos != NONE && (rc = gpush(w,
		    w->nodes[i].pos, w->nodes[i].flags & (TIP |
		    UNINTERESTING))))
			return rc;
	if ((rc = walk_off_graph(w)))
		return rc;
	while (w->live && !w->damaged) {
		struct gent e = gpop(w);
		unsigned f = w->gflags[e.pos];
		struct rel_git_graph_commit c, pc;
		uint32_t p;

		if (WANTED(f))
			w->live--;
		w->gflags[e.pos] = (unsigned char)((f & ~QUEUED) | DONE);
		w->out->visited++;
		if (rel_git_graph_commit(w->g, e.pos, &c) < 0) {
			w->damaged = 1;
			break;
		}
		if (WANTED(f) && (rc = emit(w, rel_git_graph_oid(w->g, e.pos),
		    c.date, e.gen, (uint32_t)w->out->n, NULL)))
			return rc;
		f &= TIP | UNINTERESTING;
		for (size_t k = 0; !w->damaged; k++) {
			int more = gparent(w->g, &c, k, &p);

			if (more < 0)
				w->damaged = 1;
			if (more <= 0)
				break;
			/* A parent's generation is below its child's. */
			if (rel_git_graph_commit(w->g, p, &pc) < 0 ||
			    pc.generation >= e.gen) {
				w->damaged = 1;
				break;
			}
			if ((rc = gpush(w, p, f)))
				return rc;
		}
	}
	return 0;
}

/* --- both ---------------------------------------------------------- */

static void
walk_free(struct walk *w)
{
	for (size_t i = 0; i < w->nnodes; i++)
		release(w, &w->nodes[i]);
	free(w->nodes);
	free(w->tab);
	free(w->par);
	free(w->heap);
	free(w->gflags);
	free(w->gheap);
	memset(w, 0, sizeof *w);
}

void
rel_git_range_free(struct rel_git_range *r, const struct rel_git_reader *rd)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].obj)
			rd->release(rd->arg, r->v[i].obj);
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

int
rel_git_walk_range(const struct rel_git_graph *g, const struct rel_git_reader *rd,
    const unsigned char *tips, size_t ntips, const unsigned char *bottoms,
    size_t nbottoms, struct rel_git_range *out, struct rel_err *err)
{
	struct walk w;
	int rc = 0;

	memset(out, 0, sizeof *out);
	memset(&w, 0, sizeof w);
	w.rd = rd;
	w.out = out;
	w.err = err;
	if (g) {
		w.g = g;
		rc = walk_graph(&w, tips, ntips, bottoms, nbottoms);
		out->graph = !rc && !w.damaged;
		if (w.damaged)
			snprintf(out->why, sizeof out->why, "the commit-graph "
			    "is damaged (a parent out of place)");
		walk_free(&w);
		if (rc || out->graph)
			goto done;
		rel_git_range_free(out, rd);
		out->read = out->visited = 0;
	} else {
		snprintf(out->why, sizeof out->why, "no commit-graph");
	}
	w.rd = rd;
	w.out = out;
	w.err = err;
	rc = walk_dates(&w, tips, ntips, bottoms, nbottoms);
	walk_free(&w);
done:
	if (rc) {
		rel_git_range_free(out, rd);
		return rc;
	}
	if (out->n)
		qsort(out->v, out->n, sizeof *out->v, found_cmp);
	return 0;
}
