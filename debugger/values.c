/* debugger/values.c - values read from a dump: a variable's bytes from its
 * location pieces (memory, registers of the frame, implicit values), the
 * locals and arguments of a frame, members and elements, and the value as
 * gdb prints it by default or as a typed JSON tree. Types are types.c's,
 * locations location.c's, expressions expr.c's. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "debugger/dwarf-int.h"

enum {
	VALUES_MAX_LOAD = 1 << 20,	/* larger values are read lazily */
	VALUES_PRINT_MAX = 200,		/* gdb's "print elements" */
	VALUES_REPEAT_THRESHOLD = 10,	/* gdb's "print repeats" */
	VALUES_MAX_DEPTH = 64,		/* nested aggregates printed */
	VALUES_MAX_VARS = 4096,		/* variables of one frame */
	VALUES_MAX_BLOCK_DEPTH = 64,
};

/* ---- values ------------------------------------------------------------ */

struct lpd_error *
dbg_error_memory(uint64_t addr)
{
	struct lpd_error *err;

	err = lpd_error_format(LPD_ERR_FAULT, "Cannot access memory at "
			       "address 0x%" PRIx64, addr);
	if (err != &lpd_enomem)
		err->address = addr;
	return err;
}

struct dbg_value *
dbg_value_new(struct dbg_target *t, const struct dbg_type *type)
{
	struct dbg_value *v = lpd_calloc(1, sizeof(*v));

	if (v == NULL)
		return NULL;
	v->target = t;
	v->type = type;
	v->size = (size_t)dbg_type_size(type);
	return v;
}

void
dbg_value_destroy(struct dbg_value *v)
{
	if (v == NULL)
		return;
	lpd_free(v->bytes);
	lpd_free(v->avail);
	lpd_free(v->error);
	lpd_free(v->name);
	lpd_free(v);
}

static void
value_set_state(struct dbg_value *v, uint8_t state, const char *error)
{
	v->state = state;
	lpd_free(v->error);
	v->error = error != NULL ? lpd_strdup(error) : NULL;
	lpd_free(v->bytes);
	v->bytes = NULL;
	lpd_free(v->avail);
	v->avail = NULL;
}

/* Make V's state say "Cannot access memory" for ERR (consumed) when it is
 * a fault; other errors are returned. */
static struct lpd_error *
value_fault(struct dbg_value *v, struct lpd_error *err)
{
	char msg[80];

	if (err == NULL || err->code != LPD_ERR_FAULT)
		return err;
	snprintf(msg, sizeof(msg), "Cannot access memory at address 0x%"
		 PRIx64, err->address);
	lpd_error_destroy(err);
	value_set_state(v, DBG_VALUE_ERROR, msg);
	return v->error == NULL ? &lpd_enomem : NULL;
}

static struct lpd_error *
value_read(struct dbg_target *t, uint64_t addr, void *buf, size_t len)
{
	struct lpd_error *err;

	if (len == 0)
		return NULL;
	err = dump_read(dbg_target_dump(t), addr, buf, len);
	if (err != NULL && err->code == LPD_ERR_FAULT) {
		uint64_t a = err->address;

		lpd_error_destroy(err);
		return dbg_error_memory(a);
	}
	return err;
}

/* Read V's bytes from its address (lazily when too large). */
static struct lpd_error *
value_load(struct dbg_value *v)
{
	if (v->size > VALUES_MAX_LOAD) {
		v->lazy = true;
		return NULL;
	}
	v->bytes = lpd_malloc(v->size != 0 ? v->size : 1);
	if (v->bytes == NULL)
		return &lpd_enomem;
	return value_fault(v, value_read(v->target, v->address, v->bytes,
					 v->size));
}

struct lpd_error *
dbg_value_at(struct dbg_target *t, const struct dbg_type *type,
	     uint64_t addr, struct dbg_value **ret)
{
	struct dbg_value *v = dbg_value_new(t, type);
	struct lpd_error *err;

	if (v == NULL)
		return &lpd_enomem;
	v->in_memory = true;
	v->address = addr;
	err = value_load(v);
	if (err != NULL) {
		dbg_value_destroy(v);
		return err;
	}
	*ret = v;
	return NULL;
}

struct lpd_error *
dbg_value_from_bytes(struct dbg_target *t, const struct dbg_type *type,
		     const void *bytes, size_t size, struct dbg_value **ret)
{
	struct dbg_value *v = dbg_value_new(t, type);

	if (v == NULL)
		return &lpd_enomem;
	v->bytes = lpd_calloc(v->size != 0 ? v->size : 1, 1);
	if (v->bytes == NULL) {
		dbg_value_destroy(v);
		return &lpd_enomem;
	}
	memcpy(v->bytes, bytes, size < v->size ? size : v->size);
	*ret = v;
	return NULL;
}

struct lpd_error *
dbg_value_copy(const struct dbg_value *v, struct dbg_value **ret)
{
	struct dbg_value *c = dbg_value_new(v->target, v->type);

	if (c == NULL)
		return &lpd_enomem;
	*c = *v;
	c->bytes = NULL;
	c->avail = NULL;
	c->error = NULL;
	c->name = NULL;
	if ((v->bytes != NULL &&
	     (c->bytes = lpd_malloc(v->size ? v->size : 1)) == NULL) ||
	    (v->avail != NULL &&
	     (c->avail = lpd_malloc(v->size ? v->size : 1)) == NULL) ||
	    (v->error != NULL && (c->error = lpd_strdup(v->error)) == NULL) ||
	    (v->name != NULL && (c->name = lpd_strdup(v->name)) == NULL)) {
		dbg_value_destroy(c);
		return &lpd_enomem;
	}
	if (v->bytes != NULL)
		memcpy(c->bytes, v->bytes, v->size);
	if (v->avail != NULL)
		memcpy(c->avail, v->avail, v->size);
	*ret = c;
	return NULL;
}

struct lpd_error *
dbg_value_fetch(const struct dbg_value *v, uint64_t off, void *buf,
		size_t len)
{
	if (off > v->size || len > v->size - off)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "read past the "
					"value");
	if (v->bytes != NULL) {
		memcpy(buf, v->bytes + off, len);
		return NULL;
	}
	if (v->lazy && v->in_memory)
		return value_read(v->target, v->address + off, buf, len);
	return lpd_error_format(LPD_ERR_INVALID_ARG, "value has no contents");
}

