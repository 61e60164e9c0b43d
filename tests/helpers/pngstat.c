/*
 * pngstat - what a screenshot holds, for the browser tests: a PNG reader
 * small enough to trust (8-bit RGB or RGBA, not interlaced: what Chromium
 * writes), with zlib for the image data.
 *
 *   pngstat FILE [RRGGBB...]
 *
 * Prints one line: the width, the height, how many distinct colours,
 * the pixels in a thousand that differ from the
 * top-left one (the page's background), then for each RRGGBB given how
 * many pixels are within 12 of it in each channel.  Exits 1 when FILE is
 * not such a PNG (chunk CRCs are checked), 2 on bad usage.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int
bad(const char *file, const char *why)
{
	fprintf(stderr, "pngstat: %s: %s\n", file, why);
	return 1;
}

static int
paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

int
main(int argc, char **argv)
{
	static const unsigned char sig[8] = { 137, 'P', 'N', 'G', 13, 10, 26, 10 };
	unsigned char *f = NULL, *z = NULL, *img = NULL;
	uint32_t w = 0, h = 0;
	unsigned char *seen;
	size_t flen = 0, zlen = 0, bpp = 0, ncol = 0, differ = 0, stride;
	uLongf ilen;
	FILE *in;

	if (argc < 2) {
		fputs("usage: pngstat FILE [RRGGBB...]\n", stderr);
		return 2;
	}
	if (!(in = fopen(argv[1], "rb")))
		return bad(argv[1], "cannot open");
	for (size_t cap = 0;;) {
		size_t n;

		if (flen == cap && !(f = realloc(f, cap = cap * 2 + 65536)))
			return bad(argv[1], "out of memory");
		if (!(n = fread(f + flen, 1, cap - flen, in)))
			break;
		flen += n;
	}
	fclose(in);
	if (flen < 8 || memcmp(f, sig, 8))
		return bad(argv[1], "not a PNG");
	for (size_t off = 8; off + 12 <= flen;) {
		uint32_t len = be32(f + off);
		const unsigned char *type = f + off + 4, *data = f + off + 8;

		if (len > flen - off - 12)
			return bad(argv[1], "chunk past the end");
		if (crc32(crc32(0, NULL, 0), type, len + 4) != be32(data + len))
			return bad(argv[1], "bad chunk CRC");
		if (!memcmp(type, "IHDR", 4)) {
			if (len != 13 || data[8] != 8 || data[12] != 0 ||
			    (data[9] != 2 && data[9] != 6))
				return bad(argv[1], "not 8-bit RGB(A), "
				    "non-interlaced");
			w = be32(data);
			h = be32(data + 4);
			bpp = data[9] == 6 ? 4 : 3;
		} else if (!memcmp(type, "IDAT", 4)) {
			if (!(z = realloc(z, zlen + len + 1)))
				return bad(argv[1], "out of memory");
			memcpy(z + zlen, data, len);
			zlen += len;
		} else if (!memcmp(type, "IEND", 4)) {
			break;
		}
		off += 12 + (size_t)len;
	}
	if (!w || !h || !z || w > 20000 || h > 50000)
		return bad(argv[1], "no image");
	stride = 1 + (size_t)w * bpp;
	ilen = (uLongf)(stride * h);
	if (!(img = malloc(ilen)) || uncompress(img, &ilen, z, zlen) != Z_OK ||
	    ilen != stride * h)
		return bad(argv[1], "bad image data");
	/* Undo the filters, row by row, in place (each row's filter byte
	 * first; "up" and the rest read the row above, already undone). */
	for (size_t y = 0; y < h; y++) {
		unsigned char *row = img + y * stride + 1;
		const unsigned char *up = y ? row - stride : NULL;
		int filter = row[-1];

		for (size_t i = 0; i < stride - 1; i++) {
			int a = i >= bpp ? row[i - bpp] : 0, b = up ? up[i] : 0;
			int c = up && i >= bpp ? up[i - bpp] : 0;

			switch (filter) {
			case 0: break;
			case 1: row[i] = (unsigned char)(row[i] + a); break;
			case 2: row[i] = (unsigned char)(row[i] + b); break;
			case 3: row[i] = (unsigned char)(row[i] + (a + b) / 2); break;
			case 4: row[i] = (unsigned char)(row[i] + paeth(a, b, c)); break;
			default: return bad(argv[1], "bad filter");
			}
		}
	}
	if (!(seen = calloc(1 << 21, 1)))  /* a bit per 24-bit colour */
		return bad(argv[1], "out of memory");
	printf("%u %u", w, h);
	{
		const unsigned char *bg = img + 1;
		size_t counts[64] = { 0 };
		unsigned want[64][3];
		int nwant = 0;

		for (int i = 2; i < argc && nwant < 64; i++, nwant++) {
			unsigned long v = strtoul(argv[i], NULL, 16);

			want[nwant][0] = v >> 16 & 255;
			want[nwant][1] = v >> 8 & 255;
			want[nwant][2] = v & 255;
		}
		for (size_t y = 0; y < h; y++)
			for (size_t x = 0; x < w; x++) {
				const unsigned char *p = img + y * stride + 1 +
				    x * bpp;
				uint32_t c = (uint32_t)p[0] << 16 |
				    (uint32_t)p[1] << 8 | p[2];

				differ += memcmp(p, bg, 3) != 0;
				if (!(seen[c >> 3] & 1u << (c & 7))) {
					seen[c >> 3] |= (unsigned char)(1u << (c & 7));
					ncol++;
				}
				for (int i = 0; i < nwant; i++)
					counts[i] += abs(p[0] - (int)want[i][0]) <= 12 &&
					    abs(p[1] - (int)want[i][1]) <= 12 &&
					    abs(p[2] - (int)want[i][2]) <= 12;
			}
		printf(" %zu %zu", ncol, differ * 1000 / ((size_t)w * h));
		for (int i = 0; i < nwant; i++)
			printf(" %zu", counts[i]);
	}
	putchar('\n');
	free(f);
	free(z);
	free(img);
	free(seen);
	return 0;
}
