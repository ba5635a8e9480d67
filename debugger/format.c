/* debugger/format.c - a value as gdb prints it by default (print, info
 * locals, bt full) and as a typed JSON tree. Lists and strings are bounded
 * like gdb's "print elements" (200) with its repeat elision (threshold 10).
 * Reading values is values.c's. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "debugger/dwarf-int.h"

enum {
	FMT_PRINT_MAX = 200,
	FMT_REPEATS = 10,
	FMT_MAX_DEPTH = 64,
	FMT_STRING_CHUNK = 64,
};

struct fmt {
	struct lpd_buf *out;
	char letter;
	unsigned depth;
};

static struct lpd_error *fmt_value(struct fmt *f, const struct dbg_value *v,
				   bool top);

bool
dbg_target_symbolize(struct dbg_target *t, uint64_t addr, char *buf,
		     size_t size)
{
	struct dbg_tmodule *m = dbg_target_module_at(t, addr);
	const char *name = NULL;
	uint64_t start = 0;
	char *dem;

	if (m == NULL || m->obj == NULL || dbg_objfile_symtab(m->obj) == NULL)
		return false;
	if (!dbg_symtab_lookup(m->obj->symtab, addr - m->dm->bias, &name,
			       &start) || name == NULL || name[0] == '\0')
		return false;
	/* Code: gdb names the DWARF function holding ADDR (crash_here, not
	 * crash_here.constprop.0) unless the symbol starts after it. */
	if (dbg_objfile_dwarf(m->obj) != NULL) {
		struct dbg_dwarf *d = m->obj->dwarf;
		Dwarf_Off cu = 0, *dies = NULL;
		struct lpd_error *err;
		size_t n = 0;

		err = dbg_dwarf_scope_dies(d, addr - m->dm->bias, &cu, &dies,
					   &n);
		if (err == NULL && n > 0 && dies[n - 1] != 0) {
			Dwarf_Debug dbg = dbg_dwarf_handle(d);
			Dwarf_Die die;
			Dwarf_Error e = NULL;
			Dwarf_Addr lo = 0;
			const char *fn = NULL;

			if (dwarf_offdie_b(dbg, dies[n - 1], 1, &die, &e) ==
			    DW_DLV_OK) {
				if (dwarf_lowpc(die, &lo, &e) == DW_DLV_OK &&
				    lo >= start &&
				    dbg_dwarf_die_string(d, die, DW_AT_name,
							 &fn) == NULL &&
				    fn != NULL) {
					name = fn;
					start = lo;
				}
				dwarf_dealloc_die(die);
			}
			if (e != NULL)
				dwarf_dealloc_error(dbg, e);
		}
		lpd_error_destroy(err);
		lpd_free(dies);
	}
	dem = dbg_demangle(name);
	if (addr - m->dm->bias == start)
		snprintf(buf, size, "%s", dem != NULL ? dem : name);
	else
		snprintf(buf, size, "%s+%" PRIu64, dem != NULL ? dem : name,
			 addr - m->dm->bias - start);
	lpd_free(dem);
	return true;
}

/* ---- characters and strings --------------------------------------------- */

/* C escapes as gdb writes them; QUOTE is the enclosing quote. */
static struct lpd_error *
fmt_char(struct lpd_buf *out, unsigned c, char quote)
{
	switch (c) {
	case '\a': return lpd_buf_puts(out, "\\a");
	case '\b': return lpd_buf_puts(out, "\\b");
	case '\f': return lpd_buf_puts(out, "\\f");
	case '\n': return lpd_buf_puts(out, "\\n");
	case '\r': return lpd_buf_puts(out, "\\r");
	case '\t': return lpd_buf_puts(out, "\\t");
	case '\v': return lpd_buf_puts(out, "\\v");
	default:
		break;
	}
	if (c == '\\' || c == (unsigned char)quote)
		return lpd_buf_printf(out, "\\%c", c);
	if (c >= 0x20 && c < 0x7f)
		return lpd_buf_printf(out, "%c", c);
	return lpd_buf_printf(out, "\\%03o", c & 0xff);
}

