/*
 * test_logview.c - the logs of an environment in the order its steps run
 * (lib/logview.c), and a follower that hands over what each log gained,
 * ends with the environment's run, and records a runner found dead.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "logfile.h"
#include "logview.h"
#include "reap.h"
#include "sha256.h"
#include "record.h"
#include "store.h"
#include "unit.h"
#include "unit_store.h"

#define T0 (INT64_C(1795300751) * 1000)

static const char flow_yaml[] =
    "components: [api, ui]\n"
    "environments:\n"
    "  - name: dev\n"
    "    pre: [ {name: check, run: \"true\"} ]\n"
    "    action: ./deploy.sh\n"
    "    verify: ./verify.sh\n"
    "    post: [ \"true\" ]\n"
    "  - name: qa\n"
    "    action: ./deploy.sh\n";

struct fixture {
	struct unit_store s;           /* first: unit_store_teardown */
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);

	if (!fx)
		return -1;
	*state = fx;
	return unit_store_open(&fx->s, "state", "test_logview", flow_yaml);
}

static void
build(struct rel_buf *out, void *arg)
{
	struct fixture *fx = arg;
	static const char *const versions[] = { "1.0", "2.0" };
	struct rel_new_release nr = {
		.product = "web", .created = T0, .by = "tester",
		.flow_hash = fx->s.hash, .flow_source = "web.yaml",
		.versions = versions, .message = "",
	};

	rel_release_header(out, &nr, fx->s.flow);
}

/* Transitions to append: "OBJECT FROM TO" triples, NULL-terminated. */
struct moves {
	const char *const *tr;
	int attempt;
};

static int
move_fn(struct rel_release *r, struct rel_buf *lines, void *arg,
    struct rel_err *err)
{
	struct moves *m = arg;

	(void)r;
	(void)err;
	for (size_t i = 0; m->tr[i]; i += 3)
		rel_tr_line(lines, T0 + 1000, "tester", m->tr[i], m->tr[i + 1],
		    m->tr[i + 2], m->attempt, "-", "how=promote");
	return 0;
}

static void
move(struct fixture *fx, int attempt, const char *const *tr)
{
	struct moves m = { tr, attempt };
	struct rel_err err = { 0, "" };

	if (rel_release_update(&fx->s.p, 1, move_fn, &m, 1, NULL, &err) != 0)
		fail_msg("update: %s", err.msg);
}

static void
make_release(struct fixture *fx)
{
	struct rel_err err = { 0, "" };
	unsigned long n = 0;

	if (rel_release_create(&fx->s.p, build, fx, &n, &err) != 0)
		fail_msg("create: %s", err.msg);
	assert_int_equal(n, 1);
}

static struct rel_release *
load(struct fixture *fx)
{
	struct rel_release *r = NULL;
	struct rel_err err = { 0, "" };

	if (rel_release_load(&fx->s.p, 1, &r, &err) != 0)
		fail_msg("load: %s", err.msg);
	return r;
}

struct names {
	char buf[1024];
};

static void
name_fn(const struct rel_logref *ref, void *arg)
{
	struct names *nm = arg;
	size_t l = strlen(nm->buf);

	snprintf(nm->buf + l, sizeof nm->buf - l, "%s%s:%s", l ? " " : "",
	    ref->name, rel_status_name(ref->status));
}

