/*
 * test_cli.c - what every command does the same way (lib/cli.c): options
 * in all their spellings and wherever they are typed, the messages for
 * bad ones, ids read from standard input, numbers of seconds, the caller's
 * name, and output that must reach its file.
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "cli.h"
#include "unit.h"

enum { OPT_ALL = 1, OPT_ENV, OPT_VERBOSE, OPT_WAIT, OPT_X, OPT_HELP };

static const struct rel_opt opts[] = {
	{ OPT_ALL, 'a', "all", NULL, NULL, "all" },
	{ OPT_ENV, 'e', "env", "ENV", "env", "an environment" },
	{ OPT_VERBOSE, 'v', "verbose", NULL, NULL, "more" },
	{ OPT_WAIT, 0, "wait", "SECONDS", NULL, "wait" },
	{ OPT_X, 'x', NULL, "X", NULL, "x" },
	{ OPT_HELP, 0, "help", NULL, NULL, "help" },
	{ 0, 0, NULL, NULL, NULL, NULL },
};

/* Parse argv (NULL-terminated, without the program) into a string such
 * as "a e=dev v | op1 op2" (options, then operands), or "ERR: message". */
static void
parse(char **args, char *out, size_t n)
{
	char *argv[32];
	int argc = 1, id;
	struct rel_cli c;
	const char *arg;
	size_t off = 0;

	argv[0] = "rel-test";
	while (args[argc - 1]) {
		argv[argc] = args[argc - 1];
		argc++;
	}
	argv[argc] = NULL;
	assert_int_equal(rel_cli_init(&c, argc, argv), 0);
	out[0] = '\0';
	while ((id = rel_cli_next(&c, opts, &arg)) > 0) {
		const struct rel_opt *o = opts;

		while (o->id != id)
			o++;
		off += (size_t)snprintf(out + off, n - off, "%s%c", off ? " " :
		    "", o->shrt ? o->shrt : o->lng[0]);
		if (arg)
			off += (size_t)snprintf(out + off, n - off, "=%s", arg);
		else
			assert_null(o->arg);
		assert_true(off < n);
	}
	if (id < 0) {
		assert_int_equal(c.err.code, REL_EUSAGE);
		snprintf(out, n, "ERR: %.200s", c.err.msg);
	} else {
		off += (size_t)snprintf(out + off, n - off, "%s|", off ? " " :
		    "");
		for (int i = 0; i < c.noperands; i++)
			off += (size_t)snprintf(out + off, n - off, " %s",
			    c.operands[i]);
		assert_null(c.operands[c.noperands]);
		/* Asked again: still the end. */
		assert_int_equal(rel_cli_next(&c, opts, &arg), 0);
	}
	rel_cli_free(&c);
}

#define PARSE(want, ...) do { \
		char *a_[] = { __VA_ARGS__, NULL }; \
		char got_[256]; \
		parse(a_, got_, sizeof got_); \
		if (strcmp(got_, want) != 0) \
			fail_msg("%s: got \"%s\", want \"%s\"", #__VA_ARGS__, \
			    got_, want); \
	} while (0)

static void
test_short(void **state)
{
	(void)state;
	{
		char *a[] = { NULL };
		char got[64];

		parse(a, got, sizeof got);
		assert_string_equal(got, "|");
	}
	PARSE("a |", "-a");
	PARSE("a v |", "-a", "-v");
	PARSE("e=dev |", "-e", "dev");
	PARSE("e=dev |", "-edev");
	PARSE("x=1 |", "-x1");
	/* Clustered flags, and a value to end a cluster. */
	PARSE("a v |", "-av");
	PARSE("v a v |", "-vav");
	PARSE("a v e=dev |", "-ave", "dev");
	PARSE("a e=dev |", "-aedev");
	PARSE("a e=v |", "-aev");
	/* A value may look like an option. */
	PARSE("e=-a |", "-e", "-a");
	PARSE("e=-- | x", "-e", "--", "x");
	PARSE("e= |", "-e", "");
}

