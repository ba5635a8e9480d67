/* tests/reasoning/test-rules.c - the Datalog engine: recursion to a
 * fixpoint, stratified negation, comparisons, arithmetic, proofs, and
 * hostile rule text refused with positions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "reasoning/rules-int.h"

static struct reason_term
sym(const char *s)
{
	struct reason_term t = { .is_num = false, .sym = s };

	return t;
}

static struct reason_term
num(double n)
{
	struct reason_term t = { .is_num = true, .num = n };

	return t;
}

static struct reason_rules *
load(const char *text)
{
	struct reason_rules *r;
	struct lpd_error *err;

	assert_null(reason_rules_create(false, &r));
	err = reason_rules_add(r, text, strlen(text), "t.dl");
	if (err != NULL)
		fail_msg("unexpected error: %s", err->message);
	return r;
}

/* Expect TEXT to be refused with CODE and a message starting PREFIX and
 * containing WHAT. */
static void
refused(const char *text, enum lpd_error_code code, const char *prefix,
	const char *what)
{
	struct reason_rules *r;
	struct lpd_error *err;

	assert_null(reason_rules_create(false, &r));
	err = reason_rules_add(r, text, strlen(text), "t.dl");
	assert_non_null(err);
	if (err->code != code || strncmp(err->message, prefix,
					 strlen(prefix)) != 0 ||
	    strstr(err->message, what) == NULL)
		fail_msg("for %s: got '%s'", text, err->message);
	assert_int_equal(r->nrules, 0);
	lpd_error_destroy(err);
	reason_rules_destroy(r);
}

static void
test_rules__transitive_closure_reaches_fixpoint(void **state)
{
	struct reason_rules *r = load(
		"path(X, Y) :- edge(X, Y).\n"
		"path(X, Y) :- path(X, Z), edge(Z, Y).\n");
	struct reason_db *db;
	struct reason_term t[2];
	int i;

	(void)state;
	assert_null(reason_db_create(&db));
	/* A chain 0 -> 1 -> ... -> 39 and a cycle 100 -> 101 -> 100. */
	for (i = 0; i < 39; i++) {
		t[0] = num(i);
		t[1] = num(i + 1);
		assert_null(reason_db_add(db, "edge", t, 2));
	}
	t[0] = num(100); t[1] = num(101);
	assert_null(reason_db_add(db, "edge", t, 2));
	t[0] = num(101); t[1] = num(100);
	assert_null(reason_db_add(db, "edge", t, 2));
	assert_null(reason_rules_eval(r, db, NULL));
	/* 40*39/2 chain paths + 4 in the cycle (incl. self loops). */
	assert_int_equal(reason_db_count(db, "path"), 40 * 39 / 2 + 4);
	t[0] = num(0); t[1] = num(39);
	assert_true(reason_db_holds(db, "path", t, 2));
	t[0] = num(39); t[1] = num(0);
	assert_false(reason_db_holds(db, "path", t, 2));
	t[0] = num(100); t[1] = num(100);
	assert_true(reason_db_holds(db, "path", t, 2));
	reason_db_destroy(db);
	reason_rules_destroy(r);
}

static void
test_rules__stratified_negation(void **state)
{
	struct reason_rules *r = load(
		"% nodes without edges\n"
		"linked(X) :- edge(X, _).\n"
		"linked(X) :- edge(_, X).\n"
		"lonely(X) :- node(X), not linked(X).\n"
		"reach(X, Y) :- edge(X, Y).\n"
		"reach(X, Y) :- reach(X, Z), edge(Z, Y).\n"
		"unreachable(X, Y) :- node(X), node(Y), X != Y,\n"
		"    not reach(X, Y), !lonely(X).\n");
	struct reason_db *db;
	struct reason_term t[2];
	int i;

	(void)state;
	assert_null(reason_db_create(&db));
	for (i = 1; i <= 5; i++) {
		t[0] = num(i);
		assert_null(reason_db_add(db, "node", t, 1));
	}
	t[0] = num(1); t[1] = num(2);
	assert_null(reason_db_add(db, "edge", t, 2));
	t[0] = num(2); t[1] = num(3);
	assert_null(reason_db_add(db, "edge", t, 2));
	assert_null(reason_rules_eval(r, db, NULL));
	assert_int_equal(reason_db_count(db, "lonely"), 2);	/* 4, 5 */
	t[0] = num(4);
	assert_true(reason_db_holds(db, "lonely", t, 1));
	t[0] = num(2);
	assert_false(reason_db_holds(db, "lonely", t, 1));
	/* From 1: 4, 5 unreachable; from 2: 1, 4, 5; from 3: 1, 2, 4, 5. */
	assert_int_equal(reason_db_count(db, "unreachable"), 2 + 3 + 4);
	reason_db_destroy(db);
	reason_rules_destroy(r);
}

