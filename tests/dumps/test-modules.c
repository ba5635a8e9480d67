/* tests/dumps/test-modules.c - modules of real cores checked against
 * eu-unstrip -n --core and eu-readelf; cores without NT_FILE; a looping
 * link_map list. */
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

static const struct dump_module *
find_module(struct dump *d, const char *path_part)
{
	size_t i;

	for (i = 0; i < dump_module_count(d); i++)
		if (strstr(dump_module(d, i)->path, path_part) != NULL)
			return dump_module(d, i);
	return NULL;
}

static void
module_build_id(const struct dump_module *m, char *out, size_t size)
{
	fixture_hex(m->build_id, m->build_id_len, out, size);
}

/* Every module eu-unstrip reports has our start and build-id. */
static void
check_against_eu_unstrip(struct dump *d, const char *core)
{
	char cmd[PATH_MAX + 64], *out, *line, *save = NULL;
	size_t n = 0, i;

	snprintf(cmd, sizeof(cmd), "eu-unstrip -n --core='%s' 2>/dev/null",
		 core);
	out = fixture_capture(cmd, NULL);
	assert_non_null(out);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long start;
		char id[128], ours[128];
		bool found = false;

		if (sscanf(line, "%llx+%*x %127[0-9a-f]", &start, id) != 2)
			continue;
		for (i = 0; i < dump_module_count(d); i++) {
			const struct dump_module *m = dump_module(d, i);

			if (m->start != start)
				continue;
			module_build_id(m, ours, sizeof(ours));
			if (strcmp(ours, id) != 0)
				fail_msg("module at 0x%llx: build-id %s, "
					 "eu-unstrip %s", start, ours, id);
			found = true;
		}
		if (!found)
			fail_msg("no module at 0x%llx (%s)", start, line);
		n++;
	}
	lpd_free(out);
	if (n == 0)
		skip();
	assert_int_equal(n, dump_module_count(d));
}

static void
test_modules__match_eu_unstrip(void **state)
{
	struct fixture *f = *state;
	size_t i;

	check_against_eu_unstrip(f->d, f->core);
	for (i = 0; i < dump_warning_count(f->d); i++)
		print_message("warning: %s\n", dump_warning(f->d, i));
	assert_int_equal(dump_warning_count(f->d), 0);
}

static void
test_modules__libc_build_id_and_bias(void **state)
{
	struct fixture *f = *state;
	const struct dump_module *libc = find_module(f->d, "/libc.so.6");
	char *out, *p, ours[128];

	assert_non_null(libc);
	out = fixture_capture("eu-readelf -n /lib/x86_64-linux-gnu/libc.so.6",
			      NULL);
	assert_non_null(out);
	p = strstr(out, "Build ID: ");
	assert_non_null(p);
	p += strlen("Build ID: ");
	p[strspn(p, "0123456789abcdef")] = '\0';
	module_build_id(libc, ours, sizeof(ours));
	assert_string_equal(ours, p);
	lpd_free(out);
	/* libc is linked at 0: its bias is where it starts. */
	assert_int_equal(libc->bias, libc->start);
	assert_true(libc->in_link_map);
	assert_true(libc->dynamic > libc->start &&
		    libc->dynamic < libc->end);
	assert_false(libc->is_main);
}

