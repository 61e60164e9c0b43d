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

#include "check.h"
#include "cmd.h"
#include "freeze.h"
#include "graph.h"
#include "html.h"
#include "index.h"
#include "prom.h"
#include "reap.h"
#include "record.h"
#include "show.h"
#include "showenv.h"
#include "store.h"
#include "when.h"

static const char usage[] =
    "usage: rel-status [--state DIR] [-o tsv|json|table|prom|html]\n"
    "                  [-e | -s | -l | -H | -g | --frozen]\n"
    "                  [--status S[,S...]] [--env ENV] [-n N] [--refresh SECONDS]\n"
    "                  [--check] [--fetch] [-w SECONDS] [--color WHEN] [PRODUCT|RELEASE]...\n"
    "       rel-status -h | --version\n";

enum { O_ENVS = 1, O_STEPS, O_STATUS, O_ENV, O_LIVE, O_HISTORY, O_LIMIT,
	O_CHECK, O_GRAPH, O_REFRESH, O_FROZEN, O_FETCH };

static const struct rel_opt opts[] = {
	REL_OPT_STATE, REL_OPT_FORMAT("tsv|json|table|prom|html"),
	{ O_ENVS, 'e', "envs", NULL, "view",
	    "one line per release and environment" },
	{ O_STEPS, 's', "steps", NULL, "view", "one line per step run" },
	{ O_STATUS, 0, "status", "S[,S...]", "status",
	    "only releases (environments, steps) in these statuses" },
	{ O_ENV, 0, "env", "ENV", "env", "only this environment" },
	{ O_LIVE, 'l', "live", NULL, "view",
	    "what is live in each environment" },
	{ O_HISTORY, 'H', "history", NULL, "view",
	    "the transitions (with --env: the environment's runs)" },
	{ O_LIMIT, 'n', "limit", "N", NULL,
	    "at most N releases (0: all; a table: 20)" },
	{ O_CHECK, 0, "check", NULL, NULL,
	    "check the store, mend what a crash left" },
	{ O_FETCH, 0, "fetch", NULL, NULL,
	    "bring the local copy up to date with the remote first" },
	REL_OPT_WAIT,
	{ O_GRAPH, 'g', "graph", NULL, "view", "draw the flow of a release" },
	{ O_REFRESH, 0, "refresh", "SECONDS", NULL,
	    "--format html: the page reloads itself" },
	{ O_FROZEN, 0, "frozen", NULL, "view",
	    "what is frozen now, until when and why" },
	REL_OPT_COLOR, REL_OPT_END
};

enum mode { M_SUMMARY, M_ENVS, M_STEPS, M_HISTORY, M_ENV_HISTORY, M_LIVE,
	M_DETAIL, M_GRAPH, M_FROZEN };

/* The rows each mode shows (sink.h); NULL: not rows, a picture. */
static const struct rel_layout *const layouts[] = {
	[M_SUMMARY] = &rel_layout_summary, [M_ENVS] = &rel_layout_envs,
	[M_STEPS] = &rel_layout_steps, [M_HISTORY] = &rel_layout_history,
	[M_ENV_HISTORY] = &rel_layout_envhist, [M_LIVE] = &rel_layout_live,
	[M_DETAIL] = NULL, [M_GRAPH] = NULL, [M_FROZEN] = &rel_layout_frozen,
};

