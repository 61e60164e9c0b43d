/*
 * test_flow.c - the flow parser (lib/flow.c, rel-flow(5)): what a good
 * flow becomes, what every bad one is refused with (the exact
 * FILE:LINE:COLUMN and the gist of the message), hostile YAML refused
 * fast, and rel_flow_load on files that are not regular.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "flow.h"
#include "when.h"

#define PATH "flows/web.yaml"

/* The example of the task and of rel-flow(5), comments included. */
static const char example[] =
    "product: web          # optional\n"
    "repo: ..              # optional string\n"
    "timeout: 2h           # optional flow timeout\n"
    "best_effort: false    # optional boolean, default false\n"
    "parallel: 4           # optional integer 1..64\n"
    "components: [api, ui] # optional non-empty list of unique names\n"
    "environments:         # required, non-empty list, in order\n"
    "  - name: dev\n"
    "    needs: [ ]\n"
    "    trigger: auto\n"
    "    timeout: 10m\n"
    "    best_effort: true\n"
    "    pre:  [ {name: lint, run: \"make lint\", timeout: 5m} ]\n"
    "    action: ./deploy.sh\n"
    "    verify: {run: ./health.sh, retries: 3, interval: 5s}\n"
    "    post: [ {name: notify, run: ./notify.sh} ]\n";

static struct rel_flow *
parse_ok(const char *yaml)
{
	struct rel_flow *flow = NULL;
	struct rel_err err = { 0, "" };
	int rc;

	rc = rel_flow_parse(PATH, yaml, strlen(yaml), "web", &flow, &err);
	if (rc != 0)
		fail_msg("unexpected error %d: %s", rc, err.msg);
	assert_non_null(flow);
	return flow;
}

/* Parsing buf[0..len) fails with "PATH:line:col: ...part...". */
static void
expect_error_len(const char *yaml, size_t len, int line, int col,
    const char *part)
{
	struct rel_flow *flow = (struct rel_flow *)&flow; /* not NULL */
	struct rel_err err = { 0, "" };
	char prefix[128];
	int rc;

	rc = rel_flow_parse(PATH, yaml, len, "web", &flow, &err);
	assert_int_equal(rc, REL_EUSAGE);
	assert_int_equal(err.code, REL_EUSAGE);
	assert_null(flow);
	snprintf(prefix, sizeof prefix, "%s:%d:%d: ", PATH, line, col);
	if (strncmp(err.msg, prefix, strlen(prefix)) != 0 ||
	    !strstr(err.msg, part))
		fail_msg("got \"%s\", want \"%s...%s...\"", err.msg, prefix,
		    part);
}

static void
expect_error(const char *yaml, int line, int col, const char *part)
{
	expect_error_len(yaml, strlen(yaml), line, col, part);
}

static const struct rel_flow_step *
step(const struct rel_flow_env *e, size_t i)
{
	assert_true(i < e->nsteps);
	return &e->steps[i];
}

static void
test_full_example(void **state)
{
	struct rel_flow *f = parse_ok(example);
	const struct rel_flow_env *e;
	const struct rel_flow_step *s;

	(void)state;
	assert_string_equal(f->product, "web");
	assert_string_equal(f->repo, "..");
	assert_int_equal(f->timeout, 2 * 3600);
	assert_int_equal(f->best_effort, 0);
	assert_int_equal(f->parallel, 4);
	assert_int_equal(f->ncomponents, 2);
	assert_string_equal(f->components[0], "api");
	assert_string_equal(f->components[1], "ui");
	assert_int_equal(f->nenvs, 1);
	e = &f->envs[0];
	assert_string_equal(e->name, "dev");
	assert_int_equal(e->line, 8);
	assert_int_equal(e->column, 5);
	assert_int_equal(e->nneeds, 0);
	assert_int_equal(e->trigger, REL_TRIGGER_AUTO);
	assert_int_equal(e->timeout, 600);
	assert_int_equal(e->best_effort, 1);
	assert_int_equal(e->nsteps, 4);

	s = step(e, 0);
	assert_string_equal(s->name, "lint");
	assert_int_equal(s->kind, REL_STEP_PRE);
	assert_string_equal(s->run, "make lint");
	assert_int_equal(s->timeout, 300);
	assert_int_equal(s->retries, 0);
	assert_int_equal(s->interval, 0);
	assert_int_equal(s->line, 13);
	assert_int_equal(s->column, 13);

	s = step(e, 1);
	assert_string_equal(s->name, "action");
	assert_int_equal(s->kind, REL_STEP_ACTION);
	assert_string_equal(s->run, "./deploy.sh");
	assert_int_equal(s->timeout, 0);
	assert_int_equal(s->line, 14);
	assert_int_equal(s->column, 13);

	s = step(e, 2);
	assert_string_equal(s->name, "verify");
	assert_int_equal(s->kind, REL_STEP_VERIFY);
	assert_string_equal(s->run, "./health.sh");
	assert_int_equal(s->timeout, 0);
	assert_int_equal(s->retries, 3);
	assert_int_equal(s->interval, 5);
	assert_int_equal(s->line, 15);

	s = step(e, 3);
	assert_string_equal(s->name, "notify");
	assert_int_equal(s->kind, REL_STEP_POST);
	assert_string_equal(s->run, "./notify.sh");
	assert_int_equal(s->line, 16);
	assert_int_equal(s->column, 13);
	rel_flow_free(f);
}

