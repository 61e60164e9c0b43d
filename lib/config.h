/*
 * config.h - the state directory's settings (STATE/config).
 *
 * A plain text file, one setting per line, for people to edit:
 *
 *   # comments and blank lines are ignored
 *   remote = ssh://git@git.example.org/platform/releases.git
 *   lease = 60s
 *   sync_interval = 2s
 *   log_max = 16MiB
 *   contain = cgroup
 *
 * Spaces around '=' and at either end are ignored.  An unknown setting, a
 * setting given twice or a bad value is an error naming the file and
 * line: a typo must not silently leave a default in place.  A missing file
 * means every default.  The file is machine-local configuration: it is
 * never part of what a remote shares (see rel-store(5)).
 */
#ifndef REL_CONFIG_H
#define REL_CONFIG_H

#include <stddef.h>

#include "err.h"

#define REL_CONFIG_FILE "config"
#define REL_CONFIG_MAX (64 * 1024)       /* bytes of the file */
#define REL_REMOTE_MAX 2048

#define REL_LEASE_DEFAULT_MS 60000L
#define REL_SYNC_INTERVAL_DEFAULT_MS 2000L
#define REL_LOG_MAX_DEFAULT (16LL * 1024 * 1024)

/* Bounds: what is outside them is a typo, not a choice. */
#define REL_LEASE_MIN_MS 1000L           /* tests use 3s */
#define REL_LEASE_MAX_MS (86400L * 1000)
#define REL_SYNC_INTERVAL_MIN_MS 50L
#define REL_LOG_MAX_MIN 4096LL
#define REL_LOG_MAX_MAX (1LL << 40)

struct rel_config {
	char remote[REL_REMOTE_MAX];     /* "" when there is none */
	long lease_ms;
	long sync_interval_ms;           /* < lease_ms */
	long long log_max;               /* bytes of a compressed step log */
	int contain_pgroup;              /* contain = pgroup: no cgroups */
};

void rel_config_defaults(struct rel_config *c);

/* Parse the bytes of a config file; path names it in messages.  On error
 * *c holds the defaults. */
int rel_config_parse(const char *path, const char *data, size_t len,
    struct rel_config *c, struct rel_err *err);

/* Read STATE/config from the state directory fd (root is its path, for
 * messages).  dirfd -1 (no state directory yet) or no file: defaults. */
int rel_config_load(int dirfd, const char *root, struct rel_config *c,
    struct rel_err *err);

/* Set key to value in STATE/config, keeping every other line (comments
 * included) as it is, atomically and durably.  The result must parse: a
 * bad value is refused and the file left alone.  value NULL removes the
 * setting. */
int rel_config_set(int dirfd, const char *root, const char *key,
    const char *value, struct rel_err *err);

/* Durations with milliseconds: what rel_duration_parse takes (30s, 1h30m)
 * plus "ms" as the smallest unit (200ms, 1s500ms).  Into *ms. */
int rel_duration_ms_parse(const char *what, const char *s, long *ms,
    struct rel_err *err);

/* Sizes: a number of bytes with an optional unit k, M, G (powers of 1024,
 * also written KiB, MiB, GiB): 4096, 512k, 16MiB. */
int rel_size_parse(const char *what, const char *s, long long *bytes,
    struct rel_err *err);

#endif
