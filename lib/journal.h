/*
 * journal.h - append-only files of checksummed TSV lines.
 *
 * Release records and environment histories are journals: each line is a
 * tab-separated list of escaped fields (see rel_buf_add_tsv) ending with a
 * field of 8 hex digits, the CRC-32 of everything before the tab that
 * precedes it.  A line is only ever added at the end, with one write(),
 * under the product lock.  A reader takes the lines whose checksum holds
 * and ignores a last line with no newline (a write in progress, or torn by
 * a crash); the next writer cuts such a torn tail off before it appends.
 */
#ifndef REL_JOURNAL_H
#define REL_JOURNAL_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define REL_JOURNAL_FIELDS 16  /* fields per line, at most */
#define REL_JOURNAL_LINE_MAX 16384
#define REL_JOURNAL_FILE_MAX (64L * 1024 * 1024)

/* Add one line made of fields[0..n) to out. */
void rel_journal_line(struct rel_buf *out, const char *const *fields,
    size_t n);

struct rel_jline {
	size_t n;
	char *f[REL_JOURNAL_FIELDS]; /* unescaped, pointing into the buffer;
	                                f[n] and after are "" */
	size_t lineno;               /* 1-based */
};

/* Split one line (without its newline; modified in place) into fields,
 * checking the checksum.  0, or -1 if the line is damaged. */
int rel_journal_parse_line(char *line, size_t len, struct rel_jline *out);

/* Iterate over the good lines of buf[0..len) (modified in place).
 * Returns 0 or what fn returned (non-zero stops).  *bad counts damaged
 * lines (not the torn tail); *torn is 1 if the last line had no newline. */
typedef int (*rel_journal_fn)(struct rel_jline *line, void *arg);
int rel_journal_scan(char *buf, size_t len, rel_journal_fn fn, void *arg,
    size_t *bad, int *torn);

/* Append the complete lines in data[0..len) to the journal open on fd
 * (O_RDWR, no O_APPEND needed), first cutting off a torn tail; on a failed
 * write the file is cut back so that no partial line stays.  With sync the
 * data is on disk (fdatasync) when this returns 0. */
int rel_journal_append(int fd, const char *data, size_t len, int sync,
    const char *path, struct rel_err *err);

#endif
