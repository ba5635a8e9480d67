/* services/backup/backup.h - VIOS-proxied backup (issue 11): the wire
 * format shared by the client (vbackup), the VIOS (vios-vdisk) and the
 * backup server (vbackup-server); fixed-block chunking; the on-disk
 * formats of chunks and snapshots. Every decoder here takes untrusted
 * bytes and checks every length against its bound.
 *
 * Chunking: fixed blocks (default 64 KiB) plus changed-block tracking.
 * The VIOS serves the disk, so it sees every write and knows exactly which
 * blocks changed; data on a block device never shifts, so content-defined
 * chunking buys nothing here and costs boundary drift (a 64 KiB write
 * dirties 2-3 CDC chunks of ~1 MiB in restic). Chunks are still addressed
 * by SHA-256, so identical blocks (zeros, copies) are stored once. */
#ifndef LPD_SERVICES_BACKUP_H
#define LPD_SERVICES_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/lpd.h"

#define BK_MAGIC 0x56424b31u	/* "VBK1" on the wire */
#define BK_HDR_SIZE 12		/* magic u32, type u16, flags u16, len u32 */
#define BK_MIN_BLOCK 4096u
#define BK_MAX_BLOCK (1u << 20)
#define BK_MAX_PAYLOAD (BK_MAX_BLOCK + 256u)
#define BK_MAX_NAME 64
#define BK_MAX_TEXT (1u << 20)	/* listings, error messages */
#define BK_MAX_BLOCKS (1ull << 26)
#define BK_HASH 32

enum bk_type {
	BK_T_ERR = 1,		/* u32 code, text */
	BK_T_OK = 2,		/* text (JSON or lines) */
	BK_T_OPEN = 10,		/* name -> OPEN_OK */
	BK_T_OPEN_OK = 11,	/* u64 size, u32 block size */
	BK_T_READ = 12,		/* u64 off, u32 len -> DATA */
	BK_T_DATA = 13,		/* bytes */
	BK_T_WRITE = 14,	/* u64 off, bytes -> OK */
	BK_T_FLUSH = 15,	/* -> OK */
	BK_T_BACKUP = 20,	/* u8 full, name -> OK json | ERR */
	BK_T_LIST = 21,		/* name (may be empty) -> OK lines */
	BK_T_RESTORE = 22,	/* u64 id -> OPEN_OK, RBLOCK..., END | ERR */
	BK_T_RBLOCK = 31,	/* u64 index, bytes */
	BK_T_END = 32,		/* u64 blocks */
	BK_T_BEGIN = 40,	/* struct bk_begin -> BEGIN_OK */
	BK_T_BEGIN_OK = 41,	/* u64 id, u64 acked */
	BK_T_BLOCK = 42,	/* struct bk_block -> ACK */
	BK_T_ACK = 43,		/* u64 acked */
	BK_T_COMMIT = 44,	/* u64 id -> OK json */
};

/* Error codes in an ERR message. */
enum bk_errcode {
	BK_E_GENERIC = 1,
	BK_E_NOSPACE = 2,	/* the server is out of disk: do not retry */
	BK_E_SEQUENCE = 3,	/* a block out of sequence */
	BK_E_CORRUPT = 4,	/* a stored chunk fails its checksum */
	BK_E_NOTFOUND = 5,
	BK_E_BADMSG = 6,
};

struct bk_frame {
	uint16_t type;
	uint16_t flags;
	uint32_t len;
	const uint8_t *payload;	/* borrowed */
};

struct bk_begin {
	uint64_t resume_id;	/* 0: a new snapshot */
	uint64_t parent;	/* 0: full backup */
	uint64_t disk_size;
	uint32_t block_size;
	uint64_t nsend;		/* blocks that will travel */
	char name[BK_MAX_NAME + 1];
};

struct bk_block {
	uint64_t seq;		/* position in the send list */
	uint64_t index;		/* block number on the disk */
	bool zero;		/* all zeros: no data travels */
	uint8_t hash[BK_HASH];	/* SHA-256 of the block's bytes */
	const uint8_t *data;	/* borrowed; NULL when zero */
	uint32_t data_len;
};

/* ---- frames ---- */
/** Parse a 12-byte header; the length is checked against BK_MAX_PAYLOAD. */
struct lpd_error *bk_header_parse(const uint8_t *buf, size_t n,
				  struct bk_frame *ret);
