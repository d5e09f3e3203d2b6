/* SPDX-License-Identifier: MIT */
/*
 * portspec apply: the wait for "yes".
 *
 * SIGINT, SIGTERM and SIGHUP are blocked from before the first change until
 * the end, so a signal during a load is only acted on once the load is over
 * (a half-loaded ruleset would be worse than either).  During the wait
 * pselect() unblocks them atomically: a signal that arrives at any point is
 * seen, either before the wait (pending) or as EINTR.  Job-control stops are
 * ignored: a stopped process would stop its own timeout, and a read from a
 * terminal it no longer owns then fails instead, which rolls back.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"

static const int held[] = {SIGINT, SIGTERM, SIGHUP};
static const int ignored[] = {SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE};
#define NHELD (sizeof(held) / sizeof(held[0]))
#define NIGNORED (sizeof(ignored) / sizeof(ignored[0]))

static volatile sig_atomic_t caught;
static sigset_t saved_mask;
static struct sigaction saved_held[NHELD], saved_ignored[NIGNORED];
static bool holding;

static void on_signal(int sig)
{
	caught = sig;
}

bool signals_hold(void)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < NHELD; i++)
		sigaddset(&set, held[i]);
	if (sigprocmask(SIG_BLOCK, &set, &saved_mask) != 0) {
		fprintf(stderr, "portspec apply: cannot block signals: %s\n", strerror(errno));
		return false;
	}
	struct sigaction sa = {0}, ign = {0};
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	ign.sa_handler = SIG_IGN;
	for (size_t i = 0; i < NHELD; i++)
		sigaction(held[i], &sa, &saved_held[i]);
	for (size_t i = 0; i < NIGNORED; i++)
		sigaction(ignored[i], &ign, &saved_ignored[i]);
	holding = true;
	return true;
}

bool signals_pending(void)
{
	sigset_t p;
	if (caught)
		return true;
	if (sigpending(&p) != 0)
		return false;
	for (size_t i = 0; i < NHELD; i++)
		if (sigismember(&p, held[i]) == 1) {
			caught = held[i];
			return true;
		}
	return false;
}

void signals_release(void)
{
	if (!holding)
		return;
	/* Pending signals are consumed by our handler, not the default action:
	 * the command has already acted on them. */
	sigset_t unblock;
	sigemptyset(&unblock);
	for (size_t i = 0; i < NHELD; i++)
		sigaddset(&unblock, held[i]);
	sigprocmask(SIG_UNBLOCK, &unblock, NULL);
	for (size_t i = 0; i < NHELD; i++)
		sigaction(held[i], &saved_held[i], NULL);
	for (size_t i = 0; i < NIGNORED; i++)
		sigaction(ignored[i], &saved_ignored[i], NULL);
	sigprocmask(SIG_SETMASK, &saved_mask, NULL);
	holding = false;
}

const char *confirm_signal_name(void)
{
	switch (caught) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP: return "SIGHUP";
	default: return "a signal";
	}
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "yes", with blanks around it and a '\r' from a raw terminal allowed. */
static bool is_yes(const char *line, size_t n)
{
	while (n && strchr(" \t\r", line[n - 1]))
		n--;
	while (n && strchr(" \t", *line)) {
		line++;
		n--;
	}
	return n == 3 && !memcmp(line, "yes", 3);
}

enum answer confirm_wait(int fd, unsigned timeout, const char *prompt)
{
	char line[64];
	size_t n = 0;
	bool overlong = false;
	long long deadline = now_ms() + (long long)timeout * 1000;
	sigset_t during = saved_mask;
	for (size_t i = 0; i < NHELD; i++)
		sigdelset(&during, held[i]);
	/* Only an answer typed after the new rules are in counts. */
	tcflush(fd, TCIFLUSH);
	fputs(prompt, stderr);
	fflush(stderr);
	for (;;) {
		if (signals_pending())
			return ANSWER_SIGNAL;
		long long left = deadline - now_ms();
		if (left <= 0)
			return ANSWER_TIMEOUT;
		struct timespec ts = {(time_t)(left / 1000), (long)(left % 1000) * 1000000};
		fd_set rfds;
		FD_ZERO(&rfds);
		FD_SET(fd, &rfds);
		int r = pselect(fd + 1, &rfds, NULL, NULL, &ts, &during);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return ANSWER_EOF;
		if (r == 0)
			continue;
		char c;
		ssize_t got = read(fd, &c, 1);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0)
			return ANSWER_EOF;
		if (c == '\n')
			return !overlong && is_yes(line, n) ? ANSWER_YES : ANSWER_NO;
		if (n < sizeof(line))
			line[n++] = c;
		else
			overlong = true;
	}
}
