/*
 * test_bucket.c - where a product's files live in its branch
 * (lib/bucket.c): the buckets both ways, and what is never published.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "bucket.h"
#include "unit.h"

static void
both_ways(const char *path, const char *git, enum rel_file_kind want,
    unsigned long wantn)
{
	char out[REL_GITPATH_MAX], back[REL_GITPATH_MAX];
	enum rel_file_kind kind;
	unsigned long n;

	assert_int_equal(rel_bucket_to_git("web", path, out, sizeof out, &kind,
	    &n), 0);
	assert_string_equal(out, git);
	assert_int_equal(kind, want);
	assert_int_equal(n, wantn);
	assert_int_equal(rel_bucket_from_git("web", git, back, sizeof back,
	    &kind, &n), 0);
	assert_string_equal(back, path);
	assert_int_equal(kind, want);
	assert_int_equal(n, wantn);
}

static void
test_buckets(void **state)
{
	(void)state;
	both_ways("releases/web-1", "releases/0/00/web-1", REL_FILE_RECORD, 1);
	both_ways("releases/web-99", "releases/0/00/web-99", REL_FILE_RECORD,
	    99);
	both_ways("releases/web-100", "releases/0/01/web-100",
	    REL_FILE_RECORD, 100);
	both_ways("releases/web-9999", "releases/0/99/web-9999",
	    REL_FILE_RECORD, 9999);
	both_ways("releases/web-10000", "releases/1/00/web-10000",
	    REL_FILE_RECORD, 10000);
	both_ways("releases/web-123456", "releases/12/34/web-123456",
	    REL_FILE_RECORD, 123456);
	both_ways("logs/web-4200/prod/action@api.2.log.gz",
	    "logs/0/42/web-4200/prod/action@api.2.log.gz", REL_FILE_LOG, 4200);
	both_ways("envs/prod", "envs/prod", REL_FILE_ENV, 0);
	both_ways("flows/"
	    "3ff9ecf91d23cb3cadaf304f4f223d2e17bbf59a90bdda850c9c1124f65f8a7d.yaml",
	    "flows/"
	    "3ff9ecf91d23cb3cadaf304f4f223d2e17bbf59a90bdda850c9c1124f65f8a7d.yaml",
	    REL_FILE_FLOW, 0);
}

static void
test_not_published(void **state)
{
	static const char *const local[] = {
		"releases/.tmp.12.34", "releases/shop-1", "releases/web-0",
		"releases/web-01", "releases/web-x", "releases/web-",
		"logs/web-1/dev/action.1.out", "logs/web-1/dev/.tmp.1.2",
		"logs/web-1/dev", "logs/web-1/../x/a.1.log.gz",
		"envs/.tmp.1", "envs/a/b", "flows/web.yaml",
		"flows/3ff9.yaml", "index", "cache/web/index", "",
	};
	char out[REL_GITPATH_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
		assert_int_equal(rel_bucket_to_git("web", local[i], out,
		    sizeof out, NULL, NULL), -1);
}

static void
test_foreign_trees(void **state)
{
	/* Paths rel did not make: flat, in the wrong bucket, unknown. */
	static const char *const git[] = {
		"releases/web-1", "releases/0/01/web-1", "releases/1/00/web-1",
		"releases/00/00/web-1", "releases/0/0/web-1",
		"releases/0/00/shop-1", "logs/web-1/dev/a.1.log.gz",
		"README", "envs/.x", "x/envs/dev",
	};
	char out[REL_GITPATH_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof git / sizeof git[0]; i++)
		assert_int_equal(rel_bucket_from_git("web", git[i], out,
		    sizeof out, NULL, NULL), -1);
}

static void
test_small_buffer(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(rel_bucket_to_git("web", "releases/web-1", out,
	    sizeof out, NULL, NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_not_published),
		cmocka_unit_test(test_foreign_trees),
		cmocka_unit_test(test_small_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
