/* tests/reasoning/test-similarity.c - the dimensions and their weights:
 * frames near the crash count more than far ones, rare frames more than
 * common ones, and every dimension says why it scored what it did. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/reasoning/fixture.h"

static double
stack_score(const char *const *fa, const char *const *fb,
	    const struct reason_corpus *corpus)
{
	struct reason_analysis *a = fx_analysis("a", "SIGSEGV", "null-page",
						fa);
	struct reason_analysis *b = fx_analysis("b", "SIGSEGV", "null-page",
						fb);
	double s = reason_stack_similarity(a, b, corpus);

	reason_analysis_destroy(a);
	reason_analysis_destroy(b);
	return s;
}

static void
test_similarity__identical_stacks_score_one(void **state)
{
	static const char *const f[] = { "x@app", "y@app", "main@app", NULL };
	struct reason_analysis *a = fx_analysis("a", "SIGSEGV", "null-page", f);
	struct reason_analysis *b = fx_analysis("b", "SIGSEGV", "null-page", f);
	struct reason_comparison *c;
	double s;
	size_t d;

	(void)state;
	assert_null(reason_compare(a, b, NULL, &c));
	assert_true(reason_comparison_score(c) > 0.999);
	for (d = 0; d < REASON_DIM_COUNT; d++) {
		assert_non_null(reason_comparison_explain(c, d));
		if (reason_comparison_dim(c, d, &s))
			assert_true(s > 0.999);
	}
	/* No values in either dump: the dimension does not apply. */
	assert_false(reason_comparison_dim(c, REASON_DIM_VALUES, &s));
	assert_non_null(strstr(reason_comparison_explain(c, REASON_DIM_STACK),
			       "all 3"));
	reason_comparison_destroy(c);
	reason_analysis_destroy(a);
	reason_analysis_destroy(b);
}

static void
test_similarity__frames_near_the_crash_weigh_more(void **state)
{
	static const char *const base[] = {
		"crash@app", "caller@app", "mid1@app", "mid2@app", "mid3@app",
		"main@app", NULL,
	};
	static const char *const diff_bottom[] = {
		"crash@app", "caller@app", "other1@app", "other2@app",
		"other3@app", "main@app", NULL,
	};
	static const char *const diff_top[] = {
		"boom@app", "bang@app", "mid1@app", "mid2@app", "mid3@app",
		"main@app", NULL,
	};
	double bottom, top;

	(void)state;
	bottom = stack_score(base, diff_bottom, NULL);
	top = stack_score(base, diff_top, NULL);
	/* Same number of differing frames; where they are is what counts. */
	assert_true(bottom > 0.6);
	assert_true(top < 0.4);
	assert_true(bottom > top + 0.25);
}

static void
test_similarity__shifted_frames_still_align(void **state)
{
	static const char *const a[] = {
		"crash@app", "caller@app", "run@app", "main@app", NULL,
	};
	static const char *const b[] = {
		"crash@app", "caller@app", "dispatch@app", "run@app",
		"serve@app", "main@app", NULL,
	};

	(void)state;
	assert_true(stack_score(a, b, NULL) > 0.8);
}

static void
test_similarity__rare_frames_weigh_more(void **state)
{
	static const char *const x[] = {
		"common@app", "rare_x@app", "main@app", NULL,
	};
	static const char *const y[] = {
		"common@app", "rare_y@app", "main@app", NULL,
	};
	static const char *const z[] = {
		"rare_z@app", "common@app", "main@app", NULL,
	};
	struct reason_corpus *corpus;
	struct reason_analysis *a;
	double with, without;
	int i;

	(void)state;
	assert_null(reason_corpus_create(&corpus));
	/* "common" is in every dump of the corpus. */
	for (i = 0; i < 20; i++) {
		a = fx_analysis("c", "SIGSEGV", "null-page", i % 2 ? x : z);
		assert_null(reason_corpus_add(corpus, a));
		reason_analysis_destroy(a);
	}
	without = stack_score(x, y, NULL);
	with = stack_score(x, y, corpus);
	/* Sharing only a frame every dump has means less with the corpus. */
	assert_true(with < without);
	assert_true(with < 0.5);
	reason_corpus_destroy(corpus);
}

