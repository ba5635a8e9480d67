/* tests/services/test-wire.c - the messaging wire parser: round trips,
 * one broken field at a time (the reason and the offset named), every
 * truncation, lying lengths, and the sub-header rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "services/messaging/messaging.h"

static size_t
build_data(uint8_t *buf, uint8_t flags, uint16_t dst, const char *payload)
{
	struct msg_frame f;
	size_t n;

	memset(&f, 0, sizeof(f));
	f.hdr.type = MSG_T_DATA;
	f.hdr.flags = flags;
	f.hdr.src = 3;
	f.hdr.dst = dst;
	f.hdr.src_inc = 0x11223344;
	f.hdr.dst_inc = 0x55667788;
	f.hdr.seq = 42;
	f.sub.subsystem = MSG_SUB_USER;
	f.sub.opcode = 7;
	f.sub.flags = MSG_SF_URGENT;
	f.payload = (const uint8_t *)payload;
	f.payload_len = strlen(payload);
	assert_null(msg_wire_build(&f, buf, MSG_MAX_FRAME, &n));
	return n;
}

static void
test_wire__crc32_known_vector(void **state)
{
	(void)state;
	assert_int_equal(msg_crc32(0, "123456789", 9), 0xcbf43926u);
}

static void
test_wire__data_round_trip(void **state)
{
	uint8_t buf[MSG_MAX_FRAME];
	struct msg_frame f;
	enum msg_drop why;
	size_t n;

	(void)state;
	n = build_data(buf, 0, 2, "hello");
	assert_int_equal(n, MSG_HDR_SIZE + MSG_SUB_SIZE + 5);
	assert_null(msg_wire_parse(buf, n, "t", 0, &why, &f));
	assert_int_equal(why, MSG_DROP_NONE);
	assert_int_equal(f.hdr.src, 3);
	assert_int_equal(f.hdr.dst, 2);
	assert_int_equal(f.hdr.seq, 42);
	assert_int_equal(f.hdr.src_inc, 0x11223344);
	assert_int_equal(f.hdr.dst_inc, 0x55667788);
	assert_int_equal(f.hdr.length, MSG_SUB_SIZE + 5);
	assert_int_equal(f.sub.opcode, 7);
	assert_int_equal(f.sub.flags, MSG_SF_URGENT);
	assert_int_equal(f.sub.length, MSG_SUB_SIZE + 5);
	assert_int_equal(f.payload_len, 5);
	assert_memory_equal(f.payload, "hello", 5);
}

static void
test_wire__broadcast_and_control(void **state)
{
	uint8_t buf[MSG_MAX_FRAME];
	struct msg_frame f;
	enum msg_drop why;
	size_t n;

	(void)state;
	n = build_data(buf, MSG_F_BROADCAST, MSG_NODE_ALL, "");
	assert_null(msg_wire_parse(buf, n, "t", 0, &why, &f));
	assert_true(f.hdr.flags & MSG_F_BROADCAST);
	assert_int_equal(f.payload_len, 0);

	memset(&f, 0, sizeof(f));
	f.hdr.type = MSG_T_ACK;
	f.hdr.src = 1;
	f.hdr.dst = 2;
	f.hdr.seq = 9;
	assert_null(msg_wire_build(&f, buf, sizeof(buf), &n));
	assert_int_equal(n, MSG_HDR_SIZE);
	memset(&f, 0xff, sizeof(f));
	assert_null(msg_wire_parse(buf, n, "t", 0, &why, &f));
	assert_int_equal(f.hdr.type, MSG_T_ACK);
	assert_int_equal(f.hdr.seq, 9);
	assert_int_equal(f.payload_len, 0);
}

/* One corruption: byte OFF set to VAL (resealed unless it is the
 * checksum itself), expected reason and offset in the message. */
struct corruption {
	const char *what;
	size_t off;
	uint8_t val;
	bool reseal;
	enum msg_drop why;
	const char *offset_text;
	size_t off2;		/* a second byte, when nonzero */
	uint8_t val2;
};

