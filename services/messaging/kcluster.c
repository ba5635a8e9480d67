/* services/messaging/kcluster.c - the kcluster transport between VKEs:
 * UDP on loopback, membership by heartbeats, one ordered stream per
 * (sender, receiver) with cumulative acks, retransmission and duplicate
 * suppression, so each DATA frame is handed up exactly once and in order.
 * Parsing is wire.c's; what a delivered frame means is vke.c's. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "services/messaging/vke-int.h"

enum {
	KC_TICK_MS = 5,
	/* Delayed, cumulative ACKs: each ACK wakes the sender's VKE, so a
	 * burst is acknowledged once. The delay stays far below any sane
	 * rto_ms, so it never causes a retransmission. */
	KC_ACK_EVERY = 32,
	KC_ACK_DELAY_MS = 1,
};

static void
kc_log(struct vke *vke, const char *fmt, const char *peer)
{
	fprintf(stderr, "vios-vke[%s]: ", vke->me->name);
	fprintf(stderr, fmt, peer);
	fputc('\n', stderr);
}

struct kc_peer *
kc_peer_by_id(struct vke *vke, uint16_t id)
{
	for (size_t i = 0; i < vke->npeers; i++) {
		if (vke->peers[i].conf->id == id)
			return &vke->peers[i];
	}
	return NULL;
}

/* Sequence comparison that survives wrap-around (RFC 1982 style). */
static bool
seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static double
kc_random(struct vke *vke)
{
	/* xorshift64*: cheap, and deterministic given the seed. */
	vke->rng ^= vke->rng >> 12;
	vke->rng ^= vke->rng << 25;
	vke->rng ^= vke->rng >> 27;
	return (double)((vke->rng * 0x2545f4914f6cdd1dull) >> 11) /
	       (double)(1ull << 53);
}

/* Every datagram leaves here, where the fault injector may lose or
 * duplicate it. */
static void
kc_send_raw(struct vke *vke, struct kc_peer *peer, const uint8_t *buf,
	    size_t len)
{
	int copies = 1;

	if (vke->drop_p > 0 && kc_random(vke) < vke->drop_p) {
		vke->stats.injected_drops++;
		return;
	}
	if (vke->dup_p > 0 && kc_random(vke) < vke->dup_p) {
		vke->stats.injected_dups++;
		copies = 2;
	}
	while (copies-- > 0) {
		if (sendto(vke->udp_fd, buf, len, MSG_DONTWAIT,
			   (const struct sockaddr *)&peer->addr,
			   sizeof(peer->addr)) >= 0)
			vke->stats.tx_datagrams++;
	}
}

static void
kc_send_control(struct vke *vke, struct kc_peer *peer, uint8_t type,
		uint32_t seq)
{
	struct msg_frame f;
	uint8_t buf[MSG_HDR_SIZE];
	size_t len;
	struct lpd_error *err;

	memset(&f, 0, sizeof(f));
	f.hdr.type = type;
	f.hdr.src = vke->me->id;
	f.hdr.dst = peer->conf->id;
	f.hdr.src_inc = vke->inc;
	f.hdr.dst_inc = peer->inc;
	f.hdr.seq = seq;
	err = msg_wire_build(&f, buf, sizeof(buf), &len);
	if (err != NULL) {
		lpd_error_destroy(err);	/* cannot happen: fixed size */
		return;
	}
	kc_send_raw(vke, peer, buf, len);
}

static void
kc_buf_free(struct kc_buf *b)
{
	lpd_free(b->frame);
	lpd_free(b);
}

static void
kc_free_list(struct kc_buf **head, struct kc_buf **tail, size_t *count)
{
	struct kc_buf *b = *head, *next;

	for (; b != NULL; b = next) {
		next = b->next;
		kc_buf_free(b);
	}
	*head = *tail = NULL;
	*count = 0;
}

static void
kc_reset_recv(struct kc_peer *peer, uint32_t inc)
{
	peer->recv_inc = inc;
	peer->delivered = 0;
	peer->ack_owed = 0;
	peer->ack_now = false;
	for (size_t i = 0; i < KC_WINDOW; i++) {
		lpd_free(peer->ooo[i].frame);
		peer->ooo[i].frame = NULL;
	}
}

