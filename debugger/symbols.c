/* debugger/symbols.c - ELF symbol tables (.symtab, .dynsym) as one sorted
 * address index, resolved the way elfutils' dwfl_module_addrsym does so
 * that frame names agree with eu-stack. DWARF names are dwarf.c's. */
#include <stdlib.h>
#include <string.h>

#include "debugger/debugger-int.h"

struct symtab_sym {
	uint64_t value;
	uint64_t size;
	const char *name;	/* borrowed from the file's string table */
	uint32_t order;		/* position in the tables, for ties */
	uint32_t shndx;
	bool from_dynsym;	/* shndx refers to the main file's sections */
	uint8_t binding;	/* symtab_binding_value() */
	bool global_part;	/* at or after the table's sh_info */
};

struct symtab_scn {
	uint64_t addr, size;
	uint32_t index;
};

struct dbg_symtab {
	struct symtab_sym *syms;
	size_t n;
	/* SHF_ALLOC sections of the .symtab file [0] and of the .dynsym
	 * file [1], in index order, for the labels' section test. */
	struct symtab_scn *scns[2];
	size_t n_scns[2];
	/* end_all[i]: the largest value + size among syms[0..i]; end_global
	 * the same over the global part only. A lookup walks back from the
	 * address only while an earlier symbol can still reach it. */
	uint64_t *end_all;
	uint64_t *end_global;
};

/* elfutils ranks GLOBAL over WEAK over LOCAL; anything else lowest. */
static uint8_t
symtab_binding_value(unsigned char info)
{
	switch (GELF_ST_BIND(info)) {
	case STB_GLOBAL:
		return 3;
	case STB_WEAK:
		return 2;
	case STB_LOCAL:
		return 1;
	default:
		return 0;
	}
}

static Elf_Scn *
symtab_find_scn(Elf *elf, Elf64_Word type)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) != NULL && sh.sh_type == type)
			return scn;
	}
	return NULL;
}

/* Mapping symbols ($x, $d, $a, $t and "$x.foo") mark code/data switches
 * on ARM and AArch64; they name nothing. */
static bool
symtab_is_mapping(const char *name)
{
	return name[0] == '$' && name[1] != '\0' &&
	       strchr("xdatp", name[1]) != NULL &&
	       (name[2] == '\0' || name[2] == '.');
}

static struct lpd_error *
symtab_load_scns(struct dbg_symtab *s, unsigned which, Elf *elf)
{
	Elf_Scn *scn = NULL;
	size_t n = 0, cap = 0;
	struct lpd_error *err;

	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) == NULL ||
		    !(sh.sh_flags & SHF_ALLOC) || sh.sh_size == 0)
			continue;
		err = lpd_vec_reserve((void **)&s->scns[which], &cap, n + 1,
				      sizeof(*s->scns[which]));
		if (err != NULL)
			return err;
		s->scns[which][n].addr = sh.sh_addr;
		s->scns[which][n].size = sh.sh_size;
		s->scns[which][n].index = (uint32_t)elf_ndxscn(scn);
		n++;
	}
	s->n_scns[which] = n;
	return NULL;
}

/* ppc64 ELFv1: a function symbol's value is its descriptor in .opd,
 * whose first word is the code address. */
struct symtab_opd {
	const uint8_t *data;	/* NULL: no descriptors to resolve */
	uint64_t addr, size;
	bool big_endian;
};

static void
symtab_opd_init(struct dbg_elf *e, struct symtab_opd *ret)
{
	struct dbg_section sec;
	GElf_Ehdr eh;

	memset(ret, 0, sizeof(*ret));
	/* e_flags 2 is ELFv2 (ppc64le, local entry points in st_other,
	 * which need nothing here: the global entry starts the function). */
	if (e == NULL || e->machine != EM_PPC64 ||
	    e->elfclass != ELFCLASS64 || gelf_getehdr(e->elf, &eh) == NULL ||
	    (eh.e_flags & 3) == 2 || !dbg_elf_section(e, ".opd", &sec) ||
	    sec.size < 8)
		return;
	ret->data = sec.data;
	ret->addr = sec.addr;
	ret->size = sec.size;
	ret->big_endian = e->big_endian;
}

