/*
 * name.c - checks for names, release ids and free text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "utf8.h"

static int
alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* Describe s for a message: quoted, shortened, with no control bytes. */
static const char *
show(const char *s, char *buf, size_t n)
{
	size_t i, j = 0;

	for (i = 0; s[i] && j + 5 < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i >= 40) {
			memcpy(buf + j, "...", 3);
			j += 3;
			break;
		}
		if (c < 0x20 || c == 0x7f)
			j += (size_t)snprintf(buf + j, n - j, "\\x%02x", c);
		else
			buf[j++] = (char)c;
	}
	buf[j] = '\0';
	return buf;
}

int
rel_name_ok(const char *s)
{
	size_t i;

	if (!s || !alnum((unsigned char)s[0]))
		return 0;
	for (i = 1; s[i]; i++) {
		int c = (unsigned char)s[i];

		if (!alnum(c) && c != '.' && c != '_' && c != '-')
			return 0;
		if (i >= REL_NAME_MAX)
			return 0;
	}
	return 1;
}

int
rel_name_check(const char *what, const char *s, struct rel_err *err)
{
	char b[64];
	size_t i, len;

	if (!s || !*s)
		return rel_err_set(err, REL_EUSAGE, "empty %s name", what);
	len = strlen(s);
	if (len > REL_NAME_MAX)
		return rel_err_set(err, REL_EUSAGE,
		    "%s name '%s' is too long (%zu bytes, at most %d)",
		    what, show(s, b, sizeof b), len, REL_NAME_MAX);
	if (!alnum((unsigned char)s[0]))
		return rel_err_set(err, REL_EUSAGE,
		    "bad %s name '%s': must start with a letter or digit",
		    what, show(s, b, sizeof b));
	for (i = 1; i < len; i++) {
		int c = (unsigned char)s[i];

		if (!alnum(c) && c != '.' && c != '_' && c != '-')
			return rel_err_set(err, REL_EUSAGE,
			    "bad %s name '%s': character %zu is not a letter, "
			    "digit, '.', '_' or '-'", what,
			    show(s, b, sizeof b), i + 1);
	}
	return 0;
}

int
rel_id_like(const char *s)
{
	const char *dash = s ? strrchr(s, '-') : NULL;

	return dash && dash[1] &&
	    strspn(dash + 1, "0123456789") == strlen(dash + 1);
}

int
rel_product_check(const char *s, struct rel_err *err)
{
	int rc;

	if ((rc = rel_name_check("product", s, err)) != 0)
		return rc;
	if (rel_id_like(s) || s[strlen(s) - 1] == '-')
		return rel_err_set(err, REL_EUSAGE,
		    "bad product name '%s': it must not end in '-', nor in "
		    "'-' and digits, which would read as a release id", s);
	return 0;
}

int
rel_id_parse(const char *id, char product[REL_NAME_MAX + 1],
    unsigned long *n, struct rel_err *err)
{
	char b[64], name[REL_NAME_MAX + 2];
	const char *dash = id ? strrchr(id, '-') : NULL;
	struct rel_err why = { 0, "" };
	size_t plen;
	unsigned long v = 0;
	const char *p;

	if (!dash || dash == id || !dash[1])
		goto bad;
	for (p = dash + 1; *p; p++) {
		if (*p < '0' || *p > '9' || p - dash > 12)
			goto bad;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (dash[1] == '0' || v == 0)
		goto bad;
	/* A product that is no product name: say what is wrong with it. */
	plen = (size_t)(dash - id);
	if (plen > REL_NAME_MAX) {
		rel_err_set(&why, REL_EUSAGE, "product name is too long "
		    "(%zu bytes, at most %d)", plen, REL_NAME_MAX);
		goto bad;
	}
	memcpy(name, id, plen);
	name[plen] = '\0';
	if (rel_product_check(name, &why) != 0)
		goto bad;
	memcpy(product, name, plen + 1);
	*n = v;
	return 0;
bad:
	if (why.code)
		return rel_err_set(err, REL_EUSAGE, "bad release id '%s': %s",
		    show(id, b, sizeof b), why.msg);
	return rel_err_set(err, REL_EUSAGE,
	    "bad release id '%s': expected PRODUCT-N, such as web-42",
	    id ? show(id, b, sizeof b) : "");
}

int
rel_id_ok(const char *s)
{
	char product[REL_NAME_MAX + 1];
	unsigned long n;

	return rel_id_parse(s, product, &n, NULL) == 0;
}

int
rel_text_check(const char *what, const char *s, size_t max, int allow_empty,
    struct rel_err *err)
{
	size_t i, len = s ? strlen(s) : 0;

	if (len == 0) {
		if (allow_empty)
			return 0;
		return rel_err_set(err, REL_EUSAGE, "empty %s", what);
	}
	if (len > max)
		return rel_err_set(err, REL_EUSAGE,
		    "%s is too long (%zu bytes, at most %zu)", what, len, max);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n' || c == '\r')
			return rel_err_set(err, REL_EUSAGE,
			    "%s must be one line (newline at byte %zu)",
			    what, i + 1);
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return rel_err_set(err, REL_EUSAGE,
			    "%s holds a control character (0x%02x at byte %zu)",
			    what, c, i + 1);
		/* U+0080..U+009F (C2 80..C2 9F) are control characters
		 * too: a terminal may take U+009B as CSI, U+0085 as a new
		 * line.  0xc2 is never a continuation byte. */
		if (c == 0xc2 && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f)
			return rel_err_set(err, REL_EUSAGE,
			    "%s holds a control character (U+%04X at byte %zu)",
			    what, (unsigned)(unsigned char)s[i + 1], i + 1);
	}
	if (!rel_utf8_ok(s))
		return rel_err_set(err, REL_EUSAGE, "%s is not valid UTF-8",
		    what);
	return 0;
}