static void
test_logs_each(void **state)
{
	static const char *const ran[] = {
		"dev", "pending", "running",
		"dev/check", "pending", "succeeded",
		"dev/action/api", "pending", "succeeded",
		"dev/action/ui", "pending", "failed",
		"dev", "running", "failed",
		NULL,
	};
	struct fixture *fx = *state;
	struct rel_release *r;
	struct names nm;
	char title[256];

	make_release(fx);
	r = load(fx);
	/* Nothing ran yet: no logs. */
	assert_int_equal(rel_logs_each(r, 0, NULL, 0, NULL, NULL), 0);
	/* At a given attempt every step run has its file name. */
	memset(&nm, 0, sizeof nm);
	assert_int_equal(rel_logs_each(r, 0, NULL, 2, name_fn, &nm), 6);
	assert_string_equal(nm.buf, "check.2.log.gz:pending "
	    "action@api.2.log.gz:pending action@ui.2.log.gz:pending "
	    "verify@api.2.log.gz:pending verify@ui.2.log.gz:pending "
	    "post-1.2.log.gz:pending");
	rel_release_free(r);

	move(fx, 1, ran);
	r = load(fx);
	/* In the order steps run; what never ran is left out. */
	memset(&nm, 0, sizeof nm);
	assert_int_equal(rel_logs_each(r, 0, NULL, 0, name_fn, &nm), 3);
	assert_string_equal(nm.buf, "check.1.log.gz:succeeded "
	    "action@api.1.log.gz:succeeded action@ui.1.log.gz:failed");
	/* One step; another environment. */
	memset(&nm, 0, sizeof nm);
	assert_int_equal(rel_logs_each(r, 0, "action", 0, name_fn, &nm), 2);
	assert_string_equal(nm.buf, "action@api.1.log.gz:succeeded "
	    "action@ui.1.log.gz:failed");
	assert_int_equal(rel_logs_each(r, 0, "verify", 0, NULL, NULL), 0);
	assert_int_equal(rel_logs_each(r, 1, NULL, 0, NULL, NULL), 0);
	{
		struct rel_logref ref = { "action", "ui", 1, REL_FAILED, "" };

		rel_logref_title(r, "dev", &ref, 1, title, sizeof title);
		assert_string_equal(title,
		    "web-1 dev/action/ui (attempt 1, failed)");
		ref.component = NULL;
		ref.step = "check";
		rel_logref_title(r, "dev", &ref, 0, title, sizeof title);
		assert_string_equal(title, "web-1 dev/check (attempt 1)");
	}
	rel_release_free(r);
}

struct got {
	char text[256];
	char last[256];
	int calls;
};

static int
got_fn(const struct rel_logref *ref, const char *data, size_t len, void *arg)
{
	struct got *g = arg;
	size_t l = strlen(g->text);

	assert_true(l + len < sizeof g->text);
	memcpy(g->text + l, data, len);
	g->text[l + len] = '\0';
	snprintf(g->last, sizeof g->last, "%s", ref->name);
	g->calls++;
	return 0;
}

/* dev starts, and its first step. */
static const char *const start[] = {
	"dev", "pending", "running",
	"dev/check", "pending", "running",
	NULL,
};

static void
write_log(struct rel_log *l, const char *s)
{
	assert_int_equal(rel_log_write(l, s, strlen(s)), 0);
	assert_int_equal(rel_log_flush(l), 0);
}

