/*
 * reap.c - noticing dead runners, and stopping what a release runs.
 *
 * Signals are sent, and waited for, outside the product lock; only the
 * writing is under it, after the record is read again there: whatever
 * was decided on a copy read before is dropped if the record moved on
 * meanwhile (a termination asked for, another reaper done first).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "config.h"
#include "envlog.h"
#include "io.h"
#include "journal.h"
#include "proc.h"
#include "reap.h"
#include "record.h"
#include "when.h"

#define MOMENT_MS 300          /* one look waits this long for them to go */
#define KILL_WAIT_MS 30000L    /* after SIGKILL, this long before giving up */
#define POLL_MS 25

static void
nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int
locks_dir(struct rel_store *st, int *fd, struct rel_err *err)
{
	char path[4200];

	snprintf(path, sizeof path, "%s/locks", st->root);
	return rel_dir_open(st->fd, "locks", 1, path, fd, err);
}

int
rel_runner_lock(struct rel_store *st, const char *id, struct rel_lock *lk,
    struct rel_err *err)
{
	char name[REL_ID_MAX + 16], path[4400];
	int dir, rc;

	if ((rc = locks_dir(st, &dir, err)) != 0)
		return rc;
	snprintf(name, sizeof name, "%s.runner", id);
	snprintf(path, sizeof path, "%s/locks/%s", st->root, name);
	rc = rel_lock_take(dir, name, path, 0, rel_store_holder(st), lk, err);
	close(dir);
	if (rc == REL_EBUSY) {
		char holder[256];

		if (rel_runner_alive(st, id, holder, sizeof holder) != 1)
			snprintf(holder, sizeof holder, "another runner");
		rel_err_set(err, REL_EBUSY, "%s is being promoted already, by %s",
		    id, holder);
	}
	return rc;
}

int
rel_runner_alive(struct rel_store *st, const char *id, char *holder, size_t n)
{
	char name[REL_ID_MAX + 16];
	int dir, rc;

	if (st->fd < 0 || locks_dir(st, &dir, NULL) != 0)
		return 0;
	snprintf(name, sizeof name, "%s.runner", id);
	rc = rel_lock_probe(dir, name, holder, n);
	close(dir);
	return rc == 1;
}

/* --- runners on other machines (a store shared through a remote) ---- */

/* The machine of the runner of r's running environments ("" if none
 * is named: a store without a remote, or nothing running). */
static const char *
runner_machine(const struct rel_release *r)
{
	for (size_t i = 0; i < r->nenvs; i++)
		if (r->envs[i].status == REL_RUNNING &&
		    r->envs[i].runner_machine[0])
			return r->envs[i].runner_machine;
	return "";
}

int
rel_runner_elsewhere(struct rel_store *st, const struct rel_release *r)
{
	char me[REL_MACHINE_ID_LEN + 1];
	const char *m = runner_machine(r);

	if (!*m || rel_machine_id(st, me, NULL) != 0)
		return 0;
	return strcmp(m, me) != 0;
}

void
rel_lease_times(struct rel_store *st, long *lease_ms, long *margin_ms)
{
	struct rel_config c;

	if (rel_config_load(st->fd, st->root, &c, NULL) != 0)
		rel_config_defaults(&c);
	*lease_ms = c.lease_ms;
	*margin_ms = c.lease_ms / 4;
}

/*
 * Has the runner of r, on another machine, let its lease run out as
 * this machine has watched it?  The record is watched, never a clock of
 * the other machine: cache/PRODUCT/watch/ID keeps this machine's boot
 * id, when (its CLOCK_MONOTONIC) it first saw the record as it is, and
 * the record's size then.  The runner is dead once this machine has seen
 * the record unchanged for lease + margin.  A reboot here, or a record
 * that grew, starts the watch again.
 */
