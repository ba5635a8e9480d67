/* console/cmd-repo.c - "repo": init, import, ls, show, rm, label, gc,
 * verify and export on the repository (--repo DIR, $LPARDBG_REPO, or
 * $XDG_DATA_HOME/lpardbg/repo). Image capture is capture.c's. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "console/load.h"
#include "console/remote-cmd.h"
#include "remote/remote.h"

/* Options every subcommand may take, plus its own. */
struct repo_args {
	const char *repo;
	const char **labels, **del, **debug_dirs;
	size_t n_labels, n_del, n_debug_dirs;
	struct repo_filter f;
	const char *lpar, *node, *image, *reason, *exe, *sysroot, *out;
	bool no_debuginfod;
	int first;			/* optind after parsing */
};

enum {
	OPT_REPO = 256, OPT_JSON, OPT_LPAR, OPT_NODE, OPT_IMAGE, OPT_LABEL,
	OPT_REASON, OPT_EXE, OPT_SYSROOT, OPT_DEBUG_DIR, OPT_NO_DEBUGINFOD,
	OPT_SIGNAL, OPT_SINCE, OPT_UNTIL, OPT_LIMIT, OPT_REMOVE,
};

static const struct option repo_longopts[] = {
	{ "repo", required_argument, NULL, OPT_REPO },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "lpar", required_argument, NULL, OPT_LPAR },
	{ "node", required_argument, NULL, OPT_NODE },
	{ "image", required_argument, NULL, OPT_IMAGE },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "reason", required_argument, NULL, OPT_REASON },
	{ "exe", required_argument, NULL, OPT_EXE },
	{ "sysroot", required_argument, NULL, OPT_SYSROOT },
	{ "debug-dir", required_argument, NULL, OPT_DEBUG_DIR },
	{ "no-debuginfod", no_argument, NULL, OPT_NO_DEBUGINFOD },
	{ "signal", required_argument, NULL, OPT_SIGNAL },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "remove", required_argument, NULL, OPT_REMOVE },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

#define B(o) (1u << ((o) - OPT_REPO))
static const struct {
	const char *name, *usage;
	unsigned opts;			/* bit per OPT_* - OPT_REPO allowed */
} repo_subs[] = {
	{ "init", "", 0 },
	{ "import", "[--lpar L] [--node N] [--image NAME[:VER]] [--label X]... "
	  "[--reason R] [--exe EXE] [--sysroot DIR] [--debug-dir DIR]... "
	  "[--no-debuginfod] PATH...", B(OPT_LPAR) | B(OPT_NODE) |
	  B(OPT_IMAGE) | B(OPT_LABEL) | B(OPT_REASON) | B(OPT_EXE) |
	  B(OPT_SYSROOT) | B(OPT_DEBUG_DIR) | B(OPT_NO_DEBUGINFOD) },
	{ "ls", "[--lpar L] [--node N] [--image I] [--signal S] [--since T] "
	  "[--until T] [--label X] [--exe E] [--limit N]", B(OPT_LPAR) |
	  B(OPT_NODE) | B(OPT_IMAGE) | B(OPT_LABEL) | B(OPT_EXE) |
	  B(OPT_SIGNAL) | B(OPT_SINCE) | B(OPT_UNTIL) | B(OPT_LIMIT) },
	{ "show", "ID", 0 },
	{ "rm", "ID...", 0 },
	{ "label", "ID [--remove LABEL]... [LABEL]...", B(OPT_REMOVE) },
	{ "gc", "", 0 },
	{ "verify", "", 0 },
	{ "export", "ID -o FILE", 1u << 16 },
};
#undef B

static bool
repo_push(const char ***v, size_t *n, const char *s)
{
	const char **p = lpd_reallocarray(*v, *n + 1, sizeof(*p));

	if (p == NULL)
		return false;
	p[(*n)++] = s;
	*v = p;
	return true;
}

static void
repo_args_deinit(struct repo_args *a)
{
	lpd_free(a->labels);
	lpd_free(a->del);
	lpd_free(a->debug_dirs);
}

