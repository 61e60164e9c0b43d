/*
 * test_notes.c - the release notes model and its renderings
 * (lib/notes.c): grouping in the fixed type order with breaking changes
 * first, issues and contributors deduplicated, merges left out, artifact
 * changes against a base, outputs, the hotfix mark in every format, text
 * from commits cleaned up (invalid UTF-8, controls) and escaped for
 * Markdown and JSON, and many commits and authors (the hash tables grow).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "notes.h"

static struct rel_notes N;
static struct rel_notes_cfg CFG;   /* issue key ABC, as a flow names it */

static int
setup(void **state)
{
	struct rel_err err;

	(void)state;
	rel_notes_init(&N);
	memset(&CFG, 0, sizeof CFG);
	if (rel_notes_cfg_key(&CFG, "ABC", &err))
		return -1;
	rel_notes_config(&N, &CFG);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	rel_notes_free(&N);
	rel_notes_cfg_free(&CFG);
	return 0;
}

/* Add a commit: id is padded to 40 hex digits with zeros. */
static void
add(const char *id, const char *author, int64_t time, const char *msg,
    int merge)
{
	struct rel_err err = { 0, "" };
	char full[41];
	struct rel_notes_commit_in c;

	snprintf(full, sizeof full, "%s%040d", id, 0);
	memset(&c, 0, sizeof c);
	c.id = full;
	c.name = author;
	c.namelen = strlen(author);
	c.email = "dev@example.org";
	c.emaillen = strlen(c.email);
	c.time = time;
	c.msg = msg;
	c.msglen = strlen(msg);
	c.merge = merge;
	if (rel_notes_add_commit(&N, &c, &err))
		fail_msg("add_commit: %s", err.msg);
}

/* Render in format f into a new string (free it). */
static char *
render(enum rel_notes_format f)
{
	struct rel_buf out = REL_BUF_INIT;
	struct rel_err err = { 0, "" };

	if (rel_notes_render(&N, f, &out, &err))
		fail_msg("render: %s", err.msg);
	assert_non_null(out.s);
	assert_true(out.len > 0);
	assert_int_equal(out.s[out.len - 1], '\n');
	return out.s;
}

/* needle is in hay; returns where. */
static const char *
has(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);

	if (!p)
		fail_msg("not found: \"%s\" in:\n%s", needle, hay);
	return p;
}

static void
has_not(const char *hay, const char *needle)
{
	if (strstr(hay, needle))
		fail_msg("found: \"%s\" in:\n%s", needle, hay);
}

/* The needles appear in this order. */
static void
in_order(const char *hay, ...)
{
	va_list ap;
	const char *needle, *at = hay;

	va_start(ap, hay);
	while ((needle = va_arg(ap, const char *))) {
		const char *p = strstr(at, needle);

		if (!p)
			fail_msg("\"%s\" missing or out of order in:\n%s",
			    needle, hay);
		at = p + strlen(needle);
	}
	va_end(ap);
}

static void
sample(void)
{
	add("aaaaaaa1", "Ann", 1700000300, "chore: tidy\n", 0);
	add("bbbbbbb2", "Bob", 1700000200,
	    "feat(api)!: drop v1\n\nBREAKING CHANGE: v1 is gone.\n"
	    "Use v2.\n\nCloses #12\n", 0);
	add("ccccccc3", "Ann", 1700000100, "fix(ui): crash (GH-7)\n\n"
	    "Fixes: ABC-9\nRefs #12\n", 0);
	add("ddddddd4", "Cy", 1700000050, "Merge branch 'x'\n", 1);
	add("eeeeeee5", "Ann", 1700000000, "random subject <b>\n", 0);
	add("fffffff6", "Bob", 1699999999, "feat: add things\n", 0);
}

