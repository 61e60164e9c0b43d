/*
 * commitmsg.c - take one commit message apart (see commitmsg.h).
 *
 * The message is read in linear passes: the subject, the lines after it
 * (paragraphs, trailers, the BREAKING CHANGE footer), then the issue
 * references of the subject, of the body's prose lines and of the
 * trailers' values.  Nothing is copied: the result is spans into the
 * message.  Character classes are ASCII only: a byte of a multi-byte
 * UTF-8 sequence counts as a letter of a word, so that nothing is ever
 * found in the middle of a word in another script.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "commitmsg.h"

static const char *const type_names[REL_CC_NTYPES] = {
	"feat", "fix", "perf", "refactor", "style", "docs", "test", "build",
	"ci", "chore", "revert", "other",
};

static const char *const type_titles[REL_CC_NTYPES] = {
	"Features", "Bug fixes", "Performance", "Refactoring", "Style",
	"Documentation", "Tests", "Build", "Continuous integration",
	"Chores", "Reverts", "Other",
};

/*
 * The words that introduce references: W_CLOSE makes the issues after
 * it ones that the commit closes; after W_REF a body names issues
 * without closing them; W_FILLER may sit between such a word and the
 * issue ("related to issue #3", "closes issues #1 and #2"), at most two
 * of them.  Looked up for every word of a body: see word_kind.
 */
enum { W_NONE, W_CLOSE, W_REF, W_FILLER };

/* Sorted by first letter: see first below. */
static const struct keyword {
	const char *word;
	unsigned char len, kind;
} keywords[] = {
	{ "addresses", 9, W_REF }, { "also", 4, W_FILLER },
	{ "bug", 3, W_FILLER },
	{ "close", 5, W_CLOSE }, { "closes", 6, W_CLOSE },
	{ "closed", 6, W_CLOSE },
	{ "fix", 3, W_CLOSE }, { "fixes", 5, W_CLOSE }, { "fixed", 5, W_CLOSE },
	{ "implements", 10, W_REF }, { "issue", 5, W_FILLER },
	{ "issues", 6, W_FILLER },
	{ "ref", 3, W_REF }, { "refs", 4, W_REF }, { "references", 10, W_REF },
	{ "related", 7, W_REF }, { "relates", 7, W_REF },
	{ "resolve", 7, W_CLOSE }, { "resolves", 8, W_CLOSE },
	{ "resolved", 8, W_CLOSE },
	{ "see", 3, W_REF },
	{ "ticket", 6, W_FILLER }, { "to", 2, W_FILLER },
};

/* The keywords starting with each letter: keywords[from..to). */
static const unsigned char first[26][2] = {
	['a' - 'a'] = { 0, 2 }, ['b' - 'a'] = { 2, 3 }, ['c' - 'a'] = { 3, 6 },
	['f' - 'a'] = { 6, 9 }, ['i' - 'a'] = { 9, 12 },
	['r' - 'a'] = { 12, 20 }, ['s' - 'a'] = { 20, 21 },
	['t' - 'a'] = { 21, 23 },
};

#define NELEM(a) (sizeof (a) / sizeof (a)[0])

const char *
rel_cc_type_name(enum rel_cc_type t)
{
	return (unsigned)t < REL_CC_NTYPES ? type_names[t] : "other";
}

const char *
rel_cc_type_title(enum rel_cc_type t)
{
	return (unsigned)t < REL_CC_NTYPES ? type_titles[t] : "Other";
}

/* Character classes, ASCII only (see the top of the file). */
enum { C_ALPHA = 1, C_DIGIT = 2, C_UPPER = 4, C_WORD = 8, C_REPO = 16,
	C_BLANK = 32 };

/* cls[c]: the classes of byte c (C_WORD for every byte >= 0x80). */
static const unsigned char cls[256] = {
	 0,  0,  0,  0,  0,  0,  0,  0,  0, 32,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	32,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, 16, 16,  0,
	26, 26, 26, 26, 26, 26, 26, 26, 26, 26,  0,  0,  0,  0,  0,  0,
	 0, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29,
	29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29,  0,  0,  0,  0, 24,
	 0, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25,
	25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25,  0,  0,  0,  0,  0,
	 8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,
	 8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,
	 8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,
	 8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,
	 8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,
	 8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,
	 8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,
	 8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,
};

