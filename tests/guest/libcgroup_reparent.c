// SPDX-License-Identifier: GPL-2.0
/*
 * The reparent flow (P > C > G) with its cgroups made, entered and removed
 * through libcgroup's C API (static), the way a tool built on it would.
 * The figures are still the engine's, read from the cgroup files.
 */
#include <libcgroup.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/files.h"
#include "lib/ledger.h"
#include "suite.h"

#define NR_FILES	2000

/* P, C and G as libcgroup knows them, by depth under the rig's cgroup. */
#define LC_DEPTH	3
static struct cgroup *lc_cgs[LC_DEPTH];

static int lc_depth(const char *path)
{
	const char *s = path + strlen(cg_root) + 1;
	int d = 0;

	for (; (s = strchr(s, '/')); s++)
		d++;
	return d < LC_DEPTH ? d : -1;
}

static int lc_create(const struct outlive *o, const char *parent,
		     const char *name, char *path)
{
	struct cgroup **cg;
	int d;

	(void)o;
	snprintf(path, CG_PATH_MAX, "%s/%s", parent, name);
	d = lc_depth(path);
	if (d < 0) {
		ktap_fail("too-deep", "%s is deeper than the %d levels libcgroup_reparent keeps",
			  path, LC_DEPTH);
		return -1;
	}
	cg = &lc_cgs[d];
	*cg = cgroup_new_cgroup(cg_rel(path));
	if (!*cg || !cgroup_add_controller(*cg, "memory") ||
	    cgroup_create_cgroup(*cg, 0)) {
		ktap_fail("create-failed", "libcgroup could not create %s", cg_rel(path));
		return -1;
	}
	return 0;
}

/* The worker joins C with cgroup_attach_task(), then makes the files. */
static int lc_make(const struct outlive *o, const char *c, int first, int n)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (cgroup_attach_task(lc_cgs[lc_depth(c)]))
			_exit(127);
		_exit(o->make(o->arg, first, n) ? 1 : 0);
	}
	if (cg_reap(pid)) {
		ktap_fail("attach-failed", "the worker attached with cgroup_attach_task failed");
		return -1;
	}
	return 0;
}

static int lc_remove(const struct outlive *o, const char *c)
{
	(void)o;
	return cgroup_delete_cgroup(lc_cgs[lc_depth(c)], 0) ? -1 : 0;
}

static const struct outlive_ops lc_ops = { lc_create, lc_make, lc_remove };

int test_libcgroup_reparent(void)
{
	struct outlive o;
	int d, ret, err = cgroup_init();

	if (err) {
		ktap_fail("init-failed", "cgroup_init: %s", cgroup_strerror(err));
		return KSFT_FAIL;
	}
	if (files_outlive(&o, "rig_libcgroup", NR_FILES))
		return KSFT_FAIL;
	o.ops = &lc_ops;
	ret = outlive_chain(&o);
	for (d = LC_DEPTH - 1; d >= 0; d--)
		if (lc_cgs[d])
			cgroup_delete_cgroup(lc_cgs[d], 1);
	return ret;
}
