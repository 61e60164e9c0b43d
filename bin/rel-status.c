/*
 * rel-status - what is where: releases, their environments, steps and
 * history, as TSV for programs, a table for people, or JSON Lines.
 *
 * Listing the newest releases of a product reads the derived index, not
 * every record, so it costs the same with 100 or 100,000 releases.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cmd.h"
#include "envlog.h"
#include "flow.h"
#include "freeze.h"
#include "graph.h"
#include "html.h"
#include "index.h"
#include "json.h"
#include "prom.h"
#include "reap.h"
#include "record.h"
#include "show.h"
#include "store.h"
#include "when.h"

static const char usage[] =
    "usage: rel-status [--state DIR] [-o tsv|json|table|prom|html]\n"
    "                  [-e | -s | -l | -H | -g | --frozen]\n"
    "                  [--status S[,S...]] [--env ENV] [-n N] [--refresh SECONDS]\n"
    "                  [--check] [-w SECONDS] [--color WHEN] [PRODUCT|RELEASE]...\n"
    "       rel-status -h | --version\n";

enum { O_ENVS = 1, O_STEPS, O_STATUS, O_ENV, O_LIVE, O_HISTORY, O_LIMIT,
	O_CHECK, O_GRAPH, O_REFRESH, O_FROZEN };

static const struct rel_opt opts[] = {
	REL_OPT_STATE, REL_OPT_FORMAT("tsv|json|table|prom|html"),
	{ O_ENVS, 'e', "envs", NULL, NULL,
	    "one line per release and environment" },
	{ O_STEPS, 's', "steps", NULL, NULL, "one line per step run" },
	{ O_STATUS, 0, "status", "S[,S...]", "status",
	    "only releases (environments, steps) in these statuses" },
	{ O_ENV, 0, "env", "ENV", "env", "only this environment" },
	{ O_LIVE, 'l', "live", NULL, NULL,
	    "what is live in each environment" },
	{ O_HISTORY, 'H', "history", NULL, NULL,
	    "the transitions (with --env: the environment's runs)" },
	{ O_LIMIT, 'n', "limit", "N", NULL,
	    "at most N releases (0: all; a table shows 20)" },
	{ O_CHECK, 0, "check", NULL, NULL,
	    "check the store, mend what a crash left" },
	REL_OPT_WAIT,
	{ O_GRAPH, 'g', "graph", NULL, NULL, "draw the flow of a release" },
	{ O_REFRESH, 0, "refresh", "SECONDS", NULL,
	    "--format html: the page reloads itself" },
	{ O_FROZEN, 0, "frozen", NULL, NULL,
	    "what is frozen now, until when and why" },
	REL_OPT_COLOR, REL_OPT_END
};

enum mode { M_SUMMARY, M_ENVS, M_STEPS, M_HISTORY, M_ENV_HISTORY, M_LIVE,
	M_DETAIL, M_GRAPH, M_FROZEN };

struct ctx {
	struct rel_cmd *c;
	enum mode mode;
	struct rel_sink sink;
	struct rel_buf out;
	struct rel_table table;
	const char *env;
	int want[REL_STATUS_COUNT + 1];
	int have_want;
	size_t limit;
	int limit_given;
	int more;              /* a listing was cut by the limit */
	int hold;              /* keep the output: it is being cached */
	int saw_running;       /* a listing showed a running release */
	int color_graph;       /* colour in --graph */
};

static void
flush_out(struct ctx *x, int force)
{
	if (x->out.len && (force || (!x->hold && x->out.len > 1024 * 1024))) {
		fwrite(x->out.s, 1, x->out.len, stdout);
		rel_buf_reset(&x->out);
	}
}

static void
complain(struct ctx *x, struct rel_err *err)
{
	rel_cmd_fail(x->c, err);
}

/* A failure already reported (or to be said by the exit status only). */
static void
raise_rc(struct ctx *x, int rc)
{
	rel_cmd_status(x->c, rc);
}

static const int *
want(struct ctx *x)
{
	return x->have_want ? x->want : NULL;
}

