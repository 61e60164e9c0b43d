/*
 * gitodb.c - loose objects, packs and alternates (see gitodb.h).
 *
 * Every .idx and its .pack are mapped whole when the database is opened
 * and checked once (signatures, versions, sizes, the fanout, the object
 * counts agree); a lookup is a binary search in each index in turn, then
 * a loose file.  A packed object is inflated straight into a buffer of
 * the size its header gives; a delta is applied to its base, which is
 * read the same way (by offset in the same pack, or by id anywhere).
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "gitodb.h"

#define H REL_GIT_RAWSZ
#define MAX_PACKS 4096

enum { OFS_DELTA = 6, REF_DELTA = 7 };

struct pack {
	const unsigned char *idx, *data;
	size_t idxlen, datalen;
	uint32_t n;
	int v2;
	const unsigned char *fanout, *names, *offs, *offs64;
	size_t n64;
};

struct rel_git_odb {
	char **dirs;              /* the object directory, then alternates */
	size_t ndirs;
	dev_t devs[64];           /* of each directory, to see one twice */
	ino_t inos[64];
	struct pack *packs;
	size_t npacks;
};

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
hex_of(const unsigned char *oid, char hex[REL_GIT_HEXSZ + 1])
{
	rel_git_oid_to_hex(oid, hex);
}

static int
damaged(struct rel_err *err, const unsigned char *oid, const char *why)
{
	char hex[REL_GIT_HEXSZ + 1];

	hex_of(oid, hex);
	return rel_err_set(err, REL_ESYS, "object %s: %s", hex, why);
}

/* --- opening ------------------------------------------------------- */

static const unsigned char *
map(const char *path, size_t *len)
{
	struct stat st;
	void *m;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uintmax_t)st.st_size > SIZE_MAX / 2) {
		close(fd);
		return NULL;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return NULL;
	*len = (size_t)st.st_size;
	return m;
}

/* Check an index and its pack: 0, or -1 (the pack is left out). */
static int
check_pack(struct pack *p)
{
	const unsigned char *x = p->idx;
	size_t need;

	if (p->idxlen >= 8 && !memcmp(x, "\377tOc", 4)) {
		if (be32(x + 4) != 2)
			return -1;
		p->v2 = 1;
		p->fanout = x + 8;
	} else {
		p->fanout = x;
	}
	if ((size_t)(p->fanout - x) + 256 * 4 > p->idxlen)
		return -1;
	for (int i = 1; i < 256; i++)
		if (be32(p->fanout + 4 * i) < be32(p->fanout + 4 * (i - 1)))
			return -1;
	p->n = be32(p->fanout + 255 * 4);
	if (p->v2) {
		p->names = p->fanout + 256 * 4;
		p->offs = p->names + (size_t)p->n * (H + 4);
		p->offs64 = p->offs + (size_t)p->n * 4;
		need = 8 + 256 * 4 + (size_t)p->n * (H + 8) + 2 * H;
		if (need > p->idxlen || (p->idxlen - need) % 8)
			return -1;
		p->n64 = (p->idxlen - need) / 8;
	} else {
		p->names = p->fanout + 256 * 4;
		need = 256 * 4 + (size_t)p->n * (H + 4) + 2 * H;
		if (need != p->idxlen)
			return -1;
	}
	if (p->datalen < 12 + H || memcmp(p->data, "PACK", 4) ||
	    (be32(p->data + 4) != 2 && be32(p->data + 4) != 3) ||
	    be32(p->data + 8) != p->n)
		return -1;
	return 0;
}

