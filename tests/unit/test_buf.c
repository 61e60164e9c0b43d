/*
 * test_buf.c - growable buffers and the TSV escaping (lib/buf.c): a TSV
 * field never holds a tab, a newline or a control byte and reads back to
 * exactly what was written, whatever the bytes; HTML text holds no
 * markup, no control character and no invalid UTF-8, whatever the bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "buf.h"

static void
test_buf_basics(void **state)
{
	struct rel_buf b = REL_BUF_INIT;
	size_t cap;

	(void)state;
	rel_buf_adds(&b, "abc");
	rel_buf_addc(&b, '-');
	rel_buf_add(&b, "xyz", 2);
	rel_buf_addf(&b, "%d:%s", 42, "end");
	assert_false(b.oom);
	assert_int_equal(b.len, 12);
	assert_string_equal(b.s, "abc-xy42:end");
	cap = b.cap;
	rel_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.s, "");
	assert_int_equal(b.cap, cap); /* memory kept */
	rel_buf_add(&b, "", 0);
	assert_string_equal(b.s, "");
	rel_buf_free(&b);
	assert_null(b.s);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	rel_buf_free(&b); /* twice is harmless */
	rel_buf_reset(&b); /* so is a reset of nothing */
}

static void
test_buf_grows(void **state)
{
	struct rel_buf b = REL_BUF_INIT;
	char big[10000];

	(void)state;
	memset(big, 'q', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	for (int i = 0; i < 50; i++)
		rel_buf_addf(&b, "%s|", big);
	assert_false(b.oom);
	assert_int_equal(b.len, 50 * sizeof big);
	assert_int_equal(b.s[b.len], '\0');
	assert_int_equal(b.s[sizeof big - 1], '|');
	assert_true(b.cap > b.len);
	rel_buf_free(&b);
}

static void
test_buf_oom_is_sticky(void **state)
{
	struct rel_buf b = REL_BUF_INIT;

	(void)state;
	rel_buf_adds(&b, "keep");
	assert_int_equal(rel_buf_grow(&b, (size_t)-1 / 2), -1);
	assert_true(b.oom);
	/* Later appends change nothing; the caller checks once. */
	rel_buf_adds(&b, "more");
	rel_buf_addf(&b, "%s", "more");
	assert_int_equal(rel_buf_grow(&b, 1), -1);
	assert_int_equal(b.len, 4);
	assert_string_equal(b.s, "keep");
	rel_buf_free(&b);
	assert_false(b.oom);
}

static const char *
tsv(struct rel_buf *b, const char *s)
{
	rel_buf_reset(b);
	rel_buf_add_tsv(b, s);
	assert_false(b->oom);
	return b->s ? b->s : "";
}

static void
test_tsv_escapes(void **state)
{
	struct rel_buf b = REL_BUF_INIT;

	(void)state;
	assert_string_equal(tsv(&b, ""), "");
	assert_string_equal(tsv(&b, "plain 1.0"), "plain 1.0");
	assert_string_equal(tsv(&b, "a\\b"), "a\\\\b");
	assert_string_equal(tsv(&b, "a\tb"), "a\\tb");
	assert_string_equal(tsv(&b, "a\nb"), "a\\nb");
	assert_string_equal(tsv(&b, "a\rb"), "a\\rb");
	assert_string_equal(tsv(&b, "\x01"), "\\x01");
	assert_string_equal(tsv(&b, "\x1b[31m"), "\\x1b[31m");
	assert_string_equal(tsv(&b, "\x1f\x7f"), "\\x1f\\x7f");
	assert_string_equal(tsv(&b, "caf\xc3\xa9 \xff"), "caf\xc3\xa9 \xff");
	assert_string_equal(tsv(&b, "\\t"), "\\\\t"); /* not a tab */
	assert_string_equal(tsv(&b, "end\\"), "end\\\\");
	rel_buf_free(&b);
}

static void
test_tsv_round_trip_every_byte(void **state)
{
	struct rel_buf b = REL_BUF_INIT;
	char all[256], one[2];

	(void)state;
	/* Every byte but NUL, in one field... */
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	rel_buf_add_tsv(&b, all);
	assert_false(b.oom);
	for (size_t i = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)b.s[i];

		if (c < 0x20 || c == 0x7f)
			fail_msg("control byte 0x%02x left at %zu", c, i);
	}
	assert_int_equal(rel_unescape_tsv(b.s), 0);
	assert_int_equal(strlen(b.s), 255);
	assert_memory_equal(b.s, all, 256);
	/* ...and each alone, between other text. */
	for (int i = 1; i < 256; i++) {
		char in[8];

		one[0] = (char)i;
		one[1] = '\0';
		snprintf(in, sizeof in, "<%s>", one);
		rel_buf_reset(&b);
		rel_buf_add_tsv(&b, in);
		assert_null(memchr(b.s, '\t', b.len));
		assert_null(memchr(b.s, '\n', b.len));
		assert_int_equal(rel_unescape_tsv(b.s), 0);
		assert_string_equal(b.s, in);
	}
	rel_buf_free(&b);
}

