/* console/cmd-bt.c - "bt": every thread's backtrace, crashed thread first,
 * as gdb and eu-stack print it, or as JSON. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "console/load.h"
#include "console/remote-cmd.h"
#include "console/select.h"
#include "console/session.h"

struct bt_opts {
	bool all;
	bool full_paths;
	bool full;		/* gdb's bt full: locals of every frame */
	long max_frames;
};

static const char *
bt_basename(const char *path, bool full)
{
	const char *s;

	if (path == NULL || full)
		return path;
	s = strrchr(path, '/');
	return s != NULL ? s + 1 : path;
}

static void
bt_json_frame(struct lpd_json *j, size_t index, const struct dbg_frame *f)
{
	lpd_json_object_begin(j);
	lpd_json_key(j, "index");
	lpd_json_uint(j, index);
	dbg_frame_json(j, f);
	lpd_json_object_end(j);
}

unsigned
cmd_addr_size(struct dbg_target *t)
{
	return t != NULL ? dump_get_arch(dbg_target_dump(t))->addr_size : 8;
}

void
cmd_bt_print_frame(FILE *o, unsigned addr_size, size_t index,
		   const struct dbg_frame *f, bool full)
{
	fprintf(o, "#%-2zu 0x%0*" PRIx64 " in %s", index, (int)addr_size * 2,
		f->pc, f->function != NULL ? f->function : "??");
	if (f->has_offset && f->offset != 0)
		fprintf(o, "+0x%" PRIx64, f->offset);
	if (f->is_inline)
		fputs(" [inlined]", o);
	if (f->is_signal)
		fputs(" <signal handler called>", o);
	if (f->file != NULL && f->line != 0)
		fprintf(o, " at %s:%u", bt_basename(f->file, full), f->line);
	if (f->module != NULL)
		fprintf(o, " from %s", bt_basename(f->module, full));
	fputc('\n', o);
}

/* Crashed thread first, then the others in core order. */
static size_t
bt_thread_at(struct dump *d, size_t k)
{
	size_t crashed = dump_crashed_thread(d);

	if (k == 0)
		return crashed;
	return k <= crashed ? k - 1 : k;
}

static bool
bt_cancelled(struct cmd_ctx *ctx)
{
	return ctx->cancel != NULL && *ctx->cancel;
}

static void
bt_session_thread(struct cmd_ctx *ctx, struct dump *d, size_t ti,
		  const struct dbg_stack *st, size_t limit, bool full)
{
	size_t i, n = dbg_stack_frame_count(st);
	int sig = dump_thread_signal(d, ti);
	char sn[32];

	fprintf(ctx->out, "Thread %zu (tid %d)", ti + 1,
		dump_thread_tid(d, ti));
	if (sig != 0 && ti == dump_crashed_thread(d))
		fprintf(ctx->out, " (crashed: %s)",
			con_signal_name(sig, sn, sizeof(sn)));
	fputs(":\n", ctx->out);
	for (i = 0; i < n && (limit == 0 || i < limit); i++) {
		if (bt_cancelled(ctx))
			return;
		cmd_bt_print_frame(ctx->out, dump_get_arch(d)->addr_size, i,
				   dbg_stack_frame(st, i), full);
	}
	if (limit != 0 && n > limit)
		fprintf(ctx->out, "(More stack frames follow...)\n");
}

/* Inside the console: the selected thread (or all) of the selected dump,
 * gdb's "bt [full] [N]" and "bt -a" (thread apply all bt). */
static enum cmd_retval
bt_session(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct con_session *s = ctx->session;
	struct con_dump *cd = con_session_dump(s);
	bool all = false, full_paths = false;
	struct lpd_error *err;
	unsigned long limit = 0;
	struct dump *d;
	size_t k, n;
	int i;

	for (i = 1; i < argc; i++) {
		char *end;

		if (strcmp(argv[i], "-a") == 0 || strcmp(argv[i], "--all") == 0)
			all = true;
		else if (strcmp(argv[i], "--full-paths") == 0)
			full_paths = true;
		else if (strcmp(argv[i], "full") == 0 ||
			 strcmp(argv[i], "-full") == 0)
			;	/* locals join with the values engine */
		else if ((limit = strtoul(argv[i], &end, 10)) > 0 &&
			 *end == '\0')
			;
		else
			return cmd_usage(ctx, NULL, "bt: unexpected '%s' (bt "
					 "[full] [N] [-a])", argv[i]);
	}
	err = con_session_need_target(s);
	if (err != NULL)
		return cmd_fail(ctx, err);
	d = dbg_target_dump(cd->target);
	if (!all) {
		if (s->stack != NULL)
			bt_session_thread(ctx, d, s->thread, s->stack, limit,
					  full_paths);
	} else {
		n = dump_thread_count(d);
		for (k = 0; k < n && !bt_cancelled(ctx); k++) {
			struct dbg_stack *st;
			size_t ti = bt_thread_at(d, k);

			err = dbg_unwind_thread(cd->target, ti, 0, &st);
			if (err != NULL)
				return cmd_fail(ctx, err);
			if (k > 0)
				fputc('\n', ctx->out);
			bt_session_thread(ctx, d, ti, st, limit, full_paths);
			dbg_stack_destroy(st);
		}
	}
	if (bt_cancelled(ctx))
		return cmd_fail(ctx, lpd_error_format(LPD_ERR_CANCELLED,
						      "bt: cancelled"));
	return CMD_RETURN_OK;
}

