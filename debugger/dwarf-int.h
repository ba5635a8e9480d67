/* debugger/dwarf-int.h - private to debugger/ and tests/debugger/: DIE
 * access through dwarf.c's libdwarf handle, DWARF types (types.c),
 * locations (location.c), values (values.c) and the expression engine
 * (expr.c). */
#ifndef LPD_DEBUGGER_DWARF_INT_H
#define LPD_DEBUGGER_DWARF_INT_H

#include <dwarf.h>
#include <libdwarf.h>

#include "debugger/target-int.h"

/* ---- dwarf.c: the handle and DIE helpers ------------------------------ */

struct dbg_types;

/** dwarf.c's libdwarf handle: one per file, shared by every room. */
Dwarf_Debug dbg_dwarf_handle(struct dbg_dwarf *d);
struct dbg_elf *dbg_dwarf_elf(struct dbg_dwarf *d);
/** Where types.c keeps its table; dwarf.c destroys it with D. */
struct dbg_types **dbg_dwarf_types_slot(struct dbg_dwarf *d);
/** Convert (and release) a libdwarf error: "FILE: .debug_info offset
 * 0xOFF: WHAT: libdwarf's message". */
struct lpd_error *dbg_dwarf_error(struct dbg_dwarf *d, Dwarf_Error e,
				  Dwarf_Off off, const char *what);
/** Unsigned constant ATTR of DIE (0 when absent), with the workaround
 * for libdwarf 20210528's DW_FORM_implicit_const. */
struct lpd_error *dbg_dwarf_udata(struct dbg_dwarf *d, Dwarf_Die die,
				  Dwarf_Off off, Dwarf_Half attr,
				  uint64_t *ret);
size_t dbg_dwarf_cu_count(struct dbg_dwarf *d);
/** CU DIE offset of CU I. */
Dwarf_Off dbg_dwarf_cu_die(struct dbg_dwarf *d, size_t i);
/** Scope DIEs at link-time ADDR, in dbg_dwarf_lookup()'s order: the
 * innermost inlined subroutine first, the concrete subprogram last (0 for
 * an entry without a scope). *n_ret 0 when no CU covers ADDR. Caller frees
 * *ret with lpd_free(). */
struct lpd_error *dbg_dwarf_scope_dies(struct dbg_dwarf *d, uint64_t addr,
				       Dwarf_Off *cu_ret, Dwarf_Off **ret,
				       size_t *n_ret);
/** Whether DIE (a lexical block, a scope) has pc ranges and whether
 * link-time PC is in them. */
struct lpd_error *dbg_dwarf_die_pc_ranges(struct dbg_dwarf *d, Dwarf_Die die,
					  Dwarf_Off off, uint64_t pc,
					  bool *has_ranges, bool *contains);
/** Line-table FILE of the CU at CU_DIE as a path; *ret NULL if unknown.
 * Borrowed; valid until D is destroyed. */
struct lpd_error *dbg_dwarf_file_name(struct dbg_dwarf *d, Dwarf_Off cu_die,
				      uint64_t file, const char **ret);

/* ---- types.c: DWARF types --------------------------------------------- */

enum dbg_type_kind {
	DBG_TYPE_VOID,
	DBG_TYPE_INT,
	DBG_TYPE_CHAR,		/* an integer printed as a character too */
	DBG_TYPE_BOOL,
	DBG_TYPE_FLOAT,
	DBG_TYPE_POINTER,
	DBG_TYPE_REF,		/* C++ & and && */
	DBG_TYPE_ARRAY,		/* one dimension; more nest in target */
	DBG_TYPE_STRUCT,
	DBG_TYPE_UNION,
	DBG_TYPE_CLASS,
	DBG_TYPE_ENUM,
	DBG_TYPE_TYPEDEF,
	DBG_TYPE_CONST,
	DBG_TYPE_VOLATILE,
	DBG_TYPE_FUNC,
	DBG_TYPE_UNKNOWN,	/* a tag we only name (ptr to member, ...) */
};

struct dbg_type;

struct dbg_member {
	char *name;			/* NULL: anonymous */
	const struct dbg_type *type;
	uint64_t bit_offset;		/* from the start of the aggregate */
	uint32_t bit_size;		/* 0: not a bitfield */
	bool inheritance;		/* a C++ base class */
};

struct dbg_enumerator {
	char *name;
	int64_t value;
};

