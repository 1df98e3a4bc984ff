/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stock kick, which a test names whenever it uses it: charges from
 * another memcg that drain what a CPU's stock holds for any other.
 */
#ifndef RIG_KICK_H
#define RIG_KICK_H

#include <stdbool.h>

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
 * poll_until(), with the stocks kicked before each half second of it: for
 * a live cgroup's page counter while objects are still being freed (RCU),
 * each uncharge refilling its own stock. why is printed once.
 */
/*
 * Drain every CPU's LRU batches (a munmap on each, from the root
 * cgroup: no charge, no stock touched), why printed.
 */
void cg_drain_lru(const char *why);

int poll_kicked(bool (*done)(void *arg), void *arg, int timeout_ms,
		const char *why);

#endif
