/*
 * release.c - read a release record into memory, and write its lines.
 *
 * The reader is strict about the header (a release without a valid header
 * is damage, reported) and forgiving about transitions: a line it does not
 * understand is counted in bad_lines and skipped, so that a newer rel's
 * records stay readable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "release.h"
#include "when.h"

struct lines {
	struct rel_jline *v;
	size_t n, cap;
};

static int
collect(struct rel_jline *jl, void *arg)
{
	struct lines *l = arg;

	if (REL_GROW(l->v, l->n + 1, l->cap) < 0)
		return -1;
	l->v[l->n++] = *jl;
	return 0;
}

static int
copy_name(char *dst, const char *src)
{
	if (!rel_name_ok(src))
		return -1;
	strcpy(dst, src);
	return 0;
}

static long
to_long(const char *s, long dflt)
{
	char *end;
	long v;

	if (!s || !*s)
		return dflt;
	v = strtol(s, &end, 10);
	return *end ? dflt : v;
}

const char *
rel_info_get(const char *info, const char *key, char *buf, size_t n)
{
	size_t klen = strlen(key);
	const char *p = info;

	while (p && *p) {
		const char *sp = strchr(p, ' ');
		size_t len = sp ? (size_t)(sp - p) : strlen(p);

		if (len > klen && p[klen] == '=' && !strncmp(p, key, klen)) {
			size_t vlen = len - klen - 1;

			if (vlen >= n)
				vlen = n - 1;
			memcpy(buf, p + klen + 1, vlen);
			buf[vlen] = '\0';
			return buf;
		}
		p = sp ? sp + 1 : NULL;
	}
	return NULL;
}

int
rel_release_env(const struct rel_release *r, const char *env)
{
	for (size_t i = 0; i < r->nenvs; i++)
		if (strcmp(r->envs[i].name, env) == 0)
			return (int)i;
	return -1;
}

int
rel_release_step(const struct rel_env *e, const char *step)
{
	for (size_t i = 0; i < e->nsteps; i++)
		if (strcmp(e->steps[i].name, step) == 0)
			return (int)i;
	return -1;
}

int
rel_release_component(const struct rel_release *r, const char *comp)
{
	for (size_t i = 0; i < r->nartifacts; i++)
		if (strcmp(r->artifacts[i].component, comp) == 0)
			return (int)i;
	return -1;
}

void
rel_release_free(struct rel_release *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nenvs; i++) {
		/* A header refused while the plan was being counted leaves
		 * nsteps set and steps not yet allocated. */
		for (size_t j = 0; r->envs[i].steps && j < r->envs[i].nsteps;
		    j++)
			free(r->envs[i].steps[j].runs);
		free(r->envs[i].steps);
		free(r->envs[i].needs);
	}
	free(r->envs);
	free(r->artifacts);
	free(r->outputs);
	free(r->notices);
	free(r->tr);
	for (size_t i = 0; i < r->nchunks; i++)
		free(r->chunks[i]);
	free(r->chunks);
	rel_buf_free(&r->raw);
	rel_buf_free(&r->work);
	free(r);
}

static void
run_reset(struct rel_step_run *run)
{
	memset(run, 0, sizeof *run);
	run->status = REL_PENDING;
	run->code = -1;
	run->why = "";
}

/* Split OBJECT into env, step and component indices (-1 when absent).
 * Returns -1 if it names nothing in the plan. */
static int
object_find(const struct rel_release *r, const char *obj, int *env,
    int *step, int *comp)
{
	char buf[3 * (REL_NAME_MAX + 1)];
	char *s1, *s2;

	*env = *step = *comp = -1;
	if (strlen(obj) >= sizeof buf)
		return -1;
	strcpy(buf, obj);
	s1 = strchr(buf, '/');
	if (s1)
		*s1++ = '\0';
	s2 = s1 ? strchr(s1, '/') : NULL;
	if (s2)
		*s2++ = '\0';
	if ((*env = rel_release_env(r, buf)) < 0)
		return -1;
	if (!s1)
		return 0;
	if ((*step = rel_release_step(&r->envs[*env], s1)) < 0)
		return -1;
	if (!s2)
		return r->envs[*env].steps[*step].nruns == 1 &&
		    (r->envs[*env].steps[*step].kind == REL_STEP_PRE ||
		    r->envs[*env].steps[*step].kind == REL_STEP_POST) ? 0 : -1;
	if ((*comp = rel_release_component(r, s2)) < 0)
		return -1;
	return r->envs[*env].steps[*step].nruns > 1 ||
	    r->envs[*env].steps[*step].kind == REL_STEP_ACTION ||
	    r->envs[*env].steps[*step].kind == REL_STEP_VERIFY ? 0 : -1;
}

