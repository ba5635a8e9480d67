/* debugger/unwind.c - walk a thread's stack from its registers: CFI rows
 * (cfi.c) first, then the architecture's signal-frame layout, then its
 * frame-pointer step. Naming the frames is left to the callers.
 *
 * Registers the CFI gives no rule for keep their value in the caller
 * ("same value"), on every architecture: that is what libgcc, libunwind and
 * eu-stack effectively do, and it is right for callee-saved registers. For
 * caller-saved ones the value shown in outer frames may be stale; the rows
 * cannot tell us better. */
#include <string.h>

#include "debugger/debugger-int.h"

enum {
	DEFAULT_MAX_FRAMES = 1024,
	/* Frames in a row whose stack pointer does not move (possible in
	 * leaf code without CFI) before we call it a loop. */
	SAME_SP_MAX = 4,
	CODE_PEEK = 16,		/* bytes read at pc for is_sigreturn */
};

/* Why unwinding stopped; static strings for *stop_ret. */
static const char STOP_OUTERMOST[] = "end of stack (return address undefined)";
static const char STOP_PC_ZERO[] = "end of stack (pc is zero)";
static const char STOP_NO_PC[] = "pc unknown";
static const char STOP_NO_INFO[] = "no unwind information for pc";
static const char STOP_LIMIT[] = "frame limit reached";
static const char STOP_MEMORY[] = "cannot read memory for the caller's frame";
static const char STOP_CFA_REG[] = "register needed for the CFA is unknown";
static const char STOP_BAD_CFI[] = "CFI expression could not be evaluated";
static const char STOP_NO_RA[] = "return address unknown";
static const char STOP_SP_DOWN[] = "stack pointer moved down (corrupt stack?)";
static const char STOP_LOOP[] = "CFA did not move (unwinding loop)";
static const char STOP_SIGFRAME[] = "bad signal frame";

struct unwinder {
	const struct dump_arch *arch;
	const struct dbg_unwind_ops *ops;
	struct dbg_cfi_row *row;	/* scratch: rows are 3 KiB */
};

static struct lpd_error *
read_word(const struct unwinder *u, uint64_t addr, uint64_t *ret)
{
	struct lpd_error *err;
	uint8_t buf[8];

	err = u->ops->read(u->ops->read_arg, addr, buf, u->arch->addr_size);
	if (err != NULL)
		return err;
	if (u->arch->addr_size == 4)
		*ret = lpd_load_u32(buf, u->arch->big_endian);
	else
		*ret = lpd_load_u64(buf, u->arch->big_endian);
	return NULL;
}

/* The CFI row for runtime LOOKUP_PC into u->row: .eh_frame, then
 * .debug_frame. *found false when neither covers it, or both are broken
 * there (the fallbacks may still work). Errors: out of memory only. */
static struct lpd_error *
find_row(const struct unwinder *u, uint64_t lookup_pc, bool *found)
{
	struct dbg_objfile *o;
	struct dbg_cfi *cfi;
	struct lpd_error *err;
	uint64_t bias = 0;
	int eh;

	*found = false;
	if (u->ops->find == NULL)
		return NULL;
	o = u->ops->find(u->ops->find_arg, lookup_pc, &bias);
	if (o == NULL)
		return NULL;
	for (eh = 1; eh >= 0; eh--) {
		cfi = dbg_objfile_cfi(o, u->arch, eh);
		if (cfi == NULL)
			continue;
		err = dbg_cfi_find_row(cfi, lookup_pc - bias, u->row);
		if (err == NULL) {
			*found = true;
			return NULL;
		}
		if (err == &lpd_enomem)
			return err;
		lpd_error_destroy(err);
	}
	return NULL;
}

bool
dbg_unwind_callee_saved(const struct dump_arch *arch, unsigned regno)
{
	switch (arch->e_machine) {
	case 62:	/* EM_X86_64: rbx rbp rsp r12-r15 rip */
		return regno == 3 || regno == 6 || regno == 7 ||
		       (regno >= 12 && regno <= 16);
	case 3:		/* EM_386: ebx esp ebp esi edi eip */
		return (regno >= 3 && regno <= 8);
	case 183:	/* EM_AARCH64: x19-x29, sp, pc, d8-d15 */
		return (regno >= 19 && regno <= 29) || regno == 31 ||
		       regno == 32 || (regno >= 72 && regno <= 79);
	case 22:	/* EM_S390: r6-r15 */
		return regno >= 6 && regno <= 15;
	case 21:	/* EM_PPC64: r1, r2, r14-r31 */
		return regno == 1 || regno == 2 ||
		       (regno >= 14 && regno <= 31);
	default:
		return true;
	}
}

