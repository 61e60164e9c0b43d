/*
 * index.c - fixed-slot summary index, so that listing the newest releases
 * of a product reads a few slots and not every record.
 *
 * Slot layout (REL_INDEX_SLOT bytes, never straddling a page; numbers
 * little-endian: the index is derived and never leaves its machine):
 *   [0]      'C' clean, 'D' dirty, anything else: empty
 *   [1..4]   a 32-bit hash of bytes 5.. up to the end of the line
 *            (slot_hash: cheaper than CRC-32, which the listing of
 *            100,000 releases would spend most of its time in)
 *   [5..6]   line length
 *   [7..14]  creation time, ms since the epoch
 *   [15..]   the summary line (no newline), zero padded
 * Slot 0:    "rel-index 2 LAST\n", zero padded; at byte 128 a generation
 *            counter, one more at every change of a slot (a full listing
 *            cached in cache/PRODUCT/listing is good while it is the same).
 */
#define _DEFAULT_SOURCE 1 /* MAP_POPULATE, where there is one */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index.h"
#include "io.h"

#define SLOT REL_INDEX_SLOT
#define HASH_OFF 1
#define LEN_OFF 5
#define TIME_OFF 7
#define LINE_OFF 15
#define LINE_MAX_LEN (SLOT - LINE_OFF)

static void
index_path(const struct rel_product *p, char *out, size_t n)
{
	snprintf(out, n, "%s/cache/%s/index", p->st->root, p->name);
}

/* Open the index for reading (rw=0) or writing (rw=1, makes it). */
static int
index_open(struct rel_product *p, int rw, struct rel_err *err)
{
	char path[4400], sub[REL_NAME_MAX + 16];
	int dir, rc;

	if (p->index >= 0 && (p->index_rw || !rw))
		return 0;
	if (p->index >= 0) {
		close(p->index);
		p->index = -1;
	}
	snprintf(sub, sizeof sub, "cache/%s", p->name);
	snprintf(path, sizeof path, "%s/%s", p->st->root, sub);
	if ((rc = rel_dir_open_path(p->st->fd, sub, rw, path, &dir, err)) != 0)
		return rc;
	p->index = -1;
	if (rw) {
		p->index = openat(dir, "index", O_RDWR | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, REL_FILE_MODE);
		/* A new index starts its generations again: a listing kept
		 * from an old one could carry the same number. */
		if (p->index >= 0)
			unlinkat(dir, "listing", 0);
	}
	if (p->index < 0)
		p->index = openat(dir, "index", (rw ? O_RDWR : O_RDONLY) |
		    O_NOFOLLOW | O_CLOEXEC, REL_FILE_MODE);
	close(dir);
	if (p->index < 0) {
		index_path(p, path, sizeof path);
		return rel_err_errno(err, "cannot open %s", path);
	}
	p->index_rw = rw;
	return 0;
}

/* A fast 32-bit hash to catch a torn or damaged slot (not an attacker):
 * 8 bytes at a time, multiply and fold. */
static uint32_t
slot_hash(const unsigned char *p, size_t len)
{
	uint64_t a = 0x9e3779b97f4a7c15ULL ^ len, b = 0xc2b2ae3d27d4eb4fULL;

	/* Two lanes, 16 bytes a round: the listing of 100,000 releases
	 * hashes every slot it shows. */
	for (; len >= 16; p += 16, len -= 16) {
		uint64_t w1, w2;

		memcpy(&w1, p, 8);
		memcpy(&w2, p + 8, 8);
		a = (a ^ w1) * 0xff51afd7ed558ccdULL;
		b = (b ^ w2) * 0xc4ceb9fe1a85ec53ULL;
		a ^= a >> 32;
		b ^= b >> 29;
	}
	if (len) {
		uint64_t w1 = 0, w2 = 0;

		memcpy(&w1, p, len > 8 ? 8 : len);
		if (len > 8)
			memcpy(&w2, p + 8, len - 8);
		a = (a ^ w1) * 0xff51afd7ed558ccdULL;
		b = (b ^ w2) * 0xc4ceb9fe1a85ec53ULL;
	}
	a ^= b * 0x9e3779b97f4a7c15ULL;
	a ^= a >> 31;
	a *= 0x9e3779b97f4a7c15ULL;
	return (uint32_t)(a >> 32);
}

