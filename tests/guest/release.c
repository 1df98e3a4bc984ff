// SPDX-License-Identifier: GPL-2.0
/*
 * release_remainders: a removed child's obj_cgroup, reparented to P, is
 * released when its last object and the last CPU stock holding it go.
 * Object bytes are charged a page at a time; what a CPU's stock had left
 * of a page goes, when another memcg takes that stock, to the obj_cgroup's
 * nr_charged_bytes, and the whole pages those remainders add up to are
 * given back by obj_cgroup_release(). One CPU never leaves any there (its
 * stock takes them back at the next free); two do: a child's objects
 * freed on two CPUs leave one part of a page in each stock, a page in all.
 *
 * Each cycle: child C sends a message from each of two CPUs to a queue made
 * outside it, and is removed; the stocks go to another memcg; the test
 * receives one message on each CPU; the stocks go to another memcg again.
 * Other memcgs taking the stocks is what any busy machine does: the drain
 * is not what this checks. After the cycles and every child freed, P's
 * ledgers must be where they started: a remainder kept at release is a
 * page a cycle.
 */
#include <sys/msg.h>

#include "lib/era.h"
#include "lib/ledger.h"
#include "lib/wait.h"
#include "suite.h"

/* Cycles a CPU: a page kept each is 5 times the tolerance (two a CPU). */
#define CYCLES_PER_CPU	10
/* Any size not a divisor of the page leaves a remainder; 900 B: kmalloc-cg-1k. */
#define MSG_SIZE	900

struct msg {
	long type;
	char text[MSG_SIZE];
};

struct cycle {
	int msq;
	int cpu[2];
};

/* In C: one message from each CPU, so that both stocks hold C's bytes. */
static int send_two(void *arg)
{
	struct cycle *c = arg;
	struct msg m = { 1, { 'r' } };
	int i;

	for (i = 0; i < 2; i++)
		if (cpu_pin(c->cpu[i]) || msgsnd(c->msq, &m, MSG_SIZE, IPC_NOWAIT))
			return 1;
	return 0;
}

static void kick_both(const struct cycle *c, const char *why)
{
	cg_kick_cpu(c->cpu[0], why);
	cg_kick_cpu(c->cpu[1], why);
}

static int recv_two(const struct cycle *c)
{
	struct msg m;
	int i;

	for (i = 0; i < 2; i++)
		if (cpu_pin(c->cpu[i]) ||
		    msgrcv(c->msq, &m, MSG_SIZE, 0, IPC_NOWAIT) != MSG_SIZE) {
			ktap_fail("msg-receive", "cannot receive message %d on CPU %d", i + 1,
				  c->cpu[i]);
			return -1;
		}
	return cpu_unpin();
}

static int one_cycle(const char *p, struct cycle *c, int i)
{
	char path[CG_PATH_MAX], name[32];

	snprintf(name, sizeof(name), "c%d", i);
	if (cg_create(path, p, name))
		return -1;
	if (cg_run(path, send_two, c)) {
		ktap_fail("msg-send", "%s: cannot send a message from CPUs %d and %d",
			  path, c->cpu[0], c->cpu[1]);
		cg_destroy(path);
		return -1;
	}
	if (cg_destroy(path))
		return -1;
	kick_both(c, i ? NULL : "another memcg takes each CPU's stock after rmdir C");
	if (recv_two(c))
		return -1;
	kick_both(c, i ? NULL : "and again after the messages are freed, one on each CPU");
	return 0;
}

static int release_cycles(const char *p, int n)
{
	struct ledgers base;
	struct cycle c = { .cpu = { 0, nr_cpus() - 1 } };
	char what[128];
	int i, ret = 0;

	c.msq = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	if (c.msq < 0) {
		ktap_fail("msgget", "msgget: cannot make the queue");
		return -1;
	}
	if (ledger_read(p, ledger_kmem_key(), &base))
		ret = -1;
	for (i = 0; i < n && !ret; i++)
		ret = one_cycle(p, &c, i);
	msgctl(c.msq, IPC_RMID, NULL);
	if (ret || cg_wait_gone(p, "the cycles' children"))
		return -1;
	snprintf(what, sizeof(what),
		 "P's %%s after %d children's messages were freed on CPUs %d and %d",
		 n, c.cpu[0], c.cpu[1]);
	return ledger_expect(p, ledger_kmem_key(), &base, 0, ledger_tol(0),
			     what, NULL);
}

int test_release_remainders(void)
{
	char p[CG_PATH_MAX] = "";
	int ret;

	if (nr_cpus() < 2) {
		test_reason("%d CPU: a remainder is left at release only by two CPUs' stocks",
			    nr_cpus());
		return KSFT_SKIP;
	}
	switch (era_per_memcg_caches()) {
	case 1:
		test_reason("per-memcg slab caches: no obj_cgroup to release (5.9 on)");
		return KSFT_SKIP;
	case -1:
		return KSFT_FAIL;
	}
	if (cg_create(p, cg_root, "rig_release") || cg_enable_memory(p))
		return KSFT_FAIL;
	ret = release_cycles(p, CYCLES_PER_CPU * nr_cpus());
	cg_destroy(p);
	return ret ? KSFT_FAIL : KSFT_PASS;
}
