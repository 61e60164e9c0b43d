/*
 * task.c - start, watch and stop a step's process.
 */
#define _GNU_SOURCE 1 /* syscall(): pidfd_open */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "task.h"
#include "when.h"

/* $REL_OUTPUT is the step's to make: whatever it made (a file, a FIFO, an
 * empty directory) goes before the next try. */
static int
remove_output(const char *path)
{
	if (unlink(path) == 0 || errno == ENOENT)
		return 0;
	if ((errno == EISDIR || errno == EPERM) && rmdir(path) == 0)
		return 0;
	return -1;
}

int
rel_task_spawn(struct rel_task *t, struct rel_product *p, const char *id,
    const char *env, const char *cmd, char *const *envp, struct rel_err *err)
{
	struct rel_spawn s;
	char path[4600];
	int pfd[2], rc;

	if (!t->log) {
		if ((rc = rel_log_open(p, id, env, t->log_name, &t->log, path,
		    sizeof path, err)) != 0)
			return rc;
		rel_log_limit(t->log, t->log_max);
	}
	/* $REL_OUTPUT: nothing there at each try; the step makes it if it
	 * has something to say (`>>` creates it). */
	if (remove_output(t->out_path) < 0)
		return rel_err_errno(err, "cannot remove %s", t->out_path);
	if (pipe(pfd) < 0)
		return rel_err_errno(err, "cannot make a pipe");
	fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
	fcntl(pfd[1], F_SETFD, FD_CLOEXEC);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	memset(&s, 0, sizeof s);
	s.argv = (const char *const[]){ "/bin/sh", "-c", cmd, NULL };
	s.envp = envp;
	s.in = -1;
	s.out = pfd[1];
	s.err = pfd[1];
	s.new_pgrp = 1;
	s.dir = t->dir;
	s.die_with_parent = t->die_with_parent;
	rc = rel_spawn(&s, &t->pid, err);
	close(pfd[1]);
	if (rc) {
		close(pfd[0]);
		t->pid = 0;
		return rc;
	}
	t->fd = pfd[0];
	t->pgid = t->pid;
	/* Without a pidfd, the end of a process whose pipe is already closed
	 * is only seen by looking again, a millisecond later: at 50 steps
	 * of `true` that costs more than the steps. */
	if (t->pidfd >= 0)
		close(t->pidfd);
	t->pidfd = -1;
#ifdef SYS_pidfd_open
	t->pidfd = (int)syscall(SYS_pidfd_open, t->pid, 0);
	if (t->pidfd >= 0)
		fcntl(t->pidfd, F_SETFD, FD_CLOEXEC);
#endif
	t->pstart = rel_proc_start(t->pid);
	t->exited_at = 0;
	t->kill_at = 0;
	t->timed_out = 0;
	t->code = -1;
	t->tries++;
	t->next_try = 0;
	t->deadline = t->timeout_s ? rel_monotonic_ms() + t->timeout_s * 1000 : 0;
	if (!t->started)
		t->started = rel_now_ms();
	return 0;
}

int
rel_task_drain(struct rel_task *t)
{
	char buf[16384];

	while (t->fd >= 0) {
		ssize_t n = read(t->fd, buf, sizeof buf);

		if (n > 0) {
			rel_log_write(t->log, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		close(t->fd);
		t->fd = -1;
		return 1;
	}
	return 1;
}

int
rel_task_reap(struct rel_task *t)
{
	int ws;
	pid_t got;

	if (t->pid <= 0 || t->exited_at)
		return t->exited_at != 0;
	do
		got = waitpid(t->pid, &ws, WNOHANG);
	while (got < 0 && errno == EINTR);
	if (got != t->pid)
		return 0;
	rel_task_exited(t, ws);
	return 1;
}

void
rel_task_exited(struct rel_task *t, int ws)
{
	if (t->pidfd >= 0) {
		close(t->pidfd);
		t->pidfd = -1;
	}
	t->code = rel_wait_code(ws);
	t->exited_at = rel_monotonic_ms();
	if (!t->exited_at)
		t->exited_at = 1;
}

void
rel_task_signal(struct rel_task *t, int sig)
{
	/* The group outlives its leader while members are left, and its
	 * number is not given to another process meanwhile. */
	if (t->pgid > 1)
		kill(-t->pgid, sig);
}

void
rel_task_note(struct rel_task *t, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof buf - 2)
		n = (int)sizeof buf - 2;
	buf[n++] = '\n';
	rel_log_note(t->log, buf, (size_t)n);
}

void
rel_task_finish(struct rel_task *t)
{
	if (t->fd >= 0) {
		close(t->fd);
		t->fd = -1;
	}
	if (t->pidfd >= 0) {
		close(t->pidfd);
		t->pidfd = -1;
	}
	rel_log_finish(t->log, &t->log_end, NULL);
	t->log = NULL;
	if (t->out_path[0])
		remove_output(t->out_path);
	t->done = 1;
}
