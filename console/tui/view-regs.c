/* console/tui/view-regs.c - the selected frame's registers as the
 * unwinder recovered them (frame 0: the thread's own); registers the CFI
 * does not restore show as <not saved>, as gdb prints them. A remote
 * dump's come from the agent on its node (s->rframe). */
#include <inttypes.h>
#include <stdio.h>

#include "console/tui/tui.h"

/* The general registers: those numbered up to the pc. */
static unsigned
regs_count(struct view *v)
{
	struct con_dump *d = con_session_dump(v->s);
	const struct dump_arch *arch;

	if (d == NULL || d->target == NULL)
		return 0;
	arch = dump_get_arch(dbg_target_dump(d->target));
	return arch->pc_regno + 1 < arch->nregs ? arch->pc_regno + 1
						: arch->nregs;
}

/* A remote dump: what its agent said of the frame, or why not. */
static void
regs_draw_remote(struct view *v, WINDOW *w, const struct con_rframe *f)
{
	size_t n = f != NULL ? f->n_general : 0;
	int r;

	if (v->top > (int)n - v->rows)
		v->top = (int)n - v->rows;
	if (v->top < 0)
		v->top = 0;
	if (f == NULL || f->error != NULL) {
		/* Wrapped: the reason is the pane's only content, and it
		 * is read whole ("the agent on NODE is too old ..."). */
		const char *p = f == NULL ? "no frame selected" : f->error;

		for (r = 0; r < v->rows; r++) {
			size_t k = tui_wrap(p, v->cols);

			tui_row(v, w, r, TUI_DIM, "%.*s", (int)k, p);
			p += k;
			while (*p == ' ')
				p++;
		}
		return;
	}
	for (r = 0; r < v->rows; r++) {
		size_t i = (size_t)(v->top + r);

		if (i >= n)
			tui_row(v, w, r, TUI_NORMAL, "%s", "");
		else if (f->regs[i].known)
			tui_row(v, w, r, TUI_NORMAL, "%-6s 0x%016" PRIx64,
				f->regs[i].name, f->regs[i].value);
		else
			tui_row(v, w, r, TUI_DIM, "%-6s <not saved>",
				f->regs[i].name);
	}
}

static void
regs_draw(struct view *v, WINDOW *w)
{
	struct con_dump *d = con_session_dump(v->s);
	const struct dump_regs *regs = con_session_regs(v->s);
	unsigned n = regs_count(v);
	const struct dump_arch *arch = d != NULL && d->target != NULL
		? dump_get_arch(dbg_target_dump(d->target)) : NULL;
	int r;

	if (d != NULL && d->remote != NULL) {
		regs_draw_remote(v, w, v->s->rframe != NULL &&
				 v->s->rframe->frame == v->s->frame
				 ? v->s->rframe : NULL);
		return;
	}
	if (v->top > (int)n - v->rows)
		v->top = (int)n - v->rows;
	if (v->top < 0)
		v->top = 0;
	for (r = 0; r < v->rows; r++) {
		unsigned i = (unsigned)(v->top + r);
		const char *name;

		if (arch == NULL || regs == NULL) {
			tui_row(v, w, r, r == 0 ? TUI_DIM : TUI_NORMAL, "%s",
				r == 0 ? "no frame selected" : "");
			continue;
		}
		name = i < n ? arch->reg_name(i) : NULL;
		if (name == NULL)
			tui_row(v, w, r, TUI_NORMAL, "%s", "");
		else if (dump_regs_has(regs, i))
			tui_row(v, w, r, TUI_NORMAL, "%-6s 0x%016" PRIx64,
				name, regs->value[i]);
		else
			tui_row(v, w, r, TUI_DIM, "%-6s <not saved>", name);
	}
}

static bool
regs_key(struct view *v, int key)
{
	switch (key) {
	case 'j': case KEY_DOWN: v->top++; return true;
	case 'k': case KEY_UP: v->top--; return true;
	case KEY_NPAGE: v->top += v->rows; return true;
	case KEY_PPAGE: v->top -= v->rows; return true;
	case 'g': case KEY_HOME: v->top = 0; return true;
	}
	return false;
}

const struct view_ops view_regs_ops = {
	.name = "registers",
	.watch = CON_DIRTY_TARGET,
	.draw = regs_draw,
	.key = regs_key,
};
