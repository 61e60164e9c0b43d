/*
 * rusage - run a command once and say what it cost.
 *
 *   rusage OUT COMMAND...
 *
 * Runs COMMAND (standard output to /dev/null, no shell), waits for it,
 * and appends "WALL_MS CPU_MS MAXRSS_KB" to the file OUT: the wall time,
 * the user and system time, and the peak resident set size the kernel
 * recorded for it (getrusage of the children: there is one).  Exits 1 if it failed.
 * For tests/bench/notes.sh, which compiles it: nothing else needs it.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
ms(struct timeval tv)
{
	return (double)tv.tv_sec * 1000 + (double)tv.tv_usec / 1000;
}

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	FILE *out;
	pid_t pid;
	int st, fd;

	if (argc < 3) {
		fputs("usage: rusage OUT COMMAND...\n", stderr);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((pid = fork()) < 0)
		return 1;
	if (pid == 0) {
		if ((fd = open("/dev/null", O_WRONLY)) >= 0)
			dup2(fd, 1);
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	/* The only child: what RUSAGE_CHILDREN has is its. */
	if (waitpid(pid, &st, 0) < 0 || getrusage(RUSAGE_CHILDREN, &ru) < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!(out = fopen(argv[1], "a")))
		return 1;
	fprintf(out, "%.1f %.1f %ld\n", (double)(t1.tv_sec - t0.tv_sec) * 1000 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6, ms(ru.ru_utime) +
	    ms(ru.ru_stime), ru.ru_maxrss);
	fclose(out);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
