/* SPDX-License-Identifier: MIT */
/*
 * connrate: TCP connection setup rate, for the packet-path benchmark of
 * bench/netns-lab.sh.
 *
 *   connrate listen ADDR PORT SECONDS    accept and close for SECONDS
 *   connrate connect ADDR PORT SECONDS   connect and close as fast as it can;
 *                                        prints "connections/s"
 *
 * The client closes with an RST (SO_LINGER 0) so that it never runs out of
 * local ports to TIME_WAIT; each connection is a full three-way handshake,
 * so every SYN crosses the gateway's ruleset once (replies ride on
 * conntrack).  Bounded: both ends stop after SECONDS.
 */
#define _DEFAULT_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int make_addr(const char *addr, const char *port, struct sockaddr_storage *ss,
		     socklen_t *len)
{
	long p = strtol(port, NULL, 10);
	if (p < 1 || p > 65535)
		return -1;
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((unsigned short)p);
		*len = sizeof(*a4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((unsigned short)p);
		*len = sizeof(*a6);
		return AF_INET6;
	}
	return -1;
}

static int do_listen(int family, const struct sockaddr_storage *ss, socklen_t len, double secs)
{
	int s = socket(family, SOCK_STREAM, 0);
	int one = 1;
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s, (const struct sockaddr *)ss, len) < 0 || listen(s, 4096) < 0) {
		perror("connrate: listen");
		return 1;
	}
	double end = now_s() + secs;
	while (now_s() < end) {
		struct pollfd pfd = { .fd = s, .events = POLLIN };
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		int c = accept(s, NULL, NULL);
		if (c >= 0)
			close(c);
	}
	close(s);
	return 0;
}

static int do_connect(int family, const struct sockaddr_storage *ss, socklen_t len, double secs)
{
	unsigned long ok = 0, failed = 0;
	double start = now_s(), end = start + secs;
	while (now_s() < end) {
		int c = socket(family, SOCK_STREAM, 0);
		if (c < 0) {
			perror("connrate: socket");
			return 1;
		}
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		struct timeval tv = { .tv_sec = 1, .tv_usec = 0 };
		setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(c, (const struct sockaddr *)ss, len) == 0)
			ok++;
		else
			failed++;
		close(c);
	}
	double el = now_s() - start;
	printf("%.0f connections/s (%lu in %.2f s, %lu failed)\n", (double)ok / el, ok, el, failed);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: connrate listen|connect ADDR PORT SECONDS\n");
		return 2;
	}
	struct sockaddr_storage ss;
	socklen_t len;
	int family = make_addr(argv[2], argv[3], &ss, &len);
	double secs = strtod(argv[4], NULL);
	if (family < 0 || !(secs > 0 && secs <= 600)) {
		fprintf(stderr, "connrate: bad address, port or duration\n");
		return 2;
	}
	if (strcmp(argv[1], "listen") == 0)
		return do_listen(family, &ss, len, secs);
	if (strcmp(argv[1], "connect") == 0)
		return do_connect(family, &ss, len, secs);
	fprintf(stderr, "usage: connrate listen|connect ADDR PORT SECONDS\n");
	return 2;
}
