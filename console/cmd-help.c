/* console/cmd-help.c - "help": the command list, built from cmd_table. */
#include "console/console-int.h"
#include "console/session.h"

static enum cmd_retval
cmd_help_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct cmd_entry *e;
	size_t i;

	if (ctx->session != NULL && argc <= 1) {
		ctx->session->ui |= CON_UI_HELP;	/* the overlay */
		return CMD_RETURN_OK;
	}
	if (argc > 1) {
		e = cmd_find(argv[1]);
		if (e == NULL)
			return cmd_usage(ctx, NULL, "unknown command '%s'",
					 argv[1]);
		fprintf(ctx->out, "usage: lpardbg %s %s\n  %s\n", e->name,
			e->usage, e->summary);
		return CMD_RETURN_OK;
	}
	fputs("usage: lpardbg COMMAND [ARGS]\n\ncommands:\n", ctx->out);
	for (i = 0; cmd_table[i] != NULL; i++) {
		e = cmd_table[i];
		fprintf(ctx->out, "  %-8s %s\n", e->name, e->summary);
	}
	return CMD_RETURN_OK;
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "[COMMAND]",
	.summary = "list the commands, or show one command's usage",
	.exec = cmd_help_exec,
};
