/*
 * rel-notes - release notes from git history: what a release brings
 * compared with a base, grouped by Conventional Commits type, with
 * breaking changes first, linked issues, artifact changes and
 * contributors, as Markdown, plain text or JSON.
 *
 * The base is the release live in --env ENV (what promoting would
 * change there), else --since RELEASE, else the previous release of the
 * product that has a revision; with none, all history, and the notes say
 * so.  --range A..B takes git revisions instead.  A release made without
 * a revision gets notes without commits (the header, its artifacts
 * against the previous release, its outputs) that say so.  What to link
 * and leave out comes from the flow's `notes:` section and --exclude.
 * The store is only read: no lock is taken, and --range without a
 * release does not open it.
 *
 * The repository is read without libgit2 (lib/gitrepo.c); a revision
 * written in a syntax only git knows (v1~2, an abbreviated id) is asked
 * of rel-revparse, as rel-create does.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "envlog.h"
#include "gitnotes.h"
#include "notes.h"
#include "notescfg.h"
#include "proc.h"
#include "record.h"
#include "publish.h"
#include "store.h"

static const char usage[] =
    "usage: rel-notes [--state DIR] [--repo DIR] [--env ENV | --since RELEASE |\n"
    "                 --range A..B] [--format md|text|json] [--merges]\n"
    "                 [--exclude PATTERN]... [--fetch] RELEASE\n"
    "       rel-notes [--repo DIR] [--format md|text|json] [--merges]\n"
    "                 [--exclude PATTERN]... --range A..B\n"
    "       rel-notes -h | --version\n";

enum { O_REPO = 1, O_ENV, O_SINCE, O_RANGE, O_MERGES, O_EXCLUDE, O_FETCH };

static const struct rel_opt opts[] = {
	REL_OPT_STATE,
	{ O_REPO, 0, "repo", "DIR", "dir",
	    "the repository (else the release's, else the flow's, else .)" },
	{ O_ENV, 'e', "env", "ENV", "env",
	    "since the release live in ENV" },
	{ O_SINCE, 's', "since", "RELEASE", "release",
	    "since that release" },
	{ O_RANGE, 0, "range", "A..B", NULL, "the commits of a git range" },
	REL_OPT_FORMAT("md|text|json"),
	{ O_MERGES, 0, "merges", NULL, NULL, "list merge commits too" },
	{ O_FETCH, 0, "fetch", NULL, NULL,
	    "bring the local copy up to date with the remote first" },
	{ O_EXCLUDE, 'x', "exclude", "PATTERN...", NULL,
	    "leave out the commits of a TYPE or TYPE(SCOPE) (a glob)" },
	REL_OPT_END
};

struct job {
	const char *state, *repo, *env, *since, *range, *id, *argv0;
	int format, merges, fetch;
	struct rel_notes_cfg cfg, cli;  /* the flow's and --exclude, merged;
	                                   --exclude alone */
	struct rel_store st;
	struct rel_publish pub;
	int st_open;
	struct rel_product p, bp;  /* the release's product, --since's */
	int p_open, bp_open;
	struct rel_release *r, *base;
	struct rel_notes notes;
	char repodir[PATH_MAX];
};

/*
 * What the notes link and leave out: the `notes:` section of the flow the
 * release was made with, then the command line's --exclude.  And the
 * repository: --repo, else the one recorded with the release, else the
 * flow's (relative to the flow file it was made from), else ".".
 */
