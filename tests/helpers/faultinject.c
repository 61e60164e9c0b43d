/*
 * faultinject.so - an LD_PRELOAD shim, for tests only, that makes the N-th
 * file system call of a rel command on its state directory fail, or kills
 * the command right there, so that a test can walk every I/O call of a
 * command and look at the store after each fault.  Nothing of it is in the
 * library: the commands under test are the commands users run.
 *
 * Calls are put in classes, each counted on its own (and all together as
 * `any`):
 *
 *   open    open/openat/creat with O_CREAT (or O_TMPFILE)
 *   write   write/pwrite/writev
 *   sync    fsync/fdatasync
 *   rename  rename/renameat/renameat2/link/linkat
 *   trunc   ftruncate
 *   mkdir   mkdir/mkdirat
 *   close   close
 *
 * Only calls on a path or an fd inside $REL_STATE_DIR count (fds are
 * resolved through /proc/self/fd), so that what the loader, libc or stdio
 * do elsewhere never shifts the numbers.
 *
 * Environment:
 *
 *   REL_FAULT=CLASS:K:ACTION[,...]   the K-th call of CLASS (1-based; K+
 *       for the K-th and every later one, e.g. any:1+:EROFS for a store on
 *       a read-only file system) does
 *       ACTION: an errno name (EIO, ENOSPC, EDQUOT, EROFS, EINTR, ...) makes
 *       it fail with that errno without doing anything (close is done and
 *       then reports the error, as Linux does); `kill` sends SIGKILL to the
 *       process before the call; `torn` (write only) writes the first half
 *       of the buffer and then sends SIGKILL, as a power cut in the middle
 *       of a write may leave it; `tornline` the same, but cut after the
 *       last newline of that half (a write of several lines that reached
 *       the disk line by line; the whole buffer if it has no newline
 *       before its end, then the kill).
 *   REL_FAULT_COUNT=FILE   keep FILE holding "CLASS N" per class (and
 *       "any N"), rewritten after each counted call, so that a test learns
 *       how many calls a command makes.
 *   REL_FAULT_LOG=FILE     append "pid CLASS K ACTION FUNCTION PATH" when a
 *       fault fires (a test learns whether, and where, it did).
 *   REL_FAULT_TRACE=FILE   append "pid CLASS K ANY FUNCTION PATH" for every
 *       counted call (to see what a number stands for).
 *   REL_FAULT_ALARM=N      SIGALRM after N seconds (exit status 142): a
 *       bound against a hang without timeout(1) and env(1) to start the
 *       command, two processes that a test starting a thousand commands
 *       pays for.  Not inherited: a child made by fork() has no alarm.
 *
 * The shim removes LD_PRELOAD and its own variables from the environment
 * when it loads: step processes and other programs a command starts run
 * without it, so only the command's own calls are counted.  A child made
 * by fork() alone (rel-promote --detach) goes on counting where its parent
 * was.
 *
 * ASan does not mix with LD_PRELOAD (it wants to be first): the tests skip
 * when the commands are built with SANITIZE=1.
 */
#define _GNU_SOURCE 1
#undef _FORTIFY_SOURCE /* its inline open() would clash with ours */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef O_TMPFILE
#define O_TMPFILE 0
#endif

enum cls { C_OPEN, C_WRITE, C_SYNC, C_RENAME, C_TRUNC, C_MKDIR, C_CLOSE,
	C_COUNT, C_ANY = C_COUNT };

static const char *const cls_names[C_COUNT + 1] = {
	"open", "write", "sync", "rename", "trunc", "mkdir", "close", "any",
};

/* Other spellings a test may use for a class. */
static const struct {
	const char *name;
	enum cls c;
} aliases[] = {
	{ "openat", C_OPEN }, { "creat", C_OPEN }, { "pwrite", C_WRITE },
	{ "fsync", C_SYNC }, { "fdatasync", C_SYNC }, { "renameat", C_RENAME },
	{ "link", C_RENAME }, { "linkat", C_RENAME },
	{ "ftruncate", C_TRUNC }, { "mkdirat", C_MKDIR },
};