static enum cmd_retval
cmd_bt_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct bt_opts o = { 0 };
	struct remote_args ra = { 0 };
	const struct load_extra extra[] = {
		REMOTE_LOAD_EXTRA(&ra),
		{ "all", 'a', 0, load_set_flag, &o.all },
		{ "full-paths", 0, 0, load_set_flag, &o.full_paths },
		{ "full", 0, 0, load_set_flag, &o.full },
		{ NULL, 0, 0, NULL, NULL },
	};
	struct lpd_buf buf = LPD_BUF_INIT;
	struct dbg_target *t = NULL;
	struct lpd_json j;
	struct load_args a;
	enum cmd_retval rv;
	struct lpd_error *err;
	struct dump *d;
	size_t k, i, n;

	if (ctx->session != NULL)
		return bt_session(ctx, argc, argv);
	rv = load_parse(ctx, &cmd_bt_entry, argc, argv, extra, &a);
	if (rv != CMD_RETURN_OK)
		goto out;
	if (ra.url != NULL) {	/* run where the dump is (agent.h) */
		rv = remote_pair_command(ctx, &ra, &a, "bt", o.full);
		goto out;
	}
	err = load_target(&a, &t);
	if (err != NULL) {
		rv = cmd_fail(ctx, err);
		goto out;
	}
	d = dbg_target_dump(t);
	n = dump_thread_count(d);
	lpd_json_init(&j, &buf);
	if (ctx->json) {
		const struct dump_process *p = dump_get_process(d);

		lpd_json_object_begin(&j);
		lpd_json_key(&j, "core");
		lpd_json_string(&j, a.core);
		lpd_json_key(&j, "executable");
		lpd_json_string(&j, a.exe);
		lpd_json_key(&j, "arch");
		lpd_json_string(&j, dump_get_arch(d)->name);
		lpd_json_key(&j, "pid");
		if (p != NULL)
			lpd_json_int(&j, p->pid);
		else
			lpd_json_null(&j);
		load_json_signal(&j, d);
		lpd_json_key(&j, "threads");
		lpd_json_array_begin(&j);
	} else {
		load_print_warnings(ctx, t);
	}
	for (k = 0; k < n; k++) {
		size_t ti = bt_thread_at(d, k);
		struct dbg_stack *s;
		bool crashed = ti == dump_crashed_thread(d) &&
			       dump_thread_signal(d, ti) != 0;

		err = dbg_unwind_thread(t, ti, 0, &s);
		if (err != NULL) {
			rv = cmd_fail(ctx, err);
			goto out;
		}
		if (ctx->json) {
			lpd_json_object_begin(&j);
			lpd_json_key(&j, "tid");
			lpd_json_int(&j, dump_thread_tid(d, ti));
			lpd_json_key(&j, "crashed");
			lpd_json_bool(&j, crashed);
			lpd_json_key(&j, "stop_reason");
			lpd_json_string(&j, dbg_stack_stop_reason(s));
			lpd_json_key(&j, "frames");
			lpd_json_array_begin(&j);
			for (i = 0; i < dbg_stack_frame_count(s); i++)
				bt_json_frame(&j, i, dbg_stack_frame(s, i));
			lpd_json_array_end(&j);
			if (o.full) {
				struct con_selection sel = {
					.target = t, .stack = s, .thread = ti,
				};

				/* Parallel to frames: one "info locals"
				 * result per frame. */
				lpd_json_key(&j, "frame_locals");
				lpd_json_array_begin(&j);
				for (i = 0; i < dbg_stack_frame_count(s); i++)
					values_frame_locals(ctx, &sel, i, "",
							    &j);
				lpd_json_array_end(&j);
			}
			lpd_json_object_end(&j);
		} else {
			int sig = dump_thread_signal(d, ti);
			const char *sn = dump_signal_name(sig);

			fprintf(ctx->out, "%sThread %d", k > 0 ? "\n" : "",
				dump_thread_tid(d, ti));
			if (crashed && sn != NULL)
				fprintf(ctx->out, " (crashed: %s)", sn);
			else if (crashed)
				fprintf(ctx->out, " (crashed: signal %d)", sig);
			fputs(":\n", ctx->out);
			for (i = 0; i < dbg_stack_frame_count(s); i++) {
				struct con_selection sel = {
					.target = t, .stack = s, .thread = ti,
				};

				cmd_bt_print_frame(ctx->out,
						   dump_get_arch(d)->addr_size,
						   i, dbg_stack_frame(s, i),
						   o.full_paths);
				if (o.full)
					values_frame_locals(ctx, &sel, i,
							    "        ", NULL);
			}
		}
		dbg_stack_destroy(s);
	}
	if (ctx->json) {
		lpd_json_array_end(&j);
		load_json_warnings(&j, t);
		lpd_json_object_end(&j);
		rv = cmd_emit_json(ctx, &j, &buf);
	}
out:
	lpd_buf_deinit(&buf);
	dbg_target_destroy(t);
	load_args_deinit(&a);
	return rv;
}

const struct cmd_entry cmd_bt_entry = {
	.name = "bt",
	.alias = "backtrace",
	.usage = "[--json] [-a|--all] [--full] [--full-paths] [--sysroot DIR] "
		 "[--debug-dir DIR] [--repo DIR] " REMOTE_USAGE
		 "CORE|DUMP-ID [EXE]",
	.summary = "backtrace of every thread, crashed thread first",
	.exec = cmd_bt_exec,
};
