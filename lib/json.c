/*
 * json.c - see json.h.
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "utf8.h"

void
rel_json_init(struct rel_json *j, struct rel_buf *out)
{
	memset(j, 0, sizeof *j);
	j->out = out;
}

/* Before a value: the comma if it is not the first at its level, and
 * its key inside an object. */
static void
value(struct rel_json *j, const char *key)
{
	if (j->depth > 0) {
		if (j->some[j->depth - 1])
			rel_buf_addc(j->out, ',');
		j->some[j->depth - 1] = 1;
	}
	if (key) {
		rel_json_quote(j->out, key);
		rel_buf_addc(j->out, ':');
	}
}

void
rel_json_open(struct rel_json *j, const char *key, char brace)
{
	if (j->depth == REL_JSON_DEPTH) {
		j->out->oom = 1;
		return;
	}
	value(j, key);
	rel_buf_addc(j->out, brace);
	j->close[j->depth] = brace == '{' ? '}' : ']';
	j->some[j->depth] = 0;
	j->depth++;
}

void
rel_json_close(struct rel_json *j)
{
	if (j->depth == 0)
		return;
	j->depth--;
	rel_buf_addc(j->out, j->close[j->depth]);
}

void
rel_json_str(struct rel_json *j, const char *key, const char *s)
{
	value(j, key);
	if (s)
		rel_json_quote(j->out, s);
	else
		rel_buf_adds(j->out, "null");
}

void
rel_json_int(struct rel_json *j, const char *key, long long v)
{
	value(j, key);
	rel_buf_addf(j->out, "%lld", v);
}

void
rel_json_bool(struct rel_json *j, const char *key, int v)
{
	value(j, key);
	rel_buf_adds(j->out, v ? "true" : "false");
}

void
rel_json_null(struct rel_json *j, const char *key)
{
	value(j, key);
	rel_buf_adds(j->out, "null");
}

void
rel_json_num(struct rel_json *j, const char *key, const char *lit)
{
	value(j, key);
	rel_buf_adds(j->out, lit);
}

void
rel_json_quote(struct rel_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *p = s, *run = s, *end = s + strlen(s);

	rel_buf_addc(b, '"');
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		unsigned long cp;
		size_t n;
		char e = 0;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			p++;
			continue;
		}
		if (c >= 0x80 && (n = rel_utf8_decode(p, (size_t)(end - p),
		    &cp)) != 0) {
			p += n;
			continue;
		}
		rel_buf_add(b, run, (size_t)(p - run));
		switch (c) {
		case '"': e = '"'; break;
		case '\\': e = '\\'; break;
		case '\b': e = 'b'; break;
		case '\f': e = 'f'; break;
		case '\n': e = 'n'; break;
		case '\r': e = 'r'; break;
		case '\t': e = 't'; break;
		}
		if (e) {
			char esc[2] = { '\\', e };

			rel_buf_add(b, esc, 2);
		} else if (c < 0x80) {
			char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4],
			    hex[c & 15] };

			rel_buf_add(b, esc, 6);
		} else {
			rel_buf_adds(b, "\\ufffd");
		}
		run = ++p;
	}
	rel_buf_add(b, run, (size_t)(p - run));
	rel_buf_addc(b, '"');
}