static int
add_packs(struct rel_git_odb *odb, const char *dir, struct rel_err *err)
{
	char path[4096];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof path, "%s/pack", dir);
	if (!(d = opendir(path)))
		return 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct pack p, *np;

		if (len < 10 || strncmp(de->d_name, "pack-", 5) ||
		    strcmp(de->d_name + len - 4, ".idx"))
			continue;
		memset(&p, 0, sizeof p);
		snprintf(path, sizeof path, "%s/pack/%s", dir, de->d_name);
		if (!(p.idx = map(path, &p.idxlen)))
			continue;
		snprintf(path, sizeof path, "%s/pack/%.*s.pack", dir,
		    (int)(len - 4), de->d_name);
		if (!(p.data = map(path, &p.datalen)) || check_pack(&p) < 0 ||
		    odb->npacks == MAX_PACKS) {
			munmap((void *)p.idx, p.idxlen);
			if (p.data)
				munmap((void *)p.data, p.datalen);
			continue;
		}
		if (!(np = realloc(odb->packs, (odb->npacks + 1) *
		    sizeof *np))) {
			munmap((void *)p.idx, p.idxlen);
			munmap((void *)p.data, p.datalen);
			closedir(d);
			return rel_err_set(err, REL_ESYS, "out of memory");
		}
		odb->packs = np;
		odb->packs[odb->npacks++] = p;
	}
	closedir(d);
	return 0;
}

static int
add_dir(struct rel_git_odb *odb, const char *dir, int depth,
    struct rel_err *err);

/* The directories objects/info/alternates names, relative to dir. */
static int
add_alternates(struct rel_git_odb *odb, const char *dir, int depth,
    struct rel_err *err)
{
	char path[4096], line[4096], alt[8300];
	FILE *f;
	int fd, rc = 0;

	snprintf(path, sizeof path, "%s/info/alternates", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) < 0)
		return 0;
	if (!(f = fdopen(fd, "r"))) {
		close(fd);
		return 0;
	}
	while (!rc && fgets(line, sizeof line, f)) {
		size_t len = strcspn(line, "\r\n");

		line[len] = '\0';
		if (!len || line[0] == '#')
			continue;
		if (line[0] == '/')
			snprintf(alt, sizeof alt, "%s", line);
		else
			snprintf(alt, sizeof alt, "%s/%s", dir, line);
		rc = add_dir(odb, alt, depth + 1, err);
	}
	fclose(f);
	return rc;
}

static int
add_dir(struct rel_git_odb *odb, const char *dir, int depth,
    struct rel_err *err)
{
	struct stat st;
	char **nd;
	int rc;

	if (depth > REL_GIT_MAX_ALTERNATES || stat(dir, &st) != 0 ||
	    !S_ISDIR(st.st_mode))
		return 0;
	/* The same directory twice (alternates that name each other). */
	for (size_t i = 0; i < odb->ndirs; i++)
		if (odb->devs[i] == st.st_dev && odb->inos[i] == st.st_ino)
			return 0;
	if (!(nd = realloc(odb->dirs, (odb->ndirs + 1) * sizeof *nd)))
		return rel_err_set(err, REL_ESYS, "out of memory");
	odb->dirs = nd;
	if (!(nd[odb->ndirs] = strdup(dir)) || odb->ndirs >= 64)
		return rel_err_set(err, REL_ESYS, "out of memory");
	odb->devs[odb->ndirs] = st.st_dev;
	odb->inos[odb->ndirs] = st.st_ino;
	odb->ndirs++;
	if ((rc = add_packs(odb, dir, err)))
		return rc;
	return add_alternates(odb, dir, depth, err);
}

void
rel_git_odb_close(struct rel_git_odb *odb)
{
	if (!odb)
		return;
	for (size_t i = 0; i < odb->npacks; i++) {
		munmap((void *)odb->packs[i].idx, odb->packs[i].idxlen);
		munmap((void *)odb->packs[i].data, odb->packs[i].datalen);
	}
	for (size_t i = 0; i < odb->ndirs; i++)
		free(odb->dirs[i]);
	free(odb->dirs);
	free(odb->packs);
	free(odb);
}

int
rel_git_odb_open(const char *objdir, struct rel_git_odb **out,
    struct rel_err *err)
{
	struct rel_git_odb *odb = calloc(1, sizeof *odb);
	struct stat st;
	int rc;

