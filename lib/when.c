/*
 * when.c - clocks, ISO 8601 times and flow durations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "when.h"

int64_t
rel_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
rel_clock_ms(void)
{
	const char *s = getenv("REL_NOW");
	int64_t ms;

	/* A testing aid (rel(7)): a fixed "now" for the freeze windows. */
	if (s && *s && rel_iso_parse(s, 0, &ms) == 0)
		return ms;
	return rel_now_ms();
}

int64_t
rel_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), after H. Hinnant. */
int64_t
rel_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* y-m-d of the day z days after 1970-01-01, the inverse of
 * days_from_civil (after H. Hinnant). */
void
rel_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Write v as n digits ending just before end. */
static void
put_digits(char *end, int n, int64_t v)
{
	while (n-- > 0) {
		*--end = (char)('0' + v % 10);
		v /= 10;
	}
}

void
rel_time_format(int64_t ms, int with_ms, char buf[REL_TIME_MAX])
{
	int64_t secs, sod, y;
	int m, d;

	/* No gmtime and no printf: listings format a time per line. */
	if (ms < 0 || ms >= REL_TIME_END) {
		strcpy(buf, "-");
		return;
	}
	secs = ms / 1000;
	sod = secs % 86400;
	rel_civil_from_days(secs / 86400, &y, &m, &d);
	memcpy(buf, "0000-00-00T00:00:00.000Z", 25);
	put_digits(buf + 4, 4, y);
	put_digits(buf + 7, 2, m);
	put_digits(buf + 10, 2, d);
	put_digits(buf + 13, 2, sod / 3600);
	put_digits(buf + 16, 2, sod / 60 % 60);
	put_digits(buf + 19, 2, sod % 60);
	if (with_ms) {
		put_digits(buf + 23, 3, ms % 1000);
	} else {
		buf[19] = 'Z';
		buf[20] = '\0';
	}
}

static int
digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int
rel_time_parse(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, se, frac = 0;
	size_t len = strlen(s);

	if (len != 20 && len != 24)
		return -1;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) || s[10] != 'T' ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	    s[16] != ':' || digits(s + 17, 2, &se))
		return -1;
	if (len == 24) {
		if (s[19] != '.' || digits(s + 20, 3, &frac) || s[23] != 'Z')
			return -1;
	} else if (s[19] != 'Z') {
		return -1;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	*ms = ((rel_days_from_civil(y, (unsigned)mo, (unsigned)d) * 24 + h) * 60 +
	    mi) * 60000 + (int64_t)se * 1000 + frac;
	return 0;
}

int
rel_iso_split(const char *s, struct rel_iso *t)
{
	size_t len = strlen(s), i;
	int oh, om;

	memset(t, 0, sizeof *t);
	if (len < 10 || digits(s, 4, &t->y) || s[4] != '-' ||
	    digits(s + 5, 2, &t->mo) || s[7] != '-' || digits(s + 8, 2, &t->d))
		return -1;
	i = 10;
	if (s[i] == 'T' || s[i] == 't' || s[i] == ' ') {
		if (len < i + 6 || digits(s + i + 1, 2, &t->h) ||
		    s[i + 3] != ':' || digits(s + i + 4, 2, &t->mi))
			return -1;
		t->has_time = 1;
		i += 6;
		if (s[i] == ':') {
			if (digits(s + i + 1, 2, &t->s))
				return -1;
			i += 3;
			if (s[i] == '.' || s[i] == ',') {
				/* Fractions of a second: read, not kept. */
				for (i++; s[i] >= '0' && s[i] <= '9'; i++)
					;
			}
		}
		if (s[i] == 'Z' || s[i] == 'z') {
			t->has_off = 1;
			i++;
		} else if (s[i] == '+' || s[i] == '-') {
			int sign = s[i] == '-' ? -1 : 1;

			om = 0;
			if (digits(s + i + 1, 2, &oh))
				return -1;
			if (s[i + 3] == ':' && !digits(s + i + 4, 2, &om))
				i += 6;
			else if (s[i + 3] >= '0' && !digits(s + i + 3, 2, &om))
				i += 5;
			else
				i += 3;
			if (oh > 23 || om > 59)
				return -1;
			t->has_off = 1;
			t->off = sign * (oh * 3600 + om * 60);
		}
	}
	if (s[i] != '\0')
		return -1;
	if (t->mo < 1 || t->mo > 12 || t->d < 1 ||
	    t->d > rel_month_days(t->y, t->mo) || t->h > 23 || t->mi > 59 ||
	    t->s > 59)
		return -1;
	return 0;
}