static uint64_t
symtab_opd_resolve(const struct symtab_opd *opd, int type, uint64_t value)
{
	uint64_t off;

	if (opd->data == NULL || type != STT_FUNC || value < opd->addr)
		return value;
	off = value - opd->addr;
	if (off > opd->size - 8)
		return value;
	return lpd_load_u64(opd->data + off, opd->big_endian);
}

/* Append the usable symbols of section SCN (SHT_SYMTAB or SHT_DYNSYM) of
 * E. Strings are bounded by the linked string table; bad entries are
 * skipped, as a debugger should still name what it can. */
static struct lpd_error *
symtab_load(struct dbg_symtab *s, size_t *cap, struct dbg_elf *e,
	    Elf_Scn *scn, bool dynsym, const struct symtab_opd *opd,
	    uint32_t *order)
{
	struct lpd_error *err;
	Elf_Data *data, *strdata;
	Elf_Scn *strscn;
	GElf_Shdr sh, strsh;
	size_t entsize, count, i;

	if (gelf_getshdr(scn, &sh) == NULL)
		return lpd_error_format(LPD_ERR_BAD_INPUT,
					"%s: bad symbol table header: %s",
					e->path, elf_errmsg(-1));
	strscn = elf_getscn(e->elf, sh.sh_link);
	if (strscn == NULL || gelf_getshdr(strscn, &strsh) == NULL ||
	    strsh.sh_type != SHT_STRTAB)
		return lpd_error_format(LPD_ERR_BAD_INPUT,
					"%s: symbol table links to no string "
					"table (section %u)", e->path,
					(unsigned)sh.sh_link);
	if (sh.sh_offset > e->size || sh.sh_size > e->size - sh.sh_offset ||
	    strsh.sh_offset > e->size ||
	    strsh.sh_size > e->size - strsh.sh_offset)
		return lpd_error_input(e->path, sh.sh_offset,
				       "symbol table runs past end of file "
				       "(0x%zx)", e->size);
	data = elf_getdata(scn, NULL);
	strdata = elf_getdata(strscn, NULL);
	if (data == NULL || strdata == NULL || strdata->d_buf == NULL)
		return lpd_error_format(LPD_ERR_BAD_INPUT,
					"%s: cannot read symbol table: %s",
					e->path, elf_errmsg(-1));
	entsize = gelf_fsize(e->elf, ELF_T_SYM, 1, EV_CURRENT);
	if (entsize == 0)
		return lpd_error_format(LPD_ERR_BAD_INPUT,
					"%s: unknown ELF class", e->path);
	count = data->d_size / entsize;
	err = symtab_load_scns(s, dynsym, e->elf);
	if (err != NULL)
		return err;
	for (i = 1; i < count; i++, (*order)++) {
		struct symtab_sym *sym;
		const char *name;
		GElf_Sym st;
		int type;

		if (gelf_getsym(data, (int)i, &st) == NULL)
			continue;
		type = GELF_ST_TYPE(st.st_info);
		if (type != STT_FUNC && type != STT_GNU_IFUNC &&
		    type != STT_OBJECT && type != STT_NOTYPE)
			continue;
		if (st.st_shndx == SHN_UNDEF || st.st_value == 0 ||
		    st.st_name == 0 || st.st_name >= strdata->d_size)
			continue;
		name = (const char *)strdata->d_buf + st.st_name;
		if (memchr(name, '\0', strdata->d_size - st.st_name) == NULL ||
		    symtab_is_mapping(name))
			continue;
		err = lpd_vec_reserve((void **)&s->syms, cap, s->n + 1,
				      sizeof(*s->syms));
		if (err != NULL)
			return err;
		sym = &s->syms[s->n++];
		sym->value = symtab_opd_resolve(opd, type, st.st_value);
		sym->size = st.st_size;
		sym->name = name;
		sym->order = *order;
		sym->shndx = st.st_shndx;
		sym->from_dynsym = dynsym;
		sym->binding = symtab_binding_value(st.st_info);
		sym->global_part = i >= sh.sh_info;
	}
	return NULL;
}

