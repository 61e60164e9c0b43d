/*
 * prom.c - metrics in the Prometheus text format (see prom.h).
 *
 * Samples are gathered per family across products, so each family is
 * written once, HELP and TYPE first.  Label values are escaped as the
 * format says (backslash, double quote, newline), although names and
 * ids never need it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envlog.h"
#include "prom.h"
#include "reap.h"
#include "record.h"
#include "when.h"

enum { F_RELEASES, F_LAST, F_LAST_CREATED, F_RUN, F_LIVE, F_LIVE_N, F_ENV_TS,
	F_COUNT };

static const struct { const char *name, *help; } fam[F_COUNT] = {
	{ "rel_releases", "Releases of a product by status." },
	{ "rel_release_last_number", "N of the newest release PRODUCT-N." },
	{ "rel_release_last_created_timestamp_seconds",
	    "When the newest release was created." },
	{ "rel_environment_run_info",
	    "The latest promotion in an environment: 1, with its release, "
	    "how and status as labels." },
	{ "rel_environment_live_info",
	    "The release live in an environment: 1, with the release as a "
	    "label." },
	{ "rel_environment_live_number",
	    "N of the release PRODUCT-N live in an environment." },
	{ "rel_environment_last_transition_timestamp_seconds",
	    "When a promotion last started or ended in an environment." },
};

struct rel_prom {
	struct rel_buf f[F_COUNT];
};

struct rel_prom *
rel_prom_new(void)
{
	return calloc(1, sizeof(struct rel_prom));
}

static void
label(struct rel_buf *b, const char *key, const char *val, int first)
{
	rel_buf_addf(b, "%s%s=\"", first ? "{" : ",", key);
	for (const char *p = val; *p; p++) {
		if (*p == '\\' || *p == '"')
			rel_buf_addc(b, '\\');
		if (*p == '\n')
			rel_buf_adds(b, "\\n");
		else
			rel_buf_addc(b, *p);
	}
	rel_buf_addc(b, '"');
}

/* The status word of an index line (its third field), or -1. */
static int
line_status(const char *line, size_t len)
{
	const char *f = line, *end = line + len, *tab;
	char word[32];
	size_t wl;

	for (int i = 0; i < 2 && f; i++)
		if ((f = memchr(f, '\t', (size_t)(end - f))))
			f++;
	if (!f)
		return -1;
	tab = memchr(f, '\t', (size_t)(end - f));
	wl = (size_t)((tab ? tab : end) - f);
	if (wl >= sizeof word)
		return -1;
	memcpy(word, f, wl);
	word[wl] = '\0';
	return rel_status_parse(word);
}

static int
count_status(const struct rel_product *p, unsigned long n, int64_t created,
    const char *line, size_t len, void *arg)
{
	size_t *counts = arg;
	int s;

	(void)p;
	(void)n;
	(void)created;
	if ((s = line_status(line, len)) >= 0)
		counts[s]++;
	return 0;
}

struct busy {
	unsigned long *n;
	size_t len, cap;
};

/* The releases the index says have work under way. */
static int
collect_busy(const struct rel_product *p, unsigned long n, int64_t created,
    const char *line, size_t len, void *arg)
{
	struct busy *b = arg;
	int s = line_status(line, len);

	(void)p;
	(void)created;
	if (s != REL_RUNNING && s != REL_TERMINATING)
		return 0;
	if (REL_GROW(b->n, b->len + 1, b->cap) < 0)
		return -1;
	b->n[b->len++] = n;
	return 0;
}

/* A release whose runner died still says running (or terminating) until
 * someone notices: notice it here, as the other views of rel-status do,
 * so that a scrape does not report it running for ever. */
static int
reap_dead(struct rel_product *p, struct rel_err *err)
{
	struct busy b = { NULL, 0, 0 };
	int rc;

	if ((rc = rel_release_list(p, 0, NULL, collect_busy, &b, err)) == 0)
		for (size_t i = 0; i < b.len; i++) {
			struct rel_release *r = NULL;
			struct rel_err e2;

			rel_reap_load(p, b.n[i], &r, NULL, &e2);
			rel_release_free(r);
		}
	free(b.n);
	return rc;
}

static unsigned long
id_number(const char *id)
{
	const char *dash = strrchr(id, '-');

	return dash ? strtoul(dash + 1, NULL, 10) : 0;
}

