/* debugger/location.c - where a variable lives at a pc: its DW_AT_location
 * expression, or the entry of its location list (DWARF 4 .debug_loc,
 * DWARF 5 .debug_loclists) covering the pc, evaluated by cfi.c's DWARF
 * expression machine in location mode. Reading the bytes is values.c's. */
#include <string.h>

#include "debugger/dwarf-int.h"

enum {
	/* Entries walked in one location list: more is hostile. */
	LOC_MAX_ENTRIES = 100000,
};

struct lpd_error *
dbg_loc_eval(const struct dbg_loc_frame *f, const uint8_t *expr, size_t len,
	     const char *file, uint64_t offset, struct dbg_loc *ret)
{
	struct dbg_expr_ctx ctx = {
		.regs = f->regs,
		.read = f->read,
		.read_arg = f->read_arg,
		.addr_size = f->arch != NULL ? f->arch->addr_size : 8,
		.big_endian = f->arch != NULL && f->arch->big_endian,
		.loc = ret,
		.frame_base = f->has_frame_base ? &f->frame_base : NULL,
		.cfa = f->cfa != 0 ? &f->cfa : NULL,
		.addr_bias = f->bias,
		.offset_size = 4,
		.entry_value = f->entry_value,
		.entry_arg = f->entry_arg,
	};
	uint64_t unused;

	if (len == 0) {
		ret->n = 0;
		ret->not_saved = false;
		return NULL;
	}
	return dbg_expr_eval(&ctx, expr, len, file, offset, NULL, &unused);
}

/* What a location list needs of its CU. */
struct loc_cu {
	unsigned version;
	unsigned addr_size;
	uint64_t base;		/* DW_AT_low_pc */
	uint64_t addr_base;	/* DW_AT_addr_base */
	uint64_t loclists_base;
	bool has_addr_base, has_loclists_base;
};

/* A section offset held by A (sec_offset, or data4/8 before DWARF 4). */
static bool
loc_attr_offset(struct dbg_dwarf *d, Dwarf_Attribute a, uint64_t *ret)
{
	Dwarf_Debug dbg = dbg_dwarf_handle(d);
	Dwarf_Error e = NULL;
	Dwarf_Off o = 0;
	Dwarf_Unsigned u = 0;

	if (dwarf_global_formref(a, &o, &e) == DW_DLV_OK) {
		*ret = o;
		return true;
	}
	if (e != NULL)
		dwarf_dealloc_error(dbg, e);
	e = NULL;
	if (dwarf_formudata(a, &u, &e) == DW_DLV_OK) {
		*ret = u;
		return true;
	}
	if (e != NULL)
		dwarf_dealloc_error(dbg, e);
	return false;
}

static bool
loc_die_offset_attr(struct dbg_dwarf *d, Dwarf_Die die, Dwarf_Half name,
		    uint64_t *ret)
{
	Dwarf_Attribute a;
	Dwarf_Error e = NULL;
	bool ok = false;

	if (dwarf_attr(die, name, &a, &e) == DW_DLV_OK) {
		ok = loc_attr_offset(d, a, ret);
		dwarf_dealloc_attribute(a);
	}
	if (e != NULL)
		dwarf_dealloc_error(dbg_dwarf_handle(d), e);
	return ok;
}

static struct lpd_error *
loc_cu_info(struct dbg_dwarf *d, Dwarf_Die die, struct loc_cu *ret)
{
	Dwarf_Debug dbg = dbg_dwarf_handle(d);
	Dwarf_Error e = NULL;
	Dwarf_Off cu_off = 0;
	Dwarf_Die cu = NULL;
	Dwarf_Half version = 0, offsize = 0;
	Dwarf_Addr lo = 0;

	memset(ret, 0, sizeof(*ret));
	ret->addr_size = dbg_dwarf_elf(d)->elfclass == ELFCLASS32 ? 4 : 8;
	if (dwarf_CU_dieoffset_given_die(die, &cu_off, &e) != DW_DLV_OK)
		return dbg_dwarf_error(d, e, 0, "finding the CU of a DIE");
	if (dwarf_offdie_b(dbg, cu_off, 1, &cu, &e) != DW_DLV_OK)
		return dbg_dwarf_error(d, e, cu_off, "reading CU DIE");
	if (dwarf_get_version_of_die(cu, &version, &offsize) == DW_DLV_OK)
		ret->version = version;
	else
		ret->version = 4;
	if (dwarf_lowpc(cu, &lo, &e) == DW_DLV_OK)
		ret->base = lo;
	else if (e != NULL)
		dwarf_dealloc_error(dbg, e);
	ret->has_addr_base = loc_die_offset_attr(d, cu, DW_AT_addr_base,
						 &ret->addr_base);
	ret->has_loclists_base = loc_die_offset_attr(d, cu,
						     DW_AT_loclists_base,
						     &ret->loclists_base);
	dwarf_dealloc_die(cu);
	return NULL;
}