/* A part of V at byte OFF of SIZE bytes, typed TYPE. */
static struct lpd_error *
value_part(const struct dbg_value *v, const struct dbg_type *type,
	   uint64_t off, struct dbg_value **ret)
{
	struct dbg_value *c = dbg_value_new(v->target, type);
	struct lpd_error *err = NULL;
	size_t i;
	bool any = false, all = true;
	uint8_t first = DBG_VALUE_OK;

	if (c == NULL)
		return &lpd_enomem;
	if (off > v->size || c->size > v->size - off)
		c->size = off > v->size ? 0 : v->size - (size_t)off;
	c->in_memory = v->in_memory;
	c->address = v->address + off;
	if (v->state != DBG_VALUE_OK) {
		c->state = v->state;
		if (v->error != NULL && (c->error = lpd_strdup(v->error)) ==
		    NULL)
			err = &lpd_enomem;
		goto out;
	}
	if (v->lazy) {
		err = value_load(c);
		goto out;
	}
	c->bytes = lpd_malloc(c->size != 0 ? c->size : 1);
	if (c->bytes == NULL) {
		err = &lpd_enomem;
		goto out;
	}
	if (v->bytes != NULL)
		memcpy(c->bytes, v->bytes + off, c->size);
	if (v->avail != NULL) {
		for (i = 0; i < c->size; i++) {
			uint8_t a = v->avail[off + i];

			if (a != DBG_VALUE_OK) {
				if (!any)
					first = a;
				any = true;
			} else {
				all = false;
			}
		}
		if (any && all && c->size > 0) {
			value_set_state(c, first, NULL);
		} else if (any) {
			c->avail = lpd_malloc(c->size);
			if (c->avail == NULL)
				err = &lpd_enomem;
			else
				memcpy(c->avail, v->avail + off, c->size);
		}
	}
out:
	if (err != NULL) {
		dbg_value_destroy(c);
		return err;
	}
	*ret = c;
	return NULL;
}

struct lpd_error *
dbg_value_member(const struct dbg_value *v, size_t i, struct dbg_value **ret)
{
	const struct dbg_type *t = dbg_type_strip(v->type);
	const struct dbg_member *m;
	struct lpd_error *err;
	struct dbg_value *c;
	uint64_t first, last;

	if (t == NULL || i >= t->n_members)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "no member %zu",
					i);
	m = &t->members[i];
	if (m->bit_size == 0)
		return value_part(v, m->type, m->bit_offset / 8, ret);
	/* A bitfield: the bytes holding it, and where it starts. */
	first = m->bit_offset / 8;
	last = (m->bit_offset + m->bit_size + 7) / 8;
	err = value_part(v, m->type, first, &c);
	if (err != NULL)
		return err;
	if (c->bytes != NULL && last - first < c->size) {
		/* Keep the covering bytes only; clear the rest. */
		memset(c->bytes + (last - first), 0,
		       c->size - (size_t)(last - first));
	}
	if (c->bytes != NULL && last - first > c->size) {
		uint8_t *b = lpd_calloc((size_t)(last - first), 1);

		if (b == NULL) {
			dbg_value_destroy(c);
			return &lpd_enomem;
		}
		memcpy(b, c->bytes, c->size);
		if (first + (last - first) <= v->size && v->bytes != NULL)
			memcpy(b, v->bytes + first, (size_t)(last - first));
		lpd_free(c->bytes);
		c->bytes = b;
		c->size = (size_t)(last - first);
	}
	c->bit_pos = (uint32_t)(m->bit_offset % 8);
	c->bit_size = m->bit_size;
	c->in_memory = false;	/* no address for a bitfield */
	*ret = c;
	return NULL;
}

struct lpd_error *
dbg_value_element(const struct dbg_value *v, uint64_t i,
		  struct dbg_value **ret)
{
	const struct dbg_type *t = dbg_type_strip(v->type);
	uint64_t es;

	if (t == NULL || t->kind != DBG_TYPE_ARRAY)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "not an array");
	es = dbg_type_size(t->target);
	if (es != 0 && i > UINT64_MAX / es)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "index too large");
	if (t->flexible || i * es + es > v->size) {
		/* Past the known bytes (a flexible array, or C's indexing
		 * past the end): read memory, as gdb does. */
		if (!v->in_memory)
			return lpd_error_format(LPD_ERR_INVALID_ARG,
						"no such vector element");
		return dbg_value_at(v->target, t->target,
				    v->address + i * es, ret);
	}
	return value_part(v, t->target, i * es, ret);
}

static uint64_t
load_le(const uint8_t *b, size_t n, bool big)
{
	uint64_t v = 0;
	size_t i;

	if (n > 8)
		n = 8;
	for (i = 0; i < n; i++)
		v |= (uint64_t)b[big ? n - 1 - i : i] << (8 * i);
	return v;
}

static bool
value_big_endian(const struct dbg_value *v)
{
	return v->target != NULL &&
	       dump_get_arch(dbg_target_dump(v->target))->big_endian;
}

/* X as N bytes in the target's byte order, as value_raw() reads them
 * back; bytes past the 8 of X are zero. */
static void
value_store(uint8_t *b, size_t n, uint64_t x, bool big)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[big ? n - 1 - i : i] = i < 8 ? (uint8_t)(x >> (8 * i)) : 0;
}

