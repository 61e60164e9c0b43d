/*
 * notes.c - the release notes model and its Markdown, text and JSON
 * renderings (see notes.h for the invariants).
 *
 * Adding a commit parses its message once and copies out a handful of
 * short strings, cleaned up on the way in, so that rendering is a single
 * pass per section with no escaping beyond what the format needs.  The
 * groups are views of the one commit list: a pass per type over an array
 * is cheaper than keeping eleven lists, and keeps the walk order.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notes.h"
#include "when.h"

#define NONE REL_NOTES_NONE

enum { ONELINE = 1 };

static const char repl[] = "\xef\xbf\xbd";   /* U+FFFD */

static const char *const base_names[] = { "none", "env", "since",
	"previous", "range" };
static const char *const change_names[] = { "unchanged", "changed",
	"added", "removed" };
static const char *const kind_names[] = { "hash", "repo", "key" };

void
rel_notes_init(struct rel_notes *n)
{
	memset(n, 0, sizeof *n);
	n->release = n->product = n->by = n->message = n->rev = n->repo = NONE;
	n->base_release = n->base_env = n->base_rev = n->head_rev = NONE;
	n->range = NONE;
	n->base = REL_BASE_NONE;
}

void
rel_notes_free(struct rel_notes *n)
{
	free(n->outputs);
	free(n->promotions);
	free(n->artifacts);
	free(n->commits);
	free(n->people);
	free(n->issues);
	free(n->refs);
	free(n->notes);
	free(n->people_tab);
	free(n->issue_tab);
	free(n->addrs);
	free(n->ctypes);
	free(n->addr_tab);
	free(n->ctype_tab);
	rel_buf_free(&n->strs);
	rel_notes_init(n);
}

const char *
rel_notes_str(const struct rel_notes *n, size_t off)
{
	return off == NONE || off >= n->strs.len ? NULL : n->strs.s + off;
}

void
rel_notes_config(struct rel_notes *n, const struct rel_notes_cfg *cfg)
{
	n->cfg = cfg;
}

static int
oom(struct rel_notes *n, struct rel_err *err)
{
	n->oom = 1;
	return rel_err_set(err, REL_ESYS, "out of memory");
}

/* Make room for one more element in *v (of size sz) holding *len of *cap. */
static int
grow(void **v, size_t *cap, size_t len, size_t sz)
{
	void *nv;
	size_t ncap;

	if (len < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > SIZE_MAX / sz / 2)
		return -1;
	if (!(nv = realloc(*v, ncap * sz)))
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

/* The length of the valid UTF-8 sequence at p (not a C1 control), or 0. */
static size_t
utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0], cp, min;
	size_t k, need;

	if (c < 0xc2 || c > 0xf4)
		return 0;
	if (c < 0xe0) {
		need = 1; min = 0xa0; cp = c & 0x1f;  /* U+0080..9F: C1 */
	} else if (c < 0xf0) {
		need = 2; min = 0x800; cp = c & 0x0f;
	} else {
		need = 3; min = 0x10000; cp = c & 0x07;
	}
	if ((size_t)(end - p) <= need)
		return 0;
	for (k = 1; k <= need; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need + 1;
}

/*
 * Store s[0..len) cleaned up: valid UTF-8 with no control characters;
 * CR dropped, tab a space, a line end a space with ONELINE, anything else
 * U+FFFD.  Returns its offset, or NONE (out of memory: n->strs.oom).
 */
static size_t
put(struct rel_notes *n, const char *s, size_t len, int flags)
{
	const unsigned char *p = (const unsigned char *)s, *end;
	struct rel_buf *b = &n->strs;
	size_t off = b->len, k;
	char *o;

	if (!s) {
		p = (const unsigned char *)"";
		len = 0;
	}
	/* At most 3 bytes out for each byte in (U+FFFD), and the NUL. */
	if (len > SIZE_MAX / 4 || rel_buf_grow(b, len * 3 + 1) < 0)
		return NONE;
	o = b->s + b->len;
	for (end = p + len; p < end; ) {
		unsigned c = *p;

		if (c >= 0x20 && c < 0x7f) {
			*o++ = (char)*p++;
		} else if (c >= 0x80 && (k = utf8_seq(p, end))) {
			memcpy(o, p, k);
			o += k;
			p += k;
		} else {
			if (c == '\t' || (c == '\n' && (flags & ONELINE)))
				*o++ = ' ';
			else if (c == '\n')
				*o++ = '\n';
			else if (c != '\r')
				for (k = 0; k < 3; k++)
					*o++ = repl[k];
			p++;
		}
	}
	*o++ = '\0';
	b->len = (size_t)(o - b->s);
	b->s[b->len] = '\0';
	return off;
}

static size_t
puts0(struct rel_notes *n, const char *s)
{
	return s ? put(n, s, strlen(s), ONELINE) : NONE;
}

/* --- hash tables: issues by ref, people by name ------------------ */

