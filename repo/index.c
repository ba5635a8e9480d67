/* repo/index.c - the SQLite index (WAL, synchronous=FULL): opening the
 * repository, the versioned schema and its migrations, and the queries on
 * dumps, labels, image objects and cached analyses. Blobs are store.c's. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "repo/repo-int.h"

/* Each migration moves the schema from version N-1 to N, in one
 * transaction; the migrations table records which ran. Append only. */
static const struct {
	int version;
	const char *description;
	const char *sql;
} index_migrations[] = {
	{ 1, "nodes, lpars, images, image objects, dumps, labels, analyses",
	  "CREATE TABLE nodes ("
	  " id INTEGER PRIMARY KEY,"
	  " name TEXT NOT NULL UNIQUE);"
	  "CREATE TABLE images ("
	  " id INTEGER PRIMARY KEY,"
	  " name TEXT NOT NULL,"
	  " version TEXT NOT NULL DEFAULT '',"
	  " UNIQUE (name, version));"
	  "CREATE TABLE image_objects ("
	  " image INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	  " path TEXT NOT NULL,"
	  " build_id TEXT NOT NULL DEFAULT '',"
	  " kind TEXT NOT NULL CHECK (kind IN ('exec', 'debug')),"
	  " blob TEXT NOT NULL,"
	  " size INTEGER NOT NULL,"
	  " source TEXT,"
	  " PRIMARY KEY (image, path, build_id, kind));"
	  "CREATE INDEX image_objects_build_id ON image_objects(build_id, kind);"
	  "CREATE INDEX image_objects_blob ON image_objects(blob);"
	  "CREATE TABLE lpars ("
	  " id INTEGER PRIMARY KEY,"
	  " name TEXT NOT NULL,"
	  " node INTEGER REFERENCES nodes(id),"
	  " image INTEGER REFERENCES images(id) ON DELETE SET NULL,"
	  " UNIQUE (name, node));"
	  "CREATE TABLE dumps ("
	  " id INTEGER PRIMARY KEY,"
	  " hash TEXT NOT NULL UNIQUE,"
	  " lpar INTEGER REFERENCES lpars(id),"
	  " node INTEGER REFERENCES nodes(id),"
	  " image INTEGER REFERENCES images(id),"
	  " time_taken INTEGER NOT NULL,"
	  " time_imported INTEGER NOT NULL,"
	  " executable TEXT,"
	  " pid INTEGER NOT NULL DEFAULT 0,"
	  " signal INTEGER NOT NULL DEFAULT 0,"
	  " size INTEGER NOT NULL,"
	  " reason TEXT,"
	  " source TEXT);"
	  "CREATE INDEX dumps_time ON dumps(time_taken);"
	  "CREATE INDEX dumps_lpar ON dumps(lpar, time_taken);"
	  "CREATE INDEX dumps_node ON dumps(node, time_taken);"
	  "CREATE INDEX dumps_image ON dumps(image);"
	  "CREATE INDEX dumps_signal ON dumps(signal, time_taken);"
	  "CREATE INDEX dumps_exe ON dumps(executable);"
	  "CREATE TABLE dump_labels ("
	  " dump INTEGER NOT NULL REFERENCES dumps(id) ON DELETE CASCADE,"
	  " label TEXT NOT NULL,"
	  " PRIMARY KEY (dump, label));"
	  "CREATE INDEX dump_labels_label ON dump_labels(label);"
	  "CREATE TABLE analyses ("
	  " dump INTEGER NOT NULL REFERENCES dumps(id) ON DELETE CASCADE,"
	  " analyzer TEXT NOT NULL,"
	  " version TEXT NOT NULL,"
	  " facts TEXT NOT NULL,"
	  " created INTEGER NOT NULL,"
	  " PRIMARY KEY (dump, analyzer, version));" },
};

/* The one place SQLite errors become lpd errors. */
struct lpd_error *
index_error(struct repo *r, const char *what)
{
	int code = r->db != NULL ? sqlite3_errcode(r->db) : SQLITE_CANTOPEN;
	const char *msg = r->db != NULL ? sqlite3_errmsg(r->db)
					: "cannot open";

	if (code == SQLITE_NOMEM)
		return &lpd_enomem;
	return lpd_error_format(code == SQLITE_CORRUPT || code == SQLITE_NOTADB
				? LPD_ERR_BAD_INPUT : LPD_ERR_OS,
				"%s/index.sqlite: %s: %s", r->dir, what, msg);
}

