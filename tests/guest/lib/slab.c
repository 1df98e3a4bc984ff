// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/slab as SLUB shows it: its entries (caches and merged-name
 * aliases), whether /proc/slabinfo's caches resolve there, and whether a
 * merged ":" name says what its own attributes say.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cg.h"
#include "ktap.h"
#include "slab.h"

#define PATH_LEN	512

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct slab_entry *)a)->name,
		      ((const struct slab_entry *)b)->name);
}

int slab_entries_read(struct slab_entries *e)
{
	char path[PATH_LEN], link[PATH_LEN], *base;
	struct dirent *d;
	ssize_t len;
	DIR *dir;

	e->n = 0;
	dir = opendir(SLAB_DIR);
	if (!dir)
		return -1;
	while ((d = readdir(dir)) && e->n < MAX_ENTRIES) {
		if (d->d_name[0] == '.')
			continue;
		len = strlen(d->d_name);
		if (len >= NAME_LEN)
			continue;
		memcpy(e->e[e->n].name, d->d_name, len + 1);
		e->e[e->n].target[0] = '\0';
		snprintf(path, sizeof(path), SLAB_DIR "/%s", d->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len > 0) {
			link[len] = '\0';
			base = strrchr(link, '/');
			base = base ? base + 1 : link;
			if (strlen(base) < NAME_LEN)
				memcpy(e->e[e->n].target, base, strlen(base) + 1);
		}
		e->n++;
	}
	closedir(dir);
	return 0;
}

int slabinfo_resolves(void)
{
	char line[512], name[NAME_LEN], path[PATH_LEN];
	int bad = 0, total = 0;
	struct stat st;
	FILE *f;

	f = fopen("/proc/slabinfo", "r");
	if (!f) {
		ktap_fail("no-slabinfo", "cannot open /proc/slabinfo (CONFIG_SLUB_DEBUG?)");
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "slabinfo", 8) || line[0] == '#')
			continue;
		if (sscanf(line, "%63s", name) != 1)
			continue;
		total++;
		snprintf(path, sizeof(path), SLAB_DIR "/%s", name);
		if (stat(path, &st)) {
			ktap_fail("no-sysfs-dir", "cache %s in /proc/slabinfo has no %s", name,
				  path);
			bad++;
		}
	}
	fclose(f);
	ktap_diag("%d caches in /proc/slabinfo, %d without a sysfs entry",
		  total, bad);
	return bad || !total;
}

static int links_to(const struct slab_entries *e, const char *dir,
		    const char *prefix)
{
	int i, n = 0;

	for (i = 0; i < e->n; i++)
		if (!strcmp(e->e[i].target, dir) &&
		    !strncmp(e->e[i].name, prefix, strlen(prefix)))
			n++;
	return n;
}

/*
 * An attribute of cache id: -1 and a failure when it cannot be read.
 * cache_dma alone may be absent (no ZONE_DMA): then *v is -1.
 */
static int attr(const char *id, const char *name, long *v)
{
	char path[CG_PATH_MAX * 2];

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/%s", id, name);
	*v = -1;
	if (!strcmp(name, "cache_dma") && access(path, F_OK) && errno == ENOENT)
		return 0;
	*v = slab_attr(id, name);
	if (*v < 0) {
		ktap_fail("read", "cannot read %s: %m", path);
		return -1;
	}
	return 0;
}

/* Checks one ":" name against create_unique_id()'s rules. */
static int unique_id_agrees(const struct slab_entries *e, const char *id)
{
	const char *p = id + 1, *dash = strchr(id, '-');
	long size, aliases, rec, checks, dma;
	int bad = 0, links;

	if (attr(id, "slab_size", &size) || attr(id, "aliases", &aliases) ||
	    attr(id, "reclaim_account", &rec) ||
	    attr(id, "sanity_checks", &checks) || attr(id, "cache_dma", &dma))
		return 1;
	if (strtol(dash ? dash + 1 : p, NULL, 10) != size) {
		ktap_fail("slab-size", "%s: slab_size is %ld", id, size);
		bad++;
	}
	if (!!strchr(p, 'a') != (rec == 1)) {
		ktap_fail("reclaim-account", "%s: reclaim_account is %ld", id, rec);
		bad++;
	}
	if (!!strchr(p, 'F') != (checks == 1)) {
		ktap_fail("sanity-checks", "%s: sanity_checks is %ld", id, checks);
		bad++;
	}
	if (dma >= 0 && !!strchr(p, 'd') != (dma == 1)) {
		ktap_fail("cache-dma", "%s: cache_dma is %ld", id, dma);
		bad++;
	}
	/* No sysfs file shows SLAB_ACCOUNT; kmalloc-cg-* caches have it. */
	if (links_to(e, id, "kmalloc-cg-") && (!dash || !memchr(p, 'A', dash - p))) {
		ktap_fail("no-a-flag", "%s: holds kmalloc-cg-* but has no 'A' flag", id);
		bad++;
	}
	/* sysfs_slab_add() links the first name; merges add one each. */
	links = links_to(e, id, "");
	if (aliases < 0 || links < aliases + 1) {
		ktap_fail("alias-links", "%s: %d names link to it, expected at least aliases + 1 = %ld",
			  id, links, aliases + 1);
		bad++;
	}
	return bad;
}

int slab_names_agree(const struct slab_entries *e)
{
	int i, ids = 0, bad = 0;

	for (i = 0; i < e->n; i++) {
		if (e->e[i].name[0] != ':' || e->e[i].target[0])
			continue;
		ids++;
		bad += unique_id_agrees(e, e->e[i].name);
	}
	ktap_diag("%d merged (:) caches checked, %d disagreements", ids, bad);
	return bad;
}

int slab_entries_diff(struct slab_entries *a, struct slab_entries *b)
{
	int i = 0, j = 0, bad = 0;

	qsort(a->e, a->n, sizeof(a->e[0]), cmp_name);
	qsort(b->e, b->n, sizeof(b->e[0]), cmp_name);
	while (i < a->n || j < b->n) {
		int d = i == a->n ? 1 : j == b->n ? -1 :
			strcmp(a->e[i].name, b->e[j].name);

		if (d < 0)
			ktap_fail("vanished", "%s/%s vanished", SLAB_DIR,
				  a->e[i].name);
		else if (d > 0)
			ktap_fail("appeared", "%s/%s appeared", SLAB_DIR,
				  b->e[j].name);
		bad += d != 0;
		i += d <= 0;
		j += d >= 0;
	}
	ktap_diag("%d entries before, %d after, %d differ", a->n, b->n, bad);
	return bad;
}

/*
 * Per-memcg caches are probed in the running kernel, not taken from its
 * version: SLUB gives every root cache a cgroup/ kset for them (with
 * slub_memcg_sysfs=1, which the host adds where the tree's Kconfig has
 * SLUB_MEMCG_SYSFS_ON); obj_cgroup kernels have none.
 */
int slab_per_memcg_era(void)
{
	char path[PATH_LEN];
	struct dirent *d;
	struct stat st;
	int era = 0;
	DIR *dir;

	dir = opendir(SLAB_DIR);
	if (!dir) {
		ktap_fail("no-slab-sysfs", "cannot open " SLAB_DIR ": %m");
		return -1;
	}
	while (!era && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), SLAB_DIR "/%s/cgroup", d->d_name);
		era = !stat(path, &st) && S_ISDIR(st.st_mode);
	}
	closedir(dir);
	return era;
}
