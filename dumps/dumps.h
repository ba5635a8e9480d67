/* dumps/dumps.h - ELF core reader: notes, threads, registers (as DWARF
 * register numbers), memory by virtual address, mapped modules. */
#ifndef LPD_DUMPS_H
#define LPD_DUMPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/lpd.h"

struct dump;	/* opaque: one open core */

/* ---- architectures -------------------------------------------------- */

/* Registers in DWARF numbering, the architecture-neutral form the unwinder
 * works in. Large enough for every supported architecture's CFI columns. */
enum { DUMP_MAX_REGS = 128 };

struct dump_regs {
	uint64_t value[DUMP_MAX_REGS];
	uint64_t valid[DUMP_MAX_REGS / 64];	/* bit set: value known */
};

static inline bool
dump_regs_has(const struct dump_regs *r, unsigned regno)
{
	return regno < DUMP_MAX_REGS &&
	       (r->valid[regno / 64] >> (regno % 64) & 1);
}

static inline void
dump_regs_set(struct dump_regs *r, unsigned regno, uint64_t value)
{
	if (regno >= DUMP_MAX_REGS)
		return;
	r->value[regno] = value;
	r->valid[regno / 64] |= UINT64_C(1) << (regno % 64);
}

static inline void
dump_regs_unset(struct dump_regs *r, unsigned regno)
{
	if (regno < DUMP_MAX_REGS)
		r->valid[regno / 64] &= ~(UINT64_C(1) << (regno % 64));
}

/** Reads LEN bytes of the target's memory at ADDR into BUF; returns
 * LPD_ERR_FAULT when the address is not in the dump. */
typedef struct lpd_error *(*dump_read_fn)(void *arg, uint64_t addr,
					  void *buf, size_t len);

/* One architecture's knowledge: its register layout in NT_PRSTATUS, the
 * DWARF numbering, and how its kernel builds a signal frame. Tables live in
 * dumps/arch/<name>.c. */
struct dump_arch {
	const char *name;		/* "x86_64", "aarch64", ... */
	uint16_t e_machine;
	unsigned addr_size;		/* 4 or 8 */
	bool big_endian;
	unsigned pc_regno;		/* DWARF number holding the pc */
	unsigned sp_regno;
	unsigned fp_regno;		/* frame pointer / back chain reg */
	unsigned ra_regno;		/* default return-address column */
	unsigned nregs;			/* DWARF columns used (<= MAX) */
	size_t prstatus_size;		/* sizeof(struct elf_prstatus) */
	size_t prstatus_reg_offset;	/* offset of pr_reg */
	size_t prstatus_reg_size;	/* sizeof(elf_gregset_t) */
	/** Register name for DWARF number REGNO, or NULL. */
	const char *(*reg_name)(unsigned regno);
	/** Convert pr_reg bytes (already bounds-checked) to DWARF regs. */
	void (*regs_from_prstatus)(const uint8_t *pr_reg, bool big_endian,
				   struct dump_regs *ret);
	/** True when CODE (LEN bytes at the pc) is the kernel's or libc's
	 * sigreturn trampoline. May be NULL. */
	bool (*is_sigreturn)(const uint8_t *code, size_t len);
	/** In the trampoline frame whose stack pointer is SP, recover the
	 * interrupted registers from the kernel's signal frame. May be NULL. */
	struct lpd_error *(*sigframe_regs)(dump_read_fn read, void *arg,
					   uint64_t sp,
					   struct dump_regs *ret);
	/** Frame-pointer (or back-chain) step for code without CFI: from
	 * REGS compute the caller's registers. EXACT: REGS are frame 0's
	 * or a signal's (the pc is not a return address, so the function
	 * may not have saved its return address yet). LPD_ERR_NOT_FOUND
	 * when the chain ends. May be NULL. */
	struct lpd_error *(*fp_step)(dump_read_fn read, void *arg,
				     const struct dump_regs *regs, bool exact,
				     struct dump_regs *ret);
	/** Bits of a code address that are the address: s390's 31-bit
	 * mode keeps the addressing-mode bit in psw/r14. 0: addr_size. */
	uint64_t pc_mask;
};

