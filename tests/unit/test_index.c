/*
 * test_index.c - the derived summary index (lib/index.c): listings come
 * newest first, limited and filtered by status; a slot that is dirty or
 * damaged is never believed (the record is read instead); the whole index
 * can be lost and rebuilt from the records.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <setjmp.h>
#include <cmocka.h>

#include "index.h"
#include "journal.h"
#include "sha256.h"
#include "record.h"
#include "store.h"
#include "unit.h"
#include "unit_store.h"

#define T0 (INT64_C(1795300751) * 1000)
#define NREL 6

static const char flow_yaml[] =
    "components: [api, ui]\n"
    "environments:\n"
    "  - name: dev\n"
    "    action: ./deploy.sh\n"
    "  - name: qa\n"
    "    trigger: manual\n"
    "    action: ./deploy.sh\n";

struct fixture {
	struct unit_store s;           /* first: unit_store_teardown */
	char index[UNIT_PATH_MAX];     /* root/cache/web/index */
	const char *by;                /* who makes the next release */
	int made;                      /* releases made: their times */
};

static void
build(struct rel_buf *out, void *arg)
{
	static const char *const versions[] = { "1.0", "2.0" };
	struct fixture *fx = arg;
	struct rel_new_release nr = {
		.product = "web",
		.created = T0 + (int64_t)++fx->made * 1000, .by = fx->by,
		.flow_hash = fx->s.hash, .flow_source = "web.yaml",
		.versions = versions, .message = "",
	};

	rel_release_header(out, &nr, fx->s.flow);
}

static unsigned long
create(struct fixture *fx)
{
	struct rel_err err = { 0, "" };
	unsigned long n = 0;

	if (rel_release_create(&fx->s.p, build, fx, &n, &err) != 0)
		fail_msg("create: %s", err.msg);
	return n;
}

struct change {
	const char *object, *from, *to;
};

static int
change_fn(struct rel_release *r, struct rel_buf *lines, void *arg,
    struct rel_err *err)
{
	const struct change *c = arg;

	(void)err;
	rel_tr_line(lines, T0 + 100000, "ann", c->object, c->from, c->to,
	    r->attempt + 1, "", "");
	return 0;
}

static void
change(struct fixture *fx, unsigned long n, const char *object,
    const char *from, const char *to)
{
	struct change c = { object, from, to };
	struct rel_err err = { 0, "" };

	if (rel_release_update(&fx->s.p, n, change_fn, &c, 0, NULL, &err) != 0)
		fail_msg("update: %s", err.msg);
}

/* Append a transition to record n without the store knowing: the index
 * is then stale for n. */
static void
change_behind(struct fixture *fx, unsigned long n, const char *object,
    const char *from, const char *to)
{
	struct rel_buf line = REL_BUF_INIT;
	struct rel_err err = { 0, "" };
	char name[64], path[UNIT_PATH_MAX];
	int fd;

	snprintf(name, sizeof name, "products/web/releases/web-%lu", n);
	unit_path(path, fx->s.root, name);
	rel_tr_line(&line, T0 + 200000, "ghost", object, from, to, 1, "", "");
	fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(rel_journal_append(fd, line.s, line.len, 0, path,
	    &err), 0);
	close(fd);
	rel_buf_free(&line);
}

/* Releases 1..6: pending, running, pending, failed, suspended, pending. */
static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);

	if (!fx)
		return -1;
	*state = fx;
	if (unit_store_open(&fx->s, "state", "test_index", flow_yaml) < 0)
		return -1;
	snprintf(fx->index, sizeof fx->index, "%s/cache/web/index", fx->s.root);
	fx->by = "tester";
	for (int i = 0; i < NREL; i++)
		create(fx);
	change(fx, 2, "dev", "pending", "running");
	change(fx, 4, "dev", "pending", "failed");
	change(fx, 5, "qa", "pending", "suspended");
	return 0;
}

static void
reopen(struct fixture *fx)
{
	struct rel_err err = { 0, "" };

	rel_product_close(&fx->s.p);
	assert_int_equal(rel_product_open(&fx->s.st, "web", 0, &fx->s.p, &err),
	    0);
}

struct listed {
	unsigned long n[16];
	int64_t created[16];
	char line[16][512];
	size_t count;
	int stop_after;   /* return `stop` after this many calls, 0: never */
	int stop;
};

