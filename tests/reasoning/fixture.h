/* tests/reasoning/fixture.h - analyses built from a few frame names, for
 * the reasoning tests (through the facts JSON parser, as cached analyses
 * are read). */
#ifndef LPD_TESTS_REASONING_FIXTURE_H
#define LPD_TESTS_REASONING_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "reasoning/reasoning-int.h"

/* FRAMES: "function@module" innermost first, NULL-terminated; a module
 * starting with "lib" lives in /usr/lib, others in /opt/app. "?@mod" has
 * no symbol. */
static inline struct reason_analysis *
fx_analysis(const char *id, const char *signal, const char *region,
	    const char *const *frames)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct reason_analysis *a = NULL;
	struct lpd_error *err;
	size_t i;

	lpd_buf_printf(&b, "{\"schema\":\"%s\",\"id\":\"%s\",\"core\":\"/c/%s\","
		"\"executable\":\"/opt/app/app\",\"exe_build_id\":\"abcd\","
		"\"time\":%zu,\"signal\":{\"number\":%d,\"name\":\"%s\","
		"\"code\":1,\"address\":\"0x0\",\"region\":\"%s\"},"
		"\"crashed_thread\":0,\"threads\":[{\"tid\":1,\"crashed\":true,"
		"\"frames\":[", REASON_SCHEMA, id, id, strlen(id) * 100,
		strcmp(signal, "SIGABRT") == 0 ? 6 : 11, signal, region);
	for (i = 0; frames[i] != NULL; i++) {
		char fn[128];
		const char *at = strchr(frames[i], '@');
		const char *mod = at != NULL ? at + 1 : "app";

		snprintf(fn, sizeof(fn), "%.*s",
			 (int)(at != NULL ? at - frames[i]
					  : (long)strlen(frames[i])),
			 frames[i]);
		lpd_buf_printf(&b, "%s{\"pc\":\"0x%zx\",", i ? "," : "",
			       0x1000 + i * 16);
		if (strcmp(fn, "?") == 0)
			lpd_buf_printf(&b, "\"function\":null,");
		else
			lpd_buf_printf(&b, "\"function\":\"%s\",", fn);
		if (*mod == '\0')	/* "?@": unwinder garbage */
			lpd_buf_printf(&b, "\"module\":null}");
		else
			lpd_buf_printf(&b, "\"module\":\"%s/%s\"}",
				       strncmp(mod, "lib", 3) == 0
				       ? "/usr/lib" : "/opt/app", mod);
	}
	lpd_buf_printf(&b, "]},{\"tid\":2,\"frames\":[{\"pc\":\"0x10\","
		"\"function\":\"__futex_abstimed_wait_common\",\"module\":"
		"\"/usr/lib/libc.so.6\"},{\"pc\":\"0x20\",\"function\":"
		"\"worker\",\"module\":\"/opt/app/app\"}]}],"
		"\"modules\":[{\"path\":\"/opt/app/app\",\"build_id\":\"abcd\","
		"\"start\":\"0x1000\",\"end\":\"0x9000\",\"main\":true},"
		"{\"path\":\"/usr/lib/libc.so.6\",\"build_id\":\"ef01\","
		"\"start\":\"0x7f0000000000\",\"end\":\"0x7f0000100000\"}]}");
	err = reason_analysis_from_json(b.data, b.len, id, &a);
	lpd_buf_deinit(&b);
	if (err != NULL) {
		fprintf(stderr, "fixture %s: %s\n", id, err->message);
		lpd_error_destroy(err);
		return NULL;
	}
	return a;
}

#endif
