/*
 * sha256.h - SHA-256, to name flow copies by their content.
 */
#ifndef REL_SHA256_H
#define REL_SHA256_H

#include <stddef.h>

/* hex receives 64 lower-case hex digits and a NUL. */
void rel_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
