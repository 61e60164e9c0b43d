/*
 * flowyaml.h - internal to the flow parser (flow.c): YAML text to a small
 * tree of nodes, with the limits of flowlimits.h enforced while libyaml's
 * events are consumed, so that hostile input is refused before it costs
 * anything.
 *
 * An alias becomes a REL_Y_ALIAS node that points at the anchored node:
 * the anchored subtree is shared, never copied, and its expanded size is
 * counted against REL_FLOW_MAX_NODES.  The alias node keeps its own
 * position, so a message about a value used through an alias points where
 * it is used.  Every node is on doc->nodes, which is what frees them.
 */
#ifndef REL_FLOWYAML_H
#define REL_FLOWYAML_H

#include <stddef.h>

#include "err.h"

enum rel_ykind { REL_Y_SCALAR, REL_Y_SEQ, REL_Y_MAP, REL_Y_ALIAS };

struct rel_ynode {
	enum rel_ykind kind;
	int line, col;            /* 1-based */
	char *s;                  /* scalar: the value, NUL-terminated */
	size_t len;               /* scalar: bytes in s (it may hold NULs) */
	int plain;                /* scalar: written unquoted */
	struct rel_ynode **kids;  /* seq: items; map: key, value, key... */
	size_t nkids, cap;
	struct rel_ynode *target; /* alias: the anchored node */
	char *anchor;             /* the anchor on this node, or NULL */
	int open;                 /* collection not ended yet */
	size_t weight;            /* nodes in the subtree, aliases expanded */
	int height;               /* collections nested in it, aliases expanded */
	struct rel_ynode *anext;  /* next node in the anchor's hash bucket */
	struct rel_ynode *next;   /* next in doc->nodes */
};

struct rel_ydoc {
	struct rel_ynode *root;
	struct rel_ynode *nodes;
};

/* Parse buf[0..len) as one YAML document into doc.  Errors are REL_EUSAGE
 * "PATH:LINE:COLUMN: message" (REL_ESYS when memory runs out); doc is
 * then empty.  On success free doc with rel_ydoc_free. */
int rel_ydoc_parse(const char *path, const char *buf, size_t len,
    struct rel_ydoc *doc, struct rel_err *err);
void rel_ydoc_free(struct rel_ydoc *doc);

/* The node an alias stands for (n itself when not an alias). */
const struct rel_ynode *rel_ynode_deref(const struct rel_ynode *n);
/* 1 if n (after deref) is an empty value: nothing, ~ or null. */
int rel_ynode_null(const struct rel_ynode *n);

/* Set err to REL_EUSAGE "PATH:LINE:COLUMN: message". */
int rel_flow_errat(struct rel_err *err, const char *path, int line, int col,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