/* Raw bits of scalar V (sign-extended when signed). */
static bool
value_raw(const struct dbg_value *v, uint64_t *ret)
{
	const struct dbg_type *t = dbg_type_strip(v->type);
	uint8_t buf[16];
	size_t n = v->size < 8 ? v->size : 8;
	uint64_t x;
	bool sgn;

	if (t == NULL || v->state != DBG_VALUE_OK)
		return false;
	if (v->bit_size != 0)
		n = v->size < 9 ? v->size : 9;
	if (n == 0)
		return false;
	if (dbg_value_fetch(v, 0, buf, n) != NULL)
		return false;
	sgn = t->is_signed && t->kind != DBG_TYPE_POINTER &&
	      t->kind != DBG_TYPE_BOOL;
	if (v->bit_size != 0) {
		x = load_le(buf, n < 8 ? n : 8, false) >> v->bit_pos;
		if (n > 8 && v->bit_pos != 0)
			x |= (uint64_t)buf[8] << (64 - v->bit_pos);
		if (v->bit_size < 64) {
			x &= (UINT64_C(1) << v->bit_size) - 1;
			if (sgn && (x >> (v->bit_size - 1)) & 1)
				x |= ~UINT64_C(0) << v->bit_size;
		}
		*ret = x;
		return true;
	}
	x = load_le(buf, n, value_big_endian(v));
	if (sgn && n < 8 && (x >> (8 * n - 1)) & 1)
		x |= ~UINT64_C(0) << (8 * n);
	*ret = x;
	return true;
}

bool
dbg_value_as_int(const struct dbg_value *v, int64_t *ret)
{
	const struct dbg_type *t = dbg_type_strip(v->type);
	uint64_t x;
	double d;

	if (t != NULL && t->kind == DBG_TYPE_FLOAT) {
		if (!dbg_value_as_double(v, &d))
			return false;
		*ret = (int64_t)d;
		return true;
	}
	if (t == NULL || !(t->kind == DBG_TYPE_INT ||
			   t->kind == DBG_TYPE_CHAR ||
			   t->kind == DBG_TYPE_BOOL ||
			   t->kind == DBG_TYPE_ENUM ||
			   t->kind == DBG_TYPE_POINTER ||
			   t->kind == DBG_TYPE_REF))
		return false;
	if (!value_raw(v, &x))
		return false;
	*ret = (int64_t)x;
	return true;
}

bool
dbg_value_as_double(const struct dbg_value *v, double *ret)
{
	const struct dbg_type *t = dbg_type_strip(v->type);
	uint8_t buf[16];
	int64_t i;

	if (t == NULL || v->state != DBG_VALUE_OK)
		return false;
	if (t->kind != DBG_TYPE_FLOAT) {
		if (!dbg_value_as_int(v, &i))
			return false;
		*ret = t->is_signed ? (double)i : (double)(uint64_t)i;
		return true;
	}
	if (v->size > sizeof(buf) || dbg_value_fetch(v, 0, buf, v->size))
		return false;
	if (v->size == 4) {
		/* IEEE bits in the target's order (ppc and s390 are
		 * big-endian); the host's float has the host's. */
		uint32_t bits = (uint32_t)load_le(buf, 4,
						  value_big_endian(v));
		float f;

		memcpy(&f, &bits, 4);
		*ret = f;
	} else if (v->size == 8) {
		uint64_t bits = load_le(buf, 8, value_big_endian(v));

		memcpy(ret, &bits, 8);
	} else if (v->size == 16 || v->size == 10 || v->size == 12) {
		long double ld = 0;

		memcpy(&ld, buf, sizeof(ld) < v->size ? sizeof(ld) : v->size);
		*ret = (double)ld;
	} else {
		return false;
	}
	return true;
}

bool
dbg_value_bits(const struct dbg_value *v, uint64_t *ret)
{
	uint8_t buf[8];

	if (v->state != DBG_VALUE_OK || v->size == 0 || v->size > 8 ||
	    dbg_value_fetch(v, 0, buf, v->size) != NULL)
		return false;
	*ret = load_le(buf, v->size, value_big_endian(v));
	return true;
}

struct lpd_error *
dbg_value_from_double(struct dbg_target *t, const struct dbg_type *type,
		      double d, struct dbg_value **ret)
{
	bool big = t != NULL && dump_get_arch(dbg_target_dump(t))->big_endian;
	uint8_t b[8];

	if (dbg_type_size(type) == 4) {
		float f = (float)d;
		uint32_t bits;

		memcpy(&bits, &f, 4);
		value_store(b, 4, bits, big);
		return dbg_value_from_bytes(t, type, b, 4, ret);
	}
	if (dbg_type_size(type) == 8) {
		uint64_t bits;

		memcpy(&bits, &d, 8);
		value_store(b, 8, bits, big);
		return dbg_value_from_bytes(t, type, b, 8, ret);
	}
	/* long double (x87, binary128, IBM double-double) is not encoded
	 * yet: the double's host bytes, which reads back wrong. */
	return dbg_value_from_bytes(t, type, &d, 8, ret);
}

/* ---- a frame's context -------------------------------------------------- */

struct lpd_error *
dbg_frame_ctx_init(struct dbg_target *t, const struct dbg_stack *s,
		   size_t frame, struct dbg_frame_ctx *ret)
{
	const struct dbg_raw_frame *raw = NULL;
	struct lpd_error *err;
	Dwarf_Off *dies = NULL;
	size_t depth = 0, n = 0, i;
	uint64_t lookup;

	memset(ret, 0, sizeof(*ret));
	ret->t = t;
	if (t->scratch == NULL) {
		err = dbg_types_create_scratch(
			dump_get_arch(dbg_target_dump(t))->addr_size,
			&t->scratch);
		if (err != NULL)
			return err;
	}
	ret->scratch = t->scratch;
	if (s == NULL)
		return NULL;
	ret->s = s;
	raw = dbg_stack_raw(s, frame, &depth);
	if (raw == NULL)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "No frame at "
					"level %zu.", frame);
	ret->raw = raw;
	ret->frame = frame;
	ret->thread = dbg_stack_thread(s);
	ret->inline_depth = depth;
	ret->pc = dbg_stack_frame(s, frame)->pc;
	ret->known = raw->regs;
	for (i = 0; i < DUMP_MAX_REGS / 64; i++)
		ret->known.valid[i] &= raw->known[i];
	lookup = raw->exact_pc || raw->is_signal || raw->pc == 0 ? raw->pc
								: raw->pc - 1;
	ret->mod = dbg_target_module_at(t, lookup);
	if (ret->mod == NULL || ret->mod->obj == NULL)
		return NULL;
	ret->bias = ret->mod->dm->bias;
	ret->lookup = lookup - ret->bias;
	ret->dwarf = dbg_objfile_dwarf(ret->mod->obj);
	if (ret->dwarf == NULL)
		return NULL;
	err = dbg_dwarf_scope_dies(ret->dwarf, ret->lookup, &ret->cu_die,
				   &dies, &n);
	if (err != NULL) {
		/* Bad DWARF at pc: the frame has no scope, globals remain. */
		lpd_error_destroy(err);
		return NULL;
	}
	if (depth < n) {
		ret->scope_die = dies[depth];
		ret->func_die = dies[n - 1];
	}
	lpd_free(dies);
	return NULL;
}

