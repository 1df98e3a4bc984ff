// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cg.h"
#include "ktap.h"
#include "poll.h"

const char *cg_mount = "/sys/fs/cgroup";
const char *cg_root = "/sys/fs/cgroup";

int cg_base(void)
{
	static char base[CG_PATH_MAX];

	snprintf(base, sizeof(base), "%s/%s", cg_mount, RIG_BASE);
	if (mkdir(base, 0755) && errno != EEXIST) {
		ktap_diag("cannot make the rig's cgroup %s: %m", base);
		return -1;
	}
	cg_root = base;
	return cg_enable_memory(base);
}

int cg_create(char *path, const char *parent, const char *name)
{
	snprintf(path, CG_PATH_MAX, "%s/%s", parent, name);
	if (mkdir(path, 0755) && errno != EEXIST) {
		ktap_diag("mkdir %s: %m", path);
		return -1;
	}
	return 0;
}

/* rmdir right after the last task was reaped can still see it: retry. */
static bool removed(void *cg)
{
	errno = 0;
	return !rmdir(cg) || errno != EBUSY;
}

const char *cg_rel(const char *path)
{
	return path + strlen(cg_mount) + 1;
}

int cg_destroy(const char *cg)
{
	if (!*cg)
		return 0;
	poll_until(removed, (void *)cg, WAIT_MS);
	if (errno && errno != ENOENT) {
		ktap_diag("rmdir %s: %m", cg);
		return -1;
	}
	return 0;
}

bool cg_is_v2(void)
{
	char path[CG_PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/cgroup.controllers", cg_root);
	return !access(path, F_OK);
}

/* v1 hierarchies have every controller in every cgroup already. */
int cg_enable_memory(const char *cg)
{
	if (!cg_is_v2())
		return 0;
	return cg_write(cg, "cgroup.subtree_control", "+memory");
}

int cg_disable_memory(const char *cg)
{
	if (!cg_is_v2())
		return 0;
	return cg_write(cg, "cgroup.subtree_control", "-memory");
}

/*
 * The whole file, or -1 with errno: a file that cannot be opened, a read()
 * that fails, an empty file (ENODATA: no cgroup or sysfs file the rig
 * reads is ever empty) or one that does not fit in buf (EOVERFLOW). A
 * figure must never come from a read that went wrong.
 */
int cg_read(const char *cg, const char *file, char *buf, size_t len)
{
	char path[CG_PATH_MAX * 2];
	ssize_t n = 1, total = 0;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	buf[0] = '\0';
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	while (n > 0 && (size_t)total < len - 1) {
		n = read(fd, buf + total, len - 1 - total);
		if (n > 0)
			total += n;
	}
	if (n < 0)
		err = errno;
	else if (!total)
		err = ENODATA;
	else if (n > 0 && read(fd, &buf[total], 1) > 0)
		err = EOVERFLOW;
	close(fd);
	buf[total] = '\0';
	errno = err;
	return err ? -1 : 0;
}

int cg_write(const char *cg, const char *file, const char *val)
{
	char path[CG_PATH_MAX * 2];
	ssize_t len = strlen(val);
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, val, len) != len) {
		ktap_diag("write '%s' to %s: %m", val, path);
		ret = -1;
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

/* A decimal number that ends the line or a field; -1 (EINVAL) otherwise. */
static long parse_long(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || (*end && *end != '\n' && *end != ' ')) {
		errno = errno ? errno : EINVAL;
		return -1;
	}
	return v;
}

long cg_read_long(const char *cg, const char *file)
{
	char buf[64];

	if (cg_read(cg, file, buf, sizeof(buf)))
		return -1;
	return parse_long(buf);
}

/* The value of "key value" in a flat-keyed file; -1 (ENOMSG) when absent. */
long cg_read_key(const char *cg, const char *file, const char *key)
{
	static char buf[16384];
	size_t klen = strlen(key);
	char *line;

	if (cg_read(cg, file, buf, sizeof(buf)))
		return -1;
	for (line = buf; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, key, klen) && line[klen] == ' ')
			return parse_long(line + klen + 1);
	}
	errno = ENOMSG;
	return -1;
}

/*
 * Node node's figure of key in memory.numa_stat ("key N0=v N1=v"); -1
 * (ENOMSG) when the key or the node is absent.
 */
