/*
 * reap.h - runners, what happens when one dies, and what steps leave.
 *
 * A runner (rel-promote, rel-redeploy) holds the lock locks/ID.runner for
 * as long as it lives; the kernel drops it when the runner dies, however
 * it dies.  So "the runner is gone" is "nobody holds its lock", on this
 * machine or over NFS, with no pid guessing.  A runner writes its last
 * transitions before it lets go, so a release that is still `running`
 * with nobody holding its lock had its runner die.
 *
 * The first command that notices stops the dead runner's steps as a
 * termination would, and records nothing gone before it is gone:
 *
 *  1. the step processes get SIGTERM; if they are gone a moment later,
 *     the failure is recorded at once: running steps and environments
 *     become failed, "the runner (pid PID on HOST) died";
 *  2. if not, the release becomes `terminating` with that reason and the
 *     default grace period (info dead=PID), and nothing more is recorded
 *     while any of them lives; whoever looks once the grace period is
 *     over sends SIGKILL; once they are gone the failure is recorded
 *     (terminating -> failed).
 *
 * A termination whose runner died is seen through the same way, and ends
 * terminated.  The step processes are the process groups the record
 * names (only while they are still the processes that were started), and
 * where the system tells (Linux) the processes that left their group but
 * carry the release's id in their environment (see proc.h).
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

/* With a remote: is r's runner (of its running environments) on another
 * machine (the record's machine= is not this store's)? */
int rel_runner_elsewhere(struct rel_store *st, const struct rel_release *r);
/* The lease (STATE/config) and the margin a machine waits beyond it. */
void rel_lease_times(struct rel_store *st, long *lease_ms, long *margin_ms);
/* Has this machine watched r's record unchanged for lease + margin (its
 * own CLOCK_MONOTONIC, kept in cache/PRODUCT/watch/ID with its boot id)?
 * The first look starts the watch. */
int rel_lease_expired(struct rel_product *p, const struct rel_release *r);

/* Is r's runner alive, as far as this machine can tell?  Here: its
 * runner lock.  On another machine: its lease, as watched from here. */
int rel_runner_live(struct rel_product *p, const struct rel_release *r);

/* Does r look like it has work in progress (an environment or step
 * running, or a termination under way)? */
int rel_reap_needed(const struct rel_release *r);

/* If r's runner is dead, take the stopping of its steps one look
 * further (see above), waiting a moment at most.  *after gets the
 * release as recorded now (NULL if nothing was written).  Returns 0 when
 * nothing was needed or the look went well, even if the steps are still
 * being stopped.  An error after the record was written leaves *after
 * set: what was recorded is what a command shows. */
int rel_reap(struct rel_product *p, const struct rel_release *r,
    struct rel_release **after, struct rel_err *err);
/* The same for readers: they do not wait for the product lock.  A busy
 * lock is REL_EBUSY (the message names the holder) and nothing is
 * written: a read must not hang on a writer, however stuck. */
int rel_reap_now(struct rel_product *p, const struct rel_release *r,
    struct rel_release **after, struct rel_err *err);

/* Load release n for a reader, first looking at a dead runner with
 * rel_reap_now.  *out is the release as recorded.  When the look failed
 * (the lock is busy, the store refuses the write), *why (when not NULL)
 * says why; why->code is 0 otherwise.  A look that recorded part of what
 * it had to and then failed (the record written, a full disk for the
 * environment's history) returns that error, with *out the release as
 * recorded: the reader shows that, and reports the error.  *out is
 * always to be freed when it is not NULL. */
int rel_reap_load(struct rel_product *p, unsigned long n,
    struct rel_release **out, struct rel_err *why, struct rel_err *err);

/* Look again and again until the dead runner's steps are stopped and
 * that is recorded (the grace period, then SIGKILL).  held: the caller
 * holds the release's runner lock itself, so the runner that left the
 * state behind is certainly gone.  REL_EBUSY if a process does not go
 * within 30 s of its SIGKILL (the message names it). */
int rel_reap_wait(struct rel_product *p, const struct rel_release *r,
    int held, struct rel_release **after, struct rel_err *err);

/* The same for a caller that holds the release's runner lock. */
int rel_reap_held(struct rel_product *p, const struct rel_release *r,
    struct rel_release **after, struct rel_err *err);

/* Processes that r's step runs of any attempt left behind on this host,
 * whatever their record says: the process groups it names that are still
 * the ones started and have a live member; with deep, also (Linux) the
 * processes that left their group but carry r's id, state directory and
 * an attempt up to r's in their environment.  Signal them with sig (0:
 * count only); returns how many were found. */
int rel_leftovers_signal(struct rel_product *p, const struct rel_release *r,
    int deep, int sig);

/* Stop what rel_leftovers_signal finds, as a termination would: SIGTERM,
 * grace_ms, SIGKILL.  Before a runner starts anything: a step of an
 * earlier attempt must not run next to the new one.  REL_EBUSY if
 * something is still there 30 s after its SIGKILL. */
int rel_leftovers_stop(struct rel_product *p, const struct rel_release *r,
    int deep, long grace_ms, struct rel_err *err);

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

/* Send sig to the process groups of r's running steps that are still the
 * processes that were started.  Returns how many were signalled. */
int rel_signal_steps(const struct rel_release *r, int sig);

#endif
