/*
 * test_publish.c - the record module's one write path with a remote
 * (lib/record.c, store.h's publisher): each change is published before a
 * byte of it is written here; refused, it is made again on the state the
 * remote had (a new id, the update function called again); out of reach,
 * nothing is written; past --wait, exit 4 naming the remote.  The remote
 * here is a fake publisher that does what sync.c would: on a refusal it
 * writes "the remote's commits" into the store.
 */
#include <dirent.h>
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

#include "bucket.h"
#include "release.h"
#include "record.h"
#include "store.h"
#include "unit.h"
#include "unit_store.h"

#define T0 (INT64_C(1795300751) * 1000)

static const char flow_yaml[] =
    "environments:\n"
    "  - name: dev\n"
    "    action: ./deploy.sh\n";

struct fixture {
	struct unit_store s;           /* first (unit_store_teardown) */
	char releases[UNIT_PATH_MAX];
	struct rel_publisher pub;
	int refuse;                    /* refuse this many pushes */
	int down;                      /* the remote is out of reach */
	void (*on_refuse)(struct fixture *fx);
	int prepares, pushes, settles;
	char paths[8][64];             /* the last push's changes */
	int appends[8];
	size_t nch;
	char message[256], author[64];
	struct rel_buf data;           /* the last push's first change */
};

static int
fake_prepare(void *ctx, struct rel_product *p, int *on, struct rel_err *err)
{
	struct fixture *fx = ctx;

	(void)p;
	(void)err;
	fx->prepares++;
	*on = 1;
	return 0;
}

static int
fake_publish(void *ctx, struct rel_product *p, const struct rel_change *ch,
    size_t n, const char *author, const char *message, int *accepted,
    struct rel_err *err)
{
	struct fixture *fx = ctx;

	(void)p;
	fx->pushes++;
	*accepted = 0;
	if (fx->down)
		return rel_err_set(err, REL_ESYS, "remote fake://remote "
		    "unreachable: nothing was recorded (test)");
	fx->nch = n < 8 ? n : 8;
	for (size_t i = 0; i < fx->nch; i++) {
		snprintf(fx->paths[i], sizeof fx->paths[i], "%s", ch[i].path);
		fx->appends[i] = ch[i].append;
	}
	rel_buf_reset(&fx->data);
	rel_buf_add(&fx->data, ch[0].data, ch[0].len);
	snprintf(fx->author, sizeof fx->author, "%s", author);
	snprintf(fx->message, sizeof fx->message, "%s", message);
	if (fx->refuse > 0) {
		fx->refuse--;
		if (fx->on_refuse)
			fx->on_refuse(fx);
		return 0;
	}
	*accepted = 1;
	return 0;
}

static int
fake_settle(void *ctx, struct rel_product *p, struct rel_err *err)
{
	struct fixture *fx = ctx;

	(void)p;
	(void)err;
	fx->settles++;
	return 0;
}

static int
fake_refresh(void *ctx, struct rel_store *st, const char *product, int *moved,
    struct rel_err *err)
{
	(void)ctx;
	(void)st;
	(void)product;
	(void)err;
	*moved = 0;
	return 0;
}

static const char *
fake_url(void *ctx)
{
	(void)ctx;
	return "fake://remote";
}

static int
fake_down(void *ctx)
{
	return ((struct fixture *)ctx)->down;
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);

	if (!fx)
		return -1;
	*state = fx;
	if (unit_store_open(&fx->s, "state", "test_publish", flow_yaml) < 0)
		return -1;
	snprintf(fx->releases, sizeof fx->releases,
	    "%s/products/web/releases", fx->s.root);
	fx->pub = (struct rel_publisher){ fx, fake_prepare, fake_publish,
		fake_settle, fake_refresh, fake_url, fake_down, 1 };
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	rel_buf_free(&fx->data);
	return unit_store_teardown(state);
}

static void
header(struct fixture *fx, struct rel_buf *out, const char *by)
{
	static const char *const versions[] = { "1.0" };
	struct rel_new_release nr = {
		.product = "web", .created = T0, .by = by,
		.flow_hash = fx->s.hash, .flow_source = "web.yaml",
		.versions = versions, .message = "",
	};

	rel_release_header(out, &nr, fx->s.flow);
}

struct build {
	struct fixture *fx;
};

static void
build(struct rel_buf *out, void *arg)
{
	header(((struct build *)arg)->fx, out, "alice");
}

/* What sync.c does on a refusal: the remote's commits are written here.
 * Here another machine made web-1. */
static void
another_made_one(struct fixture *fx)
{
	struct rel_buf b = REL_BUF_INIT;
	char path[UNIT_PATH_MAX];

	header(fx, &b, "bob");
	unit_path(path, fx->releases, "web-1");
	unit_write_file(path, b.s, b.len);
	rel_buf_free(&b);
}

