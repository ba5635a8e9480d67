/* tests/debugger/test-dwarf.c - dbg_dwarf against binutils addr2line on a
 * fixture compiled at test time (DWARF 5 and 4), against eu-addr2line on
 * libc's debug file, and on damaged files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "debugger/debugger-int.h"

static const char libc_path[] = "/lib/x86_64-linux-gnu/libc.so.6";

struct fixture {
	char dir[64];
	char *prog;
};

static char *
run(const char *cmd)
{
	struct lpd_buf b = LPD_BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *p = popen(cmd, "r");

	if (p == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		assert_null(lpd_buf_append(&b, chunk, n));
	if (pclose(p) != 0) {
		lpd_buf_deinit(&b);
		return NULL;
	}
	return b.data != NULL ? lpd_buf_steal(&b) : lpd_strdup("");
}

/* tests/debugger/data/inline.c, found from this file's own path so the
 * test runs from the repository root (as make unit does) or by path. */
static char *
fixture_source(void)
{
	char *p = lpd_asprintf("%.*s/data/inline.c",
			       (int)(strrchr(__FILE__, '/') - __FILE__),
			       __FILE__);
	char *abs = p != NULL ? realpath(p, NULL) : NULL;

	lpd_free(p);
	return abs;	/* malloc'd by realpath */
}

static void
fixture_build(struct fixture *fx, const char *flags)
{
	char *src = fixture_source(), *cmd;

	assert_non_null(src);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/lpd-dwarf-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	fx->prog = lpd_asprintf("%s/prog", fx->dir);
	cmd = lpd_asprintf("cc -O2 -g %s -o %s %s", flags, fx->prog, src);
	assert_int_equal(system(cmd), 0);
	lpd_free(cmd);
	free(src);
}

static void
fixture_clean(struct fixture *fx)
{
	char *cmd = lpd_asprintf("rm -rf %s", fx->dir);

	assert_int_equal(system(cmd), 0);
	lpd_free(cmd);
	lpd_free(fx->prog);
}

