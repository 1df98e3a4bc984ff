// SPDX-License-Identifier: GPL-2.0
/*
 * The reparent flow (P > C > G) with its cgroups made, entered and removed through
 * libcgroup: once through its C API (libcgroup_reparent) and once through
 * cgroup-tools' commands, cgcreate, cgexec, cgget and cgdelete
 * (cgroup_tools_reparent), the way a developer debugging in `make shell`
 * would. The figures are still the engine's, read from the cgroup files.
 */
#include <libcgroup.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/files.h"
#include "lib/ledger.h"
#include "suite.h"

#define NR_FILES	2000

static int shell_cmd(const char *cmd)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	if (WEXITSTATUS(status))
		ktap_fail("tool-failed", "'%s' exited with %d", cmd, WEXITSTATUS(status));
	return WEXITSTATUS(status);
}

/* A cgroup's name as libcgroup takes it: its path under the mount. */
static const char *rel(const char *path)
{
	return path + strlen(cg_mount) + 1;
}

static int tools_create(const struct outlive *o, const char *parent,
			const char *name, char *path)
{
	char cmd[CG_PATH_MAX + 64];

	(void)o;
	snprintf(path, CG_PATH_MAX, "%s/%s", parent, name);
	snprintf(cmd, sizeof(cmd), "cgcreate -g memory:%s", rel(path));
	if (shell_cmd(cmd))
		return -1;
	snprintf(cmd, sizeof(cmd), "cgget -n -r %s %s >/dev/null",
		 ledger_pages_name(), rel(path));
	return shell_cmd(cmd);
}

static int tools_make(const struct outlive *o, const char *c, int first, int n)
{
	char cmd[CG_PATH_MAX + 96];

	(void)o;
	snprintf(cmd, sizeof(cmd),
		 "cgexec -g memory:%s /bin/kmemcg-suite --make-files " FILES_DIR " %d %d",
		 rel(c), first, n);
	return shell_cmd(cmd);
}

static int tools_remove(const struct outlive *o, const char *c)
{
	char cmd[CG_PATH_MAX + 32];

	(void)o;
	snprintf(cmd, sizeof(cmd), "cgdelete -g memory:%s", rel(c));
	return shell_cmd(cmd);
}

static const struct outlive_ops tools_ops = {
	tools_create, tools_make, tools_remove,
};

int test_cgroup_tools_reparent(void)
{
	struct outlive o;
	char cmd[128];
	int ret;

	if (access("/bin/cgcreate", X_OK)) {
		test_reason("cgroup-tools are not in the rootfs");
		return KSFT_SKIP;
	}
	if (files_outlive(&o, "rig_tools", NR_FILES))
		return KSFT_FAIL;
	o.ops = &tools_ops;
	ret = outlive_chain(&o);
	snprintf(cmd, sizeof(cmd), "cgdelete -r -g memory:%s 2>/dev/null || true",
		 o.name);
	shell_cmd(cmd);
	return ret;
}

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
	*cg = cgroup_new_cgroup(rel(path));
	if (!*cg || !cgroup_add_controller(*cg, "memory") ||
	    cgroup_create_cgroup(*cg, 0)) {
		ktap_fail("create-failed", "libcgroup could not create %s", rel(path));
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
