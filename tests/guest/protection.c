// SPDX-License-Identifier: GPL-2.0
/*
 * protection: P's memory.min or memory.low over what a dead child left
 * in P. Under T, P and its sibling Q: C (in P) looks up negative
 * dentries (lib/dentries.h) and is removed, which hands them to P's
 * lists; Q looks up as many. P's protection is set to what P holds,
 * and T reclaims.
 *
 * protection_min: T asks for everything; Q's dentries must go (at
 * least RECLAIM_PCT of their charge, both ledgers) and P's must stay
 * (within the tolerance): memory.min keeps the reparented slab too.
 * With memory.min back at 0, T's reclaim must then free P's: they are
 * on P's lists, and only the protection kept them.
 *
 * protection_low: Q also writes a file on ext2 (clean page cache), and T
 * asks for half of it: Q gives it, P's dentries stay, P's memory.events
 * low is unchanged. Then T asks for everything: low is kept only while
 * others have something to give, so P's go too, and low counts
 * (mem_cgroup_below_low(), memcg_low_reclaim).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/dentries.h"
#include "lib/era.h"
#include "lib/scan.h"
#include "lib/wait.h"
#include "suite.h"

struct prot {
	const struct outlive *o;
	const char *file;	/* memory.min or memory.low */
	int low;
	char t[CG_PATH_MAX], p[CG_PATH_MAX], c[CG_PATH_MAX], q[CG_PATH_MAX];
	char cname[48], qname[48];
	struct ledgers p0, q0;
	long e;			/* the units' charge in each of P and Q */
	long qfile0;		/* the low case: Q's memory.stat file */
};

struct make {
	const struct outlive *o;
	int first;
};

static int make_units(void *arg)
{
	struct make *m = arg;

	return m->o->make(m->o->arg, m->first, m->o->n);
}

/*
 * Q's clean page cache for the low case: a file on ext2 that Q reads.
 * Its reclaim counts at once (a dentry's slab page is freed only after
 * an RCU grace period, so reclaim of dentries alone shows no progress
 * and breaches low at the first pass), so T's reclaim of part of it can
 * stop with P untouched. The rig writes it first, outside Q and past
 * the page cache (O_DIRECT), so that ext2's metadata (the disk's own
 * page cache, which outlives the file) is not Q's to keep it dying.
 */
#define Q_FILE		EXT2_DIR "/rig_protection_q"
#define Q_FILE_BYTES	(8L << 20)

/* T > P > C and T > Q; C's units, C removed and freed; Q's units. */
static int prot_made(struct prot *g)
{
	struct make c = { g->o, 0 }, q = { g->o, g->o->n };
	struct ext2_file q_file = { Q_FILE, Q_FILE_BYTES };

	/* names of their own: on per-memcg cache kernels their caches bear them */
	snprintf(g->cname, sizeof(g->cname), "%s_c", g->o->name);
	snprintf(g->qname, sizeof(g->qname), "%s_q", g->o->name);

	if (cg_create(g->t, cg_root, g->o->name) || cg_enable_memory(g->t) ||
	    cg_create(g->p, g->t, "protected") || cg_enable_memory(g->p) ||
	    cg_create(g->c, g->p, g->cname) || cg_create(g->q, g->t, g->qname) ||
	    cg_run(g->c, make_units, &c) || cg_destroy(g->c) ||
	    cg_wait_gone(g->p, "rmdir C, its dentries on P's lists") ||
	    cg_run(g->q, make_units, &q) ||
	    (g->low && (ext2_file_write(Q_FILE, Q_FILE_BYTES) ||
			cg_run(g->q, ext2_file_read, &q_file))))
		return -1;
	g->c[0] = '\0';
	cg_kick_stocks("the bases: the workers' pre-charge is not the units'");
	if (ledger_read(g->p, g->o->key, &g->p0) ||
	    ledger_read(g->q, g->o->key, &g->q0))
		return -1;
	if (!g->low)
		return 0;
	/* Q's file is Q's page cache, whole; nothing else of Q is a file's */
	cg_flush(g->q);
	return cg_get(g->q, "memory.stat", "file", &g->qfile0) ||
	       expect_near("Q's memory.stat file once Q read its file",
			   g->qfile0, Q_FILE_BYTES, ledger_tol(Q_FILE_BYTES));
}

