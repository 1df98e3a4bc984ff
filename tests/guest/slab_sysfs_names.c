// SPDX-License-Identifier: GPL-2.0
/*
 * slab_sysfs_names: SLUB's names in /sys/kernel/slab stay unique and true.
 * Every cache in /proc/slabinfo resolves; every merged ":" directory's
 * name says what its own attributes say; no per-memcg caches exist; and
 * cgroup churn leaves the set of entries as it was.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/era.h"
#include "lib/slab.h"
#include "suite.h"

#define PATH_LEN	512
#define CHURN_CYCLES	100
#define CHURN_DIR	"/tmp/rig_slab_churn"

static struct slab_entries before, after;

/* Per-memcg caches (cgroup/ below a root cache) ended with 5.9. */
static int no_memcg_caches(const struct slab_entries *e)
{
	char path[PATH_LEN];
	struct stat st;
	int i, bad = 0;

	for (i = 0; i < e->n; i++) {
		if (e->e[i].target[0])
			continue;
		snprintf(path, sizeof(path), SLAB_DIR "/%s/cgroup",
			 e->e[i].name);
		if (!stat(path, &st)) {
			ktap_fail("memcg-cache-on-objcg-kernel", "%s exists on a kernel without per-memcg caches",
				  path);
			bad++;
		}
	}
	return bad;
}

static int churn_worker(void *arg)
{
	char path[64];
	int i, fd, fds[2];

	(void)arg;
	for (i = 0; i < 8; i++) {
		snprintf(path, sizeof(path), CHURN_DIR "/f%d", i);
		fd = open(path, O_CREAT | O_WRONLY, 0600);
		if (fd < 0)
			return 1;
		close(fd);
	}
	if (pipe(fds))
		return 1;
	close(fds[0]);
	close(fds[1]);
	return 0;
}

static int churn(const char *parent)
{
	char c[CG_PATH_MAX], path[64];
	int cycle, i;

	mkdir(CHURN_DIR, 0755);
	for (cycle = 0; cycle < CHURN_CYCLES; cycle++) {
		/* The same name every time: the case patch 12 fixed. */
		if (cg_create(c, parent, "churn") || cg_run(c, churn_worker, NULL) ||
		    cg_destroy(c)) {
			ktap_fail("cgroup-cycle", "cgroup cycle %d failed", cycle);
			return 1;
		}
		for (i = 0; i < 8; i++) {
			snprintf(path, sizeof(path), CHURN_DIR "/f%d", i);
			unlink(path);
		}
	}
	rmdir(CHURN_DIR);
	return 0;
}


int test_slab_sysfs_names(void)
{
	char p[CG_PATH_MAX] = "";
	int bad = 0, era = era_per_memcg_caches();

	if (era < 0)
		return KSFT_FAIL;
	if (slab_entries_read(&before)) {
		ktap_fail("no-slab-sysfs", "cannot read " SLAB_DIR " (SLUB sysfs missing?)");
		return KSFT_FAIL;
	}
	bad += slabinfo_resolves();
	bad += slab_names_agree(&before);
	/* that era's per-memcg names are slab_memcg_cache_names' */
	if (era)
		ktap_diag("per-memcg slab caches (slub_memcg_sysfs=1): their names are slab_memcg_cache_names' to check");
	else
		bad += no_memcg_caches(&before);
	if (cg_create(p, cg_root, "rig_slab_names") || cg_enable_memory(p) ||
	    churn(p)) {
		cg_destroy(p);
		return KSFT_FAIL;
	}
	cg_destroy(p);
	if (slab_entries_read(&after))
		return KSFT_FAIL;
	bad += slab_entries_diff(&before, &after);
	return bad ? KSFT_FAIL : KSFT_PASS;
}
