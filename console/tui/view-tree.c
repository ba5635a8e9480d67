/* console/tui/view-tree.c - the cluster tree: cluster -> nodes -> LPARs ->
 * dumps (number, signal, time, executable). Expansion and the cursor are
 * kept by tag (tmux mode-tree), so a catalog refresh keeps them; the
 * cursor follows the selected dump when a command changes it. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "console/tui/tui.h"

enum { TREE_MAX_COLLAPSED = 256 };

struct tree_row {
	uint64_t tag;
	enum con_kind kind;
	int depth;
};

struct tree_data {
	struct tree_row *rows;
	size_t n_rows, cap_rows;
	uint64_t cursor_tag;
	uint64_t last_current;
	uint64_t collapsed[TREE_MAX_COLLAPSED];
	size_t n_collapsed;
};

static bool
tree_is_collapsed(const struct tree_data *td, uint64_t tag)
{
	size_t i;

	for (i = 0; i < td->n_collapsed; i++)
		if (td->collapsed[i] == tag)
			return true;
	return false;
}

/* Children of PARENT of KIND, depth-first, skipping collapsed subtrees.
 * Writes at most MAX rows; returns how many there are. */
static size_t
tree_walk(struct con_session *s, const struct tree_data *td,
	  uint64_t parent, enum con_kind kind, int depth,
	  struct tree_row *rows, size_t max, size_t n)
{
	size_t i;

	for (i = 0; i < s->n_items; i++) {
		struct con_item *it = &s->items[i];

		if (it->kind != kind || it->parent != parent)
			continue;
		if (n < max) {
			rows[n].tag = it->tag;
			rows[n].kind = kind;
			rows[n].depth = depth;
		}
		n++;
		if (kind != CON_DUMP && !tree_is_collapsed(td, it->tag))
			n = tree_walk(s, td, it->tag, kind + 1, depth + 1,
				      rows, max, n);
	}
	return n;
}

static struct lpd_error *
tree_init(struct view *v)
{
	v->data = lpd_calloc(1, sizeof(struct tree_data));
	return v->data != NULL ? NULL : &lpd_enomem;
}

static void
tree_free(struct view *v)
{
	struct tree_data *td = v->data;

	if (td != NULL)
		lpd_free(td->rows);
	lpd_free(td);
}

static void
tree_update(struct view *v)
{
	struct tree_data *td = v->data;
	size_t n, i;

	n = tree_walk(v->s, td, 0, CON_CLUSTER, 0, NULL, 0, 0);
	if (lpd_vec_reserve((void **)&td->rows, &td->cap_rows, n + 1,
			    sizeof(*td->rows)) != NULL)
		return;
	td->n_rows = tree_walk(v->s, td, 0, CON_CLUSTER, 0, td->rows, n, 0);
	if (v->s->current != td->last_current && v->s->current != 0)
		td->cursor_tag = v->s->current;
	td->last_current = v->s->current;
	if (td->cursor_tag == 0)
		for (i = 0; i < td->n_rows; i++)
			if (td->rows[i].kind == CON_DUMP) {
				td->cursor_tag = td->rows[i].tag;
				break;
			}
	v->cur = 0;
	for (i = 0; i < td->n_rows; i++)
		if (td->rows[i].tag == td->cursor_tag)
			v->cur = (int)i;
	tui_scroll(&v->top, v->cur, v->rows, (int)td->n_rows);
}

static void
tree_dump_text(struct view *v, const struct con_item *it, char *buf,
	       size_t len)
{
	const struct con_dump *d = it->dump;
	char sig[32], when[32] = "";
	struct tm tm;
	time_t tt = (time_t)d->time;

	if (d->time != 0 && localtime_r(&tt, &tm) != NULL)
		strftime(when, sizeof(when), "%m-%d %H:%M", &tm);
	switch (d->load) {
	case CON_LOAD_PENDING:
		snprintf(buf, len, "%u %s loading%s", it->number, d->id,
			 v->tui->g->ellipsis);
		break;
	case CON_LOAD_CANCELLED:
		snprintf(buf, len, "%u %s (not loaded)", it->number, d->id);
		break;
	case CON_LOAD_FAILED:
		snprintf(buf, len, "%u %s error: %s", it->number, d->id,
			 d->error);
		break;
	case CON_LOAD_DONE:
		snprintf(buf, len, "%u %s %s %s", it->number,
			 con_signal_name(d->signo, sig, sizeof(sig)), when,
			 d->process[0] != '\0' ? d->process
			 : con_basename(d->core));
		break;
	}
}

