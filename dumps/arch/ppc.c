/* dumps/arch/ppc.c - PowerPC Linux: 32-bit ppc, big-endian ppc64 (ELFv1)
 * and ppc64le (ELFv2). The NT_PRSTATUS pt_regs layout, GCC's .eh_frame
 * numbering (LR 65, CTR 66), the ppc64 rt_sigframe and the back chain. */
#include <inttypes.h>
#include <string.h>

#include "dumps/dumps-int.h"

enum {
	PPC_R1 = 1,		/* stack pointer, back chain */
	PPC_F0 = 32,
	PPC_CR = 64,
	PPC_LR = 65,		/* .eh_frame's return-address column */
	PPC_CTR = 66,
	PPC_XER = 76,
	PPC_LR_DWARF = 108,	/* the SysV DWARF number of LR */
	PPC_NIP = 127,		/* the pc: no DWARF number, one unused */
	PPC_NREGS = 128,
	PPC_PRSTATUS_NREGS = 48,	/* ELF_NGREG */
	/* pt_regs: gpr[32], nip, msr, orig_gpr3, ctr, link, xer, ccr. */
	PT_NIP = 32, PT_CTR = 35, PT_LINK = 36, PT_XER = 37, PT_CCR = 38,
	/* ppc64: the handler's frame (__SIGNAL_FRAMESIZE 128) sits on the
	 * rt_sigframe, whose ucontext has uc_mcontext at 168 and gp_regs
	 * at 64 into the sigcontext. */
	PPC64_SIGFRAME_REGS = 128 + 168 + 64,
};

static const char *
ppc_reg_name(unsigned regno)
{
	static const char *const names[64] = {
		"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9",
		"r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18",
		"r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27",
		"r28", "r29", "r30", "r31", "f0", "f1", "f2", "f3", "f4",
		"f5", "f6", "f7", "f8", "f9", "f10", "f11", "f12", "f13",
		"f14", "f15", "f16", "f17", "f18", "f19", "f20", "f21", "f22",
		"f23", "f24", "f25", "f26", "f27", "f28", "f29", "f30", "f31",
	};

	if (regno < 64)
		return names[regno];
	switch (regno) {
	case PPC_CR:
		return "cr";
	case PPC_LR:
	case PPC_LR_DWARF:
		return "lr";
	case PPC_CTR:
		return "ctr";
	case PPC_XER:
		return "xer";
	case PPC_NIP:
		return "nip";
	default:
		return NULL;
	}
}

/* pt_regs words (SIZE bytes each) at REGS -> DWARF. */
static void
ppc_regs_from_pt_regs(const uint8_t *regs, unsigned size, bool be,
		      struct dump_regs *ret)
{
	unsigned i;

#define W(i) (size == 8 ? lpd_load_u64(regs + 8 * (i), be) \
			: lpd_load_u32(regs + 4 * (i), be))
	memset(ret, 0, sizeof(*ret));
	for (i = 0; i < 32; i++)
		dump_regs_set(ret, i, W(i));
	dump_regs_set(ret, PPC_NIP, W(PT_NIP));
	dump_regs_set(ret, PPC_CTR, W(PT_CTR));
	dump_regs_set(ret, PPC_LR, W(PT_LINK));
	dump_regs_set(ret, PPC_LR_DWARF, W(PT_LINK));
	dump_regs_set(ret, PPC_XER, W(PT_XER));
	dump_regs_set(ret, PPC_CR, W(PT_CCR));
#undef W
}

static void
ppc32_regs_from_prstatus(const uint8_t *pr_reg, bool big_endian,
			 struct dump_regs *ret)
{
	ppc_regs_from_pt_regs(pr_reg, 4, big_endian, ret);
}

static void
ppc64_regs_from_prstatus(const uint8_t *pr_reg, bool big_endian,
			 struct dump_regs *ret)
{
	ppc_regs_from_pt_regs(pr_reg, 8, big_endian, ret);
}

/* The vdso's __kernel_sigtramp_rt64: li r0,172 (rt_sigreturn); sc.
 * Instructions are in the data byte order. */
static bool
ppc_is_sigreturn(const uint8_t *code, size_t len, bool be)
{
	return len >= 8 && lpd_load_u32(code, be) == 0x380000ac &&
	       lpd_load_u32(code + 4, be) == 0x44000002;
}

static bool
ppc64_is_sigreturn_be(const uint8_t *code, size_t len)
{
	return ppc_is_sigreturn(code, len, true);
}

static bool
ppc64_is_sigreturn_le(const uint8_t *code, size_t len)
{
	return ppc_is_sigreturn(code, len, false);
}

static struct lpd_error *
ppc64_sigframe(dump_read_fn read, void *arg, uint64_t sp, bool be,
	       struct dump_regs *ret)
{
	uint8_t regs[8 * (PT_CCR + 1)];
	struct lpd_error *err;

	if (sp > UINT64_MAX - PPC64_SIGFRAME_REGS - sizeof(regs))
		return lpd_error_fault(sp);
	err = read(arg, sp + PPC64_SIGFRAME_REGS, regs, sizeof(regs));
	if (err != NULL)
		return err;
	ppc_regs_from_pt_regs(regs, 8, be, ret);
	return NULL;
}

static struct lpd_error *
ppc64_sigframe_be(dump_read_fn read, void *arg, uint64_t sp,
		  struct dump_regs *ret)
{
	return ppc64_sigframe(read, arg, sp, true, ret);
}

static struct lpd_error *
ppc64_sigframe_le(dump_read_fn read, void *arg, uint64_t sp,
		  struct dump_regs *ret)
{
	return ppc64_sigframe(read, arg, sp, false, ret);
}

