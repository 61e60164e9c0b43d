/*
 * err.h - error reporting for the rel library.
 *
 * Every library function that can fail returns an int: 0 on success, or
 * one of the REL_E* codes below, and fills a struct rel_err with a
 * message that names the file, line or argument at fault.  The codes are
 * the commands' exit statuses, so a command maps an error to its exit
 * status by returning err.code.  The library never prints and never exits.
 * A message is one printable line: control bytes in what it quotes (a
 * path, a value from a flow, an argument) are written \xHH.
 */
#ifndef REL_ERR_H
#define REL_ERR_H

#include <stdarg.h>

enum {
	REL_OK = 0,
	REL_EFAILED = 1,   /* the release failed or was terminated */
	REL_EUSAGE = 2,    /* bad usage or bad input */
	REL_ENOTFOUND = 3, /* no such product, release, environment... */
	REL_EBUSY = 4,     /* a lock could not be had in time */
	REL_ESYS = 5,      /* the system failed us: I/O, no space, corrupt store */
};

#define REL_ERR_MAX 1024

struct rel_err {
	int code;
	char msg[REL_ERR_MAX];
};

/* Set err (if not NULL) and return code.  The message is lower case,
 * with no full stop, in the style "what failed: why". */
int rel_err_set(struct rel_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int rel_err_setv(struct rel_err *err, int code, const char *fmt, va_list ap);

/* Set err from errno: "<what>: <strerror(errno)>"; ENOENT maps to
 * REL_ENOTFOUND, ENOSPC/EIO and the rest to REL_ESYS. */
int rel_err_errno(struct rel_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefix the message already in err with "<prefix>: ". */
void rel_err_prefix(struct rel_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Clear err to "no error". */
void rel_err_clear(struct rel_err *err);

#endif
