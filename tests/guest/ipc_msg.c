// SPDX-License-Identifier: GPL-2.0
/*
 * SysV message queues made outside C and filled from it: the messages
 * outlive C until IPC_RMID (lib/queues.h).
 */
#include <string.h>
#include <sys/msg.h>

#include "lib/queues.h"
#include "suite.h"

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

int test_ipc_msg(void)
{
	static const struct outlive queues = {
		.name = "rig_ipc_msg",
		.what = "SysV queues of 10 messages",
		.prepare = msg_prepare,
		.make = msg_fill,
		.free = msg_rmid,
	};

	return queues_outlive(&queues);
}
