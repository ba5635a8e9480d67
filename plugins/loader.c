/* plugins/loader.c - external plugins: dlopen a .so, find its one
 * exported symbol, and hand its struct to the same checks as the
 * built-ins before any other member is read. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/plugins-int.h"

void
plugins_destroy(struct plugins *s)
{
	if (s == NULL)
		return;
	/* Backwards: a later plugin may be built on an earlier one. */
	for (size_t i = s->n; i-- > 0;) {
		struct plugin_slot *slot = &s->v[i];

		if (slot->p.fini != NULL)
			slot->p.fini(slot->state);
		if (slot->dl != NULL)
			dlclose(slot->dl);
		lpd_free(slot->origin);
	}
	lpd_free(s->v);
	lpd_free(s);
}

struct lpd_error *
plugins_load(struct plugins *s, const char *path)
{
	const struct lpd_plugin *(*entry)(void);
	struct lpd_error *err;
	void *dl, *sym;

	/* dlopen searches the library path for a bare name: a plugin is
	 * always a file the user named, so make it a path. */
	if (strchr(path, '/') == NULL) {
		char *p = lpd_asprintf("./%s", path);

		if (p == NULL)
			return &lpd_enomem;
		err = plugins_load(s, p);
		lpd_free(p);
		return err;
	}
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL) {
		const char *why = dlerror();

		return lpd_error_format(LPD_ERR_NOT_FOUND,
					"%s: cannot load plugin: %s", path,
					why != NULL ? why : "dlopen failed");
	}
	dlerror();
	sym = dlsym(dl, "lpd_plugin_entry");
	if (sym == NULL) {
		dlclose(dl);
		return lpd_error_format(LPD_ERR_BAD_INPUT,
					"%s: not an lpardbg plugin: no symbol "
					"lpd_plugin_entry", path);
	}
	/* POSIX dlsym: the object pointer is the function's address. */
	memcpy(&entry, &sym, sizeof(entry));
	if ((err = plugins_add(s, entry(), path, dl)) != NULL) {
		dlclose(dl);
		return err;
	}
	return NULL;
}

static int
loader_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct lpd_error *
plugins_load_dir(struct plugins *s, const char *dir)
{
	struct lpd_error *err = NULL;
	char **names = NULL, **nn;
	size_t n = 0, i;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return errno == ENOENT || errno == ENOTDIR
		       ? NULL : lpd_error_os(errno, dir);
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len < 4 || strcmp(de->d_name + len - 3, ".so") != 0)
			continue;
		nn = lpd_reallocarray(names, n + 1, sizeof(*names));
		if (nn == NULL ||
		    (nn[n] = lpd_asprintf("%s/%s", dir, de->d_name)) == NULL) {
			names = nn != NULL ? nn : names;
			err = &lpd_enomem;
			break;
		}
		names = nn;
		n++;
	}
	closedir(d);
	/* Sorted, so the same directory loads in the same order. */
	if (err == NULL && n > 0)
		qsort(names, n, sizeof(*names), loader_cmp);
	for (i = 0; i < n; i++) {
		if (err == NULL)
			err = plugins_load(s, names[i]);
		lpd_free(names[i]);
	}
	lpd_free(names);
	return err;
}

char *
plugins_default_dir(void)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

	if (xdg != NULL && xdg[0] == '/')
		return lpd_asprintf("%s/lpardbg/plugins", xdg);
	if (home != NULL && home[0] != '\0')
		return lpd_asprintf("%s/.local/share/lpardbg/plugins", home);
	return NULL;
}
