// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel memory that a task charges to its cgroup and that lives in the
 * task's own structures, not in any object of C: task_pagetables, page
 * tables (memory.stat pagetables), and task_fdtable, an fd table so
 * large that it is vmalloc'ed (memory.stat vmalloc).
 *
 * W shares the rig's memory (CLONE_VM) and runs on a stack the rig
 * touched, so that it faults in nothing of its own: in C (T > P > C, S
 * beside T) it makes the units, then moves to S, and C is removed. C
 * must be freed hands off, its charge reparented: P holds the units in
 * their key, in kernel and in its page counter, exactly as C did, and S
 * none of them. Freed from outside (the rig unmaps the mapping whose
 * tables W made; W exits with its fd table), they leave P.
 *
 * Page tables: the rig maps TABLES + 1 spans of one page table each
 * (page size / 8 PTEs of a page each), read-only and without huge pages,
 * and faults in the first; W reads a byte of each other span, which maps
 * the zero page and takes one page table, charged to W's memcg, a page.
 *
 * fd table: W duplicates a descriptor to the last one fs.nr_open allows,
 * and its table grows to nr_open pointers, past kmalloc's largest size,
 * so vmalloc'ed, and its bitmaps past kmalloc's caches, a large kmalloc
 * of whole pages (kernel and slab, not vmalloc): C's kernel must rise by
 * both, as alloc_fdtable() sizes them for the slots it gives.
 */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/era.h"
#include "lib/kick.h"
#include "lib/outlive.h"
#include "lib/wait.h"
#include "suite.h"

#define TABLES		256

struct task_case {
	const char *name, *key, *what;
	int (*make)(struct task_case *t);	/* in W, in C */
	void (*unmake)(struct task_case *t);	/* by the rig; NULL: W's exit */
	long bytes;				/* the units' charge in key */
	long extra;	/* what comes with them in kernel only (the fd bitmaps) */
	char *map;
	long span, fd;
};

/* W and the rig share memory: these are read and written with __atomic. */
static int w_go, w_done, w_quit;
static char w_stack[64 * 1024] __attribute__((aligned(16)));

static int w_wait(int *flag)
{
	while (!__atomic_load_n(flag, __ATOMIC_SEQ_CST))
		usleep(1000);
	return 0;
}

static int w_main(void *arg)
{
	struct task_case *t = arg;
	int ret;

	w_wait(&w_go);
	ret = t->make(t);
	__atomic_store_n(&w_done, ret ? -1 : 1, __ATOMIC_SEQ_CST);
	w_wait(&w_quit);
	return ret;
}

static int make_tables(struct task_case *t)
{
	long i;
	char c = 0;

	/* a load the compiler must keep: each one faults a page table in */
	for (i = 1; i <= TABLES; i++)
		c += __atomic_load_n(t->map + i * t->span, __ATOMIC_RELAXED);
	return c;
}

static void unmake_tables(struct task_case *t)
{
	munmap(t->map, (TABLES + 1) * t->span);
	t->map = NULL;
}

