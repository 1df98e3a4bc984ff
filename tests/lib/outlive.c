// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cg.h"
#include "ktap.h"
#include "outlive.h"
#include "../suite.h"

/* Objects freed through RCU or a workqueue leave P a little later: poll. */
static long wait_drop(const char *cg, const char *key, long from,
		      long expected, long tol)
{
	long deadline = now_ms() + 10000, v;

	for (;;) {
		v = cg_stat(cg, key);
		if (within(from - v, expected, tol) || now_ms() > deadline)
			return v;
		sleep_ms(20);
	}
}

static int check_rise(const struct outlive *o, long rise)
{
	if (o->expected && !within(rise, o->expected, o->tol)) {
		ktap_fail("C's %s rose by %ld B, expected %ld B +-%ld",
			  o->key, rise, o->expected, o->tol);
		return -1;
	}
	if (rise < o->at_least) {
		ktap_fail("C's %s rose by %ld B, expected at least %ld B",
			  o->key, rise, o->at_least);
		return -1;
	}
	return 0;
}

static int run_steps(const struct outlive *o, char *p, char *c)
{
	long base, c0, rise, p1, p2, p3, cur;

	if (cg_create(p, cg_root, o->cg_name) || cg_enable_memory(p))
		return -1;
	base = cg_read_long(p, "memory.current");
	if (cg_create(c, p, "child"))
		return -1;
	c0 = cg_stat(c, o->key);
	if (cg_run(c, o->make, o->arg)) {
		ktap_fail("the worker in %s failed to make its objects", c);
		return -1;
	}
	rise = cg_stat(c, o->key) - c0;
	p1 = cg_stat(p, o->key);
	if (check_rise(o, rise) || cg_destroy(c))
		return -1;
	if (cg_wait_no_dying(p, 10000)) {
		ktap_fail("P's nr_dying_descendants is %ld 10 s after rmdir C, expected 0",
			  cg_dying(p));
		return -1;
	}
	p2 = cg_stat(p, o->key);
	if (!within(p2, p1, o->tol)) {
		ktap_fail("P's %s is %ld B after rmdir C, expected %ld B +-%ld (unchanged)",
			  o->key, p2, p1, o->tol);
		return -1;
	}
	o->release(o->arg);
	p3 = wait_drop(p, o->key, p2, rise, o->tol);
	if (!within(p2 - p3, rise, o->tol)) {
		ktap_fail("P's %s dropped by %ld B once the objects were freed, expected %ld B +-%ld",
			  o->key, p2 - p3, rise, o->tol);
		return -1;
	}
	cur = cg_wait_current(p, base, 5000);
	if (!within(cur, base, cg_stock_tol())) {
		ktap_fail("P's memory.current is %ld B 5 s after the end, expected baseline %ld B +-%ld (%d pages x %d CPUs)",
			  cur, base, cg_stock_tol(), CG_STOCK_PAGES, nr_cpus());
		return -1;
	}
	ktap_diag("%s: C +%ld B; P kept it after rmdir; P -%ld B when freed",
		  o->key, rise, p2 - p3);
	return 0;
}

int outlive_run(const struct outlive *o)
{
	char p[CG_PATH_MAX] = "", c[CG_PATH_MAX] = "";
	int ret;

	if (!cg_is_v2()) {
		char needs[64];

		snprintf(needs, sizeof(needs), "%s in memory.stat", o->key);
		o->release(o->arg);
		return v2_only(needs);
	}
	ret = run_steps(o, p, c);

	if (ret)
		o->release(o->arg);
	cg_destroy(c);
	cg_destroy(p);
	return ret ? KSFT_FAIL : KSFT_PASS;
}

int fd_send(int sock, int fd)
{
	char data = 'F', ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &data, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

int fd_recv(int sock)
{
	char data, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &data, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}