static uint64_t
hash(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

typedef size_t (*key_fn)(const struct rel_notes *, size_t);

static size_t
issue_key(const struct rel_notes *n, size_t i)
{
	return n->issues[i].ref;
}

static size_t
person_key(const struct rel_notes *n, size_t i)
{
	return n->people[i].name;
}

static size_t
addr_key(const struct rel_notes *n, size_t i)
{
	return n->addrs[i].key;
}

static size_t
ctype_key(const struct rel_notes *n, size_t i)
{
	return n->ctypes[i];
}

/* The slot for key s[0..len) in tab: holding its index + 1, or 0. */
static size_t *
slot(const struct rel_notes *n, size_t *tab, size_t cap, key_fn key,
    const char *s, size_t len)
{
	size_t i = (size_t)hash(s, len) & (cap - 1);

	for (;; i = (i + 1) & (cap - 1)) {
		const char *k;

		if (!tab[i])
			return &tab[i];
		k = n->strs.s + key(n, tab[i] - 1);
		if (!memcmp(k, s, len) && k[len] == '\0')
			return &tab[i];
	}
}

/* Keep the table at most half full. */
static int
rehash(struct rel_notes *n, size_t **tab, size_t *cap, size_t count,
    key_fn key)
{
	size_t ncap, *nt;

	if (*cap && count * 2 < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	if (!(nt = calloc(ncap, sizeof *nt)))
		return -1;
	for (size_t i = 0; i < count; i++) {
		const char *k = n->strs.s + key(n, i);

		*slot(n, nt, ncap, key, k, strlen(k)) = i + 1;
	}
	free(*tab);
	*tab = nt;
	*cap = ncap;
	return 0;
}

/*
 * Count one more commit of person p under the address email: the
 * person's address is the one they used most, the newest of those used
 * as often (commits come newest first), as `git shortlog -e` would show
 * for the name the mailmap gives.  0, or -1 out of memory.
 */
static int
address(struct rel_notes *n, size_t p, const char *email, size_t emaillen)
{
	struct rel_buf *b = &n->strs;
	size_t name = n->people[p].name, len = strlen(b->s + name);
	size_t off = b->len, *sl;
	struct rel_notes_addr *a;
	const char *k;

	/* The key: the name, \001 (no cleaned string has it), the address
	 * as it is stored; the address alone is the key's tail. */
	if (rel_buf_grow(b, len + 2) < 0)
		return -1;
	memcpy(b->s + b->len, b->s + name, len);
	b->len += len;
	b->s[b->len++] = '\001';
	b->s[b->len] = '\0';
	if (put(n, email, emaillen, ONELINE) == NONE ||
	    rehash(n, &n->addr_tab, &n->addr_cap, n->naddrs, addr_key) < 0)
		return -1;
	k = b->s + off;
	sl = slot(n, n->addr_tab, n->addr_cap, addr_key, k, strlen(k));
	if (*sl) {
		b->len = off;
		b->s[off] = '\0';
		a = &n->addrs[*sl - 1];
	} else {
		if (grow((void **)&n->addrs, &n->addrs_alloc, n->naddrs,
		    sizeof *n->addrs) < 0)
			return -1;
		a = &n->addrs[n->naddrs];
		a->key = off;
		a->email = off + len + 1;
		a->person = p;
		a->commits = 0;
		*sl = ++n->naddrs;
	}
	if (++a->commits > n->people[p].email_commits) {
		n->people[p].email = a->email;
		n->people[p].email_commits = a->commits;
	}
	return 0;
}

/* The index of the person named name (added if new), or NONE. */
static size_t
person(struct rel_notes *n, const char *name, size_t namelen,
    const char *email, size_t emaillen)
{
	size_t off = put(n, name, namelen, ONELINE), *sl, p;
	const char *k;

	if (off == NONE || rehash(n, &n->people_tab, &n->people_cap,
	    n->npeople, person_key) < 0)
		return NONE;
	k = n->strs.s + off;
	sl = slot(n, n->people_tab, n->people_cap, person_key, k, strlen(k));
	if (*sl) {
		n->strs.len = off;          /* not needed twice */
		n->strs.s[off] = '\0';
		p = *sl - 1;
		n->people[p].commits++;
	} else {
		if (grow((void **)&n->people, &n->people_alloc, n->npeople,
		    sizeof *n->people) < 0)
			return NONE;
		p = n->npeople;
		n->people[p].name = off;
		n->people[p].email = NONE;
		n->people[p].commits = 1;
		n->people[p].email_commits = 0;
		*sl = ++n->npeople;
	}
	return address(n, p, email, emaillen) < 0 ? NONE : p;
}

/* The index of the type named s[0..len) (lower-cased, added if new) among
 * those outside the known ones, or NONE. */
static size_t
custom_type(struct rel_notes *n, const char *s, size_t len)
{
	size_t off = put(n, s, len, ONELINE), *sl;
	char *k;

	if (off == NONE || rehash(n, &n->ctype_tab, &n->ctype_cap, n->nctypes,
	    ctype_key) < 0)
		return NONE;
	for (k = n->strs.s + off; *k; k++)
		if (*k >= 'A' && *k <= 'Z')
			*k = (char)(*k - 'A' + 'a');
	k = n->strs.s + off;
	sl = slot(n, n->ctype_tab, n->ctype_cap, ctype_key, k, strlen(k));
	if (*sl) {
		n->strs.len = off;
		n->strs.s[off] = '\0';
		return *sl - 1;
	}
	if (grow((void **)&n->ctypes, &n->ctypes_alloc, n->nctypes,
	    sizeof *n->ctypes) < 0)
		return NONE;
	n->ctypes[n->nctypes] = off;
	*sl = ++n->nctypes;
	return n->nctypes - 1;
}

/* The index of the issue ref (added if new), or NONE. */
static size_t
issue(struct rel_notes *n, const struct rel_cm_issue *is)
{
	size_t off = put(n, is->ref.s, is->ref.len, ONELINE), *sl;
	const char *k;

	if (off == NONE || rehash(n, &n->issue_tab, &n->issue_cap,
	    n->nissues, issue_key) < 0)
		return NONE;
	k = n->strs.s + off;
	sl = slot(n, n->issue_tab, n->issue_cap, issue_key, k, strlen(k));
	if (*sl) {
		n->strs.len = off;
		n->strs.s[off] = '\0';
		n->issues[*sl - 1].closes |= is->closes;
		n->issues[*sl - 1].commits++;
		return *sl - 1;
	}
	if (grow((void **)&n->issues, &n->issues_alloc, n->nissues,
	    sizeof *n->issues) < 0)
		return NONE;
	n->issues[n->nissues].ref = off;
	n->issues[n->nissues].kind = is->kind;
	n->issues[n->nissues].closes = is->closes;
	n->issues[n->nissues].commits = 1;
	*sl = ++n->nissues;
	return n->nissues - 1;
}

/* --- filling the model ------------------------------------------ */

int
rel_notes_release(struct rel_notes *n, const struct rel_release *r,
    const struct rel_release *base, struct rel_err *err)
{
	n->release = puts0(n, r->id);
	n->product = puts0(n, r->product);
	n->by = puts0(n, r->by);
	n->message = r->message && *r->message ? puts0(n, r->message) : NONE;
	n->rev = r->rev && *r->rev ? puts0(n, r->rev) : NONE;
	n->repo = r->repo && *r->repo ? puts0(n, r->repo) : NONE;
	n->number = r->n;
	n->created = r->created;
	n->hotfix = r->hotfix;
	n->compared = base != NULL;

	/* Outputs: the latest value of each object and key. */
	for (size_t i = 0; i < r->noutputs; i++) {
		const struct rel_output *o = &r->outputs[i];
		struct rel_notes_output *no;
		size_t j;

		for (j = i + 1; j < r->noutputs; j++)
			if (!strcmp(r->outputs[j].object, o->object) &&
			    !strcmp(r->outputs[j].key, o->key))
				break;
		if (j < r->noutputs)
			continue;
		if (grow((void **)&n->outputs, &n->misc_cap[0], n->noutputs,
		    sizeof *n->outputs) < 0)
			return oom(n, err);
		no = &n->outputs[n->noutputs++];
		no->object = puts0(n, o->object);
		no->key = puts0(n, o->key);
		no->value = puts0(n, o->value);
	}

	/* The runs it started: an environment's move to running, with who
	 * started it and why (a gate's comment). */
	for (size_t i = 0; i < r->ntr; i++) {
		const struct rel_transition *t = &r->tr[i];
		struct rel_notes_promotion *np;
		const char *how = t->info ? strstr(t->info, "how=") : NULL;
		char word[16];
		size_t len;

		if (!strcmp(t->object, "-") || strchr(t->object, '/') ||
		    strcmp(t->to, "running"))
			continue;
		if (grow((void **)&n->promotions, &n->misc_cap[3],
		    n->npromotions, sizeof *n->promotions) < 0)
			return oom(n, err);
		np = &n->promotions[n->npromotions++];
		np->env = puts0(n, t->object);
		np->by = t->who && *t->who ? puts0(n, t->who) : NONE;
		np->why = t->why && *t->why ? puts0(n, t->why) : NONE;
		np->time = t->time;
		len = how ? strcspn(how += 4, " ") : 0;
		if (len == 0 || len >= sizeof word) {
			np->how = puts0(n, "promote");
		} else {
			memcpy(word, how, len);
			word[len] = '\0';
			np->how = puts0(n, word);
		}
	}

	/* Artifacts: this release's, in order, then those it dropped. */
	for (size_t pass = 0; pass < 2; pass++) {
		const struct rel_release *a = pass ? base : r;

		for (size_t i = 0; a && i < a->nartifacts; i++) {
			const struct rel_artifact *ar = &a->artifacts[i];
			struct rel_notes_artifact *na;
			int k;

			if (pass)
				k = rel_release_component(r, ar->component);
			else if (base)
				k = rel_release_component(base, ar->component);
			else
				k = -1;
			if (pass && k >= 0)
				continue;
			if (grow((void **)&n->artifacts, &n->misc_cap[1],
			    n->nartifacts, sizeof *n->artifacts) < 0)
				return oom(n, err);
			na = &n->artifacts[n->nartifacts++];
			na->component = puts0(n, ar->component);
			if (pass) {
				na->old_version = puts0(n, ar->version);
				na->new_version = NONE;
				na->change = REL_ART_REMOVED;
			} else if (k >= 0) {
				const char *old = base->artifacts[k].version;

				na->new_version = puts0(n, ar->version);
				na->old_version = puts0(n, old);
				na->change = strcmp(old, ar->version) ?
				    REL_ART_CHANGED : REL_ART_UNCHANGED;
			} else {
				na->new_version = puts0(n, ar->version);
				na->old_version = NONE;
				na->change = REL_ART_ADDED;
			}
		}
	}
	return n->strs.oom ? oom(n, err) : 0;
}

int
rel_notes_base(struct rel_notes *n, enum rel_notes_base how,
    const char *release, const char *env, struct rel_err *err)
{
	n->base = how;
	n->base_release = puts0(n, release);
	n->base_env = puts0(n, env);
	return n->strs.oom ? oom(n, err) : 0;
}

int
rel_notes_repo(struct rel_notes *n, const char *path, struct rel_err *err)
{
	size_t len = path ? strlen(path) : 0;

	while (len > 1 && path[len - 1] == '/')
		len--;
	n->repo = path ? put(n, path, len, ONELINE) : NONE;
	return n->strs.oom ? oom(n, err) : 0;
}

int
rel_notes_revs(struct rel_notes *n, const char *base_rev,
    const char *head_rev, const char *range, struct rel_err *err)
{
	n->base_rev = puts0(n, base_rev);
	n->head_rev = puts0(n, head_rev);
	n->range = puts0(n, range);
	return n->strs.oom ? oom(n, err) : 0;
}

int
rel_notes_note(struct rel_notes *n, struct rel_err *err, const char *fmt,
    ...)
{
	struct rel_buf b = REL_BUF_INIT;
	va_list ap;
	size_t off;

	va_start(ap, fmt);
	rel_buf_addvf(&b, fmt, ap);
	va_end(ap);
	off = b.oom ? NONE : put(n, b.s ? b.s : "", b.len, ONELINE);
	rel_buf_free(&b);
	if (off == NONE || grow((void **)&n->notes, &n->misc_cap[2], n->nnotes,
	    sizeof *n->notes) < 0)
		return oom(n, err);
	n->notes[n->nnotes++] = off;
	return 0;
}

static size_t
put_span(struct rel_notes *n, struct rel_span sp, int flags)
{
	return sp.len ? put(n, sp.s, sp.len, flags) : NONE;
}

/* Is sp the word w, in any case? */
static int
word_is(struct rel_span sp, const char *w)
{
	size_t i;

	for (i = 0; i < sp.len; i++)
		if (!w[i] || tolower((unsigned char)sp.s[i]) != w[i])
			return 0;
	return w[i] == '\0';
}

/* Does an exclude pattern leave the commit out?  A breaking change is
 * always shown. */
static int
excluded(const struct rel_notes *n, const struct rel_commitmsg *cm)
{
	char type[REL_CM_MAX_TYPE + 1];
	size_t i;

	if (!n->cfg || !n->cfg->nexclude || cm->breaking)
		return 0;
	if (cm->conventional) {
		for (i = 0; i < cm->type_word.len && i < REL_CM_MAX_TYPE; i++) {
			char ch = cm->type_word.s[i];

			type[i] = ch >= 'A' && ch <= 'Z' ?
			    (char)(ch - 'A' + 'a') : ch;
		}
		type[i] = '\0';
	} else {
		snprintf(type, sizeof type, "%s", rel_cc_type_name(cm->type));
	}
	return rel_notes_cfg_excluded(n->cfg, type, cm->scope.s,
	    cm->scope.len);
}

int
rel_notes_add_commit(struct rel_notes *n, const struct rel_notes_commit_in *c,
    struct rel_err *err)
{
	struct rel_commitmsg *cm = &n->cm;
	struct rel_notes_commit *k;
	struct rel_cm_keys keys = { NULL, 0 };
	size_t who;

	if (c->merge && !n->merges) {
		n->merges_left_out++;
		return 0;
	}
	if (grow((void **)&n->commits, &n->commits_cap, n->ncommits,
	    sizeof *n->commits) < 0)
		return oom(n, err);
	if (n->cfg) {
		keys.keys = (const char *const *)n->cfg->keys;
		keys.n = n->cfg->nkeys;
	}
	rel_commitmsg_parse(c->msg, c->msglen, &keys, cm);
	if (excluded(n, cm)) {
		n->excluded++;
		return 0;
	}
	k = &n->commits[n->ncommits];
	k->id = puts0(n, c->id ? c->id : "");
	k->subject = put(n, cm->subject.s, cm->subject.len, ONELINE);
	/* The description is most often the whole subject: share it. */
	k->desc = cm->desc.s == cm->subject.s ? k->subject :
	    put(n, cm->desc.s, cm->desc.len, ONELINE);
	k->scope = put_span(n, cm->scope, ONELINE);
	k->breaking_text = put_span(n, cm->breaking_text, 0);
	k->ctype = NONE;
	if (cm->conventional && cm->type == REL_CC_OTHER &&
	    !word_is(cm->type_word, "other") && (k->ctype = custom_type(n,
	    cm->type_word.s, cm->type_word.len)) == NONE)
		return oom(n, err);
	k->time = c->time;
	k->type = (unsigned char)cm->type;
	k->breaking = (unsigned char)cm->breaking;
	k->merge = (unsigned char)(c->merge != 0);
	if ((who = person(n, c->name, c->namelen, c->email, c->emaillen)) ==
	    NONE)
		return oom(n, err);
	k->author = who;
	k->issue0 = n->nrefs;
	k->nissues = 0;
	for (size_t i = 0; i < cm->nissues; i++) {
		size_t ix = issue(n, &cm->issues[i]);

		if (ix == NONE || grow((void **)&n->refs, &n->refs_cap,
		    n->nrefs, sizeof *n->refs) < 0)
			return oom(n, err);
		n->refs[n->nrefs++] = ix;
		k->nissues++;
	}
	if (n->strs.oom || k->id == NONE || k->subject == NONE)
		return oom(n, err);
	n->ntype[k->type]++;
	n->nbreaking += k->breaking;
	n->ncommits++;
	return 0;
}

int
rel_notes_format_parse(const char *s)
{
	if (!strcmp(s, "md") || !strcmp(s, "markdown"))
		return REL_NOTES_MD;
	if (!strcmp(s, "text"))
		return REL_NOTES_TEXT;
	if (!strcmp(s, "json"))
		return REL_NOTES_JSON;
	return -1;
}

/* --- rendering: shared ------------------------------------------ */

#define S(off) rel_notes_str(n, (off))

static void
add_short(struct rel_buf *b, const char *id)
{
	size_t len = strlen(id);

	rel_buf_add(b, id, len < REL_NOTES_SHORT ? len : REL_NOTES_SHORT);
}

static void
add_count(struct rel_buf *b, size_t v, const char *one, const char *many)
{
	char num[32];

	snprintf(num, sizeof num, "%zu ", v);
	rel_buf_adds(b, num);
	rel_buf_adds(b, v == 1 ? one : many);
}

/* The base rev, short: in a code span for Markdown. */
static void
add_rev(const struct rel_notes *n, struct rel_buf *b, int md)
{
	const char *rev = rel_notes_str(n, n->base_rev);
	size_t len = strlen(rev);

	if (len > REL_NOTES_SHORT)
		len = REL_NOTES_SHORT;
	if (md)
		rel_buf_addc(b, '`');
	rel_buf_add(b, rev, len);
	if (md)
		rel_buf_addc(b, '`');
}

/* "web-2, live in prod (abc1234)" and the like.  Names are release ids
 * and environment names, which need no escaping in any format. */
static void
add_base(const struct rel_notes *n, struct rel_buf *b, int md)
{
	const char *rel = S(n->base_release), *env = S(n->base_env);

	switch (n->base) {
	case REL_BASE_ENV:
		rel_buf_adds(b, rel ? rel : "?");
		rel_buf_adds(b, ", live in ");
		rel_buf_adds(b, env ? env : "?");
		break;
	case REL_BASE_SINCE:
		rel_buf_adds(b, rel ? rel : "?");
		rel_buf_adds(b, ", given with --since");
		break;
	case REL_BASE_PREVIOUS:
		rel_buf_adds(b, rel ? rel : "?");
		rel_buf_adds(b, n->no_rev ? ", the previous release" :
		    ", the previous release with a revision");
		break;
	case REL_BASE_RANGE:
		if (S(n->base_rev))
			add_rev(n, b, md);
		else
			rel_buf_adds(b, "none: all history");
		rel_buf_adds(b, " (--range)");
		return;
	case REL_BASE_NONE:
		rel_buf_adds(b, "none: all history");
		return;
	}
	if (S(n->base_rev)) {
		rel_buf_adds(b, " (");
		add_rev(n, b, md);
		rel_buf_addc(b, ')');
	}
}

/* Does the description show ref already (as a word: #13 is not in #131)?
 * Then a commit's line does not repeat it after the description. */
static int
mentioned(const char *desc, const char *ref)
{
	size_t len = strlen(ref);

	for (const char *p = desc; p && (p = strstr(p, ref)); p++) {
		unsigned char after = (unsigned char)p[len];

		if ((p == desc || !isalnum((unsigned char)p[-1])) &&
		    !isalnum(after) && after != '-' && after != '_')
			return 1;
	}
	return 0;
}

static void
add_num(struct rel_buf *b, size_t v)
{
	char num[32];

	snprintf(num, sizeof num, "%zu", v);
	rel_buf_adds(b, num);
}

/* " (1 merge left out, 2 excluded)", or nothing when nothing was. */
static void
add_left_out(const struct rel_notes *n, struct rel_buf *b)
{
	if (!n->merges_left_out && !n->excluded)
		return;
	rel_buf_adds(b, " (");
	if (n->merges_left_out) {
		add_count(b, n->merges_left_out, "merge", "merges");
		rel_buf_adds(b, " left out");
	}
	if (n->merges_left_out && n->excluded)
		rel_buf_adds(b, ", ");
	if (n->excluded) {
		add_num(b, n->excluded);
		rel_buf_adds(b, " excluded");
	}
	rel_buf_addc(b, ')');
}

struct rank {
	size_t commits;
	const char *name;
	size_t i;
};

static int
rank_cmp(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->commits != y->commits)
		return x->commits > y->commits ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The contributors, most commits first.  Free with free(). */
static struct rank *
ranked(const struct rel_notes *n)
{
	struct rank *v = calloc(n->npeople ? n->npeople : 1, sizeof *v);

	if (!v)
		return NULL;
	for (size_t i = 0; i < n->npeople; i++) {
		v[i].commits = n->people[i].commits;
		v[i].name = S(n->people[i].name);
		v[i].i = i;
	}
	qsort(v, n->npeople, sizeof *v, rank_cmp);
	return v;
}

/*
 * The groups, in the order the notes show them: the known types, the
 * other types by name, then the commits without a type; each with its
 * commits in walk order (a stable counting sort by group).
 */
struct group {
	const char *type, *title;
	size_t first, count;           /* in order[] */
};

struct groups {
	struct group *g;
	size_t n;
	size_t *order;
};

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rank *)a)->name,
	    ((const struct rank *)b)->name);
}

