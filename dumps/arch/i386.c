/* dumps/arch/i386.c - i386 Linux: the 32-bit NT_PRSTATUS layout, DWARF
 * numbering, the kernel's sigframe and rt_sigframe and the ebp chain. */
#include <inttypes.h>
#include <string.h>

#include "dumps/dumps-int.h"

enum {
	I386_EAX = 0, I386_ECX, I386_EDX, I386_EBX, I386_ESP, I386_EBP,
	I386_ESI, I386_EDI, I386_EIP = 8, I386_EFLAGS = 9,
	I386_ES = 40, I386_CS, I386_SS, I386_DS, I386_FS, I386_GS,
	I386_NREGS = 46,
	I386_NONE = -1,
	I386_PRSTATUS_NREGS = 17,
	I386_SIGCONTEXT_SIZE = 19 * 4,
	/* rt_sigframe after the handler's ret: sig, pinfo, puc, siginfo
	 * (128), then struct ucontext whose uc_mcontext is at 20. */
	I386_RT_PINFO = 12,
	I386_RT_UC = 12 + 128,
	I386_UC_MCONTEXT = 20,
};

/* user_regs_struct order -> DWARF. */
static const int prstatus_map[I386_PRSTATUS_NREGS] = {
	I386_EBX, I386_ECX, I386_EDX, I386_ESI, I386_EDI, I386_EBP, I386_EAX,
	I386_DS, I386_ES, I386_FS, I386_GS, I386_NONE /* orig_eax */,
	I386_EIP, I386_CS, I386_EFLAGS, I386_ESP, I386_SS,
};

/* struct sigcontext (32-bit) order. */
static const int sigcontext_map[19] = {
	I386_GS, I386_FS, I386_ES, I386_DS, I386_EDI, I386_ESI, I386_EBP,
	I386_ESP, I386_EBX, I386_EDX, I386_ECX, I386_EAX, I386_NONE /* trapno */,
	I386_NONE /* err */, I386_EIP, I386_CS, I386_EFLAGS,
	I386_NONE /* esp_at_signal */, I386_SS,
};

static const char *const reg_names[I386_NREGS] = {
	"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip",
	"eflags", "trapno", "st0", "st1", "st2", "st3", "st4", "st5", "st6",
	"st7", NULL, NULL, "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
	"xmm6", "xmm7", "mm0", "mm1", "mm2", "mm3", "mm4", "mm5", "mm6",
	"mm7", NULL, NULL, NULL, "es", "cs", "ss", "ds", "fs", "gs",
};

static const char *
i386_reg_name(unsigned regno)
{
	return regno < I386_NREGS ? reg_names[regno] : NULL;
}

static void
i386_regs_from_prstatus(const uint8_t *pr_reg, bool big_endian,
			struct dump_regs *ret)
{
	size_t i;

	memset(ret, 0, sizeof(*ret));
	for (i = 0; i < I386_PRSTATUS_NREGS; i++)
		if (prstatus_map[i] != I386_NONE)
			dump_regs_set(ret, (unsigned)prstatus_map[i],
				      lpd_load_u32(pr_reg + 4 * i,
						   big_endian));
}

/* The vdso's __kernel_sigreturn (pop %eax; mov $119,%eax; int $0x80) and
 * __kernel_rt_sigreturn or glibc's __restore_rt (mov $173,%eax; int
 * $0x80). */
static bool
i386_is_sigreturn(const uint8_t *code, size_t len)
{
	static const uint8_t sig[] = {
		0x58, 0xb8, 0x77, 0x00, 0x00, 0x00, 0xcd, 0x80,
	};
	static const uint8_t rt[] = {
		0xb8, 0xad, 0x00, 0x00, 0x00, 0xcd, 0x80,
	};

	return (len >= sizeof(sig) && memcmp(code, sig, sizeof(sig)) == 0) ||
	       (len >= sizeof(rt) && memcmp(code, rt, sizeof(rt)) == 0);
}

