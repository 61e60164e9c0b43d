/*
 * cgroup.c - see cgroup.h.  Linux only; elsewhere every call says no.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "io.h"

/* Read a small file of /proc or of a cgroup (at most n - 1 bytes). */
static ssize_t
slurp(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t r;

	if (fd < 0)
		return -1;
	while (len + 1 < n && ((r = read(fd, buf + len, n - 1 - len)) > 0 ||
	    (r < 0 && errno == EINTR)))
		if (r > 0)
			len += (size_t)r;
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

/* The mount point of the cgroup2 hierarchy and the root it shows
 * (/proc/self/mountinfo: ID PARENT DEV ROOT MOUNTPOINT ... - TYPE ...). */
static int
mount_of_cgroup2(char *mnt, size_t mn, char *root, size_t rn)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof line, f)) {
		char *sep = strstr(line, " - "), *fld[5], *save = NULL;
		int i = 0;

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		*sep = '\0';
		for (char *t = strtok_r(line, " ", &save); t && i < 5;
		    t = strtok_r(NULL, " ", &save))
			fld[i++] = t;
		/* Escaped names (\040 for a space) are not ours to guess. */
		if (i < 5 || strchr(fld[3], '\\') || strchr(fld[4], '\\'))
			continue;
		snprintf(mnt, mn, "%s", fld[4]);
		snprintf(root, rn, "%s", fld[3]);
		found = 1;
	}
	fclose(f);
	return found ? 0 : -1;
}

int
rel_cgroup_base(char *out, size_t n)
{
	char buf[4096], mnt[1024], root[1024], path[REL_CGROUP_MAX], *p, *nl;
	size_t rl;

	out[0] = '\0';
	if (slurp("/proc/self/cgroup", buf, sizeof buf) <= 0 ||
	    mount_of_cgroup2(mnt, sizeof mnt, root, sizeof root) != 0)
		return -1;
	/* The unified hierarchy's line: "0::/PATH". */
	if (!strncmp(buf, "0::", 3))
		p = buf + 3;
	else if ((p = strstr(buf, "\n0::")))
		p += 4;
	else
		return -1;
	if ((nl = strchr(p, '\n')))
		*nl = '\0';
	/* Seen from a mount of a sub-tree, the path is below its root. */
	rl = strlen(root);
	if (strcmp(root, "/")) {
		if (strncmp(p, root, rl) || (p[rl] && p[rl] != '/'))
			return -1;
		p += rl;
	}
	if (strstr(p, "/..") || strpbrk(p, " \t\\") ||
	    snprintf(path, sizeof path, "%s%s", mnt,
	    strcmp(p, "/") ? p : "") >= (int)sizeof path)
		return -1;
	/* Ours to use: we may make cgroups there and move ourselves out and
	 * back (cgroup.procs of the common parent, this one). */
	snprintf(buf, sizeof buf, "%s/cgroup.procs", path);
	if (access(path, W_OK) != 0 || access(buf, W_OK) != 0)
		return -1;
	if (snprintf(out, n, "%s", path) >= (int)n) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int
rel_cgroup_make(const char *base, const char *name, char *out, size_t n)
{
	if (!*base || strchr(name, '/') ||
	    snprintf(out, n, "%s/%s", base, name) >= (int)n) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mkdir(out, 0755) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int
write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t r;
	size_t len = strlen(s);

	if (fd < 0)
		return -1;
	while ((r = write(fd, s, len)) < 0 && errno == EINTR)
		;
	if (close(fd) != 0 || r != (ssize_t)len)
		return -1;
	return 0;
}

int
rel_cgroup_enter(const char *dir)
{
	char path[REL_CGROUP_MAX + 16];

	snprintf(path, sizeof path, "%s/cgroup.procs", dir);
	/* "0" is the writer itself. */
	return write_str(path, "0");
}

int
rel_cgroup_procs(const char *dir, pid_t *v, size_t max)
{
	char path[REL_CGROUP_MAX + 16], *buf, *p, *end;
	size_t cap = 65536;
	int n = 0;

	snprintf(path, sizeof path, "%s/cgroup.procs", dir);
	if (!(buf = malloc(cap)))
		return -1;
	if (slurp(path, buf, cap) < 0) {
		free(buf);
		return -1;
	}
	for (p = buf; *p && (size_t)n < max; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (pid > 1)
			v[n++] = (pid_t)pid;
		while (*end == '\n')
			end++;
	}
	free(buf);
	return n;
}

int
rel_cgroup_remove(const char *dir)
{
	if (rmdir(dir) == 0 || errno == ENOENT)
		return 0;
	return -1;
}

int
rel_cgroup_name_ok(const char *dir)
{
	const char *last = strrchr(dir, '/');

	return dir[0] == '/' && last && !strncmp(last, "/rel.", 5) &&
	    !strstr(dir, "/../") && !strstr(dir, "/./") &&
	    strlen(dir) < REL_CGROUP_MAX && !strpbrk(dir, " \t\n\\");
}
