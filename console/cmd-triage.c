/* console/cmd-triage.c - "triage": bucket every dump in a directory, or
 * the repository's dumps that match repo ls's filters, one bucket per bug.
 * Repository dumps' analyses are cached in its analyses table. In a
 * directory, a dump is an ELF core (its executable found as
 * DIR/<name>.exe, DIR/<stem>.exe, or by the path in the core) or a cached
 * analysis DIR/<name>.facts.json (--cache writes and reuses those).
 * --synthesize N triages N analyses made from the real ones (addresses,
 * paths and function names varied) to measure scaling. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "console/load.h"
#include "reasoning/reasoning.h"

struct triage_opts {
	struct reason_triage_options t;
	const char *dir;
	const char *junit;
	const char *sysroot;
	bool markdown;
	bool cache;
	bool timing;
	long synthesize;
	bool use_repo;			/* --repo [DIR] */
	const char *repo;		/* NULL: the default repository */
	struct repo_filter filter;	/* as repo ls takes */
	size_t hits, computed, corrupt;	/* analyses cache (--repo) */
};

/* Key of cached analyses in the repository's analyses table; the version
 * is REASON_ANALYZER_VERSION, so a new analyzer recomputes. */
#define TRIAGE_ANALYZER "reason"

static double
triage_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool
triage_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* An ELF core: magic, then e_type ET_CORE (4) in either byte order. */
static bool
triage_is_core(const char *path)
{
	unsigned char h[18];
	FILE *f = fopen(path, "rb");
	bool r;

	if (f == NULL)
		return false;
	r = fread(h, 1, sizeof(h), f) == sizeof(h) &&
	    memcmp(h, "\177ELF", 4) == 0 &&
	    ((h[5] == 1 && h[16] == 4 && h[17] == 0) ||
	     (h[5] == 2 && h[16] == 0 && h[17] == 4));
	fclose(f);
	return r;
}

static int
triage_cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct lpd_error *
triage_list(const char *dir, char ***ret, size_t *n_ret)
{
	struct lpd_error *err = NULL;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d == NULL)
		return lpd_error_os(errno, dir);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		err = lpd_vec_reserve((void **)&names, &cap, n + 1,
				      sizeof(*names));
		if (err != NULL)
			break;
		names[n] = lpd_strdup(e->d_name);
		if (names[n] == NULL) {
			err = &lpd_enomem;
			break;
		}
		n++;
	}
	closedir(d);
	if (err != NULL) {
		while (n > 0)
			lpd_free(names[--n]);
		lpd_free(names);
		return err;
	}
	qsort(names, n, sizeof(*names), triage_cmp_names);
	*ret = names;
	*n_ret = n;
	return NULL;
}

static bool
triage_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The executable next to CORE: CORE.exe, or STEM.exe for STEM.core. */
static char *
triage_find_exe(const char *core)
{
	char *p = lpd_asprintf("%s.exe", core);

	if (p != NULL && triage_exists(p))
		return p;
	lpd_free(p);
	if (triage_suffix(core, ".core")) {
		p = lpd_asprintf("%.*s.exe", (int)(strlen(core) - 5), core);
		if (p != NULL && triage_exists(p))
			return p;
		lpd_free(p);
	}
	return NULL;
}

static struct lpd_error *
triage_write_cache(const char *path, const struct reason_analysis *a)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_json j;
	struct lpd_error *err;
	char *tmp;
	FILE *f;

	lpd_json_init(&j, &b);
	reason_analysis_to_json(a, &j);
	if ((err = lpd_json_finish(&j)) != NULL) {
		lpd_buf_deinit(&b);
		return err;
	}
	tmp = lpd_asprintf("%s.tmp", path);
	if (tmp == NULL) {
		lpd_buf_deinit(&b);
		return &lpd_enomem;
	}
	f = fopen(tmp, "w");
	if (f == NULL) {
		err = lpd_error_os(errno, tmp);
	} else {
		fputs(b.data, f);
		fputc('\n', f);
		if (fclose(f) != 0 || rename(tmp, path) != 0)
			err = lpd_error_os(errno, path);
	}
	lpd_free(tmp);
	lpd_buf_deinit(&b);
	return err;
}

