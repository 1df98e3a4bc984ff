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
	files_unlink(ERA_DIR, 0, 4 * ERA_FILES);
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
 * What the cache named e->name holds: its objects in use. A removed
 * memcg's empty cache is shut down at once (kmemcg_cache_shutdown), so
 * only a cache with live objects must outlive its cgroup; -1 when the
 * kernel does not show the count.
 */
static long era_cache_objects(const char *name)
{
	char cache[NAME_LEN + 16];

	snprintf(cache, sizeof(cache), "dentry/cgroup/%s", name);
	return slab_attr(cache, "objects");
}

/*
 * Round 0: cgroup rig_era makes dentries and is removed with them alive,
 * so its cache lives on, reparented, and the memcg itself must be freed
 * (5.3 on). Round 1: a new rig_era must get a cache of its own beside the
 * old one, under a name of its own (patch 12 of the series). A memcg's
 * cache is made asynchronously on its first allocation, which goes to the
 * root's cache meanwhile: poll for the cache, then make a second batch of
 * dentries, which lands in it, so that it outlives the cgroup.
 */
int test_slab_memcg_cache_names(void)
{
	char p[CG_PATH_MAX] = "", c[CG_PATH_MAX] = "", first[NAME_LEN] = "";
	struct era_caches e = { NULL };
	int round, batch, bad = 0, era = era_per_memcg_caches();
	long objects = 0;

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
		batch = 2 * round;
		if (cg_create(c, p, "rig_era") || cg_run(c, era_files, &batch)) {
			bad = 1;
			break;
		}
		if (poll_until(era_caches_read, &e, WAIT_MS)) {
			ktap_fail("dentry-cache-count", "round %d: expected %d dentry caches named for cgroup rig_era under /sys/kernel/slab/dentry/cgroup%s%s, found %d (see the kernel log for a duplicate sysfs name)",
				  round, round + 1, round ? " beside the removed one's " : "",
				  first, e.n);
			bad = 1;
			break;
		}
		batch++;
		if (cg_run(c, era_files, &batch)) {
			bad = 1;
			break;
		}
		objects = era_cache_objects(e.name);
		ktap_diag("round %d: cgroup rig_era's cache: %s, %ld objects in use",
			  round, e.name, objects);
		if (objects <= 0) {
			ktap_fail("dentry-cache-empty", "round %d: expected cache %s to hold some of %d dentries made in cgroup rig_era after the cache appeared, /sys/kernel/slab/dentry/cgroup/%s/objects reads %ld",
				  round, e.name, ERA_FILES, e.name, objects);
			bad = 1;
		}
		if (!round)
			snprintf(first, NAME_LEN, "%s", e.name);
		/* freed, hands off (its caches hold the parent now) */
		if (cg_destroy(c) || cg_wait_gone(p, "rmdir rig_era"))
			bad = 1;
	}
	era_cleanup();
	cg_destroy(p);
	return bad ? KSFT_FAIL : KSFT_PASS;
}
