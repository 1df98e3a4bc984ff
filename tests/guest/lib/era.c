// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cg.h"
#include "era.h"
#include "ktap.h"
#include "poll.h"
#include "slab.h"

#define PROBE_NAME	"rig_era_probe"
#define WORD_SEP	" \t\n"

int era_per_memcg_caches(void)
{
	static int era = -2;

	if (era == -2)
		era = slab_per_memcg_era();
	return era;
}

int era_kmem_off(void)
{
	char line[4096], *w, *save, *opt, *osave;
	FILE *f = fopen("/proc/cmdline", "r");
	int off = 0;

	if (!f || !fgets(line, sizeof(line), f)) {
		ktap_fail("no-cmdline", "cannot read /proc/cmdline: %m");
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	/* every cgroup.memory= is a comma list of options, each one taken */
	for (w = strtok_r(line, WORD_SEP, &save); w; w = strtok_r(NULL, WORD_SEP, &save)) {
		if (strncmp(w, "cgroup.memory=", 14))
			continue;
		for (opt = strtok_r(w + 14, ",", &osave); opt;
		     opt = strtok_r(NULL, ",", &osave))
			if (!strcmp(opt, "nokmem"))
				off = 1;
	}
	return off;
}

/* One memcg's memory.stat, read once: the keys this kernel has. */
static const char *probe_stat(void)
{
	static char buf[16384];
	static int state;	/* 0 not read, 1 read, -1 failed */
	char cg[CG_PATH_MAX] = "";

	if (state)
		return state > 0 ? buf : NULL;
	state = -1;
	buf[0] = '\n';
	if (cg_create(cg, cg_root, PROBE_NAME) ||
	    cg_read(cg, "memory.stat", buf + 1, sizeof(buf) - 1))
		ktap_fail("probe-stat", "cannot read memory.stat of a probe cgroup %s: %m", cg);
	else
		state = 1;
	cg_destroy(cg);
	return state > 0 ? buf : NULL;
}

int era_stat_key(const char *key)
{
	const char *stat = probe_stat();
	char want[64];

	if (!stat)
		return -1;
	snprintf(want, sizeof(want), "\n%s ", key);
	return strstr(stat, want) != NULL;
}

const char *era_kmalloc_prefix(void)
{
	return slab_attr("kmalloc-cg-8", "slab_size") > 0 ||
	       slab_attr("kmalloc-cg-16", "slab_size") > 0 ? "kmalloc-cg-" :
							     "kmalloc-";
}

static long slab_bytes(const char *cache)
{
	long order = slab_attr(cache, "order");

	return order < 0 ? -1 : page_size() << order;
}

long era_obj_charge(const char *cache, int count)
{
	long per, bytes;

	if (era_per_memcg_caches() <= 0)
		return (per = obj_charge(cache)) < 0 ? -1 : per * count;
	per = slab_attr(cache, "objs_per_slab");
	bytes = slab_bytes(cache);
	if (per <= 0 || bytes < 0)
		return -1;
	return bytes * count / per;
}

static long slack;

void era_slab_slack_add(const char *cache)
{
	if (era_per_memcg_caches() > 0 && slab_bytes(cache) > 0)
		slack += slab_bytes(cache) * nr_cpus();
}

long era_slab_slack(void)
{
	return slack;
}

bool era_key_ok(const char *key)
{
	static char said[256];
	char word[64];
	int has;

	/* v1 reads its own counters, whatever the key */
	if (!cg_is_v2())
		return true;
	has = era_stat_key(key);
	if (has)
		return true;
	snprintf(word, sizeof(word), " %s ", key);
	if (!strstr(said, word) && strlen(said) + strlen(word) < sizeof(said)) {
		strcat(said, word);
		ktap_diag("this kernel's memory.stat has no %s key: that figure is not read", key);
	}
	return false;
}

int era_make_units(int (*make)(void *arg, int first, int n), void *arg,
		   int first, int n)
{
	if (era_per_memcg_caches() <= 0 || n < 2)
		return make(arg, first, n);
	if (make(arg, first, 1))
		return -1;
	sleep_ms(ERA_CACHE_MS);
	return make(arg, first + 1, n - 1);
}

long era_stat_slack(void)
{
	if (era_per_memcg_caches() <= 0)
		return 0;
	return (long)ERA_STAT_BATCH * page_size() * nr_cpus();
}

int era_probe(void)
{
	int era = era_per_memcg_caches();

	if (era < 0 || !probe_stat())
		return -1;
	ktap_diag("era: %s slab accounting, memory.stat %s%s, accounted kmalloc from %s<n>",
		  era ? "per-memcg caches" : "obj_cgroup",
		  era_stat_key("kernel") > 0 ? "with kernel" : "without kernel",
		  era_stat_key("percpu") > 0 ? " and percpu" : ", without percpu",
		  era_kmalloc_prefix());
	return 0;
}

/* A memcg cache's entry, once: mergeable ones show twice (a link). */
static long cache_pages_once(const char *path, char seen[][PATH_MAX], int *n)
{
	char real[PATH_MAX];
	long slabs, order;
	int i;

	if (!realpath(path, real))
		return -1;
	for (i = 0; i < *n; i++)
		if (!strcmp(seen[i], real))
			return 0;
	if (*n < ERA_MEMCG_CACHES)
		snprintf(seen[(*n)++], PATH_MAX, "%s", real);
	slabs = cg_read_long(real, "slabs");
	order = cg_read_long(real, "order");
	if (slabs < 0 || order < 0)
		return -1;
	return (slabs * page_size()) << order;
}

/*
 * Per-memcg caches are <cache>(<id>:<cgroup name>): a link at the top of
 * SLAB_DIR (mergeable ones), or an entry under <root cache>/cgroup/.
 */
static long memcg_caches_walk(const char *dir, const char *suffix,
			      char seen[][PATH_MAX], int *n)
{
	char path[PATH_MAX];
	size_t len = strlen(suffix), l;
	long total = 0, one;
	struct dirent *d;
	DIR *top = opendir(dir);

	if (!top)
		return 0;
	while ((d = readdir(top))) {
		l = strlen(d->d_name);
		if (l <= len || strcmp(d->d_name + l - len, suffix))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		one = cache_pages_once(path, seen, n);
		if (one < 0) {
			total = -1;
			break;
		}
		total += one;
	}
	closedir(top);
	return total;
}

long era_memcg_slab_bytes(const char *name)
{
	static char seen[ERA_MEMCG_CACHES][PATH_MAX];
	char suffix[NAME_LEN], sub[PATH_MAX];
	long total, one;
	struct dirent *d;
	DIR *top;
	int n = 0;

	if (era_per_memcg_caches() <= 0)
		return 0;
	snprintf(suffix, sizeof(suffix), ":%s)", name);
	total = memcg_caches_walk(SLAB_DIR, suffix, seen, &n);
	top = opendir(SLAB_DIR);
	while (total >= 0 && top && (d = readdir(top))) {
		if (d->d_name[0] == '.' || d->d_type == DT_LNK)
			continue;
		snprintf(sub, sizeof(sub), SLAB_DIR "/%s/cgroup", d->d_name);
		one = memcg_caches_walk(sub, suffix, seen, &n);
		total = one < 0 ? -1 : total + one;
	}
	if (top)
		closedir(top);
	if (total < 0)
		ktap_fail("memcg-cache-unreadable", "the slabs or order of a cache of cgroup %s under " SLAB_DIR " could not be read",
			  name);
	return total;
}
