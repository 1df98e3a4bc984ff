/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Negative dentries as the engine's units (reclaim_reparented,
 * reclaim_chain, numa_reclaim, limit_max_reclaim, limit_high_reclaim):
 * child C looks up names that do not exist in sysfs, which keeps negative
 * dentries (tmpfs does not): unused, charged to C, on C's dentry LRU.
 * When C goes, offline hands its LRU lists to P
 * (memcg_reparent_list_lrus(); before 5.9 memcg_drain_all_list_lrus()).
 * Where sysfs keeps none (5.4's kernfs), the names are looked up on ext2
 * on a zram disk instead: a disk filesystem, whose negative dentries
 * every kernel keeps on the same lists.
 */
#ifndef RIG_DENTRIES_H
#define RIG_DENTRIES_H

#include "ext2.h"
#include "outlive.h"

/*
 * NR_DENTRIES dentries, looked up under prefix, in C (or C and G), then
 * run (outlive_run or outlive_chain); limit: P's limit file the engine
 * presses on (NULL: P's own reclaim); per_node: made on every NUMA node,
 * checked per node.
 */
int dentries_test(const char *name, const char *prefix, const char *limit,
		  int per_node, int (*run)(const struct outlive *));

#endif
