/* reasoning/facts.c - an analysis: the facts drawn from one debugger
 * target (signal, fault region, threads and frames, modules, where the dump
 * came from), and their stable JSON form for caching and comparing across
 * runs. Normalization and comparison are left to normalize.c and
 * similarity.c. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "reasoning/reasoning-int.h"

/* Frames kept per thread: deep recursion is folded anyway. */
enum { FACTS_MAX_FRAMES = 512 };
/* Bytes of a .meta sidecar read at most. */
enum { FACTS_MAX_META = 64 * 1024 };

struct reason_analysis *
reason_analysis_alloc(void)
{
	return lpd_calloc(1, sizeof(struct reason_analysis));
}

static void
facts_pfact_deinit(struct reason_pfact *f)
{
	for (size_t i = 0; i < f->n_args; i++)
		lpd_free(f->args[i].sym);
	lpd_free(f->args);
	lpd_free(f->plugin);
	lpd_free(f->version);
	lpd_free(f->pred);
}

static bool
facts_is_ident(const char *s)
{
	if (s == NULL || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (s++; *s != '\0'; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

struct lpd_error *
reason_analysis_add_fact(struct reason_analysis *a, const char *plugin,
			 const char *version, const char *pred,
			 const struct reason_term *args, size_t n)
{
	struct reason_pfact *f, *nf;
	size_t i;

	if (!facts_is_ident(pred) || n > 16 || plugin == NULL)
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"plugin %s: bad fact '%s' (%zu args)",
					plugin != NULL ? plugin : "?",
					pred != NULL ? pred : "(null)", n);
	nf = lpd_reallocarray(a->facts, a->n_facts + 1, sizeof(*nf));
	if (nf == NULL)
		return &lpd_enomem;
	a->facts = nf;
	f = &nf[a->n_facts];
	memset(f, 0, sizeof(*f));
	f->plugin = lpd_strdup(plugin);
	f->version = lpd_strdup(version != NULL ? version : "");
	f->pred = lpd_strdup(pred);
	f->args = n > 0 ? lpd_calloc(n, sizeof(*f->args)) : NULL;
	if (f->plugin == NULL || f->version == NULL || f->pred == NULL ||
	    (n > 0 && f->args == NULL))
		goto nomem;
	for (i = 0; i < n; i++) {
		f->n_args = i + 1;
		if (args[i].is_num) {
			f->args[i].num = args[i].num;
		} else if ((f->args[i].sym = lpd_strdup(args[i].sym != NULL
							? args[i].sym : ""))
			   == NULL) {
			goto nomem;
		}
	}
	a->n_facts++;
	return NULL;
nomem:
	facts_pfact_deinit(f);
	return &lpd_enomem;
}

size_t
reason_analysis_fact_count(const struct reason_analysis *a)
{
	return a->n_facts;
}

char *
reason_analysis_fact_text(const struct reason_analysis *a, size_t i,
			  const char **plugin, const char **version)
{
	const struct reason_pfact *f = &a->facts[i];
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_error *err;
	size_t k;

	*plugin = f->plugin;
	*version = f->version;
	err = lpd_buf_printf(&b, "%s(", f->pred);
	for (k = 0; err == NULL && k < f->n_args; k++) {
		if (f->args[k].sym != NULL)
			err = lpd_buf_printf(&b, "%s\"%s\"", k ? ", " : "",
					     f->args[k].sym);
		else
			err = lpd_buf_printf(&b, "%s%.15g", k ? ", " : "",
					     f->args[k].num);
	}
	if (err == NULL)
		err = lpd_buf_puts(&b, ")");
	if (err != NULL) {
		lpd_error_destroy(err);
		lpd_buf_deinit(&b);
		return NULL;
	}
	return b.data;
}

static void
facts_frame_deinit(struct reason_frame *f)
{
	lpd_free(f->function);
	lpd_free(f->module);
	lpd_free(f->build_id);
	lpd_free(f->file);
}

static void
facts_norm_free(struct reason_analysis *a)
{
	size_t i;

	for (i = 0; i < a->n_norm; i++)
		lpd_free(a->norm[i].key);
	lpd_free(a->norm);
	a->norm = NULL;
	a->n_norm = 0;
}

void
reason_analysis_destroy(struct reason_analysis *a)
{
	size_t i, k;

	if (a == NULL)
		return;
	for (i = 0; i < a->n_threads; i++) {
		struct reason_thread *t = &a->threads[i];

		for (k = 0; k < t->n_frames; k++)
			facts_frame_deinit(&t->frames[k]);
		lpd_free(t->frames);
		lpd_free(t->state);
		lpd_free(t->top);
	}
	lpd_free(a->threads);
	for (i = 0; i < a->n_modules; i++) {
		lpd_free(a->modules[i].path);
		lpd_free(a->modules[i].build_id);
	}
	lpd_free(a->modules);
	for (i = 0; i < a->n_values; i++) {
		lpd_free(a->values[i].key);
		lpd_free(a->values[i].value);
	}
	lpd_free(a->values);
	for (i = 0; i < a->n_facts; i++)
		facts_pfact_deinit(&a->facts[i]);
	lpd_free(a->facts);
	facts_norm_free(a);
	lpd_free(a->id);
	lpd_free(a->core);
	lpd_free(a->executable);
	lpd_free(a->exe_build_id);
	lpd_free(a->arch);
	lpd_free(a->lpar);
	lpd_free(a->node);
	lpd_free(a->image);
	lpd_free(a->signame);
	lpd_free(a->region);
	lpd_free(a);
}

const char *
reason_analysis_id(const struct reason_analysis *a)
{
	return a->id;
}

const char *
reason_analysis_lpar(const struct reason_analysis *a)
{
	return a->lpar;
}

int64_t
reason_analysis_time(const struct reason_analysis *a)
{
	return a->time;
}

/* Duplicate S (NULL stays NULL) into *DST; false on allocation failure. */
static bool
facts_dup(char **dst, const char *s)
{
	if (s == NULL) {
		*dst = NULL;
		return true;
	}
	*dst = lpd_strdup(s);
	return *dst != NULL;
}

static struct lpd_error *
facts_add_value(struct reason_analysis *a, const char *key,
		const char *value)
{
	struct reason_value *v;
	size_t i;

	for (i = 0; i < a->n_values; i++) {
		if (strcmp(a->values[i].key, key) == 0) {
			char *nv = lpd_strdup(value);

			if (nv == NULL)
				return &lpd_enomem;
			lpd_free(a->values[i].value);
			a->values[i].value = nv;
			return NULL;
		}
	}
	v = lpd_reallocarray(a->values, a->n_values + 1, sizeof(*v));
	if (v == NULL)
		return &lpd_enomem;
	a->values = v;
	v = &a->values[a->n_values];
	v->key = lpd_strdup(key);
	v->value = lpd_strdup(value);
	if (v->key == NULL || v->value == NULL) {
		lpd_free(v->key);
		lpd_free(v->value);
		return &lpd_enomem;
	}
	a->n_values++;
	return NULL;
}

struct lpd_error *
reason_analysis_add_value(struct reason_analysis *a, const char *key,
			  const char *value)
{
	return facts_add_value(a, key, value);
}

/* Set one meta field from "key=value" (sidecar or --meta). */
static struct lpd_error *
facts_set_meta(struct reason_analysis *a, const char *key, const char *value)
{
	char **slot = NULL;

	if (strcmp(key, "lpar") == 0)
		slot = &a->lpar;
	else if (strcmp(key, "node") == 0)
		slot = &a->node;
	else if (strcmp(key, "image") == 0)
		slot = &a->image;
	else if (strcmp(key, "id") == 0)
		slot = &a->id;
	else if (strcmp(key, "time") == 0) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(value, &end, 10);
		if (errno != 0 || *end != '\0')
			return lpd_error_format(LPD_ERR_BAD_INPUT,
				"time '%s' is not seconds since the epoch",
				value);
		a->time = v;
		return NULL;
	} else if (strncmp(key, "value.", 6) == 0 && key[6] != '\0')
		return facts_add_value(a, key + 6, value);
	else
		return NULL;	/* unknown keys: ignored, for later fields */
	lpd_free(*slot);
	*slot = lpd_strdup(value);
	return *slot != NULL ? NULL : &lpd_enomem;
}

/* Read CORE.meta when it exists: "key=value" lines, '#' comments. */
static struct lpd_error *
facts_read_sidecar(struct reason_analysis *a, const char *core)
{
	struct lpd_error *err = NULL;
	char *path, line[1024];
	unsigned lineno = 0;
	size_t total = 0;
	FILE *f;

	path = lpd_asprintf("%s.meta", core);
	if (path == NULL)
		return &lpd_enomem;
	f = fopen(path, "r");
	if (f == NULL) {
		lpd_free(path);
		return NULL;
	}
	while (err == NULL && fgets(line, sizeof(line), f) != NULL) {
		char *eq, *s = line, *e;

		lineno++;
		total += strlen(line);
		if (total > FACTS_MAX_META) {
			err = lpd_error_format(LPD_ERR_BAD_INPUT,
				"%s: larger than %d bytes", path,
				FACTS_MAX_META);
			break;
		}
		s[strcspn(s, "\r\n")] = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (eq == NULL) {
			err = lpd_error_syntax(path, (int)lineno, 1,
					       "expected key=value");
			break;
		}
		*eq = '\0';
		for (e = eq; e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
			e[-1] = '\0';
		eq++;
		while (*eq == ' ' || *eq == '\t')
			eq++;
		err = facts_set_meta(a, s, eq);
		if (err != NULL && err != &lpd_enomem)
			err = lpd_error_prefix(err, "%s:%u", path, lineno);
	}
	fclose(f);
	lpd_free(path);
	return err;
}

static struct lpd_error *
facts_frame_from_dbg(struct reason_frame *rf, const struct dbg_frame *f)
{
	memset(rf, 0, sizeof(*rf));
	rf->pc = f->pc;
	rf->has_offset = f->has_offset;
	rf->offset = f->offset;
	rf->line = f->line;
	rf->is_inline = f->is_inline;
	rf->is_signal = f->is_signal;
	if (!facts_dup(&rf->function, f->function) ||
	    !facts_dup(&rf->module, f->module) ||
	    !facts_dup(&rf->build_id, f->build_id) ||
	    !facts_dup(&rf->file, f->file)) {
		facts_frame_deinit(rf);
		return &lpd_enomem;
	}
	return NULL;
}

static struct lpd_error *
facts_threads(struct reason_analysis *a, struct dbg_target *t)
{
	struct dump *d = dbg_target_dump(t);
	size_t n = dump_thread_count(d), i, k;

	a->crashed = dump_crashed_thread(d);
	if (n == 0)
		return NULL;
	a->threads = lpd_calloc(n, sizeof(*a->threads));
	if (a->threads == NULL)
		return &lpd_enomem;
	for (i = 0; i < n; i++) {
		struct reason_thread *th = &a->threads[i];
		struct dbg_stack *s;
		struct lpd_error *err;
		size_t nf;

		a->n_threads = i + 1;
		th->tid = dump_thread_tid(d, i);
		th->crashed = i == a->crashed && dump_thread_signal(d, i) != 0;
		err = dbg_unwind_thread(t, i, FACTS_MAX_FRAMES, &s);
		if (err != NULL)
			return err;
		nf = dbg_stack_frame_count(s);
		th->frames = nf > 0 ? lpd_calloc(nf, sizeof(*th->frames))
				    : NULL;
		if (nf > 0 && th->frames == NULL) {
			dbg_stack_destroy(s);
			return &lpd_enomem;
		}
		for (k = 0; k < nf; k++) {
			err = facts_frame_from_dbg(&th->frames[k],
						   dbg_stack_frame(s, k));
			if (err != NULL) {
				dbg_stack_destroy(s);
				return err;
			}
			th->n_frames = k + 1;
		}
		dbg_stack_destroy(s);
	}
	return NULL;
}

static struct lpd_error *
facts_modules(struct reason_analysis *a, struct dbg_target *t)
{
	struct dump *d = dbg_target_dump(t);
	size_t n = dbg_target_module_count(t), i, k;

	if (n == 0)
		return NULL;
	a->modules = lpd_calloc(n, sizeof(*a->modules));
	if (a->modules == NULL)
		return &lpd_enomem;
	for (i = 0; i < n; i++) {
		struct reason_module *m = &a->modules[i];
		struct dbg_module_info info;

		dbg_target_module_info(t, i, &info);
		a->n_modules = i + 1;
		m->start = info.start;
		m->end = info.end;
		if (!facts_dup(&m->path, info.name != NULL ? info.name : "?") ||
		    !facts_dup(&m->build_id, info.build_id))
			return &lpd_enomem;
		for (k = 0; k < dump_module_count(d); k++) {
			const struct dump_module *dm = dump_module(d, k);

			if (dm->is_main && dm->start == info.start)
				m->is_main = true;
		}
		if (m->is_main && a->executable == NULL) {
			if (!facts_dup(&a->executable, m->path) ||
			    !facts_dup(&a->exe_build_id, m->build_id))
				return &lpd_enomem;
		}
	}
	return NULL;
}

/* Where the fault address lies: the NULL page, a module, a thread's stack,
 * another file mapping, or nowhere mapped. */
static struct lpd_error *
facts_region(struct reason_analysis *a, struct dbg_target *t)
{
	struct dump *d = dbg_target_dump(t);
	const struct dump_module *m;
	const char *what = "unmapped";
	char *s;
	size_t i;

	if (!a->has_addr)
		return facts_dup(&a->region, "none") ? NULL : &lpd_enomem;
	if (a->addr < 0x10000) {
		what = "null-page";
	} else if ((m = dump_module_by_addr(d, a->addr)) != NULL) {
		s = lpd_asprintf("module:%s", reason_basename(m->path));
		if (s == NULL)
			return &lpd_enomem;
		a->region = s;
		return NULL;
	} else {
		const struct dump_arch *arch = dump_get_arch(d);

		for (i = 0; i < dump_thread_count(d); i++) {
			const struct dump_regs *r = dump_thread_regs(d, i);
			uint64_t sp;

			if (!dump_regs_has(r, arch->sp_regno))
				continue;
			sp = r->value[arch->sp_regno];
			/* Guard page below the stack, or a local above sp. */
			if (a->addr + 0x100000 >= sp &&
			    a->addr < sp + 0x800000) {
				what = "stack";
				break;
			}
		}
		for (i = 0; strcmp(what, "unmapped") == 0 &&
		     i < dump_mapping_count(d); i++) {
			const struct dump_mapping *mp = dump_mapping(d, i);

			if (a->addr >= mp->start && a->addr < mp->end) {
				s = lpd_asprintf("file:%s",
						 reason_basename(mp->path));
				if (s == NULL)
					return &lpd_enomem;
				a->region = s;
				return NULL;
			}
		}
	}
	return facts_dup(&a->region, what) ? NULL : &lpd_enomem;
}

struct lpd_error *
reason_analyze(struct dbg_target *t, const struct reason_meta *meta,
	       struct reason_analysis **ret)
{
	struct dump *d = dbg_target_dump(t);
	struct reason_analysis *a;
	struct dump_siginfo si;
	struct lpd_error *err = NULL;
	const char *core = dump_path(d);
	struct stat st;

	a = reason_analysis_alloc();
	if (a == NULL)
		return &lpd_enomem;
	if (!facts_dup(&a->core, core) ||
	    !facts_dup(&a->id, meta != NULL && meta->id != NULL
			       ? meta->id : reason_basename(core)) ||
	    !facts_dup(&a->arch, dump_get_arch(d)->name)) {
		err = &lpd_enomem;
		goto fail;
	}
	if (dump_fault_signal(d, &si)) {
		a->has_signal = true;
		a->signo = si.signo;
		a->sigcode = si.code;
		a->has_addr = si.has_addr;
		a->addr = si.addr;
	}
	if (a->has_signal) {
		const char *n = dump_signal_name(a->signo);
		char tmp[32];

		if (n == NULL) {
			snprintf(tmp, sizeof(tmp), "SIG%d", a->signo);
			n = tmp;
		}
		if (!facts_dup(&a->signame, n)) {
			err = &lpd_enomem;
			goto fail;
		}
	}
	if ((err = facts_modules(a, t)) != NULL ||
	    (err = facts_threads(a, t)) != NULL ||
	    (err = facts_region(a, t)) != NULL)
		goto fail;
	if (stat(core, &st) == 0)
		a->time = (int64_t)st.st_mtime;
	if ((err = facts_read_sidecar(a, core)) != NULL)
		goto fail;
	if (meta != NULL) {
		if ((meta->lpar != NULL &&
		     (err = facts_set_meta(a, "lpar", meta->lpar)) != NULL) ||
		    (meta->node != NULL &&
		     (err = facts_set_meta(a, "node", meta->node)) != NULL) ||
		    (meta->image != NULL &&
		     (err = facts_set_meta(a, "image", meta->image)) != NULL))
			goto fail;
		if (meta->time != 0)
			a->time = meta->time;
	}
	if ((err = reason_normalize(a)) != NULL ||
	    (err = reason_frame_values(a, t)) != NULL)
		goto fail;
	*ret = a;
	return NULL;
fail:
	reason_analysis_destroy(a);
	return err;
}

/* ---- JSON ------------------------------------------------------------- */

static void
facts_json_frame(struct lpd_json *j, const struct reason_frame *f)
{
	const struct dbg_frame df = {
		.pc = f->pc,
		.function = f->function,
		.has_offset = f->has_offset,
		.offset = f->offset,
		.module = f->module,
		.build_id = f->build_id,
		.file = f->file,
		.line = f->line,
		.is_inline = f->is_inline,
		.is_signal = f->is_signal,
	};

	lpd_json_object_begin(j);
	dbg_frame_json(j, &df);
	lpd_json_object_end(j);
}

void
reason_analysis_to_json(const struct reason_analysis *a, struct lpd_json *j)
{
	size_t i, k;

	lpd_json_object_begin(j);
	lpd_json_key(j, "schema");
	lpd_json_string(j, REASON_SCHEMA);
	lpd_json_key(j, "analyzer");
	lpd_json_string(j, REASON_ANALYZER_VERSION);
	lpd_json_key(j, "id");
	lpd_json_string(j, a->id);
	lpd_json_key(j, "core");
	lpd_json_string(j, a->core);
	lpd_json_key(j, "executable");
	lpd_json_string(j, a->executable);
	lpd_json_key(j, "exe_build_id");
	lpd_json_string(j, a->exe_build_id);
	lpd_json_key(j, "arch");
	lpd_json_string(j, a->arch);
	lpd_json_key(j, "lpar");
	lpd_json_string(j, a->lpar);
	lpd_json_key(j, "node");
	lpd_json_string(j, a->node);
	lpd_json_key(j, "image");
	lpd_json_string(j, a->image);
	lpd_json_key(j, "time");
	lpd_json_int(j, a->time);
	lpd_json_key(j, "signal");
	if (a->has_signal) {
		lpd_json_object_begin(j);
		lpd_json_key(j, "number");
		lpd_json_int(j, a->signo);
		lpd_json_key(j, "name");
		lpd_json_string(j, a->signame);
		lpd_json_key(j, "code");
		lpd_json_int(j, a->sigcode);
		lpd_json_key(j, "address");
		if (a->has_addr)
			lpd_json_hex(j, a->addr);
		else
			lpd_json_null(j);
		lpd_json_key(j, "region");
		lpd_json_string(j, a->region);
		lpd_json_object_end(j);
	} else {
		lpd_json_null(j);
	}
	lpd_json_key(j, "crashed_thread");
	lpd_json_uint(j, a->crashed);
	lpd_json_key(j, "threads");
	lpd_json_array_begin(j);
	for (i = 0; i < a->n_threads; i++) {
		const struct reason_thread *t = &a->threads[i];

		lpd_json_object_begin(j);
		lpd_json_key(j, "tid");
		lpd_json_int(j, t->tid);
		lpd_json_key(j, "crashed");
		lpd_json_bool(j, t->crashed);
		lpd_json_key(j, "state");
		lpd_json_string(j, t->state);
		lpd_json_key(j, "top");
		lpd_json_string(j, t->top);
		lpd_json_key(j, "frames");
		lpd_json_array_begin(j);
		for (k = 0; k < t->n_frames; k++)
			facts_json_frame(j, &t->frames[k]);
		lpd_json_array_end(j);
		lpd_json_object_end(j);
	}
	lpd_json_array_end(j);
	lpd_json_key(j, "normalized");
	lpd_json_array_begin(j);
	for (i = 0; i < a->n_norm; i++) {
		lpd_json_object_begin(j);
		lpd_json_key(j, "key");
		lpd_json_string(j, a->norm[i].key);
		lpd_json_key(j, "repeat");
		lpd_json_uint(j, a->norm[i].repeat);
		lpd_json_object_end(j);
	}
	lpd_json_array_end(j);
	lpd_json_key(j, "modules");
	lpd_json_array_begin(j);
	for (i = 0; i < a->n_modules; i++) {
		const struct reason_module *m = &a->modules[i];

		lpd_json_object_begin(j);
		lpd_json_key(j, "path");
		lpd_json_string(j, m->path);
		lpd_json_key(j, "build_id");
		lpd_json_string(j, m->build_id);
		lpd_json_key(j, "start");
		lpd_json_hex(j, m->start);
		lpd_json_key(j, "end");
		lpd_json_hex(j, m->end);
		lpd_json_key(j, "main");
		lpd_json_bool(j, m->is_main);
		lpd_json_object_end(j);
	}
	lpd_json_array_end(j);
	lpd_json_key(j, "values");
	lpd_json_array_begin(j);
	for (i = 0; i < a->n_values; i++) {
		lpd_json_object_begin(j);
		lpd_json_key(j, "key");
		lpd_json_string(j, a->values[i].key);
		lpd_json_key(j, "value");
		lpd_json_string(j, a->values[i].value);
		lpd_json_object_end(j);
	}
	lpd_json_array_end(j);
	lpd_json_key(j, "facts");
	reason_facts_json(a, j);
	lpd_json_object_end(j);
}

void
reason_facts_json(const struct reason_analysis *a, struct lpd_json *j)
{
	lpd_json_array_begin(j);
	for (size_t i = 0; i < a->n_facts; i++) {
		const struct reason_pfact *f = &a->facts[i];

		lpd_json_object_begin(j);
		lpd_json_key(j, "plugin");
		lpd_json_string(j, f->plugin);
		lpd_json_key(j, "version");
		lpd_json_string(j, f->version);
		lpd_json_key(j, "pred");
		lpd_json_string(j, f->pred);
		lpd_json_key(j, "args");
		lpd_json_array_begin(j);
		for (size_t k = 0; k < f->n_args; k++) {
			if (f->args[k].sym != NULL)
				lpd_json_string(j, f->args[k].sym);
			else if (f->args[k].num == floor(f->args[k].num) &&
				 fabs(f->args[k].num) < 9007199254740992.0)
				/* Counters and ids stay integers in JSON. */
				lpd_json_int(j, (int64_t)f->args[k].num);
			else
				lpd_json_double(j, f->args[k].num, 6);
		}
		lpd_json_array_end(j);
		lpd_json_object_end(j);
	}
	lpd_json_array_end(j);
}

/* Parsing: every field is checked for its type; a wrong one names the
 * file and the field path. */
struct facts_parse {
	const char *file;
	struct lpd_error *err;
};

static void
facts_bad(struct facts_parse *p, const char *field, const char *what)
{
	if (p->err == NULL)
		p->err = lpd_error_format(LPD_ERR_BAD_INPUT, "%s: %s: %s",
					  p->file, field, what);
}

/* Optional string: absent or null gives NULL. */
static char *
facts_str(struct facts_parse *p, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	char *s;

	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		facts_bad(p, key, "expected a string");
		return NULL;
	}
	s = lpd_strdup(json_string_value(v));
	if (s == NULL && p->err == NULL)
		p->err = &lpd_enomem;
	return s;
}

static int64_t
facts_int(struct facts_parse *p, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v)) {
		facts_bad(p, key, "expected an integer");
		return 0;
	}
	return (int64_t)json_integer_value(v);
}

