/* tests/debugger/test-unwind-arch.c - one synthetic core per architecture,
 * built in memory by the test (an ELF core of that class and byte order
 * with one NT_PRSTATUS in the architecture's layout and one PT_LOAD of
 * stack bytes forming its frame-pointer chain, back chain or frame
 * records), read with dump_open() and unwound without CFI by
 * dbg_unwind_regs(): the pcs must be the ones the stack encodes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "debugger/debugger-int.h"

enum {
	MEM_BASE = 0x10000,	/* the PT_LOAD: code page, then stack */
	MEM_SIZE = 0x2000,
	CODE = MEM_BASE,
	STACK = MEM_BASE + 0x1000,
	MAX_PCS = 8,
};

/* A core under construction: registers by pr_reg slot, memory bytes. */
struct synth {
	const char *arch;	/* expected dump_arch name */
	uint16_t machine;
	unsigned elfclass;	/* 1 or 2 */
	bool be;
	size_t prstatus_size, reg_offset;
	unsigned slot;		/* bytes per pr_reg slot */
	uint8_t prstatus[512];
	uint8_t mem[MEM_SIZE];
	unsigned word;		/* pointer size in memory */
	uint64_t want[MAX_PCS];
	size_t n_want;
};

static void
put(uint8_t *p, unsigned size, bool be, uint64_t v)
{
	unsigned i;

	for (i = 0; i < size; i++)
		p[be ? size - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

static void
synth_init(struct synth *s, const char *arch, uint16_t machine,
	   unsigned elfclass, bool be, size_t prstatus_size,
	   size_t reg_offset, unsigned slot)
{
	memset(s, 0, sizeof(*s));
	s->arch = arch;
	s->machine = machine;
	s->elfclass = elfclass;
	s->be = be;
	s->prstatus_size = prstatus_size;
	s->reg_offset = reg_offset;
	s->slot = slot;
	s->word = elfclass == 2 ? 8 : 4;
	put(s->prstatus + 12, 2, be, 11);		/* pr_cursig */
	put(s->prstatus + 16 + 2 * s->word, 4, be, 4242);	/* pr_pid */
}

static void
reg(struct synth *s, unsigned index, uint64_t v)
{
	assert_true(s->reg_offset + (index + 1) * s->slot <= s->prstatus_size);
	put(s->prstatus + s->reg_offset + index * s->slot, s->slot, s->be, v);
}

/* A word of SIZE bytes (default: the pointer size) at ADDR. */
static void
mem(struct synth *s, uint64_t addr, uint64_t v, unsigned size)
{
	if (size == 0)
		size = s->word;
	assert_true(addr >= MEM_BASE && addr + size <= MEM_BASE + MEM_SIZE);
	put(s->mem + (addr - MEM_BASE), size, s->be, v);
}

static void
want(struct synth *s, uint64_t pc)
{
	assert_true(s->n_want < MAX_PCS);
	s->want[s->n_want++] = pc;
}

/* The ELF core: header, PT_NOTE, PT_LOAD, the note, the memory. */
static void
synth_write(const struct synth *s, const char *path)
{
	bool w64 = s->elfclass == 2;
	size_t ehsize = w64 ? 64 : 52, phsize = w64 ? 56 : 32;
	size_t note_off = ehsize + 2 * phsize;
	size_t note_size = 12 + 8 + (s->prstatus_size + 3) / 4 * 4;
	size_t load_off = (note_off + note_size + 15) / 16 * 16;
	size_t total = load_off + MEM_SIZE;
	uint8_t *b = calloc(1, total), *ph, *n;
	bool be = s->be;
	FILE *f;

	assert_non_null(b);
	memcpy(b, "\177ELF", 4);
	b[4] = (uint8_t)s->elfclass;
	b[5] = be ? 2 : 1;
	b[6] = 1;
	put(b + 16, 2, be, 4);				/* ET_CORE */
	put(b + 18, 2, be, s->machine);
	put(b + 20, 4, be, 1);
	if (w64) {
		put(b + 32, 8, be, ehsize);		/* e_phoff */
		put(b + 52, 2, be, ehsize);
		put(b + 54, 2, be, phsize);
		put(b + 56, 2, be, 2);
	} else {
		put(b + 28, 4, be, ehsize);
		put(b + 40, 2, be, ehsize);
		put(b + 42, 2, be, phsize);
		put(b + 44, 2, be, 2);
	}
	ph = b + ehsize;
	if (w64) {
		put(ph, 4, be, 4);			/* PT_NOTE */
		put(ph + 8, 8, be, note_off);
		put(ph + 32, 8, be, note_size);
		put(ph + phsize, 4, be, 1);		/* PT_LOAD */
		put(ph + phsize + 4, 4, be, 7);
		put(ph + phsize + 8, 8, be, load_off);
		put(ph + phsize + 16, 8, be, MEM_BASE);
		put(ph + phsize + 32, 8, be, MEM_SIZE);
		put(ph + phsize + 40, 8, be, MEM_SIZE);
	} else {
		put(ph, 4, be, 4);
		put(ph + 4, 4, be, note_off);
		put(ph + 16, 4, be, note_size);
		put(ph + phsize, 4, be, 1);
		put(ph + phsize + 4, 4, be, load_off);
		put(ph + phsize + 8, 4, be, MEM_BASE);
		put(ph + phsize + 16, 4, be, MEM_SIZE);
		put(ph + phsize + 20, 4, be, MEM_SIZE);
		put(ph + phsize + 24, 4, be, 7);
	}
	n = b + note_off;
	put(n, 4, be, 5);				/* "CORE\0" */
	put(n + 4, 4, be, s->prstatus_size);
	put(n + 8, 4, be, 1);				/* NT_PRSTATUS */
	memcpy(n + 12, "CORE", 5);
	memcpy(n + 20, s->prstatus, s->prstatus_size);
	memcpy(b + load_off, s->mem, MEM_SIZE);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, total, f), total);
	assert_int_equal(fclose(f), 0);
	free(b);
}

