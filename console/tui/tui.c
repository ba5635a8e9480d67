/* console/tui/tui.c - the TUI loop: ncurses setup, one window per pane
 * from layout.c, keys to commands (keys.c), commands through the same
 * table as the batch CLI, the stepwise load with a progress indicator,
 * and one redraw per iteration (wnoutrefresh per window, one doupdate).
 * Signal handlers only set flags and write to a self-pipe. */
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include "console/select.h"
#include "console/tui/tui.h"

/* Set by the handlers, read by the loop; the self-pipe wakes poll().
 * File-static because a signal handler takes no argument. */
static volatile sig_atomic_t tui_winch;
static volatile int *tui_cancel;
static int tui_pipe[2] = { -1, -1 };

static const struct view_ops *const tui_view_ops[PANE_COUNT] = {
	[PANE_TREE] = &view_tree_ops,
	[PANE_THREADS] = &view_threads_ops,
	[PANE_BT] = &view_bt_ops,
	[PANE_SOURCE] = &view_source_ops,
	[PANE_REGS] = &view_regs_ops,
	[PANE_VALUES] = &view_values_ops,
	[PANE_RELATION] = &view_relation_ops,
	[PANE_OUTPUT] = &view_output_ops,
};

static void
tui_wake(void)
{
	int saved = errno;
	char c = 0;

	if (tui_pipe[1] >= 0)
		(void)!write(tui_pipe[1], &c, 1);
	errno = saved;
}

static void
tui_on_winch(int sig)
{
	(void)sig;
	tui_winch = 1;
	tui_wake();
}

static void
tui_on_int(int sig)
{
	(void)sig;
	if (tui_cancel != NULL)
		*tui_cancel = 1;
	tui_wake();
}

/* ---- setup ------------------------------------------------------------- */

/* Colour unless NO_COLOR (https://no-color.org) or a monochrome
 * terminal; then attributes alone tell the rows apart. */
static void
tui_colors(struct tui *t)
{
	const char *nc = getenv("NO_COLOR");
	int *a = t->attrs;

	t->color = has_colors() && (nc == NULL || *nc == '\0');
	a[TUI_NORMAL] = A_NORMAL;
	a[TUI_TITLE] = A_BOLD;
	a[TUI_FOCUS_TITLE] = A_BOLD | A_REVERSE;
	a[TUI_SELECTED] = A_REVERSE;
	a[TUI_CURRENT] = A_BOLD;
	a[TUI_DIM] = A_DIM;
	a[TUI_SAME] = A_NORMAL;
	a[TUI_DIFF] = A_BOLD;
	a[TUI_ERROR] = A_BOLD | A_REVERSE;
	a[TUI_STATUS] = A_REVERSE;
	if (!t->color)
		return;
	start_color();
	use_default_colors();
	init_pair(1, COLOR_CYAN, -1);
	init_pair(2, COLOR_GREEN, -1);
	init_pair(3, COLOR_RED, -1);
	init_pair(4, COLOR_WHITE, COLOR_RED);
	init_pair(5, COLOR_YELLOW, -1);
	a[TUI_TITLE] = A_BOLD | COLOR_PAIR(1);
	a[TUI_CURRENT] = A_BOLD | COLOR_PAIR(5);
	a[TUI_SAME] = COLOR_PAIR(2);
	a[TUI_DIFF] = A_BOLD | COLOR_PAIR(3);
	a[TUI_ERROR] = A_BOLD | COLOR_PAIR(4);
}

/* UTF-8 glyphs only when the locale's codeset is UTF-8 (LPD_ASCII=1
 * forces the ASCII set). */
static bool
tui_has_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);
	const char *force = getenv("LPD_ASCII");

	if (force != NULL && *force != '\0')
		return false;
	return MB_CUR_MAX > 1 && cs != NULL && strcmp(cs, "UTF-8") == 0;
}

static void
tui_windows_free(struct tui *t)
{
	int p;

	for (p = 0; p < PANE_COUNT; p++)
		if (t->win[p] != NULL) {
			delwin(t->win[p]);
			t->win[p] = NULL;
		}
}

