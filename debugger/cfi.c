/* debugger/cfi.c - DWARF call frame information: .eh_frame (with the
 * .eh_frame_hdr search table) and .debug_frame parsing, the CFA program
 * interpreter producing one row per pc, and the DWARF expression evaluator
 * those rows need. Using the rows to step frames is unwind.c's job. */
#include <stdlib.h>
#include <string.h>

#include "debugger/debugger-int.h"

/* DW_EH_PE_* pointer encodings. */
enum {
	PE_ABSPTR = 0x00, PE_ULEB128 = 0x01, PE_UDATA2 = 0x02,
	PE_UDATA4 = 0x03, PE_UDATA8 = 0x04, PE_SIGNED = 0x08,
	PE_SLEB128 = 0x09, PE_SDATA2 = 0x0a, PE_SDATA4 = 0x0b,
	PE_SDATA8 = 0x0c,
	PE_PCREL = 0x10, PE_TEXTREL = 0x20, PE_DATAREL = 0x30,
	PE_FUNCREL = 0x40, PE_ALIGNED = 0x50,
	PE_INDIRECT = 0x80, PE_OMIT = 0xff,
};

/* Deepest DW_CFA_remember_state nesting; compilers use one or two. */
enum { CFI_STATE_MAX = 16 };
/* DWARF expression limits: stack entries and operations executed (a
 * backward DW_OP_skip could otherwise loop forever). */
enum { EXPR_STACK_MAX = 64, EXPR_STEPS_MAX = 10000 };

struct cfi_cie {
	size_t offset;			/* in the section; SIZE_MAX: empty */
	size_t insns, insns_end;	/* initial instructions */
	uint64_t code_align;
	int64_t data_align;
	unsigned ra_regno;
	uint8_t fde_enc;
	bool has_z, signal_frame;
	unsigned addr_size, segment_size;
};

struct cfi_fde {
	size_t offset;
	uint64_t start, end;
	size_t insns, insns_end;
};

/* Rules DW_CFA_remember_state saves: the CFA with the registers, as
 * libgcc does (GCC relies on it around epilogues). */
struct cfi_state {
	uint8_t cfa_kind;
	unsigned cfa_regno;
	int64_t cfa_offset;
	const uint8_t *cfa_expr;
	uint32_t cfa_expr_len;
	struct dbg_cfi_rule regs[DUMP_MAX_REGS];
};

enum { CIE_CACHE_SIZE = 8 };

struct dbg_cfi {
	const char *file;
	struct dbg_section sec;
	bool eh;
	bool big_endian;
	unsigned addr_size;
	/* .eh_frame_hdr binary search table (datarel sdata4 pairs), or NULL */
	const uint8_t *hdr_table;
	size_t hdr_count;
	uint64_t hdr_addr;
	/* sorted FDE index, built on first need */
	bool indexed;
	struct dbg_cfi_fde *index;
	size_t n_index;
	struct lpd_error *index_err;
	/* a few parsed CIEs, direct-mapped by offset */
	struct cfi_cie cies[CIE_CACHE_SIZE];
	/* scratch for the interpreter, allocated on first use */
	struct cfi_state *stack;
	struct dbg_cfi_rule *initial;	/* rules after the CIE's program */
	struct dbg_cfi_row *row;
};

static struct lpd_error *
error_copy(const struct lpd_error *err)
{
	if (err->is_static)
		return (struct lpd_error *)err;
	return lpd_error_format(err->code, "%s", err->message);
}

static bool
encoding_valid(uint8_t enc)
{
	if (enc == PE_OMIT)
		return true;
	switch (enc & 0x0f) {
	case PE_ABSPTR: case PE_ULEB128: case PE_UDATA2: case PE_UDATA4:
	case PE_UDATA8: case PE_SIGNED: case PE_SLEB128: case PE_SDATA2:
	case PE_SDATA4: case PE_SDATA8:
		break;
	default:
		return false;
	}
	return (enc & 0x70) <= PE_ALIGNED;
}

/* Read a pointer encoded as ENC at R's cursor. BASE_ADDR is the address of
 * R's first byte (for pcrel), DATAREL the datarel base (0: not allowed).
 * Indirect pointers are returned as their address: we only need the
 * values of FDE ranges, which are never indirect. */
static struct lpd_error *
read_encoded(struct lpd_reader *r, uint8_t enc, unsigned addr_size,
	     uint64_t base_addr, uint64_t datarel, uint64_t *ret)
{
	struct lpd_error *err;
	size_t at;
	uint64_t v;
	int64_t s;

	if (!encoding_valid(enc) || enc == PE_OMIT)
		return lpd_reader_error(r, "bad pointer encoding 0x%x", enc);
	if ((enc & 0x70) == PE_ALIGNED) {
		size_t pad = (addr_size - (r->pos % addr_size)) % addr_size;

		err = lpd_reader_skip(r, pad);
		if (err != NULL)
			return err;
	}
	at = r->pos;
	switch (enc & 0x0f) {
	case PE_ABSPTR:
		err = lpd_reader_uN(r, addr_size, &v);
		break;
	case PE_SIGNED:
		err = lpd_reader_sN(r, addr_size, &s);
		v = (uint64_t)s;
		break;
	case PE_ULEB128:
		err = lpd_reader_uleb128(r, &v);
		break;
	case PE_SLEB128:
		err = lpd_reader_sleb128(r, &s);
		v = (uint64_t)s;
		break;
	case PE_UDATA2:
		err = lpd_reader_uN(r, 2, &v);
		break;
	case PE_UDATA4:
		err = lpd_reader_uN(r, 4, &v);
		break;
	case PE_UDATA8:
		err = lpd_reader_uN(r, 8, &v);
		break;
	case PE_SDATA2:
		err = lpd_reader_sN(r, 2, &s);
		v = (uint64_t)s;
		break;
	case PE_SDATA4:
		err = lpd_reader_sN(r, 4, &s);
		v = (uint64_t)s;
		break;
	default:	/* PE_SDATA8 */
		err = lpd_reader_sN(r, 8, &s);
		v = (uint64_t)s;
		break;
	}
	if (err != NULL)
		return err;
	switch (enc & 0x70) {
	case PE_PCREL:
		v += base_addr + at;
		break;
	case PE_DATAREL:
		if (datarel == 0) {
			r->pos = at;
			return lpd_reader_error(r, "datarel pointer (encoding "
						"0x%x) not supported here",
						enc);
		}
		v += datarel;
		break;
	case PE_TEXTREL:
	case PE_FUNCREL:
		r->pos = at;
		return lpd_reader_error(r, "pointer encoding 0x%x not "
					"supported", enc);
	default:
		break;
	}
	if (addr_size == 4)
		v &= 0xffffffff;
	*ret = v;
	return NULL;
}

/* ---- entries ---------------------------------------------------------- */

struct cfi_entry {
	struct lpd_reader r;	/* over the entry, after the id field */
	size_t offset;		/* of the length field */
	size_t next;		/* offset of the next entry */
	bool terminator;	/* a zero length */
	bool is_cie;
	size_t cie_offset;	/* FDE: its CIE */
};

