/*
 * rel-revparse - resolve a git revision to a full commit id, as
 * `rel-create --rev` does.  rel-create runs this program rather than
 * linking libgit2, whose start-up cost (~2 ms) every rel-create would pay.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "gitrev.h"

static const char usage[] =
    "usage: rel-revparse [--repo DIR] REV\n"
    "       rel-revparse -h | --version\n";

int
main(int argc, char **argv)
{
	static const struct rel_opt opts[] = {
		{ "repo", 0, 1, 'r' }, { "help", 'h', 0, 'h' },
		{ "version", 0, 0, 'V' }, { NULL, 0, 0, 0 },
	};
	struct rel_cli c;
	struct rel_err err = { 0, "" };
	const char *repo = ".", *arg;
	char oid[128];
	int o, rc;

	if (rel_cli_init(&c, argc, argv))
		return REL_ESYS;
	while ((o = rel_cli_next(&c, opts, &arg)) > 0) {
		switch (o) {
		case 'r': repo = arg; break;
		case 'h': fputs(usage, stdout); rel_cli_free(&c); return 0;
		case 'V': puts("rel-revparse " REL_VERSION); rel_cli_free(&c); return 0;
		}
	}
	if (o < 0 || c.noperands != 1) {
		fprintf(stderr, "rel-revparse: %s\n%s", o < 0 ? c.err.msg :
		    "expected one revision", usage);
		rel_cli_free(&c);
		return REL_EUSAGE;
	}
	rc = rel_git_resolve(repo, c.operands[0], oid, sizeof oid, &err);
	rel_cli_free(&c);
	if (rc) {
		fprintf(stderr, "rel-revparse: %s\n", err.msg);
		return rc;
	}
	puts(oid);
	if (rel_cli_finish(stdout, &err)) {
		fprintf(stderr, "rel-revparse: %s\n", err.msg);
		return REL_ESYS;
	}
	return 0;
}
