// SPDX-License-Identifier: GPL-2.0
/*
 * reclaim_reparented: reparenting exists so that the parent's reclaim can
 * shrink what a dead child left behind. Child C looks up names that do
 * not exist in sysfs, which keeps negative dentries (tmpfs does not):
 * unused, charged to C, on C's dentry LRU. When C goes, offline hands its
 * LRU lists to P (memcg_reparent_list_lrus()); P's own reclaim must then
 * free most of them.
 *
 * numa_reclaim: the same with one worker on each NUMA node's CPU, so that
 * each node's slab holds half the dentries. Reparenting, P's reclaim and
 * the statistics must all keep to the node: memory.numa_stat's
 * slab_reclaimable of every node is checked at each step (the lists are
 * per node and per memcg; the object stock batches statistics per node).
 *
 * limit_max_reclaim, limit_high_reclaim: the same dentries, then P's
 * memory.max (v1: memory.limit_in_bytes) or memory.high just above what P
 * holds and a live child charging past it: the kernel must reclaim them
 * to make room, not OOM-kill the child.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "lib/outlive.h"
#include "suite.h"

#define NR_DENTRIES	5000

/*
 * Short names: the dentry holds them inline, no external name. Each test
 * has its own prefix: a dentry another test left cached is no new charge.
 */
static int lookup_missing(void *arg, int first, int n)
{
	const char *prefix = arg;
	char path[64];
	struct stat st;
	int i;

	for (i = first; i < first + n; i++) {
		snprintf(path, sizeof(path), "/sys/kernel/%s%d", prefix, i);
		if (!stat(path, &st))
			return 1;
	}
	return 0;
}

#define PROBE_NAMES	100

/* Dentries in the machine: the first figure of /proc/sys/fs/dentry-state. */
static long nr_dentry(void)
{
	char buf[128];

	return cg_read("/proc/sys/fs", "dentry-state", buf, sizeof(buf)) ?
	       -1 : atol(buf);
}

/*
 * Whether sysfs keeps a negative dentry for a missing name on this kernel
 * (6.x does; 5.4's kernfs keeps none): 100 fresh names looked up here,
 * outside any test cgroup, must leave most of 100 dentries. 1 yes, 0 no
 * (said), -1 unreadable.
 */
static int sysfs_keeps_negatives(const char *prefix)
{
	char probe[48];
	long before = nr_dentry(), after;

	snprintf(probe, sizeof(probe), "%s_probe", prefix);
	if (before >= 0 && lookup_missing(probe, 0, PROBE_NAMES))
		before = -1;
	after = nr_dentry();
	if (before < 0 || after < 0) {
		ktap_fail("no-dentry-state", "cannot read /proc/sys/fs/dentry-state: %m");
		return -1;
	}
	if (after - before >= PROBE_NAMES / 2)
		return 1;
	test_reason("sysfs keeps no negative dentries on this kernel (%d missing names left %ld dentries): nothing of C's on a dentry LRU to hand over",
		    PROBE_NAMES, after - before);
	return 0;
}

/*
 * The dentries in C (or C and G), then run: outlive_run or outlive_chain;
 * per_node: made on every NUMA node, checked per node.
 */
static int dentries_test(const char *name, const char *prefix,
			 const char *limit, int per_node,
			 int (*run)(const struct outlive *))
{
	struct outlive o = {
		.name = name,
		.what = "negative sysfs dentries",
		.key = "slab_reclaimable",
		.n = NR_DENTRIES,
		.make = lookup_missing,
		.limit = limit,
		.arg = (void *)prefix,
	};

	int keeps = sysfs_keeps_negatives(prefix);

	if (keeps <= 0)
		return keeps < 0 ? KSFT_FAIL : KSFT_SKIP;
	o.unit = outlive_slab(&o, "dentry", 1);
	if (o.unit < 0 ||
	    (per_node && outlive_per_node(&o, "slab_reclaimable")))
		return KSFT_FAIL;
	return run(&o);
}

int test_reclaim_reparented(void)
{
	return dentries_test("rig_reclaim", "rig_neg", NULL, 0, outlive_run);
}

int test_limit_max_reclaim(void)
{
	return dentries_test("rig_limit_max", "rig_max_neg", "memory.max", 0,
			     outlive_run);
}

int test_limit_high_reclaim(void)
{
	if (!cg_is_v2()) {
		test_reason("cgroup v1 has no memory.high (limit_max_reclaim covers memory.limit_in_bytes)");
		return KSFT_SKIP;
	}
	return dentries_test("rig_limit_high", "rig_high_neg", "memory.high",
			     0, outlive_run);
}

/* P > C > G: after rmdir G, C's own reclaim must free what G left. */
int test_reclaim_chain(void)
{
	return dentries_test("rig_reclaim_chain", "rig_chain_neg", NULL, 0,
			     outlive_chain);
}

int test_numa_reclaim(void)
{
	if (nr_nodes() < 2) {
		test_reason("one NUMA node (x86_64 boots NODES=2; UML has no NUMA)");
		return KSFT_SKIP;
	}
	return dentries_test("rig_numa_reclaim", "rig_numa_neg", NULL, 1,
			     outlive_run);
}
