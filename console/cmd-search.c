/* console/cmd-search.c - "search TEXT" ('/' key): the next frame of the
 * selected thread whose function or file contains TEXT, else the next
 * dump whose id, LPAR, node or process contains it. */
#include <string.h>
#include <strings.h>

#include "console/session.h"

static bool
search_has(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; hay != NULL && *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

static bool
search_dump(struct con_session *s, struct con_item *it, const char *text)
{
	struct con_item *lpar = con_item_find(s, it->parent);
	struct con_item *node = lpar != NULL ? con_item_find(s, lpar->parent)
					     : NULL;

	return search_has(it->dump->id, text) ||
	       search_has(it->dump->process, text) ||
	       (lpar != NULL && search_has(lpar->name, text)) ||
	       (node != NULL && search_has(node->name, text));
}

static enum cmd_retval
cmd_search_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct con_session *s = ctx->session;
	struct lpd_error *err;
	const char *text;
	size_t i, n, at = 0;

	if (cmd_need_session(ctx, &cmd_search_entry) != CMD_RETURN_OK)
		return CMD_RETURN_USAGE;
	if (argc != 2)
		return cmd_usage(ctx, NULL, "search: want one word");
	text = argv[1];
	n = s->stack != NULL && con_session_dump(s) != NULL
	  ? dbg_stack_frame_count(s->stack) : 0;
	for (i = 1; i <= n; i++) {
		size_t k = (s->frame + i) % n;
		const struct dbg_frame *f = dbg_stack_frame(s->stack, k);

		if (search_has(f->function, text) ||
		    search_has(con_basename(f->file), text)) {
			err = con_session_set_frame(s, k);
			if (err != NULL)
				return cmd_fail(ctx, err);
			con_status(s, false, "search: '%s' at frame %zu", text,
				   k);
			return CMD_RETURN_OK;
		}
	}
	n = con_dump_count(s);
	for (i = 0; i < n; i++)
		if (con_dump_at(s, i)->tag == s->current)
			at = i;
	for (i = 1; i <= n; i++) {
		struct con_item *it = con_dump_at(s, (at + i) % n);

		if (search_dump(s, it, text)) {
			err = con_session_select(s, it->tag);
			if (err != NULL)
				return cmd_fail(ctx, err);
			con_status(s, false, "search: '%s' in dump %s", text,
				   it->dump->id);
			return CMD_RETURN_OK;
		}
	}
	return cmd_fail(ctx, lpd_error_format(LPD_ERR_NOT_FOUND,
		"search: '%s' not found in the frames or the dumps", text));
}

const struct cmd_entry cmd_search_entry = {
	.name = "search",
	.usage = "TEXT",
	.summary = "(console) next frame, else dump, matching TEXT",
	.exec = cmd_search_exec,
};
