/* console/load.c - the options every core command shares (CORE [EXE],
 * --sysroot, --debug-dir, --json) and loading the target they name. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "console/load.h"
#include "console/remote-cmd.h"

void
load_args_deinit(struct load_args *a)
{
	lpd_free(a->debug_dirs);
	repo_checkout_deinit(&a->checkout);
	repo_dump_list_destroy(a->dump);
	memset(a, 0, sizeof(*a));
}

/* Options common to core commands; EXTRA lists a command's own, handled
 * by its callback. Returns CMD_RETURN_OK or a usage status. */
enum cmd_retval
load_parse(struct cmd_ctx *ctx, const struct cmd_entry *e, int argc,
	   char **argv, const struct load_extra *extra, struct load_args *a)
{
	enum { OPT_SYSROOT = 256, OPT_DEBUG_DIR, OPT_JSON, OPT_REPO,
	       OPT_EXTRA };
	struct option longopts[32] = {
		{ "sysroot", required_argument, NULL, OPT_SYSROOT },
		{ "debug-dir", required_argument, NULL, OPT_DEBUG_DIR },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ "repo", required_argument, NULL, OPT_REPO },
	};
	size_t nlong = 5, i;
	char shortopts[64] = "+h";
	int c;

	memset(a, 0, sizeof(*a));
	for (i = 0; extra != NULL && extra[i].name != NULL && nlong < 31;
	     i++) {
		longopts[nlong].name = extra[i].name;
		longopts[nlong].has_arg = extra[i].has_arg;
		longopts[nlong].val = extra[i].short_name != 0
			? extra[i].short_name : OPT_EXTRA + (int)i;
		nlong++;
		if (extra[i].short_name != 0 && strlen(shortopts) < 60) {
			size_t l = strlen(shortopts);

			shortopts[l++] = (char)extra[i].short_name;
			if (extra[i].has_arg)
				shortopts[l++] = ':';
			shortopts[l] = '\0';
		}
	}
	memset(&longopts[nlong], 0, sizeof(longopts[nlong]));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) !=
	       -1) {
		switch (c) {
		case OPT_SYSROOT:
			a->sysroot = optarg;
			break;
		case OPT_DEBUG_DIR: {
			const char **d = lpd_reallocarray(
				a->debug_dirs, a->n_debug_dirs + 1,
				sizeof(*d));
			if (d == NULL)
				return cmd_fail(ctx, &lpd_enomem);
			a->debug_dirs = d;
			a->debug_dirs[a->n_debug_dirs++] = optarg;
			break;
		}
		case OPT_JSON:
			ctx->json = true;
			break;
		case OPT_REPO:
			a->repo = optarg;
			break;
		case 'h':
			fprintf(ctx->out, "usage: lpardbg %s %s\n  %s\n",
				e->name, e->usage, e->summary);
			return CMD_RETURN_USAGE;
		case '?':
			return cmd_usage(ctx, e, "bad option '%s'",
					 argv[optind - 1]);
		default:
			for (i = 0; extra != NULL && extra[i].name != NULL;
			     i++) {
				if (c == extra[i].short_name ||
				    c == OPT_EXTRA + (int)i) {
					if (!extra[i].set(extra[i].arg,
							  optarg))
						return cmd_usage(ctx, e,
							"bad value '%s' for "
							"--%s", optarg,
							extra[i].name);
					break;
				}
			}
		}
	}
	if (optind >= argc)
		return cmd_usage(ctx, e, "no core given");
	a->core = argv[optind++];
	if (optind < argc)
		a->exe = argv[optind++];
	if (optind < argc)
		return cmd_usage(ctx, e, "unexpected argument '%s'",
				 argv[optind]);
	return CMD_RETURN_OK;
}

struct lpd_error *
load_repo_open(const char *dir, bool create, struct repo **ret)
{
	struct lpd_error *err;
	char *def = NULL;

	if (dir == NULL) {
		err = repo_default_dir(&def);
		if (err != NULL)
			return err;
		dir = def;
	}
	err = create ? repo_init(dir, ret) : repo_open(dir, ret);
	lpd_free(def);
	return err;
}

/* Check dump ID of R out into A and point A's module search at it. */
static struct lpd_error *
load_checkout(struct load_args *a, struct repo *r, const char *id)
{
	struct lpd_error *err;
	const char **d;

	err = repo_find_dump(r, id, a->hash);
	if (err == NULL)
		err = repo_checkout_dump(r, a->hash, &a->checkout);
	if (err == NULL)
		err = repo_get_dump(r, a->hash, &a->dump);
	if (err != NULL) {
		if (err->code == LPD_ERR_NOT_FOUND)
			return lpd_error_prefix(err, "%s: no such file", id);
		return err;
	}
	if (a->sysroot == NULL)
		a->sysroot = a->checkout.sysroot;
	d = lpd_reallocarray(a->debug_dirs, a->n_debug_dirs + 1, sizeof(*d));
	if (d == NULL)
		return &lpd_enomem;
	a->debug_dirs = d;
	a->debug_dirs[a->n_debug_dirs++] = a->checkout.debug_dir;
	return NULL;
}

