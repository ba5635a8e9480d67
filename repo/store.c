/* repo/store.c - the blob store: content read (and decompressed: zstd, xz,
 * gzip, lz4, by magic) in one pass that hashes it (SHA-256, libcrypto),
 * recompresses it with zstd into a tmp file and publishes it under its
 * hash with fsync + rename; materializing blobs back into the cache. What
 * the index says about blobs is index.c's business. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lz4frame.h>
#include <lzma.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <zlib.h>
#include <zstd.h>

#include "repo/repo-int.h"

/* Input is read and output written in chunks of this size; memory use of
 * an import stays near a few of them whatever the core's size. */
enum { STORE_CHUNK = 1 << 20 };
static const int STORE_ZSTD_LEVEL = 3;

/* ---- small file helpers ------------------------------------------------ */

struct lpd_error *
store_write_all(int fd, const void *p, size_t n, const char *path)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return lpd_error_os(errno, path);
		}
		c += w;
		n -= (size_t)w;
	}
	return NULL;
}

struct lpd_error *
store_mkdirs(const char *path)
{
	struct lpd_error *err = NULL;
	char *p = lpd_strdup(path), *s;

	if (p == NULL)
		return &lpd_enomem;
	for (s = p + 1; err == NULL; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			err = lpd_error_os(errno, p);
		*s = c;
		if (c == '\0')
			break;
	}
	lpd_free(p);
	return err;
}

struct lpd_error *
store_fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int e;

	if (fd < 0)
		return lpd_error_os(errno, path);
	e = fsync(fd) != 0 ? errno : 0;
	close(fd);
	return e != 0 ? lpd_error_os(e, path) : NULL;
}

struct lpd_error *
store_tmp_open(struct repo *r, const char *what, char **path_ret, int *fd_ret)
{
	unsigned rnd = 0;
	char *path;
	int fd;

	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (unsigned)r->tmp_counter * 2654435761u;
	/* tmp/PID.N.RANDOM.WHAT: gc removes those whose PID is gone. */
	path = lpd_asprintf("%s/tmp/%ld.%lu.%08x.%s", r->dir, (long)getpid(),
			    r->tmp_counter++, rnd, what);
	if (path == NULL)
		return &lpd_enomem;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		struct lpd_error *err = lpd_error_os(errno, path);

		lpd_free(path);
		return err;
	}
	*path_ret = path;
	*fd_ret = fd;
	return NULL;
}

struct lpd_error *
store_lock(struct repo *r, bool exclusive, int *ret)
{
	char *path = lpd_asprintf("%s/lock", r->dir);
	struct lpd_error *err = NULL;
	int fd;

	if (path == NULL)
		return &lpd_enomem;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = lpd_error_os(errno, path);
	} else {
		while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) != 0) {
			if (errno == EINTR)
				continue;
			err = lpd_error_os(errno, path);
			close(fd);
			break;
		}
	}
	lpd_free(path);
	if (err == NULL)
		*ret = fd;
	return err;
}

