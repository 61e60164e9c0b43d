/*
 * buf.c - growable buffers and the escaping of TSV fields (records and
 * machine output).  JSON has its writer, json.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "utf8.h"

void
rel_buf_free(struct rel_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

void
rel_buf_reset(struct rel_buf *b)
{
	b->len = 0;
	if (b->cap)
		b->s[0] = '\0';
}

int
rel_buf_grow(struct rel_buf *b, size_t extra)
{
	size_t need, cap;
	char *s;

	if (b->oom)
		return -1;
	if (extra > (size_t)-1 / 2 - b->len) {
		b->oom = 1;
		return -1;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	s = realloc(b->s, cap);
	if (!s) {
		b->oom = 1;
		return -1;
	}
	b->s = s;
	b->cap = cap;
	b->s[b->len] = '\0';
	return 0;
}

int
rel_grow(void *pv, size_t *cap, size_t n, size_t size)
{
	size_t ncap = *cap ? *cap : 8;
	void *v, *nv;

	if (n <= *cap)
		return 0;
	while (ncap < n) {
		if (ncap > (size_t)-1 / 2)
			return -1;
		ncap *= 2;
	}
	if (size && ncap > (size_t)-1 / size)
		return -1;
	memcpy(&v, pv, sizeof v);
	if (!(nv = realloc(v, ncap * size)))
		return -1;
	memcpy(pv, &nv, sizeof nv);
	*cap = ncap;
	return 0;
}

void
rel_buf_add(struct rel_buf *b, const void *p, size_t n)
{
	if (rel_buf_grow(b, n) < 0)
		return;
	if (n)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
rel_buf_adds(struct rel_buf *b, const char *s)
{
	rel_buf_add(b, s, strlen(s));
}

void
rel_buf_addc(struct rel_buf *b, char c)
{
	rel_buf_add(b, &c, 1);
}

void
rel_buf_addvf(struct rel_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || rel_buf_grow(b, (size_t)n) < 0) {
		b->oom = 1;
		return;
	}
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
rel_buf_addf(struct rel_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rel_buf_addvf(b, fmt, ap);
	va_end(ap);
}

void
rel_buf_add_tsv(struct rel_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *run = p;

	for (; *p; p++) {
		char e = 0;

		switch (*p) {
		case '\\': e = '\\'; break;
		case '\t': e = 't'; break;
		case '\n': e = 'n'; break;
		case '\r': e = 'r'; break;
		default:
			if (*p >= 0x20 && *p != 0x7f)
				continue;
		}
		rel_buf_add(b, run, (size_t)(p - run));
		run = p + 1;
		if (e) {
			char esc[2] = { '\\', e };
			rel_buf_add(b, esc, 2);
		} else {
			char esc[4] = { '\\', 'x', hex[*p >> 4], hex[*p & 15] };
			rel_buf_add(b, esc, 4);
		}
	}
	rel_buf_add(b, run, (size_t)(p - run));
}

int
rel_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
rel_unescape_tsv(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (*s != '\\') {
			*w++ = *s;
			continue;
		}
		switch (*++s) {
		case '\\': *w++ = '\\'; break;
		case 't': *w++ = '\t'; break;
		case 'n': *w++ = '\n'; break;
		case 'r': *w++ = '\r'; break;
		case 'x': {
			int hi = rel_hexval(s[1]), lo = hi < 0 ? -1 : rel_hexval(s[2]);

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			*w++ = (char)(hi << 4 | lo);
			s += 2;
			break;
		}
		default:
			return -1;
		}
	}
	*w = '\0';
	return 0;
}

void
rel_buf_add_html_n(struct rel_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	const unsigned char *run = p;
	unsigned long cp;

	while (p < end) {
		const char *ref;
		size_t n = 1;

		switch (*p) {
		case '&': ref = "&amp;"; break;
		case '<': ref = "&lt;"; break;
		case '>': ref = "&gt;"; break;
		case '"': ref = "&quot;"; break;
		case '\'': ref = "&#39;"; break;
		case '\t':
		case '\n':
			p++;
			continue;
		default:
			if (*p >= 0x20 && *p < 0x7f) {
				p++;
				continue;
			}
			/* Valid UTF-8 but for the C1 controls (U+0080 to
			 * U+009F, encoded C2 80 to C2 9F); the sequence must
			 * end before `end`, which need not be a NUL. */
			ref = "\xef\xbf\xbd"; /* U+FFFD */
			if (*p >= 0x80 && (n = rel_utf8_decode((const char *)p,
			    (size_t)(end - p), &cp)) != 0 && cp >= 0xa0) {
				p += n;
				continue;
			}
			if (n == 0)
				n = 1;
		}
		rel_buf_add(b, run, (size_t)(p - run));
		rel_buf_adds(b, ref);
		p += n;
		run = p;
	}
	rel_buf_add(b, run, (size_t)(p - run));
}

void
rel_buf_add_html(struct rel_buf *b, const char *s)
{
	rel_buf_add_html_n(b, s, strlen(s));
}
