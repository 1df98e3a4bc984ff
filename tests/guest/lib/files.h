/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Empty tmpfs files, the workloads' most common kernel objects: each
 * costs its memcg one shmem inode and one dentry.
 */
#ifndef RIG_FILES_H
#define RIG_FILES_H

#include "outlive.h"

/* Where the file units live; cgroup-tools' worker makes them there too. */
#define FILES_DIR	"/tmp/rig_files"

/* dir/f<first> .. dir/f<first + n - 1>; -1 (and a diagnostic) on failure. */
int files_make(const char *dir, int first, int n);
void files_unlink(const char *dir, int first, int n);

/*
 * The outlive declaration of n empty tmpfs files in FILES_DIR: one unit
 * costs obj_full_size() of a shmem inode and of a dentry, in slab, kernel
 * and each cache's own slab_(un)reclaimable. -1 when SLUB does not show
 * their sizes.
 */
int files_outlive(struct outlive *o, const char *name, int n);

#endif
