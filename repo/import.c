/* repo/import.c - importing a core: what a path stands for (files,
 * directories), systemd-coredump metadata (file name and user.coredump.*
 * attributes), refusing truncated and non-core input, and the transaction
 * that records the dump, its image and labels once every blob is durable.
 * Finding module files is left to the caller (the debugger's search). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "dumps/dumps.h"
#include "repo/repo-int.h"

struct import_object {
	enum repo_object_kind kind;
	char *path, *build_id, *source;
	char blob[REPO_HASH_LEN + 1];
	uint64_t size;
};

struct repo_import {
	struct repo *r;
	int lock_fd;
	char *source;
	struct store_result core;
	char *lpar, *node, *image, *image_version, *reason, *executable;
	char **labels;
	size_t n_labels, cap_labels;
	int pid, signal;
	int64_t time_taken;
	bool exists, has_image;
	struct import_object *objects;
	size_t n_objects, cap_objects;
};

static const char *const import_kind_names[] = { "exec", "debug" };

/* ---- what a path stands for ----------------------------------------------- */

static int
import_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct lpd_error *
repo_import_expand(const char *path, char ***ret, size_t *n_ret)
{
	struct lpd_error *err = NULL;
	char **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	struct stat st;
	DIR *dir;

	if (stat(path, &st) != 0)
		return lpd_error_os(errno, path);
	if (!S_ISDIR(st.st_mode)) {
		v = lpd_calloc(1, sizeof(*v));
		if (v == NULL || (v[0] = lpd_strdup(path)) == NULL) {
			lpd_free(v);
			return &lpd_enomem;
		}
		*ret = v;
		*n_ret = 1;
		return NULL;
	}
	dir = opendir(path);
	if (dir == NULL)
		return lpd_error_os(errno, path);
	while ((de = readdir(dir)) != NULL) {
		char *p;

		if (de->d_name[0] == '.')
			continue;
		p = lpd_asprintf("%s/%s", path, de->d_name);
		if (p == NULL) {
			err = &lpd_enomem;
			break;
		}
		if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
			lpd_free(p);
			continue;
		}
		err = lpd_vec_reserve((void **)&v, &cap, n + 1, sizeof(*v));
		if (err != NULL) {
			lpd_free(p);
			break;
		}
		v[n++] = p;
	}
	closedir(dir);
	if (err != NULL) {
		while (n > 0)
			lpd_free(v[--n]);
		lpd_free(v);
		return err;
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), import_cmp);
	*ret = v;
	*n_ret = n;
	return NULL;
}

/* ---- metadata ----------------------------------------------------------- */

/* Untrusted text (attributes, names in a core) made safe to print: no
 * control bytes, bounded length. */
static char *
import_clean(const char *s, size_t n)
{
	char *c;
	size_t i;

	if (n > 255)
		n = 255;
	c = lpd_strndup(s, n);
	if (c == NULL)
		return NULL;
	for (i = 0; c[i] != '\0'; i++)
		if ((unsigned char)c[i] < 0x20 || c[i] == 0x7f)
			c[i] = '?';
	return c;
}

static char *
import_xattr(int fd, const char *name)
{
	char buf[256];
	ssize_t n = fgetxattr(fd, name, buf, sizeof(buf));

	return n > 0 ? import_clean(buf, (size_t)n) : NULL;
}

static bool
import_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* systemd-coredump names its files core.COMM.UID.BOOTID.PID.USEC[.EXT];
 * COMM may hold dots, so the fields are taken from the right. */
