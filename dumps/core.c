/* dumps/core.c - open an ELF core: map it, validate the ELF header and the
 * program headers, collect PT_LOADs and hand PT_NOTEs to notes.c. Keeps the
 * dump's warning list. Memory and modules live in their own rooms. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dumps/dumps-int.h"

static void
warn_add(struct dump *d, char *msg)
{
	if (msg == NULL) {
		d->warnings_dropped++;
		return;
	}
	if (d->nwarnings >= DUMP_MAX_WARNINGS ||
	    lpd_vec_reserve((void **)&d->warnings, &d->warnings_cap,
			    d->nwarnings + 1, sizeof(*d->warnings)) != NULL) {
		d->warnings_dropped++;
		lpd_free(msg);
		return;
	}
	d->warnings[d->nwarnings++] = msg;
}

void
dump_warn_at(struct dump *d, uint64_t offset, const char *fmt, ...)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_error *err;
	va_list ap;

	err = lpd_buf_printf(&b, "%s: offset 0x%" PRIx64 ": ", d->path,
			     offset);
	if (err == NULL) {
		va_start(ap, fmt);
		err = lpd_buf_vprintf(&b, fmt, ap);
		va_end(ap);
	}
	if (err != NULL) {
		lpd_error_destroy(err);
		lpd_buf_deinit(&b);
		d->warnings_dropped++;
		return;
	}
	warn_add(d, lpd_buf_steal(&b));
}

void
dump_warn(struct dump *d, const char *fmt, ...)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_error *err;
	va_list ap;

	err = lpd_buf_printf(&b, "%s: ", d->path);
	if (err == NULL) {
		va_start(ap, fmt);
		err = lpd_buf_vprintf(&b, fmt, ap);
		va_end(ap);
	}
	if (err != NULL) {
		lpd_error_destroy(err);
		lpd_buf_deinit(&b);
		d->warnings_dropped++;
		return;
	}
	warn_add(d, lpd_buf_steal(&b));
}

void
dump_warn_error(struct dump *d, struct lpd_error *err)
{
	if (err == NULL)
		return;
	warn_add(d, lpd_strdup(err->message));
	lpd_error_destroy(err);
}

/* The ELF header fields we use, in host form. */
struct ehdr {
	unsigned elfclass;
	bool big_endian;
	uint16_t e_type, e_machine;
	uint64_t e_phoff, e_shoff;
	uint16_t e_phentsize, e_phnum, e_shentsize;
	uint64_t phnum;		/* after PN_XNUM */
};

static struct lpd_error *
read_ehdr(struct dump *d, struct ehdr *ret)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };
	struct lpd_reader r;
	struct lpd_error *err;
	struct ehdr h;
	unsigned w;
	uint32_t version;

	memset(&h, 0, sizeof(h));
	if (d->size < 16 || memcmp(d->map, magic, 4) != 0)
		return lpd_error_input(d->path, 0, "not an ELF file");
	h.elfclass = d->map[4];
	if (h.elfclass != 1 && h.elfclass != 2)
		return lpd_error_input(d->path, 4, "bad ELF class %u",
				       h.elfclass);
	if (d->map[5] != 1 && d->map[5] != 2)
		return lpd_error_input(d->path, 5, "bad ELF data encoding %u",
				       d->map[5]);
	h.big_endian = d->map[5] == 2;
	if (d->map[6] != 1)
		return lpd_error_input(d->path, 6, "bad ELF version %u",
				       d->map[6]);
	w = h.elfclass == 2 ? 8 : 4;
	lpd_reader_init(&r, d->map, d->size, h.big_endian, d->path, 0);
	r.pos = 16;
	if (d->size < (h.elfclass == 2 ? 64u : 52u))
		return lpd_reader_error(&r, "ELF header truncated (file "
					"size 0x%zx)", d->size);
	if ((err = lpd_reader_u16(&r, &h.e_type)) != NULL ||
	    (err = lpd_reader_u16(&r, &h.e_machine)) != NULL ||
	    (err = lpd_reader_u32(&r, &version)) != NULL ||
	    (err = lpd_reader_skip(&r, w)) != NULL ||	/* e_entry */
	    (err = lpd_reader_uN(&r, w, &h.e_phoff)) != NULL ||
	    (err = lpd_reader_uN(&r, w, &h.e_shoff)) != NULL ||
	    (err = lpd_reader_skip(&r, 4 + 2)) != NULL) /* flags, ehsize */
		return err;
	if ((err = lpd_reader_u16(&r, &h.e_phentsize)) != NULL ||
	    (err = lpd_reader_u16(&r, &h.e_phnum)) != NULL ||
	    (err = lpd_reader_u16(&r, &h.e_shentsize)) != NULL)
		return err;
	if (h.e_type != DUMP_ET_CORE)
		return lpd_error_input(d->path, 16, "not a core file "
				       "(e_type %u)", h.e_type);
	*ret = h;
	return NULL;
}

