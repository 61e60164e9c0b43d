/*
 * record.h - release records in the store: made, read, changed, listed.
 *
 * A release's record (products/PRODUCT/releases/PRODUCT-N, a journal in
 * the format of release.h) is the truth about it; everything else about a
 * release (the index's summary slot, the cached listing) is derived from
 * it and rebuilt from it.  The invariants, all kept here:
 *
 * - a record is made whole (temporary file, fsync, link into place), then
 *   only appended to, under the product lock;
 * - ids are chosen under the product lock as one more than the highest
 *   record that exists; link() refusing to replace is the final word, so
 *   two processes never make the same id;
 * - an append that changes the summary is bracketed by the index:
 *   slot dirty (synced) -> append to the record -> slot put.  A crash
 *   anywhere leaves a slot that is right or says "read the record".
 *
 * Layers: store.h (directories, the product lock) <- index.h (the slot
 * cache) <- this.  Commands and the rest of the library read and change
 * releases through here, never through the index.
 */
#ifndef REL_RECORD_H
#define REL_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "bucket.h"
#include "buf.h"
#include "err.h"
#include "flow.h"
#include "release.h"
#include "store.h"

/* Load release number n.  REL_ENOTFOUND if there is none. */
int rel_release_load(struct rel_product *p, unsigned long n,
    struct rel_release **out, struct rel_err *err);
/* Does release n exist? */
int rel_release_exists(struct rel_product *p, unsigned long n);

/* Load a release by id, opening its product into p (close it after; p
 * can be closed whatever this returns).  A stray record is no release:
 * REL_ENOTFOUND. */
int rel_release_open(struct rel_store *st, const char *id,
    struct rel_product *p, struct rel_release **out, struct rel_err *err);

/*
 * The releases of a product are its records numbered 1 to the last, the
 * highest reached from 1 without crossing more than REL_RECORD_GAP
 * missing numbers in a row.  rel never leaves a gap (an id is one more
 * than the last); one comes only from records removed by hand.  A record
 * beyond that, as a copy of web-1 to web-99999999, is a stray: no
 * command takes it for a release (it is not listed, not found by its id,
 * and ids go on from the last release), and rel-status --check reports
 * it.  So a stray costs nothing: nothing walks the numbers up to it.
 */
#define REL_RECORD_GAP 1000

/* The last release number of the product (0 if none). */
int rel_product_last(struct rel_product *p, unsigned long *n,
    struct rel_err *err);
/* REL_ENOTFOUND, saying so, if the record numbered n is there and is a
 * stray; 0 if it is a release or is not there at all. */
int rel_release_stray(struct rel_product *p, unsigned long n,
    struct rel_err *err);
/* The numbers of the stray records, sorted (free *strays), and in
 * *dirlast (unless NULL) the last release as the directory has it, which
 * is beyond rel_product_last's when records were put there by hand. */
int rel_release_strays(struct rel_product *p, unsigned long **strays,
    size_t *n, unsigned long *dirlast, struct rel_err *err);

/* Create the next release of the product from the header built by
 * `build` (called once, before the lock: a record does not hold its own
 * id, which is its file's name).  *n receives the number.  The record
 * appears whole or not at all, and is on disk. */
typedef void (*rel_header_fn)(struct rel_buf *out, void *arg);
int rel_release_create(struct rel_product *p, rel_header_fn build, void *arg,
    unsigned long *n, struct rel_err *err);

/* Change release n: under the product lock, load it as it is now, let fn
 * add lines (transitions, outputs) to `lines`, append them, and keep the
 * index right.  fn may return an error to change nothing.  With sync the
 * lines are on disk when this returns; *out (if not NULL) receives the
 * release as it is after the change.
 *
 * fn must make its lines from the release it is given and from arg
 * alone, and leave `lines` as the whole of its change: sharing a store
 * through git publishes a change before writing it, and when the
 * remote refuses (someone else changed the product first) calls fn
 * again, on the newer release, with `lines` empty.  With a remote, a
 * failing fn is called once more after the product was fetched, if that
 * brought anything: this machine's copy may have been behind. */
