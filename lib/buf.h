/*
 * buf.h - a growable byte buffer, always NUL-terminated.
 *
 * The library builds lines, records and output in these.  An allocation
 * failure is remembered in the buffer (b->oom) so that callers can append
 * many pieces and check once.
 */
#ifndef REL_BUF_H
#define REL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct rel_buf {
	char *s;      /* the bytes, NUL-terminated when cap > 0 */
	size_t len;
	size_t cap;
	int oom;      /* an allocation failed: contents are incomplete */
};

#define REL_BUF_INIT { NULL, 0, 0, 0 }

void rel_buf_free(struct rel_buf *b);
void rel_buf_reset(struct rel_buf *b);          /* len = 0, keep memory */
int rel_buf_grow(struct rel_buf *b, size_t extra); /* 0 or -1 */
void rel_buf_add(struct rel_buf *b, const void *p, size_t n);
void rel_buf_adds(struct rel_buf *b, const char *s);
void rel_buf_addc(struct rel_buf *b, char c);
void rel_buf_addf(struct rel_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void rel_buf_addvf(struct rel_buf *b, const char *fmt, va_list ap);

/*
 * Growable arrays, in the manner of git's ALLOC_GROW: make room for n
 * elements in the array v whose capacity (in elements, a size_t) is cap,
 * doubling it as often as needed.  0, or -1 when memory runs out (or the
 * size would overflow), leaving v and cap as they were:
 *
 *	if (REL_GROW(l->v, l->n + 1, l->cap) < 0)
 *		return -1;
 *	l->v[l->n++] = x;
 *
 * (rel_grow copies v's pointer as a void *, which POSIX systems represent
 * alike for every object type.)
 */
#define REL_GROW(v, n, cap) ((size_t)(n) <= (cap) ? 0 : \
	rel_grow((void *)&(v), &(cap), (size_t)(n), sizeof *(v)))
int rel_grow(void *pv, size_t *cap, size_t n, size_t size);

/* Append s escaped for a TSV field or a record: backslash, tab, newline
 * and carriage return become \\ \t \n \r; other control bytes \xHH. */
void rel_buf_add_tsv(struct rel_buf *b, const char *s);

/* Append s as HTML text or the value of a quoted attribute: & < > " '
 * as character references; a byte that does not start valid UTF-8, a NUL
 * and the control characters but tab and newline (C0, DEL, C1) as
 * U+FFFD, so that a page is valid UTF-8 and markup-free whatever the
 * store holds.  The _n form takes len bytes of s, NULs included. */
void rel_buf_add_html(struct rel_buf *b, const char *s);
void rel_buf_add_html_n(struct rel_buf *b, const char *s, size_t len);

/* The value of hexadecimal digit c (either case), or -1. */
int rel_hexval(int c);

/* Undo rel_buf_add_tsv in place on a NUL-terminated field.  Returns 0,
 * or -1 on a malformed escape. */
int rel_unescape_tsv(char *s);

#endif