static int
list_fn(const struct rel_product *p, unsigned long n, int64_t created,
    const char *line, size_t len, void *arg)
{
	struct listed *l = arg;

	(void)p;
	assert_true(l->count < 16);
	assert_true(len < sizeof l->line[0]);
	l->n[l->count] = n;
	l->created[l->count] = created;
	memcpy(l->line[l->count], line, len);
	l->line[l->count][len] = '\0';
	l->count++;
	return (int)l->count == l->stop_after ? l->stop : 0;
}

static struct listed *
list(struct fixture *fx, size_t limit, const int *want, struct listed *l)
{
	struct rel_err err = { 0, "" };

	memset(l, 0, sizeof *l);
	if (rel_release_list(&fx->s.p, limit, want, list_fn, l, &err) != 0)
		fail_msg("list: %s", err.msg);
	return l;
}

/* The third field of a summary line. */
static const char *
status_of(const char *line, char *buf, size_t n)
{
	const char *f = strchr(strchr(line, '\t') + 1, '\t') + 1;

	snprintf(buf, n, "%.*s", (int)strcspn(f, "\t"), f);
	return buf;
}

/* The summary of release n, made from its record. */
static void
summary(struct fixture *fx, unsigned long n, struct rel_buf *out)
{
	struct rel_release *r = NULL;
	struct rel_err err = { 0, "" };

	assert_int_equal(rel_release_load(&fx->s.p, n, &r, &err), 0);
	rel_buf_reset(out);
	rel_release_summary(r, out);
	rel_release_free(r);
}

static void
check_all(struct fixture *fx, const struct listed *l)
{
	static const char *const want[NREL + 1] = { "", "pending", "running",
	    "pending", "failed", "suspended", "pending" };
	struct rel_buf s = REL_BUF_INIT;
	char st[32];

	assert_int_equal(l->count, NREL);
	for (size_t i = 0; i < NREL; i++) {
		unsigned long n = NREL - i;

		assert_int_equal(l->n[i], n);
		assert_int_equal(l->created[i], T0 + (int64_t)n * 1000);
		assert_string_equal(status_of(l->line[i], st, sizeof st),
		    want[n]);
		summary(fx, n, &s);
		assert_string_equal(l->line[i], s.s);
	}
	rel_buf_free(&s);
}

static void
test_list_newest_first(void **state)
{
	struct fixture *fx = *state;
	struct listed l;

	check_all(fx, list(fx, 0, NULL, &l));
	assert_string_equal(l.line[4], "web-2\tweb\trunning\t"
	    "2026-11-21T22:39:13Z\ttester\tno\tdev=running,qa=pending");
}

static void
test_list_limit(void **state)
{
	struct fixture *fx = *state;
	struct listed l;

	list(fx, 3, NULL, &l);
	assert_int_equal(l.count, 3);
	assert_int_equal(l.n[0], 6);
	assert_int_equal(l.n[2], 4);
	list(fx, 1, NULL, &l);
	assert_int_equal(l.count, 1);
	assert_int_equal(l.n[0], 6);
	list(fx, 100, NULL, &l);
	assert_int_equal(l.count, NREL);
}

static void
test_list_status_filter(void **state)
{
	static const int failed[] = { REL_FAILED, -1 };
	static const int pending[] = { REL_PENDING, -1 };
	static const int busy[] = { REL_RUNNING, REL_SUSPENDED, -1 };
	static const int done[] = { REL_SUCCEEDED, -1 };
	static const int none[] = { -1 };
	struct fixture *fx = *state;
	struct listed l;

	list(fx, 0, failed, &l);
	assert_int_equal(l.count, 1);
	assert_int_equal(l.n[0], 4);
	/* The limit counts what passes the filter. */
	list(fx, 2, pending, &l);
	assert_int_equal(l.count, 2);
	assert_int_equal(l.n[0], 6);
	assert_int_equal(l.n[1], 3);
	list(fx, 0, busy, &l);
	assert_int_equal(l.count, 2);
	assert_int_equal(l.n[0], 5);
	assert_int_equal(l.n[1], 2);
	list(fx, 0, done, &l);
	assert_int_equal(l.count, 0);
	list(fx, 0, none, &l);
	assert_int_equal(l.count, 0);
}

static void
test_list_stops_when_told(void **state)
{
	struct fixture *fx = *state;
	struct listed l;
	struct rel_err err = { 0, "" };

	/* 1: enough, stop there. */
	memset(&l, 0, sizeof l);
	l.stop_after = 2;
	l.stop = 1;
	assert_int_equal(rel_release_list(&fx->s.p, 0, NULL, list_fn, &l, &err),
	    0);
	assert_int_equal(l.count, 2);
	/* -1: the callback ran out of memory. */
	memset(&l, 0, sizeof l);
	l.stop_after = 3;
	l.stop = -1;
	assert_int_equal(rel_release_list(&fx->s.p, 0, NULL, list_fn, &l, &err),
	    REL_ESYS);
	assert_int_equal(l.count, 3);
	assert_string_equal(err.msg, "out of memory");
}

