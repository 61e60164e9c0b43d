/*
 * show.c - the views of a release in rel-status: its rows (through a
 * sink, sink.h), its JSON object, everything about it for a person.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "show.h"
#include "when.h"

int
rel_status_in(int s, const int *want)
{
	if (!want)
		return 1;
	for (; *want >= 0; want++)
		if (*want == s)
			return 1;
	return 0;
}

static void
fmt_time(int64_t ms, char *buf)
{
	if (ms <= 0)
		strcpy(buf, "-");
	else
		rel_time_format(ms, 0, buf);
}

void
rel_show_summary_line(struct rel_sink *s, const char *line, size_t len)
{
	char *copy, *cells[7];
	size_t n = 0;
	struct rel_buf envs = REL_BUF_INIT;

	if (s->format != REL_FMT_TABLE) {
		rel_buf_add(s->out, line, len);
		rel_buf_addc(s->out, '\n');
		return;
	}
	if (!(copy = malloc(len + 1)))
		return;
	memcpy(copy, line, len);
	copy[len] = '\0';
	for (char *p = copy; n < 7; n++) {
		cells[n] = p;
		p = strchr(p, '\t');
		if (!p) {
			n++;
			break;
		}
		*p++ = '\0';
	}
	for (size_t i = 0; i < n; i++)
		rel_unescape_tsv(cells[i]);
	while (n < 7)
		cells[n++] = "";
	/* The environments read better spaced, each in its colour. */
	for (char *p = cells[6], *save = NULL, *tok = strtok_r(p, ",", &save);
	    tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		const char *sgr = eq ? rel_status_color(eq + 1) : NULL;

		if (envs.len)
			rel_buf_addc(&envs, ' ');
		if (s->color && sgr)
			rel_buf_addf(&envs, "\033[%sm%s\033[0m", sgr, tok);
		else
			rel_buf_adds(&envs, tok);
	}
	cells[6] = envs.s ? envs.s : "";
	rel_sink_row(s, (const char *const *)cells);
	rel_buf_free(&envs);
	free(copy);
}

size_t
rel_show_envs(struct rel_sink *s, const struct rel_release *r,
    const struct rel_livemap *live, const char *env, const int *want)
{
	size_t rows = 0;

	for (size_t i = 0; i < r->nenvs; i++) {
		const struct rel_env *e = &r->envs[i];
		const char *l = live ? rel_livemap_get(live, e->name) : NULL;
		char st[REL_TIME_MAX], fin[REL_TIME_MAX];

		if ((env && strcmp(env, e->name)) ||
		    !rel_status_in((int)e->status, want))
			continue;
		fmt_time(e->started, st);
		fmt_time(e->finished, fin);
		rel_sink_row(s, (const char *const[]){ r->id, e->name,
		    rel_status_name(e->status), st, fin,
		    l && !strcmp(l, r->id) ? "yes" : "no" });
		rows++;
	}
	return rows;
}

size_t
rel_show_steps(struct rel_sink *s, const struct rel_release *r,
    const char *env, const int *want)
{
	size_t rows = 0;

	for (size_t i = 0; i < r->nenvs; i++) {
		const struct rel_env *e = &r->envs[i];

		if (env && strcmp(env, e->name))
			continue;
		for (size_t j = 0; j < e->nsteps; j++) {
			const struct rel_step *st = &e->steps[j];

			for (size_t k = 0; k < st->nruns; k++) {
				const struct rel_step_run *run = &st->runs[k];
				char a[16], t1[REL_TIME_MAX], t2[REL_TIME_MAX];
				char secs[32], code[16];

				if (!rel_status_in((int)run->status, want))
					continue;
				snprintf(a, sizeof a, "%d", run->attempt);
				fmt_time(run->started, t1);
				fmt_time(run->finished, t2);
				if (run->started && run->finished)
					snprintf(secs, sizeof secs, "%.3f",
					    (double)(run->finished -
					    run->started) / 1000);
				else
					strcpy(secs, "-");
				if (run->code >= 0)
					snprintf(code, sizeof code, "%d",
					    run->code);
				else
					strcpy(code, "-");
				rel_sink_row(s, (const char *const[]){ r->id,
				    e->name, st->name, st->nruns > 1 ||
				    st->kind == REL_STEP_ACTION ||
				    st->kind == REL_STEP_VERIFY ?
				    r->artifacts[k].component : "-",
				    rel_status_name(run->status), a, t1, t2,
				    secs, code, run->why });
				rows++;
			}
		}
	}
	return rows;
}