/* ---- registers of a frame ------------------------------------------------ */

/* Bytes of DWARF register REGNO in frame C: general registers from the
 * unwinder, x86-64's xmm registers (17-32) from frame 0's NT_FPREGSET.
 * *state: DBG_VALUE_OK or DBG_VALUE_NOT_SAVED. */
static void
value_reg_bytes(const struct dbg_frame_ctx *c, uint64_t regno, uint8_t *buf,
		size_t *len, uint8_t *state)
{
	const struct dump_arch *arch = dump_get_arch(dbg_target_dump(c->t));
	const uint8_t *fp;
	size_t fplen = 0, i;

	*state = DBG_VALUE_NOT_SAVED;
	*len = 0;
	if (arch->e_machine == 62 && regno >= 17 && regno <= 32) {
		/* Caller-saved: only the crashing frame has them. */
		if (c->raw == NULL || c->frame != 0)
			return;
		fp = dump_thread_fpregs(dbg_target_dump(c->t), c->thread,
					&fplen);
		if (fp == NULL || fplen < 160 + 16 * 16)
			return;
		memcpy(buf, fp + 160 + 16 * (regno - 17), 16);
		*len = 16;
		*state = DBG_VALUE_OK;
		return;
	}
	if (regno >= DUMP_MAX_REGS ||
	    !dump_regs_has(&c->known, (unsigned)regno))
		return;
	for (i = 0; i < arch->addr_size; i++) {
		unsigned sh = arch->big_endian ?
			      8 * (arch->addr_size - 1 - i) : 8 * i;

		buf[i] = (uint8_t)(c->known.value[regno] >> sh);
	}
	*len = arch->addr_size;
	*state = DBG_VALUE_OK;
}

/* ---- a variable's value from its location -------------------------------- */

struct value_entry_arg {
	struct dbg_frame_ctx *c;
};

static struct lpd_error *
value_fill_piece(struct dbg_frame_ctx *c, struct dbg_value *v,
		 const struct dbg_piece *p, size_t at, size_t n)
{
	uint8_t reg[16];
	size_t len, i;
	uint8_t st;
	struct lpd_error *err;

	switch (p->kind) {
	case DBG_PIECE_MEMORY:
		err = value_read(c->t, p->value, v->bytes + at, n);
		if (err != NULL && err->code == LPD_ERR_FAULT) {
			lpd_error_destroy(err);
			memset(v->avail + at, DBG_VALUE_ERROR, n);
			return NULL;
		}
		return err;
	case DBG_PIECE_REGISTER:
		value_reg_bytes(c, p->value, reg, &len, &st);
		if (st != DBG_VALUE_OK) {
			memset(v->avail + at, st, n);
			return NULL;
		}
		for (i = 0; i < n; i++)
			v->bytes[at + i] = i < len ? reg[i] : 0;
		return NULL;
	case DBG_PIECE_VALUE:
		value_store(v->bytes + at, n, p->value, value_big_endian(v));
		return NULL;
	case DBG_PIECE_IMPLICIT:
		for (i = 0; i < n; i++)
			v->bytes[at + i] = i < p->len ? p->data[i] : 0;
		return NULL;
	case DBG_PIECE_IMPLICIT_PTR:
		memset(v->avail + at, DBG_VALUE_SYNTHETIC, n);
		return NULL;
	default:
		memset(v->avail + at, DBG_VALUE_OPTIMIZED_OUT, n);
		return NULL;
	}
}

/* Fill V from LOC. */
static struct lpd_error *
value_from_loc(struct dbg_frame_ctx *c, struct dbg_value *v,
	       const struct dbg_loc *loc)
{
	struct lpd_error *err = NULL;
	size_t i, pos = 0;
	bool any_ok = false, all_ok = true;
	uint8_t first = DBG_VALUE_OK;

	if (loc->n == 0) {
		value_set_state(v, DBG_VALUE_OPTIMIZED_OUT, NULL);
		return NULL;
	}
	if (loc->n == 1 && loc->pieces[0].kind == DBG_PIECE_MEMORY &&
	    (loc->pieces[0].bits == 0 || loc->pieces[0].bits >= 8 * v->size)) {
		v->in_memory = true;
		v->address = loc->pieces[0].value;
		return value_load(v);
	}
	if (loc->n == 1 && loc->pieces[0].kind == DBG_PIECE_IMPLICIT_PTR) {
		value_set_state(v, DBG_VALUE_SYNTHETIC, NULL);
		return NULL;
	}
	if (v->size > VALUES_MAX_LOAD)
		return lpd_error_format(LPD_ERR_UNSUPPORTED, "value of %zu "
					"bytes in pieces", v->size);
	v->bytes = lpd_calloc(v->size != 0 ? v->size : 1, 1);
	v->avail = lpd_malloc(v->size != 0 ? v->size : 1);
	if (v->bytes == NULL || v->avail == NULL)
		return &lpd_enomem;
	memset(v->avail, DBG_VALUE_OPTIMIZED_OUT, v->size);
	for (i = 0; i < loc->n && pos < v->size && err == NULL; i++) {
		const struct dbg_piece *p = &loc->pieces[i];
		size_t n = p->bits != 0 ? (size_t)(p->bits / 8) : v->size - pos;

		if (n > v->size - pos)
			n = v->size - pos;
		if (p->bits % 8 != 0 || p->bit_offset % 8 != 0) {
			/* Sub-byte pieces: not modelled; optimized out. */
			pos += (size_t)((p->bits + 7) / 8);
			continue;
		}
		memset(v->avail + pos, DBG_VALUE_OK, n);
		err = value_fill_piece(c, v, p, pos, n);
		pos += n;
	}
	if (err != NULL)
		return err;
	for (i = 0; i < v->size; i++) {
		if (v->avail[i] == DBG_VALUE_OK) {
			any_ok = true;
		} else {
			if (all_ok)
				first = v->avail[i];
			all_ok = false;
		}
	}
	if (all_ok) {
		lpd_free(v->avail);
		v->avail = NULL;
	} else if (!any_ok) {
		if (first == DBG_VALUE_ERROR)
			value_set_state(v, DBG_VALUE_ERROR, "Cannot access "
					"memory");
		else
			value_set_state(v, first, NULL);
	}
	return NULL;
}

