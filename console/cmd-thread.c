/* console/cmd-thread.c - "thread [N]": show or select a thread of the
 * selected dump (numbered from 1 in core order, as gdb numbers them). */
#include <errno.h>
#include <stdlib.h>

#include "console/session.h"

static enum cmd_retval
cmd_thread_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct con_session *s = ctx->session;
	struct lpd_error *err;
	struct dump *d;
	unsigned long n;
	char *end;

	if (cmd_need_session(ctx, &cmd_thread_entry) != CMD_RETURN_OK)
		return CMD_RETURN_USAGE;
	err = con_session_need_target(s);
	if (err != NULL)
		return cmd_fail(ctx, err);
	d = dbg_target_dump(con_session_dump(s)->target);
	if (argc < 2) {
		fprintf(ctx->out, "[Current thread is %zu (Thread %d)]\n",
			s->thread + 1, dump_thread_tid(d, s->thread));
		return CMD_RETURN_OK;
	}
	errno = 0;
	n = strtoul(argv[1], &end, 10);
	if (argc > 2 || errno != 0 || *end != '\0' || argv[1][0] < '0' ||
	    argv[1][0] > '9' || n == 0)
		return cmd_usage(ctx, NULL, "thread: want a thread number "
				 "(info threads lists them), not '%s'",
				 argv[argc - 1]);
	err = con_session_set_thread(s, n - 1);
	if (err != NULL)
		return cmd_fail(ctx, err);
	fprintf(ctx->out, "[Switching to thread %lu (Thread %d)]\n", n,
		dump_thread_tid(d, s->thread));
	cmd_frame_print(ctx);
	return CMD_RETURN_OK;
}

const struct cmd_entry cmd_thread_entry = {
	.name = "thread",
	.usage = "[N]",
	.summary = "(console) show or select thread N of the dump",
	.exec = cmd_thread_exec,
};
