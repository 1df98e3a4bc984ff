// SPDX-License-Identifier: GPL-2.0
/*
 * stress: workers keep creating child cgroups, allocating in them (files,
 * pipes, IPC messages), exiting and removing them, for RIG_STRESS_SECONDS
 * (default 3; make nightly runs it for 30 s, with DEBUG=1 and several CPUs).
 * Each round's files and messages are freed a few rounds later (2, more
 * where tolerances are wide), from outside: after their cgroup is gone,
 * which keeps their count bounded. Afterwards, with the rig's hands off,
 * no dying descendant may remain while the last rounds' files and
 * messages still live; those must then sit in P, the one live ancestor:
 * freeing them from outside takes their charge from P's ledgers, key by
 * key. At the end both of P's
 * ledgers are back at their baseline and the host checks that the kernel
 * log is clean. P starts with a ballast (files a removed child left it):
 * on SMP kernels memory.stat shows a statistic that drifted below 0 as 0,
 * so a drift down shows only from a baseline above it, and v2's "kernel"
 * must still hold at least P's "slab" at the end.
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
/*
 * A round's files and messages: enough that what the rounds kept at the
 * end weigh at least FIGURE_RATIO times their tolerance, which grows with
 * each removed cgroup they keep (outlive_cg_slack(): a page, or on
 * per-memcg cache kernels a slab of each cache): 50 files (43 KiB) and 32
 * messages (33 KiB), more where that slack is larger (round_size()).
 */
static int files_per_round = 50, msgs_per_round = 32;
#define MSG_TEXT	900
/* sizeof(struct msg_msg) on 64-bit: it only picks the bucket (kmem_ipc.c) */
#define MSG_HDR		48
/*
 * Each round's files and messages are freed from outside "kept" rounds
 * later: 2, or more where the tolerance is wide (kept_rounds()); each
 * queue holds that many rounds' messages and two more.
 */
static int kept;
#define QUEUE_BYTES	((long)(kept + 2) * msgs_per_round * MSG_TEXT)
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

/*
 * One SysV queue a worker, made outside any memcg before the workers
 * start, so that only the messages are charged to the workers' cgroups.
 */
static int msq[MAX_WORKERS];

struct round {
	int worker, round;
};

static int allocate(void *arg)
{
	struct { long type; char text[MSG_TEXT]; } m = { 1, { 's' } };
	struct round *r = arg;
	char path[96], buf[512] = { 0 };
	int i, fd, fds[2];

	for (i = 0; i < files_per_round; i++) {
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
	for (i = 0; i < msgs_per_round; i++)
		if (msgsnd(msq[r->worker], &m, sizeof(m.text), IPC_NOWAIT)) {
			ktap_diag("msgsnd: %m");
			return 1;
		}
	return 0;
}

/*
 * A round's files and messages outlive its cgroup by one round, then go
 * from P: the oldest messages in the queue are that round's.
 */
static void free_round(int worker, int round)
{
	struct { long type; char text[MSG_TEXT]; } m;
	char path[96];
	int i;

	for (i = 0; round >= 0 && i < files_per_round; i++) {
		snprintf(path, sizeof(path), DIR_PATH "/w%d_r%d_f%d",
			 worker, round, i);
		unlink(path);
	}
	for (i = 0; round >= 0 && i < msgs_per_round; i++)
		msgrcv(msq[worker], &m, sizeof(m.text), 0, IPC_NOWAIT);
}

static int worker(const char *p, int k, long deadline, long *rounds)
{
	char c[CG_PATH_MAX * 2], name[32];
	struct round r = { k, 0 };

	/* twice the rounds kept at the end, whatever the time: some freed while it runs */
	while (now_ms() < deadline || r.round < 2 * kept) {
		free_round(k, r.round - kept);
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

/* Every file the workers left, unlinked (n: how many to expect). */
static void files_free_all(void *arg, int first, int n)
{
	char path[CG_PATH_MAX * 2];
	struct dirent *d;
	DIR *dir;

	(void)arg;
	(void)first;
	(void)n;
	dir = opendir(DIR_PATH);
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), DIR_PATH "/%s", d->d_name);
		unlink(path);
	}
	if (dir)
		closedir(dir);
}

