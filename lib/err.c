/*
 * err.c - error messages that name what is at fault.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

/* Put the formatted message s in err->msg with its control bytes (C0,
 * DEL, and C1 as UTF-8) written \xHH: a message quotes what it refuses (a
 * path, a YAML value, an argument), and a hostile one must neither reach
 * a terminal as an escape sequence nor break the one-line form of an
 * error.  What is escaped already is printable, so this is idempotent. */
static void
set_msg(struct rel_err *err, const char *s)
{
	size_t j = 0, room = sizeof err->msg;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int c1 = c == 0xc2 && (unsigned char)s[1] >= 0x80 &&
		    (unsigned char)s[1] <= 0x9f;

		if (c >= 0x20 && c != 0x7f && !c1) {
			if (j + 1 >= room)
				break;
			err->msg[j++] = (char)c;
			continue;
		}
		if (j + (c1 ? 8 : 4) >= room)
			break;
		j += (size_t)snprintf(err->msg + j, room - j, "\\x%02x", c);
		if (c1)
			j += (size_t)snprintf(err->msg + j, room - j, "\\x%02x",
			    (unsigned char)*++s);
	}
	err->msg[j] = '\0';
}

int
rel_err_setv(struct rel_err *err, int code, const char *fmt, va_list ap)
{
	char buf[REL_ERR_MAX];

	if (err) {
		err->code = code;
		vsnprintf(buf, sizeof buf, fmt, ap);
		set_msg(err, buf);
	}
	return code;
}

int
rel_err_set(struct rel_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rel_err_setv(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int
rel_err_errno(struct rel_err *err, const char *fmt, ...)
{
	int saved = errno;
	int code = saved == ENOENT ? REL_ENOTFOUND : REL_ESYS;
	char buf[REL_ERR_MAX];
	va_list ap;
	size_t n;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	n = strlen(buf);
	snprintf(buf + n, sizeof buf - n, ": %s", strerror(saved));
	set_msg(err, buf);
	errno = saved;
	return code;
}

void
rel_err_prefix(struct rel_err *err, const char *fmt, ...)
{
	char buf[REL_ERR_MAX];
	size_t n, m;
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	n = strlen(buf);
	if (n + 2 < sizeof buf) {
		buf[n++] = ':';
		buf[n++] = ' ';
		m = strnlen(err->msg, sizeof err->msg);
		if (m > sizeof buf - 1 - n)
			m = sizeof buf - 1 - n;
		memcpy(buf + n, err->msg, m);
		buf[n + m] = '\0';
	}
	set_msg(err, buf);
}

void
rel_err_clear(struct rel_err *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
