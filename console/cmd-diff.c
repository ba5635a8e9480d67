/* console/cmd-diff.c - "diff": how two dumps are related. Each side is a
 * core (its executable after a colon or via --exe-a/--exe-b), a cached
 * facts file (*.json) or a repository dump id (its LPAR, node, image and
 * time then come from the repository index); prints the relations the
 * rules derive with their proofs, the per-dimension scores and the
 * aligned stacks. With --expect,
 * exits 0 when the pair relates as expected and 1 when not (CI gates). */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>

#include "console/load.h"
#include "plugins/plugin.h"
#include "reasoning/reasoning.h"

struct diff_opts {
	const char *exe[2];
	const char *repo;		/* --repo DIR for dump ids */
	const char *sysroot;
	const char **debug_dirs;
	size_t n_debug_dirs;
	const char **rules;
	size_t n_rules;
	const char *junit;
	bool markdown;
	enum reason_expect expect;
	struct cmd_plugin_opts popts;	/* --plugin SO */
	struct plugins *plugins;	/* their facts join each side's */
};

static bool
diff_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* "CORE:EXE" -> core and exe. A string naming an existing file is a core
 * even when it contains ':'; otherwise it splits at the last ':'. */
static struct lpd_error *
diff_split(const char *arg, char **core_ret, char **exe_ret)
{
	struct stat st;
	const char *colon = strrchr(arg, ':');

	*exe_ret = NULL;
	if (stat(arg, &st) == 0 || colon == NULL || colon == arg) {
		*core_ret = lpd_strdup(arg);
		return *core_ret != NULL ? NULL : &lpd_enomem;
	}
	*core_ret = lpd_strndup(arg, (size_t)(colon - arg));
	*exe_ret = colon[1] != '\0' ? lpd_strdup(colon + 1) : NULL;
	if (*core_ret == NULL || (colon[1] != '\0' && *exe_ret == NULL)) {
		lpd_free(*core_ret);
		lpd_free(*exe_ret);
		return &lpd_enomem;
	}
	return NULL;
}

static bool
diff_push(const char ***v, size_t *n, const char *s)
{
	const char **nv = lpd_reallocarray(*v, *n + 1, sizeof(**v));

	if (nv == NULL)
		return false;
	nv[(*n)++] = s;
	*v = nv;
	return true;
}

/* What the repository index knows of a dump and its core does not: the
 * LPAR and node it came from, its image, when it was taken. */
static struct lpd_error *
diff_repo_meta(const struct repo_dump *d, struct reason_meta *m,
	       char id[REPO_ID_LEN + 1], char **image_ret)
{
	snprintf(id, REPO_ID_LEN + 1, "%.*s", REPO_ID_LEN, d->hash);
	m->id = id;
	m->lpar = d->lpar;
	m->node = d->node;
	m->time = d->time_taken;
	*image_ret = NULL;
	if (d->image != NULL) {
		*image_ret = d->image_version != NULL
			? lpd_asprintf("%s:%s", d->image, d->image_version)
			: lpd_strdup(d->image);
		if (*image_ret == NULL)
			return &lpd_enomem;
	}
	m->image = *image_ret;
	return NULL;
}

/* ARG is a facts file (*.json), a core (CORE[:EXE]) or a repository dump
 * id or unique prefix, which load_target() checks out. */
static struct lpd_error *
diff_analyze(struct cmd_ctx *ctx, const struct diff_opts *o,
	     struct dbg_cache *cache, const char *arg, const char *exe_opt,
	     struct reason_analysis **ret)
{
	struct load_args la;
	struct reason_meta meta = { 0 };
	struct dbg_target *t = NULL;
	struct lpd_error *err;
	char *core, *exe, *image = NULL, id[REPO_ID_LEN + 1];
	size_t i;

