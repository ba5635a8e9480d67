/* tests/common/test-reader.c - the bounded reader: byte orders, LEB128,
 * strings, and errors that name the file and the offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "common/lpd.h"

static void
test_reader__reads_both_byte_orders(void **state)
{
	static const uint8_t bytes[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct lpd_reader r;
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;

	(void)state;
	lpd_reader_init(&r, bytes, sizeof(bytes), false, "f", 0);
	assert_null(lpd_reader_u16(&r, &v16));
	assert_int_equal(v16, 0x0201);
	assert_null(lpd_reader_u32(&r, &v32));
	assert_int_equal(v32, 0x06050403);
	lpd_reader_init(&r, bytes, sizeof(bytes), true, "f", 0);
	assert_null(lpd_reader_u64(&r, &v64));
	assert_true(v64 == UINT64_C(0x0102030405060708));
	assert_int_equal(lpd_reader_left(&r), 0);
}

static void
test_reader__short_read_names_file_and_offset(void **state)
{
	static const uint8_t bytes[] = { 1, 2, 3 };
	struct lpd_reader r;
	struct lpd_error *err;
	uint32_t v;

	(void)state;
	lpd_reader_init(&r, bytes, sizeof(bytes), false, "core.42", 0x1000);
	assert_null(lpd_reader_skip(&r, 2));
	err = lpd_reader_u32(&r, &v);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_BAD_INPUT);
	assert_non_null(strstr(err->message, "core.42: offset 0x1002"));
	assert_int_equal(lpd_error_exit_status(err), 3);
	lpd_error_destroy(err);
	/* The cursor did not move. */
	assert_int_equal(r.pos, 2);
}

static void
test_reader__leb128(void **state)
{
	static const uint8_t bytes[] = { 0xe5, 0x8e, 0x26, 0x7f, 0x80, 0x7f,
					 0x80 };
	struct lpd_reader r;
	struct lpd_error *err;
	uint64_t u;
	int64_t s;

	(void)state;
	lpd_reader_init(&r, bytes, sizeof(bytes), false, "f", 0);
	assert_null(lpd_reader_uleb128(&r, &u));
	assert_int_equal(u, 624485);
	assert_null(lpd_reader_sleb128(&r, &s));
	assert_int_equal(s, -1);
	assert_null(lpd_reader_sleb128(&r, &s));
	assert_int_equal(s, -128);
	/* A continuation byte at the end runs past the buffer. */
	err = lpd_reader_uleb128(&r, &u);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "offset 0x6"));
	lpd_error_destroy(err);
}

static void
test_reader__unterminated_string(void **state)
{
	static const char bytes[] = { 'a', 0, 'b', 'c' };
	struct lpd_reader r;
	struct lpd_error *err;
	const char *s;

	(void)state;
	lpd_reader_init(&r, bytes, sizeof(bytes), false, "f", 0);
	assert_null(lpd_reader_cstr(&r, &s));
	assert_string_equal(s, "a");
	err = lpd_reader_cstr(&r, &s);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "not terminated"));
	lpd_error_destroy(err);
}

static void
test_reader__signed_sizes(void **state)
{
	static const uint8_t bytes[] = { 0xff, 0xfe, 0xff };
	struct lpd_error *err;
	struct lpd_reader r;
	int64_t s;

	(void)state;
	lpd_reader_init(&r, bytes, sizeof(bytes), false, "f", 0);
	assert_null(lpd_reader_sN(&r, 1, &s));
	assert_int_equal(s, -1);
	assert_null(lpd_reader_sN(&r, 2, &s));
	assert_int_equal(s, -2);
	err = lpd_reader_sN(&r, 3, &s);
	assert_non_null(err);
	lpd_error_destroy(err);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader__reads_both_byte_orders),
		cmocka_unit_test(test_reader__short_read_names_file_and_offset),
		cmocka_unit_test(test_reader__leb128),
		cmocka_unit_test(test_reader__unterminated_string),
		cmocka_unit_test(test_reader__signed_sizes),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("common/reader", tests, NULL, NULL);
}
