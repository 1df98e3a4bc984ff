// SPDX-License-Identifier: GPL-2.0
/*
 * The reparent flow driven through libcgroup: once through its C API
 * (libcgroup_reparent) and once through cgroup-tools' commands, cgcreate,
 * cgexec, cgget and cgdelete (cgroup_tools_reparent), the way a developer
 * debugging in `make shell` would. The figures are still read from the
 * cgroup files.
 */
#include <fcntl.h>
#include <libcgroup.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/files.h"
#include "suite.h"

#define DIR_PATH	"/tmp/rig_tools"
#define NR_FILES	5000

static void remove_files(void)
{
	files_unlink(DIR_PATH, 0, NR_FILES);
	rmdir(DIR_PATH);
}

static int make_files(void *arg)
{
	(void)arg;
	return files_make(DIR_PATH, 0, NR_FILES) ? 1 : 0;
}

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
		ktap_diag("'%s' exited with %d", cmd, WEXITSTATUS(status));
	return WEXITSTATUS(status);
}

/*
 * After the files were made in C (however C was made): C's slab holds
 * them, C's removal leaves them in P, unlinking takes them from P.
 */
struct flow {
	const char *p;
	const char *c;
	int (*remove_child)(void);
	long expected, tol, c0;
};

static int check_flow(struct flow *f)
{
	long rise = cg_slab(f->c) - f->c0, p1, p2, p3;

	if (!within(rise, f->expected, f->tol)) {
		ktap_fail("C's slab rose by %ld B, expected %ld B +-%ld",
			  rise, f->expected, f->tol);
		return -1;
	}
	p1 = cg_slab(f->p);
	if (f->remove_child() || cg_wait_no_dying(f->p, 10000)) {
		ktap_fail("C not removed, or still dying 10 s later (%ld)",
			  cg_dying(f->p));
		return -1;
	}
	p2 = cg_slab(f->p);
	remove_files();
	sleep_ms(100);
	p3 = cg_slab(f->p);
	if (!within(p2, p1, f->tol) || !within(p2 - p3, rise, f->tol)) {
		ktap_fail("P's slab: %ld B before rmdir C, %ld B after, %ld B after unlink; expected unchanged, then -%ld B",
			  p1, p2, p3, rise);
		return -1;
	}
	ktap_diag("C +%ld B; P kept %ld B; P -%ld B after unlink", rise,
		  p2 - (p1 - rise), p2 - p3);
	return 0;
}

static void flow_init(struct flow *f, const char *p, const char *c)
{
	f->p = p;
	f->c = c;
	f->expected = NR_FILES * (obj_charge("shmem_inode_cache") +
				  obj_charge("dentry"));
	/* Byte-exact stats: 1%, plus per-CPU object stocks. */
	f->tol = f->expected / 100 + 2 * nr_cpus() * page_size();
}

static int tools_remove_child(void)
{
	return shell_cmd("cgdelete -g memory:rig_tools/child");
}

int test_cgroup_tools_reparent(void)
{
	char p[CG_PATH_MAX], c[CG_PATH_MAX * 2], cmd[256];
	struct flow f;
	int ret = KSFT_FAIL;

	if (!cg_is_v2())
		return v2_only("the v2 files this flow reads");
	if (access("/bin/cgcreate", X_OK)) {
		test_reason("cgroup-tools are not in the rootfs");
		return KSFT_SKIP;
	}
	snprintf(p, sizeof(p), "%s/rig_tools", cg_root);
	snprintf(c, sizeof(c), "%s/child", p);
	flow_init(&f, p, c);
	f.remove_child = tools_remove_child;
	mkdir(DIR_PATH, 0755);
	if (shell_cmd("cgcreate -g memory:rig_tools -g memory:rig_tools/child") ||
	    shell_cmd("cgget -n -r memory.current rig_tools/child >/dev/null"))
		goto out;
	f.c0 = cg_slab(c);
	snprintf(cmd, sizeof(cmd),
		 "cgexec -g memory:rig_tools/child /bin/kmemcg-suite --make-files " DIR_PATH " %d",
		 NR_FILES);
	if (shell_cmd(cmd))
		goto out;
	if (!check_flow(&f))
		ret = KSFT_PASS;
out:
	remove_files();
	shell_cmd("cgdelete -r -g memory:rig_tools 2>/dev/null");
	return ret;
}

static struct cgroup *lc_child;

static int lc_remove_child(void)
{
	return cgroup_delete_cgroup(lc_child, 0) ? -1 : 0;
}

static int lc_make(const char *name, struct cgroup **cg)
{
	*cg = cgroup_new_cgroup(name);
	if (!*cg || !cgroup_add_controller(*cg, "memory") ||
	    cgroup_create_cgroup(*cg, 0)) {
		ktap_fail("libcgroup could not create %s", name);
		return -1;
	}
	return 0;
}

int test_libcgroup_reparent(void)
{
	char p[CG_PATH_MAX], c[CG_PATH_MAX * 2];
	int in[2], go[2];
	char sync;
	struct cgroup *parent = NULL;
	int ret = KSFT_FAIL, err;
	struct flow f;
	pid_t pid;

	if (!cg_is_v2())
		return v2_only("the v2 files this flow reads");
	err = cgroup_init();
	if (err) {
		ktap_fail("cgroup_init: %s", cgroup_strerror(err));
		return KSFT_FAIL;
	}
	snprintf(p, sizeof(p), "%s/rig_libcgroup", cg_root);
	snprintf(c, sizeof(c), "%s/child", p);
	flow_init(&f, p, c);
	f.remove_child = lc_remove_child;
	mkdir(DIR_PATH, 0755);
	if (lc_make("rig_libcgroup", &parent) ||
	    lc_make("rig_libcgroup/child", &lc_child))
		goto out;
	/* Measure C once the worker is in it: what attaching costs is not ours. */
	if (pipe(in) || pipe(go))
		goto out;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (cgroup_attach_task(lc_child) || write(in[1], "a", 1) != 1 ||
		    read(go[0], &sync, 1) != 1)
			_exit(127);
		_exit(make_files(NULL));
	}
	close(in[1]);
	close(go[0]);
	if (read(in[0], &sync, 1) != 1)
		goto out;
	f.c0 = cg_slab(c);
	if (write(go[1], "g", 1) != 1)
		goto out;
	if (cg_reap(pid)) {
		ktap_fail("the worker attached with cgroup_attach_task failed");
		goto out;
	}
	if (!check_flow(&f))
		ret = KSFT_PASS;
out:
	remove_files();
	if (lc_child)
		cgroup_delete_cgroup(lc_child, 1);
	if (parent)
		cgroup_delete_cgroup(parent, 1);
	cg_destroy(c);
	cg_destroy(p);
	return ret;
}
