/*
 * notes.h - release notes: the model that rel-notes fills (the release,
 * its base, artifact changes, the commits in between) and its three
 * renderings, Markdown, plain text and JSON.
 *
 * No libgit2 here: gitnotes.c walks the history and feeds each commit to
 * rel_notes_add_commit as it goes; the model keeps only what the notes
 * show (a few short strings per commit), never whole messages.
 *
 * Invariants:
 * - Every string of the model lives in one buffer (strs) and is named by
 *   its offset, REL_NOTES_NONE when absent, so that growing the buffer
 *   moves nothing that is referred to.
 * - Every string is valid UTF-8 without control characters when it is
 *   stored: invalid bytes and controls from commits become U+FFFD, CR is
 *   dropped, and single-line fields have their line ends made spaces.
 *   The renderers can therefore write them out as they are (JSON escapes
 *   quotes and backslashes only; Markdown escapes HTML).
 * - Commits are kept in the order of the walk; groups, breaking changes,
 *   issues and contributors are views of that one list.  Issues,
 *   contributors, their addresses and the types outside the known ones
 *   are deduplicated through hash tables: adding a commit costs time
 *   linear in its message, whatever the number of commits.
 * - A commit that an exclude pattern of the configuration matches is
 *   counted and left out whole (unless it is breaking: a breaking change
 *   is never hidden), as merges are unless asked for.
 * - The library never prints: rendering appends to a rel_buf.
 */
#ifndef REL_NOTES_H
#define REL_NOTES_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "commitmsg.h"
#include "err.h"
#include "notescfg.h"
#include "release.h"

#define REL_NOTES_NONE ((size_t)-1)
#define REL_NOTES_SHORT 7          /* hex digits of a short commit id */

enum rel_notes_format { REL_NOTES_MD, REL_NOTES_TEXT, REL_NOTES_JSON };

/* Where the range starts. */
enum rel_notes_base {
	REL_BASE_NONE,        /* nothing to start from: all history */
	REL_BASE_ENV,         /* the release live in an environment */
	REL_BASE_SINCE,       /* a release given with --since */
	REL_BASE_PREVIOUS,    /* the previous release that has a revision */
	REL_BASE_RANGE,       /* git revisions given with --range */
};

enum rel_art_change {
	REL_ART_UNCHANGED, REL_ART_CHANGED, REL_ART_ADDED, REL_ART_REMOVED
};

struct rel_notes_artifact {
	size_t component;
	size_t old_version, new_version;   /* REL_NOTES_NONE: added/removed */
	enum rel_art_change change;
};

struct rel_notes_output {
	size_t object, key, value;
};

/* A run into an environment that this release started: who started it,
 * when, how (promote, redeploy, rollback, restore) and why (the gate's
 * comment: rel-promote --reason). */
struct rel_notes_promotion {
	size_t env, by, how, why;
	int64_t time;                      /* ms */
};

struct rel_notes_person {
	size_t name, email;                /* email: the one used most */
	size_t commits;
	size_t email_commits;              /* commits with that email */
};

/* A person's address and how often they used it. */
struct rel_notes_addr {
	size_t key;                        /* "name\001email" */
	size_t email, person, commits;
};

struct rel_notes_issue {
	size_t ref;                        /* "#12", "GH-7", "o/r#3", "ABC-9" */
	enum rel_issue_kind kind;
	int closes;                        /* some commit closes it */
	size_t commits;                    /* how many commits name it */
};

struct rel_notes_commit {
	size_t id;                         /* full hex id */
	size_t subject, scope, desc, breaking_text;
	size_t ctype;                      /* a type outside the known ones:
	                                      index into ctypes, or NONE */
	size_t author;                     /* index into people */
	size_t issue0;                     /* its issues: refs[issue0...] */
	unsigned nissues;
	int64_t time;                      /* author time, seconds */
	unsigned char type;                /* enum rel_cc_type */
	unsigned char breaking, merge;
};

/* What the history walk knows of one commit: spans into its object. */
struct rel_notes_commit_in {
	const char *id;                    /* hex, NUL-terminated */
	const char *name, *email;
	size_t namelen, emaillen;
	int64_t time;
	const char *msg;
	size_t msglen;
	int merge;                         /* more than one parent */
};