long cg_read_node(const char *cg, const char *key, int node)
{
	static char buf[16384];
	size_t klen = strlen(key);
	char *line, *end, want[16];

	if (cg_read(cg, "memory.numa_stat", buf, sizeof(buf)))
		return -1;
	snprintf(want, sizeof(want), " N%d=", node);
	for (line = buf; line && *line; line = end) {
		end = strchr(line, '\n');
		if (end)
			*end++ = '\0';
		if (strncmp(line, key, klen) || line[klen] != ' ')
			continue;
		line = strstr(line + klen, want);
		if (line)
			return parse_long(line + strlen(want));
		break;
	}
	errno = ENOMSG;
	return -1;
}

/*
 * memory.stat is flushed on read only past a threshold; reading cpu.stat
 * flushes the whole rstat subtree, so the next memory.stat is exact.
 */
void cg_flush(const char *cg)
{
	char buf[1024];

	cg_read(cg, "cpu.stat", buf, sizeof(buf));
}

int cg_get_node(const char *cg, const char *key, int node, long *val)
{
	*val = cg_read_node(cg, key, node);
	if (*val < 0) {
		ktap_fail("numa-stat", "cannot read '%s N%d' from %s/memory.numa_stat: %s",
			  key, node, cg, errno == ENOMSG ? "no such key or node" :
			  strerror(errno));
		return -1;
	}
	return 0;
}

int cg_get(const char *cg, const char *file, const char *key, long *val)
{
	*val = key ? cg_read_key(cg, file, key) : cg_read_long(cg, file);
	if (*val < 0) {
		ktap_fail("read", "cannot read %s%s%s%s/%s: %s", key ? "'" : "",
			  key ? key : "", key ? "' from " : "", cg, file,
			  errno == ENOMSG ? "no such key" : strerror(errno));
		return -1;
	}
	return 0;
}

/* cg's count of an event: v2 memory.events, v1 its own files. */
int cg_event(const char *cg, const char *name, long *n)
{
	if (cg_is_v2())
		return cg_get(cg, "memory.events", name, n);
	if (!strcmp(name, "max"))
		return cg_get(cg, "memory.failcnt", NULL, n);
	return cg_get(cg, "memory.oom_control", name, n);
}

int cg_set_limit(const char *cg, const char *limit, long bytes)
{
	char val[32];

	if (bytes < 0)
		snprintf(val, sizeof(val), "%s", cg_is_v2() ? "max" : "-1");
	else
		snprintf(val, sizeof(val), "%ld", bytes);
	return cg_write(cg, cg_is_v2() ? limit : "memory.limit_in_bytes", val);
}

/* num_cgroups of the memory hierarchy in /proc/cgroups, dying ones included. */
static long v1_memory_cgroups(void)
{
	char line[256], name[64];
	long hier, num = -1;
	FILE *f = fopen("/proc/cgroups", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld %ld", name, &hier, &num) == 3 &&
		    !strcmp(name, "memory"))
			break;
	if (f)
		fclose(f);
	return num;
}

