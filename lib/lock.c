/*
 * lock.c - fcntl record locks with a timeout that names the holder.
 *
 * The wait polls with a non-blocking F_SETLK and a growing sleep (up to
 * 8 ms) instead of a blocking F_SETLKW interrupted by a timer: a library
 * may not install signal handlers, and transitions hold the lock for well
 * under a millisecond, so polling costs little.
 */
#define _GNU_SOURCE 1 /* F_OFD_SETLK */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "lock.h"
#include "when.h"

#ifdef F_OFD_SETLK
#define SETLK F_OFD_SETLK
#define GETLK F_OFD_GETLK
#else
#define SETLK F_SETLK
#define GETLK F_GETLK
#endif

static int
try_lock(int fd, short type)
{
	struct flock fl;

	memset(&fl, 0, sizeof fl);
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 0;
	if (fcntl(fd, SETLK, &fl) == 0)
		return 0;
#ifdef F_OFD_SETLK
	if (errno == EINVAL) /* an old kernel or file system: POSIX lock */
		return fcntl(fd, F_SETLK, &fl);
#endif
	return -1;
}

/* The lock on fd that keeps us out, as F_GETLK tells it: 0, or -1. */
static int
get_lock(int fd, struct flock *fl)
{
	int rc;

	memset(fl, 0, sizeof *fl);
	fl->l_type = F_WRLCK;
	fl->l_whence = SEEK_SET;
	rc = fcntl(fd, GETLK, fl);
#ifdef F_OFD_GETLK
	if (rc < 0 && errno == EINVAL) {
		memset(fl, 0, sizeof *fl);
		fl->l_type = F_WRLCK;
		fl->l_whence = SEEK_SET;
		rc = fcntl(fd, F_GETLK, fl);
	}
#endif
	return rc;
}

/* Is the line a holder wrote ("prog (pid N, user U, host H)") no longer
 * true?  It is when it names a process on this host that has ended, or
 * another pid than the one the kernel says holds the lock (known for a
 * classic POSIX lock only: an OFD lock's l_pid is -1). */
static int
stale_line(const char *line, long lpid)
{
	const char *p = strstr(line, "(pid "), *h = strstr(line, ", host ");
	char host[256];
	size_t hl;
	long pid;

	if (!p || (pid = strtol(p + 5, NULL, 10)) <= 0)
		return 0;
	if (h) {
		/* Only a pid on this host can be looked at. */
		h += 7;
		hl = strcspn(h, ")");
		if (gethostname(host, sizeof host) < 0)
			return 0;
		host[sizeof host - 1] = '\0';
		if (hl == 0 || strlen(host) < hl || strncmp(h, host, hl) ||
		    (host[hl] && hl < 64))
			return 0;
	}
	if (lpid > 0)
		return pid != lpid;
	return h && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/*
 * Who holds the lock on fd, as truthfully as can be said: the line its
 * holder wrote, when that line is still true.  A process that is not rel
 * takes the lock without writing one, and then the file names the last
 * rel process that held it, maybe long gone; what is known instead is
 * the pid of a classic lock's holder, or nothing.
 */
static void
who_holds(int fd, const struct flock *fl, char *holder, size_t n)
{
	char line[256];
	long lpid = fl && fl->l_type != F_UNLCK && fl->l_pid > 0 ?
	    (long)fl->l_pid : 0;
	ssize_t got;

	if (!holder || n == 0)
		return;
	got = pread(fd, line, sizeof line - 1, 0);
	line[got > 0 ? got : 0] = '\0';
	line[strcspn(line, "\n")] = '\0';
	if (line[0] && !stale_line(line, lpid))
		snprintf(holder, n, "%s", line);
	else if (line[0] && lpid)
		snprintf(holder, n, "pid %ld, which did not say who it is (the "
		    "lock file names an earlier holder, %s)", lpid, line);
	else if (line[0])
		snprintf(holder, n, "an unknown process (the lock file names "
		    "an earlier holder, %s, which has ended)", line);
	else if (lpid)
		snprintf(holder, n, "pid %ld, which did not say who it is",
		    lpid);
	else
		snprintf(holder, n, "an unknown process");
}

int
rel_lock_take(int dirfd, const char *name, const char *path, int wait_ms,
    const char *holder, struct rel_lock *lk, struct rel_err *err)
{
	int64_t deadline = rel_monotonic_ms() + (wait_ms > 0 ? wait_ms : 0);
	long sleep_us = 50;
	int fd, kept;

	fd = lk->fd;
	kept = fd >= 0;
	lk->fd = -1;
	if (fd < 0)
		fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW |
		    O_CLOEXEC, REL_FILE_MODE);
	if (fd < 0)
		return rel_err_errno(err, "cannot open lock file %s", path);
	for (;;) {
		char who[256];

		if (try_lock(fd, F_WRLCK) == 0)
			break;
		if (errno != EAGAIN && errno != EACCES && errno != EINTR) {
			rel_err_errno(err, "cannot lock %s", path);
			close(fd);
			return REL_ESYS;
		}
		if (wait_ms >= 0 && rel_monotonic_ms() >= deadline) {
			struct flock fl;

			who_holds(fd, get_lock(fd, &fl) == 0 ? &fl : NULL, who,
			    sizeof who);
			close(fd);
			return rel_err_set(err, REL_EBUSY,
			    "%s is locked by %s; gave up after %d.%03d s "
			    "(--wait SECONDS to wait longer)", path, who,
			    wait_ms / 1000, wait_ms % 1000);
		}
		{
			struct timespec ts = { 0, sleep_us * 1000 };

			nanosleep(&ts, NULL);
		}
		if (sleep_us < 8000)
			sleep_us *= 2;
	}
	lk->fd = fd;
	/* Locking its kept file again, a holder has said who it is, unless
	 * someone else took the lock in between (one read to know). */
	if (kept && lk->described && holder) {
		char line[300];
		size_t n = strlen(holder) > 250 ? 250 : strlen(holder);

		if (pread(fd, line, n + 1, 0) == (ssize_t)(n + 1) &&
		    !memcmp(line, holder, n) && line[n] == '\n')
			return 0;
	}
	rel_lock_describe(lk, holder);
	return 0;
}

void
rel_lock_describe(struct rel_lock *lk, const char *holder)
{
	char line[300];
	size_t n;

	if (lk->fd < 0 || !holder)
		return;
	lk->described = 1;
	n = strlen(holder);
	if (n > 250)
		n = 250;
	memcpy(line, holder, n);
	line[n++] = '\n';
	/* Best effort: only used to name the holder in messages. */
	if (pwrite(lk->fd, line, n, 0) == (ssize_t)n &&
	    ftruncate(lk->fd, (off_t)n) < 0) {
		/* nothing to do */
	}
}

void
rel_lock_unlock(struct rel_lock *lk)
{
	if (lk->fd >= 0 && try_lock(lk->fd, F_UNLCK) < 0)
		rel_lock_release(lk); /* closing drops it for sure */
}

void
rel_lock_release(struct rel_lock *lk)
{
	if (lk->fd >= 0) {
		close(lk->fd); /* closing drops the lock */
		lk->fd = -1;
	}
	lk->described = 0;
}

int
rel_lock_probe(int dirfd, const char *name, char *holder, size_t n)
{
	struct flock fl;
	int fd, rc;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	rc = get_lock(fd, &fl);
	if (rc < 0) {
		close(fd);
		return -1;
	}
	if (fl.l_type == F_UNLCK) {
		close(fd);
		return 0;
	}
	who_holds(fd, &fl, holder, n);
	close(fd);
	return 1;
}
