/*
 * gitrepo.c - a repository found, its settings, references, revisions
 * and mailmap (see gitrepo.h).
 *
 * Small files (HEAD, a ref, commondir, a config file, a mailmap) are
 * read whole, up to SMALL_MAX bytes; the object database is gitodb.c.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "gitrepo.h"

#define SMALL_MAX (16 << 20)   /* a config file, a mailmap */
#define REF_DEPTH 5            /* symbolic references followed */
#define INCLUDE_DEPTH 10

/* Read the regular file at path into b (replacing it): 0, or -1. */
static int
slurp(const char *path, int nofollow, struct rel_buf *b)
{
	struct stat st;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
	    (nofollow ? O_NOFOLLOW : 0));

	rel_buf_reset(b);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > SMALL_MAX || rel_buf_grow(b, (size_t)st.st_size) < 0) {
		close(fd);
		return -1;
	}
	while ((got = read(fd, b->s + b->len, b->cap - 1 - b->len)) > 0)
		b->len += (size_t)got;
	close(fd);
	if (got < 0)
		return -1;
	b->s[b->len] = '\0';
	return 0;
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* dir joined with rel (or rel itself if absolute), made canonical, into
 * out[PATH_MAX]: 0, or -1 if it does not exist. */
static int
join_real(const char *dir, const char *rel, char *out)
{
	char tmp[PATH_MAX * 2];

	if (rel[0] == '/')
		snprintf(tmp, sizeof tmp, "%s", rel);
	else
		snprintf(tmp, sizeof tmp, "%s/%s", dir, rel);
	return realpath(tmp, out) ? 0 : -1;
}

/* The common directory of git directory gd into out. */
static void
common_of(const char *gd, char *out)
{
	struct rel_buf b = REL_BUF_INIT;
	char path[PATH_MAX + 16];

	snprintf(out, PATH_MAX, "%s", gd);
	snprintf(path, sizeof path, "%s/commondir", gd);
	if (slurp(path, 0, &b) == 0 && b.len) {
		b.s[strcspn(b.s, "\r\n")] = '\0';
		if (join_real(gd, b.s, path) < 0 || strlen(path) >= PATH_MAX)
			snprintf(out, PATH_MAX, "%s", gd);
		else
			snprintf(out, PATH_MAX, "%s", path);
	}
	rel_buf_free(&b);
}

/* Is dir a git directory: HEAD, and objects/ and refs/ in its common
 * directory? */
static int
is_gitdir(const char *dir)
{
	char common[PATH_MAX], path[PATH_MAX + 16];

	snprintf(path, sizeof path, "%s/HEAD", dir);
	if (!is_file(path))
		return 0;
	common_of(dir, common);
	snprintf(path, sizeof path, "%s/objects", common);
	if (!is_dir(path))
		return 0;
	snprintf(path, sizeof path, "%s/refs", common);
	return is_dir(path);
}

/* The git directory of work tree dir, if it has one, into gd. */
static int
dotgit(const char *dir, char *gd)
{
	struct rel_buf b = REL_BUF_INIT;
	char path[PATH_MAX + 16];
	int ok = 0;

	snprintf(path, sizeof path, "%s/.git", dir);
	if (is_dir(path)) {
		ok = is_gitdir(path) && strlen(path) < PATH_MAX;
		if (ok)
			snprintf(gd, PATH_MAX, "%s", path);
	} else if (slurp(path, 0, &b) == 0 && !strncmp(b.s ? b.s : "",
	    "gitdir: ", 8)) {
		b.s[strcspn(b.s, "\r\n")] = '\0';
		ok = join_real(dir, b.s + 8, gd) == 0 && is_gitdir(gd);
	}
	rel_buf_free(&b);
	return ok;
}

/* --- config -------------------------------------------------------- */

static int
truth(const char *v)
{
	if (!v)
		return 1;       /* "[core] commitGraph" alone is true */
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
	    !strcasecmp(v, "on"))
		return 1;
	if (!*v || !strcasecmp(v, "false") || !strcasecmp(v, "no") ||
	    !strcasecmp(v, "off"))
		return 0;
	return strtol(v, NULL, 10) != 0;
}

static void
set_str(char **dst, const char *v)
{
	char *d = v ? strdup(v) : NULL;

	if (d || !v) {
		free(*dst);
		*dst = d;
	}
}

struct cfg {
	struct rel_git_repo *r;
	int sha256, bare;
};

static int read_config(struct cfg *c, const char *path, int depth);

