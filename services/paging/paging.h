/* services/paging/paging.h - concurrent OS update by paging: the paging
 * device format, the VIOS pager's page protocol, and the "OS" ABI (the
 * versioned operations table and state block every libos-vN.so exports).
 *
 * ---- Paging device (a file; all integers little-endian) ---------------
 *   header (64 bytes): magic "LPDPGDV1", u32 page_size (PG_PAGE),
 *                      u32 image count (1..PG_MAX_IMAGES), zero padding
 *   directory: count x 64-byte entries:
 *     name[32]   NUL-padded, [A-Za-z0-9._-], NUL within the 32 bytes
 *     u32 os_version   what the header claims the image runs
 *     u32 npages       total pages (1..PG_MAX_PAGES)
 *     u32 so_pages     leading pages holding the ELF object (1..npages)
 *     u32 so_size      bytes of the ELF object (<= so_pages * PG_PAGE)
 *     u64 offset       of page 0 in the file, a multiple of PG_PAGE
 *     u64 crc_offset   of npages u32 CRC-32s, one per page
 *   Pages after the ELF object are the image's catalog: data the OS reads
 *   from the shared pool only when a call needs it (paged in on demand).
 *
 * ---- Page protocol (Unix SOCK_STREAM to the pager; little-endian) ----
 *   request (16 bytes + name): u32 PG_REQ_MAGIC, u16 op, u16 name_len
 *     (1..31), u32 page, u32 0, then name_len name bytes.
 *   reply (24 bytes + body): u32 PG_REP_MAGIC, u16 op, u16 status (0 or
 *     an errno value), u32 page, u32 crc, u32 body_len, u32 0, then body.
 *     PAGE: body is exactly PG_PAGE bytes and crc is the device's stored
 *     CRC-32 of the page (the receiver recomputes it: a torn or corrupt
 *     page is refused). INFO: body is struct pg_info (PG_INFO_SIZE bytes).
 *     STATS: body is u32 pages served for that image, u32 npages.
 * Everything parsed here is hostile: each field is bounded and checked. */
#ifndef LPD_SERVICES_PAGING_H
#define LPD_SERVICES_PAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/lpd.h"

enum {
	PG_PAGE = 4096,
	PG_MAX_IMAGES = 64,
	PG_MAX_PAGES = 16384,		/* 64 MiB per image */
	PG_NAME_MAX = 32,		/* including the NUL */
	PG_DEV_HDR = 64,
	PG_DIR_ENTRY = 64,
	PG_REQ_MAGIC = 0x51524750,	/* "PGRQ" */
	PG_REP_MAGIC = 0x53524750,	/* "PGRS" */
	PG_REQ_SIZE = 16,
	PG_REP_SIZE = 24,
	PG_INFO_SIZE = 16,
	PG_MAX_BODY = PG_PAGE,
};

enum pg_op {
	PG_OP_INFO = 1,
	PG_OP_PAGE = 2,
	PG_OP_STATS = 3,
};

struct pg_image {
	char name[PG_NAME_MAX];
	uint32_t os_version;
	uint32_t npages;
	uint32_t so_pages;
	uint32_t so_size;
	uint64_t offset;
	uint64_t crc_offset;
};

struct pg_req {
	uint16_t op;
	uint32_t page;
	char name[PG_NAME_MAX];
};

struct pg_rep {
	uint16_t op;
	uint16_t status;
	uint32_t page;
	uint32_t crc;
	uint32_t body_len;
};

/* INFO body: the directory entry's numbers. */
struct pg_info {
	uint32_t os_version;
	uint32_t npages;
	uint32_t so_pages;
	uint32_t so_size;
};

uint32_t pg_crc32(uint32_t crc, const void *buf, size_t len);

/** Parse the device header and directory in BUF (the first LEN bytes of
 * FILE, whose total size is FILE_SIZE); fills IMAGES (PG_MAX_IMAGES) and
 * *RET_COUNT. Every entry must lie inside the file. */
struct lpd_error *pg_dev_parse(const void *buf, size_t len, uint64_t file_size,
			       const char *file, struct pg_image *images,
			       uint32_t *ret_count);