/* Files in the releases directory (temporary ones too). */
static int
entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void
create_publishes_then_writes(void **state)
{
	struct fixture *fx = *state;
	struct build b = { fx };
	struct rel_err err = { 0, "" };
	struct rel_buf have = REL_BUF_INIT;
	char path[UNIT_PATH_MAX];
	unsigned long n = 0;

	fx->s.st.pub = &fx->pub;
	assert_int_equal(rel_release_create(&fx->s.p, build, &b, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(fx->pushes, 1);
	assert_int_equal(fx->settles, 1);
	assert_int_equal(fx->nch, 1);
	assert_string_equal(fx->paths[0], "releases/web-1");
	assert_int_equal(fx->appends[0], 0);
	assert_string_equal(fx->message, "web-1: created");
	assert_string_equal(fx->author, "alice");
	/* What was published is what is here. */
	unit_path(path, fx->releases, "web-1");
	unit_read_file(path, &have);
	assert_int_equal(have.len, fx->data.len);
	assert_memory_equal(have.s, fx->data.s, have.len);
	rel_buf_free(&have);
}

static void
create_refused_takes_the_next_id(void **state)
{
	struct fixture *fx = *state;
	struct build b = { fx };
	struct rel_err err = { 0, "" };
	struct rel_release *r;
	unsigned long n = 0;

	fx->s.st.pub = &fx->pub;
	fx->refuse = 1;
	fx->on_refuse = another_made_one;
	assert_int_equal(rel_release_create(&fx->s.p, build, &b, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(fx->pushes, 2);
	assert_string_equal(fx->paths[0], "releases/web-2");
	assert_int_equal(rel_release_load(&fx->s.p, 1, &r, &err), 0);
	assert_string_equal(r->by, "bob");
	rel_release_free(r);
	assert_int_equal(rel_release_load(&fx->s.p, 2, &r, &err), 0);
	assert_string_equal(r->by, "alice");
	rel_release_free(r);
}

static void
unreachable_writes_nothing(void **state)
{
	struct fixture *fx = *state;
	struct build b = { fx };
	struct rel_err err = { 0, "" };
	unsigned long n = 0;
	char hash[65];

	fx->s.st.pub = &fx->pub;
	fx->down = 1;
	assert_int_equal(rel_release_create(&fx->s.p, build, &b, &n, &err),
	    REL_ESYS);
	assert_non_null(strstr(err.msg, "unreachable: nothing was recorded"));
	assert_int_equal(entries(fx->releases), 0); /* no temporary left */
	assert_int_equal(rel_flow_store(&fx->s.p, flow_yaml,
	    strlen(flow_yaml), hash, &err), REL_ESYS);
	assert_int_equal(fx->settles, 0);
}

static void
gives_up_after_wait_naming_the_remote(void **state)
{
	struct fixture *fx = *state;
	struct build b = { fx };
	struct rel_err err = { 0, "" };
	unsigned long n = 0;

	fx->s.st.pub = &fx->pub;
	fx->s.st.wait_ms = 50;
	fx->refuse = 1000000;
	assert_int_equal(rel_release_create(&fx->s.p, build, &b, &n, &err),
	    REL_EBUSY);
	assert_non_null(strstr(err.msg, "fake://remote"));
	assert_true(fx->pushes >= 2);
	assert_int_equal(entries(fx->releases), 0);
}

struct upd {
	int calls;
	size_t ntr_seen[4];
};

static int
add_line(struct rel_release *r, struct rel_buf *lines, void *arg,
    struct rel_err *err)
{
	struct upd *u = arg;

	(void)err;
	if (u->calls < 4)
		u->ntr_seen[u->calls] = r->ntr;
	u->calls++;
	rel_tr_line(lines, T0 + 5000, "alice", "dev", "pending", "suspended",
	    1, "gate", "");
	return 0;
}

/* Another machine's transition reached the record while ours was
 * refused. */
static void
another_changed_it(struct fixture *fx)
{
	struct rel_buf line = REL_BUF_INIT;
	char path[UNIT_PATH_MAX];
	FILE *f;

	rel_tr_line(&line, T0 + 4000, "bob", "-", "pending", "terminating", 1,
	    "stop", "grace=1.000");
	unit_path(path, fx->releases, "web-1");
	assert_non_null(f = fopen(path, "a"));
	fwrite(line.s, 1, line.len, f);
	fclose(f);
	rel_buf_free(&line);
}

static void
change_refused_is_made_again_on_the_new_state(void **state)
{
	struct fixture *fx = *state;
	struct build b = { fx };
	struct rel_err err = { 0, "" };
	struct rel_release *r = NULL;
	struct rel_buf envl = REL_BUF_INIT, envn = REL_BUF_INIT;
	struct rel_more more = { &envl, &envn, NULL, 0, NULL, NULL };
	struct upd u = { 0, { 0 } };
	unsigned long n = 0;

	assert_int_equal(rel_release_create(&fx->s.p, build, &b, &n, &err), 0);
	fx->s.st.pub = &fx->pub;
	fx->refuse = 1;
	fx->on_refuse = another_changed_it;
	rel_buf_add(&envl, "end\tx\n", 6);
	rel_buf_add(&envn, "dev", 4);
	assert_int_equal(rel_release_change_env(&fx->s.p, 1, &r, add_line, &u,
	    1, &more, &err), 0);
	/* Called again on the record as the remote had it: one more line. */
	assert_int_equal(u.calls, 2);
	assert_int_equal(u.ntr_seen[1], u.ntr_seen[0] + 1);
	/* The record, and the history, in one commit. */
	assert_int_equal(fx->nch, 2);
	assert_string_equal(fx->paths[0], "releases/web-1");
	assert_int_equal(fx->appends[0], 1);
	assert_string_equal(fx->paths[1], "envs/dev");
	assert_int_equal(fx->appends[1], 1);
	assert_string_equal(fx->message, "web-1: dev pending -> suspended");
	rel_release_free(r);
	/* Both lines are in the record, each once. */
	assert_int_equal(rel_release_load(&fx->s.p, 1, &r, &err), 0);
	assert_int_equal(r->ntr, u.ntr_seen[1] + 1);
	assert_int_equal(r->term, REL_TERMINATING);
	rel_release_free(r);
	rel_buf_free(&envl);
	rel_buf_free(&envn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(create_publishes_then_writes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(create_refused_takes_the_next_id,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(unreachable_writes_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    gives_up_after_wait_naming_the_remote, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    change_refused_is_made_again_on_the_new_state, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
