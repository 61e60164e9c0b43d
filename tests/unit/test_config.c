/*
 * test_config.c - STATE/config (lib/config.c): defaults, every setting
 * parsed, every way a line can be wrong named by file and line, durations
 * with milliseconds, sizes, and rel_config_set keeping a person's lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "config.h"
#include "unit.h"

static int
parse(const char *text, struct rel_config *c, struct rel_err *err)
{
	return rel_config_parse("S/config", text, strlen(text), c, err);
}

static void
test_defaults(void **state)
{
	struct rel_config c;
	struct rel_err err;

	(void)state;
	assert_int_equal(parse("", &c, &err), 0);
	assert_string_equal(c.remote, "");
	assert_int_equal(c.lease_ms, 60000);
	assert_int_equal(c.sync_interval_ms, 2000);
	assert_int_equal(c.log_max, 16 * 1024 * 1024);
	assert_int_equal(parse("# nothing\n\n   \n", &c, &err), 0);
	assert_int_equal(c.lease_ms, REL_LEASE_DEFAULT_MS);
}

static void
test_settings(void **state)
{
	struct rel_config c;
	struct rel_err err;

	(void)state;
	assert_int_equal(parse("remote = ssh://git@h/r.git\n"
	    "  lease=3s  \n\tsync_interval = 200ms\nlog_max = 1MiB", &c, &err),
	    0);
	assert_string_equal(c.remote, "ssh://git@h/r.git");
	assert_int_equal(c.lease_ms, 3000);
	assert_int_equal(c.sync_interval_ms, 200);
	assert_int_equal(c.log_max, 1024 * 1024);
	assert_int_equal(c.contain_pgroup, 0);
	assert_int_equal(parse("contain = pgroup\n", &c, &err), 0);
	assert_int_equal(c.contain_pgroup, 1);
	assert_int_equal(parse("contain = cgroup\n", &c, &err), 0);
	assert_int_equal(c.contain_pgroup, 0);
	/* CRLF files from an editor elsewhere. */
	assert_int_equal(parse("lease = 1m30s\r\n", &c, &err), 0);
	assert_int_equal(c.lease_ms, 90000);
}

static void
test_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} v[] = {
		{ "lease 3s\n", "S/config:1: expected 'name = value'" },
		{ "\nleese = 3s\n", "S/config:2: unknown setting 'leese'" },
		{ "lease = 3s\nlease = 4s\n", "S/config:2: 'lease' is set twice" },
		{ "lease = 3\n", "S/config:1: lease '3': a number needs a unit" },
		{ "lease = 500ms\n", "must be from 1s to 1d" },
		{ "sync_interval = 10ms\n", "must be at least 50ms" },
		{ "lease = 2s\nsync_interval = 2s\n",
		  "sync_interval (2000ms) must be shorter than lease" },
		{ "log_max = 12X\n", "S/config:1: log_max '12X'" },
		{ "log_max = 1k\n", "must be from 4k" },
		{ "contain = none\n", "S/config:1: contain 'none': want cgroup or pgroup" },
		{ "remote =\n", "S/config:1: remote is empty" },
		{ "remote = a\x01" "b\n", "holds a control character" },
		{ "lease = 1s1m\n", "largest to smallest" },
	};
	struct rel_config c;
	struct rel_err err;

	(void)state;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		rel_err_clear(&err);
		assert_int_equal(parse(v[i].text, &c, &err), REL_EUSAGE);
		if (!strstr(err.msg, v[i].want))
			fail_msg("%s: got '%s'", v[i].text, err.msg);
		/* A bad file leaves the defaults, not half of it. */
		assert_int_equal(c.lease_ms, REL_LEASE_DEFAULT_MS);
		assert_string_equal(c.remote, "");
	}
}