/* Write S, open it, unwind thread 0 without CFI and compare the pcs. */
static void
synth_check(const struct synth *s)
{
	char path[] = "/tmp/lpd-unwind-arch.XXXXXX";
	struct dbg_unwind_ops ops;
	struct dbg_raw_frame *frames;
	const struct dump_arch *a;
	const char *stop;
	struct dump *d;
	size_t n, i;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	synth_write(s, path);
	assert_null(dump_open(path, &d));
	unlink(path);
	a = dump_get_arch(d);
	assert_string_equal(a->name, s->arch);
	assert_int_equal(dump_thread_count(d), 1);
	assert_int_equal(dump_thread_tid(d, 0), 4242);
	assert_int_equal(dump_thread_signal(d, 0), 11);
	memset(&ops, 0, sizeof(ops));
	ops.read = dump_read_cb;
	ops.read_arg = d;
	assert_null(dbg_unwind_regs(a, &ops, dump_thread_regs(d, 0), 0,
				    &frames, &n, &stop));
	for (i = 0; i < n && i < s->n_want; i++)
		if (frames[i].pc != s->want[i])
			fail_msg("%s frame %zu: pc 0x%llx, expected 0x%llx",
				 s->arch, i, (unsigned long long)frames[i].pc,
				 (unsigned long long)s->want[i]);
	if (n != s->n_want)
		fail_msg("%s: %zu frames, expected %zu (stop: %s)", s->arch, n,
			 s->n_want, stop);
	lpd_free(frames);
	dump_destroy(d);
}

/* ---- x86 family: push %rbp; mov %rsp,%rbp -------------------------------- */

/* FP slots of SLOT bytes: [fp] = caller's fp, [fp+slot] = return. */
static void
fp_chain(struct synth *s, unsigned slot)
{
	uint64_t f1 = STACK + 0x40, f2 = STACK + 0x100;

	mem(s, f1, f2, slot);
	mem(s, f1 + slot, 0x401234, slot);
	mem(s, f2, 0, slot);
	mem(s, f2 + slot, 0x405678, slot);
	want(s, 0x400100);
	want(s, 0x401234);
	want(s, 0x405678);
}

static void
test_arch__x86_64(void **state)
{
	struct synth s;

	(void)state;
	synth_init(&s, "x86_64", 62, 2, false, 336, 112, 8);
	reg(&s, 16, 0x400100);		/* rip */
	reg(&s, 19, STACK + 0x10);	/* rsp */
	reg(&s, 4, STACK + 0x40);	/* rbp */
	fp_chain(&s, 8);
	synth_check(&s);
}