/* Sort key that brings identical entries of both tables together. */
static int
symtab_cmp(const void *a, const void *b)
{
	const struct symtab_sym *x = a, *y = b;
	int c;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

struct lpd_error *
dbg_symtab_create(struct dbg_elf *elf, struct dbg_elf *debug,
		  struct dbg_symtab **ret)
{
	struct lpd_error *err = NULL;
	struct dbg_symtab *s;
	struct dbg_elf *symfile = NULL;
	Elf_Scn *symscn = NULL, *dynscn = NULL;
	struct symtab_opd opd;
	uint32_t order = 0;
	size_t cap = 0, i, j;
	uint64_t end_all = 0, end_global = 0;

	if (elf == NULL)
		elf = debug;
	if (elf == NULL)
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"symbol tables of no file");
	if (debug != NULL && (symscn = symtab_find_scn(debug->elf,
						       SHT_SYMTAB)) != NULL)
		symfile = debug;
	else if ((symscn = symtab_find_scn(elf->elf, SHT_SYMTAB)) != NULL)
		symfile = elf;
	dynscn = symtab_find_scn(elf->elf, SHT_DYNSYM);
	if (symscn == NULL && dynscn == NULL)
		return lpd_error_format(LPD_ERR_NOT_FOUND,
					"%s: no symbol table", elf->path);

	s = lpd_calloc(1, sizeof(*s));
	if (s == NULL)
		return &lpd_enomem;
	/* .symtab first: on ties elfutils keeps the earlier entry, and it
	 * reads .dynsym only when there is no .symtab. */
	/* A separate debug file's .opd is SHT_NOBITS: use the code's. */
	symtab_opd_init(elf, &opd);
	if (symscn != NULL)
		err = symtab_load(s, &cap, symfile, symscn, false, &opd,
				  &order);
	if (err == NULL && dynscn != NULL)
		err = symtab_load(s, &cap, elf, dynscn, true, &opd, &order);
	if (err != NULL)
		goto fail;

	if (s->n > 1)
		qsort(s->syms, s->n, sizeof(*s->syms), symtab_cmp);
	/* .dynsym mostly repeats .symtab: keep the first of each. */
	for (i = 0, j = 0; i < s->n; i++) {
		if (j > 0 && s->syms[j - 1].value == s->syms[i].value &&
		    s->syms[j - 1].size == s->syms[i].size &&
		    strcmp(s->syms[j - 1].name, s->syms[i].name) == 0)
			continue;
		s->syms[j++] = s->syms[i];
	}
	s->n = j;

	s->end_all = lpd_calloc(s->n ? s->n : 1, sizeof(*s->end_all));
	s->end_global = lpd_calloc(s->n ? s->n : 1, sizeof(*s->end_global));
	if (s->end_all == NULL || s->end_global == NULL) {
		err = &lpd_enomem;
		goto fail;
	}
	for (i = 0; i < s->n; i++) {
		const struct symtab_sym *sym = &s->syms[i];
		uint64_t end = sym->value + sym->size;

		if (end < sym->value)	/* hostile size: clamp, no wrap */
			end = UINT64_MAX;
		if (end > end_all)
			end_all = end;
		if (sym->global_part && end > end_global)
			end_global = end;
		s->end_all[i] = end_all;
		s->end_global[i] = end_global;
	}
	*ret = s;
	return NULL;
fail:
	dbg_symtab_destroy(s);
	return err;
}

void
dbg_symtab_destroy(struct dbg_symtab *s)
{
	if (s == NULL)
		return;
	lpd_free(s->scns[0]);
	lpd_free(s->scns[1]);
	lpd_free(s->end_all);
	lpd_free(s->end_global);
	lpd_free(s->syms);
	lpd_free(s);
}

/* The lookup's running choice, as elfutils keeps it across its two
 * passes (global part, then locals). */
struct symtab_search {
	uint64_t addr;
	const struct symtab_sym *closest;	/* sized, covering addr */
	const struct symtab_sym *sizeless;	/* label in addr's section */
	uint64_t min_label;	/* labels below this are inside a symbol */
};

/* Labels count only in ADDR's section; absolute ones only at ADDR. An
 * address in no allocated section (a gap, as after a __stop_ label) does
 * not exclude any: that is what eu-stack (dwfl_module_addrinfo) shows on
 * libc. */
