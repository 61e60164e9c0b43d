/*
 * gitgraph.h - git's commit-graph file, read without libgit2 (whose 1.5
 * does not read it): the commits' parents, commit dates and generation
 * numbers, so that a walk over a range needs no commit object but those
 * it shows (gitformat-commit-graph(5)).
 *
 * Read: objects/info/commit-graph, else the chain in
 * objects/info/commit-graphs/ (commit-graph-chain and its
 * graph-HASH.graph layers), as git does; SHA-1 repositories only.  The
 * generation numbers are the corrected commit dates (GDA2) when the top
 * layer has them, else the topological levels: either way a commit's
 * generation is above each of its parents', which is what lets a walk
 * stop once nothing it still holds can reach what it is looking for.
 *
 * Invariants: an open graph is structurally sound (signature, version,
 * hash, chunk table, chunk sizes, the fanout, the base layers named by
 * the chain), so no lookup reads outside the mapped files; positions are
 * global across layers; every accessor checks the positions it is given
 * and returns -1 for one that is out of range (a damaged file), never
 * reading past it.  rel_git_graph_verify checks every layer's trailing
 * checksum: a caller that must not trust a damaged file calls it (it may
 * run in a thread of its own: an open graph is only read).
 */
#ifndef REL_GITGRAPH_H
#define REL_GITGRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "gitcommit.h"

#define REL_GIT_GRAPH_NONE 0xffffffffu   /* no such position */

struct rel_git_graph;

/*
 * Open the commit-graph of the object directory objdir: 1 and *out, or
 * 0 (and *out NULL) when there is none or it cannot be used, with why in
 * why[0..whylen) (not found, damaged, SHA-256, ...).  Out of memory is
 * a graph that cannot be used.
 */
int rel_git_graph_open(const char *objdir, struct rel_git_graph **out,
    char *why, size_t whylen);
void rel_git_graph_close(struct rel_git_graph *g);

/* 0 when every layer's checksum is right, -1 otherwise. */
int rel_git_graph_verify(const struct rel_git_graph *g);

/* How many commits, and whether generations are corrected dates. */
uint32_t rel_git_graph_count(const struct rel_git_graph *g);
int rel_git_graph_v2(const struct rel_git_graph *g);

/* The position of oid, or REL_GIT_GRAPH_NONE. */
uint32_t rel_git_graph_find(const struct rel_git_graph *g,
    const unsigned char oid[REL_GIT_RAWSZ]);
/* The id at pos (a pointer into the file), or NULL. */
const unsigned char *rel_git_graph_oid(const struct rel_git_graph *g,
    uint32_t pos);

struct rel_git_graph_commit {
	uint64_t generation;
	int64_t date;            /* commit date, seconds */
	uint32_t parent[2];      /* the first two, REL_GIT_GRAPH_NONE */
	uint32_t edges;          /* more: index in the extra edges, or NONE */
};

/* The commit at pos: 0, or -1 when pos or what it holds is out of range. */
int rel_git_graph_commit(const struct rel_git_graph *g, uint32_t pos,
    struct rel_git_graph_commit *c);
/* Parent i (from 2 on) of a commit with extra edges: 1 and *parent, 0
 * after the last, -1 if damaged. */
int rel_git_graph_extra_parent(const struct rel_git_graph *g,
    const struct rel_git_graph_commit *c, size_t i, uint32_t *parent);

#endif
