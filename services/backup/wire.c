/* services/backup/wire.c - framing and the typed messages of the backup
 * protocol. Big-endian; every field read through lpd_reader. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "services/backup/backup.h"

void
bk_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void
bk_put_u64(uint8_t *p, uint64_t v)
{
	bk_put_u32(p, (uint32_t)(v >> 32));
	bk_put_u32(p + 4, (uint32_t)v);
}

static void
put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
bk_header_build(uint16_t type, uint32_t len, uint8_t *out)
{
	bk_put_u32(out, BK_MAGIC);
	put_u16(out + 4, type);
	put_u16(out + 6, 0);
	bk_put_u32(out + 8, len);
}

struct lpd_error *
bk_header_parse(const uint8_t *buf, size_t n, struct bk_frame *ret)
{
	struct lpd_reader r;
	struct lpd_error *err;
	uint32_t magic;

	lpd_reader_init(&r, buf, n, true, "frame", 0);
	if ((err = lpd_reader_u32(&r, &magic)) != NULL ||
	    (err = lpd_reader_u16(&r, &ret->type)) != NULL ||
	    (err = lpd_reader_u16(&r, &ret->flags)) != NULL ||
	    (err = lpd_reader_u32(&r, &ret->len)) != NULL)
		return err;
	if (magic != BK_MAGIC)
		return lpd_error_input("frame", 0, "bad magic 0x%08x", magic);
	if (ret->len > BK_MAX_PAYLOAD)
		return lpd_error_input("frame", 8, "length %u over the limit %u",
				       ret->len, BK_MAX_PAYLOAD);
	ret->payload = NULL;
	return NULL;
}

static struct lpd_error *
read_full(int fd, uint8_t *p, size_t n, bool *eof_at_start)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = read(fd, p + got, n - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return lpd_error_os(errno, "recv");
		if (k == 0) {
			if (got == 0 && eof_at_start != NULL)
				*eof_at_start = true;
			return lpd_error_format(LPD_ERR_REMOTE,
						"connection closed");
		}
		got += (size_t)k;
	}
	return NULL;
}

struct lpd_error *
bk_recv(int fd, uint8_t **buf, size_t *cap, struct bk_frame *ret)
{
	uint8_t hdr[BK_HDR_SIZE];
	struct lpd_error *err;

	if ((err = read_full(fd, hdr, sizeof(hdr), NULL)) != NULL ||
	    (err = bk_header_parse(hdr, sizeof(hdr), ret)) != NULL)
		return err;
	if (*cap < ret->len || *buf == NULL) {
		size_t want = ret->len > 4096 ? ret->len : 4096;
		uint8_t *nb = lpd_reallocarray(*buf, want, 1);

		if (nb == NULL)
			return &lpd_enomem;
		*buf = nb;
		*cap = want;
	}
	if ((err = read_full(fd, *buf, ret->len, NULL)) != NULL)
		return err;
	ret->payload = *buf;
	return NULL;
}

struct lpd_error *
bk_send(int fd, uint16_t type, const void *a, size_t alen, const void *b,
	size_t blen)
{
	uint8_t hdr[BK_HDR_SIZE];
	struct iovec iov[3];
	int n = 1;
	size_t total;

	if (alen + blen > BK_MAX_PAYLOAD)
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"message of %zu bytes too long",
					alen + blen);
	bk_header_build(type, (uint32_t)(alen + blen), hdr);
	iov[0] = (struct iovec){ hdr, sizeof(hdr) };
	if (alen > 0)
		iov[n++] = (struct iovec){ (void *)a, alen };
	if (blen > 0)
		iov[n++] = (struct iovec){ (void *)b, blen };
	total = sizeof(hdr) + alen + blen;
	while (total > 0) {
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t)n };
		ssize_t k = sendmsg(fd, &m, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return lpd_error_os(errno, "send");
		total -= (size_t)k;
		/* Short send: drop what went out from the front. */
		while (n > 0 && (size_t)k >= iov[0].iov_len) {
			k -= (ssize_t)iov[0].iov_len;
			memmove(iov, iov + 1, sizeof(iov[0]) * (size_t)(n - 1));
			n--;
		}
		if (n > 0) {
			iov[0].iov_base = (uint8_t *)iov[0].iov_base + k;
			iov[0].iov_len -= (size_t)k;
		}
	}
	return NULL;
}

