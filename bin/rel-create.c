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

#include "cmd.h"
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

enum { O_FLOW = 1, O_ART, O_REV, O_REPO, O_MSG, O_HOTFIX };

static const struct rel_opt opts[] = {
	REL_OPT_STATE,
	{ O_FLOW, 'f', "flow", "FILE", "file",
	    "the flow (else STATE/flows/PRODUCT.yaml)" },
	{ O_ART, 'a', "artifact", "COMPONENT=VERSION...", "component",
	    "a component's version, one for each component" },
	{ O_REV, 'r', "rev", "REV", NULL,
	    "the git revision the release is made from" },
	{ O_REPO, 0, "repo", "DIR", "dir",
	    "the repository of --rev (else the flow's, else .)" },
	{ O_MSG, 'm', "message", "TEXT", NULL, "a description, recorded" },
	REL_OPT_BY,
	{ O_HOTFIX, 0, "hotfix", NULL, NULL,
	    "a hotfix: rel-redeploy --restore can undo it" },
	REL_OPT_WAIT, REL_OPT_END
};

struct job {
	const char *product, *by, *rev, *repo, *message;
	int hotfix;
	const char *flow_hash, *flow_source;
	const struct rel_flow *flow;
	const char **versions;
	int64_t now;
	/* What the command line gave. */
	const char *flowpath, *rev_arg, *repo_arg;
	const char **arts;
	size_t narts;
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

/* The flow file into buf: --flow, else STATE/flows/PRODUCT.yaml. */
/* The flow copy of the latest release of product (fetched first with a
 * remote): 0 with it in buf and its path in path. */
static int
latest_flow(const char *root, const char *product, struct rel_buf *buf,
    char *path, size_t n)
{
	struct rel_store st;
	struct rel_publish pub;
	int rc;

	if (rel_store_open(&st, root, 0, "rel-create", NULL) != 0)
		return REL_ENOTFOUND;
	rel_publish_attach(&pub, &st, 1);
	rc = st.fd < 0 ? REL_ENOTFOUND :
	    rel_flow_latest(&st, product, buf, path, n, NULL);
	rel_publish_detach(&pub);
	rel_store_close(&st);
	return rc;
}

static int
read_flow(const char *state, const struct job *j, char *file, size_t n,
    struct rel_buf *buf, struct rel_err *err)
{
	char root[4096];
	struct stat sb;
	int fd, rc;

