/* debugger/types.c - DWARF types as struct dbg_type, built once per DIE and
 * kept with the file's DWARF; C declarators and gdb's ptype; a name index
 * of CU-level variables, functions and types. Values are values.c's. */
#include <stdlib.h>
#include <string.h>

#include "debugger/dwarf-int.h"

enum {
	/* Nested type DIEs followed while building one type: deeper is
	 * hostile (a pointer chain through structs stops at the cache). */
	TYPES_MAX_DEPTH = 200,
	/* Members, enumerators, params or dimensions of one type. */
	TYPES_MAX_CHILDREN = 65536,
	TYPES_MAX_PTYPE_DEPTH = 16,
};

struct types_slot {
	Dwarf_Off die;
	struct dbg_type *type;
};

struct types_name {
	const char *name;	/* borrowed from libdwarf */
	Dwarf_Off die, cu;
	uint8_t kind;		/* enum dbg_global_kind */
	bool definition;	/* has a location, code or members */
};

struct dbg_types {
	struct dbg_dwarf *dwarf;	/* NULL: a scratch table */
	unsigned addr_size;		/* bytes of the pointers made here */
	/* Pointers to builtins: these are const, so the cache lives here. */
	const struct dbg_type *builtin_ptr[DBG_BUILTIN_COUNT];
	/* Builtins whose size is the target's (long on ILP32), or NULL. */
	const struct dbg_type *sized[DBG_BUILTIN_COUNT];
	/* Register types (int32_t, uint32_t...): a target needs one or
	 * two, made on first use. */
	const struct dbg_type *reg_int[4];
	struct types_slot *slots;	/* open addressing, power of 2 */
	size_t cap_slots, n_slots;
	struct dbg_type **all;		/* every type made, for freeing */
	size_t n_all, cap_all;
	unsigned depth;
	bool indexed;
	struct types_name *names;
	size_t n_names, cap_names;
};

static struct dbg_type *types_alloc(struct dbg_types *ts, uint8_t kind);

/* ---- the table ---------------------------------------------------------- */

static struct dbg_types *
types_new(struct dbg_dwarf *d)
{
	struct dbg_types *ts = lpd_calloc(1, sizeof(*ts));

	if (ts != NULL) {
		ts->dwarf = d;
		/* The file's class, as for DWARF pointer types without
		 * DW_AT_byte_size: x32 is ELFCLASS32 on a 64-bit machine. */
		ts->addr_size = d != NULL && dbg_dwarf_elf(d)->elfclass ==
					     ELFCLASS32 ? 4 : 8;
	}
	return ts;
}

/* A copy of builtin WHICH in TS with TS's address size. */
static struct lpd_error *
types_sized(struct dbg_types *ts, enum dbg_builtin which)
{
	const struct dbg_type *b = dbg_type_builtin(which);
	struct dbg_type *t = types_alloc(ts, b->kind);

	if (t == NULL)
		return &lpd_enomem;
	t->is_signed = b->is_signed;
	t->has_size = true;
	t->size = ts->addr_size;
	t->name = lpd_strdup(b->name);
	if (t->name == NULL)
		return &lpd_enomem;
	ts->sized[which] = t;
	return NULL;
}

struct lpd_error *
dbg_types_create_scratch(unsigned addr_size, struct dbg_types **ret)
{
	struct lpd_error *err;
	struct dbg_types *ts;

	if (addr_size != 4 && addr_size != 8)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "unsupported "
					"address size %u", addr_size);
	ts = types_new(NULL);
	if (ts == NULL)
		return &lpd_enomem;
	ts->addr_size = addr_size;
	/* Every 32-bit target we read (i386, ppc, s390, x32) is ILP32: long
	 * is as wide as an address there. */
	if (addr_size != 8) {
		err = types_sized(ts, DBG_BUILTIN_LONG);
		if (err == NULL)
			err = types_sized(ts, DBG_BUILTIN_ULONG);
		if (err != NULL) {
			dbg_types_destroy(ts);
			return err;
		}
	}
	*ret = ts;
	return NULL;
}

struct lpd_error *
dbg_types_register_int(struct dbg_types *scratch, const char *name,
		       unsigned size, bool is_signed,
		       const struct dbg_type **ret)
{
	size_t i, n = sizeof(scratch->reg_int) / sizeof(scratch->reg_int[0]);
	struct dbg_type *t;

	for (i = 0; i < n && scratch->reg_int[i] != NULL; i++) {
		const struct dbg_type *r = scratch->reg_int[i];

		if (strcmp(r->name, name) == 0 && r->size == size &&
		    r->is_signed == is_signed) {
			*ret = r;
			return NULL;
		}
	}
	if (i == n)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "too many "
					"register types");
	t = types_alloc(scratch, DBG_TYPE_INT);
	if (t == NULL)
		return &lpd_enomem;
	t->is_signed = is_signed;
	t->has_size = true;
	t->size = size;
	t->name = lpd_strdup(name);
	if (t->name == NULL)
		return &lpd_enomem;
	scratch->reg_int[i] = t;
	*ret = t;
	return NULL;
}

const struct dbg_type *
dbg_types_builtin(const struct dbg_types *scratch, enum dbg_builtin which)
{
	if (scratch != NULL && (unsigned)which < DBG_BUILTIN_COUNT &&
	    scratch->sized[which] != NULL)
		return scratch->sized[which];
	return dbg_type_builtin(which);
}

static void
types_free_type(struct dbg_type *t)
{
	size_t i;

	for (i = 0; i < t->n_members; i++)
		lpd_free(t->members[i].name);
	for (i = 0; i < t->n_enums; i++)
		lpd_free(t->enums[i].name);
	lpd_free(t->members);
	lpd_free(t->enums);
	lpd_free(t->params);
	lpd_free(t->name);
	lpd_free(t);
}

void
dbg_types_destroy(struct dbg_types *ts)
{
	size_t i;

	if (ts == NULL)
		return;
	for (i = 0; i < ts->n_all; i++)
		types_free_type(ts->all[i]);
	lpd_free(ts->all);
	lpd_free(ts->slots);
	lpd_free(ts->names);
	lpd_free(ts);
}

static struct dbg_type *
types_alloc(struct dbg_types *ts, uint8_t kind)
{
	struct dbg_type *t;

	if (lpd_vec_reserve((void **)&ts->all, &ts->cap_all, ts->n_all + 1,
			    sizeof(*ts->all)) != NULL)
		return NULL;
	t = lpd_calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->kind = kind;
	t->owner = ts;
	ts->all[ts->n_all++] = t;
	return t;
}

static size_t
types_hash(Dwarf_Off die)
{
	uint64_t h = die * UINT64_C(0x9e3779b97f4a7c15);

	return (size_t)(h >> 17);
}

static struct dbg_type *
types_lookup(const struct dbg_types *ts, Dwarf_Off die)
{
	size_t i, mask;

	if (ts->cap_slots == 0)
		return NULL;
	mask = ts->cap_slots - 1;
	for (i = types_hash(die) & mask; ts->slots[i].type != NULL;
	     i = (i + 1) & mask)
		if (ts->slots[i].die == die)
			return ts->slots[i].type;
	return NULL;
}

