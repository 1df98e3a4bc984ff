// SPDX-License-Identifier: GPL-2.0
/*
 * Caches created and destroyed at run time (each zram
 * device's zsmalloc pool makes zs_handle-zramN and zspage-zramN, and
 * drops them with the device), the same names again and again: the set
 * of /sys/kernel/slab entries must not grow after the first cycle, every
 * live cache must still resolve and every merged name must stay true.
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

#define ZRAM_CONTROL	"/sys/class/zram-control"
#define CHURN_CYCLES	20

/* One zram device made, given a pool (its caches), then removed. */
static int zram_cycle(void)
{
	char dev[64], id[16];
	int n;

	if (cg_read(ZRAM_CONTROL, "hot_add", id, sizeof(id)))
		return -1;
	n = atoi(id);
	snprintf(dev, sizeof(dev), "/sys/block/zram%d", n);
	if (cg_write(dev, "disksize", "1M"))
		return -1;
	snprintf(id, sizeof(id), "%d", n);
	return cg_write(ZRAM_CONTROL, "hot_remove", id);
}

int test_slab_cache_churn(void)
{
	static struct slab_entries first, last;
	int i, bad;

	/* The config stage made sure CONFIG_ZRAM landed: missing, it is broken. */
	if (access(ZRAM_CONTROL "/hot_add", R_OK)) {
		ktap_fail("no-zram", "no " ZRAM_CONTROL "/hot_add: zram, which kernel-config/common.config asks for (CONFIG_ZRAM), is not working");
		return KSFT_FAIL;
	}
	if (zram_cycle() || slab_entries_read(&first)) {
		ktap_fail("first-zram-cycle", "the first zram cycle failed");
		return KSFT_FAIL;
	}
	for (i = 1; i < CHURN_CYCLES; i++) {
		if (zram_cycle()) {
			ktap_fail("zram-cycle", "zram cycle %d failed", i);
			return KSFT_FAIL;
		}
	}
	if (slab_entries_read(&last))
		return KSFT_FAIL;
	bad = slab_entries_diff(&first, &last);
	bad += slabinfo_resolves();
	bad += slab_names_agree(&last);
	ktap_diag("%d zram pools made and dropped; %d problems", CHURN_CYCLES,
		  bad);
	return bad ? KSFT_FAIL : KSFT_PASS;
}
