/*
 * html.c - the web page of rel-status --format html (see html.h): its
 * frame and style sheet, a product's section with its flow and its table
 * of releases.  A release's own section is in htmlrel.c.
 *
 * Invariants: every string from the store reaches the page through
 * rel_buf_add_html; the page has no style attribute and no script, so
 * the Content-Security-Policy in its head (nothing but its one style
 * sheet, named by its SHA-256) holds for all of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envlog.h"
#include "html.h"
#include "htmlrel.h"
#include "index.h"
#include "record.h"
#include "reap.h"
#include "sha256.h"
#include "svgflow.h"
#include "when.h"

/* Colours: a pair per kind of status (--c the text and border, --cb the
 * background), light by default, dark when the reader prefers it on a
 * screen, and light on paper. */
static const char css[] =
    ":root{color-scheme:light dark;--fg:#1f2328;--bg:#fff;--muted:#59636e;"
    "--line:#818b98;--box:#f6f8fa;--border:#d1d9e0;--link:#0969da;"
    "--ok:#1a7f37;--ok-bg:#dafbe1;--bad:#cf222e;--bad-bg:#ffebe9;"
    "--run:#0969da;--run-bg:#ddf4ff;--wait:#9a6700;--wait-bg:#fff8c5;"
    "--stop:#8250df;--stop-bg:#fbefff;--idle:#59636e;--idle-bg:#eff2f5}\n"
    "@media screen and (prefers-color-scheme:dark){:root{--fg:#e6edf3;"
    "--bg:#0d1117;--muted:#9198a1;--line:#9198a1;--box:#151b23;"
    "--border:#3d444d;--link:#4493f8;--ok:#3fb950;--ok-bg:#12361f;"
    "--bad:#ff7b72;--bad-bg:#42161a;--run:#58a6ff;--run-bg:#0c2d4f;"
    "--wait:#d29922;--wait-bg:#3b2e0a;--stop:#bc8cff;--stop-bg:#2e1f4d;"
    "--idle:#9198a1;--idle-bg:#212830}}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0 auto;padding:1rem;max-width:110rem;color:var(--fg);"
    "background:var(--bg);font:15px/1.45 system-ui,-apple-system,"
    "'Segoe UI',sans-serif}\n"
    "a{color:var(--link)}\n"
    "h1{font-size:1.4rem;margin:0}\n"
    "h2{font-size:1.25rem;margin:2rem 0 .4rem;padding-bottom:.2rem;"
    "border-bottom:1px solid var(--border)}\n"
    "h3{font-size:1.05rem;margin:0 0 .4rem}\n"
    ".meta,figcaption{color:var(--muted);margin:.3rem 0}\n"
    "nav ul,ul.plain{list-style:none;padding:0;margin:.3rem 0}\n"
    "nav li{display:inline-block;margin-right:1rem}\n"
    "figure{margin:.8rem 0}\n"
    ".scroll{overflow-x:auto;max-width:100%}\n"
    "table{border-collapse:collapse;font-size:.9rem}\n"
    "th,td{text-align:left;vertical-align:top;padding:.25rem .45rem;"
    "border-bottom:1px solid var(--border);white-space:nowrap}\n"
    "thead th{color:var(--muted);font-weight:600}\n"
    "td.text{white-space:normal;min-width:12rem;max-width:36rem;"
    "overflow-wrap:anywhere}\n"
    "tr.env th,tr.env td{border-top:2px solid var(--border)}\n"
    "td.step{padding-left:1.6rem}\n"
    ".st{font-weight:600;color:var(--c);background:var(--cb)}\n"
    ".live{font-weight:400;font-size:.8em;padding:0 .3em;"
    "border:1px solid currentColor;border-radius:3px}\n"
    "td.st .live{display:table;margin-top:.15rem}\n"
    ".hotfix{color:var(--bad);font-weight:600}\n"
    ".s-succeeded{--c:var(--ok);--cb:var(--ok-bg)}\n"
    ".s-failed,.s-error{--c:var(--bad);--cb:var(--bad-bg)}\n"
    ".s-running,.s-terminating{--c:var(--run);--cb:var(--run-bg)}\n"
    ".s-suspended{--c:var(--wait);--cb:var(--wait-bg)}\n"
    ".s-terminated{--c:var(--stop);--cb:var(--stop-bg)}\n"
    ".s-pending,.s-skipped{--c:var(--idle);--cb:var(--idle-bg)}\n"
    "span.st{padding:0 .35em;border-radius:3px}\n"
    "code,time,pre,.flow text{font-family:ui-monospace,SFMono-Regular,"
    "Menlo,Consolas,monospace}\n"
    "code,time{font-size:.9em}\n"
    "pre{margin:0;padding:.5rem;background:var(--box);border:1px solid "
    "var(--border);font-size:.8rem;white-space:pre-wrap;"
    "overflow-wrap:anywhere}\n"
    "section.release{border:1px solid var(--border);border-radius:6px;"
    "padding:.8rem;margin:1rem 0}\n"
    "section.release:target{outline:2px solid var(--link)}\n"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;"
    "margin:.5rem 0}\n"
    "dt{color:var(--muted)}\n"
    "dd{margin:0;overflow-wrap:anywhere}\n"
    ".flow{display:block}\n"
    ".flow text{font-size:13px;fill:var(--fg)}\n"
    ".flow text.n{font-weight:700}\n"
    ".flow rect{fill:var(--cb,var(--box));stroke:var(--c,var(--line));"
    "stroke-width:1.5}\n"
    ".flow .manual rect{stroke-dasharray:6 3}\n"
    ".flow path{fill:none;stroke:var(--line);stroke-width:1.5}\n"
    ".flow polygon{fill:var(--line)}\n"
    "@media (max-width:40rem){body{padding:.5rem;font-size:14px}"
    "dl{grid-template-columns:1fr}dd{margin-bottom:.3rem}}\n"
    "@media print{body{max-width:none;font-size:10pt;padding:0}"
    ".scroll{overflow:visible}th,td{white-space:normal}"
    "section.release{break-inside:avoid}a{color:inherit;"
    "text-decoration:none}nav{display:none}"
    ".st,.flow{print-color-adjust:exact;-webkit-print-color-adjust:exact}}\n";

