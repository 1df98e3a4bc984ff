// SPDX-License-Identifier: GPL-2.0
/*
 * Pipes filled from C on CPU n (lib/pipes.h), whose stocks then hold C's
 * pre-charge; CPU n goes offline and must give it back, C is removed and
 * must be freed (an offline CPU's stock is out of offline's drain), and
 * the engine's steps follow. Once on each CPU but 0, then on CPU 1
 * brought back online. Then an offline's drain must still reach every
 * one of them (drain_probe()): a CPU that went away must come back to
 * the drains.
 *
 * hotplug_stock_drain (run when named, TESTS=hotplug_stock_drain): the
 * reproducer of a kernel that leaves a CPU out of every drain after it
 * went offline while a drain was queued for it. Rounds of: S's stock on
 * CPU 1, CPU 1 taken offline, one drain of it queued (Q's memory.high)
 * once the offline passed workqueue_offline_cpu() and before the CPU is
 * gone (its hotplug step read from sysfs), CPU 1 back online, then
 * drain_probe(). On an affected kernel the tests after it would see that
 * CPU's stock left alone, so it runs alone.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/holder.h"
#include "lib/kick.h"
#include "lib/pipes.h"
#include "lib/wait.h"
#include "suite.h"

#define ROUNDS		50

struct gap_fell {
	const char *q;
	long to, gap;
	int err;
};

static bool gap_fell(void *arg)
{
	struct gap_fell *g = arg;

	g->err = stock_unused(g->q, &g->gap);
	return g->err || g->gap <= g->to;
}

/*
 * S removed while its stocks (lib/holder.h) hold `held` B of its
 * pre-charge, which Q's page counter holds above its statistics (gap0):
 * S's offline drain must give all of it back, hands off (within half a
 * batch: one stock skipped shows). Only when it did not within WAIT_MS
 * is each of those CPUs charged once from another memcg, which replaces
 * its stock: what that gave back tells whether the drain skipped one.
 * Whether S is then freed is cg_wait_gone()'s verdict, at the end.
 */
static int probe_verdict(const char *q, long held, long gap0,
			 const char *when)
{
	long half = CG_STOCK_PAGES / 2 * page_size();
	struct gap_fell g = { q, gap0 - held + half, 0, 0 };
	long start = now_ms(), kept;
	int cpu;

	if (!poll_until(gap_fell, &g, WAIT_MS) && !g.err) {
		ktap_diag("%s: S removed with %ld B in the stocks of %s, given back by its offline's drain within %ld ms",
			  when, held, holder_where(), now_ms() - start);
		return 0;
	}
	if (g.err)
		return -1;
	kept = g.gap;
	cg_kick_cpu(1, "S's pre-charge still held: did its CPUs' stocks keep it");
	for (cpu = 2; cpu <= holder_all_cpus(); cpu++)
		cg_kick_cpu(cpu, NULL);
	if (stock_unused(q, &g.gap))
		return -1;
	figure_line("Q's page pre-charge a charge on each of S's CPUs gave back after S's offline",
		    kept - g.gap, 0, half);
	if (kept - g.gap > half)
		ktap_fail("cpu-skipped", "%s: the stocks of %s kept %ld B of removed S's pre-charge %d s after rmdir, and a charge on each of those CPUs alone gave back %ld B: S's offline drain (drain_all_stock()) skipped a CPU, expected it to flush every online CPU's stock that caches S",
			  when, holder_where(), held, WAIT_MS / 1000, kept - g.gap);
	else
		ktap_fail("pre-charge-kept", "%s: Q's page counter still %ld B above its statistics %d s after S's rmdir (%ld B before it, %ld B of it in the stocks of %s), and a charge on each of those CPUs gave back %ld B: expected offline to give back S's pre-charge",
			  when, kept, WAIT_MS / 1000, gap0, held, holder_where(), kept - g.gap);
	return -1;
}

/*
 * S charges a page on each of CPUs 1 to cpus and exits on CPU 0
 * (lib/holder.h): each of their stocks caches S with the rest of its
 * charge batch. *held is what they hold, *gap0 Q's pre-charge once S
 * exited; LOST when another memcg's charge flushed one of them first.
 */
