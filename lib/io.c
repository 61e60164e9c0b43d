/*
 * io.c - careful file operations: no link following, no blocking on
 * FIFOs, atomic durable replacement.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "when.h"

static int
type_error(struct rel_err *err, const char *path, mode_t mode,
    const char *want)
{
	const char *what = S_ISDIR(mode) ? "a directory" :
	    S_ISFIFO(mode) ? "a FIFO" : S_ISLNK(mode) ? "a symbolic link" :
	    S_ISSOCK(mode) ? "a socket" : S_ISREG(mode) ? "a regular file" :
	    "a special file";

	return rel_err_set(err, REL_ESYS, "%s: is %s, not %s", path, what, want);
}

int
rel_dir_open(int dirfd, const char *name, int create, const char *path,
    int *out, struct rel_err *err)
{
	int fd;

	for (;;) {
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd >= 0) {
			*out = fd;
			return 0;
		}
		if (errno == ENOENT && create) {
			if (mkdirat(dirfd, name, REL_DIR_MODE) == 0) {
				/* The new name must survive a crash too. */
				if (fsync(dirfd) < 0 && errno != EINVAL)
					return rel_err_errno(err,
					    "cannot sync the parent of %s", path);
				continue;
			}
			if (errno == EEXIST)
				continue; /* lost a harmless race */
			return rel_err_errno(err, "cannot make directory %s", path);
		}
		if (errno == ENOTDIR || errno == ELOOP) {
			struct stat st;

			if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
				return type_error(err, path, st.st_mode,
				    "a directory");
		}
		return rel_err_errno(err, "cannot open directory %s", path);
	}
}

int
rel_dir_open_path(int dirfd, const char *rel, int create, const char *path,
    int *out, struct rel_err *err)
{
	char comp[256];
	const char *p = rel, *slash;
	int fd = dirfd, next, rc;

	while (*p) {
		size_t n;

		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || n >= sizeof comp ||
		    (n == 1 && p[0] == '.') || (n == 2 && !strncmp(p, "..", 2))) {
			if (fd != dirfd)
				close(fd);
			return rel_err_set(err, REL_EUSAGE,
			    "%s: bad path component", path);
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		rc = rel_dir_open(fd, comp, create, path, &next, err);
		if (fd != dirfd)
			close(fd);
		if (rc)
			return rc;
		fd = next;
		p = slash ? slash + 1 : p + n;
	}
	if (fd == dirfd) {
		fd = dup(dirfd);
		if (fd < 0)
			return rel_err_errno(err, "%s", path);
	}
	*out = fd;
	return 0;
}