static int
configure(struct job *j, struct rel_err *err)
{
	struct rel_flow *flow = NULL;
	const char *src, *slash;
	int rc;

	if (j->r && (rc = rel_flow_of_release(&j->p, j->r, &flow, err)))
		return rc;
	if (flow && (rc = rel_notes_cfg_merge(&j->cfg, &flow->notes, err)))
		goto out;
	if ((rc = rel_notes_cfg_merge(&j->cfg, &j->cli, err)))
		goto out;
	rel_notes_config(&j->notes, &j->cfg);
	if (j->repo) {
		snprintf(j->repodir, sizeof j->repodir, "%s", j->repo);
		goto out;
	}
	if (j->r && j->r->repo[0]) {
		snprintf(j->repodir, sizeof j->repodir, "%s", j->r->repo);
		goto out;
	}
	snprintf(j->repodir, sizeof j->repodir, ".");
	if (!flow)
		goto out;
	if (flow->repo && flow->repo[0] == '/') {
		snprintf(j->repodir, sizeof j->repodir, "%s", flow->repo);
	} else if (flow->repo) {
		src = j->r->flow_source ? j->r->flow_source : "";
		if ((slash = strrchr(src, '/')))
			snprintf(j->repodir, sizeof j->repodir, "%.*s/%s",
			    (int)(slash - src), src, flow->repo);
		else
			snprintf(j->repodir, sizeof j->repodir, "%s",
			    flow->repo);
	}
out:
	rel_flow_free(flow);
	return rc;
}

/* Are commits listed: the release has a revision, or --range is given? */
static int
listing(const struct job *j)
{
	return j->range || j->r->rev[0];
}

/* The release live in --env ENV as the base. */
static int
base_env(struct job *j, struct rel_err *err)
{
	struct rel_envlog log;
	const struct rel_env_run *live;
	char product[REL_NAME_MAX + 1];
	unsigned long n;
	int rc;

	if (rel_release_env(j->r, j->env) < 0) {
		struct rel_buf envs = REL_BUF_INIT;

		for (size_t i = 0; i < j->r->nenvs; i++)
			rel_buf_addf(&envs, "%s%s", i ? ", " : "",
			    j->r->envs[i].name);
		rc = rel_err_set(err, REL_ENOTFOUND,
		    "--env %s: no such environment in the flow of %s "
		    "(environments: %s)", j->env, j->id,
		    envs.s ? envs.s : "none");
		rel_buf_free(&envs);
		return rc;
	}
	if ((rc = rel_envlog_load(&j->p, j->env, &log, err)))
		return rc;
	live = rel_envlog_live(&log);
	if (!live) {
		rc = rel_notes_base(&j->notes, REL_BASE_NONE, NULL, j->env,
		    err);
		if (!rc && listing(j))
			rc = rel_notes_note(&j->notes, err, "nothing is live "
			    "in %s yet: these are all the commits up to %s",
			    j->env, j->id);
		rel_envlog_free(&log);
		return rc;
	}
	rc = rel_id_parse(live->release, product, &n, err);
	if (!rc)
		rc = rel_release_load(&j->p, n, &j->base, err);
	if (!rc)
		rc = rel_notes_base(&j->notes, REL_BASE_ENV, live->release,
		    j->env, err);
	if (!rc && n == j->r->n)
		rc = rel_notes_note(&j->notes, err, "%s is already live in %s",
		    j->id, j->env);
	if (!rc && !j->base->rev[0] && listing(j)) {
		rc = rel_notes_note(&j->notes, err, "%s, live in %s, has no "
		    "revision: these are all the commits up to %s",
		    live->release, j->env, j->id);
	}
	rel_envlog_free(&log);
	return rc;
}

/* The previous release of the product that has a revision (any previous
 * release, for a release without one: only artifacts are compared). */
static int
base_previous(struct job *j, struct rel_err *err)
{
	for (unsigned long k = j->r->n - 1; k >= 1; k--) {
		struct rel_release *b;
		int rc;

		if (!rel_release_exists(&j->p, k))
			continue;
		if ((rc = rel_release_load(&j->p, k, &b, err)))
			return rc;
		if (b->rev[0] || !j->r->rev[0]) {
			j->base = b;
			return rel_notes_base(&j->notes, REL_BASE_PREVIOUS,
			    b->id, NULL, err);
		}
		rel_release_free(b);
	}
	if (rel_notes_base(&j->notes, REL_BASE_NONE, NULL, NULL, err))
		return err->code;
	if (!j->r->rev[0])
		return 0;
	return rel_notes_note(&j->notes, err, "no earlier release of %s has a "
	    "revision: these are all the commits up to %s", j->r->product,
	    j->id);
}