static struct lpd_error *
types_insert(struct dbg_types *ts, Dwarf_Off die, struct dbg_type *t)
{
	size_t i, mask;

	if ((ts->n_slots + 1) * 2 > ts->cap_slots) {
		size_t cap = ts->cap_slots != 0 ? ts->cap_slots * 2 : 256;
		struct types_slot *old = ts->slots, *s;
		size_t old_cap = ts->cap_slots;

		s = lpd_calloc(cap, sizeof(*s));
		if (s == NULL)
			return &lpd_enomem;
		ts->slots = s;
		ts->cap_slots = cap;
		ts->n_slots = 0;
		for (i = 0; i < old_cap; i++)
			if (old[i].type != NULL)
				types_insert(ts, old[i].die, old[i].type);
		lpd_free(old);
	}
	mask = ts->cap_slots - 1;
	for (i = types_hash(die) & mask; ts->slots[i].type != NULL;
	     i = (i + 1) & mask)
		;
	ts->slots[i].die = die;
	ts->slots[i].type = t;
	ts->n_slots++;
	return NULL;
}

static struct dbg_types *
types_of(struct dbg_dwarf *d)
{
	struct dbg_types **slot = dbg_dwarf_types_slot(d);

	if (*slot == NULL)
		*slot = types_new(d);
	return *slot;
}

/* ---- builtins --------------------------------------------------------- */

#define BUILTIN(k, n, sz, sg) \
	{ .kind = (k), .name = (char *)(n), .size = (sz), .is_signed = (sg), \
	  .has_size = true }

static const struct dbg_type types_builtin[DBG_BUILTIN_COUNT] = {
	[DBG_BUILTIN_VOID] = { .kind = DBG_TYPE_VOID, .name = (char *)"void",
			       .size = 1 },
	[DBG_BUILTIN_INT] = BUILTIN(DBG_TYPE_INT, "int", 4, true),
	[DBG_BUILTIN_UINT] = BUILTIN(DBG_TYPE_INT, "unsigned int", 4, false),
	[DBG_BUILTIN_LONG] = BUILTIN(DBG_TYPE_INT, "long", 8, true),
	[DBG_BUILTIN_ULONG] = BUILTIN(DBG_TYPE_INT, "unsigned long", 8,
				      false),
	[DBG_BUILTIN_CHAR] = BUILTIN(DBG_TYPE_CHAR, "char", 1, true),
	[DBG_BUILTIN_DOUBLE] = BUILTIN(DBG_TYPE_FLOAT, "double", 8, true),
	[DBG_BUILTIN_BOOL] = BUILTIN(DBG_TYPE_BOOL, "_Bool", 1, false),
	[DBG_BUILTIN_LONGLONG] = BUILTIN(DBG_TYPE_INT, "long long", 8, true),
	[DBG_BUILTIN_ULONGLONG] = BUILTIN(DBG_TYPE_INT, "unsigned long long",
					  8, false),
	[DBG_BUILTIN_CODE_PTR] = { .kind = DBG_TYPE_POINTER, .size = 8,
				   .has_size = true,
				   .target = &types_builtin[DBG_BUILTIN_VOID_FUNC] },
	[DBG_BUILTIN_DATA_PTR] = { .kind = DBG_TYPE_POINTER, .size = 8,
				   .has_size = true,
				   .target = &types_builtin[DBG_BUILTIN_VOID] },
	[DBG_BUILTIN_INT64] = BUILTIN(DBG_TYPE_INT, "long", 8, true),
	[DBG_BUILTIN_FLOAT] = BUILTIN(DBG_TYPE_FLOAT, "float", 4, true),
	[DBG_BUILTIN_SHORT] = BUILTIN(DBG_TYPE_INT, "short", 2, true),
	[DBG_BUILTIN_USHORT] = BUILTIN(DBG_TYPE_INT, "unsigned short", 2,
				       false),
	[DBG_BUILTIN_UCHAR] = BUILTIN(DBG_TYPE_CHAR, "unsigned char", 1,
				      false),
	[DBG_BUILTIN_SCHAR] = BUILTIN(DBG_TYPE_CHAR, "signed char", 1, true),
	/* "void ()", the pc's pointee. */
	[DBG_BUILTIN_VOID_FUNC] = { .kind = DBG_TYPE_FUNC,
				     .target = &types_builtin[DBG_BUILTIN_VOID] },
};

const struct dbg_type *
dbg_type_builtin(enum dbg_builtin which)
{
	if ((unsigned)which >= DBG_BUILTIN_COUNT)
		which = DBG_BUILTIN_INT;
	return &types_builtin[which];
}

/* ---- helpers -------------------------------------------------------------- */

const struct dbg_type *
dbg_type_strip_cv(const struct dbg_type *t)
{
	unsigned n = 0;

	while (t != NULL && (t->kind == DBG_TYPE_CONST ||
			     t->kind == DBG_TYPE_VOLATILE) && n++ < 64)
		t = t->target;
	return t;
}

const struct dbg_type *
dbg_type_strip(const struct dbg_type *t)
{
	unsigned n = 0;

	while (t != NULL && (t->kind == DBG_TYPE_CONST ||
			     t->kind == DBG_TYPE_VOLATILE ||
			     t->kind == DBG_TYPE_TYPEDEF) && n++ < 64)
		t = t->target;
	return t;
}

uint64_t
dbg_type_size(const struct dbg_type *t)
{
	const struct dbg_type *s = dbg_type_strip(t);

	if (s == NULL || s->kind == DBG_TYPE_VOID || s->kind == DBG_TYPE_FUNC)
		return s != NULL && s->kind == DBG_TYPE_VOID ? 1 : 0;
	if (s->kind == DBG_TYPE_ARRAY && !s->has_size) {
		uint64_t e = dbg_type_size(s->target);

		if (s->flexible || (e != 0 && s->count > UINT64_MAX / e))
			return 0;
		return e * s->count;
	}
	return s->size;
}

struct lpd_error *
dbg_type_pointer_to(struct dbg_types *scratch, const struct dbg_type *t,
		    const struct dbg_type **ret)
{
	struct dbg_types *ts = t->owner != NULL ? t->owner : scratch;
	const struct dbg_type **slot = NULL;
	struct dbg_type *p;
	size_t i;

	if (t->ptr_to != NULL) {
		*ret = t->ptr_to;
		return NULL;
	}
	for (i = 0; t->owner == NULL && i < DBG_BUILTIN_COUNT; i++) {
		if (t != &types_builtin[i])
			continue;
		slot = &scratch->builtin_ptr[i];
		if (*slot != NULL) {
			*ret = *slot;
			return NULL;
		}
		break;
	}
	/* A DWARF type belongs to its object's table, shared by every
	 * target of that build-id: its pointer type is made in the same
	 * table and cached on it, so it lives exactly as long. Builtins are
	 * const and have no table: theirs go to the target's scratch. Both
	 * tables know the size of an address (the file's class, the core's
	 * architecture): 4 on i386, ppc, s390 and x32. */
	p = types_alloc(ts, DBG_TYPE_POINTER);
	if (p == NULL)
		return &lpd_enomem;
	p->size = ts->addr_size;
	p->has_size = true;
	p->target = t;
	if (slot != NULL)
		*slot = p;
	else if (t->owner != NULL)
		((struct dbg_type *)t)->ptr_to = p;
	*ret = p;
	return NULL;
}

struct lpd_error *
dbg_type_array_of(struct dbg_types *scratch, const struct dbg_type *t,
		  uint64_t count, const struct dbg_type **ret)
{
	struct dbg_type *a = types_alloc(scratch, DBG_TYPE_ARRAY);

	if (a == NULL)
		return &lpd_enomem;
	a->target = t;
	a->count = count;
	a->size = count * dbg_type_size(t);
	a->has_size = true;
	*ret = a;
	return NULL;
}