static const struct corruption corruptions[] = {
	{ "magic", 0, 'X', true, MSG_DROP_MAGIC, "offset 0x0:", 0, 0 },
	{ "version", 4, 2, true, MSG_DROP_VERSION, "offset 0x4:", 0, 0 },
	{ "unknown flag", 5, 0x80, true, MSG_DROP_FLAGS, "offset 0x5:", 0, 0 },
	{ "broadcast to one node", 5, MSG_F_BROADCAST, true, MSG_DROP_NODE,
	  "offset 0xa:", 0, 0 },
	{ "type 0", 6, 0, true, MSG_DROP_TYPE, "offset 0x6:", 0, 0 },
	{ "type 9", 6, 9, true, MSG_DROP_TYPE, "offset 0x6:", 0, 0 },
	{ "ack with a body", 6, MSG_T_ACK, true, MSG_DROP_LENGTH,
	  "offset 0x18:", 0, 0 },
	{ "reserved", 7, 1, true, MSG_DROP_FLAGS, "offset 0x7:", 0, 0 },
	{ "source all", 8, 0xff, true, MSG_DROP_NODE, "offset 0x8:", 9, 0xff },
	{ "destination 0", 11, 0, true, MSG_DROP_NODE, "offset 0xa:", 0, 0 },
	{ "length +1", 27, MSG_SUB_SIZE + 6, true, MSG_DROP_LENGTH,
	  "offset 0x18:", 0, 0 },
	{ "length -1", 27, MSG_SUB_SIZE + 4, true, MSG_DROP_LENGTH,
	  "offset 0x18:", 0, 0 },
	{ "length huge", 24, 0xff, true, MSG_DROP_LENGTH, "offset 0x18:", 0, 0 },
	{ "checksum", 31, 0, false, MSG_DROP_CHECKSUM, "offset 0x1c:", 0, 0 },
	{ "payload bit", 41, 'E', false, MSG_DROP_CHECKSUM, "offset 0x1c:", 0, 0 },
	{ "subsystem 0", 33, 0, true, MSG_DROP_SUBHEADER, "offset 0x20:", 0, 0 },
	{ "subsystem 77", 33, 77, true, MSG_DROP_SUBHEADER, "offset 0x20:", 0, 0 },
	{ "sub flags", 36, 0x80, true, MSG_DROP_SUBHEADER, "offset 0x24:", 0, 0 },
	{ "sub length short", 39, 4, true, MSG_DROP_SUBHEADER,
	  "offset 0x26:", 0, 0 },
	{ "sub length long", 38, 0x10, true, MSG_DROP_SUBHEADER,
	  "offset 0x26:", 0, 0 },
};

static void
test_wire__each_bad_field_is_named(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(corruptions) / sizeof(corruptions[0]);
	     i++) {
		const struct corruption *c = &corruptions[i];
		uint8_t buf[MSG_MAX_FRAME];
		struct msg_frame f;
		enum msg_drop why = MSG_DROP_NONE;
		struct lpd_error *err;
		size_t n = build_data(buf, 0, 2, "hello");

		buf[c->off] = c->val;
		if (c->off2 != 0)
			buf[c->off2] = c->val2;
		if (c->reseal)
			msg_wire_reseal(buf, n);
		memset(&f, 0xa5, sizeof(f));
		err = msg_wire_parse(buf, n, "udp:x", 0, &why, &f);
		if (err == NULL)
			fail_msg("%s: accepted", c->what);
		if (why != c->why)
			fail_msg("%s: reason %s, want %s", c->what,
				 msg_drop_name(why), msg_drop_name(c->why));
		assert_int_equal(err->code, LPD_ERR_BAD_INPUT);
		if (strstr(err->message, "udp:x: ") != err->message ||
		    strstr(err->message, c->offset_text) == NULL)
			fail_msg("%s: message '%s' lacks '%s'", c->what,
				 err->message, c->offset_text);
		/* Output untouched on error. */
		assert_int_equal(f.hdr.seq, 0xa5a5a5a5u);
		lpd_error_destroy(err);
	}
}

