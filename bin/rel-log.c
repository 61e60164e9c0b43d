/*
 * rel-log - print the logs of a release's steps in an environment.
 *
 * Logs are gzip files in the store (see rel-store(5)); this finds the
 * ones the record names and prints them, each under a header when there
 * is more than one, in the order the steps run.  With --follow it goes on
 * printing what they gain (lib/logview.c) until the environment's run is
 * over.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "logfile.h"
#include "logview.h"
#include "reap.h"
#include "record.h"
#include "store.h"

static const char usage[] =
    "usage: rel-log [--state DIR] [--attempt N] [--follow] [--fetch] RELEASE ENV [STEP]\n"
    "       rel-log -h | --version\n";

enum { O_ATTEMPT = 1, O_FOLLOW, O_FETCH };

static const struct rel_opt opts[] = {
	REL_OPT_STATE,
	{ O_ATTEMPT, 'a', "attempt", "N", NULL,
	    "the logs of that attempt (else every attempt's)" },
	{ O_FOLLOW, 'f', "follow", NULL, NULL,
	    "print what the logs gain until the run is over" },
	{ O_FETCH, 0, "fetch", NULL, NULL,
	    "bring the local copy up to date with the remote first" },
	REL_OPT_END
};

/* How logs are printed: a header before each when the selection holds
 * more than one (and, when following, whenever the output moves from one
 * log to another), a newline added to a log that does not end with one. */
struct printer {
	const struct rel_release *r;
	const char *env;
	int headers;
	int with_status;           /* "(attempt N, STATUS)" in headers */
	char last[sizeof ((struct rel_logref *)0)->name];
	int last_nl;               /* the last byte printed was a newline */
	size_t shown;              /* headers printed */
	int gone;                  /* the reader went away (| head) */
	int notify;                /* N for a notify command's logs, or 0 */
};

static void
begin(struct printer *pr, const struct rel_logref *ref)
{
	char title[4 * REL_NAME_MAX + REL_ID_MAX + 64];

	if (!strcmp(pr->last, ref->name))
		return;
	if (!pr->last_nl)
		putchar('\n');
	pr->last_nl = 1;
	snprintf(pr->last, sizeof pr->last, "%s", ref->name);
	if (!pr->headers)
		return;
	rel_logref_title(pr->r, pr->env, ref, pr->with_status, title,
	    sizeof title);
	printf("%s==> %s <==\n", pr->shown++ ? "\n" : "", title);
}

static int
print_data(struct printer *pr, const char *data, size_t len)
{
	if (len) {
		fwrite(data, 1, len, stdout);
		pr->last_nl = data[len - 1] == '\n';
	}
	if (!ferror(stdout))
		return 0;
	pr->gone = rel_cli_reader_gone(1);
	return -1;
}

/* A log of a run that ended is not whole: say so (exit 5), with what the
 * record says of it. */
static int
cut_short(const struct printer *pr, const struct rel_logref *ref, int n,
    struct rel_err *err)
{
	const struct rel_release *r = pr->r;
	char title[4 * REL_NAME_MAX + REL_ID_MAX + 64], obj[3 * REL_NAME_MAX + 4];
	char v[32];
	const char *how = "it ends before its end (its runner died, or the "
	    "disk was full)";

	snprintf(obj, sizeof obj, "%s/%s%s%s", pr->env, ref->step,
	    ref->component ? "/" : "", ref->component ? ref->component : "");
	for (size_t i = r->ntr; i > 0; i--) {
		const struct rel_transition *t = &r->tr[i - 1];

		if (strcmp(t->object, obj) || t->attempt != ref->attempt)
			continue;
		if (rel_info_get(t->info, "log", v, sizeof v) &&
		    !strcmp(v, "error"))
			how = "it could not all be written";
		else if (strstr(t->why, "the runner"))
			how = "its runner died while the step ran";
		break;
	}
	rel_logref_title(r, pr->env, ref, 0, title, sizeof title);
	return rel_err_set(err, REL_ESYS, "%s: the log is incomplete: %s%s",
	    title, how, n > 1 ? " (and others)" : "");
}

/* --- printing once ------------------------------------------------ */

struct once {
	struct printer *pr;
	struct rel_product *p;
	int dir;
	size_t found;
	int rc;
	struct rel_err *err;
	struct rel_logref cut;     /* the first log found cut short */
	int ncut;
};