static int
pwrite_all(int fd, const char *buf, size_t n, off_t off)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, buf, n, off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

#define GEN_OFF 128

/* One more change: what was cached from the index before is stale. */
static void
bump(struct rel_product *p)
{
	uint64_t gen = 0;

	if (pread(p->index, &gen, sizeof gen, GEN_OFF) != (ssize_t)sizeof gen)
		gen = 0;
	gen++;
	if (pwrite(p->index, &gen, sizeof gen, GEN_OFF) != (ssize_t)sizeof gen) {
		/* then the slot writes fail too, and say so */
	}
}

int
rel_index_present(struct rel_product *p)
{
	return index_open(p, 0, NULL) == 0;
}

uint64_t
rel_index_generation(struct rel_product *p)
{
	uint64_t gen = 0;

	if (index_open(p, 0, NULL) != 0 ||
	    pread(p->index, &gen, sizeof gen, GEN_OFF) != (ssize_t)sizeof gen)
		return 0;
	return gen;
}

int
rel_index_dirty(struct rel_product *p, unsigned long n, struct rel_err *err)
{
	char path[4400];
	struct stat sb;
	int rc;

	if ((rc = index_open(p, 1, err)) != 0)
		return rc;
	if (fstat(p->index, &sb) < 0)
		goto fail;
	bump(p);
	if ((off_t)(n * SLOT) >= sb.st_size)
		return 0; /* no slot yet: nothing stale to hide */
	if (pwrite_all(p->index, "D", 1, (off_t)(n * SLOT)) < 0 ||
	    fdatasync(p->index) < 0)
		goto fail;
	return 0;
fail:
	index_path(p, path, sizeof path);
	return rel_err_errno(err, "cannot mark %s", path);
}

static int
put_slot(struct rel_product *p, unsigned long n, const char *slot,
    struct rel_err *err)
{
	char path[4400];
	int rc;

	if ((rc = index_open(p, 1, err)) != 0)
		return rc;
	if (n == 0)
		return rel_err_set(err, REL_ESYS, "no release 0");
	bump(p);
	if (pwrite_all(p->index, slot, SLOT, (off_t)(n * SLOT)) < 0) {
		index_path(p, path, sizeof path);
		return rel_err_errno(err, "cannot write %s", path);
	}
	return 0;
}

int
rel_index_put(struct rel_product *p, unsigned long n, int64_t created,
    const char *line, size_t len, struct rel_err *err)
{
	char slot[SLOT];

	memset(slot, 0, sizeof slot);
	if (line && len > 0 && len <= LINE_MAX_LEN) {
		uint16_t l = (uint16_t)len;
		uint32_t hash;

		memcpy(slot + LEN_OFF, &l, sizeof l);
		memcpy(slot + TIME_OFF, &created, sizeof created);
		memcpy(slot + LINE_OFF, line, len);
		hash = slot_hash((const unsigned char *)slot + LEN_OFF,
		    LINE_OFF - LEN_OFF + len);
		memcpy(slot + HASH_OFF, &hash, sizeof hash);
		slot[0] = 'C';
	}
	return put_slot(p, n, slot, err);
}

int
rel_index_clear(struct rel_product *p, unsigned long n, struct rel_err *err)
{
	char slot[SLOT];

	memset(slot, 0, sizeof slot);
	return put_slot(p, n, slot, err);
}

int
rel_index_set_last(struct rel_product *p, unsigned long n,
    struct rel_err *err)
{
	char slot[64], path[4400];
	int rc;