static int files_left(void)
{
	struct dirent *d;
	int files = 0;
	DIR *dir = opendir(DIR_PATH);

	while (dir && (d = readdir(dir)))
		files += d->d_name[0] != '.';
	if (dir)
		closedir(dir);
	return dir ? files : -1;
}

static int queues_make(int workers)
{
	struct msqid_ds ds;
	int k;

	for (k = 0; k < workers; k++) {
		msq[k] = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
		if (msq[k] < 0 || msgctl(msq[k], IPC_STAT, &ds)) {
			ktap_fail("msgget", "msgget: %m");
			return -1;
		}
		ds.msg_qbytes = QUEUE_BYTES;
		if (msgctl(msq[k], IPC_SET, &ds)) {
			ktap_fail("msg-qbytes", "a queue of %ld B: %m", (long)QUEUE_BYTES);
			return -1;
		}
	}
	return 0;
}

/* The messages the workers' cgroups left in the queues; -1: unreadable. */
static long messages_left(int workers)
{
	struct msqid_ds ds;
	long n = 0;
	int k;

	for (k = 0; k < workers; k++) {
		if (msgctl(msq[k], IPC_STAT, &ds)) {
			ktap_fail("msg-stat", "IPC_STAT of a worker's queue: %m");
			return -1;
		}
		n += ds.msg_qnum;
	}
	return n;
}

static void queues_free(void *arg, int first, int n)
{
	int k, workers = *(int *)arg;

	(void)first;
	(void)n;
	for (k = 0; k < workers && k < MAX_WORKERS; k++)
		if (msq[k] >= 0)
			msgctl(msq[k], IPC_RMID, NULL);
	memset(msq, -1, sizeof(msq));
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
			    kernel, slab - ledger_stat_tol("slab", slab), LONG_MAX);
}

/*
 * What the removed cgroups leave alive, declared for the outlive engine:
 * the last rounds' messages (one kmalloc each) and files (a shmem inode
 * and a dentry each) of each worker, whose obj_cgroups they keep.
 */
struct leftovers {
	struct outlive msgs, files;
	int workers;
};

static int leftovers_declare(struct leftovers *l, int workers)
{
	struct outlive *m = &l->msgs;

	memset(l, 0, sizeof(*l));
	l->workers = workers;
	if (files_outlive(&l->files, "rig_stress", 0))
		return -1;
	l->files.what = "files the workers left";
	l->files.free = files_free_all;
	m->what = "messages the workers left";
	m->key = "slab";
	m->free = queues_free;
	m->arg = &l->workers;
	m->unit = outlive_kmalloc(m, "msg_msg-", MSG_HDR + MSG_TEXT, 1);
	return m->unit < 0 ? -1 : 0;
}

/*
 * The figures this kernel's ledgers show: the page counter and, on v2,
 * every key it has.
 */
static bool shown(const struct outlive_move *m)
{
	return cg_is_v2() && !m->node && era_stat_key(m->key) > 0;
}

/*
 * At least 5 times the slack a kept cgroup adds to each figure, per
 * round and worker.
 */
static int round_size(const struct outlive *o, int n)
{
	long want = 5 * outlive_cg_slack(o, NULL) / o->unit + 1;
	int i;

	for (i = 0; i < OUTLIVE_MOVES && o->moves[i].key; i++)
		if (shown(&o->moves[i]) && o->moves[i].unit > 0 &&
		    5 * outlive_cg_slack(o, o->moves[i].key) / o->moves[i].unit + 1 > want)
			want = 5 * outlive_cg_slack(o, o->moves[i].key) / o->moves[i].unit + 1;
	return want > n ? want : n;
}

