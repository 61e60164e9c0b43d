/*
 * json.h - the one JSON writer: streaming, into a rel_buf, in the manner
 * of git's json-writer.
 *
 * Values are appended as they come; the writer keeps the nesting and the
 * commas, so that no caller counts them:
 *
 *	struct rel_json j;
 *
 *	rel_json_init(&j, &out);
 *	rel_json_open(&j, NULL, '{');
 *	rel_json_str(&j, "id", r->id);
 *	rel_json_open(&j, "needs", '[');
 *	rel_json_str(&j, NULL, "dev");
 *	rel_json_close(&j);
 *	rel_json_close(&j);		-> {"id":"web-1","needs":["dev"]}
 *
 * A value takes its key inside an object, NULL inside an array or at the
 * top.  Output is compact (no spaces, no newline: JSON Lines callers add
 * the newline).  Strings are escaped by one rule, rel_json_quote's.
 * Running out of memory, or nesting deeper than REL_JSON_DEPTH, marks
 * the buffer incomplete (out->oom), to be checked once at the end.
 */
#ifndef REL_JSON_H
#define REL_JSON_H

#include "buf.h"

#define REL_JSON_DEPTH 32

struct rel_json {
	struct rel_buf *out;
	int depth;                           /* open objects and arrays */
	char close[REL_JSON_DEPTH];          /* '}' or ']' for each */
	unsigned char some[REL_JSON_DEPTH];  /* a value was written in it */
};

void rel_json_init(struct rel_json *j, struct rel_buf *out);

/* Open an object ('{') or array ('['); rel_json_close ends the last one
 * opened. */
void rel_json_open(struct rel_json *j, const char *key, char brace);
void rel_json_close(struct rel_json *j);

/* A string (NULL writes null), an integer, a boolean, null. */
void rel_json_str(struct rel_json *j, const char *key, const char *s);
void rel_json_int(struct rel_json *j, const char *key, long long v);
void rel_json_bool(struct rel_json *j, const char *key, int v);
void rel_json_null(struct rel_json *j, const char *key);
/* A number already written as JSON wants it ("12.345"), copied as is. */
void rel_json_num(struct rel_json *j, const char *key, const char *lit);

/* Append s as a JSON string, with its quotes.  The rule: '"' and '\' as
 * \" and \\; backspace, form feed, newline, carriage return and tab as
 * \b \f \n \r \t; other control characters and DEL as \u00XX; a byte
 * that does not start valid UTF-8 (utf8.h) as \ufffd, so that the output
 * is valid UTF-8 whatever the records hold. */
void rel_json_quote(struct rel_buf *b, const char *s);

#endif
