/*
 * html.h - releases as one self-contained web page (rel-status --format
 * html), for a wall screen or a web root that cron refreshes.
 *
 * The page is HTML5 with its style sheet inline and its pictures inline
 * SVG: no script, nothing fetched from elsewhere, so it works from a
 * file, offline, and under its own Content-Security-Policy (a meta
 * element allowing nothing but that style sheet, by its hash).
 *   - per product: the flow as a picture (svgflow.h) with, in each
 *     environment, the latest promotion there and the release live
 *     there; the newest releases as table rows with a column per
 *     environment; then a section per release;
 *   - per release (a section whose id is the release's id): artifacts,
 *     rev, outputs, every environment and step with status, attempt,
 *     start, duration, who promoted and why, and the last lines of the
 *     log of each step run that failed.
 * A status is always its word, coloured by a class, never a colour
 * alone.  Every value from the store goes through rel_buf_add_html; an
 * output is a link only when it is an http or https URL.
 */
#ifndef REL_HTML_H
#define REL_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "store.h"

#define REL_HTML_LIMIT 50      /* releases per product by default */

struct rel_html {
	struct rel_buf *out;
	size_t limit;          /* releases per product, 0: all */
	const int *want;       /* statuses listed (-1 ends), NULL: all */
	int64_t now;           /* ms, for durations of what still runs */
	/* Told what is worth saying but does not stop the page (a dead
	 * runner that could not be recorded, a log that cannot be read). */
	void (*warn)(const char *msg, void *arg);
	void *warn_arg;
	size_t sections;       /* products and releases written so far */
};

/* The head of the page and the opening of its body.  names (n of them)
 * are the products and releases it will show, for its title and, with
 * several, a list of links; refresh > 0 asks the browser to load the
 * page again every refresh seconds. */
void rel_html_begin(struct rel_html *h, const char *const *names, size_t n,
    unsigned long refresh);
/* A product's section: its flow, its newest releases (h->limit of those
 * whose status is in h->want) and their sections. */
int rel_html_product(struct rel_html *h, struct rel_product *p,
    struct rel_err *err);
/* Release n of p alone: its flow with its statuses, and its section. */
int rel_html_release(struct rel_html *h, struct rel_product *p,
    unsigned long n, struct rel_err *err);
/* The end of the page. */
void rel_html_end(struct rel_html *h);

#endif