/* Recompute the layout; recreate the windows when it changed. */
static void
tui_relayout(struct tui *t, bool force)
{
	struct layout_in in = {
		.cols = t->cols,
		.rows = t->rows,
		.focus = t->focus == PANE_CMDLINE ? t->last_focus : t->focus,
		.compare = t->s->show_compare && t->s->compare != NULL,
	};
	struct layout l;
	int p;

	layout_compute(&in, &l);
	if (!force && memcmp(&l, &t->layout, sizeof(l)) == 0)
		return;
	t->layout = l;
	tui_windows_free(t);
	werase(stdscr);
	wnoutrefresh(stdscr);
	for (p = 0; p < PANE_COUNT && l.cls != LAYOUT_TOO_SMALL; p++) {
		const struct layout_rect *r = &l.pane[p];
		struct view *v = &t->views[p];

		if (!r->visible)
			continue;
		t->win[p] = newwin(r->h, r->w, r->y, r->x);
		if (t->win[p] == NULL)
			continue;
		leaveok(t->win[p], p != PANE_CMDLINE);
		if (v->ops == NULL)
			continue;
		v->rows = r->h - 2;
		v->cols = r->w - 2;
		if (v->ops->resize != NULL)
			v->ops->resize(v);
	}
	t->s->dirty |= CON_DIRTY_ALL;
}

void
tui_focus(struct tui *t, enum pane p)
{
	if (p >= PANE_COUNT || p == t->focus)
		return;
	if (t->focus != PANE_CMDLINE)
		t->last_focus = t->focus;
	t->focus = p;
	curs_set(p == PANE_CMDLINE ? 1 : 0);
}

/* Tab order: the panes the current mode shows (small layouts swap the
 * focused pane into a shared slot, so every pane is reachable). */
static void
tui_focus_step(struct tui *t, int dir)
{
	static const enum pane normal[] = { PANE_TREE, PANE_THREADS, PANE_BT,
		PANE_SOURCE, PANE_REGS, PANE_VALUES, PANE_OUTPUT };
	static const enum pane cmp[] = { PANE_TREE, PANE_THREADS,
		PANE_RELATION, PANE_OUTPUT };
	bool compare = t->s->show_compare && t->s->compare != NULL;
	const enum pane *order = compare ? cmp : normal;
	int n = compare ? 4 : 7, i, at = 0;
	enum pane cur = t->focus == PANE_CMDLINE ? t->last_focus : t->focus;

	for (i = 0; i < n; i++)
		if (order[i] == cur)
			at = i;
	tui_focus(t, order[(at + dir + n) % n]);
}

/* ---- commands ------------------------------------------------------------ */

