/* debugger/stack.c - a thread's stack as the user sees it: raw frames from
 * the unwinder, each symbolized (symbol table, DWARF lines) and expanded
 * into its inlined calls, innermost first. */
#include <string.h>

#include "debugger/dwarf-int.h"

struct dbg_stack {
	struct dbg_frame *frames;
	size_t n, cap;
	struct dump_regs *regs;	/* per frame, parallel to frames */
	size_t cap_regs;
	char **strings;		/* owned names and files */
	size_t n_strings, cap_strings;
	const char *stop_reason;
	/* For values: the unwinder's frames, and for each frame its raw
	 * frame and its place in that frame's inline chain. */
	struct dbg_raw_frame *raw;
	size_t n_raw;
	struct stack_link {
		size_t raw;
		size_t depth;
	} *links;
	size_t cap_links;
	size_t cur_raw;		/* raw frame being symbolized */
	size_t cur_depth;
	size_t thread;
};

static struct dbg_objfile *
stack_find(void *arg, uint64_t pc, uint64_t *bias)
{
	struct dbg_tmodule *m = dbg_target_module_at(arg, pc);

	if (m == NULL || m->obj == NULL)
		return NULL;
	*bias = m->dm->bias;
	return m->obj;
}

/* Keep S (owned) in the stack; NULL stays NULL. */
static struct lpd_error *
stack_keep(struct dbg_stack *s, char *str, const char **ret)
{
	struct lpd_error *err;

	*ret = str;
	if (str == NULL)
		return NULL;
	err = lpd_vec_reserve((void **)&s->strings, &s->cap_strings,
			      s->n_strings + 1, sizeof(char *));
	if (err != NULL) {
		lpd_free(str);
		*ret = NULL;
		return err;
	}
	s->strings[s->n_strings++] = str;
	return NULL;
}

/* Inline frames share the registers of the raw frame they expand. */
static struct lpd_error *
stack_push(struct dbg_stack *s, const struct dbg_frame *f,
	   const struct dump_regs *regs)
{
	struct lpd_error *err;

	err = lpd_vec_reserve((void **)&s->frames, &s->cap, s->n + 1,
			      sizeof(*s->frames));
	if (err == NULL)
		err = lpd_vec_reserve((void **)&s->regs, &s->cap_regs,
				      s->n + 1, sizeof(*s->regs));
	if (err == NULL)
		err = lpd_vec_reserve((void **)&s->links, &s->cap_links,
				      s->n + 1, sizeof(*s->links));
	if (err != NULL)
		return err;
	s->links[s->n].raw = s->cur_raw;
	s->links[s->n].depth = s->cur_depth++;
	s->regs[s->n] = *regs;
	s->frames[s->n++] = *f;
	return NULL;
}

/* Demangled copy of NAME when it is mangled, else a plain copy. */
static char *
stack_name(const char *name)
{
	char *d;

	if (name == NULL)
		return NULL;
	d = dbg_demangle(name);
	return d != NULL ? d : lpd_strdup(name);
}

static struct lpd_error *
stack_symbolize(struct dbg_target *t, struct dbg_stack *s,
		const struct dbg_raw_frame *raw)
{
	/* A return address may be one past the call's function; look up the
	 * call instead. The trampoline and the frame it interrupted are not
	 * return addresses (eu-stack's "activation" frames). */
	uint64_t lookup = raw->exact_pc || raw->is_signal ? raw->pc
							  : raw->pc - 1;
	struct dbg_tmodule *m = dbg_target_module_at(t, lookup);
	struct dbg_srcloc *locs = NULL;
	struct dbg_frame f;
	struct lpd_error *err = NULL;
	const char *symname = NULL;
	uint64_t symstart = 0, link;
	size_t n_locs = 0, k;
	bool has_sym = false;

	memset(&f, 0, sizeof(f));
	f.pc = raw->pc;
	f.cfa = raw->cfa;
	f.exact_pc = raw->exact_pc;
	f.is_signal = raw->is_signal;
	if (m == NULL)
		return stack_push(s, &f, &raw->regs);
	f.module = m->dm->path;
	f.build_id = m->build_id[0] != '\0' ? m->build_id : NULL;
	if (m->obj == NULL)
		return stack_push(s, &f, &raw->regs);
	link = lookup - m->dm->bias;
	if (dbg_objfile_symtab(m->obj) != NULL)
		has_sym = dbg_symtab_lookup(m->obj->symtab, link, &symname,
					    &symstart);
	if (dbg_objfile_dwarf(m->obj) != NULL) {
		err = dbg_dwarf_lookup(m->obj->dwarf, link, &locs, &n_locs);
		if (err != NULL) {
			/* Bad DWARF in one CU costs its lines, not the frame. */
			lpd_error_destroy(dbg_target_warn(t, "%s",
							  err->message));
			lpd_error_destroy(err);
			err = NULL;
			n_locs = 0;
		}
	}
	for (k = 0; k < n_locs; k++) {
		struct dbg_frame g = f;
		bool outer = k + 1 == n_locs;
		const char *fn = locs[k].function;

		g.is_inline = !outer;
		/* DWARF names the function as its source does (__GI_raise,
		 * not the exported alias), as gdb and eu-stack -i print it;
		 * the symbol table is the fallback. */
		if (fn == NULL && outer && has_sym)
			fn = symname;
		err = stack_keep(s, stack_name(fn), &g.function);
		if (err == NULL)
			err = stack_keep(s, locs[k].file != NULL
					 ? lpd_strdup(locs[k].file) : NULL,
					 &g.file);
		if (err != NULL)
			goto out;
		g.line = locs[k].line;
		g.column = locs[k].column;
		if (outer && has_sym) {
			g.has_offset = true;
			g.offset = raw->pc - (symstart + m->dm->bias);
		}
		if (!outer) {
			g.cfa = raw->cfa;
			g.is_signal = false;
		} else {
			g.is_signal = raw->is_signal;
		}
		err = stack_push(s, &g, &raw->regs);
		if (err != NULL)
			goto out;
	}
	if (n_locs == 0) {
		if (has_sym) {
			err = stack_keep(s, stack_name(symname), &f.function);
			if (err != NULL)
				goto out;
			f.has_offset = true;
			f.offset = raw->pc - (symstart + m->dm->bias);
		}
		err = stack_push(s, &f, &raw->regs);
	}
out:
	dbg_srclocs_free(locs, n_locs);
	return err;
}