/* DW_AT_const_value of DIE into V. */
static struct lpd_error *
value_const(struct dbg_dwarf *d, Dwarf_Die die, Dwarf_Off off,
	    struct dbg_value *v)
{
	Dwarf_Debug dbg = dbg_dwarf_handle(d);
	Dwarf_Attribute a;
	Dwarf_Error e = NULL;
	Dwarf_Half form = 0;
	Dwarf_Block *blk = NULL;
	Dwarf_Signed sv = 0;
	Dwarf_Unsigned uv = 0;
	char *str = NULL;
	uint64_t x = 0;
	size_t i;

	if (dwarf_attr(die, DW_AT_const_value, &a, &e) != DW_DLV_OK)
		return dbg_dwarf_error(d, e, off, "reading DW_AT_const_value");
	v->bytes = lpd_calloc(v->size != 0 ? v->size : 1, 1);
	if (v->bytes == NULL) {
		dwarf_dealloc_attribute(a);
		return &lpd_enomem;
	}
	if (dwarf_whatform(a, &form, &e) != DW_DLV_OK)
		goto bad;
	switch (form) {
	case DW_FORM_block1:
	case DW_FORM_block2:
	case DW_FORM_block4:
	case DW_FORM_block:
	case DW_FORM_exprloc:
		if (dwarf_formblock(a, &blk, &e) != DW_DLV_OK)
			goto bad;
		memcpy(v->bytes, blk->bl_data,
		       blk->bl_len < v->size ? blk->bl_len : v->size);
		dwarf_dealloc(dbg, blk, DW_DLA_BLOCK);
		break;
	case DW_FORM_string:
	case DW_FORM_strp:
	case DW_FORM_line_strp:
	case DW_FORM_strx:
	case DW_FORM_strx1:
		if (dwarf_formstring(a, &str, &e) != DW_DLV_OK)
			goto bad;
		for (i = 0; i < v->size && str[i] != '\0'; i++)
			v->bytes[i] = (uint8_t)str[i];
		break;
	case DW_FORM_sdata:
	case DW_FORM_implicit_const:
		if (dwarf_formsdata(a, &sv, &e) != DW_DLV_OK)
			goto bad;
		x = (uint64_t)sv;
		goto scalar;
	default:
		if (dwarf_formudata(a, &uv, &e) != DW_DLV_OK)
			goto bad;
		x = uv;
scalar:
		value_store(v->bytes, v->size, x, value_big_endian(v));
		break;
	}
	dwarf_dealloc_attribute(a);
	return NULL;
bad:
	dwarf_dealloc_attribute(a);
	return dbg_dwarf_error(d, e, off, "reading DW_AT_const_value");
}

static struct lpd_error *value_entry_value(void *arg, const uint8_t *expr,
					   size_t len, uint64_t *ret);
static void value_loc_frame(struct dbg_frame_ctx *c,
			    struct dbg_loc_frame *lf);

/* The frame base of C's function, once. */
static void
value_frame_base(struct dbg_frame_ctx *c, struct dbg_loc_frame *lf)
{
	struct dbg_loc loc;
	Dwarf_Die die;
	Dwarf_Error e = NULL;
	struct lpd_error *err;
	bool found = false;
	uint8_t buf[16];
	size_t len;
	uint8_t st;

	if (c->func_die == 0 ||
	    dwarf_offdie_b(dbg_dwarf_handle(c->dwarf), c->func_die, 1, &die,
			   &e) != DW_DLV_OK) {
		if (e != NULL)
			dwarf_dealloc_error(dbg_dwarf_handle(c->dwarf), e);
		return;
	}
	err = dbg_loc_from_die(c->dwarf, die, c->func_die, DW_AT_frame_base,
			       lf, &loc, &found);
	dwarf_dealloc_die(die);
	if (err != NULL || !found || loc.n != 1) {
		lpd_error_destroy(err);
		return;
	}
	switch (loc.pieces[0].kind) {
	case DBG_PIECE_MEMORY:
	case DBG_PIECE_VALUE:
		lf->frame_base = loc.pieces[0].value;
		lf->has_frame_base = true;
		break;
	case DBG_PIECE_REGISTER:
		value_reg_bytes(c, loc.pieces[0].value, buf, &len, &st);
		if (st == DBG_VALUE_OK) {
			lf->frame_base = load_le(buf, len, false);
			lf->has_frame_base = true;
		}
		break;
	default:
		break;
	}
}

static void
value_loc_frame(struct dbg_frame_ctx *c, struct dbg_loc_frame *lf)
{
	struct dump *dump = dbg_target_dump(c->t);

	memset(lf, 0, sizeof(*lf));
	lf->arch = dump_get_arch(dump);
	lf->regs = &c->known;
	lf->read = dump_read_cb;
	lf->read_arg = dump;
	lf->pc = c->lookup;
	lf->cfa = c->raw != NULL ? c->raw->cfa : 0;
	lf->bias = c->bias;
	lf->entry_value = value_entry_value;
	lf->entry_arg = c;
	if (c->raw != NULL)
		value_frame_base(c, lf);
}

/* The call site in the subtree of DIE whose return address is PC: its
 * DIE offset in *ret (0: none). */
