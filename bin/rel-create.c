/*
 * rel-create - make a release of a product and print its id.
 *
 * Everything is checked before anything is written: the flow, every
 * artifact, the revision.  Then one record appears, whole, under an id
 * that no other process can have.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "flow.h"
#include "io.h"
#include "name.h"
#include "proc.h"
#include "record.h"
#include "release.h"
#include "store.h"
#include "when.h"

static const char usage[] =
    "usage: rel-create [--state DIR] [-f FILE] [-a COMPONENT=VERSION]... [-r REV]\n"
    "                  [--repo DIR] [-m TEXT] [--by NAME] [--hotfix] [-w SECONDS]\n"
    "                  PRODUCT\n"
    "       rel-create -h | --version\n";

enum { O_STATE = 1, O_FLOW, O_ART, O_REV, O_REPO, O_MSG, O_BY, O_HOTFIX,
	O_WAIT, O_HELP, O_VERSION };

static const struct rel_opt opts[] = {
	{ "state", 0, 1, O_STATE }, { "flow", 'f', 1, O_FLOW },
	{ "artifact", 'a', 1, O_ART }, { "rev", 'r', 1, O_REV },
	{ "repo", 0, 1, O_REPO }, { "message", 'm', 1, O_MSG },
	{ "by", 0, 1, O_BY }, { "hotfix", 0, 0, O_HOTFIX },
	{ "wait", 'w', 1, O_WAIT }, { "help", 'h', 0, O_HELP },
	{ "version", 0, 0, O_VERSION }, { NULL, 0, 0, 0 },
};

struct job {
	const char *product, *by, *rev, *repo, *message;
	int hotfix;
	const char *flow_hash, *flow_source;
	const struct rel_flow *flow;
	const char **versions;
	int64_t now;
};

static void
build(struct rel_buf *out, void *arg)
{
	const struct job *j = arg;
	struct rel_new_release nr = {
		.product = j->product, .created = j->now,
		.by = j->by, .hotfix = j->hotfix, .rev = j->rev,
		.repo = j->repo, .message = j->message,
		.flow_hash = j->flow_hash, .flow_source = j->flow_source,
		.versions = j->versions,
	};

	rel_release_header(out, &nr, j->flow);
}

static int
die(struct rel_err *err)
{
	fprintf(stderr, "rel-create: %s\n", err->msg);
	return err->code ? err->code : REL_ESYS;
}

/* The repository for --rev: --repo, else the flow's (relative to the
 * flow file), else the current directory. */
static void
repo_dir(const char *opt, const struct rel_flow *flow, const char *flowpath,
    char *out, size_t n)
{
	char cwd[PATH_MAX];

	if (opt) {
		snprintf(out, n, "%s", opt);
	} else if (flow->repo && flow->repo[0] == '/') {
		snprintf(out, n, "%s", flow->repo);
	} else if (flow->repo) {
		const char *slash = strrchr(flowpath, '/');

		if (slash)
			snprintf(out, n, "%.*s/%s", (int)(slash - flowpath),
			    flowpath, flow->repo);
		else
			snprintf(out, n, "%s", flow->repo);
	} else {
		snprintf(out, n, ".");
	}
	/* Record an absolute, clean path: rel-notes may run elsewhere. */
	if (realpath(out, cwd)) {
		if (strlen(cwd) < n)
			memcpy(out, cwd, strlen(cwd) + 1);
	} else if (out[0] != '/' && getcwd(cwd, sizeof cwd)) {
		char tmp[PATH_MAX * 2];

		if (snprintf(tmp, sizeof tmp, "%s/%s", cwd, out) < (int)n)
			memcpy(out, tmp, strlen(tmp) + 1);
	}
}

static int
resolve_rev(const char *argv0, const char *dir, const char *rev, char *oid,
    size_t n, struct rel_err *err)
{
	char prog[PATH_MAX];
	struct rel_buf out = REL_BUF_INIT, errs = REL_BUF_INIT;
	int status, rc;

	rel_cli_sibling(argv0, "rel-revparse", prog, sizeof prog);
	rc = rel_proc_capture((const char *const[]){ prog, "--repo", dir, "--",
	    rev, NULL }, &out, &errs, &status, err);
	if (rc == 0 && status != 0) {
		const char *msg = errs.s ? errs.s : "";

		if (!strncmp(msg, "rel-revparse: ", 14))
			msg += 14;
		rc = rel_err_set(err, status >= 2 && status <= 5 ? status :
		    REL_ESYS, "--rev: %.*s", (int)strcspn(msg, "\n"), msg);
	} else if (rc == 0) {
		size_t len = out.s ? strcspn(out.s, "\n") : 0;

		if (len < 40 || len >= n)
			rc = rel_err_set(err, REL_ESYS,
			    "--rev: rel-revparse said nothing useful");
		else
			snprintf(oid, n, "%.*s", (int)len, out.s);
	}
	rel_buf_free(&out);
	rel_buf_free(&errs);
	return rc;
}

