/* console/cmd-eval.c - values with gdb's vocabulary: the value commands
 * (print[/F], output, info locals|args|frame|registers, ptype, whatis,
 * x/NFU, frame N) on a con_selection, and the batch command
 * "eval [--json] [--thread TID] [--frame N] CORE [EXE] CMD...". */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "console/load.h"
#include "console/select.h"

enum { EVAL_MAX_X = 4096 };	/* units one x command shows */

static void
values_error(struct cmd_ctx *ctx, struct lpd_json *j, const char *line,
	     struct lpd_error *err)
{
	if (ctx->json && j != NULL) {
		lpd_json_object_begin(j);
		lpd_json_key(j, "command");
		lpd_json_string(j, line);
		lpd_json_key(j, "error");
		lpd_json_string(j, err->message);
		lpd_json_object_end(j);
	} else {
		/* In order with the output, as gdb's are. */
		fflush(ctx->out);
		fprintf(ctx->err, "%s\n", err->message);
	}
	lpd_error_destroy(err);
}

static const char *
values_skip(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* LINE starts with command word W (ended by space, '/' or the end). */
static const char *
values_word(const char *line, const char *w)
{
	size_t n = strlen(w);

	if (strncmp(line, w, n) != 0)
		return NULL;
	if (line[n] != '\0' && line[n] != '/' && !isspace((unsigned char)line[n]))
		return NULL;
	return line + n;
}

static enum cmd_retval
values_print(struct cmd_ctx *ctx, struct con_selection *sel, const char *line,
	     const char *rest, bool output, struct lpd_json *j)
{
	struct dbg_format f = { .top = true };
	struct lpd_buf b = LPD_BUF_INIT;
	struct dbg_value *v = NULL;
	struct lpd_error *err;

	if (*rest == '/') {
		rest++;
		while (isdigit((unsigned char)*rest))
			rest++;
		if (strchr("xduotcazs", *rest) == NULL || *rest == '\0') {
			values_error(ctx, j, line, lpd_error_format(
				LPD_ERR_SYNTAX, "Undefined output format "
				"\"%c\".", *rest));
			return CMD_RETURN_BAD_INPUT;
		}
		f.letter = *rest++;
	}
	rest = values_skip(rest);
	err = dbg_eval(sel->target, sel->stack, sel->frame, rest, &v);
	if (err != NULL) {
		values_error(ctx, j, line, err);
		return CMD_RETURN_BAD_INPUT;
	}
	if (ctx->json && j != NULL) {
		lpd_json_object_begin(j);
		lpd_json_key(j, "command");
		lpd_json_string(j, line);
		lpd_json_key(j, "value");
		err = dbg_value_json(v, j);
		lpd_json_object_end(j);
	} else {
		err = dbg_value_format(v, &f, &b);
		if (err == NULL && output)
			fprintf(ctx->out, "%s", b.data);
		else if (err == NULL)
			fprintf(ctx->out, "$%u = %s\n", ++sel->history,
				b.data);
	}
	dbg_value_destroy(v);
	lpd_buf_deinit(&b);
	if (err != NULL) {
		values_error(ctx, j, line, err);
		return CMD_RETURN_BAD_INPUT;
	}
	return CMD_RETURN_OK;
}

static enum cmd_retval
values_vars(struct cmd_ctx *ctx, struct con_selection *sel, const char *line,
	    unsigned which, const char *indent, struct lpd_json *j)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct dbg_var *vars = NULL;
	struct lpd_error *err;
	size_t n = 0, i;
	struct dbg_format f = { .top = false };

	err = dbg_frame_vars(sel->target, sel->stack, sel->frame, which,
			     &vars, &n);
	if (err != NULL) {
		values_error(ctx, j, line, err);
		return CMD_RETURN_BAD_INPUT;
	}
	if (ctx->json && j != NULL) {
		lpd_json_object_begin(j);
		lpd_json_key(j, "command");
		lpd_json_string(j, line);
		lpd_json_key(j, which == DBG_VARS_ARGS ? "args" : "locals");
		lpd_json_array_begin(j);
	}
	for (i = 0; i < n && err == NULL; i++) {
		if (ctx->json && j != NULL) {
			lpd_json_object_begin(j);
			lpd_json_key(j, "name");
			lpd_json_string(j, vars[i].name);
			lpd_json_key(j, "value");
			err = dbg_value_json(vars[i].value, j);
			lpd_json_object_end(j);
			continue;
		}
		lpd_buf_reset(&b);
		/* info locals prints values as print does, pointers
		 * typed; bt full does not (gdb's print_variable_and_value
		 * uses the same options either way). */
		f.top = false;
		err = dbg_value_format(vars[i].value, &f, &b);
		if (err == NULL)
			fprintf(ctx->out, "%s%s = %s\n", indent, vars[i].name,
				b.data != NULL ? b.data : "");
	}
	if (ctx->json && j != NULL) {
		lpd_json_array_end(j);
		lpd_json_object_end(j);
	} else if (n == 0 && err == NULL) {
		fprintf(ctx->out, "%s%s\n", indent,
			which == DBG_VARS_ARGS ? "No arguments." : "No locals.");
	}
	dbg_vars_free(vars, n);
	lpd_buf_deinit(&b);
	if (err != NULL) {
		values_error(ctx, j, line, err);
		return CMD_RETURN_BAD_INPUT;
	}
	return CMD_RETURN_OK;
}

