/*
 * test_release.c - release records (lib/release.c): a header written from
 * a flow reads back whole; transitions and outputs appended after it give
 * the statuses of steps, environments and the release; a damaged header
 * is refused, a transition line this rel does not understand is counted
 * and skipped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "journal.h"
#include "release.h"
#include "sha256.h"

#define T0 (INT64_C(1795300751) * 1000 + 123) /* 2026-11-21T22:39:11.123Z */
#define PATH "products/web/releases/web-3"

static const char flow_yaml[] =
    "timeout: 2h\n"
    "parallel: 3\n"
    "components: [api, ui]\n"
    "environments:\n"
    "  - name: dev\n"
    "    timeout: 10m\n"
    "    pre: [ {name: lint, run: make lint} ]\n"
    "    action: ./deploy.sh\n"
    "    verify: {run: ./health.sh, retries: 2, interval: 1s}\n"
    "    post: [ {name: notify, run: ./notify.sh} ]\n"
    "  - name: qa\n"
    "    trigger: manual\n"
    "    best_effort: true\n"
    "    action: ./deploy.sh\n"
    "  - name: prod\n"
    "    needs: [dev, qa]\n"
    "    action: ./deploy.sh\n";

struct fixture {
	struct rel_flow *flow;
	char hash[65];
	struct rel_buf rec;      /* the record being built */
	struct rel_release *r;   /* the last parse */
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	struct rel_err err = { 0, "" };
	static const char *const versions[] = { "1.4.2", "2.0;rm -rf /" };
	struct rel_new_release nr = {
		.product = "web", .created = T0,
		.by = "alice", .hotfix = 1,
		.rev = "0123456789abcdef0123456789abcdef01234567",
		.repo = "/src/web", .message = "first\tcut \xe2\x9c\x93",
		.flow_source = "flows/web.yaml", .versions = versions,
	};

	if (!fx)
		return -1;
	if (rel_flow_parse("flows/web.yaml", flow_yaml, strlen(flow_yaml),
	    "web", &fx->flow, &err) != 0) {
		print_error("flow: %s\n", err.msg);
		free(fx);
		return -1;
	}
	rel_sha256_hex(flow_yaml, strlen(flow_yaml), fx->hash);
	nr.flow_hash = fx->hash;
	rel_release_header(&fx->rec, &nr, fx->flow);
	*state = fx;
	return fx->rec.oom ? -1 : 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	rel_flow_free(fx->flow);
	rel_buf_free(&fx->rec);
	rel_release_free(fx->r);
	free(fx);
	return 0;
}

/* Parse a copy of the record so far into fx->r; must succeed. */
static struct rel_release *
parse(struct fixture *fx)
{
	struct rel_buf raw = REL_BUF_INIT;
	struct rel_err err = { 0, "" };

	rel_release_free(fx->r);
	fx->r = NULL;
	rel_buf_add(&raw, fx->rec.s, fx->rec.len);
	if (rel_release_parse(&raw, PATH, &fx->r, &err) != 0)
		fail_msg("parse: %s", err.msg);
	assert_null(raw.s); /* taken over */
	assert_non_null(fx->r);
	return fx->r;
}

/* Parsing buf must fail with REL_ESYS and a message holding part. */
static void
parse_fails(const struct rel_buf *rec, const char *part)
{
	struct rel_buf raw = REL_BUF_INIT;
	struct rel_err err = { 0, "" };
	struct rel_release *r = (struct rel_release *)&r; /* not NULL */

	rel_buf_add(&raw, rec->s, rec->len);
	assert_int_equal(rel_release_parse(&raw, PATH, &r, &err), REL_ESYS);
	assert_null(r);
	assert_int_equal(err.code, REL_ESYS);
	if (!strstr(err.msg, part))
		fail_msg("got \"%s\", want \"...%s...\"", err.msg, part);
	assert_null(raw.s);
}

