// SPDX-License-Identifier: GPL-2.0
/*
 * pins: negative controls for the dying-count check. A socket, an
 * inotify instance and a tmpfs file with data pages, each made in its own
 * child C, hold C (they are not reparented); every C must stay dying while
 * they all live (one hold shows the three), and each must go once its pin
 * is released. If a pin did not show, the check that
 * "nothing pins a removed memcg" could not be trusted.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/outlive.h"
#include "lib/wait.h"
#include "suite.h"

#define PIN_FILE	"/tmp/rig_pin_file"
#define PIN_FILE_PAGES	64
/* How long a correct kernel must keep the pinned memcg dying. */
#define PIN_HOLD_MS	1000

static int sv[2];

static int pin_socket(void *arg)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	(void)arg;
	return fd < 0 || fd_send(sv[1], fd);
}

static int pin_inotify(void *arg)
{
	int fd = inotify_init1(0);

	(void)arg;
	return fd < 0 || fd_send(sv[1], fd);
}

static int pin_file(void *arg)
{
	long ps = page_size(), i;
	char *page = malloc(ps);
	int fd = open(PIN_FILE, O_CREAT | O_WRONLY | O_TRUNC, 0600);

	(void)arg;
	if (fd < 0 || !page)
		return 1;
	memset(page, 'p', ps);
	for (i = 0; i < PIN_FILE_PAGES; i++)
		if (write(fd, page, ps) != ps)
			return 1;
	close(fd);
	return 0;
}

struct pin {
	const char *what;
	int (*make)(void *arg);
	int passes_fd;
};

static const struct pin pins[] = {
	{ "socket", pin_socket, 1 },
	{ "inotify", pin_inotify, 1 },
	{ "tmpfs file with data pages", pin_file, 0 },
};

#define NR_PINS	ARRAY_SIZE(pins)

/* One pin in flight: its P > C, and the fd that keeps it alive. */
struct held {
	char p[CG_PATH_MAX], c[CG_PATH_MAX];
	int fd;
};

/* The pins held at once: h[first .. first + n). */
struct batch {
	struct held *h;
	unsigned int first, n;
};

/* Polled: some C went away, or a count could not be read. */
static bool one_released(void *arg)
{
	struct batch *b = arg;
	unsigned int i;

	for (i = b->first; i < b->first + b->n; i++)
		if (cg_dying(b->h[i].p) < 1)
			return true;
	return false;
}

static int held_while_alive(struct batch *b)
{
	unsigned int i;

	cg_kick_stocks("only the pin may hold C, not a CPU's stock");
	if (poll_until(one_released, b, PIN_HOLD_MS))
		return 0;
	for (i = b->first; i < b->first + b->n; i++)
		if (cg_dying(b->h[i].p) == 0)
			ktap_fail("C went away while a %s made in it was alive: the pin is not seen",
				  pins[i].what);
	return -1;
}

/*
 * v1 ties a socket to its memcg only once the memcg accounts TCP memory
 * (mem_cgroup_sk_alloc()): any write to memory.kmem.tcp.limit_in_bytes
 * turns that on.
 */
static int tcp_accounting(const char *c)
{
	return cg_is_v2() ? 0 : cg_write(c, "memory.kmem.tcp.limit_in_bytes", "-1");
}

/* P > C, the pin made in C and passed out, C removed. */
static int pin_make(struct held *h, const struct pin *pin, int nr)
{
	char name[32];
	int ret = -1;

	snprintf(name, sizeof(name), "rig_pins%d", nr);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	if (cg_create(h->p, cg_root, name) || cg_enable_memory(h->p) ||
	    cg_create(h->c, h->p, "child") ||
	    tcp_accounting(h->c) || cg_run(h->c, pin->make, NULL))
		goto out;
	if (pin->passes_fd) {
		h->fd = fd_recv(sv[0]);
		if (h->fd < 0)
			goto out;
	}
	ret = cg_destroy(h->c);
out:
	close(sv[0]);
	close(sv[1]);
	return ret;
}

static int pin_release(struct held *h, const struct pin *pin)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	if (!pin->passes_fd)
		unlink(PIN_FILE);
	if (cg_wait_gone(h->p, pin->what))
		return -1;
	ktap_diag("%s: held C dying for %d ms, released it when closed",
		  pin->what, PIN_HOLD_MS);
	return 0;
}

/*
 * On v2 the pins hold at once, each its own P > C (one hold shows them
 * all, and releasing one must free its C alone); v1's dying count is the
 * whole hierarchy's, so there they hold one at a time.
 */
int test_pins(void)
{
	struct held h[NR_PINS];
	struct batch b = { h, 0, cg_is_v2() ? NR_PINS : 1 };
	unsigned int i;
	int bad = 0;

	for (i = 0; i < NR_PINS; i++) {
		h[i].p[0] = h[i].c[0] = '\0';
		h[i].fd = -1;
	}
	for (b.first = 0; b.first < NR_PINS && !bad; b.first += b.n) {
		for (i = b.first; i < b.first + b.n && !bad; i++)
			bad = pin_make(&h[i], &pins[i], i);
		if (!bad)
			bad = held_while_alive(&b);
		for (i = b.first; i < b.first + b.n && !bad; i++)
			bad = pin_release(&h[i], &pins[i]);
	}
	for (i = 0; i < NR_PINS; i++) {
		if (h[i].fd >= 0)
			close(h[i].fd);
		cg_destroy(h[i].c);
		if (bad && h[i].p[0])
			cg_wait_gone_kicked(h[i].p, "cleaning up after a failed pin");
		cg_destroy(h[i].p);
	}
	unlink(PIN_FILE);
	return bad ? KSFT_FAIL : KSFT_PASS;
}
