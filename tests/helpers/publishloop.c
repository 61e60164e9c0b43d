/*
 * publishloop - the publish primitive under contention, for sync.bats.
 *
 *   publishloop STATE URL PRODUCT TAG COUNT
 *
 * Publishes COUNT changes of PRODUCT through URL, each one line "TAG i"
 * appended to envs/load, as a changing command will: under the product
 * lock, with the local files at the tip, rel_sync_publish; refused means
 * the remote moved (its commits are written out here by then): build the
 * line again on the new state and publish again.  Accepted: append the
 * line locally and settle.  Prints "TAG i" for each accepted change; the
 * test checks every printed line is on the remote exactly once.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "journal.h"
#include "store.h"
#include "sync.h"

static int
fail(const char *msg)
{
	fprintf(stderr, "publishloop: %s\n", msg);
	return 5;
}

static int
append_local(struct rel_product *p, const char *line, size_t len,
    struct rel_err *err)
{
	char path[4400];
	int dir, fd, rc, exists;

	rel_product_path(p, "envs", path, sizeof path);
	if ((rc = rel_dir_open(p->dir, "envs", 1, path, &dir, err)) != 0)
		return rc;
	strncat(path, "/load", sizeof path - strlen(path) - 1);
	rc = rel_file_open_rw(dir, "load", path, &fd, err);
	if (rc == REL_ENOTFOUND) {
		rel_err_clear(err);
		rc = rel_file_write_atomic(dir, "load", line, len, 1, &exists,
		    path, err);
		close(dir);
		return rc;
	}
	close(dir);
	if (rc)
		return rc;
	rc = rel_journal_append(fd, line, len, 1, path, err);
	close(fd);
	return rc;
}

int
main(int argc, char **argv)
{
	struct rel_store st;
	struct rel_sync *s;
	struct rel_err err;
	struct rel_product p;
	long count;
	int refused = 0;

	if (argc != 6 || (count = atol(argv[5])) <= 0)
		return fail("usage: publishloop STATE URL PRODUCT TAG COUNT");
	if (rel_store_open(&st, argv[1], 1, "publishloop", &err) ||
	    rel_sync_open(&s, &st, argv[2], &err) ||
	    rel_product_open(&st, argv[3], 1, &p, &err))
		return fail(err.msg);
	st.wait_ms = 60000;
	for (long i = 1; i <= count; i++) {
		char line[256];
		struct rel_change ch;
		int accepted = 0;

		snprintf(line, sizeof line, "%s %ld\n", argv[4], i);
		ch.path = "envs/load";
		ch.data = line;
		ch.len = strlen(line);
		ch.append = 1;
		while (!accepted) {
			if (rel_product_lock(&p, &err) ||
			    rel_sync_publish(s, &p, &ch, 1, argv[4], line,
			    &accepted, &err) ||
			    (accepted && (append_local(&p, line, ch.len, &err) ||
			    rel_sync_settle(s, &p, &err)))) {
				rel_product_unlock(&p);
				return fail(err.msg);
			}
			rel_product_unlock(&p);
			refused += !accepted;
		}
		printf("%s", line);
		fflush(stdout);
	}
	fprintf(stderr, "publishloop: %s: %d refusals\n", argv[4], refused);
	rel_product_close(&p);
	rel_sync_close(s);
	rel_store_close(&st);
	return 0;
}
