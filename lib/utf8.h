/*
 * utf8.h - the one UTF-8 decoder.
 *
 * Valid means what RFC 3629 says: the shortest form, no surrogates
 * (U+D800..U+DFFF), nothing above U+10FFFF.  Callers decide what else
 * they refuse (control characters, C1 controls) from the code point.
 */
#ifndef REL_UTF8_H
#define REL_UTF8_H

#include <stddef.h>

/* The length (1..4) of the valid UTF-8 sequence at s[0..len), its code
 * point in *cp; 0 if s does not start with one (len 0, a stray byte, a
 * sequence cut short by len or by a NUL, an overlong form ...). */
size_t rel_utf8_decode(const char *s, size_t len, unsigned long *cp);

/* 1 if the NUL-terminated s is valid UTF-8. */
int rel_utf8_ok(const char *s);

#endif
