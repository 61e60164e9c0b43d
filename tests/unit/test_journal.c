/*
 * test_journal.c - checksummed append-only line files (lib/journal.c):
 * the line format, a checksum that catches any damaged byte, a reader
 * that skips damaged lines and a torn tail, and a writer that cuts a torn
 * tail off before it appends.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <setjmp.h>
#include <cmocka.h>

#include "journal.h"
#include "unit.h"

struct fixture {
	char dir[UNIT_DIR_MAX];
	char path[UNIT_PATH_MAX];   /* dir/journal */
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);

	if (!fx || unit_mkdtemp(fx->dir) < 0) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof fx->path, "%s/journal", fx->dir);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	int rc = unit_rm_rf(fx->dir);

	free(fx);
	return rc;
}

/* One journal line of the n fields. */
static void
line(struct rel_buf *out, size_t n, ...)
{
	const char *f[REL_JOURNAL_FIELDS + 1];
	va_list ap;

	assert_true(n <= REL_JOURNAL_FIELDS + 1);
	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		f[i] = va_arg(ap, const char *);
	va_end(ap);
	rel_journal_line(out, f, n);
	assert_false(out->oom);
}

static void
test_line_format(void **state)
{
	struct rel_buf b = REL_BUF_INIT;
	char want[64];
	unsigned long crc;

	(void)state;
	line(&b, 3, "tr", "a\tb", "c\nd");
	/* Fields escaped, then a tab and the CRC-32 of what precedes it. */
	assert_int_equal(b.len, strlen("tr\ta\\tb\tc\\nd") + 10);
	assert_memory_equal(b.s, "tr\ta\\tb\tc\\nd\t", 13);
	crc = crc32(0L, (const Bytef *)"tr\ta\\tb\tc\\nd", 12);
	snprintf(want, sizeof want, "tr\ta\\tb\tc\\nd\t%08lx\n", crc);
	assert_string_equal(b.s, want);
	/* Lines add up; a NULL field is empty. */
	line(&b, 2, "x", NULL);
	crc = crc32(0L, (const Bytef *)"x\t", 2);
	snprintf(want + strlen(want), sizeof want - strlen(want),
	    "x\t\t%08lx\n", crc);
	assert_string_equal(b.s, want);
	rel_buf_free(&b);
}

static void
test_parse_round_trip(void **state)
{
	struct rel_buf b = REL_BUF_INIT;
	struct rel_jline jl;

	(void)state;
	line(&b, 5, "out", "dev/notify", "url", "http://x/?a=1\tb\\c\nd",
	    "");
	assert_int_equal(rel_journal_parse_line(b.s, b.len - 1, &jl), 0);
	assert_int_equal(jl.n, 5);
	assert_string_equal(jl.f[0], "out");
	assert_string_equal(jl.f[1], "dev/notify");
	assert_string_equal(jl.f[2], "url");
	assert_string_equal(jl.f[3], "http://x/?a=1\tb\\c\nd");
	assert_string_equal(jl.f[4], "");
	/* A shorter line next: the fields it lacks read as empty, not as
	 * the last line's (which a reader checking f before n would see). */
	rel_buf_reset(&b);
	line(&b, 1, "rel");
	memset(jl.f, 0, sizeof jl.f);
	assert_int_equal(rel_journal_parse_line(b.s, b.len - 1, &jl), 0);
	assert_int_equal(jl.n, 1);
	assert_string_equal(jl.f[0], "rel");
	for (size_t i = 1; i < REL_JOURNAL_FIELDS; i++)
		assert_string_equal(jl.f[i], "");
	rel_buf_free(&b);
}

static void
test_parse_field_limit(void **state)
{
	struct rel_buf b = REL_BUF_INIT;
	const char *f[REL_JOURNAL_FIELDS + 1];
	struct rel_jline jl;

	(void)state;
	for (size_t i = 0; i <= REL_JOURNAL_FIELDS; i++)
		f[i] = "f";
	rel_journal_line(&b, f, REL_JOURNAL_FIELDS);
	assert_int_equal(rel_journal_parse_line(b.s, b.len - 1, &jl), 0);
	assert_int_equal(jl.n, REL_JOURNAL_FIELDS);
	rel_buf_reset(&b);
	rel_journal_line(&b, f, REL_JOURNAL_FIELDS + 1);
	assert_int_equal(rel_journal_parse_line(b.s, b.len - 1, &jl), -1);
	rel_buf_free(&b);
}

