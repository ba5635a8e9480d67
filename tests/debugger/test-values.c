/* tests/debugger/test-values.c - the formatter: values built from bytes
 * and hand-made types print as gdb prints them (scalars, chars, enums,
 * floats, repeats, strings, structs, bitfields, states, /FMT). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "debugger/dwarf-int.h"

static void
expect(const struct dbg_type *t, const void *bytes, size_t n, char letter,
       bool top, const char *want)
{
	struct dbg_format f = { .letter = letter, .top = top };
	struct lpd_buf b = LPD_BUF_INIT;
	struct dbg_value *v = NULL;

	assert_null(dbg_value_from_bytes(NULL, t, bytes, n, &v));
	assert_null(dbg_value_format(v, &f, &b));
	if (strcmp(b.data, want) != 0)
		fail_msg("got  %s\nwant %s", b.data, want);
	lpd_buf_deinit(&b);
	dbg_value_destroy(v);
}

static const struct dbg_type *
B(enum dbg_builtin w)
{
	return dbg_type_builtin(w);
}

static void
test_values__scalars(void **state)
{
	int32_t i = -7;
	uint32_t u = 4000000000u;
	int8_t sc = -5;
	char m = 'M', nul = 0, q = '\'';
	uint8_t t = 1;
	double d = 2.5, third = 1.0 / 3;
	float f = 12.1414223f;
	int16_t s = -300;

	(void)state;
	expect(B(DBG_BUILTIN_INT), &i, 4, 0, true, "-7");
	expect(B(DBG_BUILTIN_UINT), &u, 4, 0, true, "4000000000");
	expect(B(DBG_BUILTIN_SCHAR), &sc, 1, 0, true, "-5 '\\373'");
	expect(B(DBG_BUILTIN_CHAR), &m, 1, 0, true, "77 'M'");
	expect(B(DBG_BUILTIN_CHAR), &nul, 1, 0, true, "0 '\\000'");
	expect(B(DBG_BUILTIN_CHAR), &q, 1, 0, true, "39 '\\''");
	expect(B(DBG_BUILTIN_BOOL), &t, 1, 0, true, "true");
	expect(B(DBG_BUILTIN_DOUBLE), &d, 8, 0, true, "2.5");
	expect(B(DBG_BUILTIN_DOUBLE), &third, 8, 0, true,
	       "0.33333333333333331");
	expect(B(DBG_BUILTIN_FLOAT), &f, 4, 0, true, "12.1414223");
	expect(B(DBG_BUILTIN_SHORT), &s, 2, 'x', true, "0xfed4");
	expect(B(DBG_BUILTIN_INT), &i, 4, 'x', true, "0xfffffff9");
	expect(B(DBG_BUILTIN_INT), &i, 4, 'o', true, "037777777771");
	expect(B(DBG_BUILTIN_CHAR), &m, 1, 'd', true, "77");
	expect(B(DBG_BUILTIN_CHAR), &m, 1, 't', true, "1001101");
	expect(B(DBG_BUILTIN_INT), &i, 4, 'z', true, "0xfffffff9");
}

static void
test_values__enums(void **state)
{
	struct dbg_enumerator ce[] = {
		{ (char *)"RED", 0 }, { (char *)"GREEN", 5 },
		{ (char *)"BLUE", 6 },
	};
	struct dbg_enumerator pe[] = {
		{ (char *)"P_READ", 1 }, { (char *)"P_WRITE", 2 },
		{ (char *)"P_EXEC", 4 },
	};
	struct dbg_type color = { .kind = DBG_TYPE_ENUM, .size = 4,
				  .name = (char *)"color", .enums = ce,
				  .n_enums = 3 };
	struct dbg_type perm = { .kind = DBG_TYPE_ENUM, .size = 4,
				 .name = (char *)"perm", .enums = pe,
				 .n_enums = 3, .flag_enum = true };
	uint32_t v;

	(void)state;
	v = 5;
	expect(&color, &v, 4, 0, true, "GREEN");
	v = 9;
	expect(&color, &v, 4, 0, true, "9");
	v = 5;
	expect(&perm, &v, 4, 0, true, "(P_READ | P_EXEC)");
	v = 9;
	expect(&perm, &v, 4, 0, true, "(P_READ | unknown: 0x8)");
	v = 0;
	expect(&perm, &v, 4, 0, true, "0");
}

static void
test_values__arrays_and_strings(void **state)
{
	struct dbg_type ints = { .kind = DBG_TYPE_ARRAY, .has_size = true };
	struct dbg_type chars = ints;
	int32_t a[300];
	char s[300];
	size_t i;

	(void)state;
	ints.target = B(DBG_BUILTIN_INT);
	chars.target = B(DBG_BUILTIN_CHAR);
	memset(a, 0, sizeof(a));
	ints.count = 12;
	ints.size = 48;
	expect(&ints, a, 48, 0, true, "{0 <repeats 12 times>}");
	for (i = 0; i < 5; i++)
		a[i] = 7;
	ints.count = 5;
	ints.size = 20;
	expect(&ints, a, 20, 0, true, "{7, 7, 7, 7, 7}");
	for (i = 0; i < 300; i++)
		a[i] = (int32_t)i;
	ints.count = 300;
	ints.size = 1200;
	{
		struct dbg_format f = { .top = true };
		struct lpd_buf b = LPD_BUF_INIT;
		struct dbg_value *v;

		assert_null(dbg_value_from_bytes(NULL, &ints, a, 1200, &v));
		assert_null(dbg_value_format(v, &f, &b));
		assert_non_null(strstr(b.data, ", 199...}"));
		assert_null(strstr(b.data, "200"));
		lpd_buf_deinit(&b);
		dbg_value_destroy(v);
	}
	memset(s, 0, sizeof(s));
	strcpy(s, "proc");
	chars.count = 12;
	chars.size = 12;
	expect(&chars, s, 12, 0, true,
	       "\"proc\\000\\000\\000\\000\\000\\000\\000\"");
	strcpy(s, "global buffer");
	chars.count = 32;
	chars.size = 32;
	expect(&chars, s, 32, 0, true,
	       "\"global buffer\", '\\000' <repeats 18 times>");
	memcpy(s, "abcd", 4);
	chars.count = 4;
	chars.size = 4;
	expect(&chars, s, 4, 0, true, "\"abcd\"");
	strcpy(s, "tab\there \"q\" \033\303");
	chars.count = 16;
	chars.size = 16;
	expect(&chars, s, 16, 0, true,
	       "\"tab\\there \\\"q\\\" \\033\\303\"");
	memset(s, 'x', 250);
	memset(s + 250, 0, 50);
	chars.count = 300;
	chars.size = 300;
	expect(&chars, s, 300, 0, true, "'x' <repeats 250 times>...");
	memset(s, 'a', 3);
	memset(s + 3, 'b', 20);
	memcpy(s + 23, "cd", 3);
	chars.count = 26;
	chars.size = 26;
	expect(&chars, s, 26, 0, true,
	       "\"aaa\", 'b' <repeats 20 times>, \"cd\"");
	/* /x on a char array prints elements. */
	chars.count = 2;
	chars.size = 2;
	expect(&chars, "hi", 2, 'x', true, "{0x68, 0x69}");
}

