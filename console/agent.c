/* console/agent.c - "lpardbg agent": parse protocol requests (agent.h
 * documents the protocol), run each through the same command functions the
 * batch CLI runs, with their output captured, and answer one line each. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console/agent.h"
#include "console/load.h"
#include "console/select.h"
#include "reasoning/reasoning.h"

static const struct {
	const char *name;
	enum agent_op op;
} agent_ops[] = {
	{ "hello", AGENT_OP_HELLO }, { "list", AGENT_OP_LIST },
	{ "open", AGENT_OP_OPEN }, { "bt", AGENT_OP_BT },
	{ "info", AGENT_OP_INFO }, { "eval", AGENT_OP_EVAL },
	{ "facts", AGENT_OP_FACTS }, { "bye", AGENT_OP_BYE },
	{ "regs", AGENT_OP_REGS }, { "vars", AGENT_OP_VARS },
};

bool
agent_op_lookup(const char *name, enum agent_op *ret)
{
	size_t i;

	for (i = 0; i < sizeof(agent_ops) / sizeof(agent_ops[0]); i++)
		if (strcmp(agent_ops[i].name, name) == 0) {
			*ret = agent_ops[i].op;
			return true;
		}
	return false;
}

const char *
agent_op_name(enum agent_op op)
{
	size_t i;

	for (i = 0; i < sizeof(agent_ops) / sizeof(agent_ops[0]); i++)
		if (agent_ops[i].op == op)
			return agent_ops[i].name;
	return "?";
}

/* ---- parsing ----------------------------------------------------------- */

void
agent_request_deinit(struct agent_request *r)
{
	if (r->root != NULL)
		json_decref(r->root);
	memset(r, 0, sizeof(*r));
}

/* Optional string member KEY: NULL when absent, an error when not a
 * string. */
static struct lpd_error *
agent_str(json_t *o, const char *key, const char **ret)
{
	json_t *v = json_object_get(o, key);

	*ret = NULL;
	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_string(v))
		return lpd_error_format(LPD_ERR_INVALID_ARG, "'%s' must be a "
					"string", key);
	*ret = json_string_value(v);
	if (strlen(*ret) != json_string_length(v))
		return lpd_error_format(LPD_ERR_INVALID_ARG, "'%s' holds a NUL "
					"byte", key);
	return NULL;
}

static struct lpd_error *
agent_int(json_t *o, const char *key, long lo, long hi, long *ret)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "'%s' must be an "
					"integer in [%ld, %ld]", key, lo, hi);
	*ret = (long)json_integer_value(v);
	return NULL;
}

static struct lpd_error *
agent_bool(json_t *o, const char *key, bool *ret)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_boolean(v))
		return lpd_error_format(LPD_ERR_INVALID_ARG, "'%s' must be "
					"true or false", key);
	*ret = json_is_true(v);
	return NULL;
}

/* "thread" and "frame" of regs and vars. */
static struct lpd_error *
agent_selection(json_t *o, struct agent_request *r)
{
	struct lpd_error *err;

	if ((err = agent_int(o, "thread", 0, 0x7fffffff, &r->thread)) != NULL)
		return err;
	return agent_int(o, "frame", 0, 1000000, &r->frame);
}