/* CORE names no file: is it a dump in the repository? lpd_not_found when
 * there is no repository to ask or CORE cannot be an id, so that the
 * caller reports the missing file. */
static struct lpd_error *
load_from_repo(struct load_args *a)
{
	struct lpd_error *err;
	struct repo *r;

	if (strchr(a->core, '/') != NULL ||
	    strspn(a->core, "0123456789abcdefABCDEF") != strlen(a->core))
		return &lpd_not_found;
	/* ssh://: the dump's blobs copied by SFTP (console/remote-cmd.c) */
	err = remote_is_url(a->repo)
		? remote_repo_open_dump(a->repo, NULL, a->core, &r)
		: load_repo_open(a->repo, false, &r);
	if (err != NULL) {
		if (a->repo == NULL && err->code == LPD_ERR_NOT_FOUND) {
			lpd_error_destroy(err);
			return &lpd_not_found;
		}
		return err;
	}
	err = load_checkout(a, r, a->core);
	repo_destroy(r);
	return err;
}

static struct lpd_error *
load_open_target(struct load_args *a, struct dbg_target **ret)
{
	struct dbg_options opts;

	memset(&opts, 0, sizeof(opts));
	opts.exe = a->exe;
	opts.sysroot = a->sysroot;
	opts.debug_dirs = a->debug_dirs;
	opts.n_debug_dirs = a->n_debug_dirs;
	opts.cache = a->cache;
	return dbg_target_load(a->checkout.core != NULL ? a->checkout.core
			       : a->core, &opts, ret);
}

struct lpd_error *
load_target(struct load_args *a, struct dbg_target **ret)
{
	struct lpd_error *err;

	if (access(a->core, F_OK) != 0 && errno == ENOENT) {
		err = load_from_repo(a);
		if (err == &lpd_not_found)
			err = NULL;	/* dump_open() says what is wrong */
		if (err != NULL)
			return err;
	}
	return load_open_target(a, ret);
}

struct lpd_error *
load_repo_target(struct load_args *a, struct repo *r, const char *id,
		 struct dbg_target **ret)
{
	struct lpd_error *err;

	if (a->core == NULL)
		a->core = id;
	if ((err = load_checkout(a, r, id)) != NULL)
		return err;
	return load_open_target(a, ret);
}

int
load_parse_signal(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	int i;

	if (end != s && *end == '\0')
		return v > 0 && v < 128 ? (int)v : -1;
	for (i = 1; i < 65; i++) {
		const char *n = dump_signal_name(i);

		if (n != NULL && (strcasecmp(n, s) == 0 ||
				  strcasecmp(n + 3, s) == 0))
			return i;
	}
	return -1;
}

void
load_print_warnings(struct cmd_ctx *ctx, struct dbg_target *t)
{
	size_t i, n = dbg_target_warning_count(t);

	for (i = 0; i < n; i++)
		cmd_warn(ctx, dbg_target_warning(t, i));
}

void
load_json_warnings(struct lpd_json *j, struct dbg_target *t)
{
	size_t i, n = dbg_target_warning_count(t);

	lpd_json_key(j, "warnings");
	lpd_json_array_begin(j);
	for (i = 0; i < n; i++)
		lpd_json_string(j, dbg_target_warning(t, i));
	lpd_json_array_end(j);
}

void
load_json_signal(struct lpd_json *j, struct dump *d)
{
	struct dump_siginfo si;

	lpd_json_key(j, "signal");
	if (!dump_fault_signal(d, &si)) {
		lpd_json_null(j);
		return;
	}
	lpd_json_object_begin(j);
	lpd_json_key(j, "number");
	lpd_json_int(j, si.signo);
	lpd_json_key(j, "name");
	lpd_json_string(j, dump_signal_name(si.signo));
	lpd_json_key(j, "code");
	lpd_json_int(j, si.code);
	lpd_json_key(j, "address");
	if (si.has_addr)
		lpd_json_hex(j, si.addr);
	else
		lpd_json_null(j);
	lpd_json_object_end(j);
}

bool
load_set_flag(void *arg, const char *value)
{
	(void)value;
	*(bool *)arg = true;
	return true;
}
