/*
 * test_notescfg.c - what the release notes configuration accepts and
 * what it makes of it (lib/notescfg.c): issue keys, URL templates and
 * their links for every kind of reference, exclude patterns and what
 * they match, merging the flow's with the command line's; and the
 * `notes:` section of a flow read by rel_flow_parse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "flow.h"
#include "notescfg.h"

static struct rel_notes_cfg C;
static struct rel_err E;

static int
setup(void **state)
{
	(void)state;
	memset(&C, 0, sizeof C);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	rel_notes_cfg_free(&C);
	return 0;
}

/* The link of ref, or "-" for none. */
static void
link_is(const char *ref, const char *want)
{
	struct rel_buf b = REL_BUF_INIT;
	int got = rel_notes_cfg_issue_link(&C, ref, &b);

	if (strcmp(got ? b.s : "-", want))
		fail_msg("%s: got %s, want %s", ref, got ? b.s : "-", want);
	rel_buf_free(&b);
}

static void
test_keys(void **state)
{
	(void)state;
	assert_int_equal(rel_notes_cfg_key(&C, "PROJ", &E), 0);
	assert_int_equal(rel_notes_cfg_key(&C, "PROJ", &E), 0);
	assert_int_equal(rel_notes_cfg_key(&C, "SEFAZ_2", &E), 0);
	assert_int_equal(C.nkeys, 2);
	assert_int_equal(rel_notes_cfg_key(&C, "proj", &E), REL_EUSAGE);
	assert_non_null(strstr(E.msg, "issue key 'proj'"));
	assert_int_equal(rel_notes_cfg_key(&C, "P-1", &E), REL_EUSAGE);
	assert_int_equal(rel_notes_cfg_key(&C, "", &E), REL_EUSAGE);
}

static void
test_templates(void **state)
{
	(void)state;
	assert_int_equal(rel_notes_cfg_issue_url(&C, NULL,
	    "https://x/{ref}", &E), 0);
	assert_int_equal(rel_notes_cfg_issue_url(&C, NULL,
	    "https://x/{nope}", &E), REL_EUSAGE);
	assert_non_null(strstr(E.msg,
	    "unknown {nope} (known: {number}, {key}, {ref})"));
	assert_int_equal(rel_notes_cfg_issue_url(&C, NULL,
	    "https://x/{number", &E), REL_EUSAGE);
	assert_int_equal(rel_notes_cfg_issue_url(&C, NULL,
	    "https://x/a b", &E), REL_EUSAGE);
	assert_int_equal(rel_notes_cfg_issue_url(&C, NULL,
	    "https://x/<b>", &E), REL_EUSAGE);
	assert_int_equal(rel_notes_cfg_issue_url(&C, NULL, "", &E),
	    REL_EUSAGE);
	assert_int_equal(rel_notes_cfg_issue_url(&C, "bad key", "u", &E),
	    REL_EUSAGE);
	assert_int_equal(rel_notes_cfg_commit_url(&C, "https://c/{id}", &E), 0);
	assert_int_equal(rel_notes_cfg_commit_url(&C, "https://c/{ref}", &E),
	    REL_EUSAGE);
	assert_non_null(strstr(E.msg, "(known: {id}, {short})"));
}

static void
test_links(void **state)
{
	struct rel_buf b = REL_BUF_INIT;

	(void)state;
	/* No template: no link. */
	link_is("#12", "-");
	assert_int_equal(rel_notes_cfg_commit_link(&C, "abc", &b), 0);

	/* One template for everything but owner/repo#N. */
	assert_int_equal(rel_notes_cfg_issue_url(&C, NULL,
	    "https://t/{ref}?k={key}&n={number}", &E), 0);
	link_is("#12", "https://t/%2312?k=&n=12");
	link_is("PROJ-3", "https://t/PROJ-3?k=PROJ&n=3");
	link_is("gh-7", "https://t/gh-7?k=GH&n=7");
	link_is("o/r#5", "-");

	/* Per key; "#" for #N and GH-N; the one for all as the rest. */
	assert_int_equal(rel_notes_cfg_key(&C, "PROJ", &E), 0);
	assert_int_equal(rel_notes_cfg_issue_url(&C, "#",
	    "https://gh/issues/{number}", &E), 0);
	assert_int_equal(rel_notes_cfg_issue_url(&C, "PROJ",
	    "https://jira/browse/{key}-{number}", &E), 0);
	link_is("#12", "https://gh/issues/12");
	link_is("GH-7", "https://gh/issues/7");
	link_is("PROJ-3", "https://jira/browse/PROJ-3");
	link_is("SEFAZ-9", "https://t/SEFAZ-9?k=SEFAZ&n=9");
	/* Set again: replaced. */
	assert_int_equal(rel_notes_cfg_issue_url(&C, "PROJ",
	    "https://j2/{number}", &E), 0);
	link_is("PROJ-3", "https://j2/3");
	assert_int_equal(C.nissue_urls, 3);
	assert_int_equal(rel_notes_cfg_check(&C, &E), 0);
	assert_int_equal(rel_notes_cfg_issue_url(&C, "OTHER", "u", &E), 0);
	assert_int_equal(rel_notes_cfg_check(&C, &E), REL_EUSAGE);
	assert_non_null(strstr(E.msg, "'OTHER' is not one of issue_keys"));

	assert_int_equal(rel_notes_cfg_commit_url(&C,
	    "https://c/{id}/{short}", &E), 0);
	assert_int_equal(rel_notes_cfg_commit_link(&C,
	    "0123456789abcdef0123456789abcdef01234567", &b), 1);
	assert_string_equal(b.s, "https://c/0123456789abcdef0123456789abcdef"
	    "01234567/0123456");
	rel_buf_free(&b);
}

