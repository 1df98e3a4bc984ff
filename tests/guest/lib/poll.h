/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one poll loop and the clock it runs on: the bottom of the guest
 * library, which everything that waits on the kernel uses.
 */
#ifndef RIG_POLL_H
#define RIG_POLL_H

#include <stdbool.h>

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

long now_ms(void);
void sleep_ms(int ms);

/* done(arg) every 20 ms until it is true (0) or timeout_ms passed (-1). */
int poll_until(bool (*done)(void *arg), void *arg, int timeout_ms);

/*
 * The same for the rig's own waits (a kick's task being freed): not the
 * kernel's settle, so not counted in poll_slowest_ms().
 */
int poll_quietly(bool (*done)(void *arg), void *arg, int timeout_ms);

/* A poll of several rounds that came true now, started at start: 0. */
int poll_settled(long start);

/*
 * The longest a poll of this process took to come true (-1: none did):
 * the measured side of WAIT_MS, printed after each test.
 */
long poll_slowest_ms(void);

#endif
