/* tests/console/test-agent.c - console/agent.c, the agent protocol:
 * requests parsed and checked (types, missing arguments, unknown ops,
 * duplicate keys, NUL bytes), error replies that keep the id, and a serve
 * loop that answers malformed and oversized lines with an error and keeps
 * going to the next request; regs/vars requests bounded, and the
 * console's check of regs/vars replies refusing what is out of shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "console/agent.h"
#include "console/session.h"

static struct lpd_error *
parse(const char *line, struct agent_request *r)
{
	return agent_parse(line, strlen(line), r);
}

/* Parse LINE expecting an error with reply code CODE. */
static void
parse_fails(const char *line, const char *code)
{
	struct agent_request r;
	struct lpd_error *err = parse(line, &r);

	assert_non_null(err);
	assert_string_equal(agent_error_code(err), code);
	lpd_error_destroy(err);
	agent_request_deinit(&r);
}

static void
test_agent__parse_valid(void **state)
{
	struct agent_request r;

	(void)state;
	assert_null(parse("{\"id\":7,\"op\":\"hello\",\"protocol\":1}", &r));
	assert_int_equal(r.op, AGENT_OP_HELLO);
	assert_int_equal(r.protocol, 1);
	assert_int_equal(json_integer_value(r.id), 7);
	agent_request_deinit(&r);

	assert_null(parse("{\"op\":\"open\",\"dump\":\"3ce0af\"}", &r));
	assert_int_equal(r.op, AGENT_OP_OPEN);
	assert_string_equal(r.dump, "3ce0af");
	assert_null(r.core);
	assert_null(r.id);
	agent_request_deinit(&r);

	assert_null(parse("{\"op\":\"open\",\"core\":\"/c\",\"exe\":\"/e\"}",
			  &r));
	assert_string_equal(r.core, "/c");
	assert_string_equal(r.exe, "/e");
	agent_request_deinit(&r);

	assert_null(parse("{\"id\":\"q\",\"op\":\"eval\",\"expr\":\"print x\","
			  "\"thread\":12,\"frame\":2,\"format\":\"text\"}",
			  &r));
	assert_int_equal(r.op, AGENT_OP_EVAL);
	assert_string_equal(r.expr, "print x");
	assert_int_equal(r.thread, 12);
	assert_int_equal(r.frame, 2);
	assert_true(r.text);
	agent_request_deinit(&r);

	assert_null(parse("{\"op\":\"bt\",\"full\":true}", &r));
	assert_true(r.full);
	assert_int_equal(r.thread, -1);
	agent_request_deinit(&r);

	assert_null(parse("{\"op\":\"list\",\"what\":\"dumps\",\"lpar\":\"l1\","
			  "\"limit\":5}", &r));
	assert_string_equal(r.what, "dumps");
	assert_string_equal(r.lpar, "l1");
	assert_int_equal(r.limit, 5);
	agent_request_deinit(&r);
}

static void
test_agent__parse_malformed(void **state)
{
	(void)state;
	parse_fails("", "syntax");
	parse_fails("garbage", "syntax");
	parse_fails("{\"op\":\"hello\"", "syntax");		/* truncated */
	parse_fails("[\"hello\"]", "syntax");			/* not object */
	parse_fails("\"hello\"", "syntax");
	parse_fails("{\"op\":\"bt\",\"op\":\"bye\"}", "syntax");	/* dup */
	parse_fails("{\"op\":\"bt\"} trailing", "syntax");
	parse_fails("{}", "bad_request");			/* no op */
	parse_fails("{\"op\":3}", "bad_request");
	parse_fails("{\"op\":\"reboot\"}", "unknown_op");
	parse_fails("{\"op\":\"open\"}", "bad_request");
	parse_fails("{\"op\":\"open\",\"dump\":\"zz\"}", "bad_request");
	parse_fails("{\"op\":\"open\",\"dump\":\"ab\",\"core\":\"/c\"}",
		    "bad_request");
	/* jansson refuses \u0000 unless asked (JSON_ALLOW_NUL) */
	parse_fails("{\"op\":\"open\",\"core\":\"/c\\u0000x\"}",
		    "syntax");
	parse_fails("{\"op\":\"eval\"}", "bad_request");
	parse_fails("{\"op\":\"eval\",\"expr\":1}", "bad_request");
	parse_fails("{\"op\":\"eval\",\"expr\":\"x\",\"frame\":-1}",
		    "bad_request");
	parse_fails("{\"op\":\"eval\",\"expr\":\"x\",\"thread\":1.5}",
		    "bad_request");
	parse_fails("{\"op\":\"bt\",\"full\":\"yes\"}", "bad_request");
	parse_fails("{\"op\":\"bt\",\"format\":\"xml\"}", "bad_request");
	parse_fails("{\"op\":\"list\"}", "bad_request");
	parse_fails("{\"op\":\"list\",\"what\":\"files\"}", "bad_request");
	parse_fails("{\"id\":{\"a\":1},\"op\":\"hello\"}", "bad_request");
}