/* Read slot n of the index file. */
static void
slot(struct fixture *fx, unsigned long n, char out[REL_INDEX_SLOT])
{
	int fd = open(fx->index, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, out, REL_INDEX_SLOT,
	    (off_t)(n * REL_INDEX_SLOT)), REL_INDEX_SLOT);
	close(fd);
}

static void
poke(struct fixture *fx, off_t off, const void *data, size_t len)
{
	int fd = open(fx->index, O_RDWR | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, data, len, off), (ssize_t)len);
	close(fd);
}

/* Where in a slot the line of release n starts, or -1.  The layout of
 * the rest of a slot is index.c's business: only the mark in byte 0 and
 * the line itself are looked at here. */
static int
line_at(const char *b, unsigned long n)
{
	char id[32];
	size_t len;

	snprintf(id, sizeof id, "web-%lu\t", n);
	len = strlen(id);
	for (size_t i = 1; i + len <= REL_INDEX_SLOT; i++)
		if (!memcmp(b + i, id, len))
			return (int)i;
	return -1;
}

static void
test_slot_layout(void **state)
{
	struct fixture *fx = *state;
	struct rel_buf s = REL_BUF_INIT;
	char b[REL_INDEX_SLOT], last[16];
	int off;

	/* Slot 0 names the highest release. */
	slot(fx, 0, b);
	assert_memory_equal(b, "rel-index ", 10);
	snprintf(last, sizeof last, " %d\n", NREL);
	b[REL_INDEX_SLOT - 1] = '\0';
	assert_non_null(strstr(b, last));
	for (unsigned long n = 1; n <= NREL; n++) {
		summary(fx, n, &s);
		slot(fx, n, b);
		/* Clean, and the line whole, zero padded. */
		assert_int_equal(b[0], 'C');
		off = line_at(b, n);
		assert_true(off > 0);
		assert_true((size_t)off + s.len < REL_INDEX_SLOT);
		assert_memory_equal(b + off, s.s, s.len);
		assert_int_equal(b[off + (int)s.len], '\0');
	}
	rel_buf_free(&s);
}

static void
test_clean_slot_is_believed(void **state)
{
	struct fixture *fx = *state;
	struct listed l;
	char st[32];

	/* Behind the index's back: the index, not the record, is read. */
	change_behind(fx, 3, "dev", "pending", "failed");
	list(fx, 0, NULL, &l);
	assert_int_equal(l.n[3], 3);
	assert_string_equal(status_of(l.line[3], st, sizeof st), "pending");
}

static void
test_dirty_slot_falls_back(void **state)
{
	struct fixture *fx = *state;
	struct rel_err err = { 0, "" };
	struct listed l;
	char b[REL_INDEX_SLOT], st[32];

	change_behind(fx, 3, "dev", "pending", "failed");
	/* A writer marks the slot before it appends... */
	assert_int_equal(rel_index_dirty(&fx->s.p, 3, &err), 0);
	slot(fx, 3, b);
	assert_int_equal(b[0], 'D');
	/* ...and a reader then goes to the record. */
	list(fx, 0, NULL, &l);
	assert_int_equal(l.n[3], 3);
	assert_string_equal(status_of(l.line[3], st, sizeof st), "failed");
	assert_string_equal(l.line[3], "web-3\tweb\tfailed\t"
	    "2026-11-21T22:39:14Z\ttester\tno\tdev=failed,qa=pending");
	/* A release past the end of the index needs no mark. */
	assert_int_equal(rel_index_dirty(&fx->s.p, 99, &err), 0);
}

static void
test_corrupt_slot_falls_back(void **state)
{
	struct fixture *fx = *state;
	struct rel_buf rec = REL_BUF_INIT;
	struct listed l;
	char b[REL_INDEX_SLOT], st[32];
	const off_t at = 3 * REL_INDEX_SLOT;
	int off, end;

	change_behind(fx, 3, "dev", "pending", "failed");
	summary(fx, 3, &rec);
	slot(fx, 3, b);
	off = line_at(b, 3);
	assert_true(off > 0);
	end = off + (int)strlen(b + off);
	/* Any one byte of the slot damaged, from its mark to the end of
	 * its line: the slot is not believed, the record is read. */
	for (int i = 0; i < end; i++) {
		for (int bit = 0; bit < 8; bit += 7) {
			char c = (char)(b[i] ^ (1 << bit));

			poke(fx, at + i, &c, 1);
			list(fx, 0, NULL, &l);
			if (strcmp(l.line[3], rec.s) != 0)
				fail_msg("byte %d bit %d damaged: got \"%s\"",
				    i, bit, l.line[3]);
			poke(fx, at + i, b + i, 1);
		}
	}
	/* Put back as it was: the stale line is believed again, so the
	 * fall-backs above were the damage's doing. */
	list(fx, 0, NULL, &l);
	assert_string_equal(status_of(l.line[3], st, sizeof st), "pending");
	rel_buf_free(&rec);
}

