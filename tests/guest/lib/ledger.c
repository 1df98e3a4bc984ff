// SPDX-License-Identifier: GPL-2.0
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cg.h"
#include "era.h"
#include "kick.h"
#include "ktap.h"
#include "ledger.h"
#include "poll.h"

/* memory.stat's own figure, not a page counter standing in for it */
static bool is_statistic(const char *key)
{
	return cg_is_v2() && era_stat_key(key);
}

bool ledger_in_pages(const char *key)
{
	return !key || !is_statistic(key) || !strcmp(key, "kernel") ||
	       era_per_memcg_caches() > 0;
}

const char *ledger_stat_name(const char *key)
{
	static char name[64];

	if (!cg_is_v2())
		return "memory.kmem.usage_in_bytes";
	if (!era_stat_key(key))
		snprintf(name, sizeof(name), "memory.current (no memory.stat %s)", key);
	else
		snprintf(name, sizeof(name), "memory.stat %s", key);
	return name;
}

const char *ledger_pages_name(void)
{
	return cg_is_v2() ? "memory.current" : "memory.usage_in_bytes";
}

int ledger_read(const char *cg, const char *key, struct ledgers *l)
{
	if (!cg_is_v2())
		return cg_get(cg, "memory.kmem.usage_in_bytes", NULL, &l->stat) ||
		       cg_get(cg, "memory.usage_in_bytes", NULL, &l->pages);
	cg_flush(cg);
	/* a key this kernel lacks: what it counts shows in the page counter alone */
	if (!era_stat_key(key))
		return cg_get(cg, "memory.current", NULL, &l->stat) ||
		       cg_get(cg, "memory.current", NULL, &l->pages);
	return cg_get(cg, "memory.stat", key, &l->stat) ||
	       cg_get(cg, "memory.current", NULL, &l->pages);
}

long ledger_tol(long expected)
{
	return 2L * nr_cpus() * page_size() + expected / 1000000.0 * NOISE_PPM +
	       era_slab_slack();
}

long ledger_stat_tol(const char *key, long expected)
{
	if (!is_statistic(key))
		return ledger_tol(expected);
	return ledger_tol(expected) +
	       era_stat_slack() * (strcmp(key, "slab") ? 1 : 2);
}

const char *ledger_kmem_key(void)
{
	return era_stat_key("kernel") > 0 ? "kernel" : "slab";
}

/*
 * The ratio says how far apart a sound kernel and one that lost the
 * whole charge are: a figure near its tolerance tells little. The line's
 * grammar is tests/guest/README.md's.
 */
void figure_line(const char *what, long measured, long expected, long tol)
{
	char ratio[48] = "";

	if (expected && tol > 0)
		snprintf(ratio, sizeof(ratio), " ratio=%.1f",
			 labs(expected) / (double)tol);
	ktap_diag("figure %s: measured=%ld expected=%ld error=%+ld tolerance=%ld%s unit=B",
		  what, measured, expected, measured - expected, tol, ratio);
}

int expect_near(const char *what, long measured, long expected, long tol)
{
	figure_line(what, measured, expected, tol);
	if (within(measured, expected, tol))
		return 0;
	ktap_fail(ktap_slug(what),
		  "%s: measured %ld B, expected %ld B +-%ld B (off by %+ld B)",
		  what, measured, expected, tol, measured - expected);
	return -1;
}

/*
 * "between L B and H B", or the one side a bound has (LONG_MIN, LONG_MAX:
 * none), for a FAIL line; the figure line's fields are low= and high=.
 */
static void range_words(char *buf, size_t len, long lo, long hi)
{
	if (lo == LONG_MIN && hi == LONG_MAX)
		snprintf(buf, len, "any value");
	else if (lo == LONG_MIN)
		snprintf(buf, len, "at most %ld B", hi);
	else if (hi == LONG_MAX)
		snprintf(buf, len, "at least %ld B", lo);
	else
		snprintf(buf, len, "between %ld B and %ld B", lo, hi);
}

