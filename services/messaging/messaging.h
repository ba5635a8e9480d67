/* services/messaging/messaging.h - the cluster messaging service: wire
 * format, the VKE's request ABI (the "system call" interface), and the
 * client library that node daemons use to send and receive.
 *
 * ---- Wire format (kcluster datagrams and submitted messages) ----------
 * All integers big-endian. A message is a fixed 32-byte header, then for
 * DATA an 8-byte sub-header, then the payload:
 *
 *   off size field        rule (the VKE drops and counts what breaks one)
 *     0   4  magic        MSG_MAGIC ("VKEM")
 *     4   1  version      MSG_VERSION
 *     5   1  flags        only MSG_F_* bits; BROADCAST only on DATA
 *     6   1  type         MSG_T_DATA, MSG_T_ACK or MSG_T_HEARTBEAT
 *     7   1  reserved     0
 *     8   2  src          sending node id (1..MSG_NODE_MAX); 0 in a submit,
 *                         which the VKE stamps
 *    10   2  dst          destination node id; MSG_NODE_ALL iff BROADCAST
 *    12   4  src_inc      sender's incarnation (changes on every start)
 *    16   4  dst_inc      receiver's incarnation as the sender knows it;
 *                         DATA/ACK for another incarnation are stale
 *    20   4  seq          DATA: per (sender, receiver) stream, from 1;
 *                         ACK: cumulative, highest in-order seq delivered
 *    24   4  length       bytes after the fixed header; must equal the
 *                         datagram size - 32 and be <= MSG_MAX_BODY
 *    28   4  checksum     CRC-32 (IEEE) of the whole message with this
 *                         field zero
 *   sub-header (DATA only; length >= 8):
 *    32   2  subsystem    1..MSG_SUBSYS_MAX (MSG_SUB_USER, MSG_SUB_DISCOVERY)
 *    34   2  opcode       subsystem-defined
 *    36   2  sub_flags    only MSG_SF_* bits
 *    38   2  sub_length   sub-header + payload bytes; must equal length
 *    40   .  payload      length - 8 bytes
 * ACK and HEARTBEAT have length 0.
 *
 * ---- Request ABI (Unix SOCK_SEQPACKET at the VKE's socket) ------------
 * Request:  u32 MSG_REQ_MAGIC, u16 op (MSG_OP_*), u16 0, u32 body length,
 *           body. SUBMIT's body is a whole wire message built by the
 *           daemon (src 0 or this node, seq 0); the VKE parses it as
 *           strictly as a datagram. Other requests have no body.
 * Reply:    u32 MSG_REP_MAGIC, u16 op, u16 status (0 or an errno value),
 *           u32 body length, body. SUBMIT: u32 number of nodes it went to.
 *           STATUS and DISCOVER: JSON text. DELIVER (pushed to a
 *           registered receiver): the wire message as received.
 *           RING: the reply's status is 0 and it carries, as SCM_RIGHTS,
 *           a sealed memfd holding two rings (ring-int.h): from then on
 *           the connection may submit through one and, once registered,
 *           is delivered to through the other. DOORBELL (either way,
 *           never answered): "look at the ring", sent only to a side
 *           that said it was going to sleep.
 * The caller's SO_PEERCRED uid/gid must be the VKE's uid or the
 * configured allow_uid/allow_gid for SUBMIT, REGISTER, DISCOVER, RING
 * and DOORBELL; STATUS is open to any local user. */
#ifndef LPD_SERVICES_MESSAGING_H
#define LPD_SERVICES_MESSAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/lpd.h"

enum {
	MSG_MAGIC = 0x564b454d,		/* "VKEM" */
	MSG_VERSION = 1,
	MSG_HDR_SIZE = 32,
	MSG_SUB_SIZE = 8,
	MSG_MAX_PAYLOAD = 8192,
	MSG_MAX_BODY = MSG_SUB_SIZE + MSG_MAX_PAYLOAD,
	MSG_MAX_FRAME = MSG_HDR_SIZE + MSG_MAX_BODY,
	MSG_NODE_MAX = 0xfffe,
	MSG_NODE_ALL = 0xffff,
};

enum msg_flag {
	MSG_F_BROADCAST = 0x01,
	MSG_F_RETRANSMIT = 0x02,	/* informational: a resend */
	MSG_F_KNOWN = MSG_F_BROADCAST | MSG_F_RETRANSMIT,
};

enum msg_type {
	MSG_T_DATA = 1,
	MSG_T_ACK = 2,
	MSG_T_HEARTBEAT = 3,
};

enum msg_subsystem {
	MSG_SUB_USER = 1,		/* handed to the receiving daemon */
	MSG_SUB_DISCOVERY = 2,		/* answered by the VKE itself */
	MSG_SUBSYS_MAX = 2,
};

