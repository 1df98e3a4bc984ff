// SPDX-License-Identifier: GPL-2.0
/*
 * The reparent flow (P > C > G) with its cgroups made, entered and removed
 * through cgroup-tools' commands, cgcreate, cgexec, cgget and cgdelete, the
 * way a developer debugging in `make shell` would (libcgroup_reparent.c:
 * through libcgroup's C API). The figures are still the engine's, read
 * from the cgroup files.
 */
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

static int tools_create(const struct outlive *o, const char *parent,
			const char *name, char *path)
{
	char cmd[CG_PATH_MAX + 64];

	(void)o;
	snprintf(path, CG_PATH_MAX, "%s/%s", parent, name);
	snprintf(cmd, sizeof(cmd), "cgcreate -g memory:%s", cg_rel(path));
	if (shell_cmd(cmd))
		return -1;
	snprintf(cmd, sizeof(cmd), "cgget -n -r %s %s >/dev/null",
		 ledger_pages_name(), cg_rel(path));
	return shell_cmd(cmd);
}

static int tools_make(const struct outlive *o, const char *c, int first, int n)
{
	char cmd[CG_PATH_MAX + 96];

	(void)o;
	snprintf(cmd, sizeof(cmd),
		 "cgexec -g memory:%s /bin/kmemcg-suite --make-files " FILES_DIR " %d %d",
		 cg_rel(c), first, n);
	return shell_cmd(cmd);
}

static int tools_remove(const struct outlive *o, const char *c)
{
	char cmd[CG_PATH_MAX + 32];

	(void)o;
	snprintf(cmd, sizeof(cmd), "cgdelete -g memory:%s", cg_rel(c));
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
