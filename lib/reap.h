/*
 * reap.h - runners, and what happens when one dies.
 *
 * A runner (rel-promote, rel-redeploy) holds the lock locks/ID.runner for
 * as long as it lives; the kernel drops it when the runner dies, however
 * it dies.  So "the runner is gone" is "nobody holds its lock", on this
 * machine or over NFS, with no pid guessing.  A runner writes its last
 * transitions before it lets go, so a release that is still `running`
 * with nobody holding its lock had its runner die: the first command that
 * notices records the failure (or finishes a termination), and sends
 * SIGTERM to step processes left behind, if they are still the ones that
 * were started.
 */
#ifndef REL_REAP_H
#define REL_REAP_H

#include "lock.h"
#include "release.h"
#include "store.h"

/* Take the runner lock of release id without waiting.  REL_EBUSY says
 * who holds it. */
int rel_runner_lock(struct rel_store *st, const char *id,
    struct rel_lock *lk, struct rel_err *err);
/* Is the runner of release id alive? (1, 0) holder gets its description. */
int rel_runner_alive(struct rel_store *st, const char *id, char *holder,
    size_t n);

/* Does r look like it has work in progress (an environment or step
 * running, or a termination under way)? */
int rel_reap_needed(const struct rel_release *r);

/* If r's runner is dead, record it: running steps and environments
 * become failed (terminated, if the release was being terminated), the
 * release terminated if it was terminating.  *after gets the release as
 * it is now (NULL if nothing had to change).  0 when nothing was needed. */
int rel_reap(struct rel_product *p, const struct rel_release *r,
    struct rel_release **after, struct rel_err *err);
/* The same for readers: they do not wait for the product lock.  A busy
 * lock is REL_EBUSY (the message names the holder) and nothing is done:
 * a read must not hang on a writer, however stuck. */
int rel_reap_now(struct rel_product *p, const struct rel_release *r,
    struct rel_release **after, struct rel_err *err);

/* Load release n for a reader, first recording a dead runner with
 * rel_reap_now.  When that cannot be done now (the lock is busy, or the
 * store refuses the write), the release is as its record has it, and
 * *why (when not NULL) says why; why->code is 0 otherwise. */
int rel_reap_load(struct rel_product *p, unsigned long n,
    struct rel_release **out, struct rel_err *why, struct rel_err *err);

/* The same for a caller that holds the release's runner lock itself (so
 * the runner that left the state behind is certainly gone). */
int rel_reap_held(struct rel_product *p, const struct rel_release *r,
    struct rel_release **after, struct rel_err *err);

/* Lines that stop everything running in r: running steps become `to`
 * with reason why, running environments become `env_to`.  Used by the
 * reaper, rel-terminate and the runner.  envlines receives, per
 * environment that stopped, an end line for its history, and envnames its
 * name (NUL-separated). */
void rel_stop_lines(const struct rel_release *r, int64_t now, const char *who,
    enum rel_status to, enum rel_status env_to, const char *why,
    struct rel_buf *lines, struct rel_buf *envlines, struct rel_buf *envnames);

/* Lines that finish a termination: running steps and environments
 * become terminated, suspended environments pending again, the release
 * terminated.  envlines/envnames (may be NULL) receive an end line for
 * the history of each environment that stopped, and its name
 * (NUL-separated). */
void rel_terminate_lines(const struct rel_release *r, int64_t now,
    const char *who, const char *why, struct rel_buf *lines,
    struct rel_buf *envlines, struct rel_buf *envnames);

/* Append each env's end line (as rel_stop_lines made them) to its
 * history.  Caller holds the product lock. */
int rel_stop_envlogs(struct rel_product *p, const struct rel_buf *envlines,
    const struct rel_buf *envnames, struct rel_err *err);

/* Send sig to the process groups of r's running steps that are still the
 * processes that were started.  Returns how many were signalled. */
int rel_signal_steps(const struct rel_release *r, int sig);

#endif