struct lpd_error *
dbg_unwind_thread(struct dbg_target *t, size_t i, size_t max_frames,
		  struct dbg_stack **ret)
{
	struct dbg_unwind_ops ops = {
		.read = dump_read_cb,
		.read_arg = t->dump,
		.find = stack_find,
		.find_arg = t,
	};
	struct dbg_raw_frame *raw = NULL;
	struct dbg_stack *s;
	struct lpd_error *err;
	size_t n_raw = 0, k;

	if (i >= dump_thread_count(t->dump))
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"no thread %zu (the core has %zu)", i,
					dump_thread_count(t->dump));
	s = lpd_calloc(1, sizeof(*s));
	if (s == NULL)
		return &lpd_enomem;
	err = dbg_unwind_regs(dump_get_arch(t->dump), &ops,
			      dump_thread_regs(t->dump, i),
			      max_frames != 0 ? max_frames : 1024, &raw,
			      &n_raw, &s->stop_reason);
	s->thread = i;
	for (k = 0; err == NULL && k < n_raw; k++) {
		s->cur_raw = k;
		s->cur_depth = 0;
		err = stack_symbolize(t, s, &raw[k]);
	}
	s->raw = raw;
	s->n_raw = n_raw;
	if (err != NULL) {
		dbg_stack_destroy(s);
		return err;
	}
	*ret = s;
	return NULL;
}

void
dbg_stack_destroy(struct dbg_stack *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_strings; i++)
		lpd_free(s->strings[i]);
	lpd_free(s->strings);
	lpd_free(s->regs);
	lpd_free(s->frames);
	lpd_free(s->links);
	lpd_free(s->raw);
	lpd_free(s);
}

size_t
dbg_stack_frame_count(const struct dbg_stack *s)
{
	return s->n;
}

const struct dbg_frame *
dbg_stack_frame(const struct dbg_stack *s, size_t i)
{
	return i < s->n ? &s->frames[i] : NULL;
}

const struct dump_regs *
dbg_stack_frame_regs(const struct dbg_stack *s, size_t i)
{
	return i < s->n ? &s->regs[i] : NULL;
}

const char *
dbg_stack_stop_reason(const struct dbg_stack *s)
{
	return s->stop_reason != NULL ? s->stop_reason : "end of stack";
}

const struct dbg_raw_frame *
dbg_stack_raw(const struct dbg_stack *s, size_t i, size_t *inline_depth)
{
	if (i >= s->n || s->links[i].raw >= s->n_raw)
		return NULL;
	*inline_depth = s->links[i].depth;
	return &s->raw[s->links[i].raw];
}

size_t
dbg_stack_thread(const struct dbg_stack *s)
{
	return s->thread;
}

static void
frame_json_uint(struct lpd_json *j, const char *key, bool known, uint64_t v)
{
	lpd_json_key(j, key);
	if (known)
		lpd_json_uint(j, v);
	else
		lpd_json_null(j);
}

void
dbg_frame_json(struct lpd_json *j, const struct dbg_frame *f)
{
	lpd_json_key(j, "pc");
	lpd_json_hex(j, f->pc);
	lpd_json_key(j, "function");
	lpd_json_string(j, f->function);
	frame_json_uint(j, "offset", f->has_offset, f->offset);
	lpd_json_key(j, "module");
	lpd_json_string(j, f->module);
	lpd_json_key(j, "build_id");
	lpd_json_string(j, f->build_id);
	lpd_json_key(j, "file");
	lpd_json_string(j, f->file);
	frame_json_uint(j, "line", f->line != 0, f->line);
	lpd_json_key(j, "inline");
	lpd_json_bool(j, f->is_inline);
	lpd_json_key(j, "signal_frame");
	lpd_json_bool(j, f->is_signal);
}
