// SPDX-License-Identifier: GPL-2.0
/*
 * percpu: the percpu memory a new child cgroup charges to its parent,
 * against what the percpu allocator itself says the child took
 * (debugfs percpu_stats, CONFIG_PERCPU_STATS).
 *
 * A child's memcg allocates its statistics with GFP_KERNEL_ACCOUNT, in
 * the name of P. The charge of an allocation of size bytes a unit is
 * size x possible CPUs plus an obj_cgroup pointer per 4 bytes
 * (pcpu_obj_full_size()), except in the first chunk, which is never
 * accounted. So each child's charge, divided by that factor, is the
 * bytes a unit it was charged for, and what the child took that was not
 * charged must be what a child without the memory controller takes
 * (cgroup core), plus the memory css's own two reference counts (css
 * and obj_cgroup: a few words), plus whatever landed in the first chunk.
 * A kernel that charges every child a little less, or more, fails here,
 * not only one that charges children unevenly.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/era.h"
#include "lib/ledger.h"
#include "lib/wait.h"
#include "suite.h"

#define NR_CHILDREN	50
#define NR_BARE		10
#define PCPU_STATS	"/sys/kernel/debug/percpu_stats"
/* PCPU_MIN_ALLOC_SIZE: each such piece of an allocation has a pointer. */
#define PCPU_MIN_ALLOC	4
/* The memory css's unaccounted reference counts, with room to spare. */
#define OWN_REFS	(4 * (long)sizeof(long))

/*
 * Bytes a unit in use: in the first chunk (less its size), and the rest;
 * and how many frees the allocator has seen.
 */
struct pcpu_use {
	long first, dyn, frees;
};

static long stat_value(const char *line, const char *name)
{
	size_t len = strlen(name);

	line += strspn(line, " ");
	if (strncmp(line, name, len) || !strchr(line + len, ':'))
		return -1;
	line += len + strspn(line + len, " ");
	return *line == ':' ? strtol(line + 1, NULL, 10) : -1;
}

static int pcpu_read(struct pcpu_use *u)
{
	static char buf[1 << 16];
	long unit = -1, v;
	int fd, len, where = 0;	/* 0: before the chunks, 1: first, 2: other */
	char *line, *end;

	fd = open(PCPU_STATS, O_RDONLY);
	len = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (len <= 0 || len == sizeof(buf) - 1) {
		ktap_fail("no-percpu-stats", "cannot read %s: %s (the config asks for DEBUG_FS and PERCPU_STATS)",
			  PCPU_STATS, len < 0 ? strerror(errno) :
			  len ? "larger than the rig's buffer" : "empty");
		return -1;
	}
	buf[len] = '\0';
	u->first = u->dyn = 0;
	u->frees = -1;
	for (line = buf; line; line = end) {
		end = strchr(line, '\n');
		if (end)
			*end++ = '\0';
		if (!strncmp(line, "Chunk", 5)) {
			where = strstr(line, "First Chunk") ? 1 :
				strstr(line, "Reserved Chunk") ? 3 : 2;
			if (where == 2)
				u->dyn += unit;
			continue;
		}
		if (!where) {
			v = stat_value(line, "unit_size");
			unit = v < 0 ? unit : v;
			v = stat_value(line, "nr_dealloc");
			u->frees = v < 0 ? u->frees : v;
			continue;
		}
		v = stat_value(line, "free_bytes");
		if (v < 0)
			continue;
		if (where == 1)
			u->first -= v;
		else if (where == 2)
			u->dyn -= v;
	}
	if (unit < 0 || u->frees < 0) {
		ktap_fail("percpu-stats-keys", "no unit_size or nr_dealloc in %s", PCPU_STATS);
		return -1;
	}
	return 0;
}

static int possible_cpus(void)
{
	char buf[64];
	int fd = open("/sys/devices/system/cpu/possible", O_RDONLY);
	int len = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1), n = 0;
	char *s = buf;
	long a, b;

	if (fd >= 0)
		close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	while (*s && *s != '\n') {
		a = strtol(s, &s, 10);
		b = *s == '-' ? strtol(s + 1, &s, 10) : a;
		n += b - a + 1;
		s += *s == ',';
	}
	return n;
}

/* Child i of p, and what the percpu allocator lent it. */
static int make_child(const char *p, int i, struct pcpu_use *took)
{
	char c[CG_PATH_MAX], name[16];
	struct pcpu_use a, b;

	snprintf(name, sizeof(name), "c%d", i);
	if (pcpu_read(&a) || cg_create(c, p, name) || pcpu_read(&b))
		return -1;
	took->first = b.first - a.first;
	took->dyn = b.dyn - a.dyn;
	took->frees = b.frees - a.frees;
	return 0;
}

static int remove_children(const char *p, int n)
{
	char c[CG_PATH_MAX];
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		snprintf(c, sizeof(c), "%s/c%d", p, i);
		bad |= cg_destroy(c);
	}
	return bad;
}

/*
 * What a child with no memory controller takes, all chunks counted:
 * the figure most of NR_BARE children took. Made after the others, so
 * that no freeing of theirs falls into the others' figures.
 */
