/* tests/debugger/test-symbols.c - dbg_symtab against eu-addr2line -S (the
 * lookup eu-stack uses) on libc, with and without its debug file, and on a
 * fixture with aliases, labels and gaps. */
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

/* stdout of CMD, or NULL if it could not run. Caller frees. */
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

static uint64_t
lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 17;
}

/* Path of E's debug file under /usr/lib/debug/.build-id, or NULL. */
static char *
debug_path_of(const struct dbg_elf *e)
{
	char hex[129];
	char *p;

	dbg_elf_build_id_hex(e, hex);
	if (strlen(hex) < 3)
		return NULL;
	p = lpd_asprintf("/usr/lib/debug/.build-id/%.2s/%s.debug", hex,
			 hex + 2);
	if (p != NULL && access(p, R_OK) != 0) {
		lpd_free(p);
		p = NULL;
	}
	return p;
}

/* N addresses inside E's allocated PROGBITS sections, then up to N of
 * its defined symbol values (exact starts exercise the alias rules). */
static size_t
sample_addrs(struct dbg_elf *e, size_t n, uint64_t *out)
{
	struct { uint64_t lo, size; } r[64];
	size_t nr = 0, k = 0, i;
	uint64_t total = 0, seed = 42;
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e->elf, scn)) != NULL && nr < 64) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) == NULL ||
		    sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_ALLOC))
			continue;
		r[nr].lo = sh.sh_addr;
		r[nr].size = sh.sh_size;
		total += sh.sh_size;
		nr++;
	}
	assert_true(total > 0);
	for (i = 0; i < n; i++) {
		uint64_t x = lcg(&seed) % total;
		size_t j;

		for (j = 0; j < nr; j++) {
			if (x < r[j].size) {
				out[k++] = r[j].lo + x;
				break;
			}
			x -= r[j].size;
		}
	}
	scn = NULL;
	while ((scn = elf_nextscn(e->elf, scn)) != NULL) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t cnt;

		if (gelf_getshdr(scn, &sh) == NULL ||
		    sh.sh_type != SHT_DYNSYM || sh.sh_entsize == 0)
			continue;
		d = elf_getdata(scn, NULL);
		cnt = sh.sh_size / sh.sh_entsize;
		for (i = 0; d != NULL && i < n && cnt > 1; i++) {
			GElf_Sym sym;

			if (gelf_getsym(d, (int)(1 + lcg(&seed) % (cnt - 1)),
					&sym) != NULL &&
			    sym.st_shndx != SHN_UNDEF && sym.st_value != 0)
				out[k++] = sym.st_value;
		}
	}
	return k;
}

/* Share of ADDRS where dbg_symtab_lookup prints as eu-addr2line -S. */
static double
agreement(struct dbg_symtab *s, const char *eu_args, const uint64_t *addrs,
	  size_t n)
{
	struct lpd_buf cmd = LPD_BUF_INIT;
	char *out, *line, *save = NULL;
	size_t i = 0, good = 0;

	assert_null(lpd_buf_printf(&cmd, "eu-addr2line -a -S %s", eu_args));
	for (i = 0; i < n; i++)
		assert_null(lpd_buf_printf(&cmd, " 0x%llx",
					   (unsigned long long)addrs[i]));
	out = run(cmd.data);
	lpd_buf_deinit(&cmd);
	if (out == NULL)
		return -1;
	i = 0;
	for (line = strtok_r(out, "\n", &save); line != NULL && i < n;
	     line = strtok_r(NULL, "\n", &save)) {
		char mine[512];
		const char *name;
		uint64_t start;

		if (strncmp(line, "0x", 2) != 0)
			continue;
		line = strtok_r(NULL, "\n", &save);
		if (line == NULL)
			break;
		if (!dbg_symtab_lookup(s, addrs[i], &name, &start))
			snprintf(mine, sizeof(mine), "??");
		else if (addrs[i] == start)
			snprintf(mine, sizeof(mine), "%s", name);
		else
			snprintf(mine, sizeof(mine), "%s+0x%llx", name,
				 (unsigned long long)(addrs[i] - start));
		/* eu-addr2line writes "(module)+0x..." for no symbol. */
		if (strcmp(line, mine) == 0 ||
		    (line[0] == '(' && strcmp(mine, "??") == 0))
			good++;
		else
			print_message("0x%llx: eu-addr2line '%s', ours '%s'\n",
				      (unsigned long long)addrs[i], line,
				      mine);
		i++;
	}
	lpd_free(out);
	assert_int_equal(i, n);
	return (double)good / (double)n;
}