/* A new incarnation of PEER: what we had queued was for the old process,
 * which is gone, so the stream starts over. */
static void
kc_reset_send(struct kc_peer *peer)
{
	peer->abandoned += peer->rtx_count + peer->wait_count;
	kc_free_list(&peer->rtx_head, &peer->rtx_tail, &peer->rtx_count);
	kc_free_list(&peer->wait_head, &peer->wait_tail, &peer->wait_count);
	peer->next_seq = 1;
	peer->acked = 0;
}

static void
kc_transmit(struct vke *vke, struct kc_peer *peer, struct kc_buf *b,
	    int64_t now)
{
	uint8_t *f = b->frame;

	/* The peer's incarnation may have become known since queueing. */
	f[16] = (uint8_t)(peer->inc >> 24);
	f[17] = (uint8_t)(peer->inc >> 16);
	f[18] = (uint8_t)(peer->inc >> 8);
	f[19] = (uint8_t)peer->inc;
	if (b->tries > 0)
		f[5] |= MSG_F_RETRANSMIT;
	msg_wire_reseal(f, b->len);
	b->sent_ms = now;
	b->tries++;
	kc_send_raw(vke, peer, f, b->len);
}

/* Move frames from the wait queue into the window and send them. */
static void
kc_fill_window(struct vke *vke, struct kc_peer *peer, int64_t now)
{
	while (peer->up && peer->wait_head != NULL &&
	       peer->rtx_count < KC_WINDOW) {
		struct kc_buf *b = peer->wait_head;

		peer->wait_head = b->next;
		if (peer->wait_head == NULL)
			peer->wait_tail = NULL;
		peer->wait_count--;
		b->next = NULL;
		if (peer->rtx_tail != NULL)
			peer->rtx_tail->next = b;
		else
			peer->rtx_head = b;
		peer->rtx_tail = b;
		peer->rtx_count++;
		peer->sent++;
		kc_transmit(vke, peer, b, now);
	}
}

int
kc_submit(struct vke *vke, struct kc_peer *peer, uint8_t flags,
	  const uint8_t *body, size_t body_len)
{
	struct kc_buf *b;
	struct msg_frame f;
	struct lpd_error *err;
	size_t len;

	if (!peer->up)
		return EHOSTDOWN;
	if (peer->wait_count >= KC_MAX_WAIT)
		return EAGAIN;
	b = lpd_calloc(1, sizeof(*b));
	if (b == NULL)
		return ENOMEM;
	b->frame = lpd_malloc(MSG_HDR_SIZE + body_len);
	if (b->frame == NULL) {
		lpd_free(b);
		return ENOMEM;
	}
	/* Build the header, then put the daemon's body after it verbatim:
	 * it was parsed on submission. */
	memset(&f, 0, sizeof(f));
	f.hdr.flags = flags;
	f.hdr.type = MSG_T_HEARTBEAT;	/* header only; fixed below */
	f.hdr.src = vke->me->id;
	f.hdr.dst = (flags & MSG_F_BROADCAST) ? MSG_NODE_ALL : peer->conf->id;
	f.hdr.src_inc = vke->inc;
	f.hdr.dst_inc = peer->inc;
	f.hdr.seq = peer->next_seq++;
	err = msg_wire_build(&f, b->frame, MSG_HDR_SIZE, &len);
	if (err != NULL) {
		lpd_error_destroy(err);
		kc_buf_free(b);
		return EINVAL;
	}
	b->frame[6] = MSG_T_DATA;
	b->frame[24] = (uint8_t)(body_len >> 24);
	b->frame[25] = (uint8_t)(body_len >> 16);
	b->frame[26] = (uint8_t)(body_len >> 8);
	b->frame[27] = (uint8_t)body_len;
	memcpy(b->frame + MSG_HDR_SIZE, body, body_len);
	b->len = MSG_HDR_SIZE + body_len;
	b->seq = f.hdr.seq;
	if (peer->wait_tail != NULL)
		peer->wait_tail->next = b;
	else
		peer->wait_head = b;
	peer->wait_tail = b;
	peer->wait_count++;
	kc_fill_window(vke, peer, vke_now_ms());
	return 0;
}