/* Append a transition at T0 + sec seconds. */
static void
tr(struct fixture *fx, int sec, const char *who, const char *object,
    const char *from, const char *to, int attempt, const char *why,
    const char *info)
{
	rel_tr_line(&fx->rec, T0 + sec * 1000, who, object, from, to, attempt,
	    why, info);
	assert_false(fx->rec.oom);
}

static const struct rel_step_run *
run(const struct rel_release *r, const char *env, const char *step,
    size_t k)
{
	int e = rel_release_env(r, env), s;

	assert_true(e >= 0);
	s = rel_release_step(&r->envs[e], step);
	assert_true(s >= 0);
	assert_true(k < r->envs[e].steps[s].nruns);
	return &r->envs[e].steps[s].runs[k];
}

static enum rel_status
step_status(const struct rel_release *r, const char *env, const char *step)
{
	int e = rel_release_env(r, env), s;

	assert_true(e >= 0);
	s = rel_release_step(&r->envs[e], step);
	assert_true(s >= 0);
	return r->envs[e].steps[s].status;
}

static enum rel_status
env_status(const struct rel_release *r, const char *env)
{
	int e = rel_release_env(r, env);

	assert_true(e >= 0);
	return r->envs[e].status;
}

static void
test_header_round_trip(void **state)
{
	struct fixture *fx = *state;
	struct rel_release *r;
	const struct rel_env *e;

	/* The plan, as plain text a person can grep. */
	/* The id is the record's name (PATH), not in it. */
	assert_non_null(strstr(fx->rec.s, "rel\t2\tweb\t"));
	assert_null(strstr(fx->rec.s, "web-3"));
	assert_non_null(strstr(fx->rec.s, "\ncreated\t2026-11-21T22:39:11.123Z"
	    "\talice\t"));
	assert_non_null(strstr(fx->rec.s, "\nmessage\tfirst\\tcut \xe2\x9c\x93"
	    "\t"));
	assert_non_null(strstr(fx->rec.s, "\npolicy\t7200\tno\t3\t"));
	assert_non_null(strstr(fx->rec.s, "\nenv\tprod\tauto\tdev,qa\tno\t0\t"));
	assert_non_null(strstr(fx->rec.s, "\nstep\tdev\tverify\tverify\t"));

	r = parse(fx);
	assert_string_equal(r->id, "web-3");
	assert_string_equal(r->product, "web");
	assert_int_equal(r->n, 3);
	assert_int_equal(r->created, T0);
	assert_string_equal(r->by, "alice");
	assert_int_equal(r->hotfix, 1);
	assert_string_equal(r->rev, "0123456789abcdef0123456789abcdef01234567");
	assert_string_equal(r->repo, "/src/web");
	assert_string_equal(r->message, "first\tcut \xe2\x9c\x93");
	assert_string_equal(r->flow_hash, fx->hash);
	assert_string_equal(r->flow_source, "flows/web.yaml");
	assert_int_equal(r->timeout, 7200);
	assert_int_equal(r->best_effort, 0);
	assert_int_equal(r->parallel, 3);

	assert_int_equal(r->nartifacts, 2);
	assert_string_equal(r->artifacts[0].component, "api");
	assert_string_equal(r->artifacts[0].version, "1.4.2");
	assert_string_equal(r->artifacts[1].component, "ui");
	assert_string_equal(r->artifacts[1].version, "2.0;rm -rf /");

	assert_int_equal(r->nenvs, 3);
	e = &r->envs[0];
	assert_string_equal(e->name, "dev");
	assert_int_equal(e->trigger, REL_TRIGGER_AUTO);
	assert_int_equal(e->nneeds, 0);
	assert_int_equal(e->timeout, 600);
	assert_int_equal(e->best_effort, 0);
	assert_int_equal(e->nsteps, 4);
	assert_string_equal(e->steps[0].name, "lint");
	assert_int_equal(e->steps[0].kind, REL_STEP_PRE);
	assert_int_equal(e->steps[0].nruns, 1);
	assert_string_equal(e->steps[1].name, "action");
	assert_int_equal(e->steps[1].kind, REL_STEP_ACTION);
	assert_int_equal(e->steps[1].nruns, 2);
	assert_string_equal(e->steps[2].name, "verify");
	assert_int_equal(e->steps[2].kind, REL_STEP_VERIFY);
	assert_int_equal(e->steps[2].nruns, 2);
	assert_string_equal(e->steps[3].name, "notify");
	assert_int_equal(e->steps[3].kind, REL_STEP_POST);
	assert_int_equal(e->steps[3].nruns, 1);
	e = &r->envs[1];
	assert_string_equal(e->name, "qa");
	assert_int_equal(e->trigger, REL_TRIGGER_MANUAL);
	assert_int_equal(e->nneeds, 1);
	assert_int_equal(e->needs[0], 0);
	assert_int_equal(e->best_effort, 1);
	assert_int_equal(e->nsteps, 1);
	e = &r->envs[2];
	assert_string_equal(e->name, "prod");
	assert_int_equal(e->nneeds, 2);
	assert_int_equal(e->needs[0], 0);
	assert_int_equal(e->needs[1], 1);

	/* Nothing has happened yet. */
	for (size_t i = 0; i < r->nenvs; i++) {
		assert_int_equal(r->envs[i].status, REL_PENDING);
		for (size_t j = 0; j < r->envs[i].nsteps; j++) {
			const struct rel_step *s = &r->envs[i].steps[j];

			assert_int_equal(s->status, REL_PENDING);
			for (size_t k = 0; k < s->nruns; k++) {
				assert_int_equal(s->runs[k].status,
				    REL_PENDING);
				assert_int_equal(s->runs[k].code, -1);
				assert_string_equal(s->runs[k].why, "");
			}
		}
	}
	assert_int_equal(r->status, REL_PENDING);
	assert_int_equal(r->term, REL_PENDING);
	assert_int_equal(r->attempt, 0);
	assert_int_equal(r->started, 0);
	assert_int_equal(r->ntr, 0);
	assert_int_equal(r->noutputs, 0);
	assert_int_equal(r->bad_lines, 0);
	assert_int_equal(r->record_size, fx->rec.len);
}