/* The style sheet's hash for the Content-Security-Policy: base64 of its
 * SHA-256. */
static void
css_hash(char out[45])
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char d[33] = { 0 };
	char hex[65];
	size_t o = 0;

	rel_sha256_hex(css, sizeof css - 1, hex);
	for (int i = 0; i < 64; i++)  /* lower-case hex digits */
		d[i / 2] = (unsigned char)(d[i / 2] << 4 |
		    (hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10));
	for (int i = 0; i < 33; i += 3) {
		unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 |
		    (i + 2 < 33 ? d[i + 2] : 0);

		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = b64[v >> 6 & 63];
		out[o++] = b64[v & 63];
	}
	out[43] = '=';  /* 32 bytes: 43 digits and one pad */
	out[44] = '\0';
}

void
rel_html_begin(struct rel_html *h, const char *const *names, size_t n,
    unsigned long refresh)
{
	struct rel_buf *o = h->out;
	struct rel_buf title = REL_BUF_INIT;
	char hash[45];

	rel_buf_adds(&title, "rel: ");
	for (size_t i = 0; i < n && i < 4; i++)
		rel_buf_addf(&title, "%s%s", i ? ", " : "",
		    i < 3 ? names[i] : "...");
	if (!n)
		rel_buf_adds(&title, "releases");
	css_hash(hash);
	rel_buf_addf(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" "
	    "content=\"default-src 'none'; style-src 'sha256-%s'; "
	    "base-uri 'none'; form-action 'none'\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n", hash);
	if (refresh)
		rel_buf_addf(o, "<meta http-equiv=\"refresh\" content=\"%lu\">\n",
		    refresh);
	rel_buf_adds(o, "<meta name=\"generator\" content=\"rel-status "
	    REL_VERSION "\">\n<title>");
	rel_buf_add_html(o, title.s);
	rel_buf_addf(o, "</title>\n<style>%s</style>\n</head>\n<body>\n"
	    "<header>\n<h1>", css);
	rel_buf_add_html(o, title.s);
	rel_buf_adds(o, "</h1>\n<p class=\"meta\">Made by rel-status at ");
	rel_html_time(o, h->now, 1);
	rel_buf_adds(o, " UTC");
	if (refresh)
		rel_buf_addf(o, ", again every %lu s", refresh);
	rel_buf_adds(o, ".</p>\n");
	if (n > 1 && n <= 100) {
		rel_buf_adds(o, "<nav>\n<ul>\n");
		for (size_t i = 0; i < n; i++) {
			rel_buf_adds(o, "<li><a href=\"#");
			rel_buf_add_html(o, names[i]);
			rel_buf_adds(o, "\">");
			rel_buf_add_html(o, names[i]);
			rel_buf_adds(o, "</a></li>\n");
		}
		rel_buf_adds(o, "</ul>\n</nav>\n");
	}
	rel_buf_adds(o, "</header>\n<main>\n");
	rel_buf_free(&title);
}

