/* services/messaging/ring.c - the shared-memory rings of ring-int.h:
 * single producer, single consumer, lock-free, each side distrusting the
 * other's writes. */
#include <string.h>

#include "services/messaging/ring-int.h"

void
msg_ring_area_init(struct msg_ring_area *a)
{
	a->magic = MSG_RING_MAGIC;
	a->version = MSG_RING_VERSION;
	a->slots = MSG_RING_SLOTS;
	a->slot_size = MSG_RING_SLOT;
}

bool
msg_ring_area_valid(const struct msg_ring_area *a)
{
	return a->magic == MSG_RING_MAGIC && a->version == MSG_RING_VERSION &&
	       a->slots == MSG_RING_SLOTS && a->slot_size == MSG_RING_SLOT;
}

bool
msg_ring_put(struct msg_ring_end *e, uint32_t flags, const void *data,
	     size_t len, bool *corrupt)
{
	struct msg_ring *r = e->ring;
	uint32_t head = atomic_load_explicit(&r->ctl.head,
					     memory_order_acquire);
	uint32_t used = e->idx - head;
	struct msg_ring_slot *s;

	*corrupt = used > MSG_RING_SLOTS;
	if (used >= MSG_RING_SLOTS || len > MSG_RING_DATA)
		return false;
	s = &r->slot[e->idx % MSG_RING_SLOTS];
	s->len = (uint32_t)len;
	s->flags = flags;
	if (len > 0)
		memcpy(s->data, data, len);
	e->idx++;
	atomic_store_explicit(&r->ctl.tail, e->idx, memory_order_release);
	return true;
}

bool
msg_ring_take_doorbell(struct msg_ring_end *e)
{
	/* Pairs with the fence in msg_ring_prepare_sleep: either the
	 * consumer sees our tail before it sleeps, or we see its flag. */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&e->ring->ctl.sleeping,
				 memory_order_relaxed) == 0)
		return false;
	return atomic_exchange(&e->ring->ctl.sleeping, 0) != 0;
}

bool
msg_ring_drained(const struct msg_ring_end *e)
{
	return atomic_load_explicit(&e->ring->ctl.head,
				    memory_order_acquire) == e->idx;
}

enum msg_ring_get_result
msg_ring_get(struct msg_ring_end *e, void *buf, size_t cap, size_t *len,
	     uint32_t *flags)
{
	struct msg_ring *r = e->ring;
	uint32_t tail = atomic_load_explicit(&r->ctl.tail,
					     memory_order_acquire);
	uint32_t avail = tail - e->idx;
	struct msg_ring_slot *s;
	uint32_t n, f;

	if (avail == 0)
		return MSG_RING_EMPTY;
	if (avail > MSG_RING_SLOTS)
		return MSG_RING_CORRUPT;
	s = &r->slot[e->idx % MSG_RING_SLOTS];
	/* Read the length once: the producer may be rewriting it. */
	n = *(volatile uint32_t *)&s->len;
	f = *(volatile uint32_t *)&s->flags;
	if (n > MSG_RING_DATA || n > cap ||
	    (f & ~(uint32_t)MSG_RING_ON_SOCKET) != 0) {
		msg_ring_release(e);
		return MSG_RING_BAD_LENGTH;
	}
	if (n > 0)
		memcpy(buf, s->data, n);
	*len = n;
	*flags = f;
	return MSG_RING_TAKEN;
}

void
msg_ring_release(struct msg_ring_end *e)
{
	e->idx++;
	atomic_store_explicit(&e->ring->ctl.head, e->idx,
			      memory_order_release);
}

bool
msg_ring_prepare_sleep(struct msg_ring_end *e)
{
	atomic_store_explicit(&e->ring->ctl.sleeping, 1,
			      memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
	return atomic_load_explicit(&e->ring->ctl.tail,
				    memory_order_relaxed) != e->idx;
}

void
msg_ring_awake(struct msg_ring_end *e)
{
	atomic_store_explicit(&e->ring->ctl.sleeping, 0,
			      memory_order_relaxed);
}

bool
msg_ring_pending(const struct msg_ring_end *e)
{
	return atomic_load_explicit(&e->ring->ctl.tail,
				    memory_order_acquire) != e->idx;
}