static const struct {
	const char *name;
	int err;
} errnos[] = {
	{ "EIO", EIO }, { "ENOSPC", ENOSPC }, { "EDQUOT", EDQUOT },
	{ "EROFS", EROFS }, { "EACCES", EACCES }, { "EPERM", EPERM },
	{ "EINTR", EINTR }, { "ENOMEM", ENOMEM }, { "EMFILE", EMFILE },
	{ "ENFILE", ENFILE }, { "EFBIG", EFBIG }, { "EEXIST", EEXIST },
	{ "ENOENT", ENOENT }, { "EAGAIN", EAGAIN },
};

#define ACT_KILL (-1)
#define ACT_TORN (-2)
#define ACT_TORNLINE (-3)
#define MAX_SPECS 16

struct spec {
	enum cls c;
	unsigned long k;
	int from;          /* K+: the K-th call and all after it */
	int action;        /* an errno, ACT_KILL, ACT_TORN or ACT_TORNLINE */
	char name[16];     /* as given, for the log */
};

static struct spec specs[MAX_SPECS];
static size_t nspecs;
static unsigned long counts[C_COUNT + 1];
static char state[PATH_MAX], state_real[PATH_MAX];
static size_t state_len, state_real_len;
static char count_path[PATH_MAX], log_path[PATH_MAX], trace_path[PATH_MAX];
static int ready;          /* the constructor has run */