static void
apply_step(struct rel_step_run *run, const struct rel_transition *t,
    enum rel_status to)
{
	char v[64];

	run->status = to;
	run->attempt = t->attempt;
	run->why = t->why;
	if (to == REL_RUNNING) {
		run->started = t->time;
		run->finished = 0;
		run->code = -1;
		run->pid = rel_info_get(t->info, "pgid", v, sizeof v) ?
		    to_long(v, 0) : 0;
		run->pstart = rel_info_get(t->info, "pstart", v, sizeof v) ?
		    strtoll(v, NULL, 10) : 0;
		if (!rel_info_get(t->info, "boot", run->boot, sizeof run->boot))
			run->boot[0] = '\0';
		if (!rel_info_get(t->info, "host", run->host, sizeof run->host))
			run->host[0] = '\0';
	} else if (rel_status_final(to)) {
		run->finished = t->time;
		run->pid = 0;
	} else if (to == REL_PENDING) {
		run->started = run->finished = 0;
		run->pid = 0;
	}
	if (rel_info_get(t->info, "code", v, sizeof v))
		run->code = (int)to_long(v, -1);
	if (rel_info_get(t->info, "tries", v, sizeof v))
		run->tries = (int)to_long(v, 0);
}

static void
apply_env(struct rel_env *e, const struct rel_transition *t,
    enum rel_status to)
{
	char v[64];

	if (to == REL_RUNNING) {
		if (rel_info_get(t->info, "mode", v, sizeof v) &&
		    !strcmp(v, "fresh")) {
			for (size_t i = 0; i < e->nsteps; i++)
				for (size_t j = 0; j < e->steps[i].nruns; j++)
					run_reset(&e->steps[i].runs[j]);
		}
		e->started = t->time;
		e->finished = 0;
		e->by = t->who;
		if (rel_info_get(t->info, "how", e->how, sizeof e->how) == NULL)
			strcpy(e->how, "promote");
		e->runner = rel_info_get(t->info, "runner", v, sizeof v) ?
		    to_long(v, 0) : 0;
		if (!rel_info_get(t->info, "host", e->runner_host,
		    sizeof e->runner_host))
			e->runner_host[0] = '\0';
		if (!rel_info_get(t->info, "machine", e->runner_machine,
		    sizeof e->runner_machine))
			e->runner_machine[0] = '\0';
		if (!strcmp(e->how, "promote")) {
			e->redeploy = 0;
		} else if (!e->redeploy) {
			e->redeploy = 1;
			e->own = e->status;
			e->own_why = e->why;
		}
	} else if (to == REL_PENDING || to == REL_SUSPENDED) {
		e->finished = 0;
		e->runner = 0;
		if (to == REL_PENDING)
			e->started = 0;
	} else {
		e->finished = t->time;
		e->runner = 0;
	}
	e->status = e->run = to;
	e->attempt = t->attempt;
	e->why = t->why;
	/* A redeploy's outcome is the environment history's: one that
	 * succeeded is what the environment now has; one that did not
	 * leaves the release as it found it (DESIGN.md "redeploy"). */
	if (e->redeploy && to == REL_SUCCEEDED) {
		e->own = to;
		e->own_why = t->why;
	} else if (e->redeploy && (to == REL_FAILED || to == REL_TERMINATED)) {
		e->status = e->own;
		e->why = e->own_why;
	}
}

