/*
 * config.c - STATE/config (see config.h).
 *
 * The parser keeps no state but the struct it fills; rel_config_set
 * rewrites the file by lines, so that a person's comments and order
 * survive a command changing one setting.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "io.h"

#define LINE_MAX_LEN 4096

void
rel_config_defaults(struct rel_config *c)
{
	memset(c, 0, sizeof *c);
	c->lease_ms = REL_LEASE_DEFAULT_MS;
	c->sync_interval_ms = REL_SYNC_INTERVAL_DEFAULT_MS;
	c->log_max = REL_LOG_MAX_DEFAULT;
}

int
rel_duration_ms_parse(const char *what, const char *s, long *ms,
    struct rel_err *err)
{
	static const char *const units[] = { "d", "h", "m", "s", "ms" };
	static const long scale[] = { 86400000L, 3600000L, 60000L, 1000L, 1L };
	const long limit = 366L * 86400000L;
	const char *p = s;
	int last = -1;
	long total = 0;

	if (!*p)
		return rel_err_set(err, REL_EUSAGE, "empty %s", what);
	while (*p) {
		long v = 0;
		int ui;

		if (*p < '0' || *p > '9')
			goto bad;
		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (*p++ - '0');
			if (v > limit)
				goto big;
		}
		if (!*p)
			return rel_err_set(err, REL_EUSAGE,
			    "bad %s '%s': a number needs a unit (ms, s, m, h "
			    "or d), as in 200ms, 30s or 1m30s", what, s);
		if (p[0] == 'm' && p[1] == 's')
			ui = 4;
		else if (p[0] == 'd')
			ui = 0;
		else if (p[0] == 'h')
			ui = 1;
		else if (p[0] == 'm')
			ui = 2;
		else if (p[0] == 's')
			ui = 3;
		else
			goto bad;
		if (ui <= last)
			return rel_err_set(err, REL_EUSAGE,
			    "bad %s '%s': units must go from largest to "
			    "smallest, each once (as in 1m30s)", what, s);
		last = ui;
		if (v > limit / scale[ui])
			goto big;
		total += v * scale[ui];
		if (total > limit)
			goto big;
		p += strlen(units[ui]);
	}
	if (total == 0)
		return rel_err_set(err, REL_EUSAGE,
		    "bad %s '%s': must be longer than zero", what, s);
	*ms = total;
	return 0;
bad:
	return rel_err_set(err, REL_EUSAGE,
	    "bad %s '%s': expected a duration such as 200ms, 30s, 10m or 1h30m",
	    what, s);
big:
	return rel_err_set(err, REL_EUSAGE,
	    "bad %s '%s': longer than a year", what, s);
}

int
rel_size_parse(const char *what, const char *s, long long *bytes,
    struct rel_err *err)
{
	const long long limit = 1LL << 50;
	long long v = 0, scale = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		goto bad;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p++ - '0');
		if (v > limit)
			goto big;
	}
	switch (*p) {
	case '\0':
		break;
	case 'k': case 'K':
		scale = 1LL << 10;
		break;
	case 'M':
		scale = 1LL << 20;
		break;
	case 'G':
		scale = 1LL << 30;
		break;
	default:
		goto bad;
	}
	if (*p) {
		p++;
		if (!strcmp(p, "iB") || !strcmp(p, "B"))
			p += strlen(p);
		if (*p)
			goto bad;
	}
	if (v > limit / scale)
		goto big;
	*bytes = v * scale;
	return 0;
bad:
	return rel_err_set(err, REL_EUSAGE,
	    "bad %s '%s': expected a size such as 4096, 512k or 16MiB", what, s);
big:
	return rel_err_set(err, REL_EUSAGE, "bad %s '%s': too large", what, s);
}

/* Trim blanks at both ends, in place. */
static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Split a line into key and value; 0 for a setting, 1 for a blank or
 * comment line, -1 for something else. */
