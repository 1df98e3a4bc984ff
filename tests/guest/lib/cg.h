/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for cgroup files, memory.stat and SLUB's sysfs view, in the
 * manner of tools/testing/selftests/cgroup/cgroup_util.h. Every figure a
 * test compares comes from here, i.e. from the running kernel.
 */
#ifndef RIG_CG_H
#define RIG_CG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "poll.h"

#define CG_PATH_MAX	256

/* Where the memory controller is mounted (cgroup2 unless told otherwise). */
extern const char *cg_mount;
/*
 * Where the rig's cgroups go: RIG_BASE under cg_mount (cg_base()), which
 * lives for the whole boot. A test's P is then never a top-level memcg,
 * as on any systemd machine (system.slice/...), so that removing it
 * reparents to a memcg that is not the root: a mutant that sends charges
 * one level too high is seen in the ledgers instead of crashing on the
 * root's missing parent.
 */
extern const char *cg_root;
#define RIG_BASE	"kmemcg-rig"
/* cg_root made (memory on for its children); -1 and a diagnostic when not. */
int cg_base(void);
/* A cgroup's path under cg_mount, as libcgroup and cgroup-tools name it. */
const char *cg_rel(const char *path);

int cg_create(char *path, const char *parent, const char *name);
int cg_destroy(const char *cg);
int cg_enable_memory(const char *cg);
/* Memory off for cg's children again (v2), so that cg can hold processes. */
int cg_disable_memory(const char *cg);
int cg_read(const char *cg, const char *file, char *buf, size_t len);
int cg_write(const char *cg, const char *file, const char *val);
long cg_read_long(const char *cg, const char *file);
long cg_read_key(const char *cg, const char *file, const char *key);
/*
 * A figure the verdict needs: *val is cg/file (or its key line, when key
 * is set). An unreadable file or a missing key fails the test, naming it.
 */
int cg_get(const char *cg, const char *file, const char *key, long *val);
/* The same for node node's figure of key in memory.numa_stat. */
long cg_read_node(const char *cg, const char *key, int node);
int cg_get_node(const char *cg, const char *key, int node, long *val);
void cg_flush(const char *cg);
/*
 * A memcg event's count: v2 memory.events name ("max", "high",
 * "oom_kill"); v1: "max" is memory.failcnt, others memory.oom_control's.
 */
int cg_event(const char *cg, const char *name, long *n);
/*
 * limit ("memory.max" or "memory.high"; v1: memory.limit_in_bytes
 * whatever it says) set to bytes; < 0: no limit.
 */
int cg_set_limit(const char *cg, const char *limit, long bytes);
bool cg_is_v2(void);
/*
 * Removed memcgs not yet freed: P's nr_dying_descendants on v2; on v1,
 * which has no cgroup.stat, the memory hierarchy's count in /proc/cgroups
 * less the directories that still exist. -1 (and a diagnostic) when it
 * cannot be read.
 */
long cg_dying(const char *cg);

/* memory.current includes MEMCG_CHARGE_BATCH (64) pages per CPU of stock. */
#define CG_STOCK_PAGES	64
long cg_stock_bytes(void);
pid_t cg_spawn(const char *cg, int (*fn)(void *arg), void *arg);
int cg_reap(pid_t child);
int cg_run(const char *cg, int (*fn)(void *arg), void *arg);

long slab_attr(const char *cache, const char *attr);
long obj_charge(const char *cache);
long bucket_charge(const char *prefix, long size);
/* Its name, CG_CACHE_NAME bytes at most; -1 when SLUB shows none. */
#define CG_CACHE_NAME	256
int bucket_cache(const char *prefix, long size, char *name);
/* The largest <prefix><N> cache's N (-1: none). */
long bucket_largest(const char *prefix);
long page_size(void);
/*
 * Online CPUs; nr_cpus_possible(): every CPU the kernel has, online or
 * not. With one taken offline the online ones are not 0 to nr_cpus() - 1:
 * a loop over CPUs goes to nr_cpus_possible() and asks cpu_online().
 */
int nr_cpus(void);
int nr_cpus_possible(void);
bool cpu_online(int cpu);
/* The calling task onto one CPU; back onto every online one. */
int cpu_pin(int cpu);
int cpu_unpin(void);
/* Online NUMA nodes (1 without NUMA), and the first CPU of one (-1: none). */
int nr_nodes(void);
int node_cpu(int node);
/* Write CPU cpu's online file; -1 (and a diagnostic) when it cannot. */
int cpu_set_online(int cpu, int online);
bool within(long measured, long expected, long tolerance);

#endif
