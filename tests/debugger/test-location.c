/* tests/debugger/test-location.c - location expressions on synthetic byte
 * sequences: registers, memory, the frame base and CFA, pieces, implicit
 * values and pointers, stack values, entry values, and hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "debugger/dwarf-int.h"

static uint8_t mem[64];

static struct lpd_error *
read_mem(void *arg, uint64_t addr, void *buf, size_t len)
{
	(void)arg;
	if (addr < 0x1000 || addr - 0x1000 + len > sizeof(mem))
		return lpd_error_fault(addr);
	memcpy(buf, mem + (addr - 0x1000), len);
	return NULL;
}

static struct lpd_error *
entry_ok(void *arg, const uint8_t *expr, size_t len, uint64_t *ret)
{
	(void)arg;
	if (len == 1 && expr[0] == 0x55) {	/* DW_OP_reg5 */
		*ret = 77;
		return NULL;
	}
	return lpd_error_format(LPD_ERR_NOT_FOUND, "no");
}

static struct dump_regs regs;
static const struct dump_arch *arch;

static struct dbg_loc_frame
frame(void)
{
	struct dbg_loc_frame f;

	memset(&f, 0, sizeof(f));
	f.arch = arch;
	f.regs = &regs;
	f.read = read_mem;
	f.cfa = 0x1020;
	f.has_frame_base = true;
	f.frame_base = 0x1010;
	f.bias = 0x100;
	return f;
}

static void
eval(const uint8_t *expr, size_t len, struct dbg_loc *loc)
{
	struct dbg_loc_frame f = frame();
	struct lpd_error *err = dbg_loc_eval(&f, expr, len, "test", 0, loc);

	if (err != NULL)
		fail_msg("%s", err->message);
}

static int
setup(void **state)
{
	(void)state;
	arch = dump_arch_find(62, 2, false);
	memset(&regs, 0, sizeof(regs));
	dump_regs_set(&regs, 0, 42);		/* rax */
	dump_regs_set(&regs, 7, 0x1008);	/* rsp */
	dump_regs_set(&regs, 6, 0x1010);	/* rbp */
	memset(mem, 0, sizeof(mem));
	mem[8] = 0x34;
	mem[9] = 0x12;
	return arch == NULL;
}

static void
test_location__register_and_memory(void **state)
{
	static const uint8_t reg0[] = { 0x50 };			/* reg0 */
	static const uint8_t regx[] = { 0x90, 0x11 };		/* regx 17 */
	static const uint8_t breg[] = { 0x77, 0x04 };		/* breg7 4 */
	static const uint8_t fb[] = { 0x91, 0x78 };		/* fbreg -8 */
	static const uint8_t cfa[] = { 0x9c, 0x08, 0x10, 0x1c };
	static const uint8_t addr[] = { 0x03, 0, 0x10, 0, 0, 0, 0, 0, 0 };
	struct dbg_loc loc;

	(void)state;
	eval(reg0, sizeof(reg0), &loc);
	assert_int_equal(loc.n, 1);
	assert_int_equal(loc.pieces[0].kind, DBG_PIECE_REGISTER);
	assert_int_equal(loc.pieces[0].value, 0);
	eval(regx, sizeof(regx), &loc);
	assert_int_equal(loc.pieces[0].kind, DBG_PIECE_REGISTER);
	assert_int_equal(loc.pieces[0].value, 17);
	eval(breg, sizeof(breg), &loc);
	assert_int_equal(loc.pieces[0].kind, DBG_PIECE_MEMORY);
	assert_int_equal(loc.pieces[0].value, 0x100c);
	eval(fb, sizeof(fb), &loc);
	assert_int_equal(loc.pieces[0].value, 0x1008);
	/* call_frame_cfa; const1u 16; minus */
	eval(cfa, sizeof(cfa), &loc);
	assert_int_equal(loc.pieces[0].value, 0x1010);
	/* DW_OP_addr is link-time: the load bias is added. */
	eval(addr, sizeof(addr), &loc);
	assert_int_equal(loc.pieces[0].value, 0x1100);
}