/* The mapping, its upper tables and first page table the rig's (root's). */
static int prepare_tables(struct task_case *t)
{
	long len, base;

	t->span = page_size() / 8 * page_size();
	len = (TABLES + 2) * t->span;
	t->map = mmap(NULL, len, PROT_READ,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (t->map == MAP_FAILED) {
		ktap_fail("map", "cannot map %ld B: %m", len);
		t->map = NULL;
		return -1;
	}
	/* whole spans: each read below takes a page table of its own */
	base = ((long)t->map + t->span - 1) & ~(t->span - 1);
	munmap(t->map, base - (long)t->map);
	munmap((char *)base + (TABLES + 1) * t->span,
	       (long)t->map + len - base - (TABLES + 1) * t->span);
	t->map = (char *)base;
	madvise(t->map, (TABLES + 1) * t->span, MADV_NOHUGEPAGE);
	t->bytes = TABLES * page_size();
	return __atomic_load_n(t->map, __ATOMIC_RELAXED);
}

static int make_fdtable(struct task_case *t)
{
	return dup2(0, t->fd) != t->fd;
}

/*
 * The slots alloc_fdtable() gives for nr_open wanted: the next power of
 * two, or nr_open rounded down to whole longs when that is past it.
 */
static long fdtable_slots(long nr_open)
{
	long nr = 1;

	while (nr < nr_open)
		nr *= 2;
	return nr > nr_open ? nr_open / 64 * 64 : nr;
}

/*
 * Its bitmaps for nr slots (open and close-on-exec bits, a bit a long of
 * the first): past kmalloc's caches (two pages) a large kmalloc of the
 * next power-of-two number of pages; below, a cache's object, within
 * the tolerance.
 */
static long fdtable_bitmaps(long nr)
{
	long size = 2 * nr / 8 + ((nr + 63) / 64 + 63) / 64 * 8;
	long pages = (size + page_size() - 1) / page_size(), order = 1;

	if (size <= 2 * page_size())
		return 0;
	while (order < pages)
		order *= 2;
	return order * page_size();
}

static int prepare_fdtable(struct task_case *t)
{
	long nr_open = cg_read_long("/proc/sys/fs", "nr_open");
	struct rlimit r;

	if (nr_open <= 0) {
		ktap_fail("nr-open", "cannot read /proc/sys/fs/nr_open");
		return -1;
	}
	r.rlim_cur = r.rlim_max = nr_open;
	if (setrlimit(RLIMIT_NOFILE, &r)) {
		ktap_fail("rlimit", "cannot raise RLIMIT_NOFILE to fs.nr_open (%ld): %m",
			  nr_open);
		return -1;
	}
	t->fd = nr_open - 1;
	t->bytes = fdtable_slots(nr_open) * (long)sizeof(void *);
	t->extra = fdtable_bitmaps(fdtable_slots(nr_open));
	return 0;
}

/* cg's figures: the units' key, kernel and the page counter. */
struct figs {
	long key, kernel, pages;
};

static int figs_read(const char *cg, const struct task_case *t, struct figs *f)
{
	cg_flush(cg);
	return cg_get(cg, "memory.stat", t->key, &f->key) ||
	       cg_get(cg, "memory.stat", "kernel", &f->kernel) ||
	       cg_get(cg, "memory.current", NULL, &f->pages);
}

struct settle_figs {
	const char *cg;
	const struct task_case *t;
	struct figs want, now;
	long tol;
	int err;
};

static bool figs_at(void *arg)
{
	struct settle_figs *s = arg;

	s->err = figs_read(s->cg, s->t, &s->now);
	return s->err ||
	       (within(s->now.key, s->want.key, s->tol) &&
		within(s->now.kernel, s->want.kernel, s->tol) &&
		within(s->now.pages, s->want.pages, s->tol));
}

/*
 * who's figures at base + d, polled (kicked: who's own stock holds its
 * pre-charge while it lives), each checked; now gets them.
 */
static int figs_expect(const char *who, const char *cg,
		       const struct task_case *t, const struct figs *base,
		       const struct figs *d, bool kick, const char *when,
		       struct figs *now)
{
	struct settle_figs s = {
		cg, t, { base->key + d->key, base->kernel + d->kernel,
			 base->pages + d->pages }, { 0 },
		ledger_tol(labs(d->kernel)), 0,
	};
	char what[160];

	if (kick)
		poll_kicked(figs_at, &s, WAIT_MS,
			    "a live cgroup's own stock holds its pre-charge");
	else
		poll_until(figs_at, &s, WAIT_MS);
	if (s.err)
		return -1;
	*now = s.now;
	snprintf(what, sizeof(what), "%s's memory.stat %s %s", who, t->key, when);
	if (expect_near(what, s.now.key - base->key, d->key, s.tol))
		return -1;
	snprintf(what, sizeof(what), "%s's memory.stat kernel %s", who, when);
	if (expect_near(what, s.now.kernel - base->kernel, d->kernel, s.tol))
		return -1;
	snprintf(what, sizeof(what), "%s's memory.current %s", who, when);
	return expect_near(what, s.now.pages - base->pages, d->pages, s.tol);
}

static pid_t w_start(struct task_case *t)
{
	__atomic_store_n(&w_go, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&w_done, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&w_quit, 0, __ATOMIC_SEQ_CST);
	memset(w_stack, 0, sizeof(w_stack));
	return clone(w_main, w_stack + sizeof(w_stack), CLONE_VM | SIGCHLD, t);
}

static int w_stop(pid_t w)
{
	int status;

	__atomic_store_n(&w_quit, 1, __ATOMIC_SEQ_CST);
	return waitpid(w, &status, 0) != w || !WIFEXITED(status) ||
	       WEXITSTATUS(status) ? -1 : 0;
}

static int w_move(pid_t w, const char *cg)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", w);
	return cg_write(cg, "cgroup.procs", pid);
}

