/*
 * freeze.h - stopping the line: freeze windows and freezes by hand
 * (DESIGN.md "Stopping the line, and telling people").
 *
 * An environment is frozen at an instant when a window of the flow is
 * open there then, or when rel-freeze froze it and that has neither
 * been lifted nor run out.  Windows are policy about environments, not
 * about releases: they come from the product's flow as it is now
 * (flows/PRODUCT.yaml), not from the copy a release was made with
 * (rel_freeze_policy).  Freezes by hand are lines of the environment's
 * history (envlog.h), written under the product lock as its other lines
 * are, so that they are kept, audited and shared as they are.
 *
 * Nothing here starts anything when a freeze ends: it only answers "is
 * it frozen now, since when, until when, why".
 */
#ifndef REL_FREEZE_H
#define REL_FREEZE_H

#include <stddef.h>
#include <stdint.h>

#include "envlog.h"
#include "err.h"
#include "name.h"
#include "store.h"
#include "window.h"

struct rel_flow;

#define REL_FROZEN_WHY_MAX 1400

/* Why an environment is frozen. */
struct rel_frozen {
	int frozen;
	int64_t since, until;      /* ms; until 0: until it is lifted */
	int manual;                /* by rel-freeze (else a window) */
	int line;                  /* the window's line in the flow */
	int hotfix;                /* hotfix releases may pass */
	char by[REL_TEXT_MAX + 1]; /* who froze it ("" for a window) */
	char reason[REL_TEXT_MAX + 1];
};

/* The flow whose windows apply to the product: flows/PRODUCT.yaml, else
 * (no such file) `fallback` (a release's flow copy; may be NULL).  *out
 * is then to be freed with rel_flow_free only if *owned. */
int rel_freeze_policy(struct rel_product *p, const struct rel_flow *fallback,
    const struct rel_flow **out, int *owned, struct rel_err *err);

/* The product's flow as the windows and environments go: flows/
 * PRODUCT.yaml, else the newest release's copy.  REL_ENOTFOUND when it
 * has neither. */
int rel_freeze_product_flow(struct rel_product *p, struct rel_flow **out,
    struct rel_err *err);

/* Open product name to ask what is frozen there: as rel_product_open,
 * or, for a product with a flow file (flows/NAME.yaml) and no release
 * yet, a product with no directory (p->dir -1) that the windows of its
 * flow alone may freeze.  Creates nothing. */
int rel_freeze_open(struct rel_store *st, const char *name,
    struct rel_product *p, struct rel_err *err);

/* The products of the store and those with a flow file and no release
 * yet, by name (to be freed). */
int rel_freeze_products(struct rel_store *st,
    char (**names)[REL_NAME_MAX + 1], size_t *n, struct rel_err *err);

/* Is env frozen at now (ms) for a release (hotfix or not)?  Windows of
 * flow (may be NULL) and freezes by hand in env's history.  A hotfix
 * passes only what lets hotfixes through. */
int rel_freeze_state(struct rel_product *p, const struct rel_flow *flow,
    const char *env, int64_t now, int hotfix, struct rel_frozen *out,
    struct rel_err *err);

/* The same, with env's history already loaded (under the product lock,
 * say, where the answer must still hold when acted on). */
void rel_freeze_eval(const struct rel_flow *flow, const struct rel_envlog *log,
    const char *env, int64_t now, int hotfix, struct rel_frozen *out);

/* "frozen until 2026-12-28T08:00:00Z (weekend)", or "frozen until
 * lifted (REASON)" into buf. */
void rel_frozen_why(const struct rel_frozen *f, char *buf, size_t n);

/* rel-freeze --until: an ISO 8601 time (UTC without an offset; a date
 * alone is that whole day, UTC) or a duration from now (2h, 3d), into
 * *until (ms).  A time not after now is REL_EUSAGE, saying so. */
int rel_freeze_until(const char *s, int64_t now, int64_t *until,
    struct rel_err *err);

/* Freeze (lift 0) or lift (lift 1) environments envs[0..n) of p by hand:
 * one line in each one's history, under one hold of the product lock,
 * on disk when this returns.  until 0: until lifted.  Lifting an
 * environment that is not frozen by hand is REL_EUSAGE, and nothing is
 * written. */
int rel_freeze_set(struct rel_product *p, const char *const *envs, size_t n,
    int lift, int64_t now, const char *who, int64_t until, int hotfix,
    const char *reason, struct rel_err *err);

#endif