int
rel_lease_expired(struct rel_product *p, const struct rel_release *r)
{
	char boot[40], path[4400], name[REL_ID_MAX + 8], line[128];
	struct rel_buf b = REL_BUF_INIT;
	long lease, margin;
	long long since = 0;
	size_t size = 0;
	int64_t now = rel_monotonic_ms();
	int dir, exists, dead = 0, n = 0;
	char seen_boot[40] = "";

	rel_boot_id(boot);
	snprintf(path, sizeof path, "%s/cache/%s/watch", p->st->root, p->name);
	if (rel_dir_open_path(p->st->fd, path + strlen(p->st->root) + 1, 1,
	    path, &dir, NULL) != 0)
		return 0;
	snprintf(name, sizeof name, "%s", r->id);
	if (rel_file_read(dir, name, path, 256, &b, NULL) == 0 && b.s)
		n = sscanf(b.s, "%39s %lld %zu", seen_boot, &since, &size);
	rel_buf_free(&b);
	if (n == 3 && !strcmp(seen_boot, boot[0] ? boot : "-") &&
	    size == r->record_size) {
		rel_lease_times(p->st, &lease, &margin);
		dead = now - since >= lease + margin;
	} else {
		snprintf(line, sizeof line, "%s %lld %zu\n", boot[0] ? boot :
		    "-", (long long)now, r->record_size);
		rel_file_write_atomic(dir, name, line, strlen(line), 0, &exists,
		    path, NULL);
	}
	close(dir);
	return dead;
}

int
rel_runner_live(struct rel_product *p, const struct rel_release *r)
{
	if (rel_runner_elsewhere(p->st, r))
		return !rel_lease_expired(p, r);
	return rel_runner_alive(p->st, r->id, NULL, 0);
}

int
rel_reap_needed(const struct rel_release *r)
{
	if (r->term == REL_TERMINATING)
		return 1;
	for (size_t i = 0; i < r->nenvs; i++)
		if (r->envs[i].status == REL_RUNNING)
			return 1;
	return 0;
}

void
rel_stop_lines(const struct rel_release *r, int64_t now, const char *who,
    enum rel_status to, enum rel_status env_to, const char *why,
    struct rel_buf *lines, struct rel_buf *envlines, struct rel_buf *envnames)
{
	for (size_t i = 0; i < r->nenvs; i++) {
		const struct rel_env *e = &r->envs[i];

		for (size_t j = 0; j < e->nsteps; j++) {
			const struct rel_step *s = &e->steps[j];

			for (size_t k = 0; k < s->nruns; k++) {
				char obj[3 * (REL_NAME_MAX + 1)];

				if (s->runs[k].status != REL_RUNNING)
					continue;
				rel_object(r, i, j, k, obj, sizeof obj);
				rel_tr_line(lines, now, who, obj, "running",
				    rel_status_name(to), s->runs[k].attempt,
				    why, "");
			}
		}
		if (e->status == REL_RUNNING) {
			rel_tr_line(lines, now, who, e->name, "running",
			    rel_status_name(env_to), e->attempt, why, "");
			if (envlines) {
				rel_envlog_end_line(envlines, now, r->id,
				    e->attempt, env_to);
				rel_buf_add(envnames, e->name,
				    strlen(e->name) + 1);
			}
		}
	}
}

int
rel_signal_steps(const struct rel_release *r, int sig)
{
	int count = 0;

	for (size_t i = 0; i < r->nenvs; i++) {
		const struct rel_env *e = &r->envs[i];

		for (size_t j = 0; j < e->nsteps; j++)
			for (size_t k = 0; k < e->steps[j].nruns; k++) {
				const struct rel_step_run *run =
				    &e->steps[j].runs[k];

				if (run->status != REL_RUNNING || run->pid <= 1)
					continue;
				/* Never signal a pid that is no longer ours. */
				if (!rel_pgrp_ours((pid_t)run->pid, run->pstart,
				    run->boot, run->host))
					continue;
				if (sig == 0) {
					count += rel_pgrp_alive((pid_t)run->pid);
					continue;
				}
				if (kill(-(pid_t)run->pid, sig) == 0)
					count++;
			}
	}
	return count;
}

