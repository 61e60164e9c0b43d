/*
 * release.h - a release as read from its record, and the record format.
 *
 * A release record (products/PRODUCT/releases/PRODUCT-N) is a journal
 * (journal.h).  It starts with header lines, all written at once when the
 * release is made (the file appears whole, by link()):
 *
 *   rel       2  PRODUCT             (the id is the file's name, so that
 *                                    the file is written and synced before
 *                                    its id is chosen under the lock;
 *                                    format 1 had "rel 1 ID PRODUCT N")
 *   created   TIME  BY
 *   hotfix    yes|no
 *   rev       COMMIT|-  REPO|-
 *   message   TEXT
 *   flow      SHA256  SOURCE-PATH
 *   policy    TIMEOUT-SECONDS  BEST-EFFORT(yes|no)  PARALLEL
 *   artifact  COMPONENT  VERSION                    (one per component)
 *   env       ENV  auto|manual  NEEDS(a,b or -)  BEST-EFFORT  TIMEOUT
 *   step      ENV  STEP  pre|action|verify|post     (the plan, in order)
 *
 * and goes on with transitions, appended as they happen:
 *
 *   tr   TIME  WHO  OBJECT  FROM  TO  ATTEMPT  WHY  INFO
 *   out  TIME  OBJECT  KEY  VALUE  ATTEMPT
 *   notify  TIME  WHO  EVENT  ENV  N  OUTCOME  ATTEMPT  WHY  INFO
 *   lease  TIME  MACHINE  ATTEMPT        (a runner renewing its lease:
 *                                       a store shared through a remote)
 *
 * (a notify line: the flow's N-th notify command ran for EVENT in ENV,
 * and OUTCOME, succeeded, failed or error, is how it went: notify.h; it
 * changes no status)
 * OBJECT is "-" for the release itself, ENV for an environment, ENV/STEP
 * for a pre or post step and ENV/STEP/COMPONENT for the action or verify
 * of one component.  INFO is space-separated key=value pairs (pid=,
 * pgid=, pstart=, boot=, host=, code=, tries=, how=, mode=, runner=).
 * The current state is the header plus the last transition of each
 * object; nothing is ever rewritten.
 */
#ifndef REL_RELEASE_H
#define REL_RELEASE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "flow.h"
#include "name.h"
#include "status.h"

#define REL_RECORD_VERSION "2"
#define REL_INFO_MAX 512

/* How long steps being stopped get between SIGTERM and SIGKILL, unless
 * told otherwise (rel-terminate --grace): for a termination, a supersede,
 * a timeout, a sibling stopped, a dead runner's steps.  Also what a
 * terminating line without grace= means. */
#define REL_GRACE_DEFAULT_MS 10000L

/* One run of one step for one component (or the only run of pre/post). */
struct rel_step_run {
	enum rel_status status;
	int attempt;
	int64_t started, finished; /* ms, 0 if not */
	int code;                  /* exit code, 128+signal, -1 unknown */
	int tries;                 /* verify: attempts made */
	long pid;                  /* process group leader while running */
	long long pstart;          /* its start time (/proc), 0 unknown */
	char boot[40];             /* boot id when it started */
	char host[REL_NAME_MAX + 1];
	const char *why;           /* last reason, or "" */
};

struct rel_step {
	char name[REL_NAME_MAX + 1];
	enum rel_step_kind kind;
	size_t nruns;              /* 1, or the number of components */
	struct rel_step_run *runs;
	enum rel_status status;    /* aggregate of runs */
};

struct rel_env {
	char name[REL_NAME_MAX + 1];
	enum rel_trigger trigger;
	size_t nneeds;
	size_t *needs;             /* indices into release->envs */
	int best_effort;
	long timeout;
	enum rel_status status;    /* the release's own: a redeploy that did
	                              not succeed leaves what it found (its
	                              outcome is the environment history's,
	                              DESIGN.md "redeploy") */
	enum rel_status run;       /* of the last run into it, as it ended */
	int redeploy;              /* the last run was a redeploy, rollback
	                              or restore, not a promotion */
	enum rel_status own;       /* what a redeploy that fails leaves */
	const char *own_why;
	int attempt;
	int64_t started, finished; /* of the current promotion */
	const char *by;            /* who started the current promotion */
	const char *why;           /* reason of the last transition */
	char how[16];              /* promote, redeploy, rollback, restore */
	long runner;               /* runner pid while running */
	char runner_host[REL_NAME_MAX + 1];
	char runner_machine[33];   /* machine=: its store's machine id, set
	                              when the store has a remote; "" else */
	size_t nsteps;
	struct rel_step *steps;
};

struct rel_artifact {
	char component[REL_NAME_MAX + 1];
	const char *version;
};

struct rel_output {
	int64_t time;
	const char *object;
	const char *key;
	const char *value;
	int attempt;
};

