/*
 * tz.c - TZif files and POSIX TZ strings (see tz.h).
 *
 * The file is read whole (it is small), checked against its own counts,
 * and only the version 2+ block is used: 64-bit transition times, the
 * type of each, and each type's offset.  The footer's TZ string is
 * parsed once into a rule; times past the table are computed from it
 * year by year.  Nothing here reads the environment but $TZDIR.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tz.h"
#include "when.h"

/* A day of the year in a TZ string rule, and the local time of day the
 * change happens at (seconds; RFC 8536 allows -167h to 167h). */
struct tzday {
	char kind;                 /* 'J' Julian 1-365, 'N' 0-365, 'M' */
	int n;                     /* J, N: the day */
	int m, w, d;               /* M: month, week (5: last), weekday */
	long time;
};

struct rel_tz {
	char name[REL_TZ_NAME_MAX + 1];
	size_t n;                  /* transitions */
	int64_t *at;               /* [n] instants, ascending */
	long *off;                 /* [n] the offset from at[i] on */
	long off0;                 /* before the first transition */
	int rule;                  /* the footer gives a rule */
	long std, dst;             /* offsets east of UTC */
	int has_dst;
	struct tzday start, end;
};

static int
bad(struct rel_err *err, const char *name, const char *what)
{
	return rel_err_set(err, REL_EUSAGE, "time zone '%s': %s", name, what);
}

static int64_t
be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	if (n == 4)
		return (int32_t)(uint32_t)v;
	return (int64_t)v;
}

/* --- POSIX TZ strings ------------------------------------------------ */

/* [+-]hh[:mm[:ss]] into *v (seconds); max hours allowed. */
static const char *
hms(const char *s, long maxh, long *v)
{
	long sign = 1, h = 0, m = 0, sec = 0;
	int nd = 0;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	for (; *s >= '0' && *s <= '9' && nd < 3; s++, nd++)
		h = h * 10 + (*s - '0');
	if (!nd || h > maxh)
		return NULL;
	if (*s == ':') {
		if (s[1] < '0' || s[1] > '5' || s[2] < '0' || s[2] > '9')
			return NULL;
		m = (s[1] - '0') * 10 + (s[2] - '0');
		s += 3;
		if (*s == ':') {
			if (s[1] < '0' || s[1] > '5' || s[2] < '0' ||
			    s[2] > '9')
				return NULL;
			sec = (s[1] - '0') * 10 + (s[2] - '0');
			s += 3;
		}
	}
	*v = sign * (h * 3600 + m * 60 + sec);
	return s;
}

/* A zone abbreviation: 3+ letters, or <...> of letters, digits, + -. */
static const char *
abbr(const char *s)
{
	const char *p = s;

	if (*p == '<') {
		for (p++; *p && *p != '>'; p++)
			if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' &&
			    *p <= 'z') || (*p >= '0' && *p <= '9') ||
			    *p == '+' || *p == '-'))
				return NULL;
		return *p == '>' && p - s >= 4 ? p + 1 : NULL;
	}
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	return p - s >= 3 ? p : NULL;
}

static int
num(const char **s, int lo, int hi, int *v)
{
	int n = 0, nd = 0;

	while (**s >= '0' && **s <= '9' && nd < 4) {
		n = n * 10 + (**s - '0');
		(*s)++;
		nd++;
	}
	if (!nd || n < lo || n > hi)
		return -1;
	*v = n;
	return 0;
}

static const char *
dayrule(const char *s, struct tzday *d)
{
	memset(d, 0, sizeof *d);
	d->time = 7200;
	if (*s == 'M') {
		d->kind = 'M';
		s++;
		if (num(&s, 1, 12, &d->m) || *s++ != '.' ||
		    num(&s, 1, 5, &d->w) || *s++ != '.' ||
		    num(&s, 0, 6, &d->d))
			return NULL;
	} else if (*s == 'J') {
		d->kind = 'J';
		s++;
		if (num(&s, 1, 365, &d->n))
			return NULL;
	} else {
		d->kind = 'N';
		if (num(&s, 0, 365, &d->n))
			return NULL;
	}
	if (*s == '/' && !(s = hms(s + 1, 167, &d->time)))
		return NULL;
	return s;
}

static int
tzstring(struct rel_tz *tz, const char *s)
{
	long v;

	if (!(s = abbr(s)) || !(s = hms(s, 24, &v)))
		return -1;
	tz->std = -v; /* POSIX offsets are west of UTC */
	tz->rule = 1;
	if (!*s)
		return 0;
	if (!(s = abbr(s)))
		return -1;
	tz->has_dst = 1;
	tz->dst = tz->std + 3600;
	if (*s && *s != ',') {
		if (!(s = hms(s, 24, &v)))
			return -1;
		tz->dst = -v;
	}
	if (!*s) {
		/* No rule: POSIX leaves it to the implementation; the
		 * United States' is the usual choice. */
		tz->start = (struct tzday){ 'M', 0, 3, 2, 0, 7200 };
		tz->end = (struct tzday){ 'M', 0, 11, 1, 0, 7200 };
		return 0;
	}
	if (*s++ != ',' || !(s = dayrule(s, &tz->start)) || *s++ != ',' ||
	    !(s = dayrule(s, &tz->end)) || *s)
		return -1;
	return 0;
}

