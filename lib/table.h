/*
 * table.h - aligned, optionally coloured tables for terminals.
 *
 * Cells are added row by row; rel_table_render pads by display width
 * (UTF-8 aware) and colours each cell by its status word when asked.
 */
#ifndef REL_TABLE_H
#define REL_TABLE_H

#include <stddef.h>

#include "buf.h"

#define REL_TABLE_COLS 12

struct rel_table {
	size_t ncols;
	size_t nrows;
	size_t cap;
	char **cells;          /* nrows * ncols, owned */
	const char **colors;   /* SGR code per cell or NULL */
	int header;            /* first row is a header (bold) */
};

void rel_table_init(struct rel_table *t, size_t ncols, int header);
void rel_table_free(struct rel_table *t);
/* Add a row of ncols cells (copied; NULL is an empty cell). */
void rel_table_row(struct rel_table *t, const char *const *cells);
/* Colour the cell in the last row. */
void rel_table_color(struct rel_table *t, size_t col, const char *sgr);
/* Render with two spaces between columns; with color, SGR codes. */
void rel_table_render(const struct rel_table *t, int color,
    struct rel_buf *out);

/* The SGR colour of a status word ("succeeded" green, "failed" red...),
 * or NULL. */
const char *rel_status_color(const char *status);
/* Display width of a UTF-8 string (one column per code point). */
size_t rel_display_width(const char *s);

#endif