/* gdb's generic_printstr over LEN bytes of S (chars of one byte): runs
 * longer than the threshold as 'c' <repeats N times>, at most 200
 * characters, "..." when cut (or FORCE_DOTS). Drops one trailing NUL of a
 * full array when C_TERM. */
static struct lpd_error *
fmt_string(struct lpd_buf *out, const uint8_t *s, size_t len, bool c_term,
	   bool force_dots)
{
	struct lpd_error *err = NULL;
	size_t pos = 0, printed = 0;
	int state = 0;		/* 0 start, 1 in quotes, 2 after repeats */

	if (c_term && !force_dots && len > 0 && s[len - 1] == 0)
		len--;
	if (len == 0)
		return lpd_buf_puts(out, force_dots ? "\"\"..." : "\"\"");
	while (err == NULL && pos < len && printed < FMT_PRINT_MAX) {
		size_t r = 1, k;

		while (pos + r < len && s[pos + r] == s[pos])
			r++;
		if (r > FMT_REPEATS) {
			if (state == 1)
				err = lpd_buf_puts(out, "\"");
			if (err == NULL && state != 0)
				err = lpd_buf_puts(out, ", ");
			if (err == NULL)
				err = lpd_buf_puts(out, "'");
			if (err == NULL)
				err = fmt_char(out, s[pos], '\'');
			if (err == NULL)
				err = lpd_buf_printf(out, "' <repeats %zu "
						     "times>", r);
			state = 2;
		} else {
			if (state == 2)
				err = lpd_buf_puts(out, ", ");
			if (err == NULL && state != 1)
				err = lpd_buf_puts(out, "\"");
			for (k = 0; err == NULL && k < r; k++)
				err = fmt_char(out, s[pos], '"');
			state = 1;
		}
		pos += r;
		printed += r;
	}
	if (err == NULL && state == 1)
		err = lpd_buf_puts(out, "\"");
	if (err == NULL && (force_dots || pos < len))
		err = lpd_buf_puts(out, "...");
	return err;
}

/* The NUL-terminated string at ADDR, bounded by print elements. */
static struct lpd_error *
fmt_cstring(struct dbg_target *t, struct lpd_buf *out, uint64_t addr)
{
	uint8_t buf[FMT_PRINT_MAX];
	size_t n = 0;
	bool nul = false, fault = false;
	uint64_t fault_at = 0;

	while (n < FMT_PRINT_MAX && !nul) {
		size_t want = FMT_STRING_CHUNK, i;
		struct lpd_error *err;

		if (want > FMT_PRINT_MAX - n)
			want = FMT_PRINT_MAX - n;
		err = dump_read(dbg_target_dump(t), addr + n, buf + n, want);
		if (err != NULL) {
			/* Byte by byte up to the hole. */
			lpd_error_destroy(err);
			for (i = 0; i < want; i++) {
				err = dump_read(dbg_target_dump(t),
						addr + n, buf + n, 1);
				if (err != NULL) {
					lpd_error_destroy(err);
					fault = true;
					fault_at = addr + n;
					break;
				}
				if (buf[n] == 0) {
					nul = true;
					break;
				}
				n++;
			}
			break;
		}
		for (i = 0; i < want; i++) {
			if (buf[n] == 0) {
				nul = true;
				break;
			}
			n++;
		}
	}
	if (fault && n == 0)
		return lpd_buf_printf(out, "<error: Cannot access memory at "
				      "address 0x%" PRIx64 ">", fault_at);
	if (n == 0)
		return lpd_buf_puts(out, "\"\"");
	{
		struct lpd_error *err = fmt_string(out, buf, n, false,
						   !nul && !fault);

		if (err == NULL && fault)
			err = lpd_buf_printf(out, "<error: Cannot access "
					     "memory at address 0x%" PRIx64
					     ">", fault_at);
		return err;
	}
}

