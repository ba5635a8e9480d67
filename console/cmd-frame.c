/* console/cmd-frame.c - "frame [N]", "up [N]", "down [N]": select a frame
 * of the selected thread, as gdb does, and print it with its source line. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "console/session.h"

void
cmd_frame_print(struct cmd_ctx *ctx)
{
	struct con_session *s = ctx->session;
	const struct dbg_frame *f = con_session_frame(s);
	const struct con_source *src;

	if (f == NULL)	/* else the session has a dump */
		return;
	cmd_bt_print_frame(ctx->out,
			   cmd_addr_size(con_session_dump(s)->target),
			   s->frame, f, false);
	if (f->file == NULL || f->line == 0)
		return;
	src = con_source_get(s, f->file);
	if (src->n_lines >= f->line)
		fprintf(ctx->out, "%u\t%s\n", f->line,
			src->data + src->lines[f->line - 1]);
}

/* A frame number or count: a decimal that fits. */
static bool
frame_number(const char *arg, size_t *ret)
{
	unsigned long v;
	char *end;

	if (arg[0] < '0' || arg[0] > '9')
		return false;
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*ret = v;
	return true;
}

static enum cmd_retval
frame_select(struct cmd_ctx *ctx, const struct cmd_entry *e, int argc,
	     char **argv, int dir)
{
	struct con_session *s = ctx->session;
	struct con_dump *d;
	struct lpd_error *err;
	size_t n = dir == 0 ? s->frame : 1, to;

	if (cmd_need_session(ctx, e) != CMD_RETURN_OK)
		return CMD_RETURN_USAGE;
	if (argc > 2 || (argc == 2 && !frame_number(argv[1], &n)))
		return cmd_usage(ctx, NULL, "%s: want a frame %s, not '%s'",
				 e->name, dir == 0 ? "number" : "count",
				 argv[argc - 1]);
	/* A remote dump has frames (from its agent) but no target here. */
	d = con_session_dump(s);
	err = d != NULL && d->remote != NULL ? NULL
	    : con_session_need_target(s);
	if (err != NULL)
		return cmd_fail(ctx, err);
	if (dir == 0) {
		to = n;
	} else if (dir > 0) {
		size_t count = con_session_frame_count(s);

		if (s->frame + 1 >= count)
			return cmd_fail(ctx, lpd_error_format(
				LPD_ERR_INVALID_ARG, "initial frame selected; "
				"you cannot go up"));
		to = s->frame + n < count ? s->frame + n : count - 1;
	} else {
		if (s->frame == 0)
			return cmd_fail(ctx, lpd_error_format(
				LPD_ERR_INVALID_ARG, "bottom (innermost) frame "
				"selected; you cannot go down"));
		to = n > s->frame ? 0 : s->frame - n;
	}
	err = con_session_set_frame(s, to);
	if (err != NULL)
		return cmd_fail(ctx, err);
	cmd_frame_print(ctx);
	return CMD_RETURN_OK;
}

static enum cmd_retval
cmd_frame_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	return frame_select(ctx, &cmd_frame_entry, argc, argv, 0);
}

static enum cmd_retval
cmd_up_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	return frame_select(ctx, &cmd_up_entry, argc, argv, 1);
}

static enum cmd_retval
cmd_down_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	return frame_select(ctx, &cmd_down_entry, argc, argv, -1);
}

const struct cmd_entry cmd_frame_entry = {
	.name = "frame",
	.alias = "f",
	.usage = "[N]",
	.summary = "(console) select frame N of the thread and show it",
	.exec = cmd_frame_exec,
};

const struct cmd_entry cmd_up_entry = {
	.name = "up",
	.usage = "[N]",
	.summary = "(console) select the caller, N frames out",
	.exec = cmd_up_exec,
};

const struct cmd_entry cmd_down_entry = {
	.name = "down",
	.usage = "[N]",
	.summary = "(console) select the callee, N frames in",
	.exec = cmd_down_exec,
};