	memset(&la, 0, sizeof(la));
	if ((err = diff_split(arg, &core, &exe)) != NULL)
		return err;
	if (diff_has_suffix(core, ".json")) {
		err = reason_analysis_load(core, ret);
		goto out;
	}
	la.core = core;
	la.exe = exe_opt != NULL ? exe_opt : exe;
	la.sysroot = o->sysroot;
	la.repo = o->repo;
	la.cache = cache;
	for (i = 0; i < o->n_debug_dirs; i++)
		if (!diff_push(&la.debug_dirs, &la.n_debug_dirs,
			       o->debug_dirs[i])) {
			err = &lpd_enomem;
			goto out;
		}
	if ((err = load_target(&la, &t)) != NULL)
		goto out;
	load_print_warnings(ctx, t);
	if (la.dump != NULL && repo_dump_list_count(la.dump) > 0 &&
	    (err = diff_repo_meta(repo_dump_list_at(la.dump, 0), &meta, id,
				  &image)) != NULL)
		goto out;
	err = reason_analyze(t, la.dump != NULL ? &meta : NULL, ret);
	if (err == NULL && o->plugins != NULL)
		err = plugins_analyze(o->plugins, t, *ret, cmd_plugins_warn,
				      ctx);
out:
	dbg_target_destroy(t);
	load_args_deinit(&la);
	lpd_free(image);
	lpd_free(core);
	lpd_free(exe);
	return err;
}

static enum cmd_retval
diff_write_file(struct cmd_ctx *ctx, const char *path, const char *data)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return cmd_fail(ctx, lpd_error_os(errno, path));
	fputs(data != NULL ? data : "", f);
	if (fclose(f) != 0)
		return cmd_fail(ctx, lpd_error_os(errno, path));
	return CMD_RETURN_OK;
}

