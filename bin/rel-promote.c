/*
 * rel-promote - run a release's flow, or promote it into environments.
 *
 * Without ENV: every auto environment whose needs succeeded, in order,
 * independent branches at once, stopping at manual gates.  With ENV: the
 * manual promotion into those environments, then on downstream.  --retry
 * resumes a failed or terminated release where it stopped.
 *
 * Ctrl-C (SIGINT) or SIGTERM terminates the release cleanly; SIGHUP (the
 * terminal went away) only stops the display: the promotion goes on.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "record.h"
#include "runner.h"
#include "store.h"
#include "view.h"

static const char usage[] =
    "usage: rel-promote [--state DIR] [--retry [--force]] [--detach]\n"
    "                   [--by NAME] [--reason TEXT] [--wait SECONDS]\n"
    "                   [RELEASE [ENV...]]\n"
    "       rel-promote -h | --version\n";

enum { O_STATE = 1, O_RETRY, O_FORCE, O_DETACH, O_BY, O_REASON, O_WAIT,
	O_HELP, O_VERSION };

static const struct rel_opt opts[] = {
	{ "state", 0, 1, O_STATE }, { "retry", 'r', 0, O_RETRY },
	{ "force", 'f', 0, O_FORCE }, { "detach", 'd', 0, O_DETACH },
	{ "by", 0, 1, O_BY }, { "reason", 'm', 1, O_REASON },
	{ "wait", 'w', 1, O_WAIT }, { "help", 'h', 0, O_HELP },
	{ "version", 0, 0, O_VERSION }, { NULL, 0, 0, 0 },
};

/* Set from signal handlers; the runner looks at them in its loop. */
static volatile sig_atomic_t interrupted, hungup;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		hungup = 1;
	else
		interrupted = sig;
}

/* The first environment that failed or was terminated, for the message
 * that says where to look; "" if none did. */
static void
where_failed(const struct rel_release *r, char *env, size_t n)
{
	env[0] = '\0';
	for (size_t i = 0; r && i < r->nenvs && !env[0]; i++)
		if (r->envs[i].status == REL_FAILED ||
		    r->envs[i].status == REL_TERMINATED)
			snprintf(env, n, "%s", r->envs[i].name);
}

/* The detached runner's first transition is in the record: let the
 * parent go (it waits for the end of this pipe). */