/* One "section.key = value" (section and key in lower case). */
static void
setting(struct cfg *c, const char *path, int depth, const char *sec,
    const char *key, const char *v)
{
	if (!strcmp(sec, "core") && !strcmp(key, "commitgraph"))
		c->r->commit_graph = truth(v);
	else if (!strcmp(sec, "core") && !strcmp(key, "bare"))
		c->bare = truth(v);
	else if (!strcmp(sec, "mailmap") && !strcmp(key, "file"))
		set_str(&c->r->mailmap_file, v);
	else if (!strcmp(sec, "mailmap") && !strcmp(key, "blob"))
		set_str(&c->r->mailmap_blob, v);
	else if (!strcmp(sec, "extensions") && !strcmp(key, "objectformat"))
		c->sha256 = v && !strcasecmp(v, "sha256");
	else if (!strcmp(sec, "include") && !strcmp(key, "path") && v &&
	    depth < INCLUDE_DEPTH) {
		char inc[PATH_MAX * 2];
		const char *home = getenv("HOME"), *slash;

		if (!strncmp(v, "~/", 2) && home)
			snprintf(inc, sizeof inc, "%s/%s", home, v + 2);
		else if (v[0] == '/' || !(slash = strrchr(path, '/')))
			snprintf(inc, sizeof inc, "%s", v);
		else
			snprintf(inc, sizeof inc, "%.*s/%s",
			    (int)(slash - path), path, v);
		read_config(c, inc, depth + 1);
	}
}

/*
 * The value at *pp: quotes removed, escapes (\n \t \b \\ \") done,
 * comments cut, blanks around it trimmed, a backslash at the end of a
 * line joining the next; written to out (the caller's), *pp moved past
 * its line.
 */
static void
value(const char **pp, const char *end, struct rel_buf *out)
{
	const char *p = *pp;
	size_t keep = 0;
	int quoted = 0;

	rel_buf_reset(out);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (p < end && *p != '\n') {
		char ch = *p++;

		if (ch == '\\' && p < end) {
			char e = *p++;

			if (e == '\n')
				continue;       /* the value goes on */
			rel_buf_addc(out, e == 'n' ? '\n' : e == 't' ? '\t' :
			    e == 'b' ? '\b' : e);
			keep = out->len;
			continue;
		}
		if (ch == '"') {
			quoted = !quoted;
			keep = out->len;
			continue;
		}
		if (!quoted && (ch == '#' || ch == ';')) {
			while (p < end && *p != '\n')
				p++;
			break;
		}
		if (ch == '\r' && (p == end || *p == '\n'))
			continue;
		rel_buf_addc(out, ch);
		if (quoted || (ch != ' ' && ch != '\t'))
			keep = out->len;
	}
	out->len = keep;
	if (out->s)
		out->s[out->len] = '\0';
	*pp = p < end ? p + 1 : p;
}

static void
lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static int
key_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-';
}

static int
read_config(struct cfg *c, const char *path, int depth)
{
	struct rel_buf b = REL_BUF_INIT, v = REL_BUF_INIT;
	char sec[128] = "", key[128];
	const char *p, *end;

	if (slurp(path, 0, &b) < 0) {
		rel_buf_free(&b);
		return -1;
	}
	p = b.s;
	end = b.s + b.len;
	while (p < end) {
		size_t n;

		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		if (p == end)
			break;
		if (*p == '\n' || *p == '#' || *p == ';') {
			while (p < end && *p++ != '\n')
				;
			continue;
		}
		if (*p == '[') {
			/* [section], [section "sub"], [section.sub]: only the
			 * section matters to us; the line may go on with a
			 * key. */
			p++;
			for (n = 0; p < end && *p != ']' && *p != ' ' &&
			    *p != '"' && *p != '\n' && n + 1 < sizeof sec; p++)
				sec[n++] = *p;
			sec[n] = '\0';
			if (strchr(sec, '.'))
				*strchr(sec, '.') = '\0';
			lower(sec);
			while (p < end && *p != ']' && *p != '\n') {
				if (*p == '\\' && p + 1 < end)
					p++;
				p++;
			}
			if (p < end && *p == ']')
				p++;
			continue;
		}
		for (n = 0; p < end && key_char(*p) && n + 1 < sizeof key; p++)
			key[n++] = *p;
		key[n] = '\0';
		lower(key);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (!n) {
			/* Not a key: skip the line. */
			while (p < end && *p++ != '\n')
				;
			continue;
		}
		if (p < end && *p == '=') {
			p++;
			value(&p, end, &v);
			setting(c, path, depth, sec, key, v.s ? v.s : "");
		} else {
			while (p < end && *p++ != '\n')
				;
			setting(c, path, depth, sec, key, NULL);
		}
	}
	rel_buf_free(&b);
	rel_buf_free(&v);
	return 0;
}