/* ---- scalars ------------------------------------------------------------ */

static bool
fmt_is_text(const struct dbg_type *t)
{
	t = dbg_type_strip(t);
	return t != NULL && t->kind == DBG_TYPE_CHAR && t->size == 1;
}

static const char *
fmt_state(uint8_t st)
{
	switch (st) {
	case DBG_VALUE_OPTIMIZED_OUT:
		return "<optimized out>";
	case DBG_VALUE_NOT_SAVED:
		return "<not saved>";
	case DBG_VALUE_SYNTHETIC:
		return "<synthetic pointer>";
	default:
		return "<error>";
	}
}

/* A partly available value: the state of a scalar's bytes, or OK. */
static uint8_t
fmt_avail(const struct dbg_value *v)
{
	size_t i;

	if (v->avail == NULL)
		return DBG_VALUE_OK;
	for (i = 0; i < v->size; i++)
		if (v->avail[i] != DBG_VALUE_OK)
			return v->avail[i];
	return DBG_VALUE_OK;
}

static struct lpd_error *
fmt_double(struct lpd_buf *out, double d, size_t size)
{
	char buf[64];

	if (isnan(d)) {
		uint64_t bits;

		memcpy(&bits, &d, 8);
		return lpd_buf_printf(out, "%snan(0x%" PRIx64 ")",
				      signbit(d) ? "-" : "",
				      bits & ((UINT64_C(1) << 52) - 1));
	}
	if (isinf(d))
		return lpd_buf_puts(out, d < 0 ? "-inf" : "inf");
	snprintf(buf, sizeof(buf), size == 4 ? "%.9g" : "%.17g", d);
	return lpd_buf_puts(out, buf);
}

static struct lpd_error *
fmt_binary(struct lpd_buf *out, uint64_t x)
{
	char buf[65];
	int i = 64;

	buf[i] = '\0';
	do {
		buf[--i] = (char)('0' + (x & 1));
		x >>= 1;
	} while (x != 0);
	return lpd_buf_puts(out, buf + i);
}

/* A scalar of SIZE bytes printed with gdb's /x /o /t /d /u /c /z. */
static struct lpd_error *
fmt_letter(struct lpd_buf *out, uint64_t x, size_t size, bool is_signed,
	   char letter)
{
	uint64_t mask = size >= 8 ? UINT64_MAX
				  : (UINT64_C(1) << (8 * size)) - 1;
	int64_t sx;

	switch (letter) {
	case 'x':
		return lpd_buf_printf(out, "0x%" PRIx64, x & mask);
	case 'z':
		return lpd_buf_printf(out, "0x%0*" PRIx64, (int)(2 * size),
				      x & mask);
	case 'o':
		return (x & mask) == 0 ? lpd_buf_puts(out, "0")
				       : lpd_buf_printf(out, "0%" PRIo64,
							x & mask);
	case 't':
		return fmt_binary(out, x & mask);
	case 'u':
		return lpd_buf_printf(out, "%" PRIu64, x & mask);
	case 'c': {
		struct lpd_error *err;
		int8_t c = (int8_t)x;

		err = lpd_buf_printf(out, "%d '", is_signed ? c : (int)(x & 0xff));
		if (err == NULL)
			err = fmt_char(out, (unsigned)(x & 0xff), '\'');
		return err != NULL ? err : lpd_buf_puts(out, "'");
	}
	default:	/* 'd' */
		sx = (int64_t)(x & mask);
		if (size < 8 && (x >> (8 * size - 1)) & 1)
			sx = (int64_t)((x & mask) | ~mask);
		return lpd_buf_printf(out, "%" PRId64, sx);
	}
}

