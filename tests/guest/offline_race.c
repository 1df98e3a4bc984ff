// SPDX-License-Identifier: GPL-2.0
/*
 * offline_race: charges made into C by a task outside C while C is being
 * removed, and after its parent is removed too. An inotify instance made
 * in C charges every event it queues to C (group->memcg, through
 * set_active_memcg()), whoever caused the event. A worker in S, a sibling
 * of T (T > P > C; S beside T, so that T holds no charge of S's),
 * opens and closes a file in the watched
 * directory: before rmdir C, all through it (the rig removes C while the
 * worker's loop runs, and the loop goes on after), after it, and after
 * rmdir P. Events queued before C's offline reach P with C's obj_cgroup;
 * those queued after charge the nearest live ancestor's.
 *
 * Every event's charge must be in P while P lives, then in T, in both
 * ledgers and every key an event moves, and none in S. Reading the
 * events must take all of it from T. The instance holds C while it lives
 * (group->memcg is a css reference: a designed pin), so C and P stay
 * dying until it is closed, and must then be freed hands off.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/era.h"
#include "lib/outlive.h"
#include "lib/wait.h"
#include "suite.h"

#define DIR_PATH	"/tmp/rig_offline_race"
/*
 * The event carries the name: struct inotify_event_info (32 B on 6.12,
 * up to 40 B on older kernels) plus 48 + 1 B lands in one kmalloc bucket
 * (96) either way.
 */
#define NAME_LEN	48
#define EVENT_HEAD	32
#define PAIRS		1500	/* open and close pairs a step, at least */
#define QUEUE_SYSCTL	"/proc/sys/fs/inotify/max_queued_events"
#define EVENT_MASK	(IN_OPEN | IN_CLOSE_NOWRITE)
#define QUEUE_ROOM	(1 << 20)
#define WARM_MAX	20

static char file_path[sizeof(DIR_PATH) + NAME_LEN + 2];
static int sv[2];

/* Shared with the worker in S: how far its loop got, and when to stop. */
struct loop {
	long done;
	long want;	/* stop once done reaches it; 0: not yet */
};

static struct loop *loop;

/* The two processes share it: every access is atomic. */
static long get(long *v)
{
	return __atomic_load_n(v, __ATOMIC_SEQ_CST);
}

static void set(long *v, long n)
{
	__atomic_store_n(v, n, __ATOMIC_SEQ_CST);
}

/* In C: the inotify instance, passed out; C is then empty. */
static int make_instance(void *arg)
{
	int fd = inotify_init1(IN_NONBLOCK);

	(void)arg;
	if (fd < 0 || inotify_add_watch(fd, DIR_PATH, EVENT_MASK) < 0)
		return 1;
	return fd_send(sv[1], fd);
}

/*
 * In S: two events a pass. An event merges only into an identical last
 * one in the queue, and opens and closes alternate: none merges.
 */
static int open_close(void *arg)
{
	int fd;

	(void)arg;
	while (!get(&loop->want) || get(&loop->done) < get(&loop->want)) {
		fd = open(file_path, O_RDONLY);
		if (fd < 0)
			return 1;
		close(fd);
		__atomic_add_fetch(&loop->done, 1, __ATOMIC_SEQ_CST);
	}
	return 0;
}

static int run_pairs(const char *s, long n)
{
	set(&loop->done, 0);
	set(&loop->want, n);
	return cg_run(s, open_close, NULL);
}

static bool reached(void *arg)
{
	return get(&loop->done) >= *(long *)arg;
}

/* The passes S's loop had made when rmdir C began, when it returned, in all. */
struct split {
	long before, after, all;
};

/*
 * The worker loops from outside while the rig removes C: n pairs or more
 * before rmdir, then n more after it. -1 on a failure.
 */
static int pairs_across_rmdir(const char *s, const char *c, long n,
			      struct split *at)
{
	pid_t pid;