static void
import_systemd_name(struct repo_import *imp, const char *path)
{
	const char *base = strrchr(path, '/');
	const char *f[6];
	size_t len[6], k = 0;
	const char *end, *p;

	base = base != NULL ? base + 1 : path;
	if (strncmp(base, "core.", 5) != 0)
		return;
	end = base + strlen(base);
	p = strrchr(base, '.');
	if (p != NULL && (strcmp(p, ".zst") == 0 || strcmp(p, ".xz") == 0 ||
			  strcmp(p, ".lz4") == 0 || strcmp(p, ".gz") == 0))
		end = p;
	/* USEC, PID, BOOTID, UID from the right */
	while (k < 4) {
		for (p = end - 1; p > base + 4 && *p != '.'; p--)
			;
		if (p <= base + 4)
			return;
		f[k] = p + 1;
		len[k] = (size_t)(end - p - 1);
		end = p;
		k++;
	}
	if (!import_digits(f[0], len[0]) || !import_digits(f[1], len[1]) ||
	    len[2] != 32 || !import_digits(f[3], len[3]) || end <= base + 5)
		return;
	imp->time_taken = (int64_t)(strtoull(f[0], NULL, 10) / 1000000);
	if (imp->pid == 0)
		imp->pid = atoi(f[1]);
}

static void
import_systemd_xattrs(struct repo_import *imp, int fd)
{
	char *v;

	if ((v = import_xattr(fd, "user.coredump.timestamp")) != NULL) {
		if (import_digits(v, strlen(v)))
			imp->time_taken = (int64_t)(strtoull(v, NULL, 10) /
						    1000000);
		lpd_free(v);
	}
	if (imp->node == NULL)
		imp->node = import_xattr(fd, "user.coredump.hostname");
	if (imp->executable == NULL)
		imp->executable = import_xattr(fd, "user.coredump.exe");
	if ((v = import_xattr(fd, "user.coredump.signal")) != NULL) {
		if (imp->signal == 0 && import_digits(v, strlen(v)))
			imp->signal = atoi(v);
		lpd_free(v);
	}
	if ((v = import_xattr(fd, "user.coredump.pid")) != NULL) {
		if (imp->pid == 0 && import_digits(v, strlen(v)))
			imp->pid = atoi(v);
		lpd_free(v);
	}
}

/* The ELF core must hold every byte its program headers promise: a core
 * cut short (disk full, killed writer) is refused, not half-imported. */
static struct lpd_error *
import_check_complete(const char *path, const char *name)
{
	struct lpd_error *err = NULL;
	uint8_t eh[64], *ph = NULL;
	uint64_t phoff, shoff, size, i;
	unsigned phentsize, phnum, cls;
	bool be;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lpd_error_os(errno, path);
	if (fstat(fd, &st) != 0) {
		err = lpd_error_os(errno, path);
		goto out;
	}
	size = (uint64_t)st.st_size;
	if (pread(fd, eh, sizeof(eh), 0) != (ssize_t)sizeof(eh)) {
		err = lpd_error_input(name, 0, "truncated: %" PRIu64 " bytes "
				      "is less than an ELF header", size);
		goto out;
	}
	cls = eh[4];
	be = eh[5] == 2;
	if (lpd_load_u16(eh + 16, be) != 4 /* ET_CORE */) {
		err = lpd_error_input(name, 16, "not a core: ELF type %u, not "
				      "ET_CORE", lpd_load_u16(eh + 16, be));
		goto out;
	}
	if (cls == 2) {
		phoff = lpd_load_u64(eh + 32, be);
		shoff = lpd_load_u64(eh + 40, be);
		phentsize = lpd_load_u16(eh + 54, be);
		phnum = lpd_load_u16(eh + 56, be);
	} else {
		phoff = lpd_load_u32(eh + 28, be);
		shoff = lpd_load_u32(eh + 32, be);
		phentsize = lpd_load_u16(eh + 42, be);
		phnum = lpd_load_u16(eh + 44, be);
	}
	if (phnum == 0xffff && shoff != 0 && shoff < size) {
		/* PN_XNUM: the real count is section 0's sh_info. */
		uint8_t sh[4];
		uint64_t at = shoff + (cls == 2 ? 44 : 28);

		if (pread(fd, sh, 4, (off_t)at) != 4) {
			err = lpd_error_input(name, at, "truncated: section "
					      "header 0 is missing");
			goto out;
		}
		phnum = lpd_load_u32(sh, be);
	}
	if (phentsize < (cls == 2 ? 56u : 32u) || phnum > (1u << 24)) {
		err = lpd_error_input(name, cls == 2 ? 54 : 42, "bad program "
				      "header table (%u entries of %u bytes)",
				      phnum, phentsize);
		goto out;
	}
	if (phoff > size || (uint64_t)phnum * phentsize > size - phoff) {
		err = lpd_error_input(name, phoff, "truncated: program headers"
				      " run past the end of the file (%"
				      PRIu64 " bytes)", size);
		goto out;
	}
	ph = lpd_malloc((size_t)phnum * phentsize + 1);
	if (ph == NULL) {
		err = &lpd_enomem;
		goto out;
	}
	if (pread(fd, ph, (size_t)phnum * phentsize, (off_t)phoff) !=
	    (ssize_t)((size_t)phnum * phentsize)) {
		err = lpd_error_os(EIO, path);
		goto out;
	}
	for (i = 0; i < phnum; i++) {
		const uint8_t *p = ph + i * phentsize;
		uint64_t off, filesz;

		off = cls == 2 ? lpd_load_u64(p + 8, be) : lpd_load_u32(p + 4,
									 be);
		filesz = cls == 2 ? lpd_load_u64(p + 32, be)
				  : lpd_load_u32(p + 16, be);
		if (filesz > 0 && (off > size || filesz > size - off)) {
			err = lpd_error_input(name, phoff + i * phentsize,
				"truncated: segment %" PRIu64 " needs bytes up "
				"to 0x%" PRIx64 " but the core has only 0x%"
				PRIx64, i, off + filesz, size);
			goto out;
		}
	}
out:
	lpd_free(ph);
	close(fd);
	return err;
}