static void
test_header_optional_fields(void **state)
{
	struct fixture *fx = *state;
	static const char *const versions[] = { "1", "2" };
	struct rel_new_release nr = {
		.product = "web", .created = T0,
		.by = "bob", .flow_hash = fx->hash, .flow_source = "x.yaml",
		.versions = versions, .rev = "", .repo = NULL,
		.message = NULL,
	};
	struct rel_release *r;

	rel_buf_reset(&fx->rec);
	rel_release_header(&fx->rec, &nr, fx->flow);
	assert_non_null(strstr(fx->rec.s, "\nrev\t-\t-\t"));
	assert_non_null(strstr(fx->rec.s, "\nhotfix\tno\t"));
	r = parse(fx);
	assert_string_equal(r->id, "web-3"); /* from PATH */
	assert_int_equal(r->hotfix, 0);
	assert_string_equal(r->rev, "");
	assert_string_equal(r->repo, "");
	assert_string_equal(r->message, "");
}

/* dev promoted: lint passed, the action runs for both components. */
static void
promote_dev(struct fixture *fx)
{
	tr(fx, 1, "alice", "dev", "pending", "running", 1, "",
	    "how=promote runner=4242 host=build1");
	tr(fx, 2, "rel-promote", "dev/lint", "pending", "running", 1, "",
	    "pid=100 pgid=100 pstart=777 boot=b-1 host=build1");
	tr(fx, 3, "rel-promote", "dev/lint", "running", "succeeded", 1, "",
	    "code=0");
	tr(fx, 4, "rel-promote", "dev/action/api", "pending", "running", 1, "",
	    "pgid=200 pstart=888 boot=b-1 host=build1");
	tr(fx, 5, "rel-promote", "dev/action/ui", "pending", "running", 1, "",
	    "pgid=201 pstart=889 boot=b-1 host=build1");
}