/* [lo, hi) of symbol NAME in PROG, from nm -S. */
static void
symbol_range(const char *prog, const char *name, uint64_t *lo, uint64_t *hi)
{
	char *cmd = lpd_asprintf("nm -S %s", prog), *out, *line, *save = NULL;

	out = run(cmd);
	assert_non_null(out);
	*lo = *hi = 0;
	for (line = strtok_r(out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long v, size;
		char t, nm[128];

		if (sscanf(line, "%llx %llx %c %127s", &v, &size, &t,
			   nm) == 4 && strcmp(nm, name) == 0) {
			*lo = v;
			*hi = v + size;
		}
	}
	assert_true(*lo != 0 && *hi > *lo);
	lpd_free(out);
	lpd_free(cmd);
}

/* Our chain for ADDR in TOOL's format: "func\nfile:line[:col]\n" per
 * level. COLUMNS: eu-addr2line prints them, binutils does not. */
static void
format_ours(struct dbg_dwarf *d, uint64_t addr, bool columns,
	    struct lpd_buf *out)
{
	struct dbg_srcloc *locs = NULL;
	size_t n = 0, i;

	assert_null(dbg_dwarf_lookup(d, addr, &locs, &n));
	for (i = 0; i < n; i++) {
		assert_null(lpd_buf_printf(out, "%s\n",
					   locs[i].function != NULL
					   ? locs[i].function : "??"));
		if (locs[i].file == NULL)
			assert_null(lpd_buf_puts(out, "??:0\n"));
		else if (columns && locs[i].column != 0)
			assert_null(lpd_buf_printf(out, "%s:%u:%u\n",
						   locs[i].file, locs[i].line,
						   locs[i].column));
		else
			assert_null(lpd_buf_printf(out, "%s:%u\n",
						   locs[i].file,
						   locs[i].line));
	}
	dbg_srclocs_free(locs, n);
}

/* Run TOOL (with -a) on ADDRS and compare its block for each address
 * with ours. Blocks where TOOL knows no line and we have no DWARF are
 * symbol-table fallbacks, not ours to match. Returns the agreeing share;
 * *inlined_ret counts our chains with more than one level. */
static double
compare_tool(struct dbg_dwarf *d, const char *tool, bool columns,
	     const uint64_t *addrs, size_t n, size_t *inlined_ret)
{
	struct lpd_buf cmd = LPD_BUF_INIT;
	char *out, *p;
	size_t i, good = 0, inlined = 0;

	assert_null(lpd_buf_puts(&cmd, tool));
	for (i = 0; i < n; i++)
		assert_null(lpd_buf_printf(&cmd, " 0x%llx",
					   (unsigned long long)addrs[i]));
	out = run(cmd.data);
	lpd_buf_deinit(&cmd);
	assert_non_null(out);
	p = out;
	for (i = 0; i < n; i++) {
		struct lpd_buf theirs = LPD_BUF_INIT, ours = LPD_BUF_INIT;
		char *end;
		int lines = 0;

		assert_true(strncmp(p, "0x", 2) == 0);
		p = strchr(p, '\n') + 1;
		while (*p != '\0' && strncmp(p, "0x", 2) != 0) {
			char *cut;

			end = strchr(p, '\n');
			assert_non_null(end);
			*end = '\0';
			/* "f inlined at ... in g" and "(discriminator N)"
			 * decorate what we compare. */
			if ((cut = strstr(p, " inlined at ")) != NULL)
				*cut = '\0';
			if ((cut = strstr(p, " (discriminator")) != NULL)
				*cut = '\0';
			assert_null(lpd_buf_printf(&theirs, "%s\n", p));
			lines++;
			p = end + 1;
		}
		format_ours(d, addrs[i], columns, &ours);
		if (ours.data != NULL &&
		    strchr(strchr(ours.data, '\n') + 1, '\n')[1] != '\0')
			inlined++;
		if (ours.data == NULL && lines == 2 &&
		    strstr(theirs.data, "\n??:0\n") != NULL)
			good++;
		else if (ours.data != NULL &&
			 strcmp(theirs.data, ours.data) == 0)
			good++;
		else
			print_message("0x%llx:\n-- %s\n%s-- ours\n%s",
				      (unsigned long long)addrs[i], tool,
				      theirs.data,
				      ours.data != NULL ? ours.data : "");
		lpd_buf_deinit(&theirs);
		lpd_buf_deinit(&ours);
	}
	lpd_free(out);
	if (inlined_ret != NULL)
		*inlined_ret = inlined;
	return (double)good / (double)n;
}

/* Every address of fixture_recurse and main against binutils addr2line
 * -f -i: each inline level's name, file and line. */
static void
check_fixture(const char *flags)
{
	static const char *const funcs[] = { "fixture_recurse", "main" };
	struct fixture fx;
	struct dbg_elf *e = NULL;
	struct dbg_dwarf *d = NULL;
	uint64_t addrs[1024];
	size_t n = 0, k, inlined = 0;
	char *tool;
	double ratio;

	fixture_build(&fx, flags);
	for (k = 0; k < 2; k++) {
		uint64_t lo, hi, a;

		symbol_range(fx.prog, funcs[k], &lo, &hi);
		for (a = lo; a < hi && n < 1024; a++)
			addrs[n++] = a;
	}
	assert_null(dbg_elf_open(fx.prog, &e));
	assert_null(dbg_dwarf_open(e, &d));
	tool = lpd_asprintf("addr2line -a -f -i -e %s", fx.prog);
	ratio = compare_tool(d, tool, false, addrs, n, &inlined);
	print_message("fixture %s: %zu addresses, %.2f%% agree with "
		      "addr2line, %zu with inlined frames\n", flags, n,
		      ratio * 100, inlined);
	assert_true(ratio == 1.0);
	assert_true(inlined > 10);
	lpd_free(tool);
	dbg_dwarf_destroy(d);
	dbg_elf_destroy(e);
	fixture_clean(&fx);
}

static void
test_dwarf__fixture_dwarf5_matches_addr2line(void **state)
{
	(void)state;
	check_fixture("-gdwarf-5");
}

static void
test_dwarf__fixture_dwarf4_matches_addr2line(void **state)
{
	(void)state;
	check_fixture("-gdwarf-4");
}

/* The chain names both inline levels and the concrete function, with
 * the call sites' lines. */
static void
test_dwarf__inline_chain_order(void **state)
{
	struct fixture fx;
	struct dbg_elf *e = NULL;
	struct dbg_dwarf *d = NULL;
	uint64_t lo, hi, a;
	bool seen_two = false, seen_three = false;

	(void)state;
	fixture_build(&fx, "");
	symbol_range(fx.prog, "fixture_recurse", &lo, &hi);
	assert_null(dbg_elf_open(fx.prog, &e));
	assert_null(dbg_dwarf_open(e, &d));
	for (a = lo; a < hi; a++) {
		struct dbg_srcloc *l = NULL;
		size_t n = 0;

		assert_null(dbg_dwarf_lookup(d, a, &l, &n));
		assert_true(n >= 1);
		assert_string_equal(l[n - 1].function, "fixture_recurse");
		if (n == 2 && strcmp(l[0].function, "fixture_middle") == 0)
			seen_two = true;
		if (n == 3) {
			assert_string_equal(l[0].function, "fixture_leaf");
			assert_string_equal(l[1].function, "fixture_middle");
			assert_true(l[1].line >= 17 && l[1].line <= 21);
			seen_three = true;
		}
		assert_non_null(strstr(l[0].file, "inline.c"));
		dbg_srclocs_free(l, n);
	}
	assert_true(seen_two);
	assert_true(seen_three);
	dbg_dwarf_destroy(d);
	dbg_elf_destroy(e);
	fixture_clean(&fx);
}

static char *
libc_debug_path(void)
{
	struct dbg_elf *e = NULL;
	char hex[129];
	char *p = NULL;

	if (dbg_elf_open(libc_path, &e) != NULL)
		return NULL;
	dbg_elf_build_id_hex(e, hex);
	if (strlen(hex) > 2)
		p = lpd_asprintf("/usr/lib/debug/.build-id/%.2s/%s.debug",
				 hex, hex + 2);
	dbg_elf_destroy(e);
	if (p != NULL && access(p, R_OK) != 0) {
		lpd_free(p);
		p = NULL;
	}
	return p;
}

/* 200 random pcs of libc's .text (compressed DWARF 5, rnglists,
 * line_strp, implicit_const) against eu-addr2line -f -i. */
static void
test_dwarf__libc_matches_eu_addr2line(void **state)
{
	struct dbg_elf *e = NULL;
	struct dbg_dwarf *d = NULL;
	struct dbg_section text;
	struct dbg_elf *main_elf = NULL;
	uint64_t addrs[200], seed = 7;
	char *dpath = libc_debug_path(), *tool;
	size_t i;
	double ratio;

	(void)state;
	if (dpath == NULL)
		skip();
	assert_null(dbg_elf_open(libc_path, &main_elf));
	assert_true(dbg_elf_section(main_elf, ".text", &text));
	for (i = 0; i < 200; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		addrs[i] = text.addr + (seed >> 17) % text.size;
	}
	assert_null(dbg_elf_open(dpath, &e));
	assert_null(dbg_dwarf_open(e, &d));
	tool = lpd_asprintf("eu-addr2line -a -f -i -e %s", dpath);
	ratio = compare_tool(d, tool, true, addrs, 200, NULL);
	print_message("libc: 200 pcs, %.2f%% agree with eu-addr2line -i\n",
		      ratio * 100);
	assert_true(ratio >= 0.98);
	lpd_free(tool);
	dbg_dwarf_destroy(d);
	dbg_elf_destroy(e);
	dbg_elf_destroy(main_elf);
	lpd_free(dpath);
}

static void
test_dwarf__no_debug_info_is_not_found(void **state)
{
	struct dbg_elf *e = NULL;
	struct dbg_dwarf *d = NULL;
	struct lpd_error *err;

	(void)state;
	if (access(libc_path, R_OK) != 0)
		skip();
	assert_null(dbg_elf_open(libc_path, &e));
	err = dbg_dwarf_open(e, &d);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_NOT_FOUND);
	assert_null(d);
	lpd_error_destroy(err);
	dbg_elf_destroy(e);
}