static struct lpd_error *
entry_open(const struct dbg_cfi *c, size_t off, struct cfi_entry *ret)
{
	struct lpd_reader r;
	struct lpd_error *err;
	uint32_t len32;
	uint64_t len, id, all_ones;
	size_t body, id_pos;
	bool is64 = false;

	lpd_reader_init(&r, c->sec.data, c->sec.size, c->big_endian, c->file,
			c->sec.offset);
	err = lpd_reader_seek(&r, off);
	if (err == NULL)
		err = lpd_reader_u32(&r, &len32);
	if (err != NULL)
		return err;
	len = len32;
	if (len32 == 0xffffffff) {
		is64 = true;
		err = lpd_reader_u64(&r, &len);
		if (err != NULL)
			return err;
	} else if (len32 >= 0xfffffff0) {
		r.pos = off;
		return lpd_reader_error(&r, "reserved CFI length 0x%x", len32);
	}
	ret->offset = off;
	ret->terminator = len == 0;
	if (len == 0) {
		ret->next = r.pos;
		return NULL;
	}
	if (len > lpd_reader_left(&r)) {
		r.pos = off;
		return lpd_reader_error(&r, "CFI entry length 0x%llx runs past "
					"the end of the section",
					(unsigned long long)len);
	}
	body = r.pos;
	ret->next = body + (size_t)len;
	lpd_reader_init(&ret->r, c->sec.data + off, ret->next - off,
			c->big_endian, c->file, c->sec.offset + off);
	ret->r.pos = body - off;
	id_pos = body;
	err = lpd_reader_uN(&ret->r, is64 ? 8 : 4, &id);
	if (err != NULL)
		return err;
	all_ones = is64 ? UINT64_MAX : 0xffffffff;
	if (c->eh) {
		ret->is_cie = id == 0;
		if (!ret->is_cie) {
			if (id > id_pos) {
				ret->r.pos = id_pos - off;
				return lpd_reader_error(&ret->r, "CIE pointer "
							"0x%llx before the "
							"section",
							(unsigned long long)id);
			}
			ret->cie_offset = id_pos - (size_t)id;
		}
	} else {
		ret->is_cie = id == all_ones;
		if (!ret->is_cie) {
			if (id >= c->sec.size) {
				ret->r.pos = id_pos - off;
				return lpd_reader_error(&ret->r, "CIE pointer "
							"0x%llx past the "
							"section",
							(unsigned long long)id);
			}
			ret->cie_offset = (size_t)id;
		}
	}
	return NULL;
}

static struct lpd_error *
cie_parse(const struct dbg_cfi *c, size_t off, struct cfi_cie *ret)
{
	struct cfi_entry e;
	struct lpd_error *err;
	struct cfi_cie cie;
	const char *aug;
	uint8_t version, u8;
	uint64_t v;

	err = entry_open(c, off, &e);
	if (err != NULL)
		return err;
	if (e.terminator || !e.is_cie)
		return lpd_error_input(c->file, c->sec.offset + off,
				       "FDE's CIE pointer does not point to "
				       "a CIE");
	memset(&cie, 0, sizeof(cie));
	cie.offset = off;
	cie.fde_enc = PE_ABSPTR;
	cie.addr_size = c->addr_size;
	err = lpd_reader_u8(&e.r, &version);
	if (err != NULL)
		return err;
	if (version != 1 && version != 3 && version != 4) {
		e.r.pos--;
		return lpd_reader_error(&e.r, "unsupported CIE version %u",
					version);
	}
	err = lpd_reader_cstr(&e.r, &aug);
	if (err != NULL)
		return err;
	if (aug[0] == 'e' && aug[1] == 'h') {
		/* Legacy GCC: a pointer to exception data follows. */
		err = lpd_reader_skip(&e.r, c->addr_size);
		if (err != NULL)
			return err;
		aug += 2;
	}
	if (version == 4) {
		err = lpd_reader_u8(&e.r, &u8);
		if (err != NULL)
			return err;
		if (u8 != 4 && u8 != 8) {
			e.r.pos--;
			return lpd_reader_error(&e.r, "bad CIE address size "
						"%u", u8);
		}
		cie.addr_size = u8;
		err = lpd_reader_u8(&e.r, &u8);
		if (err != NULL)
			return err;
		cie.segment_size = u8;
		if (u8 > 8) {
			e.r.pos--;
			return lpd_reader_error(&e.r, "bad CIE segment size "
						"%u", u8);
		}
	}
	err = lpd_reader_uleb128(&e.r, &cie.code_align);
	if (err == NULL)
		err = lpd_reader_sleb128(&e.r, &cie.data_align);
	if (err != NULL)
		return err;
	if (version == 1) {
		err = lpd_reader_u8(&e.r, &u8);
		v = u8;
	} else {
		err = lpd_reader_uleb128(&e.r, &v);
	}
	if (err != NULL)
		return err;
	if (v >= DUMP_MAX_REGS) {
		e.r.pos--;
		return lpd_reader_error(&e.r, "return address column %llu out "
					"of range", (unsigned long long)v);
	}
	cie.ra_regno = (unsigned)v;
	if (aug[0] == 'z') {
		size_t aug_end;
		const char *a;

		cie.has_z = true;
		err = lpd_reader_uleb128(&e.r, &v);
		if (err != NULL)
			return err;
		if (v > lpd_reader_left(&e.r))
			return lpd_reader_error(&e.r, "augmentation data "
						"length 0x%llx past the CIE",
						(unsigned long long)v);
		aug_end = e.r.pos + (size_t)v;
		for (a = aug + 1; *a != '\0'; a++) {
			if (*a == 'R' || *a == 'L' || *a == 'P') {
				err = lpd_reader_u8(&e.r, &u8);
				if (err != NULL)
					return err;
				if (!encoding_valid(u8) ||
				    (*a == 'P' && u8 == PE_OMIT)) {
					e.r.pos--;
					return lpd_reader_error(&e.r, "bad "
						"pointer encoding 0x%x in "
						"augmentation '%c'", u8, *a);
				}
				if (*a == 'R')
					cie.fde_enc = u8;
				if (*a == 'P') {
					/* The personality routine: skipped,
					 * but its encoding fixes its size. */
					err = read_encoded(&e.r, u8 &
							   (0x0f | PE_ALIGNED),
							   cie.addr_size, 0,
							   0, &v);
					if (err != NULL)
						return err;
				}
			} else if (*a == 'S') {
				cie.signal_frame = true;
			} else if (*a == 'B' || *a == 'G') {
				/* aarch64 BTI / MTE: no data, no effect */
			} else {
				break;	/* unknown: its data ends at aug_end */
			}
			if (e.r.pos > aug_end)
				return lpd_reader_error(&e.r, "augmentation "
							"data overruns its "
							"length");
		}
		e.r.pos = aug_end;
	} else if (aug[0] != '\0') {
		return lpd_error_input(c->file, c->sec.offset + off,
				       "unknown CIE augmentation \"%s\"", aug);
	}
	cie.insns = off + e.r.pos;
	cie.insns_end = e.next;
	*ret = cie;
	return NULL;
}

