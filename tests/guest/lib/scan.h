/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whether a reclaim scanned a cgroup: memory.stat's pgscan and pgsteal,
 * less kswapd's where counted apart (cgroup v2, hierarchical; v1's
 * memory.stat has neither, and kernels that batch a memcg's events per
 * CPU (5.4) hide a small scan: there the check says so). They count LRU
 * folios only, and the reclaim tests' units are slab: a scan witness
 * gives the reclaimer's scan something to count, so that a reclaim that
 * never ran over the cgroup (the units freed by something else) is seen.
 * The witness is a live leaf W under the reclaimer holding
 * SCAN_WITNESS_PAGES of clean ext2 page cache, each page also held by a
 * pipe of the rig (spliced in), so that reclaim scans them and can never
 * free them (__remove_mapping() finds the extra reference): the witness
 * gives no room and no progress, and the behaviour under test is the
 * same with it as without.
 */
#ifndef RIG_SCAN_H
#define RIG_SCAN_H

#include "cg.h"

/*
 * 256 KiB on 4 KiB pages, a quarter of the smallest units reclaimed:
 * scanned from priority 6 down (an LRU's size >> priority), which a
 * memcg reclaim of slab reaches, slab never counting as its progress
 */
#define SCAN_WITNESS_PAGES	64

struct scan {
	const char *cg;
	int on;			/* cgroup v2: the keys exist */
	bool no_kswapd;		/* kswapd's part left out (counted apart) */
	const char *kscan, *ksteal;	/* what is read, for messages */
	long scan0, steal0;
	char w[CG_PATH_MAX];	/* the witness, when made */
	char file[96];
	int pipe[2];		/* holds the witness's pages */
};

/*
 * W under cg (memory on for cg's children), its pages read in W, spliced
 * into the rig's pipe, and the reader's pre-charge kicked out of the
 * stocks: left there, a limit's drain would hand it to the test as room
 * the units never made (the witness is the rig's, not the behaviour under
 * test); then scan_base(). 0, or -1 (said).
 */
int scan_witness(struct scan *s, const char *cg, const char *name);

/* cg's pgscan and pgsteal now (flushed), the base of scan_check(). */
int scan_base(struct scan *s, const char *cg);

/*
 * After who's reclaim of s->cg: pgscan rose (polled: events are flushed
 * every 2 s), at least as far as pgsteal, which rose by [lo, hi] bytes
 * of pages (the witness gives none). 0, or -1 (said).
 */
int scan_check(struct scan *s, const char *who, long lo, long hi);

/* The pipe closed, the file deleted (its pages uncharged), W removed. */
void scan_witness_remove(struct scan *s);

#endif
