/* services/paging/wire.c - the paging device format and the page
 * protocol: encoders and bounded parsers for bytes we do not trust. */
#include <errno.h>
#include <string.h>

#include "services/paging/paging.h"

static const char dev_magic[8] = { 'L', 'P', 'D', 'P', 'G', 'D', 'V', '1' };

uint32_t
pg_crc32(uint32_t crc, const void *buf, size_t len)
{
	static uint32_t table[256];
	static int ready;
	const uint8_t *p = buf;

	/* Benign race: every thread computes the same table. */
	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
		__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	}
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

bool
pg_name_ok(const char *name, size_t len)
{
	if (len == 0 || len >= PG_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

static void
put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void
pg_dev_header_encode(uint32_t count, uint8_t *out)
{
	memset(out, 0, PG_DEV_HDR);
	memcpy(out, dev_magic, sizeof(dev_magic));
	put32(out + 8, PG_PAGE);
	put32(out + 12, count);
}

void
pg_dev_entry_encode(const struct pg_image *img, uint8_t *out)
{
	memset(out, 0, PG_DIR_ENTRY);
	memcpy(out, img->name, strnlen(img->name, PG_NAME_MAX - 1));
	put32(out + 32, img->os_version);
	put32(out + 36, img->npages);
	put32(out + 40, img->so_pages);
	put32(out + 44, img->so_size);
	put64(out + 48, img->offset);
	put64(out + 56, img->crc_offset);
}

/* One directory entry at R's cursor: 32 + 4 * 4 + 8 + 8 = 64 bytes. */
static struct lpd_error *
parse_entry(struct lpd_reader *r, uint64_t file_size, struct pg_image *img)
{
	const uint8_t *name;
	size_t nlen;
	uint64_t end, crc_end;
	struct lpd_error *err;

	if ((err = lpd_reader_bytes(r, PG_NAME_MAX, &name)) != NULL)
		return err;
	nlen = strnlen((const char *)name, PG_NAME_MAX);
	if (nlen == PG_NAME_MAX || !pg_name_ok((const char *)name, nlen))
		return lpd_reader_error(r, "bad image name");
	for (size_t i = nlen; i < PG_NAME_MAX; i++)
		if (name[i] != 0)
			return lpd_reader_error(r, "image name not NUL-padded");
	memset(img->name, 0, sizeof(img->name));
	memcpy(img->name, name, nlen);
	if ((err = lpd_reader_u32(r, &img->os_version)) != NULL ||
	    (err = lpd_reader_u32(r, &img->npages)) != NULL ||
	    (err = lpd_reader_u32(r, &img->so_pages)) != NULL ||
	    (err = lpd_reader_u32(r, &img->so_size)) != NULL ||
	    (err = lpd_reader_u64(r, &img->offset)) != NULL ||
	    (err = lpd_reader_u64(r, &img->crc_offset)) != NULL)
		return err;
	if (img->npages == 0 || img->npages > PG_MAX_PAGES)
		return lpd_reader_error(r, "image '%s': %u pages (1..%u)",
					img->name, img->npages, PG_MAX_PAGES);
	if (img->so_pages == 0 || img->so_pages > img->npages)
		return lpd_reader_error(r, "image '%s': so_pages %u of %u",
					img->name, img->so_pages, img->npages);
	if (img->so_size == 0 ||
	    img->so_size > (uint64_t)img->so_pages * PG_PAGE ||
	    img->so_size <= (uint64_t)(img->so_pages - 1) * PG_PAGE)
		return lpd_reader_error(r, "image '%s': so_size %u does not "
					"fit %u pages", img->name,
					img->so_size, img->so_pages);
	if (img->offset % PG_PAGE != 0)
		return lpd_reader_error(r, "image '%s': unaligned pages",
					img->name);
	/* npages <= 2^14, so neither sum overflows before the compare. */
	end = img->offset + (uint64_t)img->npages * PG_PAGE;
	crc_end = img->crc_offset + (uint64_t)img->npages * 4;
	if (img->offset > file_size || end > file_size ||
	    img->crc_offset > file_size || crc_end > file_size)
		return lpd_reader_error(r, "image '%s' lies past the end of "
					"the device", img->name);
	return NULL;
}

struct lpd_error *
pg_dev_parse(const void *buf, size_t len, uint64_t file_size,
	     const char *file, struct pg_image *images, uint32_t *ret_count)
{
	struct lpd_reader r;
	const uint8_t *magic;
	uint32_t page, count;
	struct lpd_error *err;

	lpd_reader_init(&r, buf, len, false, file, 0);
	if ((err = lpd_reader_bytes(&r, 8, &magic)) != NULL)
		return err;
	if (memcmp(magic, dev_magic, 8) != 0)
		return lpd_error_input(file, 0, "not a paging device");
	if ((err = lpd_reader_u32(&r, &page)) != NULL ||
	    (err = lpd_reader_u32(&r, &count)) != NULL)
		return err;
	if (page != PG_PAGE)
		return lpd_error_input(file, 8, "page size %u, want %u", page,
				       PG_PAGE);
	if (count == 0 || count > PG_MAX_IMAGES)
		return lpd_error_input(file, 12, "%u images (1..%u)", count,
				       PG_MAX_IMAGES);
	if ((err = lpd_reader_seek(&r, PG_DEV_HDR)) != NULL)
		return err;
	for (uint32_t i = 0; i < count; i++) {
		if ((err = parse_entry(&r, file_size, &images[i])) != NULL)
			return err;
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(images[j].name, images[i].name) == 0)
				return lpd_reader_error(&r, "image '%s' twice",
							images[i].name);
	}
	*ret_count = count;
	return NULL;
}

struct lpd_error *
pg_req_encode(uint16_t op, const char *name, uint32_t page, uint8_t *out,
	      size_t *ret_len)
{
	size_t n = strlen(name);

	if (!pg_name_ok(name, n))
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"bad image name '%s'", name);
	put32(out, PG_REQ_MAGIC);
	out[4] = (uint8_t)op;
	out[5] = (uint8_t)(op >> 8);
	out[6] = (uint8_t)n;
	out[7] = 0;
	put32(out + 8, page);
	put32(out + 12, 0);
	memcpy(out + PG_REQ_SIZE, name, n);
	*ret_len = PG_REQ_SIZE + n;
	return NULL;
}

