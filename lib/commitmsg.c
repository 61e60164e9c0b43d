/*
 * commitmsg.c - take one commit message apart (see commitmsg.h).
 *
 * The message is read in three linear passes: the subject, the lines
 * after it (paragraphs, trailers, the BREAKING CHANGE footer), and a scan
 * of every byte for issue references.  Nothing is copied: the result is
 * spans into the message.  Character classes are ASCII only: a byte of a
 * multi-byte UTF-8 sequence counts as a letter of a word, so that nothing
 * is ever found in the middle of a word in another script.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "commitmsg.h"

static const char *const type_names[REL_CC_NTYPES] = {
	"feat", "fix", "perf", "refactor", "docs", "test", "build", "ci",
	"chore", "revert", "other",
};

static const char *const type_titles[REL_CC_NTYPES] = {
	"Features", "Bug fixes", "Performance", "Refactoring",
	"Documentation", "Tests", "Build", "Continuous integration",
	"Chores", "Reverts", "Other",
};

/* Words that make the issue after them one that the commit closes. */
static const char *const close_words[] = {
	"fix", "fixes", "fixed", "close", "closes", "closed", "resolve",
	"resolves", "resolved",
};

/* KEY-N look-alikes that are not issues: UTF-8, SHA-256, ISO-8601... */
static const char *const not_keys[] = { "UTF", "SHA", "ISO", "RFC", "MD" };

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

enum rel_cc_type
rel_cc_type_parse(const char *s, size_t len)
{
	for (int t = 0; t < REL_CC_OTHER; t++)
		if (word_eq_ci(s, len, type_names[t]))
			return (enum rel_cc_type)t;
	return REL_CC_OTHER;
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

/* The end of the line that starts at i: the index of its '\n' or len. */
static size_t
line_end(const char *m, size_t len, size_t i)
{
	const char *nl = memchr(m + i, '\n', len - i);

	return nl ? (size_t)(nl - m) : len;
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
	for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
		size_t n = strlen(forms[f]);

		if (e - s >= n && !memcmp(m + s, forms[f], n))
			return s + n;
	}
	return 0;
}

/*
 * Is the line m[s..e) (content, no line end) a trailer: "Token: value",
 * "Token #value" or "BREAKING CHANGE: value"?  Token is a letter or digit
 * then letters, digits and '-', at most 64 bytes.  The colon must be
 * followed by a blank or the end of the line, so "https://..." is not a
 * trailer.
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
	if (m[i] == ' ' && i + 1 < e && m[i + 1] == '#') {
		t->key = span(m, s, i);
		t->value = span(m, i + 1, e);
		return 1;
	}
	return 0;
}

/* "type(scope)!: description" in the subject m[s..e). */
static void
parse_subject(const char *m, size_t s, size_t e, struct rel_commitmsg *cm)
{
	static const char revert[] = "Revert \"";
	size_t i = s, close, scope_s = 0, scope_e = 0;
	enum rel_cc_type t;
	int bang = 0;

	cm->desc = cm->subject;
	while (i < e && i - s <= REL_CM_MAX_TYPE && is_alpha(m[i]))
		i++;
	if (i == s || i - s > REL_CM_MAX_TYPE)
		goto plain;
	if ((t = rel_cc_type_parse(m + s, i - s)) == REL_CC_OTHER)
		goto plain;
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
	cm->type = t;
	cm->conventional = 1;
	cm->bang = bang;
	cm->scope = span(m, scope_s, scope_e);
	cm->desc = span(m, i, e);
	return;
plain:
	/* What `git revert` writes is a revert too. */
	if (e - s >= sizeof revert - 1 && !memcmp(m + s, revert,
	    sizeof revert - 1))
		cm->type = REL_CC_REVERT;
}

/*
 * The lines after the subject: the body, the trailer block (the last
 * paragraph, when each of its lines is a trailer or continues one) and
 * the first BREAKING CHANGE footer, wherever it is, with the lines that
 * continue it (up to a blank line or a trailer).
 */
