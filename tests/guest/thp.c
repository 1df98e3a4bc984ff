// SPDX-License-Identifier: GPL-2.0
/*
 * thp_deferred_split: worker W in C faults in THP_COUNT anonymous huge
 * pages (MADV_HUGEPAGE; the size is the kernel's hpage_pmd_size) and
 * unmaps the second half of each: the huge pages, charged whole to C,
 * wait on C's deferred split queue, and only the deferred split shrinker
 * gives their unmapped halves back. P's reclaim (memory.reclaim; no swap,
 * so nothing else can free anything) must then split them: P's anon and
 * page counter fall by the unmapped halves, hands off.
 *
 * Round 0 with C alive is the control. In round 1, W moves to S (beside
 * T) and C is removed: the huge pages stay charged to dead C (LRU folios
 * are not reparented, so C stays dying by design until W exits), and
 * P's reclaim must split them all the same: C's queue holds memory that
 * nothing else can free. Then W exits, P's anon falls by the rest, and C
 * is freed hands off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/era.h"
#include "lib/outlive.h"
#include "lib/scan.h"
#include "lib/wait.h"
#include "suite.h"

#define THP_DIR		"/sys/kernel/mm/transparent_hugepage"
#define THP_COUNT	16

struct thp {
	struct outside g;
	long hpage;		/* hpage_pmd_size */
	int up[2], down[2];	/* W -> rig, rig -> W */
	pid_t w;
};

/*
 * W: THP_COUNT huge pages, each touched whole, then the second half of
 * each unmapped; says so, and waits for the rig to close its pipe.
 */
static int thp_worker(void *arg)
{
	struct thp *t = arg;
	long len = THP_COUNT * t->hpage, i;
	char *map, *huge, c = 'r';

	close(t->up[0]);
	close(t->down[1]);
	map = mmap(NULL, len + t->hpage, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		ktap_diag("W: mmap of %ld B: %m", len + t->hpage);
		return 1;
	}
	huge = (char *)(((unsigned long)map + t->hpage - 1) & ~(t->hpage - 1));
	if (madvise(huge, len, MADV_HUGEPAGE)) {
		ktap_diag("W: madvise(MADV_HUGEPAGE) of %ld B: %m", len);
		return 1;
	}
	for (i = 0; i < len; i += page_size())
		huge[i] = 'h';
	if (write(t->up[1], &c, 1) != 1 || read(t->down[0], &c, 1) != 1)
		return 1;
	for (i = 0; i < THP_COUNT; i++)
		if (munmap(huge + i * t->hpage + t->hpage / 2, t->hpage / 2))
			return 1;
	if (write(t->up[1], &c, 1) != 1)
		return 1;
	read(t->down[0], &c, 1);
	return 0;
}

static int worker_says(struct thp *t)
{
	char c;

	if (read(t->up[0], &c, 1) != 1) {
		ktap_fail("thp-worker", "W died before it said it was done");
		return -1;
	}
	return 0;
}

static int worker_start(struct thp *t)
{
	if (pipe(t->up) || pipe(t->down))
		return -1;
	t->w = cg_spawn(t->g.c, thp_worker, t);
	close(t->up[1]);
	close(t->down[0]);
	return t->w < 0 || worker_says(t) ? -1 : 0;
}

static int worker_unmap(struct thp *t)
{
	char c = 'u';

	return write(t->down[1], &c, 1) != 1 || worker_says(t) ? -1 : 0;
}

static int worker_stop(struct thp *t)
{
	pid_t w = t->w;

	t->w = -1;
	close(t->down[1]);
	close(t->up[0]);
	return cg_reap(w) ? -1 : 0;
}

/* A global /proc/vmstat event count, the evidence beside the ledgers. */
static long vmstat(const char *key)
{
	return cg_read_key("/proc", "vmstat", key);
}

/*
 * A cgroup's figures for the huge pages, statistics flushed: anon counts
 * mapped pages only, the LRU (active_anon + inactive_anon) every charged
 * one, mapped or not, and the page counter what is charged, page tables
 * too (a huge page mapped in part needs a table of its own).
 */
struct thpfig {
	long current, anon, lru, thp, pagetables;
};

static int thpfig_read(const char *cg, struct thpfig *f)
{
	long active, inactive;

	/* a kernel without the key (5.4) charges no page tables */
	f->pagetables = 0;

	cg_kick_stocks("a CPU's pre-charge is no figure of the huge pages");
	cg_flush(cg);
	if (cg_get(cg, ledger_pages_name(), NULL, &f->current) ||
	    cg_get(cg, "memory.stat", "anon", &f->anon) ||
	    cg_get(cg, "memory.stat", "active_anon", &active) ||
	    cg_get(cg, "memory.stat", "inactive_anon", &inactive) ||
	    cg_get(cg, "memory.stat", "anon_thp", &f->thp) ||
	    (era_key_ok("pagetables") &&
	     cg_get(cg, "memory.stat", "pagetables", &f->pagetables)))
		return -1;
	f->lru = active + inactive;
	return 0;
}