static void
groups_free(struct groups *gs)
{
	free(gs->g);
	free(gs->order);
}

/* The group of commit k, with rank[] the sorted position of each type
 * outside the known ones. */
static size_t
group_of(const struct rel_notes *n, const struct rel_notes_commit *k,
    const size_t *rank)
{
	if (k->type < REL_CC_OTHER)
		return k->type;
	if (k->ctype != NONE)
		return REL_CC_OTHER + rank[k->ctype];
	return REL_CC_OTHER + n->nctypes;
}

static int
groups_make(const struct rel_notes *n, struct groups *gs)
{
	size_t ng = REL_CC_OTHER + n->nctypes + 1, *count, *rank, at = 0;
	struct rank *byname;

	memset(gs, 0, sizeof *gs);
	count = calloc(ng + 1, sizeof *count);
	rank = calloc(n->nctypes + 1, sizeof *rank);
	byname = calloc(n->nctypes + 1, sizeof *byname);
	gs->g = calloc(ng, sizeof *gs->g);
	gs->order = calloc(n->ncommits + 1, sizeof *gs->order);
	if (!count || !rank || !byname || !gs->g || !gs->order) {
		free(count);
		free(rank);
		free(byname);
		groups_free(gs);
		return -1;
	}
	for (size_t i = 0; i < n->nctypes; i++) {
		byname[i].name = S(n->ctypes[i]);
		byname[i].i = i;
	}
	qsort(byname, n->nctypes, sizeof *byname, name_cmp);
	for (size_t i = 0; i < n->nctypes; i++)
		rank[byname[i].i] = i;
	for (size_t i = 0; i < n->ncommits; i++)
		count[group_of(n, &n->commits[i], rank)]++;
	for (size_t g = 0; g < ng; g++) {
		struct group *gr = &gs->g[gs->n];

		if (!count[g])
			continue;
		if (g < REL_CC_OTHER || g == ng - 1) {
			enum rel_cc_type t = g < REL_CC_OTHER ?
			    (enum rel_cc_type)g : REL_CC_OTHER;

			gr->type = rel_cc_type_name(t);
			gr->title = rel_cc_type_title(t);
		} else {
			gr->type = gr->title = byname[g - REL_CC_OTHER].name;
		}
		gr->first = at;
		at += count[g];
		count[g] = gs->n++;    /* from now on: the group's index */
	}
	for (size_t i = 0; i < n->ncommits; i++) {
		struct group *gr = &gs->g[count[group_of(n, &n->commits[i],
		    rank)]];

		gs->order[gr->first + gr->count++] = i;
	}
	free(count);
	free(rank);
	free(byname);
	return 0;
}

