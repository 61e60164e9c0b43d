/*
 * flow.h - a product's flow: its environments and how a release is
 * promoted into each, parsed from YAML (see rel-flow(5)).
 *
 * A parsed flow is validated completely: names are valid, environment
 * names unique, `needs` name earlier-or-later environments of the same
 * flow and form no cycle, durations parse.  Anything wrong is reported as
 * "FILE:LINE:COLUMN: message" with REL_EUSAGE.  Size, nesting depth and
 * alias expansion are capped so that hostile YAML is refused quickly.
 */
#ifndef REL_FLOW_H
#define REL_FLOW_H

#include <stddef.h>

#include "err.h"
#include "flowlimits.h"
#include "window.h"
#include "name.h"
#include "notescfg.h"

enum rel_trigger { REL_TRIGGER_AUTO, REL_TRIGGER_MANUAL };

enum rel_step_kind {
	REL_STEP_PRE,
	REL_STEP_ACTION, /* once per component */
	REL_STEP_VERIFY, /* once per component, retried */
	REL_STEP_POST,
};

/* The kind's name as records, flows and JSON write it ("pre", "action",
 * "verify", "post"); and back, -1 for a word that is none of them. */
const char *rel_step_kind_name(enum rel_step_kind k);
int rel_step_kind_parse(const char *s);

struct rel_flow_step {
	char name[REL_NAME_MAX + 1]; /* "action" and "verify" for those */
	enum rel_step_kind kind;
	char *run;                   /* command for /bin/sh -c */
	long timeout;                /* seconds; 0: the environment's, or none */
	int retries;                 /* verify: further attempts after the first */
	long interval;               /* verify: seconds between attempts */
	int line, column;            /* where it is defined (1-based) */
};

struct rel_flow_env {
	char name[REL_NAME_MAX + 1];
	enum rel_trigger trigger;
	size_t nneeds;
	size_t *needs;               /* indices into flow->envs */
	long timeout;                /* default step timeout in seconds, 0: none */
	int best_effort;             /* resolved: the environment's, else the flow's */
	size_t nsteps;
	struct rel_flow_step *steps; /* pre..., action?, verify?, post... */
	int line, column;
};

/* Events a notify command runs on (rel-flow(5) "Notifications"). */
enum rel_notify_event {
	REL_EV_FAILED,
	REL_EV_SUCCEEDED,
	REL_EV_SUSPENDED,
	REL_EV_TERMINATED,
	REL_EV_FROZEN,
	REL_EV_COUNT
};
const char *rel_event_name(int ev);
int rel_event_parse(const char *s);

#define REL_NOTIFY_TIMEOUT 30 /* seconds, by default */

struct rel_flow_notify {
	char *run;                   /* command for /bin/sh -c */
	unsigned on;                 /* 1 << event, for each it runs on */
	long timeout;                /* seconds */
	char env[REL_NAME_MAX + 1];  /* "": of the flow, every environment */
	int line;
};

struct rel_flow {
	char product[REL_NAME_MAX + 1]; /* always set (from the file or the caller) */
	char *repo;                     /* as written, or NULL */
	long timeout;                   /* flow timeout in seconds, 0: none */
	int best_effort;
	int parallel;                   /* components deployed at once */
	size_t ncomponents;
	char (*components)[REL_NAME_MAX + 1];
	size_t nenvs;
	struct rel_flow_env *envs;      /* in file order */
	struct rel_notes_cfg notes;     /* the `notes:` section, checked */
	size_t nfreeze;
	struct rel_window *freeze;      /* freeze windows, the flow's and
	                                   the environments' (freeze.h) */
	size_t nnotify;
	struct rel_flow_notify *notify; /* notify commands, in file order,
	                                   the flow's and the environments' */
};

/* Parse the YAML in buf[0..len) for `product`.  `path` names the file in
 * messages.  On success *out is a new flow to free with rel_flow_free. */
int rel_flow_parse(const char *path, const char *buf, size_t len,
    const char *product, struct rel_flow **out, struct rel_err *err);

/* Read and parse the file at path (refusing one over REL_FLOW_MAX_BYTES
 * before reading it whole).  A missing file is REL_ENOTFOUND. */
int rel_flow_load(const char *path, const char *product,
    struct rel_flow **out, struct rel_err *err);

void rel_flow_free(struct rel_flow *flow);

/* Index of the environment called name, or -1. */
int rel_flow_env_index(const struct rel_flow *flow, const char *name);

/* Index of the component called name, or -1. */
int rel_flow_component_index(const struct rel_flow *flow, const char *name);

/* The environments in an order where each comes after all it needs
 * (stable: file order where the graph allows).  order has nenvs slots. */
void rel_flow_topo_order(const struct rel_flow *flow, size_t *order);

#endif
