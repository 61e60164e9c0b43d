/*
 * unit.h - small helpers shared by the unit tests: a scratch directory
 * per test under /tmp, removed whole afterwards, and whole-file reads and
 * writes.  Functions are static inline so that a test that does not use
 * one does not warn.  Include after <cmocka.h>.
 */
#ifndef REL_UNIT_H
#define REL_UNIT_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

#define UNIT_DIR_TEMPLATE "/tmp/rel-unit-XXXXXX"
#define UNIT_DIR_MAX 64     /* a scratch directory's path */
#define UNIT_PATH_MAX 512   /* a path under it */

/* Remove name under the directory at, recursively, without following links. */
static inline int
unit_rm_at(int at, const char *name)
{
	struct stat sb;
	struct dirent *de;
	DIR *d;
	int fd, rc = 0;

	if (fstatat(at, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(sb.st_mode))
		return unlinkat(at, name, 0);
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    unit_rm_at(dirfd(d), de->d_name) < 0)
			rc = -1;
	closedir(d);
	if (unlinkat(at, name, AT_REMOVEDIR) < 0)
		rc = -1;
	return rc;
}

/* rm -rf path (absolute). */
static inline int
unit_rm_rf(const char *path)
{
	return unit_rm_at(AT_FDCWD, path);
}

/* Make a scratch directory: dir receives its path. */
static inline int
unit_mkdtemp(char dir[UNIT_DIR_MAX])
{
	snprintf(dir, UNIT_DIR_MAX, "%s", UNIT_DIR_TEMPLATE);
	return mkdtemp(dir) ? 0 : -1;
}

/* Write data[0..len) to path (created or truncated). */
static inline void
unit_write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* Read path whole into out (appending). */
static inline void
unit_read_file(const char *path, struct rel_buf *out)
{
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		rel_buf_add(out, chunk, (size_t)n);
	assert_int_equal(n, 0);
	assert_int_equal(close(fd), 0);
	assert_false(out->oom);
}

/* Join dir and a relative path into out. */
static inline const char *
unit_path(char out[UNIT_PATH_MAX], const char *dir, const char *rel)
{
	int w = snprintf(out, UNIT_PATH_MAX, "%s/%s", dir, rel);

	assert_true(w > 0 && w < UNIT_PATH_MAX);
	return out;
}

#endif
