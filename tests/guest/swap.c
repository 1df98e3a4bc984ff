// SPDX-License-Identifier: GPL-2.0
/*
 * swap: C's tmpfs data swapped out (swap_reparent) or zswapped
 * (swap_zswap_reparent), then C removed. Swapped pages are not
 * reparented: their swap entries keep C's id (swap_cgroup), so C must
 * stay dying while they live, and their swap charge stays in the page
 * counters of C and its ancestors, so P's must fall by exactly what is
 * freed. zswap's compressed copies are charged through C's obj_cgroup,
 * which offline hands to P: freeing them must take their bytes from P's
 * zswap, zswapped and kernel statistics. A swap-in after rmdir is
 * charged to the task that faults, not to dead C
 * (mem_cgroup_swapin_charge_folio()): reader R, beside C, must get the
 * pages. At the end swapoff returns every slot: P's swap counter must be
 * back where it was and C freed.
 *
 * Two files, A and B, of identical pages (each compresses to the same
 * size, so each file's zswap share is known exactly): R reads A back,
 * B's pages are punched out while swapped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <unistd.h>

#include "lib/ledger.h"
#include "lib/outlive.h"
#include "lib/scan.h"
#include "lib/wait.h"
#include "suite.h"

#define SWAP_DIR	"/tmp/rig_swap"
#define ZRAM		"/sys/class/zram-control"
#define ZSWAP_DIR	"/sys/module/zswap/parameters"
#define ZSWAP_ON	ZSWAP_DIR "/enabled"
#define VM_DIR		"/proc/sys/vm"
#define PAGE_CLUSTER	VM_DIR "/page-cluster"
/* Pages of each file: A's and B's zswap bytes are far above tolerance. */
#define FILE_PAGES	1024
/*
 * Freed swap slots wait in a per-CPU return cache of SWAP_SLOTS_CACHE_SIZE
 * (include/linux/swap_slots.h, 6.14 and older) before their swap charge
 * and C's id are put: a slot freed may stay charged until that cache
 * fills, or until swapoff.
 */
#define SLOTS_RET_CACHE	64

struct swapdev {
	int zram;		/* zram device number, -1: none */
	char path[32];
	int swapped_on;
	char zswap_was[8];	/* zswap's enabled before the test; "": no zswap */
	char cluster_was[16];
};