static int
apply_tr(struct rel_release *r, struct rel_jline *jl)
{
	struct rel_transition t;
	int to, env, step, comp;

	if (jl->n != 9)
		return -1;
	if (rel_time_parse(jl->f[1], &t.time) < 0)
		return -1;
	t.who = jl->f[2];
	t.object = jl->f[3];
	t.from = jl->f[4];
	t.to = jl->f[5];
	t.attempt = (int)to_long(jl->f[6], 0);
	t.why = jl->f[7];
	t.info = jl->f[8];
	if ((to = rel_status_parse(t.to)) < 0)
		return -1;
	r->tr[r->ntr++] = t;
	if (t.attempt > r->attempt) {
		r->attempt = t.attempt;
		r->attempt_started = t.time;
	}
	if (t.time > r->updated)
		r->updated = t.time;
	if (!strcmp(t.object, "-")) {
		r->recorded = (enum rel_status)to;
		if (to == REL_TERMINATING || to == REL_TERMINATED) {
			r->term = (enum rel_status)to;
			r->term_why = t.why;
			r->term_by = t.who;
			r->term_time = t.time;
			if (to == REL_TERMINATING) {
				char g[32];

				r->term_grace_ms = rel_info_get(t.info, "grace",
				    g, sizeof g) ? (long)(strtod(g, NULL) *
				    1000) : REL_GRACE_DEFAULT_MS;
				r->term_dead = rel_info_get(t.info, "dead", g,
				    sizeof g) ? to_long(g, 0) : 0;
			}
		} else {
			r->term = REL_PENDING;
		}
		if (to != REL_TERMINATING)
			r->term_dead = 0;
		return 0;
	}
	if (object_find(r, t.object, &env, &step, &comp) < 0)
		return -1;
	if (to == REL_RUNNING && !r->started)
		r->started = t.time;
	if (step < 0) {
		apply_env(&r->envs[env], &t, (enum rel_status)to);
		return 0;
	}
	apply_step(&r->envs[env].steps[step].runs[comp < 0 ? 0 : comp], &t,
	    (enum rel_status)to);
	return 0;
}

static int
apply_out(struct rel_release *r, struct rel_jline *jl)
{
	struct rel_output *o;
	int env, step, comp;

	if (jl->n != 6)
		return -1;
	o = &r->outputs[r->noutputs];
	if (rel_time_parse(jl->f[1], &o->time) < 0 ||
	    object_find(r, jl->f[2], &env, &step, &comp) < 0)
		return -1;
	o->object = jl->f[2];
	o->key = jl->f[3];
	o->value = jl->f[4];
	o->attempt = (int)to_long(jl->f[5], 0);
	r->noutputs++;
	return 0;
}

static int
apply_notice(struct rel_release *r, struct rel_jline *jl)
{
	struct rel_notice *o;

	if (jl->n != 10 || REL_GROW(r->notices, r->nnotices + 1,
	    r->notcap) < 0)
		return -1;
	o = &r->notices[r->nnotices];
	if (rel_time_parse(jl->f[1], &o->time) < 0)
		return -1;
	o->who = jl->f[2];
	o->event = jl->f[3];
	o->env = jl->f[4];
	o->n = (int)to_long(jl->f[5], 0);
	o->outcome = jl->f[6];
	o->attempt = (int)to_long(jl->f[7], 0);
	o->why = jl->f[8];
	o->info = jl->f[9];
	r->nnotices++;
	return 0;
}

static int
needs_parse(struct rel_release *r, struct rel_env *e, const char *list)
{
	char buf[4096];
	char *save = NULL, *tok;

	if (!strcmp(list, "-"))
		return 0;
	if (strlen(list) >= sizeof buf)
		return -1;
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok;
	    tok = strtok_r(NULL, ",", &save)) {
		int i = rel_release_env(r, tok);

		/* e->needs has a slot per environment: a longer list (a
		 * name repeated) is damage, not something to write past. */
		if (i < 0 || e->nneeds == r->nenvs)
			return -1;
		e->needs[e->nneeds++] = (size_t)i;
	}
	return 0;
}

static int
header_error(struct rel_err *err, const char *path, size_t lineno,
    const char *what)
{
	return rel_err_set(err, REL_ESYS,
	    "%s:%zu: damaged release record: %s (rel-status --check)",
	    path, lineno, what);
}