struct lpd_error *
index_exec(struct repo *r, const char *sql)
{
	if (sqlite3_exec(r->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return index_error(r, "exec");
	return NULL;
}

struct lpd_error *
index_prepare(struct repo *r, const char *sql, sqlite3_stmt **ret)
{
	if (sqlite3_prepare_v2(r->db, sql, -1, ret, NULL) != SQLITE_OK)
		return index_error(r, "prepare");
	return NULL;
}

/* IMMEDIATE: take the write lock now, so two importers never deadlock
 * upgrading read locks; the busy timeout makes them queue. */
struct lpd_error *
index_begin(struct repo *r)
{
	return index_exec(r, "BEGIN IMMEDIATE");
}

struct lpd_error *
index_commit(struct repo *r)
{
	struct lpd_error *err = index_exec(r, "COMMIT");

	if (err != NULL)
		index_rollback(r);
	return err;
}

void
index_rollback(struct repo *r)
{
	if (!sqlite3_get_autocommit(r->db))
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
}

static struct lpd_error *
index_version(struct repo *r, int *ret)
{
	sqlite3_stmt *st;
	struct lpd_error *err;
	int rc;

	*ret = 0;
	rc = sqlite3_prepare_v2(r->db, "SELECT max(version) FROM migrations",
				-1, &st, NULL);
	if (rc != SQLITE_OK) {
		/* No migrations table: an empty (version 0) database. */
		if (strstr(sqlite3_errmsg(r->db), "no such table") != NULL)
			return NULL;
		return index_error(r, "schema version");
	}
	rc = sqlite3_step(st);
	err = rc == SQLITE_ROW ? NULL : index_error(r, "schema version");
	if (err == NULL)
		*ret = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return err;
}

static struct lpd_error *
index_migrate(struct repo *r)
{
	struct lpd_error *err;
	sqlite3_stmt *st = NULL;
	size_t i;
	int v;

	err = index_version(r, &v);
	if (err != NULL || v == REPO_SCHEMA_VERSION)
		goto check;
	err = index_begin(r);
	if (err != NULL)
		return err;
	err = index_exec(r, "CREATE TABLE IF NOT EXISTS migrations ("
			 " version INTEGER PRIMARY KEY,"
			 " description TEXT NOT NULL,"
			 " applied INTEGER NOT NULL)");
	if (err == NULL)
		err = index_version(r, &v);	/* another process may have */
	for (i = 0; err == NULL && i < sizeof(index_migrations) /
	     sizeof(index_migrations[0]); i++) {
		if (index_migrations[i].version <= v)
			continue;
		err = index_exec(r, index_migrations[i].sql);
		if (err == NULL)
			err = index_prepare(r, "INSERT INTO migrations "
					    "VALUES (?, ?, ?)", &st);
		if (err != NULL)
			break;
		sqlite3_bind_int(st, 1, index_migrations[i].version);
		sqlite3_bind_text(st, 2, index_migrations[i].description, -1,
				  SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (int64_t)time(NULL));
		if (sqlite3_step(st) != SQLITE_DONE)
			err = index_error(r, "record migration");
		sqlite3_finalize(st);
		st = NULL;
	}
	if (err != NULL) {
		index_rollback(r);
		return err;
	}
	err = index_commit(r);
	if (err == NULL)
		err = index_version(r, &v);
check:
	if (err == NULL && v > REPO_SCHEMA_VERSION)
		err = lpd_error_format(LPD_ERR_UNSUPPORTED, "%s: schema "
				       "version %d is newer than this "
				       "lpardbg's (%d)", r->dir, v,
				       REPO_SCHEMA_VERSION);
	return err;
}

struct lpd_error *
index_open(struct repo *r, bool create)
{
	struct lpd_error *err;
	char *path = lpd_asprintf("%s/index.sqlite", r->dir);
	int fd;

	if (path == NULL)
		return &lpd_enomem;
	if (create) {
		/* Made here with 0600 so SQLite, which gives its -wal and
		 * -shm files the database's mode, never makes them wider. */
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0) {
			err = lpd_error_os(errno, path);
			lpd_free(path);
			return err;
		}
		close(fd);
	} else if (access(path, F_OK) != 0) {
		err = lpd_error_format(LPD_ERR_NOT_FOUND, "%s: no repository "
				       "here (make one with 'lpardbg repo "
				       "init')", r->dir);
		lpd_free(path);
		return err;
	}
	if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		err = index_error(r, "open");
		lpd_free(path);
		return err;
	}
	lpd_free(path);
	sqlite3_busy_timeout(r->db, 120000);
	sqlite3_extended_result_codes(r->db, 0);
	err = index_exec(r, "PRAGMA foreign_keys = ON;"
			 "PRAGMA synchronous = FULL;");
	if (err == NULL && create)
		err = index_exec(r, "PRAGMA journal_mode = WAL");
	if (err == NULL)
		err = index_migrate(r);
	return err;
}

