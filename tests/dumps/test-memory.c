/* tests/dumps/test-memory.c - dump_read over PT_LOAD contents and over the
 * files NT_FILE names (with sysroot and map-file redirection), faults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tests/dumps/fixture.h"

static int
group_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct lpd_error *err;

	if (f == NULL || fixture_make_crash(f) != 0) {
		fprintf(stderr, "cannot make the crash fixture\n");
		free(f);
		return -1;
	}
	err = dump_open(f->core, &f->d);
	if (err != NULL) {
		fprintf(stderr, "%s\n", err->message);
		lpd_error_destroy(err);
		fixture_cleanup(f);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
group_teardown(void **state)
{
	struct fixture *f = *state;

	fixture_cleanup(f);
	free(f);
	return 0;
}

/* A libc mapping at a non-zero file offset (text, not in the core). */
static const struct dump_mapping *
libc_text(struct dump *d)
{
	size_t i;

	for (i = 0; i < dump_mapping_count(d); i++) {
		const struct dump_mapping *m = dump_mapping(d, i);

		if (strstr(m->path, "/libc.so.6") != NULL &&
		    m->file_offset != 0)
			return m;
	}
	return NULL;
}

static void
test_memory__reads_core_contents(void **state)
{
	struct fixture *f = *state;
	const struct dump_regs *r;
	uint8_t buf[64];
	uint64_t word;
	size_t i;

	/* The first page of each ELF mapping is in the core. */
	for (i = 0; i < dump_mapping_count(f->d); i++) {
		const struct dump_mapping *m = dump_mapping(f->d, i);

		if (strcmp(m->path, f->exe) == 0 && m->file_offset == 0)
			break;
	}
	assert_true(i < dump_mapping_count(f->d));
	assert_null(dump_read(f->d, dump_mapping(f->d, i)->start, buf, 4));
	assert_memory_equal(buf, "\177ELF", 4);
	/* The stack, and a word there in the core's byte order. */
	r = dump_thread_regs(f->d, dump_crashed_thread(f->d));
	assert_null(dump_read(f->d, r->value[7], buf, 16));
	assert_null(dump_read_word(f->d, r->value[7] + 8, &word));
	assert_int_equal(word, lpd_load_u64(buf + 8, false));
	assert_null(dump_read(f->d, r->value[7], buf, 0));
}

/* Reads that cross from one PT_LOAD into the next equal the pieces. */
static void
test_memory__read_spans_segments(void **state)
{
	struct fixture *f = *state;
	struct dump *d = f->d;
	uint8_t whole[32], a[16], b[16];
	size_t i, done = 0;

	for (i = 0; i + 1 < d->nloads && done < 4; i++) {
		const struct dump_segment *s = &d->loads[i];
		uint64_t end = s->vaddr + s->memsz;

		if (end != d->loads[i + 1].vaddr ||
		    dump_read(d, end - 16, a, 16) != NULL)
			continue;
		if (dump_read(d, end, b, 16) != NULL)
			continue;
		assert_null(dump_read(d, end - 16, whole, 32));
		assert_memory_equal(whole, a, 16);
		assert_memory_equal(whole + 16, b, 16);
		done++;
	}
	assert_true(done > 0);
}

static void
test_memory__faults(void **state)
{
	struct fixture *f = *state;
	struct lpd_error *err;
	uint8_t buf[8];
	uint64_t w = 7;

	err = dump_read(f->d, 0, buf, 1);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_FAULT);
	assert_int_equal(err->address, 0);
	lpd_error_destroy(err);
	err = dump_read(f->d, f->fault, buf, sizeof(buf));
	assert_int_equal(err->code, LPD_ERR_FAULT);
	assert_int_equal(err->address, f->fault);
	lpd_error_destroy(err);
	err = dump_read(f->d, UINT64_MAX - 2, buf, sizeof(buf));
	assert_int_equal(err->code, LPD_ERR_FAULT);
	lpd_error_destroy(err);
	err = dump_read_word(f->d, 8, &w);
	assert_int_equal(err->code, LPD_ERR_FAULT);
	assert_int_equal(w, 7);		/* untouched */
	lpd_error_destroy(err);
}