static void
test_wire__every_truncation_dropped(void **state)
{
	uint8_t buf[MSG_MAX_FRAME];
	size_t n;

	(void)state;
	n = build_data(buf, 0, 2, "a payload of some length");
	for (size_t len = 0; len < n; len++) {
		struct msg_frame f;
		enum msg_drop why = MSG_DROP_NONE;
		struct lpd_error *err = msg_wire_parse(buf, len, "t", 0, &why,
						       &f);

		assert_non_null(err);
		assert_true(why == MSG_DROP_TRUNCATED ||
			    why == MSG_DROP_LENGTH);
		lpd_error_destroy(err);
	}
}

static void
test_wire__lying_lengths_resealed(void **state)
{
	uint8_t buf[MSG_MAX_FRAME];
	size_t n;

	(void)state;
	/* The length field claims every value but the truth, with a valid
	 * checksum over what is there: all dropped for the length. */
	n = build_data(buf, 0, 2, "0123456789");
	for (uint32_t lie = 0; lie < 64; lie++) {
		struct msg_frame f;
		enum msg_drop why;
		struct lpd_error *err;

		if (lie == n - MSG_HDR_SIZE)
			continue;
		buf[24] = buf[25] = buf[26] = 0;
		buf[27] = (uint8_t)lie;
		msg_wire_reseal(buf, n);
		err = msg_wire_parse(buf, n, "t", 0, &why, &f);
		assert_non_null(err);
		assert_int_equal(why, MSG_DROP_LENGTH);
		lpd_error_destroy(err);
	}
}

static void
test_wire__lax_sublen_only_when_asked(void **state)
{
	uint8_t buf[MSG_MAX_FRAME];
	struct msg_frame f;
	enum msg_drop why;
	struct lpd_error *err;
	size_t n;

	(void)state;
	n = build_data(buf, 0, 2, "hello");
	buf[38] = 0;
	buf[39] = 4;
	msg_wire_reseal(buf, n);
	err = msg_wire_parse(buf, n, "t", 0, &why, &f);
	assert_non_null(err);
	lpd_error_destroy(err);
	assert_null(msg_wire_parse(buf, n, "t", MSG_PARSE_LAX_SUBLEN, &why,
				   &f));
	/* Even then the payload length comes from the checked header. */
	assert_int_equal(f.payload_len, 5);
	assert_int_equal(f.sub.length, 4);
}

static void
test_wire__oversized_payload_refused_by_builder(void **state)
{
	static uint8_t big[MSG_MAX_PAYLOAD + 1];
	uint8_t buf[MSG_MAX_FRAME];
	struct msg_frame f;
	struct lpd_error *err;
	size_t n;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.hdr.type = MSG_T_DATA;
	f.hdr.dst = 1;
	f.sub.subsystem = MSG_SUB_USER;
	f.payload = big;
	f.payload_len = sizeof(big);
	err = msg_wire_build(&f, buf, sizeof(buf), &n);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_INVALID_ARG);
	lpd_error_destroy(err);
	f.payload_len = MSG_MAX_PAYLOAD;
	assert_null(msg_wire_build(&f, buf, sizeof(buf), &n));
	assert_int_equal(n, MSG_MAX_FRAME);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire__crc32_known_vector),
		cmocka_unit_test(test_wire__data_round_trip),
		cmocka_unit_test(test_wire__broadcast_and_control),
		cmocka_unit_test(test_wire__each_bad_field_is_named),
		cmocka_unit_test(test_wire__every_truncation_dropped),
		cmocka_unit_test(test_wire__lying_lengths_resealed),
		cmocka_unit_test(test_wire__lax_sublen_only_when_asked),
		cmocka_unit_test(test_wire__oversized_payload_refused_by_builder),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("services/wire", tests, NULL, NULL);
}
