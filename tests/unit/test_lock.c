/*
 * test_lock.c - record locks with a bounded wait (lib/lock.c): one holder
 * at a time, even between two opens in one process (OFD locks); a waiter
 * that gives up says who holds the lock; a holder that dies, however it
 * dies, lets go.
 */
#include <sys/types.h>
#include <sys/wait.h>

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

#include "lock.h"
#include "when.h"
#include "unit.h"

struct fixture {
	char dir[UNIT_DIR_MAX];
	char path[UNIT_PATH_MAX];   /* dir/p.lock, for messages */
	int dirfd;
	pid_t child;                /* a lock holder to reap, 0: none */
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);

	if (!fx || unit_mkdtemp(fx->dir) < 0) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof fx->path, "%s/p.lock", fx->dir);
	fx->dirfd = open(fx->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fx->dirfd < 0) {
		unit_rm_rf(fx->dir);
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	int rc;

	/* A test that failed half-way must not leave its child behind. */
	if (fx->child > 0) {
		kill(fx->child, SIGKILL);
		waitpid(fx->child, NULL, 0);
	}
	close(fx->dirfd);
	rc = unit_rm_rf(fx->dir);
	free(fx);
	return rc;
}

static void
test_take_release(void **state)
{
	struct fixture *fx = *state;
	struct rel_lock lk = REL_LOCK_INIT;
	struct rel_err err = { 0, "" };
	struct rel_buf b = REL_BUF_INIT;

	assert_int_equal(rel_lock_take(fx->dirfd, "p.lock", fx->path, 0,
	    "rel-test (pid 1)", &lk, &err), 0);
	assert_true(lk.fd >= 0);
	/* The holder describes itself in the file, one line. */
	unit_read_file(fx->path, &b);
	assert_string_equal(b.s, "rel-test (pid 1)\n");
	rel_lock_release(&lk);
	assert_int_equal(lk.fd, -1);
	rel_lock_release(&lk); /* no-op */
	assert_int_equal(lk.fd, -1);
	/* Taken again at once, by a longer-named holder: no stale tail. */
	assert_int_equal(rel_lock_take(fx->dirfd, "p.lock", fx->path, 0,
	    "x", &lk, &err), 0);
	rel_buf_reset(&b);
	unit_read_file(fx->path, &b);
	assert_string_equal(b.s, "x\n");
	rel_lock_release(&lk);
	rel_buf_free(&b);
}

static void
test_second_take_times_out(void **state)
{
	struct fixture *fx = *state;
	struct rel_lock a = REL_LOCK_INIT, b = REL_LOCK_INIT;
	struct rel_err err = { 0, "" };
	char want[UNIT_PATH_MAX + 128];
	int64_t t0, dt;

	assert_int_equal(rel_lock_take(fx->dirfd, "p.lock", fx->path, 0,
	    "rel-promote (pid 42, user ann)", &a, &err), 0);
	/* Another open in the same process is another holder (OFD). */
	t0 = rel_monotonic_ms();
	assert_int_equal(rel_lock_take(fx->dirfd, "p.lock", fx->path, 300,
	    "second", &b, &err), REL_EBUSY);
	dt = rel_monotonic_ms() - t0;
	assert_int_equal(err.code, REL_EBUSY);
	assert_int_equal(b.fd, -1);
	assert_true(dt >= 300);
	assert_true(dt < 3000);
	snprintf(want, sizeof want, "%s is locked by rel-promote (pid 42, "
	    "user ann); gave up after 0.300 s (--wait SECONDS to wait "
	    "longer)", fx->path);
	assert_string_equal(err.msg, want);
	/* No wait at all: at once. */
	t0 = rel_monotonic_ms();
	assert_int_equal(rel_lock_take(fx->dirfd, "p.lock", fx->path, 0,
	    "second", &b, &err), REL_EBUSY);
	assert_true(rel_monotonic_ms() - t0 < 200);
	assert_non_null(strstr(err.msg, "locked by rel-promote (pid 42, "
	    "user ann); gave up after 0.000 s"));
	/* The waiter did not overwrite the holder's description. */
	assert_int_equal(rel_lock_probe(fx->dirfd, "p.lock", want,
	    sizeof want), 1);
	assert_string_equal(want, "rel-promote (pid 42, user ann)");
	rel_lock_release(&a);
	assert_int_equal(rel_lock_take(fx->dirfd, "p.lock", fx->path, 0,
	    "second", &b, &err), 0);
	rel_lock_release(&b);
}

static void
test_probe(void **state)
{
	struct fixture *fx = *state;
	struct rel_lock lk = REL_LOCK_INIT;
	struct rel_err err = { 0, "" };
	char who[64];

	/* No file yet: not locked. */
	assert_int_equal(rel_lock_probe(fx->dirfd, "p.lock", who, sizeof who),
	    0);
	assert_int_equal(rel_lock_take(fx->dirfd, "p.lock", fx->path, 0,
	    "holder one", &lk, &err), 0);
	memset(who, 'x', sizeof who);
	assert_int_equal(rel_lock_probe(fx->dirfd, "p.lock", who, sizeof who),
	    1);
	assert_string_equal(who, "holder one");
	/* A short buffer gets a cut, terminated description. */
	assert_int_equal(rel_lock_probe(fx->dirfd, "p.lock", who, 5), 1);
	assert_string_equal(who, "hold");
	assert_int_equal(rel_lock_probe(fx->dirfd, "p.lock", NULL, 0), 1);
	rel_lock_release(&lk);
	/* The file stays, unlocked. */
	assert_int_equal(rel_lock_probe(fx->dirfd, "p.lock", who, sizeof who),
	    0);
	assert_int_equal(access(fx->path, F_OK), 0);
}

