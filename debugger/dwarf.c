/* debugger/dwarf.c - function names, inline chains and source lines from
 * DWARF 2-5 through libdwarf. Opening indexes CUs by address only; a CU's
 * scopes and line table are read on its first lookup and kept. Symbol
 * tables are symbols.c's; unwinding is cfi.c's. */
#include <stdlib.h>
#include <string.h>

#include <dwarf.h>
#include <libdwarf.h>

#include "debugger/dwarf-int.h"

enum {
	/* DIE nesting the scope walk follows; deeper is hostile input. */
	DWARF_MAX_DEPTH = 256,
	/* abstract_origin/specification hops when resolving a name, as
	 * libdw's dwarf_attr_integrate. */
	DWARF_MAX_INTEGRATE = 16,
};

/* A subprogram or inlined_subroutine with code. */
struct dwarf_scope {
	Dwarf_Off die;
	uint32_t parent;	/* index in the CU's scopes; UINT32_MAX: none */
	uint16_t depth;
	bool is_inline;
	bool name_done;
	char *name;		/* resolved on first use; NULL if nameless */
	uint64_t call_file;
	unsigned call_line, call_column;
};

struct dwarf_srange {
	uint64_t lo, hi;
	uint32_t scope;
};

struct dwarf_row {
	uint64_t addr;
	uint32_t line, column;
	uint32_t file;		/* raw line-table file number */
	uint32_t seq;		/* position in the table, for a stable sort */
	bool end_sequence;
};

struct dwarf_cu {
	Dwarf_Off unit;		/* unit header offset in .debug_info */
	Dwarf_Off die;		/* CU DIE offset in .debug_info */
	unsigned version;	/* of the unit header */
	bool loaded;
	char *failure;		/* message of a failed load, repeated */
	unsigned line_version;
	struct dwarf_scope *scopes;
	size_t n_scopes, cap_scopes;
	struct dwarf_srange *ranges;
	size_t n_ranges, cap_ranges;
	struct dwarf_row *rows;
	size_t n_rows;
	char **files;		/* full paths, by line-table file index */
	size_t n_files;
};

struct dwarf_cu_range {
	uint64_t lo, hi;
	uint64_t max_hi;	/* largest hi of this and earlier entries */
	size_t cu;
};

struct dbg_dwarf {
	struct dbg_elf *elf;	/* borrowed */
	Dwarf_Debug dbg;
	Dwarf_Obj_Access_Interface iface;
	Dwarf_Obj_Access_Methods methods;
	size_t shstrndx;
	struct dwarf_cu *cus;
	size_t n_cus, cap_cus;
	struct dwarf_cu_range *index;
	size_t n_index, cap_index;
	struct dbg_types *types;	/* types.c's, made on first use */
};

/* ---- libdwarf object access over the dbg_elf ------------------------ */

/* libdwarf reads sections through these, so compressed sections come
 * decompressed by elf.c and images in memory work like files. */

static Elf_Scn *
dwarf_obj_scn(struct dbg_dwarf *d, Dwarf_Half index, GElf_Shdr *sh)
{
	Elf_Scn *scn = elf_getscn(d->elf->elf, index);

	if (scn == NULL || gelf_getshdr(scn, sh) == NULL)
		return NULL;
	return scn;
}

static int
dwarf_obj_section_info(void *obj, Dwarf_Half index,
		       Dwarf_Obj_Access_Section *ret, int *error)
{
	struct dbg_dwarf *d = obj;
	const char *name;
	Elf_Scn *scn;
	GElf_Shdr sh;

	scn = dwarf_obj_scn(d, index, &sh);
	if (scn == NULL) {
		*error = DW_DLE_ELF_SECT_ERR;
		return DW_DLV_ERROR;
	}
	name = elf_strptr(d->elf->elf, d->shstrndx, sh.sh_name);
	/* location.c reads location lists itself. libdwarf would load
	 * (and we decompress) them with .debug_info and parse every list
	 * header, for nothing: it does not see them. */
	if (name != NULL && (strcmp(name, ".debug_loclists") == 0 ||
			     strcmp(name, ".debug_loc") == 0))
		name = NULL;
	memset(ret, 0, sizeof(*ret));
	ret->addr = sh.sh_addr;
	ret->type = sh.sh_type;
	ret->name = name != NULL ? name : "";
	ret->link = sh.sh_link;
	ret->info = sh.sh_info;
	ret->entrysize = sh.sh_entsize;
	if (sh.sh_type == SHT_NOBITS) {
		ret->size = 0;
	} else if (sh.sh_flags & SHF_COMPRESSED) {
		GElf_Chdr ch;

		/* Decompressed size, without decompressing yet. */
		ret->size = gelf_getchdr(scn, &ch) != NULL ? ch.ch_size : 0;
	} else {
		ret->size = sh.sh_size;
	}
	return DW_DLV_OK;
}

static Dwarf_Endianness
dwarf_obj_byte_order(void *obj)
{
	struct dbg_dwarf *d = obj;

	return d->elf->big_endian ? DW_OBJECT_MSB : DW_OBJECT_LSB;
}

/* 4 as libdwarf's own ELF reader: 64-bit DWARF announces itself in each
 * unit header; only IRIX assumed 8. */
static Dwarf_Small
dwarf_obj_length_size(void *obj)
{
	(void)obj;
	return 4;
}

static Dwarf_Small
dwarf_obj_pointer_size(void *obj)
{
	struct dbg_dwarf *d = obj;

	return d->elf->elfclass == ELFCLASS32 ? 4 : 8;
}

static Dwarf_Unsigned
dwarf_obj_section_count(void *obj)
{
	struct dbg_dwarf *d = obj;
	size_t n;

	if (elf_getshdrnum(d->elf->elf, &n) != 0)
		return 0;
	return n;
}

static int
dwarf_obj_load_section(void *obj, Dwarf_Half index, Dwarf_Small **ret,
		       int *error)
{
	struct dbg_dwarf *d = obj;
	struct dbg_section sec;
	const char *name;
	GElf_Shdr sh;

	if (dwarf_obj_scn(d, index, &sh) == NULL) {
		*error = DW_DLE_ELF_SECT_ERR;
		return DW_DLV_ERROR;
	}
	if (sh.sh_type == SHT_NOBITS)
		return DW_DLV_NO_ENTRY;
	name = elf_strptr(d->elf->elf, d->shstrndx, sh.sh_name);
	if (name == NULL || !dbg_elf_section(d->elf, name, &sec)) {
		*error = DW_DLE_SECTION_SIZE_OR_OFFSET_LARGE;
		return DW_DLV_ERROR;
	}
	/* libdwarf reads only; the cast is its interface's. */
	*ret = (Dwarf_Small *)(uintptr_t)sec.data;
	return DW_DLV_OK;
}

/* ---- errors ------------------------------------------------------------ */

/* Convert and release a libdwarf error: the one place they become ours. */
static struct lpd_error *
dwarf_error(struct dbg_dwarf *d, Dwarf_Error e, Dwarf_Off off,
	    const char *what)
{
	struct lpd_error *err;

	err = lpd_error_format(LPD_ERR_BAD_INPUT,
			       "%s: .debug_info offset 0x%llx: %s: %s",
			       d->elf->path, (unsigned long long)off, what,
			       e != NULL ? dwarf_errmsg(e) : "libdwarf error");
	if (e != NULL)
		dwarf_dealloc_error(d->dbg, e);
	return err;
}

/* ---- attributes --------------------------------------------------------- */