static void
known_set(uint64_t *known, unsigned regno)
{
	if (regno < DUMP_MAX_REGS)
		known[regno / 64] |= UINT64_C(1) << (regno % 64);
}

/* Which of CALLER's registers are really recovered after RULES (NULL:
 * a frame-pointer step). */
static void
known_after(const struct dump_arch *arch, const struct dbg_raw_frame *f,
	    const struct dbg_cfi_row *row, const struct dump_regs *caller,
	    uint64_t *known)
{
	unsigned r;

	memset(known, 0, sizeof(uint64_t) * (DUMP_MAX_REGS / 64));
	for (r = 0; r < DUMP_MAX_REGS; r++) {
		bool inner_known = (f->known[r / 64] >> (r % 64)) & 1;
		uint8_t kind = row != NULL ? row->regs[r].kind
					   : DBG_CFI_UNSPECIFIED;

		if (!dump_regs_has(caller, r))
			continue;
		if (r == arch->pc_regno || r == arch->sp_regno)
			known_set(known, r);
		else if (kind == DBG_CFI_UNSPECIFIED ||
			 kind == DBG_CFI_SAME_VALUE) {
			if (inner_known && (kind == DBG_CFI_SAME_VALUE ||
			    dbg_unwind_callee_saved(arch, r)))
				known_set(known, r);
		} else if (kind == DBG_CFI_REGISTER) {
			unsigned from = (unsigned)row->regs[r].offset;

			if (from < DUMP_MAX_REGS &&
			    ((f->known[from / 64] >> (from % 64)) & 1))
				known_set(known, r);
		} else {
			known_set(known, r);
		}
	}
}

/* Evaluate one of the row's expressions; *stop set on failure. */
static void
eval(const struct unwinder *u, const struct dump_regs *regs,
     const uint8_t *expr, uint32_t len, const uint64_t *cfa,
     uint64_t *ret, const char **stop)
{
	const struct dbg_cfi_row *row = u->row;
	struct dbg_expr_ctx ctx = {
		.regs = regs,
		.read = u->ops->read,
		.read_arg = u->ops->read_arg,
		.addr_size = u->arch->addr_size,
		.big_endian = u->arch->big_endian,
	};
	struct lpd_error *err;

	err = dbg_expr_eval(&ctx, expr, len, row->file,
			    row->sec_offset + (uint64_t)(expr - row->sec_data),
			    cfa, ret);
	if (err != NULL) {
		*stop = err->code == LPD_ERR_FAULT ? STOP_MEMORY : STOP_BAD_CFI;
		lpd_error_destroy(err);
	}
}

/* Apply u->row to frame F: the CFA and the caller's registers. */
static void
cfi_step(const struct unwinder *u, const struct dbg_raw_frame *f,
	 struct dump_regs *caller, uint64_t *cfa_ret, const char **stop)
{
	const struct dbg_cfi_row *row = u->row;
	const struct dump_arch *arch = u->arch;
	unsigned nregs = arch->nregs != 0 && arch->nregs <= DUMP_MAX_REGS ?
			 arch->nregs : DUMP_MAX_REGS;
	const struct dbg_cfi_rule *ra_rule;
	uint64_t cfa, v;
	unsigned r;

	*stop = NULL;
	switch (row->cfa_kind) {
	case DBG_CFA_REG_OFFSET:
		if (!dump_regs_has(&f->regs, row->cfa_regno)) {
			*stop = STOP_CFA_REG;
			return;
		}
		cfa = f->regs.value[row->cfa_regno] + (uint64_t)row->cfa_offset;
		break;
	case DBG_CFA_EXPRESSION:
		eval(u, &f->regs, row->cfa_expr, row->cfa_expr_len, NULL,
		     &cfa, stop);
		if (*stop != NULL)
			return;
		break;
	default:
		*stop = STOP_BAD_CFI;
		return;
	}
	if (arch->addr_size == 4)
		cfa &= 0xffffffff;