static int stock_s(const char *q, const char *s, int cpus, long *held,
		   long *gap0)
{
	long gap;
	pid_t holder;
	int ret = -1;

	if (holder_pipes())
		return -1;
	holder = holder_start(s, cpus);
	if (holder > 0 && !holder_charged())
		ktap_fail("s-charge", "S could not charge its pages on %s",
			  holder_where());
	else if (holder > 0 && !stock_unused(s, held))
		ret = 0;
	ret = holder_stop(holder, ret);
	if (ret || stock_unused(s, &gap) || stock_unused(q, gap0))
		return -1;
	return gap < *held - CG_STOCK_PAGES / 2 * page_size() ||
	       *held < holder_least() ? LOST : 0;
}

/*
 * rmdir S, and offline's drain must reach every CPU but 0 (each back
 * online after hotplug_stock's rounds). With
 * gone, Q is removed and must be freed (cg_wait_gone()); the reproducer's
 * rounds leave that to the end.
 */
static int drain_probe(const char *when, bool gone)
{
	char q[CG_PATH_MAX] = "", s[CG_PATH_MAX] = "";
	long held = 0, gap0 = 0;
	int i, ret = LOST;

	for (i = 0; i < ATTEMPTS && ret == LOST; i++) {
		if (cpu_pin(0) || cg_create(q, cg_root, "rig_hotplug_probe") ||
		    cg_enable_memory(q) || cg_create(s, q, "stocked"))
			return -1;
		ret = stock_s(q, s, holder_all_cpus(), &held, &gap0);
		if (ret == 0)
			ret = cg_destroy(s) ? -1 : probe_verdict(q, held, gap0, when);
		cg_destroy(s);
		cg_destroy(q);
	}
	if (ret == LOST)
		ktap_fail("never-set-up", "%s: S's stocks on %s were flushed before S was removed, %d times of %d: the probe was never set up",
			  when, holder_where(), ATTEMPTS, ATTEMPTS);
	if (!ret && gone && cg_wait_gone(cg_root, "the probe's S and Q"))
		ret = -1;
	return ret;
}

/*
 * A round on each CPU but 0 as booted, then on CPU 1 brought back online;
 * then the probe's S holds every one of those CPUs' stocks.
 */
int test_hotplug_stock(void)
{
	struct outlive o = { .name = "rig_hotplug_stock" };
	char online[64];
	int cpu, last = holder_all_cpus();

	if (nr_cpus() < 2) {
		test_reason("%d CPU: none to take offline", nr_cpus());
		return KSFT_SKIP;
	}
	pipes_with_pages(&o);
	for (cpu = 1; cpu <= last + 1; cpu++) {
		o.offline_cpu = cpu <= last ? cpu : 1;
		snprintf(online, sizeof(online), "/sys/devices/system/cpu/cpu%d/online",
			 o.offline_cpu);
		if (access(online, W_OK)) {
			ktap_fail("no-cpu-hotplug", "CPU %d cannot go offline: no writable %s (CONFIG_HOTPLUG_CPU)",
				  o.offline_cpu, online);
			return KSFT_FAIL;
		}
		ktap_diag("round %d: CPU %d %s", cpu, o.offline_cpu,
			  cpu <= last ? "as booted" : "brought back online");
		if (outlive_run(&o) != KSFT_PASS)
			return KSFT_FAIL;
	}
	return drain_probe("every CPU back online", true) ? KSFT_FAIL : KSFT_PASS;
}

/* The number /sys/devices/system/cpu/hotplug/states gives a step: -1 if none. */
static int hotplug_step(const char *name)
{
	char line[128], *colon;
	FILE *f = fopen("/sys/devices/system/cpu/hotplug/states", "r");
	int n = -1;

	while (f && n < 0 && fgets(line, sizeof(line), f)) {
		colon = strchr(line, ':');
		line[strcspn(line, "\n")] = '\0';
		if (colon && !strcmp(colon + 2, name))
			n = atoi(line);
	}
	if (f)
		fclose(f);
	return n;
}

/* The name /sys/devices/system/cpu/hotplug/states gives step n. */
static void hotplug_step_name(int n, char *name, size_t len)
{
	char line[128], *colon;
	FILE *f = fopen("/sys/devices/system/cpu/hotplug/states", "r");

	snprintf(name, len, "?");
	while (f && fgets(line, sizeof(line), f)) {
		colon = strchr(line, ':');
		line[strcspn(line, "\n")] = '\0';
		if (colon && atoi(line) == n) {
			snprintf(name, len, "%s", colon + 2);
			break;
		}
	}
	if (f)
		fclose(f);
}

struct drainer {
	const char *q;
	int unbound, teardown;	/* the window's ends, as hotplug steps */
	int fired;		/* the step CPU 1 was at, or -1 */
	int err;
};

