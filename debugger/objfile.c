/* debugger/objfile.c - one module's files and lazily built indexes, shared
 * by build-id through the cache so that many dumps of one image pay once. */
#include <string.h>

#include "debugger/debugger-int.h"
#include "debugger/target-int.h"

struct dbg_cache {
	struct dbg_objfile **items;
	size_t n, cap;
};

struct lpd_error *
dbg_cache_create(struct dbg_cache **ret)
{
	struct dbg_cache *c = lpd_calloc(1, sizeof(*c));

	if (c == NULL)
		return &lpd_enomem;
	*ret = c;
	return NULL;
}

static void
objfile_free(struct dbg_objfile *o)
{
	dbg_cfi_destroy(o->eh_cfi);
	dbg_cfi_destroy(o->debug_cfi);
	dbg_dwarf_destroy(o->dwarf);
	dbg_symtab_destroy(o->symtab);
	if (o->debug != o->elf)
		dbg_elf_destroy(o->debug);
	dbg_elf_destroy(o->elf);
	lpd_free(o->key);
	lpd_free(o);
}

void
dbg_cache_destroy(struct dbg_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		objfile_free(c->items[i]);
	lpd_free(c->items);
	lpd_free(c);
}

struct dbg_objfile *
dbg_cache_find(struct dbg_cache *c, const char *key)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->items[i]->key, key) == 0)
			return c->items[i];
	return NULL;
}

struct lpd_error *
dbg_cache_add(struct dbg_cache *c, const char *key, struct dbg_elf *elf,
	      struct dbg_elf *debug, struct dbg_objfile **ret)
{
	struct lpd_error *err;
	struct dbg_objfile *o;

	err = lpd_vec_reserve((void **)&c->items, &c->cap, c->n + 1,
			      sizeof(*c->items));
	if (err != NULL)
		return err;
	o = lpd_calloc(1, sizeof(*o));
	if (o == NULL)
		return &lpd_enomem;
	o->key = lpd_strdup(key);
	if (o->key == NULL) {
		lpd_free(o);
		return &lpd_enomem;
	}
	o->elf = elf;
	o->debug = debug;
	c->items[c->n++] = o;
	*ret = o;
	return NULL;
}

struct dbg_symtab *
dbg_objfile_symtab(struct dbg_objfile *o)
{
	struct lpd_error *err;

	if (!o->symtab_tried) {
		o->symtab_tried = true;
		err = dbg_symtab_create(o->elf, o->debug, &o->symtab);
		lpd_error_destroy(err);
	}
	return o->symtab;
}

struct dbg_dwarf *
dbg_objfile_dwarf(struct dbg_objfile *o)
{
	struct lpd_error *err;

	if (!o->dwarf_tried) {
		o->dwarf_tried = true;
		if (o->debug != NULL && o->debug->has_dwarf) {
			err = dbg_dwarf_open(o->debug, &o->dwarf);
			lpd_error_destroy(err);
		}
	}
	return o->dwarf;
}

struct dbg_cfi *
dbg_objfile_cfi(struct dbg_objfile *o, const struct dump_arch *arch, bool eh)
{
	struct lpd_error *err;

	if (eh) {
		if (!o->eh_cfi_tried && o->elf != NULL) {
			o->eh_cfi_tried = true;
			err = dbg_cfi_create(o->elf, arch, true, &o->eh_cfi);
			lpd_error_destroy(err);
		}
		return o->eh_cfi;
	}
	if (!o->debug_cfi_tried) {
		o->debug_cfi_tried = true;
		/* .debug_frame may be in the code file or the debug file. */
		err = NULL;
		if (o->elf != NULL)
			err = dbg_cfi_create(o->elf, arch, false,
					     &o->debug_cfi);
		if ((o->elf == NULL || err != NULL) && o->debug != NULL &&
		    o->debug != o->elf) {
			lpd_error_destroy(err);
			err = dbg_cfi_create(o->debug, arch, false,
					     &o->debug_cfi);
		}
		lpd_error_destroy(err);
	}
	return o->debug_cfi;
}