/* The program header count, from section 0's sh_info under PN_XNUM. */
static struct lpd_error *
read_phnum(struct dump *d, struct ehdr *h)
{
	uint64_t shsize = h->elfclass == 2 ? 64 : 40;
	uint64_t info_off = h->elfclass == 2 ? 44 : 28;

	if (h->e_phnum != DUMP_PN_XNUM) {
		h->phnum = h->e_phnum;
		return NULL;
	}
	if (h->e_shoff == 0)
		return lpd_error_input(d->path, h->elfclass == 2 ? 0x28 : 0x20,
				       "e_phnum is PN_XNUM but there is no "
				       "section header");
	if (h->e_shentsize < shsize)
		return lpd_error_input(d->path, h->elfclass == 2 ? 0x3a : 0x2e,
				       "e_shentsize %u too small",
				       h->e_shentsize);
	if (h->e_shoff > d->size || d->size - h->e_shoff < shsize)
		return lpd_error_input(d->path, h->elfclass == 2 ? 0x28 : 0x20,
				       "section header 0 at 0x%" PRIx64
				       " runs past end of file (0x%zx)",
				       h->e_shoff, d->size);
	h->phnum = lpd_load_u32(d->map + h->e_shoff + info_off,
				h->big_endian);
	return NULL;
}

struct phdr {
	uint32_t type;
	uint64_t offset, vaddr, filesz, memsz;
};

static void
parse_phdr(const uint8_t *p, unsigned elfclass, bool be, struct phdr *ret)
{
	ret->type = lpd_load_u32(p, be);
	if (elfclass == 2) {
		ret->offset = lpd_load_u64(p + 8, be);
		ret->vaddr = lpd_load_u64(p + 16, be);
		ret->filesz = lpd_load_u64(p + 32, be);
		ret->memsz = lpd_load_u64(p + 40, be);
	} else {
		ret->offset = lpd_load_u32(p + 4, be);
		ret->vaddr = lpd_load_u32(p + 8, be);
		ret->filesz = lpd_load_u32(p + 16, be);
		ret->memsz = lpd_load_u32(p + 20, be);
	}
}

