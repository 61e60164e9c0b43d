/*
 * restore.c - see restore.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envlog.h"
#include "restore.h"

static int
reached(const struct rel_release *r, size_t e)
{
	for (size_t i = 0; i < r->ntr; i++)
		if (!strcmp(r->tr[i].object, r->envs[e].name) &&
		    !strcmp(r->tr[i].to, "succeeded"))
			return 1;
	return 0;
}

static int
is_sink(const struct rel_release *r, size_t e)
{
	for (size_t i = 0; i < r->nenvs; i++)
		for (size_t k = 0; k < r->envs[i].nneeds; k++)
			if (r->envs[i].needs[k] == e)
				return 0;
	return 1;
}

int
rel_restore_plan(struct rel_product *p, const struct rel_release *r,
    struct rel_restore_item **items, size_t *n, struct rel_err *err)
{
	struct rel_restore_item *v;
	int rc = 0;

	*items = NULL;
	*n = 0;
	if (!r->hotfix)
		return rel_err_set(err, REL_EUSAGE,
		    "%s is not a hotfix (made without rel-create --hotfix)",
		    r->id);
	for (size_t e = 0; e < r->nenvs; e++)
		if (is_sink(r, e) && !reached(r, e))
			return rel_err_set(err, REL_EUSAGE,
			    "%s has not reached %s yet: restore after the "
			    "hotfix is there", r->id, r->envs[e].name);
	if (!(v = calloc(r->nenvs, sizeof *v)))
		return rel_err_set(err, REL_ESYS, "out of memory");
	for (size_t e = 0; e < r->nenvs; e++) {
		struct rel_envlog log;
		const struct rel_env_run *live, *mine = NULL;
		struct rel_restore_item *it;

		if (is_sink(r, e) || !reached(r, e))
			continue;
		it = &v[(*n)++];
		snprintf(it->env, sizeof it->env, "%s", r->envs[e].name);
		if ((rc = rel_envlog_load(p, it->env, &log, err)) != 0)
			break;
		for (size_t i = 0; i < log.n; i++)
			if (!strcmp(log.v[i].release, r->id) &&
			    log.v[i].status == REL_SUCCEEDED &&
			    strcmp(log.v[i].how, "restore"))
				mine = &log.v[i];
		live = rel_envlog_live(&log);
		if (!mine || !rel_id_ok(mine->previous))
			snprintf(it->note, sizeof it->note,
			    "nothing was live in %s before %s", it->env, r->id);
		else if (!strcmp(mine->previous, r->id))
			snprintf(it->note, sizeof it->note,
			    "%s was live in %s before itself", r->id, it->env);
		else if (!live || strcmp(live->release, r->id))
			snprintf(it->note, sizeof it->note,
			    "%s is live in %s now, not %s: left alone",
			    live ? live->release : "nothing", it->env, r->id);
		else
			snprintf(it->release, sizeof it->release, "%s",
			    mine->previous);
		rel_envlog_free(&log);
	}
	if (rc) {
		free(v);
		*n = 0;
		return rc;
	}
	*items = v;
	return 0;
}
