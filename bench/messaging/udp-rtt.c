/* bench/messaging/udp-rtt.c - the floor: raw UDP on loopback between two
 * processes, one echoing. Latency is the round trip halved (one way);
 * throughput is pipelined datagrams echoed per second.
 * With BUSY_POLL_US, both ends poll for that long (yielding the CPU
 * between tries, as the service's busy polling does) before they sleep:
 * the floor for the service's busy-polling mode.
 *   udp-rtt COUNT [BUSY_POLL_US] */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static long busy_us;

/* recv(), busy-polling first when asked to. */
static ssize_t
recv_wait(int fd, char *buf, size_t len)
{
	double until = now_us() + (double)busy_us;
	ssize_t n;

	while (busy_us > 0) {
		n = recv(fd, buf, len, MSG_DONTWAIT);
		if (n >= 0 || errno != EAGAIN)
			return n;
		if (now_us() >= until)
			break;
		sched_yield();
	}
	return recv(fd, buf, len, 0);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET }, b = a;
	socklen_t len = sizeof(a);
	long count = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;

	busy_us = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
	int sa = socket(AF_INET, SOCK_DGRAM, 0), sb = socket(AF_INET, SOCK_DGRAM, 0);
	char buf[64] = "ping";
	double *lat = calloc((size_t)count, sizeof(*lat)), t0;
	long got = 0;
	pid_t pid;

	a.sin_addr.s_addr = b.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(sa, (struct sockaddr *)&a, sizeof(a));
	bind(sb, (struct sockaddr *)&b, sizeof(b));
	getsockname(sa, (struct sockaddr *)&a, &len);
	len = sizeof(b);
	getsockname(sb, (struct sockaddr *)&b, &len);
	pid = fork();
	if (pid == 0) {		/* the echo */
		for (;;) {
			ssize_t n = recv_wait(sb, buf, sizeof(buf));

			if (n > 0)
				sendto(sb, buf, (size_t)n, 0,
				       (struct sockaddr *)&a, sizeof(a));
		}
	}
	for (long i = 0; i < count; i++) {
		t0 = now_us();
		sendto(sa, buf, 40, 0, (struct sockaddr *)&b, sizeof(b));
		recv_wait(sa, buf, sizeof(buf));
		lat[i] = (now_us() - t0) / 2;
	}
	qsort(lat, (size_t)count, sizeof(*lat), cmp_double);
	/* Pipelined, a window of 64 in flight. */
	t0 = now_us();
	for (long sent = 0; got < count;) {
		while (sent < count && sent - got < 64) {
			sendto(sa, buf, 40, 0, (struct sockaddr *)&b, sizeof(b));
			sent++;
		}
		struct pollfd p = { .fd = sa, .events = POLLIN };

		if (poll(&p, 1, 200) <= 0)
			got = sent;	/* a lost datagram: count it, go on */
		else if (recv(sa, buf, sizeof(buf), 0) > 0)
			got++;
	}
	printf("udp%s p50_us %.1f p99_us %.1f msgs_per_s %.0f\n",
	       busy_us > 0 ? "-bp" : "", lat[count / 2], lat[count * 99 / 100],
	       count / ((now_us() - t0) / 1e6));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	free(lat);
	return 0;
}
