/* services/messaging/client.c - the library node daemons link to talk to
 * their VKE: builds messages, speaks the request ABI, and checks what
 * comes back (the VKE is trusted no more than the wire). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "services/messaging/messaging.h"
#include "services/messaging/ring-int.h"

struct msg_client {
	int fd;
	char *path;
	uint8_t *buf;		/* last reply/delivery, MSG_REP_MAX + 1 */
	size_t len;
	unsigned busy_poll_us;
	uint32_t outstanding;	/* submits sent whose answer is unread */
	uint32_t refused;	/* of those answered, how many the VKE refused */
	bool registered;
	int passed_fd;		/* the last fd a reply carried, or -1 */
	struct msg_ring_area *ring;	/* MSG_OP_RING's, or NULL */
	struct msg_ring_end sub;	/* we produce submits */
	struct msg_ring_end del;	/* we consume deliveries */
};

static struct lpd_error *client_ring_setup(struct msg_client *c);

struct lpd_error *
msg_client_set_busy_poll(struct msg_client *c, unsigned us)
{
	c->busy_poll_us = us;
	if (us == 0 || c->ring != NULL)
		return NULL;
	if (c->registered)
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"%s: busy polling must be asked for "
					"before registering", c->path);
	return client_ring_setup(c);
}

int64_t
msg_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One message off the socket into c->buf. A descriptor it carries (only
 * a RING reply should) is kept in c->passed_fd; any more are closed, so
 * a confused VKE cannot leak them into us. */
static ssize_t
client_recv1(struct msg_client *c, int flags)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} ctl;
	struct iovec iov = { c->buf, MSG_REP_MAX + 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	ssize_t n = recvmsg(c->fd, &m, flags | MSG_CMSG_CLOEXEC);

	if (n < 0)
		return n;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm != NULL;
	     cm = CMSG_NXTHDR(&m, cm)) {
		size_t nfd;

		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len < CMSG_LEN(0))
			continue;
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfd; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			       sizeof(fd));
			if (c->passed_fd >= 0)
				close(c->passed_fd);
			c->passed_fd = fd;
		}
	}
	return n;
}

/* The busy-poll phase of a wait: non-blocking reads until one succeeds
 * or C's budget is spent. Returns recv's result (-1 with EAGAIN when
 * nothing came). */
static ssize_t
client_busy_recv(struct msg_client *c)
{
	int64_t until = msg_now_us() + c->busy_poll_us;
	ssize_t n;

	for (;;) {
		n = client_recv1(c, MSG_DONTWAIT);
		if (n >= 0 || (errno != EAGAIN && errno != EINTR) ||
		    msg_now_us() >= until)
			return n;
		/* Let whoever shares this CPU run: it may be the VKE that
		 * is to answer. */
		sched_yield();
	}
}

void
msg_client_destroy(struct msg_client *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	if (c->passed_fd >= 0)
		close(c->passed_fd);
	if (c->ring != NULL)
		munmap(c->ring, sizeof(*c->ring));
	lpd_free(c->buf);
	lpd_free(c->path);
	lpd_free(c);
}

struct lpd_error *
msg_client_open(const char *socket_path, struct msg_client **ret)
{
	struct sockaddr_un sa;
	struct msg_client *c;
	struct lpd_error *err;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(socket_path) >= sizeof(sa.sun_path))
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"%s: socket path too long", socket_path);
	strcpy(sa.sun_path, socket_path);
	c = lpd_calloc(1, sizeof(*c));
	if (c == NULL)
		return &lpd_enomem;
	c->fd = -1;
	c->passed_fd = -1;
	c->buf = lpd_malloc(MSG_REP_MAX + 1);
	c->path = lpd_strdup(socket_path);
	if (c->buf == NULL || c->path == NULL) {
		msg_client_destroy(c);
		return &lpd_enomem;
	}
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->fd < 0 ||
	    connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = lpd_error_prefix(lpd_error_os(errno, socket_path),
				       "connecting to the VKE");
		msg_client_destroy(c);
		return err;
	}
	*ret = c;
	return NULL;
}

static struct lpd_error *
client_request(struct msg_client *c, uint16_t op, const void *body,
	       size_t len)
{
	uint8_t h[MSG_REQ_HDR];
	struct iovec iov[2] = { { h, sizeof(h) }, { (void *)body, len } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };

	h[0] = MSG_REQ_MAGIC >> 24;
	h[1] = (MSG_REQ_MAGIC >> 16) & 0xff;
	h[2] = (MSG_REQ_MAGIC >> 8) & 0xff;
	h[3] = MSG_REQ_MAGIC & 0xff;
	h[4] = (uint8_t)(op >> 8);
	h[5] = (uint8_t)op;
	h[6] = h[7] = 0;
	h[8] = (uint8_t)(len >> 24);
	h[9] = (uint8_t)(len >> 16);
	h[10] = (uint8_t)(len >> 8);
	h[11] = (uint8_t)len;
	if (sendmsg(c->fd, &m, MSG_NOSIGNAL) < 0)
		return lpd_error_prefix(lpd_error_os(errno, c->path),
					"sending to the VKE");
	return NULL;
}

