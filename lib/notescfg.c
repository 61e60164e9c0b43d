/*
 * notescfg.c - the release notes configuration (see notescfg.h).
 *
 * The lists are a handful of entries each, grown one at a time; matching
 * walks them.  Strings are copied, so the caller's may go away.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commitmsg.h"
#include "notescfg.h"

static const char *const issue_holes[] = { "number", "key", "ref", NULL };
static const char *const commit_holes[] = { "id", "short", NULL };

static int
nomem(struct rel_err *err)
{
	return rel_err_set(err, REL_ESYS, "out of memory");
}

static void
free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
rel_notes_cfg_free(struct rel_notes_cfg *c)
{
	free_list(c->keys, c->nkeys);
	for (size_t i = 0; i < c->nissue_urls; i++) {
		free(c->issue_urls[i].key);
		free(c->issue_urls[i].url);
	}
	free(c->issue_urls);
	free(c->commit_url);
	free_list(c->exclude, c->nexclude);
	memset(c, 0, sizeof *c);
}

/* Append a copy of s to the list *v of *n. */
static int
push(char ***v, size_t *n, const char *s, struct rel_err *err)
{
	char **nv = realloc(*v, (*n + 1) * sizeof **v);

	if (!nv)
		return nomem(err);
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return nomem(err);
	(*n)++;
	return 0;
}

int
rel_notes_cfg_key(struct rel_notes_cfg *c, const char *key,
    struct rel_err *err)
{
	if (!rel_cm_key_valid(key))
		return rel_err_set(err, REL_EUSAGE, "issue key '%s': expected "
		    "an upper-case letter, then upper-case letters, digits "
		    "or '_' (at most %d), as PROJ in PROJ-12", key,
		    REL_CM_MAX_KEY);
	for (size_t i = 0; i < c->nkeys; i++)
		if (!strcmp(c->keys[i], key))
			return 0;
	return push(&c->keys, &c->nkeys, key, err);
}

/* Check a URL template whose {names} are among holes. */
static int
check_template(const char *what, const char *t, const char *const *holes,
    struct rel_err *err)
{
	const char *p;

	if (!*t)
		return rel_err_set(err, REL_EUSAGE, "%s: empty", what);
	for (p = t; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		size_t len, k;
		const char *close;

		if (ch <= ' ' || ch == 0x7f || ch == '<' || ch == '>')
			return rel_err_set(err, REL_EUSAGE, "%s '%s': a URL "
			    "has no blanks, control characters, '<' or '>'",
			    what, t);
		if (ch != '{')
			continue;
		if (!(close = strchr(p, '}')))
			return rel_err_set(err, REL_EUSAGE, "%s '%s': '{' "
			    "without '}'", what, t);
		len = (size_t)(close - p - 1);
		for (k = 0; holes[k]; k++)
			if (strlen(holes[k]) == len &&
			    !memcmp(holes[k], p + 1, len))
				break;
		if (!holes[k]) {
			char known[64];
			size_t n = 0;

			for (k = 0; holes[k]; k++)
				n += (size_t)snprintf(known + n, sizeof known -
				    n, "%s{%s}", k ? ", " : "", holes[k]);
			return rel_err_set(err, REL_EUSAGE, "%s '%s': unknown "
			    "{%.*s} (known: %s)", what, t, (int)len, p + 1,
			    known);
		}
		p = close;
	}
	return 0;
}

int
rel_notes_cfg_issue_url(struct rel_notes_cfg *c, const char *key,
    const char *tmpl, struct rel_err *err)
{
	struct rel_notes_url *nv, *u = NULL;
	char *url;
	int rc;

	if (key && strcmp(key, "#") && !rel_cm_key_valid(key))
		return rel_err_set(err, REL_EUSAGE, "issue_url: '%s' is not "
		    "an issue key (PROJ) or '#'", key);
	if ((rc = check_template("issue_url", tmpl, issue_holes, err)))
		return rc;
	for (size_t i = 0; i < c->nissue_urls; i++)
		if ((!key && !c->issue_urls[i].key) || (key &&
		    c->issue_urls[i].key && !strcmp(key,
		    c->issue_urls[i].key)))
			u = &c->issue_urls[i];
	if (!(url = strdup(tmpl)))
		return nomem(err);
	if (u) {
		free(u->url);
		u->url = url;
		return 0;
	}
	if (!(nv = realloc(c->issue_urls, (c->nissue_urls + 1) *
	    sizeof *nv))) {
		free(url);
		return nomem(err);
	}
	c->issue_urls = nv;
	u = &nv[c->nissue_urls];
	u->url = url;
	u->key = NULL;
	if (key && !(u->key = strdup(key))) {
		free(url);
		return nomem(err);
	}
	c->nissue_urls++;
	return 0;
}

