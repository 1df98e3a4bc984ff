// SPDX-License-Identifier: GPL-2.0
/*
 * The rig's guest init, after the WireGuard QEMU harness's: mount what
 * the suite reads, say what kernel and machine this is, run the suite,
 * hand its status to the host on a channel of its own and power off.
 *
 * Knobs come from the kernel command line, which passes NAME=value
 * words to init as environment: RIG_TESTS, RIG_CGROUP (v2 or v1),
 * RIG_SUITES (rig, kselftest or both, comma-separated), RIG_SHELL=1 for an interactive shell instead of the suite, RIG_PROBE=1
 * to power off as soon as init runs (the KVM probe).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define SUITE		"/bin/kmemcg-suite"
#define KSELFTEST	"/bin/kselftest-cgroup/run"
#define CGROUP_ROOT	"/sys/fs/cgroup"
/*
 * QEMU's isa-debug-exit: a write of v makes QEMU exit with (v << 1) | 1.
 * The status travels as 0x40 | status, so that no status looks like
 * QEMU's own exit codes 0 and 1 (see tests/pipeline/arch/x86_64.sh).
 */
#define DEBUG_EXIT_PORT	0xf4
#define DEBUG_EXIT_BASE	0x40
#define DEBUG_EXIT_MAX	0x3f

static void say(const char *fmt, const char *arg)
{
	printf("rig: ");
	printf(fmt, arg);
	putchar('\n');
	fflush(stdout);
}

static void must_mount(const char *src, const char *dst, const char *type,
		       const char *opts)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, 0, opts) && errno != EBUSY)
		printf("rig: mount %s on %s failed: %s\n", type, dst,
		       strerror(errno));
}

static void write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, val, strlen(val)) < 0)
		printf("rig: cannot write '%s' to %s: %s\n", val, path,
		       strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void mount_all(const char *hierarchy)
{
	must_mount("proc", "/proc", "proc", NULL);
	must_mount("sysfs", "/sys", "sysfs", NULL);
	must_mount("devtmpfs", "/dev", "devtmpfs", NULL);
	must_mount("tmpfs", "/tmp", "tmpfs", NULL);
	if (!strcmp(hierarchy, "v1")) {
		must_mount("tmpfs", CGROUP_ROOT, "tmpfs", NULL);
		must_mount("memory", CGROUP_ROOT "/memory", "cgroup",
			   "memory");
		setenv("RIG_CGROUP_ROOT", CGROUP_ROOT "/memory", 1);
	} else {
		/* nsdelegate, as systemd mounts it: test_core needs it. */
		must_mount("cgroup2", CGROUP_ROOT, "cgroup2", "nsdelegate");
		write_file(CGROUP_ROOT "/cgroup.subtree_control", "+memory");
		setenv("RIG_CGROUP_ROOT", CGROUP_ROOT, 1);
	}
}

/*
 * The loopback device up (it then has 127.0.0.1 and ::1): TCP tests and
 * upstream's test_memcg_sock talk over it. A kernel without INET says so.
 */
static void loopback_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0) {
		say("no loopback: %s", strerror(errno));
		return;
	}
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) == 0) {
			close(fd);
			return;
		}
	}
	say("cannot bring lo up: %s", strerror(errno));
	close(fd);
}

/* Nodes with a sysfs directory: online ones. A kernel without NUMA has 1. */
static int nr_nodes(void)
{
	char path[64];
	int n;

	for (n = 0; n < 1024; n++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", n);
		if (access(path, F_OK))
			break;
	}
	return n ? n : 1;
}

static void describe(const char *hierarchy)
{
	struct utsname u;
	char buf[64];

	uname(&u);
	say("kernel %s", u.release);
	say("machine %s", u.machine);
	/* The rig's arch name: UML alone has /proc/exitcode. */
	say("arch %s", access("/proc/exitcode", F_OK) ? u.machine : "um");
	snprintf(buf, sizeof(buf), "%ld", sysconf(_SC_NPROCESSORS_ONLN));
	say("cpus %s", buf);
	snprintf(buf, sizeof(buf), "%d", nr_nodes());
	say("nodes %s", buf);
	snprintf(buf, sizeof(buf), "%ld", sysconf(_SC_PAGESIZE));
	say("page size %s", buf);
	say("cgroup %s", hierarchy);
}

