/* console/tui/cmdline.c - the command line at the bottom: GNU readline
 * through its callback interface, fed one key at a time by the TUI
 * (rl_getc_function) and drawn by us (rl_redisplay_function), so ncurses
 * owns the terminal. History in $XDG_STATE_HOME/lpardbg/history;
 * completion of commands, sub-commands, dump ids, registers and the
 * current stack's functions.
 *
 * readline's hooks take no argument, so this room keeps the TUI it serves
 * in one file-static struct: an exception to "no global state outside
 * main.c" that the library forces. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "console/tui/tui.h"

enum { CMDLINE_QUEUE = 8, CMDLINE_MAX_CANDIDATES = 4096 };

static struct {
	struct tui *t;
	unsigned char queue[CMDLINE_QUEUE];
	size_t head, n;
	char *line;		/* a finished line to run */
	bool done;		/* the line handler was called */
	char *history;		/* file */
	FILE *devnull;
	char **cand;		/* completion candidates */
	size_t n_cand, cap_cand, next_cand;
} cl;

static const char CMDLINE_PROMPT[] = "(lpardbg) ";

static int
cmdline_getc(FILE *f)
{
	unsigned char c;

	(void)f;
	if (cl.n == 0)
		return 0;	/* never asked for more than was fed */
	c = cl.queue[cl.head];
	cl.head = (cl.head + 1) % CMDLINE_QUEUE;
	cl.n--;
	return c;
}

static void
cmdline_redisplay(void)
{
	if (cl.t != NULL)
		cl.t->s->dirty |= CON_DIRTY_STATUS;
}

static void
cmdline_noprep(int meta)
{
	(void)meta;
}

static void
cmdline_nodeprep(void)
{
}

static void
cmdline_handler(char *line)
{
	free(cl.line);
	cl.line = line;		/* NULL: Ctrl-D on an empty line */
	cl.done = true;
}

/* ---- completion ----------------------------------------------------- */

static const char *const cmdline_subs[][9] = {
	{ "info", "threads", "registers", "frame", "sharedlibrary", NULL },
	{ "target", "list", "select", "next", "prev", NULL },
	{ "focus", "next", "prev", "tree", "threads", "bt", "source",
	  "cmdline", NULL },
	{ "compare", "--close", NULL },
	{ "bt", "full", "-a", NULL },
	{ NULL },
};

static void
cmdline_add(void *arg, const char *word)
{
	(void)arg;
	if (cl.n_cand >= CMDLINE_MAX_CANDIDATES)
		return;
	if (lpd_vec_reserve((void **)&cl.cand, &cl.cap_cand, cl.n_cand + 1,
			    sizeof(char *)) != NULL)
		return;
	cl.cand[cl.n_cand] = lpd_strdup(word);
	if (cl.cand[cl.n_cand] != NULL)
		cl.n_cand++;
}

void
cmdline_candidates(struct con_session *s, const char *line, int start,
		   const char *text, void (*cb)(void *arg, const char *word),
		   void *arg)
{
	size_t tl = strlen(text), i, k;
	size_t fl = strcspn(line, " \t");

	if (start == 0) {
		for (i = 0; cmd_table[i] != NULL; i++)
			if (strncmp(cmd_table[i]->name, text, tl) == 0)
				cb(arg, cmd_table[i]->name);
		return;
	}
	for (i = 0; cmdline_subs[i][0] != NULL; i++) {
		if (strlen(cmdline_subs[i][0]) != fl ||
		    strncmp(cmdline_subs[i][0], line, fl) != 0)
			continue;
		for (k = 1; k < 9 && cmdline_subs[i][k] != NULL; k++)
			if (strncmp(cmdline_subs[i][k], text, tl) == 0)
				cb(arg, cmdline_subs[i][k]);
	}
	if (text[0] == '$') {
		struct con_dump *d = con_session_dump(s);

		if (strncmp("$pc", text, tl) == 0)
			cb(arg, "$pc");
		if (strncmp("$sp", text, tl) == 0)
			cb(arg, "$sp");
		if (d != NULL && d->target != NULL) {
			const struct dump_arch *a =
				dump_get_arch(dbg_target_dump(d->target));
			char buf[40];

			for (i = 0; i < a->nregs; i++) {
				const char *n = a->reg_name((unsigned)i);

				if (n == NULL)
					continue;
				snprintf(buf, sizeof(buf), "$%s", n);
				if (strncmp(buf, text, tl) == 0)
					cb(arg, buf);
			}
		}
		return;
	}
	/* Dump ids, then the current stack's functions. */
	for (i = 0; i < s->n_items; i++)
		if (s->items[i].kind == CON_DUMP &&
		    strncmp(s->items[i].dump->id, text, tl) == 0)
			cb(arg, s->items[i].dump->id);
	if (s->stack != NULL && con_session_dump(s) != NULL)
		for (i = 0; i < dbg_stack_frame_count(s->stack); i++) {
			const struct dbg_frame *f =
				dbg_stack_frame(s->stack, i);

			if (f->function != NULL &&
			    strncmp(f->function, text, tl) == 0)
				cb(arg, f->function);
		}
}