struct dbg_type {
	uint8_t kind;			/* enum dbg_type_kind */
	bool is_signed;
	bool has_size;
	bool incomplete;		/* a declaration without members */
	bool flexible;			/* array of unknown count */
	bool prototyped, varargs;
	bool flag_enum;			/* values are disjoint bit sets */
	bool cpp;			/* from a C++ CU: no "struct" keyword */
	char *name;			/* tag or type name; NULL: anonymous */
	uint64_t size;			/* bytes */
	uint64_t count;			/* array elements */
	const struct dbg_type *target;	/* pointee, element, aliased, return */
	struct dbg_member *members;
	size_t n_members;
	struct dbg_enumerator *enums;
	size_t n_enums;
	const struct dbg_type **params;
	size_t n_params;
	Dwarf_Off die;			/* 0 for made-up types */
	struct dbg_types *owner;
	const struct dbg_type *ptr_to;	/* pointer to this, once made */
};

/** The type of the DIE at offset DIE of D, built on first use and kept
 * until D is destroyed. Errors: LPD_ERR_BAD_INPUT naming the offset. */
struct lpd_error *dbg_type_from_die(struct dbg_dwarf *d, Dwarf_Off die,
				    const struct dbg_type **ret);
/** The type of DIE's DW_AT_type (void when it has none). */
struct lpd_error *dbg_type_of_die(struct dbg_dwarf *d, Dwarf_Die die,
				  Dwarf_Off off, const struct dbg_type **ret);
void dbg_types_destroy(struct dbg_types *ts);
/** A table for made-up types (pointer to X, char[N]); the target owns
 * one. ADDR_SIZE (4 or 8, the core's architecture) is the size of the
 * pointers it makes; LPD_ERR_INVALID_ARG for another. */
struct lpd_error *dbg_types_create_scratch(unsigned addr_size,
					   struct dbg_types **ret);
/** Pointer to T, made once: in T's own table when it has one (its
 * file's address size), else in SCRATCH (the target's). */
struct lpd_error *dbg_type_pointer_to(struct dbg_types *scratch,
				      const struct dbg_type *t,
				      const struct dbg_type **ret);
struct lpd_error *dbg_type_array_of(struct dbg_types *scratch,
				    const struct dbg_type *t, uint64_t count,
				    const struct dbg_type **ret);

enum dbg_builtin {
	DBG_BUILTIN_VOID, DBG_BUILTIN_INT, DBG_BUILTIN_UINT, DBG_BUILTIN_LONG,
	DBG_BUILTIN_ULONG, DBG_BUILTIN_CHAR, DBG_BUILTIN_DOUBLE,
	DBG_BUILTIN_BOOL, DBG_BUILTIN_LONGLONG, DBG_BUILTIN_ULONGLONG,
	DBG_BUILTIN_CODE_PTR, DBG_BUILTIN_DATA_PTR, DBG_BUILTIN_INT64,
	DBG_BUILTIN_FLOAT, DBG_BUILTIN_SHORT, DBG_BUILTIN_USHORT,
	DBG_BUILTIN_UCHAR, DBG_BUILTIN_SCHAR, DBG_BUILTIN_VOID_FUNC,
	DBG_BUILTIN_COUNT,
};

/** A C type that needs no DWARF (literals, registers, casts). */
const struct dbg_type *dbg_type_builtin(enum dbg_builtin which);
/** Builtin WHICH as the target of SCRATCH sizes it: long and unsigned
 * long have its address size; others (or SCRATCH NULL) are
 * dbg_type_builtin()'s. */
const struct dbg_type *dbg_types_builtin(const struct dbg_types *scratch,
					 enum dbg_builtin which);
/** The integer type NAME (gdb's "int32_t", "uint64_t"...) of SIZE bytes
 * that registers have, made once in SCRATCH; LPD_ERR_INVALID_ARG past
 * the few a target needs. */
struct lpd_error *dbg_types_register_int(struct dbg_types *scratch,
					 const char *name, unsigned size,
					 bool is_signed,
					 const struct dbg_type **ret);
/** T without typedefs, const and volatile. */
const struct dbg_type *dbg_type_strip(const struct dbg_type *t);
/** T without const and volatile (typedefs kept). */
const struct dbg_type *dbg_type_strip_cv(const struct dbg_type *t);
/** Size in bytes; 0 for void, functions and incomplete types. */
uint64_t dbg_type_size(const struct dbg_type *t);
/** T's name as C declares it, with VAR (may be NULL) in the declarator:
 * "const struct entry *", "int (*)(int)", "char (*)[32]". */
