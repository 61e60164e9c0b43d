/*
 * gitsha1.h - SHA-1 (FIPS 180-4), to check the checksum that ends a git
 * commit-graph file before its contents are trusted.
 *
 * Not for anything that needs a secure hash: git files are checked with
 * the hash git wrote them with.
 */
#ifndef REL_GITSHA1_H
#define REL_GITSHA1_H

#include <stddef.h>

void rel_sha1(const void *data, size_t len, unsigned char out[20]);

#endif