static void
test_location__values_and_pieces(void **state)
{
	/* lit5 stack_value */
	static const uint8_t sv[] = { 0x35, 0x9f };
	/* implicit_value 2 0xab 0xcd */
	static const uint8_t iv[] = { 0x9e, 0x02, 0xab, 0xcd };
	/* reg0 piece 4; breg7 0 piece 4; piece 4 (optimized out) */
	static const uint8_t pc[] = { 0x50, 0x93, 0x04, 0x77, 0x00, 0x93,
				      0x04, 0x93, 0x04 };
	/* implicit_pointer <0x9e5> +0 */
	static const uint8_t ip[] = { 0xa0, 0xe5, 0x09, 0, 0, 0x00 };
	/* bit_piece 3 bits at 0 of rax */
	static const uint8_t bp[] = { 0x50, 0x9d, 0x03, 0x00 };
	struct dbg_loc loc;

	(void)state;
	eval(sv, sizeof(sv), &loc);
	assert_int_equal(loc.n, 1);
	assert_int_equal(loc.pieces[0].kind, DBG_PIECE_VALUE);
	assert_int_equal(loc.pieces[0].value, 5);
	eval(iv, sizeof(iv), &loc);
	assert_int_equal(loc.pieces[0].kind, DBG_PIECE_IMPLICIT);
	assert_int_equal(loc.pieces[0].len, 2);
	assert_int_equal(loc.pieces[0].data[1], 0xcd);
	eval(pc, sizeof(pc), &loc);
	assert_int_equal(loc.n, 3);
	assert_int_equal(loc.pieces[0].kind, DBG_PIECE_REGISTER);
	assert_int_equal(loc.pieces[0].bits, 32);
	assert_int_equal(loc.pieces[1].kind, DBG_PIECE_MEMORY);
	assert_int_equal(loc.pieces[1].value, 0x1008);
	assert_int_equal(loc.pieces[2].kind, DBG_PIECE_UNDEFINED);
	eval(ip, sizeof(ip), &loc);
	assert_int_equal(loc.pieces[0].kind, DBG_PIECE_IMPLICIT_PTR);
	assert_int_equal(loc.pieces[0].die, 0x9e5);
	eval(bp, sizeof(bp), &loc);
	assert_int_equal(loc.pieces[0].bits, 3);
	/* An empty expression: optimized out. */
	eval(sv, 0, &loc);
	assert_int_equal(loc.n, 0);
}

static void
test_location__entry_values(void **state)
{
	/* entry_value(reg5) plus_uconst 1 stack_value */
	static const uint8_t ev[] = { 0xa3, 0x01, 0x55, 0x23, 0x01, 0x9f };
	/* GNU_entry_value(reg4) stack_value: not recoverable */
	static const uint8_t ev2[] = { 0xf3, 0x01, 0x54, 0x9f };
	struct dbg_loc_frame f = frame();
	struct dbg_loc loc;

	(void)state;
	/* No resolver: optimized out. */
	assert_null(dbg_loc_eval(&f, ev, sizeof(ev), "test", 0, &loc));
	assert_int_equal(loc.n, 0);
	f.entry_value = entry_ok;
	assert_null(dbg_loc_eval(&f, ev, sizeof(ev), "test", 0, &loc));
	assert_int_equal(loc.n, 1);
	assert_int_equal(loc.pieces[0].value, 78);
	assert_null(dbg_loc_eval(&f, ev2, sizeof(ev2), "test", 0, &loc));
	assert_int_equal(loc.n, 0);
}

static void
test_location__hostile(void **state)
{
	static const uint8_t unknown_reg[] = { 0x7a, 0x00 };	/* breg10 */
	static const uint8_t trunc[] = { 0x03, 0x01 };		/* addr */
	static const uint8_t under[] = { 0x1c };		/* minus */
	static const uint8_t bad_iv[] = { 0x9e, 0x7f, 0x01 };
	static const uint8_t bad_entry[] = { 0xa3, 0x10, 0x55 };
	static const uint8_t loop[] = { 0x2f, 0xfd, 0xff };	/* skip -3 */
	static const uint8_t deref0[] = { 0x30, 0x06 };	/* lit0 deref */
	struct dbg_loc_frame f = frame();
	struct dbg_loc loc;
	struct lpd_error *err;

	(void)state;
	err = dbg_loc_eval(&f, unknown_reg, sizeof(unknown_reg), "t", 0,
			   &loc);
	assert_non_null(err);
	assert_true(loc.not_saved);
	lpd_error_destroy(err);
	err = dbg_loc_eval(&f, trunc, sizeof(trunc), "t", 0, &loc);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_BAD_INPUT);
	lpd_error_destroy(err);
	err = dbg_loc_eval(&f, under, sizeof(under), "t", 0, &loc);
	assert_non_null(err);
	lpd_error_destroy(err);
	err = dbg_loc_eval(&f, bad_iv, sizeof(bad_iv), "t", 0, &loc);
	assert_non_null(err);
	lpd_error_destroy(err);
	err = dbg_loc_eval(&f, bad_entry, sizeof(bad_entry), "t", 0, &loc);
	assert_non_null(err);
	lpd_error_destroy(err);
	err = dbg_loc_eval(&f, loop, sizeof(loop), "t", 0, &loc);
	assert_non_null(err);
	lpd_error_destroy(err);
	err = dbg_loc_eval(&f, deref0, sizeof(deref0), "t", 0, &loc);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_FAULT);
	lpd_error_destroy(err);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_location__register_and_memory,
				       setup),
		cmocka_unit_test_setup(test_location__values_and_pieces,
				       setup),
		cmocka_unit_test_setup(test_location__entry_values, setup),
		cmocka_unit_test_setup(test_location__hostile, setup),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("debugger/location", tests, NULL,
					   NULL);
}