/* --- what steps left behind ------------------------------------------- */

/* Process groups and single processes found to be a release's. */
struct targets {
	pid_t *grp, *pid;
	size_t ngrp, npid, gcap, pcap;
	struct rel_buf cgs;        /* their cgroups, NUL-separated */
};

static void
add(pid_t **v, size_t *n, size_t *cap, pid_t x)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i] == x)
			return;
	if (*n == *cap) {
		size_t nc = *cap ? 2 * *cap : 8;
		pid_t *nv = realloc(*v, nc * sizeof *nv);

		if (!nv)
			return; /* not signalled: the next look finds it */
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = x;
}

/* Done with them: their cgroups go once empty (the kernel refuses to
 * remove one that is not, and the next look tries again). */
static void
targets_free(struct targets *t)
{
	for (size_t off = 0; off < t->cgs.len;
	    off += strlen(t->cgs.s + off) + 1)
		rel_cgroup_remove(t->cgs.s + off);
	rel_buf_free(&t->cgs);
	free(t->grp);
	free(t->pid);
	memset(t, 0, sizeof *t);
}

/* Is p this process or one of its ancestors?  Never signal those: a step
 * may run rel-status itself. */
static int
is_us(const struct rel_ptable *tab, pid_t p)
{
	pid_t me = getpid();

	return p == me || rel_ptable_descends(tab, me, p);
}

/* Processes that left their group but carry r's id in their
 * environment; started no earlier than its first step on this boot. */
static void
find_by_environ(struct rel_product *p, const struct rel_release *r,
    long long since, pid_t *groups, size_t ngroups, struct targets *t)
{
	char root[PATH_MAX];
	struct rel_ptable tab;
	struct rel_buf env = REL_BUF_INIT;

	if (!realpath(p->st->root, root) || rel_ptable_load(&tab) != 0)
		return;
	for (size_t i = 0; i < tab.n; i++) {
		const struct rel_proc *pr = &tab.v[i];
		const char *v;
		int covered = 0;

		if (pr->start < since || is_us(&tab, pr->pid))
			continue;
		for (size_t g = 0; g < ngroups; g++)
			covered |= pr->pgrp == groups[g];
		if (covered || rel_proc_environ(pr->pid, &env) != 0)
			continue;
		if (!(v = rel_environ_get(&env, "REL_RELEASE")) ||
		    strcmp(v, r->id) ||
		    !(v = rel_environ_get(&env, "REL_STATE_DIR")) ||
		    strcmp(v, root) || !rel_environ_get(&env, "REL_STEP") ||
		    !(v = rel_environ_get(&env, "REL_ATTEMPT")) ||
		    atoi(v) > r->attempt)
			continue;
		add(&t->pid, &t->npid, &t->pcap, pr->pid);
	}
	rel_buf_free(&env);
	rel_ptable_free(&tab);
}

/* Every process in the cgroup a step run was started in (cg= in its
 * start's info, see cgroup.h): whatever its session, parents or
 * environment, it is the step's.  It is removed once empty (see
 * targets_free): nothing will start in it but a try of a live runner,
 * which makes it again. */
static void
find_in_cgroup(const char *cg, struct targets *t)
{
	struct rel_ptable tab;
	pid_t v[4096];
	int n;

	if (!rel_cgroup_name_ok(cg) || (n = rel_cgroup_procs(cg, v,
	    sizeof v / sizeof v[0])) < 0)
		return;
	rel_buf_add(&t->cgs, cg, strlen(cg) + 1);
	if (n == 0)
		return;
	if (rel_ptable_load(&tab) != 0)
		return;
	for (int i = 0; i < n; i++)
		if (rel_ptable_get(&tab, v[i]) && !is_us(&tab, v[i]))
			add(&t->pid, &t->npid, &t->pcap, v[i]);
	rel_ptable_free(&tab);
}