struct lpd_error *
pg_req_parse_head(const void *buf, size_t len, struct pg_req *req,
		  size_t *ret_name_len)
{
	struct lpd_reader r;
	uint32_t magic, page, zero;
	uint16_t op, nlen;
	struct lpd_error *err;

	lpd_reader_init(&r, buf, len, false, "request", 0);
	if ((err = lpd_reader_u32(&r, &magic)) != NULL ||
	    (err = lpd_reader_u16(&r, &op)) != NULL ||
	    (err = lpd_reader_u16(&r, &nlen)) != NULL ||
	    (err = lpd_reader_u32(&r, &page)) != NULL ||
	    (err = lpd_reader_u32(&r, &zero)) != NULL)
		return err;
	if (magic != PG_REQ_MAGIC)
		return lpd_error_input("request", 0, "bad magic 0x%08x", magic);
	if (op < PG_OP_INFO || op > PG_OP_STATS)
		return lpd_error_input("request", 4, "unknown op %u", op);
	if (nlen == 0 || nlen >= PG_NAME_MAX)
		return lpd_error_input("request", 6, "name length %u", nlen);
	if (op == PG_OP_PAGE && page >= PG_MAX_PAGES)
		return lpd_error_input("request", 8, "page %u out of range",
				       page);
	if (op != PG_OP_PAGE && page != 0)
		return lpd_error_input("request", 8, "page set on op %u", op);
	if (zero != 0)
		return lpd_error_input("request", 12, "reserved not zero");
	memset(req, 0, sizeof(*req));
	req->op = op;
	req->page = page;
	*ret_name_len = nlen;
	return NULL;
}

