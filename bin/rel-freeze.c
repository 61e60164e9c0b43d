/*
 * rel-freeze - stop the line by hand: no promotion goes into the named
 * environments of a product until the freeze runs out (--until) or is
 * lifted (--lift).  Each freeze and lift is a line of the environment's
 * history, with who and why: kept, audited and shared as every
 * transition is.  Environments belong to a product's flow, so the
 * product is named (-p), unless the store holds only one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "flow.h"
#include "freeze.h"
#include "store.h"
#include "when.h"

static const char usage[] =
    "usage: rel-freeze [--state DIR] [-p PRODUCT] --reason TEXT [--until TIME]\n"
    "                  [--hotfix allow|deny] [--by NAME] [--wait SECONDS] ENV...\n"
    "       rel-freeze [--state DIR] [-p PRODUCT] --lift [--reason TEXT]\n"
    "                  [--by NAME] [--wait SECONDS] ENV...\n"
    "       rel-freeze -h | --version\n";

enum { O_PRODUCT = 1, O_REASON, O_UNTIL, O_HOTFIX, O_LIFT };

static const struct rel_opt opts[] = {
	REL_OPT_STATE,
	{ O_PRODUCT, 'p', "product", "PRODUCT", "product",
	    "the product whose environments (else the only one)" },
	{ O_REASON, 'm', "reason", "TEXT", NULL,
	    "why: shown to whoever is stopped" },
	{ O_UNTIL, 'u', "until", "TIME", NULL,
	    "until this time (ISO 8601), or for this long (2h)" },
	{ O_HOTFIX, 0, "hotfix", "allow|deny", "allow|deny",
	    "whether hotfix releases pass (deny)" },
	{ O_LIFT, 0, "lift", NULL, NULL, "lift the freezes instead" },
	REL_OPT_BY, REL_OPT_WAIT, REL_OPT_END
};

/* What the command line asks for, and the product it is about. */
struct freeze {
	const char *product, *reason;  /* -p (else the only one), --reason */
	int lift, hotfix;
	int64_t now, until;            /* ms; until 0: until lifted */
	char name[REL_NAME_MAX + 1];
	struct rel_product p;
	struct rel_flow *flow;         /* the product's, as it is now */
};

/* The product: -p, else the only one in the store. */
static int
which_product(struct rel_store *st, const char *given, char *out, size_t n,
    struct rel_err *err)
{
	char (*names)[REL_NAME_MAX + 1] = NULL;
	size_t count = 0;
	int rc;

	if (given) {
		snprintf(out, n, "%s", given);
		return rel_product_check(given, err);
	}
	if ((rc = rel_store_products(st, &names, &count, err)) != 0)
		return rc;
	if (count == 1)
		snprintf(out, n, "%s", names[0]);
	else
		rc = rel_err_set(err, REL_EUSAGE, "which product? name it with "
		    "-p PRODUCT (%zu products in %s)", count, st->root);
	free(names);
	return rc;
}

/* A product with a flow and no release yet may be frozen too. */
static int
has_flow(const char *root, const char *product)
{
	char path[4400];
	struct stat sb;

	snprintf(path, sizeof path, "%s/flows/%s.yaml", root, product);
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Open the product and read its flow: its environments. */
static int
open_product(struct rel_cmd *c, struct freeze *f)
{
	struct rel_err err;

	if (which_product(&c->st, f->product, f->name, sizeof f->name, &err) ||
	    rel_product_open(&c->st, f->name, has_flow(c->st.root, f->name),
	    &f->p, &err))
		return rel_cmd_fail(c, &err);
	if (rel_freeze_product_flow(&f->p, &f->flow, &err)) {
		rel_product_close(&f->p);
		return rel_cmd_fail(c, &err);
	}
	return 0;
}

/* One ENV: an environment of the product's flow.  Every one is checked
 * and what is wrong with each said before any is written: all or none,
 * and the status the most serious of them (rel(7)). */
static int
check_env(struct rel_cmd *c, const char *env, void *arg)
{
	struct freeze *f = arg;
	struct rel_err err;

	if (rel_name_check("environment", env, &err))
		return rel_cmd_fail(c, &err);
	if (rel_flow_env_index(f->flow, env) < 0)
		return rel_cmd_failf(c, REL_ENOTFOUND, "no environment '%s' in "
		    "the flow of %s", env, f->name);
	return 0;
}

/* Freeze or lift the environments of the operands, under one hold of
 * the product lock; on a terminal, say so. */
static int
freeze(struct rel_cmd *c, struct freeze *f)
{
	struct rel_err err;
	char t[REL_TIME_MAX];

	if (rel_freeze_set(&f->p, (const char *const *)c->operands,
	    (size_t)c->noperands, f->lift, f->now, c->who, f->until,
	    f->hotfix, f->reason ? f->reason : "", &err))
		return rel_cmd_fail(c, &err);
	if (f->until)
		rel_time_format(f->until, 0, t);
	for (int i = 0; rel_cli_tty(1) && i < c->noperands; i++)
		printf("%s %s: %s%s\n", f->name, c->operands[i], f->lift ?
		    "lifted" : "frozen until ", f->lift ? "" : f->until ? t :
		    "lifted");
	return 0;
}

int
main(int argc, char **argv)
{
	struct rel_cmd c;
	struct freeze f = { .now = rel_clock_ms() };
	const char *until = NULL, *arg;
	int o;

	rel_cmd_init(&c, "rel-freeze", usage, opts, argc, argv);
	while ((o = rel_cmd_next(&c, &arg)) > 0) {
		switch (o) {
		case O_PRODUCT: f.product = arg; break;
		case O_REASON:
			if (rel_text_check("--reason", arg, REL_TEXT_MAX, 0,
			    &c.err))
				rel_cmd_bad(&c, &c.err);
			f.reason = arg;
			break;
		case O_UNTIL: until = arg; break;
		case O_HOTFIX: f.hotfix = !strcmp(arg, "allow"); break;
		case O_LIFT: f.lift = 1; break;
		}
	}
	if (o == 0 && c.noperands == 0)
		rel_cmd_usage(&c, "no environment given");
	else if (o == 0 && !f.lift && !f.reason)
		rel_cmd_usage(&c, "--reason TEXT is needed: whoever is stopped "
		    "is told why");
	else if (o == 0 && f.lift && until)
		rel_cmd_usage(&c, "--until goes with a freeze, not with --lift");
	else if (o == 0 && until && rel_freeze_until(until, f.now, &f.until,
	    &c.err))
		rel_cmd_bad(&c, &c.err);
	c.changes = 1; /* publishes through a remote, if any */
	if (o < 0 || c.stop || rel_cmd_open(&c, 0) || open_product(&c, &f))
		return rel_cmd_end(&c);
	if (rel_cmd_each(&c, check_env, &f) == 0)
		freeze(&c, &f);
	rel_flow_free(f.flow);
	rel_product_close(&f.p);
	return rel_cmd_end(&c);
}