/* Read one reply. *OP and *STATUS get its header; the body is at
 * c->buf + MSG_REQ_HDR, *BODY_LEN bytes. */
static struct lpd_error *
client_read(struct msg_client *c, int timeout_ms, uint16_t *op,
	    uint16_t *status, size_t *body_len)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	struct lpd_reader r;
	uint32_t magic, len;
	ssize_t n;
	int pr;

	n = -1;
	errno = EAGAIN;
	if (c->busy_poll_us > 0 && timeout_ms != 0)
		n = client_busy_recv(c);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		do
			pr = poll(&pfd, 1, timeout_ms);
		while (pr < 0 && errno == EINTR);
		if (pr < 0)
			return lpd_error_os(errno, c->path);
		if (pr == 0)
			return &lpd_not_found;
		n = client_recv1(c, 0);
	}
	if (n < 0)
		return lpd_error_os(errno, c->path);
	if (n == 0)
		return lpd_error_format(LPD_ERR_REMOTE,
					"%s: the VKE closed the connection",
					c->path);
	c->len = (size_t)n;
	lpd_reader_init(&r, c->buf, c->len, true, c->path, 0);
	if (c->len < MSG_REQ_HDR || c->len > MSG_REP_MAX)
		return lpd_reader_error(&r, "reply of %zu bytes", c->len);
	lpd_reader_u32(&r, &magic);
	lpd_reader_u16(&r, op);
	lpd_reader_u16(&r, status);
	lpd_reader_u32(&r, &len);
	if (magic != MSG_REP_MAGIC || len != lpd_reader_left(&r))
		return lpd_reader_error(&r, "malformed reply");
	*body_len = len;
	return NULL;
}

static struct lpd_error *
remote_error(uint16_t op, uint16_t status)
{
	static const char *const ops[] = {
		"request", "submit", "register", "status", "discover",
		"deliver", "ring", "doorbell",
	};
	struct lpd_error *err;

	err = lpd_error_format(LPD_ERR_REMOTE, "VKE refused %s: %s",
			       op < 8 ? ops[op] : "request",
			       status == EACCES ?
			       "permission denied (not one of this node's "
			       "daemons)" : strerror(status));
	if (err != &lpd_enomem)
		err->errnum = status;
	return err;
}

static struct lpd_error *client_call(struct msg_client *c, uint16_t op,
				     const void *body, size_t len,
				     int timeout_ms, uint16_t *status,
				     size_t *body_len);

static bool
client_ring_has_room(const struct msg_ring_end *e)
{
	return e->idx - atomic_load_explicit(&e->ring->ctl.head,
					     memory_order_acquire) <
	       MSG_RING_SLOTS;
}

/* Wait up to TIMEOUT_MS (< 0: 5 s) until READY(&c->sub): polling at
 * first, then napping. The VKE takes submits every round, and a sleeping
 * VKE got a doorbell, so this only waits for its work. */
static struct lpd_error *
client_ring_wait(struct msg_client *c, int timeout_ms,
		 bool (*ready)(const struct msg_ring_end *e))
{
	int64_t start = msg_now_us(), now;
	int64_t limit = (timeout_ms < 0 ? 5000 : timeout_ms) * (int64_t)1000;

	if (c->ring == NULL)
		return NULL;
	while (!ready(&c->sub)) {
		now = msg_now_us();
		if (now - start > limit)
			return lpd_error_format(LPD_ERR_REMOTE,
						"%s: the VKE stopped taking "
						"submits from the ring",
						c->path);
		if (now - start < c->busy_poll_us)
			sched_yield();
		else
			usleep(50);
	}
	return NULL;
}

/* MSG_OP_RING: map the area the VKE made for us, after checking it is
 * what it claims (its size, its seals against resizing, its header). */