static enum cmd_retval
repo_usage(struct cmd_ctx *ctx, size_t sub, const char *fmt, const char *arg)
{
	if (fmt != NULL) {
		fputs("lpardbg: ", ctx->err);
		fprintf(ctx->err, fmt, arg);
		fputc('\n', ctx->err);
	}
	fprintf(ctx->err, "usage: lpardbg repo %s [--repo DIR] [--json] %s\n",
		repo_subs[sub].name, repo_subs[sub].usage);
	return CMD_RETURN_USAGE;
}

static enum cmd_retval
repo_parse(struct cmd_ctx *ctx, size_t sub, int argc, char **argv,
	   struct repo_args *a)
{
	struct lpd_error *err;
	int c, bit;
	char *end;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "ho:", repo_longopts, NULL)) !=
	       -1) {
		bit = c >= OPT_REPO ? c - OPT_REPO : c == 'o' ? 16 : -1;
		if (c == 'h') {
			repo_usage(ctx, sub, NULL, NULL);
			return CMD_RETURN_USAGE;
		}
		if (c == '?' || (bit >= 2 && !(repo_subs[sub].opts &
					      (1u << bit))))
			return repo_usage(ctx, sub, "bad option '%s'",
					  argv[optind - 1]);
		switch (c) {
		case OPT_REPO: a->repo = optarg; break;
		case OPT_JSON: ctx->json = true; break;
		case OPT_LPAR: a->lpar = a->f.lpar = optarg; break;
		case OPT_NODE: a->node = a->f.node = optarg; break;
		case OPT_IMAGE: a->image = a->f.image = optarg; break;
		case OPT_LABEL:
			a->f.label = optarg;
			if (!repo_push(&a->labels, &a->n_labels, optarg))
				return cmd_fail(ctx, &lpd_enomem);
			break;
		case OPT_REASON: a->reason = optarg; break;
		case OPT_EXE: a->exe = a->f.exe = optarg; break;
		case OPT_SYSROOT: a->sysroot = optarg; break;
		case OPT_DEBUG_DIR:
			if (!repo_push(&a->debug_dirs, &a->n_debug_dirs,
				       optarg))
				return cmd_fail(ctx, &lpd_enomem);
			break;
		case OPT_NO_DEBUGINFOD: a->no_debuginfod = true; break;
		case OPT_SIGNAL:
			a->f.signal = load_parse_signal(optarg);
			if (a->f.signal < 0)
				return repo_usage(ctx, sub, "bad signal '%s'",
						  optarg);
			break;
		case OPT_SINCE:
		case OPT_UNTIL:
			err = repo_parse_time(optarg, (int64_t)time(NULL),
					      c == OPT_SINCE ? &a->f.since
					      : &a->f.until);
			if (err != NULL)
				return cmd_fail(ctx, err);
			if (c == OPT_SINCE)
				a->f.has_since = true;
			else
				a->f.has_until = true;
			break;
		case OPT_LIMIT:
			a->f.limit = (size_t)strtoul(optarg, &end, 10);
			if (*end != '\0' || end == optarg)
				return repo_usage(ctx, sub, "bad limit '%s'",
						  optarg);
			break;
		case OPT_REMOVE:
			if (!repo_push(&a->del, &a->n_del, optarg))
				return cmd_fail(ctx, &lpd_enomem);
			break;
		case 'o': a->out = optarg; break;
		}
	}
	a->first = optind;
	return CMD_RETURN_OK;
}

/* ---- output ------------------------------------------------------------- */

