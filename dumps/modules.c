/* dumps/modules.c - the ELF objects mapped in the process: from NT_FILE and
 * the ELF headers in memory (as eu-unstrip -n --core), the vdso and the main
 * executable from auxv, cross-checked with r_debug's link_map list. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dumps/dumps-int.h"

enum {
	MOD_MAX_NOTES = 16,		/* PT_NOTEs looked at per object */
	MOD_MAX_NOTE_SIZE = 65536,	/* bytes of one PT_NOTE read */
};

/* What we learn from an ELF object's headers in memory. */
struct elf_info {
	uint16_t e_type;
	uint64_t e_entry;
	uint64_t e_phoff;
	bool has_load;
	uint64_t first_load_vaddr;	/* of the first PT_LOAD */
	uint64_t min_vaddr, max_end;	/* over PT_LOADs */
	bool has_dynamic;
	uint64_t dynamic_vaddr;
	bool has_phdr;
	uint64_t phdr_vaddr;
	size_t nnotes;
	struct {
		uint64_t vaddr, size, align;
	} notes[MOD_MAX_NOTES];
};

static uint64_t
page_size(struct dump *d)
{
	uint64_t ps = d->file_page_size;

	if (ps == 0 && !dump_auxv(d, DUMP_AT_PAGESZ, &ps))
		ps = 4096;
	if (ps == 0 || (ps & (ps - 1)) != 0 || ps > (UINT64_C(1) << 30))
		ps = 4096;
	return ps;
}

static size_t
phentsize(const struct dump *d)
{
	return d->addr_size == 8 ? 56 : 32;
}

/* Parse PHNUM program headers (already read from memory) into INFO. */
static void
parse_phdrs(const struct dump *d, const uint8_t *buf, size_t phnum,
	    struct elf_info *info)
{
	bool be = d->big_endian;
	size_t i;

	for (i = 0; i < phnum; i++) {
		const uint8_t *p = buf + i * phentsize(d);
		uint32_t type = lpd_load_u32(p, be);
		uint64_t vaddr, filesz, memsz, align;

		if (d->addr_size == 8) {
			vaddr = lpd_load_u64(p + 16, be);
			filesz = lpd_load_u64(p + 32, be);
			memsz = lpd_load_u64(p + 40, be);
			align = lpd_load_u64(p + 48, be);
		} else {
			vaddr = lpd_load_u32(p + 8, be);
			filesz = lpd_load_u32(p + 16, be);
			memsz = lpd_load_u32(p + 20, be);
			align = lpd_load_u32(p + 28, be);
		}
		switch (type) {
		case DUMP_PT_LOAD:
			if (memsz > UINT64_MAX - vaddr)
				break;
			if (!info->has_load) {
				info->has_load = true;
				info->first_load_vaddr = vaddr;
				info->min_vaddr = vaddr;
				info->max_end = vaddr + memsz;
			}
			if (vaddr < info->min_vaddr)
				info->min_vaddr = vaddr;
			if (vaddr + memsz > info->max_end)
				info->max_end = vaddr + memsz;
			break;
		case DUMP_PT_DYNAMIC:
			if (!info->has_dynamic) {
				info->has_dynamic = true;
				info->dynamic_vaddr = vaddr;
			}
			break;
		case DUMP_PT_PHDR:
			info->has_phdr = true;
			info->phdr_vaddr = vaddr;
			break;
		case DUMP_PT_NOTE:
			if (info->nnotes < MOD_MAX_NOTES) {
				info->notes[info->nnotes].vaddr = vaddr;
				info->notes[info->nnotes].size = filesz;
				info->notes[info->nnotes].align = align;
				info->nnotes++;
			}
			break;
		default:
			break;
		}
	}
}

/* Read PHNUM program headers at ADDR and parse them into INFO. */
static bool
read_phdrs(struct dump *d, uint64_t addr, size_t phnum,
	   struct elf_info *info)
{
	struct lpd_error *err;
	uint8_t *buf;

