/* tests/debugger/test-target.c - targets that share a cache: what one
 * target makes must not outlive it inside the shared objects (a pointer
 * type cached on a DWARF type once lived in the first target's scratch
 * table and was read after that target was destroyed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "debugger/debugger.h"

struct fixture {
	char dir[64];
	char core_a[128], core_b[128], exe[128];
};

static int
group_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char cmd[1024];

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/lpd-target.XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	/* Two crashes of one executable: same build-id, other addresses. */
	snprintf(cmd, sizeof(cmd),
		 "sh fixtures/make-core.sh %s O2 >/dev/null 2>&1 && "
		 "mv %s/O2/core %s/a.core && "
		 "sh fixtures/make-core.sh %s O2 >/dev/null 2>&1 && "
		 "mv %s/O2/core %s/b.core", fx->dir, fx->dir, fx->dir,
		 fx->dir, fx->dir, fx->dir);
	if (system(cmd) != 0)
		return -1;
	snprintf(fx->core_a, sizeof(fx->core_a), "%s/a.core", fx->dir);
	snprintf(fx->core_b, sizeof(fx->core_b), "%s/b.core", fx->dir);
	snprintf(fx->exe, sizeof(fx->exe), "%s/O2/crasher", fx->dir);
	*state = fx;
	return 0;
}

static int
group_teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

/* One target after another on a shared cache, as diff and the console
 * load them; each takes the address of a global and a member offset. */
static void
test_target__shared_cache_outlives_each_target(void **state)
{
	static const char *const exprs[] = {
		"&depth_reached", "&((struct message *)0)->seq",
		"*&depth_reached",
	};
	struct fixture *fx = *state;
	const char *cores[] = { fx->core_a, fx->core_b, fx->core_a };
	struct dbg_cache *cache = NULL;
	size_t i, k;

	assert_null(dbg_cache_create(&cache));
	for (i = 0; i < 3; i++) {
		struct dbg_options o = { .exe = fx->exe, .cache = cache };
		struct dbg_target *t = NULL;

		assert_null(dbg_target_load(cores[i], &o, &t));
		for (k = 0; k < 3; k++) {
			struct dbg_value *v = NULL;
			struct lpd_error *err;

			err = dbg_eval(t, NULL, 0, exprs[k], &v);
			if (err != NULL)
				fail_msg("core %zu: %s: %s", i, exprs[k],
					 err->message);
			dbg_value_destroy(v);
		}
		dbg_target_destroy(t);
	}
	dbg_cache_destroy(cache);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target__shared_cache_outlives_each_target),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("debugger/target", tests,
					   group_setup, group_teardown);
}
