/* dumps/dumps-int.h - private to dumps/ and its tests: the layout of an open
 * core and the calls between its rooms. */
#ifndef LPD_DUMPS_INT_H
#define LPD_DUMPS_INT_H

#include "dumps/dumps.h"

/* ELF constants we need without depending on the host's <elf.h> layouts. */
enum {
	DUMP_PT_LOAD = 1,
	DUMP_PT_DYNAMIC = 2,
	DUMP_PT_NOTE = 4,
	DUMP_PT_PHDR = 6,
	DUMP_ET_EXEC = 2,
	DUMP_ET_DYN = 3,
	DUMP_ET_CORE = 4,
	DUMP_PN_XNUM = 0xffff,
	DUMP_NT_PRSTATUS = 1,
	DUMP_NT_FPREGSET = 2,
	DUMP_NT_PRPSINFO = 3,
	DUMP_NT_AUXV = 6,
	DUMP_NT_GNU_BUILD_ID = 3,
	DUMP_NT_X86_XSTATE = 0x202,
	DUMP_NT_SIGINFO = 0x53494749,
	DUMP_NT_FILE = 0x46494c45,
	DUMP_AT_NULL = 0,
	DUMP_AT_PHDR = 3,
	DUMP_AT_PHENT = 4,
	DUMP_AT_PHNUM = 5,
	DUMP_AT_PAGESZ = 6,
	DUMP_AT_ENTRY = 9,
	DUMP_AT_SYSINFO_EHDR = 33,
	DUMP_AT_EXECFN = 31,
	DUMP_DT_NULL = 0,
	DUMP_DT_DEBUG = 21,
};

/* Bounds on counts read from the core (hostile input). */
enum {
	DUMP_MAX_LINK_MAP = 4096,	/* link_map entries walked */
	DUMP_MAX_PATH = 4096,		/* strings read from memory */
	DUMP_MAX_MODULE_PHNUM = 4096,	/* phdrs of a mapped ELF */
	DUMP_MAX_DYNAMIC = 4096,	/* dynamic entries scanned */
	DUMP_MAX_BUILD_ID = 256,
	DUMP_MAX_WARNINGS = 1000,	/* further warnings are counted only */
};

/* A PT_LOAD segment, file part clamped to the file's size. */
struct dump_segment {
	uint64_t vaddr;
	uint64_t memsz;
	uint64_t offset;	/* in the core */
	uint64_t filesz;	/* bytes present in the core, <= memsz */
};

struct dump_thread {
	int tid;
	int cursig;
	struct dump_regs regs;
	const uint8_t *fpregs;	/* borrowed from the core's mapping */
	size_t fpregs_len;
	const uint8_t *xstate;
	size_t xstate_len;
};

/* A file named by NT_FILE, opened on first read. */
struct dump_file {
	char *core_path;	/* key: the path as NT_FILE names it */
	bool tried;
	const uint8_t *map;	/* NULL: could not open (or empty) */
	size_t size;
};

struct dump_redirect {
	char *core_path;
	char *local_path;
};

struct dump {
	char *path;
	const uint8_t *map;	/* the whole core, read-only */
	size_t size;
	const struct dump_arch *arch;
	bool big_endian;
	unsigned addr_size;
	uint16_t e_type;

	struct dump_segment *loads;	/* sorted by vaddr */
	size_t nloads;

	char **warnings;
	size_t nwarnings, warnings_cap;
	size_t warnings_dropped;

	/* notes.c */
	struct dump_thread *threads;
	size_t nthreads, threads_cap;
	size_t note_thread;	/* 1 + the thread NT_FPREGSET joins; 0 none */
	struct dump_process process;
	bool has_process;
	struct dump_siginfo siginfo;
	bool has_siginfo;
	const uint8_t *auxv;	/* raw pairs of words, borrowed */
	size_t auxv_size;
	struct dump_mapping *mappings;	/* sorted by start */
	size_t nmappings;
	uint64_t file_page_size;	/* NT_FILE's page size, 0 if none */

