/* services/messaging/vke-int.h - private to the VKE relay (vke.c) and the
 * kcluster transport (kcluster.c), and to their tests. */
#ifndef LPD_SERVICES_VKE_INT_H
#define LPD_SERVICES_VKE_INT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "services/messaging/messaging.h"
#include "services/messaging/ring-int.h"

enum {
	KC_WINDOW = 256,	/* unacked frames per stream; receiver buffer */
	KC_MAX_WAIT = 8192,	/* frames queued behind a full window */
	VKE_RQ_CAP = 4096,	/* messages held for the receiving daemon */
	VKE_MAX_CONNS = 128,
	VKE_QUERY_MS = 1500,	/* discovery waits this long for answers */
};

/* Fault switches: off by default; each walks a real bug path and
 * leaves a core (see vke_fault_names in vke.c). */
enum vke_fault {
	VKE_FAULT_NONE,
	VKE_FAULT_SUBHDR_LEN,		/* sub-header length trusted: SIGSEGV */
	VKE_FAULT_QUEUE_OVERFLOW,	/* off-by-one queue bound: abort */
	VKE_FAULT_RTX_UAF,		/* retransmit buffer freed, still
					 * linked: SIGSEGV/abort */
};

/* A sent, not yet acknowledged DATA frame. The frame is a separate
 * allocation: retransmission rewrites it in place. */
struct kc_buf {
	uint8_t *frame;
	size_t len;
	int64_t sent_ms;
	uint32_t seq;
	uint32_t tries;
	struct kc_buf *next;
};

struct kc_ooo {			/* out-of-order frame held by a receiver */
	uint8_t *frame;
	size_t len;
	uint32_t seq;
};

struct kc_peer {
	const struct msg_node_conf *conf;	/* borrowed from vke->conf */
	struct sockaddr_in addr;
	bool self;
	bool up;
	bool ever_up;
	uint32_t inc;			/* its incarnation, 0 unknown */
	int64_t last_heard_ms;
	int64_t down_since_ms;
	/* our stream to it */
	uint32_t next_seq;
	uint32_t acked;
	struct kc_buf *rtx_head, *rtx_tail;
	size_t rtx_count;
	struct kc_buf *wait_head, *wait_tail;
	size_t wait_count;
	/* its stream to us */
	uint32_t recv_inc;
	uint32_t delivered;
	bool ack_now;			/* duplicate or gap: ACK this round */
	uint32_t ack_owed;		/* in-order DATA not yet acknowledged */
	int64_t ack_by_ms;		/* delayed ACK deadline, if owed */
	struct kc_ooo ooo[KC_WINDOW];	/* indexed by seq % KC_WINDOW */
	/* counters */
	uint64_t sent, retransmits, acks_in, received, duplicates, acks_sent;
	uint64_t delivered_total, abandoned, went_down, came_up;
};

struct vke_stats {
	uint64_t dropped[MSG_DROP_COUNT];
	uint64_t refused;
	uint64_t submitted;
	uint64_t submit_rejected;
	uint64_t delivered_local;
	uint64_t rx_datagrams;
	uint64_t tx_datagrams;
	uint64_t injected_drops;
	uint64_t injected_dups;
	uint64_t ring_submitted;	/* of submitted: through a ring */
	uint64_t ring_delivered;	/* of delivered_local: through one */
	uint64_t doorbells_in;		/* a daemon woke us to look */
	uint64_t doorbells_out;		/* we woke a sleeping daemon */
};

struct vke_conn {
	int fd;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	bool authorized;
	bool receiver;
	struct msg_ring_area *ring;	/* MSG_OP_RING's mapping, or NULL */
	struct msg_ring_end sub;	/* we consume its submits */
	struct msg_ring_end del;	/* we produce its deliveries */
	bool broken;			/* its ring lied: close it */
};

struct vke_query {			/* a discovery in progress */
	uint32_t id;
	int conn_fd;
	int64_t deadline_ms;
	bool *answered;			/* per peer */
	struct lpd_buf nodes;		/* JSON objects, comma-separated */
	struct vke_query *next;
};

struct vke_rq_item {
	uint8_t *frame;
	size_t len;
};

struct vke {
	struct msg_config *conf;
	const struct msg_node_conf *me;
	uint32_t inc;
	int udp_fd;
	int listen_fd;
	char *sock_path;
	struct kc_peer *peers;
	size_t npeers;
	struct kc_peer *self_peer;
	double drop_p;
	double dup_p;
	uint64_t rng;
	enum vke_fault fault;
	struct vke_stats stats;
	struct vke_rq_item rq[VKE_RQ_CAP];	/* ring for the receiver */
	size_t rq_head;
	size_t rq_count;
	struct vke_conn conns[VKE_MAX_CONNS];
	size_t nconns;
	struct vke_query *queries;
	uint32_t next_query;
	int64_t start_ms;
	int64_t next_hb_ms;
	int64_t next_rtx_scan_ms;
	struct msg_frame last_frame;	/* trace: last message delivered */
	uint16_t last_from;
	uint32_t last_crc;		/* of its payload */
	uint8_t stage[MSG_MAX_FRAME];	/* local delivery staging */
	uint8_t scratch[MSG_MAX_FRAME];	/* one datagram */
	uint8_t req[MSG_REQ_MAX + 1];	/* one request; +1 sees overlong */
};

int64_t vke_now_ms(void);

/* The running VKE, for debuggers: plugins/messaging.c finds the state in
 * a core through this symbol and the DWARF types above. */
extern struct vke *vke_debug_root;

/* kcluster.c */
/** Bind the UDP port of VKE's node and set up the peer table. */
struct lpd_error *kc_init(struct vke *vke);
void kc_deinit(struct vke *vke);
/** Queue BODY (sub-header + payload, BODY_LEN bytes, already checked) to
 * PEER with header FLAGS. Returns 0 or an errno value (EHOSTDOWN,
 * EAGAIN: too much queued). */
int kc_submit(struct vke *vke, struct kc_peer *peer, uint8_t flags,
	      const uint8_t *body, size_t body_len);
/** Read and handle every datagram waiting on the UDP socket. */
void kc_input(struct vke *vke);
/** Send the ACKs that are due: at once after a duplicate or a gap (the
 * sender may be retransmitting), else one for every KC_ACK_EVERY frames
 * or KC_ACK_DELAY_MS after the first unacknowledged one. Called after
 * local delivery, so ACKs stay off the latency path. */
void kc_flush_acks(struct vke *vke);
/** Heartbeats, failure detection, retransmission; returns the ms until
 * it next needs to run. */
int kc_tick(struct vke *vke, int64_t now);
struct kc_peer *kc_peer_by_id(struct vke *vke, uint16_t id);

/* vke.c: the transport hands each in-order DATA frame up. Returns false
 * when it cannot be taken now (receiver queue full): the frame stays
 * unacknowledged and the sender retransmits it later. */
bool vke_deliver(struct vke *vke, struct kc_peer *from,
		 const struct msg_frame *f, const uint8_t *raw, size_t len);
/** Room for another message in the receiver queue? */
bool vke_can_deliver(const struct vke *vke);

#endif