static bool
facts_bool(struct facts_parse *p, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v))
		return false;
	if (!json_is_boolean(v)) {
		facts_bad(p, key, "expected true or false");
		return false;
	}
	return json_is_true(v);
}

/* "0x..." address; false when absent or null. */
static bool
facts_hex(struct facts_parse *p, json_t *obj, const char *key,
	  uint64_t *ret)
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	char *end;

	*ret = 0;
	if (v == NULL || json_is_null(v))
		return false;
	if (!json_is_string(v)) {
		facts_bad(p, key, "expected a \"0x...\" string");
		return false;
	}
	s = json_string_value(v);
	if (strncmp(s, "0x", 2) != 0 || s[2] == '\0') {
		facts_bad(p, key, "expected a \"0x...\" string");
		return false;
	}
	errno = 0;
	*ret = strtoull(s + 2, &end, 16);
	if (errno != 0 || *end != '\0') {
		facts_bad(p, key, "bad hexadecimal number");
		return false;
	}
	return true;
}

static json_t *
facts_array(struct facts_parse *p, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_array(v)) {
		facts_bad(p, key, "expected an array");
		return NULL;
	}
	return v;
}

static void
facts_parse_frame(struct facts_parse *p, json_t *o, struct reason_frame *f)
{
	json_t *line;

	if (!json_is_object(o)) {
		facts_bad(p, "frames[]", "expected an object");
		return;
	}
	facts_hex(p, o, "pc", &f->pc);
	f->function = facts_str(p, o, "function");
	f->has_offset = json_is_integer(json_object_get(o, "offset"));
	f->offset = (uint64_t)facts_int(p, o, "offset");
	f->module = facts_str(p, o, "module");
	f->build_id = facts_str(p, o, "build_id");
	f->file = facts_str(p, o, "file");
	line = json_object_get(o, "line");
	if (line != NULL && json_is_integer(line) &&
	    json_integer_value(line) > 0 &&
	    json_integer_value(line) < (json_int_t)UINT32_MAX)
		f->line = (unsigned)json_integer_value(line);
	f->is_inline = facts_bool(p, o, "inline");
	f->is_signal = facts_bool(p, o, "signal_frame");
}

