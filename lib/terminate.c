/*
 * terminate.c - see terminate.h.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "reap.h"
#include "record.h"
#include "terminate.h"
#include "when.h"

struct req {
	const char *by, *why;
	long grace_ms;
};

static int
request(struct rel_release *r, struct rel_buf *lines, void *arg,
    struct rel_err *err)
{
	const struct req *q = arg;
	char info[64];

	/* Under way already: see it through.  But the stopping of a dead
	 * runner's steps becomes this termination (its end: terminated,
	 * with this reason). */
	if (r->term == REL_TERMINATING && !r->term_dead)
		return 0;
	if (r->status == REL_SUCCEEDED || r->status == REL_FAILED ||
	    r->status == REL_TERMINATED)
		return rel_err_set(err, REL_EUSAGE,
		    "%s has finished (%s): nothing to terminate", r->id,
		    rel_status_name(r->status));
	snprintf(info, sizeof info, "grace=%ld.%03ld", q->grace_ms / 1000,
	    q->grace_ms % 1000);
	rel_tr_line(lines, rel_now_ms(), q->by, "-", rel_status_name(r->status),
	    "terminating", r->attempt, q->why, info);
	return 0;
}

static const char *
runner_host(const struct rel_release *r)
{
	for (size_t i = 0; i < r->nenvs; i++)
		if (r->envs[i].status == REL_RUNNING &&
		    r->envs[i].runner_host[0])
			return r->envs[i].runner_host;
	return "?";
}

static void
nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int
rel_terminate(struct rel_product *p, unsigned long n, const char *by,
    const char *why, long grace_ms, long wait_ms, struct rel_err *err)
{
	struct req q = { by, why, grace_ms };
	struct rel_release *r = NULL, *after = NULL;
	int64_t start = rel_monotonic_ms(), killed = 0;
	int rc;

	if ((rc = rel_release_update(p, n, request, &q, 1, &r, err)) != 0)
		return rc;
	/* Signal the steps now, whoever ends up writing the end: those
	 * running, and whatever an earlier attempt left.  A runner on
	 * another machine sees the request when it next fetches, and stops
	 * its steps itself. */
	if (!rel_runner_elsewhere(p->st, r))
		rel_leftovers_signal(p, r, 0, SIGTERM);
	for (;;) {
		int64_t now = rel_monotonic_ms();

		if (r->status == REL_TERMINATED)
			break;
		if (rel_runner_elsewhere(p->st, r)) {
			/* Wait for its end to reach the remote, or for its
			 * lease to run out (then the reaper's way). */
			const struct rel_publisher *pb = p->st->pub;
			int moved = 0;

			if (!rel_runner_live(p, r)) {
				if ((rc = rel_reap_wait(p, r, 0, &after,
				    err)) != 0)
					break;
				if (after) {
					rel_release_free(r);
					r = after;
					after = NULL;
				}
				if (r->status == REL_TERMINATED)
					break;
			} else if (now - start > grace_ms + wait_ms) {
				rc = rel_err_set(err, REL_EBUSY, "%s is "
				    "terminating, but its runner on another "
				    "machine (%s) has not recorded its end "
				    "after %ld s; look again with rel-status "
				    "--fetch %s", r->id, runner_host(r),
				    (long)((now - start) / 1000), r->id);
				break;
			}
			if (pb)
				pb->refresh(pb->ctx, p->st, p->name, &moved,
				    NULL);
			nap(100);
		} else if (!rel_runner_alive(p->st, r->id, NULL, 0)) {
			/* Nobody else will: the reaper's way, which waits for
			 * the steps, sends SIGKILL after the grace period and
			 * records the end once they are gone. */
			if ((rc = rel_reap_wait(p, r, 0, &after, err)) != 0)
				break;
			if (after) {
				rel_release_free(r);
				r = after;
				after = NULL;
			}
			if (r->status == REL_TERMINATED)
				break;
		} else if (!killed && now - start >= grace_ms) {
			/* The runner escalates too; this is for a stuck one. */
			rel_leftovers_signal(p, r, 1, SIGKILL);
			killed = now;
		} else if (killed && now - killed > wait_ms) {
			rc = rel_err_set(err, REL_EBUSY,
			    "%s is terminating, but its runner has not finished "
			    "after %ld s; look again with rel-status %s", r->id,
			    (long)((now - start) / 1000), r->id);
			break;
		}
		nap(20);
		rel_release_free(r);
		r = NULL;
		if ((rc = rel_release_load(p, n, &r, err)) != 0)
			break;
	}
	rel_release_free(after);
	rel_release_free(r);
	return rc;
}

int
rel_expired(const struct rel_release *r, int64_t now)
{
	if (!r->timeout || !r->attempt_started || r->term != REL_PENDING)
		return 0;
	if (r->status != REL_RUNNING && r->status != REL_SUSPENDED &&
	    r->status != REL_PENDING)
		return 0;
	/* From the start of the current attempt: a retry starts the clock
	 * again, or a release terminated for its timeout could never run. */
	return now > r->attempt_started + r->timeout * 1000;
}
