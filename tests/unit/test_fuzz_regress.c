/*
 * test_fuzz_regress.c - the fuzz harnesses of tests/fuzz/ without clang:
 * every file under tests/fuzz/regress/NAME/ (inputs that once crashed a
 * parser or broke one of its promises) and under tests/fuzz/corpus/NAME/
 * (the seeds) goes through rel_fuzz_NAME, the very function libFuzzer
 * calls, with its checks.  A crash or a broken promise aborts, which
 * fails the test; the sanitizer and valgrind runs of `make check` look
 * at the same inputs.
 *
 * Files are found from the current directory (tests/run.sh runs from the
 * top of the tree), or from $REL_FUZZ_DIR.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#define REL_FUZZ_NO_MAIN
#include "../fuzz/fuzz_flow.c"
#include "../fuzz/fuzz_record.c"
#include "../fuzz/fuzz_envlog.c"
#include "../fuzz/fuzz_names.c"
#if __has_include("commitmsg.h")
#include "../fuzz/fuzz_commitmsg.c"
#define HAVE_COMMITMSG 1
#endif

#include "unit.h"

struct harness {
	const char *name;
	int (*fn)(const uint8_t *, size_t);
};

static const struct harness harnesses[] = {
	{ "flow", rel_fuzz_flow },
	{ "record", rel_fuzz_record },
	{ "envlog", rel_fuzz_envlog },
	{ "names", rel_fuzz_names },
#ifdef HAVE_COMMITMSG
	{ "commitmsg", rel_fuzz_commitmsg },
#endif
};

static const char *
fuzz_dir(void)
{
	const char *d = getenv("REL_FUZZ_DIR");

	return d && *d ? d : "tests/fuzz";
}

/* Run every regular file in dir through fn; the number run, or -1 if
 * there is no such directory. */
static int
replay_dir(const char *dir, int (*fn)(const uint8_t *, size_t))
{
	char path[UNIT_PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		struct rel_buf b = REL_BUF_INIT;
		struct stat sb;

		if (de->d_name[0] == '.')
			continue;
		unit_path(path, dir, de->d_name);
		assert_int_equal(stat(path, &sb), 0);
		if (!S_ISREG(sb.st_mode))
			continue;
		unit_read_file(path, &b);
		/* A pointer that is never NULL, as libFuzzer gives. */
		fn((const uint8_t *)(b.s ? b.s : ""), b.len);
		rel_buf_free(&b);
		n++;
	}
	closedir(d);
	return n;
}

static void
replay(const struct harness *h)
{
	char dir[UNIT_PATH_MAX];
	int seeds, regress;

	snprintf(dir, sizeof dir, "%s/corpus/%s", fuzz_dir(), h->name);
	seeds = replay_dir(dir, h->fn);
	if (seeds <= 0)
		fail_msg("no seed corpus in %s", dir);
	snprintf(dir, sizeof dir, "%s/regress/%s", fuzz_dir(), h->name);
	regress = replay_dir(dir, h->fn);
	print_message("# %s: %d seeds, %d regression inputs\n", h->name,
	    seeds, regress < 0 ? 0 : regress);
}

static void
test_flow(void **state)
{
	(void)state;
	replay(&harnesses[0]);
}

static void
test_record(void **state)
{
	(void)state;
	replay(&harnesses[1]);
}

static void
test_envlog(void **state)
{
	(void)state;
	replay(&harnesses[2]);
}

static void
test_names(void **state)
{
	(void)state;
	replay(&harnesses[3]);
}

#ifdef HAVE_COMMITMSG
static void
test_commitmsg(void **state)
{
	(void)state;
	replay(&harnesses[4]);
}
#endif

/* An input filed under a name no harness has would never be replayed. */
static void
test_regress_dirs_are_harnesses(void **state)
{
	(void)state;
	char dir[UNIT_PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof dir, "%s/regress", fuzz_dir());
	if (!(d = opendir(dir)))
		fail_msg("cannot open %s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		size_t i;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, "README"))
			continue;
		for (i = 0; i < sizeof harnesses / sizeof harnesses[0]; i++)
			if (!strcmp(de->d_name, harnesses[i].name))
				break;
		if (i == sizeof harnesses / sizeof harnesses[0])
			fail_msg("%s/%s: no harness of that name", dir,
			    de->d_name);
	}
	closedir(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_envlog),
		cmocka_unit_test(test_names),
#ifdef HAVE_COMMITMSG
		cmocka_unit_test(test_commitmsg),
#endif
		cmocka_unit_test(test_regress_dirs_are_harnesses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
