/* tests/services/msg-fuzz.c - throws malformed input at a VKE: random,
 * truncated and corrupted datagrams (lying lengths, resealed or not, from
 * a port no node owns) at its UDP port, and malformed requests and
 * messages at its Unix socket. Every one must be refused; prints how many
 * were sent so the caller can compare with the VKE's drop counters.
 *   msg-fuzz --udp PORT --socket PATH [--count N] [--seed S]
 *   msg-fuzz --socket PATH --submit-sublen N   (one message whose
 *            sub-header length is N: the subhdr-len fault's trigger)
 *   msg-fuzz --socket PATH --ring N [--seed S]  (asks for a ring, puts N
 *            hostile slots in it, then lies about its index: prints
 *            "ring N sealed yes|no closed yes|no refused R")
 *   msg-fuzz --socket PATH --deliver-ring   (registers as the receiver
 *            with a ring whose index lies; see fuzz_deliver_ring) */
#include <arpa/inet.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "services/messaging/messaging.h"
#include "services/messaging/ring-int.h"

struct fuzz {
	uint64_t rng;
	uint16_t node;		/* a real node id to impersonate */
};

static uint32_t
fuzz_rand(struct fuzz *z)
{
	z->rng ^= z->rng << 13;
	z->rng ^= z->rng >> 7;
	z->rng ^= z->rng << 17;
	return (uint32_t)(z->rng >> 16);
}

static size_t
valid_frame(struct fuzz *z, uint8_t *buf, bool submit)
{
	uint8_t payload[256];
	struct msg_frame f;
	size_t n, plen = fuzz_rand(z) % sizeof(payload);
	struct lpd_error *err;

	for (size_t i = 0; i < plen; i++)
		payload[i] = (uint8_t)fuzz_rand(z);
	memset(&f, 0, sizeof(f));
	f.hdr.type = (fuzz_rand(z) % 4 == 0) ? MSG_T_ACK : MSG_T_DATA;
	if (submit)
		f.hdr.type = MSG_T_DATA;
	f.hdr.src = submit ? 0 : z->node;
	f.hdr.dst = (uint16_t)(1 + fuzz_rand(z) % 4);
	if (f.hdr.type == MSG_T_DATA && fuzz_rand(z) % 3 == 0) {
		f.hdr.flags = MSG_F_BROADCAST;
		f.hdr.dst = MSG_NODE_ALL;
	}
	f.hdr.src_inc = fuzz_rand(z) | 1;
	f.hdr.dst_inc = fuzz_rand(z);
	f.hdr.seq = submit ? 0 : fuzz_rand(z) % 8;
	f.sub.subsystem = MSG_SUB_USER;
	f.payload = payload;
	f.payload_len = plen;
	err = msg_wire_build(&f, buf, MSG_MAX_FRAME, &n);
	if (err != NULL) {
		lpd_error_destroy(err);
		return 0;
	}
	return n;
}

/* One malformed message of one of several kinds; returns its size. */
static size_t
bad_frame(struct fuzz *z, uint8_t *buf, size_t cap, bool submit)
{
	size_t n = valid_frame(z, buf, submit);
	uint32_t kind = fuzz_rand(z) % 7;

	switch (kind) {
	case 0:		/* noise */
		n = fuzz_rand(z) % 200;
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)fuzz_rand(z);
		break;
	case 1:		/* truncated */
		n = fuzz_rand(z) % n;
		break;
	case 2: {	/* length field lies, checksum resealed */
		uint32_t lie = fuzz_rand(z) % 3 == 0 ? fuzz_rand(z)
			       : (uint32_t)(n - MSG_HDR_SIZE) +
				 (fuzz_rand(z) % 2 ? 1 : (uint32_t)-1);

		buf[24] = (uint8_t)(lie >> 24);
		buf[25] = (uint8_t)(lie >> 16);
		buf[26] = (uint8_t)(lie >> 8);
		buf[27] = (uint8_t)lie;
		msg_wire_reseal(buf, n);
		break;
	}
	case 3:		/* sub-header length lies, resealed */
		if (n >= MSG_HDR_SIZE + MSG_SUB_SIZE && buf[6] == MSG_T_DATA) {
			buf[38] = (uint8_t)fuzz_rand(z);
			buf[39] = (uint8_t)fuzz_rand(z);
			msg_wire_reseal(buf, n);
		} else {
			buf[0] ^= 0xff;
		}
		break;
	case 4:		/* one random byte, resealed half the time */
		buf[fuzz_rand(z) % n] ^= (uint8_t)(1 + fuzz_rand(z) % 255);
		if (fuzz_rand(z) % 2)
			msg_wire_reseal(buf, n);
		break;
	case 5:		/* oversized */
		n = MSG_MAX_FRAME + 1 + fuzz_rand(z) % 1000;
		if (n > cap)
			n = cap;
		break;
	case 6:		/* well formed: from the wrong port, or (submit)
			 * carrying a sequence the daemon may not set */
		if (submit) {
			buf[23] = 5;
			msg_wire_reseal(buf, n);
		}
		break;
	}
	if (submit) {
		/* A submitted message that happens to be valid would be
		 * delivered; make sure it is not. */
		struct msg_frame f;
		enum msg_drop why;
		struct lpd_error *err = msg_wire_parse(buf, n, "fuzz", 0, &why,
						       &f);

		if (err == NULL && f.hdr.seq == 0 && f.hdr.src == 0 &&
		    f.sub.subsystem == MSG_SUB_USER)
			buf[0] ^= 0x5a;
		lpd_error_destroy(err);
	}
	return n;
}