static void
test_truncated_index(void **state)
{
	struct fixture *fx = *state;
	struct listed l;

	/* Slots missing at the end (a crash before they were written). */
	assert_int_equal(truncate(fx->index, 4 * REL_INDEX_SLOT + 100), 0);
	reopen(fx);
	check_all(fx, list(fx, 0, NULL, &l));
	/* Only the header left. */
	assert_int_equal(truncate(fx->index, 40), 0);
	reopen(fx);
	check_all(fx, list(fx, 0, NULL, &l));
}

static void
test_rebuild(void **state)
{
	struct fixture *fx = *state;
	struct rel_err err = { 0, "" };
	struct listed before, after;
	char path[UNIT_PATH_MAX];
	unsigned long count = 0;

	list(fx, 0, NULL, &before);
	unit_path(path, fx->s.root, "cache");
	assert_int_equal(unit_rm_rf(path), 0);
	reopen(fx);
	assert_int_equal(rel_release_reindex(&fx->s.p, &count, &err), 0);
	assert_int_equal(count, NREL);
	assert_int_equal(fx->s.p.locked, 0);
	assert_int_equal(access(fx->index, F_OK), 0);
	assert_int_equal(rel_index_last(&fx->s.p), NREL);
	check_all(fx, list(fx, 0, NULL, &after));
	assert_memory_equal(&before, &after, sizeof before);
	/* The slots are the records' summaries again. */
	test_slot_layout(state);
	/* Lost again: a listing still answers from the records. */
	assert_int_equal(unit_rm_rf(path), 0);
	reopen(fx);
	check_all(fx, list(fx, 0, NULL, &after));
	assert_memory_equal(&before, &after, sizeof before);
}

static void
test_rebuild_with_gap(void **state)
{
	struct fixture *fx = *state;
	struct rel_err err = { 0, "" };
	struct listed l;
	char path[UNIT_PATH_MAX], b[REL_INDEX_SLOT];
	unsigned long count = 0;

	/* Release 3 lost (say, by a crash before its link). */
	unit_path(path, fx->s.root, "products/web/releases/web-3");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rel_release_reindex(&fx->s.p, &count, &err), 0);
	assert_int_equal(count, NREL - 1);
	slot(fx, 3, b);
	assert_int_not_equal(b[0], 'C');
	assert_int_equal(line_at(b, 3), -1);
	list(fx, 0, NULL, &l);
	assert_int_equal(l.count, NREL - 1);
	assert_int_equal(l.n[0], 6);
	assert_int_equal(l.n[2], 4);
	assert_int_equal(l.n[3], 2);
	assert_int_equal(l.n[4], 1);
}

static void
test_long_line_not_indexed(void **state)
{
	struct fixture *fx = *state;
	char by[300], b[REL_INDEX_SLOT], st[32];
	struct listed l;
	unsigned long n;

	/* A summary too long for a slot lives in the record only. */
	memset(by, 'b', sizeof by - 1);
	by[sizeof by - 1] = '\0';
	fx->by = by;
	n = create(fx);
	assert_int_equal(n, NREL + 1);
	slot(fx, n, b);
	assert_int_not_equal(b[0], 'C');
	list(fx, 1, NULL, &l);
	assert_int_equal(l.count, 1);
	assert_int_equal(l.n[0], n);
	assert_true(strlen(l.line[0]) > REL_INDEX_SLOT);
	assert_non_null(strstr(l.line[0], by));
	assert_string_equal(status_of(l.line[0], st, sizeof st), "pending");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, \
    unit_store_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_list_newest_first),
		T(test_list_limit),
		T(test_list_status_filter),
		T(test_list_stops_when_told),
		T(test_slot_layout),
		T(test_clean_slot_is_believed),
		T(test_dirty_slot_falls_back),
		T(test_corrupt_slot_falls_back),
		T(test_truncated_index),
		T(test_rebuild),
		T(test_rebuild_with_gap),
		T(test_long_line_not_indexed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