static void
test_similarity__system_frames_and_fault_dimension(void **state)
{
	static const char *const f1[] = {
		"memcpy@libc.so.6", "copy@app", "main@app", NULL,
	};
	static const char *const f2[] = {
		"memcpy@libc.so.6", "paste@app", "main@app", NULL,
	};
	struct reason_analysis *a = fx_analysis("a", "SIGSEGV", "null-page",
						f1);
	struct reason_analysis *b = fx_analysis("b", "SIGABRT", "none", f2);
	struct reason_comparison *c;
	double s;

	(void)state;
	assert_null(reason_compare(a, b, NULL, &c));
	assert_true(reason_comparison_dim(c, REASON_DIM_STACK, &s));
	assert_true(s < 0.5);	/* only a libc frame and main in common */
	assert_true(reason_comparison_dim(c, REASON_DIM_FAULT, &s));
	assert_true(s < 0.01);
	assert_non_null(strstr(reason_comparison_explain(c, REASON_DIM_FAULT),
			       "SIGSEGV vs SIGABRT"));
	assert_non_null(strstr(reason_comparison_explain(c, REASON_DIM_STACK),
			       "copy@app vs paste@app"));
	assert_true(reason_comparison_dim(c, REASON_DIM_MODULES, &s));
	assert_true(s > 0.999);
	assert_non_null(strstr(reason_comparison_explain(c,
		REASON_DIM_MODULES), "same code"));
	reason_comparison_destroy(c);
	reason_analysis_destroy(a);
	reason_analysis_destroy(b);
}

static void
test_similarity__pair_facts_feed_the_builtin_rules(void **state)
{
	static const char *const f1[] = {
		"str_field@app", "parse_value@app", "load@app", "main@app", NULL,
	};
	static const char *const f2[] = {
		"str_field@app", "render_title@app", "draw@app", "main@app",
		NULL,
	};
	static const char *const f3[] = {
		"str_field@app", "parse_value@app", "cmdline@app", "main@app",
		NULL,
	};
	struct reason_analysis *a = fx_analysis("a", "SIGSEGV", "null-page",
						f1);
	struct reason_analysis *b = fx_analysis("b", "SIGSEGV", "null-page",
						f2);
	struct reason_analysis *c3 = fx_analysis("c", "SIGSEGV", "null-page",
						 f3);
	struct reason_comparison *c;
	struct reason_rules *r;
	struct reason_db *db;
	char *proof;

	(void)state;
	assert_null(reason_rules_create(true, &r));
	/* Different bugs, same top frame. */
	assert_null(reason_compare(a, b, NULL, &c));
	assert_null(reason_db_create(&db));
	assert_null(reason_db_add_pair(db, a, "a", b, "b", c));
	assert_null(reason_rules_eval(r, db, NULL));
	assert_false(reason_pair_is_same(db));
	assert_int_equal(reason_db_count(db, "different_bug_same_symptom"), 1);
	proof = reason_db_proof_text(db, "different_bug_same_symptom", 0, 3);
	assert_non_null(strstr(proof, "parse_value@app"));
	assert_non_null(strstr(proof, "render_title@app"));
	lpd_free(proof);
	reason_db_destroy(db);
	reason_comparison_destroy(c);
	/* The same bug through another caller. */
	assert_null(reason_compare(a, c3, NULL, &c));
	assert_null(reason_db_create(&db));
	assert_null(reason_db_add_pair(db, a, "a", c3, "c", c));
	assert_null(reason_rules_eval(r, db, NULL));
	assert_true(reason_pair_is_same(db));
	assert_int_equal(reason_db_count(db, "different_bug_same_symptom"), 0);
	assert_int_equal(reason_db_count(db, "same_code"), 1);
	reason_db_destroy(db);
	reason_comparison_destroy(c);
	reason_rules_destroy(r);
	reason_analysis_destroy(a);
	reason_analysis_destroy(b);
	reason_analysis_destroy(c3);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_similarity__identical_stacks_score_one),
		cmocka_unit_test(test_similarity__frames_near_the_crash_weigh_more),
		cmocka_unit_test(test_similarity__shifted_frames_still_align),
		cmocka_unit_test(test_similarity__rare_frames_weigh_more),
		cmocka_unit_test(test_similarity__system_frames_and_fault_dimension),
		cmocka_unit_test(test_similarity__pair_facts_feed_the_builtin_rules),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("reasoning/similarity", tests, NULL,
					   NULL);
}
