/*
 * prom.h - rel-status --format prom: the Prometheus text exposition
 * format (version 0.0.4), for node_exporter's textfile collector.
 *
 * Families (all gauges):
 *   rel_releases{product,status}                 releases by status
 *   rel_release_last_number{product}             the newest release's N
 *   rel_release_last_created_timestamp_seconds{product}
 *   rel_environment_run_info{product,env,release,how,status}  1 for the
 *                                                latest promotion there
 *   rel_environment_live_info{product,env,release}  1 for the live one
 *   rel_environment_live_number{product,env}     N of the live release
 *   rel_environment_last_transition_timestamp_seconds{product,env}
 */
#ifndef REL_PROM_H
#define REL_PROM_H

#include "buf.h"
#include "store.h"

struct rel_prom;

struct rel_prom *rel_prom_new(void);
/* Add a product's metrics. */
int rel_prom_add(struct rel_prom *pr, struct rel_product *p,
    struct rel_err *err);
/* Write every family, HELP and TYPE first, into out; then free pr. */
void rel_prom_finish(struct rel_prom *pr, struct rel_buf *out);

#endif