/* ---- reading DIEs ------------------------------------------------------------ */

static struct lpd_error *
types_offdie(struct dbg_dwarf *d, Dwarf_Off off, Dwarf_Die *ret)
{
	Dwarf_Error e = NULL;

	if (dwarf_offdie_b(dbg_dwarf_handle(d), off, 1, ret, &e) != DW_DLV_OK)
		return dbg_dwarf_error(d, e, off, "reading DIE");
	return NULL;
}

static bool
types_has_attr(struct dbg_dwarf *d, Dwarf_Die die, Dwarf_Half attr)
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

struct lpd_error *
dbg_dwarf_die_ref(struct dbg_dwarf *d, Dwarf_Die die, Dwarf_Half attr,
		  Dwarf_Off *ret, bool *found)
{
	Dwarf_Attribute a;
	Dwarf_Error e = NULL;
	Dwarf_Off off = 0;
	Dwarf_Half form = 0;
	int res;

	*found = false;
	res = dwarf_attr(die, attr, &a, &e);
	if (res == DW_DLV_ERROR)
		return dbg_dwarf_error(d, e, 0, "reading attribute");
	if (res == DW_DLV_NO_ENTRY)
		return NULL;
	if (dwarf_whatform(a, &form, &e) == DW_DLV_OK &&
	    form != DW_FORM_GNU_ref_alt && form != DW_FORM_ref_sup4 &&
	    form != DW_FORM_ref_sup8 &&
	    dwarf_global_formref(a, &off, &e) == DW_DLV_OK) {
		*ret = off;
		*found = true;
	}
	if (e != NULL)
		dwarf_dealloc_error(dbg_dwarf_handle(d), e);
	dwarf_dealloc_attribute(a);
	return NULL;
}

struct lpd_error *
dbg_dwarf_die_string(struct dbg_dwarf *d, Dwarf_Die die, Dwarf_Half attr,
		     const char **ret)
{
	static const Dwarf_Half links[] = {
		DW_AT_abstract_origin, DW_AT_specification,
	};
	Dwarf_Debug dbg = dbg_dwarf_handle(d);
	Dwarf_Die cur = die, next = NULL;
	struct lpd_error *err = NULL;
	unsigned hop;

	*ret = NULL;
	for (hop = 0; hop < 16; hop++) {
		Dwarf_Attribute a;
		Dwarf_Error e = NULL;
		Dwarf_Off off = 0;
		bool found = false;
		char *s = NULL;
		size_t k;

		if (dwarf_attr(cur, attr, &a, &e) == DW_DLV_OK) {
			if (dwarf_formstring(a, &s, &e) == DW_DLV_OK)
				*ret = s;
			dwarf_dealloc_attribute(a);
		}
		if (e != NULL)
			dwarf_dealloc_error(dbg, e);
		if (*ret != NULL)
			break;
		for (k = 0; k < 2 && !found && err == NULL; k++)
			err = dbg_dwarf_die_ref(d, cur, links[k], &off,
						&found);
		if (err != NULL || !found)
			break;
		err = types_offdie(d, off, &next);
		if (cur != die)
			dwarf_dealloc_die(cur);
		cur = die;
		if (err != NULL)
			break;
		cur = next;
	}
	if (cur != die)
		dwarf_dealloc_die(cur);
	return err;
}

