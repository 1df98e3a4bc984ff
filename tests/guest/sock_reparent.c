// SPDX-License-Identifier: GPL-2.0
/*
 * sock_reparent: TCP over loopback, made in child C: a listener, a client
 * and the connection it accepts, with data written and left unread.
 * Socket buffers are charged to C (v2: memory.stat sock and
 * memory.current; v1: memory.kmem.tcp.usage_in_bytes, once C accounts
 * TCP). Sockets are not reparented: once removed, C stays dying while
 * they live, and its charge stays in P. Once the rig closes them every
 * byte of it leaves P, and C is freed (the stocks kicked: see below).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "lib/outlive.h"
#include "lib/wait.h"
#include "suite.h"

#define NR_SOCKS	3	/* listener, client, accepted */
#define CHUNK		65536
#define MAX_BYTES	(4 << 20)

static int sv[2];

/* In C: the three sockets, the client's send filling the other's queue. */
static int make_sockets(void *arg)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd[NR_SOCKS], i;
	char buf[CHUNK] = { 'x' };
	long sent = 0, n;

	(void)arg;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd[0] = socket(AF_INET, SOCK_STREAM, 0);
	fd[1] = socket(AF_INET, SOCK_STREAM, 0);
	if (fd[0] < 0 || fd[1] < 0 ||
	    bind(fd[0], (struct sockaddr *)&a, sizeof(a)) || listen(fd[0], 1) ||
	    getsockname(fd[0], (struct sockaddr *)&a, &len) ||
	    connect(fd[1], (struct sockaddr *)&a, sizeof(a)))
		return 1;
	fd[2] = accept(fd[0], NULL, NULL);
	if (fd[2] < 0 || fcntl(fd[1], F_SETFL, O_NONBLOCK))
		return 1;
	while (sent < MAX_BYTES) {
		n = write(fd[1], buf, sizeof(buf));
		if (n <= 0)
			break;
		sent += n;
	}
	ktap_diag("C wrote %ld B over TCP, left unread", sent);
	for (i = 0; i < NR_SOCKS; i++)
		if (fd_send(sv[1], fd[i]))
			return 1;
	return sent ? 0 : 1;
}

struct sock_poll {
	const char *p, *c;
	long base, c_now, p_now;
	int err;
};

/* C's socket memory and P's rise agree (TCP's timers settle first). */
static bool sock_agree(void *arg)
{
	struct sock_poll *s = arg;

	if (ledger_sock_read(s->c, &s->c_now) || ledger_sock_read(s->p, &s->p_now)) {
		s->err = 1;
		return true;
	}
	return s->p_now - s->base == s->c_now;
}

/* P's socket memory back at its baseline. */
static bool sock_back(void *arg)
{
	struct sock_poll *s = arg;

	if (ledger_sock_read(s->p, &s->p_now)) {
		s->err = 1;
		return true;
	}
	return s->p_now == s->base;
}

static int receive(int *fd, pid_t pid)
{
	struct timeval tv = { WAIT_MS / 1000, 0 };
	int i;

	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (i = 0; i < NR_SOCKS; i++)
		fd[i] = fd_recv(sv[0]);
	if (cg_reap(pid) || fd[NR_SOCKS - 1] < 0) {
		ktap_fail("worker-no-sockets", "the worker in C could not make its TCP sockets");
		return -1;
	}
	return 0;
}

static int sock_steps(const char *p, const char *c, int *fd)
{
	struct sock_poll s = { .p = p, .c = c };
	long c_pages0, c_pages1;
	struct ledgers p0;
	int i;

	cg_kick_stocks("a stock holds the pre-charge of C's own structures, charged to P: P's baseline is its charge alone");
	if (ledger_sock_read(p, &s.base) || ledger_read(p, "sock", &p0) ||
	    cg_get(c, ledger_pages_name(), NULL, &c_pages0) ||
	    receive(fd, cg_spawn(c, make_sockets, NULL)))
		return -1;
	poll_until(sock_agree, &s, WAIT_MS);
	if (s.err || cg_get(c, ledger_pages_name(), NULL, &c_pages1))
		return -1;
	/* The queued data, at least a page of it, charged to C and so to P. */
	if (expect_range("C's socket memory once C wrote", s.c_now,
			 page_size(), 1L << 40) ||
	    expect_near("P's socket memory rise (C's)", s.p_now - s.base,
			s.c_now, 0))
		return -1;
	if (cg_is_v2() &&
	    expect_range("C's memory.current rise, its socket memory in it",
			 c_pages1 - c_pages0, s.c_now, 1L << 40))
		return -1;
	if (cg_destroy(c))
		return -1;
	sleep_ms(HOLD_MS);
	if (cg_dying_is(p, "P", 1, "not-dying-with-sockets",
			"after rmdir C with its sockets open"))
		return -1;
	for (i = 0; i < NR_SOCKS; i++) {
		close(fd[i]);
		fd[i] = -1;
	}
	/*
	 * Closing them uncharges the dead C through refill_stock(), which
	 * may cache C in that CPU's page stock again (6.12 on x86_64).
	 */
	if (cg_wait_gone_unpinned(p, "C once its sockets closed"))
		return -1;
	/* Socket memory is counted in pages with no stock: all of it. */
	poll_until(sock_back, &s, WAIT_MS);
	if (s.err || expect_near("P's socket memory once the sockets closed",
				 s.p_now - s.base, 0, 0))
		return -1;
	return ledger_expect(p, "sock", &p0, 0, ledger_tol(0),
			     "P's %s once the sockets closed", NULL);
}

int test_sock_reparent(void)
{
	char p[CG_PATH_MAX] = "", c[CG_PATH_MAX] = "";
	int fd[NR_SOCKS] = { -1, -1, -1 }, i, ret;
	int probe = socket(AF_INET, SOCK_STREAM, 0);

	if (probe < 0) {
		ktap_fail("no-tcp", "no TCP (socket(AF_INET): %m): CONFIG_INET, which kernel-config/common.config asks for, is not working");
		return KSFT_FAIL;
	}
	close(probe);
	ktap_diag("%s: the ledger of socket memory", ledger_sock_name());
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return KSFT_FAIL;
	ret = cg_create(p, cg_root, "rig_sock") || cg_enable_memory(p) ||
	      cg_create(c, p, "child") ||
	      (!cg_is_v2() &&
	       cg_write(c, "memory.kmem.tcp.limit_in_bytes", "-1")) ||
	      sock_steps(p, c, fd);
	for (i = 0; i < NR_SOCKS; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	close(sv[0]);
	close(sv[1]);
	cg_destroy(c);
	cg_destroy(p);
	return ret ? KSFT_FAIL : KSFT_PASS;
}