static void
facts_parse_threads(struct facts_parse *p, json_t *root,
		    struct reason_analysis *a)
{
	json_t *arr = facts_array(p, root, "threads"), *to, *fo;
	size_t i, k;

	if (arr == NULL || json_array_size(arr) == 0)
		return;
	a->threads = lpd_calloc(json_array_size(arr), sizeof(*a->threads));
	if (a->threads == NULL) {
		p->err = &lpd_enomem;
		return;
	}
	json_array_foreach(arr, i, to) {
		struct reason_thread *t = &a->threads[i];
		json_t *frames;

		a->n_threads = i + 1;
		if (!json_is_object(to)) {
			facts_bad(p, "threads[]", "expected an object");
			return;
		}
		t->tid = (int)facts_int(p, to, "tid");
		t->crashed = facts_bool(p, to, "crashed");
		frames = facts_array(p, to, "frames");
		if (frames == NULL || json_array_size(frames) == 0)
			continue;
		t->frames = lpd_calloc(json_array_size(frames),
				       sizeof(*t->frames));
		if (t->frames == NULL) {
			p->err = &lpd_enomem;
			return;
		}
		json_array_foreach(frames, k, fo) {
			t->n_frames = k + 1;
			facts_parse_frame(p, fo, &t->frames[k]);
			if (p->err != NULL)
				return;
		}
	}
}

