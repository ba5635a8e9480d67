/* debugger/target-int.h - the target's private state, shared by target.c
 * (loading, module files) and stack.c (unwinding, symbolization). */
#ifndef LPD_DEBUGGER_TARGET_INT_H
#define LPD_DEBUGGER_TARGET_INT_H

#include "debugger/debugger-int.h"

struct dbg_cache;
struct dbg_types;

/** types.c: free a type table (NULL ignored). */
void dbg_types_destroy(struct dbg_types *ts);

struct dbg_objfile *dbg_cache_find(struct dbg_cache *c, const char *key);
/** Add an objfile owning ELF and DEBUG (DEBUG may equal ELF or be NULL). */
struct lpd_error *dbg_cache_add(struct dbg_cache *c, const char *key,
				struct dbg_elf *elf, struct dbg_elf *debug,
				struct dbg_objfile **ret);

struct dbg_tmodule {
	const struct dump_module *dm;	/* borrowed from the dump */
	struct dbg_objfile *obj;	/* NULL: no file found */
	const char *found_by;
	char build_id[129];		/* from the core; "" if none */
	bool mismatch;
};

struct dbg_target {
	struct dump *dump;
	struct dbg_cache *cache;
	bool owns_cache;
	struct dbg_tmodule *mods;
	size_t n_mods;
	char **warnings;
	size_t n_warnings, cap_warnings;
	struct dbg_types *scratch;	/* made-up types (values), lazy */
	char *section_cache;		/* dir for decompressed sections */
};

struct lpd_error *dbg_target_warn(struct dbg_target *t, const char *fmt, ...)
	LPD_PRINTF(2, 3);
/** The module covering runtime address ADDR, or NULL. */
struct dbg_tmodule *dbg_target_module_at(struct dbg_target *t, uint64_t addr);

#endif