/* *RET_ATTR for ATTR of DIE; false when absent. */
static struct lpd_error *
dwarf_get_attr(struct dbg_dwarf *d, Dwarf_Die die, Dwarf_Off off,
	       Dwarf_Half attr, Dwarf_Attribute *ret_attr, bool *found)
{
	Dwarf_Error e = NULL;
	int res = dwarf_attr(die, attr, ret_attr, &e);

	if (res == DW_DLV_ERROR)
		return dwarf_error(d, e, off, "reading attribute");
	*found = res == DW_DLV_OK;
	return NULL;
}

/* Unsigned constant ATTR of DIE, or 0 when absent or of another class. */
static struct lpd_error *
dwarf_get_udata(struct dbg_dwarf *d, Dwarf_Die die, Dwarf_Off off,
		Dwarf_Half attr, uint64_t *ret)
{
	struct lpd_error *err;
	Dwarf_Attribute a;
	Dwarf_Unsigned v = 0;
	Dwarf_Signed sv = 0;
	Dwarf_Half form = 0;
	Dwarf_Error e = NULL;
	bool found;

	err = dwarf_get_attr(d, die, off, attr, &a, &found);
	if (err != NULL || !found) {
		if (err == NULL)
			*ret = 0;
		return err;
	}
	if (dwarf_whatform(a, &form, &e) == DW_DLV_OK &&
	    form == DW_FORM_implicit_const) {
		/* libdwarf 20210528's formudata rejects implicit_const
		 * (gcc 12 uses it for call_file); formsdata reads it. */
		if (dwarf_formsdata(a, &sv, &e) == DW_DLV_OK && sv >= 0)
			v = (Dwarf_Unsigned)sv;
	} else if (e == NULL) {
		dwarf_formudata(a, &v, &e);
	}
	if (e != NULL) {
		/* A file or line number of a strange form names nothing;
		 * it must not cost the whole CU. */
		dwarf_dealloc_error(d->dbg, e);
		v = 0;
	}
	dwarf_dealloc_attribute(a);
	*ret = v;
	return NULL;
}

/* Section offset of A (DW_FORM_sec_offset, or data4/8 before DWARF 4). */
static struct lpd_error *
dwarf_sec_offset(struct dbg_dwarf *d, Dwarf_Attribute a, Dwarf_Off off,
		 Dwarf_Unsigned *ret)
{
	Dwarf_Error e = NULL;
	Dwarf_Off o;
	Dwarf_Unsigned u;

	if (dwarf_global_formref(a, &o, &e) == DW_DLV_OK) {
		*ret = o;
		return NULL;
	}
	if (e != NULL)
		dwarf_dealloc_error(d->dbg, e);
	e = NULL;
	if (dwarf_formudata(a, &u, &e) == DW_DLV_OK) {
		*ret = u;
		return NULL;
	}
	return dwarf_error(d, e, off, "reading DW_AT_ranges");
}

/* ---- address ranges ----------------------------------------------------- */

typedef struct lpd_error *(*dwarf_range_fn)(void *arg, uint64_t lo,
					    uint64_t hi);

static struct lpd_error *
dwarf_rnglists(struct dbg_dwarf *d, Dwarf_Attribute a, Dwarf_Half form,
	       Dwarf_Off off, dwarf_range_fn fn, void *arg)
{
	struct lpd_error *err = NULL;
	Dwarf_Rnglists_Head head = NULL;
	Dwarf_Unsigned value, count = 0, global, i;
	Dwarf_Error e = NULL;

	if (form == DW_FORM_rnglistx) {
		if (dwarf_formudata(a, &value, &e) != DW_DLV_OK)
			return dwarf_error(d, e, off, "reading DW_AT_ranges");
	} else {
		err = dwarf_sec_offset(d, a, off, &value);
		if (err != NULL)
			return err;
	}
	if (dwarf_rnglists_get_rle_head(a, form, value, &head, &count,
					&global, &e) != DW_DLV_OK)
		return dwarf_error(d, e, off, "reading .debug_rnglists");
	for (i = 0; i < count && err == NULL; i++) {
		unsigned len = 0, code = 0;
		Dwarf_Unsigned raw1, raw2, lo, hi;
		Dwarf_Bool unavailable = 0;

		if (dwarf_get_rnglists_entry_fields_a(head, i, &len, &code,
						      &raw1, &raw2,
						      &unavailable, &lo, &hi,
						      &e) != DW_DLV_OK) {
			err = dwarf_error(d, e, off,
					  "reading .debug_rnglists entry");
			break;
		}
		switch (code) {
		case DW_RLE_offset_pair:
		case DW_RLE_startx_endx:
		case DW_RLE_startx_length:
		case DW_RLE_start_end:
		case DW_RLE_start_length:
			if (!unavailable)
				err = fn(arg, lo, hi);
			break;
		default:
			break;
		}
	}
	dwarf_dealloc_rnglists_head(head);
	return err;
}

static struct lpd_error *
dwarf_debug_ranges(struct dbg_dwarf *d, Dwarf_Die die, Dwarf_Attribute a,
		   Dwarf_Off off, uint64_t base, dwarf_range_fn fn, void *arg)
{
	struct lpd_error *err;
	Dwarf_Ranges *r = NULL;
	Dwarf_Signed n = 0, i;
	Dwarf_Unsigned value, bytes;
	Dwarf_Off real;
	Dwarf_Error e = NULL;

	err = dwarf_sec_offset(d, a, off, &value);
	if (err != NULL)
		return err;
	if (dwarf_get_ranges_b(d->dbg, value, die, &real, &r, &n, &bytes,
			       &e) != DW_DLV_OK)
		return dwarf_error(d, e, off, "reading .debug_ranges");
	for (i = 0; i < n && err == NULL; i++) {
		if (r[i].dwr_type == DW_RANGES_END)
			break;
		if (r[i].dwr_type == DW_RANGES_ADDRESS_SELECTION)
			base = r[i].dwr_addr2;
		else
			err = fn(arg, base + r[i].dwr_addr1,
				 base + r[i].dwr_addr2);
	}
	dwarf_ranges_dealloc(d->dbg, r, n);
	return err;
}

/* Call FN for each address range of DIE (low/high pc or DW_AT_ranges).
 * BASE is the CU's base address, for DWARF 2-4 range lists. */
static struct lpd_error *
dwarf_die_ranges(struct dbg_dwarf *d, Dwarf_Die die, Dwarf_Off off,
		 unsigned version, uint64_t base, dwarf_range_fn fn,
		 void *arg)
{
	struct lpd_error *err;
	Dwarf_Attribute a;
	Dwarf_Addr lo, hi;
	Dwarf_Half form = 0;
	enum Dwarf_Form_Class cls;
	Dwarf_Error e = NULL;
	bool found;
	int res;

	res = dwarf_lowpc(die, &lo, &e);
	if (res == DW_DLV_ERROR)
		return dwarf_error(d, e, off, "reading DW_AT_low_pc");
	if (res == DW_DLV_OK) {
		res = dwarf_highpc_b(die, &hi, &form, &cls, &e);
		if (res == DW_DLV_ERROR)
			return dwarf_error(d, e, off,
					   "reading DW_AT_high_pc");
		if (res == DW_DLV_NO_ENTRY)
			return NULL;
		if (cls == DW_FORM_CLASS_CONSTANT)
			hi += lo;
		return fn(arg, lo, hi);
	}
	err = dwarf_get_attr(d, die, off, DW_AT_ranges, &a, &found);
	if (err != NULL || !found)
		return err;
	if (dwarf_whatform(a, &form, &e) != DW_DLV_OK) {
		dwarf_dealloc_attribute(a);
		return dwarf_error(d, e, off, "reading DW_AT_ranges form");
	}
	if (version >= 5 || form == DW_FORM_rnglistx)
		err = dwarf_rnglists(d, a, form, off, fn, arg);
	else
		err = dwarf_debug_ranges(d, die, a, off, base, fn, arg);
	dwarf_dealloc_attribute(a);
	return err;
}