static struct lpd_error *
fmt_enum(struct lpd_buf *out, const struct dbg_type *t, int64_t x)
{
	struct lpd_error *err = NULL;
	uint64_t left;
	bool first = true;
	size_t i;

	for (i = 0; i < t->n_enums; i++)
		if (t->enums[i].value == x)
			return lpd_buf_puts(out, t->enums[i].name);
	if (!t->flag_enum)
		return lpd_buf_printf(out, "%" PRId64, x);
	left = (uint64_t)x;
	for (i = 0; err == NULL && i < t->n_enums; i++) {
		uint64_t ev = (uint64_t)t->enums[i].value;

		if (ev != 0 && (left & ev) == ev) {
			err = lpd_buf_puts(out, first ? "(" : " | ");
			if (err == NULL)
				err = lpd_buf_puts(out, t->enums[i].name);
			left &= ~ev;
			first = false;
		}
	}
	if (err == NULL && left != 0)
		err = lpd_buf_printf(out, "%sunknown: 0x%" PRIx64,
				     first ? "(" : " | ", left);
	if (err == NULL && (!first || left != 0))
		err = lpd_buf_puts(out, ")");
	else if (err == NULL)
		err = lpd_buf_printf(out, "%" PRId64, x);
	return err;
}

static struct lpd_error *
fmt_symbol(struct dbg_target *t, struct lpd_buf *out, uint64_t addr)
{
	char sym[512];

	if (t != NULL && addr != 0 &&
	    dbg_target_symbolize(t, addr, sym, sizeof(sym)))
		return lpd_buf_printf(out, " <%s>", sym);
	return NULL;
}

static struct lpd_error *
fmt_pointer(struct fmt *f, const struct dbg_value *v,
	    const struct dbg_type *t, uint64_t x, bool top)
{
	const struct dbg_type *target = dbg_type_strip(t->target);
	struct lpd_error *err = NULL;

	if (f->letter != 0 && f->letter != 'a' && f->letter != 's')
		return fmt_letter(f->out, x, v->size, false, f->letter);
	if (fmt_is_text(t->target) && f->letter != 'a') {
		err = lpd_buf_printf(f->out, "0x%" PRIx64, x);
		if (err == NULL)
			err = fmt_symbol(v->target, f->out, x);
		if (err == NULL && x != 0 && v->target != NULL) {
			err = lpd_buf_puts(f->out, " ");
			if (err == NULL)
				err = fmt_cstring(v->target, f->out, x);
		}
		return err;
	}
	if (top && f->letter == 0) {
		err = lpd_buf_puts(f->out, "(");
		if (err == NULL)
			err = dbg_type_print(v->type, NULL, f->out);
		if (err == NULL)
			err = lpd_buf_puts(f->out, ") ");
	}
	if (err == NULL)
		err = lpd_buf_printf(f->out, "0x%" PRIx64, x);
	(void)target;
	if (err == NULL)
		err = fmt_symbol(v->target, f->out, x);
	return err;
}