#define is_alpha(c) (cls[(unsigned char)(c)] & C_ALPHA)
#define is_digit(c) (cls[(unsigned char)(c)] & C_DIGIT)
#define is_upper(c) (cls[(unsigned char)(c)] & C_UPPER)
#define is_alnum(c) (cls[(unsigned char)(c)] & (C_ALPHA | C_DIGIT))
/* Part of a word: letters, digits, '_', any byte of a UTF-8 sequence. */
#define is_word(c) (cls[(unsigned char)(c)] & C_WORD)
/* A character of a GitHub owner or repository name. */
#define is_repo(c) (cls[(unsigned char)(c)] & C_REPO)
#define is_blank(c) (cls[(unsigned char)(c)] & C_BLANK)
static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static int
word_eq_ci(const char *s, size_t len, const char *w)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!w[i] || lower((unsigned char)s[i]) != (unsigned char)w[i])
			return 0;
	return w[i] == '\0';
}

/* What the word s[0..len) is among the keywords (W_NONE if none). */
static int
word_kind(const char *s, size_t len)
{
	unsigned c;

	/* Most words go on their length or their first letter. */
	if (len < 2 || len > 10)
		return W_NONE;
	c = lower((unsigned char)s[0]);
	if (c < 'a' || c > 'z')
		return W_NONE;
	for (size_t k = first[c - 'a'][0]; k < first[c - 'a'][1]; k++)
		if (keywords[k].len == len && word_eq_ci(s, len,
		    keywords[k].word))
			return keywords[k].kind;
	return W_NONE;
}

enum rel_cc_type
rel_cc_type_parse(const char *s, size_t len)
{
	for (int t = 0; t < REL_CC_OTHER; t++)
		if (word_eq_ci(s, len, type_names[t]))
			return (enum rel_cc_type)t;
	return REL_CC_OTHER;
}

int
rel_cm_key_valid(const char *s)
{
	size_t i;

	if (!s || !(s[0] >= 'A' && s[0] <= 'Z'))
		return 0;
	for (i = 1; s[i]; i++)
		if (!is_upper(s[i]) && !is_digit(s[i]) && s[i] != '_')
			return 0;
	return i <= REL_CM_MAX_KEY;
}

static struct rel_span
span(const char *m, size_t start, size_t end)
{
	struct rel_span sp = { NULL, 0 };

	if (end > start) {
		sp.s = m + start;
		sp.len = end - start;
	}
	return sp;
}

/* The end of the line that starts at i: the index of its '\n' or e. */
static size_t
line_end(const char *m, size_t e, size_t i)
{
	const char *nl = memchr(m + i, '\n', e - i);

	return nl ? (size_t)(nl - m) : e;
}

/* The end of the content of [s, e): without trailing blanks and CRs. */
static size_t
content_end(const char *m, size_t s, size_t e)
{
	while (e > s && (is_blank(m[e - 1]) || m[e - 1] == '\r'))
		e--;
	return e;
}

static size_t
skip_blanks(const char *m, size_t i, size_t e)
{
	while (i < e && is_blank(m[i]))
		i++;
	return i;
}

/* "BREAKING CHANGE:", "BREAKING-CHANGE:" (and the common "BREAKING
 * CHANGES:") at m[s..e): the index after the colon, or 0. */
static size_t
breaking_footer(const char *m, size_t s, size_t e)
{
	static const char *const forms[] = { "BREAKING CHANGE:",
		"BREAKING-CHANGE:", "BREAKING CHANGES:" };

	if (e - s < 16 || m[s] != 'B')
		return 0;
	for (size_t f = 0; f < NELEM(forms); f++) {
		size_t n = strlen(forms[f]);

		if (e - s >= n && !memcmp(m + s, forms[f], n))
			return s + n;
	}
	return 0;
}

