/* repo/repo.h - the repository: blobs content-addressed by SHA-256 and
 * stored zstd-compressed in a local directory, a SQLite index (WAL) of
 * nodes, LPARs, images and dumps, import of cores from the places real
 * machines leave them, debuginfod fetches, export bundles and the cluster
 * catalog. Finding a core's module files is the debugger's job; the console
 * hands what it found to an import transaction (repo_import_*). */
#ifndef LPD_REPO_H
#define LPD_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/lpd.h"

struct repo;		/* opaque: one open repository */
struct repo_import;	/* opaque: one core being imported */
struct repo_dump_list;	/* opaque: the result of a query */

/* Hex characters of a SHA-256; a dump's id is its core's hash. */
enum { REPO_HASH_LEN = 64 };
/* Characters of a hash shown as a dump id. */
enum { REPO_ID_LEN = 12 };
/* Schema version this build writes (see the migrations table). */
enum { REPO_SCHEMA_VERSION = 1 };

/* ---- opening ------------------------------------------------------ */

/** The repository used when no --repo is given: $LPARDBG_REPO, else
 * $XDG_DATA_HOME/lpardbg/repo, else $HOME/.local/share/lpardbg/repo.
 * Caller frees *ret with lpd_free(). */
struct lpd_error *repo_default_dir(char **ret);

/** Create the repository at DIR (directories 0700, files 0600) unless it
 * exists, migrate its schema, and open it. Caller owns *ret; free with
 * repo_destroy(). */
struct lpd_error *repo_init(const char *dir, struct repo **ret);
/** Open the existing repository at DIR. LPD_ERR_NOT_FOUND when DIR holds
 * none; LPD_ERR_UNSUPPORTED when its schema is newer than this build. */
struct lpd_error *repo_open(const char *dir, struct repo **ret);
void repo_destroy(struct repo *r);
/** The directory. Borrowed; valid until R is destroyed. */
const char *repo_dir(const struct repo *r);

/* ---- dumps ---------------------------------------------------------- */

struct repo_dump {
	char hash[REPO_HASH_LEN + 1];	/* SHA-256 of the core */
	const char *lpar, *node;	/* NULL when unassigned */
	const char *image, *image_version;
	int64_t time_taken;		/* seconds since the epoch */
	int64_t time_imported;
	const char *executable;		/* as the core names it, or NULL */
	int pid;			/* 0 when unknown */
	int signal;			/* 0: none (e.g. gcore) */
	uint64_t size;			/* bytes of the uncompressed core */
	const char *reason;		/* "SIGSEGV at 0x0", or given */
	const char *source;		/* the file it was imported from */
	const char *const *labels;	/* sorted */
	size_t n_labels;
};

/* Conditions of a listing; NULL/0/false fields do not filter. */
struct repo_filter {
	const char *lpar, *node, *image, *exe, *label;
	int signal;
	bool has_since, has_until;
	int64_t since, until;		/* time taken, inclusive */
	size_t limit;			/* newest LIMIT dumps; 0: all */
};

/** Dumps matching F, newest first. Caller owns *ret; free with
 * repo_dump_list_destroy(). */
struct lpd_error *repo_list_dumps(struct repo *r, const struct repo_filter *f,
				  struct repo_dump_list **ret);
size_t repo_dump_list_count(const struct repo_dump_list *l);
/** Dump I. Borrowed; valid until L is destroyed. */
const struct repo_dump *repo_dump_list_at(const struct repo_dump_list *l,
					  size_t i);
void repo_dump_list_destroy(struct repo_dump_list *l);

/** The full hash of the dump whose hash starts with PREFIX (hex, at least
 * 4 characters). LPD_ERR_NOT_FOUND when none does, LPD_ERR_INVALID_ARG
 * when several do or PREFIX is not hex. */
struct lpd_error *repo_find_dump(struct repo *r, const char *prefix,
				 char ret[REPO_HASH_LEN + 1]);
/** The dump HASH alone, as a one-element list. */
struct lpd_error *repo_get_dump(struct repo *r, const char *hash,
				struct repo_dump_list **ret);
