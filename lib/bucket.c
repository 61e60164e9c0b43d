/*
 * bucket.c - product paths <-> branch paths (see bucket.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bucket.h"
#include "name.h"

/* A log file's name: STEP.ATTEMPT.log.gz or STEP@COMPONENT.ATTEMPT.log.gz
 * (letters, digits, . _ - @), never a temporary or REL_OUTPUT file. */
static int
log_name_ok(const char *s)
{
	size_t len = strlen(s);

	if (len < 8 || len > 200 || s[0] == '.' ||
	    strcmp(s + len - 7, ".log.gz"))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
		    *s == '-' || *s == '@'))
			return 0;
	return 1;
}

/* "PRODUCT-N" of this product: N, else 0. */
static unsigned long
release_number(const char *product, const char *s, size_t len)
{
	size_t plen = strlen(product);
	unsigned long n = 0;

	if (len <= plen + 1 || strncmp(s, product, plen) || s[plen] != '-' ||
	    s[plen + 1] < '1' || s[plen + 1] > '9' || len - plen - 1 > 15)
		return 0;
	for (size_t i = plen + 1; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		n = n * 10 + (unsigned long)(s[i] - '0');
	}
	return n;
}

static int
put(size_t size, int w)
{
	return w < 0 || (size_t)w >= size ? -1 : 0;
}

int
rel_bucket_to_git(const char *product, const char *path, char *out,
    size_t size, enum rel_file_kind *kind, unsigned long *np)
{
	const char *rest, *slash;
	unsigned long n = 0;
	enum rel_file_kind k;
	int rc;

	if (!strncmp(path, "releases/", 9)) {
		rest = path + 9;
		if (!(n = release_number(product, rest, strlen(rest))))
			return -1;
		k = REL_FILE_RECORD;
		rc = put(size, snprintf(out, size, "releases/%lu/%02lu/%s",
		    n / 10000, n / 100 % 100, rest));
	} else if (!strncmp(path, "logs/", 5)) {
		const char *env, *file;
		char envname[REL_NAME_MAX + 2];

		rest = path + 5;
		if (!(slash = strchr(rest, '/')) ||
		    !(n = release_number(product, rest, (size_t)(slash - rest))))
			return -1;
		env = slash + 1;
		if (!(slash = strchr(env, '/')) ||
		    (size_t)(slash - env) > REL_NAME_MAX)
			return -1;
		memcpy(envname, env, (size_t)(slash - env));
		envname[slash - env] = '\0';
		file = slash + 1;
		if (!rel_name_ok(envname) || !log_name_ok(file))
			return -1;
		k = REL_FILE_LOG;
		rc = put(size, snprintf(out, size, "logs/%lu/%02lu/%s",
		    n / 10000, n / 100 % 100, rest));
	} else if (!strncmp(path, "envs/", 5)) {
		if (!rel_name_ok(path + 5))
			return -1;
		k = REL_FILE_ENV;
		rc = put(size, snprintf(out, size, "%s", path));
	} else if (!strncmp(path, "flows/", 6)) {
		const char *h = path + 6;

		if (strlen(h) != 64 + 5 || strcmp(h + 64, ".yaml") ||
		    strspn(h, "0123456789abcdef") != 64)
			return -1;
		k = REL_FILE_FLOW;
		rc = put(size, snprintf(out, size, "%s", path));
	} else {
		return -1;
	}
	if (rc == 0) {
		if (kind)
			*kind = k;
		if (np)
			*np = n;
	}
	return rc;
}

/* "B/BB/" at the start of s, for release n: the length, else 0. */
static size_t
bucket_prefix(const char *s, unsigned long *b1, unsigned long *b2)
{
	char *end;

	if (s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1] != '/'))
		return 0;
	*b1 = strtoul(s, &end, 10);
	if (*end != '/' || end - s > 12 || end[1] < '0' || end[1] > '9' ||
	    end[2] < '0' || end[2] > '9' || end[3] != '/')
		return 0;
	*b2 = (unsigned long)((end[1] - '0') * 10 + (end[2] - '0'));
	return (size_t)(end + 4 - s);
}

int
rel_bucket_from_git(const char *product, const char *gitpath, char *out,
    size_t size, enum rel_file_kind *kind, unsigned long *np)
{
	char back[REL_GITPATH_MAX];
	const char *rest;
	unsigned long b1, b2;
	size_t len;
	int w;

	if (!strncmp(gitpath, "releases/", 9) || !strncmp(gitpath, "logs/", 5)) {
		size_t top = gitpath[0] == 'r' ? 9 : 5;

		if (!(len = bucket_prefix(gitpath + top, &b1, &b2)))
			return -1;
		rest = gitpath + top + len;
		w = snprintf(out, size, "%.*s%s", (int)top, gitpath, rest);
	} else if (!strncmp(gitpath, "envs/", 5) ||
	    !strncmp(gitpath, "flows/", 6)) {
		w = snprintf(out, size, "%s", gitpath);
	} else {
		return -1;
	}
	if (put(size, w))
		return -1;
	/* Whatever maps back must map forth to the same place: a file in
	 * the wrong bucket is not one rel wrote. */
	if (rel_bucket_to_git(product, out, back, sizeof back, kind, np) ||
	    strcmp(back, gitpath))
		return -1;
	return 0;
}
