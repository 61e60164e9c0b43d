/*
 * unit_store.h - a scratch store for the unit tests that need one: a
 * state directory under a scratch directory, the product "web" open, and
 * its flow parsed from the test's YAML.  Include after unit.h.
 */
#ifndef REL_UNIT_STORE_H
#define REL_UNIT_STORE_H

#include "flow.h"
#include "sha256.h"
#include "record.h"
#include "store.h"

struct unit_store {
	char dir[UNIT_DIR_MAX];    /* the scratch directory */
	char root[128];            /* dir/SUB: the state directory */
	struct rel_store st;
	struct rel_product p;      /* web, open */
	struct rel_flow *flow;     /* parsed from the YAML given */
	char hash[65];             /* its SHA-256 */
};

/* Make it: root is dir/sub, opened (and made) as `who`.  0, or -1 after
 * printing why. */
static inline int
unit_store_open(struct unit_store *u, const char *sub, const char *who,
    const char *yaml)
{
	struct rel_err err = { 0, "" };

	u->p.dir = u->p.releases = u->p.index = -1;
	u->p.lock.fd = -1;
	u->st.fd = -1;
	if (unit_mkdtemp(u->dir) < 0) {
		u->dir[0] = '\0';
		return -1;
	}
	snprintf(u->root, sizeof u->root, "%s/%s", u->dir, sub);
	if (rel_store_open(&u->st, u->root, 1, who, &err) != 0 ||
	    rel_product_open(&u->st, "web", 1, &u->p, &err) != 0 ||
	    rel_flow_parse("web.yaml", yaml, strlen(yaml), "web", &u->flow,
	    &err) != 0) {
		print_error("setup: %s\n", err.msg);
		return -1;
	}
	rel_sha256_hex(yaml, strlen(yaml), u->hash);
	return 0;
}

/* Close it and remove the scratch directory: 0, or -1. */
static inline int
unit_store_close(struct unit_store *u)
{
	rel_product_close(&u->p);
	rel_store_close(&u->st);
	rel_flow_free(u->flow);
	u->flow = NULL;
	return u->dir[0] ? unit_rm_rf(u->dir) : 0;
}

/* A cmocka teardown for a fixture allocated whole (calloc) whose first
 * member is its struct unit_store. */
static inline int
unit_store_teardown(void **state)
{
	int rc = unit_store_close(*state);

	free(*state);
	return rc;
}

#endif
