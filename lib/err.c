/*
 * err.c - error messages that name what is at fault.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int
rel_err_setv(struct rel_err *err, int code, const char *fmt, va_list ap)
{
	if (err) {
		err->code = code;
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
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
	va_list ap;
	size_t n;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(saved));
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
	memcpy(err->msg, buf, sizeof buf);
}

void
rel_err_clear(struct rel_err *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