static void
started(const struct rel_event *ev, void *arg)
{
	int *fd = arg;

	(void)ev;
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

static int
promote(struct rel_store *st, const char *id, struct rel_run_opts *o,
    int detach)
{
	struct rel_product p;
	struct rel_runner *ru = NULL;
	struct rel_release *r = NULL;
	struct rel_err err = { 0, "" };
	enum rel_status final = REL_PENDING;
	char env[REL_NAME_MAX + 1] = "";
	int rc;

	if ((rc = rel_release_open(st, id, &p, &r, &err)) != 0)
		goto fail_noprod;
	rel_release_free(r);
	if ((rc = rel_run_prepare(&p, id, o, &ru, &err)) != 0)
		goto fail;
	if (detach) {
		pid_t pid;
		int null, ready[2];
		char c;

		fflush(stdout);
		if (pipe(ready) < 0) {
			rc = rel_err_errno(&err, "cannot make a pipe");
			goto fail;
		}
		fcntl(ready[0], F_SETFD, FD_CLOEXEC);
		fcntl(ready[1], F_SETFD, FD_CLOEXEC);
		pid = fork();
		if (pid < 0) {
			rc = rel_err_errno(&err, "cannot fork");
			close(ready[0]);
			close(ready[1]);
			goto fail;
		}
		if (pid > 0) {
			/* The child has the runner lock now (a shared open
			 * file description): our copy can go.  We return
			 * once its first transition is recorded (or it is
			 * gone), so that what runs next, rel-status or
			 * rel-log --follow, sees the promotion under way. */
			close(ready[1]);
			rel_run_free(ru);
			rel_product_close(&p);
			while (read(ready[0], &c, 1) < 0 && errno == EINTR)
				;
			close(ready[0]);
			printf("%s\n", id);
			return 0;
		}
		close(ready[0]);
		setsid();
		rel_run_forked(ru);
		if ((null = open("/dev/null", O_RDWR)) >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (null > 2)
				close(null);
		}
		rel_run_callbacks(ru, started, NULL, &ready[1]);
		rc = rel_run_execute(ru, &final, &err);
		if (ready[1] >= 0)
			close(ready[1]);
	} else {
		rc = rel_view_run(ru, stdout, &hungup, &final, &err);
	}
	where_failed(rel_run_release(ru), env, sizeof env);
	rel_run_free(ru);
	rel_product_close(&p);
	if (detach)
		_exit(rc ? rc : final == REL_FAILED || final == REL_TERMINATED);
	if (rc) {
		fprintf(stderr, "rel-promote: %s: %s\n", id, err.msg);
		return rc;
	}
	fflush(stdout);
	if (final == REL_FAILED || final == REL_TERMINATED) {
		if (*env)
			fprintf(stderr, "rel-promote: %s %s (rel-status %s; "
			    "rel-log %s %s)\n", id, rel_status_name(final), id,
			    id, env);
		else
			fprintf(stderr, "rel-promote: %s %s (rel-status %s)\n",
			    id, rel_status_name(final), id);
		return REL_EFAILED;
	}
	return 0;
fail:
	rel_run_free(ru);
	rel_product_close(&p);
fail_noprod:
	fprintf(stderr, "rel-promote: %s\n", err.msg);
	return rc;
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
	char **ids = NULL;
	size_t nids = 0;
	int retry = 0, force = 0, detach = 0, wait_ms = -1, o_, rc = 0;
	int worst = 0;

	memset(&o, 0, sizeof o);
	if (rel_cli_init(&c, argc, argv)) {
		fprintf(stderr, "rel-promote: out of memory\n");
		return REL_ESYS;
	}
	while ((o_ = rel_cli_next(&c, opts, &arg)) > 0) {
		switch (o_) {
		case O_STATE: state = arg; break;
		case O_RETRY: retry = 1; break;
		case O_FORCE: force = 1; break;
		case O_DETACH: detach = 1; break;
		case O_BY: by = arg; break;
		case O_REASON:
			if (rel_text_check("--reason", arg, REL_TEXT_MAX, 1,
			    &c.err))
				o_ = -1;
			reason = arg;
			break;
		case O_WAIT:
			if (rel_cli_seconds("--wait", arg, &wait_ms, &c.err))
				o_ = -1;
			break;
		case O_HELP:
			fputs(usage, stdout);
			goto out;
		case O_VERSION:
			puts("rel-promote " REL_VERSION);
			goto out;
		}
		if (o_ < 0)
			break;
	}
	if (o_ < 0) {
		fprintf(stderr, "rel-promote: %s\n%s", c.err.msg, usage);
		rc = REL_EUSAGE;
		goto out;
	}
	if (retry && c.noperands > 1) {
		fprintf(stderr, "rel-promote: --retry takes releases only, not "
		    "environments\n%s", usage);
		rc = REL_EUSAGE;
		goto out;
	}
	if (force && !retry) {
		fprintf(stderr, "rel-promote: --force goes with --retry\n%s",
		    usage);
		rc = REL_EUSAGE;
		goto out;
	}
	if ((rc = rel_cli_who(by, who, sizeof who, &err)) ||
	    (rc = rel_store_path(state, root, sizeof root, &err))) {
		fprintf(stderr, "rel-promote: %s\n", err.msg);
		goto out;
	}
	if (c.noperands == 0) {
		if (!rel_cli_stdin_has_ids()) {
			fprintf(stderr, "rel-promote: no release given (as an "
			    "argument or on standard input)\n%s", usage);
			rc = REL_EUSAGE;
			goto out;
		}
		if ((rc = rel_cli_read_ids(stdin, &ids, &nids, &err))) {
			fprintf(stderr, "rel-promote: %s\n", err.msg);
			goto out;
		}
		/* Nothing on standard input is nothing to do: the
		 * pipeline "what failed | rel-promote --retry" on a night
		 * when nothing failed. */
		if (nids == 0)
			goto out;
	}
	for (int i = 1; i < c.noperands; i++)
		if ((rc = rel_name_check("environment", c.operands[i], &err))) {
			fprintf(stderr, "rel-promote: %s\n", err.msg);
			goto out;
		}
	if ((rc = rel_store_open(&st, root, 0, "rel-promote", &err))) {
		fprintf(stderr, "rel-promote: %s\n", err.msg);
		goto out;
	}
	if (wait_ms >= 0)
		st.wait_ms = wait_ms;
	rel_cli_signals(on_signal);
	o.kind = retry ? REL_RUN_RETRY : c.noperands > 1 ? REL_RUN_MANUAL :
	    REL_RUN_FLOW;
	o.envs = c.noperands > 1 ? (const char *const *)c.operands + 1 : NULL;
	o.nenvs = c.noperands > 1 ? (size_t)c.noperands - 1 : 0;
	o.how = "promote";
	o.force = force;
	o.by = who;
	o.why = reason;
	o.interrupt = &interrupted;
	o.quiet = &hungup;
	if (c.noperands)
		worst = promote(&st, c.operands[0], &o, detach);
	else
		for (size_t i = 0; i < nids && !interrupted; i++) {
			int r = promote(&st, ids[i], &o, detach);

			if (r && (!worst || r > worst))
				worst = r;
		}
	rel_store_close(&st);
	rc = worst;
	if (rel_cli_finish(stdout, &err) && !hungup) {
		fprintf(stderr, "rel-promote: %s\n", err.msg);
		rc = rc ? rc : REL_ESYS;
	}
out:
	rel_cli_free_ids(ids);
	rel_cli_free(&c);
	return rc;
}
