/* debugger/target.c - a debugger instance: opens the core, finds each
 * module's code and debug files (core path, --sysroot, build-id dirs,
 * .gnu_debuglink) and checks build-ids. Unwinding is in stack.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <elf.h>

#include "debugger/target-int.h"

static const char DBG_SYSTEM_DEBUG_DIR[] = "/usr/lib/debug";

struct lpd_error *
dbg_target_warn(struct dbg_target *t, const char *fmt, ...)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = lpd_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (err == NULL)
		err = lpd_vec_reserve((void **)&t->warnings, &t->cap_warnings,
				      t->n_warnings + 1, sizeof(char *));
	if (err != NULL) {
		lpd_buf_deinit(&b);
		return err;
	}
	t->warnings[t->n_warnings++] = lpd_buf_steal(&b);
	return NULL;
}

static bool
file_exists(const char *path)
{
	return access(path, R_OK) == 0;
}

static const char *
target_machine_name(unsigned machine)
{
	switch (machine) {
	case EM_386:
		return "EM_386";
	case EM_X86_64:
		return "EM_X86_64";
	case EM_AARCH64:
		return "EM_AARCH64";
	case EM_ARM:
		return "EM_ARM";
	case EM_PPC:
		return "EM_PPC";
	case EM_PPC64:
		return "EM_PPC64";
	case EM_S390:
		return "EM_S390";
	case EM_SPARC:
		return "EM_SPARC";
	case EM_SPARCV9:
		return "EM_SPARCV9";
	case EM_RISCV:
		return "EM_RISCV";
	case EM_MIPS:
		return "EM_MIPS";
	default:
		return NULL;
	}
}

/* A file of another machine, class or byte order than the core would give
 * garbage frames: say which, and refuse it. */
static bool
target_check_machine(struct dbg_target *t, const char *path,
		     const struct dbg_elf *e)
{
	const struct dump_arch *a = dump_get_arch(t->dump);
	unsigned want_class = a->addr_size == 8 ? ELFCLASS64 : ELFCLASS32;
	const char *name = target_machine_name(e->machine);
	char num[32];

	if (e->machine == a->e_machine && e->elfclass == want_class &&
	    e->big_endian == a->big_endian)
		return true;
	if (name == NULL) {
		snprintf(num, sizeof(num), "e_machine %u", e->machine);
		name = num;
	}
	lpd_error_destroy(dbg_target_warn(t,
		"%s: %s (%s-bit, %s-endian) does not match the core's %s; "
		"file ignored", path, name,
		e->elfclass == ELFCLASS64 ? "64" : "32",
		e->big_endian ? "big" : "little", a->name));
	return false;
}

/* Open PATH as a candidate for a module whose core build-id is WANT ("" if
 * unknown). Returns NULL with *mismatch set when the ids differ, or the
 * file is of another architecture than the core. */
static struct dbg_elf *
target_try_file(struct dbg_target *t, const char *path, const char *want,
		bool *mismatch)
{
	struct lpd_error *err;
	struct dbg_elf *e;
	char have[129];

	if (path == NULL || !file_exists(path))
		return NULL;
	err = dbg_elf_open(path, &e);
	if (err != NULL) {
		lpd_error_destroy(dbg_target_warn(t, "%s", err->message));
		lpd_error_destroy(err);
		return NULL;
	}
	if (!target_check_machine(t, path, e)) {
		*mismatch = true;
		dbg_elf_destroy(e);
		return NULL;
	}
	dbg_elf_build_id_hex(e, have);
	if (t->section_cache != NULL &&
	    dbg_elf_set_section_cache(e, t->section_cache) != NULL) {
		dbg_elf_destroy(e);
		return NULL;
	}
	if (want[0] != '\0' && have[0] != '\0' && strcmp(want, have) != 0) {
		lpd_error_destroy(dbg_target_warn(t,
			"%s: build-id %s does not match the core's %s",
			path, have, want));
		*mismatch = true;
		dbg_elf_destroy(e);
		return NULL;
	}
	return e;
}

/* Separate debug file: build-id directories first, then .gnu_debuglink
 * next to the file, in .debug/, and under /usr/lib/debug (gdb's order). */