static void
test_agent__parse_regs_vars(void **state)
{
	struct agent_request r;
	char *big;
	size_t n;

	(void)state;
	assert_null(parse("{\"op\":\"regs\",\"thread\":7,\"frame\":3}", &r));
	assert_int_equal(r.op, AGENT_OP_REGS);
	assert_int_equal(r.thread, 7);
	assert_int_equal(r.frame, 3);
	agent_request_deinit(&r);
	assert_null(parse("{\"op\":\"vars\"}", &r));
	assert_int_equal(r.op, AGENT_OP_VARS);
	assert_int_equal(r.thread, -1);
	assert_int_equal(r.frame, -1);
	agent_request_deinit(&r);
	parse_fails("{\"op\":\"regs\",\"frame\":\"1\"}", "bad_request");
	parse_fails("{\"op\":\"regs\",\"frame\":1000001}", "bad_request");
	parse_fails("{\"op\":\"regs\",\"frame\":99999999999999999999}",
		    "syntax");	/* jansson: too big an integer */
	parse_fails("{\"op\":\"vars\",\"frame\":-1}", "bad_request");
	parse_fails("{\"op\":\"vars\",\"thread\":2147483648}", "bad_request");
	parse_fails("{\"op\":\"vars\",\"thread\":[1]}", "bad_request");
	parse_fails("{\"op\":\"vars\",\"thread\":true}", "bad_request");
	parse_fails("{\"op\":\"regs\",\"format\":1}", "bad_request");
	/* an expression one byte over the bound, and one at it */
	big = malloc(AGENT_EXPR_MAX + 64);
	assert_non_null(big);
	strcpy(big, "{\"op\":\"eval\",\"expr\":\"");
	n = strlen(big);
	memset(big + n, '1', AGENT_EXPR_MAX + 1);
	strcpy(big + n + AGENT_EXPR_MAX + 1, "\"}");
	parse_fails(big, "bad_request");
	strcpy(big + n + AGENT_EXPR_MAX, "\"}");
	assert_null(parse(big, &r));
	agent_request_deinit(&r);
	free(big);
}

/* agent_rframe_from_json on REGS and VARS (JSON text): NULL on success
 * (*ret set), else the error's message. */
static char *
rframe(const char *regs, const char *vars, struct con_rframe **ret)
{
	json_t *r = json_loads(regs, 0, NULL), *v = json_loads(vars, 0, NULL);
	struct lpd_error *err;
	char *msg = NULL;

	*ret = NULL;
	err = agent_rframe_from_json(r, v, 4, ret);
	if (err != NULL) {
		assert_int_equal(err->code, LPD_ERR_REMOTE);
		msg = strdup(err->message);
		lpd_error_destroy(err);
		assert_null(*ret);
	}
	json_decref(r);
	json_decref(v);
	return msg;
}

static void
rframe_fails(const char *regs, const char *vars, const char *what)
{
	struct con_rframe *f;
	char *msg = rframe(regs, vars, &f);

	assert_non_null(msg);
	if (strstr(msg, what) == NULL)
		fail_msg("'%s' does not say '%s'", msg, what);
	free(msg);
}

