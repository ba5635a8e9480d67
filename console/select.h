/* console/select.h - what the value commands (cmd-eval.c: print, info
 * locals/args/frame/registers, ptype, whatis, x) work on: a target, a
 * thread's stack and a frame in it. The batch "eval" command fills one
 * from its options; the console fills one from its session's selection
 * (con_session's target, thread, frame and stack). */
#ifndef LPD_CONSOLE_SELECT_H
#define LPD_CONSOLE_SELECT_H

#include "console/console-int.h"
#include "debugger/debugger.h"

struct con_selection {
	struct dbg_target *target;	/* borrowed */
	const struct dbg_stack *stack;	/* borrowed: the thread's stack */
	size_t thread;			/* index as in dump_thread_*() */
	size_t frame;			/* index in stack */
	unsigned history;		/* $N of the next print */
};

/** Run one gdb-style value command LINE on SEL: "print[/F] EXPR" (also
 * "p", and a bare EXPR), "output EXPR", "info locals", "info args",
 * "info frame", "info registers [REG...]", "ptype EXPR|TYPE",
 * "whatis EXPR|TYPE", "x/NFU ADDR", "frame N" (selects), "echo TEXT". Text to
 * ctx->out; errors (gdb's words) to ctx->err. With ctx->json, appends one
 * result object to J instead. Returns CMD_RETURN_OK or
 * CMD_RETURN_BAD_INPUT. */
enum cmd_retval values_command(struct cmd_ctx *ctx, struct con_selection *sel,
			       const char *line, struct lpd_json *j);
/** gdb's bt full locals of frame I: "        name = value" lines or
 * "No locals."; with J, a "locals" array. */
enum cmd_retval values_frame_locals(struct cmd_ctx *ctx,
				    struct con_selection *sel, size_t i,
				    const char *indent, struct lpd_json *j);

/* cmd-print.c: the value commands in the console */
/** True when LINE is a value command values_command() answers inside the
 * console: print/p[/F], output, ptype, whatis, x, info locals|args. */
bool con_values_owns(const char *line);
/** Run value command LINE on ctx->session's selected dump, thread and
 * frame; "$N" numbering continues the session's. */
enum cmd_retval con_values_run(struct cmd_ctx *ctx, const char *line);

#endif
