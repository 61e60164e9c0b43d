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
	char prefix[REL_ERR_MAX], old[REL_ERR_MAX];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
}

void
rel_err_clear(struct rel_err *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
