/*
 * test_html.c - the web page (lib/html.c, htmlrel.c, svgflow.c) through
 * the library, on a scratch store: the flow's picture has a box per
 * environment, none over another, and an arrow per need (one that skips
 * a row goes round the right of every box); a product's page lists the
 * newest releases and says when there are more; a release's section
 * holds its data escaped, links only an http(s) output, and the last 40
 * lines of a failed step's log.  Run under valgrind by make check, which
 * also finds what the page leaks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "html.h"
#include "logfile.h"
#include "svgflow.h"
#include "store.h"
#include "unit.h"
#include "unit_store.h"

#define T0 (INT64_C(1795300751) * 1000)

/* dev, then qa and audit side by side, then prod, which needs qa and dev
 * (a row up and two rows up). */
static const char flow_yaml[] =
    "components: [api, ui]\n"
    "environments:\n"
    "  - name: dev\n"
    "    action: ./deploy.sh\n"
    "  - name: qa\n"
    "    action: ./deploy.sh\n"
    "  - name: audit\n"
    "    needs: dev\n"
    "    trigger: manual\n"
    "    action: ./deploy.sh\n"
    "  - name: prod\n"
    "    needs: [qa, dev]\n"
    "    action: ./deploy.sh\n";

struct fixture {
	struct unit_store s;           /* first: unit_store_teardown */
	const char *message;
	const char *version;
	int made;
};

static void
build(struct rel_buf *out, void *arg)
{
	struct fixture *fx = arg;
	const char *versions[] = { fx->version, "2.0" };
	struct rel_new_release nr = {
		.product = "web", .created = T0 + (int64_t)++fx->made * 1000,
		.by = "ann", .flow_hash = fx->s.hash, .flow_source = "web.yaml",
		.versions = versions, .message = fx->message,
	};

	rel_release_header(out, &nr, fx->s.flow);
}

static int
append(struct rel_release *r, struct rel_buf *lines, void *arg,
    struct rel_err *err)
{
	(void)r, (void)err;
	rel_buf_adds(lines, arg);
	return 0;
}

/* Release n's dev: its action for api ends `end` (with an output), for
 * ui succeeds; dev ends as api did. */
static void
run_dev(struct fixture *fx, unsigned long n, const char *end,
    const char *out_value)
{
	struct rel_buf b = REL_BUF_INIT;
	struct rel_err err = { 0, "" };
	int64_t t = T0 + 100000 * (int64_t)n;

	rel_tr_line(&b, t, "bob", "dev", "pending", "running", 1,
	    "ship it", "how=promote mode=fresh runner=1 host=h");
	rel_tr_line(&b, t, "bob", "dev/action/api", "pending", "running", 1,
	    "", "pid=1 pgid=1 pstart=1 boot=- host=h");
	rel_tr_line(&b, t, "bob", "dev/action/ui", "pending", "running", 1,
	    "", "pid=1 pgid=1 pstart=1 boot=- host=h");
	rel_out_line(&b, t + 10, "dev/action/api", "url", out_value, 1);
	rel_tr_line(&b, t + 20, "bob", "dev/action/api", "running", end, 1,
	    !strcmp(end, "failed") ? "exit 1" : "", "code=1");
	rel_tr_line(&b, t + 20, "bob", "dev/action/ui", "running",
	    "succeeded", 1, "", "code=0");
	rel_tr_line(&b, t + 30, "bob", "dev", "running", end, 1,
	    !strcmp(end, "failed") ? "dev action failed: exit 1" : "", "");
	if (rel_release_update(&fx->s.p, n, append, b.s, 0, NULL, &err))
		fail_msg("update: %s", err.msg);
	rel_buf_free(&b);
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	struct rel_err err = { 0, "" };
	struct rel_log *log;
	char path[UNIT_PATH_MAX];
	unsigned long n;

	if (!fx || unit_store_open(&fx->s, "state", "test_html", flow_yaml))
		return -1;
	*state = fx;
	/* web-1 went through dev; web-2 is hostile and failed there, with a
	 * log of 100 lines; web-3 is new. */
	fx->message = "first";
	fx->version = "1.0";
	if (rel_release_create(&fx->s.p, build, fx, &n, &err))
		return -1;
	run_dev(fx, n, "succeeded", "https://dev.example.org/?a=1&b=2");
	fx->message = "<img src=x onerror=alert(1)>";
	fx->version = "\"><script>alert(2)</script>";
	if (rel_release_create(&fx->s.p, build, fx, &n, &err))
		return -1;
	run_dev(fx, n, "failed", "javascript:alert(3)");
	if (rel_log_open(&fx->s.p, "web-2", "dev", "action@api.1.log.gz", &log,
	    path, sizeof path, &err))
		return -1;
	for (int i = 1; i <= 100; i++) {
		char line[32];

		snprintf(line, sizeof line, "line %d <b>\n", i);
		rel_log_write(log, line, strlen(line));
	}
	if (rel_log_close(log, &err))
		return -1;
	fx->message = "third";
	fx->version = "1.1";
	return rel_release_create(&fx->s.p, build, fx, &n, &err) ? -1 : 0;
}

