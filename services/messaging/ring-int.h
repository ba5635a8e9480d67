/* services/messaging/ring-int.h - shared-memory rings between a daemon
 * and its VKE (MSG_OP_RING), private to client.c and vke.c.
 *
 * Why: a busy-polling daemon and VKE spend most of a message's time in
 * the two Unix-socket hops (a send and the reads that wait for it). With
 * a ring the producer writes a slot and the consumer, already polling,
 * sees it: no system call on either side. A consumer about to sleep
 * says so (`sleeping`), and the producer then rings a doorbell on the
 * socket (MSG_OP_DOORBELL), so a ring never costs a lost wake-up.
 *
 * One area per connection, made by the VKE (memfd, sealed against
 * resizing so the daemon cannot make the VKE fault), mapped by both:
 * `submit` carries whole wire messages daemon -> VKE, `deliver` carries
 * them VKE -> daemon. Each side trusts the other's writes no more than a
 * datagram: it keeps its own index privately, checks the other's index
 * is possible, bounds each length, and copies a slot out before parsing
 * it. */
#ifndef LPD_SERVICES_RING_INT_H
#define LPD_SERVICES_RING_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	MSG_RING_MAGIC = 0x56524e47,	/* "VRNG" */
	MSG_RING_VERSION = 1,
	MSG_RING_SLOTS = 64,		/* a power of two */
	MSG_RING_SLOT = 2048,		/* bytes, length word included */
	MSG_RING_DATA = MSG_RING_SLOT - 8,
};

/* Indices count slots ever put (tail) or taken (head), wrapping. */
struct msg_ring_ctl {
	_Atomic uint32_t head;		/* consumer's */
	_Atomic uint32_t sleeping;	/* consumer's: wants a doorbell */
	_Atomic uint32_t refused;	/* submit ring: VKE's count */
	uint8_t pad0[52];		/* producer's word on its own line */
	_Atomic uint32_t tail;		/* producer's */
	uint8_t pad1[60];
};

/* A message too long for a slot goes by the socket; its slot, carrying
 * MSG_RING_ON_SOCKET and no data, keeps its place in the order. */
enum { MSG_RING_ON_SOCKET = 1 };

struct msg_ring_slot {
	uint32_t len;
	uint32_t flags;
	uint8_t data[MSG_RING_DATA];
};

struct msg_ring {
	struct msg_ring_ctl ctl;
	struct msg_ring_slot slot[MSG_RING_SLOTS];
};

struct msg_ring_area {
	uint32_t magic;
	uint32_t version;
	uint32_t slots;
	uint32_t slot_size;
	uint8_t pad[48];
	struct msg_ring submit;		/* daemon -> VKE */
	struct msg_ring deliver;	/* VKE -> daemon */
};

/* One side's end of a ring: the ring and this side's private index
 * (tail for a producer, head for a consumer). */
struct msg_ring_end {
	struct msg_ring *ring;
	uint32_t idx;
};

enum msg_ring_get_result {
	MSG_RING_EMPTY,
	MSG_RING_TAKEN,
	MSG_RING_BAD_LENGTH,	/* slot skipped: its length was impossible */
	MSG_RING_CORRUPT,	/* the producer's index is impossible */
};

/** Lay out a new (zeroed) area. */
void msg_ring_area_init(struct msg_ring_area *a);
/** Is A, as mapped from the other side, an area of this version? */
bool msg_ring_area_valid(const struct msg_ring_area *a);

/** Producer: put LEN (<= MSG_RING_DATA) bytes with FLAGS. False when the
 * ring is full, or (*CORRUPT set) when the consumer's index is
 * impossible. */
bool msg_ring_put(struct msg_ring_end *e, uint32_t flags, const void *data,
		  size_t len, bool *corrupt);
/** Producer, after one or more puts: was the consumer asleep? Clears
 * the flag; the caller then rings the doorbell. */
bool msg_ring_take_doorbell(struct msg_ring_end *e);
/** Producer: has the consumer taken everything put so far? */
bool msg_ring_drained(const struct msg_ring_end *e);

/** Consumer: copy the next slot into BUF (CAP bytes), set *LEN and
 * *FLAGS (only MSG_RING_ON_SOCKET is possible; others make it a bad
 * length). The
 * slot is released by msg_ring_release(), so a producer waiting for the
 * ring to drain knows the message was handled, not just copied. */
enum msg_ring_get_result msg_ring_get(struct msg_ring_end *e, void *buf,
				      size_t cap, size_t *len,
				      uint32_t *flags);
void msg_ring_release(struct msg_ring_end *e);
/** Consumer, before it sleeps: ask for a doorbell. Returns true when
 * something arrived meanwhile (do not sleep). */
bool msg_ring_prepare_sleep(struct msg_ring_end *e);
void msg_ring_awake(struct msg_ring_end *e);
/** Consumer: has the producer put anything not yet taken? */
bool msg_ring_pending(const struct msg_ring_end *e);

#endif
