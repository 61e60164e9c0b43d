/*
 * gitrev.c - revision resolution (libgit2), for rel-revparse.
 */
#include <git2.h>
#include <stdio.h>
#include <string.h>

#include "gitrev.h"

static const char *
git_msg(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown libgit2 error";
}

int
rel_git_resolve(const char *dir, const char *rev, char *out, size_t n,
    struct rel_err *err)
{
	git_repository *repo = NULL;
	git_object *obj = NULL, *commit = NULL;
	int rc = 0, g;

	git_libgit2_init();
	g = git_repository_open_ext(&repo, dir, 0, NULL);
	if (g < 0) {
		rc = rel_err_set(err, REL_ENOTFOUND,
		    "%s: not a git repository (%s)", dir, git_msg());
		goto out;
	}
	g = git_revparse_single(&obj, repo, rev);
	if (g < 0) {
		rc = rel_err_set(err, g == GIT_ENOTFOUND || g == GIT_EAMBIGUOUS ?
		    REL_ENOTFOUND : REL_EUSAGE,
		    "revision '%s' not found in %s (%s)", rev, dir, git_msg());
		goto out;
	}
	if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		rc = rel_err_set(err, REL_EUSAGE,
		    "revision '%s' in %s is not a commit (%s)", rev, dir,
		    git_msg());
		goto out;
	}
	git_oid_tostr(out, n, git_object_id(commit));
out:
	git_object_free(commit);
	git_object_free(obj);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}