/* The next definition of each function, resolved on first use. */
#define REAL(ret, name, args) \
	static ret (*real_##name) args; \
	if (!real_##name) \
		*(void **)&real_##name = dlsym(RTLD_NEXT, #name)

static void
copy_var(const char *var, char *out, size_t n)
{
	const char *v = getenv(var);

	out[0] = '\0';
	if (v && strlen(v) < n)
		strcpy(out, v);
}

static void
parse_specs(const char *s)
{
	char buf[1024], *save = NULL, *tok;

	if (!s || strlen(s) >= sizeof buf)
		return;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok && nspecs < MAX_SPECS;
	    tok = strtok_r(NULL, ",", &save)) {
		char *k = strchr(tok, ':'), *a = k ? strchr(k + 1, ':') : NULL;
		char *end;
		struct spec sp;
		int found = 0;

		if (!k || !a)
			goto bad;
		*k++ = '\0';
		*a++ = '\0';
		memset(&sp, 0, sizeof sp);
		for (int i = 0; i <= C_COUNT; i++)
			if (!strcmp(tok, cls_names[i])) {
				sp.c = (enum cls)i;
				found = 1;
			}
		for (size_t i = 0; !found && i < sizeof aliases / sizeof *aliases;
		    i++)
			if (!strcmp(tok, aliases[i].name)) {
				sp.c = aliases[i].c;
				found = 1;
			}
		sp.k = strtoul(k, &end, 10);
		if (*end == '+') {
			sp.from = 1;
			end++;
		}
		if (!found || sp.k == 0 || *end)
			goto bad;
		if (!strcmp(a, "kill")) {
			sp.action = ACT_KILL;
		} else if (!strcmp(a, "torn")) {
			sp.action = ACT_TORN;
		} else if (!strcmp(a, "tornline")) {
			sp.action = ACT_TORNLINE;
		} else {
			for (size_t i = 0; i < sizeof errnos / sizeof *errnos; i++)
				if (!strcmp(a, errnos[i].name))
					sp.action = errnos[i].err;
			if (!sp.action)
				goto bad;
		}
		snprintf(sp.name, sizeof sp.name, "%s", a);
		specs[nspecs++] = sp;
		continue;
bad:
		/* A test with a typo must not pass by injecting nothing. */
		fprintf(stderr, "faultinject: bad REL_FAULT entry; want "
		    "CLASS:K:ACTION\n");
		_exit(99);
	}
}

__attribute__((constructor)) static void
init(void)
{
	char *rp;

	copy_var("REL_STATE_DIR", state, sizeof state);
	while ((state_len = strlen(state)) > 1 && state[state_len - 1] == '/')
		state[state_len - 1] = '\0';
	if (state_len && (rp = realpath(state, NULL))) {
		if (strlen(rp) < sizeof state_real)
			strcpy(state_real, rp);
		free(rp);
	}
	state_real_len = strlen(state_real);
	copy_var("REL_FAULT_COUNT", count_path, sizeof count_path);
	copy_var("REL_FAULT_LOG", log_path, sizeof log_path);
	copy_var("REL_FAULT_TRACE", trace_path, sizeof trace_path);
	parse_specs(getenv("REL_FAULT"));
	if (getenv("REL_FAULT_ALARM"))
		alarm((unsigned)strtoul(getenv("REL_FAULT_ALARM"), NULL, 10));
	/* Steps and helpers that a command starts run without the shim. */
	unsetenv("LD_PRELOAD");
	unsetenv("REL_FAULT");
	unsetenv("REL_FAULT_COUNT");
	unsetenv("REL_FAULT_LOG");
	unsetenv("REL_FAULT_TRACE");
	unsetenv("REL_FAULT_ALARM");
	ready = 1;
}

static int
under(const char *path, const char *dir, size_t len)
{
	return len > 0 && !strncmp(path, dir, len) &&
	    (path[len] == '/' || path[len] == '\0');
}

static int
in_state(const char *path)
{
	return under(path, state, state_len) ||
	    under(path, state_real, state_real_len);
}

/* The path an fd stands for ("" if unknown). */
static void
fd_path(int fd, char *out, size_t n)
{
	char link[64];
	ssize_t got;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	got = readlink(link, out, n - 1);
	out[got > 0 ? got : 0] = '\0';
}

/* The absolute path of `path` relative to dirfd. */
static void
at_path(int dirfd, const char *path, char *out, size_t n)
{
	char dir[PATH_MAX];

	if (!path) {
		out[0] = '\0';
		return;
	}
	if (path[0] == '/') {
		snprintf(out, n, "%s", path);
		return;
	}
	if (dirfd == AT_FDCWD) {
		if (!getcwd(dir, sizeof dir))
			dir[0] = '\0';
	} else {
		fd_path(dirfd, dir, sizeof dir);
	}
	snprintf(out, n, "%s/%s", dir, path);
}

/* Append a line to file (never counted: it is outside the store, and
 * written with the system call itself). */
static void
append_line(const char *file, const char *line)
{
	int fd;

	if (!file[0])
		return;
	fd = (int)syscall(SYS_openat, AT_FDCWD, file,
	    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (syscall(SYS_write, fd, line, strlen(line)) < 0) {
		/* nothing to do: a test that needs it will notice */
	}
	syscall(SYS_close, fd);
}

static void
write_counts(void)
{
	char buf[512];
	size_t len = 0;
	int fd;

	for (int i = 0; i <= C_COUNT; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s %lu\n",
		    cls_names[i], counts[i]);
	fd = (int)syscall(SYS_openat, AT_FDCWD, count_path,
	    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (syscall(SYS_write, fd, buf, len) < 0) {
		/* nothing to do */
	}
	syscall(SYS_close, fd);
}

/*
 * Count a call of class c on path (already known to be in the store) and
 * say what to do: 0 go on, ACT_KILL/ACT_TORN, or an errno to fail with.
 */
static int
decide(enum cls c, const char *fn, const char *path)
{
	char line[PATH_MAX + 128];
	unsigned long k = ++counts[c], any = ++counts[C_ANY];

	if (count_path[0])
		write_counts();
	if (trace_path[0]) {
		snprintf(line, sizeof line, "%ld %s %lu %lu %s %s\n",
		    (long)getpid(), cls_names[c], k, any, fn, path);
		append_line(trace_path, line);
	}
	for (size_t i = 0; i < nspecs; i++) {
		const struct spec *sp = &specs[i];

		unsigned long n = sp->c == C_ANY ? any : k;

		if ((sp->c == c || sp->c == C_ANY) &&
		    (n == sp->k || (sp->from && n > sp->k))) {
			int act = sp->action;

			if ((act == ACT_TORN || act == ACT_TORNLINE) &&
			    c != C_WRITE)
				act = ACT_KILL; /* nothing to tear: just die */
			snprintf(line, sizeof line, "%ld %s %lu %s %s %s\n",
			    (long)getpid(), cls_names[c], k, sp->name, fn, path);
			append_line(log_path, line);
			if (act == ACT_KILL)
				kill(getpid(), SIGKILL);
			return act;
		}
	}
	return 0;
}

/* Should a call on this path count?  Fills path. */
static int
watch_at(int dirfd, const char *p, char *path, size_t n)
{
	if (!ready || !state_len)
		return 0;
	at_path(dirfd, p, path, n);
	return in_state(path);
}

static int
watch_fd(int fd, char *path, size_t n)
{
	if (!ready || !state_len || fd < 0)
		return 0;
	fd_path(fd, path, n);
	return in_state(path);
}

static void
die_now(void)
{
	kill(getpid(), SIGKILL);
	_exit(137); /* not reached */
}

/* --- open ----------------------------------------------------------- */

static int
creating(int flags)
{
	return (flags & O_CREAT) || (O_TMPFILE && (flags & O_TMPFILE) == O_TMPFILE);
}

static int
open_common(const char *fn, int dirfd, const char *p, int flags, mode_t mode,
    int use_at)
{
	REAL(int, openat, (int, const char *, int, ...));
	REAL(int, open, (const char *, int, ...));
	char path[PATH_MAX];
	int act;

	if (creating(flags) && watch_at(use_at ? dirfd : AT_FDCWD, p, path,
	    sizeof path) && (act = decide(C_OPEN, fn, path)) != 0) {
		if (act < 0)
			die_now();
		errno = act;
		return -1;
	}
	if (use_at)
		return real_openat(dirfd, p, flags, mode);
	return real_open(p, flags, mode);
}

#define OPEN_MODE(flags, mode) do { \
	va_list ap; \
	mode = 0; \
	if (creating(flags)) { \
		va_start(ap, flags); \
		mode = (mode_t)va_arg(ap, int); \
		va_end(ap); \
	} \
} while (0)

int open(const char *p, int flags, ...);
int open64(const char *p, int flags, ...);
int openat(int dirfd, const char *p, int flags, ...);
int openat64(int dirfd, const char *p, int flags, ...);
int __open_2(const char *p, int flags);
int __open64_2(const char *p, int flags);
int __openat_2(int dirfd, const char *p, int flags);
int __openat64_2(int dirfd, const char *p, int flags);

int
open(const char *p, int flags, ...)
{
	mode_t mode;

	OPEN_MODE(flags, mode);
	return open_common("open", AT_FDCWD, p, flags, mode, 0);
}

int
open64(const char *p, int flags, ...)
{
	mode_t mode;

	OPEN_MODE(flags, mode);
	return open_common("open64", AT_FDCWD, p, flags, mode, 0);
}

int
openat(int dirfd, const char *p, int flags, ...)
{
	mode_t mode;

	OPEN_MODE(flags, mode);
	return open_common("openat", dirfd, p, flags, mode, 1);
}

int
openat64(int dirfd, const char *p, int flags, ...)
{
	mode_t mode;

	OPEN_MODE(flags, mode);
	return open_common("openat64", dirfd, p, flags, mode, 1);
}

/* The _FORTIFY_SOURCE entry points: no mode (no O_CREAT) by definition. */
int
__open_2(const char *p, int flags)
{
	return open_common("__open_2", AT_FDCWD, p, flags, 0, 0);
}

int
__open64_2(const char *p, int flags)
{
	return open_common("__open64_2", AT_FDCWD, p, flags, 0, 0);
}

int
__openat_2(int dirfd, const char *p, int flags)
{
	return open_common("__openat_2", dirfd, p, flags, 0, 1);
}

int
__openat64_2(int dirfd, const char *p, int flags)
{
	return open_common("__openat64_2", dirfd, p, flags, 0, 1);
}

int
creat(const char *p, mode_t mode)
{
	return open_common("creat", AT_FDCWD, p, O_WRONLY | O_CREAT | O_TRUNC,
	    mode, 0);
}

int
creat64(const char *p, mode_t mode)
{
	return open_common("creat64", AT_FDCWD, p,
	    O_WRONLY | O_CREAT | O_TRUNC, mode, 0);
}

/* --- write ---------------------------------------------------------- */

/* Where a torn write of buf[0..len) stops: half of it, or (by line)
 * after the last newline of that half, else all of it. */
static size_t
tear(const void *buf, size_t len, int act)
{
	const char *b = buf;
	size_t half = len / 2;

	if (act == ACT_TORN || !buf)
		return half;
	for (size_t i = half; i > 0; i--)
		if (b[i - 1] == '\n')
			return i;
	return len;
}

/* What to do before a write of len bytes of buf on fd: 0 go on, else -1
 * with errno set, or (torn) *len cut short and *torn set. */
static int
write_fault(const char *fn, int fd, const void *buf, size_t *len, int *torn)
{
	char path[PATH_MAX];
	int act;

	*torn = 0;
	if (!watch_fd(fd, path, sizeof path) ||
	    (act = decide(C_WRITE, fn, path)) == 0)
		return 0;
	if (act == ACT_TORN || act == ACT_TORNLINE) {
		*len = tear(buf, *len, act);
		*torn = 1;
		return 0;
	}
	errno = act;
	return -1;
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	REAL(ssize_t, write, (int, const void *, size_t));
	int torn;
	ssize_t n;

	if (write_fault("write", fd, buf, &len, &torn) < 0)
		return -1;
	n = len ? real_write(fd, buf, len) : 0;
	if (torn)
		die_now();
	return n;
}

ssize_t
pwrite(int fd, const void *buf, size_t len, off_t off)
{
	REAL(ssize_t, pwrite, (int, const void *, size_t, off_t));
	int torn;
	ssize_t n;

	if (write_fault("pwrite", fd, buf, &len, &torn) < 0)
		return -1;
	n = len ? real_pwrite(fd, buf, len, off) : 0;
	if (torn)
		die_now();
	return n;
}

ssize_t
pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
	REAL(ssize_t, pwrite64, (int, const void *, size_t, off64_t));
	int torn;
	ssize_t n;

	if (write_fault("pwrite64", fd, buf, &len, &torn) < 0)
		return -1;
	n = len ? real_pwrite64(fd, buf, len, off) : 0;
	if (torn)
		die_now();
	return n;
}

ssize_t
writev(int fd, const struct iovec *iov, int iovcnt)
{
	REAL(ssize_t, writev, (int, const struct iovec *, int));
	REAL(ssize_t, write, (int, const void *, size_t));
	size_t total = 0, len;
	int torn;

	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	len = total;
	/* A vector is torn by its byte count only (no line search). */
	if (write_fault("writev", fd, NULL, &len, &torn) < 0)
		return -1;
	if (torn) {
		/* The first half, whatever buffers it spans. */
		for (int i = 0; i < iovcnt && len > 0; i++) {
			size_t n = iov[i].iov_len < len ? iov[i].iov_len : len;

			if (real_write(fd, iov[i].iov_base, n) < 0)
				break;
			len -= n;
		}
		die_now();
	}
	return real_writev(fd, iov, iovcnt);
}

/* --- sync, truncate, close ---------------------------------------- */

static int
fd_fault(enum cls c, const char *fn, int fd)
{
	char path[PATH_MAX];
	int act;

	if (!watch_fd(fd, path, sizeof path) || (act = decide(c, fn, path)) == 0)
		return 0;
	if (act < 0)
		die_now();
	return act;
}

int
fsync(int fd)
{
	REAL(int, fsync, (int));
	int e = fd_fault(C_SYNC, "fsync", fd);

	if (e) {
		errno = e;
		return -1;
	}
	return real_fsync(fd);
}

int
fdatasync(int fd)
{
	REAL(int, fdatasync, (int));
	int e = fd_fault(C_SYNC, "fdatasync", fd);

	if (e) {
		errno = e;
		return -1;
	}
	return real_fdatasync(fd);
}

int
ftruncate(int fd, off_t len)
{
	REAL(int, ftruncate, (int, off_t));
	int e = fd_fault(C_TRUNC, "ftruncate", fd);

	if (e) {
		errno = e;
		return -1;
	}
	return real_ftruncate(fd, len);
}

int
ftruncate64(int fd, off64_t len)
{
	REAL(int, ftruncate64, (int, off64_t));
	int e = fd_fault(C_TRUNC, "ftruncate64", fd);

	if (e) {
		errno = e;
		return -1;
	}
	return real_ftruncate64(fd, len);
}

int
close(int fd)
{
	REAL(int, close, (int));
	int e = fd_fault(C_CLOSE, "close", fd);

	if (e) {
		/* Linux frees the fd even when close reports an error (and
		 * so drops the locks on it): do the same. */
		real_close(fd);
		errno = e;
		return -1;
	}
	return real_close(fd);
}

/* --- names: rename, link, mkdir ------------------------------------ */

static int
names_fault(enum cls c, const char *fn, int d1, const char *p1, int d2,
    const char *p2)
{
	char a[PATH_MAX], b[PATH_MAX];
	int in1 = watch_at(d1, p1, a, sizeof a);
	int in2 = p2 && watch_at(d2, p2, b, sizeof b);
	int act;

	if (!in1 && !in2)
		return 0;
	if ((act = decide(c, fn, in2 ? b : a)) == 0)
		return 0;
	if (act < 0)
		die_now();
	return act;
}

int
rename(const char *from, const char *to)
{
	REAL(int, rename, (const char *, const char *));
	int e = names_fault(C_RENAME, "rename", AT_FDCWD, from, AT_FDCWD, to);

	if (e) {
		errno = e;
		return -1;
	}
	return real_rename(from, to);
}

int
renameat(int d1, const char *from, int d2, const char *to)
{
	REAL(int, renameat, (int, const char *, int, const char *));
	int e = names_fault(C_RENAME, "renameat", d1, from, d2, to);

	if (e) {
		errno = e;
		return -1;
	}
	return real_renameat(d1, from, d2, to);
}

int
renameat2(int d1, const char *from, int d2, const char *to, unsigned flags)
{
	REAL(int, renameat2, (int, const char *, int, const char *, unsigned));
	int e = names_fault(C_RENAME, "renameat2", d1, from, d2, to);

	if (e) {
		errno = e;
		return -1;
	}
	return real_renameat2(d1, from, d2, to, flags);
}

int
link(const char *from, const char *to)
{
	REAL(int, link, (const char *, const char *));
	int e = names_fault(C_RENAME, "link", AT_FDCWD, from, AT_FDCWD, to);

	if (e) {
		errno = e;
		return -1;
	}
	return real_link(from, to);
}

int
linkat(int d1, const char *from, int d2, const char *to, int flags)
{
	REAL(int, linkat, (int, const char *, int, const char *, int));
	int e = names_fault(C_RENAME, "linkat", d1, from, d2, to);

	if (e) {
		errno = e;
		return -1;
	}
	return real_linkat(d1, from, d2, to, flags);
}

int
mkdir(const char *p, mode_t mode)
{
	REAL(int, mkdir, (const char *, mode_t));
	int e = names_fault(C_MKDIR, "mkdir", AT_FDCWD, p, AT_FDCWD, NULL);

	if (e) {
		errno = e;
		return -1;
	}
	return real_mkdir(p, mode);
}

int
mkdirat(int dirfd, const char *p, mode_t mode)
{
	REAL(int, mkdirat, (int, const char *, mode_t));
	int e = names_fault(C_MKDIR, "mkdirat", dirfd, p, AT_FDCWD, NULL);

	if (e) {
		errno = e;
		return -1;
	}
	return real_mkdirat(dirfd, p, mode);
}
