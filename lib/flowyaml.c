/*
 * flowyaml.c - YAML text to the node tree of flowyaml.h, for flow.c.
 *
 * libyaml 0.2.5 has no nesting limit and its document loader expands
 * aliases naively, so we consume its events ourselves and stop at the
 * first event that breaks a limit: a collection nested deeper than
 * REL_FLOW_MAX_DEPTH, or a running count of nodes (an alias counting as
 * the whole subtree it stands for) above REL_FLOW_MAX_NODES.  Anchored
 * subtrees are shared, not copied, so memory stays proportional to the
 * input however the aliases multiply.  Only one document is accepted, and
 * bytes that libyaml would misread (NUL, over REL_FLOW_MAX_BYTES) are
 * refused before it sees them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "buf.h"
#include "flowlimits.h"
#include "flowyaml.h"

#define NBUCKETS 64 /* anchor hash buckets */

struct builder {
	const char *path;
	struct rel_err *err;
	struct rel_ydoc *doc;
	struct rel_ynode *stack[REL_FLOW_MAX_DEPTH]; /* open collections */
	int depth;
	size_t count;                    /* nodes so far, aliases expanded */
	struct rel_ynode *anchors[NBUCKETS];
};

int
rel_flow_errat(struct rel_err *err, const char *path, int line, int col,
    const char *fmt, ...)
{
	char msg[REL_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return rel_err_set(err, REL_EUSAGE, "%s:%d:%d: %s", path, line, col,
	    msg);
}

const struct rel_ynode *
rel_ynode_deref(const struct rel_ynode *n)
{
	/* An alias event carries no anchor, so a target is never an alias. */
	return n && n->kind == REL_Y_ALIAS ? n->target : n;
}

int
rel_ynode_null(const struct rel_ynode *n)
{
	n = rel_ynode_deref(n);
	if (n->kind != REL_Y_SCALAR || !n->plain)
		return 0;
	return n->len == 0 || strcmp(n->s, "~") == 0 ||
	    strcmp(n->s, "null") == 0 || strcmp(n->s, "Null") == 0 ||
	    strcmp(n->s, "NULL") == 0;
}

void
rel_ydoc_free(struct rel_ydoc *doc)
{
	struct rel_ynode *n, *next;

	for (n = doc->nodes; n; n = next) {
		next = n->next;
		free(n->s);
		free(n->kids);
		free(n->anchor);
		free(n);
	}
	doc->nodes = NULL;
	doc->root = NULL;
}

/* Line and column (1-based, in bytes) of byte off of buf. */
static void
where(const char *buf, size_t off, int *line, int *col)
{
	size_t i, bol = 0;

	*line = 1;
	for (i = 0; i < off; i++)
		if (buf[i] == '\n') {
			++*line;
			bol = i + 1;
		}
	*col = (int)(off - bol) + 1;
}

static int
errat(struct builder *b, const yaml_mark_t *m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
errat(struct builder *b, const yaml_mark_t *m, const char *fmt, ...)
{
	char msg[REL_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return rel_flow_errat(b->err, b->path, (int)m->line + 1,
	    (int)m->column + 1, "%s", msg);
}

static int
nomem(struct builder *b)
{
	return rel_err_set(b->err, REL_ESYS, "%s: out of memory", b->path);
}

static unsigned
hash(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % NBUCKETS;
}

static struct rel_ynode *
lookup(struct builder *b, const char *anchor)
{
	struct rel_ynode *n;

	/* Newest first: a redefined anchor means its latest node. */
	for (n = b->anchors[hash(anchor)]; n; n = n->anext)
		if (strcmp(n->anchor, anchor) == 0)
			return n;
	return NULL;
}

/* A new node at mark m, anchored if anchor is not NULL. */
static struct rel_ynode *
node(struct builder *b, enum rel_ykind kind, const yaml_mark_t *m,
    const yaml_char_t *anchor)
{
	struct rel_ynode *n;
	unsigned h;

	if (!(n = calloc(1, sizeof *n)))
		return NULL;
	n->kind = kind;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	n->weight = 1;
	n->next = b->doc->nodes;
	b->doc->nodes = n;
	if (anchor) {
		if (!(n->anchor = strdup((const char *)anchor)))
			return NULL;
		h = hash(n->anchor);
		n->anext = b->anchors[h];
		b->anchors[h] = n;
	}
	return n;
}

/* Count n against the node budget and hang it under the open collection
 * (or make it the root). */
static int
attach(struct builder *b, struct rel_ynode *n, const yaml_mark_t *m)
{
	struct rel_ynode *p;

	if (n->weight > REL_FLOW_MAX_NODES - b->count)
		return errat(b, m, "too many YAML nodes (more than %d, "
		    "counting what aliases expand to)", REL_FLOW_MAX_NODES);
	b->count += n->weight;
	if (b->depth == 0) {
		b->doc->root = n;
		return 0;
	}
	p = b->stack[b->depth - 1];
	if (REL_GROW(p->kids, p->nkids + 1, p->cap) < 0)
		return nomem(b);
	p->kids[p->nkids++] = n;
	return 0;
}

/* n is complete: add its size and height to the collection holding it.
 * (Its own nodes were counted as they came; weight is for aliases.) */
static void
finish(struct builder *b, struct rel_ynode *n)
{
	struct rel_ynode *p;

	if (b->depth == 0)
		return;
	p = b->stack[b->depth - 1];
	p->weight += n->weight;
	if (n->height + 1 > p->height)
		p->height = n->height + 1;
}

static int
event(struct builder *b, yaml_event_t *ev, int *ndocs, int *done)
{
	const yaml_mark_t *m = &ev->start_mark;
	struct rel_ynode *n, *t;
	const yaml_char_t *tag = NULL;
	enum rel_ykind kind = REL_Y_MAP;
	int rc;

	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		*done = 1;
		return 0;
	case YAML_DOCUMENT_START_EVENT:
		if (++*ndocs > 1)
			return errat(b, m, "more than one YAML document: "
			    "a flow is one document");
		return 0;
	case YAML_SCALAR_EVENT:
		if ((tag = ev->data.scalar.tag))
			break;
		if (!(n = node(b, REL_Y_SCALAR, m, ev->data.scalar.anchor)))
			return nomem(b);
		n->len = ev->data.scalar.length;
		if (!(n->s = malloc(n->len + 1)))
			return nomem(b);
		memcpy(n->s, ev->data.scalar.value, n->len);
		n->s[n->len] = '\0';
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		if ((rc = attach(b, n, m)) != 0)
			return rc;
		finish(b, n);
		return 0;
	case YAML_ALIAS_EVENT:
		t = lookup(b, (const char *)ev->data.alias.anchor);
		if (!t)
			return errat(b, m, "alias '*%s' refers to no anchor "
			    "defined before it", ev->data.alias.anchor);
		if (t->open)
			return errat(b, m, "alias '*%s' is inside the node it "
			    "refers to", ev->data.alias.anchor);
		if (b->depth + t->height > REL_FLOW_MAX_DEPTH)
			return errat(b, m, "nesting deeper than %d levels "
			    "(counting what aliases expand to)",
			    REL_FLOW_MAX_DEPTH);
		if (!(n = node(b, REL_Y_ALIAS, m, NULL)))
			return nomem(b);
		n->target = t;
		n->weight = t->weight;
		n->height = t->height;
		if ((rc = attach(b, n, m)) != 0)
			return rc;
		finish(b, n);
		return 0;
	case YAML_SEQUENCE_START_EVENT:
		kind = REL_Y_SEQ;
		if ((tag = ev->data.sequence_start.tag))
			break;
		/* FALLTHROUGH */
	case YAML_MAPPING_START_EVENT:
		if (kind == REL_Y_MAP && (tag = ev->data.mapping_start.tag))
			break;
		/* Stop here: libyaml would go on nesting as deep as asked. */
		if (b->depth == REL_FLOW_MAX_DEPTH)
			return errat(b, m, "nesting deeper than %d levels",
			    REL_FLOW_MAX_DEPTH);
		if (!(n = node(b, kind, m, kind == REL_Y_SEQ ?
		    ev->data.sequence_start.anchor :
		    ev->data.mapping_start.anchor)))
			return nomem(b);
		n->open = 1;
		n->height = 1;
		if ((rc = attach(b, n, m)) != 0)
			return rc;
		b->stack[b->depth++] = n;
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		n = b->stack[--b->depth];
		n->open = 0;
		finish(b, n);
		return 0;
	default:
		return 0;
	}
	/* Only tagged nodes get here.  Show the tag as written, if short. */
	if (strncmp((const char *)tag, "tag:yaml.org,2002:", 18) == 0)
		return errat(b, m, "YAML tags such as '!!%s' are not "
		    "supported", (const char *)tag + 18);
	return errat(b, m, "YAML tags such as '%s' are not supported",
	    (const char *)tag);
}

int
rel_ydoc_parse(const char *path, const char *buf, size_t len,
    struct rel_ydoc *doc, struct rel_err *err)
{
	struct builder b;
	yaml_parser_t p;
	yaml_event_t ev;
	const char *nul;
	int line, col, rc = 0, ndocs = 0, done = 0;

	memset(doc, 0, sizeof *doc);
	if (len > REL_FLOW_MAX_BYTES)
		return rel_flow_errat(err, path, 1, 1, "flow is too large "
		    "(%zu bytes, at most %d)", len, REL_FLOW_MAX_BYTES);
	/* libyaml would take a NUL for the end of the input. */
	if ((nul = memchr(buf, '\0', len))) {
		where(buf, (size_t)(nul - buf), &line, &col);
		return rel_flow_errat(err, path, line, col,
		    "NUL byte at byte offset %zu", (size_t)(nul - buf));
	}
	memset(&b, 0, sizeof b);
	b.path = path;
	b.err = err;
	b.doc = doc;
	if (!yaml_parser_initialize(&p))
		return nomem(&b);
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&p, &ev)) {
			if (p.error == YAML_MEMORY_ERROR) {
				rc = nomem(&b);
			} else if (p.error == YAML_READER_ERROR) {
				/* The reader gives an offset, not a mark. */
				where(buf, p.problem_offset < len ?
				    p.problem_offset : len, &line, &col);
				rc = rel_flow_errat(err, path, line, col, "%s",
				    p.problem ? p.problem : "unreadable input");
			} else if (p.context) {
				rc = errat(&b, &p.problem_mark, "%s (%s that "
				    "starts at line %zu, column %zu)",
				    p.problem ? p.problem : "bad YAML",
				    p.context, p.context_mark.line + 1,
				    p.context_mark.column + 1);
			} else {
				rc = errat(&b, &p.problem_mark, "%s",
				    p.problem ? p.problem : "bad YAML");
			}
			break;
		}
		rc = event(&b, &ev, &ndocs, &done);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (rc == 0 && !doc->root)
		rc = rel_flow_errat(err, path, 1, 1, "empty flow: expected a "
		    "mapping with at least 'environments'");
	if (rc != 0)
		rel_ydoc_free(doc);
	return rc;
}
