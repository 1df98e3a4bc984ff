// SPDX-License-Identifier: GPL-2.0
/*
 * kmemcg-suite: the rig's tests as one table, each run in a child process
 * of its own so that a crash or a hang in one is reported and the others
 * still run. Usage: kmemcg-suite [--list | --check LIST | LIST]
 * (--make-files DIR FIRST N serves cgroup_tools_reparent; --read DIR FILE
 * [KEY] prints one figure as the tests read it, for the rig's checks)
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/era.h"
#include "lib/files.h"
#include "lib/wait.h"
#include "suite.h"
/* test_<name>() of every line of the table below: made by the Makefile */
#include "tests.h"

#define T(name) { #name, test_##name, 0 }
#define R(name) { #name, test_##name, 1 }
static const struct rig_test tests[] = {
	T(reparent_slab),
	T(reparent_slab_smp),
	T(reparent_chain),
	T(pipe_large_kmalloc),
	T(pipe_pages),
	T(thread_stacks),
	T(percpu),
	T(ipc_msg),
	T(posix_mqueue),
	T(tmpfs_xattr),
	T(reclaim_reparented),
	T(limit_max_reclaim),
	T(limit_high_reclaim),
	T(limit_stock_drain),
	T(drain_scope),
	T(reclaim_chain),
	T(numa_reclaim),
	T(pins),
	T(sock_reparent),
	T(offline_race),
	T(offline_race_sock),
	T(libcgroup_reparent),
	T(cgroup_tools_reparent),
	T(stress),
	T(cycle_leaks),
	T(release_remainders),
	T(slab_sysfs_names),
	T(slab_cache_churn),
	T(slab_memcg_cache_names),
	T(top_level_reparent),
	T(swap_reparent),
	T(swap_zswap_reparent),
	T(protection_min),
	T(protection_low),
	T(thp_deferred_split),
	T(task_pagetables),
	T(task_fdtable),
	T(hotplug_stock),
	R(hotplug_stock_drain),
	R(limit_stock_late_drain),
	R(offline_empty_stock),
	R(selftest_crash),
	R(selftest_hang),
	R(selftest_flaky),
};

#define NR_TESTS	((int)ARRAY_SIZE(tests))

/*
 * The tests whose units are not kmem charges: socket memory, the pins
 * (held dying memcgs), swapped tmpfs pages, huge pages, the rig's own
 * checks. Every other test looks at kmem, and on a kernel booted with
 * kmem accounting off (era_kmem_off()) is a declared skip
 * (tests/expected-skips).
 */
static const char *const kmem_free[] = {
	"pins", "sock_reparent", "offline_race_sock", "selftest_crash",
	"selftest_hang", "selftest_flaky", "swap_reparent", "thp_deferred_split",
};

static bool needs_kmem(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kmem_free); i++)
		if (!strcmp(kmem_free[i], name))
			return false;
	return true;
}
#define REASON_LEN	200

/* Shared with the test's child process, which fills it. */
static char *reason;

void test_reason(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, REASON_LEN, fmt, ap);
	va_end(ap);
}

static int selected(const char *list, const struct rig_test *t)
{
	size_t len = strlen(t->name);
	const char *name = t->name;
	const char *p;

	if (!list || !*list || !strcmp(list, "all"))
		return !t->on_request;
	for (p = list; p; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (!strncmp(p, name, len) && (p[len] == ',' || !p[len]))
			return 1;
	}
	return 0;
}

/* Every name in the list must be a test: a typo must not pass as "none". */
static int check_names(const char *list)
{
	char *copy, *name, *save;
	int i, bad = 0;

	if (!list || !*list || !strcmp(list, "all"))
		return 0;
	copy = strdup(list);
	for (name = strtok_r(copy, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NR_TESTS; i++)
			if (!strcmp(tests[i].name, name))
				break;
		if (i == NR_TESTS) {
			fprintf(stderr, "kmemcg-suite: unknown test '%s'\n",
				name);
			bad = 1;
		}
	}
	free(copy);
	return bad;
}