static void
test_groups_md(void **state)
{
	char *md;

	(void)state;
	sample();
	assert_int_equal(N.ncommits, 5);
	assert_int_equal(N.merges_left_out, 1);
	assert_int_equal(N.nbreaking, 1);
	assert_int_equal(N.ntype[REL_CC_FEAT], 2);
	md = render(REL_NOTES_MD);
	in_order(md, "# Release notes\n", "## Breaking changes",
	    "- `bbbbbbb` **api:** drop v1 (#12) — Bob\n\n  v1 is gone.\n"
	    "  Use v2.\n", "## Features",
	    "`bbbbbbb` **api:** drop v1 **(breaking)**", "`fffffff` add things",
	    "## Bug fixes", "`ccccccc` **ui:** crash (GH-7) (ABC-9, #12)",
	    "## Chores", "`aaaaaaa` tidy — Ann", "## Other",
	    "`eeeeeee` random subject &lt;b> — Ann", "## Linked issues",
	    "- #12 (fixed)\n", "- GH-7\n", "- ABC-9 (fixed)\n",
	    "## Contributors", "- Ann (3 commits)", "- Bob (2 commits)", NULL);
	has_not(md, "Merge branch");
	has_not(md, "## Performance");
	has(md, "- **Commits:** 5 (1 merge left out)");
	free(md);
}

static void
test_groups_text(void **state)
{
	char *t;

	(void)state;
	sample();
	t = render(REL_NOTES_TEXT);
	in_order(t, "release notes\n", "commits:    5 (1 merge left out)\n",
	    "\nBreaking changes\n", "  bbbbbbb api: drop v1 [#12] (Bob)\n"
	    "      v1 is gone.\n      Use v2.\n", "\nFeatures\n",
	    "  bbbbbbb api: drop v1 (breaking) [#12] (Bob)\n",
	    "  fffffff add things (Bob)\n", "\nBug fixes\n",
	    "  ccccccc ui: crash (GH-7) [ABC-9, #12] (Ann)\n",
	    "\nChores\n", "\nOther\n", "random subject <b> (Ann)",
	    "\nLinked issues\n  #12 (fixed)\n  GH-7\n  ABC-9 (fixed)\n",
	    "\nContributors\n     3  Ann\n     2  Bob\n", NULL);
	free(t);
}

static void
test_json(void **state)
{
	char *j;

	(void)state;
	sample();
	j = render(REL_NOTES_JSON);
	assert_int_equal(j[0], '{');
	assert_ptr_equal(strchr(j, '\n'), j + strlen(j) - 1);
	/* The release it describes is its id (rel(7)); no version field. */
	has(j, "{\"id\":null,\"product\":null,");
	has_not(j, "\"version\"");
	has(j, "\"commit_count\":5");
	has(j, "\"merges\":false,\"merges_left_out\":1");
	in_order(j, "\"breaking\":[{\"id\":\"bbbbbbb2", "\"groups\":[",
	    "{\"type\":\"feat\",\"title\":\"Features\",\"commits\":[",
	    "{\"type\":\"fix\"", "{\"type\":\"chore\"", "{\"type\":\"other\"",
	    "\"issues\":[{\"ref\":\"#12\",\"kind\":\"hash\",\"closes\":true,"
	    "\"commits\":[\"bbbbbbb2", "\"contributors\":[{\"name\":\"Ann\"",
	    NULL);
	has(j, "{\"id\":\"ccccccc300000000000000000000000000000000\","
	    "\"short\":\"ccccccc\",\"type\":\"fix\",\"scope\":\"ui\","
	    "\"breaking\":false,\"breaking_text\":null,"
	    "\"description\":\"crash (GH-7)\","
	    "\"subject\":\"fix(ui): crash (GH-7)\",\"author\":\"Ann\","
	    "\"email\":\"dev@example.org\",\"time\":\"2023-11-14T22:15:00Z\","
	    "\"merge\":false,\"issues\":[\"GH-7\",\"ABC-9\",\"#12\"],"
	    "\"url\":null}");
	has(j, "\"breaking_text\":\"v1 is gone.\\nUse v2.\"");
	has(j, "{\"ref\":\"ABC-9\",\"kind\":\"key\",\"closes\":true,"
	    "\"commits\":[\"ccccccc3");
	has(j, "{\"name\":\"Bob\",\"email\":\"dev@example.org\",\"commits\":2}");
	free(j);
}

