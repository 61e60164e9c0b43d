/*
 * gitrepo.h - a git repository read without libgit2: found from a
 * directory as git finds it, the few settings rel-notes obeys, its
 * references, the revisions that are a commit id or a reference name,
 * and its mailmap.
 *
 * Found: going up from the directory given (not across file systems),
 * the first that has a .git directory or a .git file ("gitdir: PATH"),
 * or is itself a repository (HEAD, objects/, refs/): bare.  A worktree's
 * git directory names its common directory in "commondir".  GIT_DIR and
 * GIT_WORK_TREE are not used.
 *
 * Settings, from the system, global and repository config files
 * (git-config(1) syntax; include.path is followed, includeIf is not):
 * core.commitGraph, mailmap.file, mailmap.blob, and the repository's
 * format (extensions.objectFormat: SHA-256 repositories are refused).
 *
 * Revisions resolved here: 40 hex digits, or a reference name as git
 * completes one (NAME, refs/NAME, refs/tags/NAME, refs/heads/NAME,
 * refs/remotes/NAME, refs/remotes/NAME/HEAD; loose, then packed-refs),
 * peeled through tags to a commit.  Anything else (abbreviated ids,
 * NAME~2, NAME^{...}, @{...}) is REL_ENOTFOUND here with *other set: the
 * caller asks git (rel-revparse, with libgit2) instead.
 *
 * Invariants: nothing here writes; a reference name with "..", a leading
 * '/' or a control character is never opened as a file; every file read
 * is bounded in size.
 */
#ifndef REL_GITREPO_H
#define REL_GITREPO_H

#include <limits.h>

#include "err.h"
#include "gitcommit.h"
#include "gitmailmap.h"
#include "gitodb.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

struct rel_git_repo {
	char gitdir[PATH_MAX];       /* HEAD lives here */
	char commondir[PATH_MAX];    /* objects, refs, config */
	char workdir[PATH_MAX];      /* "" for a bare repository */
	int commit_graph;            /* core.commitGraph (default true) */
	int shallow;                 /* it has a shallow file */
	char *mailmap_file, *mailmap_blob;
	struct rel_git_odb *odb;
};

/* Find and open the repository at or above path: 0, REL_ENOTFOUND "PATH:
 * not a git repository (...)", or another error. */
int rel_git_repo_open(const char *path, struct rel_git_repo *r,
    struct rel_err *err);
void rel_git_repo_close(struct rel_git_repo *r);

/* The commit rev names (see the top): 0 and oid; REL_ENOTFOUND with
 * *other set when git might know it (other syntax) and not set when it
 * surely names nothing; REL_EUSAGE when it names something that is not
 * a commit. */
int rel_git_repo_rev(const struct rel_git_repo *r, const char *rev,
    unsigned char oid[REL_GIT_RAWSZ], int *other, struct rel_err *err);

/* Peel object oid through tags to a commit, in place: 0, REL_EUSAGE if
 * it is not a commit, REL_ENOTFOUND if missing. */
int rel_git_repo_peel(const struct rel_git_repo *r,
    unsigned char oid[REL_GIT_RAWSZ], struct rel_err *err);

/* The mailmap git would use (the work tree's .mailmap, mailmap.blob or
 * HEAD:.mailmap in a bare repository, mailmap.file), finished; NULL when
 * there is none or it cannot be read (names are then as committed). */
struct rel_git_mailmap *rel_git_repo_mailmap(const struct rel_git_repo *r);

#endif
