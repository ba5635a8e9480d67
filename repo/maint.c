/* repo/maint.c - keeping the repository honest: verify (the index's
 * integrity, every referenced blob re-hashed, modes) and gc (images,
 * blobs and tmp files nothing needs, the checkout cache). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "repo/repo-int.h"

struct hash_set {
	char (*v)[REPO_HASH_LEN + 1];
	size_t n, cap;
};

static int
hash_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Every hash in column 0 of SQL, sorted. */
static struct lpd_error *
maint_hashes(struct repo *r, const char *sql, struct hash_set *s)
{
	struct lpd_error *err;
	sqlite3_stmt *st;
	int rc;

	err = index_prepare(r, sql, &st);
	if (err != NULL)
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 0);

		if (h == NULL)
			continue;
		err = lpd_vec_reserve((void **)&s->v, &s->cap, s->n + 1,
				      sizeof(*s->v));
		if (err != NULL)
			break;
		snprintf(s->v[s->n++], REPO_HASH_LEN + 1, "%s", h);
	}
	if (err == NULL && rc != SQLITE_DONE)
		err = index_error(r, "list blobs");
	sqlite3_finalize(st);
	if (err == NULL && s->n > 0)
		qsort(s->v, s->n, sizeof(*s->v), hash_cmp);
	return err;
}

static bool
hash_set_has(const struct hash_set *s, const char *h)
{
	return s->n > 0 && bsearch(h, s->v, s->n, sizeof(*s->v), hash_cmp)
	       != NULL;
}

static struct lpd_error *
maint_problem(struct repo_verify_report *rep, const char *fmt, ...)
	LPD_PRINTF(2, 3);

static struct lpd_error *
maint_problem(struct repo_verify_report *rep, const char *fmt, ...)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = lpd_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (err == NULL) {
		char **v = lpd_reallocarray(rep->problems, rep->n_problems + 1,
					    sizeof(char *));

		if (v == NULL)
			err = &lpd_enomem;
		else
			rep->problems = v;
	}
	if (err != NULL) {
		lpd_buf_deinit(&b);
		return err;
	}
	rep->problems[rep->n_problems++] = lpd_buf_steal(&b);
	return NULL;
}

void
repo_verify_report_deinit(struct repo_verify_report *rep)
{
	size_t i;

	for (i = 0; i < rep->n_problems; i++)
		lpd_free(rep->problems[i]);
	lpd_free(rep->problems);
	memset(rep, 0, sizeof(*rep));
}

/* A blob check's failure is a problem to report, unless it is ours. */
static struct lpd_error *
maint_check(struct repo *r, struct repo_verify_report *rep, const char *hash,
	    const char *what)
{
	struct lpd_error *e = store_check_blob(r, hash);

	if (e == NULL)
		return NULL;
	if (e->code == LPD_ERR_NOMEM)
		return e;
	struct lpd_error *err = maint_problem(rep, "%s: %s", what,
					      e->message);

	lpd_error_destroy(e);
	return err;
}

/* Files and directories must not be readable by others: dumps hold
 * secrets. Recurses into DIR. */
static struct lpd_error *
maint_modes(struct repo_verify_report *rep, const char *dir, int depth)
{
	struct lpd_error *err = NULL;
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (depth > 8 || (d = opendir(dir)) == NULL)
		return NULL;
	while (err == NULL && (de = readdir(d)) != NULL) {
		char *p;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		p = lpd_asprintf("%s/%s", dir, de->d_name);
		if (p == NULL) {
			err = &lpd_enomem;
			break;
		}
		if (lstat(p, &st) == 0 && !S_ISLNK(st.st_mode)) {
			if (st.st_mode & 077)
				err = maint_problem(rep, "%s: mode %04o lets "
						    "others read it", p,
						    (unsigned)(st.st_mode &
							       07777));
			if (err == NULL && S_ISDIR(st.st_mode))
				err = maint_modes(rep, p, depth + 1);
		}
		lpd_free(p);
	}
	closedir(d);
	return err;
}

/* Call FN on every blob file under objects/. */
static struct lpd_error *
maint_walk_blobs(struct repo *r, struct lpd_error *(*fn)(void *arg,
		 const char *path, const char *hash), void *arg)
{
	struct lpd_error *err = NULL;
	char *top = lpd_asprintf("%s/objects", r->dir);
	struct dirent *de, *fe;
	DIR *d, *f;

	if (top == NULL)
		return &lpd_enomem;
	d = opendir(top);
	while (d != NULL && err == NULL && (de = readdir(d)) != NULL) {
		char *sub;

		if (de->d_name[0] == '.')
			continue;
		sub = lpd_asprintf("%s/%s", top, de->d_name);
		if (sub == NULL) {
			err = &lpd_enomem;
			break;
		}
		f = opendir(sub);
		while (f != NULL && err == NULL && (fe = readdir(f)) != NULL) {
			char *p;

			if (fe->d_name[0] == '.')
				continue;
			p = lpd_asprintf("%s/%s", sub, fe->d_name);
			err = p != NULL ? fn(arg, p, fe->d_name) : &lpd_enomem;
			lpd_free(p);
		}
		if (f != NULL)
			closedir(f);
		lpd_free(sub);
	}
	if (d != NULL)
		closedir(d);
	lpd_free(top);
	return err;
}

struct maint_count {
	struct hash_set *refs;
	size_t n, unref;
	uint64_t bytes;
	bool remove;
};

