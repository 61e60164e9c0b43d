/*
 * cmd.h - the shape every command has, in one place: the part of a
 * command that talks to the user (compiled into each command, so that
 * lib/ never prints).
 *
 * A command declares one option table (struct rel_opt, lib/cli.h) of its
 * own options and the common ones below.  The table drives the parsing,
 * the option list of --help, and the shells' completions, which ask a
 * command for its table with the hidden --rel-completion-helper (as git's
 * --git-completion-helper): an option exists in all three or in none.
 *
 * A main then reads top to bottom:
 *
 *	rel_cmd_init(&c, "rel-terminate", usage, opts, argc, argv);
 *	while ((o = rel_cmd_next(&c, &arg)) > 0)
 *		switch (o) { the command's own options }
 *	if (o < 0 || rel_cmd_open(&c, 0))
 *		return rel_cmd_end(&c);
 *	rel_cmd_each(&c, terminate_id, &ctx);
 *	return rel_cmd_end(&c);
 *
 * rel_cmd_next handles --state, --wait, --by, --format, --color, --help,
 * --version and the completion helper itself, and returns the command's
 * own options; < 0 when the command is to end now (help printed: status
 * 0; a usage error printed: status 2).  A value from a "a|b|c" list is
 * checked against the list.
 *
 * The exit status of a command that acts on several items, rel(7): it
 * goes on past an item that fails, and exits with the most serious
 * status any item had, in this order: 5 (the system failed), 4 (busy),
 * 2 (bad input), 1 (a release failed), 3 (not found), 0.  The most
 * serious, not the first: the status does not depend on the order of
 * the items (ids from a pipe come in any order), and what cannot be
 * trusted or must be fixed is never hidden behind what is merely not
 * there.  rel_cmd_fail keeps that status in c->rc; rel_cmd_end returns
 * it.
 */
#ifndef REL_CMD_H
#define REL_CMD_H

#include <signal.h>
#include <stddef.h>

#include "cli.h"
#include "err.h"
#include "notify.h"
#include "publish.h"
#include "store.h"

/* The ids of the common options: above any command's own. */
enum {
	REL_O_STATE = 0x100, REL_O_WAIT, REL_O_BY, REL_O_FORMAT, REL_O_COLOR,
	REL_O_HELP, REL_O_VERSION, REL_O_COMPLETE
};

#define REL_OPT_STATE { REL_O_STATE, 0, "state", "DIR", "dir", \
	"the state directory (else $REL_STATE_DIR, else " \
	"$XDG_STATE_HOME/rel)" }
#define REL_OPT_WAIT { REL_O_WAIT, 'w', "wait", "SECONDS", NULL, \
	"how long to wait for a busy lock" }
#define REL_OPT_BY { REL_O_BY, 0, "by", "NAME", NULL, \
	"who is acting (else $USER)" }
/* FORMATS: "tsv|json|table", the first being only the list's first. */
#define REL_OPT_FORMAT(formats) { REL_O_FORMAT, 'o', "format", "FORMAT", \
	formats, "the output format: " formats }
#define REL_OPT_COLOR { REL_O_COLOR, 0, "color", "WHEN", \
	"auto|always|never", "colour: auto (on a terminal, unless " \
	"$NO_COLOR is set), always or never" }
/* Every table ends with these. */
#define REL_OPT_END \
	{ REL_O_HELP, 'h', "help", NULL, NULL, "print this help and exit" }, \
	{ REL_O_VERSION, 0, "version", NULL, NULL, \
	    "print the version and exit" }, \
	{ REL_O_COMPLETE, 0, "rel-completion-helper", NULL, NULL, NULL }, \
	{ 0, 0, NULL, NULL, NULL, NULL }

struct rel_cmd {
	const char *name;          /* "rel-status", in every message */
	const char *usage;         /* the synopsis, as in the man page */
	const struct rel_opt *opts;
	struct rel_cli cli;
	char **operands;           /* after parsing: the operands */
	int noperands;

	/* The common options as given. */
	const char *state;         /* --state, or NULL */
	int wait_ms;               /* --wait, or -1 */
	const char *by;            /* --by, or NULL */
	const char *format;        /* --format, or NULL */
	int color;                 /* --color: 1 always, 0 never, -1 auto */
	char who[256];             /* who acts: set by rel_cmd_open if the
	                            * table has --by */

	struct rel_store st;       /* open after rel_cmd_open */
	int st_open;
	struct rel_notifier *nf;   /* the events this command records, told
	                            * by rel_cmd_end (lib/notify.h) */
	/* With a remote (STATE/config), what the store publishes through
	 * (publish.h): set before rel_cmd_open.  changes: the command
	 * changes releases (it fetches one it does not have, and may judge
	 * another machine's runner dead); fetch: a reader's --fetch, the
	 * local copy brought up to date by rel_cmd_open. */
	struct rel_publish pub;
	int changes, fetch;

