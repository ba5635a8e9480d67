/* tests/reasoning/test-triage.c - bucketing: duplicates collapse, the same
 * bug through other callers joins, different bugs with the same top frame
 * stay apart, the baselines behave as their names say, the work stays
 * far below all pairs, and the reports carry the buckets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/reasoning/fixture.h"

static const char *const bug_a1[] = {
	"abort@libc.so.6", "free@libc.so.6", "release@app", "session_close@app",
	"handle@app", "main@app", NULL,
};
static const char *const bug_a2[] = {
	"abort@libc.so.6", "free@libc.so.6", "release@app", "session_close@app",
	"shutdown@app", "main@app", NULL,
};
static const char *const bug_b[] = {
	"abort@libc.so.6", "free@libc.so.6", "release@app", "cache_evict@app",
	"trim@app", "main@app", NULL,
};
static const char *const bug_c[] = {
	"str_field@app", "parse_value@app", "load@app", "main@app", NULL,
};

static void
add(struct reason_triage *tr, const char *id, const char *sig,
    const char *const *f)
{
	struct reason_analysis *a = fx_analysis(id, sig, "none", f);

	assert_non_null(a);
	assert_null(reason_triage_add(tr, a));
	reason_analysis_destroy(a);
}

static struct reason_triage *
make(enum reason_method m, size_t copies)
{
	struct reason_triage_options o = { .method = m };
	struct reason_triage *tr;
	char id[32];
	size_t i;

	assert_null(reason_triage_create(&o, &tr));
	for (i = 0; i < copies; i++) {
		snprintf(id, sizeof(id), "a1-%zu", i);
		add(tr, id, "SIGABRT", bug_a1);
		snprintf(id, sizeof(id), "a2-%zu", i);
		add(tr, id, "SIGABRT", bug_a2);
		snprintf(id, sizeof(id), "b-%zu", i);
		add(tr, id, "SIGABRT", bug_b);
		snprintf(id, sizeof(id), "c-%zu", i);
		add(tr, id, "SIGSEGV", bug_c);
	}
	assert_null(reason_triage_run(tr));
	return tr;
}

static void
test_triage__same_bug_joins_different_bug_stays_apart(void **state)
{
	struct reason_triage *tr = make(REASON_METHOD_RELATIONAL, 5);
	size_t sigs, cands, scored;

	(void)state;
	assert_int_equal(reason_triage_item_count(tr), 20);
	assert_int_equal(reason_triage_bucket_count(tr), 3);
	/* a1 and a2 (another caller path) together; b and c apart. */
	assert_int_equal(reason_triage_bucket_of(tr, 0),
			 reason_triage_bucket_of(tr, 1));
	assert_int_not_equal(reason_triage_bucket_of(tr, 0),
			     reason_triage_bucket_of(tr, 2));
	assert_int_not_equal(reason_triage_bucket_of(tr, 2),
			     reason_triage_bucket_of(tr, 3));
	assert_int_equal(reason_triage_bucket_of(tr, 4),
			 reason_triage_bucket_of(tr, 0));
	reason_triage_stats(tr, &sigs, &cands, &scored);
	assert_int_equal(sigs, 4);	/* exact duplicates collapsed */
	assert_true(scored <= 6);	/* at most all pairs of 4 groups */
	reason_triage_destroy(tr);
}

static void
test_triage__baselines(void **state)
{
	struct reason_triage *top1 = make(REASON_METHOD_TOP1, 2);
	struct reason_triage *top3 = make(REASON_METHOD_TOP3, 2);
	struct reason_triage *edit = make(REASON_METHOD_EDIT, 2);

	(void)state;
	/* Raw top frame: every abort together; top 3: the same here. */
	assert_int_equal(reason_triage_bucket_count(top1), 2);
	assert_int_equal(reason_triage_bucket_count(top3), 2);
	assert_true(reason_triage_bucket_count(edit) >= 2);
	reason_triage_destroy(top1);
	reason_triage_destroy(top3);
	reason_triage_destroy(edit);
}

static void
test_triage__many_distinct_bugs_scale_below_all_pairs(void **state)
{
	struct reason_triage_options o = { 0 };
	struct reason_triage *tr;
	size_t i, n = 2000, sigs, cands, scored;
	char f0[64], f1[64], f2[64], id[32];

	(void)state;
	assert_null(reason_triage_create(&o, &tr));
	/* 400 bugs of 5 dumps, each dump with its own path below. */
	for (i = 0; i < n; i++) {
		const char *frames[] = { f0, f1, f2, "run@app", "main@app",
					 NULL };

		snprintf(f0, sizeof(f0), "crash%zu@app", i / 5);
		snprintf(f1, sizeof(f1), "caller%zu@app", i / 5);
		snprintf(f2, sizeof(f2), "path%zu@app", i);
		snprintf(id, sizeof(id), "d%zu", i);
		add(tr, id, "SIGSEGV", frames);
	}
	assert_null(reason_triage_run(tr));
	assert_int_equal(reason_triage_bucket_count(tr), n / 5);
	reason_triage_stats(tr, &sigs, &cands, &scored);
	assert_int_equal(sigs, n);
	/* All pairs would be ~2,000,000. */
	if (scored >= 20 * n)
		fail_msg("%zu pairs scored for %zu signatures", scored, n);
	for (i = 0; i < n; i += 5)
		assert_int_equal(reason_triage_bucket_of(tr, i),
				 reason_triage_bucket_of(tr, i + 4));
	reason_triage_destroy(tr);
}

static void
test_triage__reports(void **state)
{
	struct reason_triage *tr = make(REASON_METHOD_RELATIONAL, 2);
	static const enum reason_format fmts[] = {
		REASON_FORMAT_TEXT, REASON_FORMAT_JSON, REASON_FORMAT_MARKDOWN,
		REASON_FORMAT_JUNIT,
	};
	static const char *const want[] = {
		"bucket 1: 4 dumps", "\"representative\":\"a1-0\"",
		"| 1 | 4 |", "<testcase classname=\"lpardbg.triage\"",
	};
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		struct lpd_buf b = LPD_BUF_INIT;

		assert_null(reason_report_triage(tr, fmts[i], &b));
		if (strstr(b.data, want[i]) == NULL)
			fail_msg("format %zu lacks '%s':\n%s", i, want[i],
				 b.data);
		lpd_buf_deinit(&b);
	}
	reason_triage_destroy(tr);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_triage__same_bug_joins_different_bug_stays_apart),
		cmocka_unit_test(test_triage__baselines),
		cmocka_unit_test(test_triage__many_distinct_bugs_scale_below_all_pairs),
		cmocka_unit_test(test_triage__reports),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("reasoning/triage", tests, NULL,
					   NULL);
}
