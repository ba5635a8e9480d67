/* tests/reasoning/test-facts.c - plugin facts in reasoning/facts.c: kept
 * with the plugin's name and version, written to and read back from the
 * facts document, and put into the Datalog database with the dump first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "tests/reasoning/fixture.h"

static const char *const frames[] = { "crash@app", "main@app", NULL };

static void
test_facts__plugin_facts_round_trip(void **state)
{
	struct reason_analysis *a = fx_analysis("d1", "SIGSEGV", "null-page",
						frames), *b;
	struct reason_term t[2] = { { .sym = "vios3" },
				    { .is_num = true, .num = 42 } };
	struct lpd_buf buf = LPD_BUF_INIT;
	const char *plugin, *version;
	struct lpd_json j;
	char *text;

	(void)state;
	assert_non_null(a);
	assert_null(reason_analysis_add_fact(a, "messaging", "1.0",
					     "msg_unacked", t, 2));
	assert_int_equal(reason_analysis_fact_count(a), 1);
	text = reason_analysis_fact_text(a, 0, &plugin, &version);
	assert_string_equal(text, "msg_unacked(\"vios3\", 42)");
	assert_string_equal(plugin, "messaging");
	assert_string_equal(version, "1.0");
	lpd_free(text);
	lpd_json_init(&j, &buf);
	reason_analysis_to_json(a, &j);
	assert_null(lpd_json_finish(&j));
	assert_non_null(strstr(buf.data, "\"facts\":[{\"plugin\":\"messaging\""
				",\"version\":\"1.0\",\"pred\":\"msg_unacked\","
				"\"args\":[\"vios3\",42]}]"));
	assert_null(reason_analysis_from_json(buf.data, buf.len, "mem", &b));
	assert_int_equal(reason_analysis_fact_count(b), 1);
	text = reason_analysis_fact_text(b, 0, &plugin, &version);
	assert_string_equal(text, "msg_unacked(\"vios3\", 42)");
	lpd_free(text);
	lpd_buf_deinit(&buf);
	reason_analysis_destroy(b);
	reason_analysis_destroy(a);
}

static void
test_facts__bad_predicate_refused(void **state)
{
	struct reason_analysis *a = fx_analysis("d1", "SIGSEGV", "null-page",
						frames);
	struct lpd_error *err;

	(void)state;
	err = reason_analysis_add_fact(a, "p", "1", "msg.peer", NULL, 0);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_INVALID_ARG);
	assert_non_null(strstr(err->message, "plugin p"));
	lpd_error_destroy(err);
	assert_int_equal(reason_analysis_fact_count(a), 0);
	reason_analysis_destroy(a);
}

static void
test_facts__plugin_facts_feed_rules(void **state)
{
	struct reason_analysis *a = fx_analysis("a", "SIGSEGV", "null-page",
						frames);
	struct reason_analysis *b = fx_analysis("b", "SIGABRT", "null-page",
						frames);
	struct reason_term down[1] = { { .sym = "vios2" } };
	struct reason_term me[1] = { { .sym = "vios2" } };
	struct reason_term q[2] = { { .sym = "a" }, { .sym = "b" } };
	static const char rule[] =
		"w(A, B) :- related(A, B), peer_down(A, N), self(B, N).\n";
	struct reason_comparison *c;
	struct reason_rules *r;
	struct reason_db *db;

	(void)state;
	assert_null(reason_analysis_add_fact(a, "t", "1", "peer_down", down,
					     1));
	assert_null(reason_analysis_add_fact(b, "t", "1", "self", me, 1));
	assert_null(reason_compare(a, b, NULL, &c));
	assert_null(reason_rules_create(true, &r));
	assert_null(reason_rules_add(r, rule, strlen(rule), "<t>"));
	assert_null(reason_db_create(&db));
	assert_null(reason_db_add_pair(db, a, "a", b, "b", c));
	assert_null(reason_rules_eval(r, db, NULL));
	assert_true(reason_db_holds(db, "w", q, 2));
	reason_db_destroy(db);
	reason_rules_destroy(r);
	reason_comparison_destroy(c);
	reason_analysis_destroy(b);
	reason_analysis_destroy(a);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_facts__plugin_facts_round_trip),
		cmocka_unit_test(test_facts__bad_predicate_refused),
		cmocka_unit_test(test_facts__plugin_facts_feed_rules),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("reasoning/facts", tests, NULL,
					   NULL);
}
