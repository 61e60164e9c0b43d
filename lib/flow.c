/*
 * flow.c - a product's flow from YAML (rel-flow(5)) to struct rel_flow.
 *
 * flowyaml.c turns the text into a tree within the size, depth and alias
 * limits; here the tree is checked against the schema, completely, before
 * anyone uses the flow: every key known, every value of the right type,
 * names valid and unique, `needs` resolved to indices and free of cycles.
 * The first fault found is the error, "PATH:LINE:COLUMN: message", at the
 * node or key to blame, and nothing is left allocated.
 *
 * Invariants of a parsed flow: 1 <= nenvs <= REL_FLOW_MAX_ENVS;
 * 1 <= ncomponents; env needs are distinct valid indices forming a DAG;
 * each env's steps are pre..., action?, verify?, post..., names unique.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "flow.h"
#include "flowyaml.h"
#include "when.h"

#define VERIFY_INTERVAL 5 /* seconds between verify attempts by default */
#define PARALLEL_MAX 64
#define RETRIES_MAX 100

static const char *const kind_names[] = { "pre", "action", "verify", "post" };

const char *
rel_step_kind_name(enum rel_step_kind k)
{
	return kind_names[k];
}

int
rel_step_kind_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, kind_names[i]))
			return i;
	return -1;
}

static const char *const event_names[] = { "failed", "succeeded",
	"suspended", "terminated", "frozen" };

const char *
rel_event_name(int ev)
{
	return ev >= 0 && ev < REL_EV_COUNT ? event_names[ev] : "-";
}

int
rel_event_parse(const char *s)
{
	for (int i = 0; i < REL_EV_COUNT; i++)
		if (!strcmp(s, event_names[i]))
			return i;
	return -1;
}

struct ctx {
	const char *path;
	struct rel_err *err;
	struct rel_flow *flow;
	const struct rel_ynode **needs; /* per environment: 'needs', or NULL */
};

/* A key a mapping may have, and where it was found. */
struct field {
	const char *key;
	const struct rel_ynode *k, *v;
};