static void
test_arch__x32(void **state)
{
	struct synth s;

	(void)state;
	synth_init(&s, "x32", 62, 1, false, 296, 72, 8);
	reg(&s, 16, 0x400100);
	reg(&s, 19, STACK + 0x10);
	reg(&s, 4, STACK + 0x40);
	fp_chain(&s, 8);	/* 64-bit pushes, 32-bit addresses */
	synth_check(&s);
}

static void
test_arch__i386(void **state)
{
	struct synth s;

	(void)state;
	synth_init(&s, "i386", 3, 1, false, 144, 72, 4);
	reg(&s, 12, 0x400100);		/* eip */
	reg(&s, 15, STACK + 0x10);	/* esp */
	reg(&s, 5, STACK + 0x40);	/* ebp */
	fp_chain(&s, 4);
	synth_check(&s);
}

/* ---- aarch64: frame records, then the kernel's rt_sigframe --------------- */

static void
aarch64_case(bool be)
{
	uint64_t f1 = STACK + 0x40, f2 = STACK + 0x100;
	struct synth s;

	synth_init(&s, be ? "aarch64_be" : "aarch64", 183, 2, be, 392, 112,
		   8);
	reg(&s, 32, 0x400100);		/* pc, a leaf without a record */
	reg(&s, 30, 0x401000);		/* x30: its return address */
	reg(&s, 31, STACK + 0x10);	/* sp */
	reg(&s, 29, f1);		/* the caller's record */
	mem(&s, f1, f2, 8);
	mem(&s, f1 + 8, 0x402000, 8);
	mem(&s, f2, 0, 8);		/* _start: x29 = 0 */
	mem(&s, f2 + 8, 0x403000, 8);
	want(&s, 0x400100);
	want(&s, 0x401000);
	want(&s, 0x402000);
	want(&s, 0x403000);
	synth_check(&s);
}

static void
test_arch__aarch64(void **state)
{
	(void)state;
	aarch64_case(false);
	aarch64_case(true);
}

/* Frame 0 is the vdso's __kernel_rt_sigreturn; sp is the rt_sigframe
 * whose sigcontext holds the interrupted pc, sp, x29 and x30. */
static void
test_arch__aarch64_sigframe(void **state)
{
	static const uint8_t tramp[] = {
		0x68, 0x11, 0x80, 0xd2, 0x01, 0x00, 0x00, 0xd4,
	};
	uint64_t sf = STACK + 0x100, regs = sf + 128 + 176 + 8;
	uint64_t f1 = STACK + 0x800;
	struct synth s;

	(void)state;
	synth_init(&s, "aarch64", 183, 2, false, 392, 112, 8);
	memcpy(s.mem + (CODE - MEM_BASE), tramp, sizeof(tramp));
	reg(&s, 32, CODE);
	reg(&s, 31, sf);
	mem(&s, regs + 8 * 29, f1, 8);		/* x29 */
	mem(&s, regs + 8 * 30, 0x401000, 8);	/* x30 */
	mem(&s, regs + 8 * 31, STACK + 0x700, 8);	/* sp */
	mem(&s, regs + 8 * 32, 0x400500, 8);	/* pc */
	mem(&s, f1, 0, 8);
	mem(&s, f1 + 8, 0x402000, 8);
	want(&s, CODE);
	want(&s, 0x400500);	/* interrupted: exact */
	want(&s, 0x401000);
	want(&s, 0x402000);
	synth_check(&s);
}

/* ---- PowerPC: the back chain, LR first ----------------------------------- */

