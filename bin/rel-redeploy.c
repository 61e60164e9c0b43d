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

#include "cli.h"
#include "record.h"
#include "restore.h"
#include "runner.h"
#include "store.h"
#include "view.h"

static const char usage[] =
    "usage: rel-redeploy [--state DIR] [--by NAME] [-m TEXT] [--force]\n"
    "                    [--wait SECONDS] RELEASE ENV\n"
    "       rel-redeploy [--state DIR] [--by NAME] [-m TEXT]\n"
    "                    [--wait SECONDS] --restore HOTFIX\n"
    "       rel-redeploy -h | --version\n";

enum { O_STATE = 1, O_BY, O_REASON, O_FORCE, O_WAIT, O_RESTORE, O_HELP,
	O_VERSION };

static const struct rel_opt opts[] = {
	{ "state", 0, 1, O_STATE }, { "by", 0, 1, O_BY },
	{ "reason", 'm', 1, O_REASON }, { "force", 'f', 0, O_FORCE },
	{ "wait", 'w', 1, O_WAIT }, { "restore", 0, 0, O_RESTORE },
	{ "help", 'h', 0, O_HELP }, { "version", 0, 0, O_VERSION },
	{ NULL, 0, 0, 0 },
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
redeploy(struct rel_store *st, const char *id, const char *env,
    struct rel_run_opts *o, FILE *out)
{
	struct rel_product p;
	struct rel_release *r = NULL;
	struct rel_runner *ru = NULL;
	struct rel_err err = { 0, "" };
	enum rel_status final = REL_PENDING;
	const char *envs[1] = { env };
	int rc;

	if ((rc = rel_release_open(st, id, &p, &r, &err)) != 0) {
		fprintf(stderr, "rel-redeploy: %s\n", err.msg);
		return rc;
	}
	rel_release_free(r);
	o->envs = envs;
	o->nenvs = 1;
	if ((rc = rel_run_prepare(&p, id, o, &ru, &err)) == 0)
		rc = rel_view_run(ru, out, &hungup, &final, &err);
	if (rc == 0) {
		const struct rel_release *now = rel_run_release(ru);
		int e = rel_release_env(now, env);

		/* How the run ended: the release keeps its own status. */
		if (e < 0 || now->envs[e].run != REL_SUCCEEDED) {
			fprintf(stderr, "rel-redeploy: %s %s in %s (rel-log %s "
			    "%s)\n", id, e < 0 ? "failed" :
			    rel_status_name(now->envs[e].run), env, id, env);
			rc = REL_EFAILED;
		}
	} else {
		fprintf(stderr, "rel-redeploy: %s\n", err.msg);
	}
	rel_run_free(ru);
	rel_product_close(&p);
	return rc;
}

static int
restore(struct rel_store *st, const char *id, struct rel_run_opts *o)
{
	struct rel_product p;
	struct rel_release *r = NULL;
	struct rel_restore_item *items = NULL;
	struct rel_err err = { 0, "" };
	char why[REL_TEXT_MAX + 64];
	size_t n = 0;
	int rc, worst = 0;

	if ((rc = rel_release_open(st, id, &p, &r, &err)) != 0) {
		fprintf(stderr, "rel-redeploy: %s\n", err.msg);
		return rc;
	}
	rc = rel_restore_plan(&p, r, &items, &n, &err);
	rel_release_free(r);
	rel_product_close(&p);
	if (rc) {
		fprintf(stderr, "rel-redeploy: %s\n", err.msg);
		return rc;
	}
	if (!o->why || !*o->why) {
		snprintf(why, sizeof why, "restore after hotfix %s", id);
		o->why = why;
	}
	o->how = "restore";
	for (size_t i = 0; i < n && !interrupted; i++) {
		if (!items[i].release[0]) {
			fprintf(stderr, "rel-redeploy: %s: %s\n", items[i].env,
			    items[i].note);
			continue;
		}
		/* Progress to stderr: stdout says what was restored. */
		rc = redeploy(st, items[i].release, items[i].env, o, stderr);
		if (rc == 0) {
			printf("%s\t%s\n", items[i].env, items[i].release);
			fflush(stdout);
		} else if (rc > worst) {
			worst = rc;
		}
	}
	free(items);
	return worst;
}

int
main(int argc, char **argv)
{
	struct rel_cli c;
	struct rel_store st;
	struct rel_err err = { 0, "" };
	struct rel_run_opts o;
	const char *state = NULL, *by = NULL, *reason = "", *arg;
	char root[4096], who[256];
	int force = 0, do_restore = 0, wait_ms = -1, opt, rc = 0;

	memset(&o, 0, sizeof o);
	if (rel_cli_init(&c, argc, argv)) {
		fprintf(stderr, "rel-redeploy: out of memory\n");
		return REL_ESYS;
	}
	while ((opt = rel_cli_next(&c, opts, &arg)) > 0) {
		switch (opt) {
		case O_STATE: state = arg; break;
		case O_BY: by = arg; break;
		case O_REASON:
			if (rel_text_check("--reason", arg, REL_TEXT_MAX, 1,
			    &c.err))
				opt = -1;
			reason = arg;
			break;
		case O_FORCE: force = 1; break;
		case O_WAIT:
			if (rel_cli_seconds("--wait", arg, &wait_ms, &c.err))
				opt = -1;
			break;
		case O_RESTORE: do_restore = 1; break;
		case O_HELP: fputs(usage, stdout); goto out;
		case O_VERSION: puts("rel-redeploy " REL_VERSION); goto out;
		}
		if (opt < 0)
			break;
	}
	if (opt < 0 || c.noperands != (do_restore ? 1 : 2)) {
		fprintf(stderr, "rel-redeploy: %s\n%s", opt < 0 ? c.err.msg :
		    do_restore ? "--restore takes one hotfix release" :
		    "expected RELEASE ENV", usage);
		rc = REL_EUSAGE;
		goto out;
	}
	if (!do_restore &&
	    (rc = rel_name_check("environment", c.operands[1], &err))) {
		fprintf(stderr, "rel-redeploy: %s\n", err.msg);
		goto out;
	}
	if ((rc = rel_cli_who(by, who, sizeof who, &err)) ||
	    (rc = rel_store_path(state, root, sizeof root, &err)) ||
	    (rc = rel_store_open(&st, root, 0, "rel-redeploy", &err))) {
		fprintf(stderr, "rel-redeploy: %s\n", err.msg);
		goto out;
	}
	if (wait_ms >= 0)
		st.wait_ms = wait_ms;
	rel_cli_signals(on_signal);
	o.kind = REL_RUN_REDEPLOY;
	o.how = "redeploy";
	o.force = force;
	o.by = who;
	o.why = reason;
	o.interrupt = &interrupted;
	o.quiet = &hungup;
	rc = do_restore ? restore(&st, c.operands[0], &o) :
	    redeploy(&st, c.operands[0], c.operands[1], &o, stdout);
	rel_store_close(&st);
	if (rel_cli_finish(stdout, &err) && !hungup) {
		fprintf(stderr, "rel-redeploy: %s\n", err.msg);
		rc = rc ? rc : REL_ESYS;
	}
out:
	rel_cli_free(&c);
	return rc;
}
