// SPDX-License-Identifier: GPL-2.0
#include <time.h>

#include "poll.h"

static long slowest = -1;

long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

long poll_slowest_ms(void)
{
	return slowest;
}

int poll_settled(long start)
{
	long took = now_ms() - start;

	if (took > slowest)
		slowest = took;
	return 0;
}

int poll_quietly(bool (*done)(void *arg), void *arg, int timeout_ms)
{
	long start = now_ms();

	while (!done(arg)) {
		if (now_ms() > start + timeout_ms)
			return -1;
		sleep_ms(20);
	}
	return 0;
}

int poll_until(bool (*done)(void *arg), void *arg, int timeout_ms)
{
	long start = now_ms();

	if (poll_quietly(done, arg, timeout_ms))
		return -1;
	return poll_settled(start);
}
