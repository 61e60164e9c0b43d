/*
 * sink.h - where the rows of a view go, and what each view's columns are:
 * declared once here, for its three renderings.
 *
 *   TSV    for programs: the columns in this order, one row a line,
 *          fields escaped (\t, \n, \\), no header.  A promise to
 *          scripts: a view only ever gains columns at its end.
 *   table  for people: the headers above, aligned; status columns
 *          coloured.
 *   JSON   JSON Lines: an object a row, the keys below; "-" and a missing
 *          cell are null; a number or yes/no column is a JSON number or
 *          boolean.
 *
 * The views (rel-status(1) shows them with examples):
 *   summary  id product status created by hotfix envs
 *   envs     id env status started finished live
 *   steps    id env step component status attempt started finished
 *            seconds code reason
 *   history  time id by what from to why
 *   live     env release since how by product state
 *   envhist  (--history --env ENV)
 *            time env release status how by previous why
 *   frozen   (--frozen) product env since until source by hotfix reason
 *            (until "-": until lifted; source window or rel-freeze;
 *            hotfix allow or deny)
 *   check    product releases transitions env_runs problems fixed stale
 *
 * A sink holds one view at a time: rel_sink_begin, rows, rel_sink_end.
 */
#ifndef REL_SINK_H
#define REL_SINK_H

#include <stddef.h>

#include "buf.h"
#include "table.h"

enum rel_format { REL_FMT_TSV, REL_FMT_TABLE, REL_FMT_JSON };

enum rel_coltype {
	REL_COL_TEXT,
	REL_COL_STATUS,    /* text, coloured as a status in a table */
	REL_COL_NUMBER,    /* a JSON number */
	REL_COL_YESNO,     /* "yes" or "no": a JSON boolean */
};

struct rel_column {
	const char *header;        /* in a table: "ID" */
	const char *key;           /* in JSON: "id" */
	enum rel_coltype type;
};

struct rel_layout {
	const char *name;          /* "envs" */
	size_t ncols;
	const struct rel_column *cols;
};

extern const struct rel_layout rel_layout_summary, rel_layout_envs,
    rel_layout_steps, rel_layout_history, rel_layout_live,
    rel_layout_envhist, rel_layout_frozen, rel_layout_check;

/* Where rows go: out, directly (TSV, JSON) or through table. */
struct rel_sink {
	enum rel_format format;
	int color;                 /* a table in colour */
	struct rel_buf *out;
	struct rel_table table;
	const struct rel_layout *layout;  /* the view being shown */
};

/* Start showing layout's rows (a table gets its header). */
void rel_sink_begin(struct rel_sink *s, const struct rel_layout *layout);
/* One row: as many cells as the layout has columns. */
void rel_sink_row(struct rel_sink *s, const char *const *cells);
/* The table, if any, rendered into out; the sink can begin again.
 * Returns the number of rows shown in a table (0 for TSV and JSON). */
size_t rel_sink_end(struct rel_sink *s);

#endif