static int
bad(const struct ctx *c, const struct rel_ynode *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
bad(const struct ctx *c, const struct rel_ynode *at, const char *fmt, ...)
{
	char msg[REL_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return rel_flow_errat(c->err, c->path, at->line, at->col, "%s", msg);
}

/* Put the position of at in front of the message a checker left in err. */
static int
badhere(const struct ctx *c, const struct rel_ynode *at)
{
	rel_err_prefix(c->err, "%s:%d:%d", c->path, at->line, at->col);
	c->err->code = REL_EUSAGE;
	return REL_EUSAGE;
}

static int
nomem(const struct ctx *c)
{
	return rel_err_set(c->err, REL_ESYS, "%s: out of memory", c->path);
}

/* s for a message: shortened, control bytes escaped. */
static const char *
show(const char *s, char *buf, size_t n)
{
	size_t i, j = 0;

	for (i = 0; s[i] && j + 5 < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (i >= 40) {
			memcpy(buf + j, "...", 3);
			j += 3;
			break;
		}
		if (ch < 0x20 || ch == 0x7f)
			j += (size_t)snprintf(buf + j, n - j, "\\x%02x", ch);
		else
			buf[j++] = (char)ch;
	}
	buf[j] = '\0';
	return buf;
}

/* What n is, for "must be X, not Y" messages. */
static const char *
kind(const struct rel_ynode *n)
{
	if (rel_ynode_null(n))
		return "an empty value";
	switch (rel_ynode_deref(n)->kind) {
	case REL_Y_MAP:
		return "a mapping";
	case REL_Y_SEQ:
		return "a list";
	default:
		return "a string";
	}
}

/* The value of key in map, if it is there as a scalar (for messages). */
static const char *
peek(const struct rel_ynode *map, const char *key)
{
	const struct rel_ynode *k, *v;
	size_t i;

	for (i = 0; i + 1 < map->nkids; i += 2) {
		k = rel_ynode_deref(map->kids[i]);
		v = rel_ynode_deref(map->kids[i + 1]);
		if (k->kind == REL_Y_SCALAR && strcmp(k->s, key) == 0 &&
		    v->kind == REL_Y_SCALAR)
			return v->s;
	}
	return NULL;
}

/* Sort the keys of map into f (nf known keys), refusing any other key, a
 * key given twice and a key that is not a string.  `what` names the
 * mapping in messages, as in "environment 'dev'". */
static int
fields(const struct ctx *c, const struct rel_ynode *map, const char *what,
    struct field *f, size_t nf)
{
	char b[64], known[256];
	const struct rel_ynode *k;
	size_t i, j, n = 0;

	for (i = 0; i + 1 < map->nkids; i += 2) {
		k = rel_ynode_deref(map->kids[i]);
		if (k->kind != REL_Y_SCALAR)
			return bad(c, map->kids[i], "a key must be a string, "
			    "not %s", kind(k));
		for (j = 0; j < nf; j++)
			if (strcmp(k->s, f[j].key) == 0 && k->len ==
			    strlen(f[j].key))
				break;
		if (j < nf && f[j].k)
			return bad(c, map->kids[i], "duplicate key '%s' "
			    "(first on line %d)", f[j].key, f[j].k->line);
		if (j < nf) {
			f[j].k = map->kids[i];
			f[j].v = map->kids[i + 1];
			continue;
		}
		if (k->plain && strcmp(k->s, "<<") == 0)
			return bad(c, map->kids[i], "unknown key '<<' in %s: "
			    "YAML merge keys are not supported (use an alias "
			    "for a whole value instead)", what);
		known[0] = '\0';
		for (j = 0; j < nf && n < sizeof known; j++)
			n += (size_t)snprintf(known + n, sizeof known - n,
			    "%s%s", j ? ", " : "", f[j].key);
		return bad(c, map->kids[i], "unknown key '%s' in %s "
		    "(known keys: %s)", show(k->s, b, sizeof b), what, known);
	}
	return 0;
}

static const struct rel_ynode *
field(const struct field *f, size_t nf, const char *key)
{
	size_t i;

	for (i = 0; i < nf; i++)
		if (strcmp(f[i].key, key) == 0)
			return f[i].v;
	return NULL;
}

/* The scalar behind v, refusing anything else with "'key' must be
 * <expected>". */
static const struct rel_ynode *
scalar(const struct ctx *c, const char *key, const struct rel_ynode *v,
    const char *expected)
{
	const struct rel_ynode *s = rel_ynode_deref(v);

	if (s->kind != REL_Y_SCALAR || rel_ynode_null(s)) {
		bad(c, v, "'%s' must be %s, not %s", key, expected, kind(v));
		return NULL;
	}
	/* A quoted "\0" gets past the check of the raw bytes. */
	if (memchr(s->s, '\0', s->len)) {
		bad(c, v, "'%s' must not contain a NUL byte", key);
		return NULL;
	}
	return s;
}

static int
getstr(const struct ctx *c, const char *key, const struct rel_ynode *v,
    char **out)
{
	const struct rel_ynode *s;

	if (!(s = scalar(c, key, v, "a string")))
		return REL_EUSAGE;
	if (!(*out = strdup(s->s)))
		return nomem(c);
	return 0;
}

/* A name, checked with rel_name_check (what: "environment"...). */
static int
getname(const struct ctx *c, const char *key, const char *what,
    const struct rel_ynode *v, char dst[REL_NAME_MAX + 1])
{
	const struct rel_ynode *s;

	if (!(s = scalar(c, key, v, "a string")))
		return REL_EUSAGE;
	if (rel_name_check(what, s->s, c->err) != 0)
		return badhere(c, v);
	memcpy(dst, s->s, s->len + 1);
	return 0;
}

static int
getbool(const struct ctx *c, const char *key, const struct rel_ynode *v,
    int *out)
{
	const struct rel_ynode *s;
	char b[64];

	if (!(s = scalar(c, key, v, "true or false")))
		return REL_EUSAGE;
	if (!s->plain)
		return bad(c, v, "'%s' must be true or false, not a quoted "
		    "string", key);
	if (strcasecmp(s->s, "true") == 0 || strcasecmp(s->s, "yes") == 0)
		*out = 1;
	else if (strcasecmp(s->s, "false") == 0 || strcasecmp(s->s, "no") == 0)
		*out = 0;
	else
		return bad(c, v, "'%s' must be true or false, not '%s'", key,
		    show(s->s, b, sizeof b));
	return 0;
}

static int
getint(const struct ctx *c, const char *key, const struct rel_ynode *v,
    int min, int max, int *out)
{
	const struct rel_ynode *s;
	const char *p;
	long n = 0;
	char b[64];

	if (!(s = scalar(c, key, v, "an integer")))
		return REL_EUSAGE;
	if (!s->plain)
		return bad(c, v, "'%s' must be an integer, not a quoted "
		    "string", key);
	p = s->s + (s->s[0] == '-' || s->s[0] == '+');
	if (!*p || strspn(p, "0123456789") != strlen(p))
		goto range;
	for (; *p; p++)
		if ((n = n * 10 + (*p - '0')) > max)
			goto range;
	if (s->s[0] == '-')
		n = -n;
	if (n < min)
		goto range;
	*out = (int)n;
	return 0;
range:
	return bad(c, v, "'%s' must be an integer from %d to %d, not '%s'",
	    key, min, max, show(s->s, b, sizeof b));
}

static int
getduration(const struct ctx *c, const char *key, const struct rel_ynode *v,
    long *out)
{
	const struct rel_ynode *s;

	if (!(s = scalar(c, key, v, "a duration such as 30s, 10m or 1h30m")))
		return REL_EUSAGE;
	if (rel_duration_parse(key, s->s, out, c->err) != 0)
		return badhere(c, v);
	return 0;
}

static int
getrun(const struct ctx *c, const struct rel_ynode *v, char **out)
{
	const struct rel_ynode *s;

	if (!(s = scalar(c, "run", v, "a command")))
		return REL_EUSAGE;
	if (strspn(s->s, " \t\r\n") == s->len)
		return bad(c, v, "'run' must not be empty");
	if (s->len > REL_FLOW_MAX_RUN)
		return bad(c, v, "'run' is too long (%zu bytes, at most %d)",
		    s->len, REL_FLOW_MAX_RUN);
	if (!(*out = strdup(s->s)))
		return nomem(c);
	return 0;
}

/* One step from item: a command alone, or a mapping.  list is "pre" or
 * "post" for those (pos is then the 1-based place in the list), NULL for
 * the action and verify. */
static int
parse_step(const struct ctx *c, const char *envwhat, const char *list,
    size_t pos, const struct rel_ynode *item, enum rel_step_kind k,
    struct rel_flow_step *s)
{
	const struct rel_ynode *m = rel_ynode_deref(item), *v;
	struct field f[5];
	char what[256];
	const char *name;
	size_t nf = 0;
	int rc;

	s->kind = k;
	s->line = item->line;
	s->column = item->col;
	s->interval = k == REL_STEP_VERIFY ? VERIFY_INTERVAL : 0;
	if (list)
		snprintf(s->name, sizeof s->name, "%s-%zu", list, pos);
	else
		snprintf(s->name, sizeof s->name, "%s", rel_step_kind_name(k));
	if (m->kind == REL_Y_SCALAR && !rel_ynode_null(m))
		return getrun(c, item, &s->run);
	if (m->kind != REL_Y_MAP) {
		if (list)
			return bad(c, item, "each item of '%s' must be a "
			    "mapping or a string, not %s", list, kind(item));
		return bad(c, item, "'%s' must be a mapping or a string, "
		    "not %s", s->name, kind(item));
	}
	memset(f, 0, sizeof f);
	if (list)
		f[nf++].key = "name";
	f[nf++].key = "run";
	f[nf++].key = "timeout";
	if (k == REL_STEP_VERIFY) {
		f[nf++].key = "retries";
		f[nf++].key = "interval";
	}
	if (!list)
		snprintf(what, sizeof what, "'%s' of %s", s->name, envwhat);
	else if ((name = peek(m, "name")) && rel_name_ok(name))
		snprintf(what, sizeof what, "step '%s' of %s", name, envwhat);
	else
		snprintf(what, sizeof what, "%s step %zu of %s", list, pos,
		    envwhat);
	if ((rc = fields(c, m, what, f, nf)) != 0)
		return rc;
	if ((v = field(f, nf, "name"))) {
		if ((rc = getname(c, "name", "step", v, s->name)) != 0)
			return rc;
		if (strcmp(s->name, "action") == 0 ||
		    strcmp(s->name, "verify") == 0)
			return bad(c, v, "step name '%s' is reserved for the "
			    "'%s' of an environment", s->name, s->name);
	}
	if (!(v = field(f, nf, "run")))
		return bad(c, item, "missing 'run' in %s", what);
	if ((rc = getrun(c, v, &s->run)) != 0)
		return rc;
	if ((v = field(f, nf, "timeout")) &&
	    (rc = getduration(c, "timeout", v, &s->timeout)) != 0)
		return rc;
	if ((v = field(f, nf, "retries")) &&
	    (rc = getint(c, "retries", v, 0, RETRIES_MAX, &s->retries)) != 0)
		return rc;
	if ((v = field(f, nf, "interval")) &&
	    (rc = getduration(c, "interval", v, &s->interval)) != 0)
		return rc;
	return 0;
}

/* The items of a pre or post list (NULL: none). */
static int
steplist(const struct ctx *c, const char *key, const struct rel_ynode *v,
    const struct rel_ynode **seq)
{
	*seq = NULL;
	if (!v)
		return 0;
	if (rel_ynode_deref(v)->kind != REL_Y_SEQ)
		return bad(c, v, "'%s' must be a list, not %s", key, kind(v));
	*seq = rel_ynode_deref(v);
	return 0;
}

static int
parse_steps(const struct ctx *c, const char *what, struct rel_flow_env *e,
    const struct rel_ynode *item, const struct field *f, size_t nf)
{
	const struct rel_ynode *pre, *post, *action, *verify;
	struct rel_flow_step *s;
	size_t i, j, npre, npost;
	int rc;

	if ((rc = steplist(c, "pre", field(f, nf, "pre"), &pre)) != 0 ||
	    (rc = steplist(c, "post", field(f, nf, "post"), &post)) != 0)
		return rc;
	action = field(f, nf, "action");
	verify = field(f, nf, "verify");
	npre = pre ? pre->nkids : 0;
	npost = post ? post->nkids : 0;
	if (npre + npost > REL_FLOW_MAX_STEPS)
		return bad(c, item, "too many steps in %s (%zu pre and post "
		    "steps, at most %d)", what, npre + npost,
		    REL_FLOW_MAX_STEPS);
	e->nsteps = npre + (action != NULL) + (verify != NULL) + npost;
	if (e->nsteps == 0)
		return 0;
	if (!(e->steps = calloc(e->nsteps, sizeof *e->steps)))
		return nomem(c);
	s = e->steps;
	for (i = 0; i < npre; i++)
		if ((rc = parse_step(c, what, "pre", i + 1, pre->kids[i],
		    REL_STEP_PRE, s++)) != 0)
			return rc;
	if (action && (rc = parse_step(c, what, NULL, 0, action,
	    REL_STEP_ACTION, s++)) != 0)
		return rc;
	if (verify && (rc = parse_step(c, what, NULL, 0, verify,
	    REL_STEP_VERIFY, s++)) != 0)
		return rc;
	for (i = 0; i < npost; i++)
		if ((rc = parse_step(c, what, "post", i + 1, post->kids[i],
		    REL_STEP_POST, s++)) != 0)
			return rc;
	/* Names given and made up share one namespace per environment. */
	for (i = 1; i < e->nsteps; i++)
		for (j = 0; j < i; j++)
			if (strcmp(e->steps[i].name, e->steps[j].name) == 0)
				return rel_flow_errat(c->err, c->path,
				    e->steps[i].line, e->steps[i].column,
				    "duplicate step '%s' in %s (first on line "
				    "%d)", e->steps[i].name, what,
				    e->steps[j].line);
	return 0;
}

/* --- freeze windows (freeze.h) --------------------------------------- */

/* The environments a flow-level window names: each must be one of the
 * flow's. */
static int
window_envs(const struct ctx *c, const struct rel_ynode *v,
    struct rel_window *w)
{
	const struct rel_ynode *seq = rel_ynode_deref(v), *s;
	size_t n = seq->kind == REL_Y_SEQ ? seq->nkids : 1;
	char b[64];

	if (seq->kind == REL_Y_MAP || rel_ynode_null(seq) || n == 0)
		return bad(c, v, "'environments' must be a list of environment "
		    "names or one name");
	if (!(w->envs = calloc(n, sizeof *w->envs)))
		return nomem(c);
	for (size_t i = 0; i < n; i++) {
		const struct rel_ynode *at = seq->kind == REL_Y_SEQ ?
		    seq->kids[i] : v;

		if (!(s = scalar(c, "environments", at, "an environment name")))
			return REL_EUSAGE;
		if (rel_flow_env_index(c->flow, s->s) < 0)
			return bad(c, at, "unknown environment '%s' in "
			    "'environments' of a freeze window",
			    show(s->s, b, sizeof b));
		snprintf(w->envs[w->nenvs++], sizeof w->envs[0], "%s", s->s);
	}
	return 0;
}

static int
parse_window(const struct ctx *c, const struct rel_ynode *item,
    const char *env, struct rel_window *w)
{
	struct field f[] = {
		{ .key = "schedule" }, { .key = "duration" },
		{ .key = "timezone" }, { .key = "from" }, { .key = "to" },
		{ .key = "reason" }, { .key = "hotfix" },
		{ .key = "environments" },
	};
	const size_t nf = sizeof f / sizeof f[0] - (env != NULL);
	const struct rel_ynode *m = rel_ynode_deref(item), *v, *s;
	char what[128], b[64];
	int rc;

	w->line = item->line;
	if (m->kind != REL_Y_MAP)
		return bad(c, item, "each item of 'freeze' must be a mapping, "
		    "not %s", kind(item));
	snprintf(what, sizeof what, "the freeze window on line %d",
	    item->line);
	if ((rc = fields(c, m, what, f, nf)) != 0)
		return rc;
	if ((v = field(f, nf, "timezone"))) {
		if (!(s = scalar(c, "timezone", v, "a time zone name")))
			return REL_EUSAGE;
		if (rel_tz_load(s->s, &w->tz, c->err) != 0)
			return badhere(c, v);
	}
	if ((v = field(f, nf, "reason"))) {
		if (!(s = scalar(c, "reason", v, "a text")))
			return REL_EUSAGE;
		if (rel_text_check("reason", s->s, REL_TEXT_MAX, 0, c->err))
			return badhere(c, v);
		if (!(w->reason = strdup(s->s)))
			return nomem(c);
	}
	if ((v = field(f, nf, "hotfix"))) {
		if (!(s = scalar(c, "hotfix", v, "allow or deny")))
			return REL_EUSAGE;
		if (!strcmp(s->s, "allow"))
			w->hotfix = 1;
		else if (strcmp(s->s, "deny"))
			return bad(c, v, "'hotfix' must be allow or deny, not "
			    "'%s'", show(s->s, b, sizeof b));
	}
	if ((v = field(f, nf, "schedule"))) {
		if (field(f, nf, "from") || field(f, nf, "to"))
			return bad(c, v, "a freeze window has a 'schedule' (and "
			    "a 'duration') or 'from' and 'to', not both");
		if (!(s = scalar(c, "schedule", v, "a cron schedule")))
			return REL_EUSAGE;
		if (rel_cron_parse(s->s, &w->cron, c->err) != 0)
			return badhere(c, v);
		snprintf(w->schedule, sizeof w->schedule, "%s", s->s);
		w->recurring = 1;
		if (!(v = field(f, nf, "duration")))
			return bad(c, item, "missing 'duration' in %s (how long "
			    "each freeze lasts, as 64h)", what);
		if ((rc = getduration(c, "duration", v, &w->duration)) != 0)
			return rc;
		if (w->duration <= 0)
			return bad(c, v, "'duration' must be more than 0s");
	} else {
		const struct rel_ynode *fv = field(f, nf, "from");
		const struct rel_ynode *tv = field(f, nf, "to");

		if (!fv || !tv)
			return bad(c, item, "%s needs a 'schedule' and a "
			    "'duration', or 'from' and 'to'", what);
		if ((v = field(f, nf, "duration")))
			return bad(c, v, "'duration' goes with 'schedule'; a "
			    "dated window ends at its 'to'");
		if (!(s = scalar(c, "from", fv, "a date or a time")))
			return REL_EUSAGE;
		if (rel_window_time(s->s, w->tz, 0, &w->from, c->err) != 0)
			return badhere(c, fv);
		if (!(s = scalar(c, "to", tv, "a date or a time")))
			return REL_EUSAGE;
		if (rel_window_time(s->s, w->tz, 1, &w->to, c->err) != 0)
			return badhere(c, tv);
		if (w->to <= w->from)
			return bad(c, tv, "'to' must come after 'from'");
	}
	if (env) {
		if (!(w->envs = calloc(1, sizeof *w->envs)))
			return nomem(c);
		snprintf(w->envs[0], sizeof w->envs[0], "%s", env);
		w->nenvs = 1;
	} else if ((v = field(f, nf, "environments")) &&
	    (rc = window_envs(c, v, w)) != 0) {
		return rc;
	}
	return 0;
}

/* A `freeze:` list, of the flow (env NULL) or of one environment. */
static int
parse_freeze(const struct ctx *c, const struct rel_ynode *v, const char *env)
{
	const struct rel_ynode *seq = rel_ynode_deref(v);
	struct rel_flow *flow = c->flow;
	struct rel_window *nw;
	int rc;

	if (seq->kind != REL_Y_SEQ)
		return bad(c, v, "'freeze' must be a list of windows, not %s",
		    kind(v));
	if (flow->nfreeze + seq->nkids > REL_FLOW_MAX_FREEZE)
		return bad(c, v, "too many freeze windows (at most %d)",
		    REL_FLOW_MAX_FREEZE);
	if (!seq->nkids)
		return 0;
	if (!(nw = realloc(flow->freeze, (flow->nfreeze + seq->nkids) *
	    sizeof *nw)))
		return nomem(c);
	flow->freeze = nw;
	for (size_t i = 0; i < seq->nkids; i++) {
		/* Counted first, so that rel_flow_free frees what we made. */
		memset(&flow->freeze[flow->nfreeze], 0, sizeof *nw);
		flow->nfreeze++;
		if ((rc = parse_window(c, seq->kids[i], env,
		    &flow->freeze[flow->nfreeze - 1])) != 0)
			return rc;
	}
	return 0;
}

/* --- notify commands ------------------------------------------------- */

static int
parse_notify_item(const struct ctx *c, const struct rel_ynode *item,
    const char *env, struct rel_flow_notify *n)
{
	struct field f[] = { { .key = "run" }, { .key = "on" },
		{ .key = "timeout" } };
	const size_t nf = sizeof f / sizeof f[0];
	const struct rel_ynode *m = rel_ynode_deref(item), *v, *seq, *s;
	char what[128], b[64];
	int rc, ev;

	n->line = item->line;
	n->timeout = REL_NOTIFY_TIMEOUT;
	n->on = (1u << REL_EV_COUNT) - 1;
	if (env)
		snprintf(n->env, sizeof n->env, "%s", env);
	if (m->kind != REL_Y_MAP)
		return bad(c, item, "each item of 'notify' must be a mapping, "
		    "not %s", kind(item));
	snprintf(what, sizeof what, "the notify command on line %d",
	    item->line);
	if ((rc = fields(c, m, what, f, nf)) != 0)
		return rc;
	if (!(v = field(f, nf, "run")))
		return bad(c, item, "missing 'run' in %s", what);
	if ((rc = getrun(c, v, &n->run)) != 0)
		return rc;
	if ((v = field(f, nf, "timeout"))) {
		if ((rc = getduration(c, "timeout", v, &n->timeout)) != 0)
			return rc;
		if (n->timeout <= 0)
			return bad(c, v, "'timeout' must be more than 0s");
	}
	if ((v = field(f, nf, "on"))) {
		seq = rel_ynode_deref(v);
		if (seq->kind == REL_Y_MAP || rel_ynode_null(seq) ||
		    (seq->kind == REL_Y_SEQ && seq->nkids == 0))
			return bad(c, v, "'on' must be a list of events (failed, "
			    "succeeded, suspended, terminated, frozen)");
		n->on = 0;
		for (size_t i = 0; i < (seq->kind == REL_Y_SEQ ?
		    seq->nkids : 1); i++) {
			const struct rel_ynode *at = seq->kind == REL_Y_SEQ ?
			    seq->kids[i] : v;

			if (!(s = scalar(c, "on", at, "an event")))
				return REL_EUSAGE;
			if ((ev = rel_event_parse(s->s)) < 0)
				return bad(c, at, "unknown event '%s' in 'on' "
				    "(failed, succeeded, suspended, terminated, "
				    "frozen)", show(s->s, b, sizeof b));
			n->on |= 1u << ev;
		}
	}
	return 0;
}

/* A `notify:` list, of the flow (env NULL) or of one environment. */
static int
parse_notify(const struct ctx *c, const struct rel_ynode *v, const char *env)
{
	const struct rel_ynode *seq = rel_ynode_deref(v);
	struct rel_flow *flow = c->flow;
	struct rel_flow_notify *nv;
	int rc;

	if (seq->kind != REL_Y_SEQ)
		return bad(c, v, "'notify' must be a list of commands, not %s",
		    kind(v));
	if (flow->nnotify + seq->nkids > REL_FLOW_MAX_NOTIFY)
		return bad(c, v, "too many notify commands (at most %d)",
		    REL_FLOW_MAX_NOTIFY);
	if (!seq->nkids)
		return 0;
	if (!(nv = realloc(flow->notify, (flow->nnotify + seq->nkids) *
	    sizeof *nv)))
		return nomem(c);
	flow->notify = nv;
	for (size_t i = 0; i < seq->nkids; i++) {
		memset(&flow->notify[flow->nnotify], 0, sizeof *nv);
		flow->nnotify++;
		if ((rc = parse_notify_item(c, seq->kids[i], env,
		    &flow->notify[flow->nnotify - 1])) != 0)
			return rc;
	}
	return 0;
}

static int
parse_env(struct ctx *c, size_t i, const struct rel_ynode *item)
{
	struct field f[] = {
		{ .key = "name" }, { .key = "needs" }, { .key = "trigger" },
		{ .key = "timeout" }, { .key = "best_effort" },
		{ .key = "pre" }, { .key = "action" }, { .key = "verify" },
		{ .key = "post" }, { .key = "freeze" }, { .key = "notify" },
	};
	const size_t nf = sizeof f / sizeof f[0];
	struct rel_flow_env *e = &c->flow->envs[i];
	const struct rel_ynode *m = rel_ynode_deref(item), *v;
	const char *name;
	char what[128], b[64];
	size_t j;
	int rc;

	if (m->kind != REL_Y_MAP)
		return bad(c, item, "each item of 'environments' must be a "
		    "mapping, not %s", kind(item));
	e->line = item->line;
	e->column = item->col;
	if ((name = peek(m, "name")) && rel_name_ok(name))
		snprintf(what, sizeof what, "environment '%s'", name);
	else
		snprintf(what, sizeof what, "environment %zu", i + 1);
	if ((rc = fields(c, m, what, f, nf)) != 0)
		return rc;
	if (!(v = field(f, nf, "name")))
		return bad(c, item, "missing 'name' in %s", what);
	if ((rc = getname(c, "name", "environment", v, e->name)) != 0)
		return rc;
	for (j = 0; j < i; j++)
		if (strcmp(c->flow->envs[j].name, e->name) == 0)
			return bad(c, v, "duplicate environment '%s' (first on "
			    "line %d)", e->name, c->flow->envs[j].line);
	if ((v = field(f, nf, "trigger"))) {
		const struct rel_ynode *s;

		if (!(s = scalar(c, "trigger", v, "auto or manual")))
			return REL_EUSAGE;
		if (strcmp(s->s, "auto") == 0)
			e->trigger = REL_TRIGGER_AUTO;
		else if (strcmp(s->s, "manual") == 0)
			e->trigger = REL_TRIGGER_MANUAL;
		else
			return bad(c, v, "'trigger' must be auto or manual, "
			    "not '%s'", show(s->s, b, sizeof b));
	}
	if ((v = field(f, nf, "timeout")) &&
	    (rc = getduration(c, "timeout", v, &e->timeout)) != 0)
		return rc;
	e->best_effort = c->flow->best_effort;
	if ((v = field(f, nf, "best_effort")) &&
	    (rc = getbool(c, "best_effort", v, &e->best_effort)) != 0)
		return rc;
	if ((v = field(f, nf, "freeze")) &&
	    (rc = parse_freeze(c, v, e->name)) != 0)
		return rc;
	if ((v = field(f, nf, "notify")) &&
	    (rc = parse_notify(c, v, e->name)) != 0)
		return rc;
	/* Resolved once every environment's name is known. */
	c->needs[i] = field(f, nf, "needs");
	return parse_steps(c, what, e, item, f, nf);
}

/* Where the j-th need of environment i is written (the environment itself
 * for the implicit need of the one before). */
static const struct rel_ynode *
need_at(const struct ctx *c, size_t i, size_t j, const struct rel_ynode *env)
{
	const struct rel_ynode *v = c->needs[i];

	if (!v)
		return env;
	if (rel_ynode_deref(v)->kind == REL_Y_SCALAR)
		return v;
	return rel_ynode_deref(v)->kids[j];
}

static int
resolve_needs(const struct ctx *c, size_t i, const struct rel_ynode *env)
{
	struct rel_flow_env *e = &c->flow->envs[i];
	const struct rel_ynode *v = c->needs[i], *seq, *s;
	size_t j, k, n;
	char b[64];
	int x;

	if (!v) {
		if (i == 0)
			return 0;
		if (!(e->needs = malloc(sizeof *e->needs)))
			return nomem(c);
		e->needs[0] = i - 1;
		e->nneeds = 1;
		return 0;
	}
	seq = rel_ynode_deref(v);
	if (seq->kind == REL_Y_MAP || rel_ynode_null(seq))
		return bad(c, v, "'needs' must be a list of environment names "
		    "or one name, not %s", kind(v));
	n = seq->kind == REL_Y_SEQ ? seq->nkids : 1;
	if (n == 0)
		return 0;
	if (!(e->needs = calloc(n, sizeof *e->needs)))
		return nomem(c);
	for (j = 0; j < n; j++) {
		const struct rel_ynode *at = need_at(c, i, j, env);

		if (!(s = scalar(c, "needs", at, "an environment name")))
			return REL_EUSAGE;
		if ((x = rel_flow_env_index(c->flow, s->s)) < 0)
			return bad(c, at, "unknown environment '%s' in 'needs' "
			    "of environment '%s'", show(s->s, b, sizeof b),
			    e->name);
		for (k = 0; k < j; k++)
			if (e->needs[k] == (size_t)x)
				return bad(c, at, "'needs' of environment '%s' "
				    "names '%s' twice", e->name, s->s);
		e->needs[e->nneeds++] = (size_t)x;
	}
	return 0;
}

enum { WHITE, GREY, BLACK };

/* Depth-first along needs; path[0..depth) is the chain that led to u. */
static int
visit(const struct ctx *c, const struct rel_ynode **envs, size_t u,
    unsigned char *color, size_t *path, size_t depth)
{
	const struct rel_flow_env *e = &c->flow->envs[u];
	char msg[REL_ERR_MAX];
	size_t j, k, v, n;
	int rc;

	color[u] = GREY;
	path[depth++] = u;
	for (j = 0; j < e->nneeds; j++) {
		v = e->needs[j];
		if (color[v] == BLACK)
			continue;
		if (color[v] == WHITE) {
			if ((rc = visit(c, envs, v, color, path, depth)) != 0)
				return rc;
			continue;
		}
		for (k = 0; path[k] != v; k++)
			;
		n = (size_t)snprintf(msg, sizeof msg, "cycle in needs:");
		for (; k < depth && n < sizeof msg; k++)
			n += (size_t)snprintf(msg + n, sizeof msg - n, " %s ->",
			    c->flow->envs[path[k]].name);
		if (n < sizeof msg)
			snprintf(msg + n, sizeof msg - n, " %s",
			    c->flow->envs[v].name);
		return bad(c, need_at(c, u, j, envs[u]), "%s", msg);
	}
	color[u] = BLACK;
	return 0;
}

static int
check_cycles(const struct ctx *c, const struct rel_ynode **envs)
{
	unsigned char color[REL_FLOW_MAX_ENVS] = { WHITE };
	size_t path[REL_FLOW_MAX_ENVS], i;
	int rc;

	for (i = 0; i < c->flow->nenvs; i++)
		if (color[i] == WHITE &&
		    (rc = visit(c, envs, i, color, path, 0)) != 0)
			return rc;
	return 0;
}

static int
parse_envs(struct ctx *c, const struct rel_ynode *v)
{
	const struct rel_ynode *seq = rel_ynode_deref(v);
	struct rel_flow *flow = c->flow;
	size_t i;
	int rc;

	if (seq->kind != REL_Y_SEQ)
		return bad(c, v, "'environments' must be a list, not %s",
		    kind(v));
	if (seq->nkids == 0)
		return bad(c, v, "'environments' must not be empty");
	if (seq->nkids > REL_FLOW_MAX_ENVS)
		return bad(c, v, "too many environments (%zu, at most %d)",
		    seq->nkids, REL_FLOW_MAX_ENVS);
	if (!(flow->envs = calloc(seq->nkids, sizeof *flow->envs)) ||
	    !(c->needs = calloc(seq->nkids, sizeof *c->needs)))
		return nomem(c);
	for (i = 0; i < seq->nkids; i++) {
		/* Counted as we go, so rel_flow_free frees what we made. */
		flow->nenvs++;
		if ((rc = parse_env(c, i, seq->kids[i])) != 0)
			return rc;
	}
	for (i = 0; i < flow->nenvs; i++)
		if ((rc = resolve_needs(c, i, seq->kids[i])) != 0)
			return rc;
	return check_cycles(c, (const struct rel_ynode **)seq->kids);
}

static int
parse_components(const struct ctx *c, const struct rel_ynode *v)
{
	const struct rel_ynode *seq = rel_ynode_deref(v);
	struct rel_flow *flow = c->flow;
	size_t i, j;
	int rc;

	if (!v) {
		if (!(flow->components = calloc(1, sizeof *flow->components)))
			return nomem(c);
		memcpy(flow->components[0], flow->product,
		    sizeof flow->product);
		flow->ncomponents = 1;
		return 0;
	}
	if (seq->kind != REL_Y_SEQ)
		return bad(c, v, "'components' must be a list, not %s",
		    kind(v));
	if (seq->nkids == 0)
		return bad(c, v, "'components' must not be empty (leave it "
		    "out for one component named after the product)");
	if (seq->nkids > REL_FLOW_MAX_COMPONENTS)
		return bad(c, v, "too many components (%zu, at most %d)",
		    seq->nkids, REL_FLOW_MAX_COMPONENTS);
	if (!(flow->components = calloc(seq->nkids,
	    sizeof *flow->components)))
		return nomem(c);
	for (i = 0; i < seq->nkids; i++) {
		if ((rc = getname(c, "components", "component", seq->kids[i],
		    flow->components[i])) != 0)
			return rc;
		for (j = 0; j < i; j++)
			if (strcmp(flow->components[i],
			    flow->components[j]) == 0)
				return bad(c, seq->kids[i], "duplicate "
				    "component '%s' (first on line %d)",
				    flow->components[i], seq->kids[j]->line);
		flow->ncomponents++;
	}
	return 0;
}

/* A list of strings, each given to add (the notes' keys, patterns). */
static int
notes_list(const struct ctx *c, const char *key, const struct rel_ynode *v,
    int (*add)(struct rel_notes_cfg *, const char *, struct rel_err *))
{
	const struct rel_ynode *seq = rel_ynode_deref(v), *s;

	if (seq->kind != REL_Y_SEQ)
		return bad(c, v, "'%s' must be a list, not %s", key, kind(v));
	for (size_t i = 0; i < seq->nkids; i++) {
		if (!(s = scalar(c, key, seq->kids[i], "a string")))
			return REL_EUSAGE;
		if (add(&c->flow->notes, s->s, c->err) != 0)
			return badhere(c, seq->kids[i]);
	}
	return 0;
}

/* issue_url: one template, or a mapping from a key ("#", PROJ) to one. */
static int
notes_issue_url(const struct ctx *c, const struct rel_ynode *v)
{
	const struct rel_ynode *map = rel_ynode_deref(v), *k, *s;

	if (map->kind != REL_Y_MAP) {
		if (!(s = scalar(c, "issue_url", v, "a URL or a mapping")))
			return REL_EUSAGE;
		if (rel_notes_cfg_issue_url(&c->flow->notes, NULL, s->s,
		    c->err) != 0)
			return badhere(c, v);
		return 0;
	}
	for (size_t i = 0; i + 1 < map->nkids; i += 2) {
		if (!(k = scalar(c, "issue_url", map->kids[i], "a key")) ||
		    !(s = scalar(c, k->s, map->kids[i + 1], "a URL")))
			return REL_EUSAGE;
		if (rel_notes_cfg_issue_url(&c->flow->notes, k->s, s->s,
		    c->err) != 0)
			return badhere(c, map->kids[i]);
	}
	return 0;
}

/* The `notes:` section: what rel-notes links and leaves out. */
static int
parse_notes(const struct ctx *c, const struct rel_ynode *v)
{
	struct field f[] = {
		{ .key = "issue_keys" }, { .key = "issue_url" },
		{ .key = "commit_url" }, { .key = "exclude" },
	};
	const size_t nf = sizeof f / sizeof f[0];
	const struct rel_ynode *map = rel_ynode_deref(v), *x;
	int rc;

	if (map->kind != REL_Y_MAP)
		return bad(c, v, "'notes' must be a mapping, not %s", kind(v));
	if ((rc = fields(c, map, "notes", f, nf)) != 0)
		return rc;
	if ((x = field(f, nf, "issue_keys")) &&
	    (rc = notes_list(c, "issue_keys", x, rel_notes_cfg_key)) != 0)
		return rc;
	if ((x = field(f, nf, "issue_url")) &&
	    (rc = notes_issue_url(c, x)) != 0)
		return rc;
	if ((x = field(f, nf, "commit_url"))) {
		if (!(map = scalar(c, "commit_url", x, "a URL")))
			return REL_EUSAGE;
		if (rel_notes_cfg_commit_url(&c->flow->notes, map->s,
		    c->err) != 0)
			return badhere(c, x);
	}
	if ((x = field(f, nf, "exclude")) &&
	    (rc = notes_list(c, "exclude", x, rel_notes_cfg_exclude)) != 0)
		return rc;
	if (rel_notes_cfg_check(&c->flow->notes, c->err) != 0)
		return badhere(c, v);
	return 0;
}

static int
parse_flow(struct ctx *c, const struct rel_ynode *root, const char *product)
{
	struct field f[] = {
		{ .key = "product" }, { .key = "repo" }, { .key = "timeout" },
		{ .key = "best_effort" }, { .key = "parallel" },
		{ .key = "components" }, { .key = "environments" },
		{ .key = "notes" }, { .key = "freeze" }, { .key = "notify" },
	};
	const size_t nf = sizeof f / sizeof f[0];
	struct rel_flow *flow = c->flow;
	const struct rel_ynode *v;
	char name[REL_NAME_MAX + 1];
	int rc;

	if (root->kind != REL_Y_MAP)
		return bad(c, root, "a flow must be a mapping, not %s",
		    kind(root));
	if ((rc = fields(c, root, "the flow", f, nf)) != 0)
		return rc;
	snprintf(flow->product, sizeof flow->product, "%s", product);
	if ((v = field(f, nf, "product"))) {
		if ((rc = getname(c, "product", "product", v, name)) != 0)
			return rc;
		if (rel_product_check(name, c->err) != 0)
			return badhere(c, v);
		if (strcmp(name, product) != 0)
			return bad(c, v, "'product' is '%s' but the flow is "
			    "read for product '%s'", name, product);
	}
	if ((v = field(f, nf, "repo")) &&
	    (rc = getstr(c, "repo", v, &flow->repo)) != 0)
		return rc;
	if ((v = field(f, nf, "timeout")) &&
	    (rc = getduration(c, "timeout", v, &flow->timeout)) != 0)
		return rc;
	if ((v = field(f, nf, "best_effort")) &&
	    (rc = getbool(c, "best_effort", v, &flow->best_effort)) != 0)
		return rc;
	flow->parallel = REL_FLOW_PARALLEL_DEFAULT;
	if ((v = field(f, nf, "parallel")) &&
	    (rc = getint(c, "parallel", v, 1, PARALLEL_MAX,
	    &flow->parallel)) != 0)
		return rc;
	if ((rc = parse_components(c, field(f, nf, "components"))) != 0)
		return rc;
	if ((v = field(f, nf, "notes")) && (rc = parse_notes(c, v)) != 0)
		return rc;
	if (!(v = field(f, nf, "environments")))
		return bad(c, root, "missing 'environments' in the flow");
	if ((rc = parse_envs(c, v)) != 0)
		return rc;
	/* After the environments: a window may name some of them. */
	if ((v = field(f, nf, "freeze")) && (rc = parse_freeze(c, v, NULL)) != 0)
		return rc;
	if ((v = field(f, nf, "notify")) && (rc = parse_notify(c, v, NULL)) != 0)
		return rc;
	return 0;
}

int
rel_flow_parse(const char *path, const char *buf, size_t len,
    const char *product, struct rel_flow **out, struct rel_err *err)
{
	struct rel_ydoc doc;
	struct ctx c;
	int rc;

	*out = NULL;
	if ((rc = rel_product_check(product, err)) != 0)
		return rc;
	if ((rc = rel_ydoc_parse(path, buf, len, &doc, err)) != 0)
		return rc;
	memset(&c, 0, sizeof c);
	c.path = path;
	c.err = err;
	if (!(c.flow = calloc(1, sizeof *c.flow)))
		rc = nomem(&c);
	else
		rc = parse_flow(&c, doc.root, product);
	free(c.needs);
	rel_ydoc_free(&doc);
	if (rc != 0) {
		rel_flow_free(c.flow);
		return rc;
	}
	*out = c.flow;
	return 0;
}

int
rel_flow_load(const char *path, const char *product, struct rel_flow **out,
    struct rel_err *err)
{
	struct stat st;
	char *buf, *nbuf;
	size_t len = 0, cap;
	ssize_t n;
	int fd, rc;

	*out = NULL;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) < 0)
		return rel_err_errno(err, "%s", path);
	if (fstat(fd, &st) != 0) {
		rc = rel_err_errno(err, "%s", path);
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return rel_err_set(err, REL_EUSAGE, "%s: not a regular file",
		    path);
	}
	if (st.st_size > REL_FLOW_MAX_BYTES) {
		close(fd);
		return rel_flow_errat(err, path, 1, 1, "flow is too large "
		    "(%lld bytes, at most %d)", (long long)st.st_size,
		    REL_FLOW_MAX_BYTES);
	}
	/* One byte more than fstat said, to notice a file that grew. */
	cap = (size_t)st.st_size + 1;
	if (!(buf = malloc(cap))) {
		close(fd);
		return rel_err_set(err, REL_ESYS, "%s: out of memory", path);
	}
	for (;;) {
		if (len == cap) {
			if (cap > REL_FLOW_MAX_BYTES)
				break; /* rel_flow_parse refuses it */
			cap *= 2;
			if (!(nbuf = realloc(buf, cap))) {
				free(buf);
				close(fd);
				return rel_err_set(err, REL_ESYS,
				    "%s: out of memory", path);
			}
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = rel_err_errno(err, "%s", path);
			free(buf);
			close(fd);
			return rc;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	rc = rel_flow_parse(path, buf, len, product, out, err);
	free(buf);
	return rc;
}

void
rel_flow_free(struct rel_flow *flow)
{
	size_t i, j;

	if (!flow)
		return;
	for (i = 0; i < flow->nenvs; i++) {
		struct rel_flow_env *e = &flow->envs[i];

		for (j = 0; j < e->nsteps; j++)
			free(e->steps[j].run);
		free(e->steps);
		free(e->needs);
	}
	for (i = 0; i < flow->nfreeze; i++)
		rel_window_free(&flow->freeze[i]);
	free(flow->freeze);
	for (i = 0; i < flow->nnotify; i++)
		free(flow->notify[i].run);
	free(flow->notify);
	free(flow->envs);
	free(flow->components);
	free(flow->repo);
	rel_notes_cfg_free(&flow->notes);
	free(flow);
}

int
rel_flow_env_index(const struct rel_flow *flow, const char *name)
{
	size_t i;

	for (i = 0; i < flow->nenvs; i++)
		if (strcmp(flow->envs[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
rel_flow_component_index(const struct rel_flow *flow, const char *name)
{
	size_t i;

	for (i = 0; i < flow->ncomponents; i++)
		if (strcmp(flow->components[i], name) == 0)
			return (int)i;
	return -1;
}

void
rel_flow_topo_order(const struct rel_flow *flow, size_t *order)
{
	unsigned char done[REL_FLOW_MAX_ENVS] = { 0 };
	size_t i, j, k, n = flow->nenvs;

	/* Kahn's algorithm, taking the first ready environment in file
	 * order each time; quadratic, which is nothing at 256. */
	for (k = 0; k < n && n <= REL_FLOW_MAX_ENVS; k++) {
		for (i = 0; i < n; i++) {
			if (done[i])
				continue;
			for (j = 0; j < flow->envs[i].nneeds; j++)
				if (!done[flow->envs[i].needs[j]])
					break;
			if (j == flow->envs[i].nneeds)
				break;
		}
		if (i == n)
			break; /* a cycle: cannot come from rel_flow_parse */
		done[i] = 1;
		order[k] = i;
	}
	/* Whatever is left (never, for a parsed flow) in file order, so
	 * that order is always a permutation. */
	for (i = 0; i < n && k < n; i++)
		if (n > REL_FLOW_MAX_ENVS || !done[i])
			order[k++] = i;
}
