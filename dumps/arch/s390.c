/* dumps/arch/s390.c - s390x and 31-bit s390 Linux: the NT_PRSTATUS layout
 * (psw, gprs, access registers), DWARF numbering (psw address 65, as
 * elfutils and GCC), the kernel's sigframe/rt_sigframe and the back chain
 * of code built with -mbackchain. */
#include <inttypes.h>
#include <string.h>

#include "dumps/dumps-int.h"

enum {
	S390_R14 = 14,		/* return address */
	S390_R15 = 15,		/* stack pointer */
	S390_F0 = 16,
	S390_A0 = 48,
	S390_PSWM = 64,
	S390_PSWA = 65,		/* the pc */
	S390_NREGS = 66,
	/* The ABI's register save area in the caller's frame: r14 at slot
	 * 14; a callee's frame is at least 160 (s390x) / 96 (s390) bytes. */
	S390X_FRAME = 160,
	S390_FRAME = 96,
};

static const char *
s390_reg_name(unsigned regno)
{
	static const char *const r[16] = {
		"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9",
		"r10", "r11", "r12", "r13", "r14", "r15",
	};
	/* DWARF 16-31 are f0 f2 f4 f6 f1 f3 f5 f7 f8 f10 ... f15. */
	static const char *const f[16] = {
		"f0", "f2", "f4", "f6", "f1", "f3", "f5", "f7", "f8", "f10",
		"f12", "f14", "f9", "f11", "f13", "f15",
	};
	static const char *const a[16] = {
		"a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9",
		"a10", "a11", "a12", "a13", "a14", "a15",
	};

	if (regno < 16)
		return r[regno];
	if (regno >= S390_F0 && regno < S390_F0 + 16)
		return f[regno - S390_F0];
	if (regno >= S390_A0 && regno < S390_A0 + 16)
		return a[regno - S390_A0];
	if (regno == S390_PSWM)
		return "pswm";
	if (regno == S390_PSWA)
		return "pswa";
	return NULL;
}

/* _sigregs and pr_reg start alike: psw mask, psw address, r0-r15 as
 * words of SIZE bytes; pr_reg then has the 32-bit access registers. */
static void
s390_regs_from_words(const uint8_t *p, unsigned size, bool acrs,
		     struct dump_regs *ret)
{
	unsigned i;

#define W(i) (size == 8 ? lpd_load_u64(p + 8 * (i), true) \
			: lpd_load_u32(p + 4 * (i), true))
	memset(ret, 0, sizeof(*ret));
	dump_regs_set(ret, S390_PSWM, W(0));
	dump_regs_set(ret, S390_PSWA, W(1));
	for (i = 0; i < 16; i++)
		dump_regs_set(ret, i, W(2 + i));
	if (acrs)
		for (i = 0; i < 16; i++)
			dump_regs_set(ret, S390_A0 + i,
				      lpd_load_u32(p + 18 * size + 4 * i,
						   true));
#undef W
}

static void
s390x_regs_from_prstatus(const uint8_t *pr_reg, bool big_endian,
			 struct dump_regs *ret)
{
	(void)big_endian;
	s390_regs_from_words(pr_reg, 8, true, ret);
}

/* 31-bit: a 64-bit kernel keeps the upper halves in NT_S390_HIGH_GPRS;
 * the program uses only the lower ones (as eu-stack). */
static void
s390_regs_from_prstatus(const uint8_t *pr_reg, bool big_endian,
			struct dump_regs *ret)
{
	(void)big_endian;
	s390_regs_from_words(pr_reg, 4, true, ret);
}

/* svc 119 (sigreturn) or svc 173 (rt_sigreturn). */
static bool
s390_is_sigreturn(const uint8_t *code, size_t len)
{
	return len >= 2 && code[0] == 0x0a &&
	       (code[1] == 119 || code[1] == 173);
}

/* Above the handler's minimal frame: struct sigframe { struct sigcontext
 * { oldmask[]; _sigregs *sregs; } sc; _sigregs sregs; ... } or struct
 * rt_sigframe { u16 svc_insn; siginfo (128); struct ucontext uc; } whose
 * uc_mcontext (a _sigregs) follows uc_flags, uc_link and a stack_t. The
 * sigcontext's pointer to the _sigregs right after it tells them apart. */
static struct lpd_error *
s390_sigframe(dump_read_fn read, void *arg, uint64_t sp, unsigned size,
	      struct dump_regs *ret)
{
	uint64_t frame = size == 8 ? S390X_FRAME : S390_FRAME;
	uint64_t sc = sp + frame, sregs_ptr, at;
	uint64_t sc_size = size == 8 ? 16 : 12;
	uint64_t uc = sc + (size == 8 ? 8 : 4) + 128;
	uint64_t uc_mcontext = size == 8 ? 40 : 20;
	uint8_t regs[18 * 8];
	struct lpd_error *err;

	if (sp > (size == 8 ? UINT64_MAX : 0xffffffffu) - 1024)
		return lpd_error_fault(sp);
	err = dump_arch_read_word(read, arg, sc + sc_size - size, size, true,
				  &sregs_ptr);
	if (err != NULL)
		return err;
	at = sregs_ptr == sc + sc_size ? sregs_ptr : uc + uc_mcontext;
	err = read(arg, at, regs, 18 * size);
	if (err != NULL)
		return err;
	s390_regs_from_words(regs, size, false, ret);
	return NULL;
}