/* P's protection: what it holds, and as much again, or 0. */
static int prot_set(struct prot *g, int on)
{
	char val[32];

	snprintf(val, sizeof(val), "%ld", on ? 2 * g->p0.pages : 0);
	if (cg_write(g->p, g->file, val)) {
		ktap_fail("protection-write", "cannot write %s to %s/%s", val,
			  g->p, g->file);
		return -1;
	}
	ktap_diag("P's %s: %s B (P holds %ld B)", g->file, val, g->p0.pages);
	return 0;
}

/* cg's ledgers fell by at least RECLAIM_PCT of e since base, by at most e. */
struct fall {
	const char *cg, *key;
	long below, pages_below;
	struct ledgers now;
};

static bool fell(void *arg)
{
	struct fall *f = arg;

	return ledger_read(f->cg, f->key, &f->now) ||
	       (f->now.stat <= f->below && f->now.pages <= f->pages_below);
}

/*
 * T reclaims everything, up to RECLAIM_PASSES times, until cg's ledgers
 * fell by at least RECLAIM_PCT of e since base (by at most e): v2 before
 * 5.19 reclaims through memory.high, one pass a write, and low is given
 * up only by a pass that found nothing else (memcg_low_reclaim), where
 * memory.reclaim loops by itself.
 */
#define RECLAIM_PASSES	4

static int reclaimed(struct prot *g, const char *who, const char *cg,
		     const struct ledgers *base, const char *when)
{
	long least = g->e / 100 * RECLAIM_PCT, stat_least, keep;
	struct fall f = { cg, g->o->key, base->stat - least,
			  base->pages - least, { .stat = -1 } };
	long lru = g->low ? Q_FILE_BYTES : 0;	/* what T may steal */
	struct scan s;
	char what[160];
	int pass, bad;

	bad = scan_witness(&s, g->t, g->o->name);
	for (pass = 1; !bad && pass <= RECLAIM_PASSES; pass++)
		if (reclaim_bytes(g->t, -1) ||
		    !poll_kicked(fell, &f, WAIT_MS / RECLAIM_PASSES,
				 "a live cgroup's own stock keeps pages uncharged from it"))
			break;
	/*
	 * Per-memcg cache kernels: the slabs the caches named for Q, or for
	 * P's dead child, keep once their objects go, as SLUB shows them.
	 */
	/* T's scan: its witness, and what is left of Q's file */
	bad = bad || scan_check(&s, "T", 0, lru);
	scan_witness_remove(&s);
	keep = era_memcg_slab_bytes(cg == g->q ? g->qname : g->cname);
	if (bad || f.now.stat < 0 || keep < 0)
		return -1;
	ktap_diag("%s: %d reclaim pass(es) of T%s", when,
		  pass > RECLAIM_PASSES ? RECLAIM_PASSES : pass,
		  keep ? ", slabs of per-memcg caches aside" : "");
	least = least > keep ? least - keep : 0;
	/* statistics that per-memcg cache kernels batch a CPU may not show yet */
	stat_least = least > era_stat_slack() ? least - era_stat_slack() : 0;
	snprintf(what, sizeof(what), "%s's %s fall when T reclaims %s", who,
		 ledger_stat_name(g->o->key), when);
	if (expect_range(what, base->stat - f.now.stat, stat_least,
			 g->e + ledger_stat_tol(g->o->key, g->e)))
		return -1;
	snprintf(what, sizeof(what), "%s's %s fall when T reclaims %s", who,
		 ledger_pages_name(), when);
	return expect_range(what, base->pages - f.now.pages, least,
			    g->e + ledger_tol(g->e));
}

/* P kept its units: both ledgers where they were, within the tolerance. */
static int kept(struct prot *g, const char *when)
{
	char what[160];

	snprintf(what, sizeof(what), "P's %%s after T reclaims %s, P protected by %s",
		 when, g->file);
	return ledger_expect(g->p, g->o->key, &g->p0, 0, ledger_tol(g->e),
			     what, NULL);
}

static int low_events(struct prot *g, long *n)
{
	return cg_get(g->p, "memory.events", "low", n);
}

