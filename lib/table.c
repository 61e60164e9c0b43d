/*
 * table.c - text tables for people.
 */
#include <stdlib.h>
#include <string.h>

#include "table.h"

void
rel_table_init(struct rel_table *t, size_t ncols, int header)
{
	memset(t, 0, sizeof *t);
	t->ncols = ncols;
	t->header = header;
}

void
rel_table_free(struct rel_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->colors);
	memset(t, 0, sizeof *t);
}

void
rel_table_row(struct rel_table *t, const char *const *cells)
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **c = realloc(t->cells, cap * t->ncols * sizeof *c);
		const char **k;

		if (!c)
			return;
		t->cells = c;
		k = realloc(t->colors, cap * t->ncols * sizeof *k);
		if (!k)
			return;
		t->colors = k;
		t->cap = cap;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		t->cells[t->nrows * t->ncols + i] =
		    strdup(cells[i] ? cells[i] : "");
		t->colors[t->nrows * t->ncols + i] = NULL;
	}
	t->nrows++;
}

void
rel_table_color(struct rel_table *t, size_t col, const char *sgr)
{
	if (t->nrows && col < t->ncols)
		t->colors[(t->nrows - 1) * t->ncols + col] = sgr;
}

size_t
rel_display_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++) {
		if (*s == '\033' && s[1] == '[') {
			/* an SGR sequence takes no room */
			s += 2;
			while (*s && *s != 'm')
				s++;
			if (!*s)
				break;
			continue;
		}
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	}
	return w;
}

void
rel_table_render(const struct rel_table *t, int color, struct rel_buf *out)
{
	size_t width[REL_TABLE_COLS] = { 0 };
	size_t ncols = t->ncols < REL_TABLE_COLS ? t->ncols : REL_TABLE_COLS;

	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			size_t w = s ? rel_display_width(s) : 0;

			if (w > width[c])
				width[c] = w;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		size_t last = ncols;

		/* No trailing blanks: stop after the last non-empty cell. */
		while (last > 0 && !*t->cells[r * t->ncols + last - 1])
			last--;
		for (size_t c = 0; c < last; c++) {
			const char *s = t->cells[r * t->ncols + c];
			const char *sgr = t->colors[r * t->ncols + c];
			int bold = color && t->header && r == 0;

			if (bold)
				rel_buf_adds(out, "\033[1m");
			else if (color && sgr)
				rel_buf_addf(out, "\033[%sm", sgr);
			rel_buf_adds(out, s);
			if (bold || (color && sgr))
				rel_buf_adds(out, "\033[0m");
			if (c + 1 < last)
				for (size_t k = rel_display_width(s);
				    k < width[c] + 2; k++)
					rel_buf_addc(out, ' ');
		}
		rel_buf_addc(out, '\n');
	}
}

const char *
rel_status_color(const char *status)
{
	static const struct { const char *s, *sgr; } map[] = {
		{ "succeeded", "32" }, { "running", "36" },
		{ "suspended", "33" }, { "failed", "31" }, { "error", "31" },
		{ "terminating", "35" }, { "terminated", "35" },
		{ "pending", "2" }, { "skipped", "2" }, { "yes", "1" },
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(status, map[i].s))
			return map[i].sgr;
	return NULL;
}
