/* console/capture.c - importing a core with its image: the repository
 * stores, the debugger finds. Each module the core maps is looked up as bt
 * looks it up (core path, --sysroot, build-id dirs, .gnu_debuglink), then
 * on debuginfod; the repository keeps one blob per build-id. This sits in
 * the console because repo/ is below debugger/ and must not call it. */
#include <stdio.h>
#include <string.h>

#include "console/load.h"

static void
capture_warn(struct cmd_ctx *ctx, const char *fmt, ...) LPD_PRINTF(2, 3);

static void
capture_warn(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->json)
		return;
	fputs("warning: ", ctx->err);
	va_start(ap, fmt);
	vfprintf(ctx->err, fmt, ap);
	va_end(ap);
	fputc('\n', ctx->err);
}

/* Object KIND of module M: reuse the repository's copy of its build-id,
 * else store FILE, else ask debuginfod. *stored: one was recorded. */
static struct lpd_error *
capture_object(struct cmd_ctx *ctx, struct repo_import *imp,
	       const struct capture_options *o,
	       const struct dbg_module_info *m, enum repo_object_kind kind,
	       const char *file, struct capture_result *res, bool *stored)
{
	struct lpd_error *err;
	char *fetched = NULL;

	*stored = false;
	if (m->build_id != NULL) {
		err = repo_import_add_known(imp, kind, m->name, m->build_id,
					    stored);
		if (err != NULL || *stored)
			return err;
	}
	if (file != NULL) {
		err = repo_import_add_file(imp, kind, m->name, m->build_id,
					   file, kind == REPO_OBJECT_DEBUG
					   ? "debug file" : m->found_by);
		*stored = err == NULL;
		return err;
	}
	if (!o->debuginfod || m->build_id == NULL)
		return NULL;
	err = repo_debuginfod_fetch(kind, m->build_id, &fetched);
	if (err == &lpd_not_found)
		return NULL;
	if (err != NULL) {
		/* The server's trouble is not the import's: warn, go on. */
		capture_warn(ctx, "%s", err->message);
		lpd_error_destroy(err);
		return NULL;
	}
	err = repo_import_add_file(imp, kind, m->name, m->build_id, fetched,
				   "debuginfod");
	lpd_free(fetched);
	if (err == NULL) {
		*stored = true;
		res->from_debuginfod++;
	}
	return err;
}

static struct lpd_error *
capture_image(struct cmd_ctx *ctx, struct repo_import *imp,
	      const struct capture_options *o, struct capture_result *res)
{
	struct dbg_target *t;
	struct lpd_error *err;
	size_t i, n;

	err = dbg_target_load(repo_import_core_file(imp), &o->dbg, &t);
	if (err != NULL)
		return err;
	n = dbg_target_module_count(t);
	for (i = 0; i < n && err == NULL; i++) {
		struct dbg_module_info m;
		bool have_exec = false, have_debug = false;
		const char *debug;

		dbg_target_module_info(t, i, &m);
		if (m.name == NULL || m.name[0] != '/')
			continue;	/* [vdso]: its image is in the core */
		err = capture_object(ctx, imp, o, &m, REPO_OBJECT_EXEC,
				     m.file, res, &have_exec);
		if (err != NULL)
			break;
		/* A separate debug file; the file itself when it has DWARF
		 * needs no second copy. */
		debug = m.debug_file != NULL && (m.file == NULL ||
			strcmp(m.debug_file, m.file) != 0)
			? m.debug_file : NULL;
		if (debug != NULL || m.debug_file == NULL)
			err = capture_object(ctx, imp, o, &m,
					     REPO_OBJECT_DEBUG, debug, res,
					     &have_debug);
		if (!have_exec && !have_debug) {
			res->missing++;
			capture_warn(ctx, "%.*s: no file for %s%s%s: its "
				     "frames will be '\?\?'", REPO_ID_LEN,
				     repo_import_hash(imp), m.name,
				     m.build_id ? " build-id " : "",
				     m.build_id ? m.build_id : "");
		}
	}
	dbg_target_destroy(t);
	return err;
}

struct lpd_error *
capture_import(struct cmd_ctx *ctx, struct repo *r, const char *path,
	       const struct capture_options *o, struct capture_result *ret)
{
	struct capture_result res;
	struct repo_import *imp;
	struct lpd_error *err;

	memset(&res, 0, sizeof(res));
	err = repo_import_begin(r, path, &o->import, &imp);
	if (err != NULL)
		return err;
	res.existed = repo_import_exists(imp);
	if (!repo_import_has_image(imp) && !res.existed)
		err = capture_image(ctx, imp, o, &res);
	if (err == NULL)
		err = repo_import_commit(imp, res.hash);
	res.objects = repo_import_object_count(imp);
	repo_import_destroy(imp);
	if (err != NULL)
		return lpd_error_prefix(err, "importing %s", path);
	*ret = res;
	return NULL;
}