static void
test_rules__comparisons_arithmetic_and_proofs(void **state)
{
	struct reason_rules *r = load(
		".show alarm.\n"
		"big(D) :- size(D, S), S >= 10.\n"
		"double(D, Y) :- size(D, S), Y = S * 2.\n"
		"alarm(D) :- big(D), kind(D, \"core\"), not ignored(D).\n");
	struct reason_db *db;
	struct reason_term t[2];
	char *proof;

	(void)state;
	assert_null(reason_db_create(&db));
	t[0] = sym("a"); t[1] = num(12);
	assert_null(reason_db_add(db, "size", t, 2));
	t[0] = sym("b"); t[1] = num(3);
	assert_null(reason_db_add(db, "size", t, 2));
	t[0] = sym("a"); t[1] = sym("core");
	assert_null(reason_db_add(db, "kind", t, 2));
	t[0] = sym("zzz");
	assert_null(reason_db_add(db, "ignored", t, 1));
	assert_null(reason_rules_eval(r, db, NULL));
	assert_int_equal(reason_db_count(db, "big"), 1);
	t[0] = sym("b"); t[1] = num(6);
	assert_true(reason_db_holds(db, "double", t, 2));
	assert_int_equal(reason_db_count(db, "alarm"), 1);
	assert_int_equal(reason_rules_shown_count(r), 1);
	assert_string_equal(reason_rules_shown(r, 0), "alarm");
	proof = reason_db_proof_text(db, "alarm", 0, 3);
	assert_non_null(proof);
	assert_non_null(strstr(proof, "alarm(\"a\")"));
	assert_non_null(strstr(proof, "t.dl:4"));
	assert_non_null(strstr(proof, "size(\"a\", 12)  [fact]"));
	assert_non_null(strstr(proof, "12 >= 10  [holds]"));
	assert_non_null(strstr(proof, "not ignored(\"a\")  [no such fact]"));
	lpd_free(proof);
	reason_db_destroy(db);
	reason_rules_destroy(r);
}

static void
test_rules__non_terminating_rule_refused(void **state)
{
	(void)state;
	/* Arithmetic feeding recursion would count forever. */
	refused("n(0).\nn(Y) :- n(X), Y = X + 1.\n", LPD_ERR_SYNTAX,
		"t.dl:2:15:", "may not terminate");
	refused("a(X) :- b(X).\nb(Y) :- a(X), Y = X * 2.\n", LPD_ERR_SYNTAX,
		"t.dl:2:15:", "may not terminate");
}

static void
test_rules__fact_limit_stops_runaway(void **state)
{
	struct reason_rules *r = load("pair(X, Y) :- n(X), n(Y).\n");
	struct reason_limits lim = { .max_facts = 100 };
	struct reason_db *db;
	struct reason_term t[1];
	struct lpd_error *err;
	int i;

	(void)state;
	assert_null(reason_db_create(&db));
	for (i = 0; i < 30; i++) {
		t[0] = num(i);
		assert_null(reason_db_add(db, "n", t, 1));
	}
	err = reason_rules_eval(r, db, &lim);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_INVALID_ARG);
	assert_non_null(strstr(err->message, "more than 100 facts"));
	assert_non_null(strstr(err->message, "t.dl:1:1"));
	lpd_error_destroy(err);
	reason_db_destroy(db);
	reason_rules_destroy(r);
}

