/*
 * lg2.c - libgit2 through dlopen (see lg2.h).
 *
 * The soname comes from build/gen/lg2_soname.h, which the Makefile makes
 * from the library pkg-config names: the same library the headers
 * describe, never whatever "libgit2.so" a machine happens to have.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "lg2.h"
#include "lg2_soname.h"

/* Each table entry has exactly the type of the libgit2 function it holds:
 * _Generic does not evaluate its operand, so this references nothing. */
#define REL_LG2_CHECK(ret, name, args) \
	_Static_assert(_Generic(&git_##name, ret (*) args: 1, default: 0), \
	    "the type of git_" #name " differs from <git2.h>");
REL_LG2_FUNCS(REL_LG2_CHECK)
#undef REL_LG2_CHECK

int
rel_lg2_load(struct rel_lg2 *g, struct rel_err *err)
{
	const char *missing = NULL;
	int major = 0, minor = 0, rev = 0;

	memset(g, 0, sizeof *g);
	/* RTLD_LOCAL: its symbols serve this table only. */
	if (!(g->handle = dlopen(REL_LG2_SONAME, RTLD_NOW | RTLD_LOCAL))) {
		const char *why = dlerror();

		return rel_err_set(err, REL_ESYS, "cannot load %s: %s",
		    REL_LG2_SONAME, why ? why : "unknown error");
	}
	/* dlsym gives a void *; POSIX guarantees it converts to a
	 * function pointer of the same size. */
#define REL_LG2_SYM(ret, name, args) \
	{ \
		void *sym = dlsym(g->handle, "git_" #name); \
		if (!sym && !missing) \
			missing = "git_" #name; \
		memcpy(&g->name, &sym, sizeof g->name); \
	}
	REL_LG2_FUNCS(REL_LG2_SYM)
#undef REL_LG2_SYM
	if (missing) {
		rel_err_set(err, REL_ESYS, "%s has no %s", REL_LG2_SONAME,
		    missing);
		dlclose(g->handle);
		memset(g, 0, sizeof *g);
		return REL_ESYS;
	}
	g->libgit2_version(&major, &minor, &rev);
	if (major != LIBGIT2_VER_MAJOR || minor != LIBGIT2_VER_MINOR) {
		rel_err_set(err, REL_ESYS, "%s is libgit2 %d.%d.%d; rel was "
		    "built for %s", REL_LG2_SONAME, major, minor, rev,
		    LIBGIT2_VERSION);
		dlclose(g->handle);
		memset(g, 0, sizeof *g);
		return REL_ESYS;
	}
	if (g->libgit2_init() < 0) {
		rel_err_set(err, REL_ESYS, "cannot initialise libgit2: %s",
		    rel_lg2_msg(g));
		dlclose(g->handle);
		memset(g, 0, sizeof *g);
		return REL_ESYS;
	}
	/* Objects, packs and refs on disk before a ref names them. */
	g->libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
	return 0;
}

void
rel_lg2_unload(struct rel_lg2 *g)
{
	if (!g->handle)
		return;
	g->libgit2_shutdown();
	/* The library stays mapped (dlopen counts references; a command
	 * exits soon after): a leak report can then name libgit2's
	 * functions, and nothing of libgit2 runs after this anyway. */
	memset(g, 0, sizeof *g);
}

const char *
rel_lg2_msg(const struct rel_lg2 *g)
{
	const git_error *e = g->handle ? g->error_last() : NULL;

	return e && e->message && *e->message ? e->message :
	    "unknown libgit2 error";
}

void
rel_oid_hex(const git_oid *id, char out[GIT_OID_HEXSZ + 1])
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < GIT_OID_RAWSZ; i++) {
		out[2 * i] = hex[id->id[i] >> 4];
		out[2 * i + 1] = hex[id->id[i] & 15];
	}
	out[GIT_OID_HEXSZ] = '\0';
}

static int
nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
rel_oid_parse(git_oid *id, const char *hex)
{
	for (size_t i = 0; i < GIT_OID_RAWSZ; i++) {
		int hi = nibble(hex[2 * i]), lo = hi < 0 ? -1 :
		    nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		id->id[i] = (unsigned char)(hi << 4 | lo);
	}
	return hex[GIT_OID_HEXSZ] == '\0' || hex[GIT_OID_HEXSZ] == '\n' ?
	    0 : -1;
}

int
rel_oid_eq(const git_oid *a, const git_oid *b)
{
	return memcmp(a->id, b->id, GIT_OID_RAWSZ) == 0;
}

int
rel_oid_zero(const git_oid *id)
{
	static const unsigned char z[GIT_OID_RAWSZ];

	return memcmp(id->id, z, GIT_OID_RAWSZ) == 0;
}