static int
parse_statuses(struct ctx *x, const char *arg, struct rel_err *err)
{
	char buf[256], *save = NULL, *tok;
	size_t n = 0;

	if (strlen(arg) >= sizeof buf)
		return rel_err_set(err, REL_EUSAGE, "--status: too long");
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ",", &save); tok;
	    tok = strtok_r(NULL, ",", &save)) {
		int s = rel_status_parse(tok);

		if (s < 0)
			return rel_err_set(err, REL_EUSAGE,
			    "--status: unknown status '%s' (pending, running, "
			    "suspended, succeeded, failed, error, terminating, "
			    "terminated, skipped)", tok);
		if (n < REL_STATUS_COUNT)
			x->want[n++] = s;
	}
	if (!n)
		return rel_err_set(err, REL_EUSAGE, "--status: no status given");
	x->want[n] = -1;
	x->have_want = 1;
	return 0;
}

/* Load a release for display, first noticing a dead runner. */
static int
load(struct ctx *x, struct rel_product *p, unsigned long n,
    struct rel_release **r, struct rel_err *err)
{
	struct rel_err why;
	int rc = rel_reap_load(p, n, r, &why, err);

	/* Shown as the record has it when a dead runner could not be
	 * recorded for a busy lock; said why.  Recorded in part before the
	 * store failed: shown as recorded, and the failure is the exit
	 * status. */
	if (rc == 0 && why.code == REL_EBUSY)
		rel_cmd_warn(x->c, "%s", why.msg);
	if (rc && *r) {
		complain(x, err);
		rc = 0;
	}
	return rc;
}

/* --- one release ------------------------------------------------- */

static void
show_release(struct ctx *x, struct rel_product *p, struct rel_release *r,
    struct rel_livemap *live)
{
	struct rel_buf line = REL_BUF_INIT;

	switch (x->mode) {
	case M_SUMMARY:
		if (!rel_status_in((int)r->status, want(x)))
			break;
		if (x->sink.format == REL_FMT_JSON) {
			rel_show_json(r, live, &x->out);
			rel_buf_addc(&x->out, '\n');
		} else {
			rel_release_summary(r, &line);
			rel_show_summary_line(&x->sink, line.s, line.len);
		}
		break;
	case M_DETAIL:
		rel_show_detail(r, live, x->sink.color, &x->out);
		break;
	case M_GRAPH:
		rel_buf_addf(&x->out, "%s  %s%s\n", r->id,
		    rel_status_name(r->status), r->hotfix ? "  hotfix" : "");
		rel_graph(r, live, rel_locale_utf8(), x->color_graph, &x->out);
		break;
	case M_ENVS:
		rel_show_envs(&x->sink, r, live, x->env, want(x));
		break;
	case M_STEPS:
		rel_show_steps(&x->sink, r, x->env, want(x));
		break;
	case M_HISTORY:
		rel_show_history(&x->sink, r);
		break;
	default:
		break;
	}
	rel_buf_free(&line);
	(void)p;
	flush_out(x, 0);
}

/* Where a rollback stands in an environment (seed 001's states):
 * rolling-back while one runs, rolled-back when one is what is live,
 * rollback-failed when the last run to end was one that failed; "-". */
static const char *
rollback_state(const struct rel_envlog *log)
{
	const struct rel_env_run *open = rel_envlog_open_run(log);
	const struct rel_env_run *live = rel_envlog_live(log), *last = NULL;

	if (open && !strcmp(open->how, "rollback"))
		return "rolling-back";
	for (size_t i = 0; i < log->n; i++)
		if (log->v[i].ended && (!last || log->v[i].ended >= last->ended))
			last = &log->v[i];
	if (last && !strcmp(last->how, "rollback") &&
	    last->status != REL_SUCCEEDED)
		return "rollback-failed";
	if (live && !strcmp(live->how, "rollback"))
		return "rolled-back";
	return "-";
}

/* --- a product ----------------------------------------------------- */

struct listing {
	struct ctx *x;
	struct rel_livemap *live;
	size_t count;
};

