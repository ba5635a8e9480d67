/* debugger/elf.c - ELF files of an image, mmap'd read-only through libelf:
 * identity (build-id, debuglink), sections (decompressed once). Symbols,
 * DWARF and CFI are read by their own rooms. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "debugger/debugger-int.h"

static void elf_inflated_free(void *p);

static struct lpd_error *
elf_error(const char *path, const char *what)
{
	return lpd_error_format(LPD_ERR_BAD_INPUT, "%s: %s: %s", path, what,
				elf_errmsg(-1));
}

/* Build-id and debuglink come from notes and a section; both are optional
 * and only their bounds matter here. */
static void
elf_read_identity(struct dbg_elf *e)
{
	size_t phnum = 0, i;
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getphdrnum(e->elf, &phnum) != 0)
		phnum = 0;
	for (i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(e->elf, (int)i, &ph) == NULL)
			continue;
		if (ph.p_type == PT_LOAD && e->load_vaddr == UINT64_MAX)
			e->load_vaddr = ph.p_vaddr & ~(uint64_t)0xfff;
	}
	if (e->load_vaddr == UINT64_MAX)
		e->load_vaddr = 0;
	if (elf_getshdrstrndx(e->elf, &shstrndx) != 0)
		return;
	while ((scn = elf_nextscn(e->elf, scn)) != NULL) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *data;

		if (gelf_getshdr(scn, &sh) == NULL)
			continue;
		name = elf_strptr(e->elf, shstrndx, sh.sh_name);
		if (name == NULL)
			continue;
		if (sh.sh_type == SHT_NOTE && e->build_id_len == 0) {
			size_t off = 0, name_off, desc_off;
			GElf_Nhdr nh;

			data = elf_getdata(scn, NULL);
			if (data == NULL)
				continue;
			while ((off = gelf_getnote(data, off, &nh, &name_off,
						   &desc_off)) > 0) {
				if (nh.n_type == NT_GNU_BUILD_ID &&
				    nh.n_namesz == 4 &&
				    memcmp((char *)data->d_buf + name_off,
					   "GNU", 4) == 0 &&
				    nh.n_descsz > 0 &&
				    nh.n_descsz <= sizeof(e->build_id)) {
					memcpy(e->build_id,
					       (char *)data->d_buf + desc_off,
					       nh.n_descsz);
					e->build_id_len = nh.n_descsz;
					break;
				}
			}
		} else if (strcmp(name, ".gnu_debuglink") == 0 &&
			   sh.sh_type != SHT_NOBITS) {
			size_t len;

			data = elf_getdata(scn, NULL);
			if (data == NULL || data->d_size < 8)
				continue;
			len = strnlen(data->d_buf, data->d_size);
			if (len == 0 || len + 1 + 4 > data->d_size)
				continue;
			e->debuglink = lpd_strndup(data->d_buf, len);
			e->debuglink_crc = lpd_load_u32(
				(char *)data->d_buf + ((len + 4) & ~(size_t)3),
				e->big_endian);
		} else if (strcmp(name, ".debug_info") == 0 &&
			   sh.sh_type != SHT_NOBITS && sh.sh_size > 0) {
			e->has_dwarf = true;
		}
	}
}

static struct lpd_error *
elf_begin_common(struct dbg_elf *e)
{
	GElf_Ehdr eh;

	e->elf = elf_memory((char *)e->map, e->size);
	if (e->elf == NULL)
		return elf_error(e->path, "cannot read ELF");
	if (elf_kind(e->elf) != ELF_K_ELF)
		return lpd_error_input(e->path, 0, "not an ELF file");
	if (gelf_getehdr(e->elf, &eh) == NULL)
		return elf_error(e->path, "bad ELF header");
	e->machine = eh.e_machine;
	e->type = eh.e_type;
	e->elfclass = eh.e_ident[EI_CLASS];
	e->big_endian = eh.e_ident[EI_DATA] == ELFDATA2MSB;
	e->load_vaddr = UINT64_MAX;
	elf_read_identity(e);
	return NULL;
}