/* A revision rel-notes does not resolve itself, by rel-revparse (which
 * has libgit2), as rel-create does for --rev. */
static int
revparse(void *arg, const char *repo, const char *rev, char hex[41],
    struct rel_err *err)
{
	struct job *j = arg;
	struct rel_buf out = REL_BUF_INIT, errs = REL_BUF_INIT;
	char prog[PATH_MAX];
	int status, rc;

	rel_cli_sibling(j->argv0, "rel-revparse", prog, sizeof prog);
	rc = rel_proc_capture((const char *const[]){ prog, "--repo", repo,
	    "--", rev, NULL }, &out, &errs, &status, err);
	if (rc == 0 && status != 0) {
		const char *msg = errs.s ? errs.s : "", *why;
		int len;

		/* "rel-revparse: revision 'R' not found in DIR (WHY)": the
		 * caller says the rest, WHY is what it adds. */
		if (!strncmp(msg, "rel-revparse: ", 14))
			msg += 14;
		len = (int)strcspn(msg, "\n");
		if ((why = strstr(msg, " (")) && why < msg + len &&
		    msg[len - 1] == ')') {
			len = (int)(msg + len - 1 - why - 2);
			msg = why + 2;
		}
		rc = rel_err_set(err, status >= 2 && status <= 5 ? status :
		    REL_ESYS, "%.*s", len, msg);
	} else if (rc == 0) {
		size_t len = out.s ? strcspn(out.s, "\n") : 0;

		if (len != 40)
			rc = rel_err_set(err, REL_ESYS, "rel-revparse said "
			    "nothing useful about '%s'", rev);
		else
			snprintf(hex, 41, "%.40s", out.s);
	}
	rel_buf_free(&out);
	rel_buf_free(&errs);
	return rc;
}

static void
progress(long commits, void *arg)
{
	(void)arg;
	if (commits < 0)
		fputs("\r\033[K", stderr);
	else
		fprintf(stderr, "\rrel-notes: %ld commits read...", commits);
	fflush(stderr);
}

static int
run(struct job *j, struct rel_err *err)
{
	struct rel_git_walk w = { NULL, NULL, NULL, j->range, revparse, j,
		NULL, NULL };
	char root[4096];
	int rc, no_rev;

	j->notes.merges = j->merges;
	if (j->id) {
		if ((rc = rel_store_path(j->state, root, sizeof root, err)) ||
		    (rc = rel_store_open(&j->st, root, 0, "rel-notes", err)))
			return rc;
		j->st_open = 1;
		rel_publish_attach(&j->pub, &j->st, j->fetch);
		if ((j->fetch && (rc = rel_publish_pull(&j->pub, err))) ||
		    (rc = rel_release_open(&j->st, j->id, &j->p, &j->r, err)))
			return rc;
		j->p_open = 1;
		/* Without a revision there are no commits to list, but the
		 * rest of the notes still holds. */
		no_rev = !j->range && !j->r->rev[0];
		if (j->env) {
			rc = base_env(j, err);
		} else if (j->since) {
			rc = rel_release_open(&j->st, j->since, &j->bp,
			    &j->base, err);
			if (!rc)
				j->bp_open = 1;
			if (!rc && !j->base->rev[0] && !no_rev)
				rc = rel_err_set(err, REL_ENOTFOUND,
				    "--since %s: it has no revision (it was "
				    "made without --rev)", j->since);
			if (!rc)
				rc = rel_notes_base(&j->notes, REL_BASE_SINCE,
				    j->since, NULL, err);
		} else if (j->range) {
			rc = rel_notes_base(&j->notes, REL_BASE_RANGE, NULL,
			    NULL, err);
		} else {
			rc = base_previous(j, err);
		}
		if (rc || (rc = rel_notes_release(&j->notes, j->r, j->base,
		    err)))
			return rc;
		if (no_rev) {
			j->notes.no_rev = 1;
			return rel_notes_note(&j->notes, err, "%s was made "
			    "without a revision (rel-create --rev): no commits "
			    "are listed; --range A..B lists those of a range",
			    j->id);
		}
		w.head = j->r->rev;
		w.base = j->base && j->base->rev[0] ? j->base->rev : NULL;
	} else if ((rc = rel_notes_base(&j->notes, REL_BASE_RANGE, NULL, NULL,
	    err))) {
		return rc;
	}
	if ((rc = configure(j, err)))
		return rc;
	w.repo = j->repodir;
	/* Over a long range, say how far the walk is, on a terminal. */
	if (isatty(2)) {
		w.progress = progress;
		w.arg = NULL;
	}
	if ((rc = rel_git_notes(&w, &j->notes, err))) {
		if (j->id)
			rel_err_prefix(err, "%s", j->id);
		return rc;
	}
	if (!j->notes.ncommits && (rc = rel_notes_note(&j->notes, err,
	    "no commits between %.*s and %.*s", REL_NOTES_SHORT,
	    rel_notes_str(&j->notes, j->notes.base_rev) ?
	    rel_notes_str(&j->notes, j->notes.base_rev) : "the root",
	    REL_NOTES_SHORT, rel_notes_str(&j->notes, j->notes.head_rev))))
		return rc;
	return 0;
}