/* After the handler's ret, sp points at the signal number: struct
 * sigframe has the sigcontext right after it, struct rt_sigframe first
 * the pointers to its siginfo and ucontext, which tell the two apart. */
static struct lpd_error *
i386_sigframe_regs(dump_read_fn read, void *arg, uint64_t sp,
		   struct dump_regs *ret)
{
	uint8_t sc[I386_SIGCONTEXT_SIZE], head[12];
	struct lpd_error *err;
	struct dump_regs regs;
	uint64_t at;
	size_t i;

	if (sp > 0xffffffffu - I386_RT_UC - I386_UC_MCONTEXT - sizeof(sc))
		return lpd_error_fault(sp);
	err = read(arg, sp, head, sizeof(head));
	if (err != NULL)
		return err;
	if (lpd_load_u32(head + 4, false) == sp + I386_RT_PINFO &&
	    lpd_load_u32(head + 8, false) == sp + I386_RT_UC)
		at = sp + I386_RT_UC + I386_UC_MCONTEXT;
	else
		at = sp + 4;
	err = read(arg, at, sc, sizeof(sc));
	if (err != NULL)
		return err;
	memset(&regs, 0, sizeof(regs));
	for (i = 0; i < 19; i++) {
		uint32_t v = lpd_load_u32(sc + 4 * i, false);

		if (sigcontext_map[i] == I386_NONE)
			continue;
		if (i < 4 || sigcontext_map[i] == I386_CS ||
		    sigcontext_map[i] == I386_SS)
			v &= 0xffff;
		dump_regs_set(&regs, (unsigned)sigcontext_map[i], v);
	}
	*ret = regs;
	return NULL;
}

/* push %ebp; mov %esp,%ebp: the caller's eip at [ebp+4], its ebp at
 * [ebp], its esp is ebp+8. */
static struct lpd_error *
i386_fp_step(dump_read_fn read, void *arg, const struct dump_regs *regs,
	     bool exact, struct dump_regs *ret)
{
	struct dump_regs out;
	struct lpd_error *err;
	uint8_t frame[8];
	uint64_t ebp;

	(void)exact;
	if (!dump_regs_has(regs, I386_EBP))
		return lpd_error_format(LPD_ERR_NOT_FOUND,
					"frame pointer unknown");
	ebp = regs->value[I386_EBP] & 0xffffffffu;
	if (ebp == 0 || ebp % 4 != 0 || ebp > 0xffffffffu - 8 ||
	    (dump_regs_has(regs, I386_ESP) && ebp < regs->value[I386_ESP]))
		return lpd_error_format(LPD_ERR_NOT_FOUND, "frame pointer "
					"0x%" PRIx64 " ends the chain", ebp);
	err = read(arg, ebp, frame, sizeof(frame));
	if (err != NULL)
		return err;
	memset(&out, 0, sizeof(out));
	dump_regs_set(&out, I386_EBP, lpd_load_u32(frame, false));
	dump_regs_set(&out, I386_EIP, lpd_load_u32(frame + 4, false));
	dump_regs_set(&out, I386_ESP, ebp + 8);
	*ret = out;
	return NULL;
}

const struct dump_arch dump_arch_i386 = {
	.name = "i386",
	.e_machine = 3,		/* EM_386 */
	.addr_size = 4,
	.big_endian = false,
	.pc_regno = I386_EIP,
	.sp_regno = I386_ESP,
	.fp_regno = I386_EBP,
	.ra_regno = I386_EIP,
	.nregs = I386_NREGS,
	.prstatus_size = 144,
	.prstatus_reg_offset = 72,
	.prstatus_reg_size = 4 * I386_PRSTATUS_NREGS,
	.reg_name = i386_reg_name,
	.regs_from_prstatus = i386_regs_from_prstatus,
	.is_sigreturn = i386_is_sigreturn,
	.sigframe_regs = i386_sigframe_regs,
	.fp_step = i386_fp_step,
};
