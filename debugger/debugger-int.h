/* debugger/debugger-int.h - private to debugger/ and tests/debugger/. */
#ifndef LPD_DEBUGGER_INT_H
#define LPD_DEBUGGER_INT_H

#include <gelf.h>
#include <libelf.h>

#include "debugger/debugger.h"

/* ---- elf.c: an ELF file mmap'd read-only (or an image in memory) ---- */

struct dbg_elf {
	char *path;
	int fd;			/* -1 for images in memory */
	uint8_t *map;
	size_t size;
	bool owns_map;		/* malloc'd image (vdso) rather than mmap */
	Elf *elf;
	uint16_t machine;
	uint16_t type;		/* ET_EXEC, ET_DYN, ... */
	unsigned elfclass;	/* ELFCLASS32 / ELFCLASS64 */
	bool big_endian;
	uint8_t build_id[64];
	size_t build_id_len;	/* 0: none */
	char *debuglink;	/* .gnu_debuglink file name, or NULL */
	uint32_t debuglink_crc;
	uint64_t load_vaddr;	/* p_vaddr of the first PT_LOAD, page-aligned */
	bool has_dwarf;		/* has a non-empty .debug_info */
	void **decompressed;	/* buffers of SHF_COMPRESSED sections */
	size_t n_decompressed;
	char *section_cache;	/* dir of decompressed copies, or NULL */
};

struct dbg_section {
	const uint8_t *data;	/* borrowed; valid for the dbg_elf's lifetime */
	size_t size;
	uint64_t addr;		/* sh_addr */
	uint64_t offset;	/* sh_offset in the file, for messages */
};

/** mmap and validate the ELF file at PATH. Caller owns *ret. */
struct lpd_error *dbg_elf_open(const char *path, struct dbg_elf **ret);
/** An ELF image in memory (the vdso read from a core); takes ownership of
 * IMAGE (lpd_malloc'd). */
struct lpd_error *dbg_elf_open_memory(const char *name, uint8_t *image,
				      size_t size, struct dbg_elf **ret);
void dbg_elf_destroy(struct dbg_elf *e);
/** Keep decompressed copies of E's compressed sections under DIR (by
 * build-id, section index and size) and reuse them on later opens: the
 * zlib of a libc6-dbg file is most of a small core's backtrace time.
 * Needs a build-id; DIR NULL disables. */
struct lpd_error *dbg_elf_set_section_cache(struct dbg_elf *e,
					    const char *dir);
/** Section NAME (SHF_COMPRESSED ones decompressed once); false if absent
 * or SHT_NOBITS. */
bool dbg_elf_section(struct dbg_elf *e, const char *name,
		     struct dbg_section *ret);
/** Lowercase hex of E's build-id into BUF (>= 129 bytes); "" if none. */
void dbg_elf_build_id_hex(const struct dbg_elf *e, char *buf);

/* ---- symbols.c: ELF symbol tables ------------------------------------- */

struct dbg_symtab;

/** Function and object symbols of .symtab (from DEBUG when it has one,
 * else from ELF) and .dynsym of ELF, sorted by address. DEBUG may be NULL
 * or equal to ELF. Caller owns *ret. */
struct lpd_error *dbg_symtab_create(struct dbg_elf *elf, struct dbg_elf *debug,
				    struct dbg_symtab **ret);
void dbg_symtab_destroy(struct dbg_symtab *s);
/** Symbol covering link-time address ADDR: *name (raw, borrowed), *start.
 * Zero-sized symbols cover up to the next symbol. false if none. */
bool dbg_symtab_lookup(const struct dbg_symtab *s, uint64_t addr,
		       const char **name, uint64_t *start);

/* ---- dwarf.c: DWARF function names and lines (libdwarf) -------------- */

struct dbg_dwarf;

/** DWARF index of DEBUG (the file holding .debug_info), built lazily per
 * CU. LPD_ERR_NOT_FOUND if it has no DWARF. Caller owns *ret. */
