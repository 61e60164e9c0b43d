/*
 * timeit - time a command and its baseline side by side.
 *
 *   timeit RUNS [-w WARMUP] -- COMMAND... -- BASELINE...
 *
 * Runs the two alternately RUNS times each (after WARMUP runs of each),
 * with standard output to /dev/null, exec'ing the argv directly (no shell,
 * whose start-up would blur fast commands).  "{}" in an argument becomes
 * the run's number (1, 2...), so each run can act on a thing of its own.
 * Prints: median of the command, median of the baseline (seconds), and
 * command/baseline.  Exits 1 if any run failed.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Run argv once with "{}" as k; the elapsed seconds, or -1. */
static double
run(char **argv, int argc, int k)
{
	char **v = calloc((size_t)argc + 1, sizeof *v), num[32];
	double t0, t1;
	int ws;
	pid_t pid;

	snprintf(num, sizeof num, "%d", k);
	for (int i = 0; i < argc; i++) {
		char *p = strstr(argv[i], "{}");

		if (!p) {
			v[i] = argv[i];
			continue;
		}
		v[i] = malloc(strlen(argv[i]) + sizeof num);
		sprintf(v[i], "%.*s%s%s", (int)(p - argv[i]), argv[i], num, p + 2);
	}
	t0 = now();
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execvp(v[0], v);
		_exit(127);
	}
	waitpid(pid, &ws, 0);
	t1 = now();
	for (int i = 0; i < argc; i++)
		if (v[i] != argv[i])
			free(v[i]);
	free(v);
	return WIFEXITED(ws) && WEXITSTATUS(ws) == 0 ? t1 - t0 : -1;
}

int
main(int argc, char **argv)
{
	int runs, warm = 1, a0, an, b0, bn, i, bad = 0, k = 0;
	double *ta, *tb, ma, mb;

	if (argc < 6 || (runs = atoi(argv[1])) < 1)
		goto usage;
	i = 2;
	if (!strcmp(argv[i], "-w")) {
		warm = atoi(argv[i + 1]);
		i += 2;
	}
	if (strcmp(argv[i], "--"))
		goto usage;
	a0 = ++i;
	while (i < argc && strcmp(argv[i], "--"))
		i++;
	an = i - a0;
	if (i >= argc || an == 0)
		goto usage;
	b0 = ++i;
	bn = argc - b0;
	if (bn <= 0)
		goto usage;
	ta = calloc((size_t)runs, sizeof *ta);
	tb = calloc((size_t)runs, sizeof *tb);
	for (i = 0; i < warm; i++) {
		run(argv + a0, an, ++k);
		run(argv + b0, bn, k);
	}
	for (i = 0; i < runs; i++) {
		k++;
		if ((ta[i] = run(argv + a0, an, k)) < 0)
			bad = 1;
		if ((tb[i] = run(argv + b0, bn, k)) < 0)
			bad = 1;
	}
	ma = median(ta, runs);
	mb = median(tb, runs);
	printf("%.6f\t%.6f\t%.3f\n", ma, mb, mb > 0 ? ma / mb : 0);
	free(ta);
	free(tb);
	return bad;
usage:
	fprintf(stderr, "usage: timeit RUNS [-w WARMUP] -- COMMAND... -- "
	    "BASELINE...\n");
	return 2;
}
