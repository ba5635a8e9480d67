/* tests/dumps/test-core.c - dump_open on real cores, and on hostile ones:
 * not ELF, not a core, truncated, bad program header tables. */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tests/dumps/fixture.h"

static int
group_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL || fixture_make_crash(f) != 0) {
		fprintf(stderr, "cannot make the crash fixture\n");
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

/* Open PATH expecting CODE; the message must name PATH (and an offset for
 * bad input). */
static void
expect_error(const char *path, enum lpd_error_code code)
{
	struct dump *d = NULL;
	struct lpd_error *err = dump_open(path, &d);

	assert_non_null(err);
	assert_null(d);
	if (err->code != code)
		fail_msg("%s: code %d, expected %d: %s", path, err->code, code,
			 err->message);
	assert_non_null(strstr(err->message, path));
	if (code == LPD_ERR_BAD_INPUT && !fixture_names_offset(err, path))
		fail_msg("no offset in '%s'", err->message);
	lpd_error_destroy(err);
}

static void
test_core__opens_real_core(void **state)
{
	struct fixture *f = *state;
	struct dump *d;
	size_t i;

	assert_null(dump_open(f->core, &d));
	assert_string_equal(dump_path(d), f->core);
	assert_string_equal(dump_get_arch(d)->name, "x86_64");
	for (i = 0; i < dump_warning_count(d); i++)
		print_message("warning: %s\n", dump_warning(d, i));
	assert_int_equal(dump_warning_count(d), 0);
	assert_null(dump_warning(d, 0));
	assert_true(d->nloads > 0);
	for (i = 1; i < d->nloads; i++)
		assert_true(d->loads[i - 1].vaddr <= d->loads[i].vaddr);
	dump_destroy(d);
	dump_destroy(NULL);
}

static void
test_core__missing_file_is_os_error(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 16];
	struct lpd_error *err;
	struct dump *d = NULL;

	snprintf(path, sizeof(path), "%s/no-such-core", f->dir);
	err = dump_open(path, &d);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_OS);
	assert_int_equal(err->errnum, ENOENT);
	assert_null(d);
	lpd_error_destroy(err);
}

static void
test_core__not_elf(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/out.txt", f->dir);
	expect_error(path, LPD_ERR_BAD_INPUT);
}

static void
test_core__not_a_core(void **state)
{
	struct fixture *f = *state;
	struct lpd_error *err;
	struct dump *d = NULL;

	(void)f;
	expect_error("/bin/true", LPD_ERR_BAD_INPUT);
	err = dump_open("/bin/true", &d);
	assert_non_null(strstr(err->message, "not a core"));
	lpd_error_destroy(err);
}

static void
test_core__directory_is_rejected(void **state)
{
	struct fixture *f = *state;
	struct lpd_error *err;
	struct dump *d = NULL;

	err = dump_open(f->dir, &d);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_BAD_INPUT);
	lpd_error_destroy(err);
}

/* Where the program headers and notes end in the real core. */
static void
core_layout(const uint8_t *buf, size_t *phdr_end, size_t *note_start,
	    size_t *note_end)
{
	const Elf64_Ehdr *eh = (const void *)buf;
	size_t i;

	*phdr_end = eh->e_phoff + (size_t)eh->e_phnum * eh->e_phentsize;
	*note_start = *note_end = 0;
	for (i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, buf + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_NOTE) {
			*note_start = ph.p_offset;
			*note_end = ph.p_offset + ph.p_filesz;
		}
	}
}

/* Truncate a copy of the core at many sizes, from large to small: inside
 * the headers and notes it is a hard error naming file and offset; inside
 * PT_LOAD data it is a warning and the notes still read. */