static void
targets_find(struct rel_product *p, const struct rel_release *r, int deep,
    struct targets *t)
{
	char me[256], bid[40], v[64];
	long long since = 0;
	int here = 0;

	memset(t, 0, sizeof *t);
	rel_hostname(me, sizeof me);
	rel_boot_id(bid);
	/* Every start of a step run the record has, whatever its attempt
	 * and whatever the record says of its end. */
	for (size_t i = 0; i < r->ntr; i++) {
		const struct rel_transition *tr = &r->tr[i];
		char boot[40] = "", host[REL_NAME_MAX + 1] = "";
		long long pstart = 0;
		long pgid;

		if (!strchr(tr->object, '/') || strcmp(tr->to, "running") ||
		    !rel_info_get(tr->info, "pgid", v, sizeof v) ||
		    (pgid = strtol(v, NULL, 10)) <= 1)
			continue;
		if (rel_info_get(tr->info, "pstart", v, sizeof v))
			pstart = strtoll(v, NULL, 10);
		rel_info_get(tr->info, "boot", boot, sizeof boot);
		rel_info_get(tr->info, "host", host, sizeof host);
		if ((*host && strcmp(host, me)) || (*boot && strcmp(boot, "-") &&
		    *bid && strcmp(boot, bid)))
			continue; /* another host, or before a reboot */
		here = 1;
		if (pstart && (!since || pstart < since))
			since = pstart;
		{
			char cg[REL_CGROUP_MAX];

			if (rel_info_get(tr->info, "cg", cg, sizeof cg))
				find_in_cgroup(cg, t);
		}
		/* The group is the step's while its leader is, or is gone
		 * (a pid naming a live group is not given out again). */
		if (kill(-(pid_t)pgid, 0) == 0) {
			long long now = kill((pid_t)pgid, 0) < 0 &&
			    errno == ESRCH ? 0 : rel_proc_start((pid_t)pgid);

			if (!pstart || !now || now == pstart)
				add(&t->grp, &t->ngrp, &t->gcap, (pid_t)pgid);
		}
	}
	if (deep && here && since)
		find_by_environ(p, r, since, t->grp, t->ngrp, t);
}

/* How many of them still have a live (not zombie) process. */
static size_t
targets_alive(const struct targets *t)
{
	struct rel_ptable tab;
	size_t n = 0;

	if (!t->ngrp && !t->npid)
		return 0;
	if (rel_ptable_load(&tab) != 0) {
		/* Nothing better to go by than the signals. */
		for (size_t i = 0; i < t->ngrp; i++)
			n += kill(-t->grp[i], 0) == 0;
		for (size_t i = 0; i < t->npid; i++)
			n += kill(t->pid[i], 0) == 0;
		return n;
	}
	for (size_t i = 0; i < t->ngrp; i++)
		for (size_t k = 0; k < tab.n; k++)
			if (tab.v[k].pgrp == t->grp[i]) {
				n++;
				break;
			}
	for (size_t i = 0; i < t->npid; i++)
		n += rel_ptable_get(&tab, t->pid[i]) != NULL;
	rel_ptable_free(&tab);
	return n;
}

static void
targets_signal(const struct targets *t, int sig)
{
	for (size_t i = 0; i < t->ngrp; i++)
		kill(-t->grp[i], sig);
	for (size_t i = 0; i < t->npid; i++)
		kill(t->pid[i], sig);
}

/* Wait up to ms for them to go; how many are left. */
static size_t
targets_wait(const struct targets *t, long ms)
{
	int64_t until = rel_monotonic_ms() + ms;
	size_t n;

	while ((n = targets_alive(t)) > 0 && rel_monotonic_ms() < until)
		nap(POLL_MS);
	return n;
}

