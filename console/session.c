/* console/session.c - the console's model: catalog transaction, stepwise
 * loading, selection, marks and comparison, status and output. Commands
 * call these; views only read the struct. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console/session.h"
#include "reasoning/reasoning.h"

enum { CON_OUTPUT_MAX_LINES = 2000 };

struct lpd_error *
con_session_create(struct con_session **ret)
{
	struct con_session *s = lpd_calloc(1, sizeof(*s));
	struct lpd_error *err;

	if (s == NULL)
		return &lpd_enomem;
	err = dbg_cache_create(&s->cache);
	if (err != NULL) {
		lpd_free(s);
		return err;
	}
	s->next_number = 1;
	s->dirty = CON_DIRTY_ALL;
	*ret = s;
	return NULL;
}

static void
con_compare_destroy(struct con_compare *c)
{
	size_t i;

	if (c == NULL)
		return;
	align_result_destroy(c->align);
	for (i = 0; i < c->n_evidence; i++)
		lpd_free(c->evidence[i]);
	lpd_free(c->evidence);
	for (i = 0; i < c->n_reasons; i++)
		lpd_free(c->reasons[i]);
	lpd_free(c->reasons);
	lpd_free(c);
}

static void
con_dump_clear_frames(struct con_dump *d)
{
	size_t i;

	for (i = 0; i < d->n_rstrings; i++)
		lpd_free(d->rstrings[i]);
	lpd_free(d->rstrings);
	lpd_free(d->rframes);
	d->rstrings = NULL;
	d->rframes = NULL;
	d->n_rstrings = d->n_rframes = 0;
}

/* A copy of STR kept in D's string list; NULL stays NULL. */
static struct lpd_error *
con_dump_keep(struct con_dump *d, const char **str)
{
	char *copy;

	if (*str == NULL)
		return NULL;
	copy = lpd_strdup(*str);
	if (copy == NULL)
		return &lpd_enomem;
	d->rstrings[d->n_rstrings++] = copy;
	*str = copy;
	return NULL;
}

struct lpd_error *
con_dump_set_frames(struct con_dump *d, const struct dbg_frame *frames,
		    size_t n)
{
	struct lpd_error *err = NULL;
	size_t i;

	con_dump_clear_frames(d);
	if (n == 0)
		return NULL;
	d->rframes = lpd_calloc(n, sizeof(*d->rframes));
	d->rstrings = lpd_calloc(n * 4, sizeof(*d->rstrings));
	if (d->rframes == NULL || d->rstrings == NULL) {
		con_dump_clear_frames(d);
		return &lpd_enomem;
	}
	for (i = 0; i < n && err == NULL; i++) {
		struct dbg_frame *f = &d->rframes[i];

		*f = frames[i];
		if ((err = con_dump_keep(d, &f->function)) != NULL ||
		    (err = con_dump_keep(d, &f->module)) != NULL ||
		    (err = con_dump_keep(d, &f->build_id)) != NULL)
			break;
		err = con_dump_keep(d, &f->file);
	}
	if (err != NULL) {
		con_dump_clear_frames(d);
		return err;
	}
	d->n_rframes = n;
	return NULL;
}

void
con_rframe_destroy(struct con_rframe *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n_regs; i++)
		lpd_free(f->regs[i].name);
	for (i = 0; i < f->n_vars; i++) {
		lpd_free(f->vars[i].name);
		lpd_free(f->vars[i].text);
	}
	lpd_free(f->regs);
	lpd_free(f->vars);
	lpd_free(f->error);
	lpd_free(f);
}

static void
con_dump_destroy(struct con_dump *d)
{
	if (d == NULL)
		return;
	dbg_stack_destroy(d->crash_stack);
	dbg_target_destroy(d->target);
	lpd_free(d->id);
	lpd_free(d->core);
	lpd_free(d->exe);
	lpd_free(d->error);
	lpd_free(d->hash);
	repo_checkout_deinit(&d->checkout);
	con_dump_clear_frames(d);
	lpd_free(d);
}

static void
con_source_deinit(struct con_source *src)
{
	lpd_free(src->path);
	lpd_free(src->data);
	lpd_free(src->lines);
	lpd_free(src->error);
	memset(src, 0, sizeof(*src));
}

void
con_session_destroy(struct con_session *s)
{
	size_t i;

	if (s == NULL)
		return;
	dbg_stack_destroy(s->stack);
	con_rframe_destroy(s->rframe);
	for (i = 0; i < s->n_items; i++) {
		con_dump_destroy(s->items[i].dump);
		lpd_free(s->items[i].name);
		lpd_free(s->items[i].error);
	}
	lpd_free(s->items);
	con_compare_destroy(s->compare);
	con_source_deinit(&s->source);
	lpd_buf_deinit(&s->output);
	lpd_free(s->cluster);
	dbg_cache_destroy(s->cache);
	lpd_free(s);
}

/* ---- catalog ------------------------------------------------------------ */

