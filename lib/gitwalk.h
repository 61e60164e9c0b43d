/*
 * gitwalk.h - the commits of a range: reachable from the tips and not
 * from the bottoms (git's A..B), found as cheaply as the repository
 * allows, for rel-notes.
 *
 * Two walks give the range:
 * - With a commit-graph (gitgraph.h), by generation number: the commits
 *   not in the graph (made since it was written) are read first and
 *   ordered children first; then the graph is walked highest generation
 *   first, each commit's parents taken from the graph, until nothing
 *   left to visit can be in the range.  No commit object is read but
 *   those newer than the graph, and the answer is exact: a commit is
 *   visited only after every child the walk reaches, so whether a bottom
 *   reaches it is known when it is.
 * - Without one (or when the graph turns out damaged: a parent whose
 *   generation is not below its child's, a position out of range), by
 *   commit date, reading each commit as git does (revision.c's
 *   limit_list, with its five commits of slop): the same commits as
 *   `git rev-list A..B` gives without a commit-graph.
 *
 * Objects are read through a reader (libgit2's object database in
 * rel-notes, something else in tests).  The objects the walk read for
 * commits of the range are kept in the result, so that no commit is
 * inflated twice; the others are released as soon as they are passed.
 *
 * Invariants: the result holds each commit once, newest commit date
 * first (then the higher generation, then in the order git's date walk
 * queues them: children before parents made in the same second, as
 * git log lists them); everything the walk
 * allocated or read is released on every path, the result with
 * rel_git_range_free.
 */
#ifndef REL_GITWALK_H
#define REL_GITWALK_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "gitcommit.h"
#include "gitgraph.h"

struct rel_git_reader {
	/* Read the commit object oid: 0 with its bytes in *data, *len
	 * (valid until release(*obj)), or an REL_E* code with err set
	 * (REL_ENOTFOUND when it is missing). */
	int (*read)(void *arg, const unsigned char *oid, const char **data,
	    size_t *len, void **obj, struct rel_err *err);
	void (*release)(void *arg, void *obj);
	void *arg;
};

struct rel_git_found {
	unsigned char oid[REL_GIT_RAWSZ];
	int64_t date;                 /* commit date */
	uint64_t gen;                 /* for the order (0 off the graph) */
	uint32_t seq;                 /* for ties: the order git's walk
	                                 queues commits in */
	void *obj;                    /* its object if the walk read it */
	const char *data;
	size_t len;
};

struct rel_git_range {
	struct rel_git_found *v;
	size_t n, cap;
	int graph;                    /* 1 if the graph gave the range */
	char why[160];                /* why it did not, or "" */
	size_t read;                  /* objects the walk read */
	size_t visited;               /* commits it looked at */
};

/*
 * The range of tips (ntips ids of REL_GIT_RAWSZ bytes, one after the
 * other) minus what the bottoms reach, into *out; g may be NULL.  A
 * missing commit in the range is an error (REL_ENOTFOUND); a missing one
 * that only a bottom reaches is skipped, as git does.
 */
int rel_git_walk_range(const struct rel_git_graph *g, const struct rel_git_reader *rd,
    const unsigned char *tips, size_t ntips, const unsigned char *bottoms,
    size_t nbottoms, struct rel_git_range *out, struct rel_err *err);

void rel_git_range_free(struct rel_git_range *r,
    const struct rel_git_reader *rd);

#endif
