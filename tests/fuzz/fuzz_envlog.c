/*
 * fuzz_envlog.c - the environment history reader (lib/envlog.c).
 *
 * rel_envlog_parse() is what rel_envlog_load() does after the read.
 *
 * Each input is read as it is and with its checksums made right (see
 * fuzz_seal).  Promises checked (envlog.h): at most one run per line; a
 * run's release is a release id; a run with no end is running, an ended
 * one has a final status; the live run ended succeeded and the open run
 * has no end; and writing the runs back with rel_envlog_run_line and
 * rel_envlog_end_line reads back the same runs, whatever bytes the free
 * text fields hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "envlog.h"
#include "journal.h"
#include "when.h"

#include "fuzz.h"

/* rel_envlog_load after its rel_file_read: log->raw holds the bytes. */
static void
envlog_parse(struct rel_envlog *log, size_t *lines)
{
	*lines = 0;
	for (size_t i = 0; i < log->raw.len; i++)
		*lines += log->raw.s[i] == '\n';
	if (rel_envlog_parse(log, NULL) != 0)
		abort();
}

static void
envlog_read(const char *bytes, size_t size, struct rel_envlog *log,
    size_t *lines)
{
	memset(log, 0, sizeof *log);
	snprintf(log->env, sizeof log->env, "%s", "dev");
	rel_buf_add(&log->raw, bytes, size);
	if (log->raw.oom)
		abort();
	envlog_parse(log, lines);
}

static void
check_log(const struct rel_envlog *log, size_t lines)
{
	const struct rel_env_run *live, *open;

	FUZZ_CHECK(log->n <= lines);
	for (size_t i = 0; i < log->n; i++) {
		const struct rel_env_run *run = &log->v[i];

		FUZZ_CHECK(rel_id_ok(run->release));
		FUZZ_CHECK(memchr(run->how, '\0', sizeof run->how) != NULL);
		FUZZ_CHECK(run->who && run->previous && run->why);
		FUZZ_CHECK((unsigned)run->status < REL_STATUS_COUNT);
		if (run->ended == 0)
			FUZZ_CHECK(run->status == REL_RUNNING);
	}
	if ((live = rel_envlog_live(log)) != NULL) {
		FUZZ_CHECK(live >= log->v && live < log->v + log->n);
		FUZZ_CHECK(live->status == REL_SUCCEEDED);
	}
	if ((open = rel_envlog_open_run(log)) != NULL) {
		FUZZ_CHECK(open >= log->v && open < log->v + log->n);
		FUZZ_CHECK(open->ended == 0);
	}
}

/* A time that rel_time_format writes and rel_time_parse reads back. */
static int
time_ok(int64_t ms)
{
	char t[REL_TIME_MAX];

	rel_time_format(ms, 1, t);
	return strcmp(t, "-") != 0;
}

/* Write the runs of log as envlog.c writes lines, read them back, and
 * compare.  Only runs whose times survive formatting take part (an input
 * may hold a date before 1970, which rel never writes). */
static void
round_trip(const struct rel_envlog *log)
{
	struct rel_buf out = REL_BUF_INIT;
	struct rel_envlog back;
	size_t lines, k = 0;

	for (size_t i = 0; i < log->n; i++) {
		const struct rel_env_run *run = &log->v[i];

		if (!time_ok(run->started) ||
		    (run->ended && !time_ok(run->ended)))
			continue;
		rel_envlog_run_line(&out, run->started, run->release,
		    run->attempt, run->how, run->who, run->previous, run->why);
		if (run->ended)
			rel_envlog_end_line(&out, run->ended, run->release,
			    run->attempt, run->status);
	}
	FUZZ_CHECK(!out.oom);
	envlog_read(out.s ? out.s : "", out.len, &back, &lines);
	for (size_t i = 0; i < log->n; i++) {
		const struct rel_env_run *a = &log->v[i], *b;

		if (!time_ok(a->started) || (a->ended && !time_ok(a->ended)))
			continue;
		FUZZ_CHECK(k < back.n);
		b = &back.v[k++];
		FUZZ_CHECK(a->started == b->started && a->ended == b->ended);
		FUZZ_CHECK(strcmp(a->release, b->release) == 0);
		FUZZ_CHECK(a->attempt == b->attempt);
		FUZZ_CHECK(a->status == b->status);
		FUZZ_CHECK(strcmp(a->how, b->how) == 0);
		FUZZ_CHECK(strcmp(a->who, b->who) == 0);
		FUZZ_CHECK(strcmp(a->why, b->why) == 0);
		/* An empty previous is written "-". */
		FUZZ_CHECK(strcmp(*a->previous ? a->previous : "-",
		    b->previous) == 0);
	}
	FUZZ_CHECK(k == back.n);
	rel_envlog_free(&back);
	rel_buf_free(&out);
}

static void
one(const char *bytes, size_t size)
{
	struct rel_envlog log;
	size_t lines;

	envlog_read(bytes, size, &log, &lines);
	check_log(&log, lines);
	round_trip(&log);
	rel_envlog_free(&log);
}

int
rel_fuzz_envlog(const uint8_t *data, size_t size)
{
	struct rel_buf sealed = REL_BUF_INIT;

	one((const char *)data, size);
	fuzz_seal(data, size, &sealed);
	one(sealed.s ? sealed.s : "", sealed.len);
	rel_buf_free(&sealed);
	return 0;
}

#ifndef REL_FUZZ_NO_MAIN
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return rel_fuzz_envlog(data, size);
}
#endif