/* The cgroup directories under dir, dir included. */
static long live_cgroups(const char *dir)
{
	char path[CG_PATH_MAX * 2];
	struct dirent *d;
	long n = 1;
	DIR *dp = opendir(dir);

	if (!dp)
		return -1;
	while ((d = readdir(dp))) {
		if (d->d_type != DT_DIR || d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		n += live_cgroups(path);
	}
	closedir(dp);
	return n;
}

long cg_dying(const char *cg)
{
	long all, live;

	if (cg_is_v2()) {
		all = cg_read_key(cg, "cgroup.stat", "nr_dying_descendants");
		if (all < 0)
			ktap_diag("cannot read nr_dying_descendants from %s/cgroup.stat: %m",
				  cg);
		return all;
	}
	all = v1_memory_cgroups();
	live = live_cgroups(cg_mount);
	if (all < 0 || live < 0) {
		ktap_diag("cannot count memory cgroups (/proc/cgroups: %ld, under %s: %ld)",
			  all, cg_mount, live);
		return -1;
	}
	return all - live;
}

long cg_stock_bytes(void)
{
	return CG_STOCK_PAGES * nr_cpus() * page_size();
}

/* Start fn in a child process that first moves itself into cg. */
pid_t cg_spawn(const char *cg, int (*fn)(void *arg), void *arg)
{
	char pid[32];
	pid_t child;

	fflush(stdout);
	child = fork();
	if (child == 0) {
		snprintf(pid, sizeof(pid), "%d", getpid());
		if (cg_write(cg, "cgroup.procs", pid))
			_exit(127);
		_exit(fn(arg));
	}
	return child;
}

/*
 * Reap a worker: when this returns, the worker is gone and its charges
 * are all that is left of it. Returns fn's return value, or -1 if the
 * child did not exit.
 */
int cg_reap(pid_t child)
{
	int status = 0;

	if (child < 0 || waitpid(child, &status, 0) != child ||
	    !WIFEXITED(status)) {
		ktap_diag("worker %d did not exit normally (status %#x)",
			  child, status);
		return -1;
	}
	return WEXITSTATUS(status);
}

int cg_run(const char *cg, int (*fn)(void *arg), void *arg)
{
	return cg_reap(cg_spawn(cg, fn, arg));
}

long slab_attr(const char *cache, const char *attr)
{
	char dir[CG_PATH_MAX * 2];

	snprintf(dir, sizeof(dir), "/sys/kernel/slab/%s", cache);
	return cg_read_long(dir, attr);
}

/* What one object costs its memcg: obj_full_size() in mm/memcontrol.c. */
long obj_charge(const char *cache)
{
	long size = slab_attr(cache, "slab_size");

	return size < 0 ? -1 : size + (long)sizeof(void *);
}

/* N of a <prefix><N> cache name (N or Nk), or -1 when name is no such cache. */
static long bucket_size(const char *name, const char *prefix)
{
	long n, plen = strlen(prefix);
	char *end;

	if (strncmp(name, prefix, plen))
		return -1;
	n = strtol(name + plen, &end, 10);
	if (*end == 'k')
		n *= 1024, end++;
	return *end || end == name + plen ? -1 : n;
}

/*
 * The <prefix><N> cache (kmalloc-cg-, msg_msg-) that SLUB shows with the
 * smallest N of at least size (size 0, largest: the largest N); -1 when
 * there is none.
 */
static long bucket_find(const char *prefix, long size, int largest,
			char *name)
{
	DIR *dir = opendir("/sys/kernel/slab");
	long best = 0, n;
	struct dirent *d;

	while (dir && (d = readdir(dir))) {
		n = bucket_size(d->d_name, prefix);
		if (n < size || (best && (largest ? n <= best : n >= best)))
			continue;
		best = n;
		if (name)
			snprintf(name, CG_CACHE_NAME, "%s", d->d_name);
	}
	if (dir)
		closedir(dir);
	return best ? best : -1;
}

int bucket_cache(const char *prefix, long size, char *name)
{
	return bucket_find(prefix, size, 0, name) < 0 ? -1 : 0;
}

long bucket_largest(const char *prefix)
{
	return bucket_find(prefix, 0, 1, NULL);
}

long bucket_charge(const char *prefix, long size)
{
	char name[CG_CACHE_NAME];

	return bucket_cache(prefix, size, name) ? -1 : obj_charge(name);
}

long page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

int nr_cpus(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN);
}

int nr_cpus_possible(void)
{
	return sysconf(_SC_NPROCESSORS_CONF);
}

bool cpu_online(int cpu)
{
	char dir[64], buf[8];
	struct stat st;

	snprintf(dir, sizeof(dir), "/sys/devices/system/cpu/cpu%d", cpu);
	if (stat(dir, &st))
		return false;
	/* CPU 0 cannot go offline and has no online file */
	return cg_read(dir, "online", buf, sizeof(buf)) || buf[0] == '1';
}

int cpu_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

int cpu_unpin(void)
{
	cpu_set_t set;
	int cpu;

	CPU_ZERO(&set);
	for (cpu = 0; cpu < nr_cpus_possible(); cpu++)
		CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

int nr_nodes(void)
{
	char path[64];
	int n;

	for (n = 0; n < 1024; n++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d",
			 n);
		if (access(path, F_OK))
			break;
	}
	return n ? n : 1;
}

int node_cpu(int node)
{
	char path[64], buf[64], *end;
	int fd, len, cpu;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist",
		 node);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	cpu = strtol(buf, &end, 10);
	return end == buf ? -1 : cpu;
}

bool within(long measured, long expected, long tolerance)
{
	return labs(measured - expected) <= tolerance;
}

int cpu_set_online(int cpu, int online)
{
	char dir[64];

	snprintf(dir, sizeof(dir), "/sys/devices/system/cpu/cpu%d", cpu);
	return cg_write(dir, "online", online ? "1" : "0");
}