/* The commit's type: its group's name. */
static const char *
type_name(const struct rel_notes *n, const struct rel_notes_commit *k)
{
	return k->ctype != NONE ? S(n->ctypes[k->ctype]) :
	    rel_cc_type_name((enum rel_cc_type)k->type);
}

/* --- Markdown ---------------------------------------------------- */

/*
 * Inline text: '<' and '&' are escaped outside code spans so that no
 * HTML gets through; a text that starts a line has the characters that
 * would start a block (#, >, -, +, *, "1.") escaped.
 */
static void
md_text(struct rel_buf *b, const char *s, int at_start)
{
	const char *run = s, *p = s, *last_tick = strrchr(s, '`');
	int code = 0;

	if (at_start) {
		const char *d = s;

		while (*d >= '0' && *d <= '9')
			d++;
		if (*s && strchr("#>-+*=|", *s))
			rel_buf_addc(b, '\\');
		else if (d > s && (*d == '.' || *d == ')')) {
			rel_buf_add(b, s, (size_t)(d - s));
			rel_buf_addc(b, '\\');
			run = p = d;
		}
	}
	for (; *p; p++) {
		if (*p == '`') {
			if (code || p < last_tick)
				code = !code;
			continue;
		}
		if (code || (*p != '<' && *p != '&'))
			continue;
		rel_buf_add(b, run, (size_t)(p - run));
		rel_buf_adds(b, *p == '<' ? "&lt;" : "&amp;");
		run = p + 1;
	}
	rel_buf_add(b, run, (size_t)(p - run));
}

