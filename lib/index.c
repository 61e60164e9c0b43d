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
 * Slot 0:    "rel-index 2 LAST\n", zero padded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	p->index = openat(dir, "index", (rw ? O_RDWR | O_CREAT : O_RDONLY) |
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
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len;

	for (; len >= 8; p += 8, len -= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	if (len) {
		uint64_t w = 0;

		memcpy(&w, p, len);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
		h ^= h >> 29;
	}
	h *= 0x9e3779b97f4a7c15ULL;
	return (uint32_t)(h >> 32);
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
	if (pwrite_all(p->index, slot, SLOT, (off_t)(n * SLOT)) < 0) {
		index_path(p, path, sizeof path);
		return rel_err_errno(err, "cannot write %s", path);
	}
	return 0;
}

int
rel_index_put(struct rel_product *p, const struct rel_release *r,
    struct rel_err *err)
{
	struct rel_buf line = REL_BUF_INIT;
	char slot[SLOT];
	int rc;

	memset(slot, 0, sizeof slot);
	rel_release_summary(r, &line);
	if (!line.oom && line.len <= LINE_MAX_LEN) {
		uint16_t len = (uint16_t)line.len;
		int64_t created = r->created;
		uint32_t hash;

		memcpy(slot + LEN_OFF, &len, sizeof len);
		memcpy(slot + TIME_OFF, &created, sizeof created);
		memcpy(slot + LINE_OFF, line.s, line.len);
		hash = slot_hash((const unsigned char *)slot + LEN_OFF,
		    LINE_OFF - LEN_OFF + line.len);
		memcpy(slot + HASH_OFF, &hash, sizeof hash);
		slot[0] = 'C';
	}
	rc = put_slot(p, r->n, slot, err);
	rel_buf_free(&line);
	return rc;
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

static int
status_wanted(const char *line, size_t len, const int *want)
{
	const char *f = line, *end = line + len;
	char word[32];
	size_t wl;

	if (!want)
		return 1;
	for (int i = 0; i < 2; i++) {
		f = memchr(f, '\t', (size_t)(end - f));
		if (!f)
			return 0;
		f++;
	}
	wl = strcspn(f, "\t");
	if (wl >= sizeof word || f + wl > end)
		return 0;
	memcpy(word, f, wl);
	word[wl] = '\0';
	for (; *want >= 0; want++)
		if (!strcmp(word, rel_status_name((enum rel_status)*want)))
			return 1;
	return 0;
}

static int
from_record(struct rel_product *p, unsigned long n, struct rel_buf *line,
    int64_t *created, struct rel_err *err)
{
	struct rel_release *r;
	int rc = rel_release_load(p, n, &r, err);

	if (rc)
		return rc;
	rel_buf_reset(line);
	rel_release_summary(r, line);
	*created = r->created;
	rel_release_free(r);
	return line->oom ? rel_err_set(err, REL_ESYS, "out of memory") : 0;
}

int
rel_index_list(struct rel_product *p, size_t limit, const int *want,
    rel_list_fn fn, void *arg, struct rel_err *err)
{
	struct rel_buf line = REL_BUF_INIT;
	unsigned long last, n, slots = 0, lo = 0, hi = 0, chunk;
	char *buf = NULL;
	size_t count = 0;
	struct stat sb;
	int rc;

	if ((rc = rel_product_last(p, &last, err)) != 0)
		return rc;
	if (p->index < 0 && last > 0) {
		unsigned long indexed;

		/* Lost (or never made): rebuild it now, once, if we may. */
		rel_index_rebuild(p, &indexed, NULL);
	}
	if (p->index >= 0 && fstat(p->index, &sb) == 0)
		slots = (unsigned long)(sb.st_size / SLOT);
	/* Read slots backwards in chunks that grow: a few for the newest
	 * twenty, big ones for a full listing. */
	chunk = limit ? limit + 8 : 256;
	rc = 0;
	for (n = last; n > 0 && (limit == 0 || count < limit); n--) {
		const char *l = NULL;
		size_t len = 0;
		int64_t created = 0;

		if (n < slots && (n < lo || n >= hi)) {
			char *nb;
			ssize_t got;

			if (chunk > 4096)
				chunk = 4096;
			hi = n + 1;
			lo = hi > chunk ? hi - chunk : 0;
			if ((nb = realloc(buf, (hi - lo) * SLOT)))
				buf = nb;
			got = nb ? pread(p->index, buf, (hi - lo) * SLOT,
			    (off_t)(lo * SLOT)) : -1;
			if (got < (ssize_t)((hi - lo) * SLOT))
				lo = hi = 0; /* read the records instead */
			chunk *= 4;
		}
		if (n >= lo && n < hi)
			l = slot_line(buf + (n - lo) * SLOT, &len, &created);
		if (!l) {
			rc = from_record(p, n, &line, &created, err);
			if (rc == REL_ENOTFOUND) {
				rc = 0; /* a gap: an id lost to a crash */
				continue;
			}
			if (rc)
				break;
			l = line.s;
			len = line.len;
		}
		if (!status_wanted(l, len, want))
			continue;
		count++;
		if ((rc = fn(p, n, created, l, len, arg)) != 0) {
			if (rc > 0)
				rc = 0; /* asked to stop */
			else
				rc = rel_err_set(err, REL_ESYS, "out of memory");
			break;
		}
	}
	free(buf);
	rel_buf_free(&line);
	return rc;
}

int
rel_index_rebuild(struct rel_product *p, unsigned long *count,
    struct rel_err *err)
{
	unsigned long last, n;
	int rc;

	*count = 0;
	if ((rc = rel_product_lock(p, err)) != 0)
		return rc;
	if ((rc = index_open(p, 1, err)) != 0)
		goto out;
	if ((rc = rel_product_last(p, &last, err)) != 0)
		goto out;
	if (ftruncate(p->index, (off_t)((last + 1) * SLOT)) < 0) {
		char path[4400];

		index_path(p, path, sizeof path);
		rc = rel_err_errno(err, "cannot resize %s", path);
		goto out;
	}
	for (n = 1; n <= last; n++) {
		struct rel_release *r;

		rc = rel_release_load(p, n, &r, err);
		if (rc == REL_ENOTFOUND) {
			if ((rc = rel_index_clear(p, n, err)))
				goto out;
			continue;
		}
		if (rc)
			goto out;
		rc = rel_index_put(p, r, err);
		rel_release_free(r);
		if (rc)
			goto out;
		(*count)++;
	}
	if ((rc = rel_index_set_last(p, last, err)) == 0 &&
	    fdatasync(p->index) < 0) {
		char path[4400];

		index_path(p, path, sizeof path);
		rc = rel_err_errno(err, "cannot sync %s", path);
	}
out:
	rel_product_unlock(p);
	return rc;
}