static void
test_follow(void **state)
{
	static const char *const end[] = {
		"dev/check", "running", "succeeded",
		"dev", "running", "failed",
		NULL,
	};
	struct fixture *fx = *state;
	struct rel_err err = { 0, "" };
	struct rel_follow *f = NULL;
	struct rel_lock runner = { .fd = -1 };
	struct rel_log *l = NULL;
	struct got g;
	char path[UNIT_PATH_MAX];
	int over = -1;

	make_release(fx);
	assert_int_equal(rel_follow_open(&fx->s.p, 1, "nope", NULL, 0, &f,
	    &err), REL_ENOTFOUND);
	assert_string_equal(err.msg, "no environment 'nope' in web-1");
	assert_int_equal(rel_follow_open(&fx->s.p, 1, "dev", "nope", 0, &f,
	    &err), REL_ENOTFOUND);
	assert_null(f);
	/* A runner at work (we hold its lock), its first step started. */
	assert_int_equal(rel_runner_lock(&fx->s.st, "web-1", &runner, &err), 0);
	move(fx, 1, start);
	assert_int_equal(rel_follow_open(&fx->s.p, 1, "dev", NULL, 0, &f, &err),
	    0);
	memset(&g, 0, sizeof g);
	/* The log is not there yet: nothing, and not over. */
	assert_int_equal(rel_follow_poll(f, got_fn, &g, &over, &err), 0);
	assert_int_equal(over, 0);
	assert_int_equal(g.calls, 0);
	assert_int_equal(rel_follow_found(f), 0);
	assert_int_equal(rel_log_open(&fx->s.p, "web-1", "dev", "check.1.log.gz",
	    &l, path, sizeof path, &err), 0);
	assert_int_equal(rel_follow_poll(f, got_fn, &g, &over, &err), 0);
	assert_int_equal(over, 0);
	assert_int_equal(g.calls, 0);
	assert_int_equal(rel_follow_found(f), 1);
	/* Each poll hands over what was flushed since the last one. */
	write_log(l, "one\n");
	assert_int_equal(rel_follow_poll(f, got_fn, &g, &over, &err), 0);
	assert_string_equal(g.text, "one\n");
	assert_string_equal(g.last, "check.1.log.gz");
	write_log(l, "two, ");
	write_log(l, "three\n");
	g.text[0] = '\0';
	assert_int_equal(rel_follow_poll(f, got_fn, &g, &over, &err), 0);
	assert_string_equal(g.text, "two, three\n");
	assert_int_equal(over, 0);
	/* Written but not flushed: not yet. */
	assert_int_equal(rel_log_write(l, "four\n", 5), 0);
	g.text[0] = '\0';
	assert_int_equal(rel_follow_poll(f, got_fn, &g, &over, &err), 0);
	assert_string_equal(g.text, "");
	/* The step ends (its log first), then the environment. */
	assert_int_equal(rel_log_close(l, &err), 0);
	move(fx, 1, end);
	assert_int_equal(rel_follow_poll(f, got_fn, &g, &over, &err), 0);
	assert_string_equal(g.text, "four\n");
	assert_int_equal(over, 1);
	assert_int_equal(rel_follow_release(f)->envs[0].status, REL_FAILED);
	rel_follow_free(f);
	rel_lock_release(&runner);
}

static void
test_follow_dead_runner(void **state)
{
	struct fixture *fx = *state;
	struct rel_err err = { 0, "" };
	struct rel_follow *f = NULL;
	struct got g;
	int over = -1;

	make_release(fx);
	assert_int_equal(rel_follow_open(&fx->s.p, 1, "qa", NULL, 0, &f, &err),
	    0);
	/* Pending, and no runner to take it further: over at once. */
	memset(&g, 0, sizeof g);
	assert_int_equal(rel_follow_poll(f, got_fn, &g, &over, &err), 0);
	assert_int_equal(over, 1);
	assert_int_equal(rel_follow_found(f), 0);
	rel_follow_free(f);
	/* Running, but nobody holds the runner's lock: it died.  While
	 * that cannot be recorded (a writer holds the product lock), the
	 * follow is over with the reason. */
	move(fx, 1, start);
	{
		struct rel_product other;

		other.dir = other.releases = other.index = -1;
		other.lock.fd = -1;
		other.locked = 0;
		assert_int_equal(rel_product_open(&fx->s.st, "web", 0, &other,
		    &err), 0);
		assert_int_equal(rel_product_lock(&other, &err), 0);
		assert_int_equal(rel_follow_open(&fx->s.p, 1, "dev", "check", 0,
		    &f, &err), 0);
		over = -1;
		assert_int_equal(rel_follow_poll(f, got_fn, &g, &over, &err),
		    REL_EBUSY);
		assert_int_equal(over, 1);
		assert_non_null(strstr(err.msg, "web-1: its runner is gone, "
		    "but that cannot be recorded now"));
		assert_int_equal(rel_follow_release(f)->envs[0].status,
		    REL_RUNNING);
		rel_product_unlock(&other);
		rel_product_close(&other);
		rel_follow_free(f);
	}
	/* Then it is recorded, and the follow is over. */
	assert_int_equal(rel_follow_open(&fx->s.p, 1, "dev", "check", 0, &f,
	    &err), 0);
	assert_int_equal(rel_follow_poll(f, got_fn, &g, &over, &err), 0);
	assert_int_equal(over, 1);
	assert_int_equal(rel_follow_release(f)->envs[0].status, REL_FAILED);
	rel_follow_free(f);
}

