/*
 * test_store.c - the state directory (lib/store.c): products, ids that
 * count up and are never made twice, updates under the lock that keep the
 * index right, and records that are refused rather than followed when
 * something else was planted in their place.
 */
#include <dirent.h>
#include <sys/stat.h>

#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "index.h"
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
    "    action: ./deploy.sh\n"
    "  - name: qa\n"
    "    trigger: manual\n"
    "    action: ./deploy.sh\n";

struct fixture {
	struct unit_store s;           /* first (unit_store_teardown); root
	                                  dir/state/rel: made by the store */
	char releases[UNIT_PATH_MAX];  /* root/products/web/releases */
	int made;                      /* releases made: their times */
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);

	if (!fx)
		return -1;
	*state = fx;
	if (unit_store_open(&fx->s, "state/rel", "test_store", flow_yaml) < 0)
		return -1;
	snprintf(fx->releases, sizeof fx->releases,
	    "%s/products/web/releases", fx->s.root);
	return 0;
}

struct build {
	struct fixture *fx;
	int calls;
	const char *plant; /* make this record by hand while building */
	int64_t created;
};

static void
header(struct fixture *fx, struct rel_buf *out, int64_t created)
{
	static const char *const versions[] = { "1.0", "2.0" };
	struct rel_new_release nr = {
		.product = "web", .created = created, .by = "tester",
		.flow_hash = fx->s.hash, .flow_source = "web.yaml",
		.versions = versions, .message = "",
	};

	rel_release_header(out, &nr, fx->s.flow);
}

static void
build(struct rel_buf *out, void *arg)
{
	struct build *b = arg;
	char path[UNIT_PATH_MAX];

	if (b->plant) {
		/* Someone (another machine, say, ignoring our lock) makes
		 * the next id between our build and our link(). */
		unit_path(path, b->fx->releases, b->plant);
		unit_write_file(path, "planted\n", 8);
	}
	b->calls++;
	header(b->fx, out, b->created ? b->created : T0);
}

static unsigned long
create(struct fixture *fx)
{
	struct build b = { fx, 0, NULL, T0 + (int64_t)(fx->made + 1) * 1000 };
	struct rel_err err = { 0, "" };
	unsigned long n = 0;

	fx->made++;
	if (rel_release_create(&fx->s.p, build, &b, &n, &err) != 0)
		fail_msg("create: %s", err.msg);
	assert_int_equal(b.calls, 1);
	return n;
}

static unsigned long
last(struct rel_product *p)
{
	struct rel_err err = { 0, "" };
	unsigned long n = 12345;

	if (rel_product_last(p, &n, &err) != 0)
		fail_msg("last: %s", err.msg);
	return n;
}

/* Close and reopen fx->s.p, as the next command would. */
static void
reopen(struct fixture *fx)
{
	struct rel_err err = { 0, "" };

	rel_product_close(&fx->s.p);
	assert_int_equal(rel_product_open(&fx->s.st, "web", 0, &fx->s.p, &err),
	    0);
}