void
index_close(struct repo *r)
{
	if (r->db != NULL)
		sqlite3_close(r->db);
	r->db = NULL;
}

struct lpd_error *
index_named_id(struct repo *r, const char *table, const char *name,
	       const char *version, int64_t *ret)
{
	char sel[128], ins[128];
	struct lpd_error *err;
	sqlite3_stmt *st;
	int rc;

	*ret = 0;
	if (name == NULL)
		return NULL;
	snprintf(sel, sizeof(sel), "SELECT id FROM %s WHERE name = ?1%s",
		 table, version != NULL ? " AND version = ?2" : "");
	snprintf(ins, sizeof(ins), "INSERT INTO %s (name%s) VALUES (?1%s)",
		 table, version != NULL ? ", version" : "",
		 version != NULL ? ", ?2" : "");
	for (int pass = 0; pass < 2; pass++) {
		err = index_prepare(r, pass == 0 ? sel : ins, &st);
		if (err != NULL)
			return err;
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		if (version != NULL)
			sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (pass == 0 && rc == SQLITE_ROW)
			*ret = sqlite3_column_int64(st, 0);
		else if (pass == 1 && rc == SQLITE_DONE)
			*ret = sqlite3_last_insert_rowid(r->db);
		else if (rc != SQLITE_DONE)
			err = index_error(r, table);
		sqlite3_finalize(st);
		if (err != NULL || *ret != 0)
			return err;
	}
	return index_error(r, table);
}

/* ---- opening ------------------------------------------------------------ */

struct lpd_error *
repo_default_dir(char **ret)
{
	const char *e = getenv("LPARDBG_REPO");
	char *dir;

	if (e != NULL && e[0] != '\0')
		dir = lpd_strdup(e);
	else if ((e = getenv("XDG_DATA_HOME")) != NULL && e[0] == '/')
		dir = lpd_asprintf("%s/lpardbg/repo", e);
	else if ((e = getenv("HOME")) != NULL && e[0] != '\0')
		dir = lpd_asprintf("%s/.local/share/lpardbg/repo", e);
	else
		return lpd_error_format(LPD_ERR_INVALID_ARG, "no repository: "
					"give --repo DIR or set LPARDBG_REPO");
	if (dir == NULL)
		return &lpd_enomem;
	*ret = dir;
	return NULL;
}

