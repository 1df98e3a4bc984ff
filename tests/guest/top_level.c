// SPDX-License-Identifier: GPL-2.0
/*
 * top_level_reparent: every other test's cgroups sit in the rig's base
 * cgroup; here child C is a top-level memcg, whose offline takes the
 * root as the parent (memcg_offline_kmem()'s own case for it). Files
 * made in C outlive it. The root's ledger (v2: its memory.stat kmem key;
 * v1: memory.kmem.usage_in_bytes) counts every memcg's charge below it:
 * it must rise by the files' charge while C lives, keep it after rmdir C,
 * and lose it when the files are freed (an obj_cgroup left pointing at a
 * freed C uncharges nothing the root sees). C must be freed hands off:
 * the count of dying memcgs under the root falls back to its value before.
 * Last in the table, so that a crash here costs no other test.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/era.h"
#include "lib/files.h"
#include "lib/wait.h"
#include "suite.h"

/* As reparent_slab's: a unit's cost far above the tolerance. */
#define NR_TOP_FILES	3000

struct top {
	long before, want, now, tol;
	int err;
};

/* The root shows its ledger (v2: memory.stat; 5.4's root has none). */
static bool root_has_ledger(void)
{
	char path[CG_PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", cg_mount,
		 cg_is_v2() ? "memory.stat" : "memory.kmem.usage_in_bytes");
	return !access(path, F_OK);
}

static int root_kmem(long *v)
{
	if (cg_is_v2())
		return cg_get(cg_mount, "memory.stat", ledger_kmem_key(), v);
	return cg_get(cg_mount, "memory.kmem.usage_in_bytes", NULL, v);
}

static bool root_at(void *arg)
{
	struct top *t = arg;

	t->err = root_kmem(&t->now);
	return t->err || within(t->now - t->before, t->want, t->tol);
}

/* The root's ledger at before + want, polled: frees leave after RCU. */
static int root_expect(struct top *t, long want, const char *when)
{
	char what[160];

	t->want = want;
	poll_until(root_at, t, WAIT_MS);
	if (t->err)
		return -1;
	snprintf(what, sizeof(what), "the root's %s change %s",
		 cg_is_v2() ? ledger_kmem_key() : "memory.kmem.usage_in_bytes",
		 when);
	return expect_near(what, t->now - t->before, want, t->tol);
}

static long dying_before;

static bool none_new_dying(void *arg)
{
	long *now = arg;

	*now = cg_dying(cg_mount);
	return *now < 0 || *now <= dying_before;
}

static int make_top_files(void *arg)
{
	(void)arg;
	return files_make(FILES_DIR, 0, NR_TOP_FILES);
}

static int top_level(const char *c, long charge, bool ledger)
{
	struct top t = { .tol = ledger_stat_tol(ledger_kmem_key(), charge) };
	long now;

	/*
	 * The baseline holds no other test's leftover: one freed while C
	 * stays dying would keep the count where it was.
	 */
	dying_before = 0;
	poll_until(none_new_dying, &now, WAIT_MS);
	if (now > 0) {
		ktap_fail("leftovers-dying", "%ld memcg(s) dying under %s before top-level %s made its files, %d s after the tests before it, expected 0: they would hide C in the count",
			  now, cg_mount, c, WAIT_MS / 1000);
		return -1;
	}
	if (now < 0 || (ledger && root_kmem(&t.before)) ||
	    cg_run(c, make_top_files, NULL) ||
	    (ledger && root_expect(&t, charge, "with C's files")) ||
	    cg_destroy(c))
		return -1;
	if (poll_until(none_new_dying, &now, WAIT_MS) || now < 0) {
		ktap_fail("still-dying", "top-level %s, removed while %d files it made live: %ld memcg(s) dying under %s %d s later, expected at most %ld (as before): something still holds it",
			  c, NR_TOP_FILES, now, cg_mount, WAIT_MS / 1000,
			  dying_before);
		return -1;
	}
	ktap_diag("top-level %s freed, hands off, its %d files still live",
		  c, NR_TOP_FILES);
	if (ledger && root_expect(&t, charge, "after rmdir C"))
		return -1;
	files_unlink(FILES_DIR, 0, NR_TOP_FILES);
	return ledger ? root_expect(&t, 0, "when the files are freed") : 0;
}

int test_top_level_reparent(void)
{
	char c[CG_PATH_MAX] = "";
	struct outlive o;
	bool ledger;
	int ret;

	/* The per-memcg cache era charges slab pages a dead memcg's caches keep. */
	ledger = era_per_memcg_caches() == 0;
	if (!ledger)
		ktap_diag("per-memcg slab caches: only C's release is checked, the root's ledger carries the dead caches' slab pages");
	else if (!root_has_ledger()) {
		ktap_diag("the root shows no memory.stat on this kernel: only C's release is checked");
		ledger = false;
	}
	if (files_outlive(&o, "rig_top_level", NR_TOP_FILES) ||
	    (mkdir(FILES_DIR, 0755) && errno != EEXIST) ||
	    cg_create(c, cg_mount, o.name))
		return KSFT_FAIL;
	ret = top_level(c, (long)NR_TOP_FILES * o.unit, ledger);
	files_unlink(FILES_DIR, 0, NR_TOP_FILES);
	rmdir(FILES_DIR);
	return ret ? KSFT_FAIL : KSFT_PASS;
}
