/*
 * test_commitmsg.c - the commit message parser (lib/commitmsg.c): what
 * each Conventional Commits subject becomes, bodies, trailers, the
 * BREAKING CHANGE footer, issue references of every form and the
 * look-alikes that are not, messages without a subject, CRLF, unicode,
 * caps, and random bytes (every span inside the message, no crash).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "commitmsg.h"

static struct rel_commitmsg cm;

static void
parse(const char *msg)
{
	rel_commitmsg_parse(msg, strlen(msg), &cm);
}

/* The span holds exactly want ("" for the empty span). */
static void
span_is(struct rel_span sp, const char *want)
{
	if (sp.len != strlen(want) || (sp.len && memcmp(sp.s, want, sp.len)))
		fail_msg("got \"%.*s\", want \"%s\"", (int)sp.len,
		    sp.s ? sp.s : "", want);
}

/* The issues found are exactly the list (NULL-terminated), in order;
 * a leading '!' marks one the commit closes. */
static void
issues_are(const char *first, ...)
{
	va_list ap;
	const char *want;
	size_t i = 0;

	va_start(ap, first);
	for (want = first; want; want = va_arg(ap, const char *), i++) {
		int closes = want[0] == '!';

		if (i >= cm.nissues)
			fail_msg("issue %zu: missing, want %s", i, want);
		span_is(cm.issues[i].ref, want + closes);
		if (cm.issues[i].closes != closes)
			fail_msg("issue %s: closes is %d", want + closes,
			    cm.issues[i].closes);
	}
	va_end(ap);
	if (cm.nissues != i)
		fail_msg("%zu issues, want %zu (extra: %.*s)", cm.nissues, i,
		    (int)cm.issues[i].ref.len, cm.issues[i].ref.s);
}

static void
test_conventional(void **state)
{
	(void)state;
	parse("feat(api): add pagination to /releases");
	assert_int_equal(cm.type, REL_CC_FEAT);
	assert_true(cm.conventional);
	assert_false(cm.bang);
	assert_false(cm.breaking);
	span_is(cm.scope, "api");
	span_is(cm.desc, "add pagination to /releases");
	span_is(cm.subject, "feat(api): add pagination to /releases");
	span_is(cm.body, "");
	assert_int_equal(cm.ntrailers, 0);
	assert_int_equal(cm.nissues, 0);

	parse("fix: crash on empty input");
	assert_int_equal(cm.type, REL_CC_FIX);
	span_is(cm.scope, "");
	span_is(cm.desc, "crash on empty input");
}

static void
test_every_type(void **state)
{
	static const char *const words[] = { "feat", "fix", "perf",
		"refactor", "docs", "test", "build", "ci", "chore", "revert" };
	char msg[64];

	(void)state;
	for (int t = 0; t < 10; t++) {
		snprintf(msg, sizeof msg, "%s: something", words[t]);
		parse(msg);
		assert_int_equal(cm.type, t);
		assert_string_equal(rel_cc_type_name(cm.type), words[t]);
		assert_int_equal(rel_cc_type_parse(words[t], strlen(words[t])),
		    t);
	}
	assert_string_equal(rel_cc_type_name(REL_CC_OTHER), "other");
	assert_string_equal(rel_cc_type_title(REL_CC_FEAT), "Features");
	assert_string_equal(rel_cc_type_title(REL_CC_FIX), "Bug fixes");
	assert_string_equal(rel_cc_type_title(REL_CC_OTHER), "Other");
	assert_string_equal(rel_cc_type_name(REL_CC_NTYPES), "other");
	assert_int_equal(rel_cc_type_parse("FEAT", 4), REL_CC_FEAT);
	assert_int_equal(rel_cc_type_parse("feature", 7), REL_CC_OTHER);
	assert_int_equal(rel_cc_type_parse("fe", 2), REL_CC_OTHER);
	assert_int_equal(rel_cc_type_parse("", 0), REL_CC_OTHER);
}

static void
test_case_and_blanks(void **state)
{
	(void)state;
	parse("Fix(UI):   trim   ");
	assert_int_equal(cm.type, REL_CC_FIX);
	span_is(cm.scope, "UI");
	span_is(cm.desc, "trim");
	parse("  docs( readme ): typo");
	assert_int_equal(cm.type, REL_CC_DOCS);
	span_is(cm.scope, "readme");
	span_is(cm.desc, "typo");
	parse("feat(): empty scope");
	assert_int_equal(cm.type, REL_CC_FEAT);
	span_is(cm.scope, "");
	span_is(cm.desc, "empty scope");
}

