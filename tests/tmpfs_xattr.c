// SPDX-License-Identifier: GPL-2.0
/*
 * tmpfs user.* xattrs set from child C: charged to C where the kernel
 * accounts them (6.6 on), reparented, uncharged when the files go. A
 * kernel whose tmpfs refuses user.* xattrs gets SKIP, never a pass.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lib/outlive.h"
#include "suite.h"

#define DIR_PATH	"/tmp/rig_xattr"
#define NR_FILES	1000
#define VALUE_SIZE	1000

static void path_of(char *buf, size_t len, int i)
{
	snprintf(buf, len, DIR_PATH "/f%d", i);
}

static int set_xattrs(void *arg)
{
	char path[64], value[VALUE_SIZE];
	int i;

	(void)arg;
	memset(value, 'x', sizeof(value));
	for (i = 0; i < NR_FILES; i++) {
		path_of(path, sizeof(path), i);
		if (setxattr(path, "user.rig", value, sizeof(value), 0))
			return 1;
	}
	return 0;
}

static void remove_files(void *arg)
{
	char path[64];
	int i;

	(void)arg;
	for (i = 0; i < NR_FILES; i++) {
		path_of(path, sizeof(path), i);
		unlink(path);
	}
	rmdir(DIR_PATH);
}

int test_tmpfs_xattr(void)
{
	struct outlive o = {
		.cg_name = "rig_tmpfs_xattr",
		.key = "slab",
		.make = set_xattrs,
		.release = remove_files,
		/* Header and name sizes are hidden: at least the values. */
		.at_least = (long)NR_FILES * VALUE_SIZE,
	};
	char path[64];
	int i, fd;

	o.tol = o.at_least / 100 + 2 * nr_cpus() * page_size();
	mkdir(DIR_PATH, 0755);
	for (i = 0; i < NR_FILES; i++) {
		path_of(path, sizeof(path), i);
		fd = open(path, O_CREAT | O_WRONLY, 0600);
		if (fd < 0)
			return KSFT_FAIL;
		close(fd);
	}
	if (setxattr(path, "user.probe", "1", 1, 0)) {
		test_reason("tmpfs refuses user.* xattrs here (%s)",
			    strerror(errno));
		remove_files(NULL);
		return errno == EOPNOTSUPP || errno == EPERM ?
		       KSFT_SKIP : KSFT_FAIL;
	}
	removexattr(path, "user.probe");
	return outlive_run(&o);
}
