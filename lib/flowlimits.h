/*
 * flowlimits.h - how big a flow may be.
 *
 * The YAML reader (flowyaml.c) enforces the size, depth and node limits
 * while it consumes libyaml's events, the schema (flow.c) the counts of
 * environments, components and steps; the store reads a flow copy no
 * larger than a flow file.  They all see the numbers here, so neither
 * parser includes the other for them.
 */
#ifndef REL_FLOWLIMITS_H
#define REL_FLOWLIMITS_H

#define REL_FLOW_MAX_BYTES (1024 * 1024) /* a flow file is at most 1 MiB */
#define REL_FLOW_MAX_DEPTH 32            /* nesting of mappings/sequences */
#define REL_FLOW_MAX_NODES 20000         /* nodes after alias expansion */
#define REL_FLOW_MAX_ENVS 256
#define REL_FLOW_MAX_COMPONENTS 256
#define REL_FLOW_MAX_STEPS 256           /* pre + post steps per environment */
#define REL_FLOW_MAX_RUN 65536           /* bytes in one `run` command */
#define REL_FLOW_MAX_FREEZE 256          /* freeze windows in a flow */
#define REL_FLOW_MAX_NOTIFY 64           /* notify commands in a flow */
#define REL_FLOW_PARALLEL_DEFAULT 4      /* components deployed at once */

#endif
