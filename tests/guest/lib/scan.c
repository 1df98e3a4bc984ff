// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "cg.h"
#include "era.h"
#include "ext2.h"
#include "kick.h"
#include "ktap.h"
#include "ledger.h"
#include "scan.h"

/*
 * A cgroup's own reclaim (memory.reclaim, memory.high, memory.max) runs in
 * a task or a work item, never in kswapd: where memory.stat counts
 * kswapd's apart (pgscan_kswapd), its part is left out, so that kswapd
 * scanning the witness cannot stand in for a reclaim that never ran.
 */
static int scan_read(const struct scan *s, long *scan, long *steal)
{
	long kscan = 0, ksteal = 0;

	cg_flush(s->cg);
	if (cg_get(s->cg, "memory.stat", "pgscan", scan) ||
	    cg_get(s->cg, "memory.stat", "pgsteal", steal))
		return -1;
	if (s->no_kswapd &&
	    (cg_get(s->cg, "memory.stat", "pgscan_kswapd", &kscan) ||
	     cg_get(s->cg, "memory.stat", "pgsteal_kswapd", &ksteal)))
		return -1;
	*scan -= kscan;
	*steal -= ksteal;
	return 0;
}

static void scan_keys(struct scan *s)
{
	s->no_kswapd = cg_read_key(s->cg, "memory.stat", "pgscan_kswapd") >= 0;
	s->kscan = s->no_kswapd ? "pgscan (less kswapd's)" : "pgscan";
	s->ksteal = s->no_kswapd ? "pgsteal (less kswapd's)" : "pgsteal";
}

/*
 * v1 has no pgscan; per-memcg cache kernels (5.4) batch a memcg's events
 * per CPU as their statistics (ERA_STAT_BATCH), so that a reclaim which
 * scanned up to that many pages of a cgroup on a CPU shows nothing.
 */
static int scan_read_base(struct scan *s, const char *cg)
{
	s->cg = cg;
	s->on = cg_is_v2() && !era_stat_slack();
	if (!s->on)
		return 0;
	scan_keys(s);
	return scan_read(s, &s->scan0, &s->steal0);
}

int scan_base(struct scan *s, const char *cg)
{
	s->w[0] = s->file[0] = '\0';
	s->pipe[0] = s->pipe[1] = -1;
	return scan_read_base(s, cg);
}

/* The file's pages into the pipe, which keeps a reference to each. */
static int scan_hold(struct scan *s, long bytes)
{
	loff_t off = 0;
	ssize_t n = 0;
	int fd = open(s->file, O_RDONLY);

	if (fd >= 0 && !pipe(s->pipe) &&
	    fcntl(s->pipe[1], F_SETPIPE_SZ, (int)bytes) >= bytes)
		while (off < bytes &&
		       (n = splice(fd, &off, s->pipe[1], NULL, bytes - off,
				   SPLICE_F_NONBLOCK)) > 0)
			;
	if (fd >= 0)
		close(fd);
	if (off < bytes) {
		ktap_fail("witness-hold", "could splice only %lld of %ld B of %s into a pipe: %m",
			  (long long)off, bytes, s->file);
		return -1;
	}
	return 0;
}

int scan_witness(struct scan *s, const char *cg, const char *name)
{
	struct ext2_file f = { s->file, SCAN_WITNESS_PAGES * page_size() };

	if (scan_base(s, cg) || !s->on)
		return s->on ? -1 : 0;
	snprintf(s->file, sizeof(s->file), "%s/%s_witness", EXT2_DIR, name);
	if (ext2_file_write(s->file, f.bytes) ||
	    cg_create(s->w, cg, "scan_witness"))
		return -1;
	if (cg_run(s->w, ext2_file_read, &f)) {
		ktap_fail("witness", "a reader in %s could not read %s (%ld B)",
			  s->w, s->file, f.bytes);
		return -1;
	}
	cg_kick_stocks("the scan witness's reader left its pre-charge in a stock, room a limit's drain would give");
	return scan_hold(s, f.bytes) || scan_read_base(s, cg);
}

struct scan_now {
	const struct scan *s;
	long scan0, scan, steal;
	int err;
};

static bool scanned(void *arg)
{
	struct scan_now *n = arg;

	n->err = scan_read(n->s, &n->scan, &n->steal);
	return n->err || n->scan > n->scan0;
}

int scan_check(struct scan *s, const char *who, long lo, long hi)
{
	struct scan_now n = { s, s->scan0, -1, -1, 0 };
	char what[160];
	long scan, steal;

	if (!s->on) {
		ktap_diag("%s's reclaim: pgscan and pgsteal not checked: %s", who,
			  cg_is_v2() ? "this kernel batches memcg events per CPU (up to 32 scans a CPU do not show)" :
				       "cgroup v1 has neither");
		return 0;
	}
	poll_until(scanned, &n, WAIT_MS);
	if (n.err)
		return -1;
	scan = n.scan - s->scan0;
	steal = n.steal - s->steal0;
	ktap_diag("%s's reclaim: its %s +%ld, %s +%ld (%s)",
		  who, s->kscan, scan, s->ksteal, steal, s->w[0] ? "beside a scan witness it cannot free" : "no scan witness");
	if (scan <= 0) {
		ktap_fail("no-scan", "%s's %s stayed at %ld within %d ms of its reclaim, expected a rise: the reclaim never scanned %s's LRU%s",
			  who, s->kscan, s->scan0, WAIT_MS, who,
			  s->w[0] ? ", where its scan witness holds page cache" : "");
		return -1;
	}
	snprintf(what, sizeof(what), "%s's pgsteal rise when it reclaims, in bytes of pages",
		 who);
	if (expect_range(what, steal * page_size(), lo, hi))
		return -1;
	if (scan < steal) {
		ktap_fail("steal-unscanned", "%s's %s rose by %ld, its %s by only %ld: a stolen page must have been scanned",
			  who, s->ksteal, steal, s->kscan, scan);
		return -1;
	}
	return 0;
}

void scan_witness_remove(struct scan *s)
{
	if (s->pipe[0] >= 0)
		close(s->pipe[0]);
	if (s->pipe[1] >= 0)
		close(s->pipe[1]);
	if (s->file[0])
		unlink(s->file);
	cg_destroy(s->w);
	s->pipe[0] = s->pipe[1] = -1;
	s->file[0] = s->w[0] = '\0';
}
