/*
 * test_envp.c - a child's environment (lib/envp.c): the caller's minus
 * every REL_* variable, then rel's own; artifacts one per line; running
 * out of memory reported once, at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "envp.h"

static int
has(char **v, const char *s)
{
	for (; v && *v; v++)
		if (!strcmp(*v, s))
			return 1;
	return 0;
}

static void
test_ours_without_rel(void **state)
{
	struct rel_envp e = REL_ENVP_INIT;
	char **v;
	size_t n, k = 0;

	(void)state;
	setenv("REL_RELEASE", "inherited-1", 1);
	setenv("REL_", "bare", 1);
	setenv("ENVP_KEEP", "a=b;$(x)", 1);
	rel_envp_ours(&e);
	rel_envp_put(&e, "REL_RELEASE", "web-7");
	v = rel_envp_done(&e, &n);
	assert_non_null(v);
	for (char **q = v; *q; q++)
		k++;
	assert_int_equal(k, n);
	assert_null(v[n]);
	assert_true(has(v, "ENVP_KEEP=a=b;$(x)"));
	assert_true(has(v, "REL_RELEASE=web-7"));
	assert_false(has(v, "REL_RELEASE=inherited-1"));
	assert_false(has(v, "REL_=bare"));
	/* Done empties the builder. */
	assert_null(e.v);
	rel_envp_free(v);
	unsetenv("REL_RELEASE");
	unsetenv("REL_");
	unsetenv("ENVP_KEEP");
}

static void
test_artifacts(void **state)
{
	struct rel_artifact a[2] = { { "api", "1.4" }, { "web", "2.0;rm -rf /" } };
	struct rel_release r;
	struct rel_envp e = REL_ENVP_INIT;
	char **v;

	(void)state;
	memset(&r, 0, sizeof r);
	r.artifacts = a;
	r.nartifacts = 2;
	rel_envp_artifacts(&e, &r);
	v = rel_envp_done(&e, NULL);
	assert_non_null(v);
	assert_string_equal(v[0], "REL_ARTIFACTS=api=1.4\nweb=2.0;rm -rf /");
	assert_null(v[1]);
	rel_envp_free(v);
	r.nartifacts = 0;
	rel_envp_artifacts(&e, &r);
	v = rel_envp_done(&e, NULL);
	assert_string_equal(v[0], "REL_ARTIFACTS=");
	rel_envp_free(v);
}

static void
test_out_of_memory_is_said_once(void **state)
{
	struct rel_envp e = REL_ENVP_INIT;
	size_t n = 9;

	(void)state;
	rel_envp_put(&e, "A", "1");
	e.oom = 1; /* as a failed allocation leaves it */
	rel_envp_put(&e, "B", "2");
	assert_null(rel_envp_done(&e, &n));
	assert_int_equal(n, 0);
	/* Nothing at all is no environment either. */
	assert_null(rel_envp_done(&e, &n));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ours_without_rel),
		cmocka_unit_test(test_artifacts),
		cmocka_unit_test(test_out_of_memory_is_said_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
