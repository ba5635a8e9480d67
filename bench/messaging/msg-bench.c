/* bench/messaging/msg-bench.c - latency and throughput of the messaging
 * service on a running cluster, measured from one process that sends
 * through one node's VKE and receives as the receiving daemon(s).
 *   msg-bench CONFIG FROM (TO | all) COUNT [BUSY_POLL_US]
 * Prints: mode, latency p50/p99 (us, submit to delivery; for a
 * broadcast, to the last node), throughput (messages submitted/s). */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "services/messaging/messaging.h"

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

static void
die(struct lpd_error *err)
{
	fprintf(stderr, "msg-bench: %s\n", err->message);
	exit(1);
}

static struct msg_client *
open_node(const struct msg_config *conf, const struct msg_node_conf *n)
{
	struct msg_client *c;
	char *sock = msg_config_socket_path(conf, n);
	struct lpd_error *err = msg_client_open(sock, &c);

	lpd_free(sock);
	if (err != NULL)
		die(err);
	return c;
}

int
main(int argc, char **argv)
{
	struct msg_config *conf;
	struct msg_client *tx, *rx[64];
	const struct msg_node_conf *from, *to = NULL;
	struct lpd_error *err;
	struct msg_frame f;
	size_t nrx = 0;
	long count, busy;
	uint32_t refused = 0;
	double *lat, t0;
	uint16_t dst;
	long got = 0, want, got_r[64] = { 0 };

	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: msg-bench CONFIG FROM TO|all COUNT "
			"[BUSY_POLL_US]\n");
		return 2;
	}
	if ((err = msg_config_load(argv[1], &conf)) != NULL)
		die(err);
	from = msg_config_node(conf, argv[2]);
	if (strcmp(argv[3], "all") != 0)
		to = msg_config_node(conf, argv[3]);
	count = strtol(argv[4], NULL, 10);
	busy = argc == 6 ? strtol(argv[5], NULL, 10) : 0;
	if (from == NULL || (to == NULL && strcmp(argv[3], "all") != 0) ||
	    count <= 0 || conf->nnodes > 64)
		return 2;
	if (busy < 0 || busy > 100000)
		return 2;
	tx = open_node(conf, from);
	if ((err = msg_client_set_busy_poll(tx, (unsigned)busy)) != NULL)
		die(err);
	for (size_t i = 0; i < conf->nnodes; i++) {
		if (to != NULL && &conf->nodes[i] != to)
			continue;
		rx[nrx] = open_node(conf, &conf->nodes[i]);
		if ((err = msg_client_set_busy_poll(rx[nrx], (unsigned)busy)) !=
		    NULL)
			die(err);
		if ((err = msg_client_register(rx[nrx])) != NULL)
			die(err);
		nrx++;
	}
	dst = to != NULL ? to->id : MSG_NODE_ALL;
	lat = calloc((size_t)count, sizeof(*lat));

	/* Latency: one message at a time, until every receiver has it. */
	for (long i = 0; i < count; i++) {
		char payload[64];
		int n = snprintf(payload, sizeof(payload), "lat-%ld", i);

		t0 = now_us();
		/* Each mode as a daemon would use it: sleeping, the plain
		 * send (it waits for the VKE's answer, then the delivery
		 * is waited for); busy polling, the ring, where nothing
		 * waits for an answer. Measured: the plain send is the
		 * faster of the two in the sleeping mode here. */
		if (busy > 0)
			err = msg_client_send_nowait(tx, dst, MSG_SUB_USER, 1,
						     payload, (size_t)n);
		else
			err = msg_client_send(tx, dst, MSG_SUB_USER, 1,
					      payload, (size_t)n, NULL);
		if (err != NULL)
			die(err);
		for (size_t r = 0; r < nrx; r++) {
			if ((err = msg_client_recv(rx[r], 5000, &f)) != NULL)
				die(err);
		}
		lat[i] = now_us() - t0;
	}
	qsort(lat, (size_t)count, sizeof(*lat), cmp_double);

	/* Throughput: pipelined submits (up to MSG_CLIENT_WINDOW
	 * unanswered), receivers drained as we go. */
	want = count * (long)nrx;
	t0 = now_us();
	for (long i = 0; i < count || got < want;) {
		if (i < count) {
			if ((err = msg_client_send_nowait(tx, dst,
							  MSG_SUB_USER, 2,
							  "tput", 4)) != NULL)
				die(err);
			if (i + 1 == count &&
			    (err = msg_client_flush(tx, 5000, &refused)) !=
			    NULL)
				die(err);
			i++;
		}
		for (size_t r = 0; r < nrx; r++) {
			/* Once all is sent, wait only where some is due. */
			int wait = i < count || got_r[r] == count ? 0 : 5000;

			while (got_r[r] < count &&
			       (err = msg_client_recv(rx[r], wait, &f)) ==
			       NULL) {
				got++;
				got_r[r]++;
				wait = 0;
			}
			if (got_r[r] == count)
				continue;
			if (err != &lpd_not_found)
				die(err);
		}
	}
	if (refused != 0) {
		fprintf(stderr, "msg-bench: %u submits refused\n", refused);
		return 1;
	}
	printf("%s%s p50_us %.1f p99_us %.1f msgs_per_s %.0f deliveries_per_s "
	       "%.0f\n", to != NULL ? "unicast" : "broadcast", busy ? "-bp" : "",
	       lat[count / 2], lat[count * 99 / 100],
	       count / ((now_us() - t0) / 1e6), want / ((now_us() - t0) / 1e6));
	for (size_t r = 0; r < nrx; r++)
		msg_client_destroy(rx[r]);
	msg_client_destroy(tx);
	msg_config_destroy(conf);
	free(lat);
	return 0;
}
