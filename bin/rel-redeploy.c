/*
 * rel-redeploy - run an environment's promotion again with a release's
 * artifacts: a rollback when the release is older than what is live, a
 * redeploy when it is the same.  No new release is made; the environment's
 * history records who, why, and what was live before.  --restore HOTFIX
 * gives every environment a hotfix went through the release it had before.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "record.h"
#include "restore.h"
#include "runner.h"
#include "store.h"
#include "view.h"

static const char usage[] =
    "usage: rel-redeploy [--state DIR] [--by NAME] [-m TEXT] [--force]\n"
    "                    [--wait SECONDS] [--color WHEN] RELEASE ENV\n"
    "       rel-redeploy [--state DIR] [--by NAME] [-m TEXT]\n"
    "                    [--wait SECONDS] [--color WHEN] --restore HOTFIX\n"
    "       rel-redeploy -h | --version\n";

enum { O_REASON = 1, O_FORCE, O_RESTORE };

static const struct rel_opt opts[] = {
	REL_OPT_STATE, REL_OPT_BY,
	{ O_REASON, 'm', "reason", "TEXT", NULL, "why, recorded" },
	{ O_FORCE, 'f', "force", NULL, NULL,
	    "even a release that never succeeded in ENV" },
	REL_OPT_WAIT,
	{ O_RESTORE, 0, "restore", NULL, NULL,
	    "give the environments a hotfix went through what they had "
	    "before" },
	REL_OPT_COLOR, REL_OPT_END
};

static volatile sig_atomic_t interrupted, hungup;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		hungup = 1;
	else
		interrupted = sig;
}

/* Redeploy id into env; progress on out.  0, 1 (failed), or an error. */
static int
redeploy(struct rel_cmd *c, const char *id, const char *env,
    struct rel_run_opts *o, FILE *out)
{
	struct rel_product p;
	struct rel_release *r = NULL;
	struct rel_runner *ru = NULL;
	struct rel_err err = { 0, "" };
	enum rel_status final = REL_PENDING;
	const char *envs[1] = { env };
	int rc;

	if (rel_release_open(&c->st, id, &p, &r, &err) != 0)
		return rel_cmd_fail(c, &err);
	rel_release_free(r);
	o->envs = envs;
	o->nenvs = 1;
	if ((rc = rel_run_prepare(&p, id, o, &ru, &err)) == 0)
		rc = rel_view_run(ru, out, rel_cmd_color(c, fileno(out)), &hungup, &final, &err);
	if (rc == 0) {
		const struct rel_release *now = rel_run_release(ru);
		int e = rel_release_env(now, env);

		/* How the run ended: the release keeps its own status. */
		if (e < 0 || now->envs[e].run != REL_SUCCEEDED)
			rc = rel_cmd_failf(c, REL_EFAILED, "%s %s in %s (rel-log "
			    "%s %s)", id, e < 0 ? "failed" :
			    rel_status_name(now->envs[e].run), env, id, env);
	} else {
		rc = rel_cmd_fail(c, &err);
	}
	rel_run_free(ru);
	rel_product_close(&p);
	return rc;
}

static int
restore(struct rel_cmd *c, const char *id, struct rel_run_opts *o)
{
	struct rel_product p;
	struct rel_release *r = NULL;
	struct rel_restore_item *items = NULL;
	struct rel_err err = { 0, "" };
	char why[REL_TEXT_MAX + 64];
	size_t n = 0;
	int rc;

	if (rel_release_open(&c->st, id, &p, &r, &err) != 0)
		return rel_cmd_fail(c, &err);
	rc = rel_restore_plan(&p, r, &items, &n, &err);
	rel_release_free(r);
	rel_product_close(&p);
	if (rc)
		return rel_cmd_fail(c, &err);
	if (!o->why || !*o->why) {
		snprintf(why, sizeof why, "restore after hotfix %s", id);
		o->why = why;
	}
	o->how = "restore";
	for (size_t i = 0; i < n && !interrupted; i++) {
		if (!items[i].release[0]) {
			rel_cmd_warn(c, "%s: %s", items[i].env, items[i].note);
			continue;
		}
		/* Progress to stderr: stdout says what was restored. */
		if (redeploy(c, items[i].release, items[i].env, o, stderr))
			continue;
		printf("%s\t%s\n", items[i].env, items[i].release);
		fflush(stdout);
	}
	free(items);
	return c->rc;
}

int
main(int argc, char **argv)
{
	struct rel_cmd c;
	struct rel_run_opts o = { .kind = REL_RUN_REDEPLOY, .how = "redeploy",
	    .why = "", .interrupt = &interrupted, .quiet = &hungup };
	const char *arg;
	int do_restore = 0, opt;

	rel_cmd_init(&c, "rel-redeploy", usage, opts, argc, argv);
	c.changes = 1; /* publishes through a remote, if any */
	while ((opt = rel_cmd_next(&c, &arg)) > 0) {
		switch (opt) {
		case O_REASON:
			if (rel_text_check("--reason", arg, REL_TEXT_MAX, 1,
			    &c.err))
				rel_cmd_bad(&c, &c.err);
			o.why = arg;
			break;
		case O_FORCE: o.force = 1; break;
		case O_RESTORE: do_restore = 1; break;
		}
	}
	if (opt == 0 && c.noperands != (do_restore ? 1 : 2))
		rel_cmd_usage(&c, do_restore ? "--restore takes one hotfix "
		    "release" : "expected RELEASE ENV");
	else if (opt == 0 && !do_restore &&
	    rel_name_check("environment", c.operands[1], &c.err))
		rel_cmd_fail(&c, &c.err);
	if (c.stop || c.rc || rel_cmd_open(&c, 0))
		return rel_cmd_end(&c);
	rel_cli_signals(on_signal);
	c.hungup = &hungup;
	o.by = c.who;
	if (do_restore)
		restore(&c, c.operands[0], &o);
	else
		redeploy(&c, c.operands[0], c.operands[1], &o, stdout);
	return rel_cmd_end(&c);
}