static void
test_merges_included(void **state)
{
	char *md;

	(void)state;
	N.merges = 1;
	sample();
	assert_int_equal(N.ncommits, 6);
	assert_int_equal(N.merges_left_out, 0);
	md = render(REL_NOTES_MD);
	has(md, "Merge branch 'x' — Cy");
	has_not(md, "left out");
	free(md);
	md = render(REL_NOTES_JSON);
	has(md, "\"merges\":true");
	has(md, "\"merge\":true");
	free(md);
}

static void
release_fixture(struct rel_release *r, struct rel_artifact *arts,
    size_t nart, const char *id, unsigned long n)
{
	memset(r, 0, sizeof *r);
	snprintf(r->id, sizeof r->id, "%s", id);
	snprintf(r->product, sizeof r->product, "web");
	r->n = n;
	r->created = INT64_C(1700000000123);
	r->by = "alice";
	r->rev = "0123456789abcdef0123456789abcdef01234567";
	r->repo = "/src/web";
	r->message = "fix the <leak>";
	r->artifacts = arts;
	r->nartifacts = nart;
}

static void
test_release_and_artifacts(void **state)
{
	struct rel_release r, base;
	struct rel_artifact a[3], b[3];
	struct rel_output outs[3] = {
		{ 1, "prod", "change", "CHG-1", 1 },
		{ 2, "prod/notify", "url", "https://x", 1 },
		{ 3, "prod", "change", "CHG-2", 2 },
	};
	struct rel_err err = { 0, "" };
	char *md, *t, *j;

	(void)state;
	snprintf(a[0].component, sizeof a[0].component, "api");
	a[0].version = "1.1";
	snprintf(a[1].component, sizeof a[1].component, "ui");
	a[1].version = "2.0";
	snprintf(a[2].component, sizeof a[2].component, "worker");
	a[2].version = "3.0";
	snprintf(b[0].component, sizeof b[0].component, "api");
	b[0].version = "1.0";
	snprintf(b[1].component, sizeof b[1].component, "ui");
	b[1].version = "2.0";
	snprintf(b[2].component, sizeof b[2].component, "old");
	b[2].version = "0.9";
	release_fixture(&r, a, 3, "web-3", 3);
	r.hotfix = 1;
	r.outputs = outs;
	r.noutputs = 3;
	release_fixture(&base, b, 3, "web-2", 2);

	assert_int_equal(rel_notes_release(&N, &r, &base, &err), 0);
	assert_int_equal(rel_notes_base(&N, REL_BASE_ENV, "web-2", "prod",
	    &err), 0);
	assert_int_equal(rel_notes_revs(&N, "fedcba9876543210fedcba98",
	    "0123456789abcdef0123456789abcdef01234567", NULL, &err), 0);
	assert_int_equal(rel_notes_note(&N, &err, "web-%d is %s", 2, "live"),
	    0);
	assert_int_equal(N.nartifacts, 4);
	assert_int_equal(N.noutputs, 2);
	assert_int_equal(N.artifacts[0].change, REL_ART_CHANGED);
	assert_int_equal(N.artifacts[1].change, REL_ART_UNCHANGED);
	assert_int_equal(N.artifacts[2].change, REL_ART_ADDED);
	assert_int_equal(N.artifacts[3].change, REL_ART_REMOVED);
	add("1111111", "Ann", 1700000000, "fix: x", 0);

	md = render(REL_NOTES_MD);
	in_order(md, "# Release notes: web-3 (hotfix)\n\n",
	    "> **Hotfix:** this release is a hotfix.\n",
	    "- **Product:** web\n",
	    "- **Created:** 2023-11-14T22:13:20Z by alice\n",
	    "- **Hotfix:** yes\n", "- **Message:** fix the &lt;leak>\n",
	    "- **Revision:** `0123456789abcdef0123456789abcdef01234567`\n",
	    "- **Repository:** `/src/web`\n",
	    "- **Base:** web-2, live in prod (`fedcba9`)\n",
	    "- **Commits:** 1\n", "- **Outputs:**\n",
	    "  - prod/notify: `url` = https://x\n",
	    "  - prod: `change` = CHG-2\n", "> **Note:** web-2 is live\n",
	    "## Artifacts\n\n- **api:** `1.0` → `1.1`\n",
	    "- **ui:** `2.0` (unchanged)\n", "- **worker:** `3.0` (added)\n",
	    "- **old:** `0.9` (removed)\n", "## Bug fixes", NULL);
	has_not(md, "CHG-1");
	t = render(REL_NOTES_TEXT);
	in_order(t, "web-3 (hotfix)\n", "product:    web\n",
	    "created:    2023-11-14T22:13:20Z by alice\n", "hotfix:     yes\n",
	    "message:    fix the <leak>\n", "base:       web-2, live in prod "
	    "(fedcba9)\n", "output:     prod/notify url=https://x\n",
	    "output:     prod change=CHG-2\n", "note:       web-2 is live\n",
	    "\nArtifacts\n  api: 1.0 -> 1.1\n  ui: 2.0 (unchanged)\n"
	    "  worker: 3.0 (added)\n  old: 0.9 (removed)\n", NULL);
	j = render(REL_NOTES_JSON);
	has(j, "{\"id\":\"web-3\",\"product\":\"web\",\"number\":3,"
	    "\"created\":\"2023-11-14T22:13:20Z\",\"by\":\"alice\","
	    "\"hotfix\":true,\"message\":\"fix the <leak>\"");
	has(j, "\"outputs\":[{\"object\":\"prod/notify\",\"key\":\"url\","
	    "\"value\":\"https://x\"},{\"object\":\"prod\",\"key\":\"change\","
	    "\"value\":\"CHG-2\"}]");
	has(j, "\"base\":{\"how\":\"env\",\"release\":\"web-2\",\"env\":"
	    "\"prod\",\"rev\":\"fedcba9876543210fedcba98\"}");
	has(j, "\"notes\":[\"web-2 is live\"]");
	has(j, "\"compared\":true,\"artifacts\":[{\"component\":\"api\","
	    "\"old\":\"1.0\",\"new\":\"1.1\",\"change\":\"changed\"},"
	    "{\"component\":\"ui\",\"old\":\"2.0\",\"new\":\"2.0\",\"change\":"
	    "\"unchanged\"},{\"component\":\"worker\",\"old\":null,\"new\":"
	    "\"3.0\",\"change\":\"added\"},{\"component\":\"old\",\"old\":"
	    "\"0.9\",\"new\":null,\"change\":\"removed\"}]");
	free(md);
	free(t);
	free(j);
}