/* Split LINE in place into at most MAX - 1 words (quotes group). */
static int
tui_split(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;

	while (*p != '\0' && argc < max - 1) {
		char q = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (*p == '"' || *p == '\'')
			q = *p++;
		argv[argc++] = p;
		while (*p != '\0' && (q != 0 ? *p != q
				      : (*p != ' ' && *p != '\t')))
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
	argv[argc] = NULL;
	return argc;
}

/* gdb's "print/x": the command is the part before '/'. */
static const struct cmd_entry *
tui_find(const char *name)
{
	const struct cmd_entry *e = cmd_find(name);
	const char *slash = strchr(name, '/');
	char base[32];

	if (e != NULL || slash == NULL || slash == name || slash - name >= 31)
		return e;
	memcpy(base, name, (size_t)(slash - name));
	base[slash - name] = '\0';
	return cmd_find(base);
}

static void
tui_ui_requests(struct tui *t, bool was_compare)
{
	struct con_session *s = t->s;
	unsigned ui = s->ui;

	s->ui = 0;
	if (ui & CON_UI_QUIT)
		t->quit = true;
	if (ui & CON_UI_HELP) {
		t->help = true;
		t->help_top = 0;
	}
	if (ui & CON_UI_FOCUS) {
		const char *a = s->ui_arg;

		if (strcmp(a, "next") == 0)
			tui_focus_step(t, 1);
		else if (strcmp(a, "prev") == 0)
			tui_focus_step(t, -1);
		else if (strncmp(a, "cmdline", 7) == 0) {
			tui_focus(t, PANE_CMDLINE);
			cmdline_start(t, a[7] == ' ' ? a + 8 : NULL);
		} else
			tui_focus(t, layout_pane_lookup(a));
	}
	if (s->show_compare && s->compare != NULL && !was_compare)
		tui_focus(t, PANE_RELATION);
	if (!s->show_compare && t->focus == PANE_RELATION)
		tui_focus(t, PANE_TREE);
}

/* On a remote dump, the commands that read its core run through the
 * agent on its node (console/cmd-console.c); true when NAME was one. */
static bool
tui_exec_remote(struct tui *t, const char *line, const char *name,
		bool quiet)
{
	static const char *const remote[] = { "bt", "backtrace", "where",
		"info", "print", "p", "ptype", "whatis", "x", "output",
		"eval" };
	struct con_session *s = t->s;
	struct con_dump *d = con_session_dump(s);
	struct lpd_error *err;
	struct lpd_buf b = LPD_BUF_INIT;
	size_t i, l = strcspn(name, "/");
	char *text = NULL;

	if (d == NULL || d->remote == NULL)
		return false;
	for (i = 0; i < sizeof(remote) / sizeof(remote[0]); i++)
		if (strlen(remote[i]) == l && strncmp(name, remote[i], l) == 0)
			break;
	if (i == sizeof(remote) / sizeof(remote[0]))
		return false;
	err = d->remote->command(d->remote_arg, d, s->frame, line, &text);
	if (err != NULL) {
		con_status(s, true, "%s", err->message);
		lpd_error_destroy(err);
	} else {
		con_status(s, false, "ran on node %s", d->remote_node);
		if (!quiet && lpd_buf_printf(&b, "(lpardbg) %s\n%s", line,
					     text != NULL ? text : "") == NULL)
			con_output(s, b.data);
	}
	lpd_buf_deinit(&b);
	lpd_free(text);
	s->dirty |= CON_DIRTY_STATUS | CON_DIRTY_TREE;
	return true;
}

void
tui_exec(struct tui *t, const char *line, bool quiet)
{
	struct con_session *s = t->s;
	char *copy = lpd_strdup(line), *argv[64], *outb = NULL, *errb = NULL;
	size_t outn = 0, errn = 0;
	bool was_compare = s->show_compare && s->compare != NULL;
	bool values = con_values_owns(line);	/* the line as typed */
	const struct cmd_entry *e;
	struct cmd_ctx ctx = t->ctx;
	enum cmd_retval rv;
	int argc;

	if (copy == NULL)
		return;
	argc = tui_split(copy, argv, 64);
	if (argc == 0)
		goto out;
	if (tui_exec_remote(t, line, argv[0], quiet))
		goto out;
	e = tui_find(argv[0]);
	if (e == NULL && !values) {
		con_status(s, true, "unknown command '%s' (try 'help')",
			   argv[0]);
		goto out;
	}
	if (e == &cmd_console_entry) {
		con_status(s, true, "already in the console");
		goto out;
	}
	ctx.out = open_memstream(&outb, &outn);
	ctx.err = open_memstream(&errb, &errn);
	if (ctx.out == NULL || ctx.err == NULL) {
		con_status(s, true, "out of memory");
		goto out;
	}
	s->status[0] = '\0';
	s->status_error = false;
	*ctx.cancel = 0;
	rv = values ? con_values_run(&ctx, line) : e->exec(&ctx, argc, argv);
	fclose(ctx.out);
	fclose(ctx.err);
	ctx.out = ctx.err = NULL;
	if (rv != CMD_RETURN_OK) {
		const char *m = errb != NULL && *errb != '\0' ? errb
			      : "command failed";

		if (strncmp(m, "lpardbg: ", 9) == 0)
			m += 9;
		con_status(s, true, "%s", m);
	} else if (!quiet) {
		struct lpd_buf b = LPD_BUF_INIT;

		if (lpd_buf_printf(&b, "(lpardbg) %s\n%s%s", line,
				   outb != NULL ? outb : "",
				   errb != NULL ? errb : "") == NULL)
			con_output(s, b.data);
		lpd_buf_deinit(&b);
	}
	s->dirty |= CON_DIRTY_STATUS;
	*ctx.cancel = 0;
	tui_ui_requests(t, was_compare);
out:
	if (ctx.out != NULL && ctx.out != t->ctx.out)
		fclose(ctx.out);
	if (ctx.err != NULL && ctx.err != t->ctx.err)
		fclose(ctx.err);
	free(outb);
	free(errb);
	lpd_free(copy);
}

/* ---- drawing ------------------------------------------------------------- */

static void
tui_title(struct tui *t, enum pane p, char *buf, size_t len)
{
	struct con_session *s = t->s;
	const struct dbg_frame *f = con_session_frame(s);
	const char *title = layout_pane_title(p);

	if (p == PANE_BT && f != NULL)
		snprintf(buf, len, "%s: thread %zu", title, s->thread + 1);
	else if (p == PANE_SOURCE && f != NULL && f->file != NULL &&
		 f->line != 0)
		snprintf(buf, len, "%s: %s:%u", title, con_basename(f->file),
			 f->line);
	else if ((p == PANE_REGS || p == PANE_VALUES) && f != NULL)
		snprintf(buf, len, "%s: frame %zu", title, s->frame);
	else
		snprintf(buf, len, "%s", title);
}

static void
tui_draw_status(struct tui *t, WINDOW *w)
{
	struct con_session *s = t->s;
	struct con_dump *d = con_session_dump(s);
	struct con_item *it = con_item_find(s, s->current);
	int cols = getmaxx(w), rw;
	char right[160], left[640];

	if (s->load_done < s->load_total)
		snprintf(right, sizeof(right), " %s loading %zu/%zu (C-c "
			 "stops) ", t->g->spin[t->spin % 4], s->load_done + 1,
			 s->load_total);
	else if (d != NULL && it != NULL)
		snprintf(right, sizeof(right), " [%u] %s thread %zu frame "
			 "%zu ", it->number, d->id, s->thread + 1, s->frame);
	else
		snprintf(right, sizeof(right), " %zu dumps ",
			 con_dump_count(s));
	rw = tui_width(right);
	if (rw > cols / 2)
		rw = cols / 2;
	snprintf(left, sizeof(left), " %s%s", s->status_error ? "error: " : "",
		 s->status);
	wattrset(w, s->status_error ? t->attrs[TUI_ERROR]
				    : t->attrs[TUI_STATUS]);
	tui_put(t, w, 0, 0, cols - rw, left, true);
	wattrset(w, t->attrs[TUI_STATUS]);
	tui_put(t, w, 0, cols - rw, rw, right, true);
	wattrset(w, A_NORMAL);
}

static void
tui_draw(struct tui *t)
{
	char title[160];
	int p;

	if (t->layout.cls == LAYOUT_TOO_SMALL) {
		int y = t->rows / 2, x;

		werase(stdscr);
		x = (t->cols - tui_width(t->layout.message)) / 2;
		tui_put(t, stdscr, y, x < 0 ? 0 : x, t->cols - 1,
			t->layout.message, false);
		if (y + 1 < t->rows)
			tui_put(t, stdscr, y + 1, 0, t->cols - 1,
				"(q quits)", false);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	for (p = 0; p < PANE_COUNT; p++) {
		struct view *v = &t->views[p];
		WINDOW *w = t->win[p];

		if (w == NULL || v->ops == NULL)
			continue;
		tui_title(t, (enum pane)p, title, sizeof(title));
		tui_box(t, w, title, (int)t->focus == p);
		v->ops->draw(v, w);
		wnoutrefresh(w);
	}
	if (t->win[PANE_STATUS] != NULL) {
		tui_draw_status(t, t->win[PANE_STATUS]);
		wnoutrefresh(t->win[PANE_STATUS]);
	}
	if (t->help) {
		WINDOW *hw = newwin(t->rows - 2, t->cols, 0, 0);

		if (hw != NULL) {
			view_help_draw(t, hw, t->help_top);
			wnoutrefresh(hw);
			delwin(hw);
			/* the panes below must repaint when it closes */
			touchwin(stdscr);
		}
	}
	/* The command line last: its cursor is the terminal's. */
	if (t->win[PANE_CMDLINE] != NULL) {
		cmdline_draw(t, t->win[PANE_CMDLINE]);
		wnoutrefresh(t->win[PANE_CMDLINE]);
	}
	doupdate();
}

/* ---- input ---------------------------------------------------------------- */

static void tui_update(struct tui *t);

/* Run binding B expanded with V's cursor; true when it ran. The views
 * catch up at once, so the next key in the same read sees the new
 * cursor. */
static bool
tui_run_binding(struct tui *t, const struct tui_binding *b, struct view *v)
{
	char cmd[512];

	if (b == NULL || !tui_key_expand(v, b->command, cmd, sizeof(cmd)))
		return false;
	tui_exec(t, cmd, true);
	tui_relayout(t, false);
	tui_update(t);
	return true;
}

static const struct tui_binding *
tui_binding(int pane, int key)
{
	size_t i;

	for (i = 0; tui_bindings[i].command != NULL; i++)
		if (tui_bindings[i].pane == pane && tui_bindings[i].key == key)
			return &tui_bindings[i];
	return NULL;
}

static void
tui_mouse(struct tui *t)
{
	const struct layout_rect *r;
	struct view *v;
	MEVENT ev;
	enum pane p;

	if (getmouse(&ev) != OK)
		return;
	p = layout_pane_at(&t->layout, ev.y, ev.x);
	if (p == PANE_COUNT || p == PANE_STATUS)
		return;
	if (p == PANE_CMDLINE) {
		tui_focus(t, PANE_CMDLINE);
		return;
	}
	v = &t->views[p];
	r = &t->layout.pane[p];
	if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
		if (v->ops->key != NULL)
			v->ops->key(v, ev.bstate & BUTTON4_PRESSED ? KEY_UP
								    : KEY_DOWN);
		return;
	}
	tui_focus(t, p);
	if (ev.y <= r->y || ev.y >= r->y + r->h - 1 || v->ops->click == NULL)
		return;
	v->ops->click(v, ev.y - r->y - 1);
	tui_run_binding(t, tui_binding((int)p, '\n'), v);
}

static void
tui_help_key(struct tui *t, int key)
{
	int n = view_help_lines(t), page = t->rows - 4;

	if (key == 'j' || key == KEY_DOWN)
		t->help_top++;
	else if (key == 'k' || key == KEY_UP)
		t->help_top--;
	else if (key == KEY_NPAGE || key == ' ')
		t->help_top += page;
	else if (key == KEY_PPAGE)
		t->help_top -= page;
	else
		t->help = false;
	if (t->help_top > n - page)
		t->help_top = n - page;
	if (t->help_top < 0)
		t->help_top = 0;
}

static void
tui_key(struct tui *t, int key)
{
	struct view *v;

	if (key == KEY_MOUSE) {
		tui_mouse(t);
		return;
	}
	if (t->help) {
		tui_help_key(t, key);
		return;
	}
	if (t->layout.cls == LAYOUT_TOO_SMALL) {
		if (key == 'q')
			t->quit = true;
		return;
	}
	if (t->focus == PANE_CMDLINE) {
		cmdline_key(t, key);
		return;
	}
	/* The pane's own binding, its local keys, then the global one. */
	v = &t->views[t->focus];
	if (tui_run_binding(t, tui_binding((int)t->focus, key), v))
		return;
	if (v->ops != NULL && v->ops->key != NULL && v->ops->key(v, key))
		return;
	tui_run_binding(t, tui_binding(TUI_KEY_VIEW_ANY, key), v);
}

/* A wide character typed at the command line goes in as UTF-8 bytes. */
static void
tui_wide(struct tui *t, wint_t wc)
{
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t n, i;

	if (t->focus != PANE_CMDLINE || t->help || wc < 128) {
		if (wc < 128)
			tui_key(t, (int)wc);
		return;
	}
	memset(&st, 0, sizeof(st));
	n = wcrtomb(mb, (wchar_t)wc, &st);
	for (i = 0; n != (size_t)-1 && i < n; i++)
		cmdline_key(t, (unsigned char)mb[i]);
}

static void
tui_resize(struct tui *t)
{
	struct winsize ws;

	tui_winch = 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	getmaxyx(stdscr, t->rows, t->cols);
	clearok(curscr, TRUE);
	tui_relayout(t, true);
}

/* ---- the loop -------------------------------------------------------------- */

static struct lpd_error *
tui_setup(struct tui *t)
{
	struct sigaction sa;
	int p;

	if (pipe(tui_pipe) != 0)
		return lpd_error_os(errno, "pipe");
	for (p = 0; p < 2; p++) {
		fcntl(tui_pipe[p], F_SETFL, O_NONBLOCK);
		fcntl(tui_pipe[p], F_SETFD, FD_CLOEXEC);
	}
	if (getenv("ESCDELAY") == NULL)
		set_escdelay(25);
	if (initscr() == NULL)
		return lpd_error_format(LPD_ERR_UNSUPPORTED,
					"cannot initialize the terminal");
	cbreak();	/* not raw(): Ctrl-C stays SIGINT */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED |
		  BUTTON5_PRESSED, NULL);
	mouseinterval(0);
	t->utf8 = tui_has_utf8();
	t->g = t->utf8 ? &tui_glyphs_utf8 : &tui_glyphs_ascii;
	tui_colors(t);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = tui_on_winch;
	sigaction(SIGWINCH, &sa, NULL);
	sa.sa_handler = tui_on_int;
	sigaction(SIGINT, &sa, NULL);
	getmaxyx(stdscr, t->rows, t->cols);
	return NULL;
}