static struct lpd_error *
value_find_call_site(struct dbg_dwarf *d, Dwarf_Die die, uint64_t pc,
		     unsigned depth, Dwarf_Off *ret)
{
	Dwarf_Debug dbg = dbg_dwarf_handle(d);
	Dwarf_Die child = NULL, next = NULL;
	Dwarf_Error e = NULL;
	struct lpd_error *err = NULL;
	int res;

	if (depth > 64)
		return NULL;
	res = dwarf_child(die, &child, &e);
	while (res == DW_DLV_OK && err == NULL && *ret == 0) {
		Dwarf_Half tag = 0;
		Dwarf_Off off = 0;
		Dwarf_Addr a = 0;
		Dwarf_Attribute at;

		if (dwarf_tag(child, &tag, &e) == DW_DLV_OK &&
		    dwarf_dieoffset(child, &off, &e) == DW_DLV_OK) {
			if (tag == DW_TAG_call_site ||
			    tag == DW_TAG_GNU_call_site) {
				Dwarf_Half an = tag == DW_TAG_call_site ?
						DW_AT_call_return_pc
						: DW_AT_low_pc;

				if (dwarf_attr(child, an, &at, &e) ==
				    DW_DLV_OK) {
					if (dwarf_formaddr(at, &a, &e) ==
					    DW_DLV_OK && a == pc)
						*ret = off;
					dwarf_dealloc_attribute(at);
				}
			} else if (tag == DW_TAG_lexical_block ||
				   tag == DW_TAG_inlined_subroutine) {
				err = value_find_call_site(d, child, pc,
							   depth + 1, ret);
			}
		}
		if (e != NULL) {
			dwarf_dealloc_error(dbg, e);
			e = NULL;
		}
		res = dwarf_siblingof_b(dbg, child, 1, &next, &e);
		dwarf_dealloc_die(child);
		child = next;
		next = NULL;
	}
	if (res == DW_DLV_OK && child != NULL)
		dwarf_dealloc_die(child);
	if (e != NULL)
		dwarf_dealloc_error(dbg, e);
	return err;
}

/* The register a DW_OP_entry_value names: DW_OP_reg<n> or regx. */
static bool
value_entry_reg(const uint8_t *expr, size_t len, uint64_t *regno)
{
	if (len == 1 && expr[0] >= 0x50 && expr[0] <= 0x6f) {
		*regno = expr[0] - 0x50u;
		return true;
	}
	if (len >= 2 && expr[0] == 0x90) {
		struct lpd_reader r;

		lpd_reader_init(&r, expr + 1, len - 1, false, NULL, 0);
		return lpd_reader_uleb128(&r, regno) == NULL &&
		       lpd_reader_left(&r) == 0;
	}
	return false;
}

/* DW_OP_entry_value as gdb resolves it: the caller's call site for this
 * return address says what it passed in the register. */
static struct lpd_error *
value_entry_value(void *arg, const uint8_t *expr, size_t len, uint64_t *ret)
{
	struct dbg_frame_ctx *c = arg, cc;
	struct dbg_loc_frame lf;
	struct lpd_error *err;
	Dwarf_Debug dbg;
	Dwarf_Die fn = NULL, site = NULL, child = NULL, next = NULL;
	Dwarf_Error e = NULL;
	Dwarf_Off site_off = 0;
	uint64_t regno, v;
	size_t i, depth;
	int res;
	bool got = false;

	if (c->s == NULL || c->raw == NULL || c->entry_depth > 2 ||
	    c->scope_die != c->func_die || !value_entry_reg(expr, len, &regno))
		return lpd_error_format(LPD_ERR_NOT_FOUND, "no entry value");
	for (i = c->frame + 1; i < dbg_stack_frame_count(c->s); i++)
		if (dbg_stack_raw(c->s, i, &depth) != c->raw)
			break;
	if (i >= dbg_stack_frame_count(c->s))
		return lpd_error_format(LPD_ERR_NOT_FOUND, "no caller");
	err = dbg_frame_ctx_init(c->t, c->s, i, &cc);
	if (err != NULL)
		return err;
	cc.entry_depth = c->entry_depth + 1;
	if (cc.dwarf == NULL || cc.func_die == 0 || cc.raw->exact_pc)
		return lpd_error_format(LPD_ERR_NOT_FOUND, "no call site");
	dbg = dbg_dwarf_handle(cc.dwarf);
	if (dwarf_offdie_b(dbg, cc.func_die, 1, &fn, &e) != DW_DLV_OK)
		return dbg_dwarf_error(cc.dwarf, e, cc.func_die,
				       "reading caller");
	err = value_find_call_site(cc.dwarf, fn, cc.raw->pc - cc.bias, 0,
				   &site_off);
	dwarf_dealloc_die(fn);
	if (err != NULL || site_off == 0)
		return err != NULL ? err : lpd_error_format(LPD_ERR_NOT_FOUND,
							    "no call site");
	if (dwarf_offdie_b(dbg, site_off, 1, &site, &e) != DW_DLV_OK)
		return dbg_dwarf_error(cc.dwarf, e, site_off,
				       "reading call site");
	/* Only a direct call to this very function tells what this frame
	 * got, as gdb requires: an indirect call names no callee. */
	{
		const char *want = NULL, *have = NULL;
		Dwarf_Off origin = 0;
		Dwarf_Die o = NULL;
		bool found = false;

		err = dbg_dwarf_die_ref(cc.dwarf, site, DW_AT_call_origin,
					&origin, &found);
		if (err == NULL && !found)
			err = dbg_dwarf_die_ref(cc.dwarf, site,
						DW_AT_abstract_origin, &origin,
						&found);
		if (err == NULL && found && cc.dwarf == c->dwarf &&
		    dwarf_offdie_b(dbg, origin, 1, &o, &e) == DW_DLV_OK) {
			err = dbg_dwarf_die_string(cc.dwarf, o, DW_AT_name,
						   &have);
			dwarf_dealloc_die(o);
			if (err == NULL &&
			    dwarf_offdie_b(dbg, c->func_die, 1, &o, &e) ==
			    DW_DLV_OK) {
				err = dbg_dwarf_die_string(c->dwarf, o,
							   DW_AT_name, &want);
				dwarf_dealloc_die(o);
			}
		}
		if (e != NULL)
			dwarf_dealloc_error(dbg, e);
		e = NULL;
		if (err != NULL || have == NULL || want == NULL ||
		    strcmp(have, want) != 0) {
			dwarf_dealloc_die(site);
			return err != NULL ? err : lpd_error_format(
				LPD_ERR_NOT_FOUND, "call site of another "
				"function");
		}
	}
	value_loc_frame(&cc, &lf);
	res = dwarf_child(site, &child, &e);
	while (res == DW_DLV_OK && !got && err == NULL) {
		Dwarf_Attribute at;
		Dwarf_Unsigned el = 0;
		Dwarf_Ptr ep = NULL;
		uint64_t r2;

		if (dwarf_attr(child, DW_AT_location, &at, &e) == DW_DLV_OK) {
			if (dwarf_formexprloc(at, &el, &ep, &e) == DW_DLV_OK &&
			    value_entry_reg(ep, (size_t)el, &r2) &&
			    r2 == regno) {
				Dwarf_Attribute cv;

				dwarf_dealloc_attribute(at);
				at = NULL;
				if (dwarf_attr(child, DW_AT_call_value, &cv,
					       &e) == DW_DLV_OK ||
				    (e == NULL &&
				     dwarf_attr(child,
						DW_AT_GNU_call_site_value,
						&cv, &e) == DW_DLV_OK)) {
					if (dwarf_formexprloc(cv, &el, &ep,
							      &e) ==
					    DW_DLV_OK) {
						struct dbg_expr_ctx x = {
						    .regs = lf.regs,
						    .read = lf.read,
						    .read_arg = lf.read_arg,
						    .addr_size =
							lf.arch->addr_size,
						    .big_endian =
							lf.arch->big_endian,
						    .frame_base =
							lf.has_frame_base ?
							&lf.frame_base : NULL,
						    .cfa = lf.cfa != 0 ?
							&lf.cfa : NULL,
						    .addr_bias = lf.bias,
						    .entry_value =
							value_entry_value,
						    .entry_arg = &cc,
						};

						err = dbg_expr_eval(&x, ep,
							(size_t)el,
							dbg_dwarf_elf(
							cc.dwarf)->path,
							site_off, NULL, &v);
						got = err == NULL;
					}
					dwarf_dealloc_attribute(cv);
				}
			}
			if (at != NULL)
				dwarf_dealloc_attribute(at);
		}
		if (e != NULL) {
			dwarf_dealloc_error(dbg, e);
			e = NULL;
		}
		res = dwarf_siblingof_b(dbg, child, 1, &next, &e);
		dwarf_dealloc_die(child);
		child = next;
		next = NULL;
	}
	if (res == DW_DLV_OK && child != NULL)
		dwarf_dealloc_die(child);
	if (e != NULL)
		dwarf_dealloc_error(dbg, e);
	dwarf_dealloc_die(site);
	if (err != NULL)
		return err;
	if (!got)
		return lpd_error_format(LPD_ERR_NOT_FOUND, "no parameter");
	*ret = v;
	return NULL;
}

