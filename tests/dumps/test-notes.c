/* tests/dumps/test-notes.c - threads, registers, process, signal, auxv and
 * NT_FILE from real cores, checked against gdb and the program's output;
 * corrupted notes become warnings. */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tests/dumps/fixture.h"

struct notes_state {
	struct fixture f;
	char *gdb;		/* gdb's view of the crashed thread */
};

static int
group_setup(void **state)
{
	struct notes_state *s = calloc(1, sizeof(*s));
	char cmd[4 * PATH_MAX];
	struct lpd_error *err;

	if (s == NULL || fixture_make_crash(&s->f) != 0) {
		fprintf(stderr, "cannot make the crash fixture\n");
		free(s);
		return -1;
	}
	err = dump_open(s->f.core, &s->f.d);
	if (err != NULL) {
		fprintf(stderr, "%s\n", err->message);
		lpd_error_destroy(err);
		fixture_cleanup(&s->f);
		free(s);
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "gdb -batch -nx -ex 'info registers rip "
		 "rsp rbp rbx r12 eflags fs_base' '%s' '%s' 2>/dev/null",
		 s->f.exe, s->f.core);
	s->gdb = fixture_capture(cmd, NULL);
	*state = s;
	return 0;
}

static int
group_teardown(void **state)
{
	struct notes_state *s = *state;

	lpd_free(s->gdb);
	fixture_cleanup(&s->f);
	free(s);
	return 0;
}

static void
test_notes__threads_and_crashed_thread(void **state)
{
	struct notes_state *s = *state;
	struct dump *d = s->f.d;
	size_t i, c;

	assert_int_equal(dump_thread_count(d), s->f.nthreads);
	c = dump_crashed_thread(d);
	assert_int_equal(dump_thread_tid(d, c), s->f.tid);
	assert_int_equal(dump_thread_signal(d, c), 11);
	for (i = 0; i < dump_thread_count(d); i++) {
		size_t len;

		assert_true(dump_thread_tid(d, i) > 0);
		assert_non_null(dump_thread_fpregs(d, i, &len));
		assert_int_equal(len, 512);
		assert_non_null(dump_thread_xstate(d, i, &len));
		assert_true(len >= 576);
	}
	/* Out of range: no crash, nothing. */
	assert_int_equal(dump_thread_tid(d, 99), 0);
	assert_null(dump_thread_regs(d, 99));
}

static void
test_notes__registers_match_gdb(void **state)
{
	static const struct { const char *name; unsigned regno; } regs[] = {
		{ "rip", 16 }, { "rsp", 7 }, { "rbp", 6 }, { "rbx", 3 },
		{ "r12", 12 }, { "eflags", 49 }, { "fs_base", 58 },
	};
	struct notes_state *s = *state;
	const struct dump_regs *r;
	const struct dump_arch *a = dump_get_arch(s->f.d);
	size_t i;

	if (s->gdb == NULL || strstr(s->gdb, "rip") == NULL)
		skip();
	r = dump_thread_regs(s->f.d, dump_crashed_thread(s->f.d));
	for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		uint64_t want;

		assert_true(fixture_gdb_reg(s->gdb, regs[i].name, 0, &want));
		assert_true(dump_regs_has(r, regs[i].regno));
		if (r->value[regs[i].regno] != want)
			fail_msg("%s: 0x%" PRIx64 ", gdb 0x%" PRIx64,
				 regs[i].name, r->value[regs[i].regno], want);
	}
	assert_int_equal(a->pc_regno, 16);
	assert_false(dump_regs_has(r, 17));
}

static void
test_notes__process_and_siginfo(void **state)
{
	struct notes_state *s = *state;
	const struct dump_process *p = dump_get_process(s->f.d);
	struct dump_siginfo si;

	assert_non_null(p);
	assert_int_equal(p->pid, s->f.pid);
	assert_int_equal(p->uid, getuid());
	assert_string_equal(p->fname, "crasher");
	assert_string_equal(p->args, "./crasher");
	assert_true(dump_get_siginfo(s->f.d, &si));
	assert_int_equal(si.signo, 11);
	assert_true(si.code > 0);
	assert_true(si.has_addr);
	assert_int_equal(si.addr, s->f.fault);
	assert_string_equal(dump_signal_name(si.signo), "SIGSEGV");
}

