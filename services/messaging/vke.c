/* services/messaging/vke.c - vios-vke, the per-node relay standing in for
 * the vscsi kernel extension: serves the request ABI on a Unix socket
 * (credentials checked), parses what daemons submit, hands it to kcluster
 * (kcluster.c) and gives what arrives to the receiving daemon; answers
 * discovery queries itself. Fault switches live here too. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "services/messaging/vke-int.h"

static const char *const vke_fault_names[] = {
	[VKE_FAULT_NONE] = "none",
	[VKE_FAULT_SUBHDR_LEN] = "subhdr-len",
	[VKE_FAULT_QUEUE_OVERFLOW] = "queue-overflow",
	[VKE_FAULT_RTX_UAF] = "rtx-uaf",
};

int64_t
vke_now_ms(void)
{
	return msg_now_us() / 1000;
}

/* ---- replies -------------------------------------------------------- */

static void
put_req_hdr(uint8_t *h, uint32_t magic, uint16_t op, uint16_t status,
	    uint32_t len)
{
	h[0] = (uint8_t)(magic >> 24);
	h[1] = (uint8_t)(magic >> 16);
	h[2] = (uint8_t)(magic >> 8);
	h[3] = (uint8_t)magic;
	h[4] = (uint8_t)(op >> 8);
	h[5] = (uint8_t)op;
	h[6] = (uint8_t)(status >> 8);
	h[7] = (uint8_t)status;
	h[8] = (uint8_t)(len >> 24);
	h[9] = (uint8_t)(len >> 16);
	h[10] = (uint8_t)(len >> 8);
	h[11] = (uint8_t)len;
}

/* Returns 0, or errno (EAGAIN: the client's queue is full). */
static int
vke_reply(int fd, uint16_t op, uint16_t status, const void *body,
	  size_t len)
{
	uint8_t h[MSG_REQ_HDR];
	struct iovec iov[2] = {
		{ h, sizeof(h) }, { (void *)body, len },
	};
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };

	put_req_hdr(h, MSG_REP_MAGIC, op, status, (uint32_t)len);
	if (sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return errno;
	return 0;
}

static struct vke_conn *
vke_conn_by_fd(struct vke *vke, int fd)
{
	for (size_t i = 0; i < vke->nconns; i++) {
		if (vke->conns[i].fd == fd)
			return &vke->conns[i];
	}
	return NULL;
}

static void
vke_conn_close(struct vke *vke, size_t i)
{
	if (vke->conns[i].ring != NULL)
		munmap(vke->conns[i].ring, sizeof(*vke->conns[i].ring));
	close(vke->conns[i].fd);
	vke->conns[i] = vke->conns[--vke->nconns];
}

static struct vke_conn *
vke_receiver(struct vke *vke)
{
	for (size_t i = 0; i < vke->nconns; i++) {
		if (vke->conns[i].receiver)
			return &vke->conns[i];
	}
	return NULL;
}

/* ---- receiver queue ------------------------------------------------- */

bool
vke_can_deliver(const struct vke *vke)
{
	if (vke->fault == VKE_FAULT_QUEUE_OVERFLOW)
		return vke->rq_count <= VKE_RQ_CAP;	/* the bug: <= */
	return vke->rq_count < VKE_RQ_CAP;
}

static bool
vke_rq_push(struct vke *vke, uint8_t *frame, size_t len)
{
	struct vke_rq_item *it;

	if (vke->rq_count == VKE_RQ_CAP) {
		/* Cannot happen when vke_can_deliver() was asked first. */
		fprintf(stderr, "vios-vke[%s]: receiver queue overflow "
			"(%zu queued)\n", vke->me->name, vke->rq_count);
		abort();
	}
	it = &vke->rq[(vke->rq_head + vke->rq_count) % VKE_RQ_CAP];
	it->frame = frame;
	it->len = len;
	vke->rq_count++;
	return true;
}

/* One queued message into RC's delivery ring: 0, EAGAIN (full), or
 * another errno (the ring's consumer index lied; RC is closed). A message
 * too long for a slot goes by the socket behind a marker slot. */
static int
vke_ring_deliver(struct vke *vke, struct vke_conn *rc,
		 const struct vke_rq_item *it)
{
	bool corrupt, big = it->len > MSG_RING_DATA;

	if (msg_ring_put(&rc->del, big ? MSG_RING_ON_SOCKET : 0,
			 it->frame, big ? 0 : it->len, &corrupt)) {
		vke->stats.ring_delivered++;
		if (!big || vke_reply(rc->fd, MSG_OP_DELIVER, 0, it->frame,
				      it->len) == 0)
			return 0;
		/* Its marker is in the ring: the order cannot be kept. */
		rc->broken = true;
		return EPIPE;
	}
	if (!corrupt)
		return EAGAIN;
	vke->stats.dropped[MSG_DROP_REQUEST]++;
	rc->broken = true;
	return EPROTO;
}