/** Remove dump HASH from the index (its blobs stay until repo_gc()). */
struct lpd_error *repo_remove_dump(struct repo *r, const char *hash);
/** Add the labels ADD and remove the labels DEL of dump HASH. */
struct lpd_error *repo_label_dump(struct repo *r, const char *hash,
				  const char *const *add, size_t n_add,
				  const char *const *del, size_t n_del);

/* ---- images ----------------------------------------------------------- */

enum repo_object_kind {
	REPO_OBJECT_EXEC,	/* the mapped file (code, .eh_frame) */
	REPO_OBJECT_DEBUG,	/* a separate file with DWARF */
};

/* One ELF object of an image. */
struct repo_object {
	enum repo_object_kind kind;
	const char *path;		/* as the process saw it */
	const char *build_id;		/* lowercase hex, or NULL */
	char blob[REPO_HASH_LEN + 1];
	uint64_t size;
	const char *source;		/* "core path", "debuginfod", ... */
};

/** The objects of dump HASH's image. *ret and *n_ret are the caller's;
 * free with repo_objects_free(). */
struct lpd_error *repo_dump_objects(struct repo *r, const char *hash,
				    struct repo_object **ret, size_t *n_ret);
void repo_objects_free(struct repo_object *o, size_t n);

/* ---- import ----------------------------------------------------------- */

struct repo_import_options {
	const char *lpar, *node;	/* NULL: unassigned (node: from the
					 * systemd-coredump hostname) */
	const char *image;		/* "NAME[:VERSION]"; NULL: the
					 * executable's name and a hash of
					 * the objects */
	const char *reason;		/* NULL: from the signal */
	const char *const *labels;
	size_t n_labels;
};

/** The files a path to import stands for: PATH itself, or the regular
 * files of the directory PATH (sorted, not recursive). Caller frees each
 * string and the array with lpd_free(). */
struct lpd_error *repo_import_expand(const char *path, char ***ret,
				     size_t *n_ret);

/** Start importing the core at PATH: raw, zstd, xz, gzip or lz4 (by magic),
 * a systemd-coredump file (metadata from its name and user.coredump.*
 * attributes), or a bundle made by repo_export_dump(). Its bytes are
 * hashed and stored (durably) before this returns; nothing is in the index
 * until repo_import_commit(). Errors: LPD_ERR_BAD_INPUT (not a core,
 * truncated, corrupt stream; the message says why), LPD_ERR_OS. Caller
 * owns *ret; free with repo_import_destroy(), which abandons an import
 * not committed. */
struct lpd_error *repo_import_begin(struct repo *r, const char *path,
				    const struct repo_import_options *opts,
				    struct repo_import **ret);
/** The uncompressed core, for finding its modules. Borrowed; valid until
 * IMP is destroyed. */
const char *repo_import_core_file(const struct repo_import *imp);
/** The core's hash. Borrowed. */
const char *repo_import_hash(const struct repo_import *imp);
/** True when the import brought its image along (a bundle), so no module
 * files need to be found. */
bool repo_import_has_image(const struct repo_import *imp);
/** Objects recorded so far. */
size_t repo_import_object_count(const struct repo_import *imp);
/** True when the dump is in the index already. */
bool repo_import_exists(const struct repo_import *imp);
/** Add object KIND for module PATH (as the core names it) if the
 * repository already holds one with BUILD_ID: *ret true then. Stores one
 * blob per build-id however many dumps map it. */
struct lpd_error *repo_import_add_known(struct repo_import *imp,
					enum repo_object_kind kind,
					const char *path, const char *build_id,
					bool *ret);
/** Store FILE as object KIND of module PATH with BUILD_ID (may be NULL);
 * SOURCE says how it was found. */
struct lpd_error *repo_import_add_file(struct repo_import *imp,
				       enum repo_object_kind kind,
				       const char *path, const char *build_id,
				       const char *file, const char *source);
/** Record the dump, its image and labels in one transaction. On return the
 * import is durable. RET gets the hash. */
struct lpd_error *repo_import_commit(struct repo_import *imp,
				     char ret[REPO_HASH_LEN + 1]);
void repo_import_destroy(struct repo_import *imp);

/* ---- debuginfod --------------------------------------------------------- */

/** Fetch object KIND of BUILD_ID (hex) from the servers in
 * $DEBUGINFOD_URLS through libdebuginfod. LPD_ERR_NOT_FOUND when no server
 * has it (or none is configured). *ret is the file in libdebuginfod's
 * cache; caller frees the string with lpd_free(). */
