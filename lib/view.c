/*
 * view.c - progress of a promotion: plain lines or a live view.
 *
 * The live view redraws a frame in place: the cursor goes up as many
 * rows as the last frame took, and the new one is written over it, each
 * line cleared to its end, and what is below cleared.  That is exact only
 * if rows are counted as the terminal has them: so no line is let wrap
 * (each is cut to the terminal's width, escape sequences not counted,
 * wide characters counted twice), and a frame never has more lines than
 * the terminal has rows (a cursor cannot go up past the top).  The width
 * is asked for at every frame; if the terminal grew narrower, the last
 * frame's lines are counted as the rows they wrap into now.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "buf.h"
#include "table.h"
#include "view.h"
#include "when.h"

struct rel_view {
	FILE *out;
	int live, color;
	const struct rel_runner *ru; /* for the tries of a verification */
	size_t *width;       /* columns of each line of the last frame */
	size_t nlines, cap;
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
	if (v)
		free(v->width);
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

/* --- one frame, as lines ---------------------------------------------- */

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

/* Lines separated by '\n', not yet cut to any width. */
static void
draw(struct rel_view *v, const struct rel_release *r, struct rel_buf *b)
{
	size_t w = 0;

	for (size_t i = 0; i < r->nenvs; i++)
		if (strlen(r->envs[i].name) > w)
			w = strlen(r->envs[i].name);
	rel_buf_addf(b, "%s%s%s  ", v->color ? "\033[1m" : "", r->id,
	    v->color ? "\033[0m" : "");
	paint(b, v->color, r->status, 0);
	elapsed(b, r->started, rel_status_final(r->status) ? r->updated : 0);
	rel_buf_addc(b, '\n');
	for (size_t i = 0; i < r->nenvs; i++) {
		const struct rel_env *e = &r->envs[i];

		rel_buf_addf(b, "  %-*s  ", (int)w, e->name);
		paint(b, v->color, e->status, 10);
		elapsed(b, e->started, e->finished);
		if (*e->why && e->status != REL_RUNNING)
			rel_buf_addf(b, "  %s", e->why);
		rel_buf_addc(b, '\n');
		if (e->status != REL_RUNNING && e->status != REL_FAILED &&
		    e->status != REL_TERMINATED)
			continue;
		for (size_t j = 0; j < e->nsteps; j++) {
			const struct rel_step *s = &e->steps[j];

			for (size_t k = 0; k < s->nruns; k++) {
				const struct rel_step_run *run = &s->runs[k];
				char name[2 * REL_NAME_MAX + 4];
				int now, max;

				if (s->nruns > 1 || s->kind == REL_STEP_ACTION ||
				    s->kind == REL_STEP_VERIFY)
					snprintf(name, sizeof name, "%s %s",
					    s->name, r->artifacts[k].component);
				else
					snprintf(name, sizeof name, "%s", s->name);
				rel_buf_addf(b, "      %-24s ", name);
				paint(b, v->color, run->status, 10);
				elapsed(b, run->started, run->finished);
				if (run->status == REL_RUNNING && v->ru &&
				    rel_run_tries(v->ru, i, j, k, &now, &max))
					rel_buf_addf(b, "  try %d of %d", now,
					    max);
				if (*run->why)
					rel_buf_addf(b, "  %s", run->why);
				rel_buf_addc(b, '\n');
			}
		}
	}
}

/* --- fitting it to the terminal --------------------------------------- */

static void
term_size(struct rel_view *v, size_t *cols, size_t *rows)
{
	const char *c = getenv("COLUMNS"), *l = getenv("LINES");

	*cols = c && atoi(c) > 0 ? (size_t)atoi(c) : 80;
	*rows = l && atoi(l) > 0 ? (size_t)atoi(l) : 24;
#ifdef TIOCGWINSZ
	{
		struct winsize ws;

		if (ioctl(fileno(v->out), TIOCGWINSZ, &ws) == 0) {
			if (ws.ws_col > 0)
				*cols = ws.ws_col;
			if (ws.ws_row > 0)
				*rows = ws.ws_row;
		}
	}
#else
	(void)v;
#endif
}

/* Columns a character takes: 2 for the wide ones of East Asian scripts
 * and emoji, 1 for the rest (names and reasons hold no control
 * characters: they are checked when recorded). */
static size_t
columns(unsigned long c)
{
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) ||
	    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	    (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	    (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
	    (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd))
		return 2;
	return 1;
}