/* No release on the command line: exactly one on standard input. */
static void
one_from_stdin(struct rel_cmd *c)
{
	int from = rel_cmd_items(c);

	if (from == REL_ITEMS_NONE)
		rel_cmd_usage(c, "no release given (as an argument or on "
		    "standard input)");
	else if (from >= 0 && c->nitems != 1)
		rel_cmd_usage(c, "expected one release on standard input, got "
		    "%zu", c->nitems);
}

int
main(int argc, char **argv)
{
	struct rel_cmd c;
	struct rel_err err = { 0, "" };
	struct rel_buf out = REL_BUF_INIT;
	struct job j;
	const char *arg;
	int o, rc;

	memset(&j, 0, sizeof j);
	rel_notes_init(&j.notes);
	j.argv0 = argv[0];
	rel_cmd_init(&c, "rel-notes", usage, opts, argc, argv);
	while ((o = rel_cmd_next(&c, &arg)) > 0) {
		switch (o) {
		case O_REPO: j.repo = arg; break;
		case O_ENV: j.env = arg; break;
		case O_SINCE: j.since = arg; break;
		case O_RANGE: j.range = arg; break;
		case O_MERGES: j.merges = 1; break;
		case O_FETCH: j.fetch = 1; break;
		case O_EXCLUDE:
			if (rel_notes_cfg_exclude(&j.cli, arg, &c.err))
				rel_cmd_bad(&c, &c.err);
			break;
		}
	}
	if (o == 0 && !!j.env + !!j.since + !!j.range > 1)
		rel_cmd_usage(&c, "--env, --since and --range exclude each "
		    "other");
	else if (o == 0 && c.noperands > 1)
		rel_cmd_usage(&c, "expected one release");
	else if (o == 0 && !j.range && !c.noperands)
		one_from_stdin(&c);
	if (c.stop || c.rc)
		goto out;
	j.state = c.state;
	j.format = c.format ? rel_notes_format_parse(c.format) : REL_NOTES_MD;
	j.id = c.noperands ? c.operands[0] : c.nitems ? c.items[0] : NULL;
	if ((j.env && (rc = rel_name_check("--env", j.env, &err))) ||
	    (rc = run(&j, &err)) ||
	    (rc = rel_notes_render(&j.notes, j.format, &out, &err)))
		rel_cmd_fail(&c, &err);
	else
		fwrite(out.s, 1, out.len, stdout);
out:
	rel_buf_free(&out);
	rel_notes_free(&j.notes);
	rel_notes_cfg_free(&j.cfg);
	rel_notes_cfg_free(&j.cli);
	rel_release_free(j.base);
	rel_release_free(j.r);
	if (j.bp_open)
		rel_product_close(&j.bp);
	if (j.p_open)
		rel_product_close(&j.p);
	if (j.st_open) {
		rel_publish_detach(&j.pub);
		rel_store_close(&j.st);
	}
	return rel_cmd_end(&c);
}
