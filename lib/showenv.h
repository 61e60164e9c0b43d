/*
 * showenv.h - what rel-status shows of a product's environments: what is
 * live in each (--live), in the order of the flow, the runs of one
 * (--history --env ENV) and what is frozen (--frozen).  Rows of the
 * views live, envhist and frozen (sink.h).
 */
#ifndef REL_SHOWENV_H
#define REL_SHOWENV_H

#include <stddef.h>
#include <stdint.h>

#include "envlog.h"
#include "sink.h"
#include "store.h"

/* The environments of live in the order to show them: the order of the
 * flow of the product's newest release, then the environments it no
 * longer has, in live's order.  order gets live->n indexes into live;
 * out of memory (or with no release) it is live's own order. */
void rel_live_order(struct rel_product *p, const struct rel_livemap *live,
    size_t *order);

/* The live row of env: its live release, since when, how it went there,
 * by whom, and where a rollback stands; no row when nothing is live. */
int rel_show_live(struct rel_sink *s, struct rel_product *p, const char *env,
    struct rel_err *err);

/* The runs of env, newest first, those whose status is in want (NULL:
 * all, and the freezes and lifts among them), at most limit (0: all;
 * *more set when some were left out). */
int rel_show_envhist(struct rel_sink *s, struct rel_product *p,
    const char *env, const int *want, size_t limit, int *more,
    struct rel_err *err);

/* A row for each environment of the product's flow (or only env, if not
 * NULL) frozen at now (ms), in the flow's order, whatever a hotfix may
 * pass; none for a product with no flow.  The first error, after trying
 * every environment. */
int rel_show_frozen(struct rel_sink *s, struct rel_product *p,
    const char *env, int64_t now, struct rel_err *err);

#endif
