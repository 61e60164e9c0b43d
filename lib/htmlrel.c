/*
 * htmlrel.c - a release's section of the web page, and the environments'
 * histories (see htmlrel.h).
 *
 * Every string from the store goes out through rel_buf_add_html (here:
 * esc); the few that become attributes (ids, an output's http(s) URL) are
 * quoted with double quotes, which it escapes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "envlog.h"
#include "htmlrel.h"
#include "logfile.h"
#include "logview.h"
#include "svgflow.h"
#include "when.h"

#define LOG_KEEP (256 * 1024)   /* bytes of a log held while reading it */
#define LOG_LINE_MAX 2000       /* bytes of a log line shown */

static void
esc(struct rel_buf *o, const char *s)
{
	rel_buf_add_html(o, s);
}

/* --- the environments' histories -------------------------------------- */

struct rel_html_env *
rel_html_env_add(struct rel_html_envs *s, const char *name)
{
	struct rel_html_env *v;

	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	if (!(v = realloc(s->v, (s->n + 1) * sizeof *v)))
		return NULL;
	s->v = v;
	v = &s->v[s->n++];
	memset(v, 0, sizeof *v);
	snprintf(v->name, sizeof v->name, "%s", name);
	return v;
}

const struct rel_html_env *
rel_html_env_get(const struct rel_html_envs *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

int
rel_html_envs_load(struct rel_product *p, struct rel_html_envs *s,
    struct rel_err *err)
{
	for (size_t i = 0; i < s->n; i++) {
		struct rel_html_env *e = &s->v[i];
		const struct rel_env_run *run;
		struct rel_envlog log;
		int rc;

		if (e->loaded)
			continue;
		if ((rc = rel_envlog_load(p, e->name, &log, err)))
			return rc;
		e->loaded = 1;
		if ((run = rel_envlog_live(&log)))
			snprintf(e->live, sizeof e->live, "%s", run->release);
		if (log.n) {
			run = &log.v[log.n - 1];
			snprintf(e->last, sizeof e->last, "%s", run->release);
			e->last_status = run->status;
			snprintf(e->how, sizeof e->how, "%s", run->how);
			snprintf(e->who, sizeof e->who, "%s", run->who);
			e->when = run->ended ? run->ended : run->started;
		}
		rel_envlog_free(&log);
	}
	return 0;
}

void
rel_html_envs_free(struct rel_html_envs *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* --- pieces ------------------------------------------------------------ */

void
rel_html_time(struct rel_buf *o, int64_t ms, int seconds)
{
	char t[REL_TIME_MAX];

	if (ms <= 0)
		return;
	rel_time_format(ms, 0, t);
	/* 2026-11-21T23:34:41Z shown as 2026-11-21 23:34:41 */
	rel_buf_addf(o, "<time datetime=\"%s\">%.10s %.*s</time>", t, t,
	    seconds ? 8 : 5, t + 11);
}

static void
status_td(struct rel_buf *o, enum rel_status s)
{
	rel_buf_addf(o, "<td class=\"st s-%s\">%s</td>", rel_status_name(s),
	    rel_status_name(s));
}

/* Attempt, start and duration cells. */
static void
run_tds(struct rel_buf *o, int attempt, int64_t started, int64_t finished,
    int64_t now)
{
	char el[32] = "";

	if (attempt)
		rel_buf_addf(o, "<td>%d</td><td>", attempt);
	else
		rel_buf_adds(o, "<td></td><td>");
	rel_html_time(o, started, 1);
	if (started)
		rel_elapsed_format((finished ? finished : now) - started, el,
		    sizeof el);
	rel_buf_addf(o, "</td><td>%s</td>", el);
}

/* An output's value: a link when it is an http or https URL, else text
 * (javascript:, data: and the like never become links).  In the href,
 * what a URL may not hold (blanks, quotes, <>, \^`{|}, controls, bytes
 * past ASCII) is %-encoded, as a browser would; & and ' are then escaped
 * for the attribute. */
static void
output_value(struct rel_buf *o, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";

	if (!strncasecmp(v, "https://", 8) || !strncasecmp(v, "http://", 7)) {
		rel_buf_adds(o, "<a href=\"");
		for (const unsigned char *p = (const unsigned char *)v; *p; p++)
			if (*p <= 0x20 || *p >= 0x7f || strchr("\"<>\\^`{|}", *p))
				rel_buf_addf(o, "%%%c%c", hex[*p >> 4],
				    hex[*p & 15]);
			else if (*p == '&')
				rel_buf_adds(o, "&amp;");
			else if (*p == '\'')
				rel_buf_adds(o, "&#39;");
			else
				rel_buf_addc(o, (char)*p);
		rel_buf_adds(o, "\">");
		esc(o, v);
		rel_buf_adds(o, "</a>");
	} else {
		esc(o, v);
	}
}

static void
facts(struct rel_buf *o, const struct rel_release *r)
{
	rel_buf_adds(o, "<dl>\n<dt>created</dt><dd>");
	rel_html_time(o, r->created, 1);
	rel_buf_adds(o, " by ");
	esc(o, r->by);
	rel_buf_adds(o, "</dd>\n");
	if (*r->rev) {
		rel_buf_adds(o, "<dt>rev</dt><dd><code>");
		esc(o, r->rev);
		rel_buf_adds(o, "</code>");
		if (*r->repo) {
			rel_buf_adds(o, " in <code>");
			esc(o, r->repo);
			rel_buf_adds(o, "</code>");
		}
		rel_buf_adds(o, "</dd>\n");
	}
	rel_buf_adds(o, "<dt>artifacts</dt><dd>");
	for (size_t i = 0; i < r->nartifacts; i++) {
		rel_buf_adds(o, i ? ", <code>" : "<code>");
		esc(o, r->artifacts[i].component);
		rel_buf_addc(o, '=');
		esc(o, r->artifacts[i].version);
		rel_buf_adds(o, "</code>");
	}
	rel_buf_adds(o, "</dd>\n");
	if (r->attempt > 1)
		rel_buf_addf(o, "<dt>attempt</dt><dd>%d</dd>\n", r->attempt);
	if (r->timeout) {
		char d[32];

		rel_duration_format(r->timeout, d, sizeof d);
		rel_buf_addf(o, "<dt>timeout</dt><dd>%s</dd>\n", d);
	}
	if (r->term != REL_PENDING) {
		rel_buf_addf(o, "<dt>%s</dt><dd>", rel_status_name(r->term));
		rel_html_time(o, r->term_time, 1);
		rel_buf_adds(o, " by ");
		esc(o, r->term_by);
		if (*r->term_why) {
			rel_buf_adds(o, ": ");
			esc(o, r->term_why);
		}
		rel_buf_adds(o, "</dd>\n");
	}
	if (r->noutputs) {
		rel_buf_adds(o, "<dt>outputs</dt><dd><ul class=\"plain\">");
		for (size_t i = 0; i < r->noutputs; i++) {
			rel_buf_adds(o, "<li>");
			esc(o, r->outputs[i].object);
			rel_buf_adds(o, ": ");
			esc(o, r->outputs[i].key);
			rel_buf_adds(o, " = ");
			output_value(o, r->outputs[i].value);
			rel_buf_adds(o, "</li>");
		}
		rel_buf_adds(o, "</ul></dd>\n");
	}
	rel_buf_adds(o, "</dl>\n");
}

/* The flow of r with its own statuses, for a page about r alone. */
static void
flow(struct rel_buf *o, const struct rel_release *r,
    const struct rel_html_envs *envs)
{
	struct rel_svgflow_box *box = calloc(r->nenvs, sizeof *box);
	char (*live)[REL_HTML_LINE] = calloc(r->nenvs, sizeof *live);
	char label[REL_ID_MAX + 32];

	if (!box || !live) {
		o->oom = 1;
		goto out;
	}
	for (size_t i = 0; i < r->nenvs; i++) {
		const struct rel_html_env *e = rel_html_env_get(envs,
		    r->envs[i].name);

		box[i].has_status = 1;
		box[i].status = r->envs[i].status;
		box[i].line1 = rel_status_name(r->envs[i].status);
		snprintf(live[i], sizeof live[i], "live: %s",
		    !e || !e->live[0] ? "-" : strcmp(e->live, r->id) ?
		    e->live : "this release");
		box[i].line2 = live[i];
	}
	snprintf(label, sizeof label, "The flow of %s", r->id);
	rel_buf_adds(o, "<figure>\n<div class=\"scroll\">");
	rel_svgflow(r, box, label, o);
	rel_buf_adds(o, "</div>\n</figure>\n");
out:
	free(box);
	free(live);
}

/* --- the environments and steps ---------------------------------------- */

/* The transition that started env's current promotion, or NULL. */
static const struct rel_transition *
promotion(const struct rel_release *r, const char *env)
{
	for (size_t i = r->ntr; i > 0; i--)
		if (!strcmp(r->tr[i - 1].to, "running") &&
		    !strcmp(r->tr[i - 1].object, env))
			return &r->tr[i - 1];
	return NULL;
}

static void
env_row(struct rel_buf *o, const struct rel_release *r, size_t i,
    const struct rel_html_envs *envs, int64_t now)
{
	const struct rel_env *e = &r->envs[i];
	const struct rel_html_env *h = rel_html_env_get(envs, e->name);
	const struct rel_transition *t = promotion(r, e->name);

	rel_buf_adds(o, "<tr class=\"env\"><th scope=\"row\">");
	esc(o, e->name);
	rel_buf_adds(o, "</th>");
	status_td(o, e->status);
	run_tds(o, e->attempt, e->started, e->finished, now);
	rel_buf_adds(o, "<td>");
	if (t)
		esc(o, t->who);
	rel_buf_addf(o, "</td><td class=\"text\">%s",
	    e->trigger == REL_TRIGGER_MANUAL ? "manual" : "auto");
	for (size_t k = 0; k < e->nneeds; k++) {
		rel_buf_adds(o, k ? ", " : ", after ");
		esc(o, r->envs[e->needs[k]].name);
	}
	if (e->started && strcmp(e->how, "promote")) {
		rel_buf_adds(o, ", ");
		esc(o, e->how);
	}
	if (h && h->live[0] && !strcmp(h->live, r->id))
		rel_buf_adds(o, "; <span class=\"live\">live</span> here");
	else if (h && h->live[0]) {
		rel_buf_adds(o, "; live: ");
		esc(o, h->live);
	}
	if (t && *t->why) {
		rel_buf_adds(o, "; promoted: ");
		esc(o, t->why);
	}
	if (*e->why && !(t && !strcmp(t->why, e->why))) {
		rel_buf_adds(o, "; ");
		esc(o, e->why);
	}
	rel_buf_adds(o, "</td></tr>\n");
}

static void
step_rows(struct rel_buf *o, const struct rel_release *r,
    const struct rel_env *e, int64_t now)
{
	for (size_t j = 0; j < e->nsteps; j++) {
		const struct rel_step *s = &e->steps[j];

		for (size_t k = 0; k < s->nruns; k++) {
			const struct rel_step_run *run = &s->runs[k];
			int per = s->nruns > 1 || s->kind == REL_STEP_ACTION ||
			    s->kind == REL_STEP_VERIFY;

			rel_buf_adds(o, "<tr><td class=\"step\">");
			esc(o, s->name);
			if (per && k < r->nartifacts) {
				rel_buf_addc(o, ' ');
				esc(o, r->artifacts[k].component);
			}
			rel_buf_adds(o, "</td>");
			status_td(o, run->status);
			run_tds(o, run->attempt, run->started, run->finished,
			    now);
			rel_buf_adds(o, "<td></td><td class=\"text\">");
			if (s->kind == REL_STEP_VERIFY && run->tries > 1)
				rel_buf_addf(o, "try %d%s", run->tries,
				    *run->why ? "; " : "");
			esc(o, run->why);
			rel_buf_adds(o, "</td></tr>\n");
		}
	}
}

/* --- the tails of failed logs ------------------------------------------ */

/* Where the last `lines` lines of b start (a last line without its
 * newline counts); 0 when b has no more than that. */
static size_t
tail_start(const struct rel_buf *b, size_t lines)
{
	size_t i = b->len, n = 0;

	if (i && b->s[i - 1] == '\n')
		i--;
	for (; i > 0; i--)
		if (b->s[i - 1] == '\n' && ++n == lines)
			break;
	return i;
}

struct tail {
	struct rel_buf b;
	int cut;                /* lines before the kept ones were dropped */
};

static int
tail_take(const char *data, size_t len, void *arg)
{
	struct tail *t = arg;

	rel_buf_add(&t->b, data, len);
	if (t->b.len > LOG_KEEP) {
		size_t from = tail_start(&t->b, REL_HTML_LOG_LINES);

		if (from == 0)  /* a few lines of a quarter MiB */
			from = t->b.len - LOG_KEEP / 4;
		memmove(t->b.s, t->b.s + from, t->b.len - from);
		t->b.len -= from;
		t->b.s[t->b.len] = '\0';
		t->cut = 1;
	}
	if (t->b.oom) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* A log's text as the page shows it: without the escape sequences that
 * colour a terminal (CSI, OSC), a carriage return before a newline
 * dropped, each line at most LOG_LINE_MAX bytes. */
static void
log_text(struct rel_buf *o, const char *s, size_t len)
{
	const char *end = s + len;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *le = nl ? nl : end, *p = s, *run = s;
		size_t shown = 0;

		if (le > s && le[-1] == '\r')
			le--;
		while (p < le && shown < LOG_LINE_MAX) {
			if (*p == '\033' && p + 1 < le &&
			    (p[1] == '[' || p[1] == ']')) {
				const char *q = p + 2;

				rel_buf_add_html_n(o, run, (size_t)(p - run));
				if (p[1] == '[')
					while (q < le && !(*q >= 0x40 &&
					    *q <= 0x7e))
						q++;
				else
					while (q < le && *q != '\a' &&
					    !(*q == '\033' && q + 1 < le &&
					    q[1] == '\\'))
						q++;
				p = run = q < le ? q + 1 + (*q == '\033') : le;
				continue;
			}
			p++;
			shown++;
		}
		rel_buf_add_html_n(o, run, (size_t)(p - run));
		if (p < le)
			rel_buf_adds(o, " [...]");
		rel_buf_addc(o, '\n');
		s = nl ? nl + 1 : end;
	}
}

struct logs {
	struct rel_buf *o;
	struct rel_product *p;
	const struct rel_release *r;
	const char *env;
	int dir;                /* logs/ID/ENV, -1 not opened, -2 none */
	struct rel_err err;
};

static void
failed_log(const struct rel_logref *ref, void *arg)
{
	struct logs *l = arg;
	struct tail t = { REL_BUF_INIT, 0 };
	char title[3 * REL_NAME_MAX + REL_ID_MAX + 64], path[4400], sub[400];
	size_t from;
	int rc = 0;

	if (ref->status != REL_FAILED && ref->status != REL_ERROR)
		return;
	rel_logref_title(l->r, l->env, ref, 1, title, sizeof title);
	snprintf(sub, sizeof sub, "logs/%s/%s/%s", l->r->id, l->env,
	    ref->name);
	rel_product_path(l->p, sub, path, sizeof path);
	if (l->dir == -1 && (rc = rel_log_dir(l->p, l->r->id, l->env, &l->dir,
	    &l->err)))
		l->dir = -2;
	if (l->dir >= 0)
		rc = rel_log_read(l->dir, ref->name, path, tail_take, &t,
		    &l->err);
	rel_buf_adds(l->o, "<figure>\n<figcaption>");
	if (l->dir < 0 || rc) {
		rel_buf_adds(l->o, "No log of ");
		esc(l->o, title);
		rel_buf_adds(l->o, ": ");
		esc(l->o, l->err.msg);
		rel_buf_adds(l->o, "</figcaption>\n</figure>\n");
		rel_buf_free(&t.b);
		return;
	}
	from = tail_start(&t.b, REL_HTML_LOG_LINES);
	if (t.cut || from) {
		rel_buf_addf(l->o, "The last %d lines of the log of ",
		    REL_HTML_LOG_LINES);
		esc(l->o, title);
		rel_buf_adds(l->o, "; <code>rel-log ");
		esc(l->o, l->r->id);
		rel_buf_addc(l->o, ' ');
		esc(l->o, l->env);
		rel_buf_addc(l->o, ' ');
		esc(l->o, ref->step);
		rel_buf_adds(l->o, "</code> prints it whole:");
	} else {
		rel_buf_adds(l->o, "The log of ");
		esc(l->o, title);
		rel_buf_addc(l->o, ':');
	}
	rel_buf_adds(l->o, "</figcaption>\n<pre>");
	if (t.b.len)
		log_text(l->o, t.b.s + from, t.b.len - from);
	else
		rel_buf_adds(l->o, "(empty)\n");
	rel_buf_adds(l->o, "</pre>\n</figure>\n");
	rel_buf_free(&t.b);
}

/* --- the section --------------------------------------------------------- */

void
rel_html_release_section(struct rel_buf *o, struct rel_product *p,
    const struct rel_release *r, const struct rel_html_envs *envs,
    int alone, int64_t now)
{
	int hl = alone ? 2 : 3;

	rel_buf_adds(o, "<section class=\"release\" id=\"");
	esc(o, r->id);
	rel_buf_addf(o, "\">\n<h%d><a href=\"#", hl);
	esc(o, r->id);
	rel_buf_adds(o, "\">");
	esc(o, r->id);
	rel_buf_addf(o, "</a> <span class=\"st s-%s\">%s</span>%s</h%d>\n",
	    rel_status_name(r->status), rel_status_name(r->status),
	    r->hotfix ? " <span class=\"hotfix\">hotfix</span>" : "", hl);
	if (*r->message) {
		rel_buf_adds(o, "<p>");
		esc(o, r->message);
		rel_buf_adds(o, "</p>\n");
	}
	facts(o, r);
	if (alone)
		flow(o, r, envs);
	rel_buf_adds(o, "<div class=\"scroll\">\n<table class=\"steps\">\n"
	    "<thead><tr><th scope=\"col\">environment, step</th>"
	    "<th scope=\"col\">status</th><th scope=\"col\">attempt</th>"
	    "<th scope=\"col\">started</th><th scope=\"col\">took</th>"
	    "<th scope=\"col\">promoted by</th><th scope=\"col\">notes</th>"
	    "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < r->nenvs; i++) {
		env_row(o, r, i, envs, now);
		step_rows(o, r, &r->envs[i], now);
	}
	rel_buf_adds(o, "</tbody>\n</table>\n</div>\n");
	for (size_t i = 0; i < r->nenvs; i++) {
		struct logs l = { o, p, r, r->envs[i].name, -1, { 0, "" } };

		rel_logs_each(r, i, NULL, 0, failed_log, &l);
		if (l.dir >= 0)
			close(l.dir);
	}
	rel_buf_adds(o, "</section>\n");
}
