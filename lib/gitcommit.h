/*
 * gitcommit.h - a raw git commit object, taken apart without allocating:
 * its parents, committer time, author, encoding and message; and the
 * message turned into UTF-8 when the commit says it is in another
 * encoding, as git log does.
 *
 * No libgit2 here: the bytes come from whoever read the object (libgit2's
 * object database, a pack), so this is tested alone.
 *
 * Invariants: every pointer of a parsed commit points into the object's
 * bytes, which must outlive it; parsing never fails (a malformed object
 * yields what could be read: no parents, no author, time 0); it reads the
 * header lines once, and the message not at all.
 */
#ifndef REL_GITCOMMIT_H
#define REL_GITCOMMIT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define REL_GIT_RAWSZ 20         /* a SHA-1 id, in bytes */
#define REL_GIT_HEXSZ 40

struct rel_git_commit {
	const char *parents;     /* the first "parent " line, or NULL */
	size_t nparents;         /* consecutive "parent <hex>" lines */
	int64_t time;            /* committer time, seconds */
	const char *name, *email;    /* the author's */
	size_t namelen, emaillen;
	int64_t author_time;
	const char *encoding;    /* of the "encoding" header, or NULL */
	size_t encodinglen;
	const char *msg;         /* after the empty line */
	size_t msglen;
};

void rel_git_commit_parse(const char *d, size_t len,
    struct rel_git_commit *c);

/* The id of parent i (< nparents) into oid: 0, or -1 if it is not hex. */
int rel_git_commit_parent(const struct rel_git_commit *c, size_t i,
    unsigned char oid[REL_GIT_RAWSZ]);

/* hex[0..40) into oid: 0, or -1. */
int rel_git_hex_to_oid(const char *hex, unsigned char oid[REL_GIT_RAWSZ]);
/* oid as 40 hex digits and a NUL into hex[41]. */
void rel_git_oid_to_hex(const unsigned char oid[REL_GIT_RAWSZ],
    char hex[REL_GIT_HEXSZ + 1]);

/*
 * A converter to UTF-8, kept open for the next commit in the same
 * encoding (one per thread: iconv descriptors are not shared).
 */
struct rel_git_recode {
	char from[64];
	void *cd;                /* iconv_t, or NULL */
	int failed;              /* iconv_open failed for `from` */
};

#define REL_GIT_RECODE_INIT { "", NULL, 0 }

void rel_git_recode_free(struct rel_git_recode *r);

/*
 * The commit d[0..len) in UTF-8 into out, when its encoding header names
 * another encoding: 1 (parse out.s again), or 0 when there is nothing to
 * do or it cannot be done (no header, UTF-8 already, an encoding iconv
 * does not know, bytes invalid in it): git then shows the bytes as they
 * are, and so do we.
 */
int rel_git_recode(struct rel_git_recode *r, const struct rel_git_commit *c,
    const char *d, size_t len, struct rel_buf *out);

#endif