static void
parse_rest(const char *m, size_t len, size_t i, struct rel_commitmsg *cm)
{
	size_t body_s = SIZE_MAX, par_s = 0, par_e = 0, prev_e = 0;
	size_t bt_s = 0, bt_e = 0, npar = 0;
	int in_par = 0, bt_open = 0, bt_seen = 0;

	while (i < len) {
		size_t e = line_end(m, len, i), ce = content_end(m, i, e);
		struct rel_cm_trailer t;
		size_t after;

		if (ce == skip_blanks(m, i, ce)) {
			/* A blank line ends a paragraph and the footer. */
			in_par = 0;
			bt_open = 0;
		} else {
			if (!in_par) {
				if (npar++)
					prev_e = par_e;
				par_s = i;
				if (body_s == SIZE_MAX)
					body_s = i;
				in_par = 1;
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
		return;

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
			return;
		}
		cm->body = npar > 1 ? span(m, body_s, prev_e) : span(m, 0, 0);
	}
}

static void
add_issue(struct rel_commitmsg *cm, const char *m, size_t s, size_t e,
    enum rel_issue_kind kind, int closes)
{
	for (size_t k = 0; k < cm->nissues; k++) {
		struct rel_cm_issue *is = &cm->issues[k];

		if (is->ref.len == e - s && !memcmp(is->ref.s, m + s, e - s)) {
			is->closes |= closes;
			return;
		}
	}
	if (cm->nissues == REL_CM_MAX_ISSUES) {
		cm->issues_dropped++;
		return;
	}
	cm->issues[cm->nissues].ref = span(m, s, e);
	cm->issues[cm->nissues].kind = kind;
	cm->issues[cm->nissues].closes = closes;
	cm->nissues++;
}

/* The start of "owner/repo" before the '#' at h, or SIZE_MAX. */
static size_t
repo_start(const char *m, size_t h)
{
	size_t j = h, k;

	while (j > 0 && is_repo(m[j - 1]) && h - j < REL_CM_MAX_REPO)
		j--;
	if (j == h || j == 0 || m[j - 1] != '/')
		return SIZE_MAX;
	k = j - 1;
	while (k > 0 && is_repo(m[k - 1]) &&
	    j - 1 - k < REL_CM_MAX_REPO)
		k--;
	if (k == j - 1)
		return SIZE_MAX;
	if (k > 0 && (is_repo(m[k - 1]) ||
	    (unsigned char)m[k - 1] >= 0x80 || m[k - 1] == '/'))
		return SIZE_MAX;
	return k;
}

static int
is_close_word(const char *s, size_t len)
{
	unsigned char c, d;

	/* Most words are not: look closer only at cl..., fi..., re... */
	if (len < 3 || len > 8)
		return 0;
	c = lower((unsigned char)s[0]);
	d = lower((unsigned char)s[1]);
	if (!(c == 'c' && d == 'l') && !(c == 'f' && d == 'i') &&
	    !(c == 'r' && d == 'e'))
		return 0;
	for (size_t k = 0; k < sizeof close_words / sizeof close_words[0]; k++)
		if (word_eq_ci(s, len, close_words[k]))
			return 1;
	return 0;
}

static int
is_not_key(const char *s, size_t len)
{
	for (size_t k = 0; k < sizeof not_keys / sizeof not_keys[0]; k++)
		if (strlen(not_keys[k]) == len && !memcmp(s, not_keys[k], len))
			return 1;
	return 0;
}

/* Is m[k] the end of an issue number: not in a word, and not the start
 * of a longer dashed number (CVE-2024-1234, a date)? */
static int
number_ends(const char *m, size_t len, size_t k)
{
	if (k >= len)
		return 1;
	if (is_word(m[k]))
		return 0;
	return !(m[k] == '-' && k + 1 < len && is_digit(m[k + 1]));
}

/* The end of the digits at m[i..]: i if there are none or too many. */
static size_t
digits_end(const char *m, size_t len, size_t i)
{
	size_t j = i;

	while (j < len && is_digit(m[j]) && j - i <= REL_CM_MAX_DIGITS)
		j++;
	return j - i > REL_CM_MAX_DIGITS ? i : j;
}

/* "#123" or "owner/repo#123" with its '#' at h; returns where to go on. */
static size_t
hash_ref(const char *m, size_t len, size_t h, size_t close_at,
    struct rel_commitmsg *cm)
{
	size_t e = digits_end(m, len, h + 1), s;
	unsigned char p = h ? (unsigned char)m[h - 1] : ' ';

	if (e == h + 1)
		return e;
	if (!number_ends(m, len, e))
		return e;
	if (is_repo(p)) {
		if ((s = repo_start(m, h)) != SIZE_MAX)
			add_issue(cm, m, s, e, REL_ISSUE_REPO, s == close_at);
	} else if (p != '&' && p < 0x80) {
		add_issue(cm, m, h, e, REL_ISSUE_HASH, h == close_at);
	}
	return e;
}

/* "GH-123", "ABC-123": the word m[i..j) is the key; returns the end of
 * the reference, or 0 if it is not one. */
static size_t
key_ref(const char *m, size_t len, size_t i, size_t j)
{
	size_t k, e;

	if (j - i < 2 || j - i > REL_CM_MAX_KEY || j >= len || m[j] != '-' ||
	    (i > 0 && m[i - 1] == '-'))
		return 0;
	for (k = i; k < j; k++)
		if (!is_upper(m[k]) && !is_digit(m[k]))
			return 0;
	e = digits_end(m, len, j + 1);
	if (e == j + 1 || !number_ends(m, len, e) || is_not_key(m + i, j - i))
		return 0;
	return e;
}

/*
 * Every issue reference, in one forward pass over words and '#'s.  A
 * closing word (Fixes:, closes...) remembers where the next reference
 * must start for it to be one the commit closes.
 */
static void
scan_issues(const char *m, size_t len, struct rel_commitmsg *cm)
{
	size_t i = 0, j, e, close_at = SIZE_MAX;

	while (i < len) {
		if (m[i] == '#') {
			i = hash_ref(m, len, i, close_at, cm);
			continue;
		}
		if (!is_alpha(m[i]) || (i > 0 && is_word(m[i - 1]))) {
			i++;
			continue;
		}
		/* A word starts at i. */
		for (j = i; j < len && is_alnum(m[j]); j++)
			;
		if (is_close_word(m + i, j - i)) {
			e = j < len && m[j] == ':' ? j + 1 : j;
			e = skip_blanks(m, e, len);
			if (e > j)
				close_at = e;
		} else if (is_upper(m[i]) && (e = key_ref(m, len, i, j))) {
			add_issue(cm, m, i, e, REL_ISSUE_KEY, i == close_at);
			j = e;
		}
		i = j;
	}
}

void
rel_commitmsg_parse(const char *msg, size_t len, struct rel_commitmsg *cm)
{
	size_t e, s, ce;

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
	if (e < len)
		parse_rest(msg, len, e + 1, cm);
	if (cm->bang)
		cm->breaking = 1;
	scan_issues(msg, len, cm);
}
