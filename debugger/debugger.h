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
/** F's members as JSON keys, written into an object the caller opened:
 * pc, function, offset, module, build_id, file, line, inline,
 * signal_frame (unknowns as null). The one place a frame's JSON shape is
 * decided: bt --json and the analyses' facts documents both use it. */
void dbg_frame_json(struct lpd_json *j, const struct dbg_frame *f);
/** Registers of frame I as the unwinder recovered them (frame 0: the
 * thread's; outer frames: CFA-derived sp, the pc and the callee-saved
 * registers the CFI restores; others are not valid). Inline frames share
 * their caller's. Borrowed; valid until S is destroyed. NULL if no I. */
const struct dump_regs *dbg_stack_frame_regs(const struct dbg_stack *s,
					     size_t i);
/** Why unwinding stopped ("end of stack", "depth limit", ...). */
const char *dbg_stack_stop_reason(const struct dbg_stack *s);

/** Demangle a C++/Rust symbol; NULL when NAME is not mangled. Caller frees
 * with lpd_free(). */
char *dbg_demangle(const char *name);

/* ---- values (types.c, location.c, values.c, format.c, expr.c) ------- */

struct dbg_value;	/* opaque: a typed value read from the dump */

/** Evaluate the C expression EXPR in frame FRAME of S (a stack of T from
 * dbg_unwind_thread(); S NULL: globals only). Identifiers are the frame's
 * locals, then its arguments, then the globals and statics of its CU, then
 * every global; $pc, $sp, $fp and $<register> are the frame's registers.
 * Errors carry gdb's one-line messages: LPD_ERR_SYNTAX ("A syntax error in
 * expression, near `...'."), LPD_ERR_NOT_FOUND ("No symbol \"x\" in
 * current context."), LPD_ERR_FAULT ("Cannot access memory at address
 * 0x..."), LPD_ERR_INVALID_ARG ("Division by zero", "Attempt to extract a
 * component of a value that is not a structure.", ...). Caller owns *ret;
 * free with dbg_value_destroy(). The value borrows T. */
struct lpd_error *dbg_eval(struct dbg_target *t, const struct dbg_stack *s,
			   size_t frame, const char *expr,
			   struct dbg_value **ret);
void dbg_value_destroy(struct dbg_value *v);

struct dbg_format {
	char letter;	/* 0: natural; gdb's x d u o t c a z */
	bool top;	/* as print shows a whole value: pointers typed */
};

/** Append V as gdb's print shows it: {a = 1, b = {...}}, <repeats N
 * times>, strings bounded to 200 elements, <optimized out>, <error:
 * Cannot access memory at address 0x...>. F may be NULL (natural, top). */
struct lpd_error *dbg_value_format(const struct dbg_value *v,
				   const struct dbg_format *f,
				   struct lpd_buf *out);
/** V as a typed JSON tree: {"type", "kind", "value" | "members" |
 * "elements", "address", "state", "text"}; arrays bounded to 200. */
struct lpd_error *dbg_value_json(const struct dbg_value *v,
				 struct lpd_json *j);
/** V as an address, as gdb's x takes it: an array's or function's own
 * address, a pointer's or integer's value. False if V has none. */
bool dbg_value_to_address(const struct dbg_value *v, uint64_t *ret);
/** V's type as C declares it ("struct node *"): gdb's whatis. */
struct lpd_error *dbg_value_type_name(const struct dbg_value *v,
				      struct lpd_buf *out);
/** TEXT as a type name ("struct message", "point_t *") or, failing that,
 * an expression, in frame FRAME: gdb's ptype (EXPAND) or whatis. */
struct lpd_error *dbg_eval_type(struct dbg_target *t,
				const struct dbg_stack *s, size_t frame,
				const char *text, bool expand,
				struct lpd_buf *out);

struct dbg_var {
	const char *name;	/* borrowed from value */
	struct dbg_value *value;
	bool is_arg;
};

enum { DBG_VARS_ARGS = 1, DBG_VARS_LOCALS = 2 };

/** The arguments (DBG_VARS_ARGS, in order) and locals (DBG_VARS_LOCALS,
 * innermost block at the pc first) of frame FRAME of S, arguments first.
 * *n_ret 0 when the frame has no DWARF scope. Caller frees with
 * dbg_vars_free(). */
struct lpd_error *dbg_frame_vars(struct dbg_target *t,
				 const struct dbg_stack *s, size_t frame,
				 unsigned which, struct dbg_var **ret,
				 size_t *n_ret);
void dbg_vars_free(struct dbg_var *vars, size_t n);
/** Register REGNO (DWARF number) of frame FRAME: false when it is not
 * known there (caller-saved registers of outer frames: <not saved>). */
bool dbg_frame_register(struct dbg_target *t, const struct dbg_stack *s,
			size_t frame, unsigned regno, uint64_t *ret);
/** The symbol covering runtime address ADDR as gdb prints it in
 * pointers: "name" or "name+off" into BUF; false if none. */
bool dbg_target_symbolize(struct dbg_target *t, uint64_t addr, char *buf,
			  size_t size);

#endif