/* Push queued messages to the receiving daemon until its socket fills. */
static void
vke_flush_rq(struct vke *vke)
{
	struct vke_conn *rc = vke_receiver(vke);

	bool rang = false;

	while (rc != NULL && vke->rq_count > 0) {
		struct vke_rq_item *it = &vke->rq[vke->rq_head];
		int e = 0;

		if (rc->ring != NULL) {
			e = vke_ring_deliver(vke, rc, it);
			if (e == EAGAIN)
				break;	/* ring full: next round */
			if (e == 0)
				rang = true;
		} else {
			e = vke_reply(rc->fd, MSG_OP_DELIVER, 0, it->frame,
				      it->len);
		}
		if (e == EAGAIN || e == ENOBUFS)
			return;
		if (e != 0) {
			rc->receiver = false;	/* gone; closed on POLLHUP */
			return;
		}
		lpd_free(it->frame);
		it->frame = NULL;
		vke->rq_head = (vke->rq_head + 1) % VKE_RQ_CAP;
		vke->rq_count--;
		vke->stats.delivered_local++;
	}
	if (rang && msg_ring_take_doorbell(&rc->del) &&
	    vke_reply(rc->fd, MSG_OP_DOORBELL, 0, NULL, 0) == 0)
		vke->stats.doorbells_out++;
}

/* ---- discovery ------------------------------------------------------ */

static void
disc_answer(struct vke *vke, struct kc_peer *from, uint32_t qid)
{
	struct lpd_buf b = LPD_BUF_INIT;
	uint8_t body[MSG_MAX_BODY];
	size_t n;
	struct lpd_error *err;

	err = lpd_buf_printf(&b, "repo\t%s\npid\t%ld\n",
			     vke->me->repo != NULL ? vke->me->repo : "",
			     (long)getpid());
	for (size_t i = 0; err == NULL && i < vke->me->nlpars; i++)
		err = lpd_buf_printf(&b, "lpar\t%s\n", vke->me->lpars[i]);
	if (err == NULL && b.len + 4 > MSG_MAX_PAYLOAD)
		err = lpd_error_format(LPD_ERR_INVALID_ARG, "too many LPARs");
	if (err != NULL) {
		fprintf(stderr, "vios-vke[%s]: discovery: %s\n",
			vke->me->name, err->message);
		lpd_error_destroy(err);
		lpd_buf_deinit(&b);
		return;
	}
	body[0] = MSG_SUB_DISCOVERY >> 8;
	body[1] = MSG_SUB_DISCOVERY & 0xff;
	body[2] = 0;
	body[3] = MSG_DISC_REPLY;
	body[4] = body[5] = 0;
	n = MSG_SUB_SIZE + 4 + b.len;
	body[6] = (uint8_t)(n >> 8);
	body[7] = (uint8_t)n;
	body[8] = (uint8_t)(qid >> 24);
	body[9] = (uint8_t)(qid >> 16);
	body[10] = (uint8_t)(qid >> 8);
	body[11] = (uint8_t)qid;
	memcpy(body + 12, b.data, b.len);
	lpd_buf_deinit(&b);
	kc_submit(vke, from, 0, body, n);
}

/* Turn a node's "key\tvalue\n" answer into a JSON object; every line is
 * bounded by the payload, and what is not understood is skipped. */
static void
disc_record(struct vke *vke, struct vke_query *q, struct kc_peer *from,
	    const uint8_t *p, size_t len)
{
	struct lpd_buf out = LPD_BUF_INIT;
	struct lpd_json j;
	struct lpd_error *err;
	size_t pos = 0;

	lpd_json_init(&j, &out);
	lpd_json_object_begin(&j);
	lpd_json_key(&j, "node");
	lpd_json_string(&j, from->conf->name);
	lpd_json_key(&j, "id");
	lpd_json_uint(&j, from->conf->id);
	lpd_json_key(&j, "port");
	lpd_json_uint(&j, from->conf->port);
	lpd_json_key(&j, "lpars");
	lpd_json_array_begin(&j);
	while (pos < len) {
		const uint8_t *nl = memchr(p + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - p) : len;
		const uint8_t *tab = memchr(p + pos, '\t', end - pos);

		if (tab != NULL && (size_t)(tab - p) - pos == 4 &&
		    memcmp(p + pos, "lpar", 4) == 0) {
			char *v = lpd_strndup((const char *)tab + 1,
					      end - (size_t)(tab - p) - 1);

			if (v != NULL)
				lpd_json_string(&j, v);
			lpd_free(v);
		}
		pos = end + 1;
	}
	lpd_json_array_end(&j);
	pos = 0;
	while (pos < len) {
		const uint8_t *nl = memchr(p + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - p) : len;
		const uint8_t *tab = memchr(p + pos, '\t', end - pos);
		size_t klen = tab != NULL ? (size_t)(tab - p) - pos : 0;

		if (tab != NULL && ((klen == 4 && !memcmp(p + pos, "repo", 4)) ||
				    (klen == 3 && !memcmp(p + pos, "pid", 3)))) {
			char *v = lpd_strndup((const char *)tab + 1,
					      end - (size_t)(tab - p) - 1);

			lpd_json_key(&j, klen == 4 ? "repository" : "vke_pid");
			lpd_json_string(&j, v != NULL ? v : "");
			lpd_free(v);
		}
		pos = end + 1;
	}
	lpd_json_object_end(&j);
	err = lpd_json_finish(&j);
	if (err == NULL && q->nodes.len > 0)
		err = lpd_buf_puts(&q->nodes, ",");
	if (err == NULL)
		err = lpd_buf_append(&q->nodes, out.data, out.len);
	if (err != NULL) {
		fprintf(stderr, "vios-vke[%s]: discovery: %s\n", vke->me->name,
			err->message);
		lpd_error_destroy(err);
	}
	lpd_buf_deinit(&out);
}