/* A cached analysis is used when it is newer than the core and was made
 * by this analyzer version. */
static bool
triage_cache_fresh(const char *core, const char *cached,
		   struct reason_analysis **ret)
{
	struct stat sc, sf;
	struct lpd_error *err;
	char head[256];
	size_t n;
	FILE *f;

	if (stat(core, &sc) != 0 || stat(cached, &sf) != 0 ||
	    sf.st_mtime < sc.st_mtime)
		return false;
	f = fopen(cached, "r");
	if (f == NULL)
		return false;
	n = fread(head, 1, sizeof(head) - 1, f);
	fclose(f);
	head[n] = '\0';
	if (strstr(head, "\"analyzer\":\"" REASON_ANALYZER_VERSION "\"") ==
	    NULL)
		return false;
	err = reason_analysis_load(cached, ret);
	if (err != NULL) {
		lpd_error_destroy(err);
		return false;
	}
	return true;
}

/* Load every dump of the directory; bad ones are warnings. */
static struct lpd_error *
triage_load(struct cmd_ctx *ctx, const struct triage_opts *o,
	    struct reason_analysis ***ret, size_t *n_ret)
{
	struct reason_analysis **an = NULL;
	struct dbg_cache *cache = NULL;
	struct lpd_error *err;
	char **names = NULL;
	size_t n = 0, cap = 0, nn = 0, i, k;

	if ((err = triage_list(o->dir, &names, &nn)) != NULL)
		return err;
	if ((err = dbg_cache_create(&cache)) != NULL)
		goto out;
	for (i = 0; i < nn && err == NULL; i++) {
		char *path = lpd_asprintf("%s/%s", o->dir, names[i]);
		char *cached = NULL, *exe = NULL;
		struct reason_analysis *a = NULL;
		struct lpd_error *e = NULL;

		if (path == NULL) {
			err = &lpd_enomem;
			break;
		}
		if (ctx->cancel != NULL && *ctx->cancel) {
			lpd_free(path);
			err = lpd_error_format(LPD_ERR_CANCELLED,
					       "interrupted");
			break;
		}
		if (triage_suffix(names[i], ".facts.json")) {
			/* Only when its core is gone (else read below). */
			size_t stem = strlen(names[i]) - 11;

			for (k = 0; k < nn; k++)
				if (strlen(names[k]) == stem &&
				    strncmp(names[k], names[i], stem) == 0)
					break;
			if (k == nn)
				e = reason_analysis_load(path, &a);
		} else if (triage_is_core(path)) {
			struct dbg_options dopts = { 0 };
			struct dbg_target *t = NULL;

			cached = lpd_asprintf("%s.facts.json", path);
			if (cached == NULL) {
				e = &lpd_enomem;
			} else if (!o->cache ||
				   !triage_cache_fresh(path, cached, &a)) {
				exe = triage_find_exe(path);
				dopts.exe = exe;
				dopts.sysroot = o->sysroot;
				dopts.cache = cache;
				e = dbg_target_load(path, &dopts, &t);
				if (e == NULL)
					e = reason_analyze(t, NULL, &a);
				dbg_target_destroy(t);
				if (e == NULL && o->cache)
					e = triage_write_cache(cached, a);
			}
		}
		if (e == &lpd_enomem) {
			err = e;
		} else if (e != NULL) {
			fprintf(ctx->err, "warning: %s: %s (skipped)\n",
				names[i], e->message);
			lpd_error_destroy(e);
		}
		if (a != NULL && err == NULL) {
			err = lpd_vec_reserve((void **)&an, &cap, n + 1,
					      sizeof(*an));
			if (err == NULL)
				an[n++] = a;
			else
				reason_analysis_destroy(a);
		} else {
			reason_analysis_destroy(a);
		}
		lpd_free(path);
		lpd_free(cached);
		lpd_free(exe);
	}
out:
	dbg_cache_destroy(cache);
	for (i = 0; i < nn; i++)
		lpd_free(names[i]);
	lpd_free(names);
	if (err != NULL) {
		for (i = 0; i < n; i++)
			reason_analysis_destroy(an[i]);
		lpd_free(an);
		return err;
	}
	*ret = an;
	*n_ret = n;
	return NULL;
}

