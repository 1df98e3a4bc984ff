// SPDX-License-Identifier: GPL-2.0
/*
 * drain_scope: an offline drains the CPU stocks that cache the removed
 * memcg or one below it (drain_all_stock(), "the subtree under it"), not
 * the others': S's stocks on every CPU but 0, made as limit_stock_drain
 * makes them, must keep S's pre-charge while its sibling X is removed
 * from CPU 0 and freed. A drain of every stock costs each CPU a work item at every rmdir
 * and takes away the pre-charge a live memcg holds for its next charges.
 * Another memcg's charge on one of those CPUs may flush S's stock too (an RCU
 * callback freeing an earlier test's objects): the same hold with no
 * rmdir first must keep it, or the case is set up again (ATTEMPTS). A
 * flush after the rmdir fails at once, never retried: with S exiting on
 * CPU 0, 6 x86_64 runs after limit_stock_drain lost no hold (4 of 6 did
 * when S exited on CPU 1), and 20 soak runs of the whole suite lost 3,
 * each at its first hold, and saw no flush with an rmdir.
 */
#include <stdbool.h>
#include <unistd.h>

#include "lib/holder.h"
#include "lib/wait.h"
#include "suite.h"

#define FLUSHED		2

struct kept_stock {
	const char *s;
	long held, gap;
};

static bool stock_gone(void *arg)
{
	struct kept_stock *k = arg;

	/* any one stock flushed: half a batch of it gone */
	return stock_unused(k->s, &k->gap) ||
	       k->gap < k->held - CG_STOCK_PAGES / 2 * page_size();
}

/* HOLD_MS watching S's pre-charge: LOST when it went, else 0. */
static int stock_held(struct kept_stock *k)
{
	if (!poll_until(stock_gone, k, HOLD_MS))
		return LOST;
	return 0;
}

static int scope_steps(const char *p, const char *s, const char *x)
{
	struct kept_stock k = { s, 0, 0 };

	if (!holder_charged()) {
		ktap_fail("s-charge", "S could not charge its pages on %s",
			  holder_where());
		return -1;
	}
	if (stock_unused(s, &k.held))
		return -1;
	if (k.held < holder_least() || stock_held(&k)) {
		ktap_diag("S's stocks on %s went (%ld B left of %ld B) with nothing removed: no case",
			  holder_where(), k.gap, k.held);
		return LOST;
	}
	if (cg_destroy(x) || cg_wait_gone(p, "X"))
		return -1;
	if (stock_held(&k)) {
		ktap_diag("S's stocks on %s: %ld B before X was removed, %ld B after",
			  holder_where(), k.held, k.gap);
		return FLUSHED;
	}
	ktap_diag("S's stocks on %s kept their %ld B while sibling X was removed and freed",
		  holder_where(), k.held);
	return 0;
}

static int scope_attempt(void)
{
	char p[CG_PATH_MAX] = "", s[CG_PATH_MAX] = "", x[CG_PATH_MAX] = "";
	pid_t holder = -1;
	int ret = -1;
	bool made;

	/* Made on CPU 0: what making them charges P stays in CPU 0's stock. */
	if (cpu_pin(0) || holder_pipes())
		return -1;
	made = !cg_create(p, cg_root, "rig_drain_scope") && !cg_enable_memory(p) &&
	       !cg_create(s, p, "stocked") && !cg_create(x, p, "removed");
	holder = holder_start(made ? s : NULL, holder_all_cpus());
	if (holder > 0)
		ret = scope_steps(p, s, x);
	ret = holder_stop(holder, ret);
	return attempt_end(p, x, s, "S (and X), removed at the end", ret);
}

int test_drain_scope(void)
{
	int i, ret = LOST;

	if (nr_cpus() < 2) {
		test_reason("%d CPU: no other CPU's stock to leave alone", nr_cpus());
		return KSFT_SKIP;
	}
	for (i = 0; i < ATTEMPTS && ret == LOST; i++)
		ret = scope_attempt();
	if (ret == FLUSHED)
		ktap_fail("drain-too-wide", "S's stocks on %s were flushed when its sibling X was removed (attempt %d, their hold with nothing removed kept them): X's offline drained stocks that held only S, expected drain_all_stock() to drain X's subtree alone",
			  holder_where(), i);
	else if (ret == LOST)
		ktap_fail("never-set-up", "S's stocks on %s were flushed before X was removed, %d times of %d: the case was never set up",
			  holder_where(), i, ATTEMPTS);
	return ret ? KSFT_FAIL : KSFT_PASS;
}