static int
once_data(const char *data, size_t len, void *arg)
{
	return print_data(arg, data, len);
}

static void
count_log(const struct rel_logref *ref, void *arg)
{
	struct once *o = arg;

	if (faccessat(o->dir, ref->name, F_OK, 0) == 0)
		o->found++;
}

static void
print_log(const struct rel_logref *ref, void *arg)
{
	struct once *o = arg;
	char path[4800], sub[REL_ID_MAX + REL_NAME_MAX + 16];
	int whole;

	if (o->rc || faccessat(o->dir, ref->name, F_OK, 0) != 0)
		return;
	o->pr->last[0] = '\0'; /* each log its header, empty or not */
	begin(o->pr, ref);
	snprintf(sub, sizeof sub, "logs/%s/%s/", o->pr->r->id, o->pr->env);
	rel_product_path(o->p, sub, path, sizeof path);
	snprintf(path + strlen(path), sizeof path - strlen(path), "%s",
	    ref->name);
	o->rc = rel_log_read_whole(o->dir, ref->name, path, once_data, o->pr,
	    &whole, o->err);
	/* A run that has ended left a whole log, unless it was cut short. */
	if (!o->rc && !whole && ref->status != REL_RUNNING &&
	    ref->status != REL_PENDING && !o->ncut++)
		o->cut = *ref;
}

/* The logs printed: a step's, or a notify command's. */
static size_t
each(const struct printer *pr, const char *step, int want, rel_logref_fn fn,
    void *arg)
{
	if (pr->notify)
		return rel_notify_logs_each(pr->r, pr->env, pr->notify, want,
		    fn, arg);
	return rel_logs_each(pr->r, (size_t)rel_release_env(pr->r, pr->env),
	    step, want, fn, arg);
}

static int
print_once(struct printer *pr, struct rel_product *p, const char *step,
    int want, struct rel_err *err)
{
	struct once o;

	memset(&o, 0, sizeof o);
	o.pr = pr;
	o.p = p;
	o.dir = -1;
	o.err = err;

	if (rel_log_dir(p, pr->r->id, pr->env, &o.dir, err) == 0) {
		each(pr, step, want, count_log, &o);
		pr->headers = o.found > 1;
		if (o.found)
			each(pr, step, want, print_log, &o);
		close(o.dir);
	}
	if (!o.rc && !o.found)
		o.rc = REL_ENOTFOUND;
	if (!o.rc && o.ncut)
		o.rc = cut_short(pr, &o.cut, o.ncut, err);
	return o.rc;
}

/* --- following ---------------------------------------------------- */

static int
follow_data(const struct rel_logref *ref, const char *data, size_t len,
    void *arg)
{
	struct printer *pr = arg;

	if (len)
		begin(pr, ref);
	return print_data(pr, data, len);
}

