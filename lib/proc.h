/*
 * proc.h - child processes: spawn with an explicit argv and environment
 * (never a shell string built from data), capture output, and tell
 * whether a recorded process is still the one we started.
 */
#ifndef REL_PROC_H
#define REL_PROC_H

#include <sys/types.h>

#include "buf.h"
#include "err.h"

struct rel_spawn {
	const char *const *argv;   /* argv[0]: a path, or a name for PATH */
	char *const *envp;         /* the whole environment; NULL: ours */
	int in, out, err;          /* fds for 0, 1, 2; -1: /dev/null */
	int new_pgrp;              /* run in a process group of its own */
	/* These two need fork and exec rather than posix_spawn, and argv[0]
	 * a path: */
	const char *dir;           /* run there; NULL: the caller's */
	int die_with_parent;       /* Linux: SIGKILL when its parent dies
	                            * (what it starts itself is not told) */
};

/* Start a child, in the caller's directory (or s->dir).  If it cannot be
 * started (a program not found, say), that is the error returned and no
 * child is left; a C library that only finds out in the child, or the
 * fork and exec that dir and die_with_parent need, make it exit 127
 * instead. */
int rel_spawn(const struct rel_spawn *s, pid_t *pid, struct rel_err *err);

/* Run argv to completion, collecting stdout and stderr (each at most
 * 1 MiB).  *status is the exit code, or 128+signal. */
int rel_proc_capture(const char *const *argv, struct rel_buf *out,
    struct rel_buf *errout, int *status, struct rel_err *err);

/* Exit code of a wait status: the code, or 128+signal. */
int rel_wait_code(int wstatus);

/* This machine's boot id ("" when unknown). */
void rel_boot_id(char out[40]);
/* A process's start time (clock ticks since boot, /proc), or 0. */
long long rel_proc_start(pid_t pid);
/* Is pid, started at pstart during boot `boot` on this host, still
 * running?  1 yes, 0 no (or it is another process now), -1 unknown
 * (another host, or no way to tell). */
int rel_proc_same(pid_t pid, long long pstart, const char *boot,
    const char *host);

/* May we signal the process group a step started as pid (its leader)?
 * Yes if the leader is still that process, or is gone without its pid
 * being reused (a pid that still names a process group is never given to
 * a new process, so the members left are the step's).  No after a reboot,
 * on another host, or when the pid now names another process. */
int rel_pgrp_ours(pid_t pid, long long pstart, const char *boot,
    const char *host);

/* Does process group pgid still have a live (not zombie) member?
 * 1 yes, 0 no. */
int rel_pgrp_alive(pid_t pgid);

/* This host's name, truncated to a valid length. */
void rel_hostname(char *out, size_t n);

/* --- process trees --------------------------------------------------
 *
 * A step may leave its process group (setsid, a daemon) and so escape a
 * signal to the group.  Where the system tells more (Linux: /proc, and
 * PR_SET_CHILD_SUBREAPER, under which such processes stay descendants of
 * the runner when their parents die), their ancestry and their
 * environment (the REL_* variables every step gets) say whose they are.
 * Elsewhere nothing more is known than the process groups. */

struct rel_proc {
	pid_t pid, ppid, pgrp;
	long long start;           /* clock ticks since boot */
};

/* A snapshot of the live (not zombie) processes, sorted by pid. */
struct rel_ptable {
	struct rel_proc *v;
	size_t n;
};

/* Take the snapshot: 0, or -1 when the system does not tell (no /proc,
 * out of memory): then t is empty. */
int rel_ptable_load(struct rel_ptable *t);
void rel_ptable_free(struct rel_ptable *t);
/* The entry of pid, or NULL. */
const struct rel_proc *rel_ptable_get(const struct rel_ptable *t, pid_t pid);
/* Is pid a descendant of anc (not anc itself)? */
int rel_ptable_descends(const struct rel_ptable *t, pid_t pid, pid_t anc);

/* Read pid's environment (NUL-separated "K=V" strings, at most 1 MiB)
 * into out.  0, or -1 when it cannot be read. */
int rel_proc_environ(pid_t pid, struct rel_buf *out);
/* The value of key in an environment read so, or NULL. */
const char *rel_environ_get(const struct rel_buf *env, const char *key);

/* Make this process the reaper of its orphaned descendants (Linux), so
 * that what a child leaves behind stays under it.  0, or -1 where the
 * system has no such thing. */
int rel_proc_subreaper(void);

#endif
