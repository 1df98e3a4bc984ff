/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPC queues as the engine's units (ipc_msg, posix_mqueue): queues made
 * outside child C (their own structures charge no one under test) and
 * filled from inside it keep the messages' charge after C is gone, in the
 * parent, until IPC_RMID or mq_unlink frees them.
 */
#ifndef RIG_QUEUES_H
#define RIG_QUEUES_H

#include "outlive.h"

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

/* o's unit, key and count for queues of NR_MSGS messages; the chain run. */
int queues_outlive(const struct outlive *q);

#endif
