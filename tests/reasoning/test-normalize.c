/* tests/reasoning/test-normalize.c - frame normalization: fault machinery
 * and startup dropped, clone suffixes and libc aliases canonicalized,
 * recursion folded, symbol-less frames keyed by module offset; and the
 * facts JSON round trip that caches analyses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/reasoning/fixture.h"

static void
expect_norm(const struct reason_analysis *a, const char *const *keys)
{
	size_t i;

	for (i = 0; keys[i] != NULL; i++) {
		if (i >= reason_norm_count(a))
			fail_msg("only %zu frames, expected %s at #%zu",
				 reason_norm_count(a), keys[i], i);
		assert_string_equal(reason_norm_key(a, i), keys[i]);
	}
	assert_int_equal(reason_norm_count(a), i);
}

static void
test_normalize__abort_machinery_dropped(void **state)
{
	static const char *const frames[] = {
		"__pthread_kill_implementation@libc.so.6",
		"__pthread_kill_internal@libc.so.6", "__GI_raise@libc.so.6",
		"__GI_abort@libc.so.6", "__libc_message@libc.so.6",
		"malloc_printerr@libc.so.6", "_int_free@libc.so.6",
		"__GI___libc_free@libc.so.6", "buf_release@app",
		"cache_evict.constprop.0@app", "main@app",
		"__libc_start_call_main@libc.so.6",
		"__libc_start_main_impl@libc.so.6", "_start@app", NULL,
	};
	static const char *const want[] = {
		"free@libc.so.6", "buf_release@app", "cache_evict@app",
		"main@app", NULL,
	};
	struct reason_analysis *a = fx_analysis("a", "SIGABRT", "none",
						frames);

	(void)state;
	assert_non_null(a);
	expect_norm(a, want);
	reason_analysis_destroy(a);
}

static void
test_normalize__assert_and_stack_protector_dropped(void **state)
{
	static const char *const f1[] = {
		"__pthread_kill_implementation@libc.so.6", "raise@libc.so.6",
		"abort@libc.so.6", "__assert_fail_base@libc.so.6",
		"__assert_fail@libc.so.6", "queue_pop@app", "main@app", NULL,
	};
	static const char *const f2[] = {
		"__pthread_kill_implementation@libc.so.6", "raise@libc.so.6",
		"abort@libc.so.6", "__libc_message@libc.so.6",
		"__GI___fortify_fail@libc.so.6", "__stack_chk_fail@libc.so.6",
		"format_name@app", "?@", NULL,
	};
	static const char *const w1[] = { "queue_pop@app", "main@app", NULL };
	static const char *const w2[] = { "format_name@app", NULL };
	struct reason_analysis *a = fx_analysis("a", "SIGABRT", "none", f1);
	struct reason_analysis *b = fx_analysis("b", "SIGABRT", "none", f2);

	(void)state;
	expect_norm(a, w1);
	expect_norm(b, w2);
	assert_true(reason_is_machinery("__GI___fortify_fail"));
	assert_true(reason_is_machinery("__restore_rt"));
	assert_false(reason_is_machinery("free"));
	assert_false(reason_is_machinery("parse_value"));
	reason_analysis_destroy(a);
	reason_analysis_destroy(b);
}

static void
test_normalize__recursion_folded(void **state)
{
	static const char *const frames[] = {
		"walk@app", "walk@app", "walk@app", "walk@app",
		"even@app", "odd@app", "even@app", "odd@app", "even@app",
		"odd@app", "index@app", "main@app", NULL,
	};
	static const char *const want[] = {
		"walk@app", "even@app", "odd@app", "index@app", "main@app",
		NULL,
	};
	struct reason_analysis *a = fx_analysis("a", "SIGSEGV", "stack",
						frames);

	(void)state;
	expect_norm(a, want);
	assert_int_equal(reason_norm_repeat(a, 0), 4);
	assert_int_equal(reason_norm_repeat(a, 1), 3);
	reason_analysis_destroy(a);
}

static void
test_normalize__unknown_frames_keyed_by_module_offset(void **state)
{
	static const char *const frames[] = {
		"?@app", "handler@app", "main@app", NULL,
	};
	struct reason_analysis *a = fx_analysis("a", "SIGSEGV", "null-page",
						frames);

	(void)state;
	/* pc 0x1000 in app mapped at 0x1000: offset 0 */
	assert_string_equal(reason_norm_key(a, 0), "??@app+0x0");
	reason_analysis_destroy(a);
}

