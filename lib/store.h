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

struct rel_publisher;

struct rel_store {
	char root[4096];
	int fd;                    /* the state directory, -1: not there yet */
	int wait_ms;               /* how long to wait for a lock */
	int net_ms;                /* one exchange with a remote, at most
	                              (0: wait_ms; see remote.c) */
	char prog[32];             /* the command, for holder descriptions */
	char holder[256];          /* this process, for "locked by ...";
	                              made when first needed */
	rel_written_fn written;    /* NULL: nobody listens */
	void *written_arg;
	const struct rel_publisher *pub; /* NULL: changes are written here
	                              only (see below) */
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
/* Remove product name's directories if nothing is in them: a first
 * rel-create that recorded nothing (a remote out of reach) leaves no
 * product behind.  Under the product lock; whatever holds a file stays. */
void rel_product_prune(struct rel_store *st, const char *name);
int rel_product_exists(struct rel_store *st, const char *name);

/* Take and release the product lock (nests). */
int rel_product_lock(struct rel_product *p, struct rel_err *err);
void rel_product_unlock(struct rel_product *p);

/*
 * A store shared through a git remote publishes each change before it
 * writes it here (record.h does, at its one write path).  The commands
 * hang a publisher on the store (publish.h); this layer only carries it,
 * so that the layers above it need not know how publishing is done.
 * Every call is made under the product lock.
 */
struct rel_change;
struct rel_publisher {
	void *ctx;
	/* Is there a remote?  *on 0: none, write here only.  *on 1: the
	 * product's files are now at its local tip (what a crash between
	 * an accepted push and its local write left behind is written). */
	int (*prepare)(void *ctx, struct rel_product *p, int *on,
	    struct rel_err *err);
	/* Publish the changes as one commit.  *accepted 1: write them here,
	 * then settle.  *accepted 0: the remote had moved; what it has is
	 * written here now: look again, change again.  Errors: a remote out
	 * of reach ("nothing was recorded"), a rewritten remote, the
	 * system. */
	int (*publish)(void *ctx, struct rel_product *p,
	    const struct rel_change *ch, size_t n, const char *author,
	    const char *message, int *accepted, struct rel_err *err);
	/* The accepted change is written here. */
	int (*settle)(void *ctx, struct rel_product *p, struct rel_err *err);
	/* Bring product up to date with the remote now (its files here
	 * made if it had none); *moved 1 if anything came.  Takes the
	 * product lock itself. */
	int (*refresh)(void *ctx, struct rel_store *st, const char *product,
	    int *moved, struct rel_err *err);
	/* The remote, for messages. */
	const char *(*url)(void *ctx);
	/* Did the last call fail because the remote could not be reached
	 * (nothing was recorded)? */
	int (*down)(void *ctx);
	/* A command that may ask the remote (a changing one, or a reader
	 * told to --fetch): it may judge another machine's runner dead. */
	int fetches;
};

/* STATE/machine: a random id made once per state directory (local,
 * never shared).  It tells machines apart: three state directories on
 * one host are three machines.  Made on first use. */
#define REL_MACHINE_FILE "machine"
#define REL_MACHINE_ID_LEN 32
int rel_machine_id(struct rel_store *st, char out[REL_MACHINE_ID_LEN + 1],
    struct rel_err *err);

/* The full path of something under the product, for messages. */
void rel_product_path(const struct rel_product *p, const char *sub,
    char *out, size_t n);

#endif