static uint64_t
con_fnv(uint64_t h, const char *str)
{
	const unsigned char *p = (const unsigned char *)(str ? str : "");

	for (; *p != '\0'; p++) {
		h ^= *p;
		h *= UINT64_C(0x100000001b3);
	}
	h ^= 0xff;	/* separator: ("ab","c") != ("a","bc") */
	h *= UINT64_C(0x100000001b3);
	return h;
}

uint64_t
con_tag(enum con_kind kind, const char *a, const char *b, const char *c)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	h ^= (uint64_t)kind + 1;
	h *= UINT64_C(0x100000001b3);
	h = con_fnv(h, a);
	h = con_fnv(h, b);
	h = con_fnv(h, c);
	return h != 0 ? h : 1;	/* 0 means "none" */
}

struct con_item *
con_item_find(struct con_session *s, uint64_t tag)
{
	size_t i;

	for (i = 0; tag != 0 && i < s->n_items; i++)
		if (s->items[i].tag == tag)
			return &s->items[i];
	return NULL;
}

void
con_catalog_begin(struct con_session *s)
{
	size_t i;

	for (i = 0; i < s->n_items; i++)
		s->items[i].reported = false;
	s->reporting = true;
}

/* Find or add the item TAG; refreshes its name and marks it reported. */
static struct lpd_error *
con_catalog_item(struct con_session *s, uint64_t tag, uint64_t parent,
		 enum con_kind kind, const char *name, struct con_item **ret)
{
	struct con_item *it = con_item_find(s, tag);
	struct lpd_error *err;
	char *copy;

	if (it == NULL) {
		err = lpd_vec_reserve((void **)&s->items, &s->cap_items,
				      s->n_items + 1, sizeof(*s->items));
		if (err != NULL)
			return err;
		copy = lpd_strdup(name);
		if (copy == NULL)
			return &lpd_enomem;
		it = &s->items[s->n_items++];
		memset(it, 0, sizeof(*it));
		it->tag = tag;
		it->parent = parent;
		it->kind = kind;
		it->name = copy;
		s->dirty |= CON_DIRTY_TREE;
	}
	it->reported = true;
	*ret = it;
	return NULL;
}

struct lpd_error *
con_catalog_report(struct con_session *s, const struct con_report *r)
{
	const char *cluster = r->cluster != NULL ? r->cluster : "local";
	uint64_t tc, tn, tl, td;
	struct con_item *it;
	struct con_dump *d;
	struct lpd_error *err;
	struct stat st;

	if (r->node == NULL || r->lpar == NULL || r->id == NULL ||
	    r->core == NULL)
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"catalog report lacks a node, LPAR, "
					"id or core");
	if (s->cluster != NULL && strcmp(s->cluster, cluster) != 0)
		return NULL;
	tc = con_tag(CON_CLUSTER, cluster, NULL, NULL);
	tn = con_tag(CON_NODE, cluster, r->node, NULL);
	tl = con_tag(CON_LPAR, cluster, r->node, r->lpar);
	/* By node too: two nodes may hold the same dump (the same hash). */
	td = con_tag(CON_DUMP, cluster, r->node, r->id);
	if ((err = con_catalog_item(s, tc, 0, CON_CLUSTER, cluster, &it)) ||
	    (err = con_catalog_item(s, tn, tc, CON_NODE, r->node, &it)) ||
	    (err = con_catalog_item(s, tl, tn, CON_LPAR, r->lpar, &it)) ||
	    (err = con_catalog_item(s, td, tl, CON_DUMP, r->id, &it)))
		return err;
	if (it->dump != NULL)
		return NULL;	/* known: keep its load */
	d = lpd_calloc(1, sizeof(*d));
	if (d == NULL)
		return &lpd_enomem;
	d->id = lpd_strdup(r->id);
	d->core = lpd_strdup(r->core);
	d->exe = r->exe != NULL ? lpd_strdup(r->exe) : NULL;
	d->hash = r->hash != NULL ? lpd_strdup(r->hash) : NULL;
	if (d->id == NULL || d->core == NULL ||
	    (r->exe != NULL && d->exe == NULL) ||
	    (r->hash != NULL && d->hash == NULL)) {
		con_dump_destroy(d);
		return &lpd_enomem;
	}
	d->repo = r->repo;
	d->remote = r->remote;
	d->remote_arg = r->remote_arg;
	d->remote_node = r->remote_node;
	d->time = r->time;
	if (d->time == 0 && r->hash == NULL && r->remote == NULL &&
	    stat(r->core, &st) == 0)
		d->time = (int64_t)st.st_mtime;
	it->dump = d;
	it->number = s->next_number++;
	s->load_total++;
	return NULL;
}

struct lpd_error *
con_catalog_report_node(struct con_session *s, const char *cluster,
			const char *node, const char *error)
{
	uint64_t tc, tn;
	struct con_item *it;
	struct lpd_error *err;
	char *copy = NULL;

	if (cluster == NULL)
		cluster = "local";
	if (s->cluster != NULL && strcmp(s->cluster, cluster) != 0)
		return NULL;
	tc = con_tag(CON_CLUSTER, cluster, NULL, NULL);
	tn = con_tag(CON_NODE, cluster, node, NULL);
	if ((err = con_catalog_item(s, tc, 0, CON_CLUSTER, cluster, &it)) ||
	    (err = con_catalog_item(s, tn, tc, CON_NODE, node, &it)))
		return err;
	if (error != NULL && (copy = lpd_strdup(error)) == NULL)
		return &lpd_enomem;
	lpd_free(it->error);
	it->error = copy;
	s->dirty |= CON_DIRTY_TREE;
	return NULL;
}

