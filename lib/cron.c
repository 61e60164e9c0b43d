/*
 * cron.c - cron schedules (see cron.h): parsed into bit sets, so that a
 * match is a few mask tests.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cron.h"

static const char *const fname[] = { "minute", "hour", "day of month",
	"month", "day of week" };
static const int lo_of[] = { 0, 0, 1, 1, 0 };
static const int hi_of[] = { 59, 23, 31, 12, 7 };
static const char *const months[] = { "jan", "feb", "mar", "apr", "may",
	"jun", "jul", "aug", "sep", "oct", "nov", "dec" };
static const char *const wdays[] = { "sun", "mon", "tue", "wed", "thu",
	"fri", "sat" };

/* A number or a name at *p; -1 if neither. */
static int
value(int f, const char **p)
{
	const char *s = *p;
	int v = 0, nd = 0;

	if (s[0] >= '0' && s[0] <= '9') {
		for (; *s >= '0' && *s <= '9' && nd < 3; s++, nd++)
			v = v * 10 + (*s - '0');
		*p = s;
		return v;
	}
	if (f == 3 || f == 4) {
		const char *const *names = f == 3 ? months : wdays;
		int n = f == 3 ? 12 : 7;

		for (int i = 0; i < n; i++)
			if (!strncasecmp(s, names[i], 3)) {
				*p = s + 3;
				return i + (f == 3);
			}
	}
	return -1;
}

static int
field(int f, const char *s, uint64_t *bits, int *star, struct rel_err *err,
    const char *all)
{
	const char *p = s;

	*bits = 0;
	*star = *s == '*';
	for (;;) {
		int a, b, step = 1, single = 0;

		if (*p == '*') {
			a = lo_of[f];
			b = hi_of[f];
			p++;
		} else {
			if ((a = value(f, &p)) < 0)
				goto bad;
			b = a;
			single = *p != '-';
			if (*p == '-') {
				p++;
				if ((b = value(f, &p)) < 0)
					goto bad;
			}
			if (a < lo_of[f] || b > hi_of[f] || a > b)
				return rel_err_set(err, REL_EUSAGE, "schedule "
				    "'%s': %s: %d-%d is out of range (%d-%d)",
				    all, fname[f], a, b, lo_of[f], hi_of[f]);
		}
		if (*p == '/') {
			p++;
			if (*p < '1' || *p > '9' || (step = value(0, &p)) < 1 ||
			    step > hi_of[f])
				goto bad;
			if (single)
				b = hi_of[f]; /* a/n: from a on */
		}
		for (int v = a; v <= b; v += step)
			*bits |= (uint64_t)1 << (f == 4 && v == 7 ? 0 : v);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\0')
			return 0;
		goto bad;
	}
bad:
	return rel_err_set(err, REL_EUSAGE, "schedule '%s': bad %s field '%s' "
	    "(want *, a value, a-b, a list of them, each with /step if you "
	    "like)", all, fname[f], s);
}

int
rel_cron_parse(const char *s, struct rel_cron *c, struct rel_err *err)
{
	char buf[256], *f[6], *save = NULL;
	uint64_t bits[5];
	int star[5], n = 0;

	memset(c, 0, sizeof *c);
	if (strlen(s) >= sizeof buf)
		return rel_err_set(err, REL_EUSAGE, "schedule is too long");
	strcpy(buf, s);
	for (char *t = strtok_r(buf, " \t", &save); t && n < 6;
	    t = strtok_r(NULL, " \t", &save))
		f[n++] = t;
	if (n != 5)
		return rel_err_set(err, REL_EUSAGE, "schedule '%s': want 5 "
		    "fields (minute hour day-of-month month day-of-week), "
		    "not %d", s, n);
	for (int i = 0; i < 5; i++)
		if (field(i, f[i], &bits[i], &star[i], err, s) != 0)
			return REL_EUSAGE;
	c->minutes = bits[0];
	c->hours = (uint32_t)bits[1];
	c->mdays = (uint32_t)bits[2];
	c->months = (uint16_t)bits[3];
	c->wdays = (uint8_t)bits[4];
	c->mday_star = star[2];
	c->wday_star = star[4];
	return 0;
}

int
rel_cron_day(const struct rel_cron *c, int m, int d, int wd)
{
	int md = (c->mdays >> d) & 1, w = (c->wdays >> wd) & 1;

	if (!((c->months >> m) & 1))
		return 0;
	if (!c->mday_star && !c->wday_star)
		return md || w;
	return md && w;
}