static struct lpd_error *
fmt_scalar(struct fmt *f, const struct dbg_value *v, bool top)
{
	const struct dbg_type *t = dbg_type_strip(v->type);
	struct lpd_buf *out = f->out;
	struct lpd_error *err;
	int64_t x = 0;
	double d;

	if (t->kind == DBG_TYPE_FLOAT) {
		uint64_t bits;

		/* gdb shows a float's own bits (the target's, whatever its
		 * byte order) for these; /c and /a convert the value. */
		if (f->letter != 0 && strchr("xztoud", f->letter) != NULL &&
		    v->size <= 8) {
			if (!dbg_value_bits(v, &bits))
				return lpd_buf_puts(out, "<error: cannot "
						    "read value>");
			return fmt_letter(out, bits, v->size, true,
					  f->letter);
		}
		if (!dbg_value_as_double(v, &d))
			return lpd_buf_puts(out, "<error: cannot read value>");
		if (f->letter != 0 && f->letter != 'f')
			return fmt_letter(out, (uint64_t)(int64_t)d, v->size,
					  true, f->letter);
		return fmt_double(out, d, v->size);
	}
	if (!dbg_value_as_int(v, &x))
		return lpd_buf_puts(out, "<error: cannot read value>");
	if (t->kind == DBG_TYPE_POINTER)
		return fmt_pointer(f, v, t, (uint64_t)x, top);
	if (f->letter != 0 && f->letter != 'a' && f->letter != 's')
		return fmt_letter(out, (uint64_t)x,
				  v->bit_size != 0 ? (v->bit_size + 7) / 8
						   : v->size,
				  t->is_signed, f->letter);
	if (f->letter == 'a') {
		err = lpd_buf_printf(out, "0x%" PRIx64, (uint64_t)x);
		return err != NULL ? err : fmt_symbol(v->target, out,
						      (uint64_t)x);
	}
	switch (t->kind) {
	case DBG_TYPE_BOOL:
		if (x == 0 || x == 1)
			return lpd_buf_puts(out, x ? "true" : "false");
		return lpd_buf_printf(out, "%" PRId64, x);
	case DBG_TYPE_CHAR:
		return fmt_letter(out, (uint64_t)x, 1, t->is_signed, 'c');
	case DBG_TYPE_ENUM:
		return fmt_enum(out, t, x);
	case DBG_TYPE_REF:
		err = lpd_buf_puts(out, "@");
		return err != NULL ? err : lpd_buf_printf(out, "0x%" PRIx64,
							  (uint64_t)x);
	default:
		if (t->is_signed)
			return lpd_buf_printf(out, "%" PRId64, x);
		return lpd_buf_printf(out, "%" PRIu64, (uint64_t)x);
	}
}

/* ---- aggregates ------------------------------------------------------- */

static struct lpd_error *
fmt_struct(struct fmt *f, const struct dbg_value *v)
{
	const struct dbg_type *t = dbg_type_strip(v->type);
	struct lpd_error *err;
	size_t i;

	if (t->incomplete)
		return lpd_buf_puts(f->out, "<incomplete type>");
	if (t->n_members == 0)
		return lpd_buf_puts(f->out, "{<No data fields>}");
	err = lpd_buf_puts(f->out, "{");
	for (i = 0; err == NULL && i < t->n_members; i++) {
		const struct dbg_member *m = &t->members[i];
		struct dbg_value *c;

		if (i > 0)
			err = lpd_buf_puts(f->out, ", ");
		if (err == NULL && m->inheritance)
			err = lpd_buf_printf(f->out, "<%s> = ",
					     m->type != NULL &&
					     dbg_type_strip(m->type)->name ?
					     dbg_type_strip(m->type)->name
									 : "?");
		else if (err == NULL && m->name != NULL)
			err = lpd_buf_printf(f->out, "%s = ", m->name);
		if (err == NULL)
			err = dbg_value_member(v, i, &c);
		if (err == NULL) {
			err = fmt_value(f, c, false);
			dbg_value_destroy(c);
		}
	}
	return err != NULL ? err : lpd_buf_puts(f->out, "}");
}

/* Elements I and J of V compare equal (bytes and availability). */
static bool
fmt_same(const struct dbg_value *a, const struct dbg_value *b)
{
	uint8_t x[256], y[256];

	if (a->state != b->state)
		return false;
	if (a->state != DBG_VALUE_OK)
		return true;
	if (a->size != b->size || a->size > sizeof(x))
		return false;
	if ((a->avail == NULL) != (b->avail == NULL))
		return false;
	if (a->avail != NULL && memcmp(a->avail, b->avail, a->size) != 0)
		return false;
	if (dbg_value_fetch(a, 0, x, a->size) != NULL ||
	    dbg_value_fetch(b, 0, y, b->size) != NULL)
		return false;
	return memcmp(x, y, a->size) == 0;
}

