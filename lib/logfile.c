/*
 * logfile.c - gzip step logs with zlib.
 *
 * Writing uses deflate directly on an fd opened without following links,
 * rather than gzopen() on a path; reading inflates concatenated members
 * and stops quietly at the end of a stream that is still being written.
 *
 * The cap is on what reaches the file: before input goes to deflate, the
 * compressed bytes written so far plus deflateBound() of everything not
 * yet flushed must fit; when they might not, a sync flush makes the count
 * exact, and only what surely fits is taken.  Some room is kept for rel's
 * own lines and for the line that ends a capped log.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "io.h"
#include "logfile.h"

struct rel_log {
	int fd;
	z_stream z;
	int started;         /* deflate set up: only once there is output */
	int dirty;
	int failed;          /* a write failed: nothing more is written */
	int error;           /* its errno */
	long long max;       /* compressed bytes at most, 0: no cap */
	long long written;   /* compressed bytes in the file */
	unsigned long long unflushed; /* input since the last flush */
	unsigned long long cut; /* bytes left out past the cap */
	int full;            /* the cap is reached */
	unsigned char out[16384];
};

#define NOTE_ROOM 1024   /* kept for rel's own lines and the last one */
#define END_ROOM 256     /* kept for the last line alone */

/* An empty gzip member: what a step that printed nothing leaves, without
 * setting up deflate (its tables cost more than a `true` step). */
static const unsigned char empty_gzip[20] = {
	0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0x03, 0x03, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
};

