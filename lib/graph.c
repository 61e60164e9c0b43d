/*
 * graph.c - draw a flow as boxes and lines (see graph.h).
 *
 * The picture is built on a grid of cells, each cell one glyph, then
 * printed row by row with trailing blanks cut.  Colour is applied to the
 * status text when the grid is printed, so widths stay exact.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "table.h"

enum glyph { G_SP, G_H, G_V, G_TL, G_TR, G_BL, G_BR, G_TDOWN, G_TUP,
	G_CROSS, G_ARROW, G_LTEE, G_RTEE, G_TEXT };

static const char *const utf8_glyph[] = { " ", "─", "│", "┌", "┐", "└",
	"┘", "┬", "┴", "┼", "▼", "├", "┤" };
static const char *const ascii_glyph[] = { " ", "-", "|", "+", "+", "+",
	"+", "+", "+", "+", "v", "+", "+" };

struct cell {
	unsigned char g;        /* enum glyph */
	char ch;                /* G_TEXT: the byte */
	signed char color;      /* status index to colour, -1 none */
};

struct grid {
	int w, h;
	struct cell *c;
};

struct box {
	size_t env;
	int depth;
	int x, y, w, h;         /* position and size on the grid */
	char lines[4][160];     /* text lines inside */
	int status_line;        /* which line holds the status */
};

int
rel_locale_utf8(void)
{
	const char *vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };

	for (size_t i = 0; i < 3; i++) {
		const char *v = getenv(vars[i]);

		if (v && *v) {
			for (const char *p = v; *p; p++)
				if ((p[0] == 'U' || p[0] == 'u') &&
				    (p[1] == 'T' || p[1] == 't') &&
				    (p[2] == 'F' || p[2] == 'f'))
					return 1;
			return 0;
		}
	}
	return 0;
}

static struct cell *
at(struct grid *g, int x, int y)
{
	static struct cell none;

	if (x < 0 || y < 0 || x >= g->w || y >= g->h)
		return &none;
	return &g->c[y * g->w + x];
}

static void
put(struct grid *g, int x, int y, enum glyph gl)
{
	struct cell *c = at(g, x, y);

	/* Lines that meet become junctions. */
	if ((c->g == G_H && gl == G_V) || (c->g == G_V && gl == G_H))
		gl = G_CROSS;
	c->g = (unsigned char)gl;
	c->color = -1;
}

static void
text(struct grid *g, int x, int y, const char *s, int color)
{
	for (; *s; s++, x++) {
		struct cell *c = at(g, x, y);

		c->g = G_TEXT;
		c->ch = *s;
		c->color = (signed char)color;
	}
}

static int
center(const struct box *b)
{
	return b->x + b->w / 2;
}