static void
test_duration_ms(void **state)
{
	struct rel_err err;
	long ms = 0;

	(void)state;
	assert_int_equal(rel_duration_ms_parse("x", "1s500ms", &ms, &err), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(rel_duration_ms_parse("x", "2h", &ms, &err), 0);
	assert_int_equal(ms, 7200000);
	assert_int_equal(rel_duration_ms_parse("x", "1d", &ms, &err), 0);
	assert_int_equal(ms, 86400000);
	assert_int_equal(rel_duration_ms_parse("x", "0ms", &ms, &err),
	    REL_EUSAGE);
	assert_int_equal(rel_duration_ms_parse("x", "367d", &ms, &err),
	    REL_EUSAGE);
	assert_int_equal(rel_duration_ms_parse("x", "ms", &ms, &err),
	    REL_EUSAGE);
	assert_int_equal(rel_duration_ms_parse("x", "5ms3s", &ms, &err),
	    REL_EUSAGE);
}

static void
test_size(void **state)
{
	struct rel_err err;
	long long b = 0;

	(void)state;
	assert_int_equal(rel_size_parse("x", "4096", &b, &err), 0);
	assert_int_equal(b, 4096);
	assert_int_equal(rel_size_parse("x", "512k", &b, &err), 0);
	assert_int_equal(b, 512 * 1024);
	assert_int_equal(rel_size_parse("x", "16MiB", &b, &err), 0);
	assert_int_equal(b, 16 * 1024 * 1024);
	assert_int_equal(rel_size_parse("x", "2GB", &b, &err), 0);
	assert_int_equal(b, 2LL << 30);
	assert_int_equal(rel_size_parse("x", "", &b, &err), REL_EUSAGE);
	assert_int_equal(rel_size_parse("x", "1Mx", &b, &err), REL_EUSAGE);
	assert_int_equal(rel_size_parse("x", "99999999999999999999", &b, &err),
	    REL_EUSAGE);
}

static void
test_set(void **state)
{
	char dir[UNIT_DIR_MAX], path[UNIT_PATH_MAX];
	struct rel_buf b = REL_BUF_INIT;
	struct rel_config c;
	struct rel_err err;
	int fd;

	(void)state;
	assert_int_equal(unit_mkdtemp(dir), 0);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	/* No file: defaults; set makes one. */
	assert_int_equal(rel_config_load(fd, dir, &c, &err), 0);
	assert_int_equal(rel_config_set(fd, dir, "remote", "/srv/r.git", &err),
	    0);
	assert_int_equal(rel_config_load(fd, dir, &c, &err), 0);
	assert_string_equal(c.remote, "/srv/r.git");
	/* A person's comments and other settings survive a change. */
	unit_write_file(unit_path(path, dir, "config"),
	    "# ours\nlease = 3s\nremote = old\n", 29);
	assert_int_equal(rel_config_set(fd, dir, "remote", "new", &err), 0);
	unit_read_file(path, &b);
	assert_string_equal(b.s, "# ours\nlease = 3s\nremote = new\n");
	/* A bad value is refused and the file left alone. */
	assert_int_equal(rel_config_set(fd, dir, "lease", "1ms", &err),
	    REL_EUSAGE);
	assert_int_equal(rel_config_set(fd, dir, "nope", "1", &err),
	    REL_EUSAGE);
	rel_buf_reset(&b);
	unit_read_file(path, &b);
	assert_string_equal(b.s, "# ours\nlease = 3s\nremote = new\n");
	/* Removing a setting. */
	assert_int_equal(rel_config_set(fd, dir, "remote", NULL, &err), 0);
	rel_buf_reset(&b);
	unit_read_file(path, &b);
	assert_string_equal(b.s, "# ours\nlease = 3s\n");
	/* A damaged file is named with its line. */
	unit_write_file(path, "lease = 3s\n= x\n", 15);
	assert_int_equal(rel_config_load(fd, dir, &c, &err), REL_EUSAGE);
	assert_non_null(strstr(err.msg, "/config:2:"));
	rel_buf_free(&b);
	close(fd);
	unit_rm_rf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_duration_ms),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
