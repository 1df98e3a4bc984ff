/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RIG_SUITE_H
#define RIG_SUITE_H

#include "lib/cg.h"
#include "lib/ktap.h"

/* A test returns KSFT_PASS, KSFT_FAIL or KSFT_SKIP. */
struct rig_test {
	const char *name;
	int (*fn)(void);
	/* Checks the rig itself; runs only when named in the list. */
	int harness;
};

/* Says why a test skipped; the runner puts it on the test's KTAP line. */
__printf(1, 2) void test_reason(const char *fmt, ...);
/* /sys/kernel/slab, as slab_sysfs_names.c reads it. */
#define MAX_ENTRIES	2048
#define NAME_LEN	64

struct slab_entry {
	char name[NAME_LEN];
	char target[NAME_LEN];	/* what an alias links to; "" for caches */
};

struct slab_entries {
	int n;
	struct slab_entry e[MAX_ENTRIES];
};

int slab_entries_read(struct slab_entries *e);
int slab_entries_diff(struct slab_entries *a, struct slab_entries *b);
int slabinfo_resolves(void);
int slab_names_agree(const struct slab_entries *e);

int test_reparent_slab(void);
int test_reparent_slab_smp(void);
int test_reparent_chain(void);
int test_pipe_large_kmalloc(void);
int test_pipe_pages(void);
int test_hotplug_stock(void);
int test_thread_stacks(void);
int test_percpu(void);
int test_ipc_msg(void);
int test_posix_mqueue(void);
int test_tmpfs_xattr(void);
int test_reclaim_reparented(void);
int test_limit_max_reclaim(void);
int test_limit_high_reclaim(void);
int test_reclaim_chain(void);
int test_limit_stock_drain(void);
int test_numa_reclaim(void);
int test_pins(void);
int test_sock_reparent(void);
int test_libcgroup_reparent(void);
int test_cgroup_tools_reparent(void);
int test_stress(void);
int test_cycle_leaks(void);
int test_slab_sysfs_names(void);
int test_slab_cache_churn(void);
int test_slab_memcg_cache_names(void);
int test_selftest_crash(void);
int test_selftest_hang(void);
int test_selftest_flaky(void);

#endif
