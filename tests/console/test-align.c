/* tests/console/test-align.c - console/align.c, the compare view's
 * backtrace alignment: normalized keys, LCS rows marked '=' or '≠', the
 * score as the fraction of matched frames, bounds and out of memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "console/align.h"

static struct align_result *
align(const char *const *a, size_t na, const char *const *b, size_t nb)
{
	struct align_result *r = NULL;

	assert_null(align_keys(a, na, b, nb, &r));
	assert_non_null(r);
	return r;
}

static void
test_align__normalize(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(align_normalize("__GI_raise", NULL, buf,
					    sizeof(buf)), "raise");
	assert_string_equal(align_normalize("___pthread_cond_wait", NULL,
					    buf, sizeof(buf)),
			    "__pthread_cond_wait");
	assert_string_equal(align_normalize("parse.isra.0", NULL, buf,
					    sizeof(buf)), "parse");
	assert_string_equal(align_normalize("run.cold", NULL, buf,
					    sizeof(buf)), "run");
	assert_string_equal(align_normalize(NULL, "/lib/libc.so.6", buf,
					    sizeof(buf)), "??@libc.so.6");
	assert_string_equal(align_normalize(NULL, NULL, buf, sizeof(buf)),
			    "??");
	/* Bounded: a long name is cut, not overrun. */
	assert_int_equal(strlen(align_normalize(
		"a_very_long_function_name_indeed", NULL, buf, 8)), 7);
}

static void
test_align__identical_stacks_all_same(void **state)
{
	const char *a[] = { "store", "on_usr1", "raise", "main" };
	struct align_result *r = align(a, 4, a, 4);
	size_t i;

	(void)state;
	assert_int_equal(r->n_rows, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(r->rows[i].mark, ALIGN_SAME);
		assert_int_equal(r->rows[i].a, (long)i);
		assert_int_equal(r->rows[i].b, (long)i);
	}
	assert_int_equal(r->matched, 4);
	assert_true(r->score == 1.0);
	align_result_destroy(r);
}

static void
test_align__shared_suffix_and_inserted_frames(void **state)
{
	/* The crasher's O2 and eh stacks: inline frames only in A, more
	 * recursion in B. */
	const char *a[] = { "store_checksum", "handle_message", "on_usr1",
			    "__restore_rt", "raise", "recurse", "main" };
	const char *b[] = { "on_usr1", "__restore_rt", "raise", "recurse",
			    "recurse", "recurse", "main" };
	struct align_result *r = align(a, 7, b, 7);
	size_t i, same = 0;

	(void)state;
	assert_int_equal(r->matched, 5);
	assert_true(r->score > 0.71 && r->score < 0.72);	/* 10/14 */
	/* A's inline frames face nothing; B's extra recursion faces
	 * nothing; matches keep their order. */
	assert_int_equal(r->rows[0].mark, ALIGN_DIFF);
	assert_int_equal(r->rows[0].a, 0);
	assert_int_equal(r->rows[0].b, -1);
	assert_int_equal(r->rows[2].mark, ALIGN_SAME);
	assert_int_equal(r->rows[2].a, 2);
	assert_int_equal(r->rows[2].b, 0);
	for (i = 0; i < r->n_rows; i++) {
		const struct align_row *row = &r->rows[i];

		if (row->mark == ALIGN_SAME) {
			assert_string_equal(a[row->a], b[row->b]);
			same++;
		}
	}
	assert_int_equal(same, r->matched);
	assert_string_equal(a[r->rows[r->n_rows - 1].a], "main");
	align_result_destroy(r);
}

static void
test_align__disjoint_stacks_pair_up(void **state)
{
	const char *a[] = { "x", "y", "z" };
	const char *b[] = { "p", "q" };
	struct align_result *r = align(a, 3, b, 2);

	(void)state;
	assert_int_equal(r->n_rows, 3);
	assert_int_equal(r->matched, 0);
	assert_true(r->score == 0.0);
	assert_int_equal(r->rows[0].a, 0);
	assert_int_equal(r->rows[0].b, 0);
	assert_int_equal(r->rows[1].b, 1);
	assert_int_equal(r->rows[2].a, 2);
	assert_int_equal(r->rows[2].b, -1);
	assert_int_equal(r->rows[2].mark, ALIGN_DIFF);
	align_result_destroy(r);
}

static void
test_align__empty_and_unknown(void **state)
{
	const char *a[] = { NULL, "main" };
	const char *b[] = { NULL, "main" };
	struct align_result *r = align(NULL, 0, NULL, 0);

	(void)state;
	assert_int_equal(r->n_rows, 0);
	assert_true(r->score == 1.0);
	align_result_destroy(r);
	/* A NULL key (unnormalized unknown frame) never matches. */
	r = align(a, 2, b, 2);
	assert_int_equal(r->matched, 1);
	assert_int_equal(r->rows[0].mark, ALIGN_DIFF);
	align_result_destroy(r);
}

static void
test_align__bounded_and_out_of_memory(void **state)
{
	static const char *many[ALIGN_MAX_FRAMES + 40];
	struct align_result *r = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < ALIGN_MAX_FRAMES + 40; i++)
		many[i] = "f";
	r = align(many, ALIGN_MAX_FRAMES + 40, many, 3);
	assert_int_equal(r->n_a, ALIGN_MAX_FRAMES);
	assert_int_equal(r->matched, 3);
	align_result_destroy(r);
	r = NULL;
	lpd_alloc_fail_after(0);
	assert_ptr_equal(align_keys(many, 3, many, 3, &r), &lpd_enomem);
	assert_null(r);
	lpd_alloc_fail_after(1);
	assert_ptr_equal(align_keys(many, 3, many, 3, &r), &lpd_enomem);
	lpd_alloc_fail_after(2);
	assert_ptr_equal(align_keys(many, 3, many, 3, &r), &lpd_enomem);
	assert_null(r);
	lpd_alloc_fail_after(-1);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_align__normalize),
		cmocka_unit_test(test_align__identical_stacks_all_same),
		cmocka_unit_test(test_align__shared_suffix_and_inserted_frames),
		cmocka_unit_test(test_align__disjoint_stacks_pair_up),
		cmocka_unit_test(test_align__empty_and_unknown),
		cmocka_unit_test(test_align__bounded_and_out_of_memory),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("console/align", tests, NULL,
					   NULL);
}