enum cmd_retval
values_frame_locals(struct cmd_ctx *ctx, struct con_selection *sel, size_t i,
		    const char *indent, struct lpd_json *j)
{
	size_t keep = sel->frame;
	enum cmd_retval rv;

	sel->frame = i;
	rv = values_vars(ctx, sel, "info locals", DBG_VARS_LOCALS, indent, j);
	sel->frame = keep;
	return rv;
}

static enum cmd_retval
values_type(struct cmd_ctx *ctx, struct con_selection *sel, const char *line,
	    const char *rest, bool expand, struct lpd_json *j)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_error *err;

	err = dbg_eval_type(sel->target, sel->stack, sel->frame,
			    values_skip(rest), expand, &b);
	if (err != NULL) {
		values_error(ctx, j, line, err);
		lpd_buf_deinit(&b);
		return CMD_RETURN_BAD_INPUT;
	}
	if (ctx->json && j != NULL) {
		lpd_json_object_begin(j);
		lpd_json_key(j, "command");
		lpd_json_string(j, line);
		lpd_json_key(j, "type");
		lpd_json_string(j, b.data + 7);	/* after "type = " */
		lpd_json_object_end(j);
	} else {
		fprintf(ctx->out, "%s\n", b.data);
	}
	lpd_buf_deinit(&b);
	return CMD_RETURN_OK;
}

