/*
 * envlog.c - what ran and what went live in each environment.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envlog.h"
#include "io.h"
#include "journal.h"
#include "record.h"
#include "when.h"

static int
add_line(struct rel_jline *jl, void *arg)
{
	struct rel_envlog *log = arg;
	struct rel_env_run *run;
	int64_t t;

	if (jl->n < 2 || rel_time_parse(jl->f[1], &t) < 0)
		return 0;
	if (!strcmp(jl->f[0], "run") && jl->n == 8 && rel_id_ok(jl->f[2])) {
		run = &log->v[log->n++];
		memset(run, 0, sizeof *run);
		run->started = t;
		strcpy(run->release, jl->f[2]);
		run->attempt = atoi(jl->f[3]);
		snprintf(run->how, sizeof run->how, "%s", jl->f[4]);
		run->who = jl->f[5];
		run->previous = jl->f[6];
		run->why = jl->f[7];
		run->status = REL_RUNNING;
	} else if (!strcmp(jl->f[0], "freeze") && jl->n == 6) {
		int64_t until = 0;

		if (strcmp(jl->f[3], "-") && rel_time_parse(jl->f[3], &until))
			return 0;
		log->freeze.time = t;
		log->freeze.lifted = 0;
		log->freeze.who = jl->f[2];
		log->freeze.until = until;
		log->freeze.hotfix = !strcmp(jl->f[4], "allow");
		log->freeze.why = jl->f[5];
		log->marks[log->nmarks++] = log->freeze;
	} else if (!strcmp(jl->f[0], "lift") && jl->n == 4) {
		log->freeze.time = t;
		log->freeze.lifted = 1;
		log->freeze.who = jl->f[2];
		log->freeze.why = jl->f[3];
		log->freeze.until = 0;
		log->freeze.hotfix = 0;
		log->marks[log->nmarks++] = log->freeze;
	} else if (!strcmp(jl->f[0], "end") && jl->n == 5) {
		int st = rel_status_parse(jl->f[4]);

		/* It ends the last open run of that release and attempt. */
		for (size_t i = log->n; i > 0 && st >= 0; i--) {
			run = &log->v[i - 1];
			if (run->ended == 0 && !strcmp(run->release, jl->f[2]) &&
			    run->attempt == atoi(jl->f[3])) {
				run->ended = t;
				run->status = (enum rel_status)st;
				break;
			}
		}
	}
	return 0;
}

/* Runs with no end whose release's record says the environment finished
 * them: read them as ended (see envlog.h). */
static void
settle(struct rel_product *p, struct rel_envlog *log)
{
	for (size_t i = 0; i < log->n; i++) {
		struct rel_env_run *run = &log->v[i];
		char product[REL_NAME_MAX + 1];
		struct rel_release *r;
		unsigned long n;
		int e;

		if (run->ended || rel_id_parse(run->release, product, &n, NULL) ||
		    strcmp(product, p->name) ||
		    rel_release_load(p, n, &r, NULL) != 0)
			continue;
		e = rel_release_env(r, log->env);
		/* How its last run ended, not what the release keeps of it
		 * (a redeploy that failed). */
		if (e >= 0 && r->envs[e].run != REL_RUNNING) {
			run->settled = 1;
			if (r->envs[e].attempt == run->attempt &&
			    rel_status_final(r->envs[e].run)) {
				run->status = r->envs[e].run;
				run->ended = r->envs[e].finished ?
				    r->envs[e].finished : run->started;
			} else {
				run->status = REL_FAILED;
				run->ended = run->started;
			}
		}
		rel_release_free(r);
	}
}

int
rel_envlog_parse(struct rel_envlog *log, struct rel_err *err)
{
	size_t lines = 0;

	for (size_t i = 0; i < log->raw.len; i++)
		lines += log->raw.s[i] == '\n';
	free(log->v);
	free(log->marks);
	log->n = log->nmarks = 0;
	memset(&log->freeze, 0, sizeof log->freeze);
	log->v = calloc(lines + 1, sizeof *log->v);
	log->marks = calloc(lines + 1, sizeof *log->marks);
	if (!log->v || !log->marks) {
		rel_envlog_free(log);
		return rel_err_set(err, REL_ESYS, "out of memory");
	}
	rel_journal_scan(log->raw.s ? log->raw.s : "", log->raw.len, add_line,
	    log, NULL, NULL);
	return 0;
}

int
rel_envlog_load(struct rel_product *p, const char *env,
    struct rel_envlog *log, struct rel_err *err)
{
	char path[4400];
	int dir, rc;

