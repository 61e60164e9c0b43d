/*
 * gitodb.h - git's object database read without libgit2: loose objects,
 * packs (gitformat-pack(5): .idx version 1 and 2, .pack version 2 and 3,
 * deltas by offset and by id) and the alternates they name, for
 * rel-notes, which reads each commit of a range once and must start
 * fast (libgit2's start-up alone costs what reading thousands of commits
 * does).
 *
 * Invariants: an open database is only read: lookups from several
 * threads at once are safe (each read has its own zlib stream and
 * buffers).  Every offset and size that comes from a file is checked
 * against the mapped length before it is used; a damaged pack or index
 * gives an error, never a read outside it.  A delta chain is followed at
 * most REL_GIT_MAX_DELTA deep.  SHA-1 repositories only.
 */
#ifndef REL_GITODB_H
#define REL_GITODB_H

#include <stddef.h>

#include "err.h"
#include "gitcommit.h"

#define REL_GIT_MAX_DELTA 10000
#define REL_GIT_MAX_ALTERNATES 5       /* depth, as git */

enum rel_git_type {
	REL_GIT_COMMIT = 1, REL_GIT_TREE = 2, REL_GIT_BLOB = 3,
	REL_GIT_TAG = 4,
};

struct rel_git_odb;

/* Open the object directory objdir (and its alternates).  0, or an
 * error (REL_ENOTFOUND: no such directory). */
int rel_git_odb_open(const char *objdir, struct rel_git_odb **out,
    struct rel_err *err);
void rel_git_odb_close(struct rel_git_odb *odb);

/* Read object oid: 0 with its type and its bytes in *data (malloc'd, NUL
 * after the last byte, free with free()), or REL_ENOTFOUND, or another
 * error for a damaged store; err names the object. */
int rel_git_odb_read(const struct rel_git_odb *odb,
    const unsigned char oid[REL_GIT_RAWSZ], enum rel_git_type *type,
    char **data, size_t *len, struct rel_err *err);

/* Does the database hold oid? */
int rel_git_odb_has(const struct rel_git_odb *odb,
    const unsigned char oid[REL_GIT_RAWSZ]);

#endif
