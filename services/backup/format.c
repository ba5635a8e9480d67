/* services/backup/format.c - fixed-block chunking and the stored formats
 * (chunk files, snapshot manifests), decoded as hostile input. */
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>
#include <zstd.h>

#include "services/backup/backup.h"

bool
bk_block_size_valid(uint32_t bs)
{
	return bs >= BK_MIN_BLOCK && bs <= BK_MAX_BLOCK && (bs & (bs - 1)) == 0;
}

uint64_t
bk_nblocks(uint64_t disk_size, uint32_t bs)
{
	return disk_size / bs + (disk_size % bs != 0);
}

uint32_t
bk_block_len(uint64_t disk_size, uint32_t bs, uint64_t index)
{
	uint64_t off;

	if (index >= bk_nblocks(disk_size, bs))
		return 0;
	off = index * bs;
	return disk_size - off < bs ? (uint32_t)(disk_size - off) : bs;
}

void
bk_blocks_for_range(uint64_t off, uint64_t len, uint32_t bs, uint64_t *first,
		    uint64_t *ret)
{
	if (len == 0) {
		*first = off / bs;
		*ret = 0;
		return;
	}
	*first = off / bs;
	*ret = (off + len - 1) / bs - *first + 1;
}

void
bk_sha256(const void *p, size_t n, uint8_t out[BK_HASH])
{
	unsigned int len = BK_HASH;

	EVP_Digest(p, n, out, &len, EVP_sha256(), NULL);
}

void
bk_hex(const uint8_t h[BK_HASH], char out[2 * BK_HASH + 1])
{
	static const char d[] = "0123456789abcdef";

	for (int i = 0; i < BK_HASH; i++) {
		out[2 * i] = d[h[i] >> 4];
		out[2 * i + 1] = d[h[i] & 15];
	}
	out[2 * BK_HASH] = '\0';
}

