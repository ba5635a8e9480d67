/* repo/checkout.c - reading a dump back for a debugger: its core and the
 * image objects it maps, decompressed and checked into cache/blobs, linked
 * under cache/roots/HASH (a sysroot: the paths the process saw) and
 * cache/debug/.build-id (separate debug files). Only paths that stay
 * inside the cache are made: metadata never names a file outside it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dumps/dumps.h"
#include "repo/repo-int.h"

void
repo_checkout_deinit(struct repo_checkout *c)
{
	lpd_free(c->core);
	lpd_free(c->sysroot);
	lpd_free(c->debug_dir);
	memset(c, 0, sizeof(*c));
}

/* LINK -> TARGET, replacing what is there (atomically, via a tmp name). */
static struct lpd_error *
checkout_link(struct repo *r, const char *target, const char *link)
{
	struct lpd_error *err;
	char *dir, *slash, *tmp, cur[4096];
	ssize_t n;

	n = readlink(link, cur, sizeof(cur) - 1);
	if (n > 0) {
		cur[n] = '\0';
		if (strcmp(cur, target) == 0)
			return NULL;
	}
	dir = lpd_strdup(link);
	if (dir == NULL)
		return &lpd_enomem;
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	err = store_mkdirs(dir);
	lpd_free(dir);
	if (err != NULL)
		return err;
	tmp = lpd_asprintf("%s.%ld.%lu.tmp", link, (long)getpid(),
			   r->tmp_counter++);
	if (tmp == NULL)
		return &lpd_enomem;
	if (symlink(target, tmp) != 0)
		err = lpd_error_os(errno, tmp);
	else if (rename(tmp, link) != 0)
		err = lpd_error_os(errno, link);
	if (err != NULL)
		unlink(tmp);
	lpd_free(tmp);
	return err;
}

/* Should object O be linked for the core whose modules are in D? Yes when
 * the core maps its path with the same build-id (or with none). */
static bool
checkout_wanted(struct dump *d, const struct repo_object *o)
{
	size_t i, n = dump_module_count(d);
	char hex[2 * 64 + 1];

	for (i = 0; i < n; i++) {
		const struct dump_module *m = dump_module(d, i);
		size_t k;

		for (k = 0; k < m->build_id_len && k < 64; k++)
			snprintf(hex + 2 * k, 3, "%02x", m->build_id[k]);
		hex[2 * k] = '\0';
		if (o->kind == REPO_OBJECT_DEBUG) {
			if (o->build_id != NULL && strcmp(hex, o->build_id) ==
			    0)
				return true;
			continue;
		}
		if (strcmp(m->path, o->path) != 0)
			continue;
		if (hex[0] == '\0' || o->build_id == NULL ||
		    strcmp(hex, o->build_id) == 0)
			return true;
	}
	return false;
}

static struct lpd_error *
checkout_object(struct repo *r, const struct repo_checkout *c,
		const struct repo_object *o)
{
	struct lpd_error *err;
	char *blob = NULL, *link = NULL;
	size_t n;

	if (o->kind == REPO_OBJECT_DEBUG) {
		n = o->build_id != NULL ? strlen(o->build_id) : 0;
		if (n < 3 || strspn(o->build_id, "0123456789abcdef") != n)
			return NULL;
		link = lpd_asprintf("%s/.build-id/%.2s/%s.debug",
				    c->debug_dir, o->build_id,
				    o->build_id + 2);
	} else {
		if (!store_safe_path(o->path))
			return NULL;	/* "../": never outside the root */
		link = lpd_asprintf("%s%s", c->sysroot, o->path);
	}
	if (link == NULL)
		return &lpd_enomem;
	err = store_materialize(r, o->blob, &blob);
	if (err == NULL)
		err = checkout_link(r, blob, link);
	lpd_free(blob);
	lpd_free(link);
	return err;
}

struct lpd_error *
repo_checkout_dump(struct repo *r, const char *hash,
		   struct repo_checkout *ret)
{
	struct repo_checkout c = { NULL, NULL, NULL };
	struct repo_object *o = NULL;
	struct lpd_error *err;
	struct dump *d = NULL;
	size_t n = 0, i;
	int lock;

	if (!store_is_hash(hash))
		return lpd_error_format(LPD_ERR_INVALID_ARG, "'%s' is not a "
					"dump hash", hash);
	err = store_lock(r, false, &lock);
	if (err != NULL)
		return err;
	c.sysroot = lpd_asprintf("%s/cache/roots/%s", r->dir, hash);
	c.debug_dir = lpd_asprintf("%s/cache/debug", r->dir);
	if (c.sysroot == NULL || c.debug_dir == NULL) {
		err = &lpd_enomem;
		goto out;
	}
	err = store_materialize(r, hash, &c.core);
	if (err == NULL)
		err = store_mkdirs(c.sysroot);
	if (err == NULL)
		err = store_mkdirs(c.debug_dir);
	if (err == NULL)
		err = repo_dump_objects(r, hash, &o, &n);
	if (err == NULL)
		err = dump_open(c.core, &d);
	for (i = 0; err == NULL && i < n; i++)
		if (checkout_wanted(d, &o[i]))
			err = checkout_object(r, &c, &o[i]);
out:
	close(lock);
	dump_destroy(d);
	repo_objects_free(o, n);
	if (err != NULL) {
		repo_checkout_deinit(&c);
		return lpd_error_prefix(err, "dump %.*s", REPO_ID_LEN, hash);
	}
	*ret = c;
	return NULL;
}