struct lpd_error *
dbg_value_of_var(struct dbg_frame_ctx *c, struct dbg_dwarf *d, uint64_t bias,
		 Dwarf_Off off, struct dbg_value **ret)
{
	struct lpd_error *err;
	const struct dbg_type *type;
	struct dbg_loc_frame lf;
	struct dbg_value *v = NULL;
	struct dbg_loc *loc = NULL;
	const char *name = NULL;
	Dwarf_Die die = NULL;
	Dwarf_Error e = NULL;
	bool found = false;

	if (dwarf_offdie_b(dbg_dwarf_handle(d), off, 1, &die, &e) !=
	    DW_DLV_OK)
		return dbg_dwarf_error(d, e, off, "reading variable");
	err = dbg_dwarf_die_string(d, die, DW_AT_name, &name);
	if (err == NULL)
		err = dbg_type_of_die(d, die, off, &type);
	if (err != NULL)
		goto out;
	v = dbg_value_new(c->t, type);
	loc = lpd_malloc(sizeof(*loc));
	if (v == NULL || loc == NULL ||
	    (name != NULL && (v->name = lpd_strdup(name)) == NULL)) {
		err = &lpd_enomem;
		goto out;
	}
	{
		Dwarf_Bool has = 0;

		if (dwarf_hasattr(die, DW_AT_const_value, &has, &e) ==
		    DW_DLV_OK && has) {
			err = value_const(d, die, off, v);
			goto out;
		}
		if (e != NULL)
			dwarf_dealloc_error(dbg_dwarf_handle(d), e);
	}
	value_loc_frame(c, &lf);
	if (d != c->dwarf) {
		/* A global of another module: no frame there. */
		memset(&lf, 0, sizeof(lf));
		lf.arch = dump_get_arch(dbg_target_dump(c->t));
		lf.read = dump_read_cb;
		lf.read_arg = dbg_target_dump(c->t);
	}
	lf.bias = bias;
	err = dbg_loc_from_die(d, die, off, DW_AT_location, &lf, loc, &found);
	if (err != NULL) {
		if (err->code == LPD_ERR_FAULT) {
			err = value_fault(v, err);
		} else if (loc->not_saved) {
			lpd_error_destroy(err);
			err = NULL;
			value_set_state(v, DBG_VALUE_NOT_SAVED, NULL);
		} else {
			/* What we cannot evaluate, we say, and go on. */
			value_set_state(v, DBG_VALUE_ERROR, err->message);
			lpd_error_destroy(err);
			err = v->error == NULL ? &lpd_enomem : NULL;
		}
		goto out;
	}
	if (!found) {
		value_set_state(v, DBG_VALUE_OPTIMIZED_OUT, NULL);
		goto out;
	}
	err = value_from_loc(c, v, loc);
out:
	lpd_free(loc);
	dwarf_dealloc_die(die);
	if (err != NULL) {
		dbg_value_destroy(v);
		return err;
	}
	*ret = v;
	return NULL;
}

/* ---- the variables of a frame ------------------------------------------ */

struct vars_list {
	Dwarf_Off *dies;
	size_t n, cap;
};

static struct lpd_error *
vars_add(struct vars_list *l, Dwarf_Off off)
{
	struct lpd_error *err;

	if (l->n >= VALUES_MAX_VARS)
		return NULL;
	err = lpd_vec_reserve((void **)&l->dies, &l->cap, l->n + 1,
			      sizeof(*l->dies));
	if (err == NULL)
		l->dies[l->n++] = off;
	return err;
}