static struct lpd_error *
repo_open_mode(const char *dir, bool create, struct repo **ret)
{
	static const char *const subdirs[] = { "objects", "tmp", "cache" };
	struct lpd_error *err = NULL;
	struct repo *r;
	size_t i;

	r = lpd_calloc(1, sizeof(*r));
	if (r == NULL)
		return &lpd_enomem;
	r->dir = lpd_strdup(dir);
	if (r->dir == NULL) {
		err = &lpd_enomem;
		goto fail;
	}
	while (strlen(r->dir) > 1 && r->dir[strlen(r->dir) - 1] == '/')
		r->dir[strlen(r->dir) - 1] = '\0';
	if (create) {
		err = store_mkdirs(r->dir);
		if (err == NULL && chmod(r->dir, 0700) != 0)
			err = lpd_error_os(errno, r->dir);
	}
	if (err == NULL) {
		/* Absolute, so links made in the cache work from anywhere. */
		char *abs = realpath(r->dir, NULL);

		if (abs == NULL) {
			err = errno == ENOENT
				? lpd_error_format(LPD_ERR_NOT_FOUND, "%s: no "
						   "repository here (make one"
						   " with 'lpardbg repo "
						   "init')", r->dir)
				: lpd_error_os(errno, r->dir);
		} else {
			lpd_free(r->dir);
			r->dir = lpd_strdup(abs);
			free(abs);
			if (r->dir == NULL)
				err = &lpd_enomem;
		}
	}
	for (i = 0; err == NULL && i < 3 && create; i++) {
		char *p = lpd_asprintf("%s/%s", r->dir, subdirs[i]);

		err = p != NULL ? store_mkdirs(p) : &lpd_enomem;
		lpd_free(p);
	}
	if (err == NULL)
		err = index_open(r, create);
	if (err != NULL)
		goto fail;
	*ret = r;
	return NULL;
fail:
	repo_destroy(r);
	return err;
}

struct lpd_error *
repo_init(const char *dir, struct repo **ret)
{
	return repo_open_mode(dir, true, ret);
}

struct lpd_error *
repo_open(const char *dir, struct repo **ret)
{
	return repo_open_mode(dir, false, ret);
}

void
repo_destroy(struct repo *r)
{
	if (r == NULL)
		return;
	index_close(r);
	lpd_free(r->dir);
	lpd_free(r);
}

const char *
repo_dir(const struct repo *r)
{
	return r->dir;
}

/* ---- dump listings ------------------------------------------------------ */

struct repo_dump_list {
	struct repo_dump *dumps;
	size_t n, cap;
	char **strings;			/* everything the dumps point to */
	size_t n_strings, cap_strings;
};

static struct lpd_error *
list_keep(struct repo_dump_list *l, const unsigned char *s, const char **ret)
{
	struct lpd_error *err;
	char *copy;

	*ret = NULL;
	if (s == NULL)
		return NULL;
	err = lpd_vec_reserve((void **)&l->strings, &l->cap_strings,
			      l->n_strings + 1, sizeof(char *));
	if (err != NULL)
		return err;
	copy = lpd_strdup((const char *)s);
	if (copy == NULL)
		return &lpd_enomem;
	l->strings[l->n_strings++] = copy;
	*ret = copy;
	return NULL;
}

/* Labels arrive joined by newlines (group_concat). */
static struct lpd_error *
list_labels(struct repo_dump_list *l, struct repo_dump *d,
	    const unsigned char *joined)
{
	struct lpd_error *err;
	const char **v, *s;
	char *p;
	size_t n = 1;

	if (joined == NULL)
		return NULL;
	err = list_keep(l, joined, &s);
	if (err != NULL)
		return err;
	for (p = (char *)s; *p != '\0'; p++)
		n += *p == '\n';
	err = lpd_vec_reserve((void **)&l->strings, &l->cap_strings,
			      l->n_strings + 1, sizeof(char *));
	if (err != NULL)
		return err;
	v = lpd_calloc(n, sizeof(*v));
	if (v == NULL)
		return &lpd_enomem;
	l->strings[l->n_strings++] = (char *)v;
	n = 0;
	v[n++] = s;
	for (p = (char *)s; *p != '\0'; p++)
		if (*p == '\n') {
			*p = '\0';
			v[n++] = p + 1;
		}
	d->labels = v;
	d->n_labels = n;
	return NULL;
}

static const char LIST_SELECT[] =
	"SELECT d.hash, l.name, n.name, i.name, i.version, d.time_taken,"
	" d.time_imported, d.executable, d.pid, d.signal, d.size, d.reason,"
	" d.source, (SELECT group_concat(label, char(10)) FROM"
	" (SELECT label FROM dump_labels WHERE dump = d.id ORDER BY label))"
	" FROM dumps d LEFT JOIN lpars l ON l.id = d.lpar"
	" LEFT JOIN nodes n ON n.id = d.node"
	" LEFT JOIN images i ON i.id = d.image WHERE 1";