static void
test_running(void **state)
{
	struct fixture *fx = *state;
	struct rel_release *r;
	const struct rel_step_run *sr;
	const struct rel_env *e;

	promote_dev(fx);
	r = parse(fx);
	e = &r->envs[0];
	assert_int_equal(e->status, REL_RUNNING);
	assert_int_equal(e->attempt, 1);
	assert_int_equal(e->started, T0 + 1000);
	assert_int_equal(e->finished, 0);
	assert_string_equal(e->by, "alice");
	assert_string_equal(e->how, "promote");
	assert_int_equal(e->runner, 4242);
	assert_string_equal(e->runner_host, "build1");

	sr = run(r, "dev", "lint", 0);
	assert_int_equal(sr->status, REL_SUCCEEDED);
	assert_int_equal(sr->started, T0 + 2000);
	assert_int_equal(sr->finished, T0 + 3000);
	assert_int_equal(sr->code, 0);
	assert_int_equal(sr->pid, 0); /* no longer running */
	assert_int_equal(step_status(r, "dev", "lint"), REL_SUCCEEDED);

	sr = run(r, "dev", "action", 1);
	assert_int_equal(sr->status, REL_RUNNING);
	assert_int_equal(sr->pid, 201);
	assert_int_equal(sr->pstart, 889);
	assert_string_equal(sr->boot, "b-1");
	assert_string_equal(sr->host, "build1");
	assert_int_equal(sr->code, -1);
	assert_int_equal(step_status(r, "dev", "action"), REL_RUNNING);
	assert_int_equal(step_status(r, "dev", "verify"), REL_PENDING);

	assert_int_equal(env_status(r, "qa"), REL_PENDING);
	assert_int_equal(r->status, REL_RUNNING);
	assert_int_equal(r->attempt, 1);
	assert_int_equal(r->started, T0 + 1000);
	assert_int_equal(r->updated, T0 + 5000);
	assert_int_equal(r->ntr, 5);
	assert_string_equal(r->tr[4].object, "dev/action/ui");
	assert_string_equal(r->tr[4].from, "pending");
	assert_string_equal(r->tr[4].to, "running");
	assert_string_equal(r->tr[0].who, "alice");
	assert_int_equal(r->bad_lines, 0);
}

static void
fail_dev(struct fixture *fx)
{
	promote_dev(fx);
	tr(fx, 6, "rel-promote", "dev/action/api", "running", "succeeded", 1,
	    "", "code=0");
	tr(fx, 7, "rel-promote", "dev/action/ui", "running", "failed", 1,
	    "exit status 3", "code=3");
	tr(fx, 8, "rel-promote", "dev", "running", "failed", 1,
	    "action failed for ui", "");
}

static void
test_failed(void **state)
{
	struct fixture *fx = *state;
	struct rel_release *r;
	struct rel_buf sum = REL_BUF_INIT;
	const struct rel_step_run *sr;

	fail_dev(fx);
	r = parse(fx);
	sr = run(r, "dev", "action", 1);
	assert_int_equal(sr->status, REL_FAILED);
	assert_int_equal(sr->code, 3);
	assert_string_equal(sr->why, "exit status 3");
	assert_int_equal(sr->finished, T0 + 7000);
	assert_int_equal(run(r, "dev", "action", 0)->status, REL_SUCCEEDED);
	assert_int_equal(step_status(r, "dev", "action"), REL_FAILED);
	assert_int_equal(env_status(r, "dev"), REL_FAILED);
	assert_int_equal(r->envs[0].finished, T0 + 8000);
	assert_int_equal(r->envs[0].runner, 0);
	assert_string_equal(r->envs[0].why, "action failed for ui");
	assert_int_equal(r->status, REL_FAILED);

	rel_release_summary(r, &sum);
	assert_string_equal(sum.s, "web-3\tweb\tfailed\t2026-11-21T22:39:11Z\t"
	    "alice\tyes\tdev=failed,qa=pending,prod=pending");
	rel_buf_free(&sum);
}