static void
con_forget(struct con_session *s, uint64_t tag)
{
	size_t i, k = 0;

	if (s->current == tag) {
		s->current = 0;
		dbg_stack_destroy(s->stack);
		s->stack = NULL;
		con_rframe_destroy(s->rframe);
		s->rframe = NULL;
		s->dirty |= CON_DIRTY_TARGET;
	}
	for (i = 0; i < s->n_marks; i++)
		if (s->marks[i] != tag)
			s->marks[k++] = s->marks[i];
	s->n_marks = k;
	if (s->compare != NULL &&
	    (s->compare->a == tag || s->compare->b == tag)) {
		con_compare_destroy(s->compare);
		s->compare = NULL;
		s->show_compare = false;
		s->dirty |= CON_DIRTY_COMPARE;
	}
}

void
con_catalog_end(struct con_session *s)
{
	size_t i, k = 0;

	for (i = 0; i < s->n_items; i++) {
		struct con_item *it = &s->items[i];

		if (it->reported) {
			s->items[k++] = *it;
			continue;
		}
		con_forget(s, it->tag);
		if (it->dump != NULL) {
			if (it->dump->load == CON_LOAD_PENDING)
				s->load_total--;
			else if (s->load_done > 0) {
				s->load_total--;
				s->load_done--;
			}
		}
		con_dump_destroy(it->dump);
		lpd_free(it->name);
		lpd_free(it->error);
		s->dirty |= CON_DIRTY_TREE;
	}
	s->n_items = k;
	s->reporting = false;
}

/* Visit dumps in tree order; stop at the I-th. */
static struct con_item *
con_walk(struct con_session *s, size_t want, size_t *count)
{
	size_t c, n, l, d, seen = 0;

	for (c = 0; c < s->n_items; c++) {
		struct con_item *ic = &s->items[c];

		if (ic->kind != CON_CLUSTER)
			continue;
		for (n = 0; n < s->n_items; n++) {
			struct con_item *in = &s->items[n];

			if (in->kind != CON_NODE || in->parent != ic->tag)
				continue;
			for (l = 0; l < s->n_items; l++) {
				struct con_item *il = &s->items[l];

				if (il->kind != CON_LPAR ||
				    il->parent != in->tag)
					continue;
				for (d = 0; d < s->n_items; d++) {
					struct con_item *id = &s->items[d];

					if (id->kind != CON_DUMP ||
					    id->parent != il->tag)
						continue;
					if (seen++ == want)
						return id;
				}
			}
		}
	}
	if (count != NULL)
		*count = seen;
	return NULL;
}

struct con_item *
con_dump_at(struct con_session *s, size_t i)
{
	return con_walk(s, i, NULL);
}

size_t
con_dump_count(const struct con_session *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->n_items; i++)
		n += s->items[i].kind == CON_DUMP;
	return n;
}

struct lpd_error *
con_dump_lookup(struct con_session *s, const char *spec,
		struct con_item **ret)
{
	char *end;
	unsigned long num;
	size_t i;

	if (spec == NULL || *spec == '\0')
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"no dump given");
	for (i = 0; i < s->n_items; i++) {
		struct con_item *it = &s->items[i];

		if (it->kind == CON_DUMP && strcmp(it->dump->id, spec) == 0) {
			*ret = it;
			return NULL;
		}
	}
	errno = 0;
	num = strtoul(spec, &end, 10);
	if (errno == 0 && *end == '\0' && spec[0] >= '0' && spec[0] <= '9')
		for (i = 0; i < s->n_items; i++)
			if (s->items[i].kind == CON_DUMP &&
			    s->items[i].number == num) {
				*ret = &s->items[i];
				return NULL;
			}
	return lpd_error_format(LPD_ERR_NOT_FOUND,
				"no dump '%s' (try 'target list')", spec);
}

/* ---- loading ------------------------------------------------------------ */