static struct lpd_error *
cie_get(struct dbg_cfi *c, size_t off, const struct cfi_cie **ret)
{
	struct cfi_cie *slot = &c->cies[(off >> 3) % CIE_CACHE_SIZE];
	struct lpd_error *err;

	if (slot->offset != off) {
		err = cie_parse(c, off, slot);
		if (err != NULL) {
			slot->offset = SIZE_MAX;
			return err;
		}
	}
	*ret = slot;
	return NULL;
}

static struct lpd_error *
fde_parse(struct dbg_cfi *c, const struct cfi_entry *entry,
	  struct cfi_fde *ret, const struct cfi_cie **cie_ret)
{
	struct cfi_entry e = *entry;
	const struct cfi_cie *cie;
	struct lpd_error *err;
	uint64_t start, range, v;
	uint64_t base_addr = c->sec.addr + e.offset;

	err = cie_get(c, e.cie_offset, &cie);
	if (err != NULL)
		return lpd_error_prefix(err, "FDE at offset 0x%llx",
					(unsigned long long)
					(c->sec.offset + e.offset));
	if (cie->segment_size != 0) {
		err = lpd_reader_skip(&e.r, cie->segment_size);
		if (err != NULL)
			return err;
	}
	err = read_encoded(&e.r, cie->fde_enc, cie->addr_size, base_addr, 0,
			   &start);
	if (err == NULL)
		err = read_encoded(&e.r, cie->fde_enc & 0x0f, cie->addr_size,
				   base_addr, 0, &range);
	if (err != NULL)
		return err;
	if (cie->has_z) {
		err = lpd_reader_uleb128(&e.r, &v);
		if (err == NULL)
			err = lpd_reader_skip(&e.r, v > SIZE_MAX ? SIZE_MAX :
					      (size_t)v);
		if (err != NULL)
			return err;
	}
	ret->offset = e.offset;
	ret->start = start;
	ret->end = start + range < start ? UINT64_MAX : start + range;
	ret->insns = e.offset + e.r.pos;
	ret->insns_end = e.next;
	*cie_ret = cie;
	return NULL;
}

/* ---- index ------------------------------------------------------------ */

static int
fde_cmp(const void *a, const void *b)
{
	const struct dbg_cfi_fde *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

/* Walk the whole section once. A malformed FDE is skipped (its length
 * still leads to the next entry); a bad length ends the walk. The first
 * problem is kept for lookups that then find nothing. */
static struct lpd_error *
index_build(struct dbg_cfi *c)
{
	struct lpd_error *err;
	struct cfi_entry e;
	struct cfi_fde fde;
	const struct cfi_cie *cie;
	size_t off = 0, cap = 0;

	c->indexed = true;
	while (off < c->sec.size) {
		err = entry_open(c, off, &e);
		if (err != NULL) {
			if (c->index_err == NULL)
				c->index_err = err;
			else
				lpd_error_destroy(err);
			break;
		}
		off = e.next;
		if (e.terminator || e.is_cie)
			continue;
		err = fde_parse(c, &e, &fde, &cie);
		if (err != NULL) {
			if (err == &lpd_enomem)
				return err;
			if (c->index_err == NULL)
				c->index_err = err;
			else
				lpd_error_destroy(err);
			continue;
		}
		/* Empty ranges, and FDEs of code the linker discarded
		 * (relocated to 0 or a -1 tombstone in .debug_frame). */
		if (fde.end <= fde.start || fde.start == 0 ||
		    fde.end == UINT64_MAX)
			continue;
		if (c->n_index == cap) {
			err = lpd_vec_reserve((void **)&c->index, &cap,
					      c->n_index + 1,
					      sizeof(*c->index));
			if (err != NULL)
				return err;
		}
		c->index[c->n_index].start = fde.start;
		c->index[c->n_index].end = fde.end;
		c->index[c->n_index].offset = fde.offset;
		c->n_index++;
	}
	if (c->n_index > 1)
		qsort(c->index, c->n_index, sizeof(*c->index), fde_cmp);
	return NULL;
}

struct lpd_error *
dbg_cfi_fdes(struct dbg_cfi *c, const struct dbg_cfi_fde **ret,
	     size_t *n_ret)
{
	struct lpd_error *err;

	if (!c->indexed) {
		err = index_build(c);
		if (err != NULL)
			return err;
	}
	if (c->index_err != NULL)
		return error_copy(c->index_err);
	*ret = c->index;
	*n_ret = c->n_index;
	return NULL;
}

/* The FDE covering PC from .eh_frame_hdr's table. */
static struct lpd_error *
hdr_lookup(struct dbg_cfi *c, uint64_t pc, struct cfi_entry *ret)
{
	size_t lo = 0, hi = c->hdr_count;
	const uint8_t *p;
	uint64_t start, fde_addr;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		p = c->hdr_table + mid * 8;
		start = c->hdr_addr + (uint64_t)(int64_t)(int32_t)
			lpd_load_u32(p, c->big_endian);
		if (start <= pc)
			lo = mid;
		else
			hi = mid;
	}
	p = c->hdr_table + lo * 8;
	start = c->hdr_addr + (uint64_t)(int64_t)(int32_t)
		lpd_load_u32(p, c->big_endian);
	if (c->addr_size == 4)
		start &= 0xffffffff;
	if (start > pc)
		return &lpd_not_found;
	fde_addr = c->hdr_addr + (uint64_t)(int64_t)(int32_t)
		lpd_load_u32(p + 4, c->big_endian);
	if (c->addr_size == 4)
		fde_addr &= 0xffffffff;
	if (fde_addr - c->sec.addr >= c->sec.size)
		return lpd_error_input(c->file, c->sec.offset, ".eh_frame_hdr "
				       "entry %zu points outside .eh_frame "
				       "(0x%llx)", lo,
				       (unsigned long long)fde_addr);
	return entry_open(c, (size_t)(fde_addr - c->sec.addr), ret);
}

static struct lpd_error *
index_lookup(struct dbg_cfi *c, uint64_t pc, struct cfi_entry *ret)
{
	struct lpd_error *err;
	size_t lo = 0, hi, i;

	if (!c->indexed) {
		err = index_build(c);
		if (err != NULL)
			return err;
	}
	hi = c->n_index;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->index[mid].start <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* LO is the first entry starting after PC; overlapping FDEs are
	 * rare, so look back only a little. */
	for (i = lo; i > 0 && lo - i < 4; i--) {
		if (pc < c->index[i - 1].end)
			return entry_open(c, c->index[i - 1].offset, ret);
	}
	if (c->index_err != NULL)
		return error_copy(c->index_err);
	return &lpd_not_found;
}

/* ---- the CFA program ---------------------------------------------------- */

struct cfi_exec {
	struct dbg_cfi *c;
	const struct cfi_cie *cie;
	struct dbg_cfi_row *row;
	uint64_t loc;
	uint64_t pc;
	size_t depth;
	bool done;		/* the next row starts after pc */
};

/* Factored offset times the data alignment, wrapping as the hardware would
 * (hostile values must not be undefined behaviour). */
static int64_t
scale(uint64_t factored, int64_t align)
{
	return (int64_t)(factored * (uint64_t)align);
}

