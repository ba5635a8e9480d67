/* console/console-int.h - the command model shared by the batch CLI (and,
 * later, the TUI, readline line and agent): command entries, the context
 * a command runs in, and its output sink. */
#ifndef LPD_CONSOLE_INT_H
#define LPD_CONSOLE_INT_H

#include <stdio.h>

#include "common/lpd.h"

enum cmd_retval {
	CMD_RETURN_OK = 0,
	CMD_RETURN_DIFFERENT = 1,	/* threshold or differences (CI) */
	CMD_RETURN_USAGE = 2,
	CMD_RETURN_BAD_INPUT = 3,
};

struct con_session;

struct cmd_ctx {
	FILE *out;		/* text or JSON goes here, never printf */
	FILE *err;		/* errors and warnings */
	bool json;
	volatile int *cancel;	/* set by SIGINT; long commands poll it */
	struct con_session *session;	/* the console's model; NULL in
					 * batch mode (console/session.h) */
};

struct cmd_entry {
	const char *name;
	const char *alias;
	const char *usage;	/* after the name */
	const char *summary;	/* one line for help */
	enum cmd_retval (*exec)(struct cmd_ctx *ctx, int argc, char **argv);
};

extern const struct cmd_entry cmd_bt_entry;
extern const struct cmd_entry cmd_info_entry;
extern const struct cmd_entry cmd_eval_entry;	/* console/cmd-eval.c */
extern const struct cmd_entry cmd_repo_entry, cmd_cluster_entry;
extern const struct cmd_entry cmd_dump_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_diff_entry;	/* console/cmd-diff.c */
extern const struct cmd_entry cmd_triage_entry;	/* console/cmd-triage.c */
extern const struct cmd_entry cmd_agent_entry;	/* console/agent.c */
/* the console (cmd-console.c) and its session commands */
extern const struct cmd_entry cmd_console_entry, cmd_frame_entry,
	cmd_up_entry, cmd_down_entry, cmd_thread_entry, cmd_target_entry,
	cmd_mark_entry, cmd_compare_entry, cmd_print_entry, cmd_list_entry,
	cmd_search_entry, cmd_focus_entry, cmd_quit_entry;
extern const struct cmd_entry cmd_ptype_entry, cmd_whatis_entry,
	cmd_x_entry;	/* console/cmd-print.c */
extern const struct cmd_entry cmd_analyze_entry,
	cmd_plugins_entry;	/* console/cmd-analyze.c */
extern const struct cmd_entry *const cmd_table[];

const struct cmd_entry *cmd_find(const char *name);
/** Print "lpardbg: message" to ctx->err; returns CMD_RETURN_USAGE. */
enum cmd_retval cmd_usage(struct cmd_ctx *ctx, const struct cmd_entry *e,
			  const char *fmt, ...) LPD_PRINTF(3, 4);
/** Report ERR (consumed) and return the exit status it calls for. */
enum cmd_retval cmd_fail(struct cmd_ctx *ctx, struct lpd_error *err);
/** In batch mode (no session), the usage error "E works inside the
 * console"; else CMD_RETURN_OK. */
enum cmd_retval cmd_need_session(struct cmd_ctx *ctx,
				 const struct cmd_entry *e);
struct dbg_frame;
/** One backtrace line as "bt" prints it (cmd-bt.c): the pc padded to
 * two hex digits per byte of ADDR_SIZE (the core's address size), as gdb
 * pads it: 8 digits on a 32-bit target, 16 on a 64-bit one. */
void cmd_bt_print_frame(FILE *o, unsigned addr_size, size_t index,
			const struct dbg_frame *f, bool full_paths);
struct dbg_target;
struct load_args;
/** What "info --json" prints of T, loaded from A (cmd-info.c); the
 * agent answers "open" with it from the target it keeps. */
void cmd_info_json(struct lpd_json *j, const struct load_args *a,
		   struct dbg_target *t);
/** The address size of T's core; 8 when T is NULL (a remote dump). */
unsigned cmd_addr_size(struct dbg_target *t);
/** The session's selected frame and its source line, as gdb's "frame"
 * prints them (cmd-frame.c). */
void cmd_frame_print(struct cmd_ctx *ctx);
/** Print a warning line "warning: ...". */
void cmd_warn(struct cmd_ctx *ctx, const char *msg);

/** console/cmd-discover.c: "cluster discover" (ARGV[0] is "discover"). */
enum cmd_retval cmd_cluster_discover(struct cmd_ctx *ctx,
				     const struct cmd_entry *e, int argc,
				     char **argv);

/* console/cmd-analyze.c: plugin options shared by analyze, diff, ... */
struct plugins;
struct cmd_plugin_opts {
	const char **paths;	/* --plugin SO, in order */
	size_t n;
};
/** load_extra setter adding VALUE to the cmd_plugin_opts ARG. */
bool cmd_plugin_opt(void *arg, const char *value);
/** The built-in plugins, those in $XDG_DATA_HOME/lpardbg/plugins, then
 * O's (O may be NULL). Caller frees with plugins_destroy(). */
struct lpd_error *cmd_plugins_open(const struct cmd_plugin_opts *o,
				   struct plugins **ret);
/** plugins_analyze() warning callback; ARG is the struct cmd_ctx. */
void cmd_plugins_warn(void *arg, const char *msg);
/** Write a finished JSON document (BUF) and a newline to ctx->out. */
enum cmd_retval cmd_emit_json(struct cmd_ctx *ctx, struct lpd_json *j,
			      struct lpd_buf *buf);

#endif
