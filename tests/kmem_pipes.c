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

#include "lib/outlive.h"
#include "suite.h"

#define NR_PIPES	100
#define PIPE_SIZE	(1 << 20)
#define DATA_PAGES	8
/*
 * sizeof(struct pipe_buffer) on 64-bit (page, offset, len, ops, flags,
 * private): no file shows it. The test checks below that the array it
 * makes is past the largest kmalloc cache, i.e. a large kmalloc.
 */
#define PIPE_BUFFER_SIZE	40

struct pipes {
	int fd[NR_PIPES][2];
	long size;
	long pages;
};

static struct pipes pipes;

static int open_pipes(struct pipes *p)
{
	int i;

	memset(p->fd, -1, sizeof(p->fd));
	for (i = 0; i < NR_PIPES; i++)
		if (pipe2(p->fd[i], O_NONBLOCK))
			return -1;
	return 0;
}

static void close_pipes(void *arg)
{
	struct pipes *p = arg;
	int i;

	for (i = 0; i < NR_PIPES; i++) {
		if (p->fd[i][0] >= 0)
			close(p->fd[i][0]);
		if (p->fd[i][1] >= 0)
			close(p->fd[i][1]);
		p->fd[i][0] = p->fd[i][1] = -1;
	}
}

static int resize_pipes(void *arg)
{
	struct pipes *p = arg;
	int i;

	for (i = 0; i < NR_PIPES; i++)
		if (fcntl(p->fd[i][1], F_SETPIPE_SZ, p->size) < p->size)
			return 1;
	return 0;
}

static int write_pipes(void *arg)
{
	struct pipes *p = arg;
	long ps = page_size(), j;
	char *page = malloc(ps);
	int i;

	if (!page)
		return 1;
	memset(page, 'k', ps);
	for (i = 0; i < NR_PIPES; i++)
		for (j = 0; j < p->pages; j++)
			if (write(p->fd[i][1], page, ps) != ps)
				return 1;
	return 0;
}

/* The largest kmalloc-cg-<n>[k] cache in /sys/kernel/slab. */
static long kmalloc_max(void)
{
	DIR *dir = opendir("/sys/kernel/slab");
	long max = 0, n;
	struct dirent *d;
	char *end;

	while (dir && (d = readdir(dir))) {
		if (strncmp(d->d_name, "kmalloc-cg-", 11))
			continue;
		n = strtol(d->d_name + 11, &end, 10);
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

int test_pipe_large_kmalloc(void)
{
	long array, max = kmalloc_max();
	struct outlive o = {
		.cg_name = "rig_pipe_large_kmalloc",
		.key = "slab_unreclaimable",
		.make = resize_pipes,
		.release = close_pipes,
		.arg = &pipes,
	};

	pipes.size = PIPE_SIZE;
	array = PIPE_SIZE / page_size() * PIPE_BUFFER_SIZE;
	if (array <= max) {
		test_reason("a %ld B buffer array fits kmalloc-cg (max %ld B)",
			    array, max);
		return KSFT_SKIP;
	}
	/* Byte-exact stats; 1% for the workers' own short-lived objects. */
	o.expected = NR_PIPES * large_kmalloc_bytes(array);
	o.tol = o.expected / 100 + 2 * nr_cpus() * page_size();
	ktap_diag("%d pipes of %d B: %ld B arrays past kmalloc-cg-%ld, %ld B expected",
		  NR_PIPES, PIPE_SIZE, array, max, o.expected);
	if (open_pipes(&pipes)) {
		close_pipes(&pipes);
		return KSFT_FAIL;
	}
	return outlive_run(&o);
}

int test_pipe_pages(void)
{
	struct outlive o = {
		.cg_name = "rig_pipe_pages",
		.key = "kernel",
		.make = write_pipes,
		.release = close_pipes,
		.arg = &pipes,
	};

	pipes.pages = DATA_PAGES;
	/* Whole pages; the stock can hold a page of bytes per CPU. */
	o.expected = (long)NR_PIPES * DATA_PAGES * page_size();
	o.tol = o.expected / 100 + 2 * nr_cpus() * page_size();
	ktap_diag("%d pipes x %d pages of %ld B kept unread: %ld B expected",
		  NR_PIPES, DATA_PAGES, page_size(), o.expected);
	if (open_pipes(&pipes)) {
		close_pipes(&pipes);
		return KSFT_FAIL;
	}
	return outlive_run(&o);
}