static void
test_tsv_unescape(void **state)
{
	static const char *const bad[] = { "\\", "a\\", "\\q", "\\x", "\\x1",
	    "\\xg1", "\\x1g", "\\x00", "\\0", "\\T", "\\N" };
	char s[64];

	(void)state;
	snprintf(s, sizeof s, "%s", "a\\tb\\nc\\rd\\\\e\\x1B\\x7f");
	assert_int_equal(rel_unescape_tsv(s), 0);
	assert_string_equal(s, "a\tb\nc\rd\\e\x1b\x7f");
	snprintf(s, sizeof s, "%s", "no escapes");
	assert_int_equal(rel_unescape_tsv(s), 0);
	assert_string_equal(s, "no escapes");
	snprintf(s, sizeof s, "%s", "\\xc3\\xa9");
	assert_int_equal(rel_unescape_tsv(s), 0);
	assert_string_equal(s, "\xc3\xa9");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(s, sizeof s, "%s", bad[i]);
		if (rel_unescape_tsv(s) != -1)
			fail_msg("'%s' unescaped", bad[i]);
	}
}

static const char *
html(struct rel_buf *b, const char *s, size_t len)
{
	rel_buf_reset(b);
	rel_buf_add_html_n(b, s, len);
	assert_false(b->oom);
	return b->s;
}

static void
test_html_escapes(void **state)
{
	struct rel_buf b = REL_BUF_INIT;

	(void)state;
	assert_string_equal(html(&b, "plain 1.2-x", 11), "plain 1.2-x");
	assert_string_equal(html(&b, "<img src=x onerror=alert(1)>", 28),
	    "&lt;img src=x onerror=alert(1)&gt;");
	assert_string_equal(html(&b, "\"><script>'&", 12),
	    "&quot;&gt;&lt;script&gt;&#39;&amp;");
	assert_string_equal(html(&b, "a\tb\nc", 5), "a\tb\nc");
	/* Control characters and bytes that are not UTF-8 become U+FFFD. */
	assert_string_equal(html(&b, "a\033[31mb\rc\x7f", 10),
	    "a\xef\xbf\xbd[31mb\xef\xbf\xbd" "c\xef\xbf\xbd");
	assert_string_equal(html(&b, "x\0y", 3), "x\xef\xbf\xbdy");
	assert_string_equal(html(&b, "\xc2\x85|\xc2\xa0", 5),
	    "\xef\xbf\xbd|\xc2\xa0");
	assert_string_equal(html(&b, "\xe2\x82\xac \xff\xc3", 6),
	    "\xe2\x82\xac \xef\xbf\xbd\xef\xbf\xbd");
	/* A sequence cut by the length given is not read past it. */
	assert_string_equal(html(&b, "\xe2\x82\xac", 2),
	    "\xef\xbf\xbd\xef\xbf\xbd");
	rel_buf_reset(&b);
	rel_buf_add_html(&b, "<b>");
	assert_string_equal(b.s, "&lt;b&gt;");
	rel_buf_free(&b);
}

/* Every byte, alone and after a valid lead: the result never holds a
 * markup character, a control character but tab and newline, or a
 * sequence that is not UTF-8. */
static void
test_html_every_byte(void **state)
{
	struct rel_buf b = REL_BUF_INIT;

	(void)state;
	for (int lead = 0; lead < 2; lead++)
		for (int c = 0; c < 256; c++) {
			unsigned char in[3] = { 0xc3, (unsigned char)c, 'z' };
			const unsigned char *o;

			o = (const unsigned char *)html(&b, (char *)in + !lead,
			    lead ? 3 : 2);
			for (size_t i = 0; i < b.len; i++) {
				assert_true(o[i] != '<' && o[i] != '>' &&
				    o[i] != '"' && o[i] != '\'');
				assert_true(o[i] >= 0x20 || o[i] == '\t' ||
				    o[i] == '\n');
				assert_true(o[i] != 0x7f);
			}
			assert_true(o[b.len - 1] == 'z');
			/* Valid UTF-8 with no C1 control. */
			for (size_t i = 0; i < b.len; ) {
				size_t n = o[i] < 0x80 ? 1 : o[i] >= 0xf0 ? 4 :
				    o[i] >= 0xe0 ? 3 : 2;

				assert_true(o[i] < 0x80 || (o[i] >= 0xc2 &&
				    o[i] <= 0xf4));
				for (size_t k = 1; k < n; k++)
					assert_true((o[i + k] & 0xc0) == 0x80);
				assert_false(o[i] == 0xc2 && o[i + 1] < 0xa0);
				i += n;
			}
		}
	rel_buf_free(&b);
}

static void
test_grow(void **state)
{
	struct item {
		int a;
		char b[13];
	} *v = NULL;
	size_t n = 0, cap = 0;

	(void)state;
	assert_int_equal(REL_GROW(v, n, cap), 0); /* room for none */
	assert_null(v);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(REL_GROW(v, n + 1, cap), 0);
		assert_true(cap >= n + 1);
		v[n].a = i;
		snprintf(v[n].b, sizeof v[n].b, "%d", i);
		n++;
	}
	for (int i = 0; i < 1000; i++)
		assert_int_equal(v[i].a, i);
	/* A size that would overflow fails and leaves the array alone. */
	{
		struct item *was = v;
		size_t wascap = cap;

		assert_int_equal(REL_GROW(v, (size_t)-1 / 4, cap), -1);
		assert_ptr_equal(v, was);
		assert_int_equal(cap, wascap);
		assert_int_equal(v[999].a, 999);
	}
	free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_basics),
		cmocka_unit_test(test_buf_grows),
		cmocka_unit_test(test_buf_oom_is_sticky),
		cmocka_unit_test(test_tsv_escapes),
		cmocka_unit_test(test_tsv_round_trip_every_byte),
		cmocka_unit_test(test_tsv_unescape),
		cmocka_unit_test(test_html_escapes),
		cmocka_unit_test(test_html_every_byte),
		cmocka_unit_test(test_grow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