static struct lpd_error *
read_reg(struct lpd_reader *r, uint64_t *ret)
{
	struct lpd_error *err;
	size_t at = r->pos;
	uint64_t v;

	err = lpd_reader_uleb128(r, &v);
	if (err != NULL)
		return err;
	if (v >= DUMP_MAX_REGS) {
		r->pos = at;
		return lpd_reader_error(r, "register %llu out of range",
					(unsigned long long)v);
	}
	*ret = v;
	return NULL;
}

static struct lpd_error *
read_block(struct lpd_reader *r, const uint8_t **ret, uint32_t *len_ret)
{
	struct lpd_error *err;
	uint64_t len;

	err = lpd_reader_uleb128(r, &len);
	if (err != NULL)
		return err;
	if (len > lpd_reader_left(r))
		return lpd_reader_error(r, "expression of 0x%llx bytes runs "
					"past the entry",
					(unsigned long long)len);
	*len_ret = (uint32_t)len;
	return lpd_reader_bytes(r, (size_t)len, ret);
}

static bool
advance(struct cfi_exec *x, uint64_t loc)
{
	if (loc > x->pc) {
		x->row->end = loc;
		x->done = true;
		return true;
	}
	x->loc = loc;
	x->row->start = loc;
	return false;
}

static struct lpd_error *
run(struct cfi_exec *x, size_t from, size_t to, bool in_cie)
{
	struct dbg_cfi *c = x->c;
	struct dbg_cfi_row *row = x->row;
	struct lpd_reader r;
	struct lpd_error *err = NULL;
	uint8_t op, u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t reg, u, loc;
	int64_t s;
	size_t at;

	lpd_reader_init(&r, c->sec.data + from, to - from, c->big_endian,
			c->file, c->sec.offset + from);
	while (lpd_reader_left(&r) > 0 && !x->done) {
		at = r.pos;
		err = lpd_reader_u8(&r, &op);
		if (err != NULL)
			return err;
		switch (op & 0xc0) {
		case 0x40:	/* DW_CFA_advance_loc */
			advance(x, x->loc + (op & 0x3f) * x->cie->code_align);
			continue;
		case 0x80:	/* DW_CFA_offset */
			err = lpd_reader_uleb128(&r, &u);
			if (err != NULL)
				return err;
			row->regs[op & 0x3f].kind = DBG_CFI_OFFSET;
			row->regs[op & 0x3f].offset =
				scale(u, x->cie->data_align);
			continue;
		case 0xc0:	/* DW_CFA_restore */
			if (in_cie)
				goto bad_in_cie;
			row->regs[op & 0x3f] = c->initial[op & 0x3f];
			continue;
		default:
			break;
		}
		switch (op) {
		case 0x00:	/* DW_CFA_nop */
		case 0x2d:	/* DW_CFA_GNU_window_save /
				 * AARCH64_negate_ra_state: pointer
				 * authentication is not modelled */
			break;
		case 0x01:	/* DW_CFA_set_loc */
			err = read_encoded(&r, c->eh ? x->cie->fde_enc :
					   PE_ABSPTR, x->cie->addr_size,
					   c->sec.addr + from, 0, &loc);
			if (err == NULL)
				advance(x, loc);
			break;
		case 0x02:	/* DW_CFA_advance_loc1 */
			err = lpd_reader_u8(&r, &u8);
			if (err == NULL)
				advance(x, x->loc + u8 * x->cie->code_align);
			break;
		case 0x03:	/* DW_CFA_advance_loc2 */
			err = lpd_reader_u16(&r, &u16);
			if (err == NULL)
				advance(x, x->loc + u16 * x->cie->code_align);
			break;
		case 0x04:	/* DW_CFA_advance_loc4 */
			err = lpd_reader_u32(&r, &u32);
			if (err == NULL)
				advance(x, x->loc + u32 * x->cie->code_align);
			break;
		case 0x05:	/* DW_CFA_offset_extended */
		case 0x14:	/* DW_CFA_val_offset */
		case 0x2f:	/* DW_CFA_GNU_negative_offset_extended */
			err = read_reg(&r, &reg);
			if (err == NULL)
				err = lpd_reader_uleb128(&r, &u);
			if (err != NULL)
				return err;
			row->regs[reg].kind = op == 0x14 ? DBG_CFI_VAL_OFFSET :
					      DBG_CFI_OFFSET;
			row->regs[reg].offset = scale(u, x->cie->data_align);
			if (op == 0x2f)
				row->regs[reg].offset = (int64_t)(0 -
					(uint64_t)row->regs[reg].offset);
			break;
		case 0x11:	/* DW_CFA_offset_extended_sf */
		case 0x15:	/* DW_CFA_val_offset_sf */
			err = read_reg(&r, &reg);
			if (err == NULL)
				err = lpd_reader_sleb128(&r, &s);
			if (err != NULL)
				return err;
			row->regs[reg].kind = op == 0x15 ? DBG_CFI_VAL_OFFSET :
					      DBG_CFI_OFFSET;
			row->regs[reg].offset = scale((uint64_t)s,
						      x->cie->data_align);
			break;
		case 0x06:	/* DW_CFA_restore_extended */
			if (in_cie)
				goto bad_in_cie;
			err = read_reg(&r, &reg);
			if (err == NULL)
				row->regs[reg] = c->initial[reg];
			break;
		case 0x07:	/* DW_CFA_undefined */
		case 0x08:	/* DW_CFA_same_value */
			err = read_reg(&r, &reg);
			if (err != NULL)
				return err;
			memset(&row->regs[reg], 0, sizeof(row->regs[reg]));
			row->regs[reg].kind = op == 0x07 ? DBG_CFI_UNDEFINED :
					      DBG_CFI_SAME_VALUE;
			break;
		case 0x09:	/* DW_CFA_register */
			err = read_reg(&r, &reg);
			if (err == NULL)
				err = read_reg(&r, &u);
			if (err != NULL)
				return err;
			row->regs[reg].kind = DBG_CFI_REGISTER;
			row->regs[reg].offset = (int64_t)u;
			break;
		case 0x0a:	/* DW_CFA_remember_state */
			if (x->depth == CFI_STATE_MAX) {
				r.pos = at;
				return lpd_reader_error(&r, "more than %d "
							"nested "
							"DW_CFA_remember_state",
							CFI_STATE_MAX);
			}
			if (c->stack == NULL) {
				c->stack = lpd_calloc(CFI_STATE_MAX,
						      sizeof(*c->stack));
				if (c->stack == NULL)
					return &lpd_enomem;
			}
			c->stack[x->depth].cfa_kind = row->cfa_kind;
			c->stack[x->depth].cfa_regno = row->cfa_regno;
			c->stack[x->depth].cfa_offset = row->cfa_offset;
			c->stack[x->depth].cfa_expr = row->cfa_expr;
			c->stack[x->depth].cfa_expr_len = row->cfa_expr_len;
			memcpy(c->stack[x->depth].regs, row->regs,
			       sizeof(row->regs));
			x->depth++;
			break;
		case 0x0b:	/* DW_CFA_restore_state */
			if (x->depth == 0) {
				r.pos = at;
				return lpd_reader_error(&r, "DW_CFA_restore_"
							"state without "
							"remember_state");
			}
			x->depth--;
			row->cfa_kind = c->stack[x->depth].cfa_kind;
			row->cfa_regno = c->stack[x->depth].cfa_regno;
			row->cfa_offset = c->stack[x->depth].cfa_offset;
			row->cfa_expr = c->stack[x->depth].cfa_expr;
			row->cfa_expr_len = c->stack[x->depth].cfa_expr_len;
			memcpy(row->regs, c->stack[x->depth].regs,
			       sizeof(row->regs));
			break;
		case 0x0c:	/* DW_CFA_def_cfa */
			err = read_reg(&r, &reg);
			if (err == NULL)
				err = lpd_reader_uleb128(&r, &u);
			if (err != NULL)
				return err;
			row->cfa_kind = DBG_CFA_REG_OFFSET;
			row->cfa_regno = (unsigned)reg;
			row->cfa_offset = (int64_t)u;
			break;
		case 0x12:	/* DW_CFA_def_cfa_sf */
			err = read_reg(&r, &reg);
			if (err == NULL)
				err = lpd_reader_sleb128(&r, &s);
			if (err != NULL)
				return err;
			row->cfa_kind = DBG_CFA_REG_OFFSET;
			row->cfa_regno = (unsigned)reg;
			row->cfa_offset = scale((uint64_t)s,
						x->cie->data_align);
			break;
		case 0x0d:	/* DW_CFA_def_cfa_register */
			err = read_reg(&r, &reg);
			if (err != NULL)
				return err;
			if (row->cfa_kind != DBG_CFA_REG_OFFSET) {
				r.pos = at;
				return lpd_reader_error(&r, "DW_CFA_def_cfa_"
							"register without a "
							"register CFA");
			}
			row->cfa_regno = (unsigned)reg;
			break;
		case 0x0e:	/* DW_CFA_def_cfa_offset */
		case 0x13:	/* DW_CFA_def_cfa_offset_sf */
			if (op == 0x0e) {
				err = lpd_reader_uleb128(&r, &u);
				s = (int64_t)u;
			} else {
				err = lpd_reader_sleb128(&r, &s);
				s = scale((uint64_t)s, x->cie->data_align);
			}
			if (err != NULL)
				return err;
			if (row->cfa_kind != DBG_CFA_REG_OFFSET) {
				r.pos = at;
				return lpd_reader_error(&r, "DW_CFA_def_cfa_"
							"offset without a "
							"register CFA");
			}
			row->cfa_offset = s;
			break;
		case 0x0f:	/* DW_CFA_def_cfa_expression */
			err = read_block(&r, &row->cfa_expr,
					 &row->cfa_expr_len);
			if (err == NULL)
				row->cfa_kind = DBG_CFA_EXPRESSION;
			break;
		case 0x10:	/* DW_CFA_expression */
		case 0x16:	/* DW_CFA_val_expression */
			err = read_reg(&r, &reg);
			if (err == NULL)
				err = read_block(&r, &row->regs[reg].expr,
						 &row->regs[reg].expr_len);
			if (err == NULL)
				row->regs[reg].kind = op == 0x10 ?
					DBG_CFI_EXPRESSION :
					DBG_CFI_VAL_EXPRESSION;
			break;
		case 0x2e:	/* DW_CFA_GNU_args_size */
			err = lpd_reader_uleb128(&r, &u);
			break;
		default:
			r.pos = at;
			return lpd_reader_error(&r, "unknown CFA instruction "
						"0x%02x", op);
		}
		if (err != NULL)
			return err;
	}
	return NULL;

bad_in_cie:
	r.pos = at;
	return lpd_reader_error(&r, "DW_CFA_restore in a CIE");
}

