/* dumps/memory.c - read the target's memory by virtual address: PT_LOAD
 * contents of the core, and for pages the kernel left out, the files that
 * NT_FILE says were mapped there (after sysroot / map-file redirection). */
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dumps/dumps-int.h"

static const char DELETED_SUFFIX[] = " (deleted)";

/* The segment containing ADDR, or NULL. Segments are sorted by vaddr. */
static const struct dump_segment *
find_segment(const struct dump *d, uint64_t addr)
{
	size_t lo = 0, hi = d->nloads;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->loads[mid].vaddr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	if (addr - d->loads[lo - 1].vaddr < d->loads[lo - 1].memsz)
		return &d->loads[lo - 1];
	return NULL;
}

static const struct dump_mapping *
find_mapping(const struct dump *d, uint64_t addr)
{
	size_t lo = 0, hi = d->nmappings;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->mappings[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || addr >= d->mappings[lo - 1].end)
		return NULL;
	return &d->mappings[lo - 1];
}

static const char *
redirect_of(const struct dump *d, const char *core_path)
{
	size_t i;

	for (i = 0; i < d->nredirects; i++)
		if (strcmp(d->redirects[i].core_path, core_path) == 0)
			return d->redirects[i].local_path;
	return NULL;
}

static void
file_close(struct dump_file *f)
{
	if (f->map != NULL)
		munmap((void *)f->map, f->size);
	f->map = NULL;
	f->size = 0;
	f->tried = false;
}

/* Map the local copy of CORE_PATH into F; failures leave F->map NULL. */
static void
file_open(struct dump *d, struct dump_file *f)
{
	const char *local = redirect_of(d, f->core_path);
	char *owned = NULL;
	struct stat st;
	size_t plen;
	void *p;
	int fd;

	f->tried = true;
	if (local == NULL) {
		/* The file was replaced or removed since the crash: its name
		 * no longer gives the bytes that were mapped. */
		plen = strlen(f->core_path);
		if (plen >= sizeof(DELETED_SUFFIX) - 1 &&
		    strcmp(f->core_path + plen - (sizeof(DELETED_SUFFIX) - 1),
			   DELETED_SUFFIX) == 0)
			return;
		if (f->core_path[0] != '/')
			return;		/* "[vdso]", anon names */
		if (d->sysroot != NULL) {
			owned = lpd_asprintf("%s%s", d->sysroot, f->core_path);
			if (owned == NULL)
				return;
			local = owned;
		} else {
			local = f->core_path;
		}
	}
	fd = open(local, O_RDONLY | O_CLOEXEC);
	lpd_free(owned);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > SIZE_MAX) {
		close(fd);
		return;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return;
	f->map = p;
	f->size = (size_t)st.st_size;
}

static struct dump_file *
file_get(struct dump *d, const char *core_path)
{
	struct dump_file *f;
	size_t i;

	for (i = 0; i < d->nfiles; i++)
		if (strcmp(d->files[i].core_path, core_path) == 0)
			break;
	if (i == d->nfiles) {
		char *copy;

		if (lpd_vec_reserve((void **)&d->files, &d->files_cap,
				    d->nfiles + 1, sizeof(*d->files)) != NULL)
			return NULL;
		copy = lpd_strdup(core_path);
		if (copy == NULL)
			return NULL;
		f = &d->files[d->nfiles++];
		memset(f, 0, sizeof(*f));
		f->core_path = copy;
	}
	f = &d->files[i];
	if (!f->tried)
		file_open(d, f);
	return f;
}

/* Copy up to LEN bytes at ADDR (not in the core's file data) from the
 * mapped file; returns how many were available. */
static size_t
read_from_file(struct dump *d, uint64_t addr, uint8_t *buf, size_t len)
{
	const struct dump_mapping *m = find_mapping(d, addr);
	const struct dump_file *f;
	uint64_t off, n;

	if (m == NULL)
		return 0;
	if (m->file_offset > UINT64_MAX - (addr - m->start))
		return 0;
	off = m->file_offset + (addr - m->start);
	n = m->end - addr;
	if (n > len)
		n = len;
	f = file_get(d, m->path);
	if (f == NULL || f->map == NULL || off >= f->size)
		return 0;
	if (n > f->size - off)
		n = f->size - off;
	memcpy(buf, f->map + off, (size_t)n);
	return (size_t)n;
}