static void
test_defaults(void **state)
{
	struct rel_flow *f = parse_ok(
	    "environments:\n"
	    "  - name: dev\n"
	    "  - name: qa\n"
	    "    best_effort: yes\n"
	    "  - name: prod\n"
	    "    trigger: manual\n");

	(void)state;
	assert_string_equal(f->product, "web");
	assert_null(f->repo);
	assert_int_equal(f->timeout, 0);
	assert_int_equal(f->best_effort, 0);
	assert_int_equal(f->parallel, REL_FLOW_PARALLEL_DEFAULT);
	assert_int_equal(f->ncomponents, 1);
	assert_string_equal(f->components[0], "web");
	assert_int_equal(f->nenvs, 3);
	/* Each needs the one before; the first none. */
	assert_int_equal(f->envs[0].nneeds, 0);
	assert_null(f->envs[0].needs);
	assert_int_equal(f->envs[1].nneeds, 1);
	assert_int_equal(f->envs[1].needs[0], 0);
	assert_int_equal(f->envs[2].nneeds, 1);
	assert_int_equal(f->envs[2].needs[0], 1);
	assert_int_equal(f->envs[0].trigger, REL_TRIGGER_AUTO);
	assert_int_equal(f->envs[2].trigger, REL_TRIGGER_MANUAL);
	assert_int_equal(f->envs[0].timeout, 0);
	assert_int_equal(f->envs[0].best_effort, 0);
	assert_int_equal(f->envs[1].best_effort, 1);
	assert_int_equal(f->envs[0].nsteps, 0);
	assert_null(f->envs[0].steps);
	rel_flow_free(f);
}

static void
test_flow_best_effort_inherited(void **state)
{
	struct rel_flow *f = parse_ok(
	    "best_effort: TRUE\n"
	    "environments:\n"
	    "  - name: dev\n"
	    "  - name: prod\n"
	    "    best_effort: No\n");

	(void)state;
	assert_int_equal(f->best_effort, 1);
	assert_int_equal(f->envs[0].best_effort, 1);
	assert_int_equal(f->envs[1].best_effort, 0);
	rel_flow_free(f);
}

static void
test_step_forms(void **state)
{
	struct rel_flow *f = parse_ok(
	    "environments:\n"
	    "  - name: dev\n"
	    "    timeout: 1h30m\n"
	    "    pre:\n"
	    "      - make lint\n"
	    "      - {run: make test, timeout: 1m}\n"
	    "      - name: pre-1x\n"
	    "        run: 'echo \"quoted\"'\n"
	    "    action: {run: ./deploy.sh, timeout: 2m}\n"
	    "    verify: ./health.sh\n"
	    "    post:\n"
	    "      - ./notify.sh\n"
	    "      - |\n"
	    "        echo one\n"
	    "        echo two\n");
	const struct rel_flow_env *e = &f->envs[0];

	(void)state;
	assert_int_equal(e->timeout, 5400);
	assert_int_equal(e->nsteps, 7);
	assert_string_equal(step(e, 0)->name, "pre-1");
	assert_string_equal(step(e, 0)->run, "make lint");
	assert_int_equal(step(e, 0)->timeout, 0);
	assert_int_equal(step(e, 0)->line, 5);
	assert_int_equal(step(e, 0)->column, 9);
	assert_string_equal(step(e, 1)->name, "pre-2");
	assert_string_equal(step(e, 1)->run, "make test");
	assert_int_equal(step(e, 1)->timeout, 60);
	assert_string_equal(step(e, 2)->name, "pre-1x");
	assert_string_equal(step(e, 2)->run, "echo \"quoted\"");
	assert_int_equal(step(e, 3)->kind, REL_STEP_ACTION);
	assert_int_equal(step(e, 3)->timeout, 120);
	assert_int_equal(step(e, 4)->kind, REL_STEP_VERIFY);
	assert_string_equal(step(e, 4)->run, "./health.sh");
	assert_int_equal(step(e, 4)->retries, 0);
	assert_int_equal(step(e, 4)->interval, 5);
	assert_string_equal(step(e, 5)->name, "post-1");
	assert_int_equal(step(e, 5)->kind, REL_STEP_POST);
	assert_string_equal(step(e, 6)->name, "post-2");
	assert_string_equal(step(e, 6)->run, "echo one\necho two\n");
	rel_flow_free(f);
}

