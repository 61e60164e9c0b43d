/*
 * test_proc.c - what lib/proc.c tells of processes: a snapshot of the
 * process table with parents and groups, a process's environment, and a
 * subreaper that keeps a grandchild whose parent died (Linux; the tests
 * that need /proc skip elsewhere).
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "proc.h"

extern char **environ;

static void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int
have_proc(void)
{
	struct rel_ptable t;

	if (rel_ptable_load(&t) != 0)
		return 0;
	rel_ptable_free(&t);
	return 1;
}

/* A child that sleeps until killed, in a group of its own when asked. */
static pid_t
sleeper(int own_group)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (own_group)
			setpgid(0, 0);
		for (;;)
			pause();
	}
	return pid;
}

static void
end(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static void
test_ptable(void **state)
{
	struct rel_ptable t;
	const struct rel_proc *me, *c;
	pid_t kid;

	(void)state;
	if (!have_proc())
		skip();
	kid = sleeper(1);
	assert_true(kid > 0);
	/* The child's setpgid may not have happened yet. */
	for (int i = 0; i < 200; i++) {
		assert_int_equal(rel_ptable_load(&t), 0);
		c = rel_ptable_get(&t, kid);
		if (c && c->pgrp == kid)
			break;
		rel_ptable_free(&t);
		nap_ms(10);
	}
	me = rel_ptable_get(&t, getpid());
	c = rel_ptable_get(&t, kid);
	assert_non_null(me);
	assert_non_null(c);
	assert_int_equal(c->ppid, getpid());
	assert_int_equal(c->pgrp, kid);
	assert_int_equal(me->pgrp, getpgrp());
	assert_true(c->start >= me->start);
	assert_int_equal(c->start, rel_proc_start(kid));
	assert_true(rel_ptable_descends(&t, kid, getpid()));
	assert_true(rel_ptable_descends(&t, kid, getppid()));
	assert_false(rel_ptable_descends(&t, getpid(), kid));
	assert_false(rel_ptable_descends(&t, kid, kid));
	/* Sorted by pid, every one there once. */
	for (size_t i = 1; i < t.n; i++)
		assert_true(t.v[i - 1].pid < t.v[i].pid);
	assert_null(rel_ptable_get(&t, 0));
	rel_ptable_free(&t);
	assert_int_equal(t.n, 0);
	/* A zombie is not in it. */
	kill(kid, SIGKILL);
	for (int i = 0; i < 200; i++) {
		char state2 = 0, path[64];
		FILE *f;

		snprintf(path, sizeof path, "/proc/%ld/stat", (long)kid);
		if ((f = fopen(path, "r"))) {
			if (fscanf(f, "%*d %*s %c", &state2) != 1)
				state2 = 0;
			fclose(f);
		}
		if (state2 == 'Z')
			break;
		nap_ms(10);
	}
	assert_int_equal(rel_ptable_load(&t), 0);
	assert_null(rel_ptable_get(&t, kid));
	rel_ptable_free(&t);
	end(kid);
}

static void
test_environ(void **state)
{
	struct rel_buf env = REL_BUF_INIT;
	pid_t kid;
	int p[2];
	char c;

	(void)state;
	if (!have_proc())
		skip();
	assert_int_equal(pipe(p), 0);
	kid = fork();
	if (kid == 0) {
		char *const argv[] = { "sleep", "30", NULL };
		char *const envp[] = { "REL_RELEASE=web-12", "EMPTY=",
			"REL_RELEASE_X=no", "A=b=c", NULL };

		close(p[0]);
		fcntl(p[1], F_SETFD, FD_CLOEXEC);
		execve("/bin/sleep", argv, envp);
		_exit(127);
	}
	close(p[1]);
	/* The pipe closes at the exec. */
	assert_int_equal(read(p[0], &c, 1), 0);
	close(p[0]);
	assert_int_equal(rel_proc_environ(kid, &env), 0);
	assert_string_equal(rel_environ_get(&env, "REL_RELEASE"), "web-12");
	assert_string_equal(rel_environ_get(&env, "REL_RELEASE_X"), "no");
	assert_string_equal(rel_environ_get(&env, "EMPTY"), "");
	assert_string_equal(rel_environ_get(&env, "A"), "b=c");
	assert_null(rel_environ_get(&env, "REL"));
	assert_null(rel_environ_get(&env, "B"));
	end(kid);
	assert_int_equal(rel_proc_environ(kid, &env), -1);
	assert_null(rel_environ_get(&env, "REL_RELEASE"));
	rel_buf_free(&env);
}

/* Under a subreaper, the grandchild of a child that died is ours. */
static void
test_subreaper(void **state)
{
	struct rel_ptable t;
	const struct rel_proc *g;
	pid_t kid, grand = 0;
	int p[2], ws;

	(void)state;
	if (!have_proc())
		skip();
	kid = fork();
	if (kid == 0) {
		/* Forked (a subreaper is not inherited), so that the test
		 * process stays as it was. */
		if (rel_proc_subreaper() != 0)
			_exit(3);
		if (pipe(p) < 0)
			_exit(4);
		if (fork() == 0) {
			pid_t gk;

			setsid(); /* out of the group too, as a daemon */
			if ((gk = fork()) == 0) {
				for (;;)
					pause();
			}
			if (write(p[1], &gk, sizeof gk) != sizeof gk)
				_exit(5);
			_exit(0); /* its parent dies */
		}
		close(p[1]);
		if (read(p[0], &grand, sizeof grand) != sizeof grand)
			_exit(6);
		for (int i = 0; i < 500; i++) {
			if (rel_ptable_load(&t) != 0)
				_exit(7);
			g = rel_ptable_get(&t, grand);
			if (g && g->ppid == getpid() && g->pgrp != getpgrp()) {
				rel_ptable_free(&t);
				kill(grand, SIGKILL);
				while (wait(NULL) > 0 || errno == EINTR)
					;
				_exit(0);
			}
			rel_ptable_free(&t);
			nap_ms(10);
		}
		kill(grand, SIGKILL);
		_exit(8);
	}
	assert_true(kid > 0);
	assert_int_equal(waitpid(kid, &ws, 0), kid);
	assert_true(WIFEXITED(ws));
	assert_int_equal(WEXITSTATUS(ws), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ptable),
		cmocka_unit_test(test_environ),
		cmocka_unit_test(test_subreaper),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
