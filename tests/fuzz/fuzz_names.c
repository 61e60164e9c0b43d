/*
 * fuzz_names.c - names, release ids, free text, durations, times and TSV
 * escapes (lib/name.c, lib/when.c, lib/buf.c): every check that stands
 * between a command line or a record and a path, a field or a line.
 *
 * The input is split on NUL bytes; each piece, as a C string, goes
 * through every parser.  Promises checked:
 * - a name that passes is a safe path component ([A-Za-z0-9][A-Za-z0-9._-]*,
 *   at most REL_NAME_MAX bytes), and rel_name_ok agrees with
 *   rel_name_check; a product also passes as a name and never reads as a
 *   release id;
 * - a release id that parses is PRODUCT-N with a valid product, and
 *   printing it back gives the same text;
 * - free text that passes is one line of valid UTF-8 without controls;
 * - a duration that parses is within (0, REL_DURATION_LIMIT] and its
 *   formatted form parses to the same seconds;
 * - a time that parses, once formatted (when it can be), parses back to
 *   the same milliseconds;
 * - escaping any string for TSV and unescaping gives it back, and a field
 *   that unescapes is never longer than it was;
 * - every error message is one printable line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "json.h"
#include "name.h"
#include "utf8.h"
#include "when.h"

static void
check_err(int rc, const struct rel_err *err)
{
	FUZZ_CHECK(rc == REL_EUSAGE && err->code == REL_EUSAGE);
	FUZZ_CHECK(err->msg[0] != '\0');
	FUZZ_CHECK(fuzz_printable(err->msg));
}

static int
safe_name(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > REL_NAME_MAX)
		return 0;
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") != len)
		return 0;
	return s[0] != '.' && s[0] != '_' && s[0] != '-';
}

static void
names(const char *s)
{
	struct rel_err err;
	int rc;

	rc = rel_name_check("environment", s, &err);
	if (rc == 0) {
		FUZZ_CHECK(safe_name(s));
		FUZZ_CHECK(strcmp(s, "..") && strcmp(s, ".") &&
		    !strchr(s, '/'));
	} else {
		check_err(rc, &err);
	}
	FUZZ_CHECK(rel_name_ok(s) == (rc == 0));
	/* A NULL err is allowed, and changes nothing. */
	FUZZ_CHECK(rel_name_check("component", s, NULL) == rc);

	rc = rel_product_check(s, &err);
	if (rc == 0) {
		FUZZ_CHECK(rel_name_ok(s));
		FUZZ_CHECK(!rel_id_ok(s));
	} else {
		check_err(rc, &err);
	}
}

static void
ids(const char *s)
{
	char product[REL_NAME_MAX + 1], back[REL_ID_MAX + 32];
	unsigned long n = 0;
	struct rel_err err;
	int rc;

	memset(product, 'x', sizeof product);
	rc = rel_id_parse(s, product, &n, &err);
	FUZZ_CHECK(rel_id_ok(s) == (rc == 0));
	if (rc != 0) {
		check_err(rc, &err);
		return;
	}
	FUZZ_CHECK(n >= 1);
	FUZZ_CHECK(rel_product_check(product, NULL) == 0);
	snprintf(back, sizeof back, "%s-%lu", product, n);
	FUZZ_CHECK(strcmp(back, s) == 0);
	FUZZ_CHECK(strlen(s) <= REL_ID_MAX);
}

