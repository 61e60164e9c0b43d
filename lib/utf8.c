/*
 * utf8.c - see utf8.h.
 */
#include <string.h>

#include "utf8.h"

size_t
rel_utf8_decode(const char *s, size_t len, unsigned long *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long c, min;
	size_t n;

	if (len == 0)
		return 0;
	c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 2; min = 0x80; c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3; min = 0x800; c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4; min = 0x10000; c &= 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

int
rel_utf8_ok(const char *s)
{
	size_t len = strlen(s), n;
	unsigned long cp;

	for (; len > 0; s += n, len -= n)
		if ((unsigned char)*s < 0x80)
			n = 1;
		else if ((n = rel_utf8_decode(s, len, &cp)) == 0)
			return 0;
	return 1;
}