typedef int (*rel_update_fn)(struct rel_release *r, struct rel_buf *lines,
    void *arg, struct rel_err *err);
int rel_release_update(struct rel_product *p, unsigned long n,
    rel_update_fn fn, void *arg, int sync, struct rel_release **out,
    struct rel_err *err);

/* The same, keeping the caller's copy of the release: *r (may be NULL)
 * is used as the record if the record has not grown since it was read,
 * else read again; on return *r is the release after the change (after a
 * failed write it also holds the lines not written, and is read again by
 * the next change).  What a runner does at each transition. */
int rel_release_change(struct rel_product *p, unsigned long n,
    struct rel_release **r, rel_update_fn fn, void *arg, int sync,
    struct rel_err *err);

/* What goes with a change of a record, in the same commit: lines for
 * environment histories (envlines, one line for each NUL-separated name
 * of envnames), written here after the record; files already written
 * here (a finished step log, whole), only published.  fn may fill the
 * lines: they are read after each call. */
struct rel_more {
	const struct rel_buf *envlines, *envnames;
	const struct rel_change *files;
	size_t nfiles;
	/* Where the history lines that could not be written go, with
	 * their names (may be NULL): the record has their transitions,
	 * so the caller must get them into the histories later, or the
	 * two disagree. */
	struct rel_buf *lost, *lostnames;
};
int rel_release_change_env(struct rel_product *p, unsigned long n,
    struct rel_release **r, rel_update_fn fn, void *arg, int sync,
    const struct rel_more *more, struct rel_err *err);

/* Append lines to the history of environment env (products/PRODUCT/
 * envs/ENV), taking the product lock; published first with a remote. */
int rel_env_append(struct rel_product *p, const char *env, const char *lines,
    size_t len, int sync, struct rel_err *err);

/* Store a flow copy by content; *hash receives its name. */
int rel_flow_store(struct rel_product *p, const char *data, size_t len,
    char hash[65], struct rel_err *err);
/* The flow copy of the latest release of product, raw, for a machine
 * that has no flow of its own for it (STATE/flows is not shared): with a
 * remote, the product is fetched first if it is not here.  path gets the
 * copy's path.  REL_ENOTFOUND when there is no release to take it from. */
int rel_flow_latest(struct rel_store *st, const char *product,
    struct rel_buf *out, char *path, size_t pathlen, struct rel_err *err);

/* Read the flow copy a release was made with and parse it. */
int rel_flow_of_release(struct rel_product *p, const struct rel_release *r,
    struct rel_flow **out, struct rel_err *err);

/* Call fn with the summary line of each release, newest first, at most
 * limit (0: all).  Lines come from the index when it is clean, else from
 * the record (a missing index is rebuilt first).  If want is not NULL,
 * only releases whose summary status is in want[] (terminated by -1) are
 * passed (and counted).  fn returns 0 to go on, 1 to stop there, -1 on
 * running out of memory. */
typedef int (*rel_list_fn)(const struct rel_product *p, unsigned long n,
    int64_t created, const char *line, size_t len, void *arg);
int rel_release_list(struct rel_product *p, size_t limit, const int *want,
    rel_list_fn fn, void *arg, struct rel_err *err);

/* Index release n as its record is now: for a record written whole from
 * elsewhere (sync materializing a remote's), after rel_index_dirty, under
 * the product lock.  The index's last goes up to n, unless n is a
 * stray. */
int rel_release_index(struct rel_product *p, unsigned long n,
    struct rel_err *err);

/* Rebuild the index from the records (takes the lock).  *count receives
 * the number of releases indexed. */
int rel_release_reindex(struct rel_product *p, unsigned long *count,
    struct rel_err *err);

#endif