static void
test_retry_keeps_steps(void **state)
{
	struct fixture *fx = *state;
	struct rel_release *r;

	/* A retry resumes: what succeeded stays succeeded. */
	fail_dev(fx);
	tr(fx, 9, "bob", "dev", "failed", "running", 2, "retry",
	    "how=promote mode=resume runner=5000");
	r = parse(fx);
	assert_int_equal(env_status(r, "dev"), REL_RUNNING);
	assert_int_equal(r->envs[0].attempt, 2);
	assert_string_equal(r->envs[0].by, "bob");
	assert_int_equal(r->envs[0].runner, 5000);
	assert_string_equal(r->envs[0].runner_host, "");
	assert_int_equal(run(r, "dev", "lint", 0)->status, REL_SUCCEEDED);
	assert_int_equal(run(r, "dev", "action", 0)->status, REL_SUCCEEDED);
	assert_int_equal(run(r, "dev", "action", 1)->status, REL_FAILED);
	assert_int_equal(r->attempt, 2);
	assert_int_equal(r->status, REL_RUNNING);
}

static void
test_mode_fresh_resets(void **state)
{
	struct fixture *fx = *state;
	struct rel_release *r;

	/* A fresh run (a redeploy) starts every step over. */
	fail_dev(fx);
	tr(fx, 9, "carol", "dev", "failed", "running", 2, "redeploy",
	    "how=redeploy mode=fresh");
	r = parse(fx);
	assert_int_equal(env_status(r, "dev"), REL_RUNNING);
	assert_string_equal(r->envs[0].how, "redeploy");
	assert_string_equal(r->envs[0].by, "carol");
	for (size_t j = 0; j < r->envs[0].nsteps; j++) {
		const struct rel_step *s = &r->envs[0].steps[j];

		assert_int_equal(s->status, REL_PENDING);
		for (size_t k = 0; k < s->nruns; k++) {
			assert_int_equal(s->runs[k].status, REL_PENDING);
			assert_int_equal(s->runs[k].code, -1);
			assert_int_equal(s->runs[k].started, 0);
			assert_int_equal(s->runs[k].finished, 0);
			assert_string_equal(s->runs[k].why, "");
		}
	}
	/* The history keeps everything. */
	assert_int_equal(r->ntr, 9);
	assert_string_equal(r->tr[6].to, "failed");
}

static void
test_terminate(void **state)
{
	struct fixture *fx = *state;
	struct rel_release *r;

	promote_dev(fx);
	tr(fx, 10, "carol", "-", "running", "terminating", 1, "wrong build",
	    "grace=5");
	r = parse(fx);
	assert_int_equal(r->term, REL_TERMINATING);
	assert_int_equal(r->status, REL_TERMINATING);
	assert_string_equal(r->term_why, "wrong build");
	assert_string_equal(r->term_by, "carol");
	assert_int_equal(r->term_time, T0 + 10000);
	/* Steps stopped, unfinished environments back to pending. */
	tr(fx, 11, "rel-promote", "dev/action/api", "running", "terminated", 1,
	    "terminated", "code=143");
	tr(fx, 11, "rel-promote", "dev/action/ui", "running", "terminated", 1,
	    "terminated", "code=143");
	tr(fx, 12, "rel-promote", "dev", "running", "pending", 1,
	    "terminated", "");
	tr(fx, 12, "rel-promote", "-", "terminating", "terminated", 1,
	    "wrong build", "");
	r = parse(fx);
	assert_int_equal(r->status, REL_TERMINATED);
	assert_int_equal(r->term, REL_TERMINATED);
	assert_int_equal(r->term_time, T0 + 12000);
	assert_string_equal(r->term_by, "rel-promote");
	assert_int_equal(env_status(r, "dev"), REL_PENDING);
	assert_int_equal(r->envs[0].started, 0);
	assert_int_equal(step_status(r, "dev", "action"), REL_TERMINATED);
	assert_int_equal(run(r, "dev", "action", 0)->code, 143);
	/* A retry lifts the termination. */
	tr(fx, 20, "dave", "-", "terminated", "running", 2, "retry", "");
	tr(fx, 20, "dave", "dev", "pending", "running", 2, "retry", "");
	r = parse(fx);
	assert_int_equal(r->term, REL_PENDING);
	assert_int_equal(r->status, REL_RUNNING);
}

