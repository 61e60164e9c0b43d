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

#include "cmd.h"
#include "record.h"
#include "runner.h"
#include "store.h"
#include "view.h"

static const char usage[] =
    "usage: rel-promote [--state DIR] [--retry [--force]] [--detach]\n"
    "                   [--by NAME] [--reason TEXT] [--override TEXT]\n"
    "                   [--wait SECONDS] [--color WHEN] [RELEASE [ENV...]]\n"
    "       rel-promote -h | --version\n";

enum { O_RETRY = 1, O_FORCE, O_DETACH, O_REASON, O_OVERRIDE };

static const struct rel_opt opts[] = {
	REL_OPT_STATE,
	{ O_RETRY, 'r', "retry", NULL, NULL,
	    "resume a failed or terminated release" },
	{ O_FORCE, 'f', "force", NULL, NULL,
	    "with --retry: even where a newer release went live" },
	{ O_DETACH, 'd', "detach", NULL, NULL,
	    "run in the background; print the id once it started" },
	REL_OPT_BY,
	{ O_REASON, 'm', "reason", "TEXT", NULL,
	    "why (at a manual gate, the approval's comment)" },
	{ O_OVERRIDE, 0, "override", "TEXT", NULL,
	    "promote into frozen environments anyway, recording why" },
	REL_OPT_WAIT, REL_OPT_COLOR, REL_OPT_END
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

/* What every promotion of this run shares. */
struct job {
	struct rel_run_opts o;
	int detach;
};

/*
 * --detach: run ru in a child of its own session, its output to
 * /dev/null.  The parent prints the id and returns 0 once the child's
 * first transition is recorded (or the child is gone), so that what runs
 * next, rel-status or rel-log --follow, sees the promotion under way; it
 * frees ru and closes p.  The child never returns: it exits with the
 * promotion's status.  On an error before the fork, ru and p are the
 * caller's still.
 */
static int
detached(struct rel_runner *ru, struct rel_product *p, const char *id,
    struct rel_err *err)
{
	enum rel_status final = REL_PENDING;
	int null, ready[2], rc;
	pid_t pid;
	char ch;

	fflush(stdout);
	if (pipe(ready) < 0)
		return rel_err_errno(err, "cannot make a pipe");
	fcntl(ready[0], F_SETFD, FD_CLOEXEC);
	fcntl(ready[1], F_SETFD, FD_CLOEXEC);
	if ((pid = fork()) < 0) {
		rc = rel_err_errno(err, "cannot fork");
		close(ready[0]);
		close(ready[1]);
		return rc;
	}
	if (pid > 0) {
		/* The child has the runner lock now (a shared open file
		 * description): our copy can go. */
		close(ready[1]);
		rel_run_free(ru);
		rel_product_close(p);
		while (read(ready[0], &ch, 1) < 0 && errno == EINTR)
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
	rc = rel_run_execute(ru, &final, err);
	if (ready[1] >= 0)
		close(ready[1]);
	rel_run_free(ru);
	rel_product_close(p);
	_exit(rc ? rc : final == REL_FAILED || final == REL_TERMINATED);
}

static int
promote(struct rel_cmd *c, const char *id, void *arg)
{
	struct job *j = arg;
	struct rel_product p;
	struct rel_runner *ru = NULL;
	struct rel_release *r = NULL;
	struct rel_err err = { 0, "" };
	enum rel_status final = REL_PENDING;
	char env[REL_NAME_MAX + 1] = "";
	int rc;

	if (rel_release_open(&c->st, id, &p, &r, &err) != 0)
		return rel_cmd_fail(c, &err);
	rel_release_free(r);
	if (rel_run_prepare(&p, id, &j->o, &ru, &err) != 0) {
		rel_run_free(ru);
		rel_product_close(&p);
		return rel_cmd_fail(c, &err);
	}
	if (!j->detach)
		rc = rel_view_run(ru, stdout, rel_cmd_color(c, 1), &hungup,
		    &final, &err);
	else if ((rc = detached(ru, &p, id, &err)) == 0)
		return 0;
	where_failed(rel_run_release(ru), env, sizeof env);
	rel_run_free(ru);
	rel_product_close(&p);
	if (rc) {
		rel_err_prefix(&err, "%s", id);
		return rel_cmd_fail(c, &err);
	}
	fflush(stdout);
	if ((final == REL_FAILED || final == REL_TERMINATED) && *env)
		return rel_cmd_failf(c, REL_EFAILED, "%s %s (rel-status %s; "
		    "rel-log %s %s)", id, rel_status_name(final), id, id, env);
	if (final == REL_FAILED || final == REL_TERMINATED)
		return rel_cmd_failf(c, REL_EFAILED, "%s %s (rel-status %s)",
		    id, rel_status_name(final), id);
	return 0;
}

int
main(int argc, char **argv)
{
	struct rel_cmd c;
	struct job j = { .o = { .how = "promote", .why = "",
	    .interrupt = &interrupted, .quiet = &hungup } };
	const char *arg;
	int retry = 0, o;

	rel_cmd_init(&c, "rel-promote", usage, opts, argc, argv);
	c.changes = 1; /* publishes through a remote, if any */
	while ((o = rel_cmd_next(&c, &arg)) > 0) {
		switch (o) {
		case O_RETRY: retry = 1; break;
		case O_FORCE: j.o.force = 1; break;
		case O_DETACH: j.detach = 1; break;
		case O_REASON:
			if (rel_text_check("--reason", arg, REL_TEXT_MAX, 1,
			    &c.err))
				rel_cmd_bad(&c, &c.err);
			j.o.why = arg;
			break;
		case O_OVERRIDE:
			if (rel_text_check("--override", arg, REL_TEXT_MAX, 0,
			    &c.err))
				rel_cmd_bad(&c, &c.err);
			j.o.override = arg;
			break;
		}
	}
	if (o == 0 && retry && c.noperands > 1)
		rel_cmd_usage(&c, "--retry takes releases only, not "
		    "environments");
	else if (o == 0 && j.o.force && !retry)
		rel_cmd_usage(&c, "--force goes with --retry");
	for (int i = 1; o == 0 && !c.stop && i < c.noperands; i++)
		if (rel_name_check("environment", c.operands[i], &c.err))
			rel_cmd_fail(&c, &c.err);
	if (c.stop || c.rc || rel_cmd_open(&c, 0))
		return rel_cmd_end(&c);
	rel_cli_signals(on_signal);
	c.interrupt = &interrupted;
	c.hungup = &hungup;
	j.o.kind = retry ? REL_RUN_RETRY : c.noperands > 1 ? REL_RUN_MANUAL :
	    REL_RUN_FLOW;
	j.o.by = c.who;
	if (c.noperands > 1) {
		/* RELEASE ENV...: the environments are taken, one release. */
		j.o.envs = (const char *const *)c.operands + 1;
		j.o.nenvs = (size_t)c.noperands - 1;
		c.noperands = 1;
	}
	rel_cmd_each(&c, promote, &j);
	return rel_cmd_end(&c);
}
