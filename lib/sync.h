/*
 * sync.h - sharing a store through a git remote (see rel-store(5),
 * "Several machines").
 *
 * Each product is a branch rel/PRODUCT on the remote; STATE/git keeps
 * the branches as last seen there (replica.h); products/PRODUCT/ is the
 * tip's tree written out (syncfiles.h).  This module makes the
 * decisions: what moved where, and whether the remote can be trusted.
 * A remote branch that does not descend from what this machine saw
 * there (force-pushed, deleted, unrelated) was rewritten behind rel's
 * back: it is refused with a message naming the remote, the branch and
 * both commits, and nothing local changes.
 *
 * Two ways to use it:
 *   - rel-sync: rel_sync_fetch once, then rel_sync_product for each
 *     product: fetch what the remote has, publish what only this store
 *     has;
 *   - a changing command (phase 2 of issue 13): under the product lock,
 *     with the local files at the tip, rel_sync_publish its changes.
 *     Accepted: the local branch moved; write the files as without a
 *     remote, then rel_sync_settle.  Refused: the remote moved; its
 *     changes were fetched and written out here: load again, check
 *     again, build the changes again, publish again.
 * The struct is opaque: it holds libgit2, loaded only by rel_sync_open.
 */
#ifndef REL_SYNC_H
#define REL_SYNC_H

#include <stddef.h>

#include "bucket.h"
#include "err.h"
#include "name.h"
#include "store.h"

struct rel_sync;

/* Open the sync of store st with the remote url.  When the store has no
 * local repository yet, the remote must answer first: if it does not,
 * REL_ESYS "remote URL unreachable (...)" and nothing was written (st
 * may be an empty store, fd < 0: it is then made once the remote
 * answered). */
int rel_sync_open(struct rel_sync **out, struct rel_store *st,
    const char *url, struct rel_err *err);
void rel_sync_close(struct rel_sync *s);

/* Was the last error "the remote could not be reached"? */
int rel_sync_unreachable(const struct rel_sync *s);

/* Fetch every rel/ branch of the remote (objects only; see
 * rel_sync_product for what moves). */
int rel_sync_fetch(struct rel_sync *s, struct rel_err *err);
/* The products the last fetch found on the remote, sorted. */
size_t rel_sync_remote_products(const struct rel_sync *s,
    const char *const **names);

struct rel_sync_report {
	char product[REL_NAME_MAX + 1];
	const char *action;        /* unchanged, fetched, published, mended */
	size_t commits;            /* commits that moved */
	size_t files;              /* files written here, or published */
	char tip[41];              /* the product's commit now, or "" */
};

/* Bring one product up to date both ways, after rel_sync_fetch: its
 * files here follow the remote's branch; what only this store has is
 * published on top of it.  Local changes and remote changes both since
 * the last sync cannot be put in one order after the fact: that is
 * refused (REL_ESYS), the local copy kept.  A publish refused because
 * the remote moved is tried again (fetching first) for up to wait_ms,
 * then REL_EBUSY naming the remote.  who is the author of what it
 * publishes. */
int rel_sync_product(struct rel_sync *s, const char *product, int wait_ms,
    const char *who, struct rel_sync_report *rep, struct rel_err *err);

/* Publish changes of product p (open; the caller holds its lock, and its
 * files are at the local tip) as one commit by author with message.
 * *accepted 1: the remote took it and the local branch moved: write the
 * files, then call rel_sync_settle.  *accepted 0: the remote had moved:
 * its commits were fetched and written out, redo the change.  Errors:
 * REL_ESYS with rel_sync_unreachable() for a remote out of reach (nothing
 * was recorded anywhere), REL_ESYS for a rewritten remote. */
int rel_sync_publish(struct rel_sync *s, struct rel_product *p,
    const struct rel_change *ch, size_t n, const char *author,
    const char *message, int *accepted, struct rel_err *err);

/* Record that products/PRODUCT/ now reflects the local tip. */
int rel_sync_settle(struct rel_sync *s, struct rel_product *p,
    struct rel_err *err);

/* Under the product lock, before a change: the files of p are at its
 * local tip (a crash between an accepted push and the files written is
 * mended).  A product that has files here and was never published is
 * refused: rel-sync publishes it first. */
int rel_sync_prepare(struct rel_sync *s, struct rel_product *p,
    struct rel_err *err);

/* Fetch product's branch and bring its files here up to date (made if
 * the product was not here); *moved 1 if anything came.  Takes the
 * product lock. */
int rel_sync_refresh(struct rel_sync *s, struct rel_store *st,
    const char *product, int *moved, struct rel_err *err);

/* Fetch every product and bring its files here up to date (readers'
 * --fetch).  Nothing is published. */
int rel_sync_pull(struct rel_sync *s, struct rel_store *st,
    struct rel_err *err);

/* cache/fetched: its time is when the remote last answered. */
#define REL_FETCHED_FILE "fetched"

/* The remote's URL. */
const char *rel_sync_url(const struct rel_sync *s);

/* The local tip of a product (40 hex digits and NUL), "" if none. */
int rel_sync_tip(struct rel_sync *s, const char *product, char out[41],
    struct rel_err *err);

#endif
