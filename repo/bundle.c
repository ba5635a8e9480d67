/* repo/bundle.c - export bundles: a ustar archive of a text manifest, the
 * core's blob and its image's blobs (zstd, as stored), which another
 * repository imports. Reading trusts nothing: member names, sizes and
 * checksums are checked, and import.c re-hashes every blob. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "repo/repo-int.h"

static const char BUNDLE_DIR[] = "lpardbg-bundle/";
static const char BUNDLE_MAGIC[] = "lpardbg-bundle 1";
enum { TAR_BLOCK = 512, BUNDLE_MAX_MANIFEST = 16 << 20 };

/* ---- manifest encoding: %XX for spaces, controls, '%' and non-ASCII ---- */

static struct lpd_error *
bundle_put_enc(struct lpd_buf *b, const char *s)
{
	struct lpd_error *err = NULL;
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0' && err == NULL; p++) {
		if (*p <= 0x20 || *p == '%' || *p >= 0x7f)
			err = lpd_buf_printf(b, "%%%02X", *p);
		else
			err = lpd_buf_append(b, p, 1);
	}
	return err;
}

static char *
bundle_dec(const char *s, size_t n)
{
	char *out = lpd_malloc(n + 1), *o = out;
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned v;

		if (s[i] == '%' && i + 2 < n + 1 && sscanf(s + i + 1, "%2X",
							   &v) == 1) {
			*o++ = (char)v;
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

/* ---- writing ----------------------------------------------------------- */

static void
tar_octal(char *field, size_t width, uint64_t v)
{
	/* Sizes past the octal field's reach use GNU base-256. */
	if (width == 12 && v >= (UINT64_C(1) << 33)) {
		size_t i;

		memset(field, 0, width);
		field[0] = (char)0x80;
		for (i = 0; i < 8; i++)
			field[width - 1 - i] = (char)(v >> (8 * i));
		return;
	}
	snprintf(field, width, "%0*" PRIo64, (int)width - 1, v);
}

static struct lpd_error *
tar_header(int fd, const char *path, const char *name, uint64_t size)
{
	unsigned char h[TAR_BLOCK];
	unsigned sum = 0;
	size_t i;

	memset(h, 0, sizeof(h));
	snprintf((char *)h, 100, "%s%s", BUNDLE_DIR, name);
	tar_octal((char *)h + 100, 8, 0600);
	tar_octal((char *)h + 108, 8, 0);
	tar_octal((char *)h + 116, 8, 0);
	tar_octal((char *)h + 124, 12, size);
	tar_octal((char *)h + 136, 12, 0);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (i = 0; i < sizeof(h); i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
	return store_write_all(fd, h, sizeof(h), path);
}

static struct lpd_error *
tar_pad(int fd, const char *path, uint64_t size)
{
	static const char zero[TAR_BLOCK];
	size_t pad = (size_t)((TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK);

	return store_write_all(fd, zero, pad, path);
}

static struct lpd_error *
tar_copy_blob(struct repo *r, int fd, const char *path, const char *name,
	      const char *hash)
{
	char *src = store_blob_path(r, hash);
	struct lpd_error *err;
	char *buf = NULL;
	struct stat st;
	uint64_t left;
	int in;

	if (src == NULL)
		return &lpd_enomem;
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) != 0) {
		err = lpd_error_os(errno, src);
		goto out;
	}
	err = tar_header(fd, path, name, (uint64_t)st.st_size);
	buf = lpd_malloc(1 << 20);
	if (err == NULL && buf == NULL)
		err = &lpd_enomem;
	for (left = (uint64_t)st.st_size; err == NULL && left > 0;) {
		ssize_t n = read(in, buf, left < (1 << 20) ? left : (1 << 20));

		if (n <= 0) {
			err = lpd_error_os(n < 0 ? errno : EIO, src);
			break;
		}
		err = store_write_all(fd, buf, (size_t)n, path);
		left -= (uint64_t)n;
	}
	if (err == NULL)
		err = tar_pad(fd, path, (uint64_t)st.st_size);
out:
	if (in >= 0)
		close(in);
	lpd_free(buf);
	lpd_free(src);
	return err;
}

static struct lpd_error *
bundle_manifest(const struct repo_dump *d, const struct repo_object *o,
		size_t n, struct lpd_buf *m)
{
	struct lpd_error *err;
	size_t i;

	err = lpd_buf_printf(m, "%s\ndump %s\ntime_taken %" PRId64 "\n",
			     BUNDLE_MAGIC, d->hash, d->time_taken);
#define FIELD(key, v) do { \
		if (err == NULL && (v) != NULL) { \
			err = lpd_buf_puts(m, key " "); \
			if (err == NULL) \
				err = bundle_put_enc(m, v); \
			if (err == NULL) \
				err = lpd_buf_puts(m, "\n"); \
		} \
	} while (0)
	FIELD("lpar", d->lpar);
	FIELD("node", d->node);
	FIELD("reason", d->reason);
	FIELD("executable", d->executable);
	for (i = 0; i < d->n_labels; i++)
		FIELD("label", d->labels[i]);
#undef FIELD
	if (err == NULL && d->image != NULL) {
		err = lpd_buf_puts(m, "image ");
		if (err == NULL)
			err = bundle_put_enc(m, d->image);
		if (err == NULL)
			err = lpd_buf_puts(m, ":");
		if (err == NULL)
			err = bundle_put_enc(m, d->image_version != NULL
					     ? d->image_version : "");
		if (err == NULL)
			err = lpd_buf_puts(m, "\n");
	}
	for (i = 0; err == NULL && i < n; i++) {
		err = lpd_buf_printf(m, "object %s %s %s %" PRIu64 " ",
				     o[i].kind == REPO_OBJECT_DEBUG ? "debug"
				     : "exec", o[i].build_id != NULL
				     ? o[i].build_id : "-", o[i].blob,
				     o[i].size);
		if (err == NULL)
			err = bundle_put_enc(m, o[i].path);
		if (err == NULL)
			err = lpd_buf_puts(m, "\n");
	}
	return err;
}

struct lpd_error *
repo_export_dump(struct repo *r, const char *hash, const char *out_path)
{
	struct lpd_buf m = LPD_BUF_INIT;
	struct repo_dump_list *l = NULL;
	struct repo_object *o = NULL;
	struct lpd_error *err;
	char *tmp = NULL, name[REPO_HASH_LEN + 16];
	size_t n = 0, i, j;
	int fd = -1;

	err = repo_get_dump(r, hash, &l);
	if (err == NULL)
		err = repo_dump_objects(r, hash, &o, &n);
	if (err == NULL)
		err = store_check_blob(r, hash);
	for (i = 0; err == NULL && i < n; i++)
		err = store_check_blob(r, o[i].blob);
	if (err != NULL) {
		err = lpd_error_prefix(err, "dump %.*s", REPO_ID_LEN, hash);
		goto out;
	}
	err = bundle_manifest(repo_dump_list_at(l, 0), o, n, &m);
	if (err != NULL)
		goto out;
	tmp = lpd_asprintf("%s.tmp.%ld", out_path, (long)getpid());
	if (tmp == NULL) {
		err = &lpd_enomem;
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = lpd_error_os(errno, tmp);
		goto out;
	}
	err = tar_header(fd, tmp, "manifest", m.len);
	if (err == NULL)
		err = store_write_all(fd, m.data, m.len, tmp);
	if (err == NULL)
		err = tar_pad(fd, tmp, m.len);
	if (err == NULL)
		err = tar_copy_blob(r, fd, tmp, "core.zst", hash);
	for (i = 0; err == NULL && i < n; i++) {
		for (j = 0; j < i && strcmp(o[j].blob, o[i].blob) != 0; j++)
			;
		if (j < i)
			continue;	/* one member per blob */
		snprintf(name, sizeof(name), "blobs/%s.zst", o[i].blob);
		err = tar_copy_blob(r, fd, tmp, name, o[i].blob);
	}
	if (err == NULL)	/* end of archive: two zero blocks */
		err = store_write_all(fd, (const char[2 * TAR_BLOCK]){ 0 },
				      2 * TAR_BLOCK, tmp);
	if (err == NULL && fsync(fd) != 0)
		err = lpd_error_os(errno, tmp);
	if (err == NULL && rename(tmp, out_path) != 0)
		err = lpd_error_os(errno, out_path);
out:
	if (fd >= 0)
		close(fd);
	if (err != NULL && tmp != NULL)
		unlink(tmp);
	lpd_free(tmp);
	lpd_buf_deinit(&m);
	repo_objects_free(o, n);
	repo_dump_list_destroy(l);
	return err;
}

/* ---- reading ------------------------------------------------------------- */

static bool
tar_size(const unsigned char *f, uint64_t *ret)
{
	uint64_t v = 0;
	size_t i;

	if (f[0] & 0x80) {
		for (i = 1; i < 12; i++) {
			if (v >> 56)
				return false;
			v = v << 8 | f[i];
		}
		*ret = v;
		return true;
	}
	for (i = 0; i < 12 && f[i] == ' '; i++)
		;
	for (; i < 12 && f[i] >= '0' && f[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(f[i] - '0');
	if (i < 12 && f[i] != '\0' && f[i] != ' ')
		return false;
	*ret = v;
	return true;
}

struct tar_member {
	char name[101];
	uint64_t offset, size;
};

static struct lpd_error *
bundle_members(int fd, uint64_t size, const char *name,
	       struct tar_member **ret, size_t *n_ret)
{
	struct tar_member *v = NULL;
	unsigned char h[TAR_BLOCK];
	struct lpd_error *err = NULL;
	size_t n = 0, cap = 0, i;
	uint64_t pos = 0, msize;
	unsigned sum, want;

	while (err == NULL) {
		if (size - pos < TAR_BLOCK) {
			err = lpd_error_input(name, pos, "truncated bundle: "
					      "no end-of-archive block");
			break;
		}
		if (pread(fd, h, TAR_BLOCK, (off_t)pos) != TAR_BLOCK) {
			err = lpd_error_os(errno ? errno : EIO, name);
			break;
		}
		for (i = 0; i < TAR_BLOCK && h[i] == 0; i++)
			;
		if (i == TAR_BLOCK)
			break;		/* end of archive */
		for (sum = 0, i = 0; i < TAR_BLOCK; i++)
			sum += i >= 148 && i < 156 ? ' ' : h[i];
		if (sscanf((const char *)h + 148, "%6o", &want) != 1 ||
		    want != sum || memcmp(h + 257, "ustar", 5) != 0) {
			err = lpd_error_input(name, pos, "bad bundle member "
					      "header (checksum)");
			break;
		}
		if (!tar_size(h + 124, &msize) ||
		    msize > size - pos - TAR_BLOCK) {
			err = lpd_error_input(name, pos + 124, "truncated "
					      "bundle: member runs past the "
					      "end of the file");
			break;
		}
		if (h[156] != '0' && h[156] != '\0') {
			err = lpd_error_input(name, pos + 156, "bundle member "
					      "of type '%c' (only files)",
					      h[156]);
			break;
		}
		err = lpd_vec_reserve((void **)&v, &cap, n + 1, sizeof(*v));
		if (err != NULL)
			break;
		memcpy(v[n].name, h, 100);
		v[n].name[100] = '\0';
		v[n].offset = pos + TAR_BLOCK;
		v[n].size = msize;
		n++;
		pos += TAR_BLOCK + (msize + TAR_BLOCK - 1) / TAR_BLOCK *
		       TAR_BLOCK;
		if (pos > size)
			pos = size;
	}
	if (err != NULL) {
		lpd_free(v);
		return err;
	}
	*ret = v;
	*n_ret = n;
	return NULL;
}

static const struct tar_member *
bundle_member(const struct tar_member *v, size_t n, const char *name)
{
	char full[128];
	size_t i;

	snprintf(full, sizeof(full), "%s%s", BUNDLE_DIR, name);
	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, full) == 0)
			return &v[i];
	return NULL;
}

static struct lpd_error *
bundle_line(struct bundle *b, char *line, const struct tar_member *mem,
	    size_t n_mem, const char *name, uint64_t at)
{
	char *key = line, *val = strchr(line, ' '), **slot = NULL;

	if (val == NULL)
		return lpd_error_input(name, at, "bad manifest line '%.40s'",
				       line);
	*val++ = '\0';
	if (strcmp(key, "dump") == 0) {
		if (!store_is_hash(val))
			return lpd_error_input(name, at, "bad dump hash");
		memcpy(b->hash, val, sizeof(b->hash));
	} else if (strcmp(key, "time_taken") == 0) {
		b->time_taken = strtoll(val, NULL, 10);
	} else if (strcmp(key, "lpar") == 0) {
		slot = &b->lpar;
	} else if (strcmp(key, "node") == 0) {
		slot = &b->node;
	} else if (strcmp(key, "image") == 0) {
		slot = &b->image;
	} else if (strcmp(key, "reason") == 0) {
		slot = &b->reason;
	} else if (strcmp(key, "executable") == 0) {
		slot = &b->executable;
	} else if (strcmp(key, "label") == 0) {
		char **v = lpd_reallocarray(b->labels, b->n_labels + 1,
					    sizeof(char *));

		if (v == NULL)
			return &lpd_enomem;
		b->labels = v;
		b->labels[b->n_labels] = bundle_dec(val, strlen(val));
		if (b->labels[b->n_labels] == NULL)
			return &lpd_enomem;
		b->n_labels++;
	} else if (strcmp(key, "object") == 0) {
		char kind[8], bid[130], blob[REPO_HASH_LEN + 1], mname[90];
		unsigned long long sz;
		int used = 0;
		const struct tar_member *m;
		struct bundle_object *o;

		if (sscanf(val, "%7s %129s %64s %llu %n", kind, bid, blob, &sz,
			   &used) != 4 || used == 0 || !store_is_hash(blob) ||
		    (strcmp(kind, "exec") != 0 && strcmp(kind, "debug") != 0))
			return lpd_error_input(name, at, "bad object line");
		snprintf(mname, sizeof(mname), "blobs/%s.zst", blob);
		m = bundle_member(mem, n_mem, mname);
		if (m == NULL)
			return lpd_error_input(name, at, "blob %s named by the "
					       "manifest is not in the bundle",
					       blob);
		o = lpd_reallocarray(b->objects, b->n_objects + 1,
				     sizeof(*o));
		if (o == NULL)
			return &lpd_enomem;
		b->objects = o;
		o = &b->objects[b->n_objects++];
		memset(o, 0, sizeof(*o));
		o->kind = kind[0] == 'd' ? REPO_OBJECT_DEBUG : REPO_OBJECT_EXEC;
		o->build_id = strcmp(bid, "-") == 0 ||
			      strspn(bid, "0123456789abcdef") != strlen(bid)
			      ? NULL : bundle_dec(bid, strlen(bid));
		o->path = bundle_dec(val + used, strlen(val + used));
		memcpy(o->blob, blob, sizeof(o->blob));
		o->offset = m->offset;
		o->size = m->size;
		(void)sz;
		if (o->path == NULL)
			return &lpd_enomem;
	}
	/* Unknown keys are skipped: newer bundles may add fields. */
	if (slot != NULL) {
		lpd_free(*slot);
		*slot = bundle_dec(val, strlen(val));
		if (*slot == NULL)
			return &lpd_enomem;
	}
	return NULL;
}

struct lpd_error *
bundle_read(int fd, uint64_t size, const char *name, struct bundle *ret)
{
	struct tar_member *mem = NULL;
	const struct tar_member *man, *core;
	struct lpd_error *err;
	struct bundle b;
	char *text = NULL, *line, *nl;
	size_t n_mem = 0;

	memset(&b, 0, sizeof(b));
	err = bundle_members(fd, size, name, &mem, &n_mem);
	if (err != NULL)
		return err;
	man = bundle_member(mem, n_mem, "manifest");
	core = bundle_member(mem, n_mem, "core.zst");
	if (man == NULL || core == NULL || man->size > BUNDLE_MAX_MANIFEST) {
		err = lpd_error_input(name, 0, "not an lpardbg bundle (no "
				      "manifest or core)");
		goto out;
	}
	text = lpd_malloc((size_t)man->size + 1);
	if (text == NULL) {
		err = &lpd_enomem;
		goto out;
	}
	if (pread(fd, text, (size_t)man->size, (off_t)man->offset) !=
	    (ssize_t)man->size) {
		err = lpd_error_os(EIO, name);
		goto out;
	}
	text[man->size] = '\0';
	if (strncmp(text, BUNDLE_MAGIC, strlen(BUNDLE_MAGIC)) != 0 ||
	    text[strlen(BUNDLE_MAGIC)] != '\n') {
		err = lpd_error_input(name, man->offset, "manifest is not "
				      "'%s'", BUNDLE_MAGIC);
		goto out;
	}
	for (line = strchr(text, '\n') + 1; err == NULL && line != NULL;
	     line = nl) {
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		if (line[0] != '\0')
			err = bundle_line(&b, line, mem, n_mem, name,
					  man->offset +
					  (uint64_t)(line - text));
	}
	if (err == NULL && b.hash[0] == '\0')
		err = lpd_error_input(name, man->offset, "manifest names no "
				      "dump");
	b.core_offset = core->offset;
	b.core_size = core->size;
out:
	lpd_free(text);
	lpd_free(mem);
	if (err != NULL) {
		bundle_deinit(&b);
		return err;
	}
	*ret = b;
	return NULL;
}

void
bundle_deinit(struct bundle *b)
{
	size_t i;

	for (i = 0; i < b->n_labels; i++)
		lpd_free(b->labels[i]);
	lpd_free(b->labels);
	for (i = 0; i < b->n_objects; i++) {
		lpd_free(b->objects[i].path);
		lpd_free(b->objects[i].build_id);
		lpd_free(b->objects[i].source);
	}
	lpd_free(b->objects);
	lpd_free(b->lpar);
	lpd_free(b->node);
	lpd_free(b->image);
	lpd_free(b->reason);
	lpd_free(b->executable);
	memset(b, 0, sizeof(*b));
}