static void
ppc_case(const char *arch, uint16_t machine, unsigned elfclass, bool be)
{
	unsigned w = elfclass == 2 ? 8 : 4, lr_save = w == 8 ? 16 : 4;
	uint64_t s0 = STACK + 0x20, s1 = STACK + 0x100, s2 = STACK + 0x200;
	uint64_t s3 = STACK + 0x300;
	struct synth s;

	synth_init(&s, arch, machine, elfclass, be, w == 8 ? 504 : 268,
		   w == 8 ? 112 : 72, w);
	reg(&s, 32, 0x10000100);	/* nip */
	reg(&s, 36, 0x10001000);	/* link: frame 0's return address */
	reg(&s, 1, s0);			/* r1 */
	mem(&s, s0, s1, 0);
	mem(&s, s1, s2, 0);
	mem(&s, s1 + lr_save, 0x10002000, 0);	/* frame 1's saved LR */
	mem(&s, s2, s3, 0);
	mem(&s, s2 + lr_save, 0x10003000, 0);
	mem(&s, s3, 0, 0);			/* end of the chain */
	want(&s, 0x10000100);
	want(&s, 0x10001000);
	want(&s, 0x10002000);
	want(&s, 0x10003000);
	synth_check(&s);
}

static void
test_arch__ppc(void **state)
{
	(void)state;
	ppc_case("ppc", 20, 1, true);
	ppc_case("ppc64", 21, 2, true);
	ppc_case("ppc64le", 21, 2, false);
}

/* ---- s390: r14 at frame 0, then the back chain --------------------------- */

static void
s390_case(bool x)
{
	unsigned w = x ? 8 : 4;
	uint64_t hb = x ? 0 : 0x80000000u;	/* 31-bit addressing mode */
	uint64_t s0 = STACK + 0x20, s1 = s0 + 0x100, s2 = s1 + 0x100;
	struct synth s;

	synth_init(&s, x ? "s390x" : "s390", 22, x ? 2 : 1, true,
		   x ? 336 : 224, x ? 112 : 72, w);
	reg(&s, 1, 0x400100 | hb);	/* psw address */
	reg(&s, 2 + 14, 0x401000 | hb);	/* r14 */
	reg(&s, 2 + 15, s0);		/* r15: a leaf without a frame */
	mem(&s, s0, s1, 0);		/* frame 1's back chain */
	mem(&s, s1 + 14 * w, 0x402000 | hb, 0);	/* frame 1's r14 */
	mem(&s, s1, s2, 0);
	mem(&s, s2 + 14 * w, 0x403000 | hb, 0);
	mem(&s, s2, 0, 0);
	want(&s, 0x400100);
	want(&s, 0x401000);
	want(&s, 0x402000);
	want(&s, 0x403000);
	synth_check(&s);
}

static void
test_arch__s390(void **state)
{
	(void)state;
	s390_case(true);
	s390_case(false);
}

/* ---- the table and its registers ---------------------------------------- */

static void
test_arch__tables(void **state)
{
	static const struct {
		uint16_t machine;
		unsigned elfclass;
		bool be;
		const char *name;
		const char *pc;
	} t[] = {
		{ 62, 2, false, "x86_64", "rip" },
		{ 62, 1, false, "x32", "rip" },
		{ 3, 1, false, "i386", "eip" },
		{ 183, 2, false, "aarch64", "pc" },
		{ 183, 2, true, "aarch64_be", "pc" },
		{ 20, 1, true, "ppc", "nip" },
		{ 21, 2, true, "ppc64", "nip" },
		{ 21, 2, false, "ppc64le", "nip" },
		{ 22, 2, true, "s390x", "pswa" },
		{ 22, 1, true, "s390", "pswa" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct dump_arch *a = dump_arch_find(t[i].machine,
							   t[i].elfclass,
							   t[i].be);

		assert_non_null(a);
		assert_string_equal(a->name, t[i].name);
		assert_int_equal(a->addr_size, t[i].elfclass == 2 ? 8 : 4);
		assert_string_equal(a->reg_name(a->pc_regno), t[i].pc);
		assert_true(a->nregs <= DUMP_MAX_REGS);
		assert_true(a->prstatus_reg_offset + a->prstatus_reg_size <=
			    a->prstatus_size);
	}
	assert_null(dump_arch_find(43, 2, true));	/* sparc64 */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arch__tables),
		cmocka_unit_test(test_arch__x86_64),
		cmocka_unit_test(test_arch__x32),
		cmocka_unit_test(test_arch__i386),
		cmocka_unit_test(test_arch__aarch64),
		cmocka_unit_test(test_arch__aarch64_sigframe),
		cmocka_unit_test(test_arch__ppc),
		cmocka_unit_test(test_arch__s390),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