/* ---- the CU index ------------------------------------------------------- */

struct dwarf_index_arg {
	struct dbg_dwarf *d;
	size_t cu;
};

static struct lpd_error *
dwarf_index_add(void *arg, uint64_t lo, uint64_t hi)
{
	struct dwarf_index_arg *ia = arg;
	struct dbg_dwarf *d = ia->d;
	struct lpd_error *err;

	/* Empty, wrapped, or discarded (tombstone 0 / -1) code. */
	if (lo >= hi || lo == 0)
		return NULL;
	err = lpd_vec_reserve((void **)&d->index, &d->cap_index,
			      d->n_index + 1, sizeof(*d->index));
	if (err != NULL)
		return err;
	d->index[d->n_index].lo = lo;
	d->index[d->n_index].hi = hi;
	d->index[d->n_index].cu = ia->cu;
	d->n_index++;
	return NULL;
}

static int
dwarf_cmp_index(const void *a, const void *b)
{
	const struct dwarf_cu_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->cu < y->cu ? -1 : x->cu > y->cu;
}

/* ---- unit headers and .debug_aranges, read without libdwarf ---------- */

/* libdwarf 20210528 makes a CU context (abbreviations hashed, base
 * attributes read) for every unit it passes, and dwarf_offdie_b passes
 * every unit before the one asked for. Reading unit headers and
 * .debug_aranges here leaves libdwarf only the units a lookup needs. */

enum {
	/* Smallest unit header (DWARF 2-4, 32-bit); fewer bytes left end
	 * .debug_info, as libdwarf treats them. */
	DWARF_MIN_UNIT_HEADER = 11,
};

/* Append the unit whose header starts at R's position, bounded by the
 * unit length; *next_ret is where the next unit starts, 0 at the end. */
static struct lpd_error *
dwarf_scan_unit(struct dbg_dwarf *d, struct lpd_reader *r, size_t *next_ret)
{
	struct lpd_error *err;
	struct lpd_reader u;
	size_t start = r->pos, end;
	uint64_t len, abbrev, code;
	uint32_t len32;
	uint16_t version;
	uint8_t unit_type = DW_UT_compile, addr_size = 0;
	unsigned offsize = 4;
	size_t skip = 0;

	*next_ret = 0;
	if (lpd_reader_left(r) < DWARF_MIN_UNIT_HEADER)
		return NULL;
	err = lpd_reader_u32(r, &len32);
	if (err != NULL)
		return err;
	len = len32;
	if (len32 == 0xffffffff) {
		offsize = 8;
		err = lpd_reader_u64(r, &len);
		if (err != NULL)
			return err;
	} else if (len32 >= 0xfffffff0) {
		return lpd_reader_error(r, ".debug_info: reserved unit "
					"length 0x%x", (unsigned)len32);
	}
	if (len == 0)
		return NULL;
	if (len > lpd_reader_left(r))
		return lpd_reader_error(r, ".debug_info: unit length 0x%llx "
					"runs past end of section (0x%zx)",
					(unsigned long long)len, r->size);
	end = r->pos + (size_t)len;
	/* The header and first DIE code are read within the unit only. */
	lpd_reader_init(&u, r->base, end, r->big_endian, r->file,
			r->base_offset);
	err = lpd_reader_seek(&u, r->pos);
	if (err == NULL)
		err = lpd_reader_u16(&u, &version);
	if (err != NULL)
		return err;
	if (version < 2 || version > 5)
		return lpd_reader_error(&u, ".debug_info: unit version %u",
					(unsigned)version);
	if (version >= 5) {
		err = lpd_reader_u8(&u, &unit_type);
		if (err == NULL)
			err = lpd_reader_u8(&u, &addr_size);
		if (err == NULL)
			err = lpd_reader_uN(&u, offsize, &abbrev);
		switch (unit_type) {
		case DW_UT_compile:
		case DW_UT_partial:
			break;
		case DW_UT_skeleton:
		case DW_UT_split_compile:
			skip = 8;		/* dwo_id */
			break;
		case DW_UT_type:
		case DW_UT_split_type:
			skip = 8 + offsize;	/* signature, type_offset */
			break;
		default:
			if (err == NULL)
				return lpd_reader_error(&u, ".debug_info: "
							"unit type 0x%x",
							(unsigned)unit_type);
		}
	} else {
		err = lpd_reader_uN(&u, offsize, &abbrev);
		if (err == NULL)
			err = lpd_reader_u8(&u, &addr_size);
	}
	if (err == NULL && skip > 0)
		err = lpd_reader_skip(&u, skip);
	if (err != NULL)
		return err;
	if (addr_size < 2 || addr_size > 8)
		return lpd_reader_error(&u, ".debug_info: address size %u",
					(unsigned)addr_size);
	err = lpd_vec_reserve((void **)&d->cus, &d->cap_cus, d->n_cus + 1,
			      sizeof(*d->cus));
	if (err != NULL)
		return err;
	memset(&d->cus[d->n_cus], 0, sizeof(d->cus[0]));
	d->cus[d->n_cus].unit = start;
	d->cus[d->n_cus].die = u.pos;
	d->cus[d->n_cus].version = version;
	/* A unit whose first DIE is null has no unit DIE: libdwarf skips
	 * it, and so do we. */
	err = lpd_reader_uleb128(&u, &code);
	if (err != NULL)
		return err;
	if (code != 0)
		d->n_cus++;
	*next_ret = end;
	return NULL;
}

/* Every unit of .debug_info, in section order. A unit that cannot be
 * read ends the walk; the units before it still serve lookups. */
static struct lpd_error *
dwarf_scan_units(struct dbg_dwarf *d, const struct dbg_section *info)
{
	struct lpd_error *err = NULL;
	struct lpd_reader r;
	size_t next = 0;

	lpd_reader_init(&r, info->data, info->size, d->elf->big_endian,
			d->elf->path, 0);
	for (;;) {
		err = dwarf_scan_unit(d, &r, &next);
		if (err != NULL || next == 0)
			break;
		r.pos = next;
	}
	return err;
}

/* Index of the unit whose header starts at OFF; SIZE_MAX if none. */
static size_t
dwarf_unit_at(const struct dbg_dwarf *d, uint64_t off)
{
	size_t lo = 0, hi = d->n_cus;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->cus[mid].unit < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < d->n_cus && d->cus[lo].unit == off ? lo : SIZE_MAX;
}

/* Add one .debug_aranges set at R's position to the index, marking its
 * unit covered. As libdwarf: version 2, tuples aligned to their size from
 * the set's start, every tuple up to the set's end (the terminator
 * included; dwarf_index_add drops it). */
