/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the running kernel accounts and shows, probed in the guest and
 * never read off its version, so that any tree from 5.4 on (and every
 * commit between) is judged by what it promises:
 * - slab: per-memcg caches (before 5.9: a memcg's slab pages are its
 *   charge) or obj_cgroup (5.9 on: each object's own size);
 * - which memory.stat keys exist ("kernel", "percpu", ...);
 * - where accounted kmalloc() comes from (kmalloc-cg-N from 5.14).
 */
#ifndef RIG_ERA_H
#define RIG_ERA_H

#include <stdbool.h>

/*
 * Probes it all once, in the suite before its first test (each test's
 * process inherits the answers): no probe cgroup comes and goes inside a
 * test's measurements. -1 when a probe failed (said).
 */
int era_probe(void);
/*
 * How long a new memcg's caches take to be made there (a work item,
 * memcg_kmem_cache_create_func()): a worker's first unit comes from the
 * root cache, uncharged, and the worker then sleeps this long.
 */
#define ERA_CACHE_MS	50
/*
 * Units [first, first + n) made by make(arg, first, n) in a memcg, as
 * every path into a cgroup must (the engine's workers from inside it;
 * make_in() around a flow's own ops, libcgroup's or cgexec's): on
 * per-memcg caches one unit, ERA_CACHE_MS for the caches to be made, then
 * the rest; elsewhere all at once.
 */
int era_make_units(int (*make)(void *arg, int first, int n), void *arg,
		   int first, int n);
/* 1 on kernels of per-memcg slab caches, 0 on obj_cgroup ones, -1 (a failure). */
int era_per_memcg_caches(void);
/*
 * 1 when the kernel was booted with kmem accounting off
 * (cgroup.memory=nokmem on its command line: KERNEL_ARGS): it then
 * promises no kmem charge at all, and a kmem test has nothing to look
 * at. 0 otherwise, -1 (a failure) when /proc/cmdline cannot be read.
 */
int era_kmem_off(void);
/*
 * 1 when a memcg's memory.stat on this kernel has key, 0 when it has no
 * such key, -1 (and a failure) when no probe cgroup could be read. v2.
 */
int era_stat_key(const char *key);
/*
 * A key the caller may read: any on v1 (its ledgers take no key), else one
 * this kernel has (era_stat_key() > 0),
 * with a diagnostic, once per key, for one it has not. A probe that
 * failed reads as present, so that the read fails.
 */
bool era_key_ok(const char *key);
/* The caches accounted kmalloc() uses: "kmalloc-cg-" or "kmalloc-". */
const char *era_kmalloc_prefix(void);
/*
 * What the charge of count objects of cache is on this kernel: per
 * object obj_full_size() on obj_cgroup kernels; on per-memcg caches a
 * share of a slab's pages (slab bytes / objects a slab), since there
 * the memcg is charged whole slabs. -1 when SLUB does not show cache.
 */
long era_obj_charge(const char *cache, int count);
/*
 * What the per-memcg cache era may hold beyond the units' share of
 * whole slabs, on top of ledger_tol(): one slab of each cache a unit
 * uses (its partial slab), per CPU. 0 on obj_cgroup kernels.
 */
long era_slab_slack(void);
/*
 * Per-memcg cache kernels batch a memcg's statistics per CPU, up to
 * MEMCG_CHARGE_BATCH (32 there) pages of each item a CPU before they show:
 * what memory.stat may not show yet of one item (slab is two:
 * slab_reclaimable and slab_unreclaimable). 0 on obj_cgroup kernels, whose
 * reads flush. Statistics only: page counters are exact.
 */
#define ERA_STAT_BATCH	32
long era_stat_slack(void);
/*
 * Per-memcg cache kernels: the pages that the slabs of every cache made
 * for the cgroup called name hold (SLUB's slabs and order of each), freed
 * objects' included: a live memcg's caches keep their slabs charged once
 * the objects go. 0 on obj_cgroup kernels; -1 (and a failure) when an
 * entry cannot be read.
 */
#define ERA_MEMCG_CACHES	256
long era_memcg_slab_bytes(const char *name);
void era_slab_slack_add(const char *cache);

#endif
