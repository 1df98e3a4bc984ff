/* SPDX-License-Identifier: GPL-2.0 */
/* /sys/kernel/slab's entries and names (slab.c). */
#ifndef RIG_SLAB_H
#define RIG_SLAB_H

#define SLAB_DIR	"/sys/kernel/slab"
#define MAX_ENTRIES	2048
#define NAME_LEN	64

struct slab_entry {
	char name[NAME_LEN];
	char target[NAME_LEN];	/* what an alias links to; "" for caches */
};

struct slab_entries {
	int n;
	struct slab_entry e[MAX_ENTRIES];
};

/* Every entry of SLAB_DIR; -1 when it cannot be read. */
int slab_entries_read(struct slab_entries *e);
/* How many entries appeared or vanished from a to b, each reported. */
int slab_entries_diff(struct slab_entries *a, struct slab_entries *b);
/* How many of /proc/slabinfo's caches have no entry. */
int slabinfo_resolves(void);
/* How many merged names disagree with their own attributes. */
int slab_names_agree(const struct slab_entries *e);
/*
 * 1 where slab caches are per memcg (before 5.9), as SLUB shows them
 * under <cache>/cgroup/ (the host boots such kernels with
 * slub_memcg_sysfs=1); 0 for obj_cgroup kernels; -1 (a failure) when
 * /sys/kernel/slab cannot be read.
 */
int slab_per_memcg_era(void);

#endif
