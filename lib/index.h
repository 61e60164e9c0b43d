/*
 * index.h - the derived summary index of a product (cache/PRODUCT/index).
 *
 * Slot k (k >= 1) at offset 256*k holds the rel-status summary line of
 * release k and its creation time in ms; slot 0 is a header with the
 * highest release number.  A slot
 * is 'C' (clean: the line, its length and CRC), 'D' (dirty: a change is
 * being made; read the record) or empty.  A writer marks the slot dirty
 * and syncs the index before it appends to the record, and writes the new
 * line after: a reader that trusts only clean slots with a good CRC never
 * shows a summary older than the record, whatever crashed where.  A line
 * too long for a slot is simply not indexed.  Lose the file and it is
 * rebuilt from the records.
 */
#ifndef REL_INDEX_H
#define REL_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define REL_INDEX_SLOT 256

/* Called under the product lock by the store. */
int rel_index_dirty(struct rel_product *p, unsigned long n,
    struct rel_err *err);
/* Index release r as it is now. */
int rel_index_put(struct rel_product *p, const struct rel_release *r,
    struct rel_err *err);
/* Mark slot n as holding nothing (read the record). */
int rel_index_clear(struct rel_product *p, unsigned long n,
    struct rel_err *err);
int rel_index_set_last(struct rel_product *p, unsigned long n,
    struct rel_err *err);
/* The highest number in the index header, or 0. */
unsigned long rel_index_last(struct rel_product *p);

/* The summary line in slot n if it is clean and whole: copied into line
 * (NUL-terminated); 0, or -1 if the slot says nothing. */
int rel_index_peek(struct rel_product *p, unsigned long n, char *line,
    size_t cap);

/* The index's generation: it changes with every change of a summary.
 * 0 when there is no index. */
uint64_t rel_index_generation(struct rel_product *p);

/* A full listing (the summary lines of every release, newest first, as
 * rel-status prints them) kept in cache/PRODUCT/listing, tagged with the
 * generation it was made at.  rel_index_cached_listing writes it to fd
 * and returns 1 if it is there and the index is still at that
 * generation, else 0 (and writes nothing).  rel_index_save_listing keeps
 * one made at generation gen (read before it was made); best effort. */
int rel_index_cached_listing(struct rel_product *p, int fd);
void rel_index_save_listing(struct rel_product *p, uint64_t gen,
    const char *data, size_t len);

/* Rebuild the index from the records (takes the lock). *count receives
 * the number of releases indexed. */
int rel_index_rebuild(struct rel_product *p, unsigned long *count,
    struct rel_err *err);

/* Call fn with the summary line of each release, newest first, at most
 * limit (0: all).  Lines come from the index when it is clean, else from
 * the record.  If want is not NULL, only releases whose summary status
 * is in want[] (terminated by -1) are passed (and counted).  fn returns
 * 0 to go on, 1 to stop there, -1 on running out of memory. */
typedef int (*rel_list_fn)(const struct rel_product *p, unsigned long n,
    int64_t created, const char *line, size_t len, void *arg);
int rel_index_list(struct rel_product *p, size_t limit, const int *want,
    rel_list_fn fn, void *arg, struct rel_err *err);

#endif