static struct lpd_error *
list_row(struct repo_dump_list *l, sqlite3_stmt *st)
{
	struct lpd_error *err;
	struct repo_dump *d;
	const char *hash;

	err = lpd_vec_reserve((void **)&l->dumps, &l->cap, l->n + 1,
			      sizeof(*d));
	if (err != NULL)
		return err;
	d = &l->dumps[l->n];
	memset(d, 0, sizeof(*d));
	hash = (const char *)sqlite3_column_text(st, 0);
	snprintf(d->hash, sizeof(d->hash), "%s", hash != NULL ? hash : "");
	err = list_keep(l, sqlite3_column_text(st, 1), &d->lpar);
	if (err == NULL)
		err = list_keep(l, sqlite3_column_text(st, 2), &d->node);
	if (err == NULL)
		err = list_keep(l, sqlite3_column_text(st, 3), &d->image);
	if (err == NULL)
		err = list_keep(l, sqlite3_column_text(st, 4),
				&d->image_version);
	d->time_taken = sqlite3_column_int64(st, 5);
	d->time_imported = sqlite3_column_int64(st, 6);
	if (err == NULL)
		err = list_keep(l, sqlite3_column_text(st, 7), &d->executable);
	d->pid = sqlite3_column_int(st, 8);
	d->signal = sqlite3_column_int(st, 9);
	d->size = (uint64_t)sqlite3_column_int64(st, 10);
	if (err == NULL)
		err = list_keep(l, sqlite3_column_text(st, 11), &d->reason);
	if (err == NULL)
		err = list_keep(l, sqlite3_column_text(st, 12), &d->source);
	if (err == NULL)
		err = list_labels(l, d, sqlite3_column_text(st, 13));
	if (err == NULL)
		l->n++;
	return err;
}

struct lpd_error *
repo_list_dumps(struct repo *r, const struct repo_filter *f,
		struct repo_dump_list **ret)
{
	static const struct repo_filter none;
	struct lpd_buf sql = LPD_BUF_INIT;
	struct repo_dump_list *l;
	struct lpd_error *err;
	sqlite3_stmt *st = NULL;
	int rc;

	if (f == NULL)
		f = &none;
	l = lpd_calloc(1, sizeof(*l));
	if (l == NULL)
		return &lpd_enomem;
	err = lpd_buf_puts(&sql, LIST_SELECT);
	if (err == NULL && f->lpar != NULL)
		err = lpd_buf_puts(&sql, " AND l.name = :lpar");
	if (err == NULL && f->node != NULL)
		err = lpd_buf_puts(&sql, " AND n.name = :node");
	if (err == NULL && f->image != NULL)
		err = lpd_buf_puts(&sql, " AND (i.name = :image OR"
				   " i.name || ':' || i.version = :image)");
	if (err == NULL && f->exe != NULL)
		err = lpd_buf_puts(&sql, " AND (d.executable = :exe OR"
				   " (length(d.executable) > length(:exe) AND"
				   " substr(d.executable, -length(:exe) - 1)"
				   " = '/' || :exe))");
	if (err == NULL && f->signal != 0)
		err = lpd_buf_puts(&sql, " AND d.signal = :signal");
	if (err == NULL && f->has_since)
		err = lpd_buf_puts(&sql, " AND d.time_taken >= :since");
	if (err == NULL && f->has_until)
		err = lpd_buf_puts(&sql, " AND d.time_taken <= :until");
	if (err == NULL && f->label != NULL)
		err = lpd_buf_puts(&sql, " AND EXISTS (SELECT 1 FROM"
				   " dump_labels x WHERE x.dump = d.id AND"
				   " x.label = :label)");
	if (err == NULL)
		err = lpd_buf_puts(&sql, " ORDER BY d.time_taken DESC, d.hash"
				   " LIMIT :limit");
	if (err == NULL)
		err = index_prepare(r, sql.data, &st);
	if (err != NULL)
		goto out;
#define BIND_TEXT(k, v) sqlite3_bind_text(st, \
	sqlite3_bind_parameter_index(st, k), v, -1, SQLITE_STATIC)
	if (f->lpar != NULL)
		BIND_TEXT(":lpar", f->lpar);
	if (f->node != NULL)
		BIND_TEXT(":node", f->node);
	if (f->image != NULL)
		BIND_TEXT(":image", f->image);
	if (f->exe != NULL)
		BIND_TEXT(":exe", f->exe);
	if (f->label != NULL)
		BIND_TEXT(":label", f->label);
