/*
 * bucket.h - where a product's files live in its branch rel/PRODUCT.
 *
 * The branch's tree is the product directory (products/PRODUCT/) with
 * releases and their logs fanned out by release number, so that one
 * commit rewrites a few small trees and never one that lists every
 * release:
 *
 *   releases/PRODUCT-N             releases/B/BB/PRODUCT-N
 *   logs/PRODUCT-N/ENV/FILE        logs/B/BB/PRODUCT-N/ENV/FILE
 *   envs/ENV                       envs/ENV
 *   flows/SHA256.yaml              flows/SHA256.yaml
 *
 * with B = N / 10000 and BB = (N / 100) % 100 in two digits: a bucket
 * holds at most 100 releases, a top bucket 100 buckets.  Nothing else is
 * published: temporary files (.tmp.*), a running step's REL_OUTPUT file
 * (*.out) and anything rel does not know stay local.  Pure functions, no
 * I/O.
 */
#ifndef REL_BUCKET_H
#define REL_BUCKET_H

#include <stddef.h>

#define REL_GITPATH_MAX 512

/* The kinds of published files. */
enum rel_file_kind {
	REL_FILE_RECORD,       /* a release record: a journal */
	REL_FILE_ENV,          /* an environment history: a journal */
	REL_FILE_FLOW,         /* a flow copy: never changes */
	REL_FILE_LOG,          /* a step log: grows while its step runs */
};

/* A change of one published file, as a commit makes it. */
struct rel_change {
	const char *path;          /* under products/PRODUCT/ */
	const char *data;
	size_t len;
	int append;                /* 1: data goes at the end of the file as
	                              the parent commit has it; 0: the whole
	                              file */
};

/* The branch path of `path` (relative to products/PRODUCT/) into out;
 * *kind (if not NULL) receives its kind and *n (if not NULL) the release
 * number of a record or log (0 otherwise).  -1 if the file is not
 * published. */
int rel_bucket_to_git(const char *product, const char *path, char *out,
    size_t size, enum rel_file_kind *kind, unsigned long *n);

/* The inverse: the path under products/PRODUCT/ of a branch path; -1 for
 * a path rel does not know or that is not in its bucket (a tree rel did
 * not make). */
int rel_bucket_from_git(const char *product, const char *gitpath, char *out,
    size_t size, enum rel_file_kind *kind, unsigned long *n);

#endif
