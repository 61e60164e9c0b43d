/*
 * proc.c - child processes started carefully: argv and environment are
 * built by the caller, never a shell string made of data.  posix_spawn
 * rather than fork: glibc starts the child in the parent's memory
 * (CLONE_VFORK) instead of copying its page tables, which is most of
 * what a step of `true` costs a runner beyond the step itself, and it
 * reports an exec failure as its return value.  fork and exec only for
 * what posix_spawn cannot do (a working directory, a signal when the
 * parent dies: notify commands, which are few).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "proc.h"

extern char **environ;

/* Give the child fd `have` as `want`, or /dev/null when have < 0. */
static int
child_fd(posix_spawn_file_actions_t *fa, int want, int have)
{
	if (have < 0)
		return posix_spawn_file_actions_addopen(fa, want, "/dev/null",
		    want ? O_WRONLY : O_RDONLY, 0);
	return posix_spawn_file_actions_adddup2(fa, have, want);
}

/* In the child of fork_exec: fd `have` as `want` (inherited across the
 * exec), or null when have < 0.  Async-signal-safe calls only. */
static int
child_dup(int have, int want, int null)
{
	if (have < 0)
		have = null;
	if (have != want)
		return dup2(have, want) < 0 ? -1 : 0;
	return fcntl(want, F_SETFD, 0);
}

/* fork and exec, for what posix_spawn cannot do in POSIX.1-2008: a
 * working directory, and (Linux) SIGKILL when the parent dies.  Only
 * async-signal-safe calls in the child; what fails there (the exec,
 * the directory) makes it exit 127, as the shell's "not found". */
static int
fork_exec(const struct rel_spawn *s, char *const *envp, pid_t *pid,
    struct rel_err *err)
{
	static const int dfl[] = { SIGPIPE, SIGINT, SIGTERM, SIGHUP };
	pid_t parent = getpid(), c;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0)
		return rel_err_errno(err, "cannot open /dev/null");
	if ((c = fork()) < 0) {
		close(null);
		return rel_err_errno(err, "cannot run %s", s->argv[0]);
	}
	if (c == 0) {
		struct sigaction sa;
		sigset_t none;

		memset(&sa, 0, sizeof sa);
		sa.sa_handler = SIG_DFL;
		sigemptyset(&sa.sa_mask);
		for (size_t i = 0; i < sizeof dfl / sizeof dfl[0]; i++)
			sigaction(dfl[i], &sa, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (s->new_pgrp && setpgid(0, 0) != 0)
			_exit(127);
#if defined(__linux__) && defined(PR_SET_PDEATHSIG)
		/* The parent may have died before the signal was asked for:
		 * then we are another's child already. */
		if (s->die_with_parent && (prctl(PR_SET_PDEATHSIG, SIGKILL, 0,
		    0, 0) != 0 || getppid() != parent))
			_exit(127);
#else
		(void)parent;
#endif
		if (child_dup(s->in, 0, null) || child_dup(s->out, 1, null) ||
		    child_dup(s->err, 2, null) ||
		    (s->dir && chdir(s->dir) != 0))
			_exit(127);
		execve(s->argv[0], (char *const *)s->argv, envp);
		_exit(127);
	}
	close(null);
	*pid = c;
	return 0;
}

int
rel_spawn(const struct rel_spawn *s, pid_t *pid, struct rel_err *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
	char *const *envp = s->envp ? s->envp : environ;
	int e;

	if (s->dir || s->die_with_parent) {
		if (!strchr(s->argv[0], '/'))
			return rel_err_set(err, REL_ESYS, "cannot run %s: not a "
			    "path", s->argv[0]);
		return fork_exec(s, envp, pid, err);
	}
	if ((e = posix_spawn_file_actions_init(&fa)) != 0) {
		errno = e;
		return rel_err_errno(err, "cannot run %s", s->argv[0]);
	}
	if ((e = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		errno = e;
		return rel_err_errno(err, "cannot run %s", s->argv[0]);
	}
	/* Children start with default signal handling, nothing blocked. */
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGHUP);
	if (s->new_pgrp)
		flags |= POSIX_SPAWN_SETPGROUP;
	if ((e = posix_spawnattr_setflags(&at, flags)) == 0 &&
	    (e = posix_spawnattr_setsigdefault(&at, &dfl)) == 0 &&
	    (e = posix_spawnattr_setsigmask(&at, &none)) == 0 &&
	    (e = posix_spawnattr_setpgroup(&at, 0)) == 0 &&
	    (e = child_fd(&fa, 0, s->in)) == 0 &&
	    (e = child_fd(&fa, 1, s->out)) == 0 &&
	    (e = child_fd(&fa, 2, s->err)) == 0) {
		if (strchr(s->argv[0], '/'))
			e = posix_spawn(pid, s->argv[0], &fa, &at,
			    (char *const *)s->argv, envp);
		else
			e = posix_spawnp(pid, s->argv[0], &fa, &at,
			    (char *const *)s->argv, envp);
	}
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	if (e != 0) {
		errno = e;
		return rel_err_errno(err, "cannot run %s", s->argv[0]);
	}
	return 0;
}