struct lpd_error *
dump_read(struct dump *d, uint64_t addr, void *buf, size_t len)
{
	uint8_t *out = buf;

	while (len > 0) {
		const struct dump_segment *s = find_segment(d, addr);
		uint64_t rel, n;

		if (s == NULL)
			return lpd_error_fault(addr);
		rel = addr - s->vaddr;
		if (rel < s->filesz) {
			n = s->filesz - rel;
			if (n > len)
				n = len;
			memcpy(out, d->map + s->offset + rel, (size_t)n);
		} else {
			n = s->memsz - rel;
			if (n > len)
				n = len;
			n = read_from_file(d, addr, out, (size_t)n);
			if (n == 0)
				return lpd_error_fault(addr);
		}
		out += n;
		len -= (size_t)n;
		if (len > 0 && addr > UINT64_MAX - n)
			return lpd_error_fault(0);
		addr += n;
	}
	return NULL;
}

struct lpd_error *
dump_read_cb(void *arg, uint64_t addr, void *buf, size_t len)
{
	return dump_read(arg, addr, buf, len);
}

struct lpd_error *
dump_read_word(struct dump *d, uint64_t addr, uint64_t *ret)
{
	uint8_t b[8];
	struct lpd_error *err;

	err = dump_read(d, addr, b, d->addr_size);
	if (err != NULL)
		return err;
	*ret = d->addr_size == 8 ? lpd_load_u64(b, d->big_endian)
				 : lpd_load_u32(b, d->big_endian);
	return NULL;
}

static void
files_close_all(struct dump *d)
{
	size_t i;

	for (i = 0; i < d->nfiles; i++)
		file_close(&d->files[i]);
}

struct lpd_error *
dump_set_sysroot(struct dump *d, const char *dir)
{
	char *copy = NULL;

	if (dir != NULL) {
		size_t len = strlen(dir);

		while (len > 1 && dir[len - 1] == '/')
			len--;
		copy = lpd_strndup(dir, len);
		if (copy == NULL)
			return &lpd_enomem;
	}
	lpd_free(d->sysroot);
	d->sysroot = copy;
	files_close_all(d);
	return NULL;
}

struct lpd_error *
dump_map_file(struct dump *d, const char *core_path, const char *local_path)
{
	struct dump_redirect *r = NULL;
	char *local;
	size_t i;

	if (core_path == NULL || local_path == NULL)
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"dump_map_file: NULL path");
	local = lpd_strdup(local_path);
	if (local == NULL)
		return &lpd_enomem;
	for (i = 0; i < d->nredirects; i++)
		if (strcmp(d->redirects[i].core_path, core_path) == 0)
			r = &d->redirects[i];
	if (r == NULL) {
		char *key;

		if (lpd_vec_reserve((void **)&d->redirects,
				    &d->redirects_cap, d->nredirects + 1,
				    sizeof(*d->redirects)) != NULL ||
		    (key = lpd_strdup(core_path)) == NULL) {
			lpd_free(local);
			return &lpd_enomem;
		}
		r = &d->redirects[d->nredirects++];
		r->core_path = key;
		r->local_path = NULL;
	}
	lpd_free(r->local_path);
	r->local_path = local;
	for (i = 0; i < d->nfiles; i++)
		if (strcmp(d->files[i].core_path, core_path) == 0)
			file_close(&d->files[i]);
	return NULL;
}

void
dump_memory_deinit(struct dump *d)
{
	size_t i;

	files_close_all(d);
	for (i = 0; i < d->nfiles; i++)
		lpd_free(d->files[i].core_path);
	lpd_free(d->files);
	for (i = 0; i < d->nredirects; i++) {
		lpd_free(d->redirects[i].core_path);
		lpd_free(d->redirects[i].local_path);
	}
	lpd_free(d->redirects);
	lpd_free(d->sysroot);
}