int
main(int argc, char **argv)
{
	struct rel_err err = { 0, "" };
	struct rel_cli c;
	struct rel_store st;
	struct rel_product p;
	struct rel_flow *flow = NULL;
	struct rel_buf flowbuf = REL_BUF_INIT;
	const char *state = NULL, *flowpath = NULL, *rev = NULL, *repo = NULL;
	const char *message = "", *by = NULL, *arg;
	const char **arts = NULL;
	size_t narts = 0;
	char root[4096], flowfile[4200], who[256], repodir[PATH_MAX];
	char oid[128] = "", hash[65];
	int hotfix = 0, wait_ms = -1, o, rc;
	unsigned long n;
	struct job job;

	memset(&job, 0, sizeof job);
	if (rel_cli_init(&c, argc, argv) ||
	    !(arts = calloc((size_t)argc, sizeof *arts))) {
		fprintf(stderr, "rel-create: out of memory\n");
		return REL_ESYS;
	}
	while ((o = rel_cli_next(&c, opts, &arg)) > 0) {
		switch (o) {
		case O_STATE: state = arg; break;
		case O_FLOW: flowpath = arg; break;
		case O_ART: arts[narts++] = arg; break;
		case O_REV: rev = arg; break;
		case O_REPO: repo = arg; break;
		case O_MSG: message = arg; break;
		case O_BY: by = arg; break;
		case O_HOTFIX: hotfix = 1; break;
		case O_WAIT:
			if (rel_cli_seconds("--wait", arg, &wait_ms, &err))
				o = -2;
			break;
		case O_HELP:
			fputs(usage, stdout);
			rc = 0;
			goto out_cli;
		case O_VERSION:
			puts("rel-create " REL_VERSION);
			rc = 0;
			goto out_cli;
		}
		if (o == -2)
			break;
	}
	if (o == -1 || o == -2 || c.noperands != 1) {
		fprintf(stderr, "rel-create: %s\n%s", o == -1 ? c.err.msg :
		    o == -2 ? err.msg : c.noperands ? "expected one product" :
		    "no product given", usage);
		rc = REL_EUSAGE;
		goto out_cli;
	}
	job.product = c.operands[0];
	if ((rc = rel_product_check(job.product, &err)) ||
	    (rc = rel_cli_who(by, who, sizeof who, &err)) ||
	    (rc = rel_text_check("-m message", message, REL_TEXT_MAX, 1, &err)) ||
	    (rc = rel_store_path(state, root, sizeof root, &err)))
		goto fail;
	if (rev && (rc = rel_text_check("--rev", rev, 256, 0, &err)))
		goto fail;

	/* The flow. */
	if (flowpath)
		snprintf(flowfile, sizeof flowfile, "%s", flowpath);
	else
		snprintf(flowfile, sizeof flowfile, "%s/flows/%s.yaml", root,
		    job.product);
	{
		struct stat sb;
		int fd;

		rc = rel_file_open_user(flowfile, &fd, &err);
		if (rc == REL_ENOTFOUND && !flowpath) {
			rel_err_set(&err, REL_ENOTFOUND,
			    "no flow for product '%s': write %s or give --flow "
			    "FILE (see rel-flow(5))", job.product, flowfile);
			goto fail;
		}
		if (rc)
			goto fail;
		/* Too large is the flow's fault, not the system's: exit 2,
		 * as for any other fault of a flow, and before reading it. */
		if (fstat(fd, &sb) == 0 && sb.st_size > REL_FLOW_MAX_BYTES) {
			close(fd);
			rc = rel_err_set(&err, REL_EUSAGE, "%s: flow is too "
			    "large (%lld bytes, at most %d)", flowfile,
			    (long long)sb.st_size, REL_FLOW_MAX_BYTES);
			goto fail;
		}
		rc = rel_fd_read_all(fd, flowfile, REL_FLOW_MAX_BYTES, &flowbuf,
		    &err);
		close(fd);
		if (rc)
			goto fail;
	}
	if ((rc = rel_flow_parse(flowfile, flowbuf.s ? flowbuf.s : "",
	    flowbuf.len, job.product, &flow, &err)))
		goto fail;

	/* The artifacts: every component exactly once. */
	if (!(job.versions = calloc(flow->ncomponents, sizeof *job.versions))) {
		rc = rel_err_set(&err, REL_ESYS, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < narts; i++) {
		const char *eq = strchr(arts[i], '=');
		char comp[REL_NAME_MAX + 2];
		int k;

		if (!eq || eq == arts[i]) {
			rc = rel_err_set(&err, REL_EUSAGE,
			    "-a '%s': expected COMPONENT=VERSION", arts[i]);
			goto fail;
		}
		snprintf(comp, sizeof comp, "%.*s",
		    (int)((size_t)(eq - arts[i]) > REL_NAME_MAX + 1 ?
		    REL_NAME_MAX + 1 : (size_t)(eq - arts[i])), arts[i]);
		if ((rc = rel_name_check("component", comp, &err)))
			goto fail;
		if ((k = rel_flow_component_index(flow, comp)) < 0) {
			struct rel_buf list = REL_BUF_INIT;

			for (size_t j = 0; j < flow->ncomponents; j++)
				rel_buf_addf(&list, "%s%s", j ? ", " : "",
				    flow->components[j]);
			rc = rel_err_set(&err, REL_EUSAGE,
			    "-a %s: no component '%s' in the flow of %s "
			    "(components: %s)", arts[i], comp, job.product,
			    list.s ? list.s : "");
			rel_buf_free(&list);
			goto fail;
		}
		if (job.versions[k]) {
			rc = rel_err_set(&err, REL_EUSAGE,
			    "-a %s: component '%s' given twice", arts[i], comp);
			goto fail;
		}
		if ((rc = rel_text_check("version", eq + 1, REL_VERSION_MAX, 0,
		    &err))) {
			rel_err_prefix(&err, "-a %s", comp);
			goto fail;
		}
		job.versions[k] = eq + 1;
	}
	for (size_t k = 0; k < flow->ncomponents; k++)
		if (!job.versions[k]) {
			rc = rel_err_set(&err, REL_EUSAGE,
			    "component '%s' has no version: add -a %s=VERSION",
			    flow->components[k], flow->components[k]);
			goto fail;
		}

	/* The revision. */
	if (rev) {
		repo_dir(repo, flow, flowfile, repodir, sizeof repodir);
		if ((rc = resolve_rev(argv[0], repodir, rev, oid, sizeof oid,
		    &err)))
			goto fail;
	}

	/* Everything is good: write. */
	if ((rc = rel_store_open(&st, root, 1, "rel-create", &err)))
		goto fail;
	if (wait_ms >= 0)
		st.wait_ms = wait_ms;
	if ((rc = rel_product_open(&st, job.product, 1, &p, &err))) {
		rel_store_close(&st);
		goto fail;
	}
	if ((rc = rel_flow_store(&p, flowbuf.s ? flowbuf.s : "", flowbuf.len,
	    hash, &err)) == 0) {
		job.by = who;
		job.rev = rev ? oid : NULL;
		job.repo = rev ? repodir : NULL;
		job.message = message;
		job.hotfix = hotfix;
		job.flow_hash = hash;
		job.flow_source = flowfile;
		job.flow = flow;
		job.now = rel_now_ms();
		rc = rel_release_create(&p, build, &job, &n, &err);
	}
	rel_product_close(&p);
	rel_store_close(&st);
	if (rc)
		goto fail;
	printf("%s-%lu\n", job.product, n);
	if ((rc = rel_cli_finish(stdout, &err))) {
		/* The release exists: say which, or a script loses it. */
		rel_err_prefix(&err, "made %s-%lu", job.product, n);
		goto fail;
	}
	goto out;
fail:
	rc = die(&err);
out:
	free(job.versions);
	rel_flow_free(flow);
	rel_buf_free(&flowbuf);
out_cli:
	free(arts);
	rel_cli_free(&c);
	return rc;
}
