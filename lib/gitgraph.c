/*
 * gitgraph.c - the commit-graph file and chains (see gitgraph.h).
 *
 * Each layer is mapped whole and checked once when it is opened: every
 * chunk this reader uses is found in the table of contents, lies inside
 * the file before its trailing checksum, and has the size the commit
 * count says; the fanout only goes up.  From then on an accessor reads a
 * fixed-size record at a position it has checked, so a file whose bytes
 * are wrong can give wrong values (the checksum is for that) but never
 * a read outside it.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gitgraph.h"
#include "gitsha1.h"

#define H REL_GIT_RAWSZ
#define CDAT_SIZE (H + 16)
#define PARENT_NONE 0x70000000u
#define PARENT_EDGES 0x80000000u
#define MAX_LAYERS 64

struct layer {
	const unsigned char *map;
	size_t size;
	uint32_t n, base;            /* commits here, and below */
	const unsigned char *fanout, *oids, *cdat, *gda2, *gdo2, *edges;
	size_t ngdo2, nedges;
	unsigned char name[H];       /* the hash in its file name (chains) */
	int named;
};

struct rel_git_graph {
	struct layer l[MAX_LAYERS];  /* bottom first */
	size_t nl;
	uint32_t total;
	int v2;
};

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Say why the graph cannot be used; returns -1. */
static int
fail(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (why && len) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Map the file at path into l: 1, 0 if it does not exist, -1 if it
 * cannot be read. */
static int
map_file(const char *path, struct layer *l)
{
	struct stat st;
	void *m;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uintmax_t)st.st_size > SIZE_MAX / 2) {
		close(fd);
		return -1;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -1;
	l->map = m;
	l->size = (size_t)st.st_size;
	return 1;
}

static void
unmap(struct layer *l)
{
	if (l->map)
		munmap((void *)l->map, l->size);
	l->map = NULL;
}

/* Find the chunks of a mapped layer and check their sizes: 0, or -1
 * with why set. */
static int
parse_layer(struct layer *l, size_t index, char *why, size_t wl)
{
	const unsigned char *m = l->map, *t;
	size_t end, nchunks, nbase;
	uint64_t off, next;

	/* Header, at least one chunk entry and the terminating one, and the
	 * trailing checksum. */
	if (l->size < 8 + 12 + H || memcmp(m, "CGPH", 4) != 0)
		return fail(why, wl, "no commit-graph signature");
	if (m[4] != 1)
		return fail(why, wl, "version %d", m[4]);
	if (m[5] != 1)
		return fail(why, wl, "hash version %d (not SHA-1)",
		    m[5]);
	nchunks = m[6];
	nbase = m[7];
	end = l->size - H;
	if (8 + (nchunks + 1) * 12 > end)
		return fail(why, wl, "chunk table past the end");
	if (nbase != index)
		return fail(why, wl, "%zu base layers, not %zu", nbase,
		    index);
	for (size_t i = 0; i < nchunks; i++) {
		const unsigned char *c;
		size_t len;

		t = m + 8 + i * 12;
		off = be64(t + 4);
		next = be64(t + 16);
		if (be32(t) == 0 || off > next || next > end)
			return fail(why, wl, "bad chunk table");
		c = m + off;
		len = (size_t)(next - off);
		switch (be32(t)) {
		case 0x4f494446:        /* OIDF */
			if (len != 256 * 4)
				return fail(why, wl, "bad fanout");
			l->fanout = c;
			break;
		case 0x4f49444c:        /* OIDL */
			l->oids = c;
			if (len % H)
				return fail(why, wl, "bad oid list");
			l->n = (uint32_t)(len / H);
			break;
		case 0x43444154:        /* CDAT */
			l->cdat = c;
			if (len % CDAT_SIZE)
				return fail(why, wl, "bad commit data");
			break;
		case 0x47444132:        /* GDA2 */
			l->gda2 = c;
			break;
		case 0x47444f32:        /* GDO2 */
			l->gdo2 = c;
			l->ngdo2 = len / 8;
			break;
		case 0x45444745:        /* EDGE */
			l->edges = c;
			l->nedges = len / 4;
			break;
		case 0x42415345:        /* BASE */
			if (len != nbase * H)
				return fail(why, wl, "bad base list");
			break;
		default:
			break;          /* Bloom filters and the like */
		}
	}
	t = m + 8 + nchunks * 12;
	if (be32(t) != 0)
		return fail(why, wl, "unterminated chunk table");
	if (!l->fanout || !l->oids || !l->cdat)
		return fail(why, wl, "a required chunk is missing");
	/* The sizes again, whatever the order of the chunks. */
	{
		size_t ccount = 0, gcount = 0;

		for (size_t i = 0; i < nchunks; i++) {
			t = m + 8 + i * 12;
			if (be32(t) == 0x43444154)
				ccount = (size_t)(be64(t + 16) - be64(t + 4)) /
				    CDAT_SIZE;
			if (be32(t) == 0x47444132)
				gcount = (size_t)(be64(t + 16) - be64(t + 4)) /
				    4;
		}
		if (ccount != l->n || (l->gda2 && gcount != l->n))
			return fail(why, wl, "chunk sizes disagree");
	}
	for (int i = 0, prev = 0; i < 256; i++) {
		uint32_t f = be32(l->fanout + 4 * i);

		if (f < (uint32_t)prev || f > l->n)
			return fail(why, wl, "bad fanout");
		prev = (int)f;
		if (i == 255 && f != l->n)
			return fail(why, wl, "fanout does not end at "
			    "the count");
	}
	return 0;
}

