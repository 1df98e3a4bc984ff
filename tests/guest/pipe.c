// SPDX-License-Identifier: GPL-2.0
/*
 * Pipes made outside child C and filled from inside it (lib/pipes.h): the
 * buffer array of a resized pipe (a large kmalloc, patch 8 of the series)
 * and the data pages written into it (kmem pages).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/era.h"
#include "lib/pipes.h"
#include "suite.h"

/*
 * sizeof(struct pipe_buffer) on 64-bit (page, offset, len, ops, flags,
 * private): no file shows it. The test checks below that the array it
 * makes is past the largest kmalloc cache, i.e. a large kmalloc, whose
 * charge is whole pages: any size from 33 to 64 B gives the same figure.
 */
#define PIPE_BUFFER_SIZE	40

/* The largest accounted kmalloc cache (era.h) in /sys/kernel/slab. */
static long kmalloc_max(void)
{
	return bucket_largest(era_kmalloc_prefix());
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
	long array = PIPE_SIZE / page_size() * PIPE_BUFFER_SIZE;
	long max = kmalloc_max();
	struct outlive o = { 0 };

	if (array <= max) {
		test_reason("a %ld B buffer array fits kmalloc-cg (max %ld B)",
			    array, max);
		return KSFT_SKIP;
	}
	pipes_outlive(&o);
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
	o.make = pipes_resize;
	ktap_diag("a %ld B buffer array is past kmalloc-cg-%ld: %ld B a pipe",
		  array, max, o.unit);
	return outlive_chain(&o);
}

int test_pipe_pages(void)
{
	struct outlive o = { .name = "rig_pipe_pages" };

	pipes_with_pages(&o);
	return outlive_chain(&o);
}