static void
test_holder_unknown(void **state)
{
	struct fixture *fx = *state;
	struct rel_lock a = REL_LOCK_INIT, b = REL_LOCK_INIT;
	struct rel_err err = { 0, "" };
	char who[64];

	/* A holder that did not (yet) say who it is. */
	assert_int_equal(rel_lock_take(fx->dirfd, "p.lock", fx->path, 0, NULL,
	    &a, &err), 0);
	assert_int_equal(rel_lock_probe(fx->dirfd, "p.lock", who, sizeof who),
	    1);
	assert_string_equal(who, "an unknown process");
	assert_int_equal(rel_lock_take(fx->dirfd, "p.lock", fx->path, 0, "b",
	    &b, &err), REL_EBUSY);
	assert_non_null(strstr(err.msg, "is locked by an unknown process;"));
	rel_lock_release(&a);
}

/* Fork a child that takes the lock as `holder`, says so on a pipe, then
 * waits for ever (or until it is killed, or for hold_ms then exits). */
static pid_t
child_holding(struct fixture *fx, const char *holder, int hold_ms)
{
	int p[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rel_lock lk = REL_LOCK_INIT;
		struct rel_err err = { 0, "" };

		close(p[0]);
		if (rel_lock_take(fx->dirfd, "p.lock", fx->path, 0, holder,
		    &lk, &err) != 0)
			_exit(1);
		if (write(p[1], "L", 1) != 1)
			_exit(1);
		if (hold_ms < 0)
			for (;;)
				pause();
		{
			struct timespec ts = { hold_ms / 1000,
			    (long)(hold_ms % 1000) * 1000000 };

			nanosleep(&ts, NULL);
		}
		_exit(0); /* dies holding it: the kernel lets go */
	}
	fx->child = pid;
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

static void
test_killed_holder_lets_go(void **state)
{
	struct fixture *fx = *state;
	struct rel_lock lk = REL_LOCK_INIT;
	struct rel_err err = { 0, "" };
	char who[64];
	pid_t pid;
	int ws;

	pid = child_holding(fx, "child runner", -1);
	assert_int_equal(rel_lock_probe(fx->dirfd, "p.lock", who, sizeof who),
	    1);
	assert_string_equal(who, "child runner");
	assert_int_equal(rel_lock_take(fx->dirfd, "p.lock", fx->path, 50,
	    "parent", &lk, &err), REL_EBUSY);
	assert_non_null(strstr(err.msg, "is locked by child runner;"));
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	fx->child = 0;
	assert_true(WIFSIGNALED(ws));
	assert_int_equal(rel_lock_probe(fx->dirfd, "p.lock", who, sizeof who),
	    0);
	assert_int_equal(rel_lock_take(fx->dirfd, "p.lock", fx->path, 0,
	    "parent", &lk, &err), 0);
	rel_lock_release(&lk);
}

static void
test_wait_until_released(void **state)
{
	struct fixture *fx = *state;
	struct rel_lock lk = REL_LOCK_INIT;
	struct rel_err err = { 0, "" };
	int64_t t0;
	pid_t pid;
	int ws;

	/* The holder leaves after 200 ms; a patient waiter gets it. */
	pid = child_holding(fx, "brief", 200);
	t0 = rel_monotonic_ms();
	assert_int_equal(rel_lock_take(fx->dirfd, "p.lock", fx->path, 10000,
	    "patient", &lk, &err), 0);
	assert_true(rel_monotonic_ms() - t0 < 5000);
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	fx->child = 0;
	assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	rel_lock_release(&lk);
}

static void
test_link_refused(void **state)
{
	struct fixture *fx = *state;
	struct rel_lock lk = REL_LOCK_INIT;
	struct rel_err err = { 0, "" };
	char target[UNIT_PATH_MAX];

	/* A link planted where the lock file goes is not followed. */
	unit_path(target, fx->dir, "elsewhere");
	assert_int_equal(symlink(target, fx->path), 0);
	assert_int_equal(rel_lock_take(fx->dirfd, "p.lock", fx->path, 0, "me",
	    &lk, &err), REL_ESYS);
	assert_int_equal(lk.fd, -1);
	assert_non_null(strstr(err.msg, "cannot open lock file "));
	assert_non_null(strstr(err.msg, fx->path));
	assert_int_equal(access(target, F_OK), -1); /* not created */
	assert_int_equal(rel_lock_probe(fx->dirfd, "p.lock", NULL, 0), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_take_release, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_second_take_times_out,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_holder_unknown, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_killed_holder_lets_go,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_until_released,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_refused, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
