/* console/tui/tui.h - the TUI's rooms: the loop (tui.c), views
 * (view-*.c, one struct view_ops each, like tmux's window modes), key
 * bindings (keys.c), drawing helpers (draw.c) and the readline command
 * line (cmdline.c). Private to console/. */
#ifndef LPD_CONSOLE_TUI_H
#define LPD_CONSOLE_TUI_H

#include <curses.h>
#include <signal.h>

#include "console/console-int.h"
#include "console/session.h"
#include "console/tui/layout.h"

struct tui;
struct view;

/* A pane's behaviour. draw only reads the model; update rebuilds the
 * view's rows when the session's dirty bits it watches are set. */
struct view_ops {
	const char *name;		/* as keys.c and "focus" name it */
	unsigned watch;			/* enum con_dirty bits -> update */
	/** Allocate view->data. May be NULL. */
	struct lpd_error *(*init)(struct view *v);
	void (*free)(struct view *v);	/* may be NULL */
	/** The inner size changed (rows x cols inside the border). */
	void (*resize)(struct view *v);	/* may be NULL */
	void (*update)(struct view *v);	/* may be NULL */
	void (*draw)(struct view *v, WINDOW *w);
	/** View-local keys (cursor, scrolling); true when handled. */
	bool (*key)(struct view *v, int key);	/* may be NULL */
	/** The item under the cursor moved by DELTA rows, as a command
	 * argument ("3", a dump id) for %c, %n, %p in key bindings. May be
	 * NULL. */
	bool (*cursor)(struct view *v, int delta, char *buf, size_t len);
	/** Mouse click on inner row ROW: move the cursor there. */
	void (*click)(struct view *v, int row);	/* may be NULL */
};

struct view {
	const struct view_ops *ops;
	enum pane pane;
	struct tui *tui;
	struct con_session *s;
	void *data;
	int rows, cols;			/* inner size (inside the border) */
	int top;			/* first row shown */
	int cur;			/* cursor row (list views) */
};

/* Glyphs: UTF-8 when the locale has it, else ASCII. */
struct tui_glyphs {
	const char *h, *v, *tl, *tr, *bl, *br;	/* box */
	const char *same, *diff;		/* compare marks */
	const char *mark, *open, *closed, *cur;	/* tree marks, cursor */
	const char *spin[4];			/* progress */
	const char *ellipsis;
};

enum tui_attr {
	TUI_NORMAL,
	TUI_TITLE,		/* a pane's title */
	TUI_FOCUS_TITLE,	/* the focused pane's title */
	TUI_SELECTED,		/* the cursor row */
	TUI_CURRENT,		/* the model's selection (frame, line) */
	TUI_DIM,
	TUI_SAME,		/* '=' rows */
	TUI_DIFF,		/* '≠' rows */
	TUI_ERROR,
	TUI_STATUS,
	TUI_ATTR_COUNT,
};

struct tui {
	struct con_session *s;
	struct cmd_ctx ctx;
	struct layout layout;
	struct view views[PANE_COUNT];
	WINDOW *win[PANE_COUNT];
	enum pane focus, last_focus;
	bool help;			/* help overlay shown */
	int help_top;
	bool utf8, color;
	const struct tui_glyphs *g;
	int attrs[TUI_ATTR_COUNT];
	unsigned spin;
	int rows, cols;
	bool quit;
};

/* tui.c */
/** Run the TUI on S until quit; CANCEL is set by Ctrl-C. Returns an exit
 * status. */
int tui_run(struct con_session *s, volatile int *cancel);
/** Run LINE as a command. QUIET: from a key binding (output dropped). */
void tui_exec(struct tui *t, const char *line, bool quiet);
void tui_focus(struct tui *t, enum pane p);

/* draw.c */
extern const struct tui_glyphs tui_glyphs_utf8, tui_glyphs_ascii;
/** Display width of UTF-8 S (invalid bytes count 1). */
int tui_width(const char *s);
/** Write S at (Y, X) clipped to WIDTH columns (an ellipsis marks the
 * cut), tabs expanded, control bytes shown as '?', non-ASCII as '?' on
 * an ASCII terminal; pads with spaces to WIDTH when PAD. Never writes
 * past WIDTH, so nothing wraps. Returns the columns written. */
int tui_put(struct tui *t, WINDOW *w, int y, int x, int width,
	    const char *s, bool pad);
/** The bytes of S that make its first line when it is wrapped at WIDTH
 * columns: up to its last space that fits (all of S when it fits, WIDTH
 * bytes when no space does); at least one character. */
size_t tui_wrap(const char *s, int width);
/** tui_put into a view's inner area, row ROW, with attribute A. */
void tui_row(struct view *v, WINDOW *w, int row, enum tui_attr a,
	     const char *fmt, ...) LPD_PRINTF(5, 6);
void tui_box(struct tui *t, WINDOW *w, const char *title, bool focused);
/** Keep CUR visible in a list of N rows shown ROWS at a time. */
void tui_scroll(int *top, int cur, int rows, int n);

/* keys.c */
enum { TUI_KEY_VIEW_ANY = -1 };
struct tui_binding {
	int pane;		/* enum pane, or TUI_KEY_VIEW_ANY */
	int key;		/* curses key code or character */
	const char *command;	/* %c: item under the cursor, %n/%p: the
				 * item below/above it */
	const char *help;	/* NULL: an alias of the line above */
};
extern const struct tui_binding tui_bindings[];
const char *tui_key_name(int key, char *buf, size_t len);
/** Expand %c/%n/%p of CMD with V's cursor; false when V has none. */
bool tui_key_expand(struct view *v, const char *cmd, char *buf, size_t len);

/* cmdline.c: readline through its callback interface */
struct lpd_error *cmdline_init(struct tui *t);
void cmdline_deinit(struct tui *t);
/** Feed KEY to readline; a finished line runs through tui_exec(). */
void cmdline_key(struct tui *t, int key);
void cmdline_draw(struct tui *t, WINDOW *w);
/** Start the line with TEXT (may be NULL), the cursor at its end. */
void cmdline_start(struct tui *t, const char *text);
/** Drop the line being edited. */
void cmdline_cancel(struct tui *t);
/** Completion candidates for the word TEXT starting at START of LINE:
 * commands, sub-commands, registers, dump ids, the current stack's
 * functions. CB gets each; duplicates are possible. */
void cmdline_candidates(struct con_session *s, const char *line,
			int start, const char *text,
			void (*cb)(void *arg, const char *word), void *arg);

/* views */
extern const struct view_ops view_tree_ops, view_threads_ops, view_bt_ops,
	view_source_ops, view_regs_ops, view_values_ops, view_relation_ops,
	view_output_ops;
/** The help overlay: keys.c bindings and cmd_table. */
void view_help_draw(struct tui *t, WINDOW *w, int top);
int view_help_lines(struct tui *t);

#endif
