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

/* Freeze or lift the environments of the operands, all or none. */
static int
freeze(struct rel_cmd *c, const char *product, int lift, int64_t now,
    int64_t until, int hotfix, const char *reason)
{
	struct rel_product p;
	struct rel_flow *flow = NULL;
	struct rel_err err;
	char name[REL_NAME_MAX + 1], t[REL_TIME_MAX];
	int rc;

	if ((rc = which_product(&c->st, product, name, sizeof name, &err)) ||
	    (rc = rel_product_open(&c->st, name, has_flow(c->st.root, name),
	    &p, &err)))
		return rel_cmd_fail(c, &err);
	/* Only the environments of the product's flow. */
	if ((rc = rel_freeze_product_flow(&p, &flow, &err)) == 0)
		for (int i = 0; i < c->noperands && !rc; i++)
			if (rel_flow_env_index(flow, c->operands[i]) < 0)
				rc = rel_err_set(&err, REL_ENOTFOUND, "no "
				    "environment '%s' in the flow of %s",
				    c->operands[i], name);
	if (rc == 0)
		rc = rel_freeze_set(&p, (const char *const *)c->operands,
		    (size_t)c->noperands, lift, now, c->who, until, hotfix,
		    reason, &err);
	rel_flow_free(flow);
	rel_product_close(&p);
	if (rc)
		return rel_cmd_fail(c, &err);
	if (until)
		rel_time_format(until, 0, t);
	/* Silent but on a terminal. */
	for (int i = 0; rel_cli_tty(1) && i < c->noperands; i++)
		printf("%s %s: %s%s\n", name, c->operands[i], lift ? "lifted" :
		    "frozen until ", lift ? "" : until ? t : "lifted");
	return 0;
}

int
main(int argc, char **argv)
{
	struct rel_cmd c;
	const char *product = NULL, *reason = NULL, *until_s = NULL, *arg;
	int64_t now = rel_clock_ms(), until = 0;
	int lift = 0, hotfix = 0, o;

	rel_cmd_init(&c, "rel-freeze", usage, opts, argc, argv);
	while ((o = rel_cmd_next(&c, &arg)) > 0) {
		switch (o) {
		case O_PRODUCT: product = arg; break;
		case O_REASON:
			if (rel_text_check("--reason", arg, REL_TEXT_MAX, 0,
			    &c.err))
				rel_cmd_bad(&c, &c.err);
			reason = arg;
			break;
		case O_UNTIL: until_s = arg; break;
		case O_HOTFIX: hotfix = !strcmp(arg, "allow"); break;
		case O_LIFT: lift = 1; break;
		}
	}
	if (o == 0 && !c.stop) {
		if (c.noperands == 0)
			rel_cmd_usage(&c, "no environment given");
		else if (!lift && !reason)
			rel_cmd_usage(&c, "--reason TEXT is needed: whoever is "
			    "stopped is told why");
		else if (lift && until_s)
			rel_cmd_usage(&c, "--until goes with a freeze, not with "
			    "--lift");
		else if (until_s && rel_freeze_until(until_s, now, &until, &c.err))
			rel_cmd_bad(&c, &c.err);
	}
	for (int i = 0; o == 0 && !c.stop && i < c.noperands; i++)
		if (rel_name_check("environment", c.operands[i], &c.err))
			rel_cmd_bad(&c, &c.err);
	if (o < 0 || c.stop || rel_cmd_open(&c, 0))
		return rel_cmd_end(&c);
	freeze(&c, product, lift, now, until, hotfix, reason ? reason : "");
	return rel_cmd_end(&c);
}