/* "process group 123" or "process 456", for messages. */
static void
targets_name(const struct targets *t, char *out, size_t n)
{
	if (t->ngrp)
		snprintf(out, n, "process group %ld", (long)t->grp[0]);
	else if (t->npid)
		snprintf(out, n, "process %ld", (long)t->pid[0]);
	else
		snprintf(out, n, "nothing");
}

int
rel_leftovers_signal(struct rel_product *p, const struct rel_release *r,
    int deep, int sig)
{
	struct targets t;
	size_t n;

	targets_find(p, r, deep, &t);
	n = targets_alive(&t);
	if (n && sig)
		targets_signal(&t, sig);
	targets_free(&t);
	return (int)n;
}

int
rel_leftovers_stop(struct rel_product *p, const struct rel_release *r,
    int deep, long grace_ms, struct rel_err *err)
{
	struct targets t;
	char what[64];
	int rc = 0;

	targets_find(p, r, deep, &t);
	if (targets_alive(&t) == 0) {
		targets_free(&t);
		return 0;
	}
	targets_signal(&t, SIGTERM);
	if (targets_wait(&t, grace_ms) > 0) {
		/* Found again: after the grace period, a pid that went away
		 * may be another process's. */
		targets_free(&t);
		targets_find(p, r, deep, &t);
		targets_signal(&t, SIGKILL);
		if (targets_wait(&t, KILL_WAIT_MS) > 0) {
			targets_name(&t, what, sizeof what);
			rc = rel_err_set(err, REL_EBUSY, "%s: a step of an "
			    "earlier run is still there (%s) %ld s after "
			    "SIGKILL: nothing was started", r->id, what,
			    KILL_WAIT_MS / 1000);
		}
	}
	targets_free(&t);
	return rc;
}

/* --- reaping ------------------------------------------------------------ */

enum reap_what { R_END, R_MARK };

struct reap_job {
	struct rel_store *st;
	struct rel_product *p;
	int held;
	int elsewhere;             /* its runner is another machine's */
	enum reap_what what;
	enum rel_status term;      /* the termination state decided on */
	int64_t term_time;
	struct rel_buf envlines, envnames;
	int reaped;
};

/* "the runner (pid N on HOST) died", from the environments it ran. */
static long
dead_runner(const struct rel_release *r, char *why, size_t n)
{
	char host[REL_NAME_MAX + 1] = "";
	long pid = 0;

	for (size_t i = 0; i < r->nenvs; i++)
		if (r->envs[i].status == REL_RUNNING && r->envs[i].runner) {
			pid = r->envs[i].runner;
			snprintf(host, sizeof host, "%s", r->envs[i].runner_host);
		}
	if (pid)
		snprintf(why, n, "the runner (pid %ld%s%s) died", pid,
		    *host ? " on " : "", host);
	else
		snprintf(why, n, "the runner died");
	return pid;
}

static int
reap_fn(struct rel_release *r, struct rel_buf *lines, void *arg,
    struct rel_err *err)
{
	struct reap_job *j = arg;
	char why[512], info[96];
	int64_t now = rel_now_ms();
	long pid;

