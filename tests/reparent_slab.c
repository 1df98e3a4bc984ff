// SPDX-License-Identifier: GPL-2.0
/*
 * reparent_slab: slab objects made in child C outlive C. Their charge must
 * show in C while it lives, stay in parent P when C is removed, leave P
 * when the objects are freed, and C must not stay dying.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "suite.h"

#define DIR_PATH	"/tmp/rig_reparent_slab"
/*
 * Stats are byte-exact once flushed; 1% covers objects the worker's own
 * life (filp, task bits) charges or frees around the files.
 */
#define SLAB_TOL_PCT	1
/*
 * memory.current includes pre-charges in per-CPU stocks:
 * MEMCG_CHARGE_BATCH (64) pages per CPU.
 */
#define STOCK_PAGES	64

struct files {
	int n;
};

static int make_files(void *arg)
{
	struct files *f = arg;
	char path[64];
	int i, fd;

	for (i = 0; i < f->n; i++) {
		snprintf(path, sizeof(path), DIR_PATH "/f%d", i);
		fd = open(path, O_CREAT | O_WRONLY, 0600);
		if (fd < 0)
			return 1;
		close(fd);
	}
	return 0;
}

static void unlink_files(int n)
{
	char path[64];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), DIR_PATH "/f%d", i);
		unlink(path);
	}
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

int test_reparent_slab(void)
{
	char p[CG_PATH_MAX] = "", c[CG_PATH_MAX] = "";
	long inode = obj_charge("shmem_inode_cache");
	long dentry = obj_charge("dentry");
	long expected, tol, base, c0, c1, p1, p2, p3, cur, cur_tol;
	struct files f = { 20000 };
	int ret = KSFT_FAIL;

	if (getenv("RIG_NR_FILES"))
		f.n = atoi(getenv("RIG_NR_FILES"));
	if (cg_read_key(cg_root, "memory.stat", "slab_reclaimable") < 0 &&
	    access("/sys/fs/cgroup/cgroup.controllers", F_OK)) {
		test_reason("cgroup v1: memory.stat has no slab counters");
		return KSFT_SKIP;
	}
	if (inode < 0 || dentry < 0) {
		ktap_fail("no slab_size for shmem_inode_cache or dentry in /sys/kernel/slab");
		return KSFT_FAIL;
	}
	expected = f.n * (inode + dentry);
	tol = expected * SLAB_TOL_PCT / 100;
	cur_tol = STOCK_PAGES * nr_cpus() * page_size();
	ktap_diag("%d files x (%ld + %ld) B = %ld B expected, +-%ld B",
		  f.n, inode, dentry, expected, tol);

	if (mkdir(DIR_PATH, 0755) || cg_create(p, cg_root, "rig_reparent_slab") ||
	    cg_enable_memory(p))
		goto out;
	base = cg_read_long(p, "memory.current");
	if (cg_create(c, p, "child"))
		goto out;
	c0 = cg_slab(c);
	if (cg_run(c, make_files, &f)) {
		ktap_fail("worker in %s could not create %d files in " DIR_PATH,
			  c, f.n);
		goto out;
	}
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

	unlink_files(f.n);
	p3 = wait_slab_drop(p, p2, expected, tol);
	if (!within(p2 - p3, expected, tol)) {
		ktap_fail("P's slab dropped by %ld B after unlink, expected %ld B +-%ld",
			  p2 - p3, expected, tol);
		goto out;
	}
	cur = cg_read_long(p, "memory.current");
	if (!within(cur, base, cur_tol)) {
		ktap_fail("P's memory.current is %ld B at the end, expected baseline %ld B +-%ld (%d pages x %d CPUs)",
			  cur, base, cur_tol, STOCK_PAGES, nr_cpus());
		goto out;
	}
	ktap_diag("C +%ld B; P kept %ld B after rmdir; P -%ld B after unlink",
		  c1 - c0, p2, p2 - p3);
	ret = KSFT_PASS;
out:
	unlink_files(f.n);
	rmdir(DIR_PATH);
	cg_destroy(c);
	cg_destroy(p);
	return ret;
}