/* Any valid frame from PEER: it is alive, perhaps as a new process. */
static void
kc_heard(struct vke *vke, struct kc_peer *peer, uint32_t inc, int64_t now)
{
	peer->last_heard_ms = now;
	if (inc != peer->inc) {
		if (peer->inc != 0)
			kc_log(vke, "node %s restarted (new incarnation)",
			       peer->conf->name);
		peer->inc = inc;
		kc_reset_send(peer);
	}
	if (!peer->up) {
		peer->up = true;
		peer->ever_up = true;
		peer->came_up++;
		kc_log(vke, "node %s up", peer->conf->name);
		kc_fill_window(vke, peer, now);
	}
}

static void
kc_on_ack(struct vke *vke, struct kc_peer *peer, uint32_t ack, int64_t now)
{
	peer->acks_in++;
	if (seq_le(ack, peer->acked))
		return;
	peer->acked = ack;
	while (peer->rtx_head != NULL && seq_le(peer->rtx_head->seq, ack)) {
		struct kc_buf *b = peer->rtx_head;

		if (vke->fault == VKE_FAULT_RTX_UAF && b->next == NULL) {
			/* The bug: the tail is released before it is
			 * unlinked, so the retransmit timer finds it. */
			kc_buf_free(b);
			break;
		}
		peer->rtx_head = b->next;
		if (peer->rtx_head == NULL)
			peer->rtx_tail = NULL;
		peer->rtx_count--;
		kc_buf_free(b);
	}
	kc_fill_window(vke, peer, now);
}

static void
kc_owe_ack(struct kc_peer *peer)
{
	if (peer->ack_owed++ == 0)
		peer->ack_by_ms = vke_now_ms() + KC_ACK_DELAY_MS;
	if (peer->ack_owed >= KC_ACK_EVERY)
		peer->ack_now = true;
}

/* Hand up in-order frames held out of order, as far as they go. */
static void
kc_drain_ooo(struct vke *vke, struct kc_peer *peer)
{
	for (;;) {
		uint32_t want = peer->delivered + 1;
		struct kc_ooo *o = &peer->ooo[want % KC_WINDOW];
		struct msg_frame f;
		enum msg_drop why;
		struct lpd_error *err;

		if (o->frame == NULL || o->seq != want || !vke_can_deliver(vke))
			return;
		err = msg_wire_parse(o->frame, o->len, "ooo",
				     vke->fault == VKE_FAULT_SUBHDR_LEN ?
				     MSG_PARSE_LAX_SUBLEN : 0, &why, &f);
		if (err == NULL && !vke_deliver(vke, peer, &f, o->frame,
						o->len)) {
			return;
		}
		lpd_error_destroy(err);
		lpd_free(o->frame);
		o->frame = NULL;
		peer->delivered = want;
		peer->delivered_total++;
		kc_owe_ack(peer);
	}
}

static void
kc_on_data(struct vke *vke, struct kc_peer *peer, const struct msg_frame *f,
	   const uint8_t *raw, size_t len)
{
	uint32_t seq = f->hdr.seq;

	if (f->hdr.src_inc != peer->recv_inc)
		kc_reset_recv(peer, f->hdr.src_inc);
	peer->received++;
	if (seq == 0 || seq_le(seq, peer->delivered)) {
		peer->duplicates++;
		peer->ack_now = true;	/* our ACK may have been lost */
	} else if (seq == peer->delivered + 1) {
		if (vke_deliver(vke, peer, f, raw, len)) {
			peer->delivered = seq;
			peer->delivered_total++;
			kc_owe_ack(peer);
			kc_drain_ooo(vke, peer);
		}
	} else if (seq_le(seq, peer->delivered + KC_WINDOW)) {
		peer->ack_now = true;	/* a gap: tell the sender soon */
		struct kc_ooo *o = &peer->ooo[seq % KC_WINDOW];

		if (o->frame != NULL && o->seq == seq) {
			peer->duplicates++;
		} else {
			uint8_t *copy = lpd_malloc(len);

			if (copy != NULL) {
				lpd_free(o->frame);
				memcpy(copy, raw, len);
				o->frame = copy;
				o->len = len;
				o->seq = seq;
			}
		}
	}
	/* Beyond the window: the sender never goes there; ignore. */
}

