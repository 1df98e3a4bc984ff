// SPDX-License-Identifier: GPL-2.0
/*
 * Reparenting exists so that the parent's reclaim can shrink what a dead
 * child left behind: negative dentries (lib/dentries.h) made in C sit on
 * C's LRU; after rmdir C, P's own reclaim must free most of them
 * (reclaim_reparented), and in P > C > G, after rmdir G, C's own reclaim
 * must free what G left (reclaim_chain).
 */
#include "lib/dentries.h"
#include "suite.h"

int test_reclaim_reparented(void)
{
	return dentries_test("rig_reclaim", "rig_neg", NULL, 0, outlive_run);
}

/* P > C > G: after rmdir G, C's own reclaim must free what G left. */
int test_reclaim_chain(void)
{
	return dentries_test("rig_reclaim_chain", "rig_chain_neg", NULL, 0,
			     outlive_chain);
}