static void
test_checksum_catches_any_flip(void **state)
{
	struct rel_buf good = REL_BUF_INIT, b = REL_BUF_INIT;
	struct rel_jline jl;

	(void)state;
	line(&good, 4, "artifact", "api", "1.4.2", "x");
	/* Flip each bit of each byte (but the newline): never accepted. */
	for (size_t i = 0; i + 1 < good.len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			rel_buf_reset(&b);
			rel_buf_add(&b, good.s, good.len - 1);
			b.s[i] ^= (char)(1 << bit);
			if (rel_journal_parse_line(b.s, b.len, &jl) == 0)
				fail_msg("flipped bit %d of byte %zu accepted",
				    bit, i);
		}
	}
	rel_buf_free(&good);
	rel_buf_free(&b);
}

static void
test_parse_damaged_shapes(void **state)
{
	static const char *const bad[] = {
	    "", "x", "\t00000000", "x\t0000000", "x00000000",
	    "x\t0000000g", "x 8cdc1683",
	};
	struct rel_buf b = REL_BUF_INIT;
	struct rel_jline jl;
	char s[64];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(s, sizeof s, "%s", bad[i]);
		if (rel_journal_parse_line(s, strlen(s), &jl) != -1)
			fail_msg("'%s' accepted", bad[i]);
	}
	/* Upper-case hex is not what the writer makes. */
	line(&b, 1, "hello");
	for (size_t i = b.len - 9; i < b.len - 1; i++)
		if (b.s[i] >= 'a' && b.s[i] <= 'f')
			b.s[i] = (char)(b.s[i] - 'a' + 'A');
	assert_non_null(strpbrk(b.s + b.len - 9, "ABCDEF")); /* 3610a686 */
	assert_int_equal(rel_journal_parse_line(b.s, b.len - 1, &jl), -1);
	/* A good checksum over a bad escape is still refused. */
	rel_buf_reset(&b);
	{
		unsigned long crc = crc32(0L, (const Bytef *)"a\\qb", 4);

		rel_buf_addf(&b, "a\\qb\t%08lx", crc);
	}
	assert_int_equal(rel_journal_parse_line(b.s, b.len, &jl), -1);
	rel_buf_free(&b);
}

struct seen {
	size_t n;
	size_t lineno[8];
	char first[8][32];
	int stop_at;       /* return 7 from this call (1-based), 0: never */
};

static int
on_line(struct rel_jline *jl, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < 8);
	s->lineno[s->n] = jl->lineno;
	snprintf(s->first[s->n], sizeof s->first[0], "%s", jl->f[0]);
	s->n++;
	return (int)s->n == s->stop_at ? 7 : 0;
}

static void
test_scan_skips_damaged_middle(void **state)
{
	struct rel_buf b = REL_BUF_INIT;
	struct seen s = { 0 };
	size_t bad = 99, off;
	int torn = 99;

	(void)state;
	line(&b, 2, "one", "1");
	off = b.len;
	line(&b, 2, "two", "2");
	line(&b, 2, "three", "3");
	line(&b, 2, "four", "4");
	b.s[off + 1] ^= 0x20; /* "tWo" */
	/* A line of plain garbage, too. */
	{
		struct rel_buf all = REL_BUF_INIT;

		rel_buf_add(&all, b.s, b.len);
		rel_buf_adds(&all, "garbage without checksum\n");
		line(&all, 2, "five", "5");
		assert_int_equal(rel_journal_scan(all.s, all.len, on_line, &s,
		    &bad, &torn), 0);
		rel_buf_free(&all);
	}
	assert_int_equal(s.n, 4);
	assert_string_equal(s.first[0], "one");
	assert_string_equal(s.first[1], "three");
	assert_string_equal(s.first[2], "four");
	assert_string_equal(s.first[3], "five");
	assert_int_equal(s.lineno[0], 1);
	assert_int_equal(s.lineno[1], 3);
	assert_int_equal(s.lineno[2], 4);
	assert_int_equal(s.lineno[3], 6);
	assert_int_equal(bad, 2);
	assert_int_equal(torn, 0);
	rel_buf_free(&b);
}