/* Append line[0..len) to out, cut to at most max columns (escape
 * sequences take none, and are kept whole); a cut line ends its colour.
 * Returns the columns it takes. */
static size_t
fit(struct rel_buf *out, const char *line, size_t len, size_t max)
{
	size_t i = 0, used = 0;
	int coloured = 0;

	while (i < len) {
		unsigned char ch = (unsigned char)line[i];
		unsigned long c = ch;
		size_t n = 1;

		if (ch == 0x1b && i + 1 < len && line[i + 1] == '[') {
			size_t j = i + 2;

			while (j < len && ((unsigned char)line[j] < 0x40 ||
			    (unsigned char)line[j] > 0x7e))
				j++;
			j = j < len ? j + 1 : len;
			rel_buf_add(out, line + i, j - i);
			coloured = 1;
			i = j;
			continue;
		}
		if (ch >= 0xc0) {
			n = ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : 2;
			c = ch & (0x3f >> (n - 1));
			for (size_t k = 1; k < n; k++)
				c = i + k < len ? (c << 6) |
				    ((unsigned char)line[i + k] & 0x3f) : c;
			if (i + n > len)
				n = len - i;
		}
		if (used + columns(c) > max) {
			if (coloured)
				rel_buf_adds(out, "\033[0m");
			break;
		}
		used += columns(c);
		if (ch == '\t')
			rel_buf_addc(out, ' '); /* a tab would go to a stop */
		else
			rel_buf_add(out, line + i, n);
		i += n;
	}
	return used;
}

static void
redraw(struct rel_view *v, const struct rel_release *r)
{
	struct rel_buf frame = REL_BUF_INIT, b = REL_BUF_INIT;
	size_t cols, rows, up = 0, count = 0, shown = 0;
	const char *p, *end;

	term_size(v, &cols, &rows);
	/* The rows the last frame takes now: one a line, unless the
	 * terminal grew narrower since. */
	for (size_t i = 0; i < v->nlines; i++)
		up += v->width[i] <= cols ? 1 : (v->width[i] + cols - 1) / cols;
	if (up)
		rel_buf_addf(&b, "\033[%zuA\r", up);
	draw(v, r, &frame);
	for (p = frame.s; p && *p; p = end ? end + 1 : p + strlen(p)) {
		end = strchr(p, '\n');
		count++;
	}
	if (count > v->cap) {
		size_t *nw = realloc(v->width, count * sizeof *nw);

		if (!nw)
			goto out;
		v->width = nw;
		v->cap = count;
	}
	/* Never more lines than rows: the last says how many more. */
	for (p = frame.s; p && *p && !b.oom; p = end + 1) {
		if (!(end = strchr(p, '\n')))
			end = p + strlen(p) - 1; /* not made so (draw) */
		if (count > rows - 1 && shown == rows - 2 && rows > 2) {
			char more[64];
			int n = snprintf(more, sizeof more, "  ... %zu more",
			    count - shown);

			v->width[shown++] = fit(&b, more, (size_t)n, cols - 1);
			rel_buf_adds(&b, "\033[K\n");
			break;
		}
		v->width[shown++] = fit(&b, p, (size_t)(end - p),
		    cols > 1 ? cols - 1 : 1);
		rel_buf_adds(&b, "\033[K\n");
	}
	v->nlines = shown;
	rel_buf_adds(&b, "\033[J");
	if (!b.oom) {
		fwrite(b.s, 1, b.len, v->out);
		fflush(v->out);
	}
out:
	rel_buf_free(&frame);
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
	if (v && v->live && r) {
		v->ru = NULL; /* its tasks are done */
		redraw(v, r);
	}
}

int
rel_view_run(struct rel_runner *ru, FILE *out, int color,
    volatile sig_atomic_t *hungup, enum rel_status *final,
    struct rel_err *err)
{
	int live = isatty(fileno(out));
	struct rel_view *v = rel_view_new(out, live, color);
	int rc;

	if (v)
		v->ru = ru;
	rel_run_callbacks(ru, v ? rel_view_event : NULL,
	    v && live ? rel_view_tick : NULL, v);
	rc = rel_run_execute(ru, final, err);
	if (v && !(hungup && *hungup))
		rel_view_finish(v, rel_run_release(ru));
	rel_view_free(v);
	fflush(out);
	return rc;
}
