/*
 * lg2load - the start-up a command pays once it talks to a remote: load
 * libgit2 with dlopen and initialise it (lib/lg2.c), then exit.  Against
 * nop, the cost every command without a remote does not pay.
 */
#include <stdio.h>

#include "lg2.h"

int
main(void)
{
	struct rel_lg2 g;
	struct rel_err err;

	if (rel_lg2_load(&g, &err)) {
		fprintf(stderr, "lg2load: %s\n", err.msg);
		return 5;
	}
	rel_lg2_unload(&g);
	return 0;
}
