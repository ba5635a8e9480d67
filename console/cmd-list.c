/* console/cmd-list.c - "list [LINE]" (alias l): ten source lines around
 * the selected frame's line, or around LINE of its file, as gdb lists. */
#include <errno.h>
#include <stdlib.h>

#include "console/session.h"

static enum cmd_retval
cmd_list_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct con_session *s = ctx->session;
	const struct dbg_frame *f;
	const struct con_source *src;
	struct lpd_error *err;
	unsigned long line, first, i;
	char *end;

	if (cmd_need_session(ctx, &cmd_list_entry) != CMD_RETURN_OK)
		return CMD_RETURN_USAGE;
	err = con_session_need_target(s);
	if (err != NULL)
		return cmd_fail(ctx, err);
	f = con_session_frame(s);
	if (f == NULL || f->file == NULL || f->line == 0)
		return cmd_fail(ctx, lpd_error_format(LPD_ERR_NOT_FOUND,
			"list: no line table entry for frame %zu", s->frame));
	line = f->line;
	if (argc > 2)
		return cmd_usage(ctx, NULL, "list: want at most a line number");
	if (argc == 2) {
		errno = 0;
		line = strtoul(argv[1], &end, 10);
		if (errno != 0 || *end != '\0' || argv[1][0] < '0' ||
		    argv[1][0] > '9' || line == 0)
			return cmd_usage(ctx, NULL, "list: want a line number, "
					 "not '%s'", argv[1]);
	}
	src = con_source_get(s, f->file);
	if (src->error != NULL)
		return cmd_fail(ctx, lpd_error_format(LPD_ERR_NOT_FOUND, "%s",
						      src->error));
	if (line > src->n_lines)
		return cmd_fail(ctx, lpd_error_format(LPD_ERR_INVALID_ARG,
			"line %lu out of range; %s has %zu lines", line,
			con_basename(f->file), src->n_lines));
	first = line > 5 ? line - 5 : 1;
	for (i = first; i < first + 10 && i <= src->n_lines; i++)
		fprintf(ctx->out, "%lu\t%s\n", i,
			src->data + src->lines[i - 1]);
	return CMD_RETURN_OK;
}

const struct cmd_entry cmd_list_entry = {
	.name = "list",
	.alias = "l",
	.usage = "[LINE]",
	.summary = "(console) source lines around the selected frame",
	.exec = cmd_list_exec,
};