int expect_range(const char *what, long measured, long lo, long hi)
{
	char range[96], low[32] = "", high[32] = "";

	range_words(range, sizeof(range), lo, hi);
	if (lo != LONG_MIN)
		snprintf(low, sizeof(low), " low=%ld", lo);
	if (hi != LONG_MAX)
		snprintf(high, sizeof(high), " high=%ld", hi);
	ktap_diag("figure %s: measured=%ld%s%s unit=B", what, measured, low,
		  high);
	if (measured >= lo && measured <= hi)
		return 0;
	ktap_fail(ktap_slug(what), "%s: measured %ld B, expected %s",
		  what, measured, range);
	return -1;
}

struct settle {
	const char *cg, *key;
	long stat, pages, tol;
	int on_pages;
	struct ledgers last;
};

static bool settled(void *arg)
{
	struct settle *s = arg;

	if (ledger_read(s->cg, s->key, &s->last))
		return true;
	return s->on_pages ? within(s->last.pages, s->pages, s->tol) :
			     within(s->last.stat, s->stat, s->tol);
}

bool ledger_stat_is_counter(const char *key)
{
	return cg_is_v2() && !era_stat_key(key);
}

int ledger_expect(const char *cg, const char *key, const struct ledgers *base,
		  long delta, long tol, const char *what, struct ledgers *now)
{
	return ledger_expect_slack(cg, key, base, delta, tol, 0, what, now);
}

int ledger_expect_slack(const char *cg, const char *key,
			const struct ledgers *base, long delta, long tol,
			long slack, const char *what, struct ledgers *now)
{
	return ledger_expect_each(cg, key, base, delta, delta, tol, slack,
				  what, now);
}

/* The statistics ledger's tolerance: tol, what key's statistics may lag by. */
static long stat_tol(const char *key, long tol)
{
	return tol + ledger_stat_tol(key, 0) - ledger_tol(0);
}

/* The statistics ledger of s->cg at base + delta, polled; s->last gets it. */
static int expect_stat(struct settle *s, const struct ledgers *base,
		       long delta, const char *what)
{
	char name[256];

	poll_until(settled, s, WAIT_MS);
	if (s->last.stat < 0)
		return -1;
	snprintf(name, sizeof(name), what, ledger_stat_name(s->key));
	return expect_near(name, s->last.stat - base->stat, delta, s->tol);
}

int ledger_expect_each(const char *cg, const char *key,
		       const struct ledgers *base, long stat_delta,
		       long pages_delta, long tol, long slack,
		       const char *what, struct ledgers *now)
{
	struct settle s = {
		cg, key, base->stat + stat_delta, base->pages + pages_delta,
		stat_tol(key, tol) + (ledger_in_pages(key) ? slack : 0), 0,
		{ .stat = -1, .pages = -1 },
	};
	char name[256];
	int ret;

	if (expect_stat(&s, base, stat_delta, what))
		return -1;
	s.tol = tol + slack;
	s.on_pages = 1;
	poll_kicked(settled, &s, WAIT_MS,
		    "a live cgroup's own stock keeps pages uncharged from it");
	if (s.last.pages < 0)
		return -1;
	snprintf(name, sizeof(name), what, ledger_pages_name());
	ret = expect_near(name, s.last.pages - base->pages, pages_delta,
			  tol + slack);
	if (now) {
		now->stat = s.last.stat;
		now->pages = s.last.pages;
	}
	return ret;
}

int ledger_expect_stat(const char *cg, const char *key,
		       const struct ledgers *base, long delta, long tol,
		       const char *what, struct ledgers *now)
{
	struct settle s = {
		cg, key, base->stat + delta, 0, stat_tol(key, tol), 0,
		{ .stat = -1, .pages = -1 },
	};
	int ret = expect_stat(&s, base, delta, what);

	if (now) {
		now->stat = s.last.stat;
		now->pages = s.last.pages;
	}
	return ret;
}

int ledger_sock_read(const char *cg, long *v)
{
	if (!cg_is_v2())
		return cg_get(cg, "memory.kmem.tcp.usage_in_bytes", NULL, v);
	cg_flush(cg);
	return cg_get(cg, "memory.stat", "sock", v);
}

const char *ledger_sock_name(void)
{
	return cg_is_v2() ? "memory.stat sock" :
			    "memory.kmem.tcp.usage_in_bytes";
}
