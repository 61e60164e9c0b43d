/*
 * notify.c - notify commands on events (see notify.h).
 *
 * The listener only reads the lines just written and keeps what they
 * say happened: it runs under the product lock, where nothing slow may
 * happen.  Running is done later, one command at a time, with the lock
 * taken only to record each outcome.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "envp.h"
#include "flow.h"
#include "freeze.h"
#include "journal.h"
#include "logfile.h"
#include "notify.h"
#include "record.h"
#include "task.h"
#include "when.h"

struct pending {
	char product[REL_NAME_MAX + 1];
	unsigned long n;
	char env[REL_NAME_MAX + 1];
	int ev, attempt;
	char *why;
};

struct rel_notifier {
	struct rel_store *st;
	rel_written_fn old;
	void *old_arg;
	char who[REL_TEXT_MAX + 1];
	struct pending *v;
	size_t n, cap;
};

static void
keep(struct rel_notifier *nf, const char *product, unsigned long n,
    const char *env, int ev, int attempt, const char *why)
{
	struct pending *e;

	if (REL_GROW(nf->v, nf->n + 1, nf->cap) < 0)
		return; /* out of memory: the record has it all the same */
	e = &nf->v[nf->n];
	snprintf(e->product, sizeof e->product, "%s", product);
	snprintf(e->env, sizeof e->env, "%s", env);
	e->n = n;
	e->ev = ev;
	e->attempt = attempt;
	if (!(e->why = strdup(why)))
		return;
	nf->n++;
}

struct scan {
	struct rel_notifier *nf;
	struct rel_product *p;
	unsigned long n;
	int terminated;            /* a "-" -> terminated line */
	int pass;                  /* 0: environments' ends, 1: gates */
	int env_terminated;        /* an environment became terminated */
	int gate;                  /* one was terminated at its gate */
	int term_attempt;          /* the "-" -> terminated line's */
	char *term_why;
};

static int
scan_line(struct rel_jline *jl, void *arg)
{
	struct scan *s = arg;
	const char *obj, *from, *to, *why;
	int ev = -1, attempt;

	if (jl->n < 9 || strcmp(jl->f[0], "tr"))
		return 0;
	obj = jl->f[3];
	from = jl->f[4];
	to = jl->f[5];
	attempt = atoi(jl->f[6]);
	why = jl->f[7];
	if (!strcmp(obj, "-")) {
		if (s->pass == 0 && !strcmp(to, "terminated")) {
			s->terminated = 1;
			s->term_attempt = attempt;
			free(s->term_why);
			s->term_why = strdup(why);
		}
		return 0;
	}
	if (strchr(obj, '/'))
		return 0;
	if (s->pass == 1) {
		/* A release terminated while it waited at a gate: the
		 * environment it waited in is where it ended. */
		if (s->terminated && !s->env_terminated &&
		    !strcmp(from, "suspended") && !strcmp(to, "pending")) {
			keep(s->nf, s->p->name, s->n, obj, REL_EV_TERMINATED,
			    attempt, why);
			s->gate = 1;
		}
		return 0;
	}
	if (!strcmp(to, "failed"))
		ev = REL_EV_FAILED;
	else if (!strcmp(to, "succeeded"))
		ev = REL_EV_SUCCEEDED;
	else if (!strcmp(to, "terminated"))
		ev = REL_EV_TERMINATED, s->env_terminated = 1;
	else if (!strcmp(to, "suspended"))
		ev = !strncmp(why, "frozen", 6) ? REL_EV_FROZEN :
		    REL_EV_SUSPENDED;
	if (ev >= 0)
		keep(s->nf, s->p->name, s->n, obj, ev, attempt, why);
	return 0;
}

static void
written(void *arg, struct rel_product *p, unsigned long n, const char *lines,
    size_t len)
{
	struct rel_notifier *nf = arg;
	struct scan s = { nf, p, n, 0, 0, 0, 0, 0, NULL };
	char *copy;

	/* The newest listener alone: a runner's, inside a command's, runs
	 * what the runner writes; told to both, it would run twice. */
	for (s.pass = 0; s.pass < 2; s.pass++) {
		/* The scan cuts the lines up: a copy each pass. */
		if (!(copy = malloc(len + 1)))
			return;
		memcpy(copy, lines, len);
		copy[len] = '\0';
		rel_journal_scan(copy, len, scan_line, &s, NULL, NULL);
		free(copy);
	}
	/* A release terminated with no environment to count it for (it
	 * waited to be promoted): an event of the release, ENV "-". */
	if (s.terminated && !s.env_terminated && !s.gate)
		keep(nf, p->name, n, REL_NOTIFY_RELEASE, REL_EV_TERMINATED,
		    s.term_attempt, s.term_why ? s.term_why : "");
	free(s.term_why);
}

