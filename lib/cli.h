/*
 * cli.h - what every command does the same way: options, ids from
 * standard input, colour, finishing output.
 *
 * Options: short (-a VALUE, -aVALUE, clustered flags) and long
 * (--name VALUE, --name=VALUE), anywhere among the operands (as people
 * type `rel-status web --envs`), `--` ends them.  Only exact long names.
 */
#ifndef REL_CLI_H
#define REL_CLI_H

#include <stdio.h>

#include "err.h"

/* One option of a command's table.  The table drives the parsing, the
 * option list of --help and the shells' completions (bin/cmd.h), so an
 * option exists in all of them or in none.  A table ends with id 0. */
struct rel_opt {
	int id;            /* returned by rel_cli_next (> 0) */
	char shrt;         /* short letter, or 0 */
	const char *lng;   /* long name without "--", or NULL */
	const char *arg;   /* the value's name ("DIR"), ending in "..." if
	                    * the option may be repeated; NULL: no value */
	const char *values; /* what the value is, for the shells: "a|b|c"
	                     * (only these words are accepted), or one of
	                     * dir, file, product, release, env, status (a
	                     * comma-separated list), component; NULL: text.
	                     * An option without a value: its group, if
	                     * any ("view"): the options of a group go one
	                     * at a time, and zsh offers no other once one
	                     * is on the line */
	const char *help;  /* one line for --help; NULL: a hidden option */
};

struct rel_cli {
	int argc;
	char **argv;
	int i;             /* next argv index */
	const char *cluster; /* rest of a -abc cluster */
	int dashdash;
	char **operands;   /* collected operands (points into argv) */
	int noperands;
	struct rel_err err;
};

/* Start parsing argv (argv[0] is the program). 0, or REL_ESYS. */
int rel_cli_init(struct rel_cli *c, int argc, char **argv);
void rel_cli_free(struct rel_cli *c);

/* The next option's id, with *arg its value; 0 when there are no more
 * (operands are then in c->operands); -1 on a bad option (c->err says
 * what: code REL_EUSAGE). */
int rel_cli_next(struct rel_cli *c, const struct rel_opt *opts,
    const char **arg);

/* Parse a non-negative number of seconds (may be fractional, "2.5") into
 * milliseconds.  `what` names the option in the message. */
int rel_cli_seconds(const char *what, const char *s, int *ms,
    struct rel_err *err);
/* Parse a non-negative integer. */
int rel_cli_uint(const char *what, const char *s, unsigned long *v,
    struct rel_err *err);

/* Should ids be read from standard input?  Yes when it is a pipe or a
 * file (not a terminal, not /dev/null or a socket). */
int rel_cli_stdin_has_ids(void);
/* Read ids (or names) from in: one per line, the first tab-separated
 * field, blanks trimmed, empty lines and #-lines skipped.  *ids is a
 * NULL-terminated array to free with rel_cli_free_ids.  *bytes (if not
 * NULL) receives how many bytes were read: cron gives a job an empty pipe
 * for standard input, which must read as no input at all. */
int rel_cli_read_ids(FILE *in, char ***ids, size_t *n, size_t *bytes,
    struct rel_err *err);
void rel_cli_free_ids(char **ids);

/* Colour on fd? A terminal, NO_COLOR unset or empty, TERM not dumb. */
int rel_cli_color(int fd);
/* Is fd a terminal? */
int rel_cli_tty(int fd);

/* Is fd the write end of a pipe whose reader has gone (rel-status |
 * head, once head had what it wanted)? */
int rel_cli_reader_gone(int fd);
/* Ignore SIGPIPE: a write to a pipe whose reader has gone fails (EPIPE)
 * instead of killing the process.  Children started by rel_spawn get
 * the default back. */
void rel_cli_nopipe(void);

/* Flush stdout and check it: a full disk or a closed pipe is an error.
 * Returns 0 or REL_ESYS (message in err). */
int rel_cli_finish(FILE *out, struct rel_err *err);

/* Who is acting: --by if given, else $USER, else the login name, else
 * "unknown".  Checked as free text. */
int rel_cli_who(const char *by, char *out, size_t n, struct rel_err *err);

/* For commands that run steps: fn handles SIGINT, SIGTERM and SIGHUP
 * (without SA_RESTART, so that a wait returns and the flag fn sets is
 * seen); SIGPIPE is ignored (a closed display must not kill a runner). */
void rel_cli_signals(void (*fn)(int));

/* The path of a sibling program `name`: next to this executable
 * (/proc/self/exe or argv0 with a slash), else just `name` for a PATH
 * search. */
void rel_cli_sibling(const char *argv0, const char *name, char *out,
    size_t n);

#endif