static void
test_long(void **state)
{
	(void)state;
	PARSE("a |", "--all");
	PARSE("e=dev |", "--env=dev");
	PARSE("e=dev |", "--env", "dev");
	PARSE("e= |", "--env=");
	PARSE("e=a=b |", "--env=a=b");
	PARSE("w=2.5 |", "--wait", "2.5");
	PARSE("h |", "--help");
	PARSE("e=--all |", "--env", "--all");
}

static void
test_operands(void **state)
{
	(void)state;
	/* Options anywhere among operands. */
	PARSE("a | web", "web", "--all");
	PARSE("a e=dev | web-1 web-2", "web-1", "-a", "web-2", "--env", "dev");
	PARSE("v | - x", "-", "-v", "x"); /* "-" is stdin, an operand */
	/* "--" ends the options. */
	PARSE("a | -v --env x", "-a", "--", "-v", "--env", "x");
	PARSE("| --", "--", "--");
	PARSE("| web", "--", "web");
}

static void
test_errors(void **state)
{
	(void)state;
	PARSE("ERR: unknown option '-z'", "-z");
	PARSE("ERR: unknown option '-z'", "-az");
	PARSE("ERR: unknown option '-z'", "web", "-z", "-a");
	PARSE("ERR: unknown option '--zap'", "--zap");
	PARSE("ERR: unknown option '--zap'", "--zap=1");
	PARSE("ERR: unknown option '--al'", "--al"); /* no abbreviations */
	PARSE("ERR: unknown option '--alls'", "--alls");
	PARSE("ERR: unknown option '---'", "-a", "---");
	PARSE("ERR: unknown option '-w'", "-w", "1"); /* long only */
	PARSE("ERR: option '-e' needs a value", "-e");
	PARSE("ERR: option '-e' needs a value", "-ae");
	PARSE("ERR: option '--env' needs a value", "web", "--env");
	PARSE("ERR: option '--all' takes no value", "--all=yes");
	PARSE("ERR: option '--help' takes no value", "--help=");
}

/* Read ids from text. */
static char **
ids_from(const char *text, size_t *n)
{
	struct rel_err err = { 0, "" };
	char **ids = NULL;
	FILE *f = tmpfile();

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	rewind(f);
	assert_int_equal(rel_cli_read_ids(f, &ids, n, NULL, &err), 0);
	fclose(f);
	assert_non_null(ids);
	assert_null(ids[*n]);
	return ids;
}

static void
test_read_ids(void **state)
{
	size_t n = 99;
	char **ids;

	(void)state;
	ids = ids_from("  web-1  \n"
	    "\n"
	    "# a comment\n"
	    "web-2\tweb\tpending\t2026-11-21T22:39:11Z\n"
	    "   \n"
	    "  # indented comment\n"
	    "web-3\r\n"
	    "web-4 \t x\n"
	    "\tnot-this\n"
	    "web-5", &n);
	assert_int_equal(n, 5);
	assert_string_equal(ids[0], "web-1");
	assert_string_equal(ids[1], "web-2");
	assert_string_equal(ids[2], "web-3");
	assert_string_equal(ids[3], "web-4");
	assert_string_equal(ids[4], "web-5");
	rel_cli_free_ids(ids);
	/* Nothing: an empty list, not NULL. */
	ids = ids_from("", &n);
	assert_int_equal(n, 0);
	rel_cli_free_ids(ids);
	ids = ids_from("#\n\n  \n", &n);
	assert_int_equal(n, 0);
	rel_cli_free_ids(ids);
	rel_cli_free_ids(NULL);
}

static void
test_read_many_ids(void **state)
{
	struct rel_buf b = REL_BUF_INIT;
	size_t n = 0;
	char **ids;

	(void)state;
	for (int i = 1; i <= 1000; i++)
		rel_buf_addf(&b, "web-%d\n", i);
	ids = ids_from(b.s, &n);
	assert_int_equal(n, 1000);
	assert_string_equal(ids[0], "web-1");
	assert_string_equal(ids[999], "web-1000");
	rel_cli_free_ids(ids);
	rel_buf_free(&b);
}