static struct dbg_elf *
target_find_debug(struct dbg_target *t, const struct dbg_options *opts,
		  struct dbg_elf *code, const char *want)
{
	const char *id = want[0] != '\0' ? want : NULL;
	char have[129], *path, *dir, *slash;
	struct dbg_elf *e = NULL;
	bool mismatch = false;
	size_t i;

	if (id == NULL && code != NULL && code->build_id_len > 0) {
		dbg_elf_build_id_hex(code, have);
		id = have;
	}
	if (id != NULL && strlen(id) > 2) {
		for (i = 0; i <= opts->n_debug_dirs && e == NULL; i++) {
			const char *base = i < opts->n_debug_dirs
				? opts->debug_dirs[i] : DBG_SYSTEM_DEBUG_DIR;

			path = lpd_asprintf("%s/.build-id/%.2s/%s.debug", base,
					    id, id + 2);
			e = target_try_file(t, path, id, &mismatch);
			lpd_free(path);
		}
	}
	if (e != NULL || code == NULL || code->debuglink == NULL)
		goto out;
	dir = lpd_strdup(code->path);
	if (dir == NULL)
		goto out;
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	else
		strcpy(dir, ".");
	for (i = 0; i < 3 + opts->n_debug_dirs && e == NULL; i++) {
		if (i == 0)
			path = lpd_asprintf("%s/%s", dir, code->debuglink);
		else if (i == 1)
			path = lpd_asprintf("%s/.debug/%s", dir,
					    code->debuglink);
		else if (i == 2)
			path = lpd_asprintf("%s%s/%s", DBG_SYSTEM_DEBUG_DIR,
					    dir, code->debuglink);
		else
			path = lpd_asprintf("%s%s/%s", opts->debug_dirs[i - 3],
					    dir, code->debuglink);
		if (path != NULL && strcmp(path, code->path) != 0)
			e = target_try_file(t, path, id != NULL ? id : "",
					    &mismatch);
		lpd_free(path);
	}
	lpd_free(dir);
out:
	if (e != NULL && !e->has_dwarf) {
		dbg_elf_destroy(e);
		e = NULL;
	}
	return e;
}

/* The vdso is not on disk: its whole image is in the core. */
static struct dbg_elf *
target_vdso_elf(struct dbg_target *t, const struct dump_module *dm)
{
	struct lpd_error *err;
	struct dbg_elf *e;
	uint64_t size = dm->end - dm->start;
	uint8_t *image;

	if (size == 0 || size > (64u << 20))
		return NULL;
	image = lpd_malloc(size);
	if (image == NULL)
		return NULL;
	err = dump_read(t->dump, dm->start, image, size);
	if (err == NULL)
		err = dbg_elf_open_memory("[vdso]", image, size, &e);
	else
		lpd_free(image);
	if (err != NULL) {
		lpd_error_destroy(dbg_target_warn(t, "[vdso]: %s",
						  err->message));
		lpd_error_destroy(err);
		return NULL;
	}
	return e;
}

static struct lpd_error *
target_resolve_module(struct dbg_target *t, const struct dbg_options *opts,
		      struct dbg_tmodule *m)
{
	const struct dump_module *dm = m->dm;
	struct dbg_elf *code = NULL, *debug;
	struct lpd_error *err;
	char key[160], *path;
	size_t i;