	set(&loop->done, 0);
	set(&loop->want, 0);
	pid = cg_spawn(s, open_close, NULL);
	if (pid < 0 || poll_quietly(reached, &n, WAIT_MS))
		goto fail;
	at->before = get(&loop->done);
	if (cg_destroy(c))
		goto fail;
	at->after = get(&loop->done);
	set(&loop->want, at->after + n);
	if (cg_reap(pid))
		return -1;
	at->all = get(&loop->done);
	ktap_diag("rmdir C while S's loop ran: %ld passes before it began, %ld before it returned, %ld in all",
		  at->before, at->after, at->all);
	return 0;
fail:
	set(&loop->want, 1);
	cg_reap(pid);
	return -1;
}

/*
 * A cgroup's ledgers for every key an event moves: last, as the previous
 * step left them (each step is measured from there); first, before any.
 */
struct side {
	const char *name;	/* "C", "P", "T", "S" */
	const char *cg;
	struct ledgers last[OUTLIVE_MOVES], first[OUTLIVE_MOVES];
};

struct race {
	struct outside g;
	struct outlive o;
	int nkeys, fd;
	long n;
	/*
	 * 1 where an event queued through an offline memcg charges its
	 * nearest live ancestor (obj_cgroup); 0 on per-memcg cache kernels,
	 * whose get_mem_cgroup_from_current() takes the root for an active
	 * memcg that is offline (css_tryget_online()): uncharged.
	 */
	int late;
	long across, across_lo;	/* step_across(): passes made, least charged */
};

static int side_read(const struct race *r, struct side *s)
{
	int i;

	for (i = 0; i < r->nkeys; i++) {
		if (ledger_read(s->cg, r->o.moves[i].key, &s->first[i]))
			return -1;
		s->last[i] = s->first[i];
	}
	return 0;
}

/*
 * s rose by lo to hi pairs' events since the last step (a range where the
 * step straddles an offline whose moment only the kernel knows), in
 * every key and both ledgers; its readings become the next step's base.
 */
static int side_step(const struct race *r, struct side *s, long lo, long hi,
		     const char *when)
{
	const struct outlive_move *m;
	long mag = labs(lo) > labs(hi) ? labs(lo) : labs(hi);
	struct ledgers now;
	char what[200];
	int i;

	/* the counts vary from run to run: not in the figures' names */
	if (lo == hi)
		ktap_diag("%s, %s: %ld events", s->name, when, 2 * mag);
	else
		ktap_diag("%s, %s: %ld to %ld events", s->name, when,
			  2 * labs(lo), 2 * labs(hi));
	snprintf(what, sizeof(what), "%s's %%s %s", s->name, when);
	/* the page counter once, with the first key: one charge for them all */
	for (i = 0; i < r->nkeys; i++) {
		m = &r->o.moves[i];
		if ((i ? ledger_expect_stat : ledger_expect)(s->cg, m->key,
				&s->last[i], (lo + hi) * m->unit / 2,
				ledger_tol(mag * m->unit) +
				(hi - lo) * m->unit / 2, what, &now))
			return -1;
		s->last[i] = now;
	}
	return 0;
}

