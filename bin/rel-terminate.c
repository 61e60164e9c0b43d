/*
 * rel-terminate - stop releases: their running steps get SIGTERM, then
 * SIGKILL after the grace period; environments they had not finished go
 * back to pending; the reason and who are recorded.  --expired stops the
 * releases past their flow timeout (for cron).  Prints the ids it
 * terminated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "reap.h"
#include "record.h"
#include "store.h"
#include "terminate.h"
#include "when.h"

static const char usage[] =
    "usage: rel-terminate [--state DIR] [--reason TEXT] [--by NAME]\n"
    "                     [--grace SECONDS] [--wait SECONDS] [RELEASE...]\n"
    "       rel-terminate [--state DIR] [--by NAME] [--grace SECONDS]\n"
    "                     [--wait SECONDS] --expired [PRODUCT...]\n"
    "       rel-terminate -h | --version\n";

enum { O_REASON = 1, O_GRACE, O_EXPIRED };

static const struct rel_opt opts[] = {
	REL_OPT_STATE,
	{ O_REASON, 'm', "reason", "TEXT", NULL, "why, recorded" },
	REL_OPT_BY,
	{ O_GRACE, 'g', "grace", "SECONDS", NULL,
	    "how long steps have to stop before SIGKILL (10)" },
	REL_OPT_WAIT,
	{ O_EXPIRED, 'x', "expired", NULL, NULL,
	    "terminate the releases past their flow timeout" },
	REL_OPT_END
};

struct ctx {
	const char *reason;
	int grace_ms, wait_ms;
};

static int
terminate_one(struct rel_cmd *c, const struct ctx *x, struct rel_product *p,
    const char *id, unsigned long n, const char *why)
{
	struct rel_err err;

	if (rel_terminate(p, n, c->who, why, x->grace_ms, x->wait_ms, &err))
		return rel_cmd_fail(c, &err);
	printf("%s\n", id);
	fflush(stdout);
	return 0;
}

static int
terminate_id(struct rel_cmd *c, const char *id, void *arg)
{
	struct rel_product p;
	struct rel_release *r;
	struct rel_err err;
	int rc;

	if (rel_release_open(&c->st, id, &p, &r, &err))
		return rel_cmd_fail(c, &err);
	rc = terminate_one(c, arg, &p, id, r->n, ((struct ctx *)arg)->reason);
	rel_release_free(r);
	rel_product_close(&p);
	return rc;
}

struct scan {
	unsigned long *v;
	size_t n, cap;
};

static int
collect(const struct rel_product *p, unsigned long n, int64_t created,
    const char *line, size_t len, void *arg)
{
	struct scan *s = arg;

	(void)p;
	(void)created;
	(void)line;
	(void)len;
	if (REL_GROW(s->v, s->n + 1, s->cap) < 0)
		return -1;
	s->v[s->n++] = n;
	return 0;
}

/* --expired: terminate the releases of product name past their flow
 * timeout, and see through the terminations whose runner died. */
static int
expire_product(struct rel_cmd *c, const char *name, void *arg)
{
	static const int want[] = { REL_RUNNING, REL_SUSPENDED, REL_PENDING,
		REL_TERMINATING, -1 };
	const struct ctx *x = arg;
	struct scan s = { NULL, 0, 0 };
	struct rel_product p;
	struct rel_err err;
	int64_t now = rel_now_ms();

	if (rel_product_open(&c->st, name, 0, &p, &err))
		return rel_cmd_fail(c, &err);
	if (rel_release_list(&p, 0, want, collect, &s, &err))
		rel_cmd_fail(c, &err);
	for (size_t i = 0; i < s.n; i++) {
		struct rel_release *r;
		char why[128], d[32];

		/* A dead runner is looked at on the way, as by rel-status;
		 * whatever its steps left is seen through to its end. */
		r = NULL;
		if (rel_reap_load(&p, s.v[i], &r, NULL, &err)) {
			rel_cmd_fail(c, &err);
			if (!r)
				continue;
		}
		if (r->term == REL_TERMINATING &&
		    !rel_runner_alive(&c->st, r->id, NULL, 0)) {
			struct rel_release *after = NULL;

			if (rel_reap_wait(&p, r, 0, &after, &err))
				rel_cmd_fail(c, &err);
			rel_release_free(after);
		} else if (rel_expired(r, now)) {
			rel_duration_format(r->timeout, d, sizeof d);
			snprintf(why, sizeof why, "flow timeout of %s exceeded",
			    d);
			terminate_one(c, x, &p, r->id, r->n, why);
		}
		rel_release_free(r);
	}
	free(s.v);
	rel_product_close(&p);
	return c->rc;
}

int
main(int argc, char **argv)
{
	struct rel_cmd c;
	struct ctx x = { "", 10000, 30000 };
	const char *arg;
	int expired = 0, o;

	rel_cmd_init(&c, "rel-terminate", usage, opts, argc, argv);
	c.changes = 1; /* publishes through a remote, if any */
	while ((o = rel_cmd_next(&c, &arg)) > 0) {
		switch (o) {
		case O_REASON:
			if (rel_text_check("--reason", arg, REL_TEXT_MAX, 1,
			    &c.err))
				rel_cmd_bad(&c, &c.err);
			x.reason = arg;
			break;
		case O_GRACE:
			if (rel_cli_seconds("--grace", arg, &x.grace_ms, &c.err))
				rel_cmd_bad(&c, &c.err);
			break;
		case O_EXPIRED: expired = 1; break;
		}
	}
	if (o < 0 || rel_cmd_open(&c, 0))
		return rel_cmd_end(&c);
	/* --wait bounds the wait for the steps to end; a lock is waited
	 * for no longer than usual. */
	if (c.wait_ms >= 0) {
		x.wait_ms = c.wait_ms;
		c.st.wait_ms = c.wait_ms < REL_WAIT_DEFAULT_MS ? c.wait_ms :
		    REL_WAIT_DEFAULT_MS;
	}
	if (expired)
		rel_cmd_products(&c, expire_product, &x);
	else
		rel_cmd_each(&c, terminate_id, &x);
	return rel_cmd_end(&c);
}
