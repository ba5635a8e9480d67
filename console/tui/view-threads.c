/* console/tui/view-threads.c - the selected dump's threads: number, tid,
 * innermost function and signal; the cursor is the selected thread. */
#include <stdio.h>
#include <string.h>

#include "console/tui/tui.h"

struct threads_data {
	char **rows;
	size_t n;
};

static struct lpd_error *
threads_init(struct view *v)
{
	v->data = lpd_calloc(1, sizeof(struct threads_data));
	return v->data != NULL ? NULL : &lpd_enomem;
}

static void
threads_clear(struct threads_data *td)
{
	size_t i;

	for (i = 0; i < td->n; i++)
		lpd_free(td->rows[i]);
	lpd_free(td->rows);
	td->rows = NULL;
	td->n = 0;
}

static void
threads_free(struct view *v)
{
	if (v->data != NULL)
		threads_clear(v->data);
	lpd_free(v->data);
}

/* One frame per thread is enough for the innermost function. */
static void
threads_update(struct view *v)
{
	struct threads_data *td = v->data;
	struct con_dump *d = con_session_dump(v->s);
	struct dump *core;
	size_t i, n;

	threads_clear(td);
	v->cur = 0;
	if (d == NULL || d->target == NULL)
		return;
	core = dbg_target_dump(d->target);
	n = dump_thread_count(core);
	td->rows = lpd_calloc(n + 1, sizeof(char *));
	if (td->rows == NULL)
		return;
	for (i = 0; i < n; i++) {
		struct dbg_stack *st = NULL;
		const struct dbg_frame *f = NULL;
		char sig[32] = "";
		int signo = dump_thread_signal(core, i);

		lpd_error_destroy(dbg_unwind_thread(d->target, i, 1, &st));
		if (st != NULL)
			f = dbg_stack_frame(st, 0);
		if (signo != 0)
			con_signal_name(signo, sig, sizeof(sig));
		td->rows[i] = lpd_asprintf("%zu %d %s%s%s", i + 1,
					   dump_thread_tid(core, i),
					   f != NULL && f->function != NULL
					   ? f->function : "??",
					   signo != 0 ? " " : "", sig);
		dbg_stack_destroy(st);
		td->n = i + 1;
	}
	v->cur = (int)v->s->thread;
	tui_scroll(&v->top, v->cur, v->rows, (int)td->n);
}

static void
threads_draw(struct view *v, WINDOW *w)
{
	struct threads_data *td = v->data;
	int r;

	for (r = 0; r < v->rows; r++) {
		size_t i = (size_t)(v->top + r);
		bool cur = i == v->s->thread;

		if (td->n == 0 && r == 0) {
			tui_row(v, w, r, TUI_DIM, "%s", "no dump selected");
			continue;
		}
		if (i >= td->n) {
			tui_row(v, w, r, TUI_NORMAL, "%s", "");
			continue;
		}
		tui_row(v, w, r,
			cur ? (v->tui->focus == PANE_THREADS ? TUI_SELECTED
							     : TUI_CURRENT)
			    : TUI_NORMAL,
			"%s%s", cur ? v->tui->g->cur : " ",
			td->rows[i] != NULL ? td->rows[i] : "");
	}
}

static bool
threads_cursor(struct view *v, int delta, char *buf, size_t len)
{
	struct threads_data *td = v->data;
	long at = (long)v->cur + delta;

	if (at < 0 || at >= (long)td->n)
		return false;
	snprintf(buf, len, "%ld", at + 1);
	return true;
}

static void
threads_click(struct view *v, int row)
{
	struct threads_data *td = v->data;

	if (v->top + row < (int)td->n)
		v->cur = v->top + row;
}

static void
threads_resize(struct view *v)
{
	struct threads_data *td = v->data;

	tui_scroll(&v->top, v->cur, v->rows, (int)td->n);
}

const struct view_ops view_threads_ops = {
	.name = "threads",
	.watch = CON_DIRTY_TARGET,
	.init = threads_init,
	.free = threads_free,
	.resize = threads_resize,
	.update = threads_update,
	.draw = threads_draw,
	.cursor = threads_cursor,
	.click = threads_click,
};
