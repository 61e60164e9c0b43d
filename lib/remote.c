/*
 * remote.c - fetch and compare-and-swap push of rel/ branches (see
 * replica.h).
 *
 * Credentials as git users expect, never written anywhere: for ssh,
 * the ssh-agent, then ~/.ssh/id_ed25519, id_ecdsa and id_rsa; host keys
 * are checked by libgit2 1.5 itself against ~/.ssh/known_hosts (an
 * unknown or changed key is refused when no certificate callback
 * overrides it, and rel sets none).  For https, $REL_GIT_TOKEN.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "replica.h"
#include "when.h"

/* What the callbacks of one connection share. */
struct net {
	struct rel_replica *r;
	int step;                  /* credentials tried so far */
	char user[256];
	const char *refname;       /* the branch being pushed */
	git_oid expected;          /* its value we build on (zero: none) */
	int nokey;                 /* every credential was tried */
	int refused;
	char why[512];
};

static const char *const keys[] = { "id_ed25519", "id_ecdsa", "id_rsa" };

static int
credentials(git_credential **out, const char *url, const char *user,
    unsigned int allowed, void *payload)
{
	struct net *n = payload;
	struct rel_lg2 *g = &n->r->g;
	const char *home = getenv("HOME");

	(void)url;
	if (allowed & GIT_CREDENTIAL_USERNAME) {
		const char *u = getenv("USER");

		return g->credential_username_new(out, u && *u ? u : "git");
	}
	if (user && *user)
		snprintf(n->user, sizeof n->user, "%s", user);
	else
		snprintf(n->user, sizeof n->user, "%s",
		    getenv("USER") ? getenv("USER") : "git");
	if (allowed & GIT_CREDENTIAL_SSH_KEY) {
		/* Step 0 is the agent, steps 1.. the key files in turn. */
		while (n->step <= (int)(sizeof keys / sizeof keys[0])) {
			int s = n->step++;
			char priv[4200], pub[4300];
			struct stat sb;

			if (s == 0) {
				if (getenv("SSH_AUTH_SOCK"))
					return g->credential_ssh_key_from_agent(
					    out, n->user);
				continue;
			}
			if (!home)
				break;
			snprintf(priv, sizeof priv, "%s/.ssh/%s", home,
			    keys[s - 1]);
			if (stat(priv, &sb) < 0)
				continue;
			snprintf(pub, sizeof pub, "%s.pub", priv);
			return g->credential_ssh_key_new(out, n->user,
			    stat(pub, &sb) == 0 ? pub : NULL, priv, NULL);
		}
		n->nokey = 1;
		return -1;
	}
	if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && n->step++ == 0 &&
	    getenv("REL_GIT_TOKEN") && *getenv("REL_GIT_TOKEN"))
		return g->credential_userpass_plaintext_new(out, n->user,
		    getenv("REL_GIT_TOKEN"));
	n->nokey = 1;
	return -1;
}

/* A path or file:// URL goes to the local transport, which rel does not
 * use for pushing (see replica.h).  Else a URL (scheme://) or scp-like
 * host:path. */
static const char *
local_path(const char *url)
{
	const char *colon = strchr(url, ':'), *slash = strchr(url, '/');

	if (!strncmp(url, "file://", 7))
		return url + 7;
	if (strstr(url, "://") || (colon && (!slash || colon < slash)))
		return NULL;
	return url;
}

/*
 * A time bound on one exchange with the remote.  libgit2 1.5 has no
 * timeout of its own: a remote that takes the connection and then says
 * nothing (a hung server, a proxy with nothing behind it, packets
 * dropped mid-stream) would hold a command, or a runner that must stop
 * its steps before its lease ends, for ever.  So a timer interrupts the
 * blocked call (SIGALRM, then every 200 ms until libgit2 gives up), and
 * the call fails as an unreachable remote does.  Only where the process
 * has a handler for SIGALRM that does not restart calls (the commands
 * set one: bin/cmd.c); without one nothing is armed.  The bound is
 * st->net_ms, else the command's --wait.
 */
static int probe(struct rel_replica *r, struct rel_err *err);
static int fetch(struct rel_replica *r, const char *only,
    struct rel_remote_head **heads, size_t *nheads, struct rel_err *err);

