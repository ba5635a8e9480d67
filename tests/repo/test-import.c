/* tests/repo/test-import.c - import transactions, the SQLite index and
 * reading dumps back, on a real core of the fixture crasher: listing and
 * filters, ids by prefix, the same dump twice, refusing truncated and
 * non-core input with nothing written, verify naming the dump of a corrupt
 * blob, metadata paths that cannot leave the repository, gc, analyses,
 * the catalog and the schema's migrations table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dumps/dumps.h"
#include "repo/repo-int.h"

struct im_fixture {
	char dir[256];
	char core[PATH_MAX], exe[PATH_MAX];
	char build_id[129];	/* the executable's, from the core */
	char exe_path[PATH_MAX];	/* as the core names it */
};

static int
sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int
group_setup(void **state)
{
	struct im_fixture *f = calloc(1, sizeof(*f));
	struct dump *d;
	size_t i, k;

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/lpd-import.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	if (sh("sh fixtures/make-core.sh '%s' O2 >/dev/null 2>&1", f->dir)) {
		fprintf(stderr, "cannot make the crasher's core\n");
		return -1;
	}
	snprintf(f->core, sizeof(f->core), "%s/O2/core", f->dir);
	snprintf(f->exe, sizeof(f->exe), "%s/O2/crasher", f->dir);
	if (dump_open(f->core, &d) != NULL)
		return -1;
	for (i = 0; i < dump_module_count(d); i++) {
		const struct dump_module *m = dump_module(d, i);

		if (!m->is_main)
			continue;
		for (k = 0; k < m->build_id_len; k++)
			snprintf(f->build_id + 2 * k, 3, "%02x",
				 m->build_id[k]);
		snprintf(f->exe_path, sizeof(f->exe_path), "%s", m->path);
	}
	dump_destroy(d);
	*state = f;
	return f->build_id[0] != '\0' ? 0 : -1;
}

static int
group_teardown(void **state)
{
	struct im_fixture *f = *state;

	sh("rm -rf '%s'", f->dir);
	free(f);
	return 0;
}

/* A fresh repository under the fixture dir named NAME. */
static struct repo *
new_repo(struct im_fixture *f, const char *name)
{
	char dir[PATH_MAX];
	struct repo *r;

	snprintf(dir, sizeof(dir), "%s/%s", f->dir, name);
	sh("rm -rf '%s'", dir);
	assert_null(repo_init(dir, &r));
	return r;
}

static void
import_core(struct im_fixture *f, struct repo *r, const char *path,
	    const struct repo_import_options *o, char hash[REPO_HASH_LEN + 1])
{
	struct repo_import *imp;

	assert_null(repo_import_begin(r, path, o, &imp));
	assert_null(repo_import_add_file(imp, REPO_OBJECT_EXEC, f->exe_path,
					 f->build_id, f->exe, "test"));
	assert_null(repo_import_commit(imp, hash));
	repo_import_destroy(imp);
}

static size_t
count(struct repo *r, const char *sql)
{
	sqlite3_stmt *st;
	size_t n = 0;

	assert_null(index_prepare(r, sql, &st));
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static size_t
files_under(struct repo *r, const char *sub)
{
	char cmd[PATH_MAX + 64], buf[32];
	size_t n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "find '%s/%s' -type f | wc -l",
		 repo_dir(r), sub);
	p = popen(cmd, "r");
	if (p != NULL && fgets(buf, sizeof(buf), p) != NULL)
		n = (size_t)atol(buf);
	if (p != NULL)
		pclose(p);
	return n;
}