static int run_one(int nr, const struct rig_test *t, int timeout)
{
	long t0 = now_ms();
	int status, sig;
	pid_t pid;

	reason[0] = '\0';
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		ktap_result(nr, t->name, KSFT_FAIL, "fork failed");
		return KSFT_FAIL;
	}
	if (pid == 0) {
		/* A hung test is killed by the alarm, not waited on. */
		alarm(timeout);
		status = t->fn();
		if (poll_slowest_ms() >= 0)
			ktap_diag("slowest settle: %ld ms (a poll gives up at %d ms)",
				  poll_slowest_ms(), WAIT_MS);
		_exit(status);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status)) {
		sig = WTERMSIG(status);
		snprintf(reason, REASON_LEN, sig == SIGALRM ?
			 "timed out after %d s" : "crashed: signal %d (%s)",
			 sig == SIGALRM ? timeout : sig, strsignal(sig));
		status = KSFT_FAIL;
	} else {
		status = WEXITSTATUS(status);
	}
	if (status != KSFT_PASS && status != KSFT_SKIP)
		status = KSFT_FAIL;
	ktap_diag("duration: %ld ms", now_ms() - t0);
	ktap_result(nr, t->name, status, reason[0] ? reason : NULL);
	return status;
}

static int read_one(const char *dir, const char *file, const char *key)
{
	long v;

	if (cg_get(dir, file, key, &v))
		return KSFT_FAIL;
	printf("%ld\n", v);
	return KSFT_PASS;
}

int main(int argc, char **argv)
{
	const char *list = argc > 1 ? argv[1] : getenv("RIG_TESTS");
	const char *tmo = getenv("RIG_TEST_TIMEOUT");
	/* make sweep: one failure kills a mutant, the rest need not run */
	bool fast = getenv("RIG_FAIL_FAST") != NULL;
	int timeout = tmo ? atoi(tmo) : 120;
	int i, n = 0, failed = 0, kmem_off;

	if (list && !strcmp(list, "--check"))
		return check_names(argc > 2 ? argv[2] : NULL) ? 2 : 0;
	/* For cgexec in cgroup_tools_reparent: the files, made as the tests do. */
	if (list && !strcmp(list, "--make-files") && argc == 5)
		return files_make(argv[2], atoi(argv[3]), atoi(argv[4])) ? 1 : 0;
	/* One figure read as the tests read it: make check's read fixtures. */
	if (list && !strcmp(list, "--read") && (argc == 4 || argc == 5))
		return read_one(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	if (list && !strcmp(list, "--list")) {
		for (i = 0; i < NR_TESTS; i++)
			printf("%s\n", tests[i].name);
		return 0;
	}
	if (check_names(list))
		return 2;
	if (getenv("RIG_CGROUP_ROOT"))
		cg_mount = cg_root = getenv("RIG_CGROUP_ROOT");
	reason = mmap(NULL, REASON_LEN, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (reason == MAP_FAILED)
		return 1;

	for (i = 0; i < NR_TESTS; i++)
		n += selected(list, &tests[i]);
	ktap_header(n);
	if (cg_base()) {
		for (i = 0, n = 0; i < NR_TESTS; i++)
			if (selected(list, &tests[i]))
				ktap_result(++n, tests[i].name, KSFT_FAIL,
					    "the rig's cgroup " RIG_BASE " could not be made");
		return KSFT_FAIL;
	}
	if (cg_is_v2() ? era_probe() : era_per_memcg_caches() < 0)
		ktap_diag("the era probe failed: the tests that need it fail");
	kmem_off = era_kmem_off();
	n = 0;
	for (i = 0; i < NR_TESTS; i++) {
		if (!selected(list, &tests[i]))
			continue;
		if (failed && fast)
			ktap_result(++n, tests[i].name, KSFT_SKIP,
				    "not run: RIG_FAIL_FAST stops at the first failure");
		else if (kmem_off > 0 && needs_kmem(tests[i].name))
			ktap_result(++n, tests[i].name, KSFT_SKIP,
				    "kmem accounting off (cgroup.memory=nokmem): the kernel charges no kmem");
		else
			failed |= run_one(++n, &tests[i], timeout) == KSFT_FAIL;
	}
	return failed ? KSFT_FAIL : KSFT_PASS;
}
