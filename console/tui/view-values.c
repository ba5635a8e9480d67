/* console/tui/view-values.c - the selected frame's arguments and locals
 * from the values engine (dbg_frame_vars, formatted as print shows
 * them), structs and arrays expandable with Enter (their members split
 * from the formatted value, so the pane shows exactly what print does);
 * below them what is known about the frame: kind, function, pc, CFA,
 * source line, module, build-id, file, thread, signal and dump. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "console/tui/tui.h"

enum { VALUES_MAX_OPEN = 64, VALUES_MAX_DEPTH = 8 };

struct values_row {
	char *path;		/* "args/m/tl": what Enter toggles; NULL: text */
	char *text;
	bool expandable;
};

struct values_data {
	struct values_row *rows;
	size_t n_rows, cap_rows;
	char *open[VALUES_MAX_OPEN];	/* expanded paths */
	size_t n_open;
};

enum { VALUES_MAX_ROWS = 16, VALUES_ROW = 320 };

static int
values_rows(struct view *v, char rows[VALUES_MAX_ROWS][VALUES_ROW])
{
	struct con_session *s = v->s;
	const struct dbg_frame *f = con_session_frame(s);
	struct con_dump *d = con_session_dump(s);
	struct con_item *it = con_item_find(s, s->current);
	struct dump *core;
	struct dump_siginfo si;
	char sig[32];
	int n = 0;

	if (f == NULL || d == NULL || it == NULL || d->target == NULL)
		return 0;
	core = dbg_target_dump(d->target);
	snprintf(rows[n++], VALUES_ROW, "frame    #%zu%s%s", s->frame,
		 f->is_inline ? " (inlined)" : "",
		 f->is_signal ? " (signal trampoline)" : "");
	snprintf(rows[n++], VALUES_ROW, "function %s",
		 f->function != NULL ? f->function : "??");
	if (f->has_offset)
		snprintf(rows[n++], VALUES_ROW, "pc       0x%" PRIx64
			 " (+0x%" PRIx64 ")%s", f->pc, f->offset,
			 f->exact_pc ? "" : " return address");
	else
		snprintf(rows[n++], VALUES_ROW, "pc       0x%" PRIx64 "%s",
			 f->pc, f->exact_pc ? "" : " (return address)");
	if (f->cfa != 0)
		snprintf(rows[n++], VALUES_ROW, "cfa      0x%" PRIx64, f->cfa);
	else
		snprintf(rows[n++], VALUES_ROW, "cfa      unknown");
	if (f->file != NULL && f->line != 0)
		snprintf(rows[n++], VALUES_ROW, "line     %s:%u",
			 con_basename(f->file), f->line);
	snprintf(rows[n++], VALUES_ROW, "module   %s", f->module != NULL
		 ? con_basename(f->module) : "?? (no module maps the pc)");
	snprintf(rows[n++], VALUES_ROW, "build-id %s",
		 f->build_id != NULL ? f->build_id : "none");
	if (f->file != NULL)
		snprintf(rows[n++], VALUES_ROW, "file     %s", f->file);
	snprintf(rows[n++], VALUES_ROW, "thread   %zu (tid %d)%s",
		 s->thread + 1, dump_thread_tid(core, s->thread),
		 s->thread == d->crashed ? " crashed" : "");
	if (dump_fault_signal(core, &si)) {
		con_signal_name(si.signo, sig, sizeof(sig));
		if (si.has_addr)
			snprintf(rows[n++], VALUES_ROW, "signal   %s at 0x%"
				 PRIx64, sig, si.addr);
		else
			snprintf(rows[n++], VALUES_ROW, "signal   %s", sig);
	}
	snprintf(rows[n++], VALUES_ROW, "dump     %u %s (%s)", it->number,
		 d->id, d->process[0] != '\0' ? d->process : "?");
	snprintf(rows[n++], VALUES_ROW, "core     %s", d->core);
	return n;
}


static bool
values_is_open(const struct values_data *vd, const char *path)
{
	size_t i;

	for (i = 0; i < vd->n_open; i++)
		if (strcmp(vd->open[i], path) == 0)
			return true;
	return false;
}