static int prot_min(struct prot *g)
{
	struct ledgers p;

	if (prot_set(g, 1) ||
	    reclaimed(g, "Q", g->q, &g->q0, "everything") ||
	    kept(g, "everything") || ledger_read(g->p, g->o->key, &p) ||
	    prot_set(g, 0))
		return -1;
	return reclaimed(g, "P", g->p, &p, "everything, P unprotected");
}

/* Q's memory.stat file fell by what T's reclaim took of Q's file. */
static int q_file_fell(struct prot *g, long ask)
{
	long file;

	cg_flush(g->q);
	return cg_get(g->q, "memory.stat", "file", &file) ||
	       expect_range("Q's memory.stat file fall when T reclaims half Q's file",
			    g->qfile0 - file, ask / 100 * RECLAIM_PCT,
			    Q_FILE_BYTES);
}

static int prot_low(struct prot *g)
{
	long low0, low1, ask = Q_FILE_BYTES / 2, q;
	struct ledgers p;
	struct scan s;

	/* memory.reclaim counts only what it stole from LRUs: ask, in Q's file */
	if (prot_set(g, 1) || low_events(g, &low0) || scan_base(&s, g->t) ||
	    reclaim_bytes(g->t, ask) ||
	    scan_check(&s, "T", ask / 100 * RECLAIM_PCT, Q_FILE_BYTES) ||
	    cg_get(g->q, ledger_pages_name(), NULL, &q) ||
	    expect_range("Q's page counter fall when T reclaims half Q's file",
			 g->q0.pages - q, ask / 100 * RECLAIM_PCT, g->q0.pages) ||
	    q_file_fell(g, ask) ||
	    kept(g, "half Q's file") || low_events(g, &low1))
		return -1;
	if (low1 != low0) {
		ktap_fail("low-breached", "P's memory.events low went from %ld to %ld while Q had enough to give",
			  low0, low1);
		return -1;
	}
	if (ledger_read(g->p, g->o->key, &p) ||
	    reclaimed(g, "P", g->p, &p, "everything, once Q has nothing left") ||
	    low_events(g, &low1))
		return -1;
	if (low1 <= low0) {
		ktap_fail("low-not-counted", "P reclaimed below its memory.low, yet memory.events low stayed at %ld",
			  low1);
		return -1;
	}
	ktap_diag("P's memory.events low: %ld, then %ld", low0, low1);
	return 0;
}

static int prot_run(const struct outlive *o, const char *file)
{
	struct outlive d = *o;
	struct prot g = { .o = &d, .file = file,
			  .low = !strcmp(file, "memory.low") };
	int bad;

	/* every figure 4 times its tolerance, which per-memcg caches widen */
	d.n = outlive_enough(o, o->n, 1);
	g.e = d.n * d.unit;
	g.t[0] = g.p[0] = g.c[0] = g.q[0] = '\0';
	bad = prot_made(&g) ||
	      (g.low ? prot_low(&g) : prot_min(&g));
	if (g.low)
		unlink(Q_FILE);
	cg_destroy(g.c);
	cg_destroy(g.q);
	cg_destroy(g.p);
	/* their units freed or reclaimed, nothing of theirs may keep them */
	if (!bad && g.t[0])
		bad = cg_wait_gone(g.t, "P and Q, removed");
	cg_destroy(g.t);
	return bad ? KSFT_FAIL : KSFT_PASS;
}

static int prot_min_run(const struct outlive *o)
{
	return prot_run(o, "memory.min");
}

static int prot_low_run(const struct outlive *o)
{
	return prot_run(o, "memory.low");
}

int test_protection_min(void)
{
	if (!cg_is_v2()) {
		test_reason("cgroup v1 has no memory.min");
		return KSFT_SKIP;
	}
	return dentries_test("rig_protection_min", "rig_pmin_neg", NULL, 0,
			     prot_min_run);
}

int test_protection_low(void)
{
	if (!cg_is_v2()) {
		test_reason("cgroup v1 has no memory.low");
		return KSFT_SKIP;
	}
	return dentries_test("rig_protection_low", "rig_plow_neg", NULL, 0,
			     prot_low_run);
}
