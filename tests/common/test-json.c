/* tests/common/test-json.c - the JSON writer: nesting, commas, escapes,
 * bytes that are not UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "common/lpd.h"

static void
test_json__nesting_and_commas(void **state)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_json j;

	(void)state;
	lpd_json_init(&j, &b);
	lpd_json_object_begin(&j);
	lpd_json_key(&j, "a");
	lpd_json_int(&j, -3);
	lpd_json_key(&j, "list");
	lpd_json_array_begin(&j);
	lpd_json_hex(&j, 255);
	lpd_json_null(&j);
	lpd_json_bool(&j, true);
	lpd_json_object_begin(&j);
	lpd_json_object_end(&j);
	lpd_json_array_end(&j);
	lpd_json_key(&j, "s");
	lpd_json_string(&j, NULL);
	lpd_json_object_end(&j);
	assert_null(lpd_json_finish(&j));
	assert_string_equal(b.data,
		"{\"a\":-3,\"list\":[\"0xff\",null,true,{}],\"s\":null}");
	lpd_buf_deinit(&b);
}

static void
test_json__escapes_and_invalid_utf8(void **state)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_json j;

	(void)state;
	lpd_json_init(&j, &b);
	lpd_json_string(&j, "q\"\\\n\x01 \xc3\xa9 \xff");
	assert_null(lpd_json_finish(&j));
	assert_string_equal(b.data,
			    "\"q\\\"\\\\\\n\\u0001 \xc3\xa9 \\u00ff\"");
	lpd_buf_deinit(&b);
}

static void
test_json__error_prefix_keeps_message(void **state)
{
	struct lpd_error *err;

	(void)state;
	err = lpd_error_input("core", 0x40, "bad %s", "note");
	err = lpd_error_prefix(err, "loading '%s'", "core");
	assert_string_equal(err->message,
			    "loading 'core': core: offset 0x40: bad note");
	lpd_error_destroy(err);
	err = lpd_error_prefix(&lpd_not_found, "symbol %s", "main");
	assert_string_equal(err->message, "symbol main: not found");
	assert_int_equal(err->code, LPD_ERR_NOT_FOUND);
	lpd_error_destroy(err);
}

static void
test_json__alloc_failure_gives_enomem(void **state)
{
	struct lpd_error *err;

	(void)state;
	lpd_alloc_fail_after(0);
	err = lpd_error_format(LPD_ERR_OS, "x %d", 1);
	lpd_alloc_fail_after(-1);
	assert_ptr_equal(err, &lpd_enomem);
	lpd_error_destroy(err);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json__nesting_and_commas),
		cmocka_unit_test(test_json__escapes_and_invalid_utf8),
		cmocka_unit_test(test_json__error_prefix_keeps_message),
		cmocka_unit_test(test_json__alloc_failure_gives_enomem),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("common/json", tests, NULL, NULL);
}