static struct lpd_error *
s390x_sigframe_regs(dump_read_fn read, void *arg, uint64_t sp,
		    struct dump_regs *ret)
{
	return s390_sigframe(read, arg, sp, 8, ret);
}

static struct lpd_error *
s390_sigframe_regs(dump_read_fn read, void *arg, uint64_t sp,
		   struct dump_regs *ret)
{
	return s390_sigframe(read, arg, sp & 0x7fffffffu, 4, ret);
}

/* The back chain (-mbackchain): [r15] is the caller's r15, and the
 * function saved r14, its return address, in the caller's register save
 * area at slot 14. Frame 0 (or a frame a signal interrupted) may not have
 * saved r14 nor made its frame yet: its caller is taken from r14 with r15
 * kept, and the chain is read from the next frame on. That can show the
 * caller twice but never skips one. Without -mbackchain word 0 is not a
 * chain; the checks (aligned, moving up) stop a bogus walk early. */
static struct lpd_error *
s390_fp_step(dump_read_fn read, void *arg, const struct dump_regs *regs,
	     bool exact, unsigned size, struct dump_regs *ret)
{
	uint64_t mask = size == 8 ? UINT64_MAX : 0x7fffffffu;
	uint64_t sp, caller_sp, ra;
	struct dump_regs out;
	struct lpd_error *err;

	if (!dump_regs_has(regs, S390_R15))
		return lpd_error_format(LPD_ERR_NOT_FOUND,
					"stack pointer unknown");
	sp = regs->value[S390_R15] & mask;
	if (exact && dump_regs_has(regs, S390_R14) &&
	    (regs->value[S390_R14] & mask) != 0) {
		memset(&out, 0, sizeof(out));
		dump_regs_set(&out, S390_R15, sp);
		dump_regs_set(&out, S390_PSWA, regs->value[S390_R14] & mask);
		*ret = out;
		return NULL;
	}
	if (sp == 0 || sp % 8 != 0)
		return lpd_error_format(LPD_ERR_NOT_FOUND, "stack pointer "
					"0x%" PRIx64 " ends the chain", sp);
	err = dump_arch_read_word(read, arg, sp, size, true, &caller_sp);
	if (err != NULL)
		return err;
	caller_sp &= mask;
	if (caller_sp == 0 || caller_sp % 8 != 0 ||
	    caller_sp < sp + (size == 8 ? S390X_FRAME : S390_FRAME))
		return lpd_error_format(LPD_ERR_NOT_FOUND, "back chain "
					"0x%" PRIx64 " ends the chain",
					caller_sp);
	err = dump_arch_read_word(read, arg, caller_sp + 14 * size, size,
				  true, &ra);
	if (err != NULL)
		return err;
	memset(&out, 0, sizeof(out));
	dump_regs_set(&out, S390_R15, caller_sp);
	dump_regs_set(&out, S390_R14, ra);
	dump_regs_set(&out, S390_PSWA, ra & mask);
	*ret = out;
	return NULL;
}

static struct lpd_error *
s390x_fp_step(dump_read_fn read, void *arg, const struct dump_regs *regs,
	      bool exact, struct dump_regs *ret)
{
	return s390_fp_step(read, arg, regs, exact, 8, ret);
}

static struct lpd_error *
s390_fp_step31(dump_read_fn read, void *arg, const struct dump_regs *regs,
	       bool exact, struct dump_regs *ret)
{
	return s390_fp_step(read, arg, regs, exact, 4, ret);
}

const struct dump_arch dump_arch_s390x = {
	.name = "s390x",
	.e_machine = 22,	/* EM_S390 */
	.addr_size = 8,
	.big_endian = true,
	.pc_regno = S390_PSWA,
	.sp_regno = S390_R15,
	.fp_regno = S390_R15,
	.ra_regno = S390_R14,
	.nregs = S390_NREGS,
	.prstatus_size = 336,
	.prstatus_reg_offset = 112,
	.prstatus_reg_size = 8 * 18 + 4 * 16,
	.reg_name = s390_reg_name,
	.regs_from_prstatus = s390x_regs_from_prstatus,
	.is_sigreturn = s390_is_sigreturn,
	.sigframe_regs = s390x_sigframe_regs,
	.fp_step = s390x_fp_step,
};

/* 32-bit elf_prstatus with pr_reg 8-aligned (psw_compat_t): pr_reg at 72,
 * 35 words and padding, pr_fpvalid at 216. */
const struct dump_arch dump_arch_s390 = {
	.name = "s390",
	.e_machine = 22,
	.addr_size = 4,
	.big_endian = true,
	.pc_regno = S390_PSWA,
	.sp_regno = S390_R15,
	.fp_regno = S390_R15,
	.ra_regno = S390_R14,
	.nregs = S390_NREGS,
	.prstatus_size = 224,
	.prstatus_reg_offset = 72,
	.prstatus_reg_size = 4 * 18 + 4 * 16,
	.reg_name = s390_reg_name,
	.regs_from_prstatus = s390_regs_from_prstatus,
	.is_sigreturn = s390_is_sigreturn,
	.sigframe_regs = s390_sigframe_regs,
	.fp_step = s390_fp_step31,
	.pc_mask = 0x7fffffffu,
};
