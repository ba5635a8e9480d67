/* tests/services/test-ring.c - the shared-memory rings between a daemon
 * and its VKE: order, fullness, index wrap-around, the doorbell
 * handshake, and refusals of what a hostile other side can write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "services/messaging/ring-int.h"

static struct msg_ring_area *
area_new(void)
{
	struct msg_ring_area *a = calloc(1, sizeof(*a));

	assert_non_null(a);
	msg_ring_area_init(a);
	assert_true(msg_ring_area_valid(a));
	return a;
}

static void
test_ring__order_full_and_wrap(void **state)
{
	struct msg_ring_area *a = area_new();
	/* Start just below the 32-bit wrap: indices must survive it. */
	const uint32_t start = UINT32_MAX - 10;
	struct msg_ring_end p = { &a->submit, start }, c = { &a->submit, start };
	uint8_t buf[MSG_RING_DATA];
	uint32_t flags, v;
	size_t len;
	bool corrupt;

	(void)state;
	atomic_store(&a->submit.ctl.head, start);
	atomic_store(&a->submit.ctl.tail, start);
	for (uint32_t round = 0; round < 3; round++) {
		for (uint32_t i = 0; i < MSG_RING_SLOTS; i++) {
			v = round * 1000 + i;
			assert_true(msg_ring_put(&p, 0, &v, sizeof(v),
						 &corrupt));
		}
		/* Full: the next put waits, and is not a corruption. */
		assert_false(msg_ring_put(&p, 0, &v, sizeof(v), &corrupt));
		assert_false(corrupt);
		assert_false(msg_ring_drained(&p));
		for (uint32_t i = 0; i < MSG_RING_SLOTS; i++) {
			assert_int_equal(msg_ring_get(&c, buf, sizeof(buf),
						      &len, &flags),
					 MSG_RING_TAKEN);
			assert_int_equal(len, sizeof(v));
			assert_int_equal(flags, 0);
			memcpy(&v, buf, sizeof(v));
			assert_int_equal(v, round * 1000 + i);
			msg_ring_release(&c);
		}
		assert_int_equal(msg_ring_get(&c, buf, sizeof(buf), &len,
					      &flags), MSG_RING_EMPTY);
		assert_true(msg_ring_drained(&p));
	}
	free(a);
}

static void
test_ring__marker_and_refusals(void **state)
{
	struct msg_ring_area *a = area_new();
	struct msg_ring_end p = { &a->deliver, 0 }, c = { &a->deliver, 0 };
	uint8_t buf[MSG_RING_DATA], big[MSG_RING_DATA + 1] = { 0 };
	uint32_t flags;
	size_t len;
	bool corrupt;

	(void)state;
	/* A producer never puts more than a slot holds. */
	assert_false(msg_ring_put(&p, 0, big, sizeof(big), &corrupt));
	assert_false(corrupt);
	/* The marker for a message that went by the socket. */
	assert_true(msg_ring_put(&p, MSG_RING_ON_SOCKET, NULL, 0, &corrupt));
	assert_int_equal(msg_ring_get(&c, buf, sizeof(buf), &len, &flags),
			 MSG_RING_TAKEN);
	assert_int_equal(flags, MSG_RING_ON_SOCKET);
	assert_int_equal(len, 0);
	msg_ring_release(&c);

	/* A hostile producer: a length past the slot, then past the
	 * reader's buffer, then unknown flags. Each is skipped, and the
	 * ring goes on. */
	assert_true(msg_ring_put(&p, 0, "x", 1, &corrupt));
	a->deliver.slot[0 + 1].len = MSG_RING_DATA + 1;
	assert_true(msg_ring_put(&p, 0, "y", 1, &corrupt));
	assert_true(msg_ring_put(&p, 0, "zz", 2, &corrupt));
	assert_true(msg_ring_put(&p, 0, "w", 1, &corrupt));
	a->deliver.slot[4].flags = 0x80;
	assert_true(msg_ring_put(&p, 0, "ok", 2, &corrupt));
	assert_int_equal(msg_ring_get(&c, buf, sizeof(buf), &len, &flags),
			 MSG_RING_BAD_LENGTH);
	assert_int_equal(msg_ring_get(&c, buf, 1, &len, &flags),
			 MSG_RING_TAKEN);
	msg_ring_release(&c);
	assert_int_equal(msg_ring_get(&c, buf, 1, &len, &flags),
			 MSG_RING_BAD_LENGTH);	/* 2 bytes, room for 1 */
	assert_int_equal(msg_ring_get(&c, buf, sizeof(buf), &len, &flags),
			 MSG_RING_BAD_LENGTH);	/* flags 0x80 */
	assert_int_equal(msg_ring_get(&c, buf, sizeof(buf), &len, &flags),
			 MSG_RING_TAKEN);
	assert_memory_equal(buf, "ok", 2);
	msg_ring_release(&c);

	/* Indices that cannot be: a tail too far ahead of the consumer, a
	 * head ahead of the producer. */
	atomic_store(&a->deliver.ctl.tail, c.idx + MSG_RING_SLOTS + 1);
	assert_int_equal(msg_ring_get(&c, buf, sizeof(buf), &len, &flags),
			 MSG_RING_CORRUPT);
	atomic_store(&a->deliver.ctl.head, p.idx + 5);
	assert_false(msg_ring_put(&p, 0, "q", 1, &corrupt));
	assert_true(corrupt);
	free(a);
}

static void
test_ring__doorbell_handshake(void **state)
{
	struct msg_ring_area *a = area_new();
	struct msg_ring_end p = { &a->submit, 0 }, c = { &a->submit, 0 };
	bool corrupt;

	(void)state;
	/* Awake consumer: no doorbell. */
	assert_true(msg_ring_put(&p, 0, "a", 1, &corrupt));
	assert_false(msg_ring_take_doorbell(&p));
	/* A consumer about to sleep sees what is pending and stays up. */
	assert_true(msg_ring_pending(&c));
	assert_true(msg_ring_prepare_sleep(&c));
	msg_ring_awake(&c);
	c.idx = p.idx;	/* as if taken */
	/* Empty: it may sleep, and the next put rings once. */
	assert_false(msg_ring_prepare_sleep(&c));
	assert_true(msg_ring_put(&p, 0, "b", 1, &corrupt));
	assert_true(msg_ring_take_doorbell(&p));
	assert_false(msg_ring_take_doorbell(&p));
	/* A bad header is refused. */
	a->version = 99;
	assert_false(msg_ring_area_valid(a));
	free(a);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring__order_full_and_wrap),
		cmocka_unit_test(test_ring__marker_and_refusals),
		cmocka_unit_test(test_ring__doorbell_handshake),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("services/ring", tests, NULL,
					   NULL);
}