static bool
vars_has_attr(struct dbg_dwarf *d, Dwarf_Die die, Dwarf_Half attr)
{
	Dwarf_Bool has = 0;
	Dwarf_Error e = NULL;

	if (dwarf_hasattr(die, attr, &has, &e) != DW_DLV_OK) {
		if (e != NULL)
			dwarf_dealloc_error(dbg_dwarf_handle(d), e);
		return false;
	}
	return has != 0;
}

/* Locals of the block DIE and of the nested blocks holding PC, innermost
 * block first as gdb lists them; parameters when ARGS. */
static struct lpd_error *
vars_collect(struct dbg_dwarf *d, Dwarf_Die die, uint64_t pc, bool args,
	     struct vars_list *out, unsigned depth)
{
	Dwarf_Debug dbg = dbg_dwarf_handle(d);
	struct vars_list own = { 0 };
	struct lpd_error *err = NULL;
	Dwarf_Die child = NULL, next = NULL;
	Dwarf_Error e = NULL;
	size_t i;
	int res;

	if (depth > VALUES_MAX_BLOCK_DEPTH)
		return NULL;
	res = dwarf_child(die, &child, &e);
	if (res == DW_DLV_ERROR)
		return dbg_dwarf_error(d, e, 0, "reading scope");
	while (res == DW_DLV_OK && err == NULL) {
		Dwarf_Half tag = 0;
		Dwarf_Off off = 0;
		bool has = false, in = false;

		if (dwarf_tag(child, &tag, &e) != DW_DLV_OK ||
		    dwarf_dieoffset(child, &off, &e) != DW_DLV_OK) {
			err = dbg_dwarf_error(d, e, 0, "reading scope");
			break;
		}
		if (args && tag == DW_TAG_formal_parameter) {
			err = vars_add(&own, off);
		} else if (!args && tag == DW_TAG_variable &&
			   !vars_has_attr(d, child, DW_AT_declaration)) {
			err = vars_add(&own, off);
		} else if (!args && tag == DW_TAG_lexical_block) {
			err = dbg_dwarf_die_pc_ranges(d, child, off, pc, &has,
						      &in);
			/* A block without ranges lends its variables to the
			 * enclosing one, as gdb reads it. */
			if (err == NULL && !has)
				err = vars_collect(d, child, pc, args, &own,
						   depth + 1);
			else if (err == NULL && in)
				err = vars_collect(d, child, pc, args, out,
						   depth + 1);
		}
		if (err != NULL)
			break;
		res = dwarf_siblingof_b(dbg, child, 1, &next, &e);
		dwarf_dealloc_die(child);
		child = next;
		if (res == DW_DLV_ERROR)
			err = dbg_dwarf_error(d, e, 0, "reading scope");
	}
	if (res == DW_DLV_OK && child != NULL && err != NULL)
		dwarf_dealloc_die(child);
	for (i = 0; err == NULL && i < own.n; i++)
		err = vars_add(out, own.dies[i]);
	lpd_free(own.dies);
	return err;
}

void
dbg_vars_free(struct dbg_var *vars, size_t n)
{
	size_t i;

	if (vars == NULL)
		return;
	for (i = 0; i < n; i++)
		dbg_value_destroy(vars[i].value);
	lpd_free(vars);
}

struct lpd_error *
dbg_frame_vars(struct dbg_target *t, const struct dbg_stack *s, size_t frame,
	       unsigned which, struct dbg_var **ret, size_t *n_ret)
{
	struct dbg_frame_ctx c;
	struct vars_list locals = { 0 }, args = { 0 };
	struct dbg_var *vars = NULL;
	struct lpd_error *err;
	Dwarf_Die die = NULL;
	Dwarf_Error e = NULL;
	size_t n = 0, i, k;

	err = dbg_frame_ctx_init(t, s, frame, &c);
	if (err != NULL)
		return err;
	if (c.dwarf == NULL || c.scope_die == 0) {
		*ret = NULL;
		*n_ret = 0;
		return NULL;
	}
	if (dwarf_offdie_b(dbg_dwarf_handle(c.dwarf), c.scope_die, 1, &die,
			   &e) != DW_DLV_OK)
		return dbg_dwarf_error(c.dwarf, e, c.scope_die,
				       "reading scope");
	if (which & DBG_VARS_LOCALS)
		err = vars_collect(c.dwarf, die, c.lookup, false, &locals, 0);
	if (err == NULL && (which & DBG_VARS_ARGS))
		err = vars_collect(c.dwarf, die, c.lookup, true, &args, 0);
	dwarf_dealloc_die(die);
	if (err == NULL && locals.n + args.n > 0) {
		vars = lpd_calloc(locals.n + args.n, sizeof(*vars));
		if (vars == NULL)
			err = &lpd_enomem;
	}
	for (k = 0; err == NULL && k < 2; k++) {
		const struct vars_list *l = k == 0 ? &args : &locals;

		for (i = 0; err == NULL && i < l->n; i++) {
			err = dbg_value_of_var(&c, c.dwarf, c.bias,
					       l->dies[i], &vars[n].value);
			if (err != NULL)
				break;
			vars[n].name = vars[n].value->name != NULL ?
				       vars[n].value->name : "?";
			vars[n].is_arg = k == 0;
			vars[n].value->is_arg = k == 0;
			n++;
		}
	}
	lpd_free(locals.dies);
	lpd_free(args.dies);
	if (err != NULL) {
		dbg_vars_free(vars, n);
		return err;
	}
	*ret = vars;
	*n_ret = n;
	return NULL;
}

/* ---- registers for info registers --------------------------------------- */

bool
dbg_frame_register(struct dbg_target *t, const struct dbg_stack *s,
		   size_t frame, unsigned regno, uint64_t *ret)
{
	struct dbg_frame_ctx c;
	struct lpd_error *err = dbg_frame_ctx_init(t, s, frame, &c);

	if (err != NULL) {
		lpd_error_destroy(err);
		return false;
	}
	if (!dump_regs_has(&c.known, regno))
		return false;
	*ret = c.known.value[regno];
	return true;
}
