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
#include "lib/wait.h"
#include "suite.h"

#define SWAP_DIR	"/tmp/rig_swap"
#define ZRAM		"/sys/class/zram-control"
#define ZSWAP_ON	"/sys/module/zswap/parameters/enabled"
#define PAGE_CLUSTER	"/proc/sys/vm/page-cluster"
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

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

static int read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

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
	if (read_str(ZRAM "/hot_add", num, sizeof(num))) {
		ktap_fail("swap-setup", "cannot add a zram device through %s/hot_add: %m (CONFIG_ZRAM)", ZRAM);
		return -1;
	}
	d->zram = atoi(num);
	snprintf(d->path, sizeof(d->path), "/dev/zram%d", d->zram);
	snprintf(size, sizeof(size), "%ld", 4L * FILE_PAGES * page_size());
	snprintf(attr, sizeof(attr), "/sys/block/zram%d/disksize", d->zram);
	if (write_str(attr, size) || swap_header(d->path, atol(size)) ||
	    swapon(d->path, 0)) {
		ktap_fail("swap-setup", "cannot make %s (%s bytes) a swap device: %m (CONFIG_SWAP)",
			  d->path, size);
		return -1;
	}
	d->swapped_on = 1;
	if (read_str(PAGE_CLUSTER, d->cluster_was, sizeof(d->cluster_was)) ||
	    write_str(PAGE_CLUSTER, "0")) {
		ktap_fail("swap-setup", "cannot set %s to 0: %m", PAGE_CLUSTER);
		return -1;
	}
	if (read_str(ZSWAP_ON, d->zswap_was, sizeof(d->zswap_was))) {
		d->zswap_was[0] = '\0';
		return 0;
	}
	if (write_str(ZSWAP_ON, zswap ? "Y" : "N")) {
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
		write_str(ZRAM "/hot_remove", num);
		d->zram = -1;
	}
	if (d->zswap_was[0])
		write_str(ZSWAP_ON, d->zswap_was);
	if (d->cluster_was[0])
		write_str(PAGE_CLUSTER, d->cluster_was);
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
	long zswap, zswapped;	/* zswap only; zswapped in bytes of the pages */
	long current;
};

static int swapfig_read(const char *cg, int zswap, struct swapfig *f)
{
	long memsw;

	cg_flush(cg);
	if (cg_get(cg, ledger_pages_name(), NULL, &f->current) ||
	    cg_get(cg, "memory.stat", "shmem", &f->shmem))
		return -1;
	if (cg_is_v2()) {
		if (cg_get(cg, "memory.swap.current", NULL, &f->swap))
			return -1;
	} else {
		if (cg_get(cg, "memory.memsw.usage_in_bytes", NULL, &memsw))
			return -1;
		f->swap = memsw - f->current;
	}
	if (!zswap)
		return 0;
	return cg_get(cg, "memory.zswap.current", NULL, &f->zswap) ||
	       cg_get(cg, "memory.stat", "zswapped", &f->zswapped) ? -1 : 0;
}

/*
 * Reclaim until C's data is all out: memory.reclaim (v1: force_empty)
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
		if (f->swap >= want && f->shmem == 0)
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

struct swapcase {
	struct swapdev dev;
	char p[CG_PATH_MAX], c[CG_PATH_MAX], r[CG_PATH_MAX];
	int zswap;
	long ps, data;		/* bytes of each file */
	long z;			/* zswap bytes of one file, measured in C */
	long zpage;		/* of one page: every page compresses alike */
	struct swapfig c0, p0, r0, now;
};

