/*
 * publish.c - the store's publisher made of the sync module (see
 * publish.h and store.h).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "publish.h"
#include "sync.h"

int
rel_publish_config(struct rel_publish *pb, const struct rel_config **c,
    struct rel_err *err)
{
	int rc;

	if (!pb->looked) {
		if ((rc = rel_config_load(pb->st->fd, pb->st->root, &pb->cfg,
		    err)) != 0)
			return rc;
		pb->looked = 1;
	}
	*c = &pb->cfg;
	return 0;
}

/* The message of a remote out of reach: nothing was recorded. */
static int
unreachable(struct rel_publish *pb, struct rel_err *err)
{
	pb->down = 1;
	char why[REL_ERR_MAX];
	const char *d;

	if (!err)
		return REL_ESYS;
	d = strstr(err->msg, "unreachable (");
	snprintf(why, sizeof why, "%s", d ? d + 13 : err->msg);
	if (d && *why)
		why[strlen(why) - 1] = '\0'; /* its ")" */
	return rel_err_set(err, REL_ESYS, "remote %s unreachable: nothing was "
	    "recorded (%s)", pb->cfg.remote, why);
}

int
rel_publish_sync(struct rel_publish *pb, struct rel_sync **s,
    struct rel_err *err)
{
	const struct rel_config *c;
	int rc;

	*s = NULL;
	if ((rc = rel_publish_config(pb, &c, err)) != 0)
		return rc;
	if (!c->remote[0])
		return 0;
	if (!pb->s && (rc = rel_sync_open(&pb->s, pb->st, c->remote, err))) {
		pb->s = NULL;
		return strstr(err->msg, "unreachable") ? unreachable(pb, err) :
		    rc;
	}
	*s = pb->s;
	return 0;
}

int
rel_publish_pull(struct rel_publish *pb, struct rel_err *err)
{
	struct rel_sync *s;
	int rc;

	if ((rc = rel_publish_sync(pb, &s, err)) != 0 || !s)
		return rc;
	rc = rel_sync_pull(s, pb->st, err);
	if (rc && rel_sync_unreachable(s)) {
		pb->down = 1;
		return rel_err_set(err, REL_ESYS, "remote %s unreachable: the "
		    "local copy was not brought up to date", pb->cfg.remote);
	}
	return rc;
}

int
rel_publish_age(struct rel_publish *pb, char *out, size_t n)
{
	const struct rel_config *c;
	struct stat sb;
	long long age;

	if (rel_publish_config(pb, &c, NULL) != 0 || !c->remote[0])
		return 0;
	if (pb->st->fd < 0 || fstatat(pb->st->fd, "cache/" REL_FETCHED_FILE,
	    &sb, AT_SYMLINK_NOFOLLOW) != 0) {
		snprintf(out, n, "local copy of %s, never fetched "
		    "(rel-status --fetch)", c->remote);
		return 1;
	}
	age = (long long)time(NULL) - (long long)sb.st_mtime;
	if (age < 0)
		age = 0;
	if (age < 120)
		snprintf(out, n, "local copy of %s, fetched %lld s ago",
		    c->remote, age);
	else if (age < 7200)
		snprintf(out, n, "local copy of %s, fetched %lld min ago "
		    "(rel-status --fetch)", c->remote, age / 60);
	else
		snprintf(out, n, "local copy of %s, fetched %lld h ago "
		    "(rel-status --fetch)", c->remote, age / 3600);
	return 1;
}

static int
op_prepare(void *ctx, struct rel_product *p, int *on, struct rel_err *err)
{
	struct rel_publish *pb = ctx;
	struct rel_sync *s;
	int rc;

	*on = 0;
	pb->down = 0;
	if ((rc = rel_publish_sync(pb, &s, err)) != 0 || !s)
		return rc;
	*on = 1;
	return rel_sync_prepare(s, p, err);
}

static int
op_publish(void *ctx, struct rel_product *p, const struct rel_change *ch,
    size_t n, const char *author, const char *message, int *accepted,
    struct rel_err *err)
{
	struct rel_publish *pb = ctx;
	int rc;

	pb->down = 0;
	rc = rel_sync_publish(pb->s, p, ch, n, author, message, accepted, err);

	if (rc && rel_sync_unreachable(pb->s))
		return unreachable(pb, err);
	return rc;
}

static int
op_settle(void *ctx, struct rel_product *p, struct rel_err *err)
{
	struct rel_publish *pb = ctx;

	return rel_sync_settle(pb->s, p, err);
}

static int
op_refresh(void *ctx, struct rel_store *st, const char *product, int *moved,
    struct rel_err *err)
{
	struct rel_publish *pb = ctx;
	struct rel_sync *s;
	int rc;

	*moved = 0;
	pb->down = 0;
	if (!pb->changes)
		return 0;
	if ((rc = rel_publish_sync(pb, &s, err)) != 0 || !s)
		return rc;
	rc = rel_sync_refresh(s, st, product, moved, err);
	if (rc && rel_sync_unreachable(s))
		return unreachable(pb, err);
	return rc;
}

static int
op_down(void *ctx)
{
	struct rel_publish *pb = ctx;

	return pb->down;
}

static const char *
op_url(void *ctx)
{
	struct rel_publish *pb = ctx;

	return pb->cfg.remote;
}

void
rel_publish_attach(struct rel_publish *pb, struct rel_store *st, int changes)
{
	memset(pb, 0, sizeof *pb);
	pb->st = st;
	pb->changes = changes;
	pb->ops.ctx = pb;
	pb->ops.prepare = op_prepare;
	pb->ops.publish = op_publish;
	pb->ops.settle = op_settle;
	pb->ops.refresh = op_refresh;
	pb->ops.url = op_url;
	pb->ops.down = op_down;
	pb->ops.fetches = changes;
	st->pub = &pb->ops;
}

void
rel_publish_detach(struct rel_publish *pb)
{
	if (pb->st && pb->st->pub == &pb->ops)
		pb->st->pub = NULL;
	rel_sync_close(pb->s);
	pb->s = NULL;
}
