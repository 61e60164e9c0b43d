/*
 * replica.h - the local copy of the shared history (STATE/git) and the
 * remote it is shared through.
 *
 * STATE/git is a bare repository.  Its refs/heads/rel/PRODUCT is the
 * product's branch as last seen on the remote: fetched from it, or
 * accepted by it.  Nothing else moves that ref, so it never names a
 * commit the remote did not have.  STATE/machine is a random id made
 * once per state directory: it tells machines apart (three state
 * directories on one host are three machines).
 *
 * The remote is reached with libgit2 (lg2.h).  Pushing is a
 * compare-and-swap of the branch: it is accepted only while the remote
 * branch still points at the commit the new one was built on.
 *   - smart transports (git://, ssh://, https://): the update sent to
 *     receive-pack carries the old value it checks under the ref's lock;
 *     rel also checks that the value the remote advertised on this
 *     connection is the expected one before it sends anything;
 *   - a path or file:// URL: libgit2's local transport overwrites the
 *     ref without checking its old value, so rel does that push itself:
 *     the objects go into the remote's objects/pack, then the ref is
 *     moved by git_reference_create_matching, which takes the ref's lock
 *     file (the one git uses too) and checks the old value under it.
 * Errors from the network side set `unreachable` when the remote could
 * not be reached at all (nothing was sent).
 *
 * Internal to the sync modules (it exposes libgit2 types).
 */
#ifndef REL_REPLICA_H
#define REL_REPLICA_H

#include <stddef.h>

#include "bucket.h"
#include "config.h"
#include "lg2.h"
#include "name.h"
#include "store.h"

#define REL_GIT_DIR "git"

struct rel_replica {
	struct rel_lg2 g;
	git_repository *repo;
	struct rel_store *st;
	char gitdir[4200];
	char machine[REL_MACHINE_ID_LEN + 1];
	char url[REL_REMOTE_MAX];  /* "" when there is no remote */
	int unreachable;           /* the last remote operation could not
	                              reach it */
};


/* Load libgit2, open (making it if missing) STATE/git.  url may be NULL
 * or "" for no remote.  When there is no STATE/git yet and a remote is
 * given, the remote must answer first: a machine that cannot reach it
 * writes nothing (not even the state directory, made here if st has
 * none). */
int rel_replica_open(struct rel_replica *r, struct rel_store *st,
    const char *url, struct rel_err *err);
void rel_replica_close(struct rel_replica *r);

/* The local branch of product: *found 0 if there is none. */
int rel_replica_tip(struct rel_replica *r, const char *product, git_oid *out,
    int *found, struct rel_err *err);
/* Move it from old (NULL: it must not exist) to id.  The caller holds
 * the product lock: a lock file of the branch found then is a dead
 * process's, and is removed. */
int rel_replica_set_tip(struct rel_replica *r, const char *product,
    const git_oid *id, const git_oid *old, struct rel_err *err);

/* Build a commit on top of parent (NULL: the first) with these changes:
 * the parent's tree with the files changed, a few new small trees.
 * author is the person, message the transition in words.  Objects are
 * written to STATE/git (a pack when there are many); no ref moves. */
int rel_replica_commit(struct rel_replica *r, const char *product,
    const git_oid *parent, const struct rel_change *ch, size_t n,
    const char *author, const char *message, git_oid *out,
    struct rel_err *err);

/* The remote's branches rel/PRODUCT. */
struct rel_remote_head {
	char product[REL_NAME_MAX + 1];
	git_oid id;
};

/* Fetch: bring every object the remote's rel/ branches need (only
 * rel/ONLY's, if not NULL) into STATE/git (no ref moves) and list those
 * branches as the remote advertised them.  Free *heads with free(). */
int rel_remote_fetch(struct rel_replica *r, const char *only,
    struct rel_remote_head **heads, size_t *n, struct rel_err *err);

/* Push commit id as rel/PRODUCT, only if the remote's branch is at
 * expected (NULL: only if it does not exist).  *accepted is 1 when the
 * remote took it, 0 when it refused (why says how); an error is
 * anything else (r->unreachable tells a remote out of reach). */
int rel_remote_push(struct rel_replica *r, const char *product,
    const git_oid *id, const git_oid *expected, int *accepted, char *why,
    size_t whylen, struct rel_err *err);

/* Can the remote be reached (connect and list its refs)?  Needs no
 * repository. */
int rel_remote_probe(struct rel_replica *r, struct rel_err *err);

/* The message for an unreachable remote: "remote URL unreachable". */
int rel_remote_unreachable(struct rel_replica *r, struct rel_err *err,
    const char *detail);

#endif