enum msg_sub_flag {
	MSG_SF_URGENT = 0x0001,
	MSG_SF_KNOWN = MSG_SF_URGENT,
};

enum msg_discovery_op {
	MSG_DISC_QUERY = 1,	/* payload: u32 query id */
	MSG_DISC_REPLY = 2,	/* payload: u32 query id, JSON object */
};

/* Why a message was dropped; the VKE counts each. */
enum msg_drop {
	MSG_DROP_NONE,
	MSG_DROP_TRUNCATED,
	MSG_DROP_MAGIC,
	MSG_DROP_VERSION,
	MSG_DROP_FLAGS,
	MSG_DROP_TYPE,
	MSG_DROP_NODE,		/* src/dst out of range or unknown */
	MSG_DROP_LENGTH,	/* length field lies about the size */
	MSG_DROP_CHECKSUM,
	MSG_DROP_SUBHEADER,
	MSG_DROP_STALE,		/* for another incarnation */
	MSG_DROP_REQUEST,	/* malformed ABI request */
	MSG_DROP_COUNT
};

/** Short name of REASON, for status output ("checksum", ...). */
const char *msg_drop_name(enum msg_drop reason);

struct msg_header {
	uint32_t magic;
	uint8_t version;
	uint8_t flags;
	uint8_t type;
	uint8_t reserved;
	uint16_t src;
	uint16_t dst;
	uint32_t src_inc;
	uint32_t dst_inc;
	uint32_t seq;
	uint32_t length;
	uint32_t checksum;
};

struct msg_subheader {
	uint16_t subsystem;
	uint16_t opcode;
	uint16_t flags;
	uint16_t length;
};

/* A parsed message; payload is borrowed from the parsed buffer. */
struct msg_frame {
	struct msg_header hdr;
	struct msg_subheader sub;	/* zero unless hdr.type == DATA */
	const uint8_t *payload;
	size_t payload_len;
};

enum msg_parse_flags {
	/* Accept a sub_length that disagrees with length (old peers sent
	 * garbage there). Only the VKE's subhdr-len fault switch sets it. */
	MSG_PARSE_LAX_SUBLEN = 0x1,
};

/** CRC-32 (IEEE 802.3, reflected, as zlib) of N bytes, continuing CRC. */
uint32_t msg_crc32(uint32_t crc, const void *p, size_t n);

/** Parse and check every field of the LEN-byte message at BUF (see the
 * format above). ORIGIN names the source in errors ("udp:127.0.0.1:7101").
 * On failure returns LPD_ERR_BAD_INPUT naming ORIGIN and the offset of the
 * bad field, and sets *WHY; *RET is untouched. */
struct lpd_error *msg_wire_parse(const void *buf, size_t len,
				 const char *origin, unsigned flags,
				 enum msg_drop *why, struct msg_frame *ret);

/** Write F's header (and sub-header for DATA) and payload into BUF of CAP
 * bytes, filling length, sub length and checksum; *RET gets the size. */
struct lpd_error *msg_wire_build(const struct msg_frame *f, void *buf,
				 size_t cap, size_t *ret);

/** Rewrite the checksum of the LEN-byte message at BUF after an edit. */
void msg_wire_reseal(void *buf, size_t len);

/* ---- request ABI ---------------------------------------------------- */

enum {
	MSG_REQ_MAGIC = 0x564b4551,	/* "VKEQ" */
	MSG_REP_MAGIC = 0x564b4552,	/* "VKER" */
	MSG_REQ_HDR = 12,
	MSG_REQ_MAX = MSG_REQ_HDR + MSG_MAX_FRAME,
	MSG_REP_MAX = 256 * 1024,	/* status/discover JSON */
};

enum msg_op {
	MSG_OP_SUBMIT = 1,
	MSG_OP_REGISTER = 2,
	MSG_OP_STATUS = 3,
	MSG_OP_DISCOVER = 4,
	MSG_OP_DELIVER = 5,		/* reply-only: pushed to receivers */
	MSG_OP_RING = 6,		/* reply carries a memfd (SCM_RIGHTS) */
	MSG_OP_DOORBELL = 7,		/* no body, never answered */
};

/* ---- client library ------------------------------------------------- */

struct msg_client;	/* opaque: one connection to a node's VKE */

enum { MSG_CLIENT_WINDOW = 64 };	/* unanswered submits per client */

/** Connect to the VKE listening at SOCKET_PATH. Caller owns *RET; free
 * with msg_client_destroy(). */
struct lpd_error *msg_client_open(const char *socket_path,
				  struct msg_client **ret);
void msg_client_destroy(struct msg_client *c);

