/* tests/plugins/test-loader.c - plugins/loader.c and the ABI checks of
 * plugins/host.c: real .so plugins are compiled at test time (cc -shared)
 * from one source with -D switches for the ABI version, the size the
 * struct claims and a missing entry symbol. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "plugins/plugins-int.h"
#include "reasoning/reasoning.h"

static const char plugin_src[] =
	"#include \"plugins/plugin.h\"\n"
	"#include <stddef.h>\n"
	"static int calls;\n"
	"static struct lpd_error *an(void *st,\n"
	"    const struct lpd_plugin_target *t, struct lpd_plugin_facts *o)\n"
	"{ (void)st; (void)t; (void)o; return NULL; }\n"
	"static struct lpd_error *in(const struct lpd_plugin_host *h,\n"
	"    void **ret) { (void)h; calls++; *ret = &calls; return NULL; }\n"
	"static const struct {\n"
	"  struct lpd_plugin p; char pad[32];\n"
	"} pl = { { ABI, SIZE, NAME, \"2.5\",\n"
	"  \"tiny_rule(D) :- dump(D).\\n\", in, NULL, NULL, an }, { 0 } };\n"
	"#ifndef NO_ENTRY\n"
	"const struct lpd_plugin *lpd_plugin_entry(void) { return &pl.p; }\n"
	"#else\n"
	"const struct lpd_plugin *lpd_other_entry(void);\n"
	"const struct lpd_plugin *lpd_other_entry(void) { return &pl.p; }\n"
	"#endif\n";

struct fixture {
	char dir[64];
};

static char *
build_plugin(struct fixture *fx, const char *file, const char *defs)
{
	const char *cc = getenv("CC");
	char src[128], cmd[1024];
	static char out[128];
	FILE *f;

	snprintf(src, sizeof(src), "%s/plugin.c", fx->dir);
	snprintf(out, sizeof(out), "%s/%s", fx->dir, file);
	f = fopen(src, "w");
	assert_non_null(f);
	fputs(plugin_src, f);
	fclose(f);
	/* The host's own build flags need not apply: a plugin links
	 * nothing of lpardbg, so a plain cc -shared is the real case. */
	snprintf(cmd, sizeof(cmd), "%s -std=c11 -shared -fPIC -I. %s -o %s %s",
		 cc != NULL && *cc ? cc : "cc", defs, out, src);
	assert_int_equal(system(cmd), 0);
	return out;
}

static int
group_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	strcpy(fx->dir, "/tmp/lpd-plugins.XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	*state = fx;
	return 0;
}

static int
group_teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

#define V1 "-DABI=1 -DNAME='\"tiny\"' -DSIZE='sizeof(struct lpd_plugin)'"

static void
test_loader__current_abi_accepted(void **state)
{
	struct plugins *s;
	const char *name, *version, *origin;
	struct reason_rules *r;
	bool rules;
	char *so = build_plugin(*state, "ok.so", V1);

	assert_null(plugins_create(&s));
	assert_null(plugins_load(s, so));
	assert_int_equal(plugins_count(s), plugins_builtin_count + 1);
	plugins_info(s, plugins_count(s) - 1, &name, &version, &origin,
		     &rules);
	assert_string_equal(name, "tiny");
	assert_string_equal(version, "2.5");
	assert_string_equal(origin, so);
	assert_true(rules);
	/* init ran once and its state is kept for the plugin */
	assert_int_equal(*(int *)s->v[s->n - 1].state, 1);
	/* its rule text joins the program */
	assert_null(reason_rules_create(true, &r));
	assert_null(plugins_add_rules(s, r));
	reason_rules_destroy(r);
	plugins_destroy(s);
}

static void
test_loader__too_new_abi_refused(void **state)
{
	struct plugins *s;
	struct lpd_error *err;
	char *so = build_plugin(*state, "new.so",
		"-DABI='(LPD_PLUGIN_ABI + 1)' -DNAME='\"tiny\"' "
		"-DSIZE='sizeof(struct lpd_plugin)'");

	assert_null(plugins_create(&s));
	err = plugins_load(s, so);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_UNSUPPORTED);
	assert_non_null(strstr(err->message, so));
	assert_non_null(strstr(err->message, "ABI 2"));
	assert_non_null(strstr(err->message, "up to 1"));
	assert_int_equal(plugins_count(s), plugins_builtin_count);
	lpd_error_destroy(err);
	plugins_destroy(s);
}