void
rel_show_history(struct rel_sink *s, const struct rel_release *r)
{
	char t[REL_TIME_MAX];

	rel_time_format(r->created, 0, t);
	rel_sink_row(s, (const char *const[]){ t, r->id, r->by, "release", "-",
	    "pending", r->message });
	for (size_t i = 0, k = 0; i < r->ntr || k < r->nnotices; ) {
		const struct rel_transition *tr = i < r->ntr ? &r->tr[i] : NULL;
		const struct rel_notice *no = k < r->nnotices ?
		    &r->notices[k] : NULL;
		const char *what;
		char nwhat[REL_NAME_MAX + 32];

		/* A notification after the transitions up to its time: what
		 * ran on an event (ENV:notify-N), and how it went. */
		if (no && (!tr || no->time < tr->time)) {
			snprintf(nwhat, sizeof nwhat, "%s:notify-%d", no->env,
			    no->n);
			rel_time_format(no->time, 0, t);
			rel_sink_row(s, (const char *const[]){ t, r->id, no->who,
			    nwhat, no->event, no->outcome, no->why });
			k++;
			continue;
		}
		what = strcmp(tr->object, "-") ? tr->object : "release";
		rel_time_format(tr->time, 0, t);
		rel_sink_row(s, (const char *const[]){ t, r->id, tr->who, what,
		    tr->from, tr->to, tr->why });
		i++;
	}
}

static void
json_time(struct rel_json *j, const char *key, int64_t ms)
{
	char t[REL_TIME_MAX];

	if (ms > 0) {
		rel_time_format(ms, 0, t);
		rel_json_str(j, key, t);
	} else {
		rel_json_null(j, key);
	}
}

static void
json_run(struct rel_json *j, const struct rel_release *r,
    const struct rel_step *st, size_t k)
{
	const struct rel_step_run *run = &st->runs[k];

	rel_json_open(j, NULL, '{');
	rel_json_str(j, "component", st->kind == REL_STEP_ACTION ||
	    st->kind == REL_STEP_VERIFY ? r->artifacts[k].component : NULL);
	rel_json_str(j, "status", rel_status_name(run->status));
	rel_json_int(j, "attempt", run->attempt);
	json_time(j, "started", run->started);
	json_time(j, "finished", run->finished);
	if (run->started && run->finished) {
		char secs[32];

		snprintf(secs, sizeof secs, "%.3f",
		    (double)(run->finished - run->started) / 1000);
		rel_json_num(j, "seconds", secs);
	} else {
		rel_json_null(j, "seconds");
	}
	if (run->code >= 0)
		rel_json_int(j, "code", run->code);
	else
		rel_json_null(j, "code");
	if (st->kind == REL_STEP_VERIFY)
		rel_json_int(j, "tries", run->tries);
	rel_json_str(j, "reason", run->why);
	rel_json_close(j);
}

static void
json_output(struct rel_json *j, const struct rel_output *o)
{
	char where[3 * (REL_NAME_MAX + 1)], *step, *comp;

	snprintf(where, sizeof where, "%s", o->object);
	step = strchr(where, '/');
	if (step)
		*step++ = '\0';
	comp = step ? strchr(step, '/') : NULL;
	if (comp)
		*comp++ = '\0';
	rel_json_open(j, NULL, '{');
	rel_json_str(j, "env", where);
	rel_json_str(j, "step", step ? step : "");
	if (comp)
		rel_json_str(j, "component", comp);
	rel_json_str(j, "key", o->key);
	rel_json_str(j, "value", o->value);
	rel_json_int(j, "attempt", o->attempt);
	json_time(j, "time", o->time);
	rel_json_close(j);
}