/* Local seconds (of the offset in force before it) of the change `d`
 * in year y. */
static int64_t
change_local(const struct tzday *d, int64_t y)
{
	int leap = rel_month_days((int)y, 2) == 29;
	int64_t day;

	if (d->kind == 'J')
		day = rel_days_from_civil(y, 1, 1) + d->n - 1 +
		    (leap && d->n >= 60);
	else if (d->kind == 'N')
		day = rel_days_from_civil(y, 1, 1) + d->n;
	else {
		int64_t first = rel_days_from_civil(y, (unsigned)d->m, 1);
		int wd = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01: Thu */
		int md = 1 + (d->d - wd + 7) % 7 + (d->w - 1) * 7;

		while (md > rel_month_days((int)y, d->m))
			md -= 7;
		day = first + md - 1;
	}
	return day * 86400 + d->time;
}

static long
rule_offset(const struct rel_tz *tz, int64_t t)
{
	int64_t y, start, end;
	int m, d;

	if (!tz->has_dst)
		return tz->std;
	rel_civil_from_days((t + tz->std) / 86400 - ((t + tz->std) % 86400 < 0),
	    &y, &m, &d);
	start = change_local(&tz->start, y) - tz->std;
	end = change_local(&tz->end, y) - tz->dst;
	if (start < end)
		return t >= start && t < end ? tz->dst : tz->std;
	/* The southern hemisphere: summer time spans the new year. */
	return t >= end && t < start ? tz->std : tz->dst;
}

/* --- the file -------------------------------------------------------- */

int
rel_tz_parse(const char *name, const unsigned char *p, size_t len,
    struct rel_tz **out, struct rel_err *err)
{
	int64_t cnt[6];
	size_t v1, v2, off, types_at, tt_at, i;
	struct rel_tz *tz;
	const unsigned char *foot, *nl;
	char tzs[128];

	*out = NULL;
	if (len < 44 || memcmp(p, "TZif", 4))
		return bad(err, name, "not a TZif file");
	if (p[4] < '2')
		return bad(err, name, "a version 1 TZif file (no 64-bit data)");
	for (i = 0; i < 6; i++)
		cnt[i] = be(p + 20 + 4 * i, 4);
	/* isutcnt isstdcnt leapcnt timecnt typecnt charcnt */
	for (i = 0; i < 6; i++)
		if (cnt[i] < 0 || cnt[i] > 100000)
			return bad(err, name, "damaged TZif file");
	v1 = (size_t)(cnt[3] * 5 + cnt[4] * 6 + cnt[5] + cnt[2] * 8 +
	    cnt[1] + cnt[0]);
	if (44 + v1 + 44 > len || memcmp(p + 44 + v1, "TZif", 4))
		return bad(err, name, "damaged TZif file");
	p += 44 + v1;
	len -= 44 + v1;
	for (i = 0; i < 6; i++)
		cnt[i] = be(p + 20 + 4 * i, 4);
	for (i = 0; i < 6; i++)
		if (cnt[i] < 0 || cnt[i] > 100000)
			return bad(err, name, "damaged TZif file");
	if (cnt[2] > 0)
		return bad(err, name, "a zone with leap seconds: its times "
		    "are not POSIX times");
	if (cnt[4] < 1)
		return bad(err, name, "damaged TZif file (no local time "
		    "types)");
	v2 = (size_t)(cnt[3] * 9 + cnt[4] * 6 + cnt[5] + cnt[1] + cnt[0]);
	if (44 + v2 > len)
		return bad(err, name, "damaged TZif file (cut short)");
	if (!(tz = calloc(1, sizeof *tz)))
		return rel_err_set(err, REL_ESYS, "out of memory");
	snprintf(tz->name, sizeof tz->name, "%s", name);
	tz->n = (size_t)cnt[3];
	if (tz->n && (!(tz->at = calloc(tz->n, sizeof *tz->at)) ||
	    !(tz->off = calloc(tz->n, sizeof *tz->off)))) {
		rel_tz_free(tz);
		return rel_err_set(err, REL_ESYS, "out of memory");
	}
	off = 44;
	types_at = off + tz->n * 8;
	tt_at = types_at + tz->n;
	for (i = 0; i < tz->n; i++) {
		unsigned type = p[types_at + i];

		tz->at[i] = be(p + off + 8 * i, 8);
		if (type >= (size_t)cnt[4] || (i && tz->at[i] <= tz->at[i - 1])) {
			rel_tz_free(tz);
			return bad(err, name, "damaged TZif file (transitions)");
		}
		tz->off[i] = (long)be(p + tt_at + 6 * type, 4);
	}
	/* Before the first transition: type 0 (RFC 8536, 3.2). */
	tz->off0 = (long)be(p + tt_at, 4);
	/* The footer: "\nTZ\n" after the data. */
	foot = p + 44 + v2;
	if (foot < p + len && *foot == '\n' &&
	    (nl = memchr(foot + 1, '\n', (size_t)(p + len - foot - 1))) &&
	    nl - foot - 1 > 0) {
		if ((size_t)(nl - foot - 1) >= sizeof tzs) {
			rel_tz_free(tz);
			return bad(err, name, "TZ string too long");
		}
		memcpy(tzs, foot + 1, (size_t)(nl - foot - 1));
		tzs[nl - foot - 1] = '\0';
		if (tzstring(tz, tzs) != 0) {
			rel_tz_free(tz);
			return bad(err, name, "bad TZ string in its footer");
		}
	}
	*out = tz;
	return 0;
}