static struct lpd_error *
client_ring_setup(struct msg_client *c)
{
	struct lpd_error *err;
	struct stat st;
	uint16_t status;
	size_t blen;
	void *map;
	int fd, seals;

	err = client_call(c, MSG_OP_RING, NULL, 0, 5000, &status, &blen);
	if (err != NULL)
		return err;
	if (status != 0)
		return remote_error(MSG_OP_RING, status);
	fd = c->passed_fd;
	c->passed_fd = -1;
	if (fd < 0)
		return lpd_error_format(LPD_ERR_REMOTE,
					"%s: the VKE's ring reply carried no "
					"descriptor", c->path);
	seals = fcntl(fd, F_GET_SEALS);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size != (off_t)sizeof(struct msg_ring_area) || seals < 0 ||
	    (seals & (F_SEAL_SHRINK | F_SEAL_GROW)) !=
	    (F_SEAL_SHRINK | F_SEAL_GROW)) {
		close(fd);
		return lpd_error_format(LPD_ERR_REMOTE,
					"%s: the VKE's ring is not a sealed "
					"area of %zu bytes", c->path,
					sizeof(struct msg_ring_area));
	}
	map = mmap(NULL, sizeof(struct msg_ring_area), PROT_READ | PROT_WRITE,
		   MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return lpd_error_os(errno, "mapping the VKE's ring");
	if (!msg_ring_area_valid(map)) {
		munmap(map, sizeof(struct msg_ring_area));
		return lpd_error_format(LPD_ERR_REMOTE,
					"%s: the VKE's ring has a bad header",
					c->path);
	}
	c->ring = map;
	c->sub = (struct msg_ring_end){ &c->ring->submit, 0 };
	c->del = (struct msg_ring_end){ &c->ring->deliver, 0 };
	return NULL;
}

/* client_read() for an answer the VKE owes: silence is an error. */
static struct lpd_error *
client_answer(struct msg_client *c, int timeout_ms, uint16_t *op,
	      uint16_t *status, size_t *body_len)
{
	struct lpd_error *err = client_read(c, timeout_ms, op, status,
					    body_len);

	if (err == &lpd_not_found)
		return lpd_error_format(LPD_ERR_REMOTE,
					"%s: no answer from the VKE", c->path);
	return err;
}

/* Read answers to outstanding submits until at most KEEP remain. */
static struct lpd_error *
client_collect(struct msg_client *c, uint32_t keep, int timeout_ms)
{
	struct lpd_error *err;
	uint16_t op, status;
	size_t blen;

	while (c->outstanding > keep) {
		err = client_answer(c, timeout_ms, &op, &status, &blen);
		if (err != NULL)
			return err;
		if (op != MSG_OP_SUBMIT)
			continue;	/* a stray delivery */
		c->outstanding--;
		if (status != 0)
			c->refused++;
	}
	return NULL;
}

/* Send a request and wait for its reply, setting aside deliveries that
 * arrive first is not supported: a receiver uses its own connection. */
static struct lpd_error *
client_call(struct msg_client *c, uint16_t op, const void *body, size_t len,
	    int timeout_ms, uint16_t *status, size_t *body_len)
{
	struct lpd_error *err;
	uint16_t rop;

	/* Earlier submits go first: those in the ring, then the answers
	 * to those on the socket. */
	err = client_ring_wait(c, timeout_ms, msg_ring_drained);
	if (err == NULL)
		err = client_collect(c, 0, timeout_ms);
	if (err != NULL)
		return err;
	err = client_request(c, op, body, len);
	if (err != NULL)
		return err;
	for (;;) {
		err = client_answer(c, timeout_ms, &rop, status, body_len);
		if (err != NULL)
			return err;
		if (rop != MSG_OP_DELIVER)
			return NULL;
	}
}

struct lpd_error *
msg_client_submit_raw(struct msg_client *c, const void *msg, size_t len,
		      int *ret)
{
	struct lpd_error *err;
	uint16_t status;
	size_t blen;

	err = client_call(c, MSG_OP_SUBMIT, msg, len, 5000, &status, &blen);
	if (err != NULL)
		return err;
	*ret = status;
	return NULL;
}

/* A submit's message: the VKE stamps source and sequence. */
static struct lpd_error *
client_build(uint16_t dst, uint16_t subsystem, uint16_t opcode,
	     const void *payload, size_t len, uint8_t *msg, size_t *ret)
{
	struct msg_frame f;

	memset(&f, 0, sizeof(f));
	f.hdr.type = MSG_T_DATA;
	f.hdr.flags = dst == MSG_NODE_ALL ? MSG_F_BROADCAST : 0;
	f.hdr.dst = dst;
	f.sub.subsystem = subsystem;
	f.sub.opcode = opcode;
	f.payload = payload;
	f.payload_len = len;
	return msg_wire_build(&f, msg, MSG_MAX_FRAME, ret);
}