static void
test_values__structs_and_bitfields(void **state)
{
	struct dbg_member pm[] = {
		{ (char *)"x", NULL, 0, 0, false },
		{ (char *)"y", NULL, 32, 0, false },
	};
	struct dbg_type point = { .kind = DBG_TYPE_STRUCT, .size = 8,
				  .has_size = true, .name = (char *)"point",
				  .members = pm, .n_members = 2 };
	struct dbg_member bm[] = {
		{ (char *)"a", NULL, 0, 3, false },
		{ (char *)"b", NULL, 3, 5, false },
		{ (char *)"c", NULL, 8, 1, false },
		{ (char *)"p", &point, 32, 0, false },
	};
	struct dbg_type bits = { .kind = DBG_TYPE_STRUCT, .size = 12,
				 .has_size = true, .name = (char *)"bits",
				 .members = bm, .n_members = 4 };
	struct dbg_type empty = { .kind = DBG_TYPE_STRUCT, .size = 0,
				  .has_size = true, .name = (char *)"e" };
	uint8_t raw[12] = { 0 };
	int32_t xy[2] = { 1, -2 };

	(void)state;
	pm[0].type = pm[1].type = B(DBG_BUILTIN_INT);
	bm[0].type = bm[2].type = B(DBG_BUILTIN_UINT);
	bm[1].type = B(DBG_BUILTIN_INT);
	/* a = 5, b = -3 (11101b), c = 1 */
	raw[0] = 5 | (0x1d << 3);
	raw[1] = 1;
	memcpy(raw + 4, xy, 8);
	expect(&point, xy, 8, 0, true, "{x = 1, y = -2}");
	expect(&bits, raw, 12, 0, true,
	       "{a = 5, b = -3, c = 1, p = {x = 1, y = -2}}");
	expect(&point, xy, 8, 'x', true, "{x = 0x1, y = 0xfffffffe}");
	expect(&empty, raw, 0, 0, true, "{<No data fields>}");
}

