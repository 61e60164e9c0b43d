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
center(const struct rel_graph_box *b)
{
	return b->x + b->w / 2;
}

int
rel_graph_boxes(const struct rel_release *r, struct rel_graph_layout *g)
{
	int changed = 1;

	memset(g, 0, sizeof *g);
	if (!(g->box = calloc(r->nenvs ? r->nenvs : 1, sizeof *g->box)))
		return -1;
	g->n = r->nenvs;
	/* Depth: the longest chain of needs (the flow is acyclic). */
	for (int pass = 0; changed && pass <= (int)r->nenvs; pass++) {
		changed = 0;
		for (size_t i = 0; i < r->nenvs; i++)
			for (size_t k = 0; k < r->envs[i].nneeds; k++) {
				int d = g->box[r->envs[i].needs[k]].depth + 1;

				if (d > g->box[i].depth) {
					g->box[i].depth = d;
					changed = 1;
				}
			}
	}
	for (size_t i = 0; i < r->nenvs; i++) {
		if (g->box[i].depth + 1 > g->rows)
			g->rows = g->box[i].depth + 1;
		snprintf(g->box[i].lines[0], sizeof g->box[i].lines[0], "%s%s",
		    r->envs[i].name, r->envs[i].trigger == REL_TRIGGER_MANUAL ?
		    " (manual)" : "");
	}
	return 0;
}

/* Does every need of env i sit one row up, and does every env of its row
 * that has needs need the same ones there?  Then the bus between the
 * rows shows i's needs exactly. */
static int
needs_exact(const struct rel_release *r, const struct rel_graph_layout *g,
    size_t i)
{
	const struct rel_env *e = &r->envs[i];
	int d = g->box[i].depth;

	for (size_t k = 0; k < e->nneeds; k++)
		if (g->box[e->needs[k]].depth != d - 1)
			return 0;
	for (size_t j = 0; j < r->nenvs; j++) {
		if (g->box[j].depth != d || !r->envs[j].nneeds)
			continue;
		for (size_t a = 0; a < r->nenvs; a++) {
			int ni = 0, nj = 0;

			if (g->box[a].depth != d - 1)
				continue;
			for (size_t k = 0; k < e->nneeds; k++)
				ni |= e->needs[k] == a;
			for (size_t k = 0; k < r->envs[j].nneeds; k++)
				nj |= r->envs[j].needs[k] == a;
			if (ni != nj)
				return 0;
		}
	}
	return 1;
}

/* "needs a,b" in line 3 of box i: whole names only; when they do not all
 * fit, as many as do and how many more, never a name cut short. */
static void
needs_note(const struct rel_release *r, size_t i, char *list, size_t cap)
{
	const struct rel_env *e = &r->envs[i];

	list[0] = '\0';
	for (size_t k = 0; k < e->nneeds; k++) {
		size_t len = strlen(list);
		const char *nm = r->envs[e->needs[k]].name;
		size_t more = k + 1 < e->nneeds ? sizeof ",+999 more" : 1;

		if (len + (k ? 1 : 6) + strlen(nm) + more > cap) {
			snprintf(list + len, cap - len, ",+%zu more",
			    e->nneeds - k);
			break;
		}
		snprintf(list + len, cap - len, "%s%s", k ? "," : "needs ", nm);
	}
}

void
rel_graph_place(const struct rel_release *r, int notes,
    struct rel_graph_layout *g)
{
	int y = 0;

	for (size_t i = 0; i < g->n; i++) {
		struct rel_graph_box *b = &g->box[i];
		int n = 0;

		if (notes && r->envs[i].nneeds && !needs_exact(r, g, i))
			needs_note(r, i, b->lines[3], 120);
		b->w = 0;
		for (int k = 0; k < REL_GRAPH_LINES; k++)
			if (b->lines[k][0]) {
				n = k + 1;
				if ((int)strlen(b->lines[k]) > b->w)
					b->w = (int)strlen(b->lines[k]);
			}
		b->w += 4;
		b->h = 2 + n;
	}
	g->w = 0;
	for (int d = 0; d < g->rows; d++) {
		int x = 0, h = 0;

		for (size_t i = 0; i < g->n; i++) {
			if (g->box[i].depth != d)
				continue;
			g->box[i].x = x;
			g->box[i].y = y;
			x += g->box[i].w + 2;
			if (g->box[i].h > h)
				h = g->box[i].h;
		}
		if (x - 2 > g->w)
			g->w = x - 2;
		for (size_t i = 0; i < g->n; i++)
			if (g->box[i].depth == d)
				g->box[i].h = h; /* a row's boxes are equally tall */
		y += h + REL_GRAPH_GAP; /* room for the lines to the next row */
	}
	g->h = y > REL_GRAPH_GAP ? y - REL_GRAPH_GAP : 0;
}

void
rel_graph_layout_free(struct rel_graph_layout *g)
{
	free(g->box);
	memset(g, 0, sizeof *g);
}

void
rel_graph(const struct rel_release *r, const struct rel_livemap *live,
    int utf8, int color, struct rel_buf *out)
{
	const char *const *glyph = utf8 ? utf8_glyph : ascii_glyph;
	struct rel_graph_layout lay;
	struct rel_graph_box *bx;
	struct grid g = { 0, 0, NULL };
	int maxd;

	if (rel_graph_boxes(r, &lay))
		return;
	for (size_t i = 0; i < r->nenvs; i++) {
		const char *l = live ? rel_livemap_get(live, r->envs[i].name) :
		    NULL;

		snprintf(lay.box[i].lines[1], sizeof lay.box[i].lines[1], "%s",
		    rel_status_name(r->envs[i].status));
		snprintf(lay.box[i].lines[2], sizeof lay.box[i].lines[2],
		    "live: %s", l ? (!strcmp(l, r->id) ? "this release" : l) :
		    "-");
	}
	rel_graph_place(r, 1, &lay);
	bx = lay.box;
	maxd = lay.rows - 1;
	g.w = lay.w + 1;
	g.h = lay.h > 0 ? lay.h : 1;
	if (!(g.c = calloc((size_t)g.w * (size_t)g.h, sizeof *g.c)))
		goto out;
	for (int i = 0; i < g.w * g.h; i++)
		g.c[i].color = -1;
	/* Draw the boxes. */
	for (size_t i = 0; i < r->nenvs; i++) {
		struct rel_graph_box *b = &bx[i];

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
		for (int k = 0; k < REL_GRAPH_LINES; k++)
			if (b->lines[k][0])
				text(&g, b->x + 2, b->y + 1 + k, b->lines[k],
				    k == 1 ? (int)r->envs[i].status : -1);
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
					    bx[j].depth == d + 1 && bx[i].depth == d)
						from = 1;
					if (j == i && bx[i].depth == d + 1 &&
					    bx[r->envs[i].needs[k]].depth == d)
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
	rel_graph_layout_free(&lay);
}