static void
test_bang(void **state)
{
	(void)state;
	parse("feat!: drop the v1 API");
	assert_int_equal(cm.type, REL_CC_FEAT);
	assert_true(cm.bang);
	assert_true(cm.breaking);
	span_is(cm.desc, "drop the v1 API");
	span_is(cm.breaking_text, "");

	parse("refactor(core)!: new storage");
	assert_int_equal(cm.type, REL_CC_REFACTOR);
	assert_true(cm.breaking);
	span_is(cm.scope, "core");
}

static void
test_not_conventional(void **state)
{
	static const char *const subjects[] = {
		"Update the README",
		"wip: stuff",            /* not a known type */
		"Note: a sentence",
		"feat(api: no closing parenthesis",
		"feat:no space",
		"feat: ",                /* no description */
		"feat",
		"feat!",
		"featx: glued",
		"Merge branch 'main' into topic",
		"fixup! feat: something",
		"(api): no type",
		"12: digits",
	};

	(void)state;
	for (size_t i = 0; i < sizeof subjects / sizeof subjects[0]; i++) {
		parse(subjects[i]);
		if (cm.type != REL_CC_OTHER || cm.conventional)
			fail_msg("'%s' taken as type %d", subjects[i], cm.type);
		assert_false(cm.bang);
		span_is(cm.scope, "");
		/* The description is the whole subject, trimmed. */
		assert_ptr_equal(cm.desc.s, cm.subject.s);
		assert_int_equal(cm.desc.len, cm.subject.len);
	}
	parse("wip!: breaking?");
	assert_false(cm.breaking);
}

static void
test_git_revert(void **state)
{
	(void)state;
	parse("Revert \"feat: add x\"\n\nThis reverts commit abc.\n");
	assert_int_equal(cm.type, REL_CC_REVERT);
	assert_false(cm.conventional);
	span_is(cm.desc, "Revert \"feat: add x\"");
	span_is(cm.body, "This reverts commit abc.");
	parse("revert: undo y");
	assert_int_equal(cm.type, REL_CC_REVERT);
	span_is(cm.desc, "undo y");
}

static void
test_body_and_trailers(void **state)
{
	(void)state;
	parse("feat(api): add x\n"
	    "\n"
	    "First paragraph,\n"
	    "two lines.\n"
	    "\n"
	    "Second paragraph.\n"
	    "\n"
	    "Signed-off-by: Ann <ann@example.org>\n"
	    "Reviewed-by: Bob\n"
	    "Refs #77\n"
	    "Co-authored-by: Cy <cy@example.org>\n");
	span_is(cm.body, "First paragraph,\ntwo lines.\n\nSecond paragraph.");
	assert_int_equal(cm.ntrailers, 4);
	span_is(cm.trailers[0].key, "Signed-off-by");
	span_is(cm.trailers[0].value, "Ann <ann@example.org>");
	span_is(cm.trailers[1].key, "Reviewed-by");
	span_is(cm.trailers[1].value, "Bob");
	span_is(cm.trailers[2].key, "Refs");
	span_is(cm.trailers[2].value, "#77");
	span_is(cm.trailers[3].key, "Co-authored-by");
	issues_are("#77", NULL);
}

static void
test_trailer_continuation(void **state)
{
	(void)state;
	parse("fix: y\n\nNote: the first line\n  goes on here\nAcked-by: Z\n");
	assert_int_equal(cm.ntrailers, 2);
	span_is(cm.trailers[0].value, "the first line\n  goes on here");
	span_is(cm.trailers[1].value, "Z");
	span_is(cm.body, "");
}