static struct lpd_error *
scratch_alloc(struct dbg_cfi *c)
{
	if (c->row == NULL) {
		c->row = lpd_malloc(sizeof(*c->row));
		if (c->row == NULL)
			return &lpd_enomem;
	}
	if (c->initial == NULL) {
		c->initial = lpd_calloc(DUMP_MAX_REGS, sizeof(*c->initial));
		if (c->initial == NULL)
			return &lpd_enomem;
	}
	return NULL;
}

struct lpd_error *
dbg_cfi_find_row(struct dbg_cfi *c, uint64_t pc, struct dbg_cfi_row *ret)
{
	struct lpd_error *err;
	struct cfi_entry e;
	struct cfi_fde fde;
	struct cfi_exec x;
	struct dbg_cfi_row *row;

	err = scratch_alloc(c);
	if (err != NULL)
		return err;
	err = c->hdr_table != NULL ? hdr_lookup(c, pc, &e)
				   : index_lookup(c, pc, &e);
	if (err != NULL)
		return err;
	if (e.terminator || e.is_cie)
		return lpd_error_input(c->file, c->sec.offset + e.offset,
				       "search table points to a CIE, not an "
				       "FDE");
	err = fde_parse(c, &e, &fde, &x.cie);
	if (err != NULL)
		return err;
	if (pc < fde.start || pc >= fde.end)
		return &lpd_not_found;

	row = c->row;
	memset(row, 0, sizeof(*row));
	row->start = fde.start;
	row->end = fde.end;
	row->fde_offset = c->sec.offset + fde.offset;
	row->file = c->file;
	row->sec_data = c->sec.data;
	row->sec_offset = c->sec.offset;
	row->signal_frame = x.cie->signal_frame;
	row->ra_regno = x.cie->ra_regno;
	x.c = c;
	x.row = row;
	x.loc = fde.start;
	x.pc = pc;
	x.depth = 0;
	x.done = false;
	err = run(&x, x.cie->insns, x.cie->insns_end, true);
	if (err != NULL)
		return err;
	/* A CIE program never advances in practice; if it did, its rows
	 * would describe the FDE's start anyway. */
	x.done = false;
	x.loc = fde.start;
	row->start = fde.start;
	row->end = fde.end;
	x.depth = 0;
	memcpy(c->initial, row->regs, sizeof(row->regs));
	err = run(&x, fde.insns, fde.insns_end, false);
	if (err != NULL)
		return err;
	memcpy(ret, row, sizeof(*row));
	return NULL;
}

/* ---- creation ------------------------------------------------------------ */

/* Accept .eh_frame_hdr's table when it is the usual sorted datarel sdata4
 * form and fits; otherwise lookups use our own index. */
