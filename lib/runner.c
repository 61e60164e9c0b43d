/*
 * runner.c - the promotion engine (see runner.h).
 *
 * The loop: poll the step pipes, reap what exited, turn ends into
 * transitions, notice termination requests and timeouts, start what can
 * start, write.  Decisions are taken from the release as the record says
 * it is after each write (ru->r), plus what only this process knows: which
 * processes it runs and which step runs it already tried in this session.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "bucket.h"
#include "config.h"
#include "envlog.h"
#include "envp.h"
#include "flow.h"
#include "freeze.h"
#include "io.h"
#include "journal.h"
#include "logfile.h"
#include "notify.h"
#include "proc.h"
#include "reap.h"
#include "record.h"
#include "runner.h"
#include "task.h"
#include "when.h"


#define TICK_MS 250            /* look at the record at least this often */
#define CLAIM_WAIT_MS 60000    /* wait this long for an older run to stop */
#define OUTPUT_MAX 100         /* outputs kept per step run */
#define LOCK_TRIES 6           /* a runner waits this many --wait periods */
#define KILL_WAIT_MS 30000     /* after SIGKILL, how long for a process to go */

/* An environment as this runner sees it.  The moves (env_set, the only
 * place that changes a state):
 *
 *   IDLE -> WAITING            asked to start it (start_env)
 *   WAITING -> ASKED           the release promoting there is being
 *                              stopped (asked to, or its dead runner's
 *                              steps stopped by us)
 *   WAITING, ASKED -> RUNNING  it is ours: the start is written (claim)
 *   WAITING, ASKED -> IDLE     not to be had: we are terminated instead
 *   RUNNING -> FAILING         a step failed: nothing more starts there
 *   RUNNING, FAILING -> ENDED  its end is in the batch (end_env)
 *   IDLE -> ENDED              suspended at its gate (downstream)
 *   ENDED -> IDLE              the end is written (schedule)
 *   RUNNING, FAILING -> IDLE   the release is terminated (finish_terminate)
 *
 * ENDED keeps the status it ended with until that is written, so that
 * the environments after it can start in the same write. */
enum env_state {
	ENV_IDLE,
	ENV_WAITING,
	ENV_ASKED,
	ENV_RUNNING,
	ENV_FAILING,
	ENV_ENDED,
};

struct envrun {
	enum env_state state;
	enum rel_status ended;     /* ENDED: the status it ended with */
	int64_t wait_until;        /* ASKED: monotonic, give up then */
	int fresh;                 /* start afresh (else resume) */
	size_t cur;                /* current step */
	char why[512];             /* FAILING: why it fails */
	int64_t linger;            /* what its steps left got SIGTERM: SIGKILL
	                              is due then (monotonic), 0: not yet */
	int64_t linger_killed;     /* when it got SIGKILL, 0: not yet */
	unsigned char *tried;      /* [step * ncomp + comp]: run this session */
	unsigned char *dead;       /* [comp]: failed under best effort */
	int held;                  /* found frozen by this run: it stays
	                              suspended until a command promotes
	                              it (nothing starts when a freeze
	                              ends) */
	char previous[REL_ID_MAX + 1]; /* live when the promotion started */
};

/* A progress event waiting for its transition to be written: progress
 * is told only once the record has it, so that a line a user saw (say,
 * "prod succeeded") is never one that a crash or a full disk took back. */
struct said {
	int64_t time;
	size_t env;                /* (size_t)-1: the release */
	int step, comp;            /* -1: none */
	enum rel_status to;
	char *why;
};

struct rel_runner {
	struct rel_product *p;
	struct rel_run_opts o;
	struct rel_release *r;     /* the record as it is now */
	struct rel_flow *flow;
	const struct rel_flow *policy; /* whose freeze windows apply */
	int policy_owned;
	struct rel_notifier *nf;   /* the events this runner writes */
	pid_t notify_pid;          /* a copy of us telling them, 0: none */
	struct rel_lock lock;      /* locks/ID.runner */
	char id[REL_ID_MAX + 1];
	char root[PATH_MAX];
	char host[REL_NAME_MAX + 1];
	char boot[40];
	int attempt;
	size_t ncomp;
	struct envrun *env;
	struct rel_task *tasks;
	size_t ntasks, tcap;
	struct rel_buf batch;      /* record lines not yet written */
	struct rel_buf envlines, envnames; /* history lines, after the record */
	struct rel_buf lost, lostnames; /* of those, the ones that could not
	                              be written (see record_stop) */
	struct said *said;         /* events of the lines not yet written */
	size_t nsaid, saidcap;
	int sync;                  /* the batch must reach the disk */
	int retrying;              /* a retry line is on its way */
	int began;                 /* an environment of this run started */
	int refused;               /* a freeze refused the run: nothing
	                              was written */
	int terminating;
	int term_done;             /* its end is written */
	int64_t kill_at;           /* monotonic: SIGKILL what is left */
	int64_t killed_at;         /* monotonic: when it was sent */
	char term_why[512];
	long long log_max;         /* a step log's cap (STATE/config) */
	int remote;                /* STATE/config names a remote */
	long lease_ms, sync_ms;    /* STATE/config */
	int64_t last_ok;           /* monotonic: when the last publish that
	                              was accepted began (the lease) */
	int64_t last_pub;          /* when the last publish was tried */
	int64_t last_fetch;        /* when the remote was last asked */
	int fencing;               /* the lease is running out: stopping */
	int64_t fence_kill;        /* SIGKILL what is left then */
	size_t applied;            /* bytes of batch already in r */
	size_t pending;            /* bytes of r not on disk (the batch's) */
	ino_t ino;                 /* the record's inode as last seen */
	int claiming;              /* the environment being claimed, -1 */
	size_t mark[4];            /* where its lines start in batch,
	                              envlines, envnames, said */
	int claim_taken;           /* another took it first */
	int claim_self;            /* ... running this release: give way */
	int lease_gone;            /* past its lease: publish nothing more */
	struct rel_err pub_err;    /* why the last publish failed */
	char machine[REL_MACHINE_ID_LEN + 1]; /* with a remote, else "" */
	struct rel_buf logs;       /* finished logs to publish with the
	                              batch: NUL-separated paths under the
	                              product */
	int stop_error;            /* the store failed us: stop */
	struct rel_err fatal;
	char cgbase[REL_CGROUP_MAX]; /* steps' cgroups go below, "": none */
	unsigned cgcount;
};

/* The one place where an environment's state changes (see enum
 * env_state); a move not in the table is a bug. */
static void
env_set(struct envrun *ev, enum env_state to)
{
	static const unsigned char ok[] = {
		[ENV_IDLE] = 1u << ENV_WAITING | 1u << ENV_ENDED,
		[ENV_WAITING] = 1u << ENV_ASKED | 1u << ENV_RUNNING |
		    1u << ENV_IDLE,
		[ENV_ASKED] = 1u << ENV_RUNNING | 1u << ENV_IDLE,
		[ENV_RUNNING] = 1u << ENV_FAILING | 1u << ENV_ENDED |
		    1u << ENV_IDLE,
		[ENV_FAILING] = 1u << ENV_ENDED | 1u << ENV_IDLE,
		[ENV_ENDED] = 1u << ENV_IDLE,
	};

	assert(ev->state == to || (ok[ev->state] & (1u << to)));
	ev->state = to;
}

/* This runner drives it now: steps start and end there. */
static int
env_ours(const struct envrun *ev)
{
	return ev->state == ENV_RUNNING || ev->state == ENV_FAILING;
}

/* To start once the environment is free. */
static int
env_waiting(const struct envrun *ev)
{
	return ev->state == ENV_WAITING || ev->state == ENV_ASKED;
}

void
rel_run_callbacks(struct rel_runner *ru, rel_event_fn on_event,
    rel_tick_fn on_tick, void *arg)
{
	ru->o.on_event = on_event;
	ru->o.on_tick = on_tick;
	ru->o.arg = arg;
}

void
rel_run_forked(struct rel_runner *ru)
{
	ru->p->st->holder[0] = '\0'; /* it named our parent */
	rel_lock_describe(&ru->lock, rel_store_holder(ru->p->st));
}

const struct rel_release *
rel_run_release(const struct rel_runner *ru)
{
	return ru->r;
}

int
rel_run_tries(const struct rel_runner *ru, size_t env, size_t step,
    size_t run, int *now, int *max)
{
	for (size_t i = ru->ntasks; i > 0; i--) {
		const struct rel_task *t = &ru->tasks[i - 1];

		if (t->done || (size_t)t->env != env || (size_t)t->step != step ||
		    (size_t)(t->comp < 0 ? 0 : t->comp) != run)
			continue;
		if (t->max_tries <= 1)
			return 0;
		*now = t->pid > 0 ? t->tries : t->tries + 1;
		*max = t->max_tries;
		return 1;
	}
	return 0;
}

/* --- writing ------------------------------------------------------ */

static void begin_terminate(struct rel_runner *ru, const char *why,
    int record);

/* Keep an event until the lines that go with it are written (see
 * struct said).  Out of memory, the event is not shown: it is display
 * only, the record has the transition. */
static void
event(struct rel_runner *ru, size_t env, int step, int comp,
    enum rel_status to, const char *why)
{
	struct said *s;

	if (!ru->o.on_event || (ru->o.quiet && *ru->o.quiet))
		return;
	if (ru->nsaid == ru->saidcap) {
		size_t cap = ru->saidcap ? ru->saidcap * 2 : 16;
		struct said *v = realloc(ru->said, cap * sizeof *v);

		if (!v)
			return;
		ru->said = v;
		ru->saidcap = cap;
	}
	s = &ru->said[ru->nsaid];
	if (!(s->why = strdup(why ? why : "")))
		return;
	s->time = rel_now_ms();
	s->env = env;
	s->step = step;
	s->comp = comp;
	s->to = to;
	ru->nsaid++;
}

/* The lines of the kept events are written (written 1): tell them; or
 * they could not be (0): drop them, they did not happen; or only the
 * steps' were (2, see copy_batch). */
static void
tell(struct rel_runner *ru, int written)
{
	for (size_t i = 0; i < ru->nsaid; i++) {
		const struct said *s = &ru->said[i];
		struct rel_event ev;

		if (written && (written == 1 || s->step >= 0) && ru->o.on_event &&
		    !(ru->o.quiet && *ru->o.quiet)) {
			ev.time = s->time;
			ev.release = ru->id;
			ev.env = s->env == (size_t)-1 ? NULL :
			    ru->r->envs[s->env].name;
			ev.step = s->step < 0 ? NULL :
			    ru->r->envs[s->env].steps[s->step].name;
			ev.component = s->comp < 0 ? NULL :
			    ru->r->artifacts[s->comp].component;
			ev.status = s->to;
			ev.why = s->why;
			ru->o.on_event(&ev, ru->o.arg);
		}
		free(ru->said[i].why);
	}
	ru->nsaid = 0;
}

static void
tr_env(struct rel_runner *ru, size_t e, enum rel_status to, const char *why,
    const char *info)
{
	rel_tr_line(&ru->batch, rel_now_ms(), ru->o.by, ru->r->envs[e].name,
	    rel_status_name(ru->r->envs[e].status), rel_status_name(to),
	    ru->attempt, why, info);
	/* Synced before it is reported (steps go with the next of these). */
	ru->sync = 1;
	event(ru, e, -1, -1, to, why);
}

static void
tr_step(struct rel_runner *ru, const struct rel_task *t, enum rel_status from,
    enum rel_status to, const char *why, const char *info)
{
	rel_tr_line(&ru->batch, rel_now_ms(), ru->o.by, t->object,
	    rel_status_name(from), rel_status_name(to), ru->attempt, why, info);
	/* With a remote, a step's log is published whole with the
	 * transition that ends the step. */
	if (ru->remote && to != REL_RUNNING && t->log_name[0]) {
		char path[4 * REL_NAME_MAX + 64];
		int l = snprintf(path, sizeof path, "logs/%s/%s/%s", ru->id,
		    ru->r->envs[t->env].name, t->log_name);

		if (l > 0 && (size_t)l < sizeof path)
			rel_buf_add(&ru->logs, path, (size_t)l + 1);
	}
	event(ru, (size_t)t->env, t->step, t->comp, to, why);
}

static void
envlog_end(struct rel_runner *ru, size_t e, enum rel_status st)
{
	rel_envlog_end_line(&ru->envlines, rel_now_ms(), ru->id, ru->attempt,
	    st);
	rel_buf_add(&ru->envnames, ru->r->envs[e].name,
	    strlen(ru->r->envs[e].name) + 1);
}

static void
logs_free(struct rel_change *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((char *)files[i].data);
	free(files);
}

/* The finished logs of ru->logs, read whole (a log not there is left
 * out: a step that could not start may have none). */
static int
logs_read(struct rel_runner *ru, struct rel_change **files, size_t *n,
    struct rel_err *err)
{
	size_t cnt = 0, k = 0;

	*files = NULL;
	*n = 0;
	for (size_t off = 0; off < ru->logs.len; off += strlen(ru->logs.s +
	    off) + 1)
		cnt++;
	if (!cnt)
		return 0;
	if (!(*files = calloc(cnt, sizeof **files)))
		return rel_err_set(err, REL_ESYS, "out of memory");
	for (size_t off = 0; off < ru->logs.len; off += strlen(ru->logs.s +
	    off) + 1) {
		const char *path = ru->logs.s + off;
		struct rel_buf b = REL_BUF_INIT;
		char full[4600];
		int rc;

		rel_product_path(ru->p, path, full, sizeof full);
		rc = rel_file_read(ru->p->dir, path, full, 1LL << 30, &b, err);
		if (rc == REL_ENOTFOUND) {
			rel_buf_free(&b);
			continue;
		}
		if (rc) {
			rel_buf_free(&b);
			logs_free(*files, k);
			*files = NULL;
			return rc;
		}
		(*files)[k].path = path;
		(*files)[k].data = b.s ? b.s : strdup("");
		(*files)[k].len = b.len;
		(*files)[k].append = 0;
		k++;
	}
	*n = k;
	return 0;
}

