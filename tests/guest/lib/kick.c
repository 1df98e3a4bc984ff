// SPDX-License-Identifier: GPL-2.0
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "cg.h"
#include "kick.h"
#include "ktap.h"
#include "poll.h"

static int kick_cpu(void *arg)
{
	long len = 4 * page_size();
	char *p;

	if (cpu_pin(*(int *)arg))
		return 1;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	memset(p, 1, len);
	return 0;
}

/* The kick cgroup's kernel memory: its kernel stacks (v1: all its kmem). */
static long kick_kmem(const char *kick)
{
	long v;

	if (cg_is_v2())
		return cg_get(kick, "memory.stat", "kernel_stack", &v) ? -1 : v;
	return cg_get(kick, "memory.kmem.usage_in_bytes", NULL, &v) ? -1 : v;
}

struct kicked {
	const char *cg;
	long before;
};

/* The kick's task freed: its cgroup's kernel memory back where it was. */
static bool kick_freed(void *arg)
{
	struct kicked *k = arg;
	long v = kick_kmem(k->cg);

	return v < 0 || v <= k->before + (cg_is_v2() ? 0 : page_size());
}

/*
 * The kicking cgroup is never removed: it cannot become a dying memcg.
 * Its task's stack and structures are freed after an RCU grace period on
 * the CPU it ran on, and that uncharge takes the CPU's stock again: the
 * kick waits for it, so that a stock a test sets up next (drain_scope's
 * next attempt) is not flushed by a kick that is over.
 */
static void kick(int cpu)
{
	char kick[CG_PATH_MAX];
	struct kicked k = { kick, 0 };

	snprintf(kick, sizeof(kick), "%s/rig_stock_kick", cg_root);
	mkdir(kick, 0755);
	k.before = kick_kmem(kick);
	cg_run(kick, kick_cpu, &cpu);
	/* the rig's own wait, not the kernel's settle a test reports */
	poll_quietly(kick_freed, &k, WAIT_MS);
}

void cg_kick_stocks(const char *why)
{
	int cpu;

	if (why)
		ktap_diag("stocks kicked: %s", why);
	/* an offline CPU's stock was drained as it went */
	for (cpu = 0; cpu < nr_cpus_possible(); cpu++)
		if (cpu_online(cpu))
			kick(cpu);
}

void cg_kick_cpu(int cpu, const char *why)
{
	if (why)
		ktap_diag("CPU %d's stock kicked: %s", cpu, why);
	kick(cpu);
}

int poll_kicked(bool (*done)(void *arg), void *arg, int timeout_ms,
		const char *why)
{
	long start = now_ms();
	int waited;

	for (waited = 0; waited < timeout_ms; waited += 500) {
		cg_kick_stocks(waited ? NULL : why);
		if (!poll_until(done, arg, 500))
			return poll_settled(start);
	}
	return -1;
}

/*
 * A folio waits in its CPU's LRU batches (lru_add and the others), a
 * reference held, until that CPU drains them: one whose task unmapped
 * it from another CPU keeps its memcg (a css reference a charged folio)
 * until then, by design. A munmap drains the batches of the CPU it runs
 * on (unmap_region() calls lru_add_drain()); the suite runs in the root
 * cgroup, whose mappings charge nothing, so no stock is touched.
 */
void cg_drain_lru(const char *why)
{
	long len = page_size();
	cpu_set_t all;
	void *p;
	int cpu;

	ktap_diag("LRU batches drained on every CPU: %s", why);
	if (sched_getaffinity(0, sizeof(all), &all))
		CPU_ZERO(&all);
	for (cpu = 0; cpu < nr_cpus_possible(); cpu++) {
		/* an offline CPU's batches were drained as it went */
		if (!cpu_online(cpu) || cpu_pin(cpu))
			continue;
		p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		if (p != MAP_FAILED)
			munmap(p, len);
	}
	if (CPU_COUNT(&all))
		sched_setaffinity(0, sizeof(all), &all);
}
