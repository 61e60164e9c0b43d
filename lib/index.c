/*
 * index.c - fixed-slot summary index, so that listing the newest releases
 * of a product reads a few slots and not every record.
 *
 * Slot layout (REL_INDEX_SLOT bytes, never straddling a page):
 *   [0]      'C' clean, 'D' dirty, anything else: empty
 *   [1..8]   CRC-32 of the creation time and the line, hex
 *   [9..11]  line length, decimal
 *   [12..24] creation time, ms since the epoch, 13 digits
 *   [25..]   the summary line (no newline), zero padded
 * Slot 0:    "rel-index 1 LAST\n", zero padded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "index.h"
#include "io.h"

#define SLOT REL_INDEX_SLOT
#define TIME_OFF 12
#define TIME_LEN 13
#define LINE_OFF (TIME_OFF + TIME_LEN)
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
	if (!line.oom && line.len <= LINE_MAX_LEN && r->created >= 0 &&
	    r->created < 10000000000000LL) {
		char head[TIME_OFF + TIME_LEN + 1];

		snprintf(head + TIME_OFF, TIME_LEN + 1, "%013lld",
		    (long long)r->created);
		memcpy(slot + TIME_OFF, head + TIME_OFF, TIME_LEN);
		memcpy(slot + LINE_OFF, line.s, line.len);
		snprintf(head, TIME_OFF + 1, "C%08lx%03zu",
		    crc32(0L, (const Bytef *)slot + TIME_OFF,
		    (uInt)(TIME_LEN + line.len)), line.len);
		memcpy(slot, head, TIME_OFF);
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
	snprintf(slot, sizeof slot, "rel-index 1 %lu\n", n);
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
	    sscanf(head, "rel-index 1 %lu\n", &n) != 1)
		return 0;
	return n;
}

/* The line in a slot if it is clean and whole, else NULL. */
static const char *
slot_line(const char *slot, size_t *len, int64_t *created)
{
	unsigned long crc;
	char hex[9], num[4], t[TIME_LEN + 1];
	size_t l;

	if (slot[0] != 'C')
		return NULL;
	memcpy(hex, slot + 1, 8);
	hex[8] = '\0';
	memcpy(num, slot + 9, 3);
	num[3] = '\0';
	l = strtoul(num, NULL, 10);
	if (l == 0 || l > LINE_MAX_LEN)
		return NULL;
	crc = strtoul(hex, NULL, 16);
	if (crc != crc32(0L, (const Bytef *)slot + TIME_OFF,
	    (uInt)(TIME_LEN + l)))
		return NULL;
	memcpy(t, slot + TIME_OFF, TIME_LEN);
	t[TIME_LEN] = '\0';
	*created = strtoll(t, NULL, 10);
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
	unsigned long last, n;
	const char *map = NULL;
	size_t maplen = 0, count = 0;
	struct stat sb;
	int rc;

	if ((rc = rel_product_last(p, &last, err)) != 0)
		return rc;
	if (p->index < 0 && last > 0) {
		unsigned long indexed;

		/* Lost (or never made): rebuild it now, once, if we may. */
		rel_index_rebuild(p, &indexed, NULL);
	}
	if (p->index >= 0 && fstat(p->index, &sb) == 0 && sb.st_size >= SLOT) {
		maplen = (size_t)sb.st_size;
		map = mmap(NULL, maplen, PROT_READ, MAP_SHARED, p->index, 0);
		if (map == MAP_FAILED) {
			map = NULL;
			maplen = 0;
		}
	}
	rc = 0;
	for (n = last; n > 0 && (limit == 0 || count < limit); n--) {
		const char *l = NULL;
		size_t len = 0;
		int64_t created = 0;

		if (map && (n + 1) * SLOT <= maplen)
			l = slot_line(map + n * SLOT, &len, &created);
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
	if (map)
		munmap((void *)map, maplen);
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
