/* dumps/arch/x86_64.c - x86_64 Linux: NT_PRSTATUS register layout, DWARF
 * numbering, the __restore_rt signal frame and the rbp chain. The x32 ABI
 * (x32.c) shares the registers, the sigcontext and the rbp chain. */
#include <inttypes.h>
#include <string.h>

#include "dumps/dumps-int.h"

enum {
	X86_64_RAX = 0, X86_64_RDX, X86_64_RCX, X86_64_RBX, X86_64_RSI,
	X86_64_RDI, X86_64_RBP, X86_64_RSP, X86_64_R8, X86_64_R9,
	X86_64_R10, X86_64_R11, X86_64_R12, X86_64_R13, X86_64_R14,
	X86_64_R15, X86_64_RIP = 16,
	X86_64_EFLAGS = 49, X86_64_ES, X86_64_CS, X86_64_SS, X86_64_DS,
	X86_64_FS, X86_64_GS, X86_64_FS_BASE = 58, X86_64_GS_BASE = 59,
	X86_64_NREGS = 60,
	X86_64_NONE = -1,
	X86_64_PRSTATUS_NREGS = 27,
	/* struct ucontext: uc_flags, uc_link, stack_t uc_stack (24). */
	X86_64_UC_MCONTEXT = 40,
	X86_64_SIGCONTEXT_SIZE = 152,	/* through the segment words */
};

/* user_regs_struct order (pr_reg) -> DWARF number. */
static const int prstatus_map[X86_64_PRSTATUS_NREGS] = {
	X86_64_R15, X86_64_R14, X86_64_R13, X86_64_R12, X86_64_RBP,
	X86_64_RBX, X86_64_R11, X86_64_R10, X86_64_R9, X86_64_R8,
	X86_64_RAX, X86_64_RCX, X86_64_RDX, X86_64_RSI, X86_64_RDI,
	X86_64_NONE /* orig_rax */, X86_64_RIP, X86_64_CS, X86_64_EFLAGS,
	X86_64_RSP, X86_64_SS, X86_64_FS_BASE, X86_64_GS_BASE, X86_64_DS,
	X86_64_ES, X86_64_FS, X86_64_GS,
};

/* struct sigcontext_64 order: 8-byte words, then cs, gs, fs, ss (u16). */
static const int sigcontext_map[18] = {
	X86_64_R8, X86_64_R9, X86_64_R10, X86_64_R11, X86_64_R12, X86_64_R13,
	X86_64_R14, X86_64_R15, X86_64_RDI, X86_64_RSI, X86_64_RBP,
	X86_64_RBX, X86_64_RDX, X86_64_RAX, X86_64_RCX, X86_64_RSP,
	X86_64_RIP, X86_64_EFLAGS,
};

static const int sigcontext_seg_map[4] = {
	X86_64_CS, X86_64_GS, X86_64_FS, X86_64_SS,
};

static const char *const reg_names[X86_64_NREGS] = {
	"rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip",
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
	"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",
	"st0", "st1", "st2", "st3", "st4", "st5", "st6", "st7",
	"mm0", "mm1", "mm2", "mm3", "mm4", "mm5", "mm6", "mm7",
	"eflags", "es", "cs", "ss", "ds", "fs", "gs", NULL, NULL,
	"fs.base", "gs.base",
};

const char *
dump_x86_64_reg_name(unsigned regno)
{
	return regno < X86_64_NREGS ? reg_names[regno] : NULL;
}

void
dump_x86_64_regs_from_prstatus(const uint8_t *pr_reg, bool big_endian,
			       struct dump_regs *ret)
{
	size_t i;

	memset(ret, 0, sizeof(*ret));
	for (i = 0; i < X86_64_PRSTATUS_NREGS; i++)
		if (prstatus_map[i] != X86_64_NONE)
			dump_regs_set(ret, (unsigned)prstatus_map[i],
				      lpd_load_u64(pr_reg + 8 * i,
						   big_endian));
}

/* glibc's __restore_rt: mov $__NR_rt_sigreturn (15), %rax; syscall. */
static bool
x86_64_is_sigreturn(const uint8_t *code, size_t len)
{
	static const uint8_t restore_rt[] = {
		0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05,
	};

	return len >= sizeof(restore_rt) &&
	       memcmp(code, restore_rt, sizeof(restore_rt)) == 0;
}