/* Messages from dump_open() name our tmp file; name the user's instead. */
static struct lpd_error *
import_rename_error(struct lpd_error *err, const char *tmp, const char *name)
{
	size_t n = strlen(tmp);
	char *m;

	if (err->is_static || strncmp(err->message, tmp, n) != 0)
		return err;
	m = lpd_asprintf("%s%s", name, err->message + n);
	if (m != NULL) {
		lpd_free(err->message);
		err->message = m;
	}
	return err;
}

static struct lpd_error *
import_read_core(struct repo_import *imp)
{
	const struct dump_process *p;
	struct lpd_error *err;
	struct dump_siginfo si;
	struct dump *d;
	size_t i, n;

	err = import_check_complete(imp->core.raw_path, imp->source);
	if (err != NULL)
		return err;
	err = dump_open(imp->core.raw_path, &d);
	if (err != NULL)
		return import_rename_error(err, imp->core.raw_path,
					   imp->source);
	p = dump_get_process(d);
	if (p != NULL && imp->pid == 0)
		imp->pid = p->pid;
	if (dump_get_siginfo(d, &si) && si.signo > 0)
		imp->signal = si.signo;
	else if (dump_thread_count(d) > 0 &&
		 dump_thread_signal(d, dump_crashed_thread(d)) > 0 &&
		 imp->signal == 0)
		imp->signal = dump_thread_signal(d, dump_crashed_thread(d));
	n = dump_module_count(d);
	for (i = 0; i < n && imp->executable == NULL; i++) {
		const struct dump_module *m = dump_module(d, i);

		if (m->is_main)
			imp->executable = import_clean(m->path,
						       strlen(m->path));
	}
	if (imp->executable == NULL && p != NULL && p->fname[0] != '\0')
		imp->executable = import_clean(p->fname, strlen(p->fname));
	if (imp->reason == NULL) {
		const char *sn = dump_signal_name(imp->signal);

		if (imp->signal == 0)
			imp->reason = lpd_strdup("no signal (snapshot)");
		else if (dump_get_siginfo(d, &si) && si.has_addr &&
			 si.signo == imp->signal)
			imp->reason = lpd_asprintf("%s at 0x%" PRIx64,
						   sn ? sn : "signal", si.addr);
		else if (sn != NULL)
			imp->reason = lpd_strdup(sn);
		else
			imp->reason = lpd_asprintf("signal %d", imp->signal);
	}
	dump_destroy(d);
	return imp->reason == NULL ? &lpd_enomem : NULL;
}