static void
test_patterns(void **state)
{
	static const struct {
		const char *type, *scope;
		int excluded;
	} cases[] = {
		{ "chore", "deps", 1 }, { "chore", "deps-dev", 1 },
		{ "chore", "release", 1 }, { "chore", "", 0 },
		{ "chore", "ci", 0 }, { "docs", "", 1 }, { "docs", "api", 1 },
		{ "style", "", 1 }, { "style", "ui", 0 }, { "feat", "deps", 1 },
		{ "fix", "", 0 }, { "other", "", 0 },
	};

	(void)state;
	assert_int_equal(rel_notes_cfg_excluded(&C, "chore", "deps", 4), 0);
	assert_int_equal(rel_notes_cfg_exclude(&C, "chore(deps*)", &E), 0);
	assert_int_equal(rel_notes_cfg_exclude(&C, "CHORE(release)", &E), 0);
	assert_int_equal(rel_notes_cfg_exclude(&C, "docs", &E), 0);
	assert_int_equal(rel_notes_cfg_exclude(&C, "style()", &E), 0);
	assert_int_equal(rel_notes_cfg_exclude(&C, "*(deps)", &E), 0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (rel_notes_cfg_excluded(&C, cases[i].type, cases[i].scope,
		    strlen(cases[i].scope)) != cases[i].excluded)
			fail_msg("%s(%s): excluded should be %d", cases[i].type,
			    cases[i].scope, cases[i].excluded);
	/* Malformed. */
	static const char *const bad[] = { "", "(deps)", "chore(deps",
		"chore)x(", "chore(a(b))", "chore deps", "chore(deps)x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (rel_notes_cfg_exclude(&C, bad[i], &E) != REL_EUSAGE)
			fail_msg("'%s' was accepted", bad[i]);
	assert_int_equal(C.nexclude, 5);
}

static void
test_merge(void **state)
{
	struct rel_notes_cfg cli;

	(void)state;
	memset(&cli, 0, sizeof cli);
	assert_int_equal(rel_notes_cfg_key(&C, "PROJ", &E), 0);
	assert_int_equal(rel_notes_cfg_exclude(&C, "chore", &E), 0);
	assert_int_equal(rel_notes_cfg_exclude(&cli, "docs", &E), 0);
	assert_int_equal(rel_notes_cfg_commit_url(&cli, "u/{id}", &E), 0);
	assert_int_equal(rel_notes_cfg_merge(&C, &cli, &E), 0);
	assert_int_equal(C.nexclude, 2);
	assert_string_equal(C.exclude[1], "docs");
	assert_string_equal(C.commit_url, "u/{id}");
	assert_int_equal(C.nkeys, 1);
	rel_notes_cfg_free(&cli);
}

/* The flow's notes: section, through the flow parser. */
static void
test_flow_section(void **state)
{
	static const char good[] =
	    "notes:\n"
	    "  issue_keys: [PROJ, SEFAZ]\n"
	    "  issue_url:\n"
	    "    \"#\": https://gh/{number}\n"
	    "    PROJ: https://jira/{key}-{number}\n"
	    "  commit_url: https://gh/commit/{id}\n"
	    "  exclude: [chore(deps), \"chore(release)\"]\n"
	    "environments:\n"
	    "  - name: dev\n";
	static const char *const bad[][2] = {
		{ "notes: [1]\nenvironments:\n  - name: dev\n",
		    "f.yaml:1:8: 'notes' must be a mapping, not a list" },
		{ "notes:\n  issue_keys: PROJ\nenvironments:\n  - name: dev\n",
		    "f.yaml:2:15: 'issue_keys' must be a list, not a string" },
		{ "notes:\n  issue_url: [a]\nenvironments:\n  - name: dev\n",
		    "f.yaml:2:14: 'issue_url' must be a URL or a mapping, not "
		    "a list" },
		{ "notes:\n  exclude: [x(]\nenvironments:\n  - name: dev\n",
		    "f.yaml:2:13: exclude pattern 'x(': expected TYPE or "
		    "TYPE(SCOPE)" },
		{ "notes:\n  issue_url: {P: u}\nenvironments:\n  - name: dev\n",
		    "f.yaml:2:3: issue_url: 'P' is not one of issue_keys" },
	};
	struct rel_flow *f;

	(void)state;
	assert_int_equal(rel_flow_parse("f.yaml", good, sizeof good - 1,
	    "web", &f, &E), 0);
	assert_int_equal(f->notes.nkeys, 2);
	assert_string_equal(f->notes.keys[1], "SEFAZ");
	assert_int_equal(f->notes.nissue_urls, 2);
	assert_string_equal(f->notes.commit_url, "https://gh/commit/{id}");
	assert_int_equal(f->notes.nexclude, 2);
	assert_string_equal(f->notes.exclude[1], "chore(release)");
	rel_flow_free(f);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (rel_flow_parse("f.yaml", bad[i][0], strlen(bad[i][0]),
		    "web", &f, &E) != REL_EUSAGE)
			fail_msg("accepted: %s", bad[i][0]);
		if (!strstr(E.msg, bad[i][1]))
			fail_msg("got \"%s\", want \"%s\"", E.msg, bad[i][1]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_templates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_patterns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
		cmocka_unit_test(test_flow_section),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