static struct lpd_error *
agent_parse_args(struct agent_request *r)
{
	json_t *o = r->root;
	const char *fmt = NULL;
	struct lpd_error *err;

	err = agent_str(o, "format", &fmt);
	if (err != NULL)
		return err;
	if (fmt != NULL && strcmp(fmt, "text") != 0 &&
	    strcmp(fmt, "json") != 0)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "'format' must be "
					"\"json\" or \"text\"");
	r->text = fmt != NULL && strcmp(fmt, "text") == 0;
	switch (r->op) {
	case AGENT_OP_HELLO:
		return agent_int(o, "protocol", 0, 1000000, &r->protocol);
	case AGENT_OP_LIST:
		if ((err = agent_str(o, "what", &r->what)) != NULL ||
		    (err = agent_str(o, "lpar", &r->lpar)) != NULL ||
		    (err = agent_str(o, "node", &r->node)) != NULL ||
		    (err = agent_int(o, "limit", 0, 1000000000, &r->limit)) !=
		    NULL)
			return err;
		if (r->what == NULL || (strcmp(r->what, "lpars") != 0 &&
					strcmp(r->what, "dumps") != 0))
			return lpd_error_format(LPD_ERR_INVALID_ARG, "list: "
						"'what' must be \"lpars\" or "
						"\"dumps\"");
		return NULL;
	case AGENT_OP_OPEN:
		if ((err = agent_str(o, "dump", &r->dump)) != NULL ||
		    (err = agent_str(o, "core", &r->core)) != NULL ||
		    (err = agent_str(o, "exe", &r->exe)) != NULL)
			return err;
		if ((r->dump == NULL) == (r->core == NULL))
			return lpd_error_format(LPD_ERR_INVALID_ARG, "open: "
						"give \"dump\" or \"core\"");
		if (r->dump != NULL && (r->dump[0] == '\0' ||
		    strspn(r->dump, "0123456789abcdefABCDEF") !=
		    strlen(r->dump)))
			return lpd_error_format(LPD_ERR_INVALID_ARG, "open: "
						"'dump' must be a hex id");
		if (r->core != NULL && r->core[0] == '\0')
			return lpd_error_format(LPD_ERR_INVALID_ARG, "open: "
						"empty 'core'");
		return NULL;
	case AGENT_OP_BT:
		return agent_bool(o, "full", &r->full);
	case AGENT_OP_REGS:
	case AGENT_OP_VARS:
		return agent_selection(o, r);
	case AGENT_OP_EVAL:
		if ((err = agent_str(o, "expr", &r->expr)) != NULL ||
		    (err = agent_int(o, "thread", 0, 0x7fffffff, &r->thread)) !=
		    NULL ||
		    (err = agent_int(o, "frame", 0, 1000000, &r->frame)) !=
		    NULL)
			return err;
		if (r->expr == NULL || r->expr[0] == '\0')
			return lpd_error_format(LPD_ERR_INVALID_ARG, "eval: "
						"'expr' missing");
		if (strlen(r->expr) > AGENT_EXPR_MAX)
			return lpd_error_format(LPD_ERR_INVALID_ARG, "eval: "
						"'expr' longer than %d bytes",
						AGENT_EXPR_MAX);
		return NULL;
	default:
		return NULL;
	}
}

struct lpd_error *
agent_parse(const char *line, size_t len, struct agent_request *ret)
{
	const char *opname = NULL;
	json_error_t je;
	struct lpd_error *err;

	memset(ret, 0, sizeof(*ret));
	ret->thread = -1;
	ret->frame = -1;
	if (len > AGENT_LINE_MAX)
		return lpd_error_format(LPD_ERR_BAD_INPUT, "request longer "
					"than %u bytes", AGENT_LINE_MAX);
	/* JSON_REJECT_DUPLICATES: one meaning per request. Depth is bounded
	 * by jansson itself (2048). */
	ret->root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (ret->root == NULL)
		return lpd_error_format(LPD_ERR_SYNTAX, "not JSON: %s at "
					"column %d", je.text, je.column);
	if (!json_is_object(ret->root))
		return lpd_error_format(LPD_ERR_SYNTAX, "a request is a JSON "
					"object");
	ret->id = json_object_get(ret->root, "id");
	if (ret->id != NULL && !json_is_string(ret->id) &&
	    !json_is_integer(ret->id) && !json_is_null(ret->id)) {
		ret->id = NULL;
		return lpd_error_format(LPD_ERR_INVALID_ARG, "'id' must be a "
					"string or an integer");
	}
	err = agent_str(ret->root, "op", &opname);
	if (err != NULL)
		return err;
	if (opname == NULL)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "no 'op'");
	if (!agent_op_lookup(opname, &ret->op))
		return lpd_error_format(LPD_ERR_UNSUPPORTED, "unknown op "
					"'%.64s'", opname);
	return agent_parse_args(ret);
}

const char *
agent_error_code(const struct lpd_error *err)
{
	switch (err->code) {
	case LPD_ERR_SYNTAX:
		return "syntax";
	case LPD_ERR_BAD_INPUT:
		return "too_long";
	case LPD_ERR_UNSUPPORTED:
		return "unknown_op";
	case LPD_ERR_INVALID_ARG:
		return "bad_request";
	default:
		return "failed";
	}
}

static char *
agent_reply(json_t *id, json_t *body)
{
	char *s;

	if (json_object_set(body, "id", id != NULL ? id : json_null()) != 0) {
		json_decref(body);
		return NULL;
	}
	s = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(body);
	return s;
}