/* The header: known lines in a fixed order. */
static int
parse_header(struct rel_release *r, struct lines *L, size_t *pos,
    const char *path, struct rel_err *err)
{
	struct rel_jline *v = L->v;
	size_t i = 0, nart = 0, nenv = 0;
	const char **needs_src;
	int rc = 0;

#define EXPECT(key, nf) \
	if (i >= L->n || strcmp(v[i].f[0], key) || v[i].n != (nf)) \
		return header_error(err, path, i < L->n ? v[i].lineno : 0, \
		    "expected a '" key "' line")
	if (i >= L->n || strcmp(v[i].f[0], "rel") || v[i].n < 2)
		return header_error(err, path, i < L->n ? v[i].lineno : 0,
		    "expected a 'rel' line");
	if (!strcmp(v[i].f[1], "2") && v[i].n == 3) {
		/* The id is the file's name. */
		const char *base = strrchr(path, '/');

		base = base ? base + 1 : path;
		if (strlen(base) > REL_ID_MAX ||
		    rel_id_parse(base, r->product, &r->n, NULL) ||
		    strcmp(v[i].f[2], r->product))
			return header_error(err, path, v[i].lineno,
			    "its product is not that of its name");
		strcpy(r->id, base);
	} else if (!strcmp(v[i].f[1], "1") && v[i].n == 5) {
		if (strlen(v[i].f[2]) > REL_ID_MAX ||
		    rel_id_parse(v[i].f[2], r->product, &r->n, NULL) ||
		    strcmp(v[i].f[3], r->product))
			return header_error(err, path, v[i].lineno, "bad id");
		strcpy(r->id, v[i].f[2]);
	} else {
		return rel_err_set(err, REL_ESYS,
		    "%s: record format %s is not known to this rel (%s)", path,
		    v[i].f[1], REL_VERSION);
	}
	i++;
	EXPECT("created", 3);
	if (rel_time_parse(v[i].f[1], &r->created) < 0)
		return header_error(err, path, v[i].lineno, "bad time");
	r->by = v[i].f[2];
	i++;
	EXPECT("hotfix", 2);
	r->hotfix = !strcmp(v[i].f[1], "yes");
	i++;
	EXPECT("rev", 3);
	r->rev = strcmp(v[i].f[1], "-") ? v[i].f[1] : "";
	r->repo = strcmp(v[i].f[2], "-") ? v[i].f[2] : "";
	i++;
	EXPECT("message", 2);
	r->message = v[i].f[1];
	i++;
	EXPECT("flow", 3);
	if (strlen(v[i].f[1]) != 64)
		return header_error(err, path, v[i].lineno, "bad flow hash");
	strcpy(r->flow_hash, v[i].f[1]);
	r->flow_source = v[i].f[2];
	i++;
	EXPECT("policy", 4);
	r->timeout = to_long(v[i].f[1], 0);
	r->best_effort = !strcmp(v[i].f[2], "yes");
	r->parallel = (int)to_long(v[i].f[3], REL_FLOW_PARALLEL_DEFAULT);
	i++;
#undef EXPECT
	for (size_t j = i; j < L->n && !strcmp(v[j].f[0], "artifact"); j++)
		nart++;
	for (size_t j = i + nart; j < L->n && !strcmp(v[j].f[0], "env"); j++)
		nenv++;
	if (nart == 0 || nenv == 0)
		return header_error(err, path, i < L->n ? v[i].lineno : 0,
		    "no artifacts or no environments");
	r->artifacts = calloc(nart, sizeof *r->artifacts);
	r->envs = calloc(nenv, sizeof *r->envs);
	needs_src = calloc(nenv, sizeof *needs_src);
	if (!r->artifacts || !r->envs || !needs_src) {
		free(needs_src);
		return rel_err_set(err, REL_ESYS, "%s: out of memory", path);
	}
	for (; i < L->n && !strcmp(v[i].f[0], "artifact"); i++) {
		if (v[i].n != 3 ||
		    copy_name(r->artifacts[r->nartifacts].component, v[i].f[1])) {
			rc = header_error(err, path, v[i].lineno, "bad artifact");
			goto out;
		}
		r->artifacts[r->nartifacts++].version = v[i].f[2];
	}
	for (; i < L->n && !strcmp(v[i].f[0], "env"); i++) {
		struct rel_env *e = &r->envs[r->nenvs];

		if (v[i].n != 6 || copy_name(e->name, v[i].f[1]) ||
		    !(e->needs = calloc(nenv, sizeof *e->needs))) {
			rc = header_error(err, path, v[i].lineno, "bad env");
			goto out;
		}
		e->trigger = strcmp(v[i].f[2], "manual") ? REL_TRIGGER_AUTO :
		    REL_TRIGGER_MANUAL;
		needs_src[r->nenvs] = v[i].f[3];
		e->best_effort = !strcmp(v[i].f[4], "yes");
		e->timeout = to_long(v[i].f[5], 0);
		e->status = e->run = e->own = REL_PENDING;
		e->by = e->why = e->own_why = "";
		r->nenvs++;
	}
	for (size_t k = 0; k < r->nenvs; k++)
		if (needs_parse(r, &r->envs[k], needs_src[k]) < 0) {
			rc = header_error(err, path, 0, "bad needs");
			goto out;
		}
	/* The plan: count steps per env, then fill. */
	{
		size_t start = i;

		for (; i < L->n && !strcmp(v[i].f[0], "step"); i++) {
			int e = v[i].n == 4 ? rel_release_env(r, v[i].f[1]) : -1;

			if (e < 0 || rel_step_kind_parse(v[i].f[3]) < 0) {
				rc = header_error(err, path, v[i].lineno,
				    "bad step");
				goto out;
			}
			r->envs[e].nsteps++;
		}
		for (size_t k = 0; k < r->nenvs; k++) {
			struct rel_env *e = &r->envs[k];

			if (e->nsteps &&
			    !(e->steps = calloc(e->nsteps, sizeof *e->steps))) {
				rc = rel_err_set(err, REL_ESYS, "out of memory");
				goto out;
			}
			e->nsteps = 0;
		}
		for (size_t j = start; j < i; j++) {
			struct rel_env *e = &r->envs[rel_release_env(r, v[j].f[1])];
			struct rel_step *s = &e->steps[e->nsteps];

			if (copy_name(s->name, v[j].f[2])) {
				rc = header_error(err, path, v[j].lineno,
				    "bad step name");
				goto out;
			}
			s->kind = (enum rel_step_kind)rel_step_kind_parse(
			    v[j].f[3]);
			s->nruns = s->kind == REL_STEP_ACTION ||
			    s->kind == REL_STEP_VERIFY ? r->nartifacts : 1;
			s->runs = calloc(s->nruns, sizeof *s->runs);
			if (!s->runs) {
				rc = rel_err_set(err, REL_ESYS, "out of memory");
				goto out;
			}
			for (size_t k = 0; k < s->nruns; k++)
				run_reset(&s->runs[k]);
			s->status = REL_PENDING;
			e->nsteps++;
		}
	}
	/* The journal reader skips a damaged line: inside the header that
	 * would silently drop an artifact, an environment or a step. */
	for (size_t j = 0; j < i; j++)
		if (v[j].lineno != j + 1) {
			rc = header_error(err, path, j + 1, "damaged line");
			goto out;
		}
	*pos = i;
out:
	free(needs_src);
	return rc;
}

