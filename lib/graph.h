/*
 * graph.h - a release's flow drawn for a terminal (rel-status --graph).
 *
 * Environments are laid out top to bottom by depth (the longest chain of
 * needs above them); those at the same depth, such as parallel branches,
 * stand side by side.  Each box shows the environment, its status and
 * the release live there.  Between two rows, lines join each environment
 * to those that need it; an environment whose needs are not exactly the
 * joined ones above it says so in its box.  UTF-8 box drawing, or ASCII.
 */
#ifndef REL_GRAPH_H
#define REL_GRAPH_H

#include "buf.h"
#include "envlog.h"
#include "release.h"

/* utf8: box-drawing characters, else ASCII; color: SGR colours. */
void rel_graph(const struct rel_release *r, const struct rel_livemap *live,
    int utf8, int color, struct rel_buf *out);

/* Does the locale (LC_ALL, LC_CTYPE, LANG) say UTF-8? */
int rel_locale_utf8(void);

#endif