/*
 * Waits for CPU 1's offline to pass workqueue_offline_cpu() (its pool
 * unbound: the state reads below workqueue:online) and fires one drain
 * before CPU 1 leaves cpu_online_mask (in takedown_cpu()'s stop_machine,
 * after the state reads cpu:teardown). Measured on 6.12: 3 of 5 such
 * drains left CPU 1 out of every later drain. The drain: Q's memory.high
 * set under its usage, so that memory_high_write() calls
 * drain_all_stock(Q) at once, which queues the drain of CPU 1's stock
 * (S's) on CPU 1's pool; then memory.high back.
 */
static void *drain_in_window(void *arg)
{
	struct drainer *d = arg;
	char low[32], buf[32];
	long state, start = now_ms();

	snprintf(low, sizeof(low), "%ld", page_size());
	while (now_ms() - start < WAIT_MS) {
		if (cg_read("/sys/devices/system/cpu/cpu1/hotplug", "state",
			    buf, sizeof(buf))) {
			d->err = 1;
			break;
		}
		state = atol(buf);
		if (state < d->teardown - 1)
			break;
		if (state < d->unbound - 1) {
			d->fired = state;
			d->err = cg_write(d->q, "memory.high", low) ||
				 cg_write(d->q, "memory.high", "max");
			break;
		}
	}
	return NULL;
}

/*
 * CPU 1's stock caches S when CPU 1 goes offline, and one drain of it is
 * queued between workqueue_offline_cpu() and the CPU's last step: the
 * work item runs on CPU 0.
 */
static int race_round(int round, int *fired)
{
	char q[CG_PATH_MAX] = "", s[CG_PATH_MAX] = "";
	char step[64];
	struct drainer d = { q, hotplug_step("workqueue:online"),
			     hotplug_step("cpu:teardown"), -1, 0 };
	long held, gap0;
	pthread_t t;
	int ret;

	if (d.unbound < 0 || d.teardown < 0) {
		ktap_fail("no-steps", "no workqueue:online or cpu:teardown in /sys/devices/system/cpu/hotplug/states");
		return -1;
	}
	if (cpu_pin(0) || cg_create(q, cg_root, "rig_hotplug_race") ||
	    cg_enable_memory(q) || cg_create(s, q, "stocked"))
		return -1;
	ret = stock_s(q, s, 1, &held, &gap0);
	if (!ret && pthread_create(&t, NULL, drain_in_window, &d))
		ret = -1;
	if (!ret) {
		ret = cpu_set_online(1, 0);
		pthread_join(t, NULL);
		ret = ret || cpu_set_online(1, 1) || d.err;
	}
	cg_destroy(s);
	cg_destroy(q);
	if (ret == LOST)
		return 0;
	if (ret) {
		ktap_fail("hotplug", "round %d: CPU 1 did not go offline and back online, or the drain failed",
			  round);
		return -1;
	}
	if (d.fired < 0) {
		ktap_diag("round %d: CPU 1 offline with %ld B of S's in its stock, and its steps between workqueue:online and cpu:teardown passed unseen: no drain fired",
			  round, held);
		return 0;
	}
	hotplug_step_name(d.fired, step, sizeof(step));
	ktap_diag("round %d: CPU 1 offline with %ld B of S's in its stock, Q drained at its hotplug step %d (%s)",
		  round, held, d.fired, step);
	(*fired)++;
	return 0;
}

int test_hotplug_stock_drain(void)
{
	int round, fired = 0;
	char when[64];

	if (nr_cpus() < 2) {
		test_reason("%d CPU: none to take offline", nr_cpus());
		return KSFT_SKIP;
	}
	if (!cg_is_v2()) {
		test_reason("cgroup v1: no memory.high to drain the stocks with");
		return KSFT_SKIP;
	}
	for (round = 1; round <= ROUNDS; round++) {
		if (race_round(round, &fired))
			return KSFT_FAIL;
		snprintf(when, sizeof(when), "after round %d", round);
		if (drain_probe(when, false))
			return KSFT_FAIL;
	}
	if (!fired) {
		ktap_fail("never-fired", "%d rounds, and none saw CPU 1's offline between workqueue:online and cpu:teardown to fire its drain in: nothing was reproduced",
			  ROUNDS);
		return KSFT_FAIL;
	}
	ktap_diag("%d rounds, %d with the drain fired inside the window: after each, offline's drain reached CPU 1",
		  ROUNDS, fired);
	return cg_wait_gone(cg_root, "the rounds' S and Q") ? KSFT_FAIL : KSFT_PASS;
}