struct lpd_error *
msg_client_send(struct msg_client *c, uint16_t dst, uint16_t subsystem,
		uint16_t opcode, const void *payload, size_t len,
		uint32_t *ret)
{
	uint8_t msg[MSG_MAX_FRAME];
	struct lpd_error *err;
	uint16_t status;
	size_t n, blen;

	err = client_build(dst, subsystem, opcode, payload, len, msg, &n);
	if (err != NULL)
		return err;
	err = client_call(c, MSG_OP_SUBMIT, msg, n, 5000, &status, &blen);
	if (err != NULL)
		return err;
	if (status != 0)
		return remote_error(MSG_OP_SUBMIT, status);
	if (blen != 4)
		return lpd_error_format(LPD_ERR_REMOTE,
					"%s: submit reply of %zu bytes",
					c->path, blen);
	if (ret != NULL)
		*ret = lpd_load_u32(c->buf + MSG_REQ_HDR, true);
	return NULL;
}

static struct lpd_error *
client_ring_submit(struct msg_client *c, const uint8_t *msg, size_t n)
{
	struct lpd_error *err;
	bool corrupt;

	err = client_ring_wait(c, 5000, client_ring_has_room);
	if (err != NULL)
		return err;
	if (!msg_ring_put(&c->sub, 0, msg, n, &corrupt))
		return lpd_error_format(LPD_ERR_REMOTE,
					"%s: the VKE's submit ring is %s",
					c->path, corrupt ? "corrupt" : "full");
	if (msg_ring_take_doorbell(&c->sub))
		return client_request(c, MSG_OP_DOORBELL, NULL, 0);
	return NULL;
}

struct lpd_error *
msg_client_send_nowait(struct msg_client *c, uint16_t dst,
		       uint16_t subsystem, uint16_t opcode,
		       const void *payload, size_t len)
{
	uint8_t msg[MSG_MAX_FRAME];
	struct lpd_error *err;
	size_t n;

	err = client_build(dst, subsystem, opcode, payload, len, msg, &n);
	if (err != NULL)
		return err;
	if (c->ring != NULL) {
		uint16_t status;
		size_t blen;

		if (n <= MSG_RING_DATA)
			return client_ring_submit(c, msg, n);
		/* Too long for a slot: by the socket, after the ring's
		 * (client_call waits for them) and waited for, or the VKE,
		 * which takes the ring first every round, could let the
		 * next ring submit overtake it. */
		err = client_call(c, MSG_OP_SUBMIT, msg, n, 5000, &status,
				  &blen);
		if (err == NULL && status != 0)
			c->refused++;
		return err;
	}
	err = client_collect(c, MSG_CLIENT_WINDOW - 1, 5000);
	if (err == NULL)
		err = client_request(c, MSG_OP_SUBMIT, msg, n);
	if (err == NULL)
		c->outstanding++;
	return err;
}

struct lpd_error *
msg_client_flush(struct msg_client *c, int timeout_ms, uint32_t *refused)
{
	struct lpd_error *err = client_ring_wait(c, timeout_ms,
						 msg_ring_drained);

	if (err == NULL)
		err = client_collect(c, 0, timeout_ms);
	if (c->ring != NULL)
		c->refused += atomic_exchange(&c->ring->submit.ctl.refused, 0);
	if (refused != NULL)
		*refused = c->refused;
	c->refused = 0;
	return err;
}

struct lpd_error *
msg_client_register(struct msg_client *c)
{
	struct lpd_error *err;
	uint16_t status;
	size_t blen;

	err = client_call(c, MSG_OP_REGISTER, NULL, 0, 5000, &status, &blen);
	if (err == NULL && status != 0)
		err = remote_error(MSG_OP_REGISTER, status);
	if (err == NULL)
		c->registered = true;
	return err;
}

/* The next DELIVER off the socket (a message too long for a slot),
 * doorbells aside. */
static struct lpd_error *
client_socket_delivery(struct msg_client *c, int timeout_ms, size_t *blen)
{
	struct lpd_error *err;
	uint16_t op, status;

	do {
		err = client_read(c, timeout_ms, &op, &status, blen);
		if (err != NULL)
			return err;
	} while (op != MSG_OP_DELIVER);
	return NULL;
}

/* msg_client_recv() for a client with rings: take from the delivery
 * ring; when it is empty, poll it for the busy-poll budget, then ask for
 * a doorbell and sleep on the socket. */
