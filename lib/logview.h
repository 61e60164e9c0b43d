/*
 * logview.h - which logs of an environment there are to read, in the
 * order its steps run, and following them while they are written.
 *
 * rel-log prints a selection (an environment, optionally one step) once,
 * or follows it: a follower reads the release record again on each call,
 * opens the logs of steps as they start, and hands over the bytes each
 * log has gained since, decompressed, until the environment's run is
 * over (see rel_follow_poll).
 */
#ifndef REL_LOGVIEW_H
#define REL_LOGVIEW_H

#include <stddef.h>

#include "err.h"
#include "release.h"
#include "status.h"
#include "store.h"

/* One log: one run of a step (of one component for action and verify). */
struct rel_logref {
	const char *step;
	const char *component;     /* NULL for a pre or post step */
	int attempt;
	enum rel_status status;    /* of the run, as the record has it */
	char name[3 * REL_NAME_MAX + 32]; /* its file, in logs/ID/ENV */
};

/* Call fn for each log of environment env of r (only step's, when step
 * is not NULL) in the order the steps run: the last attempt in which each
 * step run ran, or attempt `want` when it is not 0.  Returns how many. */
typedef void (*rel_logref_fn)(const struct rel_logref *ref, void *arg);
size_t rel_logs_each(const struct rel_release *r, size_t env,
    const char *step, int want, rel_logref_fn fn, void *arg);

/* The logs of the flow's notify command n (1-based) in env (a name, or
 * "-" for a release's own events: notify.h), one per time it ran there
 * as the record's notify lines say, in order; only attempt `want`'s
 * when it is not 0.  Each as a step "notify-N@EVENT" (its file's name)
 * of no component, succeeded or failed as the command did.  Returns how
 * many. */
size_t rel_notify_logs_each(const struct rel_release *r, const char *env,
    int n, int want, rel_logref_fn fn, void *arg);
/* N if step is "notify-N" (N from 1), else 0. */
int rel_notify_step(const char *step);

/* "RELEASE ENV/STEP[/COMPONENT] (attempt N, STATUS)", the name of a log
 * in headers; with_status 0 leaves out ", STATUS". */
void rel_logref_title(const struct rel_release *r, const char *env,
    const struct rel_logref *ref, int with_status, char *out, size_t n);

struct rel_follow;

/* Start following environment env (and step, when not NULL) of release
 * number n of product p.  Both names must exist in the release. */
int rel_follow_open(struct rel_product *p, unsigned long n, const char *env,
    const char *step, int want, struct rel_follow **out,
    struct rel_err *err);

/* Read the record again (recording a dead runner, as rel-status does),
 * and pass what each log gained since the last call to fn, in chunks,
 * logs in step order; a log read whole is closed.  *over becomes 1 once
 * the environment's run is over and all of its logs have been read to
 * their end: it is neither running nor pending, or no runner is alive to
 * take it further.  A runner found dead whose end cannot be recorded
 * (the product lock busy, a store we may not write) is over too, with
 * that error (REL_EBUSY, REL_ESYS). */
typedef int (*rel_follow_fn)(const struct rel_logref *ref, const char *data,
    size_t len, void *arg);
int rel_follow_poll(struct rel_follow *f, rel_follow_fn fn, void *arg,
    int *over, struct rel_err *err);

/* The release as last read, and how many logs were found so far. */
const struct rel_release *rel_follow_release(const struct rel_follow *f);
size_t rel_follow_found(const struct rel_follow *f);
/* The name of the first log of a finished step run that was read to its
 * end and found cut short (see rel_log_read_whole), or NULL. */
const char *rel_follow_incomplete(const struct rel_follow *f);

void rel_follow_free(struct rel_follow *f);

#endif