static void
disc_finish(struct vke *vke, struct vke_query *q)
{
	struct lpd_buf out = LPD_BUF_INIT;
	struct lpd_error *err;
	struct vke_query **pp;

	err = lpd_buf_printf(&out, "{\"cluster\":\"%s\",\"queried_by\":\"%s\","
			     "\"nodes\":[%s],\"missing\":[",
			     vke->conf->cluster, vke->me->name,
			     q->nodes.data != NULL ? q->nodes.data : "");
	for (size_t i = 0, n = 0; err == NULL && i < vke->npeers; i++) {
		if (q->answered[i])
			continue;
		err = lpd_buf_printf(&out, "%s\"%s\"", n++ ? "," : "",
				     vke->peers[i].conf->name);
	}
	if (err == NULL)
		err = lpd_buf_puts(&out, "]}");
	if (vke_conn_by_fd(vke, q->conn_fd) != NULL)
		vke_reply(q->conn_fd, MSG_OP_DISCOVER, err ? ENOMEM : 0,
			  out.data, err ? 0 : out.len);
	lpd_error_destroy(err);
	lpd_buf_deinit(&out);
	for (pp = &vke->queries; *pp != q; pp = &(*pp)->next)
		;
	*pp = q->next;
	lpd_buf_deinit(&q->nodes);
	lpd_free(q->answered);
	lpd_free(q);
}

static void
disc_on_reply(struct vke *vke, struct kc_peer *from, const struct msg_frame *f)
{
	struct vke_query *q;
	uint32_t qid;
	bool all = true;
	size_t idx = (size_t)(from - vke->peers);

	if (f->payload_len < 4)
		return;
	qid = lpd_load_u32(f->payload, true);
	for (q = vke->queries; q != NULL && q->id != qid; q = q->next)
		;
	if (q == NULL || q->answered[idx])
		return;		/* late or repeated: the query is over */
	q->answered[idx] = true;
	disc_record(vke, q, from, f->payload + 4, f->payload_len - 4);
	for (size_t i = 0; i < vke->npeers; i++)
		all = all && (q->answered[i] || !vke->peers[i].up);
	if (all)
		disc_finish(vke, q);
}

static int
disc_start(struct vke *vke, int fd)
{
	struct vke_query *q = lpd_calloc(1, sizeof(*q));
	uint8_t body[MSG_SUB_SIZE + 4];
	size_t sent = 0;

	if (q == NULL || (q->answered = lpd_calloc(vke->npeers, 1)) == NULL) {
		lpd_free(q);
		return ENOMEM;
	}
	q->id = ++vke->next_query;
	q->conn_fd = fd;
	q->deadline_ms = vke_now_ms() + VKE_QUERY_MS;
	q->next = vke->queries;
	vke->queries = q;
	memset(body, 0, sizeof(body));
	body[1] = MSG_SUB_DISCOVERY;
	body[3] = MSG_DISC_QUERY;
	body[7] = sizeof(body);
	body[8] = (uint8_t)(q->id >> 24);
	body[9] = (uint8_t)(q->id >> 16);
	body[10] = (uint8_t)(q->id >> 8);
	body[11] = (uint8_t)q->id;
	for (size_t i = 0; i < vke->npeers; i++) {
		if (kc_submit(vke, &vke->peers[i], MSG_F_BROADCAST, body,
			      sizeof(body)) == 0)
			sent++;
	}
	if (sent == 0)
		disc_finish(vke, q);
	return 0;
}

/* ---- delivery from the transport ------------------------------------ */

bool
vke_deliver(struct vke *vke, struct kc_peer *from, const struct msg_frame *f,
	    const uint8_t *raw, size_t len)
{
	size_t n;
	uint8_t *copy;

	(void)len;
	if (f->sub.subsystem == MSG_SUB_DISCOVERY) {
		if (f->sub.opcode == MSG_DISC_QUERY && f->payload_len >= 4)
			disc_answer(vke, from, lpd_load_u32(f->payload, true));
		else if (f->sub.opcode == MSG_DISC_REPLY)
			disc_on_reply(vke, from, f);
		return true;
	}
	if (!vke_can_deliver(vke))
		return false;
	/* Stage the message for the receiver: header and sub-header as
	 * they came, then the payload; keep a trace of the last one (what a
	 * dump of the VKE shows first). */
	n = f->payload_len;
	if (vke->fault == VKE_FAULT_SUBHDR_LEN)
		n = (size_t)f->sub.length - MSG_SUB_SIZE;  /* the bug */
	vke->last_frame = *f;
	vke->last_from = from->conf->id;
	vke->last_crc = msg_crc32(0, f->payload, n);
	memcpy(vke->stage, raw, MSG_HDR_SIZE + MSG_SUB_SIZE);
	memcpy(vke->stage + MSG_HDR_SIZE + MSG_SUB_SIZE, f->payload, n);
	copy = lpd_malloc(MSG_HDR_SIZE + MSG_SUB_SIZE + n);
	if (copy == NULL)
		return false;
	memcpy(copy, vke->stage, MSG_HDR_SIZE + MSG_SUB_SIZE + n);
	return vke_rq_push(vke, copy, MSG_HDR_SIZE + MSG_SUB_SIZE + n);
}

/* ---- status --------------------------------------------------------- */