static void
facts_parse_modules(struct facts_parse *p, json_t *root,
		    struct reason_analysis *a)
{
	json_t *arr = facts_array(p, root, "modules"), *mo;
	size_t i;

	if (arr == NULL || json_array_size(arr) == 0)
		return;
	a->modules = lpd_calloc(json_array_size(arr), sizeof(*a->modules));
	if (a->modules == NULL) {
		p->err = &lpd_enomem;
		return;
	}
	json_array_foreach(arr, i, mo) {
		struct reason_module *m = &a->modules[i];

		a->n_modules = i + 1;
		if (!json_is_object(mo)) {
			facts_bad(p, "modules[]", "expected an object");
			return;
		}
		m->path = facts_str(p, mo, "path");
		m->build_id = facts_str(p, mo, "build_id");
		facts_hex(p, mo, "start", &m->start);
		facts_hex(p, mo, "end", &m->end);
		m->is_main = facts_bool(p, mo, "main");
		if (m->path == NULL && p->err == NULL)
			facts_bad(p, "modules[].path", "missing");
	}
}

static void
facts_parse_values(struct facts_parse *p, json_t *root,
		   struct reason_analysis *a)
{
	json_t *arr = facts_array(p, root, "values"), *vo;
	size_t i;

	if (arr == NULL)
		return;
	json_array_foreach(arr, i, vo) {
		json_t *k = json_object_get(vo, "key");
		json_t *v = json_object_get(vo, "value");

		if (!json_is_string(k) || !json_is_string(v)) {
			facts_bad(p, "values[]",
				  "expected {key, value} strings");
			return;
		}
		p->err = facts_add_value(a, json_string_value(k),
					 json_string_value(v));
		if (p->err != NULL)
			return;
	}
}

