// SPDX-License-Identifier: GPL-2.0
/*
 * reparent_slab: slab objects made in child C outlive C. Their charge must
 * show in C while it lives, stay in parent P when C is removed, leave P
 * when the objects are freed, and C must not stay dying.
 *
 * reparent_slab_smp: the same with one worker pinned to each CPU, so that
 * when C is removed its charges sit in every CPU's stock.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/files.h"
#include "suite.h"

#define DIR_PATH	"/tmp/rig_reparent_slab"
#define MAX_WORKERS	256
/*
 * Stats are byte-exact once flushed; 1% covers objects the workers' own
 * lives (filp, task bits) charge or free around the files. Per CPU, up to
 * a page of object bytes can sit in the stock and another in the objcg's
 * nr_charged_bytes.
 */
#define SLAB_TOL_PCT	1
#define STOCK_BYTE_PAGES	2

struct files {
	int first;
	int n;
	int cpu;	/* pin the worker here; -1: anywhere */
};

static int make_files(void *arg)
{
	struct files *f = arg;
	cpu_set_t set;

	if (f->cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(f->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			return 2;
	}
	return files_make(DIR_PATH, f->first, f->n) ? 1 : 0;
}

/* n files made in cg by the given number of workers, all reaped. */
static int fill(const char *cg, int n, int workers)
{
	struct files f[MAX_WORKERS];
	pid_t pid[MAX_WORKERS];
	int i, bad = 0;

	for (i = 0; i < workers; i++) {
		f[i].first = i * (n / workers);
		f[i].n = i == workers - 1 ? n - f[i].first : n / workers;
		f[i].cpu = workers > 1 ? i : -1;
		pid[i] = cg_spawn(cg, make_files, &f[i]);
	}
	for (i = 0; i < workers; i++)
		bad |= cg_reap(pid[i]) != 0;
	if (bad)
		ktap_fail("a worker in %s could not create its files in " DIR_PATH,
			  cg);
	return bad ? -1 : 0;
}

static void unlink_files(int n)
{
	files_unlink(DIR_PATH, 0, n);
}

/* Freed dentries and inodes go back through RCU: poll for the drop. */
static long wait_slab_drop(const char *cg, long from, long expected, long tol)
{
	long deadline = now_ms() + 10000, slab;

	for (;;) {
		slab = cg_slab(cg);
		if (within(from - slab, expected, tol) || now_ms() > deadline)
			return slab;
		sleep_ms(20);
	}
}

static int nr_files(void)
{
	return getenv("RIG_NR_FILES") ? atoi(getenv("RIG_NR_FILES")) : 20000;
}

static int reparent_files(const char *name, int n, int workers)
{
	char p[CG_PATH_MAX] = "", c[CG_PATH_MAX] = "";
	long inode = obj_charge("shmem_inode_cache");
	long dentry = obj_charge("dentry");
	long expected, tol, base, c0, c1, p1, p2, p3, cur;
	int ret = KSFT_FAIL;

	if (!cg_is_v2())
		return v2_only("slab counters in memory.stat");
	if (inode < 0 || dentry < 0) {
		ktap_fail("no slab_size for shmem_inode_cache or dentry in /sys/kernel/slab");
		return KSFT_FAIL;
	}
	expected = n * (inode + dentry);
	tol = expected * SLAB_TOL_PCT / 100 +
	      nr_cpus() * STOCK_BYTE_PAGES * page_size();
	ktap_diag("%d files x (%ld + %ld) B = %ld B expected, +-%ld B, %d workers",
		  n, inode, dentry, expected, tol, workers);

	if (mkdir(DIR_PATH, 0755) || cg_create(p, cg_root, name) ||
	    cg_enable_memory(p))
		goto out;
	base = cg_read_long(p, "memory.current");
	if (cg_create(c, p, "child"))
		goto out;
	c0 = cg_slab(c);
	if (fill(c, n, workers))
		goto out;
	c1 = cg_slab(c);
	p1 = cg_slab(p);
	if (!within(c1 - c0, expected, tol)) {
		ktap_fail("C's slab rose by %ld B, expected %ld B +-%ld",
			  c1 - c0, expected, tol);
		goto out;
	}

	if (cg_destroy(c))
		goto out;
	if (cg_wait_no_dying(p, 10000)) {
		ktap_fail("P's nr_dying_descendants is %ld 10 s after rmdir C, expected 0 (objects still exist)",
			  cg_dying(p));
		goto out;
	}
	p2 = cg_slab(p);
	if (!within(p2, p1, tol)) {
		ktap_fail("P's slab is %ld B after rmdir C, expected %ld B +-%ld (unchanged)",
			  p2, p1, tol);
		goto out;
	}

	unlink_files(n);
	p3 = wait_slab_drop(p, p2, expected, tol);
	if (!within(p2 - p3, expected, tol)) {
		ktap_fail("P's slab dropped by %ld B after unlink, expected %ld B +-%ld",
			  p2 - p3, expected, tol);
		goto out;
	}
	cur = cg_wait_current(p, base, 5000);
	if (!within(cur, base, cg_stock_tol())) {
		ktap_fail("P's memory.current is %ld B 5 s after the end, expected baseline %ld B +-%ld (%d pages x %d CPUs)",
			  cur, base, cg_stock_tol(), CG_STOCK_PAGES, nr_cpus());
		goto out;
	}
	ktap_diag("C +%ld B; P kept %ld B after rmdir; P -%ld B after unlink",
		  c1 - c0, p2, p2 - p3);
	ret = KSFT_PASS;
out:
	unlink_files(n);
	rmdir(DIR_PATH);
	cg_destroy(c);
	cg_destroy(p);
	return ret;
}

int test_reparent_slab(void)
{
	return reparent_files("rig_reparent_slab", nr_files(), 1);
}

int test_reparent_slab_smp(void)
{
	int cpus = nr_cpus();

	if (cpus < 2) {
		test_reason("%d CPU: nothing to add to reparent_slab", cpus);
		return KSFT_SKIP;
	}
	if (cpus > MAX_WORKERS)
		cpus = MAX_WORKERS;
	return reparent_files("rig_reparent_slab_smp", nr_files(), cpus);
}

/*
 * reparent_chain: objects made in grandchild G under C under P. Removing
 * G leaves their charge in C, removing C leaves it in P, and freeing
 * them at the end returns P to its baseline.
 */
static int chain_steps(char *p, char *c, char *g, int n)
{
	long inode = obj_charge("shmem_inode_cache");
	long dentry = obj_charge("dentry");
	long expected = n * (inode + dentry), tol, base, g0, c1, p1, v;

	tol = expected * SLAB_TOL_PCT / 100 +
	      nr_cpus() * STOCK_BYTE_PAGES * page_size();
	if (mkdir(DIR_PATH, 0755) || cg_create(p, cg_root, "rig_reparent_chain") ||
	    cg_enable_memory(p) || cg_create(c, p, "child") ||
	    cg_enable_memory(c))
		return -1;
	base = cg_read_long(p, "memory.current");
	if (cg_create(g, c, "grandchild"))
		return -1;
	g0 = cg_slab(g);
	if (fill(g, n, 1))
		return -1;
	v = cg_slab(g) - g0;
	c1 = cg_slab(c);
	p1 = cg_slab(p);
	if (!within(v, expected, tol)) {
		ktap_fail("G's slab rose by %ld B, expected %ld B +-%ld",
			  v, expected, tol);
		return -1;
	}
	if (cg_destroy(g) || cg_wait_no_dying(p, 10000)) {
		ktap_fail("G still dying 10 s after rmdir (P's nr_dying_descendants %ld)",
			  cg_dying(p));
		return -1;
	}
	v = cg_slab(c);
	if (!within(v, c1, tol)) {
		ktap_fail("C's slab is %ld B after rmdir G, expected %ld B +-%ld",
			  v, c1, tol);
		return -1;
	}
	if (cg_destroy(c) || cg_wait_no_dying(p, 10000)) {
		ktap_fail("C still dying 10 s after rmdir (P's nr_dying_descendants %ld)",
			  cg_dying(p));
		return -1;
	}
	v = cg_slab(p);
	if (!within(v, p1, tol)) {
		ktap_fail("P's slab is %ld B after rmdir C, expected %ld B +-%ld",
			  v, p1, tol);
		return -1;
	}
	unlink_files(n);
	v = v - wait_slab_drop(p, v, expected, tol);
	if (!within(v, expected, tol)) {
		ktap_fail("P's slab dropped by %ld B after unlink, expected %ld B +-%ld",
			  v, expected, tol);
		return -1;
	}
	v = cg_wait_current(p, base, 5000);
	if (!within(v, base, cg_stock_tol())) {
		ktap_fail("P's memory.current is %ld B 5 s after the end, expected baseline %ld B +-%ld",
			  v, base, cg_stock_tol());
		return -1;
	}
	ktap_diag("G +%ld B, kept by C after rmdir G, by P after rmdir C, freed from P",
		  expected);
	return 0;
}

int test_reparent_chain(void)
{
	char p[CG_PATH_MAX] = "", c[CG_PATH_MAX] = "", g[CG_PATH_MAX] = "";
	int n = nr_files() / 2, ret;

	if (!cg_is_v2())
		return v2_only("slab counters in memory.stat");

	ret = chain_steps(p, c, g, n);
	unlink_files(n);
	rmdir(DIR_PATH);
	cg_destroy(g);
	cg_destroy(c);
	cg_destroy(p);
	return ret ? KSFT_FAIL : KSFT_PASS;
}
