/*
 * lock.h - record locks on lock files, with a bounded wait.
 *
 * Locks are fcntl() record locks: open file description (OFD) locks where
 * the system has them (Linux), classic POSIX locks elsewhere.  Both work on
 * NFS, unlike flock().  An OFD lock belongs to its open file, so two
 * threads or two opens in one process exclude each other too.
 *
 * The holder writes a one-line description of itself into the lock file
 * after it gets the lock, so that a waiter that gives up can say who holds
 * it.  A process that is not rel leaves the line of the last holder in
 * place: a waiter believes a line only while it can be true (its process
 * on this host still lives, and is the holder the kernel names, when the
 * kernel names one), and says what it knows otherwise.  Lock files hold
 * nothing else and are never removed.
 */
#ifndef REL_LOCK_H
#define REL_LOCK_H

#include "err.h"

struct rel_lock {
	int fd;            /* the open lock file, -1 when none */
	int described;     /* our holder line is in it */
};

#define REL_LOCK_INIT { -1, 0 }

/* Take an exclusive lock on `name` under dirfd (created if missing),
 * waiting at most wait_ms (0: do not wait, <0: wait forever).  `holder`
 * describes this process.  REL_EBUSY names the holder on timeout.  If lk
 * still has its file open from an earlier take (see rel_lock_unlock),
 * that file is locked again and dirfd and name are not used. */
int rel_lock_take(int dirfd, const char *name, const char *path,
    int wait_ms, const char *holder, struct rel_lock *lk,
    struct rel_err *err);

/* Write a new description of the holder (after a fork, say). */
void rel_lock_describe(struct rel_lock *lk, const char *holder);

/* Unlock but keep the file open for the next take: a product lock is
 * taken at every transition, and opening its file each time costs. */
void rel_lock_unlock(struct rel_lock *lk);

/* Release (and close). No-op when not held. */
void rel_lock_release(struct rel_lock *lk);

/* Is `name` under dirfd locked by someone else right now?  1 yes, 0 no
 * (also when the file does not exist), -1 on error.  If holder is not
 * NULL it receives the holder's description (up to n bytes). */
int rel_lock_probe(int dirfd, const char *name, char *holder, size_t n);

#endif
