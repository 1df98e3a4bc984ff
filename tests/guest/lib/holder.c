// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cg.h"
#include "holder.h"
#include "ledger.h"
#include "wait.h"

static int ready[2], go[2];
static int held_cpus;

/*
 * S: one page charged on each of CPUs 1 to held_cpus, in turn, then
 * asleep until told to go; it goes back to CPU 0 to exit. Its exit frees
 * page tables and its stack on the CPU it last ran on, some through RCU
 * callbacks queued there: charged to S's memcg, their uncharge later
 * flushes whatever memcg that CPU's stock caches then (the next
 * attempt's S, the next test's).
 */
static int hold_page(void *arg)
{
	char *p, c = 'r';
	int cpu;

	(void)arg;
	close(ready[0]);
	close(go[1]);
	for (cpu = 1; cpu <= held_cpus; cpu++) {
		if (cpu_pin(cpu))
			return 2;
		p = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 1;
		p[0] = 1;
	}
	if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) < 0)
		return 1;
	return cpu_pin(0) ? 2 : 0;
}

int holder_all_cpus(void)
{
	return nr_cpus() - 1;
}

const char *holder_where(void)
{
	static char where[32];

	if (held_cpus <= 1)
		return "CPU 1";
	snprintf(where, sizeof(where), "CPUs 1-%d", held_cpus);
	return where;
}

long holder_least(void)
{
	return (long)held_cpus * CG_STOCK_PAGES / 2 * page_size();
}

pid_t holder_start(const char *s, int cpus)
{
	pid_t holder;

	held_cpus = cpus;
	holder = s ? cg_spawn(s, hold_page, NULL) : -1;
	close(ready[1]);
	close(go[0]);
	return holder;
}

int holder_stop(pid_t holder, int ret)
{
	close(go[1]);
	if (holder > 0 && cg_reap(holder))
		ret = -1;
	close(ready[0]);
	return ret;
}

int holder_pipes(void)
{
	return pipe(ready) || pipe(go);
}

int holder_charged(void)
{
	char c;

	return read(ready[0], &c, 1) == 1;
}

/*
 * What cg's page counter holds beyond what its statistics account for:
 * v2 memory.current less anon, file, kernel (slab where this kernel has no
 * "kernel": ledger_kmem_key()) and sock; v1 usage less rss, cache and the
 * kmem counter. A stock's cached pre-charge, here.
 */
int stock_unused(const char *cg, long *gap)
{
	const char *const v2[] = { "anon", "file", ledger_kmem_key(), "sock" };
	static const char *const v1[] = { "rss", "cache" };
	long cur, v, i, n = cg_is_v2() ? 4 : 2;

	cg_flush(cg);
	if (cg_get(cg, cg_is_v2() ? "memory.current" : "memory.usage_in_bytes",
		   NULL, &cur))
		return -1;
	for (i = 0; i < n; i++) {
		if (cg_get(cg, "memory.stat", cg_is_v2() ? v2[i] : v1[i], &v))
			return -1;
		cur -= v;
	}
	if (!cg_is_v2()) {
		if (cg_get(cg, "memory.kmem.usage_in_bytes", NULL, &v))
			return -1;
		cur -= v;
	}
	*gap = cur;
	return 0;
}

/*
 * An attempt's cgroups removed, P too (its offline drains every CPU
 * stock whose object stock holds an objcg now P's: done now, not during
 * the next attempt's set-up), and, unless it failed already, freed with
 * the rig's hands off before the next attempt or test starts: v1's dying
 * count is the machine's (cg_dying()), so a memcg left dying would be
 * counted as the next one's; one a stock kept is judged as cg_wait_gone()
 * judges it.
 */
int attempt_end(const char *p, const char *a, const char *b,
		       const char *what, int ret)
{
	cg_destroy(a);
	cg_destroy(b);
	cg_destroy(p);
	if (ret >= 0 && cg_wait_gone(cg_root, what))
		ret = -1;
	return ret;
}
