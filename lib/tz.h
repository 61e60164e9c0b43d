/*
 * tz.h - named time zones, read from the system's zoneinfo (TZif files,
 * RFC 8536) without touching the process's TZ: setenv/tzset is process
 * state, which the library does not have.
 *
 * A zone is its table of transitions (version 2+ 64-bit data) and, for
 * times after the last one, the rule of the footer's POSIX TZ string
 * ("CET-1CEST,M3.5.0,M10.5.0/3").  Zones with leap seconds ("right/")
 * are refused: their times are not POSIX times.
 *
 * Local times are "local seconds": the wall-clock reading as if it were
 * UTC seconds since the epoch.  Turning one into an instant has three
 * cases, all decided here: one instant; two (the hour repeated when the
 * clocks go back: the first is taken); none (the hour skipped when they
 * go forward: the instant the clocks jump is taken).
 */
#ifndef REL_TZ_H
#define REL_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define REL_TZ_NAME_MAX 64
#define REL_TZ_FILE_MAX (256 * 1024)

struct rel_tz;

/* Load zone `name` (Area/City, UTC...) from $TZDIR, else
 * /usr/share/zoneinfo.  A name that is not a zone (bad characters, "..",
 * no such file, not a TZif file) is REL_EUSAGE saying so. */
int rel_tz_load(const char *name, struct rel_tz **out, struct rel_err *err);
/* Parse the bytes of a TZif file (name for messages). */
int rel_tz_parse(const char *name, const unsigned char *data, size_t len,
    struct rel_tz **out, struct rel_err *err);
void rel_tz_free(struct rel_tz *tz);
const char *rel_tz_name(const struct rel_tz *tz);

/* Seconds east of UTC in effect at instant t (seconds since the
 * epoch). */
long rel_tz_offset(const struct rel_tz *tz, int64_t t);

/* The instant of local seconds `local` (see above for the hour that
 * is repeated or skipped).  *kind (if not NULL): 1 one instant, 2 the
 * repeated hour, 0 the skipped hour. */
int64_t rel_tz_instant(const struct rel_tz *tz, int64_t local, int *kind);

#endif
