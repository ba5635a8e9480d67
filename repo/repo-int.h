/* repo/repo-int.h - private to repo/ and its tests: the repository object,
 * the store (store.c), the index (index.c) and bundles (bundle.c). */
#ifndef LPD_REPO_INT_H
#define LPD_REPO_INT_H

#include <sqlite3.h>
#include <sys/types.h>

#include "repo/repo.h"

struct repo {
	char *dir;
	sqlite3 *db;
	unsigned long tmp_counter;	/* names of this process's tmp files */
};

/* ---- store.c: files, blobs, streams --------------------------------- */

enum store_format {
	STORE_FORMAT_UNKNOWN,
	STORE_FORMAT_ELF,
	STORE_FORMAT_ZSTD,
	STORE_FORMAT_XZ,
	STORE_FORMAT_GZIP,
	STORE_FORMAT_LZ4,
	STORE_FORMAT_TAR,	/* an export bundle */
};

/* What store_ingest() writes while it reads. */
enum store_flags {
	STORE_KEEP_RAW = 1,	/* the uncompressed bytes to a tmp file */
	STORE_MAKE_BLOB = 2,	/* a zstd blob to a tmp file */
	STORE_DECOMPRESS = 4,	/* detect the format and decompress */
	STORE_WANT_ELF = 8,	/* refuse content that is not ELF */
};

struct store_result {
	char hash[REPO_HASH_LEN + 1];
	uint64_t size;			/* uncompressed bytes */
	enum store_format format;	/* of the input */
	char *raw_path;			/* STORE_KEEP_RAW: tmp file */
	char *blob_tmp;			/* STORE_MAKE_BLOB: tmp file */
};

const char *store_format_name(enum store_format f);
enum store_format store_detect(const uint8_t *p, size_t n);
/** Read [OFF, OFF+LEN) of FD (named NAME in messages), decompressing when
 * asked, hashing the content and writing what FLAGS ask for. */
struct lpd_error *store_ingest(struct repo *r, int fd, uint64_t off,
			       uint64_t len, const char *name, unsigned flags,
			       struct store_result *ret);
void store_result_deinit(struct store_result *res);
/** Move a finished blob tmp file to objects/ under its hash, durably; a
 * blob already there wins (same content). Frees res->blob_tmp. */
struct lpd_error *store_publish(struct repo *r, struct store_result *res);
/** objects/xx/HASH; caller frees. NULL on allocation failure. */
char *store_blob_path(const struct repo *r, const char *hash);
bool store_blob_exists(const struct repo *r, const char *hash);
/** Re-hash blob HASH. LPD_ERR_BAD_INPUT when corrupt or missing. */
struct lpd_error *store_check_blob(struct repo *r, const char *hash);
/** cache/blobs/HASH, the blob decompressed and checked; caller frees. */
struct lpd_error *store_materialize(struct repo *r, const char *hash,
				    char **ret);
/** A new tmp file (0600) in tmp/; caller frees *path_ret. */
struct lpd_error *store_tmp_open(struct repo *r, const char *what,
				 char **path_ret, int *fd_ret);
/** mkdir -p with mode 0700. */
struct lpd_error *store_mkdirs(const char *path);
struct lpd_error *store_fsync_dir(const char *path);
struct lpd_error *store_write_all(int fd, const void *p, size_t n,
				  const char *path);
void store_sha256_hex(const void *p, size_t n, char ret[REPO_HASH_LEN + 1]);
bool store_is_hash(const char *s);
/** True when PATH is absolute with no "", "." or ".." component, so that
 * DIR + PATH stays under DIR. */
bool store_safe_path(const char *path);
/** flock() REPO/lock shared (imports, checkouts) or exclusive (gc);
 * returns the fd to close to release it. */
struct lpd_error *store_lock(struct repo *r, bool exclusive, int *ret);

/* ---- index.c: SQLite ---------------------------------------------- */

struct lpd_error *index_open(struct repo *r, bool create);
void index_close(struct repo *r);
/** Convert the connection's last error, once, at the boundary. */
struct lpd_error *index_error(struct repo *r, const char *what);
struct lpd_error *index_exec(struct repo *r, const char *sql);
struct lpd_error *index_prepare(struct repo *r, const char *sql,
				sqlite3_stmt **ret);
struct lpd_error *index_begin(struct repo *r);
struct lpd_error *index_commit(struct repo *r);
void index_rollback(struct repo *r);
/** Id of the row of TABLE named NAME (and VERSION for images), made if
 * missing; NAME NULL gives *ret 0. In a transaction. */
struct lpd_error *index_named_id(struct repo *r, const char *table,
				 const char *name, const char *version,
				 int64_t *ret);

/* ---- bundle.c: export bundles (tar) ------------------------------------ */

struct bundle_object {
	enum repo_object_kind kind;
	char *path, *build_id, *source;
	char blob[REPO_HASH_LEN + 1];
	uint64_t offset, size;		/* the member in the tar */
};

struct bundle {
	char hash[REPO_HASH_LEN + 1];
	char *lpar, *node, *image, *reason, *executable;
	char **labels;
	size_t n_labels;
	int64_t time_taken;
	uint64_t core_offset, core_size;
	struct bundle_object *objects;
	size_t n_objects;
};

/** Parse the bundle in FD (SIZE bytes, named NAME): members are checked
 * against the manifest and bounds; nothing is trusted. */
struct lpd_error *bundle_read(int fd, uint64_t size, const char *name,
			      struct bundle *ret);
void bundle_deinit(struct bundle *b);

#endif
