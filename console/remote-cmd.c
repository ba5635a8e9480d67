/* console/remote-cmd.c - the client side of the agent protocol over an ssh
 * exec channel (remote/remote.h moves the bytes), --remote for the pair
 * commands, and remote repositories read through an SFTP mirror. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console/remote-cmd.h"
#include "console/session.h"
#include "remote/remote.h"

/* Replies can be far bigger than requests (bt of thousands of threads);
 * still bounded, so a broken agent cannot exhaust memory. */
#define AGENT_REPLY_MAX (256u << 20)
#define REMOTE_INDEX_MAX (4ull << 30)
#define REMOTE_BLOB_MAX (256ull << 30)

struct agent_client {
	struct remote_url url;
	struct remote_session *s;
	struct remote_channel *ch;
	unsigned op_timeout_ms;
	json_int_t next_id;
	unsigned ops;		/* 1 << op: what the agent's hello listed */
};

/* A hello lists some ten ops; far more is not an agent. */
#define AGENT_HELLO_MAX_OPS 256

/* ---- options ------------------------------------------------------------- */

bool
remote_set_url(void *arg, const char *value)
{
	struct remote_args *ra = arg;
	struct remote_url u;
	struct lpd_error *err = remote_url_parse(value, &u);

	if (err != NULL) {
		lpd_error_destroy(err);
		return false;
	}
	remote_url_deinit(&u);
	ra->url = value;
	return true;
}

bool
remote_set_lpardbg(void *arg, const char *value)
{
	((struct remote_args *)arg)->o.lpardbg = value;
	return value[0] != '\0';
}

bool
remote_set_accept(void *arg, const char *value)
{
	(void)value;
	((struct remote_args *)arg)->o.accept_new_host_key = true;
	return true;
}

bool
remote_set_timeout(void *arg, const char *value)
{
	char *end;
	double s = strtod(value, &end);

	if (end == value || *end != '\0' || !(s > 0) || s > 86400)
		return false;
	((struct remote_args *)arg)->o.timeout_ms = (unsigned)(s * 1000);
	return true;
}

/* ---- agent client ------------------------------------------------------- */

const char *
agent_client_name(const struct agent_client *c)
{
	return remote_session_name(c->s);
}

void
agent_client_destroy(struct agent_client *c)
{
	if (c == NULL)
		return;
	remote_channel_close(c->ch);
	remote_session_destroy(c->s);
	remote_url_deinit(&c->url);
	lpd_free(c);
}

/* Read the reply to request ID; the "result" or an error. */
static struct lpd_error *
agent_client_reply(struct agent_client *c, json_int_t id, unsigned timeout,
		   json_t **ret)
{
	struct lpd_error *err;
	json_t *reply, *rid, *e;
	json_error_t je;
	char *line;

	err = remote_channel_read_line(c->ch, AGENT_REPLY_MAX, timeout,
				       &line);
	if (err != NULL)
		return err;
	reply = json_loads(line, 0, &je);
	lpd_free(line);
	if (reply == NULL || !json_is_object(reply)) {
		json_decref(reply);
		return lpd_error_format(LPD_ERR_REMOTE, "%s: the agent's reply "
					"is not a JSON object",
					agent_client_name(c));
	}
	rid = json_object_get(reply, "id");
	if (!json_is_integer(rid) || json_integer_value(rid) != id) {
		json_decref(reply);
		return lpd_error_format(LPD_ERR_REMOTE, "%s: reply to another "
					"request (protocol out of step)",
					agent_client_name(c));
	}
	if (json_is_true(json_object_get(reply, "ok"))) {
		*ret = json_incref(json_object_get(reply, "result"));
		json_decref(reply);
		if (*ret == NULL)
			*ret = json_object();
		return NULL;
	}
	e = json_object_get(reply, "error");
	{
		const char *msg = json_string_value(json_object_get(e,
								    "message"));
		const char *code = json_string_value(json_object_get(e,
								     "code"));
		json_int_t st = json_integer_value(json_object_get(e,
								   "status"));

		enum lpd_error_code ec = LPD_ERR_REMOTE;

		if (code != NULL && strcmp(code, "failed") == 0)
			ec = st == 2 ? LPD_ERR_INVALID_ARG : LPD_ERR_BAD_INPUT;
		else if (code != NULL && strcmp(code, "unknown_op") == 0)
			ec = LPD_ERR_UNSUPPORTED;	/* in step: an older agent */
		err = lpd_error_format(ec, "%s: %s",
				       agent_client_name(c),
				       msg != NULL ? msg : "agent error");
	}
	json_decref(reply);
	return err;
}