	if (phnum == 0 || phnum > DUMP_MAX_MODULE_PHNUM)
		return false;
	buf = lpd_malloc(phnum * phentsize(d));
	if (buf == NULL)
		return false;
	err = dump_read(d, addr, buf, phnum * phentsize(d));
	if (err == NULL)
		parse_phdrs(d, buf, phnum, info);
	lpd_error_destroy(err);
	lpd_free(buf);
	return err == NULL;
}

/* The ELF object whose header is at ADDR in memory; false when there is
 * none (unreadable, not ELF, another class or byte order, no PT_LOAD). */
static bool
read_elf(struct dump *d, uint64_t addr, struct elf_info *ret)
{
	uint8_t h[64];
	size_t hsize = d->addr_size == 8 ? 64 : 52;
	struct elf_info info;
	struct lpd_error *err;
	bool be = d->big_endian;
	uint16_t phent, phnum;

	err = dump_read(d, addr, h, hsize);
	if (err != NULL) {
		lpd_error_destroy(err);
		return false;
	}
	if (memcmp(h, "\177ELF", 4) != 0 ||
	    h[4] != (d->addr_size == 8 ? 2 : 1) || h[5] != (be ? 2 : 1))
		return false;
	memset(&info, 0, sizeof(info));
	info.e_type = lpd_load_u16(h + 16, be);
	if (d->addr_size == 8) {
		info.e_entry = lpd_load_u64(h + 24, be);
		info.e_phoff = lpd_load_u64(h + 32, be);
		phent = lpd_load_u16(h + 54, be);
		phnum = lpd_load_u16(h + 56, be);
	} else {
		info.e_entry = lpd_load_u32(h + 24, be);
		info.e_phoff = lpd_load_u32(h + 28, be);
		phent = lpd_load_u16(h + 42, be);
		phnum = lpd_load_u16(h + 44, be);
	}
	if (phent != phentsize(d) || phnum == DUMP_PN_XNUM ||
	    info.e_phoff > UINT64_MAX - addr)
		return false;
	if (!read_phdrs(d, addr + info.e_phoff, phnum, &info) ||
	    !info.has_load)
		return false;
	*ret = info;
	return true;
}

/* Keep P (allocated) until the dump is destroyed; frees it on failure. */
static struct lpd_error *
own(struct dump *d, void *p)
{
	if (p == NULL)
		return &lpd_enomem;
	if (lpd_vec_reserve((void **)&d->owned, &d->owned_cap, d->nowned + 1,
			    sizeof(*d->owned)) != NULL) {
		lpd_free(p);
		return &lpd_enomem;
	}
	d->owned[d->nowned++] = p;
	return NULL;
}

/* NT_GNU_BUILD_ID from the object's PT_NOTEs, copied into the dump. */
static struct lpd_error *
find_build_id(struct dump *d, const struct elf_info *info, uint64_t bias,
	      struct dump_module *m)
{
	struct lpd_error *err;
	size_t i;

	for (i = 0; i < info->nnotes && m->build_id == NULL; i++) {
		uint64_t size = info->notes[i].size;
		size_t align = info->notes[i].align == 8 ? 8 : 4;
		size_t pos = 0;
		uint8_t *buf;

		if (size < 12 || size > MOD_MAX_NOTE_SIZE)
			continue;
		buf = lpd_malloc((size_t)size);
		if (buf == NULL)
			return &lpd_enomem;
		err = dump_read(d, bias + info->notes[i].vaddr, buf,
				(size_t)size);
		if (err != NULL) {
			lpd_error_destroy(err);
			lpd_free(buf);
			continue;
		}
		while (size - pos >= 12) {
			uint32_t namesz = lpd_load_u32(buf + pos,
						       d->big_endian);
			uint32_t descsz = lpd_load_u32(buf + pos + 4,
						       d->big_endian);
			uint32_t type = lpd_load_u32(buf + pos + 8,
						     d->big_endian);
			size_t name_at = pos + 12, desc_at;

			if (namesz > size - name_at)
				break;
			desc_at = name_at + namesz;
			desc_at += (align - desc_at % align) % align;
			if (desc_at > size || descsz > size - desc_at)
				break;
			if (type == DUMP_NT_GNU_BUILD_ID && namesz == 4 &&
			    memcmp(buf + name_at, "GNU", 4) == 0 &&
			    descsz > 0 && descsz <= DUMP_MAX_BUILD_ID) {
				uint8_t *id = lpd_malloc(descsz);

				if (id != NULL)
					memcpy(id, buf + desc_at, descsz);
				err = own(d, id);
				if (err != NULL) {
					lpd_free(buf);
					return err;
				}
				m->build_id = id;
				m->build_id_len = descsz;
				break;
			}
			pos = desc_at + descsz;
			pos += (align - pos % align) % align;
			if (pos > size)
				break;
		}
		lpd_free(buf);
	}
	return NULL;
}

