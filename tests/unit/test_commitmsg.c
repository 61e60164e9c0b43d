/*
 * test_commitmsg.c - the commit message parser (lib/commitmsg.c): what
 * each Conventional Commits subject becomes (known types, any other type,
 * `!` on any of them), bodies, trailers, the BREAKING CHANGE footer and
 * the paragraph after an empty one, issue references of every form where
 * people put them and the look-alikes that are not (logs, code, quotes,
 * changelogs, keys nobody named), messages without a subject, CRLF,
 * unicode, caps, and random bytes (every span inside the message, no
 * crash).  tests/unit/test_commitcorpus.c runs a corpus of real-world
 * style messages through the same parser.
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

/* The keys a flow would name (issue_keys); GH needs none. */
static const char *const key_names[] = { "ABC", "PROJ", "KEY" };
static const struct rel_cm_keys keys = { key_names, 3 };

static void
parse(const char *msg)
{
	rel_commitmsg_parse(msg, strlen(msg), &keys, &cm);
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
		"refactor", "style", "docs", "test", "build", "ci", "chore",
		"revert" };
	char msg[64];

	(void)state;
	for (int t = 0; t < 11; t++) {
		snprintf(msg, sizeof msg, "%s: something", words[t]);
		parse(msg);
		assert_int_equal(cm.type, t);
		assert_string_equal(rel_cc_type_name(cm.type), words[t]);
		assert_int_equal(rel_cc_type_parse(words[t], strlen(words[t])),
		    t);
		span_is(cm.type_word, words[t]);
	}
	assert_string_equal(rel_cc_type_title(REL_CC_STYLE), "Style");
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

/* `!` marks a breaking change for any type; any type keeps its scope. */
static void
test_any_type(void **state)
{
	(void)state;
	parse("style(ui)!: rename the theme option");
	assert_int_equal(cm.type, REL_CC_STYLE);
	assert_true(cm.conventional);
	assert_true(cm.breaking);
	span_is(cm.scope, "ui");
	span_is(cm.desc, "rename the theme option");

	parse("deps!: drop node 14");
	assert_int_equal(cm.type, REL_CC_OTHER);
	assert_true(cm.conventional);
	assert_true(cm.bang);
	assert_true(cm.breaking);
	span_is(cm.type_word, "deps");
	span_is(cm.scope, "");
	span_is(cm.desc, "drop node 14");

	parse("Security(auth): rotate keys");
	assert_int_equal(cm.type, REL_CC_OTHER);
	assert_true(cm.conventional);
	assert_false(cm.breaking);
	span_is(cm.type_word, "Security");
	span_is(cm.scope, "auth");
	span_is(cm.desc, "rotate keys");

	parse("l10n_pt: update translations");
	span_is(cm.type_word, "l10n_pt");
	span_is(cm.desc, "update translations");
	parse("wip!: breaking?");
	assert_true(cm.breaking);
	span_is(cm.type_word, "wip");

	/* The longest type word, and one byte more. */
	parse("abcdefghijklmnopqrstuvwxyz012345: x");
	assert_true(cm.conventional);
	parse("abcdefghijklmnopqrstuvwxyz0123456: x");
	assert_false(cm.conventional);
}

