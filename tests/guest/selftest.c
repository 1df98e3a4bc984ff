// SPDX-License-Identifier: GPL-2.0
/*
 * The rig's own checks, not kernel tests: make check runs them to see the
 * host side handle a test that crashes, one that hangs and one that is
 * flaky; make test never selects them.
 */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "suite.h"

int test_selftest_crash(void)
{
	raise(SIGSEGV);
	return KSFT_PASS;
}

int test_selftest_hang(void)
{
	for (;;)
		pause();
	return KSFT_PASS;
}

/* Fails on the first attempt only: the rig passes RIG_ATTEMPT on reruns. */
int test_selftest_flaky(void)
{
	const char *attempt = getenv("RIG_ATTEMPT");

	if (!attempt || atoi(attempt) < 2) {
		ktap_fail("on-purpose", "first attempt: failing on purpose");
		return KSFT_FAIL;
	}
	return KSFT_PASS;
}
