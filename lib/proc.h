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
};

/* Start a child, in the caller's directory.  If it cannot be started
 * (a program not found, say), that is the error returned and no child is
 * left; a C library that only finds out in the child makes it exit 127
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

#endif