bool
agent_client_has(const struct agent_client *c, enum agent_op op)
{
	return (c->ops & (1u << op)) != 0;
}

struct lpd_error *
agent_client_call(struct agent_client *c, json_t *req, json_t **ret)
{
	const char *name = json_string_value(json_object_get(req, "op"));
	json_int_t id = c->next_id++;
	struct lpd_error *err;
	enum agent_op op = AGENT_OP_HELLO;
	bool known = name != NULL && agent_op_lookup(name, &op);
	char *line;

	/* Not sent at all: an older agent would only say unknown_op. */
	if (known && !agent_client_has(c, op))
		return lpd_error_format(LPD_ERR_UNSUPPORTED, "%s: the agent "
					"there has no op '%s'",
					agent_client_name(c), name);
	if (json_object_set_new(req, "id", json_integer(id)) != 0)
		return &lpd_enomem;
	line = json_dumps(req, JSON_COMPACT);
	if (line == NULL)
		return &lpd_enomem;
	err = remote_channel_write_line(c->ch, line, strlen(line));
	free(line);
	if (err == NULL)
		err = agent_client_reply(c, id, c->op_timeout_ms, ret);
	if (err != NULL && err->code == LPD_ERR_UNSUPPORTED && known)
		c->ops &= ~(1u << op);
	return err;
}

/* The "ops" of a hello reply RES into C->ops. An agent that lists none
 * predates the list: every op is tried, and unknown_op clears it. */
static struct lpd_error *
agent_client_hello_ops(struct agent_client *c, json_t *res)
{
	json_t *ops = json_object_get(res, "ops"), *v;
	enum agent_op op;
	size_t i;

	if (ops == NULL)
		return NULL;
	if (!json_is_array(ops) || json_array_size(ops) > AGENT_HELLO_MAX_OPS)
		return lpd_error_format(LPD_ERR_REMOTE, "%s: bad agent reply "
					"(hello \"ops\")",
					agent_client_name(c));
	c->ops = 1u << AGENT_OP_HELLO;
	json_array_foreach(ops, i, v) {
		if (!json_is_string(v))
			return lpd_error_format(LPD_ERR_REMOTE, "%s: bad agent "
						"reply (hello \"ops\")",
						agent_client_name(c));
		/* A newer agent's ops this client does not know: unused. */
		if (agent_op_lookup(json_string_value(v), &op))
			c->ops |= 1u << op;
	}
	return NULL;
}

struct lpd_error *
agent_client_open(const char *url, const struct agent_client_options *o,
		  struct agent_client **ret)
{
	static const struct agent_client_options defaults = { 0 };
	struct remote_options ro = { 0 };
	struct agent_client *c;
	struct lpd_error *err;
	char *lp = NULL, *rp = NULL, *cmd = NULL;
	json_t *req = NULL, *res = NULL;

