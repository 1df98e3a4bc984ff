/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one engine for "objects outlive their cgroup". A test declares what
 * a unit of kernel objects is, how a worker makes units inside a cgroup,
 * how they are freed from outside, which memory.stat key counts them and
 * what one unit charges; the engine makes the cgroups, runs the workers,
 * removes the cgroups, frees the units and, at each step, reads both
 * ledgers (ledger.h) of the cgroup where the charge must be.
 */
#ifndef RIG_OUTLIVE_H
#define RIG_OUTLIVE_H

#include "cg.h"
#include "ledger.h"

struct outlive;

/*
 * How the cgroups are made, entered and removed; NULL: mkdir,
 * cgroup.procs and rmdir. libcgroup and cgroup-tools bring their own.
 */
struct outlive_ops {
	/* path = parent/name; parent is cg_root for P */
	int (*create)(const struct outlive *o, const char *parent,
		      const char *name, char *path);
	int (*make)(const struct outlive *o, const char *c, int first, int n);
	int (*remove)(const struct outlive *o, const char *c);
};

/*
 * A memory.stat key a unit moves, and by how many bytes: every one is
 * checked at every step, beside the two ledgers of the main key.
 */
#define OUTLIVE_MOVES	LEDGER_KEYS
struct outlive_move {
	const char *key;
	long unit;
	int exact;	/* counted in bytes with no stock between: no tolerance */
	long slab;	/* one slab of each cache that moves it (outlive_slab()) */
	/*
	 * > 0: node - 1's figure in memory.numa_stat, which gets 1/split
	 * of unit (per_node: the workers of each node made as many units)
	 * at C's rise, within NODE_SHARE_PCT; every later step expects what
	 * that rise measured: reparenting and reclaim keep to the node.
	 */
	int node, split;
};

struct outlive {
	const char *name;	/* P's name under the root: rig_<test> */
	const char *what;	/* what the units are, for messages */
	const char *key;	/* v2: the memory.stat key of both ledgers' check */
	int n;			/* units */
	long unit;		/* bytes one unit charges, from the kernel */
	/*
	 * Every other key the unit moves (outlive_move(), outlive_slab()).
	 * The engine adds key itself and "kernel", which every kmem charge
	 * moves, when they are not declared, and "percpu", exact, which no unit
	 * moves: the cgroups' own percpu, charged to their parent, must leave
	 * it whole when they are freed.
	 */
	struct outlive_move moves[OUTLIVE_MOVES];
	int workers;		/* > 1: that many workers, one pinned per CPU */
	/*
	 * One worker per NUMA node instead, pinned to the node's first CPU,
	 * making as many units each (outlive_per_node()).
	 */
	int per_node;
	/*
	 * > 0: the workers run on this CPU, exit on CPU 0, and this CPU goes
	 * offline after C's rise: its stocks must give C's pre-charge back
	 * (memcg_hotplug_cpu_dead()) before rmdir C. Online again at the end.
	 */
	int offline_cpu;
	/*
	 * outlive_freed(): how many removed cgroups the units keep something
	 * of, each allowed outlive_cg_slack() more in a ledger of pages.
	 */
	int objcgs;
	long slabs;	/* one slab of each cache a unit comes from */
	int (*prepare)(void *arg, int n);		/* outside any memcg */
	int (*make)(void *arg, int first, int n);	/* in a worker */
	/* from outside; NULL: P's own reclaim must free them (see below) */
	void (*free)(void *arg, int first, int n);
	/*
	 * With free NULL: instead of P's own reclaim, this limit of P
	 * ("memory.max" or "memory.high"; v1: memory.limit_in_bytes) just
	 * above what it holds, and a live child charging past it.
	 */
	const char *limit;
	void (*cleanup)(void *arg, int n);	/* last, always; NULL: free all */
	long *seen;	/* the engine's: each node move's rise in C */
	void *arg;
	const struct outlive_ops *ops;
};

/*
 * unit more bytes of key per unit; -1 (and a failure) when moves is full.
 */
int outlive_move(struct outlive *o, const char *key, long unit);
/*
 * count objects of a slab cache per unit: obj_full_size() each, in slab,
 * in slab_reclaimable or slab_unreclaimable (the cache's own
 * reclaim_account) and in kernel. Returns their charge, or -1 (and a
 * failure) when SLUB does not show the cache.
 */
long outlive_slab(struct outlive *o, const char *cache, int count);
/*
 * What each removed cgroup the units keep may add to a ledger that counts
 * whole pages (ledger_in_pages(); key NULL: the page counter) when they
 * are freed: its obj_cgroup's bytes past its objects (nr_charged_bytes,
 * under a page), or, on per-memcg cache kernels, its own caches' slabs
 * that the units shared with objects freed before (a slab of each a CPU).
 */
