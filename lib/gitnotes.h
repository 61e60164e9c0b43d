/*
 * gitnotes.h - the commits of a release from git history (libgit2), fed
 * to the notes model (notes.h) as the walk finds them.
 *
 * Only programs that link librel-git.a (and libgit2) may call this.
 */
#ifndef REL_GITNOTES_H
#define REL_GITNOTES_H

#include "err.h"
#include "notes.h"

struct rel_git_walk {
	const char *repo;        /* a directory at or in the repository */
	const char *base;        /* the range starts after it (NULL: none) */
	const char *head;        /* the range ends at it */
	const char *range;       /* "A..B" instead of base and head, or NULL */
	/* Called every 1000 commits with the count so far (a progress
	 * display on a terminal), and once with -1 at the end; or NULL. */
	void (*progress)(long commits, void *arg);
	void *arg;
};

/*
 * Add to n every commit reachable from head and not from base, newest
 * first (commit date order, as `git log`), merges only if n->merges, and
 * record the resolved ends of the range in n.  A missing repository or
 * revision is REL_ENOTFOUND, a malformed one REL_EUSAGE; messages name
 * the repository and the revision.
 */
int rel_git_notes(const struct rel_git_walk *w, struct rel_notes *n,
    struct rel_err *err);

#endif