char *
agent_error_reply(json_t *id, const char *code, const char *message,
		  int status)
{
	json_t *e = json_pack("{s:s, s:s, s:i}", "code", code, "message",
			      message != NULL ? message : "", "status",
			      status);
	json_t *o = e != NULL ? json_pack("{s:b, s:o}", "ok", 0, "error", e)
		: NULL;

	return o != NULL ? agent_reply(id, o) : NULL;
}

char *
agent_ok_reply(json_t *id, json_t *result)
{
	json_t *o = json_pack("{s:b, s:o}", "ok", 1, "result",
			      result != NULL ? result : json_object());

	return o != NULL ? agent_reply(id, o) : NULL;
}

/* ---- serving ------------------------------------------------------------ */

/* bt/info answers kept for the open pair: op x full x text. */
enum { AGENT_KEPT = 8 };

struct agent {
	const char *repo;	/* NULL: the default */
	char *core, *exe;	/* the open pair; core may be a dump id */
	/* What stays loaded between ops, for the open pair only: loading a
	 * pair (core, modules, DWARF index) is what an op costs, and the
	 * console asks many small questions of one selection. */
	bool nocache;		/* LPARDBG_AGENT_NOCACHE: per-op reloads */
	unsigned hidden;	/* LPARDBG_AGENT_HIDE_OPS: 1 << op, played
				 * as an older agent for the tests */
	struct load_args la;
	struct dbg_target *t;
	struct dbg_stack *stack;
	size_t stack_thread;
	char *open_reply;	/* "result" of the last open, as JSON */
	char *kept[AGENT_KEPT];	/* bt/info results, as JSON */
};

/* Forget the loaded pair (the open one changed, or nocache). */
static void
agent_drop(struct agent *ag)
{
	size_t i;

	dbg_stack_destroy(ag->stack);
	dbg_target_destroy(ag->t);
	if (ag->t != NULL)
		load_args_deinit(&ag->la);
	ag->stack = NULL;
	ag->t = NULL;
	free(ag->open_reply);
	ag->open_reply = NULL;
	for (i = 0; i < AGENT_KEPT; i++) {
		free(ag->kept[i]);
		ag->kept[i] = NULL;
	}
}

static struct lpd_error *
agent_load(struct agent *ag)
{
	struct lpd_error *err;

	if (ag->t != NULL)
		return NULL;
	memset(&ag->la, 0, sizeof(ag->la));
	ag->la.core = ag->core;
	ag->la.exe = ag->exe;
	ag->la.repo = ag->repo;
	err = load_target(&ag->la, &ag->t);
	if (err != NULL) {
		load_args_deinit(&ag->la);
		ag->t = NULL;
	}
	return err;
}

/* SEL <- thread TID (-1: the crashed one), frame FRAME (-1: 0) of the
 * open pair, unwinding only when the thread changed. */
static struct lpd_error *
agent_select(struct agent *ag, long tid, long frame,
	     struct con_selection *sel)
{
	struct lpd_error *err = agent_load(ag);
	struct dump *d;
	size_t k;

	if (err != NULL)
		return err;
	d = dbg_target_dump(ag->t);
	k = dump_crashed_thread(d);
	if (tid >= 0) {
		for (k = 0; k < dump_thread_count(d); k++)
			if (dump_thread_tid(d, k) == tid)
				break;
		if (k == dump_thread_count(d))
			return lpd_error_format(LPD_ERR_NOT_FOUND, "no thread "
						"%ld in the core", tid);
	}
	if (ag->stack == NULL || ag->stack_thread != k) {
		dbg_stack_destroy(ag->stack);
		ag->stack = NULL;
		err = dbg_unwind_thread(ag->t, k, 0, &ag->stack);
		if (err != NULL)
			return err;
		ag->stack_thread = k;
	}
	if (frame < 0)
		frame = 0;
	if ((size_t)frame >= dbg_stack_frame_count(ag->stack))
		return lpd_error_format(LPD_ERR_INVALID_ARG, "No frame at "
					"level %ld.", frame);
	memset(sel, 0, sizeof(*sel));
	sel->target = ag->t;
	sel->stack = ag->stack;
	sel->thread = k;
	sel->frame = (size_t)frame;
	return NULL;
}