struct lpd_error *
pg_req_set_name(struct pg_req *req, const void *name, size_t name_len)
{
	if (!pg_name_ok(name, name_len))
		return lpd_error_input("request", PG_REQ_SIZE,
				       "bad image name");
	memcpy(req->name, name, name_len);
	req->name[name_len] = '\0';
	return NULL;
}

void
pg_rep_encode(const struct pg_rep *rep, uint8_t *out)
{
	put32(out, PG_REP_MAGIC);
	out[4] = (uint8_t)rep->op;
	out[5] = (uint8_t)(rep->op >> 8);
	out[6] = (uint8_t)rep->status;
	out[7] = (uint8_t)(rep->status >> 8);
	put32(out + 8, rep->page);
	put32(out + 12, rep->crc);
	put32(out + 16, rep->body_len);
	put32(out + 20, 0);
}

struct lpd_error *
pg_rep_parse(const void *buf, size_t len, struct pg_rep *rep)
{
	struct lpd_reader r;
	uint32_t magic, zero;
	struct lpd_error *err;
	uint32_t want;

	lpd_reader_init(&r, buf, len, false, "reply", 0);
	if ((err = lpd_reader_u32(&r, &magic)) != NULL ||
	    (err = lpd_reader_u16(&r, &rep->op)) != NULL ||
	    (err = lpd_reader_u16(&r, &rep->status)) != NULL ||
	    (err = lpd_reader_u32(&r, &rep->page)) != NULL ||
	    (err = lpd_reader_u32(&r, &rep->crc)) != NULL ||
	    (err = lpd_reader_u32(&r, &rep->body_len)) != NULL ||
	    (err = lpd_reader_u32(&r, &zero)) != NULL)
		return err;
	if (magic != PG_REP_MAGIC)
		return lpd_error_input("reply", 0, "bad magic 0x%08x", magic);
	if (rep->op < PG_OP_INFO || rep->op > PG_OP_STATS)
		return lpd_error_input("reply", 4, "unknown op %u", rep->op);
	if (zero != 0)
		return lpd_error_input("reply", 20, "reserved not zero");
	if (rep->status != 0) {
		if (rep->body_len != 0)
			return lpd_error_input("reply", 16,
					       "error reply with a body");
		return NULL;
	}
	want = rep->op == PG_OP_PAGE ? PG_PAGE :
	       rep->op == PG_OP_INFO ? PG_INFO_SIZE : 8;
	if (rep->body_len != want)
		return lpd_error_input("reply", 16, "body of %u bytes for op "
				       "%u, want %u", rep->body_len, rep->op,
				       want);
	return NULL;
}

void
pg_info_encode(const struct pg_info *info, uint8_t *out)
{
	put32(out, info->os_version);
	put32(out + 4, info->npages);
	put32(out + 8, info->so_pages);
	put32(out + 12, info->so_size);
}

struct lpd_error *
pg_info_parse(const void *buf, size_t len, struct pg_info *ret)
{
	struct lpd_reader r;
	struct pg_info in;
	struct lpd_error *err;

	lpd_reader_init(&r, buf, len, false, "info", 0);
	if ((err = lpd_reader_u32(&r, &in.os_version)) != NULL ||
	    (err = lpd_reader_u32(&r, &in.npages)) != NULL ||
	    (err = lpd_reader_u32(&r, &in.so_pages)) != NULL ||
	    (err = lpd_reader_u32(&r, &in.so_size)) != NULL)
		return err;
	if (in.npages == 0 || in.npages > PG_MAX_PAGES ||
	    in.so_pages == 0 || in.so_pages > in.npages ||
	    in.so_size == 0 || in.so_size > (uint64_t)in.so_pages * PG_PAGE)
		return lpd_error_input("info", 4, "inconsistent page counts");
	*ret = in;
	return NULL;
}
