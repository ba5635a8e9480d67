/* console/tui/view-values.c - what is known about the selected frame
 * until the values engine lands: frame kind, function, pc, CFA, source
 * line, module, build-id, file, thread, signal and dump. Locals and
 * arguments join this pane with debugger/values.c. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "console/tui/tui.h"

enum { VALUES_MAX_ROWS = 16, VALUES_ROW = 320 };

static int
values_rows(struct view *v, char rows[VALUES_MAX_ROWS][VALUES_ROW])
{
	struct con_session *s = v->s;
	const struct dbg_frame *f = con_session_frame(s);
	struct con_dump *d = con_session_dump(s);
	struct con_item *it = con_item_find(s, s->current);
	struct dump *core;
	struct dump_siginfo si;
	char sig[32];
	int n = 0;

	if (f == NULL || d == NULL || it == NULL)
		return 0;
	core = dbg_target_dump(d->target);
	snprintf(rows[n++], VALUES_ROW, "frame    #%zu%s%s", s->frame,
		 f->is_inline ? " (inlined)" : "",
		 f->is_signal ? " (signal trampoline)" : "");
	snprintf(rows[n++], VALUES_ROW, "function %s",
		 f->function != NULL ? f->function : "??");
	if (f->has_offset)
		snprintf(rows[n++], VALUES_ROW, "pc       0x%" PRIx64
			 " (+0x%" PRIx64 ")%s", f->pc, f->offset,
			 f->exact_pc ? "" : " return address");
	else
		snprintf(rows[n++], VALUES_ROW, "pc       0x%" PRIx64 "%s",
			 f->pc, f->exact_pc ? "" : " (return address)");
	if (f->cfa != 0)
		snprintf(rows[n++], VALUES_ROW, "cfa      0x%" PRIx64, f->cfa);
	else
		snprintf(rows[n++], VALUES_ROW, "cfa      unknown");
	if (f->file != NULL && f->line != 0)
		snprintf(rows[n++], VALUES_ROW, "line     %s:%u",
			 con_basename(f->file), f->line);
	snprintf(rows[n++], VALUES_ROW, "module   %s", f->module != NULL
		 ? con_basename(f->module) : "?? (no module maps the pc)");
	snprintf(rows[n++], VALUES_ROW, "build-id %s",
		 f->build_id != NULL ? f->build_id : "none");
	if (f->file != NULL)
		snprintf(rows[n++], VALUES_ROW, "file     %s", f->file);
	snprintf(rows[n++], VALUES_ROW, "thread   %zu (tid %d)%s",
		 s->thread + 1, dump_thread_tid(core, s->thread),
		 s->thread == d->crashed ? " crashed" : "");
	if (dump_get_siginfo(core, &si) && si.signo > 0) {
		con_signal_name(si.signo, sig, sizeof(sig));
		if (si.has_addr)
			snprintf(rows[n++], VALUES_ROW, "signal   %s at 0x%"
				 PRIx64, sig, si.addr);
		else
			snprintf(rows[n++], VALUES_ROW, "signal   %s", sig);
	}
	snprintf(rows[n++], VALUES_ROW, "dump     %u %s (%s)", it->number,
		 d->id, d->process[0] != '\0' ? d->process : "?");
	snprintf(rows[n++], VALUES_ROW, "core     %s", d->core);
	return n;
}

static void
values_draw(struct view *v, WINDOW *w)
{
	char rows[VALUES_MAX_ROWS][VALUES_ROW];
	int n = values_rows(v, rows), r;

	if (v->top > n - v->rows)
		v->top = n - v->rows;
	if (v->top < 0)
		v->top = 0;
	for (r = 0; r < v->rows; r++) {
		int i = v->top + r;

		if (n == 0 && r == 0)
			tui_row(v, w, r, TUI_DIM, "%s", "no frame selected");
		else
			tui_row(v, w, r, TUI_NORMAL, "%s",
				i < n ? rows[i] : "");
	}
}

static bool
values_key(struct view *v, int key)
{
	switch (key) {
	case 'j': case KEY_DOWN: v->top++; return true;
	case 'k': case KEY_UP: v->top--; return true;
	case 'g': case KEY_HOME: v->top = 0; return true;
	}
	return false;
}

const struct view_ops view_values_ops = {
	.name = "values",
	.watch = CON_DIRTY_TARGET,
	.draw = values_draw,
	.key = values_key,
};
