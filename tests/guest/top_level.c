// SPDX-License-Identifier: GPL-2.0
/*
 * top_level_reparent: every other test's cgroups sit in the rig's base
 * cgroup; here child C is a top-level memcg, whose offline takes the
 * root as the parent (memcg_offline_kmem()'s own case for it). Files
 * made in C outlive it; C must be freed hands off, as any memcg. The
 * root's ledgers carry the whole machine, so the count of dying memcgs
 * under the root, against its value before, is the verdict; freeing the
 * files after gives a kernel that left C's obj_cgroup pointing at a freed
 * C its use-after-free, for the kernel log (KASAN with DEBUG=1) to show.
 * Last in the table, so that such a crash costs no other test.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/files.h"
#include "lib/wait.h"
#include "suite.h"

#define NR_TOP_FILES	300

struct top {
	long before;
	long now;
};

static bool back_to_before(void *arg)
{
	struct top *t = arg;

	t->now = cg_dying(cg_mount);
	return t->now < 0 || t->now <= t->before;
}

static int make_top_files(void *arg)
{
	(void)arg;
	return files_make(FILES_DIR, 0, NR_TOP_FILES);
}

static int top_level(const char *c)
{
	struct top t;

	t.before = cg_dying(cg_mount);
	if (t.before < 0 || cg_run(c, make_top_files, NULL) || cg_destroy(c))
		return -1;
	if (poll_until(back_to_before, &t, WAIT_MS) || t.now < 0) {
		ktap_fail("top-level %s, removed while %d files it made live: %ld memcg(s) dying under %s %d s later, expected at most %ld (as before): something still holds it",
			  c, NR_TOP_FILES, t.now, cg_mount, WAIT_MS / 1000,
			  t.before);
		return -1;
	}
	ktap_diag("top-level %s freed, hands off, %d files it made still live",
		  c, NR_TOP_FILES);
	return 0;
}

int test_top_level_reparent(void)
{
	char c[CG_PATH_MAX] = "";
	int ret;

	if ((mkdir(FILES_DIR, 0755) && errno != EEXIST) ||
	    cg_create(c, cg_mount, "rig_top_level"))
		return KSFT_FAIL;
	ret = top_level(c);
	files_unlink(FILES_DIR, 0, NR_TOP_FILES);
	rmdir(FILES_DIR);
	return ret ? KSFT_FAIL : KSFT_PASS;
}