static struct lpd_error *
vke_status_json(struct vke *vke, struct lpd_buf *out)
{
	struct lpd_json j;
	int64_t now = vke_now_ms();
	uint64_t total = 0;

	lpd_json_init(&j, out);
	lpd_json_object_begin(&j);
	lpd_json_key(&j, "cluster");
	lpd_json_string(&j, vke->conf->cluster);
	lpd_json_key(&j, "node");
	lpd_json_string(&j, vke->me->name);
	lpd_json_key(&j, "id");
	lpd_json_uint(&j, vke->me->id);
	lpd_json_key(&j, "pid");
	lpd_json_int(&j, getpid());
	lpd_json_key(&j, "incarnation");
	lpd_json_uint(&j, vke->inc);
	lpd_json_key(&j, "uptime_ms");
	lpd_json_int(&j, now - vke->start_ms);
	lpd_json_key(&j, "fault");
	lpd_json_string(&j, vke_fault_names[vke->fault]);
	lpd_json_key(&j, "receiver");
	lpd_json_bool(&j, vke_receiver(vke) != NULL);
	lpd_json_key(&j, "queued");
	lpd_json_uint(&j, vke->rq_count);
	lpd_json_key(&j, "submitted");
	lpd_json_uint(&j, vke->stats.submitted);
	lpd_json_key(&j, "submit_rejected");
	lpd_json_uint(&j, vke->stats.submit_rejected);
	lpd_json_key(&j, "delivered_local");
	lpd_json_uint(&j, vke->stats.delivered_local);
	lpd_json_key(&j, "refused");
	lpd_json_uint(&j, vke->stats.refused);
	lpd_json_key(&j, "rx_datagrams");
	lpd_json_uint(&j, vke->stats.rx_datagrams);
	lpd_json_key(&j, "tx_datagrams");
	lpd_json_uint(&j, vke->stats.tx_datagrams);
	lpd_json_key(&j, "injected_drops");
	lpd_json_uint(&j, vke->stats.injected_drops);
	lpd_json_key(&j, "injected_dups");
	lpd_json_uint(&j, vke->stats.injected_dups);
	lpd_json_key(&j, "ring_submitted");
	lpd_json_uint(&j, vke->stats.ring_submitted);
	lpd_json_key(&j, "ring_delivered");
	lpd_json_uint(&j, vke->stats.ring_delivered);
	lpd_json_key(&j, "doorbells_in");
	lpd_json_uint(&j, vke->stats.doorbells_in);
	lpd_json_key(&j, "doorbells_out");
	lpd_json_uint(&j, vke->stats.doorbells_out);
	lpd_json_key(&j, "dropped");
	lpd_json_object_begin(&j);
	for (int i = 1; i < MSG_DROP_COUNT; i++) {
		lpd_json_key(&j, msg_drop_name(i));
		lpd_json_uint(&j, vke->stats.dropped[i]);
		total += vke->stats.dropped[i];
	}
	lpd_json_key(&j, "total");
	lpd_json_uint(&j, total);
	lpd_json_object_end(&j);
	lpd_json_key(&j, "peers");
	lpd_json_array_begin(&j);
	for (size_t i = 0; i < vke->npeers; i++) {
		struct kc_peer *p = &vke->peers[i];

		lpd_json_object_begin(&j);
		lpd_json_key(&j, "node");
		lpd_json_string(&j, p->conf->name);
		lpd_json_key(&j, "id");
		lpd_json_uint(&j, p->conf->id);
		lpd_json_key(&j, "self");
		lpd_json_bool(&j, p->self);
		lpd_json_key(&j, "state");
		lpd_json_string(&j, p->up ? "up" : p->ever_up ? "down"
							      : "unknown");
		lpd_json_key(&j, "incarnation");
		lpd_json_uint(&j, p->inc);
		lpd_json_key(&j, "last_heard_ms_ago");
		if (p->ever_up)
			lpd_json_int(&j, now - p->last_heard_ms);
		else
			lpd_json_null(&j);
		lpd_json_key(&j, "sent");
		lpd_json_uint(&j, p->sent);
		lpd_json_key(&j, "retransmits");
		lpd_json_uint(&j, p->retransmits);
		lpd_json_key(&j, "unacked");
		lpd_json_uint(&j, p->rtx_count + p->wait_count);
		lpd_json_key(&j, "acks_in");
		lpd_json_uint(&j, p->acks_in);
		lpd_json_key(&j, "received");
		lpd_json_uint(&j, p->received);
		lpd_json_key(&j, "acks_sent");
		lpd_json_uint(&j, p->acks_sent);
		lpd_json_key(&j, "duplicates");
		lpd_json_uint(&j, p->duplicates);
		lpd_json_key(&j, "delivered");
		lpd_json_uint(&j, p->delivered_total);
		lpd_json_key(&j, "abandoned");
		lpd_json_uint(&j, p->abandoned);
		lpd_json_key(&j, "went_down");
		lpd_json_uint(&j, p->went_down);
		lpd_json_key(&j, "came_up");
		lpd_json_uint(&j, p->came_up);
		lpd_json_object_end(&j);
	}
	lpd_json_array_end(&j);
	lpd_json_object_end(&j);
	return lpd_json_finish(&j);
}

/* ---- requests ------------------------------------------------------- */