struct ctx {
	struct rel_cmd *c;
	enum mode mode;
	struct rel_sink sink;
	struct rel_buf out;
	const char *env;
	int want[REL_STATUS_COUNT + 1];
	int have_want;
	size_t limit;
	int limit_given;
	int more;              /* a listing was cut by the limit */
	int hold;              /* keep the output: it is being cached */
	int saw_running;       /* a listing showed a running release */
	int color_graph;       /* colour in --graph */
	struct rel_check total; /* --check */
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
show_release(struct ctx *x, struct rel_release *r,
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
	flush_out(x, 0);
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
	struct rel_release *r;
	struct rel_err err;

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
	if (load(x, p, n, &r, &err)) {
		complain(x, &err);
		return 0;
	}
	show_release(x, r, l->live);
	rel_release_free(r);
	return 0;
}

/* The whole product as TSV: from the cached listing while the index has
 * not changed since it was made, else made (and kept, if nothing in it
 * runs: a running release is looked at closer each time, in case its
 * runner died). */
static void
cached_listing(struct ctx *x, struct rel_product *p, struct listing *l)
{
	uint64_t gen = rel_index_generation(p);
	struct rel_err err;
	int served, rc;

	flush_out(x, 1);
	fflush(stdout);
	if ((served = rel_index_cached_listing(p, 1)) < 0)
		raise_rc(x, REL_ESYS);
	if (served)
		return;
	x->hold = 1;
	x->saw_running = 0;
	if ((rc = rel_release_list(p, 0, NULL, list_line, l, &err)) != 0)
		complain(x, &err);
	if (!rc && !x->saw_running && !x->out.oom)
		rel_index_save_listing(p, gen, x->out.s, x->out.len);
	x->hold = 0;
	flush_out(x, 1);
}

/* --live: what is live where, in the order of the flow. */
static void
show_live(struct ctx *x, struct rel_product *p,
    const struct rel_livemap *live)
{
	size_t *order = calloc(live->n + 1, sizeof *order);
	struct rel_err err;

	if (!order) {
		rel_cmd_failf(x->c, REL_ESYS, "out of memory");
		return;
	}
	rel_live_order(p, live, order);
	for (size_t i = 0; i < live->n; i++) {
		const char *env = live->env[order[i]];

		if ((!x->env || !strcmp(x->env, env)) &&
		    rel_show_live(&x->sink, p, env, &err))
			complain(x, &err);
	}
	free(order);
}

static void
show_product(struct ctx *x, struct rel_product *p)
{
	struct rel_livemap live;
	struct listing l = { x, &live, 0 };
	struct rel_err err;

	if (x->mode == M_FROZEN) {
		if (rel_show_frozen(&x->sink, p, x->env, rel_clock_ms(), &err))
			complain(x, &err);
		return;
	}
	if (rel_livemap_load(p, &live, &err)) {
		complain(x, &err);
		return;
	}
	if (x->mode == M_LIVE)
		show_live(x, p, &live);
	else if (x->mode == M_ENV_HISTORY) {
		if (rel_show_envhist(&x->sink, p, x->env, want(x), x->limit,
		    &x->more, &err))
			complain(x, &err);
	} else if (x->mode == M_SUMMARY && x->sink.format == REL_FMT_TSV &&
	    !x->have_want && !x->limit)
		cached_listing(x, p, &l);
	else if (rel_release_list(p, x->limit ? x->limit + 1 : 0,
	    x->mode == M_SUMMARY ? want(x) : NULL, list_line, &l, &err) != 0)
		complain(x, &err);
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
	/* What is frozen: a product with a flow and no release yet too. */
	if ((rc = !id && x->mode == M_FROZEN ?
	    rel_freeze_open(&x->c->st, name, p, &err) :
	    rel_product_open(&x->c->st, id ? product : name, 0, p, &err))) {
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
			show_release(x, r, &live);
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

	if ((x->mode == M_FROZEN ? rel_freeze_products(&x->c->st, &names, &n,
	    &err) : rel_store_products(&x->c->st, &names, &n, &err))) {
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

static int
check_one(struct rel_cmd *c, const char *name, void *arg)
{
	struct ctx *x = arg;
	struct rel_product p;
	struct rel_check k;
	struct rel_err err;

	memset(&k, 0, sizeof k);
	if (rel_product_open(&c->st, name, 0, &p, &err))
		return rel_cmd_fail(c, &err);
	if (rel_check_product(&p, &k, check_note, c, &err))
		rel_cmd_fail(c, &err);
	rel_product_close(&p);
	rel_check_row(&x->sink, name, &k);
	rel_check_add(&x->total, &k);
	flush_out(x, 1);
	return 0;
}

/* A line per product, then the total; a problem left is exit 5. */
static void
check(struct ctx *x)
{
	rel_sink_begin(&x->sink, &rel_layout_check);
	rel_cmd_products(x->c, check_one, x);
	rel_check_row(&x->sink, NULL, &x->total);
	rel_sink_end(&x->sink);
	flush_out(x, 1);
	if (x->out.oom || x->total.problems)
		raise_rc(x, REL_ESYS);
}

/* --- --format prom ------------------------------------------------- */

static int
prom_one(struct rel_cmd *c, const char *name, void *arg)
{
	struct rel_product p;
	struct rel_err err;

	if (rel_product_open(&c->st, name, 0, &p, &err))
		return rel_cmd_fail(c, &err);
	if (rel_prom_add(arg, &p, &err))
		rel_cmd_fail(c, &err);
	rel_product_close(&p);
	return 0;
}

static void
prom(struct ctx *x)
{
	struct rel_prom *pr = rel_prom_new();

	if (!pr) {
		rel_cmd_failf(x->c, REL_ESYS, "out of memory");
		return;
	}
	rel_cmd_products(x->c, prom_one, pr);
	/* All or nothing: a scrape of half a file is worse than none. */
	rel_prom_finish(pr, &x->out);
	if (!x->c->rc)
		flush_out(x, 1);
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

/* --- the command ------------------------------------------------- */

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

static int
show_item(struct rel_cmd *c, const char *name, void *arg)
{
	(void)c;
	show_operand(arg, name);
	return 0;
}

/* The releases, products or environments asked for, in the mode's view. */
static void
show(struct ctx *x, int from)
{
	struct rel_cmd *c = x->c;

	/* One release in a table: show all of it. */
	if (x->mode == M_SUMMARY && x->sink.format == REL_FMT_TABLE &&
	    (size_t)c->noperands + c->nitems == 1 && rel_id_ok(c->noperands ?
	    c->operands[0] : c->items[0]))
		x->mode = M_DETAIL;
	if (layouts[x->mode])
		rel_sink_begin(&x->sink, layouts[x->mode]);
	if (x->sink.format == REL_FMT_TABLE && x->mode == M_SUMMARY &&
	    !x->limit_given)
		x->limit = 20;
	if (from == REL_ITEMS_GIVEN)
		rel_cmd_each(c, show_item, x);
	else
		show_all(x);
	rel_sink_end(&x->sink);
	if (x->more && x->sink.format == REL_FMT_TABLE)
		rel_buf_addf(&x->out, "%s(older releases not shown: -n 0 shows "
		    "all)%s\n", x->sink.color ? "\033[2m" : "",
		    x->sink.color ? "\033[0m" : "");
	if (x->sink.format == REL_FMT_TABLE) {
		/* With a remote: how old the local copy is. */
		char age[REL_REMOTE_MAX + 96];

		if (rel_publish_age(&x->c->pub, age, sizeof age))
			rel_buf_addf(&x->out, "%s(%s)%s\n", x->sink.color ?
			    "\033[2m" : "", age, x->sink.color ? "\033[0m" : "");
	}
	flush_out(x, 1);
	if (x->out.oom)
		raise_rc(x, REL_ESYS);
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
		case O_FETCH: c.fetch = 1; break;
		case O_STATUS:
			if (rel_status_parse_list(arg, x.want, &c.err))
				rel_cmd_bad(&c, &c.err);
			x.have_want = 1;
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
	x.color_graph = rel_cmd_color(&c, 1);
	if (do_check)
		check(&x);
	else if (!strcmp(f, "prom"))
		prom(&x);
	else if ((from = rel_cmd_items(&c)) < 0)
		;
	else if (!strcmp(f, "html"))
		html(&x, from == REL_ITEMS_GIVEN ? (c.noperands ? c.operands :
		    c.items) : NULL, c.noperands ? (size_t)c.noperands :
		    c.nitems, refresh);
	else
		show(&x, from);
	rel_buf_free(&x.out);
	return rel_cmd_end(&c);
}