static struct lpd_error *
con_dump_load(struct con_session *s, struct con_dump *d)
{
	struct dbg_options opts = {
		.exe = d->exe,
		.sysroot = s->sysroot,
		.cache = s->cache,
	};
	const struct dump_process *p;
	struct dump_siginfo si;
	struct lpd_error *err;
	struct dump *core;
	const char *dirs[1];
	struct repo *repo = d->repo != NULL ? d->repo : s->repo;

	/* Its core stays on its node: the agent there unwinds it. */
	if (d->remote != NULL)
		return d->remote->load(d->remote_arg, d);
	/* A repository dump is checked out when first loaded, so opening
	 * the console does not decompress every core of the cluster. */
	if (d->hash != NULL && d->checkout.core == NULL) {
		if (repo == NULL)
			return lpd_error_format(LPD_ERR_INVALID_ARG, "dump %s: "
						"no repository open", d->id);
		err = repo_checkout_dump(repo, d->hash, &d->checkout);
		if (err != NULL)
			return err;
	}
	if (d->checkout.core != NULL) {
		if (s->sysroot == NULL)
			opts.sysroot = d->checkout.sysroot;
		dirs[0] = d->checkout.debug_dir;
		opts.debug_dirs = dirs;
		opts.n_debug_dirs = 1;
	}
	err = dbg_target_load(d->checkout.core != NULL ? d->checkout.core
			      : d->core, &opts, &d->target);
	if (err != NULL)
		return err;
	core = dbg_target_dump(d->target);
	p = dump_get_process(core);
	if (p != NULL) {
		d->pid = p->pid;
		snprintf(d->process, sizeof(d->process), "%s", p->fname);
	}
	d->crashed = dump_crashed_thread(core);
	if (dump_fault_signal(core, &si))
		d->signo = si.signo;
	if (dump_thread_count(core) == 0)
		return NULL;
	return dbg_unwind_thread(d->target, d->crashed, 0, &d->crash_stack);
}

static void
con_load_item(struct con_session *s, struct con_item *it)
{
	struct con_dump *d = it->dump;
	struct lpd_error *err = con_dump_load(s, d);

	if (err != NULL) {
		dbg_stack_destroy(d->crash_stack);
		d->crash_stack = NULL;
		dbg_target_destroy(d->target);
		d->target = NULL;
		lpd_free(d->error);
		d->error = lpd_strdup(err->message);
		d->load = CON_LOAD_FAILED;
		lpd_error_destroy(err);
	} else {
		d->load = CON_LOAD_DONE;
	}
	s->load_done++;
	s->dirty |= CON_DIRTY_TREE | CON_DIRTY_STATUS;
}

bool
con_session_load_step(struct con_session *s)
{
	size_t i, n = con_dump_count(s), left = 0;
	struct con_item *next = NULL;

	for (i = 0; i < n; i++) {
		struct con_item *it = con_dump_at(s, i);

		if (it->dump->load == CON_LOAD_PENDING) {
			if (next == NULL)
				next = it;
			left++;
		}
	}
	if (next == NULL)
		return false;
	if (s->cancel != NULL && *s->cancel) {
		*s->cancel = 0;
		for (i = 0; i < n; i++) {
			struct con_item *it = con_dump_at(s, i);

			if (it->dump->load == CON_LOAD_PENDING) {
				it->dump->load = CON_LOAD_CANCELLED;
				s->load_done++;
			}
		}
		con_status(s, true, "loading cancelled: %zu dump%s not "
			   "loaded (selecting one loads it)", left,
			   left == 1 ? "" : "s");
		s->dirty |= CON_DIRTY_TREE;
		return false;
	}
	con_load_item(s, next);
	return left > 1;
}

struct lpd_error *
con_dump_ensure(struct con_session *s, struct con_item *it)
{
	struct con_dump *d = it->dump;

	if (d->load == CON_LOAD_PENDING || d->load == CON_LOAD_CANCELLED) {
		if (d->load == CON_LOAD_CANCELLED && s->load_done > 0)
			s->load_done--;
		con_load_item(s, it);
	}
	if (d->load == CON_LOAD_FAILED)
		return lpd_error_format(LPD_ERR_BAD_INPUT, "dump %s: %s",
					d->id, d->error);
	return NULL;
}

/* ---- selection ---------------------------------------------------------- */

struct con_dump *
con_session_dump(struct con_session *s)
{
	struct con_item *it = con_item_find(s, s->current);

	return it != NULL ? it->dump : NULL;
}

struct lpd_error *
con_session_need_target(struct con_session *s)
{
	struct con_dump *d = con_session_dump(s);

	if (d == NULL || d->target == NULL)
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"no dump selected (Enter on a dump, "
					"or 'target select N')");
	return NULL;
}

/* A remote dump's selected frame, asked of its agent. What it cannot
 * tell becomes the panes' message, not a failed selection: the frames
 * are there already. */
static void
con_session_remote_frame(struct con_session *s)
{
	struct con_dump *d = con_session_dump(s);
	struct lpd_error *err;
	struct con_rframe *f = NULL;

	con_rframe_destroy(s->rframe);
	s->rframe = NULL;
	if (d == NULL || d->remote == NULL || d->remote->frame == NULL ||
	    s->frame >= d->n_rframes)
		return;
	err = d->remote->frame(d->remote_arg, d, s->frame, &f);
	if (err != NULL) {
		f = lpd_calloc(1, sizeof(*f));
		if (f != NULL) {
			f->frame = s->frame;
			f->error = lpd_strdup(err->message);
		}
		lpd_error_destroy(err);
	}
	s->rframe = f;
}

