/*
 * io.h - file operations on the store, relative to directory fds.
 *
 * Everything is openat()-relative to a directory fd and refuses to follow
 * symbolic links (O_NOFOLLOW, and O_DIRECTORY for directories), so a link
 * planted in the store is an error, never a way out of it.  Files that are
 * read must be regular files: a FIFO or a directory where a record should
 * be is an error, not a hang.  Whole-file writes are atomic and durable:
 * temporary file, write, fsync, rename (or link, to refuse replacing),
 * fsync of the directory.  Modes follow the umask, minus write for others.
 */
#ifndef REL_IO_H
#define REL_IO_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"

#define REL_FILE_MODE 0664
#define REL_DIR_MODE 0775

/* Open (and with create, make) the directory `name` under dirfd.
 * `path` is its full path for messages. */
int rel_dir_open(int dirfd, const char *name, int create, const char *path,
    int *out, struct rel_err *err);

/* Open directory `rel` (a/b/c, no "..") under dirfd, one component at a
 * time without following links, making missing ones with create. */
int rel_dir_open_path(int dirfd, const char *rel, int create,
    const char *path, int *out, struct rel_err *err);

/* Open a regular file for reading (O_NOFOLLOW, never blocking on a FIFO).
 * REL_ENOTFOUND if it does not exist. */
int rel_file_open_read(int dirfd, const char *name, const char *path,
    int *out, struct rel_err *err);

/* The same for appending: O_RDWR. */
int rel_file_open_rw(int dirfd, const char *name, const char *path,
    int *out, struct rel_err *err);

/* Open a file a person named (a flow, say) for reading: links are
 * followed, but it must be a regular file, and a FIFO never blocks. */
int rel_file_open_user(const char *path, int *out, struct rel_err *err);

/* Read the regular file `name` whole into out (appending).  Refuses files
 * larger than max bytes. */
int rel_file_read(int dirfd, const char *name, const char *path, size_t max,
    struct rel_buf *out, struct rel_err *err);

/* Read all of fd (a regular file) into out (appending), at most max. */
int rel_fd_read_all(int fd, const char *path, size_t max,
    struct rel_buf *out, struct rel_err *err);

/* Write all of buf to fd, retrying short writes and EINTR. */
int rel_write_all(int fd, const void *buf, size_t len, const char *path,
    struct rel_err *err);

/* Atomically make `name` hold data[0..len): temp file, fsync, rename,
 * fsync dirfd.  With excl, fail with EEXIST (REL_EUSAGE is not used:
 * *exists is set to 1 and 0 returned) if name already exists. */
int rel_file_write_atomic(int dirfd, const char *name, const void *data,
    size_t len, int excl, int *exists, const char *path,
    struct rel_err *err);

/* The two halves of an exclusive atomic write, for when the name is
 * only known later: write data[0..len) to a new temporary file in dirfd
 * and fsync it (its name into tmp, at least 64 bytes); then link it to
 * `name` (*exists = 1 if taken, and nothing done), remove the temporary
 * name, and fsync dirfd.  rel_file_temp_drop removes a temporary file. */
int rel_file_temp(int dirfd, const void *data, size_t len, char *tmp,
    const char *path, struct rel_err *err);
int rel_file_temp_link(int dirfd, const char *tmp, const char *name,
    int *exists, const char *path, struct rel_err *err);
void rel_file_temp_drop(int dirfd, const char *tmp);

/* fsync a directory fd. */
int rel_dir_sync(int dirfd, const char *path, struct rel_err *err);

#endif
