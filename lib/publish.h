/*
 * publish.h - a store's changes published through its remote, if it has
 * one (the publisher of store.h, made of sync.h).
 *
 * A command that may change the store attaches one right after opening
 * it.  Attaching costs nothing: STATE/config is read at the first change
 * (under the product lock), and libgit2 is loaded only if it names a
 * remote.  A reader that never writes never reads the config, nor loads
 * anything; without a remote a changing command reads one small file
 * more, once.
 *
 * With a remote, an unreachable one is an error that says nothing was
 * recorded: "remote URL unreachable: nothing was recorded (why)".
 */
#ifndef REL_PUBLISH_H
#define REL_PUBLISH_H

#include "config.h"
#include "store.h"

struct rel_sync;

struct rel_publish {
	struct rel_publisher ops;  /* what st->pub points to */
	struct rel_store *st;
	int looked;                /* the config was read */
	struct rel_config cfg;
	struct rel_sync *s;        /* opened at the first change */
	int down;                  /* the last call could not reach it */
	int changes;               /* a changing command: a release not
	                              here is looked for on the remote */
};

/* Hang pb on st (st->pub); nothing is read yet.  changes: the command
 * is one that changes releases (create, promote, redeploy, terminate),
 * which fetches a release it does not have here; a reader (0) stays
 * local, and publishes only what it records (a dead runner). */
void rel_publish_attach(struct rel_publish *pb, struct rel_store *st,
    int changes);
/* Unhang it and close what it opened. */
void rel_publish_detach(struct rel_publish *pb);

/* The store's config (read now if it was not): the runner's lease and
 * sync_interval.  *remote 1 if a remote is set. */
int rel_publish_config(struct rel_publish *pb, const struct rel_config **c,
    struct rel_err *err);

/* Readers' --fetch: every product brought up to date with the remote
 * (nothing without one). */
int rel_publish_pull(struct rel_publish *pb, struct rel_err *err);

/* With a remote, what the local copy is, for people: "local copy of
 * URL, fetched 12 s ago" (1); 0 without a remote. */
int rel_publish_age(struct rel_publish *pb, char *out, size_t n);

/* The sync under the publisher, opened if a remote is set (NULL without
 * one). */
int rel_publish_sync(struct rel_publish *pb, struct rel_sync **s,
    struct rel_err *err);

#endif