/*
 * Is the line m[s..e) (content, no line end) a trailer: "Token: value",
 * "Word #value" or "BREAKING CHANGE: value"?  Token is a letter or digit
 * then letters, digits and '-', at most 64 bytes.  The colon must be
 * followed by a blank or the end of the line, so "https://..." is not a
 * trailer.  The GitHub form "Closes #12" is one for the words that
 * introduce references only ("Re #12, cc #13" is a sentence).
 */
static int
trailer_at(const char *m, size_t s, size_t e, struct rel_cm_trailer *t)
{
	size_t i = s, after;

	if ((after = breaking_footer(m, s, e))) {
		t->key = span(m, s, after - 1);
		t->value = span(m, skip_blanks(m, after, e), e);
		return 1;
	}
	if (i >= e || !is_alnum(m[i]))
		return 0;
	while (i < e && i - s <= 64 &&
	    (is_alnum(m[i]) || m[i] == '-'))
		i++;
	if (i - s > 64 || i >= e)
		return 0;
	if (m[i] == ':' && (i + 1 == e || is_blank(m[i + 1]))) {
		t->key = span(m, s, i);
		t->value = span(m, skip_blanks(m, i + 1, e), e);
		return 1;
	}
	if (m[i] == ' ' && i + 1 < e && m[i + 1] == '#' &&
	    (word_kind(m + s, i - s) == W_CLOSE ||
	    word_kind(m + s, i - s) == W_REF)) {
		t->key = span(m, s, i);
		t->value = span(m, i + 1, e);
		return 1;
	}
	return 0;
}

/*
 * "type(scope)!: description" in the subject m[s..e).  The type is a
 * letter then letters, digits or '_' (a word, what the specification
 * calls a noun and what its parsers take; not "PROJ-12: ...", which is an
 * issue key); any such word is a type, with a group of its own when it
 * is one of the known ones.
 */
static void
parse_subject(const char *m, size_t s, size_t e, struct rel_commitmsg *cm)
{
	static const char revert[] = "Revert \"";
	size_t i = s, close, scope_s = 0, scope_e = 0;
	int bang = 0;

	cm->desc = cm->subject;
	if (i < e && is_alpha(m[i]))
		while (i < e && i - s <= REL_CM_MAX_TYPE &&
		    (is_alnum(m[i]) || m[i] == '_'))
			i++;
	if (i == s || i - s > REL_CM_MAX_TYPE)
		goto plain;
	cm->type_word = span(m, s, i);
	if (i < e && m[i] == '(') {
		const char *p = memchr(m + i + 1, ')', e - i - 1);

		if (!p)
			goto plain;
		close = (size_t)(p - m);
		scope_s = skip_blanks(m, i + 1, close);
		scope_e = content_end(m, scope_s, close);
		i = close + 1;
	}
	if (i < e && m[i] == '!') {
		bang = 1;
		i++;
	}
	if (i >= e || m[i] != ':')
		goto plain;
	i++;
	if (i >= e || !is_blank(m[i]))
		goto plain;
	i = skip_blanks(m, i, e);
	if (i >= e)
		goto plain;
	cm->type = rel_cc_type_parse(cm->type_word.s, cm->type_word.len);
	cm->conventional = 1;
	cm->bang = bang;
	cm->scope = span(m, scope_s, scope_e);
	cm->desc = span(m, i, e);
	return;
plain:
	cm->type_word = span(m, 0, 0);
	/* What `git revert` writes is a revert too. */
	if (e - s >= sizeof revert - 1 && !memcmp(m + s, revert,
	    sizeof revert - 1))
		cm->type = REL_CC_REVERT;
}

/*
 * The lines after the subject: the body, the trailer block (the last
 * paragraph, when each of its lines is a trailer or continues one) and
 * the first BREAKING CHANGE footer, wherever it is, with the lines that
 * continue it (up to a blank line or a trailer); a footer with nothing
 * after its colon takes the paragraph that follows it.  Returns where the
 * trailer block starts (len if there is none).
 */