	if ((rc = index_open(p, 1, err)) != 0)
		return rc;
	memset(slot, 0, sizeof slot);
	snprintf(slot, sizeof slot, "rel-index 2 %lu\n", n);
	if (pwrite_all(p->index, slot, sizeof slot, 0) < 0) {
		index_path(p, path, sizeof path);
		return rel_err_errno(err, "cannot write %s", path);
	}
	return 0;
}

unsigned long
rel_index_last(struct rel_product *p)
{
	char head[64];
	unsigned long n;

	if (index_open(p, 0, NULL) != 0)
		return 0;
	memset(head, 0, sizeof head);
	if (pread(p->index, head, sizeof head - 1, 0) <= 0 ||
	    sscanf(head, "rel-index 2 %lu\n", &n) != 1)
		return 0;
	return n;
}

/* The line in a slot if it is clean and whole, else NULL. */
static const char *
slot_line(const char *slot, size_t *len, int64_t *created)
{
	uint32_t hash;
	uint16_t l;

	if (slot[0] != 'C')
		return NULL;
	memcpy(&l, slot + LEN_OFF, sizeof l);
	memcpy(&hash, slot + HASH_OFF, sizeof hash);
	if (l == 0 || l > LINE_MAX_LEN ||
	    hash != slot_hash((const unsigned char *)slot + LEN_OFF,
	    LINE_OFF - LEN_OFF + (size_t)l))
		return NULL;
	memcpy(created, slot + TIME_OFF, sizeof *created);
	*len = l;
	return slot + LINE_OFF;
}

int
rel_index_peek(struct rel_product *p, unsigned long n, char *line, size_t cap)
{
	char slot[SLOT];
	const char *l;
	size_t len;
	int64_t created;

	if (index_open(p, 0, NULL) != 0 ||
	    pread(p->index, slot, sizeof slot, (off_t)(n * SLOT)) !=
	    (ssize_t)sizeof slot || !(l = slot_line(slot, &len, &created)) ||
	    len >= cap)
		return -1;
	memcpy(line, l, len);
	line[len] = '\0';
	return 0;
}

void
rel_index_walk_begin(struct rel_index_walk *w, struct rel_product *p,
    size_t limit)
{
	struct stat sb;

	memset(w, 0, sizeof *w);
	w->p = p;
	if (index_open(p, 0, NULL) == 0 && fstat(p->index, &sb) == 0)
		w->slots = (unsigned long)(sb.st_size / SLOT);
	/* A long listing maps the whole index, populated at once (no copy,
	 * no fault per page); a short one reads slots backwards in chunks
	 * that grow: a few for the newest twenty. */
	if ((limit == 0 || limit > 4096) && w->slots > 4096) {
		int flags = MAP_SHARED;
		char *map;

#ifdef MAP_POPULATE
		flags |= MAP_POPULATE;
#endif
		w->maplen = w->slots * SLOT;
		map = mmap(NULL, w->maplen, PROT_READ, flags, p->index, 0);
		if (map != MAP_FAILED) {
			w->map = map;
			w->lo = 0;
			w->hi = w->slots;
		}
	}
	w->chunk = limit ? limit + 8 : 256;
}

const char *
rel_index_walk_line(struct rel_index_walk *w, unsigned long n, size_t *len,
    int64_t *created)
{
	if (!w->map && n < w->slots && (n < w->lo || n >= w->hi)) {
		char *nb;
		ssize_t got;

		if (w->chunk > 4096)
			w->chunk = 4096;
		w->hi = n + 1;
		w->lo = w->hi > w->chunk ? w->hi - w->chunk : 0;
		if ((nb = realloc(w->buf, (w->hi - w->lo) * SLOT)))
			w->buf = nb;
		got = nb ? pread(w->p->index, w->buf, (w->hi - w->lo) * SLOT,
		    (off_t)(w->lo * SLOT)) : -1;
		if (got < (ssize_t)((w->hi - w->lo) * SLOT))
			w->lo = w->hi = 0; /* read the records instead */
		w->chunk *= 4;
	}
	if (n < w->lo || n >= w->hi)
		return NULL;
	return slot_line((w->map ? w->map : w->buf) + (n - w->lo) * SLOT, len,
	    created);
}

