/*
 * index.h - the derived summary index of a product (cache/PRODUCT/index).
 *
 * Slot k (k >= 1) at offset 256*k holds the rel-status summary line of
 * release k and its creation time in ms; slot 0 is a header with the
 * highest release number.  A slot is 'C' (clean: the line, its length and
 * a hash of both), 'D' (dirty: a change is being made; read the record)
 * or empty.  A writer marks the slot dirty and syncs the index before it
 * appends to the record, and writes the new line after: a reader that
 * trusts only clean slots whose hash holds never shows a summary older
 * than the record, whatever crashed where.  A line too long for a slot is
 * simply not indexed.  Lose the file and it is rebuilt from the records.
 *
 * This is a cache of lines by number and nothing more: it knows nothing
 * of what a record holds.  The records (record.h) decide what goes in a
 * slot and when, and fall back to themselves when a slot says nothing.
 */
#ifndef REL_INDEX_H
#define REL_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define REL_INDEX_SLOT 256

/* Is there an index for the product?  (1 or 0; opens it for reading.) */
int rel_index_present(struct rel_product *p);

/* Mark slot n dirty, and sync: a change of release n's summary is about
 * to be written to its record.  Under the product lock. */
int rel_index_dirty(struct rel_product *p, unsigned long n,
    struct rel_err *err);
/* Put release n's summary line and creation time in slot n (empty when
 * the line does not fit).  Under the product lock. */
int rel_index_put(struct rel_product *p, unsigned long n, int64_t created,
    const char *line, size_t len, struct rel_err *err);
/* Mark slot n as holding nothing (read the record). */
int rel_index_clear(struct rel_product *p, unsigned long n,
    struct rel_err *err);
int rel_index_set_last(struct rel_product *p, unsigned long n,
    struct rel_err *err);
/* The highest number in the index header, or 0. */
unsigned long rel_index_last(struct rel_product *p);

/* Make the index (creating it if need be) hold slots 0..last and no
 * more, for a rebuild; rel_index_sync makes what was written durable. */
int rel_index_resize(struct rel_product *p, unsigned long last,
    struct rel_err *err);
int rel_index_sync(struct rel_product *p, struct rel_err *err);

/* The summary line in slot n if it is clean and whole: copied into line
 * (NUL-terminated); 0, or -1 if the slot says nothing. */
int rel_index_peek(struct rel_product *p, unsigned long n, char *line,
    size_t cap);

/* Reading many slots, from the newest down: begin with the number of
 * lines wanted (0: all), then ask for slots n in decreasing order; a slot
 * that says nothing is NULL (read the record instead).  A line returned
 * is good until the next call. */
struct rel_index_walk {
	struct rel_product *p;
	char *buf, *map;           /* slots lo..hi-1, read or mapped */
	size_t maplen;
	unsigned long slots, lo, hi, chunk;
};
void rel_index_walk_begin(struct rel_index_walk *w, struct rel_product *p,
    size_t limit);
const char *rel_index_walk_line(struct rel_index_walk *w, unsigned long n,
    size_t *len, int64_t *created);
void rel_index_walk_end(struct rel_index_walk *w);

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

#endif