static void
test_needs_forms(void **state)
{
	struct rel_flow *f = parse_ok(
	    "environments:\n"
	    "  - name: dev\n"
	    "  - name: other\n"
	    "    needs: []\n"
	    "  - name: qa\n"
	    "    needs: dev\n"
	    "  - name: prod\n"
	    "    needs: [qa, other]\n");

	(void)state;
	assert_int_equal(f->envs[1].nneeds, 0);
	assert_int_equal(f->envs[2].nneeds, 1);
	assert_int_equal(f->envs[2].needs[0], 0);
	assert_int_equal(f->envs[3].nneeds, 2);
	assert_int_equal(f->envs[3].needs[0], 2);
	assert_int_equal(f->envs[3].needs[1], 1);
	rel_flow_free(f);
}

static void
test_index_lookups(void **state)
{
	struct rel_flow *f = parse_ok(example);

	(void)state;
	assert_int_equal(rel_flow_env_index(f, "dev"), 0);
	assert_int_equal(rel_flow_env_index(f, "prod"), -1);
	assert_int_equal(rel_flow_env_index(f, "de"), -1);
	assert_int_equal(rel_flow_component_index(f, "api"), 0);
	assert_int_equal(rel_flow_component_index(f, "ui"), 1);
	assert_int_equal(rel_flow_component_index(f, "web"), -1);
	rel_flow_free(f);
}

static void
test_topo_parallel(void **state)
{
	struct rel_flow *f = parse_ok(
	    "environments:\n"
	    "  - name: dev\n"
	    "  - name: qa\n"
	    "  - name: staging-eu\n"
	    "  - name: staging-us\n"
	    "    needs: qa\n"
	    "  - name: prod\n"
	    "    needs: [staging-eu, staging-us]\n"
	    "    trigger: manual\n");
	size_t order[5];

	(void)state;
	assert_int_equal(f->envs[3].needs[0], 1);
	rel_flow_topo_order(f, order);
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 1);
	assert_int_equal(order[2], 2);
	assert_int_equal(order[3], 3);
	assert_int_equal(order[4], 4);
	rel_flow_free(f);
}

static void
test_topo_not_file_order(void **state)
{
	/* prod is written first but needs the others; b is ready before a
	 * in file order once c is done. */
	struct rel_flow *f = parse_ok(
	    "environments:\n"
	    "  - name: prod\n"
	    "    needs: [a, b]\n"
	    "  - name: a\n"
	    "    needs: [c]\n"
	    "  - name: b\n"
	    "    needs: []\n"
	    "  - name: c\n"
	    "    needs: b\n");
	size_t order[4];

	(void)state;
	rel_flow_topo_order(f, order);
	assert_int_equal(order[0], 2); /* b */
	assert_int_equal(order[1], 3); /* c */
	assert_int_equal(order[2], 1); /* a */
	assert_int_equal(order[3], 0); /* prod */
	rel_flow_free(f);
}

static void
test_anchors_and_aliases(void **state)
{
	struct rel_flow *f = parse_ok(
	    "environments:\n"
	    "  - name: dev\n"
	    "    timeout: &t 10m\n"
	    "    pre:\n"
	    "      - &lint {name: lint, run: make lint, timeout: 5m}\n"
	    "    verify: &health {run: ./health.sh, retries: 2}\n"
	    "    post: &posts [./notify.sh, ./cleanup.sh]\n"
	    "  - name: qa\n"
	    "    timeout: *t\n"
	    "    pre: [*lint, {name: test, run: make test}]\n"
	    "    verify: *health\n"
	    "    post: *posts\n");
	const struct rel_flow_env *qa = &f->envs[1];

	(void)state;
	assert_int_equal(qa->timeout, 600);
	assert_int_equal(qa->nsteps, 5);
	assert_string_equal(step(qa, 0)->name, "lint");
	assert_string_equal(step(qa, 0)->run, "make lint");
	assert_int_equal(step(qa, 0)->timeout, 300);
	/* Where it is used, not where the anchor is. */
	assert_int_equal(step(qa, 0)->line, 10);
	assert_int_equal(step(qa, 0)->column, 11);
	assert_string_equal(step(qa, 1)->name, "test");
	assert_int_equal(step(qa, 2)->kind, REL_STEP_VERIFY);
	assert_int_equal(step(qa, 2)->retries, 2);
	assert_string_equal(step(qa, 3)->name, "post-1");
	assert_string_equal(step(qa, 4)->run, "./cleanup.sh");
	/* The copies are the flow's own, not shared. */
	assert_ptr_not_equal(step(qa, 0)->run, f->envs[0].steps[0].run);
	rel_flow_free(f);
}

static void
test_alias_used_many_times(void **state)
{
	/* 250 environments sharing one step list: well within the budget. */
	char *y = malloc(64 * 1024), *p = y;
	struct rel_flow *f;

	(void)state;
	assert_non_null(y);
	p += sprintf(p, "environments:\n  - name: e0\n"
	    "    pre: &s [a, b, c, {name: d, run: e}]\n");
	for (int i = 1; i < 250; i++)
		p += sprintf(p, "  - name: e%d\n    pre: *s\n", i);
	f = parse_ok(y);
	assert_int_equal(f->nenvs, 250);
	assert_string_equal(f->envs[249].steps[3].name, "d");
	rel_flow_free(f);
	free(y);
}

