// SPDX-License-Identifier: GPL-2.0
/*
 * offline_empty_stock (run when named, TESTS=offline_empty_stock), a
 * reproducer: a CPU's page stock that caches C with no pages left holds
 * C's css reference all the same (refill_stock() took it, only
 * drain_stock() drops it), and C's offline must drain it. drain_all_stock()
 * passes over a stock whose cached memcg has no pages, and C's objcg,
 * reparented just before, no longer makes the object stock one of C's:
 * C then stays dying until another memcg charges on that CPU.
 *
 * E joins C on the last CPU and charges only there, one page a fault as
 * the rig asks; the rig, on CPU 0 in the root cgroup (its reads charge
 * nothing), watches C's page counter: the fault that charges a whole
 * batch leaves the rest of it in the stock, and as many faults more take
 * it to zero pages, C still cached, the page counter unmoved. E exits on
 * CPU 0, the LRU batches are drained (E's folios in a CPU's batch hold C
 * too), and C is removed: it must be freed hands off, ROUNDS times. A
 * stock another memcg took in between holds nothing: that round is set
 * up again (ATTEMPTS). One CPU does (E and the rig share it) where E's exit
 * uncharges through no stock (5.4: per-memcg caches); with obj_cgroup,
 * kmem uncharges go through refill_stock(), so E's exit would fill the
 * stock again: a declared skip there.
 */
#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/era.h"
#include "lib/holder.h"
#include "lib/ledger.h"
#include "lib/wait.h"
#include "suite.h"

#define ROUNDS		3
#define REGION_PAGES	256

/* E's CPU: the last one */
static int ecpu;
#define HELD		2	/* LOST is 1 */

/* What the rig and E tell each other, in a page they share. */
struct talk {
	int ready;	/* E: 1 set up on its CPU in C, -1 failed */
	int want;	/* rig: pages E has faulted when done; -1 stop */
	int done;	/* E: pages faulted so far */
	int go;		/* rig: 1 exit */
};

static int talk_wait(int *what, int other)
{
	int i, v = other;

	for (i = 0; i < WAIT_MS && v == other; i++) {
		usleep(1000);
		v = __atomic_load_n(what, __ATOMIC_SEQ_CST);
	}
	return v;
}

/*
 * E: everything it charges, it charges on its CPU: its page tables (both
 * ends of the region, so that none is made later), then one folio a
 * page, as many as the rig asks, until told to go.
 */
static int empty_the_stock(void *arg)
{
	struct talk *t = arg;
	long pg = page_size(), done = 0, want;
	char *m;

	m = mmap(NULL, REGION_PAGES * pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		__atomic_store_n(&t->ready, -1, __ATOMIC_SEQ_CST);
		return 1;
	}
	m[0] = 1;
	m[(REGION_PAGES - 1) * pg] = 1;
	__atomic_store_n(&t->ready, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&t->go, __ATOMIC_SEQ_CST)) {
		want = __atomic_load_n(&t->want, __ATOMIC_SEQ_CST);
		if (want < 0 || want > REGION_PAGES - 2)
			return 1;
		while (done < want)
			m[++done * pg] = 1;
		__atomic_store_n(&t->done, done, __ATOMIC_SEQ_CST);
		usleep(100);
	}
	/* its exit frees on CPU 0, away from the stock (5.4 on one CPU: its
	 * uncharges go through no stock)
	 */
	return cpu_pin(0) ? 2 : 0;
}

/* E forked in the root cgroup, moved to its CPU, only then into C. */
static pid_t spawn_on_ecpu(const char *c, struct talk *t)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char me[32];

		t->ready = 0;	/* the shared page's mapping, made on CPU 0 */
		snprintf(me, sizeof(me), "%d", getpid());
		if (cpu_pin(ecpu) || cg_write(c, "cgroup.procs", me))
			_exit(127);
		_exit(empty_the_stock(t));
	}
	return pid;
}

/* E has faulted n pages in all; then C's page counter into *usage. */
static int fault_to(struct talk *t, const char *c, long n, long *usage)
{
	int i;

	__atomic_store_n(&t->want, n, __ATOMIC_SEQ_CST);
	for (i = 0; i < WAIT_MS && __atomic_load_n(&t->done, __ATOMIC_SEQ_CST) < n; i++)
		usleep(1000);
	if (__atomic_load_n(&t->done, __ATOMIC_SEQ_CST) < n) {
		ktap_diag("E did not fault its %ld pages", n);
		return -1;
	}
	return cg_get(c, ledger_pages_name(), NULL, usage);
}

static bool none_dying(void *p)
{
	return cg_dying(p) <= 0;
}

/*
 * The stock emptied, read off C's page counter alone (statistics lag on
 * older kernels): a fault the stock cannot serve charges a whole batch,
 * J pages, and leaves J - 1 in the stock; J - 1 faults more take them
 * all, the page counter unmoved. LOST when it moved: another charge came
 * between.
 */