	char **items;              /* rel_cmd_items: ids read from stdin */
	size_t nitems;

	const char *item;          /* what an operand is, for "no release
	                            * given": "release" */
	/* Set by commands that handle signals: rel_cmd_each stops between
	 * items once *interrupt is set; with *hungup set, a closed standard
	 * output is no error. */
	volatile sig_atomic_t *interrupt, *hungup;

	int rc;                    /* the exit status so far */
	int stop;                  /* end now: help printed, or bad usage */
	int finished;              /* stdout checked (rel_cmd_finish) */
	struct rel_err err;        /* for the command's own checks */
};

/* Start: name is the program's name in messages, usage its synopsis,
 * opts its table (ending with REL_OPT_END). */
void rel_cmd_init(struct rel_cmd *c, const char *name, const char *usage,
    const struct rel_opt *opts, int argc, char **argv);

/* The next of the command's own options (its id, *arg its value); 0 when
 * there are no more (c->operands hold the operands); < 0 when the command
 * ends now: rel_cmd_end(c) returns its status. */
int rel_cmd_next(struct rel_cmd *c, const char **arg);

/* A bad option value or operands: "name: message" and the usage on
 * stderr; the command ends (the next rel_cmd_next returns < 0) with
 * status 2.  rel_cmd_bad takes the message from err (set by a checker
 * such as rel_cli_seconds); both return REL_EUSAGE. */
int rel_cmd_bad(struct rel_cmd *c, const struct rel_err *err);
int rel_cmd_usage(struct rel_cmd *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "name: message" on stderr; c->rc becomes the more serious of itself
 * and the error's code (REL_ESYS if it has none).  Returns that code. */
int rel_cmd_fail(struct rel_cmd *c, const struct rel_err *err);
/* The same with a message made here and the given code. */
int rel_cmd_failf(struct rel_cmd *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "name: message" on stderr, the status unchanged: a warning. */
void rel_cmd_warn(struct rel_cmd *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Open the store (--state, $REL_STATE_DIR, the default), creating it if
 * create; --wait applied; who is acting resolved if the table has --by.
 * 0, or the status (reported: c->rc holds it). */
int rel_cmd_open(struct rel_cmd *c, int create);

/* Where the items are: the operands, else ids from standard input when
 * it is a pipe or a file (one per line, the first tab-separated field,
 * #-lines skipped: one command's output is the next one's input). */
enum rel_items { REL_ITEMS_NONE, REL_ITEMS_EMPTY, REL_ITEMS_GIVEN };
/* REL_ITEMS_GIVEN: operands, or standard input with something on it
 * (c->items, c->nitems; ids maybe none); REL_ITEMS_EMPTY: an empty pipe
 * or file (cron gives a job one: no input at all); REL_ITEMS_NONE: no
 * operands, and standard input a terminal.  < 0: it could not be read
 * (reported). */
int rel_cmd_items(struct rel_cmd *c);

/* fn for each item: the operands, else the ids on standard input; none
 * at all (a terminal) is a usage error, an empty input nothing to do.
 * fn returns the item's status (0 done); the most serious is kept in
 * c->rc, and returned. */
typedef int rel_cmd_fn(struct rel_cmd *c, const char *item, void *arg);
int rel_cmd_each(struct rel_cmd *c, rel_cmd_fn *fn, void *arg);

/* fn for each product: the operands, else every product of the store. */
int rel_cmd_products(struct rel_cmd *c, rel_cmd_fn *fn, void *arg);

/* Keep in c->rc the more serious of it and rc (the order above). */
void rel_cmd_status(struct rel_cmd *c, int rc);

/* Colour on fd?  --color always or never, else (auto) if fd is a
 * terminal, $NO_COLOR is unset or empty and $TERM is not dumb. */
int rel_cmd_color(const struct rel_cmd *c, int fd);

/* Check standard output now (a full disk is an error): 0, or the error
 * in err (not reported: the caller says what it means); rel_cmd_end does
 * not check it again. */
int rel_cmd_finish(struct rel_cmd *c, struct rel_err *err);

/* Run the notify commands of the events this command recorded (a dead
 * runner noticed, a release terminated: lib/notify.h), close the store,
 * check standard output (a full disk is an error, 5; a reader that went
 * away is none: commands ignore SIGPIPE, so that they live to tell
 * their events), free; the exit status. */
int rel_cmd_end(struct rel_cmd *c);

#endif