static void
hdr_init(struct dbg_cfi *c, const struct dbg_section *hdr)
{
	struct lpd_reader r;
	uint8_t version, ptr_enc, count_enc, table_enc;
	uint64_t eh_ptr, count;

	lpd_reader_init(&r, hdr->data, hdr->size, c->big_endian, c->file,
			hdr->offset);
	if (lpd_reader_u8(&r, &version) != NULL || version != 1)
		return;
	if (lpd_reader_u8(&r, &ptr_enc) != NULL ||
	    lpd_reader_u8(&r, &count_enc) != NULL ||
	    lpd_reader_u8(&r, &table_enc) != NULL)
		return;
	if (ptr_enc == PE_OMIT || count_enc == PE_OMIT ||
	    table_enc != (PE_DATAREL | PE_SDATA4))
		return;
	/* Errors here only mean "no table": the index still works. */
	{
		struct lpd_error *err;

		err = read_encoded(&r, ptr_enc, c->addr_size, hdr->addr,
				   hdr->addr, &eh_ptr);
		if (err == NULL)
			err = read_encoded(&r, count_enc, c->addr_size,
					   hdr->addr, hdr->addr, &count);
		if (err != NULL) {
			lpd_error_destroy(err);
			return;
		}
	}
	if (eh_ptr != c->sec.addr || count == 0 ||
	    count > lpd_reader_left(&r) / 8)
		return;
	c->hdr_table = hdr->data + r.pos;
	c->hdr_count = (size_t)count;
	c->hdr_addr = hdr->addr;
}

struct lpd_error *
dbg_cfi_create_raw(const struct dbg_section *sec,
		   const struct dbg_section *hdr, const char *file, bool eh,
		   bool big_endian, unsigned addr_size, struct dbg_cfi **ret)
{
	struct dbg_cfi *c;
	size_t i;

	if (addr_size != 4 && addr_size != 8)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "%s: address "
					"size %u", file, addr_size);
	c = lpd_calloc(1, sizeof(*c));
	if (c == NULL)
		return &lpd_enomem;
	c->file = file;
	c->sec = *sec;
	c->eh = eh;
	c->big_endian = big_endian;
	c->addr_size = addr_size;
	for (i = 0; i < CIE_CACHE_SIZE; i++)
		c->cies[i].offset = SIZE_MAX;
	if (eh && hdr != NULL)
		hdr_init(c, hdr);
	*ret = c;
	return NULL;
}

struct lpd_error *
dbg_cfi_create(struct dbg_elf *elf, const struct dump_arch *arch, bool eh,
	       struct dbg_cfi **ret)
{
	struct dbg_section sec, hdr;
	const char *name = eh ? ".eh_frame" : ".debug_frame";
	unsigned addr_size;
	bool has_hdr;

	if (!dbg_elf_section(elf, name, &sec) || sec.size == 0)
		return lpd_error_format(LPD_ERR_NOT_FOUND, "%s: no %s",
					elf->path, name);
	has_hdr = eh && dbg_elf_section(elf, ".eh_frame_hdr", &hdr);
	/* The file's class decides, not ARCH: a 32-bit object can only
	 * be unwound with its own pointer size. */
	(void)arch;
	addr_size = elf->elfclass == ELFCLASS32 ? 4 : 8;
	return dbg_cfi_create_raw(&sec, has_hdr ? &hdr : NULL, elf->path, eh,
				  elf->big_endian, addr_size, ret);
}

void
dbg_cfi_destroy(struct dbg_cfi *c)
{
	if (c == NULL)
		return;
	lpd_free(c->index);
	lpd_error_destroy(c->index_err);
	lpd_free(c->stack);
	lpd_free(c->initial);
	lpd_free(c->row);
	lpd_free(c);
}

/* ---- DWARF expressions --------------------------------------------------- */

static struct lpd_error *
expr_reg(const struct dbg_expr_ctx *ctx, struct lpd_reader *r, size_t at,
	 uint64_t regno, uint64_t *ret)
{
	if (regno >= DUMP_MAX_REGS || !dump_regs_has(ctx->regs,
						     (unsigned)regno)) {
		if (ctx->loc != NULL)
			ctx->loc->not_saved = true;
		r->pos = at;
		return lpd_reader_error(r, "expression needs register %llu, "
					"which is unknown",
					(unsigned long long)regno);
	}
	*ret = ctx->regs->value[regno];
	return NULL;
}

static struct lpd_error *
expr_deref(const struct dbg_expr_ctx *ctx, uint64_t addr, unsigned size,
	   uint64_t *ret)
{
	struct lpd_error *err;
	uint8_t buf[8];
	uint64_t v = 0;
	unsigned i;

	err = ctx->read(ctx->read_arg, addr, buf, size);
	if (err != NULL)
		return err;
	for (i = 0; i < size; i++) {
		unsigned b = ctx->big_endian ? i : size - 1 - i;

		v = v << 8 | buf[b];
	}
	*ret = v;
	return NULL;
}