int
rel_notes_cfg_commit_url(struct rel_notes_cfg *c, const char *tmpl,
    struct rel_err *err)
{
	char *url;
	int rc;

	if ((rc = check_template("commit_url", tmpl, commit_holes, err)))
		return rc;
	if (!(url = strdup(tmpl)))
		return nomem(err);
	free(c->commit_url);
	c->commit_url = url;
	return 0;
}

/* Split a pattern: the type is p[0..*tlen); *scope the glob between the
 * parentheses (NULL without them) of *slen bytes.  -1 if malformed. */
static int
split_pattern(const char *p, size_t *tlen, const char **scope, size_t *slen)
{
	const char *open = strchr(p, '('), *end = p + strlen(p);

	*scope = NULL;
	*slen = 0;
	*tlen = open ? (size_t)(open - p) : (size_t)(end - p);
	if (!*tlen || memchr(p, ')', *tlen) || strpbrk(p, " \t\n\r"))
		return -1;
	if (!open)
		return 0;
	if (end[-1] != ')' || end - 1 <= open)
		return -1;
	*scope = open + 1;
	*slen = (size_t)(end - 1 - open - 1);
	if (memchr(*scope, '(', *slen) || memchr(*scope, ')', *slen))
		return -1;
	return 0;
}

int
rel_notes_cfg_exclude(struct rel_notes_cfg *c, const char *pattern,
    struct rel_err *err)
{
	const char *scope;
	size_t tlen, slen;

	if (split_pattern(pattern, &tlen, &scope, &slen) < 0)
		return rel_err_set(err, REL_EUSAGE, "exclude pattern '%s': "
		    "expected TYPE or TYPE(SCOPE), such as chore(deps)",
		    pattern);
	return push(&c->exclude, &c->nexclude, pattern, err);
}

int
rel_notes_cfg_check(const struct rel_notes_cfg *c, struct rel_err *err)
{
	for (size_t i = 0; i < c->nissue_urls; i++) {
		const char *k = c->issue_urls[i].key;
		size_t j;

		if (!k || !strcmp(k, "#") || !strcmp(k, "GH"))
			continue;
		for (j = 0; j < c->nkeys; j++)
			if (!strcmp(c->keys[j], k))
				break;
		if (j == c->nkeys)
			return rel_err_set(err, REL_EUSAGE, "issue_url: '%s' "
			    "is not one of issue_keys", k);
	}
	return 0;
}

int
rel_notes_cfg_merge(struct rel_notes_cfg *dst,
    const struct rel_notes_cfg *src, struct rel_err *err)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < src->nkeys; i++)
		rc = rel_notes_cfg_key(dst, src->keys[i], err);
	for (size_t i = 0; !rc && i < src->nissue_urls; i++)
		rc = rel_notes_cfg_issue_url(dst, src->issue_urls[i].key,
		    src->issue_urls[i].url, err);
	if (!rc && src->commit_url)
		rc = rel_notes_cfg_commit_url(dst, src->commit_url, err);
	for (size_t i = 0; !rc && i < src->nexclude; i++)
		rc = rel_notes_cfg_exclude(dst, src->exclude[i], err);
	return rc;
}