/** Send PAYLOAD (LEN bytes) as SUBSYSTEM/OPCODE to node DST, or to every
 * live node when DST is MSG_NODE_ALL. *RET (may be NULL) gets the number
 * of nodes it went to. LPD_ERR_REMOTE carries the VKE's refusal
 * (errnum: EACCES unauthorized, EHOSTDOWN node down, ENOENT unknown). */
struct lpd_error *msg_client_send(struct msg_client *c, uint16_t dst,
				  uint16_t subsystem, uint16_t opcode,
				  const void *payload, size_t len,
				  uint32_t *ret);

/** Like msg_client_send(), without waiting for the VKE's answer, so a
 * daemon with much to send is not held to one submit per round trip.
 * At most MSG_CLIENT_WINDOW submits are unanswered at a time: the next
 * one first reads the oldest answer. Answers are counted, not returned:
 * see msg_client_flush(). Any other call on C reads them first. */
struct lpd_error *msg_client_send_nowait(struct msg_client *c, uint16_t dst,
					 uint16_t subsystem, uint16_t opcode,
					 const void *payload, size_t len);

/** Wait up to TIMEOUT_MS for every unanswered submit's answer. *REFUSED
 * (may be NULL) gets how many submits since the last flush the VKE
 * refused (node down, unknown node, malformed). */
struct lpd_error *msg_client_flush(struct msg_client *c, int timeout_ms,
				   uint32_t *refused);

/** Hand the VKE a message already built (possibly malformed: tests use
 * this). *RET gets the VKE's status (0 or errno value). */
struct lpd_error *msg_client_submit_raw(struct msg_client *c,
					const void *msg, size_t len,
					int *ret);

/** Become this node's receiving daemon: the VKE pushes messages for
 * MSG_SUB_USER from now on, oldest first. */
struct lpd_error *msg_client_register(struct msg_client *c);

/** Before sleeping for a reply or a message, keep C polling for up to US
 * microseconds (0, the default: sleep at once). Costs a CPU while it
 * lasts; saves the wake-up when the answer comes soon. With US > 0, C
 * also asks its VKE for shared-memory rings (MSG_OP_RING), so polling
 * needs no system call; call it before msg_client_register(). */
struct lpd_error *msg_client_set_busy_poll(struct msg_client *c,
					   unsigned us);

/** Wait up to TIMEOUT_MS (-1: forever) for the next message. On success
 * *RET holds it, with payload pointing into C's buffer (valid until the
 * next call on C). LPD_ERR_NOT_FOUND (lpd_not_found) on timeout. */
struct lpd_error *msg_client_recv(struct msg_client *c, int timeout_ms,
				  struct msg_frame *ret);

/** The VKE's status as JSON text. Caller frees *RET with lpd_free(). */
struct lpd_error *msg_client_status(struct msg_client *c, char **ret);

/** Broadcast a discovery query and collect the answers of every live node
 * as a JSON array. Caller frees *RET with lpd_free(). */
struct lpd_error *msg_client_discover(struct msg_client *c, char **ret);

/** CLOCK_MONOTONIC in microseconds: the services' timers and busy-poll
 * budgets. */
int64_t msg_now_us(void);

/* ---- cluster configuration -------------------------------------------
 * One line per item, '#' comments:
 *   cluster NAME
 *   socket_dir DIR          (VKE sockets: DIR/NODE.sock)
 *   heartbeat_ms N          dead_ms N          rto_ms N
 *   busy_poll_us N          (0, the default: off; else for N us after
 *                           traffic the VKE polls without sleeping,
 *                           trading a CPU for latency)
 *   allow_uid N             allow_gid N
 *   lpars_per_node M        (names NODE-lpar1..M where none are listed)
 *   node NAME id=N port=P [repo=DIR] [lpars=a,b,c]
 */
struct msg_node_conf {
	char *name;
	uint16_t id;
	uint16_t port;
	char *repo;
	char **lpars;
	size_t nlpars;
};

struct msg_config {
	char *cluster;
	char *socket_dir;
	unsigned heartbeat_ms;
	unsigned dead_ms;
	unsigned rto_ms;
	unsigned busy_poll_us;
	long allow_uid;		/* -1: none */
	long allow_gid;		/* -1: none */
	struct msg_node_conf *nodes;
	size_t nnodes;
};

/** Load the configuration at PATH. Caller owns *RET; free with
 * msg_config_destroy(). LPD_ERR_SYNTAX names the line. */
struct lpd_error *msg_config_load(const char *path, struct msg_config **ret);
void msg_config_destroy(struct msg_config *conf);
/** Node named NAME (or with decimal id NAME), or NULL. Borrowed. */
const struct msg_node_conf *msg_config_node(const struct msg_config *conf,
					    const char *name);
/** "SOCKET_DIR/NAME.sock" for NODE; caller frees with lpd_free(). */
char *msg_config_socket_path(const struct msg_config *conf,
			     const struct msg_node_conf *node);

#endif