static void
kc_send_ack(struct vke *vke, struct kc_peer *peer)
{
	peer->ack_now = false;
	peer->ack_owed = 0;
	peer->acks_sent++;
	kc_send_control(vke, peer, MSG_T_ACK, peer->delivered);
}

static void
kc_datagram(struct vke *vke, const uint8_t *buf, size_t len,
	    const struct sockaddr_in *from)
{
	struct msg_frame f;
	struct kc_peer *peer;
	enum msg_drop why;
	struct lpd_error *err;
	int64_t now = vke_now_ms();

	/* A refused datagram is only counted, so its error message needs
	 * no sender address: formatting one per datagram showed up in
	 * profiles. */
	err = msg_wire_parse(buf, len, "datagram",
			     vke->fault == VKE_FAULT_SUBHDR_LEN ?
			     MSG_PARSE_LAX_SUBLEN : 0, &why, &f);
	if (err != NULL) {
		vke->stats.dropped[why]++;
		lpd_error_destroy(err);
		return;
	}
	/* Only a configured node, from its own port, to us. */
	peer = kc_peer_by_id(vke, f.hdr.src);
	if (peer == NULL || f.hdr.src == 0 ||
	    from->sin_port != peer->addr.sin_port ||
	    from->sin_addr.s_addr != peer->addr.sin_addr.s_addr ||
	    (f.hdr.dst != vke->me->id && f.hdr.dst != MSG_NODE_ALL) ||
	    f.hdr.src_inc == 0) {
		vke->stats.dropped[MSG_DROP_NODE]++;
		return;
	}
	if (f.hdr.type != MSG_T_HEARTBEAT && f.hdr.dst_inc != vke->inc) {
		/* Meant for an earlier process on this node. */
		vke->stats.dropped[MSG_DROP_STALE]++;
		kc_heard(vke, peer, f.hdr.src_inc, now);
		return;
	}
	kc_heard(vke, peer, f.hdr.src_inc, now);
	switch (f.hdr.type) {
	case MSG_T_HEARTBEAT:
		break;
	case MSG_T_ACK:
		kc_on_ack(vke, peer, f.hdr.seq, now);
		break;
	case MSG_T_DATA:
		kc_on_data(vke, peer, &f, buf, len);
		break;
	}
}

void
kc_input(struct vke *vke)
{
	/* Bounded: a flood cannot starve the request socket. */
	for (int i = 0; i < 512; i++) {
		struct sockaddr_in from;
		socklen_t fromlen = sizeof(from);
		ssize_t n;

		n = recvfrom(vke->udp_fd, vke->scratch, sizeof(vke->scratch),
			     MSG_DONTWAIT | MSG_TRUNC,
			     (struct sockaddr *)&from, &fromlen);
		if (n < 0)
			return;
		vke->stats.rx_datagrams++;
		if (fromlen != sizeof(from) || from.sin_family != AF_INET) {
			vke->stats.dropped[MSG_DROP_NODE]++;
			continue;
		}
		if ((size_t)n > sizeof(vke->scratch)) {
			/* MSG_TRUNC gave the real size: over the maximum. */
			vke->stats.dropped[MSG_DROP_LENGTH]++;
			continue;
		}
		kc_datagram(vke, vke->scratch, (size_t)n, &from);
	}
}

void
kc_flush_acks(struct vke *vke)
{
	for (size_t i = 0; i < vke->npeers; i++) {
		struct kc_peer *p = &vke->peers[i];

		if (p->ack_now)
			kc_send_ack(vke, p);
	}
}