int
rel_wait_code(int ws)
{
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	if (WIFSIGNALED(ws))
		return 128 + WTERMSIG(ws);
	return -1;
}

int
rel_proc_capture(const char *const *argv, struct rel_buf *out,
    struct rel_buf *errout, int *status, struct rel_err *err)
{
	struct rel_spawn s;
	int po[2], pe[2], rc, ws;
	struct pollfd pf[2];
	pid_t pid;

	if (pipe(po) < 0)
		return rel_err_errno(err, "cannot make a pipe");
	if (pipe(pe) < 0) {
		close(po[0]);
		close(po[1]);
		return rel_err_errno(err, "cannot make a pipe");
	}
	for (int i = 0; i < 2; i++) {
		fcntl(po[i], F_SETFD, FD_CLOEXEC);
		fcntl(pe[i], F_SETFD, FD_CLOEXEC);
	}
	memset(&s, 0, sizeof s);
	s.argv = argv;
	s.in = -1;
	s.out = po[1];
	s.err = pe[1];
	rc = rel_spawn(&s, &pid, err);
	close(po[1]);
	close(pe[1]);
	if (rc) {
		close(po[0]);
		close(pe[0]);
		return rc;
	}
	pf[0].fd = po[0];
	pf[1].fd = pe[0];
	pf[0].events = pf[1].events = POLLIN;
	while (pf[0].fd >= 0 || pf[1].fd >= 0) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			struct rel_buf *b = i ? errout : out;
			char buf[4096];
			ssize_t n;

			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			n = read(pf[i].fd, buf, sizeof buf);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(pf[i].fd);
				pf[i].fd = -1;
				continue;
			}
			if (b && b->len < 1024 * 1024)
				rel_buf_add(b, buf, (size_t)n);
		}
	}
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return rel_err_errno(err, "cannot wait for %s", argv[0]);
	*status = rel_wait_code(ws);
	return 0;
}

void
rel_boot_id(char out[40])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	out[0] = '\0';
	if (!f)
		return;
	if (!fgets(out, 40, f))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

long long
rel_proc_start(pid_t pid)
{
	char path[64], buf[1024], *p;
	long long start = 0;
	size_t n;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if (!(f = fopen(path, "re")))
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The name is in parentheses and may hold anything: skip to the
	 * last ')', then field 22 (starttime) is the 20th after it. */
	if (!(p = strrchr(buf, ')')))
		return 0;
	p++;
	for (int field = 3; field <= 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
		if (field == 22 && p)
			start = strtoll(p, NULL, 10);
	}
	return start;
}

void
rel_hostname(char *out, size_t n)
{
	char h[256];

	if (gethostname(h, sizeof h) < 0)
		h[0] = '\0';
	h[sizeof h - 1] = '\0';
	h[strcspn(h, ".")] = '\0';
	snprintf(out, n, "%s", h[0] ? h : "localhost");
}

int
rel_proc_same(pid_t pid, long long pstart, const char *boot, const char *host)
{
	char me[256], bid[40];

	if (pid <= 0)
		return 0;
	rel_hostname(me, sizeof me);
	if (host && *host && strcmp(host, me))
		return -1;
	rel_boot_id(bid);
	if (boot && *boot && *bid && strcmp(boot, bid))
		return 0; /* rebooted since: it is gone */
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 0;
	if (pstart) {
		long long now = rel_proc_start(pid);

		if (now && now != pstart)
			return 0; /* the pid was reused */
	}
	return 1;
}

/* Parse state and process group from /proc/PID/stat. */
static int
stat_fields(const char *pid, char *state, long *pgrp)
{
	char path[64], buf[1024], *p;
	size_t n;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%s/stat", pid);
	if (!(f = fopen(path, "re")))
		return -1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (!(p = strrchr(buf, ')')) || sscanf(p + 1, " %c %*d %ld", state,
	    pgrp) != 2)
		return -1;
	return 0;
}

int
rel_pgrp_alive(pid_t pgid)
{
	struct dirent *de;
	DIR *d;
	int alive = 0;

	if (pgid <= 1 || (kill(-pgid, 0) < 0 && errno == ESRCH))
		return 0;
	if (!(d = opendir("/proc")))
		return 1; /* no way to look closer: it answers to signals */
	while (!alive && (de = readdir(d))) {
		char state;
		long pgrp;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		if (stat_fields(de->d_name, &state, &pgrp) == 0 &&
		    pgrp == (long)pgid && state != 'Z' && state != 'X')
			alive = 1;
	}
	closedir(d);
	return alive;
}