static void
test_scan_ignores_torn_tail(void **state)
{
	struct rel_buf b = REL_BUF_INIT;
	struct seen s = { 0 };
	size_t bad = 99;
	int torn = 0;

	(void)state;
	line(&b, 2, "one", "1");
	line(&b, 2, "two", "2");
	/* The last line is whole but for its newline: still torn. */
	b.len--;
	b.s[b.len] = '\0';
	assert_int_equal(rel_journal_scan(b.s, b.len, on_line, &s, &bad,
	    &torn), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.first[0], "one");
	assert_int_equal(bad, 0);
	assert_int_equal(torn, 1);
	/* NULL counters are allowed; an empty journal has nothing. */
	s.n = 0;
	assert_int_equal(rel_journal_scan(b.s, 0, on_line, &s, &bad, &torn),
	    0);
	assert_int_equal(s.n, 0);
	assert_int_equal(bad, 0);
	assert_int_equal(torn, 0);
	rel_buf_free(&b);
}

static void
test_scan_stops_when_told(void **state)
{
	struct rel_buf b = REL_BUF_INIT;
	struct seen s = { 0 };

	(void)state;
	line(&b, 1, "a");
	line(&b, 1, "b");
	line(&b, 1, "c");
	s.stop_at = 2;
	assert_int_equal(rel_journal_scan(b.s, b.len, on_line, &s, NULL,
	    NULL), 7);
	assert_int_equal(s.n, 2);
	rel_buf_free(&b);
}

static int
open_rw(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	return fd;
}

static void
test_append_cuts_torn_tail(void **state)
{
	struct fixture *fx = *state;
	struct rel_buf b = REL_BUF_INIT, want = REL_BUF_INIT,
	    got = REL_BUF_INIT;
	struct rel_err err = { 0, "" };
	int fd;

	line(&b, 1, "one");
	line(&b, 1, "two");
	rel_buf_add(&want, b.s, b.len);
	rel_buf_adds(&b, "tr\t2026-01-01T00:00:00.000Z\tal"); /* torn */
	unit_write_file(fx->path, b.s, b.len);
	rel_buf_reset(&b);
	line(&b, 1, "three");
	rel_buf_add(&want, b.s, b.len);
	fd = open_rw(fx->path);
	assert_int_equal(rel_journal_append(fd, b.s, b.len, 1, fx->path,
	    &err), 0);
	assert_int_equal(close(fd), 0);
	unit_read_file(fx->path, &got);
	assert_int_equal(got.len, want.len);
	assert_string_equal(got.s, want.s);
	rel_buf_free(&b);
	rel_buf_free(&want);
	rel_buf_free(&got);
}

static void
test_append_cuts_long_torn_tail(void **state)
{
	struct fixture *fx = *state;
	struct rel_buf b = REL_BUF_INIT, want = REL_BUF_INIT,
	    got = REL_BUF_INIT;
	struct rel_err err = { 0, "" };
	int fd;

	/* A torn line longer than the 4 KiB the cutter reads at once. */
	line(&b, 1, "head");
	rel_buf_add(&want, b.s, b.len);
	for (int i = 0; i < 3000; i++)
		rel_buf_adds(&b, "xyz");
	unit_write_file(fx->path, b.s, b.len);
	rel_buf_reset(&b);
	line(&b, 1, "next");
	rel_buf_add(&want, b.s, b.len);
	fd = open_rw(fx->path);
	assert_int_equal(rel_journal_append(fd, b.s, b.len, 0, fx->path,
	    &err), 0);
	assert_int_equal(close(fd), 0);
	unit_read_file(fx->path, &got);
	assert_string_equal(got.s, want.s);
	rel_buf_free(&b);
	rel_buf_free(&want);
	rel_buf_free(&got);
}