/* Open DAMAGED and look up every address in [lo, hi): whatever fails
 * must say which file; nothing may crash (run under ASan too). */
static void
lookup_damaged(const char *damaged, uint64_t lo, uint64_t hi,
	       size_t *errors_ret)
{
	struct dbg_elf *e = NULL;
	struct dbg_dwarf *d = NULL;
	struct lpd_error *err;
	uint64_t a;
	size_t errors = 0;

	err = dbg_elf_open(damaged, &e);
	if (err == NULL)
		err = dbg_dwarf_open(e, &d);
	if (err != NULL) {
		assert_non_null(strstr(err->message, damaged));
		lpd_error_destroy(err);
		errors++;
	}
	for (a = lo; d != NULL && a < hi; a++) {
		struct dbg_srcloc *l = NULL;
		size_t n = 0;

		err = dbg_dwarf_lookup(d, a, &l, &n);
		if (err != NULL) {
			assert_non_null(strstr(err->message, damaged));
			lpd_error_destroy(err);
			errors++;
			continue;
		}
		dbg_srclocs_free(l, n);
	}
	dbg_dwarf_destroy(d);
	dbg_elf_destroy(e);
	*errors_ret = errors;
}

/* Section header of NAME in the ELF64 file image BUF. */
static Elf64_Shdr *
find_shdr(uint8_t *buf, size_t size, const char *name)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	Elf64_Shdr *sh = (Elf64_Shdr *)(buf + eh->e_shoff);
	const char *names = (const char *)buf + sh[eh->e_shstrndx].sh_offset;
	unsigned i;

	assert_true(eh->e_shoff + eh->e_shnum * sizeof(*sh) <= size);
	for (i = 0; i < eh->e_shnum; i++)
		if (strcmp(names + sh[i].sh_name, name) == 0)
			return &sh[i];
	fail_msg("no section %s", name);
	return NULL;
}