enum cmd_retval
agent_run_command(bool json, int argc, char **argv, char **out, char **err)
{
	const struct cmd_entry *e = cmd_find(argv[0]);
	size_t on = 0, en = 0;
	struct cmd_ctx ctx = { .json = json };
	enum cmd_retval rv;

	*out = *err = NULL;
	ctx.out = open_memstream(out, &on);
	ctx.err = open_memstream(err, &en);
	if (ctx.out == NULL || ctx.err == NULL || e == NULL) {
		if (ctx.out != NULL)
			fclose(ctx.out);
		if (ctx.err != NULL)
			fclose(ctx.err);
		return CMD_RETURN_BAD_INPUT;
	}
	rv = e->exec(&ctx, argc, argv);
	fclose(ctx.out);
	fclose(ctx.err);
	return rv;
}

/* "lpardbg: msg\nusage..." -> its first line without the prefix. */
static void
agent_trim_error(char *s)
{
	char *nl;

	if (strncmp(s, "lpardbg: ", 9) == 0)
		memmove(s, s + 9, strlen(s + 9) + 1);
	nl = strchr(s, '\n');
	if (nl != NULL && (nl[1] == '\0' || strncmp(nl + 1, "usage:", 6) == 0))
		*nl = '\0';
}

/* Run ARGV and turn its output into a reply for R. */
static char *
agent_command_reply(struct agent_request *r, int argc, char **argv,
		    bool *ok)
{
	char *out = NULL, *err = NULL, *reply;
	enum cmd_retval rv = agent_run_command(!r->text, argc, argv, &out,
					       &err);
	json_t *result = NULL;

	*ok = false;
	if (rv != CMD_RETURN_OK && rv != CMD_RETURN_DIFFERENT) {
		agent_trim_error(err != NULL ? err : (char *)"");
		reply = agent_error_reply(r->id, "failed", err != NULL &&
					  err[0] != '\0' ? err
					  : "command failed", (int)rv);
		free(out);
		free(err);
		return reply;
	}
	if (r->text) {
		result = json_pack("{s:s}", "text", out != NULL ? out : "");
	} else {
		json_error_t je;

		result = json_loads(out != NULL ? out : "", 0, &je);
		if (result == NULL) {
			free(out);
			free(err);
			return agent_error_reply(r->id, "failed", "the command "
						 "wrote no JSON", 3);
		}
	}
	free(out);
	free(err);
	*ok = true;
	return agent_ok_reply(r->id, result);
}

static char *
agent_hello(struct agent *ag, struct agent_request *r)
{
	json_t *ops = json_array(), *res;
	size_t i;

	/* Whatever version the client asks for, say what we speak: the
	 * client decides whether to go on. */
	for (i = 0; ops != NULL && i < sizeof(agent_ops) / sizeof(agent_ops[0]);
	     i++)
		if (!(ag->hidden & (1u << agent_ops[i].op)))
			json_array_append_new(ops,
					      json_string(agent_ops[i].name));
	res = json_pack("{s:i, s:s, s:o, s:I, s:s?}", "protocol",
			AGENT_PROTOCOL, "agent", "lpardbg 0.1", "ops", ops,
			"max_line", (json_int_t)AGENT_LINE_MAX, "repo",
			ag->repo);
	return agent_ok_reply(r->id, res);
}

/* argv builder: at most 16 words, all borrowed. */
struct agent_argv {
	char *v[20];
	int n;
	char num[2][32];
};

static void
agent_push(struct agent_argv *a, const char *s)
{
	if (a->n < 18)
		a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
}

static void
agent_push_repo(struct agent *ag, struct agent_argv *a)
{
	if (ag->repo != NULL) {
		agent_push(a, "--repo");
		agent_push(a, ag->repo);
	}
}

static void
agent_push_pair(struct agent *ag, struct agent_argv *a)
{
	agent_push_repo(ag, a);
	agent_push(a, ag->core);
	if (ag->exe != NULL)
		agent_push(a, ag->exe);
}

static char *
agent_list(struct agent *ag, struct agent_request *r)
{
	struct agent_argv a = { .n = 0 };
	bool ok;

	if (strcmp(r->what, "lpars") == 0) {
		agent_push(&a, "cluster");
		agent_push(&a, "ls");
	} else {
		agent_push(&a, "repo");
		agent_push(&a, "ls");
		if (r->lpar != NULL) {
			agent_push(&a, "--lpar");
			agent_push(&a, r->lpar);
		}
		if (r->node != NULL) {
			agent_push(&a, "--node");
			agent_push(&a, r->node);
		}
		if (r->limit > 0) {
			snprintf(a.num[0], sizeof(a.num[0]), "%ld", r->limit);
			agent_push(&a, "--limit");
			agent_push(&a, a.num[0]);
		}
	}
	agent_push_repo(ag, &a);
	if (!r->text)
		agent_push(&a, "--json");
	return agent_command_reply(r, a.n, a.v, &ok);
}