struct rel_notifier *
rel_notifier_new(struct rel_store *st, const char *who)
{
	struct rel_notifier *nf = calloc(1, sizeof *nf);

	if (!nf)
		return NULL;
	nf->st = st;
	nf->old = st->written;
	nf->old_arg = st->written_arg;
	snprintf(nf->who, sizeof nf->who, "%s", who);
	st->written = written;
	st->written_arg = nf;
	return nf;
}

size_t
rel_notifier_pending(const struct rel_notifier *nf)
{
	return nf ? nf->n : 0;
}

void
rel_notifier_forget(struct rel_notifier *nf)
{
	for (size_t i = 0; nf && i < nf->n; i++)
		free(nf->v[i].why);
	if (nf)
		nf->n = 0;
}

void
rel_notifier_free(struct rel_notifier *nf)
{
	if (!nf)
		return;
	rel_notifier_forget(nf);
	if (nf->st->written == written && nf->st->written_arg == nf) {
		nf->st->written = nf->old;
		nf->st->written_arg = nf->old_arg;
	}
	free(nf->v);
	free(nf);
}

/* --- running one ------------------------------------------------------ */

/* Ours minus REL_*, plus the event and the release: data only here. */
static char **
notify_env(const struct rel_release *r, const struct pending *e,
    const char *root)
{
	struct rel_envp v = REL_ENVP_INIT;
	char num[32];
	int i = rel_release_env(r, e->env);

	rel_envp_ours(&v);
	rel_envp_put(&v, "REL_EVENT", rel_event_name(e->ev));
	rel_envp_put(&v, "REL_STATE_DIR", root);
	rel_envp_put(&v, "REL_PRODUCT", r->product);
	rel_envp_put(&v, "REL_RELEASE", r->id);
	rel_envp_put(&v, "REL_ENV",
	    strcmp(e->env, REL_NOTIFY_RELEASE) ? e->env : "");
	rel_envp_put(&v, "REL_STATUS", i < 0 ? "" :
	    rel_status_name(r->envs[i].status));
	rel_envp_put(&v, "REL_RELEASE_STATUS", rel_status_name(r->status));
	rel_envp_put(&v, "REL_REASON", e->why);
	rel_envp_artifacts(&v, r);
	rel_envp_put(&v, "REL_REV", r->rev);
	rel_envp_put(&v, "REL_HOTFIX", r->hotfix ? "yes" : "no");
	rel_envp_put(&v, "REL_MESSAGE", r->message);
	rel_envp_put(&v, "REL_BY", r->by);
	snprintf(num, sizeof num, "%d", e->attempt);
	rel_envp_put(&v, "REL_ATTEMPT", num);
	return rel_envp_done(&v, NULL);
}

struct outcome {
	const struct pending *e;
	const char *who, *outcome, *why, *info;
	int cmd;
};

static int
add_notice(struct rel_release *r, struct rel_buf *lines, void *arg,
    struct rel_err *err)
{
	const struct outcome *o = arg;

	(void)r;
	(void)err;
	rel_notice_line(lines, rel_now_ms(), o->who, rel_event_name(o->e->ev),
	    o->e->env, o->cmd, o->outcome, o->e->attempt, o->why, o->info);
	return 0;
}

