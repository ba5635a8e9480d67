/* console/tui/view-relation.c - the comparison of two dumps: who they
 * are, the relations reasoning/ derives (rule and where it is written),
 * its similarity with each dimension's score and why, the evidence of
 * the alignment (score, signal, crashing function, executable), then
 * the two crashed threads' backtraces side by side, aligned, each row
 * marked '=' (the same frame) or '≠' (differs; '!' in ASCII). */
#include <stdio.h>
#include <string.h>

#include "console/tui/tui.h"

static void
relation_side(const struct con_dump *d, long i, char *buf, size_t len)
{
	const struct dbg_frame *f;

	if (i < 0 || d->crash_stack == NULL ||
	    (size_t)i >= dbg_stack_frame_count(d->crash_stack)) {
		snprintf(buf, len, "%s", "");
		return;
	}
	f = dbg_stack_frame(d->crash_stack, (size_t)i);
	if (f->file != NULL && f->line != 0)
		snprintf(buf, len, "#%-2ld %s %s:%u", i,
			 f->function != NULL ? f->function : "??",
			 con_basename(f->file), f->line);
	else
		snprintf(buf, len, "#%-2ld %s (%s)", i,
			 f->function != NULL ? f->function : "??",
			 f->module != NULL ? con_basename(f->module) : "??");
}

/* Rows: A, B, "relations:", the reasons, "evidence:", the evidence,
 * the column header; then one per aligned pair. */
static int
relation_header(const struct con_compare *c)
{
	return 4 + (int)c->n_reasons_head + (int)c->n_evidence + 1;
}

static int
relation_count(const struct con_compare *c)
{
	size_t why = c != NULL ? c->n_reasons - c->n_reasons_head : 0;

	return c == NULL ? 0 : relation_header(c) + (int)c->align->n_rows +
			       (why > 0 ? 1 + (int)why : 0);
}

/* SRC cut or padded to exactly WIDTH columns (ASCII names; a wide
 * character counts as one byte here, which only shortens the pad). */
static void
relation_fit(struct tui *t, const char *src, int width, char *buf,
	     size_t len)
{
	int wd = tui_width(src);

	if (width < 2)
		width = 2;
	if (wd >= width)
		snprintf(buf, len, "%.*s%s ", width - 2, src, t->g->ellipsis);
	else
		snprintf(buf, len, "%s%*s", src, width - wd, "");
}

static void
relation_line(struct view *v, WINDOW *w, int r, int i)
{
	const struct con_compare *c = v->s->compare;
	struct con_item *ia = con_item_find(v->s, c->a);
	struct con_item *ib = con_item_find(v->s, c->b);
	int hdr = relation_header(c), half = (v->cols - 2) / 2;
	char sa[256], sb[256], left[512], sig[32];
	const struct align_row *row;

	if (ia == NULL || ib == NULL)
		return;
	if (i == 0 || i == 1) {
		struct con_item *it = i == 0 ? ia : ib;
		struct con_item *lpar = con_item_find(v->s, it->parent);
		struct con_item *node = lpar != NULL
			? con_item_find(v->s, lpar->parent) : NULL;

		tui_row(v, w, r, TUI_TITLE, "%c: %u %s  %s/%s  %s  %s",
			i == 0 ? 'A' : 'B', it->number, it->dump->id,
			node != NULL ? node->name : "?",
			lpar != NULL ? lpar->name : "?",
			con_signal_name(it->dump->signo, sig, sizeof(sig)),
			it->dump->process);
		return;
	}
	if (i == 2) {
		tui_row(v, w, r, TUI_NORMAL, "%s", "relations (lpardbg diff's "
			"rules):");
		return;
	}
	if (i < 3 + (int)c->n_reasons_head) {
		tui_row(v, w, r, TUI_NORMAL, "  %s", c->reasons[i - 3]);
		return;
	}
	if (i == 3 + (int)c->n_reasons_head) {
		tui_row(v, w, r, TUI_NORMAL, "%s", "evidence (aligned stacks):");
		return;
	}
	if (i < hdr - 1) {
		tui_row(v, w, r, TUI_NORMAL, "  %s",
			c->evidence[i - 4 - (int)c->n_reasons_head]);
		return;
	}
	if (i == hdr - 1) {
		relation_fit(v->tui, "A: crashed thread", half, left,
			     sizeof(left));
		tui_row(v, w, r, TUI_DIM, "  %sB: crashed thread", left);
		return;
	}
	if (i - hdr == (int)c->align->n_rows) {
		tui_row(v, w, r, TUI_NORMAL, "%s", "similarity by dimension:");
		return;
	}
	if (i - hdr > (int)c->align->n_rows) {
		tui_row(v, w, r, TUI_NORMAL, "%s", c->reasons[c->n_reasons_head
			+ (size_t)(i - hdr - (int)c->align->n_rows - 1)]);
		return;
	}
	row = &c->align->rows[i - hdr];
	relation_side(ia->dump, row->a, sa, sizeof(sa));
	relation_side(ib->dump, row->b, sb, sizeof(sb));
	relation_fit(v->tui, sa, half, left, sizeof(left));
	tui_row(v, w, r, row->mark == ALIGN_SAME ? TUI_SAME : TUI_DIFF,
		"%s %s%s", row->mark == ALIGN_SAME ? v->tui->g->same
		: v->tui->g->diff, left, sb);
}

static void
relation_draw(struct view *v, WINDOW *w)
{
	const struct con_compare *c = v->s->compare;
	int n = relation_count(c), r;

	if (c == NULL) {
		for (r = 0; r < v->rows; r++)
			tui_row(v, w, r, r == 0 ? TUI_DIM : TUI_NORMAL, "%s",
				r == 0 ? "Space marks two dumps in the tree; "
					 "d compares them" : "");
		return;
	}
	if (v->top > n - v->rows)
		v->top = n - v->rows;
	if (v->top < 0)
		v->top = 0;
	for (r = 0; r < v->rows; r++) {
		if (v->top + r < n)
			relation_line(v, w, r, v->top + r);
		else
			tui_row(v, w, r, TUI_NORMAL, "%s", "");
	}
}

static bool
relation_key(struct view *v, int key)
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

static void
relation_update(struct view *v)
{
	v->top = 0;
}

const struct view_ops view_relation_ops = {
	.name = "relation",
	.watch = CON_DIRTY_COMPARE,
	.update = relation_update,
	.draw = relation_draw,
	.key = relation_key,
};