/* The back chain: [r1] is the caller's r1, and each frame saves its LR in
 * its caller's frame (at sp+16 on ppc64, sp+4 on ppc32). The caller's pc
 * is the LR register, which holds the return address until the callee
 * saves it; the caller's LR is what the callee saved. A frame that had
 * saved its LR shows its caller twice; none is skipped (as eu-stack). */
static struct lpd_error *
ppc_fp_step(dump_read_fn read, void *arg, const struct dump_regs *regs,
	    unsigned size, bool be, struct dump_regs *ret)
{
	uint64_t mask = size == 4 ? 0xffffffffu : UINT64_MAX;
	uint64_t sp, lr, new_sp, new_lr;
	struct dump_regs out;
	struct lpd_error *err;

	if (!dump_regs_has(regs, PPC_LR) || regs->value[PPC_LR] == 0)
		return lpd_error_format(LPD_ERR_NOT_FOUND,
					"link register unknown");
	if (!dump_regs_has(regs, PPC_R1))
		return lpd_error_format(LPD_ERR_NOT_FOUND,
					"stack pointer unknown");
	lr = regs->value[PPC_LR] & mask;
	sp = regs->value[PPC_R1] & mask;
	if (sp == 0 || sp % size != 0)
		return lpd_error_format(LPD_ERR_NOT_FOUND, "stack pointer "
					"0x%" PRIx64 " ends the chain", sp);
	err = dump_arch_read_word(read, arg, sp, size, be, &new_sp);
	if (err != NULL)
		return err;
	if (new_sp <= sp)
		return lpd_error_format(LPD_ERR_NOT_FOUND, "back chain "
					"0x%" PRIx64 " ends the chain", new_sp);
	memset(&out, 0, sizeof(out));
	err = dump_arch_read_word(read, arg, new_sp + (size == 8 ? 16 : 4),
				  size, be, &new_lr);
	if (err == NULL) {
		dump_regs_set(&out, PPC_LR, new_lr);
		dump_regs_set(&out, PPC_LR_DWARF, new_lr);
	}
	lpd_error_destroy(err);
	dump_regs_set(&out, PPC_R1, new_sp);
	dump_regs_set(&out, PPC_NIP, lr);
	*ret = out;
	return NULL;
}

static struct lpd_error *
ppc32_fp_step(dump_read_fn read, void *arg, const struct dump_regs *regs,
	      bool exact, struct dump_regs *ret)
{
	(void)exact;
	return ppc_fp_step(read, arg, regs, 4, true, ret);
}

static struct lpd_error *
ppc64_fp_step_be(dump_read_fn read, void *arg, const struct dump_regs *regs,
		 bool exact, struct dump_regs *ret)
{
	(void)exact;
	return ppc_fp_step(read, arg, regs, 8, true, ret);
}

static struct lpd_error *
ppc64_fp_step_le(dump_read_fn read, void *arg, const struct dump_regs *regs,
		 bool exact, struct dump_regs *ret)
{
	(void)exact;
	return ppc_fp_step(read, arg, regs, 8, false, ret);
}

/* 32-bit elf_prstatus: pr_reg at 72, then pr_fpvalid. */
const struct dump_arch dump_arch_ppc = {
	.name = "ppc",
	.e_machine = 20,	/* EM_PPC */
	.addr_size = 4,
	.big_endian = true,
	.pc_regno = PPC_NIP,
	.sp_regno = PPC_R1,
	.fp_regno = PPC_R1,
	.ra_regno = PPC_LR,
	.nregs = PPC_NREGS,
	.prstatus_size = 268,
	.prstatus_reg_offset = 72,
	.prstatus_reg_size = 4 * PPC_PRSTATUS_NREGS,
	.reg_name = ppc_reg_name,
	.regs_from_prstatus = ppc32_regs_from_prstatus,
	.fp_step = ppc32_fp_step,
};

const struct dump_arch dump_arch_ppc64 = {
	.name = "ppc64",
	.e_machine = 21,	/* EM_PPC64 */
	.addr_size = 8,
	.big_endian = true,
	.pc_regno = PPC_NIP,
	.sp_regno = PPC_R1,
	.fp_regno = PPC_R1,
	.ra_regno = PPC_LR,
	.nregs = PPC_NREGS,
	.prstatus_size = 504,
	.prstatus_reg_offset = 112,
	.prstatus_reg_size = 8 * PPC_PRSTATUS_NREGS,
	.reg_name = ppc_reg_name,
	.regs_from_prstatus = ppc64_regs_from_prstatus,
	.is_sigreturn = ppc64_is_sigreturn_be,
	.sigframe_regs = ppc64_sigframe_be,
	.fp_step = ppc64_fp_step_be,
};

const struct dump_arch dump_arch_ppc64le = {
	.name = "ppc64le",
	.e_machine = 21,
	.addr_size = 8,
	.big_endian = false,
	.pc_regno = PPC_NIP,
	.sp_regno = PPC_R1,
	.fp_regno = PPC_R1,
	.ra_regno = PPC_LR,
	.nregs = PPC_NREGS,
	.prstatus_size = 504,
	.prstatus_reg_offset = 112,
	.prstatus_reg_size = 8 * PPC_PRSTATUS_NREGS,
	.reg_name = ppc_reg_name,
	.regs_from_prstatus = ppc64_regs_from_prstatus,
	.is_sigreturn = ppc64_is_sigreturn_le,
	.sigframe_regs = ppc64_sigframe_le,
	.fp_step = ppc64_fp_step_le,
};