struct rel_notes {
	/* The release (all REL_NOTES_NONE with --range and no release); repo
	 * is the one recorded, then the one read (rel_notes_repo). */
	size_t release, product, by, message, rev, repo;
	unsigned long number;
	int64_t created;                   /* ms */
	int hotfix;
	int compared;                      /* artifacts compared with a base */
	int no_rev;                        /* the release has no revision */

	/* The range. */
	enum rel_notes_base base;
	size_t base_release, base_env;     /* REL_NOTES_NONE if not known */
	size_t base_rev, head_rev;         /* full ids as resolved */
	size_t range;                      /* the revisions, as given */
	int merges;                        /* merge commits are included */
	size_t merges_left_out;
	size_t excluded;                   /* left out by exclude patterns */
	int walk_graph;                    /* the commit-graph gave the range */
	size_t walk_read, walk_visited;    /* objects read, commits visited */
	const struct rel_notes_cfg *cfg;   /* keys, links, patterns; or NULL */

	size_t noutputs, nartifacts, ncommits, npeople, nissues, nrefs;
	size_t nnotes, nbreaking, naddrs, nctypes, npromotions;
	size_t ntype[REL_CC_NTYPES];
	struct rel_notes_output *outputs;
	struct rel_notes_promotion *promotions;
	struct rel_notes_artifact *artifacts;
	struct rel_notes_commit *commits;
	struct rel_notes_person *people;
	struct rel_notes_issue *issues;    /* in order of first appearance */
	size_t *refs;                      /* the commits' issues (indices) */
	size_t *notes;                     /* remarks ("no base: ...") */
	struct rel_notes_addr *addrs;
	size_t *ctypes;                    /* type names, lower case */

	struct rel_buf strs;
	size_t *people_tab, *issue_tab;    /* open addressing: index + 1 */
	size_t *addr_tab, *ctype_tab;
	size_t people_cap, issue_cap;      /* powers of two, or 0 */
	size_t addr_cap, ctype_cap;
	size_t commits_cap, people_alloc, issues_alloc, refs_cap, misc_cap[4];
	size_t addrs_alloc, ctypes_alloc;
	int oom;
	struct rel_commitmsg cm;           /* reused for each commit */
};

void rel_notes_init(struct rel_notes *n);
void rel_notes_free(struct rel_notes *n);

/* The string at off, or NULL for REL_NOTES_NONE. */
const char *rel_notes_str(const struct rel_notes *n, size_t off);

/* What to link and leave out (the flow's `notes:`, the options); cfg
 * must outlive n.  Set it before adding commits. */
void rel_notes_config(struct rel_notes *n, const struct rel_notes_cfg *cfg);

/* The release: header, outputs (the latest of each object and key), the
 * runs it started into environments (who, when, why) and artifacts
 * compared with base (NULL: no base, every artifact added).
 * A release without a revision gets no commits: the notes say so. */
int rel_notes_release(struct rel_notes *n, const struct rel_release *r,
    const struct rel_release *base, struct rel_err *err);

/* How the base was chosen: the base release and environment may be NULL. */
int rel_notes_base(struct rel_notes *n, enum rel_notes_base how,
    const char *release, const char *env, struct rel_err *err);

/* The repository read: its work tree, or the repository itself if bare
 * (a trailing '/' is dropped). */
int rel_notes_repo(struct rel_notes *n, const char *path,
    struct rel_err *err);

/* The resolved ends of the range (base_rev NULL: none) and the range as
 * the user gave it (may be NULL). */
int rel_notes_revs(struct rel_notes *n, const char *base_rev,
    const char *head_rev, const char *range, struct rel_err *err);

/* Add a remark shown near the top: "no base release: ...". */
int rel_notes_note(struct rel_notes *n, struct rel_err *err,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Add one commit: its message is parsed, only what the notes show is
 * kept.  A merge is counted and left out unless n->merges. */
int rel_notes_add_commit(struct rel_notes *n,
    const struct rel_notes_commit_in *c, struct rel_err *err);

/* "md", "text", "json": the format, or -1. */
int rel_notes_format_parse(const char *s);

/* Append the notes in format f to out.  Ends with a newline. */
int rel_notes_render(const struct rel_notes *n, enum rel_notes_format f,
    struct rel_buf *out, struct rel_err *err);

#endif
