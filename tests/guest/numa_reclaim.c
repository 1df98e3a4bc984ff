// SPDX-License-Identifier: GPL-2.0
/*
 * The negative dentries of reclaim_reparented (lib/dentries.h) made by one
 * worker on each NUMA node's CPU, so that each node's slab holds half of
 * them. Reparenting, P's reclaim and the statistics must all keep to the
 * node: memory.numa_stat's slab_reclaimable of every node is checked at
 * each step (the lists are per node and per memcg; the object stock
 * batches statistics per node).
 */
#include "lib/dentries.h"
#include "suite.h"

int test_numa_reclaim(void)
{
	if (nr_nodes() < 2) {
		test_reason("one NUMA node (x86_64 boots NODES=2; UML has no NUMA)");
		return KSFT_SKIP;
	}
	return dentries_test("rig_numa_reclaim", "rig_numa_neg", NULL, 1,
			     outlive_run);
}
