/*
 * notify.h - telling people: the flow's notify commands run on events
 * (DESIGN.md "Stopping the line, and telling people").
 *
 * An event is a transition: an environment that became failed,
 * succeeded, suspended (at a gate), frozen (suspended by a freeze) or
 * terminated (a release terminated while waiting at a gate counts for
 * the environment it waited in); or a release terminated with no
 * environment to count it for (it waited to be promoted): one
 * `terminated` event of the release, whose ENV is REL_NOTIFY_RELEASE
 * ("-", as the release's own object in a record; REL_ENV is empty for
 * the command), told to the flow's own notify commands alone, its log
 * in logs/ID/-/.  Exactly one process writes each transition, under
 * the product lock, whoever it is: the runner, the rel-status that
 * notices a dead runner, rel-terminate --expired from cron.  record.c
 * tells that process (struct rel_store's `written`),
 * and so it alone notifies: two commands noticing one dead runner at
 * once write its failure once, and notify once.
 *
 * A notifier listens on a store, keeps the events its process wrote,
 * and runs them (rel_notifier_run) when the command is done with the
 * record, or, in a runner, in a copy of it forked as they happen (the
 * copy runs them, the runner forgets them): each notify command of the
 * product's flow (flows/PRODUCT.yaml, else the release's copy) that is
 * for the event and its environment, one after the other, `/bin/sh -c
 * RUN` in a process group of its own, in the state directory (so that
 * `run: ./notify.sh` is one command whoever runs it), killed if the
 * process running it dies (Linux), with the caller's environment minus
 * REL_* plus REL_EVENT and the release's data in REL_* variables (never
 * in the command), its output
 * in a gzip log (logs/ID/ENV/notify-N@EVENT.ATTEMPT.log.gz), stopped at
 * its timeout (SIGTERM, SIGKILL 2 s later).  How it went is a `notify`
 * line of the release's record; it never changes a status.
 *
 * At most once: a notifier that dies before it ran what it kept (kill
 * -9, a reboot) loses those notifications; no other process runs them.
 * A process that found one not run could not tell whether it had gone
 * out (a webhook posted, the process killed before it recorded so), and
 * a page sent twice at 3 a.m. is a page people learn to ignore.  The
 * record has the transition either way, and rel-status shows it; the
 * notify lines show which notifications ran.
 */
#ifndef REL_NOTIFY_H
#define REL_NOTIFY_H

#include "err.h"
#include "store.h"

#define REL_NOTIFY_KILL_MS 2000 /* after SIGTERM at the timeout */
#define REL_NOTIFY_RELEASE "-"  /* the "environment" of a release's event */

struct rel_notifier;

/* Listen on st, instead of whatever listened (a command's notifier
 * while its runner's listens): the previous listener is restored by
 * rel_notifier_free.  who: recorded as who ran them. */
struct rel_notifier *rel_notifier_new(struct rel_store *st, const char *who);

/* How many events are kept, not yet run. */
size_t rel_notifier_pending(const struct rel_notifier *nf);

/* Run what was kept and record how it went; each command within its
 * timeout.  Errors recording are returned (the first); a notify command
 * that fails is no error. */
int rel_notifier_run(struct rel_notifier *nf, struct rel_err *err);

/* Forget what was kept (a forked copy that is not the one to run it). */
void rel_notifier_forget(struct rel_notifier *nf);

/* Stop listening (what is kept and not run is lost). */
void rel_notifier_free(struct rel_notifier *nf);

#endif