static int
vke_submit(struct vke *vke, const uint8_t *msg,
	   size_t len, uint32_t *count)
{
	struct msg_frame f;
	enum msg_drop why;
	struct lpd_error *err;
	const uint8_t *body = msg + MSG_HDR_SIZE;
	int e = 0;

	/* A refusal is counted and answered with EBADMSG: no need to
	 * name the sender in the message. */
	err = msg_wire_parse(msg, len, "submitted message",
			     vke->fault == VKE_FAULT_SUBHDR_LEN ?
			     MSG_PARSE_LAX_SUBLEN : 0, &why, &f);
	if (err != NULL) {
		vke->stats.dropped[why]++;
		lpd_error_destroy(err);
		return EBADMSG;
	}
	if (f.hdr.type != MSG_T_DATA || f.hdr.seq != 0 ||
	    (f.hdr.src != 0 && f.hdr.src != vke->me->id)) {
		vke->stats.dropped[MSG_DROP_NODE]++;
		return EBADMSG;
	}
	if (f.sub.subsystem != MSG_SUB_USER) {
		/* Other subsystems belong to the VKEs themselves. */
		vke->stats.dropped[MSG_DROP_SUBHEADER]++;
		return EBADMSG;
	}
	*count = 0;
	if (f.hdr.flags & MSG_F_BROADCAST) {
		for (size_t i = 0; i < vke->npeers; i++) {
			if (!vke->peers[i].up)
				continue;
			e = kc_submit(vke, &vke->peers[i], MSG_F_BROADCAST,
				      body, f.hdr.length);
			if (e == 0)
				(*count)++;
		}
		return *count > 0 ? 0 : e;
	}
	struct kc_peer *p = kc_peer_by_id(vke, f.hdr.dst);

	if (p == NULL)
		return ENOENT;
	e = kc_submit(vke, p, 0, body, f.hdr.length);
	if (e == 0)
		*count = 1;
	return e;
}

/* MSG_OP_RING: make C's rings and hand it the memfd. Sealed against
 * resizing: a daemon that shrank it would make our next access fault.
 * Returns false when C must be closed. */
static bool
vke_ring_setup(struct vke_conn *c)
{
	const size_t size = sizeof(struct msg_ring_area);
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	uint8_t h[MSG_REQ_HDR];
	struct iovec iov = { h, sizeof(h) };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cm;
	void *map = MAP_FAILED;
	int fd, e = 0;
	bool ok;

	if (c->ring != NULL)
		return vke_reply(c->fd, MSG_OP_RING, EEXIST, NULL, 0) == 0;
	fd = memfd_create("vios-vke-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
		  F_SEAL_SEAL) < 0 ||
	    (map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			0)) == MAP_FAILED)
		e = errno;
	if (e != 0) {
		if (fd >= 0)
			close(fd);
		return vke_reply(c->fd, MSG_OP_RING, (uint16_t)e, NULL, 0) ==
		       0;
	}
	msg_ring_area_init(map);
	memset(&ctl, 0, sizeof(ctl));
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	put_req_hdr(h, MSG_REP_MAGIC, MSG_OP_RING, 0, 0);
	ok = sendmsg(c->fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0;
	close(fd);
	if (!ok) {
		munmap(map, size);
		return false;
	}
	c->ring = map;
	c->sub = (struct msg_ring_end){ &c->ring->submit, 0 };
	c->del = (struct msg_ring_end){ &c->ring->deliver, 0 };
	return true;
}

/* Take what C's submit ring holds, a bounded number per round, each
 * handled like a SUBMIT request whose answer is a count in the ring.
 * Returns how many were taken. */
static size_t
vke_ring_drain(struct vke *vke, struct vke_conn *c)
{
	size_t n = 0, len;
	uint32_t flags, count;

	for (; n < 64; n++) {
		enum msg_ring_get_result g = msg_ring_get(
			&c->sub, vke->req, sizeof(vke->req), &len, &flags);
		int e;

		if (g == MSG_RING_EMPTY)
			break;
		if (g == MSG_RING_CORRUPT) {
			vke->stats.dropped[MSG_DROP_REQUEST]++;
			c->broken = true;
			break;
		}
		if (g == MSG_RING_BAD_LENGTH || flags != 0) {
			/* Submits too long for a slot come by the socket
			 * after the ring drains: a marker is a lie. */
			vke->stats.dropped[MSG_DROP_REQUEST]++;
			atomic_fetch_add(&c->sub.ring->ctl.refused, 1);
			if (g == MSG_RING_TAKEN)
				msg_ring_release(&c->sub);
			continue;
		}
		e = vke_submit(vke, vke->req, len, &count);
		if (e == 0) {
			vke->stats.submitted++;
			vke->stats.ring_submitted++;
		} else {
			vke->stats.submit_rejected++;
			atomic_fetch_add(&c->sub.ring->ctl.refused, 1);
		}
		msg_ring_release(&c->sub);
	}
	return n;
}

