/* tests/services/test-pgwire.c - the paging device and page protocol
 * parsers: round trips, every truncation, and one lying field at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "services/paging/paging.h"

static void
expect_err(struct lpd_error *err, const char *needle)
{
	assert_non_null(err);
	if (strstr(err->message, needle) == NULL)
		fail_msg("'%s' does not say '%s'", err->message, needle);
	lpd_error_destroy(err);
}

static void
test_pgwire__crc32_known_vector(void **state)
{
	(void)state;
	assert_int_equal(pg_crc32(0, "123456789", 9), 0xcbf43926u);
}

static size_t
build_dev(uint8_t *buf, struct pg_image *img)
{
	memset(img, 0, sizeof(*img));
	strcpy(img->name, "os-v1");
	img->os_version = 1;
	img->npages = 10;
	img->so_pages = 4;
	img->so_size = 3 * PG_PAGE + 100;
	img->crc_offset = PG_DEV_HDR + PG_DIR_ENTRY;
	img->offset = PG_PAGE;
	pg_dev_header_encode(1, buf);
	pg_dev_entry_encode(img, buf + PG_DEV_HDR);
	return PG_DEV_HDR + PG_DIR_ENTRY;
}

static void
test_pgwire__dev_round_trip(void **state)
{
	uint8_t buf[256];
	struct pg_image in, out[PG_MAX_IMAGES];
	uint32_t n;
	size_t len = build_dev(buf, &in);

	(void)state;
	assert_null(pg_dev_parse(buf, len, 11 * PG_PAGE, "dev", out, &n));
	assert_int_equal(n, 1);
	assert_string_equal(out[0].name, "os-v1");
	assert_int_equal(out[0].npages, 10);
	assert_int_equal(out[0].so_pages, 4);
	assert_int_equal(out[0].offset, PG_PAGE);
}

static void
test_pgwire__dev_every_truncation(void **state)
{
	uint8_t buf[256];
	struct pg_image in, out[PG_MAX_IMAGES];
	uint32_t n;
	size_t len = build_dev(buf, &in);

	(void)state;
	for (size_t k = 0; k < len; k++) {
		struct lpd_error *err = pg_dev_parse(buf, k, 11 * PG_PAGE,
						     "dev", out, &n);
		assert_non_null(err);
		lpd_error_destroy(err);
	}
}

static void
test_pgwire__dev_lies(void **state)
{
	uint8_t buf[256];
	struct pg_image in, out[PG_MAX_IMAGES];
	uint32_t n;
	size_t len;

	(void)state;
	len = build_dev(buf, &in);
	buf[0] = 'X';
	expect_err(pg_dev_parse(buf, len, 11 * PG_PAGE, "dev", out, &n),
		   "not a paging device");
	len = build_dev(buf, &in);
	buf[12] = 200;
	expect_err(pg_dev_parse(buf, len, 11 * PG_PAGE, "dev", out, &n),
		   "images");
	/* Past the end of the device. */
	len = build_dev(buf, &in);
	expect_err(pg_dev_parse(buf, len, 10 * PG_PAGE, "dev", out, &n),
		   "past the end");
	/* so_pages beyond npages. */
	in.so_pages = 11;
	pg_dev_entry_encode(&in, buf + PG_DEV_HDR);
	expect_err(pg_dev_parse(buf, len, 11 * PG_PAGE, "dev", out, &n),
		   "so_pages");
	/* so_size not matching so_pages. */
	len = build_dev(buf, &in);
	in.so_size = 100;
	pg_dev_entry_encode(&in, buf + PG_DEV_HDR);
	expect_err(pg_dev_parse(buf, len, 11 * PG_PAGE, "dev", out, &n),
		   "so_size");
	/* Unaligned pages, huge page counts, a bad name. */
	len = build_dev(buf, &in);
	in.offset = 100;
	pg_dev_entry_encode(&in, buf + PG_DEV_HDR);
	expect_err(pg_dev_parse(buf, len, 11 * PG_PAGE, "dev", out, &n),
		   "unaligned");
	len = build_dev(buf, &in);
	in.npages = 0xffffffffu;
	pg_dev_entry_encode(&in, buf + PG_DEV_HDR);
	expect_err(pg_dev_parse(buf, len, 11 * PG_PAGE, "dev", out, &n),
		   "pages");
	len = build_dev(buf, &in);
	buf[PG_DEV_HDR + 2] = '/';
	expect_err(pg_dev_parse(buf, len, 11 * PG_PAGE, "dev", out, &n),
		   "bad image name");
	len = build_dev(buf, &in);
	memset(buf + PG_DEV_HDR, 'a', PG_NAME_MAX);
	expect_err(pg_dev_parse(buf, len, 11 * PG_PAGE, "dev", out, &n),
		   "bad image name");
}

static void
test_pgwire__request_round_trip(void **state)
{
	uint8_t buf[PG_REQ_SIZE + PG_NAME_MAX];
	struct pg_req req;
	size_t len, nlen;

	(void)state;
	assert_null(pg_req_encode(PG_OP_PAGE, "os-v2", 7, buf, &len));
	assert_int_equal(len, PG_REQ_SIZE + 5);
	assert_null(pg_req_parse_head(buf, PG_REQ_SIZE, &req, &nlen));
	assert_int_equal(nlen, 5);
	assert_null(pg_req_set_name(&req, buf + PG_REQ_SIZE, nlen));
	assert_int_equal(req.op, PG_OP_PAGE);
	assert_int_equal(req.page, 7);
	assert_string_equal(req.name, "os-v2");
	for (size_t k = 0; k < PG_REQ_SIZE; k++) {
		struct lpd_error *err = pg_req_parse_head(buf, k, &req, &nlen);
		assert_non_null(err);
		lpd_error_destroy(err);
	}
	expect_err(pg_req_encode(PG_OP_PAGE, "../etc", 0, buf, &len),
		   "bad image name");
}

