/* tests/debugger/test-values-arch.c - pointers the values engine makes take
 * the target's address size and byte order: a synthetic core per
 * architecture class (an ELF core with one NT_PRSTATUS and one PT_LOAD of
 * data words, no modules, so every type is a builtin) is loaded with
 * dbg_target_load() and expressions are evaluated with dbg_eval(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "debugger/dwarf-int.h"

enum {
	MEM_BASE = 0x10000,	/* the PT_LOAD */
	MEM_SIZE = 0x1000,
	WORDS = MEM_BASE + 0x100,	/* two pointers, then an int */
	PTR0 = 0x11223344,
	PTR1 = 0x55667788,
	INT_VALUE = 0x01020304,
	FLOATS = MEM_BASE + 0x120,	/* a float, then a double at +8 */
};

struct synth {
	uint16_t machine;
	unsigned elfclass;	/* 1 or 2 */
	bool be;
	size_t prstatus_size;
	unsigned word;		/* address size */
	uint8_t mem[MEM_SIZE];
};

static void
put(uint8_t *p, unsigned size, bool be, uint64_t v)
{
	unsigned i;

	for (i = 0; i < size; i++)
		p[be ? size - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

/* The ELF core: header, PT_NOTE (a zeroed NT_PRSTATUS), PT_LOAD. */
static void
synth_write(const struct synth *s, const char *path)
{
	bool w64 = s->elfclass == 2, be = s->be;
	size_t ehsize = w64 ? 64 : 52, phsize = w64 ? 56 : 32;
	size_t note_off = ehsize + 2 * phsize;
	size_t note_size = 12 + 8 + (s->prstatus_size + 3) / 4 * 4;
	size_t load_off = (note_off + note_size + 15) / 16 * 16;
	size_t total = load_off + MEM_SIZE;
	uint8_t *b = calloc(1, total), *ph, *n;
	FILE *f;

	assert_non_null(b);
	memcpy(b, "\177ELF", 4);
	b[4] = (uint8_t)s->elfclass;
	b[5] = be ? 2 : 1;
	b[6] = 1;
	put(b + 16, 2, be, 4);				/* ET_CORE */
	put(b + 18, 2, be, s->machine);
	put(b + 20, 4, be, 1);
	ph = b + ehsize;
	if (w64) {
		put(b + 32, 8, be, ehsize);		/* e_phoff */
		put(b + 52, 2, be, ehsize);
		put(b + 54, 2, be, phsize);
		put(b + 56, 2, be, 2);
		put(ph, 4, be, 4);			/* PT_NOTE */
		put(ph + 8, 8, be, note_off);
		put(ph + 32, 8, be, note_size);
		put(ph + phsize, 4, be, 1);		/* PT_LOAD */
		put(ph + phsize + 4, 4, be, 6);
		put(ph + phsize + 8, 8, be, load_off);
		put(ph + phsize + 16, 8, be, MEM_BASE);
		put(ph + phsize + 32, 8, be, MEM_SIZE);
		put(ph + phsize + 40, 8, be, MEM_SIZE);
	} else {
		put(b + 28, 4, be, ehsize);
		put(b + 40, 2, be, ehsize);
		put(b + 42, 2, be, phsize);
		put(b + 44, 2, be, 2);
		put(ph, 4, be, 4);
		put(ph + 4, 4, be, note_off);
		put(ph + 16, 4, be, note_size);
		put(ph + phsize, 4, be, 1);
		put(ph + phsize + 4, 4, be, load_off);
		put(ph + phsize + 8, 4, be, MEM_BASE);
		put(ph + phsize + 16, 4, be, MEM_SIZE);
		put(ph + phsize + 20, 4, be, MEM_SIZE);
		put(ph + phsize + 24, 4, be, 6);
	}
	n = b + note_off;
	put(n, 4, be, 5);				/* "CORE\0" */
	put(n + 4, 4, be, s->prstatus_size);
	put(n + 8, 4, be, 1);				/* NT_PRSTATUS */
	memcpy(n + 12, "CORE", 5);
	memcpy(b + load_off, s->mem, MEM_SIZE);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, total, f), total);
	assert_int_equal(fclose(f), 0);
	free(b);
}