/** The architecture table for an ELF e_machine, class (1: 32-bit, 2:
 * 64-bit) and data encoding; NULL when unsupported. */
const struct dump_arch *dump_arch_find(uint16_t e_machine, unsigned elfclass,
				       bool big_endian);

/* ---- opening ------------------------------------------------------ */

/** Open and validate the ELF core at PATH (mmap'd, read lazily).
 * Errors: LPD_ERR_OS (cannot open), LPD_ERR_BAD_INPUT (not ELF, not a core,
 * truncated headers; the message names the file and offset),
 * LPD_ERR_UNSUPPORTED (architecture). Caller owns *ret; free with
 * dump_destroy(). */
struct lpd_error *dump_open(const char *path, struct dump **ret);
void dump_destroy(struct dump *d);

const char *dump_path(const struct dump *d);
const struct dump_arch *dump_get_arch(const struct dump *d);
/** Problems met that did not stop the reader (bad note, short segment). */
size_t dump_warning_count(const struct dump *d);
const char *dump_warning(const struct dump *d, size_t i);

/* ---- process and signal ------------------------------------------- */

struct dump_process {
	int pid, ppid, pgrp, sid;
	unsigned uid, gid;
	char state;			/* 'R', 'S', ... or 0 */
	char fname[17];			/* executable name (pr_fname) */
	char args[81];			/* start of the command line */
};

/** NT_PRPSINFO contents, or NULL when the core has none. Borrowed. */
const struct dump_process *dump_get_process(const struct dump *d);

struct dump_siginfo {
	int signo;
	int code;
	int errnum;
	bool has_addr;			/* SIGSEGV/SIGBUS/SIGILL/SIGFPE/... */
	uint64_t addr;			/* si_addr */
};

/** NT_SIGINFO of the core (the signal that killed it); false if none. */
bool dump_get_siginfo(const struct dump *d, struct dump_siginfo *ret);
/** The signal the dump was taken for: NT_SIGINFO when the core has one,
 * else the crashed thread's pr_cursig (code 0, no address); false when
 * neither names one (a dump of a live process). */
bool dump_fault_signal(const struct dump *d, struct dump_siginfo *ret);

/* ---- threads -------------------------------------------------------- */

size_t dump_thread_count(const struct dump *d);
/** Thread I's tid (pr_pid of its NT_PRSTATUS). */
int dump_thread_tid(const struct dump *d, size_t i);
/** Thread I's current signal (pr_cursig), 0 if none. */
int dump_thread_signal(const struct dump *d, size_t i);
/** Thread I's registers in DWARF numbering. Borrowed. */
const struct dump_regs *dump_thread_regs(const struct dump *d, size_t i);
/** Raw NT_FPREGSET / NT_X86_XSTATE bytes of thread I, kept for later
 * (values issue); *len 0 when absent. Borrowed. */
const uint8_t *dump_thread_fpregs(const struct dump *d, size_t i,
				  size_t *len);
const uint8_t *dump_thread_xstate(const struct dump *d, size_t i,
				  size_t *len);
/** Index of the thread that took the fatal signal: the first with a
 * non-zero pr_cursig, else 0. */
size_t dump_crashed_thread(const struct dump *d);

/* ---- auxv and mapped files ------------------------------------------ */

/** Value of auxv entry TYPE (AT_PHDR, AT_ENTRY, AT_SYSINFO_EHDR, ...). */
bool dump_auxv(const struct dump *d, uint64_t type, uint64_t *ret);

/* One NT_FILE entry. */
struct dump_mapping {
	uint64_t start, end;		/* [start, end) */
	uint64_t file_offset;		/* in bytes */
	const char *path;		/* borrowed from the core */
};

size_t dump_mapping_count(const struct dump *d);
const struct dump_mapping *dump_mapping(const struct dump *d, size_t i);

/* ---- memory --------------------------------------------------------- */