static void
check_libc(bool with_debug)
{
	struct dbg_elf *elf = NULL, *debug = NULL;
	struct dbg_symtab *s = NULL;
	uint64_t addrs[1200];
	char *dpath = NULL, *args;
	size_t n;
	double ratio;

	if (access(libc_path, R_OK) != 0)
		skip();
	assert_null(dbg_elf_open(libc_path, &elf));
	if (with_debug) {
		dpath = debug_path_of(elf);
		if (dpath == NULL) {
			dbg_elf_destroy(elf);
			skip();
		}
		assert_null(dbg_elf_open(dpath, &debug));
	}
	assert_null(dbg_symtab_create(elf, debug, &s));
	n = sample_addrs(elf, 600, addrs);
	args = lpd_asprintf("--debuginfo-path=%s -e %s",
			    with_debug ? "/usr/lib/debug" : "/nonexistent",
			    libc_path);
	ratio = agreement(s, args, addrs, n);
	print_message("libc %s: %zu addresses, %.2f%% agree with "
		      "eu-addr2line -S\n", with_debug ? ".symtab" : ".dynsym",
		      n, ratio * 100);
	assert_true(ratio >= 0.98);
	lpd_free(args);
	lpd_free(dpath);
	dbg_symtab_destroy(s);
	dbg_elf_destroy(debug);
	dbg_elf_destroy(elf);
}

static void
test_symbols__libc_dynsym_matches_eu_addr2line(void **state)
{
	(void)state;
	check_libc(false);
}

static void
test_symbols__libc_debug_symtab_matches_eu_addr2line(void **state)
{
	(void)state;
	check_libc(true);
}

/* Every function start nm lists resolves to a symbol starting there. */
static void
test_symbols__nm_function_starts(void **state)
{
	struct dbg_elf *elf = NULL, *debug = NULL;
	struct dbg_symtab *s = NULL;
	char *dpath, *cmd, *out, *line, *save = NULL;
	size_t total = 0, good = 0;

	(void)state;
	if (access(libc_path, R_OK) != 0)
		skip();
	assert_null(dbg_elf_open(libc_path, &elf));
	dpath = debug_path_of(elf);
	if (dpath == NULL) {
		dbg_elf_destroy(elf);
		skip();
	}
	assert_null(dbg_elf_open(dpath, &debug));
	assert_null(dbg_symtab_create(elf, debug, &s));
	cmd = lpd_asprintf("nm --defined-only %s", dpath);
	out = run(cmd);
	assert_non_null(out);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long v;
		char type;
		const char *name;
		uint64_t start;

		if (sscanf(line, "%llx %c", &v, &type) != 2 ||
		    (type != 'T' && type != 't') || v == 0)
			continue;
		total++;
		if (dbg_symtab_lookup(s, v, &name, &start) && start == v)
			good++;
	}
	print_message("nm: %zu of %zu function starts\n", good, total);
	assert_true(total > 1000);
	assert_int_equal(good, total);
	lpd_free(out);
	lpd_free(cmd);
	lpd_free(dpath);
	dbg_symtab_destroy(s);
	dbg_elf_destroy(debug);
	dbg_elf_destroy(elf);
}

/* Global beats weak beats local at one address; a sized symbol covers
 * only its size; a label covers up to what follows. */