/* mkswap: a version 1 header on the first page, the signature at its end. */
static int swap_header(const char *path, long bytes)
{
	long ps = page_size();
	char *page = calloc(1, ps);
	uint32_t *info;
	int fd = open(path, O_WRONLY), ok;

	if (!page || fd < 0) {
		free(page);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	info = (uint32_t *)(page + 1024);
	info[0] = 1;				/* version */
	info[1] = bytes / ps - 1;		/* last_page */
	memcpy(page + ps - 10, "SWAPSPACE2", 10);
	ok = write(fd, page, ps) == ps;
	close(fd);
	free(page);
	return ok ? 0 : -1;
}

/*
 * A zram swap device big enough for both files, zswap on or off, and no
 * swap readahead (vm.page-cluster 0, as zram setups run): a swap-in then
 * brings back the page asked for and no neighbour of the other file, so
 * each step's figures are exact.
 */
static int swapdev_on(struct swapdev *d, int zswap)
{
	char num[16], size[32], attr[48];

	d->zram = -1;
	d->swapped_on = 0;
	d->zswap_was[0] = d->cluster_was[0] = '\0';
	if (cg_read(ZRAM, "hot_add", num, sizeof(num))) {
		ktap_fail("swap-setup", "cannot add a zram device through %s/hot_add: %m (CONFIG_ZRAM)", ZRAM);
		return -1;
	}
	d->zram = atoi(num);
	snprintf(d->path, sizeof(d->path), "/dev/zram%d", d->zram);
	snprintf(size, sizeof(size), "%ld", 4L * FILE_PAGES * page_size());
	snprintf(attr, sizeof(attr), "/sys/block/zram%d", d->zram);
	if (cg_write(attr, "disksize", size) || swap_header(d->path, atol(size)) ||
	    swapon(d->path, 0)) {
		ktap_fail("swap-setup", "cannot make %s (%s bytes) a swap device: %m (CONFIG_SWAP)",
			  d->path, size);
		return -1;
	}
	d->swapped_on = 1;
	if (cg_read(VM_DIR, "page-cluster", d->cluster_was, sizeof(d->cluster_was)) ||
	    cg_write(VM_DIR, "page-cluster", "0")) {
		ktap_fail("swap-setup", "cannot set %s to 0: %m", PAGE_CLUSTER);
		return -1;
	}
	if (cg_read(ZSWAP_DIR, "enabled", d->zswap_was, sizeof(d->zswap_was))) {
		d->zswap_was[0] = '\0';
		return 0;
	}
	if (cg_write(ZSWAP_DIR, "enabled", zswap ? "Y" : "N")) {
		ktap_fail("swap-setup", "cannot turn zswap %s through %s: %m",
			  zswap ? "on" : "off", ZSWAP_ON);
		return -1;
	}
	return 0;
}

/* swapoff returns every slot, the per-CPU caches' too. */
static int swapdev_off(struct swapdev *d)
{
	char num[16];
	int bad = 0;

	if (d->swapped_on && swapoff(d->path)) {
		ktap_fail("swapoff", "swapoff %s: %m", d->path);
		bad = 1;
	}
	d->swapped_on = 0;
	if (d->zram >= 0) {
		snprintf(num, sizeof(num), "%d", d->zram);
		cg_write(ZRAM, "hot_remove", num);
		d->zram = -1;
	}
	if (d->zswap_was[0])
		cg_write(ZSWAP_DIR, "enabled", d->zswap_was);
	if (d->cluster_was[0])
		cg_write(VM_DIR, "page-cluster", d->cluster_was);
	d->zswap_was[0] = d->cluster_was[0] = '\0';
	return bad ? -1 : 0;
}

/*
 * Every page alike (so alike in compressed size), neither all one word
 * (which zram and zswap store as a pattern, uncharged) nor random (which
 * zswap may refuse): half text, half zeroes.
 */
static void fill_page(char *page, long ps)
{
	long i;

	memset(page, 0, ps);
	for (i = 0; i < ps / 2; i++)
		page[i] = "kmemcg-rig swap page "[i % 21] + (i / 21) % 7;
}

static int file_write(const char *name, long ps)
{
	char path[64], *page = malloc(ps);
	int fd, i, bad = 0;

	snprintf(path, sizeof(path), SWAP_DIR "/%s", name);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (fd < 0 || !page) {
		free(page);
		return 1;
	}
	fill_page(page, ps);
	for (i = 0; i < FILE_PAGES && !bad; i++)
		bad = write(fd, page, ps) != ps;
	close(fd);
	free(page);
	return bad;
}

/* In C: files A and B. */
static int make_files(void *arg)
{
	long ps = page_size();

	(void)arg;
	return file_write("A", ps) || file_write("B", ps);
}

/* In R: A read back, every page, which swaps it in. */
static int read_back(void *arg)
{
	long ps = page_size(), i;
	char *page = malloc(ps);
	int fd = open(SWAP_DIR "/A", O_RDONLY), bad = 0;

	(void)arg;
	if (fd < 0 || !page) {
		free(page);
		return 1;
	}
	for (i = 0; i < FILE_PAGES && !bad; i++)
		bad = read(fd, page, ps) != ps;
	close(fd);
	free(page);
	return bad;
}

/* One cgroup's swap-side figures, statistics flushed first. */
struct swapfig {
	long swap;		/* v2 memory.swap.current; v1 memsw - usage */
	long shmem;
	/*
	 * The tmpfs data: v2 the flushed shmem; v1, whose statistics nothing
	 * flushes on demand, the page counter less the kmem counter
	 */
	long user;
	long zswap, zswapped;	/* zswap only; zswapped in bytes of the pages */
	long current;
};

static int swapfig_read(const char *cg, int zswap, struct swapfig *f)
{
	long memsw, kmem;

	cg_flush(cg);
	if (cg_get(cg, ledger_pages_name(), NULL, &f->current) ||
	    cg_get(cg, "memory.stat", "shmem", &f->shmem))
		return -1;
	if (cg_is_v2()) {
		f->user = f->shmem;
		if (cg_get(cg, "memory.swap.current", NULL, &f->swap))
			return -1;
	} else {
		if (cg_get(cg, "memory.memsw.usage_in_bytes", NULL, &memsw) ||
		    cg_get(cg, "memory.kmem.usage_in_bytes", NULL, &kmem))
			return -1;
		f->swap = memsw - f->current;
		f->user = f->current - kmem;
	}
	if (!zswap)
		return 0;
	return cg_get(cg, "memory.zswap.current", NULL, &f->zswap) ||
	       cg_get(cg, "memory.stat", "zswapped", &f->zswapped) ? -1 : 0;
}

/*
 * Reclaim until C's data is all out (its swap counter holds it all; on v2
 * its flushed shmem is 0 too): memory.reclaim (v1: force_empty)
 * may stop short while pages are in flight; a few rounds take them all.
 */
static int swap_out(const char *c, int zswap, long want, struct swapfig *f)
{
	int round;

	for (round = 0; round < 10; round++) {
		if (reclaim_all(c))
			return -1;
		if (swapfig_read(c, zswap, f))
			return -1;
		if (f->swap >= want && (f->shmem == 0 || !cg_is_v2()))
			return 0;
	}
	ktap_fail("swap-out", "expected C's %ld B of tmpfs data all swapped after 10 rounds of reclaim, measured swap %ld B, shmem still %ld B",
		  want, f->swap, f->shmem);
	return -1;
}

/*
 * P's swap counter's fall since before, once n pages' slots have been
 * freed: all of them, less what the per-CPU return caches may still hold
 * (SLOTS_RET_CACHE), never more.
 */
static int swap_fell(const char *what, long before, long after, long n)
{
	long ps = page_size(), freed = n * ps;
	long lo = freed - (long)nr_cpus() * SLOTS_RET_CACHE * ps;

	return expect_range(what, before - after, lo < 0 ? 0 : lo, freed);
}

/*
 * When a freed page's zswap entry goes: at the free (6.5 on: exclusive
 * loads, zswap_invalidate() from free_swap_slot()), or with its slot,
 * once the per-CPU return cache lets it go (before: the frontswap
 * invalidate in swap_range_free()). The first step that tells them apart
 * says which this kernel does; every later step must do the same.
 */
enum zswap_when { ZSWAP_UNKNOWN, ZSWAP_AT_FREE, ZSWAP_WITH_SLOT };

struct swapcase {
	struct swapdev dev;
	char p[CG_PATH_MAX], c[CG_PATH_MAX], r[CG_PATH_MAX];
	int zswap;
	long ps, data;		/* bytes of each file */
	long z;			/* zswap bytes of one file, measured in C */
	long zpage;		/* of one page: every page compresses alike */
	enum zswap_when when;
	struct swapfig c0, p0, r0, now;
};

/*
 * cg's tmpfs data (swapfig's user) rose by want since base; on v1 once
 * the stocks' pre-charge is given back to the page counter.
 */
static int shmem_rose(const char *cg, const char *who, const char *what,
		      const struct swapfig *base, long want)
{
	struct swapfig now;
	char name[160];

	if (!cg_is_v2())
		cg_kick_stocks("v1 reads tmpfs data from the page counter, pre-charge aside");
	if (swapfig_read(cg, 0, &now))
		return -1;
	snprintf(name, sizeof(name), "%s's %s %s", who,
		 cg_is_v2() ? "memory.stat shmem" : "page counter less kmem", what);
	return expect_near(name, now.user - base->user, want, ledger_tol(want));
}

/* C made, its files made and swapped out; figures of C while it lives. */
static int swap_made(struct swapcase *s)
{
	long want = 2 * s->data;
	struct swapfig none = { 0 };
	struct scan sc;

	/* every page swapped out was stolen by C's reclaim, and only those */
	if (cg_create(s->p, cg_root, s->zswap ? "rig_zswap" : "rig_swap") ||
	    cg_enable_memory(s->p) || cg_create(s->c, s->p, "child") ||
	    cg_create(s->r, s->p, "reader") ||
	    cg_run(s->c, make_files, NULL) ||
	    shmem_rose(s->c, "C", "after writing A and B", &none, want) ||
	    scan_base(&sc, s->c) || swap_out(s->c, s->zswap, want, &s->c0) ||
	    scan_check(&sc, "C", want, want) ||
	    expect_near("C's swap after reclaim", s->c0.swap, want, 0))
		return -1;
	if (!s->zswap)
		return 0;
	if (expect_near("C's memory.stat zswapped (bytes of the pages)", s->c0.zswapped,
			2 * s->data, 0) ||
	    expect_near("C's memory.zswap.current against memory.stat zswap",
			s->c0.zswap, cg_read_key(s->c, "memory.stat", "zswap"),
			ledger_tol(s->c0.zswap)))
		return -1;
	if (s->c0.zswap <= 0 || s->c0.zswap >= want) {
		ktap_fail("zswap-size", "expected C's zswap between 0 and %ld B (compressed), measured %ld B",
			  want, s->c0.zswap);
		return -1;
	}
	s->z = s->c0.zswap / 2;
	s->zpage = s->c0.zswap / (2 * FILE_PAGES);
	ktap_diag("zswap: %d pages of each file compress to %ld B, %ld B a page (%ld B over)",
		  FILE_PAGES, s->z, s->zpage, s->c0.zswap % (2 * FILE_PAGES));
	return 0;
}

/*
 * rmdir C: its swap entries hold its id, so it stays dying (only those
 * may hold it: C's stocks are kicked first), and P's figures stand.
 */
static int swap_removed(struct swapcase *s)
{
	if (swapfig_read(s->p, s->zswap, &s->p0) ||
	    swapfig_read(s->r, s->zswap, &s->r0) || cg_destroy(s->c))
		return -1;
	cg_kick_stocks("only C's swap entries may hold it, not a CPU's stock");
	sleep_ms(HOLD_MS);
	if (cg_dying_is(s->p, "C", 1, "swap-pin-not-seen",
			"while its swap entries live"))
		return -1;
	if (swapfig_read(s->p, s->zswap, &s->now) ||
	    expect_near("P's swap after rmdir C", s->now.swap, s->p0.swap, 0))
		return -1;
	if (s->zswap &&
	    (expect_near("P's memory.stat zswapped after rmdir C",
			 s->now.zswapped, s->p0.zswapped, 0) ||
	     expect_near("P's memory.zswap.current after rmdir C",
			 s->now.zswap, s->p0.zswap, ledger_tol(s->z))))
		return -1;
	return 0;
}

/*
 * The zswap pages gone from P once pages have been freed since rmdir C,
 * slots of them given back (P's swap counter's fall): measured tells the
 * kernel's way the first time the two differ.
 */
static long zswap_gone(struct swapcase *s, long pages, long slots,
		       long measured)
{
	long at = pages * s->zpage, with = slots * s->zpage;

	if (s->when == ZSWAP_UNKNOWN && at != with) {
		s->when = labs(measured - at) <= labs(measured - with) ?
			  ZSWAP_AT_FREE : ZSWAP_WITH_SLOT;
		ktap_diag("zswap entries go %s (%ld pages freed, %ld slots given back, %ld B of zswap gone)",
			  s->when == ZSWAP_AT_FREE ? "when their page is freed" :
			  "with their swap slot", pages, slots, measured);
	}
	return s->when == ZSWAP_WITH_SLOT ? slots : pages;
}

/*
 * After pages of C's have been freed since rmdir C (from swap, by R's
 * swap-in or a punch): P's swap falls by their slots less the return
 * caches (swap_fell()), its zswap and zswapped by the entries gone
 * (zswap_gone()), and both its kmem ledgers by their bytes from base,
 * beside pages_in more of R's in the page counter.
 */
static int swap_step(struct swapcase *s, const char *what, long pages,
		     const struct swapfig *before, const struct ledgers *km,
		     long pages_in)
{
	long slots, gone = 0, prev = 0;
	char name[3][160];

	snprintf(name[0], sizeof(name[0]), "P's swap fall since rmdir C when %s", what);
	snprintf(name[1], sizeof(name[1]), "P's memory.stat zswapped fall since rmdir C when %s", what);
	snprintf(name[2], sizeof(name[2]), "P's memory.zswap.current fall since rmdir C when %s", what);
	if (swapfig_read(s->p, s->zswap, &s->now) ||
	    swap_fell(name[0], s->p0.swap, s->now.swap, pages))
		return -1;
	slots = (s->p0.swap - s->now.swap) / s->ps;
	if (s->zswap) {
		gone = zswap_gone(s, pages, slots, s->p0.zswap - s->now.zswap);
		if (expect_near(name[1], s->p0.zswapped - s->now.zswapped,
				gone * s->ps, 0) ||
		    expect_near(name[2], s->p0.zswap - s->now.zswap,
				gone * s->zpage, ledger_tol(gone * s->zpage)))
			return -1;
		/* what leaves kmem in this step: the zswap gone since before */
		gone *= s->zpage;
		prev = s->p0.zswap - before->zswap;
	}
	snprintf(name[0], sizeof(name[0]), "P's %%s when %s%s", what,
		 s->zswap ? " (zswap bytes gone)" : "");
	return ledger_expect_each(s->p, ledger_kmem_key(), km, prev - gone,
				  pages_in + prev - gone,
				  ledger_tol(gone - prev + pages_in), 0, name[0],
				  NULL);
}

/*
 * R reads A back: R is charged its pages (C is offline): R's shmem and
 * P's rise by A; then swap_step().
 */
static int swap_read_back(struct swapcase *s)
{
	struct swapfig before = s->p0;
	struct ledgers shm, km;

	cg_kick_stocks("the base: what earlier steps left in stocks is not A's");
	if (ledger_read(s->p, "shmem", &shm) ||
	    ledger_read(s->p, ledger_kmem_key(), &km) ||
	    cg_run(s->r, read_back, NULL) ||
	    shmem_rose(s->r, "R", "after reading A back (a swap-in charges the reader)",
		       &s->r0, s->data))
		return -1;
	if (cg_is_v2() &&
	    ledger_expect_stat(s->p, "shmem", &shm, s->data, ledger_tol(s->data),
			       "P's %s after A is swapped in by R", NULL))
		return -1;
	return swap_step(s, "A is swapped in", FILE_PAGES, &before, &km,
			 s->data);
}

/*
 * B's pages punched out while swapped, all but the first of every 64
 * (XA_CHUNK_SIZE): each node of B's page cache xarray keeps an entry, so
 * that what leaves P is B's swap and zswap alone.
 */
#define PUNCHED	(FILE_PAGES - FILE_PAGES / 64)

static int punch(long ps)
{
	int fd = open(SWAP_DIR "/B", O_WRONLY), bad = 0;
	long k;

	for (k = 0; fd >= 0 && k < FILE_PAGES && !bad; k += 64)
		bad = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				(k + 1) * ps, 63 * ps);
	if (fd < 0 || bad)
		ktap_fail("punch", "cannot punch holes in %s/B: %m", SWAP_DIR);
	if (fd >= 0)
		close(fd);
	return fd < 0 || bad ? -1 : 0;
}