static void
test_billion_laughs(void **state)
{
	static const char y[] =
	    "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
	    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
	    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
	    "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
	    "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
	int64_t t0 = rel_monotonic_ms();

	(void)state;
	/* With keys and the root, a..d make 12350 nodes; e's first *d
	 * (11111 more) goes over 20000. */
	expect_error(y, 5, 8, "too many YAML nodes (more than 20000");
	assert_true(rel_monotonic_ms() - t0 < 1000);
}

static void
test_deep_nesting(void **state)
{
	size_t n = 1000000;
	char *y = malloc(n + 1);
	int64_t t0;

	(void)state;
	assert_non_null(y);
	memset(y, '[', n);
	y[n] = '\0';
	t0 = rel_monotonic_ms();
	expect_error_len(y, n, 1, REL_FLOW_MAX_DEPTH + 1,
	    "nesting deeper than 32 levels");
	/* Milliseconds in fact; generous for valgrind. */
	assert_true(rel_monotonic_ms() - t0 < 2000);
	free(y);
}

static void
test_depth_limit_exact(void **state)
{
	char y[3 * REL_FLOW_MAX_DEPTH + 32];
	int d = REL_FLOW_MAX_DEPTH;

	(void)state;
	/* 32 levels are YAML we read (and refuse for not being a flow). */
	memset(y, '[', (size_t)d);
	memset(y + d, ']', (size_t)d);
	y[2 * d] = '\0';
	expect_error(y, 1, 1, "a flow must be a mapping, not a list");
	/* Under the root mapping, 31 levels of list fit... */
	memcpy(y, "a: &x ", 6);
	memset(y + 6, '[', (size_t)d - 1);
	memset(y + 6 + d - 1, ']', (size_t)d - 1);
	strcpy(y + 6 + 2 * (d - 1), "\nb: *x\n");
	expect_error(y, 1, 1, "unknown key 'a' in the flow");
	/* ...but not one level deeper, written out or through an alias. */
	strcpy(y + 6 + 2 * (d - 1), "\nb: [*x]\n");
	expect_error(y, 2, 5, "nesting deeper than 32 levels (counting "
	    "what aliases expand to)");
}

static void
test_nul_byte(void **state)
{
	static const char y[] = "environments:\n  - name: d\0ev\n";

	(void)state;
	expect_error_len(y, sizeof y - 1, 2, 12, "NUL byte at byte offset 25");
}

static void
test_oversize(void **state)
{
	size_t n = REL_FLOW_MAX_BYTES + 1;
	char *y = malloc(n);

	(void)state;
	assert_non_null(y);
	memset(y, '#', n);
	expect_error_len(y, n, 1, 1, "too large (1048577 bytes, at most");
	free(y);
}

static void
test_too_many_envs(void **state)
{
	char *y = malloc(16 * 1024), *p;
	struct rel_flow *f;
	size_t order[REL_FLOW_MAX_ENVS];
	int i;

	(void)state;
	assert_non_null(y);
	p = y + sprintf(y, "environments:\n");
	for (i = 0; i < REL_FLOW_MAX_ENVS; i++)
		p += sprintf(p, "  - name: e%d\n", i);
	f = parse_ok(y);
	assert_int_equal(f->nenvs, REL_FLOW_MAX_ENVS);
	rel_flow_topo_order(f, order);
	for (i = 0; i < REL_FLOW_MAX_ENVS; i++)
		assert_int_equal(order[i], i);
	rel_flow_free(f);
	sprintf(p, "  - name: one-more\n");
	expect_error(y, 2, 3, "too many environments (257, at most 256)");
	free(y);
}

static void
test_too_many_components(void **state)
{
	char *y = malloc(16 * 1024), *p;
	int i;

	(void)state;
	assert_non_null(y);
	p = y + sprintf(y, "components: [c0");
	for (i = 1; i <= REL_FLOW_MAX_COMPONENTS; i++)
		p += sprintf(p, ", c%d", i);
	sprintf(p, "]\nenvironments: [{name: dev}]\n");
	expect_error(y, 1, 13, "too many components (257, at most 256)");
	free(y);
}

static void
test_too_many_steps(void **state)
{
	char *y = malloc(16 * 1024), *p;
	struct rel_flow *f;
	int i;

	(void)state;
	assert_non_null(y);
	p = y + sprintf(y, "environments:\n  - name: dev\n    action: x\n"
	    "    pre: [");
	for (i = 0; i < 200; i++)
		p += sprintf(p, "%sa", i ? ", " : "");
	p += sprintf(p, "]\n    post: [");
	for (i = 0; i < 56; i++)
		p += sprintf(p, "%sb", i ? ", " : "");
	sprintf(p, "]\n");
	f = parse_ok(y);
	assert_int_equal(f->envs[0].nsteps, 257);
	assert_string_equal(f->envs[0].steps[200].name, "action");
	assert_string_equal(f->envs[0].steps[256].name, "post-56");
	rel_flow_free(f);
	sprintf(p, ", b]\n");
	expect_error(y, 2, 5, "too many steps in environment 'dev' (257 pre "
	    "and post steps, at most 256)");
	free(y);
}