bool
bk_is_zero(const uint8_t *p, size_t n)
{
	/* Compare with itself shifted: one pass, no table. */
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* CRC-32 of a stored chunk but its own field: the SHA-256 covers only
 * what decompresses, so a flipped bit the decoder ignores (a frame flag)
 * would otherwise go unseen. */
static uint32_t
chunk_crc(const uint8_t *p, size_t n)
{
	uLong c = crc32(0, p, 12);

	return (uint32_t)crc32(c, p + 16, (uInt)(n - 16));
}

struct lpd_error *
bk_chunk_encode(const uint8_t *raw, uint32_t n, const uint8_t hash[BK_HASH],
		uint8_t **ret, size_t *ret_len)
{
	size_t bound = ZSTD_compressBound(n), z;
	uint8_t *out = lpd_malloc(BK_CHUNK_HDR + bound);

	if (out == NULL)
		return &lpd_enomem;
	/* Level 1: the proxy's throughput matters more than a few percent,
	 * and changed disk blocks are often already compressed data. */
	z = ZSTD_compress(out + BK_CHUNK_HDR, bound, raw, n, 1);
	if (ZSTD_isError(z)) {
		lpd_free(out);
		return lpd_error_format(LPD_ERR_BAD_INPUT, "zstd: %s",
					ZSTD_getErrorName(z));
	}
	memcpy(out, "VBC1", 4);
	bk_put_u32(out + 4, n);
	bk_put_u32(out + 8, (uint32_t)z);
	memcpy(out + 16, hash, BK_HASH);
	bk_put_u32(out + 12, chunk_crc(out, BK_CHUNK_HDR + z));
	*ret = out;
	*ret_len = BK_CHUNK_HDR + z;
	return NULL;
}

struct lpd_error *
bk_chunk_decode(const uint8_t *buf, size_t n, const uint8_t want[BK_HASH],
		const char *file, uint8_t *out, uint32_t *ret_len)
{
	struct lpd_reader r;
	struct lpd_error *err;
	const uint8_t *magic, *h, *z;
	uint32_t raw, zlen, crc;
	uint8_t got[BK_HASH];
	size_t d;

	lpd_reader_init(&r, buf, n, true, file, 0);
	if ((err = lpd_reader_bytes(&r, 4, &magic)) != NULL ||
	    (err = lpd_reader_u32(&r, &raw)) != NULL ||
	    (err = lpd_reader_u32(&r, &zlen)) != NULL ||
	    (err = lpd_reader_u32(&r, &crc)) != NULL ||
	    (err = lpd_reader_bytes(&r, BK_HASH, &h)) != NULL)
		return err;
	if (memcmp(magic, "VBC1", 4) != 0)
		return lpd_error_input(file, 0, "not a chunk (bad magic)");
	if (raw == 0 || raw > BK_MAX_BLOCK)
		return lpd_error_input(file, 4, "raw length %u out of range",
				       raw);
	if (zlen != lpd_reader_left(&r))
		return lpd_error_input(file, 8, "compressed length %u, file "
				       "has %zu", zlen, lpd_reader_left(&r));
	if (crc != chunk_crc(buf, n))
		return lpd_error_input(file, 12, "CRC mismatch (stored bytes "
				       "damaged)");
	if (memcmp(h, want, BK_HASH) != 0)
		return lpd_error_input(file, 16, "header hash is not the "
				       "chunk's name");
	if ((err = lpd_reader_bytes(&r, zlen, &z)) != NULL)
		return err;
	d = ZSTD_decompress(out, BK_MAX_BLOCK, z, zlen);
	if (ZSTD_isError(d))
		return lpd_error_input(file, BK_CHUNK_HDR, "zstd: %s",
				       ZSTD_getErrorName(d));
	if (d != raw)
		return lpd_error_input(file, 4, "decompressed to %zu bytes, "
				       "header says %u", d, raw);
	bk_sha256(out, d, got);
	if (memcmp(got, want, BK_HASH) != 0)
		return lpd_error_input(file, BK_CHUNK_HDR,
				       "checksum mismatch (SHA-256 of the data "
				       "is not the chunk's name)");
	*ret_len = raw;
	return NULL;
}

/* Header: "VBS1", u32 block size, u64 id, parent, disk size, nblocks,
 * created, name[64] NUL-padded = 112 bytes. */
struct lpd_error *
bk_snap_encode(const struct bk_snap *s, uint8_t **ret, size_t *ret_len)
{
	size_t n = BK_SNAP_HDR + s->nblocks * BK_HASH + BK_HASH;
	uint8_t *p = lpd_calloc(1, n);

	if (p == NULL)
		return &lpd_enomem;
	memcpy(p, "VBS1", 4);
	bk_put_u32(p + 4, s->block_size);
	bk_put_u64(p + 8, s->id);
	bk_put_u64(p + 16, s->parent);
	bk_put_u64(p + 24, s->disk_size);
	bk_put_u64(p + 32, s->nblocks);
	bk_put_u64(p + 40, s->created);
	memcpy(p + 48, s->name, strlen(s->name));
	memcpy(p + BK_SNAP_HDR, s->hashes, s->nblocks * BK_HASH);
	bk_sha256(p, n - BK_HASH, p + n - BK_HASH);
	*ret = p;
	*ret_len = n;
	return NULL;
}

struct lpd_error *
bk_snap_decode(const uint8_t *buf, size_t n, const char *file,
	       struct bk_snap *ret)
{
	struct lpd_reader r;
	struct lpd_error *err;
	const uint8_t *magic, *name, *hs;
	uint8_t sum[BK_HASH];
	size_t nl;

	memset(ret, 0, sizeof(*ret));
	lpd_reader_init(&r, buf, n, true, file, 0);
	if ((err = lpd_reader_bytes(&r, 4, &magic)) != NULL ||
	    (err = lpd_reader_u32(&r, &ret->block_size)) != NULL ||
	    (err = lpd_reader_u64(&r, &ret->id)) != NULL ||
	    (err = lpd_reader_u64(&r, &ret->parent)) != NULL ||
	    (err = lpd_reader_u64(&r, &ret->disk_size)) != NULL ||
	    (err = lpd_reader_u64(&r, &ret->nblocks)) != NULL ||
	    (err = lpd_reader_u64(&r, &ret->created)) != NULL ||
	    (err = lpd_reader_bytes(&r, BK_MAX_NAME, &name)) != NULL)
		return err;
	if (memcmp(magic, "VBS1", 4) != 0)
		return lpd_error_input(file, 0, "not a snapshot (bad magic)");
	if (!bk_block_size_valid(ret->block_size))
		return lpd_error_input(file, 4, "bad block size %u",
				       ret->block_size);
	if (ret->disk_size == 0 || ret->nblocks > BK_MAX_BLOCKS ||
	    ret->nblocks != bk_nblocks(ret->disk_size, ret->block_size))
		return lpd_error_input(file, 24, "disk size and block count "
				       "disagree");
	nl = strnlen((const char *)name, BK_MAX_NAME);
	if (!bk_name_valid((const char *)name, nl))
		return lpd_error_input(file, 48, "bad disk name");
	if (lpd_reader_left(&r) != ret->nblocks * BK_HASH + BK_HASH)
		return lpd_error_input(file, BK_SNAP_HDR, "%zu bytes of hashes "
				       "for %llu blocks", lpd_reader_left(&r),
				       (unsigned long long)ret->nblocks);
	bk_sha256(buf, n - BK_HASH, sum);
	if (memcmp(sum, buf + n - BK_HASH, BK_HASH) != 0)
		return lpd_error_input(file, n - BK_HASH,
				       "manifest checksum mismatch");
	if ((err = lpd_reader_bytes(&r, ret->nblocks * BK_HASH, &hs)) != NULL)
		return err;
	memcpy(ret->name, name, nl);
	ret->name[nl] = '\0';
	ret->hashes = lpd_malloc(ret->nblocks * BK_HASH);
	if (ret->hashes == NULL)
		return &lpd_enomem;
	memcpy(ret->hashes, hs, ret->nblocks * BK_HASH);
	return NULL;
}

void
bk_snap_deinit(struct bk_snap *s)
{
	lpd_free(s->hashes);
	s->hashes = NULL;
}