struct lpd_error *repo_debuginfod_fetch(enum repo_object_kind kind,
					const char *build_id, char **ret);

/* ---- reading dumps back --------------------------------------------------- */

/* What a debugger needs to load a dump from the repository alone. */
struct repo_checkout {
	char *core;		/* the uncompressed core */
	char *sysroot;		/* module paths of the core, under here */
	char *debug_dir;	/* DIR/.build-id/xx/yyyy.debug */
};

/** Materialize dump HASH: its core and image objects decompressed (and
 * checked against their hashes) into the repository's cache, and linked in
 * a sysroot-like tree and a build-id tree. A corrupt blob is an
 * LPD_ERR_BAD_INPUT naming the dump. Caller owns RET's strings; free with
 * repo_checkout_deinit(). */
struct lpd_error *repo_checkout_dump(struct repo *r, const char *hash,
				     struct repo_checkout *ret);
void repo_checkout_deinit(struct repo_checkout *c);

/** Write dump HASH with its image's objects to the bundle OUT_PATH, which
 * repo_import_begin() takes. */
struct lpd_error *repo_export_dump(struct repo *r, const char *hash,
				   const char *out_path);

/* ---- maintenance ---------------------------------------------------------- */

/* Filled by repo_verify(). */
struct repo_verify_report {
	size_t dumps, objects, blobs;	/* checked */
	size_t unreferenced;		/* blobs nothing uses (gc's work) */
	char **problems;		/* "dump 1a2b...: blob ...: corrupt" */
	size_t n_problems;
};

/** Check the index (integrity, schema) and re-hash every blob the index
 * references; problems are data in RET, not errors. Free RET with
 * repo_verify_report_deinit(). */
struct lpd_error *repo_verify(struct repo *r, struct repo_verify_report *ret);
void repo_verify_report_deinit(struct repo_verify_report *rep);

struct repo_gc_report {
	size_t blobs_removed, images_removed, tmp_removed;
	uint64_t bytes_freed;
};

/** Remove images no dump or LPAR uses, blobs nothing references, the
 * temporary files of dead importers and the checkout cache. Waits for
 * running imports. */
struct lpd_error *repo_gc(struct repo *r, struct repo_gc_report *ret);

/* ---- analyses cache --------------------------------------------------- */

/** Store FACTS (JSON) computed by ANALYZER at VERSION for dump HASH. */
struct lpd_error *repo_analysis_put(struct repo *r, const char *hash,
				    const char *analyzer, const char *version,
				    const char *facts);
/** Facts cached for (HASH, ANALYZER, VERSION); LPD_ERR_NOT_FOUND when
 * none. Caller frees *ret with lpd_free(). */
struct lpd_error *repo_analysis_get(struct repo *r, const char *hash,
				    const char *analyzer, const char *version,
				    char **ret);

/* ---- catalog ------------------------------------------------------------- */

struct repo_catalog_lpar {
	const char *name;		/* NULL: dumps with no LPAR */
	const char *image, *image_version;
	size_t dumps;
	int64_t last_taken;
};

struct repo_catalog_node {
	const char *name;		/* NULL: dumps with no node */
	struct repo_catalog_lpar *lpars;
	size_t n_lpars;
	size_t dumps;
};

struct repo_catalog {
	struct repo_catalog_node *nodes;
	size_t n_nodes;
	void *strings;			/* private */
};

/** Nodes, their LPARs and dump counts. Free with repo_catalog_deinit(). */
struct lpd_error *repo_catalog(struct repo *r, struct repo_catalog *ret);
void repo_catalog_deinit(struct repo_catalog *c);

/* ---- helpers ---------------------------------------------------------- */

/** Parse a time for --since/--until: "@SECONDS", "YYYY-MM-DD",
 * "YYYY-MM-DDTHH:MM[:SS][Z]" (UTC), or "N[smhd]" ago from NOW. */
struct lpd_error *repo_parse_time(const char *s, int64_t now, int64_t *ret);
/** "YYYY-MM-DDTHH:MM:SSZ" into BUF (at least 21 bytes). */
void repo_format_time(int64_t t, char *buf, size_t size);

#endif