static struct lpd_error *
dwarf_arange_set(struct dbg_dwarf *d, struct lpd_reader *r, bool *covered)
{
	struct lpd_error *err;
	struct lpd_reader s;
	struct dwarf_index_arg ia = { .d = d };
	size_t start = r->pos, end, tuple;
	uint64_t len, info_off;
	uint32_t len32;
	uint16_t version;
	uint8_t addr_size, seg_size;
	unsigned offsize = 4;

	err = lpd_reader_u32(r, &len32);
	if (err != NULL)
		return err;
	len = len32;
	if (len32 == 0xffffffff) {
		offsize = 8;
		err = lpd_reader_u64(r, &len);
		if (err != NULL)
			return err;
	} else if (len32 >= 0xfffffff0) {
		return lpd_reader_error(r, ".debug_aranges: reserved length "
					"0x%x", (unsigned)len32);
	}
	if (len > lpd_reader_left(r))
		return lpd_reader_error(r, ".debug_aranges: set length 0x%llx "
					"runs past end of section (0x%zx)",
					(unsigned long long)len, r->size);
	end = r->pos + (size_t)len;
	lpd_reader_init(&s, r->base, end, r->big_endian, r->file,
			r->base_offset);
	err = lpd_reader_seek(&s, r->pos);
	if (err == NULL)
		err = lpd_reader_u16(&s, &version);
	if (err == NULL)
		err = lpd_reader_uN(&s, offsize, &info_off);
	if (err == NULL)
		err = lpd_reader_u8(&s, &addr_size);
	if (err == NULL)
		err = lpd_reader_u8(&s, &seg_size);
	if (err != NULL)
		return err;
	/* Segmented sets are left to the unit DIE (libdwarf reads them
	 * oddly); so are sets for units we do not know. */
	if (version != 2 || addr_size == 0 || addr_size > 8)
		return lpd_reader_error(&s, ".debug_aranges: version %u, "
					"address size %u", (unsigned)version,
					(unsigned)addr_size);
	r->pos = end;
	ia.cu = dwarf_unit_at(d, info_off);
	if (seg_size != 0 || ia.cu == SIZE_MAX)
		return NULL;
	tuple = 2 * (size_t)addr_size;
	if ((s.pos - start) % tuple != 0)
		err = lpd_reader_seek(&s, s.pos + tuple - (s.pos - start) %
					   tuple);
	/* libdwarf reads one tuple at least. */
	if (err == NULL && lpd_reader_left(&s) < tuple)
		err = lpd_reader_error(&s, ".debug_aranges: set without "
				       "tuples");
	if (err != NULL)
		return err;
	covered[ia.cu] = true;
	while (err == NULL && lpd_reader_left(&s) >= tuple) {
		uint64_t lo, n;

		err = lpd_reader_uN(&s, addr_size, &lo);
		if (err == NULL)
			err = lpd_reader_uN(&s, addr_size, &n);
		if (err == NULL)
			err = dwarf_index_add(&ia, lo, lo + n);
	}
	return err;
}

/* Index the units .debug_aranges covers, setting COVERED for them.
 * Aranges we cannot read only cost speed (unit DIEs say the same): the
 * index is rolled back and no unit is covered. */
static struct lpd_error *
dwarf_read_aranges(struct dbg_dwarf *d, bool *covered)
{
	struct lpd_error *err = NULL;
	struct dbg_section sec;
	struct lpd_reader r;

	if (!dbg_elf_section(d->elf, ".debug_aranges", &sec) ||
	    sec.size == 0)
		return NULL;
	lpd_reader_init(&r, sec.data, sec.size, d->elf->big_endian,
			d->elf->path, 0);
	/* 16 bytes a tuple: an upper bound on the entries. */
	err = lpd_vec_reserve((void **)&d->index, &d->cap_index,
			      sec.size / 16 + 1, sizeof(*d->index));
	while (err == NULL && lpd_reader_left(&r) > 0)
		err = dwarf_arange_set(d, &r, covered);
	if (err != NULL && err != &lpd_enomem) {
		lpd_error_destroy(err);
		err = NULL;
		d->n_index = 0;
		memset(covered, 0, d->n_cus * sizeof(*covered));
	}
	return err;
}

/* The ranges of CU's unit DIE, through libdwarf, for a unit that
 * .debug_aranges leaves out. */
static struct lpd_error *
dwarf_index_unit_die(struct dbg_dwarf *d, size_t i)
{
	struct lpd_error *err;
	struct dwarf_index_arg ia = { .d = d, .cu = i };
	Dwarf_Die die = NULL;
	Dwarf_Error e = NULL;
	int res;

	res = dwarf_offdie_b(d->dbg, d->cus[i].die, 1, &die, &e);
	if (res == DW_DLV_ERROR)
		return dwarf_error(d, e, d->cus[i].die, "reading CU DIE");
	if (res == DW_DLV_NO_ENTRY)
		return NULL;
	err = dwarf_die_ranges(d, die, d->cus[i].die, d->cus[i].version, 0,
			       dwarf_index_add, &ia);
	dwarf_dealloc_die(die);
	return err;
}

/* Index every CU: its .debug_aranges entries when it has some, else the
 * ranges of its CU DIE. */
static struct lpd_error *
dwarf_build_index(struct dbg_dwarf *d)
{
	struct lpd_error *err;
	struct dbg_section info;
	bool *covered = NULL, sorted = true;
	size_t i;

	if (!dbg_elf_section(d->elf, ".debug_info", &info))
		return lpd_error_format(LPD_ERR_BAD_INPUT, "%s: cannot read "
					".debug_info", d->elf->path);
	err = dwarf_scan_units(d, &info);
	/* Only an unreadable first unit (or no memory) fails the open. */
	if (err != NULL && (d->n_cus == 0 || err == &lpd_enomem))
		return err;
	lpd_error_destroy(err);
	covered = lpd_calloc(d->n_cus ? d->n_cus : 1, sizeof(*covered));
	if (covered == NULL)
		return &lpd_enomem;
	err = dwarf_read_aranges(d, covered);
	for (i = 0; err == NULL && i < d->n_cus; i++) {
		if (covered[i])
			continue;
		err = dwarf_index_unit_die(d, i);
		if (err != NULL && err != &lpd_enomem) {
			/* As a bad unit ended libdwarf's walk: it and the
			 * units after it index nothing more. */
			lpd_error_destroy(err);
			err = NULL;
			break;
		}
	}
	lpd_free(covered);
	if (err != NULL)
		return err;
	for (i = 1; i < d->n_index && sorted; i++)
		sorted = dwarf_cmp_index(&d->index[i - 1], &d->index[i]) <= 0;
	if (!sorted)
		qsort(d->index, d->n_index, sizeof(*d->index),
		      dwarf_cmp_index);
	for (i = 0; i < d->n_index; i++) {
		uint64_t prev = i > 0 ? d->index[i - 1].max_hi : 0;

		d->index[i].max_hi = d->index[i].hi > prev ? d->index[i].hi
							    : prev;
	}
	return NULL;
}

/* The CU covering ADDR: among overlapping ranges, the one starting
 * closest below it. */
static struct dwarf_cu *
dwarf_find_cu(struct dbg_dwarf *d, uint64_t addr)
{
	size_t lo = 0, hi = d->n_index;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->index[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo-- > 0 && d->index[lo].max_hi > addr)
		if (addr < d->index[lo].hi)
			return &d->cus[d->index[lo].cu];
	return NULL;
}

/* ---- open / destroy ----------------------------------------------------- */

