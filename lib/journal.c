/*
 * journal.c - checksummed append-only line files.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "io.h"
#include "journal.h"

static const char hexdig[] = "0123456789abcdef";

void
rel_journal_line(struct rel_buf *out, const char *const *fields, size_t n)
{
	size_t start = out->len;
	unsigned long crc;
	char tail[10];

	for (size_t i = 0; i < n; i++) {
		if (i)
			rel_buf_addc(out, '\t');
		rel_buf_add_tsv(out, fields[i] ? fields[i] : "");
	}
	if (out->oom)
		return;
	crc = crc32(0L, (const Bytef *)out->s + start,
	    (uInt)(out->len - start));
	tail[0] = '\t';
	for (int i = 0; i < 8; i++)
		tail[1 + i] = hexdig[(crc >> (28 - 4 * i)) & 15];
	tail[9] = '\n';
	rel_buf_add(out, tail, sizeof tail);
}

int
rel_journal_parse_line(char *line, size_t len, struct rel_jline *out)
{
	unsigned long want = 0, crc;
	char *p, *end;

	if (len < 10 || line[len - 9] != '\t')
		return -1;
	for (size_t i = len - 8; i < len; i++) {
		const char *h = strchr(hexdig, line[i]);

		if (!h || !*h)
			return -1;
		want = want << 4 | (unsigned long)(h - hexdig);
	}
	crc = crc32(0L, (const Bytef *)line, (uInt)(len - 9));
	if (crc != want)
		return -1;
	line[len - 9] = '\0';
	out->n = 0;
	p = line;
	end = line + len - 9;
	for (;;) {
		char *tab = memchr(p, '\t', (size_t)(end - p));

		if (out->n == REL_JOURNAL_FIELDS)
			return -1;
		out->f[out->n++] = p;
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	for (size_t i = 0; i < out->n; i++)
		if (rel_unescape_tsv(out->f[i]) < 0)
			return -1;
	/* The fields a line does not have read as empty, never as what an
	 * earlier line left in *out (end is the NUL that ends the last). */
	for (size_t i = out->n; i < REL_JOURNAL_FIELDS; i++)
		out->f[i] = end;
	return 0;
}

int
rel_journal_scan(char *buf, size_t len, rel_journal_fn fn, void *arg,
    size_t *bad, int *torn)
{
	size_t off = 0, lineno = 0;
	struct rel_jline jl;

	if (bad)
		*bad = 0;
	if (torn)
		*torn = 0;
	while (off < len) {
		char *nl = memchr(buf + off, '\n', len - off);
		size_t n;
		int rc;

		lineno++;
		if (!nl) {
			if (torn)
				*torn = 1;
			break;
		}
		n = (size_t)(nl - (buf + off));
		*nl = '\0';
		if (rel_journal_parse_line(buf + off, n, &jl) < 0) {
			if (bad)
				(*bad)++;
		} else {
			jl.lineno = lineno;
			if ((rc = fn(&jl, arg)) != 0)
				return rc;
		}
		off += n + 1;
	}
	return 0;
}

/* Cut a torn last line off: keep everything up to the last newline. */
static int
cut_torn_tail(int fd, off_t size, off_t *newsize, const char *path,
    struct rel_err *err)
{
	char buf[4096];
	off_t end = size;

	*newsize = size;
	if (size == 0)
		return 0;
	while (end > 0) {
		size_t n = end < (off_t)sizeof buf ? (size_t)end : sizeof buf;
		ssize_t got = pread(fd, buf, n, end - (off_t)n);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return rel_err_errno(err, "cannot read %s", path);
		}
		if ((size_t)got != n)
			return rel_err_set(err, REL_ESYS,
			    "%s: shrank while locked", path);
		for (size_t i = n; i > 0; i--) {
			if (buf[i - 1] == '\n') {
				end = end - (off_t)n + (off_t)i;
				goto found;
			}
		}
		if (end == size && buf[n - 1] == '\n')
			return 0;
		end -= (off_t)n;
	}
found:
	if (end == size)
		return 0;
	if (ftruncate(fd, end) < 0)
		return rel_err_errno(err, "cannot cut the torn end of %s", path);
	*newsize = end;
	return 0;
}

int
rel_journal_append(int fd, const char *data, size_t len, int sync,
    const char *path, struct rel_err *err)
{
	struct stat st;
	off_t size;
	char last;
	int rc;

	if (fstat(fd, &st) < 0)
		return rel_err_errno(err, "cannot stat %s", path);
	size = st.st_size;
	if (size > 0) {
		ssize_t got = pread(fd, &last, 1, size - 1);

		if (got != 1)
			return rel_err_errno(err, "cannot read %s", path);
		if (last != '\n' &&
		    (rc = cut_torn_tail(fd, size, &size, path, err)) != 0)
			return rc;
	}
	if (lseek(fd, size, SEEK_SET) < 0)
		return rel_err_errno(err, "cannot seek in %s", path);
	if ((rc = rel_write_all(fd, data, len, path, err)) != 0) {
		/* Leave no partial line for readers to trip on. */
		if (ftruncate(fd, size) < 0) {
			/* the torn tail is cut by the next writer */
		}
		return rc;
	}
	if (sync && fdatasync(fd) < 0) {
		rc = rel_err_errno(err, "cannot sync %s", path);
		/* Not on disk, so not done: take the lines back, or readers
		 * would see a change the command reported as failed. */
		if (ftruncate(fd, size) < 0) {
			/* the next writer's tail check cannot see it: best
			 * effort, as the kernel may drop the pages anyway */
		}
		return rc;
	}
	return 0;
}