static int swap_punched(struct swapcase *s)
{
	struct swapfig before = s->now;
	struct ledgers km;

	cg_kick_stocks("the base: what earlier steps left in stocks is not B's");
	if (ledger_read(s->p, ledger_kmem_key(), &km) || punch(s->ps) ||
	    swap_step(s, "B's pages are punched too", FILE_PAGES + PUNCHED,
		      &before, &km, 0))
		return -1;
	ktap_diag("after B: P's swap %ld B above what B's last %d pages hold, in the per-CPU return caches",
		  s->now.swap - (s->p0.swap - s->data - PUNCHED * s->ps),
		  FILE_PAGES - PUNCHED);
	return 0;
}

/*
 * swapoff: every slot back, so P's swap, zswap and zswapped back where
 * they stood before C's data to the byte (B's last pages swapped in by
 * swapoff are charged elsewhere, C being dead), and C freed.
 */
static int swap_all_off(struct swapcase *s)
{
	if (swapdev_off(&s->dev) || swapfig_read(s->p, s->zswap, &s->now) ||
	    expect_near("P's swap after swapoff", s->now.swap,
			s->p0.swap - 2 * s->data, 0))
		return -1;
	if (s->zswap &&
	    (expect_near("P's memory.zswap.current after swapoff",
			 s->now.zswap, s->p0.zswap - s->c0.zswap, 0) ||
	     expect_near("P's memory.stat zswapped after swapoff",
			 s->now.zswapped, s->p0.zswapped - 2 * s->data, 0)))
		return -1;
	return cg_wait_gone(s->p, "C, its swap entries gone");
}

