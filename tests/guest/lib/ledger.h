/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two ledgers of a memcg, updated on different paths in the kernel:
 * the statistics (v2: a memory.stat key; v1, which has no slab keys: the
 * kmem page counter memory.kmem.usage_in_bytes) and the page counter that
 * limits see (v2: memory.current; v1: memory.usage_in_bytes). A verdict
 * on where a charge went reads both.
 */
#ifndef RIG_LEDGER_H
#define RIG_LEDGER_H

#include <stdbool.h>

/* Room for the other memory.stat keys a unit moves (outlive.h). */
#define LEDGER_KEYS	8

struct ledgers {
	long stat;
	long pages;
	long keys[LEDGER_KEYS];	/* filled by the engine, not by ledger_read() */
};

/* Both ledgers of cg; a file that cannot be read fails the test. */
int ledger_read(const char *cg, const char *key, struct ledgers *l);
/* What the two ledgers are called here, for messages. */
const char *ledger_stat_name(const char *key);
const char *ledger_pages_name(void);

/*
 * The one tolerance: two pages a CPU, what the kernel may hold back there
 * (statistics: the stock's cached slab_reclaimable and
 * slab_unreclaimable bytes, under a page each; page counter: the stock's
 * object bytes and the objcg's nr_charged_bytes, under a page each),
 * plus 0.1% of the figure. Clean kernels stay inside it (README,
 * "Measured noise": the worst error seen is 63% of it).
 */
#define NOISE_PPM	1000
long ledger_tol(long expected);
/*
 * The tolerance of key's statistics ledger (ledger_read()): ledger_tol()
 * plus, on per-memcg cache kernels, what memory.stat may not show yet
 * (era_stat_slack(): slab is two items). A ledger that counts pages (v1's
 * kmem counter, the page counter where the key is missing) is exact.
 */
long ledger_stat_tol(const char *key, long expected);
/*
 * The statistic that counts all of a memcg's kmem: "kernel" where this
 * kernel has it, else "slab" (before "kernel" came, 5.4 among them).
 */
const char *ledger_kmem_key(void);

/*
 * measured must be expected +- tol. Either way a "figure" line records
 * the error, which is where the README's noise table comes from.
 */
int expect_near(const char *what, long measured, long expected, long tol);
/* The figure line alone, for a bound whose failure the caller words. */
void figure_line(const char *what, long measured, long expected, long tol);
/* lo <= measured <= hi, with a figure line as well. */
int expect_range(const char *what, long measured, long lo, long hi);

/*
 * Wait for both of cg's ledgers to stand at base + delta (+- tol, the page
 * counter's: the statistics get ledger_stat_tol()'s more), then check each; now (if not NULL) gets the last reading. Freed dentries,
 * inodes and messages leave after an RCU grace period, a freed memcg's
 * own structures after another: poll. The page counter is read after a
 * stock kick: pages uncharged from cg wait in its own per-CPU stock
 * (refill_stock()), and whether a live memcg's stock drains is never the
 * question where this is called. what names the figure, with a %s for
 * the ledger: "P's %s after rmdir C".
 */
int ledger_expect(const char *cg, const char *key, const struct ledgers *base,
		  long delta, long tol, const char *what, struct ledgers *now);
/*
 * The same, with slack more for the ledgers that count whole pages
 * (ledger_in_pages()): what removed cgroups' leftovers keep or give back
 * in whole pages, which no byte count shows (outlive_cg_slack()).
 */
int ledger_expect_slack(const char *cg, const char *key,
			const struct ledgers *base, long delta, long tol,
			long slack, const char *what, struct ledgers *now);
/* The same, with a delta for each ledger. */
int ledger_expect_each(const char *cg, const char *key,
		       const struct ledgers *base, long stat_delta,
		       long pages_delta, long tol, long slack,
		       const char *what, struct ledgers *now);
/*
 * The statistics ledger alone, for a second key of one unit whose page
 * counter the first key's check (ledger_expect()) has judged: the page
 * counter is judged once, under one name.
 */
int ledger_expect_stat(const char *cg, const char *key,
		       const struct ledgers *base, long delta, long tol,
		       const char *what, struct ledgers *now);
/*
 * The ledger of socket memory (v2: memory.stat sock; v1: the TCP counter,
 * once the cgroup accounts TCP), counted in pages with no stock between:
 * exact. -1 when it cannot be read.
 */
int ledger_sock_read(const char *cg, long *v);
const char *ledger_sock_name(void);
/*
 * The statistics ledger of key is the page counter itself (v2 without
 * that key: ledger_read()), stock pre-charge and all.
 */
bool ledger_stat_is_counter(const char *key);
/*
 * key's statistics ledger counts whole pages (NULL: the page counter,
 * which does): v1's kmem counter, the page counter standing for a missing
 * key, "kernel", and every slab key of per-memcg cache kernels, whose
 * statistics count slab pages.
 */
bool ledger_in_pages(const char *key);

#endif