static int
split(char *line, char **key, char **val)
{
	char *eq, *k = trim(line);

	if (!*k || *k == '#')
		return 1;
	if (!(eq = strchr(k, '=')))
		return -1;
	*eq = '\0';
	*key = trim(k);
	*val = trim(eq + 1);
	return 0;
}

enum { K_REMOTE, K_LEASE, K_SYNC, K_LOGMAX, K_CONTAIN, K_N };
static const char *const keys[K_N] = {
	"remote", "lease", "sync_interval", "log_max", "contain",
};

static int
key_index(const char *k)
{
	for (int i = 0; i < K_N; i++)
		if (!strcmp(k, keys[i]))
			return i;
	return -1;
}

static int
set_value(struct rel_config *c, int k, const char *val, const char *where,
    struct rel_err *err)
{
	char what[4300];
	int rc = 0;

	snprintf(what, sizeof what, "%s: %s", where, keys[k]);
	switch (k) {
	case K_REMOTE:
		if (!*val)
			return rel_err_set(err, REL_EUSAGE, "%s is empty", what);
		if (strlen(val) >= REL_REMOTE_MAX)
			return rel_err_set(err, REL_EUSAGE, "%s is too long",
			    what);
		for (const char *p = val; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return rel_err_set(err, REL_EUSAGE,
				    "%s holds a control character", what);
		strcpy(c->remote, val);
		break;
	case K_LEASE:
		rc = rel_duration_ms_parse(what, val, &c->lease_ms, err);
		if (!rc && (c->lease_ms < REL_LEASE_MIN_MS ||
		    c->lease_ms > REL_LEASE_MAX_MS))
			rc = rel_err_set(err, REL_EUSAGE,
			    "bad %s '%s': must be from 1s to 1d", what, val);
		break;
	case K_SYNC:
		rc = rel_duration_ms_parse(what, val, &c->sync_interval_ms,
		    err);
		if (!rc && c->sync_interval_ms < REL_SYNC_INTERVAL_MIN_MS)
			rc = rel_err_set(err, REL_EUSAGE,
			    "bad %s '%s': must be at least 50ms", what, val);
		break;
	case K_LOGMAX:
		rc = rel_size_parse(what, val, &c->log_max, err);
		if (!rc && (c->log_max < REL_LOG_MAX_MIN ||
		    c->log_max > REL_LOG_MAX_MAX))
			rc = rel_err_set(err, REL_EUSAGE,
			    "bad %s '%s': must be from 4k to 1024G", what, val);
		break;
	case K_CONTAIN:
		/* How a step's processes are kept together: a cgroup of its
		 * own where the machine allows (the default), or only its
		 * process group (and what its environment says). */
		if (strcmp(val, "cgroup") && strcmp(val, "pgroup"))
			return rel_err_set(err, REL_EUSAGE, "%s '%s': want "
			    "cgroup or pgroup", what, val);
		c->contain_pgroup = !strcmp(val, "pgroup");
		break;
	}
	return rc;
}

int
rel_config_parse(const char *path, const char *data, size_t len,
    struct rel_config *c, struct rel_err *err)
{
	char line[LINE_MAX_LEN + 1], where[4200];
	int seen[K_N] = { 0 };
	size_t lineno = 0;
	const char *p = data, *end = data + len;
	int rc = 0;

	rel_config_defaults(c);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		char *key, *val;
		int k;

