/* dumps/arch/aarch64.c - AArch64 Linux (little- and big-endian): the
 * NT_PRSTATUS layout, AADWARF64 numbering, the kernel's rt_sigframe and
 * frame records (x29 chain) for code without CFI. */
#include <inttypes.h>
#include <string.h>

#include "dumps/dumps-int.h"

enum {
	AARCH64_X29 = 29,	/* frame pointer */
	AARCH64_X30 = 30,	/* link register */
	AARCH64_SP = 31,
	AARCH64_PC = 32,
	AARCH64_V0 = 64,
	AARCH64_NREGS = 96,
	AARCH64_PRSTATUS_NREGS = 34,	/* x0-x30, sp, pc, pstate */
	/* struct rt_sigframe { siginfo (128); struct ucontext uc; }, and
	 * uc_mcontext (16-aligned, after the 1024-bit sigmask area) at 176;
	 * struct sigcontext { fault_address; regs[31]; sp; pc; pstate }. */
	AARCH64_SIGFRAME_REGS = 128 + 176 + 8,
};

static const char *
aarch64_reg_name(unsigned regno)
{
	static const char *const x[31] = {
		"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9",
		"x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "x18",
		"x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27",
		"x28", "x29", "x30",
	};
	static const char *const v[32] = {
		"v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9",
		"v10", "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18",
		"v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27",
		"v28", "v29", "v30", "v31",
	};

	if (regno < 31)
		return x[regno];
	if (regno == AARCH64_SP)
		return "sp";
	if (regno == AARCH64_PC)
		return "pc";
	if (regno >= AARCH64_V0 && regno < AARCH64_V0 + 32)
		return v[regno - AARCH64_V0];
	return NULL;
}

/* user_pt_regs: x0-x30, sp, pc in DWARF order already; pstate has no
 * DWARF number. */
static void
aarch64_regs_from_prstatus(const uint8_t *pr_reg, bool big_endian,
			   struct dump_regs *ret)
{
	unsigned i;

	memset(ret, 0, sizeof(*ret));
	for (i = 0; i <= AARCH64_PC; i++)
		dump_regs_set(ret, i, lpd_load_u64(pr_reg + 8 * i, big_endian));
}

/* The vdso's __kernel_rt_sigreturn: mov x8, #139; svc #0. Instructions
 * are little-endian in both data byte orders. */
static bool
aarch64_is_sigreturn(const uint8_t *code, size_t len)
{
	static const uint8_t tramp[] = {
		0x68, 0x11, 0x80, 0xd2, 0x01, 0x00, 0x00, 0xd4,
	};

	return len >= sizeof(tramp) && memcmp(code, tramp, sizeof(tramp)) == 0;
}

/* In the trampoline frame sp is the struct rt_sigframe itself. */
static struct lpd_error *
aarch64_sigframe(dump_read_fn read, void *arg, uint64_t sp, bool be,
		 struct dump_regs *ret)
{
	uint8_t regs[8 * (AARCH64_PC + 1)];
	struct dump_regs out;
	struct lpd_error *err;
	unsigned i;

	if (sp > UINT64_MAX - AARCH64_SIGFRAME_REGS - sizeof(regs))
		return lpd_error_fault(sp);
	err = read(arg, sp + AARCH64_SIGFRAME_REGS, regs, sizeof(regs));
	if (err != NULL)
		return err;
	memset(&out, 0, sizeof(out));
	for (i = 0; i <= AARCH64_PC; i++)
		dump_regs_set(&out, i, lpd_load_u64(regs + 8 * i, be));
	*ret = out;
	return NULL;
}

static struct lpd_error *
aarch64_sigframe_le(dump_read_fn read, void *arg, uint64_t sp,
		    struct dump_regs *ret)
{
	return aarch64_sigframe(read, arg, sp, false, ret);
}

static struct lpd_error *
aarch64_sigframe_be(dump_read_fn read, void *arg, uint64_t sp,
		    struct dump_regs *ret)
{
	return aarch64_sigframe(read, arg, sp, true, ret);
}

/* Frame records: x29 points at { caller's x29, return address }, the
 * caller's sp is x29 + 16. The caller's pc is x30, which holds the return
 * address until the function saves it (and is what the record gives in
 * outer frames); the caller's x30 is then read from the record. A frame 0
 * that had pushed its record shows its caller twice, but none is skipped,
 * and it is what eu-stack does, so backtraces compare. */