	if ((rc = rel_store_path(state, root, sizeof root, err)))
		return rc;
	if (j->flowpath)
		snprintf(file, n, "%s", j->flowpath);
	else
		snprintf(file, n, "%s/flows/%s.yaml", root, j->product);
	rc = rel_file_open_user(file, &fd, err);
	if (rc == REL_ENOTFOUND && !j->flowpath) {
		/* Another machine's product (STATE/flows is not shared): the
		 * flow of its latest release, from the shared history. */
		char copy[4096];

		if (latest_flow(root, j->product, buf, copy, sizeof copy) == 0) {
			snprintf(file, n, "%s", copy);
			return 0;
		}
		return rel_err_set(err, REL_ENOTFOUND, "no flow for product "
		    "'%s': write %s or give --flow FILE (see rel-flow(5)); no "
		    "release of it here or on the remote to take its flow "
		    "from", j->product, file);
	}
	if (rc)
		return rc;
	/* Too large is the flow's fault, not the system's: exit 2, as for
	 * any other fault of a flow, and before reading it. */
	if (fstat(fd, &sb) == 0 && sb.st_size > REL_FLOW_MAX_BYTES)
		rc = rel_err_set(err, REL_EUSAGE, "%s: flow is too large "
		    "(%lld bytes, at most %d)", file, (long long)sb.st_size,
		    REL_FLOW_MAX_BYTES);
	else
		rc = rel_fd_read_all(fd, file, REL_FLOW_MAX_BYTES, buf, err);
	close(fd);
	return rc;
}

/* The artifacts (-a COMPONENT=VERSION) into j->versions, in the flow's
 * order: every component exactly once. */
static int
versions(struct job *j, const struct rel_flow *flow, struct rel_err *err)
{
	int rc;

	if (!(j->versions = calloc(flow->ncomponents, sizeof *j->versions)))
		return rel_err_set(err, REL_ESYS, "out of memory");
	for (size_t i = 0; i < j->narts; i++) {
		const char *a = j->arts[i], *eq = strchr(a, '=');
		char comp[REL_NAME_MAX + 2];
		int k;

		if (!eq || eq == a)
			return rel_err_set(err, REL_EUSAGE,
			    "-a '%s': expected COMPONENT=VERSION", a);
		snprintf(comp, sizeof comp, "%.*s",
		    (int)((size_t)(eq - a) > REL_NAME_MAX + 1 ?
		    REL_NAME_MAX + 1 : (size_t)(eq - a)), a);
		if ((rc = rel_name_check("component", comp, err)))
			return rc;
		if ((k = rel_flow_component_index(flow, comp)) < 0) {
			struct rel_buf list = REL_BUF_INIT;

			for (size_t m = 0; m < flow->ncomponents; m++)
				rel_buf_addf(&list, "%s%s", m ? ", " : "",
				    flow->components[m]);
			rc = rel_err_set(err, REL_EUSAGE,
			    "-a %s: no component '%s' in the flow of %s "
			    "(components: %s)", a, comp, j->product,
			    list.s ? list.s : "");
			rel_buf_free(&list);
			return rc;
		}
		if (j->versions[k])
			return rel_err_set(err, REL_EUSAGE,
			    "-a %s: component '%s' given twice", a, comp);
		if ((rc = rel_text_check("version", eq + 1, REL_VERSION_MAX, 0,
		    err))) {
			rel_err_prefix(err, "-a %s", comp);
			return rc;
		}
		j->versions[k] = eq + 1;
	}
	for (size_t k = 0; k < flow->ncomponents; k++)
		if (!j->versions[k])
			return rel_err_set(err, REL_EUSAGE, "component '%s' has "
			    "no version: add -a %s=VERSION",
			    flow->components[k], flow->components[k]);
	return 0;
}

/* Everything is good: the flow stored, the record written; its number
 * into *n. */
static int
create(struct rel_cmd *c, struct job *j, const struct rel_buf *flowbuf,
    unsigned long *n, struct rel_err *err)
{
	struct rel_product p;
	char hash[65];
	int rc, fresh;

	c->changes = 1;
	if ((rc = rel_cmd_open(c, 1)))
		return rc;
	fresh = !rel_product_exists(&c->st, j->product);
	if ((rc = rel_product_open(&c->st, j->product, 1, &p, err)))
		return rel_cmd_fail(c, err);
	if ((rc = rel_flow_store(&p, flowbuf->s ? flowbuf->s : "",
	    flowbuf->len, hash, err)) == 0) {
		j->by = c->who;
		j->flow_hash = hash;
		j->now = rel_now_ms();
		rc = rel_release_create(&p, build, j, n, err);
	}
	rel_product_close(&p);
	/* A first release not made: no product either. */
	if (rc && fresh)
		rel_product_prune(&c->st, j->product);
	return rc ? rel_cmd_fail(c, err) : 0;
}

int
main(int argc, char **argv)
{
	struct rel_cmd c;
	struct rel_err err = { 0, "" };
	struct rel_flow *flow = NULL;
	struct rel_buf flowbuf = REL_BUF_INIT;
	struct job j = { .message = "" };
	char flowfile[4200], repodir[PATH_MAX], oid[128] = "";
	const char *arg;
	unsigned long n;
	int o, rc;

	rel_cmd_init(&c, "rel-create", usage, opts, argc, argv);
	if (!(j.arts = calloc((size_t)argc, sizeof *j.arts))) {
		c.stop = 1;
		c.rc = REL_ESYS;
	}
	while ((o = rel_cmd_next(&c, &arg)) > 0) {
		switch (o) {
		case O_FLOW: j.flowpath = arg; break;
		case O_ART: j.arts[j.narts++] = arg; break;
		case O_REV: j.rev_arg = arg; break;
		case O_REPO: j.repo_arg = arg; break;
		case O_MSG: j.message = arg; break;
		case O_HOTFIX: j.hotfix = 1; break;
		}
	}
	if (o == 0 && c.noperands != 1)
		rel_cmd_usage(&c, c.noperands ? "expected one product" :
		    "no product given");
	if (c.stop)
		goto out;
	j.product = c.operands[0];
	if ((rc = rel_product_check(j.product, &err)) ||
	    (rc = rel_text_check("-m message", j.message, REL_TEXT_MAX, 1,
	    &err)) ||
	    (j.rev_arg && (rc = rel_text_check("--rev", j.rev_arg, 256, 0,
	    &err))) ||
	    (rc = read_flow(c.state, &j, flowfile, sizeof flowfile, &flowbuf,
	    &err)) ||
	    (rc = rel_flow_parse(flowfile, flowbuf.s ? flowbuf.s : "",
	    flowbuf.len, j.product, &flow, &err)) ||
	    (rc = versions(&j, flow, &err)))
		goto fail;
	if (j.rev_arg) {
		repo_dir(j.repo_arg, flow, flowfile, repodir, sizeof repodir);
		if ((rc = resolve_rev(argv[0], repodir, j.rev_arg, oid,
		    sizeof oid, &err)))
			goto fail;
		j.rev = oid;
		j.repo = repodir;
	}
	j.flow = flow;
	j.flow_source = flowfile;
	if (create(&c, &j, &flowbuf, &n, &err))
		goto out;
	printf("%s-%lu\n", j.product, n);
	/* The release exists: if it cannot be said, say which, or a script
	 * loses it. */
	if (rel_cmd_finish(&c, &err))
		rel_cmd_failf(&c, REL_ESYS, "made %s-%lu: %s", j.product, n,
		    err.msg);
	goto out;
fail:
	rel_cmd_fail(&c, &err);
out:
	free(j.versions);
	free(j.arts);
	rel_flow_free(flow);
	rel_buf_free(&flowbuf);
	return rel_cmd_end(&c);
}