void
rel_html_end(struct rel_html *h)
{
	if (!h->sections)
		rel_buf_adds(h->out, "<p>No releases.</p>\n");
	rel_buf_adds(h->out, "</main>\n</body>\n</html>\n");
}

/* --- a product ----------------------------------------------------- */

/* The releases to show, from the index, and the environments of the
 * table's columns, from their summary lines ("dev=succeeded,qa=failed"):
 * those of the newest release in its flow's order, then any other that
 * an older one has. */
struct pick {
	size_t limit;
	unsigned long *n;
	size_t count, cap;
	int more;
	int oom;
	struct rel_html_envs cols;
};

static void
pick_envs(struct pick *k, const char *line, size_t len)
{
	const char *p = line, *end = line + len;

	for (int tabs = 0; p && tabs < 6; tabs++)
		if ((p = memchr(p, '\t', (size_t)(end - p))))
			p++;
	while (p && p < end) {
		const char *eq = memchr(p, '=', (size_t)(end - p));
		const char *comma = memchr(p, ',', (size_t)(end - p));
		char name[REL_NAME_MAX + 1];

		if (!eq || (comma && comma < eq))
			break;
		if ((size_t)(eq - p) < sizeof name) {
			memcpy(name, p, (size_t)(eq - p));
			name[eq - p] = '\0';
			if (rel_name_ok(name) && !rel_html_env_add(&k->cols, name))
				k->oom = 1;
		}
		p = comma ? comma + 1 : NULL;
	}
}

static int
pick(const struct rel_product *p, unsigned long n, int64_t created,
    const char *line, size_t len, void *arg)
{
	struct pick *k = arg;

	(void)p, (void)created;
	if (k->limit && k->count == k->limit) {
		k->more = 1;
		return 1;
	}
	if (k->count == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 64;
		unsigned long *v = realloc(k->n, cap * sizeof *v);

		if (!v)
			return -1;
		k->n = v;
		k->cap = cap;
	}
	k->n[k->count++] = n;
	pick_envs(k, line, len);
	return k->oom ? -1 : 0;
}

/* The flow of the newest release, each box saying what ran there last
 * and what is live there. */
