// SPDX-License-Identifier: GPL-2.0
/*
 * POSIX message queues made outside C and filled from it: the messages
 * outlive C until mq_unlink (lib/queues.h).
 */
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <sys/resource.h>

#include "lib/queues.h"
#include "suite.h"

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

int test_posix_mqueue(void)
{
	static const struct outlive queues = {
		.name = "rig_posix_mqueue",
		.what = "POSIX mqueues of 10 messages",
		.prepare = mq_prepare,
		.make = mq_fill,
		.free = mq_remove,
	};

	return queues_outlive(&queues);
}
