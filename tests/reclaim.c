// SPDX-License-Identifier: GPL-2.0
/*
 * reclaim_reparented: reparenting exists so that the parent's reclaim can
 * shrink what a dead child left behind. Child C looks up names that do
 * not exist in sysfs, which keeps negative dentries (tmpfs does not):
 * unused, charged to C, on C's dentry LRU. When C goes, offline hands its
 * LRU lists to P (memcg_reparent_list_lrus()); P's own reclaim must then
 * free most of them.
 */
#include <stdio.h>
#include <sys/stat.h>

#include "lib/outlive.h"
#include "suite.h"

#define NR_DENTRIES	5000

/* Short names: the dentry holds them inline, no external name. */
static int lookup_missing(void *arg, int first, int n)
{
	char path[64];
	struct stat st;
	int i;

	(void)arg;
	for (i = first; i < first + n; i++) {
		snprintf(path, sizeof(path), "/sys/kernel/rig_neg%d", i);
		if (!stat(path, &st))
			return 1;
	}
	return 0;
}

int test_reclaim_reparented(void)
{
	struct outlive o = {
		.name = "rig_reclaim",
		.what = "negative sysfs dentries",
		.key = "slab_reclaimable",
		.n = NR_DENTRIES,
		.make = lookup_missing,
	};

	o.unit = outlive_slab(&o, "dentry", 1);
	return o.unit < 0 ? KSFT_FAIL : outlive_run(&o);
}