/* A core of MACHINE with two pointers and an int at WORDS. */
static struct dbg_target *
synth_target(uint16_t machine, unsigned elfclass, bool be,
	     size_t prstatus_size, unsigned word, const char *arch)
{
	char path[] = "/tmp/lpd-values-arch.XXXXXX";
	struct dbg_target *t;
	struct synth *s = calloc(1, sizeof(*s));
	int fd;

	assert_non_null(s);
	s->machine = machine;
	s->elfclass = elfclass;
	s->be = be;
	s->prstatus_size = prstatus_size;
	s->word = word;
	put(s->mem + (WORDS - MEM_BASE), word, be, PTR0);
	put(s->mem + (WORDS - MEM_BASE) + word, word, be, PTR1);
	put(s->mem + (WORDS - MEM_BASE) + 2 * word, 4, be, INT_VALUE);
	/* IEEE bits of 0.1f and -1234.5625, in the core's byte order. */
	put(s->mem + (FLOATS - MEM_BASE), 4, be, 0x3dcccccd);
	put(s->mem + (FLOATS - MEM_BASE) + 8, 8, be, 0xc0934a4000000000);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	synth_write(s, path);
	free(s);
	assert_null(dbg_target_load(path, NULL, &t));
	unlink(path);
	assert_string_equal(dump_get_arch(dbg_target_dump(t))->name, arch);
	assert_int_equal(dump_get_arch(dbg_target_dump(t))->addr_size, word);
	return t;
}

/* EXPR printed with /LETTER (0: none) as gdb's print shows it. */
static void
expect(struct dbg_target *t, const char *expr, char letter, const char *want)
{
	struct dbg_format f = { .letter = letter, .top = true };
	struct lpd_buf b = LPD_BUF_INIT;
	struct dbg_value *v = NULL;
	struct lpd_error *err;

	err = dbg_eval(t, NULL, 0, expr, &v);
	if (err != NULL)
		fail_msg("%s: %s", expr, err->message);
	assert_null(dbg_value_format(v, &f, &b));
	if (strcmp(b.data, want) != 0)
		fail_msg("%s: %s\n  got  %s\n  want %s",
			 dump_get_arch(dbg_target_dump(t))->name, expr, b.data,
			 want);
	lpd_buf_deinit(&b);
	dbg_value_destroy(v);
}

/* Floats in memory and the ones the engine makes, in either byte order:
 * what gdb-multiarch prints for the same expressions on the same core. */
static void
check_float(struct dbg_target *t)
{
	expect(t, "*(float *)0x10120", 0, "0.100000001");
	expect(t, "*(double *)0x10128", 0, "-1234.5625");
	expect(t, "*(float *)0x10120 * 10", 0, "1");
	expect(t, "*(double *)0x10128 + 0.5", 0, "-1234.0625");
	expect(t, "*(double *)0x10128 / 2", 0, "-617.28125");
	expect(t, "*(double *)0x10128 < *(float *)0x10120", 0, "1");
	expect(t, "(int)*(double *)0x10128", 0, "-1234");
	expect(t, "(float)*(double *)0x10128", 0, "-1234.5625");
	expect(t, "(double)*(float *)0x10120", 0, "0.10000000149011612");
	expect(t, "(float)1.25 + (float)2", 0, "3.25");
	expect(t, "-*(float *)0x10120", 0, "-0.100000001");
	expect(t, "sizeof(*(double *)0x10128)", 0, "8");
	/* gdb 13: a float's own bits for /x /z /o /t /d /u, a converted
	 * value for /c. */
	expect(t, "*(float *)0x10120", 'x', "0x3dcccccd");
	expect(t, "*(float *)0x10120", 'd', "1036831949");
	expect(t, "*(double *)0x10128", 'x', "0xc0934a4000000000");
	expect(t, "*(double *)0x10128", 'z', "0xc0934a4000000000");
	expect(t, "*(double *)0x10128", 'd', "-4570227558112559104");
	expect(t, "-*(double *)0x10128", 'x', "0x40934a4000000000");
	expect(t, "(float)1.5", 't', "111111110000000000000000000000");
	expect(t, "(float)65.5", 'c', "65 'A'");
}