/* Run notify command k (0-based) of flow for e; record how it went. */
static int
run_one(struct rel_notifier *nf, struct rel_product *p,
    const struct rel_release *r, const struct rel_flow_notify *c, int k,
    const struct pending *e, const char *root, struct rel_err *err)
{
	struct rel_task t;
	struct rel_err serr;
	struct outcome o = { e, nf->who, "succeeded", "", "", k + 1 };
	char step[32], why[160] = "", info[REL_INFO_MAX];
	char **envp = notify_env(r, e, root);
	int64_t start = rel_monotonic_ms(), term = 0, killed = 0;
	int rc;

	if (!envp)
		return rel_err_set(err, REL_ESYS, "out of memory");
	memset(&t, 0, sizeof t);
	t.fd = t.pidfd = -1;
	t.env = t.step = t.comp = -1;
	t.log_max = REL_LOG_MAX_DEFAULT;
	snprintf(step, sizeof step, "notify-%d", k + 1);
	rel_log_name(step, rel_event_name(e->ev), e->attempt, t.log_name,
	    sizeof t.log_name);
	t.timeout_s = c->timeout;
	/* `run: ./notify.sh` is STATE/notify.sh whoever tells the event;
	 * and the command goes when we do, rather than on unbounded. */
	t.dir = root;
	t.die_with_parent = 1;
	rc = rel_task_spawn(&t, p, r->id, e->env, c->run, envp, &serr);
	rel_envp_free(envp);
	if (rc) {
		if (t.log)
			rel_task_note(&t, "rel: %s", serr.msg);
		o.outcome = "error";
		snprintf(why, sizeof why, "could not start: %.120s", serr.msg);
	} else {
		/* Until it exits and its output ends, or its time is up. */
		while (!rel_task_reap(&t) || t.fd >= 0) {
			struct pollfd pf = { t.fd, POLLIN, 0 };
			int64_t now = rel_monotonic_ms();

			if (t.fd >= 0)
				rel_task_drain(&t);
			if (t.exited_at && now - t.exited_at > 200)
				break; /* a child kept the pipe: enough */
			if (!term && now - start >= c->timeout * 1000) {
				term = now;
				t.timed_out = 1;
				rel_task_note(&t, "rel: timed out; stopping it");
				rel_task_signal(&t, SIGTERM);
			} else if (term && !killed &&
			    now - term >= REL_NOTIFY_KILL_MS) {
				killed = now;
				rel_task_signal(&t, SIGKILL);
			} else if (killed && now - killed > 5000) {
				break; /* not going: recorded as it is */
			}
			poll(&pf, t.fd >= 0 ? 1 : 0, 50);
		}
		/* What it left in its group goes with it. */
		rel_task_signal(&t, SIGTERM);
		if (!t.exited_at && waitpid(t.pid, NULL, WNOHANG) == 0)
			rel_task_signal(&t, SIGKILL);
		if (t.timed_out) {
			char d[32];

			rel_duration_format(c->timeout, d, sizeof d);
			o.outcome = "failed";
			snprintf(why, sizeof why, "timed out after %s", d);
		} else if (t.code == 126 || t.code == 127 || t.code < 0) {
			o.outcome = "error";
			snprintf(why, sizeof why, "could not run the command "
			    "(exit %d)", t.code);
		} else if (t.code > 128) {
			o.outcome = "failed";
			snprintf(why, sizeof why, "killed by signal %d",
			    t.code - 128);
		} else if (t.code) {
			o.outcome = "failed";
			snprintf(why, sizeof why, "exit %d", t.code);
		}
	}
	snprintf(info, sizeof info, "code=%d ms=%lld log=%s", t.code,
	    (long long)(rel_monotonic_ms() - start), t.log_name);
	if (t.log)
		rel_task_finish(&t);
	/* Reap it if it went at last; one stuck in the kernel is left to
	 * init rather than waited for. */
	if (t.pid > 0 && !t.exited_at)
		waitpid(t.pid, NULL, WNOHANG);
	o.why = why;
	o.info = info;
	return rel_release_update(p, e->n, add_notice, &o, 1, NULL, err);
}

/* Every command of the product's flow for e. */
static int
run_event(struct rel_notifier *nf, const struct pending *e,
    struct rel_err *err)
{
	struct rel_product p;
	struct rel_release *r = NULL;
	struct rel_flow *own = NULL;
	const struct rel_flow *flow = NULL;
	struct rel_err ferr;
	char root[PATH_MAX];
	int owned = 0, rc, rc2 = 0;

	if ((rc = rel_product_open(nf->st, e->product, 0, &p, err)) != 0)
		return rc;
	if ((rc = rel_release_load(&p, e->n, &r, err)) != 0 ||
	    (rc = rel_flow_of_release(&p, r, &own, err)) != 0)
		goto out;
	/* The product's flow as it is now; a broken one does not silence
	 * the release's own. */
	if (rel_freeze_policy(&p, own, &flow, &owned, &ferr) != 0)
		flow = own;
	if (!realpath(nf->st->root, root))
		snprintf(root, sizeof root, "%s", nf->st->root);
	for (size_t k = 0; k < flow->nnotify; k++) {
		const struct rel_flow_notify *c = &flow->notify[k];

		if (!(c->on & (1u << e->ev)) ||
		    (c->env[0] && strcmp(c->env, e->env)))
			continue;
		if ((rc = run_one(nf, &p, r, c, (int)k, e, root, err)) != 0 &&
		    !rc2)
			rc2 = rc;
	}
	rc = rc2;
out:
	if (owned)
		rel_flow_free((struct rel_flow *)flow);
	rel_flow_free(own);
	rel_release_free(r);
	rel_product_close(&p);
	return rc;
}

int
rel_notifier_run(struct rel_notifier *nf, struct rel_err *err)
{
	struct rel_err e1;
	struct pending *v;
	size_t n;
	int rc = 0;

	if (!nf || !nf->n)
		return 0;
	/* Taken off the list before they run: recording an outcome writes
	 * to the record too, and whatever that tells is kept anew. */
	v = nf->v;
	n = nf->n;
	nf->v = NULL;
	nf->n = nf->cap = 0;
	for (size_t i = 0; i < n; i++) {
		int r = run_event(nf, &v[i], &e1);

		if (r && !rc) {
			rc = r;
			*err = e1;
		}
		free(v[i].why);
	}
	free(v);
	return rc;
}
