/* console/tui/layout.c - terminal size to pane rectangles. Three classes:
 * SMALL (80x24 up) where the tree and threads share the left slot and
 * source, registers and values share the lower middle slot (the focused
 * one shows); MEDIUM and LARGE show every pane. Comparing, the relation
 * pane takes the place of the target panes. Pure. */
#include <stdio.h>
#include <string.h>

#include "console/tui/layout.h"

static const char *const layout_names[PANE_COUNT] = {
	[PANE_TREE] = "tree", [PANE_THREADS] = "threads", [PANE_BT] = "bt",
	[PANE_SOURCE] = "source", [PANE_REGS] = "registers",
	[PANE_VALUES] = "values", [PANE_RELATION] = "relation",
	[PANE_OUTPUT] = "output", [PANE_STATUS] = "status",
	[PANE_CMDLINE] = "cmdline",
};

static const char *const layout_titles[PANE_COUNT] = {
	[PANE_TREE] = "Cluster", [PANE_THREADS] = "Threads",
	[PANE_BT] = "Backtrace", [PANE_SOURCE] = "Source",
	[PANE_REGS] = "Registers", [PANE_VALUES] = "Values",
	[PANE_RELATION] = "Relation", [PANE_OUTPUT] = "Output",
	[PANE_STATUS] = "", [PANE_CMDLINE] = "",
};

const char *
layout_pane_name(enum pane p)
{
	return p < PANE_COUNT ? layout_names[p] : "?";
}

const char *
layout_pane_title(enum pane p)
{
	return p < PANE_COUNT ? layout_titles[p] : "?";
}

enum pane
layout_pane_lookup(const char *name)
{
	int p;

	for (p = 0; p < PANE_COUNT; p++)
		if (strcmp(layout_names[p], name) == 0)
			return (enum pane)p;
	return PANE_COUNT;
}

static void
layout_set(struct layout *l, enum pane p, int y, int x, int h, int w)
{
	l->pane[p].y = y;
	l->pane[p].x = x;
	l->pane[p].h = h;
	l->pane[p].w = w;
	l->pane[p].visible = h > 0 && w > 0;
}

static int
layout_pct(int n, int pct)
{
	return n * pct / 100;
}

/* Left column (tree over threads), bt over source in the middle,
 * registers over values on the right; rows [0, top). */
static void
layout_full(struct layout *l, const struct layout_in *in, int top)
{
	int cols = in->cols;
	int lw = layout_pct(cols, l->cls == LAYOUT_LARGE ? 24 : 28);
	int rw = layout_pct(cols, l->cls == LAYOUT_LARGE ? 22 : 24);
	int mw, th, bh, rh;

	if (lw < 30)
		lw = 30;
	if (rw < 28)
		rw = 28;
	mw = cols - lw - rw;
	th = layout_pct(top, 60);
	layout_set(l, PANE_TREE, 0, 0, th, lw);
	layout_set(l, PANE_THREADS, th, 0, top - th, lw);
	if (in->compare) {
		layout_set(l, PANE_RELATION, 0, lw, top, cols - lw);
		return;
	}
	bh = layout_pct(top, 45);
	layout_set(l, PANE_BT, 0, lw, bh, mw);
	layout_set(l, PANE_SOURCE, bh, lw, top - bh, mw);
	rh = layout_pct(top, 55);
	layout_set(l, PANE_REGS, 0, lw + mw, rh, rw);
	layout_set(l, PANE_VALUES, rh, lw + mw, top - rh, rw);
}

/* 80x24 up to 120x36: one left slot, bt over one shared slot. */
static void
layout_small(struct layout *l, const struct layout_in *in, int top)
{
	int cols = in->cols;
	int lw = layout_pct(cols, 36) < 28 ? 28 : layout_pct(cols, 36);
	enum pane left = in->focus == PANE_THREADS ? PANE_THREADS : PANE_TREE;
	enum pane slot = PANE_SOURCE;
	int bh;

	if (in->focus == PANE_REGS || in->focus == PANE_VALUES)
		slot = in->focus;
	if (in->compare) {
		if (in->focus == PANE_TREE || in->focus == PANE_THREADS) {
			layout_set(l, left, 0, 0, top, lw);
			layout_set(l, PANE_RELATION, 0, lw, top, cols - lw);
		} else {
			layout_set(l, PANE_RELATION, 0, 0, top, cols);
		}
		return;
	}
	layout_set(l, left, 0, 0, top, lw);
	bh = top / 2;
	layout_set(l, PANE_BT, 0, lw, bh, cols - lw);
	layout_set(l, slot, bh, lw, top - bh, cols - lw);
}

void
layout_compute(const struct layout_in *in, struct layout *ret)
{
	int out_h, top;

	memset(ret, 0, sizeof(*ret));
	if (in->cols < LAYOUT_MIN_COLS || in->rows < LAYOUT_MIN_ROWS) {
		ret->cls = LAYOUT_TOO_SMALL;
		snprintf(ret->message, sizeof(ret->message),
			 "terminal too small: %dx%d (need %dx%d)",
			 in->cols < 0 ? 0 : in->cols,
			 in->rows < 0 ? 0 : in->rows,
			 LAYOUT_MIN_COLS, LAYOUT_MIN_ROWS);
		return;
	}
	if (in->cols >= 180 && in->rows >= 50)
		ret->cls = LAYOUT_LARGE;
	else if (in->cols >= 120 && in->rows >= 36)
		ret->cls = LAYOUT_MEDIUM;
	else
		ret->cls = LAYOUT_SMALL;
	/* Bottom up: command line, status line, output. */
	layout_set(ret, PANE_CMDLINE, in->rows - 1, 0, 1, in->cols);
	layout_set(ret, PANE_STATUS, in->rows - 2, 0, 1, in->cols);
	out_h = ret->cls == LAYOUT_SMALL ? 6 : (in->rows - 2) / 5;
	top = in->rows - 2 - out_h;
	layout_set(ret, PANE_OUTPUT, top, 0, out_h, in->cols);
	if (ret->cls == LAYOUT_SMALL)
		layout_small(ret, in, top);
	else
		layout_full(ret, in, top);
}

enum pane
layout_pane_at(const struct layout *l, int y, int x)
{
	int p;

	for (p = 0; p < PANE_COUNT; p++) {
		const struct layout_rect *r = &l->pane[p];

		if (r->visible && y >= r->y && y < r->y + r->h &&
		    x >= r->x && x < r->x + r->w)
			return (enum pane)p;
	}
	return PANE_COUNT;
}