static void
test_no_base(void **state)
{
	struct rel_release r;
	struct rel_artifact a[1];
	struct rel_err err = { 0, "" };
	char *md, *j;

	(void)state;
	snprintf(a[0].component, sizeof a[0].component, "api");
	a[0].version = "1.0";
	release_fixture(&r, a, 1, "web-1", 1);
	assert_int_equal(rel_notes_release(&N, &r, NULL, &err), 0);
	assert_int_equal(rel_notes_base(&N, REL_BASE_NONE, NULL, NULL, &err),
	    0);
	/* The repository read replaces the one recorded. */
	assert_int_equal(rel_notes_repo(&N, "/src/web2/", &err), 0);
	md = render(REL_NOTES_MD);
	has(md, "- **Repository:** `/src/web2`\n");
	has(md, "- **Base:** none: all history\n");
	has(md, "- **api:** `1.0`\n");
	has(md, "*No commits.*");
	has(md, "- **Hotfix:** no\n");
	has_not(md, "(hotfix)");
	j = render(REL_NOTES_JSON);
	has(j, "\"hotfix\":false");
	has(j, "\"base\":{\"how\":\"none\",\"release\":null,\"env\":null,"
	    "\"rev\":null}");
	has(j, "\"compared\":false,\"artifacts\":[{\"component\":\"api\","
	    "\"old\":null,\"new\":\"1.0\",\"change\":null}]");
	has(j, "\"breaking\":[],\"groups\":[],\"issues\":[],"
	    "\"contributors\":[]}\n");
	free(md);
	free(j);
}