static int run(char *const argv[])
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		printf("rig: cannot execute %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 127;
	if (WIFSIGNALED(status)) {
		printf("rig: %s killed by signal %d\n", argv[0],
		       WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

#define KMEMLEAK	"/sys/kernel/debug/kmemleak"

/*
 * With DEBUG=1 kernels: what boot leaked is not the suite's, so the
 * list is cleared before the suite. kmemleak reports an object only once
 * it is older than 5 s and unchanged since the scan before (its
 * checksum), so one scan right after the suite reports almost nothing:
 * scan, wait past that age, scan again. Reports go to the console, where
 * the kernel-log scan fails the run on them.
 */
#define KMEMLEAK_AGE_S	6
static int kmemleak_on(void)
{
	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	return !access(KMEMLEAK, W_OK);
}

static void kmemleak_clear(void)
{
	if (kmemleak_on())
		write_file(KMEMLEAK, "clear");
}

static void kmemleak_scan(void)
{
	char *const cat[] = { "/bin/cat", KMEMLEAK, NULL };

	if (!kmemleak_on())
		return;
	write_file(KMEMLEAK, "scan");
	sleep(KMEMLEAK_AGE_S);
	write_file(KMEMLEAK, "scan");
	run(cat);
}

/* The console's loglevel: records at it or above never reach the console. */
static int console_level(void)
{
	FILE *f = fopen("/proc/sys/kernel/printk", "r");
	int level = 7;

	if (f) {
		if (fscanf(f, "%d", &level) != 1)
			level = 7;
		fclose(f);
	}
	return level;
}

/*
 * The kernel log in full: each record the console did not show (its
 * level at or above the console's), printed "kmsg: <text>" for the
 * host's kernel-log scan, which otherwise sees only the console.
 */
static void kmsg_rest(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	int shown = console_level();
	char rec[2048], *text, *end;
	ssize_t n;

	if (fd < 0) {
		say("cannot read /dev/kmsg: %s", strerror(errno));
		return;
	}
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* records overwritten: go on */
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		text = strchr(rec, ';');
		if (!text || (atoi(rec) & 7) < shown)
			continue;
		end = strchr(++text, '\n');
		if (end)
			*end = '\0';
		printf("kmsg: %s\n", text);
	}
	fflush(stdout);
	close(fd);
}

static void power_off(int status)
{
	char buf[16];

	printf("rig: status %d\n", status);
	fflush(stdout);
	sync();
	if (!access("/proc/exitcode", W_OK)) {
		/*
		 * UML exits with this code when it halts. The newline ends the
		 * number for kernels that parse it unterminated (5.4).
		 */
		snprintf(buf, sizeof(buf), "%d\n", status);
		write_file("/proc/exitcode", buf);
		reboot(RB_POWER_OFF);
	}
	/*
	 * QEMU exits the moment the status is written: let the serial
	 * console send what it holds first, or the last lines (a test's
	 * verdict, this status) are lost.
	 */
	tcdrain(STDOUT_FILENO);
	if (status > DEBUG_EXIT_MAX)
		status = DEBUG_EXIT_MAX;
	if (!ioperm(DEBUG_EXIT_PORT, 4, 1))
		outl(DEBUG_EXIT_BASE | status, DEBUG_EXIT_PORT);
	/* No exit device: QEMU runs with -no-reboot, so reboot stops it. */
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

static int wants(const char *suites, const char *suite)
{
	size_t n = strlen(suite);
	const char *p;

	for (p = suites; (p = strstr(p, suite)); p += n)
		if ((p == suites || p[-1] == ',') && (!p[n] || p[n] == ','))
			return 1;
	return 0;
}

/*
 * The rig's suite gives the status; the kselftest suite's verdicts are
 * the host's to judge (it knows the known failures), so its runner's
 * status only says whether it could run at all, and the host reads that
 * from the console.
 */
static int run_suites(const char *suites)
{
	char *const suite[] = { SUITE, NULL };
	char *const kselftest[] = { KSELFTEST, NULL };
	int status = 0;

	say("suites %s", suites);
	if (wants(suites, "rig"))
		status = run(suite);
	if (wants(suites, "kselftest"))
		run(kselftest);
	return status;
}

int main(void)
{
	const char *hierarchy = getenv("RIG_CGROUP");
	const char *suites = getenv("RIG_SUITES");
	char *const shell[] = { "/bin/sh", NULL };
	int status;

	if (!hierarchy)
		hierarchy = "v2";
	if (!suites)
		suites = "rig";
	setenv("PATH", "/bin:/sbin:/usr/bin:/usr/sbin", 1);
	setenv("HOME", "/", 1);
	mount_all(hierarchy);
	loopback_up();
	describe(hierarchy);
	if (getenv("RIG_PROBE"))
		power_off(0);
	if (getenv("RIG_SHELL")) {
		say("%s", "interactive shell; exit it to power off");
		status = run(shell);
	} else {
		kmemleak_clear();
		status = run_suites(suites);
	}
	kmemleak_scan();
	kmsg_rest();
	power_off(status);
	return 0;
}
