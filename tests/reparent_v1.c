// SPDX-License-Identifier: GPL-2.0
/*
 * reparent_v1: reparent_slab on a cgroup v1 memory hierarchy (boot with
 * CGROUP=v1). v1 has memory.kmem.usage_in_bytes, the kmem page_counter:
 * page-exact and without rstat delay, but no slab counters and no
 * cgroup.stat; a dying memcg shows in /proc/cgroups' num_cgroups until it
 * is freed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/files.h"
#include "suite.h"

#define DIR_PATH	"/tmp/rig_reparent_v1"
#define NR_FILES	20000

/* num_cgroups of the memory hierarchy, dying ones included. */
static long memory_cgroups(void)
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

static bool cgroups_back_to(const void *want)
{
	return memory_cgroups() == *(const long *)want;
}

static int wait_cgroups(long want)
{
	return cg_wait_released(cgroups_back_to, &want, 10000);
}

static int make_files(void *arg)
{
	(void)arg;
	return files_make(DIR_PATH, 0, NR_FILES) ? 1 : 0;
}

static void unlink_files(void)
{
	files_unlink(DIR_PATH, 0, NR_FILES);
	rmdir(DIR_PATH);
}

static long kmem_usage(const char *cg)
{
	return cg_read_long(cg, "memory.kmem.usage_in_bytes");
}

static int v1_steps(char *p, char *c)
{
	long expected = NR_FILES * (obj_charge("shmem_inode_cache") +
				    obj_charge("dentry"));
	/* Whole pages are charged: 1%, plus the per-CPU stocks' 64 pages. */
	long tol = expected / 100 + 64 * nr_cpus() * page_size();
	long n0 = memory_cgroups(), rise, p1, p2, p3, deadline;

	if (mkdir(DIR_PATH, 0755) || cg_create(p, cg_root, "rig_reparent_v1") ||
	    cg_create(c, p, "child"))
		return -1;
	rise = kmem_usage(c);
	if (cg_run(c, make_files, NULL))
		return -1;
	rise = kmem_usage(c) - rise;
	p1 = kmem_usage(p);
	if (!within(rise, expected, tol)) {
		ktap_fail("C's memory.kmem.usage_in_bytes rose by %ld B, expected %ld B +-%ld",
			  rise, expected, tol);
		return -1;
	}
	if (cg_destroy(c) || wait_cgroups(n0 + 1)) {
		ktap_fail("/proc/cgroups counts %ld memory cgroups 10 s after rmdir C, expected %ld",
			  memory_cgroups(), n0 + 1);
		return -1;
	}
	p2 = kmem_usage(p);
	if (!within(p2, p1, tol)) {
		ktap_fail("P's kmem is %ld B after rmdir C, expected %ld B +-%ld",
			  p2, p1, tol);
		return -1;
	}
	unlink_files();
	deadline = now_ms() + 10000;
	do {
		p3 = kmem_usage(p);
		if (within(p2 - p3, rise, tol))
			break;
		sleep_ms(20);
	} while (now_ms() < deadline);
	if (!within(p2 - p3, rise, tol)) {
		ktap_fail("P's kmem dropped by %ld B after unlink, expected %ld B +-%ld",
			  p2 - p3, rise, tol);
		return -1;
	}
	ktap_diag("kmem: C +%ld B, P kept it after rmdir, P -%ld B after unlink",
		  rise, p2 - p3);
	return 0;
}

int test_reparent_v1(void)
{
	char p[CG_PATH_MAX] = "", c[CG_PATH_MAX] = "";
	char probe[CG_PATH_MAX * 2];
	int ret;

	snprintf(probe, sizeof(probe), "%s/memory.kmem.usage_in_bytes", cg_root);
	if (access(probe, F_OK)) {
		test_reason("not a cgroup v1 memory hierarchy (boot with CGROUP=v1)");
		return KSFT_SKIP;
	}
	ret = v1_steps(p, c);
	unlink_files();
	cg_destroy(c);
	cg_destroy(p);
	return ret ? KSFT_FAIL : KSFT_PASS;
}