static int
list_line(const struct rel_product *cp, unsigned long n, int64_t created,
    const char *line, size_t len, void *arg)
{
	struct listing *l = arg;
	struct ctx *x = l->x;
	struct rel_product *p = (struct rel_product *)cp;
	const char *status = line;

	(void)created;
	if (x->limit && l->count >= x->limit) {
		x->more = 1;
		return 1;
	}
	l->count++;
	/* A running release may have lost its runner: look closer. */
	for (int i = 0; i < 2 && status; i++)
		if ((status = memchr(status, '\t', len - (size_t)(status - line))))
			status++;
	if (x->mode == M_SUMMARY && x->sink.format != REL_FMT_JSON &&
	    !(status && (size_t)(line + len - status) > 8 &&
	    !memcmp(status, "running\t", 8))) {
		if (x->sink.format == REL_FMT_TSV &&
		    rel_buf_grow(&x->out, len + 1) == 0) {
			/* The index holds the very line: the fast path of a
			 * full listing is a copy. */
			memcpy(x->out.s + x->out.len, line, len);
			x->out.len += len;
			x->out.s[x->out.len++] = '\n';
			x->out.s[x->out.len] = '\0';
		} else {
			rel_show_summary_line(&x->sink, line, len);
		}
		flush_out(x, 0);
		return 0;
	}
	x->saw_running = 1;
	{
		struct rel_release *r;
		struct rel_err err;

		if (load(x, p, n, &r, &err)) {
			complain(x, &err);
			return 0;
		}
		show_release(x, p, r, l->live);
		rel_release_free(r);
	}
	return 0;
}

/* What is frozen in the product now: a row per frozen environment, in
 * the order of the product's flow, whatever a hotfix may pass. */
static void
show_frozen(struct ctx *x, struct rel_product *p)
{
	struct rel_flow *flow = NULL;
	struct rel_err err;
	int64_t now = rel_clock_ms();

	if (rel_freeze_product_flow(p, &flow, &err)) {
		if (err.code != REL_ENOTFOUND)
			complain(x, &err);
		return;
	}
	for (size_t e = 0; e < flow->nenvs; e++) {
		const char *env = flow->envs[e].name;
		char since[REL_TIME_MAX], until[REL_TIME_MAX];
		struct rel_frozen f;

		if (x->env && strcmp(x->env, env))
			continue;
		if (rel_freeze_state(p, flow, env, now, 0, &f, &err)) {
			complain(x, &err);
			continue;
		}
		if (!f.frozen)
			continue;
		rel_time_format(f.since, 0, since);
		if (f.until)
			rel_time_format(f.until, 0, until);
		else
			strcpy(until, "-");
		rel_sink_row(&x->sink, (const char *const[]){ p->name, env,
		    since, until, f.manual ? "rel-freeze" : "window",
		    *f.by ? f.by : "-", f.hotfix ? "allow" : "deny",
		    f.reason }, 8, 0);
	}
	rel_flow_free(flow);
	flush_out(x, 0);
}

/* A freeze or lift in --history --env: "freeze" or "lift" where a run
 * has its how, its reason (and until when) as its why. */
static void
env_mark(struct ctx *x, const struct rel_env_freeze *fz)
{
	char t[REL_TIME_MAX], u[REL_TIME_MAX], why[REL_TEXT_MAX + 64];

	rel_time_format(fz->time, 0, t);
	if (fz->until)
		rel_time_format(fz->until, 0, u);
	if (fz->lifted)
		snprintf(why, sizeof why, "%s", fz->why);
	else
		snprintf(why, sizeof why, "until %s%s: %s", fz->until ? u :
		    "lifted", fz->hotfix ? ", hotfixes pass" : "", fz->why);
	rel_sink_row(&x->sink, (const char *const[]){ t, x->env, "-", "-",
	    fz->lifted ? "lift" : "freeze", fz->who, "-", why }, 8, 0);
}