static void
tui_teardown(struct tui *t)
{
	struct sigaction sa;
	int p;

	tui_windows_free(t);
	if (!isendwin())
		endwin();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (p = 0; p < 2; p++)
		if (tui_pipe[p] >= 0) {
			close(tui_pipe[p]);
			tui_pipe[p] = -1;
		}
}

/* Views update on the dirty bits they watch; then the bits are clear. */
static void
tui_update(struct tui *t)
{
	unsigned dirty = t->s->dirty;
	int p;

	t->s->dirty = 0;
	for (p = 0; p < PANE_COUNT && dirty != 0; p++) {
		struct view *v = &t->views[p];

		if (v->ops != NULL && v->ops->update != NULL &&
		    (v->ops->watch & dirty))
			v->ops->update(v);
	}
}

/* One pending dump per call; the first loaded one is shown. */
static void
tui_load_step(struct tui *t)
{
	struct con_session *s = t->s;
	struct con_item *first;

	t->spin++;
	con_session_load_step(s);
	s->dirty |= CON_DIRTY_STATUS;
	if (s->current != 0)
		return;
	first = con_dump_at(s, 0);
	if (first != NULL && first->dump->load == CON_LOAD_DONE)
		lpd_error_destroy(con_session_select(s, first->tag));
}

static void
tui_loop(struct tui *t, volatile int *cancel)
{
	struct con_session *s = t->s;

	while (!t->quit) {
		struct pollfd pfd[2] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = tui_pipe[0], .events = POLLIN },
		};
		bool loading = s->load_done < s->load_total;
		char drain[64];
		wint_t wc;
		int r;

		if (tui_winch)
			tui_resize(t);
		tui_relayout(t, false);
		tui_update(t);
		tui_draw(t);
		/* One dump per iteration while loading: keys in between. */
		r = poll(pfd, 2, loading ? 0 : -1);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0 && (pfd[1].revents & POLLIN))
			while (read(tui_pipe[0], drain, sizeof(drain)) > 0)
				;
		while (!t->quit && (r = wget_wch(stdscr, &wc)) != ERR) {
			if (r == KEY_CODE_YES && wc != KEY_RESIZE)
				tui_key(t, (int)wc);
			else if (r != KEY_CODE_YES)
				tui_wide(t, wc);
		}
		if (*cancel && !loading) {
			/* Ctrl-C outside a command: drop the line. */
			*cancel = 0;
			if (t->focus == PANE_CMDLINE) {
				cmdline_cancel(t);
				tui_focus(t, t->last_focus);
			}
			con_status(s, false, "interrupted (q quits)");
		}
		if (loading)
			tui_load_step(t);
	}
}

