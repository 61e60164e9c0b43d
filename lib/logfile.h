/*
 * logfile.h - step logs: the output of a step (stdout and stderr, as
 * written) kept gzip-compressed under the store, readable with rel-log or
 * zcat while the step still runs (the stream is flushed as it goes).
 *
 *   products/PRODUCT/logs/ID/ENV/STEP.ATTEMPT.log.gz          pre, post
 *   products/PRODUCT/logs/ID/ENV/STEP@COMPONENT.ATTEMPT.log.gz action, verify
 *
 * '@' cannot be in a name, so the file name says exactly whose log it is.
 *
 * A log is capped (rel_log_limit, log_max in STATE/config): past the cap
 * what the step prints is counted, not kept, and the log ends with a line
 * saying how much was left out.  A log that cannot be written (a full
 * disk) stops there; its gzip stream is then not whole, which a reader is
 * told (rel_log_read_whole), and the runner records it with the step.
 */
#ifndef REL_LOGFILE_H
#define REL_LOGFILE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "store.h"

struct rel_log;

/* The file name of a step's log (no directory). */
void rel_log_name(const char *step, const char *component, int attempt,
    char *out, size_t n);

/* Open (create) the log of a step of release id in env for writing, and
 * make its directories.  *path receives its full path. */
int rel_log_open(struct rel_product *p, const char *id, const char *env,
    const char *name, struct rel_log **out, char *path, size_t pathlen,
    struct rel_err *err);
/* Keep at most max bytes of compressed log (0: no cap). */
void rel_log_limit(struct rel_log *l, long long max);
/* Add what the step printed.  0, or -1 once the log cannot be written. */
int rel_log_write(struct rel_log *l, const void *data, size_t len);
/* Add a line of rel's own ("rel: timed out"): it may use the room kept
 * for the end of a capped log, so that it is seen. */
int rel_log_note(struct rel_log *l, const void *data, size_t len);
/* Make what was written readable (a gzip sync flush). */
int rel_log_flush(struct rel_log *l);

/* How a log ended. */
struct rel_log_end {
	unsigned long long cut;  /* bytes of output left out past the cap */
	int error;               /* errno of the write that failed, 0: none */
};
/* Finish the stream (with the line of what was cut, if anything was) and
 * close; end (may be NULL) says how it went.  0 or REL_ESYS. */
int rel_log_finish(struct rel_log *l, struct rel_log_end *end,
    struct rel_err *err);
int rel_log_close(struct rel_log *l, struct rel_err *err);

/* Open the directory logs/ID/ENV of a product (REL_ENOTFOUND if none). */
int rel_log_dir(struct rel_product *p, const char *id, const char *env,
    int *fd, struct rel_err *err);

/* Decompress the log `name` in dirfd and call fn with its bytes, in
 * chunks.  A log still being written ends where its last flush ended.
 * fn returns nonzero (errno set) when it cannot take them: REL_ESYS. */
typedef int (*rel_log_fn)(const char *data, size_t len, void *arg);
int rel_log_read(int dirfd, const char *name, const char *path,
    rel_log_fn fn, void *arg, struct rel_err *err);
/* The same; *whole is 1 when the file ends where a gzip member ends (a
 * log that was finished), 0 when it stops inside one (still being
 * written, or cut short). */
int rel_log_read_whole(int dirfd, const char *name, const char *path,
    rel_log_fn fn, void *arg, int *whole, struct rel_err *err);

#endif
