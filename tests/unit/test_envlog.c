/*
 * test_envlog.c - environment histories (lib/envlog.c): run and end lines,
 * which release is live (the last run that ended succeeded), which run is
 * still open, and the live release of every environment at once.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "envlog.h"
#include "journal.h"
#include "record.h"
#include "unit.h"

#define T0 (INT64_C(1795300751) * 1000)

struct fixture {
	char dir[UNIT_DIR_MAX];
	char root[128];
	char envs[UNIT_PATH_MAX];      /* root/products/web/envs */
	struct rel_store st;
	struct rel_product p;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	struct rel_err err = { 0, "" };

	if (!fx || unit_mkdtemp(fx->dir) < 0) {
		free(fx);
		return -1;
	}
	snprintf(fx->root, sizeof fx->root, "%s/state", fx->dir);
	snprintf(fx->envs, sizeof fx->envs, "%s/products/web/envs", fx->root);
	fx->p.dir = fx->p.releases = fx->p.index = -1;
	fx->p.lock.fd = -1;
	*state = fx;
	if (rel_store_open(&fx->st, fx->root, 1, "test_envlog", &err) != 0 ||
	    rel_product_open(&fx->st, "web", 1, &fx->p, &err) != 0) {
		print_error("setup: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	int rc;

	rel_product_close(&fx->p);
	rel_store_close(&fx->st);
	rc = unit_rm_rf(fx->dir);
	free(fx);
	return rc;
}

static void
run(struct fixture *fx, const char *env, int sec, const char *release,
    int attempt, const char *how, const char *previous)
{
	struct rel_buf b = REL_BUF_INIT;
	struct rel_err err = { 0, "" };

	rel_envlog_run_line(&b, T0 + sec * 1000, release, attempt, how, "ann",
	    previous, "because");
	assert_false(b.oom);
	if (rel_env_append(&fx->p, env, b.s, b.len, 1, &err) != 0)
		fail_msg("append: %s", err.msg);
	rel_buf_free(&b);
}

static void
end(struct fixture *fx, const char *env, int sec, const char *release,
    int attempt, enum rel_status status)
{
	struct rel_buf b = REL_BUF_INIT;
	struct rel_err err = { 0, "" };

	rel_envlog_end_line(&b, T0 + sec * 1000, release, attempt, status);
	if (rel_env_append(&fx->p, env, b.s, b.len, 0, &err) != 0)
		fail_msg("append: %s", err.msg);
	rel_buf_free(&b);
}

static void
load(struct fixture *fx, const char *env, struct rel_envlog *log)
{
	struct rel_err err = { 0, "" };

	if (rel_envlog_load(&fx->p, env, log, &err) != 0)
		fail_msg("load: %s", err.msg);
}

static void
test_lines(void **state)
{
	struct rel_buf b = REL_BUF_INIT;
	struct rel_jline jl;

	(void)state;
	rel_envlog_run_line(&b, T0, "web-7", 2, "redeploy", "ann", NULL,
	    "roll\tback");
	assert_int_equal(rel_journal_parse_line(b.s, b.len - 1, &jl), 0);
	assert_int_equal(jl.n, 8);
	assert_string_equal(jl.f[0], "run");
	assert_string_equal(jl.f[1], "2026-11-21T22:39:11.000Z");
	assert_string_equal(jl.f[2], "web-7");
	assert_string_equal(jl.f[3], "2");
	assert_string_equal(jl.f[4], "redeploy");
	assert_string_equal(jl.f[5], "ann");
	assert_string_equal(jl.f[6], "-"); /* nothing was live */
	assert_string_equal(jl.f[7], "roll\tback");
	rel_buf_reset(&b);
	rel_envlog_run_line(&b, T0, "web-7", 1, "promote", "ann", "web-6",
	    NULL);
	assert_int_equal(rel_journal_parse_line(b.s, b.len - 1, &jl), 0);
	assert_string_equal(jl.f[6], "web-6");
	assert_string_equal(jl.f[7], "");
	rel_buf_reset(&b);
	rel_envlog_end_line(&b, T0 + 1500, "web-7", 2, REL_SUCCEEDED);
	assert_int_equal(b.s[b.len - 1], '\n');
	assert_int_equal(rel_journal_parse_line(b.s, b.len - 1, &jl), 0);
	assert_int_equal(jl.n, 5);
	assert_string_equal(jl.f[0], "end");
	assert_string_equal(jl.f[1], "2026-11-21T22:39:12.500Z");
	assert_string_equal(jl.f[2], "web-7");
	assert_string_equal(jl.f[3], "2");
	assert_string_equal(jl.f[4], "succeeded");
	rel_buf_free(&b);
}

static void
test_no_history(void **state)
{
	struct fixture *fx = *state;
	struct rel_envlog log;
	struct rel_livemap m;
	struct rel_err err = { 0, "" };

	/* No envs/ directory yet. */
	load(fx, "dev", &log);
	assert_string_equal(log.env, "dev");
	assert_int_equal(log.n, 0);
	assert_null(rel_envlog_live(&log));
	assert_null(rel_envlog_open_run(&log));
	rel_envlog_free(&log);
	assert_int_equal(rel_livemap_load(&fx->p, &m, &err), 0);
	assert_int_equal(m.n, 0);
	assert_null(rel_livemap_get(&m, "dev"));
	rel_livemap_free(&m);
	/* An envs/ directory, but not this environment. */
	run(fx, "qa", 1, "web-1", 1, "promote", NULL);
	load(fx, "dev", &log);
	assert_int_equal(log.n, 0);
	rel_envlog_free(&log);
}

static void
test_runs_and_live(void **state)
{
	struct fixture *fx = *state;
	struct rel_envlog log;
	const struct rel_env_run *live, *open;

	run(fx, "dev", 1, "web-1", 1, "promote", NULL);
	end(fx, "dev", 2, "web-1", 1, REL_SUCCEEDED);
	run(fx, "dev", 3, "web-2", 1, "promote", "web-1");
	end(fx, "dev", 4, "web-2", 1, REL_FAILED);
	load(fx, "dev", &log);
	assert_int_equal(log.n, 2);
	assert_string_equal(log.v[0].release, "web-1");
	assert_int_equal(log.v[0].started, T0 + 1000);
	assert_int_equal(log.v[0].ended, T0 + 2000);
	assert_int_equal(log.v[0].status, REL_SUCCEEDED);
	assert_int_equal(log.v[0].attempt, 1);
	assert_string_equal(log.v[0].how, "promote");
	assert_string_equal(log.v[0].who, "ann");
	assert_string_equal(log.v[0].previous, "-");
	assert_string_equal(log.v[0].why, "because");
	assert_string_equal(log.v[1].previous, "web-1");
	assert_int_equal(log.v[1].status, REL_FAILED);
	/* A failed run leaves the last success live. */
	live = rel_envlog_live(&log);
	assert_non_null(live);
	assert_string_equal(live->release, "web-1");
	assert_null(rel_envlog_open_run(&log));
	rel_envlog_free(&log);

	/* A run in progress: open, and not live yet. */
	run(fx, "dev", 5, "web-3", 1, "promote", "web-1");
	load(fx, "dev", &log);
	open = rel_envlog_open_run(&log);
	assert_non_null(open);
	assert_string_equal(open->release, "web-3");
	assert_int_equal(open->ended, 0);
	assert_int_equal(open->status, REL_RUNNING);
	assert_string_equal(rel_envlog_live(&log)->release, "web-1");
	rel_envlog_free(&log);

	end(fx, "dev", 6, "web-3", 1, REL_SUCCEEDED);
	/* A rollback: the older release is live again. */
	run(fx, "dev", 7, "web-1", 2, "redeploy", "web-3");
	end(fx, "dev", 8, "web-1", 2, REL_SUCCEEDED);
	load(fx, "dev", &log);
	assert_int_equal(log.n, 4);
	assert_null(rel_envlog_open_run(&log));
	live = rel_envlog_live(&log);
	assert_string_equal(live->release, "web-1");
	assert_int_equal(live->attempt, 2);
	assert_string_equal(live->how, "redeploy");
	assert_int_equal(live->ended, T0 + 8000);
	rel_envlog_free(&log);
}

static void
test_end_matches_release_and_attempt(void **state)
{
	struct fixture *fx = *state;
	struct rel_envlog log;

	/* Two runs open (a runner died, then a retry): an end closes the
	 * last open run of its release and attempt only. */
	run(fx, "dev", 1, "web-1", 1, "promote", NULL);
	run(fx, "dev", 2, "web-2", 1, "promote", NULL);
	run(fx, "dev", 3, "web-1", 2, "promote", NULL);
	end(fx, "dev", 4, "web-1", 2, REL_SUCCEEDED);
	end(fx, "dev", 5, "web-9", 1, REL_SUCCEEDED);   /* no such run */
	load(fx, "dev", &log);
	assert_int_equal(log.n, 3);
	assert_int_equal(log.v[0].ended, 0);
	assert_int_equal(log.v[1].ended, 0);
	assert_int_equal(log.v[2].ended, T0 + 4000);
	assert_string_equal(rel_envlog_live(&log)->release, "web-1");
	assert_int_equal(rel_envlog_live(&log)->attempt, 2);
	/* The last one still open. */
	assert_string_equal(rel_envlog_open_run(&log)->release, "web-2");
	rel_envlog_free(&log);
	/* The same end twice ends nothing more. */
	end(fx, "dev", 6, "web-1", 1, REL_FAILED);
	end(fx, "dev", 7, "web-1", 1, REL_SUCCEEDED);
	load(fx, "dev", &log);
	assert_int_equal(log.v[0].status, REL_FAILED);
	assert_int_equal(log.v[0].ended, T0 + 6000);
	assert_string_equal(rel_envlog_live(&log)->release, "web-1");
	assert_int_equal(rel_envlog_live(&log)->attempt, 2);
	rel_envlog_free(&log);
}

static void
test_damaged_lines_ignored(void **state)
{
	struct fixture *fx = *state;
	struct rel_buf b = REL_BUF_INIT;
	struct rel_envlog log;
	struct rel_err err = { 0, "" };
	const char *f[8] = { "run", "2026-11-21T22:39:11.000Z", "not an id",
	    "1", "promote", "ann", "-", "" };
	size_t off;

	run(fx, "dev", 1, "web-1", 1, "promote", NULL);
	/* A run of something that is not a release id. */
	rel_journal_line(&b, f, 8);
	/* A line with a bad checksum. */
	off = b.len;
	rel_envlog_end_line(&b, T0 + 2000, "web-1", 1, REL_FAILED);
	b.s[off + 1] = 'N';
	/* An end with an unknown status. */
	{
		const char *e[5] = { "end", "2026-11-21T22:39:13.000Z",
		    "web-1", "1", "exploded" };

		rel_journal_line(&b, e, 5);
	}
	assert_int_equal(rel_env_append(&fx->p, "dev", b.s, b.len, 0,
	    &err), 0);
	end(fx, "dev", 4, "web-1", 1, REL_SUCCEEDED);
	load(fx, "dev", &log);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.v[0].status, REL_SUCCEEDED);
	assert_int_equal(log.v[0].ended, T0 + 4000);
	rel_envlog_free(&log);
	rel_buf_free(&b);
}