struct rel_notice {
	int64_t time;
	const char *who, *event, *env, *outcome, *why, *info;
	int n, attempt;
};

struct rel_transition {
	int64_t time;
	const char *who;
	const char *object;        /* "-", ENV, ENV/STEP, ENV/STEP/COMPONENT */
	const char *from, *to;
	int attempt;
	const char *why;
	const char *info;
};

struct rel_release {
	char id[REL_ID_MAX + 1];
	char product[REL_NAME_MAX + 1];
	unsigned long n;
	int64_t created;
	const char *by;
	int hotfix;
	const char *rev;           /* full commit id, or "" */
	const char *repo;          /* repository path, or "" */
	const char *message;
	char flow_hash[65];
	const char *flow_source;
	long timeout;              /* flow timeout in seconds, 0: none */
	int best_effort;
	int parallel;
	size_t nartifacts;
	struct rel_artifact *artifacts;
	size_t nenvs;
	struct rel_env *envs;
	size_t noutputs;
	struct rel_output *outputs;
	size_t ntr;
	struct rel_transition *tr;
	size_t nnotices, notcap;
	struct rel_notice *notices;   /* notify lines, in order */

	enum rel_status term;      /* REL_TERMINATING, REL_TERMINATED or REL_PENDING */
	const char *term_why, *term_by;
	int64_t term_time;
	long term_grace_ms;        /* grace=SECONDS of the terminate request */
	long term_dead;            /* dead=PID: not a request, but a dead
	                              runner's steps being stopped (reap.h);
	                              it ends failed, not terminated */
	int attempt;               /* highest attempt seen, 0 before any run */
	int64_t started;           /* first promotion, 0 if none */
	int64_t attempt_started;   /* first transition of the latest attempt */
	int64_t updated;           /* last transition */
	enum rel_status status;    /* computed */
	enum rel_status recorded;  /* what the last release line said */
	size_t bad_lines;          /* damaged lines skipped (see rel-status --check) */
	size_t record_size;        /* bytes of the record that were read */
	int torn;                  /* the record ended in a torn line */
	size_t trcap, outcap;      /* room in tr and outputs */
	char **chunks;             /* lines added by rel_release_extend */
	size_t nchunks, chunkcap;

	struct rel_buf raw;        /* the record's bytes, as read */
	struct rel_buf work;       /* a parsed copy; strings point into it */
};

/* Parse a record held in raw (taken over by the release, even on error).
 * `path` names it in messages, and its last component is the release's
 * id.  REL_ESYS if the header is damaged. */
int rel_release_parse(struct rel_buf *raw, const char *path,
    struct rel_release **out, struct rel_err *err);

void rel_release_free(struct rel_release *r);

/* Add lines (complete journal lines, as just appended to the record) to
 * r, as if they had been read with it: r is then the release after them.
 * On an error r is left unusable: free it. */
int rel_release_extend(struct rel_release *r, const char *lines, size_t len,
    struct rel_err *err);

/* Recompute env step aggregates and the release status. */
void rel_release_update_status(struct rel_release *r);

/* Lookups: index or -1. */
int rel_release_env(const struct rel_release *r, const char *env);
int rel_release_step(const struct rel_env *e, const char *step);
int rel_release_component(const struct rel_release *r, const char *comp);

/* The value of key in an INFO string ("a=1 b=2"), copied into buf;
 * NULL if absent. */
const char *rel_info_get(const char *info, const char *key, char *buf,
    size_t n);

/* Build the header of a new record into out.  flow supplies the plan;
 * artifacts[i] is the version of flow->components[i]. */
struct rel_new_release {
	const char *product;
	int64_t created;
	const char *by;
	int hotfix;
	const char *rev, *repo;    /* NULL or "" when absent */
	const char *message;       /* may be "" */
	const char *flow_hash, *flow_source;
	const char *const *versions; /* one per flow component */
};
void rel_release_header(struct rel_buf *out, const struct rel_new_release *nr,
    const struct rel_flow *flow);

/* The record's OBJECT for a step run. */
void rel_object(const struct rel_release *r, size_t env, size_t step,
    size_t run, char *out, size_t n);

/* Append a transition line to out. */
void rel_tr_line(struct rel_buf *out, int64_t time, const char *who,
    const char *object, const char *from, const char *to, int attempt,
    const char *why, const char *info);
/* Append a notify line to out. */
void rel_notice_line(struct rel_buf *out, int64_t time, const char *who,
    const char *event, const char *env, int n, const char *outcome,
    int attempt, const char *why, const char *info);
/* Append an output line to out. */
void rel_out_line(struct rel_buf *out, int64_t time, const char *object,
    const char *key, const char *value, int attempt);

/* The one-line summary of rel-status (TSV, no newline): id, product,
 * status, created, by, hotfix, env=status,... */
void rel_release_summary(const struct rel_release *r, struct rel_buf *out);

#endif
