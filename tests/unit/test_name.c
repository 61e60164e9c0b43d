/*
 * test_name.c - names, release ids and free text (lib/name.c): what is a
 * safe path component and TSV field, what reads as a release id, and what
 * free text may hold, with the messages that say why not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "name.h"

/* rc is REL_EUSAGE and err.msg is exactly want. */
static void
expect_msg(int rc, const struct rel_err *err, const char *want)
{
	assert_int_equal(rc, REL_EUSAGE);
	assert_int_equal(err->code, REL_EUSAGE);
	assert_string_equal(err->msg, want);
}

static void
test_name_good(void **state)
{
	static const char *const good[] = { "web", "a", "Z", "0", "api-v2",
	    "A9._-x", "web.prod", "x_", "1-2" };
	struct rel_err err = { 0, "" };
	char longest[REL_NAME_MAX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_int_equal(rel_name_check("component", good[i], &err), 0);
		assert_int_equal(rel_name_ok(good[i]), 1);
	}
	memset(longest, 'n', REL_NAME_MAX);
	longest[REL_NAME_MAX] = '\0';
	assert_int_equal(rel_name_check("step", longest, &err), 0);
	assert_int_equal(rel_name_ok(longest), 1);
	/* The library tolerates a NULL err. */
	assert_int_equal(rel_name_check("step", "ok", NULL), 0);
}

static void
test_name_empty(void **state)
{
	struct rel_err err = { 0, "" };

	(void)state;
	expect_msg(rel_name_check("environment", "", &err), &err,
	    "empty environment name");
	expect_msg(rel_name_check("step", NULL, &err), &err,
	    "empty step name");
	assert_int_equal(rel_name_ok(""), 0);
	assert_int_equal(rel_name_ok(NULL), 0);
	assert_int_equal(rel_name_check("step", "", NULL), REL_EUSAGE);
}

static void
test_name_too_long(void **state)
{
	struct rel_err err = { 0, "" };
	char s[REL_NAME_MAX + 2];

	(void)state;
	memset(s, 'a', REL_NAME_MAX + 1);
	s[REL_NAME_MAX + 1] = '\0';
	assert_int_equal(rel_name_check("product", s, &err), REL_EUSAGE);
	/* The name is shortened in the message. */
	assert_non_null(strstr(err.msg, "product name 'aaaaaaaaaa"));
	assert_non_null(strstr(err.msg, "...' is too long (65 bytes, at most "
	    "64)"));
	assert_int_equal(rel_name_ok(s), 0);
}

static void
test_name_bad_start(void **state)
{
	static const char *const bad[] = { ".", "..", ".hidden", "-x", "_x",
	    " x", "/x", "\xc3\xa9t\xc3\xa9" };
	struct rel_err err = { 0, "" };

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(rel_name_check("environment", bad[i], &err),
		    REL_EUSAGE);
		assert_non_null(strstr(err.msg, "must start with a letter or "
		    "digit"));
		assert_int_equal(rel_name_ok(bad[i]), 0);
	}
	expect_msg(rel_name_check("environment", "..", &err), &err,
	    "bad environment name '..': must start with a letter or digit");
}

static void
test_name_bad_char(void **state)
{
	static const char *const bad[] = { "a/b", "a..b/", "a b", "a:b",
	    "a\tb", "a\nb", "a\x7f", "a\\b", "caf\xc3\xa9", "a*", "a$b",
	    "a;b", "a'b" };
	struct rel_err err = { 0, "" };

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(rel_name_check("step", bad[i], &err),
		    REL_EUSAGE);
		assert_int_equal(rel_name_ok(bad[i]), 0);
	}
	expect_msg(rel_name_check("environment", "qa/../etc", &err), &err,
	    "bad environment name 'qa/../etc': character 3 is not a letter, "
	    "digit, '.', '_' or '-'");
	/* Control characters never reach the message raw. */
	expect_msg(rel_name_check("step", "x\x1b[31m", &err), &err,
	    "bad step name 'x\\x1b[31m': character 2 is not a letter, digit, "
	    "'.', '_' or '-'");
	/* ".." inside a name is harmless: it is one component. */
	assert_int_equal(rel_name_check("step", "a..b", &err), 0);
}

