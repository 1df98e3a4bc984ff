// SPDX-License-Identifier: GPL-2.0
/*
 * What tasks and cgroups themselves cost: kernel stacks of threads made
 * in child C (patch 9 of the series), and the percpu memory a new child
 * cgroup charges to its parent.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

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
	if (pthread_create(&t, NULL, sleeper, NULL))
		return 1;
	say('1');
	for (i = 0; i < NR_THREADS; i++)
		if (pthread_create(&t, NULL, sleeper, NULL))
			return 1;
	say('N');
	pause();
	return 0;
}

static long stack_at(const char *c, char step)
{
	char got;

	long v;

	if (read(ready[0], &got, 1) != 1 || got != step)
		return -1;
	v = cg_stat(c, "kernel_stack");
	if (write(ack[1], &got, 1) != 1)
		return -1;
	return v;
}

/*
 * The stack size is measured, not assumed: the first thread's cost.
 * Each stack is charged whole; a quarter stack of slack catches a
 * missing one.
 */
static int check_stacks(const char *c, long s0)
{
	long s1 = stack_at(c, '1'), sn = stack_at(c, 'N'), one = s1 - s0;

	if (one <= 0) {
		ktap_fail("C's kernel_stack rose by %ld B for one thread, expected one stack (> 0)",
			  one);
		return -1;
	}
	if (!within(sn - s1, NR_THREADS * one, one / 4)) {
		ktap_fail("C's kernel_stack rose by %ld B for %d threads, expected %d x %ld B",
			  sn - s1, NR_THREADS, NR_THREADS, one);
		return -1;
	}
	ktap_diag("one stack: %ld B; %d threads: %ld B", one, NR_THREADS,
		  sn - s1);
	return 0;
}

int test_thread_stacks(void)
{
	char p[CG_PATH_MAX] = "", c[CG_PATH_MAX] = "";
	int ret = KSFT_FAIL;
	long s0, end;
	pid_t pid;

	if (!cg_is_v2())
		return v2_only("kernel_stack in memory.stat");
	if (pipe(go) || pipe(ready) || pipe(ack))
		return KSFT_FAIL;
	if (cg_create(p, cg_root, "rig_thread_stacks") ||
	    cg_enable_memory(p) || cg_create(c, p, "child"))
		goto out;
	pid = cg_spawn(c, spawn_threads, NULL);
	s0 = stack_at(c, '0');
	if (pid < 0 || s0 < 0 || check_stacks(c, s0)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto out;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	end = cg_stat(c, "kernel_stack");
	if (end != s0) {
		ktap_fail("C's kernel_stack is %ld B once its threads exited, expected %ld B",
			  end, s0);
		goto out;
	}
	ret = KSFT_PASS;
out:
	cg_destroy(c);
	cg_destroy(p);
	return ret;
}

static void child_name(char *buf, size_t len, int i)
{
	snprintf(buf, len, "c%d", i);
}

static int remove_children(const char *p, int n)
{
	char c[CG_PATH_MAX], name[16];
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		child_name(name, sizeof(name), i);
		snprintf(c, sizeof(c), "%s/%s", p, name);
		bad |= cg_destroy(c);
	}
	return bad;
}

/*
 * NR_CHILDREN children must charge percpu memory to P (their per-CPU
 * counters), and all of it must go when they are gone. Per child the
 * figure is not constant (small charges ride on per-CPU stocks), so
 * the slack on the return is half an average child.
 */
static int percpu_steps(const char *p)
{
	char c[CG_PATH_MAX], name[16];
	long base, all, one, end;
	int i;

	base = cg_stat(p, "percpu");
	for (i = 0; i < NR_CHILDREN; i++) {
		child_name(name, sizeof(name), i);
		if (cg_create(c, p, name))
			return -1;
	}
	all = cg_stat(p, "percpu") - base;
	one = all / NR_CHILDREN;
	if (one <= 0) {
		ktap_fail("P's percpu rose by %ld B for %d children, expected a rise",
			  all, NR_CHILDREN);
		return -1;
	}
	if (remove_children(p, NR_CHILDREN) || cg_wait_no_dying(p, 10000)) {
		ktap_fail("children of P still dying 10 s after rmdir (%ld)",
			  cg_dying(p));
		return -1;
	}
	end = cg_stat(p, "percpu");
	if (!within(end, base, one / 2)) {
		ktap_fail("P's percpu is %ld B after its children went, expected %ld B +-%ld",
			  end, base, one / 2);
		return -1;
	}
	ktap_diag("%d children: %ld B of percpu in P, all returned",
		  NR_CHILDREN, all);
	return 0;
}

int test_percpu(void)
{
	char p[CG_PATH_MAX] = "";
	int ret;

	if (!cg_is_v2())
		return v2_only("percpu in memory.stat");
	if (cg_create(p, cg_root, "rig_percpu") || cg_enable_memory(p))
		return KSFT_FAIL;
	ret = percpu_steps(p);
	remove_children(p, NR_CHILDREN);
	cg_destroy(p);
	return ret ? KSFT_FAIL : KSFT_PASS;
}
