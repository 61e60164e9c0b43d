/*
 * test_utf8.c - the one UTF-8 decoder (lib/utf8.c): what is valid
 * (RFC 3629: shortest form, no surrogates, nothing above U+10FFFF), the
 * code points it yields, and that it never reads past the length given.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "utf8.h"

static void
test_utf8(void **state)
{
	static const char *const good[] = {
	    "", "ascii", "\x7f",
	    "\xc2\x80", "\xdf\xbf",                 /* U+0080, U+07FF */
	    "\xe0\xa0\x80", "\xef\xbf\xbf",         /* U+0800, U+FFFF */
	    "\xed\x9f\xbf", "\xee\x80\x80",         /* around surrogates */
	    "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", /* U+10000, U+10FFFF */
	    "a\xc3\xa9z\xe2\x82\xac\xf0\x9f\x98\x80",
	};
	static const char *const bad[] = {
	    "\x80", "\xbf", "a\x80z",               /* lone continuation */
	    "\xc3", "\xe2\x82", "\xf0\x9f\x98",     /* cut short */
	    "\xc3(", "\xe2(\xac", "\xf0\x9f(\x80",  /* bad continuation */
	    "\xc0\xaf", "\xc1\xbf",                 /* overlong 2 bytes */
	    "\xe0\x80\xaf", "\xe0\x9f\xbf",         /* overlong 3 bytes */
	    "\xf0\x80\x80\xaf", "\xf0\x8f\xbf\xbf", /* overlong 4 bytes */
	    "\xed\xa0\x80", "\xed\xbf\xbf",         /* surrogates */
	    "\xf4\x90\x80\x80", "\xf7\xbf\xbf\xbf", /* above U+10FFFF */
	    "\xf8\x88\x80\x80\x80", "\xfc\x84\x80\x80\x80\x80", "\xfe", "\xff",
	};

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (!rel_utf8_ok(good[i]))
			fail_msg("good UTF-8 #%zu refused", i);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (rel_utf8_ok(bad[i]))
			fail_msg("bad UTF-8 #%zu accepted", i);
}

static void
test_decode(void **state)
{
	static const struct {
		const char *s;
		size_t n;
		unsigned long cp;
	} good[] = {
	    { "a", 1, 'a' }, { "\x7f", 1, 0x7f },
	    { "\xc2\x80", 2, 0x80 }, { "\xc3\xa9", 2, 0xe9 },
	    { "\xdf\xbf", 2, 0x7ff }, { "\xe0\xa0\x80", 3, 0x800 },
	    { "\xe2\x82\xac", 3, 0x20ac }, { "\xef\xbf\xbd", 3, 0xfffd },
	    { "\xf0\x9f\x98\x80", 4, 0x1f600 },
	    { "\xf4\x8f\xbf\xbf", 4, 0x10ffff },
	};
	unsigned long cp;

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		cp = 0;
		assert_int_equal(rel_utf8_decode(good[i].s, strlen(good[i].s),
		    &cp), good[i].n);
		assert_int_equal(cp, good[i].cp);
		/* Only its own bytes count: what follows is not read. */
		assert_int_equal(rel_utf8_decode(good[i].s, good[i].n, &cp),
		    good[i].n);
	}
	assert_int_equal(rel_utf8_decode("", 0, &cp), 0);
	assert_int_equal(rel_utf8_decode("\xc3\xa9", 0, &cp), 0);
}

static void
test_decode_stops_at_len(void **state)
{
	char *p = malloc(4);

	(void)state;
	/* A sequence cut short by the length is not one, and the bytes
	 * past it are never touched (ASan would say so). */
	assert_non_null(p);
	memcpy(p, "\xf0\x9f\x98\x80", 4);
	for (size_t len = 1; len < 4; len++) {
		unsigned long cp = 0;
		char *q = malloc(len);

		assert_non_null(q);
		memcpy(q, p, len);
		assert_int_equal(rel_utf8_decode(q, len, &cp), 0);
		free(q);
	}
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_decode_stops_at_len),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