	*out = NULL;
	if (!odb)
		return rel_err_set(err, REL_ESYS, "out of memory");
	if (stat(objdir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		free(odb);
		return rel_err_set(err, REL_ENOTFOUND, "%s: no object "
		    "directory", objdir);
	}
	if ((rc = add_dir(odb, objdir, 0, err))) {
		rel_git_odb_close(odb);
		return rc;
	}
	*out = odb;
	return 0;
}

/* --- packs --------------------------------------------------------- */

/* The offset of oid in pack p, or 0 if it is not there (no object is
 * at offset 0: the pack header is). */
static size_t
find(const struct pack *p, const unsigned char *oid)
{
	uint32_t lo = oid[0] ? be32(p->fanout + 4 * (oid[0] - 1)) : 0;
	uint32_t hi = be32(p->fanout + 4 * oid[0]);
	size_t stride = p->v2 ? H : H + 4, skip = p->v2 ? 0 : 4;

	if (hi > p->n || lo > hi)
		return 0;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = memcmp(p->names + (size_t)mid * stride + skip, oid, H);

		if (c < 0) {
			lo = mid + 1;
		} else if (c > 0) {
			hi = mid;
		} else if (!p->v2) {
			return be32(p->names + (size_t)mid * stride);
		} else {
			uint32_t o = be32(p->offs + (size_t)mid * 4);

			if (!(o & 0x80000000u))
				return o;
			o &= 0x7fffffffu;
			if (o >= p->n64)
				return 0;
			return (size_t)((uint64_t)be32(p->offs64 + o * 8) <<
			    32 | be32(p->offs64 + o * 8 + 4));
		}
	}
	return 0;
}

/* Inflate in[0..inlen) into out[0..outlen): 0 when it gives exactly
 * outlen bytes, -1 otherwise. */
static int
inflate_to(const unsigned char *in, size_t inlen, unsigned char *out,
    size_t outlen)
{
	z_stream z;
	int zr;

	if (outlen > UINT32_MAX)
		return -1;
	memset(&z, 0, sizeof z);
	if (inflateInit(&z) != Z_OK)
		return -1;
	z.next_in = (unsigned char *)in;
	z.next_out = out;
	z.avail_out = (uInt)outlen;
	do {
		/* avail_in is 32 bits: feed a large input in parts. */
		if (!z.avail_in && inlen) {
			z.avail_in = inlen > (1u << 30) ? 1u << 30 : (uInt)inlen;
			inlen -= z.avail_in;
		}
		zr = inflate(&z, Z_FINISH);
	} while (zr == Z_BUF_ERROR && z.avail_out && (z.avail_in || inlen));
	inflateEnd(&z);
	return zr == Z_STREAM_END && z.total_out == outlen ? 0 : -1;
}

/* A size in the delta header: 0, or -1 past the end. */
static int
delta_size(const unsigned char **p, const unsigned char *end, size_t *out)
{
	size_t v = 0;
	int shift = 0;
	unsigned c;

	do {
		if (*p >= end || shift > 56)
			return -1;
		c = *(*p)++;
		v |= (size_t)(c & 0x7f) << shift;
		shift += 7;
	} while (c & 0x80);
	*out = v;
	return 0;
}

/* Apply delta d[0..dlen) to base[0..blen): the result in *out (malloc'd,
 * NUL after it), or -1 if the delta is malformed. */
static int
patch(const unsigned char *base, size_t blen, const unsigned char *d,
    size_t dlen, char **out, size_t *outlen)
{
	const unsigned char *p = d, *end = d + dlen;
	size_t slen, tlen, o = 0;
	unsigned char *t;

	/* An instruction makes at most 64 KiB: a larger target is a damaged
	 * header. */
	if (delta_size(&p, end, &slen) < 0 || slen != blen ||
	    delta_size(&p, end, &tlen) < 0 || tlen / 0x10000 > dlen ||
	    !(t = malloc(tlen + 1)))
		return -1;
	while (p < end) {
		unsigned c = *p++;

		if (c & 0x80) {
			size_t off = 0, n = 0;

			for (int i = 0; i < 4; i++)
				if (c & (1u << i)) {
					if (p >= end)
						goto bad;
					off |= (size_t)*p++ << (8 * i);
				}
			for (int i = 0; i < 3; i++)
				if (c & (1u << (4 + i))) {
					if (p >= end)
						goto bad;
					n |= (size_t)*p++ << (8 * i);
				}
			if (!n)
				n = 0x10000;
			if (off > blen || n > blen - off || n > tlen - o)
				goto bad;
			memcpy(t + o, base + off, n);
			o += n;
		} else if (c) {
			if (c > (size_t)(end - p) || c > tlen - o)
				goto bad;
			memcpy(t + o, p, c);
			p += c;
			o += c;
		} else {
			goto bad;       /* reserved */
		}
	}
	if (o != tlen)
		goto bad;
	t[tlen] = '\0';
	*out = (char *)t;
	*outlen = tlen;
	return 0;
bad:
	free(t);
	return -1;
}

