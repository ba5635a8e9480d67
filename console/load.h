/* console/load.h - shared option parsing and target loading for the
 * commands that open a core (bt, info, ...). */
#ifndef LPD_CONSOLE_LOAD_H
#define LPD_CONSOLE_LOAD_H

#include "console/console-int.h"
#include "debugger/debugger.h"
#include "repo/repo.h"

struct load_args {
	const char *core;
	const char *exe;
	const char *sysroot;
	const char **debug_dirs;
	size_t n_debug_dirs;
	const char *repo;		/* --repo DIR */
	struct repo_checkout checkout;	/* CORE was a repository dump id */
	struct dbg_cache *cache;	/* shared by many loads; may be NULL */
	/* When CORE was a dump id: its full hash and index row (the LPAR,
	 * node, image and time the core itself does not record). */
	char hash[REPO_HASH_LEN + 1];
	struct repo_dump_list *dump;
};

/* A command's own option; SET returns false on a bad value. */
struct load_extra {
	const char *name;
	int short_name;		/* 0: long only */
	int has_arg;
	bool (*set)(void *arg, const char *value);
	void *arg;
};

enum cmd_retval load_parse(struct cmd_ctx *ctx, const struct cmd_entry *e,
			   int argc, char **argv,
			   const struct load_extra *extra,
			   struct load_args *a);
void load_args_deinit(struct load_args *a);
/** Load A's target. CORE that is not a file but a dump id (or unique
 * prefix) in the repository (--repo, $LPARDBG_REPO, XDG data dir) is
 * checked out of it: its core, and its image as sysroot and debug dir. */
struct lpd_error *load_target(struct load_args *a, struct dbg_target **ret);
/** Load dump ID (full hash or unique prefix) of the open repository R:
 * checks it out into A (A->hash, A->dump, A->checkout; A->sysroot and
 * A->debug_dirs as load_target() sets them) and loads its target. */
struct lpd_error *load_repo_target(struct load_args *a, struct repo *r,
				   const char *id, struct dbg_target **ret);
/** Parse a signal for --signal: a number or a name ("SIGSEGV", "segv");
 * -1 when it is neither. */
int load_parse_signal(const char *s);
/** Open the repository DIR (NULL: the default one), creating it when
 * CREATE. Caller owns *ret. */
struct lpd_error *load_repo_open(const char *dir, bool create,
				 struct repo **ret);

/* console/capture.c: importing a core with its image */
struct capture_options {
	struct repo_import_options import;
	struct dbg_options dbg;		/* how to find module files */
	bool debuginfod;		/* fetch what is missing */
};

struct capture_result {
	char hash[REPO_HASH_LEN + 1];
	bool existed;
	size_t objects;			/* image objects recorded */
	size_t from_debuginfod;
	size_t missing;			/* modules with no file anywhere */
};

/** Import the core at PATH into R, capturing its image: every module the
 * debugger finds (same search as bt), else debuginfod, stored once per
 * build-id. Warnings go to ctx->err unless JSON. */
struct lpd_error *capture_import(struct cmd_ctx *ctx, struct repo *r,
				 const char *path,
				 const struct capture_options *o,
				 struct capture_result *ret);
void load_print_warnings(struct cmd_ctx *ctx, struct dbg_target *t);
void load_json_warnings(struct lpd_json *j, struct dbg_target *t);
/** "signal": {"number", "name", "code", "address"} | null, as bt and
 * info print it (dump_fault_signal). */
void load_json_signal(struct lpd_json *j, struct dump *d);
bool load_set_flag(void *arg, const char *value);

#endif