struct bound {
	int armed;
	long ms;
	int64_t until;             /* monotonic ms */
};

static void
bound_begin(struct rel_replica *r, struct bound *b)
{
	struct sigaction sa;
	struct itimerval it;

	memset(b, 0, sizeof *b);
	b->ms = r->st ? (r->st->net_ms > 0 ? r->st->net_ms : r->st->wait_ms) : 0;
	if (b->ms <= 0 || sigaction(SIGALRM, NULL, &sa) != 0 ||
	    sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN ||
	    (sa.sa_flags & SA_RESTART))
		return;
	memset(&it, 0, sizeof it);
	it.it_value.tv_sec = b->ms / 1000;
	it.it_value.tv_usec = (b->ms % 1000) * 1000;
	it.it_interval.tv_usec = 200 * 1000;
	if (setitimer(ITIMER_REAL, &it, NULL) == 0) {
		b->armed = 1;
		b->until = rel_monotonic_ms() + b->ms;
	}
}

/* Disarm; a call that failed past the bound says so. */
static void
bound_end(struct rel_replica *r, struct bound *b, int rc, struct rel_err *err)
{
	struct itimerval it;

	if (!b->armed)
		return;
	memset(&it, 0, sizeof it);
	setitimer(ITIMER_REAL, &it, NULL);
	if (rc && rel_monotonic_ms() >= b->until) {
		char msg[sizeof err->msg];

		r->unreachable = 1;
		if (!err)
			return;
		snprintf(msg, sizeof msg, "%s", err->msg);
		rel_err_set(err, REL_ESYS, "remote %s did not answer in %ld.%03ld "
		    "s (%s)", r->url, b->ms / 1000, b->ms % 1000, msg);
	}
}

int
rel_remote_probe(struct rel_replica *r, struct rel_err *err)
{
	struct bound b;
	int rc;

	bound_begin(r, &b);
	rc = probe(r, err);
	bound_end(r, &b, rc, err);
	return rc;
}

int
rel_remote_fetch(struct rel_replica *r, const char *only,
    struct rel_remote_head **heads, size_t *nheads, struct rel_err *err)
{
	struct bound b;
	int rc;

	bound_begin(r, &b);
	rc = fetch(r, only, heads, nheads, err);
	bound_end(r, &b, rc, err);
	return rc;
}

int
rel_remote_unreachable(struct rel_replica *r, struct rel_err *err,
    const char *detail)
{
	r->unreachable = 1;
	return rel_err_set(err, REL_ESYS, "remote %s unreachable (%s)",
	    r->url, detail);
}