static void
test_normalize__canonical_names(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "__GI___libc_free", "free" },
		{ "___pthread_cond_wait", "pthread_cond_wait" },
		{ "parse.constprop.0", "parse" },
		{ "parse.isra.0.cold", "parse" },
		{ "f(int) [clone .constprop.0]", "f(int)" },
		{ "_", "_" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *c = reason_canonical_function(cases[i].in);

		assert_string_equal(c, cases[i].out);
		lpd_free(c);
	}
}

static void
test_normalize__thread_states(void **state)
{
	static const char *const frames[] = { "crash@app", NULL };
	struct reason_analysis *a = fx_analysis("a", "SIGSEGV", "null-page",
						frames);

	(void)state;
	assert_string_equal(a->threads[0].state, "crashed");
	assert_string_equal(a->threads[1].state, "blocked");
	assert_string_equal(a->threads[1].top, "worker@app");
	reason_analysis_destroy(a);
}

static char *
to_json(const struct reason_analysis *a)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_json j;

	lpd_json_init(&j, &b);
	reason_analysis_to_json(a, &j);
	assert_null(lpd_json_finish(&j));
	return lpd_buf_steal(&b);
}

static void
test_normalize__facts_json_round_trip_is_stable(void **state)
{
	static const char *const frames[] = {
		"abort@libc.so.6", "ns::f(int)@app", "main@app", NULL,
	};
	struct reason_analysis *a = fx_analysis("a", "SIGABRT", "none",
						frames), *b;
	char *ja, *jb;

	(void)state;
	ja = to_json(a);
	assert_null(reason_analysis_from_json(ja, strlen(ja), "a.json", &b));
	jb = to_json(b);
	assert_string_equal(ja, jb);
	assert_int_equal(reason_norm_count(b), reason_norm_count(a));
	lpd_free(ja);
	lpd_free(jb);
	reason_analysis_destroy(a);
	reason_analysis_destroy(b);
}

static void
test_normalize__bad_facts_json_named(void **state)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "{\"schema\":", "x.json:1:" },
		{ "[1,2]", "expected a JSON object" },
		{ "{\"schema\":\"other/1\"}", "schema is not" },
		{ "{\"schema\":\"" REASON_SCHEMA "\",\"id\":\"a\",\"threads\":3}",
		  "threads: expected an array" },
		{ "{\"schema\":\"" REASON_SCHEMA "\",\"id\":\"a\",\"threads\":"
		  "[{\"frames\":[{\"pc\":12}]}]}", "pc: expected" },
		{ "{\"schema\":\"" REASON_SCHEMA "\",\"id\":\"a\","
		  "\"crashed_thread\":5,\"threads\":[{}]}", "no such thread" },
	};
	struct reason_analysis *a;
	struct lpd_error *err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err = reason_analysis_from_json(cases[i].text,
						strlen(cases[i].text),
						"x.json", &a);
		assert_non_null(err);
		if (strstr(err->message, cases[i].want) == NULL ||
		    strstr(err->message, "x.json") == NULL)
			fail_msg("case %zu: '%s'", i, err->message);
		lpd_error_destroy(err);
	}
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize__abort_machinery_dropped),
		cmocka_unit_test(test_normalize__assert_and_stack_protector_dropped),
		cmocka_unit_test(test_normalize__recursion_folded),
		cmocka_unit_test(test_normalize__unknown_frames_keyed_by_module_offset),
		cmocka_unit_test(test_normalize__canonical_names),
		cmocka_unit_test(test_normalize__thread_states),
		cmocka_unit_test(test_normalize__facts_json_round_trip_is_stable),
		cmocka_unit_test(test_normalize__bad_facts_json_named),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("reasoning/normalize", tests, NULL,
					   NULL);
}