/*
 * Rounds kept at the end: 2, or as many as make every figure stand; -1
 * (a failure) past MAX_KEPT.
 */
#define MAX_KEPT	100
static int kept_rounds(const struct leftovers *l)
{
	int w = l->workers, k;

	files_per_round = round_size(&l->files, files_per_round);
	msgs_per_round = round_size(&l->msgs, msgs_per_round);
	for (k = 2; k <= MAX_KEPT; k++)
		if (outlive_stands(&l->files, (long)k * w * files_per_round, k * w) &&
		    outlive_stands(&l->msgs, (long)k * w * msgs_per_round, k * w))
			break;
	if (k > MAX_KEPT) {
		ktap_fail("figures-below-tolerance", "%d rounds of %d files and %d messages do not make every figure %d times its tolerance",
			  MAX_KEPT, files_per_round, msgs_per_round, FIGURE_RATIO);
		return -1;
	}
	if (k > 2 || files_per_round > 50)
		ktap_diag("wide tolerances: %d rounds of %d files and %d messages kept, each figure %d times its tolerance at least",
			  k, files_per_round, msgs_per_round, FIGURE_RATIO);
	return k;
}

/*
 * Freeing each kind must take its charge from P, the one live ancestor,
 * so P held it. Each round kept keeps its cgroup's obj_cgroup.
 */
static int leftovers_freed(const char *p, struct leftovers *l)
{
	long nmsgs = messages_left(l->workers);
	int nfiles = files_left();

	if (nmsgs < 0 || nfiles < 0)
		return -1;
	l->msgs.objcgs = l->files.objcgs = kept * l->workers;
	return outlive_freed(&l->msgs, "P", p, nmsgs) ||
	       outlive_freed(&l->files, "P", p, nfiles);
}

/*
 * The workers' drains race for one mutex (drain_all_stock() gives up when
 * another runs), so the kernel may leave a removed memcg in a CPU's stock:
 * the wait is hands off, and a memcg freed only by the kick that follows
 * a timeout is judged by what the kick gave back (cg_wait_gone()).
 */
static int stress_steps(const char *p, int workers, int seconds)
{
	struct ledgers base[ARRAY_SIZE(end_keys)], after;
	struct leftovers l;
	long rounds;
	int i;

	if (leftovers_declare(&l, workers))
		return -1;
	kept = kept_rounds(&l);
	if (kept < 0 || make_ballast_in(p))
		return -1;
	for (i = 0; i < nr_end_keys(); i++)
		if (era_key_ok(end_keys[i]) &&
		    ledger_read(p, end_keys[i], &base[i]))
			return -1;
	mkdir(DIR_PATH, 0755);
	if (queues_make(workers))
		return -1;
	if (run_workers(p, workers, seconds, &rounds)) {
		ktap_fail("worker", "a worker failed to create, fill or remove its cgroups");
		return -1;
	}
	if (ledger_read(p, "slab", &after))
		return -1;
	ktap_diag("%d workers, %d s, %ld cgroups made, filled and removed, the last %d rounds' objects kept: P holds %ld B more %s than before",
		  workers, seconds, rounds, kept, after.stat - base[0].stat,
		  ledger_stat_name("slab"));
	if (cg_wait_gone(p, "the workers' removed cgroups") ||
	    leftovers_freed(p, &l))
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
	memset(msq, -1, sizeof(msq));
	if (cg_create(p, cg_root, "rig_stress") || cg_enable_memory(p))
		return KSFT_FAIL;
	ret = stress_steps(p, workers, seconds);
	files_free_all(NULL, 0, 0);
	rmdir(DIR_PATH);
	queues_free(&workers, 0, 0);
	ballast_free();
	cg_destroy(p);
	return ret ? KSFT_FAIL : KSFT_PASS;
}
