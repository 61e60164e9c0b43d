/*
 * envlog.h - environment histories (products/PRODUCT/envs/ENV).
 *
 * One journal per environment of a product, appended under the product
 * lock whenever a promotion or redeploy starts or ends there:
 *
 *   run  TIME  RELEASE  ATTEMPT  HOW  WHO  PREVIOUS  WHY
 *   end  TIME  RELEASE  ATTEMPT  STATUS
 *
 * and, when someone stops the line by hand (rel-freeze, freeze.h):
 *
 *   freeze  TIME  WHO  UNTIL(time or -)  HOTFIX(allow|deny)  REASON
 *   lift    TIME  WHO  REASON
 *
 * HOW is promote, redeploy or restore; PREVIOUS is the release live in the
 * environment when the run started ("-" if none).  The release live in an
 * environment is the release of the last run that ended succeeded.  A run
 * with no end is in progress (or its runner died: see reap.h) -- unless
 * the release's record says the environment has finished: a crash between
 * the record's line and the history's lost the end, and the record, where
 * every transition is written first, is right.  Such a run is read as
 * ended ("settled"), and rel-status --check writes its end line.
 */
#ifndef REL_ENVLOG_H
#define REL_ENVLOG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "status.h"
#include "store.h"

struct rel_env_run {
	int64_t started, ended;      /* ended 0: no end line yet */
	char release[REL_ID_MAX + 1];
	int attempt;
	char how[16];
	const char *who, *previous, *why;
	enum rel_status status;      /* REL_RUNNING until ended */
	int settled;                 /* ended per the record, no end line */
};

/* The last freeze or lift line (rel-freeze). */
struct rel_env_freeze {
	int64_t time;                /* 0: no such line */
	int lifted;                  /* the last one was a lift */
	const char *who, *why;
	int64_t until;               /* freeze: ms, 0 until lifted */
	int hotfix;                  /* freeze: hotfix releases pass */
};

struct rel_envlog {
	char env[REL_NAME_MAX + 1];
	struct rel_env_freeze freeze;  /* the last of marks, if any */
	size_t nmarks;
	struct rel_env_freeze *marks;  /* every freeze and lift, in order */
	size_t n;
	struct rel_env_run *v;       /* in order of start */
	struct rel_buf raw;
};

/* Load the history of env (an empty one if it has none yet). */
int rel_envlog_load(struct rel_product *p, const char *env,
    struct rel_envlog *log, struct rel_err *err);
void rel_envlog_free(struct rel_envlog *log);
/* Parse log->raw (the bytes of a history) into log->v, as load does but
 * without settling open runs against the records. */
int rel_envlog_parse(struct rel_envlog *log, struct rel_err *err);

/* The run that made the live release, or NULL. */
const struct rel_env_run *rel_envlog_live(const struct rel_envlog *log);
/* The last run that has not ended, or NULL. */
const struct rel_env_run *rel_envlog_open_run(const struct rel_envlog *log);

/* Build lines; append them under the product lock (held by the caller). */
void rel_envlog_run_line(struct rel_buf *out, int64_t time,
    const char *release, int attempt, const char *how, const char *who,
    const char *previous, const char *why);
void rel_envlog_end_line(struct rel_buf *out, int64_t time,
    const char *release, int attempt, enum rel_status status);
void rel_envlog_freeze_line(struct rel_buf *out, int64_t time,
    const char *who, int64_t until, int hotfix, const char *why);
void rel_envlog_lift_line(struct rel_buf *out, int64_t time, const char *who,
    const char *why);
/* Appending to a history: rel_env_append (record.h), the one write
 * path. */

/* The live release of every environment that has a history. */
struct rel_livemap {
	size_t n;
	char (*env)[REL_NAME_MAX + 1];
	char (*release)[REL_ID_MAX + 1]; /* "" if nothing is live */
};
int rel_livemap_load(struct rel_product *p, struct rel_livemap *m,
    struct rel_err *err);
/* The release live in env, or NULL. */
const char *rel_livemap_get(const struct rel_livemap *m, const char *env);
void rel_livemap_free(struct rel_livemap *m);

#endif