static void
text(const char *s)
{
	static const size_t max[] = { 0, 1, 64, REL_VERSION_MAX, REL_TEXT_MAX };
	struct rel_err err;

	for (size_t i = 0; i < sizeof max / sizeof max[0]; i++) {
		int rc = rel_text_check("message", s, max[i], (int)(i & 1),
		    &err);

		if (rc != 0) {
			check_err(rc, &err);
			continue;
		}
		FUZZ_CHECK(strlen(s) <= max[i] || !*s);
		FUZZ_CHECK(*s || (i & 1));
		FUZZ_CHECK(rel_utf8_ok(s));
		FUZZ_CHECK(!strchr(s, '\n') && !strchr(s, '\r'));
		for (const char *p = s; *p; p++)
			FUZZ_CHECK((unsigned char)*p >= 0x20 || *p == '\t');
		FUZZ_CHECK(!strchr(s, 0x7f));
		for (const char *p = s; *p; p++)
			FUZZ_CHECK((unsigned char)p[0] != 0xc2 ||
			    (unsigned char)p[1] < 0x80 ||
			    (unsigned char)p[1] > 0x9f);
	}
}

static void
durations(const char *s)
{
	char f[64];
	long secs = -1, again = -1;
	struct rel_err err;
	int rc;

	rc = rel_duration_parse("timeout", s, &secs, &err);
	if (rc != 0) {
		check_err(rc, &err);
		return;
	}
	FUZZ_CHECK(secs > 0 && secs <= REL_DURATION_LIMIT);
	rel_duration_format(secs, f, sizeof f);
	FUZZ_CHECK(rel_duration_parse("timeout", f, &again, NULL) == 0);
	FUZZ_CHECK(again == secs);
	rel_elapsed_format((int64_t)secs * 1000, f, sizeof f);
}

static void
times(const char *s)
{
	char f[REL_TIME_MAX];
	int64_t ms, again;

	if (rel_time_parse(s, &ms) != 0)
		return;
	for (int with_ms = 0; with_ms < 2; with_ms++) {
		rel_time_format(ms, with_ms, f);
		if (!strcmp(f, "-"))
			continue; /* before 1970 or after 9999 */
		FUZZ_CHECK(strlen(f) == (with_ms ? 24u : 20u));
		FUZZ_CHECK(rel_time_parse(f, &again) == 0);
		FUZZ_CHECK(again == (with_ms ? ms : ms - ms % 1000));
	}
}

static void
escapes(const char *s)
{
	struct rel_buf b = REL_BUF_INIT;
	size_t len = strlen(s);
	char *copy;

	/* Any string survives escaping (no tab or newline left) and back. */
	rel_buf_add_tsv(&b, s);
	FUZZ_CHECK(!b.oom);
	FUZZ_CHECK(!memchr(b.s ? b.s : "", '\t', b.len) &&
	    !memchr(b.s ? b.s : "", '\n', b.len));
	if (b.s) {
		FUZZ_CHECK(rel_unescape_tsv(b.s) == 0);
		FUZZ_CHECK(strcmp(b.s, s) == 0);
	}
	/* And a JSON string of it is valid UTF-8 with no raw control. */
	rel_buf_reset(&b);
	rel_json_quote(&b, s);
	FUZZ_CHECK(!b.oom && b.s && rel_utf8_ok(b.s));
	for (size_t i = 0; i < b.len; i++)
		FUZZ_CHECK((unsigned char)b.s[i] >= 0x20);
	rel_buf_free(&b);

	/* Unescaping the bytes themselves, in place, never grows them. */
	copy = fuzz_copy((const uint8_t *)s, len, 1);
	if (rel_unescape_tsv(copy) == 0)
		FUZZ_CHECK(strlen(copy) <= len);
	free(copy);
}

int
rel_fuzz_names(const uint8_t *data, size_t size)
{
	/* NUL-terminated pieces, each in a buffer of its own exact size. */
	size_t off = 0;

	for (;;) {
		const uint8_t *nul = memchr(data + off, '\0', size - off);
		size_t n = nul ? (size_t)(nul - (data + off)) : size - off;
		char *s = fuzz_copy(data + off, n, 1);

		names(s);
		ids(s);
		text(s);
		durations(s);
		times(s);
		escapes(s);
		free(s);
		if (!nul)
			break;
		off += n + 1;
	}
	return 0;
}

#ifndef REL_FUZZ_NO_MAIN
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return rel_fuzz_names(data, size);
}
#endif