static void
test_agent__rframe_checks_replies(void **state)
{
	static const char vars_ok[] = "{\"args\":[],\"locals\":[]}";
	static const char regs_ok[] = "{\"registers\":{\"rip\":\"0x1\"}}";
	struct con_rframe *f;
	struct lpd_buf b = LPD_BUF_INIT;
	char *msg;
	int i;

	(void)state;
	msg = rframe("{\"tid\":1,\"frame\":4,\"general\":2,\"registers\":"
		     "{\"rax\":\"0xFFFFffffFFFFffff\",\"rbx\":null,"
		     "\"xmm0\":null}}",
		     "{\"args\":[{\"name\":\"n\",\"value\":{\"text\":\"4\"}}],"
		     "\"locals\":[{\"name\":\"e\\u001b\",\"value\":{\"text\":"
		     "\"\\u001b]0;x\\u0007\\n\"}}]}", &f);
	assert_null(msg);
	assert_int_equal(f->frame, 4);
	assert_int_equal(f->n_regs, 3);
	assert_int_equal(f->n_general, 2);
	assert_string_equal(f->regs[0].name, "rax");
	assert_true(f->regs[0].known);
	assert_true(f->regs[0].value == UINT64_MAX);
	assert_false(f->regs[1].known);
	assert_int_equal(f->n_vars, 2);
	assert_true(f->vars[0].is_arg);
	assert_string_equal(f->vars[0].text, "4");
	assert_false(f->vars[1].is_arg);
	assert_string_equal(f->vars[1].name, "e?");
	assert_string_equal(f->vars[1].text, "?]0;x??");
	con_rframe_destroy(f);

	/* "general" past the count: all of them */
	assert_null(rframe("{\"general\":99,\"registers\":{\"rip\":\"0x1\"}}",
			   vars_ok, &f));
	assert_int_equal(f->n_general, 1);
	con_rframe_destroy(f);

	rframe_fails("[]", vars_ok, "registers");
	rframe_fails("{\"registers\":[1]}", vars_ok, "registers");
	rframe_fails("{\"registers\":{\"rip\":7}}", vars_ok, "register value");
	rframe_fails("{\"registers\":{\"rip\":\"12\"}}", vars_ok,
		     "register value");
	rframe_fails("{\"registers\":{\"rip\":\"0x\"}}", vars_ok,
		     "register value");
	rframe_fails("{\"registers\":{\"rip\":\"0x12345678901234567\"}}",
		     vars_ok, "register value");
	rframe_fails("{\"registers\":{\"rip\":\"0xzz\"}}", vars_ok,
		     "register value");
	rframe_fails("{\"registers\":{\"\":\"0x1\"}}", vars_ok,
		     "register name");
	rframe_fails("{\"registers\":{\"rip\":\"0x1\"},\"general\":-1}",
		     vars_ok, "general");
	rframe_fails("{\"registers\":{\"rip\":\"0x1\"},\"general\":\"2\"}",
		     vars_ok, "general");
	rframe_fails(regs_ok, "[]", "vars");
	rframe_fails(regs_ok, "{\"args\":[]}", "locals");
	rframe_fails(regs_ok, "{\"args\":{},\"locals\":[]}", "args");
	rframe_fails(regs_ok, "{\"args\":[7],\"locals\":[]}", "variable");
	rframe_fails(regs_ok, "{\"args\":[{\"name\":\"x\"}],\"locals\":[]}",
		     "variable");
	rframe_fails(regs_ok, "{\"args\":[{\"name\":\"x\",\"value\":"
		     "{\"text\":1}}],\"locals\":[]}", "variable");
	rframe_fails(regs_ok, "{\"args\":[],\"locals\":[{\"name\":null,"
		     "\"value\":{\"text\":\"1\"}}]}", "variable");

	/* too many registers, too many variables */
	lpd_buf_printf(&b, "{\"registers\":{");
	for (i = 0; i <= AGENT_RFRAME_MAX_REGS; i++)
		lpd_buf_printf(&b, "%s\"r%d\":null", i > 0 ? "," : "", i);
	lpd_buf_printf(&b, "}}");
	rframe_fails(b.data, vars_ok, "too many registers");
	lpd_buf_reset(&b);
	lpd_buf_printf(&b, "{\"args\":[");
	for (i = 0; i <= AGENT_RFRAME_MAX_VARS; i++)
		lpd_buf_printf(&b, "%s{\"name\":\"v\",\"value\":{\"text\":"
			       "\"1\"}}", i > 0 ? "," : "");
	lpd_buf_printf(&b, "],\"locals\":[]}");
	rframe_fails(regs_ok, b.data, "too many variables");

	/* a long name is refused; a long value is cut */
	lpd_buf_reset(&b);
	lpd_buf_printf(&b, "{\"args\":[{\"name\":\"%0*d\",\"value\":{\"text\""
		       ":\"1\"}}],\"locals\":[]}", AGENT_RFRAME_MAX_NAME + 1,
		       0);
	rframe_fails(regs_ok, b.data, "variable");
	lpd_buf_reset(&b);
	lpd_buf_printf(&b, "{\"args\":[{\"name\":\"s\",\"value\":{\"text\""
		       ":\"%0*d\"}}],\"locals\":[]}",
		       (int)AGENT_RFRAME_MAX_TEXT * 2, 0);
	assert_null(rframe(regs_ok, b.data, &f));
	assert_int_equal(strlen(f->vars[0].text), AGENT_RFRAME_MAX_TEXT + 3);
	assert_string_equal(f->vars[0].text + AGENT_RFRAME_MAX_TEXT, "...");
	con_rframe_destroy(f);
	lpd_buf_deinit(&b);

	/* missing replies altogether */
	{
		struct lpd_error *err = agent_rframe_from_json(NULL, NULL, 0,
							       &f);

		assert_non_null(err);
		lpd_error_destroy(err);
	}
}