static void
test_store_open_missing(void **state)
{
	struct fixture *fx = *state;
	struct rel_store st;
	struct rel_product p;
	struct rel_err err = { 0, "" };
	char path[UNIT_PATH_MAX], want[UNIT_PATH_MAX + 80];
	char (*names)[REL_NAME_MAX + 1] = (void *)&names;
	size_t n = 7;

	/* Without create, a missing store reads as empty. */
	unit_path(path, fx->s.dir, "nothing/here");
	assert_int_equal(rel_store_open(&st, path, 0, "t", &err), 0);
	assert_int_equal(st.fd, -1);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(rel_store_products(&st, &names, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(names);
	assert_int_equal(rel_product_exists(&st, "web"), 0);
	assert_int_equal(rel_product_open(&st, "web", 0, &p, &err),
	    REL_ENOTFOUND);
	snprintf(want, sizeof want, "no product 'web': the state directory "
	    "%s does not exist", path);
	assert_string_equal(err.msg, want);
	rel_product_close(&p);
	rel_store_close(&st);
	rel_store_close(&st); /* twice is harmless */
}

static void
test_store_open_creates(void **state)
{
	struct fixture *fx = *state;
	struct stat sb;
	char want[64];

	/* Made with its parents. */
	assert_true(fx->s.st.fd >= 0);
	assert_int_equal(stat(fx->s.root, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(stat(fx->releases, &sb), 0);
	assert_int_equal(fx->s.st.wait_ms, REL_WAIT_DEFAULT_MS);
	assert_string_equal(fx->s.st.root, fx->s.root);
	snprintf(want, sizeof want, "test_store (pid %ld, user ",
	    (long)getpid());
	assert_memory_equal(rel_store_holder(&fx->s.st), want, strlen(want));
}

static void
test_store_path(void **state)
{
	static const char *const vars[] = { "REL_STATE_DIR", "XDG_STATE_HOME",
	    "HOME" };
	char *saved[3];
	char out[UNIT_PATH_MAX];
	struct rel_err err = { 0, "" };

	(void)state;
	for (int i = 0; i < 3; i++) {
		const char *v = getenv(vars[i]);

		saved[i] = v ? strdup(v) : NULL;
		unsetenv(vars[i]);
	}
	assert_int_equal(rel_store_path("/opt/s", out, sizeof out, &err), 0);
	assert_string_equal(out, "/opt/s");
	assert_int_equal(rel_store_path(NULL, out, sizeof out, &err),
	    REL_EUSAGE);
	assert_non_null(strstr(err.msg, "--state DIR"));
	setenv("HOME", "/home/ann", 1);
	assert_int_equal(rel_store_path(NULL, out, sizeof out, &err), 0);
	assert_string_equal(out, "/home/ann/.local/state/rel");
	setenv("XDG_STATE_HOME", "/xdg", 1);
	assert_int_equal(rel_store_path("", out, sizeof out, &err), 0);
	assert_string_equal(out, "/xdg/rel");
	setenv("REL_STATE_DIR", "/env/state", 1);
	assert_int_equal(rel_store_path(NULL, out, sizeof out, &err), 0);
	assert_string_equal(out, "/env/state");
	assert_int_equal(rel_store_path("/opt/s", out, sizeof out, &err), 0);
	assert_string_equal(out, "/opt/s");
	assert_int_equal(rel_store_path("/a/long/path", out, 6, &err),
	    REL_EUSAGE);
	for (int i = 0; i < 3; i++) {
		if (saved[i])
			setenv(vars[i], saved[i], 1);
		else
			unsetenv(vars[i]);
		free(saved[i]);
	}
}

static void
test_product_open(void **state)
{
	struct fixture *fx = *state;
	struct rel_product p;
	struct rel_err err = { 0, "" };
	char path[UNIT_PATH_MAX], want[UNIT_PATH_MAX + 64];
	char (*names)[REL_NAME_MAX + 1] = NULL;
	size_t n = 0;

	assert_int_equal(rel_product_open(&fx->s.st, "api", 0, &p, &err),
	    REL_ENOTFOUND);
	assert_int_equal(err.code, REL_ENOTFOUND);
	snprintf(want, sizeof want, "no product 'api' in %s", fx->s.root);
	assert_string_equal(err.msg, want);
	assert_int_equal(p.dir, -1);
	rel_product_close(&p);
	assert_int_equal(rel_product_exists(&fx->s.st, "api"), 0);
	/* Names are checked before anything is opened or made. */
	assert_int_equal(rel_product_open(&fx->s.st, "web-1", 1, &p, &err),
	    REL_EUSAGE);
	assert_int_equal(rel_product_open(&fx->s.st, "../x", 1, &p, &err),
	    REL_EUSAGE);
	assert_int_equal(rel_product_open(&fx->s.st, "", 1, &p, &err),
	    REL_EUSAGE);
	unit_path(path, fx->s.dir, "x");
	assert_int_equal(access(path, F_OK), -1);

	assert_int_equal(rel_product_open(&fx->s.st, "zeta", 1, &p, &err), 0);
	rel_product_close(&p);
	assert_int_equal(rel_product_open(&fx->s.st, "alpha", 1, &p, &err), 0);
	rel_product_close(&p);
	assert_int_equal(rel_product_exists(&fx->s.st, "alpha"), 1);
	/* What is not a product's directory is not listed. */
	unit_path(path, fx->s.root, "products/web-1");
	assert_int_equal(mkdir(path, 0755), 0);
	unit_path(path, fx->s.root, "products/.tmp");
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(rel_store_products(&fx->s.st, &names, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "alpha");
	assert_string_equal(names[1], "web");
	assert_string_equal(names[2], "zeta");
	free(names);
}

static void
test_product_link_refused(void **state)
{
	struct fixture *fx = *state;
	struct rel_product p;
	struct rel_err err = { 0, "" };
	char path[UNIT_PATH_MAX], target[UNIT_PATH_MAX];

	unit_path(target, fx->s.dir, "elsewhere");
	assert_int_equal(mkdir(target, 0755), 0);
	unit_path(path, fx->s.root, "products/evil");
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(rel_product_exists(&fx->s.st, "evil"), 0);
	assert_int_equal(rel_product_open(&fx->s.st, "evil", 1, &p, &err),
	    REL_ESYS);
	assert_non_null(strstr(err.msg, "is a symbolic link"));
	rel_product_close(&p);
	unit_path(path, target, "releases");
	assert_int_equal(access(path, F_OK), -1); /* nothing made there */
}

static void
test_create_ids(void **state)
{
	struct fixture *fx = *state;
	struct rel_release *r = NULL;
	struct rel_err err = { 0, "" };
	char path[UNIT_PATH_MAX], id[32];

	assert_int_equal(last(&fx->s.p), 0);
	for (unsigned long k = 1; k <= 5; k++)
		assert_int_equal(create(fx), k);
	assert_int_equal(last(&fx->s.p), 5);
	for (unsigned long k = 1; k <= 5; k++) {
		snprintf(id, sizeof id, "web-%lu", k);
		assert_int_equal(rel_release_exists(&fx->s.p, k), 1);
		assert_int_equal(rel_release_load(&fx->s.p, k, &r, &err), 0);
		assert_string_equal(r->id, id);
		assert_int_equal(r->n, k);
		assert_int_equal(r->created, T0 + (int64_t)k * 1000);
		assert_int_equal(r->status, REL_PENDING);
		rel_release_free(r);
		unit_path(path, fx->releases, id);
		assert_int_equal(access(path, F_OK), 0);
	}
	assert_int_equal(rel_release_exists(&fx->s.p, 6), 0);
	assert_int_equal(rel_release_load(&fx->s.p, 6, &r, &err),
	    REL_ENOTFOUND);
	assert_null(r);
	assert_non_null(strstr(err.msg, "no release 'web-6' in "));
	/* No temporary file left behind. */
	{
		DIR *d = opendir(fx->releases);
		struct dirent *de;
		int files = 0;

		assert_non_null(d);
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				files++;
			else
				assert_true(!strcmp(de->d_name, ".") ||
				    !strcmp(de->d_name, ".."));
		closedir(d);
		assert_int_equal(files, 5);
	}
}

static void
test_create_skips_taken_id(void **state)
{
	struct fixture *fx = *state;
	struct build b = { fx, 0, "web-2", 0 };
	struct rel_err err = { 0, "" };
	struct rel_buf got = REL_BUF_INIT;
	char path[UNIT_PATH_MAX];
	unsigned long n = 0;

	assert_int_equal(create(fx), 1);
	/* The next id is taken before the link: the one after is used. */
	assert_int_equal(rel_release_create(&fx->s.p, build, &b, &n, &err), 0);
	assert_int_equal(b.calls, 1);
	assert_int_equal(n, 3);
	unit_path(path, fx->releases, "web-2");
	unit_read_file(path, &got);
	assert_string_equal(got.s, "planted\n"); /* not replaced */
	rel_buf_free(&got);
	/* A record made by hand beforehand is skipped too. */
	unit_path(path, fx->releases, "web-4");
	unit_write_file(path, "by hand\n", 8);
	assert_int_equal(create(fx), 5);
	assert_int_equal(last(&fx->s.p), 5);
}

struct upd {
	const char *object, *from, *to;
	int rc;       /* return this (with a message) instead */
	int calls;
};

static int
update_fn(struct rel_release *r, struct rel_buf *lines, void *arg,
    struct rel_err *err)
{
	struct upd *u = arg;

	u->calls++;
	if (u->rc)
		return rel_err_set(err, u->rc, "refused by the test");
	if (u->object)
		rel_tr_line(lines, T0 + 100000, "ann", u->object, u->from,
		    u->to, r->attempt + 1, "because", "how=promote");
	return 0;
}

/* The summary line of release n as rel_release_list gives it. */
struct listed {
	unsigned long n[16];
	char line[16][256];
	size_t count;
};

static int
list_fn(const struct rel_product *p, unsigned long n, int64_t created,
    const char *line, size_t len, void *arg)
{
	struct listed *l = arg;

	(void)p;
	assert_int_equal(created, T0 + (int64_t)n * 1000);
	assert_true(l->count < 16);
	assert_true(len < sizeof l->line[0]);
	l->n[l->count] = n;
	memcpy(l->line[l->count], line, len);
	l->line[l->count][len] = '\0';
	l->count++;
	return 0;
}

static void
test_update(void **state)
{
	struct fixture *fx = *state;
	struct upd u = { "dev", "pending", "running", 0, 0 };
	struct rel_release *after = NULL, *r = NULL;
	struct rel_err err = { 0, "" };
	struct listed l = { .count = 0 };
	char path[UNIT_PATH_MAX];
	struct stat sb, sb2;

	assert_int_equal(create(fx), 1);
	unit_path(path, fx->releases, "web-1");
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(rel_release_update(&fx->s.p, 1, update_fn, &u, 1,
	    &after, &err), 0);
	assert_int_equal(u.calls, 1);
	assert_non_null(after);
	assert_int_equal(after->envs[0].status, REL_RUNNING);
	assert_int_equal(after->status, REL_RUNNING);
	/* The release's own change is written down too. */
	assert_int_equal(after->ntr, 2);
	assert_string_equal(after->tr[0].object, "dev");
	assert_string_equal(after->tr[1].object, "-");
	assert_string_equal(after->tr[1].from, "pending");
	assert_string_equal(after->tr[1].to, "running");
	rel_release_free(after);
	/* Appended, and what is on disk says the same. */
	assert_int_equal(stat(path, &sb2), 0);
	assert_true(sb2.st_size > sb.st_size);
	assert_int_equal(rel_release_load(&fx->s.p, 1, &r, &err), 0);
	assert_int_equal(r->status, REL_RUNNING);
	assert_int_equal(r->ntr, 2);
	assert_int_equal(r->bad_lines, 0);
	rel_release_free(r);
	/* The index follows. */
	assert_int_equal(rel_release_list(&fx->s.p, 0, NULL, list_fn, &l, &err),
	    0);
	assert_int_equal(l.count, 1);
	assert_int_equal(l.n[0], 1);
	assert_string_equal(l.line[0], "web-1\tweb\trunning\t"
	    "2026-11-21T22:39:12Z\ttester\tno\tdev=running,qa=pending");
	/* The slot itself is clean and holds that line. */
	{
		struct rel_buf idx = REL_BUF_INIT;
		const char *slot;

		unit_path(path, fx->s.root, "cache/web/index");
		unit_read_file(path, &idx);
		assert_true(idx.len >= 2 * REL_INDEX_SLOT);
		slot = idx.s + REL_INDEX_SLOT;
		assert_int_equal(slot[0], 'C');
		for (size_t i = 1; i < REL_INDEX_SLOT; i++)
			if (!strcmp(slot + i, l.line[0]))
				break;
			else
				assert_true(i + 1 < REL_INDEX_SLOT);
		rel_buf_free(&idx);
	}
}

static void
test_update_changes_nothing(void **state)
{
	struct fixture *fx = *state;
	struct upd u = { "dev", "pending", "running", REL_EUSAGE, 0 };
	struct rel_release *after = (struct rel_release *)&after;
	struct rel_err err = { 0, "" };
	struct rel_buf before = REL_BUF_INIT, now = REL_BUF_INIT;
	char path[UNIT_PATH_MAX];

	assert_int_equal(create(fx), 1);
	unit_path(path, fx->releases, "web-1");
	unit_read_file(path, &before);
	/* fn refuses: nothing written, its error returned. */
	assert_int_equal(rel_release_update(&fx->s.p, 1, update_fn, &u, 1,
	    &after, &err), REL_EUSAGE);
	assert_string_equal(err.msg, "refused by the test");
	assert_null(after);
	/* fn adds nothing: nothing written, the release handed back. */
	u.rc = 0;
	u.object = NULL;
	assert_int_equal(rel_release_update(&fx->s.p, 1, update_fn, &u, 0,
	    &after, &err), 0);
	assert_non_null(after);
	assert_int_equal(after->n, 1);
	rel_release_free(after);
	unit_read_file(path, &now);
	assert_int_equal(now.len, before.len);
	assert_memory_equal(now.s, before.s, now.len);
	/* No such release. */
	assert_int_equal(rel_release_update(&fx->s.p, 9, update_fn, &u, 0,
	    NULL, &err), REL_ENOTFOUND);
	assert_int_equal(u.calls, 2);
	/* The lock was let go each time. */
	assert_int_equal(fx->s.p.locked, 0);
	rel_buf_free(&before);
	rel_buf_free(&now);
}

static void
test_last_index_missing_or_lagging(void **state)
{
	struct fixture *fx = *state;
	struct rel_err err = { 0, "" };
	char path[UNIT_PATH_MAX];

	for (int i = 0; i < 4; i++)
		create(fx);
	assert_int_equal(rel_index_last(&fx->s.p), 4);
	/* No index at all: the records are listed. */
	unit_path(path, fx->s.root, "cache");
	assert_int_equal(unit_rm_rf(path), 0);
	reopen(fx);
	assert_int_equal(rel_index_last(&fx->s.p), 0);
	assert_int_equal(last(&fx->s.p), 4);
	assert_int_equal(create(fx), 5);
	/* The index lags the records (a crash after the record). */
	assert_int_equal(rel_index_set_last(&fx->s.p, 2, &err), 0);
	reopen(fx);
	assert_int_equal(rel_index_last(&fx->s.p), 2);
	assert_int_equal(last(&fx->s.p), 5);
	/* Or leads them (records lost): never trusted beyond them. */
	assert_int_equal(rel_index_set_last(&fx->s.p, 9, &err), 0);
	reopen(fx);
	assert_int_equal(last(&fx->s.p), 5);
	assert_int_equal(create(fx), 6);
	/* A header that is garbage reads as no index. */
	unit_path(path, fx->s.root, "cache/web/index");
	unit_write_file(path, "garbage", 7);
	reopen(fx);
	assert_int_equal(rel_index_last(&fx->s.p), 0);
	assert_int_equal(last(&fx->s.p), 6);
	/* Records with names that are not ids do not count. */
	unit_path(path, fx->releases, "web-0100x");
	unit_write_file(path, "x", 1);
	unit_path(path, fx->releases, "web-099");
	unit_write_file(path, "x", 1);
	unit_path(path, fx->releases, "webby-50");
	unit_write_file(path, "x", 1);
	assert_int_equal(last(&fx->s.p), 6);
}

/* Copy the record of release 1 to number n, by hand. */
static void
copy_record(struct fixture *fx, unsigned long n)
{
	char from[UNIT_PATH_MAX], to[UNIT_PATH_MAX], name[64];
	struct rel_buf b = REL_BUF_INIT;

	unit_path(from, fx->releases, "web-1");
	snprintf(name, sizeof name, "web-%lu", n);
	unit_path(to, fx->releases, name);
	unit_read_file(from, &b);
	unit_write_file(to, b.s, b.len);
	rel_buf_free(&b);
}

static void
test_strays(void **state)
{
	struct fixture *fx = *state;
	struct rel_err err = { 0, "" };
	struct rel_release *r = NULL;
	struct rel_product p;
	unsigned long *v = NULL, count = 0;
	char path[UNIT_PATH_MAX];
	struct stat sb;
	size_t n = 0;

	/* No record at all: no stray, and nothing to move (UBSan). */
	assert_int_equal(rel_release_strays(&fx->s.p, &v, &n, &count, &err), 0);
	assert_int_equal(n, 0);
	assert_null(v);
	assert_int_equal(count, 0);
	for (int i = 0; i < 3; i++)
		create(fx);
	/* Far beyond the others: a stray, however the last is found. */
	copy_record(fx, 99999999);
	assert_int_equal(last(&fx->s.p), 3);
	unit_path(path, fx->s.root, "cache");
	assert_int_equal(unit_rm_rf(path), 0);
	reopen(fx);
	assert_int_equal(last(&fx->s.p), 3);
	assert_int_equal(rel_release_strays(&fx->s.p, &v, &n, NULL, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0], 99999999);
	free(v);
	/* The index is rebuilt from the directory: four slots, no more. */
	assert_int_equal(rel_release_reindex(&fx->s.p, &count, &err), 0);
	assert_int_equal(count, 3);
	unit_path(path, fx->s.root, "cache/web/index");
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 4 * REL_INDEX_SLOT);
	assert_int_equal(rel_index_last(&fx->s.p), 3);
	/* By its id it is no release, and says why. */
	assert_int_equal(rel_release_open(&fx->s.st, "web-99999999", &p, &r,
	    &err), REL_ENOTFOUND);
	assert_null(r);
	assert_non_null(strstr(err.msg, "stray record"));
	assert_non_null(strstr(err.msg, "the last is web-3"));
	rel_product_close(&p);
	assert_int_equal(rel_release_stray(&fx->s.p, 3, &err), 0);
	assert_int_equal(rel_release_stray(&fx->s.p, 99999999, &err),
	    REL_ENOTFOUND);
	/* A number that is not there is no stray: a load says not found. */
	assert_int_equal(rel_release_stray(&fx->s.p, 12345, &err), 0);
	/* Ids go on from the releases. */
	assert_int_equal(create(fx), 4);
	/* A gap of REL_RECORD_GAP is a gap; one more makes a stray. */
	copy_record(fx, 4 + REL_RECORD_GAP + 1);
	copy_record(fx, 4 + REL_RECORD_GAP + 1 + REL_RECORD_GAP + 2);
	unit_path(path, fx->s.root, "cache");
	assert_int_equal(unit_rm_rf(path), 0);
	reopen(fx);
	assert_int_equal(last(&fx->s.p), 4 + REL_RECORD_GAP + 1);
	assert_int_equal(rel_release_strays(&fx->s.p, &v, &n, NULL, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0], 4 + REL_RECORD_GAP + 1 + REL_RECORD_GAP + 2);
	assert_int_equal(v[1], 99999999);
	free(v);
}

/* Load release n: must fail with REL_ESYS naming the file as `what`. */
static void
load_refused(struct fixture *fx, unsigned long n, const char *what)
{
	struct rel_release *r = (struct rel_release *)&r;
	struct rel_err err = { 0, "" };
	struct upd u = { "dev", "pending", "running", 0, 0 };
	char want[UNIT_PATH_MAX + 64];

	snprintf(want, sizeof want, "%s/web-%lu: is %s, not a regular file",
	    fx->releases, n, what);
	alarm(10); /* a FIFO must not hang us */
	assert_int_equal(rel_release_load(&fx->s.p, n, &r, &err), REL_ESYS);
	alarm(0);
	assert_null(r);
	assert_string_equal(err.msg, want);
	/* Nor can it be changed. */
	alarm(10);
	assert_int_equal(rel_release_update(&fx->s.p, n, update_fn, &u, 1, NULL,
	    &err), REL_ESYS);
	alarm(0);
	assert_int_equal(u.calls, 0);
	assert_string_equal(err.msg, want);
}

static void
test_symlink_record_refused(void **state)
{
	struct fixture *fx = *state;
	struct rel_buf rec = REL_BUF_INIT, got = REL_BUF_INIT;
	struct rel_product p;
	struct rel_release *r = NULL;
	struct rel_err err = { 0, "" };
	char path[UNIT_PATH_MAX], target[UNIT_PATH_MAX];

	assert_int_equal(create(fx), 1);
	/* A good record for web-2, outside the store, linked in. */
	header(fx, &rec, T0);
	unit_path(target, fx->s.dir, "outside");
	unit_write_file(target, rec.s, rec.len);
	unit_path(path, fx->releases, "web-2");
	assert_int_equal(symlink(target, path), 0);
	load_refused(fx, 2, "a symbolic link");
	assert_int_equal(rel_release_open(&fx->s.st, "web-2", &p, &r, &err),
	    REL_ESYS);
	assert_null(r);
	unit_read_file(target, &got);
	assert_int_equal(got.len, rec.len); /* not written through */
	/* The id stays taken: the next release is web-3. */
	assert_int_equal(create(fx), 3);
	rel_buf_free(&rec);
	rel_buf_free(&got);
}

static void
test_fifo_record_refused(void **state)
{
	struct fixture *fx = *state;
	char path[UNIT_PATH_MAX];

	unit_path(path, fx->releases, "web-1");
	assert_int_equal(mkfifo(path, 0644), 0);
	load_refused(fx, 1, "a FIFO");
}

static void
test_dir_record_refused(void **state)
{
	struct fixture *fx = *state;
	char path[UNIT_PATH_MAX];

	unit_path(path, fx->releases, "web-1");
	assert_int_equal(mkdir(path, 0755), 0);
	load_refused(fx, 1, "a directory");
}

static void
test_damaged_record(void **state)
{
	struct fixture *fx = *state;
	struct rel_release *r = (struct rel_release *)&r;
	struct rel_buf rec = REL_BUF_INIT;
	struct rel_err err = { 0, "" };
	char path[UNIT_PATH_MAX];

	/* A record of another product under this one's name. */
	header(fx, &rec, T0);
	assert_non_null(strstr(rec.s, "rel\t2\tweb\t"));
	memcpy(strstr(rec.s, "rel\t2\tweb\t") + 6, "api", 3);
	unit_path(path, fx->releases, "web-1");
	unit_write_file(path, rec.s, rec.len);
	assert_int_equal(rel_release_load(&fx->s.p, 1, &r, &err), REL_ESYS);
	assert_null(r);
	assert_non_null(strstr(err.msg, "damaged release record"));
	/* An empty one. */
	unit_write_file(path, "", 0);
	assert_int_equal(rel_release_load(&fx->s.p, 1, &r, &err), REL_ESYS);
	assert_non_null(strstr(err.msg, "damaged release record"));
	rel_buf_free(&rec);
}

static void
test_release_open(void **state)
{
	struct fixture *fx = *state;
	struct rel_product p;
	struct rel_release *r = NULL;
	struct rel_err err = { 0, "" };
	char want[UNIT_PATH_MAX + 64];

	create(fx);
	create(fx);
	assert_int_equal(rel_release_open(&fx->s.st, "web-2", &p, &r, &err), 0);
	assert_non_null(r);
	assert_string_equal(r->id, "web-2");
	assert_string_equal(p.name, "web");
	assert_true(p.dir >= 0);
	rel_release_free(r);
	rel_product_close(&p);
	assert_int_equal(rel_release_open(&fx->s.st, "web-3", &p, &r, &err),
	    REL_ENOTFOUND);
	assert_null(r);
	assert_int_equal(p.dir, -1);
	snprintf(want, sizeof want, "no release 'web-3' in %s", fx->s.root);
	assert_string_equal(err.msg, want);
	assert_int_equal(rel_release_open(&fx->s.st, "api-1", &p, &r, &err),
	    REL_ENOTFOUND);
	snprintf(want, sizeof want, "no release 'api-1' in %s (no product "
	    "'api')", fx->s.root);
	assert_string_equal(err.msg, want);
	assert_int_equal(rel_release_open(&fx->s.st, "web", &p, &r, &err),
	    REL_EUSAGE);
	assert_int_equal(rel_release_open(&fx->s.st, "../web-1", &p, &r, &err),
	    REL_EUSAGE);
}

static void
test_product_lock(void **state)
{
	struct fixture *fx = *state;
	struct rel_store st2;
	struct rel_product p2;
	struct build b = { fx, 0, NULL, 0 };
	struct rel_err err = { 0, "" };
	char want[400];
	unsigned long n = 0;

	assert_int_equal(rel_store_open(&st2, fx->s.root, 0, "other", &err), 0);
	st2.wait_ms = 0;
	assert_int_equal(rel_product_open(&st2, "web", 0, &p2, &err), 0);
	/* Nests. */
	assert_int_equal(rel_product_lock(&fx->s.p, &err), 0);
	assert_int_equal(rel_product_lock(&fx->s.p, &err), 0);
	rel_product_unlock(&fx->s.p);
	/* Another holder gives up and names us. */
	assert_int_equal(rel_product_lock(&p2, &err), REL_EBUSY);
	snprintf(want, sizeof want, "is locked by %s;",
	    rel_store_holder(&fx->s.st));
	assert_non_null(strstr(err.msg, want));
	assert_non_null(strstr(err.msg, "/locks/web.lock"));
	assert_int_equal(p2.locked, 0);
	/* Nothing is made while someone else holds the lock. */
	assert_int_equal(rel_release_create(&p2, build, &b, &n, &err),
	    REL_EBUSY);
	/* Built (before the lock), but nothing made, nothing left. */
	assert_int_equal(b.calls, 1);
	{
		DIR *d = opendir(fx->releases);
		struct dirent *de;
		int files = 0;

		assert_non_null(d);
		while ((de = readdir(d)))
			files += de->d_name[0] != '.' ||
			    !strncmp(de->d_name, ".tmp.", 5);
		closedir(d);
		assert_int_equal(files, 0);
	}
	rel_product_unlock(&fx->s.p);
	assert_int_equal(fx->s.p.locked, 0);
	assert_int_equal(rel_release_create(&p2, build, &b, &n, &err), 0);
	assert_int_equal(n, 1);
	rel_product_unlock(&fx->s.p); /* one too many: harmless */
	rel_product_close(&p2);
	rel_store_close(&st2);
}

static void
test_flow_copy(void **state)
{
	struct fixture *fx = *state;
	struct rel_release *r = NULL;
	struct rel_flow *f = NULL;
	struct rel_err err = { 0, "" };
	char hash[65], path[UNIT_PATH_MAX], name[100];

	assert_int_equal(rel_flow_store(&fx->s.p, flow_yaml, strlen(flow_yaml),
	    hash, &err), 0);
	assert_string_equal(hash, fx->s.hash);
	/* Storing the same content again is a no-op. */
	assert_int_equal(rel_flow_store(&fx->s.p, flow_yaml, strlen(flow_yaml),
	    hash, &err), 0);
	create(fx);
	assert_int_equal(rel_release_load(&fx->s.p, 1, &r, &err), 0);
	assert_int_equal(rel_flow_of_release(&fx->s.p, r, &f, &err), 0);
	assert_non_null(f);
	assert_int_equal(f->nenvs, 2);
	assert_string_equal(f->envs[1].name, "qa");
	rel_flow_free(f);
	f = NULL;
	/* A copy whose content no longer matches its name. */
	snprintf(name, sizeof name, "products/web/flows/%s.yaml", hash);
	unit_path(path, fx->s.root, name);
	unit_write_file(path, "environments: [{name: x}]\n", 26);
	assert_int_equal(rel_flow_of_release(&fx->s.p, r, &f, &err), REL_ESYS);
	assert_null(f);
	assert_non_null(strstr(err.msg, "damaged flow copy"));
	rel_release_free(r);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, \
    unit_store_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_store_open_missing),
		T(test_store_open_creates),
		cmocka_unit_test(test_store_path),
		T(test_product_open),
		T(test_product_link_refused),
		T(test_create_ids),
		T(test_create_skips_taken_id),
		T(test_update),
		T(test_update_changes_nothing),
		T(test_last_index_missing_or_lagging),
		T(test_strays),
		T(test_symlink_record_refused),
		T(test_fifo_record_refused),
		T(test_dir_record_refused),
		T(test_damaged_record),
		T(test_release_open),
		T(test_product_lock),
		T(test_flow_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