static enum cmd_retval
cmd_diff_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	enum { OPT_EXE_A = 256, OPT_EXE_B, OPT_SYSROOT, OPT_DEBUG_DIR,
	       OPT_JSON, OPT_MD, OPT_JUNIT, OPT_EXPECT, OPT_RULES, OPT_REPO,
	       OPT_PLUGIN };
	static const struct option longopts[] = {
		{ "exe-a", required_argument, NULL, OPT_EXE_A },
		{ "exe-b", required_argument, NULL, OPT_EXE_B },
		{ "sysroot", required_argument, NULL, OPT_SYSROOT },
		{ "debug-dir", required_argument, NULL, OPT_DEBUG_DIR },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "markdown", no_argument, NULL, OPT_MD },
		{ "junit", required_argument, NULL, OPT_JUNIT },
		{ "expect", required_argument, NULL, OPT_EXPECT },
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "repo", required_argument, NULL, OPT_REPO },
		{ "plugin", required_argument, NULL, OPT_PLUGIN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct diff_opts o = { 0 };
	struct reason_analysis *an[2] = { NULL, NULL };
	struct reason_comparison *cmp = NULL;
	struct reason_rules *rules = NULL;
	struct reason_db *db = NULL;
	struct dbg_cache *cache = NULL;
	struct lpd_buf out = LPD_BUF_INIT, junit = LPD_BUF_INIT;
	enum cmd_retval rv = CMD_RETURN_OK;
	struct lpd_error *err = NULL;
	char *ids[2] = { NULL, NULL };
	bool met = true;
	size_t i;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_EXE_A: o.exe[0] = optarg; break;
		case OPT_EXE_B: o.exe[1] = optarg; break;
		case OPT_SYSROOT: o.sysroot = optarg; break;
		case OPT_REPO: o.repo = optarg; break;
		case OPT_PLUGIN:
			if (!cmd_plugin_opt(&o.popts, optarg))
				err = &lpd_enomem;
			break;
		case OPT_DEBUG_DIR:
			if (!diff_push(&o.debug_dirs, &o.n_debug_dirs, optarg))
				err = &lpd_enomem;
			break;
		case OPT_RULES:
			if (!diff_push(&o.rules, &o.n_rules, optarg))
				err = &lpd_enomem;
			break;
		case OPT_JSON: ctx->json = true; break;
		case OPT_MD: o.markdown = true; break;
		case OPT_JUNIT: o.junit = optarg; break;
		case OPT_EXPECT:
			if (strcmp(optarg, "same") == 0)
				o.expect = REASON_EXPECT_SAME;
			else if (strcmp(optarg, "different") == 0)
				o.expect = REASON_EXPECT_DIFFERENT;
			else {
				rv = cmd_usage(ctx, &cmd_diff_entry,
					"--expect takes 'same' or "
					"'different', not '%s'", optarg);
				goto out;
			}
			break;
		case 'h':
			fprintf(ctx->out, "usage: lpardbg %s %s\n  %s\n",
				cmd_diff_entry.name, cmd_diff_entry.usage,
				cmd_diff_entry.summary);
			rv = CMD_RETURN_USAGE;
			goto out;
		default:
			rv = cmd_usage(ctx, &cmd_diff_entry, "bad option '%s'",
				       argv[optind - 1]);
			goto out;
		}
		if (err != NULL)
			goto fail;
	}
	if (argc - optind != 2) {
		rv = cmd_usage(ctx, &cmd_diff_entry,
			       "diff takes two dumps, A and B");
		goto out;
	}
	if ((err = reason_rules_create(true, &rules)) != NULL)
		goto fail;
	if ((err = cmd_plugins_open(&o.popts, &o.plugins)) != NULL ||
	    (err = plugins_add_rules(o.plugins, rules)) != NULL)
		goto fail;
	for (i = 0; i < o.n_rules; i++)
		if ((err = reason_rules_add_file(rules, o.rules[i])) != NULL)
			goto fail;
	if ((err = dbg_cache_create(&cache)) != NULL)
		goto fail;
	for (i = 0; i < 2; i++) {
		err = diff_analyze(ctx, &o, cache, argv[optind + i], o.exe[i],
				   &an[i]);
		if (err != NULL) {
			err = lpd_error_prefix(err, "%s", i == 0 ? "A" : "B");
			goto fail;
		}
	}
	if ((err = reason_compare(an[0], an[1], NULL, &cmp)) != NULL)
		goto fail;
	/* Facts name the dumps by id; make the two ids distinct. */
	for (i = 0; i < 2; i++) {
		bool clash = strcmp(reason_analysis_id(an[0]),
				    reason_analysis_id(an[1])) == 0;

		ids[i] = clash ? lpd_asprintf("%c:%s", i == 0 ? 'A' : 'B',
					      reason_analysis_id(an[i]))
			       : lpd_strdup(reason_analysis_id(an[i]));
		if (ids[i] == NULL) {
			err = &lpd_enomem;
			goto fail;
		}
	}
	if ((err = reason_db_create(&db)) != NULL ||
	    (err = reason_db_add_pair(db, an[0], ids[0], an[1], ids[1],
				      cmp)) != NULL ||
	    (err = reason_rules_eval(rules, db, NULL)) != NULL)
		goto fail;
	if (o.expect != REASON_EXPECT_NONE)
		met = reason_pair_is_same(db) ==
		      (o.expect == REASON_EXPECT_SAME);
	err = reason_report_diff(an[0], an[1], cmp, rules, db, o.expect, met,
				 ctx->json ? REASON_FORMAT_JSON
				 : o.markdown ? REASON_FORMAT_MARKDOWN
					      : REASON_FORMAT_TEXT, &out);
	if (err == NULL && o.junit != NULL)
		err = reason_report_diff(an[0], an[1], cmp, rules, db,
					 o.expect, met, REASON_FORMAT_JUNIT,
					 &junit);
	if (err != NULL)
		goto fail;
	fputs(out.data != NULL ? out.data : "", ctx->out);
	if (ctx->json)
		fputc('\n', ctx->out);
	if (o.junit != NULL &&
	    (rv = diff_write_file(ctx, o.junit, junit.data)) != CMD_RETURN_OK)
		goto out;
	rv = met ? CMD_RETURN_OK : CMD_RETURN_DIFFERENT;
	goto out;
fail:
	rv = cmd_fail(ctx, err);
out:
	lpd_buf_deinit(&out);
	lpd_buf_deinit(&junit);
	reason_db_destroy(db);
	reason_comparison_destroy(cmp);
	for (i = 0; i < 2; i++) {
		reason_analysis_destroy(an[i]);
		lpd_free(ids[i]);
	}
	reason_rules_destroy(rules);
	dbg_cache_destroy(cache);
	lpd_free(o.debug_dirs);
	lpd_free(o.rules);
	plugins_destroy(o.plugins);
	lpd_free(o.popts.paths);
	return rv;
}

const struct cmd_entry cmd_diff_entry = {
	.name = "diff",
	.alias = NULL,
	.usage = "[--json|--markdown] [--junit FILE] [--expect same|different]"
		 " [--rules FILE]... [--plugin SO]... [--exe-a EXE] [--exe-b EXE] "
		 "[--sysroot DIR] [--debug-dir DIR] [--repo DIR] A[:EXE] "
		 "B[:EXE]   (A, B: cores, facts files or repository dump ids)",
	.summary = "how two dumps are related: relations with proofs, "
		   "scores per dimension, aligned stacks",
	.exec = cmd_diff_exec,
};
