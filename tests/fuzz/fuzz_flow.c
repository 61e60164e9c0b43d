/*
 * fuzz_flow.c - the flow parser (lib/flow.c on lib/flowyaml.c) on
 * arbitrary bytes, read for the product "web".
 *
 * Promises checked (flow.h): an error is REL_EUSAGE (REL_ESYS only for
 * memory) with one printable line "fuzz.yaml:LINE:COLUMN: ..." and no flow;
 * a parsed flow keeps every invariant flow.c lists, and its topological
 * order is a permutation that puts each environment after its needs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "fuzz.h"
#include "name.h"
#include "when.h"

#define FLOW_PATH "fuzz.yaml"

static void
check_step_order(const struct rel_flow_env *e)
{
	int last = REL_STEP_PRE, actions = 0, verifies = 0;

	for (size_t j = 0; j < e->nsteps; j++) {
		const struct rel_flow_step *s = &e->steps[j];

		/* pre..., action?, verify?, post... */
		FUZZ_CHECK((int)s->kind >= last);
		last = (int)s->kind;
		actions += s->kind == REL_STEP_ACTION;
		verifies += s->kind == REL_STEP_VERIFY;
		FUZZ_CHECK(actions <= 1 && verifies <= 1);
		FUZZ_CHECK(rel_name_ok(s->name));
		FUZZ_CHECK(s->run != NULL && s->run[0] != '\0');
		FUZZ_CHECK(strlen(s->run) <= REL_FLOW_MAX_RUN);
		FUZZ_CHECK(s->timeout >= 0 && s->timeout <= REL_DURATION_LIMIT);
		FUZZ_CHECK(s->retries >= 0);
		FUZZ_CHECK(s->interval >= 0 &&
		    s->interval <= REL_DURATION_LIMIT);
		for (size_t k = 0; k < j; k++)
			FUZZ_CHECK(strcmp(e->steps[k].name, s->name) != 0);
	}
}

static void
check_flow(const struct rel_flow *f)
{
	size_t order[REL_FLOW_MAX_ENVS], pos[REL_FLOW_MAX_ENVS];
	unsigned char seen[REL_FLOW_MAX_ENVS] = { 0 };

	FUZZ_CHECK(strcmp(f->product, "web") == 0);
	FUZZ_CHECK(f->nenvs >= 1 && f->nenvs <= REL_FLOW_MAX_ENVS);
	FUZZ_CHECK(f->ncomponents >= 1 &&
	    f->ncomponents <= REL_FLOW_MAX_COMPONENTS);
	FUZZ_CHECK(f->parallel >= 1);
	FUZZ_CHECK(f->timeout >= 0 && f->timeout <= REL_DURATION_LIMIT);
	for (size_t i = 0; i < f->ncomponents; i++) {
		FUZZ_CHECK(rel_name_ok(f->components[i]));
		FUZZ_CHECK(rel_flow_component_index(f, f->components[i]) ==
		    (int)i);
	}
	for (size_t i = 0; i < f->nenvs; i++) {
		const struct rel_flow_env *e = &f->envs[i];

		FUZZ_CHECK(rel_name_ok(e->name));
		FUZZ_CHECK(rel_flow_env_index(f, e->name) == (int)i);
		FUZZ_CHECK(e->trigger == REL_TRIGGER_AUTO ||
		    e->trigger == REL_TRIGGER_MANUAL);
		FUZZ_CHECK(e->nneeds <= f->nenvs);
		for (size_t j = 0; j < e->nneeds; j++) {
			FUZZ_CHECK(e->needs[j] < f->nenvs && e->needs[j] != i);
			for (size_t k = 0; k < j; k++)
				FUZZ_CHECK(e->needs[k] != e->needs[j]);
		}
		FUZZ_CHECK(e->nsteps <= REL_FLOW_MAX_STEPS + 2);
		check_step_order(e);
	}
	rel_flow_topo_order(f, order);
	for (size_t k = 0; k < f->nenvs; k++) {
		FUZZ_CHECK(order[k] < f->nenvs && !seen[order[k]]);
		seen[order[k]] = 1;
		pos[order[k]] = k;
	}
	/* needs form a DAG: every need comes first. */
	for (size_t i = 0; i < f->nenvs; i++)
		for (size_t j = 0; j < f->envs[i].nneeds; j++)
			FUZZ_CHECK(pos[f->envs[i].needs[j]] < pos[i]);
}

int
rel_fuzz_flow(const uint8_t *data, size_t size)
{
	struct rel_flow *flow = (struct rel_flow *)&flow; /* not NULL */
	struct rel_err err;
	char *buf = fuzz_copy(data, size, 0);
	int rc;

	memset(&err, 0, sizeof err);
	rc = rel_flow_parse(FLOW_PATH, buf, size, "web", &flow, &err);
	if (rc == 0) {
		FUZZ_CHECK(flow != NULL);
		check_flow(flow);
	} else {
		FUZZ_CHECK(flow == NULL);
		FUZZ_CHECK(rc == err.code);
		FUZZ_CHECK(rc == REL_EUSAGE || rc == REL_ESYS);
		/* One line that names the file, safe on a terminal. */
		FUZZ_CHECK(strncmp(err.msg, FLOW_PATH ":",
		    strlen(FLOW_PATH ":")) == 0);
		FUZZ_CHECK(fuzz_printable(err.msg));
	}
	rel_flow_free(flow);
	free(buf);
	return 0;
}

#ifndef REL_FUZZ_NO_MAIN
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return rel_fuzz_flow(data, size);
}
#endif