#undef BIND_TEXT
	if (f->signal != 0)
		sqlite3_bind_int(st, sqlite3_bind_parameter_index(st,
				 ":signal"), f->signal);
	if (f->has_since)
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st,
				   ":since"), f->since);
	if (f->has_until)
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st,
				   ":until"), f->until);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"),
			   f->limit > 0 ? (int64_t)f->limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && err == NULL)
		err = list_row(l, st);
	if (err == NULL && rc != SQLITE_DONE)
		err = index_error(r, "list dumps");
out:
	sqlite3_finalize(st);
	lpd_buf_deinit(&sql);
	if (err != NULL) {
		repo_dump_list_destroy(l);
		return err;
	}
	*ret = l;
	return NULL;
}

struct lpd_error *
repo_get_dump(struct repo *r, const char *hash, struct repo_dump_list **ret)
{
	struct lpd_error *err;
	struct repo_dump_list *l;
	char sql[sizeof(LIST_SELECT) + 32];
	sqlite3_stmt *st;
	int rc;

	snprintf(sql, sizeof(sql), "%s AND d.hash = ?", LIST_SELECT);
	err = index_prepare(r, sql, &st);
	if (err != NULL)
		return err;
	l = lpd_calloc(1, sizeof(*l));
	if (l == NULL) {
		sqlite3_finalize(st);
		return &lpd_enomem;
	}
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		err = list_row(l, st);
	else if (rc == SQLITE_DONE)
		err = lpd_error_format(LPD_ERR_NOT_FOUND, "no dump %.*s in %s",
				       REPO_ID_LEN, hash, r->dir);
	else
		err = index_error(r, "get dump");
	sqlite3_finalize(st);
	if (err != NULL) {
		repo_dump_list_destroy(l);
		return err;
	}
	*ret = l;
	return NULL;
}

size_t
repo_dump_list_count(const struct repo_dump_list *l)
{
	return l->n;
}

const struct repo_dump *
repo_dump_list_at(const struct repo_dump_list *l, size_t i)
{
	return i < l->n ? &l->dumps[i] : NULL;
}

void
repo_dump_list_destroy(struct repo_dump_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n_strings; i++)
		lpd_free(l->strings[i]);
	lpd_free(l->strings);
	lpd_free(l->dumps);
	lpd_free(l);
}

struct lpd_error *
repo_find_dump(struct repo *r, const char *prefix,
	       char ret[REPO_HASH_LEN + 1])
{
	char lo[REPO_HASH_LEN + 1], hi[REPO_HASH_LEN + 1];
	struct lpd_error *err;
	sqlite3_stmt *st;
	size_t i, n = strlen(prefix), found = 0;
	int rc;

	if (n < 4 || n > REPO_HASH_LEN)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "'%s' is not a "
					"dump id (4 to 64 hex digits)",
					prefix);
	for (i = 0; i < n; i++) {
		char c = prefix[i];

		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return lpd_error_format(LPD_ERR_INVALID_ARG, "'%s' is "
						"not a dump id (4 to 64 hex "
						"digits)", prefix);
		lo[i] = hi[i] = c;
	}
	/* A range on the unique index: [prefix000..., prefixfff...]. */
	memset(lo + n, '0', REPO_HASH_LEN - n);
	memset(hi + n, 'f', REPO_HASH_LEN - n);
	lo[REPO_HASH_LEN] = hi[REPO_HASH_LEN] = '\0';
	err = index_prepare(r, "SELECT hash FROM dumps WHERE hash BETWEEN ?"
			    " AND ? LIMIT 2", &st);
	if (err != NULL)
		return err;
	sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (found++ == 0)
			snprintf(ret, REPO_HASH_LEN + 1, "%s",
				 (const char *)sqlite3_column_text(st, 0));
	}
	if (rc != SQLITE_DONE)
		err = index_error(r, "find dump");
	else if (found == 0)
		err = lpd_error_format(LPD_ERR_NOT_FOUND, "no dump %s in %s",
				       prefix, r->dir);
	else if (found > 1)
		err = lpd_error_format(LPD_ERR_INVALID_ARG, "dump id %s is "
				       "ambiguous: give more digits", prefix);
	sqlite3_finalize(st);
	return err;
}

