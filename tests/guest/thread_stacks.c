// SPDX-License-Identifier: GPL-2.0
/*
 * What tasks cost: kernel stacks of threads made in child C (patch 9 of
 * the series).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/era.h"
#include "lib/ledger.h"
#include "lib/wait.h"
#include "suite.h"

#define NR_THREADS	64
/* C's name, which names its caches on per-memcg cache kernels */
#define STACKS_CG	"stacks"

static int go[2], ready[2], ack[2];

static void *sleeper(void *arg)
{
	char c;

	(void)arg;
	if (read(go[0], &c, 1) < 0)
		return NULL;
	return NULL;
}

/* Report a step and wait until the test has measured it. */
static void say(char c)
{
	if (write(ready[1], &c, 1) != 1 || read(ack[0], &c, 1) != 1)
		_exit(1);
}

/* In C: one thread, then NR_THREADS more; each step reported on ready. */
static int spawn_threads(void *arg)
{
	pthread_t t;
	int i;

	(void)arg;
	say('0');
	for (i = 0; i <= NR_THREADS; i++) {
		if (pthread_create(&t, NULL, sleeper, NULL))
			return 1;
		if (!i)
			say('1');
	}
	say('N');
	pause();
	return 0;
}

/* KernelStack in /proc/meminfo: every stack in the machine, in bytes. */
static long meminfo_stacks(void)
{
	long kb;

	if (cg_get("/proc", "meminfo", "KernelStack:", &kb))
		return -1;
	return kb * 1024;
}

struct stacks {
	struct ledgers l;
	long all;	/* KernelStack */
};

/* Take a step's figures while the worker waits for them. */
static int stacks_at(const char *c, char step, struct stacks *s)
{
	char got;

	if (read(ready[0], &got, 1) != 1 || got != step) {
		ktap_fail("worker-step", "the worker in %s did not reach step %c", c, step);
		return -1;
	}
	if (ledger_read(c, "kernel_stack", &s->l))
		return -1;
	s->all = meminfo_stacks();
	if (s->all < 0 || write(ack[1], &got, 1) != 1)
		return -1;
	return 0;
}

/*
 * One thread gives the stack size: on v2 from C's own kernel_stack,
 * which no other task moves; on v1, which has none, from the machine's
 * KernelStack. C's kernel_stack must rise by exactly NR_THREADS times
 * that for the rest; on both hierarchies the kmem and page counters by
 * at least the stacks (a task costs more). Other tasks of the machine
 * may start or end a stack meanwhile (a soak saw one start beside the
 * first thread): the KernelStack figures allow two.
 */
static int check_stacks(struct stacks *s0, struct stacks *s1,
			struct stacks *sn)
{
	/*
	 * Per-memcg cache kernels batch kernel_stack (in KiB) per CPU, up to
	 * ERA_STAT_BATCH of it: one stack may not show yet, so KernelStack
	 * gives its size there, and 64 may show that much less.
	 */
	long batch = era_per_memcg_caches() > 0 ? ERA_STAT_BATCH * 1024L * nr_cpus() : 0;
	int exact = cg_is_v2() && !batch;
	long one = exact ? s1->l.stat - s0->l.stat : s1->all - s0->all;
	long all = NR_THREADS * one;

	/* A stack is whole pages: a machine that counts none counts nothing. */
	if (expect_range(exact ?
			 "C's memory.stat kernel_stack rise for one thread" :
			 "KernelStack in /proc/meminfo rise for one thread",
			 one, page_size(), 1L << 30))
		return -1;
	/* the machine's figure, two stacks of other tasks either way */
	if ((exact &&
	     expect_range("KernelStack in /proc/meminfo rise for one thread",
			  s1->all - s0->all, -one, 3 * one)) ||
	    expect_near("KernelStack in /proc/meminfo rise for 64 threads",
			sn->all - s1->all, all, 2 * one))
		return -1;
	if (cg_is_v2() &&
	    expect_near("C's memory.stat kernel_stack rise for 64 threads",
			sn->l.stat - s1->l.stat, all, batch))
		return -1;
	if (!cg_is_v2() &&
	    expect_range("C's memory.kmem.usage_in_bytes rise for 64 threads",
			 sn->l.stat - s1->l.stat, all - ledger_tol(all), 1L << 40))
		return -1;
	if (expect_range("C's page counter rise for 64 threads",
			 sn->l.pages - s1->l.pages, all - ledger_tol(all), 1L << 40))
		return -1;
	ktap_diag("one stack: %ld B; %d threads: %ld B", one, NR_THREADS, all);
	return 0;
}

struct slabs_kept {
	const char *c;
	const struct ledgers *empty;
	long slab0, slab;
	struct ledgers now;
	int err;
};

/* C's page counter back at its start but for the slabs its caches keep. */
static bool only_slabs_kept(void *arg)
{
	struct slabs_kept *k = arg;

	k->slab = era_memcg_slab_bytes(STACKS_CG);
	k->err = k->slab < 0 || ledger_read(k->c, "kernel_stack", &k->now);
	return k->err || within(k->now.pages - k->empty->pages,
				k->slab - k->slab0, ledger_tol(0));
}

/*
 * The worker killed, C's ledgers are back where they were before it
 * (its own pages, and glibc's cache of thread stacks, go with it). On
 * per-memcg cache kernels C's own caches keep their slabs, freed
 * objects' too, charged to C while it lives: what SLUB shows of them
 * stays in C's page counter, and nothing else.
 */
static int stack_steps(const char *c, const struct ledgers *empty,
		       long slab0, pid_t pid)
{
	struct slabs_kept k = { .c = c, .empty = empty, .slab0 = slab0 };
	struct stacks s0, s1, sn;
	char what[160];

	if (stacks_at(c, '0', &s0) || stacks_at(c, '1', &s1) ||
	    stacks_at(c, 'N', &sn) || check_stacks(&s0, &s1, &sn))
		return -1;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	poll_kicked(only_slabs_kept, &k, WAIT_MS,
		    "a live cgroup's own stock keeps pages uncharged from it");
	if (k.err)
		return -1;
	if (k.slab != slab0)
		ktap_diag("C's own caches keep %ld B of slabs more than at its start",
			  k.slab - slab0);
	snprintf(what, sizeof(what), "C's %%s once its threads exited (%ld B in its caches' slabs)",
		 k.slab - slab0);
	return ledger_expect_each(c, "kernel_stack", empty, 0, k.slab - slab0,
				  ledger_tol(0), 0, what, NULL);
}

int test_thread_stacks(void)
{
	char p[CG_PATH_MAX] = "", c[CG_PATH_MAX] = "";
	struct ledgers empty;
	int ret = KSFT_FAIL;
	pid_t pid = -1;
	long slab0;

	if (pipe(go) || pipe(ready) || pipe(ack))
		return KSFT_FAIL;
	if (cg_create(p, cg_root, "rig_thread_stacks") ||
	    cg_enable_memory(p) || cg_create(c, p, STACKS_CG))
		goto out;
	slab0 = era_memcg_slab_bytes(STACKS_CG);
	if (slab0 < 0 || ledger_read(c, "kernel_stack", &empty))
		goto out;
	pid = cg_spawn(c, spawn_threads, NULL);
	if (pid > 0 && !stack_steps(c, &empty, slab0, pid))
		ret = KSFT_PASS;
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	cg_destroy(c);
	cg_destroy(p);
	return ret;
}