/* The config files git reads, least specific first. */
static void
read_configs(struct cfg *c)
{
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *nosys = getenv("GIT_CONFIG_NOSYSTEM");
	char path[PATH_MAX + 32];

	if (!nosys || !truth(nosys))
		read_config(c, "/etc/gitconfig", 0);
	if (xdg && *xdg) {
		snprintf(path, sizeof path, "%s/git/config", xdg);
		read_config(c, path, 0);
	} else if (home) {
		snprintf(path, sizeof path, "%s/.config/git/config", home);
		read_config(c, path, 0);
	}
	if (home) {
		snprintf(path, sizeof path, "%s/.gitconfig", home);
		read_config(c, path, 0);
	}
	snprintf(path, sizeof path, "%s/config", c->r->commondir);
	read_config(c, path, 0);
}

/* --- opening ------------------------------------------------------- */

void
rel_git_repo_close(struct rel_git_repo *r)
{
	rel_git_odb_close(r->odb);
	free(r->mailmap_file);
	free(r->mailmap_blob);
	memset(r, 0, sizeof *r);
}

int
rel_git_repo_open(const char *path, struct rel_git_repo *r,
    struct rel_err *err)
{
	char dir[PATH_MAX], gd[PATH_MAX], objdir[PATH_MAX + 16];
	struct stat st, up;
	struct cfg c;
	int found = 0, rc;

	memset(r, 0, sizeof *r);
	r->commit_graph = 1;
	if (!realpath(path, dir) || stat(dir, &st) != 0)
		return rel_err_set(err, REL_ENOTFOUND, "%s: not a git "
		    "repository (%s)", path, strerror(errno));
	for (;;) {
		char *slash;

		if (dotgit(dir, gd)) {
			snprintf(r->gitdir, sizeof r->gitdir, "%s", gd);
			snprintf(r->workdir, sizeof r->workdir, "%s", dir);
			found = 1;
		} else if (is_gitdir(dir)) {
			snprintf(r->gitdir, sizeof r->gitdir, "%s", dir);
			slash = strrchr(dir, '/');
			/* A work tree's .git given as such: its work tree. */
			if (slash && !strcmp(slash, "/.git") && slash > dir)
				snprintf(r->workdir, sizeof r->workdir, "%.*s",
				    (int)(slash - dir), dir);
			found = 1;
		}
		if (found)
			break;
		/* Up one, but not to another file system, nor past /. */
		slash = strrchr(dir, '/');
		if (slash && slash > dir)
			*slash = '\0';
		if (!slash || slash == dir || stat(dir, &up) != 0 ||
		    up.st_dev != st.st_dev)
			return rel_err_set(err, REL_ENOTFOUND, "%s: not a git "
			    "repository (nor any of its parents)", path);
	}
	common_of(r->gitdir, r->commondir);
	memset(&c, 0, sizeof c);
	c.r = r;
	read_configs(&c);
	if (c.bare)
		r->workdir[0] = '\0';
	if (c.sha256) {
		rel_git_repo_close(r);
		return rel_err_set(err, REL_EUSAGE, "%s: a SHA-256 repository "
		    "cannot be read", path);
	}
	snprintf(objdir, sizeof objdir, "%s/shallow", r->commondir);
	r->shallow = is_file(objdir);
	snprintf(objdir, sizeof objdir, "%s/objects", r->commondir);
	if ((rc = rel_git_odb_open(objdir, &r->odb, err))) {
		rel_git_repo_close(r);
		return rc;
	}
	return 0;
}

/* --- references and revisions ------------------------------------ */

/* A name that may be looked up as a file under the git directory. */
static int
safe_name(const char *s)
{
	if (!*s || *s == '/' || strstr(s, "..") || strstr(s, "//"))
		return 0;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch <= ' ' || ch == 0x7f || strchr("~^:?*[\\@{", ch))
			return 0;
	}
	return 1;
}

/* Leading hex id of s (40 digits, then the end or a blank). */
static int
hex_id(const char *s, unsigned char oid[REL_GIT_RAWSZ])
{
	if (strlen(s) < REL_GIT_HEXSZ || (s[REL_GIT_HEXSZ] &&
	    !strchr(" \t\r\n", s[REL_GIT_HEXSZ])))
		return -1;
	return rel_git_hex_to_oid(s, oid);
}