static int
occupant(struct rel_runner *ru, size_t e, char *occ, size_t n, int *dead,
    struct rel_err *err);

/* Is this batch line (a journal line, ending in its newline) a step's
 * start or end, or one of its outputs: what a process did? */
static int
step_fact(const char *s, size_t len)
{
	const char *f[7];
	size_t n = 0;

	f[n++] = s;
	for (size_t i = 0; i < len && n < 7; i++)
		if (s[i] == '\t')
			f[n++] = s + i + 1;
	if (n >= 3 && !strncmp(f[0], "out\t", 4))
		return 1;
	/* tr TIME WHO OBJECT FROM TO: a step run's object has a '/'
	 * (names never do); fields are escaped, so a tab is a separator. */
	if (n < 7 || strncmp(f[0], "tr\t", 3) ||
	    !memchr(f[3], '/', (size_t)(f[4] - f[3])))
		return 0;
	return !strncmp(f[4], "running\t", 8) || !strncmp(f[5], "running\t", 8);
}

struct batch_arg {
	struct rel_runner *ru;
	int stale;                 /* a termination came first: see below */
};

/* Is environment e frozen now, by its history as it is here, for a
 * start that --override does not pass?  (Under the product lock.) */
static int
frozen_now(struct rel_runner *ru, size_t e)
{
	struct rel_envlog log;
	struct rel_frozen f;

	if (ru->o.override || ru->o.kind == REL_RUN_REDEPLOY ||
	    rel_envlog_load(ru->p, ru->r->envs[e].name, &log, NULL) != 0)
		return 0;
	rel_freeze_eval(ru->policy, &log, ru->r->envs[e].name, rel_clock_ms(),
	    ru->r->hotfix, &f);
	rel_envlog_free(&log);
	return f.frozen;
}

/* Under the product lock, with the record as it is now.  A claim of an
 * environment is looked at again on the record as it is now (with a
 * remote, another machine may have taken it first): then nothing is
 * written.  A termination asked for since this runner last looked
 * (rel-terminate, a newer release's runner superseding it) comes first:
 * what its steps did is true whatever came after, and is written (their
 * starts, ends and outputs); what the runner decided from it (an
 * environment's end, the next one's start, a gate) is not, since the
 * termination decides now (see flush). */
static int
copy_batch(struct rel_release *r, struct rel_buf *lines, void *arg,
    struct rel_err *err)
{
	struct batch_arg *a = arg;
	struct rel_runner *ru = a->ru;
	const struct rel_buf *b = &ru->batch;
	size_t i = 0;

	if (ru->claiming >= 0) {
		char occ[REL_ID_MAX + 1];
		int dead, rc;

		if ((rc = occupant(ru, (size_t)ru->claiming, occ, sizeof occ,
		    &dead, err)) != 0)
			return rc;
		if (occ[0]) {
			ru->claim_taken = 1;
			return rel_err_set(err, REL_EBUSY, "%s is being promoted "
			    "into %s", occ, ru->r->envs[ru->claiming].name);
		}
		/* This release, started there by a runner on another
		 * machine (here, the runner lock keeps a second one out):
		 * one deploy, not two; this runner gives way. */
		if (r->envs[ru->claiming].status == REL_RUNNING) {
			ru->claim_taken = ru->claim_self = 1;
			return rel_err_set(err, REL_EBUSY, "%s is being promoted "
			    "into %s by a runner on another machine", ru->id,
			    ru->r->envs[ru->claiming].name);
		}
		/* A freeze made on another machine, come with the fetch:
		 * claim looks again, and finds it. */
		if (frozen_now(ru, (size_t)ru->claiming)) {
			ru->claim_taken = 1;
			return rel_err_set(err, REL_EBUSY, "%s is frozen",
			    ru->r->envs[ru->claiming].name);
		}
	}
	if (r->term != REL_TERMINATING || ru->terminating) {
		rel_buf_add(lines, b->s, b->len);
		return 0;
	}
	a->stale = 1;
	while (i < b->len) {
		const char *nl = memchr(b->s + i, '\n', b->len - i);
		size_t len = nl ? (size_t)(nl - (b->s + i)) + 1 : b->len - i;

		if (step_fact(b->s + i, len))
			rel_buf_add(lines, b->s + i, len);
		i += len;
	}
	/* The histories' lines go with the environments' ends and starts,
	 * which the termination took back. */
	rel_buf_reset(&ru->envlines);
	rel_buf_reset(&ru->envnames);
	return 0;
}

/* History lines with no record line (not made so today): each on its
 * own. */
static int
envlines_alone(struct rel_runner *ru, struct rel_err *err)
{
	const char *line = ru->envlines.s, *name = ru->envnames.s;
	int rc = 0;

	for (size_t off = 0; name && off < ru->envnames.len && rc == 0; ) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);

		rc = rel_env_append(ru->p, name, line, len, 1, err);
		line += len;
		off += strlen(name) + 1;
		name = ru->envnames.s + off;
	}
	return rc;
}

/* --- what steps leave behind ----------------------------------------- */

/* A process of ours whose step is not known (see owner). */
static const struct rel_task stray;

/* The task a process came from: the newest whose process group it, or
 * one of its ancestors, is in; below a process handed to us as the
 * subreaper of its dead parent (it left its group and its parent died),
 * the one its REL_* variables name.  NULL: not a descendant of ours. */
static const struct rel_task *
owner(struct rel_runner *ru, const struct rel_ptable *tab,
    const struct rel_proc *p, struct rel_buf *env)
{
	const struct rel_proc *q = p;
	pid_t me = getpid();
	const char *v, *step, *comp;
	int e;

	for (size_t depth = 0; q && depth <= tab->n; depth++) {
		/* The copy of us telling an event, and what it runs, are
		 * not a step's: they end on their own (notify.h). */
		if (ru->notify_pid > 0 && q->pid == ru->notify_pid)
			return NULL;
		for (size_t i = ru->ntasks; i > 0; i--)
			if (ru->tasks[i - 1].pgid > 1 &&
			    q->pgrp == ru->tasks[i - 1].pgid)
				return &ru->tasks[i - 1];
		if (q->ppid == me)
			break;
		q = q->ppid > 1 ? rel_ptable_get(tab, q->ppid) : NULL;
	}
	if (!q || q->ppid != me)
		return NULL;
	if (rel_proc_environ(p->pid, env) != 0 ||
	    !(v = rel_environ_get(env, "REL_RELEASE")) || strcmp(v, ru->id) ||
	    !(v = rel_environ_get(env, "REL_ENV")) ||
	    (e = rel_release_env(ru->r, v)) < 0 ||
	    !(step = rel_environ_get(env, "REL_STEP")) ||
	    !(comp = rel_environ_get(env, "REL_COMPONENT")))
		return &stray;
	for (size_t i = ru->ntasks; i > 0; i--) {
		const struct rel_task *t = &ru->tasks[i - 1];
		const struct rel_env *re = &ru->r->envs[t->env];

		if (t->env == e && !strcmp(re->steps[t->step].name, step) &&
		    !strcmp(t->comp >= 0 ?
		    ru->r->artifacts[t->comp].component : "", comp))
			return t;
	}
	return &stray;
}

/* The task whose cgroup process p is in (see cgroup.h), else was: a
 * process that left its group, its parents and its environment is found
 * there, even when it is not our descendant (its runner died before). */
