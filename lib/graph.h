/*
 * graph.h - a release's flow drawn for a terminal (rel-status --graph).
 *
 * Environments are laid out top to bottom by depth (the longest chain of
 * needs above them); those at the same depth, such as parallel branches,
 * stand side by side.  Each box shows the environment, its status and
 * the release live there.  Between two rows, lines join each environment
 * to those that need it; an environment whose needs are not exactly the
 * joined ones above it says so in its box.  UTF-8 box drawing, or ASCII.
 *
 * The layout (depths, box sizes and places, in character cells) is its
 * own step, so that other pictures of a flow (svgflow.h) place their
 * boxes exactly as the terminal's.
 */
#ifndef REL_GRAPH_H
#define REL_GRAPH_H

#include "buf.h"
#include "envlog.h"
#include "release.h"

#define REL_GRAPH_LINES 4   /* text lines in a box at most */
#define REL_GRAPH_TEXT 160  /* bytes of a line, with its NUL */
#define REL_GRAPH_GAP 3     /* cells between rows, for the lines */

/* An environment's box, in character cells: a border of one cell around
 * its lines of text, which begin two cells in. */
struct rel_graph_box {
	int depth;             /* the longest chain of needs above it */
	int x, y, w, h;
	char lines[REL_GRAPH_LINES][REL_GRAPH_TEXT]; /* "" for none */
};

struct rel_graph_layout {
	size_t n;                   /* the release's environments */
	struct rel_graph_box *box;  /* one each, in the release's order */
	int rows;                   /* depths 0 .. rows - 1 */
	int w, h;                   /* the whole picture */
};

/* Start a layout of r's environments: each box gets its depth and, as
 * line 0, the environment's name (with " (manual)" for a manual one).
 * The caller writes lines 1 and 2, then calls rel_graph_place.  -1 when
 * out of memory. */
int rel_graph_boxes(const struct rel_release *r, struct rel_graph_layout *g);
/* Size the boxes to their text and place them: rows by depth from the
 * top, REL_GRAPH_GAP cells apart; a row's boxes side by side, two cells
 * apart, all as tall as its tallest.  With notes, an environment whose
 * needs the lines of rel_graph cannot show exactly names them in line 3. */
void rel_graph_place(const struct rel_release *r, int notes,
    struct rel_graph_layout *g);
void rel_graph_layout_free(struct rel_graph_layout *g);

/* utf8: box-drawing characters, else ASCII; color: SGR colours. */
void rel_graph(const struct rel_release *r, const struct rel_livemap *live,
    int utf8, int color, struct rel_buf *out);

/* Does the locale (LC_ALL, LC_CTYPE, LANG) say UTF-8? */
int rel_locale_utf8(void);

#endif
