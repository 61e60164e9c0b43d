/*
 * runner.h - the promotion engine: drives a release through its flow.
 *
 * One runner per release at a time (it holds locks/ID.runner), one
 * promotion per environment at a time (the environment's history says who
 * is there; a newer release takes an environment from an older one, which
 * is terminated).  The runner is one process with no threads: steps are
 * child processes in process groups of their own, watched with poll() and
 * waitpid(WNOHANG).  It waits for any child of its process (on Linux it is
 * the subreaper of what its steps leave), so a caller has no children of
 * its own while it runs.  Every transition is written to the record as it
 * happens, under the product lock held only for that moment; environment
 * transitions are synced to disk at once, step transitions at the next
 * environment transition (a lost step transition means the step runs again
 * on retry, never that a failure is forgotten).
 */
#ifndef REL_RUNNER_H
#define REL_RUNNER_H

#include <signal.h>
#include <stdint.h>

#include "err.h"
#include "release.h"
#include "status.h"
#include "store.h"

/* What happened, for the progress display. */
struct rel_event {
	int64_t time;
	const char *release;
	const char *env;        /* NULL: the release itself */
	const char *step;       /* NULL: the environment */
	const char *component;  /* NULL: not per component */
	enum rel_status status;
	const char *why;        /* "" if none */
};

typedef void (*rel_event_fn)(const struct rel_event *ev, void *arg);
/* Called after each change and about every 200 ms, with the release as
 * it is now and the monotonic time, for a live view. */
typedef void (*rel_tick_fn)(const struct rel_release *r, void *arg);

enum rel_run_kind {
	REL_RUN_FLOW,     /* every auto environment whose needs succeeded */
	REL_RUN_MANUAL,   /* into the given environments, then on downstream */
	REL_RUN_RETRY,    /* resume a failed or terminated release */
	REL_RUN_REDEPLOY, /* one environment again, with this release */
};

struct rel_run_opts {
	enum rel_run_kind kind;
	const char *const *envs;      /* MANUAL, REDEPLOY: the environments */
	size_t nenvs;
	const char *how;              /* promote, redeploy, restore */
	int force;                    /* REDEPLOY: even if never reached */
	const char *by;               /* who */
	const char *why;              /* recorded with the environment start */
	const char *override;         /* promote into frozen environments,
	                                 recording this reason (freeze.h) */
	volatile sig_atomic_t *interrupt; /* set: terminate the release */
	volatile sig_atomic_t *quiet;     /* set: no more events (SIGHUP) */
	rel_event_fn on_event;
	rel_tick_fn on_tick;
	void *arg;
};

struct rel_runner;

/* Take the runner lock of release id, clean up after a dead runner, and
 * check that the request makes sense (REL_EUSAGE says why not,
 * REL_EBUSY when another runner or a newer release is in the way). */
int rel_run_prepare(struct rel_product *p, const char *id,
    const struct rel_run_opts *o, struct rel_runner **out,
    struct rel_err *err);

/* Run.  *final receives the release's status at the end: succeeded,
 * suspended or pending when nothing failed, failed or terminated. */
int rel_run_execute(struct rel_runner *ru, enum rel_status *final,
    struct rel_err *err);

/* Set (or clear, with NULLs) the progress callbacks. */
void rel_run_callbacks(struct rel_runner *ru, rel_event_fn on_event,
    rel_tick_fn on_tick, void *arg);

/* The release as prepared (for messages before execution). */
const struct rel_release *rel_run_release(const struct rel_runner *ru);

/* A step run that this runner tries more than once (a verification):
 * 1, with *now the try under way (or the next, while it waits to try
 * again) and *max the tries allowed; else 0. */
int rel_run_tries(const struct rel_runner *ru, size_t env, size_t step,
    size_t run, int *now, int *max);

/* After a fork: the runner is this process now (for the runner lock's
 * description of its holder). */
void rel_run_forked(struct rel_runner *ru);

/* Release the runner lock and everything else. */
void rel_run_free(struct rel_runner *ru);

#endif
