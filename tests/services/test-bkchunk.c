/* tests/services/test-bkchunk.c - the chunker (fixed blocks: geometry,
 * ranges to blocks, the short last block) and the stored formats read as
 * hostile input: chunk files and snapshot manifests, every truncation,
 * flipped bits, lying lengths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "services/backup/backup.h"

static void
test_bkchunk__geometry(void **state)
{
	uint64_t first, n;

	(void)state;
	assert_true(bk_block_size_valid(65536));
	assert_false(bk_block_size_valid(2048));
	assert_false(bk_block_size_valid(65536 + 4096));
	assert_false(bk_block_size_valid(BK_MAX_BLOCK * 2));
	assert_int_equal(bk_nblocks(65536 * 3, 65536), 3);
	assert_int_equal(bk_nblocks(65536 * 3 + 1, 65536), 4);
	assert_int_equal(bk_block_len(65536 * 3 + 1000, 65536, 3), 1000);
	assert_int_equal(bk_block_len(65536 * 3 + 1000, 65536, 2), 65536);
	assert_int_equal(bk_block_len(65536 * 3 + 1000, 65536, 4), 0);
	/* A 64 KiB write at a 4 KiB offset touches two blocks; aligned, one. */
	bk_blocks_for_range(4096, 65536, 65536, &first, &n);
	assert_int_equal(first, 0);
	assert_int_equal(n, 2);
	bk_blocks_for_range(65536 * 5, 65536, 65536, &first, &n);
	assert_int_equal(first, 5);
	assert_int_equal(n, 1);
	bk_blocks_for_range(65535, 2, 65536, &first, &n);
	assert_int_equal(n, 2);
	bk_blocks_for_range(10, 0, 65536, &first, &n);
	assert_int_equal(n, 0);
	/* 4 MiB run: 64 blocks. */
	bk_blocks_for_range(4u << 20, 4u << 20, 65536, &first, &n);
	assert_int_equal(first, 64);
	assert_int_equal(n, 64);
}

static void
test_bkchunk__zero_and_hash(void **state)
{
	uint8_t z[4096] = { 0 }, h[BK_HASH];
	char hex[2 * BK_HASH + 1];

	(void)state;
	assert_true(bk_is_zero(z, sizeof(z)));
	z[4095] = 1;
	assert_false(bk_is_zero(z, sizeof(z)));
	bk_sha256("abc", 3, h);
	bk_hex(h, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
			    "b00361a396177a9cb410ff61f20015ad");
}

static void
test_bkchunk__chunk_file_hostile(void **state)
{
	static uint8_t raw[65536], out[BK_MAX_BLOCK];
	uint8_t h[BK_HASH], *enc;
	struct lpd_error *err;
	uint32_t n;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(i * 7 + i / 300);
	bk_sha256(raw, sizeof(raw), h);
	assert_null(bk_chunk_encode(raw, sizeof(raw), h, &enc, &len));
	assert_null(bk_chunk_decode(enc, len, h, "c", out, &n));
	assert_int_equal(n, sizeof(raw));
	assert_memory_equal(out, raw, sizeof(raw));
	/* Every truncation is refused. */
	for (size_t k = 0; k < len; k += (k < 64 ? 1 : 97)) {
		err = bk_chunk_decode(enc, k, h, "c", out, &n);
		assert_non_null(err);
		lpd_error_destroy(err);
	}
	/* Every single flipped bit in the first 64 bytes and a sample of
	 * the rest is found. */
	for (size_t bit = 0; bit < len * 8; bit += (bit < 512 ? 1 : 61)) {
		enc[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		err = bk_chunk_decode(enc, len, h, "c", out, &n);
		assert_non_null(err);
		lpd_error_destroy(err);
		enc[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	/* A raw length over the limit. */
	bk_put_u32(enc + 4, BK_MAX_BLOCK + 1);
	err = bk_chunk_decode(enc, len, h, "c", out, &n);
	assert_non_null(strstr(err->message, "out of range"));
	lpd_error_destroy(err);
	lpd_free(enc);
}

static void
test_bkchunk__snapshot_hostile(void **state)
{
	struct bk_snap s = { 0 }, o;
	uint8_t *enc;
	struct lpd_error *err;
	size_t len;

	(void)state;
	s.id = 3;
	s.parent = 2;
	s.disk_size = 65536 * 4 + 1;
	s.block_size = 65536;
	s.nblocks = 5;
	s.created = 1;
	strcpy(s.name, "d0");
	s.hashes = lpd_calloc(5, BK_HASH);
	memset(s.hashes + BK_HASH, 0x5a, BK_HASH);
	assert_null(bk_snap_encode(&s, &enc, &len));
	assert_int_equal(len, BK_SNAP_HDR + 6 * BK_HASH);
	assert_null(bk_snap_decode(enc, len, "s", &o));
	assert_int_equal(o.id, 3);
	assert_int_equal(o.nblocks, 5);
	assert_string_equal(o.name, "d0");
	assert_memory_equal(o.hashes, s.hashes, 5 * BK_HASH);
	bk_snap_deinit(&o);
	for (size_t k = 0; k < len; k++) {
		err = bk_snap_decode(enc, k, "s", &o);
		assert_non_null(err);
		lpd_error_destroy(err);
	}
	for (size_t bit = 0; bit < len * 8; bit += 13) {
		enc[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		err = bk_snap_decode(enc, len, "s", &o);
		assert_non_null(err);
		lpd_error_destroy(err);
		enc[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	/* A lying block count (checksum fixed up) is still refused. */
	bk_put_u64(enc + 32, 1ull << 40);
	bk_sha256(enc, len - BK_HASH, enc + len - BK_HASH);
	err = bk_snap_decode(enc, len, "s", &o);
	assert_non_null(strstr(err->message, "disagree"));
	lpd_error_destroy(err);
	lpd_free(enc);
	lpd_free(s.hashes);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bkchunk__geometry),
		cmocka_unit_test(test_bkchunk__zero_and_hash),
		cmocka_unit_test(test_bkchunk__chunk_file_hostile),
		cmocka_unit_test(test_bkchunk__snapshot_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