static size_t
parse_rest(const char *m, size_t len, size_t i, struct rel_commitmsg *cm)
{
	size_t body_s = SIZE_MAX, par_s = 0, par_e = 0, prev_e = 0;
	size_t bt_s = 0, bt_e = 0, npar = 0;
	int in_par = 0, bt_open = 0, bt_seen = 0, bt_next_par = 0;

	while (i < len) {
		size_t e = line_end(m, len, i), ce = content_end(m, i, e);
		struct rel_cm_trailer t;
		size_t after;

		if (ce == skip_blanks(m, i, ce)) {
			/* A blank line ends a paragraph and the footer; an
			 * empty footer waits for the next paragraph. */
			in_par = 0;
			if (bt_open && bt_e <= bt_s)
				bt_next_par = 1;
			bt_open = 0;
		} else {
			if (!in_par) {
				if (npar++)
					prev_e = par_e;
				par_s = i;
				if (body_s == SIZE_MAX)
					body_s = i;
				in_par = 1;
				if (bt_next_par && !trailer_at(m, i, ce, &t)) {
					bt_open = 1;
					bt_s = i;
					bt_e = i;
				}
				bt_next_par = 0;
			}
			par_e = ce;
			if (!bt_seen && (after = breaking_footer(m, i, ce))) {
				bt_seen = bt_open = 1;
				bt_s = skip_blanks(m, after, ce);
				bt_e = ce;
			} else if (bt_open) {
				if (!is_blank(m[i]) &&
				    trailer_at(m, i, ce, &t)) {
					bt_open = 0;
				} else {
					if (bt_e <= bt_s)
						bt_s = skip_blanks(m, i, ce);
					bt_e = ce;
				}
			}
		}
		i = e + 1;
	}
	if (bt_seen) {
		cm->breaking = 1;
		cm->breaking_text = span(m, bt_s, bt_e);
	}
	if (!npar)
		return len;

	/* Is the last paragraph a trailer block? */
	{
		size_t j = par_s, n = 0, ok = 1;
		struct rel_cm_trailer *last = NULL;

		while (j < par_e && ok) {
			size_t e = line_end(m, par_e, j);
			size_t ce = content_end(m, j, e);
			struct rel_cm_trailer t;

			if (is_blank(m[j]) && n > 0) {
				/* A continuation line of the trailer before. */
				if (last && last->value.s)
					last->value.len = (size_t)(m + ce -
					    last->value.s);
				else if (last)
					last->value = span(m, skip_blanks(m, j,
					    ce), ce);
			} else if (trailer_at(m, j, ce, &t)) {
				n++;
				if (cm->ntrailers < REL_CM_MAX_TRAILERS) {
					last = &cm->trailers[cm->ntrailers++];
					*last = t;
				} else {
					cm->trailers_dropped++;
					last = NULL;
				}
			} else {
				ok = 0;
			}
			j = e + 1;
		}
		if (!ok || !n) {
			cm->ntrailers = 0;
			cm->trailers_dropped = 0;
			cm->body = span(m, body_s, par_e);
			return len;
		}
		cm->body = npar > 1 ? span(m, body_s, prev_e) : span(m, 0, 0);
		return par_s;
	}
}

/* --- issue references ------------------------------------------- */

/* The message and what the scan is told: the keys, whether what it finds
 * now is closed. */
struct scan {
	const char *m;
	size_t len;
	const struct rel_cm_keys *keys;
	struct rel_commitmsg *cm;
};

static void
add_issue(struct scan *sc, size_t s, size_t e, enum rel_issue_kind kind,
    int closes)
{
	struct rel_commitmsg *cm = sc->cm;

	for (size_t k = 0; k < cm->nissues; k++) {
		struct rel_cm_issue *is = &cm->issues[k];

		if (is->ref.len == e - s && !memcmp(is->ref.s, sc->m + s,
		    e - s)) {
			is->closes |= closes;
			return;
		}
	}
	if (cm->nissues == REL_CM_MAX_ISSUES) {
		cm->issues_dropped++;
		return;
	}
	cm->issues[cm->nissues].ref = span(sc->m, s, e);
	cm->issues[cm->nissues].kind = kind;
	cm->issues[cm->nissues].closes = closes;
	cm->nissues++;
}