void
rel_release_update_status(struct rel_release *r)
{
	enum rel_status *st = calloc(r->nenvs ? r->nenvs : 1, sizeof *st);
	enum rel_status *rs = calloc(r->nartifacts ? r->nartifacts : 1,
	    sizeof *rs);

	for (size_t i = 0; i < r->nenvs; i++) {
		struct rel_env *e = &r->envs[i];

		for (size_t j = 0; j < e->nsteps && rs; j++) {
			for (size_t k = 0; k < e->steps[j].nruns; k++)
				rs[k] = e->steps[j].runs[k].status;
			e->steps[j].status = rel_status_aggregate_step(rs,
			    e->steps[j].nruns);
		}
		if (st)
			st[i] = e->status;
	}
	r->status = st ? rel_status_aggregate_release(r->term, st, r->nenvs) :
	    REL_FAILED;
	free(st);
	free(rs);
}

int
rel_release_parse(struct rel_buf *raw, const char *path,
    struct rel_release **out, struct rel_err *err)
{
	struct rel_release *r;
	struct lines L = { NULL, 0, 0 };
	size_t pos = 0, bad = 0;
	int torn, rc;

	*out = NULL;
	if (!(r = calloc(1, sizeof *r))) {
		rel_buf_free(raw);
		return rel_err_set(err, REL_ESYS, "%s: out of memory", path);
	}
	r->raw = *raw;
	memset(raw, 0, sizeof *raw);
	r->term = REL_PENDING;
	r->recorded = REL_PENDING;
	r->record_size = r->raw.len;
	/* Parsing unescapes in place: keep the bytes as read apart. */
	rel_buf_add(&r->work, r->raw.s ? r->raw.s : "", r->raw.len);
	if (r->work.oom) {
		rc = rel_err_set(err, REL_ESYS, "%s: out of memory", path);
		goto fail;
	}
	if (rel_journal_scan(r->work.s, r->work.len, collect, &L,
	    &bad, &torn) != 0) {
		rc = rel_err_set(err, REL_ESYS, "%s: out of memory", path);
		goto fail;
	}
	if ((rc = parse_header(r, &L, &pos, path, err)) != 0)
		goto fail;
	r->torn = torn;
	r->trcap = r->outcap = L.n - pos + 1;
	r->tr = calloc(r->trcap, sizeof *r->tr);
	r->outputs = calloc(r->outcap, sizeof *r->outputs);
	if (!r->tr || !r->outputs) {
		rc = rel_err_set(err, REL_ESYS, "%s: out of memory", path);
		goto fail;
	}
	for (; pos < L.n; pos++) {
		struct rel_jline *jl = &L.v[pos];
		int ok = -1;

		if (!strcmp(jl->f[0], "tr"))
			ok = apply_tr(r, jl);
		else if (!strcmp(jl->f[0], "out"))
			ok = apply_out(r, jl);
		else if (!strcmp(jl->f[0], "notify"))
			ok = apply_notice(r, jl);
		else if (!strcmp(jl->f[0], "lease"))
			ok = 0; /* a runner's renewal: its being there is all */
		if (ok < 0)
			bad++;
	}
	r->bad_lines = bad;
	free(L.v);
	rel_release_update_status(r);
	*out = r;
	return 0;
fail:
	free(L.v);
	rel_release_free(r);
	return rc;
}

