/* services/messaging/client.c - the library node daemons link to talk to
 * their VKE: builds messages, speaks the request ABI, and checks what
 * comes back (the VKE is trusted no more than the wire). */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "services/messaging/messaging.h"

struct msg_client {
	int fd;
	char *path;
	uint8_t *buf;		/* last reply/delivery, MSG_REP_MAX + 1 */
	size_t len;
	unsigned busy_poll_us;
	uint32_t outstanding;	/* submits sent whose answer is unread */
	uint32_t refused;	/* of those answered, how many the VKE refused */
};

void
msg_client_set_busy_poll(struct msg_client *c, unsigned us)
{
	c->busy_poll_us = us;
}

int64_t
msg_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
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
		n = recv(c->fd, c->buf, MSG_REP_MAX + 1, MSG_DONTWAIT);
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
		n = recv(c->fd, c->buf, MSG_REP_MAX + 1, 0);
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
	};
	struct lpd_error *err;

	err = lpd_error_format(LPD_ERR_REMOTE, "VKE refused %s: %s",
			       op < 5 ? ops[op] : "request",
			       status == EACCES ?
			       "permission denied (not one of this node's "
			       "daemons)" : strerror(status));
	if (err != &lpd_enomem)
		err->errnum = status;
	return err;
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

	/* Answers to earlier submits come first on this connection. */
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

struct lpd_error *
msg_client_send_nowait(struct msg_client *c, uint16_t dst,
		       uint16_t subsystem, uint16_t opcode,
		       const void *payload, size_t len)
{
	uint8_t msg[MSG_MAX_FRAME];
	struct lpd_error *err;
	size_t n;

	err = client_build(dst, subsystem, opcode, payload, len, msg, &n);
	if (err == NULL)
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
	struct lpd_error *err = client_collect(c, 0, timeout_ms);

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
	return err;
}

struct lpd_error *
msg_client_recv(struct msg_client *c, int timeout_ms, struct msg_frame *ret)
{
	struct lpd_error *err;
	enum msg_drop why;
	uint16_t op, status;
	size_t blen;

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