static int read_any(const struct rel_git_odb *odb, const unsigned char *oid,
    enum rel_git_type *type, char **data, size_t *len, int depth,
    struct rel_err *err);

/* The object at offset off of pack p (oid names it in messages). */
static int
read_packed(const struct rel_git_odb *odb, const struct pack *p, size_t off,
    const unsigned char *oid, enum rel_git_type *type, char **data,
    size_t *len, int depth, struct rel_err *err)
{
	const unsigned char *q, *end = p->data + p->datalen - H;
	unsigned char *buf;
	size_t size = 0, base_off = 0;
	unsigned c, t;
	int shift = 4, rc;

	if (depth > REL_GIT_MAX_DELTA)
		return damaged(err, oid, "delta chain too deep");
	if (off < 12 || off >= p->datalen - H)
		return damaged(err, oid, "offset outside its pack");
	q = p->data + off;
	c = *q++;
	t = (c >> 4) & 7;
	size = c & 15;
	while (c & 0x80) {
		if (q >= end || shift > 57)
			return damaged(err, oid, "bad pack entry header");
		c = *q++;
		size |= (size_t)(c & 0x7f) << shift;
		shift += 7;
	}
	if (t == OFS_DELTA) {
		size_t back;

		if (q >= end)
			return damaged(err, oid, "bad delta offset");
		c = *q++;
		back = c & 0x7f;
		while (c & 0x80) {
			if (q >= end || back > (SIZE_MAX >> 8))
				return damaged(err, oid, "bad delta offset");
			c = *q++;
			back = ((back + 1) << 7) | (c & 0x7f);
		}
		if (!back || back >= off)
			return damaged(err, oid, "bad delta offset");
		base_off = off - back;
	} else if (t == REF_DELTA) {
		if ((size_t)(end - q) < H)
			return damaged(err, oid, "bad delta base");
		q += H;
	} else if (t < REL_GIT_COMMIT || t > REL_GIT_TAG) {
		return damaged(err, oid, "unknown object type in pack");
	}
	/* Deflate makes at most 1032 bytes of one: a larger size is a
	 * damaged header, not a reason to ask for terabytes. */
	if (size > UINT32_MAX || size / 1032 > (size_t)(end - q))
		return damaged(err, oid, "object size out of range");
	if (!(buf = malloc(size + 1)))
		return rel_err_set(err, REL_ESYS, "out of memory");
	if (inflate_to(q, (size_t)(end - q), buf, size) < 0) {
		free(buf);
		return damaged(err, oid, "cannot be inflated");
	}
	buf[size] = '\0';
	if (t != OFS_DELTA && t != REF_DELTA) {
		*type = (enum rel_git_type)t;
		*data = (char *)buf;
		*len = size;
		return 0;
	}
	{
		char *base = NULL;
		size_t blen = 0;

		if (t == OFS_DELTA)
			rc = read_packed(odb, p, base_off, oid, type, &base,
			    &blen, depth + 1, err);
		else
			rc = read_any(odb, q - H, type, &base, &blen,
			    depth + 1, err);
		if (!rc && patch((unsigned char *)base, blen, buf, size, data,
		    len) < 0)
			rc = damaged(err, oid, "bad delta");
		free(base);
	}
	free(buf);
	return rc;
}

/* --- loose objects ------------------------------------------------- */

