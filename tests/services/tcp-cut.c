/* tests/services/tcp-cut.c - a TCP relay that cuts connections at random
 * points: each connection is dropped (both sides closed) after a random
 * number of bytes in [1, MAXBYTES] in either direction, until CUTS cuts
 * have been made; after that it relays faithfully.
 *   tcp-cut LISTEN_PORT UPSTREAM_PORT CUTS MAXBYTES SEED
 * Prints "cut N after B bytes" per cut on stdout. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static uint64_t seed;

static uint64_t
rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	long cuts, made = 0, maxb;
	int lfd, one = 1, up;

	if (argc != 6)
		return 2;
	cuts = atol(argv[3]);
	maxb = atol(argv[4]);
	seed = strtoull(argv[5], NULL, 0) | 1;
	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)atoi(argv[1]));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 8)) {
		perror("tcp-cut: bind");
		return 1;
	}
	up = atoi(argv[2]);
	fprintf(stderr, "tcp-cut: relaying\n");
	for (;;) {
		int c = accept(lfd, NULL, NULL), s;
		long budget = made < cuts ? 1 + (long)(rnd() % (uint64_t)maxb) :
			      -1, moved = 0;
		char buf[65536];

		if (c < 0)
			continue;
		s = socket(AF_INET, SOCK_STREAM, 0);
		a.sin_port = htons((uint16_t)up);
		if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
			close(c);
			close(s);
			continue;
		}
		for (;;) {
			struct pollfd p[2] = { { c, POLLIN, 0 }, { s, POLLIN, 0 } };
			ssize_t k;
			int from, to;

			if (poll(p, 2, -1) < 0 && errno != EINTR)
				break;
			from = (p[0].revents & (POLLIN | POLLHUP | POLLERR)) ?
			       c : (p[1].revents ? s : -1);
			if (from < 0)
				continue;
			to = from == c ? s : c;
			size_t want = sizeof(buf);

			if (budget >= 0 && (long)want > budget - moved)
				want = (size_t)(budget - moved);
			k = want > 0 ? read(from, buf, want) : 0;
			if (k <= 0)
				break;
			if (write(to, buf, (size_t)k) != k)
				break;
			moved += k;
			if (budget >= 0 && moved >= budget) {
				made++;
				printf("cut %ld after %ld bytes\n", made, moved);
				fflush(stdout);
				break;
			}
		}
		close(c);
		close(s);
	}
}