static int
segment_cmp(const void *a, const void *b)
{
	const struct dump_segment *x = a, *y = b;

	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static struct lpd_error *
add_load(struct dump *d, const struct phdr *ph, uint64_t ph_off,
	 size_t *cap)
{
	struct dump_segment seg;
	struct lpd_error *err;
	uint64_t maxaddr = d->addr_size == 8 ? UINT64_MAX : UINT32_MAX;

	if (ph->memsz == 0)
		return NULL;
	if (ph->vaddr > maxaddr || ph->memsz - 1 > maxaddr - ph->vaddr) {
		dump_warn_at(d, ph_off, "PT_LOAD at 0x%" PRIx64 " size 0x%"
			     PRIx64 " wraps the address space; ignored",
			     ph->vaddr, ph->memsz);
		return NULL;
	}
	seg.vaddr = ph->vaddr;
	seg.memsz = ph->memsz;
	seg.offset = ph->offset;
	seg.filesz = ph->filesz;
	if (seg.filesz > seg.memsz) {
		dump_warn_at(d, ph_off, "PT_LOAD at 0x%" PRIx64 ": p_filesz "
			     "0x%" PRIx64 " exceeds p_memsz 0x%" PRIx64,
			     ph->vaddr, ph->filesz, ph->memsz);
		seg.filesz = seg.memsz;
	}
	if (seg.filesz > 0 && (seg.offset > d->size ||
			       seg.filesz > d->size - seg.offset)) {
		uint64_t have = seg.offset > d->size ? 0
						     : d->size - seg.offset;

		dump_warn_at(d, ph_off, "PT_LOAD at 0x%" PRIx64 ": data at "
			     "0x%" PRIx64 " size 0x%" PRIx64 " runs past end "
			     "of file (0x%zx); core truncated, 0x%" PRIx64
			     " bytes missing", ph->vaddr, ph->offset,
			     ph->filesz, d->size, seg.filesz - have);
		seg.filesz = have;
	}
	if (seg.filesz == 0)
		seg.offset = 0;
	err = lpd_vec_reserve((void **)&d->loads, cap, d->nloads + 1,
			      sizeof(*d->loads));
	if (err != NULL)
		return err;
	d->loads[d->nloads++] = seg;
	return NULL;
}

static struct lpd_error *
read_phdrs(struct dump *d, const struct ehdr *h)
{
	uint64_t entsize = h->elfclass == 2 ? 56 : 32;
	uint64_t phoff_field = h->elfclass == 2 ? 0x20 : 0x1c;
	struct lpd_error *err;
	size_t cap = 0;
	uint64_t i;

	if (h->phnum == 0)
		return lpd_error_input(d->path, phoff_field + (h->elfclass
				       == 2 ? 0x18 : 0x10),
				       "core has no program headers");
	if (h->e_phentsize != entsize)
		return lpd_error_input(d->path, phoff_field + (h->elfclass
				       == 2 ? 0x16 : 0xe),
				       "e_phentsize %u, expected %" PRIu64,
				       h->e_phentsize, entsize);
	if (h->e_phoff > d->size ||
	    h->phnum > (d->size - h->e_phoff) / entsize)
		return lpd_error_input(d->path, phoff_field, "%" PRIu64
				       " program headers at 0x%" PRIx64
				       " run past end of file (0x%zx)",
				       h->phnum, h->e_phoff, d->size);
	for (i = 0; i < h->phnum; i++) {
		uint64_t off = h->e_phoff + i * entsize;
		struct phdr ph;

		parse_phdr(d->map + off, h->elfclass, h->big_endian, &ph);
		if (ph.type == DUMP_PT_NOTE) {
			if (ph.offset > d->size ||
			    ph.filesz > d->size - ph.offset)
				return lpd_error_input(d->path, off, "PT_NOTE "
					"at 0x%" PRIx64 " size 0x%" PRIx64
					" runs past end of file (0x%zx)",
					ph.offset, ph.filesz, d->size);
			err = dump_notes_parse(d, ph.offset, ph.filesz);
		} else if (ph.type == DUMP_PT_LOAD) {
			err = add_load(d, &ph, off, &cap);
		} else {
			err = NULL;
		}
		if (err != NULL)
			return err;
	}
	qsort(d->loads, d->nloads, sizeof(*d->loads), segment_cmp);
	return NULL;
}

static struct lpd_error *
map_file(struct dump *d)
{
	struct stat st;
	void *p;
	int fd;

	fd = open(d->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lpd_error_os(errno, d->path);
	if (fstat(fd, &st) < 0) {
		int e = errno;

		close(fd);
		return lpd_error_os(e, d->path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return lpd_error_format(LPD_ERR_BAD_INPUT, "%s: not a regular "
					"file", d->path);
	}
	if (st.st_size == 0) {
		close(fd);
		return lpd_error_input(d->path, 0, "not an ELF file (empty)");
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		close(fd);
		return lpd_error_format(LPD_ERR_UNSUPPORTED, "%s: too large "
					"to map", d->path);
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return lpd_error_os(errno, d->path);
	d->map = p;
	d->size = (size_t)st.st_size;
	return NULL;
}

struct lpd_error *
dump_open(const char *path, struct dump **ret)
{
	struct lpd_error *err;
	struct dump *d;
	struct ehdr h;

	if (path == NULL)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "no core path");
	d = lpd_calloc(1, sizeof(*d));
	if (d == NULL)
		return &lpd_enomem;
	d->path = lpd_strdup(path);
	if (d->path == NULL) {
		err = &lpd_enomem;
		goto out;
	}
	if ((err = map_file(d)) != NULL || (err = read_ehdr(d, &h)) != NULL)
		goto out;
	d->arch = dump_arch_find(h.e_machine, h.elfclass, h.big_endian);
	if (d->arch == NULL) {
		err = lpd_error_format(LPD_ERR_UNSUPPORTED, "%s: unsupported "
				       "architecture (e_machine %u, %u-bit, "
				       "%s-endian)", path, h.e_machine,
				       h.elfclass == 2 ? 64 : 32,
				       h.big_endian ? "big" : "little");
		goto out;
	}
	d->big_endian = h.big_endian;
	d->addr_size = d->arch->addr_size;
	d->e_type = h.e_type;
	if ((err = read_phnum(d, &h)) != NULL ||
	    (err = read_phdrs(d, &h)) != NULL)
		goto out;
	dump_notes_finish(d);
	*ret = d;
	return NULL;
out:
	dump_destroy(d);
	return err;
}

void
dump_destroy(struct dump *d)
{
	size_t i;

	if (d == NULL)
		return;
	dump_modules_deinit(d);
	dump_memory_deinit(d);
	dump_notes_deinit(d);
	for (i = 0; i < d->nwarnings; i++)
		lpd_free(d->warnings[i]);
	lpd_free(d->warnings);
	lpd_free(d->loads);
	if (d->map != NULL)
		munmap((void *)d->map, d->size);
	lpd_free(d->path);
	lpd_free(d);
}

const char *
dump_path(const struct dump *d)
{
	return d->path;
}

const struct dump_arch *
dump_get_arch(const struct dump *d)
{
	return d->arch;
}

size_t
dump_warning_count(const struct dump *d)
{
	return d->nwarnings;
}

const char *
dump_warning(const struct dump *d, size_t i)
{
	return i < d->nwarnings ? d->warnings[i] : NULL;
}