struct rect {
	int x, y, w, h;
};

static void
test_flow_picture(void **state)
{
	struct fixture *fx = *state;
	struct rel_release *r;
	struct rel_svgflow_box box[4];
	struct rel_buf out = REL_BUF_INIT;
	struct rel_err err = { 0, "" };
	struct rect rc[8];
	int nrect = 0, npath = 0, nhead = 0, width, height, right = 0;
	const char *p;

	assert_int_equal(rel_release_load(&fx->s.p, 1, &r, &err), 0);
	for (int i = 0; i < 4; i++)
		box[i] = (struct rel_svgflow_box){ 1, r->envs[i].status,
		    rel_status_name(r->envs[i].status), "live: -", NULL };
	rel_svgflow(r, box, "the <flow>", &out);
	assert_false(out.oom);
	assert_int_equal(sscanf(out.s, "<svg class=\"flow\" xmlns=\"http://"
	    "www.w3.org/2000/svg\" width=\"%d\" height=\"%d\"", &width,
	    &height), 2);
	assert_non_null(strstr(out.s, "<title>the &lt;flow&gt;</title>"));
	assert_non_null(strstr(out.s, "<g class=\"env manual s-pending\">"));
	for (p = out.s; (p = strstr(p, "<rect ")); p++) {
		assert_true(nrect < 8);
		assert_int_equal(sscanf(p, "<rect x=\"%d\" y=\"%d\" width=\"%d\" "
		    "height=\"%d\"", &rc[nrect].x, &rc[nrect].y, &rc[nrect].w,
		    &rc[nrect].h), 4);
		assert_true(rc[nrect].x >= 0 && rc[nrect].y >= 0);
		assert_true(rc[nrect].x + rc[nrect].w <= width);
		assert_true(rc[nrect].y + rc[nrect].h <= height);
		if (rc[nrect].x + rc[nrect].w > right)
			right = rc[nrect].x + rc[nrect].w;
		nrect++;
	}
	assert_int_equal(nrect, 4);
	/* No box over another; qa and audit side by side. */
	for (int i = 0; i < nrect; i++)
		for (int j = i + 1; j < nrect; j++)
			assert_true(rc[i].x + rc[i].w <= rc[j].x ||
			    rc[j].x + rc[j].w <= rc[i].x ||
			    rc[i].y + rc[i].h <= rc[j].y ||
			    rc[j].y + rc[j].h <= rc[i].y);
	assert_int_equal(rc[1].y, rc[2].y);
	assert_true(rc[0].y < rc[1].y && rc[1].y < rc[3].y);
	/* An arrow per need: qa, audit and prod after dev, prod after qa;
	 * the one that skips a row runs right of every box.  A head per
	 * environment that needs another. */
	for (p = out.s; (p = strstr(p, "<path d=\"")); p++) {
		const char *h = strchr(p, 'H');

		npath++;
		if (h && h < strchr(p, '>'))
			assert_true(atoi(h + 1) > right);
	}
	assert_int_equal(npath, 4);
	for (p = out.s; (p = strstr(p, "<polygon ")); p++)
		nhead++;
	assert_int_equal(nhead, 3);
	rel_buf_free(&out);
	rel_release_free(r);
}

