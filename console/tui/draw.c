/* console/tui/draw.c - drawing helpers every view uses: glyph sets
 * (UTF-8 or ASCII), clipped text that never wraps, boxes with titles,
 * list scrolling. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "console/tui/tui.h"

const struct tui_glyphs tui_glyphs_utf8 = {
	.h = "\u2500", .v = "\u2502", .tl = "\u250c", .tr = "\u2510",
	.bl = "\u2514", .br = "\u2518",
	.same = "=", .diff = "\u2260",
	.mark = "\u25cf", .open = "\u25be", .closed = "\u25b8",
	.cur = "\u25b6",
	.spin = { "\u280b", "\u2819", "\u2838", "\u2834" },
	.ellipsis = "\u2026",
};

const struct tui_glyphs tui_glyphs_ascii = {
	.h = "-", .v = "|", .tl = "+", .tr = "+", .bl = "+", .br = "+",
	.same = "=", .diff = "!",
	.mark = "*", .open = "-", .closed = "+", .cur = ">",
	.spin = { "|", "/", "-", "\\" },
	.ellipsis = "~",
};

/* Next character of S: its byte length, display width and whether it
 * can be shown as is. */
static size_t
draw_next(const char *s, int *width, bool *ok)
{
	mbstate_t st;
	wchar_t wc;
	size_t n;
	int w;

	memset(&st, 0, sizeof(st));
	n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		*width = 1;
		*ok = false;
		return 1;
	}
	w = wcwidth(wc);
	*ok = w >= 0 && !(wc < 0x20 || wc == 0x7f);
	*width = w < 0 ? 1 : w;
	return n;
}

int
tui_width(const char *s)
{
	int total = 0, w;
	bool ok;

	while (s != NULL && *s != '\0') {
		s += draw_next(s, &w, &ok);
		total += w;
	}
	return total;
}

int
tui_put(struct tui *t, WINDOW *w, int y, int x, int width, const char *s,
	bool pad)
{
	int col = 0, cw;
	bool ok;

	if (width <= 0)
		return 0;
	wmove(w, y, x);
	while (s != NULL && *s != '\0') {
		size_t n;

		if (*s == '\t') {
			int to = (col / 8 + 1) * 8;

			if (to > width)
				to = width;
			for (; col < to; col++)
				waddch(w, ' ');
			s++;
			continue;
		}
		n = draw_next(s, &cw, &ok);
		if (!t->utf8 && (unsigned char)*s >= 0x80) {
			/* ASCII terminal: one '?' per character */
			cw = 1;
			ok = false;
		}
		/* The last column takes the ellipsis if more follows. */
		if (col + cw > width || (col + cw == width && s[n] != '\0')) {
			if (col < width) {
				waddstr(w, t->g->ellipsis);
				col++;
			}
			break;
		}
		if (ok)
			waddnstr(w, s, (int)n);
		else
			waddch(w, '?');
		col += cw;
		s += n;
	}
	if (pad)
		for (; col < width; col++)
			waddch(w, ' ');
	return col;
}

size_t
tui_wrap(const char *s, int width)
{
	size_t n = strlen(s), cut, i;

	if (width < 1)
		width = 1;
	if (tui_width(s) <= width)
		return n;
	/* Bytes are at least as many as columns: cut by bytes, then back
	 * off to a space, or else to a character's start. */
	cut = (size_t)width < n ? (size_t)width : n;
	for (i = cut; i > 0 && s[i] != ' '; i--)
		;
	if (i > 0)
		return i;
	while (cut > 1 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	return cut;
}

void
tui_row(struct view *v, WINDOW *w, int row, enum tui_attr a,
	const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (row < 0 || row >= v->rows)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	wattrset(w, v->tui->attrs[a]);
	tui_put(v->tui, w, row + 1, 1, v->cols, buf, true);
	wattrset(w, A_NORMAL);
}

void
tui_box(struct tui *t, WINDOW *w, const char *title, bool focused)
{
	const struct tui_glyphs *g = t->g;
	int h, wd, i;
	char buf[160];

	getmaxyx(w, h, wd);
	if (h < 2 || wd < 2)
		return;
	wattrset(w, focused ? (int)A_BOLD : t->attrs[TUI_DIM]);
	mvwaddstr(w, 0, 0, g->tl);
	for (i = 1; i < wd - 1; i++)
		waddstr(w, g->h);
	waddstr(w, g->tr);
	for (i = 1; i < h - 1; i++) {
		mvwaddstr(w, i, 0, g->v);
		mvwaddstr(w, i, wd - 1, g->v);
	}
	mvwaddstr(w, h - 1, 0, g->bl);
	for (i = 1; i < wd - 1; i++)
		waddstr(w, g->h);
	/* Writing the last cell of a window moves the cursor past it and
	 * returns ERR; the cell is drawn all the same. */
	waddstr(w, g->br);
	if (title != NULL && *title != '\0' && wd > 6) {
		snprintf(buf, sizeof(buf), " %s ", title);
		wattrset(w, focused ? t->attrs[TUI_FOCUS_TITLE]
				    : t->attrs[TUI_TITLE]);
		tui_put(t, w, 0, 2, wd - 4, buf, false);
	}
	wattrset(w, A_NORMAL);
}

void
tui_scroll(int *top, int cur, int rows, int n)
{
	if (rows <= 0)
		return;
	if (cur < *top)
		*top = cur;
	if (cur >= *top + rows)
		*top = cur - rows + 1;
	if (*top > n - rows)
		*top = n - rows;
	if (*top < 0)
		*top = 0;
}