	for (i = 0; i < dm->build_id_len && i < 64; i++)
		snprintf(m->build_id + 2 * i, 3, "%02x", dm->build_id[i]);
	if (m->build_id[0] != '\0') {
		snprintf(key, sizeof(key), "%s", m->build_id);
		m->obj = dbg_cache_find(t->cache, key);
		if (m->obj != NULL) {
			m->found_by = "cache";
			goto found;
		}
	}
	if (dm->is_vdso) {
		code = target_vdso_elf(t, dm);
		m->found_by = "core memory";
	}
	if (code == NULL && dm->is_main && opts->exe != NULL) {
		code = target_try_file(t, opts->exe, m->build_id,
				       &m->mismatch);
		m->found_by = "exe argument";
	}
	if (code == NULL && opts->sysroot != NULL && dm->path[0] == '/') {
		path = lpd_asprintf("%s%s", opts->sysroot, dm->path);
		code = target_try_file(t, path, m->build_id, &m->mismatch);
		lpd_free(path);
		m->found_by = "sysroot";
	}
	if (code == NULL && !dm->is_vdso && dm->path[0] == '/' &&
	    opts->sysroot == NULL) {
		code = target_try_file(t, dm->path, m->build_id,
				       &m->mismatch);
		m->found_by = "core path";
	}
	debug = target_find_debug(t, opts, code, m->build_id);
	if (code == NULL && debug == NULL) {
		m->found_by = NULL;
		return dbg_target_warn(t, "%s: no file found%s%s%s",
				       dm->path,
				       m->build_id[0] ? " (build-id " : "",
				       m->build_id,
				       m->build_id[0] ? ")" : "");
	}
	if (code == NULL) {
		m->found_by = "build-id debug file";
		lpd_error_destroy(dbg_target_warn(t,
			"%s: only its debug file was found; unwinding "
			"without .eh_frame", dm->path));
	}
	if (debug == NULL && code != NULL && code->has_dwarf)
		debug = code;
	if (m->build_id[0] != '\0')
		snprintf(key, sizeof(key), "%s", m->build_id);
	else
		snprintf(key, sizeof(key), "path:%.150s",
			 code != NULL ? code->path : debug->path);
	err = dbg_cache_add(t->cache, key, code != NULL ? code : debug,
			    debug, &m->obj);
	if (err != NULL) {
		if (debug != code)
			dbg_elf_destroy(debug);
		dbg_elf_destroy(code);
		return err;
	}
found:
	/* Bytes of the module that the core left out come from this file. */
	if (!dm->is_vdso && m->obj->elf != NULL &&
	    m->obj->elf->fd >= 0 && strcmp(m->obj->elf->path, dm->path) != 0)
		return dump_map_file(t->dump, dm->path, m->obj->elf->path);
	return NULL;
}

/* An executable given for a core of another architecture is a usage
 * mistake: refuse it before any of its bytes stand in for the core's. */
static struct lpd_error *
target_check_exe(struct dbg_target *t, const char *exe)
{
	const struct dump_arch *a = dump_get_arch(t->dump);
	unsigned want_class = a->addr_size == 8 ? ELFCLASS64 : ELFCLASS32;
	struct lpd_error *err;
	const char *name;
	struct dbg_elf *e;
	char num[32];

	err = dbg_elf_open(exe, &e);
	if (err != NULL) {
		/* Unreadable: target_try_file() warns and goes on. */
		lpd_error_destroy(err);
		return NULL;
	}
	if (e->machine == a->e_machine && e->elfclass == want_class &&
	    e->big_endian == a->big_endian) {
		dbg_elf_destroy(e);
		return NULL;
	}
	name = target_machine_name(e->machine);
	if (name == NULL) {
		snprintf(num, sizeof(num), "e_machine %u", e->machine);
		name = num;
	}
	err = lpd_error_format(LPD_ERR_BAD_INPUT, "%s: %s (%s-bit, %s-endian) "
			       "does not match the core's %s", exe, name,
			       e->elfclass == ELFCLASS64 ? "64" : "32",
			       e->big_endian ? "big" : "little", a->name);
	dbg_elf_destroy(e);
	return err;
}

/* With an executable given, redirect the mapping that holds the entry point
 * before modules are read, so a core whose exe moved is still readable. */
static struct lpd_error *
target_map_exe(struct dbg_target *t, const char *exe)
{
	uint64_t entry;
	size_t i, n = dump_mapping_count(t->dump);

	if (!dump_auxv(t->dump, AT_ENTRY, &entry))
		return NULL;
	for (i = 0; i < n; i++) {
		const struct dump_mapping *mp = dump_mapping(t->dump, i);

		if (entry >= mp->start && entry < mp->end)
			return dump_map_file(t->dump, mp->path, exe);
	}
	return NULL;
}

/* Where decompressed debug sections are kept between runs, as libdwfl
 * finds its debuginfod cache: LPARDBG_CACHE_DIR ("off" disables), else
 * $XDG_CACHE_HOME/lpardbg, else ~/.cache/lpardbg. NULL: no cache. */
static char *
target_section_cache_dir(void)
{
	const char *dir = getenv("LPARDBG_CACHE_DIR");

	if (dir != NULL)
		return dir[0] != '\0' && strcmp(dir, "off") != 0
			? lpd_strdup(dir) : NULL;
	dir = getenv("XDG_CACHE_HOME");
	if (dir != NULL && dir[0] == '/')
		return lpd_asprintf("%s/lpardbg", dir);
	dir = getenv("HOME");
	if (dir != NULL && dir[0] == '/')
		return lpd_asprintf("%s/.cache/lpardbg", dir);
	return NULL;
}

