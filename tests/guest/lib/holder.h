/* SPDX-License-Identifier: GPL-2.0 */
/*
 * S, a live task that holds a CPU's page stock (limit_stock_drain,
 * drain_scope): pinned to CPU 1, it charges one page of anon memory and
 * sleeps, so that the charge batch leaves the rest of its pages cached
 * for S in CPU 1's stock, counted in its page counter, used by nobody.
 */
#ifndef RIG_HOLDER_H
#define RIG_HOLDER_H

#include <sys/types.h>

/*
 * Another memcg's charge or uncharge on CPU 1 (an RCU callback freeing
 * an earlier test's objects) may flush S's stock, or P free room, before
 * the case is reached (2 x86_64 soak runs of 20; 1 of 20 once S exited
 * on CPU 0): the case is then not set up (LOST), and is set up again, at
 * most ATTEMPTS times.
 */
#define ATTEMPTS	3
#define LOST		1

/* The pipes S and the rig talk through, made before holder_start(). */
int holder_pipes(void);
/*
 * S spawned in s (none when s is NULL), then S's ends of the pipes
 * closed: an S that died unblocks holder_charged().
 */
pid_t holder_start(const char *s);
/* S charged its page on CPU 1 (false: it died first). */
int holder_charged(void);
/* S told to go and reaped: ret, or -1 when S did not exit cleanly. */
int holder_stop(pid_t holder, int ret);
/*
 * What cg's page counter holds beyond what its statistics account for:
 * a stock's cached pre-charge, here.
 */
int stock_unused(const char *cg, long *gap);
/*
 * An attempt's cgroups a, b and P removed and, unless it failed already
 * (ret < 0), freed with the rig's hands off.
 */
int attempt_end(const char *p, const char *a, const char *b,
		const char *what, int ret);

#endif
