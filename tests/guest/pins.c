// SPDX-License-Identifier: GPL-2.0
/*
 * pins: negative controls for the dying-count check. A socket, an
 * inotify instance and a tmpfs file with data pages, each made in its own
 * child C, hold C (they are not reparented); every C must stay dying while
 * they all live (one hold shows the three), and each must go once its pin
 * is released. If a pin did not show, the check that
 * "nothing pins a removed memcg" could not be trusted.
 *
 * Each pin is also made one level deeper, in G of P > C > G, both
 * removed: dead G holds dead C, so P must count two dying descendants
 * while the pin lives, and none once it is released.
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
#define PIN_FILE_DEEP	"/tmp/rig_pin_file_deep"
#define PIN_FILE_PAGES	64

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

/* arg: the file's path */
static int pin_file(void *arg)
{
	long ps = page_size(), i;
	char *page = malloc(ps);
	int fd = open(arg, O_CREAT | O_WRONLY | O_TRUNC, 0600);

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

/* One pin in flight: its P > C (> G), and the fd that keeps it alive. */
struct held {
	char p[CG_PATH_MAX], c[CG_PATH_MAX], g[CG_PATH_MAX];
	int fd;
	int depth;	/* 1: made in C; 2: in G */
	const struct pin *pin;
};

/* Every pin in C, then every pin in G. */
#define NR_HELD	(2 * NR_PINS)

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
		if (cg_dying(b->h[i].p) < b->h[i].depth)
			return true;
	return false;
}

static int held_while_alive(struct batch *b)
{
	unsigned int i;
	long dying;

	cg_kick_stocks("only the pin may hold C, not a CPU's stock");
	if (poll_until(one_released, b, HOLD_MS))
		return 0;
	for (i = b->first; i < b->first + b->n; i++) {
		dying = cg_dying(b->h[i].p);
		if (dying < b->h[i].depth)
			ktap_fail("pin-not-seen", "P counts %ld dying descendants while a %s made in %s was alive, expected %d: the pin is not seen",
				  dying, b->h[i].pin->what,
				  b->h[i].depth > 1 ? "G (P > C > G)" : "C",
				  b->h[i].depth);
	}
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

/* P > C (> G), the pin made in the deepest and passed out, all but P removed. */
static int pin_make(struct held *h, int nr)
{
	const struct pin *pin = h->pin;
	char name[32], *in = h->depth > 1 ? h->g : h->c;
	int ret = -1;

	snprintf(name, sizeof(name), "rig_pins%d", nr);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	if (cg_create(h->p, cg_root, name) || cg_enable_memory(h->p) ||
	    cg_create(h->c, h->p, "child") ||
	    (h->depth > 1 && (cg_enable_memory(h->c) ||
			      cg_create(h->g, h->c, "grandchild"))) ||
	    tcp_accounting(in) ||
	    cg_run(in, pin->make, h->depth > 1 ? PIN_FILE_DEEP : PIN_FILE))
		goto out;
	if (pin->passes_fd) {
		h->fd = fd_recv(sv[0]);
		if (h->fd < 0)
			goto out;
	}
	ret = (h->depth > 1 && cg_destroy(h->g)) || cg_destroy(h->c);
out:
	close(sv[0]);
	close(sv[1]);
	return ret;
}

static int pin_release(struct held *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	if (!h->pin->passes_fd)
		unlink(h->depth > 1 ? PIN_FILE_DEEP : PIN_FILE);
	if (cg_wait_gone(h->p, h->pin->what))
		return -1;
	ktap_diag("%s: held %s dying for %d ms, released %s when closed",
		  h->pin->what, h->depth > 1 ? "G and C" : "C", HOLD_MS,
		  h->depth > 1 ? "both" : "it");
	return 0;
}

/*
 * On v2 the pins hold at once, each its own P > C (one hold shows them
 * all, and releasing one must free its C alone); v1's dying count is the
 * whole hierarchy's, so there they hold one at a time.
 */
int test_pins(void)
{
	struct held h[NR_HELD];
	struct batch b = { h, 0, cg_is_v2() ? NR_HELD : 1 };
	unsigned int i;
	int bad = 0;

	for (i = 0; i < NR_HELD; i++) {
		h[i].p[0] = h[i].c[0] = h[i].g[0] = '\0';
		h[i].fd = -1;
		h[i].pin = &pins[i % NR_PINS];
		h[i].depth = 1 + i / NR_PINS;
	}
	for (b.first = 0; b.first < NR_HELD && !bad; b.first += b.n) {
		for (i = b.first; i < b.first + b.n && !bad; i++)
			bad = pin_make(&h[i], i);
		if (!bad)
			bad = held_while_alive(&b);
		for (i = b.first; i < b.first + b.n && !bad; i++)
			bad = pin_release(&h[i]);
	}
	for (i = 0; i < NR_HELD; i++) {
		if (h[i].fd >= 0)
			close(h[i].fd);
		cg_destroy(h[i].g);
		cg_destroy(h[i].c);
		if (bad && h[i].p[0])
			cg_wait_gone_kicked(h[i].p, "cleaning up after a failed pin");
		cg_destroy(h[i].p);
	}
	unlink(PIN_FILE);
	unlink(PIN_FILE_DEEP);
	return bad ? KSFT_FAIL : KSFT_PASS;
}