static void
test_core__truncated_at_many_offsets(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 16];
	size_t size, phdr_end, note_start, note_end, n = 0;
	uint8_t *buf;
	long long cut;
	int fd;

	buf = fixture_slurp(f->core, &size);
	assert_non_null(buf);
	core_layout(buf, &phdr_end, &note_start, &note_end);
	lpd_free(buf);
	assert_true(note_end > note_start);
	snprintf(path, sizeof(path), "%s/core.trunc", f->dir);
	assert_true(fixture_copy(f->core, path));
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	for (cut = (long long)size - 1; cut >= 0; ) {
		struct lpd_error *err;
		struct dump *d = NULL;

		assert_int_equal(ftruncate(fd, cut), 0);
		err = dump_open(path, &d);
		if ((size_t)cut >= note_end) {
			if (err != NULL)
				fail_msg("cut at 0x%llx: %s", cut,
					 err->message);
			assert_int_equal(dump_thread_count(d), f->nthreads);
			assert_true(dump_warning_count(d) >= 1);
			assert_non_null(strstr(dump_warning(d, 0),
					       "offset 0x"));
			if (n++ % 8 == 0)	/* modules on short memory */
				(void)dump_module_count(d);
			dump_destroy(d);
		} else {
			if (err == NULL)
				fail_msg("cut at 0x%llx opened", cut);
			assert_int_equal(err->code, LPD_ERR_BAD_INPUT);
			if (!fixture_names_offset(err, path))
				fail_msg("cut at 0x%llx: '%s'", cut,
					 err->message);
			lpd_error_destroy(err);
		}
		/* Every byte near the headers and notes, every page above. */
		if ((size_t)cut > note_end + 64)
			cut = (size_t)cut - 4096 < note_end + 64
				? (long long)note_end + 64 : cut - 4096;
		else if ((size_t)cut > note_start + 512 &&
			 (size_t)cut < note_end - 64)
			cut -= 61;
		else
			cut--;
	}
	close(fd);
	unlink(path);
}

/* Patch a copy of the core and expect a hard error. */
struct header_case {
	const char *what;
	size_t offset;		/* in the ELF header */
	size_t width;		/* 1, 2, 4 or 8 */
	uint64_t value;
	enum lpd_error_code code;
	const char *msg;	/* substring of the message */
};

static const struct header_case header_cases[] = {
	{ "magic", 1, 1, 'X', LPD_ERR_BAD_INPUT, "not an ELF file" },
	{ "class", EI_CLASS, 1, 7, LPD_ERR_BAD_INPUT, "ELF class" },
	{ "data", EI_DATA, 1, 0, LPD_ERR_BAD_INPUT, "data encoding" },
	{ "version", EI_VERSION, 1, 9, LPD_ERR_BAD_INPUT, "ELF version" },
	{ "e_type", offsetof(Elf64_Ehdr, e_type), 2, ET_DYN,
	  LPD_ERR_BAD_INPUT, "not a core" },
	{ "e_machine", offsetof(Elf64_Ehdr, e_machine), 2, EM_SPARCV9,
	  LPD_ERR_UNSUPPORTED, "unsupported architecture" },
	{ "e_phentsize", offsetof(Elf64_Ehdr, e_phentsize), 2, 40,
	  LPD_ERR_BAD_INPUT, "e_phentsize" },
	{ "e_phnum huge", offsetof(Elf64_Ehdr, e_phnum), 2, 0xfffe,
	  LPD_ERR_BAD_INPUT, "run past end of file" },
	{ "e_phnum 0", offsetof(Elf64_Ehdr, e_phnum), 2, 0,
	  LPD_ERR_BAD_INPUT, "no program headers" },
	{ "PN_XNUM without sections", offsetof(Elf64_Ehdr, e_phnum), 2,
	  PN_XNUM, LPD_ERR_BAD_INPUT, "PN_XNUM" },
	{ "e_phoff past end", offsetof(Elf64_Ehdr, e_phoff), 8,
	  UINT64_C(0xfffffffffffffff0), LPD_ERR_BAD_INPUT,
	  "run past end of file" },
};

