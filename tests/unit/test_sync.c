/*
 * test_sync.c - the sync core (lib/lg2.c, replica.c, remote.c,
 * syncfiles.c, sync.c) against a bare repository given by its path: the
 * compare-and-swap push, commits of appends and whole files, the
 * publish primitive refused and redone, a rewritten branch refused, an
 * unreachable remote.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "replica.h"
#include "sync.h"
#include "syncfiles.h"
#include "unit.h"

struct fx {
	char dir[UNIT_DIR_MAX];
	char url[UNIT_PATH_MAX];
	struct rel_lg2 g;          /* to look at the remote directly */
	git_repository *remote;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct rel_err err;

	if (!f || unit_mkdtemp(f->dir) < 0)
		return -1;
	snprintf(f->url, sizeof f->url, "%s/remote.git", f->dir);
	if (rel_lg2_load(&f->g, &err) ||
	    f->g.repository_init(&f->remote, f->url, 1) < 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	int rc;

	f->g.repository_free(f->remote);
	rel_lg2_unload(&f->g);
	rc = unit_rm_rf(f->dir);
	free(f);
	return rc;
}

/* The remote's rel/web, or zero. */
static git_oid
remote_tip(struct fx *f)
{
	git_oid id;

	memset(&id, 0, sizeof id);
	f->g.reference_name_to_id(&id, f->remote, "refs/heads/rel/web");
	return id;
}

/* The content of path in the remote's rel/web. */
static void
remote_file(struct fx *f, const char *path, struct rel_buf *out)
{
	git_oid tip = remote_tip(f);
	git_commit *c;
	git_tree *t;
	git_tree_entry *e;
	git_blob *b;

	assert_int_equal(f->g.commit_lookup(&c, f->remote, &tip), 0);
	assert_int_equal(f->g.commit_tree(&t, c), 0);
	assert_int_equal(f->g.tree_entry_bypath(&e, t, path), 0);
	assert_int_equal(f->g.blob_lookup(&b, f->remote,
	    f->g.tree_entry_id(e)), 0);
	rel_buf_add(out, f->g.blob_rawcontent(b), (size_t)f->g.blob_rawsize(b));
	f->g.blob_free(b);
	f->g.tree_entry_free(e);
	f->g.tree_free(t);
	f->g.commit_free(c);
}

static void
open_store(struct fx *f, const char *name, struct rel_store *st)
{
	char root[UNIT_PATH_MAX];
	struct rel_err err;

	unit_path(root, f->dir, name);
	assert_int_equal(rel_store_open(st, root, 1, "test", &err), 0);
}

static void
test_cas_push(void **state)
{
	struct fx *f = *state;
	struct rel_store st;
	struct rel_replica r;
	struct rel_err err;
	struct rel_change ch = { "envs/dev", "one\n", 4, 1 };
	git_oid c1, c2, c3;
	char why[256];
	int accepted;

	open_store(f, "a", &st);
	assert_int_equal(rel_replica_open(&r, &st, f->url, &err), 0);
	assert_int_equal(strlen(r.machine), REL_MACHINE_ID_LEN);

	/* Creation: only while the branch does not exist. */
	assert_int_equal(rel_replica_commit(&r, "web", NULL, &ch, 1, "alice",
	    "one", &c1, &err), 0);
	assert_int_equal(rel_remote_push(&r, "web", &c1, NULL, &accepted, why,
	    sizeof why, &err), 0);
	assert_true(accepted);
	{
		git_oid t = remote_tip(f);

		assert_true(rel_oid_eq(&t, &c1));
	}
	assert_int_equal(rel_remote_push(&r, "web", &c1, NULL, &accepted, why,
	    sizeof why, &err), 0);
	assert_false(accepted);

	/* An update: only from the commit it was built on. */
	ch.data = "two\n";
	assert_int_equal(rel_replica_commit(&r, "web", &c1, &ch, 1, "bob",
	    "two", &c2, &err), 0);
	ch.data = "three\n";
	ch.len = 6;
	assert_int_equal(rel_replica_commit(&r, "web", &c1, &ch, 1, "carol",
	    "three", &c3, &err), 0);
	assert_int_equal(rel_remote_push(&r, "web", &c2, &c1, &accepted, why,
	    sizeof why, &err), 0);
	assert_true(accepted);
	assert_int_equal(rel_remote_push(&r, "web", &c3, &c1, &accepted, why,
	    sizeof why, &err), 0);
	assert_false(accepted);
	{
		git_oid t = remote_tip(f);
		struct rel_buf b = REL_BUF_INIT;

		assert_true(rel_oid_eq(&t, &c2));
		/* An append is the parent's file plus the new bytes. */
		remote_file(f, "envs/dev", &b);
		assert_string_equal(b.s, "one\ntwo\n");
		rel_buf_free(&b);
	}
	rel_replica_close(&r);
	rel_store_close(&st);
}

static void
test_bulk_commit(void **state)
{
	struct fx *f = *state;
	struct rel_store st;
	struct rel_replica r;
	struct rel_err err;
	struct rel_change ch[300];
	char paths[300][32], data[300][16];
	git_oid c;
	int accepted;

	open_store(f, "a", &st);
	assert_int_equal(rel_replica_open(&r, &st, f->url, &err), 0);
	for (int i = 0; i < 300; i++) {
		snprintf(paths[i], sizeof paths[i], "releases/web-%d", i + 1);
		snprintf(data[i], sizeof data[i], "record %d\n", i + 1);
		ch[i] = (struct rel_change){ paths[i], data[i],
		    strlen(data[i]), 0 };
	}
	/* Through a pack in memory: more than a few dozen changes. */
	assert_int_equal(rel_replica_commit(&r, "web", NULL, ch, 300, "bulk",
	    "many", &c, &err), 0);
	assert_int_equal(rel_remote_push(&r, "web", &c, NULL, &accepted, NULL,
	    0, &err), 0);
	assert_true(accepted);
	{
		struct rel_buf b = REL_BUF_INIT;

		remote_file(f, "releases/0/02/web-250", &b);
		assert_string_equal(b.s, "record 250\n");
		rel_buf_free(&b);
	}
	rel_replica_close(&r);
	rel_store_close(&st);
}