struct lpd_error *
dbg_target_load(const char *core_path, const struct dbg_options *opts,
		struct dbg_target **ret)
{
	static const struct dbg_options no_opts;
	struct dbg_target *t;
	struct lpd_error *err;
	size_t i;

	if (opts == NULL)
		opts = &no_opts;
	t = lpd_calloc(1, sizeof(*t));
	if (t == NULL)
		return &lpd_enomem;
	t->section_cache = target_section_cache_dir();
	err = dump_open(core_path, &t->dump);
	if (err != NULL)
		goto fail;
	if (opts->cache != NULL) {
		t->cache = opts->cache;
	} else {
		err = dbg_cache_create(&t->cache);
		if (err != NULL)
			goto fail;
		t->owns_cache = true;
	}
	if (opts->sysroot != NULL) {
		err = dump_set_sysroot(t->dump, opts->sysroot);
		if (err != NULL)
			goto fail;
	}
	if (opts->exe != NULL) {
		err = target_check_exe(t, opts->exe);
		if (err == NULL)
			err = target_map_exe(t, opts->exe);
		if (err != NULL)
			goto fail;
	}
	t->n_mods = dump_module_count(t->dump);
	t->mods = lpd_calloc(t->n_mods, sizeof(*t->mods));
	if (t->mods == NULL) {
		err = &lpd_enomem;
		goto fail;
	}
	for (i = 0; i < t->n_mods; i++) {
		t->mods[i].dm = dump_module(t->dump, i);
		err = target_resolve_module(t, opts, &t->mods[i]);
		if (err != NULL)
			goto fail;
	}
	*ret = t;
	return NULL;
fail:
	dbg_target_destroy(t);
	return err;
}

void
dbg_target_destroy(struct dbg_target *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n_warnings; i++)
		lpd_free(t->warnings[i]);
	lpd_free(t->warnings);
	lpd_free(t->mods);
	lpd_free(t->section_cache);
	dbg_types_destroy(t->scratch);
	if (t->owns_cache)
		dbg_cache_destroy(t->cache);
	dump_destroy(t->dump);
	lpd_free(t);
}

struct dump *
dbg_target_dump(struct dbg_target *t)
{
	return t->dump;
}

size_t
dbg_target_warning_count(const struct dbg_target *t)
{
	return dump_warning_count(t->dump) + t->n_warnings;
}

const char *
dbg_target_warning(const struct dbg_target *t, size_t i)
{
	size_t nd = dump_warning_count(t->dump);

	if (i < nd)
		return dump_warning(t->dump, i);
	i -= nd;
	return i < t->n_warnings ? t->warnings[i] : NULL;
}

size_t
dbg_target_module_count(struct dbg_target *t)
{
	return t->n_mods;
}

void
dbg_target_module_info(struct dbg_target *t, size_t i,
		       struct dbg_module_info *ret)
{
	const struct dbg_tmodule *m = &t->mods[i];

	memset(ret, 0, sizeof(*ret));
	ret->name = m->dm->path;
	ret->start = m->dm->start;
	ret->end = m->dm->end;
	ret->bias = m->dm->bias;
	ret->build_id = m->build_id[0] != '\0' ? m->build_id : NULL;
	ret->found_by = m->found_by;
	ret->mismatch = m->mismatch;
	if (m->obj != NULL) {
		ret->file = m->obj->elf != m->obj->debug || m->obj->elf == NULL
			? (m->obj->elf != NULL ? m->obj->elf->path : NULL)
			: m->obj->elf->path;
		if (m->dm->is_vdso)
			ret->file = NULL;
		ret->debug_file = m->obj->debug != NULL
			? m->obj->debug->path : NULL;
	}
}

struct dbg_tmodule *
dbg_target_module_at(struct dbg_target *t, uint64_t addr)
{
	size_t lo = 0, hi = t->n_mods;

	/* Modules are sorted by start (dump_module_count's contract). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < t->mods[mid].dm->start)
			hi = mid;
		else if (addr >= t->mods[mid].dm->end)
			lo = mid + 1;
		else
			return &t->mods[mid];
	}
	return NULL;
}