static void
test_notes__auxv_and_files(void **state)
{
	struct notes_state *s = *state;
	struct dump *d = s->f.d;
	bool exe_at_0 = false;
	uint64_t v;
	size_t i;

	assert_true(dump_auxv(d, DUMP_AT_PAGESZ, &v));
	assert_int_equal(v, (uint64_t)sysconf(_SC_PAGESIZE));
	assert_true(dump_auxv(d, DUMP_AT_PHDR, &v));
	assert_true(dump_auxv(d, DUMP_AT_ENTRY, &v));
	assert_false(dump_auxv(d, 0x7fff, &v));
	assert_true(dump_mapping_count(d) > 3);
	for (i = 0; i < dump_mapping_count(d); i++) {
		const struct dump_mapping *m = dump_mapping(d, i);

		assert_true(m->start < m->end);
		if (i > 0)
			assert_true(dump_mapping(d, i - 1)->start <= m->start);
		assert_int_equal(m->file_offset % 4096, 0);
		if (strcmp(m->path, s->f.exe) == 0 && m->file_offset == 0)
			exe_at_0 = true;
	}
	assert_true(exe_at_0);
	assert_null(dump_mapping(d, dump_mapping_count(d)));
}

/* Offset and size of the core's PT_NOTE. */
static void
note_segment(const uint8_t *buf, size_t *off, size_t *size)
{
	const Elf64_Ehdr *eh = (const void *)buf;
	size_t i;

	for (i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, buf + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_NOTE) {
			*off = ph.p_offset;
			*size = ph.p_filesz;
		}
	}
}

/* Offset of the first note of TYPE in the PT_NOTE. */
static size_t
find_note(const uint8_t *buf, size_t off, size_t size, uint32_t type)
{
	size_t pos = off;

	while (pos + 12 <= off + size) {
		uint32_t nsz, dsz, t;

		memcpy(&nsz, buf + pos, 4);
		memcpy(&dsz, buf + pos + 4, 4);
		memcpy(&t, buf + pos + 8, 4);
		if (t == type)
			return pos;
		pos += 12 + ((nsz + 3) & ~3u) + ((dsz + 3) & ~3u);
	}
	return 0;
}

struct note_case {
	const char *what;
	uint32_t type;		/* note to patch */
	size_t field;		/* byte offset from the note header */
	uint32_t value;
	const char *warning;	/* substring expected in some warning */
};

static const struct note_case note_cases[] = {
	{ "namesz huge", NT_PRSTATUS, 0, 0x7fffffff, "name size" },
	{ "descsz huge", NT_PRSTATUS, 4, 0xfffffff0, "desc size" },
	{ "prstatus small", NT_PRSTATUS, 4, 8, "NT_PRSTATUS size" },
	{ "prpsinfo small", NT_PRPSINFO, 4, 12, "NT_PRPSINFO size" },
	{ "siginfo small", NT_SIGINFO, 4, 4, "NT_SIGINFO size" },
	{ "file count huge", NT_FILE, 20, 0x10000000, "NT_FILE count" },
	{ "file page size", NT_FILE, 28, 3, "page size" },
	{ "auxv odd", NT_AUXV, 4, 0x17, "NT_AUXV size" },
	{ "fpregset type", NT_PRSTATUS, 8, NT_FPREGSET, "NT_FPREGSET" },
};

static void
test_notes__corrupt_notes_are_warnings(void **state)
{
	struct notes_state *s = *state;
	char path[PATH_MAX + 16];
	size_t size, noff = 0, nsize = 0, i, k;
	uint8_t *buf;

	buf = fixture_slurp(s->f.core, &size);
	assert_non_null(buf);
	note_segment(buf, &noff, &nsize);
	assert_true(nsize > 0);
	snprintf(path, sizeof(path), "%s/core.notes", s->f.dir);
	for (i = 0; i < sizeof(note_cases) / sizeof(note_cases[0]); i++) {
		const struct note_case *c = &note_cases[i];
		size_t at = find_note(buf, noff, nsize, c->type);
		struct lpd_error *err;
		struct dump *d = NULL;
		uint32_t save;
		bool found = false;

		assert_true(at != 0);
		memcpy(&save, buf + at + c->field, 4);
		memcpy(buf + at + c->field, &c->value, 4);
		assert_true(fixture_spew(path, buf, size));
		memcpy(buf + at + c->field, &save, 4);
		err = dump_open(path, &d);
		if (err != NULL)
			fail_msg("%s: %s", c->what, err->message);
		for (k = 0; k < dump_warning_count(d); k++) {
			const char *w = dump_warning(d, k);

			assert_non_null(strstr(w, path));
			if (strstr(w, c->warning) != NULL &&
			    strstr(w, "offset 0x") != NULL)
				found = true;
		}
		if (!found)
			fail_msg("%s: no warning '%s' (%zu warnings)", c->what,
				 c->warning, dump_warning_count(d));
		(void)dump_module_count(d);
		dump_destroy(d);
	}
	lpd_free(buf);
	unlink(path);
}