static void
show_product(struct ctx *x, struct rel_product *p)
{
	struct rel_livemap live;
	struct listing l = { x, &live, 0 };
	struct rel_err err;
	int rc;

	if (x->mode == M_FROZEN) {
		show_frozen(x, p);
		return;
	}
	if ((rc = rel_livemap_load(p, &live, &err))) {
		complain(x, &err);
		return;
	}
	if (x->mode == M_LIVE) {
		size_t *order = calloc(live.n + 1, sizeof *order), k = 0;
		struct rel_release *newest = NULL;
		unsigned long last = 0;

		/* In the flow's order, as its newest release has it; the
		 * environments it no longer has after, by name. */
		if (rel_product_last(p, &last, &err) == 0 && last)
			rel_release_load(p, last, &newest, NULL);
		for (size_t e = 0; order && newest && e < newest->nenvs; e++)
			for (size_t i = 0; i < live.n; i++)
				if (!strcmp(live.env[i], newest->envs[e].name))
					order[k++] = i + 1;
		for (size_t i = 0; order && i < live.n; i++) {
			int seen = 0;

			for (size_t j = 0; j < k; j++)
				seen |= order[j] == i + 1;
			if (!seen)
				order[k++] = i + 1;
		}
		rel_release_free(newest);
		for (size_t o = 0; o < (order ? k : live.n); o++) {
			size_t i = order ? order[o] - 1 : o;
			struct rel_envlog log;
			const struct rel_env_run *run;
			char t[REL_TIME_MAX];

			if (x->env && strcmp(x->env, live.env[i]))
				continue;
			if (rel_envlog_load(p, live.env[i], &log, &err)) {
				complain(x, &err);
				continue;
			}
			if ((run = rel_envlog_live(&log))) {
				rel_time_format(run->ended, 0, t);
				rel_sink_row(&x->sink, (const char *const[]){
				    live.env[i], run->release, t, run->how,
				    run->who, p->name, rollback_state(&log) },
				    7, 0);
			}
			rel_envlog_free(&log);
		}
		free(order);
	} else if (x->mode == M_ENV_HISTORY) {
		struct rel_envlog log;

		if (rel_envlog_load(p, x->env, &log, &err)) {
			complain(x, &err);
		} else {
			size_t shown = 0, m = log.nmarks;

			for (size_t i = log.n; i > 0 || m > 0; ) {
				const struct rel_env_run *run = i ? &log.v[i - 1] :
				    NULL;
				const struct rel_env_freeze *fz = m ?
				    &log.marks[m - 1] : NULL;
				char t[REL_TIME_MAX];

				/* Newest first: a freeze or a lift among the
				 * runs, at its time (not with --status). */
				if (fz && (!run || fz->time > (run->ended ?
				    run->ended : run->started))) {
					m--;
					if (x->have_want)
						continue;
					if (x->limit && shown >= x->limit) {
						x->more = 1;
						break;
					}
					shown++;
					env_mark(x, fz);
					continue;
				}
				i--;
				if (!rel_status_in((int)run->status, want(x)))
					continue;
				if (x->limit && shown >= x->limit) {
					x->more = 1;
					break;
				}
				shown++;
				rel_time_format(run->ended ? run->ended :
				    run->started, 0, t);
				rel_sink_row(&x->sink, (const char *const[]){ t,
				    x->env, run->release,
				    rel_status_name(run->status), run->how,
				    run->who, run->previous, run->why }, 8,
				    1u << 3);
			}
			rel_envlog_free(&log);
		}
	} else if (x->mode == M_SUMMARY && x->sink.format == REL_FMT_TSV &&
	    !x->have_want && !x->limit) {
		/* The whole product as TSV: from the cached listing while the
		 * index has not changed since it was made, else made (and
		 * kept, if nothing in it runs: a running release is looked
		 * at closer each time, in case its runner died). */
		uint64_t gen = rel_index_generation(p);
		int served;

		flush_out(x, 1);
		fflush(stdout);
		if ((served = rel_index_cached_listing(p, 1)) < 0)
			raise_rc(x, REL_ESYS);
		if (!served) {
			x->hold = 1;
			x->saw_running = 0;
			if ((rc = rel_release_list(p, 0, NULL, list_line, &l,
			    &err)) != 0)
				complain(x, &err);
			if (!rc && !x->saw_running && !x->out.oom)
				rel_index_save_listing(p, gen, x->out.s,
				    x->out.len);
			x->hold = 0;
			flush_out(x, 1);
		}
	} else if ((rc = rel_release_list(p, x->limit ? x->limit + 1 : 0,
	    x->mode == M_SUMMARY ? want(x) : NULL, list_line, &l, &err)) != 0) {
		complain(x, &err);
	}
	rel_livemap_free(&live);
}

/* Open the product of an operand, a product or a release id (whose
 * number goes to *n; 0 for a product).  Complains when it cannot. */
