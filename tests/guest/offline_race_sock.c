// SPDX-License-Identifier: GPL-2.0
/*
 * offline_race_sock: socket memory charged into C from outside while C
 * goes away. TCP over loopback made in C (a listener, a client and the
 * connection it accepts) charges its buffers to C (sk->sk_memcg, a css
 * reference), whoever writes. A worker in S (T > P > C; S beside T)
 * writes into the client: before rmdir C; all through it, while the rig
 * reads the other end, so that charges and uncharges cross the offline;
 * after it; and after rmdir P. Socket memory is counted in pages with no
 * stock between, so the ledgers agree exactly: C's rise is P's and T's
 * while they live, P's stays T's after C is gone, and S's never moves.
 * The sockets hold C (P counts 1 dying, T 2 once P is removed too); once
 * the rig reads everything and closes them, T's socket memory is back to
 * the byte and C and P are freed hands off.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/outlive.h"
#include "lib/wait.h"
#include "suite.h"

#define CLIENT		1	/* fd[]: listener, client, accepted */
#define ACCEPTED	2
#define NR_SOCKS	3
#define CHUNK		16384
#define STEP_BYTES	(1L << 20)	/* written a step, at most */

static int sv[2];

/* Shared with the worker in S. */
struct flow {
	long written;
	long stop;	/* 1: the worker stops writing */
	int fd;		/* the client, in the worker's copy of the table */
};

static struct flow *flow;

static long get(long *v)
{
	return __atomic_load_n(v, __ATOMIC_SEQ_CST);
}

/* In C: the three sockets, passed out; C is then empty. */
static int make_sockets(void *arg)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd[NR_SOCKS], i;

	(void)arg;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd[0] = socket(AF_INET, SOCK_STREAM, 0);
	fd[CLIENT] = socket(AF_INET, SOCK_STREAM, 0);
	if (fd[0] < 0 || fd[CLIENT] < 0 ||
	    bind(fd[0], (struct sockaddr *)&a, sizeof(a)) || listen(fd[0], 1) ||
	    getsockname(fd[0], (struct sockaddr *)&a, &len) ||
	    connect(fd[CLIENT], (struct sockaddr *)&a, sizeof(a)))
		return 1;
	fd[ACCEPTED] = accept(fd[0], NULL, NULL);
	if (fd[ACCEPTED] < 0 || fcntl(fd[CLIENT], F_SETFL, O_NONBLOCK) ||
	    fcntl(fd[ACCEPTED], F_SETFL, O_NONBLOCK))
		return 1;
	for (i = 0; i < NR_SOCKS; i++)
		if (fd_send(sv[1], fd[i]))
			return 1;
	return 0;
}

/*
 * In S: write into C's client until STEP_BYTES went, or, with stop 0 at
 * the start, until told to stop (the rig reads the other end meanwhile).
 */
static int writer(void *arg)
{
	char buf[CHUNK] = { 'w' };
	bool until_told = !get(&flow->stop);
	long n;

	(void)arg;
	while (until_told ? !get(&flow->stop) : get(&flow->written) < STEP_BYTES) {
		n = write(flow->fd, buf, sizeof(buf));
		if (n > 0) {
			__atomic_add_fetch(&flow->written, n, __ATOMIC_SEQ_CST);
		} else if (errno == EAGAIN) {
			if (!until_told)
				break;	/* the queues are full */
			sleep_ms(1);
		} else {
			return 1;
		}
	}
	return 0;
}

/* Read the accepted end until it is empty; -1 on an error. */
static long drain(int fd)
{
	char buf[CHUNK];
	long all = 0, n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		all += n;
	return n < 0 && errno != EAGAIN ? -1 : all;
}

struct side {
	const char *name, *cg;
	long base, now;	/* socket memory: at the start, at the last reading */
	struct ledgers l;	/* S: both ledgers at the start */
};

struct race {
	struct outside g;
	int fd[NR_SOCKS];
	struct side *live[3];	/* whose rises must agree: C, P, T; or P, T; or T */
	int nlive;
	struct side *outside;
	bool err;
};

static bool agree(void *arg)
{
	struct race *r = arg;
	int i;

	for (i = 0; i < r->nlive; i++)
		if (ledger_sock_read(r->live[i]->cg, &r->live[i]->now)) {
			r->err = true;
			return true;
		}
	for (i = 1; i < r->nlive; i++)
		if (r->live[i]->now - r->live[i]->base !=
		    r->live[0]->now - r->live[0]->base)
			return false;
	return true;
}

/*
 * The live cgroups' socket memory rose alike (TCP's timers settle
 * first), each figure from its own start, and S's did not move.
 */
static int step_check(struct race *r, const char *when)
{
	char what[160];
	long rise;
	int i;

	poll_until(agree, r, WAIT_MS);
	if (r->err)
		return -1;
	rise = r->live[0]->now - r->live[0]->base;
	for (i = 1; i < r->nlive; i++) {
		snprintf(what, sizeof(what), "%s's socket memory rise %s (%s's)",
			 r->live[i]->name, when, r->live[0]->name);
		if (expect_near(what, r->live[i]->now - r->live[i]->base, rise, 0))
			return -1;
	}
	snprintf(what, sizeof(what), "S's %%s %s (its worker wrote, C's sockets hold)",
		 when);
	return ledger_expect(r->outside->cg, "sock", &r->outside->l, 0,
			     ledger_tol(0), what, NULL);
}

