/*
 * test_json.c - the JSON writer (lib/json.c): one escaping rule that
 * gives valid JSON for any bytes (control characters escaped, invalid
 * UTF-8 replaced), and the commas and nesting kept by the writer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "json.h"

static const char *
json(struct rel_buf *b, const char *s)
{
	rel_buf_reset(b);
	rel_json_quote(b, s);
	assert_false(b->oom);
	return b->s;
}

static void
test_json_escapes(void **state)
{
	struct rel_buf b = REL_BUF_INIT;

	(void)state;
	assert_string_equal(json(&b, ""), "\"\"");
	assert_string_equal(json(&b, "web-1"), "\"web-1\"");
	assert_string_equal(json(&b, "say \"hi\""), "\"say \\\"hi\\\"\"");
	assert_string_equal(json(&b, "a\\b"), "\"a\\\\b\"");
	assert_string_equal(json(&b, "\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"");
	assert_string_equal(json(&b, "\x01\x1b\x1f"),
	    "\"\\u0001\\u001b\\u001f\"");
	assert_string_equal(json(&b, "\x7f"), "\"\\u007f\"");
	assert_string_equal(json(&b, "/ <script>"), "\"/ <script>\"");
	assert_string_equal(json(&b, "caf\xc3\xa9 \xf0\x9f\x98\x80"),
	    "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
	rel_buf_free(&b);
}

static void
test_json_every_control_byte(void **state)
{
	static const char *const named[] = { ['\b'] = "\\b", ['\t'] = "\\t",
	    ['\n'] = "\\n", ['\f'] = "\\f", ['\r'] = "\\r" };
	struct rel_buf b = REL_BUF_INIT;
	char in[4], want[16];

	(void)state;
	for (int c = 1; c < 0x20; c++) {
		in[0] = 'x';
		in[1] = (char)c;
		in[2] = 'y';
		in[3] = '\0';
		if (c < (int)(sizeof named / sizeof named[0]) && named[c])
			snprintf(want, sizeof want, "\"x%sy\"", named[c]);
		else
			snprintf(want, sizeof want, "\"x\\u%04xy\"", c);
		assert_string_equal(json(&b, in), want);
	}
	rel_buf_free(&b);
}

static void
test_json_invalid_utf8(void **state)
{
	struct rel_buf b = REL_BUF_INIT;

	(void)state;
	/* A byte that starts no valid sequence is U+FFFD, the rest kept. */
	assert_string_equal(json(&b, "a\xffz"), "\"a\\ufffdz\"");
	assert_string_equal(json(&b, "\xc3"), "\"\\ufffd\"");
	assert_string_equal(json(&b, "\xc3(\xc3\xa9"),
	    "\"\\ufffd(\xc3\xa9\"");
	assert_string_equal(json(&b, "\xed\xa0\x80"),
	    "\"\\ufffd\\ufffd\\ufffd\"");
	assert_string_equal(json(&b, "\xc0\xaf"), "\"\\ufffd\\ufffd\"");
	rel_buf_free(&b);
}

static void
test_writer(void **state)
{
	struct rel_buf b = REL_BUF_INIT;
	struct rel_json j;

	(void)state;
	rel_json_init(&j, &b);
	rel_json_open(&j, NULL, '{');
	rel_json_str(&j, "id", "web-1");
	rel_json_int(&j, "number", 1);
	rel_json_int(&j, "neg", -42);
	rel_json_bool(&j, "hotfix", 0);
	rel_json_bool(&j, "live", 1);
	rel_json_null(&j, "rev");
	rel_json_str(&j, "none", NULL);
	rel_json_num(&j, "seconds", "1.250");
	rel_json_open(&j, "empty", '[');
	rel_json_close(&j);
	rel_json_open(&j, "obj", '{');
	rel_json_close(&j);
	rel_json_open(&j, "needs", '[');
	rel_json_str(&j, NULL, "dev");
	rel_json_str(&j, NULL, "qa");
	rel_json_open(&j, NULL, '{');
	rel_json_str(&j, "k\"", "v\n");
	rel_json_close(&j);
	rel_json_close(&j);
	rel_json_close(&j);
	assert_false(b.oom);
	assert_string_equal(b.s, "{\"id\":\"web-1\",\"number\":1,"
	    "\"neg\":-42,\"hotfix\":false,\"live\":true,\"rev\":null,"
	    "\"none\":null,\"seconds\":1.250,\"empty\":[],\"obj\":{},"
	    "\"needs\":[\"dev\",\"qa\",{\"k\\\"\":\"v\\n\"}]}");
	/* A second document after the first: no comma between them. */
	rel_json_open(&j, NULL, '[');
	rel_json_close(&j);
	assert_string_equal(b.s + b.len - 3, "}[]");
	/* A close too many does nothing. */
	rel_json_close(&j);
	assert_string_equal(b.s + b.len - 3, "}[]");
	rel_buf_free(&b);
}

static void
test_writer_too_deep(void **state)
{
	struct rel_buf b = REL_BUF_INIT;
	struct rel_json j;

	(void)state;
	rel_json_init(&j, &b);
	for (int i = 0; i < REL_JSON_DEPTH; i++)
		rel_json_open(&j, NULL, '[');
	assert_false(b.oom);
	rel_json_open(&j, NULL, '[');
	assert_true(b.oom);
	rel_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_json_every_control_byte),
		cmocka_unit_test(test_json_invalid_utf8),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_writer_too_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
