// SPDX-License-Identifier: GPL-2.0
/*
 * IPC messages outlive the process that sent them: SysV and POSIX queues
 * made outside child C (their own structures charge no one under test)
 * and filled from inside it keep the messages' charge after C is gone,
 * in the parent, until IPC_RMID or mq_unlink frees them.
 */
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lib/era.h"
#include "lib/outlive.h"
#include "suite.h"

#define NR_QUEUES	32
#define NR_MSGS		10	/* fs.mqueue.msg_max's default */
#define MSG_SIZE	900
/*
 * sizeof(struct msg_msg) on 64-bit, which no file shows. It only picks
 * the cache a message comes from: any header up to 124 B puts a 900 B
 * payload in the same 1 KiB one.
 */
#define MSG_HDR		48

/* outlive_enough() may ask for more queues where tolerances are wide */
#define MAX_QUEUES	1024
static int msq[MAX_QUEUES];

static int msg_prepare(void *arg, int n)
{
	int i;

	(void)arg;
	memset(msq, -1, sizeof(msq));
	for (i = 0; i < n; i++) {
		msq[i] = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
		if (msq[i] < 0)
			return -1;
	}
	return 0;
}

static int msg_fill(void *arg, int first, int n)
{
	struct { long type; char text[MSG_SIZE]; } m = { 1, { 'm' } };
	int i, j;

	(void)arg;
	for (i = first; i < first + n; i++)
		for (j = 0; j < NR_MSGS; j++)
			if (msgsnd(msq[i], &m, MSG_SIZE, IPC_NOWAIT))
				return 1;
	return 0;
}

static void msg_rmid(void *arg, int first, int n)
{
	int i;

	(void)arg;
	for (i = first; i < first + n; i++)
		if (msq[i] >= 0 && !msgctl(msq[i], IPC_RMID, NULL))
			msq[i] = -1;
}

static void mq_name(char *buf, size_t len, int i)
{
	snprintf(buf, len, "/rig_mq%d", i);
}

static void mq_remove(void *arg, int first, int n)
{
	char name[32];
	int i;

	(void)arg;
	for (i = first; i < first + n; i++) {
		mq_name(name, sizeof(name), i);
		mq_unlink(name);
	}
}

static int mq_prepare(void *arg, int n)
{
	struct mq_attr attr = { .mq_maxmsg = NR_MSGS, .mq_msgsize = MSG_SIZE };
	struct rlimit all = { RLIM_INFINITY, RLIM_INFINITY };
	char name[32];
	mqd_t mq;
	int i;

	/* RLIMIT_MSGQUEUE holds about 80 such queues; root may lift it */
	if (setrlimit(RLIMIT_MSGQUEUE, &all))
		return -1;
	mq_remove(arg, 0, n);
	for (i = 0; i < n; i++) {
		mq_name(name, sizeof(name), i);
		mq = mq_open(name, O_CREAT | O_EXCL | O_WRONLY, 0600, &attr);
		if (mq < 0)
			return -1;
		mq_close(mq);
	}
	return 0;
}

static int mq_fill(void *arg, int first, int n)
{
	char name[32], text[MSG_SIZE] = { 'q' };
	int i, j;
	mqd_t mq;

	(void)arg;
	for (i = first; i < first + n; i++) {
		mq_name(name, sizeof(name), i);
		mq = mq_open(name, O_WRONLY);
		if (mq < 0)
			return 1;
		for (j = 0; j < NR_MSGS; j++)
			if (mq_send(mq, text, MSG_SIZE, 0))
				return 1;
		mq_close(mq);
	}
	return 0;
}

/* A queue's messages: each from msg_msg-<n> (6.11 on) or a kmalloc bucket. */
static int queue_unit(struct outlive *o)
{
	long all = outlive_kmalloc(o, "msg_msg-", MSG_HDR + MSG_SIZE, NR_MSGS);

	if (all < 0)
		return -1;
	o->unit = all;
	o->key = "slab";
	o->n = outlive_enough(o, NR_QUEUES, 3);
	if (o->n > MAX_QUEUES) {
		ktap_fail("too-many-queues", "%s: %d queues needed, at most %d made",
			  o->what, o->n, MAX_QUEUES);
		return -1;
	}
	return 0;
}

static const struct outlive queues[] = {
	{
		.name = "rig_ipc_msg",
		.what = "SysV queues of 10 messages",
		.prepare = msg_prepare,
		.make = msg_fill,
		.free = msg_rmid,
	}, {
		.name = "rig_posix_mqueue",
		.what = "POSIX mqueues of 10 messages",
		.prepare = mq_prepare,
		.make = mq_fill,
		.free = mq_remove,
	},
};

static int queue_test(const struct outlive *q)
{
	struct outlive o = *q;

	return queue_unit(&o) ? KSFT_FAIL : outlive_chain(&o);
}

int test_ipc_msg(void)
{
	return queue_test(&queues[0]);
}

int test_posix_mqueue(void)
{
	return queue_test(&queues[1]);
}