struct lpd_error *
dump_x86_64_sigcontext(dump_read_fn read, void *arg, uint64_t addr,
		       struct dump_regs *ret)
{
	uint8_t sc[X86_64_SIGCONTEXT_SIZE];
	struct lpd_error *err;
	struct dump_regs regs;
	size_t i;

	if (addr > UINT64_MAX - sizeof(sc))
		return lpd_error_fault(addr);
	err = read(arg, addr, sc, sizeof(sc));
	if (err != NULL)
		return err;
	memset(&regs, 0, sizeof(regs));
	for (i = 0; i < 18; i++)
		dump_regs_set(&regs, (unsigned)sigcontext_map[i],
			      lpd_load_u64(sc + 8 * i, false));
	for (i = 0; i < 4; i++)
		dump_regs_set(&regs, (unsigned)sigcontext_seg_map[i],
			      lpd_load_u16(sc + 144 + 2 * i, false));
	*ret = regs;
	return NULL;
}

/* The kernel pushes struct rt_sigframe { char *pretcode; struct ucontext
 * uc; struct siginfo info; } and enters the handler with sp at pretcode;
 * the handler's ret pops it, so in the trampoline frame SP is &uc. */
static struct lpd_error *
x86_64_sigframe_regs(dump_read_fn read, void *arg, uint64_t sp,
		     struct dump_regs *ret)
{
	if (sp > UINT64_MAX - X86_64_UC_MCONTEXT)
		return lpd_error_fault(sp);
	return dump_x86_64_sigcontext(read, arg, sp + X86_64_UC_MCONTEXT, ret);
}

/* Code built with frame pointers: push %rbp; mov %rsp,%rbp. The caller's
 * rip is at [rbp+8], its rbp at [rbp], its rsp is rbp+16. */
struct lpd_error *
dump_x86_64_fp_step(dump_read_fn read, void *arg,
		    const struct dump_regs *regs, bool exact,
		    struct dump_regs *ret)
{
	struct dump_regs out;
	struct lpd_error *err;
	uint8_t frame[16];
	uint64_t rbp;

	(void)exact;
	if (!dump_regs_has(regs, X86_64_RBP))
		return lpd_error_format(LPD_ERR_NOT_FOUND,
					"frame pointer unknown");
	rbp = regs->value[X86_64_RBP];
	/* Without CFI a frame pointer is only believable above the stack
	 * pointer. */
	if (rbp == 0 || rbp % 8 != 0 || rbp > UINT64_MAX - 16 ||
	    (dump_regs_has(regs, X86_64_RSP) && rbp < regs->value[X86_64_RSP]))
		return lpd_error_format(LPD_ERR_NOT_FOUND, "frame pointer "
					"0x%" PRIx64 " ends the chain", rbp);
	err = read(arg, rbp, frame, sizeof(frame));
	if (err != NULL)
		return err;
	memset(&out, 0, sizeof(out));
	dump_regs_set(&out, X86_64_RBP, lpd_load_u64(frame, false));
	dump_regs_set(&out, X86_64_RIP, lpd_load_u64(frame + 8, false));
	dump_regs_set(&out, X86_64_RSP, rbp + 16);
	*ret = out;
	return NULL;
}

const struct dump_arch dump_arch_x86_64 = {
	.name = "x86_64",
	.e_machine = 62,	/* EM_X86_64 */
	.addr_size = 8,
	.big_endian = false,
	.pc_regno = X86_64_RIP,
	.sp_regno = X86_64_RSP,
	.fp_regno = X86_64_RBP,
	.ra_regno = X86_64_RIP,
	.nregs = X86_64_NREGS,
	.prstatus_size = 336,
	.prstatus_reg_offset = 112,
	.prstatus_reg_size = 8 * X86_64_PRSTATUS_NREGS,
	.reg_name = dump_x86_64_reg_name,
	.regs_from_prstatus = dump_x86_64_regs_from_prstatus,
	.is_sigreturn = x86_64_is_sigreturn,
	.sigframe_regs = x86_64_sigframe_regs,
	.fp_step = dump_x86_64_fp_step,
};
