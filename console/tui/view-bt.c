/* console/tui/view-bt.c - the selected thread's backtrace; the cursor is
 * the selected frame, so moving it runs "frame N". */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "console/tui/tui.h"

static size_t
bt_count(struct view *v)
{
	return con_session_frame_count(v->s);
}

static void
bt_update(struct view *v)
{
	v->cur = (int)v->s->frame;
	tui_scroll(&v->top, v->cur, v->rows, (int)bt_count(v));
}

static void
bt_draw(struct view *v, WINDOW *w)
{
	size_t n = bt_count(v);
	int r;

	for (r = 0; r < v->rows; r++) {
		size_t i = (size_t)(v->top + r);
		const struct dbg_frame *f;
		char where[256] = "", off[32] = "";
		enum tui_attr a = TUI_NORMAL;

		if (n == 0 && r == 0) {
			tui_row(v, w, r, TUI_DIM, "%s",
				"no dump selected: Enter on a dump in the "
				"tree");
			continue;
		}
		if (i >= n) {
			tui_row(v, w, r, TUI_NORMAL, "%s", "");
			continue;
		}
		f = con_session_frame_at(v->s, i);
		if (f->file != NULL && f->line != 0)
			snprintf(where, sizeof(where), " at %s:%u",
				 con_basename(f->file), f->line);
		else if (f->module != NULL)
			snprintf(where, sizeof(where), " from %s",
				 con_basename(f->module));
		if (f->has_offset && f->offset != 0 && !f->is_inline)
			snprintf(off, sizeof(off), "+0x%" PRIx64, f->offset);
		if (i == v->s->frame)
			a = v->tui->focus == PANE_BT ? TUI_SELECTED
						     : TUI_CURRENT;
		tui_row(v, w, r, a, "%s#%-2zu 0x%012" PRIx64 " %s%s%s%s%s",
			i == v->s->frame ? v->tui->g->cur : " ", i, f->pc,
			f->function != NULL ? f->function : "??", off,
			f->is_inline ? " [inlined]" : "",
			f->is_signal ? " <signal handler called>" : "",
			where);
	}
}

static bool
bt_cursor(struct view *v, int delta, char *buf, size_t len)
{
	long at = (long)v->cur + delta;

	if (at < 0 || at >= (long)bt_count(v))
		return false;
	snprintf(buf, len, "%ld", at);
	return true;
}

static void
bt_click(struct view *v, int row)
{
	if (v->top + row < (int)bt_count(v))
		v->cur = v->top + row;
}

static void
bt_resize(struct view *v)
{
	tui_scroll(&v->top, v->cur, v->rows, (int)bt_count(v));
}

static bool
bt_key(struct view *v, int key)
{
	int n = (int)bt_count(v);

	/* Up and Down reach here only from the wheel (or past either end
	 * of the stack): the bindings move the frame, the wheel scrolls. */
	switch (key) {
	case KEY_DOWN:
		v->top++;
		break;
	case KEY_UP:
		v->top--;
		break;
	case KEY_NPAGE:
		v->top += v->rows;
		break;
	case KEY_PPAGE:
		v->top -= v->rows;
		break;
	default:
		return false;
	}
	if (v->top > n - v->rows)
		v->top = n - v->rows;
	if (v->top < 0)
		v->top = 0;
	return true;
}

const struct view_ops view_bt_ops = {
	.name = "bt",
	.watch = CON_DIRTY_TARGET,
	.resize = bt_resize,
	.update = bt_update,
	.draw = bt_draw,
	.key = bt_key,
	.cursor = bt_cursor,
	.click = bt_click,
};