static int
start(struct rel_log *l)
{
	if (l->started)
		return 0;
	/* windowBits 15 + 16: a gzip wrapper. */
	if (deflateInit2(&l->z, 6, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		l->failed = 1;
		return -1;
	}
	l->started = 1;
	return 0;
}

void
rel_log_name(const char *step, const char *component, int attempt, char *out,
    size_t n)
{
	if (component && *component)
		snprintf(out, n, "%s@%s.%d.log.gz", step, component, attempt);
	else
		snprintf(out, n, "%s.%d.log.gz", step, attempt);
}

int
rel_log_dir(struct rel_product *p, const char *id, const char *env, int *fd,
    struct rel_err *err)
{
	char sub[2 * REL_NAME_MAX + REL_ID_MAX + 16], path[4600];

	snprintf(sub, sizeof sub, "logs/%s/%s", id, env);
	rel_product_path(p, sub, path, sizeof path);
	return rel_dir_open_path(p->dir, sub, 0, path, fd, err);
}

int
rel_log_open(struct rel_product *p, const char *id, const char *env,
    const char *name, struct rel_log **out, char *path, size_t pathlen,
    struct rel_err *err)
{
	char sub[2 * REL_NAME_MAX + REL_ID_MAX + 16], dpath[4600];
	struct rel_log *l;
	struct stat sb;
	int dir, rc;

	*out = NULL;
	snprintf(sub, sizeof sub, "logs/%s/%s", id, env);
	rel_product_path(p, sub, dpath, sizeof dpath);
	if ((rc = rel_dir_open_path(p->dir, sub, 1, dpath, &dir, err)) != 0)
		return rc;
	snprintf(path, pathlen, "%s/%s", dpath, name);
	if (!(l = calloc(1, sizeof *l))) {
		close(dir);
		return rel_err_set(err, REL_ESYS, "out of memory");
	}
	/* Without blocking on a FIFO planted there, and only a file. */
	l->fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC, REL_FILE_MODE);
	close(dir);
	if (l->fd < 0) {
		free(l);
		return rel_err_errno(err, "cannot create %s", path);
	}
	if (fstat(l->fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    fcntl(l->fd, F_SETFL, 0) < 0) {
		close(l->fd);
		free(l);
		return rel_err_set(err, REL_ESYS, "cannot create %s: not a "
		    "regular file", path);
	}
	*out = l;
	return 0;
}

static int
pump(struct rel_log *l, int flush)
{
	do {
		size_t have;

		l->z.next_out = l->out;
		l->z.avail_out = sizeof l->out;
		if (deflate(&l->z, flush) == Z_STREAM_ERROR)
			return -1;
		have = sizeof l->out - l->z.avail_out;
		if (have && !l->failed) {
			if (rel_write_all(l->fd, l->out, have, "log", NULL)) {
				l->failed = 1;
				l->error = errno ? errno : EIO;
			} else {
				l->written += (long long)have;
			}
		}
	} while (l->z.avail_out == 0);
	if (flush != Z_NO_FLUSH) {
		l->unflushed = 0;
		l->dirty = 0;
	}
	return l->failed ? -1 : 0;
}

void
rel_log_limit(struct rel_log *l, long long max)
{
	if (l)
		l->max = max;
}

/* How many of len bytes fit under the cap, keeping `keep` bytes free. */
static size_t
room_for(struct rel_log *l, size_t len, long long keep)
{
	long long room;
	size_t take;

	if (!l->max)
		return len;
	if (l->written + (long long)deflateBound(&l->z,
	    (uLong)(l->unflushed + len)) + keep <= l->max)
		return len;
	/* Might not fit: make the count exact, then take what surely
	 * does. */
	if (l->unflushed && pump(l, Z_SYNC_FLUSH) < 0)
		return 0;
	room = l->max - keep - l->written - 16; /* a sync flush's marker */
	if (room <= 64)
		return 0;
	take = (size_t)room < len ? (size_t)room : len;
	while (take > 0 && (long long)deflateBound(&l->z, (uLong)take) > room)
		take -= take > 1024 ? take / 64 : 1;
	return take;
}

static int
add(struct rel_log *l, const void *data, size_t len, long long keep)
{
	size_t take;

	if (!l || l->failed || start(l) < 0)
		return -1;
	if (l->full) {
		l->cut += len;
		return 0;
	}
	take = room_for(l, len, keep);
	if (l->failed)
		return -1;
	if (take < len) {
		l->full = 1;
		l->cut += len - take;
	}
	if (!take)
		return 0;
	l->z.next_in = (Bytef *)(uintptr_t)data;
	l->z.avail_in = (uInt)take;
	l->unflushed += take;
	l->dirty = 1;
	return pump(l, Z_NO_FLUSH);
}

int
rel_log_write(struct rel_log *l, const void *data, size_t len)
{
	return add(l, data, len, NOTE_ROOM);
}

int
rel_log_note(struct rel_log *l, const void *data, size_t len)
{
	int full;

	if (!l)
		return -1;
	/* The cap reached for the step's output is not reached for ours. */
	full = l->full;
	l->full = 0;
	add(l, data, len, END_ROOM);
	l->full = full || l->full;
	return l->failed ? -1 : 0;
}

int
rel_log_flush(struct rel_log *l)
{
	if (!l || !l->dirty || !l->started)
		return 0;
	l->dirty = 0;
	l->z.avail_in = 0;
	return pump(l, Z_SYNC_FLUSH);
}

int
rel_log_close(struct rel_log *l, struct rel_err *err)
{
	return rel_log_finish(l, NULL, err);
}

int
rel_log_finish(struct rel_log *l, struct rel_log_end *end,
    struct rel_err *err)
{
	int rc = 0;

	if (end)
		memset(end, 0, sizeof *end);
	if (!l)
		return 0;
	if (l->cut && !l->failed) {
		char line[160];
		int n = snprintf(line, sizeof line, "--- rel: the log reached "
		    "log_max (%lld bytes compressed): %llu bytes of output "
		    "left out ---\n", l->max, l->cut);

		/* Whatever room is left is the last line's. */
		l->full = 0;
		add(l, line, (size_t)n, 0);
	}
	if (end) {
		end->cut = l->cut;
		end->error = l->failed ? l->error : 0;
	}
	l->z.avail_in = 0;
	if (!l->started) {
		if (rel_write_all(l->fd, empty_gzip, sizeof empty_gzip, "log",
		    NULL) != 0)
			l->failed = 1;
	} else {
		if (pump(l, Z_FINISH) < 0)
			l->failed = 1;
		deflateEnd(&l->z);
	}
	if (l->failed) {
		if (end && !end->error)
			end->error = l->error ? l->error : EIO;
		rc = rel_err_set(err, REL_ESYS, "cannot write a step log: %s",
		    strerror(l->error ? l->error : EIO));
	}
	if (close(l->fd) < 0 && !rc)
		rc = rel_err_errno(err, "cannot write a step log");
	free(l);
	return rc;
}

int
rel_log_read(int dirfd, const char *name, const char *path, rel_log_fn fn,
    void *arg, struct rel_err *err)
{
	int whole;

	return rel_log_read_whole(dirfd, name, path, fn, arg, &whole, err);
}

int
rel_log_read_whole(int dirfd, const char *name, const char *path,
    rel_log_fn fn, void *arg, int *whole, struct rel_err *err)
{
	unsigned char in[16384], out[32768];
	z_stream z;
	int fd, rc = 0, zr = Z_OK, in_member = 0, any = 0;

	*whole = 0;
	if ((rc = rel_file_open_read(dirfd, name, path, &fd, err)) != 0)
		return rc;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 15 + 32) != Z_OK) {
		close(fd);
		return rel_err_set(err, REL_ESYS, "%s: cannot start zlib", path);
	}
	for (;;) {
		ssize_t n = read(fd, in, sizeof in);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = rel_err_errno(err, "cannot read %s", path);
			break;
		}
		if (n == 0)
			break; /* the end, or as far as it was written */
		z.next_in = in;
		z.avail_in = (uInt)n;
		any = 1;
		/* Until the input is used up and the output did not fill
		 * (inflate may hold more for a call with no input). */
		do {
			z.next_out = out;
			z.avail_out = sizeof out;
			if (z.avail_in)
				in_member = 1;
			zr = inflate(&z, Z_NO_FLUSH);
			if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
				rc = rel_err_set(err, REL_ESYS,
				    "%s: damaged gzip data", path);
				goto out;
			}
			if (sizeof out - z.avail_out &&
			    fn((const char *)out, sizeof out - z.avail_out,
			    arg) != 0) {
				rc = rel_err_set(err, REL_ESYS, "cannot write "
				    "out %s: %s", path, strerror(errno ? errno :
				    EIO));
				goto out;
			}
			if (zr == Z_STREAM_END) {
				inflateReset(&z); /* another member may follow */
				in_member = 0;
			} else if (zr == Z_BUF_ERROR) {
				break;
			}
		} while (z.avail_in > 0 || z.avail_out == 0);
	}
	*whole = rc == 0 && any && !in_member;
out:
	inflateEnd(&z);
	close(fd);
	return rc;
}
