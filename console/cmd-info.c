/* console/cmd-info.c - "info": process, signal, threads and modules of a
 * core, with each module's build-id and where its file was found. */
#include <inttypes.h>
#include <string.h>

#include "console/load.h"
#include "console/remote-cmd.h"
#include "console/select.h"
#include "console/session.h"

void
cmd_info_json(struct lpd_json *j, const struct load_args *a,
	      struct dbg_target *t)
{
	struct dump *d = dbg_target_dump(t);
	const struct dump_process *p = dump_get_process(d);
	size_t i, n;

	lpd_json_object_begin(j);
	lpd_json_key(j, "core");
	lpd_json_string(j, a->core);
	lpd_json_key(j, "executable");
	lpd_json_string(j, a->exe);
	lpd_json_key(j, "arch");
	lpd_json_string(j, dump_get_arch(d)->name);
	lpd_json_key(j, "process");
	if (p != NULL) {
		lpd_json_object_begin(j);
		lpd_json_key(j, "pid");
		lpd_json_int(j, p->pid);
		lpd_json_key(j, "ppid");
		lpd_json_int(j, p->ppid);
		lpd_json_key(j, "uid");
		lpd_json_uint(j, p->uid);
		lpd_json_key(j, "gid");
		lpd_json_uint(j, p->gid);
		lpd_json_key(j, "name");
		lpd_json_string(j, p->fname);
		lpd_json_key(j, "args");
		lpd_json_string(j, p->args);
		lpd_json_object_end(j);
	} else {
		lpd_json_null(j);
	}
	load_json_signal(j, d);
	lpd_json_key(j, "threads");
	lpd_json_array_begin(j);
	n = dump_thread_count(d);
	for (i = 0; i < n; i++) {
		const struct dump_regs *r = dump_thread_regs(d, i);
		unsigned pcr = dump_get_arch(d)->pc_regno;

		lpd_json_object_begin(j);
		lpd_json_key(j, "tid");
		lpd_json_int(j, dump_thread_tid(d, i));
		lpd_json_key(j, "signal");
		lpd_json_int(j, dump_thread_signal(d, i));
		lpd_json_key(j, "crashed");
		lpd_json_bool(j, i == dump_crashed_thread(d) &&
			      dump_thread_signal(d, i) != 0);
		lpd_json_key(j, "pc");
		if (dump_regs_has(r, pcr))
			lpd_json_hex(j, r->value[pcr]);
		else
			lpd_json_null(j);
		lpd_json_object_end(j);
	}
	lpd_json_array_end(j);
	lpd_json_key(j, "modules");
	lpd_json_array_begin(j);
	n = dbg_target_module_count(t);
	for (i = 0; i < n; i++) {
		struct dbg_module_info m;

		dbg_target_module_info(t, i, &m);
		lpd_json_object_begin(j);
		lpd_json_key(j, "name");
		lpd_json_string(j, m.name);
		lpd_json_key(j, "start");
		lpd_json_hex(j, m.start);
		lpd_json_key(j, "end");
		lpd_json_hex(j, m.end);
		lpd_json_key(j, "bias");
		lpd_json_hex(j, m.bias);
		lpd_json_key(j, "build_id");
		lpd_json_string(j, m.build_id);
		lpd_json_key(j, "file");
		lpd_json_string(j, m.file);
		lpd_json_key(j, "debug_file");
		lpd_json_string(j, m.debug_file);
		lpd_json_key(j, "found_by");
		lpd_json_string(j, m.found_by);
		lpd_json_key(j, "mismatch");
		lpd_json_bool(j, m.mismatch);
		lpd_json_object_end(j);
	}
	lpd_json_array_end(j);
	load_json_warnings(j, t);
	lpd_json_object_end(j);
}