/* ---- the transaction ------------------------------------------------------ */

static struct lpd_error *
import_add_label(struct repo_import *imp, const char *label)
{
	struct lpd_error *err;
	size_t i;

	for (i = 0; i < imp->n_labels; i++)
		if (strcmp(imp->labels[i], label) == 0)
			return NULL;
	err = lpd_vec_reserve((void **)&imp->labels, &imp->cap_labels,
			      imp->n_labels + 1, sizeof(char *));
	if (err != NULL)
		return err;
	imp->labels[imp->n_labels] = import_clean(label, strlen(label));
	if (imp->labels[imp->n_labels] == NULL)
		return &lpd_enomem;
	imp->n_labels++;
	return NULL;
}

static struct lpd_error *
import_push(struct repo_import *imp, enum repo_object_kind kind,
	    const char *path, const char *build_id, const char *blob,
	    uint64_t size, const char *source)
{
	struct import_object *o;
	struct lpd_error *err;
	size_t i;

	for (i = 0; i < imp->n_objects; i++) {
		o = &imp->objects[i];
		if (o->kind == kind && strcmp(o->path, path) == 0 &&
		    strcmp(o->build_id, build_id ? build_id : "") == 0)
			return NULL;
	}
	err = lpd_vec_reserve((void **)&imp->objects, &imp->cap_objects,
			      imp->n_objects + 1, sizeof(*o));
	if (err != NULL)
		return err;
	o = &imp->objects[imp->n_objects];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->path = lpd_strdup(path);
	o->build_id = lpd_strdup(build_id != NULL ? build_id : "");
	o->source = lpd_strdup(source != NULL ? source : "");
	snprintf(o->blob, sizeof(o->blob), "%s", blob);
	o->size = size;
	imp->n_objects++;
	if (o->path == NULL || o->build_id == NULL || o->source == NULL)
		return &lpd_enomem;
	return NULL;
}