static bool w_made(void *arg)
{
	(void)arg;
	return __atomic_load_n(&w_done, __ATOMIC_SEQ_CST) != 0;
}

/*
 * C's rise, as the kernel sizes the units: key by them, kernel and the
 * page counter by them and what comes with them (extra).
 */
static int task_made(struct task_case *t, struct outside *g, pid_t w,
		     struct figs *rise)
{
	long all = t->bytes + t->extra;
	struct figs c0, c1, d = { t->bytes, all, all };

	if (figs_read(g->c, t, &c0) || w_move(w, g->c))
		return -1;
	__atomic_store_n(&w_go, 1, __ATOMIC_SEQ_CST);
	poll_quietly(w_made, NULL, WAIT_MS);
	if (__atomic_load_n(&w_done, __ATOMIC_SEQ_CST) != 1) {
		ktap_fail("w-make", "W could not make %s in C", t->what);
		return -1;
	}
	cg_kick_stocks("C's own stock holds W's pre-charge");
	if (figs_read(g->c, t, &c1))
		return -1;
	ktap_diag("W made %s in C: %s %ld B, kernel %ld B (%ld B expected beside the key)",
		  t->what, t->key, c1.key - c0.key, c1.kernel - c0.kernel, t->extra);
	*rise = d;
	return figs_expect("C", g->c, t, &c0, &d, true, "when W makes its units",
			   &c1);
}

static int task_steps(struct task_case *t, struct outside *g, pid_t *w)
{
	struct figs p0, s0, rise, now, none = { 0 };

	if (figs_read(g->p, t, &p0) || figs_read(g->s, t, &s0) ||
	    task_made(t, g, *w, &rise) || w_move(*w, g->s) ||
	    cg_destroy(g->c))
		return -1;
	g->c[0] = '\0';
	/* W's units are W's: nothing of them may keep C */
	if (cg_wait_gone(g->p, "C, W moved out, its units reparented") ||
	    figs_expect("P", g->p, t, &p0, &rise, false,
			"after rmdir C (W's units)", &now) ||
	    figs_expect("S", g->s, t, &s0, &none, false,
			"after W moved in (charges stay)", &now))
		return -1;
	if (t->unmake) {
		t->unmake(t);
	} else {
		pid_t gone = *w;

		*w = -1;
		if (w_stop(gone))
			return -1;
	}
	/* their uncharges refill live P's own stock: kicked */
	return figs_expect("P", g->p, t, &p0, &none, true,
			   "once the units are freed", &now);
}

static int task_test(struct task_case *t, int (*prepare)(struct task_case *t))
{
	struct outside g = { 0 };
	pid_t w = -1;
	int bad;

	if (!cg_is_v2()) {
		test_reason("cgroup v1's memory.stat has no %s", t->key);
		return KSFT_SKIP;
	}
	if (!era_stat_key(t->key)) {
		test_reason("this kernel's memory.stat has no %s", t->key);
		return KSFT_SKIP;
	}
	bad = outside_make(&g, t->name) || prepare(t);
	if (!bad) {
		w = w_start(t);
		bad = w < 0 || task_steps(t, &g, &w);
	}
	if (w > 0 && w_stop(w))
		bad = 1;
	if (t->map)
		unmake_tables(t);
	outside_remove(&g, bad);
	return bad ? KSFT_FAIL : KSFT_PASS;
}

int test_task_pagetables(void)
{
	struct task_case t = {
		.name = "rig_task_pagetables", .key = "pagetables",
		.what = "256 page tables", .make = make_tables,
		.unmake = unmake_tables,
	};

	return task_test(&t, prepare_tables);
}

int test_task_fdtable(void)
{
	struct task_case t = {
		.name = "rig_task_fdtable", .key = "vmalloc",
		.what = "an fd table of fs.nr_open descriptors",
		.make = make_fdtable,
	};

	return task_test(&t, prepare_fdtable);
}
