/*
 * status.h - the status words of steps, environments and releases, and
 * how they aggregate (DESIGN.md "Statuses").
 *
 * One word each, lower case, stable: scripts match on them.
 */
#ifndef REL_STATUS_H
#define REL_STATUS_H

#include "err.h"

#include <stddef.h>

enum rel_status {
	REL_PENDING,
	REL_RUNNING,
	REL_SUSPENDED,
	REL_SUCCEEDED,
	REL_FAILED,
	REL_ERROR,       /* step only: could not start */
	REL_TERMINATING, /* release only */
	REL_TERMINATED,
	REL_SKIPPED,     /* step only */
	REL_STATUS_COUNT
};

const char *rel_status_name(enum rel_status s);
/* The status called name, or -1. */
int rel_status_parse(const char *name);
/* A comma-separated list of names ("failed,terminated") into want,
 * ended by -1 (want has room for REL_STATUS_COUNT + 1).  REL_EUSAGE with
 * a message naming what is wrong, as an option's value (--status). */
int rel_status_parse_list(const char *list, int *want, struct rel_err *err);
/* Is s one of the statuses an environment (or release) can have? */
int rel_status_valid_env(enum rel_status s);
int rel_status_valid_release(enum rel_status s);
/* A finished status: no more work will happen without a new command. */
int rel_status_final(enum rel_status s);

/* A step run for several components: running if any runs, else failed
 * if any failed or errored (error wins over failed when nothing failed
 * normally), terminated if any was, succeeded when all succeeded, else
 * skipped when the others succeeded and some were skipped (left out of
 * this attempt), else pending. */
enum rel_status rel_status_aggregate_step(const enum rel_status *s, size_t n);

/* A release from its environments: terminating/terminated when the
 * release was terminated (term is REL_TERMINATING, REL_TERMINATED or
 * REL_PENDING for "not terminated"); else failed if any environment
 * failed or was terminated; else running if any runs; else suspended if
 * any waits; else succeeded when all succeeded (and there is at least one);
 * else pending. */
enum rel_status rel_status_aggregate_release(enum rel_status term,
    const enum rel_status *envs, size_t n);

#endif
