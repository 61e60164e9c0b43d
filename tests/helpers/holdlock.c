/*
 * holdlock - hold a lock on a file the way another rel process would, so
 * that tests can see what a command does when it cannot have the lock.
 *
 *   holdlock [-n] [-p] FILE [HOLDER]
 *
 * Takes an fcntl OFD write lock (F_OFD_SETLK, what rel itself uses) on the
 * whole of FILE (created if missing), writes HOLDER (default
 * "holdlock (pid N)") as the file's first line, as rel writes its own
 * holder description there, prints "locked" and sleeps until killed.
 * With -n it writes nothing, as a process that is not rel would not; with
 * -p the lock is a classic POSIX one (F_SETLK), whose holder's pid the
 * kernel tells.
 * Exits 1 if the lock is already held, 2 on bad usage or a system error.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	char line[512];
	struct flock fl;
	int fd, quiet = 0, posix = 0, o;
	size_t n;

	while ((o = getopt(argc, argv, "np")) != -1) {
		if (o == 'n')
			quiet = 1;
		else if (o == 'p')
			posix = 1;
		else
			goto usage;
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2) {
usage:
		fputs("usage: holdlock [-n] [-p] FILE [HOLDER]\n", stderr);
		return 2;
	}
	fd = open(argv[0], O_RDWR | O_CREAT | O_CLOEXEC, 0664);
	if (fd < 0) {
		fprintf(stderr, "holdlock: cannot open %s: %s\n", argv[0],
		    strerror(errno));
		return 2;
	}
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 0;
	if (fcntl(fd, posix ? F_SETLK : F_OFD_SETLK, &fl) < 0) {
		fprintf(stderr, "holdlock: cannot lock %s: %s\n", argv[0],
		    strerror(errno));
		return errno == EAGAIN || errno == EACCES ? 1 : 2;
	}
	if (!quiet) {
		if (argc == 2)
			snprintf(line, sizeof line, "%s\n", argv[1]);
		else
			snprintf(line, sizeof line, "holdlock (pid %ld)\n",
			    (long)getpid());
		n = strlen(line);
		if (pwrite(fd, line, n, 0) != (ssize_t)n ||
		    ftruncate(fd, (off_t)n) < 0) {
			fprintf(stderr, "holdlock: cannot write %s: %s\n",
			    argv[0], strerror(errno));
			return 2;
		}
	}
	puts("locked");
	if (fflush(stdout) != 0)
		return 2;
	for (;;)
		pause();
}