static void
test_rules__unsafe_rules_refused(void **state)
{
	(void)state;
	refused("p(X, Y) :- q(X).", LPD_ERR_SYNTAX, "t.dl:1:1:",
		"head variable Y");
	refused("p(X) :- q(X), not r(X, Y).", LPD_ERR_SYNTAX, "t.dl:1:19:",
		"variable Y in a negated atom");
	refused("p(X) :- q(X), Y > 3.", LPD_ERR_SYNTAX, "t.dl:1:15:",
		"variable Y in a comparison");
	refused("p(X) :- not q(X).", LPD_ERR_SYNTAX, "t.dl:1:1:",
		"head variable X");
	refused("p(_) :- q(X).", LPD_ERR_SYNTAX, "t.dl:1:1:", "'_'");
}

static void
test_rules__negation_cycle_refused(void **state)
{
	(void)state;
	refused("p(X) :- q(X), not p(X).", LPD_ERR_SYNTAX, "t.dl:1:19:",
		"not stratifiable");
	refused("a(X) :- d(X), not b(X).\nb(X) :- d(X), a(X).\n",
		LPD_ERR_SYNTAX, "t.dl:1:19:", "not stratifiable");
}

static void
test_rules__syntax_errors_have_positions(void **state)
{
	(void)state;
	refused("p(X :- q(X).", LPD_ERR_SYNTAX, "t.dl:1:5:", "expected ')'");
	refused("p(X) :- q(X)\n", LPD_ERR_SYNTAX, "t.dl:2:1:",
		"expected ',' or '.'");
	refused("\n\n  p(\"abc).", LPD_ERR_SYNTAX, "t.dl:3:5:",
		"unterminated string");
	refused("p(1) :- q(1), r(@).", LPD_ERR_SYNTAX, "t.dl:1:17:",
		"unexpected '@'");
	refused("p(a).\np(a, b).", LPD_ERR_SYNTAX, "t.dl:2:1:",
		"'p' used with 2 arguments");
	refused(".include \"x\".", LPD_ERR_SYNTAX, "t.dl:1:2:",
		"unknown directive");
	refused("p(X) :- q(X), X = Y + .", LPD_ERR_SYNTAX, "t.dl:1:23:",
		"expected a term");
	refused("p(\x01).", LPD_ERR_SYNTAX, "t.dl:1:3:", "0x01");
}

static void
test_rules__refused_file_leaves_program_usable(void **state)
{
	struct reason_rules *r = load("q(X) :- p(X).\n");
	const char *bad = "r(X) :- q(X), not r(X).";
	struct reason_db *db;
	struct reason_term t[1] = { { .is_num = false, .sym = "x" } };
	struct lpd_error *err;

	(void)state;
	err = reason_rules_add(r, bad, strlen(bad), "bad.dl");
	assert_non_null(err);
	lpd_error_destroy(err);
	assert_int_equal(r->nrules, 1);
	assert_null(reason_db_create(&db));
	assert_null(reason_db_add(db, "p", t, 1));
	assert_null(reason_rules_eval(r, db, NULL));
	assert_true(reason_db_holds(db, "q", t, 1));
	reason_db_destroy(db);
	reason_rules_destroy(r);
}

static void
test_rules__builtin_rules_load(void **state)
{
	struct reason_rules *r;

	(void)state;
	assert_null(reason_rules_create(true, &r));
	assert_true(reason_rules_shown_count(r) >= 5);
	assert_true(reason_rules_find_pred(r, "same_crash") >= 0);
	assert_true(reason_rules_find_pred(r, "regression_after_update") >= 0);
	reason_rules_destroy(r);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules__transitive_closure_reaches_fixpoint),
		cmocka_unit_test(test_rules__stratified_negation),
		cmocka_unit_test(test_rules__comparisons_arithmetic_and_proofs),
		cmocka_unit_test(test_rules__non_terminating_rule_refused),
		cmocka_unit_test(test_rules__fact_limit_stops_runaway),
		cmocka_unit_test(test_rules__unsafe_rules_refused),
		cmocka_unit_test(test_rules__negation_cycle_refused),
		cmocka_unit_test(test_rules__syntax_errors_have_positions),
		cmocka_unit_test(test_rules__refused_file_leaves_program_usable),
		cmocka_unit_test(test_rules__builtin_rules_load),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("reasoning/rules", tests, NULL,
					   NULL);
}
