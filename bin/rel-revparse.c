/*
 * rel-revparse - resolve a git revision to a full commit id, as
 * `rel-create --rev` does.  rel-create runs this program rather than
 * linking libgit2, whose start-up cost (~2 ms) every rel-create would pay.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "gitrev.h"

static const char usage[] =
    "usage: rel-revparse [--repo DIR] REV\n"
    "       rel-revparse -h | --version\n";

static const struct rel_opt opts[] = {
	{ 'r', 0, "repo", "DIR", "dir", "the repository (else .)" },
	REL_OPT_END
};

int
main(int argc, char **argv)
{
	struct rel_cmd c;
	const char *repo = ".", *arg;
	char oid[128];
	int o;

	rel_cmd_init(&c, "rel-revparse", usage, opts, argc, argv);
	while ((o = rel_cmd_next(&c, &arg)) > 0)
		repo = arg;
	if (o == 0 && c.noperands != 1)
		rel_cmd_usage(&c, "expected one revision");
	if (c.stop)
		return rel_cmd_end(&c);
	if (rel_git_resolve(repo, c.operands[0], oid, sizeof oid, &c.err))
		rel_cmd_fail(&c, &c.err);
	else
		puts(oid);
	return rel_cmd_end(&c);
}
