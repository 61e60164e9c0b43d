/*
 * name.h - the names rel accepts, and the free text it stores.
 *
 * Names (product, environment, component, step) match
 * [A-Za-z0-9][A-Za-z0-9._-]* and are at most REL_NAME_MAX bytes, so a
 * name is always a safe single path component and a safe TSV field.
 * Product names may not end in "-" or "-DIGITS": a release id is
 * PRODUCT-N, and "web-1" must never be both a product and a release, nor
 * "web--1" a release of "web-".
 * Free text (versions, messages, reasons) is one line of valid UTF-8 with
 * no control characters except tab, bounded in length; it is data only and
 * never becomes a path or code.
 */
#ifndef REL_NAME_H
#define REL_NAME_H

#include <stddef.h>

#include "err.h"

#define REL_NAME_MAX 64
#define REL_ID_MAX (REL_NAME_MAX + 1 + 20)
#define REL_VERSION_MAX 256
#define REL_TEXT_MAX 1024

/* 0 if s is a valid name; else REL_EUSAGE with a message naming `what`
 * (e.g. "environment") and the fault. */
int rel_name_check(const char *what, const char *s, struct rel_err *err);
/* rel_name_check plus the product rule above. */
int rel_product_check(const char *s, struct rel_err *err);
/* 1 if s is a valid name, 0 if not (no message). */
int rel_name_ok(const char *s);

/* Parse "PRODUCT-N" into product and n (n >= 1).  0, or REL_EUSAGE. */
int rel_id_parse(const char *id, char product[REL_NAME_MAX + 1],
    unsigned long *n, struct rel_err *err);
/* 1 if s looks like a release id (PRODUCT-N with a valid product). */
int rel_id_ok(const char *s);
/* 1 if s ends in '-' and digits: what a person means as a release id,
 * valid or not ("web-0", "web--1"); 0 for anything else. */
int rel_id_like(const char *s);

/* 0 if s is acceptable free text of at most max bytes (empty allowed
 * when allow_empty); else REL_EUSAGE naming `what`. */
int rel_text_check(const char *what, const char *s, size_t max,
    int allow_empty, struct rel_err *err);

#endif