/* Entry IDX of .debug_addr for the CU. */
static struct lpd_error *
loc_debug_addr(struct dbg_dwarf *d, const struct loc_cu *cu, uint64_t idx,
	       uint64_t *ret)
{
	struct dbg_elf *elf = dbg_dwarf_elf(d);
	struct dbg_section sec;
	struct lpd_reader r;
	struct lpd_error *err;

	if (!cu->has_addr_base || !dbg_elf_section(elf, ".debug_addr", &sec))
		return lpd_error_format(LPD_ERR_BAD_INPUT, "%s: address index "
					"%llu without .debug_addr", elf->path,
					(unsigned long long)idx);
	lpd_reader_init(&r, sec.data, sec.size, elf->big_endian, elf->path,
			sec.offset);
	if (idx > (sec.size / cu->addr_size))
		return lpd_reader_error(&r, ".debug_addr index %llu out of "
					"range", (unsigned long long)idx);
	err = lpd_reader_seek(&r, cu->addr_base + idx * cu->addr_size);
	if (err == NULL)
		err = lpd_reader_uN(&r, cu->addr_size, ret);
	return err;
}

/* The expression of the DWARF 4 list at OFF covering PC, or none. */
static struct lpd_error *
loc_list4(struct dbg_dwarf *d, const struct loc_cu *cu, uint64_t off,
	  uint64_t pc, const uint8_t **expr, size_t *len, uint64_t *at)
{
	struct dbg_elf *elf = dbg_dwarf_elf(d);
	struct dbg_section sec;
	struct lpd_reader r;
	struct lpd_error *err;
	uint64_t base = cu->base, lo, hi;
	uint64_t all = cu->addr_size == 4 ? 0xffffffffu : UINT64_MAX;
	uint16_t n;
	unsigned k;

	*expr = NULL;
	if (!dbg_elf_section(elf, ".debug_loc", &sec))
		return lpd_error_format(LPD_ERR_BAD_INPUT, "%s: location list "
					"without .debug_loc", elf->path);
	lpd_reader_init(&r, sec.data, sec.size, elf->big_endian, elf->path,
			sec.offset);
	err = lpd_reader_seek(&r, (size_t)off);
	if (err != NULL || off > sec.size)
		return err != NULL ? err : lpd_reader_error(&r, "bad offset");
	for (k = 0; k < LOC_MAX_ENTRIES; k++) {
		const uint8_t *p;

		err = lpd_reader_uN(&r, cu->addr_size, &lo);
		if (err == NULL)
			err = lpd_reader_uN(&r, cu->addr_size, &hi);
		if (err != NULL)
			return err;
		if (lo == 0 && hi == 0)
			return NULL;
		if (lo == all) {
			base = hi;
			continue;
		}
		err = lpd_reader_u16(&r, &n);
		if (err == NULL) {
			*at = r.base_offset + r.pos;
			err = lpd_reader_bytes(&r, n, &p);
		}
		if (err != NULL)
			return err;
		if (pc >= base + lo && pc < base + hi) {
			*expr = p;
			*len = n;
			return NULL;
		}
	}
	return lpd_reader_error(&r, "location list longer than %d entries",
				LOC_MAX_ENTRIES);
}

