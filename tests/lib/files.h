/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Empty tmpfs files, the workloads' most common kernel objects: each
 * costs its memcg one shmem inode and one dentry.
 */
#ifndef RIG_FILES_H
#define RIG_FILES_H

/* dir/f<first> .. dir/f<first + n - 1>; -1 (and a diagnostic) on failure. */
int files_make(const char *dir, int first, int n);
void files_unlink(const char *dir, int first, int n);

#endif