static char *
cmdline_generator(const char *text, int state)
{
	(void)text;
	if (state == 0)
		cl.next_cand = 0;
	while (cl.next_cand < cl.n_cand) {
		const char *c = cl.cand[cl.next_cand++];
		size_t k;
		bool dup = false;

		for (k = 0; k + 1 < cl.next_cand; k++)
			if (strcmp(cl.cand[k], c) == 0)
				dup = true;
		if (!dup)
			return strdup(c);	/* readline frees with free() */
	}
	return NULL;
}

static char **
cmdline_complete(const char *text, int start, int end)
{
	size_t i;

	(void)end;
	for (i = 0; i < cl.n_cand; i++)
		lpd_free(cl.cand[i]);
	cl.n_cand = 0;
	rl_attempted_completion_over = 1;
	if (cl.t == NULL)
		return NULL;
	cmdline_candidates(cl.t->s, rl_line_buffer, start, text, cmdline_add,
			   NULL);
	return rl_completion_matches(text, cmdline_generator);
}

/* Several matches: list them in the output pane, not on the terminal. */
static void
cmdline_show_matches(char **matches, int n, int max)
{
	struct lpd_buf b = LPD_BUF_INIT;
	int i;

	(void)max;
	for (i = 1; i <= n; i++)
		if (lpd_buf_printf(&b, "%s%s", matches[i],
				   i < n ? "  " : "\n") != NULL)
			break;
	if (cl.t != NULL && b.data != NULL)
		con_output(cl.t->s, b.data);
	lpd_buf_deinit(&b);
}

/* ---- life ------------------------------------------------------------ */

/* $XDG_STATE_HOME/lpardbg/history (~/.local/state by default), making
 * the directories as needed. NULL when there is no home. */
static char *
cmdline_history_path(void)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char *dir, *path, *p;

	if (state != NULL && state[0] == '/')
		dir = lpd_asprintf("%s/lpardbg", state);
	else if (home != NULL && home[0] == '/')
		dir = lpd_asprintf("%s/.local/state/lpardbg", home);
	else
		return NULL;
	if (dir == NULL)
		return NULL;
	for (p = dir + 1; *p != '\0'; p++)
		if (*p == '/') {
			*p = '\0';
			(void)mkdir(dir, 0700);
			*p = '/';
		}
	(void)mkdir(dir, 0700);
	path = lpd_asprintf("%s/history", dir);
	lpd_free(dir);
	return path;
}

struct lpd_error *
cmdline_init(struct tui *t)
{
	cl.t = t;
	cl.devnull = fopen("/dev/null", "w");
	rl_readline_name = "lpardbg";
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_getc_function = cmdline_getc;
	rl_redisplay_function = cmdline_redisplay;
	rl_prep_term_function = cmdline_noprep;
	rl_deprep_term_function = cmdline_nodeprep;
	rl_outstream = cl.devnull != NULL ? cl.devnull : stderr;
	rl_attempted_completion_function = cmdline_complete;
	rl_completion_display_matches_hook = cmdline_show_matches;
	rl_completer_word_break_characters = (char *)" \t\n";
	rl_variable_bind("bell-style", "none");
	using_history();
	stifle_history(1000);
	cl.history = cmdline_history_path();
	if (cl.history != NULL)
		(void)read_history(cl.history);
	rl_callback_handler_install(CMDLINE_PROMPT, cmdline_handler);
	return NULL;
}

