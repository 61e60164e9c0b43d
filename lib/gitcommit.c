/*
 * gitcommit.c - a raw commit object taken apart, and its message turned
 * into UTF-8 (see gitcommit.h).
 *
 * Header lines come in the order git writes them (tree, parents, author,
 * committer, then optional ones such as encoding, gpgsig, mergetag);
 * lines that continue a header start with a space and are skipped.  The
 * message follows the first empty line.
 */
#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "gitcommit.h"

int
rel_git_hex_to_oid(const char *hex, unsigned char oid[REL_GIT_RAWSZ])
{
	for (int i = 0; i < REL_GIT_RAWSZ; i++) {
		int hi = rel_hexval((unsigned char)hex[2 * i]);
		int lo = hi < 0 ? -1 :
		    rel_hexval((unsigned char)hex[2 * i + 1]);

		if (lo < 0)
			return -1;
		oid[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

void
rel_git_oid_to_hex(const unsigned char oid[REL_GIT_RAWSZ],
    char hex[REL_GIT_HEXSZ + 1])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < REL_GIT_RAWSZ; i++) {
		hex[2 * i] = digits[oid[i] >> 4];
		hex[2 * i + 1] = digits[oid[i] & 15];
	}
	hex[REL_GIT_HEXSZ] = '\0';
}

/* "Name <email> 1700000000 +0100" from s to e: name, email, the time. */
static void
person(const char *s, const char *e, const char **name, size_t *namelen,
    const char **email, size_t *emaillen, int64_t *t)
{
	const char *lt = memchr(s, '<', (size_t)(e - s)), *gt, *p, *ne;
	int digits = 0;

	*t = 0;
	if (!lt) {
		if (name) {
			*name = s;
			*namelen = (size_t)(e - s);
		}
		return;
	}
	for (ne = lt; ne > s && ne[-1] == ' '; ne--)
		;
	if (name) {
		*name = s;
		*namelen = (size_t)(ne - s);
	}
	if (!(gt = memchr(lt, '>', (size_t)(e - lt))))
		return;
	if (email) {
		*email = lt + 1;
		*emaillen = (size_t)(gt - lt - 1);
	}
	for (p = gt + 1; p < e && *p == ' '; p++)
		;
	for (; p < e && *p >= '0' && *p <= '9' && digits < 15; p++, digits++)
		*t = *t * 10 + (*p - '0');
}

static int
is(const char *p, const char *le, const char *word, size_t n)
{
	return (size_t)(le - p) > n && !memcmp(p, word, n);
}

void
rel_git_commit_parse(const char *d, size_t len, struct rel_git_commit *c)
{
	const char *p = d, *end = d + len, *last_parent = NULL;

	memset(c, 0, sizeof *c);
	c->name = c->email = "";
	c->msg = end;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if (le == p) {
			c->msg = p + 1;
			c->msglen = (size_t)(end - p - 1);
			break;
		}
		if (is(p, le, "parent ", 7) && nl &&
		    le - p == 7 + REL_GIT_HEXSZ) {
			/* Only a run of whole lines, as git writes them: the
			 * i-th is found by its position. */
			if (!c->parents) {
				c->parents = p;
				c->nparents = 1;
			} else if (last_parent && p == last_parent + 7 +
			    REL_GIT_HEXSZ + 1) {
				c->nparents++;
			}
			last_parent = p;
		} else if (is(p, le, "author ", 7)) {
			person(p + 7, le, &c->name, &c->namelen, &c->email,
			    &c->emaillen, &c->author_time);
		} else if (is(p, le, "committer ", 10)) {
			person(p + 10, le, NULL, NULL, NULL, NULL, &c->time);
		} else if (is(p, le, "encoding ", 9)) {
			c->encoding = p + 9;
			c->encodinglen = (size_t)(le - p - 9);
		}
		p = le + 1;
	}
}

int
rel_git_commit_parent(const struct rel_git_commit *c, size_t i,
    unsigned char oid[REL_GIT_RAWSZ])
{
	const char *line;

	if (!c->parents || i >= c->nparents)
		return -1;
	line = c->parents + i * (7 + REL_GIT_HEXSZ + 1);
	if (memcmp(line, "parent ", 7) != 0 ||
	    (line[7 + REL_GIT_HEXSZ] != '\n'))
		return -1;
	return rel_git_hex_to_oid(line + 7, oid);
}

void
rel_git_recode_free(struct rel_git_recode *r)
{
	if (r->cd)
		iconv_close((iconv_t)r->cd);
	r->cd = NULL;
	r->from[0] = '\0';
	r->failed = 0;
}

/* Is the encoding named s[0..len) UTF-8 ("utf-8", "UTF8", as git's
 * same_encoding)? */
static int
is_utf8(const char *s, size_t len)
{
	return (len == 5 && !strncasecmp(s, "utf-8", 5)) ||
	    (len == 4 && !strncasecmp(s, "utf8", 4));
}

int
rel_git_recode(struct rel_git_recode *r, const struct rel_git_commit *c,
    const char *d, size_t len, struct rel_buf *out)
{
	char *in, *o;
	size_t inleft, outleft, done;

	if (!c->encoding || !c->encodinglen || is_utf8(c->encoding,
	    c->encodinglen) || c->encodinglen >= sizeof r->from)
		return 0;
	if (strlen(r->from) != c->encodinglen ||
	    memcmp(r->from, c->encoding, c->encodinglen)) {
		rel_git_recode_free(r);
		memcpy(r->from, c->encoding, c->encodinglen);
		r->from[c->encodinglen] = '\0';
		r->cd = iconv_open("UTF-8", r->from);
		if (r->cd == (void *)(iconv_t)-1) {
			r->cd = NULL;
			r->failed = 1;
		}
	}
	if (r->failed || !r->cd)
		return 0;
	iconv((iconv_t)r->cd, NULL, NULL, NULL, NULL);
	rel_buf_reset(out);
	/* UTF-8 takes at most 4 bytes for any one byte in. */
	if (len > (SIZE_MAX - 16) / 4 || rel_buf_grow(out, len * 4 + 16) < 0)
		return 0;
	in = (char *)d;
	inleft = len;
	o = out->s;
	outleft = out->cap - 1;
	while (inleft) {
		done = iconv((iconv_t)r->cd, &in, &inleft, &o, &outleft);
		if (done == (size_t)-1)
			return 0;       /* invalid or incomplete: as is */
	}
	if (iconv((iconv_t)r->cd, NULL, NULL, &o, &outleft) == (size_t)-1)
		return 0;
	out->len = (size_t)(o - out->s);
	out->s[out->len] = '\0';
	return 1;
}