	memset(caller, 0, sizeof(*caller));
	for (r = 0; r < nregs; r++) {
		const struct dbg_cfi_rule *rule = &row->regs[r];
		const char *why = NULL;

		switch (rule->kind) {
		case DBG_CFI_UNSPECIFIED:
		case DBG_CFI_SAME_VALUE:
			if (dump_regs_has(&f->regs, r))
				dump_regs_set(caller, r, f->regs.value[r]);
			break;
		case DBG_CFI_UNDEFINED:
			break;
		case DBG_CFI_OFFSET:
		case DBG_CFI_EXPRESSION:
			if (rule->kind == DBG_CFI_OFFSET)
				v = cfa + (uint64_t)rule->offset;
			else
				eval(u, &f->regs, rule->expr, rule->expr_len,
				     &cfa, &v, &why);
			if (arch->addr_size == 4)
				v &= 0xffffffff;	/* 32-bit wrap */
			if (why == NULL) {
				struct lpd_error *err = read_word(u, v, &v);

				if (err != NULL) {
					why = STOP_MEMORY;
					lpd_error_destroy(err);
				}
			}
			if (why == NULL)
				dump_regs_set(caller, r, v);
			else if (r == row->ra_regno)
				*stop = why;
			/* Another saved register we cannot read is just
			 * unknown in the caller. */
			break;
		case DBG_CFI_VAL_OFFSET:
			v = cfa + (uint64_t)rule->offset;
			if (arch->addr_size == 4)
				v &= 0xffffffff;
			dump_regs_set(caller, r, v);
			break;
		case DBG_CFI_REGISTER:
			if (dump_regs_has(&f->regs, (unsigned)rule->offset))
				dump_regs_set(caller, r,
					      f->regs.value[rule->offset]);
			break;
		case DBG_CFI_VAL_EXPRESSION:
			eval(u, &f->regs, rule->expr, rule->expr_len, &cfa,
			     &v, &why);
			if (why == NULL)
				dump_regs_set(caller, r, v);
			else if (r == row->ra_regno)
				*stop = why;
			break;
		}
		if (*stop != NULL)
			return;
	}
	/* By definition the CFA is the caller's stack pointer, unless the
	 * CFI says otherwise (signal frames restore it from memory). */
	if (row->regs[arch->sp_regno].kind == DBG_CFI_UNSPECIFIED)
		dump_regs_set(caller, arch->sp_regno, cfa);

	ra_rule = &row->regs[row->ra_regno];
	if (ra_rule->kind == DBG_CFI_UNDEFINED ||
	    (row->ra_regno == arch->pc_regno &&
	     (ra_rule->kind == DBG_CFI_UNSPECIFIED ||
	      ra_rule->kind == DBG_CFI_SAME_VALUE))) {
		/* _start, clone: the ABI's way of saying "outermost". A pc
		 * column that keeps its value would loop forever. */
		*stop = STOP_OUTERMOST;
		return;
	}
	if (!dump_regs_has(caller, row->ra_regno)) {
		*stop = STOP_NO_RA;
		return;
	}
	dump_regs_set(caller, arch->pc_regno, caller->value[row->ra_regno]);
	*cfa_ret = cfa;
}

/* No CFI at F's pc: a sigreturn trampoline, or a frame-pointer chain. */
static void
fallback_step(const struct unwinder *u, struct dbg_raw_frame *f,
	      struct dump_regs *caller, uint64_t *cfa_ret, bool *signal,
	      const char **stop)
{
	const struct dump_arch *arch = u->arch;
	const struct dbg_unwind_ops *ops = u->ops;
	struct lpd_error *err;
	uint8_t code[CODE_PEEK];
	uint64_t sp;

	*stop = NULL;
	*signal = false;
	sp = f->regs.value[arch->sp_regno];
	if (arch->is_sigreturn != NULL && arch->sigframe_regs != NULL &&
	    dump_regs_has(&f->regs, arch->sp_regno)) {
		size_t len = CODE_PEEK;

		err = ops->read(ops->read_arg, f->pc, code, len);
		if (err != NULL) {
			/* The trampoline may end a page before the gap. */
			lpd_error_destroy(err);
			len = 8;
			err = ops->read(ops->read_arg, f->pc, code, len);
		}
		if (err == NULL && arch->is_sigreturn(code, len)) {
			err = arch->sigframe_regs(ops->read, ops->read_arg,
						  sp, caller);
			if (err != NULL) {
				*stop = err->code == LPD_ERR_FAULT ?
					STOP_MEMORY : STOP_SIGFRAME;
				lpd_error_destroy(err);
				return;
			}
			*signal = true;
			*cfa_ret = sp;
			return;
		}
		lpd_error_destroy(err);
	}
	/* Without CFI: the architecture's frame-pointer or back-chain walk,
	 * which checks that its registers are believable (known, and the
	 * chain above the stack pointer). */
	if (arch->fp_step != NULL) {
		err = arch->fp_step(ops->read, ops->read_arg, &f->regs,
				    f->exact_pc, caller);
		if (err == NULL && dump_regs_has(caller, arch->pc_regno) &&
		    dump_regs_has(caller, arch->sp_regno)) {
			*cfa_ret = caller->value[arch->sp_regno];
			return;
		}
		if (err != NULL && err->code == LPD_ERR_FAULT) {
			*stop = STOP_MEMORY;
			lpd_error_destroy(err);
			return;
		}
		lpd_error_destroy(err);
	}
	*stop = STOP_NO_INFO;
}