/* Every queued event, read (and so freed); -1 if one is not ours. */
static long drain_events(int fd)
{
	char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *e;
	long events = 0, len, off;

	while ((len = read(fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < len; off += sizeof(*e) + e->len) {
			e = (const struct inotify_event *)(buf + off);
			if (!(e->mask & EVENT_MASK) || (e->mask & IN_Q_OVERFLOW))
				return -1;
			events++;
		}
	}
	return events;
}

/* Before rmdir C: the events are C's, and so P's and T's; none are S's. */
static int step_alive(struct race *r, struct side *c, struct side *p,
		      struct side *t, struct side *s)
{
	return run_pairs(r->g.s, r->n) ||
	       side_step(r, c, r->n, r->n, "with C alive") ||
	       side_step(r, p, r->n, r->n, "with C alive") ||
	       side_step(r, t, r->n, r->n, "with C alive") ||
	       side_step(r, s, 0, 0, "whose task caused the events");
}

/*
 * rmdir C under S's loop: the passes before it are C's (reparented to
 * P), those after it P's where late. Where not, the passes made while
 * rmdir ran are charged or not as offline came before them or after:
 * the kernel alone knows that split. The passes charged, or -1.
 */
static long step_across(struct race *r, struct side *p, struct side *t)
{
	struct split at;
	long lo, hi;

	if (pairs_across_rmdir(r->g.s, r->g.c, r->n, &at))
		return -1;
	r->across = at.all;
	lo = r->late ? at.all : at.before;
	hi = r->late ? at.all : at.after;
	r->across_lo = lo;
	if (side_step(r, p, lo, hi, "once C was removed under the loop") ||
	    side_step(r, t, lo, hi, "once C was removed under the loop") ||
	    cg_dying_is(r->g.p, "P", 1, "not-dying-with-instance",
			"after rmdir C with C's inotify instance open (group->memcg holds C)"))
		return -1;
	return hi;
}

/*
 * Workers of a step's passes before the bases are read, until one more
 * leaves S's page counter where the last left it. On per-memcg cache
 * kernels a cgroup's first allocations from a cache ask for its own copy
 * (a work item, one at a time on 5.4) and come from the root's until it
 * exists, and a copy keeps the slabs its objects left (the files a loop
 * of opens frees after a grace period): the bases then hold them. On
 * obj_cgroup kernels two workers do. Returns how many ran.
 */
static long warm_up(struct race *r)
{
	struct ledgers l;
	long last = -1, rise = 0, n;

	for (n = 1; n <= WARM_MAX; n++) {
		if (run_pairs(r->g.s, r->n))
			return -1;
		sleep_ms(ERA_CACHE_MS);
		cg_kick_stocks(NULL);
		if (ledger_read(r->g.s, "slab", &l))
			return -1;
		if (l.pages == last)
			return n;
		rise = l.pages - last;
		last = l.pages;
	}
	ktap_fail("s-never-settles", "S's page counter still rose by %ld B after the last of %d workers of %ld passes, expected 0 once its caches were made (the passes' events charge %ld B: a rise that size is the events charged to the task that caused them)",
		  rise, WARM_MAX, r->n, r->n * r->o.unit);
	return -1;
}

static int race_steps(struct race *r)
{
	struct side c = { .name = "C", .cg = r->g.c };
	struct side p = { .name = "P", .cg = r->g.p };
	struct side t = { .name = "T", .cg = r->g.t };
	struct side s = { .name = "S", .cg = r->g.s };
	long pairs, across, events, warm;

	warm = warm_up(r);
	if (warm < 0)
		return -1;
	ktap_diag("%ld workers of %ld passes before the bases: S's page counter stood still after the last",
		  warm, r->n);
	cg_kick_stocks("a stock holds the pre-charge of the instance's own structures: the bases are charges alone");
	if (side_read(r, &c) || side_read(r, &p) || side_read(r, &t) ||
	    side_read(r, &s) || step_alive(r, &c, &p, &t, &s))
		return -1;
	across = step_across(r, &p, &t);
	if (across < 0 || run_pairs(r->g.s, r->n) ||
	    side_step(r, &p, r->late * r->n, r->late * r->n, "after rmdir C") ||
	    side_step(r, &t, r->late * r->n, r->late * r->n, "after rmdir C") ||
	    side_step(r, &s, 0, 0, "whose task caused the events") ||
	    cg_destroy(r->g.p) ||
	    cg_dying_is(r->g.t, "T", 2, "not-dying-with-instance",
			"after rmdir C and P with C's inotify instance open (C held by group->memcg, P by C)"))
		return -1;
	/* After rmdir P too: what P held is T's, and so are new events. */
	if (run_pairs(r->g.s, r->n) ||
	    side_step(r, &t, r->late * r->n, r->late * r->n, "after rmdir C and P") ||
	    side_step(r, &s, 0, 0, "whose task caused the events"))
		return -1;
	pairs = warm * r->n + r->n + r->across + 2 * r->n;
	events = drain_events(r->fd);
	if (events != 2 * pairs) {
		ktap_fail("events-lost", "read %ld events from C's inotify instance, expected %ld (an open and a close a pass): an event was dropped or not ours",
			  events, 2 * pairs);
		return -1;
	}
	/* all that was charged leaves T, the first passes' too */
	if (side_step(r, &t, -(warm * r->n + r->n + across + 2 * r->late * r->n),
		      -(warm * r->n + r->n + r->across_lo + 2 * r->late * r->n),
		      "once every event was read"))
		return -1;
	close(r->fd);
	r->fd = -1;
	return cg_wait_gone_unpinned(r->g.t, "C and P once C's inotify instance closed");
}
/* Room for every event of the test in the queue: no overflow drops one. */
static long queue_room(long events)
{
	long old = -1;
	char val[32];
	FILE *f = fopen(QUEUE_SYSCTL, "r");

	if (f) {
		if (fscanf(f, "%ld", &old) != 1)
			old = -1;
		fclose(f);
	}
	if (old >= 0 && old < events) {
		snprintf(val, sizeof(val), "%ld", events);
		f = fopen(QUEUE_SYSCTL, "w");
		if (!f || fputs(val, f) < 0 || fclose(f))
			return -1;
	}
	return old;
}

static void queue_restore(long old)
{
	char val[32];
	FILE *f;

	if (old < 0)
		return;
	snprintf(val, sizeof(val), "%ld", old);
	f = fopen(QUEUE_SYSCTL, "w");
	if (f) {
		fputs(val, f);
		fclose(f);
	}
}

static int file_make(void)
{
	int fd;

	snprintf(file_path, sizeof(file_path), "%s/%0*d", DIR_PATH, NAME_LEN, 0);
	mkdir(DIR_PATH, 0700);
	fd = open(file_path, O_CREAT | O_WRONLY, 0600);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* The unit: an open and a close, two events of the era's kmalloc bucket. */
static int race_unit(struct race *r)
{
	char cache[CG_CACHE_NAME];
	int i, has;

	r->o.key = "slab";
	if (bucket_cache(era_kmalloc_prefix(), EVENT_HEAD + NAME_LEN + 1, cache)) {
		ktap_fail("no-cache", "no %s<n> cache for a %d B inotify event in /sys/kernel/slab",
			  era_kmalloc_prefix(), EVENT_HEAD + NAME_LEN + 1);
		return -1;
	}
	r->o.what = "open and close passes";
	r->o.unit = outlive_slab(&r->o, cache, 2);
	if (r->o.unit < 0)
		return -1;
	/* the keys this memory.stat shows; v1: its kmem counter, once */
	for (i = 0; i < OUTLIVE_MOVES && r->o.moves[i].key; i++) {
		has = cg_is_v2() ? era_stat_key(r->o.moves[i].key) : !i;
		if (has < 0)
			return -1;
		if (has)
			r->o.moves[r->nkeys++] = r->o.moves[i];
	}
	memset(&r->o.moves[r->nkeys], 0,
	       (OUTLIVE_MOVES - r->nkeys) * sizeof(r->o.moves[0]));
	r->n = outlive_enough(&r->o, PAIRS, 1);
	r->late = !era_per_memcg_caches();
	if (era_per_memcg_caches() < 0)
		return -1;
	ktap_diag("events of %s, 2 a pass, %ld passes a step; ledgers of %d key(s)",
		  cache, r->n, r->nkeys);
	return 0;
}

int test_offline_race(void)
{
	struct race r = { .fd = -1 };
	long old_room = -1;
	int ret;

	loop = mmap(NULL, sizeof(*loop), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (loop == MAP_FAILED || file_make() ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return KSFT_FAIL;
	ret = race_unit(&r);
	/*
	 * Four steps, the one across rmdir two or more (the loop runs on
	 * while the rig polls): a limit, not memory, so ample.
	 */
	if (!ret)
		old_room = queue_room(QUEUE_ROOM);
	ret = ret || old_room < 0 ||
	      outside_make(&r.g, "rig_offline_race") ||
	      cg_run(r.g.c, make_instance, NULL);
	if (!ret) {
		r.fd = fd_recv(sv[0]);
		ret = r.fd < 0 || race_steps(&r);
	}
	if (r.fd >= 0)
		close(r.fd);
	close(sv[0]);
	close(sv[1]);
	outside_remove(&r.g, ret);
	queue_restore(old_room);
	unlink(file_path);
	rmdir(DIR_PATH);
	munmap(loop, sizeof(*loop));
	return ret ? KSFT_FAIL : KSFT_PASS;
}