static struct lpd_error *
maint_count_blob(void *arg, const char *path, const char *hash)
{
	struct maint_count *c = arg;
	struct stat st;

	c->n++;
	if (hash_set_has(c->refs, hash))
		return NULL;
	c->unref++;
	if (c->remove && lstat(path, &st) == 0 && unlink(path) == 0)
		c->bytes += (uint64_t)st.st_size;
	return NULL;
}

static const char MAINT_REFS[] =
	"SELECT hash FROM dumps UNION SELECT blob FROM image_objects";

struct lpd_error *
repo_verify(struct repo *r, struct repo_verify_report *ret)
{
	struct repo_verify_report rep;
	struct hash_set refs = { NULL, 0, 0 };
	struct maint_count count = { .refs = &refs };
	struct lpd_error *err;
	sqlite3_stmt *st = NULL;
	char what[512];
	int rc;

	memset(&rep, 0, sizeof(rep));
	err = index_prepare(r, "PRAGMA quick_check", &st);
	while (err == NULL && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0);

		if (s != NULL && strcmp(s, "ok") != 0)
			err = maint_problem(&rep, "index: %s", s);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (err == NULL)
		err = index_prepare(r, "SELECT hash FROM dumps ORDER BY hash",
				    &st);
	while (err == NULL && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 0);

		rep.dumps++;
		if (h == NULL || !store_is_hash(h)) {
			err = maint_problem(&rep, "index: bad dump hash '%s'",
					    h ? h : "");
			continue;
		}
		snprintf(what, sizeof(what), "dump %.*s", REPO_ID_LEN, h);
		err = maint_check(r, &rep, h, what);
	}
	sqlite3_finalize(st);
	st = NULL;
	/* Each image object's blob once, named with a dump that uses it. */
	if (err == NULL)
		err = index_prepare(r, "SELECT o.blob, min(o.path),"
				    " (SELECT min(d.hash) FROM dumps d WHERE"
				    " d.image = min(o.image)), count(*)"
				    " FROM image_objects o GROUP BY o.blob", &st);
	while (err == NULL && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 0);
		const char *p = (const char *)sqlite3_column_text(st, 1);
		const char *d = (const char *)sqlite3_column_text(st, 2);

		rep.objects += (size_t)sqlite3_column_int64(st, 3);
		if (h == NULL || !store_is_hash(h)) {
			err = maint_problem(&rep, "index: bad blob hash '%s'",
					    h ? h : "");
			continue;
		}
		snprintf(what, sizeof(what), "%s%.*s%simage object %s",
			 d != NULL ? "dump " : "", d != NULL ? REPO_ID_LEN : 0,
			 d != NULL ? d : "", d != NULL ? ": " : "",
			 p != NULL ? p : "?");
		err = maint_check(r, &rep, h, what);
	}
	sqlite3_finalize(st);
	if (err == NULL)
		err = maint_hashes(r, MAINT_REFS, &refs);
	if (err == NULL)
		err = maint_walk_blobs(r, maint_count_blob, &count);
	if (err == NULL)
		err = maint_modes(&rep, r->dir, 0);
	lpd_free(refs.v);
	if (err != NULL) {
		repo_verify_report_deinit(&rep);
		return err;
	}
	rep.blobs = count.n;
	rep.unreferenced = count.unref;
	*ret = rep;
	return NULL;
}

/* rm -r DIR's contents (not following symlinks); counts files. */
static void
maint_rmtree(const char *dir, size_t *files, int depth)
{
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (depth > 64 || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char *p;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		p = lpd_asprintf("%s/%s", dir, de->d_name);
		if (p == NULL)
			continue;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			maint_rmtree(p, files, depth + 1);
			rmdir(p);
		} else if (unlink(p) == 0 && files != NULL) {
			(*files)++;
		}
		lpd_free(p);
	}
	closedir(d);
}

struct lpd_error *
repo_gc(struct repo *r, struct repo_gc_report *ret)
{
	struct repo_gc_report rep = { 0, 0, 0, 0 };
	struct hash_set refs = { NULL, 0, 0 };
	struct maint_count count = { .refs = &refs, .remove = true };
	struct lpd_error *err;
	char *dir;
	int lock;

	/* Exclusive: no import is between storing a blob and naming it. */
	err = store_lock(r, true, &lock);
	if (err != NULL)
		return err;
	err = index_begin(r);
	if (err == NULL)
		err = index_exec(r, "DELETE FROM images WHERE id NOT IN"
				 " (SELECT image FROM dumps WHERE image IS NOT"
				 " NULL) AND id NOT IN (SELECT image FROM lpars"
				 " WHERE image IS NOT NULL)");
	if (err == NULL) {
		rep.images_removed = (size_t)sqlite3_changes(r->db);
		err = index_commit(r);
	} else {
		index_rollback(r);
	}
	if (err == NULL)
		err = maint_hashes(r, MAINT_REFS, &refs);
	if (err == NULL)
		err = maint_walk_blobs(r, maint_count_blob, &count);
	if (err == NULL) {
		dir = lpd_asprintf("%s/tmp", r->dir);
		if (dir != NULL)
			maint_rmtree(dir, &rep.tmp_removed, 0);
		lpd_free(dir);
		dir = lpd_asprintf("%s/cache", r->dir);
		if (dir != NULL)
			maint_rmtree(dir, NULL, 0);
		lpd_free(dir);
		sqlite3_exec(r->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL,
			     NULL, NULL);
	}
	close(lock);
	lpd_free(refs.v);
	if (err != NULL)
		return err;
	rep.blobs_removed = count.unref;
	rep.bytes_freed = count.bytes;
	*ret = rep;
	return NULL;
}