static int
open_remote(struct rel_replica *r, struct net *n, git_direction dir,
    git_remote **rm, git_remote_callbacks *cbs, struct rel_err *err)
{
	struct rel_lg2 *g = &r->g;
	git_remote_create_options co;

	r->unreachable = 0;
	*rm = NULL;
	g->remote_init_callbacks(cbs, GIT_REMOTE_CALLBACKS_VERSION);
	if (!r->url[0])
		return rel_err_set(err, REL_EUSAGE, "no remote: set one with "
		    "rel-sync --remote URL");
	cbs->credentials = credentials;
	cbs->payload = n;
	/* Anonymous, without url.*.insteadOf: in libgit2 1.5 looking that
	 * up leaks the regex match data of every config entry that does not
	 * match (git_regexp_match returns before freeing it). */
	g->remote_create_options_init(&co, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	co.repository = r->repo;
	co.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF |
	    GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if (g->remote_create_with_opts(rm, r->url, &co) < 0)
		return rel_err_set(err, REL_EUSAGE, "bad remote '%s': %s",
		    r->url, rel_lg2_msg(g));
	if (g->remote_connect(*rm, dir, cbs, NULL, NULL) < 0) {
		int rc = rel_remote_unreachable(r, err, n->nokey ?
		    "no credential was accepted: for ssh, the ssh-agent's keys "
		    "and ~/.ssh/id_ed25519, id_ecdsa, id_rsa; for https, "
		    "$REL_GIT_TOKEN" : rel_lg2_msg(g));

		g->remote_free(*rm);
		*rm = NULL;
		return rc;
	}
	return 0;
}

static int
probe(struct rel_replica *r, struct rel_err *err)
{
	struct rel_lg2 *g = &r->g;
	git_remote_callbacks cbs;
	const git_remote_head **ls;
	git_remote *rm = NULL;
	struct net n;
	size_t count;
	int rc = 0;

	memset(&n, 0, sizeof n);
	n.r = r;
	r->unreachable = 0;
	g->remote_init_callbacks(&cbs, GIT_REMOTE_CALLBACKS_VERSION);
	cbs.credentials = credentials;
	cbs.payload = &n;
	if (g->remote_create_detached(&rm, r->url) < 0)
		return rel_err_set(err, REL_EUSAGE, "bad remote '%s': %s",
		    r->url, rel_lg2_msg(g));
	if (g->remote_connect(rm, GIT_DIRECTION_FETCH, &cbs, NULL, NULL) < 0 ||
	    g->remote_ls(&ls, &count, rm) < 0)
		rc = rel_remote_unreachable(r, err, n.nokey ?
		    "no credential was accepted: for ssh, the ssh-agent's keys "
		    "and ~/.ssh/id_ed25519, id_ecdsa, id_rsa; for https, "
		    "$REL_GIT_TOKEN" : rel_lg2_msg(g));
	g->remote_disconnect(rm);
	g->remote_free(rm);
	return rc;
}

static int
is_rel_branch(const char *name, char product[REL_NAME_MAX + 1])
{
	if (strncmp(name, "refs/heads/rel/", 15) ||
	    rel_product_check(name + 15, NULL))
		return 0;
	snprintf(product, REL_NAME_MAX + 1, "%s", name + 15);
	return 1;
}

static int
fetch(struct rel_replica *r, const char *only,
    struct rel_remote_head **heads, size_t *nheads, struct rel_err *err)
{
	struct rel_lg2 *g = &r->g;
	git_remote_callbacks cbs;
	git_fetch_options fo;
	const git_remote_head **ls;
	struct rel_remote_head *v = NULL;
	struct net n;
	git_remote *rm;
	char spec[2 * REL_NAME_MAX + 64], *sp = spec;
	git_strarray specs = { &sp, 1 };
	size_t count, k = 0;
	int rc = 0;

	*heads = NULL;
	*nheads = 0;
	if (only)
		snprintf(spec, sizeof spec, "refs/heads/rel/%s:refs/rel-fetch/%s",
		    only, only);
	else
		snprintf(spec, sizeof spec, "refs/heads/rel/*:refs/rel-fetch/*");
	memset(&n, 0, sizeof n);
	n.r = r;
	if ((rc = open_remote(r, &n, GIT_DIRECTION_FETCH, &rm, &cbs, err)) != 0)
		return rc;
	if (g->remote_ls(&ls, &count, rm) < 0) {
		rc = rel_remote_unreachable(r, err, rel_lg2_msg(g));
		goto out;
	}
	if (count && !(v = calloc(count, sizeof *v))) {
		rc = rel_err_set(err, REL_ESYS, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < count; i++)
		if (is_rel_branch(ls[i]->name, v[k].product) &&
		    (!only || !strcmp(only, v[k].product)))
			v[k++].id = ls[i]->oid;
	if (k) {
		g->fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
		fo.callbacks = cbs;
		fo.update_fetchhead = 0;
		fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
		/* Objects only: which commit each branch is at is what the
		 * remote advertised; no ref is written here. */
		if (g->remote_download(rm, &specs, &fo) < 0) {
			rc = rel_err_set(err, REL_ESYS, "cannot fetch from %s: "
			    "%s", r->url, rel_lg2_msg(g));
			goto out;
		}
	}
	*heads = v;
	*nheads = k;
	v = NULL;
out:
	free(v);
	g->remote_disconnect(rm);
	g->remote_free(rm);
	return rc;
}

static int
push_status(const char *refname, const char *status, void *payload)
{
	struct net *n = payload;

	if (status && !strcmp(refname, n->refname)) {
		n->refused = 1;
		snprintf(n->why, sizeof n->why, "%s", status);
	}
	return 0;
}

/* The last word before anything is sent: the update carries, as the old
 * value the server checks, the commit the new one was built on. */
static int
negotiation(const git_push_update **up, size_t len, void *payload)
{
	struct net *n = payload;

	for (size_t i = 0; i < len; i++)
		if (!strcmp(up[i]->dst_refname, n->refname) &&
		    !rel_oid_eq(&up[i]->src, &n->expected)) {
			n->refused = 1;
			snprintf(n->why, sizeof n->why, "the branch moved");
			return -1;
		}
	return 0;
}

static void
describe(const git_oid *id, char *out, size_t size)
{
	char hex[GIT_OID_HEXSZ + 1];

	rel_oid_hex(id, hex);
	snprintf(out, size, "%.12s", hex);
}

static int
push_smart(struct rel_replica *r, const char *product, const git_oid *id,
    struct net *n, struct rel_err *err)
{
	struct rel_lg2 *g = &r->g;
	git_remote_callbacks cbs;
	git_push_options po;
	const git_remote_head **ls;
	git_reference *ref = NULL;
	git_remote *rm;
	char out[REL_NAME_MAX + 96], spec[2 * REL_NAME_MAX + 128], *sp = spec;
	char at[16], want[16];
	git_strarray specs = { &sp, 1 };
	size_t count;
	int rc, found = 0, gr;

	if ((rc = open_remote(r, n, GIT_DIRECTION_PUSH, &rm, &cbs, err)) != 0)
		return rc;
	if (g->remote_ls(&ls, &count, rm) < 0) {
		rc = rel_remote_unreachable(r, err, rel_lg2_msg(g));
		goto out;
	}
	for (size_t i = 0; i < count; i++)
		if (!strcmp(ls[i]->name, n->refname)) {
			found = 1;
			if (!rel_oid_eq(&ls[i]->oid, &n->expected)) {
				describe(&ls[i]->oid, at, sizeof at);
				describe(&n->expected, want, sizeof want);
				n->refused = 1;
				snprintf(n->why, sizeof n->why, "%s is at %s, "
				    "not %s", n->refname, at,
				    rel_oid_zero(&n->expected) ? "absent" :
				    want);
			}
		}
	if (!found && !rel_oid_zero(&n->expected)) {
		n->refused = 1;
		snprintf(n->why, sizeof n->why, "the remote has no %s",
		    n->refname);
	}
	if (n->refused)
		goto out;
	/* libgit2 pushes from a ref: a name of this process's own, never
	 * the branch (which only holds what the remote accepted). */
	snprintf(out, sizeof out, "refs/rel-out/%ld/%s", (long)getpid(),
	    product);
	if (g->reference_create(&ref, r->repo, out, id, 1, NULL) < 0) {
		rc = rel_err_set(err, REL_ESYS, "%s: cannot make %s: %s",
		    r->gitdir, out, rel_lg2_msg(g));
		goto out;
	}
	g->reference_free(ref);
	snprintf(spec, sizeof spec, "%s:%s", out, n->refname);
	g->push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	po.callbacks = cbs;
	po.callbacks.push_update_reference = push_status;
	po.callbacks.push_negotiation = negotiation;
	gr = g->remote_upload(rm, &specs, &po);
	if (gr == GIT_ENONFASTFORWARD) {
		n->refused = 1;
		snprintf(n->why, sizeof n->why, "not a fast-forward");
	} else if (gr < 0 && !n->refused) {
		rc = rel_err_set(err, REL_ESYS, "cannot push to %s: %s",
		    r->url, rel_lg2_msg(g));
	}
	g->reference_remove(r->repo, out);
out:
	g->remote_disconnect(rm);
	g->remote_free(rm);
	return rc;
}

/* A ref's lock file in a path remote is held for the moment of a push;
 * one far older than that is what a push killed while it held it left,
 * and refuses every push from every machine until a person removes it
 * (no machine can tell that no push is under way).  Say so, naming it,
 * rather than "other machines changed it first". */
#define STALE_LOCK_S 30

static int
stale_lock(const char *repo, const char *refname, struct rel_err *err)
{
	char lk[4400];
	struct stat sb;
	time_t now = time(NULL);

	snprintf(lk, sizeof lk, "%s/%s.lock", repo, refname);
	if (stat(lk, &sb) != 0 || now - sb.st_mtime < STALE_LOCK_S)
		return 0;
	rel_err_set(err, REL_ESYS, "remote %s: %s has been there for %lld s: "
	    "a push was killed while it held it; if no push is under way, "
	    "remove it (nothing was recorded)", repo, lk,
	    (long long)(now - sb.st_mtime));
	return 1;
}

static int
push_local(struct rel_replica *r, const char *path, const git_oid *id,
    struct net *n, struct rel_err *err)
{
	struct rel_lg2 *g = &r->g;
	git_repository *remote = NULL;
	git_revwalk *walk = NULL;
	git_packbuilder *pb = NULL;
	git_reference *ref = NULL;
	char packdir[4300];
	int rc = 0, gr;

	r->unreachable = 0;
	if (g->repository_open_bare(&remote, path) < 0)
		return rel_remote_unreachable(r, err, rel_lg2_msg(g));
	snprintf(packdir, sizeof packdir, "%sobjects/pack",
	    g->repository_path(remote));
	/* The objects first, then the ref: a ref never names a missing
	 * object, even if this process dies in between. */
	if (g->revwalk_new(&walk, r->repo) < 0 ||
	    g->revwalk_push(walk, id) < 0 ||
	    (!rel_oid_zero(&n->expected) &&
	    g->revwalk_hide(walk, &n->expected) < 0) ||
	    g->packbuilder_new(&pb, r->repo) < 0 ||
	    g->packbuilder_insert_walk(pb, walk) < 0 ||
	    g->packbuilder_write(pb, packdir, 0, NULL, NULL) < 0) {
		rc = rel_err_set(err, REL_ESYS, "cannot push to %s: %s",
		    r->url, rel_lg2_msg(g));
		goto out;
	}
	/* The compare-and-swap: under the ref's lock file, only if it is
	 * still at the expected commit (zero: only if it does not exist). */
	gr = g->reference_create_matching(&ref, remote, n->refname, id, 1,
	    &n->expected, "rel push");
	if (ref)
		g->reference_free(ref);
	if (gr == GIT_ELOCKED && stale_lock(path, n->refname, err)) {
		rc = REL_ESYS;
	} else if (gr == GIT_EMODIFIED || gr == GIT_ELOCKED ||
	    gr == GIT_ENOTFOUND || gr == GIT_EEXISTS) {
		n->refused = 1;
		snprintf(n->why, sizeof n->why, "%s", rel_lg2_msg(g));
	} else if (gr < 0) {
		rc = rel_err_set(err, REL_ESYS, "cannot push to %s: %s",
		    r->url, rel_lg2_msg(g));
	}
out:
	if (pb)
		g->packbuilder_free(pb);
	if (walk)
		g->revwalk_free(walk);
	g->repository_free(remote);
	return rc;
}

int
rel_remote_push(struct rel_replica *r, const char *product,
    const git_oid *id, const git_oid *expected, int *accepted, char *why,
    size_t whylen, struct rel_err *err)
{
	char refname[REL_NAME_MAX + 32];
	const char *path;
	struct net n;
	int rc;

	*accepted = 0;
	memset(&n, 0, sizeof n);
	n.r = r;
	snprintf(refname, sizeof refname, "refs/heads/rel/%s", product);
	n.refname = refname;
	if (expected)
		n.expected = *expected;
	if (!r->url[0])
		return rel_err_set(err, REL_EUSAGE, "no remote: set one with "
		    "rel-sync --remote URL");
	path = local_path(r->url);
	if (path) {
		rc = push_local(r, path, id, &n, err);
	} else {
		struct bound b;

		bound_begin(r, &b);
		rc = push_smart(r, product, id, &n, err);
		bound_end(r, &b, rc, err);
	}
	if (rc)
		return rc;
	*accepted = !n.refused;
	if (why)
		snprintf(why, whylen, "%s", n.refused ? n.why : "");
	return 0;
}