	if (o == NULL)
		o = &defaults;
	c = lpd_calloc(1, sizeof(*c));
	if (c == NULL)
		return &lpd_enomem;
	c->op_timeout_ms = o->op_timeout_ms != 0 ? o->op_timeout_ms
		: 600000;
	c->next_id = 1;
	c->ops = ~0u;		/* until the hello says */
	err = remote_url_parse(url, &c->url);
	if (err != NULL)
		goto out;
	ro.timeout_ms = o->timeout_ms;
	ro.accept_new_host_key = o->accept_new_host_key;
	ro.passphrase = o->passphrase;
	ro.passphrase_arg = o->passphrase_arg;
	err = remote_connect(&c->url, &ro, &c->s);
	if (err != NULL)
		goto out;
	lp = remote_shell_quote(o->lpardbg != NULL ? o->lpardbg : "lpardbg");
	rp = c->url.path[0] != '\0' ? remote_shell_quote(c->url.path) : NULL;
	cmd = lp == NULL ? NULL : rp != NULL
		? lpd_asprintf("%s agent --repo %s", lp, rp)
		: lpd_asprintf("%s agent", lp);
	if (cmd == NULL) {
		err = &lpd_enomem;
		goto out;
	}
	err = remote_exec(c->s, cmd, &c->ch);
	if (err != NULL)
		goto out;
	req = json_pack("{s:s, s:i}", "op", "hello", "protocol",
			AGENT_PROTOCOL);
	if (req == NULL) {
		err = &lpd_enomem;
		goto out;
	}
	/* The hello answers within the connect timeout, or the node is
	 * treated as unreachable. */
	{
		unsigned keep = c->op_timeout_ms;

		c->op_timeout_ms = o->timeout_ms;
		err = agent_client_call(c, req, &res);
		c->op_timeout_ms = keep;
	}
	if (err == NULL && json_integer_value(json_object_get(res, "protocol"))
	    != AGENT_PROTOCOL)
		err = lpd_error_format(LPD_ERR_REMOTE, "%s: the agent speaks "
				       "protocol %lld, not %d",
				       agent_client_name(c),
				       (long long)json_integer_value(
					json_object_get(res, "protocol")),
				       AGENT_PROTOCOL);
	if (err == NULL)
		err = agent_client_hello_ops(c, res);
out:
	json_decref(req);
	json_decref(res);
	lpd_free(lp);
	lpd_free(rp);
	lpd_free(cmd);
	if (err != NULL) {
		agent_client_destroy(c);
		return err;
	}
	*ret = c;
	return NULL;
}

/* ---- regs and vars replies ------------------------------------------------ */

/* A copy of S, at most MAX bytes ("..." past them), control characters
 * as '?' so that no reply can drive the terminal. */
