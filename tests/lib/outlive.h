/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pattern every reparenting test shares: a worker in child C makes
 * kernel objects that outlive it; C is removed; the objects are freed
 * from outside. At each step the charge must be where it belongs.
 */
#ifndef RIG_OUTLIVE_H
#define RIG_OUTLIVE_H

struct outlive {
	const char *cg_name;	/* P, created under the root */
	const char *key;	/* the memory.stat counter that must move */
	int (*make)(void *arg);	/* runs in a worker in C, which then exits */
	void (*release)(void *arg);	/* runs outside, once C is gone */
	void *arg;
	long expected;		/* C's rise; 0 when only a lower bound is known */
	long at_least;		/* C's rise must be at least this */
	long tol;		/* on every comparison, with its reason at the caller */
};

int outlive_run(const struct outlive *o);

/* Pass a file descriptor to another process over a UNIX socket. */
int fd_send(int sock, int fd);
int fd_recv(int sock);

#endif