static void
test_append_all_torn(void **state)
{
	struct fixture *fx = *state;
	struct rel_buf b = REL_BUF_INIT, got = REL_BUF_INIT;
	struct rel_err err = { 0, "" };
	int fd;

	/* No newline at all: the whole file was a write in progress. */
	for (int i = 0; i < 2000; i++)
		rel_buf_adds(&b, "torn");
	unit_write_file(fx->path, b.s, b.len);
	rel_buf_reset(&b);
	line(&b, 1, "first");
	fd = open_rw(fx->path);
	assert_int_equal(rel_journal_append(fd, b.s, b.len, 1, fx->path,
	    &err), 0);
	assert_int_equal(close(fd), 0);
	unit_read_file(fx->path, &got);
	assert_string_equal(got.s, b.s);
	rel_buf_free(&b);
	rel_buf_free(&got);
}

static void
test_append_several(void **state)
{
	struct fixture *fx = *state;
	struct rel_buf b = REL_BUF_INIT, want = REL_BUF_INIT,
	    got = REL_BUF_INIT;
	struct rel_err err = { 0, "" };
	struct seen s = { 0 };
	size_t bad = 9;
	int torn = 9, fd;

	fd = open_rw(fx->path); /* empty, new */
	line(&b, 2, "a", "1");
	line(&b, 2, "b", "2");
	line(&b, 2, "c", "3");
	rel_buf_add(&want, b.s, b.len);
	assert_int_equal(rel_journal_append(fd, b.s, b.len, 1, fx->path,
	    &err), 0);
	rel_buf_reset(&b);
	line(&b, 2, "d", "4");
	line(&b, 2, "e", "5");
	rel_buf_add(&want, b.s, b.len);
	assert_int_equal(rel_journal_append(fd, b.s, b.len, 0, fx->path,
	    &err), 0);
	assert_int_equal(close(fd), 0);
	unit_read_file(fx->path, &got);
	assert_string_equal(got.s, want.s);
	assert_int_equal(rel_journal_scan(got.s, got.len, on_line, &s, &bad,
	    &torn), 0);
	assert_int_equal(s.n, 5);
	assert_string_equal(s.first[4], "e");
	assert_int_equal(s.lineno[4], 5);
	assert_int_equal(bad, 0);
	assert_int_equal(torn, 0);
	rel_buf_free(&b);
	rel_buf_free(&want);
	rel_buf_free(&got);
}

static void
test_append_error_names_file(void **state)
{
	struct fixture *fx = *state;
	struct rel_buf b = REL_BUF_INIT, got = REL_BUF_INIT;
	struct rel_err err = { 0, "" };
	int fd;

	line(&b, 1, "kept");
	unit_write_file(fx->path, b.s, b.len);
	fd = open(fx->path, O_RDONLY | O_CLOEXEC); /* cannot write */
	assert_true(fd >= 0);
	assert_int_equal(rel_journal_append(fd, "x\n", 2, 1, fx->path, &err),
	    REL_ESYS);
	assert_int_equal(err.code, REL_ESYS);
	assert_non_null(strstr(err.msg, fx->path));
	assert_int_equal(close(fd), 0);
	unit_read_file(fx->path, &got);
	assert_string_equal(got.s, b.s);
	rel_buf_free(&b);
	rel_buf_free(&got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_format),
		cmocka_unit_test(test_parse_round_trip),
		cmocka_unit_test(test_parse_field_limit),
		cmocka_unit_test(test_checksum_catches_any_flip),
		cmocka_unit_test(test_parse_damaged_shapes),
		cmocka_unit_test(test_scan_skips_damaged_middle),
		cmocka_unit_test(test_scan_ignores_torn_tail),
		cmocka_unit_test(test_scan_stops_when_told),
		cmocka_unit_test_setup_teardown(test_append_cuts_torn_tail,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_cuts_long_torn_tail,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_all_torn,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_several,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_error_names_file,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
