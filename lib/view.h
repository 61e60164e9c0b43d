/*
 * view.h - how a promotion shows itself while it runs.
 *
 * Not on a terminal: one line per transition, tab-separated, for CI logs
 * and grep:  TIME RELEASE ENV STEP COMPONENT STATUS WHY  ("-" where a
 * field does not apply).  On a terminal: a live view of the environments
 * and their steps with statuses and elapsed times, redrawn in place.
 */
#ifndef REL_VIEW_H
#define REL_VIEW_H

#include <stdio.h>

#include "release.h"
#include "runner.h"

struct rel_view;

/* live: redraw in place (a terminal); color: SGR colours. */
struct rel_view *rel_view_new(FILE *out, int live, int color);
void rel_view_free(struct rel_view *v);

/* Callbacks for struct rel_run_opts (arg is the view). */
void rel_view_event(const struct rel_event *ev, void *arg);
void rel_view_tick(const struct rel_release *r, void *arg);

/* Draw the final state (live view) and stop. */
void rel_view_finish(struct rel_view *v, const struct rel_release *r);

/* Run ru showing its progress on out (a live view if out is a terminal,
 * lines if not; in colour if color); *hungup set means stop showing. */
int rel_view_run(struct rel_runner *ru, FILE *out, int color,
    volatile sig_atomic_t *hungup, enum rel_status *final,
    struct rel_err *err);

#endif