/* A code span around s, with a fence longer than any backtick run in it. */
static void
md_code(struct rel_buf *b, const char *s, size_t len)
{
	size_t run = 0, longest = 0, i;
	int pad;

	for (i = 0; i < len; i++) {
		run = s[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	pad = len && (s[0] == '`' || s[len - 1] == '`');
	for (i = 0; i <= longest; i++)
		rel_buf_addc(b, '`');
	if (pad)
		rel_buf_addc(b, ' ');
	rel_buf_add(b, s, len);
	if (pad)
		rel_buf_addc(b, ' ');
	for (i = 0; i <= longest; i++)
		rel_buf_addc(b, '`');
}

static void
md_codes(struct rel_buf *b, const char *s)
{
	md_code(b, s, strlen(s));
}

/* An artifact's change, its versions written (code spans in
 * Markdown, as they are in text) by version. */
static void
add_change(const struct rel_notes *n, const struct rel_notes_artifact *a,
    struct rel_buf *b, void (*version)(struct rel_buf *, const char *),
    const char *arrow)
{
	if (!n->compared) {
		version(b, S(a->new_version));
	} else if (a->change == REL_ART_CHANGED) {
		version(b, S(a->old_version));
		rel_buf_adds(b, arrow);
		version(b, S(a->new_version));
	} else if (a->change == REL_ART_REMOVED) {
		version(b, S(a->old_version));
		rel_buf_adds(b, " (removed)");
	} else {
		version(b, S(a->new_version));
		rel_buf_adds(b, a->change == REL_ART_ADDED ? " (added)" :
		    " (unchanged)");
	}
}

/* Lines after the first of a multi-line text, indented under a bullet. */
static void
md_block(struct rel_buf *b, const char *s, const char *indent)
{
	while (*s) {
		const char *e = strchr(s, '\n');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		char *line = strndup(s, len);

		rel_buf_adds(b, indent);
		if (line)
			md_text(b, line, 0);
		else
			b->oom = 1;
		free(line);
		rel_buf_addc(b, '\n');
		s += len + (e != NULL);
	}
}

/* An issue reference, a link when the configuration has a URL for it. */
static void
md_ref(const struct rel_notes *n, struct rel_buf *b, const char *ref)
{
	struct rel_buf url = REL_BUF_INIT;

	if (rel_notes_cfg_issue_link(n->cfg, ref, &url) && !url.oom) {
		rel_buf_addc(b, '[');
		md_text(b, ref, 0);
		rel_buf_adds(b, "](<");
		rel_buf_add(b, url.s, url.len);
		rel_buf_adds(b, ">)");
	} else {
		md_text(b, ref, 0);
	}
	b->oom |= url.oom;
	rel_buf_free(&url);
}

/* Markdown text of desc[0..len). */
static void
md_textn(struct rel_buf *b, const char *s, size_t len)
{
	char *t = strndup(s, len);

	if (t)
		md_text(b, t, 0);
	else
		b->oom = 1;
	free(t);
}

/*
 * The description, with the commit's issues in it made links when there
 * are URLs for issues.  A description with a code span is written as it
 * is: a link cut through a span would break it.
 */
static void
md_desc(const struct rel_notes *n, const struct rel_notes_commit *k,
    const char *desc, struct rel_buf *b)
{
	const char *p = desc, *run = desc;

	if (!n->cfg || !n->cfg->nissue_urls || strchr(desc, '`')) {
		md_text(b, desc, 0);
		return;
	}
	while (*p) {
		const char *ref = NULL;
		size_t len = 0;

		if (p == desc || !isalnum((unsigned char)p[-1]))
			for (unsigned i = 0; i < k->nissues && !ref; i++) {
				const char *r = S(n->issues[n->refs[k->issue0 +
				    i]].ref);
				unsigned char after;

				len = strlen(r);
				after = (unsigned char)p[len];
				if (!strncmp(p, r, len) && !isalnum(after) &&
				    after != '-' && after != '_')
					ref = r;
			}
		if (!ref) {
			p++;
			continue;
		}
		md_textn(b, run, (size_t)(p - run));
		md_ref(n, b, ref);
		p += len;
		run = p;
	}
	md_textn(b, run, (size_t)(p - run));
}

static void
md_commit(const struct rel_notes *n, const struct rel_notes_commit *k,
    struct rel_buf *b, int with_text)
{
	const char *scope = S(k->scope), *desc = S(k->desc);
	struct rel_buf url = REL_BUF_INIT;
	size_t idlen = strlen(S(k->id));

	rel_buf_adds(b, "- ");
	if (idlen > REL_NOTES_SHORT)
		idlen = REL_NOTES_SHORT;
	if (rel_notes_cfg_commit_link(n->cfg, S(k->id), &url)) {
		rel_buf_addc(b, '[');
		md_code(b, S(k->id), idlen);
		rel_buf_adds(b, "](<");
		rel_buf_add(b, url.s, url.len);
		rel_buf_adds(b, ">)");
		b->oom |= url.oom;
	} else {
		md_code(b, S(k->id), idlen);
	}
	rel_buf_free(&url);
	rel_buf_addc(b, ' ');
	if (scope) {
		rel_buf_adds(b, "**");
		md_text(b, scope, 0);
		rel_buf_adds(b, ":** ");
	}
	if (desc && *desc)
		md_desc(n, k, desc, b);
	else
		rel_buf_adds(b, "*(no subject)*");
	if (k->breaking && !with_text)
		rel_buf_adds(b, " **(breaking)**");
	{
		unsigned shown = 0;

		for (unsigned i = 0; i < k->nissues; i++) {
			const char *ref = S(n->issues[n->refs[k->issue0 + i]].ref);

			if (mentioned(desc, ref))
				continue;
			rel_buf_adds(b, shown++ ? ", " : " (");
			md_ref(n, b, ref);
		}
		if (shown)
			rel_buf_addc(b, ')');
	}
	rel_buf_adds(b, " — ");
	md_text(b, S(n->people[k->author].name), 0);
	rel_buf_addc(b, '\n');
	if (with_text && S(k->breaking_text)) {
		rel_buf_addc(b, '\n');
		md_block(b, S(k->breaking_text), "  ");
	}
}

static void
md_field(struct rel_buf *b, const char *name)
{
	rel_buf_adds(b, "- **");
	rel_buf_adds(b, name);
	rel_buf_adds(b, ":** ");
}

static void
md_header(const struct rel_notes *n, struct rel_buf *b)
{
	char t[REL_TIME_MAX];

	rel_buf_adds(b, "# Release notes");
	if (S(n->release)) {
		rel_buf_adds(b, ": ");
		md_text(b, S(n->release), 0);
	}
	if (n->hotfix)
		rel_buf_adds(b, " (hotfix)");
	rel_buf_adds(b, "\n\n");
	if (n->hotfix)
		rel_buf_adds(b, "> **Hotfix:** this release is a hotfix.\n\n");
	if (S(n->product)) {
		md_field(b, "Product");
		md_text(b, S(n->product), 0);
		rel_buf_addc(b, '\n');
		rel_time_format(n->created, 0, t);
		md_field(b, "Created");
		rel_buf_adds(b, t);
		rel_buf_adds(b, " by ");
		md_text(b, S(n->by) ? S(n->by) : "?", 0);
		rel_buf_addc(b, '\n');
		md_field(b, "Hotfix");
		rel_buf_adds(b, n->hotfix ? "yes\n" : "no\n");
	}
	if (S(n->message)) {
		md_field(b, "Message");
		md_text(b, S(n->message), 0);
		rel_buf_addc(b, '\n');
	}
	if (S(n->head_rev) || S(n->rev)) {
		md_field(b, "Revision");
		md_codes(b, S(n->head_rev) ? S(n->head_rev) : S(n->rev));
		rel_buf_addc(b, '\n');
	} else if (n->no_rev) {
		md_field(b, "Revision");
		rel_buf_adds(b, "none recorded\n");
	}
	if (S(n->repo)) {
		md_field(b, "Repository");
		md_codes(b, S(n->repo));
		rel_buf_addc(b, '\n');
	}
	md_field(b, "Base");
	add_base(n, b, 1);
	rel_buf_addc(b, '\n');
	if (S(n->range)) {
		md_field(b, "Range");
		md_codes(b, S(n->range));
		rel_buf_addc(b, '\n');
	}
	md_field(b, "Commits");
	add_num(b, n->ncommits);
	add_left_out(n, b);
	rel_buf_addc(b, '\n');
	if (n->noutputs) {
		rel_buf_adds(b, "- **Outputs:**\n");
		for (size_t i = 0; i < n->noutputs; i++) {
			const struct rel_notes_output *o = &n->outputs[i];

			rel_buf_adds(b, "  - ");
			md_text(b, S(o->object), 0);
			rel_buf_adds(b, ": ");
			md_codes(b, S(o->key));
			rel_buf_adds(b, " = ");
			md_text(b, S(o->value), 0);
			rel_buf_addc(b, '\n');
		}
	}
	for (size_t i = 0; i < n->nnotes; i++) {
		rel_buf_adds(b, "\n> **Note:** ");
		md_text(b, S(n->notes[i]), 0);
		rel_buf_addc(b, '\n');
	}
}

static void
md_artifacts(const struct rel_notes *n, struct rel_buf *b)
{
	if (!n->nartifacts)
		return;
	rel_buf_adds(b, "\n## Artifacts\n\n");
	for (size_t i = 0; i < n->nartifacts; i++) {
		const struct rel_notes_artifact *a = &n->artifacts[i];

		rel_buf_adds(b, "- **");
		md_text(b, S(a->component), 0);
		rel_buf_adds(b, ":** ");
		add_change(n, a, b, md_codes, " → ");
		rel_buf_addc(b, '\n');
	}
}

/* "promote" -> "promoted", and the like. */
static const char *
how_done(const char *how)
{
	static const char *const done[][2] = { { "promote", "promoted" },
	    { "redeploy", "redeployed" }, { "rollback", "rolled back" },
	    { "restore", "restored" } };

	for (size_t i = 0; i < sizeof done / sizeof done[0]; i++)
		if (!strcmp(how, done[i][0]))
			return done[i][1];
	return how;
}

static void
md_promotions(const struct rel_notes *n, struct rel_buf *b)
{
	char t[REL_TIME_MAX];

	if (!n->npromotions)
		return;
	rel_buf_adds(b, "\n## Promotions\n\n");
	for (size_t i = 0; i < n->npromotions; i++) {
		const struct rel_notes_promotion *p = &n->promotions[i];

		rel_time_format(p->time, 0, t);
		rel_buf_adds(b, "- **");
		md_text(b, S(p->env), 0);
		rel_buf_adds(b, ":** ");
		rel_buf_adds(b, how_done(S(p->how)));
		rel_buf_adds(b, " by ");
		md_text(b, S(p->by) ? S(p->by) : "?", 0);
		rel_buf_adds(b, ", ");
		rel_buf_adds(b, t);
		if (S(p->why)) {
			rel_buf_adds(b, ": ");
			md_text(b, S(p->why), 0);
		}
		rel_buf_addc(b, '\n');
	}
}

static int
render_md(const struct rel_notes *n, struct rel_buf *b)
{
	struct rank *who;
	struct groups gs;

	md_header(n, b);
	md_artifacts(n, b);
	md_promotions(n, b);
	if (n->nbreaking) {
		rel_buf_adds(b, "\n## Breaking changes\n");
		for (size_t i = 0; i < n->ncommits; i++)
			if (n->commits[i].breaking) {
				/* A loose list: the texts are paragraphs. */
				rel_buf_addc(b, '\n');
				md_commit(n, &n->commits[i], b, 1);
			}
	}
	if (groups_make(n, &gs) < 0)
		return -1;
	for (size_t g = 0; g < gs.n; g++) {
		rel_buf_adds(b, "\n## ");
		md_text(b, gs.g[g].title, 1);
		rel_buf_adds(b, "\n\n");
		for (size_t i = 0; i < gs.g[g].count; i++)
			md_commit(n, &n->commits[gs.order[gs.g[g].first + i]],
			    b, 0);
	}
	groups_free(&gs);
	if (!n->ncommits)
		rel_buf_adds(b, "\n*No commits.*\n");
	if (n->nissues) {
		rel_buf_adds(b, "\n## Linked issues\n\n");
		for (size_t i = 0; i < n->nissues; i++) {
			rel_buf_adds(b, "- ");
			md_ref(n, b, S(n->issues[i].ref));
			if (n->issues[i].closes)
				rel_buf_adds(b, " (fixed)");
			rel_buf_addc(b, '\n');
		}
	}
	if (n->npeople) {
		if (!(who = ranked(n)))
			return -1;
		rel_buf_adds(b, "\n## Contributors\n\n");
		for (size_t i = 0; i < n->npeople; i++) {
			rel_buf_adds(b, "- ");
			md_text(b, who[i].name, 1);
			rel_buf_adds(b, " (");
			add_count(b, who[i].commits, "commit", "commits");
			rel_buf_adds(b, ")\n");
		}
		free(who);
	}
	return 0;
}

/* --- plain text -------------------------------------------------- */

static void
text_field(struct rel_buf *b, const char *name, const char *value)
{
	static const char pad[] = "            ";
	size_t len = strlen(name);

	rel_buf_adds(b, name);
	rel_buf_addc(b, ':');
	rel_buf_add(b, pad, len < 11 ? 11 - len : 1);
	if (value)
		rel_buf_adds(b, value);
}

static void
text_commit(const struct rel_notes *n, const struct rel_notes_commit *k,
    struct rel_buf *b, int with_text)
{
	const char *scope = S(k->scope), *desc = S(k->desc);

	rel_buf_adds(b, "  ");
	add_short(b, S(k->id));
	rel_buf_addc(b, ' ');
	if (scope) {
		rel_buf_adds(b, scope);
		rel_buf_adds(b, ": ");
	}
	rel_buf_adds(b, desc && *desc ? desc : "(no subject)");
	if (k->breaking && !with_text)
		rel_buf_adds(b, " (breaking)");
	{
		unsigned shown = 0;

		for (unsigned i = 0; i < k->nissues; i++) {
			const char *ref = S(n->issues[n->refs[k->issue0 + i]].ref);

			if (mentioned(desc, ref))
				continue;
			rel_buf_adds(b, shown++ ? ", " : " [");
			rel_buf_adds(b, ref);
		}
		if (shown)
			rel_buf_addc(b, ']');
	}
	rel_buf_adds(b, " (");
	rel_buf_adds(b, S(n->people[k->author].name));
	rel_buf_adds(b, ")\n");
	if (with_text && S(k->breaking_text)) {
		const char *s = S(k->breaking_text);

		while (*s) {
			size_t len = strcspn(s, "\n");

			rel_buf_adds(b, "      ");
			rel_buf_add(b, s, len);
			rel_buf_addc(b, '\n');
			s += len + (s[len] == '\n');
		}
	}
}

static int
render_text(const struct rel_notes *n, struct rel_buf *b)
{
	char t[REL_TIME_MAX];
	struct rank *who;
	struct groups gs;

	rel_buf_adds(b, S(n->release) ? S(n->release) : "release notes");
	if (n->hotfix)
		rel_buf_adds(b, " (hotfix)");
	rel_buf_addc(b, '\n');
	if (S(n->product)) {
		text_field(b, "product", S(n->product));
		rel_buf_addc(b, '\n');
		rel_time_format(n->created, 0, t);
		text_field(b, "created", t);
		rel_buf_adds(b, " by ");
		rel_buf_adds(b, S(n->by) ? S(n->by) : "?");
		rel_buf_addc(b, '\n');
		text_field(b, "hotfix", n->hotfix ? "yes\n" : "no\n");
	}
	if (S(n->message)) {
		text_field(b, "message", S(n->message));
		rel_buf_addc(b, '\n');
	}
	if (!S(n->head_rev) && !S(n->rev) && n->no_rev) {
		text_field(b, "revision", "none recorded\n");
	} else if (S(n->head_rev) || S(n->rev)) {
		text_field(b, "revision", S(n->head_rev) ? S(n->head_rev) :
		    S(n->rev));
		rel_buf_addc(b, '\n');
	}
	if (S(n->repo)) {
		text_field(b, "repository", S(n->repo));
		rel_buf_addc(b, '\n');
	}
	text_field(b, "base", NULL);
	add_base(n, b, 0);
	rel_buf_addc(b, '\n');
	if (S(n->range)) {
		text_field(b, "range", S(n->range));
		rel_buf_addc(b, '\n');
	}
	text_field(b, "commits", NULL);
	add_num(b, n->ncommits);
	add_left_out(n, b);
	rel_buf_addc(b, '\n');
	for (size_t i = 0; i < n->noutputs; i++) {
		text_field(b, "output", S(n->outputs[i].object));
		rel_buf_addc(b, ' ');
		rel_buf_adds(b, S(n->outputs[i].key));
		rel_buf_addc(b, '=');
		rel_buf_adds(b, S(n->outputs[i].value));
		rel_buf_addc(b, '\n');
	}
	for (size_t i = 0; i < n->nnotes; i++) {
		text_field(b, "note", S(n->notes[i]));
		rel_buf_addc(b, '\n');
	}
	for (size_t i = 0; i < n->npromotions; i++) {
		const struct rel_notes_promotion *p = &n->promotions[i];

		rel_time_format(p->time, 0, t);
		text_field(b, "promotion", S(p->env));
		rel_buf_addc(b, ' ');
		rel_buf_adds(b, how_done(S(p->how)));
		rel_buf_adds(b, " by ");
		rel_buf_adds(b, S(p->by) ? S(p->by) : "?");
		rel_buf_adds(b, ", ");
		rel_buf_adds(b, t);
		if (S(p->why)) {
			rel_buf_adds(b, ": ");
			rel_buf_adds(b, S(p->why));
		}
		rel_buf_addc(b, '\n');
	}
	if (n->nartifacts) {
		rel_buf_adds(b, "\nArtifacts\n");
		for (size_t i = 0; i < n->nartifacts; i++) {
			const struct rel_notes_artifact *a = &n->artifacts[i];

			rel_buf_adds(b, "  ");
			rel_buf_adds(b, S(a->component));
			rel_buf_adds(b, ": ");
			add_change(n, a, b, rel_buf_adds, " -> ");
			rel_buf_addc(b, '\n');
		}
	}
	if (n->nbreaking) {
		rel_buf_adds(b, "\nBreaking changes\n");
		for (size_t i = 0; i < n->ncommits; i++)
			if (n->commits[i].breaking)
				text_commit(n, &n->commits[i], b, 1);
	}
	if (groups_make(n, &gs) < 0)
		return -1;
	for (size_t g = 0; g < gs.n; g++) {
		rel_buf_addc(b, '\n');
		rel_buf_adds(b, gs.g[g].title);
		rel_buf_addc(b, '\n');
		for (size_t i = 0; i < gs.g[g].count; i++)
			text_commit(n, &n->commits[gs.order[gs.g[g].first + i]],
			    b, 0);
	}
	groups_free(&gs);
	if (n->nissues) {
		rel_buf_adds(b, "\nLinked issues\n");
		for (size_t i = 0; i < n->nissues; i++) {
			rel_buf_adds(b, "  ");
			rel_buf_adds(b, S(n->issues[i].ref));
			if (n->issues[i].closes)
				rel_buf_adds(b, " (fixed)");
			rel_buf_addc(b, '\n');
		}
	}
	if (n->npeople) {
		if (!(who = ranked(n)))
			return -1;
		rel_buf_adds(b, "\nContributors\n");
		for (size_t i = 0; i < n->npeople; i++) {
			char num[32];

			snprintf(num, sizeof num, "  %4zu  ", who[i].commits);
			rel_buf_adds(b, num);
			rel_buf_adds(b, who[i].name);
			rel_buf_addc(b, '\n');
		}
		free(who);
	}
	return 0;
}

/* --- JSON -------------------------------------------------------- */

static void
json_key(struct rel_buf *b, const char *key, int *first)
{
	if (!*first)
		rel_buf_addc(b, ',');
	*first = 0;
	rel_buf_addc(b, '"');
	rel_buf_adds(b, key);
	rel_buf_adds(b, "\":");
}

#define LIT(b, lit) rel_buf_add((b), (lit), sizeof(lit) - 1)

/*
 * s as a JSON string, or null.  Model strings are valid UTF-8 whose only
 * control character is '\n' (see put), so this is a copy with a few
 * escapes, done in place after one grow; any control is escaped anyway.
 */
static void
json_str(struct rel_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t len;
	char *o;

	if (!s) {
		LIT(b, "null");
		return;
	}
	len = strlen(s);
	if (len > SIZE_MAX / 8 || rel_buf_grow(b, len * 6 + 2) < 0)
		return;
	o = b->s + b->len;
	*o++ = '"';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
			continue;
		}
		*o++ = '\\';
		if (c == '"' || c == '\\') {
			*o++ = (char)c;
		} else if (c == '\n') {
			*o++ = 'n';
		} else {
			memcpy(o, "u00", 3);
			o[3] = hex[c >> 4];
			o[4] = hex[c & 15];
			o += 5;
		}
	}
	*o++ = '"';
	b->len = (size_t)(o - b->s);
	b->s[b->len] = '\0';
}