struct lpd_error *
con_session_select(struct con_session *s, uint64_t tag)
{
	struct con_item *it = con_item_find(s, tag);
	struct dbg_stack *st = NULL;
	struct lpd_error *err;

	if (it == NULL || it->kind != CON_DUMP)
		return lpd_error_format(LPD_ERR_NOT_FOUND, "not a dump");
	/* A remote dump is asked again on each select: its frames are
	 * fresh, and a node lost since shows here, not later. */
	if (it->dump->remote != NULL && (it->dump->load == CON_LOAD_DONE ||
					 it->dump->load == CON_LOAD_FAILED)) {
		it->dump->load = CON_LOAD_PENDING;
		if (s->load_done > 0)
			s->load_done--;
	}
	err = con_dump_ensure(s, it);
	if (err != NULL)
		return err;
	if (it->dump->target != NULL && dump_thread_count(dbg_target_dump(it->dump->target)) > 0) {
		err = dbg_unwind_thread(it->dump->target, it->dump->crashed, 0,
					&st);
		if (err != NULL)
			return err;
	}
	dbg_stack_destroy(s->stack);
	s->stack = st;
	s->current = tag;
	s->thread = it->dump->crashed;
	s->frame = 0;
	s->show_compare = false;
	con_session_remote_frame(s);
	s->dirty |= CON_DIRTY_TARGET | CON_DIRTY_TREE | CON_DIRTY_COMPARE |
		    CON_DIRTY_STATUS;
	return NULL;
}

struct lpd_error *
con_session_set_thread(struct con_session *s, size_t i)
{
	struct con_dump *d = con_session_dump(s);
	struct lpd_error *err = con_session_need_target(s);
	struct dbg_stack *st;
	size_t n;

	if (err != NULL)
		return err;
	n = dump_thread_count(dbg_target_dump(d->target));
	if (i >= n)
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"no thread %zu (the dump has %zu)",
					i + 1, n);
	err = dbg_unwind_thread(d->target, i, 0, &st);
	if (err != NULL)
		return err;
	dbg_stack_destroy(s->stack);
	s->stack = st;
	s->thread = i;
	s->frame = 0;
	s->dirty |= CON_DIRTY_TARGET;
	return NULL;
}

struct lpd_error *
con_session_set_frame(struct con_session *s, size_t n)
{
	struct con_dump *d = con_session_dump(s);
	struct lpd_error *err = d != NULL && d->remote != NULL ? NULL
			      : con_session_need_target(s);
	size_t count;

	if (err != NULL)
		return err;
	count = con_session_frame_count(s);
	if (n >= count)
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"no frame %zu (the stack has %zu)", n,
					count);
	s->frame = n;
	con_session_remote_frame(s);
	s->dirty |= CON_DIRTY_TARGET;
	return NULL;
}

size_t
con_session_frame_count(struct con_session *s)
{
	struct con_dump *d = con_session_dump(s);

	if (d == NULL)
		return 0;
	if (d->remote != NULL)
		return d->n_rframes;
	return s->stack != NULL ? dbg_stack_frame_count(s->stack) : 0;
}

const struct dbg_frame *
con_session_frame_at(struct con_session *s, size_t i)
{
	struct con_dump *d = con_session_dump(s);

	if (d == NULL || i >= con_session_frame_count(s))
		return NULL;
	if (d->remote != NULL)
		return &d->rframes[i];
	return dbg_stack_frame(s->stack, i);
}

const struct dbg_frame *
con_session_frame(struct con_session *s)
{
	return con_session_frame_at(s, s->frame);
}

const struct dump_regs *
con_session_regs(struct con_session *s)
{
	if (s->stack == NULL || con_session_dump(s) == NULL)
		return NULL;
	return dbg_stack_frame_regs(s->stack, s->frame);
}

bool
con_session_marked(const struct con_session *s, uint64_t tag)
{
	size_t i;

	for (i = 0; i < s->n_marks; i++)
		if (s->marks[i] == tag)
			return true;
	return false;
}

void
con_session_mark(struct con_session *s, uint64_t tag)
{
	size_t i;

	if (con_session_marked(s, tag)) {
		for (i = 0; i < s->n_marks; i++)
			if (s->marks[i] == tag)
				break;
		for (; i + 1 < s->n_marks; i++)
			s->marks[i] = s->marks[i + 1];
		s->n_marks--;
	} else {
		if (s->n_marks == 2) {
			s->marks[0] = s->marks[1];
			s->n_marks = 1;
		}
		s->marks[s->n_marks++] = tag;
	}
	s->dirty |= CON_DIRTY_TREE;
}

/* ---- comparison ---------------------------------------------------------- */

/* Append a formatted line to LINES (N of them, room for *CAP). */
static struct lpd_error *
con_vline(char ***lines, size_t *n, size_t *cap, const char *fmt, va_list ap)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_error *err;

	err = lpd_vec_reserve((void **)lines, cap, *n + 1, sizeof(char *));
	if (err == NULL)
		err = lpd_buf_vprintf(&b, fmt, ap);
	if (err != NULL)
		return err;
	(*lines)[(*n)++] = lpd_buf_steal(&b);
	return NULL;
}

static struct lpd_error *
con_evidence(struct con_compare *c, size_t *cap, const char *fmt, ...)
	LPD_PRINTF(3, 4);

static struct lpd_error *
con_evidence(struct con_compare *c, size_t *cap, const char *fmt, ...)
{
	struct lpd_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = con_vline(&c->evidence, &c->n_evidence, cap, fmt, ap);
	va_end(ap);
	return err;
}