/* "facts" is optional: documents from before plugins have none. */
static void
facts_parse_pfacts(struct facts_parse *p, json_t *root,
		   struct reason_analysis *a)
{
	json_t *arr = json_object_get(root, "facts"), *fo, *v;
	struct reason_term t[16];
	size_t i, k;

	if (arr == NULL)
		return;
	if (!json_is_array(arr)) {
		facts_bad(p, "facts", "expected an array");
		return;
	}
	json_array_foreach(arr, i, fo) {
		json_t *pl = json_object_get(fo, "plugin");
		json_t *ve = json_object_get(fo, "version");
		json_t *pr = json_object_get(fo, "pred");
		json_t *ar = json_object_get(fo, "args");

		if (!json_is_string(pl) || !json_is_string(ve) ||
		    !json_is_string(pr) || !json_is_array(ar) ||
		    json_array_size(ar) > 16) {
			facts_bad(p, "facts[]", "expected {plugin, version, "
				  "pred, args[<=16]}");
			return;
		}
		json_array_foreach(ar, k, v) {
			if (json_is_string(v)) {
				t[k] = (struct reason_term){
					.sym = json_string_value(v) };
			} else if (json_is_number(v)) {
				t[k] = (struct reason_term){
					.is_num = true,
					.num = json_number_value(v) };
			} else {
				facts_bad(p, "facts[].args[]",
					  "expected a string or number");
				return;
			}
		}
		p->err = reason_analysis_add_fact(a, json_string_value(pl),
						  json_string_value(ve),
						  json_string_value(pr), t,
						  json_array_size(ar));
		if (p->err != NULL)
			return;
	}
}