/** Write a header for TYPE with LEN payload bytes into OUT[BK_HDR_SIZE]. */
void bk_header_build(uint16_t type, uint32_t len, uint8_t *out);
/** Read one whole frame from FD into *BUF (grown as needed, up to
 * BK_MAX_PAYLOAD); *ret borrows from *BUF. EOF before any byte gives
 * LPD_ERR_NOT_FOUND-free error with errnum 0 ("connection closed"). */
struct lpd_error *bk_recv(int fd, uint8_t **buf, size_t *cap,
			  struct bk_frame *ret);
struct lpd_error *bk_send(int fd, uint16_t type, const void *a, size_t alen,
			  const void *b, size_t blen);
struct lpd_error *bk_send_err(int fd, uint32_t code, const char *fmt, ...)
	LPD_PRINTF(3, 4);

/* ---- typed payloads (all bounded) ---- */
bool bk_name_valid(const char *s, size_t n);
struct lpd_error *bk_parse_name(const struct bk_frame *f, size_t skip,
				char out[BK_MAX_NAME + 1]);
struct lpd_error *bk_parse_err(const struct bk_frame *f, uint32_t *code,
			       char **ret);
struct lpd_error *bk_parse_u64(const struct bk_frame *f, uint64_t *ret);
struct lpd_error *bk_parse_u64x2(const struct bk_frame *f, uint64_t *a,
				 uint64_t *ret);
struct lpd_error *bk_parse_rw(const struct bk_frame *f, uint64_t *off,
			      uint32_t *len, const uint8_t **data);
struct lpd_error *bk_parse_open_ok(const struct bk_frame *f, uint64_t *size,
				   uint32_t *bs);
size_t bk_build_begin(const struct bk_begin *b, uint8_t *out);
struct lpd_error *bk_parse_begin(const struct bk_frame *f,
				 struct bk_begin *ret);
/** Header of a BLOCK (data follows): returns its length. */
size_t bk_build_block_head(const struct bk_block *b, uint8_t *out);
struct lpd_error *bk_parse_block(const struct bk_frame *f,
				 struct bk_block *ret);
void bk_put_u32(uint8_t *p, uint32_t v);
void bk_put_u64(uint8_t *p, uint64_t v);

/* ---- blocks ---- */
bool bk_block_size_valid(uint32_t bs);
uint64_t bk_nblocks(uint64_t disk_size, uint32_t bs);
/** Bytes in block INDEX (the last one may be short); 0 if out of range. */
uint32_t bk_block_len(uint64_t disk_size, uint32_t bs, uint64_t index);
/** Blocks touched by [off, off+len): *first and *count. */
void bk_blocks_for_range(uint64_t off, uint64_t len, uint32_t bs,
			 uint64_t *first, uint64_t *ret);
void bk_sha256(const void *p, size_t n, uint8_t out[BK_HASH]);
void bk_hex(const uint8_t h[BK_HASH], char out[2 * BK_HASH + 1]);
bool bk_is_zero(const uint8_t *p, size_t n);

/* ---- stored chunk: "VBC1", u32 raw_len, u32 zlen, u32 crc32 of the
 * rest of the file, sha256[32] of the raw bytes, zstd frame ---- */
#define BK_CHUNK_HDR 48
struct lpd_error *bk_chunk_encode(const uint8_t *raw, uint32_t n,
				  const uint8_t hash[BK_HASH], uint8_t **ret,
				  size_t *ret_len);
/** Check and decompress a stored chunk (FILE names it in errors) whose
 * hash must be WANT; OUT holds BK_MAX_BLOCK bytes. */
struct lpd_error *bk_chunk_decode(const uint8_t *buf, size_t n,
				  const uint8_t want[BK_HASH],
				  const char *file, uint8_t *out,
				  uint32_t *ret_len);

/* ---- snapshot manifest: header, nblocks hashes, sha256 trailer ---- */
#define BK_SNAP_HDR 112
struct bk_snap {
	uint64_t id, parent, disk_size, nblocks, created;
	uint32_t block_size;
	char name[BK_MAX_NAME + 1];
	uint8_t *hashes;	/* nblocks * BK_HASH, owned */
};
struct lpd_error *bk_snap_encode(const struct bk_snap *s, uint8_t **ret,
				 size_t *ret_len);
struct lpd_error *bk_snap_decode(const uint8_t *buf, size_t n,
				 const char *file, struct bk_snap *ret);
void bk_snap_deinit(struct bk_snap *s);

#endif