static int
open_operand(struct ctx *x, const char *name, struct rel_product *p,
    unsigned long *n)
{
	char product[REL_NAME_MAX + 1];
	struct rel_err err;
	int id = rel_id_like(name), rc;

	*n = 0;
	/* It reads as an id: a bad one is a bad id, not a product. */
	if (id) {
		if ((rc = rel_id_parse(name, product, n, &err))) {
			complain(x, &err);
			return rc;
		}
	}
	if ((rc = rel_product_open(&x->c->st, id ? product : name, 0, p, &err))) {
		if (rc == REL_ENOTFOUND && id)
			rel_err_set(&err, REL_ENOTFOUND,
			    "no release '%s' (no product '%s' in %s)",
			    name, product, x->c->st.root);
		else if (rc == REL_ENOTFOUND && rel_name_ok(name))
			rel_err_set(&err, REL_ENOTFOUND,
			    "no product or release '%s' in %s", name,
			    x->c->st.root);
		complain(x, &err);
	} else if (*n && (rc = rel_release_stray(p, *n, &err))) {
		/* A record far beyond the releases is no release. */
		complain(x, &err);
		rel_product_close(p);
	}
	return rc;
}

static void
show_operand(struct ctx *x, const char *name)
{
	struct rel_product p;
	struct rel_release *r;
	struct rel_livemap live;
	struct rel_err err;
	unsigned long n;

	if (open_operand(x, name, &p, &n))
		return;
	if (!n || x->mode == M_LIVE || x->mode == M_ENV_HISTORY ||
	    x->mode == M_FROZEN) {
		show_product(x, &p);
	} else if (load(x, &p, n, &r, &err)) {
		complain(x, &err);
	} else {
		if (rel_livemap_load(&p, &live, &err))
			complain(x, &err);
		else
			show_release(x, &p, r, &live);
		rel_livemap_free(&live);
		rel_release_free(r);
	}
	rel_product_close(&p);
}

/* --- all products, newest first ---------------------------------- */

struct merged {
	char *line;
	size_t len;
	unsigned long n;
	size_t prod;
	int64_t created;
};

struct collect {
	struct merged *v;
	size_t n, cap, prod;
	size_t limit;
	const int *want;
};

static int
collect_line(const struct rel_product *p, unsigned long n, int64_t created,
    const char *line, size_t len, void *arg)
{
	struct collect *c = arg;
	struct merged *m;

	(void)p;
	if (c->limit && c->n >= c->limit + 1)
		return 1;
	if (REL_GROW(c->v, c->n + 1, c->cap) < 0)
		return -1;
	m = &c->v[c->n];
	if (!(m->line = malloc(len + 1)))
		return -1;
	memcpy(m->line, line, len);
	m->line[len] = '\0';
	m->len = len;
	m->n = n;
	m->prod = c->prod;
	m->created = created;
	c->n++;
	return 0;
}

static int
newest_first(const void *a, const void *b)
{
	const struct merged *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? 1 : -1;
	if (x->prod != y->prod)
		return x->prod < y->prod ? -1 : 1;
	return x->n < y->n ? 1 : x->n > y->n ? -1 : 0;
}

static void
show_all(struct ctx *x)
{
	char (*names)[REL_NAME_MAX + 1];
	struct rel_err err;
	size_t n;

	if (rel_store_products(&x->c->st, &names, &n, &err)) {
		complain(x, &err);
		return;
	}
	if (n <= 1 || x->mode != M_SUMMARY) {
		for (size_t i = 0; i < n; i++)
			show_operand(x, names[i]);
		free(names);
		return;
	}
	{
		struct collect c = { NULL, 0, 0, 0, x->limit, want(x) };
		struct rel_product *prods = calloc(n, sizeof *prods);
		struct rel_livemap *lives = calloc(n, sizeof *lives);
		size_t shown = 0;

		for (size_t i = 0; prods && lives && i < n; i++) {
			prods[i].dir = -1;
			if (rel_product_open(&x->c->st, names[i], 0, &prods[i],
			    &err) || rel_livemap_load(&prods[i], &lives[i],
			    &err)) {
				complain(x, &err);
				continue;
			}
			c.prod = i;
			if (rel_release_list(&prods[i], 0, c.want, collect_line,
			    &c, &err))
				complain(x, &err);
		}
		if (c.n)
			qsort(c.v, c.n, sizeof *c.v, newest_first);
		for (size_t i = 0; i < c.n; i++) {
			struct listing l = { x, &lives[c.v[i].prod], 0 };

			if (x->limit && shown >= x->limit) {
				x->more = 1;
				break;
			}
			shown++;
			list_line(&prods[c.v[i].prod], c.v[i].n, c.v[i].created,
			    c.v[i].line, c.v[i].len, &l);
		}
		for (size_t i = 0; i < c.n; i++)
			free(c.v[i].line);
		free(c.v);
		for (size_t i = 0; prods && lives && i < n; i++) {
			if (prods[i].dir >= 0)
				rel_product_close(&prods[i]);
			rel_livemap_free(&lives[i]);
		}
		free(prods);
		free(lives);
	}
	free(names);
}