static void
test_values__states_and_pointers(void **state)
{
	struct dbg_type node = { .kind = DBG_TYPE_STRUCT, .size = 16,
				 .has_size = true, .name = (char *)"node" };
	struct dbg_type ptr = { .kind = DBG_TYPE_POINTER, .size = 8,
				.has_size = true, .target = &node };
	struct dbg_format top = { .top = true }, in = { .top = false };
	struct lpd_buf b = LPD_BUF_INIT;
	struct dbg_value *v;
	uint64_t p = 0x10;

	(void)state;
	expect(&ptr, &p, 8, 0, true, "(struct node *) 0x10");
	expect(&ptr, &p, 8, 0, false, "0x10");
	p = 0;
	expect(&ptr, &p, 8, 0, true, "(struct node *) 0x0");
	expect(B(DBG_BUILTIN_DATA_PTR), &p, 8, 0, true, "(void *) 0x0");

	v = dbg_value_new(NULL, B(DBG_BUILTIN_INT));
	assert_non_null(v);
	v->state = DBG_VALUE_OPTIMIZED_OUT;
	assert_null(dbg_value_format(v, &top, &b));
	assert_string_equal(b.data, "<optimized out>");
	lpd_buf_reset(&b);
	v->state = DBG_VALUE_NOT_SAVED;
	assert_null(dbg_value_format(v, &in, &b));
	assert_string_equal(b.data, "<not saved>");
	lpd_buf_reset(&b);
	v->state = DBG_VALUE_ERROR;
	v->error = lpd_strdup("Cannot access memory at address 0x10");
	assert_null(dbg_value_format(v, &in, &b));
	assert_string_equal(b.data,
			    "<error: Cannot access memory at address 0x10>");
	lpd_buf_deinit(&b);
	dbg_value_destroy(v);
}

static void
test_values__json(void **state)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_json j;
	struct dbg_value *v;
	int32_t i = -7;

	(void)state;
	assert_null(dbg_value_from_bytes(NULL, B(DBG_BUILTIN_INT), &i, 4, &v));
	lpd_json_init(&j, &b);
	assert_null(dbg_value_json(v, &j));
	assert_null(lpd_json_finish(&j));
	assert_string_equal(b.data, "{\"type\":\"int\",\"kind\":\"int\","
			    "\"state\":\"ok\",\"text\":\"-7\",\"value\":-7}");
	lpd_buf_deinit(&b);
	dbg_value_destroy(v);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values__scalars),
		cmocka_unit_test(test_values__enums),
		cmocka_unit_test(test_values__arrays_and_strings),
		cmocka_unit_test(test_values__structs_and_bitfields),
		cmocka_unit_test(test_values__states_and_pointers),
		cmocka_unit_test(test_values__json),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("debugger/values", tests, NULL,
					   NULL);
}