void
rel_git_graph_close(struct rel_git_graph *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->nl; i++)
		unmap(&g->l[i]);
	free(g);
}

static int
base_list_ok(const struct rel_git_graph *g, size_t i)
{
	const struct layer *l = &g->l[i];
	const unsigned char *m = l->map;
	size_t nchunks = m[6];

	for (size_t k = 0; k < nchunks; k++) {
		const unsigned char *t = m + 8 + k * 12;

		if (be32(t) == 0x42415345) {
			const unsigned char *base = m + be64(t + 4);

			for (size_t j = 0; j < i; j++)
				if (memcmp(base + j * H, g->l[j].name, H))
					return 0;
			return 1;
		}
	}
	return i == 0;
}

/* The layers of objdir/info/commit-graphs/commit-graph-chain: 1, 0 if
 * there is no chain, -1 (why set) if it cannot be used. */
static int
open_chain(const char *objdir, struct rel_git_graph *g, char *why, size_t wl)
{
	char path[4096], line[128];
	FILE *f;
	int rc = 1, fd;

	snprintf(path, sizeof path, "%s/info/commit-graphs/commit-graph-chain",
	    objdir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
		return errno == ENOENT ? 0 : fail(why, wl, "%s: %s", path,
		    strerror(errno));
	if (!(f = fdopen(fd, "r"))) {
		close(fd);
		return fail(why, wl, "%s: %s", path, strerror(errno));
	}
	while (rc > 0 && fgets(line, sizeof line, f)) {
		struct layer *l;
		size_t len = strcspn(line, "\r\n");

		line[len] = '\0';
		if (!len)
			continue;
		if (g->nl == MAX_LAYERS || len != 2 * H) {
			rc = fail(why, wl, "bad chain file");
			break;
		}
		l = &g->l[g->nl];
		if (rel_git_hex_to_oid(line, l->name) < 0) {
			rc = fail(why, wl, "bad chain file");
			break;
		}
		snprintf(path, sizeof path,
		    "%s/info/commit-graphs/graph-%s.graph", objdir, line);
		if (map_file(path, l) <= 0) {
			rc = fail(why, wl, "%s: cannot be read", path);
			break;
		}
		g->nl++;
		l->named = 1;
		if (parse_layer(l, g->nl - 1, why, wl) < 0)
			rc = -1;
		else if (!base_list_ok(g, g->nl - 1))
			rc = fail(why, wl, "%s: not the chain's layer", path);
	}
	if (ferror(f))
		rc = fail(why, wl, "cannot read the chain file");
	fclose(f);
	if (rc > 0 && !g->nl)
		rc = fail(why, wl, "empty chain file");
	return rc;
}

int
rel_git_graph_open(const char *objdir, struct rel_git_graph **out,
    char *why, size_t whylen)
{
	struct rel_git_graph *g = calloc(1, sizeof *g);
	char path[4096];
	uint64_t total = 0;
	int rc;

	*out = NULL;
	if (why && whylen)
		why[0] = '\0';
	if (!g) {
		fail(why, whylen, "out of memory");
		return 0;
	}
	snprintf(path, sizeof path, "%s/info/commit-graph", objdir);
	rc = map_file(path, &g->l[0]);
	if (rc > 0) {
		g->nl = 1;
		rc = parse_layer(&g->l[0], 0, why, whylen) < 0 ? -1 : 1;
	} else if (rc == 0) {
		rc = open_chain(objdir, g, why, whylen);
		if (rc == 0)
			fail(why, whylen, "no commit-graph");
	} else {
		fail(why, whylen, "%s: cannot be read", path);
	}
	if (rc <= 0) {
		rel_git_graph_close(g);
		return 0;
	}
	g->v2 = 1;
	for (size_t i = 0; i < g->nl; i++) {
		g->l[i].base = (uint32_t)total;
		total += g->l[i].n;
		if (!g->l[i].gda2)
			g->v2 = 0;
	}
	if (total >= PARENT_NONE) {
		rel_git_graph_close(g);
		fail(why, whylen, "too many commits");
		return 0;
	}
	g->total = (uint32_t)total;
	*out = g;
	return 1;
}

int
rel_git_graph_verify(const struct rel_git_graph *g)
{
	for (size_t i = 0; i < g->nl; i++) {
		const struct layer *l = &g->l[i];
		unsigned char sum[H];

		rel_sha1(l->map, l->size - H, sum);
		if (memcmp(sum, l->map + l->size - H, H))
			return -1;
		if (l->named && memcmp(sum, l->name, H))
			return -1;
	}
	return 0;
}

uint32_t
rel_git_graph_count(const struct rel_git_graph *g)
{
	return g->total;
}

int
rel_git_graph_v2(const struct rel_git_graph *g)
{
	return g->v2;
}

/* The layer holding pos, with pos made local to it; NULL if none. */
static const struct layer *
layer_of(const struct rel_git_graph *g, uint32_t *pos)
{
	for (size_t i = g->nl; i-- > 0; )
		if (*pos >= g->l[i].base) {
			if (*pos - g->l[i].base >= g->l[i].n)
				return NULL;
			*pos -= g->l[i].base;
			return &g->l[i];
		}
	return NULL;
}

uint32_t
rel_git_graph_find(const struct rel_git_graph *g,
    const unsigned char oid[REL_GIT_RAWSZ])
{
	for (size_t i = g->nl; i-- > 0; ) {
		const struct layer *l = &g->l[i];
		uint32_t lo = oid[0] ? be32(l->fanout + 4 * (oid[0] - 1)) : 0;
		uint32_t hi = be32(l->fanout + 4 * oid[0]);

		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			int c = memcmp(l->oids + (size_t)mid * H, oid, H);

			if (!c)
				return l->base + mid;
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return REL_GIT_GRAPH_NONE;
}

const unsigned char *
rel_git_graph_oid(const struct rel_git_graph *g, uint32_t pos)
{
	const struct layer *l = layer_of(g, &pos);

	return l ? l->oids + (size_t)pos * H : NULL;
}

/* A parent position as stored: NONE, or a position that must exist. */
static int
parent_pos(const struct rel_git_graph *g, uint32_t v, uint32_t *out)
{
	if (v == PARENT_NONE) {
		*out = REL_GIT_GRAPH_NONE;
		return 0;
	}
	if (v >= g->total)
		return -1;
	*out = v;
	return 0;
}

int
rel_git_graph_commit(const struct rel_git_graph *g, uint32_t pos,
    struct rel_git_graph_commit *c)
{
	const struct layer *l = layer_of(g, &pos);
	const unsigned char *d;
	uint32_t w1, w2, p2;

	if (!l)
		return -1;
	d = l->cdat + (size_t)pos * CDAT_SIZE;
	w1 = be32(d + H + 8);
	w2 = be32(d + H + 12);
	c->date = (int64_t)((uint64_t)(w1 & 3) << 32 | w2);
	if (parent_pos(g, be32(d + H), &c->parent[0]) < 0)
		return -1;
	p2 = be32(d + H + 4);
	c->edges = REL_GIT_GRAPH_NONE;
	if (p2 != PARENT_NONE && (p2 & PARENT_EDGES)) {
		c->parent[1] = REL_GIT_GRAPH_NONE;
		c->edges = p2 & ~PARENT_EDGES;
		/* The extra edges of a commit are in its own layer. */
		if (!l->edges || c->edges >= l->nedges)
			return -1;
		c->edges = (uint32_t)(l - g->l) << 24 | c->edges;
		if (l - g->l >= 256 || (p2 & ~PARENT_EDGES) >= (1u << 24))
			return -1;
	} else if (parent_pos(g, p2, &c->parent[1]) < 0) {
		return -1;
	}
	if (g->v2) {
		uint32_t off = be32(l->gda2 + (size_t)pos * 4);

		if (off & 0x80000000u) {
			off &= 0x7fffffffu;
			if (!l->gdo2 || off >= l->ngdo2)
				return -1;
			c->generation = (uint64_t)c->date +
			    be64(l->gdo2 + (size_t)off * 8);
		} else {
			c->generation = (uint64_t)c->date + off;
		}
	} else {
		c->generation = w1 >> 2;
	}
	return 0;
}

int
rel_git_graph_extra_parent(const struct rel_git_graph *g,
    const struct rel_git_graph_commit *c, size_t i, uint32_t *parent)
{
	const struct layer *l;
	size_t e;
	uint32_t v;

	if (c->edges == REL_GIT_GRAPH_NONE)
		return 0;
	l = &g->l[c->edges >> 24];
	e = (c->edges & 0xffffff) + i;
	if (c->edges >> 24 >= g->nl)
		return -1;
	/* The entry before ends the list when its high bit is set. */
	if (i > 0 && (e - 1 >= l->nedges || (be32(l->edges + (e - 1) * 4) &
	    PARENT_EDGES)))
		return 0;
	if (e >= l->nedges)
		return -1;
	v = be32(l->edges + e * 4) & ~PARENT_EDGES;
	if (v >= g->total)
		return -1;
	*parent = v;
	return 1;
}