bool
store_is_hash(const char *s)
{
	size_t i;

	for (i = 0; i < REPO_HASH_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[REPO_HASH_LEN] == '\0';
}

bool
store_safe_path(const char *path)
{
	const char *p = path, *e;

	if (path == NULL || path[0] != '/' || strlen(path) > 1024)
		return false;
	while (*p == '/') {
		p++;
		e = strchr(p, '/');
		if (e == NULL)
			e = p + strlen(p);
		if (e == p || (e - p == 1 && p[0] == '.') ||
		    (e - p == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p = e;
	}
	return *p == '\0';
}

char *
store_blob_path(const struct repo *r, const char *hash)
{
	return lpd_asprintf("%s/objects/%.2s/%s", r->dir, hash, hash);
}

bool
store_blob_exists(const struct repo *r, const char *hash)
{
	char *p = store_blob_path(r, hash);
	bool ok = p != NULL && access(p, F_OK) == 0;

	lpd_free(p);
	return ok;
}

/* ---- hashing ---------------------------------------------------------- */

/* libcrypto errors are converted here, once. */
static struct lpd_error *
store_error_crypto(const char *what)
{
	char msg[256];
	unsigned long e = ERR_get_error();

	if (e == 0)
		return lpd_error_format(LPD_ERR_UNSUPPORTED, "sha256: %s "
					"failed", what);
	ERR_error_string_n(e, msg, sizeof(msg));
	return lpd_error_format(LPD_ERR_UNSUPPORTED, "sha256: %s: %s", what,
				msg);
}

static void
store_hex(const unsigned char *md, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * n] = '\0';
}

void
store_sha256_hex(const void *p, size_t n, char ret[REPO_HASH_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;

	if (EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) != 1 || len != 32)
		memset(md, 0, sizeof(md));
	store_hex(md, 32, ret);
}

/* ---- format detection --------------------------------------------------- */

const char *
store_format_name(enum store_format f)
{
	switch (f) {
	case STORE_FORMAT_ELF: return "raw";
	case STORE_FORMAT_ZSTD: return "zstd";
	case STORE_FORMAT_XZ: return "xz";
	case STORE_FORMAT_GZIP: return "gzip";
	case STORE_FORMAT_LZ4: return "lz4";
	case STORE_FORMAT_TAR: return "bundle";
	default: return "unknown";
	}
}

enum store_format
store_detect(const uint8_t *p, size_t n)
{
	if (n >= 4 && memcmp(p, "\177ELF", 4) == 0)
		return STORE_FORMAT_ELF;
	if (n >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0)
		return STORE_FORMAT_ZSTD;
	if (n >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0)
		return STORE_FORMAT_XZ;
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return STORE_FORMAT_GZIP;
	if (n >= 4 && memcmp(p, "\x04\x22\x4d\x18", 4) == 0)
		return STORE_FORMAT_LZ4;
	if (n >= 263 && memcmp(p + 257, "ustar", 5) == 0)
		return STORE_FORMAT_TAR;
	return STORE_FORMAT_UNKNOWN;
}

/* ---- the sink: hash, raw copy, zstd blob ----------------------------- */

struct store_sink {
	const char *name;		/* input, for messages */
	unsigned flags;
	EVP_MD_CTX *md;
	uint64_t size;
	int raw_fd, blob_fd;
	char *raw_path, *blob_path;
	ZSTD_CCtx *cctx;
	uint8_t *zbuf;
	size_t zcap;
	uint8_t head[20];		/* first bytes, for the ELF check */
	size_t nhead;
};

static struct lpd_error *
sink_compress(struct store_sink *s, const void *p, size_t n,
	      ZSTD_EndDirective mode)
{
	ZSTD_inBuffer in = { p, n, 0 };
	struct lpd_error *err;
	size_t rem;

	do {
		ZSTD_outBuffer out = { s->zbuf, s->zcap, 0 };

		rem = ZSTD_compressStream2(s->cctx, &out, &in, mode);
		if (ZSTD_isError(rem))
			return lpd_error_format(LPD_ERR_OS, "%s: zstd: %s",
						s->blob_path,
						ZSTD_getErrorName(rem));
		err = store_write_all(s->blob_fd, s->zbuf, out.pos,
				      s->blob_path);
		if (err != NULL)
			return err;
	} while (mode == ZSTD_e_end ? rem != 0 : in.pos < in.size);
	return NULL;
}

static struct lpd_error *
sink_write(struct store_sink *s, const void *p, size_t n)
{
	struct lpd_error *err;

	if (n == 0)
		return NULL;
	if (s->nhead < sizeof(s->head)) {
		size_t k = sizeof(s->head) - s->nhead;

		memcpy(s->head + s->nhead, p, k < n ? k : n);
		s->nhead += k < n ? k : n;
		if ((s->flags & STORE_WANT_ELF) &&
		    memcmp(s->head, "\177ELF", s->nhead < 4 ? s->nhead : 4)
		    != 0)
			return lpd_error_input(s->name, 0, "not an ELF core "
					       "(content does not start with "
					       "\\177ELF)");
	}
	if (EVP_DigestUpdate(s->md, p, n) != 1)
		return store_error_crypto("update");
	s->size += n;
	if (s->raw_fd >= 0) {
		err = store_write_all(s->raw_fd, p, n, s->raw_path);
		if (err != NULL)
			return err;
	}
	if (s->blob_fd >= 0)
		return sink_compress(s, p, n, ZSTD_e_continue);
	return NULL;
}

/* ---- decoders: [off, off+len) of fd into the sink ---------------------- */

struct store_src {
	int fd;
	uint64_t off, len, pos;		/* pos: bytes consumed so far */
	const char *name;
	uint8_t *buf;
};

/* Next chunk of input; *n 0 at the end. */
static struct lpd_error *
src_read(struct store_src *in, size_t *n)
{
	uint64_t left = in->len - in->pos;
	size_t want = left < STORE_CHUNK ? (size_t)left : STORE_CHUNK;
	ssize_t got;

	*n = 0;
	if (want == 0)
		return NULL;
	do
		got = pread(in->fd, in->buf, want, (off_t)(in->off + in->pos));
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return lpd_error_os(errno, in->name);
	if (got == 0)
		return lpd_error_input(in->name, in->pos, "file shrank while "
				       "being read");
	in->pos += (uint64_t)got;
	*n = (size_t)got;
	return NULL;
}

static struct lpd_error *
decode_raw(struct store_src *in, struct store_sink *s)
{
	struct lpd_error *err;
	size_t n;

	for (;;) {
		err = src_read(in, &n);
		if (err != NULL || n == 0)
			return err;
		err = sink_write(s, in->buf, n);
		if (err != NULL)
			return err;
	}
}

static struct lpd_error *
decode_zstd(struct store_src *in, struct store_sink *s, uint8_t *out,
	    size_t cap)
{
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	struct lpd_error *err = NULL;
	size_t n, ret = 1;

	if (dctx == NULL)
		return &lpd_enomem;
	for (;;) {
		err = src_read(in, &n);
		if (err != NULL || n == 0)
			break;
		ZSTD_inBuffer ib = { in->buf, n, 0 };

		while (ib.pos < ib.size && err == NULL) {
			ZSTD_outBuffer ob = { out, cap, 0 };

			ret = ZSTD_decompressStream(dctx, &ob, &ib);
			if (ZSTD_isError(ret)) {
				err = lpd_error_input(in->name,
					in->pos - n + ib.pos,
					"corrupt zstd stream: %s",
					ZSTD_getErrorName(ret));
				break;
			}
			err = sink_write(s, out, ob.pos);
		}
		if (err != NULL)
			break;
	}
	/* Flush what the decoder still holds. */
	while (err == NULL && ret != 0) {
		ZSTD_inBuffer ib = { NULL, 0, 0 };
		ZSTD_outBuffer ob = { out, cap, 0 };

		ret = ZSTD_decompressStream(dctx, &ob, &ib);
		if (ZSTD_isError(ret) || ob.pos == 0) {
			err = lpd_error_input(in->name, in->pos,
					      "truncated zstd stream (it ends "
					      "inside a frame)");
			break;
		}
		err = sink_write(s, out, ob.pos);
	}
	ZSTD_freeDCtx(dctx);
	return err;
}

static struct lpd_error *
decode_xz(struct store_src *in, struct store_sink *s, uint8_t *out,
	  size_t cap)
{
	lzma_stream z = LZMA_STREAM_INIT;
	struct lpd_error *err = NULL;
	lzma_ret ret = LZMA_OK;
	size_t n = 0;

	if (lzma_stream_decoder(&z, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
		return &lpd_enomem;
	for (;;) {
		if (z.avail_in == 0) {
			err = src_read(in, &n);
			if (err != NULL)
				break;
			z.next_in = in->buf;
			z.avail_in = n;
		}
		z.next_out = out;
		z.avail_out = cap;
		ret = lzma_code(&z, n == 0 ? LZMA_FINISH : LZMA_RUN);
		err = sink_write(s, out, cap - z.avail_out);
		if (err != NULL || ret == LZMA_STREAM_END)
			break;
		if (ret != LZMA_OK) {
			err = lpd_error_input(in->name, in->pos - z.avail_in,
				ret == LZMA_BUF_ERROR
				? "truncated xz stream"
				: "corrupt xz stream (liblzma error %d)",
				(int)ret);
			break;
		}
	}
	lzma_end(&z);
	return err;
}

static struct lpd_error *
decode_gzip(struct store_src *in, struct store_sink *s, uint8_t *out,
	    size_t cap)
{
	struct lpd_error *err = NULL;
	z_stream z;
	int ret = Z_OK;
	size_t n;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 32) != Z_OK)
		return &lpd_enomem;
	for (;;) {
		if (z.avail_in == 0) {
			err = src_read(in, &n);
			if (err != NULL)
				break;
			if (n == 0) {
				if (ret != Z_STREAM_END)
					err = lpd_error_input(in->name,
						in->pos, "truncated gzip "
						"stream");
				break;
			}
			z.next_in = in->buf;
			z.avail_in = (uInt)n;
		}
		if (ret == Z_STREAM_END) {	/* another member follows */
			inflateReset(&z);
			ret = Z_OK;
		}
		z.next_out = out;
		z.avail_out = (uInt)cap;
		ret = inflate(&z, Z_NO_FLUSH);
		if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR) {
			err = lpd_error_input(in->name, in->pos - z.avail_in,
					      "corrupt gzip stream: %s",
					      z.msg != NULL ? z.msg : "error");
			break;
		}
		err = sink_write(s, out, cap - z.avail_out);
		if (err != NULL)
			break;
	}
	inflateEnd(&z);
	return err;
}

static struct lpd_error *
decode_lz4(struct store_src *in, struct store_sink *s, uint8_t *out,
	   size_t cap)
{
	LZ4F_dctx *dctx;
	struct lpd_error *err = NULL;
	size_t n, hint = 1;

	if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx,
							  LZ4F_VERSION)))
		return &lpd_enomem;
	for (;;) {
		err = src_read(in, &n);
		if (err != NULL || n == 0)
			break;
		size_t pos = 0;

		while (pos < n) {
			size_t dst = cap, src = n - pos;

			hint = LZ4F_decompress(dctx, out, &dst, in->buf + pos,
					       &src, NULL);
			if (LZ4F_isError(hint)) {
				err = lpd_error_input(in->name,
					in->pos - n + pos,
					"corrupt lz4 stream: %s",
					LZ4F_getErrorName(hint));
				break;
			}
			pos += src;
			err = sink_write(s, out, dst);
			if (err != NULL)
				break;
		}
		if (err != NULL)
			break;
	}
	/* Output the decoder still holds once input ended. */
	while (err == NULL && hint != 0) {
		size_t dst = cap, src = 0;

		hint = LZ4F_decompress(dctx, out, &dst, NULL, &src, NULL);
		if (LZ4F_isError(hint) || dst == 0) {
			err = lpd_error_input(in->name, in->pos,
					      "truncated lz4 stream");
			break;
		}
		err = sink_write(s, out, dst);
	}
	LZ4F_freeDecompressionContext(dctx);
	return err;
}

