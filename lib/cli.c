/*
 * cli.c - option parsing and the small habits shared by all commands.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "name.h"

int
rel_cli_init(struct rel_cli *c, int argc, char **argv)
{
	memset(c, 0, sizeof *c);
	c->argc = argc;
	c->argv = argv;
	c->i = 1;
	c->operands = calloc((size_t)argc + 1, sizeof *c->operands);
	if (!c->operands)
		return rel_err_set(&c->err, REL_ESYS, "out of memory");
	return 0;
}

void
rel_cli_free(struct rel_cli *c)
{
	free(c->operands);
	c->operands = NULL;
}

static const struct rel_opt *
find_long(const struct rel_opt *opts, const char *name, size_t len)
{
	for (; opts->id; opts++)
		if (opts->lng && strlen(opts->lng) == len &&
		    !strncmp(opts->lng, name, len))
			return opts;
	return NULL;
}

static const struct rel_opt *
find_short(const struct rel_opt *opts, char ch)
{
	for (; opts->id; opts++)
		if (opts->shrt && opts->shrt == ch)
			return opts;
	return NULL;
}

int
rel_cli_next(struct rel_cli *c, const struct rel_opt *opts, const char **arg)
{
	const struct rel_opt *o;

	*arg = NULL;
	if (c->cluster && *c->cluster) {
		char ch = *c->cluster++;

		if (!(o = find_short(opts, ch))) {
			rel_err_set(&c->err, REL_EUSAGE, "unknown option '-%c'", ch);
			return -1;
		}
		if (o->arg) {
			if (*c->cluster) {
				*arg = c->cluster;
			} else if (c->i < c->argc) {
				*arg = c->argv[c->i++];
			} else {
				rel_err_set(&c->err, REL_EUSAGE,
				    "option '-%c' needs a value", ch);
				return -1;
			}
			c->cluster = NULL;
		}
		return o->id;
	}
	c->cluster = NULL;
	while (c->i < c->argc) {
		char *a = c->argv[c->i++];

		if (c->dashdash || a[0] != '-' || a[1] == '\0') {
			c->operands[c->noperands++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			c->dashdash = 1;
			continue;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);

			if (!(o = find_long(opts, name, len))) {
				rel_err_set(&c->err, REL_EUSAGE,
				    "unknown option '--%.*s'", (int)len, name);
				return -1;
			}
			if (o->arg) {
				if (eq) {
					*arg = eq + 1;
				} else if (c->i < c->argc) {
					*arg = c->argv[c->i++];
				} else {
					rel_err_set(&c->err, REL_EUSAGE,
					    "option '--%s' needs a value", o->lng);
					return -1;
				}
			} else if (eq) {
				rel_err_set(&c->err, REL_EUSAGE,
				    "option '--%s' takes no value", o->lng);
				return -1;
			}
			return o->id;
		}
		c->cluster = a + 1;
		return rel_cli_next(c, opts, arg);
	}
	c->operands[c->noperands] = NULL;
	return 0;
}

int
rel_cli_seconds(const char *what, const char *s, int *ms, struct rel_err *err)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || v < 0 || v > 86400.0 * 365 || v != v)
		return rel_err_set(err, REL_EUSAGE,
		    "%s: bad number of seconds '%s'", what, s);
	/* A year of milliseconds does not fit an int: converting it would
	 * be undefined (in practice negative, which means "for ever" to
	 * rel_lock_take).  24 days is as good as a year for a wait. */
	*ms = v * 1000 + 0.5 >= (double)INT_MAX ? INT_MAX :
	    (int)(v * 1000 + 0.5);
	return 0;
}

int
rel_cli_uint(const char *what, const char *s, unsigned long *v,
    struct rel_err *err)
{
	char *end;

	errno = 0;
	if (!*s || *s == '-' || *s == '+')
		goto bad;
	*v = strtoul(s, &end, 10);
	if (*end || errno)
		goto bad;
	return 0;
bad:
	return rel_err_set(err, REL_EUSAGE, "%s: bad number '%s'", what, s);
}