	(void)err;
	rel_buf_reset(&j->envlines);
	rel_buf_reset(&j->envnames);
	j->reaped = 0;
	/* Looked at again under the lock: the runner may have finished, or
	 * someone may have been here first. */
	if (!rel_reap_needed(r) ||
	    rel_runner_elsewhere(j->st, r) != j->elsewhere ||
	    (j->elsewhere && !rel_lease_expired(j->p, r)) ||
	    (!j->elsewhere && !j->held && rel_runner_alive(j->st, r->id,
	    NULL, 0)) || r->term != j->term ||
	    (r->term == REL_TERMINATING && r->term_time != j->term_time))
		return 0;
	if (j->what == R_MARK) {
		/* Its steps outlive the moment: stopping them is a
		 * termination, but what it ends in is the failure. */
		pid = dead_runner(r, why, sizeof why);
		snprintf(info, sizeof info, "grace=%ld.%03ld dead=%ld",
		    REL_GRACE_DEFAULT_MS / 1000, REL_GRACE_DEFAULT_MS % 1000,
		    pid ? pid : 1L);
		rel_tr_line(lines, now, "rel", "-", rel_status_name(r->status),
		    "terminating", r->attempt, why, info);
	} else if (r->term == REL_TERMINATING && !r->term_dead) {
		rel_terminate_lines(r, now, r->term_by, r->term_why, lines,
		    &j->envlines, &j->envnames);
	} else {
		if (r->term == REL_TERMINATING)
			snprintf(why, sizeof why, "%s", r->term_why);
		else
			dead_runner(r, why, sizeof why);
		rel_stop_lines(r, now, "rel", REL_FAILED, REL_FAILED, why,
		    lines, &j->envlines, &j->envnames);
		if (r->term == REL_TERMINATING)
			rel_tr_line(lines, now, "rel", "-", "terminating",
			    "failed", r->attempt, why, "");
	}
	j->reaped = 1;
	return 0;
}

/* One look: *busy is set while steps are still being stopped. */
static int
reap(struct rel_product *p, const struct rel_release *r, int held,
    struct rel_release **after, int *busy, struct rel_err *err)
{
	struct reap_job j;
	struct rel_more more = { NULL, NULL, NULL, 0, NULL, NULL };
	struct targets t;
	size_t alive;
	int rc;

	*after = NULL;
	*busy = 0;
	if (!rel_reap_needed(r))
		return 0;
	memset(&j, 0, sizeof j);
	j.st = p->st;
	j.p = p;
	j.held = held;
	j.term = r->term;
	j.term_time = r->term_time;
	j.what = R_END;
	if ((j.elsewhere = rel_runner_elsewhere(p->st, r)) != 0) {
		/* Another machine's runner: dead only once its lease ran
		 * out as watched from here, by a command that may ask the
		 * remote (a reader's copy may just be old).  Its steps ran
		 * there: nothing to signal here. */
		if (!p->st->pub || !p->st->pub->fetches ||
		    !rel_lease_expired(p, r))
			return 0;
		goto record;
	}
	if (!held && rel_runner_alive(p->st, r->id, NULL, 0))
		return 0;
	targets_find(p, r, 1, &t);
	alive = targets_alive(&t);
	if (r->term != REL_TERMINATING) {
		if (alive) {
			targets_signal(&t, SIGTERM);
			if (targets_wait(&t, MOMENT_MS) > 0)
				j.what = R_MARK;
		}
	} else if (alive) {
		/* A termination under way: its requester (or the reaper that
		 * marked it) sent SIGTERM; SIGKILL once the grace is over. */
		if (rel_now_ms() >= r->term_time + r->term_grace_ms) {
			targets_signal(&t, SIGKILL);
			alive = targets_wait(&t, MOMENT_MS);
		}
		if (alive) {
			targets_free(&t);
			*busy = 1;
			return 0;
		}
	}
	targets_free(&t);
record:
	if ((rc = rel_product_lock(p, err)) != 0)
		return rc;
	/* The histories' end lines go with the record's, in one change. */
	more.envlines = &j.envlines;
	more.envnames = &j.envnames;
	rc = rel_release_change_env(p, r->n, after, reap_fn, &j, 1, &more,
	    err);
	rel_product_unlock(p);
	if (*after && (*after)->torn) {
		/* Not written: nothing to show. */
		rel_release_free(*after);
		*after = NULL;
	}
	if (rc && !j.reaped && *after) {
		rel_release_free(*after);
		*after = NULL;
	}
	if (!j.reaped && *after) {
		/* Nothing to tell. */
		rel_release_free(*after);
		*after = NULL;
	}
	if (j.reaped && j.what == R_MARK)
		*busy = 1;
	rel_buf_free(&j.envlines);
	rel_buf_free(&j.envnames);
	return rc;
}

