/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pipes as the engine's units (pipe_large_kmalloc, pipe_pages,
 * hotplug_stock): made outside child C and filled from inside it, their
 * buffer arrays and data pages are charged to C, reparented when C goes,
 * and uncharged from the parent when the pipes are closed.
 */
#ifndef RIG_PIPES_H
#define RIG_PIPES_H

#include "outlive.h"

#define NR_PIPES	100
#define PIPE_SIZE	(1 << 20)
#define DATA_PAGES	8

/* NR_PIPES pipes made outside C: o's n, prepare and free. */
void pipes_outlive(struct outlive *o);
/* ... each filled from C with DATA_PAGES unread pages: key "kernel". */
void pipes_with_pages(struct outlive *o);
/* A make: each pipe resized to PIPE_SIZE from C. */
int pipes_resize(void *arg, int first, int n);

#endif