struct lpd_error *
bk_send_err(int fd, uint32_t code, const char *fmt, ...)
{
	uint8_t c[4];
	struct lpd_error *err;
	char msg[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	bk_put_u32(c, code);
	err = bk_send(fd, BK_T_ERR, c, 4, msg, (size_t)n);
	return err;
}

bool
bk_name_valid(const char *s, size_t n)
{
	if (n == 0 || n > BK_MAX_NAME)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      (c == '.' && i > 0)))
			return false;
	}
	return true;
}

struct lpd_error *
bk_parse_name(const struct bk_frame *f, size_t skip,
	      char out[BK_MAX_NAME + 1])
{
	size_t n;

	if (f->len < skip)
		return lpd_error_input("message", 0, "truncated before name");
	n = f->len - skip;
	if (!bk_name_valid((const char *)f->payload + skip, n))
		return lpd_error_input("message", skip,
				       "bad disk name (%zu bytes)", n);
	memcpy(out, f->payload + skip, n);
	out[n] = '\0';
	return NULL;
}

struct lpd_error *
bk_parse_err(const struct bk_frame *f, uint32_t *code, char **ret)
{
	struct lpd_reader r;
	struct lpd_error *err;
	size_t n;

	lpd_reader_init(&r, f->payload, f->len, true, "error message", 0);
	if ((err = lpd_reader_u32(&r, code)) != NULL)
		return err;
	n = lpd_reader_left(&r);
	if (n > 1024)
		return lpd_error_input("error message", 4, "text too long");
	*ret = lpd_strndup((const char *)f->payload + 4, n);
	return *ret == NULL ? &lpd_enomem : NULL;
}

struct lpd_error *
bk_parse_u64(const struct bk_frame *f, uint64_t *ret)
{
	struct lpd_reader r;

	if (f->len != 8)
		return lpd_error_input("message", 0, "want 8 bytes, have %u",
				       f->len);
	lpd_reader_init(&r, f->payload, f->len, true, "message", 0);
	return lpd_reader_u64(&r, ret);
}

struct lpd_error *
bk_parse_u64x2(const struct bk_frame *f, uint64_t *a, uint64_t *ret)
{
	struct lpd_reader r;
	struct lpd_error *err;

	if (f->len != 16)
		return lpd_error_input("message", 0, "want 16 bytes, have %u",
				       f->len);
	lpd_reader_init(&r, f->payload, f->len, true, "message", 0);
	if ((err = lpd_reader_u64(&r, a)) != NULL)
		return err;
	return lpd_reader_u64(&r, ret);
}

/* READ: u64 off, u32 len (no data); WRITE: u64 off, data. */
struct lpd_error *
bk_parse_rw(const struct bk_frame *f, uint64_t *off, uint32_t *len,
	    const uint8_t **data)
{
	struct lpd_reader r;
	struct lpd_error *err;

	lpd_reader_init(&r, f->payload, f->len, true, "message", 0);
	if ((err = lpd_reader_u64(&r, off)) != NULL)
		return err;
	if (f->type == BK_T_READ) {
		if ((err = lpd_reader_u32(&r, len)) != NULL)
			return err;
		if (lpd_reader_left(&r) != 0)
			return lpd_error_input("message", 12, "trailing bytes");
		if (*len == 0 || *len > BK_MAX_BLOCK)
			return lpd_error_input("message", 8,
					       "read length %u out of range",
					       *len);
		*data = NULL;
		return NULL;
	}
	*len = (uint32_t)lpd_reader_left(&r);
	if (*len == 0 || *len > BK_MAX_BLOCK)
		return lpd_error_input("message", 8,
				       "write length %u out of range", *len);
	*data = f->payload + 8;
	return NULL;
}

