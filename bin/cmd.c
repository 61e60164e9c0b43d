/*
 * cmd.c - the shape every command has: the common options, --help from
 * the option table, the completion helper, the store, the loop over the
 * items, the exit status.  See cmd.h.
 */
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"

static void
on_alarm(int sig)
{
	(void)sig;
}

void
rel_cmd_init(struct rel_cmd *c, const char *name, const char *usage,
    const struct rel_opt *opts, int argc, char **argv)
{
	struct sigaction sa;

	/* A call to a remote is bounded by a timer (lib/remote.c): its
	 * signal interrupts the call, and does nothing else. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	memset(c, 0, sizeof *c);
	c->name = name;
	c->usage = usage;
	c->opts = opts;
	c->wait_ms = -1;
	c->color = -1;                 /* auto, unless --color says */
	c->item = "release";
	c->st.fd = -1;
	/* A reader that goes away (rel-status | head -1) must not kill a
	 * command that recorded an event before it is told (rel_cmd_end):
	 * its writes fail instead, and that is no error. */
	rel_cli_nopipe();
	if (rel_cli_init(&c->cli, argc, argv)) {
		fprintf(stderr, "%s: out of memory\n", name);
		c->rc = REL_ESYS;
		c->stop = 1;
	}
}

static int
has(const struct rel_cmd *c, int id)
{
	for (const struct rel_opt *o = c->opts; o->id; o++)
		if (o->id == id)
			return 1;
	return 0;
}

/* --help: the synopsis, then one line per listed option. */
static void
help(const struct rel_cmd *c)
{
	fputs(c->usage, stdout);
	fputs("\noptions:\n", stdout);
	for (const struct rel_opt *o = c->opts; o->id; o++) {
		char left[64], shrt[8] = "";
		int n;

		if (!o->help)
			continue;
		if (o->shrt)
			snprintf(shrt, sizeof shrt, "-%c%s", o->shrt,
			    o->lng ? "," : "");
		n = snprintf(left, sizeof left, "  %-4s%s%s%s%s", shrt,
		    o->lng ? "--" : "", o->lng ? o->lng : "",
		    o->arg ? " " : "", o->arg ? o->arg : "");
		if (n < 28)
			printf("%-28s%s\n", left, o->help);
		else
			printf("%s\n%28s%s\n", left, "", o->help);
	}
}

/* The hidden --rel-completion-helper: the table for the shells' scripts,
 * one option a line, five tab-separated fields ("-" for none):
 *	--long  -s  ARG  VALUES  help */
static void
completion_helper(const struct rel_cmd *c)
{
	for (const struct rel_opt *o = c->opts; o->id; o++) {
		if (!o->help)
			continue;
		printf("%s%s\t%s%c\t%s\t%s\t%s\n", o->lng ? "--" : "",
		    o->lng ? o->lng : "-", o->shrt ? "-" : "",
		    o->shrt ? o->shrt : '-', o->arg ? o->arg : "-",
		    o->values ? o->values : "-", o->help);
	}
}

/* Is arg one of the words of list ("a|b|c")? */
static int
one_of(const char *list, const char *arg)
{
	size_t len = strlen(arg);

	for (const char *w = list; *w; ) {
		size_t n = strcspn(w, "|");

		if (n == len && !strncmp(w, arg, n))
			return 1;
		w += n + (w[n] == '|');
	}
	return 0;
}

static const struct rel_opt *
find(const struct rel_cmd *c, int id)
{
	for (const struct rel_opt *o = c->opts; o->id; o++)
		if (o->id == id)
			return o;
	return NULL;
}

