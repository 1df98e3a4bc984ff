// SPDX-License-Identifier: GPL-2.0
/*
 * stress: workers keep creating child cgroups, allocating in them (files,
 * pipes, IPC messages), exiting and removing them, for RIG_STRESS_SECONDS
 * (default 3; make nightly runs it for 30 s, with DEBUG=1 and several CPUs).
 * Each round's files are unlinked two rounds later, from outside: freed
 * after their cgroup is gone, which keeps the inode count bounded.
 * Afterwards, once the objects are freed, the parent is back at its
 * baseline and no dying descendant remains; the host checks that the
 * kernel log is clean. P starts with a ballast (files a removed child
 * left it): on SMP kernels memory.stat shows a statistic that drifted
 * below 0 as 0, so a drift down shows only from a baseline above it,
 * and v2's "kernel" must still hold at least P's "slab" at the end.
 */
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/era.h"
#include "lib/files.h"
#include "lib/ledger.h"
#include "lib/wait.h"
#include "suite.h"

#define DIR_PATH	"/tmp/rig_stress"
#define FILES_PER_ROUND	20
#define MSG_KEY_BASE	0x52494700
#define MAX_WORKERS	64
/*
 * P's own ballast: files a removed child left it, so that P holds slab
 * objects of its own (and, on a sound kernel, the "kernel" pages under
 * them). On SMP kernels memory.stat shows a statistic that drifted below
 * 0 as 0 (memcg_page_state() clamps it): a baseline of 0 could never
 * show a drift down, and "kernel" below the ballast's "slab" does.
 */
#define BALLAST_DIR	"/tmp/rig_stress_ballast"
#define BALLAST_FILES	1000

struct round {
	int worker, round;
};

static int allocate(void *arg)
{
	struct { long type; char text[200]; } m = { 1, { 's' } };
	struct round *r = arg;
	char path[96], buf[512] = { 0 };
	int i, fd, q, fds[2];

	for (i = 0; i < FILES_PER_ROUND; i++) {
		snprintf(path, sizeof(path), DIR_PATH "/w%d_r%d_f%d",
			 r->worker, r->round, i);
		fd = open(path, O_CREAT | O_WRONLY, 0600);
		if (fd < 0) {
			ktap_diag("open %s: %m", path);
			return 1;
		}
		close(fd);
	}
	if (pipe(fds) || write(fds[1], buf, sizeof(buf)) < 0) {
		ktap_diag("pipe: %m");
		return 1;
	}
	close(fds[0]);
	close(fds[1]);
	q = msgget(MSG_KEY_BASE + r->worker, IPC_CREAT | 0600);
	/* A full queue is fine: messages from earlier rounds are in it. */
	if (q < 0 || (msgsnd(q, &m, sizeof(m.text), IPC_NOWAIT) && errno != EAGAIN)) {
		ktap_diag("msgget/msgsnd: %m");
		return 1;
	}
	return 0;
}

/* A round's files outlive its cgroup by one round, then go from P. */
static void unlink_round(int worker, int round)
{
	char path[96];
	int i;

	for (i = 0; round >= 0 && i < FILES_PER_ROUND; i++) {
		snprintf(path, sizeof(path), DIR_PATH "/w%d_r%d_f%d",
			 worker, round, i);
		unlink(path);
	}
}

static int worker(const char *p, int k, long deadline, long *rounds)
{
	char c[CG_PATH_MAX * 2], name[32];
	struct round r = { k, 0 };

	while (now_ms() < deadline) {
		unlink_round(k, r.round - 2);
		snprintf(name, sizeof(name), "w%d_r%d", k, r.round);
		if (cg_create(c, p, name) || cg_run(c, allocate, &r) ||
		    cg_destroy(c)) {
			ktap_diag("stress process %d failed in round %d (%s)", k, r.round, c);
			return 1;
		}
		r.round++;
	}
	*rounds = r.round;
	return 0;
}

static long free_all(int workers)
{
	char path[CG_PATH_MAX * 2];
	struct dirent *d;
	long files = 0;
	DIR *dir;
	int k, q;

	dir = opendir(DIR_PATH);
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), DIR_PATH "/%s", d->d_name);
		files += !unlink(path);
	}
	if (dir)
		closedir(dir);
	rmdir(DIR_PATH);
	for (k = 0; k < workers; k++) {
		q = msgget(MSG_KEY_BASE + k, 0);
		if (q >= 0)
			msgctl(q, IPC_RMID, NULL);
	}
	return files;
}

