/* debugger/debugger.h - a debugger instance (target) over one core and the
 * image it came from: modules found on disk, symbols, DWARF, unwinding. */
#ifndef LPD_DEBUGGER_H
#define LPD_DEBUGGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/lpd.h"
#include "dumps/dumps.h"

struct dbg_cache;	/* opaque: objects shared by build-id across targets */
struct dbg_target;	/* opaque: one core and its image */
struct dbg_stack;	/* opaque: an immutable unwound stack of one thread */

/** New cache of loaded objects (ELF, symbols, DWARF, CFI) keyed by build-id:
 * 100 dumps of one image cost one index. Caller owns; free with
 * dbg_cache_destroy() after every target using it. */
struct lpd_error *dbg_cache_create(struct dbg_cache **ret);
void dbg_cache_destroy(struct dbg_cache *cache);

struct dbg_options {
	const char *exe;		/* executable given by the user; NULL */
	const char *sysroot;		/* prefix for paths in the core; NULL */
	const char *const *debug_dirs;	/* searched before /usr/lib/debug */
	size_t n_debug_dirs;
	struct dbg_cache *cache;	/* shared cache; NULL: a private one */
};

/** Open the core at CORE_PATH and find its modules' files. A missing or
 * mismatched module is a warning, not an error. Errors: those of
 * dump_open(). Caller owns *ret; free with dbg_target_destroy(). */
struct lpd_error *dbg_target_load(const char *core_path,
				  const struct dbg_options *opts,
				  struct dbg_target **ret);
void dbg_target_destroy(struct dbg_target *t);

/** The core. Borrowed; valid until T is destroyed. */
struct dump *dbg_target_dump(struct dbg_target *t);
size_t dbg_target_warning_count(const struct dbg_target *t);
const char *dbg_target_warning(const struct dbg_target *t, size_t i);

struct dbg_module_info {
	const char *name;		/* path as the process saw it */
	const char *file;		/* local file used, or NULL */
	const char *debug_file;		/* file with DWARF, or NULL */
	const char *found_by;		/* "core path", "exe argument", ... */
	const char *build_id;		/* lowercase hex, or NULL */
	uint64_t start, end, bias;
	bool mismatch;			/* a file was found, wrong build-id */
};

size_t dbg_target_module_count(struct dbg_target *t);
/** Fill *RET for module I; strings borrowed from T. */
void dbg_target_module_info(struct dbg_target *t, size_t i,
			    struct dbg_module_info *ret);

struct dbg_frame {
	uint64_t pc;		/* frame 0 and frames interrupted by a signal:
				 * the exact pc; others: the return address */
	uint64_t cfa;		/* canonical frame address, 0 if unknown */
	bool exact_pc;		/* pc is not a return address */
	bool is_inline;		/* an inlined call inside the next frame */
	bool is_signal;		/* the signal trampoline frame */
	const char *function;	/* demangled name, NULL when unknown */
	bool has_offset;
	uint64_t offset;	/* pc - start of symbol */
	const char *module;	/* path of the module, NULL when unknown */
	const char *build_id;	/* hex, NULL when unknown */
	const char *file;	/* source file, NULL when unknown */
	unsigned line;		/* 0 when unknown */
	unsigned column;
};

/** Unwind thread I of T (index as in dump_thread_*) and symbolize every
 * frame, inline calls as frames of their own (innermost first). Stops at
 * the end of the stack, when the CFA stops moving, or at MAX_FRAMES (0:
 * default 1024). Caller owns *ret; free with dbg_stack_destroy(). */
struct lpd_error *dbg_unwind_thread(struct dbg_target *t, size_t i,
				    size_t max_frames, struct dbg_stack **ret);
void dbg_stack_destroy(struct dbg_stack *s);
size_t dbg_stack_frame_count(const struct dbg_stack *s);
/** Frame I (0 innermost). Borrowed; valid until S is destroyed. */
const struct dbg_frame *dbg_stack_frame(const struct dbg_stack *s, size_t i);
/** Why unwinding stopped ("end of stack", "depth limit", ...). */
const char *dbg_stack_stop_reason(const struct dbg_stack *s);

/** Demangle a C++/Rust symbol; NULL when NAME is not mangled. Caller frees
 * with lpd_free(). */
char *dbg_demangle(const char *name);

#endif