/* Returns false when the connection must be closed. */
static bool
vke_request(struct vke *vke, struct vke_conn *c, const uint8_t *buf,
	    size_t len)
{
	struct lpd_reader r;
	uint32_t magic, blen, count = 0;
	uint16_t op, zero;
	struct lpd_buf out = LPD_BUF_INIT;
	struct lpd_error *err;
	uint8_t cbuf[4];
	int e;

	lpd_reader_init(&r, buf, len, true, "request", 0);
	if (lpd_reader_left(&r) < MSG_REQ_HDR) {
		vke->stats.dropped[MSG_DROP_REQUEST]++;
		return vke_reply(c->fd, 0, EPROTO, NULL, 0) == 0;
	}
	/* Length checked above: these cannot fail. */
	lpd_reader_u32(&r, &magic);
	lpd_reader_u16(&r, &op);
	lpd_reader_u16(&r, &zero);
	lpd_reader_u32(&r, &blen);
	if (magic != MSG_REQ_MAGIC || zero != 0 ||
	    blen != lpd_reader_left(&r) || op < MSG_OP_SUBMIT ||
	    op > MSG_OP_DOORBELL || op == MSG_OP_DELIVER ||
	    (op != MSG_OP_SUBMIT && blen != 0)) {
		vke->stats.dropped[MSG_DROP_REQUEST]++;
		return vke_reply(c->fd, op, EPROTO, NULL, 0) == 0;
	}
	if (op != MSG_OP_STATUS && !c->authorized) {
		vke->stats.refused++;
		return vke_reply(c->fd, op, EACCES, NULL, 0) == 0;
	}
	switch (op) {
	case MSG_OP_SUBMIT:
		e = vke_submit(vke, buf + MSG_REQ_HDR, blen, &count);
		if (e == 0)
			vke->stats.submitted++;
		else
			vke->stats.submit_rejected++;
		cbuf[0] = (uint8_t)(count >> 24);
		cbuf[1] = (uint8_t)(count >> 16);
		cbuf[2] = (uint8_t)(count >> 8);
		cbuf[3] = (uint8_t)count;
		return vke_reply(c->fd, op, (uint16_t)e, cbuf, 4) == 0;
	case MSG_OP_REGISTER:
		for (size_t i = 0; i < vke->nconns; i++)
			vke->conns[i].receiver = false;
		c->receiver = true;
		e = vke_reply(c->fd, op, 0, NULL, 0);
		vke_flush_rq(vke);
		return e == 0;
	case MSG_OP_STATUS:
		err = vke_status_json(vke, &out);
		e = vke_reply(c->fd, op, err ? ENOMEM : 0, out.data,
			      err ? 0 : out.len);
		lpd_error_destroy(err);
		lpd_buf_deinit(&out);
		return e == 0;
	case MSG_OP_DISCOVER:
		e = disc_start(vke, c->fd);
		return e == 0 || vke_reply(c->fd, op, (uint16_t)e, NULL, 0) == 0;
	case MSG_OP_RING:
		return vke_ring_setup(c);
	case MSG_OP_DOORBELL:
		vke->stats.doorbells_in++;
		return true;	/* the loop drains the ring every round */
	}
	return true;
}

static void
vke_accept(struct vke *vke)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct vke_conn *c;
	int fd;

	fd = accept4(vke->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	if (vke->nconns == VKE_MAX_CONNS ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		close(fd);
		return;
	}
	c = &vke->conns[vke->nconns++];
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->uid = cred.uid;
	c->gid = cred.gid;
	c->pid = cred.pid;
	/* The node's daemons: our own uid, or the configured ones. */
	c->authorized = cred.uid == geteuid() ||
			(vke->conf->allow_uid >= 0 &&
			 cred.uid == (uid_t)vke->conf->allow_uid) ||
			(vke->conf->allow_gid >= 0 &&
			 cred.gid == (gid_t)vke->conf->allow_gid);
}

/* Returns false when C must be closed. */
static bool
vke_conn_input(struct vke *vke, struct vke_conn *c)
{
	const size_t cap = sizeof(vke->req);
	uint8_t *buf = vke->req;
	ssize_t n;
	bool keep;

	/* Bounded per poll round, like the UDP side. */
	for (int i = 0; i < 64; i++) {
		n = recv(c->fd, buf, cap, MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		if (n == 0)
			return false;
		if ((size_t)n == cap) {
			/* Longer than any request: cut by recv. */
			vke->stats.dropped[MSG_DROP_REQUEST]++;
			keep = vke_reply(c->fd, 0, EMSGSIZE, NULL, 0) == 0;
		} else {
			keep = vke_request(vke, c, buf, (size_t)n);
		}
		if (!keep)
			return false;
	}
	return true;
}

/* ---- setup and loop ------------------------------------------------- */

static struct lpd_error *
vke_listen(struct vke *vke)
{
	struct sockaddr_un sa;

	if (mkdir(vke->conf->socket_dir, 0755) < 0 && errno != EEXIST)
		return lpd_error_os(errno, vke->conf->socket_dir);
	vke->sock_path = msg_config_socket_path(vke->conf, vke->me);
	if (vke->sock_path == NULL)
		return &lpd_enomem;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(vke->sock_path) >= sizeof(sa.sun_path))
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"%s: socket path too long",
					vke->sock_path);
	strcpy(sa.sun_path, vke->sock_path);
	vke->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC |
				SOCK_NONBLOCK, 0);
	if (vke->listen_fd < 0)
		return lpd_error_os(errno, "unix socket");
	unlink(vke->sock_path);
	if (bind(vke->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return lpd_error_os(errno, vke->sock_path);
	/* Anyone may connect: who may submit is decided by SO_PEERCRED,
	 * so an outsider gets a clear refusal, not a bare EACCES. */
	chmod(vke->sock_path, 0666);
	if (listen(vke->listen_fd, 64) < 0)
		return lpd_error_os(errno, vke->sock_path);
	return NULL;
}

/* With a fault armed, make sure the crash leaves a core in the node's
 * repository, next to a note naming the node and the LPAR. */
static void
vke_arm_fault(struct vke *vke)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	char *dir, *meta;
	FILE *f;

	if (vke->fault == VKE_FAULT_NONE)
		return;
	if (setrlimit(RLIMIT_CORE, &rl) < 0) {
		rl.rlim_cur = rl.rlim_max = 0;
		getrlimit(RLIMIT_CORE, &rl);
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_CORE, &rl);
	}
	if (vke->me->repo == NULL)
		return;
	dir = lpd_asprintf("%s/dumps", vke->me->repo);
	if (dir == NULL)
		return;
	mkdir(vke->me->repo, 0755);
	mkdir(dir, 0755);
	if (chdir(dir) == 0) {
		meta = lpd_asprintf("vios-vke.%ld.meta", (long)getpid());
		f = meta != NULL ? fopen(meta, "w") : NULL;
		if (f != NULL) {
			fprintf(f, "program vios-vke\nnode %s\nlpar %s-vios\n"
				"pid %ld\nfault %s\n", vke->me->name,
				vke->me->name, (long)getpid(),
				vke_fault_names[vke->fault]);
			fclose(f);
		}
		lpd_free(meta);
	}
	lpd_free(dir);
}