struct lpd_error *
dbg_dwarf_open(struct dbg_elf *debug, struct dbg_dwarf **ret)
{
	struct lpd_error *err;
	struct dbg_dwarf *d;
	Dwarf_Error e = NULL;
	int res;

	/* libdwarf would accept .eh_frame alone; names and lines need
	 * .debug_info. */
	if (!debug->has_dwarf)
		return lpd_error_format(LPD_ERR_NOT_FOUND, "%s: no DWARF",
					debug->path);
	d = lpd_calloc(1, sizeof(*d));
	if (d == NULL)
		return &lpd_enomem;
	d->elf = debug;
	if (elf_getshdrstrndx(debug->elf, &d->shstrndx) != 0) {
		err = lpd_error_format(LPD_ERR_BAD_INPUT,
				       "%s: no section name table: %s",
				       debug->path, elf_errmsg(-1));
		goto fail;
	}
	d->methods.get_section_info = dwarf_obj_section_info;
	d->methods.get_byte_order = dwarf_obj_byte_order;
	d->methods.get_length_size = dwarf_obj_length_size;
	d->methods.get_pointer_size = dwarf_obj_pointer_size;
	d->methods.get_section_count = dwarf_obj_section_count;
	d->methods.load_section = dwarf_obj_load_section;
	d->methods.relocate_a_section = NULL;
	d->iface.object = d;
	d->iface.methods = &d->methods;
	/* Every libdwarf object we take we give back (DIEs, attributes,
	 * errors, lists), so libdwarf need not track each allocation in a
	 * search tree for dwarf_object_finish: that tracking cost as much
	 * as reading the CU headers it was tracking. The flag is libdwarf's
	 * and only ever set to this one value. */
	dwarf_set_de_alloc_flag(0);
	res = dwarf_object_init_b(&d->iface, NULL, NULL, DW_GROUPNUMBER_ANY,
				  &d->dbg, &e);
	if (res == DW_DLV_NO_ENTRY) {
		d->dbg = NULL;
		err = lpd_error_format(LPD_ERR_NOT_FOUND, "%s: no DWARF",
				       debug->path);
		goto fail;
	}
	if (res != DW_DLV_OK) {
		d->dbg = NULL;
		err = lpd_error_format(LPD_ERR_BAD_INPUT,
				       "%s: cannot read DWARF: %s",
				       debug->path,
				       e != NULL ? dwarf_errmsg(e)
						 : "libdwarf error");
		/* Init errors belong to no Dwarf_Debug. */
		if (e != NULL)
			dwarf_dealloc(NULL, e, DW_DLA_ERROR);
		goto fail;
	}
	err = dwarf_build_index(d);
	if (err != NULL)
		goto fail;
	*ret = d;
	return NULL;
fail:
	dbg_dwarf_destroy(d);
	return err;
}

static void
dwarf_cu_clear(struct dwarf_cu *cu)
{
	size_t i;

	for (i = 0; i < cu->n_scopes; i++)
		lpd_free(cu->scopes[i].name);
	for (i = 0; i < cu->n_files; i++)
		lpd_free(cu->files[i]);
	lpd_free(cu->scopes);
	lpd_free(cu->ranges);
	lpd_free(cu->rows);
	lpd_free(cu->files);
	cu->scopes = NULL;
	cu->ranges = NULL;
	cu->rows = NULL;
	cu->files = NULL;
	cu->n_scopes = cu->cap_scopes = 0;
	cu->n_ranges = cu->cap_ranges = 0;
	cu->n_rows = cu->n_files = 0;
}

void
dbg_dwarf_destroy(struct dbg_dwarf *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n_cus; i++) {
		dwarf_cu_clear(&d->cus[i]);
		lpd_free(d->cus[i].failure);
	}
	lpd_free(d->cus);
	lpd_free(d->index);
	dbg_types_destroy(d->types);
	if (d->dbg != NULL) {
		Dwarf_Error e = NULL;

		if (dwarf_object_finish(d->dbg, &e) == DW_DLV_ERROR && e != NULL)
			dwarf_dealloc(NULL, e, DW_DLA_ERROR);
	}
	lpd_free(d);
}

/* ---- one CU: scopes and lines ------------------------------------------- */

struct dwarf_walk {
	struct dbg_dwarf *d;
	struct dwarf_cu *cu;
	unsigned version;	/* of the CU header */
	uint64_t base;		/* CU base address */
	uint32_t scope;		/* for dwarf_scope_range */
};

static struct lpd_error *
dwarf_scope_range(void *arg, uint64_t lo, uint64_t hi)
{
	struct dwarf_walk *w = arg;
	struct dwarf_cu *cu = w->cu;
	struct lpd_error *err;

	if (lo >= hi || lo == 0)
		return NULL;
	err = lpd_vec_reserve((void **)&cu->ranges, &cu->cap_ranges,
			      cu->n_ranges + 1, sizeof(*cu->ranges));
	if (err != NULL)
		return err;
	cu->ranges[cu->n_ranges].lo = lo;
	cu->ranges[cu->n_ranges].hi = hi;
	cu->ranges[cu->n_ranges].scope = w->scope;
	cu->n_ranges++;
	return NULL;
}

/* Record DIE as a scope when it has code; *ret its index or UINT32_MAX. */
static struct lpd_error *
dwarf_add_scope(struct dwarf_walk *w, Dwarf_Die die, Dwarf_Off off,
		bool is_inline, uint32_t parent, unsigned depth,
		uint32_t *ret)
{
	struct dwarf_cu *cu = w->cu;
	struct dwarf_scope *s;
	struct lpd_error *err;
	size_t before = cu->n_ranges;
	uint64_t v;

	*ret = UINT32_MAX;
	if (cu->n_scopes >= UINT32_MAX - 1)
		return lpd_error_format(LPD_ERR_BAD_INPUT,
					"%s: .debug_info offset 0x%llx: too "
					"many scopes", w->d->elf->path,
					(unsigned long long)off);
	err = lpd_vec_reserve((void **)&cu->scopes, &cu->cap_scopes,
			      cu->n_scopes + 1, sizeof(*cu->scopes));
	if (err != NULL)
		return err;
	w->scope = (uint32_t)cu->n_scopes;
	err = dwarf_die_ranges(w->d, die, off, w->version, w->base,
			       dwarf_scope_range, w);
	if (err != NULL || cu->n_ranges == before)
		return err;
	s = &cu->scopes[cu->n_scopes];
	memset(s, 0, sizeof(*s));
	s->die = off;
	s->parent = parent;
	s->depth = (uint16_t)depth;
	s->is_inline = is_inline;
	if (is_inline) {
		err = dwarf_get_udata(w->d, die, off, DW_AT_call_file,
				      &s->call_file);
		if (err == NULL)
			err = dwarf_get_udata(w->d, die, off,
					      DW_AT_call_line, &v);
		s->call_line = err == NULL && v <= UINT32_MAX ? (unsigned)v
							      : 0;
		if (err == NULL)
			err = dwarf_get_udata(w->d, die, off,
					      DW_AT_call_column, &v);
		s->call_column = err == NULL && v <= UINT32_MAX ? (unsigned)v
								: 0;
		if (err != NULL)
			return err;
	}
	*ret = (uint32_t)cu->n_scopes++;
	return NULL;
}

/* DIE's offset for a message; 0 if even that is unreadable. */
static Dwarf_Off
dwarf_walk_off(struct dbg_dwarf *d, Dwarf_Die die)
{
	Dwarf_Error e = NULL;
	Dwarf_Off off = 0;

	if (dwarf_dieoffset(die, &off, &e) != DW_DLV_OK && e != NULL)
		dwarf_dealloc_error(d->dbg, e);
	return off;
}

/* Walk the children of DIE collecting scopes. PARENT is the enclosing
 * scope; DEPTH bounds recursion against hostile nesting. */
