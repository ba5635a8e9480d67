/* tests/services/test-bkwire.c - the backup wire parser: round trips,
 * every truncation, lying lengths and flags, bad names and geometry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "services/backup/backup.h"

static struct bk_frame
frame(uint16_t type, const uint8_t *p, size_t n)
{
	struct bk_frame f = { type, 0, (uint32_t)n, p };

	return f;
}

static void
test_bkwire__header_round_trip_and_limits(void **state)
{
	uint8_t h[BK_HDR_SIZE];
	struct bk_frame f;
	struct lpd_error *err;

	(void)state;
	bk_header_build(BK_T_BLOCK, 1234, h);
	assert_null(bk_header_parse(h, sizeof(h), &f));
	assert_int_equal(f.type, BK_T_BLOCK);
	assert_int_equal(f.len, 1234);
	for (size_t n = 0; n < BK_HDR_SIZE; n++) {
		err = bk_header_parse(h, n, &f);
		assert_non_null(err);
		lpd_error_destroy(err);
	}
	bk_header_build(BK_T_BLOCK, BK_MAX_PAYLOAD + 1, h);
	err = bk_header_parse(h, sizeof(h), &f);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "over the limit"));
	lpd_error_destroy(err);
	bk_header_build(BK_T_OK, 0, h);
	h[0] ^= 1;
	err = bk_header_parse(h, sizeof(h), &f);
	assert_non_null(strstr(err->message, "bad magic"));
	lpd_error_destroy(err);
}

static void
test_bkwire__begin_round_trip_and_truncations(void **state)
{
	struct bk_begin b = { 7, 3, 1048576 + 10, 65536, 5, "disk0" }, o;
	uint8_t buf[128];
	size_t n = bk_build_begin(&b, buf);
	struct bk_frame f = frame(BK_T_BEGIN, buf, n);
	struct lpd_error *err;

	(void)state;
	assert_null(bk_parse_begin(&f, &o));
	assert_int_equal(o.resume_id, 7);
	assert_int_equal(o.parent, 3);
	assert_int_equal(o.disk_size, 1048576 + 10);
	assert_int_equal(o.nsend, 5);
	assert_string_equal(o.name, "disk0");
	/* Every cut before the name (a cut name is a shorter valid one). */
	for (size_t k = 0; k <= 36; k++) {
		f = frame(BK_T_BEGIN, buf, k);
		err = bk_parse_begin(&f, &o);
		assert_non_null(err);
		lpd_error_destroy(err);
	}
	/* A full backup must send every block (17 here). */
	b.parent = 0;
	n = bk_build_begin(&b, buf);
	f = frame(BK_T_BEGIN, buf, n);
	err = bk_parse_begin(&f, &o);
	assert_non_null(err);
	lpd_error_destroy(err);
	b.nsend = 17;
	n = bk_build_begin(&b, buf);
	f = frame(BK_T_BEGIN, buf, n);
	assert_null(bk_parse_begin(&f, &o));
	/* Bad block size, zero size, bad name. */
	b.block_size = 65535;
	f = frame(BK_T_BEGIN, buf, bk_build_begin(&b, buf));
	err = bk_parse_begin(&f, &o);
	assert_non_null(err);
	lpd_error_destroy(err);
	b.block_size = 65536;
	b.disk_size = 0;
	f = frame(BK_T_BEGIN, buf, bk_build_begin(&b, buf));
	err = bk_parse_begin(&f, &o);
	assert_non_null(err);
	lpd_error_destroy(err);
	b.disk_size = 100;
	b.nsend = 1;
	memcpy(b.name, "../x", 5);
	f = frame(BK_T_BEGIN, buf, bk_build_begin(&b, buf));
	err = bk_parse_begin(&f, &o);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "bad disk name"));
	lpd_error_destroy(err);
}