static struct lpd_error *
aarch64_fp_step(dump_read_fn read, void *arg, const struct dump_regs *regs,
		bool be, struct dump_regs *ret)
{
	struct dump_regs out;
	struct lpd_error *err;
	uint64_t fp, lr, sp, new_fp, new_lr;

	if (!dump_regs_has(regs, AARCH64_X30) || regs->value[AARCH64_X30] == 0)
		return lpd_error_format(LPD_ERR_NOT_FOUND,
					"link register unknown");
	if (!dump_regs_has(regs, AARCH64_SP))
		return lpd_error_format(LPD_ERR_NOT_FOUND,
					"stack pointer unknown");
	lr = regs->value[AARCH64_X30];
	sp = regs->value[AARCH64_SP];
	fp = dump_regs_has(regs, AARCH64_X29) ? regs->value[AARCH64_X29] : 0;
	memset(&out, 0, sizeof(out));
	if (fp != 0) {
		if (fp % 8 != 0 || fp < sp || fp > UINT64_MAX - 16)
			return lpd_error_format(LPD_ERR_NOT_FOUND,
						"frame pointer 0x%" PRIx64
						" ends the chain", fp);
		err = dump_arch_read_word(read, arg, fp + 8, 8, be, &new_lr);
		if (err == NULL)
			err = dump_arch_read_word(read, arg, fp, 8, be,
						  &new_fp);
		if (err != NULL)
			return err;
		dump_regs_set(&out, AARCH64_X29, new_fp);
		dump_regs_set(&out, AARCH64_X30, new_lr);
		dump_regs_set(&out, AARCH64_SP, fp + 16);
	} else {
		/* The end of the chain (_start clears x29): only x30 is
		 * left, and the walk stops at the next frame. */
		dump_regs_set(&out, AARCH64_SP, sp);
	}
	dump_regs_set(&out, AARCH64_PC, lr);
	*ret = out;
	return NULL;
}

static struct lpd_error *
aarch64_fp_step_le(dump_read_fn read, void *arg, const struct dump_regs *regs,
		   bool exact, struct dump_regs *ret)
{
	(void)exact;
	return aarch64_fp_step(read, arg, regs, false, ret);
}

static struct lpd_error *
aarch64_fp_step_be(dump_read_fn read, void *arg, const struct dump_regs *regs,
		   bool exact, struct dump_regs *ret)
{
	(void)exact;
	return aarch64_fp_step(read, arg, regs, true, ret);
}

const struct dump_arch dump_arch_aarch64 = {
	.name = "aarch64",
	.e_machine = 183,	/* EM_AARCH64 */
	.addr_size = 8,
	.big_endian = false,
	.pc_regno = AARCH64_PC,
	.sp_regno = AARCH64_SP,
	.fp_regno = AARCH64_X29,
	.ra_regno = AARCH64_X30,
	.nregs = AARCH64_NREGS,
	.prstatus_size = 392,
	.prstatus_reg_offset = 112,
	.prstatus_reg_size = 8 * AARCH64_PRSTATUS_NREGS,
	.reg_name = aarch64_reg_name,
	.regs_from_prstatus = aarch64_regs_from_prstatus,
	.is_sigreturn = aarch64_is_sigreturn,
	.sigframe_regs = aarch64_sigframe_le,
	.fp_step = aarch64_fp_step_le,
};

const struct dump_arch dump_arch_aarch64_be = {
	.name = "aarch64_be",
	.e_machine = 183,
	.addr_size = 8,
	.big_endian = true,
	.pc_regno = AARCH64_PC,
	.sp_regno = AARCH64_SP,
	.fp_regno = AARCH64_X29,
	.ra_regno = AARCH64_X30,
	.nregs = AARCH64_NREGS,
	.prstatus_size = 392,
	.prstatus_reg_offset = 112,
	.prstatus_reg_size = 8 * AARCH64_PRSTATUS_NREGS,
	.reg_name = aarch64_reg_name,
	.regs_from_prstatus = aarch64_regs_from_prstatus,
	.is_sigreturn = aarch64_is_sigreturn,
	.sigframe_regs = aarch64_sigframe_be,
	.fp_step = aarch64_fp_step_be,
};