static struct lpd_error *
triage_keep(struct reason_analysis ***an, size_t *n, size_t *cap,
	    struct reason_analysis *a)
{
	struct lpd_error *err = lpd_vec_reserve((void **)an, cap, *n + 1,
						sizeof(**an));

	if (err != NULL) {
		reason_analysis_destroy(a);
		return err;
	}
	(*an)[(*n)++] = a;
	return NULL;
}

/* Analyze repository dump D (checked out as bt does) and store the facts
 * in the analyses table for the next run. */
static struct lpd_error *
triage_repo_compute(struct triage_opts *o, struct repo *r,
		    struct dbg_cache *cache, const struct repo_dump *d,
		    struct reason_analysis **ret)
{
	struct reason_meta meta = { 0 };
	struct lpd_buf b = LPD_BUF_INIT;
	struct dbg_target *t = NULL;
	struct load_args la;
	struct lpd_json j;
	struct lpd_error *err;
	char id[REPO_ID_LEN + 1], *image = NULL;

	memset(&la, 0, sizeof(la));
	la.sysroot = o->sysroot;
	la.cache = cache;
	snprintf(id, sizeof(id), "%.*s", REPO_ID_LEN, d->hash);
	meta.id = id;
	meta.lpar = d->lpar;
	meta.node = d->node;
	meta.time = d->time_taken;
	if (d->image != NULL) {
		image = d->image_version != NULL
			? lpd_asprintf("%s:%s", d->image, d->image_version)
			: lpd_strdup(d->image);
		if (image == NULL)
			return &lpd_enomem;
		meta.image = image;
	}
	err = load_repo_target(&la, r, d->hash, &t);
	if (err == NULL)
		err = reason_analyze(t, &meta, ret);
	dbg_target_destroy(t);
	load_args_deinit(&la);
	lpd_free(image);
	if (err != NULL)
		return err;
	lpd_json_init(&j, &b);
	reason_analysis_to_json(*ret, &j);
	err = lpd_json_finish(&j);
	if (err == NULL)
		err = repo_analysis_put(r, d->hash, TRIAGE_ANALYZER,
					REASON_ANALYZER_VERSION, b.data);
	lpd_buf_deinit(&b);
	o->computed++;
	if (err != NULL) {
		reason_analysis_destroy(*ret);
		*ret = NULL;
	}
	return err;
}

/* The analysis of repository dump D: the cached one when the analyses
 * table holds a readable one for this analyzer version, else computed
 * and stored. A cached row that does not parse is recomputed, with a
 * warning (it is a cache: the dump itself is the truth). */
static struct lpd_error *
triage_repo_one(struct cmd_ctx *ctx, struct triage_opts *o, struct repo *r,
		struct dbg_cache *cache, const struct repo_dump *d,
		struct reason_analysis **ret)
{
	struct lpd_error *err;
	char *facts = NULL, name[64];

	err = repo_analysis_get(r, d->hash, TRIAGE_ANALYZER,
				REASON_ANALYZER_VERSION, &facts);
	if (err == NULL) {
		snprintf(name, sizeof(name), "cached analysis of %.*s",
			 REPO_ID_LEN, d->hash);
		err = reason_analysis_from_json(facts, strlen(facts), name,
						ret);
		lpd_free(facts);
		if (err == NULL) {
			o->hits++;
			return NULL;
		}
		if (err == &lpd_enomem)
			return err;
		fprintf(ctx->err, "warning: %s (recomputed)\n", err->message);
		lpd_error_destroy(err);
		o->corrupt++;
	} else if (err->code != LPD_ERR_NOT_FOUND) {
		return err;
	} else {
		lpd_error_destroy(err);
	}
	return triage_repo_compute(o, r, cache, d, ret);
}

/* Every dump of the repository that matches the filter; a dump that
 * cannot be analyzed is a warning. */
static struct lpd_error *
triage_load_repo(struct cmd_ctx *ctx, struct triage_opts *o,
		 struct reason_analysis ***ret, size_t *n_ret)
{
	struct reason_analysis **an = NULL;
	struct repo_dump_list *l = NULL;
	struct dbg_cache *cache = NULL;
	struct repo *r = NULL;
	struct lpd_error *err;
	size_t n = 0, cap = 0, i;