static void
test_product_check(void **state)
{
	static const char *const good[] = { "web", "web-api", "web-1a",
	    "v2", "web-1-x", "web1", "web.-x" };
	static const char *const ids[] = { "web-1", "web-42", "1-2", "a-0",
	    "web-api-7", "web-", "web--" };
	struct rel_err err = { 0, "" };

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_int_equal(rel_product_check(good[i], &err), 0);
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		assert_int_equal(rel_product_check(ids[i], &err), REL_EUSAGE);
		assert_non_null(strstr(err.msg, "would read as a release id"));
	}
	expect_msg(rel_product_check("web-1", &err), &err,
	    "bad product name 'web-1': it must not end in '-', nor in '-' "
	    "and digits, which would read as a release id");
	/* Else web--1 would be release 1 of web-. */
	expect_msg(rel_product_check("web-", &err), &err,
	    "bad product name 'web-': it must not end in '-', nor in '-' "
	    "and digits, which would read as a release id");
	/* The name rules come first. */
	expect_msg(rel_product_check("", &err), &err, "empty product name");
	assert_int_equal(rel_product_check("a/b", &err), REL_EUSAGE);
	assert_non_null(strstr(err.msg, "bad product name 'a/b'"));
}

static void
test_id_parse_good(void **state)
{
	char product[REL_NAME_MAX + 1], id[REL_ID_MAX + 1];
	struct rel_err err = { 0, "" };
	unsigned long n = 0;

	(void)state;
	assert_int_equal(rel_id_parse("web-42", product, &n, &err), 0);
	assert_string_equal(product, "web");
	assert_int_equal(n, 42);
	assert_int_equal(rel_id_parse("web-api-7", product, &n, &err), 0);
	assert_string_equal(product, "web-api");
	assert_int_equal(n, 7);
	assert_int_equal(rel_id_parse("a-1", product, &n, &err), 0);
	assert_string_equal(product, "a");
	assert_int_equal(n, 1);
	assert_int_equal(rel_id_parse("web-999999999999", product, &n, &err),
	    0);
	assert_int_equal(n, 999999999999UL);
	/* The longest product. */
	memset(id, 'p', REL_NAME_MAX);
	snprintf(id + REL_NAME_MAX, sizeof id - REL_NAME_MAX, "-3");
	assert_int_equal(rel_id_parse(id, product, &n, &err), 0);
	assert_int_equal(strlen(product), REL_NAME_MAX);
	assert_int_equal(n, 3);
	assert_int_equal(rel_id_ok("web-1"), 1);
	assert_int_equal(rel_id_ok(id), 1);
}

static void
test_id_parse_bad(void **state)
{
	static const char *const bad[] = { "", "web", "web-", "-1", "web-0",
	    "web-01", "web-1x", "web-x1", "web--", "web-1-2", "we/b-1",
	    "web- 1", "web-+1", "web-1 ", " web-1", "web-1\n",
	    "web-9999999999999", ".web-1", "web_1", "web-1.5", "web--1" };
	char product[REL_NAME_MAX + 1], id[REL_ID_MAX + 8];
	struct rel_err err = { 0, "" };
	unsigned long n = 77;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err.code = 0;
		if (rel_id_parse(bad[i], product, &n, &err) != REL_EUSAGE)
			fail_msg("'%s' parsed as a release id", bad[i]);
		assert_int_equal(err.code, REL_EUSAGE);
		assert_int_equal(rel_id_ok(bad[i]), 0);
	}
	assert_int_equal(n, 77); /* untouched on error */
	expect_msg(rel_id_parse("web", product, &n, &err), &err,
	    "bad release id 'web': expected PRODUCT-N, such as web-42");
	/* What is wrong with the product part is said. */
	expect_msg(rel_id_parse("a\x01-1", product, &n, &err), &err,
	    "bad release id 'a\\x01-1': bad product name 'a\\x01': "
	    "character 2 is not a letter, digit, '.', '_' or '-'");
	expect_msg(rel_id_parse("web--1", product, &n, &err), &err,
	    "bad release id 'web--1': bad product name 'web-': it must not "
	    "end in '-', nor in '-' and digits, which would read as a "
	    "release id");
	expect_msg(rel_id_parse(NULL, product, &n, &err), &err,
	    "bad release id '': expected PRODUCT-N, such as web-42");
	/* A product one byte too long. */
	memset(id, 'p', REL_NAME_MAX + 1);
	snprintf(id + REL_NAME_MAX + 1, sizeof id - REL_NAME_MAX - 1, "-3");
	assert_int_equal(rel_id_parse(id, product, &n, &err), REL_EUSAGE);
	assert_non_null(strstr(err.msg, "product name is too long (65 bytes, "
	    "at most 64)"));
	assert_int_equal(rel_id_ok(NULL), 0);
	/* What reads as an id, valid or not, and what does not. */
	assert_int_equal(rel_id_like("web-1"), 1);
	assert_int_equal(rel_id_like("web-0"), 1);
	assert_int_equal(rel_id_like("web--1"), 1);
	assert_int_equal(rel_id_like("web-9999999999999"), 1);
	assert_int_equal(rel_id_like("web"), 0);
	assert_int_equal(rel_id_like("web-"), 0);
	assert_int_equal(rel_id_like("web-1x"), 0);
	assert_int_equal(rel_id_like(NULL), 0);
}

