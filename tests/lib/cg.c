// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cg.h"
#include "ktap.h"

const char *cg_root = "/sys/fs/cgroup";

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
int cg_destroy(const char *cg)
{
	long deadline = now_ms() + 5000;

	if (!*cg)
		return 0;
	while (rmdir(cg)) {
		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY || now_ms() > deadline) {
			ktap_diag("rmdir %s: %m", cg);
			return -1;
		}
		sleep_ms(10);
	}
	return 0;
}

bool cg_is_v2(void)
{
	char path[CG_PATH_MAX];

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

int cg_read(const char *cg, const char *file, char *buf, size_t len)
{
	char path[CG_PATH_MAX * 2];
	ssize_t n, total = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	while ((size_t)total < len - 1) {
		n = read(fd, buf + total, len - 1 - total);
		if (n <= 0)
			break;
		total += n;
	}
	close(fd);
	buf[total] = '\0';
	return 0;
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

long cg_read_long(const char *cg, const char *file)
{
	char buf[64];

	if (cg_read(cg, file, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

/* The value of "key value" in a flat-keyed file; -1 when absent. */
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
			return strtol(line + klen + 1, NULL, 10);
	}
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

long cg_stat(const char *cg, const char *key)
{
	cg_flush(cg);
	return cg_read_key(cg, "memory.stat", key);
}

long cg_slab(const char *cg)
{
	cg_flush(cg);
	return cg_read_key(cg, "memory.stat", "slab_reclaimable") +
	       cg_read_key(cg, "memory.stat", "slab_unreclaimable");
}

long cg_dying(const char *cg)
{
	return cg_read_key(cg, "cgroup.stat", "nr_dying_descendants");
}

static int kick_cpu(void *arg)
{
	long len = 4 * page_size();
	int cpu = *(int *)arg;
	cpu_set_t set;
	char *p;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return 1;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	memset(p, 1, len);
	return 0;
}

/*
 * A CPU's memcg stock keeps a css reference to the last memcg charged
 * there; drain_all_stock() at offline skips CPUs when another drain is
 * running, so an idle CPU can keep a removed memcg dying for ever. A
 * charge from another memcg on every CPU replaces it. The kicking cgroup
 * is never removed, so it cannot become such a memcg itself.
 */
void cg_kick_stocks(void)
{
	char kick[CG_PATH_MAX];
	int cpu;

	snprintf(kick, sizeof(kick), "%s/rig_stock_kick", cg_root);
	mkdir(kick, 0755);
	for (cpu = 0; cpu < nr_cpus(); cpu++)
		cg_run(kick, kick_cpu, &cpu);
}

/*
 * A removed memcg is freed asynchronously (RCU, then a workqueue), and
 * only once no CPU's stock holds it: poll until released() says so,
 * kicking the stocks every half second.
 */
int cg_wait_released(bool (*released)(const void *arg), const void *arg,
		     int timeout_ms)
{
	long start = now_ms(), kicked = start;

	while (!released(arg)) {
		if (now_ms() > start + timeout_ms)
			return -1;
		if (now_ms() - kicked > 500) {
			cg_kick_stocks();
			kicked = now_ms();
		}
		sleep_ms(20);
	}
	return 0;
}

static bool no_dying(const void *cg)
{
	return cg_dying(cg) <= 0;
}

int cg_wait_no_dying(const char *cg, int timeout_ms)
{
	return cg_wait_released(no_dying, cg, timeout_ms);
}

long cg_stock_tol(void)
{
	return CG_STOCK_PAGES * nr_cpus() * page_size();
}

/*
 * memory.current back at base, give or take the per-CPU stocks. Freed
 * inodes and dentries leave after an RCU grace period, and their pages
 * when the last object of a slab goes: poll, with a deadline. Returns
 * the last value read.
 */
long cg_wait_current(const char *cg, long base, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms, cur;

	for (;;) {
		cur = cg_read_long(cg, "memory.current");
		if (within(cur, base, cg_stock_tol()) || now_ms() > deadline)
			return cur;
		sleep_ms(50);
	}
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

long page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

int nr_cpus(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN);
}

long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

bool within(long measured, long expected, long tolerance)
{
	return labs(measured - expected) <= tolerance;
}