static char *
agent_fail_reply(struct agent_request *r, struct lpd_error *err)
{
	char *reply = agent_error_reply(r->id, "failed", err->message,
					lpd_error_exit_status(err));

	lpd_error_destroy(err);
	return reply;
}

/* Load the pair and keep it: what info --json says of it is the answer,
 * and the ops that follow (regs, vars, eval, facts) need that target,
 * so it is loaded once, here. */
static char *
agent_open(struct agent *ag, struct agent_request *r)
{
	const char *want = r->dump != NULL ? r->dump : r->core;
	struct lpd_buf buf = LPD_BUF_INIT;
	struct dbg_target *t = NULL;
	struct lpd_error *err;
	struct load_args la;
	struct lpd_json j;
	json_t *res = NULL;
	char *core, *exe;

	/* The open pair again (the console reopens on each select): what
	 * the first open answered, nothing loaded. */
	if (ag->open_reply != NULL && ag->core != NULL &&
	    strcmp(ag->core, want) == 0 &&
	    ((ag->exe == NULL && r->exe == NULL) ||
	     (ag->exe != NULL && r->exe != NULL &&
	      strcmp(ag->exe, r->exe) == 0))) {
		json_error_t je;

		res = json_loads(ag->open_reply, 0, &je);
		if (res != NULL)
			return agent_ok_reply(r->id, res);
	}
	core = lpd_strdup(want);
	exe = r->exe != NULL ? lpd_strdup(r->exe) : NULL;
	if (core == NULL || (r->exe != NULL && exe == NULL)) {
		lpd_free(core);
		lpd_free(exe);
		return agent_error_reply(r->id, "failed", "out of memory", 3);
	}
	memset(&la, 0, sizeof(la));
	la.core = core;
	la.exe = exe;
	la.repo = ag->repo;
	err = load_target(&la, &t);
	if (err == NULL) {
		lpd_json_init(&j, &buf);
		cmd_info_json(&j, &la, t);
		err = lpd_json_finish(&j);
	}
	if (err == NULL) {
		json_error_t je;

		res = json_loadb(buf.data, buf.len, 0, &je);
		if (res == NULL)
			err = lpd_error_format(LPD_ERR_BAD_INPUT, "open: %s",
					       je.text);
	}
	lpd_buf_deinit(&buf);
	if (err != NULL) {
		/* A pair that does not load does not replace the open one. */
		dbg_target_destroy(t);
		load_args_deinit(&la);
		lpd_free(core);
		lpd_free(exe);
		return agent_fail_reply(r, err);
	}
	agent_drop(ag);
	lpd_free(ag->core);
	lpd_free(ag->exe);
	ag->core = core;
	ag->exe = exe;
	ag->la = la;
	ag->t = t;
	ag->open_reply = json_dumps(res, JSON_COMPACT | JSON_PRESERVE_ORDER);
	/* info --json is the same answer: the first info loads nothing. */
	if (ag->open_reply != NULL)
		ag->kept[0] = lpd_strdup(ag->open_reply);
	return agent_ok_reply(r->id, res);
}

/* The general registers' count: those named, numbered up to the pc. */
static unsigned
agent_general_regs(struct dbg_target *t)
{
	const struct dump_arch *a = dump_get_arch(dbg_target_dump(t));
	unsigned r, n = 0;

	for (r = 0; r <= a->pc_regno && r < a->nregs && r < DUMP_MAX_REGS; r++)
		if (a->reg_name(r) != NULL)
			n++;
	return n;
}

/* eval, regs and vars on the kept target: value commands LINES run by
 * values_command() (cmd-eval.c) into what eval --json prints, then cut
 * to what R's op answers. */
