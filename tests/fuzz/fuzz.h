/*
 * fuzz.h - what the libFuzzer harnesses under tests/fuzz/ share, and the
 * entry points that tests/unit/test_fuzz_regress.c replays without clang.
 *
 * Each fuzz_NAME.c defines rel_fuzz_NAME(data, size): it feeds the bytes
 * to one parser and then checks the promises of that parser's header on
 * whatever came out (a crash is not the only bug: a parsed flow with a
 * dangling index, or an error message that carries a terminal escape,
 * is one too).  A broken promise aborts with a line saying which, so
 * libFuzzer keeps the input.  Unless REL_FUZZ_NO_MAIN is defined, the file
 * also defines LLVMFuzzerTestOneInput; the regression test defines it and
 * includes every harness, so that `make check` replays the inputs that
 * once crashed (tests/fuzz/regress/NAME/) and the seed corpora
 * (tests/fuzz/corpus/NAME/) through the very same code.
 *
 * Harnesses keep no state between inputs: each input is independent, as
 * libFuzzer (and a replay) assumes.
 */
#ifndef REL_FUZZ_H
#define REL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int rel_fuzz_flow(const uint8_t *data, size_t size);
int rel_fuzz_record(const uint8_t *data, size_t size);
int rel_fuzz_envlog(const uint8_t *data, size_t size);
int rel_fuzz_names(const uint8_t *data, size_t size);
int rel_fuzz_commitmsg(const uint8_t *data, size_t size);

/* A promise of the code under test was broken: say which, and abort so
 * that the fuzzer (or the replaying unit test) reports the input. */
#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: broken promise: %s\n", __FILE__, \
		    __LINE__, #cond); \
		abort(); \
	} \
} while (0)

/* A copy of data in a buffer of exactly size bytes (one byte for an empty
 * input), so that AddressSanitizer catches a read one past the end; with
 * nul, one more byte holding '\0' for parsers that want a C string. */
static inline char *
fuzz_copy(const uint8_t *data, size_t size, int nul)
{
	char *p = malloc(size + (nul ? 1 : 0) + (size == 0 && !nul));

	if (!p)
		abort();
	if (size)
		memcpy(p, data, size);
	if (nul)
		p[size] = '\0';
	return p;
}

/* The journal lines of data with their checksums made right: a random
 * checksum almost never holds, so without this the fuzzer would spend all
 * its time on rel_journal_parse_line's first test.  Each line (a last line
 * with no newline stays torn, as it came) keeps its fields; a trailing
 * tab and 8 hex digits are taken for its old checksum and replaced,
 * otherwise the checksum is added. */
static inline void
fuzz_seal(const uint8_t *data, size_t size, struct rel_buf *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t off = 0;

	while (off < size) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t n = nl ? (size_t)(nl - (data + off)) : size - off;
		size_t body = n;
		unsigned long crc;
		char tail[9];

		if (!nl) {
			rel_buf_add(out, data + off, n);
			break;
		}
		if (n >= 9 && data[off + n - 9] == '\t' &&
		    strspn((const char *)data + off + n - 8, "0123456789abcdef")
		    >= 8)
			body = n - 9;
		crc = crc32(0L, data + off, (uInt)body);
		tail[0] = '\t';
		for (int i = 0; i < 8; i++)
			tail[1 + i] = hex[(crc >> (28 - 4 * i)) & 15];
		rel_buf_add(out, data + off, body);
		rel_buf_add(out, tail, sizeof tail);
		rel_buf_addc(out, '\n');
		off += n + 1;
	}
	if (out->oom)
		abort();
}

/* 1 if the string s holds no control byte (a message printed to a terminal
 * must not be able to move the cursor or change colours). */
static inline int
fuzz_printable(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			return 0;
		/* C1 controls in UTF-8: U+0080..U+009F, 0xc2 0x80..0x9f */
		if (c == 0xc2 && (unsigned char)s[1] >= 0x80 &&
		    (unsigned char)s[1] <= 0x9f)
			return 0;
	}
	return 1;
}

#endif