struct lpd_error *dbg_type_print(const struct dbg_type *t, const char *var,
				 struct lpd_buf *out);
/** gdb's ptype: aggregates expanded one level (nested ones in full). */
struct lpd_error *dbg_type_ptype(const struct dbg_type *t,
				 struct lpd_buf *out);

enum dbg_global_kind {
	DBG_GLOBAL_VAR = 1,
	DBG_GLOBAL_FUNC = 2,
	DBG_GLOBAL_TYPE = 4,	/* typedef and base type names */
	DBG_GLOBAL_TAG = 8,	/* struct/union/enum/class tags */
};

/** The DIE named NAME of one of the KINDS among the CU-level DIEs of D,
 * preferring a definition in the CU at PREFER_CU (0: none). For TAG, a
 * complete definition wins over a declaration. *found false if none.
 * The name index is built on first use. */
struct lpd_error *dbg_dwarf_find_global(struct dbg_dwarf *d,
					const char *name, unsigned kinds,
					Dwarf_Off prefer_cu, Dwarf_Off *die_ret,
					unsigned *kind_ret, bool *found);
/** String ATTR of DIE, following abstract_origin/specification; *ret
 * borrowed from libdwarf (valid until D is destroyed), NULL if none. */
struct lpd_error *dbg_dwarf_die_string(struct dbg_dwarf *d, Dwarf_Die die,
				       Dwarf_Half attr, const char **ret);
/** The DIE that DIE's ATTR refers to; *found false when absent. */
struct lpd_error *dbg_dwarf_die_ref(struct dbg_dwarf *d, Dwarf_Die die,
				    Dwarf_Half attr, Dwarf_Off *ret,
				    bool *found);

/* ---- location.c: where a variable lives at a pc ----------------------- */

struct dbg_loc_frame {
	const struct dump_arch *arch;
	const struct dump_regs *regs;	/* only registers known here */
	dump_read_fn read;
	void *read_arg;
	uint64_t pc;			/* link-time pc selecting a list entry */
	uint64_t bias;			/* load bias, added to DW_OP_addr */
	uint64_t cfa;			/* 0: unknown */
	bool has_frame_base;
	uint64_t frame_base;
	/** DW_OP_entry_value's value; NULL: never recoverable. */
	struct lpd_error *(*entry_value)(void *arg, const uint8_t *expr,
					 size_t len, uint64_t *ret);
	void *entry_arg;
};

/** Evaluate the location (or frame base) attribute ATTR_NAME of DIE for
 * the frame F: an expression, or the entry of a location list (DWARF 4
 * .debug_loc, DWARF 5 .debug_loclists) covering F->pc. *found false when
 * DIE has no such attribute; RET->n 0 when the list has no entry at pc
 * (optimized out there). */
struct lpd_error *dbg_loc_from_die(struct dbg_dwarf *d, Dwarf_Die die,
				   Dwarf_Off off, Dwarf_Half attr_name,
				   const struct dbg_loc_frame *f,
				   struct dbg_loc *ret, bool *found);
/** Evaluate the location expression EXPR for F into RET. */
struct lpd_error *dbg_loc_eval(const struct dbg_loc_frame *f,
			       const uint8_t *expr, size_t len,
			       const char *file, uint64_t offset,
			       struct dbg_loc *ret);

/* ---- values.c / expr.c: values of one frame --------------------------- */

enum dbg_value_state {
	DBG_VALUE_OK,
	DBG_VALUE_OPTIMIZED_OUT,
	DBG_VALUE_NOT_SAVED,
	DBG_VALUE_SYNTHETIC,	/* DW_OP_implicit_pointer */
	DBG_VALUE_ERROR,	/* error holds "Cannot access memory ..." */
};

struct dbg_value {
	const struct dbg_type *type;
	struct dbg_target *target;	/* borrowed: memory and symbols */
	uint8_t state;			/* enum dbg_value_state */
	bool in_memory;			/* lvalue at address */
	bool is_register;		/* $pc, $rax ... */
	bool lazy;			/* too large: bytes read on demand */
	uint64_t address;
	char *error;
	uint8_t *bytes;			/* size bytes, or NULL if lazy */
	uint8_t *avail;			/* per byte: enum dbg_value_state */
	size_t size;
	uint32_t bit_size, bit_pos;	/* bitfield: bits of bytes */
	char *name;			/* variable name, or NULL */
	bool is_arg;
};