/* measured - base of each figure against its expected change */
static int thpfig_moved(const char *what, const struct thpfig *base,
			const struct thpfig *now, long current, long anon,
			long lru)
{
	char name[160];
	long tol = ledger_tol(labs(lru) > labs(anon) ? labs(lru) : labs(anon));

	snprintf(name, sizeof(name), "%s: memory.current change, page tables aside", what);
	if (expect_near(name, (now->current - base->current) -
			(now->pagetables - base->pagetables), current, tol))
		return -1;
	snprintf(name, sizeof(name), "%s: memory.stat anon change (mapped)", what);
	if (expect_near(name, now->anon - base->anon, anon, tol))
		return -1;
	snprintf(name, sizeof(name), "%s: active_anon + inactive_anon change (charged)", what);
	return expect_near(name, now->lru - base->lru, lru, tol);
}

/*
 * C's huge pages made, then half of each unmapped: mapped anon halves,
 * and nothing leaves the LRU or the page counter (charged whole).
 */
static int thp_made(struct thp *t, int round)
{
	long len = THP_COUNT * t->hpage;
	struct thpfig c0, c1, c2;
	char what[96];

	if (thpfig_read(t->g.c, &c0) || worker_start(t) ||
	    thpfig_read(t->g.c, &c1))
		return -1;
	snprintf(what, sizeof(what), "round %d: C's memory.stat anon_thp after W's faults", round);
	if (expect_near(what, c1.thp - c0.thp, len, 0))
		return -1;
	snprintf(what, sizeof(what), "round %d: C after W's faults", round);
	if (thpfig_moved(what, &c0, &c1, len, len, len) || worker_unmap(t) ||
	    thpfig_read(t->g.c, &c2))
		return -1;
	snprintf(what, sizeof(what), "round %d: C after W unmapped half of each huge page", round);
	return thpfig_moved(what, &c1, &c2, 0, -len / 2, 0);
}

/*
 * P's reclaim must split the huge pages: their unmapped halves leave P's
 * LRU and page counter; nothing mapped moves. Anon is not scanned (no
 * swap): P's scan witness (lib/scan.h) shows the reclaim ran over P.
 */
static int thp_split(struct thp *t, int round)
{
	long half = THP_COUNT * t->hpage / 2, splits = vmstat("thp_split_page");
	struct thpfig p, now;
	struct scan s;
	char what[128];
	int bad;

	bad = scan_witness(&s, t->g.p, "rig_thp") || thpfig_read(t->g.p, &p) ||
	      reclaim_bytes(t->g.p, half) ||
	      scan_check(&s, "P", 0, 0) ||
	      thpfig_read(t->g.p, &now);
	scan_witness_remove(&s);
	if (bad)
		return -1;
	ktap_diag("round %d: /proc/vmstat thp_split_page rose by %ld at P's reclaim",
		  round, vmstat("thp_split_page") - splits);
	snprintf(what, sizeof(what), "round %d: P after P's reclaim (the deferred split of %s's huge pages)",
		 round, round ? "dead C" : "C");
	return thpfig_moved(what, &p, &now, -half, 0, -half);
}

/* W exits: the mapped halves leave P as well. */
static int thp_freed(struct thp *t, int round)
{
	long half = THP_COUNT * t->hpage / 2;
	struct thpfig p, now;
	char what[96];

	if (thpfig_read(t->g.p, &p) || worker_stop(t))
		return -1;
	if (thpfig_read(t->g.p, &now))
		return -1;
	snprintf(what, sizeof(what), "round %d: P after W exits", round);
	return thpfig_moved(what, &p, &now, -half, -half, -half);
}

static int thp_round(struct thp *t, int round)
{
	char pid[32];

	if (thp_made(t, round))
		return -1;
	if (round) {
		snprintf(pid, sizeof(pid), "%d", t->w);
		if (cg_write(t->g.s, "cgroup.procs", pid) || cg_destroy(t->g.c))
			return -1;
		t->g.c[0] = '\0';
		cg_kick_stocks("only W's huge pages may hold dead C, not a CPU's stock");
		/* offline runs a grace period after rmdir, from a workqueue */
		sleep_ms(HOLD_MS);
		if (cg_dying_is(t->g.p, "C", 1, "thp-pin-not-seen",
				"while its huge pages live"))
			return -1;
	}
	if (thp_split(t, round) || thp_freed(t, round))
		return -1;
	if (!round && cg_destroy(t->g.c))
		return -1;
	t->g.c[0] = '\0';
	return cg_wait_gone(t->g.p, round ? "C, once W's huge pages are freed" :
			    "C of round 0, W gone");
}

int test_thp_deferred_split(void)
{
	struct thp t = { .w = -1 };
	int bad;

	if (access(THP_DIR, F_OK)) {
		test_reason("no transparent huge pages in this kernel");
		return KSFT_SKIP;
	}
	if (!cg_is_v2()) {
		test_reason("cgroup v1's memory.stat has no anon or anon_thp (its rss counts differ)");
		return KSFT_SKIP;
	}
	t.hpage = cg_read_long(THP_DIR, "hpage_pmd_size");
	if (t.hpage <= 0) {
		ktap_fail("thp-size", "cannot read %s/hpage_pmd_size", THP_DIR);
		return KSFT_FAIL;
	}
	bad = outside_make(&t.g, "rig_thp") || thp_round(&t, 0);
	if (!bad) {
		t.g.c[0] = '\0';
		bad = cg_create(t.g.c, t.g.p, "child") || thp_round(&t, 1);
	}
	if (t.w > 0 && bad)
		worker_stop(&t);
	outside_remove(&t.g, bad);
	return bad ? KSFT_FAIL : KSFT_PASS;
}