static const char fixture_src[] =
	"static int impl(int x) { return x * 7 + 1; }\n"
	"extern int weak_alias(int) __attribute__((weak, alias(\"impl\")));\n"
	"extern int glob_alias(int) __attribute__((alias(\"impl\")));\n"
	"__asm__(\".text\\n.globl sized_fn\\n.type sized_fn,@function\\n"
	"sized_fn:\\n nop\\n nop\\n ret\\n.size sized_fn, 3\\n"
	".p2align 4\\ngap_end:\\n nop\\n"
	".globl label_fn\\nlabel_fn:\\n nop\\n nop\\n ret\\n"
	".p2align 4\\n\");\n"
	"int main(int c, char **v) { (void)v; return impl(c); }\n";

static void
test_symbols__fixture_aliases_sizes_labels(void **state)
{
	char dir[] = "/tmp/lpd-symtab-XXXXXX";
	struct dbg_elf *elf = NULL;
	struct dbg_symtab *s = NULL;
	char *src, *prog, *cmd, *out;
	unsigned long long impl_v = 0, sized_v = 0, label_v = 0, gap_v = 0;
	const char *name;
	uint64_t start;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	src = lpd_asprintf("%s/fx.c", dir);
	prog = lpd_asprintf("%s/fx", dir);
	f = fopen(src, "w");
	assert_non_null(f);
	fputs(fixture_src, f);
	fclose(f);
	cmd = lpd_asprintf("cc -O1 -o %s %s", prog, src);
	assert_int_equal(system(cmd), 0);
	lpd_free(cmd);
	cmd = lpd_asprintf("nm %s", prog);
	out = run(cmd);
	assert_non_null(out);
	{
		char *line, *save = NULL;

		for (line = strtok_r(out, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save)) {
			unsigned long long v;
			char t, nm[128];

			if (sscanf(line, "%llx %c %127s", &v, &t, nm) != 3)
				continue;
			if (strcmp(nm, "glob_alias") == 0)
				impl_v = v;
			else if (strcmp(nm, "sized_fn") == 0)
				sized_v = v;
			else if (strcmp(nm, "label_fn") == 0)
				label_v = v;
			else if (strcmp(nm, "gap_end") == 0)
				gap_v = v;
		}
	}
	assert_true(impl_v && sized_v && label_v && gap_v);
	lpd_free(cmd);

	assert_null(dbg_elf_open(prog, &elf));
	assert_null(dbg_symtab_create(elf, NULL, &s));
	/* impl (LOCAL), weak_alias (WEAK), glob_alias (GLOBAL). */
	assert_true(dbg_symtab_lookup(s, impl_v + 1, &name, &start));
	assert_string_equal(name, "glob_alias");
	assert_int_equal(start, impl_v);
	assert_true(dbg_symtab_lookup(s, sized_v + 2, &name, &start));
	assert_string_equal(name, "sized_fn");
	/* Past sized_fn's 3 bytes, before any label: nothing. */
	assert_false(dbg_symtab_lookup(s, sized_v + 3, &name, &start));
	/* A local label (gap_end) then a global one: each to the next. */
	assert_true(dbg_symtab_lookup(s, gap_v, &name, &start));
	assert_string_equal(name, "gap_end");
	assert_true(dbg_symtab_lookup(s, label_v + 2, &name, &start));
	assert_string_equal(name, "label_fn");
	assert_int_equal(start, label_v);
	assert_false(dbg_symtab_lookup(s, 0, &name, &start));

	dbg_symtab_destroy(s);
	dbg_elf_destroy(elf);
	lpd_free(out);
	cmd = lpd_asprintf("rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	lpd_free(cmd);
	lpd_free(src);
	lpd_free(prog);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_symbols__libc_dynsym_matches_eu_addr2line),
		cmocka_unit_test(
			test_symbols__libc_debug_symtab_matches_eu_addr2line),
		cmocka_unit_test(test_symbols__nm_function_starts),
		cmocka_unit_test(test_symbols__fixture_aliases_sizes_labels),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("debugger/symbols", tests, NULL,
					   NULL);
}