int
rel_prom_add(struct rel_prom *pr, struct rel_product *p, struct rel_err *err)
{
	size_t counts[REL_STATUS_COUNT] = { 0 };
	struct rel_livemap live;
	unsigned long last = 0;
	int rc;

	if ((rc = reap_dead(p, err)) != 0 ||
	    (rc = rel_release_list(p, 0, NULL, count_status, counts, err)) != 0)
		return rc;
	for (int s = 0; s < REL_STATUS_COUNT; s++) {
		if (!rel_status_valid_release((enum rel_status)s))
			continue;
		rel_buf_adds(&pr->f[F_RELEASES], fam[F_RELEASES].name);
		label(&pr->f[F_RELEASES], "product", p->name, 1);
		label(&pr->f[F_RELEASES], "status",
		    rel_status_name((enum rel_status)s), 0);
		rel_buf_addf(&pr->f[F_RELEASES], "} %zu\n", counts[s]);
	}
	if ((rc = rel_product_last(p, &last, err)) != 0)
		return rc;
	rel_buf_adds(&pr->f[F_LAST], fam[F_LAST].name);
	label(&pr->f[F_LAST], "product", p->name, 1);
	rel_buf_addf(&pr->f[F_LAST], "} %lu\n", last);
	if (last) {
		struct rel_release *r;

		if (rel_release_load(p, last, &r, NULL) == 0) {
			rel_buf_adds(&pr->f[F_LAST_CREATED],
			    fam[F_LAST_CREATED].name);
			label(&pr->f[F_LAST_CREATED], "product", p->name, 1);
			rel_buf_addf(&pr->f[F_LAST_CREATED], "} %lld.%03lld\n",
			    (long long)(r->created / 1000),
			    (long long)(r->created % 1000));
			rel_release_free(r);
		}
	}
	if ((rc = rel_livemap_load(p, &live, err)) != 0)
		return rc;
	for (size_t i = 0; i < live.n; i++) {
		struct rel_envlog log;
		const struct rel_env_run *run;
		int64_t t;

		if ((rc = rel_envlog_load(p, live.env[i], &log, err)) != 0)
			break;
		if (log.n) {
			run = &log.v[log.n - 1];
			rel_buf_adds(&pr->f[F_RUN], fam[F_RUN].name);
			label(&pr->f[F_RUN], "product", p->name, 1);
			label(&pr->f[F_RUN], "env", live.env[i], 0);
			label(&pr->f[F_RUN], "release", run->release, 0);
			label(&pr->f[F_RUN], "how", run->how, 0);
			label(&pr->f[F_RUN], "status",
			    rel_status_name(run->status), 0);
			rel_buf_adds(&pr->f[F_RUN], "} 1\n");
			t = run->ended ? run->ended : run->started;
			rel_buf_adds(&pr->f[F_ENV_TS], fam[F_ENV_TS].name);
			label(&pr->f[F_ENV_TS], "product", p->name, 1);
			label(&pr->f[F_ENV_TS], "env", live.env[i], 0);
			rel_buf_addf(&pr->f[F_ENV_TS], "} %lld.%03lld\n",
			    (long long)(t / 1000), (long long)(t % 1000));
		}
		if (live.release[i][0]) {
			rel_buf_adds(&pr->f[F_LIVE], fam[F_LIVE].name);
			label(&pr->f[F_LIVE], "product", p->name, 1);
			label(&pr->f[F_LIVE], "env", live.env[i], 0);
			label(&pr->f[F_LIVE], "release", live.release[i], 0);
			rel_buf_adds(&pr->f[F_LIVE], "} 1\n");
			rel_buf_adds(&pr->f[F_LIVE_N], fam[F_LIVE_N].name);
			label(&pr->f[F_LIVE_N], "product", p->name, 1);
			label(&pr->f[F_LIVE_N], "env", live.env[i], 0);
			rel_buf_addf(&pr->f[F_LIVE_N], "} %lu\n",
			    id_number(live.release[i]));
		}
		rel_envlog_free(&log);
	}
	rel_livemap_free(&live);
	return rc;
}

void
rel_prom_finish(struct rel_prom *pr, struct rel_buf *out)
{
	if (!pr)
		return;
	for (int i = 0; i < F_COUNT; i++) {
		rel_buf_addf(out, "# HELP %s %s\n# TYPE %s gauge\n", fam[i].name,
		    fam[i].help, fam[i].name);
		if (pr->f[i].len)
			rel_buf_add(out, pr->f[i].s, pr->f[i].len);
		rel_buf_free(&pr->f[i]);
	}
	free(pr);
}
