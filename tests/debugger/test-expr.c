/* tests/debugger/test-expr.c - the C expression parser: precedence, postfix
 * chains, casts to type names, literals, and gdb's syntax errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "debugger/dwarf-int.h"

static bool
is_type(void *arg, const char *name)
{
	(void)arg;
	return strcmp(name, "point_t") == 0 || strcmp(name, "u8") == 0;
}

static void
check(const char *text, const char *want)
{
	struct dbg_expr_node *n = NULL;
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_error *err;

	err = dbg_expr_parse(text, is_type, NULL, &n);
	if (err != NULL)
		fail_msg("%s: %s", text, err->message);
	assert_null(dbg_expr_dump(n, &b));
	if (strcmp(b.data, want) != 0)
		fail_msg("%s:\n  got  %s\n  want %s", text, b.data, want);
	lpd_buf_deinit(&b);
	dbg_expr_free(n);
}

static void
check_error(const char *text, const char *want)
{
	struct dbg_expr_node *n = NULL;
	struct lpd_error *err;

	err = dbg_expr_parse(text, is_type, NULL, &n);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_SYNTAX);
	assert_string_equal(err->message, want);
	lpd_error_destroy(err);
}

static void check_error(const char *text, const char *want);

static void
test_expr__precedence(void **state)
{
	(void)state;
	check("1 + 2 * 3", "(+ (int 1) (* (int 2) (int 3)))");
	check("(1 + 2) * 3", "(* (+ (int 1) (int 2)) (int 3))");
	check("a - b - c", "(- (- (id a) (id b)) (id c))");
	check("a < b == c", "(== (< (id a) (id b)) (id c))");
	check("a || b && c", "(|| (id a) (&& (id b) (id c)))");
	check("a & b | c ^ d", "(| (& (id a) (id b)) (^ (id c) (id d)))");
	check("x << 2 >> 1", "(>> (<< (id x) (int 2)) (int 1))");
	check("a ? b : c", "(?: (id a) (id b) (id c))");
	check("a%b", "(% (id a) (id b))");
}

static void
test_expr__unary_and_postfix(void **state)
{
	(void)state;
	check("*p->next", "(deref (-> next (id p)))");
	check("&a[1].b", "(addr (. b ([] (id a) (int 1))))");
	check("-x", "(neg (id x))");
	check("!~x", "(! (~ (id x)))");
	check("msg->hdr.len", "(. len (-> hdr (id msg)))");
	check("a[i][j]", "([] ([] (id a) (id i)) (id j))");
	check("p - -1", "(- (id p) (neg (int 1)))");
	check("a->b", "(-> b (id a))");
	check("$pc + $rax", "(+ (reg pc) (reg rax))");
}

static void
test_expr__literals(void **state)
{
	(void)state;
	check("0x1f", "(int 31)");
	check("017", "(int 15)");
	check("42ul", "(int 42)");
	check("'A'", "(char 65)");
	check("'\\n'", "(char 10)");
	check("'\\033'", "(char 27)");
	check("\"hi\\t\"", "(string hi\t)");
	check("2.5", "(float 2.5)");
	check("1e3", "(float 1000)");
}

static void
test_expr__casts_and_sizeof(void **state)
{
	(void)state;
	check("(char)x", "(cast <char> (id x))");
	check("(unsigned long)x", "(cast <unsigned long> (id x))");
	check("(struct node *)p", "(cast <struct node*> (id p))");
	check("(point_t *)&o", "(cast <point_t*> (addr (id o)))");
	check("(const char **)v", "(cast <char**> (id v))");
	check("(x)", "(id x)");
	check("(x) + 1", "(+ (id x) (int 1))");
	check("sizeof(int)", "(sizeof <int>)");
	check("sizeof(struct message)", "(sizeof <struct message>)");
	check("sizeof x", "(sizeof (id x))");
	check("sizeof(x)", "(sizeof (id x))");
	/* Declarators with parentheses are not parsed (a known gap). */
	check_error("(char (*)[4])p",
		    "A syntax error in expression, near `(*)[4])p'.");
}

static void
test_expr__syntax_errors(void **state)
{
	(void)state;
	check_error("1 +", "A syntax error in expression, near `'.");
	check_error("", "A syntax error in expression, near `'.");
	check_error(")", "A syntax error in expression, near `)'.");
	check_error("a b", "A syntax error in expression, near `b'.");
	check_error("(1", "A syntax error in expression, near `'.");
	check_error("p->", "A syntax error in expression, near `'.");
	check_error("a[1", "A syntax error in expression, near `'.");
	check_error("'", "A syntax error in expression, near `''.");
	check_error("\"abc", "Unterminated string in expression.");
	check_error("12abc", "Invalid number \"12abc\".");
}

static void
test_expr__bounded_nesting(void **state)
{
	char text[5000];
	struct dbg_expr_node *n = NULL;
	struct lpd_error *err;

	(void)state;
	memset(text, '(', 2000);
	memset(text + 2000, 0, 1);
	err = dbg_expr_parse(text, NULL, NULL, &n);
	assert_non_null(err);
	lpd_error_destroy(err);
	memset(text, '-', 4000);
	strcpy(text + 4000, "1");
	err = dbg_expr_parse(text, NULL, NULL, &n);
	assert_non_null(err);
	lpd_error_destroy(err);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expr__precedence),
		cmocka_unit_test(test_expr__unary_and_postfix),
		cmocka_unit_test(test_expr__literals),
		cmocka_unit_test(test_expr__casts_and_sizeof),
		cmocka_unit_test(test_expr__syntax_errors),
		cmocka_unit_test(test_expr__bounded_nesting),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("debugger/expr", tests, NULL, NULL);
}