/* A value from a word list must be one of them. */
static int
check_words(struct rel_cmd *c, int id, const char *arg)
{
	const struct rel_opt *o = find(c, id);
	struct rel_buf list = REL_BUF_INIT;

	if (!o || !o->arg || !o->values || !strchr(o->values, '|') ||
	    one_of(o->values, arg))
		return 0;
	for (const char *w = o->values; *w; ) {
		size_t n = strcspn(w, "|");

		rel_buf_addf(&list, "%s%.*s", w == o->values ? "" :
		    w[n] ? ", " : " or ", (int)n, w);
		w += n + (w[n] == '|');
	}
	rel_err_set(&c->err, REL_EUSAGE, "--%s: unknown %s '%s' (%s)", o->lng,
	    !strcmp(o->lng, "format") ? "format" : "value", arg,
	    list.s ? list.s : "");
	rel_buf_free(&list);
	return rel_cmd_bad(c, &c->err);
}

/* The common options; 1 if id is one of them. */
static int
common(struct rel_cmd *c, int id, const char *arg)
{
	switch (id) {
	case REL_O_STATE: c->state = arg; break;
	case REL_O_BY: c->by = arg; break;
	case REL_O_FORMAT: c->format = arg; break;
	case REL_O_COLOR: c->color = !strcmp(arg, "always") ? 1 :
	    !strcmp(arg, "never") ? 0 : -1; break;
	case REL_O_WAIT:
		if (rel_cli_seconds("--wait", arg, &c->wait_ms, &c->err))
			rel_cmd_bad(c, &c->err);
		break;
	case REL_O_HELP:
		help(c);
		c->stop = 1;
		break;
	case REL_O_VERSION:
		printf("%s %s\n", c->name, REL_VERSION);
		c->stop = 1;
		break;
	case REL_O_COMPLETE:
		completion_helper(c);
		c->stop = 1;
		break;
	default:
		return 0;
	}
	return 1;
}

int
rel_cmd_next(struct rel_cmd *c, const char **arg)
{
	int o;

	if (c->stop)
		return -1;
	while ((o = rel_cli_next(&c->cli, c->opts, arg)) > 0) {
		if (check_words(c, o, *arg))
			return -1;
		if (!common(c, o, *arg))
			return o;
		if (c->stop)
			return -1;
	}
	if (o < 0) {
		rel_cmd_bad(c, &c->cli.err);
		return -1;
	}
	c->operands = c->cli.operands;
	c->noperands = c->cli.noperands;
	return 0;
}

int
rel_cmd_bad(struct rel_cmd *c, const struct rel_err *err)
{
	fprintf(stderr, "%s: %s\n%s", c->name, err->msg, c->usage);
	c->rc = REL_EUSAGE;
	c->stop = 1;
	return REL_EUSAGE;
}

int
rel_cmd_usage(struct rel_cmd *c, const char *fmt, ...)
{
	struct rel_err err;
	va_list ap;

	va_start(ap, fmt);
	rel_err_setv(&err, REL_EUSAGE, fmt, ap);
	va_end(ap);
	return rel_cmd_bad(c, &err);
}

/* How serious a status is (cmd.h): not found least, then a failed
 * release, bad input, busy, the system. */
static int
rank(int rc)
{
	static const int r[] = { 0, 2, 3, 1, 4, 5 };

	return rc >= 0 && rc <= REL_ESYS ? r[rc] : 6;
}

void
rel_cmd_status(struct rel_cmd *c, int rc)
{
	if (rank(rc) > rank(c->rc))
		c->rc = rc;
}

int
rel_cmd_fail(struct rel_cmd *c, const struct rel_err *err)
{
	int code = err->code ? err->code : REL_ESYS;

	fprintf(stderr, "%s: %s\n", c->name, err->msg);
	rel_cmd_status(c, code);
	return code;
}

int
rel_cmd_failf(struct rel_cmd *c, int code, const char *fmt, ...)
{
	struct rel_err err;
	va_list ap;

	va_start(ap, fmt);
	rel_err_setv(&err, code, fmt, ap);
	va_end(ap);
	return rel_cmd_fail(c, &err);
}