static void
patch(uint8_t *p, size_t width, uint64_t v)
{
	switch (width) {
	case 1: *p = (uint8_t)v; break;
	case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
	default: memcpy(p, &v, 8); break;
	}
}

static void
test_core__bad_headers_are_errors(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 16];
	size_t size, i;
	uint8_t *buf, save[8];

	buf = fixture_slurp(f->core, &size);
	assert_non_null(buf);
	/* Headers and notes fit in the first 64 KiB: 0xfffe phdrs do not. */
	if (size > 65536)
		size = 65536;
	snprintf(path, sizeof(path), "%s/core.hdr", f->dir);
	for (i = 0; i < sizeof(header_cases) / sizeof(header_cases[0]); i++) {
		const struct header_case *c = &header_cases[i];
		struct lpd_error *err;
		struct dump *d = NULL;

		memcpy(save, buf + c->offset, c->width);
		patch(buf + c->offset, c->width, c->value);
		assert_true(fixture_spew(path, buf, size));
		memcpy(buf + c->offset, save, c->width);
		err = dump_open(path, &d);
		if (err == NULL)
			fail_msg("%s: opened", c->what);
		if (err->code != c->code || strstr(err->message, c->msg) ==
		    NULL || strstr(err->message, path) == NULL ||
		    (c->code == LPD_ERR_BAD_INPUT &&
		     !fixture_names_offset(err, path)))
			fail_msg("%s: code %d '%s'", c->what, err->code,
				 err->message);
		lpd_error_destroy(err);
	}
	lpd_free(buf);
	unlink(path);
}

/* A PT_NOTE or PT_LOAD that points past the end of the file. */
static void
test_core__bad_phdrs(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 16];
	const Elf64_Ehdr *eh;
	struct lpd_error *err;
	struct dump *d;
	size_t size, i, note_ph = 0, load_ph = 0;
	uint8_t *buf;
	Elf64_Phdr ph;

	buf = fixture_slurp(f->core, &size);
	assert_non_null(buf);
	eh = (const void *)buf;
	for (i = 0; i < eh->e_phnum; i++) {
		memcpy(&ph, buf + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_NOTE)
			note_ph = eh->e_phoff + i * sizeof(ph);
		if (ph.p_type == PT_LOAD && ph.p_filesz > 0 && load_ph == 0)
			load_ph = eh->e_phoff + i * sizeof(ph);
	}
	assert_true(note_ph != 0 && load_ph != 0);
	snprintf(path, sizeof(path), "%s/core.ph", f->dir);

	/* PT_NOTE size past the end: hard error at the phdr's offset. */
	memcpy(&ph, buf + note_ph, sizeof(ph));
	patch(buf + note_ph + offsetof(Elf64_Phdr, p_filesz), 8, size);
	assert_true(fixture_spew(path, buf, size));
	memcpy(buf + note_ph, &ph, sizeof(ph));
	d = NULL;
	err = dump_open(path, &d);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_BAD_INPUT);
	assert_true(fixture_names_offset(err, path));
	assert_non_null(strstr(err->message, "PT_NOTE"));
	lpd_error_destroy(err);

	/* PT_LOAD data past the end, filesz > memsz, wrapping: warnings. */
	memcpy(&ph, buf + load_ph, sizeof(ph));
	patch(buf + load_ph + offsetof(Elf64_Phdr, p_offset), 8,
	      UINT64_MAX - 4);
	assert_true(fixture_spew(path, buf, size));
	assert_null(dump_open(path, &d));
	assert_true(dump_warning_count(d) >= 1);
	assert_non_null(strstr(dump_warning(d, 0), "runs past end of file"));
	dump_destroy(d);
	patch(buf + load_ph + offsetof(Elf64_Phdr, p_offset), 8, ph.p_offset);
	patch(buf + load_ph + offsetof(Elf64_Phdr, p_filesz), 8,
	      ph.p_memsz + 1);
	assert_true(fixture_spew(path, buf, size));
	assert_null(dump_open(path, &d));
	assert_non_null(strstr(dump_warning(d, 0), "exceeds p_memsz"));
	dump_destroy(d);
	patch(buf + load_ph + offsetof(Elf64_Phdr, p_filesz), 8, ph.p_filesz);
	patch(buf + load_ph + offsetof(Elf64_Phdr, p_vaddr), 8,
	      UINT64_MAX - 16);
	assert_true(fixture_spew(path, buf, size));
	assert_null(dump_open(path, &d));
	assert_non_null(strstr(dump_warning(d, 0), "wraps"));
	dump_destroy(d);
	lpd_free(buf);
	unlink(path);
}