static struct lpd_error *
dwarf_walk_children(struct dwarf_walk *w, Dwarf_Die die, uint32_t parent,
		    unsigned depth)
{
	struct dbg_dwarf *d = w->d;
	struct lpd_error *err = NULL;
	Dwarf_Die child = NULL;
	Dwarf_Error e = NULL;
	int res;

	res = dwarf_child(die, &child, &e);
	if (res == DW_DLV_ERROR)
		return dwarf_error(d, e, dwarf_walk_off(d, die),
				   "reading DIE children");
	if (res == DW_DLV_NO_ENTRY)
		return NULL;
	if (depth >= DWARF_MAX_DEPTH) {
		Dwarf_Off off = dwarf_walk_off(d, child);

		dwarf_dealloc_die(child);
		return lpd_error_format(LPD_ERR_BAD_INPUT,
					"%s: .debug_info offset 0x%llx: DIEs "
					"nested deeper than %d",
					d->elf->path, (unsigned long long)off,
					DWARF_MAX_DEPTH);
	}
	while (child != NULL && err == NULL) {
		Dwarf_Die next = NULL;
		Dwarf_Half tag = 0;
		Dwarf_Off off = 0;
		uint32_t scope;

		if (dwarf_dieoffset(child, &off, &e) != DW_DLV_OK ||
		    dwarf_tag(child, &tag, &e) != DW_DLV_OK) {
			err = dwarf_error(d, e, off, "reading DIE");
			break;
		}
		switch (tag) {
		case DW_TAG_subprogram:
		case DW_TAG_inlined_subroutine:
			err = dwarf_add_scope(w, child, off,
					      tag == DW_TAG_inlined_subroutine,
					      parent, depth, &scope);
			/* Without code (a declaration or abstract instance)
			 * nothing below can have code either. */
			if (err == NULL && scope != UINT32_MAX)
				err = dwarf_walk_children(w, child, scope,
							  depth + 1);
			break;
		case DW_TAG_lexical_block:
		case DW_TAG_namespace:
		case DW_TAG_module:
		case DW_TAG_try_block:
		case DW_TAG_catch_block:
		case DW_TAG_entry_point:
			err = dwarf_walk_children(w, child, parent,
						  depth + 1);
			break;
		default:
			break;
		}
		if (err == NULL) {
			res = dwarf_siblingof_b(d->dbg, child, 1, &next, &e);
			if (res == DW_DLV_ERROR)
				err = dwarf_error(d, e, off,
						  "reading DIE sibling");
		}
		dwarf_dealloc_die(child);
		child = err == NULL && res == DW_DLV_OK ? next : NULL;
	}
	return err;
}

/* Rows by address; at one address an end of sequence comes before the
 * start of the next, else table order: the order libdw sorts in, so the
 * same row wins a lookup as in eu-stack. */
static int
dwarf_cmp_row(const void *a, const void *b)
{
	const struct dwarf_row *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->end_sequence != y->end_sequence)
		return x->end_sequence ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* GNU_PRODUCER: gcc or gas made the CU (see the file register below). */