static void
test_torn_tail(void **state)
{
	struct fixture *fx = *state;
	struct rel_envlog log;
	char path[UNIT_PATH_MAX];
	int fd;

	run(fx, "dev", 1, "web-1", 1, "promote", NULL);
	/* A crash in the middle of writing an end line. */
	unit_path(path, fx->envs, "dev");
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "end\t2026", 8), 8);
	close(fd);
	load(fx, "dev", &log);
	assert_int_equal(log.n, 1);
	assert_non_null(rel_envlog_open_run(&log));
	rel_envlog_free(&log);
	/* The next writer cuts it off. */
	end(fx, "dev", 2, "web-1", 1, REL_SUCCEEDED);
	load(fx, "dev", &log);
	assert_null(rel_envlog_open_run(&log));
	assert_string_equal(rel_envlog_live(&log)->release, "web-1");
	rel_envlog_free(&log);
}

static void
test_livemap(void **state)
{
	struct fixture *fx = *state;
	struct rel_livemap m;
	struct rel_err err = { 0, "" };
	char path[UNIT_PATH_MAX];

	run(fx, "dev", 1, "web-1", 1, "promote", NULL);
	end(fx, "dev", 2, "web-1", 1, REL_SUCCEEDED);
	run(fx, "dev", 3, "web-2", 1, "promote", "web-1");
	end(fx, "dev", 4, "web-2", 1, REL_SUCCEEDED);
	run(fx, "qa", 5, "web-1", 1, "promote", NULL);
	end(fx, "qa", 6, "web-1", 1, REL_FAILED);
	run(fx, "prod", 7, "web-1", 1, "promote", NULL);
	/* Files that are not environments' histories. */
	unit_path(path, fx->envs, ".tmp.123");
	unit_write_file(path, "x", 1);
	assert_int_equal(rel_livemap_load(&fx->p, &m, &err), 0);
	assert_int_equal(m.n, 3);
	assert_string_equal(rel_livemap_get(&m, "dev"), "web-2");
	assert_null(rel_livemap_get(&m, "qa"));    /* never succeeded */
	assert_null(rel_livemap_get(&m, "prod"));  /* still running */
	assert_null(rel_livemap_get(&m, "staging"));
	assert_null(rel_livemap_get(&m, ".tmp.123"));
	rel_livemap_free(&m);
	assert_int_equal(m.n, 0);
	assert_null(m.env);
}

static void
test_append_refuses_link(void **state)
{
	struct fixture *fx = *state;
	struct rel_buf b = REL_BUF_INIT, got = REL_BUF_INIT;
	struct rel_err err = { 0, "" };
	char path[UNIT_PATH_MAX], target[UNIT_PATH_MAX];

	run(fx, "dev", 1, "web-1", 1, "promote", NULL);
	unit_path(target, fx->dir, "outside");
	unit_write_file(target, "", 0);
	unit_path(path, fx->envs, "qa");
	assert_int_equal(symlink(target, path), 0);
	rel_envlog_end_line(&b, T0, "web-1", 1, REL_SUCCEEDED);
	assert_int_equal(rel_env_append(&fx->p, "qa", b.s, b.len, 1, &err),
	    REL_ESYS);
	assert_non_null(strstr(err.msg, "envs/qa"));
	unit_read_file(target, &got);
	assert_int_equal(got.len, 0);
	rel_buf_free(&b);
	rel_buf_free(&got);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		T(test_no_history),
		T(test_runs_and_live),
		T(test_end_matches_release_and_attempt),
		T(test_damaged_lines_ignored),
		T(test_torn_tail),
		T(test_livemap),
		T(test_append_refuses_link),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
