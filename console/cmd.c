/* console/cmd.c - the command table and the helpers every command uses to
 * report usage errors, failures and warnings. */
#include <stdarg.h>
#include <string.h>

#include "console/console-int.h"

const struct cmd_entry *const cmd_table[] = {
	&cmd_bt_entry,
	&cmd_eval_entry,
	&cmd_info_entry,
	&cmd_dump_entry,
	&cmd_repo_entry,
	&cmd_cluster_entry,
	&cmd_help_entry,
	&cmd_diff_entry,
	&cmd_triage_entry,
	&cmd_agent_entry,
	&cmd_analyze_entry,
	&cmd_plugins_entry,
	&cmd_console_entry,
	&cmd_frame_entry, &cmd_up_entry, &cmd_down_entry, &cmd_thread_entry,
	&cmd_target_entry, &cmd_mark_entry, &cmd_compare_entry,
	&cmd_print_entry, &cmd_ptype_entry, &cmd_whatis_entry, &cmd_x_entry,
	&cmd_list_entry, &cmd_search_entry,
	&cmd_focus_entry, &cmd_quit_entry,
	NULL,
};

const struct cmd_entry *
cmd_find(const char *name)
{
	size_t i;

	for (i = 0; cmd_table[i] != NULL; i++) {
		const struct cmd_entry *e = cmd_table[i];

		if (strcmp(e->name, name) == 0 ||
		    (e->alias != NULL && strcmp(e->alias, name) == 0))
			return e;
	}
	return NULL;
}

enum cmd_retval
cmd_usage(struct cmd_ctx *ctx, const struct cmd_entry *e, const char *fmt,
	  ...)
{
	va_list ap;

	if (fmt != NULL) {
		fputs("lpardbg: ", ctx->err);
		va_start(ap, fmt);
		vfprintf(ctx->err, fmt, ap);
		va_end(ap);
		fputc('\n', ctx->err);
	}
	if (e != NULL)
		fprintf(ctx->err, "usage: lpardbg %s %s\n", e->name, e->usage);
	return CMD_RETURN_USAGE;
}

enum cmd_retval
cmd_fail(struct cmd_ctx *ctx, struct lpd_error *err)
{
	int status = lpd_error_exit_status(err);

	fprintf(ctx->err, "lpardbg: %s\n", err->message);
	lpd_error_destroy(err);
	return (enum cmd_retval)status;
}

enum cmd_retval
cmd_need_session(struct cmd_ctx *ctx, const struct cmd_entry *e)
{
	if (ctx->session != NULL)
		return CMD_RETURN_OK;
	return cmd_usage(ctx, NULL, "'%s' works inside the console (lpardbg "
			 "console)", e->name);
}

void
cmd_warn(struct cmd_ctx *ctx, const char *msg)
{
	fprintf(ctx->err, "warning: %s\n", msg);
}

enum cmd_retval
cmd_emit_json(struct cmd_ctx *ctx, struct lpd_json *j, struct lpd_buf *buf)
{
	struct lpd_error *err = lpd_json_finish(j);

	if (err != NULL)
		return cmd_fail(ctx, err);
	fputs(buf->data != NULL ? buf->data : "", ctx->out);
	fputc('\n', ctx->out);
	return CMD_RETURN_OK;
}