static char *
agent_values(struct agent *ag, struct agent_request *r,
	     const char *const *lines, size_t n)
{
	struct cmd_ctx ctx = { .json = !r->text };
	struct con_selection sel;
	struct lpd_buf buf = LPD_BUF_INIT;
	struct lpd_error *err;
	struct lpd_json j;
	json_t *all = NULL, *res = NULL, *results;
	char *out = NULL, *errs = NULL, *reply = NULL;
	size_t on = 0, en = 0, i;
	enum cmd_retval rv = CMD_RETURN_OK;

	err = agent_select(ag, r->thread, r->frame, &sel);
	if (err != NULL)
		return agent_fail_reply(r, err);
	ctx.out = open_memstream(&out, &on);
	ctx.err = open_memstream(&errs, &en);
	if (ctx.out == NULL || ctx.err == NULL) {
		if (ctx.out != NULL)
			fclose(ctx.out);
		if (ctx.err != NULL)
			fclose(ctx.err);
		free(out);
		free(errs);
		return agent_error_reply(r->id, "failed", "out of memory", 3);
	}
	lpd_json_init(&j, &buf);
	lpd_json_object_begin(&j);
	lpd_json_key(&j, "core");
	lpd_json_string(&j, ag->core);
	lpd_json_key(&j, "tid");
	lpd_json_int(&j, dump_thread_tid(dbg_target_dump(ag->t), sel.thread));
	lpd_json_key(&j, "frame");
	lpd_json_uint(&j, sel.frame);
	lpd_json_key(&j, "results");
	lpd_json_array_begin(&j);
	for (i = 0; i < n; i++)
		if (values_command(&ctx, &sel, lines[i], &j) != CMD_RETURN_OK)
			rv = CMD_RETURN_BAD_INPUT;
	lpd_json_array_end(&j);
	if (r->op == AGENT_OP_EVAL) {
		load_json_warnings(&j, ag->t);
	} else {
		lpd_json_key(&j, "general");
		lpd_json_uint(&j, agent_general_regs(ag->t));
	}
	lpd_json_object_end(&j);
	fclose(ctx.out);
	fclose(ctx.err);
	err = lpd_json_finish(&j);
	if (err == NULL && !r->text) {
		json_error_t je;

		all = json_loadb(buf.data, buf.len, 0, &je);
		if (all == NULL)
			err = lpd_error_format(LPD_ERR_BAD_INPUT, "values: %s",
					       je.text);
	}
	results = json_object_get(all, "results");
	if (err != NULL) {
		reply = agent_fail_reply(r, err);
	} else if (rv != CMD_RETURN_OK) {
		const char *m = NULL;

		/* The first error, in gdb's words, as eval prints it. */
		for (i = 0; m == NULL && i < json_array_size(results); i++)
			m = json_string_value(json_object_get(
				json_array_get(results, i), "error"));
		if (m == NULL && errs != NULL) {
			agent_trim_error(errs);
			m = errs;
		}
		reply = agent_error_reply(r->id, "failed", m != NULL &&
					  m[0] != '\0' ? m : "command failed",
					  3);
	} else if (r->text) {
		reply = agent_ok_reply(r->id, json_pack("{s:s}", "text",
							out != NULL ? out : ""));
	} else if (r->op == AGENT_OP_EVAL) {
		reply = agent_ok_reply(r->id, json_incref(all));
	} else {
		res = json_pack("{s:O, s:O}", "tid", json_object_get(all, "tid"),
				"frame", json_object_get(all, "frame"));
		if (res != NULL && r->op == AGENT_OP_REGS) {
			json_object_set(res, "general",
					json_object_get(all, "general"));
			json_object_set(res, "registers", json_object_get(
				json_array_get(results, 0), "registers"));
		} else if (res != NULL) {
			json_object_set(res, "args", json_object_get(
				json_array_get(results, 0), "args"));
			json_object_set(res, "locals", json_object_get(
				json_array_get(results, 1), "locals"));
		}
		reply = agent_ok_reply(r->id, res);
	}
	json_decref(all);
	lpd_buf_deinit(&buf);
	free(out);
	free(errs);
	return reply;
}