struct lpd_error *dbg_dwarf_open(struct dbg_elf *debug, struct dbg_dwarf **ret);
void dbg_dwarf_destroy(struct dbg_dwarf *d);

struct dbg_srcloc {
	char *function;		/* raw DWARF name (linkage name preferred
				 * for C++ so it can be demangled); NULL */
	char *file;		/* absolute when DWARF allows; NULL */
	unsigned line, column;
};

/** Source locations for link-time address ADDR, innermost first: entry 0
 * is the innermost inlined subroutine (or the subprogram when nothing is
 * inlined there) with ADDR's line-table row; entry k > 0 is the function
 * that inlined entry k-1, at the call site (DW_AT_call_file/line). The last
 * entry is the concrete subprogram. *n_ret 0 when ADDR has no DWARF. Caller
 * frees with dbg_srclocs_free(). */
struct lpd_error *dbg_dwarf_lookup(struct dbg_dwarf *d, uint64_t addr,
				   struct dbg_srcloc **ret, size_t *n_ret);
void dbg_srclocs_free(struct dbg_srcloc *locs, size_t n);

/* ---- cfi.c: call frame information (.eh_frame, .debug_frame) -------- */

struct dbg_cfi;

/** Parse the CFI of ELF: .eh_frame (with .eh_frame_hdr's search table when
 * present) if EH, else .debug_frame. LPD_ERR_NOT_FOUND if the section is
 * absent. Entries are decoded lazily. Caller owns *ret. */
struct lpd_error *dbg_cfi_create(struct dbg_elf *elf,
				 const struct dump_arch *arch, bool eh,
				 struct dbg_cfi **ret);
void dbg_cfi_destroy(struct dbg_cfi *c);
/** CFI over section bytes SEC (and HDR, the .eh_frame_hdr, or NULL) not
 * tied to a dbg_elf: images in memory, tests. FILE (borrowed, for messages)
 * and SEC's bytes must outlive *ret. Caller owns *ret. */
struct lpd_error *dbg_cfi_create_raw(const struct dbg_section *sec,
				     const struct dbg_section *hdr,
				     const char *file, bool eh,
				     bool big_endian, unsigned addr_size,
				     struct dbg_cfi **ret);

/* A register's rule in one CFI row. */
enum dbg_cfi_rule_kind {
	DBG_CFI_UNSPECIFIED,	/* no rule given: the unwinder's default */
	DBG_CFI_UNDEFINED,	/* not recoverable (DW_CFA_undefined) */
	DBG_CFI_SAME_VALUE,
	DBG_CFI_OFFSET,		/* saved at CFA + offset */
	DBG_CFI_VAL_OFFSET,	/* the value is CFA + offset */
	DBG_CFI_REGISTER,	/* in register number offset */
	DBG_CFI_EXPRESSION,	/* saved at expr's result (CFA pushed) */
	DBG_CFI_VAL_EXPRESSION,	/* the value is expr's result (CFA pushed) */
};

struct dbg_cfi_rule {
	uint8_t kind;		/* enum dbg_cfi_rule_kind */
	uint32_t expr_len;
	int64_t offset;		/* OFFSET, VAL_OFFSET; REGISTER: regno */
	const uint8_t *expr;	/* borrowed from the section */
};

enum dbg_cfa_kind {
	DBG_CFA_UNSET,		/* the CFI never defined it */
	DBG_CFA_REG_OFFSET,	/* cfa_regno + cfa_offset */
	DBG_CFA_EXPRESSION,	/* cfa_expr's result */
};

/* The unwind rules at one pc: the CFA and how to find each register of the
 * caller. Expressions point into the section (valid while the CFI is). */