long outlive_cg_slack(const struct outlive *o, const char *key);

/*
 * count allocations of size bytes a unit, from the smallest <own><N> cache
 * (a dedicated one: msg_msg-, 6.11 on) or else the era's kmalloc bucket
 * (kmalloc-cg-<N>, 5.14 on; a memcg's copy of kmalloc-<N> before 5.9), as
 * outlive_slab(). -1 (and a failure) when SLUB shows neither.
 */
long outlive_kmalloc(struct outlive *o, const char *own, long size, int count);

/*
 * How many units, from n, make every figure of the keys declared so far
 * at least FIGURE_RATIO times its tolerance when the smallest step takes
 * 1/steps of them (outlive_chain(): 3): a kernel that lost the charge then
 * stands far outside. More than n only where the tolerance is wide: per-
 * memcg cache kernels, whose statistics hold a batch a CPU back.
 * outlive_run() and outlive_chain() apply it; a workload whose prepare
 * cannot make any number calls it first and checks its own bound.
 */
#define FIGURE_RATIO	4
int outlive_enough(const struct outlive *o, int n, int steps);

/*
 * Whether units of o, with the slack of cgs cgroups kept beside them
 * (outlive_cg_slack()), make every figure at least FIGURE_RATIO times its
 * tolerance: the page counter's and each key's this kernel shows. The
 * one measure outlive_enough() and a workload of its own sizing use.
 */
bool outlive_stands(const struct outlive *o, long units, int cgs);

/*
 * How long a cgroup's ledgers stay unchanged before units made in it are
 * measured from them (chain_steps): longer than the slowest settle make
 * soak measured (tests/measured/soak-*.txt: 119 ms), so what a fall left
 * behind has left.
 */
#define QUIET_MS	200

/*
 * Workers one per node, and key's figure per node in memory.numa_stat:
 * each node gets its share of what the unit moves in key (declared
 * first). -1 (and a diagnostic) when a node has no CPU to make units on.
 */
#define NODE_SHARE_PCT	25
int outlive_per_node(struct outlive *o, const char *key);

/*
 * P > C: C makes every unit and is removed; C must be freed with the
 * rig's hands off; P must hold exactly the units' charge; freeing them
 * must take it all from P. Returns KSFT_PASS or KSFT_FAIL.
 */
int outlive_run(const struct outlive *o);

/*
 * Objects that sit on reclaimable lists (list_lru: unused dentries and
 * inodes) are handed to the parent at offline so that the parent's reclaim
 * can free them: with free NULL, the end of outlive_run() is P's own
 * reclaim (memory.reclaim; v1: memory.force_empty), after which P's
 * ledgers must have fallen by at least RECLAIM_PCT of the units' charge.
 */
#define RECLAIM_PCT	90
/*
 * cg's own reclaim, asked for bytes (< 0: everything cg holds; v1, whose
 * memory.force_empty has no amount: everything): it may stop short,
 * which is no failure; the verdict is what the ledgers show.
 */
int reclaim_bytes(const char *cg, long bytes);
int reclaim_all(const char *cg);

/*
 * P > C > G: G makes two thirds of the units, C the last third, after G
 * is gone (its own stock is then fresh when C goes). After rmdir G,
 * freeing a third while C lives must take it from C; after rmdir C, the
 * rest must leave P. This is where a wrong destination shows.
 * With free NULL, C's own reclaim after rmdir G must free them all:
 * G's lists went to C, not only to an ancestor.
 */
int outlive_chain(const struct outlive *o);

/*
 * n units that outlived cgroups removed under cg (who names it), freed
 * from outside with o->free(o->arg, 0, n): cg's two ledgers and every
 * key the unit moves fall by their charge, which proves that cg held
 * them. For workloads that make their units their own way (stress).
 * 0, or -1 after a failure.
 */
int outlive_freed(const struct outlive *o, const char *who, const char *cg,
		  int n);

/*
 * The cgroups of a test whose charges come into C from outside it:
 * T > P > C under the root (T named name), memory on in T and P, and S
 * (name_outside) beside T, so that T holds no charge of S's.
 */
struct outside {
	char t[CG_PATH_MAX], p[CG_PATH_MAX], c[CG_PATH_MAX], s[CG_PATH_MAX];
};

int outside_make(struct outside *g, const char *name);
/* What is left of them, removed; after a failure T's dying ones waited for. */
void outside_remove(struct outside *g, int failed);

/* Pass a file descriptor to another process over a UNIX socket. */
int fd_send(int sock, int fd);
int fd_recv(int sock);

#endif
