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
#include "cmd.h"
#include "config.h"
#include "json.h"
#include "store.h"
#include "sync.h"
#include "table.h"

static const char usage[] =
    "usage: rel-sync [--state DIR] [--remote URL] [--wait SECONDS]\n"
    "                [--format tsv|table|json] [--color WHEN] [PRODUCT...]\n"
    "       rel-sync -h | --version\n";

enum { O_REMOTE = 1 };

static const struct rel_opt opts[] = {
	REL_OPT_STATE,
	{ O_REMOTE, 'r', "remote", "URL", NULL,
	    "make URL the store's remote first" },
	REL_OPT_WAIT, REL_OPT_FORMAT("tsv|table|json"), REL_OPT_COLOR,
	REL_OPT_END
};

enum fmt { F_TSV, F_TABLE, F_JSON };

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
products(struct rel_store *st, struct rel_sync *s, struct rel_cmd *c,
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

/* Fetch, then sync each product and say what moved. */
static void
sync_all(struct rel_cmd *c, const char *remote, enum fmt f)
{
	struct rel_err err = { 0, "" };
	struct rel_config cfg;
	struct rel_sync *s = NULL;
	struct rel_table t;
	char who[256], **names = NULL;
	size_t nnames = 0;
	int wait_ms = c->wait_ms >= 0 ? c->wait_ms : REL_WAIT_DEFAULT_MS;

	if (rel_cli_who(NULL, who, sizeof who, &err) ||
	    rel_config_load(c->st.fd, c->st.root, &cfg, &err))
		goto fail;
	if (!remote && !cfg.remote[0]) {
		rel_err_set(&err, REL_EUSAGE, "%s has no remote: join one "
		    "with rel-sync --remote URL", c->st.root);
		goto fail;
	}
	if (remote && (!*remote || strlen(remote) >= REL_REMOTE_MAX)) {
		rel_err_set(&err, REL_EUSAGE, "--remote: bad URL");
		goto fail;
	}
	if (rel_sync_open(&s, &c->st, remote ? remote : cfg.remote, &err) ||
	    rel_sync_fetch(s, &err))
		goto fail;
	/* The remote answered: from now on it is this store's. */
	if ((remote && strcmp(remote, cfg.remote) &&
	    rel_config_set(c->st.fd, c->st.root, "remote", remote, &err)) ||
	    products(&c->st, s, c, &names, &nnames, &err))
		goto fail;
	rel_table_init(&t, 5, 1);
	if (f == F_TABLE)
		rel_table_row(&t, (const char *const[]){ "PRODUCT", "ACTION",
		    "COMMITS", "FILES", "TIP" });
	for (size_t i = 0; i < nnames; i++) {
		struct rel_sync_report rep;

		if (rel_sync_product(s, names[i], wait_ms, who, &rep, &err))
			rel_cmd_fail(c, &err);
		else
			print(f, &t, &rep);
	}
	if (f == F_TABLE && t.nrows > 1) {
		struct rel_buf b = REL_BUF_INIT;

		rel_table_render(&t, rel_cmd_color(c, 1), &b);
		fputs(b.s ? b.s : "", stdout);
		rel_buf_free(&b);
	}
	rel_table_free(&t);
	if (!c->noperands) {
		for (size_t i = 0; i < nnames; i++)
			free(names[i]);
		free(names);
	}
	rel_sync_close(s);
	return;
fail:
	rel_cmd_fail(c, &err);
	rel_sync_close(s);
}

int
main(int argc, char **argv)
{
	struct rel_cmd c;
	const char *remote = NULL, *arg;
	int o;

	rel_cmd_init(&c, "rel-sync", usage, opts, argc, argv);
	while ((o = rel_cmd_next(&c, &arg)) > 0)
		remote = arg;
	if (o < 0 || rel_cmd_open(&c, 0))
		return rel_cmd_end(&c);
	c.st.wait_ms = c.wait_ms >= 0 ? c.wait_ms : REL_WAIT_DEFAULT_MS;
	sync_all(&c, remote, !c.format ? (rel_cli_tty(1) ? F_TABLE : F_TSV) :
	    !strcmp(c.format, "json") ? F_JSON :
	    !strcmp(c.format, "table") ? F_TABLE : F_TSV);
	return rel_cmd_end(&c);
}