void
rel_terminate_lines(const struct rel_release *r, int64_t now, const char *who,
    const char *why, struct rel_buf *lines, struct rel_buf *envlines,
    struct rel_buf *envnames)
{
	rel_stop_lines(r, now, who, REL_TERMINATED, REL_TERMINATED, why, lines,
	    envlines, envnames);
	for (size_t i = 0; i < r->nenvs; i++)
		if (r->envs[i].status == REL_SUSPENDED)
			rel_tr_line(lines, now, who, r->envs[i].name,
			    "suspended", "pending", r->envs[i].attempt, why, "");
	rel_tr_line(lines, now, who, "-", rel_status_name(r->status),
	    "terminated", r->attempt, why, "");
}

int
rel_reap(struct rel_product *p, const struct rel_release *r,
    struct rel_release **after, struct rel_err *err)
{
	int busy;

	return reap(p, r, 0, after, &busy, err);
}

int
rel_reap_now(struct rel_product *p, const struct rel_release *r,
    struct rel_release **after, struct rel_err *err)
{
	int wait = p->st->wait_ms, rc, busy;

	p->st->wait_ms = 0;
	rc = reap(p, r, 0, after, &busy, err);
	p->st->wait_ms = wait;
	if (rc == REL_EBUSY)
		rel_err_prefix(err, "%s: its runner is gone, but that cannot "
		    "be recorded now", r->id);
	return rc;
}

int
rel_reap_load(struct rel_product *p, unsigned long n,
    struct rel_release **out, struct rel_err *why, struct rel_err *err)
{
	struct rel_release *after = NULL;
	struct rel_err e2 = { 0, "" };
	int rc;

	if (why)
		*why = e2;
	if ((rc = rel_release_load(p, n, out, err)) != 0)
		return rc;
	if (!rel_reap_needed(*out))
		return 0;
	rc = rel_reap_now(p, *out, &after, &e2);
	if (after) {
		rel_release_free(*out);
		*out = after;
	}
	if (rc && why)
		*why = e2;
	/* Recorded in part, then the store failed us: that is an error to
	 * report, with what was recorded. */
	if (rc && after) {
		*err = e2;
		return rc;
	}
	return 0;
}

int
rel_reap_wait(struct rel_product *p, const struct rel_release *r, int held,
    struct rel_release **after, struct rel_err *err)
{
	struct rel_release *cur = NULL, *next;
	int64_t give_up = 0;
	int rc = 0, busy = 0;

	*after = NULL;
	for (;;) {
		const struct rel_release *look = cur ? cur : r;

		if ((rc = reap(p, look, held, &next, &busy, err)) != 0) {
			if (next) {
				rel_release_free(cur);
				cur = next;
			}
			break;
		}
		if (next) {
			rel_release_free(cur);
			cur = next;
			look = cur;
		}
		if (!busy)
			break;
		/* SIGKILL is due at the end of the grace period: after
		 * that, a while for the kernel to finish them. */
		if (look->term == REL_TERMINATING) {
			int64_t due = look->term_time + look->term_grace_ms +
			    KILL_WAIT_MS;

			if (!give_up || due > give_up)
				give_up = due;
		}
		if (give_up && rel_now_ms() > give_up) {
			struct targets t;
			char what[64];

			targets_find(p, look, 1, &t);
			targets_name(&t, what, sizeof what);
			targets_free(&t);
			rc = rel_err_set(err, REL_EBUSY, "%s: the steps of its "
			    "dead runner do not stop (%s is still there after "
			    "SIGKILL)", look->id, what);
			break;
		}
		nap(POLL_MS * 4);
		if ((rc = rel_release_load(p, look->n, &next, err)) != 0)
			break;
		rel_release_free(cur);
		cur = next;
	}
	*after = cur;
	return rc;
}

int
rel_reap_held(struct rel_product *p, const struct rel_release *r,
    struct rel_release **after, struct rel_err *err)
{
	return rel_reap_wait(p, r, 1, after, err);
}
