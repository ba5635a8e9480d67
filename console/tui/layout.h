/* console/tui/layout.h - the screen's geometry: from the terminal size,
 * the focused pane and the compare flag, one rectangle per pane. Pure (no
 * ncurses), so cmocka tests every size. */
#ifndef LPD_CONSOLE_LAYOUT_H
#define LPD_CONSOLE_LAYOUT_H

#include <stdbool.h>

enum pane {
	PANE_TREE,
	PANE_THREADS,
	PANE_BT,
	PANE_SOURCE,
	PANE_REGS,
	PANE_VALUES,
	PANE_RELATION,
	PANE_OUTPUT,
	PANE_STATUS,
	PANE_CMDLINE,
	PANE_COUNT,
};

/* The smallest screen laid out; below it a message says so. */
enum { LAYOUT_MIN_COLS = 80, LAYOUT_MIN_ROWS = 24 };

enum layout_class {
	LAYOUT_TOO_SMALL,
	LAYOUT_SMALL,		/* < 120x36: panes share slots */
	LAYOUT_MEDIUM,		/* every pane at once */
	LAYOUT_LARGE,		/* >= 180x50: wider columns, taller output */
};

struct layout_rect {
	int y, x, h, w;
	bool visible;
};

struct layout_in {
	int cols, rows;
	enum pane focus;	/* in SMALL, decides who gets a shared slot */
	bool compare;		/* relation pane replaces the target panes */
};

struct layout {
	enum layout_class cls;
	struct layout_rect pane[PANE_COUNT];
	char message[96];	/* LAYOUT_TOO_SMALL: what to show */
};

/** Lay out IN into *RET. Visible rectangles never overlap, lie inside
 * the screen and are at least 3 rows by 12 columns (bordered panes) or
 * one row (status, command line). */
void layout_compute(const struct layout_in *in, struct layout *ret);
/** The visible pane at screen cell (Y, X), or PANE_COUNT. */
enum pane layout_pane_at(const struct layout *l, int y, int x);
/** Pane names as commands take them ("tree", "bt", ...) and titles. */
const char *layout_pane_name(enum pane p);
const char *layout_pane_title(enum pane p);
/** The pane named NAME, or PANE_COUNT. */
enum pane layout_pane_lookup(const char *name);

#endif
