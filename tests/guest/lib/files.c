// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "cg.h"
#include "ktap.h"

/*
 * mknod, not open and close: a closed file's struct file is accounted, and
 * 6.1 frees it only after an RCU grace period (file_free_rcu), so
 * thousands of them would still be charged to the cgroup when it is
 * measured (seen as +1% to +7% on x86_64 with 2 CPUs). mknod makes the
 * inode and dentry alone.
 */
int files_make(const char *dir, int first, int n)
{
	char path[256];
	int i;

	for (i = first; i < first + n; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		if (mknod(path, S_IFREG | 0600, 0)) {
			ktap_diag("mknod %s: %m", path);
			return -1;
		}
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

static int files_prepare(void *arg, int n)
{
	(void)arg;
	(void)n;
	return mkdir(FILES_DIR, 0755) && errno != EEXIST;
}

static int files_make_units(void *arg, int first, int n)
{
	(void)arg;
	return files_make(FILES_DIR, first, n);
}

static void files_free(void *arg, int first, int n)
{
	(void)arg;
	files_unlink(FILES_DIR, first, n);
}

static void files_cleanup(void *arg, int n)
{
	(void)arg;
	files_unlink(FILES_DIR, 0, n);
	rmdir(FILES_DIR);
}

int files_outlive(struct outlive *o, const char *name, int n)
{
	long inode, dentry;

	memset(o, 0, sizeof(*o));
	o->what = "tmpfs files";
	inode = outlive_slab(o, "shmem_inode_cache", 1);
	dentry = outlive_slab(o, "dentry", 1);
	if (inode < 0 || dentry < 0)
		return -1;
	o->name = name;
	o->key = "slab";
	o->n = n;
	o->unit = inode + dentry;
	o->prepare = files_prepare;
	o->make = files_make_units;
	o->free = files_free;
	o->cleanup = files_cleanup;
	return 0;
}