void
rel_index_walk_end(struct rel_index_walk *w)
{
	free(w->buf);
	if (w->map)
		munmap(w->map, w->maplen);
	memset(w, 0, sizeof *w);
}

int
rel_index_resize(struct rel_product *p, unsigned long last,
    struct rel_err *err)
{
	int rc;

	if ((rc = index_open(p, 1, err)) != 0)
		return rc;
	if (ftruncate(p->index, (off_t)((last + 1) * SLOT)) < 0) {
		char path[4400];

		index_path(p, path, sizeof path);
		return rel_err_errno(err, "cannot resize %s", path);
	}
	return 0;
}

int
rel_index_sync(struct rel_product *p, struct rel_err *err)
{
	int rc;

	if ((rc = index_open(p, 1, err)) != 0)
		return rc;
	if (fdatasync(p->index) < 0) {
		char path[4400];

		index_path(p, path, sizeof path);
		return rel_err_errno(err, "cannot sync %s", path);
	}
	return 0;
}

int
rel_index_cached_listing(struct rel_product *p, int out)
{
	char sub[REL_NAME_MAX + 16], head[64], *buf;
	uint64_t gen = rel_index_generation(p), tag;
	int dir, fd, served = 0;
	ssize_t n;
	size_t skip;

	if (gen == 0)
		return 0;
	snprintf(sub, sizeof sub, "cache/%s", p->name);
	if ((dir = openat(p->st->fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return 0;
	fd = openat(dir, "listing", O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	close(dir);
	if (fd < 0)
		return 0;
	memset(head, 0, sizeof head);
	if (pread(fd, head, sizeof head - 1, 0) <= 0 ||
	    sscanf(head, "rel-listing %llu\n", (unsigned long long *)&tag) != 1 ||
	    tag != gen || !strchr(head, '\n') || !(buf = malloc(1 << 20))) {
		close(fd);
		return 0;
	}
	skip = (size_t)(strchr(head, '\n') - head) + 1;
	if (lseek(fd, (off_t)skip, SEEK_SET) == (off_t)skip) {
		served = 1;
		while ((n = read(fd, buf, 1 << 20)) > 0)
			if (rel_write_all(out, buf, (size_t)n, "stdout", NULL)) {
				served = -1;
				break;
			}
	}
	free(buf);
	close(fd);
	return served;
}

void
rel_index_save_listing(struct rel_product *p, uint64_t gen, const char *data,
    size_t len)
{
	char sub[REL_NAME_MAX + 16], tmp[64], head[64];
	int dir, fd, hl;

	if (gen == 0)
		return;
	snprintf(sub, sizeof sub, "cache/%s", p->name);
	if ((dir = openat(p->st->fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return;
	snprintf(tmp, sizeof tmp, ".listing.%ld", (long)getpid());
	fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, REL_FILE_MODE);
	hl = snprintf(head, sizeof head, "rel-listing %llu\n",
	    (unsigned long long)gen);
	/* Derived and checked before use: no fsync, a rename for whole. */
	if (fd >= 0 && rel_write_all(fd, head, (size_t)hl, tmp, NULL) == 0 &&
	    rel_write_all(fd, data, len, tmp, NULL) == 0 && close(fd) == 0) {
		fd = -1;
		if (renameat(dir, tmp, dir, "listing") < 0)
			unlinkat(dir, tmp, 0);
	} else {
		if (fd >= 0)
			close(fd);
		unlinkat(dir, tmp, 0);
	}
	close(dir);
}