int64_t
rel_floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int
rel_month_days(int y, int m)
{
	static const int n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return m >= 1 && m <= 12 ? n[m - 1] : 0;
}

int64_t
rel_iso_local(const struct rel_iso *t)
{
	return ((rel_days_from_civil(t->y, (unsigned)t->mo, (unsigned)t->d) *
	    24 + t->h) * 60 + t->mi) * 60 + t->s;
}

int
rel_iso_parse(const char *s, int end_of_day, int64_t *ms)
{
	struct rel_iso t;
	int64_t secs;

	if (rel_iso_split(s, &t) != 0)
		return -1;
	secs = rel_iso_local(&t) - t.off;
	if (!t.has_time && end_of_day)
		secs += 86400;
	*ms = secs * 1000;
	return 0;
}

int
rel_duration_parse(const char *what, const char *s, long *secs,
    struct rel_err *err)
{
	static const char units[] = "dhms";
	static const long scale[] = { 86400, 3600, 60, 1 };
	const char *p = s;
	int last = -1;
	long total = 0;

	if (!*p)
		return rel_err_set(err, REL_EUSAGE, "empty %s", what);
	while (*p) {
		long v = 0;
		const char *u;
		int ui;

		if (*p < '0' || *p > '9')
			goto bad;
		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (*p++ - '0');
			if (v > REL_DURATION_LIMIT)
				goto big;
		}
		if (!*p)
			return rel_err_set(err, REL_EUSAGE,
			    "bad %s '%s': a number needs a unit (s, m, h or d), "
			    "as in 30s, 10m, 2h, 1d or 1h30m", what, s);
		u = strchr(units, *p);
		if (!u || !*u)
			goto bad;
		ui = (int)(u - units);
		if (ui <= last)
			return rel_err_set(err, REL_EUSAGE,
			    "bad %s '%s': units must go from largest to "
			    "smallest, each once (as in 1h30m)", what, s);
		last = ui;
		total += v * scale[ui];
		if (total > REL_DURATION_LIMIT)
			goto big;
		p++;
	}
	if (total == 0)
		return rel_err_set(err, REL_EUSAGE,
		    "bad %s '%s': must be longer than zero", what, s);
	*secs = total;
	return 0;
bad:
	return rel_err_set(err, REL_EUSAGE,
	    "bad %s '%s': expected a duration such as 30s, 10m, 2h, 1d or 1h30m",
	    what, s);
big:
	return rel_err_set(err, REL_EUSAGE,
	    "bad %s '%s': longer than a year (366d at most)", what, s);
}

void
rel_duration_format(long secs, char *buf, size_t n)
{
	static const char units[] = "dhms";
	static const long scale[] = { 86400, 3600, 60, 1 };
	size_t off = 0;

	if (secs <= 0) {
		snprintf(buf, n, "0s");
		return;
	}
	buf[0] = '\0';
	for (int i = 0; i < 4 && off < n; i++) {
		long v = secs / scale[i];

		if (v) {
			int w = snprintf(buf + off, n - off, "%ld%c", v, units[i]);
			if (w < 0)
				break;
			off += (size_t)w;
		}
		secs %= scale[i];
	}
}

void
rel_elapsed_format(int64_t ms, char *buf, size_t n)
{
	long s;

	if (ms < 0)
		ms = 0;
	if (ms < 10000) {
		snprintf(buf, n, "%ld.%lds", (long)(ms / 1000), (long)(ms % 1000 / 100));
		return;
	}
	s = (long)(ms / 1000);
	if (s < 60)
		snprintf(buf, n, "%lds", s);
	else if (s < 3600)
		snprintf(buf, n, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(buf, n, "%ldh%02ldm", s / 3600, s % 3600 / 60);
}
