/* console/load.h - shared option parsing and target loading for the
 * commands that open a core (bt, info, ...). */
#ifndef LPD_CONSOLE_LOAD_H
#define LPD_CONSOLE_LOAD_H

#include "console/console-int.h"
#include "debugger/debugger.h"

struct load_args {
	const char *core;
	const char *exe;
	const char *sysroot;
	const char **debug_dirs;
	size_t n_debug_dirs;
};

/* A command's own option; SET returns false on a bad value. */
struct load_extra {
	const char *name;
	int short_name;		/* 0: long only */
	int has_arg;
	bool (*set)(void *arg, const char *value);
	void *arg;
};

enum cmd_retval load_parse(struct cmd_ctx *ctx, const struct cmd_entry *e,
			   int argc, char **argv,
			   const struct load_extra *extra,
			   struct load_args *a);
void load_args_deinit(struct load_args *a);
struct lpd_error *load_target(const struct load_args *a,
			      struct dbg_target **ret);
void load_print_warnings(struct cmd_ctx *ctx, struct dbg_target *t);
void load_json_warnings(struct lpd_json *j, struct dbg_target *t);
bool load_set_flag(void *arg, const char *value);

#endif
