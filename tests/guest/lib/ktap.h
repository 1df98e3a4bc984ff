/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KTAP output and kselftest exit codes, as tools/testing/selftests/
 * kselftest.h prints them. Every line is flushed at once: the console is
 * shared with the kernel log and the guest may die at any moment.
 */
#ifndef RIG_KTAP_H
#define RIG_KTAP_H

#include <stdarg.h>
#include <stdio.h>

#define __printf(a, b)	__attribute__((__format__(__printf__, a, b)))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

void ktap_header(int nr_tests);
void ktap_result(int nr, const char *name, int status, const char *reason);
__printf(1, 2) void ktap_diag(const char *fmt, ...);

/*
 * Diagnostics that say what was expected and what was measured, each
 * with its stable signature "<function>:<id>": tests/known-failures spares
 * a failure by that signature, never a whole test, so an id says what
 * failed and does not change with the message.
 */
#define ktap_fail(id, fmt, ...) \
	ktap_diag("FAIL %s:%s: " fmt, __func__, id, ##__VA_ARGS__)

/* A figure's name as an id: lower case, words joined by '-', no digits. */
const char *ktap_slug(const char *name);

#endif
