/*
 * gitmailmap.h - a mailmap (gitmailmap(5)): which name and address a
 * commit's author is shown under.
 *
 * Lines, in the four forms of the manual:
 *     Proper Name <commit@email>
 *     <proper@email> <commit@email>
 *     Proper Name <proper@email> <commit@email>
 *     Proper Name <proper@email> Commit Name <commit@email>
 * '#' starts a comment line; a line that is none of these is skipped.
 * Addresses and names are matched without regard to case (ASCII).  A
 * line about an address without a commit name sets the name and the
 * address independently (a later line may set the one an earlier one
 * left); a line with a commit name maps that name at that address only,
 * and wins over the former.  Later lines win over earlier ones, so the
 * sources are added in the order git reads them: the work tree's
 * .mailmap, mailmap.blob, mailmap.file.
 *
 * Invariants: add may be called any number of times, then finish once;
 * map only after finish.  A lookup is a binary search: its cost does not
 * grow with the commits mapped.
 */
#ifndef REL_GITMAILMAP_H
#define REL_GITMAILMAP_H

#include <stddef.h>

struct rel_git_mailmap;

/* A new, empty mailmap, or NULL out of memory. */
struct rel_git_mailmap *rel_git_mailmap_new(void);
void rel_git_mailmap_free(struct rel_git_mailmap *mm);

/* Add the lines of text[0..len).  0, or -1 out of memory. */
int rel_git_mailmap_add(struct rel_git_mailmap *mm, const char *text,
    size_t len);
/* Sort what was added for lookups.  0, or -1 out of memory. */
int rel_git_mailmap_finish(struct rel_git_mailmap *mm);

/* Map the person (name, email: spans, maybe not NUL-terminated): 1 with
 * either or both replaced by strings the mailmap owns, 0 if it has
 * nothing for them. */
int rel_git_mailmap_map(const struct rel_git_mailmap *mm, const char **name,
    size_t *namelen, const char **email, size_t *emaillen);

/* How many addresses it maps (for tests). */
size_t rel_git_mailmap_count(const struct rel_git_mailmap *mm);

#endif