void
rel_release_header(struct rel_buf *out, const struct rel_new_release *nr,
    const struct rel_flow *flow)
{
	char t[REL_TIME_MAX], num[32], num2[32], num3[32];

	rel_journal_line(out, (const char *[]){ "rel", REL_RECORD_VERSION,
	    nr->product }, 3);
	rel_time_format(nr->created, 1, t);
	rel_journal_line(out, (const char *[]){ "created", t, nr->by }, 3);
	rel_journal_line(out, (const char *[]){ "hotfix",
	    nr->hotfix ? "yes" : "no" }, 2);
	rel_journal_line(out, (const char *[]){ "rev",
	    nr->rev && *nr->rev ? nr->rev : "-",
	    nr->repo && *nr->repo ? nr->repo : "-" }, 3);
	rel_journal_line(out, (const char *[]){ "message",
	    nr->message ? nr->message : "" }, 2);
	rel_journal_line(out, (const char *[]){ "flow", nr->flow_hash,
	    nr->flow_source }, 3);
	snprintf(num, sizeof num, "%ld", flow->timeout);
	snprintf(num2, sizeof num2, "%d", flow->parallel);
	rel_journal_line(out, (const char *[]){ "policy", num,
	    flow->best_effort ? "yes" : "no", num2 }, 4);
	for (size_t i = 0; i < flow->ncomponents; i++)
		rel_journal_line(out, (const char *[]){ "artifact",
		    flow->components[i], nr->versions[i] }, 3);
	for (size_t i = 0; i < flow->nenvs; i++) {
		const struct rel_flow_env *e = &flow->envs[i];
		struct rel_buf needs = REL_BUF_INIT;

		for (size_t k = 0; k < e->nneeds; k++) {
			if (k)
				rel_buf_addc(&needs, ',');
			rel_buf_adds(&needs, flow->envs[e->needs[k]].name);
		}
		snprintf(num3, sizeof num3, "%ld", e->timeout);
		rel_journal_line(out, (const char *[]){ "env", e->name,
		    e->trigger == REL_TRIGGER_MANUAL ? "manual" : "auto",
		    needs.len ? needs.s : "-", e->best_effort ? "yes" : "no",
		    num3 }, 6);
		rel_buf_free(&needs);
	}
	for (size_t i = 0; i < flow->nenvs; i++)
		for (size_t j = 0; j < flow->envs[i].nsteps; j++) {
			const struct rel_flow_step *s = &flow->envs[i].steps[j];

			rel_journal_line(out, (const char *[]){ "step",
			    flow->envs[i].name, s->name,
			    rel_step_kind_name(s->kind) }, 4);
		}
}

void
rel_tr_line(struct rel_buf *out, int64_t time, const char *who,
    const char *object, const char *from, const char *to, int attempt,
    const char *why, const char *info)
{
	char t[REL_TIME_MAX], a[16];

	rel_time_format(time, 1, t);
	snprintf(a, sizeof a, "%d", attempt);
	rel_journal_line(out, (const char *[]){ "tr", t, who, object, from, to,
	    a, why ? why : "", info ? info : "" }, 9);
}

