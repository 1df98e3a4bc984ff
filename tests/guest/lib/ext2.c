// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cg.h"
#include "ext2.h"
#include "ktap.h"

#define EXT2_SIZE	"16M"

/* mke2fs on dev, by busybox; 0 when it exited 0. */
static int mke2fs(const char *dev)
{
	int status;
	pid_t pid = fork();

	if (!pid) {
		execlp("mke2fs", "mke2fs", "-q", "-b", "4096", dev, (char *)NULL);
		_exit(127);
	}
	return pid < 0 || waitpid(pid, &status, 0) != pid ||
	       !WIFEXITED(status) || WEXITSTATUS(status);
}

/*
 * ext2 on a new zram disk at EXT2_DIR, once a boot (each test is a
 * process of its own: a mount already there is the earlier test's).
 */
int ext2_on_zram(void)
{
	char buf[32], blk[48], dev[32];
	struct stat st, up;
	int n;

	if (!stat(EXT2_DIR, &st) && !stat("/tmp", &up) && st.st_dev != up.st_dev)
		return 0;
	if (cg_read("/sys/class/zram-control", "hot_add", buf, sizeof(buf))) {
		ktap_fail("no-zram", "cannot add a zram disk (/sys/class/zram-control/hot_add: %m): CONFIG_ZRAM, which kernel-config/common.config asks for, is not working");
		return -1;
	}
	n = atoi(buf);
	snprintf(blk, sizeof(blk), "/sys/block/zram%d", n);
	snprintf(dev, sizeof(dev), "/dev/zram%d", n);
	if (cg_write(blk, "disksize", EXT2_SIZE) || mke2fs(dev) ||
	    (mkdir(EXT2_DIR, 0755) && errno != EEXIST) ||
	    mount(dev, EXT2_DIR, "ext2", 0, NULL)) {
		ktap_fail("no-ext2", "cannot make and mount ext2 on %s at %s: %m (CONFIG_EXT2_FS, busybox mke2fs)",
			  dev, EXT2_DIR);
		return -1;
	}
	return 0;
}

static char io_buf[65536] __attribute__((aligned(4096)));

int ext2_file_write(const char *path, long bytes)
{
	long done, chunk;
	int fd, err;

	if (ext2_on_zram())
		return -1;
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_DIRECT, 0600);
	if (fd < 0) {
		ktap_fail("file-write", "cannot create %s with O_DIRECT: %m", path);
		return -1;
	}
	memset(io_buf, 'f', sizeof(io_buf));
	for (done = 0; done < bytes; done += chunk) {
		chunk = bytes - done < (long)sizeof(io_buf) ?
			bytes - done : (long)sizeof(io_buf);
		if (write(fd, io_buf, chunk) != chunk)
			break;
	}
	err = done < bytes || fsync(fd) ? errno : 0;
	close(fd);
	if (err) {
		ktap_fail("file-write", "cannot write %s with O_DIRECT (%ld of %ld B) and sync it: %s",
			  path, done, bytes, strerror(err));
		return -1;
	}
	return 0;
}

int ext2_file_read(void *arg)
{
	const struct ext2_file *f = arg;
	long done = 0;
	ssize_t n;
	int fd = open(f->path, O_RDONLY);

	if (fd < 0)
		return 1;
	while ((n = read(fd, io_buf, sizeof(io_buf))) > 0)
		done += n;
	close(fd);
	return done != f->bytes;
}
