/*
 * terminate.h - stopping a release (rel-terminate, rel-terminate --expired).
 *
 * A termination is a request written to the record (release ->
 * terminating, with the reason, who, and the grace period) and then seen
 * through: the release's runner, if alive, notices it, stops its steps and
 * writes the end; if no runner is alive, whoever asked does it: SIGTERM to
 * the steps' process groups (only those still the processes that were
 * started), SIGKILL after the grace period, and the end written as the
 * reaper writes it (reap.h).
 */
#ifndef REL_TERMINATE_H
#define REL_TERMINATE_H

#include "release.h"
#include "store.h"

/* Terminate release n.  REL_EUSAGE if it has finished already.  Returns
 * when it is terminated, or REL_EBUSY if its runner did not finish the
 * job within grace_ms plus wait_ms. */
int rel_terminate(struct rel_product *p, unsigned long n, const char *by,
    const char *why, long grace_ms, long wait_ms, struct rel_err *err);

/* Is r running or waiting past its flow timeout at time now (ms)? */
int rel_expired(const struct rel_release *r, int64_t now);

#endif
