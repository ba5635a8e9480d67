/* tests/dumps/test-arch.c - architecture tables: lookup, names, and on a
 * real core the x86_64 rbp step and signal frame, checked against gdb. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tests/dumps/fixture.h"

enum { RSP = 7, RBP = 6, RBX = 3, RIP = 16 };

static int
group_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct lpd_error *err;

	if (f == NULL || fixture_make_crash(f) != 0) {
		fprintf(stderr, "cannot make the crash fixture\n");
		free(f);
		return -1;
	}
	err = dump_open(f->core, &f->d);
	if (err != NULL) {
		fprintf(stderr, "%s\n", err->message);
		lpd_error_destroy(err);
		fixture_cleanup(f);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
group_teardown(void **state)
{
	struct fixture *f = *state;

	fixture_cleanup(f);
	free(f);
	return 0;
}

static void
test_arch__find(void **state)
{
	(void)state;
	assert_ptr_equal(dump_arch_find(62, 2, false), &dump_arch_x86_64);
	assert_ptr_equal(dump_arch_find(62, 1, false), &dump_arch_x32);
	assert_ptr_equal(dump_arch_find(3, 1, false), &dump_arch_i386);
	assert_null(dump_arch_find(62, 2, true));
	assert_null(dump_arch_find(3, 2, false));
	assert_null(dump_arch_find(43, 2, true));	/* sparc64 */
	assert_null(dump_arch_find(0, 0, false));
}

static void
test_arch__names(void **state)
{
	const struct dump_arch *a = &dump_arch_x86_64;

	(void)state;
	assert_string_equal(a->reg_name(0), "rax");
	assert_string_equal(a->reg_name(RSP), "rsp");
	assert_string_equal(a->reg_name(RIP), "rip");
	assert_string_equal(a->reg_name(49), "eflags");
	assert_string_equal(a->reg_name(59), "gs.base");
	assert_null(a->reg_name(56));
	assert_null(a->reg_name(DUMP_MAX_REGS + 5));
	assert_true(a->nregs <= DUMP_MAX_REGS);
	assert_string_equal(dump_signal_name(6), "SIGABRT");
	assert_string_equal(dump_signal_name(11), "SIGSEGV");
	assert_string_equal(dump_signal_name(31), "SIGSYS");
	assert_null(dump_signal_name(0));
	assert_null(dump_signal_name(-3));
	assert_null(dump_signal_name(64));
}

static void
test_arch__is_sigreturn(void **state)
{
	static const uint8_t rt[] = { 0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00,
				      0x00, 0x0f, 0x05, 0x90 };
	static const uint8_t other[10] = { 0x55 };

	(void)state;
	assert_true(dump_arch_x86_64.is_sigreturn(rt, sizeof(rt)));
	assert_false(dump_arch_x86_64.is_sigreturn(rt, 8));
	assert_false(dump_arch_x86_64.is_sigreturn(other, sizeof(other)));
}

/* The crash is in a signal handler built with frame pointers: one rbp
 * step reaches __restore_rt, whose frame holds the interrupted registers
 * that gdb shows as frame 2. */
static void
test_arch__sigframe_matches_gdb(void **state)
{
	struct fixture *f = *state;
	const struct dump_arch *a = dump_get_arch(f->d);
	const struct dump_regs *r0;
	struct dump_regs r1, r2;
	char cmd[4 * PATH_MAX];
	uint64_t want;
	uint8_t code[16];
	char *gdb;

	r0 = dump_thread_regs(f->d, dump_crashed_thread(f->d));
	assert_null(a->fp_step(dump_read_cb, f->d, r0, false, &r1));
	assert_true(dump_regs_has(&r1, RIP));
	assert_int_equal(r1.value[RSP], r0->value[RBP] + 16);
	/* __restore_rt is in libc's text: read from the file, not the core */
	assert_null(dump_read(f->d, r1.value[RIP], code, sizeof(code)));
	assert_true(a->is_sigreturn(code, sizeof(code)));
	assert_null(a->sigframe_regs(dump_read_cb, f->d, r1.value[RSP], &r2));

	snprintf(cmd, sizeof(cmd), "gdb -batch -nx -ex 'frame 2' -ex 'info "
		 "registers rip rsp rbp rbx' '%s' '%s' 2>/dev/null", f->exe,
		 f->core);
	gdb = fixture_capture(cmd, NULL);
	if (gdb == NULL || strstr(gdb, "rip") == NULL) {
		lpd_free(gdb);
		skip();
	}
	assert_true(fixture_gdb_reg(gdb, "rip", 0, &want));
	assert_int_equal(r2.value[RIP], want);
	assert_true(fixture_gdb_reg(gdb, "rsp", 0, &want));
	assert_int_equal(r2.value[RSP], want);
	assert_true(fixture_gdb_reg(gdb, "rbp", 0, &want));
	assert_int_equal(r2.value[RBP], want);
	assert_true(fixture_gdb_reg(gdb, "rbx", 0, &want));
	assert_int_equal(r2.value[RBX], want);
	assert_true(dump_regs_has(&r2, 51));	/* cs */
	lpd_free(gdb);
}

static void
test_arch__fp_step_errors(void **state)
{
	struct fixture *f = *state;
	const struct dump_arch *a = dump_get_arch(f->d);
	struct dump_regs r, out;
	struct lpd_error *err;

	memset(&r, 0, sizeof(r));
	memset(&out, 0xaa, sizeof(out));
	err = a->fp_step(dump_read_cb, f->d, &r, false, &out);	/* no rbp */
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_NOT_FOUND);
	lpd_error_destroy(err);
	dump_regs_set(&r, RBP, 0);
	err = a->fp_step(dump_read_cb, f->d, &r, false, &out);
	assert_int_equal(err->code, LPD_ERR_NOT_FOUND);
	lpd_error_destroy(err);
	dump_regs_set(&r, RBP, 0x1000);
	err = a->fp_step(dump_read_cb, f->d, &r, false, &out);
	assert_int_equal(err->code, LPD_ERR_FAULT);
	assert_int_equal(err->address, 0x1000);
	lpd_error_destroy(err);
	err = a->sigframe_regs(dump_read_cb, f->d, UINT64_MAX - 8, &out);
	assert_int_equal(err->code, LPD_ERR_FAULT);
	lpd_error_destroy(err);
	/* untouched on error */
	assert_int_equal(out.valid[0], 0xaaaaaaaaaaaaaaaaull);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arch__find),
		cmocka_unit_test(test_arch__names),
		cmocka_unit_test(test_arch__is_sigreturn),
		cmocka_unit_test(test_arch__sigframe_matches_gdb),
		cmocka_unit_test(test_arch__fp_step_errors),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("dumps/arch", tests, group_setup,
					   group_teardown);
}