static void
product_flow(struct rel_html *h, const struct rel_release *r,
    const struct rel_html_envs *envs)
{
	struct rel_svgflow_box *box = calloc(r->nenvs, sizeof *box);
	char (*text)[2][REL_HTML_LINE] = calloc(r->nenvs, sizeof *text);
	char (*title)[512] = calloc(r->nenvs, sizeof *title);
	struct rel_buf label = REL_BUF_INIT;

	if (!box || !text || !title) {
		h->out->oom = 1;
		goto out;
	}
	for (size_t i = 0; i < r->nenvs; i++) {
		const struct rel_html_env *e = rel_html_env_get(envs,
		    r->envs[i].name);
		char t[REL_TIME_MAX];

		if (e && e->last[0]) {
			box[i].has_status = 1;
			box[i].status = e->last_status;
			snprintf(text[i][0], sizeof text[i][0], "%s %s",
			    e->last, rel_status_name(e->last_status));
			rel_time_format(e->when, 0, t);
			snprintf(title[i], sizeof title[i],
			    "%s: latest %s of %s by %s, %s at %s; live: %s",
			    r->envs[i].name, e->how, e->last, e->who,
			    rel_status_name(e->last_status), t,
			    e->live[0] ? e->live : "none");
			box[i].title = title[i];
		} else {
			snprintf(text[i][0], sizeof text[i][0],
			    "never promoted");
		}
		snprintf(text[i][1], sizeof text[i][1], "live: %s",
		    e && e->live[0] ? e->live : "-");
		box[i].line1 = text[i][0];
		box[i].line2 = text[i][1];
	}
	rel_buf_addf(&label, "The flow of %s", r->product);
	rel_buf_adds(h->out, "<figure>\n<div class=\"scroll\">");
	rel_svgflow(r, box, label.s, h->out);
	rel_buf_addf(h->out, "</div>\n<figcaption>The flow of %s, as its "
	    "newest release has it: in each environment the latest promotion "
	    "and its status, and the release live there.</figcaption>\n"
	    "</figure>\n", r->id);
out:
	rel_buf_free(&label);
	free(box);
	free(text);
	free(title);
}

/* A release's row, with the first ncols environments of cols. */
static void
release_row(struct rel_html *h, const struct rel_release *r,
    const struct rel_html_envs *cols, size_t ncols)
{
	struct rel_buf *o = h->out;

	rel_buf_adds(o, "<tr><th scope=\"row\"><a href=\"#");
	rel_buf_add_html(o, r->id);
	rel_buf_adds(o, "\">");
	rel_buf_add_html(o, r->id);
	rel_buf_addf(o, "</a></th><td class=\"st s-%s\">%s</td><td>",
	    rel_status_name(r->status), rel_status_name(r->status));
	rel_html_time(o, r->created, 0);
	rel_buf_adds(o, "</td><td>");
	rel_buf_add_html(o, r->by);
	rel_buf_addf(o, "</td><td%s</td><td class=\"text\">",
	    r->hotfix ? " class=\"hotfix\">hotfix" : ">");
	rel_buf_add_html(o, r->message);
	rel_buf_adds(o, "</td>");
	for (size_t c = 0; c < ncols; c++) {
		int e = rel_release_env(r, cols->v[c].name);
		const char *s;

		if (e < 0) {
			rel_buf_adds(o, "<td>-</td>");
			continue;
		}
		s = rel_status_name(r->envs[e].status);
		rel_buf_addf(o, "<td class=\"st s-%s\">%s%s</td>", s, s,
		    !strcmp(cols->v[c].live, r->id) ?
		    "<span class=\"live\">live</span>" : "");
	}
	rel_buf_adds(o, "</tr>\n");
}

static void
table_head(struct rel_html *h, const struct rel_html_envs *cols)
{
	struct rel_buf *o = h->out;

	rel_buf_adds(o, "<div class=\"scroll\">\n<table class=\"releases\">\n"
	    "<thead><tr><th scope=\"col\">release</th><th scope=\"col\">"
	    "status</th><th scope=\"col\">created</th><th scope=\"col\">by</th>"
	    "<th scope=\"col\">hotfix</th><th scope=\"col\">message</th>");
	for (size_t c = 0; c < cols->n; c++) {
		rel_buf_adds(o, "<th scope=\"col\">");
		rel_buf_add_html(o, cols->v[c].name);
		rel_buf_adds(o, "</th>");
	}
	rel_buf_adds(o, "</tr></thead>\n<tbody>\n");
}

static void
warn_why(struct rel_html *h, const struct rel_err *why)
{
	if (why->code && h->warn)
		h->warn(why->msg, h->warn_arg);
}

/* Releases are read one at a time, each freed once its row is in the
 * page and its section in secs, which follows the table: a page of many
 * releases never holds them all. */