static void
test_agent__parse_keeps_id_on_error(void **state)
{
	struct agent_request r;
	struct lpd_error *err;
	char *reply;
	json_t *o;

	(void)state;
	err = parse("{\"id\":42,\"op\":\"nope\"}", &r);
	assert_non_null(err);
	reply = agent_error_reply(r.id, agent_error_code(err), err->message,
				  2);
	o = json_loads(reply, 0, NULL);
	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(o, "id")), 42);
	assert_true(json_is_false(json_object_get(o, "ok")));
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(o, "error"), "code")), "unknown_op");
	json_decref(o);
	free(reply);
	lpd_error_destroy(err);
	agent_request_deinit(&r);
}

static void
test_agent__parse_oversized(void **state)
{
	struct agent_request r;
	struct lpd_error *err;
	size_t n = AGENT_LINE_MAX + 1;
	char *big = malloc(n);

	(void)state;
	assert_non_null(big);
	memset(big, ' ', n);
	err = agent_parse(big, n, &r);
	assert_non_null(err);
	assert_string_equal(agent_error_code(err), "too_long");
	lpd_error_destroy(err);
	agent_request_deinit(&r);
	free(big);
}

/* Replies of agent_serve() on INPUT, one parsed object per line. */
static size_t
serve(const char *input, size_t len, json_t **replies, size_t max)
{
	char *out = NULL, *line, *save = NULL;
	size_t on = 0, n = 0;
	FILE *in = fmemopen((void *)input, len, "r");
	FILE *o = open_memstream(&out, &on);

	assert_non_null(in);
	assert_non_null(o);
	assert_int_equal(agent_serve(in, o, "/nonexistent/repo"),
			 CMD_RETURN_OK);
	fclose(in);
	fclose(o);
	for (line = strtok_r(out, "\n", &save); line != NULL && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		replies[n] = json_loads(line, 0, NULL);
		assert_non_null(replies[n]);
		n++;
	}
	free(out);
	return n;
}

static const char *
reply_code(json_t *r)
{
	return json_string_value(json_object_get(json_object_get(r, "error"),
						 "code"));
}