void
rel_notice_line(struct rel_buf *out, int64_t time, const char *who,
    const char *event, const char *env, int n, const char *outcome,
    int attempt, const char *why, const char *info)
{
	char t[REL_TIME_MAX], num[16], a[16];

	rel_time_format(time, 1, t);
	snprintf(num, sizeof num, "%d", n);
	snprintf(a, sizeof a, "%d", attempt);
	rel_journal_line(out, (const char *[]){ "notify", t, who, event, env,
	    num, outcome, a, why, info }, 10);
}

void
rel_out_line(struct rel_buf *out, int64_t time, const char *object,
    const char *key, const char *value, int attempt)
{
	char t[REL_TIME_MAX], a[16];

	rel_time_format(time, 1, t);
	snprintf(a, sizeof a, "%d", attempt);
	rel_journal_line(out, (const char *[]){ "out", t, object, key, value,
	    a }, 6);
}

void
rel_release_summary(const struct rel_release *r, struct rel_buf *out)
{
	char t[REL_TIME_MAX];

	rel_time_format(r->created, 0, t);
	rel_buf_adds(out, r->id);
	rel_buf_addc(out, '\t');
	rel_buf_adds(out, r->product);
	rel_buf_addc(out, '\t');
	rel_buf_adds(out, rel_status_name(r->status));
	rel_buf_addc(out, '\t');
	rel_buf_adds(out, t);
	rel_buf_addc(out, '\t');
	rel_buf_add_tsv(out, r->by);
	rel_buf_addc(out, '\t');
	rel_buf_adds(out, r->hotfix ? "yes" : "no");
	rel_buf_addc(out, '\t');
	for (size_t i = 0; i < r->nenvs; i++) {
		if (i)
			rel_buf_addc(out, ',');
		rel_buf_adds(out, r->envs[i].name);
		rel_buf_addc(out, '=');
		rel_buf_adds(out, rel_status_name(r->envs[i].status));
	}
}

void
rel_object(const struct rel_release *r, size_t env, size_t step, size_t run,
    char *out, size_t n)
{
	const struct rel_env *e = &r->envs[env];
	const struct rel_step *s = &e->steps[step];

	if (s->kind == REL_STEP_ACTION || s->kind == REL_STEP_VERIFY)
		snprintf(out, n, "%s/%s/%s", e->name, s->name,
		    r->artifacts[run].component);
	else
		snprintf(out, n, "%s/%s", e->name, s->name);
}

int
rel_release_extend(struct rel_release *r, const char *lines, size_t len,
    struct rel_err *err)
{
	struct lines L = { NULL, 0, 0 };
	char *chunk;
	size_t bad = 0;
	int torn;

	/* The strings of r point into its buffers: new lines get a buffer
	 * of their own, kept until r is freed. */
	if (!(chunk = malloc(len + 1)) ||
	    REL_GROW(r->chunks, r->nchunks + 1, r->chunkcap) < 0) {
		free(chunk);
		return rel_err_set(err, REL_ESYS, "out of memory");
	}
	memcpy(chunk, lines, len);
	chunk[len] = '\0';
	r->chunks[r->nchunks++] = chunk;
	if (rel_journal_scan(chunk, len, collect, &L, &bad, &torn) != 0)
		goto oom;
	for (size_t i = 0; i < L.n; i++) {
		struct rel_jline *jl = &L.v[i];
		int ok = -1;

		if (REL_GROW(r->tr, r->ntr + 1, r->trcap) < 0 ||
		    REL_GROW(r->outputs, r->noutputs + 1, r->outcap) < 0)
			goto oom;
		if (!strcmp(jl->f[0], "tr"))
			ok = apply_tr(r, jl);
		else if (!strcmp(jl->f[0], "out"))
			ok = apply_out(r, jl);
		else if (!strcmp(jl->f[0], "notify"))
			ok = apply_notice(r, jl);
		else if (!strcmp(jl->f[0], "lease"))
			ok = 0; /* a runner's renewal: its being there is all */
		if (ok < 0)
			bad++;
	}
	free(L.v);
	r->bad_lines += bad;
	rel_buf_add(&r->raw, lines, len);
	if (r->raw.oom)
		return rel_err_set(err, REL_ESYS, "out of memory");
	r->record_size = r->raw.len;
	rel_release_update_status(r);
	return 0;
oom:
	free(L.v);
	return rel_err_set(err, REL_ESYS, "out of memory");
}