/* --- --check ----------------------------------------------------- */

static void
check_note(const char *product, const char *id, int fixed, const char *what,
    void *arg)
{
	rel_cmd_warn(arg, "check: %s%s%s: %s%s", product, *id ? " " : "", id,
	    fixed ? "fixed: " : "", what);
}

/* Columns: product releases transitions env-runs problems fixed stale;
 * then the same for "total" (in JSON, product null). */
static void
check_line(struct ctx *x, const char *name, const struct rel_check *c)
{
	if (x->sink.format == REL_FMT_JSON) {
		struct rel_json j;

		rel_json_init(&j, &x->out);
		rel_json_open(&j, NULL, '{');
		rel_json_str(&j, "product", name);
		rel_json_int(&j, "releases", (long long)c->releases);
		rel_json_int(&j, "transitions", (long long)c->transitions);
		rel_json_int(&j, "env_runs", (long long)c->env_runs);
		rel_json_int(&j, "problems", (long long)c->problems);
		rel_json_int(&j, "fixed", (long long)c->fixed);
		rel_json_int(&j, "stale", (long long)c->stale);
		rel_json_close(&j);
		rel_buf_addc(&x->out, '\n');
	} else {
		rel_buf_addf(&x->out, "%s\t%zu\t%zu\t%zu\t%zu\t%zu\t%zu\n",
		    name ? name : "total", c->releases, c->transitions,
		    c->env_runs, c->problems, c->fixed, c->stale);
	}
	flush_out(x, 1);
}

static int
check(struct ctx *x, char **names_in, int nnames)
{
	char (*names)[REL_NAME_MAX + 1] = NULL;
	struct rel_check total;
	struct rel_err err;
	size_t n = 0;
	int rc = 0;

	memset(&total, 0, sizeof total);
	if (nnames == 0 && (rc = rel_store_products(&x->c->st, &names, &n, &err))) {
		complain(x, &err);
		return rc;
	}
	for (size_t i = 0; i < (nnames ? (size_t)nnames : n); i++) {
		const char *name = nnames ? names_in[i] : names[i];
		struct rel_product p;
		struct rel_check c;

		memset(&c, 0, sizeof c);
		if ((rc = rel_product_open(&x->c->st, name, 0, &p, &err))) {
			complain(x, &err);
			continue;
		}
		if ((rc = rel_check_product(&p, &c, check_note, x->c, &err)))
			complain(x, &err);
		check_line(x, name, &c);
		total.releases += c.releases;
		total.transitions += c.transitions;
		total.env_runs += c.env_runs;
		total.problems += c.problems;
		total.fixed += c.fixed;
		total.stale += c.stale;
		rel_product_close(&p);
	}
	free(names);
	check_line(x, NULL, &total);
	if (x->out.oom)
		raise_rc(x, REL_ESYS);
	if (total.problems)
		raise_rc(x, REL_ESYS);
	return x->c->rc;
}

/* --- --format prom --------------------------------------------- */

static int
prom(struct ctx *x, char **names_in, int nnames)
{
	char (*names)[REL_NAME_MAX + 1] = NULL;
	struct rel_prom *pr = rel_prom_new();
	struct rel_err err;
	size_t n = 0;

	if (!pr)
		return rel_cmd_failf(x->c, REL_ESYS, "out of memory");
	if (nnames == 0 && rel_store_products(&x->c->st, &names, &n, &err))
		complain(x, &err);
	for (size_t i = 0; i < (nnames ? (size_t)nnames : n); i++) {
		struct rel_product p;

		if (rel_product_open(&x->c->st, nnames ? names_in[i] : names[i], 0,
		    &p, &err)) {
			complain(x, &err);
			continue;
		}
		if (rel_prom_add(pr, &p, &err))
			complain(x, &err);
		rel_product_close(&p);
	}
	free(names);
	/* All or nothing: a scrape of half a file is worse than none. */
	rel_prom_finish(pr, &x->out);
	if (!x->c->rc)
		flush_out(x, 1);
	return x->c->rc;
}

