// SPDX-License-Identifier: GPL-2.0
/*
 * Pipes made outside child C and filled from inside it: the buffer array
 * of a resized pipe (a large kmalloc, patch 8 of the series) and the data
 * pages written into it (kmem pages) are charged to C, reparented when C
 * goes, and uncharged from the parent when the pipes are closed.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/era.h"
#include "lib/outlive.h"
#include "suite.h"

#define NR_PIPES	100
#define PIPE_SIZE	(1 << 20)
#define DATA_PAGES	8
/*
 * sizeof(struct pipe_buffer) on 64-bit (page, offset, len, ops, flags,
 * private): no file shows it. The test checks below that the array it
 * makes is past the largest kmalloc cache, i.e. a large kmalloc, whose
 * charge is whole pages: any size from 33 to 64 B gives the same figure.
 */
#define PIPE_BUFFER_SIZE	40

static int fd[NR_PIPES][2];

static int open_pipes(void *arg, int n)
{
	int i;

	(void)arg;
	memset(fd, -1, sizeof(fd));
	for (i = 0; i < n; i++)
		if (pipe2(fd[i], O_NONBLOCK))
			return -1;
	return 0;
}

static void close_pipes(void *arg, int first, int n)
{
	int i;

	(void)arg;
	for (i = first; i < first + n; i++) {
		if (fd[i][0] >= 0)
			close(fd[i][0]);
		if (fd[i][1] >= 0)
			close(fd[i][1]);
		fd[i][0] = fd[i][1] = -1;
	}
}

static int resize_pipes(void *arg, int first, int n)
{
	int i;

	(void)arg;
	for (i = first; i < first + n; i++)
		if (fcntl(fd[i][1], F_SETPIPE_SZ, PIPE_SIZE) < PIPE_SIZE)
			return 1;
	return 0;
}

static int write_pipes(void *arg, int first, int n)
{
	long ps = page_size(), j;
	char *page = malloc(ps);
	int i;

	(void)arg;
	if (!page)
		return 1;
	memset(page, 'k', ps);
	for (i = first; i < first + n; i++)
		for (j = 0; j < DATA_PAGES; j++)
			if (write(fd[i][1], page, ps) != ps)
				return 1;
	return 0;
}

/* The largest accounted kmalloc cache (era.h) in /sys/kernel/slab. */
static long kmalloc_max(void)
{
	const char *prefix = era_kmalloc_prefix();
	DIR *dir = opendir("/sys/kernel/slab");
	long max = 0, n, len = strlen(prefix);
	struct dirent *d;
	char *end;

	while (dir && (d = readdir(dir))) {
		if (strncmp(d->d_name, prefix, len))
			continue;
		n = strtol(d->d_name + len, &end, 10);
		if (*end == 'k')
			n *= 1024;
		if (n > max)
			max = n;
	}
	if (dir)
		closedir(dir);
	return max;
}

/* kmalloc_large() hands out whole pages, a power of two of them. */
static long large_kmalloc_bytes(long size)
{
	long bytes = page_size();

	while (bytes < size)
		bytes <<= 1;
	return bytes;
}

static const struct outlive pipes = {
	.n = NR_PIPES,
	.prepare = open_pipes,
	.free = close_pipes,
};

int test_pipe_large_kmalloc(void)
{
	long array = PIPE_SIZE / page_size() * PIPE_BUFFER_SIZE;
	long max = kmalloc_max();
	struct outlive o = pipes;

	if (array <= max) {
		test_reason("a %ld B buffer array fits kmalloc-cg (max %ld B)",
			    array, max);
		return KSFT_SKIP;
	}
	o.name = "rig_pipe_large_kmalloc";
	o.what = "pipes resized to 1 MiB";
	o.unit = large_kmalloc_bytes(array);
	/*
	 * Before 5.9 (per-memcg caches) a large kmalloc is a plain kmem page,
	 * which no memcg slab statistic counts (kmalloc_order() counts it in
	 * the node's slab alone): the page counter ledgers, and "kernel".
	 */
	o.key = era_per_memcg_caches() > 0 ? "kernel" : "slab_unreclaimable";
	if (era_per_memcg_caches() <= 0 && outlive_move(&o, "slab", o.unit))
		return KSFT_FAIL;
	o.make = resize_pipes;
	ktap_diag("a %ld B buffer array is past kmalloc-cg-%ld: %ld B a pipe",
		  array, max, o.unit);
	return outlive_chain(&o);
}

int test_pipe_pages(void)
{
	struct outlive o = pipes;

	o.name = "rig_pipe_pages";
	o.what = "pipes with 8 unread pages";
	o.key = "kernel";
	o.unit = DATA_PAGES * page_size();
	o.make = write_pipes;
	return outlive_chain(&o);
}

/*
 * hotplug_stock: pipes filled from C on CPU 1, whose stocks then hold C's
 * pre-charge; CPU 1 goes offline and must give it back, C is removed and
 * must be freed (an offline CPU's stock is out of offline's drain), and
 * the engine's steps follow. Twice: the second time on the CPU brought
 * back online.
 */
int test_hotplug_stock(void)
{
	struct outlive o = pipes;
	int round;

	if (nr_cpus() < 2) {
		test_reason("%d CPU: none to take offline", nr_cpus());
		return KSFT_SKIP;
	}
	if (access("/sys/devices/system/cpu/cpu1/online", W_OK)) {
		ktap_fail("no-cpu-hotplug", "CPU 1 cannot go offline: no writable /sys/devices/system/cpu/cpu1/online (CONFIG_HOTPLUG_CPU)");
		return KSFT_FAIL;
	}
	o.name = "rig_hotplug_stock";
	o.what = "pipes with 8 unread pages";
	o.key = "kernel";
	o.unit = DATA_PAGES * page_size();
	o.make = write_pipes;
	o.offline_cpu = 1;
	for (round = 1; round <= 2; round++) {
		ktap_diag("round %d: CPU 1 %s", round,
			  round == 1 ? "as booted" : "brought back online");
		if (outlive_run(&o) != KSFT_PASS)
			return KSFT_FAIL;
	}
	return KSFT_PASS;
}
