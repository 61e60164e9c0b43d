/*
 * status.c - status names and the aggregation rules of DESIGN.md.
 */
#include <stdio.h>
#include <string.h>

#include "status.h"

static const char *const names[REL_STATUS_COUNT] = {
	"pending", "running", "suspended", "succeeded", "failed", "error",
	"terminating", "terminated", "skipped",
};

const char *
rel_status_name(enum rel_status s)
{
	return (unsigned)s < REL_STATUS_COUNT ? names[s] : "unknown";
}

int
rel_status_parse(const char *name)
{
	for (int i = 0; i < REL_STATUS_COUNT; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

int
rel_status_parse_list(const char *list, int *want, struct rel_err *err)
{
	size_t n = 0;

	for (const char *p = list; *p; ) {
		size_t len = strcspn(p, ",");
		char name[32];
		int s;

		if (len) {
			snprintf(name, sizeof name, "%.*s", (int)len, p);
			if (len >= sizeof name || (s = rel_status_parse(name)) < 0)
				return rel_err_set(err, REL_EUSAGE, "--status: "
				    "unknown status '%.*s' (pending, running, "
				    "suspended, succeeded, failed, error, "
				    "terminating, terminated, skipped)",
				    (int)(len > 64 ? 64 : len), p);
			if (n < REL_STATUS_COUNT)
				want[n++] = s;
		}
		p += len + (p[len] == ',');
	}
	if (!n)
		return rel_err_set(err, REL_EUSAGE, "--status: no status given");
	want[n] = -1;
	return 0;
}

int
rel_status_valid_env(enum rel_status s)
{
	return s == REL_PENDING || s == REL_SUSPENDED || s == REL_RUNNING ||
	    s == REL_SUCCEEDED || s == REL_FAILED || s == REL_TERMINATED;
}

int
rel_status_valid_release(enum rel_status s)
{
	return s == REL_PENDING || s == REL_RUNNING || s == REL_SUSPENDED ||
	    s == REL_SUCCEEDED || s == REL_FAILED || s == REL_TERMINATING ||
	    s == REL_TERMINATED;
}

int
rel_status_final(enum rel_status s)
{
	return s == REL_SUCCEEDED || s == REL_FAILED || s == REL_ERROR ||
	    s == REL_TERMINATED || s == REL_SKIPPED;
}

enum rel_status
rel_status_aggregate_step(const enum rel_status *s, size_t n)
{
	int running = 0, failed = 0, error = 0, terminated = 0, done = 0;
	int skipped = 0;

	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case REL_RUNNING: running++; break;
		case REL_FAILED: failed++; break;
		case REL_ERROR: error++; break;
		case REL_TERMINATED: terminated++; break;
		case REL_SUCCEEDED: done++; break;
		case REL_SKIPPED: skipped++; break;
		default: break;
		}
	}
	if (running)
		return REL_RUNNING;
	if (failed)
		return REL_FAILED;
	if (error)
		return REL_ERROR;
	if (terminated)
		return REL_TERMINATED;
	if (n > 0 && (size_t)done == n)
		return REL_SUCCEEDED;
	/* Not all of it ran in this attempt, and none of it will. */
	if (skipped && (size_t)(done + skipped) == n)
		return REL_SKIPPED;
	return REL_PENDING;
}

enum rel_status
rel_status_aggregate_release(enum rel_status term, const enum rel_status *envs,
    size_t n)
{
	int running = 0, failed = 0, suspended = 0, succeeded = 0;

	if (term == REL_TERMINATING || term == REL_TERMINATED)
		return term;
	for (size_t i = 0; i < n; i++) {
		switch (envs[i]) {
		case REL_FAILED: case REL_TERMINATED: failed++; break;
		case REL_RUNNING: running++; break;
		case REL_SUSPENDED: suspended++; break;
		case REL_SUCCEEDED: succeeded++; break;
		default: break;
		}
	}
	if (failed)
		return REL_FAILED;
	if (running)
		return REL_RUNNING;
	if (suspended)
		return REL_SUSPENDED;
	if (n > 0 && (size_t)succeeded == n)
		return REL_SUCCEEDED;
	return REL_PENDING;
}