static struct lpd_error *
client_ring_recv(struct msg_client *c, int timeout_ms, struct msg_frame *ret)
{
	uint8_t *frame = c->buf + MSG_REQ_HDR;
	const size_t cap = MSG_REP_MAX - MSG_REQ_HDR;
	int64_t start = msg_now_us(), left_us;
	struct lpd_error *err;
	enum msg_drop why;
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	uint8_t hdr[MSG_REQ_HDR];
	uint16_t op, status;
	uint32_t flags;
	unsigned busy;
	size_t len;
	int pr;

	for (;;) {
		switch (msg_ring_get(&c->del, frame, cap, &len, &flags)) {
		case MSG_RING_TAKEN:
			msg_ring_release(&c->del);
			if ((flags & MSG_RING_ON_SOCKET) &&
			    (err = client_socket_delivery(c, 5000, &len)) !=
			    NULL)
				return err;
			/* Parsed as strictly as anything off a socket. */
			return msg_wire_parse(frame, len, c->path, 0, &why,
					      ret);
		case MSG_RING_BAD_LENGTH:
			return lpd_error_format(LPD_ERR_REMOTE,
						"%s: delivery ring slot of "
						"impossible length", c->path);
		case MSG_RING_CORRUPT:
			return lpd_error_format(LPD_ERR_REMOTE,
						"%s: delivery ring index out of "
						"range", c->path);
		case MSG_RING_EMPTY:
			break;
		}
		left_us = timeout_ms < 0 ? INT64_MAX :
			  timeout_ms * (int64_t)1000 - (msg_now_us() - start);
		if (left_us <= 0)
			return &lpd_not_found;
		if (msg_now_us() - start < c->busy_poll_us) {
			sched_yield();
			continue;
		}
		if (msg_ring_prepare_sleep(&c->del)) {
			msg_ring_awake(&c->del);
			continue;
		}
		pr = poll(&pfd, 1, timeout_ms < 0 ? -1 :
			  (int)((left_us + 999) / 1000));
		msg_ring_awake(&c->del);
		if (pr < 0 && errno != EINTR)
			return lpd_error_os(errno, c->path);
		if (pr <= 0)
			continue;	/* the deadline check above decides */
		/* A DELIVER whose marker is in the ring waits for it there:
		 * taking it now would put it ahead of the slots before the
		 * marker. */
		if (recv(c->fd, hdr, sizeof(hdr), MSG_PEEK | MSG_DONTWAIT) ==
		    (ssize_t)sizeof(hdr) &&
		    lpd_load_u16(hdr + 4, true) == MSG_OP_DELIVER &&
		    msg_ring_pending(&c->del))
			continue;
		busy = c->busy_poll_us;
		c->busy_poll_us = 0;
		err = client_read(c, 0, &op, &status, &len);
		c->busy_poll_us = busy;
		if (err == &lpd_not_found)
			continue;
		if (err != NULL)
			return err;
		if (op == MSG_OP_DELIVER)	/* one with no marker */
			return msg_wire_parse(frame, len, c->path, 0, &why,
					      ret);
		/* A doorbell, or a stray answer: look at the ring again. */
	}
}

struct lpd_error *
msg_client_recv(struct msg_client *c, int timeout_ms, struct msg_frame *ret)
{
	struct lpd_error *err;
	enum msg_drop why;
	uint16_t op, status;
	size_t blen;

	if (c->ring != NULL)
		return client_ring_recv(c, timeout_ms, ret);
	for (;;) {
		err = client_read(c, timeout_ms, &op, &status, &blen);
		if (err != NULL)
			return err;
		if (op == MSG_OP_DELIVER)
			break;
		if (op == MSG_OP_SUBMIT && c->outstanding > 0) {
			c->outstanding--;	/* see msg_client_send_nowait */
			if (status != 0)
				c->refused++;
		}
		/* Else a stray reply (e.g. to a request that timed out). */
	}
	/* Parsed as strictly as anything else off a socket. */
	return msg_wire_parse(c->buf + MSG_REQ_HDR, blen, c->path, 0, &why,
			      ret);
}

static struct lpd_error *
client_text(struct msg_client *c, uint16_t op, int timeout_ms, char **ret)
{
	struct lpd_error *err;
	uint16_t status;
	size_t blen;
	char *s;

	err = client_call(c, op, NULL, 0, timeout_ms, &status, &blen);
	if (err != NULL)
		return err;
	if (status != 0)
		return remote_error(op, status);
	s = lpd_strndup((const char *)c->buf + MSG_REQ_HDR, blen);
	if (s == NULL)
		return &lpd_enomem;
	*ret = s;
	return NULL;
}

struct lpd_error *
msg_client_status(struct msg_client *c, char **ret)
{
	return client_text(c, MSG_OP_STATUS, 5000, ret);
}

struct lpd_error *
msg_client_discover(struct msg_client *c, char **ret)
{
	return client_text(c, MSG_OP_DISCOVER, 10000, ret);
}