	memset(log, 0, sizeof *log);
	snprintf(log->env, sizeof log->env, "%s", env);
	rel_product_path(p, "envs", path, sizeof path);
	rc = rel_dir_open(p->dir, "envs", 0, path, &dir, err);
	if (rc == REL_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	strncat(path, "/", sizeof path - strlen(path) - 1);
	strncat(path, env, sizeof path - strlen(path) - 1);
	rc = rel_file_read(dir, env, path, REL_JOURNAL_FILE_MAX, &log->raw, err);
	close(dir);
	if (rc == REL_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	if ((rc = rel_envlog_parse(log, err)) != 0)
		return rc;
	settle(p, log);
	return 0;
}

void
rel_envlog_free(struct rel_envlog *log)
{
	free(log->v);
	free(log->marks);
	rel_buf_free(&log->raw);
	log->v = NULL;
	log->marks = NULL;
	log->n = log->nmarks = 0;
}

const struct rel_env_run *
rel_envlog_live(const struct rel_envlog *log)
{
	const struct rel_env_run *best = NULL;

	/* The last to end succeeded: ends are in time order. */
	for (size_t i = 0; i < log->n; i++)
		if (log->v[i].status == REL_SUCCEEDED &&
		    (!best || log->v[i].ended >= best->ended))
			best = &log->v[i];
	return best;
}

const struct rel_env_run *
rel_envlog_open_run(const struct rel_envlog *log)
{
	for (size_t i = log->n; i > 0; i--)
		if (log->v[i - 1].ended == 0)
			return &log->v[i - 1];
	return NULL;
}

void
rel_envlog_run_line(struct rel_buf *out, int64_t time, const char *release,
    int attempt, const char *how, const char *who, const char *previous,
    const char *why)
{
	char t[REL_TIME_MAX], a[16];

	rel_time_format(time, 1, t);
	snprintf(a, sizeof a, "%d", attempt);
	rel_journal_line(out, (const char *[]){ "run", t, release, a, how, who,
	    previous && *previous ? previous : "-", why ? why : "" }, 8);
}

void
rel_envlog_end_line(struct rel_buf *out, int64_t time, const char *release,
    int attempt, enum rel_status status)
{
	char t[REL_TIME_MAX], a[16];

	rel_time_format(time, 1, t);
	snprintf(a, sizeof a, "%d", attempt);
	rel_journal_line(out, (const char *[]){ "end", t, release, a,
	    rel_status_name(status) }, 5);
}

void
rel_envlog_freeze_line(struct rel_buf *out, int64_t time, const char *who,
    int64_t until, int hotfix, const char *why)
{
	char t[REL_TIME_MAX], u[REL_TIME_MAX];

	rel_time_format(time, 1, t);
	if (until)
		rel_time_format(until, 1, u);
	else
		strcpy(u, "-");
	rel_journal_line(out, (const char *[]){ "freeze", t, who, u,
	    hotfix ? "allow" : "deny", why }, 6);
}

void
rel_envlog_lift_line(struct rel_buf *out, int64_t time, const char *who,
    const char *why)
{
	char t[REL_TIME_MAX];

	rel_time_format(time, 1, t);
	rel_journal_line(out, (const char *[]){ "lift", t, who, why }, 4);
}

int
rel_livemap_load(struct rel_product *p, struct rel_livemap *m,
    struct rel_err *err)
{
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int fd, rc = 0;

	memset(m, 0, sizeof *m);
	fd = openat(p->dir, "envs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 :
		    rel_err_errno(err, "cannot open envs of %s", p->name);
	if (!(d = fdopendir(fd))) {
		close(fd);
		return rel_err_errno(err, "cannot read envs of %s", p->name);
	}
	while ((de = readdir(d))) {
		struct rel_envlog log;
		const struct rel_env_run *live;

		if (!rel_name_ok(de->d_name))
			continue;
		if (m->n == cap) {
			void *a, *b;

			cap = cap ? cap * 2 : 8;
			a = realloc(m->env, cap * sizeof *m->env);
			if (a)
				m->env = a;
			b = realloc(m->release, cap * sizeof *m->release);
			if (b)
				m->release = b;
			if (!a || !b) {
				rc = rel_err_set(err, REL_ESYS, "out of memory");
				break;
			}
		}
		if ((rc = rel_envlog_load(p, de->d_name, &log, err)) != 0)
			break;
		live = rel_envlog_live(&log);
		strcpy(m->env[m->n], de->d_name);
		strcpy(m->release[m->n], live ? live->release : "");
		m->n++;
		rel_envlog_free(&log);
	}
	closedir(d);
	if (rc) {
		rel_livemap_free(m);
		return rc;
	}
	/* Directory order is no order: sort by name for stable output. */
	for (size_t i = 1; i < m->n; i++)
		for (size_t j = i; j > 0 && strcmp(m->env[j - 1], m->env[j]) > 0;
		    j--) {
			char e[REL_NAME_MAX + 1], r[REL_ID_MAX + 1];

			memcpy(e, m->env[j], sizeof e);
			memcpy(m->env[j], m->env[j - 1], sizeof e);
			memcpy(m->env[j - 1], e, sizeof e);
			memcpy(r, m->release[j], sizeof r);
			memcpy(m->release[j], m->release[j - 1], sizeof r);
			memcpy(m->release[j - 1], r, sizeof r);
		}
	return 0;
}

const char *
rel_livemap_get(const struct rel_livemap *m, const char *env)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->env[i], env))
			return m->release[i][0] ? m->release[i] : NULL;
	return NULL;
}

void
rel_livemap_free(struct rel_livemap *m)
{
	free(m->env);
	free(m->release);
	memset(m, 0, sizeof *m);
}