struct dbg_cfi_row {
	uint64_t start, end;	/* link-time pcs where this row holds */
	uint64_t fde_offset;	/* file offset of the FDE, for messages */
	const char *file;	/* borrowed, for messages */
	const uint8_t *sec_data;	/* expr - sec_data + sec_offset: */
	uint64_t sec_offset;		/* the file offset of an expression */
	bool signal_frame;	/* CIE augmentation "S" */
	unsigned ra_regno;	/* return-address column */
	uint8_t cfa_kind;	/* enum dbg_cfa_kind */
	unsigned cfa_regno;
	int64_t cfa_offset;
	const uint8_t *cfa_expr;
	uint32_t cfa_expr_len;
	struct dbg_cfi_rule regs[DUMP_MAX_REGS];
};

/** The row covering link-time address PC: CIE initial instructions, then
 * the FDE's up to PC. LPD_ERR_NOT_FOUND when no FDE covers PC;
 * LPD_ERR_BAD_INPUT ("FILE: offset 0x..: ...") for a malformed entry (a
 * register number >= DUMP_MAX_REGS too). Not thread-safe: C keeps a lazy
 * index and scratch state. */
struct lpd_error *dbg_cfi_find_row(struct dbg_cfi *c, uint64_t pc,
				   struct dbg_cfi_row *ret);

struct dbg_cfi_fde {
	uint64_t start, end;	/* link-time pc range */
	uint64_t offset;	/* of the FDE within the section */
};

/** Every FDE of C with a non-empty range, sorted by start (the index is
 * built on first use). The error of the first malformed entry met while
 * walking the section, if any (*ret untouched then). Borrowed; valid
 * until C is destroyed. */
struct lpd_error *dbg_cfi_fdes(struct dbg_cfi *c,
			       const struct dbg_cfi_fde **ret, size_t *n_ret);

/* One piece of a location (DW_OP_piece splits a value into several). */
enum dbg_piece_kind {
	DBG_PIECE_MEMORY,	/* value: the address */
	DBG_PIECE_REGISTER,	/* value: the DWARF register number */
	DBG_PIECE_VALUE,	/* DW_OP_stack_value: value itself */
	DBG_PIECE_IMPLICIT,	/* DW_OP_implicit_value: data, len */
	DBG_PIECE_IMPLICIT_PTR,	/* DW_OP_implicit_pointer: die, offset */
	DBG_PIECE_UNDEFINED,	/* optimized out */
};

struct dbg_piece {
	uint8_t kind;		/* enum dbg_piece_kind */
	uint64_t bits;		/* size in bits; 0: the whole value */
	uint64_t bit_offset;	/* DW_OP_bit_piece's offset */
	uint64_t value;
	const uint8_t *data;	/* borrowed from the expression */
	size_t len;
	uint64_t die;
	int64_t offset;
};

enum { DBG_LOC_MAX_PIECES = 64 };

/* Where a value lives: pieces in order; n 0 means optimized out. */
struct dbg_loc {
	struct dbg_piece pieces[DBG_LOC_MAX_PIECES];
	size_t n;
	bool not_saved;		/* failed on a register unknown here */
};

/* What a DWARF expression may read: registers and memory; for location
 * expressions also the frame base, the CFA and entry values. */
struct dbg_expr_ctx {
	const struct dump_regs *regs;
	dump_read_fn read;
	void *read_arg;
	unsigned addr_size;
	bool big_endian;
	/* Location expressions only; zero for CFI. */
	struct dbg_loc *loc;		/* non-NULL: the result is a location */
	const uint64_t *frame_base;	/* DW_OP_fbreg; NULL: none */
	const uint64_t *cfa;		/* DW_OP_call_frame_cfa; NULL: none */
	uint64_t addr_bias;		/* added to DW_OP_addr (load bias) */
	unsigned offset_size;		/* 4 or 8: implicit_pointer's ref */
	/** DW_OP_entry_value's sub-expression EXPR to a value; NULL or an
	 * error make the location optimized out. */
	struct lpd_error *(*entry_value)(void *arg, const uint8_t *expr,
					 size_t len, uint64_t *ret);
	void *entry_arg;
};