static void
test_outputs(void **state)
{
	struct fixture *fx = *state;
	struct rel_release *r;

	promote_dev(fx);
	rel_out_line(&fx->rec, T0 + 6000, "dev/notify", "change", "CHG-1\tx",
	    1);
	rel_out_line(&fx->rec, T0 + 7000, "dev/action/api", "url",
	    "http://a/b?c=d e", 1);
	rel_out_line(&fx->rec, T0 + 8000, "dev", "note", "", 2);
	rel_out_line(&fx->rec, T0 + 9000, "nope/x", "k", "v", 1);
	rel_out_line(&fx->rec, T0 + 9000, "-", "k", "v", 1);
	r = parse(fx);
	assert_int_equal(r->noutputs, 3);
	assert_int_equal(r->outputs[0].time, T0 + 6000);
	assert_string_equal(r->outputs[0].object, "dev/notify");
	assert_string_equal(r->outputs[0].key, "change");
	assert_string_equal(r->outputs[0].value, "CHG-1\tx");
	assert_int_equal(r->outputs[0].attempt, 1);
	assert_string_equal(r->outputs[1].object, "dev/action/api");
	assert_string_equal(r->outputs[1].value, "http://a/b?c=d e");
	assert_string_equal(r->outputs[2].value, "");
	assert_int_equal(r->outputs[2].attempt, 2);
	assert_int_equal(r->bad_lines, 2);
	/* Outputs change no status. */
	assert_int_equal(r->status, REL_RUNNING);
}

/* A journal line made of the n fields, appended to b. */
static void
jline(struct rel_buf *b, size_t n, ...)
{
	const char *f[REL_JOURNAL_FIELDS];
	va_list ap;

	assert_true(n <= REL_JOURNAL_FIELDS);
	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		f[i] = va_arg(ap, const char *);
	va_end(ap);
	rel_journal_line(b, f, n);
}

static void
test_unknown_lines_counted(void **state)
{
	struct fixture *fx = *state;
	struct rel_release *r;
	size_t before;

	tr(fx, 1, "a", "nope", "pending", "running", 1, "", "");
	tr(fx, 1, "a", "dev/nostep", "pending", "running", 1, "", "");
	tr(fx, 1, "a", "dev/action", "pending", "running", 1, "", "");
	tr(fx, 1, "a", "dev/lint/api", "pending", "running", 1, "", "");
	tr(fx, 1, "a", "dev/action/db", "pending", "running", 1, "", "");
	tr(fx, 1, "a", "dev/action/api/x", "pending", "running", 1, "", "");
	tr(fx, 1, "a", "dev", "pending", "bogus", 1, "", "");
	tr(fx, 1, "a", "dev", "pending", "", 1, "", "");
	jline(&fx->rec, 8, "tr", "2026-11-21T22:39:12.000Z", "a", "dev",
	    "pending", "running", "1", ""); /* a field short */
	jline(&fx->rec, 9, "tr", "yesterday", "a", "dev", "pending",
	    "running", "1", "", "");
	jline(&fx->rec, 3, "zap", "from", "the future");
	jline(&fx->rec, 5, "out", "2026-11-21T22:39:12.000Z", "dev", "k",
	    "v"); /* no attempt */
	/* A line whose checksum fails counts too. */
	before = fx->rec.len;
	tr(fx, 1, "a", "dev", "pending", "running", 1, "", "");
	fx->rec.s[before + 3] ^= 1;
	/* And a good one is still applied. */
	tr(fx, 2, "b", "qa", "pending", "suspended", 1, "waiting", "");
	r = parse(fx);
	assert_int_equal(r->bad_lines, 13);
	assert_int_equal(env_status(r, "dev"), REL_PENDING);
	for (size_t j = 0; j < r->envs[0].nsteps; j++)
		assert_int_equal(r->envs[0].steps[j].status, REL_PENDING);
	assert_int_equal(env_status(r, "qa"), REL_SUSPENDED);
	assert_string_equal(r->envs[1].why, "waiting");
	assert_int_equal(r->status, REL_SUSPENDED);
}