static void
repo_json_dump(struct lpd_json *j, const struct repo_dump *d)
{
	char t[32];
	size_t i;

	lpd_json_object_begin(j);
	lpd_json_key(j, "id");
	snprintf(t, sizeof(t), "%.*s", REPO_ID_LEN, d->hash);
	lpd_json_string(j, t);
	lpd_json_key(j, "hash");
	lpd_json_string(j, d->hash);
	lpd_json_key(j, "lpar");
	lpd_json_string(j, d->lpar);
	lpd_json_key(j, "node");
	lpd_json_string(j, d->node);
	lpd_json_key(j, "image");
	lpd_json_string(j, d->image);
	lpd_json_key(j, "image_version");
	lpd_json_string(j, d->image_version);
	lpd_json_key(j, "time_taken");
	repo_format_time(d->time_taken, t, sizeof(t));
	lpd_json_string(j, t);
	lpd_json_key(j, "time_imported");
	repo_format_time(d->time_imported, t, sizeof(t));
	lpd_json_string(j, t);
	lpd_json_key(j, "executable");
	lpd_json_string(j, d->executable);
	lpd_json_key(j, "pid");
	lpd_json_int(j, d->pid);
	lpd_json_key(j, "signal");
	lpd_json_int(j, d->signal);
	lpd_json_key(j, "signal_name");
	lpd_json_string(j, dump_signal_name(d->signal));
	lpd_json_key(j, "size");
	lpd_json_uint(j, d->size);
	lpd_json_key(j, "reason");
	lpd_json_string(j, d->reason);
	lpd_json_key(j, "source");
	lpd_json_string(j, d->source);
	lpd_json_key(j, "labels");
	lpd_json_array_begin(j);
	for (i = 0; i < d->n_labels; i++)
		lpd_json_string(j, d->labels[i]);
	lpd_json_array_end(j);
	lpd_json_object_end(j);
}

static const char *
repo_base(const char *path)
{
	const char *s;

	if (path == NULL)
		return "-";
	s = strrchr(path, '/');
	return s != NULL ? s + 1 : path;
}

static void
repo_text_row(FILE *o, const struct repo_dump *d)
{
	const char *sn = dump_signal_name(d->signal);
	char t[32];
	size_t i;

	repo_format_time(d->time_taken, t, sizeof(t));
	fprintf(o, "%.*s  %-20s  %-12s %-10s %-8s %7d  %s", REPO_ID_LEN,
		d->hash, t, d->lpar ? d->lpar : "-", d->node ? d->node : "-",
		d->signal == 0 ? "-" : sn ? sn : "?", d->pid,
		repo_base(d->executable));
	for (i = 0; i < d->n_labels; i++)
		fprintf(o, "%s%s", i == 0 ? "  [" : ",", d->labels[i]);
	fputs(d->n_labels > 0 ? "]\n" : "\n", o);
}

/* ---- subcommands --------------------------------------------------------- */

static enum cmd_retval
repo_init_exec(struct cmd_ctx *ctx, struct repo *r, struct repo_args *a,
	       int argc, char **argv)
{
	struct lpd_buf buf = LPD_BUF_INIT;
	struct lpd_json j;
	enum cmd_retval rv;

	(void)a, (void)argc, (void)argv;
	if (!ctx->json) {
		fprintf(ctx->out, "repository %s (schema %d)\n", repo_dir(r),
			REPO_SCHEMA_VERSION);
		return CMD_RETURN_OK;
	}
	lpd_json_init(&j, &buf);
	lpd_json_object_begin(&j);
	lpd_json_key(&j, "repo");
	lpd_json_string(&j, repo_dir(r));
	lpd_json_key(&j, "schema");
	lpd_json_int(&j, REPO_SCHEMA_VERSION);
	lpd_json_object_end(&j);
	rv = cmd_emit_json(ctx, &j, &buf);
	lpd_buf_deinit(&buf);
	return rv;
}