static struct lpd_error *
fmt_array(struct fmt *f, const struct dbg_value *v)
{
	const struct dbg_type *t = dbg_type_strip(v->type);
	struct lpd_error *err = NULL;
	struct dbg_value *cur = NULL, *nx = NULL;
	uint64_t i = 0, n = t->count, printed = 0;

	if (t->flexible) {
		if (!v->in_memory)
			return lpd_buf_puts(f->out, "<optimized out>");
		return lpd_buf_printf(f->out, "0x%" PRIx64, v->address);
	}
	if (fmt_is_text(t->target) && f->letter == 0 && v->avail == NULL) {
		uint8_t buf[FMT_PRINT_MAX + FMT_REPEATS * 64];
		size_t len = n < sizeof(buf) ? (size_t)n : sizeof(buf);

		if (n > len) {
			/* Only what print elements can show; a run at the
			 * cut may continue, as gdb's would. */
			err = dbg_value_fetch(v, 0, buf, len);
			if (err != NULL)
				goto fault;
			return fmt_string(f->out, buf, len, false, true);
		}
		err = dbg_value_fetch(v, 0, buf, len);
		if (err != NULL)
			goto fault;
		return fmt_string(f->out, buf, len, true, false);
	}
	err = lpd_buf_puts(f->out, "{");
	while (err == NULL && i < n && printed < FMT_PRINT_MAX) {
		uint64_t reps = 1;

		if (i > 0)
			err = lpd_buf_puts(f->out, ", ");
		if (err == NULL && cur == NULL)
			err = dbg_value_element(v, i, &cur);
		while (err == NULL && i + reps < n) {
			err = dbg_value_element(v, i + reps, &nx);
			if (err != NULL)
				break;
			if (!fmt_same(cur, nx))
				break;
			dbg_value_destroy(nx);
			nx = NULL;
			reps++;
		}
		if (err != NULL)
			break;
		err = fmt_value(f, cur, false);
		dbg_value_destroy(cur);
		cur = nx;
		nx = NULL;
		if (err == NULL && reps > FMT_REPEATS) {
			err = lpd_buf_printf(f->out, " <repeats %" PRIu64
					     " times>", reps);
			printed += FMT_REPEATS;
		} else if (reps > 1) {
			/* Shown once; the next ones one by one. */
			dbg_value_destroy(cur);
			cur = NULL;
			reps = 1;
			printed++;
		} else {
			printed++;
		}
		i += reps;
	}
	dbg_value_destroy(cur);
	dbg_value_destroy(nx);
	if (err == NULL && i < n)
		err = lpd_buf_puts(f->out, "...");
	return err != NULL ? err : lpd_buf_puts(f->out, "}");
fault:
	if (err->code != LPD_ERR_FAULT)
		return err;
	{
		uint64_t a = err->address;

		lpd_error_destroy(err);
		return lpd_buf_printf(f->out, "<error: Cannot access memory "
				      "at address 0x%" PRIx64 ">", a);
	}
}

static struct lpd_error *
fmt_value(struct fmt *f, const struct dbg_value *v, bool top)
{
	const struct dbg_type *t = dbg_type_strip(v->type);
	struct lpd_error *err;
	uint8_t st;

	if (v->state == DBG_VALUE_ERROR)
		return lpd_buf_printf(f->out, "<error: %s>",
				      v->error != NULL ? v->error : "?");
	if (v->state != DBG_VALUE_OK)
		return lpd_buf_puts(f->out, fmt_state(v->state));
	if (t == NULL)
		return lpd_buf_puts(f->out, "<unknown type>");
	if (f->depth >= FMT_MAX_DEPTH)
		return lpd_buf_puts(f->out, "{...}");
	switch (t->kind) {
	case DBG_TYPE_STRUCT:
	case DBG_TYPE_UNION:
	case DBG_TYPE_CLASS:
		f->depth++;
		err = fmt_struct(f, v);
		f->depth--;
		return err;
	case DBG_TYPE_ARRAY:
		f->depth++;
		err = fmt_array(f, v);
		f->depth--;
		return err;
	case DBG_TYPE_FUNC:
		err = lpd_buf_puts(f->out, "{");
		if (err == NULL)
			err = dbg_type_print(v->type, NULL, f->out);
		if (err == NULL)
			err = lpd_buf_printf(f->out, "} 0x%" PRIx64,
					     v->address);
		if (err == NULL)
			err = fmt_symbol(v->target, f->out, v->address);
		return err;
	case DBG_TYPE_VOID:
		return lpd_buf_puts(f->out, "void");
	case DBG_TYPE_UNKNOWN:
		return lpd_buf_puts(f->out, "<unknown type>");
	default:
		st = fmt_avail(v);
		if (st == DBG_VALUE_ERROR)
			return lpd_buf_puts(f->out, "<error: Cannot access "
					    "memory>");
		if (st != DBG_VALUE_OK)
			return lpd_buf_puts(f->out, fmt_state(st));
		return fmt_scalar(f, v, top);
	}
}