static void
test_read_ids_counts_bytes(void **state)
{
	static const char text[] = "# header\n\nweb-1\tx\n  \n";
	struct rel_err err = { 0, "" };
	char **ids = NULL;
	size_t n = 9, bytes = 9;
	FILE *f = tmpfile();

	(void)state;
	/* Blank and comment lines count as input read, not as ids. */
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, sizeof text - 1, f), sizeof text - 1);
	rewind(f);
	assert_int_equal(rel_cli_read_ids(f, &ids, &n, &bytes, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], "web-1");
	assert_int_equal(bytes, sizeof text - 1);
	rel_cli_free_ids(ids);
	/* An empty pipe (cron's standard input) is no input at all. */
	rewind(f);
	assert_int_equal(ftruncate(fileno(f), 0), 0);
	assert_int_equal(rel_cli_read_ids(f, &ids, &n, &bytes, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(bytes, 0);
	assert_null(ids[0]);
	rel_cli_free_ids(ids);
	fclose(f);
}

static void
test_seconds(void **state)
{
	static const char *const bad[] = { "", "abc", "5s", "-1", "-0.5",
	    " 1x", "1e400", "nan", "inf", "-inf", "31536001", "1,5" };
	struct rel_err err = { 0, "" };
	int ms = -7;

	(void)state;
	assert_int_equal(rel_cli_seconds("--wait", "2.5", &ms, &err), 0);
	assert_int_equal(ms, 2500);
	assert_int_equal(rel_cli_seconds("--wait", "0", &ms, &err), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(rel_cli_seconds("--wait", "10", &ms, &err), 0);
	assert_int_equal(ms, 10000);
	assert_int_equal(rel_cli_seconds("--wait", "0.0005", &ms, &err), 0);
	assert_int_equal(ms, 1);
	assert_int_equal(rel_cli_seconds("--wait", "0.0004", &ms, &err), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(rel_cli_seconds("--wait", "1e3", &ms, &err), 0);
	assert_int_equal(ms, 1000000);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ms = -7;
		if (rel_cli_seconds("--wait", bad[i], &ms, &err) != REL_EUSAGE)
			fail_msg("'%s' accepted as seconds", bad[i]);
		assert_int_equal(ms, -7);
	}
	assert_int_equal(rel_cli_seconds("--grace", "soon", &ms, &err),
	    REL_EUSAGE);
	assert_string_equal(err.msg, "--grace: bad number of seconds 'soon'");
}

static void
test_seconds_beyond_int(void **state)
{
	struct rel_err err = { 0, "" };
	int ms = -7;

	(void)state;
	/* Accepted (under a year), but more milliseconds than an int
	 * holds: at most INT_MAX, never wrapped to a negative "forever". */
	assert_int_equal(rel_cli_seconds("--wait", "3000000", &ms, &err), 0);
	assert_int_equal(ms, INT_MAX);
	assert_int_equal(rel_cli_seconds("--wait", "31536000", &ms, &err), 0);
	assert_int_equal(ms, INT_MAX);
	assert_int_equal(rel_cli_seconds("--wait", "2147483.647", &ms, &err),
	    0);
	assert_int_equal(ms, INT_MAX);
	assert_int_equal(rel_cli_seconds("--wait", "2147483.6", &ms, &err), 0);
	assert_int_equal(ms, 2147483600);
}

static void
test_uint(void **state)
{
	static const char *const bad[] = { "", "-1", "+1", "1x", "x", "1.0",
	    "99999999999999999999999999" };
	struct rel_err err = { 0, "" };
	unsigned long v = 7;

	(void)state;
	assert_int_equal(rel_cli_uint("--limit", "42", &v, &err), 0);
	assert_int_equal(v, 42);
	assert_int_equal(rel_cli_uint("--limit", "0", &v, &err), 0);
	assert_int_equal(v, 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (rel_cli_uint("--limit", bad[i], &v, &err) != REL_EUSAGE)
			fail_msg("'%s' accepted", bad[i]);
	assert_string_equal(err.msg, "--limit: bad number "
	    "'99999999999999999999999999'");
}

static void
test_who(void **state)
{
	struct rel_err err = { 0, "" };
	const char *u = getenv("USER");
	char *saved = u ? strdup(u) : NULL;
	char out[64];

	(void)state;
	assert_int_equal(rel_cli_who("alice", out, sizeof out, &err), 0);
	assert_string_equal(out, "alice");
	setenv("USER", "bob", 1);
	assert_int_equal(rel_cli_who(NULL, out, sizeof out, &err), 0);
	assert_string_equal(out, "bob");
	assert_int_equal(rel_cli_who("", out, sizeof out, &err), 0);
	assert_string_equal(out, "bob");
	unsetenv("USER");
	assert_int_equal(rel_cli_who(NULL, out, sizeof out, &err), 0);
	assert_true(out[0] != '\0'); /* the login name, or "unknown" */
	/* --by is free text: one line, no control characters. */
	assert_int_equal(rel_cli_who("eve\nmallory", out, sizeof out, &err),
	    REL_EUSAGE);
	assert_string_equal(err.msg, "--by must be one line (newline at byte "
	    "4)");
	assert_int_equal(rel_cli_who("a\x1b[2J", out, sizeof out, &err),
	    REL_EUSAGE);
	if (saved)
		setenv("USER", saved, 1);
	free(saved);
}

static void
test_stdin_has_ids(void **state)
{
	int saved = dup(0), p[2], fd;

	(void)state;
	assert_true(saved >= 0);
	/* A pipe: yes. */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(dup2(p[0], 0), 0);
	assert_int_equal(rel_cli_stdin_has_ids(), 1);
	close(p[0]);
	close(p[1]);
	/* /dev/null (a character device): no. */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, 0), 0);
	assert_int_equal(rel_cli_stdin_has_ids(), 0);
	close(fd);
	assert_int_equal(dup2(saved, 0), 0);
	close(saved);
}

static void
test_color(void **state)
{
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(rel_cli_color(p[1]), 0); /* not a terminal */
	assert_int_equal(rel_cli_tty(p[1]), 0);
	close(p[0]);
	close(p[1]);
}

static void
test_finish(void **state)
{
	struct rel_err err = { 0, "" };
	FILE *f = tmpfile();

	(void)state;
	assert_non_null(f);
	fputs("web-1\n", f);
	assert_int_equal(rel_cli_finish(f, &err), 0);
	fclose(f);
	/* A full disk is an error, not a silent loss. */
	f = fopen("/dev/full", "w");
	if (!f)
		skip();
	fputs("web-1\n", f);
	assert_int_equal(rel_cli_finish(f, &err), REL_ESYS);
	assert_string_equal(err.msg, "cannot write standard output: No space "
	    "left on device");
	fclose(f);
}

static void
test_sibling(void **state)
{
	char dir[UNIT_DIR_MAX], path[UNIT_PATH_MAX], argv0[UNIT_PATH_MAX],
	    out[UNIT_PATH_MAX];

	(void)state;
	/* Not found anywhere: the bare name, for a PATH search. */
	rel_cli_sibling("/nonexistent/rel-x", "rel-no-such-tool", out,
	    sizeof out);
	assert_string_equal(out, "rel-no-such-tool");
	rel_cli_sibling(NULL, "rel-no-such-tool", out, sizeof out);
	assert_string_equal(out, "rel-no-such-tool");
	/* Next to argv[0] when it has a slash. */
	assert_int_equal(unit_mkdtemp(dir), 0);
	unit_path(path, dir, "rel-no-such-tool");
	unit_write_file(path, "#!/bin/sh\n", 10);
	assert_int_equal(chmod(path, 0755), 0);
	unit_path(argv0, dir, "rel-caller");
	rel_cli_sibling(argv0, "rel-no-such-tool", out, sizeof out);
	assert_string_equal(out, path);
	/* Not executable: not taken. */
	assert_int_equal(chmod(path, 0644), 0);
	rel_cli_sibling(argv0, "rel-no-such-tool", out, sizeof out);
	assert_string_equal(out, "rel-no-such-tool");
	assert_int_equal(unit_rm_rf(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_operands),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_read_ids),
		cmocka_unit_test(test_read_many_ids),
		cmocka_unit_test(test_read_ids_counts_bytes),
		cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_seconds_beyond_int),
		cmocka_unit_test(test_uint),
		cmocka_unit_test(test_who),
		cmocka_unit_test(test_stdin_has_ids),
		cmocka_unit_test(test_color),
		cmocka_unit_test(test_finish),
		cmocka_unit_test(test_sibling),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