int
kc_tick(struct vke *vke, int64_t now)
{
	int64_t next = vke->next_hb_ms;
	bool pending = false;

	if (now >= vke->next_hb_ms) {
		for (size_t i = 0; i < vke->npeers; i++)
			kc_send_control(vke, &vke->peers[i], MSG_T_HEARTBEAT,
					0);
		vke->next_hb_ms = now + vke->conf->heartbeat_ms;
		next = vke->next_hb_ms;
	}
	for (size_t i = 0; i < vke->npeers; i++) {
		struct kc_peer *p = &vke->peers[i];

		if (p->up && !p->self &&
		    now - p->last_heard_ms > (int64_t)vke->conf->dead_ms) {
			p->up = false;
			p->down_since_ms = now;
			p->went_down++;
			kc_log(vke, "node %s down (no heartbeat)",
			       p->conf->name);
		}
		if (p->ack_owed > 0) {
			if (now >= p->ack_by_ms)
				kc_send_ack(vke, p);
			else if (p->ack_by_ms < next)
				next = p->ack_by_ms;
		}
		if (!p->up)
			continue;
		/* Frames held for a full receiver queue go on when it
		 * drains. */
		kc_drain_ooo(vke, p);
		if (p->rtx_head != NULL)
			pending = true;
		/* The walk is O(window): once a millisecond is enough, as
		 * sent_ms has that resolution. */
		if (now < vke->next_rtx_scan_ms)
			continue;
		for (struct kc_buf *b = p->rtx_head; b != NULL; b = b->next) {
			if (now - b->sent_ms >= (int64_t)vke->conf->rto_ms) {
				p->retransmits++;
				kc_transmit(vke, p, b, now);
			}
		}
	}
	if (now >= vke->next_rtx_scan_ms)
		vke->next_rtx_scan_ms = now + 1;
	if (pending && next > now + KC_TICK_MS)
		next = now + KC_TICK_MS;
	return next > now ? (int)(next - now) : 0;
}

struct lpd_error *
kc_init(struct vke *vke)
{
	struct sockaddr_in addr;
	int one = 1, bufsize = 4 << 20;

	vke->peers = lpd_calloc(vke->conf->nnodes, sizeof(*vke->peers));
	if (vke->peers == NULL)
		return &lpd_enomem;
	vke->npeers = vke->conf->nnodes;
	for (size_t i = 0; i < vke->npeers; i++) {
		struct kc_peer *p = &vke->peers[i];

		p->conf = &vke->conf->nodes[i];
		p->addr.sin_family = AF_INET;
		p->addr.sin_port = htons(p->conf->port);
		p->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		p->next_seq = 1;
		if (p->conf == vke->me) {
			/* Our own receiving daemon is reached through the
			 * same stream machinery, over our own port. */
			p->self = true;
			p->up = p->ever_up = true;
			p->inc = vke->inc;
			vke->self_peer = p;
		}
	}
	vke->udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (vke->udp_fd < 0)
		return lpd_error_os(errno, "udp socket");
	setsockopt(vke->udp_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Bursts of broadcasts must not overflow the socket queue. */
	setsockopt(vke->udp_fd, SOL_SOCKET, SO_RCVBUF, &bufsize,
		   sizeof(bufsize));
	setsockopt(vke->udp_fd, SOL_SOCKET, SO_SNDBUF, &bufsize,
		   sizeof(bufsize));
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons(vke->me->port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(vke->udp_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return lpd_error_prefix(lpd_error_os(errno, NULL),
					"binding udp port %u", vke->me->port);
	return NULL;
}

void
kc_deinit(struct vke *vke)
{
	for (size_t i = 0; i < vke->npeers; i++) {
		struct kc_peer *p = &vke->peers[i];

		kc_free_list(&p->rtx_head, &p->rtx_tail, &p->rtx_count);
		kc_free_list(&p->wait_head, &p->wait_tail, &p->wait_count);
		kc_reset_recv(p, 0);
	}
	lpd_free(vke->peers);
	vke->peers = NULL;
	if (vke->udp_fd >= 0)
		close(vke->udp_fd);
	vke->udp_fd = -1;
}
