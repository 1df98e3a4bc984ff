// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cg.h"
#include "pipes.h"

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

int pipes_resize(void *arg, int first, int n)
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

void pipes_outlive(struct outlive *o)
{
	o->n = NR_PIPES;
	o->prepare = open_pipes;
	o->free = close_pipes;
}

void pipes_with_pages(struct outlive *o)
{
	pipes_outlive(o);
	o->what = "pipes with 8 unread pages";
	o->key = "kernel";
	o->unit = DATA_PAGES * page_size();
	o->make = write_pipes;
}