/* secs as "YYYY-MM-DDTHH:MM:SSZ" (UTC), into out[21]; -1 if out of
 * range.  Civil from days after H. Hinnant: no gmtime, no printf, as
 * this runs once per commit. */
static int
iso_time(int64_t secs, char out[21])
{
	int64_t z, era, doe, yoe, doy, mp, y, m, d, sod;
	int64_t v[6];

	if (secs < 0 || secs >= INT64_C(253402300800))   /* year 10000 */
		return -1;
	z = secs / 86400 + 719468;
	sod = secs % 86400;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	v[0] = y; v[1] = m; v[2] = d;
	v[3] = sod / 3600; v[4] = sod / 60 % 60; v[5] = sod % 60;
	memcpy(out, "0000-00-00T00:00:00Z", 21);
	for (int i = 0; i < 4; i++, y /= 10)
		out[3 - i] = (char)('0' + y % 10);
	for (int i = 1; i < 6; i++) {
		out[2 + 3 * i] = (char)('0' + v[i] / 10);
		out[3 + 3 * i] = (char)('0' + v[i] % 10);
	}
	return 0;
}

/* The link that fn makes of what, as a JSON string, or null. */
static void
json_link(struct rel_buf *b, const struct rel_notes_cfg *cfg,
    const char *what, int (*fn)(const struct rel_notes_cfg *, const char *,
    struct rel_buf *))
{
	struct rel_buf url = REL_BUF_INIT;

