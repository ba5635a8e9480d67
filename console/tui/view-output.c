/* console/tui/view-output.c - what commands typed at the command line
 * printed, newest at the bottom; follows new output unless scrolled. */
#include <string.h>

#include "console/tui/tui.h"

/* Line I of the log (0-based), or NULL. Linear: the log is bounded
 * (session.c keeps its last 2000 lines). */
static const char *
output_line(const struct lpd_buf *b, int i, size_t *len)
{
	const char *p = b->data, *e;

	if (p == NULL || *p == '\0')
		return NULL;
	while (i-- > 0) {
		p = strchr(p, '\n');
		if (p == NULL || p[1] == '\0')
			return NULL;
		p++;
	}
	e = strchr(p, '\n');
	*len = e != NULL ? (size_t)(e - p) : strlen(p);
	return p;
}

static int
output_count(const struct lpd_buf *b)
{
	size_t i;
	int n = 0;

	for (i = 0; i < b->len; i++)
		n += b->data[i] == '\n';
	return n;
}

static void
output_update(struct view *v)
{
	v->top = output_count(&v->s->output) - v->rows;	/* follow */
	if (v->top < 0)
		v->top = 0;
}

static void
output_draw(struct view *v, WINDOW *w)
{
	const struct lpd_buf *b = &v->s->output;
	int r;

	for (r = 0; r < v->rows; r++) {
		size_t len = 0;
		const char *p = output_line(b, v->top + r, &len);
		char line[1024];

		if (b->len == 0 && r == 0) {
			tui_row(v, w, r, TUI_DIM, "%s",
				": runs a command (bt, frame N, info threads, "
				"print $pc, list, compare A B); ? lists all");
			continue;
		}
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		if (p != NULL)
			memcpy(line, p, len);
		line[p != NULL ? len : 0] = '\0';
		tui_row(v, w, r, TUI_NORMAL, "%s", line);
	}
}

static bool
output_key(struct view *v, int key)
{
	int n = output_count(&v->s->output);

	switch (key) {
	case 'j': case KEY_DOWN: v->top++; break;
	case 'k': case KEY_UP: v->top--; break;
	case KEY_NPAGE: v->top += v->rows; break;
	case KEY_PPAGE: v->top -= v->rows; break;
	case 'g': case KEY_HOME: v->top = 0; break;
	case 'G': case KEY_END: v->top = n; break;
	default: return false;
	}
	if (v->top > n - v->rows)
		v->top = n - v->rows;
	if (v->top < 0)
		v->top = 0;
	return true;
}

const struct view_ops view_output_ops = {
	.name = "output",
	.watch = CON_DIRTY_OUTPUT,
	.resize = output_update,
	.update = output_update,
	.draw = output_draw,
	.key = output_key,
};
