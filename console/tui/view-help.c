/* console/tui/view-help.c - the '?' overlay, built from the key bindings
 * (keys.c) and the command table (cmd.c), so it cannot go stale. */
#include <stdio.h>
#include <string.h>

#include "console/tui/tui.h"

/* Line I of the help text into BUF; false past the end. */
static bool
help_line(int i, char *buf, size_t len)
{
	size_t k;
	int n = 0;

	if (i == n++) {
		snprintf(buf, len, "keys (any other key closes this help; "
			 "j/k scroll)");
		return true;
	}
	for (k = 0; tui_bindings[k].command != NULL; k++) {
		const struct tui_binding *b = &tui_bindings[k];
		char kn[16];

		if (b->help == NULL)
			continue;
		if (i == n++) {
			snprintf(buf, len, "  %-9s %-6s %-20s %s",
				 b->pane == TUI_KEY_VIEW_ANY ? "any"
				 : layout_pane_name((enum pane)b->pane),
				 tui_key_name(b->key, kn, sizeof(kn)),
				 b->command, b->help);
			return true;
		}
	}
	if (i == n++) {
		snprintf(buf, len, "  %-9s %-6s %-20s %s", "lists", "j k g G",
			 "", "move, scroll");
		return true;
	}
	if (i == n++) {
		snprintf(buf, len, "  %-9s %-6s %-20s %s", "any", "mouse", "",
			 "a click focuses a pane and selects the row");
		return true;
	}
	if (i == n++) {
		snprintf(buf, len, "  %-9s %-6s %-20s %s", "any", "C-c", "",
			 "cancel the running command or load");
		return true;
	}
	if (i == n++) {
		buf[0] = '\0';
		return true;
	}
	if (i == n++) {
		snprintf(buf, len, "commands (type ':' first; gdb's words)");
		return true;
	}
	for (k = 0; cmd_table[k] != NULL; k++)
		if (i == n++) {
			const struct cmd_entry *e = cmd_table[k];

			snprintf(buf, len, "  %-8s %s - %s", e->name,
				 e->usage, e->summary);
			return true;
		}
	return false;
}

int
view_help_lines(struct tui *t)
{
	char buf[512];
	int n = 0;

	(void)t;
	while (help_line(n, buf, sizeof(buf)))
		n++;
	return n;
}

void
view_help_draw(struct tui *t, WINDOW *w, int top)
{
	int h, wd, r;
	char buf[512];

	getmaxyx(w, h, wd);
	werase(w);
	tui_box(t, w, "Help", true);
	for (r = 0; r < h - 2; r++) {
		if (!help_line(top + r, buf, sizeof(buf)))
			break;
		wattrset(w, top + r == 0 ? t->attrs[TUI_TITLE] : (int)A_NORMAL);
		tui_put(t, w, r + 1, 1, wd - 2, buf, true);
	}
	wattrset(w, A_NORMAL);
}
