/*
 * commitmsg.h - one commit message, taken apart: the Conventional Commits
 * type, scope and `!` marker of its subject, the description, the body,
 * the trailers of its last paragraph, a BREAKING CHANGE footer, and the
 * issues it links to.
 *
 * No libgit2 here: the parser sees bytes only, so that it can be unit
 * tested and fuzzed alone.
 *
 * Invariants:
 * - rel_commitmsg_parse never fails, never allocates and never reads
 *   outside msg[0..len): any bytes are a message (NUL included), invalid
 *   UTF-8 is carried through untouched (the notes model cleans text up).
 * - Work is linear in len: every byte is looked at a bounded number of
 *   times, and the lists have fixed caps (what goes over is counted in
 *   *_dropped, not kept).
 * - Every span points into msg, which must outlive the result.  A span
 *   never holds the line ends around it; a multi-line span (body,
 *   breaking text, a trailer value) keeps its inner line ends as written,
 *   "\r\n" included.
 */
#ifndef REL_COMMITMSG_H
#define REL_COMMITMSG_H

#include <stddef.h>

/* The Conventional Commits types, in the order release notes show them. */
enum rel_cc_type {
	REL_CC_FEAT,
	REL_CC_FIX,
	REL_CC_PERF,
	REL_CC_REFACTOR,
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
#define REL_CM_MAX_TYPE 16       /* longest type word looked at */
#define REL_CM_MAX_KEY 10        /* longest JIRA-style project key */
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
	REL_ISSUE_KEY,           /* GH-123, ABC-123 */
};

struct rel_cm_issue {
	struct rel_span ref;     /* as written: "#123", "ABC-123" */
	enum rel_issue_kind kind;
	int closes;              /* after Fixes/Closes/Resolves (any form) */
};

struct rel_commitmsg {
	enum rel_cc_type type;
	int conventional;        /* the subject is "type(scope)!: desc" */
	int bang;                /* `!` before the colon */
	int breaking;            /* bang, or a BREAKING CHANGE footer */
	struct rel_span subject; /* the first line, blanks trimmed, or empty */
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

/* Parse msg[0..len) into *cm (see the invariants above). */
void rel_commitmsg_parse(const char *msg, size_t len,
    struct rel_commitmsg *cm);

/* "feat" ... "revert", "other". */
const char *rel_cc_type_name(enum rel_cc_type t);
/* "Features" ... "Reverts", "Other". */
const char *rel_cc_type_title(enum rel_cc_type t);
/* The type named s[0..len), case-insensitively; REL_CC_OTHER if none. */
enum rel_cc_type rel_cc_type_parse(const char *s, size_t len);

#endif