static void
test_run_length(void **state)
{
	size_t n = REL_FLOW_MAX_RUN;
	char *y = malloc(n + 128), *p;
	struct rel_flow *f;

	(void)state;
	assert_non_null(y);
	p = y + sprintf(y, "environments:\n  - name: dev\n    action: ");
	memset(p, 'x', n);
	strcpy(p + n, "\n");
	f = parse_ok(y);
	assert_int_equal(strlen(f->envs[0].steps[0].run), n);
	rel_flow_free(f);
	memset(p, 'x', n + 1);
	strcpy(p + n + 1, "\n");
	expect_error(y, 3, 13, "'run' is too long (65537 bytes, at most 65536)");
	free(y);
}

static void
test_free_null(void **state)
{
	(void)state;
	rel_flow_free(NULL);
}

/*
 * Refused flows, one test each: YAML, line, column, part of the message.
 */
#define ERRORS(X) \
	X(trigger_word, \
	    "product: web\n" \
	    "timeout: 1h\n" \
	    "environments:\n" \
	    "  - name: dev\n" \
	    "  - name: qa\n" \
	    "  - name: prod\n" \
	    "    trigger: sometimes\n", \
	    7, 14, "'trigger' must be auto or manual, not 'sometimes'") \
	X(trigger_case, \
	    "environments: [{name: dev, trigger: Manual}]\n", \
	    1, 37, "'trigger' must be auto or manual, not 'Manual'") \
	X(unknown_env_key, \
	    "environments:\n  - name: dev\n    timout: 10m\n", \
	    3, 5, "unknown key 'timout' in environment 'dev'") \
	X(unknown_top_key, \
	    "product: web\nstages: []\nenvironments: [{name: dev}]\n", \
	    2, 1, "unknown key 'stages' in the flow") \
	X(unknown_step_key, \
	    "environments:\n  - name: dev\n    pre:\n      - run: make\n" \
	    "        retries: 2\n", \
	    5, 9, "unknown key 'retries' in pre step 1 of environment 'dev'") \
	X(unknown_verify_key, \
	    "environments:\n  - name: dev\n" \
	    "    verify: {run: x, retry: 2}\n", \
	    3, 22, "unknown key 'retry' in 'verify' of environment 'dev'") \
	X(unknown_action_key, \
	    "environments:\n  - name: dev\n" \
	    "    action: {run: x, retries: 2}\n", \
	    3, 22, "unknown key 'retries' in 'action' of environment 'dev'") \
	X(merge_key, \
	    "environments:\n  - &base {name: dev, trigger: auto}\n" \
	    "  - <<: *base\n    name: qa\n", \
	    3, 5, "unknown key '<<' in environment 'qa': YAML merge keys " \
	    "are not supported") \
	X(duplicate_key, \
	    "environments:\n  - name: dev\n    name: qa\n", \
	    3, 5, "duplicate key 'name' (first on line 2)") \
	X(duplicate_top_key, \
	    "timeout: 1h\nenvironments: [{name: dev}]\ntimeout: 2h\n", \
	    3, 1, "duplicate key 'timeout'") \
	X(key_not_string, \
	    "environments:\n  - name: dev\n    ? [a]\n    : b\n", \
	    3, 7, "a key must be a string, not a list") \
	X(envs_mapping, \
	    "environments:\n  dev: {}\n", \
	    2, 3, "'environments' must be a list, not a mapping") \
	X(envs_missing, \
	    "product: web\n", \
	    1, 1, "missing 'environments' in the flow") \
	X(envs_empty, \
	    "environments: []\n", \
	    1, 15, "'environments' must not be empty") \
	X(envs_null, \
	    "environments: ~\n", \
	    1, 15, "'environments' must be a list, not an empty value") \
	X(env_not_mapping, \
	    "environments: [dev]\n", \
	    1, 16, "each item of 'environments' must be a mapping, " \
	    "not a string") \
	X(env_no_name, \
	    "environments:\n  - name: dev\n  - trigger: manual\n", \
	    3, 5, "missing 'name' in environment 2") \
	X(env_bad_name, \
	    "environments:\n  - name: ../etc\n", \
	    2, 11, "bad environment name '../etc'") \
	X(env_name_list, \
	    "environments:\n  - name: [dev]\n", \
	    2, 11, "'name' must be a string, not a list") \
	X(env_duplicate, \
	    "environments:\n  - name: dev\n  - name: qa\n  - name: dev\n", \
	    4, 11, "duplicate environment 'dev' (first on line 2)") \
	X(product_other, \
	    "product: api\nenvironments: [{name: dev}]\n", \
	    1, 10, "'product' is 'api' but the flow is read for product 'web'") \
	X(product_release_like, \
	    "product: web-12\nenvironments: [{name: dev}]\n", \
	    1, 10, "bad product name 'web-12': it must not end in '-'") \
	X(product_bad, \
	    "product: 'w b'\nenvironments: [{name: dev}]\n", \
	    1, 10, "bad product name 'w b'") \
	X(repo_list, \
	    "repo: [a]\nenvironments: [{name: dev}]\n", \
	    1, 7, "'repo' must be a string, not a list") \
	X(duration_no_unit, \
	    "timeout: 30\nenvironments: [{name: dev}]\n", \
	    1, 10, "bad timeout '30': a number needs a unit") \
	X(duration_word, \
	    "environments:\n  - name: dev\n    timeout: soon\n", \
	    3, 14, "bad timeout 'soon': expected a duration") \
	X(duration_order, \
	    "environments:\n  - name: dev\n    action: {run: x, timeout: 30m1h}\n", \
	    3, 31, "units must go from largest to smallest") \
	X(duration_list, \
	    "environments:\n  - name: dev\n    pre: [{run: x, timeout: [1m]}]\n", \
	    3, 29, "'timeout' must be a duration such as 30s, 10m or 1h30m, " \
	    "not a list") \
	X(interval_bad, \
	    "environments:\n  - name: dev\n" \
	    "    verify: {run: x, interval: 0s}\n", \
	    3, 32, "bad interval '0s': must be longer than zero") \
	X(empty_document, \
	    "", \
	    1, 1, "empty flow") \
	X(comments_only, \
	    "# nothing here\n\n", \
	    1, 1, "empty flow") \
	X(root_scalar, \
	    "hello\n", \
	    1, 1, "a flow must be a mapping, not a string") \
	X(root_list, \
	    "- name: dev\n", \
	    1, 1, "a flow must be a mapping, not a list") \
	X(root_null, \
	    "--- ~\n", \
	    1, 5, "a flow must be a mapping, not an empty value") \
	X(two_documents, \
	    "environments: [{name: dev}]\n---\nenvironments: [{name: qa}]\n", \
	    2, 1, "more than one YAML document") \
	X(int_quoted, \
	    "parallel: \"3\"\nenvironments: [{name: dev}]\n", \
	    1, 11, "'parallel' must be an integer, not a quoted string") \
	X(int_zero, \
	    "parallel: 0\nenvironments: [{name: dev}]\n", \
	    1, 11, "'parallel' must be an integer from 1 to 64, not '0'") \
	X(int_big, \
	    "parallel: 99999999999999999999\nenvironments: [{name: dev}]\n", \
	    1, 11, "'parallel' must be an integer from 1 to 64") \
	X(int_word, \
	    "parallel: four\nenvironments: [{name: dev}]\n", \
	    1, 11, "'parallel' must be an integer from 1 to 64, not 'four'") \
	X(retries_big, \
	    "environments:\n  - name: dev\n" \
	    "    verify: {run: x, retries: 101}\n", \
	    3, 31, "'retries' must be an integer from 0 to 100, not '101'") \
	X(retries_negative, \
	    "environments:\n  - name: dev\n" \
	    "    verify: {run: x, retries: -1}\n", \
	    3, 31, "'retries' must be an integer from 0 to 100, not '-1'") \
	X(bool_word, \
	    "best_effort: maybe\nenvironments: [{name: dev}]\n", \
	    1, 14, "'best_effort' must be true or false, not 'maybe'") \
	X(bool_quoted, \
	    "environments:\n  - name: dev\n    best_effort: 'true'\n", \
	    3, 18, "'best_effort' must be true or false, not a quoted string") \
	X(needs_unknown, \
	    "environments:\n  - name: dev\n  - name: prod\n" \
	    "    needs: [dev, stagng]\n", \
	    4, 18, "unknown environment 'stagng' in 'needs' of environment " \
	    "'prod'") \
	X(needs_unknown_string, \
	    "environments:\n  - name: dev\n    needs: qa\n", \
	    3, 12, "unknown environment 'qa'") \
	X(needs_duplicate, \
	    "environments:\n  - name: dev\n  - name: prod\n" \
	    "    needs: [dev, dev]\n", \
	    4, 18, "'needs' of environment 'prod' names 'dev' twice") \
	X(needs_mapping, \
	    "environments:\n  - name: dev\n    needs: {a: b}\n", \
	    3, 12, "'needs' must be a list of environment names or one name, " \
	    "not a mapping") \
	X(needs_item_list, \
	    "environments:\n  - name: dev\n  - name: qa\n" \
	    "    needs: [[dev]]\n", \
	    4, 13, "'needs' must be an environment name, not a list") \
	X(needs_self, \
	    "environments:\n  - name: dev\n    needs: dev\n", \
	    3, 12, "cycle in needs: dev -> dev") \
	X(needs_cycle_implicit, \
	    "environments:\n  - name: a\n    needs: [b]\n  - name: b\n", \
	    4, 5, "cycle in needs: a -> b -> a") \
	X(needs_cycle, \
	    "environments:\n" \
	    "  - name: a\n    needs: [c]\n" \
	    "  - name: b\n    needs: [a]\n" \
	    "  - name: c\n    needs: [b]\n", \
	    5, 13, "cycle in needs: a -> c -> b -> a") \
	X(step_reserved, \
	    "environments:\n  - name: dev\n" \
	    "    pre: [{name: action, run: x}]\n", \
	    3, 18, "step name 'action' is reserved") \
	X(step_duplicate, \
	    "environments:\n  - name: dev\n" \
	    "    pre: [{name: lint, run: a}]\n" \
	    "    post: [{name: lint, run: b}]\n", \
	    4, 12, "duplicate step 'lint' in environment 'dev' (first on " \
	    "line 3)") \
	X(step_duplicate_made_up, \
	    "environments:\n  - name: dev\n" \
	    "    pre: [{name: pre-2, run: a}, b]\n", \
	    3, 34, "duplicate step 'pre-2'") \
	X(step_bad_name, \
	    "environments:\n  - name: dev\n" \
	    "    pre: [{name: 'a b', run: x}]\n", \
	    3, 18, "bad step name 'a b'") \
	X(step_no_run, \
	    "environments:\n  - name: dev\n    pre: [{name: lint}]\n", \
	    3, 11, "missing 'run' in step 'lint' of environment 'dev'") \
	X(step_empty_run, \
	    "environments:\n  - name: dev\n    action: \"\"\n", \
	    3, 13, "'run' must not be empty") \
	X(step_blank_run, \
	    "environments:\n  - name: dev\n    action: {run: '  '}\n", \
	    3, 19, "'run' must not be empty") \
	X(step_null_run, \
	    "environments:\n  - name: dev\n    verify: {run: }\n", \
	    3, 19, "'run' must be a command, not an empty value") \
	X(step_nul_escape, \
	    "environments:\n  - name: dev\n    action: \"a\\0b\"\n", \
	    3, 13, "'run' must not contain a NUL byte") \
	X(steps_not_list, \
	    "environments:\n  - name: dev\n    pre: make lint\n", \
	    3, 10, "'pre' must be a list, not a string") \
	X(step_item_list, \
	    "environments:\n  - name: dev\n    post: [[a]]\n", \
	    3, 12, "each item of 'post' must be a mapping or a string, " \
	    "not a list") \
	X(action_list, \
	    "environments:\n  - name: dev\n    action: [a]\n", \
	    3, 13, "'action' must be a mapping or a string, not a list") \
	X(components_empty, \
	    "components: []\nenvironments: [{name: dev}]\n", \
	    1, 13, "'components' must not be empty") \
	X(components_string, \
	    "components: api\nenvironments: [{name: dev}]\n", \
	    1, 13, "'components' must be a list, not a string") \
	X(components_duplicate, \
	    "components: [api, ui, api]\nenvironments: [{name: dev}]\n", \
	    1, 23, "duplicate component 'api' (first on line 1)") \
	X(components_bad_name, \
	    "components: [api, -ui]\nenvironments: [{name: dev}]\n", \
	    1, 19, "bad component name '-ui'") \
	X(syntax, \
	    "environments: [{name: dev}\n", \
	    2, 1, "did not find expected ',' or ']'") \
	X(syntax_indent, \
	    "environments:\n  - name: dev\n   bad\n", \
	    3, 4, "did not find expected '-' indicator") \
	X(bad_utf8, \
	    "environments:\n  - name: \"\xc3\"\n", \
	    2, 13, "invalid trailing UTF-8 octet") \
	X(tag, \
	    "environments: !!seq [{name: dev}]\n", \
	    1, 15, "YAML tags such as '!!seq' are not supported") \
	X(alias_undefined, \
	    "environments: *nope\n", \
	    1, 15, "alias '*nope' refers to no anchor defined before it") \
	X(alias_recursive, \
	    "environments: &a [*a]\n", \
	    1, 19, "alias '*a' is inside the node it refers to") \
	X(alias_type_at_use, \
	    "environments:\n  - name: dev\n    verify: &v {run: x}\n" \
	    "  - name: qa\n    needs: *v\n", \
	    5, 12, "'needs' must be a list of environment names or one " \
	    "name, not a mapping")