static void
info_text(struct cmd_ctx *ctx, struct dbg_target *t)
{
	struct dump *d = dbg_target_dump(t);
	const struct dump_process *p = dump_get_process(d);
	struct dump_siginfo si;
	FILE *o = ctx->out;
	size_t i, n;

	fprintf(o, "arch:    %s\n", dump_get_arch(d)->name);
	if (p != NULL)
		fprintf(o, "process: %d (%s) %s\n", p->pid, p->fname, p->args);
	if (dump_fault_signal(d, &si)) {
		const char *sn = dump_signal_name(si.signo);

		fprintf(o, "signal:  %s (%d), code %d", sn ? sn : "?",
			si.signo, si.code);
		if (si.has_addr)
			fprintf(o, ", address 0x%" PRIx64, si.addr);
		fputc('\n', o);
	}
	n = dump_thread_count(d);
	fprintf(o, "threads: %zu\n", n);
	for (i = 0; i < n; i++)
		fprintf(o, "  %c %d%s\n",
			i == dump_crashed_thread(d) ? '*' : ' ',
			dump_thread_tid(d, i),
			dump_thread_signal(d, i) != 0 ? " (signal)" : "");
	n = dbg_target_module_count(t);
	fprintf(o, "modules: %zu\n", n);
	for (i = 0; i < n; i++) {
		struct dbg_module_info m;

		dbg_target_module_info(t, i, &m);
		fprintf(o, "  0x%012" PRIx64 "-0x%012" PRIx64 " %-40s %s\n",
			m.start, m.end, m.build_id ? m.build_id : "-", m.name);
		if (m.file != NULL || m.debug_file != NULL)
			fprintf(o, "      file %s%s%s (%s)\n",
				m.file ? m.file : "-",
				m.debug_file ? ", debug " : "",
				m.debug_file ? m.debug_file : "",
				m.found_by ? m.found_by : "?");
		else if (m.found_by != NULL)
			fprintf(o, "      (%s)\n", m.found_by);
		else
			fputs("      not found\n", o);
	}
}

/* "info threads" in gdb's columns: Id, target id, innermost frame. */
static enum cmd_retval
info_threads(struct cmd_ctx *ctx, struct con_session *s)
{
	struct con_dump *cd = con_session_dump(s);
	struct dump *d = dbg_target_dump(cd->target);
	size_t i, n = dump_thread_count(d);

	fprintf(ctx->out, "  Id   Target Id          Frame\n");
	for (i = 0; i < n; i++) {
		struct dbg_stack *st = NULL;
		const struct dbg_frame *f = NULL;
		struct lpd_error *err;
		char tid[32];

		if (ctx->cancel != NULL && *ctx->cancel)
			return cmd_fail(ctx, lpd_error_format(
				LPD_ERR_CANCELLED, "info threads: cancelled"));
		err = dbg_unwind_thread(cd->target, i, 1, &st);
		if (err != NULL)
			return cmd_fail(ctx, err);
		f = dbg_stack_frame(st, 0);
		snprintf(tid, sizeof(tid), "Thread %d", dump_thread_tid(d, i));
		fprintf(ctx->out, "%c %-4zu %-18s ", i == s->thread ? '*' : ' ',
			i + 1, tid);
		if (f != NULL)
			cmd_bt_print_frame(ctx->out,
					   dump_get_arch(d)->addr_size, 0, f,
					   false);
		else
			fputs("??\n", ctx->out);
		dbg_stack_destroy(st);
	}
	return CMD_RETURN_OK;
}

/* "info registers [REG...]" of the selected frame, as the unwinder
 * recovered them; gdb's columns (name, hex, natural). */
static enum cmd_retval
info_registers(struct cmd_ctx *ctx, struct con_session *s, int argc,
	       char **argv)
{
	struct con_dump *cd = con_session_dump(s);
	const struct dump_arch *a = dump_get_arch(dbg_target_dump(cd->target));
	const struct dump_regs *r = con_session_regs(s);
	unsigned i;
	int k;

	for (i = 0; r != NULL && i < a->nregs; i++) {
		const char *n = a->reg_name(i);
		bool want = argc == 0;

		for (k = 0; n != NULL && k < argc; k++)
			if (strcmp(argv[k] + (argv[k][0] == '$'), n) == 0 ||
			    (strcmp(argv[k] + (argv[k][0] == '$'), "pc") == 0 &&
			     i == a->pc_regno) ||
			    (strcmp(argv[k] + (argv[k][0] == '$'), "sp") == 0 &&
			     i == a->sp_regno))
				want = true;
		if (n == NULL || !want)
			continue;
		/* All: the general registers, not the vector ones. */
		if (argc == 0 && !dump_regs_has(r, i) && i > a->pc_regno)
			continue;
		if (dump_regs_has(r, i))
			fprintf(ctx->out, "%-15s0x%-18" PRIx64 "%" PRId64 "\n",
				n, r->value[i], (int64_t)r->value[i]);
		else
			fprintf(ctx->out, "%-15s<not saved>\n", n);
	}
	for (k = 0; k < argc; k++) {
		const char *want = argv[k] + (argv[k][0] == '$');

		for (i = 0; i < a->nregs; i++)
			if (a->reg_name(i) != NULL &&
			    strcmp(a->reg_name(i), want) == 0)
				break;
		if (i == a->nregs && strcmp(want, "pc") != 0 &&
		    strcmp(want, "sp") != 0)
			return cmd_fail(ctx, lpd_error_format(
				LPD_ERR_INVALID_ARG, "invalid register '%s'",
				argv[k]));
	}
	return CMD_RETURN_OK;
}