static void
test_loader__abi_zero_refused(void **state)
{
	struct plugins *s;
	struct lpd_error *err;
	char *so = build_plugin(*state, "zero.so",
		"-DABI=0 -DNAME='\"tiny\"' -DSIZE='sizeof(struct lpd_plugin)'");

	assert_null(plugins_create(&s));
	err = plugins_load(s, so);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_BAD_INPUT);
	assert_non_null(strstr(err->message, "version 0"));
	lpd_error_destroy(err);
	plugins_destroy(s);
}

static void
test_loader__truncated_size_refused(void **state)
{
	struct plugins *s;
	struct lpd_error *err;
	char *so = build_plugin(*state, "short.so",
		"-DABI=1 -DNAME='\"tiny\"' "
		"-DSIZE='offsetof(struct lpd_plugin, analyze)'");

	assert_null(plugins_create(&s));
	err = plugins_load(s, so);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_BAD_INPUT);
	assert_non_null(strstr(err->message, so));
	assert_non_null(strstr(err->message, "does not cover analyze"));
	lpd_error_destroy(err);
	plugins_destroy(s);
}

static void
test_loader__larger_size_reads_known_members(void **state)
{
	struct plugins *s;
	char *so = build_plugin(*state, "big.so",
		"-DABI=1 -DNAME='\"tiny\"' "
		"-DSIZE='(sizeof(struct lpd_plugin) + 32)'");

	assert_null(plugins_create(&s));
	assert_null(plugins_load(s, so));
	/* the host keeps its own size: nothing past it is ever read */
	assert_int_equal(s->v[s->n - 1].p.size, sizeof(struct lpd_plugin));
	plugins_destroy(s);
}

static void
test_loader__size_check_without_reading_members(void **state)
{
	/* A struct that ends right after size: the check must stop there
	 * (ASan would see a read of name). */
	struct { uint32_t abi, size; } *tiny = malloc(8);
	struct lpd_error *err;

	(void)state;
	assert_non_null(tiny);
	tiny->abi = 1;
	tiny->size = 8;
	err = plugins_check((const struct lpd_plugin *)(void *)tiny, "mem");
	assert_non_null(err);
	assert_non_null(strstr(err->message, "size 8"));
	lpd_error_destroy(err);
	free(tiny);
}

static void
test_loader__missing_entry_symbol(void **state)
{
	struct plugins *s;
	struct lpd_error *err;
	char *so = build_plugin(*state, "noentry.so", V1 " -DNO_ENTRY");

	assert_null(plugins_create(&s));
	err = plugins_load(s, so);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_BAD_INPUT);
	assert_non_null(strstr(err->message, so));
	assert_non_null(strstr(err->message, "no symbol lpd_plugin_entry"));
	lpd_error_destroy(err);
	plugins_destroy(s);
}

static void
test_loader__missing_file_and_dir(void **state)
{
	struct fixture *fx = *state;
	struct plugins *s;
	struct lpd_error *err;
	char path[128];

	assert_null(plugins_create(&s));
	snprintf(path, sizeof(path), "%s/absent.so", fx->dir);
	err = plugins_load(s, path);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_NOT_FOUND);
	assert_non_null(strstr(err->message, path));
	lpd_error_destroy(err);
	snprintf(path, sizeof(path), "%s/no-such-dir", fx->dir);
	assert_null(plugins_load_dir(s, path));
	plugins_destroy(s);
}

static void
test_loader__dir_and_duplicate_name(void **state)
{
	struct fixture *fx = *state;
	struct plugins *s;
	struct lpd_error *err;
	char dir[128], cmd[512];

	snprintf(dir, sizeof(dir), "%s/d", fx->dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s && cp %s %s/a.so", dir,
		 build_plugin(fx, "dup.so", V1), dir);
	assert_int_equal(system(cmd), 0);
	assert_null(plugins_create(&s));
	assert_null(plugins_load_dir(s, dir));
	assert_int_equal(plugins_count(s), plugins_builtin_count + 1);
	snprintf(cmd, sizeof(cmd), "%s/dup.so", fx->dir);
	err = plugins_load(s, cmd);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "already loaded"));
	lpd_error_destroy(err);
	plugins_destroy(s);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loader__current_abi_accepted),
		cmocka_unit_test(test_loader__too_new_abi_refused),
		cmocka_unit_test(test_loader__abi_zero_refused),
		cmocka_unit_test(test_loader__truncated_size_refused),
		cmocka_unit_test(test_loader__larger_size_reads_known_members),
		cmocka_unit_test(
			test_loader__size_check_without_reading_members),
		cmocka_unit_test(test_loader__missing_entry_symbol),
		cmocka_unit_test(test_loader__missing_file_and_dir),
		cmocka_unit_test(test_loader__dir_and_duplicate_name),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("plugins/loader", tests,
					   group_setup, group_teardown);
}
