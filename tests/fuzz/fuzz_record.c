/*
 * fuzz_record.c - the release record reader (lib/release.c on
 * lib/journal.c), and what rel-status makes of a record (lib/show.c).
 *
 * Each input is read twice: as it is, and with the checksum of every line
 * made right (fuzz_seal), which is what lets the fuzzer past the CRC and
 * into the header and transition parsers.  rel_journal_scan is also run
 * alone on an exactly-sized copy, so that a read past the end is caught.
 *
 * Promises checked: journal fields are at most REL_JOURNAL_FIELDS and the
 * damaged lines plus the good ones add up; a record either parses, with
 * the invariants release.h describes (indices in range, runs per step,
 * statuses that exist), or fails with REL_ESYS (damage) naming the file;
 * what rel-status prints from it is well-formed: TSV rows of a fixed
 * number of fields with no control byte but tab, and JSON that parses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envlog.h"
#include "fuzz.h"
#include "journal.h"
#include "release.h"
#include "show.h"
#include "status.h"
#include "table.h"

#define RECORD_PATH "releases/web-1"

/* --- a JSON checker: structure only, enough to catch a string that is
 * not escaped or a value that is missing. */

static const char *json_value(const char *p, int depth);

static const char *
json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *
json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (;;) {
		unsigned char c = (unsigned char)*p++;

		if (c == '"')
			return p;
		if (c < 0x20)
			return NULL; /* the end of the text, or a raw control */
		if (c != '\\')
			continue;
		c = (unsigned char)*p++;
		if (c == 'u') {
			for (int i = 0; i < 4; i++, p++)
				if (!*p ||
				    !strchr("0123456789abcdefABCDEF", *p))
					return NULL;
		} else if (!c || !strchr("\"\\/bfnrt", c)) {
			return NULL;
		}
	}
}

static const char *
json_number(const char *p)
{
	const char *start;

	if (*p == '-')
		p++;
	start = p;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p == start)
		return NULL;
	if (*p == '.') {
		start = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == start)
			return NULL;
	}
	return p;
}

