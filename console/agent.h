/* console/agent.h - "lpardbg agent": the line-delimited JSON protocol a
 * remote console speaks to an lpardbg running where the dumps live (over
 * an ssh exec channel, or any pipe), and the client side of it.
 *
 * PROTOCOL, version 1 (AGENT_PROTOCOL). One JSON object per line, UTF-8,
 * each way; a line is at most AGENT_LINE_MAX bytes (1 MiB) without its
 * newline. The client sends requests, the agent answers each one with
 * exactly one reply line, in order. Requests:
 *
 *   {"id": ID, "op": OP, ...arguments}
 *
 * ID (optional) is any JSON scalar; it is echoed in the reply. OPs:
 *   hello  {"protocol": 1}  -> {"protocol": 1, "agent": "lpardbg 0.1",
 *          "ops": [...], "max_line": 1048576, "repo": PATH|null}
 *          A client checks "protocol" and stops when it is not one it
 *          speaks; later versions add ops and keys, never change them.
 *          "ops" names the ops this agent answers: a client sends no
 *          other (an agent older than regs and vars lists neither, and
 *          answers them unknown_op).
 *   list   {"what": "lpars"}  -> what `cluster ls --json` prints
 *          {"what": "dumps", "lpar"?: L, "node"?: N, "limit"?: K}
 *                             -> what `repo ls --json` prints
 *   open   {"dump": ID} or {"core": PATH, "exe"?: PATH}
 *          -> {"core": ..., "exe": ..., "threads": N, "signal": ...}
 *          selects the pair the next ops work on. The agent keeps the
 *          loaded target (and the last thread's stack) until an open
 *          names another pair; reopening the open pair loads nothing,
 *          and bt/info answers are kept per pair too (a core does not
 *          change under us).
 *   bt     {"full"?: bool}           -> what `bt --json` prints
 *   info   {}                        -> what `info --json` prints
 *   eval   {"expr": "print x", "thread"?: TID, "frame"?: N}
 *          -> what `eval --json` prints (gdb's value commands); "expr"
 *          at most AGENT_EXPR_MAX bytes
 *   regs   {"thread"?: TID, "frame"?: N}
 *          -> {"tid", "frame", "general": K, "registers": {NAME: "0x..."
 *          | null (not saved), ...}}: `info registers` of eval --json;
 *          the first K are the general registers (up to the pc)
 *   vars   {"thread"?: TID, "frame"?: N}
 *          -> {"tid", "frame", "args": [...], "locals": [...]}: `info
 *          args` and `info locals` of eval --json ({"name", "value"}
 *          with dbg_value_json's value)
 *          TID defaults to the crashed thread, N to 0; a TID not in the
 *          core or an N past the stack is a "failed" reply
 *   facts  {} -> the analysis facts (schema "lpardbg.analysis/1")
 *   bye    {} -> {} and the agent exits
 * bt, info, eval and list take "format": "text" to get what the command
 * prints without --json as {"text": "..."} instead.
 *
 * Replies: {"id": ID, "ok": true, "result": RESULT} or
 *   {"id": ID, "ok": false, "error": {"code": CODE, "message": TEXT,
 *    "status": EXIT}}
 * with CODE one of "syntax" (not JSON, or not an object), "too_long"
 * (over AGENT_LINE_MAX: the line is skipped), "bad_request" (a missing
 * or mistyped argument), "unknown_op", "no_pair" (bt/info/eval/regs/vars/facts
 * before open), "failed" (the command failed: MESSAGE is its error, EXIT
 * the exit status the batch command gives). After any error the agent
 * reads the next line; it stops only at end of input or "bye".
 */
#ifndef LPD_CONSOLE_AGENT_H
#define LPD_CONSOLE_AGENT_H

#include <stdio.h>

#include <jansson.h>

#include "console/console-int.h"
#include "remote/remote.h"

#define AGENT_PROTOCOL 1
#define AGENT_LINE_MAX (1u << 20)

enum agent_op {
	AGENT_OP_HELLO, AGENT_OP_LIST, AGENT_OP_OPEN, AGENT_OP_BT,
	AGENT_OP_INFO, AGENT_OP_EVAL, AGENT_OP_FACTS, AGENT_OP_BYE,
	AGENT_OP_REGS, AGENT_OP_VARS,
};

/** OP named NAME in requests and hello's "ops"; false when there is
 * none. */
bool agent_op_lookup(const char *name, enum agent_op *ret);
/** The name of OP in requests. */
const char *agent_op_name(enum agent_op op);

/* The longest "expr" an eval request may carry. */
#define AGENT_EXPR_MAX 4096