struct lpd_error *
dbg_unwind_regs(const struct dump_arch *arch,
		const struct dbg_unwind_ops *ops,
		const struct dump_regs *regs,
		size_t max_frames,
		struct dbg_raw_frame **ret, size_t *n_ret,
		const char **stop_ret)
{
	struct unwinder u = { .arch = arch, .ops = ops };
	struct dbg_raw_frame *frames = NULL, *f;
	struct dump_regs caller;
	struct lpd_error *err = NULL;
	const char *stop = NULL;
	size_t n = 0, cap = 0;
	unsigned same_sp = 0;
	bool exact = true, found, signal;
	uint64_t pc, sp, cfa, new_pc, new_sp;
	uint64_t known[DUMP_MAX_REGS / 64];
	uint64_t pc_mask = arch->pc_mask != 0 ? arch->pc_mask :
			   arch->addr_size == 4 ? 0xffffffff : UINT64_MAX;

	if (max_frames == 0)
		max_frames = DEFAULT_MAX_FRAMES;
	u.row = lpd_malloc(sizeof(*u.row));
	if (u.row == NULL)
		return &lpd_enomem;
	caller = *regs;
	memcpy(known, caller.valid, sizeof(known));
	for (;;) {
		if (!dump_regs_has(&caller, arch->pc_regno)) {
			stop = STOP_NO_PC;
			break;
		}
		/* A code address: s390's 31-bit mode keeps the addressing
		 * mode in the top bit of the psw and of r14. */
		pc = caller.value[arch->pc_regno] & pc_mask;
		caller.value[arch->pc_regno] = pc;
		if (pc == 0 && n > 0) {
			stop = STOP_PC_ZERO;
			break;
		}
		if (n == max_frames) {
			stop = STOP_LIMIT;
			break;
		}
		err = lpd_vec_reserve((void **)&frames, &cap, n + 1,
				      sizeof(*frames));
		if (err != NULL)
			goto fail;
		f = &frames[n++];
		memset(f, 0, sizeof(*f));
		f->pc = pc;
		f->exact_pc = exact;
		f->regs = caller;
		memcpy(f->known, known, sizeof(known));

		/* A return address may be just past the function's end (a
		 * call to a noreturn function): look up the call itself. */
		err = find_row(&u, exact || pc == 0 ? pc : pc - 1, &found);
		if (err != NULL)
			goto fail;
		cfa = 0;
		signal = false;
		if (found) {
			cfi_step(&u, f, &caller, &cfa, &stop);
			signal = u.row->signal_frame;
			if (stop == NULL)
				known_after(arch, f, u.row, &caller, known);
		} else {
			fallback_step(&u, f, &caller, &cfa, &signal, &stop);
			if (stop == NULL && signal)
				memcpy(known, caller.valid, sizeof(known));
			else if (stop == NULL)
				known_after(arch, f, NULL, &caller, known);
		}
		if (stop != NULL)
			break;
		f->cfa = cfa;
		f->is_signal = signal;

		new_pc = caller.value[arch->pc_regno] & pc_mask;
		if (new_pc == 0) {
			stop = STOP_PC_ZERO;
			break;
		}
		if (dump_regs_has(&f->regs, arch->sp_regno) &&
		    dump_regs_has(&caller, arch->sp_regno)) {
			sp = f->regs.value[arch->sp_regno];
			new_sp = caller.value[arch->sp_regno];
			if (new_sp == sp && new_pc == pc) {
				stop = STOP_LOOP;
				break;
			}
			/* A handler on an alternate signal stack may sit
			 * anywhere relative to the code it interrupted. */
			if (!signal && new_sp < sp) {
				stop = STOP_SP_DOWN;
				break;
			}
			if (new_sp == sp && ++same_sp > SAME_SP_MAX) {
				stop = STOP_LOOP;
				break;
			}
		}
		/* The caller of a signal frame was interrupted, not
		 * calling: its pc is exact. */
		exact = signal;
	}
	lpd_free(u.row);
	*ret = frames;
	*n_ret = n;
	*stop_ret = stop;
	return NULL;

fail:
	lpd_free(u.row);
	lpd_free(frames);
	return err;
}