/* Every ring's submits; connections whose ring lied are closed. */
static size_t
vke_rings_drain(struct vke *vke)
{
	size_t n = 0;

	for (size_t i = vke->nconns; i-- > 0;) {
		struct vke_conn *c = &vke->conns[i];

		if (c->ring != NULL)
			n += vke_ring_drain(vke, c);
		if (c->broken)
			vke_conn_close(vke, i);
	}
	return n;
}

/* Before poll sleeps: ask every ring's producer for a doorbell. True
 * when a submit came meanwhile (then do not sleep). */
static bool
vke_rings_sleep(struct vke *vke)
{
	bool pending = false;

	for (size_t i = 0; i < vke->nconns; i++) {
		if (vke->conns[i].ring != NULL &&
		    msg_ring_prepare_sleep(&vke->conns[i].sub))
			pending = true;
	}
	return pending;
}

static void
vke_rings_awake(struct vke *vke)
{
	for (size_t i = 0; i < vke->nconns; i++) {
		if (vke->conns[i].ring != NULL)
			msg_ring_awake(&vke->conns[i].sub);
	}
}

static void
vke_loop(struct vke *vke, int sigfd)
{
	struct pollfd pfd[3 + VKE_MAX_CONNS];
	const int64_t busy_us = vke->conf->busy_poll_us;
	int64_t last_work_us = 0;

	for (;;) {
		int64_t now = vke_now_ms();
		int timeout = kc_tick(vke, now);
		struct vke_conn *rc;
		size_t n = 3;
		int pr;

		for (struct vke_query *q = vke->queries, *next; q; q = next) {
			next = q->next;
			if (now >= q->deadline_ms)
				disc_finish(vke, q);
			else if (q->deadline_ms - now < timeout)
				timeout = (int)(q->deadline_ms - now);
		}
		if (vke_rings_drain(vke) > 0)
			last_work_us = msg_now_us();
		vke_flush_rq(vke);
		rc = vke_receiver(vke);
		if (rc != NULL && rc->ring != NULL && vke->rq_count > 0 &&
		    timeout > 1)
			timeout = 1;	/* its ring is full: look again soon */
		pfd[0] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = vke->udp_fd, .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = vke->listen_fd,
					  .events = POLLIN };
		for (size_t i = 0; i < vke->nconns; i++) {
			struct vke_conn *c = &vke->conns[i];

			pfd[n++] = (struct pollfd){
				.fd = c->fd,
				.events = POLLIN | (c == rc && vke->rq_count ?
						    POLLOUT : 0),
			};
		}
		/* Busy polling: soon after traffic, look again at once
		 * rather than sleep, so the next message finds this process
		 * on a CPU instead of waking it (a wake of an idle virtual
		 * CPU costs about 20 us here; see bench/messaging.sh). */
		if (busy_us > 0 && msg_now_us() - last_work_us < busy_us) {
			timeout = 0;
			sched_yield();	/* others on this CPU go first */
		}
		if (timeout != 0 && vke_rings_sleep(vke))
			timeout = 0;
		pr = poll(pfd, n, timeout);
		vke_rings_awake(vke);
		if (pr < 0 && errno != EINTR)
			return;
		if (pr > 0 && busy_us > 0)
			last_work_us = msg_now_us();
		if (pfd[0].revents)
			return;
		if (pfd[1].revents) {
			kc_input(vke);
			/* The receiving daemon first: the ACKs can wait. */
			vke_flush_rq(vke);
			kc_flush_acks(vke);
		}
		if (pfd[2].revents)
			vke_accept(vke);
		/* Connections: walk backwards, closing swaps from the end. */
		for (size_t k = n; k-- > 3;) {
			size_t i;
			bool keep = true;

			if (pfd[k].revents == 0)
				continue;
			for (i = 0; i < vke->nconns &&
			     vke->conns[i].fd != pfd[k].fd; i++)
				;
			if (i == vke->nconns)
				continue;
			if (pfd[k].revents & POLLIN)
				keep = vke_conn_input(vke, &vke->conns[i]);
			else if (pfd[k].revents & (POLLHUP | POLLERR))
				keep = false;
			if (!keep)
				vke_conn_close(vke, i);
		}
	}
}

static uint32_t
vke_incarnation(void)
{
	struct timespec ts;
	uint32_t inc;

	/* Differs across restarts of the node: microseconds and pid. */
	clock_gettime(CLOCK_REALTIME, &ts);
	inc = (uint32_t)(ts.tv_sec * 1000000 + ts.tv_nsec / 1000) ^
	      ((uint32_t)getpid() << 20);
	return inc != 0 ? inc : 1;
}

struct vke *vke_debug_root;

