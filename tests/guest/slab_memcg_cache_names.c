// SPDX-License-Identifier: GPL-2.0
/*
 * Kernels before 5.9 had per-memcg caches under
 * /sys/kernel/slab/<cache>/cgroup/, named after their cgroup; a cgroup
 * removed while its objects live keeps its cache (reparented), and a new
 * cgroup of the same name must get a cache of its own beside it (patch 12
 * of the series). Newer kernels have none: SKIP. The era is the kernel's
 * own: era_per_memcg_caches() (lib/era.c).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/era.h"
#include "lib/files.h"
#include "lib/slab.h"
#include "lib/wait.h"
#include "suite.h"

#define ERA_DIR		"/tmp/rig_era"
#define ERA_FILES	64

static int era_files(void *arg)
{
	return files_make(ERA_DIR, *(int *)arg * ERA_FILES, ERA_FILES) ? 1 : 0;
}

static void era_cleanup(void)
{
	files_unlink(ERA_DIR, 0, 2 * ERA_FILES);
	rmdir(ERA_DIR);
}

/*
 * The per-memcg dentry caches named after cgroup "rig_era", e.g.
 * "dentry(5:rig_era)": how many, and the name of one that is not skip.
 */
struct era_caches {
	const char *skip;
	char name[NAME_LEN];
	int n;
};

static bool era_caches_read(void *arg)
{
	DIR *dir = opendir("/sys/kernel/slab/dentry/cgroup");
	struct era_caches *e = arg;
	struct dirent *d;

	e->n = 0;
	while (dir && (d = readdir(dir))) {
		if (!strstr(d->d_name, ":rig_era)"))
			continue;
		e->n++;
		if ((!e->skip || strcmp(e->skip, d->d_name)) &&
		    strlen(d->d_name) < NAME_LEN)
			snprintf(e->name, NAME_LEN, "%s", d->d_name);
	}
	if (dir)
		closedir(dir);
	return e->n == (e->skip ? 2 : 1);
}

/*
 * Round 0: cgroup rig_era makes dentries and is removed with them alive,
 * so its cache lives on, reparented, and the memcg itself must be freed
 * (5.3 on), which frees its css id. Round 1: a new rig_era, which gets
 * that id again, must get a cache of its own beside the old one.
 * Caches are made asynchronously on a memcg's first allocation: poll.
 */
int test_slab_memcg_cache_names(void)
{
	char p[CG_PATH_MAX] = "", c[CG_PATH_MAX] = "", first[NAME_LEN] = "";
	struct era_caches e = { NULL };
	int round, bad = 0, era = era_per_memcg_caches();

	if (era < 0)
		return KSFT_FAIL;
	if (!era) {
		test_reason("no per-memcg caches on this kernel (obj_cgroup, 5.9 on): nothing to name");
		return KSFT_SKIP;
	}
	if (cg_create(p, cg_root, "rig_era_names") || cg_enable_memory(p))
		return KSFT_FAIL;
	mkdir(ERA_DIR, 0755);
	for (round = 0; round < 2 && !bad; round++) {
		e.skip = round ? first : NULL;
		if (cg_create(c, p, "rig_era") ||
		    cg_run(c, era_files, &round)) {
			bad = 1;
			break;
		}
		if (poll_until(era_caches_read, &e, WAIT_MS)) {
			ktap_fail("dentry-cache-count", "round %d: expected %d dentry caches named for cgroup rig_era under /sys/kernel/slab/dentry/cgroup%s%s, found %d (see the kernel log for a duplicate sysfs name)",
				  round, round + 1, round ? " beside the removed one's " : "",
				  first, e.n);
			bad = 1;
		}
		ktap_diag("round %d: cgroup rig_era's cache: %s", round, e.name);
		if (!round)
			snprintf(first, NAME_LEN, "%s", e.name);
		/* freed, hands off (its caches hold the parent now): its id is free */
		if (cg_destroy(c) || cg_wait_gone(p, "rmdir rig_era"))
			bad = 1;
	}
	era_cleanup();
	cg_destroy(p);
	return bad ? KSFT_FAIL : KSFT_PASS;
}