static void
values_clear(struct values_data *vd)
{
	size_t i;

	for (i = 0; i < vd->n_rows; i++) {
		lpd_free(vd->rows[i].path);
		lpd_free(vd->rows[i].text);
	}
	vd->n_rows = 0;
}

static void
values_add(struct values_data *vd, const char *path, bool expandable,
	   const char *text)
{
	struct values_row *r;

	if (lpd_vec_reserve((void **)&vd->rows, &vd->cap_rows, vd->n_rows + 1,
			    sizeof(*vd->rows)) != NULL)
		return;
	r = &vd->rows[vd->n_rows];
	r->path = path != NULL ? lpd_strdup(path) : NULL;
	r->text = lpd_strdup(text);
	r->expandable = expandable;
	if (r->text == NULL || (path != NULL && r->path == NULL)) {
		lpd_free(r->path);
		lpd_free(r->text);
		return;
	}
	vd->n_rows++;
}

/* The end of the top-level element of a formatted value starting at P:
 * the ", " outside braces, strings and character literals, or the end. */
static const char *
values_elem_end(const char *p, const char *end)
{
	int depth = 0;
	char q = 0;

	for (; p < end; p++) {
		if (q != 0) {
			if (*p == '\\' && p + 1 < end)
				p++;
			else if (*p == q)
				q = 0;
		} else if (*p == '"' || *p == '\'') {
			q = *p;
		} else if (*p == '{') {
			depth++;
		} else if (*p == '}') {
			depth--;
		} else if (*p == ',' && depth == 0) {
			return p;
		}
	}
	return end;
}

/* "name = value" at top level of [P, END): the length of name, or 0. */
static size_t
values_elem_name(const char *p, const char *end)
{
	const char *eq;

	for (eq = p; eq + 2 < end; eq++) {
		if (*eq == '{' || *eq == '"' || *eq == '\'')
			return 0;
		if (eq[0] == ' ' && eq[1] == '=' && eq[2] == ' ')
			return (size_t)(eq - p);
	}
	return 0;
}

static void
values_emit(struct values_data *vd, const char *path, const char *label,
	    const char *text, int depth)
{
	bool exp = text[0] == '{' && strcmp(text, "{}") != 0 &&
		   depth < VALUES_MAX_DEPTH;
	bool open = exp && values_is_open(vd, path);
	struct lpd_buf b = LPD_BUF_INIT;
	const char *p, *end, *e;
	size_t k = 0;

	if (lpd_buf_printf(&b, "%*s%s %s = %s", depth * 2, "",
			   !exp ? " " : open ? "-" : "+", label,
			   open ? "{" : text) != NULL)
		return;
	values_add(vd, path, exp, b.data);
	lpd_buf_deinit(&b);
	if (!open)
		return;
	p = text + 1;
	end = text + strlen(text);
	if (end > p && end[-1] == '}')
		end--;
	while (p < end) {
		char *sub, *val, *cpath, name[64];
		size_t nl;

		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			break;
		e = values_elem_end(p, end);
		nl = values_elem_name(p, e);
		if (nl > 0 && nl < sizeof(name))
			snprintf(name, sizeof(name), "%.*s", (int)nl, p);
		else
			snprintf(name, sizeof(name), "[%zu]", k);
		val = lpd_strndup(nl > 0 && nl < sizeof(name) ? p + nl + 3 : p,
				  (size_t)(e - (nl > 0 && nl < sizeof(name)
						? p + nl + 3 : p)));
		cpath = lpd_asprintf("%s/%s", path, name);
		sub = val;
		if (val != NULL && cpath != NULL)
			values_emit(vd, cpath, name, sub, depth + 1);
		lpd_free(val);
		lpd_free(cpath);
		k++;
		p = e < end ? e + 1 : end;
	}
	if (lpd_buf_printf(&b, "%*s  }", depth * 2, "") == NULL)
		values_add(vd, NULL, false, b.data);
	lpd_buf_deinit(&b);
}