static enum cmd_retval
info_sharedlibrary(struct cmd_ctx *ctx, struct con_session *s)
{
	struct con_dump *cd = con_session_dump(s);
	size_t i, n = dbg_target_module_count(cd->target);

	fprintf(ctx->out, "%-18s %-18s %-8s %s\n", "From", "To", "Syms",
		"Shared Object Library");
	for (i = 0; i < n; i++) {
		struct dbg_module_info m;

		dbg_target_module_info(cd->target, i, &m);
		fprintf(ctx->out, "0x%016" PRIx64 " 0x%016" PRIx64 " %-8s %s\n",
			m.start, m.end, m.debug_file != NULL ? "Yes"
			: m.file != NULL ? "Symtab" : "No", m.name);
	}
	return CMD_RETURN_OK;
}

static bool
info_is(const char *word, const char *full, size_t min)
{
	size_t n = strlen(word);

	return n >= min && n <= strlen(full) && strncmp(word, full, n) == 0;
}

/* Inside the console: gdb's "info threads|registers|frame|sharedlibrary"
 * on the selected dump. */
static enum cmd_retval
info_session(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct con_session *s = ctx->session;
	struct lpd_error *err;

	if (argc < 2)
		return cmd_usage(ctx, NULL, "info: want threads, registers, "
				 "frame or sharedlibrary");
	err = con_session_need_target(s);
	if (err != NULL)
		return cmd_fail(ctx, err);
	if (info_is(argv[1], "threads", 2))
		return info_threads(ctx, s);
	if (info_is(argv[1], "registers", 1) ||
	    info_is(argv[1], "all-registers", 2))
		return info_registers(ctx, s, argc - 2, argv + 2);
	if (info_is(argv[1], "frame", 1)) {
		cmd_frame_print(ctx);
		return CMD_RETURN_OK;
	}
	if (info_is(argv[1], "sharedlibrary", 2))
		return info_sharedlibrary(ctx, s);
	if (info_is(argv[1], "locals", 2))
		return con_values_run(ctx, "info locals");
	if (info_is(argv[1], "args", 2))
		return con_values_run(ctx, "info args");
	return cmd_usage(ctx, NULL, "info: unknown subcommand '%s' (threads, "
			 "registers, frame, sharedlibrary)", argv[1]);
}

static enum cmd_retval
cmd_info_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct lpd_buf buf = LPD_BUF_INIT;
	struct dbg_target *t = NULL;
	struct lpd_error *err;
	struct load_args a;
	struct lpd_json j;
	enum cmd_retval rv;
	struct remote_args ra = { 0 };
	const struct load_extra extra[] = {
		REMOTE_LOAD_EXTRA(&ra),
		{ NULL, 0, 0, NULL, NULL },
	};

	if (ctx->session != NULL)
		return info_session(ctx, argc, argv);
	rv = load_parse(ctx, &cmd_info_entry, argc, argv, extra, &a);
	if (rv != CMD_RETURN_OK)
		goto out;
	if (ra.url != NULL) {	/* run where the dump is (agent.h) */
		rv = remote_pair_command(ctx, &ra, &a, "info", false);
		goto out;
	}
	err = load_target(&a, &t);
	if (err != NULL) {
		rv = cmd_fail(ctx, err);
		goto out;
	}
	if (ctx->json) {
		lpd_json_init(&j, &buf);
		cmd_info_json(&j, &a, t);
		rv = cmd_emit_json(ctx, &j, &buf);
	} else {
		load_print_warnings(ctx, t);
		info_text(ctx, t);
	}
out:
	lpd_buf_deinit(&buf);
	dbg_target_destroy(t);
	load_args_deinit(&a);
	return rv;
}

const struct cmd_entry cmd_info_entry = {
	.name = "info",
	.usage = "[--json] [--sysroot DIR] [--debug-dir DIR] [--repo DIR] "
		 REMOTE_USAGE "CORE|DUMP-ID [EXE]",
	.summary = "process, signal, threads and modules of a core",
	.exec = cmd_info_exec,
};