static long bare_child(void)
{
	char p[CG_PATH_MAX] = "";
	struct pcpu_use t;
	long all[NR_BARE], bare = -1;
	int i, j, same, most = 0;

	if (cg_create(p, cg_root, "rig_percpu_bare"))
		return -1;
	for (i = 0; i < NR_BARE; i++) {
		if (make_child(p, i, &t))
			goto out;
		all[i] = t.first + t.dyn;
	}
	for (i = 0; i < NR_BARE; i++) {
		for (same = 0, j = 0; j < NR_BARE; j++)
			same += all[j] == all[i];
		if (same > most)
			most = same, bare = all[i];
	}
	ktap_diag("%d of %d children without the memory controller took %ld B a unit of percpu",
		  most, NR_BARE, bare);
out:
	remove_children(p, NR_BARE);
	cg_destroy(p);
	return bare;
}

struct child {
	struct pcpu_use took;
	long charge;
};

/*
 * Child i: its charge is a whole number of units' bytes, and what it
 * took beyond them is what a bare child takes, its memory css's own
 * reference counts, and what landed in the first chunk. A child during
 * whose making percpu memory was freed (another test's cgroups, freed
 * after an RCU grace period) is left out: its figures are not its own.
 */
static int child_check(const struct child *ch, int i, long factor, long bare)
{
	long units = ch->charge / factor;
	long extra = ch->took.first + ch->took.dyn - units - bare;

	if (ch->took.frees)
		return 0;	/* someone else's free fell into its figures */
	if (ch->charge % factor || units > ch->took.dyn || extra < 0 ||
	    extra > OWN_REFS + (ch->took.first > 0 ? ch->took.first : 0)) {
		ktap_fail("child-charge", "child %d charged P %ld B of percpu (%ld B a unit x %ld), expected what it took past the first chunk (%ld B a unit; %ld B in the first) less what a child without memory takes (%ld B) and up to %ld B of its own references, x %ld",
			  i, ch->charge, units, factor, ch->took.dyn,
			  ch->took.first, bare, OWN_REFS, factor);
		return -1;
	}
	return 0;
}

/*
 * All children: each charge against the allocator's figures, at least a
 * quarter of them charging the same (past the first chunk), and all of
 * it must leave P when they are removed, hands off: they charged nothing
 * themselves.
 */
static int percpu_steps(const char *p, long factor)
{
	struct child ch[NR_CHILDREN];
	struct ledgers l0, prev, now;
	long one = 0, total = 0, bare;
	int i, j, same, most = 0, bad = 0, freed = 0;

	if (ledger_read(p, "percpu", &l0))
		return -1;
	prev = l0;
	for (i = 0; i < NR_CHILDREN; i++) {
		if (make_child(p, i, &ch[i].took) ||
		    ledger_read(p, "percpu", &now))
			return -1;
		ch[i].charge = now.stat - prev.stat;
		total += ch[i].charge;
		prev = now;
	}
	bare = bare_child();
	if (bare < 0)
		return -1;
	for (i = 0; i < NR_CHILDREN; i++) {
		bad |= child_check(&ch[i], i, factor, bare);
		freed += ch[i].took.frees != 0;
		for (same = 0, j = 0; j < NR_CHILDREN; j++)
			same += ch[j].charge == ch[i].charge;
		if (ch[i].charge > 0 && same > most)
			most = same, one = ch[i].charge;
	}
	ktap_diag("%d of %d children charged %ld B of percpu each to P (%ld B a unit x %ld), %ld B in all; %d checked against percpu_stats (%d saw another's free)",
		  most, NR_CHILDREN, one, one / factor, factor, total,
		  NR_CHILDREN - freed, freed);
	if (bad)
		return -1;
	if (freed > NR_CHILDREN / 2) {
		ktap_fail("too-few-children", "%d of %d children saw percpu memory freed while they were made: too few left to check",
			  freed, NR_CHILDREN);
		return -1;
	}
	if (most < NR_CHILDREN / 4) {
		ktap_fail("no-common-figure", "%d of %d children charged P the same percpu figure, expected at least a quarter",
			  most, NR_CHILDREN);
		return -1;
	}
	if (expect_range("P's memory.current rise for 50 children",
			 now.pages - l0.pages, total - ledger_tol(total),
			 1L << 40))
		return -1;
	if (remove_children(p, NR_CHILDREN) ||
	    cg_wait_gone(p, "removed children"))
		return -1;
	/* One leaked child must show: a tolerance under one child's charge. */
	return ledger_expect(p, "percpu", &l0, 0, one - 1,
			     "P's %s once its children were freed", NULL);
}

int test_percpu(void)
{
	char p[CG_PATH_MAX] = "";
	long cpus = possible_cpus();
	long factor = cpus * PCPU_MIN_ALLOC + (long)sizeof(void *);
	int ret;

	if (!cg_is_v2()) {
		test_reason("cgroup v1 has no percpu counter: memory.kmem.usage_in_bytes mixes it with the memcg's own slab objects");
		return KSFT_SKIP;
	}
	/* obj_cgroup kernels charge percpu (era.h fails one without the key) */
	if (era_per_memcg_caches() > 0 && !era_stat_key("percpu")) {
		test_reason("percpu is not charged to memcgs on this kernel of per-memcg slab caches (before 5.9): no percpu key in memory.stat");
		return KSFT_SKIP;
	}
	if (cpus <= 0) {
		ktap_fail("no-possible-cpus", "cannot read /sys/devices/system/cpu/possible");
		return KSFT_FAIL;
	}
	/* per 4-byte piece: 4 x possible CPUs, and a pointer */
	factor /= PCPU_MIN_ALLOC;
	if (cg_create(p, cg_root, "rig_percpu") || cg_enable_memory(p))
		return KSFT_FAIL;
	ret = percpu_steps(p, factor);
	remove_children(p, NR_CHILDREN);
	cg_destroy(p);
	return ret ? KSFT_FAIL : KSFT_PASS;
}