/* Is m[k] the end of an issue number: not in a word, and not the start
 * of a longer dashed number (CVE-2024-1234, a date)? */
static int
number_ends(const char *m, size_t e, size_t k)
{
	if (k >= e)
		return 1;
	if (is_word(m[k]))
		return 0;
	return !(m[k] == '-' && k + 1 < e && is_digit(m[k + 1]));
}

/* The end of the number at m[i..e), or 0 if there is none, it starts
 * with 0 (no tracker counts from 0: "#0" is a gdb frame), it is too long
 * or it runs on into a word. */
static size_t
number_at(const char *m, size_t e, size_t i)
{
	size_t j = i;

	if (i >= e || m[i] == '0')
		return 0;
	while (j < e && is_digit(m[j]) && j - i <= REL_CM_MAX_DIGITS)
		j++;
	if (j == i || j - i > REL_CM_MAX_DIGITS || !number_ends(m, e, j))
		return 0;
	return j;
}

static int
key_known(const struct scan *sc, const char *s, size_t len)
{
	if (len == 2 && lower((unsigned char)s[0]) == 'g' &&
	    lower((unsigned char)s[1]) == 'h')
		return 1;
	for (size_t k = 0; sc->keys && k < sc->keys->n; k++)
		if (strlen(sc->keys->keys[k]) == len &&
		    !memcmp(sc->keys->keys[k], s, len))
			return 1;
	return 0;
}

/* May owner/repo#N start at i: not inside a word, a path or a URL? */
static int
repo_start(const char *m, size_t i)
{
	unsigned char p = i ? (unsigned char)m[i - 1] : ' ';

	return !is_repo(p) && p != '/' && p < 0x80;
}

/* May KEY-N start at i: not inside a word or a dashed name (a branch
 * name "feature/PROJ-3-x" is fine)? */
static int
key_start(const char *m, size_t i)
{
	unsigned char p = i ? (unsigned char)m[i - 1] : ' ';

	return !is_word(p) && p != '-';
}

/* May "#N" start at i: not glued to a word ("abc#1"), an entity ("&#1")
 * or another script? */
static int
hash_start(const char *m, size_t i)
{
	unsigned char p = i ? (unsigned char)m[i - 1] : ' ';

	return !is_repo(p) && p != '&' && p < 0x80;
}

/* "owner/repo#N" at i: its end, or 0. */
static size_t
repo_ref(const char *m, size_t i, size_t e)
{
	size_t j, k;

	for (j = i; j < e && is_repo(m[j]) && j - i <= REL_CM_MAX_REPO; j++)
		;
	if (j == i || j >= e || m[j] != '/' || j - i > REL_CM_MAX_REPO)
		return 0;
	for (k = j + 1; k < e && is_repo(m[k]) && k - j <= REL_CM_MAX_REPO;
	    k++)
		;
	if (k == j + 1 || k >= e || m[k] != '#' || k - j > REL_CM_MAX_REPO)
		return 0;
	return number_at(m, e, k + 1);
}

/* "KEY-N" at i, for a key we were given (and GH, or gh as CPython
 * writes it): its end, or 0. */
static size_t
key_ref(const struct scan *sc, size_t i, size_t e)
{
	const char *m = sc->m;
	size_t j;

	if (m[i] == 'g' && i + 2 < e && m[i + 1] == 'h' && m[i + 2] == '-')
		return number_at(m, e, i + 3);
	if (!is_upper(m[i]))
		return 0;
	for (j = i + 1; j < e && j - i <= REL_CM_MAX_KEY &&
	    (is_upper(m[j]) || is_digit(m[j]) || m[j] == '_'); j++)
		;
	if (j >= e || m[j] != '-' || !key_known(sc, m + i, j - i))
		return 0;
	return number_at(m, e, j + 1);
}