static enum cmd_retval
repo_import_exec(struct cmd_ctx *ctx, struct repo *r, struct repo_args *a,
		 int argc, char **argv)
{
	struct capture_options o;
	struct lpd_buf buf = LPD_BUF_INIT;
	enum cmd_retval rv = CMD_RETURN_OK;
	struct lpd_json j;
	int i;

	if (a->first >= argc)
		return repo_usage(ctx, 1, "nothing to import", NULL);
	memset(&o, 0, sizeof(o));
	o.import.lpar = a->lpar;
	o.import.node = a->node;
	o.import.image = a->image;
	o.import.reason = a->reason;
	o.import.labels = a->labels;
	o.import.n_labels = a->n_labels;
	o.dbg.exe = a->exe;
	o.dbg.sysroot = a->sysroot;
	o.dbg.debug_dirs = a->debug_dirs;
	o.dbg.n_debug_dirs = a->n_debug_dirs;
	o.debuginfod = !a->no_debuginfod;
	lpd_json_init(&j, &buf);
	lpd_json_object_begin(&j);
	lpd_json_key(&j, "imported");
	lpd_json_array_begin(&j);
	for (i = a->first; i < argc; i++) {
		char **files = NULL;
		size_t n = 0, k;
		struct lpd_error *err;

		err = repo_import_expand(argv[i], &files, &n);
		if (err != NULL) {
			rv = cmd_fail(ctx, err);
			continue;
		}
		for (k = 0; k < n; k++) {
			struct capture_result res;

			if (ctx->cancel != NULL && *ctx->cancel)
				break;
			err = capture_import(ctx, r, files[k], &o, &res);
			if (err != NULL) {
				rv = cmd_fail(ctx, err);
				lpd_free(files[k]);
				continue;
			}
			if (ctx->json) {
				char hash_c = res.hash[REPO_ID_LEN];

				lpd_json_object_begin(&j);
				lpd_json_key(&j, "id");
				res.hash[REPO_ID_LEN] = '\0';
				lpd_json_string(&j, res.hash);
				res.hash[REPO_ID_LEN] = hash_c;
				lpd_json_key(&j, "hash");
				lpd_json_string(&j, res.hash);
				lpd_json_key(&j, "source");
				lpd_json_string(&j, files[k]);
				lpd_json_key(&j, "existed");
				lpd_json_bool(&j, res.existed);
				lpd_json_key(&j, "objects");
				lpd_json_uint(&j, res.objects);
				lpd_json_key(&j, "from_debuginfod");
				lpd_json_uint(&j, res.from_debuginfod);
				lpd_json_key(&j, "missing");
				lpd_json_uint(&j, res.missing);
				lpd_json_object_end(&j);
			} else {
				fprintf(ctx->out, "%s %.*s %s (%zu objects%s)"
					"\n", res.existed ? "present "
					: "imported", REPO_ID_LEN, res.hash,
					files[k], res.objects,
					res.from_debuginfod > 0
					? ", some from debuginfod" : "");
				fflush(ctx->out);
			}
			lpd_free(files[k]);
		}
		for (; k < n; k++)
			lpd_free(files[k]);
		lpd_free(files);
	}
	lpd_json_array_end(&j);
	lpd_json_object_end(&j);
	if (ctx->json) {
		enum cmd_retval jr = cmd_emit_json(ctx, &j, &buf);

		if (rv == CMD_RETURN_OK)
			rv = jr;
	}
	lpd_buf_deinit(&buf);
	return rv;
}

static enum cmd_retval
repo_ls_exec(struct cmd_ctx *ctx, struct repo *r, struct repo_args *a,
	     int argc, char **argv)
{
	struct lpd_buf buf = LPD_BUF_INIT;
	struct repo_dump_list *l;
	struct lpd_error *err;
	enum cmd_retval rv = CMD_RETURN_OK;
	struct lpd_json j;
	size_t i, n;

	(void)argv;
	if (a->first < argc)
		return repo_usage(ctx, 2, "unexpected argument '%s'",
				  argv[a->first]);
	err = repo_list_dumps(r, &a->f, &l);
	if (err != NULL)
		return cmd_fail(ctx, err);
	n = repo_dump_list_count(l);
	if (ctx->json) {
		lpd_json_init(&j, &buf);
		lpd_json_array_begin(&j);
		for (i = 0; i < n; i++)
			repo_json_dump(&j, repo_dump_list_at(l, i));
		lpd_json_array_end(&j);
		rv = cmd_emit_json(ctx, &j, &buf);
	} else {
		if (n > 0)
			fprintf(ctx->out, "%-12s  %-20s  %-12s %-10s %-8s %7s "
				" %s\n", "ID", "TAKEN", "LPAR", "NODE",
				"SIGNAL", "PID", "EXECUTABLE");
		for (i = 0; i < n; i++)
			repo_text_row(ctx->out, repo_dump_list_at(l, i));
	}
	lpd_buf_deinit(&buf);
	repo_dump_list_destroy(l);
	return rv;
}

/* The full hash of the dump argv[a->first]. */
static enum cmd_retval
repo_one_id(struct cmd_ctx *ctx, struct repo *r, size_t sub, int argc,
	    char **argv, int at, char hash[REPO_HASH_LEN + 1])
{
	struct lpd_error *err;

	if (at >= argc)
		return repo_usage(ctx, sub, "no dump id given", NULL);
	err = repo_find_dump(r, argv[at], hash);
	return err != NULL ? cmd_fail(ctx, err) : CMD_RETURN_OK;
}