static void
test_last_paragraph_not_trailers(void **state)
{
	(void)state;
	/* One line that is not a trailer makes the paragraph a body. */
	parse("fix: y\n\nSee: this\nand not a trailer\n");
	assert_int_equal(cm.ntrailers, 0);
	span_is(cm.body, "See: this\nand not a trailer");
	/* A URL is not a trailer. */
	parse("docs: link\n\nhttps://example.org/x\n");
	assert_int_equal(cm.ntrailers, 0);
	span_is(cm.body, "https://example.org/x");
	/* An indented first line continues nothing. */
	parse("docs: z\n\n  Key: value\n");
	assert_int_equal(cm.ntrailers, 0);
	/* The subject is never a trailer block. */
	parse("Signed-off-by: someone\n");
	assert_int_equal(cm.ntrailers, 0);
	span_is(cm.body, "");
}

static void
test_trailers_capped(void **state)
{
	char msg[4096];
	size_t len;

	(void)state;
	len = (size_t)snprintf(msg, sizeof msg, "chore: many\n\n");
	for (int i = 0; i < REL_CM_MAX_TRAILERS + 8; i++)
		len += (size_t)snprintf(msg + len, sizeof msg - len,
		    "Key-%d: v%d\n", i, i);
	parse(msg);
	assert_int_equal(cm.ntrailers, REL_CM_MAX_TRAILERS);
	assert_int_equal(cm.trailers_dropped, 8);
	span_is(cm.trailers[0].key, "Key-0");
}

static void
test_breaking_footer(void **state)
{
	(void)state;
	parse("feat(ui): new layout\n\nBody.\n\n"
	    "BREAKING CHANGE: the old layout is gone.\n"
	    "  Use --classic to get it back.\n"
	    "Fixes: #4\n");
	assert_int_equal(cm.type, REL_CC_FEAT);
	assert_false(cm.bang);
	assert_true(cm.breaking);
	span_is(cm.breaking_text,
	    "the old layout is gone.\n  Use --classic to get it back.");
	assert_int_equal(cm.ntrailers, 2);
	span_is(cm.trailers[0].key, "BREAKING CHANGE");
	span_is(cm.trailers[1].key, "Fixes");
	span_is(cm.body, "Body.");
	issues_are("!#4", NULL);

	parse("fix: a\n\nBREAKING-CHANGE: dashed form\n");
	assert_true(cm.breaking);
	span_is(cm.breaking_text, "dashed form");

	/* In the body, as people write it: up to the blank line. */
	parse("refactor: b\n\nBREAKING CHANGE: config moved.\n"
	    "Read the docs.\n\nMore words.\n");
	assert_true(cm.breaking);
	span_is(cm.breaking_text, "config moved.\nRead the docs.");

	/* Text on the next lines only. */
	parse("refactor: c\n\nBREAKING CHANGE:\nall of it\n");
	span_is(cm.breaking_text, "all of it");

	/* Not at the start of a line, or lower case: not a footer. */
	parse("fix: d\n\nThere is no BREAKING CHANGE: here\n");
	assert_false(cm.breaking);
	parse("fix: e\n\nbreaking change: no\n");
	assert_false(cm.breaking);
	/* In the subject it is not a footer either. */
	parse("BREAKING CHANGE: subject");
	assert_false(cm.breaking);
}

static void
test_issue_forms(void **state)
{
	(void)state;
	parse("fix(api): handle #12 and GH-34\n\n"
	    "Also ABC-567, octo/repo.js#8 and (#9).\n\n"
	    "Fixes #12\nCloses: PROJ-1\n");
	issues_are("!#12", "GH-34", "ABC-567", "octo/repo.js#8", "#9",
	    "!PROJ-1", NULL);
	assert_int_equal(cm.issues[0].kind, REL_ISSUE_HASH);
	assert_int_equal(cm.issues[1].kind, REL_ISSUE_KEY);
	assert_int_equal(cm.issues[3].kind, REL_ISSUE_REPO);
}

static void
test_closing_words(void **state)
{
	(void)state;
	parse("x\n\nfix #1, FIXES #2, fixed: #3, close #4, closes GH-5, "
	    "closed ABC-6, resolve #7, Resolves o/r#8, RESOLVED #9");
	issues_are("!#1", "!#2", "!#3", "!#4", "!GH-5", "!ABC-6", "!#7",
	    "!o/r#8", "!#9", NULL);
	/* Only the reference right after the word. */
	parse("Fixes #1, #2 and prefixes #3 and fix#4 and fixing #5");
	issues_are("!#1", "#2", "#3", "#5", NULL);
	/* Later mentions of a closed issue keep it closed; an earlier
	 * plain mention becomes closing. */
	parse("see #6\n\nCloses #6\n");
	issues_are("!#6", NULL);
}