/* ---- ingest --------------------------------------------------------------- */

void
store_result_deinit(struct store_result *res)
{
	if (res->raw_path != NULL)
		unlink(res->raw_path);
	if (res->blob_tmp != NULL)
		unlink(res->blob_tmp);
	lpd_free(res->raw_path);
	lpd_free(res->blob_tmp);
	res->raw_path = res->blob_tmp = NULL;
}

struct lpd_error *
store_ingest(struct repo *r, int fd, uint64_t off, uint64_t len,
	     const char *name, unsigned flags, struct store_result *ret)
{
	struct store_sink s = { .name = name, .flags = flags, .raw_fd = -1,
				.blob_fd = -1 };
	struct store_src in = { .fd = fd, .off = off, .len = len,
				.name = name };
	struct store_result res = { .format = STORE_FORMAT_ELF };
	unsigned char md[EVP_MAX_MD_SIZE];
	struct lpd_error *err = NULL;
	uint8_t peek[512], *out = NULL;
	unsigned mdlen = 0;
	ssize_t got;

	in.buf = lpd_malloc(STORE_CHUNK);
	out = lpd_malloc(STORE_CHUNK);
	s.md = EVP_MD_CTX_new();
	if (in.buf == NULL || out == NULL || s.md == NULL) {
		err = &lpd_enomem;
		goto out;
	}
	if (EVP_DigestInit_ex(s.md, EVP_sha256(), NULL) != 1) {
		err = store_error_crypto("init");
		goto out;
	}
	if (flags & STORE_DECOMPRESS) {
		size_t want = len < sizeof(peek) ? (size_t)len : sizeof(peek);

		got = pread(fd, peek, want, (off_t)off);
		if (got < 0) {
			err = lpd_error_os(errno, name);
			goto out;
		}
		res.format = store_detect(peek, (size_t)got);
		if (res.format == STORE_FORMAT_UNKNOWN ||
		    res.format == STORE_FORMAT_TAR) {
			err = lpd_error_input(name, 0, "%s", len == 0
				? "empty file, not a core"
				: "not a core: neither ELF nor a zstd, xz, "
				  "gzip or lz4 stream");
			goto out;
		}
	}
	if (flags & STORE_KEEP_RAW) {
		err = store_tmp_open(r, "raw", &s.raw_path, &s.raw_fd);
		if (err != NULL)
			goto out;
	}
	if (flags & STORE_MAKE_BLOB) {
		err = store_tmp_open(r, "blob", &s.blob_path, &s.blob_fd);
		if (err != NULL)
			goto out;
		s.cctx = ZSTD_createCCtx();
		s.zcap = ZSTD_CStreamOutSize();
		s.zbuf = lpd_malloc(s.zcap);
		if (s.cctx == NULL || s.zbuf == NULL) {
			err = &lpd_enomem;
			goto out;
		}
		ZSTD_CCtx_setParameter(s.cctx, ZSTD_c_compressionLevel,
				       STORE_ZSTD_LEVEL);
		ZSTD_CCtx_setParameter(s.cctx, ZSTD_c_checksumFlag, 1);
	}
	switch (res.format) {
	case STORE_FORMAT_ZSTD:
		err = decode_zstd(&in, &s, out, STORE_CHUNK);
		break;
	case STORE_FORMAT_XZ:
		err = decode_xz(&in, &s, out, STORE_CHUNK);
		break;
	case STORE_FORMAT_GZIP:
		err = decode_gzip(&in, &s, out, STORE_CHUNK);
		break;
	case STORE_FORMAT_LZ4:
		err = decode_lz4(&in, &s, out, STORE_CHUNK);
		break;
	default:
		err = decode_raw(&in, &s);
		break;
	}
	if (err == NULL && (flags & STORE_WANT_ELF) && s.nhead < 4)
		err = lpd_error_input(name, s.size, "not an ELF core (only "
				      "%zu bytes)", s.nhead);
	if (err == NULL && s.blob_fd >= 0)
		err = sink_compress(&s, NULL, 0, ZSTD_e_end);
	if (err == NULL && s.blob_fd >= 0 && fsync(s.blob_fd) != 0)
		err = lpd_error_os(errno, s.blob_path);
	if (err == NULL && EVP_DigestFinal_ex(s.md, md, &mdlen) != 1)
		err = store_error_crypto("final");
	if (err != NULL)
		goto out;
	store_hex(md, 32, res.hash);
	res.size = s.size;
	res.raw_path = s.raw_path;
	res.blob_tmp = s.blob_path;
	s.raw_path = s.blob_path = NULL;
	*ret = res;
out:
	if (s.raw_fd >= 0)
		close(s.raw_fd);
	if (s.blob_fd >= 0)
		close(s.blob_fd);
	if (s.raw_path != NULL)
		unlink(s.raw_path);
	if (s.blob_path != NULL)
		unlink(s.blob_path);
	lpd_free(s.raw_path);
	lpd_free(s.blob_path);
	ZSTD_freeCCtx(s.cctx);
	lpd_free(s.zbuf);
	EVP_MD_CTX_free(s.md);
	lpd_free(in.buf);
	lpd_free(out);
	return err;
}

