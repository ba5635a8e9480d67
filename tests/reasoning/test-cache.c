/* tests/reasoning/test-cache.c - analyses cached in the repository's
 * analyses table, on a real core of the fixture crasher: the facts JSON
 * stored and read back is byte-identical, parses into an analysis that
 * serializes to the same bytes and compares as identical to the original;
 * the crashed frame's values are among the facts; a corrupt row is an
 * error naming it, not a crash; another analyzer version misses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reasoning/reasoning-int.h"
#include "repo/repo.h"

struct ca_fixture {
	char dir[256];
	char core[PATH_MAX], exe[PATH_MAX];
	char hash[REPO_HASH_LEN + 1];
	struct repo *r;
	struct reason_analysis *a;
};

static int
sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static char *
to_json(const struct reason_analysis *a)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_json j;
	struct lpd_error *err;

	lpd_json_init(&j, &b);
	reason_analysis_to_json(a, &j);
	err = lpd_json_finish(&j);
	if (err != NULL) {
		lpd_error_destroy(err);
		lpd_buf_deinit(&b);
		return NULL;
	}
	return b.data;	/* owned by the caller now */
}

static int
group_setup(void **state)
{
	struct ca_fixture *f = calloc(1, sizeof(*f));
	struct dbg_options o = { 0 };
	struct reason_meta meta = { .lpar = "lpar-a", .node = "node-1",
				    .image = "app:1", .time = 1767261600 };
	struct repo_import *imp = NULL;
	struct dbg_target *t = NULL;
	char repodir[PATH_MAX];

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/lpd-cache.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	if (sh("sh fixtures/make-core.sh '%s' O2 >/dev/null 2>&1", f->dir)) {
		fprintf(stderr, "cannot make the crasher's core\n");
		return -1;
	}
	snprintf(f->core, sizeof(f->core), "%s/O2/core", f->dir);
	snprintf(f->exe, sizeof(f->exe), "%s/O2/crasher", f->dir);
	snprintf(repodir, sizeof(repodir), "%s/repo", f->dir);
	if (repo_init(repodir, &f->r) != NULL ||
	    repo_import_begin(f->r, f->core, NULL, &imp) != NULL ||
	    repo_import_commit(imp, f->hash) != NULL)
		return -1;
	repo_import_destroy(imp);
	o.exe = f->exe;
	if (dbg_target_load(f->core, &o, &t) != NULL)
		return -1;
	meta.id = "cached";
	if (reason_analyze(t, &meta, &f->a) != NULL)
		return -1;
	dbg_target_destroy(t);
	*state = f;
	return 0;
}

static int
group_teardown(void **state)
{
	struct ca_fixture *f = *state;

	if (f == NULL)
		return 0;
	reason_analysis_destroy(f->a);
	repo_destroy(f->r);
	sh("rm -rf '%s'", f->dir);
	free(f);
	return 0;
}

/* Stored, read back, parsed and written again: the same bytes. */
static void
test_round_trip(void **state)
{
	struct ca_fixture *f = *state;
	struct reason_analysis *back = NULL;
	struct reason_comparison *c = NULL;
	char *json = to_json(f->a), *got = NULL, *again;
	size_t d;
	double s;

	assert_non_null(json);
	assert_null(repo_analysis_put(f->r, f->hash, "reason",
				      REASON_ANALYZER_VERSION, json));
	assert_null(repo_analysis_get(f->r, f->hash, "reason",
				      REASON_ANALYZER_VERSION, &got));
	assert_string_equal(got, json);
	assert_null(reason_analysis_from_json(got, strlen(got), "cache",
					      &back));
	again = to_json(back);
	assert_non_null(again);
	assert_string_equal(again, json);
	assert_string_equal(reason_analysis_id(back), "cached");
	assert_string_equal(reason_analysis_lpar(back), "lpar-a");
	assert_int_equal(reason_analysis_time(back), 1767261600);
	assert_int_equal(reason_norm_count(back), reason_norm_count(f->a));
	assert_null(reason_compare(f->a, back, NULL, &c));
	for (d = 0; d < REASON_DIM_COUNT; d++)
		if (reason_comparison_dim(c, (enum reason_dim)d, &s))
			assert_true(s > 0.999);
	assert_true(reason_comparison_score(c) > 0.999);
	reason_comparison_destroy(c);
	reason_analysis_destroy(back);
	lpd_free(json);
	lpd_free(got);
	lpd_free(again);
}

/* The crashed frame (store_checksum, inlined) faults on its NULL
 * argument: that value is a fact, and the values dimension applies. */
static void
test_frame_values(void **state)
{
	struct ca_fixture *f = *state;
	struct reason_comparison *c = NULL;
	const struct reason_analysis *a = f->a;
	bool found = false;
	size_t i;
	double s;

	assert_true(a->n_values <= REASON_MAX_FRAME_VALUES);
	for (i = 0; i < a->n_values; i++) {
		printf("value %s = %s\n", a->values[i].key,
		       a->values[i].value);
		assert_true(strncmp(a->values[i].key, "frame.", 6) == 0);
		if (strcmp(a->values[i].key, "frame.store_checksum.where") ==
		    0) {
			assert_string_equal(a->values[i].value, "NULL");
			found = true;
		}
	}
	assert_true(found);
	assert_null(reason_compare(a, a, NULL, &c));
	assert_true(reason_comparison_dim(c, REASON_DIM_VALUES, &s));
	assert_true(s == 1.0);
	assert_non_null(strstr(reason_comparison_explain(c,
							 REASON_DIM_VALUES),
			       "common values equal"));
	reason_comparison_destroy(c);
}

/* A corrupt row reads back as stored and fails to parse with a message
 * naming it; another version is a miss. */
static void
test_corrupt_and_miss(void **state)
{
	struct ca_fixture *f = *state;
	struct reason_analysis *a = NULL;
	struct lpd_error *err;
	char *got = NULL;

	assert_null(repo_analysis_put(f->r, f->hash, "reason", "test/0",
				      "{\"schema\": 3"));
	assert_null(repo_analysis_get(f->r, f->hash, "reason", "test/0",
				      &got));
	err = reason_analysis_from_json(got, strlen(got), "cached row", &a);
	assert_non_null(err);
	/* Not JSON at all: a syntax error with the position. */
	assert_true(err->code == LPD_ERR_BAD_INPUT ||
		    err->code == LPD_ERR_SYNTAX);
	assert_non_null(strstr(err->message, "cached row"));
	assert_null(a);
	lpd_error_destroy(err);
	lpd_free(got);
	got = NULL;
	err = repo_analysis_get(f->r, f->hash, "reason", "test/none", &got);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_NOT_FOUND);
	assert_null(got);
	lpd_error_destroy(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_frame_values),
		cmocka_unit_test(test_corrupt_and_miss),
	};

	return cmocka_run_group_tests_name("reasoning/cache", tests,
					   group_setup, group_teardown);
}
