/*
 * store.h - the state directory: products, release records, locks.
 *
 * Layout (see rel-store(5)):
 *
 *   flows/PRODUCT.yaml                 the products' flows (written by people)
 *   products/PRODUCT/releases/ID       release records (journals)
 *   products/PRODUCT/envs/ENV          environment histories (journals)
 *   products/PRODUCT/flows/SHA256.yaml the flow each release was made with
 *   products/PRODUCT/logs/ID/ENV/...   step logs (gzip)
 *   cache/PRODUCT/index                derived: summaries, rebuilt at will
 *   locks/PRODUCT.lock                 the product lock
 *   locks/ID.runner                    held by a release's runner while alive
 *
 * products/ holds the records (what a replica needs); cache/ and locks/
 * hold nothing that cannot be rebuilt or forgotten.  Every change to a
 * product is made under its lock, held for the moment of the change only.
 */
#ifndef REL_STORE_H
#define REL_STORE_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "lock.h"
#include "name.h"
#include "release.h"

#define REL_WAIT_DEFAULT_MS 10000

struct rel_store {
	char root[4096];
	int fd;                    /* the state directory, -1: not there yet */
	int wait_ms;               /* how long to wait for a lock */
	char prog[32];             /* the command, for holder descriptions */
	char holder[256];          /* this process, for "locked by ...";
	                              made when first needed */
};

/* Who we are, for the lock files: "rel-create (pid 12, user u, host h)". */
const char *rel_store_holder(struct rel_store *st);

/* The state directory: opt (--state), else $REL_STATE_DIR, else
 * ${XDG_STATE_HOME:-$HOME/.local/state}/rel. */
int rel_store_path(const char *opt, char *out, size_t n, struct rel_err *err);

/* Open the store at dir (see rel_store_path).  With create, make it (and
 * its parents) if missing; without, a missing store reads as empty.
 * prog names this command in lock-holder descriptions. */
int rel_store_open(struct rel_store *st, const char *dir, int create,
    const char *prog, struct rel_err *err);
void rel_store_close(struct rel_store *st);

/* The product names in the store, sorted.  Free with free(). */
int rel_store_products(struct rel_store *st, char (**names)[REL_NAME_MAX + 1],
    size_t *n, struct rel_err *err);

struct rel_product {
	struct rel_store *st;
	char name[REL_NAME_MAX + 1];
	int dir;                   /* products/PRODUCT */
	int releases;              /* products/PRODUCT/releases */
	int index;                 /* cache/PRODUCT/index, -1 if not open */
	int index_rw;              /* index opened for writing */
	struct rel_lock lock;
	int locked;                /* nesting count */
};

/* Open a product.  Without create, a missing product is REL_ENOTFOUND
 * ("no product 'x' in DIR"). */
int rel_product_open(struct rel_store *st, const char *name, int create,
    struct rel_product *p, struct rel_err *err);
void rel_product_close(struct rel_product *p);
int rel_product_exists(struct rel_store *st, const char *name);

/* Take and release the product lock (nests). */
int rel_product_lock(struct rel_product *p, struct rel_err *err);
void rel_product_unlock(struct rel_product *p);

/* The full path of something under the product, for messages. */
void rel_product_path(const struct rel_product *p, const char *sub,
    char *out, size_t n);

/* Load release number n.  REL_ENOTFOUND if there is none. */
int rel_release_load(struct rel_product *p, unsigned long n,
    struct rel_release **out, struct rel_err *err);
/* Does release n exist? */
int rel_release_exists(struct rel_product *p, unsigned long n);

/* Load a release by id, opening its product into p (close it after). */
int rel_release_open(struct rel_store *st, const char *id,
    struct rel_product *p, struct rel_release **out, struct rel_err *err);

/* The highest release number of the product (0 if none). */
int rel_product_last(struct rel_product *p, unsigned long *n,
    struct rel_err *err);

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
 * release as it is after the change. */
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

/* Store a flow copy by content; *hash receives its name. */
int rel_flow_store(struct rel_product *p, const char *data, size_t len,
    char hash[65], struct rel_err *err);
/* Read the flow copy a release was made with and parse it. */
int rel_flow_of_release(struct rel_product *p, const struct rel_release *r,
    struct rel_flow **out, struct rel_err *err);

#endif