/* Random bytes over the notes: any outcome but a crash (run under ASan). */
static void
test_notes__random_corruption_does_not_crash(void **state)
{
	struct notes_state *s = *state;
	char path[PATH_MAX + 16];
	size_t size, noff = 0, nsize = 0, i;
	unsigned seed = 12345;
	uint8_t *buf;

	buf = fixture_slurp(s->f.core, &size);
	assert_non_null(buf);
	note_segment(buf, &noff, &nsize);
	if (size > 1 << 20)
		size = 1 << 20;		/* keep the rewrites cheap */
	snprintf(path, sizeof(path), "%s/core.fuzz", s->f.dir);
	for (i = 0; i < 300; i++) {
		size_t at, k, n = 1 + rand_r(&seed) % 4;
		uint8_t save[4];
		struct lpd_error *err;
		struct dump *d = NULL;

		at = noff + (size_t)rand_r(&seed) % (nsize - 4);
		memcpy(save, buf + at, 4);
		for (k = 0; k < n; k++)
			buf[at + k] = (uint8_t)rand_r(&seed);
		assert_true(fixture_spew(path, buf, size));
		memcpy(buf + at, save, 4);
		err = dump_open(path, &d);
		if (err != NULL) {
			lpd_error_destroy(err);
			continue;
		}
		for (k = 0; k < dump_thread_count(d); k++)
			(void)dump_thread_regs(d, k);
		(void)dump_module_count(d);
		dump_destroy(d);
	}
	lpd_free(buf);
	unlink(path);
}

static void
test_notes__corpus_x86_64(void **state)
{
	struct fixture c;
	const struct dump_process *p;
	struct dump_siginfo si;
	size_t len;
	int rc;

	(void)state;
	rc = fixture_corpus(&c);
	if (rc == 1)
		skip();
	assert_int_equal(rc, 0);
	assert_null(dump_open(c.core, &c.d));
	p = dump_get_process(c.d);
	assert_non_null(p);
	assert_int_equal(p->pid, 23096);
	assert_int_equal(p->ppid, 23095);
	assert_int_equal(p->uid, 1001);
	assert_int_equal(p->state, 'D');
	assert_string_equal(p->fname, "backtrace.x86_6");
	assert_string_equal(p->args, "./backtrace.x86_64.exec --gencore");
	assert_true(dump_get_siginfo(c.d, &si));
	assert_int_equal(si.signo, 6);
	assert_false(si.has_addr);	/* raised, not a fault */
	assert_int_equal(dump_thread_signal(c.d, 0), 6);
	/* The kernel writes a thread's FPREGSET after the process notes. */
	assert_null(dump_thread_fpregs(c.d, 0, &len));
	assert_int_equal(len, 0);
	assert_non_null(dump_thread_fpregs(c.d, 1, &len));
	assert_int_equal(len, 512);
	assert_int_equal(dump_mapping_count(c.d), 2);
	fixture_cleanup(&c);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notes__threads_and_crashed_thread),
		cmocka_unit_test(test_notes__registers_match_gdb),
		cmocka_unit_test(test_notes__process_and_siginfo),
		cmocka_unit_test(test_notes__auxv_and_files),
		cmocka_unit_test(test_notes__corrupt_notes_are_warnings),
		cmocka_unit_test(test_notes__random_corruption_does_not_crash),
		cmocka_unit_test(test_notes__corpus_x86_64),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("dumps/notes", tests, group_setup,
					   group_teardown);
}
