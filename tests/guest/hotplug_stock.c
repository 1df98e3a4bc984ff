// SPDX-License-Identifier: GPL-2.0
/*
 * Pipes filled from C on CPU 1 (lib/pipes.h), whose stocks then hold C's
 * pre-charge; CPU 1 goes offline and must give it back, C is removed and
 * must be freed (an offline CPU's stock is out of offline's drain), and
 * the engine's steps follow. Twice: the second time on the CPU brought
 * back online.
 */
#include <unistd.h>

#include "lib/pipes.h"
#include "suite.h"

int test_hotplug_stock(void)
{
	struct outlive o = { .name = "rig_hotplug_stock" };
	int round;

	if (nr_cpus() < 2) {
		test_reason("%d CPU: none to take offline", nr_cpus());
		return KSFT_SKIP;
	}
	if (access("/sys/devices/system/cpu/cpu1/online", W_OK)) {
		ktap_fail("no-cpu-hotplug", "CPU 1 cannot go offline: no writable /sys/devices/system/cpu/cpu1/online (CONFIG_HOTPLUG_CPU)");
		return KSFT_FAIL;
	}
	pipes_with_pages(&o);
	o.offline_cpu = 1;
	for (round = 1; round <= 2; round++) {
		ktap_diag("round %d: CPU 1 %s", round,
			  round == 1 ? "as booted" : "brought back online");
		if (outlive_run(&o) != KSFT_PASS)
			return KSFT_FAIL;
	}
	return KSFT_PASS;
}