#define DEFINE(name, yaml, line, col, part) \
	static void \
	test_error_##name(void **state) \
	{ \
		(void)state; \
		expect_error(yaml, line, col, part); \
	}
ERRORS(DEFINE)
#define ENTRY(name, yaml, line, col, part) cmocka_unit_test(test_error_##name),

/* Files, for rel_flow_load: a scratch directory per run. */
static int
setup_dir(void **state)
{
	static char dir[64];

	snprintf(dir, sizeof dir, "/tmp/test_flow.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	*state = dir;
	return 0;
}

static int
teardown_dir(void **state)
{
	static const char *names[] = { "web.yaml", "big.yaml", "fifo",
	    "sparse.yaml" };
	char p[128];
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", (char *)*state, names[i]);
		unlink(p);
	}
	snprintf(p, sizeof p, "%s/subdir", (char *)*state);
	rmdir(p);
	return rmdir((char *)*state);
}

static void
file_path(void **state, const char *name, char *p, size_t n)
{
	snprintf(p, n, "%s/%s", (char *)*state, name);
}

static void
write_file(const char *p, const char *data, size_t len)
{
	FILE *fp = fopen(p, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void
test_load_ok(void **state)
{
	struct rel_flow *f = NULL;
	struct rel_err err = { 0, "" };
	char p[128];

	file_path(state, "web.yaml", p, sizeof p);
	write_file(p, example, strlen(example));
	assert_int_equal(rel_flow_load(p, "web", &f, &err), 0);
	assert_non_null(f);
	assert_string_equal(f->envs[0].steps[0].run, "make lint");
	rel_flow_free(f);
}

static void
test_load_error_names_file(void **state)
{
	struct rel_flow *f = NULL;
	struct rel_err err = { 0, "" };
	char p[128], want[256];

	file_path(state, "web.yaml", p, sizeof p);
	write_file(p, "environments: []\n", 17);
	assert_int_equal(rel_flow_load(p, "web", &f, &err), REL_EUSAGE);
	assert_null(f);
	snprintf(want, sizeof want, "%s:1:15: 'environments' must not be "
	    "empty", p);
	assert_string_equal(err.msg, want);
}

static void
test_load_missing(void **state)
{
	struct rel_flow *f = NULL;
	struct rel_err err = { 0, "" };
	char p[128];

	file_path(state, "nothing.yaml", p, sizeof p);
	assert_int_equal(rel_flow_load(p, "web", &f, &err), REL_ENOTFOUND);
	assert_int_equal(err.code, REL_ENOTFOUND);
	assert_null(f);
	assert_non_null(strstr(err.msg, "nothing.yaml"));
}

static void
test_load_oversize(void **state)
{
	struct rel_flow *f = NULL;
	struct rel_err err = { 0, "" };
	size_t n = REL_FLOW_MAX_BYTES + 1;
	char p[128], *y = malloc(n);

	assert_non_null(y);
	memset(y, '\n', n);
	file_path(state, "big.yaml", p, sizeof p);
	write_file(p, y, n);
	free(y);
	assert_int_equal(rel_flow_load(p, "web", &f, &err), REL_EUSAGE);
	assert_null(f);
	assert_non_null(strstr(err.msg, ":1:1: flow is too large "
	    "(1048577 bytes, at most 1048576)"));
}

static void
test_load_sparse_refused_unread(void **state)
{
	struct rel_flow *f = NULL;
	struct rel_err err = { 0, "" };
	char p[128];
	int fd;
	int64_t t0;

	/* A 1 GiB hole: reading it would take long and need much memory. */
	file_path(state, "sparse.yaml", p, sizeof p);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)1 << 30), 0);
	close(fd);
	t0 = rel_monotonic_ms();
	assert_int_equal(rel_flow_load(p, "web", &f, &err), REL_EUSAGE);
	assert_true(rel_monotonic_ms() - t0 < 1000);
	assert_non_null(strstr(err.msg, "(1073741824 bytes"));
}