/* A parsed request. Strings are borrowed from ROOT. */
struct agent_request {
	json_t *root;		/* owned */
	json_t *id;		/* borrowed; NULL when absent */
	enum agent_op op;
	bool text;		/* "format": "text" */
	const char *what;	/* list */
	const char *lpar, *node;	/* list dumps filters */
	long limit;		/* list dumps; 0: none */
	const char *dump, *core, *exe;	/* open */
	bool full;		/* bt */
	const char *expr;	/* eval */
	long thread, frame;	/* eval; -1: default */
	long protocol;		/* hello; 0: not given */
};

/** Parse one request line (LEN bytes, no newline). Errors:
 * LPD_ERR_SYNTAX (not a JSON object), LPD_ERR_INVALID_ARG (bad or
 * missing argument), LPD_ERR_UNSUPPORTED (unknown op). Even on error,
 * ret->id holds the request's id when it could be read; always call
 * agent_request_deinit(). */
struct lpd_error *agent_parse(const char *line, size_t len,
			      struct agent_request *ret);
void agent_request_deinit(struct agent_request *r);
/** The "code" an error reply carries for ERR from agent_parse(). */
const char *agent_error_code(const struct lpd_error *err);
/** A reply line (no newline) for request ID (may be NULL): an error with
 * CODE, MESSAGE and exit STATUS. Caller owns (free()). */
char *agent_error_reply(json_t *id, const char *code, const char *message,
			int status);
/** A success reply carrying RESULT (reference stolen). Caller owns. */
char *agent_ok_reply(json_t *id, json_t *result);

/** Run the command ARGV (argv[0] its name) as the batch CLI would, with
 * --json semantics when JSON, capturing what it prints to *OUT and *ERR
 * (caller owns both; free()). */
enum cmd_retval agent_run_command(bool json, int argc, char **argv,
				  char **out, char **err);
/** Serve the protocol: read requests from IN, write replies to OUT, until
 * end of input or "bye". REPO (NULL: the default repository) is what list
 * and open {"dump"} read. Returns CMD_RETURN_OK. */
enum cmd_retval agent_serve(FILE *in, FILE *out, const char *repo);

/* ---- client side (console/remote-cmd.c) ------------------------------ */

struct agent_client;		/* an agent on a remote node, over ssh */

struct agent_client_options {
	const char *lpardbg;	/* remote lpardbg command; NULL: "lpardbg" */
	unsigned timeout_ms;	/* connect and hello; 0: 10 s */
	unsigned op_timeout_ms;	/* each later reply; 0: 10 min */
	bool accept_new_host_key;
	/* Asked for a key's passphrase (the TUI's prompt); NULL: the
	 * terminal when stdin is one, else the key is skipped. */
	remote_passphrase_fn passphrase;
	void *passphrase_arg;
};

/** Connect to URL (ssh://[user@]host[:port]/REPO), start `lpardbg agent
 * --repo REPO` there and say hello. Errors: LPD_ERR_REMOTE (unreachable,
 * timeout, host key refused, auth, agent missing or of another protocol),
 * LPD_ERR_INVALID_ARG (bad URL). Caller owns *ret; free with
 * agent_client_destroy(). */
struct lpd_error *agent_client_open(const char *url,
				    const struct agent_client_options *o,
				    struct agent_client **ret);
void agent_client_destroy(struct agent_client *c);
/** Send REQ (a request object; borrowed; "id" is set here) and wait for
 * its reply. An error reply becomes an lpd_error: "failed" with its exit
 * status (3: LPD_ERR_BAD_INPUT, 2: LPD_ERR_INVALID_ARG), "unknown_op"
 * LPD_ERR_UNSUPPORTED (the agent is older: the connection is fine, and
 * the op is not asked again), others LPD_ERR_REMOTE. Caller owns *ret
 * (json_decref), the "result" value. */
struct lpd_error *agent_client_call(struct agent_client *c, json_t *req,
				    json_t **ret);
/** Whether C's agent answers OP: it listed OP in its hello and has not
 * answered it "unknown_op" since. Send no op it lacks. */
bool agent_client_has(const struct agent_client *c, enum agent_op op);
/** "user@host:port" of C. Borrowed. */
const char *agent_client_name(const struct agent_client *c);

struct con_rframe;		/* console/session.h */

/* Bounds on what a regs/vars reply may hold (an agent is not trusted). */
#define AGENT_RFRAME_MAX_REGS 1024
#define AGENT_RFRAME_MAX_VARS 4096
#define AGENT_RFRAME_MAX_NAME 256
#define AGENT_RFRAME_MAX_TEXT (64u << 10)	/* longer: cut, "..." */

/** The results of a "regs" and a "vars" reply (borrowed) for FRAME as a
 * con_rframe. Every field is checked (types, counts, lengths; control
 * characters become '?'): a reply out of shape is LPD_ERR_REMOTE "bad
 * agent reply (WHAT)", never trusted. Caller owns *ret (con_rframe_destroy). */
struct lpd_error *agent_rframe_from_json(json_t *regs, json_t *vars,
					 size_t frame,
					 struct con_rframe **ret);

#endif
