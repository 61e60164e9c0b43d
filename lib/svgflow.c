/*
 * svgflow.c - a flow as SVG (see svgflow.h).
 *
 * The layout is the terminal's, in character cells (graph.h); a cell is
 * CW by CH pixels and the text is monospace, so a box fits its text as
 * it does on a terminal.  Between two adjacent rows an arrow is a curve
 * from the middle of the bottom of the needed box to the middle of the
 * top of the box that needs it; a need that skips rows leaves down into
 * the gap below its box, runs right into a lane of its own past the
 * widest row, down, and back left in the gap above its target, each lane
 * at its own height in the gaps so that two such arrows never share a
 * segment.
 */
#include <stdio.h>
#include <string.h>

#include "graph.h"
#include "svgflow.h"

enum {
	CW = 8,          /* a cell's width, px */
	CH = 17,         /* a cell's height, px: a line of text */
	PAD = 4,         /* around the picture */
	BASE = 13,       /* from a line's top to its text's baseline */
	HEAD = 6,        /* an arrow head's length and half its width */
	LANE = 10,       /* between lanes on the right */
};

static int
px(int cells, int unit)
{
	return PAD + cells * unit;
}

static void
text(struct rel_buf *out, int x, int y, const char *cls, const char *s)
{
	rel_buf_addf(out, "<text x=\"%d\" y=\"%d\"%s%s%s>", x, y,
	    cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
	rel_buf_add_html(out, s);
	rel_buf_adds(out, "</text>");
}

static void
draw_box(struct rel_buf *out, const struct rel_env *e,
    const struct rel_graph_box *b, const struct rel_svgflow_box *say)
{
	int x = px(b->x, CW), y = px(b->y, CH);

	rel_buf_addf(out, "<g class=\"env%s%s%s\">",
	    e->trigger == REL_TRIGGER_MANUAL ? " manual" : "",
	    say->has_status ? " s-" : "",
	    say->has_status ? rel_status_name(say->status) : "");
	if (say->title) {
		rel_buf_adds(out, "<title>");
		rel_buf_add_html(out, say->title);
		rel_buf_adds(out, "</title>");
	}
	rel_buf_addf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
	    "rx=\"5\"/>", x + 1, y + CH / 2, b->w * CW - 2,
	    (b->h - 1) * CH);
	for (int k = 0; k < REL_GRAPH_LINES; k++)
		if (b->lines[k][0])
			text(out, x + 2 * CW, y + (k + 1) * CH + BASE,
			    k == 0 ? "n" : NULL, b->lines[k]);
	rel_buf_adds(out, "</g>");
}

/* The box's top and bottom edges as drawn. */
static int
top(const struct rel_graph_box *b)
{
	return px(b->y, CH) + CH / 2;
}

static int
bottom(const struct rel_graph_box *b)
{
	return px(b->y, CH) + CH / 2 + (b->h - 1) * CH;
}

static int
mid(const struct rel_graph_box *b)
{
	return px(b->x, CW) + b->w * CW / 2;
}

void
rel_svgflow(const struct rel_release *r, const struct rel_svgflow_box *box,
    const char *label, struct rel_buf *out)
{
	struct rel_graph_layout g;
	int lanes = 0, w, h;

	if (!r->nenvs || rel_graph_boxes(r, &g))
		return;
	for (size_t i = 0; i < r->nenvs; i++) {
		snprintf(g.box[i].lines[1], sizeof g.box[i].lines[1], "%s",
		    box[i].line1 ? box[i].line1 : "");
		snprintf(g.box[i].lines[2], sizeof g.box[i].lines[2], "%s",
		    box[i].line2 ? box[i].line2 : "");
	}
	rel_graph_place(r, 0, &g);
	for (size_t i = 0; i < r->nenvs; i++)
		for (size_t k = 0; k < r->envs[i].nneeds; k++)
			lanes += g.box[i].depth >
			    g.box[r->envs[i].needs[k]].depth + 1;
	w = px(g.w, CW) + PAD + (lanes ? LANE * (lanes + 1) : 0);
	h = px(g.h, CH) + PAD;
	rel_buf_addf(out, "<svg class=\"flow\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">"
	    "<title>", w, h, w, h);
	rel_buf_add_html(out, label);
	rel_buf_adds(out, "</title>");
	for (size_t i = 0; i < r->nenvs; i++)
		draw_box(out, &r->envs[i], &g.box[i], &box[i]);
	lanes = 0;
	for (size_t i = 0; i < r->nenvs; i++) {
		const struct rel_graph_box *to = &g.box[i];
		int x2 = mid(to), y2 = top(to) - HEAD;

		for (size_t k = 0; k < r->envs[i].nneeds; k++) {
			const struct rel_graph_box *from =
			    &g.box[r->envs[i].needs[k]];
			int x1 = mid(from), y1 = bottom(from);

			if (to->depth == from->depth + 1) {
				int ym = (y1 + y2) / 2;

				rel_buf_addf(out, "<path d=\"M%d %dC%d %d %d %d "
				    "%d %d\"/>", x1, y1, x1, ym, x2, ym, x2, y2);
			} else {
				int lane = px(g.w, CW) + LANE * ++lanes;
				int ya = y1 + HEAD + 4 * (lanes % 6);
				int yb = y2 - 4 * (lanes % 6);

				rel_buf_addf(out, "<path d=\"M%d %dV%dH%dV%dH%dV%d\"/>",
				    x1, y1, ya, lane, yb, x2, y2);
			}
		}
		if (r->envs[i].nneeds)
			rel_buf_addf(out, "<polygon points=\"%d,%d %d,%d %d,%d\"/>",
			    x2 - HEAD, y2, x2 + HEAD, y2, x2, y2 + HEAD);
	}
	rel_buf_adds(out, "</svg>");
	rel_graph_layout_free(&g);
}