/* x/NFU ADDR: N units of U (b h w g) in format F, as gdb lays them out. */
static enum cmd_retval
values_x(struct cmd_ctx *ctx, struct con_selection *sel, const char *line,
	 const char *rest, struct lpd_json *j)
{
	struct dbg_value *v = NULL;
	struct lpd_error *err;
	unsigned long count = 1;
	char fmt = 'x', unit = 'w';
	bool big = dump_get_arch(dbg_target_dump(sel->target))->big_endian;
	unsigned size, per_line, i;
	int64_t addr;
	char sym[512];

	if (*rest == '/') {
		char *end;

		rest++;
		if (isdigit((unsigned char)*rest)) {
			count = strtoul(rest, &end, 10);
			rest = end;
		}
		while (*rest != '\0' && !isspace((unsigned char)*rest)) {
			if (strchr("bhwg", *rest) != NULL)
				unit = *rest;
			else if (strchr("xduotcasz", *rest) != NULL)
				fmt = *rest;
			else {
				values_error(ctx, j, line, lpd_error_format(
					LPD_ERR_SYNTAX, "Invalid number "
					"\"%c\".", *rest));
				return CMD_RETURN_BAD_INPUT;
			}
			rest++;
		}
	}
	if (count > EVAL_MAX_X)
		count = EVAL_MAX_X;
	if (fmt == 'c' && !strchr(line, 'b'))
		unit = 'b';
	if (fmt == 'a')	/* a unit is an address of the core's */
		unit = dump_get_arch(dbg_target_dump(sel->target))->addr_size
		       == 4 ? 'w' : 'g';
	size = unit == 'b' ? 1 : unit == 'h' ? 2 : unit == 'w' ? 4 : 8;
	per_line = fmt == 'c' ? 8 : size == 8 ? 2 : size == 4 ? 4 : 8;
	err = dbg_eval(sel->target, sel->stack, sel->frame, values_skip(rest),
		       &v);
	if (err != NULL) {
		values_error(ctx, j, line, err);
		return CMD_RETURN_BAD_INPUT;
	}
	{
		uint64_t u = 0;
		bool ok = dbg_value_to_address(v, &u);

		dbg_value_destroy(v);
		if (!ok) {
			/* gdb would have to put the value in the
			 * process's memory. */
			values_error(ctx, j, line, lpd_error_format(
				LPD_ERR_INVALID_ARG, "You can't do that "
				"without a process to debug."));
			return CMD_RETURN_BAD_INPUT;
		}
		addr = (int64_t)u;
	}
	if (ctx->json && j != NULL) {
		lpd_json_object_begin(j);
		lpd_json_key(j, "command");
		lpd_json_string(j, line);
		lpd_json_key(j, "address");
		lpd_json_hex(j, (uint64_t)addr);
		lpd_json_key(j, "units");
		lpd_json_array_begin(j);
	}
	for (i = 0; i < count; i++) {
		uint8_t buf[8];
		uint64_t a = (uint64_t)addr + (uint64_t)i * size, x = 0;
		unsigned k;

		err = dump_read(dbg_target_dump(sel->target), a, buf, size);
		if (err != NULL) {
			lpd_error_destroy(err);
			if (!ctx->json && i % per_line != 0)
				fputc('\n', ctx->out);
			err = lpd_error_format(LPD_ERR_FAULT, "Cannot access "
					       "memory at address 0x%" PRIx64,
					       a);
			break;
		}
		for (k = 0; k < size; k++)
			x |= (uint64_t)buf[big ? size - 1 - k : k] << (8 * k);
		if (ctx->json && j != NULL) {
			lpd_json_uint(j, x);
			continue;
		}
		if (i % per_line == 0) {
			fprintf(ctx->out, "0x%" PRIx64, a);
			if (dbg_target_symbolize(sel->target, a, sym,
						 sizeof(sym)))
				fprintf(ctx->out, " <%s>", sym);
			fputc(':', ctx->out);
		}
		switch (fmt) {
		case 'x':
			fprintf(ctx->out, "\t0x%0*" PRIx64, (int)size * 2, x);
			break;
		case 'z':
			fprintf(ctx->out, "\t0x%0*" PRIx64, (int)size * 2, x);
			break;
		case 'd':
			if (size < 8 && (x >> (8 * size - 1)) & 1)
				x |= ~UINT64_C(0) << (8 * size);
			fprintf(ctx->out, "\t%" PRId64, (int64_t)x);
			break;
		case 'u':
			fprintf(ctx->out, "\t%" PRIu64, x);
			break;
		case 'o':
			fprintf(ctx->out, "\t0%" PRIo64, x);
			break;
		case 't': {
			char bits[65];

			for (k = 0; k < size * 8; k++)
				bits[k] = (char)('0' + ((x >> (size * 8 - 1 -
							      k)) & 1));
			bits[size * 8] = '\0';
			fprintf(ctx->out, "\t%s", bits);
			break;
		}
		case 'c':
			fprintf(ctx->out, "\t%d '", (int)(int8_t)x);
			if (x >= 0x20 && x < 0x7f && x != '\\' && x != '\'')
				fputc((int)x, ctx->out);
			else
				fprintf(ctx->out, "\\%03o", (unsigned)x & 0xff);
			fputc('\'', ctx->out);
			break;
		case 'a':
			fprintf(ctx->out, "\t0x%" PRIx64, x);
			if (dbg_target_symbolize(sel->target, x, sym,
						 sizeof(sym)))
				fprintf(ctx->out, " <%s>", sym);
			break;
		default:
			fprintf(ctx->out, "\t0x%" PRIx64, x);
			break;
		}
		if (i % per_line == per_line - 1 || i + 1 == count)
			fputc('\n', ctx->out);
	}
	if (ctx->json && j != NULL) {
		lpd_json_array_end(j);
		lpd_json_object_end(j);
	}
	if (err != NULL) {
		values_error(ctx, j, line, err);
		return CMD_RETURN_BAD_INPUT;
	}
	return CMD_RETURN_OK;
}