/* gcc's base type names as gdb prints C types. */
static const char *
types_c_name(const char *s)
{
	static const char *const map[][2] = {
		{ "short int", "short" },
		{ "short unsigned int", "unsigned short" },
		{ "long int", "long" },
		{ "long unsigned int", "unsigned long" },
		{ "long long int", "long long" },
		{ "long long unsigned int", "unsigned long long" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(s, map[i][0]) == 0)
			return map[i][1];
	return s;
}

static struct lpd_error *
types_name_dup(struct dbg_dwarf *d, Dwarf_Die die, char **ret)
{
	const char *s = NULL;
	struct lpd_error *err;

	*ret = NULL;
	err = dbg_dwarf_die_string(d, die, DW_AT_name, &s);
	if (err != NULL || s == NULL)
		return err;
	*ret = lpd_strdup(s);
	return *ret == NULL ? &lpd_enomem : NULL;
}

static struct lpd_error *types_build(struct dbg_types *ts, Dwarf_Off off,
				     const struct dbg_type **ret);

struct lpd_error *
dbg_type_of_die(struct dbg_dwarf *d, Dwarf_Die die, Dwarf_Off off,
		const struct dbg_type **ret)
{
	static const Dwarf_Half links[] = {
		DW_AT_abstract_origin, DW_AT_specification,
	};
	struct lpd_error *err;
	struct dbg_types *ts = types_of(d);
	Dwarf_Die cur = die, next;
	Dwarf_Off to = 0, link = 0;
	bool found = false, have_link;
	unsigned hop;
	size_t k;

	(void)off;
	if (ts == NULL)
		return &lpd_enomem;
	/* DW_AT_type of DIE or of its abstract origin / specification. */
	for (hop = 0; hop < 16; hop++) {
		err = dbg_dwarf_die_ref(d, cur, DW_AT_type, &to, &found);
		if (err != NULL || found)
			break;
		have_link = false;
		for (k = 0; k < 2 && !have_link && err == NULL; k++)
			err = dbg_dwarf_die_ref(d, cur, links[k], &link,
						&have_link);
		if (err != NULL || !have_link)
			break;
		err = types_offdie(d, link, &next);
		if (cur != die)
			dwarf_dealloc_die(cur);
		cur = die;
		if (err != NULL)
			break;
		cur = next;
	}
	if (cur != die)
		dwarf_dealloc_die(cur);
	if (err != NULL)
		return err;
	if (!found) {
		*ret = dbg_type_builtin(DBG_BUILTIN_VOID);
		return NULL;
	}
	return types_build(ts, to, ret);
}

static bool
types_cu_is_cpp(struct dbg_dwarf *d, Dwarf_Die die)
{
	Dwarf_Debug dbg = dbg_dwarf_handle(d);
	Dwarf_Error e = NULL;
	Dwarf_Off cu_off = 0;
	Dwarf_Die cu = NULL;
	Dwarf_Unsigned lang = 0;
	bool cpp = false;

	if (dwarf_CU_dieoffset_given_die(die, &cu_off, &e) != DW_DLV_OK ||
	    dwarf_offdie_b(dbg, cu_off, 1, &cu, &e) != DW_DLV_OK) {
		if (e != NULL)
			dwarf_dealloc_error(dbg, e);
		return false;
	}
	if (dwarf_srclang(cu, &lang, &e) == DW_DLV_OK)
		cpp = lang == DW_LANG_C_plus_plus ||
		      lang == DW_LANG_C_plus_plus_03 ||
		      lang == DW_LANG_C_plus_plus_11 ||
		      lang == DW_LANG_C_plus_plus_14;
	if (e != NULL)
		dwarf_dealloc_error(dbg, e);
	dwarf_dealloc_die(cu);
	return cpp;
}

/* Children of DIE, one at a time: *child NULL at the end. */
static struct lpd_error *
types_next_child(struct dbg_dwarf *d, Dwarf_Die parent, Dwarf_Die *child)
{
	Dwarf_Debug dbg = dbg_dwarf_handle(d);
	Dwarf_Error e = NULL;
	Dwarf_Die next = NULL;
	int res;

	if (*child == NULL)
		res = dwarf_child(parent, &next, &e);
	else
		res = dwarf_siblingof_b(dbg, *child, 1, &next, &e);
	if (*child != NULL)
		dwarf_dealloc_die(*child);
	*child = NULL;
	if (res == DW_DLV_ERROR)
		return dbg_dwarf_error(d, e, 0, "reading DIE children");
	if (res == DW_DLV_OK)
		*child = next;
	return NULL;
}

/* DW_AT_data_member_location: a constant, or DW_OP_plus_uconst N. */
static struct lpd_error *
types_member_location(struct dbg_dwarf *d, Dwarf_Die die, Dwarf_Off off,
		      uint64_t *ret)
{
	Dwarf_Debug dbg = dbg_dwarf_handle(d);
	Dwarf_Attribute a;
	Dwarf_Error e = NULL;
	Dwarf_Half form = 0;
	Dwarf_Unsigned len = 0;
	Dwarf_Ptr ptr = NULL;
	struct lpd_reader r;
	struct lpd_error *err = NULL;
	uint8_t op;
	int res;

	*ret = 0;
	res = dwarf_attr(die, DW_AT_data_member_location, &a, &e);
	if (res != DW_DLV_OK) {
		if (e != NULL)
			dwarf_dealloc_error(dbg, e);
		return NULL;
	}
	if (dwarf_whatform(a, &form, &e) == DW_DLV_OK &&
	    (form == DW_FORM_exprloc || form == DW_FORM_block1 ||
	     form == DW_FORM_block)) {
		if (form == DW_FORM_exprloc &&
		    dwarf_formexprloc(a, &len, &ptr, &e) == DW_DLV_OK) {
			lpd_reader_init(&r, ptr, (size_t)len, false,
					dbg_dwarf_elf(d)->path, off);
			err = lpd_reader_u8(&r, &op);
			if (err == NULL && op == 0x23)	/* plus_uconst */
				err = lpd_reader_uleb128(&r, ret);
		}
	} else if (e == NULL) {
		dwarf_dealloc_attribute(a);
		return dbg_dwarf_udata(d, die, off, DW_AT_data_member_location,
				       ret);
	}
	if (e != NULL)
		dwarf_dealloc_error(dbg, e);
	dwarf_dealloc_attribute(a);
	return err;
}

static struct lpd_error *
types_members(struct dbg_types *ts, Dwarf_Die die, struct dbg_type *t)
{
	struct dbg_dwarf *d = ts->dwarf;
	struct lpd_error *err = NULL;
	Dwarf_Die child = NULL;
	size_t cap = 0;

	for (;;) {
		Dwarf_Half tag = 0;
		Dwarf_Error e = NULL;
		Dwarf_Off off = 0;
		struct dbg_member *m;
		uint64_t loc = 0, bit_size = 0, bit_off = 0, dbo = 0, bsz;

		err = types_next_child(d, die, &child);
		if (err != NULL || child == NULL)
			break;
		if (dwarf_tag(child, &tag, &e) != DW_DLV_OK ||
		    dwarf_dieoffset(child, &off, &e) != DW_DLV_OK) {
			err = dbg_dwarf_error(d, e, 0, "reading member");
			break;
		}
		if (tag != DW_TAG_member && tag != DW_TAG_inheritance)
			continue;
		/* C++ static members are declarations, not layout. */
		if (types_has_attr(d, child, DW_AT_declaration) ||
		    (tag == DW_TAG_member &&
		     types_has_attr(d, child, DW_AT_external)))
			continue;
		if (t->n_members >= TYPES_MAX_CHILDREN) {
			err = lpd_error_format(LPD_ERR_BAD_INPUT, "%s: .debug_"
					       "info offset 0x%llx: too many "
					       "members",
					       dbg_dwarf_elf(d)->path,
					       (unsigned long long)off);
			break;
		}
		err = lpd_vec_reserve((void **)&t->members, &cap,
				      t->n_members + 1, sizeof(*t->members));
		if (err != NULL)
			break;
		m = &t->members[t->n_members];
		memset(m, 0, sizeof(*m));
		t->n_members++;
		m->inheritance = tag == DW_TAG_inheritance;
		err = types_name_dup(d, child, &m->name);
		if (err == NULL)
			err = dbg_type_of_die(d, child, off, &m->type);
		if (err == NULL)
			err = types_member_location(d, child, off, &loc);
		if (err == NULL)
			err = dbg_dwarf_udata(d, child, off, DW_AT_bit_size,
					      &bit_size);
		if (err == NULL && bit_size != 0 &&
		    types_has_attr(d, child, DW_AT_data_bit_offset))
			err = dbg_dwarf_udata(d, child, off,
					      DW_AT_data_bit_offset, &dbo);
		else if (err == NULL && bit_size != 0 &&
			 types_has_attr(d, child, DW_AT_bit_offset)) {
			/* DWARF 2/3: from the most significant bit of a
			 * storage unit of DW_AT_byte_size at loc. */
			err = dbg_dwarf_udata(d, child, off, DW_AT_bit_offset,
					      &bit_off);
			if (err == NULL)
				err = dbg_dwarf_udata(d, child, off,
						      DW_AT_byte_size, &bsz);
			if (err == NULL) {
				if (bsz == 0)
					bsz = dbg_type_size(m->type);
				if (dbg_dwarf_elf(d)->big_endian)
					dbo = loc * 8 + bit_off;
				else
					dbo = loc * 8 + bsz * 8 - bit_off -
					      bit_size;
			}
		} else {
			dbo = loc * 8;
		}
		if (err != NULL)
			break;
		m->bit_offset = dbo;
		m->bit_size = bit_size <= 64 ? (uint32_t)bit_size : 64;
	}
	if (child != NULL)
		dwarf_dealloc_die(child);
	return err;
}

static struct lpd_error *
types_enumerators(struct dbg_types *ts, Dwarf_Die die, struct dbg_type *t)
{
	struct dbg_dwarf *d = ts->dwarf;
	Dwarf_Debug dbg = dbg_dwarf_handle(d);
	struct lpd_error *err = NULL;
	Dwarf_Die child = NULL;
	size_t cap = 0, i;
	uint64_t mask = 0;

	t->flag_enum = true;
	for (;;) {
		Dwarf_Half tag = 0, form = 0;
		Dwarf_Error e = NULL;
		Dwarf_Attribute a;
		Dwarf_Signed sv = 0;
		Dwarf_Unsigned uv = 0;
		struct dbg_enumerator *en;

		err = types_next_child(d, die, &child);
		if (err != NULL || child == NULL)
			break;
		if (dwarf_tag(child, &tag, &e) != DW_DLV_OK) {
			err = dbg_dwarf_error(d, e, 0, "reading enumerator");
			break;
		}
		if (tag != DW_TAG_enumerator)
			continue;
		if (t->n_enums >= TYPES_MAX_CHILDREN)
			break;
		err = lpd_vec_reserve((void **)&t->enums, &cap,
				      t->n_enums + 1, sizeof(*t->enums));
		if (err != NULL)
			break;
		en = &t->enums[t->n_enums];
		memset(en, 0, sizeof(*en));
		t->n_enums++;
		err = types_name_dup(d, child, &en->name);
		if (err != NULL)
			break;
		if (dwarf_attr(child, DW_AT_const_value, &a, &e) ==
		    DW_DLV_OK) {
			if (dwarf_whatform(a, &form, &e) == DW_DLV_OK) {
				if (form == DW_FORM_sdata ||
				    form == DW_FORM_implicit_const) {
					if (dwarf_formsdata(a, &sv, &e) ==
					    DW_DLV_OK)
						en->value = sv;
				} else if (dwarf_formudata(a, &uv, &e) ==
					   DW_DLV_OK) {
					en->value = (int64_t)uv;
					/* dataN of a signed enum: extend. */
					if (t->is_signed && form ==
					    DW_FORM_data1)
						en->value = (int8_t)uv;
					else if (t->is_signed && form ==
						 DW_FORM_data2)
						en->value = (int16_t)uv;
					else if (t->is_signed && form ==
						 DW_FORM_data4)
						en->value = (int32_t)uv;
				}
			}
			dwarf_dealloc_attribute(a);
		}
		if (e != NULL)
			dwarf_dealloc_error(dbg, e);
	}
	if (child != NULL)
		dwarf_dealloc_die(child);
	/* gdb's flag enum: non-negative values with disjoint bits. */
	for (i = 0; i < t->n_enums; i++) {
		int64_t v = t->enums[i].value;

		if (v < 0 || (mask & (uint64_t)v) != 0) {
			t->flag_enum = false;
			break;
		}
		mask |= (uint64_t)v;
	}
	if (t->n_enums == 0)
		t->flag_enum = false;
	return err;
}

static struct lpd_error *
types_params(struct dbg_types *ts, Dwarf_Die die, struct dbg_type *t)
{
	struct dbg_dwarf *d = ts->dwarf;
	struct lpd_error *err = NULL;
	Dwarf_Die child = NULL;
	size_t cap = 0;

	for (;;) {
		Dwarf_Half tag = 0;
		Dwarf_Error e = NULL;
		Dwarf_Off off = 0;
		const struct dbg_type *pt;

		err = types_next_child(d, die, &child);
		if (err != NULL || child == NULL)
			break;
		if (dwarf_tag(child, &tag, &e) != DW_DLV_OK ||
		    dwarf_dieoffset(child, &off, &e) != DW_DLV_OK) {
			err = dbg_dwarf_error(d, e, 0, "reading parameter");
			break;
		}
		if (tag == DW_TAG_unspecified_parameters) {
			t->varargs = true;
			continue;
		}
		if (tag != DW_TAG_formal_parameter)
			continue;
		if (t->n_params >= TYPES_MAX_CHILDREN)
			break;
		err = dbg_type_of_die(d, child, off, &pt);
		if (err == NULL)
			err = lpd_vec_reserve((void **)&t->params, &cap,
					      t->n_params + 1,
					      sizeof(*t->params));
		if (err != NULL)
			break;
		t->params[t->n_params++] = pt;
	}
	if (child != NULL)
		dwarf_dealloc_die(child);
	return err;
}

/* Dimensions of an array DIE: counts in *counts (flexible: UINT64_MAX). */
static struct lpd_error *
types_dims(struct dbg_types *ts, Dwarf_Die die, uint64_t **counts,
	   size_t *n)
{
	struct dbg_dwarf *d = ts->dwarf;
	struct lpd_error *err = NULL;
	Dwarf_Die child = NULL;
	size_t cap = 0;

	*counts = NULL;
	*n = 0;
	for (;;) {
		Dwarf_Half tag = 0;
		Dwarf_Error e = NULL;
		Dwarf_Off off = 0;
		uint64_t v = 0, lo = 0, count = UINT64_MAX;

		err = types_next_child(d, die, &child);
		if (err != NULL || child == NULL)
			break;
		if (dwarf_tag(child, &tag, &e) != DW_DLV_OK ||
		    dwarf_dieoffset(child, &off, &e) != DW_DLV_OK) {
			err = dbg_dwarf_error(d, e, 0, "reading subrange");
			break;
		}
		if (tag != DW_TAG_subrange_type && tag != DW_TAG_enumeration_type)
			continue;
		if (*n >= 64)
			break;
		if (types_has_attr(d, child, DW_AT_count)) {
			err = dbg_dwarf_udata(d, child, off, DW_AT_count, &v);
			count = v;
		} else if (types_has_attr(d, child, DW_AT_upper_bound)) {
			Dwarf_Attribute a;
			Dwarf_Half form = 0;
			Dwarf_Signed sv = 0;

			/* A VLA's bound is an expression or a variable:
			 * unknown here, shown as gdb shows [] arrays. */
			if (dwarf_attr(child, DW_AT_upper_bound, &a, &e) ==
			    DW_DLV_OK) {
				if (dwarf_whatform(a, &form, &e) ==
				    DW_DLV_OK && form != DW_FORM_exprloc &&
				    form != DW_FORM_ref4 &&
				    form != DW_FORM_ref_udata &&
				    form != DW_FORM_block1) {
					err = dbg_dwarf_udata(d, child, off,
						DW_AT_lower_bound, &lo);
					if (form == DW_FORM_sdata &&
					    dwarf_formsdata(a, &sv, &e) ==
					    DW_DLV_OK)
						count = sv < 0 ? 0 :
							(uint64_t)sv + 1;
					else if (err == NULL)
						err = dbg_dwarf_udata(d, child,
							off, DW_AT_upper_bound,
							&v), count = v + 1;
					if (count != UINT64_MAX && lo < count)
						count -= lo;
				}
				dwarf_dealloc_attribute(a);
			}
			if (e != NULL)
				dwarf_dealloc_error(dbg_dwarf_handle(d), e);
		}
		if (err == NULL)
			err = lpd_vec_reserve((void **)counts, &cap, *n + 1,
					      sizeof(**counts));
		if (err != NULL)
			break;
		(*counts)[(*n)++] = count;
	}
	if (child != NULL)
		dwarf_dealloc_die(child);
	return err;
}

static void
types_set_array(struct dbg_type *a, const struct dbg_type *elem,
		uint64_t count)
{
	uint64_t es = dbg_type_size(elem);

	a->kind = DBG_TYPE_ARRAY;
	a->target = elem;
	if (count == UINT64_MAX) {
		a->flexible = true;
		a->count = 0;
		a->size = 0;
	} else {
		a->count = count;
		a->size = es != 0 && count > UINT64_MAX / es ? 0 : es * count;
	}
	a->has_size = true;
}

static struct lpd_error *
types_fill(struct dbg_types *ts, Dwarf_Die die, Dwarf_Off off,
	   Dwarf_Half tag, struct dbg_type *t)
{
	struct dbg_dwarf *d = ts->dwarf;
	struct lpd_error *err;
	uint64_t v = 0, *counts = NULL;
	size_t n = 0, i;

	err = types_name_dup(d, die, &t->name);
	if (err == NULL && types_has_attr(d, die, DW_AT_byte_size)) {
		err = dbg_dwarf_udata(d, die, off, DW_AT_byte_size, &v);
		t->size = v;
		t->has_size = true;
	}
	if (err != NULL)
		return err;
	switch (tag) {
	case DW_TAG_base_type:
		if (t->name != NULL &&
		    strcmp(types_c_name(t->name), t->name) != 0) {
			char *c = lpd_strdup(types_c_name(t->name));

			if (c == NULL)
				return &lpd_enomem;
			lpd_free(t->name);
			t->name = c;
		}
		err = dbg_dwarf_udata(d, die, off, DW_AT_encoding, &v);
		switch (v) {
		case DW_ATE_boolean:
			t->kind = DBG_TYPE_BOOL;
			break;
		case DW_ATE_float:
			t->kind = DBG_TYPE_FLOAT;
			t->is_signed = true;
			break;
		case DW_ATE_signed_char:
			t->kind = t->size == 1 ? DBG_TYPE_CHAR : DBG_TYPE_INT;
			t->is_signed = true;
			break;
		case DW_ATE_unsigned_char:
			t->kind = t->size == 1 ? DBG_TYPE_CHAR : DBG_TYPE_INT;
			break;
		case DW_ATE_signed:
			t->kind = DBG_TYPE_INT;
			t->is_signed = true;
			break;
		case DW_ATE_unsigned:
		case DW_ATE_UTF:
			t->kind = DBG_TYPE_INT;
			break;
		default:
			t->kind = DBG_TYPE_UNKNOWN;
			break;
		}
		break;
	case DW_TAG_unspecified_type:
		t->kind = DBG_TYPE_VOID;
		break;
	case DW_TAG_pointer_type:
	case DW_TAG_ptr_to_member_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
		t->kind = tag == DW_TAG_pointer_type ? DBG_TYPE_POINTER :
			  tag == DW_TAG_ptr_to_member_type ? DBG_TYPE_UNKNOWN
							   : DBG_TYPE_REF;
		if (!t->has_size) {
			t->size = dbg_dwarf_elf(d)->elfclass == ELFCLASS32 ? 4
									   : 8;
			t->has_size = true;
		}
		err = dbg_type_of_die(d, die, off, &t->target);
		break;
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_typedef:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		t->kind = tag == DW_TAG_const_type ? DBG_TYPE_CONST :
			  tag == DW_TAG_typedef ? DBG_TYPE_TYPEDEF
						: DBG_TYPE_VOLATILE;
		if (tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type)
			t->kind = DBG_TYPE_TYPEDEF;	/* transparent */
		err = dbg_type_of_die(d, die, off, &t->target);
		if (err == NULL && t->kind != DBG_TYPE_TYPEDEF)
			t->size = dbg_type_size(t->target);
		break;
	case DW_TAG_array_type:
		err = dbg_type_of_die(d, die, off, &t->target);
		if (err == NULL)
			err = types_dims(ts, die, &counts, &n);
		if (err != NULL)
			break;
		if (n == 0) {
			types_set_array(t, t->target, UINT64_MAX);
			break;
		}
		/* a[2][3]: an array of 2 arrays of 3; build inside out. */
		{
			const struct dbg_type *elem = t->target;

			for (i = n; i-- > 1;) {
				struct dbg_type *a = types_alloc(ts,
							DBG_TYPE_ARRAY);

				if (a == NULL) {
					err = &lpd_enomem;
					break;
				}
				types_set_array(a, elem, counts[i]);
				elem = a;
			}
			if (err == NULL) {
				lpd_free(t->name);
				t->name = NULL;
				types_set_array(t, elem, counts[0]);
			}
		}
		break;
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_class_type:
		t->kind = tag == DW_TAG_structure_type ? DBG_TYPE_STRUCT :
			  tag == DW_TAG_union_type ? DBG_TYPE_UNION
						   : DBG_TYPE_CLASS;
		t->cpp = types_cu_is_cpp(d, die);
		t->incomplete = types_has_attr(d, die, DW_AT_declaration);
		if (!t->incomplete)
			err = types_members(ts, die, t);
		break;
	case DW_TAG_enumeration_type:
		t->kind = DBG_TYPE_ENUM;
		t->cpp = types_cu_is_cpp(d, die);
		if (types_has_attr(d, die, DW_AT_type)) {
			const struct dbg_type *u;

			err = dbg_type_of_die(d, die, off, &u);
			if (err == NULL) {
				u = dbg_type_strip(u);
				t->is_signed = u != NULL && u->is_signed;
			}
		} else {
			t->is_signed = false;
		}
		if (err == NULL)
			err = types_enumerators(ts, die, t);
		/* Without DW_AT_type, a negative value makes it signed. */
		for (i = 0; err == NULL && i < t->n_enums; i++)
			if (t->enums[i].value < 0)
				t->is_signed = true;
		break;
	case DW_TAG_subroutine_type:
	case DW_TAG_subprogram:
		t->kind = DBG_TYPE_FUNC;
		t->size = 1;
		t->prototyped = types_has_attr(d, die, DW_AT_prototyped);
		err = dbg_type_of_die(d, die, off, &t->target);
		if (err == NULL)
			err = types_params(ts, die, t);
		if (tag == DW_TAG_subprogram) {
			lpd_free(t->name);
			t->name = NULL;
		}
		break;
	default:
		t->kind = DBG_TYPE_UNKNOWN;
		break;
	}
	lpd_free(counts);
	return err;
}

static struct lpd_error *
types_build(struct dbg_types *ts, Dwarf_Off off, const struct dbg_type **ret)
{
	struct dbg_dwarf *d = ts->dwarf;
	struct lpd_error *err;
	struct dbg_type *t;
	Dwarf_Die die = NULL;
	Dwarf_Error e = NULL;
	Dwarf_Half tag = 0;

	t = types_lookup(ts, off);
	if (t != NULL) {
		*ret = t;
		return NULL;
	}
	if (ts->depth >= TYPES_MAX_DEPTH)
		return lpd_error_format(LPD_ERR_BAD_INPUT, "%s: .debug_info "
					"offset 0x%llx: types nested deeper "
					"than %d", dbg_dwarf_elf(d)->path,
					(unsigned long long)off,
					TYPES_MAX_DEPTH);
	err = types_offdie(d, off, &die);
	if (err != NULL)
		return err;
	if (dwarf_tag(die, &tag, &e) != DW_DLV_OK) {
		dwarf_dealloc_die(die);
		return dbg_dwarf_error(d, e, off, "reading type tag");
	}
	t = types_alloc(ts, DBG_TYPE_UNKNOWN);
	if (t == NULL || types_insert(ts, off, t) != NULL) {
		dwarf_dealloc_die(die);
		return &lpd_enomem;
	}
	t->die = off;
	/* In the cache before its parts: struct node { struct node *next; }
	 * finds itself. */
	ts->depth++;
	err = types_fill(ts, die, off, tag, t);
	ts->depth--;
	dwarf_dealloc_die(die);
	if (err != NULL)
		return err;
	*ret = t;
	return NULL;
}

struct lpd_error *
dbg_type_from_die(struct dbg_dwarf *d, Dwarf_Off die,
		  const struct dbg_type **ret)
{
	struct dbg_types *ts = types_of(d);

	if (ts == NULL)
		return &lpd_enomem;
	return types_build(ts, die, ret);
}

/* ---- printing C declarations ------------------------------------------- */

static struct lpd_error *
types_base_name(const struct dbg_type *t, struct lpd_buf *out)
{
	const char *kw = NULL;

	switch (t->kind) {
	case DBG_TYPE_STRUCT:
		kw = "struct";
		break;
	case DBG_TYPE_UNION:
		kw = "union";
		break;
	case DBG_TYPE_CLASS:
		kw = "class";
		break;
	case DBG_TYPE_ENUM:
		kw = "enum";
		break;
	default:
		break;
	}
	if (kw != NULL && t->name == NULL)
		return lpd_buf_printf(out, "%s {...}", kw);
	if (kw != NULL && !t->cpp)
		return lpd_buf_printf(out, "%s %s", kw, t->name);
	if (t->name != NULL)
		return lpd_buf_puts(out, t->name);
	return lpd_buf_puts(out, t->kind == DBG_TYPE_VOID ? "void" : "?");
}

static struct lpd_error *types_decl(const struct dbg_type *t,
				    const char *inner, struct lpd_buf *out,
				    unsigned depth);

static struct lpd_error *
types_params_str(const struct dbg_type *f, struct lpd_buf *s, unsigned depth)
{
	struct lpd_error *err = lpd_buf_puts(s, "(");
	size_t i;

	for (i = 0; err == NULL && i < f->n_params; i++) {
		if (i > 0)
			err = lpd_buf_puts(s, ", ");
		if (err == NULL)
			err = types_decl(f->params[i], "", s, depth + 1);
	}
	if (err == NULL && f->varargs)
		err = lpd_buf_puts(s, f->n_params > 0 ? ", ..." : "...");
	else if (err == NULL && f->n_params == 0 && f->prototyped)
		err = lpd_buf_puts(s, "void");
	if (err == NULL)
		err = lpd_buf_puts(s, ")");
	return err;
}

/* The declaration of T around declarator INNER ("" for a bare type). */
static struct lpd_error *
types_decl(const struct dbg_type *t, const char *inner, struct lpd_buf *out,
	   unsigned depth)
{
	struct lpd_buf s = LPD_BUF_INIT;
	struct lpd_error *err = NULL;
	const struct dbg_type *tg, *bare;
	unsigned n = 0;

	if (t == NULL || depth > 64)
		return lpd_buf_puts(out, "?");
	switch (t->kind) {
	case DBG_TYPE_POINTER:
	case DBG_TYPE_REF:
		tg = t->target;
		/* Through qualifiers: &__func__ is const char (*)[N]. */
		bare = dbg_type_strip_cv(tg);
		if (bare != NULL && (bare->kind == DBG_TYPE_ARRAY ||
				     bare->kind == DBG_TYPE_FUNC))
			err = lpd_buf_printf(&s, "(%s%s)",
					     t->kind == DBG_TYPE_REF ? "&"
								     : "*",
					     inner);
		else
			err = lpd_buf_printf(&s, "%s%s",
					     t->kind == DBG_TYPE_REF ? "&"
								     : "*",
					     inner);
		if (err == NULL)
			err = types_decl(tg, s.data, out, depth + 1);
		break;
	case DBG_TYPE_ARRAY:
		if (t->flexible)
			err = lpd_buf_printf(&s, "%s[]", inner);
		else
			err = lpd_buf_printf(&s, "%s[%llu]", inner,
					     (unsigned long long)t->count);
		if (err == NULL)
			err = types_decl(t->target, s.data, out, depth + 1);
		break;
	case DBG_TYPE_FUNC:
		err = lpd_buf_puts(&s, inner);
		if (err == NULL)
			err = types_params_str(t, &s, depth);
		if (err == NULL)
			err = types_decl(t->target, s.data, out, depth + 1);
		break;
	case DBG_TYPE_CONST:
	case DBG_TYPE_VOLATILE:
		tg = t->target;
		if (tg != NULL && tg->kind == DBG_TYPE_ARRAY) {
			/* C qualifies an array's elements; DWARF says it
			 * of both, or (older GCC) of the array only: then
			 * the qualifier goes on a plain element type. */
			for (bare = tg; bare != NULL && bare->kind ==
			     DBG_TYPE_ARRAY && depth + n < 64; n++)
				bare = bare->target;
			if (bare != NULL && bare->kind != t->kind &&
			    bare->kind != DBG_TYPE_POINTER &&
			    bare->kind != DBG_TYPE_FUNC &&
			    bare->kind != DBG_TYPE_CONST &&
			    bare->kind != DBG_TYPE_VOLATILE)
				err = lpd_buf_puts(out,
						   t->kind == DBG_TYPE_CONST ?
						   "const " : "volatile ");
			if (err == NULL)
				err = types_decl(tg, inner, out, depth + 1);
			break;
		}
		if (tg != NULL && tg->kind == DBG_TYPE_POINTER) {
			err = lpd_buf_printf(&s, " %s%s%s",
					     t->kind == DBG_TYPE_CONST ?
					     "const" : "volatile",
					     inner[0] != '\0' ? " " : "",
					     inner);
			if (err == NULL)
				err = types_decl(tg, s.data, out, depth + 1);
			break;
		}
		err = lpd_buf_puts(out, t->kind == DBG_TYPE_CONST ? "const "
								  : "volatile ");
		if (err == NULL)
			err = types_decl(tg, inner, out, depth + 1);
		break;
	default:
		err = types_base_name(t, out);
		if (err == NULL && inner[0] != '\0')
			err = lpd_buf_printf(out, "%s%s",
					     inner[0] == '[' ? " " : " ",
					     inner);
		break;
	}
	lpd_buf_deinit(&s);
	return err;
}

struct lpd_error *
dbg_type_print(const struct dbg_type *t, const char *var, struct lpd_buf *out)
{
	return types_decl(t, var != NULL ? var : "", out, 0);
}

/* ---- ptype ------------------------------------------------------------ */

static struct lpd_error *types_ptype(const struct dbg_type *t,
				     const char *inner, struct lpd_buf *out,
				     unsigned indent, unsigned depth);

/* The innermost named type of a declarator: what ptype expands. */
static const struct dbg_type *
types_decl_base(const struct dbg_type *t)
{
	unsigned n = 0;

	while (t != NULL && n++ < 64 &&
	       (t->kind == DBG_TYPE_POINTER || t->kind == DBG_TYPE_REF ||
		t->kind == DBG_TYPE_ARRAY || t->kind == DBG_TYPE_FUNC ||
		t->kind == DBG_TYPE_CONST || t->kind == DBG_TYPE_VOLATILE))
		t = t->target;
	return t;
}

static struct lpd_error *
types_body(const struct dbg_type *t, struct lpd_buf *out, unsigned indent,
	   unsigned depth)
{
	struct lpd_error *err = NULL;
	size_t i;

	if (t->kind == DBG_TYPE_ENUM) {
		int64_t next = 0;

		err = lpd_buf_puts(out, " {");
		for (i = 0; err == NULL && i < t->n_enums; i++) {
			err = lpd_buf_printf(out, "%s%s", i > 0 ? ", " : "",
					     t->enums[i].name != NULL ?
					     t->enums[i].name : "?");
			if (err == NULL && t->enums[i].value != next)
				err = lpd_buf_printf(out, " = %lld",
					(long long)t->enums[i].value);
			next = t->enums[i].value + 1;
		}
		return err != NULL ? err : lpd_buf_puts(out, "}");
	}
	if (t->incomplete)
		return lpd_buf_puts(out, " {\n" "    <incomplete type>\n}");
	err = lpd_buf_puts(out, " {\n");
	if (err == NULL && t->n_members == 0)
		err = lpd_buf_printf(out, "%*s<no data fields>\n",
				     (int)indent + 4, "");
	for (i = 0; err == NULL && i < t->n_members; i++) {
		const struct dbg_member *m = &t->members[i];

		err = lpd_buf_printf(out, "%*s", (int)indent + 4, "");
		if (err == NULL)
			err = types_ptype(m->type, m->name != NULL ? m->name
								   : "",
					  out, indent + 4, depth + 1);
		if (err == NULL && m->bit_size != 0)
			err = lpd_buf_printf(out, " : %u", m->bit_size);
		if (err == NULL)
			err = lpd_buf_puts(out, ";\n");
	}
	if (err == NULL)
		err = lpd_buf_printf(out, "%*s}", (int)indent, "");
	return err;
}

/* T around INNER with anonymous aggregates (or, at the top, the named
 * one ptype was asked about) written out in full. */
static struct lpd_error *
types_ptype(const struct dbg_type *t, const char *inner, struct lpd_buf *out,
	    unsigned indent, unsigned depth)
{
	const struct dbg_type *base = types_decl_base(t);
	struct lpd_buf head = LPD_BUF_INIT, full = LPD_BUF_INIT;
	struct lpd_error *err;
	bool expand;
	char *p;

	expand = base != NULL && depth < TYPES_MAX_PTYPE_DEPTH &&
		 (base->kind == DBG_TYPE_STRUCT || base->kind == DBG_TYPE_UNION ||
		  base->kind == DBG_TYPE_CLASS || base->kind == DBG_TYPE_ENUM) &&
		 (depth == 0 || base->name == NULL);
	err = types_decl(t, inner, &full, 0);
	if (err != NULL || !expand) {
		if (err == NULL)
			err = lpd_buf_puts(out, full.data);
		lpd_buf_deinit(&full);
		return err;
	}
	/* Put the body after the base's name in the declaration. */
	err = types_base_name(base, &head);
	if (err == NULL) {
		p = strstr(full.data, head.data);
		if (p == NULL) {
			err = lpd_buf_puts(out, full.data);
		} else {
			size_t hl = strlen(head.data);

			if (base->name == NULL)	/* "struct {...}" */
				hl -= 6;
			err = lpd_buf_append(out, full.data,
					     (size_t)(p - full.data) + hl);
			if (err == NULL)
				err = types_body(base, out, indent, depth);
			if (err == NULL)
				err = lpd_buf_puts(out, p + strlen(head.data));
		}
	}
	lpd_buf_deinit(&head);
	lpd_buf_deinit(&full);
	return err;
}

struct lpd_error *
dbg_type_ptype(const struct dbg_type *t, struct lpd_buf *out)
{
	const struct dbg_type *s = t;

	/* ptype looks through typedefs at the top, as gdb's does. */
	while (s != NULL && s->kind == DBG_TYPE_TYPEDEF)
		s = s->target;
	return types_ptype(s, "", out, 0, 0);
}

/* ---- the name index ------------------------------------------------------ */

static struct lpd_error *
types_index_die(struct dbg_types *ts, Dwarf_Die die, Dwarf_Off cu,
		unsigned depth)
{
	struct dbg_dwarf *d = ts->dwarf;
	Dwarf_Debug dbg = dbg_dwarf_handle(d);
	struct lpd_error *err = NULL;
	Dwarf_Die child = NULL;

	for (;;) {
		Dwarf_Half tag = 0;
		Dwarf_Error e = NULL;
		Dwarf_Off off = 0;
		char *name = NULL;
		uint8_t kind = 0;
		bool def = true;
		struct types_name *n;

		err = types_next_child(d, die, &child);
		if (err != NULL || child == NULL)
			break;
		if (dwarf_tag(child, &tag, &e) != DW_DLV_OK ||
		    dwarf_dieoffset(child, &off, &e) != DW_DLV_OK) {
			err = dbg_dwarf_error(d, e, 0, "indexing names");
			break;
		}
		switch (tag) {
		case DW_TAG_variable:
			kind = DBG_GLOBAL_VAR;
			def = types_has_attr(d, child, DW_AT_location) ||
			      types_has_attr(d, child, DW_AT_const_value);
			break;
		case DW_TAG_subprogram:
			kind = DBG_GLOBAL_FUNC;
			def = types_has_attr(d, child, DW_AT_low_pc) ||
			      types_has_attr(d, child, DW_AT_ranges);
			break;
		case DW_TAG_typedef:
		case DW_TAG_base_type:
			kind = DBG_GLOBAL_TYPE;
			break;
		case DW_TAG_structure_type:
		case DW_TAG_union_type:
		case DW_TAG_class_type:
		case DW_TAG_enumeration_type:
			kind = DBG_GLOBAL_TAG;
			def = !types_has_attr(d, child, DW_AT_declaration);
			break;
		case DW_TAG_namespace:
			if (depth < 8)
				err = types_index_die(ts, child, cu,
						      depth + 1);
			break;
		default:
			break;
		}
		if (err != NULL)
			break;
		if (kind == 0)
			continue;
		/* A specification's definition has no name of its own. */
		if (dwarf_diename(child, &name, &e) != DW_DLV_OK) {
			if (e != NULL)
				dwarf_dealloc_error(dbg, e);
			e = NULL;
			if ((kind == DBG_GLOBAL_VAR ||
			     kind == DBG_GLOBAL_FUNC) && def) {
				const char *s = NULL;

				err = dbg_dwarf_die_string(d, child,
							   DW_AT_name, &s);
				name = (char *)s;
			}
			if (err != NULL)
				break;
			if (name == NULL)
				continue;
		}
		err = lpd_vec_reserve((void **)&ts->names, &ts->cap_names,
				      ts->n_names + 1, sizeof(*ts->names));
		if (err != NULL)
			break;
		n = &ts->names[ts->n_names++];
		n->name = name;
		n->die = off;
		n->cu = cu;
		n->kind = kind;
		n->definition = def;
	}
	if (child != NULL)
		dwarf_dealloc_die(child);
	return err;
}

static int
types_cmp_name(const void *a, const void *b)
{
	const struct types_name *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->die < y->die ? -1 : x->die > y->die;
}

static struct lpd_error *
types_build_index(struct dbg_types *ts)
{
	struct dbg_dwarf *d = ts->dwarf;
	struct lpd_error *err = NULL;
	size_t i;

	for (i = 0; i < dbg_dwarf_cu_count(d) && err == NULL; i++) {
		Dwarf_Off cu = dbg_dwarf_cu_die(d, i);
		Dwarf_Die die;

		err = types_offdie(d, cu, &die);
		if (err != NULL)
			break;
		err = types_index_die(ts, die, cu, 0);
		dwarf_dealloc_die(die);
	}
	if (err != NULL && err != &lpd_enomem) {
		/* A bad CU costs its names; the others still serve. */
		lpd_error_destroy(err);
		err = NULL;
	}
	if (ts->n_names > 1)
		qsort(ts->names, ts->n_names, sizeof(*ts->names),
		      types_cmp_name);
	ts->indexed = true;
	return err;
}

struct lpd_error *
dbg_dwarf_find_global(struct dbg_dwarf *d, const char *name, unsigned kinds,
		      Dwarf_Off prefer_cu, Dwarf_Off *die_ret,
		      unsigned *kind_ret, bool *found)
{
	struct dbg_types *ts = types_of(d);
	struct lpd_error *err;
	const struct types_name *best = NULL;
	int best_score = -1;
	size_t lo = 0, hi, i;

	*found = false;
	if (ts == NULL)
		return &lpd_enomem;
	if (!ts->indexed) {
		err = types_build_index(ts);
		if (err != NULL)
			return err;
	}
	hi = ts->n_names;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ts->names[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < ts->n_names && strcmp(ts->names[i].name, name) == 0;
	     i++) {
		const struct types_name *n = &ts->names[i];
		int score = 0;

		if (!(n->kind & kinds))
			continue;
		if (n->definition)
			score += 4;
		if (n->cu == prefer_cu)
			score += 2;
		if (score > best_score) {
			best = n;
			best_score = score;
		}
	}
	if (best == NULL)
		return NULL;
	*die_ret = best->die;
	if (kind_ret != NULL)
		*kind_ret = best->kind;
	*found = true;
	return NULL;
}