static enum cmd_retval
repo_show_exec(struct cmd_ctx *ctx, struct repo *r, struct repo_args *a,
	       int argc, char **argv)
{
	struct lpd_buf buf = LPD_BUF_INIT;
	char hash[REPO_HASH_LEN + 1], t[32];
	struct repo_dump_list *l = NULL;
	struct repo_object *o = NULL;
	const struct repo_dump *d;
	struct lpd_error *err;
	enum cmd_retval rv;
	struct lpd_json j;
	size_t n = 0, i;
	FILE *out = ctx->out;

	rv = repo_one_id(ctx, r, 3, argc, argv, a->first, hash);
	if (rv != CMD_RETURN_OK)
		return rv;
	err = repo_get_dump(r, hash, &l);
	if (err == NULL)
		err = repo_dump_objects(r, hash, &o, &n);
	if (err != NULL) {
		repo_dump_list_destroy(l);
		return cmd_fail(ctx, err);
	}
	d = repo_dump_list_at(l, 0);
	if (ctx->json) {
		lpd_json_init(&j, &buf);
		lpd_json_object_begin(&j);
		lpd_json_key(&j, "dump");
		repo_json_dump(&j, d);
		lpd_json_key(&j, "objects");
		lpd_json_array_begin(&j);
		for (i = 0; i < n; i++) {
			lpd_json_object_begin(&j);
			lpd_json_key(&j, "kind");
			lpd_json_string(&j, o[i].kind == REPO_OBJECT_DEBUG
					? "debug" : "exec");
			lpd_json_key(&j, "path");
			lpd_json_string(&j, o[i].path);
			lpd_json_key(&j, "build_id");
			lpd_json_string(&j, o[i].build_id);
			lpd_json_key(&j, "blob");
			lpd_json_string(&j, o[i].blob);
			lpd_json_key(&j, "size");
			lpd_json_uint(&j, o[i].size);
			lpd_json_key(&j, "source");
			lpd_json_string(&j, o[i].source);
			lpd_json_object_end(&j);
		}
		lpd_json_array_end(&j);
		lpd_json_object_end(&j);
		rv = cmd_emit_json(ctx, &j, &buf);
	} else {
		const char *sn = dump_signal_name(d->signal);

		fprintf(out, "dump        %s\n", d->hash);
		fprintf(out, "lpar        %s\nnode        %s\n",
			d->lpar ? d->lpar : "-", d->node ? d->node : "-");
		fprintf(out, "image       %s:%s\n", d->image ? d->image : "-",
			d->image_version ? d->image_version : "");
		repo_format_time(d->time_taken, t, sizeof(t));
		fprintf(out, "taken       %s\n", t);
		repo_format_time(d->time_imported, t, sizeof(t));
		fprintf(out, "imported    %s\n", t);
		fprintf(out, "executable  %s\npid         %d\n",
			d->executable ? d->executable : "-", d->pid);
		fprintf(out, "signal      %s (%d)\n", sn ? sn : "-",
			d->signal);
		fprintf(out, "reason      %s\nsize        %" PRIu64 " bytes\n",
			d->reason ? d->reason : "-", d->size);
		fprintf(out, "source      %s\nlabels     ",
			d->source ? d->source : "-");
		for (i = 0; i < d->n_labels; i++)
			fprintf(out, " %s", d->labels[i]);
		fprintf(out, "\nobjects     %zu\n", n);
		for (i = 0; i < n; i++)
			fprintf(out, "  %-5s %-40s %s (%s)\n",
				o[i].kind == REPO_OBJECT_DEBUG ? "debug"
				: "exec", o[i].build_id ? o[i].build_id : "-",
				o[i].path, o[i].source ? o[i].source : "?");
	}
	lpd_buf_deinit(&buf);
	repo_objects_free(o, n);
	repo_dump_list_destroy(l);
	return rv;
}