static enum cmd_retval
values_registers(struct cmd_ctx *ctx, struct con_selection *sel,
		 const char *line, const char *rest, struct lpd_json *j)
{
	const struct dump_arch *a = dump_get_arch(
		dbg_target_dump(sel->target));
	unsigned r, n = a->nregs < DUMP_MAX_REGS ? a->nregs : DUMP_MAX_REGS;
	char sym[512];

	rest = values_skip(rest);
	if (ctx->json && j != NULL) {
		lpd_json_object_begin(j);
		lpd_json_key(j, "command");
		lpd_json_string(j, line);
		lpd_json_key(j, "registers");
		lpd_json_object_begin(j);
	}
	for (r = 0; r < n; r++) {
		const char *name = a->reg_name(r);
		uint64_t v;
		bool known;

		if (name == NULL)
			continue;
		if (*rest != '\0') {
			const char *p = strstr(rest, name);
			size_t l = strlen(name);

			if (p == NULL || (p[l] != '\0' && p[l] != ' ') ||
			    (p != rest && p[-1] != ' ' && p[-1] != '$'))
				continue;
		}
		known = dbg_frame_register(sel->target, sel->stack,
					   sel->frame, r, &v);
		if (ctx->json && j != NULL) {
			lpd_json_key(j, name);
			if (known)
				lpd_json_hex(j, v);
			else
				lpd_json_null(j);
			continue;
		}
		if (!known) {
			fprintf(ctx->out, "%-15s<not saved>\n", name);
			continue;
		}
		if (r == a->pc_regno) {
			fprintf(ctx->out, "%-15s0x%-18" PRIx64 "0x%" PRIx64,
				name, v, v);
			if (dbg_target_symbolize(sel->target, v, sym,
						 sizeof(sym)))
				fprintf(ctx->out, " <%s>", sym);
			fputc('\n', ctx->out);
		} else if (r == a->sp_regno || r == a->fp_regno) {
			fprintf(ctx->out, "%-15s0x%-18" PRIx64 "0x%" PRIx64
				"\n", name, v, v);
		} else {
			fprintf(ctx->out, "%-15s0x%-18" PRIx64 "%" PRId64 "\n",
				name, v, (int64_t)v);
		}
	}
	if (ctx->json && j != NULL) {
		lpd_json_object_end(j);
		lpd_json_object_end(j);
	}
	return CMD_RETURN_OK;
}

static void
values_frame_line(struct cmd_ctx *ctx, struct con_selection *sel)
{
	const struct dbg_frame *f = dbg_stack_frame(sel->stack, sel->frame);

	if (f == NULL)
		return;
	fprintf(ctx->out, "#%-2zu 0x%0*" PRIx64 " in %s", sel->frame,
		(int)cmd_addr_size(sel->target) * 2, f->pc,
		f->function != NULL ? f->function : "??");
	if (f->file != NULL && f->line != 0)
		fprintf(ctx->out, " at %s:%u", f->file, f->line);
	fputc('\n', ctx->out);
}

static enum cmd_retval
values_frame(struct cmd_ctx *ctx, struct con_selection *sel, const char *line,
	     const char *rest, bool info, struct lpd_json *j)
{
	const struct dbg_frame *f;
	char *end;
	unsigned long n;

	rest = values_skip(rest);
	if (!info && *rest != '\0') {
		errno = 0;
		n = strtoul(rest, &end, 10);
		if (errno != 0 || *values_skip(end) != '\0' ||
		    n >= dbg_stack_frame_count(sel->stack)) {
			values_error(ctx, j, line, lpd_error_format(
				LPD_ERR_INVALID_ARG, "No frame at level %s.",
				rest));
			return CMD_RETURN_BAD_INPUT;
		}
		sel->frame = n;
	}
	f = dbg_stack_frame(sel->stack, sel->frame);
	if (ctx->json && j != NULL) {
		lpd_json_object_begin(j);
		lpd_json_key(j, "command");
		lpd_json_string(j, line);
		lpd_json_key(j, "frame");
		lpd_json_uint(j, sel->frame);
		lpd_json_key(j, "pc");
		lpd_json_hex(j, f != NULL ? f->pc : 0);
		lpd_json_key(j, "cfa");
		lpd_json_hex(j, f != NULL ? f->cfa : 0);
		lpd_json_key(j, "function");
		lpd_json_string(j, f != NULL ? f->function : NULL);
		lpd_json_object_end(j);
		return CMD_RETURN_OK;
	}
	if (info && f != NULL) {
		fprintf(ctx->out, "Stack level %zu, frame at 0x%" PRIx64 ":\n"
			" pc = 0x%" PRIx64 " in %s", sel->frame, f->cfa,
			f->pc, f->function != NULL ? f->function : "??");
		if (f->file != NULL)
			fprintf(ctx->out, " (%s:%u)", f->file, f->line);
		fputc('\n', ctx->out);
		if (sel->frame + 1 < dbg_stack_frame_count(sel->stack))
			fprintf(ctx->out, " called by frame at 0x%" PRIx64 "\n",
				dbg_stack_frame(sel->stack,
						sel->frame + 1)->cfa);
		if (sel->frame > 0)
			fprintf(ctx->out, " caller of frame at 0x%" PRIx64 "\n",
				dbg_stack_frame(sel->stack,
						sel->frame - 1)->cfa);
		return CMD_RETURN_OK;
	}
	values_frame_line(ctx, sel);
	return CMD_RETURN_OK;
}