static bool
import_hex_ok(const char *s)
{
	size_t i, n = s != NULL ? strlen(s) : 0;

	if (n < 2 || n > 128)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Members of a bundle: each blob re-hashed before it is believed. */
static struct lpd_error *
import_bundle(struct repo_import *imp, int fd, uint64_t size)
{
	struct lpd_error *err;
	struct bundle b;
	size_t i;

	err = bundle_read(fd, size, imp->source, &b);
	if (err != NULL)
		return err;
	err = store_ingest(imp->r, fd, b.core_offset, b.core_size,
			   imp->source, STORE_DECOMPRESS | STORE_KEEP_RAW |
			   STORE_MAKE_BLOB | STORE_WANT_ELF, &imp->core);
	if (err == NULL && strcmp(imp->core.hash, b.hash) != 0)
		err = lpd_error_input(imp->source, b.core_offset, "bundle is "
				      "corrupt: its core hashes to %s, the "
				      "manifest says %s", imp->core.hash,
				      b.hash);
	for (i = 0; err == NULL && i < b.n_objects; i++) {
		struct bundle_object *o = &b.objects[i];
		struct store_result res = { .raw_path = NULL };

		if (!store_blob_exists(imp->r, o->blob)) {
			err = store_ingest(imp->r, fd, o->offset, o->size,
					   imp->source, STORE_DECOMPRESS |
					   STORE_MAKE_BLOB | STORE_WANT_ELF,
					   &res);
			if (err == NULL && strcmp(res.hash, o->blob) != 0)
				err = lpd_error_input(imp->source, o->offset,
					"bundle is corrupt: blob %s hashes "
					"to %s", o->blob, res.hash);
			if (err == NULL)
				err = store_publish(imp->r, &res);
			store_result_deinit(&res);
		}
		if (err == NULL)
			err = import_push(imp, o->kind, o->path, o->build_id,
					  o->blob, o->size, "bundle");
	}
	if (err == NULL) {
		imp->has_image = true;
		imp->time_taken = b.time_taken;
		if (imp->lpar == NULL && b.lpar != NULL)
			imp->lpar = lpd_strdup(b.lpar);
		if (imp->node == NULL && b.node != NULL)
			imp->node = lpd_strdup(b.node);
		if (imp->reason == NULL && b.reason != NULL)
			imp->reason = lpd_strdup(b.reason);
		if (imp->image == NULL && b.image != NULL)
			imp->image = lpd_strdup(b.image);
		for (i = 0; err == NULL && i < b.n_labels; i++)
			err = import_add_label(imp, b.labels[i]);
	}
	bundle_deinit(&b);
	return err;
}

static struct lpd_error *
import_exists(struct repo_import *imp)
{
	struct lpd_error *err;
	sqlite3_stmt *st;
	int rc;

	err = index_prepare(imp->r, "SELECT 1 FROM dumps WHERE hash = ?", &st);
	if (err != NULL)
		return err;
	sqlite3_bind_text(st, 1, imp->core.hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		imp->exists = true;
	else if (rc != SQLITE_DONE)
		err = index_error(imp->r, "find dump");
	sqlite3_finalize(st);
	return err;
}

struct lpd_error *
repo_import_begin(struct repo *r, const char *path,
		  const struct repo_import_options *opts,
		  struct repo_import **ret)
{
	static const struct repo_import_options no_opts;
	struct repo_import *imp;
	struct lpd_error *err;
	uint8_t peek[512];
	struct stat st;
	ssize_t got;
	size_t i;
	int fd = -1;

	if (opts == NULL)
		opts = &no_opts;
	imp = lpd_calloc(1, sizeof(*imp));
	if (imp == NULL)
		return &lpd_enomem;
	imp->r = r;
	imp->lock_fd = -1;
	imp->source = lpd_strdup(path);
	if (imp->source == NULL) {
		err = &lpd_enomem;
		goto fail;
	}
	/* Shared: imports run side by side; gc waits for them. */
	err = store_lock(r, false, &imp->lock_fd);
	if (err != NULL)
		goto fail;
	if (opts->lpar != NULL && (imp->lpar = lpd_strdup(opts->lpar)) == NULL)
		err = &lpd_enomem;
	if (opts->node != NULL && (imp->node = lpd_strdup(opts->node)) == NULL)
		err = &lpd_enomem;
	if (opts->image != NULL &&
	    (imp->image = lpd_strdup(opts->image)) == NULL)
		err = &lpd_enomem;
	if (opts->reason != NULL &&
	    (imp->reason = lpd_strdup(opts->reason)) == NULL)
		err = &lpd_enomem;
	for (i = 0; err == NULL && i < opts->n_labels; i++)
		err = import_add_label(imp, opts->labels[i]);
	if (err != NULL)
		goto fail;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		err = lpd_error_os(errno, path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err = lpd_error_format(LPD_ERR_BAD_INPUT, "%s: not a regular "
				       "file", path);
		goto fail;
	}
	imp->time_taken = (int64_t)st.st_mtime;
	got = pread(fd, peek, sizeof(peek), 0);
	if (got < 0) {
		err = lpd_error_os(errno, path);
		goto fail;
	}
	if (store_detect(peek, (size_t)got) == STORE_FORMAT_TAR) {
		err = import_bundle(imp, fd, (uint64_t)st.st_size);
	} else {
		import_systemd_name(imp, path);
		import_systemd_xattrs(imp, fd);
		err = store_ingest(r, fd, 0, (uint64_t)st.st_size, path,
				   STORE_DECOMPRESS | STORE_KEEP_RAW |
				   STORE_MAKE_BLOB | STORE_WANT_ELF,
				   &imp->core);
	}
	if (err == NULL)
		err = import_read_core(imp);
	/* Only a core that passed every check becomes a blob. */
	if (err == NULL)
		err = store_publish(r, &imp->core);
	if (err == NULL)
		err = import_exists(imp);
	if (err != NULL)
		goto fail;
	close(fd);
	*ret = imp;
	return NULL;
fail:
	if (fd >= 0)
		close(fd);
	repo_import_destroy(imp);
	return err;
}

const char *
repo_import_core_file(const struct repo_import *imp)
{
	return imp->core.raw_path;
}

const char *
repo_import_hash(const struct repo_import *imp)
{
	return imp->core.hash;
}

bool
repo_import_has_image(const struct repo_import *imp)
{
	return imp->has_image;
}

size_t
repo_import_object_count(const struct repo_import *imp)
{
	return imp->n_objects;
}

bool
repo_import_exists(const struct repo_import *imp)
{
	return imp->exists;
}

struct lpd_error *
repo_import_add_known(struct repo_import *imp, enum repo_object_kind kind,
		      const char *path, const char *build_id, bool *ret)
{
	struct lpd_error *err;
	sqlite3_stmt *st;
	int rc;

	*ret = false;
	if (!import_hex_ok(build_id))
		return NULL;
	err = index_prepare(imp->r, "SELECT blob, size FROM image_objects"
			    " WHERE build_id = ? AND kind = ?", &st);
	if (err != NULL)
		return err;
	sqlite3_bind_text(st, 1, build_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, import_kind_names[kind], -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *blob = (const char *)sqlite3_column_text(st, 0);

		/* A blob the index names but the store lost is not reused;
		 * storing it again repairs the store. */
		if (blob == NULL || !store_is_hash(blob) ||
		    !store_blob_exists(imp->r, blob))
			continue;
		err = import_push(imp, kind, path, build_id, blob,
				  (uint64_t)sqlite3_column_int64(st, 1),
				  "repository");
		*ret = err == NULL;
		break;
	}
	if (err == NULL && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = index_error(imp->r, "find object");
	sqlite3_finalize(st);
	return err;
}

struct lpd_error *
repo_import_add_file(struct repo_import *imp, enum repo_object_kind kind,
		     const char *path, const char *build_id, const char *file,
		     const char *source)
{
	struct store_result res = { .raw_path = NULL };
	struct lpd_error *err;
	struct stat st;
	int fd;

	if (build_id != NULL && !import_hex_ok(build_id))
		build_id = NULL;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lpd_error_os(errno, file);
	if (fstat(fd, &st) != 0) {
		err = lpd_error_os(errno, file);
		close(fd);
		return err;
	}
	err = store_ingest(imp->r, fd, 0, (uint64_t)st.st_size, file,
			   STORE_MAKE_BLOB | STORE_WANT_ELF, &res);
	close(fd);
	if (err == NULL)
		err = store_publish(imp->r, &res);
	if (err == NULL)
		err = import_push(imp, kind, path, build_id, res.hash, res.size,
				  source);
	store_result_deinit(&res);
	return err;
}

static int
import_object_cmp(const void *a, const void *b)
{
	const struct import_object *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c == 0)
		c = (int)x->kind - (int)y->kind;
	return c != 0 ? c : strcmp(x->build_id, y->build_id);
}

/* Image NAME[:VERSION]; without a version, the hash of the manifest, so
 * the same set of objects is the same image and an update is a new one. */
static struct lpd_error *
import_image_name(struct repo_import *imp, char **name_ret,
		  char **version_ret)
{
	struct lpd_buf man = LPD_BUF_INIT;
	struct lpd_error *err = NULL;
	char hash[REPO_HASH_LEN + 1], *colon;
	const char *base;
	size_t i;

	if (imp->image != NULL && (colon = strchr(imp->image, ':')) != NULL &&
	    colon[1] != '\0' && colon != imp->image) {
		*name_ret = lpd_strndup(imp->image,
					(size_t)(colon - imp->image));
		*version_ret = lpd_strdup(colon + 1);
		return *name_ret && *version_ret ? NULL : &lpd_enomem;
	}
	if (imp->n_objects > 0)
		qsort(imp->objects, imp->n_objects, sizeof(*imp->objects),
		      import_object_cmp);
	for (i = 0; i < imp->n_objects && err == NULL; i++)
		err = lpd_buf_printf(&man, "%s %s %s %s\n",
				     import_kind_names[imp->objects[i].kind],
				     imp->objects[i].build_id,
				     imp->objects[i].blob,
				     imp->objects[i].path);
	if (err != NULL) {
		lpd_buf_deinit(&man);
		return err;
	}
	store_sha256_hex(man.data != NULL ? man.data : "", man.len, hash);
	lpd_buf_deinit(&man);
	if (imp->image != NULL && imp->image[0] != '\0') {
		colon = strchr(imp->image, ':');
		*name_ret = colon != NULL
			? lpd_strndup(imp->image, (size_t)(colon - imp->image))
			: lpd_strdup(imp->image);
	} else {
		base = imp->executable != NULL
			? strrchr(imp->executable, '/') : NULL;
		base = base != NULL ? base + 1
		       : imp->executable != NULL ? imp->executable : "unknown";
		*name_ret = lpd_strdup(base[0] != '\0' ? base : "unknown");
	}
	*version_ret = lpd_strndup(hash, REPO_ID_LEN);
	return *name_ret && *version_ret ? NULL : &lpd_enomem;
}

static struct lpd_error *
import_step(struct repo *r, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? NULL
	       : index_error(r, what);
}

static struct lpd_error *
import_lpar_id(struct repo_import *imp, int64_t node, int64_t image,
	       int64_t *ret)
{
	struct repo *r = imp->r;
	struct lpd_error *err;
	sqlite3_stmt *st;

	*ret = 0;
	if (imp->lpar == NULL)
		return NULL;
	err = index_prepare(r, "SELECT id FROM lpars WHERE name = ?1 AND"
			    " node IS ?2", &st);
	if (err != NULL)
		return err;
	sqlite3_bind_text(st, 1, imp->lpar, -1, SQLITE_STATIC);
	if (node != 0)
		sqlite3_bind_int64(st, 2, node);
	if (sqlite3_step(st) == SQLITE_ROW)
		*ret = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	err = index_prepare(r, *ret != 0
			    ? "UPDATE lpars SET image = ?3 WHERE id = ?4"
			    : "INSERT INTO lpars (name, node, image) VALUES"
			      " (?1, ?2, ?3)", &st);
	if (err != NULL)
		return err;
	sqlite3_bind_text(st, 1, imp->lpar, -1, SQLITE_STATIC);
	if (node != 0)
		sqlite3_bind_int64(st, 2, node);
	if (image != 0)
		sqlite3_bind_int64(st, 3, image);
	if (*ret != 0)
		sqlite3_bind_int64(st, 4, *ret);
	err = import_step(r, st, "lpar");
	if (err == NULL && *ret == 0)
		*ret = sqlite3_last_insert_rowid(r->db);
	sqlite3_finalize(st);
	return err;
}

static struct lpd_error *
import_record(struct repo_import *imp, const char *image,
	      const char *version)
{
	struct repo *r = imp->r;
	int64_t node, image_id, lpar, dump;
	struct lpd_error *err;
	sqlite3_stmt *st;
	size_t i;

	image_id = 0;
	err = index_named_id(r, "nodes", imp->node, NULL, &node);
	if (err == NULL)
		err = index_prepare(r, "SELECT image FROM dumps WHERE hash = ?",
				    &st);
	if (err != NULL)
		return err;
	/* A dump imported again keeps its image. */
	sqlite3_bind_text(st, 1, imp->core.hash, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		image_id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (image_id == 0)
		err = index_named_id(r, "images", image, version, &image_id);
	if (err == NULL)
		err = import_lpar_id(imp, node, image_id, &lpar);
	if (err == NULL)
		err = index_prepare(r, "INSERT INTO dumps (hash, lpar, node,"
				    " image, time_taken, time_imported,"
				    " executable, pid, signal, size, reason,"
				    " source) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
				    " ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT"
				    " (hash) DO UPDATE SET"
				    " lpar = coalesce(?2, lpar),"
				    " node = coalesce(?3, node)", &st);
	if (err != NULL)
		return err;
	sqlite3_bind_text(st, 1, imp->core.hash, -1, SQLITE_STATIC);
	if (lpar != 0)
		sqlite3_bind_int64(st, 2, lpar);
	if (node != 0)
		sqlite3_bind_int64(st, 3, node);
	sqlite3_bind_int64(st, 4, image_id);
	sqlite3_bind_int64(st, 5, imp->time_taken);
	sqlite3_bind_int64(st, 6, (int64_t)time(NULL));
	sqlite3_bind_text(st, 7, imp->executable, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, imp->pid);
	sqlite3_bind_int(st, 9, imp->signal);
	sqlite3_bind_int64(st, 10, (int64_t)imp->core.size);
	sqlite3_bind_text(st, 11, imp->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, imp->source, -1, SQLITE_STATIC);
	err = import_step(r, st, "record dump");
	sqlite3_finalize(st);
	if (err == NULL)
		err = index_prepare(r, "SELECT id FROM dumps WHERE hash = ?",
				    &st);
	if (err != NULL)
		return err;
	sqlite3_bind_text(st, 1, imp->core.hash, -1, SQLITE_STATIC);
	dump = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0)
					      : 0;
	sqlite3_finalize(st);
	if (dump == 0)
		return index_error(r, "record dump");
	err = index_prepare(r, "INSERT OR IGNORE INTO image_objects VALUES"
			    " ((SELECT image FROM dumps WHERE id = ?1), ?2,"
			    " ?3, ?4, ?5, ?6, ?7)", &st);
	for (i = 0; err == NULL && i < imp->n_objects; i++) {
		struct import_object *o = &imp->objects[i];

		sqlite3_bind_int64(st, 1, dump);
		sqlite3_bind_text(st, 2, o->path, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, o->build_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, import_kind_names[o->kind], -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(st, 5, o->blob, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, (int64_t)o->size);
		sqlite3_bind_text(st, 7, o->source, -1, SQLITE_STATIC);
		err = import_step(r, st, "record object");
	}
	sqlite3_finalize(st);
	st = NULL;
	if (err == NULL)
		err = index_prepare(r, "INSERT OR IGNORE INTO dump_labels"
				    " VALUES (?, ?)", &st);
	for (i = 0; err == NULL && i < imp->n_labels; i++) {
		sqlite3_bind_int64(st, 1, dump);
		sqlite3_bind_text(st, 2, imp->labels[i], -1, SQLITE_STATIC);
		err = import_step(r, st, "record label");
	}
	sqlite3_finalize(st);
	return err;
}

struct lpd_error *
repo_import_commit(struct repo_import *imp, char ret[REPO_HASH_LEN + 1])
{
	char *image = NULL, *version = NULL;
	struct lpd_error *err;

	err = import_image_name(imp, &image, &version);
	if (err == NULL)
		err = index_begin(imp->r);
	if (err == NULL) {
		err = import_record(imp, image, version);
		if (err != NULL)
			index_rollback(imp->r);
		else
			err = index_commit(imp->r);
	}
	lpd_free(image);
	lpd_free(version);
	if (err == NULL)
		snprintf(ret, REPO_HASH_LEN + 1, "%s", imp->core.hash);
	return err;
}

void
repo_import_destroy(struct repo_import *imp)
{
	size_t i;

	if (imp == NULL)
		return;
	store_result_deinit(&imp->core);
	for (i = 0; i < imp->n_objects; i++) {
		lpd_free(imp->objects[i].path);
		lpd_free(imp->objects[i].build_id);
		lpd_free(imp->objects[i].source);
	}
	lpd_free(imp->objects);
	for (i = 0; i < imp->n_labels; i++)
		lpd_free(imp->labels[i]);
	lpd_free(imp->labels);
	lpd_free(imp->source);
	lpd_free(imp->lpar);
	lpd_free(imp->node);
	lpd_free(imp->image);
	lpd_free(imp->image_version);
	lpd_free(imp->reason);
	lpd_free(imp->executable);
	if (imp->lock_fd >= 0)
		close(imp->lock_fd);
	lpd_free(imp);
}
