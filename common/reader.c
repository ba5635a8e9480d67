/* common/reader.c - bounded, byte-order-aware cursor over untrusted bytes;
 * its errors name the file and the offset of the bad value. */
#include <stdio.h>
#include <string.h>

#include "common/lpd.h"

uint16_t
lpd_load_u16(const void *p, bool big_endian)
{
	const uint8_t *b = p;

	return big_endian ? (uint16_t)(b[0] << 8 | b[1])
			  : (uint16_t)(b[1] << 8 | b[0]);
}

uint32_t
lpd_load_u32(const void *p, bool big_endian)
{
	const uint8_t *b = p;

	if (big_endian)
		return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		       (uint32_t)b[2] << 8 | b[3];
	return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[1] << 8 | b[0];
}

uint64_t
lpd_load_u64(const void *p, bool big_endian)
{
	const uint8_t *b = p;
	uint64_t hi, lo;

	if (big_endian) {
		hi = lpd_load_u32(b, true);
		lo = lpd_load_u32(b + 4, true);
	} else {
		lo = lpd_load_u32(b, false);
		hi = lpd_load_u32(b + 4, false);
	}
	return hi << 32 | lo;
}

void
lpd_reader_init(struct lpd_reader *r, const void *base, size_t size,
		bool big_endian, const char *file, uint64_t base_offset)
{
	r->base = base;
	r->size = size;
	r->pos = 0;
	r->big_endian = big_endian;
	r->file = file;
	r->base_offset = base_offset;
}

struct lpd_error *
lpd_reader_error(const struct lpd_reader *r, const char *fmt, ...)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = lpd_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (err != NULL) {
		lpd_buf_deinit(&b);
		return err;
	}
	err = lpd_error_input(r->file, r->base_offset + r->pos, "%s", b.data);
	lpd_buf_deinit(&b);
	return err;
}

static struct lpd_error *
reader_short(const struct lpd_reader *r, size_t n)
{
	return lpd_reader_error(r, "need %zu bytes, only %zu left", n,
				r->size - r->pos);
}

struct lpd_error *
lpd_reader_seek(struct lpd_reader *r, size_t pos)
{
	if (pos > r->size)
		return lpd_reader_error(r, "seek to 0x%zx past end (0x%zx)",
					pos, r->size);
	r->pos = pos;
	return NULL;
}

struct lpd_error *
lpd_reader_skip(struct lpd_reader *r, size_t n)
{
	if (n > r->size - r->pos)
		return reader_short(r, n);
	r->pos += n;
	return NULL;
}

struct lpd_error *
lpd_reader_bytes(struct lpd_reader *r, size_t n, const uint8_t **ret)
{
	if (n > r->size - r->pos)
		return reader_short(r, n);
	*ret = r->base + r->pos;
	r->pos += n;
	return NULL;
}

struct lpd_error *
lpd_reader_u8(struct lpd_reader *r, uint8_t *ret)
{
	if (r->pos >= r->size)
		return reader_short(r, 1);
	*ret = r->base[r->pos++];
	return NULL;
}

struct lpd_error *
lpd_reader_u16(struct lpd_reader *r, uint16_t *ret)
{
	if (2 > r->size - r->pos)
		return reader_short(r, 2);
	*ret = lpd_load_u16(r->base + r->pos, r->big_endian);
	r->pos += 2;
	return NULL;
}

struct lpd_error *
lpd_reader_u32(struct lpd_reader *r, uint32_t *ret)
{
	if (4 > r->size - r->pos)
		return reader_short(r, 4);
	*ret = lpd_load_u32(r->base + r->pos, r->big_endian);
	r->pos += 4;
	return NULL;
}

struct lpd_error *
lpd_reader_u64(struct lpd_reader *r, uint64_t *ret)
{
	if (8 > r->size - r->pos)
		return reader_short(r, 8);
	*ret = lpd_load_u64(r->base + r->pos, r->big_endian);
	r->pos += 8;
	return NULL;
}

struct lpd_error *
lpd_reader_uN(struct lpd_reader *r, unsigned size, uint64_t *ret)
{
	struct lpd_error *err;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;

	switch (size) {
	case 1:
		err = lpd_reader_u8(r, &v8);
		if (err == NULL)
			*ret = v8;
		return err;
	case 2:
		err = lpd_reader_u16(r, &v16);
		if (err == NULL)
			*ret = v16;
		return err;
	case 4:
		err = lpd_reader_u32(r, &v32);
		if (err == NULL)
			*ret = v32;
		return err;
	case 8:
		return lpd_reader_u64(r, ret);
	default:
		return lpd_reader_error(r, "unsupported value size %u", size);
	}
}

struct lpd_error *
lpd_reader_sN(struct lpd_reader *r, unsigned size, int64_t *ret)
{
	struct lpd_error *err;
	uint64_t u;

	err = lpd_reader_uN(r, size, &u);
	if (err != NULL)
		return err;
	if (size < 8 && (u & (UINT64_C(1) << (size * 8 - 1))))
		u |= ~UINT64_C(0) << (size * 8);
	*ret = (int64_t)u;
	return NULL;
}

struct lpd_error *
lpd_reader_uleb128(struct lpd_reader *r, uint64_t *ret)
{
	uint64_t v = 0;
	unsigned shift = 0;
	size_t start = r->pos;
	uint8_t byte;

	do {
		if (r->pos >= r->size) {
			r->pos = start;
			return lpd_reader_error(r, "ULEB128 runs past end");
		}
		byte = r->base[r->pos++];
		if (shift < 64)
			v |= (uint64_t)(byte & 0x7f) << shift;
		shift += 7;
	} while (byte & 0x80);
	*ret = v;
	return NULL;
}

struct lpd_error *
lpd_reader_sleb128(struct lpd_reader *r, int64_t *ret)
{
	uint64_t v = 0;
	unsigned shift = 0;
	size_t start = r->pos;
	uint8_t byte;

	do {
		if (r->pos >= r->size) {
			r->pos = start;
			return lpd_reader_error(r, "SLEB128 runs past end");
		}
		byte = r->base[r->pos++];
		if (shift < 64)
			v |= (uint64_t)(byte & 0x7f) << shift;
		shift += 7;
	} while (byte & 0x80);
	if (shift < 64 && (byte & 0x40))
		v |= ~UINT64_C(0) << shift;
	*ret = (int64_t)v;
	return NULL;
}

struct lpd_error *
lpd_reader_cstr(struct lpd_reader *r, const char **ret)
{
	const void *nul;

	nul = memchr(r->base + r->pos, '\0', r->size - r->pos);
	if (nul == NULL)
		return lpd_reader_error(r, "string is not terminated");
	*ret = (const char *)(r->base + r->pos);
	r->pos = (size_t)((const uint8_t *)nul - r->base) + 1;
	return NULL;
}
