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
#include <stdlib.h>

#include "lib/files.h"
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