static char *
agent_facts(struct agent *ag, struct agent_request *r)
{
	struct reason_meta meta = { .id = ag->core };
	struct lpd_buf buf = LPD_BUF_INIT;
	struct reason_analysis *an = NULL;
	struct lpd_error *err;
	struct lpd_json j;
	json_t *result = NULL;
	char *reply;

	err = agent_load(ag);
	if (err == NULL)
		err = reason_analyze(ag->t, &meta, &an);
	if (err == NULL) {
		lpd_json_init(&j, &buf);
		reason_analysis_to_json(an, &j);
		err = lpd_json_finish(&j);
	}
	if (err == NULL) {
		json_error_t je;

		result = json_loadb(buf.data, buf.len, 0, &je);
		if (result == NULL)
			err = lpd_error_format(LPD_ERR_BAD_INPUT, "facts: %s",
					       je.text);
	}
	if (err != NULL) {
		reply = agent_error_reply(r->id, "failed", err->message,
					  lpd_error_exit_status(err));
		lpd_error_destroy(err);
	} else {
		reply = agent_ok_reply(r->id, result);
	}
	lpd_buf_deinit(&buf);
	reason_analysis_destroy(an);
	return reply;
}

/* One request line -> one reply line (caller frees). *BYE on "bye". */
static char *
agent_handle(struct agent *ag, const char *line, size_t len, bool *bye)
{
	struct agent_request r;
	struct agent_argv a = { .n = 0 };
	struct lpd_error *err = agent_parse(line, len, &r);
	char *reply = NULL;
	bool ok;

	if (err != NULL) {
		reply = agent_error_reply(r.id, agent_error_code(err),
					  err->message,
					  lpd_error_exit_status(err));
		lpd_error_destroy(err);
		agent_request_deinit(&r);
		return reply;
	}
	if (ag->hidden & (1u << r.op)) {
		char msg[64];

		snprintf(msg, sizeof(msg), "unknown op '%s'",
			 agent_op_name(r.op));
		reply = agent_error_reply(r.id, "unknown_op", msg, 3);
		agent_request_deinit(&r);
		return reply;
	}
	if ((r.op == AGENT_OP_BT || r.op == AGENT_OP_INFO ||
	     r.op == AGENT_OP_EVAL || r.op == AGENT_OP_FACTS ||
	     r.op == AGENT_OP_REGS || r.op == AGENT_OP_VARS) &&
	    ag->core == NULL) {
		reply = agent_error_reply(r.id, "no_pair", "no pair open "
					  "(send \"open\" first)", 2);
		agent_request_deinit(&r);
		return reply;
	}
	switch (r.op) {
	case AGENT_OP_HELLO:
		reply = agent_hello(ag, &r);
		break;
	case AGENT_OP_LIST:
		reply = agent_list(ag, &r);
		break;
	case AGENT_OP_OPEN:
		reply = agent_open(ag, &r);
		break;
	case AGENT_OP_BT:
	case AGENT_OP_INFO: {
		size_t k = (r.op == AGENT_OP_BT ? 4u : 0u) + (r.full ? 2u : 0u) +
			   (r.text ? 1u : 0u);

		if (ag->kept[k] != NULL) {
			json_t *res = json_loads(ag->kept[k], 0, NULL);

			if (res != NULL) {
				reply = agent_ok_reply(r.id, res);
				break;
			}
		}
		agent_push(&a, r.op == AGENT_OP_BT ? "bt" : "info");
		if (!r.text)
			agent_push(&a, "--json");
		if (r.full)
			agent_push(&a, "--full");
		agent_push_pair(ag, &a);
		reply = agent_command_reply(&r, a.n, a.v, &ok);
		if (ok && !ag->nocache) {
			json_t *rep = json_loads(reply, 0, NULL);

			ag->kept[k] = json_dumps(json_object_get(rep, "result"),
						 JSON_COMPACT |
						 JSON_PRESERVE_ORDER);
			json_decref(rep);
		}
		break;
	}
	case AGENT_OP_EVAL: {
		const char *lines[1] = { r.expr };

		reply = agent_values(ag, &r, lines, 1);
		break;
	}
	case AGENT_OP_REGS: {
		static const char *const lines[] = { "info registers" };

		reply = agent_values(ag, &r, lines, 1);
		break;
	}
	case AGENT_OP_VARS: {
		static const char *const lines[] = { "info args",
						     "info locals" };

		reply = agent_values(ag, &r, lines, 2);
		break;
	}
	case AGENT_OP_FACTS:
		reply = agent_facts(ag, &r);
		break;
	case AGENT_OP_BYE:
		*bye = true;
		reply = agent_ok_reply(r.id, json_object());
		break;
	}
	if (ag->nocache)
		agent_drop(ag);
	agent_request_deinit(&r);
	return reply;
}