static void
test_not_conventional(void **state)
{
	static const char *const subjects[] = {
		"Update the README",
		"feat(api: no closing parenthesis",
		"feat:no space",
		"feat: ",                /* no description */
		"feat",
		"feat!",
		"Merge branch 'main' into topic",
		"fixup! feat: something",
		"(api): no type",
		"12: digits",
		"builtin/log: a path",
		"_x: no letter first",
		"git-p4: a dash",
		"PROJ-12: an issue key",
		"Revert \"feat: x\"",
	};

	(void)state;
	for (size_t i = 0; i < sizeof subjects / sizeof subjects[0]; i++) {
		parse(subjects[i]);
		if ((cm.type != REL_CC_OTHER && cm.type != REL_CC_REVERT) ||
		    cm.conventional || cm.type_word.len)
			fail_msg("'%s' taken as type %d", subjects[i], cm.type);
		assert_false(cm.bang);
		span_is(cm.scope, "");
		/* The description is the whole subject, trimmed. */
		assert_ptr_equal(cm.desc.s, cm.subject.s);
		assert_int_equal(cm.desc.len, cm.subject.len);
	}
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

/* "BREAKING CHANGE:" alone, an empty line, then the text: the paragraph
 * that follows is the text. */
static void
test_breaking_paragraph(void **state)
{
	(void)state;
	parse("feat: new config\n\nBREAKING CHANGE:\n\n"
	    "The file moved to /etc/web.\nRun the migration.\n\n"
	    "Another paragraph.\n");
	assert_true(cm.breaking);
	span_is(cm.breaking_text,
	    "The file moved to /etc/web.\nRun the migration.");
	/* Several empty lines in between. */
	parse("feat: x\n\nBREAKING CHANGE:\n\n\n  indented text\n");
	span_is(cm.breaking_text, "indented text");
	/* At the end of the message: breaking, with no text. */
	parse("feat: y\n\nBody.\n\nBREAKING CHANGE:\n");
	assert_true(cm.breaking);
	span_is(cm.breaking_text, "");
	/* What follows is trailers: they are not the text. */
	parse("feat: z\n\nBREAKING CHANGE:\n\nSigned-off-by: Ann\n");
	assert_true(cm.breaking);
	span_is(cm.breaking_text, "");
	assert_int_equal(cm.ntrailers, 1);
	/* Text on the footer's line: the next paragraph is not taken. */
	parse("feat: w\n\nBREAKING CHANGE: short\n\nUnrelated.\n");
	span_is(cm.breaking_text, "short");
	/* CRLF all the way. */
	parse("feat: v\r\n\r\nBREAKING CHANGE:\r\n\r\nText\r\n");
	span_is(cm.breaking_text, "Text");
}

static void
test_issue_forms(void **state)
{
	(void)state;
	parse("fix(api): handle #12, GH-34, ABC-567 and octo/repo.js#8\n\n"
	    "Also see (#9).\n\n"
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
	/* In the subject, only the reference right after the word. */
	parse("Fixes #1, #2 and prefixes #3 and fix#4 and fixing #5");
	issues_are("!#1", "#2", "#3", "#5", NULL);
	/* In a body, the list after the word. */
	parse("x\n\nThis fixes #1, #2 and #3 & GH-4; and #5 is not.\n");
	issues_are("!#1", "!#2", "!#3", "!GH-4", NULL);
	/* Later mentions of a closed issue keep it closed; an earlier
	 * plain mention becomes closing. */
	parse("see #6\n\nCloses #6\n");
	issues_are("!#6", NULL);
	/* Words that name issues without closing them. */
	parse("x\n\nRefs #1. See also #2, related to PROJ-3, "
	    "relates to #4.\nPart of the work; references: GH-5, "
	    "see issue #6, addresses #7, implements #8\n");
	issues_are("#1", "#2", "PROJ-3", "#4", "GH-5", "#6", "#7", "#8",
	    NULL);
	/* A closing word in a trailer key closes what its value names. */
	parse("x\n\nFixes: #1 and #2\nRefs: #3\nResolves #4\n");
	issues_are("!#1", "!#2", "#3", "!#4", NULL);
}

/* Bodies hold logs, code, quotes and pasted changelogs: only what
 * follows a keyword in prose is a reference there. */
static void
test_body_is_not_a_list_of_issues(void **state)
{
	(void)state;
	/* A gdb backtrace, hyperfine output, a CWE, a CPU model. */
	parse("fix: crash in the parser\n\n"
	    "#0  0x00007f in raise () from libc\n"
	    "#1  0x00007f in abort ()\n"
	    "#23 main ()\n\n"
	    "Benchmark #1: git log\n"
	    "  Time (mean): 1.2 s\n\n"
	    "This is CWE-476, seen on a Xeon E3-1230 and on #12.\n");
	issues_are(NULL);
	/* A release commit with a generated changelog. */
	parse("chore(release): 1.2.0\n\n"
	    "### Features\n\n"
	    "* **api:** pages ([#12](https://x/issues/12)) ([abc1234](u))\n"
	    "* **ui:** dark mode, closes [#13](https://x/issues/13)\n"
	    "- #14 something\n");
	issues_are(NULL);
	/* Quoted, indented and fenced lines, even after a keyword. */
	parse("fix: x\n\n"
	    "> Fixes #1 said the report\n"
	    "    fixes #2 in an indented log\n"
	    "\tfixes #3 after a tab\n"
	    "```\nfixes #4 in code\n```\n"
	    "~~~sh\nsee #5\n~~~\n"
	    "   fixes #6 with three spaces is prose\n");
	issues_are("!#6", NULL);
	/* A fence that is never closed hides the rest of the body. */
	parse("fix: y\n\n```\nfixes #1\n\nthis fixes #2\n");
	issues_are(NULL);
}

/* KEY-N only for the keys given; GH-N always. */
static void
test_keys(void **state)
{
	static const char *const none[] = { "SEFAZ" };
	static const struct rel_cm_keys sefaz = { none, 1 };
	static const char msg[] = "fix: SEFAZ-12 PROJ-3 GH-4 CWE-476 A-1";

	(void)state;
	rel_commitmsg_parse(msg, sizeof msg - 1, &sefaz, &cm);
	issues_are("SEFAZ-12", "GH-4", NULL);
	rel_commitmsg_parse(msg, sizeof msg - 1, NULL, &cm);
	issues_are("GH-4", NULL);
	parse(msg);
	issues_are("PROJ-3", "GH-4", NULL);
	/* A key is matched whole, and in upper case only. */
	parse("fix: XABC-1 ABCX-2 abc-3 Abc-4 ABC-5");
	issues_are("ABC-5", NULL);

	assert_true(rel_cm_key_valid("PROJ"));
	assert_true(rel_cm_key_valid("A1_B"));
	assert_true(rel_cm_key_valid("P"));
	assert_false(rel_cm_key_valid(""));
	assert_false(rel_cm_key_valid(NULL));
	assert_false(rel_cm_key_valid("proj"));
	assert_false(rel_cm_key_valid("1AB"));
	assert_false(rel_cm_key_valid("AB-C"));
	assert_true(rel_cm_key_valid("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"));
	assert_false(rel_cm_key_valid("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"));
}

/* "Fixes: <commit> (\"subject\")" names a commit, not an issue. */
static void
test_trailer_names_a_commit(void **state)
{
	(void)state;
	parse("fix: leak\n\nBody.\n\n"
	    "Fixes: 54a4f0239f2e (\"feat: add pool (#12)\")\n"
	    "Signed-off-by: Ann <ann@example.org>\n");
	issues_are(NULL);
	parse("fix: leak\n\nFixes: #3 (abcdef1 is where it began)\n");
	issues_are("!#3", NULL);
	/* A closing trailer closes the list it starts with, not what its
	 * prose mentions later. */
	parse("fix: leak\n\nFixes #3. See #4 for more.\n");
	issues_are("!#3", "#4", NULL);
}

static void
test_not_issues(void **state)
{
	(void)state;
	parse("UTF-8 and SHA-256 and ISO-8601 and RFC-3339 and MD-5, "
	    "CVE-2024-1234, A-1, x-ABC-1, abcDEF-1, abc#12, &#123; #12abc "
	    "# 1 #  #12345678901 ABCDEFGHIJK-1 ABC- GH-x 2024-01-02 é#4 "
	    "/#x a/b/c#3 ABC-1-2");
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
	rel_commitmsg_parse("", 0, &keys, &cm);
	assert_int_equal(cm.type, REL_CC_OTHER);
	span_is(cm.subject, "");
	span_is(cm.desc, "");
	span_is(cm.body, "");
	rel_commitmsg_parse(NULL, 10, &keys, &cm);
	span_is(cm.subject, "");

	parse("\nthe body only, see #5\n");
	span_is(cm.subject, "");
	span_is(cm.desc, "");
	span_is(cm.body, "the body only, see #5");
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
	parse("feat(über): añadir ✓ soporte #3\n\nZoë wrote: 日本語, see GH-4\n");
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
	rel_commitmsg_parse(msg, strlen(msg), &keys, &cm);
	assert_int_equal(cm.type, REL_CC_FEAT);
	assert_int_equal(cm.desc.len, n + 3);
	issues_are("#1", "!GH-2", NULL);

	/* Scans that look back (owner/repo#N) stay bounded. */
	for (size_t i = 0; i < n; i += 2)
		memcpy(msg + i, i % 400 == 0 ? "/#" : "ab", 2);
	msg[n] = '\0';
	rel_commitmsg_parse(msg, n, &keys, &cm);
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
	all[n++] = cm.type_word;
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
		rel_commitmsg_parse(msg, len, &keys, &cm);
		spans_inside(msg, len);
	}
}

static void
test_embedded_nul(void **state)
{
	static const char msg[] = "fix: a\0b #1\n\nFixes: #2\0\n";

	(void)state;
	rel_commitmsg_parse(msg, sizeof msg - 1, &keys, &cm);
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
		cmocka_unit_test(test_any_type),
		cmocka_unit_test(test_not_conventional),
		cmocka_unit_test(test_git_revert),
		cmocka_unit_test(test_body_and_trailers),
		cmocka_unit_test(test_trailer_continuation),
		cmocka_unit_test(test_last_paragraph_not_trailers),
		cmocka_unit_test(test_trailers_capped),
		cmocka_unit_test(test_breaking_footer),
		cmocka_unit_test(test_breaking_paragraph),
		cmocka_unit_test(test_issue_forms),
		cmocka_unit_test(test_closing_words),
		cmocka_unit_test(test_body_is_not_a_list_of_issues),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_trailer_names_a_commit),
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