struct lpd_error *
dbg_elf_open(const char *path, struct dbg_elf **ret)
{
	struct lpd_error *err;
	struct dbg_elf *e;
	struct stat st;

	elf_version(EV_CURRENT);
	e = lpd_calloc(1, sizeof(*e));
	if (e == NULL)
		return &lpd_enomem;
	e->fd = -1;
	e->path = lpd_strdup(path);
	if (e->path == NULL) {
		err = &lpd_enomem;
		goto fail;
	}
	e->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (e->fd < 0 || fstat(e->fd, &st) != 0) {
		err = lpd_error_os(errno, path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err = lpd_error_format(LPD_ERR_BAD_INPUT,
				       "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_size < 64) {
		err = lpd_error_input(path, 0, "file too small for an ELF "
				      "header (%lld bytes)",
				      (long long)st.st_size);
		goto fail;
	}
	e->size = (size_t)st.st_size;
	/* Writable private mapping: libelf updates section headers in place
	 * when it decompresses; only touched pages are copied. */
	e->map = mmap(NULL, e->size, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		      e->fd, 0);
	if (e->map == MAP_FAILED) {
		e->map = NULL;
		err = lpd_error_os(errno, path);
		goto fail;
	}
	err = elf_begin_common(e);
	if (err != NULL)
		goto fail;
	*ret = e;
	return NULL;
fail:
	dbg_elf_destroy(e);
	return err;
}

struct lpd_error *
dbg_elf_open_memory(const char *name, uint8_t *image, size_t size,
		    struct dbg_elf **ret)
{
	struct lpd_error *err;
	struct dbg_elf *e;

	elf_version(EV_CURRENT);
	e = lpd_calloc(1, sizeof(*e));
	if (e == NULL) {
		lpd_free(image);
		return &lpd_enomem;
	}
	e->fd = -1;
	e->map = image;
	e->size = size;
	e->owns_map = true;
	e->path = lpd_strdup(name);
	if (e->path == NULL) {
		err = &lpd_enomem;
		goto fail;
	}
	err = elf_begin_common(e);
	if (err != NULL)
		goto fail;
	*ret = e;
	return NULL;
fail:
	dbg_elf_destroy(e);
	return err;
}

void
dbg_elf_destroy(struct dbg_elf *e)
{
	size_t i;

	if (e == NULL)
		return;
	if (e->elf != NULL)
		elf_end(e->elf);
	for (i = 0; i < e->n_decompressed; i++)
		elf_inflated_free(e->decompressed[i]);
	lpd_free(e->decompressed);
	lpd_free(e->section_cache);
	if (e->owns_map)
		lpd_free(e->map);
	else if (e->map != NULL)
		munmap(e->map, e->size);
	if (e->fd >= 0)
		close(e->fd);
	lpd_free(e->debuglink);
	lpd_free(e->path);
	lpd_free(e);
}

/* A section we decompressed, or its copy mapped from the section cache.
 * Kept on e->decompressed so dbg_elf_destroy releases it. */
struct elf_inflated {
	size_t index;		/* section index */
	size_t size;
	uint8_t *data;
	bool mapped;		/* data is an mmap of a cache file */
};

static void
elf_inflated_free(void *p)
{
	struct elf_inflated *inf = p;

	if (inf == NULL)
		return;
	if (inf->mapped)
		munmap(inf->data, inf->size ? inf->size : 1);
	else
		lpd_free(inf->data);
	lpd_free(inf);
}

struct lpd_error *
dbg_elf_set_section_cache(struct dbg_elf *e, const char *dir)
{
	char id[129];

	lpd_free(e->section_cache);
	e->section_cache = NULL;
	if (dir == NULL || e->build_id_len == 0)
		return NULL;
	dbg_elf_build_id_hex(e, id);
	e->section_cache = lpd_asprintf("%s/sections/%s", dir, id);
	return e->section_cache != NULL ? NULL : &lpd_enomem;
}

static char *
elf_cache_path(const struct dbg_elf *e, size_t index, uint64_t size)
{
	return lpd_asprintf("%s/%zu-%llu", e->section_cache, index,
			    (unsigned long long)size);
}

/* The cached copy of section INDEX when one of exactly SIZE bytes is
 * there; NULL otherwise (a miss is never an error). */
static uint8_t *
elf_cache_map(const struct dbg_elf *e, size_t index, uint64_t size)
{
	char *path = elf_cache_path(e, index, size);
	struct stat st;
	void *p = NULL;
	int fd;

	if (path == NULL)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	lpd_free(path);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && size > 0 &&
	    (uint64_t)st.st_size == size) {
		p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED)
			p = NULL;
	}
	close(fd);
	return p;
}

static void
elf_mkdirs(char *path)
{
	char *s;

	for (s = path + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(path, 0700);
		*s = '/';
	}
	mkdir(path, 0700);
}

/* Best effort: write DATA where later runs find it, through a temporary
 * file renamed into place so a reader never maps a partial copy. */
static void
elf_cache_store(const struct dbg_elf *e, size_t index, const uint8_t *data,
		size_t size)
{
	char *path = elf_cache_path(e, index, size), *tmp = NULL, *dir;
	size_t done = 0;
	int fd = -1;

	if (path == NULL)
		return;
	dir = lpd_strdup(e->section_cache);
	if (dir == NULL)
		goto out;
	elf_mkdirs(dir);
	lpd_free(dir);
	tmp = lpd_asprintf("%s.tmp.XXXXXX", path);
	if (tmp == NULL)
		goto out;
	fd = mkstemp(tmp);
	if (fd < 0)
		goto out;
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (close(fd) == 0 && done == size && rename(tmp, path) == 0) {
		lpd_free(tmp);
		tmp = NULL;
	}
	fd = -1;
out:
	if (tmp != NULL) {
		unlink(tmp);
		lpd_free(tmp);
	}
	lpd_free(path);
}

/* The bytes of SHF_COMPRESSED section SCN decompressed once, *ret
 * borrowed: from the section cache when it has them, else inflated here
 * rather than by elf_compress, since the Adler-32 of the whole section
 * costs a sixth of inflating it and guards nothing the readers' bounds
 * checks do not. Other formats are left to libelf (false: use
 * elf_compress). */