static int
open_regular(int dirfd, const char *name, const char *path, int flags,
    int *out, struct rel_err *err)
{
	struct stat st;
	int fd;

	fd = openat(dirfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if ((errno == ELOOP || errno == EISDIR) &&
		    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return type_error(err, path, st.st_mode, "a regular file");
		return rel_err_errno(err, "cannot open %s", path);
	}
	if (fstat(fd, &st) < 0) {
		rel_err_errno(err, "cannot stat %s", path);
		close(fd);
		return err ? err->code : REL_ESYS;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return type_error(err, path, st.st_mode, "a regular file");
	}
	/* Back to blocking reads: O_NONBLOCK only kept open() off FIFOs. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	*out = fd;
	return 0;
}

int
rel_file_open_read(int dirfd, const char *name, const char *path, int *out,
    struct rel_err *err)
{
	return open_regular(dirfd, name, path, O_RDONLY, out, err);
}

int
rel_file_open_rw(int dirfd, const char *name, const char *path, int *out,
    struct rel_err *err)
{
	return open_regular(dirfd, name, path, O_RDWR, out, err);
}

int
rel_file_open_user(const char *path, int *out, struct rel_err *err)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return rel_err_errno(err, "cannot open %s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int rc = fstat(fd, &st) < 0 ?
		    rel_err_errno(err, "cannot stat %s", path) :
		    type_error(err, path, st.st_mode, "a regular file");

		close(fd);
		/* A person named what is no file to read: bad input, exit 2.
		 * The code in err is what a command exits with. */
		if (rc == REL_ESYS) {
			rc = REL_EUSAGE;
			if (err)
				err->code = rc;
		}
		return rc;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	*out = fd;
	return 0;
}

int
rel_fd_read_all(int fd, const char *path, size_t max, struct rel_buf *out,
    struct rel_err *err)
{
	struct stat st;
	size_t start = out->len;

	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		if ((unsigned long long)st.st_size > max)
			return rel_err_set(err, REL_ESYS,
			    "%s: too large (%lld bytes, at most %zu)", path,
			    (long long)st.st_size, max);
		if (rel_buf_grow(out, (size_t)st.st_size + 1) < 0)
			return rel_err_set(err, REL_ESYS, "%s: out of memory",
			    path);
	}
	for (;;) {
		ssize_t n;

		if (rel_buf_grow(out, 4096) < 0)
			return rel_err_set(err, REL_ESYS, "%s: out of memory",
			    path);
		n = read(fd, out->s + out->len, out->cap - out->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return rel_err_errno(err, "cannot read %s", path);
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->s[out->len] = '\0';
		if (out->len - start > max)
			return rel_err_set(err, REL_ESYS,
			    "%s: too large (more than %zu bytes)", path, max);
	}
	return 0;
}

int
rel_file_read(int dirfd, const char *name, const char *path, size_t max,
    struct rel_buf *out, struct rel_err *err)
{
	int fd = -1, rc;

	if ((rc = rel_file_open_read(dirfd, name, path, &fd, err)) != 0)
		return rc;
	rc = rel_fd_read_all(fd, path, max, out, err);
	close(fd);
	return rc;
}

int
rel_write_all(int fd, const void *buf, size_t len, const char *path,
    struct rel_err *err)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return rel_err_errno(err, "cannot write %s", path);
		}
		if (n == 0) {
			errno = ENOSPC;
			return rel_err_errno(err, "cannot write %s", path);
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
rel_dir_sync(int dirfd, const char *path, struct rel_err *err)
{
	if (fsync(dirfd) < 0 && errno != EINVAL)
		return rel_err_errno(err, "cannot sync directory of %s", path);
	return 0;
}

int
rel_file_write_atomic(int dirfd, const char *name, const void *data,
    size_t len, int excl, int *exists, const char *path, struct rel_err *err)
{
	char tmp[128];
	int fd, rc;

	if (exists)
		*exists = 0;
	snprintf(tmp, sizeof tmp, ".tmp.%ld.%lld", (long)getpid(),
	    (long long)rel_monotonic_ms());
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, REL_FILE_MODE);
	if (fd < 0)
		return rel_err_errno(err, "cannot create a temporary file for %s",
		    path);
	rc = rel_write_all(fd, data, len, path, err);
	if (rc == 0 && fsync(fd) < 0)
		rc = rel_err_errno(err, "cannot sync %s", path);
	if (close(fd) < 0 && rc == 0)
		rc = rel_err_errno(err, "cannot write %s", path);
	if (rc == 0) {
		if (excl) {
			/* link() refuses to replace: the file system decides
			 * who made `name` first. */
			if (linkat(dirfd, tmp, dirfd, name, 0) < 0) {
				if (errno == EEXIST && exists)
					*exists = 1;
				else
					rc = rel_err_errno(err, "cannot create %s",
					    path);
			}
		} else if (renameat(dirfd, tmp, dirfd, name) < 0) {
			rc = rel_err_errno(err, "cannot replace %s", path);
		}
	}
	if (rc != 0 || excl)
		unlinkat(dirfd, tmp, 0);
	if (rc == 0 && !(exists && *exists))
		rc = rel_dir_sync(dirfd, path, err);
	return rc;
}

int
rel_file_temp(int dirfd, const void *data, size_t len, char *tmp,
    const char *path, struct rel_err *err)
{
	int fd, rc;

	snprintf(tmp, 64, ".tmp.%ld.%lld", (long)getpid(),
	    (long long)rel_monotonic_ms());
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, REL_FILE_MODE);
	if (fd < 0)
		return rel_err_errno(err, "cannot create a temporary file for %s",
		    path);
	rc = rel_write_all(fd, data, len, path, err);
	if (rc == 0 && fsync(fd) < 0)
		rc = rel_err_errno(err, "cannot sync %s", path);
	if (close(fd) < 0 && rc == 0)
		rc = rel_err_errno(err, "cannot write %s", path);
	if (rc)
		unlinkat(dirfd, tmp, 0);
	return rc;
}

int
rel_file_temp_link(int dirfd, const char *tmp, const char *name, int *exists,
    const char *path, struct rel_err *err)
{
	*exists = 0;
	if (linkat(dirfd, tmp, dirfd, name, 0) < 0) {
		if (errno == EEXIST) {
			*exists = 1;
			return 0;
		}
		return rel_err_errno(err, "cannot create %s", path);
	}
	unlinkat(dirfd, tmp, 0);
	return rel_dir_sync(dirfd, path, err);
}

void
rel_file_temp_drop(int dirfd, const char *tmp)
{
	unlinkat(dirfd, tmp, 0);
}
