/* console/cmd-print.c - "print[/FMT] EXPR" (alias p): registers of the
 * selected frame as the unwinder recovered them ($pc, $sp, $fp, $rax,
 * ...) and integer literals, in gdb's output formats. Other expressions
 * need the values engine (debugger/values.c) and say so. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "console/session.h"

enum print_kind { PRINT_INT, PRINT_CODE, PRINT_DATA };

/* Register REG (without '$') of the selected frame. */
static struct lpd_error *
print_register(struct con_session *s, const char *reg, uint64_t *ret,
	       enum print_kind *kind, bool *saved)
{
	struct con_dump *d = con_session_dump(s);
	const struct dump_arch *a = dump_get_arch(dbg_target_dump(d->target));
	const struct dump_regs *r = con_session_regs(s);
	unsigned i, regno = DUMP_MAX_REGS;

	*kind = PRINT_INT;
	if (strcmp(reg, "pc") == 0)
		regno = a->pc_regno;
	else if (strcmp(reg, "sp") == 0)
		regno = a->sp_regno;
	else if (strcmp(reg, "fp") == 0)
		regno = a->fp_regno;
	for (i = 0; regno == DUMP_MAX_REGS && i < a->nregs; i++)
		if (a->reg_name(i) != NULL && strcmp(a->reg_name(i), reg) == 0)
			regno = i;
	if (regno == DUMP_MAX_REGS)
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"print: no register '$%s' on %s", reg,
					a->name);
	if (regno == a->pc_regno)
		*kind = PRINT_CODE;
	else if (regno == a->sp_regno || regno == a->fp_regno)
		*kind = PRINT_DATA;
	*saved = r != NULL && dump_regs_has(r, regno);
	*ret = *saved ? r->value[regno] : 0;
	return NULL;
}

static bool
print_literal(const char *e, uint64_t *ret)
{
	bool neg = false;
	char *end;
	unsigned long long v;

	if (*e == '-') {
		neg = true;
		e++;
	}
	if (*e < '0' || *e > '9')
		return false;
	errno = 0;
	v = strtoull(e, &end, 0);
	if (errno != 0 || *end != '\0')
		return false;
	*ret = neg ? (uint64_t)0 - v : v;
	return true;
}

static void
print_binary(FILE *o, uint64_t v)
{
	int bit = 63;

	while (bit > 0 && !(v >> bit & 1))
		bit--;
	for (; bit >= 0; bit--)
		fputc('0' + (int)(v >> bit & 1), o);
}

static enum cmd_retval
cmd_print_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct con_session *s = ctx->session;
	const char *slash = strchr(argv[0], '/');
	struct lpd_buf expr = LPD_BUF_INIT;
	enum print_kind kind = PRINT_INT;
	const struct dbg_frame *f;
	struct lpd_error *err = NULL;
	enum cmd_retval rv = CMD_RETURN_OK;
	bool saved = true;
	char fmt = 0;
	uint64_t v;
	int i = 1;
	FILE *o = ctx->out;

	if (cmd_need_session(ctx, &cmd_print_entry) != CMD_RETURN_OK)
		return CMD_RETURN_USAGE;
	if (slash == NULL && argc > 1 && argv[1][0] == '/')
		slash = argv[i++];
	if (slash != NULL) {
		if (strlen(slash) != 2 || strchr("xduotac", slash[1]) == NULL)
			return cmd_usage(ctx, NULL, "print: undefined output "
					 "format '%s'", slash + 1);
		fmt = slash[1];
	}
	for (; i < argc; i++)
		if (lpd_buf_printf(&expr, "%s%s", expr.len > 0 ? " " : "",
				   argv[i]) != NULL) {
			lpd_buf_deinit(&expr);
			return cmd_fail(ctx, &lpd_enomem);
		}
	if (expr.len == 0) {
		lpd_buf_deinit(&expr);
		return cmd_usage(ctx, NULL, "print: want an expression ($pc, "
				 "$sp, $REG or a number)");
	}
	if (expr.data[0] == '$' && expr.data[1] != '\0' &&
	    strspn(expr.data + 1, "abcdefghijklmnopqrstuvwxyz0123456789_") ==
	    expr.len - 1 && !(expr.data[1] >= '0' && expr.data[1] <= '9')) {
		err = con_session_need_target(s);
		if (err == NULL)
			err = print_register(s, expr.data + 1, &v, &kind,
					     &saved);
	} else if (!print_literal(expr.data, &v)) {
		err = lpd_error_format(LPD_ERR_UNSUPPORTED, "print: '%s' needs "
				       "the values engine, not available yet "
				       "($pc, $sp, $REG and numbers work)",
				       expr.data);
	}
	if (err != NULL) {
		lpd_buf_deinit(&expr);
		return cmd_fail(ctx, err);
	}
	fprintf(o, "$%u = ", ++s->value_seq);
	if (!saved) {
		fputs("<not saved>\n", o);
		goto out;
	}
	switch (fmt) {
	case 'x': fprintf(o, "0x%" PRIx64 "\n", v); goto out;
	case 'd': fprintf(o, "%" PRId64 "\n", (int64_t)v); goto out;
	case 'u': fprintf(o, "%" PRIu64 "\n", v); goto out;
	case 'o': fprintf(o, "0%" PRIo64 "\n", v); goto out;
	case 't': print_binary(o, v); fputc('\n', o); goto out;
	case 'c': fprintf(o, "%" PRId64 " '%c'\n", (int64_t)(int8_t)v,
			  (int)(v & 0x7f) >= ' ' ? (int)(v & 0x7f) : '?');
		goto out;
	}
	f = con_session_frame(s);
	if (kind == PRINT_CODE || fmt == 'a') {
		if (fmt != 'a')
			fputs("(void (*)()) ", o);
		fprintf(o, "0x%" PRIx64, v);
		if (f != NULL && f->pc == v && f->function != NULL) {
			if (f->has_offset && f->offset != 0)
				fprintf(o, " <%s+%" PRIu64 ">", f->function,
					f->offset);
			else
				fprintf(o, " <%s>", f->function);
		}
		fputc('\n', o);
	} else if (kind == PRINT_DATA) {
		fprintf(o, "(void *) 0x%" PRIx64 "\n", v);
	} else {
		fprintf(o, "%" PRId64 "\n", (int64_t)v);
	}
out:
	lpd_buf_deinit(&expr);
	return rv;
}

const struct cmd_entry cmd_print_entry = {
	.name = "print",
	.alias = "p",
	.usage = "[/x|/d|/u|/o|/t|/a|/c] $pc|$sp|$fp|$REG|NUMBER",
	.summary = "(console) a register of the selected frame, or a number",
	.exec = cmd_print_exec,
};