enum cmd_retval
values_command(struct cmd_ctx *ctx, struct con_selection *sel,
	       const char *line, struct lpd_json *j)
{
	const char *l = values_skip(line), *r;

	if ((r = values_word(l, "info")) != NULL) {
		const char *w = values_skip(r);

		if ((r = values_word(w, "locals")) != NULL)
			return values_vars(ctx, sel, line, DBG_VARS_LOCALS, "",
					   j);
		if ((r = values_word(w, "args")) != NULL)
			return values_vars(ctx, sel, line, DBG_VARS_ARGS, "",
					   j);
		if ((r = values_word(w, "frame")) != NULL)
			return values_frame(ctx, sel, line, r, true, j);
		if ((r = values_word(w, "registers")) != NULL ||
		    (r = values_word(w, "all-registers")) != NULL)
			return values_registers(ctx, sel, line, r, j);
		values_error(ctx, j, line, lpd_error_format(
			LPD_ERR_SYNTAX, "Undefined info command: \"%s\".", w));
		return CMD_RETURN_BAD_INPUT;
	}
	if ((r = values_word(l, "echo")) != NULL) {
		/* gdb's echo: C escapes, no newline of its own. */
		for (r = values_skip(r); *r != '\0'; r++) {
			if (*r == '\\' && r[1] == 'n') {
				fputc('\n', ctx->out);
				r++;
			} else if (*r == '\\' && r[1] != '\0') {
				fputc(*++r, ctx->out);
			} else {
				fputc(*r, ctx->out);
			}
		}
		return CMD_RETURN_OK;
	}
	if ((r = values_word(l, "print")) != NULL ||
	    (r = values_word(l, "p")) != NULL)
		return values_print(ctx, sel, line, r, false, j);
	if ((r = values_word(l, "output")) != NULL)
		return values_print(ctx, sel, line, r, true, j);
	if ((r = values_word(l, "ptype")) != NULL)
		return values_type(ctx, sel, line, r, true, j);
	if ((r = values_word(l, "whatis")) != NULL)
		return values_type(ctx, sel, line, r, false, j);
	if ((r = values_word(l, "x")) != NULL)
		return values_x(ctx, sel, line, r, j);
	if ((r = values_word(l, "frame")) != NULL ||
	    (r = values_word(l, "f")) != NULL)
		return values_frame(ctx, sel, line, r, false, j);
	return values_print(ctx, sel, line, l, false, j);
}

/* ---- the batch command ------------------------------------------------ */

struct eval_opts {
	long tid;
	long frame;
	bool full;
};

static bool
eval_set_long(void *arg, const char *value)
{
	char *end;
	long *p = arg;

	errno = 0;
	*p = strtol(value, &end, 10);
	return errno == 0 && *end == '\0' && *p >= 0;
}