static void
test_import__records_and_lists(void **state)
{
	struct im_fixture *f = *state;
	static const char *const labels[] = { "nightly", "crash" };
	struct repo_import_options o = {
		.lpar = "web1", .node = "vios1", .image = "aix:7.3",
		.labels = labels, .n_labels = 2,
	};
	struct repo_filter flt;
	struct repo_dump_list *l;
	const struct repo_dump *d;
	char hash[REPO_HASH_LEN + 1], found[REPO_HASH_LEN + 1], pre[8];
	struct repo_object *obj;
	struct lpd_error *err;
	size_t n;
	struct repo *r = new_repo(f, "list");

	import_core(f, r, f->core, &o, hash);
	assert_true(store_is_hash(hash));
	assert_null(repo_list_dumps(r, NULL, &l));
	assert_int_equal(repo_dump_list_count(l), 1);
	d = repo_dump_list_at(l, 0);
	assert_string_equal(d->hash, hash);
	assert_string_equal(d->lpar, "web1");
	assert_string_equal(d->node, "vios1");
	assert_string_equal(d->image, "aix");
	assert_string_equal(d->image_version, "7.3");
	assert_int_equal(d->signal, 11);
	assert_true(d->pid > 0);
	assert_string_equal(d->executable, f->exe_path);
	assert_string_equal(d->reason, "SIGSEGV at 0x0");
	assert_int_equal(d->n_labels, 2);
	assert_string_equal(d->labels[0], "crash");
	assert_string_equal(d->labels[1], "nightly");
	repo_dump_list_destroy(l);

	/* Each filter, matching and not. */
	struct {
		struct repo_filter f;
		size_t want;
	} cases[] = {
		{ { .lpar = "web1" }, 1 }, { { .lpar = "web2" }, 0 },
		{ { .node = "vios1" }, 1 }, { { .node = "x" }, 0 },
		{ { .image = "aix" }, 1 }, { { .image = "aix:7.3" }, 1 },
		{ { .image = "aix:7.2" }, 0 },
		{ { .exe = "crasher" }, 1 }, { { .exe = f->exe_path }, 1 },
		{ { .exe = "rasher" }, 0 },
		{ { .signal = 11 }, 1 }, { { .signal = 6 }, 0 },
		{ { .label = "nightly" }, 1 }, { { .label = "x" }, 0 },
		{ { .has_since = true, .since = 0 }, 1 },
		{ { .has_until = true, .until = 1000 }, 0 },
		{ { .limit = 1 }, 1 },
	};
	for (n = 0; n < sizeof(cases) / sizeof(cases[0]); n++) {
		flt = cases[n].f;
		assert_null(repo_list_dumps(r, &flt, &l));
		if (repo_dump_list_count(l) != cases[n].want)
			fail_msg("filter case %zu: %zu dumps", n,
				 repo_dump_list_count(l));
		repo_dump_list_destroy(l);
	}

	snprintf(pre, sizeof(pre), "%.6s", hash);
	assert_null(repo_find_dump(r, pre, found));
	assert_string_equal(found, hash);
	pre[0] = pre[0] == 'f' ? '0' : 'f';
	err = repo_find_dump(r, pre, found);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_NOT_FOUND);
	lpd_error_destroy(err);
	err = repo_find_dump(r, "../x", found);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_INVALID_ARG);
	lpd_error_destroy(err);

	assert_null(repo_dump_objects(r, hash, &obj, &n));
	assert_int_equal(n, 1);
	assert_string_equal(obj[0].build_id, f->build_id);
	assert_string_equal(obj[0].path, f->exe_path);
	repo_objects_free(obj, n);

	assert_null(repo_label_dump(r, hash, (const char *const[]){ "x" }, 1,
				    (const char *const[]){ "crash" }, 1));
	assert_null(repo_get_dump(r, hash, &l));
	d = repo_dump_list_at(l, 0);
	assert_int_equal(d->n_labels, 2);
	assert_string_equal(d->labels[0], "nightly");
	assert_string_equal(d->labels[1], "x");
	repo_dump_list_destroy(l);
	repo_destroy(r);
}

static void
test_import__same_dump_twice_is_one_blob(void **state)
{
	struct im_fixture *f = *state;
	char h1[REPO_HASH_LEN + 1], h2[REPO_HASH_LEN + 1], zst[PATH_MAX];
	struct repo_import *imp;
	bool known = false;
	struct repo *r = new_repo(f, "twice");

	import_core(f, r, f->core, NULL, h1);
	snprintf(zst, sizeof(zst), "%s/core.zst", f->dir);
	assert_int_equal(sh("zstd -q -f '%s' -o '%s'", f->core, zst), 0);
	assert_null(repo_import_begin(r, zst, NULL, &imp));
	assert_true(repo_import_exists(imp));
	/* The executable's build-id is known: reused, not read again. */
	assert_null(repo_import_add_known(imp, REPO_OBJECT_EXEC, f->exe_path,
					  f->build_id, &known));
	assert_true(known);
	assert_null(repo_import_commit(imp, h2));
	repo_import_destroy(imp);
	assert_string_equal(h1, h2);
	assert_int_equal(count(r, "SELECT count(*) FROM dumps"), 1);
	/* core + executable */
	assert_int_equal(files_under(r, "objects"), 2);
	assert_int_equal(files_under(r, "tmp"), 0);
	repo_destroy(r);
}

