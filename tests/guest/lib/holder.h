/* SPDX-License-Identifier: GPL-2.0 */
/*
 * S, a live task that holds CPUs' page stocks (limit_stock_drain,
 * drain_scope, hotplug_stock): pinned to each of CPUs 1 to n in turn (n:
 * every CPU but 0, or CPU 1 alone), it charges one page of anon memory on
 * each and sleeps, so that each charge batch leaves the rest of its pages
 * cached for S in that CPU's stock, counted in its page counter, used by
 * nobody. CPU 0 is the rig's.
 */
#ifndef RIG_HOLDER_H
#define RIG_HOLDER_H

#include <sys/types.h>

/*
 * Another memcg's charge or uncharge on one of S's CPUs (an RCU callback freeing
 * an earlier test's objects) may flush S's stock, or P free room, before
 * the case is reached (2 x86_64 soak runs of 20; 1 of 20 once S exited
 * on CPU 0): the case is then not set up (LOST), and is set up again, at
 * most ATTEMPTS times.
 */
#define ATTEMPTS	3
#define LOST		1

/* The pipes S and the rig talk through, made before holder_start(). */
int holder_pipes(void);
/* Every CPU but the rig's CPU 0: the n of holder_start(). */
int holder_all_cpus(void);
/*
 * S spawned in s (none when s is NULL), to hold the stocks of CPUs 1 to
 * cpus, then S's ends of the pipes closed: an S that died unblocks
 * holder_charged().
 */
pid_t holder_start(const char *s, int cpus);
/* S charged its pages (false: it died first). */
int holder_charged(void);
/* "CPU 1" or "CPUs 1-3": where the last S holds stocks, for messages. */
const char *holder_where(void);
/* Half a batch of pre-charge in each stock S holds: less is no case. */
long holder_least(void);
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