/* Bytes of a log read back, and whether it was whole. */
struct back {
	struct rel_buf text;
};

static int
back_fn(const char *data, size_t len, void *arg)
{
	struct back *b = arg;

	rel_buf_add(&b->text, data, len);
	return 0;
}

/* A log capped at 4096 compressed bytes: the file stays under it, what
 * was cut is counted and said in its last line, rel's notes still get
 * in, and the stream read back is whole.  Cut inside its stream, it is
 * read as far as it goes, and not whole. */
static void
test_log_cap(void **state)
{
	struct fixture *fx = *state;
	struct rel_err err = { 0, "" };
	struct rel_log_end end;
	struct rel_log *l = NULL;
	struct back b = { REL_BUF_INIT };
	char path[4600], chunk[1000];
	unsigned int x = 12345;
	int dir = -1, whole = -1;
	struct stat sb;

	assert_int_equal(rel_log_open(&fx->s.p, "web-1", "dev", "cap.1.log.gz",
	    &l, path, sizeof path, &err), 0);
	rel_log_limit(l, 4096);
	assert_int_equal(rel_log_write(l, "first\n", 6), 0);
	/* 300 KB that do not compress. */
	for (int i = 0; i < 300; i++) {
		for (size_t k = 0; k < sizeof chunk; k++) {
			x = x * 1103515245u + 12345u;
			chunk[k] = (char)(x >> 16);
		}
		assert_int_equal(rel_log_write(l, chunk, sizeof chunk), 0);
		if (i % 50 == 0)
			assert_int_equal(rel_log_flush(l), 0);
	}
	assert_int_equal(rel_log_note(l, "rel: a note\n", 12), 0);
	assert_int_equal(rel_log_finish(l, &end, &err), 0);
	assert_true(end.cut > 290000);
	assert_int_equal(end.error, 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(sb.st_size <= 4096);
	assert_int_equal(rel_log_dir(&fx->s.p, "web-1", "dev", &dir, &err), 0);
	assert_int_equal(rel_log_read_whole(dir, "cap.1.log.gz", path, back_fn,
	    &b, &whole, &err), 0);
	assert_int_equal(whole, 1);
	assert_true(b.text.len > 10);
	assert_memory_equal(b.text.s, "first\n", 6);
	assert_non_null(strstr(b.text.s + b.text.len - 200, "rel: a note\n"));
	assert_non_null(strstr(b.text.s + b.text.len - 120,
	    "--- rel: the log reached log_max (4096 bytes compressed): "));
	assert_int_equal(b.text.s[b.text.len - 1], '\n');
	/* Cut in the middle of its stream: read as far as it goes. */
	assert_int_equal(truncate(path, sb.st_size / 2), 0);
	rel_buf_reset(&b.text);
	assert_int_equal(rel_log_read_whole(dir, "cap.1.log.gz", path, back_fn,
	    &b, &whole, &err), 0);
	assert_int_equal(whole, 0);
	assert_memory_equal(b.text.s, "first\n", 6);
	/* Without a cap, nothing is cut. */
	assert_int_equal(rel_log_open(&fx->s.p, "web-1", "dev", "all.1.log.gz",
	    &l, path, sizeof path, &err), 0);
	for (int i = 0; i < 30; i++)
		assert_int_equal(rel_log_write(l, chunk, sizeof chunk), 0);
	assert_int_equal(rel_log_finish(l, &end, &err), 0);
	assert_int_equal(end.cut, 0);
	rel_buf_reset(&b.text);
	assert_int_equal(rel_log_read_whole(dir, "all.1.log.gz", path, back_fn,
	    &b, &whole, &err), 0);
	assert_int_equal(whole, 1);
	assert_int_equal(b.text.len, 30 * sizeof chunk);
	close(dir);
	rel_buf_free(&b.text);
}

/* (The fixture's store comes first: unit_store_teardown frees it.) */
#define T(f) cmocka_unit_test_setup_teardown(f, setup, \
    unit_store_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_logs_each),
		T(test_follow),
		T(test_follow_dead_runner),
		T(test_log_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