static int empty_it(struct talk *t, const char *c, int round)
{
	long pg = page_size(), n, u0, u1, u2, jump = 0;

	if (fault_to(t, c, 0, &u0))
		return -1;
	for (n = 1; n <= 2 * CG_STOCK_PAGES && !jump; n++) {
		if (fault_to(t, c, n, &u1))
			return -1;
		if (u1 - u0 > pg)
			jump = (u1 - u0) / pg;
		u0 = u1;
	}
	if (!jump) {
		ktap_diag("round %d: %ld faults on CPU %d and no batch charged: no case",
			  round, n - 1, ecpu);
		return LOST;
	}
	if (fault_to(t, c, n - 1 + jump - 1, &u2))
		return -1;
	if (u2 != u1) {
		ktap_diag("round %d: a %ld-page batch charged at fault %ld, and C's page counter moved by %ld B over the %ld faults that should have emptied the stock: another charge came between, no case",
			  round, jump, n - 1, u2 - u1, jump - 1);
		return LOST;
	}
	ktap_diag("round %d: a %ld-page batch charged at E's fault %ld on CPU %d, then %ld faults more with C's page counter unmoved: the stock caches C with no pages",
		  round, jump, n - 1, ecpu, jump - 1);
	return 0;
}

/* One round: 0 C freed hands off, HELD, LOST not set up, -1 error. */
static int empty_round(const char *p, const char *c, int round)
{
	struct talk *t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	long t0;
	pid_t e;
	int ret = -1;

	if (t == MAP_FAILED)
		return -1;
	t->ready = t->want = t->done = t->go = 0;
	e = spawn_on_ecpu(c, t);
	if (e < 0 || talk_wait(&t->ready, 0) != 1) {
		ktap_diag("round %d: E did not set up on CPU %d in C (pid %d, said %d)",
			  round, ecpu, e, t->ready);
		goto out;
	}
	ret = empty_it(t, c, round);
	if (ret)
		goto out;
	ret = -1;
	__atomic_store_n(&t->go, 1, __ATOMIC_SEQ_CST);
	if (cg_reap(e))
		goto out;
	e = -1;
	cg_drain_lru("E's folios in a CPU's batch hold C too; the stock is the case");
	if (cg_destroy(c))
		goto out;
	t0 = now_ms();
	if (poll_until(none_dying, (void *)p, WAIT_MS)) {
		ktap_fail("held-by-empty-stock", "round %d: C still dying %d s after rmdir, expected freed hands off: CPU %d's page stock caches C with no pages, and offline's drain_all_stock() passed over it",
			  round, WAIT_MS / 1000, ecpu);
		ret = HELD;
	} else {
		ktap_diag("round %d: C freed, hands off, %ld ms after rmdir", round,
			  now_ms() - t0);
		ret = 0;
	}
out:
	if (e > 0) {
		__atomic_store_n(&t->want, -1, __ATOMIC_SEQ_CST);
		__atomic_store_n(&t->go, 1, __ATOMIC_SEQ_CST);
		cg_reap(e);
	}
	munmap(t, sizeof(*t));
	return ret;
}

static int empty_attempt(int round)
{
	char p[CG_PATH_MAX] = "", c[CG_PATH_MAX] = "";
	int ret = -1;

	if (cpu_pin(0))
		return -1;
	if (!cg_create(p, cg_root, "rig_empty_stock") && !cg_enable_memory(p) &&
	    !cg_create(c, p, "c"))
		ret = empty_round(p, c, round);
	cg_destroy(c);
	cg_destroy(p);
	/*
	 * P's offline, and a held C, over before the next round: a drain
	 * queued for them must not land in that round's stock
	 */
	if (ret >= 0 && poll_until(none_dying, (void *)cg_root, WAIT_MS) &&
	    cg_wait_gone_kicked(cg_root, "the round's P and C"))
		return -1;
	return ret;
}

int test_offline_empty_stock(void)
{
	int round, i, ret = 0;

	ecpu = nr_cpus() - 1;
	if (!ecpu && !era_per_memcg_caches()) {
		test_reason("1 CPU, obj_cgroup: E's exit refills the stock it shares with the rig (kmem uncharges go through refill_stock())");
		return KSFT_SKIP;
	}
	for (round = 1; round <= ROUNDS && !ret; round++) {
		ret = LOST;
		for (i = 0; i < ATTEMPTS && ret == LOST; i++)
			ret = empty_attempt(round);
		if (ret == LOST)
			ktap_fail("never-set-up", "round %d: another charge took CPU %d's stock from C before it was empty, %d times of %d: the case was never set up",
				  round, ecpu, i, ATTEMPTS);
	}
	return ret ? KSFT_FAIL : KSFT_PASS;
}