static void
test_not_issues(void **state)
{
	(void)state;
	parse("UTF-8 and SHA-256 and ISO-8601 and RFC-3339 and MD-5, "
	    "CVE-2024-1234, A-1, x-ABC-1, abcDEF-1, abc#12, &#123; #12abc "
	    "# 1 #  #12345678901 ABCDEFGHIJK-1 ABC- GH-x 2024-01-02 é#4 "
	    "/#x a/b/c#3");
	issues_are(NULL);
	/* A number of ten digits is the most. */
	parse("#1234567890 KEY-1234567890");
	issues_are("#1234567890", "KEY-1234567890", NULL);
}

static void
test_issue_boundaries(void **state)
{
	(void)state;
	parse("#1");
	issues_are("#1", NULL);
	parse("ABC-1");
	issues_are("ABC-1", NULL);
	parse("(GH-2).");
	issues_are("GH-2", NULL);
	parse("feature/ABC-3-fix-thing");
	issues_are("ABC-3", NULL);
	parse("o/r#4");
	issues_are("o/r#4", NULL);
	/* Not inside a longer path: a URL's anchor is no issue. */
	parse("see https://github.com/o/r#5");
	issues_are(NULL);
	parse("after a slash /#6");
	issues_are("#6", NULL);
}

static void
test_issues_dedup_and_cap(void **state)
{
	char msg[8192];
	size_t len = 0;

	(void)state;
	parse("#1 #2 #1 GH-1 #2 GH-1 ABC-1 ABC-1");
	issues_are("#1", "#2", "GH-1", "ABC-1", NULL);

	len = (size_t)snprintf(msg, sizeof msg, "chore: many");
	for (int i = 1; i <= REL_CM_MAX_ISSUES + 10; i++)
		len += (size_t)snprintf(msg + len, sizeof msg - len, " #%d", i);
	parse(msg);
	assert_int_equal(cm.nissues, REL_CM_MAX_ISSUES);
	assert_int_equal(cm.issues_dropped, 10);
	span_is(cm.issues[0].ref, "#1");
	span_is(cm.issues[REL_CM_MAX_ISSUES - 1].ref, "#32");
}

static void
test_no_subject(void **state)
{
	(void)state;
	rel_commitmsg_parse("", 0, &cm);
	assert_int_equal(cm.type, REL_CC_OTHER);
	span_is(cm.subject, "");
	span_is(cm.desc, "");
	span_is(cm.body, "");
	rel_commitmsg_parse(NULL, 10, &cm);
	span_is(cm.subject, "");

	parse("\nthe body only, #5\n");
	span_is(cm.subject, "");
	span_is(cm.desc, "");
	span_is(cm.body, "the body only, #5");
	issues_are("#5", NULL);

	parse("   \n\n\n");
	span_is(cm.subject, "");
	span_is(cm.body, "");

	parse("\n\nFixes: #6\n");
	assert_int_equal(cm.ntrailers, 1);
	issues_are("!#6", NULL);
}

static void
test_crlf(void **state)
{
	(void)state;
	parse("feat(api): x\r\n\r\nBody line\r\nmore\r\n\r\n"
	    "BREAKING CHANGE: gone\r\nFixes: #9\r\n");
	assert_int_equal(cm.type, REL_CC_FEAT);
	span_is(cm.desc, "x");
	span_is(cm.subject, "feat(api): x");
	span_is(cm.body, "Body line\r\nmore");
	assert_int_equal(cm.ntrailers, 2);
	span_is(cm.trailers[1].value, "#9");
	span_is(cm.breaking_text, "gone");
	issues_are("!#9", NULL);
}

static void
test_unicode(void **state)
{
	(void)state;
	parse("feat(über): añadir ✓ soporte #3\n\nZoë wrote: 日本語 GH-4\n");
	assert_int_equal(cm.type, REL_CC_FEAT);
	span_is(cm.scope, "über");
	span_is(cm.desc, "añadir ✓ soporte #3");
	issues_are("#3", "GH-4", NULL);
	/* A letter of another script glued to a reference: not one. */
	parse("é#4 日ABC-5 ABC-6é");
	issues_are(NULL);
}