/* The expression of the DWARF 5 list at OFF covering PC, or none. */
static struct lpd_error *
loc_list5(struct dbg_dwarf *d, const struct loc_cu *cu, uint64_t off,
	  uint64_t pc, const uint8_t **expr, size_t *len, uint64_t *at)
{
	struct dbg_elf *elf = dbg_dwarf_elf(d);
	struct dbg_section sec;
	struct lpd_reader r;
	struct lpd_error *err;
	uint64_t base = cu->base, a, b, n, dat = 0;
	const uint8_t *dflt = NULL;
	size_t dlen = 0;
	unsigned k;

	*expr = NULL;
	if (!dbg_elf_section(elf, ".debug_loclists", &sec))
		return lpd_error_format(LPD_ERR_BAD_INPUT, "%s: location list "
					"without .debug_loclists", elf->path);
	lpd_reader_init(&r, sec.data, sec.size, elf->big_endian, elf->path,
			sec.offset);
	if (off > sec.size)
		return lpd_reader_error(&r, "location list offset 0x%llx past "
					"the section",
					(unsigned long long)off);
	err = lpd_reader_seek(&r, (size_t)off);
	for (k = 0; err == NULL && k < LOC_MAX_ENTRIES; k++) {
		const uint8_t *p;
		uint8_t kind;
		bool has_range = true;

		err = lpd_reader_u8(&r, &kind);
		if (err != NULL)
			break;
		a = b = 0;
		switch (kind) {
		case DW_LLE_end_of_list:
			if (dflt != NULL) {
				*expr = dflt;
				*len = dlen;
				*at = dat;
			}
			return NULL;
		case DW_LLE_base_addressx:
			err = lpd_reader_uleb128(&r, &a);
			if (err == NULL)
				err = loc_debug_addr(d, cu, a, &base);
			continue;
		case DW_LLE_base_address:
			err = lpd_reader_uN(&r, cu->addr_size, &base);
			continue;
		case DW_LLE_startx_endx:
			err = lpd_reader_uleb128(&r, &a);
			if (err == NULL)
				err = lpd_reader_uleb128(&r, &b);
			if (err == NULL)
				err = loc_debug_addr(d, cu, a, &a);
			if (err == NULL)
				err = loc_debug_addr(d, cu, b, &b);
			break;
		case DW_LLE_startx_length:
			err = lpd_reader_uleb128(&r, &a);
			if (err == NULL)
				err = lpd_reader_uleb128(&r, &b);
			if (err == NULL)
				err = loc_debug_addr(d, cu, a, &a);
			b += a;
			break;
		case DW_LLE_offset_pair:
			err = lpd_reader_uleb128(&r, &a);
			if (err == NULL)
				err = lpd_reader_uleb128(&r, &b);
			a += base;
			b += base;
			break;
		case DW_LLE_default_location:
			has_range = false;
			break;
		case 0x09:	/* DW_LLE_GNU_view_pair: views, no range */
			err = lpd_reader_uleb128(&r, &a);
			if (err == NULL)
				err = lpd_reader_uleb128(&r, &b);
			continue;
		case DW_LLE_start_end:
			err = lpd_reader_uN(&r, cu->addr_size, &a);
			if (err == NULL)
				err = lpd_reader_uN(&r, cu->addr_size, &b);
			break;
		case DW_LLE_start_length:
			err = lpd_reader_uN(&r, cu->addr_size, &a);
			if (err == NULL)
				err = lpd_reader_uleb128(&r, &b);
			b += a;
			break;
		default:
			r.pos--;
			return lpd_reader_error(&r, "unknown location list "
						"entry kind 0x%02x", kind);
		}
		if (err == NULL)
			err = lpd_reader_uleb128(&r, &n);
		if (err == NULL && n > lpd_reader_left(&r))
			err = lpd_reader_error(&r, "location expression of "
					       "%llu bytes runs past the "
					       "section",
					       (unsigned long long)n);
		if (err != NULL)
			break;
		dat = r.base_offset + r.pos;
		err = lpd_reader_bytes(&r, (size_t)n, &p);
		if (err != NULL)
			break;
		if (!has_range) {
			dflt = p;
			dlen = (size_t)n;
			continue;
		}
		if (pc >= a && pc < b) {
			*expr = p;
			*len = (size_t)n;
			*at = dat;
			return NULL;
		}
	}
	if (err == NULL)
		err = lpd_reader_error(&r, "location list longer than %d "
				       "entries", LOC_MAX_ENTRIES);
	return err;
}