	if (fn(cfg, what, &url) && !url.oom)
		json_str(b, url.s);
	else
		LIT(b, "null");
	b->oom |= url.oom;
	rel_buf_free(&url);
}

static void
json_kstr(struct rel_buf *b, const char *key, const char *s, int *first)
{
	json_key(b, key, first);
	json_str(b, s);
}

static void
json_kbool(struct rel_buf *b, const char *key, int v, int *first)
{
	json_key(b, key, first);
	rel_buf_adds(b, v ? "true" : "false");
}

static void
json_knum(struct rel_buf *b, const char *key, size_t v, int *first)
{
	char num[32];

	json_key(b, key, first);
	snprintf(num, sizeof num, "%zu", v);
	rel_buf_adds(b, num);
}

static void
json_commit(const struct rel_notes *n, const struct rel_notes_commit *k,
    struct rel_buf *b)
{
	const struct rel_notes_person *who = &n->people[k->author];
	const char *id = S(k->id);
	char t[21];

	LIT(b, "{\"id\":");
	json_str(b, id);
	LIT(b, ",\"short\":\"");
	add_short(b, id);
	LIT(b, "\",\"type\":\"");
	rel_buf_adds(b, type_name(n, k));
	LIT(b, "\",\"scope\":");
	json_str(b, S(k->scope));
	if (k->breaking)
		LIT(b, ",\"breaking\":true,\"breaking_text\":");
	else
		LIT(b, ",\"breaking\":false,\"breaking_text\":");
	json_str(b, S(k->breaking_text));
	LIT(b, ",\"description\":");
	json_str(b, S(k->desc));
	LIT(b, ",\"subject\":");
	json_str(b, S(k->subject));
	LIT(b, ",\"author\":");
	json_str(b, S(who->name));
	LIT(b, ",\"email\":");
	json_str(b, S(who->email));
	LIT(b, ",\"time\":");
	json_str(b, iso_time(k->time, t) == 0 ? t : NULL);
	if (k->merge)
		LIT(b, ",\"merge\":true,\"issues\":[");
	else
		LIT(b, ",\"merge\":false,\"issues\":[");
	for (unsigned i = 0; i < k->nissues; i++) {
		if (i)
			rel_buf_addc(b, ',');
		json_str(b, S(n->issues[n->refs[k->issue0 + i]].ref));
	}
	LIT(b, "],\"url\":");
	json_link(b, n->cfg, id, rel_notes_cfg_commit_link);
	rel_buf_addc(b, '}');
}

