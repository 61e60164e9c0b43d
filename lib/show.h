/*
 * show.h - what rel-status shows of a release: the rows of the views
 * summary, envs, steps and history (their columns are in sink.h), its
 * JSON object (--format json without a view), and everything about it
 * for a person (one release on a terminal).
 */
#ifndef REL_SHOW_H
#define REL_SHOW_H

#include "buf.h"
#include "envlog.h"
#include "release.h"
#include "sink.h"

/* A summary line (as rel_release_summary makes it) as a row: TSV is the
 * line itself (the index keeps it so); a table spaces and colours the
 * environments. */
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