struct lpd_error *
reason_analysis_from_json(const char *text, size_t len, const char *file,
			  struct reason_analysis **ret)
{
	struct facts_parse p = { .file = file != NULL ? file : "<facts>" };
	struct reason_analysis *a;
	json_error_t jerr;
	json_t *root, *sig, *schema;
	struct lpd_error *err;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return lpd_error_syntax(p.file, jerr.line, jerr.column, "%s",
					jerr.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return lpd_error_format(LPD_ERR_BAD_INPUT,
					"%s: expected a JSON object", p.file);
	}
	schema = json_object_get(root, "schema");
	if (!json_is_string(schema) ||
	    strcmp(json_string_value(schema), REASON_SCHEMA) != 0) {
		json_decref(root);
		return lpd_error_format(LPD_ERR_BAD_INPUT,
					"%s: schema is not \"%s\"", p.file,
					REASON_SCHEMA);
	}
	a = reason_analysis_alloc();
	if (a == NULL) {
		json_decref(root);
		return &lpd_enomem;
	}
	a->id = facts_str(&p, root, "id");
	a->core = facts_str(&p, root, "core");
	a->executable = facts_str(&p, root, "executable");
	a->exe_build_id = facts_str(&p, root, "exe_build_id");
	a->arch = facts_str(&p, root, "arch");
	a->lpar = facts_str(&p, root, "lpar");
	a->node = facts_str(&p, root, "node");
	a->image = facts_str(&p, root, "image");
	a->time = facts_int(&p, root, "time");
	sig = json_object_get(root, "signal");
	if (sig != NULL && json_is_object(sig)) {
		a->has_signal = true;
		a->signo = (int)facts_int(&p, sig, "number");
		a->signame = facts_str(&p, sig, "name");
		a->sigcode = (int)facts_int(&p, sig, "code");
		a->has_addr = facts_hex(&p, sig, "address", &a->addr);
		a->region = facts_str(&p, sig, "region");
	} else if (sig != NULL && !json_is_null(sig)) {
		facts_bad(&p, "signal", "expected an object or null");
	}
	a->crashed = (size_t)facts_int(&p, root, "crashed_thread");
	facts_parse_threads(&p, root, a);
	if (p.err == NULL)
		facts_parse_modules(&p, root, a);
	if (p.err == NULL)
		facts_parse_values(&p, root, a);
	if (p.err == NULL)
		facts_parse_pfacts(&p, root, a);
	json_decref(root);
	if (p.err == NULL && a->id == NULL)
		facts_bad(&p, "id", "missing");
	if (p.err == NULL && a->n_threads > 0 && a->crashed >= a->n_threads)
		facts_bad(&p, "crashed_thread", "no such thread");
	if (p.err == NULL && a->region == NULL &&
	    !facts_dup(&a->region, "none"))
		p.err = &lpd_enomem;
	err = p.err;
	if (err == NULL)
		err = reason_normalize(a);
	if (err != NULL) {
		reason_analysis_destroy(a);
		return err;
	}
	*ret = a;
	return NULL;
}

struct lpd_error *
reason_analysis_load(const char *path, struct reason_analysis **ret)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_error *err = NULL;
	char chunk[65536];
	size_t n;
	FILE *f;

	f = fopen(path, "rb");
	if (f == NULL)
		return lpd_error_os(errno, path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((err = lpd_buf_append(&b, chunk, n)) != NULL)
			break;
	if (err == NULL && ferror(f))
		err = lpd_error_os(errno, path);
	fclose(f);
	if (err == NULL)
		err = reason_analysis_from_json(b.data != NULL ? b.data : "",
						b.len, path, ret);
	lpd_buf_deinit(&b);
	return err;
}

