/*
 * rel-sync - share the state directory with other machines through a git
 * remote: fetch every product's branch rel/PRODUCT, write out what moved,
 * publish what only this store has, and print per product what moved.
 * With --remote URL it first makes URL the store's remote (joining a
 * machine, or publishing an existing store).  See rel-store(5),
 * "Several machines".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "config.h"
#include "json.h"
#include "store.h"
#include "sync.h"
#include "table.h"

static const char usage[] =
    "usage: rel-sync [--state DIR] [--remote URL] [--wait SECONDS]\n"
    "                [--format tsv|table|json] [PRODUCT...]\n"
    "       rel-sync -h | --version\n";

enum { O_STATE = 1, O_REMOTE, O_WAIT, O_FORMAT, O_HELP, O_VERSION };

static const struct rel_opt opts[] = {
	{ "state", 0, 1, O_STATE }, { "remote", 'r', 1, O_REMOTE },
	{ "wait", 'w', 1, O_WAIT }, { "format", 'f', 1, O_FORMAT },
	{ "help", 'h', 0, O_HELP }, { "version", 0, 0, O_VERSION },
	{ NULL, 0, 0, 0 },
};

enum fmt { F_TSV, F_TABLE, F_JSON };

static int worst;

static void
note(int rc, const char *msg)
{
	fprintf(stderr, "rel-sync: %s\n", msg);
	if (rc > worst)
		worst = rc;
}

static void
print(enum fmt f, struct rel_table *t, const struct rel_sync_report *r)
{
	char commits[32], files[32];

	snprintf(commits, sizeof commits, "%zu", r->commits);
	snprintf(files, sizeof files, "%zu", r->files);
	if (f == F_TSV) {
		printf("%s\t%s\t%s\t%s\t%s\n", r->product, r->action, commits,
		    files, r->tip[0] ? r->tip : "-");
	} else if (f == F_JSON) {
		struct rel_buf b = REL_BUF_INIT;
		struct rel_json j;

		rel_json_init(&j, &b);
		rel_json_open(&j, NULL, '{');
		rel_json_str(&j, "product", r->product);
		rel_json_str(&j, "action", r->action);
		rel_json_int(&j, "commits", (long long)r->commits);
		rel_json_int(&j, "files", (long long)r->files);
		rel_json_str(&j, "tip", r->tip[0] ? r->tip : NULL);
		rel_json_close(&j);
		rel_buf_addc(&b, '\n');
		fputs(b.s ? b.s : "", stdout);
		rel_buf_free(&b);
	} else {
		char tip[13];
		const char *row[5] = { r->product, r->action, commits, files,
		    tip };

		snprintf(tip, sizeof tip, "%.12s", r->tip[0] ? r->tip : "-");
		rel_table_row(t, row);
	}
}

/* The products to sync: those named, else every one here or there. */
static int
products(struct rel_store *st, struct rel_sync *s, struct rel_cli *c,
    char ***out, size_t *n, struct rel_err *err)
{
	char (*local)[REL_NAME_MAX + 1] = NULL;
	const char *const *remote;
	size_t nl = 0, nr, i = 0, j = 0, k = 0;
	char **v;
	int rc;

	if (c->noperands) {
		for (int o = 0; o < c->noperands; o++)
			if ((rc = rel_product_check(c->operands[o], err)) != 0)
				return rc;
		*out = c->operands;
		*n = (size_t)c->noperands;
		return 0;
	}
	if ((rc = rel_store_products(st, &local, &nl, err)) != 0)
		return rc;
	nr = rel_sync_remote_products(s, &remote);
	if (!(v = calloc(nl + nr + 1, sizeof *v))) {
		free(local);
		return rel_err_set(err, REL_ESYS, "out of memory");
	}
	/* Both lists are sorted: merge them. */
	while (i < nl || j < nr) {
		int d = i == nl ? 1 : j == nr ? -1 : strcmp(local[i], remote[j]);
		const char *name = d <= 0 ? local[i] : remote[j];

		if (!(v[k++] = strdup(name))) {
			for (size_t x = 0; x < k - 1; x++)
				free(v[x]);
			free(v);
			free(local);
			return rel_err_set(err, REL_ESYS, "out of memory");
		}
		i += d <= 0;
		j += d >= 0;
	}
	free(local);
	*out = v;
	*n = k;
	return 0;
}

