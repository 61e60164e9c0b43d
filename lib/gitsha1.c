/*
 * gitsha1.c - SHA-1 of a buffer in memory (see gitsha1.h), one pass of
 * 64-byte blocks with the 80-word schedule kept as a ring of 16.
 */
#include <stdint.h>
#include <string.h>

#include "gitsha1.h"

static uint32_t
rol(uint32_t x, int n)
{
	return x << n | x >> (32 - n);
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * The 80 rounds, written out: each round updates one of five working
 * variables, and the roles rotate, so five consecutive rounds name them
 * in five orders (FIVE); the message schedule is a ring of 16 words
 * extended in place (W).  About three times faster than a loop with a
 * switch on the round, which matters here: a graph is checked before
 * every walk.
 */
#define F1(b, c, d) ((d) ^ ((b) & ((c) ^ (d))))
#define F2(b, c, d) ((b) ^ (c) ^ (d))
#define F3(b, c, d) (((b) & (c)) | ((d) & ((b) | (c))))
#define W(t) (w[(t) & 15] = rol(w[((t) + 13) & 15] ^ w[((t) + 8) & 15] ^ \
	w[((t) + 2) & 15] ^ w[(t) & 15], 1))
#define R0(a, b, c, d, e, t) \
	e += rol(a, 5) + F1(b, c, d) + 0x5a827999 + w[t]; b = rol(b, 30);
#define R1(a, b, c, d, e, t) \
	e += rol(a, 5) + F1(b, c, d) + 0x5a827999 + W(t); b = rol(b, 30);
#define R2(a, b, c, d, e, t) \
	e += rol(a, 5) + F2(b, c, d) + 0x6ed9eba1 + W(t); b = rol(b, 30);
#define R3(a, b, c, d, e, t) \
	e += rol(a, 5) + F3(b, c, d) + 0x8f1bbcdc + W(t); b = rol(b, 30);
#define R4(a, b, c, d, e, t) \
	e += rol(a, 5) + F2(b, c, d) + 0xca62c1d6 + W(t); b = rol(b, 30);
#define FIVE(R, t) \
	R(a, b, c, d, e, (t)) R(e, a, b, c, d, (t) + 1) \
	R(d, e, a, b, c, (t) + 2) R(c, d, e, a, b, (t) + 3) \
	R(b, c, d, e, a, (t) + 4)

static void
block(uint32_t h[5], const unsigned char *p)
{
	uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];

	for (int t = 0; t < 16; t++)
		w[t] = be32(p + 4 * t);
	FIVE(R0, 0) FIVE(R0, 5) FIVE(R0, 10)
	R0(a, b, c, d, e, 15) R1(e, a, b, c, d, 16) R1(d, e, a, b, c, 17)
	R1(c, d, e, a, b, 18) R1(b, c, d, e, a, 19)
	FIVE(R2, 20) FIVE(R2, 25) FIVE(R2, 30) FIVE(R2, 35)
	FIVE(R3, 40) FIVE(R3, 45) FIVE(R3, 50) FIVE(R3, 55)
	FIVE(R4, 60) FIVE(R4, 65) FIVE(R4, 70) FIVE(R4, 75)
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

void
rel_sha1(const void *data, size_t len, unsigned char out[20])
{
	uint32_t h[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
		0xc3d2e1f0 };
	const unsigned char *p = data;
	unsigned char tail[128];
	size_t full = len / 64 * 64, rest = len - full, n;
	uint64_t bits = (uint64_t)len * 8;

	for (size_t i = 0; i < full; i += 64)
		block(h, p + i);
	/* The rest, a 1 bit, zeros, and the length in bits: one or two
	 * blocks. */
	memset(tail, 0, sizeof tail);
	if (rest)
		memcpy(tail, p + full, rest);
	tail[rest] = 0x80;
	n = rest < 56 ? 64 : 128;
	for (int i = 0; i < 8; i++)
		tail[n - 1 - i] = (unsigned char)(bits >> (8 * i));
	block(h, tail);
	if (n == 128)
		block(h, tail + 64);
	for (int i = 0; i < 5; i++) {
		out[4 * i] = (unsigned char)(h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(h[i] >> 8);
		out[4 * i + 3] = (unsigned char)h[i];
	}
}