	if ((err = load_repo_open(o->repo, false, &r)) != NULL)
		return err;
	if ((err = repo_list_dumps(r, &o->filter, &l)) != NULL ||
	    (err = dbg_cache_create(&cache)) != NULL)
		goto out;
	/* Oldest first, as a directory of cores is read in order. */
	for (i = repo_dump_list_count(l); i > 0 && err == NULL; i--) {
		const struct repo_dump *d = repo_dump_list_at(l, i - 1);
		struct reason_analysis *a = NULL;
		struct lpd_error *e;

		if (ctx->cancel != NULL && *ctx->cancel) {
			err = lpd_error_format(LPD_ERR_CANCELLED,
					       "interrupted");
			break;
		}
		e = triage_repo_one(ctx, o, r, cache, d, &a);
		if (e == &lpd_enomem) {
			err = e;
		} else if (e != NULL) {
			fprintf(ctx->err, "warning: %.*s: %s (skipped)\n",
				REPO_ID_LEN, d->hash, e->message);
			lpd_error_destroy(e);
		} else {
			err = triage_keep(&an, &n, &cap, a);
		}
	}
out:
	dbg_cache_destroy(cache);
	repo_dump_list_destroy(l);
	repo_destroy(r);
	if (err != NULL) {
		for (i = 0; i < n; i++)
			reason_analysis_destroy(an[i]);
		lpd_free(an);
		return err;
	}
	*ret = an;
	*n_ret = n;
	return NULL;
}

/* Item I of a synthesized set: a real analysis with addresses moved,
 * module paths under another prefix and, from the second round of
 * families on, its own function names (a new bug per family), so the
 * number of distinct signatures grows with N. */
static struct lpd_error *
triage_synthesize(struct reason_triage *tr, struct reason_analysis **real,
		  size_t nreal, size_t n)
{
	struct lpd_error *err = NULL;
	size_t i;
	char id[96], prefix[32], suffix[32];

	for (i = 0; i < n && err == NULL; i++) {
		const struct reason_analysis *base = real[i % nreal];
		size_t family = i / (nreal * 8);
		struct reason_analysis *a;
		uint64_t delta = (uint64_t)((i * 7919) % 4096) << 12;

		snprintf(id, sizeof(id), "syn%07zu-f%zu-%s", i, family,
			 reason_analysis_id(base));
		snprintf(prefix, sizeof(prefix), "/syn/%zu", i % 101);
		err = reason_analysis_clone(base, id, delta, prefix, &a);
		if (err != NULL)
			break;
		if (family > 0) {
			snprintf(suffix, sizeof(suffix), "_f%zu", family);
			err = reason_analysis_rename_frames(a, suffix);
		}
		if (err == NULL)
			err = reason_triage_add(tr, a);
		reason_analysis_destroy(a);
	}
	return err;
}

static bool
triage_parse_method(const char *s, enum reason_method *ret)
{
	static const struct {
		const char *name;
		enum reason_method m;
	} methods[] = {
		{ "relational", REASON_METHOD_RELATIONAL },
		{ "top1", REASON_METHOD_TOP1 },
		{ "top3", REASON_METHOD_TOP3 },
		{ "edit", REASON_METHOD_EDIT },
	};
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(s, methods[i].name) == 0) {
			*ret = methods[i].m;
			return true;
		}
	return false;
}