/* Offset of entry IDX of the CU's loclists offset table. */
static struct lpd_error *
loc_listx(struct dbg_dwarf *d, const struct loc_cu *cu, uint64_t idx,
	  uint64_t *ret)
{
	struct dbg_elf *elf = dbg_dwarf_elf(d);
	struct dbg_section sec;
	struct lpd_reader r;
	struct lpd_error *err;
	uint32_t v;

	if (!cu->has_loclists_base ||
	    !dbg_elf_section(elf, ".debug_loclists", &sec))
		return lpd_error_format(LPD_ERR_BAD_INPUT, "%s: location list "
					"index without DW_AT_loclists_base",
					elf->path);
	lpd_reader_init(&r, sec.data, sec.size, elf->big_endian, elf->path,
			sec.offset);
	if (idx > sec.size / 4 || cu->loclists_base > sec.size)
		return lpd_reader_error(&r, "location list index %llu out of "
					"range", (unsigned long long)idx);
	err = lpd_reader_seek(&r, (size_t)(cu->loclists_base + idx * 4));
	if (err == NULL)
		err = lpd_reader_u32(&r, &v);
	if (err == NULL)
		*ret = cu->loclists_base + v;
	return err;
}

struct lpd_error *
dbg_loc_from_die(struct dbg_dwarf *d, Dwarf_Die die, Dwarf_Off off,
		 Dwarf_Half attr_name, const struct dbg_loc_frame *f,
		 struct dbg_loc *ret, bool *found)
{
	Dwarf_Debug dbg = dbg_dwarf_handle(d);
	struct dbg_elf *elf = dbg_dwarf_elf(d);
	struct lpd_error *err = NULL;
	Dwarf_Attribute a;
	Dwarf_Error e = NULL;
	Dwarf_Half form = 0;
	Dwarf_Unsigned len = 0;
	Dwarf_Ptr ptr = NULL;
	Dwarf_Block *blk = NULL;
	const uint8_t *expr = NULL;
	size_t elen = 0;
	uint64_t at = off, loff = 0;
	struct loc_cu cu;
	int res;

	*found = false;
	ret->n = 0;
	ret->not_saved = false;
	res = dwarf_attr(die, attr_name, &a, &e);
	if (res == DW_DLV_ERROR)
		return dbg_dwarf_error(d, e, off, "reading location");
	if (res == DW_DLV_NO_ENTRY)
		return NULL;
	*found = true;
	if (dwarf_whatform(a, &form, &e) != DW_DLV_OK) {
		dwarf_dealloc_attribute(a);
		return dbg_dwarf_error(d, e, off, "reading location form");
	}
	switch (form) {
	case DW_FORM_exprloc:
		if (dwarf_formexprloc(a, &len, &ptr, &e) != DW_DLV_OK) {
			err = dbg_dwarf_error(d, e, off, "reading location");
			break;
		}
		err = dbg_loc_eval(f, ptr, (size_t)len, elf->path, off, ret);
		break;
	case DW_FORM_block1:
	case DW_FORM_block2:
	case DW_FORM_block4:
	case DW_FORM_block:
		if (dwarf_formblock(a, &blk, &e) != DW_DLV_OK) {
			err = dbg_dwarf_error(d, e, off, "reading location");
			break;
		}
		err = dbg_loc_eval(f, blk->bl_data, (size_t)blk->bl_len,
				   elf->path, off, ret);
		dwarf_dealloc(dbg, blk, DW_DLA_BLOCK);
		break;
	default:
		err = loc_cu_info(d, die, &cu);
		if (err != NULL)
			break;
		if (form == DW_FORM_loclistx) {
			Dwarf_Unsigned idx = 0;

			if (dwarf_formudata(a, &idx, &e) != DW_DLV_OK) {
				err = dbg_dwarf_error(d, e, off,
						      "reading loclistx");
				break;
			}
			err = loc_listx(d, &cu, idx, &loff);
		} else if (!loc_attr_offset(d, a, &loff)) {
			err = lpd_error_format(LPD_ERR_BAD_INPUT, "%s: .debug_"
					       "info offset 0x%llx: location "
					       "of form 0x%x", elf->path,
					       (unsigned long long)off, form);
		}
		if (err != NULL)
			break;
		if (cu.version >= 5)
			err = loc_list5(d, &cu, loff, f->pc, &expr, &elen,
					&at);
		else
			err = loc_list4(d, &cu, loff, f->pc, &expr, &elen,
					&at);
		if (err == NULL && expr != NULL)
			err = dbg_loc_eval(f, expr, elen, elf->path, at, ret);
		break;
	}
	dwarf_dealloc_attribute(a);
	return err;
}