/* ---- synthesis -------------------------------------------------------- */

static char *
facts_reprefix(const char *path, const char *prefix)
{
	if (path == NULL)
		return NULL;
	if (prefix == NULL || path[0] != '/')
		return lpd_strdup(path);
	return lpd_asprintf("%s%s", prefix, path);
}

struct lpd_error *
reason_analysis_clone(const struct reason_analysis *src, const char *id,
		      uint64_t delta, const char *prefix,
		      struct reason_analysis **ret)
{
	struct reason_analysis *a = reason_analysis_alloc();
	struct lpd_error *err = &lpd_enomem;
	size_t i, k;
	bool ok;

	if (a == NULL)
		return &lpd_enomem;
	ok = facts_dup(&a->id, id != NULL ? id : src->id) &&
	     facts_dup(&a->core, src->core) &&
	     (a->executable = facts_reprefix(src->executable, prefix),
	      a->executable != NULL || src->executable == NULL) &&
	     facts_dup(&a->exe_build_id, src->exe_build_id) &&
	     facts_dup(&a->arch, src->arch) &&
	     facts_dup(&a->lpar, src->lpar) &&
	     facts_dup(&a->node, src->node) &&
	     facts_dup(&a->image, src->image) &&
	     facts_dup(&a->signame, src->signame) &&
	     facts_dup(&a->region, src->region);
	if (!ok)
		goto fail;
	a->time = src->time;
	a->has_signal = src->has_signal;
	a->signo = src->signo;
	a->sigcode = src->sigcode;
	a->has_addr = src->has_addr;
	a->addr = src->addr < 0x10000 ? src->addr : src->addr + delta;
	a->crashed = src->crashed;
	if (src->n_threads > 0) {
		a->threads = lpd_calloc(src->n_threads, sizeof(*a->threads));
		if (a->threads == NULL)
			goto fail;
	}
	for (i = 0; i < src->n_threads; i++) {
		const struct reason_thread *st = &src->threads[i];
		struct reason_thread *t = &a->threads[i];

		a->n_threads = i + 1;
		t->tid = st->tid + (int)(delta >> 12 & 0xfff);
		t->crashed = st->crashed;
		if (st->n_frames > 0) {
			t->frames = lpd_calloc(st->n_frames,
					       sizeof(*t->frames));
			if (t->frames == NULL)
				goto fail;
		}
		for (k = 0; k < st->n_frames; k++) {
			const struct reason_frame *sf = &st->frames[k];
			struct reason_frame *f = &t->frames[k];

			t->n_frames = k + 1;
			*f = *sf;
			f->pc = sf->pc + delta;
			f->function = NULL;
			f->module = f->build_id = f->file = NULL;
			if (!facts_dup(&f->function, sf->function) ||
			    !facts_dup(&f->build_id, sf->build_id) ||
			    !facts_dup(&f->file, sf->file) ||
			    (f->module = facts_reprefix(sf->module, prefix),
			     f->module == NULL && sf->module != NULL))
				goto fail;
		}
	}
	if (src->n_modules > 0) {
		a->modules = lpd_calloc(src->n_modules, sizeof(*a->modules));
		if (a->modules == NULL)
			goto fail;
	}
	for (i = 0; i < src->n_modules; i++) {
		const struct reason_module *sm = &src->modules[i];
		struct reason_module *m = &a->modules[i];

		a->n_modules = i + 1;
		*m = *sm;
		m->start += delta;
		m->end += delta;
		m->build_id = NULL;
		m->path = facts_reprefix(sm->path, prefix);
		if (m->path == NULL || !facts_dup(&m->build_id, sm->build_id))
			goto fail;
	}
	for (i = 0; i < src->n_values; i++)
		if ((err = facts_add_value(a, src->values[i].key,
					   src->values[i].value)) != NULL)
			goto fail;
	for (i = 0; i < src->n_facts; i++) {
		const struct reason_pfact *f = &src->facts[i];
		struct reason_term t[16];

		for (k = 0; k < f->n_args && k < 16; k++)
			t[k] = (struct reason_term){
				.is_num = f->args[k].sym == NULL,
				.sym = f->args[k].sym, .num = f->args[k].num };
		if ((err = reason_analysis_add_fact(a, f->plugin, f->version,
						    f->pred, t, k)) != NULL)
			goto fail;
	}
	if ((err = reason_normalize(a)) != NULL)
		goto fail;
	*ret = a;
	return NULL;
fail:
	reason_analysis_destroy(a);
	return err;
}

struct lpd_error *
reason_analysis_rename_frames(struct reason_analysis *a, const char *suffix)
{
	struct reason_thread *t;
	size_t k;

	if (a->n_threads == 0)
		return NULL;
	t = &a->threads[a->crashed];
	for (k = 0; k < t->n_frames; k++) {
		struct reason_frame *f = &t->frames[k];
		char *n;

		if (f->function == NULL || reason_is_system_module(f->module) ||
		    strcmp(f->function, "main") == 0)
			continue;
		n = lpd_asprintf("%s%s", f->function, suffix);
		if (n == NULL)
			return &lpd_enomem;
		lpd_free(f->function);
		f->function = n;
	}
	return reason_normalize(a);
}

/* ---- an analysis as Datalog facts ------------------------------------- */

static struct reason_term
facts_sym(const char *s)
{
	struct reason_term t = { .is_num = false, .sym = s };

	return t;
}

static struct reason_term
facts_num(double n)
{
	struct reason_term t = { .is_num = true, .num = n };

	return t;
}