int
main(int argc, char **argv)
{
	struct rel_cli c;
	struct rel_err err = { 0, "" };
	struct rel_store st;
	struct rel_config cfg;
	struct rel_sync *s = NULL;
	struct rel_table t;
	const char *state = NULL, *remote = NULL, *arg;
	char dir[4096], who[256], **names = NULL;
	size_t nnames = 0;
	int o, rc, wait_ms = REL_WAIT_DEFAULT_MS, owned = 0;
	enum fmt f = rel_cli_tty(1) ? F_TABLE : F_TSV;

	if (rel_cli_init(&c, argc, argv))
		return REL_ESYS;
	while ((o = rel_cli_next(&c, opts, &arg)) > 0) {
		switch (o) {
		case O_STATE: state = arg; break;
		case O_REMOTE: remote = arg; break;
		case O_WAIT:
			if (rel_cli_seconds("--wait", arg, &wait_ms, &c.err))
				o = -1;
			break;
		case O_FORMAT:
			if (!strcmp(arg, "tsv"))
				f = F_TSV;
			else if (!strcmp(arg, "table"))
				f = F_TABLE;
			else if (!strcmp(arg, "json"))
				f = F_JSON;
			else {
				rel_err_set(&c.err, REL_EUSAGE, "--format: "
				    "expected tsv, table or json, not '%s'", arg);
				o = -1;
			}
			break;
		case O_HELP: fputs(usage, stdout); rel_cli_free(&c); return 0;
		case O_VERSION: puts("rel-sync " REL_VERSION); rel_cli_free(&c); return 0;
		}
		if (o < 0)
			break;
	}
	if (o < 0) {
		fprintf(stderr, "rel-sync: %s\n%s", c.err.msg, usage);
		rel_cli_free(&c);
		return REL_EUSAGE;
	}
	if ((rc = rel_cli_who(NULL, who, sizeof who, &err)) ||
	    (rc = rel_store_path(state, dir, sizeof dir, &err)) ||
	    (rc = rel_store_open(&st, dir, 0, "rel-sync", &err))) {
		note(rc, err.msg);
		rel_cli_free(&c);
		return rc;
	}
	st.wait_ms = wait_ms;
	if ((rc = rel_config_load(st.fd, st.root, &cfg, &err)) != 0)
		goto fail;
	if (!remote && !cfg.remote[0]) {
		rc = rel_err_set(&err, REL_EUSAGE, "%s has no remote: join one "
		    "with rel-sync --remote URL", st.root);
		goto fail;
	}
	if (remote && (!*remote || strlen(remote) >= REL_REMOTE_MAX)) {
		rc = rel_err_set(&err, REL_EUSAGE, "--remote: bad URL");
		goto fail;
	}
	if ((rc = rel_sync_open(&s, &st, remote ? remote : cfg.remote, &err)) ||
	    (rc = rel_sync_fetch(s, &err)))
		goto fail;
	/* The remote answered: from now on it is this store's. */
	if (remote && strcmp(remote, cfg.remote) &&
	    (rc = rel_config_set(st.fd, st.root, "remote", remote, &err)))
		goto fail;
	if ((rc = products(&st, s, &c, &names, &nnames, &err)) != 0)
		goto fail;
	owned = !c.noperands;
	rel_table_init(&t, 5, 1);
	if (f == F_TABLE) {
		const char *head[5] = { "PRODUCT", "ACTION", "COMMITS", "FILES",
		    "TIP" };

		rel_table_row(&t, head);
	}
	for (size_t i = 0; i < nnames; i++) {
		struct rel_sync_report rep;

		if ((rc = rel_sync_product(s, names[i], wait_ms, who,
		    &rep, &err)))
			note(rc, err.msg);
		else
			print(f, &t, &rep);
	}
	if (f == F_TABLE && t.nrows > 1) {
		struct rel_buf b = REL_BUF_INIT;

		rel_table_render(&t, rel_cli_color(1), &b);
		fputs(b.s ? b.s : "", stdout);
		rel_buf_free(&b);
	}
	rel_table_free(&t);
	if (rel_cli_finish(stdout, &err))
		note(REL_ESYS, err.msg);
	rc = worst;
	goto out;
fail:
	note(rc, err.msg);
	rc = worst;
out:
	if (owned) {
		for (size_t i = 0; i < nnames; i++)
			free(names[i]);
		free(names);
	}
	rel_sync_close(s);
	rel_store_close(&st);
	rel_cli_free(&c);
	return rc;
}
