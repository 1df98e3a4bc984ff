// SPDX-License-Identifier: GPL-2.0
#include "era.h"
#include "ktap.h"
#include "queues.h"

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

int queues_outlive(const struct outlive *q)
{
	struct outlive o = *q;

	return queue_unit(&o) ? KSFT_FAIL : outlive_chain(&o);
}