int
rel_notes_cfg_excluded(const struct rel_notes_cfg *c, const char *type,
    const char *scope, size_t scopelen)
{
	char tglob[REL_CM_MAX_TYPE * 4 + 1], sglob[256], sc[256];

	if (!c || !c->nexclude)
		return 0;
	if (scopelen >= sizeof sc)
		scopelen = sizeof sc - 1;
	memcpy(sc, scope ? scope : "", scopelen);
	sc[scopelen] = '\0';
	for (size_t i = 0; i < c->nexclude; i++) {
		const char *sp;
		size_t tlen, slen, k;

		if (split_pattern(c->exclude[i], &tlen, &sp, &slen) < 0 ||
		    tlen >= sizeof tglob || slen >= sizeof sglob)
			continue;
		for (k = 0; k < tlen; k++) {
			char ch = c->exclude[i][k];

			tglob[k] = ch >= 'A' && ch <= 'Z' ?
			    (char)(ch - 'A' + 'a') : ch;
		}
		tglob[tlen] = '\0';
		if (fnmatch(tglob, type, 0) != 0)
			continue;
		if (!sp)
			return 1;
		memcpy(sglob, sp, slen);
		sglob[slen] = '\0';
		if (fnmatch(sglob, sc, 0) == 0)
			return 1;
	}
	return 0;
}

/* Append tmpl to b with each {name} replaced by vals[k] for holes[k]. */
static void
expand(struct rel_buf *b, const char *tmpl, const char *const *holes,
    const char *const *vals)
{
	const char *p = tmpl, *close;

	while (*p) {
		size_t k, len;

		if (*p != '{' || !(close = strchr(p, '}'))) {
			rel_buf_addc(b, *p++);
			continue;
		}
		len = (size_t)(close - p - 1);
		for (k = 0; holes[k]; k++)
			if (strlen(holes[k]) == len &&
			    !memcmp(holes[k], p + 1, len))
				break;
		if (holes[k])
			rel_buf_adds(b, vals[k]);
		else
			rel_buf_add(b, p, (size_t)(close - p + 1));
		p = close + 1;
	}
}

int
rel_notes_cfg_issue_link(const struct rel_notes_cfg *c, const char *ref,
    struct rel_buf *b)
{
	const struct rel_notes_url *any = NULL, *mine = NULL;
	char key[REL_CM_MAX_KEY + 1] = "", esc[256];
	const char *num, *vals[3];
	size_t i, o;

	if (!c || !ref)
		return 0;
	/* The key: "" for #N, "GH"/"PROJ" for KEY-N; owner/repo#N has none
	 * a template could serve. */
	if (ref[0] == '#') {
		num = ref + 1;
	} else if (strchr(ref, '#')) {
		return 0;
	} else {
		const char *dash = strchr(ref, '-');

		if (!dash || (size_t)(dash - ref) > REL_CM_MAX_KEY)
			return 0;
		memcpy(key, ref, (size_t)(dash - ref));
		key[dash - ref] = '\0';
		for (i = 0; key[i]; i++)
			if (key[i] >= 'a' && key[i] <= 'z')
				key[i] = (char)(key[i] - 'a' + 'A');
		num = dash + 1;
	}
	for (i = 0; i < c->nissue_urls; i++) {
		const char *k = c->issue_urls[i].key;

		if (!k)
			any = &c->issue_urls[i];
		else if (!strcmp(k, "#") ? (!key[0] || !strcmp(key, "GH")) :
		    !strcmp(k, key))
			mine = &c->issue_urls[i];
	}
	if (!mine)
		mine = any;
	if (!mine)
		return 0;
	for (i = o = 0; ref[i] && o + 4 < sizeof esc; i++) {
		if (ref[i] == '#') {
			memcpy(esc + o, "%23", 3);
			o += 3;
		} else {
			esc[o++] = ref[i];
		}
	}
	esc[o] = '\0';
	vals[0] = num;
	vals[1] = key;
	vals[2] = esc;
	expand(b, mine->url, issue_holes, vals);
	return 1;
}

int
rel_notes_cfg_commit_link(const struct rel_notes_cfg *c, const char *id,
    struct rel_buf *b)
{
	char shortid[8];
	const char *vals[2];

	if (!c || !c->commit_url || !id)
		return 0;
	snprintf(shortid, sizeof shortid, "%.7s", id);
	vals[0] = id;
	vals[1] = shortid;
	expand(b, c->commit_url, commit_holes, vals);
	return 1;
}