static void
test_long_lines(void **state)
{
	size_t n = 1 << 20;
	char *msg = malloc(n + 64);

	(void)state;
	assert_non_null(msg);
	memcpy(msg, "feat(x): ", 9);
	memset(msg + 9, 'a', n);
	memcpy(msg + 9 + n, " #1\n\nFixes: GH-2\n", 18);
	rel_commitmsg_parse(msg, strlen(msg), &cm);
	assert_int_equal(cm.type, REL_CC_FEAT);
	assert_int_equal(cm.desc.len, n + 3);
	issues_are("#1", "!GH-2", NULL);

	/* Scans that look back (owner/repo#N) stay bounded. */
	for (size_t i = 0; i < n; i += 2)
		memcpy(msg + i, i % 400 == 0 ? "/#" : "ab", 2);
	msg[n] = '\0';
	rel_commitmsg_parse(msg, n, &cm);
	assert_true(cm.nissues <= REL_CM_MAX_ISSUES);
	free(msg);
}

/* Every span lies inside msg[0..len). */
static void
spans_inside(const char *msg, size_t len)
{
	struct rel_span all[8 + 2 * REL_CM_MAX_TRAILERS + REL_CM_MAX_ISSUES];
	size_t n = 0;

	all[n++] = cm.subject;
	all[n++] = cm.scope;
	all[n++] = cm.desc;
	all[n++] = cm.body;
	all[n++] = cm.breaking_text;
	assert_true(cm.ntrailers <= REL_CM_MAX_TRAILERS);
	assert_true(cm.nissues <= REL_CM_MAX_ISSUES);
	for (size_t i = 0; i < cm.ntrailers; i++) {
		all[n++] = cm.trailers[i].key;
		all[n++] = cm.trailers[i].value;
	}
	for (size_t i = 0; i < cm.nissues; i++)
		all[n++] = cm.issues[i].ref;
	for (size_t i = 0; i < n; i++) {
		if (!all[i].len)
			continue;
		assert_true(all[i].s >= msg);
		assert_true(all[i].s + all[i].len <= msg + len);
	}
	assert_true((unsigned)cm.type < REL_CC_NTYPES);
}

static void
test_random_bytes(void **state)
{
	/* Bytes likely to matter, and any byte. */
	static const char alphabet[] = "feat(x)!: \n\r\t#GH-ABC123/o.r_"
	    "FixesBREAKING CHANGE:\xc3\xa9\xff\x80 ";
	uint32_t seed = 12345;
	char msg[600];

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t len;

		seed = seed * 1103515245u + 12345u;
		len = (seed >> 8) % sizeof msg;
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			msg[i] = round % 4 == 0 ? (char)(seed >> 24) :
			    alphabet[(seed >> 16) % (sizeof alphabet - 1)];
		}
		rel_commitmsg_parse(msg, len, &cm);
		spans_inside(msg, len);
	}
}

static void
test_embedded_nul(void **state)
{
	static const char msg[] = "fix: a\0b #1\n\nFixes: #2\0\n";

	(void)state;
	rel_commitmsg_parse(msg, sizeof msg - 1, &cm);
	assert_int_equal(cm.type, REL_CC_FIX);
	assert_int_equal(cm.desc.len, 6);
	issues_are("#1", "!#2", NULL);
	spans_inside(msg, sizeof msg - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conventional),
		cmocka_unit_test(test_every_type),
		cmocka_unit_test(test_case_and_blanks),
		cmocka_unit_test(test_bang),
		cmocka_unit_test(test_not_conventional),
		cmocka_unit_test(test_git_revert),
		cmocka_unit_test(test_body_and_trailers),
		cmocka_unit_test(test_trailer_continuation),
		cmocka_unit_test(test_last_paragraph_not_trailers),
		cmocka_unit_test(test_trailers_capped),
		cmocka_unit_test(test_breaking_footer),
		cmocka_unit_test(test_issue_forms),
		cmocka_unit_test(test_closing_words),
		cmocka_unit_test(test_not_issues),
		cmocka_unit_test(test_issue_boundaries),
		cmocka_unit_test(test_issues_dedup_and_cap),
		cmocka_unit_test(test_no_subject),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_unicode),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_embedded_nul),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
