/* console/cmd-target.c - "target list|select N|next|prev": the dumps of
 * the catalog, each one debugger instance; select switches the panes to
 * it (gdb's inferiors, numbered as the tree numbers them). */
#include <string.h>

#include "console/session.h"

static const char *
target_state(const struct con_dump *d)
{
	switch (d->load) {
	case CON_LOAD_PENDING: return "loading";
	case CON_LOAD_DONE: return "loaded";
	case CON_LOAD_FAILED: return "failed";
	case CON_LOAD_CANCELLED: return "not loaded";
	}
	return "?";
}

static enum cmd_retval
target_list(struct cmd_ctx *ctx, struct con_session *s)
{
	size_t i, n = con_dump_count(s);

	fprintf(ctx->out, "  Num  %-20s %-24s %-10s %-10s %s\n", "Id",
		"Node/LPAR", "Signal", "State", "Core");
	for (i = 0; i < n; i++) {
		struct con_item *it = con_dump_at(s, i);
		struct con_item *lpar = con_item_find(s, it->parent);
		struct con_item *node = lpar != NULL
			? con_item_find(s, lpar->parent) : NULL;
		char where[128], sig[32];

		snprintf(where, sizeof(where), "%s/%s",
			 node != NULL ? node->name : "?",
			 lpar != NULL ? lpar->name : "?");
		fprintf(ctx->out, "%c %-4u %-20s %-24s %-10s %-10s %s\n",
			it->tag == s->current ? '*' : ' ', it->number,
			it->dump->id, where,
			it->dump->load == CON_LOAD_DONE
			? con_signal_name(it->dump->signo, sig, sizeof(sig))
			: "-", target_state(it->dump), it->dump->core);
	}
	return CMD_RETURN_OK;
}

/* The dump DIR steps from the selected one, in tree order. */
static enum cmd_retval
target_step(struct cmd_ctx *ctx, struct con_session *s, int dir)
{
	size_t i, n = con_dump_count(s), at = 0;
	struct lpd_error *err;
	struct con_item *it;

	if (n == 0)
		return cmd_fail(ctx, lpd_error_format(LPD_ERR_NOT_FOUND,
						      "no dumps"));
	for (i = 0; i < n; i++)
		if (con_dump_at(s, i)->tag == s->current)
			at = i;
	if (s->current == 0)
		at = dir > 0 ? n - 1 : 0;
	it = con_dump_at(s, (at + n + (size_t)(dir > 0 ? 1 : n - 1)) % n);
	err = con_session_select(s, it->tag);
	if (err != NULL)
		return cmd_fail(ctx, err);
	con_status(s, false, "target %u: %s", it->number, it->dump->id);
	return CMD_RETURN_OK;
}

static enum cmd_retval
cmd_target_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct con_session *s = ctx->session;
	struct lpd_error *err;
	struct con_item *it;

	if (cmd_need_session(ctx, &cmd_target_entry) != CMD_RETURN_OK)
		return CMD_RETURN_USAGE;
	if (argc < 2 || strcmp(argv[1], "list") == 0)
		return target_list(ctx, s);
	if (strcmp(argv[1], "next") == 0)
		return target_step(ctx, s, 1);
	if (strcmp(argv[1], "prev") == 0)
		return target_step(ctx, s, -1);
	if (strcmp(argv[1], "select") != 0 || argc != 3)
		return cmd_usage(ctx, NULL, "target: want list, select N|ID, "
				 "next or prev");
	err = con_dump_lookup(s, argv[2], &it);
	if (err == NULL)
		err = con_session_select(s, it->tag);
	if (err != NULL)
		return cmd_fail(ctx, err);
	con_status(s, false, "target %u: %s", it->number, it->dump->id);
	cmd_frame_print(ctx);
	return CMD_RETURN_OK;
}

const struct cmd_entry cmd_target_entry = {
	.name = "target",
	.usage = "list | select N|ID | next | prev",
	.summary = "(console) list the dumps or switch to one",
	.exec = cmd_target_exec,
};