/* Run SQL with HASH as ?1 (and TEXT as ?2); *changes gets the rows hit. */
static struct lpd_error *
index_hash_stmt(struct repo *r, const char *sql, const char *hash,
		const char *text, int *changes)
{
	struct lpd_error *err;
	sqlite3_stmt *st;

	err = index_prepare(r, sql, &st);
	if (err != NULL)
		return err;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	if (text != NULL)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		err = index_error(r, "update");
	else if (changes != NULL)
		*changes = sqlite3_changes(r->db);
	sqlite3_finalize(st);
	return err;
}

struct lpd_error *
repo_remove_dump(struct repo *r, const char *hash)
{
	struct lpd_error *err;
	int n = 0;

	err = index_hash_stmt(r, "DELETE FROM dumps WHERE hash = ?1", hash,
			      NULL, &n);
	if (err == NULL && n == 0)
		err = lpd_error_format(LPD_ERR_NOT_FOUND, "no dump %.*s",
				       REPO_ID_LEN, hash);
	return err;
}

struct lpd_error *
repo_label_dump(struct repo *r, const char *hash, const char *const *add,
		size_t n_add, const char *const *del, size_t n_del)
{
	struct lpd_error *err;
	size_t i;
	int n = 0;

	err = index_begin(r);
	if (err != NULL)
		return err;
	/* A no-op update tells whether the dump is there. */
	err = index_hash_stmt(r, "UPDATE dumps SET hash = hash WHERE hash = ?1",
			      hash, NULL, &n);
	if (err == NULL && n == 0)
		err = lpd_error_format(LPD_ERR_NOT_FOUND, "no dump %.*s",
				       REPO_ID_LEN, hash);
	for (i = 0; err == NULL && i < n_add; i++)
		err = index_hash_stmt(r, "INSERT OR IGNORE INTO dump_labels"
				      " SELECT id, ?2 FROM dumps WHERE hash ="
				      " ?1", hash, add[i], &n);
	for (i = 0; err == NULL && i < n_del; i++)
		err = index_hash_stmt(r, "DELETE FROM dump_labels WHERE label"
				      " = ?2 AND dump = (SELECT id FROM dumps"
				      " WHERE hash = ?1)", hash, del[i], &n);
	if (err != NULL) {
		index_rollback(r);
		return err;
	}
	return index_commit(r);
}

/* ---- image objects -------------------------------------------------------- */

void
repo_objects_free(struct repo_object *o, size_t n)
{
	size_t i;

	for (i = 0; o != NULL && i < n; i++) {
		lpd_free((char *)o[i].path);
		lpd_free((char *)o[i].build_id);
		lpd_free((char *)o[i].source);
	}
	lpd_free(o);
}

struct lpd_error *
repo_dump_objects(struct repo *r, const char *hash, struct repo_object **ret,
		  size_t *n_ret)
{
	struct repo_object *v = NULL, *o;
	struct lpd_error *err;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	err = index_prepare(r, "SELECT o.kind, o.path, o.build_id, o.blob,"
			    " o.size, o.source FROM image_objects o JOIN dumps"
			    " d ON d.image = o.image WHERE d.hash = ?"
			    " ORDER BY o.path, o.kind", &st);
	if (err != NULL)
		return err;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		const char *bid = (const char *)sqlite3_column_text(st, 2);
		const char *blob = (const char *)sqlite3_column_text(st, 3);
		const char *src = (const char *)sqlite3_column_text(st, 5);

		err = lpd_vec_reserve((void **)&v, &cap, n + 1, sizeof(*v));
		if (err != NULL)
			break;
		o = &v[n++];
		memset(o, 0, sizeof(*o));
		o->kind = kind != NULL && strcmp(kind, "debug") == 0
			? REPO_OBJECT_DEBUG : REPO_OBJECT_EXEC;
		o->path = lpd_strdup((const char *)sqlite3_column_text(st, 1));
		o->build_id = bid != NULL && bid[0] != '\0'
			? lpd_strdup(bid) : NULL;
		snprintf(o->blob, sizeof(o->blob), "%s", blob ? blob : "");
		o->size = (uint64_t)sqlite3_column_int64(st, 4);
		o->source = src != NULL ? lpd_strdup(src) : NULL;
		if (o->path == NULL) {
			err = &lpd_enomem;
			break;
		}
	}
	if (err == NULL && rc != SQLITE_DONE)
		err = index_error(r, "image objects");
	sqlite3_finalize(st);
	if (err != NULL) {
		repo_objects_free(v, n);
		return err;
	}
	*ret = v;
	*n_ret = n;
	return NULL;
}