static uint8_t *
slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	buf = lpd_malloc((size_t)len);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*size = (size_t)len;
	return buf;
}

static void
spit(const char *path, const uint8_t *buf, size_t size)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, size, f), size);
	fclose(f);
}

static void
test_dwarf__garbage_debug_info_names_the_file(void **state)
{
	struct fixture fx;
	uint64_t lo, hi, seed = 99;
	uint8_t *buf;
	size_t size, i, errors;
	Elf64_Shdr *sh;
	char *bad;

	(void)state;
	fixture_build(&fx, "");
	symbol_range(fx.prog, "fixture_recurse", &lo, &hi);
	buf = slurp(fx.prog, &size);
	sh = find_shdr(buf, size, ".debug_info");
	/* Keep the first unit header's 12 bytes so the walk gets going,
	 * then noise. */
	for (i = 12; i < sh->sh_size; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		buf[sh->sh_offset + i] = (uint8_t)(seed >> 33);
	}
	bad = lpd_asprintf("%s/garbage", fx.dir);
	spit(bad, buf, size);
	lookup_damaged(bad, lo, hi, &errors);
	assert_true(errors > 0);

	/* Abbreviations gone instead: every DIE is unreadable. */
	lpd_free(buf);
	buf = slurp(fx.prog, &size);
	sh = find_shdr(buf, size, ".debug_abbrev");
	memset(buf + sh->sh_offset, 0xff, sh->sh_size);
	spit(bad, buf, size);
	lookup_damaged(bad, lo, hi, &errors);
	assert_true(errors > 0);
	lpd_free(bad);
	lpd_free(buf);
	fixture_clean(&fx);
}