/* Text pages are not in the core: they come from the mapped file, or from
 * where sysroot / dump_map_file() say it is. */
static void
test_memory__reads_mapped_files_and_redirects(void **state)
{
	struct fixture *f = *state;
	const struct dump_mapping *m = libc_text(f->d);
	char root[PATH_MAX], copy[PATH_MAX + 32];
	uint8_t mem[4096], *file;
	struct lpd_error *err;
	size_t size;

	assert_non_null(m);
	file = fixture_slurp(m->path, &size);
	assert_non_null(file);
	assert_true(m->file_offset + sizeof(mem) <= size);
	assert_null(dump_read(f->d, m->start, mem, sizeof(mem)));
	assert_memory_equal(mem, file + m->file_offset, sizeof(mem));

	/* An empty sysroot hides the file. */
	snprintf(root, sizeof(root), "%s/root", f->dir);
	assert_int_equal(mkdir(root, 0700), 0);
	assert_null(dump_set_sysroot(f->d, root));
	err = dump_read(f->d, m->start, mem, sizeof(mem));
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_FAULT);
	lpd_error_destroy(err);

	/* ... until the file is given explicitly. */
	snprintf(copy, sizeof(copy), "%s/libc-copy.so", f->dir);
	assert_true(fixture_copy(m->path, copy));
	assert_null(dump_map_file(f->d, m->path, copy));
	memset(mem, 0, sizeof(mem));
	assert_null(dump_read(f->d, m->start, mem, sizeof(mem)));
	assert_memory_equal(mem, file + m->file_offset, sizeof(mem));

	/* ... or the sysroot holds it. */
	assert_null(dump_map_file(f->d, m->path, "/nonexistent/libc"));
	err = dump_read(f->d, m->start, mem, 8);
	assert_int_equal(err->code, LPD_ERR_FAULT);
	lpd_error_destroy(err);
	assert_null(dump_set_sysroot(f->d, NULL));
	assert_null(dump_map_file(f->d, m->path, m->path));
	assert_null(dump_read(f->d, m->start, mem, sizeof(mem)));
	assert_memory_equal(mem, file + m->file_offset, sizeof(mem));
	err = dump_map_file(f->d, NULL, "x");
	assert_int_equal(err->code, LPD_ERR_INVALID_ARG);
	lpd_error_destroy(err);
	lpd_free(file);
}

/* Corpus: the static executable's text is only in the executable. */
static void
test_memory__corpus_exec_redirect(void **state)
{
	struct fixture c;
	const struct dump_mapping *m;
	struct lpd_error *err;
	uint8_t mem[16], *file;
	size_t size;
	int rc;

	(void)state;
	rc = fixture_corpus(&c);
	if (rc == 1)
		skip();
	assert_int_equal(rc, 0);
	assert_null(dump_open(c.core, &c.d));
	m = dump_mapping(c.d, 0);
	assert_int_equal(m->start, 0x400000);
	assert_int_equal(m->file_offset, 0);
	err = dump_read(c.d, 0x40a62b, mem, sizeof(mem));
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_FAULT);
	lpd_error_destroy(err);
	assert_null(dump_map_file(c.d, m->path, c.exe));
	assert_null(dump_read(c.d, 0x40a62b, mem, sizeof(mem)));
	file = fixture_slurp(c.exe, &size);
	assert_non_null(file);
	assert_memory_equal(mem, file + 0xa62b, sizeof(mem));
	lpd_free(file);
	fixture_cleanup(&c);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory__reads_core_contents),
		cmocka_unit_test(test_memory__read_spans_segments),
		cmocka_unit_test(test_memory__faults),
		cmocka_unit_test(test_memory__reads_mapped_files_and_redirects),
		cmocka_unit_test(test_memory__corpus_exec_redirect),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("dumps/memory", tests, group_setup,
					   group_teardown);
}
