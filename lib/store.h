/*
 * store.h - the state directory, its products and their locks.
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
 *
 * This is the bottom of the store's three layers: the index (index.h,
 * the summaries in cache/) is built on it, and the records (record.h:
 * releases made, read and changed) on both.  Nothing here knows what a
 * record holds.
 */
#ifndef REL_STORE_H
#define REL_STORE_H

#include <stddef.h>

#include "err.h"
#include "lock.h"
#include "name.h"

#define REL_WAIT_DEFAULT_MS 10000

struct rel_product;

/* Told of the complete lines this process has just appended to the
 * record of release n, under the product lock (see notify.h). */
typedef void (*rel_written_fn)(void *arg, struct rel_product *p,
    unsigned long n, const char *lines, size_t len);

struct rel_store {
	char root[4096];
	int fd;                    /* the state directory, -1: not there yet */
	int wait_ms;               /* how long to wait for a lock */
	char prog[32];             /* the command, for holder descriptions */
	char holder[256];          /* this process, for "locked by ...";
	                              made when first needed */
	rel_written_fn written;    /* NULL: nobody listens */
	void *written_arg;
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
	int index;                 /* cache/PRODUCT/index, -1 if not open
	                              (index.c opens it, close closes it) */
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

#endif