int
rel_html_product(struct rel_html *h, struct rel_product *p,
    struct rel_err *err)
{
	struct pick k = { h->limit, NULL, 0, 0, 0, 0, { 0, NULL } };
	struct rel_buf secs = REL_BUF_INIT;
	unsigned long last = 0;
	size_t ncols = 0;
	int rc;

	if ((rc = rel_product_last(p, &last, err)) ||
	    (rc = rel_release_list(p, h->limit ? h->limit + 1 : 0, h->want, pick,
	    &k, err)) || (rc = rel_html_envs_load(p, &k.cols, err)))
		goto out;
	h->sections++;
	rel_buf_adds(h->out, "<section class=\"product\" id=\"");
	rel_buf_add_html(h->out, p->name);
	rel_buf_adds(h->out, "\">\n<h2>");
	rel_buf_add_html(h->out, p->name);
	rel_buf_addf(h->out, "</h2>\n<p class=\"meta\">%lu release%s", last,
	    last == 1 ? "" : "s");
	if (h->want || k.more) {
		rel_buf_addf(h->out, "; below, the %s%zu", k.more ? "newest " : "",
		    k.count);
		if (h->want)
			rel_buf_adds(h->out, " with a status asked for");
		if (k.more)
			rel_buf_adds(h->out, ", older ones not shown "
			    "(rel-status -n 0 shows all)");
	}
	rel_buf_adds(h->out, ".</p>\n");
	/* Room for what follows (about 3 KiB a release) at once, rather
	 * than copied as it grows. */
	rel_buf_grow(h->out, (k.count < 256 ? k.count : 256) * 4096);
	rel_buf_grow(&secs, (k.count < 256 ? k.count : 256) * 4096);
	for (size_t i = 0; i < k.count; i++) {
		struct rel_release *r;
		struct rel_err why;

		if ((rc = rel_reap_load(p, k.n[i], &r, &why, err)))
			goto out;
		warn_why(h, &why);
		/* An environment the index did not name (it lags a crash):
		 * shown in the release's section, with its history, but
		 * not in the table, whose columns are set. */
		for (size_t e = 0; e < r->nenvs; e++)
			if (!rel_html_env_add(&k.cols, r->envs[e].name))
				secs.oom = 1;
		if ((rc = rel_html_envs_load(p, &k.cols, err))) {
			rel_release_free(r);
			goto out;
		}
		if (i == 0) {
			product_flow(h, r, &k.cols);
			table_head(h, &k.cols);
			ncols = k.cols.n;
		}
		release_row(h, r, &k.cols, ncols);
		rel_html_release_section(&secs, p, r, &k.cols, 0, h->now);
		rel_release_free(r);
	}
	if (k.count)
		rel_buf_adds(h->out, "</tbody>\n</table>\n</div>\n");
	rel_buf_add(h->out, secs.s, secs.len);
	rel_buf_adds(h->out, "</section>\n");
	if (secs.oom)
		h->out->oom = 1;
out:
	rel_buf_free(&secs);
	free(k.n);
	rel_html_envs_free(&k.cols);
	if (!rc && (k.oom || h->out->oom))
		rc = rel_err_set(err, REL_ESYS, "out of memory");
	return rc;
}

int
rel_html_release(struct rel_html *h, struct rel_product *p, unsigned long n,
    struct rel_err *err)
{
	struct rel_html_envs envs = { 0, NULL };
	struct rel_release *r = NULL;
	struct rel_err why;
	int rc;

	if ((rc = rel_reap_load(p, n, &r, &why, err)))
		return rc;
	warn_why(h, &why);
	for (size_t e = 0; e < r->nenvs; e++)
		if (!rel_html_env_add(&envs, r->envs[e].name))
			rc = rel_err_set(err, REL_ESYS, "out of memory");
	if (!rc && !(rc = rel_html_envs_load(p, &envs, err))) {
		h->sections++;
		rel_html_release_section(h->out, p, r, &envs, 1, h->now);
	}
	rel_html_envs_free(&envs);
	rel_release_free(r);
	return rc;
}