/* A name as zoneinfo spells them: letters, digits, _ + - and / between
 * parts; no part . or .. or empty. */
static int
name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > REL_TZ_NAME_MAX || s[0] == '/' || s[n - 1] == '/')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-' ||
		    c == '/' || c == '.'))
			return 0;
		if (c == '/' && s[i + 1] == '/')
			return 0;
		if (c == '.' && (i == 0 || s[i - 1] == '/'))
			return 0; /* no ., .., .hidden */
	}
	return 1;
}

int
rel_tz_load(const char *name, struct rel_tz **out, struct rel_err *err)
{
	const char *dir = getenv("TZDIR");
	char path[4200];
	unsigned char *buf;
	struct stat sb;
	ssize_t got;
	size_t len = 0;
	int fd, rc;

	*out = NULL;
	if (!name_ok(name))
		return bad(err, name, "not a time zone name (as "
		    "Europe/Berlin or UTC)");
	if (!dir || dir[0] != '/')
		dir = "/usr/share/zoneinfo";
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return rel_err_set(err, REL_EUSAGE, "unknown time zone "
			    "'%s' (no %s)", name, path);
		return rel_err_errno(err, "time zone '%s': %s", name, path);
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > REL_TZ_FILE_MAX) {
		close(fd);
		return bad(err, name, "not a time zone file");
	}
	if (!(buf = malloc((size_t)sb.st_size + 1))) {
		close(fd);
		return rel_err_set(err, REL_ESYS, "out of memory");
	}
	while (len < (size_t)sb.st_size) {
		got = read(fd, buf + len, (size_t)sb.st_size - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	rc = rel_tz_parse(name, buf, len, out, err);
	free(buf);
	return rc;
}

void
rel_tz_free(struct rel_tz *tz)
{
	if (!tz)
		return;
	free(tz->at);
	free(tz->off);
	free(tz);
}

const char *
rel_tz_name(const struct rel_tz *tz)
{
	return tz->name;
}

long
rel_tz_offset(const struct rel_tz *tz, int64_t t)
{
	size_t lo = 0, hi = tz->n;

	if (tz->n == 0)
		return tz->rule ? rule_offset(tz, t) : tz->off0;
	if (t < tz->at[0])
		return tz->off0;
	if (t >= tz->at[tz->n - 1] && tz->rule)
		return rule_offset(tz, t);
	/* The last transition at or before t. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (tz->at[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return tz->off[lo];
}

int64_t
rel_tz_instant(const struct rel_tz *tz, int64_t local, int *kind)
{
	/* Offsets are within 26 hours of UTC and change at most once in
	 * four days (true of every zone in use): the offsets two days
	 * before and after are the candidates. */
	long a = rel_tz_offset(tz, local - 86400 - 93600);
	long b = rel_tz_offset(tz, local + 86400 + 93600);
	int ok_a = rel_tz_offset(tz, local - a) == a;
	int ok_b = rel_tz_offset(tz, local - b) == b;
	int64_t lo, hi;

	if (ok_a && ok_b && a != b) {
		if (kind)
			*kind = 2;
		return local - (a > b ? a : b); /* the earlier instant */
	}
	if (ok_a || ok_b) {
		if (kind)
			*kind = 1;
		return local - (ok_a ? a : b);
	}
	/* Skipped: the instant the offset changed, between the two. */
	if (kind)
		*kind = 0;
	lo = local - (a > b ? a : b);
	hi = local - (a < b ? a : b);
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;

		if (rel_tz_offset(tz, mid) == a)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}