int
rel_cli_stdin_has_ids(void)
{
	struct stat st;

	if (isatty(0) || fstat(0, &st) < 0)
		return 0;
	return S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode);
}

int
rel_cli_read_ids(FILE *in, char ***ids, size_t *n, size_t *bytes,
    struct rel_err *err)
{
	char *line = NULL, **v = NULL;
	size_t cap = 0, vcap = 0;
	ssize_t len;

	*n = 0;
	*ids = NULL;
	if (bytes)
		*bytes = 0;
	while ((len = getline(&line, &cap, in)) >= 0) {
		char *s = line, *e;

		if (bytes)
			*bytes += (size_t)len;
		s[strcspn(s, "\t\r\n")] = '\0';
		while (*s == ' ')
			s++;
		e = s + strlen(s);
		while (e > s && e[-1] == ' ')
			*--e = '\0';
		if (!*s || *s == '#')
			continue;
		if (REL_GROW(v, *n + 2, vcap) < 0)
			goto oom;
		if (!(v[*n] = strdup(s)))
			goto oom;
		v[++*n] = NULL;
	}
	free(line);
	if (ferror(in)) {
		rel_cli_free_ids(v);
		*n = 0;
		return rel_err_errno(err, "cannot read standard input");
	}
	if (!v && !(v = calloc(1, sizeof *v)))
		return rel_err_set(err, REL_ESYS, "out of memory");
	*ids = v;
	return 0;
oom:
	free(line);
	if (v)
		v[*n] = NULL;
	rel_cli_free_ids(v);
	*n = 0;
	return rel_err_set(err, REL_ESYS, "out of memory");
}

void
rel_cli_free_ids(char **ids)
{
	if (!ids)
		return;
	for (char **p = ids; *p; p++)
		free(*p);
	free(ids);
}

int
rel_cli_tty(int fd)
{
	return isatty(fd);
}

int
rel_cli_reader_gone(int fd)
{
	struct pollfd pf = { fd, 0, 0 };
	struct stat sb;

	/* The write end of a pipe with no reader polls as an error. */
	return fstat(fd, &sb) == 0 && S_ISFIFO(sb.st_mode) &&
	    poll(&pf, 1, 0) == 1 && (pf.revents & (POLLERR | POLLHUP));
}

void
rel_cli_nopipe(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
}

int
rel_cli_color(int fd)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (!isatty(fd))
		return 0;
	if (nc && *nc)
		return 0;
	if (term && !strcmp(term, "dumb"))
		return 0;
	return 1;
}

int
rel_cli_finish(FILE *out, struct rel_err *err)
{
	if (fflush(out) != 0 || ferror(out))
		return rel_err_errno(err, "cannot write standard output");
	return 0;
}

int
rel_cli_who(const char *by, char *out, size_t n, struct rel_err *err)
{
	const char *who = by;
	struct passwd *pw;
	int rc;

	if (!who || !*who) {
		who = getenv("USER");
		if (!who || !*who) {
			pw = getpwuid(getuid());
			who = pw ? pw->pw_name : "unknown";
		}
	}
	if ((rc = rel_text_check("--by", who, 128, 0, err)) != 0)
		return rc;
	snprintf(out, n, "%s", who);
	return 0;
}

void
rel_cli_sibling(const char *argv0, const char *name, char *out, size_t n)
{
	char self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
	const char *slash;

	if (len > 0) {
		self[len] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			snprintf(out, n, "%.*s/%s", (int)(slash - self), self, name);
			if (access(out, X_OK) == 0)
				return;
		}
	}
	if (argv0 && (slash = strrchr(argv0, '/'))) {
		snprintf(out, n, "%.*s/%s", (int)(slash - argv0), argv0, name);
		if (access(out, X_OK) == 0)
			return;
	}
	snprintf(out, n, "%s", name);
}

void
rel_cli_signals(void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}