static void
test_modules__main_vdso_and_lookup(void **state)
{
	struct fixture *f = *state;
	struct dump *d = f->d;
	const struct dump_module *m, *main_mod = NULL, *vdso = NULL;
	const struct dump_regs *r;
	size_t i;

	for (i = 0; i < dump_module_count(d); i++) {
		m = dump_module(d, i);
		if (i > 0)
			assert_true(dump_module(d, i - 1)->start <= m->start);
		assert_true(m->in_link_map);
		assert_non_null(m->build_id);
		if (m->is_main) {
			assert_null(main_mod);
			main_mod = m;
		}
		if (m->is_vdso) {
			assert_null(vdso);
			vdso = m;
		}
	}
	assert_non_null(main_mod);
	assert_string_equal(main_mod->path, f->exe);
	assert_int_equal(main_mod->bias, main_mod->start);	/* PIE */
	assert_non_null(vdso);
	assert_string_equal(vdso->path, "[vdso]");
	assert_null(dump_module(d, dump_module_count(d)));

	r = dump_thread_regs(d, dump_crashed_thread(d));
	assert_ptr_equal(dump_module_by_addr(d, r->value[16]), main_mod);
	for (i = 0; i < dump_thread_count(d); i++) {
		if (i == dump_crashed_thread(d))
			continue;
		m = dump_module_by_addr(d, dump_thread_regs(d, i)->value[16]);
		assert_non_null(m);
		assert_non_null(strstr(m->path, "/libc.so.6"));
	}
	assert_null(dump_module_by_addr(d, 0));
	assert_null(dump_module_by_addr(d, UINT64_MAX));
}

/* Core file offset of virtual address ADDR (in the dumped part). */
static size_t
core_offset(struct dump *d, uint64_t addr)
{
	size_t i;

	for (i = 0; i < d->nloads; i++) {
		const struct dump_segment *s = &d->loads[i];

		if (addr >= s->vaddr && addr - s->vaddr < s->filesz)
			return (size_t)(s->offset + (addr - s->vaddr));
	}
	return 0;
}

/* Copy of the core with its NT_FILE note renamed to an unknown type. */
static void
write_without_nt_file(const char *core, const char *path)
{
	static const uint8_t nt_file[] = { 'E', 'L', 'I', 'F' };
	uint8_t *buf, *p;
	size_t size;

	buf = fixture_slurp(core, &size);
	assert_non_null(buf);
	/* The note header: namesz 5, descsz, type NT_FILE, "CORE". */
	for (p = buf; p + 16 <= buf + size; p += 4)
		if (memcmp(p, nt_file, 4) == 0 && memcmp(p + 4, "CORE", 4)
		    == 0)
			break;
	assert_true(p + 16 <= buf + size);
	p[0] = 'X';
	assert_true(fixture_spew(path, buf, size));
	lpd_free(buf);
}

/* Without NT_FILE the executable comes from AT_PHDR and the libraries
 * from the link_map list, with the same biases and build-ids. */
static void
test_modules__core_without_nt_file(void **state)
{
	struct fixture *f = *state;
	const struct dump_module *a, *b;
	char path[PATH_MAX + 16];
	struct dump *d;
	size_t i;

	snprintf(path, sizeof(path), "%s/core.nofile", f->dir);
	write_without_nt_file(f->core, path);
	assert_null(dump_open(path, &d));
	assert_int_equal(dump_mapping_count(d), 0);
	assert_int_equal(dump_module_count(d), dump_module_count(f->d));
	for (i = 0; i < dump_module_count(d); i++) {
		a = dump_module(d, i);
		b = dump_module(f->d, i);
		assert_int_equal(a->bias, b->bias);
		assert_int_equal(a->start, b->start);
		assert_int_equal(a->build_id_len, b->build_id_len);
		assert_memory_equal(a->build_id, b->build_id, a->build_id_len);
		assert_int_equal(a->is_main, b->is_main);
		assert_int_equal(a->in_link_map, b->in_link_map);
		assert_int_equal(a->dynamic, b->dynamic);
		if (a->is_main)
			assert_non_null(strstr(a->path, "crasher"));
		else if (!a->is_vdso)
			assert_string_equal(strrchr(a->path, '/'),
					    strrchr(b->path, '/'));
	}
	dump_destroy(d);
	unlink(path);
}