void
cmdline_deinit(struct tui *t)
{
	size_t i;

	(void)t;
	rl_callback_handler_remove();
	lpd_free(cl.history);
	free(cl.line);
	for (i = 0; i < cl.n_cand; i++)
		lpd_free(cl.cand[i]);
	lpd_free(cl.cand);
	if (cl.devnull != NULL)
		fclose(cl.devnull);
	rl_outstream = NULL;
	memset(&cl, 0, sizeof(cl));
}

static void
cmdline_feed(int c)
{
	if (cl.n == CMDLINE_QUEUE)
		return;
	cl.queue[(cl.head + cl.n) % CMDLINE_QUEUE] = (unsigned char)c;
	cl.n++;
	while (cl.n > 0)
		rl_callback_read_char();
}

/* Leave the command line: the line was run or dropped. */
static void
cmdline_leave(struct tui *t)
{
	tui_focus(t, t->last_focus != PANE_CMDLINE ? t->last_focus
						   : PANE_TREE);
}

void
cmdline_key(struct tui *t, int key)
{
	char *line;

	switch (key) {
	case 27:
		cmdline_cancel(t);
		cmdline_leave(t);
		return;
	case KEY_UP: rl_get_previous_history(1, 0); break;
	case KEY_DOWN: rl_get_next_history(1, 0); break;
	case KEY_LEFT: rl_backward_char(1, 0); break;
	case KEY_RIGHT: rl_forward_char(1, 0); break;
	case KEY_HOME: rl_beg_of_line(1, 0); break;
	case KEY_END: rl_end_of_line(1, 0); break;
	case KEY_DC: rl_delete(1, 0); break;
	case KEY_BACKSPACE: case 8: case 127:
		if (rl_end == 0) {	/* backspace on nothing: leave */
			cmdline_leave(t);
			return;
		}
		rl_rubout(1, 0);
		break;
	case KEY_ENTER: case '\r': cmdline_feed('\n'); break;
	default:
		if (key > 0 && key < 256)
			cmdline_feed(key);
		break;
	}
	t->s->dirty |= CON_DIRTY_STATUS;
	if (!cl.done)
		return;
	cl.done = false;
	line = cl.line;
	cl.line = NULL;
	cmdline_leave(t);
	if (line != NULL && line[strspn(line, " \t")] != '\0') {
		HIST_ENTRY *last = history_get(history_base +
					       history_length - 1);

		if (last == NULL || strcmp(last->line, line) != 0) {
			add_history(line);
			/* append_history() does not create the file */
			if (cl.history != NULL &&
			    append_history(1, cl.history) != 0)
				(void)write_history(cl.history);
		}
		tui_exec(t, line, false);
	}
	free(line);
}

void
cmdline_start(struct tui *t, const char *text)
{
	(void)t;
	rl_replace_line(text != NULL ? text : "", 0);
	rl_point = rl_end;
}

void
cmdline_cancel(struct tui *t)
{
	(void)t;
	rl_replace_line("", 0);
	rl_point = 0;
	rl_mark = 0;
}

void
cmdline_draw(struct tui *t, WINDOW *w)
{
	int cols = getmaxx(w), pw = (int)sizeof(CMDLINE_PROMPT) - 1, x;
	const char *buf = rl_line_buffer != NULL ? rl_line_buffer : "";
	bool focused = t->focus == PANE_CMDLINE;
	int off = 0, avail = cols - pw - 1;
	char pre[4096];

	werase(w);
	wattrset(w, focused ? (int)A_BOLD : t->attrs[TUI_DIM]);
	tui_put(t, w, 0, 0, cols, CMDLINE_PROMPT, false);
	wattrset(w, A_NORMAL);
	if (!focused) {
		wattrset(w, t->attrs[TUI_DIM]);
		tui_put(t, w, 0, pw, cols - pw - 1,
			"':' command  Tab pane  Enter open  Space mark  "
			"d compare  ? help  q quit", false);
		wattrset(w, A_NORMAL);
		return;
	}
	/* Scroll so the cursor stays visible. */
	snprintf(pre, sizeof(pre), "%.*s", rl_point, buf);
	while (pre[off] != '\0' && tui_width(pre + off) > avail)
		off++;
	tui_put(t, w, 0, pw, cols - pw - 1, buf + off, false);
	x = pw + tui_width(pre + off);
	wmove(w, 0, x < cols ? x : cols - 1);
}
