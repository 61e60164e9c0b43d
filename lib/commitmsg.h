/*
 * commitmsg.h - one commit message, taken apart: the Conventional Commits
 * type, scope and `!` marker of its subject, the description, the body,
 * the trailers of its last paragraph, a BREAKING CHANGE footer, and the
 * issues it links to.
 *
 * No libgit2 here: the parser sees bytes only, so that it can be unit
 * tested and fuzzed alone.
 *
 * Issues are taken where people put them, not wherever something looks
 * like one (a gdb frame "#0", "Benchmark #1:", a changelog's "[#12](url)"
 * pasted in a body):
 * - anywhere in the subject;
 * - in the values of the trailers ("Fixes: #12", "Refs: PROJ-3", and the
 *   GitHub form "Closes #12"), except a value that starts with a commit
 *   id (the kernel's "Fixes: 1234abcd (\"subject\")" names a commit);
 * - in the body, right after a word that introduces references: fix,
 *   close, resolve in any tense, ref, refs, references, see, related,
 *   relates, addresses, implements, with or without a colon, through
 *   "to", "also", "issue(s)", "ticket", "bug" ("related to issue #3")
 *   and an opening parenthesis, and the references listed after it
 *   ("Fixes #1, #2 and #3"); never on indented (a tab, 4 spaces), quoted
 *   ('>') or fenced (``` or ~~~) lines, nor in `code`, which hold logs
 *   and code.
 * The forms: "#12", "owner/repo#12", "GH-12" (or "gh-12"), and "KEY-12"
 * only for the keys the caller names (the flow's issue_keys); numbers do
 * not start with 0.  An issue after fix, close or resolve, or at the
 * start of a Fixes/Closes/Resolves trailer's value, is one the commit
 * closes.
 *
 * Invariants:
 * - rel_commitmsg_parse never fails, never allocates and never reads
 *   outside msg[0..len): any bytes are a message (NUL included), invalid
 *   UTF-8 is carried through untouched (the notes model cleans text up).
 * - Work is linear in len (times the number of keys for a word that
 *   could be a key): every byte is looked at a bounded number of times,
 *   and the lists have fixed caps (what goes over is counted in
 *   *_dropped, not kept).
 * - Every span points into msg, which must outlive the result.  A span
 *   never holds the line ends around it; a multi-line span (body,
 *   breaking text, a trailer value) keeps its inner line ends as written,
 *   "\r\n" included.
 */
#ifndef REL_COMMITMSG_H
#define REL_COMMITMSG_H

#include <stddef.h>

/* The Conventional Commits types that have their own group, in the order
 * release notes show them; REL_CC_OTHER is any other type (the word is in
 * type_word) or no type at all. */
enum rel_cc_type {
	REL_CC_FEAT,
	REL_CC_FIX,
	REL_CC_PERF,
	REL_CC_REFACTOR,
	REL_CC_STYLE,
	REL_CC_DOCS,
	REL_CC_TEST,
	REL_CC_BUILD,
	REL_CC_CI,
	REL_CC_CHORE,
	REL_CC_REVERT,
	REL_CC_OTHER,
	REL_CC_NTYPES
};

#define REL_CM_MAX_TRAILERS 32
#define REL_CM_MAX_ISSUES 32
#define REL_CM_MAX_TYPE 32       /* longest type word */
#define REL_CM_MAX_KEY 32        /* longest issue key (PROJ in PROJ-12) */
#define REL_CM_MAX_DIGITS 10     /* longest issue number */
#define REL_CM_MAX_REPO 100      /* longest owner or repo in owner/repo#N */

struct rel_span {
	const char *s;           /* NULL only for the empty span */
	size_t len;
};

struct rel_cm_trailer {
	struct rel_span key;     /* "Signed-off-by", "BREAKING CHANGE" */
	struct rel_span value;   /* after ": " or before " #" ("#12") */
};

enum rel_issue_kind {
	REL_ISSUE_HASH,          /* #123 */
	REL_ISSUE_REPO,          /* owner/repo#123 */
	REL_ISSUE_KEY,           /* GH-123, PROJ-123 */
};

struct rel_cm_issue {
	struct rel_span ref;     /* as written: "#123", "PROJ-123" */
	enum rel_issue_kind kind;
	int closes;              /* after fix/close/resolve (any form) */
};

/* The issue keys (PROJ for PROJ-123) to take besides GH; each is an
 * upper-case letter, then upper-case letters, digits or '_'. */
struct rel_cm_keys {
	const char *const *keys;
	size_t n;
};

struct rel_commitmsg {
	enum rel_cc_type type;
	int conventional;        /* the subject is "type(scope)!: desc" */
	int bang;                /* `!` before the colon */
	int breaking;            /* bang, or a BREAKING CHANGE footer */
	struct rel_span subject; /* the first line, blanks trimmed, or empty */
	struct rel_span type_word; /* "feat", "Deps": the type as written,
	                            empty if not conventional */
	struct rel_span scope;   /* empty if none */
	struct rel_span desc;    /* the subject after "type(scope)!: ", else
	                            the whole subject */
	struct rel_span body;    /* paragraphs between subject and trailers */
	struct rel_span breaking_text; /* of the first BREAKING CHANGE: */
	size_t ntrailers;
	size_t trailers_dropped;
	struct rel_cm_trailer trailers[REL_CM_MAX_TRAILERS];
	size_t nissues;          /* distinct, in order of first appearance */
	size_t issues_dropped;
	struct rel_cm_issue issues[REL_CM_MAX_ISSUES];
};

/* Parse msg[0..len) into *cm (see the invariants above); keys may be
 * NULL (GH-N only). */
void rel_commitmsg_parse(const char *msg, size_t len,
    const struct rel_cm_keys *keys, struct rel_commitmsg *cm);

/* "feat" ... "revert", "other". */
const char *rel_cc_type_name(enum rel_cc_type t);
/* "Features" ... "Reverts", "Other". */
const char *rel_cc_type_title(enum rel_cc_type t);
/* The type named s[0..len), case-insensitively; REL_CC_OTHER if none. */
enum rel_cc_type rel_cc_type_parse(const char *s, size_t len);
/* Is s a valid issue key (see struct rel_cm_keys)? */
int rel_cm_key_valid(const char *s);

#endif