void
rel_cmd_warn(struct rel_cmd *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
rel_cmd_open(struct rel_cmd *c, int create)
{
	char root[sizeof c->st.root];
	struct rel_err err;
	int rc;

	if ((has(c, REL_O_BY) &&
	    (rc = rel_cli_who(c->by, c->who, sizeof c->who, &err))) ||
	    (rc = rel_store_path(c->state, root, sizeof root, &err)) ||
	    (rc = rel_store_open(&c->st, root, create, c->name, &err)))
		return rel_cmd_fail(c, &err);
	c->st_open = 1;
	if (c->wait_ms >= 0)
		c->st.wait_ms = c->wait_ms;
	/* Nothing is read for it until the first change (or --fetch). */
	rel_publish_attach(&c->pub, &c->st, c->changes || c->fetch);
	if (c->fetch && (rc = rel_publish_pull(&c->pub, &err)))
		return rel_cmd_fail(c, &err);
	/* Whatever this command records that is an event, it tells. */
	c->nf = rel_notifier_new(&c->st, "rel");
	return 0;
}

int
rel_cmd_items(struct rel_cmd *c)
{
	struct rel_err err;
	size_t bytes = 0;

	if (c->noperands)
		return REL_ITEMS_GIVEN;
	if (!rel_cli_stdin_has_ids())
		return REL_ITEMS_NONE;
	if (!c->items && rel_cli_read_ids(stdin, &c->items, &c->nitems,
	    &bytes, &err)) {
		rel_cmd_fail(c, &err);
		return -1;
	}
	return bytes ? REL_ITEMS_GIVEN : REL_ITEMS_EMPTY;
}

static int
stopped(const struct rel_cmd *c)
{
	return c->interrupt && *c->interrupt;
}

int
rel_cmd_each(struct rel_cmd *c, rel_cmd_fn *fn, void *arg)
{
	int from = rel_cmd_items(c);

	if (from < 0)
		return c->rc;
	if (from == REL_ITEMS_NONE)
		return rel_cmd_usage(c, "no %s given (as an argument or on "
		    "standard input)", c->item);
	for (int i = 0; i < c->noperands && !stopped(c); i++)
		rel_cmd_status(c, fn(c, c->operands[i], arg));
	for (size_t i = 0; !c->noperands && i < c->nitems && !stopped(c); i++)
		rel_cmd_status(c, fn(c, c->items[i], arg));
	return c->rc;
}

int
rel_cmd_color(const struct rel_cmd *c, int fd)
{
	return c->color >= 0 ? c->color : rel_cli_color(fd);
}

int
rel_cmd_finish(struct rel_cmd *c, struct rel_err *err)
{
	c->finished = 1;
	return rel_cli_finish(stdout, err);
}

int
rel_cmd_products(struct rel_cmd *c, rel_cmd_fn *fn, void *arg)
{
	char (*names)[REL_NAME_MAX + 1] = NULL;
	struct rel_err err;
	size_t n = 0;

	if (c->noperands)
		return rel_cmd_each(c, fn, arg);
	if (rel_store_products(&c->st, &names, &n, &err))
		return rel_cmd_fail(c, &err);
	for (size_t i = 0; i < n && !stopped(c); i++)
		rel_cmd_status(c, fn(c, names[i], arg));
	free(names);
	return c->rc;
}

int
rel_cmd_end(struct rel_cmd *c)
{
	struct rel_err err;

	if (c->nf && rel_notifier_run(c->nf, &err))
		rel_cmd_fail(c, &err);
	rel_notifier_free(c->nf);
	c->nf = NULL;
	if (c->st_open) {
		rel_publish_detach(&c->pub);
		rel_store_close(&c->st);
	}
	c->st_open = 0;
	if (!c->finished && rel_cmd_finish(c, &err) &&
	    !(c->hungup && *c->hungup) && !rel_cli_reader_gone(1) &&
	    c->rc != REL_EUSAGE)
		rel_cmd_fail(c, &err);
	rel_cli_free_ids(c->items);
	c->items = NULL;
	rel_cli_free(&c->cli);
	return c->rc;
}
