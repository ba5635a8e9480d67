/* console/cmd-compare.c - "compare [A B]": the two crashed threads'
 * backtraces aligned side by side with the evidence (console/align.c
 * until reasoning/ lands); without arguments, the two marked dumps. */
#include <string.h>

#include "console/session.h"

static void
compare_print(struct cmd_ctx *ctx, struct con_session *s)
{
	const struct con_compare *c = s->compare;
	struct con_item *a = con_item_find(s, c->a), *b = con_item_find(s, c->b);
	size_t i;

	fprintf(ctx->out, "compare %s %s\n", a->dump->id, b->dump->id);
	for (i = 0; i < c->n_evidence; i++)
		fprintf(ctx->out, "  %s\n", c->evidence[i]);
}

static enum cmd_retval
cmd_compare_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct con_session *s = ctx->session;
	struct con_item *a, *b;
	struct lpd_error *err;

	if (cmd_need_session(ctx, &cmd_compare_entry) != CMD_RETURN_OK)
		return CMD_RETURN_USAGE;
	if (argc == 2 && (strcmp(argv[1], "--close") == 0 ||
			  strcmp(argv[1], "off") == 0)) {
		s->show_compare = false;
		s->dirty |= CON_DIRTY_COMPARE;
		return CMD_RETURN_OK;
	}
	if (argc == 1) {
		if (s->n_marks != 2)
			return cmd_fail(ctx, lpd_error_format(
				LPD_ERR_INVALID_ARG, "compare: mark two dumps "
				"first (Space in the tree; %zu marked)",
				s->n_marks));
		a = con_item_find(s, s->marks[0]);
		b = con_item_find(s, s->marks[1]);
	} else if (argc == 3) {
		err = con_dump_lookup(s, argv[1], &a);
		if (err == NULL)
			err = con_dump_lookup(s, argv[2], &b);
		if (err != NULL)
			return cmd_fail(ctx, err);
	} else {
		return cmd_usage(ctx, NULL, "compare: want two dumps, or none "
				 "to compare the marked ones");
	}
	err = con_session_compare(s, a->tag, b->tag);
	if (err != NULL)
		return cmd_fail(ctx, err);
	con_status(s, false, "compare %s %s: score %.2f", a->dump->id,
		   b->dump->id, s->compare->align->score);
	compare_print(ctx, s);
	return CMD_RETURN_OK;
}

const struct cmd_entry cmd_compare_entry = {
	.name = "compare",
	.usage = "[A B | --close]",
	.summary = "(console) align two dumps' crashed threads, with a score",
	.exec = cmd_compare_exec,
};
