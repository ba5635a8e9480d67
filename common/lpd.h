/* common/lpd.h - the base every module stands on: errors, allocation,
 * growable buffers, a bounded reader for untrusted bytes, a JSON writer.
 * Depends on nothing but libc. */
#ifndef LPD_COMMON_H
#define LPD_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define LPD_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define LPD_NONNULL_RET __attribute__((returns_nonnull))
#else
#define LPD_PRINTF(f, a)
#define LPD_NONNULL_RET
#endif

/* ---- errors ---------------------------------------------------------- */

enum lpd_error_code {
	LPD_ERR_NOMEM = 1,
	LPD_ERR_OS,		/* errnum and path */
	LPD_ERR_BAD_INPUT,	/* file and offset of the bad value */
	LPD_ERR_NOT_FOUND,
	LPD_ERR_INVALID_ARG,
	LPD_ERR_UNSUPPORTED,
	LPD_ERR_FAULT,		/* address not readable in the dump */
	LPD_ERR_SYNTAX,		/* file, line, column */
	LPD_ERR_CANCELLED,
	LPD_ERR_REMOTE,
};

/* A failure. Functions that can fail return one (NULL on success); the
 * caller owns it and must either return it up or destroy it. */
struct lpd_error {
	enum lpd_error_code code;
	int errnum;		/* LPD_ERR_OS: the errno value */
	uint64_t address;	/* LPD_ERR_FAULT: the unreadable address */
	char *message;		/* "file: offset 0x10: what was wrong" */
	bool is_static;		/* never freed (lpd_enomem, lpd_not_found) */
};

extern struct lpd_error lpd_enomem;
extern struct lpd_error lpd_not_found;

/** New error with a printf-style message. Never returns NULL. */
LPD_NONNULL_RET struct lpd_error *
lpd_error_format(enum lpd_error_code code, const char *fmt, ...)
	LPD_PRINTF(2, 3);
LPD_NONNULL_RET struct lpd_error *
lpd_error_vformat(enum lpd_error_code code, const char *fmt, va_list ap);
/** "PATH: strerror(ERRNUM)"; PATH may be NULL. */
LPD_NONNULL_RET struct lpd_error *lpd_error_os(int errnum, const char *path);
/** "FILE: offset 0xOFF: message": bad bytes in an input file. */
LPD_NONNULL_RET struct lpd_error *
lpd_error_input(const char *file, uint64_t offset, const char *fmt, ...)
	LPD_PRINTF(3, 4);
/** "FILE:LINE:COL: message". */
LPD_NONNULL_RET struct lpd_error *
lpd_error_syntax(const char *file, int line, int col, const char *fmt, ...)
	LPD_PRINTF(4, 5);
/** "cannot read memory at 0xADDR". */
LPD_NONNULL_RET struct lpd_error *lpd_error_fault(uint64_t address);
/** Prepend "context: " to ERR's message; returns ERR (or a copy of a
 * static error). ERR must not be NULL. */
LPD_NONNULL_RET struct lpd_error *
lpd_error_prefix(struct lpd_error *err, const char *fmt, ...)
	LPD_PRINTF(2, 3);
/** Free ERR; NULL and the statics are ignored. */
void lpd_error_destroy(struct lpd_error *err);
/** Exit status a batch command gives for ERR: 2 usage, 3 bad input. */
int lpd_error_exit_status(const struct lpd_error *err);

/* ---- allocation --------------------------------------------------------
 * Overflow-checked; return NULL on failure (callers return &lpd_enomem). */
void *lpd_malloc(size_t size);
void *lpd_calloc(size_t n, size_t size);
void *lpd_reallocarray(void *p, size_t n, size_t size);
char *lpd_strdup(const char *s);
char *lpd_strndup(const char *s, size_t n);
char *lpd_asprintf(const char *fmt, ...) LPD_PRINTF(1, 2);
void lpd_free(void *p);
#ifdef LPD_TESTING
/** Make the N+1th allocation from now fail (negative: never). */
void lpd_alloc_fail_after(long n);
#endif

/** Grow *ITEMS (of ELEM bytes each, capacity *CAP) to hold NEED items. */
struct lpd_error *lpd_vec_reserve(void **items, size_t *cap, size_t need,
				  size_t elem);

/* ---- growable string buffer --------------------------------------- */