/* C made, its files made and swapped out; figures of C while it lives. */
static int swap_made(struct swapcase *s)
{
	long want = 2 * s->data;

	if (cg_create(s->p, cg_root, s->zswap ? "rig_zswap" : "rig_swap") ||
	    cg_enable_memory(s->p) || cg_create(s->c, s->p, "child") ||
	    cg_create(s->r, s->p, "reader") ||
	    cg_run(s->c, make_files, NULL) ||
	    swapfig_read(s->c, s->zswap, &s->c0) ||
	    expect_near("C's memory.stat shmem after writing A and B",
			s->c0.shmem, want, ledger_tol(want)) ||
	    swap_out(s->c, s->zswap, want, &s->c0) ||
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
 * R reads A back: R is charged its pages (C is offline), A's zswap
 * bytes leave P's kmem through the reparented obj_cgroup, and P's swap
 * falls by A's slots. Both of P's ledgers: shmem and the page counter
 * (R's pages in, A's zswap bytes out), and kmem's statistics.
 */
static int swap_read_back(struct swapcase *s)
{
	const char *kmem = ledger_kmem_key();
	long z = s->zswap ? s->z : 0;
	struct ledgers shm, km;
	struct swapfig r;

	cg_kick_stocks("the base: what earlier steps left in stocks is not A's");
	if (ledger_read(s->p, "shmem", &shm) || ledger_read(s->p, kmem, &km) ||
	    cg_run(s->r, read_back, NULL) || swapfig_read(s->r, 0, &r))
		return -1;
	if (expect_near("R's memory.stat shmem after reading A back (a swap-in charges the reader)",
			r.shmem - s->r0.shmem, s->data, ledger_tol(s->data)) ||
	    ledger_expect_each(s->p, "shmem", &shm, s->data, s->data - z,
			       ledger_tol(s->data), 0,
			       "P's %s after A is swapped in by R", NULL) ||
	    ledger_expect_stat(s->p, kmem, &km, -z, ledger_tol(z),
			       "P's %s after A is swapped in (its zswap bytes)",
			       NULL) ||
	    swapfig_read(s->p, s->zswap, &s->now) ||
	    swap_fell("P's swap fall since rmdir C when A is swapped in",
		      s->p0.swap, s->now.swap, FILE_PAGES))
		return -1;
	if (s->zswap &&
	    (expect_near("P's memory.stat zswapped fall when A is swapped in",
			 s->p0.zswapped - s->now.zswapped, s->data, 0) ||
	     expect_near("P's memory.zswap.current fall when A is swapped in",
			 s->p0.zswap - s->now.zswap, s->z, ledger_tol(s->z))))
		return -1;
	return 0;
}

/*
 * B's pages punched out while swapped, all but the first of every 64
 * (XA_CHUNK_SIZE): each node of B's page cache xarray keeps an entry, so
 * what leaves P is B's swap and zswap alone. Its slots leave P's swap,
 * its zswap bytes P's zswap and both kmem ledgers.
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
	const char *kmem = ledger_kmem_key();
	long z = s->zswap ? s->zpage * PUNCHED : 0;
	struct swapfig before = s->now;
	struct ledgers km;

	cg_kick_stocks("the base: what earlier steps left in stocks is not B's");
	if (ledger_read(s->p, kmem, &km) || punch(s->ps) ||
	    ledger_expect(s->p, kmem, &km, -z, ledger_tol(z),
			  "P's %s after B's pages are punched (their zswap bytes)",
			  NULL) ||
	    swapfig_read(s->p, s->zswap, &s->now) ||
	    swap_fell("P's swap fall since rmdir C when B's pages are punched too",
		      s->p0.swap, s->now.swap, FILE_PAGES + PUNCHED))
		return -1;
	if (s->zswap &&
	    (expect_near("P's memory.stat zswapped fall when B's pages are punched",
			 before.zswapped - s->now.zswapped, PUNCHED * s->ps, 0) ||
	     expect_near("P's memory.zswap.current fall when B's pages are punched",
			 before.zswap - s->now.zswap, z, ledger_tol(z))))
		return -1;
	ktap_diag("after B: P's swap %ld B above what B's last %d pages hold, in the per-CPU return caches",
		  s->now.swap - (s->p0.swap - s->data - PUNCHED * s->ps),
		  FILE_PAGES - PUNCHED);
	return 0;
}

/* swapoff: every slot back, P's swap where it started, C freed. */
static int swap_all_off(struct swapcase *s)
{
	if (swapdev_off(&s->dev) || swapfig_read(s->p, 0, &s->now) ||
	    expect_near("P's swap after swapoff", s->now.swap,
			s->p0.swap - 2 * s->data, 0))
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
