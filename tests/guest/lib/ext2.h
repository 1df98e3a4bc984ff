/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ext2 on a zram disk: where the guest has a disk filesystem, whose
 * negative dentries every kernel keeps and whose clean page cache
 * reclaim can take (the rootfs is tmpfs: swap-backed, never clean).
 */
#ifndef RIG_EXT2_H
#define RIG_EXT2_H

/* Made once a boot at EXT2_DIR; -1 (said) when it cannot be made. */
#define EXT2_DIR	"/tmp/rig_ext2"
int ext2_on_zram(void);

/*
 * path (under EXT2_DIR) of bytes, written by the rig past the page cache
 * (O_DIRECT) and synced: no page of it, and none of ext2's metadata (the
 * disk's own page cache, which outlives the file), is charged to the
 * cgroup that reads it later, which may then be freed. -1 (said).
 */
int ext2_file_write(const char *path, long bytes);

/* What a reader in a cgroup reads (cg_run(cg, ext2_file_read, &f)). */
struct ext2_file {
	const char *path;
	long bytes;
};

/* Reads f's file whole: its pages are the reader's cgroup's page cache. */
int ext2_file_read(void *f);

#endif