struct lpd_buf {
	char *data;	/* NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
};

#define LPD_BUF_INIT { NULL, 0, 0 }
void lpd_buf_deinit(struct lpd_buf *b);
void lpd_buf_reset(struct lpd_buf *b);
struct lpd_error *lpd_buf_append(struct lpd_buf *b, const void *s, size_t n);
struct lpd_error *lpd_buf_puts(struct lpd_buf *b, const char *s);
struct lpd_error *lpd_buf_printf(struct lpd_buf *b, const char *fmt, ...)
	LPD_PRINTF(2, 3);
struct lpd_error *lpd_buf_vprintf(struct lpd_buf *b, const char *fmt,
				  va_list ap);
/** Take the string out of B (caller frees with lpd_free); B is reset. */
char *lpd_buf_steal(struct lpd_buf *b);

/* ---- bounded reader over untrusted bytes ---------------------------- */

/* A cursor over [base, base+size). Every read checks bounds and byte order;
 * errors name FILE and the file offset (base_offset + position). */
struct lpd_reader {
	const uint8_t *base;
	size_t size;
	size_t pos;
	bool big_endian;
	const char *file;	/* borrowed, for messages */
	uint64_t base_offset;	/* offset of base within file */
};

void lpd_reader_init(struct lpd_reader *r, const void *base, size_t size,
		     bool big_endian, const char *file, uint64_t base_offset);
struct lpd_error *lpd_reader_seek(struct lpd_reader *r, size_t pos);
struct lpd_error *lpd_reader_skip(struct lpd_reader *r, size_t n);
struct lpd_error *lpd_reader_u8(struct lpd_reader *r, uint8_t *ret);
struct lpd_error *lpd_reader_u16(struct lpd_reader *r, uint16_t *ret);
struct lpd_error *lpd_reader_u32(struct lpd_reader *r, uint32_t *ret);
struct lpd_error *lpd_reader_u64(struct lpd_reader *r, uint64_t *ret);
/** Unsigned value of SIZE (1, 2, 4 or 8) bytes. */
struct lpd_error *lpd_reader_uN(struct lpd_reader *r, unsigned size,
				uint64_t *ret);
struct lpd_error *lpd_reader_sN(struct lpd_reader *r, unsigned size,
				int64_t *ret);
struct lpd_error *lpd_reader_uleb128(struct lpd_reader *r, uint64_t *ret);
struct lpd_error *lpd_reader_sleb128(struct lpd_reader *r, int64_t *ret);
/** Borrow N bytes at the cursor and advance. */
struct lpd_error *lpd_reader_bytes(struct lpd_reader *r, size_t n,
				   const uint8_t **ret);
/** Borrow a NUL-terminated string at the cursor (it must end in bounds). */
struct lpd_error *lpd_reader_cstr(struct lpd_reader *r, const char **ret);
static inline size_t
lpd_reader_left(const struct lpd_reader *r)
{
	return r->size - r->pos;
}
/** Error "FILE: offset 0x..: MESSAGE" at the reader's current position. */
LPD_NONNULL_RET struct lpd_error *
lpd_reader_error(const struct lpd_reader *r, const char *fmt, ...)
	LPD_PRINTF(2, 3);

/* Byte-order helpers for values already bounds-checked. */
uint16_t lpd_load_u16(const void *p, bool big_endian);
uint32_t lpd_load_u32(const void *p, bool big_endian);
uint64_t lpd_load_u64(const void *p, bool big_endian);

/* ---- JSON writer ---------------------------------------------------- */

/* Appends compact JSON to a buffer; tracks commas and nesting. Keys and
 * string values are escaped; invalid UTF-8 bytes become \u00XX. */
struct lpd_json {
	struct lpd_buf *out;
	unsigned depth;
	bool need_comma[64];
	bool after_key;
	struct lpd_error *err;	/* first failure, sticky */
};

void lpd_json_init(struct lpd_json *j, struct lpd_buf *out);
void lpd_json_object_begin(struct lpd_json *j);
void lpd_json_object_end(struct lpd_json *j);
void lpd_json_array_begin(struct lpd_json *j);
void lpd_json_array_end(struct lpd_json *j);
void lpd_json_key(struct lpd_json *j, const char *key);
void lpd_json_string(struct lpd_json *j, const char *s);	/* NULL: null */
void lpd_json_int(struct lpd_json *j, int64_t v);
void lpd_json_uint(struct lpd_json *j, uint64_t v);
void lpd_json_bool(struct lpd_json *j, bool v);
/** Fixed-point number with DECIMALS digits (locale-independent "."); NaN
 * and infinities are written as null. */
void lpd_json_double(struct lpd_json *j, double v, int decimals);
void lpd_json_null(struct lpd_json *j);
/** "0x..." string, as addresses are written. */
void lpd_json_hex(struct lpd_json *j, uint64_t v);
/** The first error met while writing, or NULL; ownership passes out. */
struct lpd_error *lpd_json_finish(struct lpd_json *j);

#endif
