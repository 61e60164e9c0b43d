/*
 * check.h - verify a product's records against every invariant rel keeps,
 * repair what is derived or left behind by the dead, and count.
 *
 * Checked: every record reads, names itself by its file name and has no
 * damaged line; its flow copy exists, hashes right and matches its
 * header; statuses agree (a step runs only in a running environment, a
 * succeeded environment has every step succeeded, an environment was
 * promoted only after its needs succeeded once: a redeploy may go
 * anywhere); nothing runs without a live runner
 * (else it is reaped, and counted as fixed); every environment history
 * line names a release that exists and went there, every end follows its
 * run, and an open run is a running environment; the index agrees with
 * the records (stale slots are counted, then the index is rebuilt);
 * temporary files of dead writers are removed.  Writers may work
 * meanwhile: nothing is reported that does not hold under the product
 * lock.
 */
#ifndef REL_CHECK_H
#define REL_CHECK_H

#include <stddef.h>

#include "sink.h"
#include "store.h"

struct rel_check {
	size_t releases;      /* records read */
	size_t transitions;   /* tr lines in them */
	size_t env_runs;      /* run lines in environment histories */
	size_t problems;      /* invariants broken (not fixed) */
	size_t fixed;         /* dead runners reaped, temp files removed */
	size_t stale;         /* index slots that disagreed with records */
};

/* Called for each problem or fix found: id is "" for product-wide ones. */
typedef void (*rel_check_fn)(const char *product, const char *id,
    int fixed, const char *what, void *arg);

int rel_check_product(struct rel_product *p, struct rel_check *c,
    rel_check_fn fn, void *arg, struct rel_err *err);

/* Add c's counts to total. */
void rel_check_add(struct rel_check *total, const struct rel_check *c);
/* c as a row of the view check (sink.h); product NULL for the total of
 * all (TSV and a table say "total", JSON null). */
void rel_check_row(struct rel_sink *s, const char *product,
    const struct rel_check *c);

#endif
