// SPDX-License-Identifier: GPL-2.0
/*
 * pins: negative controls for the dying-count check. A socket, an
 * inotify instance and a tmpfs file with data pages, made in child C,
 * hold C (they are not reparented); C must stay dying while they live and
 * go once they are released. If a pin did not show, the check that
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

/* Polled: C went away, or its count could not be read. */
static bool not_held(void *p)
{
	return cg_dying(p) < 1;
}

static int held_while_alive(const char *p, const struct pin *pin)
{
	cg_kick_stocks("only the pin may hold C, not a CPU's stock");
	if (poll_until(not_held, (void *)p, PIN_HOLD_MS))
		return 0;
	if (cg_dying(p) == 0)
		ktap_fail("C went away while a %s made in it was alive: the pin is not seen",
			  pin->what);
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

static int pin_one(const struct pin *pin)
{
	char p[CG_PATH_MAX] = "", c[CG_PATH_MAX] = "";
	int fd = -1, ret = -1;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) ||
	    cg_create(p, cg_root, "rig_pins") || cg_enable_memory(p) ||
	    cg_create(c, p, "child") ||
	    tcp_accounting(c) || cg_run(c, pin->make, NULL))
		goto out;
	if (pin->passes_fd) {
		fd = fd_recv(sv[0]);
		if (fd < 0)
			goto out;
	}
	if (cg_destroy(c) || held_while_alive(p, pin))
		goto out;
	if (fd >= 0)
		close(fd);
	fd = -1;
	unlink(PIN_FILE);
	if (cg_wait_gone(p, pin->what))
		goto out;
	ktap_diag("%s: held C dying for %d ms, released it when closed",
		  pin->what, PIN_HOLD_MS);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	unlink(PIN_FILE);
	close(sv[0]);
	close(sv[1]);
	cg_destroy(c);
	if (ret)
		cg_wait_gone_kicked(p, "cleaning up after a failed pin");
	cg_destroy(p);
	return ret;
}

int test_pins(void)
{
	int i, bad = 0;

	for (i = 0; i < (int)ARRAY_SIZE(pins); i++)
		bad |= pin_one(&pins[i]);
	return bad ? KSFT_FAIL : KSFT_PASS;
}