static int
render_json(const struct rel_notes *n, struct rel_buf *b)
{
	char t[REL_TIME_MAX];
	struct rank *who;
	struct groups gs;
	size_t *start = NULL, *fill = NULL, *by_issue = NULL;
	int first = 1, any;

	rel_buf_addc(b, '{');
	json_kstr(b, "id", S(n->release), &first);
	json_kstr(b, "product", S(n->product), &first);
	json_key(b, "number", &first);
	if (S(n->release))
		rel_buf_addf(b, "%lu", n->number);
	else
		rel_buf_adds(b, "null");
	rel_time_format(n->created, 0, t);
	json_kstr(b, "created", S(n->release) ? t : NULL, &first);
	json_kstr(b, "by", S(n->by), &first);
	json_kbool(b, "hotfix", n->hotfix, &first);
	json_kstr(b, "message", S(n->message), &first);
	json_kstr(b, "rev", S(n->rev), &first);
	json_kstr(b, "repo", S(n->repo), &first);
	json_key(b, "outputs", &first);
	rel_buf_addc(b, '[');
	for (size_t i = 0; i < n->noutputs; i++) {
		int f = 1;

		rel_buf_adds(b, i ? ",{" : "{");
		json_kstr(b, "object", S(n->outputs[i].object), &f);
		json_kstr(b, "key", S(n->outputs[i].key), &f);
		json_kstr(b, "value", S(n->outputs[i].value), &f);
		rel_buf_addc(b, '}');
	}
	rel_buf_addc(b, ']');
	json_key(b, "promotions", &first);
	rel_buf_addc(b, '[');
	for (size_t i = 0; i < n->npromotions; i++) {
		const struct rel_notes_promotion *p = &n->promotions[i];
		int f = 1;

		rel_time_format(p->time, 0, t);
		rel_buf_adds(b, i ? ",{" : "{");
		json_kstr(b, "env", S(p->env), &f);
		json_kstr(b, "how", S(p->how), &f);
		json_kstr(b, "by", S(p->by), &f);
		json_kstr(b, "time", t, &f);
		json_kstr(b, "why", S(p->why), &f);
		rel_buf_addc(b, '}');
	}
	rel_buf_addc(b, ']');

	json_key(b, "base", &first);
	{
		int f = 1;

		rel_buf_addc(b, '{');
		json_kstr(b, "how", base_names[n->base], &f);
		json_kstr(b, "release", S(n->base_release), &f);
		json_kstr(b, "env", S(n->base_env), &f);
		json_kstr(b, "rev", S(n->base_rev), &f);
		rel_buf_addc(b, '}');
	}
	json_kstr(b, "head", S(n->head_rev), &first);
	json_kstr(b, "range", S(n->range), &first);
	json_kbool(b, "merges", n->merges, &first);
	json_knum(b, "merges_left_out", n->merges_left_out, &first);
	json_key(b, "exclude", &first);
	rel_buf_addc(b, '[');
	for (size_t i = 0; n->cfg && i < n->cfg->nexclude; i++) {
		if (i)
			rel_buf_addc(b, ',');
		json_str(b, n->cfg->exclude[i]);
	}
	rel_buf_addc(b, ']');
	json_knum(b, "excluded", n->excluded, &first);
	json_knum(b, "commit_count", n->ncommits, &first);
	json_key(b, "walk", &first);
	{
		int f = 1;

		rel_buf_addc(b, '{');
		json_kbool(b, "commit_graph", n->walk_graph, &f);
		json_knum(b, "commits_read", n->walk_read, &f);
		json_knum(b, "commits_visited", n->walk_visited, &f);
		rel_buf_addc(b, '}');
	}
	json_key(b, "notes", &first);
	rel_buf_addc(b, '[');
	for (size_t i = 0; i < n->nnotes; i++) {
		if (i)
			rel_buf_addc(b, ',');
		json_str(b, S(n->notes[i]));
	}
	rel_buf_addc(b, ']');

	json_kbool(b, "compared", n->compared, &first);
	json_key(b, "artifacts", &first);
	rel_buf_addc(b, '[');
	for (size_t i = 0; i < n->nartifacts; i++) {
		const struct rel_notes_artifact *a = &n->artifacts[i];
		int f = 1;

		rel_buf_adds(b, i ? ",{" : "{");
		json_kstr(b, "component", S(a->component), &f);
		json_kstr(b, "old", S(a->old_version), &f);
		json_kstr(b, "new", S(a->new_version), &f);
		json_kstr(b, "change", n->compared ? change_names[a->change] :
		    NULL, &f);
		rel_buf_addc(b, '}');
	}
	rel_buf_addc(b, ']');

	json_key(b, "breaking", &first);
	rel_buf_addc(b, '[');
	any = 0;
	for (size_t i = 0; i < n->ncommits; i++) {
		if (!n->commits[i].breaking)
			continue;
		if (any++)
			rel_buf_addc(b, ',');
		json_commit(n, &n->commits[i], b);
	}
	rel_buf_addc(b, ']');

	json_key(b, "groups", &first);
	rel_buf_addc(b, '[');
	any = 0;
	if (groups_make(n, &gs) < 0)
		return -1;
	for (size_t g = 0; g < gs.n; g++) {
		int f = 1;

		if (g)
			rel_buf_addc(b, ',');
		rel_buf_addc(b, '{');
		json_kstr(b, "type", gs.g[g].type, &f);
		json_kstr(b, "title", gs.g[g].title, &f);
		json_key(b, "commits", &f);
		rel_buf_addc(b, '[');
		for (size_t i = 0; i < gs.g[g].count; i++) {
			if (i)
				rel_buf_addc(b, ',');
			json_commit(n, &n->commits[gs.order[gs.g[g].first + i]],
			    b);
		}
		rel_buf_adds(b, "]}");
	}
	groups_free(&gs);
	rel_buf_addc(b, ']');

	/* Issues with the commits that name them: bucket the refs. */
	if (!(start = calloc(n->nissues + 1, sizeof *start)) ||
	    !(fill = calloc(n->nissues + 1, sizeof *fill)) ||
	    !(by_issue = calloc(n->nrefs + 1, sizeof *by_issue))) {
		free(start);
		free(fill);
		return -1;
	}
	for (size_t r = 0; r < n->nrefs; r++)
		start[n->refs[r] + 1]++;
	for (size_t i = 0; i < n->nissues; i++)
		start[i + 1] += start[i];
	for (size_t c = 0; c < n->ncommits; c++)
		for (unsigned k = 0; k < n->commits[c].nissues; k++) {
			size_t ix = n->refs[n->commits[c].issue0 + k];

			by_issue[start[ix] + fill[ix]++] = c;
		}
	json_key(b, "issues", &first);
	rel_buf_addc(b, '[');
	for (size_t i = 0; i < n->nissues; i++) {
		int f = 1;

		rel_buf_adds(b, i ? ",{" : "{");
		json_kstr(b, "ref", S(n->issues[i].ref), &f);
		json_kstr(b, "kind", kind_names[n->issues[i].kind], &f);
		json_kbool(b, "closes", n->issues[i].closes, &f);
		json_key(b, "commits", &f);
		rel_buf_addc(b, '[');
		for (size_t k = start[i]; k < start[i + 1]; k++) {
			if (k > start[i])
				rel_buf_addc(b, ',');
			json_str(b, S(n->commits[by_issue[k]].id));
		}
		rel_buf_adds(b, "],\"url\":");
		json_link(b, n->cfg, S(n->issues[i].ref),
		    rel_notes_cfg_issue_link);
		rel_buf_addc(b, '}');
	}
	rel_buf_addc(b, ']');
	free(start);
	free(fill);
	free(by_issue);

	if (!(who = ranked(n)))
		return -1;
	json_key(b, "contributors", &first);
	rel_buf_addc(b, '[');
	for (size_t i = 0; i < n->npeople; i++) {
		int f = 1;

		rel_buf_adds(b, i ? ",{" : "{");
		json_kstr(b, "name", who[i].name, &f);
		json_kstr(b, "email", S(n->people[who[i].i].email), &f);
		json_knum(b, "commits", who[i].commits, &f);
		rel_buf_addc(b, '}');
	}
	rel_buf_adds(b, "]}\n");
	free(who);
	return 0;
}

int
rel_notes_render(const struct rel_notes *n, enum rel_notes_format f,
    struct rel_buf *out, struct rel_err *err)
{
	int rc;

	if (n->oom || n->strs.oom)
		return rel_err_set(err, REL_ESYS, "out of memory");
	switch (f) {
	case REL_NOTES_MD:
		rc = render_md(n, out);
		break;
	case REL_NOTES_TEXT:
		rc = render_text(n, out);
		break;
	case REL_NOTES_JSON:
		rc = render_json(n, out);
		break;
	default:
		return rel_err_set(err, REL_EUSAGE, "unknown notes format");
	}
	if (rc < 0 || out->oom)
		return rel_err_set(err, REL_ESYS, "out of memory");
	return 0;
}
