/*
 * show.h - what rel-status prints: the views of releases, in TSV lines
 * for programs, aligned tables for people and JSON Lines.
 *
 * The TSV views are a promise to scripts: fixed columns, one record per
 * line, fields escaped (\t, \n, \\), no header, never changed
 * incompatibly.  Columns:
 *   summary  id product status created by hotfix envs
 *   envs     id env status started finished live
 *   steps    id env step component status attempt started finished
 *            seconds code reason
 *   history  time id who what from to why
 *   live     env release since how by product
 *   env history (--history --env ENV)
 *            time env release status how by previous why
 *   frozen   product env since until source by hotfix reason
 *            (until "-": until lifted; source window or rel-freeze;
 *            hotfix allow or deny)
 * In JSON (--format json) each row is an object with these column names
 * as keys, string values, and null for "-".
 */
#ifndef REL_SHOW_H
#define REL_SHOW_H

#include "buf.h"
#include "envlog.h"
#include "release.h"
#include "table.h"

enum rel_format { REL_FMT_TSV, REL_FMT_TABLE, REL_FMT_JSON };

/* Where rows go: TSV lines into out, or rows of a table. */
struct rel_sink {
	enum rel_format format;
	int color;
	struct rel_buf *out;
	struct rel_table *table;
	const char *const *keys;   /* JSON: the column names */
};

/* Emit one row of n cells; cells whose index is in status_cols (a bit
 * mask) are coloured as statuses in a table. */
void rel_sink_row(struct rel_sink *s, const char *const *cells, size_t n,
    unsigned status_cols);

/* Header rows for the table forms. */
extern const char *const rel_summary_header[7];
extern const char *const rel_envs_header[6];
extern const char *const rel_steps_header[11];
extern const char *const rel_history_header[7];
extern const char *const rel_live_header[7];
extern const char *const rel_envhist_header[8];
extern const char *const rel_frozen_header[8];

/* The JSON keys of a view: its header, in lower case. */
extern const char *const rel_envs_keys[6];
extern const char *const rel_steps_keys[11];
extern const char *const rel_history_keys[7];
extern const char *const rel_live_keys[7];
extern const char *const rel_envhist_keys[8];
extern const char *const rel_frozen_keys[8];

/* A summary line (as rel_release_summary makes it) as a row. */
void rel_show_summary_line(struct rel_sink *s, const char *line, size_t len);

/* One row per environment of r; env (NULL: all) and want (statuses,
 * -1 terminated; NULL: all) filter.  Returns the number of rows. */
size_t rel_show_envs(struct rel_sink *s, const struct rel_release *r,
    const struct rel_livemap *live, const char *env, const int *want);
/* One row per step run. */
size_t rel_show_steps(struct rel_sink *s, const struct rel_release *r,
    const char *env, const int *want);
/* One row per transition. */
void rel_show_history(struct rel_sink *s, const struct rel_release *r);

/* The JSON object of a release, one line (no newline). */
void rel_show_json(const struct rel_release *r,
    const struct rel_livemap *live, struct rel_buf *out);

/* Everything about one release, for a person. */
void rel_show_detail(const struct rel_release *r,
    const struct rel_livemap *live, int color, struct rel_buf *out);

/* Is status s in want (-1 terminated)?  want NULL: yes. */
int rel_status_in(int s, const int *want);

#endif
