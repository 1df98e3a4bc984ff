// SPDX-License-Identifier: GPL-2.0
/*
 * IPC objects outlive the process that made them: SysV message queues
 * and POSIX mqueues filled from child C keep their charge after C is
 * gone, in the parent, until IPC_RMID or mq_unlink frees them.
 */
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <unistd.h>

#include "lib/outlive.h"
#include "suite.h"

#define NR_QUEUES	32
#define NR_MSGS		10	/* fs.mqueue.msg_max's default */
/* Payload size: with its header, a message fits one kmalloc-cg slot. */
#define MSG_SIZE	900

struct queues {
	int id[NR_QUEUES];
};

static struct queues *shared_queues(void)
{
	struct queues *q = mmap(NULL, sizeof(*q), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (q == MAP_FAILED)
		return NULL;
	memset(q->id, -1, sizeof(q->id));
	return q;
}

static int fill_msg(void *arg)
{
	struct { long type; char text[MSG_SIZE]; } m = { 1, { 'm' } };
	struct queues *q = arg;
	int i, j;

	for (i = 0; i < NR_QUEUES; i++) {
		q->id[i] = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
		if (q->id[i] < 0)
			return 1;
		for (j = 0; j < NR_MSGS; j++)
			if (msgsnd(q->id[i], &m, MSG_SIZE, IPC_NOWAIT))
				return 1;
	}
	return 0;
}

static void rmid_msg(void *arg)
{
	struct queues *q = arg;
	int i;

	for (i = 0; i < NR_QUEUES; i++)
		if (q->id[i] >= 0)
			msgctl(q->id[i], IPC_RMID, NULL);
}

static void mq_name(char *buf, size_t len, int i)
{
	snprintf(buf, len, "/rig_mq%d", i);
}

static int fill_mq(void *arg)
{
	struct mq_attr attr = { .mq_maxmsg = NR_MSGS, .mq_msgsize = MSG_SIZE };
	char name[32], text[MSG_SIZE] = { 'q' };
	int i, j;
	mqd_t mq;

	(void)arg;
	for (i = 0; i < NR_QUEUES; i++) {
		mq_name(name, sizeof(name), i);
		mq = mq_open(name, O_CREAT | O_EXCL | O_WRONLY, 0600, &attr);
		if (mq < 0)
			return 1;
		for (j = 0; j < NR_MSGS; j++)
			if (mq_send(mq, text, MSG_SIZE, 0))
				return 1;
		mq_close(mq);
	}
	return 0;
}

static void unlink_mq(void *arg)
{
	char name[32];
	int i;

	(void)arg;
	for (i = 0; i < NR_QUEUES; i++) {
		mq_name(name, sizeof(name), i);
		mq_unlink(name);
	}
}

/*
 * The message header's size is not visible from user space: the rise
 * must be at least the payload, and whatever it is, it must all move.
 * Tolerance: 1% plus what per-CPU stocks can hold.
 */
static void bounds(struct outlive *o)
{
	o->at_least = (long)NR_QUEUES * NR_MSGS * MSG_SIZE;
	o->tol = o->at_least / 100 + 2 * nr_cpus() * page_size();
}

int test_ipc_msg(void)
{
	struct outlive o = {
		.cg_name = "rig_ipc_msg",
		.key = "slab",
		.make = fill_msg,
		.release = rmid_msg,
	};

	o.arg = shared_queues();
	if (!o.arg)
		return KSFT_FAIL;
	bounds(&o);
	return outlive_run(&o);
}

int test_posix_mqueue(void)
{
	struct outlive o = {
		.cg_name = "rig_posix_mqueue",
		.key = "slab",
		.make = fill_mq,
		.release = unlink_mq,
	};

	unlink_mq(NULL);
	bounds(&o);
	return outlive_run(&o);
}