static void
test_base_kinds(void **state)
{
	static const struct {
		enum rel_notes_base how;
		const char *rel, *env, *md, *json;
	} cases[] = {
		{ REL_BASE_SINCE, "web-1", NULL, "web-1, given with --since "
		    "(`abcdef1`)", "\"how\":\"since\"" },
		{ REL_BASE_PREVIOUS, "web-2", NULL, "web-2, the previous release "
		    "with a revision (`abcdef1`)", "\"how\":\"previous\"" },
		{ REL_BASE_RANGE, NULL, NULL, "`abcdef1` (--range)",
		    "\"how\":\"range\"" },
	};
	struct rel_err err = { 0, "" };

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *md, *j;

		rel_notes_free(&N);
		assert_int_equal(rel_notes_base(&N, cases[i].how, cases[i].rel,
		    cases[i].env, &err), 0);
		assert_int_equal(rel_notes_revs(&N, "abcdef1234", "1234abcd",
		    "v1..v2", &err), 0);
		md = render(REL_NOTES_MD);
		has(md, cases[i].md);
		has(md, "- **Range:** `v1..v2`\n");
		j = render(REL_NOTES_JSON);
		has(j, cases[i].json);
		has(j, "\"head\":\"1234abcd\",\"range\":\"v1..v2\"");
		free(md);
		free(j);
	}
}