static char *
agent_clean_string(const char *s, size_t max)
{
	size_t n = strlen(s), i;
	bool cut = n > max;
	char *c;

	if (cut)
		n = max;
	c = lpd_malloc(n + (cut ? 4 : 1));
	if (c == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		c[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (cut) {
		memcpy(c + n, "...", 3);
		n += 3;
	}
	c[n] = '\0';
	return c;
}

static struct lpd_error *
agent_rframe_bad(const char *what)
{
	return lpd_error_format(LPD_ERR_REMOTE, "bad agent reply (%s)", what);
}

static struct lpd_error *
agent_rframe_regs(json_t *regs, struct con_rframe *f)
{
	json_t *o = json_object_get(regs, "registers"), *v;
	json_t *g = json_object_get(regs, "general");
	const char *name;

	if (!json_is_object(regs) || !json_is_object(o))
		return agent_rframe_bad("no \"registers\" object");
	if (json_object_size(o) > AGENT_RFRAME_MAX_REGS)
		return agent_rframe_bad("too many registers");
	f->regs = lpd_calloc(json_object_size(o) + 1, sizeof(*f->regs));
	if (f->regs == NULL)
		return &lpd_enomem;
	json_object_foreach(o, name, v) {
		struct con_rreg *r = &f->regs[f->n_regs];
		const char *hex = json_string_value(v);
		char *end;

		if (name[0] == '\0' || strlen(name) > 32)
			return agent_rframe_bad("a register name");
		if (hex != NULL) {
			if (strncmp(hex, "0x", 2) != 0 || hex[2] == '\0' ||
			    strlen(hex) > 18 ||
			    strspn(hex + 2, "0123456789abcdefABCDEF") !=
			    strlen(hex + 2))
				return agent_rframe_bad("a register value");
			r->value = strtoull(hex + 2, &end, 16);
			r->known = true;
		} else if (!json_is_null(v)) {
			return agent_rframe_bad("a register value");
		}
		r->name = agent_clean_string(name, 32);
		if (r->name == NULL)
			return &lpd_enomem;
		f->n_regs++;
	}
	f->n_general = f->n_regs;
	if (g != NULL) {
		if (!json_is_integer(g) || json_integer_value(g) < 0)
			return agent_rframe_bad("\"general\"");
		if ((size_t)json_integer_value(g) < f->n_regs)
			f->n_general = (size_t)json_integer_value(g);
	}
	return NULL;
}

static struct lpd_error *
agent_rframe_vars(json_t *vars, struct con_rframe *f)
{
	static const char *const keys[] = { "args", "locals" };
	json_t *a[2];
	size_t k, i, n;

	if (!json_is_object(vars))
		return agent_rframe_bad("vars is not an object");
	for (k = 0; k < 2; k++) {
		a[k] = json_object_get(vars, keys[k]);
		if (!json_is_array(a[k]))
			return agent_rframe_bad("no \"args\"/\"locals\" "
						"array");
	}
	n = json_array_size(a[0]) + json_array_size(a[1]);
	if (n > AGENT_RFRAME_MAX_VARS)
		return agent_rframe_bad("too many variables");
	f->vars = lpd_calloc(n + 1, sizeof(*f->vars));
	if (f->vars == NULL)
		return &lpd_enomem;
	for (k = 0; k < 2; k++)
		for (i = 0; i < json_array_size(a[k]); i++) {
			json_t *e = json_array_get(a[k], i);
			const char *name = json_string_value(
				json_object_get(e, "name"));
			const char *text = json_string_value(json_object_get(
				json_object_get(e, "value"), "text"));
			struct con_rvar *v = &f->vars[f->n_vars];

			if (name == NULL || name[0] == '\0' ||
			    strlen(name) > AGENT_RFRAME_MAX_NAME ||
			    text == NULL)
				return agent_rframe_bad("a variable");
			v->name = agent_clean_string(name,
						     AGENT_RFRAME_MAX_NAME);
			v->text = agent_clean_string(text,
						     AGENT_RFRAME_MAX_TEXT);
			v->is_arg = k == 0;
			f->n_vars++;
			if (v->name == NULL || v->text == NULL)
				return &lpd_enomem;
		}
	return NULL;
}

struct lpd_error *
agent_rframe_from_json(json_t *regs, json_t *vars, size_t frame,
		       struct con_rframe **ret)
{
	struct con_rframe *f = lpd_calloc(1, sizeof(*f));
	struct lpd_error *err;

	if (f == NULL)
		return &lpd_enomem;
	f->frame = frame;
	err = agent_rframe_regs(regs, f);
	if (err == NULL)
		err = agent_rframe_vars(vars, f);
	if (err != NULL) {
		con_rframe_destroy(f);
		return err;
	}
	*ret = f;
	return NULL;
}

/* ---- --remote for bt and info ---------------------------------------------- */

static bool
remote_is_id(const char *s)
{
	return s[0] != '\0' && strchr(s, '/') == NULL &&
	       strspn(s, "0123456789abcdefABCDEF") == strlen(s);
}

enum cmd_retval
remote_pair_command(struct cmd_ctx *ctx, const struct remote_args *ra,
		    const struct load_args *a, const char *op, bool full)
{
	struct agent_client *c = NULL;
	struct lpd_error *err;
	json_t *req, *res = NULL;
	enum cmd_retval rv = CMD_RETURN_OK;

	err = agent_client_open(ra->url, &ra->o, &c);
	if (err != NULL)
		return cmd_fail(ctx, err);
	if (remote_is_id(a->core) && a->exe == NULL)
		req = json_pack("{s:s, s:s}", "op", "open", "dump", a->core);
	else
		req = json_pack("{s:s, s:s, s:s?}", "op", "open", "core",
				a->core, "exe", a->exe);
	err = req != NULL ? agent_client_call(c, req, &res) : &lpd_enomem;
	json_decref(req);
	json_decref(res);
	res = NULL;
	if (err == NULL) {
		req = json_pack("{s:s, s:b, s:s}", "op", op, "full", full,
				"format", ctx->json ? "json" : "text");
		err = req != NULL ? agent_client_call(c, req, &res)
			: &lpd_enomem;
		json_decref(req);
	}
	if (err != NULL) {
		rv = cmd_fail(ctx, err);
	} else if (ctx->json) {
		json_dumpf(res, ctx->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fputc('\n', ctx->out);
	} else {
		fputs(json_string_value(json_object_get(res, "text")) != NULL
		      ? json_string_value(json_object_get(res, "text")) : "",
		      ctx->out);
	}
	json_decref(res);
	agent_client_destroy(c);
	return rv;
}

/* ---- SFTP mirror of a remote repository ------------------------------------ */

static struct lpd_error *
remote_mkdirs(char *path)
{
	char *p;

	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			struct lpd_error *err = lpd_error_os(errno, path);

			*p = '/';
			return err;
		}
		*p = '/';
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return lpd_error_os(errno, path);
	return NULL;
}

/* $XDG_CACHE_HOME/lpardbg/remote/HOST_PORT/USER/PATH (slashes of PATH as
 * '_', so that one remote repository is one directory). */
static char *
remote_mirror_dir(const struct remote_url *u)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	const char *user = u->user != NULL ? u->user : getenv("USER");
	char *path, *esc, *dir, *p;

	esc = lpd_strdup(u->path[0] != '\0' ? u->path : "_");
	if (esc == NULL)
		return NULL;
	for (p = esc; *p != '\0'; p++)
		if (*p == '/')
			*p = '_';
	if (xdg != NULL && xdg[0] == '/')
		path = lpd_asprintf("%s/lpardbg/remote", xdg);
	else
		path = lpd_asprintf("%s/.cache/lpardbg/remote",
				    home != NULL ? home : "/tmp");
	dir = path != NULL ? lpd_asprintf("%s/%s_%u/%s/%s", path, u->host,
					  u->port, user != NULL ? user : "-",
					  esc) : NULL;
	lpd_free(path);
	lpd_free(esc);
	return dir;
}

struct remote_mirror {
	struct remote_url url;
	struct remote_session *s;
	char *dir;
};

static void
remote_mirror_deinit(struct remote_mirror *m)
{
	remote_session_destroy(m->s);
	remote_url_deinit(&m->url);
	lpd_free(m->dir);
	memset(m, 0, sizeof(*m));
}

/* Connect and refresh the mirror's index: index.sqlite and its WAL (when
 * the remote has one) replace the local copies. */
static struct lpd_error *
remote_mirror_open(const char *url, const struct agent_client_options *o,
		   struct remote_mirror *m, struct repo **ret)
{
	static const char *const sub[] = { "objects", "tmp", "cache" };
	struct remote_options ro = { 0 };
	struct lpd_error *err;
	char *rp = NULL, *lp = NULL;
	uint64_t size;
	size_t i;

	memset(m, 0, sizeof(*m));
	err = remote_url_parse(url, &m->url);
	if (err != NULL)
		return err;
	if (m->url.path[0] == '\0') {
		remote_url_deinit(&m->url);
		return lpd_error_format(LPD_ERR_INVALID_ARG, "'%s': no "
					"repository path", url);
	}
	if (o != NULL) {
		ro.timeout_ms = o->timeout_ms;
		ro.accept_new_host_key = o->accept_new_host_key;
		ro.passphrase = o->passphrase;
		ro.passphrase_arg = o->passphrase_arg;
	}
	m->dir = remote_mirror_dir(&m->url);
	if (m->dir == NULL) {
		err = &lpd_enomem;
		goto fail;
	}
	err = remote_mkdirs(m->dir);
	for (i = 0; err == NULL && i < 3; i++) {
		char *p = lpd_asprintf("%s/%s", m->dir, sub[i]);

		err = p != NULL ? remote_mkdirs(p) : &lpd_enomem;
		lpd_free(p);
	}
	if (err == NULL)
		err = remote_connect(&m->url, &ro, &m->s);
	for (i = 0; err == NULL && i < 2; i++) {
		const char *suffix = i == 0 ? "" : "-wal";

		rp = lpd_asprintf("%s/index.sqlite%s", m->url.path, suffix);
		lp = lpd_asprintf("%s/index.sqlite%s", m->dir, suffix);
		if (rp == NULL || lp == NULL) {
			err = &lpd_enomem;
		} else {
			err = remote_sftp_size(m->s, rp, &size);
			if (err == NULL)
				err = remote_sftp_get(m->s, rp, lp,
						      REMOTE_INDEX_MAX);
			if (err != NULL && err->code == LPD_ERR_NOT_FOUND) {
				if (i == 0) {
					err = lpd_error_format(
						LPD_ERR_NOT_FOUND, "%s: no "
						"repository there", url);
				} else {
					/* No WAL: drop a stale copy. */
					lpd_error_destroy(err);
					err = NULL;
					unlink(lp);
				}
			}
		}
		lpd_free(rp);
		lpd_free(lp);
		rp = lp = NULL;
	}
	if (err == NULL) {
		/* The wal-index is rebuilt from the copied WAL. */
		lp = lpd_asprintf("%s/index.sqlite-shm", m->dir);
		if (lp != NULL)
			unlink(lp);
		lpd_free(lp);
		err = repo_open(m->dir, ret);
	}
	if (err == NULL)
		return NULL;
fail:
	remote_mirror_deinit(m);
	return err;
}

struct lpd_error *
remote_repo_open(const char *url, const struct agent_client_options *o,
		 struct repo **ret)
{
	struct remote_mirror m;
	struct lpd_error *err = remote_mirror_open(url, o, &m, ret);

	if (err == NULL)
		remote_mirror_deinit(&m);
	return err;
}

/* Copy blob HASH into the mirror unless it is there already (blobs are
 * content-addressed: a file by that name holds those bytes). */
static struct lpd_error *
remote_fetch_blob(struct remote_mirror *m, const char *hash)
{
	char *rp = lpd_asprintf("%s/objects/%.2s/%s", m->url.path, hash, hash);
	char *ld = lpd_asprintf("%s/objects/%.2s", m->dir, hash);
	char *lp = ld != NULL ? lpd_asprintf("%s/%s", ld, hash) : NULL;
	struct lpd_error *err = NULL;

	if (rp == NULL || lp == NULL)
		err = &lpd_enomem;
	else if (access(lp, F_OK) != 0) {
		err = remote_mkdirs(ld);
		if (err == NULL)
			err = remote_sftp_get(m->s, rp, lp, REMOTE_BLOB_MAX);
	}
	lpd_free(rp);
	lpd_free(ld);
	lpd_free(lp);
	return err;
}

struct lpd_error *
remote_repo_open_dump(const char *url, const struct agent_client_options *o,
		      const char *id, struct repo **ret)
{
	char hash[REPO_HASH_LEN + 1];
	struct repo_object *objs = NULL;
	struct remote_mirror m;
	struct lpd_error *err;
	struct repo *r;
	size_t n = 0, i;

	err = remote_mirror_open(url, o, &m, &r);
	if (err != NULL)
		return err;
	err = repo_find_dump(r, id, hash);
	if (err == NULL)
		err = repo_dump_objects(r, hash, &objs, &n);
	if (err == NULL)
		err = remote_fetch_blob(&m, hash);
	for (i = 0; err == NULL && i < n; i++)
		err = remote_fetch_blob(&m, objs[i].blob);
	repo_objects_free(objs, n);
	remote_mirror_deinit(&m);
	if (err != NULL) {
		repo_destroy(r);
		return err;
	}
	*ret = r;
	return NULL;
}

enum cmd_retval
remote_repo_fetch_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "repo", required_argument, NULL, 'r' },
		{ "to", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "accept-new-host-key", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char usage[] = "usage: lpardbg repo fetch --repo "
		"ssh://[USER@]HOST[:PORT]/PATH [--to DIR] [--timeout S] "
		"[--accept-new-host-key] ID\n";
	struct remote_args ra = { 0 };
	struct repo_import_options io;
	struct repo_dump_list *dl = NULL;
	struct repo_object *objs = NULL;
	struct repo_import *imp = NULL;
	struct remote_mirror m = { 0 };
	struct repo *mr = NULL, *local = NULL;
	char hash[REPO_HASH_LEN + 1], got[REPO_HASH_LEN + 1];
	const char *url = NULL, *to = NULL;
	struct lpd_error *err;
	char *bundle = NULL;
	size_t n = 0, i;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'r')
			url = optarg;
		else if (c == 't')
			to = optarg;
		else if (c == 'a')
			ra.o.accept_new_host_key = true;
		else if (c == 'j')
			ctx->json = true;
		else if (c == 'T' && remote_set_timeout(&ra, optarg))
			;
		else {
			if (c != 'h')
				fprintf(ctx->err, "lpardbg: bad option '%s'\n",
					argv[optind - 1]);
			fputs(usage, ctx->err);
			return CMD_RETURN_USAGE;
		}
	}
	if (url == NULL || !remote_is_url(url) || optind != argc - 1) {
		fprintf(ctx->err, "lpardbg: %s\n%s", url == NULL ||
			!remote_is_url(url) ? "--repo ssh://... needed"
			: "want one dump id", usage);
		return CMD_RETURN_USAGE;
	}
	err = remote_mirror_open(url, &ra.o, &m, &mr);
	if (err == NULL)
		err = repo_find_dump(mr, argv[optind], hash);
	if (err == NULL)
		err = repo_get_dump(mr, hash, &dl);
	if (err == NULL)
		err = repo_dump_objects(mr, hash, &objs, &n);
	if (err == NULL)
		err = remote_fetch_blob(&m, hash);
	for (i = 0; err == NULL && i < n; i++)
		err = remote_fetch_blob(&m, objs[i].blob);
	/* Through a bundle, as repo export/import carry a dump between
	 * repositories: the import checks every hash. */
	if (err == NULL) {
		bundle = lpd_asprintf("%s/tmp/%s.bundle", m.dir, hash);
		err = bundle != NULL ? repo_export_dump(mr, hash, bundle)
			: &lpd_enomem;
	}
	if (err == NULL)
		err = load_repo_open(to, true, &local);
	if (err == NULL) {
		const struct repo_dump *d = repo_dump_list_at(dl, 0);

		memset(&io, 0, sizeof(io));
		io.lpar = d->lpar;
		io.node = d->node;
		io.reason = d->reason;
		err = repo_import_begin(local, bundle, &io, &imp);
	}
	if (err == NULL)
		err = repo_import_commit(imp, got);
	if (err == NULL) {
		if (ctx->json)
			fprintf(ctx->out, "{\"id\":\"%s\",\"objects\":%zu,"
				"\"repo\":\"%s\"}\n", got, n,
				repo_dir(local));
		else
			fprintf(ctx->out, "fetched %.12s (%zu objects) from "
				"%s into %s\n", got, n, url, repo_dir(local));
	}
	if (bundle != NULL)
		unlink(bundle);
	lpd_free(bundle);
	repo_import_destroy(imp);
	repo_objects_free(objs, n);
	repo_dump_list_destroy(dl);
	repo_destroy(local);
	repo_destroy(mr);
	remote_mirror_deinit(&m);
	return err != NULL ? cmd_fail(ctx, err) : CMD_RETURN_OK;
}