		lineno++;
		snprintf(where, sizeof where, "%s:%zu", path, lineno);
		if (n > LINE_MAX_LEN) {
			rc = rel_err_set(err, REL_EUSAGE, "%s: line too long",
			    where);
			break;
		}
		if (memchr(p, '\0', n)) {
			rc = rel_err_set(err, REL_EUSAGE, "%s: a NUL byte",
			    where);
			break;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (nl != NULL);
		switch (split(line, &key, &val)) {
		case 1:
			continue;
		case -1:
			rc = rel_err_set(err, REL_EUSAGE,
			    "%s: expected 'name = value' or a # comment", where);
			goto out;
		}
		if ((k = key_index(key)) < 0) {
			struct rel_buf b = REL_BUF_INIT;

			rel_buf_add_tsv(&b, key);
			rc = rel_err_set(err, REL_EUSAGE,
			    "%s: unknown setting '%s' (known: remote, lease, "
			    "sync_interval, log_max, contain)", where, b.s ? b.s : "");
			rel_buf_free(&b);
			goto out;
		}
		if (seen[k]++) {
			rc = rel_err_set(err, REL_EUSAGE,
			    "%s: '%s' is set twice", where, keys[k]);
			goto out;
		}
		if ((rc = set_value(c, k, val, where, err)) != 0)
			goto out;
	}
	if (rc == 0 && c->sync_interval_ms >= c->lease_ms)
		rc = rel_err_set(err, REL_EUSAGE,
		    "%s: sync_interval (%ldms) must be shorter than lease "
		    "(%ldms)", path, c->sync_interval_ms, c->lease_ms);
out:
	if (rc)
		rel_config_defaults(c);
	return rc;
}

int
rel_config_load(int dirfd, const char *root, struct rel_config *c,
    struct rel_err *err)
{
	struct rel_buf b = REL_BUF_INIT;
	char path[4200];
	int rc;

	rel_config_defaults(c);
	if (dirfd < 0)
		return 0;
	snprintf(path, sizeof path, "%s/%s", root, REL_CONFIG_FILE);
	rc = rel_file_read(dirfd, REL_CONFIG_FILE, path, REL_CONFIG_MAX, &b,
	    err);
	if (rc == REL_ENOTFOUND) {
		rel_buf_free(&b);
		rel_err_clear(err);
		return 0;
	}
	if (rc == 0)
		rc = rel_config_parse(path, b.s ? b.s : "", b.len, c, err);
	rel_buf_free(&b);
	return rc;
}

int
rel_config_set(int dirfd, const char *root, const char *key,
    const char *value, struct rel_err *err)
{
	struct rel_buf old = REL_BUF_INIT, out = REL_BUF_INIT;
	struct rel_config check;
	char path[4200], line[LINE_MAX_LEN + 1];
	const char *p, *end;
	int rc, exists, done = 0;

	if (key_index(key) < 0)
		return rel_err_set(err, REL_EUSAGE, "unknown setting '%s'", key);
	if (value && (strchr(value, '\n') || strlen(value) > LINE_MAX_LEN / 2))
		return rel_err_set(err, REL_EUSAGE, "bad value for %s", key);
	snprintf(path, sizeof path, "%s/%s", root, REL_CONFIG_FILE);
	rc = rel_file_read(dirfd, REL_CONFIG_FILE, path, REL_CONFIG_MAX, &old,
	    err);
	if (rc && rc != REL_ENOTFOUND)
		goto out;
	rel_err_clear(err);
	p = old.s ? old.s : "";
	end = p + old.len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		char *k, *v;

		if (n <= LINE_MAX_LEN) {
			memcpy(line, p, n);
			line[n] = '\0';
			if (split(line, &k, &v) == 0 && !strcmp(k, key)) {
				if (value && !done)
					rel_buf_addf(&out, "%s = %s\n", key,
					    value);
				done = 1;
				p += n + (nl != NULL);
				continue;
			}
		}
		rel_buf_add(&out, p, n);
		rel_buf_addc(&out, '\n');
		p += n + (nl != NULL);
	}
	if (value && !done)
		rel_buf_addf(&out, "%s = %s\n", key, value);
	if (out.oom) {
		rc = rel_err_set(err, REL_ESYS, "out of memory");
		goto out;
	}
	if ((rc = rel_config_parse(path, out.s ? out.s : "", out.len, &check,
	    err)) != 0)
		goto out;
	rc = rel_file_write_atomic(dirfd, REL_CONFIG_FILE, out.s ? out.s : "",
	    out.len, 0, &exists, path, err);
out:
	rel_buf_free(&old);
	rel_buf_free(&out);
	return rc;
}