static void
test_torn_tail_ignored(void **state)
{
	struct fixture *fx = *state;
	struct rel_release *r;
	size_t len;

	tr(fx, 1, "a", "dev", "pending", "running", 1, "", "");
	len = fx->rec.len;
	tr(fx, 2, "a", "dev", "running", "succeeded", 1, "", "");
	fx->rec.len -= 5; /* a write in progress */
	fx->rec.s[fx->rec.len] = '\0';
	r = parse(fx);
	assert_int_equal(r->bad_lines, 0);
	assert_int_equal(r->ntr, 1);
	assert_int_equal(env_status(r, "dev"), REL_RUNNING);
	assert_int_equal(r->record_size, fx->rec.len);
	assert_true(r->record_size > len);
}

/* The header with line k (0-based) replaced by the given line. */
static void
header_with(struct fixture *fx, size_t k, const char *repl,
    struct rel_buf *out)
{
	const char *p = fx->rec.s, *end = fx->rec.s + fx->rec.len;

	for (size_t i = 0; p < end; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		assert_non_null(nl);
		if (i == k)
			rel_buf_adds(out, repl);
		else
			rel_buf_add(out, p, (size_t)(nl + 1 - p));
		p = nl + 1;
	}
}

static void
test_damaged_header(void **state)
{
	struct fixture *fx = *state;
	struct rel_buf b = REL_BUF_INIT, l = REL_BUF_INIT;
	size_t off;

	/* Nothing at all. */
	parse_fails(&b, "expected a 'rel' line");
	/* The first line lost. */
	header_with(fx, 0, "", &b);
	parse_fails(&b, PATH ":1: damaged release record: expected a 'rel' "
	    "line");
	/* A 'rel' line with no format: refused, not read past its one
	 * field (a fuzzer found a use after free there). */
	rel_buf_reset(&b);
	jline(&l, 1, "rel");
	header_with(fx, 0, l.s, &b);
	parse_fails(&b, PATH ":1: damaged release record: expected a 'rel' "
	    "line");
	/* A format this rel does not know. */
	rel_buf_reset(&b);
	rel_buf_reset(&l);
	jline(&l, 3, "rel", "3", "web");
	header_with(fx, 0, l.s, &b);
	parse_fails(&b, "record format 3 is not known");
	/* A product that is not that of the record's name (its id). */
	rel_buf_reset(&b);
	rel_buf_reset(&l);
	jline(&l, 3, "rel", "2", "api");
	header_with(fx, 0, l.s, &b);
	parse_fails(&b, PATH ":1: damaged release record: its product is not "
	    "that of its name");
	/* Format 1 named the release in its first line: still read. */
	rel_buf_reset(&b);
	rel_buf_reset(&l);
	jline(&l, 5, "rel", "1", "web-3", "api", "3");
	header_with(fx, 0, l.s, &b);
	parse_fails(&b, PATH ":1: damaged release record: bad id");
	/* A bad time. */
	rel_buf_reset(&b);
	rel_buf_reset(&l);
	jline(&l, 3, "created", "today", "alice");
	header_with(fx, 1, l.s, &b);
	parse_fails(&b, PATH ":2: damaged release record: bad time");
	/* Lines out of order. */
	rel_buf_reset(&b);
	rel_buf_reset(&l);
	jline(&l, 2, "hotfix", "no");
	header_with(fx, 1, l.s, &b);
	parse_fails(&b, "expected a 'created' line");
	/* A step of an environment that is not in the plan. */
	rel_buf_reset(&b);
	rel_buf_reset(&l);
	jline(&l, 4, "step", "staging", "action", "action");
	header_with(fx, 14, l.s, &b);
	parse_fails(&b, PATH ":15: damaged release record: bad step");
	/* needs naming an unknown environment. */
	rel_buf_reset(&b);
	rel_buf_reset(&l);
	jline(&l, 6, "env", "prod", "auto", "dev,staging", "no", "0");
	header_with(fx, 11, l.s, &b);
	parse_fails(&b, "damaged release record: bad needs");
	/* A byte flipped in the middle of the header: the line is skipped
	 * by the journal reader, and the release must not silently lose an
	 * artifact, an environment or a step. */
	for (size_t k = 7; k <= 13; k++) {
		const char *p = fx->rec.s;

		for (size_t i = 0; i < k; i++)
			p = strchr(p, '\n') + 1;
		off = (size_t)(p - fx->rec.s);
		rel_buf_reset(&b);
		rel_buf_add(&b, fx->rec.s, fx->rec.len);
		b.s[off + 1] ^= 0x01;
		parse_fails(&b, "damaged release record");
	}
	rel_buf_free(&b);
	rel_buf_free(&l);
}

