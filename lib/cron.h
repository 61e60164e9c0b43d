/*
 * cron.h - 5-field cron schedules, as crontab(5) writes them:
 *
 *   minute hour day-of-month month day-of-week
 *
 * each a list of items, an item `*`, a value or a range a-b, optionally
 * with a step (/n); months and weekdays also by name (jan, mon); day of
 * week 0 or 7 is Sunday.  When both day fields are restricted (neither
 * starts with `*`) a day matches if either matches, as cron does; else
 * both must.
 */
#ifndef REL_CRON_H
#define REL_CRON_H

#include <stdint.h>

#include "err.h"

struct rel_cron {
	uint64_t minutes;          /* bit 0-59 */
	uint32_t hours;            /* bit 0-23 */
	uint32_t mdays;            /* bit 1-31 */
	uint16_t months;           /* bit 1-12 */
	uint8_t wdays;             /* bit 0-6, 0 Sunday */
	int mday_star, wday_star;  /* the field starts with '*' */
};

/* Parse s.  REL_EUSAGE naming the field at fault. */
int rel_cron_parse(const char *s, struct rel_cron *c, struct rel_err *err);

/* Does the day y-m-d (wd its weekday, 0 Sunday) match? */
int rel_cron_day(const struct rel_cron *c, int m, int d, int wd);

#endif
