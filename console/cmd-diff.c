/* console/cmd-diff.c - "diff": how two dumps are related. Each side is a
 * core (its executable after a colon or via --exe-a/--exe-b) or a cached
 * facts file (*.json); prints the relations the rules derive with their
 * proofs, the per-dimension scores and the aligned stacks. With --expect,
 * exits 0 when the pair relates as expected and 1 when not (CI gates). */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>

#include "console/load.h"
#include "reasoning/reasoning.h"

struct diff_opts {
	const char *exe[2];
	const char *sysroot;
	const char **debug_dirs;
	size_t n_debug_dirs;
	const char **rules;
	size_t n_rules;
	const char *junit;
	bool markdown;
	enum reason_expect expect;
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

static struct lpd_error *
diff_analyze(struct cmd_ctx *ctx, const struct diff_opts *o,
	     struct dbg_cache *cache, const char *arg, const char *exe_opt,
	     struct reason_analysis **ret)
{
	struct dbg_options dopts = { 0 };
	struct dbg_target *t = NULL;
	struct lpd_error *err;
	char *core, *exe;
	size_t i;

	if ((err = diff_split(arg, &core, &exe)) != NULL)
		return err;
	if (diff_has_suffix(core, ".json")) {
		err = reason_analysis_load(core, ret);
		goto out;
	}
	dopts.exe = exe_opt != NULL ? exe_opt : exe;
	dopts.sysroot = o->sysroot;
	dopts.debug_dirs = o->debug_dirs;
	dopts.n_debug_dirs = o->n_debug_dirs;
	dopts.cache = cache;
	err = dbg_target_load(core, &dopts, &t);
	if (err != NULL)
		goto out;
	for (i = 0; i < dbg_target_warning_count(t); i++)
		cmd_warn(ctx, dbg_target_warning(t, i));
	err = reason_analyze(t, NULL, ret);
out:
	dbg_target_destroy(t);
	lpd_free(core);
	lpd_free(exe);
	return err;
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
	       OPT_JSON, OPT_MD, OPT_JUNIT, OPT_EXPECT, OPT_RULES };
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
	return rv;
}

const struct cmd_entry cmd_diff_entry = {
	.name = "diff",
	.alias = NULL,
	.usage = "[--json|--markdown] [--junit FILE] [--expect same|different]"
		 " [--rules FILE]... [--exe-a EXE] [--exe-b EXE] "
		 "[--sysroot DIR] [--debug-dir DIR] A[:EXE] B[:EXE]",
	.summary = "how two dumps are related: relations with proofs, "
		   "scores per dimension, aligned stacks",
	.exec = cmd_diff_exec,
};
