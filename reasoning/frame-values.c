/* reasoning/frame-values.c - value facts from the crashed frame: the
 * arguments and locals of the innermost frame that is not fault
 * machinery, read through the debugger's value printer. Only what is
 * comparable across runs is kept: scalars, NULL pointers and short strings
 * (other addresses move with ASLR and say nothing about the bug), at most
 * REASON_MAX_FRAME_VALUES of them. */
#include <string.h>

#include <jansson.h>

#include "reasoning/reasoning-int.h"

/* A string longer than this is payload, not state: not a fact. */
enum { FV_MAX_STRING = 40 };
/* Frames unwound to reach the crashed frame. */
enum { FV_MAX_FRAMES = 512 };

/* The comparable text of one variable into OUT, or false to skip it. */
static bool
fv_text(const char *json, size_t len, struct lpd_buf *out)
{
	const char *kind, *state, *text, *value, *q;
	json_error_t je;
	json_t *root;
	bool keep = false;
	size_t n;

	root = json_loadb(json, len, 0, &je);
	if (root == NULL)
		return false;
	kind = json_string_value(json_object_get(root, "kind"));
	state = json_string_value(json_object_get(root, "state"));
	text = json_string_value(json_object_get(root, "text"));
	value = json_string_value(json_object_get(root, "value"));
	if (kind == NULL || state == NULL || text == NULL ||
	    strcmp(state, "ok") != 0)
		goto out;
	if (strcmp(kind, "int") == 0 || strcmp(kind, "char") == 0 ||
	    strcmp(kind, "bool") == 0 || strcmp(kind, "float") == 0 ||
	    strcmp(kind, "enum") == 0) {
		keep = strlen(text) <= FV_MAX_STRING &&
		       lpd_buf_puts(out, text) == NULL;
	} else if (strcmp(kind, "pointer") == 0) {
		/* value "0x0", or text "0x5555... \"text\"" for a char
		 * pointer (the text of a top-level pointer is typed). */
		q = strchr(text, '"');
		n = q != NULL ? strlen(q) : 0;
		if (value != NULL && strcmp(value, "0x0") == 0)
			keep = lpd_buf_puts(out, "NULL") == NULL;
		else if (q != NULL && n >= 2 && q[n - 1] == '"' &&
			 n - 2 <= FV_MAX_STRING)
			keep = lpd_buf_puts(out, q) == NULL;
	}
out:
	json_decref(root);
	return keep;
}

/* Key "frame.FUNCTION.NAME": the canonical function, so the same
 * variable of the same function compares across builds and paths. */
static struct lpd_error *
fv_add(struct reason_analysis *a, const char *function,
       const struct dbg_var *v, size_t *added)
{
	struct lpd_buf b = LPD_BUF_INIT, val = LPD_BUF_INIT;
	struct lpd_json j;
	struct lpd_error *err;
	char *fn, *key;

	if (v->name == NULL || v->value == NULL)
		return NULL;
	lpd_json_init(&j, &b);
	err = dbg_value_json(v->value, &j);
	if (err == NULL)
		err = lpd_json_finish(&j);
	if (err != NULL) {
		lpd_buf_deinit(&b);
		/* An unreadable value is no fact; only memory is fatal. */
		if (err == &lpd_enomem)
			return err;
		lpd_error_destroy(err);
		return NULL;
	}
	if (!fv_text(b.data, b.len, &val)) {
		lpd_buf_deinit(&b);
		lpd_buf_deinit(&val);
		return NULL;
	}
	fn = reason_canonical_function(function);
	key = fn != NULL ? lpd_asprintf("frame.%s.%s", fn, v->name) : NULL;
	err = key != NULL ? reason_analysis_add_value(a, key, val.data)
			  : &lpd_enomem;
	if (err == NULL)
		(*added)++;
	lpd_free(fn);
	lpd_free(key);
	lpd_buf_deinit(&b);
	lpd_buf_deinit(&val);
	return err;
}

struct lpd_error *
reason_frame_values(struct reason_analysis *a, struct dbg_target *t)
{
	const struct reason_thread *th;
	const struct dbg_frame *f;
	struct dbg_var *vars = NULL;
	struct dbg_stack *s = NULL;
	struct lpd_error *err;
	size_t raw, n = 0, i, added = 0;

	if (a->n_norm == 0 || a->crashed >= a->n_threads)
		return NULL;
	th = &a->threads[a->crashed];
	raw = a->norm[0].raw;
	if (raw >= th->n_frames || th->frames[raw].function == NULL)
		return NULL;
	err = dbg_unwind_thread(t, a->crashed, FV_MAX_FRAMES, &s);
	if (err == NULL && raw >= dbg_stack_frame_count(s))
		goto out;
	if (err == NULL) {
		f = dbg_stack_frame(s, raw);
		/* The stack must be the one the facts were drawn from. */
		if (f->function == NULL ||
		    strcmp(f->function, th->frames[raw].function) != 0)
			goto out;
		err = dbg_frame_vars(t, s, raw,
				     DBG_VARS_ARGS | DBG_VARS_LOCALS, &vars,
				     &n);
	}
	for (i = 0; err == NULL && i < n &&
	     added < REASON_MAX_FRAME_VALUES; i++)
		err = fv_add(a, th->frames[raw].function, &vars[i], &added);
out:
	dbg_vars_free(vars, n);
	dbg_stack_destroy(s);
	/* Values are evidence, not the analysis: a frame without readable
	 * DWARF yields none rather than failing the dump. */
	if (err != NULL && err != &lpd_enomem) {
		lpd_error_destroy(err);
		err = NULL;
	}
	return err;
}
