/*
 * view.c - progress of a promotion: plain lines or a live view.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "table.h"
#include "view.h"
#include "when.h"

struct rel_view {
	FILE *out;
	int live, color;
	size_t lines;        /* lines drawn last time (live) */
	int64_t last;        /* monotonic ms of the last draw */
	int dirty;
};

struct rel_view *
rel_view_new(FILE *out, int live, int color)
{
	struct rel_view *v = calloc(1, sizeof *v);

	if (v) {
		v->out = out;
		v->live = live;
		v->color = color;
	}
	return v;
}

void
rel_view_free(struct rel_view *v)
{
	free(v);
}

void
rel_view_event(const struct rel_event *ev, void *arg)
{
	struct rel_view *v = arg;
	struct rel_buf b = REL_BUF_INIT;
	char t[REL_TIME_MAX];

	if (!v)
		return;
	if (v->live) {
		v->dirty = 1;
		return;
	}
	rel_time_format(ev->time, 0, t);
	rel_buf_addf(&b, "%s\t%s\t", t, ev->release);
	rel_buf_add_tsv(&b, ev->env ? ev->env : "-");
	rel_buf_addc(&b, '\t');
	rel_buf_add_tsv(&b, ev->step ? ev->step : "-");
	rel_buf_addc(&b, '\t');
	rel_buf_add_tsv(&b, ev->component ? ev->component : "-");
	rel_buf_addf(&b, "\t%s\t", rel_status_name(ev->status));
	rel_buf_add_tsv(&b, ev->why && *ev->why ? ev->why : "-");
	rel_buf_addc(&b, '\n');
	if (!b.oom) {
		fwrite(b.s, 1, b.len, v->out);
		fflush(v->out);
	}
	rel_buf_free(&b);
}

static void
paint(struct rel_buf *b, int color, enum rel_status s, int width)
{
	const char *name = rel_status_name(s);
	const char *sgr = color ? rel_status_color(name) : NULL;

	if (sgr)
		rel_buf_addf(b, "\033[%sm%-*s\033[0m", sgr, width, name);
	else
		rel_buf_addf(b, "%-*s", width, name);
}

static void
elapsed(struct rel_buf *b, int64_t start, int64_t end)
{
	char e[32];

	if (!start)
		return;
	rel_elapsed_format((end ? end : rel_now_ms()) - start, e, sizeof e);
	rel_buf_addf(b, "  %s", e);
}

static size_t
draw(struct rel_view *v, const struct rel_release *r, struct rel_buf *b)
{
	size_t lines = 0, w = 0;

	for (size_t i = 0; i < r->nenvs; i++)
		if (strlen(r->envs[i].name) > w)
			w = strlen(r->envs[i].name);
	rel_buf_addf(b, "%s%s%s  ", v->color ? "\033[1m" : "", r->id,
	    v->color ? "\033[0m" : "");
	paint(b, v->color, r->status, 0);
	elapsed(b, r->started, rel_status_final(r->status) ? r->updated : 0);
	rel_buf_adds(b, "\033[K\n");
	lines++;
	for (size_t i = 0; i < r->nenvs; i++) {
		const struct rel_env *e = &r->envs[i];

		rel_buf_addf(b, "  %-*s  ", (int)w, e->name);
		paint(b, v->color, e->status, 10);
		elapsed(b, e->started, e->finished);
		if (*e->why && e->status != REL_RUNNING)
			rel_buf_addf(b, "  %.60s", e->why);
		rel_buf_adds(b, "\033[K\n");
		lines++;
		if (e->status != REL_RUNNING && e->status != REL_FAILED &&
		    e->status != REL_TERMINATED)
			continue;
		for (size_t j = 0; j < e->nsteps; j++) {
			const struct rel_step *s = &e->steps[j];

			for (size_t k = 0; k < s->nruns; k++) {
				const struct rel_step_run *run = &s->runs[k];
				char name[2 * REL_NAME_MAX + 4];

				if (s->nruns > 1 || s->kind == REL_STEP_ACTION ||
				    s->kind == REL_STEP_VERIFY)
					snprintf(name, sizeof name, "%s %s",
					    s->name, r->artifacts[k].component);
				else
					snprintf(name, sizeof name, "%s", s->name);
				rel_buf_addf(b, "      %-24s ", name);
				paint(b, v->color, run->status, 10);
				elapsed(b, run->started, run->finished);
				if (*run->why)
					rel_buf_addf(b, "  %.50s", run->why);
				rel_buf_adds(b, "\033[K\n");
				lines++;
			}
		}
	}
	return lines;
}

static void
redraw(struct rel_view *v, const struct rel_release *r)
{
	struct rel_buf b = REL_BUF_INIT;

	if (v->lines)
		rel_buf_addf(&b, "\033[%zuA\r", v->lines);
	v->lines = draw(v, r, &b);
	rel_buf_adds(&b, "\033[J");
	if (!b.oom) {
		fwrite(b.s, 1, b.len, v->out);
		fflush(v->out);
	}
	rel_buf_free(&b);
	v->last = rel_monotonic_ms();
	v->dirty = 0;
}

void
rel_view_tick(const struct rel_release *r, void *arg)
{
	struct rel_view *v = arg;

	if (!v || !v->live)
		return;
	if (v->dirty || rel_monotonic_ms() - v->last >= 200)
		redraw(v, r);
}

void
rel_view_finish(struct rel_view *v, const struct rel_release *r)
{
	if (v && v->live && r)
		redraw(v, r);
}

int
rel_view_run(struct rel_runner *ru, FILE *out, volatile sig_atomic_t *hungup,
    enum rel_status *final, struct rel_err *err)
{
	int live = isatty(fileno(out));
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
	int color = live && !(nc && *nc) && !(term && !strcmp(term, "dumb"));
	struct rel_view *v = rel_view_new(out, live, color);
	int rc;

	rel_run_callbacks(ru, v ? rel_view_event : NULL,
	    v && live ? rel_view_tick : NULL, v);
	rc = rel_run_execute(ru, final, err);
	if (v && !(hungup && *hungup))
		rel_view_finish(v, rel_run_release(ru));
	rel_view_free(v);
	fflush(out);
	return rc;
}