static struct lpd_error *
facts_db1(struct reason_db *db, const char *pred, const char *d)
{
	struct reason_term t[1] = { facts_sym(d) };

	return reason_db_add(db, pred, t, 1);
}

static struct lpd_error *
facts_db2(struct reason_db *db, const char *pred, const char *d,
	  struct reason_term x)
{
	struct reason_term t[2] = { facts_sym(d), x };

	return reason_db_add(db, pred, t, 2);
}

static struct lpd_error *
facts_db_one(struct reason_db *db, const struct reason_analysis *a,
	     const char *d)
{
	struct lpd_buf img = LPD_BUF_INIT;
	struct lpd_error *err;
	size_t i;

	if ((err = facts_db1(db, "dump", d)) != NULL)
		return err;
	if (a->has_signal &&
	    ((err = facts_db1(db, "crashed", d)) != NULL ||
	     (err = facts_db2(db, "signal", d,
			      facts_sym(a->signame))) != NULL ||
	     (err = facts_db2(db, "sigcode", d,
			      facts_num(a->sigcode))) != NULL))
		return err;
	if (a->region != NULL &&
	    (err = facts_db2(db, "fault_region", d,
			     facts_sym(a->region))) != NULL)
		return err;
	if (a->executable != NULL &&
	    (err = facts_db2(db, "exe", d,
			     facts_sym(reason_basename(a->executable)))) !=
	    NULL)
		return err;
	if (a->exe_build_id != NULL &&
	    (err = facts_db2(db, "exe_build", d,
			     facts_sym(a->exe_build_id))) != NULL)
		return err;
	/* Without an image name, the executable's build-id stands for it. */
	if (a->image != NULL)
		err = lpd_buf_puts(&img, a->image);
	else if (a->exe_build_id != NULL)
		err = lpd_buf_printf(&img, "build:%s", a->exe_build_id);
	if (err == NULL && img.data != NULL)
		err = facts_db2(db, "image", d, facts_sym(img.data));
	lpd_buf_deinit(&img);
	if (err != NULL)
		return err;
	if ((a->lpar != NULL &&
	     (err = facts_db2(db, "lpar", d, facts_sym(a->lpar))) != NULL) ||
	    (a->node != NULL &&
	     (err = facts_db2(db, "node", d, facts_sym(a->node))) != NULL) ||
	    (err = facts_db2(db, "time", d, facts_num((double)a->time))) !=
	    NULL)
		return err;
	for (i = 0; i < a->n_norm; i++) {
		struct reason_term t[3] = {
			facts_sym(d), facts_num((double)i),
			facts_sym(a->norm[i].key),
		};

		if ((err = reason_db_add(db, "frame", t, 3)) != NULL)
			return err;
	}
	for (i = 0; i < a->n_threads; i++) {
		const struct reason_thread *th = &a->threads[i];
		struct reason_term t[4] = {
			facts_sym(d), facts_num(th->tid),
			facts_sym(th->state),
			facts_sym(th->top != NULL ? th->top : ""),
		};

		if (i == a->crashed)
			continue;
		if ((err = reason_db_add(db, "thread_state", t, 4)) != NULL)
			return err;
	}
	for (i = 0; i < a->n_modules; i++) {
		struct reason_term t[3] = {
			facts_sym(d),
			facts_sym(reason_basename(a->modules[i].path)),
			facts_sym(a->modules[i].build_id != NULL
				  ? a->modules[i].build_id : ""),
		};

		if ((err = reason_db_add(db, "module", t, 3)) != NULL)
			return err;
	}
	for (i = 0; i < a->n_values; i++) {
		struct reason_term t[3] = {
			facts_sym(d), facts_sym(a->values[i].key),
			facts_sym(a->values[i].value),
		};

		if ((err = reason_db_add(db, "value", t, 3)) != NULL)
			return err;
	}
	for (i = 0; i < a->n_facts; i++) {
		const struct reason_pfact *f = &a->facts[i];
		struct reason_term t[17];
		size_t k;

		t[0] = facts_sym(d);
		for (k = 0; k < f->n_args; k++)
			t[k + 1] = f->args[k].sym != NULL
				   ? facts_sym(f->args[k].sym)
				   : facts_num(f->args[k].num);
		if ((err = reason_db_add(db, f->pred, t, k + 1)) != NULL)
			return err;
	}
	return NULL;
}

struct lpd_error *
reason_db_add_pair(struct reason_db *db, const struct reason_analysis *a,
		   const char *ida, const struct reason_analysis *b,
		   const char *idb, const struct reason_comparison *c)
{
	struct reason_term t[4];
	struct lpd_error *err;
	double s;
	size_t d;

	if ((err = facts_db_one(db, a, ida)) != NULL ||
	    (err = facts_db_one(db, b, idb)) != NULL)
		return err;
	t[0] = facts_sym(ida);
	t[1] = facts_sym(idb);
	if ((err = reason_db_add(db, "pair", t, 2)) != NULL)
		return err;
	for (d = 0; d < REASON_DIM_COUNT; d++) {
		if (!reason_comparison_dim(c, (enum reason_dim)d, &s))
			continue;
		t[2] = facts_sym(reason_dim_name((enum reason_dim)d));
		/* Rounded so proofs print the value the report shows. */
		t[3] = facts_num(floor(s * 1000 + 0.5) / 1000);
		if ((err = reason_db_add(db, "score", t, 4)) != NULL)
			return err;
	}
	t[2] = facts_sym("overall");
	t[3] = facts_num(floor(reason_comparison_score(c) * 1000 + 0.5) /
			 1000);
	if ((err = reason_db_add(db, "score", t, 4)) != NULL)
		return err;
	if (c->has_first_diff) {
		t[2] = facts_num((double)c->first_diff);
		if ((err = reason_db_add(db, "first_diff", t, 3)) != NULL)
			return err;
	}
	return NULL;
}
