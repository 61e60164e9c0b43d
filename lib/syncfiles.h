/*
 * syncfiles.h - between a product's branch and its files: what the local
 * files have that the tip has not, and writing a tip's files out.
 *
 * products/PRODUCT/ is a materialization of the tree at the local branch
 * rel/PRODUCT; cache/PRODUCT/synced (local) names the commit it
 * reflects, written once the files are written and on disk.  The branch
 * moves first, then the files, then `synced`: a crash in between leaves
 * synced behind the branch, and the next sync writes the difference
 * again (every file written is the tip's whole content, so writing it
 * twice is harmless).  Called under the product lock.
 */
#ifndef REL_SYNCFILES_H
#define REL_SYNCFILES_H

#include "replica.h"

/* The changes the local files of p hold against the tree of commit tip
 * (NULL: against nothing): new files whole, journals and logs that grew
 * as appends.  A journal or flow copy that is not the tip's content plus
 * more is damage (REL_ESYS naming it).  A file of the tip's size is
 * taken for the tip's (files only grow, and only through the branch),
 * unless strict: then its content is compared, as it must be against a
 * history this store did not come from.  *ch and the data it points to
 * are freed with rel_changes_free. */
int rel_sync_changes(struct rel_replica *r, struct rel_product *p,
    const git_oid *tip, int strict, struct rel_change **ch, size_t *n,
    struct rel_err *err);
void rel_changes_free(struct rel_change *ch, size_t n);

/* Write the files that differ between commits from (NULL: none) and to
 * into products/PRODUCT/, each atomically, and keep the index right
 * (rebuilt when many releases changed).  *files receives how many were
 * written. */
int rel_sync_materialize(struct rel_replica *r, struct rel_product *p,
    const git_oid *from, const git_oid *to, size_t *files,
    struct rel_err *err);

/* cache/PRODUCT/synced: read (*found 0 when absent) and write. */
int rel_synced_read(struct rel_product *p, git_oid *id, int *found,
    struct rel_err *err);
int rel_synced_write(struct rel_product *p, const git_oid *id,
    struct rel_err *err);

#endif
