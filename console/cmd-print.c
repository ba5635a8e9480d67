/* console/cmd-print.c - the value commands inside the console: print
 * (p, p/x, ...), output, ptype, whatis, x/NFU and info locals|args run
 * through the values engine (cmd-eval.c's values_command) on the
 * session's selected dump, thread and frame, the same code "lpardbg eval"
 * runs in batch. The TUI hands them the line as typed (quotes kept);
 * these entries rebuild it from argv when called otherwise. */
#include <ctype.h>
#include <string.h>

#include "console/select.h"
#include "console/session.h"

/* Words that start a value command ("info" only with locals or args:
 * the session's own "info" handles threads, registers, frame and
 * sharedlibrary). */
static const char *const values_words[] = {
	"print", "p", "output", "ptype", "whatis", "x", NULL,
};

static bool
values_is_word(const char *line, const char *w)
{
	size_t n = strlen(w);

	return strncmp(line, w, n) == 0 &&
	       (line[n] == '\0' || line[n] == '/' ||
		isspace((unsigned char)line[n]));
}

bool
con_values_owns(const char *line)
{
	size_t i;

	while (isspace((unsigned char)*line))
		line++;
	for (i = 0; values_words[i] != NULL; i++)
		if (values_is_word(line, values_words[i]))
			return true;
	if (values_is_word(line, "info")) {
		line += 4;
		while (isspace((unsigned char)*line))
			line++;
		return values_is_word(line, "locals") ||
		       values_is_word(line, "args");
	}
	return false;
}

enum cmd_retval
con_values_run(struct cmd_ctx *ctx, const char *line)
{
	struct con_session *s = ctx->session;
	struct con_selection sel;
	struct con_dump *d;
	struct lpd_error *err;
	enum cmd_retval rv;

	if (s == NULL)
		return cmd_usage(ctx, NULL, "'%s' works inside the console "
				 "(batch: lpardbg eval CORE '%s')", line, line);
	err = con_session_need_target(s);
	if (err != NULL)
		return cmd_fail(ctx, err);
	d = con_session_dump(s);
	if (s->stack == NULL)
		return cmd_fail(ctx, lpd_error_format(LPD_ERR_INVALID_ARG,
			"dump %s has no stack to evaluate in", d->id));
	memset(&sel, 0, sizeof(sel));
	sel.target = d->target;
	sel.stack = s->stack;
	sel.thread = s->thread;
	sel.frame = s->frame;
	sel.history = s->value_seq;
	rv = values_command(ctx, &sel, line, NULL);
	s->value_seq = sel.history;
	return rv;
}

/* An entry called with argv: the words joined again. */
static enum cmd_retval
values_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct lpd_buf b = LPD_BUF_INIT;
	enum cmd_retval rv;
	int i;

	for (i = 0; i < argc; i++)
		if (lpd_buf_printf(&b, "%s%s", i > 0 ? " " : "", argv[i]) !=
		    NULL) {
			lpd_buf_deinit(&b);
			return cmd_fail(ctx, &lpd_enomem);
		}
	rv = con_values_run(ctx, b.data != NULL ? b.data : "");
	lpd_buf_deinit(&b);
	return rv;
}

const struct cmd_entry cmd_print_entry = {
	.name = "print",
	.alias = "p",
	.usage = "[/x|/d|/u|/o|/t|/a|/c|/z|/s] EXPR",
	.summary = "(console) a C expression in the selected frame: locals, "
		   "args, globals, $pc, $REG",
	.exec = values_exec,
};

const struct cmd_entry cmd_ptype_entry = {
	.name = "ptype",
	.usage = "EXPR|TYPE",
	.summary = "(console) the type of EXPR or TYPE, members expanded",
	.exec = values_exec,
};

const struct cmd_entry cmd_whatis_entry = {
	.name = "whatis",
	.usage = "EXPR|TYPE",
	.summary = "(console) the type of EXPR or TYPE",
	.exec = values_exec,
};

const struct cmd_entry cmd_x_entry = {
	.name = "x",
	.usage = "/NFU ADDR",
	.summary = "(console) examine memory of the selected dump",
	.exec = values_exec,
};
