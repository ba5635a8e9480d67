/* tests/debugger/test-elf.c - ELF files: compressed sections read the same
 * through the section cache as without it, and a damaged cache entry is
 * never used. Uses libc6-dbg's compressed debug file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "debugger/debugger-int.h"

static const char libc_path[] = "/lib/x86_64-linux-gnu/libc.so.6";

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

/* Copy section NAME of E, or NULL. */
static uint8_t *
section_copy(struct dbg_elf *e, const char *name, size_t *size)
{
	struct dbg_section s;
	uint8_t *p;

	if (!dbg_elf_section(e, name, &s))
		return NULL;
	p = malloc(s.size ? s.size : 1);
	assert_non_null(p);
	memcpy(p, s.data, s.size);
	*size = s.size;
	return p;
}

static void
test_elf__section_cache_round_trip(void **state)
{
	static const char *const names[] = { ".debug_info", ".debug_line",
					     ".debug_abbrev" };
	char dir[] = "/tmp/lpd-elf-cache.XXXXXX";
	char *path = libc_debug_path(), *cmd;
	struct dbg_elf *plain = NULL, *cached = NULL;
	size_t i;

	(void)state;
	if (path == NULL)
		skip();
	assert_non_null(mkdtemp(dir));
	assert_null(dbg_elf_open(path, &plain));
	for (i = 0; i < 3; i++) {
		/* Twice: the first open writes the cache, the second maps it. */
		int round;

		for (round = 0; round < 2; round++) {
			size_t n_plain = 0, n_cached = 0;
			uint8_t *a, *b;

			assert_null(dbg_elf_open(path, &cached));
			assert_null(dbg_elf_set_section_cache(cached, dir));
			a = section_copy(plain, names[i], &n_plain);
			b = section_copy(cached, names[i], &n_cached);
			assert_non_null(a);
			assert_non_null(b);
			assert_int_equal(n_plain, n_cached);
			assert_memory_equal(a, b, n_plain);
			free(a);
			free(b);
			dbg_elf_destroy(cached);
		}
	}
	dbg_elf_destroy(plain);
	cmd = lpd_asprintf("ls %s/sections/*/ | grep -c -- '-' >/dev/null", dir);
	assert_int_equal(system(cmd), 0);
	lpd_free(cmd);
	cmd = lpd_asprintf("rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	lpd_free(cmd);
	lpd_free(path);
}

/* A cache entry of the wrong size (a torn or foreign file) is ignored and
 * the section is inflated from the file. */
static void
test_elf__short_cache_entry_is_ignored(void **state)
{
	char dir[] = "/tmp/lpd-elf-cache.XXXXXX";
	char *path = libc_debug_path(), *cmd;
	struct dbg_elf *plain = NULL, *cached = NULL;
	size_t n_plain = 0, n_cached = 0;
	uint8_t *a, *b;

	(void)state;
	if (path == NULL)
		skip();
	assert_non_null(mkdtemp(dir));
	assert_null(dbg_elf_open(path, &cached));
	assert_null(dbg_elf_set_section_cache(cached, dir));
	b = section_copy(cached, ".debug_info", &n_cached);
	assert_non_null(b);
	free(b);
	dbg_elf_destroy(cached);
	/* Cut every cached file in half. */
	cmd = lpd_asprintf("for f in %s/sections/*/*; do "
			   "truncate -s $(( $(stat -c %%s $f) / 2 )) $f; done",
			   dir);
	assert_int_equal(system(cmd), 0);
	lpd_free(cmd);
	assert_null(dbg_elf_open(path, &plain));
	assert_null(dbg_elf_open(path, &cached));
	assert_null(dbg_elf_set_section_cache(cached, dir));
	a = section_copy(plain, ".debug_info", &n_plain);
	b = section_copy(cached, ".debug_info", &n_cached);
	assert_int_equal(n_plain, n_cached);
	assert_memory_equal(a, b, n_plain);
	free(a);
	free(b);
	dbg_elf_destroy(plain);
	dbg_elf_destroy(cached);
	cmd = lpd_asprintf("rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	lpd_free(cmd);
	lpd_free(path);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf__section_cache_round_trip),
		cmocka_unit_test(test_elf__short_cache_entry_is_ignored),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("debugger/elf", tests, NULL, NULL);
}