static void
json_env(struct rel_json *j, const struct rel_release *r,
    const struct rel_env *e, const struct rel_livemap *live)
{
	const char *l = live ? rel_livemap_get(live, e->name) : NULL;

	rel_json_open(j, NULL, '{');
	rel_json_str(j, "name", e->name);
	rel_json_str(j, "status", rel_status_name(e->status));
	rel_json_str(j, "trigger", e->trigger == REL_TRIGGER_MANUAL ?
	    "manual" : "auto");
	rel_json_open(j, "needs", '[');
	for (size_t k = 0; k < e->nneeds; k++)
		rel_json_str(j, NULL, r->envs[e->needs[k]].name);
	rel_json_close(j);
	rel_json_bool(j, "live", l && !strcmp(l, r->id));
	rel_json_str(j, "live_release", l);
	rel_json_bool(j, "best_effort", e->best_effort);
	rel_json_int(j, "attempt", e->attempt);
	json_time(j, "started", e->started);
	json_time(j, "finished", e->finished);
	rel_json_str(j, "by", e->by);
	rel_json_str(j, "how", e->started ? e->how : "");
	rel_json_str(j, "reason", e->why);
	rel_json_open(j, "steps", '[');
	for (size_t i = 0; i < e->nsteps; i++) {
		const struct rel_step *st = &e->steps[i];

		rel_json_open(j, NULL, '{');
		rel_json_str(j, "name", st->name);
		rel_json_str(j, "kind", rel_step_kind_name(st->kind));
		rel_json_str(j, "status", rel_status_name(st->status));
		rel_json_open(j, "runs", '[');
		for (size_t k = 0; k < st->nruns; k++)
			json_run(j, r, st, k);
		rel_json_close(j);
		rel_json_close(j);
	}
	rel_json_close(j);
	rel_json_close(j);
}

void
rel_show_json(const struct rel_release *r, const struct rel_livemap *live,
    struct rel_buf *b)
{
	struct rel_json j;

	rel_json_init(&j, b);
	rel_json_open(&j, NULL, '{');
	rel_json_str(&j, "id", r->id);
	rel_json_str(&j, "product", r->product);
	rel_json_int(&j, "number", (long long)r->n);
	rel_json_str(&j, "status", rel_status_name(r->status));
	json_time(&j, "created", r->created);
	rel_json_str(&j, "by", r->by);
	rel_json_bool(&j, "hotfix", r->hotfix);
	rel_json_str(&j, "rev", *r->rev ? r->rev : NULL);
	rel_json_str(&j, "message", r->message);
	rel_json_int(&j, "attempt", r->attempt);
	json_time(&j, "updated", r->updated ? r->updated : r->created);
	rel_json_open(&j, "artifacts", '{');
	for (size_t i = 0; i < r->nartifacts; i++)
		rel_json_str(&j, r->artifacts[i].component,
		    r->artifacts[i].version);
	rel_json_close(&j);
	rel_json_open(&j, "outputs", '[');
	for (size_t i = 0; i < r->noutputs; i++)
		json_output(&j, &r->outputs[i]);
	rel_json_close(&j);
	if (r->term != REL_PENDING) {
		rel_json_open(&j, "terminated", '{');
		rel_json_str(&j, "by", r->term_by);
		rel_json_str(&j, "reason", r->term_why);
		json_time(&j, "time", r->term_time);
		rel_json_close(&j);
	} else {
		rel_json_null(&j, "terminated");
	}
	rel_json_open(&j, "environments", '[');
	for (size_t i = 0; i < r->nenvs; i++)
		json_env(&j, r, &r->envs[i], live);
	rel_json_close(&j);
	rel_json_close(&j);
}

static void
paint(struct rel_buf *b, int color, const char *status)
{
	const char *sgr = color ? rel_status_color(status) : NULL;

	if (sgr)
		rel_buf_addf(b, "\033[%sm%s\033[0m", sgr, status);
	else
		rel_buf_adds(b, status);
}