static struct lpd_error *
con_reason_line(struct con_compare *c, size_t *cap, const char *fmt, ...)
	LPD_PRINTF(3, 4);

static struct lpd_error *
con_reason_line(struct con_compare *c, size_t *cap, const char *fmt, ...)
{
	struct lpd_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = con_vline(&c->reasons, &c->n_reasons, cap, fmt, ap);
	va_end(ap);
	return err;
}

/* What an LPAR item's dump came from, for the facts' lpar and node. */
static void
con_reason_meta(struct con_session *s, struct con_item *it,
		struct reason_meta *m)
{
	struct con_item *lpar = con_item_find(s, it->parent);
	struct con_item *node = lpar != NULL ? con_item_find(s, lpar->parent)
					     : NULL;

	memset(m, 0, sizeof(*m));
	m->id = it->dump->id;
	m->lpar = lpar != NULL ? lpar->name : NULL;
	m->node = node != NULL ? node->name : NULL;
	m->time = it->dump->time;
}

/* One relation's proof, shortened to its rule: the "by FILE:LINE: HEAD
 * :- BODY." line of the proof becomes "BODY [FILE:LINE]". */
static struct lpd_error *
con_reason_relation(struct con_compare *c, size_t *cap,
		    const struct reason_db *db, const char *pred, size_t i)
{
	char *proof = reason_db_proof_text(db, pred, i, 1);
	const char *by = proof != NULL ? strstr(proof, "by ") : NULL;
	const char *body = by != NULL ? strstr(by, ":- ") : NULL;
	const char *colon = by != NULL ? strstr(by, ": ") : NULL;
	struct lpd_error *err;
	int bl = 0;

	if (body != NULL) {
		body += 3;
		bl = (int)strcspn(body, "\n");
		if (bl > 0 && body[bl - 1] == '.')
			bl--;
	}
	/* Every relation holds of the pair: its premise says nothing. */
	if (body != NULL && strncmp(body, "pair(A, B), ", 12) == 0) {
		body += 12;
		bl -= 12;
	}
	if (body != NULL && colon != NULL && colon > by && bl >= 0)
		err = con_reason_line(c, cap, "%s [%.*s]: %.*s", pred,
				      (int)(colon - by - 3), by + 3, bl, body);
	else
		err = con_reason_line(c, cap, "%s", pred);
	lpd_free(proof);
	return err;
}

/* reasoning/ on the pair, the same engine and built-in rules as lpardbg
 * diff: the relations it derives, the similarity and each dimension's
 * score with why. */
static struct lpd_error *
con_compare_reason(struct con_session *s, struct con_item *ia,
		   struct con_item *ib, struct con_compare *c)
{
	struct reason_analysis *an[2] = { NULL, NULL };
	struct reason_comparison *cmp = NULL;
	struct reason_rules *rules = NULL;
	struct reason_db *db = NULL;
	struct con_item *it[2] = { ia, ib };
	struct reason_meta meta;
	struct lpd_error *err = NULL;
	size_t cap = 0, i, k, n, shown = 0;

	for (i = 0; i < 2 && err == NULL; i++) {
		con_reason_meta(s, it[i], &meta);
		err = reason_analyze(it[i]->dump->target, &meta, &an[i]);
	}
	if (err == NULL)
		err = reason_compare(an[0], an[1], NULL, &cmp);
	if (err == NULL)
		err = reason_rules_create(true, &rules);
	if (err == NULL)
		err = reason_db_create(&db);
	if (err == NULL)
		err = reason_db_add_pair(db, an[0], ia->dump->id, an[1],
					 ib->dump->id, cmp);
	if (err == NULL)
		err = reason_rules_eval(rules, db, NULL);
	for (k = 0; err == NULL && k < reason_rules_shown_count(rules); k++) {
		const char *pred = reason_rules_shown(rules, k);

		n = reason_db_count(db, pred);
		for (i = 0; err == NULL && i < n; i++, shown++)
			err = con_reason_relation(c, &cap, db, pred, i);
	}
	if (err == NULL && shown == 0)
		err = con_reason_line(c, &cap, "no relation derived (%s)",
				      REASON_ANALYZER_VERSION);
	if (err != NULL)
		goto out;
	c->similarity = reason_comparison_score(cmp);
	{
		struct lpd_buf b = LPD_BUF_INIT;
		double v;

		for (k = 0; k < REASON_DIM_COUNT && err == NULL; k++)
			err = reason_comparison_dim(cmp, (enum reason_dim)k, &v)
			    ? lpd_buf_printf(&b, ", %s %.2f",
					     reason_dim_name((enum reason_dim)k),
					     v)
			    : lpd_buf_printf(&b, ", %s n/a",
					     reason_dim_name((enum reason_dim)k));
		if (err == NULL)
			err = con_reason_line(c, &cap, "similarity %.2f: %s",
					      c->similarity,
					      b.data != NULL ? b.data + 2
							     : "");
		lpd_buf_deinit(&b);
	}
	c->n_reasons_head = c->n_reasons;
	for (k = 0; k < REASON_DIM_COUNT && err == NULL; k++) {
		double v;

		if (!reason_comparison_dim(cmp, (enum reason_dim)k, &v))
			continue;
		err = con_reason_line(c, &cap, "  %s %.2f: %s",
				      reason_dim_name((enum reason_dim)k), v,
				      reason_comparison_explain(cmp,
						(enum reason_dim)k));
	}
out:
	reason_db_destroy(db);
	reason_rules_destroy(rules);
	reason_comparison_destroy(cmp);
	reason_analysis_destroy(an[0]);
	reason_analysis_destroy(an[1]);
	return err;
}

