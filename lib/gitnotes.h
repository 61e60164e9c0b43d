/*
 * gitnotes.h - the commits of a release from git history, read from the
 * repository itself (gitrepo.h: no libgit2), fed to the notes model
 * (notes.h).
 */
#ifndef REL_GITNOTES_H
#define REL_GITNOTES_H

#include "err.h"
#include "notes.h"

struct rel_git_walk {
	const char *repo;        /* a directory at or in the repository */
	const char *base;        /* the range starts after it (NULL: none) */
	const char *head;        /* the range ends at it */
	const char *range;       /* "A..B" or "B" instead of base and head,
	                            or NULL */
	/* Asked for a revision this library does not resolve itself (see
	 * gitrepo.h): the commit's full id into hex, or an error; or NULL
	 * (then such a revision is not found). */
	int (*resolve)(void *arg, const char *repo, const char *rev,
	    char hex[41], struct rel_err *err);
	void *resolve_arg;
	/* Called every 1000 commits with the count so far (a progress
	 * display on a terminal), and once with -1 at the end; or NULL. */
	void (*progress)(long commits, void *arg);
	void *arg;
};

/*
 * Add to n every commit reachable from head and not from base, newest
 * commit date first, merges only if n->merges, and record the resolved
 * ends of the range and how the walk went (n->walk_*) in n.  A missing
 * repository or revision is REL_ENOTFOUND, a malformed one REL_EUSAGE;
 * messages name the repository and the revision.  A commit-graph that
 * cannot be trusted is a note in n, not an error.
 */
int rel_git_notes(const struct rel_git_walk *w, struct rel_notes *n,
    struct rel_err *err);

#endif
