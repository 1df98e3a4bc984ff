// SPDX-License-Identifier: GPL-2.0
/*
 * What tasks and cgroups themselves cost: kernel stacks of threads made
 * in child C (patch 9 of the series), and the percpu memory a new child
 * cgroup charges to its parent.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/ledger.h"
#include "lib/wait.h"
#include "suite.h"

#define NR_THREADS	64
#define NR_CHILDREN	50

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
		ktap_fail("the worker in %s did not reach step %c", c, step);
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
 * One thread gives the stack size, from the machine's KernelStack. On
 * v2, C's kernel_stack must rise by exactly that for it and by
 * NR_THREADS times that for the rest; on both hierarchies the kmem and
 * page counters must rise by at least the stacks (a task costs more).
 * Other tasks of the machine may start or end a stack meanwhile: the
 * KernelStack figure allows two.
 */
static int check_stacks(struct stacks *s0, struct stacks *s1,
			struct stacks *sn)
{
	long one = s1->all - s0->all, all = NR_THREADS * one;

	/* A stack is whole pages: a machine that counts none counts nothing. */
	if (expect_range("KernelStack in /proc/meminfo rise for one thread",
			 one, page_size(), 1L << 30))
		return -1;
	if (expect_near("KernelStack in /proc/meminfo rise for 64 threads",
			sn->all - s1->all, all, 2 * one))
		return -1;
	if (cg_is_v2() &&
	    (expect_near("C's memory.stat kernel_stack rise for one thread",
			 s1->l.stat - s0->l.stat, one, 0) ||
	     expect_near("C's memory.stat kernel_stack rise for 64 threads",
			 sn->l.stat - s1->l.stat, all, 0)))
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

/*
 * The worker killed, C's ledgers are back where they were before it
 * (its own pages, and glibc's cache of thread stacks, go with it).
 */
static int stack_steps(const char *c, const struct ledgers *empty, pid_t pid)
{
	struct stacks s0, s1, sn;

	if (stacks_at(c, '0', &s0) || stacks_at(c, '1', &s1) ||
	    stacks_at(c, 'N', &sn) || check_stacks(&s0, &s1, &sn))
		return -1;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return ledger_expect(c, "kernel_stack", empty, 0, ledger_tol(0),
			     "C's %s once its threads exited", NULL);
}

int test_thread_stacks(void)
{
	char p[CG_PATH_MAX] = "", c[CG_PATH_MAX] = "";
	struct ledgers empty;
	int ret = KSFT_FAIL;
	pid_t pid = -1;

	if (pipe(go) || pipe(ready) || pipe(ack))
		return KSFT_FAIL;
	if (cg_create(p, cg_root, "rig_thread_stacks") ||
	    cg_enable_memory(p) || cg_create(c, p, "child"))
		goto out;
	if (ledger_read(c, "kernel_stack", &empty))
		goto out;
	pid = cg_spawn(c, spawn_threads, NULL);
	if (pid > 0 && !stack_steps(c, &empty, pid))
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

static int make_children(const char *p, int first, int n)
{
	char c[CG_PATH_MAX], name[16];
	int i;

	for (i = first; i < first + n; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		if (cg_create(c, p, name))
			return -1;
	}
	return 0;
}

static int remove_children(const char *p, int n)
{
	char c[CG_PATH_MAX];
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		snprintf(c, sizeof(c), "%s/c%d", p, i);
		bad |= cg_destroy(c);
	}
	return bad;
}

/*
 * Each child charges its percpu counters to P, the same bytes for every
 * child (percpu is counted in bytes, with no stock in between) except
 * where an allocation lands in the first percpu chunk, which is never
 * accounted (pcpu_memcg_post_alloc_hook()): there a child charges less,
 * or nothing. So: the figure most children charge is "one", at least
 * a quarter of them must charge exactly that (50 soak runs: 20 at
 * least, 31 mostly), none more, and all of it must
 * leave P when they are removed, hands off: they charged nothing
 * themselves.
 */
static int percpu_steps(const char *p)
{
	long d[NR_CHILDREN], one = 0, total = 0;
	struct ledgers l0, prev, now;
	int i, j, same, most = 0;

	if (ledger_read(p, "percpu", &l0))
		return -1;
	prev = l0;
	for (i = 0; i < NR_CHILDREN; i++) {
		if (make_children(p, i, 1) || ledger_read(p, "percpu", &now))
			return -1;
		d[i] = now.stat - prev.stat;
		total += d[i];
		prev = now;
	}
	for (i = 0; i < NR_CHILDREN; i++) {
		for (same = 0, j = 0; j < NR_CHILDREN; j++)
			same += d[j] == d[i];
		if (d[i] > 0 && same > most)
			most = same, one = d[i];
	}
	ktap_diag("%d of %d children charged %ld B of percpu each to P, %ld B in all",
		  most, NR_CHILDREN, one, total);
	if (most < NR_CHILDREN / 4) {
		ktap_fail("%d of %d children charged P the same percpu figure, expected at least a quarter",
			  most, NR_CHILDREN);
		return -1;
	}
	if (expect_range("P's memory.stat percpu rise for 50 children", total,
			 most * one, NR_CHILDREN * one) ||
	    expect_range("P's memory.current rise for 50 children",
			 now.pages - l0.pages, total - ledger_tol(total), 1L << 40))
		return -1;
	if (remove_children(p, NR_CHILDREN) ||
	    cg_wait_gone(p, "removed children"))
		return -1;
	/* One leaked child must show: a tolerance under one child's charge. */
	return ledger_expect(p, "percpu", &l0, 0, one - 1,
			     "P's %s once its children were freed", NULL);
}

int test_percpu(void)
{
	char p[CG_PATH_MAX] = "";
	int ret;

	if (!cg_is_v2()) {
		test_reason("cgroup v1 has no percpu counter: memory.kmem.usage_in_bytes mixes it with the memcg's own slab objects");
		return KSFT_SKIP;
	}
	if (cg_create(p, cg_root, "rig_percpu") || cg_enable_memory(p))
		return KSFT_FAIL;
	ret = percpu_steps(p);
	remove_children(p, NR_CHILDREN);
	cg_destroy(p);
	return ret ? KSFT_FAIL : KSFT_PASS;
}