	/* memory.c */
	char *sysroot;
	struct dump_redirect *redirects;
	size_t nredirects, redirects_cap;
	struct dump_file *files;
	size_t nfiles, files_cap;

	/* modules.c */
	bool modules_done;
	struct dump_module *modules;
	size_t nmodules, modules_cap;
	void **owned;		/* strings, build-ids modules point to */
	size_t nowned, owned_cap;
};

extern const struct dump_arch dump_arch_x86_64;
extern const struct dump_arch dump_arch_x32;
extern const struct dump_arch dump_arch_i386;
extern const struct dump_arch dump_arch_aarch64;
extern const struct dump_arch dump_arch_aarch64_be;
extern const struct dump_arch dump_arch_ppc;
extern const struct dump_arch dump_arch_ppc64;
extern const struct dump_arch dump_arch_ppc64le;
extern const struct dump_arch dump_arch_s390;
extern const struct dump_arch dump_arch_s390x;

/* arch.c */
/** Read a SIZE-byte (4 or 8) word in byte order BE at ADDR (for the
 * tables' fp_step and sigframe_regs). */
struct lpd_error *dump_arch_read_word(dump_read_fn read, void *arg,
				      uint64_t addr, unsigned size, bool be,
				      uint64_t *ret);

/* arch/x86_64.c, shared with arch/x32.c */
const char *dump_x86_64_reg_name(unsigned regno);
void dump_x86_64_regs_from_prstatus(const uint8_t *pr_reg, bool big_endian,
				    struct dump_regs *ret);
/** The registers of the struct sigcontext at ADDR. */
struct lpd_error *dump_x86_64_sigcontext(dump_read_fn read, void *arg,
					 uint64_t addr,
					 struct dump_regs *ret);
struct lpd_error *dump_x86_64_fp_step(dump_read_fn read, void *arg,
				      const struct dump_regs *regs,
				      bool exact, struct dump_regs *ret);

/* core.c */
/** Add a warning "FILE: offset 0xOFF: ..." (dropped when out of memory). */
void dump_warn_at(struct dump *d, uint64_t offset, const char *fmt, ...)
	LPD_PRINTF(3, 4);
void dump_warn(struct dump *d, const char *fmt, ...) LPD_PRINTF(2, 3);
/** Turn ERR into a warning (its message) and destroy it. */
void dump_warn_error(struct dump *d, struct lpd_error *err);

/* notes.c */
/** Parse the notes of the PT_NOTE at [OFFSET, OFFSET+SIZE) of the core,
 * already bounds-checked. Malformed notes become warnings; only
 * LPD_ERR_NOMEM is returned. */
struct lpd_error *dump_notes_parse(struct dump *d, uint64_t offset,
				   uint64_t size);
/** Sort mappings and check threads once every PT_NOTE is parsed. */
void dump_notes_finish(struct dump *d);
void dump_notes_deinit(struct dump *d);

/* memory.c */
void dump_memory_deinit(struct dump *d);

/* modules.c */
void dump_modules_deinit(struct dump *d);

/* writer.c */
/* What the writer acts on in a /proc/PID/smaps "VmFlags:" line. The uffd
 * bits mark ranges whose unpopulated pages wait on a userfaultfd handler
 * when touched, which the stopped process cannot answer. */
enum {
	DUMP_VMF_DONTDUMP = 1 << 0,	/* dd: madvise(MADV_DONTDUMP) */
	DUMP_VMF_IO = 1 << 1,		/* io: device memory */
	DUMP_VMF_UFFD_MISSING = 1 << 2,	/* um */
	DUMP_VMF_UFFD_WP = 1 << 3,	/* uw */
	DUMP_VMF_UFFD_MINOR = 1 << 4,	/* ui */
	DUMP_VMF_UFFD = DUMP_VMF_UFFD_MISSING | DUMP_VMF_UFFD_WP |
			DUMP_VMF_UFFD_MINOR,
};
unsigned dump_smaps_vmflags(const char *line);

#endif