static void
tree_draw(struct view *v, WINDOW *w)
{
	struct tree_data *td = v->data;
	const struct tui_glyphs *g = v->tui->g;
	int r;

	for (r = 0; r < v->rows; r++) {
		size_t i = (size_t)(v->top + r);
		struct con_item *it = NULL;
		char text[512];
		enum tui_attr a = TUI_NORMAL;
		const char *lead;

		if (i < td->n_rows)
			it = con_item_find(v->s, td->rows[i].tag);
		if (it == NULL) {
			tui_row(v, w, r, TUI_NORMAL, "%s", "");
			continue;
		}
		if (it->kind == CON_DUMP) {
			tree_dump_text(v, it, text, sizeof(text));
			lead = con_session_marked(v->s, it->tag) ? g->mark
			     : it->tag == v->s->current ? g->cur : " ";
			if (it->dump->load == CON_LOAD_FAILED)
				a = TUI_ERROR;
			else if (it->tag == v->s->current)
				a = TUI_CURRENT;
		} else {
			snprintf(text, sizeof(text), "%s%s", it->name,
				 it->error != NULL ? " (unreachable)" : "");
			lead = tree_is_collapsed(td, it->tag) ? g->closed
							       : g->open;
			if (it->error != NULL)
				a = TUI_ERROR;
		}
		if ((int)i == v->cur && v->tui->focus == PANE_TREE)
			a = TUI_SELECTED;
		tui_row(v, w, r, a, "%*s%s %s", td->rows[i].depth, "", lead,
			text);
	}
}

/* WANT 1 collapse, 0 expand, -1 toggle. */
static void
tree_toggle(struct tree_data *td, uint64_t tag, int want)
{
	size_t i;

	for (i = 0; i < td->n_collapsed; i++)
		if (td->collapsed[i] == tag) {
			if (want == 1)
				return;
			td->collapsed[i] = td->collapsed[--td->n_collapsed];
			return;
		}
	if (want != 0 && td->n_collapsed < TREE_MAX_COLLAPSED)
		td->collapsed[td->n_collapsed++] = tag;
}

static void
tree_move(struct view *v, int to)
{
	struct tree_data *td = v->data;

	if (td->n_rows == 0)
		return;
	if (to < 0)
		to = 0;
	if (to >= (int)td->n_rows)
		to = (int)td->n_rows - 1;
	v->cur = to;
	td->cursor_tag = td->rows[to].tag;
	tui_scroll(&v->top, v->cur, v->rows, (int)td->n_rows);
}

static bool
tree_key(struct view *v, int key)
{
	struct tree_data *td = v->data;
	struct con_item *it;

	switch (key) {
	case 'j': case KEY_DOWN: tree_move(v, v->cur + 1); return true;
	case 'k': case KEY_UP: tree_move(v, v->cur - 1); return true;
	case KEY_NPAGE: tree_move(v, v->cur + v->rows); return true;
	case KEY_PPAGE: tree_move(v, v->cur - v->rows); return true;
	case 'g': case KEY_HOME: tree_move(v, 0); return true;
	case 'G': case KEY_END: tree_move(v, (int)td->n_rows - 1); return true;
	}
	if (v->cur >= (int)td->n_rows)
		return false;
	it = con_item_find(v->s, td->rows[v->cur].tag);
	if (it == NULL)
		return false;
	switch (key) {
	case 'h': case KEY_LEFT:
		if (it->kind != CON_DUMP && !tree_is_collapsed(td, it->tag))
			tree_toggle(td, it->tag, 1);
		else if (it->parent != 0)
			td->cursor_tag = it->parent;
		tree_update(v);
		return true;
	case 'l': case KEY_RIGHT:
		if (it->kind == CON_DUMP)
			return false;
		tree_toggle(td, it->tag, 0);
		tree_update(v);
		return true;
	case '\n': case '\r': case KEY_ENTER: case ' ':
		if (it->kind == CON_DUMP)
			return false;
		tree_toggle(td, it->tag, -1);
		tree_update(v);
		return true;
	}
	return false;
}

/* A dump's id; an LPAR stands for its first dump. */
static bool
tree_cursor(struct view *v, int delta, char *buf, size_t len)
{
	struct tree_data *td = v->data;
	struct con_item *it;
	size_t i;
	int at = v->cur + delta;

	if (at < 0 || at >= (int)td->n_rows)
		return false;
	it = con_item_find(v->s, td->rows[at].tag);
	if (it == NULL)
		return false;
	if (it->kind == CON_LPAR)
		for (i = 0; i < v->s->n_items; i++)
			if (v->s->items[i].kind == CON_DUMP &&
			    v->s->items[i].parent == it->tag) {
				it = &v->s->items[i];
				break;
			}
	if (it->kind != CON_DUMP)
		return false;
	snprintf(buf, len, "%s", it->dump->id);
	return true;
}

static void
tree_click(struct view *v, int row)
{
	tree_move(v, v->top + row);
}

static void
tree_resize(struct view *v)
{
	struct tree_data *td = v->data;

	tui_scroll(&v->top, v->cur, v->rows, (int)td->n_rows);
}

const struct view_ops view_tree_ops = {
	.name = "tree",
	.watch = CON_DIRTY_TREE,
	.init = tree_init,
	.free = tree_free,
	.resize = tree_resize,
	.update = tree_update,
	.draw = tree_draw,
	.key = tree_key,
	.cursor = tree_cursor,
	.click = tree_click,
};