static enum cmd_retval
repo_rm_exec(struct cmd_ctx *ctx, struct repo *r, struct repo_args *a,
	     int argc, char **argv)
{
	char hash[REPO_HASH_LEN + 1];
	enum cmd_retval rv = CMD_RETURN_OK, one;
	int i;

	if (a->first >= argc)
		return repo_usage(ctx, 4, "no dump id given", NULL);
	for (i = a->first; i < argc; i++) {
		one = repo_one_id(ctx, r, 4, argc, argv, i, hash);
		if (one == CMD_RETURN_OK) {
			struct lpd_error *err = repo_remove_dump(r, hash);

			if (err != NULL)
				one = cmd_fail(ctx, err);
			else if (!ctx->json)
				fprintf(ctx->out, "removed %.*s\n",
					REPO_ID_LEN, hash);
		}
		if (one != CMD_RETURN_OK)
			rv = one;
	}
	if (ctx->json && rv == CMD_RETURN_OK)
		fputs("{\"removed\":true}\n", ctx->out);
	return rv;
}

static enum cmd_retval
repo_label_exec(struct cmd_ctx *ctx, struct repo *r, struct repo_args *a,
		int argc, char **argv)
{
	char hash[REPO_HASH_LEN + 1];
	struct lpd_error *err;
	enum cmd_retval rv;

	rv = repo_one_id(ctx, r, 5, argc, argv, a->first, hash);
	if (rv != CMD_RETURN_OK)
		return rv;
	err = repo_label_dump(r, hash, (const char *const *)argv +
			      a->first + 1, (size_t)(argc - a->first - 1),
			      a->del, a->n_del);
	if (err != NULL)
		return cmd_fail(ctx, err);
	return repo_show_exec(ctx, r, a, argc, argv);
}

static enum cmd_retval
repo_gc_exec(struct cmd_ctx *ctx, struct repo *r, struct repo_args *a,
	     int argc, char **argv)
{
	struct repo_gc_report rep;
	struct lpd_error *err;

	(void)a, (void)argc, (void)argv;
	err = repo_gc(r, &rep);
	if (err != NULL)
		return cmd_fail(ctx, err);
	if (ctx->json)
		fprintf(ctx->out, "{\"blobs_removed\":%zu,\"bytes_freed\":%"
			PRIu64 ",\"images_removed\":%zu,\"tmp_removed\":%zu}\n",
			rep.blobs_removed, rep.bytes_freed, rep.images_removed,
			rep.tmp_removed);
	else
		fprintf(ctx->out, "gc: removed %zu blobs (%" PRIu64 " bytes), "
			"%zu images, %zu temporary files\n", rep.blobs_removed,
			rep.bytes_freed, rep.images_removed, rep.tmp_removed);
	return CMD_RETURN_OK;
}

static enum cmd_retval
repo_verify_exec(struct cmd_ctx *ctx, struct repo *r, struct repo_args *a,
		 int argc, char **argv)
{
	struct lpd_buf buf = LPD_BUF_INIT;
	struct repo_verify_report rep;
	struct lpd_error *err;
	enum cmd_retval rv = CMD_RETURN_OK;
	struct lpd_json j;
	size_t i;

	(void)a, (void)argc, (void)argv;
	err = repo_verify(r, &rep);
	if (err != NULL)
		return cmd_fail(ctx, err);
	if (ctx->json) {
		lpd_json_init(&j, &buf);
		lpd_json_object_begin(&j);
		lpd_json_key(&j, "ok");
		lpd_json_bool(&j, rep.n_problems == 0);
		lpd_json_key(&j, "dumps");
		lpd_json_uint(&j, rep.dumps);
		lpd_json_key(&j, "objects");
		lpd_json_uint(&j, rep.objects);
		lpd_json_key(&j, "blobs");
		lpd_json_uint(&j, rep.blobs);
		lpd_json_key(&j, "unreferenced");
		lpd_json_uint(&j, rep.unreferenced);
		lpd_json_key(&j, "problems");
		lpd_json_array_begin(&j);
		for (i = 0; i < rep.n_problems; i++)
			lpd_json_string(&j, rep.problems[i]);
		lpd_json_array_end(&j);
		lpd_json_object_end(&j);
		rv = cmd_emit_json(ctx, &j, &buf);
	} else {
		for (i = 0; i < rep.n_problems; i++)
			fprintf(ctx->out, "problem: %s\n", rep.problems[i]);
		fprintf(ctx->out, "verify: %zu dumps, %zu image objects, %zu "
			"blobs (%zu unreferenced): %s\n", rep.dumps,
			rep.objects, rep.blobs, rep.unreferenced,
			rep.n_problems == 0 ? "ok" : "PROBLEMS");
	}
	if (rep.n_problems > 0 && rv == CMD_RETURN_OK)
		rv = CMD_RETURN_DIFFERENT;
	repo_verify_report_deinit(&rep);
	lpd_buf_deinit(&buf);
	return rv;
}

