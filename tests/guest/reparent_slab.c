// SPDX-License-Identifier: GPL-2.0
/*
 * reparent_slab: empty tmpfs files made in child C outlive C. Their charge
 * must show in C while it lives, stay in parent P when C is removed,
 * leave P when the files go, and C must be freed with no help.
 *
 * reparent_slab_smp: the same with one worker pinned to each CPU, so that
 * when C is removed its charges sit in every CPU's stock.
 *
 * reparent_chain: P > C > G, where a wrong destination shows (outlive.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cg.h"
#include "lib/files.h"
#include "lib/ktap.h"
#include "lib/wait.h"
#include "suite.h"

/*
 * Enough files that a unit's cost stands far above the tolerance (a few
 * pages a CPU): 3000 files are about 2.6 MB. RIG_NR_FILES overrides.
 */
static int nr_files(void)
{
	return getenv("RIG_NR_FILES") ? atoi(getenv("RIG_NR_FILES")) : 3000;
}

int test_reparent_slab(void)
{
	struct outlive o;

	if (files_outlive(&o, "rig_reparent_slab", nr_files()))
		return KSFT_FAIL;
	return outlive_run(&o);
}

int test_reparent_slab_smp(void)
{
	struct outlive o;

	if (nr_cpus() < 2) {
		test_reason("%d CPU: nothing to add to reparent_slab", nr_cpus());
		return KSFT_SKIP;
	}
	if (files_outlive(&o, "rig_reparent_slab_smp", nr_files()))
		return KSFT_FAIL;
	o.workers = nr_cpus();
	return outlive_run(&o);
}

int test_reparent_chain(void)
{
	struct outlive o;

	if (files_outlive(&o, "rig_reparent_chain", nr_files()))
		return KSFT_FAIL;
	return outlive_chain(&o);
}

/*
 * top_level_freed: a cgroup whose parent is the root, removed while its
 * files live, must be freed all the same: offline hands its charges to
 * the root (no page counter to read there, so the verdict is the root's
 * count of dying cgroups, back to what it was before).
 */
struct top {
	long base;	/* the root's dying cgroups before */
	int n;
};

static bool top_gone(void *arg)
{
	const struct top *t = arg;
	long d = cg_dying(cg_root);

	return d < 0 || d <= t->base;
}

static int top_make(void *arg)
{
	const struct top *t = arg;

	return files_make(FILES_DIR, 0, t->n) ? 1 : 0;
}

int test_top_level_freed(void)
{
	struct top t = { .n = nr_files() };
	char p[CG_PATH_MAX];
	int ret = KSFT_FAIL;
	long t0;

	t.base = cg_dying(cg_root);
	if (t.base < 0 || (mkdir(FILES_DIR, 0755) && errno != EEXIST))
		return KSFT_FAIL;
	if (cg_create(p, cg_root, "rig_top_level"))
		goto out;
	if (cg_run(p, top_make, &t)) {
		ktap_fail("a worker in %s could not make %d tmpfs files", p, t.n);
		cg_destroy(p);
		goto out;
	}
	t0 = now_ms();
	if (cg_destroy(p))
		goto out;
	if (poll_until(top_gone, &t, WAIT_MS) && cg_dying(cg_root) >= 0) {
		ktap_fail("rmdir %s (under the root, %d tmpfs files held): the root has %ld dying cgroup(s) %d s after rmdir, expected %ld as before: offline did not hand its charges to the root",
			  p, t.n, cg_dying(cg_root), WAIT_MS / 1000, t.base);
		goto out;
	}
	if (cg_dying(cg_root) < 0)
		goto out;
	ktap_diag("rmdir %s (under the root, %d tmpfs files held): freed, hands off, within %ld ms",
		  p, t.n, now_ms() - t0);
	ret = KSFT_PASS;
out:
	files_unlink(FILES_DIR, 0, t.n);
	rmdir(FILES_DIR);
	return ret;
}