static void
test_text_check(void **state)
{
	struct rel_err err = { 0, "" };

	(void)state;
	assert_int_equal(rel_text_check("message", "fix the login bug", 1024,
	    0, &err), 0);
	assert_int_equal(rel_text_check("message", "tab\tis fine", 1024, 0,
	    &err), 0);
	assert_int_equal(rel_text_check("message", "caf\xc3\xa9 \xe2\x9c\x93 "
	    "\xf0\x9f\x98\x80", 1024, 0, &err), 0);
	assert_int_equal(rel_text_check("version", "1.0;rm -rf /", 256, 0,
	    &err), 0);
	assert_int_equal(rel_text_check("message", "", 1024, 1, &err), 0);
	assert_int_equal(rel_text_check("message", NULL, 1024, 1, &err), 0);
	expect_msg(rel_text_check("message", "", 1024, 0, &err), &err,
	    "empty message");
	expect_msg(rel_text_check("version", NULL, 1024, 0, &err), &err,
	    "empty version");
	/* Length: max is allowed, one more is not. */
	assert_int_equal(rel_text_check("reason", "12345", 5, 0, &err), 0);
	expect_msg(rel_text_check("reason", "123456", 5, 0, &err), &err,
	    "reason is too long (6 bytes, at most 5)");
	expect_msg(rel_text_check("message", "ab\ncd", 1024, 0, &err), &err,
	    "message must be one line (newline at byte 3)");
	expect_msg(rel_text_check("message", "ab\rcd", 1024, 0, &err), &err,
	    "message must be one line (newline at byte 3)");
	expect_msg(rel_text_check("message", "a\x01", 1024, 0, &err), &err,
	    "message holds a control character (0x01 at byte 2)");
	expect_msg(rel_text_check("message", "\x1b[2J", 1024, 0, &err), &err,
	    "message holds a control character (0x1b at byte 1)");
	expect_msg(rel_text_check("message", "del\x7f", 1024, 0, &err), &err,
	    "message holds a control character (0x7f at byte 4)");
	expect_msg(rel_text_check("message", "bad \xff byte", 1024, 0, &err),
	    &err, "message is not valid UTF-8");
	expect_msg(rel_text_check("message", "cut \xe2\x9c", 1024, 0, &err),
	    &err, "message is not valid UTF-8");
}

static void
test_text_c1_controls(void **state)
{
	struct rel_err err = { 0, "" };

	(void)state;
	/* U+0080..U+009F are control characters too: a terminal may take
	 * U+009B as CSI, U+0085 as a new line. */
	expect_msg(rel_text_check("message", "a\xc2\x9b" "31m", 1024, 0,
	    &err), &err,
	    "message holds a control character (U+009B at byte 2)");
	expect_msg(rel_text_check("message", "\xc2\x85", 1024, 0, &err), &err,
	    "message holds a control character (U+0085 at byte 1)");
	expect_msg(rel_text_check("message", "\xc2\x80", 1024, 0, &err), &err,
	    "message holds a control character (U+0080 at byte 1)");
	/* Their neighbours are fine. */
	assert_int_equal(rel_text_check("message", "\xc2\xa0\xc2\xa9", 1024,
	    0, &err), 0);
	assert_int_equal(rel_text_check("message", "\xc3\x85", 1024, 0,
	    &err), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_good),
		cmocka_unit_test(test_name_empty),
		cmocka_unit_test(test_name_too_long),
		cmocka_unit_test(test_name_bad_start),
		cmocka_unit_test(test_name_bad_char),
		cmocka_unit_test(test_product_check),
		cmocka_unit_test(test_id_parse_good),
		cmocka_unit_test(test_id_parse_bad),
		cmocka_unit_test(test_text_check),
		cmocka_unit_test(test_text_c1_controls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