static enum cmd_retval
repo_export_exec(struct cmd_ctx *ctx, struct repo *r, struct repo_args *a,
		 int argc, char **argv)
{
	char hash[REPO_HASH_LEN + 1];
	struct lpd_error *err;
	const char *out = a->out;
	enum cmd_retval rv;

	rv = repo_one_id(ctx, r, 8, argc, argv, a->first, hash);
	if (rv != CMD_RETURN_OK)
		return rv;
	if (out == NULL && a->first + 1 < argc)
		out = argv[a->first + 1];
	if (out == NULL)
		return repo_usage(ctx, 8, "no output file (-o FILE)", NULL);
	err = repo_export_dump(r, hash, out);
	if (err != NULL)
		return cmd_fail(ctx, err);
	if (ctx->json)
		fprintf(ctx->out, "{\"hash\":\"%s\"}\n", hash);
	else
		fprintf(ctx->out, "exported %.*s to %s\n", REPO_ID_LEN, hash,
			out);
	return CMD_RETURN_OK;
}

typedef enum cmd_retval (*repo_sub_fn)(struct cmd_ctx *, struct repo *,
				       struct repo_args *, int, char **);

static const repo_sub_fn repo_sub_fns[] = {
	repo_init_exec, repo_import_exec, repo_ls_exec, repo_show_exec,
	repo_rm_exec, repo_label_exec, repo_gc_exec, repo_verify_exec,
	repo_export_exec,
};

static enum cmd_retval
cmd_repo_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct repo_args a;
	struct lpd_error *err;
	struct repo *r = NULL;
	enum cmd_retval rv;
	size_t sub;

	if (argc < 2)
		return cmd_usage(ctx, &cmd_repo_entry, "no subcommand");
	if (strcmp(argv[1], "fetch") == 0)	/* console/remote-cmd.c */
		return remote_repo_fetch_exec(ctx, argc - 1, argv + 1);
	for (sub = 0; sub < sizeof(repo_subs) / sizeof(repo_subs[0]); sub++)
		if (strcmp(argv[1], repo_subs[sub].name) == 0)
			break;
	if (sub == sizeof(repo_subs) / sizeof(repo_subs[0]))
		return cmd_usage(ctx, &cmd_repo_entry, "unknown subcommand "
				 "'%s'", argv[1]);
	memset(&a, 0, sizeof(a));
	rv = repo_parse(ctx, sub, argc - 1, argv + 1, &a);
	if (rv != CMD_RETURN_OK)
		goto out;
	/* init and import make the repository; the others need one. An
	 * ssh:// one is read through an SFTP mirror of its index. */
	if (remote_is_url(a.repo) && strcmp(argv[1], "ls") != 0 &&
	    strcmp(argv[1], "show") != 0) {
		rv = cmd_usage(ctx, &cmd_repo_entry, "repo %s: an ssh:// "
			       "repository is read-only here (ls, show, "
			       "fetch)", argv[1]);
		goto out;
	}
	err = remote_is_url(a.repo) ? remote_repo_open(a.repo, NULL, &r)
		: load_repo_open(a.repo, sub <= 1, &r);
	if (err != NULL) {
		rv = cmd_fail(ctx, err);
		goto out;
	}
	rv = repo_sub_fns[sub](ctx, r, &a, argc - 1, argv + 1);
out:
	repo_destroy(r);
	repo_args_deinit(&a);
	return rv;
}

const struct cmd_entry cmd_repo_entry = {
	.name = "repo",
	.usage = "init|import|ls|show|rm|label|gc|verify|export|fetch "
		 "[--repo DIR|ssh://[USER@]HOST[:PORT]/DIR] [--json] ...\n"
		 "  (lpardbg repo SUBCOMMAND --help for each one's options)",
	.summary = "the repository of dumps and images",
	.exec = cmd_repo_exec,
};