/*
 * S writes a step's bytes into emptied queues. Only the first, into new
 * sockets, must raise the live cgroups: later ones may fit in what TCP
 * kept reserved (sk_forward_alloc; 5.4 keeps more of it than 6.12), so
 * there the ledgers must agree, and a charge lost after offline shows
 * at the end, where closing the sockets must leave T where it started.
 */
static int step_write(struct race *r, const char *when)
{
	char what[160];
	bool fresh = r->nlive == 3;

	if (drain(r->fd[ACCEPTED]) < 0)
		return -1;
	flow->written = 0;
	flow->stop = 1;
	if (cg_run(r->g.s, writer, NULL))
		return -1;
	ktap_diag("S wrote %ld B into C's client %s", flow->written, when);
	if (step_check(r, when))
		return -1;
	if (!fresh)
		return 0;
	snprintf(what, sizeof(what), "%s's socket memory rise %s",
		 r->live[0]->name, when);
	return expect_range(what, r->live[0]->now - r->live[0]->base,
			    page_size(), 1L << 40);
}

static bool written(void *arg)
{
	return get(&flow->written) >= *(long *)arg;
}

/* rmdir C while S writes and the rig reads the other end. */
static int step_across(struct race *r)
{
	long half = STEP_BYTES / 2, at;
	pid_t pid;

	flow->written = 0;
	flow->stop = 0;
	pid = cg_spawn(r->g.s, writer, NULL);
	while (pid > 0 && get(&flow->written) < half && drain(r->fd[ACCEPTED]) >= 0)
		sleep_ms(1);
	if (pid < 0 || cg_destroy(r->g.c))
		goto fail;
	at = get(&flow->written) + half;
	while (!written(&at) && drain(r->fd[ACCEPTED]) >= 0)
		sleep_ms(1);
	__atomic_store_n(&flow->stop, 1, __ATOMIC_SEQ_CST);
	if (cg_reap(pid))
		return -1;
	ktap_diag("S wrote %ld B across rmdir C while the rig read the other end",
		  flow->written);
	return 0;
fail:
	__atomic_store_n(&flow->stop, 1, __ATOMIC_SEQ_CST);
	cg_reap(pid);
	return -1;
}

static int race_steps(struct race *r)
{
	struct side c = { .name = "C", .cg = r->g.c }, p = { .name = "P", .cg = r->g.p };
	struct side t = { .name = "T", .cg = r->g.t }, s = { .name = "S", .cg = r->g.s };
	int i;

	if (ledger_sock_read(c.cg, &c.base) || ledger_sock_read(p.cg, &p.base) ||
	    ledger_sock_read(t.cg, &t.base) || ledger_sock_read(s.cg, &s.base) ||
	    ledger_read(s.cg, "sock", &s.l))
		return -1;
	r->outside = &s;
	r->live[0] = &c;
	r->live[1] = &p;
	r->live[2] = &t;
	r->nlive = 3;
	if (step_write(r, "with C alive") || step_across(r))
		return -1;
	r->live[0] = &p;
	r->live[1] = &t;
	r->nlive = 2;
	if (step_check(r, "once C was removed under the flow") ||
	    cg_dying_is(r->g.p, "P", 1, "not-dying-with-sockets",
			"while C's sockets are open") ||
	    step_write(r, "after rmdir C") || cg_destroy(r->g.p) ||
	    cg_dying_is(r->g.t, "T", 2, "not-dying-with-sockets",
			"while C's sockets are open"))
		return -1;
	r->live[0] = &t;
	r->nlive = 1;
	if (step_write(r, "after rmdir C and P"))
		return -1;
	for (i = 0; i < NR_SOCKS; i++) {
		close(r->fd[i]);
		r->fd[i] = -1;
	}
	if (cg_wait_gone_unpinned(r->g.t, "C and P once C's sockets closed") ||
	    ledger_sock_read(r->g.t, &t.now))
		return -1;
	return expect_near("T's socket memory once the sockets closed",
			   t.now - t.base, 0, 0);
}

/* v1 ties a socket to its memcg only once that memcg accounts TCP. */
static int tcp_accounting(const char *c)
{
	return cg_is_v2() ? 0 : cg_write(c, "memory.kmem.tcp.limit_in_bytes", "-1");
}

int test_offline_race_sock(void)
{
	struct race r = { .fd = { -1, -1, -1 } };
	int i, ret;

	flow = mmap(NULL, sizeof(*flow), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (flow == MAP_FAILED || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return KSFT_FAIL;
	ktap_diag("%s: the ledger of socket memory", ledger_sock_name());
	ret = outside_make(&r.g, "rig_offline_sock") ||
	      tcp_accounting(r.g.c) || cg_run(r.g.c, make_sockets, NULL);
	for (i = 0; i < NR_SOCKS && !ret; i++) {
		r.fd[i] = fd_recv(sv[0]);
		ret = r.fd[i] < 0;
	}
	if (!ret) {
		flow->fd = r.fd[CLIENT];
		ret = race_steps(&r);
	}
	for (i = 0; i < NR_SOCKS; i++)
		if (r.fd[i] >= 0)
			close(r.fd[i]);
	close(sv[0]);
	close(sv[1]);
	outside_remove(&r.g, ret);
	munmap(flow, sizeof(*flow));
	return ret ? KSFT_FAIL : KSFT_PASS;
}
