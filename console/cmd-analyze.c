/* console/cmd-analyze.c - "analyze": one dump's facts (what diff and
 * triage reason over), with the facts of every plugin that recognizes it;
 * "plugins": the plugins a run would use. Also the plugin options the
 * other commands share (--plugin SO, the XDG plugin directory). */
#include <stdio.h>
#include <string.h>

#include "console/load.h"
#include "plugins/plugin.h"
#include "reasoning/reasoning.h"

bool
cmd_plugin_opt(void *arg, const char *value)
{
	struct cmd_plugin_opts *o = arg;
	const char **v = lpd_reallocarray(o->paths, o->n + 1, sizeof(*v));

	if (v == NULL)
		return false;
	v[o->n++] = value;
	o->paths = v;
	return true;
}

struct lpd_error *
cmd_plugins_open(const struct cmd_plugin_opts *o, struct plugins **ret)
{
	struct plugins *s;
	struct lpd_error *err;
	char *dir;

	if ((err = plugins_create(&s)) != NULL)
		return err;
	dir = plugins_default_dir();
	if (dir != NULL)
		err = plugins_load_dir(s, dir);
	lpd_free(dir);
	for (size_t i = 0; err == NULL && o != NULL && i < o->n; i++)
		err = plugins_load(s, o->paths[i]);
	if (err != NULL) {
		plugins_destroy(s);
		return err;
	}
	*ret = s;
	return NULL;
}

void
cmd_plugins_warn(void *arg, const char *msg)
{
	cmd_warn(arg, msg);
}

static enum cmd_retval
cmd_analyze_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct cmd_plugin_opts po = { 0 };
	const struct load_extra extra[] = {
		{ "plugin", 0, 1, cmd_plugin_opt, &po },
		{ NULL, 0, 0, NULL, NULL },
	};
	struct lpd_buf buf = LPD_BUF_INIT;
	struct reason_analysis *a = NULL;
	struct dbg_target *t = NULL;
	struct plugins *ps = NULL;
	struct lpd_error *err;
	struct load_args la;
	enum cmd_retval rv;
	struct lpd_json j;

	rv = load_parse(ctx, &cmd_analyze_entry, argc, argv, extra, &la);
	if (rv != CMD_RETURN_OK)
		goto out;
	if ((err = cmd_plugins_open(&po, &ps)) != NULL ||
	    (err = load_target(&la, &t)) != NULL)
		goto fail;
	load_print_warnings(ctx, t);
	if ((err = reason_analyze(t, NULL, &a)) != NULL ||
	    (err = plugins_analyze(ps, t, a, cmd_plugins_warn, ctx)) != NULL)
		goto fail;
	if (ctx->json) {
		lpd_json_init(&j, &buf);
		reason_analysis_to_json(a, &j);
		if ((err = lpd_json_finish(&j)) != NULL)
			goto fail;
		fprintf(ctx->out, "%s\n", buf.data);
	} else {
		size_t n = reason_analysis_fact_count(a);

		fprintf(ctx->out, "%s: %zu plugin fact%s\n",
			reason_analysis_id(a), n, n == 1 ? "" : "s");
		for (size_t i = 0; i < n; i++) {
			const char *plugin, *version;
			char *text = reason_analysis_fact_text(a, i, &plugin,
							       &version);

			if (text == NULL) {
				err = &lpd_enomem;
				goto fail;
			}
			fprintf(ctx->out, "  %-10s %-5s %s\n", plugin, version,
				text);
			lpd_free(text);
		}
	}
	rv = CMD_RETURN_OK;
	goto out;
fail:
	rv = cmd_fail(ctx, err);
out:
	lpd_buf_deinit(&buf);
	reason_analysis_destroy(a);
	dbg_target_destroy(t);
	plugins_destroy(ps);
	load_args_deinit(&la);
	lpd_free(po.paths);
	return rv;
}

const struct cmd_entry cmd_analyze_entry = {
	"analyze", NULL,
	"[--json] [--plugin SO]... [--sysroot DIR] [--debug-dir DIR] "
	"CORE [EXE]",
	"a dump's facts, with those of every plugin that recognizes it",
	cmd_analyze_exec,
};

static enum cmd_retval
cmd_plugins_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct cmd_plugin_opts po = { 0 };
	struct lpd_buf buf = LPD_BUF_INIT;
	struct plugins *ps = NULL;
	struct lpd_error *err;
	enum cmd_retval rv;
	struct lpd_json j;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			ctx->json = true;
		} else if (strcmp(argv[i], "--plugin") == 0 && i + 1 < argc) {
			if (!cmd_plugin_opt(&po, argv[++i])) {
				lpd_free(po.paths);
				return cmd_fail(ctx, &lpd_enomem);
			}
		} else {
			lpd_free(po.paths);
			return cmd_usage(ctx, &cmd_plugins_entry,
					 "bad argument '%s'", argv[i]);
		}
	}
	err = cmd_plugins_open(&po, &ps);
	lpd_free(po.paths);
	if (err != NULL)
		return cmd_fail(ctx, err);
	lpd_json_init(&j, &buf);
	lpd_json_array_begin(&j);
	for (size_t k = 0; k < plugins_count(ps); k++) {
		const char *name, *version, *origin;
		bool rules;

		plugins_info(ps, k, &name, &version, &origin, &rules);
		if (!ctx->json) {
			fprintf(ctx->out, "%-12s %-6s %-5s %s\n", name,
				version, rules ? "rules" : "-", origin);
			continue;
		}
		lpd_json_object_begin(&j);
		lpd_json_key(&j, "name");
		lpd_json_string(&j, name);
		lpd_json_key(&j, "version");
		lpd_json_string(&j, version);
		lpd_json_key(&j, "origin");
		lpd_json_string(&j, origin);
		lpd_json_key(&j, "rules");
		lpd_json_bool(&j, rules);
		lpd_json_object_end(&j);
	}
	lpd_json_array_end(&j);
	err = lpd_json_finish(&j);
	if (err == NULL && ctx->json)
		fprintf(ctx->out, "%s\n", buf.data);
	rv = err != NULL ? cmd_fail(ctx, err) : CMD_RETURN_OK;
	lpd_buf_deinit(&buf);
	plugins_destroy(ps);
	return rv;
}

const struct cmd_entry cmd_plugins_entry = {
	"plugins", NULL, "[--json] [--plugin SO]...",
	"the analyzer plugins: built-in, $XDG_DATA_HOME/lpardbg/plugins, "
	"--plugin",
	cmd_plugins_exec,
};
