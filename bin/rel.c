/*
 * rel - the umbrella command, in the style of git: `rel status ...` runs
 * rel-status, `rel help [COMMAND]` shows a manual page, `rel` alone lists
 * the commands.  A command is found next to this program first (so a
 * build tree or an install prefix stays self-contained), then on PATH.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "name.h"
#include "proc.h"

static const struct {
	const char *name, *what;
} commands[] = {
	{ "create", "make a release of a product and print its id" },
	{ "promote", "run a release's flow, or promote it into environments" },
	{ "status", "what is where: releases, environments, steps, history" },
	{ "log", "print the logs of a release's steps in an environment" },
	{ "notes", "release notes from git history" },
	{ "redeploy", "deploy a release into an environment again (rollback)" },
	{ "terminate", "stop releases; --expired for those past their timeout" },
	{ "freeze", "stop promotions into environments; --lift lets them go" },
	{ "revparse", "resolve a git revision as rel-create --rev does" },
	{ "sync", "share the store with other machines through a git remote" },
};

/* Only for --help and --version: everything after COMMAND is its own. */
static const struct rel_opt opts[] = {
	{ 'h', 'h', "help", NULL, NULL, "list the commands" },
	{ REL_O_VERSION, 0, "version", NULL, NULL, "print the version" },
	{ REL_O_COMPLETE, 0, "rel-completion-helper", NULL, NULL, NULL },
	{ 0, 0, NULL, NULL, NULL, NULL },
};

static const char usage[] =
    "usage: rel COMMAND [ARGS...]\n"
    "       rel help [COMMAND]\n"
    "       rel -h | --version\n";

static int
list(void)
{
	fputs(usage, stdout);
	puts("\ncommands:");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		printf("   %-10s %s\n", commands[i].name, commands[i].what);
	puts("\n'rel help COMMAND' shows its manual; 'rel help' the overview, "
	    "rel(7).");
	return 0;
}

/* Show a manual page: the page file next to this program (a build tree:
 * ../man/PAGE; an install: ../share/man/manS/PAGE) through man -l, else
 * man by name. */
static int
help(const char *argv0, const char *cmd)
{
	char page[REL_NAME_MAX + 16], self[PATH_MAX], file[PATH_MAX + 64];
	const char *sec = cmd ? "1" : "7";
	char *slash;

	if (cmd && !rel_name_ok(cmd)) {
		fprintf(stderr, "rel: no such command '%s'\n", cmd);
		return REL_EUSAGE;
	}
	snprintf(page, sizeof page, "%s%s.%s", cmd ? "rel-" : "rel",
	    cmd ? cmd : "", sec);
	rel_cli_sibling(argv0, "rel", self, sizeof self);
	if ((slash = strrchr(self, '/'))) {
		*slash = '\0';
		if (snprintf(file, sizeof file, "%s/../man/%s", self, page) >=
		    (int)sizeof file || access(file, R_OK) != 0)
			if (snprintf(file, sizeof file,
			    "%s/../share/man/man%s/%s", self, sec, page) >=
			    (int)sizeof file)
				file[0] = '\0';
		if (file[0] && access(file, R_OK) == 0) {
			execlp("man", "man", "-l", file, (char *)NULL);
			execlp("mandoc", "mandoc", "-a", file, (char *)NULL);
		}
	}
	page[strlen(page) - 2] = '\0';
	{
		struct rel_buf out = REL_BUF_INIT;
		struct rel_err err;
		int status = 0;

		/* Ask man first whether it has the page, so that a missing
		 * one is "not found" (3), whatever man would exit with. */
		if (rel_proc_capture((const char *const[]){ "man", "-w", sec,
		    page, NULL }, &out, NULL, &status, &err) == 0 &&
		    status != 0) {
			rel_buf_free(&out);
			fprintf(stderr, "rel: no manual page %s(%s)%s\n", page,
			    sec, cmd ? "; 'rel' lists the commands" : "");
			return REL_ENOTFOUND;
		}
		rel_buf_free(&out);
	}
	execlp("man", "man", sec, page, (char *)NULL);
	fprintf(stderr, "rel: cannot show the manual of %s: %s\n", page,
	    strerror(errno));
	return REL_ENOTFOUND;
}

int
main(int argc, char **argv)
{
	char prog[PATH_MAX], name[REL_NAME_MAX + 8];
	const char *cmd;

	if (argc < 2)
		return list();
	cmd = argv[1];
	if (cmd[0] == '-') {
		struct rel_cmd c;
		const char *arg;

		/* An option before any command: ours, and alone. */
		rel_cmd_init(&c, "rel", usage, opts, 2, argv);
		if (argc > 2)
			rel_cmd_usage(&c, "--help and --version go alone");
		if (rel_cmd_next(&c, &arg) == 'h')
			list();
		return rel_cmd_end(&c);
	}
	if (!strcmp(cmd, "help")) {
		if (argc > 3) {
			fputs(usage, stderr);
			return REL_EUSAGE;
		}
		return help(argv[0], argc == 3 ? argv[2] : NULL);
	}
	if (!rel_name_ok(cmd)) {
		fprintf(stderr, "rel: unknown command '%s'\n%s", cmd, usage);
		return REL_EUSAGE;
	}
	snprintf(name, sizeof name, "rel-%s", cmd);
	rel_cli_sibling(argv[0], name, prog, sizeof prog);
	argv[1] = name;
	if (strchr(prog, '/'))
		execv(prog, argv + 1);
	execvp(name, argv + 1);
	if (errno == ENOENT) {
		fprintf(stderr, "rel: '%s' is not a rel command; 'rel' lists "
		    "them\n", cmd);
		return REL_EUSAGE;
	}
	fprintf(stderr, "rel: cannot run %s: %s\n", name, strerror(errno));
	return REL_ESYS;
}