/*
 * The reference that starts at i and ends before e ("#12", "o/r#12",
 * "KEY-12"), if one may start there: its end, with its kind, or 0.
 */
static size_t
ref_here(const struct scan *sc, size_t i, size_t e, enum rel_issue_kind *kind)
{
	const char *m = sc->m;
	size_t end;

	if (m[i] == '#') {
		*kind = REL_ISSUE_HASH;
		return hash_start(m, i) ? number_at(m, e, i + 1) : 0;
	}
	if (!is_repo(m[i]))
		return 0;
	if (repo_start(m, i) && (end = repo_ref(m, i, e))) {
		*kind = REL_ISSUE_REPO;
		return end;
	}
	*kind = REL_ISSUE_KEY;
	return key_start(m, i) ? key_ref(sc, i, e) : 0;
}

/* The end of the word of letters and digits at i. */
static size_t
word_end(const char *m, size_t e, size_t i)
{
	while (i < e && is_alnum(m[i]))
		i++;
	return i;
}

/*
 * After a word that introduces references (ending at j): skip an
 * optional colon, the blanks (there must be a colon or a blank), a
 * filler word ("related to") and an opening parenthesis; the index where
 * a reference may start, or 0.
 */
static size_t
after_keyword(const char *m, size_t e, size_t j)
{
	size_t k = j < e && m[j] == ':' ? j + 1 : j, w;

	k = skip_blanks(m, k, e);
	if (k == j)
		return 0;
	for (int n = 0; n < 2; n++) {
		w = word_end(m, e, k);
		if (w == k || w >= e || !is_blank(m[w]) ||
		    word_kind(m + k, w - k) != W_FILLER)
			break;
		k = skip_blanks(m, w, e);
	}
	if (k < e && m[k] == '(')
		k++;
	return k;
}

/* The references listed from i on ("#1, #2 and GH-3"), all closed or
 * not; where the list ends. */
static size_t
ref_list(struct scan *sc, size_t i, size_t e, int closes)
{
	const char *m = sc->m;
	enum rel_issue_kind kind;
	size_t end, w;

	while (i < e && (end = ref_here(sc, i, e, &kind))) {
		add_issue(sc, i, end, kind, closes);
		i = end;
		while (i < e && (is_blank(m[i]) || m[i] == ','))
			i++;
		if (i < e && m[i] == '&') {
			i = skip_blanks(m, i + 1, e);
		} else if ((w = word_end(m, e, i)) == i + 3 && w < e &&
		    is_blank(m[w]) && word_eq_ci(m + i, 3, "and")) {
			i = skip_blanks(m, w, e);
		}
	}
	return i;
}

/*
 * Every reference in m[s..e) (the subject, a trailer's value), closed if
 * a closing word comes right before it.
 */
static void
scan_anywhere(struct scan *sc, size_t s, size_t e)
{
	const char *m = sc->m;
	enum rel_issue_kind kind;
	size_t i = s, j, end, close_at = SIZE_MAX;

	while (i < e) {
		if ((end = ref_here(sc, i, e, &kind))) {
			add_issue(sc, i, end, kind, i == close_at);
			i = end;
			continue;
		}
		if (!is_alpha(m[i]) || (i > 0 && is_word(m[i - 1]))) {
			i++;
			continue;
		}
		j = word_end(m, e, i);
		if (word_kind(m + i, j - i) == W_CLOSE &&
		    (end = after_keyword(m, e, j)))
			close_at = end;
		/* A word may be a reference too ("GH-12", "o/r#3"): it was
		 * tried at i; go on after its letters. */
		i = j;
	}
}

/* A line of the body that holds references only after a keyword, and
 * none in `code`. */
static void
scan_prose(struct scan *sc, size_t s, size_t e)
{
	const char *m = sc->m;
	size_t i = s, j, at;
	const char *tick;
	int kind;

	while (i < e) {
		if (m[i] == '`' && (tick = memchr(m + i + 1, '`', e - i - 1))) {
			i = (size_t)(tick - m) + 1;
			continue;
		}
		if (!is_alpha(m[i]) || (i > 0 && is_word(m[i - 1]))) {
			i++;
			continue;
		}
		j = word_end(m, e, i);
		kind = word_kind(m + i, j - i);
		if ((kind == W_CLOSE || kind == W_REF) &&
		    (at = after_keyword(m, e, j)))
			j = ref_list(sc, at, e, kind == W_CLOSE);
		i = j > i ? j : i + 1;
	}
}