static void
warn(const char *msg, void *arg)
{
	(void)msg, (void)arg;
	fail_msg("unexpected warning: %s", msg);
}

static void
test_product_page(void **state)
{
	struct fixture *fx = *state;
	struct rel_buf out = REL_BUF_INIT;
	struct rel_err err = { 0, "" };
	struct rel_html h = { .out = &out, .limit = 2, .now = T0 + 10000000,
	    .warn = warn };
	const char *names[] = { "web" };

	rel_html_begin(&h, names, 1, 0);
	assert_int_equal(rel_html_product(&h, &fx->s.p, &err), 0);
	rel_html_end(&h);
	assert_false(out.oom);
	assert_non_null(strstr(out.s, "<title>rel: web</title>"));
	assert_non_null(strstr(out.s, "3 releases; below, the newest 2, older "
	    "ones not shown"));
	assert_non_null(strstr(out.s, "<a href=\"#web-3\">web-3</a></th>"));
	assert_non_null(strstr(out.s, "<a href=\"#web-2\">web-2</a></th>"));
	assert_null(strstr(out.s, "href=\"#web-1\""));
	assert_non_null(strstr(out.s, "<section class=\"release\" id=\"web-2\">"));
	assert_non_null(strstr(out.s, "&lt;img src=x onerror=alert(1)&gt;"));
	assert_non_null(strstr(out.s,
	    "api=&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
	assert_non_null(strstr(out.s, "url = javascript:alert(3)</li>"));
	assert_null(strstr(out.s, "<script"));
	assert_null(strstr(out.s, "<img"));
	assert_null(strstr(out.s, "href=\"javascript"));
	/* Who promoted and why, and the failure. */
	assert_non_null(strstr(out.s, "<td>bob</td><td class=\"text\">auto; "
	    "promoted: ship it; dev action failed: exit 1</td>"));
	/* The log's last 40 lines: 61 to 100. */
	assert_non_null(strstr(out.s, "<pre>line 61 &lt;b&gt;\n"));
	assert_null(strstr(out.s, "line 60 "));
	assert_non_null(strstr(out.s, "line 100 &lt;b&gt;\n</pre>"));
	/* web-2's ui failed nothing: one log shown. */
	assert_null(strstr(strstr(out.s, "</pre>") + 1, "<pre>"));
	assert_non_null(strstr(out.s, "</main>\n</body>\n</html>\n"));
	rel_buf_free(&out);
}

static void
test_release_page(void **state)
{
	struct fixture *fx = *state;
	struct rel_buf out = REL_BUF_INIT;
	struct rel_err err = { 0, "" };
	struct rel_html h = { .out = &out, .now = T0 + 10000000,
	    .warn = warn };

	assert_int_equal(rel_html_release(&h, &fx->s.p, 9, &err),
	    REL_ENOTFOUND);
	assert_int_equal(out.len, 0);
	assert_int_equal(rel_html_release(&h, &fx->s.p, 1, &err), 0);
	assert_non_null(strstr(out.s, "<section class=\"release\" id=\"web-1\">"
	    "\n<h2>"));
	assert_non_null(strstr(out.s, "<svg class=\"flow\""));
	assert_non_null(strstr(out.s, "url = <a href=\"https://dev.example.org"
	    "/?a=1&amp;b=2\">https://dev.example.org/?a=1&amp;b=2</a>"));
	assert_null(strstr(out.s, "<figure>\n<figcaption>"));
	assert_int_equal(h.sections, 1);
	rel_buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_flow_picture, setup,
		    unit_store_teardown),
		cmocka_unit_test_setup_teardown(test_product_page, setup,
		    unit_store_teardown),
		cmocka_unit_test_setup_teardown(test_release_page, setup,
		    unit_store_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