/* The full reference name in packed-refs: 0 and oid, or -1. */
static int
packed(const struct rel_git_repo *r, const char *name,
    unsigned char oid[REL_GIT_RAWSZ])
{
	struct rel_buf b = REL_BUF_INIT;
	char path[PATH_MAX + 16];
	size_t nlen = strlen(name);
	const char *p, *end;
	int rc = -1;

	snprintf(path, sizeof path, "%s/packed-refs", r->commondir);
	if (slurp(path, 0, &b) < 0) {
		rel_buf_free(&b);
		return -1;
	}
	for (p = b.s, end = b.s + b.len; p < end && rc < 0; ) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if ((size_t)(le - p) == REL_GIT_HEXSZ + 1 + nlen &&
		    p[REL_GIT_HEXSZ] == ' ' && !memcmp(p + REL_GIT_HEXSZ + 1,
		    name, nlen) && rel_git_hex_to_oid(p, oid) == 0)
			rc = 0;
		p = le + 1;
	}
	rel_buf_free(&b);
	return rc;
}

/* The full reference name (HEAD, refs/...): 0 and oid, or -1. */
static int
ref(const struct rel_git_repo *r, const char *name,
    unsigned char oid[REL_GIT_RAWSZ], int depth)
{
	struct rel_buf b = REL_BUF_INIT;
	char path[PATH_MAX * 2];
	const char *dirs[2] = { r->gitdir, r->commondir };
	int rc = -1;

	if (depth > REF_DEPTH || !safe_name(name))
		return -1;
	for (int i = 0; i < 2 && rc < 0; i++) {
		if (i && !strcmp(dirs[0], dirs[1]))
			break;
		snprintf(path, sizeof path, "%s/%s", dirs[i], name);
		if (slurp(path, 0, &b) < 0 || !b.s)
			continue;
		if (!strncmp(b.s, "ref:", 4)) {
			char *t = b.s + 4;

			while (*t == ' ')
				t++;
			t[strcspn(t, "\r\n")] = '\0';
			rc = ref(r, t, oid, depth + 1);
		} else if (hex_id(b.s, oid) == 0) {
			rc = 0;
		}
	}
	rel_buf_free(&b);
	if (rc < 0 && !strncmp(name, "refs/", 5))
		rc = packed(r, name, oid);
	return rc;
}

int
rel_git_repo_peel(const struct rel_git_repo *r,
    unsigned char oid[REL_GIT_RAWSZ], struct rel_err *err)
{
	for (int depth = 0; depth < 16; depth++) {
		enum rel_git_type t;
		char *d;
		size_t len;
		int rc;

		if ((rc = rel_git_odb_read(r->odb, oid, &t, &d, &len, err)))
			return rc;
		if (t == REL_GIT_COMMIT) {
			free(d);
			return 0;
		}
		if (t != REL_GIT_TAG || len < 7 + REL_GIT_HEXSZ ||
		    memcmp(d, "object ", 7) || rel_git_hex_to_oid(d + 7,
		    oid) < 0) {
			free(d);
			return rel_err_set(err, REL_EUSAGE, "not a commit");
		}
		free(d);
	}
	return rel_err_set(err, REL_EUSAGE, "tags nested too deep");
}

int
rel_git_repo_rev(const struct rel_git_repo *r, const char *rev,
    unsigned char oid[REL_GIT_RAWSZ], int *other, struct rel_err *err)
{
	static const char *const rules[] = { "%s", "refs/%s", "refs/tags/%s",
		"refs/heads/%s", "refs/remotes/%s", "refs/remotes/%s/HEAD" };
	char name[PATH_MAX];
	size_t i;
	int rc;

	*other = 0;
	if (strlen(rev) == REL_GIT_HEXSZ && hex_id(rev, oid) == 0) {
		if ((rc = rel_git_repo_peel(r, oid, err)) == REL_ENOTFOUND)
			rel_err_set(err, REL_ENOTFOUND, "revision '%s' not "
			    "found", rev);
		return rc;
	}
	for (i = 0; safe_name(rev) && i < sizeof rules / sizeof rules[0];
	    i++) {
		snprintf(name, sizeof name, rules[i], rev);
		if (ref(r, name, oid, 0) == 0)
			return rel_git_repo_peel(r, oid, err);
	}
	/* Not a name we know: git may know it (an abbreviated id, ~, ^,
	 * @{...}), unless it is something only a name could be. */
	*other = 1;
	return rel_err_set(err, REL_ENOTFOUND, "revision '%s' not found",
	    rev);
}

/* --- the mailmap ------------------------------------------------- */