/* Publish one appended line of envs/dev from store st as a changing
 * command will; returns how many times it was refused. */
static int
publish(struct rel_sync *s, struct rel_store *st, const char *line)
{
	struct rel_product p;
	struct rel_err err;
	struct rel_change ch = { "envs/dev", line, strlen(line), 1 };
	int accepted = 0, refused = 0;

	assert_int_equal(rel_product_open(st, "web", 1, &p, &err), 0);
	while (!accepted) {
		assert_int_equal(rel_product_lock(&p, &err), 0);
		assert_int_equal(rel_sync_publish(s, &p, &ch, 1, "t", line,
		    &accepted, &err), 0);
		if (accepted) {
			char path[UNIT_PATH_MAX];
			int fd;

			rel_product_path(&p, "envs", path, sizeof path);
			mkdir(path, 0775);
			strcat(path, "/dev");
			fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
			assert_true(fd >= 0);
			assert_int_equal(write(fd, line, ch.len),
			    (ssize_t)ch.len);
			close(fd);
			assert_int_equal(rel_sync_settle(s, &p, &err), 0);
		} else {
			refused++;
		}
		rel_product_unlock(&p);
	}
	rel_product_close(&p);
	return refused;
}

static void
read_local(struct fx *f, const char *store, struct rel_buf *out)
{
	char rel[64], path[UNIT_PATH_MAX];

	snprintf(rel, sizeof rel, "%s/products/web/envs/dev", store);
	unit_read_file(unit_path(path, f->dir, rel), out);
}

static void
test_publish_refused_then_redone(void **state)
{
	struct fx *f = *state;
	struct rel_store a, b;
	struct rel_sync *sa, *sb;
	struct rel_err err;
	struct rel_buf la = REL_BUF_INIT, lb = REL_BUF_INIT, rb = REL_BUF_INIT;

	open_store(f, "a", &a);
	open_store(f, "b", &b);
	assert_int_equal(rel_sync_open(&sa, &a, f->url, &err), 0);
	assert_int_equal(rel_sync_open(&sb, &b, f->url, &err), 0);
	assert_int_equal(publish(sa, &a, "a1\n"), 0);
	/* b has not seen a1: refused once, a1 written out, then b1. */
	assert_int_equal(publish(sb, &b, "b1\n"), 1);
	assert_int_equal(publish(sa, &a, "a2\n"), 1);
	read_local(f, "a", &la);
	read_local(f, "b", &lb);
	remote_file(f, "envs/dev", &rb);
	assert_string_equal(rb.s, "a1\nb1\na2\n");
	assert_string_equal(la.s, "a1\nb1\na2\n");
	assert_string_equal(lb.s, "a1\nb1\n");
	rel_buf_free(&la);
	rel_buf_free(&lb);
	rel_buf_free(&rb);
	rel_sync_close(sa);
	rel_sync_close(sb);
	rel_store_close(&a);
	rel_store_close(&b);
}

static void
test_rewritten_refused(void **state)
{
	struct fx *f = *state;
	struct rel_store a;
	struct rel_sync *s;
	struct rel_product p;
	struct rel_err err;
	struct rel_change ch = { "envs/dev", "x\n", 2, 1 };
	git_oid first;
	git_reference *ref;
	int accepted;

	open_store(f, "a", &a);
	assert_int_equal(rel_sync_open(&s, &a, f->url, &err), 0);
	publish(s, &a, "a1\n");
	first = remote_tip(f);
	publish(s, &a, "a2\n");
	/* Force the remote back behind rel's back. */
	assert_int_equal(f->g.reference_create(&ref, f->remote,
	    "refs/heads/rel/web", &first, 1, "force"), 0);
	f->g.reference_free(ref);
	assert_int_equal(rel_product_open(&a, "web", 0, &p, &err), 0);
	assert_int_equal(rel_sync_publish(s, &p, &ch, 1, "t", "x", &accepted,
	    &err), REL_ESYS);
	assert_false(accepted);
	assert_non_null(strstr(err.msg, "rewritten behind rel's back"));
	rel_product_close(&p);
	rel_sync_close(s);
	rel_store_close(&a);
}

static void
test_unreachable(void **state)
{
	struct fx *f = *state;
	struct rel_store st;
	struct rel_sync *s = NULL;
	struct rel_err err;
	char root[UNIT_PATH_MAX], url[UNIT_PATH_MAX];
	struct stat sb;

	/* A state directory that does not exist stays so. */
	unit_path(root, f->dir, "nowhere");
	unit_path(url, f->dir, "none.git");
	assert_int_equal(rel_store_open(&st, root, 0, "test", &err), 0);
	assert_int_equal(rel_sync_open(&s, &st, url, &err), REL_ESYS);
	assert_null(s);
	assert_non_null(strstr(err.msg, "unreachable"));
	assert_int_equal(stat(root, &sb), -1);
	rel_store_close(&st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cas_push, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_commit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_publish_refused_then_redone,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_rewritten_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unreachable, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
