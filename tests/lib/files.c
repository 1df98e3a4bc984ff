// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "files.h"
#include "ktap.h"

int files_make(const char *dir, int first, int n)
{
	char path[256];
	int i, fd;

	for (i = first; i < first + n; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		fd = open(path, O_CREAT | O_WRONLY, 0600);
		if (fd < 0) {
			ktap_diag("open %s: %m", path);
			return -1;
		}
		close(fd);
	}
	return 0;
}

void files_unlink(const char *dir, int first, int n)
{
	char path[256];
	int i;

	for (i = first; i < first + n; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		unlink(path);
	}
}