/* The entry path[0..len) of tree oid (its id into oid): 0 or -1. */
static int
tree_entry(const struct rel_git_repo *r, unsigned char oid[REL_GIT_RAWSZ],
    const char *path)
{
	while (*path) {
		size_t len = strcspn(path, "/");
		enum rel_git_type t;
		struct rel_err err;
		char *d, *p, *end;
		size_t dl;
		int found = 0;

		if (rel_git_odb_read(r->odb, oid, &t, &d, &dl, &err) != 0)
			return -1;
		if (t != REL_GIT_TREE) {
			free(d);
			return -1;
		}
		for (p = d, end = d + dl; p < end && !found; ) {
			char *sp = memchr(p, ' ', (size_t)(end - p));
			char *nul = sp ? memchr(sp, '\0', (size_t)(end - sp)) :
			    NULL;

			if (!nul || (size_t)(end - nul) < 1 + REL_GIT_RAWSZ)
				break;
			if ((size_t)(nul - sp - 1) == len &&
			    !memcmp(sp + 1, path, len)) {
				memcpy(oid, nul + 1, REL_GIT_RAWSZ);
				found = 1;
			}
			p = nul + 1 + REL_GIT_RAWSZ;
		}
		free(d);
		if (!found)
			return -1;
		path += len;
		while (*path == '/')
			path++;
	}
	return 0;
}

/* "REV:PATH" (a revision this file resolves): the blob's text into b. */
static int
blob_text(const struct rel_git_repo *r, const char *spec, struct rel_buf *b)
{
	char rev[PATH_MAX];
	const char *colon = strchr(spec, ':');
	unsigned char oid[REL_GIT_RAWSZ];
	enum rel_git_type t;
	struct rel_err err;
	char *d;
	size_t len;
	int other;

	if (!colon || (size_t)(colon - spec) >= sizeof rev)
		return -1;
	snprintf(rev, sizeof rev, "%.*s", (int)(colon - spec), spec);
	if (rel_git_repo_rev(r, rev, oid, &other, &err) != 0 ||
	    rel_git_odb_read(r->odb, oid, &t, &d, &len, &err) != 0)
		return -1;
	if (t != REL_GIT_COMMIT || len < 5 + REL_GIT_HEXSZ ||
	    memcmp(d, "tree ", 5) || rel_git_hex_to_oid(d + 5, oid) < 0) {
		free(d);
		return -1;
	}
	free(d);
	if (tree_entry(r, oid, colon + 1) < 0 ||
	    rel_git_odb_read(r->odb, oid, &t, &d, &len, &err) != 0)
		return -1;
	if (t != REL_GIT_BLOB) {
		free(d);
		return -1;
	}
	rel_buf_reset(b);
	rel_buf_add(b, d, len);
	free(d);
	return b->oom ? -1 : 0;
}

struct rel_git_mailmap *
rel_git_repo_mailmap(const struct rel_git_repo *r)
{
	struct rel_git_mailmap *mm = rel_git_mailmap_new();
	struct rel_buf b = REL_BUF_INIT;
	char path[PATH_MAX * 2];
	const char *blob = r->mailmap_blob;
	int any = 0, bad = 0;

	if (!mm)
		return NULL;
	/* git does not follow a symbolic link to the work tree's file. */
	if (r->workdir[0]) {
		snprintf(path, sizeof path, "%s/.mailmap", r->workdir);
		if (slurp(path, 1, &b) == 0) {
			any = 1;
			bad |= rel_git_mailmap_add(mm, b.s ? b.s : "", b.len);
		}
	}
	if (!blob && !r->workdir[0])
		blob = "HEAD:.mailmap";
	if (blob && *blob && blob_text(r, blob, &b) == 0) {
		any = 1;
		bad |= rel_git_mailmap_add(mm, b.s ? b.s : "", b.len);
	}
	if (r->mailmap_file && *r->mailmap_file) {
		const char *f = r->mailmap_file, *home = getenv("HOME");
		const char *base = r->workdir[0] ? r->workdir : r->gitdir;

		if (!strncmp(f, "~/", 2) && home)
			snprintf(path, sizeof path, "%s/%s", home, f + 2);
		else if (f[0] == '/')
			snprintf(path, sizeof path, "%s", f);
		else
			snprintf(path, sizeof path, "%s/%s", base, f);
		if (slurp(path, 0, &b) == 0) {
			any = 1;
			bad |= rel_git_mailmap_add(mm, b.s ? b.s : "", b.len);
		}
	}
	rel_buf_free(&b);
	if (!any || bad || rel_git_mailmap_finish(mm) < 0) {
		rel_git_mailmap_free(mm);
		return NULL;
	}
	return mm;
}