static void
values_vars(struct values_data *vd, struct con_session *s, unsigned which)
{
	struct con_dump *d = con_session_dump(s);
	const char *what = which == DBG_VARS_ARGS ? "args" : "locals";
	struct lpd_buf b = LPD_BUF_INIT;
	struct dbg_var *vars = NULL;
	struct lpd_error *err;
	size_t n = 0, i;
	char *path;

	err = dbg_frame_vars(d->target, s->stack, s->frame, which, &vars,
			     &n);
	if (err != NULL) {
		lpd_buf_printf(&b, "%s: %s", what, err->message);
		values_add(vd, NULL, false, b.data != NULL ? b.data : what);
		lpd_error_destroy(err);
		lpd_buf_deinit(&b);
		return;
	}
	values_add(vd, NULL, false, n == 0 ? (which == DBG_VARS_ARGS
			? "No arguments." : "No locals.") : what);
	for (i = 0; i < n; i++) {
		struct dbg_format f = { .top = false };

		lpd_buf_reset(&b);
		err = dbg_value_format(vars[i].value, &f, &b);
		if (err != NULL) {
			lpd_buf_reset(&b);
			lpd_buf_printf(&b, "<error: %s>", err->message);
			lpd_error_destroy(err);
		}
		path = lpd_asprintf("%s/%s", what, vars[i].name);
		if (path != NULL)
			values_emit(vd, path, vars[i].name,
				    b.data != NULL ? b.data : "", 0);
		lpd_free(path);
	}
	dbg_vars_free(vars, n);
	lpd_buf_deinit(&b);
}

/* A remote dump: its agent's args and locals of the frame, formatted
 * there as print shows them, then what the frame itself says. */
static void
values_remote(struct values_data *vd, struct con_session *s, int cols)
{
	const struct con_rframe *rf = s->rframe;
	const struct dbg_frame *f = con_session_frame(s);
	struct con_dump *d = con_session_dump(s);
	struct lpd_buf b = LPD_BUF_INIT;
	const char *p;
	unsigned k;
	size_t i, n;

	if (f == NULL || d == NULL)
		return;
	if (rf == NULL || rf->frame != s->frame || rf->error != NULL) {
		lpd_buf_printf(&b, "values: %s", rf != NULL &&
			       rf->frame == s->frame && rf->error != NULL
			       ? rf->error : "not read from the node");
		/* Wrapped to the pane: why there are no values is read
		 * whole ("the agent on NODE is too old ..."). */
		for (p = b.data != NULL ? b.data : ""; *p != '\0';) {
			size_t m = tui_wrap(p, cols);
			char *line = lpd_strndup(p, m);

			if (line != NULL)
				values_add(vd, NULL, false, line);
			lpd_free(line);
			p += m;
			while (*p == ' ')
				p++;
		}
	} else {
		for (k = 0; k < 2; k++) {
			const char *what = k == 0 ? "args" : "locals";

			for (i = n = 0; i < rf->n_vars; i++)
				n += rf->vars[i].is_arg == (k == 0);
			values_add(vd, NULL, false, n > 0 ? what : k == 0
				   ? "No arguments." : "No locals.");
			for (i = 0; i < rf->n_vars; i++) {
				char *path;

				if (rf->vars[i].is_arg != (k == 0))
					continue;
				path = lpd_asprintf("%s/%s", what,
						    rf->vars[i].name);
				if (path != NULL)
					values_emit(vd, path, rf->vars[i].name,
						    rf->vars[i].text, 0);
				lpd_free(path);
			}
		}
	}
	values_add(vd, NULL, false, "");
	lpd_buf_reset(&b);
	lpd_buf_printf(&b, "frame    #%zu%s  %s", s->frame,
		       f->is_inline ? " (inlined)" : "",
		       f->function != NULL ? f->function : "??");
	values_add(vd, NULL, false, b.data != NULL ? b.data : "");
	lpd_buf_reset(&b);
	lpd_buf_printf(&b, "pc       0x%" PRIx64, f->pc);
	values_add(vd, NULL, false, b.data != NULL ? b.data : "");
	if (f->file != NULL && f->line != 0) {
		lpd_buf_reset(&b);
		lpd_buf_printf(&b, "line     %s:%u", con_basename(f->file),
			       f->line);
		values_add(vd, NULL, false, b.data != NULL ? b.data : "");
	}
	lpd_buf_reset(&b);
	lpd_buf_printf(&b, "dump     %s on node %s", d->id, d->remote_node);
	values_add(vd, NULL, false, b.data != NULL ? b.data : "");
	lpd_buf_deinit(&b);
}