static const struct rel_task *
in_cgroup(struct rel_runner *ru, const struct rel_proc *p,
    const struct rel_task *was)
{
	char path[64], buf[REL_CGROUP_MAX + 64], *c;
	ssize_t len;
	int fd;

	if (!ru->cgbase[0])
		return was;
	snprintf(path, sizeof path, "/proc/%ld/cgroup", (long)p->pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return was;
	len = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (len <= 0)
		return was;
	buf[len] = '\0';
	/* "0::/PATH", the last component ours: rel.ID.PID.N */
	if (!(c = strstr(buf, "0::")) || (c != buf && c[-1] != '\n'))
		return was;
	c[strcspn(c, "\n")] = '\0';
	if (!(c = strrchr(c, '/')) || strncmp(c, "/rel.", 5))
		return was;
	for (size_t i = ru->ntasks; i > 0; i--) {
		const char *tc = ru->tasks[i - 1].cg;
		const char *tl = strrchr(tc, '/');

		if (tc[0] && tl && !strcmp(tl, c))
			return &ru->tasks[i - 1];
	}
	return was;
}

/* Is t's group leader there, not yet reaped (so that its group id is
 * its own)? */
static int
led(const struct rel_task *t)
{
	return t->pid > 0 && !t->exited_at;
}

/* What steps of ours left, or still run: of task `only`, else of
 * environment env (-1: of any, and whatever is ours but of no known
 * step).  Signal it with sig (0: count only); how many processes (or
 * process groups, where the system tells no more).  Steps stay in their
 * process groups unless they leave them (setsid); where the system has
 * a subreaper (Linux) what leaves stays our descendant, and is found. */
static size_t
leftovers(struct rel_runner *ru, int env, const struct rel_task *only, int sig)
{
	struct rel_buf envb = REL_BUF_INIT;
	struct rel_ptable tab;
	int have = rel_ptable_load(&tab) == 0;
	size_t n = 0;

	/* A group is surely its step's while the leader is not reaped: its
	 * id cannot have been given to another.  After that, only the table
	 * tells the step's processes (our descendants) from strangers; where
	 * there is none, the group is all there is to go by. */
	for (size_t i = 0; i < ru->ntasks; i++) {
		struct rel_task *t = &ru->tasks[i];

		if ((only && t != only) || (env >= 0 && t->env != env) ||
		    t->pgid <= 1)
			continue;
		if ((led(t) || !have) && kill(-t->pgid, sig) == 0 && !have)
			n++;
	}
	if (!have)
		return n;
	for (size_t i = 0; i < tab.n; i++) {
		const struct rel_task *o = owner(ru, &tab, &tab.v[i], &envb);

		/* In a cgroup of a step, it is that step's, whatever its
		 * group, parents or environment say. */
		if (o == &stray || !o)
			o = in_cgroup(ru, &tab.v[i], o);
		if (!o || (o == &stray && (only || env >= 0)) ||
		    (o != &stray && ((only && o != only) ||
		    (env >= 0 && o->env != env))))
			continue;
		n++;
		/* In a group signalled above it got it with the group. */
		if (sig && (o == &stray || tab.v[i].pgrp != o->pgid || !led(o)))
			kill(tab.v[i].pid, sig);
	}
	rel_ptable_free(&tab);
	rel_buf_free(&envb);
	return n;
}

/* Stop a task: its process group and whatever it started elsewhere. */
static void
stop_task(struct rel_runner *ru, struct rel_task *t, int sig)
{
	leftovers(ru, -1, t, sig);
}

/* Before an environment's end is written, what its steps left behind
 * (in their groups or not) is stopped as a termination would, SIGTERM,
 * then SIGKILL after the grace period: the next promotion there must
 * not run beside it.  1 when nothing is left, 0 to look again later. */
static int
env_clean(struct rel_runner *ru, size_t e)
{
	struct envrun *ev = &ru->env[e];
	int64_t now = rel_monotonic_ms();

	if (leftovers(ru, (int)e, NULL, 0) == 0) {
		ev->linger = ev->linger_killed = 0;
		return 1;
	}
	if (!ev->linger) {
		leftovers(ru, (int)e, NULL, SIGTERM);
		ev->linger = now + REL_GRACE_DEFAULT_MS;
	} else if (!ev->linger_killed && now >= ev->linger) {
		leftovers(ru, (int)e, NULL, SIGKILL);
		ev->linger_killed = now;
	}
	/* A process the kernel does not let go of (stuck in a device):
	 * nothing more can be done about it. */
	return ev->linger_killed && now - ev->linger_killed > KILL_WAIT_MS;
}

/* Reap every child that exited: a step's, or one handed to us as the
 * subreaper of its dead parent (nothing to do but reap it).  The runner
 * is the only one with children in its process. */
static void
reap_children(struct rel_runner *ru)
{
	pid_t pid;
	int ws;

	while ((pid = waitpid(-1, &ws, WNOHANG)) > 0 ||
	    (pid < 0 && errno == EINTR)) {
		if (pid < 0)
			continue;
		if (pid == ru->notify_pid)
			ru->notify_pid = 0;
		for (size_t i = 0; i < ru->ntasks; i++) {
			struct rel_task *t = &ru->tasks[i];

			if (t->pid == pid && !t->exited_at) {
				rel_task_exited(t, ws);
				break;
			}
		}
	}
}

/* Whatever is left of everything this runner ran: SIGTERM, the grace
 * period, SIGKILL (at once with kill).  Nothing a step started outlives
 * its runner. */
static void
sweep(struct rel_runner *ru, int kill_now)
{
	int64_t until;
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	if (leftovers(ru, -1, NULL, 0) == 0)
		return;
	if (!kill_now) {
		leftovers(ru, -1, NULL, SIGTERM);
		until = rel_monotonic_ms() + REL_GRACE_DEFAULT_MS;
		while (leftovers(ru, -1, NULL, 0) && rel_monotonic_ms() < until) {
			nanosleep(&ts, NULL);
			reap_children(ru);
		}
	}
	leftovers(ru, -1, NULL, SIGKILL);
	until = rel_monotonic_ms() + KILL_WAIT_MS;
	while (leftovers(ru, -1, NULL, 0) && rel_monotonic_ms() < until) {
		nanosleep(&ts, NULL);
		reap_children(ru);
	}
	reap_children(ru);
}

/* The store failed us: without a record we cannot go on, so stop
 * everything (the next command records that this runner is gone). */
static void
fatal(struct rel_runner *ru, const struct rel_err *err)
{
	ru->stop_error = 1;
	ru->fatal = *err;
	leftovers(ru, -1, NULL, SIGKILL);
}

/* The product lock, for a runner: a deployment under way is not given up
 * for one busy moment, only after LOCK_TRIES waits of --wait each. */
static int
lock(struct rel_runner *ru, struct rel_err *err)
{
	int rc = REL_EBUSY;

	for (int i = 0; i < LOCK_TRIES && rc == REL_EBUSY; i++)
		rc = rel_product_lock(ru->p, err);
	if (rc == REL_EBUSY)
		rel_err_prefix(err, "gave up after %d tries", LOCK_TRIES);
	return rc;
}

static void apply_batch(struct rel_runner *ru);

/* A failure to publish that may pass (the remote out of reach, or
 * moving too fast): the batch is kept and tried again, while the lease
 * lasts (see fence). */
static int
transient(struct rel_runner *ru, int rc)
{
	const struct rel_publisher *pb = ru->p->st->pub;

	return ru->remote && pb && (rc == REL_EBUSY || pb->down(pb->ctx));
}

/* Write what is pending: the record first, then the histories, under one
 * hold of the product lock; with a remote, published first, in one
 * commit.  With a remote, step transitions wait (at most sync_interval)
 * to go in one commit with the next; an environment's go at once, and
 * so does everything when force is set. */
static int holds_env(struct rel_runner *ru);

/* Has this runner, holding an environment, gone its whole lease without
 * a push the remote accepted?  (Its own monotonic clock: a pause of the
 * process counts.) */
static int
lease_lost(struct rel_runner *ru)
{
	return ru->remote && ru->p->st->pub && holds_env(ru) &&
	    rel_monotonic_ms() - ru->last_ok >= ru->lease_ms;
}

static int
flush_x(struct rel_runner *ru, int force)
{
	struct rel_err err;
	enum rel_status was = ru->r->status;
	struct batch_arg ba = { ru, 0 };
	int64_t start = rel_monotonic_ms();
	int rc, wrote = 0;

	if (ru->stop_error) {
		tell(ru, 0);
		return ru->fatal.code;
	}
	if (lease_lost(ru)) {
		/* Paused past it (SIGSTOP, a machine suspended): another
		 * machine may have judged this runner dead and taken over,
		 * and what happened here since is not to go on top of what it
		 * recorded.  What still runs here is stopped (fatal). */
		rel_err_set(&err, REL_ESYS, "no push accepted by %s for %lld "
		    "ms, past the lease of %ld ms (was this process paused?): "
		    "another machine may have taken over; its steps are "
		    "stopped, and nothing more is recorded here",
		    ru->p->st->pub->url(ru->p->st->pub->ctx),
		    (long long)(start - ru->last_ok), ru->lease_ms);
		ru->lease_gone = 1;
		fatal(ru, &err);
		tell(ru, 0);
		return err.code;
	}
	/* Its steps are being stopped for want of an accepted push (fence):
	 * another try would only hold up their SIGKILL, and what it would
	 * say is not to be recorded any more. */
	if (ru->fencing)
		return REL_ESYS;
	if (ru->batch.len == 0 && ru->envlines.len == 0) {
		tell(ru, 1);
		return 0;
	}
	if (ru->remote && !force && !ru->sync &&
	    start - ru->last_pub < ru->sync_ms) {
		/* With the next, soon; meanwhile the runner goes on from
		 * the record as it will be. */
		apply_batch(ru);
		return 0;
	}
	if ((rc = lock(ru, &err)) == 0) {
		/* ru->r is kept as the record: it is only read again when
		 * someone else has written to it. */
		if (ru->batch.len) {
			/* The histories' lines and the finished logs go
			 * with the record's: one change, one commit with a
			 * remote. */
			struct rel_more more = { &ru->envlines, &ru->envnames,
			    NULL, 0, &ru->lost, &ru->lostnames };
			struct rel_change *files = NULL;
			size_t nfiles = 0;

			if ((rc = logs_read(ru, &files, &nfiles, &err)) == 0) {
				more.files = files;
				more.nfiles = nfiles;
				rc = rel_release_change_env(ru->p, ru->r->n,
				    &ru->r, copy_batch, &ba, ru->sync, &more,
				    &err);
			}
			logs_free(files, nfiles);
			wrote = rc == 0;
		} else {
			rc = envlines_alone(ru, &err);
		}
		rel_product_unlock(ru->p);
	}
	/* r was read again and the lines applied by the change itself (or
	 * it is marked to be read again). */
	ru->pending = ru->applied = 0;
	if (ru->claim_taken || (rc && transient(ru, rc))) {
		/* Nothing was recorded.  A claim taken first elsewhere is
		 * dropped (the environment is looked at again), and the
		 * rest kept for the next try, as is everything after a
		 * failure that may pass. */
		if (ru->claim_taken) {
			ru->batch.len = ru->mark[0];
			ru->envlines.len = ru->mark[1];
			ru->envnames.len = ru->mark[2];
			if (ru->batch.cap)
				ru->batch.s[ru->batch.len] = '\0';
			if (ru->envlines.cap)
				ru->envlines.s[ru->envlines.len] = '\0';
			if (ru->envnames.cap)
				ru->envnames.s[ru->envnames.len] = '\0';
			for (size_t i = ru->mark[3]; i < ru->nsaid; i++)
				free(ru->said[i].why);
			ru->nsaid = ru->mark[3];
		}
		ru->last_pub = start;
		ru->pub_err = err;
		return rc ? rc : REL_EBUSY;
	}
	rel_buf_reset(&ru->batch);
	rel_buf_reset(&ru->logs);
	rel_buf_reset(&ru->envlines);
	rel_buf_reset(&ru->envnames);
	ru->sync = 0;
	if (wrote) {
		ru->retrying = 0;
		/* Accepted: the lease runs from when this push began. */
		ru->last_ok = ru->last_pub = start;
		/* The release's own changes belong in the progress too. */
		if (ru->r->status != was && ru->r->status != REL_TERMINATING &&
		    ru->r->status != REL_TERMINATED)
			event(ru, (size_t)-1, -1, -1, ru->r->status, "");
	}
	tell(ru, rc ? 0 : ba.stale ? 2 : 1);
	if (rc)
		fatal(ru, &err);
	else if (ba.stale)
		/* Ours to finish, as if we had seen it a moment earlier:
		 * nothing more starts, the record says so at the end. */
		begin_terminate(ru, ru->r->term_why ? ru->r->term_why : "", 0);
	return rc;
}

static int
flush(struct rel_runner *ru)
{
	return flush_x(ru, 0);
}

/* The batch's lines not yet in ru->r go in (ru->r is then the record on
 * disk plus what waits to be published: the runner decides on that). */
static void
apply_batch(struct rel_runner *ru)
{
	struct rel_err err;

	if (ru->applied >= ru->batch.len)
		return;
	if (rel_release_extend(ru->r, ru->batch.s + ru->applied,
	    ru->batch.len - ru->applied, &err) != 0) {
		fatal(ru, &err);
		return;
	}
	ru->pending += ru->batch.len - ru->applied;
	ru->applied = ru->batch.len;
}

/* Has someone else written to the record (here, or on another machine:
 * a fetch replaced the file)?  Then read it again, with what waits to be
 * published on top. */
static void
refresh(struct rel_runner *ru)
{
	char name[REL_ID_MAX + 1];
	struct rel_release *r;
	struct stat sb;
	struct rel_err err;

	snprintf(name, sizeof name, "%s", ru->id);
	if (fstatat(ru->p->releases, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if ((size_t)sb.st_size + ru->pending == ru->r->record_size &&
	    !ru->r->torn && (!ru->ino || ru->ino == sb.st_ino)) {
		ru->ino = sb.st_ino;
		return;
	}
	ru->ino = sb.st_ino;
	if (rel_release_load(ru->p, ru->r->n, &r, &err) == 0) {
		rel_release_free(ru->r);
		ru->r = r;
		ru->pending = ru->applied = 0;
		apply_batch(ru);
	}
}

/* --- tasks --------------------------------------------------------- */

static struct rel_task *
task_live(struct rel_runner *ru, size_t e, size_t s, int comp)
{
	for (size_t i = 0; i < ru->ntasks; i++) {
		struct rel_task *t = &ru->tasks[i];

		if (!t->done && (size_t)t->env == e && (size_t)t->step == s &&
		    t->comp == comp)
			return t;
	}
	return NULL;
}

static size_t
tasks_running(struct rel_runner *ru, size_t e, int s)
{
	size_t n = 0;

	for (size_t i = 0; i < ru->ntasks; i++)
		if (!ru->tasks[i].done && (size_t)ru->tasks[i].env == e &&
		    (s < 0 || ru->tasks[i].step == s))
			n++;
	return n;
}

static size_t
tasks_live(struct rel_runner *ru)
{
	size_t n = 0;

	for (size_t i = 0; i < ru->ntasks; i++)
		if (!ru->tasks[i].done)
			n++;
	return n;
}

/* The environment of a step: ours, minus REL_* (ours win), plus the
 * release's data.  Data reaches the step only through these variables. */
static char **
step_env(struct rel_runner *ru, const struct rel_task *t, size_t *count)
{
	const struct rel_release *r = ru->r;
	const struct rel_env *e = &r->envs[t->env];
	struct rel_envp v = REL_ENVP_INIT;
	char num[32];

	rel_envp_ours(&v);
	rel_envp_put(&v, "REL_STATE_DIR", ru->root);
	rel_envp_put(&v, "REL_PRODUCT", r->product);
	rel_envp_put(&v, "REL_RELEASE", r->id);
	rel_envp_put(&v, "REL_ENV", e->name);
	rel_envp_put(&v, "REL_STEP", e->steps[t->step].name);
	rel_envp_put(&v, "REL_COMPONENT",
	    t->comp >= 0 ? r->artifacts[t->comp].component : "");
	rel_envp_put(&v, "REL_VERSION",
	    t->comp >= 0 ? r->artifacts[t->comp].version : "");
	rel_envp_artifacts(&v, r);
	rel_envp_put(&v, "REL_REV", r->rev);
	rel_envp_put(&v, "REL_HOTFIX", r->hotfix ? "yes" : "no");
	rel_envp_put(&v, "REL_PREVIOUS", ru->env[t->env].previous);
	rel_envp_put(&v, "REL_OUTPUT", t->out_path);
	snprintf(num, sizeof num, "%d", ru->attempt);
	rel_envp_put(&v, "REL_ATTEMPT", num);
	snprintf(num, sizeof num, "%d", t->tries + 1);
	rel_envp_put(&v, "REL_TRY", num);
	rel_envp_put(&v, "REL_HOW", e->how[0] ? e->how : "promote");
	return rel_envp_done(&v, count);
}

/* Have this process enter the cgroup of task t (made on its first try,
 * made again if someone removed it empty meanwhile), so that the step
 * starts inside: 1, or 0 where there is none (then the step runs
 * without, as it does on other systems). */
static int
step_cgroup(struct rel_runner *ru, struct rel_task *t)
{
	char name[REL_ID_MAX + 64];

	if (!ru->cgbase[0])
		return 0;
	if (!t->cg[0]) {
		snprintf(name, sizeof name, "rel.%s.%ld.%u", ru->id,
		    (long)getpid(), ++ru->cgcount);
		if (rel_cgroup_make(ru->cgbase, name, t->cg,
		    sizeof t->cg) != 0) {
			t->cg[0] = '\0';
			return 0;
		}
	} else if (mkdir(t->cg, 0755) != 0 && errno != EEXIST) {
		t->cg[0] = '\0';
		return 0;
	}
	if (rel_cgroup_enter(t->cg) != 0) {
		rel_cgroup_remove(t->cg);
		t->cg[0] = '\0';
		return 0;
	}
	return 1;
}

/* Record the start of a try, or the failure to start one. */
static int
spawn_try(struct rel_runner *ru, struct rel_task *t)
{
	const struct rel_flow_step *fs =
	    &ru->flow->envs[t->env].steps[t->step];
	struct rel_err err;
	size_t n;
	char **envp = step_env(ru, t, &n);
	int rc, in_cg;

	if (!envp)
		return rel_err_set(&err, REL_ESYS, "out of memory");
	in_cg = step_cgroup(ru, t);
	rc = rel_task_spawn(t, ru->p, ru->id, ru->r->envs[t->env].name,
	    fs->run, envp, &err);
	/* Back where we were: the next step's cgroup is its own.  If we
	 * cannot, no more cgroups (we are in this one). */
	if (in_cg && rel_cgroup_enter(ru->cgbase) != 0)
		ru->cgbase[0] = '\0';
	rel_envp_free(envp);
	if (rc) {
		rel_task_note(t, "rel: %s", err.msg);
		t->code = -1;
	}
	return rc;
}

/* A command the shell cannot parse could not start: asked with -n (read,
 * do not run) before it runs, the shell says so, and nothing of it runs;
 * a command that parsed and then exits 2, even from a syntax error of
 * its own making (eval, a script it runs), ran, and failed. */
static int
syntax_error(struct rel_runner *ru, struct rel_task *t, char *why, size_t n)
{
	const char *cmd = ru->flow->envs[t->env].steps[t->step].run;
	const char *argv[] = { "/bin/sh", "-n", "-c", cmd, NULL };
	struct rel_buf out = REL_BUF_INIT, errout = REL_BUF_INIT;
	struct rel_err err;
	int status = 0, bad;
	char *msg;

	bad = rel_proc_capture(argv, &out, &errout, &status, &err) == 0 &&
	    status != 0;
	if (bad) {
		msg = errout.s ? errout.s : "";
		msg[strcspn(msg, "\n")] = '\0';
		snprintf(why, n, "shell syntax error: %.200s", *msg ? msg :
		    "sh -n says so");
		t->code = status;
	}
	rel_buf_free(&out);
	rel_buf_free(&errout);
	return bad;
}

static void
start_task(struct rel_runner *ru, size_t e, size_t s, int comp)
{
	const struct rel_env *re = &ru->r->envs[e];
	const struct rel_step *rs = &re->steps[s];
	const struct rel_flow_env *fe = &ru->flow->envs[e];
	const struct rel_flow_step *fs = &fe->steps[s];
	struct rel_task *t;
	char dir[4600], info[REL_INFO_MAX], why[600];
	enum rel_status from = rs->runs[comp < 0 ? 0 : comp].status;

	if (ru->fencing)
		return; /* the lease is running out: nothing new starts */
	if (ru->ntasks == ru->tcap) {
		size_t cap = ru->tcap ? ru->tcap * 2 : 16;
		struct rel_task *nt = realloc(ru->tasks, cap * sizeof *nt);

		if (!nt)
			return;
		ru->tasks = nt;
		ru->tcap = cap;
	}
	t = &ru->tasks[ru->ntasks++];
	memset(t, 0, sizeof *t);
	t->env = (int)e;
	t->step = (int)s;
	t->comp = comp;
	t->fd = -1;
	t->pidfd = -1;
	t->attempt = ru->attempt;
	t->log_max = ru->log_max;
	rel_object(ru->r, e, s, comp < 0 ? 0 : (size_t)comp, t->object,
	    sizeof t->object);
	rel_log_name(rs->name, comp >= 0 ? ru->r->artifacts[comp].component :
	    NULL, ru->attempt, t->log_name, sizeof t->log_name);
	snprintf(dir, sizeof dir, "logs/%s/%s", ru->id, re->name);
	rel_product_path(ru->p, dir, t->out_path, sizeof t->out_path);
	{
		size_t l = strlen(t->out_path), ln = strlen(t->log_name);

		if (l + ln + 2 < sizeof t->out_path) {
			t->out_path[l] = '/';
			memcpy(t->out_path + l + 1, t->log_name, ln - 7);
			memcpy(t->out_path + l + 1 + ln - 7, ".out", 5);
		}
	}
	t->timeout_s = fs->timeout ? fs->timeout : fe->timeout;
	t->max_tries = rs->kind == REL_STEP_VERIFY ? fs->retries + 1 : 1;
	t->interval_ms = fs->interval * 1000;
	ru->env[e].tried[s * ru->ncomp + (size_t)(comp < 0 ? 0 : comp)] = 1;
	if (syntax_error(ru, t, why, sizeof why)) {
		char path[4600];
		struct rel_err err;

		/* Its log says so, where one would look. */
		if (rel_log_open(ru->p, ru->id, re->name, t->log_name, &t->log,
		    path, sizeof path, &err) == 0)
			rel_task_note(t, "rel: %s; nothing was run", why);
		snprintf(info, sizeof info, "code=%d tries=0 ms=0", t->code);
		rel_task_finish(t);
		tr_step(ru, t, from, REL_ERROR, why, info);
		return;
	}
	if (spawn_try(ru, t) != 0) {
		/* It could not even start: an error, not a hang. */
		snprintf(why, sizeof why, "could not start: see rel-log %s %s %s",
		    ru->id, re->name, rs->name);
		rel_task_finish(t);
		tr_step(ru, t, from, REL_ERROR, why, "");
		return;
	}
	/* The cgroup goes in whole or not at all (too long a path). */
	if (snprintf(info, sizeof info,
	    "pid=%ld pgid=%ld pstart=%lld boot=%s host=%s%s%s log=%s",
	    (long)t->pid, (long)t->pid, t->pstart, ru->boot[0] ? ru->boot : "-",
	    ru->host, t->cg[0] ? " cg=" : "", t->cg, t->log_name) >=
	    (int)sizeof info)
		snprintf(info, sizeof info,
		    "pid=%ld pgid=%ld pstart=%lld boot=%s host=%s log=%s",
		    (long)t->pid, (long)t->pid, t->pstart,
		    ru->boot[0] ? ru->boot : "-", ru->host, t->log_name);
	tr_step(ru, t, from, REL_RUNNING, "", info);
}

/* key=value lines of $REL_OUTPUT become outputs of the release. */
static void
record_outputs(struct rel_runner *ru, struct rel_task *t)
{
	struct rel_buf buf = REL_BUF_INIT;
	char *line, *save = NULL;
	struct stat sb;
	int fd, count = 0;

	/* The step made it, or not, as it liked: a FIFO must not block us
	 * (O_NONBLOCK), nor anything but a file be read. */
	fd = open(t->out_path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			rel_task_note(t, "rel: $REL_OUTPUT cannot be read: %s: "
			    "ignored", strerror(errno));
		return;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		rel_task_note(t, "rel: $REL_OUTPUT is not a regular file: "
		    "ignored");
		return;
	}
	/* The first MiB, whatever the size. */
	while (buf.len < 1024 * 1024 && rel_buf_grow(&buf, 65536) == 0) {
		ssize_t n = read(fd, buf.s + buf.len,
		    buf.cap - buf.len - 1 < 1024 * 1024 - buf.len ?
		    buf.cap - buf.len - 1 : 1024 * 1024 - buf.len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf.len += (size_t)n;
		buf.s[buf.len] = '\0';
	}
	close(fd);
	for (line = buf.s ? strtok_r(buf.s, "\n", &save) : NULL; line;
	    line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		line[strcspn(line, "\r")] = '\0';
		if (!*line || *line == '#')
			continue;
		if (!eq || !rel_name_ok((*eq = '\0', line)) ||
		    rel_text_check("output", eq + 1, REL_TEXT_MAX, 1, NULL)) {
			if (eq)
				*eq = '=';
			rel_task_note(t, "rel: ignored $REL_OUTPUT line (want "
			    "KEY=VALUE, KEY a name): %.80s", line);
			continue;
		}
		if (++count > OUTPUT_MAX) {
			rel_task_note(t, "rel: more than %d outputs; the rest "
			    "are ignored", OUTPUT_MAX);
			break;
		}
		rel_out_line(&ru->batch, rel_now_ms(), t->object, line, eq + 1,
		    ru->attempt);
	}
	rel_buf_free(&buf);
}

static void
fail_env_soon(struct rel_runner *ru, size_t e, const char *why)
{
	struct envrun *ev = &ru->env[e];
	size_t n;

	if (ev->state != ENV_RUNNING)
		return;
	n = strnlen(why, sizeof ev->why - 1);
	env_set(ev, ENV_FAILING);
	memcpy(ev->why, why, n);
	ev->why[n] = '\0';
}

/* A try has ended (exited and its pipe drained): decide what it means. */
static void
end_try(struct rel_runner *ru, struct rel_task *t)
{
	const struct rel_step *rs = &ru->r->envs[t->env].steps[t->step];
	enum rel_status st;
	char why[600] = "", info[192];
	int64_t now = rel_monotonic_ms();

	if (t->stopped) {
		st = REL_TERMINATED;
		snprintf(why, sizeof why, "%s", ru->terminating ? ru->term_why :
		    ru->env[t->env].why);
	} else if (t->timed_out) {
		char d[32];

		rel_duration_format(t->timeout_s, d, sizeof d);
		st = REL_FAILED;
		snprintf(why, sizeof why, "timed out after %s", d);
	} else if (t->code == 0) {
		st = REL_SUCCEEDED;
	} else if (t->code == 126 || t->code == 127 || t->code < 0) {
		st = REL_ERROR;
		snprintf(why, sizeof why, "could not run the command (exit %d: "
		    "%s)", t->code, t->code == 126 ? "not executable" :
		    t->code == 127 ? "not found" : "could not start");
	} else if (t->code > 128) {
		st = REL_FAILED;
		snprintf(why, sizeof why, "killed by signal %d", t->code - 128);
	} else {
		st = REL_FAILED;
		snprintf(why, sizeof why, "exit %d", t->code);
	}
	if (st != REL_SUCCEEDED && st != REL_TERMINATED &&
	    t->tries < t->max_tries && !ru->terminating &&
	    ru->env[t->env].state != ENV_FAILING) {
		rel_task_note(t, "rel: try %d of %d: %s; again in %ld s",
		    t->tries, t->max_tries, why, t->interval_ms / 1000);
		t->next_try = now + t->interval_ms;
		/* What the try left in its group goes. */
		if (t->pgid > 1 && kill(-t->pgid, 0) == 0)
			leftovers(ru, -1, t, SIGTERM);
		t->pid = 0;
		return;
	}
	if (rs->kind == REL_STEP_VERIFY && t->max_tries > 1 &&
	    st != REL_SUCCEEDED && st != REL_TERMINATED) {
		size_t l = strlen(why);

		snprintf(why + l, sizeof why - l, " (after %d tries)", t->tries);
	}
	/* What the step left running in its process group goes with it
	 * now; what left the group, when its environment ends (env_clean):
	 * nothing a step starts outlives its promotion. */
	if (t->pgid > 1 && kill(-t->pgid, 0) == 0)
		leftovers(ru, -1, t, SIGTERM);
	record_outputs(ru, t);
	snprintf(info, sizeof info, "code=%d tries=%d ms=%lld", t->code,
	    t->tries, (long long)(rel_now_ms() - t->started));
	rel_task_finish(t);
	/* Its cgroup goes now if nothing is left in it (the kernel says),
	 * not only when the runner ends: a runner killed later leaves no
	 * empty cgroup behind that no record names as running.  Named
	 * still, for what is left; made again for a try. */
	if (t->cg[0])
		rel_cgroup_remove(t->cg);
	/* A log is never silently incomplete: past its cap it says so
	 * itself; cut short by a write error, the record says so. */
	if (t->log_end.cut)
		snprintf(info + strlen(info), sizeof info - strlen(info),
		    " log=cut:%llu", t->log_end.cut);
	if (t->log_end.error) {
		size_t l = strlen(why);

		snprintf(info + strlen(info), sizeof info - strlen(info),
		    " log=error");
		snprintf(why + l, sizeof why - l, "%sits log is cut short: "
		    "cannot write it: %s", l ? "; " : "",
		    strerror(t->log_end.error));
	}
	tr_step(ru, t, REL_RUNNING, st, why, info);
	if (st != REL_SUCCEEDED && st != REL_TERMINATED &&
	    !ru->r->envs[t->env].best_effort && !ru->terminating) {
		char w[1024];

		snprintf(w, sizeof w, "%s %s%s%s failed: %s",
		    ru->r->envs[t->env].name, rs->name, t->comp >= 0 ? " " : "",
		    t->comp >= 0 ? ru->r->artifacts[t->comp].component : "",
		    why);
		fail_env_soon(ru, (size_t)t->env, w);
		/* Stop the siblings: best effort is off. */
		for (size_t i = 0; i < ru->ntasks; i++) {
			struct rel_task *o = &ru->tasks[i];

			if (o->done || o->env != t->env)
				continue;
			o->stopped = 1;
			if (o->pid > 0 && !o->exited_at) {
				stop_task(ru, o, SIGTERM);
				o->kill_at = now + REL_GRACE_DEFAULT_MS;
			} else if (o->pid == 0) {
				o->exited_at = now; /* waiting to retry: done */
			}
		}
	}
}

/* --- environments ------------------------------------------------- */

/* Have the needs of e succeeded?  An environment that ended in this
 * round counts as it ended, so that the next one starts in the same write
 * and the release never reads "pending" between two environments. */
static int
needs_met(const struct rel_runner *ru, size_t e)
{
	const struct rel_release *r = ru->r;

	for (size_t k = 0; k < r->envs[e].nneeds; k++) {
		size_t n = r->envs[e].needs[k];

		if (r->envs[n].status != REL_SUCCEEDED &&
		    !(ru->env[n].state == ENV_ENDED &&
		    ru->env[n].ended == REL_SUCCEEDED))
			return 0;
	}
	return 1;
}

static int
is_explicit(const struct rel_runner *ru, size_t e)
{
	for (size_t i = 0; i < ru->o.nenvs; i++)
		if (!strcmp(ru->o.envs[i], ru->r->envs[e].name))
			return 1;
	return 0;
}

/* Who is promoting in env now, other than us?  occ[0] is "" when
 * nobody; *dead is set when its runner is gone (its steps are to be
 * stopped, and that recorded, outside the product lock: see claim). */
static int
occupant(struct rel_runner *ru, size_t e, char *occ, size_t n, int *dead,
    struct rel_err *err)
{
	struct rel_envlog log;
	const struct rel_env_run *open;
	int rc;

	occ[0] = '\0';
	*dead = 0;
	if ((rc = rel_envlog_load(ru->p, ru->r->envs[e].name, &log, err)))
		return rc;
	open = rel_envlog_open_run(&log);
	if (open && strcmp(open->release, ru->id)) {
		struct rel_release *other = NULL;
		char pname[REL_NAME_MAX + 1];
		unsigned long on;

		/* Environment histories are per product: the occupant is a
		 * release of ours, under the lock we may already hold. */
		if (rel_id_parse(open->release, pname, &on, NULL) == 0 &&
		    rel_release_load(ru->p, on, &other, NULL) == 0) {
			int i = rel_release_env(other, ru->r->envs[e].name);

			if (i >= 0 && other->envs[i].status == REL_RUNNING) {
				snprintf(occ, n, "%s", open->release);
				*dead = !rel_runner_live(ru->p, other);
			}
			rel_release_free(other);
		}
	}
	rel_envlog_free(&log);
	return 0;
}

struct term_req {
	const char *by, *why;
};

static int
request_term(struct rel_release *r, struct rel_buf *lines, void *arg,
    struct rel_err *err)
{
	const struct term_req *q = arg;
	char info[32];

	(void)err;
	if (r->term != REL_PENDING || rel_status_final(r->status))
		return 0;
	snprintf(info, sizeof info, "grace=%ld.%03ld",
	    REL_GRACE_DEFAULT_MS / 1000, REL_GRACE_DEFAULT_MS % 1000);
	rel_tr_line(lines, rel_now_ms(), q->by, "-", rel_status_name(r->status),
	    "terminating", r->attempt, q->why, info);
	return 0;
}

/* Is release id (of this product) newer than ours? */
static int
older_than(const struct rel_runner *ru, const char *id)
{
	char pname[REL_NAME_MAX + 1];
	unsigned long n;

	return rel_id_parse(id, pname, &n, NULL) == 0 &&
	    !strcmp(pname, ru->r->product) && n > ru->r->n;
}

/* Is environment e frozen now for this release?  1 yes (why gets
 * "frozen until ... (REASON)"), 0 no, -1 when its history cannot be
 * read (a link, a FIFO planted there): err says why, and that stops the
 * runner as any store that fails it does. */
static int
frozen(struct rel_runner *ru, size_t e, char *why, size_t n,
    struct rel_err *err)
{
	struct rel_frozen f;

	if (rel_freeze_state(ru->p, ru->policy, ru->r->envs[e].name,
	    rel_clock_ms(), ru->r->hotfix, &f, err) != 0)
		return -1;
	if (f.frozen)
		rel_frozen_why(&f, why, n);
	return f.frozen;
}

/* Environment e turned out frozen when it was to start (a freeze came
 * after the first look: check_frozen, schedule).  What a person asked
 * for is refused, as it would have been a moment earlier, if nothing of
 * this run has started; else e stops there as an auto environment does
 * in a freeze: suspended, why said, until a command promotes again. */
static void
frozen_at_start(struct rel_runner *ru, size_t e, const char *why)
{
	struct envrun *ev = &ru->env[e];

	if (!ru->began && (is_explicit(ru, e) ||
	    ru->o.kind == REL_RUN_RETRY)) {
		env_set(ev, ENV_IDLE);
		rel_err_set(&ru->fatal, REL_EUSAGE, "cannot promote %s into "
		    "%s: %s; --override TEXT promotes anyway", ru->id,
		    ru->r->envs[e].name, why);
		ru->refused = ru->stop_error = 1;
		return;
	}
	ev->held = 1;
	env_set(ev, ENV_IDLE);
	if (ru->r->envs[e].status == REL_SUSPENDED)
		return; /* said so already */
	tr_env(ru, e, REL_SUSPENDED, why, "");
	env_set(ev, ENV_ENDED);
	ev->ended = REL_SUSPENDED;
}

/* Take environment e for us, taking it from an older release's run. */
static int
claim(struct rel_runner *ru, size_t e)
{
	struct envrun *ev = &ru->env[e];
	char occ[REL_ID_MAX + 1], info[REL_INFO_MAX], how[16];
	char ovr[REL_TEXT_MAX + REL_FROZEN_WHY_MAX + REL_TEXT_MAX + 32];
	char fz[REL_FROZEN_WHY_MAX];
	struct rel_envlog log;
	const struct rel_env_run *live;
	struct rel_err err;
	const char *reason;
	int rc, dead;

	/* No lock in time (exit 4, naming the holder), a lock file that is
	 * a link, a history that cannot be read (a link, a FIFO or a
	 * directory planted where it should be): stop, as flush() does.
	 * Returning 0 alone would leave the environment never started, and
	 * rel-promote would exit 0 having done nothing. */
	if ((rc = lock(ru, &err)) != 0) {
		fatal(ru, &err);
		return 0;
	}
	if (occupant(ru, e, occ, sizeof occ, &dead, &err) != 0) {
		rel_product_unlock(ru->p);
		fatal(ru, &err);
		return 0;
	}
	if (occ[0]) {
		char pname[REL_NAME_MAX + 1];
		unsigned long on = 0;

		rel_product_unlock(ru->p);
		rel_id_parse(occ, pname, &on, NULL);
		if (dead) {
			/* Its runner died: its steps are stopped and that
			 * recorded, a look at a time, each time we come by
			 * (the grace period, then SIGKILL). */
			struct rel_release *other = NULL, *after = NULL;

			if (rel_release_load(ru->p, on, &other, NULL) == 0)
				rel_reap(ru->p, other, &after, NULL);
			rel_release_free(after);
			rel_release_free(other);
		} else if (ru->o.kind != REL_RUN_REDEPLOY && on > ru->r->n) {
			char why[600];

			snprintf(why, sizeof why, "superseded: %s (newer) is "
			    "being promoted into %s", occ, ru->r->envs[e].name);
			env_set(ev, ENV_IDLE);
			begin_terminate(ru, why, 1);
			return 0;
		} else if (ev->state == ENV_WAITING) {
			struct rel_release *after = NULL;
			char why[600];
			struct term_req q = { ru->o.by, why };

			snprintf(why, sizeof why, "superseded by %s in %s",
			    ru->id, ru->r->envs[e].name);
			/* Its steps are signalled by its runner (on
			 * another machine, once it fetched the request),
			 * and here at once if they run here. */
			if (rel_release_update(ru->p, on, request_term, &q, 1,
			    &after, NULL) == 0 && after &&
			    !rel_runner_elsewhere(ru->p->st, after))
				rel_signal_steps(after, SIGTERM);
			rel_release_free(after);
		}
		if (ev->state == ENV_WAITING) {
			env_set(ev, ENV_ASKED);
			ev->wait_until = rel_monotonic_ms() + CLAIM_WAIT_MS;
		}
		if (rel_monotonic_ms() > ev->wait_until) {
			char why[600];

			snprintf(why, sizeof why, "%s did not stop in %d s; "
			    "%s not promoted", occ, CLAIM_WAIT_MS / 1000,
			    ru->r->envs[e].name);
			env_set(ev, ENV_IDLE);
			begin_terminate(ru, why, 1);
		}
		return 0;
	}
	/* Free.  Where the claim's lines start: if another machine took
	 * the environment first, they are dropped, and what was before them
	 * is kept. */
	ru->mark[0] = ru->batch.len;
	ru->mark[1] = ru->envlines.len;
	ru->mark[2] = ru->envnames.len;
	ru->mark[3] = ru->nsaid;
	/* Free: the environment's history first names what was live, and
	 * whether it is frozen now, under the lock, where no freeze can
	 * come between this look and the start it decides. */
	ev->previous[0] = '\0';
	fz[0] = '\0';
	if (rel_envlog_load(ru->p, ru->r->envs[e].name, &log, &err) == 0) {
		if ((live = rel_envlog_live(&log)))
			snprintf(ev->previous, sizeof ev->previous, "%s",
			    live->release);
		if (ru->o.kind != REL_RUN_REDEPLOY) {
			struct rel_frozen f;

			rel_freeze_eval(ru->policy, &log, ru->r->envs[e].name,
			    rel_clock_ms(), ru->r->hotfix, &f);
			if (f.frozen)
				rel_frozen_why(&f, fz, sizeof fz);
		}
		rel_envlog_free(&log);
	} else if (ru->o.kind != REL_RUN_REDEPLOY) {
		/* Whether it is frozen cannot be told: not started. */
		rel_product_unlock(ru->p);
		fatal(ru, &err);
		return 0;
	}
	if (fz[0] && !ru->o.override) {
		rel_product_unlock(ru->p);
		frozen_at_start(ru, e, fz);
		return 0;
	}
	/* A resumed run goes on as what it was (a redeploy stays one).  A
	 * redeploy of an older release than the one live is a rollback. */
	snprintf(how, sizeof how, "%s", !ev->fresh && ru->r->envs[e].how[0] ?
	    ru->r->envs[e].how : ru->o.how);
	if (ru->o.kind == REL_RUN_REDEPLOY && !strcmp(how, "redeploy") &&
	    older_than(ru, ev->previous))
		snprintf(how, sizeof how, "rollback");
	snprintf(info, sizeof info, "how=%s mode=%s runner=%ld host=%s%s%s",
	    how, ev->fresh ? "fresh" : "resume", (long)getpid(), ru->host,
	    ru->machine[0] ? " machine=" : "", ru->machine);
	/* The reason (an approval's comment) goes with what the command
	 * named: its environments, else all it starts; not with those
	 * downstream of a gate it opened. */
	reason = ru->o.why && (!ru->o.nenvs || is_explicit(ru, e)) ?
	    ru->o.why : "";
	/* Into a frozen environment only with --override: its reason and
	 * the freeze it passed go on record. */
	if (fz[0]) {
		snprintf(ovr, sizeof ovr, "override: %s; %s%s%s",
		    ru->o.override, fz, *reason ? "; " : "", reason);
		reason = ovr;
		snprintf(info + strlen(info), sizeof info - strlen(info),
		    " override=yes");
	}
	tr_env(ru, e, REL_RUNNING, reason, info);
	rel_envlog_run_line(&ru->envlines, rel_now_ms(), ru->id, ru->attempt,
	    how, ru->o.by, ev->previous, reason);
	/* The history line goes out with the record line: same flush. */
	rel_buf_add(&ru->envnames, ru->r->envs[e].name,
	    strlen(ru->r->envs[e].name) + 1);
	ru->claiming = (int)e;
	ru->claim_taken = 0;
	rc = flush_x(ru, 1);
	ru->claiming = -1;
	rel_product_unlock(ru->p);
	if (rc || ru->terminating) {
		/* Taken first on another machine: look again.  The remote
		 * out of reach or moving past --wait: nothing was recorded,
		 * and nothing starts (exit 5 or 4, as the command's own
		 * change would).  The store failed us, or a termination came
		 * first (then the start was not written): we stop. */
		if (rc && !ru->stop_error && (!ru->claim_taken ||
		    ru->claim_self))
			fatal(ru, &ru->pub_err);
		if (ru->stop_error || ru->terminating)
			env_set(ev, ENV_IDLE);
		ru->claim_taken = 0;
		if (rc)
			refresh(ru); /* the record as it is, and what waits */
		return 0;
	}
	env_set(ev, ENV_RUNNING);
	ru->began = 1;
	ev->cur = 0;
	ev->why[0] = '\0';
	memset(ev->tried, 0, ru->r->envs[e].nsteps * ru->ncomp + 1);
	memset(ev->dead, 0, ru->ncomp);
	return 1;
}

static void
start_env(struct rel_runner *ru, size_t e, int fresh)
{
	ru->env[e].fresh = fresh;
	env_set(&ru->env[e], ENV_WAITING);
	claim(ru, e);
}

/* An environment that failed will not run the steps it has not run in
 * this attempt: they are skipped, with its reason (a retry runs them). */
static void
skip_rest(struct rel_runner *ru, size_t e, const char *why)
{
	const struct rel_env *re = &ru->r->envs[e];
	char obj[3 * (REL_NAME_MAX + 1)];

	for (size_t j = 0; j < re->nsteps; j++)
		for (size_t k = 0; k < re->steps[j].nruns; k++) {
			int comp = re->steps[j].kind == REL_STEP_ACTION ||
			    re->steps[j].kind == REL_STEP_VERIFY ? (int)k : -1;

			if (re->steps[j].runs[k].status != REL_PENDING ||
			    task_live(ru, e, j, comp))
				continue;
			rel_object(ru->r, e, j, k, obj, sizeof obj);
			rel_tr_line(&ru->batch, rel_now_ms(), ru->o.by, obj,
			    "pending", "skipped", ru->attempt, why, "");
			event(ru, e, (int)j, comp, REL_SKIPPED, why);
		}
}

static void
end_env(struct rel_runner *ru, size_t e, enum rel_status st, const char *why)
{
	if (st == REL_FAILED)
		skip_rest(ru, e, why);
	tr_env(ru, e, st, why, "");
	envlog_end(ru, e, st);
	env_set(&ru->env[e], ENV_ENDED);
	ru->env[e].ended = st;
}

/* Move environment e on as far as it can go now. */
static void
advance(struct rel_runner *ru, size_t e)
{
	struct envrun *ev = &ru->env[e];

	while (env_ours(ev) && !ru->terminating &&
	    ev->cur < ru->r->envs[e].nsteps) {
		const struct rel_env *re = &ru->r->envs[e];
		const struct rel_step *rs = &re->steps[ev->cur];
		int per = rs->kind == REL_STEP_ACTION || rs->kind == REL_STEP_VERIFY;
		size_t limit = per ? (size_t)(ru->r->parallel > 0 ?
		    ru->r->parallel : 1) : 1;
		size_t running = tasks_running(ru, e, (int)ev->cur);
		size_t failed = 0;
		int dead_any = 0;

		if (rs->kind == REL_STEP_POST) {
			for (size_t k = 0; k < ru->ncomp; k++)
				dead_any |= ev->dead[k];
			if (dead_any)
				fail_env_soon(ru, e, ev->why[0] ? ev->why :
				    "components failed");
		}
		for (size_t k = 0; k < rs->nruns; k++) {
			enum rel_status st = rs->runs[k].status;
			int comp = per ? (int)k : -1;

			if (st == REL_SUCCEEDED || task_live(ru, e, ev->cur, comp))
				continue;
			if (ev->tried[ev->cur * ru->ncomp + k] || (per && ev->dead[k])) {
				if (!(per && ev->dead[k]))
					failed++;
				continue;
			}
			if (ev->state == ENV_FAILING || running >= limit)
				continue;
			start_task(ru, e, ev->cur, comp);
			running++;
		}
		/* Lines the record (ru->r) does not have yet: written now,
		 * or, waiting for the next batch, applied to ru->r. */
		if (running > 0 || ru->batch.len > ru->applied) {
			flush(ru);
			if (running > 0)
				return;
			continue; /* a start failed: look at it again */
		}
		if (ev->state == ENV_FAILING) {
			if (env_clean(ru, e))
				end_env(ru, e, REL_FAILED, ev->why);
			return;
		}
		if (failed) {
			if (!per || !re->best_effort) {
				if (env_clean(ru, e))
					end_env(ru, e, REL_FAILED, ev->why[0] ?
					    ev->why : "a step failed");
				return;
			}
			/* Best effort: the others go on; these are out. */
			for (size_t k = 0; k < rs->nruns; k++)
				if (rs->runs[k].status != REL_SUCCEEDED &&
				    !ev->dead[k]) {
					ev->dead[k] = 1;
					if (!ev->why[0])
						snprintf(ev->why, sizeof ev->why,
						    "%s %s %s failed",
						    re->name, rs->name,
						    ru->r->artifacts[k].component);
				}
		}
		ev->cur++;
	}
	if (env_ours(ev) && !ru->terminating && env_clean(ru, e)) {
		int dead_any = 0;

		for (size_t k = 0; k < ru->ncomp; k++)
			dead_any |= ev->dead[k];
		if (dead_any)
			end_env(ru, e, REL_FAILED, ev->why);
		else
			end_env(ru, e, REL_SUCCEEDED, "");
	}
}

/* Start or suspend what the finished environments opened up. */
static void
downstream(struct rel_runner *ru)
{
	size_t *order;

	if (ru->terminating || ru->o.kind == REL_RUN_REDEPLOY ||
	    (ru->r->term != REL_PENDING && !ru->retrying))
		return;
	if (!(order = calloc(ru->r->nenvs, sizeof *order)))
		return;
	rel_flow_topo_order(ru->flow, order);
	for (size_t i = 0; i < ru->r->nenvs; i++) {
		size_t e = order[i];
		const struct rel_env *re = &ru->r->envs[e];
		char why[REL_FROZEN_WHY_MAX];
		struct rel_err err;
		int fr;

		/* An auto environment a freeze suspended goes on when a
		 * command promotes the release again, not by itself. */
		if (ru->env[e].state != ENV_IDLE || ru->env[e].held ||
		    !(re->status == REL_PENDING ||
		    (re->status == REL_SUSPENDED &&
		    re->trigger == REL_TRIGGER_AUTO)) || !needs_met(ru, e))
			continue;
		if (re->trigger == REL_TRIGGER_AUTO && !is_explicit(ru, e) &&
		    !ru->o.override &&
		    (fr = frozen(ru, e, why, sizeof why, &err)) != 0) {
			if (fr < 0) {
				fatal(ru, &err);
				break;
			}
			ru->env[e].held = 1;
			if (re->status == REL_SUSPENDED)
				continue; /* said so already */
			tr_env(ru, e, REL_SUSPENDED, why, "");
			env_set(&ru->env[e], ENV_ENDED);
			ru->env[e].ended = REL_SUSPENDED;
		} else if (re->trigger == REL_TRIGGER_AUTO || is_explicit(ru, e)) {
			start_env(ru, e, 1);
		} else {
			tr_env(ru, e, REL_SUSPENDED,
			    "waiting for a manual promotion", "");
			env_set(&ru->env[e], ENV_ENDED);
			ru->env[e].ended = REL_SUSPENDED;
		}
	}
	free(order);
}

static void
schedule(struct rel_runner *ru)
{
	int again = 1;

	while (again && !ru->terminating && !ru->stop_error) {
		size_t before = 0, after = 0;

		again = 0;
		for (size_t e = 0; e < ru->r->nenvs && !ru->terminating; e++) {
			if (env_waiting(&ru->env[e]))
				claim(ru, e);
			if (env_ours(&ru->env[e])) {
				advance(ru, e);
				if (!env_ours(&ru->env[e]))
					again = 1; /* an environment ended */
			}
		}
		for (size_t e = 0; e < ru->r->nenvs; e++)
			before += env_ours(&ru->env[e]);
		downstream(ru);
		for (size_t e = 0; e < ru->r->nenvs; e++)
			after += env_ours(&ru->env[e]);
		if (after > before)
			again = 1;
		flush(ru);
		for (size_t e = 0; e < ru->r->nenvs; e++)
			if (ru->env[e].state == ENV_ENDED)
				env_set(&ru->env[e], ENV_IDLE); /* written */
	}
}

/* --- termination ---------------------------------------------------- */

static void
begin_terminate(struct rel_runner *ru, const char *why, int record)
{
	int64_t now = rel_monotonic_ms();
	long grace = ru->r->term == REL_TERMINATING ? ru->r->term_grace_ms :
	    REL_GRACE_DEFAULT_MS;

	if (ru->terminating)
		return;
	ru->terminating = 1;
	snprintf(ru->term_why, sizeof ru->term_why, "%s", why);
	/* A retry's line, still in the batch, ends a termination: this one
	 * follows it, as the plain promotion's would (superseded before it
	 * started anything). */
	if (record && (ru->r->term == REL_PENDING || ru->retrying)) {
		rel_tr_line(&ru->batch, rel_now_ms(), ru->o.by, "-",
		    ru->retrying ? "running" : rel_status_name(ru->r->status),
		    "terminating", ru->attempt, why, "");
		ru->sync = 1;
		event(ru, (size_t)-1, -1, -1, REL_TERMINATING, why);
		flush(ru);
	}
	if (grace < 0)
		grace = 0;
	ru->kill_at = now + grace;
	for (size_t i = 0; i < ru->ntasks; i++) {
		struct rel_task *t = &ru->tasks[i];

		if (t->done)
			continue;
		t->stopped = 1;
		if (t->pid > 0 && !t->exited_at)
			rel_task_signal(t, SIGTERM);
		else if (t->pid == 0)
			t->exited_at = now;
	}
	/* And what left their groups, once for all. */
	leftovers(ru, -1, NULL, SIGTERM);
	for (size_t e = 0; e < ru->r->nenvs; e++)
		if (env_waiting(&ru->env[e]))
			env_set(&ru->env[e], ENV_IDLE);
}

static void
finish_terminate(struct rel_runner *ru)
{
	struct rel_buf el = REL_BUF_INIT, en = REL_BUF_INIT;
	const char *who = ru->r->term == REL_TERMINATING ? ru->r->term_by :
	    ru->o.by;

	/* A redeploy stopped on its own (Ctrl-C, its timeout) is the
	 * environment's history's: the release is not terminated. */
	int only_env = ru->o.kind == REL_RUN_REDEPLOY &&
	    ru->r->term == REL_PENDING;

	ru->term_done = 1;
	flush(ru);
	for (size_t e = 0; e < ru->r->nenvs; e++)
		if (ru->r->envs[e].status == REL_RUNNING)
			event(ru, e, -1, -1, REL_TERMINATED, ru->term_why);
		else if (ru->r->envs[e].status == REL_SUSPENDED && !only_env)
			event(ru, e, -1, -1, REL_PENDING, ru->term_why);
	if (only_env)
		rel_stop_lines(ru->r, rel_now_ms(), who, REL_TERMINATED,
		    REL_TERMINATED, ru->term_why, &ru->batch, &el, &en);
	else
		rel_terminate_lines(ru->r, rel_now_ms(), who, ru->term_why,
		    &ru->batch, &el, &en);
	rel_buf_add(&ru->envlines, el.s, el.len);
	rel_buf_add(&ru->envnames, en.s, en.len);
	rel_buf_free(&el);
	rel_buf_free(&en);
	ru->sync = 1;
	if (!only_env)
		event(ru, (size_t)-1, -1, -1, REL_TERMINATED, ru->term_why);
	flush(ru);
	for (size_t e = 0; e < ru->r->nenvs; e++)
		if (env_ours(&ru->env[e]))
			env_set(&ru->env[e], ENV_IDLE);
}

/* The store failed us (ru->fatal) and everything we ran is stopped:
 * say so in the record if it lets us now, rather than leave the next
 * command to find a runner gone without a word.  The steps and
 * environments still running there end failed (terminated, if a
 * termination was asked for) with the reason; the histories get the
 * lines they did not take before their ends, so that they agree with
 * the record.  If even that cannot be written, the next command that
 * looks records the runner gone, as for one that died. */
struct stop_arg {
	struct rel_runner *ru;
	const char *why;
	struct rel_buf el, en;
};

static int
stop_fn(struct rel_release *r, struct rel_buf *lines, void *arg,
    struct rel_err *err)
{
	struct stop_arg *a = arg;

	(void)err;
	rel_buf_reset(&a->el);
	rel_buf_reset(&a->en);
	rel_buf_add(&a->el, a->ru->lost.s, a->ru->lost.len);
	rel_buf_add(&a->en, a->ru->lostnames.s, a->ru->lostnames.len);
	if (r->term == REL_TERMINATING)
		rel_terminate_lines(r, rel_now_ms(), a->ru->o.by, a->why, lines,
		    &a->el, &a->en);
	else
		rel_stop_lines(r, rel_now_ms(), a->ru->o.by, REL_FAILED,
		    REL_FAILED, a->why, lines, &a->el, &a->en);
	return 0;
}

static void
record_stop(struct rel_runner *ru)
{
	char why[sizeof ru->fatal.msg + 64];
	struct stop_arg a = { ru, why, REL_BUF_INIT, REL_BUF_INIT };
	struct rel_err err;

	/* A lock we could not have is not to be waited for again; a run a
	 * freeze refused wrote nothing, and has nothing to say. */
	if (ru->fatal.code == REL_EBUSY || ru->refused || ru->lease_gone)
		return;
	snprintf(why, sizeof why, "%s stopped: %.400s", ru->p->st->prog,
	    ru->fatal.msg);
	if (rel_product_lock(ru->p, &err) != 0)
		return;
	{
		struct rel_more more = { &a.el, &a.en, NULL, 0, NULL, NULL };

		rel_release_change_env(ru->p, ru->r->n, &ru->r, stop_fn, &a, 1,
		    &more, &err);
	}
	rel_product_unlock(ru->p);
	rel_buf_free(&a.el);
	rel_buf_free(&a.en);
}

/* --- the lease (a store shared through a remote) ------------------- */

/* Does this runner hold an environment (run steps there)? */
static int
holds_env(struct rel_runner *ru)
{
	for (size_t e = 0; e < ru->r->nenvs; e++)
		if (env_ours(&ru->env[e]))
			return 1;
	return tasks_live(ru) > 0;
}

/*
 * Self-fencing.  The lease runs from the start of the last push the
 * remote accepted; another machine may take this runner for dead once it
 * has watched the record unchanged for lease + margin.  So without an
 * accepted push for lease/2 (renewals are tried from lease/3 on), the
 * steps get SIGTERM, and SIGKILL at the latest at 3/4 of the lease: all
 * dead well before the lease ends, whatever a clock elsewhere says, and
 * with room for a loaded machine.  Then nothing more is recorded.
 */
static int64_t
fence_at(const struct rel_runner *ru)
{
	return ru->fencing ? ru->fence_kill : ru->last_ok + ru->lease_ms / 2;
}

static void
fence(struct rel_runner *ru, int64_t now)
{
	struct rel_err err;
	int64_t kill_by;

	if (!ru->fencing) {
		if (now < fence_at(ru))
			return;
		ru->fencing = 1;
		kill_by = ru->last_ok + ru->lease_ms * 3 / 4;
		ru->fence_kill = now + REL_GRACE_DEFAULT_MS < kill_by ?
		    now + REL_GRACE_DEFAULT_MS : kill_by;
		for (size_t i = 0; i < ru->ntasks; i++) {
			struct rel_task *t = &ru->tasks[i];

			if (!t->done && led(t))
				rel_task_signal(t, SIGTERM);
		}
		leftovers(ru, -1, NULL, SIGTERM);
		/* A call to the remote that held us took the grace period
		 * too: no time is left to wait for them. */
		if (now < kill_by)
			return;
	}
	if (now < ru->fence_kill && leftovers(ru, -1, NULL, 0) > 0)
		return;
	rel_err_set(&err, REL_ESYS, "no push accepted by %s for %lld ms "
	    "(lease %ld ms): its steps were stopped before the lease ran out, "
	    "and nothing more is recorded here (%s)", ru->p->st->pub ?
	    ru->p->st->pub->url(ru->p->st->pub->ctx) : "?",
	    (long long)(now - ru->last_ok), ru->lease_ms,
	    ru->pub_err.msg[0] ? ru->pub_err.msg : "no answer");
	fatal(ru, &err);
}

/* With a remote: the lease kept (renewed every lease/3, by whatever is
 * published, else by a lease line), the fence watched, and the remote
 * asked every sync_interval (a termination requested on another machine
 * is seen in time). */
static void
remote_tick(struct rel_runner *ru)
{
	const struct rel_publisher *pb = ru->p->st->pub;
	int64_t now = rel_monotonic_ms();
	int held = holds_env(ru), moved;

	if (!ru->remote || !pb || ru->stop_error)
		return;
	if (held) {
		fence(ru, now);
		if (ru->stop_error)
			return;
	}
	if (held && !ru->fencing && now - ru->last_ok >= ru->lease_ms / 3 &&
	    now - ru->last_pub >= ru->sync_ms / 2) {
		if (ru->batch.len == 0) {
			char t[REL_TIME_MAX], a[16];

			rel_time_format(rel_now_ms(), 1, t);
			snprintf(a, sizeof a, "%d", ru->attempt);
			rel_journal_line(&ru->batch, (const char *[]){ "lease", t,
			    ru->machine, a }, 4);
		}
		flush_x(ru, 1);
		now = rel_monotonic_ms();
		/* That call may have taken up to its bound (st->net_ms):
		 * the fence is looked at again before anything else. */
		fence(ru, now);
		if (ru->stop_error || ru->fencing)
			return;
	}
	/* A termination asked elsewhere comes through the remote; while
	 * it cannot be reached, none can come, and asking would only hold
	 * the loop (renewals find out when it is back). */
	if (now - ru->last_fetch >= ru->sync_ms && !(held && pb->down(pb->ctx))) {
		ru->last_fetch = now;
		pb->refresh(pb->ctx, ru->p->st, ru->p->name, &moved, NULL);
		if (held)
			fence(ru, rel_monotonic_ms());
	}
}

/* --- the loop ------------------------------------------------------- */

static void
watch(struct rel_runner *ru)
{
	struct pollfd *pf = calloc(2 * ru->ntasks + 1, sizeof *pf);
	size_t n = 0;
	int64_t now = rel_monotonic_ms(), wake = now + (ru->remote &&
	    ru->sync_ms < TICK_MS ? ru->sync_ms : TICK_MS);

	/* Awake when the fence is due, not a tick later. */
	if (ru->remote && holds_env(ru) && fence_at(ru) < wake)
		wake = fence_at(ru) > now ? fence_at(ru) : now;

	for (size_t i = 0; i < ru->ntasks; i++) {
		struct rel_task *t = &ru->tasks[i];

		if (t->done)
			continue;
		if (t->fd >= 0 && pf) {
			pf[n].fd = t->fd;
			pf[n].events = POLLIN;
			n++;
		}
		/* A pipe closed with the process still there: its pidfd
		 * says when it exits, or look again in a millisecond.  A
		 * process gone with its pipe still open (a child kept it):
		 * look soon. */
		if (t->fd < 0 && t->pid > 0 && !t->exited_at) {
			if (t->pidfd >= 0 && pf) {
				pf[n].fd = t->pidfd;
				pf[n].events = POLLIN;
				n++;
			} else {
				wake = now + 1 < wake ? now + 1 : wake;
			}
		}
		if (t->exited_at && t->fd >= 0)
			wake = now + 5 < wake ? now + 5 : wake;
		if (t->deadline && t->deadline < wake)
			wake = t->deadline;
		if (t->kill_at && t->kill_at < wake)
			wake = t->kill_at;
		if (t->next_try && t->next_try < wake)
			wake = t->next_try;
	}
	if (ru->terminating && ru->kill_at && ru->kill_at < wake)
		wake = ru->kill_at;
	if (ru->o.on_tick && now + 200 < wake)
		wake = now + 200;
	if (wake < now)
		wake = now;
	if (poll(pf, (nfds_t)n, (int)(wake - now)) < 0 && errno != EINTR) {
		/* nothing to do: the loop looks at everything anyway */
	}
	free(pf);
}

static void
service_tasks(struct rel_runner *ru)
{
	int64_t now = rel_monotonic_ms();

	reap_children(ru);
	for (size_t i = 0; i < ru->ntasks; i++) {
		struct rel_task *t = &ru->tasks[i];

		if (t->done)
			continue;
		if (t->fd >= 0) {
			rel_task_drain(t);
			if (now - t->last_flush > 500) {
				rel_log_flush(t->log);
				t->last_flush = now;
			}
		}
		if (t->pid > 0)
			rel_task_reap(t);
		if (t->pid > 0 && !t->exited_at) {
			if (t->deadline && now >= t->deadline && !t->timed_out &&
			    !t->stopped) {
				t->timed_out = 1;
				rel_task_note(t, "rel: timed out; stopping it");
				stop_task(ru, t, SIGTERM);
				t->kill_at = now + REL_GRACE_DEFAULT_MS;
			}
			if (t->kill_at && now >= t->kill_at) {
				stop_task(ru, t, SIGKILL);
				t->kill_at = 0;
			}
			continue;
		}
		/* Exited: give its leftovers a moment to finish writing. */
		if (t->exited_at && t->fd >= 0 && now - t->exited_at < 200 &&
		    !t->stopped)
			continue;
		if (t->pid == 0 && t->next_try && !t->stopped && now < t->next_try)
			continue;
		if (t->pid == 0 && t->next_try && !t->stopped &&
		    !ru->terminating && !ru->fencing) {
			rel_task_note(t, "--- rel: try %d of %d ---",
			    t->tries + 1, t->max_tries);
			if (spawn_try(ru, t) != 0) {
				t->exited_at = now;
				t->code = -1;
				end_try(ru, t);
			}
			continue;
		}
		if (t->fd >= 0) {
			close(t->fd);
			t->fd = -1;
		}
		end_try(ru, t);
	}
	if (ru->terminating && ru->kill_at && now >= ru->kill_at) {
		leftovers(ru, -1, NULL, SIGKILL);
		ru->kill_at = 0;
		ru->killed_at = now;
	}
}

static int
env_work(const struct rel_runner *ru)
{
	for (size_t e = 0; e < ru->r->nenvs; e++)
		if (env_ours(&ru->env[e]) || env_waiting(&ru->env[e]))
			return 1;
	return 0;
}

/* Tell the events written so far while the run goes on: a copy of us
 * runs their notify commands (one copy at a time, so that they are told
 * in order), and its steps' output, timeouts and gates do not wait for
 * a webhook.  Where there can be no copy, they are told at the end. */
static void
notify_soon(struct rel_runner *ru)
{
	pid_t pid;

	if (!rel_notifier_pending(ru->nf) || ru->notify_pid)
		return;
	if ((pid = fork()) < 0)
		return;
	if (pid == 0) {
		struct rel_err err;

		/* What is the runner's alone: its steps' pipes, and the lock
		 * that says it is alive. */
		for (size_t i = 0; i < ru->ntasks; i++) {
			if (ru->tasks[i].fd >= 0)
				close(ru->tasks[i].fd);
			if (ru->tasks[i].pidfd >= 0)
				close(ru->tasks[i].pidfd);
		}
		if (ru->lock.fd >= 0)
			close(ru->lock.fd); /* only ours: no unlock */
		rel_notifier_run(ru->nf, &err);
		_exit(0);
	}
	ru->notify_pid = pid;
	rel_notifier_forget(ru->nf);
}

/* Run the notify commands of the events written so far (notify.h), after
 * those a copy of us is telling; a failure to record how they went is
 * said in the progress, and changes nothing else.  At the end of the
 * run: once its end is written and all it ran is gone, the runner lets
 * go of the release first, so that a notify command may promote it (an
 * approval bot) without being refused as busy.  (A copy telling events
 * while the run goes on cannot: the runner holds the release then.) */
static void
run_notify(struct rel_runner *ru)
{
	struct rel_err err;

	if (!tasks_live(ru) && leftovers(ru, -1, NULL, 0) == 0)
		rel_lock_release(&ru->lock);
	while (ru->notify_pid > 0) {
		pid_t got = waitpid(ru->notify_pid, NULL, 0);

		if (got == ru->notify_pid || (got < 0 && errno != EINTR))
			ru->notify_pid = 0;
	}
	if (rel_notifier_pending(ru->nf) && rel_notifier_run(ru->nf, &err) &&
	    ru->o.on_event && !(ru->o.quiet && *ru->o.quiet)) {
		struct rel_event ev = { rel_now_ms(), ru->id, NULL, NULL, NULL,
			ru->r->status, err.msg };

		ru->o.on_event(&ev, ru->o.arg);
	}
	refresh(ru);
}

int
rel_run_execute(struct rel_runner *ru, enum rel_status *final,
    struct rel_err *err)
{
	size_t ne = ru->r->nenvs;

	/* What a step leaves when its parent dies stays ours to find and
	 * stop (see leftovers); where there is no such thing, what leaves
	 * its process group is out of reach (rel-promote(1), BUGS). */
	rel_proc_subreaper();
	/* The first moves: what the request asks for. */
	if (ru->o.kind == REL_RUN_RETRY) {
		for (size_t e = 0; e < ne; e++)
			if (ru->r->envs[e].status == REL_FAILED ||
			    ru->r->envs[e].status == REL_TERMINATED)
				start_env(ru, e, 0);
	} else if (ru->o.kind == REL_RUN_MANUAL ||
	    ru->o.kind == REL_RUN_REDEPLOY) {
		for (size_t e = 0; e < ne; e++)
			if (is_explicit(ru, e))
				start_env(ru, e, 1);
	}
	schedule(ru);
	while (!ru->stop_error && (tasks_live(ru) || env_work(ru))) {
		int64_t wall = rel_now_ms();

		if (ru->o.on_tick && !(ru->o.quiet && *ru->o.quiet))
			ru->o.on_tick(ru->r, ru->o.arg);
		watch(ru);
		remote_tick(ru);
		/* A termination request first: a step killed by whoever
		 * terminates us was terminated, not failed. */
		refresh(ru);
		if (!ru->terminating) {
			char why[128];

			if (ru->r->term == REL_TERMINATING) {
				begin_terminate(ru, ru->r->term_why, 0);
			} else if (ru->o.interrupt && *ru->o.interrupt) {
				snprintf(why, sizeof why, "interrupted (%s got "
				    "signal %d)", ru->p->st->prog,
				    (int)*ru->o.interrupt);
				begin_terminate(ru, why,
				    ru->o.kind != REL_RUN_REDEPLOY);
			} else if (ru->r->timeout && ru->r->attempt_started &&
			    wall > ru->r->attempt_started +
			    ru->r->timeout * 1000) {
				char d[32];

				rel_duration_format(ru->r->timeout, d, sizeof d);
				snprintf(why, sizeof why,
				    "flow timeout of %s exceeded", d);
				begin_terminate(ru, why,
				    ru->o.kind != REL_RUN_REDEPLOY);
			}
		}
		service_tasks(ru);
		flush(ru);
		if (ru->terminating) {
			/* Ended when all it ran is gone, not only the steps'
			 * leaders. */
			if (!tasks_live(ru) && (leftovers(ru, -1, NULL, 0) == 0 ||
			    (ru->killed_at && rel_monotonic_ms() -
			    ru->killed_at > KILL_WAIT_MS)))
				finish_terminate(ru);
		} else {
			schedule(ru);
		}
		/* Told now while the run goes on; what ends it is told at
		 * its end (run_notify). */
		if (!ru->stop_error && (tasks_live(ru) || env_work(ru)))
			notify_soon(ru);
	}
	if (ru->terminating && !ru->term_done && !ru->stop_error)
		finish_terminate(ru);
	/* What waits for the next batch goes now, while the lease holds. */
	while (ru->remote && !ru->stop_error && ru->batch.len &&
	    flush_x(ru, 1) != 0) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		if (rel_monotonic_ms() - ru->last_ok > ru->lease_ms) {
			fatal(ru, &ru->pub_err);
			break;
		}
		nanosleep(&ts, NULL);
	}
	sweep(ru, ru->stop_error);
	if (ru->stop_error)
		record_stop(ru);
	/* How it ended, before a notify command may take the release on. */
	refresh(ru);
	*final = ru->r->status;
	/* The events this run wrote, now that its steps are gone. */
	run_notify(ru);
	if (ru->o.on_tick && !(ru->o.quiet && *ru->o.quiet))
		ru->o.on_tick(ru->r, ru->o.arg);
	if (ru->stop_error) {
		*err = ru->fatal;
		return ru->fatal.code ? ru->fatal.code : REL_ESYS;
	}
	return 0;
}

/* --- preparing ------------------------------------------------------ */

void
rel_run_free(struct rel_runner *ru)
{
	if (!ru)
		return;
	if (ru->nf) {
		struct rel_err err;

		/* What a refused request wrote (a dead runner's end). */
		rel_notifier_run(ru->nf, &err);
		rel_notifier_free(ru->nf);
	}
	for (size_t i = 0; i < ru->ntasks; i++)
		if (!ru->tasks[i].done) {
			if (led(&ru->tasks[i]))
				rel_task_signal(&ru->tasks[i], SIGKILL);
			rel_task_finish(&ru->tasks[i]);
		}
	/* Their cgroups, empty now (the kernel keeps one that is not). */
	for (size_t i = 0; i < ru->ntasks; i++)
		if (ru->tasks[i].cg[0])
			rel_cgroup_remove(ru->tasks[i].cg);
	free(ru->tasks);
	if (ru->env)
		for (size_t e = 0; ru->r && e < ru->r->nenvs; e++) {
			free(ru->env[e].tried);
			free(ru->env[e].dead);
		}
	free(ru->env);
	rel_release_free(ru->r);
	if (ru->policy_owned)
		rel_flow_free((struct rel_flow *)ru->policy);
	rel_flow_free(ru->flow);
	rel_buf_free(&ru->batch);
	rel_buf_free(&ru->envlines);
	rel_buf_free(&ru->envnames);
	rel_buf_free(&ru->lost);
	rel_buf_free(&ru->lostnames);
	rel_buf_free(&ru->logs);
	for (size_t i = 0; i < ru->nsaid; i++)
		free(ru->said[i].why);
	free(ru->said);
	rel_lock_release(&ru->lock);
	free(ru);
}

static int
ever_succeeded(const struct rel_release *r, const char *env)
{
	for (size_t i = 0; i < r->ntr; i++)
		if (!strcmp(r->tr[i].object, env) &&
		    !strcmp(r->tr[i].to, "succeeded"))
			return 1;
	return 0;
}

static int
env_list(const struct rel_release *r, struct rel_buf *b)
{
	for (size_t i = 0; i < r->nenvs; i++)
		rel_buf_addf(b, "%s%s", i ? ", " : "", r->envs[i].name);
	return 0;
}

/* Did a command other than its runner ever record the end of its steps
 * (the reaper writes as "rel")? */
static int
reaped_ever(const struct rel_release *r)
{
	for (size_t i = 0; i < r->ntr; i++)
		if (!strcmp(r->tr[i].who, "rel"))
			return 1;
	return 0;
}

/* A retry resumes the environments that failed or were terminated: if a
 * newer release went live in one since, that would roll it back, which
 * is rel-redeploy's to do, knowingly.  REL_EUSAGE says what is live. */
static int
newer_live(struct rel_runner *ru, struct rel_err *err)
{
	const struct rel_release *r = ru->r;

	for (size_t e = 0; e < r->nenvs; e++) {
		const struct rel_env_run *live;
		struct rel_envlog log;
		char pname[REL_NAME_MAX + 1];
		unsigned long n = 0;
		int rc = 0;

		if (r->envs[e].status != REL_FAILED &&
		    r->envs[e].status != REL_TERMINATED)
			continue;
		if (rel_envlog_load(ru->p, r->envs[e].name, &log, NULL) != 0)
			continue;
		if ((live = rel_envlog_live(&log)) &&
		    rel_id_parse(live->release, pname, &n, NULL) == 0 &&
		    !strcmp(pname, r->product) && n > r->n)
			rc = rel_err_set(err, REL_EUSAGE, "%s is live in %s now, "
			    "newer than %s: retrying would roll %s back; use "
			    "--force to do it anyway, or rel-redeploy %s %s",
			    live->release, r->envs[e].name, r->id,
			    r->envs[e].name, r->id, r->envs[e].name);
		rel_envlog_free(&log);
		if (rc)
			return rc;
	}
	return 0;
}

/* Is the request sensible for this release as it is? */
static int
check_request(struct rel_runner *ru, struct rel_err *err)
{
	const struct rel_release *r = ru->r;
	const char *st = rel_status_name(r->status);

	switch (ru->o.kind) {
	case REL_RUN_FLOW:
		if (r->status == REL_FAILED || r->term != REL_PENDING)
			return rel_err_set(err, REL_EUSAGE,
			    "%s is %s%s%s; to resume it: rel-promote --retry %s",
			    r->id, st, r->term_why && *r->term_why ? " (" : "",
			    r->term_why && *r->term_why ? r->term_why : "",
			    r->id), REL_EUSAGE;
		return 0;
	case REL_RUN_RETRY:
		if (r->status != REL_FAILED && r->status != REL_TERMINATED)
			return rel_err_set(err, REL_EUSAGE,
			    "%s is %s: only a failed or terminated release can "
			    "be retried", r->id, st);
		return ru->o.force ? 0 : newer_live(ru, err);
	default:
		break;
	}
	for (size_t i = 0; i < ru->o.nenvs; i++) {
		const char *name = ru->o.envs[i];
		int e = rel_release_env(r, name);
		const struct rel_env *re;

		if (e < 0) {
			struct rel_buf b = REL_BUF_INIT;
			int rc;

			env_list(r, &b);
			rc = rel_err_set(err, REL_ENOTFOUND,
			    "no environment '%s' in the flow of %s "
			    "(environments: %s)", name, r->id, b.s ? b.s : "");
			rel_buf_free(&b);
			return rc;
		}
		re = &r->envs[e];
		if (ru->o.kind == REL_RUN_REDEPLOY) {
			if (!ru->o.force && !ever_succeeded(r, name))
				return rel_err_set(err, REL_EUSAGE,
				    "%s never reached %s; use --force to deploy "
				    "it there anyway", r->id, name);
			continue;
		}
		if (r->term != REL_PENDING)
			return rel_err_set(err, REL_EUSAGE,
			    "%s is %s; to resume it: rel-promote --retry %s",
			    r->id, st, r->id);
		if (re->status == REL_SUCCEEDED)
			return rel_err_set(err, REL_EUSAGE,
			    "%s already succeeded in %s; to deploy it again: "
			    "rel-redeploy %s %s", r->id, name, r->id, name);
		if (re->status == REL_FAILED || re->status == REL_TERMINATED)
			return rel_err_set(err, REL_EUSAGE,
			    "%s %s in %s; to resume it: rel-promote --retry %s",
			    r->id, rel_status_name(re->status), name, r->id);
		for (size_t k = 0; k < re->nneeds; k++) {
			const struct rel_env *n = &r->envs[re->needs[k]];

			if (n->status != REL_SUCCEEDED)
				return rel_err_set(err, REL_EUSAGE,
				    "cannot promote %s into %s: it needs %s, "
				    "which is %s", r->id, name, n->name,
				    rel_status_name(n->status));
		}
	}
	return 0;
}

/* A promotion a person asks for into a frozen environment (a manual
 * gate, a retry) is refused, saying until when and why, unless
 * --override says why it must go anyway.  A redeploy (a rollback) is
 * never stopped: it is what one does when a freeze meets an incident. */
static int
check_frozen(struct rel_runner *ru, struct rel_err *err)
{
	const struct rel_release *r = ru->r;
	int fetched = 0;

	if (ru->o.override || ru->o.kind == REL_RUN_REDEPLOY ||
	    ru->o.kind == REL_RUN_FLOW)
		return 0;
	for (size_t e = 0; e < r->nenvs; e++) {
		char why[REL_FROZEN_WHY_MAX];
		int fr;

		if (ru->o.kind == REL_RUN_MANUAL ? !is_explicit(ru, e) :
		    r->envs[e].status != REL_FAILED &&
		    r->envs[e].status != REL_TERMINATED)
			continue;
		if ((fr = frozen(ru, e, why, sizeof why, err)) < 0)
			return err->code ? err->code : REL_ESYS;
		/* Frozen here; lifted, perhaps, on another machine: the
		 * remote says (a freeze it does not know of here is found
		 * when the start is published). */
		if (fr && ru->remote && !fetched && ru->p->st->pub) {
			const struct rel_publisher *pb = ru->p->st->pub;
			int moved = 0;

			fetched = 1;
			if (pb->refresh(pb->ctx, ru->p->st, ru->p->name, &moved,
			    NULL) == 0 && moved &&
			    (fr = frozen(ru, e, why, sizeof why, err)) < 0)
				return err->code ? err->code : REL_ESYS;
		}
		if (fr)
			return rel_err_set(err, REL_EUSAGE, "cannot promote %s "
			    "into %s: %s; --override TEXT promotes anyway",
			    r->id, r->envs[e].name, why);
	}
	return 0;
}

int
rel_run_prepare(struct rel_product *p, const char *id,
    const struct rel_run_opts *o, struct rel_runner **out,
    struct rel_err *err)
{
	struct rel_runner *ru;
	struct rel_release *after = NULL;
	struct rel_config cfg;
	char product[REL_NAME_MAX + 1];
	unsigned long n;
	int rc;

	*out = NULL;
	if ((rc = rel_id_parse(id, product, &n, err)) != 0)
		return rc;
	if (!(ru = calloc(1, sizeof *ru)))
		return rel_err_set(err, REL_ESYS, "out of memory");
	ru->p = p;
	ru->o = *o;
	ru->lock.fd = -1;
	snprintf(ru->id, sizeof ru->id, "%s", id);
	if (!realpath(p->st->root, ru->root))
		snprintf(ru->root, sizeof ru->root, "%s", p->st->root);
	rel_hostname(ru->host, sizeof ru->host);
	rel_boot_id(ru->boot);
	if ((rc = rel_config_load(p->st->fd, p->st->root, &cfg, err)) != 0)
		goto fail;
	ru->log_max = cfg.log_max;
	/* A cgroup per step where the machine lets us (see cgroup.h). */
	if (!cfg.contain_pgroup)
		rel_cgroup_base(ru->cgbase, sizeof ru->cgbase);
	ru->remote = cfg.remote[0] != '\0';
	ru->lease_ms = cfg.lease_ms;
	ru->sync_ms = cfg.sync_interval_ms;
	ru->claiming = -1;
	ru->last_ok = ru->last_pub = ru->last_fetch = rel_monotonic_ms();
	/* One exchange with the remote may not take the time the steps
	 * have to be stopped in, should the lease be lost (see fence). */
	if (ru->remote)
		p->st->net_ms = ru->lease_ms / 4 > 250 ? (int)(ru->lease_ms / 4) :
		    250;
	if (ru->remote && (rc = rel_machine_id(p->st, ru->machine, err)) != 0)
		goto fail;
	if ((rc = rel_release_load(p, n, &ru->r, err)) != 0)
		goto fail;
	if (!(ru->nf = rel_notifier_new(p->st, "rel"))) {
		rc = rel_err_set(err, REL_ESYS, "out of memory");
		goto fail;
	}
	if ((rc = rel_runner_lock(p->st, id, &ru->lock, err)) != 0)
		goto fail;
	/* We hold the runner lock: anything running is a dead runner's, and
	 * is stopped (and that recorded) before anything else. */
	if (rel_reap_needed(ru->r)) {
		if ((rc = rel_reap_held(p, ru->r, &after, err)) != 0) {
			rel_release_free(after);
			goto fail;
		}
		if (after) {
			rel_release_free(ru->r);
			ru->r = after;
		}
	}
	if ((rc = check_request(ru, err)) != 0)
		goto fail;
	/* A step of an earlier attempt may run still, whatever the record
	 * says of it (an older rel recorded a dead runner's steps gone too
	 * soon): nothing starts beside it.  Its environment says whose it is
	 * when it left its group, and is looked at once a dead runner was
	 * recorded (by "rel"). */
	if ((rc = rel_leftovers_stop(p, ru->r, reaped_ever(ru->r),
	    REL_GRACE_DEFAULT_MS, err)) != 0)
		goto fail;
	if ((rc = rel_flow_of_release(p, ru->r, &ru->flow, err)) != 0)
		goto fail;
	if (ru->flow->nenvs != ru->r->nenvs ||
	    ru->flow->ncomponents != ru->r->nartifacts) {
		rc = rel_err_set(err, REL_ESYS,
		    "%s: its flow copy does not match its record", id);
		goto fail;
	}
	if ((rc = rel_freeze_policy(p, ru->flow, &ru->policy,
	    &ru->policy_owned, err)) != 0 || (rc = check_frozen(ru, err)) != 0)
		goto fail;
	ru->ncomp = ru->r->nartifacts;
	ru->attempt = ru->r->attempt ? ru->r->attempt : 1;
	if (o->kind == REL_RUN_RETRY || o->kind == REL_RUN_REDEPLOY)
		ru->attempt = ru->r->attempt + 1;
	if (!(ru->env = calloc(ru->r->nenvs, sizeof *ru->env))) {
		rc = rel_err_set(err, REL_ESYS, "out of memory");
		goto fail;
	}
	for (size_t e = 0; e < ru->r->nenvs; e++) {
		ru->env[e].tried = calloc(ru->r->envs[e].nsteps * ru->ncomp + 1, 1);
		ru->env[e].dead = calloc(ru->ncomp + 1, 1);
		if (!ru->env[e].tried || !ru->env[e].dead) {
			rc = rel_err_set(err, REL_ESYS, "out of memory");
			goto fail;
		}
	}
	/* A retry says so in the history before anything runs. */
	if (o->kind == REL_RUN_RETRY) {
		rel_tr_line(&ru->batch, rel_now_ms(), o->by, "-",
		    rel_status_name(ru->r->status), "running", ru->attempt,
		    "retry", "");
		ru->sync = 1;
		ru->retrying = 1;
		/* Written with the first environment it resumes, so that the
		 * release never reads "running" with nothing running. */
	}
	/* A dead runner's end, written above, is told now: before a
	 * --detach fork, which would run it twice. */
	if (rel_notifier_pending(ru->nf)) {
		struct rel_err nerr;

		rel_notifier_run(ru->nf, &nerr);
	}
	*out = ru;
	return 0;
fail:
	rel_run_free(ru);
	return rc;
}
