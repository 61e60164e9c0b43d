/*
 * htmlrel.h - a release's section of the web page (html.h), and what the
 * page knows of each environment from its history.
 *
 * The section's id is the release's id, so that PAGE#web-42 opens it.
 * It holds the release's facts, a row per environment and per step run,
 * and the last lines of the log of each step run that failed; a log that
 * cannot be read is said in the page, not an error: the rest of the page
 * is still worth having.
 */
#ifndef REL_HTMLREL_H
#define REL_HTMLREL_H

#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "record.h"
#include "store.h"

#define REL_HTML_LINE 200      /* a line of text in a flow's box */
#define REL_HTML_LOG_LINES 40  /* lines shown of a failed step's log */

/* An environment of a product, as its history (envlog.h) has it. */
struct rel_html_env {
	char name[REL_NAME_MAX + 1];
	char live[REL_ID_MAX + 1];  /* the release live there, "" none */
	char last[REL_ID_MAX + 1];  /* the release of its latest run, "" none */
	enum rel_status last_status;
	char how[16];               /* of the latest run */
	char who[128];
	int64_t when;               /* its end, or its start while it runs */
	int loaded;                 /* its history was read */
};

struct rel_html_envs {
	size_t n;
	struct rel_html_env *v;
};

/* The environment called name, added (as yet unknown) if it is not
 * there; NULL when out of memory. */
struct rel_html_env *rel_html_env_add(struct rel_html_envs *s,
    const char *name);
const struct rel_html_env *rel_html_env_get(const struct rel_html_envs *s,
    const char *name);
/* Read the history of each environment in s not read yet. */
int rel_html_envs_load(struct rel_product *p, struct rel_html_envs *s,
    struct rel_err *err);
void rel_html_envs_free(struct rel_html_envs *s);

/* A <time> element for ms (nothing for 0): UTC, "2026-11-21 23:34", with
 * ":41" when seconds. */
void rel_html_time(struct rel_buf *out, int64_t ms, int seconds);

/* Append r's section (a release of p; envs has at least its
 * environments).  alone: the page is about r: its heading is a level
 * higher, and it has a picture of its flow with its statuses.  now (ms)
 * ends the durations of what still runs. */
void rel_html_release_section(struct rel_buf *out, struct rel_product *p,
    const struct rel_release *r, const struct rel_html_envs *envs,
    int alone, int64_t now);

#endif
