/* console/tui/keys.c - key bindings: every key is a command string run
 * through the same command table as the command line and the batch CLI
 * (tmux's key-bindings.c). tui.c tries a pane's own bindings first, then
 * the view's local keys (cursor, scrolling), then the global ones. The
 * help overlay is built from this table. */
#include <stdio.h>
#include <string.h>

#include "console/tui/tui.h"

#define ANY TUI_KEY_VIEW_ANY

const struct tui_binding tui_bindings[] = {
	{ ANY, '\t', "focus next", "next pane" },
	{ ANY, KEY_BTAB, "focus prev", "previous pane" },
	{ ANY, 'l', "focus next", "next pane (tree: expand)" },
	{ ANY, KEY_RIGHT, "focus next", NULL },
	{ ANY, 'h', "focus prev", "previous pane (tree: collapse)" },
	{ ANY, KEY_LEFT, "focus prev", NULL },
	{ ANY, ':', "focus cmdline", "command line" },
	{ ANY, '/', "focus cmdline search", "search frames, then dumps" },
	{ ANY, 'd', "compare", "compare the two marked dumps" },
	{ ANY, 't', "target next", "switch to the next dump" },
	{ ANY, '?', "help", "this help" },
	{ ANY, 'q', "quit", "quit the console" },
	{ PANE_TREE, '\n', "target select %c", "open the dump (LPAR: its "
	  "first)" },
	{ PANE_TREE, '\r', "target select %c", NULL },
	{ PANE_TREE, KEY_ENTER, "target select %c", NULL },
	{ PANE_TREE, ' ', "mark %c", "mark/unmark for compare" },
	{ PANE_THREADS, 'j', "thread %n", "next thread" },
	{ PANE_THREADS, KEY_DOWN, "thread %n", NULL },
	{ PANE_THREADS, 'k', "thread %p", "previous thread" },
	{ PANE_THREADS, KEY_UP, "thread %p", NULL },
	{ PANE_THREADS, '\n', "thread %c", "select the thread" },
	{ PANE_THREADS, '\r', "thread %c", NULL },
	{ PANE_THREADS, KEY_ENTER, "thread %c", NULL },
	{ PANE_BT, 'j', "frame %n", "next (outer) frame" },
	{ PANE_BT, KEY_DOWN, "frame %n", NULL },
	{ PANE_BT, 'k', "frame %p", "previous (inner) frame" },
	{ PANE_BT, KEY_UP, "frame %p", NULL },
	{ PANE_BT, '\n', "frame %c", "select the frame" },
	{ PANE_BT, '\r', "frame %c", NULL },
	{ PANE_BT, KEY_ENTER, "frame %c", NULL },
	{ PANE_RELATION, 'q', "compare --close", "close the comparison" },
	{ PANE_RELATION, 27, "compare --close", NULL },
	{ 0, 0, NULL, NULL },
};

const char *
tui_key_name(int key, char *buf, size_t len)
{
	switch (key) {
	case '\t': return "Tab";
	case KEY_BTAB: return "S-Tab";
	case '\n': return "Enter";
	case ' ': return "Space";
	case 27: return "Esc";
	case KEY_UP: return "Up";
	case KEY_DOWN: return "Down";
	case KEY_LEFT: return "Left";
	case KEY_RIGHT: return "Right";
	}
	if (key > ' ' && key < 127)
		snprintf(buf, len, "%c", key);
	else
		snprintf(buf, len, "#%d", key);
	return buf;
}

bool
tui_key_expand(struct view *v, const char *cmd, char *buf, size_t len)
{
	char item[128];
	size_t o = 0;
	const char *p;

	if (len == 0)
		return false;
	for (p = cmd; *p != '\0'; p++) {
		int delta;

		if (p[0] != '%' || (p[1] != 'c' && p[1] != 'n' &&
				    p[1] != 'p')) {
			if (o + 1 < len)
				buf[o++] = *p;
			continue;
		}
		delta = p[1] == 'c' ? 0 : p[1] == 'n' ? 1 : -1;
		if (v == NULL || v->ops == NULL || v->ops->cursor == NULL ||
		    !v->ops->cursor(v, delta, item, sizeof(item)))
			return false;
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s",
				      item);
		if (o >= len)
			return false;
		p++;
	}
	buf[o] = '\0';
	return true;
}
