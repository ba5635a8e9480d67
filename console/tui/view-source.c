/* console/tui/view-source.c - the source around the selected frame's
 * line, read from the file its line table names (bounded by
 * con_source_get()); the current line is highlighted. */
#include <stdio.h>
#include <string.h>

#include "console/tui/tui.h"

static const struct con_source *
source_file(struct view *v)
{
	const struct dbg_frame *f = con_session_frame(v->s);

	if (f == NULL || f->file == NULL)
		return NULL;
	return con_source_get(v->s, f->file);
}

static int
source_line(struct view *v)
{
	const struct dbg_frame *f = con_session_frame(v->s);

	return f != NULL ? (int)f->line : 0;
}

static void
source_centre(struct view *v)
{
	int line = source_line(v);

	v->top = line > 0 ? line - 1 - v->rows / 2 : 0;
	if (v->top < 0)
		v->top = 0;
}

static void
source_update(struct view *v)
{
	source_centre(v);
}

static void
source_draw(struct view *v, WINDOW *w)
{
	const struct dbg_frame *f = con_session_frame(v->s);
	const struct con_source *src = source_file(v);
	int r, line = source_line(v);

	for (r = 0; r < v->rows; r++) {
		size_t i = (size_t)(v->top + r);
		bool cur = (int)i + 1 == line;

		if (src == NULL || src->n_lines == 0) {
			const char *why = f == NULL ? "no frame selected"
				: f->file == NULL ? "no line table entry for "
						    "this frame"
				: src != NULL && src->error != NULL
				? src->error : "empty file";
			struct con_dump *d = con_session_dump(v->s);
			char remote[320];

			/* A remote dump's sources are on its node. */
			if (d != NULL && d->remote != NULL && f != NULL &&
			    f->file != NULL && src != NULL &&
			    src->error != NULL) {
				snprintf(remote, sizeof(remote), "%s:%u is on "
					 "node %s (not here)",
					 con_basename(f->file), f->line,
					 d->remote_node);
				why = remote;
			}

			tui_row(v, w, r, r == 0 ? TUI_DIM : TUI_NORMAL,
				"%s", r == 0 ? why : "");
			continue;
		}
		if (i >= src->n_lines) {
			tui_row(v, w, r, TUI_NORMAL, "%s", "");
			continue;
		}
		tui_row(v, w, r, cur ? TUI_CURRENT : TUI_NORMAL,
			"%s%5zu  %s", cur ? v->tui->g->cur : " ", i + 1,
			src->data + src->lines[i]);
	}
}

static bool
source_key(struct view *v, int key)
{
	const struct con_source *src = source_file(v);
	int n = src != NULL ? (int)src->n_lines : 0;

	switch (key) {
	case 'j': case KEY_DOWN: v->top++; break;
	case 'k': case KEY_UP: v->top--; break;
	case KEY_NPAGE: v->top += v->rows; break;
	case KEY_PPAGE: v->top -= v->rows; break;
	case 'g': case KEY_HOME: v->top = 0; break;
	case 'G': case KEY_END: v->top = n - v->rows; break;
	case '\n': case '\r': case KEY_ENTER: source_centre(v); return true;
	default: return false;
	}
	if (v->top > n - v->rows)
		v->top = n - v->rows;
	if (v->top < 0)
		v->top = 0;
	return true;
}

static void
source_resize(struct view *v)
{
	source_centre(v);
}

const struct view_ops view_source_ops = {
	.name = "source",
	.watch = CON_DIRTY_TARGET,
	.resize = source_resize,
	.update = source_update,
	.draw = source_draw,
	.key = source_key,
};