static void
usage(FILE *to)
{
	fprintf(to,
		"usage: vios-vke --config FILE --node NAME [--drop P] "
		"[--dup P] [--seed N]\n"
		"                [--fault subhdr-len|queue-overflow|rtx-uaf]\n"
		"environment: VIOS_VKE_DROP, VIOS_VKE_DUP, VIOS_VKE_FAULT\n");
}

static bool
parse_prob(const char *s, double *ret)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v >= 0 && v < 1))
		return false;
	*ret = v;
	return true;
}

static bool
parse_fault(const char *s, enum vke_fault *ret)
{
	for (size_t i = 0; i < sizeof(vke_fault_names) /
			       sizeof(vke_fault_names[0]); i++) {
		if (strcmp(s, vke_fault_names[i]) == 0) {
			*ret = (enum vke_fault)i;
			return true;
		}
	}
	return false;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "node", required_argument, NULL, 'n' },
		{ "drop", required_argument, NULL, 'd' },
		{ "dup", required_argument, NULL, 'u' },
		{ "fault", required_argument, NULL, 'f' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vke *vke;
	const char *config = NULL, *node = NULL, *env;
	struct lpd_error *err = NULL;
	unsigned long long seed = 0;
	sigset_t mask;
	int c, sigfd, status = 0;

	vke = lpd_calloc(1, sizeof(*vke));
	if (vke == NULL) {
		fprintf(stderr, "vios-vke: out of memory\n");
		return 1;
	}
	vke->udp_fd = vke->listen_fd = -1;
	vke_debug_root = vke;
	if ((env = getenv("VIOS_VKE_DROP")) && !parse_prob(env, &vke->drop_p))
		err = lpd_error_format(LPD_ERR_INVALID_ARG,
				       "VIOS_VKE_DROP '%s' not in [0,1)", env);
	if (!err && (env = getenv("VIOS_VKE_DUP")) &&
	    !parse_prob(env, &vke->dup_p))
		err = lpd_error_format(LPD_ERR_INVALID_ARG,
				       "VIOS_VKE_DUP '%s' not in [0,1)", env);
	if (!err && (env = getenv("VIOS_VKE_FAULT")) && *env &&
	    !parse_fault(env, &vke->fault))
		err = lpd_error_format(LPD_ERR_INVALID_ARG,
				       "unknown fault '%s'", env);
	while (!err && (c = getopt_long(argc, argv, "c:n:h", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'n': node = optarg; break;
		case 'd':
			if (!parse_prob(optarg, &vke->drop_p))
				err = lpd_error_format(LPD_ERR_INVALID_ARG,
					"--drop '%s' not in [0,1)", optarg);
			break;
		case 'u':
			if (!parse_prob(optarg, &vke->dup_p))
				err = lpd_error_format(LPD_ERR_INVALID_ARG,
					"--dup '%s' not in [0,1)", optarg);
			break;
		case 'f':
			if (!parse_fault(optarg, &vke->fault))
				err = lpd_error_format(LPD_ERR_INVALID_ARG,
					"unknown fault '%s'", optarg);
			break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'h': usage(stdout); lpd_free(vke); return 0;
		default: usage(stderr); lpd_free(vke); return 2;
		}
	}
	if (!err && (config == NULL || node == NULL || optind != argc)) {
		usage(stderr);
		lpd_free(vke);
		return 2;
	}
	if (!err)
		err = msg_config_load(config, &vke->conf);
	if (!err && (vke->me = msg_config_node(vke->conf, node)) == NULL)
		err = lpd_error_format(LPD_ERR_INVALID_ARG,
				       "%s: no node '%s'", config, node);
	if (err)
		goto out;
	vke->inc = vke_incarnation();
	vke->rng = seed ? seed : ((uint64_t)vke->inc << 1) | 1;
	vke->start_ms = vke_now_ms();
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sigfd < 0) {
		err = lpd_error_os(errno, "signalfd");
		goto out;
	}
	if ((err = kc_init(vke)) || (err = vke_listen(vke)))
		goto out_sig;
	vke_arm_fault(vke);
	fprintf(stderr, "vios-vke[%s]: node %u up, udp 127.0.0.1:%u, "
		"socket %s, incarnation %u%s%s\n", vke->me->name,
		vke->me->id, vke->me->port, vke->sock_path, vke->inc,
		vke->fault ? ", FAULT " : "",
		vke->fault ? vke_fault_names[vke->fault] : "");
	vke_loop(vke, sigfd);
	fprintf(stderr, "vios-vke[%s]: stopping\n", vke->me->name);
out_sig:
	close(sigfd);
out:
	if (err) {
		fprintf(stderr, "vios-vke: %s\n", err->message);
		status = lpd_error_exit_status(err);
		lpd_error_destroy(err);
	}
	while (vke->nconns > 0)
		vke_conn_close(vke, vke->nconns - 1);
	while (vke->queries != NULL)
		disc_finish(vke, vke->queries);
	for (; vke->rq_count > 0; vke->rq_count--) {
		lpd_free(vke->rq[vke->rq_head].frame);
		vke->rq_head = (vke->rq_head + 1) % VKE_RQ_CAP;
	}
	if (vke->listen_fd >= 0) {
		close(vke->listen_fd);
		unlink(vke->sock_path);
	}
	lpd_free(vke->sock_path);
	kc_deinit(vke);
	msg_config_destroy(vke->conf);
	vke_debug_root = NULL;
	lpd_free(vke);
	return status;
}