/* Read one line of at most AGENT_LINE_MAX bytes into B. Returns false at
 * end of input; *TOO_LONG when the line was longer (the rest of it is
 * read and dropped, so that the next line starts clean). */
static bool
agent_read_line(FILE *in, struct lpd_buf *b, bool *too_long)
{
	char chunk[4096];
	bool any = false;

	lpd_buf_reset(b);
	*too_long = false;
	while (fgets(chunk, sizeof(chunk), in) != NULL) {
		size_t n = strlen(chunk);
		bool end = n > 0 && chunk[n - 1] == '\n';

		any = true;
		if (end)
			n--;
		if (!*too_long && b->len + n > AGENT_LINE_MAX) {
			*too_long = true;
			lpd_buf_reset(b);
		}
		if (!*too_long && lpd_buf_append(b, chunk, n) != NULL)
			*too_long = true;	/* out of memory: drop it */
		if (end)
			return true;
	}
	return any;
}

/* LPARDBG_AGENT_HIDE_OPS=regs,vars: the ops an older agent lacked, which
 * this one then answers as that agent did (unknown_op) and leaves out of
 * hello. Only the tests set it, to play an old agent over a real sshd. */
static unsigned
agent_hidden_ops(void)
{
	const char *v = getenv("LPARDBG_AGENT_HIDE_OPS");
	unsigned hidden = 0;
	char name[32];
	enum agent_op op;
	size_t n;

	while (v != NULL && *v != '\0') {
		n = strcspn(v, ",");
		if (n < sizeof(name)) {
			memcpy(name, v, n);
			name[n] = '\0';
			if (agent_op_lookup(name, &op) && op != AGENT_OP_HELLO)
				hidden |= 1u << op;
		}
		v += n + (v[n] == ',');
	}
	return hidden;
}

enum cmd_retval
agent_serve(FILE *in, FILE *out, const char *repo)
{
	struct agent ag = { .repo = repo };
	struct lpd_buf line = LPD_BUF_INIT;
	const char *nc = getenv("LPARDBG_AGENT_NOCACHE");
	bool bye = false, too_long;

	/* Ops as they were before the cache, to measure it against. */
	ag.nocache = nc != NULL && nc[0] != '\0' && strcmp(nc, "0") != 0;
	ag.hidden = agent_hidden_ops();
	while (!bye && agent_read_line(in, &line, &too_long)) {
		char *reply;

		if (too_long) {
			char msg[64];

			snprintf(msg, sizeof(msg), "request longer than %u "
				 "bytes", AGENT_LINE_MAX);
			reply = agent_error_reply(NULL, "too_long", msg, 3);
		} else if (line.len == 0) {
			continue;	/* blank lines keep a pipe alive */
		} else {
			reply = agent_handle(&ag, line.data, line.len, &bye);
		}
		fputs(reply != NULL ? reply : "{\"id\":null,\"ok\":false,"
		      "\"error\":{\"code\":\"failed\",\"message\":\"out of "
		      "memory\",\"status\":3}}", out);
		fputc('\n', out);
		fflush(out);
		free(reply);
	}
	lpd_buf_deinit(&line);
	agent_drop(&ag);
	lpd_free(ag.core);
	lpd_free(ag.exe);
	return CMD_RETURN_OK;
}

static enum cmd_retval
cmd_agent_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "repo", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *repo = NULL;
	enum cmd_retval rv;
	FILE *proto;
	int c, fd;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (c == 'r')
			repo = optarg;
		else
			return cmd_usage(ctx, &cmd_agent_entry, c == 'h' ? NULL
					 : "bad option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return cmd_usage(ctx, &cmd_agent_entry, "unexpected argument "
				 "'%s'", argv[optind]);
	/* The protocol gets its own descriptor; whatever else writes to
	 * stdout (a library's printf) goes to stderr, not into a reply. */
	fflush(stdout);
	fd = dup(STDOUT_FILENO);
	if (fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0 ||
	    (proto = fdopen(fd, "w")) == NULL)
		return cmd_fail(ctx, lpd_error_os(errno, "agent: stdout"));
	rv = agent_serve(stdin, proto, repo);
	fclose(proto);
	return rv;
}

const struct cmd_entry cmd_agent_entry = {
	.name = "agent",
	.usage = "[--repo DIR]",
	.summary = "serve the line-delimited JSON agent protocol on stdin/"
		   "stdout (console/agent.h)",
	.exec = cmd_agent_exec,
};
