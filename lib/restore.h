/*
 * restore.h - give environments back the release they had before a
 * hotfix (rel-redeploy --restore).
 *
 * A hotfix goes through the whole flow like any release, and so replaces
 * what testers were working on in every environment it passes.  Once it
 * has reached its last environments (those nothing needs), each earlier
 * environment it went through gets back the release that was live there
 * just before the hotfix arrived (the PREVIOUS of the hotfix's run in the
 * environment's history), unless that was nothing or the hotfix itself,
 * or something else has been deployed there since.
 */
#ifndef REL_RESTORE_H
#define REL_RESTORE_H

#include "release.h"
#include "store.h"

struct rel_restore_item {
	char env[REL_NAME_MAX + 1];
	char release[REL_ID_MAX + 1]; /* "" when skipped */
	char note[512];               /* why it is skipped */
};

/* Work out what --restore would do for hotfix r.  REL_EUSAGE if r is not
 * a hotfix or has not reached its last environments.  *items (free it)
 * has one entry per environment the hotfix went through, in flow order. */
int rel_restore_plan(struct rel_product *p, const struct rel_release *r,
    struct rel_restore_item **items, size_t *n, struct rel_err *err);

#endif