struct lpd_error *
bk_parse_open_ok(const struct bk_frame *f, uint64_t *size, uint32_t *bs)
{
	struct lpd_reader r;
	struct lpd_error *err;

	if (f->len != 12)
		return lpd_error_input("message", 0, "OPEN_OK of %u bytes",
				       f->len);
	lpd_reader_init(&r, f->payload, f->len, true, "message", 0);
	if ((err = lpd_reader_u64(&r, size)) != NULL ||
	    (err = lpd_reader_u32(&r, bs)) != NULL)
		return err;
	if (!bk_block_size_valid(*bs) ||
	    bk_nblocks(*size, *bs) > BK_MAX_BLOCKS)
		return lpd_error_input("message", 0, "bad geometry");
	return NULL;
}

size_t
bk_build_begin(const struct bk_begin *b, uint8_t *out)
{
	size_t n = strlen(b->name);

	bk_put_u64(out, b->resume_id);
	bk_put_u64(out + 8, b->parent);
	bk_put_u64(out + 16, b->disk_size);
	bk_put_u32(out + 24, b->block_size);
	bk_put_u64(out + 28, b->nsend);
	memcpy(out + 36, b->name, n);
	return 36 + n;
}

struct lpd_error *
bk_parse_begin(const struct bk_frame *f, struct bk_begin *ret)
{
	struct lpd_reader r;
	struct lpd_error *err;
	uint64_t nb;

	lpd_reader_init(&r, f->payload, f->len, true, "BEGIN", 0);
	if ((err = lpd_reader_u64(&r, &ret->resume_id)) != NULL ||
	    (err = lpd_reader_u64(&r, &ret->parent)) != NULL ||
	    (err = lpd_reader_u64(&r, &ret->disk_size)) != NULL ||
	    (err = lpd_reader_u32(&r, &ret->block_size)) != NULL ||
	    (err = lpd_reader_u64(&r, &ret->nsend)) != NULL ||
	    (err = bk_parse_name(f, 36, ret->name)) != NULL)
		return err;
	if (!bk_block_size_valid(ret->block_size))
		return lpd_error_input("BEGIN", 24, "bad block size %u",
				       ret->block_size);
	nb = bk_nblocks(ret->disk_size, ret->block_size);
	if (ret->disk_size == 0 || nb > BK_MAX_BLOCKS)
		return lpd_error_input("BEGIN", 16, "bad disk size %llu",
				       (unsigned long long)ret->disk_size);
	if (ret->nsend > nb || (ret->parent == 0 && ret->nsend != nb))
		return lpd_error_input("BEGIN", 28,
				       "%llu blocks to send of %llu",
				       (unsigned long long)ret->nsend,
				       (unsigned long long)nb);
	return NULL;
}

size_t
bk_build_block_head(const struct bk_block *b, uint8_t *out)
{
	bk_put_u64(out, b->seq);
	bk_put_u64(out + 8, b->index);
	out[16] = b->zero ? 1 : 0;
	memcpy(out + 17, b->hash, BK_HASH);
	return 17 + BK_HASH;
}

struct lpd_error *
bk_parse_block(const struct bk_frame *f, struct bk_block *ret)
{
	struct lpd_reader r;
	struct lpd_error *err;
	const uint8_t *h;
	uint8_t z;

	lpd_reader_init(&r, f->payload, f->len, true, "BLOCK", 0);
	if ((err = lpd_reader_u64(&r, &ret->seq)) != NULL ||
	    (err = lpd_reader_u64(&r, &ret->index)) != NULL ||
	    (err = lpd_reader_u8(&r, &z)) != NULL ||
	    (err = lpd_reader_bytes(&r, BK_HASH, &h)) != NULL)
		return err;
	if (z > 1)
		return lpd_error_input("BLOCK", 16, "bad zero flag %u", z);
	ret->zero = z == 1;
	memcpy(ret->hash, h, BK_HASH);
	ret->data_len = (uint32_t)lpd_reader_left(&r);
	if (ret->zero && ret->data_len != 0)
		return lpd_error_input("BLOCK", 49, "zero block carries data");
	if (!ret->zero && ret->data_len == 0)
		return lpd_error_input("BLOCK", 49, "block without data");
	if (ret->data_len > BK_MAX_BLOCK)
		return lpd_error_input("BLOCK", 49, "block too long");
	ret->data = ret->zero ? NULL : f->payload + 49;
	return NULL;
}
