/*
 * task.h - one step process of a promotion (internal to the runner).
 *
 * A task runs `/bin/sh -c RUN` in a process group of its own, with the
 * runner's environment plus the REL_* variables, stdout and stderr into
 * one pipe that the runner copies into the step's gzip log, and
 * $REL_OUTPUT pointing at a file whose key=value lines become outputs.
 * The runner never blocks on a task: it polls the pipes and reaps with
 * WNOHANG.
 */
#ifndef REL_TASK_H
#define REL_TASK_H

#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"
#include "logfile.h"
#include "name.h"
#include "store.h"

struct rel_task {
	int env, step, comp;          /* indices; comp -1 for pre/post */
	char object[3 * (REL_NAME_MAX + 1)];
	int attempt;
	pid_t pid;                    /* 0: not running now */
	pid_t pgid;                   /* its process group (the last try's,
	                                 once it ended: what it left there) */
	long long pstart;
	int fd;                       /* output pipe, -1 once closed */
	int pidfd;                    /* readable when the process exits (Linux
	                                 5.3+), -1 where there is none */
	struct rel_log *log;
	long long log_max;            /* its cap, 0: none */
	struct rel_log_end log_end;   /* how it ended (rel_task_finish) */
	char log_name[3 * REL_NAME_MAX + 32];
	char out_path[4600];          /* $REL_OUTPUT */
	int64_t started;              /* wall clock, first try */
	int64_t deadline;             /* monotonic, 0: none */
	int64_t kill_at;              /* monotonic: SIGKILL due, 0: none */
	int64_t exited_at;            /* monotonic, 0: still running */
	int64_t last_flush;
	int code;                     /* exit code of the last try */
	int timed_out;                /* the last try ran out of time */
	int stopped;                  /* we stopped it (terminate, sibling) */
	int tries, max_tries;         /* verify: tries made and allowed */
	long interval_ms;             /* verify: between tries */
	int64_t next_try;             /* monotonic: when to try again, 0: no */
	long timeout_s;               /* per try, 0: none */
	int done;                     /* finished for good */
	char cg[1024];                /* its cgroup (cgroup.h), "": none */
	const char *dir;              /* run there (NULL: our directory) */
	int die_with_parent;          /* SIGKILL when we die (proc.h) */
};

/* Start (or start again, for verify) the process of t with command cmd
 * and environment envp (NULL-terminated "K=V" strings).  log_name and
 * out_path must be set; the log is opened on the first try. */
int rel_task_spawn(struct rel_task *t, struct rel_product *p,
    const char *id, const char *env, const char *cmd, char *const *envp,
    struct rel_err *err);

/* Read what the pipe holds into the log (non-blocking).  Returns 1 at
 * end of file (the pipe is then closed), 0 otherwise. */
int rel_task_drain(struct rel_task *t);

/* Reap the process if it has exited (WNOHANG). 1 if it has now. */
int rel_task_reap(struct rel_task *t);
/* It has exited with wait status ws (reaped by the caller). */
void rel_task_exited(struct rel_task *t, int ws);

/* Signal the task's process group (what is left of it, once its leader
 * has exited).  What left the group is the runner's to find. */
void rel_task_signal(struct rel_task *t, int sig);

/* Write a line of our own into the step's log ("--- try 2 of 4 ---"). */
void rel_task_note(struct rel_task *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Close the log (log_end says how it ended) and forget the output
 * file. */
void rel_task_finish(struct rel_task *t);

#endif