/* PN_XNUM with a section header whose sh_info holds the real count. */
static void
test_core__pn_xnum(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 16];
	Elf64_Ehdr *eh;
	Elf64_Shdr sh;
	struct dump *d;
	size_t size, n;
	uint8_t *buf;
	uint16_t phnum;

	buf = fixture_slurp(f->core, &size);
	assert_non_null(buf);
	buf = lpd_reallocarray(buf, size + sizeof(sh), 1);
	assert_non_null(buf);
	eh = (void *)buf;
	phnum = eh->e_phnum;
	memset(&sh, 0, sizeof(sh));
	sh.sh_info = phnum;
	memcpy(buf + size, &sh, sizeof(sh));
	eh->e_shoff = size;
	eh->e_shentsize = sizeof(sh);
	eh->e_shnum = 0;
	eh->e_phnum = PN_XNUM;
	snprintf(path, sizeof(path), "%s/core.xnum", f->dir);
	assert_true(fixture_spew(path, buf, size + sizeof(sh)));
	assert_null(dump_open(path, &d));
	n = d->nloads;
	assert_int_equal(dump_thread_count(d), f->nthreads);
	dump_destroy(d);
	/* sh_info larger than the file holds. */
	sh.sh_info = 0x7fffffff;
	memcpy(buf + size, &sh, sizeof(sh));
	assert_true(fixture_spew(path, buf, size + sizeof(sh)));
	expect_error(path, LPD_ERR_BAD_INPUT);
	assert_true(n > 0);
	lpd_free(buf);
	unlink(path);
}

/* The elfutils corpus core: 2 threads whose frame-0 pcs eu-stack gives. */
static void
test_core__corpus_x86_64(void **state)
{
	static const struct { int tid; uint64_t pc; } want[] = {
		{ 23097, 0x40a62b }, { 23096, 0x404880 },
	};
	struct fixture c;
	struct dump *d;
	size_t i;
	int rc;

	(void)state;
	rc = fixture_corpus(&c);
	if (rc == 1)
		skip();
	assert_int_equal(rc, 0);
	assert_null(dump_open(c.core, &d));
	assert_int_equal(dump_warning_count(d), 0);
	assert_int_equal(dump_thread_count(d), 2);
	for (i = 0; i < 2; i++) {
		const struct dump_regs *r = dump_thread_regs(d, i);

		assert_int_equal(dump_thread_tid(d, i), want[i].tid);
		assert_true(dump_regs_has(r, 16));
		assert_int_equal(r->value[16], want[i].pc);
	}
	dump_destroy(d);
	fixture_cleanup(&c);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core__opens_real_core),
		cmocka_unit_test(test_core__missing_file_is_os_error),
		cmocka_unit_test(test_core__not_elf),
		cmocka_unit_test(test_core__not_a_core),
		cmocka_unit_test(test_core__directory_is_rejected),
		cmocka_unit_test(test_core__truncated_at_many_offsets),
		cmocka_unit_test(test_core__bad_headers_are_errors),
		cmocka_unit_test(test_core__bad_phdrs),
		cmocka_unit_test(test_core__pn_xnum),
		cmocka_unit_test(test_core__corpus_x86_64),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("dumps/core", tests, group_setup,
					   group_teardown);
}
