/*
 * spawnloop - the promotion baseline: COUNT sequential `sh -c true`,
 * which is what running COUNT steps costs at the very least.
 *
 *   spawnloop COUNT
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 50;

	for (int i = 0; i < count; i++) {
		pid_t pid = fork();
		int ws;

		if (pid == 0) {
			execl("/bin/sh", "sh", "-c", "true", (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &ws, 0) < 0 || ws != 0)
			return 1;
	}
	return 0;
}
