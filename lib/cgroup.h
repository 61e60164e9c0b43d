/*
 * cgroup.h - containing a step's whole process tree in a cgroup (v2) of
 * its own, where the machine lets us (Linux, a cgroup2 hierarchy whose
 * directory of this process's cgroup we may write to).
 *
 * A process group is left with setsid(2), an environment with env -i,
 * a parent by dying; a cgroup is not left but by writing to
 * cgroup.procs, which a step has no reason to do.  The runner makes a
 * cgroup beside (below) its own for each step run it starts and starts
 * the step inside it; whoever stops the step later (the runner, or the
 * command that notices the runner died) finds every process of it in
 * that cgroup's cgroup.procs, whatever its session, parents or
 * environment.  Where there is no such thing, nothing here does
 * anything, and the process groups and the REL_* variables are all
 * there is to go by (rel-promote(1), BUGS).
 *
 * Invariants: a cgroup made here is named rel.ID.PID.N (the release, the
 * runner, a count), is made for one step run and removed (rmdir, which
 * the kernel refuses while it holds a process) once it is empty.
 */
#ifndef REL_CGROUP_H
#define REL_CGROUP_H

#include <stddef.h>
#include <sys/types.h>

#define REL_CGROUP_MAX 1024

/* The directory of this process's cgroup in the cgroup2 hierarchy, if
 * we may make cgroups there and move processes between them: 0, or -1
 * (then out is ""). */
int rel_cgroup_base(char *out, size_t n);

/* Make the cgroup base/name: 0, or -1 (errno set). */
int rel_cgroup_make(const char *base, const char *name, char *out, size_t n);

/* Move this process into cgroup dir: 0, or -1. */
int rel_cgroup_enter(const char *dir);

/* The processes in cgroup dir (at most max of them, into v): how many;
 * -1 when it cannot be read (gone, say). */
int rel_cgroup_procs(const char *dir, pid_t *v, size_t max);

/* Remove cgroup dir if it is empty: 0 removed (or not there), -1 not. */
int rel_cgroup_remove(const char *dir);

/* Is dir a path this module makes (an absolute path whose last
 * component is rel.*, no "..", nothing a record could abuse)? */
int rel_cgroup_name_ok(const char *dir);

#endif
