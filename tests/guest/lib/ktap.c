// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <stdio.h>

#include "ktap.h"

void ktap_header(int nr_tests)
{
	printf("KTAP version 1\n1..%d\n", nr_tests);
	fflush(stdout);
}

void ktap_result(int nr, const char *name, int status, const char *reason)
{
	switch (status) {
	case KSFT_PASS:
		printf("ok %d %s\n", nr, name);
		break;
	case KSFT_SKIP:
		printf("ok %d %s # SKIP %s\n", nr, name, reason ? reason : "");
		break;
	default:
		printf("not ok %d %s%s%s\n", nr, name, reason ? " # " : "",
		       reason ? reason : "");
		break;
	}
	fflush(stdout);
}

void ktap_diag(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("# %s\n", line);
	fflush(stdout);
}

const char *ktap_slug(const char *name)
{
	static char id[128];
	size_t n = 0;
	int dash = 0;

	/* digits go: a count in a figure's name must not change its id */
	for (; *name && n < sizeof(id) - 2; name++) {
		if (isalpha((unsigned char)*name)) {
			if (dash && n)
				id[n++] = '-';
			id[n++] = tolower((unsigned char)*name);
			dash = 0;
		} else if (!isdigit((unsigned char)*name)) {
			dash = 1;
		}
	}
	id[n] = '\0';
	return id;
}