static void
values_update(struct view *v)
{
	struct values_data *vd = v->data;
	char rows[VALUES_MAX_ROWS][VALUES_ROW];
	struct con_dump *d = con_session_dump(v->s);
	int n, i;

	values_clear(vd);
	if (d != NULL && d->remote != NULL) {
		values_remote(vd, v->s, v->cols);
	} else if (con_session_frame(v->s) != NULL && v->s->stack != NULL) {
		values_vars(vd, v->s, DBG_VARS_ARGS);
		values_vars(vd, v->s, DBG_VARS_LOCALS);
		values_add(vd, NULL, false, "");
	}
	n = values_rows(v, rows);
	for (i = 0; i < n; i++)
		values_add(vd, NULL, false, rows[i]);
	if (v->cur >= (int)vd->n_rows)
		v->cur = vd->n_rows > 0 ? (int)vd->n_rows - 1 : 0;
	if (v->cur < 0)
		v->cur = 0;
}

static struct lpd_error *
values_init(struct view *v)
{
	v->data = lpd_calloc(1, sizeof(struct values_data));
	return v->data != NULL ? NULL : &lpd_enomem;
}

static void
values_free(struct view *v)
{
	struct values_data *vd = v->data;
	size_t i;

	if (vd == NULL)
		return;
	values_clear(vd);
	lpd_free(vd->rows);
	for (i = 0; i < vd->n_open; i++)
		lpd_free(vd->open[i]);
	lpd_free(vd);
}

static void
values_draw(struct view *v, WINDOW *w)
{
	struct values_data *vd = v->data;
	int n = (int)vd->n_rows, r;
	bool focus = v->tui->focus == v->pane;

	tui_scroll(&v->top, v->cur, v->rows, n);
	for (r = 0; r < v->rows; r++) {
		int i = v->top + r;

		if (n == 0 && r == 0)
			tui_row(v, w, r, TUI_DIM, "%s", "no frame selected");
		else
			tui_row(v, w, r, focus && i == v->cur
				? TUI_SELECTED : TUI_NORMAL, "%s",
				i < n ? vd->rows[i].text : "");
	}
}

/* Enter on a struct or array row opens or closes it. */
static void
values_toggle(struct view *v)
{
	struct values_data *vd = v->data;
	const struct values_row *row;
	size_t i;

	if (v->cur < 0 || (size_t)v->cur >= vd->n_rows)
		return;
	row = &vd->rows[v->cur];
	if (!row->expandable || row->path == NULL)
		return;
	for (i = 0; i < vd->n_open; i++)
		if (strcmp(vd->open[i], row->path) == 0) {
			lpd_free(vd->open[i]);
			vd->open[i] = vd->open[--vd->n_open];
			values_update(v);
			return;
		}
	if (vd->n_open == VALUES_MAX_OPEN) {
		lpd_free(vd->open[0]);
		memmove(vd->open, vd->open + 1,
			(VALUES_MAX_OPEN - 1) * sizeof(vd->open[0]));
		vd->n_open--;
	}
	vd->open[vd->n_open] = lpd_strdup(row->path);
	if (vd->open[vd->n_open] != NULL)
		vd->n_open++;
	values_update(v);
}

static bool
values_key(struct view *v, int key)
{
	struct values_data *vd = v->data;

	switch (key) {
	case 'j': case KEY_DOWN:
		if (v->cur + 1 < (int)vd->n_rows)
			v->cur++;
		return true;
	case 'k': case KEY_UP:
		if (v->cur > 0)
			v->cur--;
		return true;
	case 'g': case KEY_HOME: v->cur = 0; return true;
	case '\n': case '\r': case KEY_ENTER:
		values_toggle(v);
		return true;
	}
	return false;
}

static void
values_click(struct view *v, int row)
{
	v->cur = v->top + row;
}

const struct view_ops view_values_ops = {
	.name = "values",
	.watch = CON_DIRTY_TARGET,
	.init = values_init,
	.free = values_free,
	.update = values_update,
	.draw = values_draw,
	.key = values_key,
	.click = values_click,
};