/* The executable's build-id: the module the kernel mapped at AT_PHDR. */
static const char *
con_main_build_id(struct con_dump *d, const char **name)
{
	struct dump *core = dbg_target_dump(d->target);
	size_t i, k, n = dump_module_count(core);

	*name = NULL;
	for (i = 0; i < n; i++) {
		const struct dump_module *m = dump_module(core, i);

		if (!m->is_main)
			continue;
		*name = m->path;
		for (k = 0; k < dbg_target_module_count(d->target); k++) {
			struct dbg_module_info mi;

			dbg_target_module_info(d->target, k, &mi);
			if (mi.name != NULL && strcmp(mi.name, m->path) == 0)
				return mi.build_id;
		}
	}
	return NULL;
}

/* Keys of a stack's frames for align_keys(); *bufs owns them. */
static struct lpd_error *
con_keys(const struct dbg_stack *st, char ***ret, size_t *n_ret)
{
	size_t i, n = st != NULL ? dbg_stack_frame_count(st) : 0;
	char **keys, tmp[256];

	if (n > ALIGN_MAX_FRAMES)
		n = ALIGN_MAX_FRAMES;
	keys = lpd_calloc(n + 1, sizeof(*keys));
	if (keys == NULL)
		return &lpd_enomem;
	for (i = 0; i < n; i++) {
		const struct dbg_frame *f = dbg_stack_frame(st, i);

		keys[i] = lpd_strdup(align_normalize(f->function, f->module,
						     tmp, sizeof(tmp)));
		if (keys[i] == NULL) {
			while (i-- > 0)
				lpd_free(keys[i]);
			lpd_free(keys);
			return &lpd_enomem;
		}
	}
	*ret = keys;
	*n_ret = n;
	return NULL;
}

static void
con_keys_free(char **keys, size_t n)
{
	size_t i;

	for (i = 0; keys != NULL && i < n; i++)
		lpd_free(keys[i]);
	lpd_free(keys);
}

struct lpd_error *
con_session_compare(struct con_session *s, uint64_t a, uint64_t b)
{
	struct con_item *ia = con_item_find(s, a), *ib = con_item_find(s, b);
	struct con_compare *c = NULL;
	char **ka = NULL, **kb = NULL, sa[32], sb[32];
	size_t na = 0, nb = 0, cap = 0, i;
	const char *ba, *bb, *ma, *mb;
	struct lpd_error *err;

	if (ia == NULL || ib == NULL || ia->kind != CON_DUMP ||
	    ib->kind != CON_DUMP)
		return lpd_error_format(LPD_ERR_NOT_FOUND, "not a dump");
	if (a == b)
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"compare needs two different dumps");
	if (ia->dump->remote != NULL || ib->dump->remote != NULL)
		return lpd_error_format(LPD_ERR_UNSUPPORTED, "compare: dump "
					"%s is on a remote node (not yet)",
					ia->dump->remote != NULL
					? ia->dump->id : ib->dump->id);
	if ((err = con_dump_ensure(s, ia)) != NULL ||
	    (err = con_dump_ensure(s, ib)) != NULL)
		return err;
	if ((err = con_keys(ia->dump->crash_stack, &ka, &na)) != NULL ||
	    (err = con_keys(ib->dump->crash_stack, &kb, &nb)) != NULL)
		goto out;
	c = lpd_calloc(1, sizeof(*c));
	if (c == NULL) {
		err = &lpd_enomem;
		goto out;
	}
	c->a = a;
	c->b = b;
	err = align_keys((const char *const *)ka, na,
			 (const char *const *)kb, nb, &c->align);
	if (err != NULL)
		goto out;
	con_signal_name(ia->dump->signo, sa, sizeof(sa));
	con_signal_name(ib->dump->signo, sb, sizeof(sb));
	err = con_evidence(c, &cap, "score %.2f: %zu of %zu frames shared "
			   "(%zu and %zu)", c->align->score,
			   c->align->matched,
			   (na > nb ? na : nb), na, nb);
	if (err == NULL)
		err = ia->dump->signo == ib->dump->signo
		    ? con_evidence(c, &cap, "same signal: %s", sa)
		    : con_evidence(c, &cap, "different signal: %s / %s", sa,
				   sb);
	if (err == NULL && na > 0 && nb > 0)
		err = strcmp(ka[0], kb[0]) == 0
		    ? con_evidence(c, &cap, "same crashing function: %s",
				   ka[0])
		    : con_evidence(c, &cap, "crashing function differs: %s / "
				   "%s", ka[0], kb[0]);
	ba = con_main_build_id(ia->dump, &ma);
	bb = con_main_build_id(ib->dump, &mb);
	if (err == NULL && ba != NULL && bb != NULL)
		err = strcmp(ba, bb) == 0
		    ? con_evidence(c, &cap, "same executable: %s (build-id "
				   "%.12s)", con_basename(ma), ba)
		    : con_evidence(c, &cap, "executable differs: %s %.12s / "
				   "%s %.12s", con_basename(ma), ba,
				   con_basename(mb), bb);
	for (i = 0; err == NULL && i < c->align->n_rows; i++) {
		const struct align_row *r = &c->align->rows[i];

		if (r->mark == ALIGN_SAME)
			continue;
		err = con_evidence(c, &cap, "first difference: %s / %s",
				   r->a >= 0 ? ka[r->a] : "(none)",
				   r->b >= 0 ? kb[r->b] : "(none)");
		break;
	}
	if (err == NULL)
		err = con_compare_reason(s, ia, ib, c);