struct lpd_error *
dbg_value_format(const struct dbg_value *v, const struct dbg_format *opts,
		 struct lpd_buf *out)
{
	struct fmt f = { .out = out };
	bool top = true;

	if (opts != NULL) {
		f.letter = opts->letter;
		top = opts->top;
	}
	if (f.letter == 's')
		f.letter = 0;
	return fmt_value(&f, v, top);
}

bool
dbg_value_to_address(const struct dbg_value *v, uint64_t *ret)
{
	const struct dbg_type *t = dbg_type_strip(v->type);
	int64_t x;

	if (t == NULL || v->state != DBG_VALUE_OK)
		return false;
	if (t->kind == DBG_TYPE_ARRAY || t->kind == DBG_TYPE_FUNC ||
	    t->kind == DBG_TYPE_STRUCT || t->kind == DBG_TYPE_UNION ||
	    t->kind == DBG_TYPE_CLASS) {
		*ret = v->address;
		return v->in_memory;
	}
	if (!dbg_value_as_int(v, &x))
		return false;
	*ret = (uint64_t)x;
	return true;
}

struct lpd_error *
dbg_value_type_name(const struct dbg_value *v, struct lpd_buf *out)
{
	return dbg_type_print(v->type, NULL, out);
}

/* ---- JSON --------------------------------------------------------------- */

static const char *
json_kind(const struct dbg_type *t)
{
	static const char *const names[] = {
		[DBG_TYPE_VOID] = "void", [DBG_TYPE_INT] = "int",
		[DBG_TYPE_CHAR] = "char", [DBG_TYPE_BOOL] = "bool",
		[DBG_TYPE_FLOAT] = "float", [DBG_TYPE_POINTER] = "pointer",
		[DBG_TYPE_REF] = "reference", [DBG_TYPE_ARRAY] = "array",
		[DBG_TYPE_STRUCT] = "struct", [DBG_TYPE_UNION] = "union",
		[DBG_TYPE_CLASS] = "class", [DBG_TYPE_ENUM] = "enum",
		[DBG_TYPE_FUNC] = "function", [DBG_TYPE_UNKNOWN] = "unknown",
	};

	if (t == NULL || t->kind >= sizeof(names) / sizeof(names[0]) ||
	    names[t->kind] == NULL)
		return "unknown";
	return names[t->kind];
}