static int
print_follow(struct printer *pr, struct rel_product *p, const char *step,
    int want, enum rel_status *ended, struct rel_err *err)
{
	struct rel_follow *f;
	const struct rel_release *r;
	int rc, over = 0;

	if ((rc = rel_follow_open(p, pr->r->n, pr->env, step, want, &f, err)))
		return rc;
	r = rel_follow_release(f);
	/* Counted at attempt 1, every step run is counted, run or not: the
	 * headers do not come and go with the steps that have started. */
	pr->headers = rel_logs_each(r, (size_t)rel_release_env(r, pr->env),
	    step, 1, NULL, NULL) > 1;
	while (!over) {
		if ((rc = rel_follow_poll(f, follow_data, pr, &over, err)))
			break;
		if (fflush(stdout) == EOF) {
			pr->gone = rel_cli_reader_gone(1);
			break; /* rel_cli_finish says so, if it matters */
		}
		if (!over) {
			struct timespec ts = { 0, 200 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	r = rel_follow_release(f);
	if (rel_release_env(r, pr->env) >= 0)
		*ended = r->envs[rel_release_env(r, pr->env)].status;
	if (!rc && !rel_follow_found(f))
		rc = REL_ENOTFOUND;
	if (!rc && rel_follow_incomplete(f))
		rc = rel_err_set(err, REL_ESYS, "%s %s: the log %s is "
		    "incomplete: it ends before its end", r->id, pr->env,
		    rel_follow_incomplete(f));
	rel_follow_free(f);
	return rc;
}

/* Did notify command n run in env of r (the release's own events for
 * "-")? */
static int
notified(const struct rel_release *r, const char *env, int n)
{
	for (size_t i = 0; n && i < r->nnotices; i++)
		if (r->notices[i].n == n && !strcmp(r->notices[i].env, env))
			return 1;
	return 0;
}

/* The release to show, a dead runner recorded first, as rel-status does,
 * so that the headers tell how its steps ended; and env (and step) in it,
 * or the notify command named by step (*notify its N).  On an error,
 * nothing is left open. */
static int
load(struct rel_cmd *c, struct rel_product *p, struct rel_release **r,
    const char *env, const char *step, int *notify, struct rel_err *err)
{
	int e, rc, n = step ? rel_notify_step(step) : 0;

	if ((rc = rel_release_open(&c->st, c->operands[0], p, r, err)))
		return rc;
	if (rel_reap_needed(*r)) {
		struct rel_release *now = NULL;

		if (rel_reap_load(p, (*r)->n, &now, NULL, err) != 0)
			rel_cmd_fail(c, err);
		if (now) {
			rel_release_free(*r);
			*r = now;
		}
	}
	e = rel_release_env(*r, env);
	/* A step of that name first; else the notify command's logs. */
	*notify = 0;
	if (n && (e < 0 || rel_release_step(&(*r)->envs[e], step) < 0) &&
	    notified(*r, env, n))
		*notify = n;
	else if (e < 0)
		rc = rel_err_set(err, REL_ENOTFOUND,
		    "no environment '%s' in %s", env, (*r)->id);
	else if (step && rel_release_step(&(*r)->envs[e], step) < 0)
		rc = rel_err_set(err, REL_ENOTFOUND,
		    "no step '%s' in %s of %s%s", step, env, (*r)->id, n ?
		    " (nor a notify command that ran there)" : "");
	if (rc) {
		rel_release_free(*r);
		*r = NULL;
		rel_product_close(p);
	}
	return rc;
}

int
main(int argc, char **argv)
{
	struct rel_cmd c;
	struct rel_product p;
	struct rel_release *r = NULL;
	struct rel_err err = { 0, "" };
	struct printer pr = { .last_nl = 1 };
	const char *arg, *env, *step;
	enum rel_status ended = REL_PENDING;
	unsigned long want = 0;
	int o, rc, follow = 0;

	rel_cmd_init(&c, "rel-log", usage, opts, argc, argv);
	while ((o = rel_cmd_next(&c, &arg)) > 0) {
		if (o == O_FOLLOW)
			follow = 1;
		else if (o == O_FETCH)
			c.fetch = 1;
		else if (rel_cli_uint("--attempt", arg, &want, &c.err) ||
		    want == 0 || want > INT_MAX)
			rel_cmd_usage(&c, "--attempt: expected a number from 1");
	}
	if (o == 0 && (c.noperands < 2 || c.noperands > 3))
		rel_cmd_usage(&c, "expected RELEASE ENV [STEP]");
	if (c.stop || rel_cmd_open(&c, 0))
		return rel_cmd_end(&c);
	env = c.operands[1];
	step = c.noperands == 3 ? c.operands[2] : NULL;
	if (load(&c, &p, &r, env, step, &pr.notify, &err)) {
		rel_cmd_fail(&c, &err);
		return rel_cmd_end(&c);
	}
	pr.r = r;
	pr.env = env;
	pr.with_status = !want && !follow;
	/* A notify command's logs are whole once recorded: not followed. */
	rc = follow && !pr.notify ? print_follow(&pr, &p, step, (int)want,
	    &ended, &err) : print_once(&pr, &p, step, (int)want, &err);
	if (!pr.last_nl)
		putchar('\n');
	if (pr.gone)
		rc = 0; /* the reader has what it wanted (rel-log | head) */
	if (rc == REL_ENOTFOUND)
		rel_err_set(&err, REL_ENOTFOUND, "no logs of %s in %s%s%s%s",
		    r->id, env, step ? " for step " : "", step ? step : "",
		    want ? " at that attempt" :
		    " (nothing has run there yet)");
	if (rc)
		rel_cmd_fail(&c, &err);
	else if (follow && (ended == REL_FAILED || ended == REL_TERMINATED))
		rel_cmd_failf(&c, REL_EFAILED, "%s %s in %s", r->id,
		    rel_status_name(ended), env);
	rel_release_free(r);
	rel_product_close(&p);
	return rel_cmd_end(&c);
}