struct lpd_error *
store_publish(struct repo *r, struct store_result *res)
{
	struct lpd_error *err = NULL;
	char *final = store_blob_path(r, res->hash), *dir = NULL;

	if (final == NULL)
		return &lpd_enomem;
	dir = lpd_strndup(final, strlen(final) - REPO_HASH_LEN - 1);
	if (dir == NULL) {
		err = &lpd_enomem;
		goto out;
	}
	if (access(final, F_OK) == 0) {
		/* Same content is there already: one blob per hash. */
		unlink(res->blob_tmp);
	} else {
		err = store_mkdirs(dir);
		if (err == NULL && rename(res->blob_tmp, final) != 0)
			err = lpd_error_os(errno, final);
		/* The rename must reach the disk before the index names the
		 * blob: fsync the directory that holds the new entry. */
		if (err == NULL)
			err = store_fsync_dir(dir);
	}
	if (err == NULL) {
		lpd_free(res->blob_tmp);
		res->blob_tmp = NULL;
	}
out:
	lpd_free(dir);
	lpd_free(final);
	return err;
}

/* Decompress blob HASH; with KEEP, into a tmp file returned in *raw_ret. */
static struct lpd_error *
store_read_blob(struct repo *r, const char *hash, bool keep, char **raw_ret)
{
	struct store_result res = { .raw_path = NULL };
	char *path = store_blob_path(r, hash);
	struct lpd_error *err;
	struct stat st;
	int fd;

	if (path == NULL)
		return &lpd_enomem;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno == ENOENT
			? lpd_error_format(LPD_ERR_BAD_INPUT, "blob %s is "
					   "missing (%s)", hash, path)
			: lpd_error_os(errno, path);
		lpd_free(path);
		return err;
	}
	if (fstat(fd, &st) != 0) {
		err = lpd_error_os(errno, path);
		goto out;
	}
	if (st.st_size < 4) {
		err = lpd_error_format(LPD_ERR_BAD_INPUT, "blob %s is corrupt: "
				       "%lld bytes", hash,
				       (long long)st.st_size);
		goto out;
	}
	err = store_ingest(r, fd, 0, (uint64_t)st.st_size, path,
			   STORE_DECOMPRESS | (keep ? STORE_KEEP_RAW : 0),
			   &res);
	if (err != NULL) {
		err = lpd_error_prefix(err, "blob %s is corrupt", hash);
		err->code = err->code == LPD_ERR_NOMEM ? err->code
			    : LPD_ERR_BAD_INPUT;
		goto out;
	}
	if (res.format != STORE_FORMAT_ZSTD || strcmp(res.hash, hash) != 0) {
		err = lpd_error_format(LPD_ERR_BAD_INPUT, "blob %s is corrupt: "
				       "its content hashes to %s", hash,
				       res.hash);
		store_result_deinit(&res);
		goto out;
	}
	if (raw_ret != NULL) {
		*raw_ret = res.raw_path;
		res.raw_path = NULL;
	}
	store_result_deinit(&res);
out:
	close(fd);
	lpd_free(path);
	return err;
}

struct lpd_error *
store_check_blob(struct repo *r, const char *hash)
{
	return store_read_blob(r, hash, false, NULL);
}

struct lpd_error *
store_materialize(struct repo *r, const char *hash, char **ret)
{
	struct lpd_error *err;
	char *final, *dir, *raw = NULL;

	final = lpd_asprintf("%s/cache/blobs/%s", r->dir, hash);
	dir = lpd_asprintf("%s/cache/blobs", r->dir);
	if (final == NULL || dir == NULL) {
		err = &lpd_enomem;
		goto out;
	}
	if (access(final, R_OK) == 0) {
		*ret = final;
		final = NULL;
		err = NULL;
		goto out;
	}
	err = store_mkdirs(dir);
	if (err == NULL)
		err = store_read_blob(r, hash, true, &raw);
	if (err != NULL)
		goto out;
	if (rename(raw, final) != 0) {
		err = lpd_error_os(errno, final);
		unlink(raw);
		goto out;
	}
	*ret = final;
	final = NULL;
out:
	lpd_free(raw);
	lpd_free(dir);
	lpd_free(final);
	return err;
}
