/*
 * envp.h - the environment a child of rel runs with (a step, a notify
 * command): the caller's, minus every REL_* variable (rel's own are set
 * afresh, never inherited), plus the release's data as REL_* variables.
 * Release data reaches a child only here, never in a command string.
 *
 * Running out of memory is remembered and reported once, by
 * rel_envp_done, so that a list of puts needs no check after each.
 */
#ifndef REL_ENVP_H
#define REL_ENVP_H

#include <stddef.h>

#include "release.h"

struct rel_envp {
	char **v;                  /* "KEY=VALUE", NULL-terminated */
	size_t n, cap;
	int oom;
};

#define REL_ENVP_INIT { NULL, 0, 0, 0 }

/* The caller's environment minus REL_*. */
void rel_envp_ours(struct rel_envp *e);
/* KEY=VAL at the end. */
void rel_envp_put(struct rel_envp *e, const char *key, const char *val);
/* REL_ARTIFACTS: a COMPONENT=VERSION line per artifact of r. */
void rel_envp_artifacts(struct rel_envp *e, const struct rel_release *r);
/* The vector (*n entries, if n), or NULL when memory ran out (then all
 * is freed).  To be freed with rel_envp_free. */
char **rel_envp_done(struct rel_envp *e, size_t *n);
void rel_envp_free(char **v);

#endif
