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

#include "cli.h"
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

enum { O_STATE = 1, O_REASON, O_BY, O_GRACE, O_WAIT, O_EXPIRED, O_HELP,
	O_VERSION };

static const struct rel_opt opts[] = {
	{ "state", 0, 1, O_STATE }, { "reason", 'm', 1, O_REASON },
	{ "by", 0, 1, O_BY }, { "grace", 'g', 1, O_GRACE },
	{ "wait", 'w', 1, O_WAIT }, { "expired", 'x', 0, O_EXPIRED },
	{ "help", 'h', 0, O_HELP }, { "version", 0, 0, O_VERSION },
	{ NULL, 0, 0, 0 },
};

struct ctx {
	struct rel_store st;
	const char *by, *reason;
	int grace_ms, wait_ms;
	int rc;
};

static void
note(struct ctx *x, int rc, const char *msg)
{
	fprintf(stderr, "rel-terminate: %s\n", msg);
	if (rc > x->rc)
		x->rc = rc;
}

static void
terminate_one(struct ctx *x, struct rel_product *p, const char *id,
    unsigned long n, const char *why)
{
	struct rel_err err;
	int rc;

	if ((rc = rel_terminate(p, n, x->by, why, x->grace_ms, x->wait_ms,
	    &err)) != 0) {
		note(x, rc, err.msg);
		return;
	}
	printf("%s\n", id);
	fflush(stdout);
}

static void
terminate_id(struct ctx *x, const char *id)
{
	struct rel_product p;
	struct rel_release *r;
	struct rel_err err;

	if (rel_release_open(&x->st, id, &p, &r, &err)) {
		note(x, err.code, err.msg);
		return;
	}
	terminate_one(x, &p, id, r->n, x->reason);
	rel_release_free(r);
	rel_product_close(&p);
}

struct scan {
	struct ctx *x;
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

static void
expire_product(struct ctx *x, const char *name)
{
	static const int want[] = { REL_RUNNING, REL_SUSPENDED, REL_PENDING,
		REL_TERMINATING, -1 };
	struct scan s = { x, NULL, 0, 0 };
	struct rel_product p;
	struct rel_err err;
	int64_t now = rel_now_ms();

	if (rel_product_open(&x->st, name, 0, &p, &err)) {
		note(x, err.code, err.msg);
		return;
	}
	if (rel_release_list(&p, 0, want, collect, &s, &err))
		note(x, err.code, err.msg);
	for (size_t i = 0; i < s.n; i++) {
		struct rel_release *r;
		char why[128], d[32];

		/* A dead runner is looked at on the way, as by rel-status;
		 * whatever its steps left is seen through to its end. */
		r = NULL;
		if (rel_reap_load(&p, s.v[i], &r, NULL, &err)) {
			note(x, err.code, err.msg);
			if (!r)
				continue;
		}
		if (r->term == REL_TERMINATING &&
		    !rel_runner_alive(&x->st, r->id, NULL, 0)) {
			struct rel_release *after = NULL;

			if (rel_reap_wait(&p, r, 0, &after, &err))
				note(x, err.code, err.msg);
			rel_release_free(after);
		} else if (rel_expired(r, now)) {
			rel_duration_format(r->timeout, d, sizeof d);
			snprintf(why, sizeof why, "flow timeout of %s exceeded",
			    d);
			terminate_one(x, &p, r->id, r->n, why);
		}
		rel_release_free(r);
	}
	free(s.v);
	rel_product_close(&p);
}

int
main(int argc, char **argv)
{
	struct rel_cli c;
	struct rel_err err = { 0, "" };
	struct ctx x;
	const char *state = NULL, *by = NULL, *arg;
	char root[4096], who[256];
	char **ids = NULL;
	size_t nids = 0;
	int expired = 0, o, rc = 0;

	memset(&x, 0, sizeof x);
	x.grace_ms = 10000;
	x.wait_ms = 30000;
	x.reason = "";
	if (rel_cli_init(&c, argc, argv)) {
		fprintf(stderr, "rel-terminate: out of memory\n");
		return REL_ESYS;
	}
	while ((o = rel_cli_next(&c, opts, &arg)) > 0) {
		switch (o) {
		case O_STATE: state = arg; break;
		case O_REASON:
			if (rel_text_check("--reason", arg, REL_TEXT_MAX, 1,
			    &c.err))
				o = -1;
			x.reason = arg;
			break;
		case O_BY: by = arg; break;
		case O_GRACE:
			if (rel_cli_seconds("--grace", arg, &x.grace_ms, &c.err))
				o = -1;
			break;
		case O_WAIT:
			if (rel_cli_seconds("--wait", arg, &x.wait_ms, &c.err))
				o = -1;
			break;
		case O_EXPIRED: expired = 1; break;
		case O_HELP: fputs(usage, stdout); goto out;
		case O_VERSION: puts("rel-terminate " REL_VERSION); goto out;
		}
		if (o < 0)
			break;
	}
	if (o < 0) {
		fprintf(stderr, "rel-terminate: %s\n%s", c.err.msg, usage);
		rc = REL_EUSAGE;
		goto out;
	}
	if ((rc = rel_cli_who(by, who, sizeof who, &err)) ||
	    (rc = rel_store_path(state, root, sizeof root, &err)) ||
	    (rc = rel_store_open(&x.st, root, 0, "rel-terminate", &err))) {
		fprintf(stderr, "rel-terminate: %s\n", err.msg);
		goto out;
	}
	x.by = who;
	if (x.wait_ms >= 0)
		x.st.wait_ms = x.wait_ms < REL_WAIT_DEFAULT_MS ? x.wait_ms :
		    REL_WAIT_DEFAULT_MS;
	if (expired) {
		char (*names)[REL_NAME_MAX + 1] = NULL;
		size_t n = 0;

		if (c.noperands == 0 &&
		    rel_store_products(&x.st, &names, &n, &err)) {
			note(&x, err.code, err.msg);
		}
		for (int i = 0; i < c.noperands; i++)
			expire_product(&x, c.operands[i]);
		for (size_t i = 0; i < n; i++)
			expire_product(&x, names[i]);
		free(names);
	} else {
		if (c.noperands == 0) {
			if (!rel_cli_stdin_has_ids()) {
				fprintf(stderr, "rel-terminate: no release given "
				    "(as an argument or on standard input)\n%s",
				    usage);
				rc = REL_EUSAGE;
				rel_store_close(&x.st);
				goto out;
			}
			if (rel_cli_read_ids(stdin, &ids, &nids, &err))
				note(&x, err.code, err.msg);
		}
		for (int i = 0; i < c.noperands; i++)
			terminate_id(&x, c.operands[i]);
		for (size_t i = 0; i < nids; i++)
			terminate_id(&x, ids[i]);
	}
	rel_store_close(&x.st);
	rc = x.rc;
	if (rel_cli_finish(stdout, &err)) {
		fprintf(stderr, "rel-terminate: %s\n", err.msg);
		rc = rc ? rc : REL_ESYS;
	}
out:
	rel_cli_free_ids(ids);
	rel_cli_free(&c);
	return rc;
}