static int swap_run(int zswap)
{
	struct swapcase s = { .zswap = zswap };
	int bad;

	if (zswap && !cg_is_v2()) {
		test_reason("cgroup v1: zswap is charged on cgroup v2 only");
		return KSFT_SKIP;
	}
	if (zswap && access(ZSWAP_ON, F_OK)) {
		test_reason("no zswap in this kernel (CONFIG_ZSWAP)");
		return KSFT_SKIP;
	}
	snprintf(s.p, sizeof(s.p), "%s/memory.zswap.current", cg_root);
	if (zswap && access(s.p, F_OK)) {
		test_reason("zswap is not charged to memcgs on this kernel (5.19 on)");
		return KSFT_SKIP;
	}
	s.ps = page_size();
	s.data = (long)FILE_PAGES * s.ps;
	s.p[0] = s.c[0] = s.r[0] = '\0';
	mkdir(SWAP_DIR, 0755);
	bad = swapdev_on(&s.dev, zswap) || swap_made(&s) ||
	      swap_removed(&s) || swap_read_back(&s) || swap_punched(&s) ||
	      swap_all_off(&s);
	unlink(SWAP_DIR "/A");
	unlink(SWAP_DIR "/B");
	rmdir(SWAP_DIR);
	swapdev_off(&s.dev);
	if (s.c[0])
		cg_destroy(s.c);
	if (s.r[0])
		cg_destroy(s.r);
	if (s.p[0])
		cg_destroy(s.p);
	return bad ? KSFT_FAIL : KSFT_PASS;
}

int test_swap_reparent(void)
{
	return swap_run(0);
}

int test_swap_zswap_reparent(void)
{
	return swap_run(1);
}