static const char *
json_value(const char *p, int depth)
{
	char close;

	p = json_ws(p);
	if (depth > 64)
		return NULL;
	if (*p == '"')
		return json_string(p);
	if (*p == '{' || *p == '[') {
		close = *p == '{' ? '}' : ']';
		p = json_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				if (!(p = json_string(json_ws(p))))
					return NULL;
				p = json_ws(p);
				if (*p++ != ':')
					return NULL;
			}
			if (!(p = json_value(p, depth + 1)))
				return NULL;
			p = json_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
		}
	}
	if (!strncmp(p, "true", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	if (!strncmp(p, "null", 4))
		return p + 4;
	return json_number(p);
}

static int
json_ok(const char *s)
{
	const char *end = json_value(s, 0);

	return end && *json_ws(end) == '\0';
}

/* Every line of TSV text has nf fields and no control byte but tab. */
static void
check_tsv(const struct rel_buf *b, size_t nf)
{
	size_t fields = 1;

	FUZZ_CHECK(!b->oom);
	for (size_t i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->s[i];

		if (c == '\n') {
			FUZZ_CHECK(fields == nf);
			fields = 1;
		} else if (c == '\t') {
			fields++;
		} else {
			FUZZ_CHECK(c >= 0x20 && c != 0x7f);
		}
	}
	FUZZ_CHECK(b->len == 0 || b->s[b->len - 1] == '\n');
}

static void
check_release(const struct rel_release *r)
{
	FUZZ_CHECK(rel_id_ok(r->id));
	FUZZ_CHECK(rel_name_ok(r->product));
	FUZZ_CHECK(r->n >= 1);
	FUZZ_CHECK(strlen(r->flow_hash) == 64);
	FUZZ_CHECK(r->nartifacts >= 1 && r->nenvs >= 1);
	FUZZ_CHECK((unsigned)r->status < REL_STATUS_COUNT);
	for (size_t i = 0; i < r->nartifacts; i++) {
		FUZZ_CHECK(rel_name_ok(r->artifacts[i].component));
		FUZZ_CHECK(r->artifacts[i].version != NULL);
	}
	for (size_t i = 0; i < r->nenvs; i++) {
		const struct rel_env *e = &r->envs[i];

		FUZZ_CHECK(rel_name_ok(e->name));
		FUZZ_CHECK((unsigned)e->status < REL_STATUS_COUNT);
		FUZZ_CHECK(e->nneeds <= r->nenvs);
		for (size_t j = 0; j < e->nneeds; j++)
			FUZZ_CHECK(e->needs[j] < r->nenvs);
		for (size_t j = 0; j < e->nsteps; j++) {
			const struct rel_step *s = &e->steps[j];
			int multi = s->kind == REL_STEP_ACTION ||
			    s->kind == REL_STEP_VERIFY;

			FUZZ_CHECK(rel_name_ok(s->name));
			FUZZ_CHECK(s->nruns == (multi ? r->nartifacts : 1));
			FUZZ_CHECK((unsigned)s->status < REL_STATUS_COUNT);
			for (size_t k = 0; k < s->nruns; k++) {
				char obj[3 * (REL_NAME_MAX + 1)];

				FUZZ_CHECK((unsigned)s->runs[k].status <
				    REL_STATUS_COUNT);
				FUZZ_CHECK(s->runs[k].why != NULL);
				rel_object(r, i, j, k, obj, sizeof obj);
			}
		}
	}
	for (size_t i = 0; i < r->ntr; i++)
		FUZZ_CHECK(r->tr[i].who && r->tr[i].object && r->tr[i].info);
	for (size_t i = 0; i < r->noutputs; i++)
		FUZZ_CHECK(r->outputs[i].key && r->outputs[i].value);
}

/* Every line of b is one JSON value. */
static void
check_json_lines(struct rel_buf *b)
{
	FUZZ_CHECK(!b->oom);
	for (char *p = b->s, *nl; p && *p; p = nl + 1) {
		nl = strchr(p, '\n');
		FUZZ_CHECK(nl != NULL);
		*nl = '\0';
		FUZZ_CHECK(json_ok(p));
		*nl = '\n';
	}
}

/* A live map saying r is live in every other environment. */
static void
live_map(const struct rel_release *r, struct rel_livemap *m)
{
	m->n = 0;
	m->env = calloc(r->nenvs + 1, sizeof *m->env);
	m->release = calloc(r->nenvs + 1, sizeof *m->release);
	if (!m->env || !m->release)
		abort();
	for (size_t i = 0; i < r->nenvs; i += 2, m->n++) {
		memcpy(m->env[m->n], r->envs[i].name, sizeof m->env[m->n]);
		snprintf(m->release[m->n], sizeof m->release[m->n], "%s", r->id);
	}
}

/* What rel-status prints of r, in every form, checked where the form
 * makes a promise. */
static void
show_release(struct rel_release *r)
{
	struct rel_buf b = REL_BUF_INIT;
	struct rel_sink sink = { .format = REL_FMT_TSV, .out = &b };
	struct rel_livemap live;
	char v[64];

	rel_release_update_status(r);
	rel_release_summary(r, &b);
	rel_buf_addc(&b, '\n');
	check_tsv(&b, 7);
	rel_buf_reset(&b);

	rel_sink_begin(&sink, &rel_layout_envs);
	rel_show_envs(&sink, r, NULL, NULL, NULL);
	check_tsv(&b, rel_layout_envs.ncols);
	rel_buf_reset(&b);
	rel_sink_begin(&sink, &rel_layout_steps);
	rel_show_steps(&sink, r, NULL, NULL);
	check_tsv(&b, rel_layout_steps.ncols);
	rel_buf_reset(&b);
	rel_sink_begin(&sink, &rel_layout_history);
	rel_show_history(&sink, r);
	check_tsv(&b, rel_layout_history.ncols);
	rel_buf_reset(&b);

	/* JSON rows: one object per line. */
	sink.format = REL_FMT_JSON;
	rel_sink_begin(&sink, &rel_layout_envs);
	rel_show_envs(&sink, r, NULL, NULL, NULL);
	rel_sink_begin(&sink, &rel_layout_steps);
	rel_show_steps(&sink, r, NULL, NULL);
	rel_sink_begin(&sink, &rel_layout_history);
	rel_show_history(&sink, r);
	check_json_lines(&b);
	rel_buf_reset(&b);

	live_map(r, &live);
	rel_show_json(r, &live, &b);
	FUZZ_CHECK(!b.oom);
	FUZZ_CHECK(memchr(b.s, '\n', b.len) == NULL);
	FUZZ_CHECK(json_ok(b.s));
	rel_buf_reset(&b);

	rel_show_detail(r, &live, 1, &b);
	rel_buf_reset(&b);
	rel_livemap_free(&live);

	/* The table form, as on a terminal. */
	sink.format = REL_FMT_TABLE;
	sink.color = 1;
	rel_sink_begin(&sink, &rel_layout_steps);
	rel_show_steps(&sink, r, NULL, NULL);
	rel_sink_end(&sink);

	for (size_t i = 0; i < r->ntr; i++)
		(void)rel_info_get(r->tr[i].info, "code", v, sizeof v);
	rel_buf_free(&b);
}

static void
parse_record(const char *bytes, size_t size)
{
	struct rel_buf raw = REL_BUF_INIT;
	struct rel_release *r = (struct rel_release *)&r; /* not NULL */
	struct rel_err err;
	int rc;

	memset(&err, 0, sizeof err);
	rel_buf_add(&raw, bytes, size);
	if (raw.oom)
		abort();
	rc = rel_release_parse(&raw, RECORD_PATH, &r, &err);
	FUZZ_CHECK(raw.s == NULL); /* taken over, even on error */
	if (rc != 0) {
		FUZZ_CHECK(r == NULL);
		FUZZ_CHECK(rc == REL_ESYS && err.code == REL_ESYS);
		FUZZ_CHECK(strncmp(err.msg, RECORD_PATH,
		    strlen(RECORD_PATH)) == 0);
		FUZZ_CHECK(fuzz_printable(err.msg));
		return;
	}
	FUZZ_CHECK(r != NULL);
	FUZZ_CHECK(r->record_size == size);
	check_release(r);
	show_release(r);
	rel_release_free(r);
}

struct scan {
	size_t good;
};

static int
on_line(struct rel_jline *jl, void *arg)
{
	struct scan *sc = arg;

	FUZZ_CHECK(jl->n >= 1 && jl->n <= REL_JOURNAL_FIELDS);
	FUZZ_CHECK(jl->lineno >= 1);
	for (size_t i = 0; i < jl->n; i++)
		FUZZ_CHECK(jl->f[i] != NULL);
	sc->good++;
	return 0;
}

/* rel_journal_scan alone: every complete line is good or bad, a last
 * line without a newline is torn, and nothing is read past the end. */
static void
scan(const char *bytes, size_t size)
{
	char *buf = fuzz_copy((const uint8_t *)bytes, size, 0);
	struct scan sc = { 0 };
	size_t bad = 0, lines = 0;
	int torn = -1;

	for (size_t i = 0; i < size; i++)
		lines += bytes[i] == '\n';
	FUZZ_CHECK(rel_journal_scan(buf, size, on_line, &sc, &bad, &torn) ==
	    0);
	FUZZ_CHECK(sc.good + bad == lines);
	FUZZ_CHECK(torn == (size > 0 && bytes[size - 1] != '\n'));
	free(buf);
}

int
rel_fuzz_record(const uint8_t *data, size_t size)
{
	struct rel_buf sealed = REL_BUF_INIT;

	scan((const char *)data, size);
	parse_record((const char *)data, size);
	fuzz_seal(data, size, &sealed);
	scan(sealed.s ? sealed.s : "", sealed.len);
	parse_record(sealed.s ? sealed.s : "", sealed.len);
	rel_buf_free(&sealed);
	return 0;
}

#ifndef REL_FUZZ_NO_MAIN
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return rel_fuzz_record(data, size);
}
#endif
