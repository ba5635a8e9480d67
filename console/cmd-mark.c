/* console/cmd-mark.c - "mark N|ID": mark or unmark a dump for "compare"
 * (at most two; a third mark drops the oldest). */
#include "console/session.h"

static enum cmd_retval
cmd_mark_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct con_session *s = ctx->session;
	struct lpd_error *err;
	struct con_item *it;

	if (cmd_need_session(ctx, &cmd_mark_entry) != CMD_RETURN_OK)
		return CMD_RETURN_USAGE;
	if (argc != 2)
		return cmd_usage(ctx, NULL, "mark: want one dump (N or id)");
	err = con_dump_lookup(s, argv[1], &it);
	if (err != NULL)
		return cmd_fail(ctx, err);
	con_session_mark(s, it->tag);
	if (!con_session_marked(s, it->tag))
		con_status(s, false, "unmarked %s", it->dump->id);
	else if (s->n_marks == 2)
		con_status(s, false, "marked %s: two marked, d compares them",
			   it->dump->id);
	else
		con_status(s, false, "marked %s: mark one more to compare",
			   it->dump->id);
	return CMD_RETURN_OK;
}

const struct cmd_entry cmd_mark_entry = {
	.name = "mark",
	.usage = "N|ID",
	.summary = "(console) mark or unmark a dump for compare",
	.exec = cmd_mark_exec,
};
