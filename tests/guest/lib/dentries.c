// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cg.h"
#include "dentries.h"
#include "ktap.h"

#define NR_DENTRIES	5000

/* Where the names are looked up, and each test's own prefix. */
struct missing {
	const char *dir, *prefix;
};

/*
 * Short names: the dentry holds them inline, no external name. Each test
 * has its own prefix: a dentry another test left cached is no new charge.
 */
static int lookup_missing(void *arg, int first, int n)
{
	const struct missing *m = arg;
	char path[96];
	struct stat st;
	int i;

	for (i = first; i < first + n; i++) {
		snprintf(path, sizeof(path), "%s/%s%d", m->dir, m->prefix, i);
		if (!stat(path, &st))
			return 1;
	}
	return 0;
}

#define PROBE_NAMES	100

/* Dentries in the machine: the first figure of /proc/sys/fs/dentry-state. */
static long nr_dentry(void)
{
	char buf[128];

	return cg_read("/proc/sys/fs", "dentry-state", buf, sizeof(buf)) ?
	       -1 : atol(buf);
}

/*
 * How many dentries 100 fresh missing names looked up in dir leave,
 * here, outside any test cgroup; -1 (said) when unreadable.
 */
static long negatives_kept(const char *dir, const char *prefix)
{
	struct missing probe = { .dir = dir };
	char name[48];
	long before = nr_dentry(), after;

	snprintf(name, sizeof(name), "%s_probe", prefix);
	probe.prefix = name;
	if (before >= 0 && lookup_missing(&probe, 0, PROBE_NAMES))
		before = -1;
	after = nr_dentry();
	if (before < 0 || after < 0) {
		ktap_fail("no-dentry-state", "cannot read /proc/sys/fs/dentry-state: %m");
		return -1;
	}
	return after - before;
}

/*
 * Where missing names leave negative dentries on this kernel, into m:
 * sysfs (6.x's kernfs keeps them), else ext2 on zram (5.4's kernfs keeps
 * none; a disk filesystem's are kept by every kernel: ext2 keeping none
 * too is a failure). 0, or -1 (said).
 */
static int negatives_dir(struct missing *m)
{
	long kept = negatives_kept("/sys/kernel", m->prefix);

	m->dir = "/sys/kernel";
	if (kept < 0 || kept >= PROBE_NAMES / 2)
		return kept < 0 ? -1 : 0;
	ktap_diag("sysfs keeps no negative dentries on this kernel (%d missing names left %ld dentries): the names are ext2's, on a zram disk",
		  PROBE_NAMES, kept);
	if (ext2_on_zram())
		return -1;
	m->dir = EXT2_DIR;
	kept = negatives_kept(EXT2_DIR, m->prefix);
	if (kept < 0)
		return -1;
	if (kept < PROBE_NAMES / 2) {
		ktap_fail("ext2-keeps-no-negatives", "%d missing names on ext2 left %ld dentries, expected at least %d: the dentry cache keeps no negative dentries of a disk filesystem",
			  PROBE_NAMES, kept, PROBE_NAMES / 2);
		return -1;
	}
	return 0;
}

int dentries_test(const char *name, const char *prefix,
			 const char *limit, int per_node,
			 int (*run)(const struct outlive *))
{
	struct missing m = { .prefix = prefix };
	struct outlive o = {
		.name = name,
		.key = "slab_reclaimable",
		.n = NR_DENTRIES,
		.make = lookup_missing,
		.limit = limit,
		.arg = &m,
	};

	if (negatives_dir(&m))
		return KSFT_FAIL;
	o.what = strcmp(m.dir, EXT2_DIR) ? "negative sysfs dentries" :
					  "negative ext2 dentries";
	o.unit = outlive_slab(&o, "dentry", 1);
	if (o.unit < 0 ||
	    (per_node && outlive_per_node(&o, "slab_reclaimable")))
		return KSFT_FAIL;
	return run(&o);
}
