/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Waiting on the kernel for removed memcgs to be freed, and the verdicts
 * on what kept them: built on the poll loop (poll.h) and the stock kick
 * (kick.h), which it includes for the tests.
 */
#ifndef RIG_WAIT_H
#define RIG_WAIT_H

#include <stdbool.h>

#include "kick.h"
#include "ktap.h"
#include "poll.h"

/*
 * A line into the kernel log, "kmemcg-rig: <id>: <text>", where the host's
 * scan (parse.sh) finds the rig's own findings about the kernel as splat
 * rig:<id>: kernel_log fails the run on one unless tests/known-failures
 * lists it for that kernel. Returns -1, a failure of its own (FAIL
 * kmsg_write:lost), if the line could not be written: a finding the
 * host cannot see must not pass.
 */
__printf(2, 3) int kmsg_write(const char *id, const char *fmt, ...);

/*
 * Wait, hands off, for every memcg removed under cg to be freed (what:
 * for messages; NULL: say nothing when they are). On a
 * timeout the test fails; the stocks are then kicked once, only to tell
 * whether a stock was what kept the memcg (a kernel that did not drain
 * at offline) or something else did.
 */
int cg_wait_gone(const char *cg, const char *what);
/* The same after kicking the stocks, for tests about something else. */
int cg_wait_gone_kicked(const char *cg, const char *why);
/*
 * A removed memcg whose last pin was just released: it must be freed
 * hands off. An uncharge of a dead memcg goes through refill_stock(),
 * which caches it in that CPU's page stock again, where nothing drains
 * it until another memcg charges there: freed only by the rig's kick, it
 * is said in the kernel log (rig:memcg-held-by-refilled-stock), where
 * kernel_log fails the run unless tests/known-failures lists it for
 * that kernel. -1 when a kick does not free it either.
 */
int cg_wait_gone_unpinned(const char *cg, const char *what);

/*
 * A removed memcg something still pins: cg must count exactly want dying
 * descendants now, read once so that the figure judged is the one said;
 * else FAIL id, naming who (the cgroup) and why (while what holds it).
 */
int cg_dying_is(const char *cg, const char *who, long want, const char *id,
		const char *why);

#endif
