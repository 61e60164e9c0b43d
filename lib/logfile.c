/*
 * logfile.c - gzip step logs with zlib.
 *
 * Writing uses deflate directly on an fd opened without following links,
 * rather than gzopen() on a path; reading inflates concatenated members
 * and stops quietly at the end of a stream that is still being written.
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
	int failed;
	unsigned char out[16384];
};

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
		if (have && !l->failed &&
		    rel_write_all(l->fd, l->out, have, "log", NULL) != 0)
			l->failed = 1;
	} while (l->z.avail_out == 0);
	return l->failed ? -1 : 0;
}

int
rel_log_write(struct rel_log *l, const void *data, size_t len)
{
	if (!l || start(l) < 0)
		return -1;
	l->z.next_in = (Bytef *)(uintptr_t)data;
	l->z.avail_in = (uInt)len;
	l->dirty = 1;
	return pump(l, Z_NO_FLUSH);
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
	int rc = 0;

	if (!l)
		return 0;
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
	if (l->failed)
		rc = rel_err_set(err, REL_ESYS, "cannot write a step log");
	if (close(l->fd) < 0 && !rc)
		rc = rel_err_errno(err, "cannot write a step log");
	free(l);
	return rc;
}

int
rel_log_read(int dirfd, const char *name, const char *path, rel_log_fn fn,
    void *arg, struct rel_err *err)
{
	unsigned char in[16384], out[32768];
	z_stream z;
	int fd, rc = 0, zr = Z_OK;

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
		while (z.avail_in > 0) {
			z.next_out = out;
			z.avail_out = sizeof out;
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
			if (zr == Z_STREAM_END)
				inflateReset(&z); /* another member may follow */
			else if (zr == Z_BUF_ERROR)
				break;
		}
	}
out:
	inflateEnd(&z);
	close(fd);
	return rc;
}
