/*
 * notescfg.h - what a flow's `notes:` section (rel-flow(5)) and the
 * options of rel-notes say about release notes: the issue keys whose
 * references are taken (PROJ in PROJ-12), URL templates that make issues
 * and commits links, and the commits left out by type and scope.
 *
 * Every setter checks its value and says what is wrong with it, so that a
 * configuration that exists is a valid one; the notes model (notes.h)
 * only reads it.  No YAML here (flow.c reads the section) and no git.
 *
 * Templates: an issue URL may hold {number} (12), {key} (PROJ, GH, or
 * empty for #12) and {ref} (the reference as written, "#" escaped as
 * %23); a commit URL {id} (the full id) and {short} (7 digits).  A
 * template has no blanks, control characters, '<' or '>' (Markdown writes
 * links as <URL>), and no other {name}.
 *
 * Exclude patterns: TYPE or TYPE(SCOPE), each a glob (fnmatch(3)); the
 * type is matched without regard to case against the commit's type in
 * lower case ("other" for a subject without one), the scope as written;
 * "chore" is every chore, "chore()" a chore without a scope,
 * "chore(deps*)" chores whose scope starts with deps, "*(release)" any
 * type with that scope.
 */
#ifndef REL_NOTESCFG_H
#define REL_NOTESCFG_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/* An issue URL template, for the references of one key ("#" for #N and
 * GH-N), or for every reference but owner/repo#N (key NULL). */
struct rel_notes_url {
	char *key;
	char *url;
};

struct rel_notes_cfg {
	char **keys;                 /* issue keys, distinct */
	size_t nkeys;
	struct rel_notes_url *issue_urls;
	size_t nissue_urls;
	char *commit_url;            /* or NULL */
	char **exclude;              /* patterns, as given */
	size_t nexclude;
};

#define REL_NOTES_CFG_INIT { NULL, 0, NULL, 0, NULL, NULL, 0 }

void rel_notes_cfg_free(struct rel_notes_cfg *c);

/* Add an issue key (checked: an upper-case letter, then upper-case
 * letters, digits or '_'; a key given twice counts once). */
int rel_notes_cfg_key(struct rel_notes_cfg *c, const char *key,
    struct rel_err *err);
/* Set the issue URL template for key ("#", a key, or NULL for every
 * reference); a key set again is replaced. */
int rel_notes_cfg_issue_url(struct rel_notes_cfg *c, const char *key,
    const char *tmpl, struct rel_err *err);
int rel_notes_cfg_commit_url(struct rel_notes_cfg *c, const char *tmpl,
    struct rel_err *err);
int rel_notes_cfg_exclude(struct rel_notes_cfg *c, const char *pattern,
    struct rel_err *err);
/* Once everything is set: is every key of an issue URL "#", GH or one of
 * the issue keys? */
int rel_notes_cfg_check(const struct rel_notes_cfg *c, struct rel_err *err);
/* Add everything of src to dst (the flow's, then the command line's). */
int rel_notes_cfg_merge(struct rel_notes_cfg *dst,
    const struct rel_notes_cfg *src, struct rel_err *err);

/* Is a commit of this type (lower case) and scope (len bytes, maybe 0)
 * excluded by a pattern? */
int rel_notes_cfg_excluded(const struct rel_notes_cfg *c, const char *type,
    const char *scope, size_t scopelen);

/* Append the URL of the issue reference ref ("#12", "PROJ-3") to b: 1,
 * or 0 (nothing appended) when no template applies. */
int rel_notes_cfg_issue_link(const struct rel_notes_cfg *c, const char *ref,
    struct rel_buf *b);
/* Append the URL of the commit id to b: 1, or 0 without a template. */
int rel_notes_cfg_commit_link(const struct rel_notes_cfg *c, const char *id,
    struct rel_buf *b);

#endif