/** Encode one directory entry (64 bytes) into OUT. */
void pg_dev_entry_encode(const struct pg_image *img, uint8_t *out);
/** Encode the device header (64 bytes) into OUT. */
void pg_dev_header_encode(uint32_t count, uint8_t *out);

/** Parse a request header: the first PG_REQ_SIZE bytes; *RET_NAME_LEN is
 * how many name bytes follow. */
struct lpd_error *pg_req_parse_head(const void *buf, size_t len,
				    struct pg_req *req, size_t *ret_name_len);
/** Check the NAME_LEN name bytes and store them in REQ. */
struct lpd_error *pg_req_set_name(struct pg_req *req, const void *name,
				  size_t name_len);
/** Encode a request into OUT (PG_REQ_SIZE + PG_NAME_MAX); *RET_LEN. */
struct lpd_error *pg_req_encode(uint16_t op, const char *name, uint32_t page,
				uint8_t *out, size_t *ret_len);
/** Parse a reply header (PG_REP_SIZE bytes); checks magic and that the
 * body length suits the op. */
struct lpd_error *pg_rep_parse(const void *buf, size_t len, struct pg_rep *rep);
void pg_rep_encode(const struct pg_rep *rep, uint8_t *out);
struct lpd_error *pg_info_parse(const void *buf, size_t len,
				struct pg_info *ret);
void pg_info_encode(const struct pg_info *info, uint8_t *out);
/** A name is 1..31 bytes of [A-Za-z0-9._-]. */
bool pg_name_ok(const char *name, size_t len);

/* ---- socket helpers (io.c) ------------------------------------------- */

/** Read or write exactly N bytes; 0, or -1 on error or early EOF. */
int pg_read_all(int fd, void *buf, size_t n);
int pg_write_all(int fd, const void *buf, size_t n);
/** A listening Unix stream socket at PATH (an old one is replaced). */
struct lpd_error *pg_listen(const char *path, int *ret_fd);
struct lpd_error *pg_connect(const char *path, int *ret_fd);
/** One request/reply with the pager. BODY (PG_MAX_BODY bytes) receives
 * the reply body; a PAGE reply whose bytes do not match its CRC, an error
 * status or a reply to another request is an error. REP may be NULL. */
struct lpd_error *pg_request(int fd, uint16_t op, const char *name,
			     uint32_t page, void *body, struct pg_rep *rep);

/* ---- the OS ABI ---------------------------------------------------------
 * Each libos-vN.so exports one symbol, PG_OS_ENTRY, a const struct os_ops.
 * The LPAR runtime reaches the OS only through that table. */
#define PG_OS_ENTRY "lpar_os_entry"
enum {
	OS_ABI = 3,
	OS_STATE_MAGIC = 0x4f535354,	/* "OSST" */
	OS_MAX_HANDLES = 64,
	OS_STATE_MAX = 8192,
};

/* What the runtime lends the OS: its catalog pages in the shared pool. */
struct os_env {
	void *rt;
	/* Page I of the catalog (NULL if out of range or unreadable); may
	 * page it in from the VIOS on first touch. */
	const uint8_t *(*catalog)(void *rt, uint32_t i);
	uint32_t catalog_pages;
};

struct os_ops {
	uint32_t abi;		/* OS_ABI */
	uint32_t version;	/* OS_VERSION it was built with */
	int (*init)(const struct os_env *env);
	/* The state block: u32 magic, u32 version, u32 size, then the core
	 * (u64 total calls, u32 nhandles, handles as u32 id, u32 open,
	 * u64 calls, char name[16]); versions >= 2 append a u64 of bytes
	 * written per handle. Importers take any version's core. */
	int (*state_export)(uint8_t *buf, size_t cap, size_t *ret_len);
	int (*state_import)(const uint8_t *buf, size_t len);
	int (*open)(const char *name);		/* handle id or -errno */
	/* One system call on handle H; returns the OS version serving it
	 * or -errno. */
	int (*call)(int h, uint32_t arg);
	long long (*handle_calls)(int h);
	void (*fini)(void);
};

#endif
