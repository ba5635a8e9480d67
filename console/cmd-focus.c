/* console/cmd-focus.c - "focus next|prev|PANE|cmdline [TEXT]": move the
 * keyboard focus (the TUI does it; the command asks through the
 * session), so Tab and ':' are commands like any key. */
#include <string.h>

#include "console/session.h"

static const char *const focus_panes[] = { "next", "prev", "tree", "threads",
	"bt", "source", "registers", "values", "relation", "output",
	"cmdline", NULL };

static enum cmd_retval
cmd_focus_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct con_session *s = ctx->session;
	size_t i, o;
	int k;

	if (cmd_need_session(ctx, &cmd_focus_entry) != CMD_RETURN_OK)
		return CMD_RETURN_USAGE;
	for (i = 0; argc >= 2 && focus_panes[i] != NULL; i++)
		if (strcmp(focus_panes[i], argv[1]) == 0)
			break;
	if (argc < 2 || focus_panes[i] == NULL ||
	    (argc > 2 && strcmp(argv[1], "cmdline") != 0))
		return cmd_usage(ctx, NULL, "focus: want next, prev, cmdline "
				 "or a pane (tree, threads, bt, source, "
				 "registers, values, relation, output)");
	o = (size_t)snprintf(s->ui_arg, sizeof(s->ui_arg), "%s", argv[1]);
	/* cmdline TEXT...: the line starts with TEXT and a space. */
	for (k = 2; k < argc && o < sizeof(s->ui_arg); k++)
		o += (size_t)snprintf(s->ui_arg + o, sizeof(s->ui_arg) - o,
				      " %s%s", argv[k],
				      k + 1 == argc ? " " : "");
	s->ui |= CON_UI_FOCUS;
	return CMD_RETURN_OK;
}

static enum cmd_retval
cmd_quit_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (cmd_need_session(ctx, &cmd_quit_entry) != CMD_RETURN_OK)
		return CMD_RETURN_USAGE;
	ctx->session->ui |= CON_UI_QUIT;
	return CMD_RETURN_OK;
}

const struct cmd_entry cmd_focus_entry = {
	.name = "focus",
	.usage = "next | prev | PANE | cmdline [TEXT]",
	.summary = "(console) move the keyboard focus",
	.exec = cmd_focus_exec,
};

const struct cmd_entry cmd_quit_entry = {
	.name = "quit",
	.usage = "",
	.summary = "(console) leave the console",
	.exec = cmd_quit_exec,
};