struct lpd_error *
dbg_expr_eval(const struct dbg_expr_ctx *ctx, const uint8_t *expr,
	      size_t len, const char *file, uint64_t offset,
	      const uint64_t *initial, uint64_t *ret)
{
	uint64_t stack[EXPR_STACK_MAX];
	struct lpd_reader r;
	struct lpd_error *err = NULL;
	struct dbg_loc *loc = ctx->loc;
	struct dbg_piece cur;
	bool have_cur = false;
	size_t sp = 0, steps = 0, at;
	unsigned asz = ctx->addr_size;
	uint8_t op, u8;
	uint64_t u, a, b;
	int64_t s;
	const uint8_t *bytes;

	memset(&cur, 0, sizeof(cur));
	if (loc != NULL) {
		loc->n = 0;
		loc->not_saved = false;
	}
	lpd_reader_init(&r, expr, len, ctx->big_endian, file, offset);
	if (initial != NULL)
		stack[sp++] = *initial;
#define NEED(n)								\
	do {								\
		if (sp < (n)) {						\
			r.pos = at;					\
			return lpd_reader_error(&r, "DWARF expression "	\
						"stack underflow "	\
						"(op 0x%02x)", op);	\
		}							\
	} while (0)
#define PUSH(v)								\
	do {								\
		uint64_t pushed_ = (v);					\
									\
		if (sp == EXPR_STACK_MAX) {				\
			r.pos = at;					\
			return lpd_reader_error(&r, "DWARF expression "	\
						"stack overflow");	\
		}							\
		stack[sp++] = pushed_;					\
	} while (0)
	while (lpd_reader_left(&r) > 0) {
		at = r.pos;
		if (++steps > EXPR_STEPS_MAX)
			return lpd_reader_error(&r, "DWARF expression runs "
						"more than %d steps",
						EXPR_STEPS_MAX);
		err = lpd_reader_u8(&r, &op);
		if (err != NULL)
			return err;
		if (op >= 0x30 && op <= 0x4f) {		/* DW_OP_lit<n> */
			PUSH(op - 0x30u);
			continue;
		}
		if (op >= 0x50 && op <= 0x6f && loc != NULL) {
			memset(&cur, 0, sizeof(cur));
			cur.kind = DBG_PIECE_REGISTER;
			cur.value = op - 0x50u;
			have_cur = true;
			continue;
		}
		if (op >= 0x50 && op <= 0x6f) {		/* DW_OP_reg<n> */
			/* A location, not a value; in CFI the register's
			 * value is the useful reading. */
			err = expr_reg(ctx, &r, at, op - 0x50u, &u);
			if (err != NULL)
				return err;
			PUSH(u);
			continue;
		}
		if (op >= 0x70 && op <= 0x8f) {		/* DW_OP_breg<n> */
			err = lpd_reader_sleb128(&r, &s);
			if (err == NULL)
				err = expr_reg(ctx, &r, at, op - 0x70u, &u);
			if (err != NULL)
				return err;
			PUSH(u + (uint64_t)s);
			continue;
		}
		switch (op) {
		case 0x03:	/* DW_OP_addr */
			err = lpd_reader_uN(&r, asz, &u);
			if (err == NULL)
				PUSH(u + ctx->addr_bias);
			break;
		case 0x08: case 0x0a: case 0x0c: case 0x0e:
			/* DW_OP_const1u, 2u, 4u, 8u */
			err = lpd_reader_uN(&r, 1u << ((op - 0x08) / 2), &u);
			if (err == NULL)
				PUSH(u);
			break;
		case 0x09: case 0x0b: case 0x0d: case 0x0f:
			/* DW_OP_const1s, 2s, 4s, 8s */
			err = lpd_reader_sN(&r, 1u << ((op - 0x09) / 2), &s);
			if (err == NULL)
				PUSH((uint64_t)s);
			break;
		case 0x10:	/* DW_OP_constu */
			err = lpd_reader_uleb128(&r, &u);
			if (err == NULL)
				PUSH(u);
			break;
		case 0x11:	/* DW_OP_consts */
			err = lpd_reader_sleb128(&r, &s);
			if (err == NULL)
				PUSH((uint64_t)s);
			break;
		case 0x12:	/* DW_OP_dup */
			NEED(1);
			PUSH(stack[sp - 1]);
			break;
		case 0x13:	/* DW_OP_drop */
			NEED(1);
			sp--;
			break;
		case 0x14:	/* DW_OP_over */
			NEED(2);
			PUSH(stack[sp - 2]);
			break;
		case 0x15:	/* DW_OP_pick */
			err = lpd_reader_u8(&r, &u8);
			if (err != NULL)
				return err;
			NEED((size_t)u8 + 1);
			PUSH(stack[sp - 1 - u8]);
			break;
		case 0x16:	/* DW_OP_swap */
			NEED(2);
			u = stack[sp - 1];
			stack[sp - 1] = stack[sp - 2];
			stack[sp - 2] = u;
			break;
		case 0x17:	/* DW_OP_rot */
			NEED(3);
			u = stack[sp - 1];
			stack[sp - 1] = stack[sp - 2];
			stack[sp - 2] = stack[sp - 3];
			stack[sp - 3] = u;
			break;
		case 0x06:	/* DW_OP_deref */
		case 0x94:	/* DW_OP_deref_size */
			u8 = (uint8_t)asz;
			if (op == 0x94) {
				err = lpd_reader_u8(&r, &u8);
				if (err != NULL)
					return err;
				if (u8 == 0 || u8 > asz) {
					r.pos = at;
					return lpd_reader_error(&r, "bad "
						"DW_OP_deref_size %u", u8);
				}
			}
			NEED(1);
			err = expr_deref(ctx, stack[sp - 1], u8, &u);
			if (err == NULL)
				stack[sp - 1] = u;
			break;
		case 0x19:	/* DW_OP_abs */
			NEED(1);
			if ((int64_t)stack[sp - 1] < 0)
				stack[sp - 1] = -stack[sp - 1];
			break;
		case 0x1f:	/* DW_OP_neg */
			NEED(1);
			stack[sp - 1] = -stack[sp - 1];
			break;
		case 0x20:	/* DW_OP_not */
			NEED(1);
			stack[sp - 1] = ~stack[sp - 1];
			break;
		case 0x23:	/* DW_OP_plus_uconst */
			err = lpd_reader_uleb128(&r, &u);
			if (err != NULL)
				return err;
			NEED(1);
			stack[sp - 1] += u;
			break;
		case 0x1a: case 0x1b: case 0x1c: case 0x1d: case 0x1e:
		case 0x21: case 0x22: case 0x24: case 0x25: case 0x26:
		case 0x27: case 0x29: case 0x2a: case 0x2b: case 0x2c:
		case 0x2d: case 0x2e:
			NEED(2);
			b = stack[--sp];
			a = stack[sp - 1];
			switch (op) {
			case 0x1a: u = a & b; break;
			case 0x1b:	/* DW_OP_div, signed */
			case 0x1d:	/* DW_OP_mod */
				if (b == 0) {
					r.pos = at;
					return lpd_reader_error(&r, "division "
						"by zero in DWARF "
						"expression");
				}
				if (op == 0x1d)
					u = a % b;
				else if ((int64_t)a == INT64_MIN &&
					 (int64_t)b == -1)
					u = a;
				else
					u = (uint64_t)((int64_t)a /
						       (int64_t)b);
				break;
			case 0x1c: u = a - b; break;
			case 0x1e: u = a * b; break;
			case 0x21: u = a | b; break;
			case 0x22: u = a + b; break;
			case 0x24: u = b >= 64 ? 0 : a << b; break;
			case 0x25: u = b >= 64 ? 0 : a >> b; break;
			case 0x26:
				u = (uint64_t)((int64_t)a >> (b >= 64 ? 63 : b));
				break;
			case 0x27: u = a ^ b; break;
			case 0x29: u = a == b; break;
			case 0x2a: u = (int64_t)a >= (int64_t)b; break;
			case 0x2b: u = (int64_t)a > (int64_t)b; break;
			case 0x2c: u = (int64_t)a <= (int64_t)b; break;
			case 0x2d: u = (int64_t)a < (int64_t)b; break;
			default: u = a != b; break;
			}
			stack[sp - 1] = u;
			break;
		case 0x28:	/* DW_OP_bra */
		case 0x2f:	/* DW_OP_skip */
			err = lpd_reader_sN(&r, 2, &s);
			if (err != NULL)
				return err;
			if (op == 0x28) {
				NEED(1);
				if (stack[--sp] == 0)
					break;
			}
			if ((s < 0 && (uint64_t)-s > r.pos) ||
			    (s > 0 && (uint64_t)s > lpd_reader_left(&r))) {
				r.pos = at;
				return lpd_reader_error(&r, "branch target "
							"outside the "
							"expression");
			}
			r.pos = (size_t)((int64_t)r.pos + s);
			break;
		case 0x90:	/* DW_OP_regx */
		case 0x92:	/* DW_OP_bregx */
			err = lpd_reader_uleb128(&r, &u);
			if (err == NULL && op == 0x90 && loc != NULL) {
				memset(&cur, 0, sizeof(cur));
				cur.kind = DBG_PIECE_REGISTER;
				cur.value = u;
				have_cur = true;
				break;
			}
			s = 0;
			if (err == NULL && op == 0x92)
				err = lpd_reader_sleb128(&r, &s);
			if (err == NULL)
				err = expr_reg(ctx, &r, at, u, &u);
			if (err != NULL)
				return err;
			PUSH(u + (uint64_t)s);
			break;
		case 0x96:	/* DW_OP_nop */
			break;
		case 0x91:	/* DW_OP_fbreg */
			err = lpd_reader_sleb128(&r, &s);
			if (err != NULL)
				return err;
			if (ctx->frame_base == NULL) {
				r.pos = at;
				return lpd_reader_error(&r, "DW_OP_fbreg "
							"without a frame "
							"base");
			}
			PUSH(*ctx->frame_base + (uint64_t)s);
			break;
		case 0x9c:	/* DW_OP_call_frame_cfa */
			if (ctx->cfa == NULL) {
				r.pos = at;
				return lpd_reader_error(&r, "DW_OP_call_frame_"
							"cfa: CFA unknown");
			}
			PUSH(*ctx->cfa);
			break;
		case 0xa3:	/* DW_OP_entry_value */
		case 0xf3:	/* DW_OP_GNU_entry_value */
			err = lpd_reader_uleb128(&r, &u);
			if (err == NULL && u > lpd_reader_left(&r))
				err = lpd_reader_error(&r, "DW_OP_entry_value "
						       "runs past the "
						       "expression");
			if (err == NULL)
				err = lpd_reader_bytes(&r, (size_t)u, &bytes);
			if (err != NULL)
				return err;
			if (ctx->entry_value == NULL ||
			    (err = ctx->entry_value(ctx->entry_arg, bytes,
						    (size_t)u, &a)) != NULL) {
				lpd_error_destroy(err);
				if (loc == NULL) {
					r.pos = at;
					return lpd_reader_error(&r, "entry "
						"value not recoverable");
				}
				/* Optimized out, as gdb says. */
				loc->n = 0;
				return NULL;
			}
			PUSH(a);
			break;
		case 0xfa:	/* DW_OP_GNU_parameter_ref */
			err = lpd_reader_skip(&r, 4);
			if (err != NULL)
				return err;
			if (loc != NULL) {
				loc->n = 0;
				return NULL;
			}
			r.pos = at;
			return lpd_reader_error(&r, "DW_OP_GNU_parameter_ref "
						"not recoverable");
		case 0xa5:	/* DW_OP_regval_type */
		case 0xf5:	/* DW_OP_GNU_regval_type */
			err = lpd_reader_uleb128(&r, &u);
			if (err == NULL)
				err = lpd_reader_uleb128(&r, &a);
			if (err == NULL)
				err = expr_reg(ctx, &r, at, u, &u);
			if (err != NULL)
				return err;
			PUSH(u);
			break;
		case 0xa6:	/* DW_OP_deref_type */
		case 0xf6:	/* DW_OP_GNU_deref_type */
			err = lpd_reader_u8(&r, &u8);
			if (err == NULL)
				err = lpd_reader_uleb128(&r, &a);
			if (err != NULL)
				return err;
			if (u8 == 0 || u8 > 8) {
				r.pos = at;
				return lpd_reader_error(&r, "bad "
					"DW_OP_deref_type size %u", u8);
			}
			NEED(1);
			err = expr_deref(ctx, stack[sp - 1], u8, &u);
			if (err == NULL)
				stack[sp - 1] = u;
			break;
		case 0xa8:	/* DW_OP_convert */
		case 0xf7:	/* DW_OP_GNU_convert */
		case 0xa9:	/* DW_OP_reinterpret */
		case 0xf9:	/* DW_OP_GNU_reinterpret */
			err = lpd_reader_uleb128(&r, &u);
			if (err != NULL)
				return err;
			/* To the generic type, integers stay as they are;
			 * typed conversions are not modelled. */
			if (u != 0) {
				r.pos = at;
				return lpd_reader_error(&r, "typed DWARF "
							"conversion op "
							"0x%02x", op);
			}
			break;
		case 0x9f:	/* DW_OP_stack_value */
			if (loc == NULL)
				goto unsupported;
			NEED(1);
			memset(&cur, 0, sizeof(cur));
			cur.kind = DBG_PIECE_VALUE;
			cur.value = stack[sp - 1];
			have_cur = true;
			break;
		case 0x9e:	/* DW_OP_implicit_value */
			if (loc == NULL)
				goto unsupported;
			err = lpd_reader_uleb128(&r, &u);
			if (err == NULL && u > lpd_reader_left(&r))
				err = lpd_reader_error(&r, "DW_OP_implicit_"
						       "value runs past the "
						       "expression");
			if (err == NULL)
				err = lpd_reader_bytes(&r, (size_t)u, &bytes);
			if (err != NULL)
				return err;
			memset(&cur, 0, sizeof(cur));
			cur.kind = DBG_PIECE_IMPLICIT;
			cur.data = bytes;
			cur.len = (size_t)u;
			have_cur = true;
			break;
		case 0xa0:	/* DW_OP_implicit_pointer */
		case 0xf2:	/* DW_OP_GNU_implicit_pointer */
			if (loc == NULL)
				goto unsupported;
			err = lpd_reader_uN(&r, ctx->offset_size == 8 ? 8 : 4,
					    &u);
			if (err == NULL)
				err = lpd_reader_sleb128(&r, &s);
			if (err != NULL)
				return err;
			memset(&cur, 0, sizeof(cur));
			cur.kind = DBG_PIECE_IMPLICIT_PTR;
			cur.die = u;
			cur.offset = s;
			have_cur = true;
			break;
		case 0x93:	/* DW_OP_piece */
		case 0x9d:	/* DW_OP_bit_piece */
			if (loc == NULL)
				goto unsupported;
			err = lpd_reader_uleb128(&r, &u);
			a = 0;
			if (err == NULL && op == 0x9d)
				err = lpd_reader_uleb128(&r, &a);
			if (err != NULL)
				return err;
			if (op == 0x93) {
				if (u > UINT64_MAX / 8) {
					r.pos = at;
					return lpd_reader_error(&r, "bad "
						"DW_OP_piece size");
				}
				u *= 8;
			}
			if (loc->n == DBG_LOC_MAX_PIECES) {
				r.pos = at;
				return lpd_reader_error(&r, "more than %d "
					"pieces", DBG_LOC_MAX_PIECES);
			}
			if (!have_cur) {
				memset(&cur, 0, sizeof(cur));
				if (sp > 0) {
					cur.kind = DBG_PIECE_MEMORY;
					cur.value = stack[sp - 1];
				} else {
					cur.kind = DBG_PIECE_UNDEFINED;
				}
			}
			cur.bits = u;
			cur.bit_offset = a;
			loc->pieces[loc->n++] = cur;
			have_cur = false;
			sp = 0;
			break;
		default:
		unsupported:
			r.pos = at;
			return lpd_reader_error(&r, "unsupported DWARF "
						"expression op 0x%02x", op);
		}
		if (err != NULL)
			return err;
	}
#undef NEED
#undef PUSH
	if (loc != NULL) {
		/* A single location, or what trails the last piece. */
		if (loc->n == 0 && (have_cur || sp > 0)) {
			if (!have_cur) {
				memset(&cur, 0, sizeof(cur));
				cur.kind = DBG_PIECE_MEMORY;
				cur.value = stack[sp - 1];
				if (asz == 4)
					cur.value &= 0xffffffff;
			}
			loc->pieces[loc->n++] = cur;
		}
		return NULL;
	}
	if (sp == 0)
		return lpd_reader_error(&r, "DWARF expression leaves an empty "
					"stack");
	u = stack[sp - 1];
	if (asz == 4)
		u &= 0xffffffff;
	*ret = u;
	return NULL;
}