/* Everything a value of one frame may need. */
struct dbg_frame_ctx {
	struct dbg_target *t;
	size_t thread;
	size_t frame;
	const struct dbg_raw_frame *raw;	/* NULL: no frame */
	size_t inline_depth;		/* index in the scope chain */
	struct dbg_tmodule *mod;
	struct dbg_dwarf *dwarf;	/* NULL: no DWARF at pc */
	uint64_t bias;
	uint64_t pc;			/* runtime pc as dbg_frame.pc */
	uint64_t lookup;		/* link-time pc for scopes/lists */
	Dwarf_Off cu_die;
	Dwarf_Off scope_die;		/* this frame's scope, 0: none */
	Dwarf_Off func_die;		/* its concrete subprogram */
	struct dump_regs known;		/* registers valid in this frame */
	struct dbg_types *scratch;
	const struct dbg_stack *s;	/* NULL: no frame */
	unsigned entry_depth;		/* entry values being resolved */
};

struct lpd_error *dbg_frame_ctx_init(struct dbg_target *t,
				     const struct dbg_stack *s, size_t frame,
				     struct dbg_frame_ctx *ret);
/** The value of the variable or parameter DIE in frame C. */
struct lpd_error *dbg_value_of_var(struct dbg_frame_ctx *c,
				   struct dbg_dwarf *d, uint64_t bias,
				   Dwarf_Off off, struct dbg_value **ret);
struct dbg_value *dbg_value_new(struct dbg_target *t,
				const struct dbg_type *type);
/** A value of TYPE with SIZE bytes copied from BYTES. */
struct lpd_error *dbg_value_from_bytes(struct dbg_target *t,
				       const struct dbg_type *type,
				       const void *bytes, size_t size,
				       struct dbg_value **ret);
/** A value of TYPE at ADDR (read now unless too large). */
struct lpd_error *dbg_value_at(struct dbg_target *t,
			       const struct dbg_type *type, uint64_t addr,
			       struct dbg_value **ret);
/** Member I of struct/union V. */
struct lpd_error *dbg_value_member(const struct dbg_value *v, size_t i,
				   struct dbg_value **ret);
/** Element I of array V. */
struct lpd_error *dbg_value_element(const struct dbg_value *v, uint64_t i,
				    struct dbg_value **ret);
/** V's bytes ready to read (lazily loaded ones read); FAULT error. */
struct lpd_error *dbg_value_fetch(const struct dbg_value *v, uint64_t off,
				  void *buf, size_t len);
/** Integer value of a scalar V (bitfields extracted, sign extended). */
bool dbg_value_as_int(const struct dbg_value *v, int64_t *ret);
/** Float or double V (read in the target's byte order), or an integer
 * converted. */
bool dbg_value_as_double(const struct dbg_value *v, double *ret);
/** V's bytes (at most 8) as an unsigned number, read in the target's
 * byte order: a float's own bits. */
bool dbg_value_bits(const struct dbg_value *v, uint64_t *ret);
/** A value of float type TYPE holding D, its bytes in T's byte order
 * (as dbg_value_as_double() reads them back). */
struct lpd_error *dbg_value_from_double(struct dbg_target *t,
					const struct dbg_type *type, double d,
					struct dbg_value **ret);
struct lpd_error *dbg_value_copy(const struct dbg_value *v,
				 struct dbg_value **ret);
/** "Cannot access memory at address 0x..." for a FAULT error. */
struct lpd_error *dbg_error_memory(uint64_t addr);

/* expr.c: the parser, for tests. */
struct dbg_expr_node;

/** Parse TEXT into a tree; IS_TYPE (may be NULL) tells typedef names.
 * LPD_ERR_SYNTAX with gdb's message. Caller frees with dbg_expr_free(). */
struct lpd_error *dbg_expr_parse(const char *text,
				 bool (*is_type)(void *, const char *),
				 void *arg, struct dbg_expr_node **ret);
void dbg_expr_free(struct dbg_expr_node *n);
/** The tree as an s-expression: (+ (id a) (int 1)). */
struct lpd_error *dbg_expr_dump(const struct dbg_expr_node *n,
				struct lpd_buf *out);

/* stack.c: what values need of a stack. */
const struct dbg_raw_frame *dbg_stack_raw(const struct dbg_stack *s,
					  size_t i, size_t *inline_depth);
size_t dbg_stack_thread(const struct dbg_stack *s);

#endif
