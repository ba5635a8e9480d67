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
#include "reasoning/reasoning.h"

static const struct {
	const char *name;
	enum agent_op op;
} agent_ops[] = {
	{ "hello", AGENT_OP_HELLO }, { "list", AGENT_OP_LIST },
	{ "open", AGENT_OP_OPEN }, { "bt", AGENT_OP_BT },
	{ "info", AGENT_OP_INFO }, { "eval", AGENT_OP_EVAL },
	{ "facts", AGENT_OP_FACTS }, { "bye", AGENT_OP_BYE },
};

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
	size_t i;

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
	for (i = 0; i < sizeof(agent_ops) / sizeof(agent_ops[0]); i++)
		if (strcmp(agent_ops[i].name, opname) == 0)
			break;
	if (i == sizeof(agent_ops) / sizeof(agent_ops[0]))
		return lpd_error_format(LPD_ERR_UNSUPPORTED, "unknown op "
					"'%.64s'", opname);
	ret->op = agent_ops[i].op;
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

struct agent {
	const char *repo;	/* NULL: the default */
	char *core, *exe;	/* the open pair; core may be a dump id */
};

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
		json_array_append_new(ops, json_string(agent_ops[i].name));
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

/* Load the pair once to check it; answer with what info says of it. */
static char *
agent_open(struct agent *ag, struct agent_request *r)
{
	struct agent_argv a = { .n = 0 };
	char *core = lpd_strdup(r->dump != NULL ? r->dump : r->core);
	char *exe = r->exe != NULL ? lpd_strdup(r->exe) : NULL;
	char *old_core = ag->core, *old_exe = ag->exe, *reply;
	bool text = r->text, ok;

	if (core == NULL || (r->exe != NULL && exe == NULL)) {
		lpd_free(core);
		lpd_free(exe);
		return agent_error_reply(r->id, "failed", "out of memory", 3);
	}
	ag->core = core;
	ag->exe = exe;
	agent_push(&a, "info");
	agent_push_pair(ag, &a);
	r->text = false;
	reply = agent_command_reply(r, a.n, a.v, &ok);
	r->text = text;
	if (ok) {
		lpd_free(old_core);
		lpd_free(old_exe);
	} else {
		/* A pair that does not load does not replace the open one. */
		lpd_free(core);
		lpd_free(exe);
		ag->core = old_core;
		ag->exe = old_exe;
	}
	return reply;
}

static char *
agent_facts(struct agent *ag, struct agent_request *r)
{
	struct load_args la;
	struct reason_meta meta = { .id = ag->core };
	struct lpd_buf buf = LPD_BUF_INIT;
	struct reason_analysis *an = NULL;
	struct dbg_target *t = NULL;
	struct lpd_error *err;
	struct lpd_json j;
	json_t *result = NULL;
	char *reply;

	memset(&la, 0, sizeof(la));
	la.core = ag->core;
	la.exe = ag->exe;
	la.repo = ag->repo;
	err = load_target(&la, &t);
	if (err == NULL)
		err = reason_analyze(t, &meta, &an);
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
	dbg_target_destroy(t);
	load_args_deinit(&la);
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
	if ((r.op == AGENT_OP_BT || r.op == AGENT_OP_INFO ||
	     r.op == AGENT_OP_EVAL || r.op == AGENT_OP_FACTS) &&
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
	case AGENT_OP_INFO:
		agent_push(&a, r.op == AGENT_OP_BT ? "bt" : "info");
		if (!r.text)
			agent_push(&a, "--json");
		if (r.full)
			agent_push(&a, "--full");
		agent_push_pair(ag, &a);
		reply = agent_command_reply(&r, a.n, a.v, &ok);
		break;
	case AGENT_OP_EVAL:
		agent_push(&a, "eval");
		if (!r.text)
			agent_push(&a, "--json");
		if (r.thread >= 0) {
			snprintf(a.num[0], sizeof(a.num[0]), "%ld", r.thread);
			agent_push(&a, "--thread");
			agent_push(&a, a.num[0]);
		}
		if (r.frame >= 0) {
			snprintf(a.num[1], sizeof(a.num[1]), "%ld", r.frame);
			agent_push(&a, "--frame");
			agent_push(&a, a.num[1]);
		}
		agent_push_pair(ag, &a);
		agent_push(&a, r.expr);
		reply = agent_command_reply(&r, a.n, a.v, &ok);
		break;
	case AGENT_OP_FACTS:
		reply = agent_facts(ag, &r);
		break;
	case AGENT_OP_BYE:
		*bye = true;
		reply = agent_ok_reply(r.id, json_object());
		break;
	}
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

enum cmd_retval
agent_serve(FILE *in, FILE *out, const char *repo)
{
	struct agent ag = { .repo = repo };
	struct lpd_buf line = LPD_BUF_INIT;
	bool bye = false, too_long;

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
