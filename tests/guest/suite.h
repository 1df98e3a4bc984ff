/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RIG_SUITE_H
#define RIG_SUITE_H

#include "lib/cg.h"
#include "lib/ktap.h"

/* A test returns KSFT_PASS, KSFT_FAIL or KSFT_SKIP. */
struct rig_test {
	const char *name;
	int (*fn)(void);
	/*
	 * Runs only when named in the list: the rig's checks of itself, and
	 * reproducers that may leave the kernel unfit for the tests after them.
	 */
	int on_request;
};

/* Says why a test skipped; the runner puts it on the test's KTAP line. */
__printf(1, 2) void test_reason(const char *fmt, ...);
#endif