static void
test_import__bad_input_leaves_nothing(void **state)
{
	struct im_fixture *f = *state;
	char path[PATH_MAX];
	struct repo_import *imp = NULL;
	struct lpd_error *err;
	struct repo *r = new_repo(f, "bad");
	const char *const cases[][2] = {
		{ "head -c 100000 '%s' > '%s'", "truncated" },
		{ "head -c 30 '%s' > '%s'", "truncated" },
		{ "zstd -q -c '%s' | head -c 2000 > '%s'", "truncated" },
		{ "cp '%s' '%s.x'; echo not a core > '%s'", "not a core" },
		{ "cp fixtures/crasher.c '%2$s' #%s", "not a core" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s/bad%zu", f->dir, i);
		sh(cases[i][0], f->core, path, path);
		err = repo_import_begin(r, path, NULL, &imp);
		if (err == NULL)
			fail_msg("case %zu accepted", i);
		assert_null(imp);
		assert_int_equal(err->code, LPD_ERR_BAD_INPUT);
		if (strstr(err->message, cases[i][1]) == NULL ||
		    strstr(err->message, path) == NULL)
			fail_msg("case %zu: '%s'", i, err->message);
		lpd_error_destroy(err);
	}
	/* The crasher executable is ELF but not a core. */
	err = repo_import_begin(r, f->exe, NULL, &imp);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "not a core"));
	lpd_error_destroy(err);
	assert_int_equal(files_under(r, "objects"), 0);
	assert_int_equal(files_under(r, "tmp"), 0);
	assert_int_equal(count(r, "SELECT count(*) FROM dumps"), 0);
	repo_destroy(r);
}

static void
test_import__verify_names_the_dump(void **state)
{
	struct im_fixture *f = *state;
	struct repo_verify_report rep;
	struct repo_checkout c;
	char hash[REPO_HASH_LEN + 1], id[REPO_ID_LEN + 1], *blob;
	struct lpd_error *err;
	struct repo *r = new_repo(f, "verify");
	int fd;

	import_core(f, r, f->core, NULL, hash);
	snprintf(id, sizeof(id), "%.12s", hash);
	assert_null(repo_verify(r, &rep));
	assert_int_equal(rep.n_problems, 0);
	assert_int_equal(rep.dumps, 1);
	assert_int_equal(rep.objects, 1);
	assert_int_equal(rep.blobs, 2);
	repo_verify_report_deinit(&rep);

	blob = store_blob_path(r, hash);
	fd = open(blob, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "\xff\xff\xff\xff", 4, 200), 4);
	close(fd);
	lpd_free(blob);
	assert_null(repo_verify(r, &rep));
	assert_int_equal(rep.n_problems, 1);
	assert_non_null(strstr(rep.problems[0], id));
	assert_non_null(strstr(rep.problems[0], "corrupt"));
	repo_verify_report_deinit(&rep);
	/* Reading it back fails the same way, naming the dump. */
	err = repo_checkout_dump(r, hash, &c);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_BAD_INPUT);
	assert_non_null(strstr(err->message, id));
	lpd_error_destroy(err);
	repo_destroy(r);
}

static void
test_import__checkout_stays_inside(void **state)
{
	struct im_fixture *f = *state;
	char hash[REPO_HASH_LEN + 1], path[PATH_MAX * 2];
	struct repo_import *imp;
	struct repo_checkout c;
	struct stat st;
	struct repo *r = new_repo(f, "escape");

	assert_null(repo_import_begin(r, f->core, NULL, &imp));
	assert_null(repo_import_add_file(imp, REPO_OBJECT_EXEC, f->exe_path,
					 f->build_id, f->exe, "test"));
	/* Hostile metadata: a module path climbing out, a debug object
	 * whose build-id is a path. */
	assert_null(repo_import_add_file(imp, REPO_OBJECT_EXEC,
					 "/../../../escaped", NULL, f->exe,
					 "test"));
	assert_null(repo_import_add_file(imp, REPO_OBJECT_DEBUG, f->exe_path,
					 "../../../../escaped2", f->exe,
					 "test"));
	assert_null(repo_import_commit(imp, hash));
	repo_import_destroy(imp);
	assert_null(repo_checkout_dump(r, hash, &c));
	snprintf(path, sizeof(path), "%s%s", c.sysroot, f->exe_path);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(sh("cmp -s '%s' '%s'", path, f->exe), 0);
	assert_int_equal(sh("cmp -s '%s' '%s'", c.core, f->core), 0);
	snprintf(path, sizeof(path), "%s/escaped", f->dir);
	assert_int_not_equal(lstat(path, &st), 0);
	assert_int_equal(sh("find '%s' -name 'escaped*' | grep -q .",
			    f->dir), 256);
	repo_checkout_deinit(&c);
	repo_destroy(r);
}