/** Evaluate the DWARF expression EXPR (LEN bytes at file offset OFFSET of
 * FILE, for messages) with INITIAL pushed first unless NULL; *ret is the
 * top of the stack. With ctx->loc, EXPR is a location description: the
 * pieces go to ctx->loc (n 0: optimized out) and *ret is unused. Errors: LPD_ERR_BAD_INPUT (bad op, stack under/over-
 * flow (64 entries), too many steps, unknown register), or the read
 * function's LPD_ERR_FAULT. */
struct lpd_error *dbg_expr_eval(const struct dbg_expr_ctx *ctx,
				const uint8_t *expr, size_t len,
				const char *file, uint64_t offset,
				const uint64_t *initial, uint64_t *ret);

/* ---- objfile.c: one module's files and indexes, shared by build-id --- */

struct dbg_objfile {
	unsigned refcount;
	char *key;			/* build-id hex, or "path:" + path */
	struct dbg_elf *elf;		/* code: .eh_frame, .dynsym */
	struct dbg_elf *debug;		/* DWARF/.symtab: separate or == elf */
	struct dbg_symtab *symtab;	/* lazy, see dbg_objfile_symtab() */
	struct dbg_dwarf *dwarf;
	struct dbg_cfi *eh_cfi;
	struct dbg_cfi *debug_cfi;
	bool symtab_tried, dwarf_tried, eh_cfi_tried, debug_cfi_tried;
};

struct dbg_symtab *dbg_objfile_symtab(struct dbg_objfile *o);
struct dbg_dwarf *dbg_objfile_dwarf(struct dbg_objfile *o);
/** CFI from .eh_frame (EH) or .debug_frame, created on first use; NULL
 * when absent or unreadable. */
struct dbg_cfi *dbg_objfile_cfi(struct dbg_objfile *o,
				const struct dump_arch *arch, bool eh);

/* ---- unwind.c: the unwinder ----------------------------------------- */

/* How the unwinder sees the target: memory, and which object (with its
 * load bias) covers a runtime pc. */
struct dbg_unwind_ops {
	dump_read_fn read;
	void *read_arg;
	/** Object covering runtime address PC and its bias, or NULL. */
	struct dbg_objfile *(*find)(void *arg, uint64_t pc, uint64_t *bias);
	void *find_arg;
};

struct dbg_raw_frame {
	uint64_t pc;		/* as dbg_frame.pc */
	uint64_t cfa;
	bool exact_pc;		/* frame 0 or interrupted by a signal */
	bool is_signal;		/* a sigreturn trampoline frame */
	struct dump_regs regs;	/* registers at this frame (known ones) */
	/* Bit set: the register's value in regs was really recovered for
	 * this frame (frame 0, a CFI rule, a callee-saved register the
	 * callee left alone, a signal frame). Other valid registers only
	 * carry the inner frame's value on, as the unwinder needs: values
	 * show them as <not saved>. */
	uint64_t known[DUMP_MAX_REGS / 64];
};

/** True when REGNO is preserved across calls by ARCH's ABI (callee-
 * saved, the stack pointer, the pc); true for every register of an
 * architecture we have no ABI table for. */
bool dbg_unwind_callee_saved(const struct dump_arch *arch, unsigned regno);

/** Unwind from REGS (frame 0) until the stack ends, at most MAX_FRAMES.
 * Uses CFI (.eh_frame then .debug_frame), the architecture's signal-frame
 * layout, then its frame-pointer step; never loops (CFA must move).
 * *ret (caller frees with lpd_free), *n_ret frames, *stop_ret a static
 * string saying why it ended. An error only for out of memory. */
struct lpd_error *dbg_unwind_regs(const struct dump_arch *arch,
				  const struct dbg_unwind_ops *ops,
				  const struct dump_regs *regs,
				  size_t max_frames,
				  struct dbg_raw_frame **ret, size_t *n_ret,
				  const char **stop_ret);

#endif
