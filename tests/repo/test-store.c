/* tests/repo/test-store.c - the blob store on real files: one blob per
 * content, every compression format decoded to the same hash, truncated
 * streams refused with the offset, corrupt blobs caught, modes 0700/0600,
 * paths that would leave a directory rejected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "repo/repo-int.h"

struct st_fixture {
	char dir[256];
	char repo[300];
	char data[300];		/* a file of mixed content */
	struct repo *r;
};

static int
sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int
setup(void **state)
{
	struct st_fixture *f = calloc(1, sizeof(*f));
	FILE *fp;
	int i;

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/lpd-store.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->repo, sizeof(f->repo), "%s/repo", f->dir);
	snprintf(f->data, sizeof(f->data), "%s/data", f->dir);
	fp = fopen(f->data, "w");
	if (fp == NULL)
		return -1;
	/* ELF magic first (STORE_WANT_ELF), then 3 MB of text and zeros so
	 * streams span several chunks. */
	fputs("\177ELF", fp);
	for (i = 0; i < 300000; i++)
		fprintf(fp, "line %d of the test data\n", i % 977);
	for (i = 0; i < 1 << 20; i++)
		fputc(0, fp);
	fclose(fp);
	if (repo_init(f->repo, &f->r) != NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct st_fixture *f = *state;

	repo_destroy(f->r);
	sh("rm -rf '%s'", f->dir);
	free(f);
	return 0;
}

static struct lpd_error *
ingest_file(struct repo *r, const char *path, unsigned flags,
	    struct store_result *ret)
{
	struct lpd_error *err;
	struct stat st;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	err = store_ingest(r, fd, 0, (uint64_t)st.st_size, path, flags, ret);
	close(fd);
	return err;
}

static size_t
count_files(const char *dir)
{
	char cmd[512], buf[32];
	FILE *p;
	size_t n = 0;

	snprintf(cmd, sizeof(cmd), "find '%s' -type f | wc -l", dir);
	p = popen(cmd, "r");
	if (p != NULL && fgets(buf, sizeof(buf), p) != NULL)
		n = (size_t)atol(buf);
	if (p != NULL)
		pclose(p);
	return n;
}

static void
test_store__same_content_is_one_blob(void **state)
{
	struct st_fixture *f = *state;
	struct store_result a, b;
	char objects[400];

	snprintf(objects, sizeof(objects), "%s/objects", f->repo);
	assert_null(ingest_file(f->r, f->data, STORE_MAKE_BLOB, &a));
	assert_null(store_publish(f->r, &a));
	assert_null(ingest_file(f->r, f->data, STORE_MAKE_BLOB, &b));
	assert_null(store_publish(f->r, &b));
	assert_string_equal(a.hash, b.hash);
	assert_int_equal(count_files(objects), 1);
	assert_true(store_blob_exists(f->r, a.hash));
	assert_null(store_check_blob(f->r, a.hash));
	store_result_deinit(&a);
	store_result_deinit(&b);
	sh("rm -rf '%s'/*", objects);
}

static void
test_store__every_format_gives_the_same_hash(void **state)
{
	static const char *const tools[][2] = {
		{ "zstd -q -c", "zst" }, { "xz -c", "xz" },
		{ "gzip -c", "gz" }, { "lz4 -q -c", "lz4" },
	};
	struct st_fixture *f = *state;
	struct store_result raw, c;
	char path[400];
	size_t i;

	assert_null(ingest_file(f->r, f->data, STORE_DECOMPRESS, &raw));
	assert_int_equal(raw.format, STORE_FORMAT_ELF);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/data.%s", f->dir, tools[i][1]);
		if (sh("%s '%s' > '%s' 2>/dev/null", tools[i][0], f->data,
		       path) != 0) {
			print_message("skip %s: tool missing\n", tools[i][1]);
			continue;
		}
		assert_null(ingest_file(f->r, path, STORE_DECOMPRESS |
					STORE_KEEP_RAW | STORE_WANT_ELF, &c));
		assert_string_equal(c.hash, raw.hash);
		assert_int_equal(c.size, raw.size);
		assert_string_equal(store_format_name(c.format), i == 0
				    ? "zstd" : i == 1 ? "xz" : i == 2 ? "gzip"
				    : "lz4");
		assert_int_equal(sh("cmp -s '%s' '%s'", c.raw_path, f->data),
				 0);
		store_result_deinit(&c);
		/* Cut short: refused, naming the file and an offset. */
		sh("head -c $(($(stat -c %%s '%s') / 2)) '%s' > '%s.cut'",
		   path, path, path);
		strcat(path, ".cut");
		struct lpd_error *err = ingest_file(f->r, path,
						    STORE_DECOMPRESS |
						    STORE_MAKE_BLOB, &c);
		assert_non_null(err);
		assert_int_equal(err->code, LPD_ERR_BAD_INPUT);
		assert_non_null(strstr(err->message, path));
		assert_non_null(strstr(err->message, "offset 0x"));
		assert_true(strstr(err->message, "truncated") != NULL ||
			    strstr(err->message, "corrupt") != NULL);
		lpd_error_destroy(err);
	}
	store_result_deinit(&raw);
	/* Nothing half-written is left behind. */
	snprintf(path, sizeof(path), "%s/tmp", f->repo);
	assert_int_equal(count_files(path), 0);
}