/* --- --format html --------------------------------------------- */

static void
html_warn(const char *msg, void *arg)
{
	rel_cmd_warn(arg, "%s", msg);
}

/* One page for the operands (names, n), or every product if there are
 * none (names NULL); written only whole. */
static int
html(struct ctx *x, char **names, size_t n, unsigned long refresh)
{
	char (*all)[REL_NAME_MAX + 1] = NULL;
	const char **list = NULL;
	struct rel_html h = { .out = &x->out, .limit = x->limit_given ?
	    x->limit : REL_HTML_LIMIT, .want = want(x), .now = rel_now_ms(),
	    .warn = html_warn, .warn_arg = x->c };
	struct rel_err err;

	if (!names && rel_store_products(&x->c->st, &all, &n, &err))
		complain(x, &err);
	if (n && !(list = calloc(n, sizeof *list))) {
		free(all);
		return rel_cmd_failf(x->c, REL_ESYS, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		list[i] = names ? names[i] : all[i];
	rel_html_begin(&h, list, n, refresh);
	for (size_t i = 0; i < n; i++) {
		struct rel_product p;
		unsigned long num;

		if (open_operand(x, list[i], &p, &num))
			continue;
		if ((num ? rel_html_release(&h, &p, num, &err) :
		    rel_html_product(&h, &p, &err)))
			complain(x, &err);
		rel_product_close(&p);
	}
	rel_html_end(&h);
	free(list);
	free(all);
	if (x->out.oom && !x->c->rc)
		rel_cmd_failf(x->c, REL_ESYS, "out of memory");
	/* All or nothing, as for prom: cron moves a page into place only
	 * when it is whole. */
	if (!x->c->rc)
		flush_out(x, 1);
	return x->c->rc;
}

/* The modes and formats that do not go together (said without the
 * usage: it is not the synopsis that is wrong). */
static int
bad_usage(struct rel_cmd *c, const struct ctx *x, int views, int history,
    int html, int refresh)
{
	if (html && (views || x->env))
		return rel_cmd_failf(c, REL_EUSAGE, "--format html shows "
		    "releases whole: no --envs, --steps, --live, --graph, "
		    "--history, --frozen or --env");
	if (refresh && !html)
		return rel_cmd_failf(c, REL_EUSAGE, "--refresh goes with "
		    "--format html");
	if (views > 1 && !(history && x->env))
		return rel_cmd_failf(c, REL_EUSAGE, "--envs, --steps, --live, "
		    "--graph, --history and --frozen go one at a time");
	if (x->mode == M_GRAPH && x->sink.format == REL_FMT_JSON)
		return rel_cmd_failf(c, REL_EUSAGE, "--graph draws a picture: "
		    "no --format json");
	return 0;
}

/* The rows of the view: their JSON keys; a table's header and width. */
static void
begin_view(struct ctx *x)
{
	static const char *const *keys[] = { NULL, rel_envs_keys,
		rel_steps_keys, rel_history_keys, rel_envhist_keys,
		rel_live_keys, NULL, NULL, rel_frozen_keys };
	static const char *const *headers[] = { rel_summary_header,
		rel_envs_header, rel_steps_header, rel_history_header,
		rel_envhist_header, rel_live_header, NULL, NULL,
		rel_frozen_header };
	static const size_t cols[] = { 7, 6, 11, 7, 8, 7, 0, 0, 8 };

	x->sink.keys = keys[x->mode];
	if (x->sink.format == REL_FMT_TABLE && x->mode != M_DETAIL &&
	    x->mode != M_GRAPH) {
		rel_table_init(&x->table, cols[x->mode], 1);
		rel_table_row(&x->table, headers[x->mode]);
		if (!x->limit_given && x->mode == M_SUMMARY)
			x->limit = 20;
	}
}

/* The table under the rows, and what the limit left out. */
static void
end_view(struct ctx *x)
{
	if (x->sink.format == REL_FMT_TABLE && x->mode != M_DETAIL &&
	    x->mode != M_GRAPH && x->table.nrows > 1)
		rel_table_render(&x->table, x->sink.color, &x->out);
	if (x->more && x->sink.format == REL_FMT_TABLE)
		rel_buf_addf(&x->out, "%s(older releases not shown: -n 0 shows "
		    "all)%s\n", x->sink.color ? "\033[2m" : "",
		    x->sink.color ? "\033[0m" : "");
	flush_out(x, 1);
	rel_table_free(&x->table);
	if (x->out.oom)
		raise_rc(x, REL_ESYS);
}

static int
show_item(struct rel_cmd *c, const char *name, void *arg)
{
	(void)c;
	show_operand(arg, name);
	return 0;
}

int
main(int argc, char **argv)
{
	struct rel_cmd c;
	struct ctx x = { .c = &c };
	const char *f, *arg;
	int envs = 0, steps = 0, live = 0, history = 0, graph = 0, frozen = 0;
	int do_check = 0, from, o;
	unsigned long lim, refresh = 0;

	rel_cmd_init(&c, "rel-status", usage, opts, argc, argv);
	while ((o = rel_cmd_next(&c, &arg)) > 0) {
		switch (o) {
		case O_ENVS: envs = 1; break;
		case O_STEPS: steps = 1; break;
		case O_LIVE: live = 1; break;
		case O_HISTORY: history = 1; break;
		case O_GRAPH: graph = 1; break;
		case O_FROZEN: frozen = 1; break;
		case O_CHECK: do_check = 1; break;
		case O_STATUS:
			if (parse_statuses(&x, arg, &c.err))
				rel_cmd_bad(&c, &c.err);
			break;
		case O_ENV:
			if (rel_name_check("environment", arg, &c.err))
				rel_cmd_bad(&c, &c.err);
			x.env = arg;
			break;
		case O_LIMIT:
			if (rel_cli_uint("-n", arg, &lim, &c.err))
				rel_cmd_bad(&c, &c.err);
			x.limit = lim;
			x.limit_given = 1;
			break;
		case O_REFRESH:
			if (rel_cli_uint("--refresh", arg, &refresh, &c.err))
				rel_cmd_bad(&c, &c.err);
			break;
		}
	}
	f = c.format ? c.format : rel_cli_tty(1) ? "table" : "tsv";
	x.sink.format = !strcmp(f, "json") ? REL_FMT_JSON :
	    !strcmp(f, "table") ? REL_FMT_TABLE : REL_FMT_TSV;
	x.mode = frozen ? M_FROZEN : graph ? M_GRAPH : live ? M_LIVE :
	    history && x.env ?
	    M_ENV_HISTORY : history ? M_HISTORY : steps ? M_STEPS :
	    envs || x.env ? M_ENVS : M_SUMMARY;
	if (o < 0 || bad_usage(&c, &x, envs + steps + live + history + graph +
	    frozen, history, !strcmp(f, "html"), refresh != 0) || rel_cmd_open(&c, 0))
		return rel_cmd_end(&c);
	x.sink.color = x.sink.format == REL_FMT_TABLE && rel_cmd_color(&c, 1);
	x.sink.out = &x.out;
	x.sink.table = &x.table;
	x.color_graph = rel_cmd_color(&c, 1);
	if (do_check)
		check(&x, c.operands, c.noperands);
	else if (!strcmp(f, "prom"))
		prom(&x, c.operands, c.noperands);
	else if ((from = rel_cmd_items(&c)) < 0)
		;
	else if (!strcmp(f, "html"))
		html(&x, from == REL_ITEMS_GIVEN ? (c.noperands ? c.operands :
		    c.items) : NULL, c.noperands ? (size_t)c.noperands :
		    c.nitems, refresh);
	else {
		/* One release in a table: show all of it. */
		if (x.mode == M_SUMMARY && x.sink.format == REL_FMT_TABLE &&
		    (size_t)c.noperands + c.nitems == 1 && rel_id_ok(c.noperands ?
		    c.operands[0] : c.items[0]))
			x.mode = M_DETAIL;
		begin_view(&x);
		if (from == REL_ITEMS_GIVEN)
			rel_cmd_each(&c, show_item, &x);
		else
			show_all(&x);
		end_view(&x);
	}
	rel_buf_free(&x.out);
	return rel_cmd_end(&c);
}
