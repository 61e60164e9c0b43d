/*
 * gitnotes.c - walk the commits of a range with libgit2 and feed them to
 * the notes model, for rel-notes.
 *
 * The walk streams: git_revwalk hands out one id at a time and nothing
 * of a commit outlives its turn but what the notes model keeps.  (With a
 * base to hide, libgit2 first marks out the range, as git does, keeping a
 * small node per commit; the raw objects it read stay only in its object
 * cache, which is bounded.)  No sorting is asked for: either way commits
 * come newest first by commit date, which is all release notes need (they
 * group by type), and GIT_SORT_TIME or TOPOLOGICAL would only add a
 * priority queue or a second pass over the range.  Each commit is
 * read as its raw object (git_odb_read) rather than looked up as a
 * git_commit: the revwalk has just read the same object, so the read is
 * an object-cache hit, and parsing the few header lines we need here
 * avoids building signatures, parent lists and a message copy that would
 * be thrown away at once.  Two process-wide settings serve this: commits
 * of up to 1 MiB stay in the object cache (libgit2 keeps only those under
 * 4 KiB by default, and a long message would be inflated twice), and
 * objects are not hashed again on read, which `git log` does not do
 * either (it cost a fifth of the run).  See tests/bench/notes.sh.
 *
 * Invariants: every libgit2 object is freed on every path; an error
 * names the repository and the revision; GIT_ITEROVER ends the walk and
 * anything else it returns is an error.
 */
#include <git2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gitnotes.h"

#define HEXSZ GIT_OID_HEXSZ

static const char *
git_msg(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown libgit2 error";
}

/* A libgit2 error code as an exit status. */
static int
code_of(int g)
{
	switch (g) {
	case GIT_ENOTFOUND:
	case GIT_EAMBIGUOUS:
		return REL_ENOTFOUND;
	case GIT_EINVALIDSPEC:
		return REL_EUSAGE;
	default:
		return REL_ESYS;
	}
}

/* The commit that rev names, peeled through tags. */
static int
resolve(git_repository *repo, const char *dir, const char *what,
    const char *rev, git_oid *out, struct rel_err *err)
{
	git_object *obj = NULL, *commit = NULL;
	int g;

	if ((g = git_revparse_single(&obj, repo, rev)) < 0)
		return rel_err_set(err, code_of(g),
		    "%s '%s' not found in %s (%s)", what, rev, dir, git_msg());
	g = git_object_peel(&commit, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (g < 0)
		return rel_err_set(err, REL_EUSAGE,
		    "%s '%s' in %s is not a commit (%s)", what, rev, dir,
		    git_msg());
	git_oid_cpy(out, git_object_id(commit));
	git_object_free(commit);
	return 0;
}

/* "A..B": the commits of both ends (A.. and ..B mean HEAD for the
 * missing one, as in git). */
static int
resolve_range(git_repository *repo, const char *dir, const char *range,
    git_oid *base, git_oid *head, struct rel_err *err)
{
	git_revspec spec;
	git_object *from = NULL, *to = NULL;
	int g, rc = 0;

	memset(&spec, 0, sizeof spec);
	if ((g = git_revparse(&spec, repo, range)) < 0)
		return rel_err_set(err, code_of(g),
		    "range '%s' not found in %s (%s)", range, dir, git_msg());
	if (!(spec.flags & GIT_REVSPEC_RANGE) || !spec.from || !spec.to) {
		rc = rel_err_set(err, REL_EUSAGE,
		    "--range '%s': expected A..B (two revisions)", range);
		goto out;
	}
	if (spec.flags & GIT_REVSPEC_MERGE_BASE) {
		rc = rel_err_set(err, REL_EUSAGE,
		    "--range '%s': A...B is not supported, give A..B", range);
		goto out;
	}
	if (git_object_peel(&from, spec.from, GIT_OBJECT_COMMIT) < 0 ||
	    git_object_peel(&to, spec.to, GIT_OBJECT_COMMIT) < 0) {
		rc = rel_err_set(err, REL_EUSAGE, "range '%s' in %s: not "
		    "commits (%s)", range, dir, git_msg());
		goto out;
	}
	git_oid_cpy(base, git_object_id(from));
	git_oid_cpy(head, git_object_id(to));
out:
	git_object_free(from);
	git_object_free(to);
	git_object_free(spec.from);
	git_object_free(spec.to);
	return rc;
}

/* "Name <email> 1700000000 +0100" (the rest of an author line). */
static void
parse_person(const char *s, const char *e, struct rel_notes_commit_in *c)
{
	const char *lt = memchr(s, '<', (size_t)(e - s)), *gt, *p, *ne;
	int64_t t = 0;
	int digits = 0;

	if (!lt) {
		c->name = s;
		c->namelen = (size_t)(e - s);
		return;
	}
	for (ne = lt; ne > s && ne[-1] == ' '; ne--)
		;
	c->name = s;
	c->namelen = (size_t)(ne - s);
	if (!(gt = memchr(lt, '>', (size_t)(e - lt))))
		return;
	c->email = lt + 1;
	c->emaillen = (size_t)(gt - lt - 1);
	for (p = gt + 1; p < e && *p == ' '; p++)
		;
	for (; p < e && *p >= '0' && *p <= '9' && digits < 15; p++, digits++)
		t = t * 10 + (*p - '0');
	c->time = t;
}

/*
 * The parts of a raw commit object the notes need: the number of parents,
 * the author and the message.  Header lines that continue the one before
 * (a signature) start with a space; the message follows the first empty
 * line.  A malformed object yields what could be read.
 */
static void
parse_commit(const char *d, size_t len, struct rel_notes_commit_in *c)
{
	const char *p = d, *end = d + len;
	int parents = 0;

	c->name = c->email = "";
	c->namelen = c->emaillen = 0;
	c->time = 0;
	c->msg = end;
	c->msglen = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if (le == p) {
			c->msg = p + 1;
			c->msglen = (size_t)(end - p - 1);
			break;
		}
		if (le - p > 7 && !memcmp(p, "parent ", 7))
			parents++;
		else if (le - p > 7 && !memcmp(p, "author ", 7))
			parse_person(p + 7, le, c);
		p = le + 1;
	}
	c->merge = parents > 1;
}