static void
test_agent__serve_survives_bad_input(void **state)
{
	size_t big = AGENT_LINE_MAX + 4096, len, n, i;
	const char *tail = "\n\n{\"op\":\"bt\"}\n"
		"{\"id\":1,\"op\":\"hello\"}\n"
		"\x01\x02\xff\xfe binary\n"
		"{\"id\":2,\"op\":\"open\",\"core\":\"/nonexistent/core\"}\n"
		"{\"id\":3,\"op\":\"bye\"}\n"
		"{\"id\":4,\"op\":\"hello\"}\n";
	char *input = malloc(big + 64 + strlen(tail));
	json_t *r[16];

	(void)state;
	assert_non_null(input);
	len = (size_t)sprintf(input, "{not json}\n{\"op\":\"hello\",\"x\":\"");
	memset(input + len, 'a', big);	/* one line over the bound */
	len += big;
	len += (size_t)sprintf(input + len, "\"}");
	memcpy(input + len, tail, strlen(tail));
	len += strlen(tail);
	n = serve(input, len, r, 16);
	free(input);
	/* not json, too long, no pair, hello, binary, open failed, bye; the
	 * blank lines get no reply and nothing after bye is read. */
	assert_int_equal(n, 7);
	assert_string_equal(reply_code(r[0]), "syntax");
	assert_string_equal(reply_code(r[1]), "too_long");
	assert_string_equal(reply_code(r[2]), "no_pair");
	assert_true(json_is_true(json_object_get(r[3], "ok")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
		r[3], "result"), "protocol")), AGENT_PROTOCOL);
	assert_int_equal(json_integer_value(json_object_get(r[3], "id")), 1);
	assert_string_equal(reply_code(r[4]), "syntax");
	assert_string_equal(reply_code(r[5]), "failed");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
		r[5], "error"), "status")), 3);
	assert_int_equal(json_integer_value(json_object_get(r[5], "id")), 2);
	assert_true(json_is_true(json_object_get(r[6], "ok")));
	for (i = 0; i < n; i++)
		json_decref(r[i]);
}

static void
test_agent__serve_no_newline_at_end(void **state)
{
	static const char input[] = "{\"id\":9,\"op\":\"hello\"}";
	json_t *r[2];

	(void)state;
	assert_int_equal(serve(input, sizeof(input) - 1, r, 2), 1);
	assert_int_equal(json_integer_value(json_object_get(r[0], "id")), 9);
	json_decref(r[0]);
}

static bool
ops_has(json_t *ops, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(ops, i, v)
		if (strcmp(json_string_value(v), name) == 0)
			return true;
	return false;
}

/* An older agent, as the tests play one: hello lists what it answers,
 * the hidden ops are unknown_op (before no_pair: it never had them);
 * hello itself and names that are no op cannot be hidden. */
static void
test_agent__serve_hides_ops(void **state)
{
	static const char input[] =
		"{\"id\":1,\"op\":\"hello\",\"protocol\":1}\n"
		"{\"id\":2,\"op\":\"regs\",\"frame\":0}\n"
		"{\"id\":3,\"op\":\"vars\"}\n"
		"{\"id\":4,\"op\":\"eval\",\"expr\":\"print 1\"}\n";
	static const char *const all[] = { "hello", "list", "open", "bt",
		"info", "eval", "facts", "bye", "regs", "vars" };
	json_t *r[8], *ops;
	enum agent_op op;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		assert_true(agent_op_lookup(all[i], &op));
		assert_string_equal(agent_op_name(op), all[i]);
	}
	assert_false(agent_op_lookup("regz", &op));
	assert_int_equal(setenv("LPARDBG_AGENT_HIDE_OPS",
				"regs,,hello,nosuch,vars", 1), 0);
	assert_int_equal(serve(input, sizeof(input) - 1, r, 8), 4);
	unsetenv("LPARDBG_AGENT_HIDE_OPS");
	ops = json_object_get(json_object_get(r[0], "result"), "ops");
	assert_int_equal(json_array_size(ops), 8);
	assert_true(ops_has(ops, "hello"));
	assert_true(ops_has(ops, "eval"));
	assert_false(ops_has(ops, "regs"));
	assert_false(ops_has(ops, "vars"));
	assert_string_equal(reply_code(r[1]), "unknown_op");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
		r[1], "error"), "message")), "unknown op 'regs'");
	assert_int_equal(json_integer_value(json_object_get(r[1], "id")), 2);
	assert_string_equal(reply_code(r[2]), "unknown_op");
	assert_string_equal(reply_code(r[3]), "no_pair");
	for (i = 0; i < 4; i++)
		json_decref(r[i]);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agent__parse_valid),
		cmocka_unit_test(test_agent__parse_malformed),
		cmocka_unit_test(test_agent__parse_regs_vars),
		cmocka_unit_test(test_agent__rframe_checks_replies),
		cmocka_unit_test(test_agent__parse_keeps_id_on_error),
		cmocka_unit_test(test_agent__parse_oversized),
		cmocka_unit_test(test_agent__serve_survives_bad_input),
		cmocka_unit_test(test_agent__serve_no_newline_at_end),
		cmocka_unit_test(test_agent__serve_hides_ops),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("console/agent", tests, NULL,
					   NULL);
}