static void
test_load_fifo(void **state)
{
	struct rel_flow *f = NULL;
	struct rel_err err = { 0, "" };
	char p[128];

	file_path(state, "fifo", p, sizeof p);
	assert_int_equal(mkfifo(p, 0600), 0);
	/* Without a writer, a blocking open would wait for ever: let the
	 * alarm kill the test instead. */
	alarm(10);
	assert_int_equal(rel_flow_load(p, "web", &f, &err), REL_EUSAGE);
	alarm(0);
	assert_null(f);
	assert_non_null(strstr(err.msg, "not a regular file"));
}

static void
test_load_directory(void **state)
{
	struct rel_flow *f = NULL;
	struct rel_err err = { 0, "" };
	char p[128];

	file_path(state, "subdir", p, sizeof p);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(rel_flow_load(p, "web", &f, &err), REL_EUSAGE);
	assert_null(f);
	assert_non_null(strstr(err.msg, "not a regular file"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_flow_best_effort_inherited),
		cmocka_unit_test(test_step_forms),
		cmocka_unit_test(test_needs_forms),
		cmocka_unit_test(test_index_lookups),
		cmocka_unit_test(test_topo_parallel),
		cmocka_unit_test(test_topo_not_file_order),
		cmocka_unit_test(test_anchors_and_aliases),
		cmocka_unit_test(test_alias_used_many_times),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_depth_limit_exact),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_too_many_envs),
		cmocka_unit_test(test_too_many_components),
		cmocka_unit_test(test_too_many_steps),
		cmocka_unit_test(test_run_length),
		cmocka_unit_test(test_free_null),
		ERRORS(ENTRY)
		cmocka_unit_test(test_load_ok),
		cmocka_unit_test(test_load_error_names_file),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_load_oversize),
		cmocka_unit_test(test_load_sparse_refused_unread),
		cmocka_unit_test(test_load_fifo),
		cmocka_unit_test(test_load_directory),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