static void
test_pgwire__request_lies(void **state)
{
	uint8_t buf[PG_REQ_SIZE + PG_NAME_MAX], b[sizeof(buf)];
	struct pg_req req;
	size_t len, nlen;

	(void)state;
	assert_null(pg_req_encode(PG_OP_PAGE, "os-v2", 7, buf, &len));
	memcpy(b, buf, len);
	b[0] ^= 1;
	expect_err(pg_req_parse_head(b, len, &req, &nlen), "bad magic");
	memcpy(b, buf, len);
	b[4] = 9;
	expect_err(pg_req_parse_head(b, len, &req, &nlen), "unknown op");
	memcpy(b, buf, len);
	b[6] = 0;
	expect_err(pg_req_parse_head(b, len, &req, &nlen), "name length");
	b[6] = PG_NAME_MAX;
	expect_err(pg_req_parse_head(b, len, &req, &nlen), "name length");
	memcpy(b, buf, len);
	b[10] = 0xff;
	expect_err(pg_req_parse_head(b, len, &req, &nlen), "out of range");
	memcpy(b, buf, len);
	b[13] = 1;
	expect_err(pg_req_parse_head(b, len, &req, &nlen), "reserved");
	/* INFO with a page number. */
	assert_null(pg_req_encode(PG_OP_INFO, "os-v2", 3, b, &len));
	expect_err(pg_req_parse_head(b, len, &req, &nlen), "page set");
	/* A name with a NUL or a slash. */
	assert_null(pg_req_parse_head(buf, len, &req, &nlen));
	expect_err(pg_req_set_name(&req, "os\0v2", 5), "bad image name");
	expect_err(pg_req_set_name(&req, "os/v2", 5), "bad image name");
}

static void
test_pgwire__reply(void **state)
{
	uint8_t buf[PG_REP_SIZE], b[PG_REP_SIZE];
	struct pg_rep rep = { PG_OP_PAGE, 0, 3, 0x1234, PG_PAGE }, out;

	(void)state;
	pg_rep_encode(&rep, buf);
	assert_null(pg_rep_parse(buf, sizeof(buf), &out));
	assert_int_equal(out.page, 3);
	assert_int_equal(out.crc, 0x1234);
	assert_int_equal(out.body_len, PG_PAGE);
	for (size_t k = 0; k < PG_REP_SIZE; k++) {
		struct lpd_error *err = pg_rep_parse(buf, k, &out);
		assert_non_null(err);
		lpd_error_destroy(err);
	}
	/* A body longer than a page would overrun the receiver. */
	rep.body_len = PG_PAGE + 1;
	pg_rep_encode(&rep, b);
	expect_err(pg_rep_parse(b, sizeof(b), &out), "body of");
	rep.body_len = 0xffffffffu;
	pg_rep_encode(&rep, b);
	expect_err(pg_rep_parse(b, sizeof(b), &out), "body of");
	/* An error reply carries no body. */
	rep.status = 2;
	rep.body_len = 0;
	pg_rep_encode(&rep, b);
	assert_null(pg_rep_parse(b, sizeof(b), &out));
	rep.body_len = 16;
	pg_rep_encode(&rep, b);
	expect_err(pg_rep_parse(b, sizeof(b), &out), "error reply");
	memcpy(b, buf, sizeof(b));
	b[3] ^= 0x10;
	expect_err(pg_rep_parse(b, sizeof(b), &out), "bad magic");
	memcpy(b, buf, sizeof(b));
	b[22] = 1;
	expect_err(pg_rep_parse(b, sizeof(b), &out), "reserved");
}

static void
test_pgwire__info(void **state)
{
	uint8_t b[PG_INFO_SIZE];
	struct pg_info in = { 2, 10, 4, 3 * PG_PAGE + 1 }, out;

	(void)state;
	pg_info_encode(&in, b);
	assert_null(pg_info_parse(b, sizeof(b), &out));
	assert_int_equal(out.npages, 10);
	in.so_pages = 11;
	pg_info_encode(&in, b);
	expect_err(pg_info_parse(b, sizeof(b), &out), "inconsistent");
	in.so_pages = 4;
	in.so_size = 5 * PG_PAGE;
	pg_info_encode(&in, b);
	expect_err(pg_info_parse(b, sizeof(b), &out), "inconsistent");
	in.npages = PG_MAX_PAGES + 1;
	pg_info_encode(&in, b);
	expect_err(pg_info_parse(b, sizeof(b), &out), "inconsistent");
	expect_err(pg_info_parse(b, 15, &out), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pgwire__crc32_known_vector),
		cmocka_unit_test(test_pgwire__dev_round_trip),
		cmocka_unit_test(test_pgwire__dev_every_truncation),
		cmocka_unit_test(test_pgwire__dev_lies),
		cmocka_unit_test(test_pgwire__request_round_trip),
		cmocka_unit_test(test_pgwire__request_lies),
		cmocka_unit_test(test_pgwire__reply),
		cmocka_unit_test(test_pgwire__info),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
