/* tests/debugger/test-demangle.c - dbg_demangle through libiberty. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "debugger/debugger.h"
#include "common/lpd.h"

static void
expect_demangled(const char *mangled, const char *want)
{
	char *got = dbg_demangle(mangled);

	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	lpd_free(got);
}

static void
test_demangle__cxx_function(void **state)
{
	(void)state;
	expect_demangled("_ZN3foo3barEv", "foo::bar()");
	expect_demangled("_ZNK3foo3bazERKSt6vectorIiSaIiEE",
			 "foo::baz(std::vector<int, std::allocator<int> > "
			 "const&) const");
}

static void
test_demangle__plain_names_are_null(void **state)
{
	(void)state;
	expect_demangled("main", NULL);
	expect_demangled("__libc_start_main", NULL);
	expect_demangled("_start", NULL);
	expect_demangled("", NULL);
	expect_demangled(NULL, NULL);
	/* Looks mangled, is not. */
	expect_demangled("_Zfoo", NULL);
}

static void
test_demangle__keeps_symbol_version(void **state)
{
	(void)state;
	expect_demangled("_ZN3foo3barEv@@V1", "foo::bar()@@V1");
}

static void
test_demangle__rust_legacy_and_v0(void **state)
{
	(void)state;
	/* Legacy: the hash is dropped without DMGL_VERBOSE. */
	expect_demangled("_ZN4core3fmt5write17h0123456789abcdefE",
			 "core::fmt::write");
	expect_demangled("_RNvCs15kBYyAo9fc_7mycrate7example",
			 "mycrate::example");
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demangle__cxx_function),
		cmocka_unit_test(test_demangle__plain_names_are_null),
		cmocka_unit_test(test_demangle__keeps_symbol_version),
		cmocka_unit_test(test_demangle__rust_legacy_and_v0),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("debugger/demangle", tests, NULL,
					   NULL);
}