static struct lpd_error *
json_value(struct lpd_json *j, const struct dbg_value *v, unsigned depth)
{
	const struct dbg_type *t = dbg_type_strip(v->type);
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_error *err = NULL;
	struct fmt f = { .out = &b };
	struct dbg_value *c;
	uint8_t st = v->state != DBG_VALUE_OK ? v->state : fmt_avail(v);
	size_t i;
	int64_t x;
	double d;

	lpd_json_object_begin(j);
	lpd_json_key(j, "type");
	err = dbg_type_print(v->type, NULL, &b);
	lpd_json_string(j, err == NULL ? b.data : "?");
	lpd_buf_reset(&b);
	lpd_json_key(j, "kind");
	lpd_json_string(j, json_kind(t));
	if (v->in_memory) {
		lpd_json_key(j, "address");
		lpd_json_hex(j, v->address);
	}
	if (v->bit_size != 0) {
		lpd_json_key(j, "bits");
		lpd_json_uint(j, v->bit_size);
	}
	lpd_json_key(j, "state");
	lpd_json_string(j, st == DBG_VALUE_OK ? "ok" :
			   st == DBG_VALUE_OPTIMIZED_OUT ? "optimized_out" :
			   st == DBG_VALUE_NOT_SAVED ? "not_saved" :
			   st == DBG_VALUE_SYNTHETIC ? "synthetic_pointer"
						     : "error");
	if (v->state == DBG_VALUE_ERROR) {
		lpd_json_key(j, "error");
		lpd_json_string(j, v->error);
	}
	if (err == NULL) {
		err = fmt_value(&f, v, depth == 0);
		lpd_json_key(j, "text");
		lpd_json_string(j, err == NULL ? b.data : NULL);
	}
	lpd_buf_deinit(&b);
	if (err != NULL || v->state != DBG_VALUE_OK || t == NULL ||
	    depth >= FMT_MAX_DEPTH)
		goto out;
	switch (t->kind) {
	case DBG_TYPE_STRUCT:
	case DBG_TYPE_UNION:
	case DBG_TYPE_CLASS:
		lpd_json_key(j, "members");
		lpd_json_array_begin(j);
		for (i = 0; err == NULL && i < t->n_members; i++) {
			err = dbg_value_member(v, i, &c);
			if (err != NULL)
				break;
			lpd_json_object_begin(j);
			lpd_json_key(j, "name");
			lpd_json_string(j, t->members[i].name);
			lpd_json_key(j, "value");
			err = json_value(j, c, depth + 1);
			lpd_json_object_end(j);
			dbg_value_destroy(c);
		}
		lpd_json_array_end(j);
		break;
	case DBG_TYPE_ARRAY:
		lpd_json_key(j, "count");
		if (t->flexible)
			lpd_json_null(j);
		else
			lpd_json_uint(j, t->count);
		if (t->flexible)
			break;
		lpd_json_key(j, "elements");
		lpd_json_array_begin(j);
		for (i = 0; err == NULL && i < t->count && i < FMT_PRINT_MAX;
		     i++) {
			err = dbg_value_element(v, i, &c);
			if (err != NULL)
				break;
			err = json_value(j, c, depth + 1);
			dbg_value_destroy(c);
		}
		lpd_json_array_end(j);
		break;
	case DBG_TYPE_FLOAT:
		if (st == DBG_VALUE_OK && dbg_value_as_double(v, &d) &&
		    isfinite(d)) {
			char num[64];

			snprintf(num, sizeof(num), "%.17g", d);
			lpd_json_key(j, "value");
			lpd_json_string(j, num);
		}
		break;
	case DBG_TYPE_POINTER:
	case DBG_TYPE_REF:
		if (st == DBG_VALUE_OK && dbg_value_as_int(v, &x)) {
			lpd_json_key(j, "value");
			lpd_json_hex(j, (uint64_t)x);
		}
		break;
	case DBG_TYPE_ENUM:
	case DBG_TYPE_INT:
	case DBG_TYPE_CHAR:
	case DBG_TYPE_BOOL:
		if (st == DBG_VALUE_OK && dbg_value_as_int(v, &x)) {
			lpd_json_key(j, "value");
			if (t->is_signed)
				lpd_json_int(j, x);
			else
				lpd_json_uint(j, (uint64_t)x);
		}
		break;
	default:
		break;
	}
out:
	lpd_json_object_end(j);
	if (err != NULL && err->code == LPD_ERR_FAULT) {
		lpd_error_destroy(err);
		err = NULL;
	}
	return err;
}

struct lpd_error *
dbg_value_json(const struct dbg_value *v, struct lpd_json *j)
{
	return json_value(j, v, 0);
}