static bool
eval_is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static enum cmd_retval
cmd_eval_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct eval_opts o = { .tid = -1, .frame = 0 };
	const struct load_extra extra[] = {
		{ "thread", 0, 1, eval_set_long, &o.tid },
		{ "frame", 0, 1, eval_set_long, &o.frame },
		{ NULL, 0, 0, NULL, NULL },
	};
	struct lpd_buf buf = LPD_BUF_INIT;
	struct con_selection sel = { 0 };
	struct dbg_stack *stack = NULL;
	struct dbg_target *t = NULL;
	char **args = NULL, **cmds = NULL;
	struct lpd_error *err;
	struct load_args a;
	struct lpd_json j;
	enum cmd_retval rv = CMD_RETURN_OK, r1;
	int nargs = 0, ncmds = 0, i, pos = 0;
	bool opts_done = false;
	struct dump *d;

	memset(&a, 0, sizeof(a));
	args = lpd_calloc((size_t)argc + 1, sizeof(*args));
	cmds = lpd_calloc((size_t)argc + 1, sizeof(*cmds));
	if (args == NULL || cmds == NULL) {
		rv = cmd_fail(ctx, &lpd_enomem);
		goto out;
	}
	/* Options and CORE [EXE] for load_parse; the rest are commands. */
	args[nargs++] = argv[0];
	for (i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (!opts_done && strcmp(s, "--") == 0) {
			opts_done = true;
		} else if (!opts_done && s[0] == '-' && s[1] != '\0' &&
			   pos == 0) {
			args[nargs++] = argv[i];
			if ((strcmp(s, "--thread") == 0 ||
			     strcmp(s, "--frame") == 0 ||
			     strcmp(s, "--sysroot") == 0 ||
			     strcmp(s, "--debug-dir") == 0 ||
			     strcmp(s, "--repo") == 0) && i + 1 < argc)
				args[nargs++] = argv[++i];
		} else if (pos == 0 || (pos == 1 && eval_is_file(s) &&
					ncmds == 0)) {
			args[nargs++] = argv[i];
			pos++;
		} else {
			cmds[ncmds++] = argv[i];
			pos = 2;
		}
	}
	rv = load_parse(ctx, &cmd_eval_entry, nargs, args, extra, &a);
	if (rv != CMD_RETURN_OK)
		goto out;
	if (ncmds == 0) {
		rv = cmd_usage(ctx, &cmd_eval_entry, "no expression given");
		goto out;
	}
	err = load_target(&a, &t);
	if (err != NULL) {
		rv = cmd_fail(ctx, err);
		goto out;
	}
	d = dbg_target_dump(t);
	sel.target = t;
	sel.thread = dump_crashed_thread(d);
	if (o.tid >= 0) {
		size_t k;

		for (k = 0; k < dump_thread_count(d); k++)
			if (dump_thread_tid(d, k) == o.tid)
				break;
		if (k == dump_thread_count(d)) {
			rv = cmd_fail(ctx, lpd_error_format(LPD_ERR_NOT_FOUND,
				"no thread %ld in the core", o.tid));
			goto out;
		}
		sel.thread = k;
	}
	err = dbg_unwind_thread(t, sel.thread, 0, &stack);
	if (err != NULL) {
		rv = cmd_fail(ctx, err);
		goto out;
	}
	sel.stack = stack;
	if ((size_t)o.frame >= dbg_stack_frame_count(stack)) {
		rv = cmd_fail(ctx, lpd_error_format(LPD_ERR_INVALID_ARG,
			"No frame at level %ld.", o.frame));
		goto out;
	}
	sel.frame = (size_t)o.frame;
	lpd_json_init(&j, &buf);
	if (ctx->json) {
		lpd_json_object_begin(&j);
		lpd_json_key(&j, "core");
		lpd_json_string(&j, a.core);
		lpd_json_key(&j, "tid");
		lpd_json_int(&j, dump_thread_tid(d, sel.thread));
		lpd_json_key(&j, "frame");
		lpd_json_uint(&j, sel.frame);
		lpd_json_key(&j, "results");
		lpd_json_array_begin(&j);
	} else {
		load_print_warnings(ctx, t);
	}
	for (i = 0; i < ncmds; i++) {
		r1 = values_command(ctx, &sel, cmds[i], &j);
		if (r1 != CMD_RETURN_OK)
			rv = r1;
	}
	if (ctx->json) {
		enum cmd_retval r2;

		lpd_json_array_end(&j);
		load_json_warnings(&j, t);
		lpd_json_object_end(&j);
		r2 = cmd_emit_json(ctx, &j, &buf);
		if (r2 != CMD_RETURN_OK)
			rv = r2;
	}
out:
	lpd_buf_deinit(&buf);
	dbg_stack_destroy(stack);
	dbg_target_destroy(t);
	load_args_deinit(&a);
	lpd_free(args);
	lpd_free(cmds);
	return rv;
}

const struct cmd_entry cmd_eval_entry = {
	.name = "eval",
	.alias = NULL,
	.usage = "[--json] [--thread TID] [--frame N] [--sysroot DIR] "
		 "[--debug-dir DIR] CORE [EXE] EXPR|COMMAND...",
	.summary = "print values, locals and types of a frame as gdb does "
		   "(print/F, info locals|args|frame|registers, ptype, "
		   "whatis, x/NFU, frame N)",
	.exec = cmd_eval_exec,
};
