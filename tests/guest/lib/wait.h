/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Waiting on the kernel: one poll loop, the wait for removed memcgs to be
 * freed, and the stock kick, which a test names whenever it uses it.
 */
#ifndef RIG_WAIT_H
#define RIG_WAIT_H

#include <stdbool.h>

#include "ktap.h"

/*
 * How long the kernel gets to free a removed memcg, or to free objects.
 * The slowest settle measured (each test's "slowest settle" line, make
 * soak's settle column) was 325 ms, 6.1 with DEBUG=1 on x86_64 under
 * TCG (50 ms without DEBUG): this is 15 times that. A kernel that never
 * settles fails after it, so every failing check costs this much.
 */
#define WAIT_MS		5000

/*
 * How long a pinned memcg must stay dying on a correct kernel before the
 * pin is released (pins, sock_reparent): an unpinned one is freed hands
 * off within about 50 ms here (UML and x86_64 under TCG), so 10 times
 * that.
 */
#define HOLD_MS		500

/* done(arg) every 20 ms until it is true (0) or timeout_ms passed (-1). */
int poll_until(bool (*done)(void *arg), void *arg, int timeout_ms);

/*
 * The longest a poll of this process took to come true (-1: none did):
 * the measured side of WAIT_MS, printed after each test.
 */
long poll_slowest_ms(void);

/*
 * Charge from another memcg on every CPU, which drains what each CPU's
 * stock holds for any other memcg. This is work the kernel must do by
 * itself at offline (drain_all_stock()): a test calls it only where the
 * drain is not what it checks, and says why.
 */
void cg_kick_stocks(const char *why);
/* The same on one CPU (why NULL: said before): the others' stocks are left to the kernel. */
void cg_kick_cpu(int cpu, const char *why);

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
 * poll_until(), with the stocks kicked before each half second of it: for
 * a live cgroup's page counter while objects are still being freed (RCU),
 * each uncharge refilling its own stock. why is printed once.
 */
int poll_kicked(bool (*done)(void *arg), void *arg, int timeout_ms,
		const char *why);

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

#endif