static int
read_loose(const char *dir, const unsigned char *oid, enum rel_git_type *type,
    char **data, size_t *len, struct rel_err *err)
{
	static const char *const names[] = { "", "commit", "tree", "blob",
		"tag" };
	char hex[REL_GIT_HEXSZ + 1], path[4200], head[64];
	const unsigned char *m;
	size_t mlen, size = 0, hl, got;
	z_stream z;
	unsigned char *buf = NULL;
	int zr, t;
	char *nul, *sp;

	hex_of(oid, hex);
	snprintf(path, sizeof path, "%s/%.2s/%s", dir, hex, hex + 2);
	if (!(m = map(path, &mlen)))
		return REL_ENOTFOUND;
	memset(&z, 0, sizeof z);
	if (inflateInit(&z) != Z_OK) {
		munmap((void *)m, mlen);
		return rel_err_set(err, REL_ESYS, "out of memory");
	}
	z.next_in = (unsigned char *)m;
	z.avail_in = mlen > (1u << 30) ? 1u << 30 : (uInt)mlen;
	z.next_out = (unsigned char *)head;
	z.avail_out = sizeof head;
	zr = inflate(&z, Z_SYNC_FLUSH);
	hl = sizeof head - z.avail_out;
	if ((zr != Z_OK && zr != Z_STREAM_END) ||
	    !(nul = memchr(head, '\0', hl)) || !(sp = memchr(head, ' ',
	    (size_t)(nul - head))))
		goto bad;
	for (t = 1; t <= 4; t++)
		if ((size_t)(sp - head) == strlen(names[t]) &&
		    !memcmp(head, names[t], (size_t)(sp - head)))
			break;
	if (t > 4)
		goto bad;
	for (char *d = sp + 1; d < nul; d++) {
		if (*d < '0' || *d > '9' || size > UINT32_MAX / 10)
			goto bad;
		size = size * 10 + (size_t)(*d - '0');
	}
	if (size / 1032 > mlen)
		goto bad;       /* more than deflate can make of the file */
	if (!(buf = malloc(size + 1))) {
		inflateEnd(&z);
		munmap((void *)m, mlen);
		return rel_err_set(err, REL_ESYS, "out of memory");
	}
	got = hl - (size_t)(nul + 1 - head);
	if (got > size)
		goto bad;
	memcpy(buf, nul + 1, got);
	z.next_out = buf + got;
	z.avail_out = (uInt)(size - got);
	while (zr == Z_OK && z.avail_out)
		zr = inflate(&z, Z_FINISH);
	if (zr != Z_STREAM_END || z.avail_out)
		goto bad;
	inflateEnd(&z);
	munmap((void *)m, mlen);
	buf[size] = '\0';
	*type = (enum rel_git_type)t;
	*data = (char *)buf;
	*len = size;
	return 0;
bad:
	free(buf);
	inflateEnd(&z);
	munmap((void *)m, mlen);
	return damaged(err, oid, "a damaged loose object");
}

/* --- both ---------------------------------------------------------- */

static int
read_any(const struct rel_git_odb *odb, const unsigned char *oid,
    enum rel_git_type *type, char **data, size_t *len, int depth,
    struct rel_err *err)
{
	int rc;

	for (size_t i = 0; i < odb->npacks; i++) {
		size_t off = find(&odb->packs[i], oid);

		if (off)
			return read_packed(odb, &odb->packs[i], off, oid, type,
			    data, len, depth, err);
	}
	for (size_t i = 0; i < odb->ndirs; i++)
		if ((rc = read_loose(odb->dirs[i], oid, type, data, len,
		    err)) != REL_ENOTFOUND)
			return rc;
	{
		char hex[REL_GIT_HEXSZ + 1];

		hex_of(oid, hex);
		return rel_err_set(err, REL_ENOTFOUND, "object %s not found",
		    hex);
	}
}

int
rel_git_odb_read(const struct rel_git_odb *odb,
    const unsigned char oid[REL_GIT_RAWSZ], enum rel_git_type *type,
    char **data, size_t *len, struct rel_err *err)
{
	return read_any(odb, oid, type, data, len, 0, err);
}

int
rel_git_odb_has(const struct rel_git_odb *odb,
    const unsigned char oid[REL_GIT_RAWSZ])
{
	char hex[REL_GIT_HEXSZ + 1], path[4200];
	struct stat st;

	for (size_t i = 0; i < odb->npacks; i++)
		if (find(&odb->packs[i], oid))
			return 1;
	hex_of(oid, hex);
	for (size_t i = 0; i < odb->ndirs; i++) {
		snprintf(path, sizeof path, "%s/%.2s/%s", odb->dirs[i], hex,
		    hex + 2);
		if (stat(path, &st) == 0)
			return 1;
	}
	return 0;
}