/* ---- analyses ---------------------------------------------------------------- */

struct lpd_error *
repo_analysis_put(struct repo *r, const char *hash, const char *analyzer,
		  const char *version, const char *facts)
{
	struct lpd_error *err;
	sqlite3_stmt *st;

	err = index_prepare(r, "INSERT OR REPLACE INTO analyses SELECT id, ?2,"
			    " ?3, ?4, ?5 FROM dumps WHERE hash = ?1", &st);
	if (err != NULL)
		return err;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, analyzer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, facts, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (int64_t)time(NULL));
	if (sqlite3_step(st) != SQLITE_DONE)
		err = index_error(r, "store analysis");
	else if (sqlite3_changes(r->db) == 0)
		err = lpd_error_format(LPD_ERR_NOT_FOUND, "no dump %.*s",
				       REPO_ID_LEN, hash);
	sqlite3_finalize(st);
	return err;
}

struct lpd_error *
repo_analysis_get(struct repo *r, const char *hash, const char *analyzer,
		  const char *version, char **ret)
{
	struct lpd_error *err;
	sqlite3_stmt *st;
	int rc;

	err = index_prepare(r, "SELECT a.facts FROM analyses a JOIN dumps d ON"
			    " d.id = a.dump WHERE d.hash = ?1 AND a.analyzer ="
			    " ?2 AND a.version = ?3", &st);
	if (err != NULL)
		return err;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, analyzer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, version, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		char *s = lpd_strdup((const char *)sqlite3_column_text(st, 0));

		if (s == NULL)
			err = &lpd_enomem;
		else
			*ret = s;
	} else if (rc == SQLITE_DONE) {
		err = &lpd_not_found;
	} else {
		err = index_error(r, "read analysis");
	}
	sqlite3_finalize(st);
	return err;
}

/* ---- times ------------------------------------------------------------------- */

struct lpd_error *
repo_parse_time(const char *s, int64_t now, int64_t *ret)
{
	struct tm tm;
	char *end;
	long long v;

	memset(&tm, 0, sizeof(tm));
	if (s[0] == '@') {
		errno = 0;
		v = strtoll(s + 1, &end, 10);
		if (errno == 0 && end != s + 1 && *end == '\0') {
			*ret = v;
			return NULL;
		}
	} else if (s[0] >= '0' && s[0] <= '9') {
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno == 0 && end[0] != '\0' && end[1] == '\0' &&
		    strchr("smhd", end[0]) != NULL && v >= 0 &&
		    v < (1LL << 40)) {
			static const int64_t unit[] = { 1, 60, 3600, 86400 };

			*ret = now - v * unit[strchr("smhd", end[0]) - "smhd"];
			return NULL;
		}
		end = strptime(s, "%Y-%m-%d", &tm);
		if (end != NULL && (*end == 'T' || *end == ' '))
			end = strptime(end + 1, "%H:%M", &tm);
		if (end != NULL && *end == ':')
			end = strptime(end + 1, "%S", &tm);
		if (end != NULL && *end == 'Z')
			end++;
		if (end != NULL && *end == '\0') {
			*ret = (int64_t)timegm(&tm);
			return NULL;
		}
	}
	return lpd_error_format(LPD_ERR_INVALID_ARG, "bad time '%s' (use "
				"YYYY-MM-DD[THH:MM[:SS]], @SECONDS or N[smhd] "
				"ago)", s);
}

void
repo_format_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "@%" PRId64, t);
}
