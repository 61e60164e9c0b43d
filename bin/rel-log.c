/*
 * rel-log - print the logs of a release's steps in an environment.
 *
 * Logs are gzip files in the store (see rel-store(5)); this finds the
 * ones the record names and prints them, each under a header when there
 * is more than one, in the order the steps run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "logfile.h"
#include "store.h"

static const char usage[] =
    "usage: rel-log [--state DIR] [--attempt N] RELEASE ENV [STEP]\n"
    "       rel-log -h | --version\n";

enum { O_STATE = 1, O_ATTEMPT, O_HELP, O_VERSION };

static const struct rel_opt opts[] = {
	{ "state", 0, 1, O_STATE }, { "attempt", 'a', 1, O_ATTEMPT },
	{ "help", 'h', 0, O_HELP }, { "version", 0, 0, O_VERSION },
	{ NULL, 0, 0, 0 },
};

static int
out(const char *data, size_t len, void *arg)
{
	int *last_nl = arg;

	if (len) {
		fwrite(data, 1, len, stdout);
		*last_nl = data[len - 1] == '\n';
	}
	return ferror(stdout) ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct rel_cli c;
	struct rel_store st;
	struct rel_product p;
	struct rel_release *r = NULL;
	struct rel_err err = { 0, "" };
	const char *state = NULL, *arg, *env, *step = NULL;
	char root[4096];
	unsigned long want = 0;
	int o, rc = 0, e, dir = -1;
	size_t count = 0, shown = 0;

	if (rel_cli_init(&c, argc, argv)) {
		fprintf(stderr, "rel-log: out of memory\n");
		return REL_ESYS;
	}
	while ((o = rel_cli_next(&c, opts, &arg)) > 0) {
		switch (o) {
		case O_STATE: state = arg; break;
		case O_ATTEMPT:
			if (rel_cli_uint("--attempt", arg, &want, &c.err) ||
			    want == 0) {
				rel_err_set(&c.err, REL_EUSAGE,
				    "--attempt: expected a number from 1");
				o = -1;
			}
			break;
		case O_HELP: fputs(usage, stdout); goto done;
		case O_VERSION: puts("rel-log " REL_VERSION); goto done;
		}
		if (o < 0)
			break;
	}
	if (o < 0 || c.noperands < 2 || c.noperands > 3) {
		fprintf(stderr, "rel-log: %s\n%s", o < 0 ? c.err.msg :
		    "expected RELEASE ENV [STEP]", usage);
		rc = REL_EUSAGE;
		goto done;
	}
	env = c.operands[1];
	if (c.noperands == 3)
		step = c.operands[2];
	if ((rc = rel_store_path(state, root, sizeof root, &err)) ||
	    (rc = rel_store_open(&st, root, 0, "rel-log", &err))) {
		fprintf(stderr, "rel-log: %s\n", err.msg);
		goto done;
	}
	if ((rc = rel_release_open(&st, c.operands[0], &p, &r, &err))) {
		fprintf(stderr, "rel-log: %s\n", err.msg);
		rel_store_close(&st);
		goto done;
	}
	if ((e = rel_release_env(r, env)) < 0) {
		rc = rel_err_set(&err, REL_ENOTFOUND,
		    "no environment '%s' in %s", env, r->id);
		goto fail;
	}
	if (step && rel_release_step(&r->envs[e], step) < 0) {
		rc = rel_err_set(&err, REL_ENOTFOUND,
		    "no step '%s' in %s of %s", step, env, r->id);
		goto fail;
	}
	/* How many logs will we print?  Then print them. */
	for (int pass = 0; pass < 2; pass++) {
		const struct rel_env *re = &r->envs[e];

		for (size_t j = 0; j < re->nsteps; j++) {
			const struct rel_step *s = &re->steps[j];

			if (step && strcmp(step, s->name))
				continue;
			for (size_t k = 0; k < s->nruns; k++) {
				const struct rel_step_run *run = &s->runs[k];
				int per = s->kind == REL_STEP_ACTION ||
				    s->kind == REL_STEP_VERIFY;
				int attempt = want ? (int)want : run->attempt;
				char name[3 * REL_NAME_MAX + 32], path[4800];
				int last_nl = 1;

				if (!attempt || (!want && run->status == REL_PENDING))
					continue;
				rel_log_name(s->name, per ?
				    r->artifacts[k].component : NULL, attempt,
				    name, sizeof name);
				if (pass == 0) {
					if (dir < 0 && (rc = rel_log_dir(&p, r->id,
					    env, &dir, &err)))
						goto nologs;
					if (faccessat(dir, name, F_OK, 0) == 0)
						count++;
					continue;
				}
				if (faccessat(dir, name, F_OK, 0) != 0)
					continue;
				if (count > 1)
					printf("%s==> %s %s/%s%s%s (attempt %d%s%s) <==\n",
					    shown ? "\n" : "", r->id, env, s->name,
					    per ? "/" : "", per ?
					    r->artifacts[k].component : "", attempt,
					    want ? "" : ", ", want ? "" :
					    rel_status_name(run->status));
				rel_product_path(&p, "logs/", path, sizeof path);
				snprintf(path + strlen(path), sizeof path -
				    strlen(path), "%s/%s/%s", r->id, env, name);
				if ((rc = rel_log_read(dir, name, path, out,
				    &last_nl, &err)))
					goto fail;
				if (!last_nl)
					putchar('\n');
				shown++;
			}
		}
		if (pass == 0 && count == 0) {
nologs:
			rc = rel_err_set(&err, REL_ENOTFOUND,
			    "no logs of %s in %s%s%s%s", r->id, env,
			    step ? " for step " : "", step ? step : "",
			    want ? " at that attempt" : " (nothing has run "
			    "there yet)");
			goto fail;
		}
	}
	if (rel_cli_finish(stdout, &err)) {
		rc = REL_ESYS;
		goto fail;
	}
	goto out;
fail:
	fprintf(stderr, "rel-log: %s\n", err.msg);
out:
	if (dir >= 0)
		close(dir);
	rel_release_free(r);
	rel_product_close(&p);
	rel_store_close(&st);
done:
	rel_cli_free(&c);
	return rc;
}