out:
	con_keys_free(ka, na);
	con_keys_free(kb, nb);
	if (err != NULL) {
		con_compare_destroy(c);
		return err;
	}
	con_compare_destroy(s->compare);
	s->compare = c;
	s->show_compare = true;
	s->dirty |= CON_DIRTY_COMPARE | CON_DIRTY_TREE;
	return NULL;
}

/* ---- messages ------------------------------------------------------------ */

void
con_status(struct con_session *s, bool error, const char *fmt, ...)
{
	va_list ap;
	char *nl;

	va_start(ap, fmt);
	vsnprintf(s->status, sizeof(s->status), fmt, ap);
	va_end(ap);
	nl = strchr(s->status, '\n');
	if (nl != NULL)
		*nl = '\0';
	s->status_error = error;
	s->dirty |= CON_DIRTY_STATUS;
}

void
con_output(struct con_session *s, const char *text)
{
	size_t lines = 0, i, cut;
	char *p;

	if (text == NULL || *text == '\0')
		return;
	if (lpd_buf_puts(&s->output, text) != NULL)
		return;		/* out of memory: the log loses this text */
	if (s->output.data[s->output.len - 1] != '\n' &&
	    lpd_buf_puts(&s->output, "\n") != NULL)
		return;
	for (i = 0; i < s->output.len; i++)
		lines += s->output.data[i] == '\n';
	if (lines > CON_OUTPUT_MAX_LINES + CON_OUTPUT_MAX_LINES / 4) {
		p = s->output.data;
		for (; lines > CON_OUTPUT_MAX_LINES; lines--)
			p = strchr(p, '\n') + 1;
		cut = (size_t)(p - s->output.data);
		memmove(s->output.data, p, s->output.len - cut + 1);
		s->output.len -= cut;
	}
	s->dirty |= CON_DIRTY_OUTPUT;
}

const struct con_source *
con_source_get(struct con_session *s, const char *path)
{
	struct con_source *src = &s->source;
	struct stat st;
	size_t cap = 0, i, n = 0;
	ssize_t got;
	int fd;

	if (src->path != NULL && path != NULL && strcmp(src->path, path) == 0)
		return src;
	con_source_deinit(src);
	if (path == NULL)
		return src;
	src->path = lpd_strdup(path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		src->error = lpd_asprintf("%s: %s", path, strerror(errno));
		return src;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		src->error = lpd_asprintf("%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > CON_SOURCE_MAX_BYTES) {
		src->error = lpd_asprintf("%s: larger than %d MiB, not shown",
					  path, CON_SOURCE_MAX_BYTES >> 20);
		goto out;
	}
	src->data = lpd_malloc((size_t)st.st_size + 1);
	if (src->data == NULL)
		goto out;
	while (n < (size_t)st.st_size) {
		got = read(fd, src->data + n, (size_t)st.st_size - n);
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	src->data[n] = '\0';
	for (i = 0; i <= n; i++) {
		if (i == n && (i == 0 || src->data[i - 1] == '\n'))
			break;	/* no empty last line after the final \n */
		if (i == 0 || src->data[i - 1] == '\n') {
			if (lpd_vec_reserve((void **)&src->lines, &cap,
					    src->n_lines + 1,
					    sizeof(*src->lines)) != NULL)
				break;
			src->lines[src->n_lines++] = i;
		}
	}
	for (i = 0; i < n; i++)
		if (src->data[i] == '\n')
			src->data[i] = '\0';
out:
	close(fd);
	return src;
}

const char *
con_signal_name(int signo, char *buf, size_t len)
{
	const char *n = dump_signal_name(signo);

	if (signo == 0)
		snprintf(buf, len, "no signal");
	else if (n != NULL)
		snprintf(buf, len, "%s", n);
	else
		snprintf(buf, len, "signal %d", signo);
	return buf;
}

const char *
con_basename(const char *path)
{
	const char *s;

	if (path == NULL)
		return NULL;
	s = strrchr(path, '/');
	return s != NULL ? s + 1 : path;
}