static enum cmd_retval
cmd_triage_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_MD, OPT_JUNIT, OPT_THRESHOLD, OPT_METHOD,
	       OPT_CACHE, OPT_SYNTH, OPT_TIMING, OPT_SYSROOT, OPT_REPO,
	       OPT_LPAR, OPT_NODE, OPT_IMAGE, OPT_SIGNAL, OPT_SINCE,
	       OPT_UNTIL, OPT_LABEL, OPT_EXE, OPT_LIMIT };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "markdown", no_argument, NULL, OPT_MD },
		{ "junit", required_argument, NULL, OPT_JUNIT },
		{ "threshold", required_argument, NULL, OPT_THRESHOLD },
		{ "method", required_argument, NULL, OPT_METHOD },
		{ "cache", no_argument, NULL, OPT_CACHE },
		{ "synthesize", required_argument, NULL, OPT_SYNTH },
		{ "timing", no_argument, NULL, OPT_TIMING },
		{ "sysroot", required_argument, NULL, OPT_SYSROOT },
		/* --repo DIR: DIR is the one operand (or --repo=DIR). */
		{ "repo", optional_argument, NULL, OPT_REPO },
		{ "lpar", required_argument, NULL, OPT_LPAR },
		{ "node", required_argument, NULL, OPT_NODE },
		{ "image", required_argument, NULL, OPT_IMAGE },
		{ "signal", required_argument, NULL, OPT_SIGNAL },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "label", required_argument, NULL, OPT_LABEL },
		{ "exe", required_argument, NULL, OPT_EXE },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct triage_opts o = { 0 };
	struct reason_analysis **an = NULL;
	struct reason_triage *tr = NULL;
	struct lpd_buf out = LPD_BUF_INIT, junit = LPD_BUF_INIT;
	enum cmd_retval rv = CMD_RETURN_OK;
	struct lpd_error *err = NULL;
	size_t n = 0, i, sigs, cands, scored;
	bool filtered = false;
	double t0, t1, t2;
	char *end;
	int c;

	optind = 0;
	opterr = 0;
	/* Options may follow the operand: "triage --repo DIR --json". */
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c >= OPT_LPAR && c <= OPT_LIMIT)
			filtered = true;
		switch (c) {
		case OPT_JSON: ctx->json = true; break;
		case OPT_MD: o.markdown = true; break;
		case OPT_JUNIT: o.junit = optarg; break;
		case OPT_CACHE: o.cache = true; break;
		case OPT_TIMING: o.timing = true; break;
		case OPT_SYSROOT: o.sysroot = optarg; break;
		case OPT_REPO:
			o.use_repo = true;
			o.repo = optarg;
			break;
		case OPT_LPAR: o.filter.lpar = optarg; break;
		case OPT_NODE: o.filter.node = optarg; break;
		case OPT_IMAGE: o.filter.image = optarg; break;
		case OPT_LABEL: o.filter.label = optarg; break;
		case OPT_EXE: o.filter.exe = optarg; break;
		case OPT_SIGNAL:
			o.filter.signal = load_parse_signal(optarg);
			if (o.filter.signal < 0)
				return cmd_usage(ctx, &cmd_triage_entry,
						 "bad signal '%s'", optarg);
			break;
		case OPT_SINCE:
		case OPT_UNTIL:
			err = repo_parse_time(optarg, (int64_t)time(NULL),
					      c == OPT_SINCE ? &o.filter.since
					      : &o.filter.until);
			if (err != NULL)
				return cmd_fail(ctx, err);
			if (c == OPT_SINCE)
				o.filter.has_since = true;
			else
				o.filter.has_until = true;
			break;
		case OPT_LIMIT:
			errno = 0;
			o.filter.limit = (size_t)strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg)
				return cmd_usage(ctx, &cmd_triage_entry,
						 "bad limit '%s'", optarg);
			break;
		case OPT_THRESHOLD:
			errno = 0;
			o.t.threshold = strtod(optarg, &end);
			if (errno != 0 || *end != '\0' || o.t.threshold <= 0 ||
			    o.t.threshold > 1)
				return cmd_usage(ctx, &cmd_triage_entry,
					"--threshold takes a number in (0, 1], "
					"not '%s'", optarg);
			break;
		case OPT_METHOD:
			if (!triage_parse_method(optarg, &o.t.method))
				return cmd_usage(ctx, &cmd_triage_entry,
					"--method takes relational, top1, top3 "
					"or edit, not '%s'", optarg);
			break;
		case OPT_SYNTH:
			errno = 0;
			o.synthesize = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || o.synthesize <= 0 ||
			    o.synthesize > 10000000)
				return cmd_usage(ctx, &cmd_triage_entry,
					"--synthesize takes a count in "
					"1..10000000, not '%s'", optarg);
			break;
		case 'h':
			fprintf(ctx->out, "usage: lpardbg %s %s\n  %s\n",
				cmd_triage_entry.name, cmd_triage_entry.usage,
				cmd_triage_entry.summary);
			return CMD_RETURN_USAGE;
		default:
			return cmd_usage(ctx, &cmd_triage_entry,
					 "bad option '%s'", argv[optind - 1]);
		}
	}
	if (o.use_repo) {
		if (argc - optind > 1 || (argc - optind == 1 &&
					  o.repo != NULL))
			return cmd_usage(ctx, &cmd_triage_entry,
					 "triage --repo takes one repository");
		if (argc - optind == 1)
			o.repo = argv[optind];
	} else if (filtered) {
		return cmd_usage(ctx, &cmd_triage_entry,
				 "filters apply to --repo only");
	} else if (argc - optind != 1) {
		return cmd_usage(ctx, &cmd_triage_entry,
				 "triage takes one directory");
	} else {
		o.dir = argv[optind];
	}
	t0 = triage_now();
	err = o.use_repo ? triage_load_repo(ctx, &o, &an, &n)
			 : triage_load(ctx, &o, &an, &n);
	if (err != NULL)
		goto fail;
	if (n == 0) {
		err = o.use_repo
			? lpd_error_format(LPD_ERR_NOT_FOUND,
					   "no dumps in the repository match")
			: lpd_error_format(LPD_ERR_NOT_FOUND,
					   "%s: no cores or facts files",
					   o.dir);
		goto fail;
	}
	if ((err = reason_triage_create(&o.t, &tr)) != NULL)
		goto fail;
	if (o.synthesize > 0) {
		err = triage_synthesize(tr, an, n, (size_t)o.synthesize);
	} else {
		for (i = 0; i < n && err == NULL; i++)
			err = reason_triage_add(tr, an[i]);
	}
	if (err != NULL)
		goto fail;
	t1 = triage_now();
	if ((err = reason_triage_run(tr)) != NULL)
		goto fail;
	t2 = triage_now();
	reason_triage_stats(tr, &sigs, &cands, &scored);
	if (o.timing)
		fprintf(ctx->err, "timing: %zu dumps: load+analyze %.3f s, "
			"bucket %.3f s (%zu signatures, %zu candidate pairs, "
			"%zu scored) -> %zu buckets\n",
			reason_triage_item_count(tr), t1 - t0, t2 - t1, sigs,
			cands, scored, reason_triage_bucket_count(tr));
	if (o.timing && o.use_repo)
		fprintf(ctx->err, "cache: %zu hits, %zu computed, %zu "
			"corrupt (recomputed)\n", o.hits, o.computed,
			o.corrupt);
	err = reason_report_triage(tr, ctx->json ? REASON_FORMAT_JSON
				   : o.markdown ? REASON_FORMAT_MARKDOWN
						: REASON_FORMAT_TEXT, &out);
	if (err == NULL && o.junit != NULL)
		err = reason_report_triage(tr, REASON_FORMAT_JUNIT, &junit);
	if (err != NULL)
		goto fail;
	fputs(out.data != NULL ? out.data : "", ctx->out);
	if (ctx->json)
		fputc('\n', ctx->out);
	if (o.junit != NULL) {
		FILE *f = fopen(o.junit, "w");

		if (f == NULL) {
			err = lpd_error_os(errno, o.junit);
			goto fail;
		}
		fputs(junit.data, f);
		if (fclose(f) != 0) {
			err = lpd_error_os(errno, o.junit);
			goto fail;
		}
	}
	goto out;
fail:
	rv = cmd_fail(ctx, err);
out:
	lpd_buf_deinit(&out);
	lpd_buf_deinit(&junit);
	reason_triage_destroy(tr);
	for (i = 0; i < n; i++)
		reason_analysis_destroy(an[i]);
	lpd_free(an);
	return rv;
}

const struct cmd_entry cmd_triage_entry = {
	.name = "triage",
	.alias = NULL,
	.usage = "[--json|--markdown] [--junit FILE] [--threshold T] "
		 "[--method relational|top1|top3|edit] [--cache] "
		 "[--synthesize N] [--timing] [--sysroot DIR] "
		 "DIR | --repo [DIR] [--lpar L] [--node N] [--image I] "
		 "[--signal S] [--since T] [--until T] [--label X] [--exe E] "
		 "[--limit N]",
	.summary = "bucket every dump in DIR or the repository, one bucket "
		   "per bug",
	.exec = cmd_triage_exec,
};