static bool
elf_inflate(struct dbg_elf *e, Elf_Scn *scn, const struct elf_inflated **ret,
	    bool *failed)
{
	struct elf_inflated *inf;
	Elf_Data *raw;
	GElf_Chdr ch;
	z_stream zs;
	size_t index = elf_ndxscn(scn), hdr, i;
	void **items;
	int zres;

	*failed = false;
	for (i = 0; i < e->n_decompressed; i++) {
		inf = e->decompressed[i];
		if (inf->index == index) {
			*ret = inf;
			return true;
		}
	}
	if (gelf_getchdr(scn, &ch) == NULL || ch.ch_type != ELFCOMPRESS_ZLIB)
		return false;
	raw = elf_rawdata(scn, NULL);
	hdr = e->elfclass == ELFCLASS32 ? sizeof(Elf32_Chdr)
					: sizeof(Elf64_Chdr);
	*failed = true;
	if (raw == NULL || raw->d_buf == NULL || raw->d_size < hdr ||
	    raw->d_size - hdr > UINT_MAX || ch.ch_size > UINT_MAX)
		return true;
	items = lpd_reallocarray(e->decompressed, e->n_decompressed + 1,
				 sizeof(*items));
	if (items == NULL)
		return true;
	e->decompressed = items;
	inf = lpd_calloc(1, sizeof(*inf));
	if (inf == NULL)
		return true;
	inf->index = index;
	inf->size = ch.ch_size;
	if (e->section_cache != NULL) {
		inf->data = elf_cache_map(e, index, ch.ch_size);
		inf->mapped = inf->data != NULL;
	}
	if (inf->data == NULL) {
		inf->data = lpd_malloc(ch.ch_size ? ch.ch_size : 1);
		if (inf->data == NULL) {
			lpd_free(inf);
			return true;
		}
		memset(&zs, 0, sizeof(zs));
		zs.next_in = (Bytef *)raw->d_buf + hdr;
		zs.avail_in = (uInt)(raw->d_size - hdr);
		zs.next_out = inf->data;
		zs.avail_out = (uInt)ch.ch_size;
		if (inflateInit(&zs) != Z_OK) {
			elf_inflated_free(inf);
			return true;
		}
		inflateValidate(&zs, 0);
		zres = inflate(&zs, Z_FINISH);
		inflateEnd(&zs);
		/* Exactly ch_size bytes, no more and no less. */
		if (zres != Z_STREAM_END || zs.total_out != ch.ch_size) {
			elf_inflated_free(inf);
			return true;
		}
		if (e->section_cache != NULL && ch.ch_size > 0)
			elf_cache_store(e, index, inf->data, ch.ch_size);
	}
	e->decompressed[e->n_decompressed++] = inf;
	*failed = false;
	*ret = inf;
	return true;
}

bool
dbg_elf_section(struct dbg_elf *e, const char *name, struct dbg_section *ret)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(e->elf, &shstrndx) != 0)
		return false;
	while ((scn = elf_nextscn(e->elf, scn)) != NULL) {
		const struct elf_inflated *inf;
		GElf_Shdr sh;
		const char *sname;
		Elf_Data *data;
		bool failed;

		if (gelf_getshdr(scn, &sh) == NULL)
			continue;
		sname = elf_strptr(e->elf, shstrndx, sh.sh_name);
		if (sname == NULL || strcmp(sname, name) != 0)
			continue;
		if (sh.sh_type == SHT_NOBITS)
			return false;
		if ((sh.sh_flags & SHF_COMPRESSED) &&
		    elf_inflate(e, scn, &inf, &failed)) {
			if (failed)
				return false;
			ret->data = inf->data;
			ret->size = inf->size;
			ret->addr = sh.sh_addr;
			ret->offset = sh.sh_offset;
			return true;
		}
		if (sh.sh_flags & SHF_COMPRESSED) {
			/* libelf decompresses into its own buffer, owned by
			 * the Elf handle; done once per section. */
			if (elf_compress(scn, 0, 0) < 0)
				return false;
			if (gelf_getshdr(scn, &sh) == NULL)
				return false;
			data = elf_getdata(scn, NULL);
		} else if (sh.sh_offset > e->size ||
			   sh.sh_size > e->size - sh.sh_offset) {
			/* Decompressed by an earlier call: libelf holds the
			 * bytes, and the header now gives their size. */
			data = elf_getdata(scn, NULL);
			if (data == NULL || data->d_size != sh.sh_size)
				return false;
		} else {
			data = elf_rawdata(scn, NULL);
		}
		if (data == NULL)
			return false;
		ret->data = data->d_buf;
		ret->size = data->d_size;
		ret->addr = sh.sh_addr;
		ret->offset = sh.sh_offset;
		return true;
	}
	return false;
}

void
dbg_elf_build_id_hex(const struct dbg_elf *e, char *buf)
{
	size_t i;

	for (i = 0; i < e->build_id_len; i++)
		snprintf(buf + 2 * i, 3, "%02x", e->build_id[i]);
	buf[2 * e->build_id_len] = '\0';
}