/** Read LEN bytes at virtual address ADDR: from PT_LOAD contents, and for
 * parts not dumped (p_filesz < p_memsz) from the mapped file named by
 * NT_FILE (after dump_set_sysroot()/dump_map_file() redirections).
 * LPD_ERR_FAULT when some byte is unavailable; BUF is then unspecified. */
struct lpd_error *dump_read(struct dump *d, uint64_t addr, void *buf,
			    size_t len);
/** dump_read() as a dump_read_fn; ARG is the struct dump. */
struct lpd_error *dump_read_cb(void *arg, uint64_t addr, void *buf,
			       size_t len);
/** Read a word of the dump's address size and byte order. */
struct lpd_error *dump_read_word(struct dump *d, uint64_t addr,
				 uint64_t *ret);
/** Resolve NT_FILE paths under DIR (like gdb's sysroot). */
struct lpd_error *dump_set_sysroot(struct dump *d, const char *dir);
/** Read the mapping named CORE_PATH from LOCAL_PATH instead (the user
 * gave the executable, or the debugger found the file by build-id). */
struct lpd_error *dump_map_file(struct dump *d, const char *core_path,
				const char *local_path);

/* ---- modules -------------------------------------------------------- */

/* An ELF object mapped in the process. */
struct dump_module {
	const char *path;		/* as the process saw it; "[vdso]" */
	uint64_t start, end;		/* lowest and highest mapped address */
	uint64_t bias;			/* load bias: runtime - link address */
	const uint8_t *build_id;	/* NULL when not found */
	size_t build_id_len;
	uint64_t dynamic;		/* l_ld from link_map, 0 if unknown */
	bool in_link_map;		/* seen in r_debug's link_map list */
	bool is_main;			/* the executable (AT_PHDR) */
	bool is_vdso;			/* AT_SYSINFO_EHDR; read from memory */
};

/** Modules found from NT_FILE and the first pages of each mapping (as
 * eu-unstrip -n --core does), cross-checked with the link_map list.
 * Computed on first call. Sorted by start address. */
size_t dump_module_count(struct dump *d);
const struct dump_module *dump_module(struct dump *d, size_t i);
/** Module containing ADDR, or NULL. */
const struct dump_module *dump_module_by_addr(struct dump *d, uint64_t addr);

/** Signal name ("SIGSEGV") for a Linux signal number, or NULL. */
const char *dump_signal_name(int signo);

/* ---- writer ---------------------------------------------------------- */

struct dump_write_options {
	/** Copy file-backed read-only mappings whole, not only the ELF
	 * header page of each (build-ids) as the kernel does. */
	bool all_memory;
	/** Each warning (pages that could not be read, written as zeros).
	 * May be NULL. */
	void (*warn)(void *arg, const char *msg);
	/** Progress of the memory copy, called after each chunk while the
	 * process is stopped. May be NULL. */
	void (*progress)(void *arg, uint64_t done, uint64_t total);
	void *arg;
	volatile int *cancel;	/* non-zero: stop and remove the file */
};

struct dump_write_stats {
	int pid;
	size_t nthreads;
	size_t nsegments;		/* PT_LOAD headers */
	uint64_t memory_bytes;		/* memory contents in the core */
	uint64_t file_size;
	uint64_t zero_pages;		/* unreadable, written as zeros */
	uint64_t stopped_ns;		/* first attach to last detach */
	uint64_t total_ns;
};

/** Write an ELF core of the live process PID to PATH (NULL: "core.PID")
 * as the kernel would, then let it run on: every thread is stopped with
 * ptrace only while registers and memory are copied. The core is written
 * to PATH.tmp.XXXXXX and renamed when complete; on failure nothing is left.
 * Errors: LPD_ERR_NOT_FOUND ("no process PID", or it exited during the
 * dump), LPD_ERR_OS (permission, already traced, I/O), LPD_ERR_CANCELLED,
 * LPD_ERR_INVALID_ARG (PID is not a process leader), LPD_ERR_UNSUPPORTED
 * (not x86_64). OPTS may be NULL; RET (may be NULL) is set on success. */
struct lpd_error *dump_write_process(int pid, const char *path,
				     const struct dump_write_options *opts,
				     struct dump_write_stats *ret);

#endif