static void
test_import__gc_and_rm(void **state)
{
	struct im_fixture *f = *state;
	char hash[REPO_HASH_LEN + 1];
	struct repo_gc_report g;
	struct repo_checkout c;
	struct repo *r = new_repo(f, "gc");

	import_core(f, r, f->core, NULL, hash);
	assert_null(repo_checkout_dump(r, hash, &c));
	repo_checkout_deinit(&c);
	assert_null(repo_gc(r, &g));
	assert_int_equal(g.blobs_removed, 0);
	assert_int_equal(files_under(r, "objects"), 2);
	assert_null(repo_remove_dump(r, hash));
	assert_null(repo_gc(r, &g));
	assert_int_equal(g.blobs_removed, 2);
	assert_int_equal(g.images_removed, 1);
	assert_int_equal(files_under(r, "objects"), 0);
	assert_int_equal(files_under(r, "cache"), 0);
	assert_int_equal(count(r, "SELECT count(*) FROM image_objects"), 0);
	repo_destroy(r);
}

static void
test_import__analyses_catalog_schema(void **state)
{
	struct im_fixture *f = *state;
	struct repo_import_options o = { .lpar = "db1", .node = "vios2" };
	char hash[REPO_HASH_LEN + 1], dir[PATH_MAX], *facts = NULL;
	struct repo_catalog cat;
	struct lpd_error *err;
	struct repo *r = new_repo(f, "misc");

	import_core(f, r, f->core, &o, hash);
	err = repo_analysis_get(r, hash, "bt", "1", &facts);
	assert_ptr_equal(err, &lpd_not_found);
	assert_null(repo_analysis_put(r, hash, "bt", "1", "{\"frames\":3}"));
	assert_null(repo_analysis_get(r, hash, "bt", "1", &facts));
	assert_string_equal(facts, "{\"frames\":3}");
	lpd_free(facts);

	assert_null(repo_catalog(r, &cat));
	assert_int_equal(cat.n_nodes, 1);
	assert_string_equal(cat.nodes[0].name, "vios2");
	assert_int_equal(cat.nodes[0].n_lpars, 1);
	assert_string_equal(cat.nodes[0].lpars[0].name, "db1");
	assert_int_equal(cat.nodes[0].lpars[0].dumps, 1);
	repo_catalog_deinit(&cat);

	assert_int_equal(count(r, "SELECT max(version) FROM migrations"),
			 REPO_SCHEMA_VERSION);
	assert_int_equal(count(r, "SELECT count(*) FROM pragma_journal_mode"
			       " WHERE journal_mode = 'wal'"), 1);
	/* Reopening migrates nothing and keeps the data. */
	snprintf(dir, sizeof(dir), "%s", repo_dir(r));
	repo_destroy(r);
	assert_null(repo_open(dir, &r));
	assert_int_equal(count(r, "SELECT count(*) FROM migrations"), 1);
	assert_int_equal(count(r, "SELECT count(*) FROM dumps"), 1);
	repo_destroy(r);
	snprintf(dir, sizeof(dir), "%s/none", f->dir);
	err = repo_open(dir, &r);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_NOT_FOUND);
	lpd_error_destroy(err);
}

static void
test_import__times(void **state)
{
	int64_t t;
	char buf[32];
	struct lpd_error *err;

	(void)state;
	assert_null(repo_parse_time("2024-02-03", 0, &t));
	assert_int_equal(t, 1706918400);
	assert_null(repo_parse_time("2024-02-03T04:05:06Z", 0, &t));
	assert_int_equal(t, 1706918400 + 4 * 3600 + 5 * 60 + 6);
	assert_null(repo_parse_time("2024-02-03T04:05", 0, &t));
	assert_int_equal(t, 1706918400 + 4 * 3600 + 5 * 60);
	assert_null(repo_parse_time("@12345", 0, &t));
	assert_int_equal(t, 12345);
	assert_null(repo_parse_time("2h", 10000, &t));
	assert_int_equal(t, 10000 - 7200);
	assert_null(repo_parse_time("3d", 300000, &t));
	assert_int_equal(t, 300000 - 3 * 86400);
	err = repo_parse_time("yesterday", 0, &t);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_INVALID_ARG);
	lpd_error_destroy(err);
	repo_format_time(1706918400, buf, sizeof(buf));
	assert_string_equal(buf, "2024-02-03T00:00:00Z");
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import__records_and_lists),
		cmocka_unit_test(test_import__same_dump_twice_is_one_blob),
		cmocka_unit_test(test_import__bad_input_leaves_nothing),
		cmocka_unit_test(test_import__verify_names_the_dump),
		cmocka_unit_test(test_import__checkout_stays_inside),
		cmocka_unit_test(test_import__gc_and_rm),
		cmocka_unit_test(test_import__analyses_catalog_schema),
		cmocka_unit_test(test_import__times),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("repo/import", tests, group_setup,
					   group_teardown);
}
