// SPDX-License-Identifier: GPL-2.0
/*
 * tmpfs user.* xattrs set from child C on files made outside it: charged
 * to C where the kernel accounts them (6.6 on), reparented, uncharged
 * when the files go. A kernel whose tmpfs refuses user.* xattrs gets
 * SKIP, never a pass.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lib/files.h"
#include "lib/era.h"
#include "lib/outlive.h"
#include "suite.h"

#define DIR_PATH	"/tmp/rig_xattr"
#define NR_FILES	1000
#define NAME		"user.rig"
#define VALUE_SIZE	900
/*
 * sizeof(struct simple_xattr) on 64-bit (rb_node, name, size), which no
 * file shows. It only picks the cache the value comes from: any header
 * up to 124 B puts a 900 B value in the same 1 KiB one.
 */
#define XATTR_HDR	40

static void path_of(char *buf, size_t len, int i)
{
	snprintf(buf, len, DIR_PATH "/f%d", i);
}

static void remove_files(void *arg, int first, int n)
{
	(void)arg;
	files_unlink(DIR_PATH, first, n);
}

static void cleanup(void *arg, int n)
{
	remove_files(arg, 0, n);
	rmdir(DIR_PATH);
}

static int make_files(void *arg, int n)
{
	char path[64];
	int i;

	(void)arg;
	mkdir(DIR_PATH, 0755);
	for (i = 0; i < n; i++) {
		path_of(path, sizeof(path), i);
		if (mknod(path, S_IFREG | 0600, 0))
			return -1;
	}
	return 0;
}

static int set_xattrs(void *arg, int first, int n)
{
	char path[64], value[VALUE_SIZE];
	int i;

	(void)arg;
	memset(value, 'x', sizeof(value));
	for (i = first; i < first + n; i++) {
		path_of(path, sizeof(path), i);
		if (setxattr(path, NAME, value, sizeof(value), 0))
			return 1;
	}
	return 0;
}

/*
 * Whether this kernel's tmpfs takes user.* xattrs: 1 (a skip) where it
 * takes trusted.* but not user.* (before 6.6), -1 (a failure) where it
 * takes neither: CONFIG_TMPFS_XATTR, which the config asks for, is off.
 */
static int refused(void)
{
	int ret = 0;

	if (make_files(NULL, 1))
		return -1;
	if (setxattr(DIR_PATH "/f0", "user.probe", "1", 1, 0)) {
		ret = errno == EOPNOTSUPP || errno == EPERM ? 1 : -1;
		test_reason("tmpfs refuses user.* xattrs here (%s), though it takes trusted.*",
			    strerror(errno));
	}
	if (ret && setxattr(DIR_PATH "/f0", "trusted.probe", "1", 1, 0)) {
		ktap_fail("no-xattrs", "tmpfs takes no xattrs at all (trusted.*: %m): CONFIG_TMPFS_XATTR, which kernel-config/common.config asks for, is not working");
		ret = -1;
	}
	cleanup(NULL, 1);
	return ret;
}

int test_tmpfs_xattr(void)
{
	char value[CG_CACHE_NAME], name[CG_CACHE_NAME];
	struct outlive o = {
		.name = "rig_tmpfs_xattr",
		.what = "user.* xattrs of 900 B",
		.key = "slab",
		.n = NR_FILES,
		.prepare = make_files,
		.make = set_xattrs,
		.free = remove_files,
		.cleanup = cleanup,
	};
	long v, k;
	int r = refused();

	if (r)
		return r > 0 ? KSFT_SKIP : KSFT_FAIL;
	if (bucket_cache(era_kmalloc_prefix(), XATTR_HDR + VALUE_SIZE, value) ||
	    bucket_cache(era_kmalloc_prefix(), sizeof(NAME), name)) {
		ktap_fail("no-kmalloc-cache", "no %s<n> cache for %d or %zu B in /sys/kernel/slab",
			  era_kmalloc_prefix(), XATTR_HDR + VALUE_SIZE, sizeof(NAME));
		return KSFT_FAIL;
	}
	/* The value with its header, and the name, kstrdup()ed. */
	v = outlive_slab(&o, value, 1);
	k = outlive_slab(&o, name, 1);
	if (v < 0 || k < 0)
		return KSFT_FAIL;
	o.unit = v + k;
	return outlive_chain(&o);
}