int
rel_pgrp_ours(pid_t pid, long long pstart, const char *boot, const char *host)
{
	char me[256], bid[40];
	long long now;

	if (pid <= 1)
		return 0;
	rel_hostname(me, sizeof me);
	if (host && *host && strcmp(host, me))
		return 0;
	rel_boot_id(bid);
	if (boot && *boot && strcmp(boot, "-") && *bid && strcmp(boot, bid))
		return 0;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 1; /* the leader is gone; its pid is not reused */
	now = rel_proc_start(pid);
	return !pstart || !now || now == pstart;
}

/* --- process trees ------------------------------------------------- */

/* Parse /proc/PID/stat: state, ppid, pgrp and start time.  The name is
 * in parentheses and may hold anything: fields are counted from the last
 * ')'. */
static int
proc_stat(const char *pid, char *state, struct rel_proc *out)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;
	long ppid, pgrp;

	snprintf(path, sizeof path, "/proc/%s/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (!(p = strrchr(buf, ')')) ||
	    sscanf(p + 1, " %c %ld %ld", state, &ppid, &pgrp) != 3)
		return -1;
	out->ppid = (pid_t)ppid;
	out->pgrp = (pid_t)pgrp;
	out->start = 0;
	p++;
	for (int field = 3; field <= 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
		if (field == 22 && p)
			out->start = strtoll(p, NULL, 10);
	}
	return 0;
}

static int
by_pid(const void *a, const void *b)
{
	const struct rel_proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

int
rel_ptable_load(struct rel_ptable *t)
{
	struct dirent *de;
	size_t cap = 0;
	DIR *d;

	t->v = NULL;
	t->n = 0;
	if (!(d = opendir("/proc")))
		return -1;
	while ((de = readdir(d))) {
		struct rel_proc pr;
		char state;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		if (proc_stat(de->d_name, &state, &pr) < 0 || state == 'Z' ||
		    state == 'X')
			continue;
		pr.pid = (pid_t)strtol(de->d_name, NULL, 10);
		if (t->n == cap) {
			size_t nc = cap ? 2 * cap : 256;
			struct rel_proc *v = realloc(t->v, nc * sizeof *v);

			if (!v) {
				closedir(d);
				rel_ptable_free(t);
				return -1;
			}
			t->v = v;
			cap = nc;
		}
		t->v[t->n++] = pr;
	}
	closedir(d);
	if (t->n)
		qsort(t->v, t->n, sizeof *t->v, by_pid);
	return 0;
}

void
rel_ptable_free(struct rel_ptable *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

const struct rel_proc *
rel_ptable_get(const struct rel_ptable *t, pid_t pid)
{
	struct rel_proc key;

	if (!t->n)
		return NULL;
	key.pid = pid;
	return bsearch(&key, t->v, t->n, sizeof *t->v, by_pid);
}

int
rel_ptable_descends(const struct rel_ptable *t, pid_t pid, pid_t anc)
{
	const struct rel_proc *p = rel_ptable_get(t, pid);

	/* Bounded: a table read while processes come and go may hold a
	 * loop of stale parents. */
	for (size_t depth = 0; p && depth <= t->n; depth++) {
		if (p->ppid == anc)
			return 1;
		if (p->ppid <= 1)
			return 0;
		p = rel_ptable_get(t, p->ppid);
	}
	return 0;
}

int
rel_proc_environ(pid_t pid, struct rel_buf *out)
{
	char path[64];
	int fd;

	rel_buf_reset(out);
	snprintf(path, sizeof path, "/proc/%ld/environ", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	for (;;) {
		ssize_t n;

		if (out->len >= 1024 * 1024 || rel_buf_grow(out, 16384) < 0)
			break;
		n = read(fd, out->s + out->len, out->cap - out->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		out->len += (size_t)n;
		out->s[out->len] = '\0';
	}
	close(fd);
	return out->oom ? -1 : 0;
}

const char *
rel_environ_get(const struct rel_buf *env, const char *key)
{
	size_t klen = strlen(key);

	for (size_t off = 0; env->s && off < env->len; ) {
		const char *v = env->s + off;
		size_t len = strnlen(v, env->len - off);

		if (len > klen && v[klen] == '=' && !memcmp(v, key, klen) &&
		    off + len < env->len)
			return v + klen + 1;
		off += len + 1;
	}
	return NULL;
}

int
rel_proc_subreaper(void)
{
#if defined(__linux__) && defined(PR_SET_CHILD_SUBREAPER)
	return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 ? 0 : -1;
#else
	return -1;
#endif
}