int
tui_run(struct con_session *s, volatile int *cancel)
{
	struct tui t;
	struct lpd_error *err;
	int p, status = 0;

	memset(&t, 0, sizeof(t));
	t.s = s;
	t.ctx.out = stdout;
	t.ctx.err = stderr;
	t.ctx.cancel = cancel;
	t.ctx.session = s;
	t.focus = PANE_TREE;
	t.last_focus = PANE_TREE;
	tui_cancel = cancel;
	s->cancel = cancel;
	err = tui_setup(&t);
	for (p = 0; err == NULL && p < PANE_COUNT; p++) {
		t.views[p].ops = tui_view_ops[p];
		t.views[p].pane = (enum pane)p;
		t.views[p].tui = &t;
		t.views[p].s = s;
		if (t.views[p].ops != NULL && t.views[p].ops->init != NULL)
			err = t.views[p].ops->init(&t.views[p]);
	}
	if (err == NULL)
		err = cmdline_init(&t);
	if (err == NULL) {
		tui_relayout(&t, true);
		tui_loop(&t, cancel);
		cmdline_deinit(&t);
	}
	tui_teardown(&t);
	if (err != NULL) {
		fprintf(stderr, "lpardbg: %s\n", err->message);
		status = lpd_error_exit_status(err);
		lpd_error_destroy(err);
	}
	for (p = 0; p < PANE_COUNT; p++)
		if (t.views[p].ops != NULL && t.views[p].ops->free != NULL)
			t.views[p].ops->free(&t.views[p]);
	tui_cancel = NULL;
	s->cancel = NULL;
	return status;
}