static struct lpd_error *
add_module(struct dump *d, const struct dump_module *m)
{
	struct lpd_error *err;

	err = lpd_vec_reserve((void **)&d->modules, &d->modules_cap,
			      d->nmodules + 1, sizeof(*d->modules));
	if (err != NULL)
		return err;
	d->modules[d->nmodules++] = *m;
	return NULL;
}

/* Fill M's range, build-id and dynamic from INFO with bias M->bias. */
static struct lpd_error *
module_from_elf(struct dump *d, const struct elf_info *info, uint64_t ps,
		struct dump_module *m)
{
	m->start = m->bias + (info->min_vaddr & ~(ps - 1));
	m->end = m->bias + info->max_end;
	if (m->end < m->start)	/* wrapped: hostile headers */
		m->end = m->start;
	else if (m->end % ps != 0 && m->end <= UINT64_MAX - ps)
		m->end = (m->end | (ps - 1)) + 1;
	if (info->has_dynamic)
		m->dynamic = m->bias + info->dynamic_vaddr;
	return find_build_id(d, info, m->bias, m);
}

static int
index_by_path_cmp(const void *a, const void *b, void *arg)
{
	const struct dump_mapping *maps = arg;
	const struct dump_mapping *x = &maps[*(const size_t *)a];
	const struct dump_mapping *y = &maps[*(const size_t *)b];
	int c = strcmp(x->path, y->path);

	if (c != 0)
		return c;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* One module per NT_FILE path whose offset-0 mapping starts with an ELF
 * header. */
static struct lpd_error *
modules_from_files(struct dump *d, uint64_t ps)
{
	struct lpd_error *err = NULL;
	size_t *idx, i, j;

	if (d->nmappings == 0)
		return NULL;
	idx = lpd_calloc(d->nmappings, sizeof(*idx));
	if (idx == NULL)
		return &lpd_enomem;
	for (i = 0; i < d->nmappings; i++)
		idx[i] = i;
	qsort_r(idx, d->nmappings, sizeof(*idx), index_by_path_cmp,
		d->mappings);
	for (i = 0; i < d->nmappings; i = j) {
		const struct dump_mapping *first = NULL;
		struct dump_module m;
		struct elf_info info;
		uint64_t lo = UINT64_MAX, hi = 0;

		for (j = i; j < d->nmappings &&
		     strcmp(d->mappings[idx[j]].path,
			    d->mappings[idx[i]].path) == 0; j++) {
			const struct dump_mapping *mp = &d->mappings[idx[j]];

			if (mp->start < lo)
				lo = mp->start;
			if (mp->end > hi)
				hi = mp->end;
			if (mp->file_offset == 0 && first == NULL)
				first = mp;
		}
		if (first == NULL || !read_elf(d, first->start, &info))
			continue;
		if (info.e_type != DUMP_ET_EXEC && info.e_type != DUMP_ET_DYN)
			continue;
		memset(&m, 0, sizeof(m));
		m.path = first->path;
		m.bias = first->start - (info.first_load_vaddr & ~(ps - 1));
		err = module_from_elf(d, &info, ps, &m);
		if (err != NULL)
			break;
		/* The mappings, and the bss past the last file page. */
		if (m.end < hi || m.start > m.end ||
		    m.end - hi > (UINT64_C(1) << 32))
			m.end = hi;
		m.start = lo;
		if ((err = add_module(d, &m)) != NULL)
			break;
	}
	lpd_free(idx);
	return err;
}

static struct dump_module *
module_containing(struct dump *d, uint64_t addr)
{
	size_t i;

	for (i = 0; i < d->nmodules; i++)
		if (addr >= d->modules[i].start && addr < d->modules[i].end)
			return &d->modules[i];
	return NULL;
}

static struct lpd_error *
module_vdso(struct dump *d, uint64_t ps)
{
	struct lpd_error *err;
	struct dump_module m;
	struct elf_info info;
	uint64_t addr;

	if (!dump_auxv(d, DUMP_AT_SYSINFO_EHDR, &addr) || addr == 0 ||
	    module_containing(d, addr) != NULL || !read_elf(d, addr, &info))
		return NULL;
	memset(&m, 0, sizeof(m));
	m.path = "[vdso]";
	m.is_vdso = true;
	m.bias = addr - (info.first_load_vaddr & ~(ps - 1));
	if ((err = module_from_elf(d, &info, ps, &m)) != NULL)
		return err;
	return add_module(d, &m);
}

/* Read the NUL-terminated string at ADDR (at most DUMP_MAX_PATH bytes)
 * into a new allocation; NULL and *fault when unreadable. */
static char *
read_string(struct dump *d, uint64_t addr, bool *fault)
{
	struct lpd_buf b = LPD_BUF_INIT;
	size_t n;

	*fault = false;
	for (n = 0; n < DUMP_MAX_PATH; n++) {
		struct lpd_error *err;
		char c;

		err = dump_read(d, addr + n, &c, 1);
		if (err != NULL) {
			lpd_error_destroy(err);
			*fault = true;
			lpd_buf_deinit(&b);
			return NULL;
		}
		if (c == '\0')
			break;
		err = lpd_buf_append(&b, &c, 1);
		if (err != NULL) {
			lpd_buf_deinit(&b);
			return NULL;
		}
	}
	if (b.data == NULL)
		return lpd_strdup("");
	return lpd_buf_steal(&b);
}

/* The executable when NT_FILE did not name it: its program headers are at
 * AT_PHDR; the bias comes from PT_PHDR, or from the ELF header just before
 * them, or is 0 when AT_ENTRY then falls in a PT_LOAD. */
static struct lpd_error *
module_main_from_auxv(struct dump *d, uint64_t ps, uint64_t phdr)
{
	uint64_t phent, phnum, entry = 0, execfn, hsize;
	struct lpd_error *err;
	struct elf_info info, eh;
	struct dump_module m;
	bool have_entry, fault;
	char *path = NULL;

	if (!dump_auxv(d, DUMP_AT_PHNUM, &phnum) ||
	    !dump_auxv(d, DUMP_AT_PHENT, &phent) || phent != phentsize(d))
		return NULL;
	memset(&info, 0, sizeof(info));
	if (!read_phdrs(d, phdr, (size_t)phnum, &info) || !info.has_load)
		return NULL;
	have_entry = dump_auxv(d, DUMP_AT_ENTRY, &entry);
	memset(&m, 0, sizeof(m));
	hsize = d->addr_size == 8 ? 64 : 52;
	if (info.has_phdr) {
		m.bias = phdr - info.phdr_vaddr;
	} else if (phdr >= hsize && read_elf(d, phdr - hsize, &eh) &&
		   eh.e_phoff == hsize) {
		m.bias = phdr - hsize - (info.first_load_vaddr & ~(ps - 1));
	} else if (have_entry && entry >= info.min_vaddr &&
		   entry < info.max_end) {
		m.bias = 0;
	} else {
		dump_warn(d, "cannot find the executable's load bias from "
			  "AT_PHDR 0x%" PRIx64, phdr);
		return NULL;
	}
	if (dump_auxv(d, DUMP_AT_EXECFN, &execfn))
		path = read_string(d, execfn, &fault);
	if ((path == NULL || path[0] == '\0') && d->has_process) {
		lpd_free(path);
		path = lpd_strdup(d->process.fname);
	}
	if ((err = own(d, path)) != NULL)
		return err;
	m.path = path;
	m.is_main = true;
	if ((err = module_from_elf(d, &info, ps, &m)) != NULL)
		return err;
	return add_module(d, &m);
}

static struct lpd_error *
mark_main(struct dump *d, uint64_t ps)
{
	struct dump_module *m;
	uint64_t phdr;

	if (!dump_auxv(d, DUMP_AT_PHDR, &phdr))
		return NULL;
	m = module_containing(d, phdr);
	if (m != NULL) {
		m->is_main = true;
		return NULL;
	}
	return module_main_from_auxv(d, ps, phdr);
}

/* DT_DEBUG's value (the r_debug address) in the dynamic section at DYN. */
static uint64_t
find_r_debug(struct dump *d, uint64_t dyn)
{
	size_t w = d->addr_size, i;

	for (i = 0; i < DUMP_MAX_DYNAMIC; i++) {
		uint64_t tag, val;
		struct lpd_error *err;

		if ((err = dump_read_word(d, dyn + 2 * w * i, &tag)) != NULL ||
		    (err = dump_read_word(d, dyn + 2 * w * i + w, &val))
		    != NULL) {
			lpd_error_destroy(err);
			return 0;
		}
		if (tag == DUMP_DT_NULL)
			return 0;
		if (tag == DUMP_DT_DEBUG)
			return val;
	}
	return 0;
}

static struct dump_module *
match_link_map(struct dump *d, const char *name, uint64_t l_ld)
{
	size_t i;

	for (i = 0; i < d->nmodules; i++)
		if (l_ld != 0 && d->modules[i].dynamic == l_ld)
			return &d->modules[i];
	for (i = 0; i < d->nmodules; i++)
		if (name[0] != '\0' && strcmp(d->modules[i].path, name) == 0)
			return &d->modules[i];
	return l_ld != 0 ? module_containing(d, l_ld) : NULL;
}

/* One link_map entry: mark the module it names, or add it. */
static struct lpd_error *
link_map_entry(struct dump *d, uint64_t ps, uint64_t lm,
	       const uint64_t f[5])
{
	struct dump_module *mod, m;
	struct elf_info info;
	struct lpd_error *err;
	bool fault;
	char *name;

	name = read_string(d, f[1], &fault);
	if (name == NULL && !fault)
		return &lpd_enomem;
	mod = match_link_map(d, name != NULL ? name : "", f[2]);
	if (mod != NULL) {
		if (mod->in_link_map)
			dump_warn(d, "link_map entry 0x%" PRIx64 " names "
				  "module %s again", lm, mod->path);
		mod->in_link_map = true;
		mod->dynamic = f[2];
		if (mod->bias != f[0] && !mod->is_vdso)
			dump_warn(d, "link_map entry 0x%" PRIx64 " gives bias "
				  "0x%" PRIx64 " for %s, headers give 0x%"
				  PRIx64, lm, f[0], mod->path, mod->bias);
		lpd_free(name);
		return NULL;
	}
	if (name == NULL || name[0] == '\0') {
		lpd_free(name);
		dump_warn(d, "link_map entry 0x%" PRIx64 " has no name and "
			  "no mapping; ignored", lm);
		return NULL;
	}
	if ((err = own(d, name)) != NULL)
		return err;
	memset(&m, 0, sizeof(m));
	m.path = name;
	m.bias = f[0];
	m.in_link_map = true;
	m.start = m.end = f[2];
	if (read_elf(d, f[0], &info) &&
	    (err = module_from_elf(d, &info, ps, &m)) != NULL)
		return err;
	m.dynamic = f[2];
	return add_module(d, &m);
}

/* Walk r_debug.r_map from the main executable's DT_DEBUG. */
static struct lpd_error *
walk_link_map(struct dump *d, uint64_t ps)
{
	struct dump_module *main_mod = NULL;
	uint64_t r_debug, lm, *seen;
	size_t w = d->addr_size, n = 0, i;
	struct lpd_error *err = NULL;

	for (i = 0; i < d->nmodules; i++)
		if (d->modules[i].is_main)
			main_mod = &d->modules[i];
	if (main_mod == NULL || main_mod->dynamic == 0)
		return NULL;
	r_debug = find_r_debug(d, main_mod->dynamic);
	if (r_debug == 0)
		return NULL;
	if ((err = dump_read_word(d, r_debug + w, &lm)) != NULL) {
		dump_warn(d, "r_debug at 0x%" PRIx64 ": %s", r_debug,
			  err->message);
		lpd_error_destroy(err);
		return NULL;
	}
	seen = lpd_calloc(DUMP_MAX_LINK_MAP, sizeof(*seen));
	if (seen == NULL)
		return &lpd_enomem;
	while (lm != 0) {
		uint64_t f[5];

		for (i = 0; i < n; i++)
			if (seen[i] == lm)
				break;
		if (i < n) {
			dump_warn(d, "link_map list loops at 0x%" PRIx64, lm);
			break;
		}
		if (n == DUMP_MAX_LINK_MAP) {
			dump_warn(d, "link_map list longer than %d entries; "
				  "rest ignored", DUMP_MAX_LINK_MAP);
			break;
		}
		seen[n++] = lm;
		for (i = 0; i < 5 && err == NULL; i++)
			err = dump_read_word(d, lm + i * w, &f[i]);
		if (err != NULL) {
			dump_warn(d, "link_map entry 0x%" PRIx64 ": %s", lm,
				  err->message);
			lpd_error_destroy(err);
			err = NULL;
			break;
		}
		if ((err = link_map_entry(d, ps, lm, f)) != NULL)
			break;
		lm = f[3];
	}
	lpd_free(seen);
	return err;
}

static int
module_cmp(const void *a, const void *b)
{
	const struct dump_module *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

static void
modules_compute(struct dump *d)
{
	uint64_t ps = page_size(d);
	struct lpd_error *err;

	d->modules_done = true;
	if ((err = modules_from_files(d, ps)) != NULL ||
	    (err = module_vdso(d, ps)) != NULL ||
	    (err = mark_main(d, ps)) != NULL ||
	    (err = walk_link_map(d, ps)) != NULL)
		dump_warn(d, "finding modules: %s", err->message);
	lpd_error_destroy(err);
	if (d->nmodules > 1)
		qsort(d->modules, d->nmodules, sizeof(*d->modules),
		      module_cmp);
}

size_t
dump_module_count(struct dump *d)
{
	if (!d->modules_done)
		modules_compute(d);
	return d->nmodules;
}

const struct dump_module *
dump_module(struct dump *d, size_t i)
{
	if (!d->modules_done)
		modules_compute(d);
	return i < d->nmodules ? &d->modules[i] : NULL;
}

const struct dump_module *
dump_module_by_addr(struct dump *d, uint64_t addr)
{
	size_t lo = 0, hi;

	if (!d->modules_done)
		modules_compute(d);
	/* Sorted by start; ranges do not nest in a sane core, so the last
	 * start <= ADDR is the candidate, with a linear fallback. */
	hi = d->nmodules;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->modules[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && addr < d->modules[lo - 1].end)
		return &d->modules[lo - 1];
	return module_containing(d, addr);
}

void
dump_modules_deinit(struct dump *d)
{
	size_t i;

	for (i = 0; i < d->nowned; i++)
		lpd_free(d->owned[i]);
	lpd_free(d->owned);
	lpd_free(d->modules);
}