static int run_workers(const char *p, int workers, int seconds, long *total)
{
	long deadline = now_ms() + seconds * 1000L;
	pid_t pid[MAX_WORKERS];
	int k, status, bad = 0;
	/* each worker's count of rounds, shared so that the diagnostics can say how many ran */
	long *rounds = mmap(NULL, MAX_WORKERS * sizeof(long), PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (rounds == MAP_FAILED)
		return 1;
	for (k = 0; k < workers; k++) {
		rounds[k] = 0;
		fflush(stdout);
		pid[k] = fork();
		if (pid[k] == 0)
			_exit(worker(p, k, deadline, &rounds[k]));
	}
	*total = 0;
	for (k = 0; k < workers; k++) {
		if (pid[k] < 0 || waitpid(pid[k], &status, 0) != pid[k] ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			bad = 1;
		*total += rounds[k];
	}
	munmap(rounds, MAX_WORKERS * sizeof(long));
	return bad;
}

static int make_ballast(void *arg)
{
	(void)arg;
	return files_make(BALLAST_DIR, 0, BALLAST_FILES) ? 1 : 0;
}

/* P's ballast, made in a child of P that is then removed. */
static int make_ballast_in(const char *p)
{
	char b[CG_PATH_MAX * 2];

	mkdir(BALLAST_DIR, 0755);
	if (cg_create(b, p, "ballast") || cg_run(b, make_ballast, NULL)) {
		ktap_fail("ballast", "could not make P's ballast of %d files", BALLAST_FILES);
		cg_destroy(b);
		return -1;
	}
	cg_destroy(b);
	return cg_wait_gone_kicked(p, "the ballast's child is set-up, not the question");
}

static void ballast_free(void)
{
	files_unlink(BALLAST_DIR, 0, BALLAST_FILES);
	rmdir(BALLAST_DIR);
}

/*
 * Every key the workers' units move, and the cgroups' own percpu; v1 has
 * one: its kmem counter.
 */
static const char *const end_keys[] = {
	"slab", "slab_reclaimable", "slab_unreclaimable", "kernel", "percpu",
};

static int nr_end_keys(void)
{
	return cg_is_v2() ? (int)ARRAY_SIZE(end_keys) : 1;
}

/*
 * v2: "kernel" counts every kmem page, the pages under P's slab objects
 * (the ballast) among them, so it is never below "slab": a statistic
 * that lost charges, and on SMP reads 0, shows here.
 */
static int kernel_holds_slab(const char *p)
{
	long kernel, slab;

	if (!cg_is_v2() || !era_key_ok("kernel"))
		return 0;
	if (cg_get(p, "memory.stat", "kernel", &kernel) ||
	    cg_get(p, "memory.stat", "slab", &slab))
		return -1;
	return expect_range("P's memory.stat kernel, which holds its slab (the ballast's files) after the stress",
			    kernel, slab - ledger_tol(slab), LONG_MAX);
}

/*
 * The end: once every file and message is freed, no removed cgroup may be
 * left dying and both of P's ledgers are back at their baseline, for
 * every key. The workers' drains race for one mutex (drain_all_stock()
 * gives up when another runs), so a CPU's stock may still hold a removed
 * memcg: the stocks are kicked, as this test is about concurrency, not
 * the drain.
 */
static int stress_steps(const char *p, int workers, int seconds)
{
	struct ledgers base[ARRAY_SIZE(end_keys)], after;
	long files, rounds;
	int i;

	if (make_ballast_in(p))
		return -1;
	for (i = 0; i < nr_end_keys(); i++)
		if (era_key_ok(end_keys[i]) &&
		    ledger_read(p, end_keys[i], &base[i]))
			return -1;
	mkdir(DIR_PATH, 0755);
	if (run_workers(p, workers, seconds, &rounds)) {
		ktap_fail("worker", "a worker failed to create, fill or remove its cgroups");
		return -1;
	}
	if (ledger_read(p, "slab", &after))
		return -1;
	files = free_all(workers);
	ktap_diag("%d workers, %d s, %ld cgroups made, filled and removed: %ld files left to free from P, which held %ld B more %s than before",
		  workers, seconds, rounds, files, after.stat - base[0].stat, ledger_stat_name("slab"));
	if (cg_wait_gone_kicked(p, "concurrent drains give up on their mutex"))
		return -1;
	for (i = 0; i < nr_end_keys(); i++)
		if (era_key_ok(end_keys[i]) &&
		    ledger_expect(p, end_keys[i], &base[i], 0, ledger_tol(0),
				  "P's %s back at its baseline after the stress",
				  NULL))
			return -1;
	return kernel_holds_slab(p);
}

int test_stress(void)
{
	const char *s = getenv("RIG_STRESS_SECONDS");
	int seconds = s ? atoi(s) : 3, workers = 2 * nr_cpus(), ret;
	char p[CG_PATH_MAX] = "";

	if (workers > MAX_WORKERS)
		workers = MAX_WORKERS;
	if (cg_create(p, cg_root, "rig_stress") || cg_enable_memory(p))
		return KSFT_FAIL;
	ret = stress_steps(p, workers, seconds);
	free_all(workers);
	ballast_free();
	cg_destroy(p);
	return ret ? KSFT_FAIL : KSFT_PASS;
}