void
rel_show_detail(const struct rel_release *r, const struct rel_livemap *live,
    int color, struct rel_buf *b)
{
	struct rel_table t;
	char tm[REL_TIME_MAX];

	rel_buf_addf(b, "%s%s%s  ", color ? "\033[1m" : "", r->id,
	    color ? "\033[0m" : "");
	paint(b, color, rel_status_name(r->status));
	if (r->hotfix)
		rel_buf_adds(b, "  hotfix");
	rel_buf_addc(b, '\n');
	rel_time_format(r->created, 0, tm);
	rel_buf_addf(b, "  created    %s by %s\n", tm, r->by);
	if (*r->message)
		rel_buf_addf(b, "  message    %s\n", r->message);
	if (*r->rev)
		rel_buf_addf(b, "  rev        %s%s%s\n", r->rev,
		    *r->repo ? " in " : "", r->repo);
	rel_buf_adds(b, "  artifacts ");
	for (size_t i = 0; i < r->nartifacts; i++)
		rel_buf_addf(b, " %s=%s", r->artifacts[i].component,
		    r->artifacts[i].version);
	rel_buf_addc(b, '\n');
	if (r->attempt > 1)
		rel_buf_addf(b, "  attempt    %d\n", r->attempt);
	if (r->timeout) {
		char d[32];

		rel_duration_format(r->timeout, d, sizeof d);
		rel_buf_addf(b, "  timeout    %s\n", d);
	}
	if (r->term != REL_PENDING) {
		rel_time_format(r->term_time, 0, tm);
		rel_buf_addf(b, "  %-10s %s by %s%s%s\n",
		    rel_status_name(r->term), tm, r->term_by,
		    *r->term_why ? ": " : "", r->term_why);
	}
	for (size_t i = 0; i < r->noutputs; i++)
		rel_buf_addf(b, "  %s %s: %s=%s\n", i ? "          " : "outputs   ",
		    r->outputs[i].object, r->outputs[i].key,
		    r->outputs[i].value);
	rel_buf_addc(b, '\n');

	rel_table_init(&t, 7, 1);
	rel_table_row(&t, (const char *const[]){ "ENV / STEP", "STATUS",
	    "ATTEMPT", "STARTED", "TIME", "LIVE", "NOTE" });
	for (size_t i = 0; i < r->nenvs; i++) {
		const struct rel_env *e = &r->envs[i];
		const char *l = live ? rel_livemap_get(live, e->name) : NULL;
		char a[16] = "", el[32] = "", st[REL_TIME_MAX] = "", note[512];
		struct rel_buf needs = REL_BUF_INIT;

		for (size_t k = 0; k < e->nneeds; k++)
			rel_buf_addf(&needs, "%s%s", k ? "," : "",
			    r->envs[e->needs[k]].name);
		snprintf(note, sizeof note, "%s%s%s%s%s%s",
		    e->trigger == REL_TRIGGER_MANUAL ? "manual" : "auto",
		    needs.len ? ", after " : "", needs.len ? needs.s : "",
		    e->started && strcmp(e->how, "promote") ? ", " : "",
		    e->started && strcmp(e->how, "promote") ? e->how : "",
		    "");
		if (*e->why) {
			size_t nl = strlen(note);

			snprintf(note + nl, sizeof note - nl, "; %s", e->why);
		}
		if (e->attempt)
			snprintf(a, sizeof a, "%d", e->attempt);
		if (e->started) {
			rel_time_format(e->started, 0, st);
			rel_elapsed_format((e->finished ? e->finished :
			    rel_now_ms()) - e->started, el, sizeof el);
		}
		rel_table_row(&t, (const char *const[]){ e->name,
		    rel_status_name(e->status), a, st, el,
		    l ? (!strcmp(l, r->id) ? "yes" : l) : "", note });
		rel_table_color(&t, 1, rel_status_color(
		    rel_status_name(e->status)));
		rel_buf_free(&needs);
		for (size_t j = 0; j < e->nsteps; j++) {
			const struct rel_step *s = &e->steps[j];

			for (size_t k = 0; k < s->nruns; k++) {
				const struct rel_step_run *run = &s->runs[k];
				char name[2 * REL_NAME_MAX + 8];
				char why[300] = "";

				if (s->nruns > 1 || s->kind == REL_STEP_ACTION ||
				    s->kind == REL_STEP_VERIFY)
					snprintf(name, sizeof name, "  %s %s",
					    s->name, r->artifacts[k].component);
				else
					snprintf(name, sizeof name, "  %s",
					    s->name);
				a[0] = el[0] = st[0] = '\0';
				if (run->attempt)
					snprintf(a, sizeof a, "%d", run->attempt);
				if (run->started) {
					rel_time_format(run->started, 0, st);
					rel_elapsed_format((run->finished ?
					    run->finished : rel_now_ms()) -
					    run->started, el, sizeof el);
				}
				if (s->kind == REL_STEP_VERIFY && run->tries > 1)
					snprintf(why, sizeof why, "try %d%s%s",
					    run->tries, *run->why ? "; " : "",
					    run->why);
				else
					snprintf(why, sizeof why, "%s", run->why);
				rel_table_row(&t, (const char *const[]){ name,
				    rel_status_name(run->status), a, st, el,
				    "", why });
				rel_table_color(&t, 1, rel_status_color(
				    rel_status_name(run->status)));
			}
		}
	}
	rel_table_render(&t, color, b);
	rel_table_free(&t);
}
