/* dumps/arch/x32.c - the x32 ABI of x86_64 Linux (ELFCLASS32, EM_X86_64):
 * x86_64 registers in a 32-bit NT_PRSTATUS, 32-bit pointers, the x32
 * rt_sigframe; registers, sigcontext and rbp chain from x86_64.c. */
#include <string.h>

#include "dumps/dumps-int.h"

enum {
	X32_RIP = 16,
	X32_RSP = 7,
	X32_RBP = 6,
	X32_NREGS = 60,
	/* struct ucontext_x32: uc_flags, uc_link (4 each), a 12-byte
	 * compat stack_t and 4 bytes of padding, then the 64-bit
	 * sigcontext. The handler's ret popped the 8-byte pretcode. */
	X32_UC_MCONTEXT = 24,
};

/* glibc's x32 __restore_rt: mov $__NR_rt_sigreturn|__X32_SYSCALL_BIT
 * (0x40000201), %eax (or %rax); syscall. */
static bool
x32_is_sigreturn(const uint8_t *code, size_t len)
{
	static const uint8_t eax[] = {
		0xb8, 0x01, 0x02, 0x00, 0x40, 0x0f, 0x05,
	};
	static const uint8_t rax[] = {
		0x48, 0xc7, 0xc0, 0x01, 0x02, 0x00, 0x40, 0x0f, 0x05,
	};

	return (len >= sizeof(eax) && memcmp(code, eax, sizeof(eax)) == 0) ||
	       (len >= sizeof(rax) && memcmp(code, rax, sizeof(rax)) == 0);
}

static struct lpd_error *
x32_sigframe_regs(dump_read_fn read, void *arg, uint64_t sp,
		  struct dump_regs *ret)
{
	if (sp > 0xffffffffu - X32_UC_MCONTEXT)
		return lpd_error_fault(sp);
	return dump_x86_64_sigcontext(read, arg, sp + X32_UC_MCONTEXT, ret);
}

/* 32-bit elf_prstatus (pr_reg at 72) around the 27 8-byte registers. */
const struct dump_arch dump_arch_x32 = {
	.name = "x32",
	.e_machine = 62,	/* EM_X86_64 */
	.addr_size = 4,
	.big_endian = false,
	.pc_regno = X32_RIP,
	.sp_regno = X32_RSP,
	.fp_regno = X32_RBP,
	.ra_regno = X32_RIP,
	.nregs = X32_NREGS,
	.prstatus_size = 296,
	.prstatus_reg_offset = 72,
	.prstatus_reg_size = 8 * 27,
	.reg_name = dump_x86_64_reg_name,
	.regs_from_prstatus = dump_x86_64_regs_from_prstatus,
	.is_sigreturn = x32_is_sigreturn,
	.sigframe_regs = x32_sigframe_regs,
	.fp_step = dump_x86_64_fp_step,
};
