/*
 * gitrev.h - resolve a revision to a commit with libgit2.
 *
 * Only programs that link librel-git.a (and libgit2) may call this.
 */
#ifndef REL_GITREV_H
#define REL_GITREV_H

#include "err.h"

/* Resolve rev in the repository at or above dir into a full commit id
 * (40 or 64 hex digits).  REL_ENOTFOUND names the missing repository or
 * revision. */
int rel_git_resolve(const char *dir, const char *rev, char *out, size_t n,
    struct rel_err *err);

#endif