static void
test_cleanup_of_text(void **state)
{
	char *md, *t, *j;

	(void)state;
	/* Invalid UTF-8, an escape sequence, a C1 control, tab, CR. */
	add("1", "Ev\x1b[31mil\nName", 1, "feat: bad \xff\xfe bytes \x1b[2J "
	    "c1\xc2\x9b tab\there\r\n\r\nBREAKING CHANGE: a\r\nb\x07\r\n", 0);
	add("2", "Zoë", 2, "fix: \xe2\x9c\x93 ok, overlong \xc0\xaf, "
	    "surrogate \xed\xa0\x80, 4-byte \xf0\x9f\x98\x80", 0);
	t = render(REL_NOTES_TEXT);
	has(t, "bad \xef\xbf\xbd\xef\xbf\xbd bytes \xef\xbf\xbd[2J "
	    "c1\xef\xbf\xbd\xef\xbf\xbd tab here (");
	has(t, "(Ev\xef\xbf\xbd[31mil Name)");
	has(t, "      a\n      b\xef\xbf\xbd\n");
	has(t, "\xe2\x9c\x93 ok, overlong \xef\xbf\xbd\xef\xbf\xbd, surrogate "
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd, 4-byte \xf0\x9f\x98\x80");
	has(t, "(Zoë)");
	for (const char *p = t; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n')
			fail_msg("control 0x%02x in text output", *p);
	md = render(REL_NOTES_MD);
	j = render(REL_NOTES_JSON);
	has(j, "\"breaking_text\":\"a\\nb\xef\xbf\xbd\"");
	for (const char *p = j; *p; p++)
		if ((unsigned char)*p < 0x20 && p[1])
			fail_msg("control 0x%02x in JSON", *p);
	free(t);
	free(md);
	free(j);
}

static void
test_markdown_escapes(void **state)
{
	char *md;

	(void)state;
	add("1", "# Not a heading", 1, "fix: a <b> & `x<y` and `unclosed <i>",
	    0);
	add("2", "1. Not a list", 2, "docs(<s>): ok", 0);
	md = render(REL_NOTES_MD);
	has(md, "a &lt;b> &amp; `x<y` and `unclosed &lt;i>");
	has(md, "**&lt;s>:** ok");
	has(md, "- \\# Not a heading (1 commit)");
	has(md, "- 1\\. Not a list (1 commit)");
	free(md);
}

static void
test_json_escapes(void **state)
{
	char *j;

	(void)state;
	add("1", "A \"quoted\" \\ name", 1, "fix: say \"hi\" \\o/", 0);
	j = render(REL_NOTES_JSON);
	has(j, "\"description\":\"say \\\"hi\\\" \\\\o/\"");
	has(j, "\"author\":\"A \\\"quoted\\\" \\\\ name\"");
	free(j);
}

static void
test_no_subject(void **state)
{
	char *md, *t, *j;

	(void)state;
	add("1", "Ann", 1, "", 0);
	add("2", "Ann", 2, "\nonly a body, see #5\n", 0);
	assert_int_equal(N.ntype[REL_CC_OTHER], 2);
	md = render(REL_NOTES_MD);
	has(md, "- `1000000` *(no subject)* — Ann\n");
	has(md, "- `2000000` *(no subject)* (#5) — Ann\n");
	t = render(REL_NOTES_TEXT);
	has(t, "  1000000 (no subject) (Ann)\n");
	j = render(REL_NOTES_JSON);
	has(j, "\"description\":\"\",\"subject\":\"\"");
	free(md);
	free(t);
	free(j);
}

static void
test_many(void **state)
{
	char id[16], who[32], msg[128], *j;

	(void)state;
	for (int i = 0; i < 5000; i++) {
		snprintf(id, sizeof id, "%07x", i);
		snprintf(who, sizeof who, "Dev %d", i % 700);
		snprintf(msg, sizeof msg, "feat: change %d #%d ABC-%d", i,
		    i % 900 + 1, i + 1);
		add(id, who, 1700000000 + i, msg, 0);
	}
	assert_int_equal(N.ncommits, 5000);
	assert_int_equal(N.npeople, 700);
	assert_int_equal(N.nissues, 900 + 5000);
	for (size_t i = 0; i < N.npeople; i++)
		assert_true(N.people[i].commits == 7 || N.people[i].commits == 8);
	j = render(REL_NOTES_JSON);
	has(j, "\"commit_count\":5000");
	free(j);
	for (size_t i = 0; i < N.nissues; i++)
		if (!strcmp(rel_notes_str(&N, N.issues[i].ref), "#1"))
			assert_int_equal(N.issues[i].commits, 6);
}

static void
test_time_edges(void **state)
{
	char *j;

	(void)state;
	add("1", "A", 0, "fix: epoch", 0);
	add("2", "A", INT64_C(253402300799), "fix: last second", 0);
	add("3", "A", INT64_C(253402300800), "fix: too late", 0);
	add("4", "A", -5, "fix: before", 0);
	add("5", "A", 951782400, "fix: leap day", 0);
	j = render(REL_NOTES_JSON);
	has(j, "\"time\":\"1970-01-01T00:00:00Z\"");
	has(j, "\"time\":\"9999-12-31T23:59:59Z\"");
	has(j, "\"time\":\"2000-02-29T00:00:00Z\"");
	in_order(j, "too late", "\"time\":null", "before", "\"time\":null",
	    NULL);
	free(j);
}

static void
test_formats(void **state)
{
	struct rel_buf out = REL_BUF_INIT;
	struct rel_err err = { 0, "" };

	(void)state;
	assert_int_equal(rel_notes_format_parse("md"), REL_NOTES_MD);
	assert_int_equal(rel_notes_format_parse("markdown"), REL_NOTES_MD);
	assert_int_equal(rel_notes_format_parse("text"), REL_NOTES_TEXT);
	assert_int_equal(rel_notes_format_parse("json"), REL_NOTES_JSON);
	assert_int_equal(rel_notes_format_parse("html"), -1);
	assert_int_equal(rel_notes_format_parse(""), -1);
	assert_int_equal(rel_notes_render(&N, (enum rel_notes_format)7, &out,
	    &err), REL_EUSAGE);
	rel_buf_free(&out);
	assert_null(rel_notes_str(&N, REL_NOTES_NONE));
	/* Free twice is fine: free leaves an empty model. */
	rel_notes_free(&N);
	rel_notes_free(&N);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_groups_md, setup, teardown),
		cmocka_unit_test_setup_teardown(test_groups_text, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merges_included, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_release_and_artifacts,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_base, setup, teardown),
		cmocka_unit_test_setup_teardown(test_base_kinds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cleanup_of_text, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_markdown_escapes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_json_escapes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_subject, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_edges, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_formats, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