/* A line that starts a fence (``` or ~~~ after at most 3 spaces). */
static int
fence_line(const char *m, size_t s, size_t e)
{
	size_t i = s;

	while (i < e && i - s < 3 && m[i] == ' ')
		i++;
	return e - i >= 3 && (!memcmp(m + i, "```", 3) ||
	    !memcmp(m + i, "~~~", 3));
}

/* The body m[s..e): its prose lines, not code, logs or quotes. */
static void
scan_body(struct scan *sc, size_t s, size_t e)
{
	const char *m = sc->m;
	int fenced = 0;

	while (s < e) {
		size_t le = line_end(m, e, s), ce = content_end(m, s, le);
		size_t t = s;

		while (t < ce && t - s < 4 && m[t] == ' ')
			t++;
		if (fence_line(m, s, ce))
			fenced = !fenced;
		else if (!fenced && t < ce && t - s < 4 && m[t] != '\t' &&
		    m[t] != '>')
			scan_prose(sc, t, ce);
		s = le + 1;
	}
}

/* Does v start with a commit id (7 to 64 hex digits, then a blank or
 * the end)? */
static int
commit_led(struct rel_span v)
{
	size_t i = 0;

	while (i < v.len && ((v.s[i] >= '0' && v.s[i] <= '9') ||
	    (v.s[i] >= 'a' && v.s[i] <= 'f') || (v.s[i] >= 'A' &&
	    v.s[i] <= 'F')))
		i++;
	return i >= 7 && i <= 64 && (i == v.len || is_blank(v.s[i]));
}

static void
scan_issues(struct scan *sc, size_t body_s, size_t tb_s)
{
	struct rel_commitmsg *cm = sc->cm;
	const char *m = sc->m;

	if (cm->desc.len)
		scan_anywhere(sc, (size_t)(cm->desc.s - m),
		    (size_t)(cm->desc.s - m) + cm->desc.len);
	if (body_s < tb_s)
		scan_body(sc, body_s, tb_s);
	for (size_t k = 0; k < cm->ntrailers; k++) {
		struct rel_cm_trailer *t = &cm->trailers[k];
		size_t vs, ve;

		if (!t->value.len || commit_led(t->value))
			continue;
		/* "Fixes: #1, #2" closes both; what follows the list is
		 * prose ("Fixes #3. See #4 for more"). */
		vs = (size_t)(t->value.s - m);
		ve = vs + t->value.len;
		vs = ref_list(sc, vs, ve, word_kind(t->key.s, t->key.len) ==
		    W_CLOSE);
		scan_anywhere(sc, vs, ve);
	}
}

void
rel_commitmsg_parse(const char *msg, size_t len,
    const struct rel_cm_keys *keys, struct rel_commitmsg *cm)
{
	struct scan sc;
	size_t e, s, ce, tb_s;

	/* Not the arrays: the counts say what of them is meaningful. */
	memset(cm, 0, offsetof(struct rel_commitmsg, trailers));
	cm->nissues = cm->issues_dropped = 0;
	cm->type = REL_CC_OTHER;
	if (!msg)
		len = 0;
	if (!len)
		return;
	e = line_end(msg, len, 0);
	s = skip_blanks(msg, 0, e);
	ce = content_end(msg, s, e);
	cm->subject = span(msg, s, ce);
	parse_subject(msg, s, ce, cm);
	tb_s = e < len ? parse_rest(msg, len, e + 1, cm) : len;
	if (cm->bang)
		cm->breaking = 1;
	sc.m = msg;
	sc.len = len;
	sc.keys = keys;
	sc.cm = cm;
	scan_issues(&sc, e < len ? e + 1 : len, tb_s);
}