static void
test_store__non_elf_is_refused(void **state)
{
	struct st_fixture *f = *state;
	struct store_result c;
	struct lpd_error *err;
	char path[400];

	snprintf(path, sizeof(path), "%s/text", f->dir);
	sh("echo 'just text' > '%s'", path);
	err = ingest_file(f->r, path, STORE_DECOMPRESS | STORE_WANT_ELF, &c);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_BAD_INPUT);
	assert_non_null(strstr(err->message, "not a core"));
	lpd_error_destroy(err);
	sh("echo 'just text' | zstd -q -c > '%s'", path);
	err = ingest_file(f->r, path, STORE_DECOMPRESS | STORE_WANT_ELF, &c);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "not an ELF core"));
	lpd_error_destroy(err);
}

static void
test_store__corrupt_blob_is_caught(void **state)
{
	struct st_fixture *f = *state;
	struct lpd_error *err;
	struct store_result a;
	char *path, *mat = NULL;
	int fd;

	assert_null(ingest_file(f->r, f->data, STORE_MAKE_BLOB, &a));
	assert_null(store_publish(f->r, &a));
	path = store_blob_path(f->r, a.hash);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "XXXX", 4, 100), 4);
	close(fd);
	err = store_check_blob(f->r, a.hash);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_BAD_INPUT);
	assert_non_null(strstr(err->message, a.hash));
	lpd_error_destroy(err);
	err = store_materialize(f->r, a.hash, &mat);
	assert_non_null(err);
	assert_null(mat);
	lpd_error_destroy(err);
	unlink(path);
	err = store_check_blob(f->r, a.hash);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "missing"));
	lpd_error_destroy(err);
	lpd_free(path);
	store_result_deinit(&a);
}

/* Directories 0700, files 0600, whatever the umask. */
static void
check_modes(const char *dir)
{
	struct dirent *de;
	struct stat st;
	char p[1024];
	DIR *d = opendir(dir);

	assert_non_null(d);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		assert_int_equal(lstat(p, &st), 0);
		if (S_ISDIR(st.st_mode))
			check_modes(p);
		else if (S_ISREG(st.st_mode) && (st.st_mode & 0777) != 0600)
			fail_msg("%s: mode %o", p, st.st_mode & 0777);
	}
	closedir(d);
}

static void
test_store__modes_are_private(void **state)
{
	struct st_fixture *f = *state;
	struct store_result a;
	struct repo *r;
	char dir[400], *mat;
	mode_t old = umask(0);

	snprintf(dir, sizeof(dir), "%s/modes/repo", f->dir);
	assert_null(repo_init(dir, &r));
	assert_null(ingest_file(r, f->data, STORE_MAKE_BLOB, &a));
	assert_null(store_publish(r, &a));
	assert_null(store_materialize(r, a.hash, &mat));
	umask(old);
	check_modes(dir);
	lpd_free(mat);
	store_result_deinit(&a);
	repo_destroy(r);
}

static void
test_store__safe_paths(void **state)
{
	(void)state;
	assert_true(store_safe_path("/usr/lib/libc.so.6"));
	assert_true(store_safe_path("/a/..b/c.."));
	assert_false(store_safe_path("usr/lib/libc.so.6"));
	assert_false(store_safe_path("/usr/../../etc/passwd"));
	assert_false(store_safe_path("/.."));
	assert_false(store_safe_path("/a//b"));
	assert_false(store_safe_path("/a/./b"));
	assert_false(store_safe_path("/a/b/"));
	assert_false(store_safe_path(""));
	assert_false(store_safe_path(NULL));
	assert_true(store_is_hash("0123456789abcdef0123456789abcdef"
				  "0123456789abcdef0123456789abcdef"));
	assert_false(store_is_hash("../3456789abcdef0123456789abcdef"
				   "0123456789abcdef0123456789abcdef"));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store__same_content_is_one_blob),
		cmocka_unit_test(test_store__every_format_gives_the_same_hash),
		cmocka_unit_test(test_store__non_elf_is_refused),
		cmocka_unit_test(test_store__corrupt_blob_is_caught),
		cmocka_unit_test(test_store__modes_are_private),
		cmocka_unit_test(test_store__safe_paths),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("repo/store", tests, setup,
					   teardown);
}
