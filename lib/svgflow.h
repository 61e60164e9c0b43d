/*
 * svgflow.h - a flow drawn as SVG, for a web page (rel-status --format
 * html).
 *
 * The boxes stand where the terminal's picture puts them (graph.h): rows
 * by depth, parallel branches side by side.  Each environment is a box
 * with its name, "(manual)" and a dashed border for a manual gate, and
 * two lines the caller chooses; an arrow goes from each environment to
 * each that needs it, so every need is drawn, also one that skips rows
 * (it goes around the right of the boxes).  Colours come from the page's
 * style sheet through classes (s-STATUS on a box), never from style
 * attributes, so that a page with a strict Content-Security-Policy keeps
 * them; every text is escaped.
 */
#ifndef REL_SVGFLOW_H
#define REL_SVGFLOW_H

#include "buf.h"
#include "release.h"
#include "status.h"

/* What the box of one environment says besides its name. */
struct rel_svgflow_box {
	int has_status;         /* 0: nothing to colour the box by */
	enum rel_status status; /* its class; the word should be in a line */
	const char *line1, *line2; /* "" for none */
	const char *title;      /* a tooltip, or NULL */
};

/* Append an <svg> element picturing r's flow, box[i] for r->envs[i];
 * label is its accessible name.  Nothing when r has no environment. */
void rel_svgflow(const struct rel_release *r,
    const struct rel_svgflow_box *box, const char *label,
    struct rel_buf *out);

#endif