static void
test_bkwire__block_flags_and_lengths(void **state)
{
	struct bk_block b = { 4, 9, false, { 0 }, NULL, 0 }, o;
	uint8_t buf[49 + 16];
	struct bk_frame f;
	struct lpd_error *err;
	size_t n;

	(void)state;
	memset(b.hash, 0xab, sizeof(b.hash));
	n = bk_build_block_head(&b, buf);
	assert_int_equal(n, 49);
	memset(buf + n, 'x', 16);
	f = frame(BK_T_BLOCK, buf, n + 16);
	assert_null(bk_parse_block(&f, &o));
	assert_int_equal(o.seq, 4);
	assert_int_equal(o.index, 9);
	assert_int_equal(o.data_len, 16);
	assert_ptr_equal(o.data, buf + 49);
	/* No data and not zero; zero with data; a flag of 2. */
	f = frame(BK_T_BLOCK, buf, n);
	err = bk_parse_block(&f, &o);
	assert_non_null(err);
	lpd_error_destroy(err);
	buf[16] = 1;
	f = frame(BK_T_BLOCK, buf, n + 16);
	err = bk_parse_block(&f, &o);
	assert_non_null(err);
	lpd_error_destroy(err);
	f = frame(BK_T_BLOCK, buf, n);
	assert_null(bk_parse_block(&f, &o));
	assert_true(o.zero);
	assert_null(o.data);
	buf[16] = 2;
	err = bk_parse_block(&f, &o);
	assert_non_null(err);
	lpd_error_destroy(err);
	for (size_t k = 0; k < 49; k++) {
		f = frame(BK_T_BLOCK, buf, k);
		err = bk_parse_block(&f, &o);
		assert_non_null(err);
		lpd_error_destroy(err);
	}
}

static void
test_bkwire__read_write_bounds(void **state)
{
	uint8_t buf[16];
	struct bk_frame f;
	struct lpd_error *err;
	uint64_t off;
	uint32_t len;
	const uint8_t *d;

	(void)state;
	bk_put_u64(buf, 4096);
	bk_put_u32(buf + 8, 512);
	f = frame(BK_T_READ, buf, 12);
	assert_null(bk_parse_rw(&f, &off, &len, &d));
	assert_int_equal(off, 4096);
	assert_int_equal(len, 512);
	bk_put_u32(buf + 8, BK_MAX_BLOCK + 1);
	err = bk_parse_rw(&f, &off, &len, &d);
	assert_non_null(err);
	lpd_error_destroy(err);
	f = frame(BK_T_READ, buf, 13);
	err = bk_parse_rw(&f, &off, &len, &d);
	assert_non_null(err);
	lpd_error_destroy(err);
	f = frame(BK_T_WRITE, buf, 8);	/* a write of nothing */
	err = bk_parse_rw(&f, &off, &len, &d);
	assert_non_null(err);
	lpd_error_destroy(err);
	f = frame(BK_T_WRITE, buf, 16);
	assert_null(bk_parse_rw(&f, &off, &len, &d));
	assert_int_equal(len, 8);
}

static void
test_bkwire__error_and_names(void **state)
{
	uint8_t buf[8 + 1100];
	struct bk_frame f;
	struct lpd_error *err;
	uint32_t code;
	char *msg;

	(void)state;
	bk_put_u32(buf, BK_E_NOSPACE);
	memcpy(buf + 4, "full", 4);
	f = frame(BK_T_ERR, buf, 8);
	assert_null(bk_parse_err(&f, &code, &msg));
	assert_int_equal(code, BK_E_NOSPACE);
	assert_string_equal(msg, "full");
	lpd_free(msg);
	memset(buf + 4, 'a', 1100);
	f = frame(BK_T_ERR, buf, 4 + 1100);
	err = bk_parse_err(&f, &code, &msg);
	assert_non_null(err);
	lpd_error_destroy(err);
	assert_true(bk_name_valid("d0", 2));
	assert_false(bk_name_valid(".x", 2));
	assert_false(bk_name_valid("a/b", 3));
	assert_false(bk_name_valid("", 0));
	memset(buf, 'a', 65);
	assert_false(bk_name_valid((const char *)buf, 65));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bkwire__header_round_trip_and_limits),
		cmocka_unit_test(test_bkwire__begin_round_trip_and_truncations),
		cmocka_unit_test(test_bkwire__block_flags_and_lengths),
		cmocka_unit_test(test_bkwire__read_write_bounds),
		cmocka_unit_test(test_bkwire__error_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