void
rel_graph(const struct rel_release *r, const struct rel_livemap *live,
    int utf8, int color, struct rel_buf *out)
{
	const char *const *glyph = utf8 ? utf8_glyph : ascii_glyph;
	struct box *bx = calloc(r->nenvs ? r->nenvs : 1, sizeof *bx);
	int *depth = calloc(r->nenvs ? r->nenvs : 1, sizeof *depth);
	int maxd = 0, y = 0, width = 0, changed = 1;
	struct grid g = { 0, 0, NULL };

	if (!bx || !depth)
		goto out;
	/* Depth: the longest chain of needs (the flow is acyclic). */
	for (int pass = 0; changed && pass <= (int)r->nenvs; pass++) {
		changed = 0;
		for (size_t i = 0; i < r->nenvs; i++)
			for (size_t k = 0; k < r->envs[i].nneeds; k++) {
				int d = depth[r->envs[i].needs[k]] + 1;

				if (d > depth[i]) {
					depth[i] = d;
					changed = 1;
				}
			}
	}
	for (size_t i = 0; i < r->nenvs; i++)
		if (depth[i] > maxd)
			maxd = depth[i];
	/* Boxes: text, sizes, then places row by row. */
	for (size_t i = 0; i < r->nenvs; i++) {
		const struct rel_env *e = &r->envs[i];
		const char *l = live ? rel_livemap_get(live, e->name) : NULL;
		struct box *b = &bx[i];
		int n = 0;

		b->env = i;
		b->depth = depth[i];
		snprintf(b->lines[n++], sizeof b->lines[0], "%s%s", e->name,
		    e->trigger == REL_TRIGGER_MANUAL ? " (manual)" : "");
		b->status_line = n;
		snprintf(b->lines[n++], sizeof b->lines[0], "%s",
		    rel_status_name(e->status));
		snprintf(b->lines[n++], sizeof b->lines[0], "live: %s",
		    l ? (!strcmp(l, r->id) ? "this release" : l) : "-");
		b->h = 2 + n;
		b->w = 0;
		for (int k = 0; k < n; k++)
			if ((int)strlen(b->lines[k]) > b->w)
				b->w = (int)strlen(b->lines[k]);
		b->w += 4;
	}
	/* Needs that the lines between rows cannot show go in the box. */
	for (size_t i = 0; i < r->nenvs; i++) {
		const struct rel_env *e = &r->envs[i];
		int exact = 1;
		char list[120] = "";

		for (size_t k = 0; k < e->nneeds; k++)
			if (depth[e->needs[k]] != depth[i] - 1)
				exact = 0;
		/* Every need one row up joins every env of this row that has
		 * needs there: exact only if all of them need the same. */
		for (size_t j = 0; j < r->nenvs && exact; j++) {
			if (depth[j] != depth[i] || !r->envs[j].nneeds)
				continue;
			for (size_t a = 0; a < r->nenvs && exact; a++) {
				int ni = 0, nj = 0;

				if (depth[a] != depth[i] - 1)
					continue;
				for (size_t k = 0; k < e->nneeds; k++)
					ni |= e->needs[k] == a;
				for (size_t k = 0; k < r->envs[j].nneeds; k++)
					nj |= r->envs[j].needs[k] == a;
				if (ni != nj)
					exact = 0;
			}
		}
		if (exact || !e->nneeds)
			continue;
		/* Whole names only: when they do not all fit, as many as do
		 * and how many more, never a name cut short. */
		for (size_t k = 0; k < e->nneeds; k++) {
			size_t len = strlen(list);
			const char *nm = r->envs[e->needs[k]].name;
			size_t more = k + 1 < e->nneeds ? sizeof ",+999 more" : 1;

			if (len + (k ? 1 : 6) + strlen(nm) + more > sizeof list) {
				snprintf(list + len, sizeof list - len,
				    ",+%zu more", e->nneeds - k);
				break;
			}
			snprintf(list + len, sizeof list - len, "%s%s",
			    k ? "," : "needs ", nm);
		}
		snprintf(bx[i].lines[3], sizeof bx[i].lines[3], "%s", list);
		bx[i].h = 6;
		if ((int)strlen(list) + 4 > bx[i].w)
			bx[i].w = (int)strlen(list) + 4;
	}
	for (int d = 0; d <= maxd; d++) {
		int x = 0, h = 0;

		for (size_t i = 0; i < r->nenvs; i++) {
			if (bx[i].depth != d)
				continue;
			bx[i].x = x;
			bx[i].y = y;
			x += bx[i].w + 2;
			if (bx[i].h > h)
				h = bx[i].h;
		}
		if (x - 2 > width)
			width = x - 2;
		for (size_t i = 0; i < r->nenvs; i++)
			if (bx[i].depth == d)
				bx[i].h = h; /* a row's boxes are equally tall */
		y += h + 3; /* room for the lines to the next row */
	}
	g.w = width + 1;
	g.h = y > 3 ? y - 3 : 1;
	if (!(g.c = calloc((size_t)g.w * (size_t)g.h, sizeof *g.c)))
		goto out;
	for (int i = 0; i < g.w * g.h; i++)
		g.c[i].color = -1;
	/* Draw the boxes. */
	for (size_t i = 0; i < r->nenvs; i++) {
		struct box *b = &bx[i];

		for (int x = b->x + 1; x < b->x + b->w - 1; x++) {
			put(&g, x, b->y, G_H);
			put(&g, x, b->y + b->h - 1, G_H);
		}
		for (int yy = b->y + 1; yy < b->y + b->h - 1; yy++) {
			put(&g, b->x, yy, G_V);
			put(&g, b->x + b->w - 1, yy, G_V);
		}
		put(&g, b->x, b->y, G_TL);
		put(&g, b->x + b->w - 1, b->y, G_TR);
		put(&g, b->x, b->y + b->h - 1, G_BL);
		put(&g, b->x + b->w - 1, b->y + b->h - 1, G_BR);
		for (int k = 0; k < 4; k++)
			if (b->lines[k][0])
				text(&g, b->x + 2, b->y + 1 + k, b->lines[k],
				    k == b->status_line ?
				    (int)r->envs[i].status : -1);
	}
	/* The lines between a row and the next: a bus, whose junctions
	 * follow from which way each of its cells connects. */
	for (int d = 0; d < maxd; d++) {
		unsigned char *up = NULL, *down = NULL;
		int lo = g.w, hi = -1, busy = -1;

		up = calloc((size_t)g.w, 1);
		down = calloc((size_t)g.w, 1);
		if (!up || !down) {
			free(up);
			free(down);
			break;
		}
		for (size_t i = 0; i < r->nenvs; i++) {
			int from = 0, to = 0, c = center(&bx[i]);

			for (size_t j = 0; j < r->nenvs; j++)
				for (size_t k = 0; k < r->envs[j].nneeds; k++) {
					if (r->envs[j].needs[k] == i &&
					    depth[j] == d + 1 && depth[i] == d)
						from = 1;
					if (j == i && depth[i] == d + 1 &&
					    depth[r->envs[i].needs[k]] == d)
						to = 1;
				}
			if (!from && !to)
				continue;
			if (c < lo)
				lo = c;
			if (c > hi)
				hi = c;
			if (from) {
				up[c] = 1;
				busy = bx[i].y + bx[i].h + 1;
				put(&g, c, busy - 1, G_V);
				at(&g, c, bx[i].y + bx[i].h - 1)->g = G_TDOWN;
			}
			if (to)
				down[c] = 1;
		}
		for (int x = lo; busy >= 0 && x <= hi; x++) {
			int u = up[x], dn = down[x], l = x > lo, rt = x < hi;
			enum glyph gl;

			if (!u && !dn)
				gl = G_H;
			else if (u && dn)
				gl = l && rt ? G_CROSS : l ? G_RTEE : rt ? G_LTEE :
				    G_V;
			else if (u)
				gl = l && rt ? G_TUP : l ? G_BR : rt ? G_BL : G_V;
			else
				gl = l && rt ? G_TDOWN : l ? G_TR : rt ? G_TL :
				    G_V;
			at(&g, x, busy)->g = (unsigned char)gl;
			at(&g, x, busy)->color = -1;
			if (dn)
				put(&g, x, busy + 1, G_ARROW);
		}
		free(up);
		free(down);
	}
	/* Print. */
	for (int yy = 0; yy < g.h; yy++) {
		int last = g.w - 1;

		while (last >= 0 && at(&g, last, yy)->g == G_SP)
			last--;
		for (int x = 0; x <= last; x++) {
			struct cell *c = at(&g, x, yy);
			const char *sgr = c->color >= 0 && color ?
			    rel_status_color(rel_status_name(
			    (enum rel_status)c->color)) : NULL;
			int first = sgr && (x == 0 || at(&g, x - 1, yy)->color !=
			    c->color);
			int lastc = sgr && at(&g, x + 1, yy)->color != c->color;

			if (first)
				rel_buf_addf(out, "\033[%sm", sgr);
			if (c->g == G_TEXT)
				rel_buf_addc(out, c->ch);
			else
				rel_buf_adds(out, glyph[c->g]);
			if (lastc)
				rel_buf_adds(out, "\033[0m");
		}
		rel_buf_addc(out, '\n');
	}
out:
	free(g.c);
	free(bx);
	free(depth);
}