/* What every 32-bit target agrees on, whatever its byte order. */
static void
check_32(struct dbg_target *t)
{
	expect(t, "sizeof(char *)", 0, "4");
	expect(t, "sizeof(void **)", 0, "4");
	expect(t, "sizeof(&*(int *)0x10200)", 0, "4");
	expect(t, "sizeof(int)", 0, "4");
	expect(t, "(void *)0x10200", 0, "(void *) 0x10200");
	expect(t, "(int *)-1", 0, "(int *) 0xffffffff");
	expect(t, "(char **)0x10200", 'x', "0x10200");
	expect(t, "(char **)0x10200", 'z', "0x00010200");
	expect(t, "*(int **)0x10100", 0, "(int *) 0x11223344");
	expect(t, "((int **)0x10100)[1]", 0, "(int *) 0x55667788");
	expect(t, "*((int **)0x10100 + 1)", 0, "(int *) 0x55667788");
	expect(t, "*(int *)0x10108", 'x', "0x1020304");
	expect(t, "&*(int **)0x10100", 0, "(int **) 0x10100");
	expect(t, "(int *)0x10100 + 1", 0, "(int *) 0x10104");
	expect(t, "(int *)0xfffffffc + 1", 0, "(int *) 0x0");
	expect(t, "(int *)0x10108 - (int *)0x10100", 0, "2");
	expect(t, "(char *)0x10100 == (char *)0x10100", 0, "1");
	/* No DWARF: the builtin long is ILP32's. */
	expect(t, "sizeof(long)", 0, "4");
	expect(t, "(long *)0x1000 + 1", 0, "(long *) 0x1004");
	expect(t, "(unsigned long)-1", 0, "4294967295");
}

static void
test_values_arch__i386(void **state)
{
	struct dbg_target *t = synth_target(3, 1, false, 144, 4, "i386");

	(void)state;
	check_32(t);
	check_float(t);
	expect(t, "*(unsigned char *)0x10100", 'x', "0x44");
	dbg_target_destroy(t);
}

static void
test_values_arch__ppc(void **state)
{
	struct dbg_target *t = synth_target(20, 1, true, 268, 4, "ppc");

	(void)state;
	check_32(t);
	check_float(t);
	expect(t, "*(unsigned char *)0x10100", 'x', "0x11");
	dbg_target_destroy(t);
}

static void
test_values_arch__s390(void **state)
{
	struct dbg_target *t = synth_target(22, 1, true, 224, 4, "s390");

	(void)state;
	check_32(t);
	check_float(t);
	dbg_target_destroy(t);
}

static void
test_values_arch__x32(void **state)
{
	struct dbg_target *t = synth_target(62, 1, false, 296, 4, "x32");

	(void)state;
	check_32(t);
	check_float(t);
	dbg_target_destroy(t);
}

/* 64-bit targets keep 8-byte pointers, in either byte order. */
static void
check_64(struct dbg_target *t)
{
	expect(t, "sizeof(char *)", 0, "8");
	expect(t, "sizeof(int)", 0, "4");
	expect(t, "(int *)-1", 0, "(int *) 0xffffffffffffffff");
	expect(t, "(char **)0x10200", 'z', "0x0000000000010200");
	expect(t, "*(int **)0x10100", 0, "(int *) 0x11223344");
	expect(t, "((int **)0x10100)[1]", 0, "(int *) 0x55667788");
	expect(t, "*(int *)0x10110", 'x', "0x1020304");
	expect(t, "(int *)0x10100 + 1", 0, "(int *) 0x10104");
	expect(t, "sizeof(long)", 0, "8");
	expect(t, "(long *)0x1000 + 1", 0, "(long *) 0x1008");
}

static void
test_values_arch__x86_64(void **state)
{
	struct dbg_target *t = synth_target(62, 2, false, 336, 8, "x86_64");

	(void)state;
	check_64(t);
	check_float(t);
	dbg_target_destroy(t);
}

static void
test_values_arch__s390x(void **state)
{
	struct dbg_target *t = synth_target(22, 2, true, 336, 8, "s390x");

	(void)state;
	check_64(t);
	check_float(t);
	dbg_target_destroy(t);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_arch__i386),
		cmocka_unit_test(test_values_arch__ppc),
		cmocka_unit_test(test_values_arch__s390),
		cmocka_unit_test(test_values_arch__x32),
		cmocka_unit_test(test_values_arch__x86_64),
		cmocka_unit_test(test_values_arch__s390x),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("debugger/values-arch", tests, NULL,
					   NULL);
}