/*
 * Who the author is, after the repository's mailmap (.mailmap,
 * mailmap.file, mailmap.blob: what git shortlog and git log --use-mailmap
 * read), so that one person under two names or addresses is counted once.
 * The names are copied to be NUL-terminated: libgit2 wants strings.
 */
struct person_buf {
	char name[512], email[512];
};

static void
map_author(const git_mailmap *mm, struct rel_notes_commit_in *c,
    struct person_buf *pb)
{
	const char *rn = NULL, *re = NULL;

	if (!mm || c->namelen >= sizeof pb->name ||
	    c->emaillen >= sizeof pb->email)
		return;
	memcpy(pb->name, c->name, c->namelen);
	pb->name[c->namelen] = '\0';
	memcpy(pb->email, c->email, c->emaillen);
	pb->email[c->emaillen] = '\0';
	if (git_mailmap_resolve(&rn, &re, mm, pb->name, pb->email) < 0 ||
	    !rn || !re)
		return;
	c->name = rn;
	c->namelen = strlen(rn);
	c->email = re;
	c->emaillen = strlen(re);
}

int
rel_git_notes(const struct rel_git_walk *w, struct rel_notes *n,
    struct rel_err *err)
{
	git_repository *repo = NULL;
	git_revwalk *walk = NULL;
	git_odb *odb = NULL;
	git_mailmap *mm = NULL;
	git_oid base, head, oid;
	char bhex[HEXSZ + 1], hhex[HEXSZ + 1], id[HEXSZ + 1];
	const char *what = w->range ? w->range : w->head;
	int rc = 0, g, have_base = 0;
	long seen = 0;

	git_libgit2_init();
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_COMMIT,
	    (size_t)1 << 20);
	if ((g = git_repository_open_ext(&repo, w->repo, 0, NULL)) < 0) {
		rc = rel_err_set(err, REL_ENOTFOUND,
		    "%s: not a git repository (%s)", w->repo, git_msg());
		goto out;
	}
	{
		const char *wd = git_repository_workdir(repo);

		if ((rc = rel_notes_repo(n, wd ? wd : git_repository_path(repo),
		    err)))
			goto out;
	}
	if (w->range) {
		if ((rc = resolve_range(repo, w->repo, w->range, &base, &head,
		    err)))
			goto out;
		have_base = 1;
	} else {
		if ((rc = resolve(repo, w->repo, "revision", w->head, &head,
		    err)))
			goto out;
		if (w->base && (rc = resolve(repo, w->repo, "base revision",
		    w->base, &base, err)))
			goto out;
		have_base = w->base != NULL;
	}
	git_oid_tostr(hhex, sizeof hhex, &head);
	if (have_base)
		git_oid_tostr(bhex, sizeof bhex, &base);
	if ((rc = rel_notes_revs(n, have_base ? bhex : NULL, hhex, w->range,
	    err)))
		goto out;

	/* As libgit2's examples/log.c: sorting first, then hide and push. */
	if ((g = git_revwalk_new(&walk, repo)) < 0 ||
	    (g = git_revwalk_sorting(walk, GIT_SORT_NONE)) < 0 ||
	    (have_base && (g = git_revwalk_hide(walk, &base)) < 0) ||
	    (g = git_revwalk_push(walk, &head)) < 0 ||
	    (g = git_repository_odb(&odb, repo)) < 0) {
		rc = rel_err_set(err, code_of(g), "cannot walk %s in %s (%s)",
		    what, w->repo, git_msg());
		goto out;
	}
	/* A mailmap that cannot be read leaves the names as committed. */
	if (git_mailmap_from_repository(&mm, repo) < 0)
		mm = NULL;
	id[HEXSZ] = '\0';
	while ((g = git_revwalk_next(&oid, walk)) == 0) {
		struct rel_notes_commit_in c;
		struct person_buf pb;
		git_odb_object *obj;

		if (w->progress && ++seen % 1000 == 0)
			w->progress(seen, w->arg);
		if ((g = git_odb_read(&obj, odb, &oid)) < 0)
			break;
		git_oid_fmt(id, &oid);
		c.id = id;
		parse_commit(git_odb_object_data(obj), git_odb_object_size(obj),
		    &c);
		map_author(mm, &c, &pb);
		rc = rel_notes_add_commit(n, &c, err);
		git_odb_object_free(obj);
		if (rc)
			goto out;
	}
	if (g != GIT_ITEROVER) {
		rc = rel_err_set(err, g == GIT_ENOTFOUND ? REL_ENOTFOUND :
		    REL_ESYS, "cannot walk %s in %s (%s)%s", what, w->repo,
		    git_msg(), git_repository_is_shallow(repo) == 1 ?
		    "; the repository is shallow: fetch its history "
		    "(git fetch --unshallow)" : "");
		goto out;
	}
out:
	if (w->progress && seen >= 1000)
		w->progress(-1, w->arg);
	git_mailmap_free(mm);
	git_odb_free(odb);
	git_revwalk_free(walk);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}
