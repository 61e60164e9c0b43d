/*
 * envp.c - the environment of a child (see envp.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envp.h"

extern char **environ;

static void
add(struct rel_envp *e, char *s)
{
	if (!s || REL_GROW(e->v, e->n + 2, e->cap) < 0) {
		free(s);
		e->oom = 1;
		return;
	}
	e->v[e->n++] = s;
	e->v[e->n] = NULL;
}

void
rel_envp_ours(struct rel_envp *e)
{
	for (char **q = environ; *q; q++)
		if (strncmp(*q, "REL_", 4) && strchr(*q, '='))
			add(e, strdup(*q));
}

void
rel_envp_put(struct rel_envp *e, const char *key, const char *val)
{
	size_t len = strlen(key) + strlen(val) + 2;
	char *s = malloc(len);

	if (s)
		snprintf(s, len, "%s=%s", key, val);
	add(e, s);
}

void
rel_envp_artifacts(struct rel_envp *e, const struct rel_release *r)
{
	struct rel_buf arts = REL_BUF_INIT;

	for (size_t i = 0; i < r->nartifacts; i++)
		rel_buf_addf(&arts, "%s%s=%s", i ? "\n" : "",
		    r->artifacts[i].component, r->artifacts[i].version);
	if (arts.oom)
		e->oom = 1;
	rel_envp_put(e, "REL_ARTIFACTS", arts.s ? arts.s : "");
	rel_buf_free(&arts);
}

char **
rel_envp_done(struct rel_envp *e, size_t *n)
{
	char **v = e->v;

	if (e->oom || !v) {
		rel_envp_free(v);
		v = NULL;
	}
	if (n)
		*n = v ? e->n : 0;
	memset(e, 0, sizeof *e);
	return v;
}

void
rel_envp_free(char **v)
{
	for (char **q = v; q && *q; q++)
		free(*q);
	free(v);
}