static bool
symtab_same_section(const struct dbg_symtab *s,
		    const struct symtab_search *st,
		    const struct symtab_sym *sym)
{
	const struct symtab_scn *c = s->scns[sym->from_dynsym];
	size_t i, n = s->n_scns[sym->from_dynsym];

	if (sym->shndx >= SHN_LORESERVE)
		return sym->value == st->addr;
	for (i = 0; i < n; i++)
		if (st->addr >= c[i].addr && st->addr - c[i].addr < c[i].size)
			return c[i].index == sym->shndx;
	return true;
}

/* Candidates one pass looks at; more at one address is hostile or absurd
 * and the closest ones are kept. */
enum { SYMTAB_MAX_CANDIDATES = 64 };

/* elfutils' try_sym_value for a sized symbol covering ADDR: closer wins,
 * or a stronger binding; at the same address a smaller size with no
 * weaker binding; else the first seen. */
static bool
symtab_replaces(const struct symtab_sym *sym, const struct symtab_sym *cur)
{
	if (cur == NULL || cur->value < sym->value ||
	    cur->binding < sym->binding)
		return true;
	return cur->value == sym->value &&
	       ((cur->size > sym->size && cur->binding <= sym->binding) ||
		(cur->size >= sym->size && cur->binding < sym->binding));
}

/* One elfutils pass over the global part (GLOBAL true) or the locals.
 * Only entries that can matter are visited: those an earlier symbol's
 * end can still reach ADDR from (sized candidates), and labels at or
 * above the highest end (lower ones are inside a symbol). elfutils'
 * choice depends on table order, so candidates are replayed in it. */
static void
symtab_pass(const struct dbg_symtab *s, struct symtab_search *st,
	    size_t hi, bool global)
{
	const struct symtab_sym *cand[SYMTAB_MAX_CANDIDATES];
	const uint64_t *ends = global ? s->end_global : s->end_all;
	uint64_t floor = ends[hi];
	size_t i = hi + 1, n = 0, j;

	/* elfutils raises min_label over every symbol it passes at or
	 * below ADDR: the prefix maximum of ends is exactly that. */
	if (floor > st->min_label)
		st->min_label = floor;
	while (i-- > 0 && n < SYMTAB_MAX_CANDIDATES) {
		const struct symtab_sym *sym = &s->syms[i];

		if (ends[i] <= st->addr && sym->value < floor)
			break;
		if (sym->global_part != global)
			continue;
		if (sym->size != 0 ? st->addr - sym->value < sym->size
				   : sym->value >= floor &&
				     symtab_same_section(s, st, sym))
			cand[n++] = sym;
	}
	/* Insertion sort by table order: n is small. */
	for (i = 1; i < n; i++) {
		const struct symtab_sym *c = cand[i];

		for (j = i; j > 0 && cand[j - 1]->order > c->order; j--)
			cand[j] = cand[j - 1];
		cand[j] = c;
	}
	for (i = 0; i < n; i++) {
		if (cand[i]->size != 0) {
			if (symtab_replaces(cand[i], st->closest))
				st->closest = cand[i];
		} else if (st->closest == NULL) {
			/* The last label seen wins, as in elfutils. */
			st->sizeless = cand[i];
		}
	}
}

bool
dbg_symtab_lookup(const struct dbg_symtab *s, uint64_t addr,
		  const char **name, uint64_t *start)
{
	struct symtab_search st;
	const struct symtab_sym *pick;
	size_t lo = 0, hi;

	if (s == NULL || s->n == 0)
		return false;
	/* hi: one past the last symbol with value <= addr. */
	hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->syms[mid].value <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return false;
	hi = lo - 1;

	memset(&st, 0, sizeof(st));
	st.addr = addr;
	symtab_pass(s, &st, hi, true);
	/* Locals only when no global fits, unless a global label sits
	 * exactly at ADDR. */
	if (st.closest == NULL &&
	    (st.sizeless == NULL || st.sizeless->value != addr))
		symtab_pass(s, &st, hi, false);
	pick = st.closest;
	if (pick == NULL && st.sizeless != NULL &&
	    st.sizeless->value >= st.min_label)
		pick = st.sizeless;
	if (pick == NULL)
		return false;
	*name = pick->name;
	*start = pick->value;
	return true;
}