static void
test_dwarf__truncated_debug_file_names_the_file(void **state)
{
	struct fixture fx;
	uint64_t lo, hi;
	uint8_t *buf;
	size_t size, errors, cut;
	Elf64_Shdr *sh;
	char *bad;
	char *dpath = libc_debug_path();

	(void)state;
	fixture_build(&fx, "");
	symbol_range(fx.prog, "fixture_recurse", &lo, &hi);
	bad = lpd_asprintf("%s/truncated", fx.dir);

	/* .debug_line claims more bytes than the file has. */
	buf = slurp(fx.prog, &size);
	sh = find_shdr(buf, size, ".debug_line");
	sh->sh_size = size * 4;
	spit(bad, buf, size);
	lookup_damaged(bad, lo, hi, &errors);
	assert_true(errors > 0);
	lpd_free(buf);

	/* libc's compressed debug file cut in the middle of its DWARF,
	 * with its section headers put back so the sections point past
	 * the end. */
	if (dpath != NULL) {
		Elf64_Ehdr *eh;
		uint8_t *cutbuf;

		buf = slurp(dpath, &size);
		eh = (Elf64_Ehdr *)buf;
		cut = size / 3;
		cutbuf = lpd_malloc(cut + eh->e_shnum * sizeof(Elf64_Shdr));
		assert_non_null(cutbuf);
		memcpy(cutbuf, buf, cut);
		memcpy(cutbuf + cut, buf + eh->e_shoff,
		       eh->e_shnum * sizeof(Elf64_Shdr));
		((Elf64_Ehdr *)cutbuf)->e_shoff = cut;
		spit(bad, cutbuf, cut + eh->e_shnum * sizeof(Elf64_Shdr));
		lookup_damaged(bad, 0x28000, 0x28400, &errors);
		assert_true(errors > 0);
		lpd_free(cutbuf);
		lpd_free(buf);

		/* And plainly truncated: no section headers at all. */
		buf = slurp(dpath, &size);
		spit(bad, buf, size / 2);
		lookup_damaged(bad, 0x28000, 0x28100, &errors);
		assert_true(errors > 0);
		lpd_free(buf);
		lpd_free(dpath);
	}
	lpd_free(bad);
	fixture_clean(&fx);
}

/* Every allocation failing in turn: each must come back as an error
 * (never a crash or, under ASan, a leak), until one run gets through. */
static void
test_dwarf__out_of_memory_paths(void **state)
{
	struct fixture fx;
	struct dbg_elf *e = NULL;
	uint64_t lo, hi;
	long fail;
	bool done = false;

	(void)state;
	fixture_build(&fx, "");
	symbol_range(fx.prog, "fixture_recurse", &lo, &hi);
	assert_null(dbg_elf_open(fx.prog, &e));
	for (fail = 0; !done && fail < 10000; fail++) {
		struct dbg_dwarf *d = NULL;
		struct dbg_srcloc *l = NULL;
		struct lpd_error *err;
		size_t n = 0;

		lpd_alloc_fail_after(fail);
		err = dbg_dwarf_open(e, &d);
		if (err == NULL)
			err = dbg_dwarf_lookup(d, lo + (hi - lo) / 2, &l, &n);
		lpd_alloc_fail_after(-1);
		if (err == NULL) {
			assert_true(n >= 1);
			done = true;
		} else {
			assert_int_equal(err->code, LPD_ERR_NOMEM);
			lpd_error_destroy(err);
		}
		dbg_srclocs_free(l, n);
		dbg_dwarf_destroy(d);
	}
	assert_true(done);
	dbg_elf_destroy(e);
	fixture_clean(&fx);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dwarf__fixture_dwarf5_matches_addr2line),
		cmocka_unit_test(test_dwarf__fixture_dwarf4_matches_addr2line),
		cmocka_unit_test(test_dwarf__inline_chain_order),
		cmocka_unit_test(test_dwarf__libc_matches_eu_addr2line),
		cmocka_unit_test(test_dwarf__no_debug_info_is_not_found),
		cmocka_unit_test(test_dwarf__garbage_debug_info_names_the_file),
		cmocka_unit_test(
			test_dwarf__truncated_debug_file_names_the_file),
		cmocka_unit_test(test_dwarf__out_of_memory_paths),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("debugger/dwarf", tests, NULL,
					   NULL);
}
