/*
 * gitmailmap.c - a mailmap (see gitmailmap.h).
 *
 * Lines are kept as records in the order read; finish sorts them by the
 * commit address (then the commit name, then their order) and folds
 * each address's records into one entry: the name and address that
 * lines without a commit name give, and the lines with one, each a
 * record of its own.  A lookup finds the address by binary search, then
 * the commit name among the address's own records.
 */
#include <stdlib.h>
#include <string.h>

#include "gitmailmap.h"

struct rec {
	char *email;          /* the commit's address (lookup key) */
	char *name;           /* the commit's name, or NULL */
	char *new_name, *new_email;   /* NULL: keep the commit's */
	size_t seq;
};

struct entry {
	const char *email;
	const char *name, *new_email;   /* from lines without a commit name */
	struct rec *named;              /* its records with a commit name */
	size_t nnamed;
};

struct rel_git_mailmap {
	struct rec *recs;
	size_t nrecs, cap;
	struct entry *ents;
	size_t nents;
};

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* strcasecmp of a span with a string: <0, 0, >0. */
static int
cmp_span(const char *s, size_t len, const char *t)
{
	size_t i;

	for (i = 0; i < len && t[i]; i++)
		if (lower((unsigned char)s[i]) != lower((unsigned char)t[i]))
			return lower((unsigned char)s[i]) -
			    lower((unsigned char)t[i]);
	if (i < len)
		return 1;
	return t[i] ? -1 : 0;
}

static int
cmp_str(const char *a, const char *b)
{
	return cmp_span(a, strlen(a), b);
}

struct rel_git_mailmap *
rel_git_mailmap_new(void)
{
	return calloc(1, sizeof(struct rel_git_mailmap));
}

void
rel_git_mailmap_free(struct rel_git_mailmap *mm)
{
	if (!mm)
		return;
	for (size_t i = 0; i < mm->nrecs; i++) {
		free(mm->recs[i].email);
		free(mm->recs[i].name);
		free(mm->recs[i].new_name);
		free(mm->recs[i].new_email);
	}
	free(mm->recs);
	free(mm->ents);
	free(mm);
}

static char *
dup_span(const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

/*
 * "Name <email>" at s..e: the name (trimmed, NULL if empty) and the
 * address; the position after '>', or NULL if there is no <...>.
 */
static const char *
name_email(const char *s, const char *e, const char **name, size_t *nlen,
    const char **email, size_t *elen)
{
	const char *lt = memchr(s, '<', (size_t)(e - s)), *gt, *ne;

	if (!lt || !(gt = memchr(lt, '>', (size_t)(e - lt))))
		return NULL;
	while (s < lt && (*s == ' ' || *s == '\t'))
		s++;
	for (ne = lt; ne > s && (ne[-1] == ' ' || ne[-1] == '\t'); ne--)
		;
	*name = ne > s ? s : NULL;
	*nlen = (size_t)(ne - s);
	*email = lt + 1;
	*elen = (size_t)(gt - lt - 1);
	return gt + 1;
}

static int
add_line(struct rel_git_mailmap *mm, const char *s, const char *e)
{
	const char *n1, *m1, *n2 = NULL, *m2 = NULL, *rest;
	size_t l1, k1, l2 = 0, k2 = 0;
	struct rec r;

	if (s < e && *s == '#')
		return 0;
	/* The first address may not be empty ("<>"), the second may. */
	if (!(rest = name_email(s, e, &n1, &l1, &m1, &k1)) || !k1)
		return 0;
	name_email(rest, e, &n2, &l2, &m2, &k2);
	memset(&r, 0, sizeof r);
	if (m2) {
		/* "New <new> [Old] <old>": keyed by the old address. */
		r.email = dup_span(m2, k2);
		r.name = n2 ? dup_span(n2, l2) : NULL;
		r.new_email = dup_span(m1, k1);
	} else {
		/* "New <old>": a new name for an address. */
		r.email = dup_span(m1, k1);
	}
	r.new_name = n1 ? dup_span(n1, l1) : NULL;
	if (!r.email || (n2 && m2 && !r.name) || (m2 && !r.new_email) ||
	    (n1 && !r.new_name))
		goto nomem;
	if (mm->nrecs == mm->cap) {
		size_t cap = mm->cap ? mm->cap * 2 : 64;
		struct rec *nr = realloc(mm->recs, cap * sizeof *nr);

		if (!nr)
			goto nomem;
		mm->recs = nr;
		mm->cap = cap;
	}
	r.seq = mm->nrecs;
	mm->recs[mm->nrecs++] = r;
	return 0;
nomem:
	free(r.email);
	free(r.name);
	free(r.new_name);
	free(r.new_email);
	return -1;
}

int
rel_git_mailmap_add(struct rel_git_mailmap *mm, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if (add_line(mm, p, le) < 0)
			return -1;
		p = le + 1;
	}
	return 0;
}

/* By address, then the lines without a commit name first, then by
 * commit name, then in the order read. */
static int
rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	int c = cmp_str(x->email, y->email);

	if (c)
		return c;
	if (!x->name != !y->name)
		return x->name ? 1 : -1;
	if (x->name && (c = cmp_str(x->name, y->name)))
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int
rel_git_mailmap_finish(struct rel_git_mailmap *mm)
{
	size_t i = 0, n = 0;

	if (mm->nrecs)
		qsort(mm->recs, mm->nrecs, sizeof *mm->recs, rec_cmp);
	free(mm->ents);
	mm->nents = 0;
	if (!(mm->ents = calloc(mm->nrecs + 1, sizeof *mm->ents)))
		return -1;
	while (i < mm->nrecs) {
		struct entry *en = &mm->ents[n++];
		size_t j = i;

		memset(en, 0, sizeof *en);
		en->email = mm->recs[i].email;
		for (; j < mm->nrecs && !cmp_str(mm->recs[j].email, en->email) &&
		    !mm->recs[j].name; j++) {
			/* Each line sets what it gives; later ones win. */
			if (mm->recs[j].new_name)
				en->name = mm->recs[j].new_name;
			if (mm->recs[j].new_email)
				en->new_email = mm->recs[j].new_email;
		}
		en->named = &mm->recs[j];
		for (; j < mm->nrecs && !cmp_str(mm->recs[j].email, en->email);
		    j++)
			en->nnamed++;
		i = j;
	}
	mm->nents = n;
	return 0;
}

size_t
rel_git_mailmap_count(const struct rel_git_mailmap *mm)
{
	return mm ? mm->nents : 0;
}

int
rel_git_mailmap_map(const struct rel_git_mailmap *mm, const char **name,
    size_t *namelen, const char **email, size_t *emaillen)
{
	const struct entry *en = NULL;
	const char *nn, *ne;
	size_t lo = 0, hi = mm ? mm->nents : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_span(*email, *emaillen, mm->ents[mid].email);

		if (!c) {
			en = &mm->ents[mid];
			break;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (!en)
		return 0;
	nn = en->name;
	ne = en->new_email;
	/* A line for this commit name wins; the last of several (they
	 * are sorted by name, then in the order read). */
	for (size_t k = en->nnamed; k-- > 0; )
		if (!cmp_span(*name, *namelen, en->named[k].name)) {
			nn = en->named[k].new_name;
			ne = en->named[k].new_email;
			break;
		}
	if (!nn && !ne)
		return 0;
	if (nn) {
		*name = nn;
		*namelen = strlen(nn);
	}
	if (ne) {
		*email = ne;
		*emaillen = strlen(ne);
	}
	return 1;
}