static int
fuzz_udp(struct fuzz *z, uint16_t port, long count)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	static uint8_t buf[MSG_MAX_FRAME + 2048];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	long sent = 0;

	to.sin_port = htons(port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0) {
		perror("msg-fuzz: socket");
		return -1;
	}
	for (long i = 0; i < count; i++) {
		size_t n = bad_frame(z, buf, sizeof(buf), false);

		if (sendto(fd, buf, n, 0, (struct sockaddr *)&to,
			   sizeof(to)) >= 0)
			sent++;
		/* Paced so the VKE's socket queue never overflows: every
		 * datagram must reach it to be counted. */
		if (i % 32 == 31)
			usleep(1000);
	}
	close(fd);
	printf("udp %ld\n", sent);
	return 0;
}

static int
unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror(path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void
put_req(uint8_t *h, uint32_t magic, uint16_t op, uint16_t zero, uint32_t len)
{
	h[0] = (uint8_t)(magic >> 24);
	h[1] = (uint8_t)(magic >> 16);
	h[2] = (uint8_t)(magic >> 8);
	h[3] = (uint8_t)magic;
	h[4] = (uint8_t)(op >> 8);
	h[5] = (uint8_t)op;
	h[6] = (uint8_t)(zero >> 8);
	h[7] = (uint8_t)zero;
	h[8] = (uint8_t)(len >> 24);
	h[9] = (uint8_t)(len >> 16);
	h[10] = (uint8_t)(len >> 8);
	h[11] = (uint8_t)len;
}

/* Returns the reply's status, or -1 when the VKE did not answer. */
static int
request(int fd, const uint8_t *req, size_t n)
{
	uint8_t rep[512];
	ssize_t r;

	if (send(fd, req, n, MSG_NOSIGNAL) < 0)
		return -1;
	r = recv(fd, rep, sizeof(rep), 0);
	if (r < MSG_REQ_HDR)
		return -1;
	return rep[6] << 8 | rep[7];
}

static int
fuzz_unix(struct fuzz *z, const char *path, long count)
{
	static uint8_t req[MSG_REQ_MAX + 4096];
	int fd = unix_connect(path);
	long sent = 0, accepted = 0;

	if (fd < 0)
		return -1;
	for (long i = 0; i < count; i++) {
		uint32_t kind = fuzz_rand(z) % 5;
		size_t n, body;
		int st;

		switch (kind) {
		case 0:		/* noise; not empty: on SOCK_SEQPACKET an
				 * empty message reads as end of file */
			n = 1 + fuzz_rand(z) % 63;
			for (size_t k = 0; k < n; k++)
				req[k] = (uint8_t)fuzz_rand(z);
			break;
		case 1:		/* a header whose length lies */
			body = bad_frame(z, req + MSG_REQ_HDR,
					 sizeof(req) - MSG_REQ_HDR, true);
			put_req(req, MSG_REQ_MAGIC, MSG_OP_SUBMIT, 0,
				(uint32_t)body + 1 + fuzz_rand(z) % 100);
			n = MSG_REQ_HDR + body;
			break;
		case 2:		/* unknown op, or a body where none goes */
			put_req(req, MSG_REQ_MAGIC,
				(uint16_t)(fuzz_rand(z) % 2 ? 9 : MSG_OP_STATUS),
				0, 4);
			n = MSG_REQ_HDR + 4;
			break;
		case 3:		/* oversized */
			n = MSG_REQ_MAX + 1 + fuzz_rand(z) % 4000;
			put_req(req, MSG_REQ_MAGIC, MSG_OP_SUBMIT, 0,
				(uint32_t)(n - MSG_REQ_HDR));
			break;
		default:	/* well-framed submit of a bad message */
			body = bad_frame(z, req + MSG_REQ_HDR,
					 sizeof(req) - MSG_REQ_HDR, true);
			put_req(req, MSG_REQ_MAGIC, MSG_OP_SUBMIT, 0,
				(uint32_t)body);
			n = MSG_REQ_HDR + body;
			break;
		}
		st = request(fd, req, n);
		if (st < 0) {
			/* The VKE must answer every request, even bad ones. */
			fprintf(stderr, "msg-fuzz: no reply to request %ld "
				"(kind %u)\n", i, kind);
			close(fd);
			return -1;
		}
		sent++;
		if (st == 0) {
			accepted++;
			fprintf(stderr, "msg-fuzz: bad request %ld (kind %u) "
				"accepted\n", i, kind);
		}
	}
	close(fd);
	printf("unix %ld\n", sent);
	return accepted == 0 ? 0 : -1;
}

static int
submit_sublen(const char *path, unsigned sublen)
{
	uint8_t req[MSG_REQ_HDR + MSG_MAX_FRAME];
	struct msg_frame f;
	size_t n;
	int fd, st;

	memset(&f, 0, sizeof(f));
	f.hdr.type = MSG_T_DATA;
	f.hdr.flags = MSG_F_BROADCAST;
	f.hdr.dst = MSG_NODE_ALL;
	f.sub.subsystem = MSG_SUB_USER;
	f.payload = (const uint8_t *)"payload";
	f.payload_len = 7;
	if (msg_wire_build(&f, req + MSG_REQ_HDR, MSG_MAX_FRAME, &n) != NULL)
		return -1;
	req[MSG_REQ_HDR + 38] = (uint8_t)(sublen >> 8);
	req[MSG_REQ_HDR + 39] = (uint8_t)sublen;
	msg_wire_reseal(req + MSG_REQ_HDR, n);
	put_req(req, MSG_REQ_MAGIC, MSG_OP_SUBMIT, 0, (uint32_t)n);
	if ((fd = unix_connect(path)) < 0)
		return -1;
	st = request(fd, req, MSG_REQ_HDR + n);
	close(fd);
	printf("submit status %d\n", st);
	return 0;
}

/* The memfd a RING reply carries, or -1. */
static int
ring_request(int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	uint8_t req[MSG_REQ_HDR], rep[64];
	struct iovec iov = { rep, sizeof(rep) };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cm;
	int mfd = -1;

	put_req(req, MSG_REQ_MAGIC, MSG_OP_RING, 0, 0);
	if (send(fd, req, sizeof(req), MSG_NOSIGNAL) < 0 ||
	    recvmsg(fd, &m, 0) < MSG_REQ_HDR || (rep[6] | rep[7]) != 0)
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	if (cm != NULL && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&mfd, CMSG_DATA(cm), sizeof(int));
	return mfd;
}

/* Wait (up to 5 s) until the VKE has taken every slot we put. */
static bool
ring_drained(struct msg_ring_end *e)
{
	for (int t = 0; t < 5000; t++) {
		if (msg_ring_drained(e))
			return true;
		usleep(1000);
	}
	return false;
}

static int
fuzz_ring(struct fuzz *z, const char *path, long count)
{
	static uint8_t frame[MSG_MAX_FRAME + 1000];
	struct msg_ring_area *a;
	struct msg_ring_end e;
	struct msg_ring_slot *s;
	uint8_t bell[MSG_REQ_HDR];
	int fd = unix_connect(path), mfd;
	bool sealed, closed = false;
	struct pollfd p;

	if (fd < 0 || (mfd = ring_request(fd)) < 0) {
		fprintf(stderr, "msg-fuzz: no ring from the VKE\n");
		return -1;
	}
	sealed = ftruncate(mfd, 0) < 0 && ftruncate(mfd, 1 << 24) < 0;
	a = mmap(NULL, sizeof(*a), PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	close(mfd);
	if (a == MAP_FAILED)
		return -1;
	e = (struct msg_ring_end){ &a->submit, 0 };
	put_req(bell, MSG_REQ_MAGIC, MSG_OP_DOORBELL, 0, 0);
	for (long i = 0; i < count; i++) {
		size_t n = 0;

		if (i % 32 == 0 && !ring_drained(&e)) {
			fprintf(stderr, "msg-fuzz: the VKE stopped taking "
				"slots at %ld\n", i);
			return -1;
		}
		s = &a->submit.slot[e.idx % MSG_RING_SLOTS];
		switch (fuzz_rand(z) % 4) {
		case 0:		/* a length past the slot */
			s->len = MSG_RING_DATA + 1 + fuzz_rand(z) % 100000;
			s->flags = 0;
			break;
		case 1:		/* flags nobody defined */
			s->len = 40;
			s->flags = 2 + fuzz_rand(z) % 1000;
			break;
		case 2:		/* "on the socket", from the daemon */
			s->len = 0;
			s->flags = MSG_RING_ON_SOCKET;
			break;
		default:	/* a bad message that fits */
			n = bad_frame(z, frame, sizeof(frame), true);
			if (n > MSG_RING_DATA)
				n = MSG_RING_DATA;
			if (n == 0)
				frame[n++] = 0xff;
			memcpy(s->data, frame, n);
			s->len = (uint32_t)n;
			s->flags = 0;
			break;
		}
		e.idx++;
		atomic_store_explicit(&a->submit.ctl.tail, e.idx,
				      memory_order_release);
		if (msg_ring_take_doorbell(&e) &&
		    send(fd, bell, sizeof(bell), MSG_NOSIGNAL) < 0)
			return -1;
	}
	if (!ring_drained(&e)) {
		fprintf(stderr, "msg-fuzz: the VKE left slots untaken\n");
		return -1;
	}
	/* Last, an index that cannot be: the VKE must hang up on us. */
	atomic_store_explicit(&a->submit.ctl.tail,
			      e.idx + MSG_RING_SLOTS + 5, memory_order_release);
	send(fd, bell, sizeof(bell), MSG_NOSIGNAL);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	for (int t = 0; t < 50 && !closed; t++) {
		uint8_t b[64];

		if (poll(&p, 1, 100) > 0)
			closed = recv(fd, b, sizeof(b), MSG_DONTWAIT) == 0;
	}
	printf("ring %ld sealed %s closed %s refused %u\n", count,
	       sealed ? "yes" : "no", closed ? "yes" : "no",
	       atomic_load(&a->submit.ctl.refused));
	munmap(a, sizeof(*a));
	close(fd);
	return 0;
}

/* A registered receiver whose delivery ring claims an impossible index:
 * the VKE must hang up on it at its next delivery (which the caller
 * causes) rather than write past the ring. Prints "deliver-ring closed
 * yes|no". */
static int
fuzz_deliver_ring(const char *path)
{
	uint8_t req[MSG_REQ_HDR], b[256];
	struct msg_ring_area *a;
	struct pollfd p;
	bool closed = false;
	int fd = unix_connect(path), mfd;

	if (fd < 0 || (mfd = ring_request(fd)) < 0)
		return -1;
	a = mmap(NULL, sizeof(*a), PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	close(mfd);
	if (a == MAP_FAILED)
		return -1;
	put_req(req, MSG_REQ_MAGIC, MSG_OP_REGISTER, 0, 0);
	if (request(fd, req, sizeof(req)) != 0)
		return -1;
	atomic_store(&a->deliver.ctl.head, 1000);
	printf("registered\n");
	fflush(stdout);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	for (int t = 0; t < 100 && !closed; t++) {
		if (poll(&p, 1, 100) > 0)
			closed = recv(fd, b, sizeof(b), MSG_DONTWAIT) == 0;
	}
	printf("deliver-ring closed %s\n", closed ? "yes" : "no");
	munmap(a, sizeof(*a));
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "udp", required_argument, NULL, 'u' },
		{ "socket", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'r' },
		{ "node", required_argument, NULL, 'i' },
		{ "submit-sublen", required_argument, NULL, 'l' },
		{ "ring", required_argument, NULL, 'g' },
		{ "deliver-ring", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct fuzz z = { .rng = 0x9e3779b97f4a7c15ull, .node = 1 };
	const char *sock = NULL;
	long count = 1000, port = 0, sublen = -1, ring = -1;
	bool deliver_ring = false;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u': port = strtol(optarg, NULL, 10); break;
		case 's': sock = optarg; break;
		case 'n': count = strtol(optarg, NULL, 10); break;
		case 'r': z.rng ^= strtoull(optarg, NULL, 0) * 2654435761u;
			  break;
		case 'i': z.node = (uint16_t)strtoul(optarg, NULL, 10); break;
		case 'l': sublen = strtol(optarg, NULL, 10); break;
		case 'g': ring = strtol(optarg, NULL, 10); break;
		case 'd': deliver_ring = true; break;
		default:
			fprintf(stderr, "usage: msg-fuzz [--udp PORT] "
				"[--socket PATH] [--count N] [--seed S]\n");
			return 2;
		}
	}
	if (sublen >= 0)
		return sock != NULL && submit_sublen(sock, (unsigned)sublen) ==
		       0 ? 0 : 1;
	if (ring >= 0)
		return sock != NULL && fuzz_ring(&z, sock, ring) == 0 ? 0 : 1;
	if (deliver_ring)
		return sock != NULL && fuzz_deliver_ring(sock) == 0 ? 0 : 1;
	if (port > 0 && fuzz_udp(&z, (uint16_t)port, count) < 0)
		rc = 1;
	if (sock != NULL && fuzz_unix(&z, sock, count) < 0)
		rc = 1;
	return rc;
}