/* Make the second link_map entry's l_next point back to the first. */
static void
test_modules__link_map_loop_is_bounded(void **state)
{
	struct fixture *f = *state;
	struct dump *d = f->d, *d2;
	const struct dump_module *main_mod = NULL;
	uint64_t dyn, tag, val, r_debug = 0, lm0, lm1;
	char path[PATH_MAX + 16];
	uint8_t *buf;
	size_t size, off, i;
	bool loops = false;

	for (i = 0; i < dump_module_count(d); i++)
		if (dump_module(d, i)->is_main)
			main_mod = dump_module(d, i);
	assert_non_null(main_mod);
	for (dyn = main_mod->dynamic; ; dyn += 16) {
		assert_null(dump_read_word(d, dyn, &tag));
		assert_null(dump_read_word(d, dyn + 8, &val));
		assert_true(tag != 0);
		if (tag == 21) {	/* DT_DEBUG */
			r_debug = val;
			break;
		}
	}
	assert_null(dump_read_word(d, r_debug + 8, &lm0));
	assert_null(dump_read_word(d, lm0 + 24, &lm1));
	off = core_offset(d, lm1 + 24);
	assert_true(off != 0);
	buf = fixture_slurp(f->core, &size);
	assert_non_null(buf);
	memcpy(buf + off, &lm0, 8);
	snprintf(path, sizeof(path), "%s/core.loop", f->dir);
	assert_true(fixture_spew(path, buf, size));
	lpd_free(buf);
	assert_null(dump_open(path, &d2));
	assert_true(dump_module_count(d2) >= 2);
	for (i = 0; i < dump_warning_count(d2); i++)
		if (strstr(dump_warning(d2, i), "loops") != NULL)
			loops = true;
	assert_true(loops);
	dump_destroy(d2);
	unlink(path);
}

static void
test_modules__corpus_x86_64(void **state)
{
	struct fixture c;
	const struct dump_module *m;
	char id[128], path[PATH_MAX + 16];
	struct dump *d;
	int rc;

	(void)state;
	rc = fixture_corpus(&c);
	if (rc == 1)
		skip();
	assert_int_equal(rc, 0);
	assert_null(dump_open(c.core, &c.d));
	check_against_eu_unstrip(c.d, c.core);
	m = dump_module_by_addr(c.d, 0x40a62b);
	assert_non_null(m);
	assert_true(m->is_main);
	assert_int_equal(m->bias, 0);		/* ET_EXEC */
	assert_int_equal(m->start, 0x400000);
	assert_string_equal(m->path, "/home/jkratoch/redhat/elfutils/tests/"
			    "backtrace.x86_64.exec");
	module_build_id(m, id, sizeof(id));
	assert_string_equal(id, "1ce01e9f189cc6cf496e460608227e06a95a825f");
	assert_false(m->in_link_map);		/* static: no r_debug */

	/* Without NT_FILE: the executable from AT_PHDR, named by auxv or
	 * pr_fname. */
	snprintf(path, sizeof(path), "%s/core.nofile", c.dir);
	write_without_nt_file(c.core, path);
	assert_null(dump_open(path, &d));
	m = dump_module_by_addr(d, 0x40a62b);
	assert_non_null(m);
	assert_true(m->is_main);
	assert_int_equal(m->bias, 0);
	assert_int_equal(m->start, 0x400000);
	module_build_id(m, id, sizeof(id));
	assert_string_equal(id, "1ce01e9f189cc6cf496e460608227e06a95a825f");
	assert_non_null(strstr(m->path, "backtrace.x86_"));
	dump_destroy(d);
	fixture_cleanup(&c);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules__match_eu_unstrip),
		cmocka_unit_test(test_modules__libc_build_id_and_bias),
		cmocka_unit_test(test_modules__main_vdso_and_lookup),
		cmocka_unit_test(test_modules__core_without_nt_file),
		cmocka_unit_test(test_modules__link_map_loop_is_bounded),
		cmocka_unit_test(test_modules__corpus_x86_64),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("dumps/modules", tests,
					   group_setup, group_teardown);
}