static void
test_damaged_needs_no_overflow(void **state)
{
	struct fixture *fx = *state;
	struct rel_buf b = REL_BUF_INIT, l = REL_BUF_INIT;

	/* More needs than there are environments (a hand-edited record
	 * with a good checksum) must be refused, not written past the
	 * array. */
	jline(&l, 6, "env", "prod", "auto", "dev,dev,dev,qa,qa", "no", "0");
	header_with(fx, 11, l.s, &b);
	parse_fails(&b, "damaged release record: bad needs");
	rel_buf_free(&b);
	rel_buf_free(&l);
}

static void
test_lookups(void **state)
{
	struct fixture *fx = *state;
	struct rel_release *r = parse(fx);

	assert_int_equal(rel_release_env(r, "dev"), 0);
	assert_int_equal(rel_release_env(r, "prod"), 2);
	assert_int_equal(rel_release_env(r, "staging"), -1);
	assert_int_equal(rel_release_step(&r->envs[0], "notify"), 3);
	assert_int_equal(rel_release_step(&r->envs[1], "notify"), -1);
	assert_int_equal(rel_release_component(r, "ui"), 1);
	assert_int_equal(rel_release_component(r, "db"), -1);
}

static void
test_info_get(void **state)
{
	static const char info[] = "pid=1 pgid=22 host=build-1  code= x=a=b";
	char buf[8];

	(void)state;
	assert_string_equal(rel_info_get(info, "pid", buf, sizeof buf), "1");
	assert_string_equal(rel_info_get(info, "pgid", buf, sizeof buf), "22");
	assert_string_equal(rel_info_get(info, "host", buf, sizeof buf),
	    "build-1");
	assert_string_equal(rel_info_get(info, "code", buf, sizeof buf), "");
	assert_string_equal(rel_info_get(info, "x", buf, sizeof buf), "a=b");
	assert_null(rel_info_get(info, "id", buf, sizeof buf));
	assert_null(rel_info_get(info, "g", buf, sizeof buf));
	assert_null(rel_info_get(info, "pg", buf, sizeof buf));
	assert_null(rel_info_get("", "pid", buf, sizeof buf));
	/* Cut to the buffer. */
	assert_string_equal(rel_info_get(info, "host", buf, 4), "bui");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_header_round_trip),
		T(test_header_optional_fields),
		T(test_running),
		T(test_failed),
		T(test_retry_keeps_steps),
		T(test_mode_fresh_resets),
		T(test_terminate),
		T(test_outputs),
		T(test_unknown_lines_counted),
		T(test_torn_tail_ignored),
		T(test_damaged_header),
		T(test_damaged_needs_no_overflow),
		T(test_lookups),
		cmocka_unit_test(test_info_get),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
