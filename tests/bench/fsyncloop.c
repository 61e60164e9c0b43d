/*
 * fsyncloop - the write baseline: per transition, what any durable
 * writer must do at least: fork+exec of a program (true), then a temp
 * file written and fsynced, renamed over its name, the directory fsynced.
 *
 *   fsyncloop DIR COUNT
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int dir, count;
	char tmp[64], name[64], line[128];

	if (argc != 3 || (count = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: fsyncloop DIR COUNT\n");
		return 2;
	}
	if ((dir = open(argv[1], O_RDONLY | O_DIRECTORY)) < 0) {
		perror(argv[1]);
		return 1;
	}
	for (int i = 0; i < count; i++) {
		pid_t pid = fork();
		int ws, fd, len;

		if (pid == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		waitpid(pid, &ws, 0);
		snprintf(tmp, sizeof tmp, ".tmp.%ld.%d", (long)getpid(), i);
		snprintf(name, sizeof name, "rec.%ld.%d", (long)getpid(), i);
		len = snprintf(line, sizeof line, "tr\t%d\tbench\tenv\tpending"
		    "\trunning\t1\t\t\t00000000\n", i);
		fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || write(fd, line, (size_t)len) != len ||
		    fsync(fd) < 0 || close(fd) < 0 ||
		    renameat(dir, tmp, dir, name) < 0 || fsync(dir) < 0) {
			perror("fsyncloop");
			return 1;
		}
	}
	return 0;
}