static struct lpd_error *
dwarf_load_lines(struct dbg_dwarf *d, struct dwarf_cu *cu, Dwarf_Die die,
		 bool gnu_producer)
{
	struct lpd_error *err = NULL;
	Dwarf_Line_Context ctx = NULL;
	Dwarf_Line *lines = NULL;
	Dwarf_Signed n = 0, i, nf = 0;
	Dwarf_Unsigned version = 0;
	Dwarf_Small tables = 0;
	Dwarf_Error e = NULL;
	char **files = NULL;
	int res;

	res = dwarf_srclines_b(die, &version, &tables, &ctx, &e);
	if (res == DW_DLV_NO_ENTRY)
		return NULL;
	if (res == DW_DLV_ERROR)
		return dwarf_error(d, e, cu->die, "reading line table");
	cu->line_version = (unsigned)version;
	if (dwarf_srclines_from_linecontext(ctx, &lines, &n, &e) !=
	    DW_DLV_OK) {
		err = dwarf_error(d, e, cu->die, "reading line table rows");
		goto out;
	}
	if (n > 0) {
		cu->rows = lpd_calloc((size_t)n, sizeof(*cu->rows));
		if (cu->rows == NULL) {
			err = &lpd_enomem;
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		struct dwarf_row *r = &cu->rows[cu->n_rows];
		Dwarf_Unsigned line = 0, col = 0, file = 0;
		Dwarf_Addr addr = 0;
		Dwarf_Bool end = 0;

		if (dwarf_lineaddr(lines[i], &addr, &e) != DW_DLV_OK ||
		    dwarf_lineno(lines[i], &line, &e) != DW_DLV_OK ||
		    dwarf_lineoff_b(lines[i], &col, &e) != DW_DLV_OK ||
		    dwarf_lineendsequence(lines[i], &end, &e) != DW_DLV_OK ||
		    dwarf_line_srcfileno(lines[i], &file, &e) != DW_DLV_OK) {
			err = dwarf_error(d, e, cu->die,
					  "reading line table row");
			goto out;
		}
		r->addr = addr;
		r->line = line <= UINT32_MAX ? (uint32_t)line : 0;
		r->column = col <= UINT32_MAX ? (uint32_t)col : 0;
		/* libdwarf 20210528 starts DWARF 5's file register at 0,
		 * not 1 (its issue 137). gcc and gas never select file 0
		 * themselves, so for them a 0 is the unset register. clang
		 * always sets the file, 0 included. */
		if (file == 0 && version >= 5 && gnu_producer)
			file = 1;
		r->file = file <= UINT32_MAX ? (uint32_t)file : UINT32_MAX;
		r->end_sequence = end != 0;
		r->seq = (uint32_t)cu->n_rows;
		cu->n_rows++;
	}
	/* Tables are mostly in order already: sort only when not. */
	for (i = 1; i < (Dwarf_Signed)cu->n_rows; i++)
		if (dwarf_cmp_row(&cu->rows[i - 1], &cu->rows[i]) > 0)
			break;
	if (i < (Dwarf_Signed)cu->n_rows)
		qsort(cu->rows, cu->n_rows, sizeof(*cu->rows), dwarf_cmp_row);

	/* dwarf_srcfiles joins comp_dir, include directory and name as
	 * eu-addr2line prints them. */
	res = dwarf_srcfiles(die, &files, &nf, &e);
	if (res == DW_DLV_ERROR) {
		err = dwarf_error(d, e, cu->die, "reading line table files");
		goto out;
	}
	if (res == DW_DLV_OK && nf > 0) {
		cu->files = lpd_calloc((size_t)nf, sizeof(*cu->files));
		for (i = 0; i < nf; i++) {
			if (cu->files != NULL && files[i] != NULL) {
				cu->files[i] = lpd_strdup(files[i]);
				if (cu->files[i] == NULL)
					err = &lpd_enomem;
			}
			dwarf_dealloc(d->dbg, files[i], DW_DLA_STRING);
		}
		dwarf_dealloc(d->dbg, files, DW_DLA_LIST);
		if (cu->files == NULL)
			err = &lpd_enomem;
		else
			cu->n_files = (size_t)nf;
	}
out:
	dwarf_srclines_dealloc_b(ctx);
	return err;
}

static struct lpd_error *
dwarf_load_cu(struct dbg_dwarf *d, struct dwarf_cu *cu)
{
	struct lpd_error *err;
	struct dwarf_walk w;
	Dwarf_Die die = NULL;
	Dwarf_Error e = NULL;
	Dwarf_Addr base = 0;
	Dwarf_Half version = 0, offsize = 0;
	char *producer = NULL;
	bool gnu = false;

	if (dwarf_offdie_b(d->dbg, cu->die, 1, &die, &e) != DW_DLV_OK)
		return dwarf_error(d, e, cu->die, "reading CU DIE");
	if (dwarf_get_version_of_die(die, &version, &offsize) != DW_DLV_OK)
		version = 4;
	/* The base for DWARF 2-4 range lists; no low_pc means 0. */
	if (dwarf_lowpc(die, &base, &e) == DW_DLV_ERROR) {
		dwarf_dealloc_error(d->dbg, e);
		base = 0;
	}
	memset(&w, 0, sizeof(w));
	w.d = d;
	w.cu = cu;
	w.version = version;
	w.base = base;
	if (dwarf_die_text(die, DW_AT_producer, &producer, &e) == DW_DLV_OK)
		gnu = strncmp(producer, "GNU ", 4) == 0;
	else if (e != NULL)
		dwarf_dealloc_error(d->dbg, e);
	err = dwarf_walk_children(&w, die, UINT32_MAX, 0);
	if (err == NULL)
		err = dwarf_load_lines(d, cu, die, gnu);
	dwarf_dealloc_die(die);
	return err;
}

/* ---- names -------------------------------------------------------------- */

/* String ATTR of the DIE at OFF or, failing that, of what it is an
 * instance of (abstract_origin) or defines (specification), as libdw's
 * dwarf_attr_integrate. *ret NULL when none; errors only for memory. */
static struct lpd_error *
dwarf_integrated_string(struct dbg_dwarf *d, Dwarf_Off off, Dwarf_Half attr,
			char **ret)
{
	static const Dwarf_Half links[] = {
		DW_AT_abstract_origin, DW_AT_specification,
	};
	unsigned hop;

	*ret = NULL;
	for (hop = 0; hop < DWARF_MAX_INTEGRATE; hop++) {
		Dwarf_Die die = NULL;
		Dwarf_Attribute a;
		Dwarf_Error e = NULL;
		Dwarf_Off next = 0;
		Dwarf_Half form = 0;
		bool have_next = false;
		char *s = NULL;
		size_t k;

		if (dwarf_offdie_b(d->dbg, off, 1, &die, &e) != DW_DLV_OK)
			goto bad;
		if (dwarf_attr(die, attr, &a, &e) == DW_DLV_OK) {
			if (dwarf_formstring(a, &s, &e) == DW_DLV_OK)
				*ret = lpd_strdup(s);
			else if (e != NULL)
				dwarf_dealloc_error(d->dbg, e);
			dwarf_dealloc_attribute(a);
			dwarf_dealloc_die(die);
			return s != NULL && *ret == NULL ? &lpd_enomem : NULL;
		}
		if (e != NULL)
			goto bad_die;
		for (k = 0; k < sizeof(links) / sizeof(links[0]); k++) {
			if (dwarf_attr(die, links[k], &a, &e) != DW_DLV_OK) {
				if (e != NULL)
					goto bad_die;
				continue;
			}
			/* References into a dwz or supplementary file lead
			 * outside this one. */
			if (dwarf_whatform(a, &form, &e) == DW_DLV_OK &&
			    form != DW_FORM_GNU_ref_alt &&
			    form != DW_FORM_ref_sup4 &&
			    form != DW_FORM_ref_sup8 &&
			    dwarf_global_formref(a, &next, &e) == DW_DLV_OK)
				have_next = true;
			dwarf_dealloc_attribute(a);
			if (e != NULL)
				goto bad_die;
			break;
		}
		dwarf_dealloc_die(die);
		if (!have_next || next == off)
			return NULL;
		off = next;
		continue;
bad_die:
		dwarf_dealloc_die(die);
bad:
		/* A name we cannot read is a name we do not have. */
		if (e != NULL)
			dwarf_dealloc_error(d->dbg, e);
		return NULL;
	}
	return NULL;
}

/* The name eu-addr2line gives a scope: linkage name (so C++ demangles)
 * before DW_AT_name. */
static struct lpd_error *
dwarf_scope_name(struct dbg_dwarf *d, struct dwarf_scope *s,
		 const char **ret)
{
	static const Dwarf_Half attrs[] = {
		DW_AT_MIPS_linkage_name, DW_AT_linkage_name, DW_AT_name,
	};
	struct lpd_error *err;
	size_t k;

	if (!s->name_done) {
		for (k = 0; k < sizeof(attrs) / sizeof(attrs[0]); k++) {
			err = dwarf_integrated_string(d, s->die, attrs[k],
						      &s->name);
			if (err != NULL)
				return err;
			if (s->name != NULL)
				break;
		}
		s->name_done = true;
	}
	*ret = s->name;
	return NULL;
}

/* ---- lookup ------------------------------------------------------------- */

static const char *
dwarf_file_name(const struct dwarf_cu *cu, uint64_t file)
{
	/* DWARF 5 numbers files from 0, earlier versions from 1. */
	if (cu->line_version < 5) {
		if (file == 0)
			return NULL;
		file--;
	}
	return file < cu->n_files ? cu->files[file] : NULL;
}

static const struct dwarf_row *
dwarf_find_row(const struct dwarf_cu *cu, uint64_t addr)
{
	size_t lo = 0, hi = cu->n_rows;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cu->rows[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* The last row at or below ADDR, unless it ends a sequence. */
	if (lo == 0 || cu->rows[lo - 1].end_sequence)
		return NULL;
	return &cu->rows[lo - 1];
}

/* The deepest scope whose ranges hold ADDR. */
static struct dwarf_scope *
dwarf_find_scope(struct dwarf_cu *cu, uint64_t addr)
{
	struct dwarf_scope *best = NULL;
	size_t i;

	for (i = 0; i < cu->n_ranges; i++) {
		const struct dwarf_srange *r = &cu->ranges[i];
		struct dwarf_scope *s = &cu->scopes[r->scope];

		if (addr >= r->lo && addr < r->hi &&
		    (best == NULL || s->depth > best->depth))
			best = s;
	}
	return best;
}

static struct lpd_error *
dwarf_set_loc(struct dbg_srcloc *loc, const char *function, const char *file,
	      unsigned line, unsigned column)
{
	if (function != NULL && (loc->function = lpd_strdup(function)) == NULL)
		return &lpd_enomem;
	if (file != NULL && (loc->file = lpd_strdup(file)) == NULL)
		return &lpd_enomem;
	loc->line = line;
	loc->column = column;
	return NULL;
}

struct lpd_error *
dbg_dwarf_lookup(struct dbg_dwarf *d, uint64_t addr, struct dbg_srcloc **ret,
		 size_t *n_ret)
{
	struct lpd_error *err = NULL;
	struct dbg_srcloc *locs = NULL;
	struct dwarf_scope *s, *t;
	const struct dwarf_row *row;
	struct dwarf_cu *cu;
	const char *name;
	size_t n = 0, depth = 0;

	cu = dwarf_find_cu(d, addr);
	if (cu == NULL) {
		*ret = NULL;
		*n_ret = 0;
		return NULL;
	}
	if (cu->failure != NULL)
		return lpd_error_format(LPD_ERR_BAD_INPUT, "%s",
					cu->failure);
	if (!cu->loaded) {
		err = dwarf_load_cu(d, cu);
		if (err != NULL) {
			/* Remember why, so a bad CU costs one read. */
			dwarf_cu_clear(cu);
			if (err != &lpd_enomem)
				cu->failure = lpd_strdup(err->message);
			return err;
		}
		cu->loaded = true;
	}
	row = dwarf_find_row(cu, addr);
	s = dwarf_find_scope(cu, addr);
	if (s == NULL && row == NULL) {
		*ret = NULL;
		*n_ret = 0;
		return NULL;
	}
	/* Chain length: the scope, then each caller an inline stands in. */
	depth = 1;
	for (t = s; t != NULL && t->is_inline && t->parent != UINT32_MAX;
	     t = &cu->scopes[t->parent])
		depth++;
	locs = lpd_calloc(depth, sizeof(*locs));
	if (locs == NULL)
		return &lpd_enomem;

	name = NULL;
	if (s != NULL)
		err = dwarf_scope_name(d, s, &name);
	if (err == NULL)
		err = dwarf_set_loc(&locs[n++], name,
				    row != NULL ? dwarf_file_name(cu, row->file)
						: NULL,
				    row != NULL ? row->line : 0,
				    row != NULL ? row->column : 0);
	for (t = s; err == NULL && n < depth; t = &cu->scopes[t->parent]) {
		struct dwarf_scope *caller = &cu->scopes[t->parent];

		err = dwarf_scope_name(d, caller, &name);
		if (err == NULL)
			err = dwarf_set_loc(&locs[n++], name,
					    dwarf_file_name(cu, t->call_file),
					    t->call_line, t->call_column);
	}
	if (err != NULL) {
		dbg_srclocs_free(locs, n);
		return err;
	}
	*ret = locs;
	*n_ret = n;
	return NULL;
}

void
dbg_srclocs_free(struct dbg_srcloc *locs, size_t n)
{
	size_t i;

	if (locs == NULL)
		return;
	for (i = 0; i < n; i++) {
		lpd_free(locs[i].function);
		lpd_free(locs[i].file);
	}
	lpd_free(locs);
}

/* ---- DIE access for types.c, location.c and values.c ------------------ */

Dwarf_Debug
dbg_dwarf_handle(struct dbg_dwarf *d)
{
	return d->dbg;
}

struct dbg_elf *
dbg_dwarf_elf(struct dbg_dwarf *d)
{
	return d->elf;
}

struct dbg_types **
dbg_dwarf_types_slot(struct dbg_dwarf *d)
{
	return &d->types;
}

struct lpd_error *
dbg_dwarf_error(struct dbg_dwarf *d, Dwarf_Error e, Dwarf_Off off,
		const char *what)
{
	return dwarf_error(d, e, off, what);
}

struct lpd_error *
dbg_dwarf_udata(struct dbg_dwarf *d, Dwarf_Die die, Dwarf_Off off,
		Dwarf_Half attr, uint64_t *ret)
{
	return dwarf_get_udata(d, die, off, attr, ret);
}

size_t
dbg_dwarf_cu_count(struct dbg_dwarf *d)
{
	return d->n_cus;
}

Dwarf_Off
dbg_dwarf_cu_die(struct dbg_dwarf *d, size_t i)
{
	return i < d->n_cus ? d->cus[i].die : 0;
}

struct lpd_error *
dbg_dwarf_scope_dies(struct dbg_dwarf *d, uint64_t addr, Dwarf_Off *cu_ret,
		     Dwarf_Off **ret, size_t *n_ret)
{
	struct lpd_error *err;
	struct dwarf_scope *s, *t;
	struct dwarf_cu *cu;
	Dwarf_Off *dies;
	size_t depth, n = 0;

	cu = dwarf_find_cu(d, addr);
	if (cu == NULL || cu->failure != NULL) {
		*n_ret = 0;
		*ret = NULL;
		*cu_ret = 0;
		return NULL;
	}
	if (!cu->loaded) {
		err = dwarf_load_cu(d, cu);
		if (err != NULL) {
			dwarf_cu_clear(cu);
			if (err != &lpd_enomem)
				cu->failure = lpd_strdup(err->message);
			return err;
		}
		cu->loaded = true;
	}
	s = dwarf_find_scope(cu, addr);
	depth = 1;
	for (t = s; t != NULL && t->is_inline && t->parent != UINT32_MAX;
	     t = &cu->scopes[t->parent])
		depth++;
	dies = lpd_calloc(depth, sizeof(*dies));
	if (dies == NULL)
		return &lpd_enomem;
	for (t = s; n < depth; n++) {
		dies[n] = t != NULL ? t->die : 0;
		if (t != NULL && t->parent != UINT32_MAX)
			t = &cu->scopes[t->parent];
		else
			t = NULL;
	}
	*cu_ret = cu->die;
	*ret = dies;
	*n_ret = depth;
	return NULL;
}

struct lpd_error *
dbg_dwarf_file_name(struct dbg_dwarf *d, Dwarf_Off cu_die, uint64_t file,
		    const char **ret)
{
	size_t i;

	*ret = NULL;
	for (i = 0; i < d->n_cus; i++) {
		struct dwarf_cu *cu = &d->cus[i];

		if (cu->die != cu_die)
			continue;
		if (!cu->loaded && cu->failure == NULL) {
			struct lpd_error *err = dwarf_load_cu(d, cu);

			if (err != NULL) {
				dwarf_cu_clear(cu);
				return err;
			}
			cu->loaded = true;
		}
		if (cu->loaded)
			*ret = dwarf_file_name(cu, file);
		break;
	}
	return NULL;
}

struct dwarf_pc_arg {
	uint64_t pc;
	bool hit;
};

static struct lpd_error *
dwarf_pc_in(void *arg, uint64_t lo, uint64_t hi)
{
	struct dwarf_pc_arg *a = arg;

	if (a->pc >= lo && a->pc < hi)
		a->hit = true;
	return NULL;
}

struct lpd_error *
dbg_dwarf_die_pc_ranges(struct dbg_dwarf *d, Dwarf_Die die, Dwarf_Off off,
			uint64_t pc, bool *has_ranges, bool *contains)
{
	struct lpd_error *err;
	struct dwarf_pc_arg a = { .pc = pc };
	Dwarf_Half version = 4, offsize = 0;
	Dwarf_Off cu_off = 0;
	Dwarf_Die cu = NULL;
	Dwarf_Error e = NULL;
	Dwarf_Addr base = 0;
	Dwarf_Bool has_lo = 0, has_rng = 0;

	*has_ranges = false;
	*contains = false;
	if (dwarf_hasattr(die, DW_AT_low_pc, &has_lo, &e) != DW_DLV_OK ||
	    dwarf_hasattr(die, DW_AT_ranges, &has_rng, &e) != DW_DLV_OK)
		return dwarf_error(d, e, off, "reading block ranges");
	if (!has_lo && !has_rng)
		return NULL;
	*has_ranges = true;
	if (dwarf_get_version_of_die(die, &version, &offsize) != DW_DLV_OK)
		version = 4;
	if (has_rng &&
	    dwarf_CU_dieoffset_given_die(die, &cu_off, &e) == DW_DLV_OK &&
	    dwarf_offdie_b(d->dbg, cu_off, 1, &cu, &e) == DW_DLV_OK) {
		if (dwarf_lowpc(cu, &base, &e) != DW_DLV_OK)
			base = 0;
		dwarf_dealloc_die(cu);
	}
	if (e != NULL)
		dwarf_dealloc_error(d->dbg, e);
	err = dwarf_die_ranges(d, die, off, version, base, dwarf_pc_in, &a);
	*contains = a.hit;
	return err;
}
