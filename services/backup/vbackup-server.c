/* services/backup/vbackup-server.c - the backup server: receives block
 * streams from VIOS backup proxies over TCP and keeps snapshots in a
 * store directory:
 *   packs/<n>.pack         chunks appended: zstd, CRC-32, SHA-256 named
 *   packs/<n>.idx          per chunk: sha256, u64 offset, u32 length
 *   snapshots/<id>.snap    the manifest: one hash per disk block
 *   staging/<id>.begin     the BEGIN of a snapshot still arriving
 *   staging/<id>.part      its acknowledged blocks (u64 index, hash)
 * A block is acknowledged only after its chunk, its .idx entry and its
 * .part entry are written, so a resumed transfer restarts at the .part's
 * entry count. Packs, not a file per chunk: creating a small file costs
 * ~0.5 ms on ext4 here, which alone held a backup to ~120 MB/s. The
 * index is rebuilt from the .idx files (checked against the pack sizes)
 * when a connection begins, so an offline prune never leaves it stale.
 *   vbackup-server serve --store DIR --port N [--max-bytes N]
 *   vbackup-server list|verify --store DIR
 *   vbackup-server prune --store DIR --keep N */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "services/backup/backup.h"

#define ENTRY 40	/* u64 index + hash in a .part file */

struct server {
	const char *store;
	uint64_t max_bytes;	/* 0: no limit (the out-of-disk switch) */
	uint64_t used;
	int lock_fd;
	/* The snapshot this connection is sending. */
	bool staging;
	uint64_t id;
	struct bk_begin begin;
	int part_fd;
	uint64_t count;
	uint64_t last_index;
	uint8_t *chunk;		/* BK_MAX_BLOCK scratch */
	uint8_t *rec;		/* one stored record, scratch */
	/* The chunk index: locations, and a hash table over them. */
	struct loc *locs;
	size_t nlocs, caplocs;
	uint32_t *tab;		/* index + 1; 0 empty */
	size_t tabsz;
	uint32_t next_pack;
	int pack_fd, idx_fd;	/* the pack being appended, or -1 */
	uint32_t cur_pack;
	uint64_t pack_size;
	int rd_fd;		/* a pack open for reading, or -1 */
	uint32_t rd_pack;
};

struct loc {
	uint8_t h[BK_HASH];
	uint32_t pack;
	uint32_t len;
	uint64_t off;
};

#define IDX_ENTRY 44
#define PACK_MAX (64u << 20)
#define REC_MAX (BK_CHUNK_HDR + ZSTD_COMPRESSBOUND(BK_MAX_BLOCK))

static struct lpd_error *ix_load(struct server *s);
static int err_code(const struct lpd_error *err);

static char *
spath(const struct server *s, const char *fmt, ...) LPD_PRINTF(2, 3);
static char *
spath(const struct server *s, const char *fmt, ...)
{
	struct lpd_buf b = LPD_BUF_INIT;
	va_list ap;

	if (lpd_buf_printf(&b, "%s/", s->store) != NULL)
		return NULL;
	va_start(ap, fmt);
	if (lpd_buf_vprintf(&b, fmt, ap) != NULL) {
		va_end(ap);
		lpd_buf_deinit(&b);
		return NULL;
	}
	va_end(ap);
	return lpd_buf_steal(&b);
}

/* Read all of PATH, refusing files over MAX bytes (they are hostile). */
static struct lpd_error *
slurp(const char *path, size_t max, uint8_t **ret, size_t *ret_len)
{
	struct stat st;
	uint8_t *p;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return lpd_error_os(errno, path);
	if (fstat(fd, &st) < 0 || st.st_size < 0 || (uint64_t)st.st_size > max) {
		close(fd);
		return lpd_error_input(path, 0, "size %lld out of range",
				       (long long)st.st_size);
	}
	p = lpd_malloc((size_t)st.st_size + 1);
	if (p == NULL) {
		close(fd);
		return &lpd_enomem;
	}
	while (got < (size_t)st.st_size) {
		ssize_t k = read(fd, p + got, (size_t)st.st_size - got);

		if (k <= 0) {
			int e = k < 0 ? errno : EIO;

			close(fd);
			lpd_free(p);
			return lpd_error_os(e, path);
		}
		got += (size_t)k;
	}
	close(fd);
	*ret = p;
	*ret_len = got;
	return NULL;
}

/* Write P to PATH via a temporary and a rename, so a reader (or a crash)
 * never sees half a file. ENOSPC is returned as such for the caller. */
static struct lpd_error *
write_atomic(const char *path, const void *p, size_t n)
{
	char *tmp = lpd_asprintf("%s.tmp", path);
	const uint8_t *q = p;
	int fd;

	if (tmp == NULL)
		return &lpd_enomem;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	while (n > 0) {
		ssize_t k = write(fd, q, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			goto fail;
		q += k;
		n -= (size_t)k;
	}
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		fd = -1;
		goto fail;
	}
	lpd_free(tmp);
	return NULL;
fail:;
	int e = errno;

	if (fd >= 0)
		close(fd);
	unlink(tmp);
	lpd_free(tmp);
	return lpd_error_os(e, path);
}

static uint64_t
du(const char *dir)
{
	uint64_t total = 0;
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		char *p;

		if (e->d_name[0] == '.')
			continue;
		p = lpd_asprintf("%s/%s", dir, e->d_name);
		if (p == NULL)
			break;
		if (lstat(p, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				total += du(p);
			else
				total += (uint64_t)st.st_size;
		}
		lpd_free(p);
	}
	closedir(d);
	return total;
}

static struct lpd_error *
store_open(struct server *s)
{
	static const char *const sub[] = { "", "packs", "snapshots",
					   "staging" };
	char *p;

	for (size_t i = 0; i < 4; i++) {
		p = spath(s, "%s", sub[i]);
		if (p == NULL)
			return &lpd_enomem;
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			struct lpd_error *err = lpd_error_os(errno, p);

			lpd_free(p);
			return err;
		}
		lpd_free(p);
	}
	p = spath(s, "lock");
	if (p == NULL)
		return &lpd_enomem;
	s->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	lpd_free(p);
	if (s->lock_fd < 0)
		return lpd_error_os(errno, s->store);
	s->chunk = lpd_malloc(BK_MAX_BLOCK);
	s->rec = lpd_malloc(REC_MAX);
	if (s->chunk == NULL || s->rec == NULL)
		return &lpd_enomem;
	s->part_fd = s->pack_fd = s->idx_fd = s->rd_fd = -1;
	return ix_load(s);
}

/* Snapshot ids, ascending, from snapshots/ (and staging/ with STAGING). */
static struct lpd_error *
list_ids(struct server *s, const char *sub, uint64_t **ret, size_t *n_ret)
{
	char *dir = spath(s, "%s", sub);
	uint64_t *ids = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	DIR *d;

	if (dir == NULL)
		return &lpd_enomem;
	d = opendir(dir);
	lpd_free(dir);
	if (d == NULL)
		return lpd_error_os(errno, sub);
	while ((e = readdir(d)) != NULL) {
		unsigned long long id;
		char tail[16];

		if (sscanf(e->d_name, "%llu.%15s", &id, tail) != 2 || id == 0)
			continue;
		if (strcmp(tail, "snap") != 0 && strcmp(tail, "begin") != 0)
			continue;
		if (lpd_vec_reserve((void **)&ids, &cap, n + 1,
				    sizeof(*ids)) != NULL) {
			closedir(d);
			lpd_free(ids);
			return &lpd_enomem;
		}
		ids[n++] = id;
	}
	closedir(d);
	for (size_t i = 1; i < n; i++)	/* few snapshots: insertion sort */
		for (size_t j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
			uint64_t t = ids[j];

			ids[j] = ids[j - 1];
			ids[j - 1] = t;
		}
	*ret = ids;
	*n_ret = n;
	return NULL;
}

static struct lpd_error *
snap_load(struct server *s, uint64_t id, struct bk_snap *ret)
{
	char *p = spath(s, "snapshots/%llu.snap", (unsigned long long)id);
	struct lpd_error *err;
	uint8_t *buf;
	size_t n;

	if (p == NULL)
		return &lpd_enomem;
	err = slurp(p, BK_SNAP_HDR + BK_MAX_BLOCKS * BK_HASH + BK_HASH,
		    &buf, &n);
	if (err == NULL) {
		err = bk_snap_decode(buf, n, p, ret);
		lpd_free(buf);
	}
	lpd_free(p);
	return err;
}

/* ---- the chunk index ---- */

static struct loc *
ix_find(struct server *s, const uint8_t h[BK_HASH])
{
	size_t mask = s->tabsz - 1, i;

	if (s->tabsz == 0)
		return NULL;
	for (i = lpd_load_u64(h, false) & mask; s->tab[i] != 0;
	     i = (i + 1) & mask)
		if (memcmp(s->locs[s->tab[i] - 1].h, h, BK_HASH) == 0)
			return &s->locs[s->tab[i] - 1];
	return NULL;
}

static struct lpd_error *
ix_add(struct server *s, const struct loc *l)
{
	if (ix_find(s, l->h) != NULL)
		return NULL;
	if ((s->nlocs + 1) * 2 > s->tabsz) {
		size_t sz = s->tabsz ? s->tabsz * 2 : 4096;
		uint32_t *t = lpd_calloc(sz, sizeof(*t));

		if (t == NULL)
			return &lpd_enomem;
		lpd_free(s->tab);
		s->tab = t;
		s->tabsz = sz;
		for (size_t k = 0; k < s->nlocs; k++) {
			size_t i = lpd_load_u64(s->locs[k].h, false) & (sz - 1);

			while (t[i] != 0)
				i = (i + 1) & (sz - 1);
			t[i] = (uint32_t)k + 1;
		}
	}
	if (s->nlocs >= UINT32_MAX - 1 ||
	    lpd_vec_reserve((void **)&s->locs, &s->caplocs, s->nlocs + 1,
			    sizeof(*s->locs)) != NULL)
		return &lpd_enomem;
	s->locs[s->nlocs++] = *l;
	size_t i = lpd_load_u64(l->h, false) & (s->tabsz - 1);

	while (s->tab[i] != 0)
		i = (i + 1) & (s->tabsz - 1);
	s->tab[i] = (uint32_t)s->nlocs;
	return NULL;
}

/* Rebuild the index from packs/N.idx; entries pointing past the end of
 * their pack (a crash between the two writes) are dropped. */
static struct lpd_error *
ix_load(struct server *s)
{
	char *dir = spath(s, "packs");
	struct lpd_error *err = NULL;
	struct dirent *e;
	DIR *d;

	if (dir == NULL)
		return &lpd_enomem;
	d = opendir(dir);
	lpd_free(dir);
	if (d == NULL)
		return lpd_error_os(errno, "packs");
	s->nlocs = 0;
	if (s->tab != NULL)
		memset(s->tab, 0, s->tabsz * sizeof(*s->tab));
	s->next_pack = 1;
	while (err == NULL && (e = readdir(d)) != NULL) {
		unsigned long n;
		char tail[8], *ip, *pp;
		struct stat st;
		uint8_t *buf;
		size_t len;

		if (sscanf(e->d_name, "%lu.%7s", &n, tail) != 2 || n == 0 ||
		    n >= UINT32_MAX)
			continue;
		if (n >= s->next_pack)
			s->next_pack = (uint32_t)n + 1;
		if (strcmp(tail, "idx") != 0)
			continue;
		ip = spath(s, "packs/%lu.idx", n);
		pp = spath(s, "packs/%lu.pack", n);
		if (ip == NULL || pp == NULL) {
			lpd_free(ip);
			lpd_free(pp);
			err = &lpd_enomem;
			break;
		}
		if (stat(pp, &st) == 0 &&
		    slurp(ip, (size_t)1 << 30, &buf, &len) == NULL) {
			for (size_t k = 0; k + IDX_ENTRY <= len && err == NULL;
			     k += IDX_ENTRY) {
				struct loc l;

				memcpy(l.h, buf + k, BK_HASH);
				l.off = lpd_load_u64(buf + k + 32, true);
				l.len = lpd_load_u32(buf + k + 40, true);
				l.pack = (uint32_t)n;
				if (l.len <= BK_CHUNK_HDR || l.len > REC_MAX ||
				    l.off > (uint64_t)st.st_size ||
				    l.len > (uint64_t)st.st_size - l.off)
					continue;
				err = ix_add(s, &l);
			}
			lpd_free(buf);
		}
		lpd_free(ip);
		lpd_free(pp);
	}
	closedir(d);
	return err;
}

static void
pack_close(struct server *s)
{
	if (s->pack_fd >= 0) {
		fsync(s->pack_fd);
		fsync(s->idx_fd);
		close(s->pack_fd);
		close(s->idx_fd);
	}
	s->pack_fd = s->idx_fd = -1;
	if (s->rd_fd >= 0)
		close(s->rd_fd);
	s->rd_fd = -1;
}

static bool
write_all(int fd, const void *p, size_t n, uint64_t off)
{
	const uint8_t *q = p;

	while (n > 0) {
		ssize_t k = pwrite(fd, q, n, (off_t)off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = EIO;
			return false;
		}
		q += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return true;
}

/* Append record REC (a whole stored chunk named H) to the current pack
 * and its index. *nospc on ENOSPC or the quota; the pack is cut back. */
static struct lpd_error *
pack_append(struct server *s, const uint8_t *rec, size_t n,
	    const uint8_t h[BK_HASH], bool *nospc)
{
	uint8_t ent[IDX_ENTRY];
	struct stat st;
	struct loc l;

	*nospc = false;
	if (s->max_bytes != 0 && s->used + n + IDX_ENTRY > s->max_bytes) {
		*nospc = true;
		return NULL;
	}
	if (s->pack_fd >= 0 && s->pack_size >= PACK_MAX) {
		int r = s->rd_fd;

		s->rd_fd = -1;
		pack_close(s);
		s->rd_fd = r;
	}
	if (s->pack_fd < 0) {
		char *pp = spath(s, "packs/%u.pack", s->next_pack);
		char *ip = spath(s, "packs/%u.idx", s->next_pack);

		if (pp == NULL || ip == NULL) {
			lpd_free(pp);
			lpd_free(ip);
			return &lpd_enomem;
		}
		s->pack_fd = open(pp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
				  0644);
		s->idx_fd = s->pack_fd < 0 ? -1 :
			    open(ip, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
				 0644);
		lpd_free(pp);
		lpd_free(ip);
		if (s->pack_fd < 0 || s->idx_fd < 0) {
			struct lpd_error *err = lpd_error_os(errno, "new pack");

			if (s->pack_fd >= 0)
				close(s->pack_fd);
			s->pack_fd = s->idx_fd = -1;
			*nospc = err_code(err) == BK_E_NOSPACE;
			if (*nospc) {
				lpd_error_destroy(err);
				err = NULL;
			}
			return err;
		}
		s->cur_pack = s->next_pack++;
		s->pack_size = 0;
	}
	memcpy(l.h, h, BK_HASH);
	l.pack = s->cur_pack;
	l.off = s->pack_size;
	l.len = (uint32_t)n;
	memcpy(ent, h, BK_HASH);
	bk_put_u64(ent + 32, l.off);
	bk_put_u32(ent + 40, l.len);
	if (!write_all(s->pack_fd, rec, n, l.off) ||
	    fstat(s->idx_fd, &st) < 0 ||
	    !write_all(s->idx_fd, ent, IDX_ENTRY, (uint64_t)st.st_size)) {
		int e = errno;

		/* Cut back what was half written; the .idx never names it. */
		if (ftruncate(s->pack_fd, (off_t)l.off) < 0) {
			/* the entry check on load covers this */
		}
		if (e == ENOSPC || e == EDQUOT) {
			*nospc = true;
			return NULL;
		}
		return lpd_error_os(e, "pack");
	}
	s->pack_size += n;
	s->used += n + IDX_ENTRY;
	return ix_add(s, &l);
}

/* Read the stored record of L into s->rec. */
static struct lpd_error *
rec_read(struct server *s, const struct loc *l)
{
	if (s->rd_fd < 0 || s->rd_pack != l->pack) {
		char *pp = spath(s, "packs/%u.pack", l->pack);

		if (pp == NULL)
			return &lpd_enomem;
		if (s->rd_fd >= 0)
			close(s->rd_fd);
		s->rd_fd = open(pp, O_RDONLY | O_CLOEXEC);
		if (s->rd_fd < 0) {
			struct lpd_error *err = lpd_error_os(errno, pp);

			lpd_free(pp);
			return err;
		}
		lpd_free(pp);
		s->rd_pack = l->pack;
	}
	if (pread(s->rd_fd, s->rec, l->len, (off_t)l->off) != (ssize_t)l->len)
		return lpd_error_format(LPD_ERR_BAD_INPUT, "pack %u: cannot "
					"read %u bytes at %llu", l->pack,
					l->len, (unsigned long long)l->off);
	return NULL;
}

/* Load and check the chunk named H into s->chunk. */
static struct lpd_error *
chunk_load(struct server *s, const uint8_t h[BK_HASH], uint32_t *ret_len)
{
	const struct loc *l = ix_find(s, h);
	struct lpd_error *err;
	char where[64];

	if (l == NULL)
		return lpd_error_format(LPD_ERR_NOT_FOUND, "missing from the "
					"store");
	if ((err = rec_read(s, l)) != NULL)
		return err;
	snprintf(where, sizeof(where), "pack %u offset %llu", l->pack,
		 (unsigned long long)l->off);
	return bk_chunk_decode(s->rec, l->len, h, where, s->chunk, ret_len);
}

static void
staging_drop(struct server *s, uint64_t id)
{
	char *p;

	if (s->part_fd >= 0)
		close(s->part_fd);
	s->part_fd = -1;
	s->staging = false;
	if ((p = spath(s, "staging/%llu.part", (unsigned long long)id))) {
		unlink(p);
		lpd_free(p);
	}
	if ((p = spath(s, "staging/%llu.begin", (unsigned long long)id))) {
		unlink(p);
		lpd_free(p);
	}
}

static int
err_code(const struct lpd_error *err)
{
	return err->code == LPD_ERR_OS && (err->errnum == ENOSPC ||
					   err->errnum == EDQUOT) ?
		BK_E_NOSPACE : BK_E_GENERIC;
}

/* ---- BEGIN / BLOCK / COMMIT ---- */

static struct lpd_error *
open_part(struct server *s)
{
	char *p = spath(s, "staging/%llu.part", (unsigned long long)s->id);
	struct stat st;
	uint8_t e[ENTRY];

	if (p == NULL)
		return &lpd_enomem;
	s->part_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	lpd_free(p);
	if (s->part_fd < 0 || fstat(s->part_fd, &st) < 0)
		return lpd_error_os(errno, "staging part");
	/* A torn trailing entry (killed mid-write) was never acknowledged. */
	s->count = (uint64_t)st.st_size / ENTRY;
	if (ftruncate(s->part_fd, (off_t)(s->count * ENTRY)) < 0)
		return lpd_error_os(errno, "staging part");
	s->last_index = UINT64_MAX;
	if (s->count > s->begin.nsend)
		return lpd_error_input("staging part", 0, "more entries than "
				       "blocks");
	if (s->count > 0) {
		if (pread(s->part_fd, e, ENTRY,
			  (off_t)((s->count - 1) * ENTRY)) != ENTRY)
			return lpd_error_os(errno, "staging part");
		s->last_index = lpd_load_u64(e, true);
	}
	if (lseek(s->part_fd, 0, SEEK_END) < 0)
		return lpd_error_os(errno, "staging part");
	return NULL;
}

static struct lpd_error *
do_begin(struct server *s, int fd, const struct bk_frame *f)
{
	struct bk_begin b;
	struct lpd_error *err;
	uint8_t out[16];

	if ((err = bk_parse_begin(f, &b)) != NULL) {
		struct lpd_error *e2 = bk_send_err(fd, BK_E_BADMSG, "%s",
						   err->message);

		lpd_error_destroy(err);
		return e2;
	}
	if (s->part_fd >= 0)
		close(s->part_fd);
	s->part_fd = -1;
	s->staging = false;
	if (b.parent != 0) {
		struct bk_snap ps;

		if ((err = snap_load(s, b.parent, &ps)) != NULL) {
			struct lpd_error *e2 = bk_send_err(fd, BK_E_NOTFOUND,
				"parent snapshot %llu: %s",
				(unsigned long long)b.parent, err->message);

			lpd_error_destroy(err);
			return e2;
		}
		bool same = strcmp(ps.name, b.name) == 0 &&
			    ps.disk_size == b.disk_size &&
			    ps.block_size == b.block_size;
		bk_snap_deinit(&ps);
		if (!same)
			return bk_send_err(fd, BK_E_NOTFOUND, "parent snapshot "
					   "%llu is of another disk",
					   (unsigned long long)b.parent);
	}
	if (b.resume_id != 0) {
		char *p = spath(s, "staging/%llu.begin",
				(unsigned long long)b.resume_id);
		struct bk_frame sf;
		struct bk_begin sb;
		uint8_t *buf = NULL;
		size_t n = 0;

		if (p == NULL)
			return &lpd_enomem;
		err = slurp(p, 36 + BK_MAX_NAME, &buf, &n);
		lpd_free(p);
		if (err == NULL) {
			sf = (struct bk_frame){ BK_T_BEGIN, 0, (uint32_t)n, buf };
			err = bk_parse_begin(&sf, &sb);
			lpd_free(buf);
		}
		if (err != NULL) {
			struct lpd_error *e2 = bk_send_err(fd, BK_E_NOTFOUND,
				"cannot resume %llu: %s",
				(unsigned long long)b.resume_id, err->message);

			lpd_error_destroy(err);
			return e2;
		}
		if (sb.parent != b.parent || sb.disk_size != b.disk_size ||
		    sb.block_size != b.block_size || sb.nsend != b.nsend ||
		    strcmp(sb.name, b.name) != 0)
			return bk_send_err(fd, BK_E_NOTFOUND, "cannot resume "
					   "%llu: another backup",
					   (unsigned long long)b.resume_id);
		s->id = b.resume_id;
	} else {
		uint64_t *ids, *ids2;
		size_t n, n2;
		char *p;

		if ((err = list_ids(s, "snapshots", &ids, &n)) != NULL)
			return err;
		if ((err = list_ids(s, "staging", &ids2, &n2)) != NULL) {
			lpd_free(ids);
			return err;
		}
		s->id = 1;
		if (n > 0 && ids[n - 1] >= s->id)
			s->id = ids[n - 1] + 1;
		if (n2 > 0 && ids2[n2 - 1] >= s->id)
			s->id = ids2[n2 - 1] + 1;
		lpd_free(ids);
		lpd_free(ids2);
		p = spath(s, "staging/%llu.begin", (unsigned long long)s->id);
		if (p == NULL)
			return &lpd_enomem;
		err = write_atomic(p, f->payload, f->len);
		lpd_free(p);
		if (err != NULL) {
			struct lpd_error *e2 = bk_send_err(fd, (uint32_t)err_code(err),
							   "%s", err->message);

			lpd_error_destroy(err);
			return e2;
		}
	}
	s->begin = b;
	if ((err = open_part(s)) != NULL) {
		struct lpd_error *e2 = bk_send_err(fd, BK_E_GENERIC, "%s",
						   err->message);

		lpd_error_destroy(err);
		return e2;
	}
	s->staging = true;
	fprintf(stderr, "vbackup-server: snapshot %llu of %s: %s at %llu/%llu\n",
		(unsigned long long)s->id, b.name,
		b.resume_id ? "resumed" : "begun",
		(unsigned long long)s->count, (unsigned long long)b.nsend);
	bk_put_u64(out, s->id);
	bk_put_u64(out + 8, s->count);
	return bk_send(fd, BK_T_BEGIN_OK, out, 16, NULL, 0);
}

static struct lpd_error *
nospace(struct server *s, int fd, const char *what)
{
	uint64_t id = s->id;

	fprintf(stderr, "vbackup-server: out of disk storing %s: snapshot "
		"%llu abandoned\n", what, (unsigned long long)id);
	staging_drop(s, id);
	return bk_send_err(fd, BK_E_NOSPACE, "backup server out of disk "
			   "(%s); snapshot %llu abandoned", what,
			   (unsigned long long)id);
}

static struct lpd_error *
store_chunk(struct server *s, const uint8_t *data, uint32_t len,
	    const uint8_t h[BK_HASH], bool *nospc)
{
	struct lpd_error *err;
	uint8_t *enc;
	size_t n;

	*nospc = false;
	if (ix_find(s, h) != NULL)	/* deduplicated */
		return NULL;
	if ((err = bk_chunk_encode(data, len, h, &enc, &n)) != NULL)
		return err;
	err = pack_append(s, enc, n, h, nospc);
	lpd_free(enc);
	return err;
}

static struct lpd_error *
do_block(struct server *s, int fd, const struct bk_frame *f)
{
	struct bk_block b;
	struct lpd_error *err;
	uint8_t h[BK_HASH], e[ENTRY], out[8];
	const uint8_t *data;
	uint32_t want;
	bool nospc;

	if (!s->staging)
		return bk_send_err(fd, BK_E_SEQUENCE, "BLOCK before BEGIN");
	if ((err = bk_parse_block(f, &b)) != NULL) {
		struct lpd_error *e2 = bk_send_err(fd, BK_E_BADMSG, "%s",
						   err->message);

		lpd_error_destroy(err);
		return e2;
	}
	if (b.seq != s->count)
		return bk_send_err(fd, BK_E_SEQUENCE, "block sequence %llu, "
				   "expected %llu (resume gap)",
				   (unsigned long long)b.seq,
				   (unsigned long long)s->count);
	want = bk_block_len(s->begin.disk_size, s->begin.block_size, b.index);
	if (want == 0 || s->count >= s->begin.nsend ||
	    (s->last_index != UINT64_MAX && b.index <= s->last_index))
		return bk_send_err(fd, BK_E_BADMSG, "block %llu out of order "
				   "or range", (unsigned long long)b.index);
	if (b.zero) {
		memset(s->chunk, 0, want);
		data = s->chunk;
	} else {
		if (b.data_len != want)
			return bk_send_err(fd, BK_E_BADMSG, "block %llu has %u "
					   "bytes, want %u",
					   (unsigned long long)b.index,
					   b.data_len, want);
		data = b.data;
	}
	bk_sha256(data, want, h);
	if (memcmp(h, b.hash, BK_HASH) != 0)
		return bk_send_err(fd, BK_E_BADMSG, "block %llu: checksum "
				   "mismatch in transit",
				   (unsigned long long)b.index);
	if ((err = store_chunk(s, data, want, h, &nospc)) != NULL)
		return err;
	if (nospc)
		return nospace(s, fd, "a chunk");
	bk_put_u64(e, b.index);
	memcpy(e + 8, h, BK_HASH);
	if (write(s->part_fd, e, ENTRY) != ENTRY) {
		if (errno == ENOSPC)
			return nospace(s, fd, "the staging index");
		return lpd_error_os(errno, "staging part");
	}
	s->count++;
	s->last_index = b.index;
	bk_put_u64(out, s->count);
	return bk_send(fd, BK_T_ACK, out, 8, NULL, 0);
}

static struct lpd_error *
do_commit(struct server *s, int fd, const struct bk_frame *f)
{
	struct bk_snap snap;
	struct lpd_error *err;
	uint8_t *part = NULL, *enc = NULL;
	size_t plen = 0, elen = 0;
	char *p = NULL, *dir;
	uint64_t id;
	struct lpd_buf js = LPD_BUF_INIT;

	if ((err = bk_parse_u64(f, &id)) != NULL) {
		lpd_error_destroy(err);
		return bk_send_err(fd, BK_E_BADMSG, "bad COMMIT");
	}
	if (!s->staging || id != s->id || s->count != s->begin.nsend)
		return bk_send_err(fd, BK_E_SEQUENCE, "commit of %llu with "
				   "%llu/%llu blocks", (unsigned long long)id,
				   (unsigned long long)s->count,
				   (unsigned long long)s->begin.nsend);
	memset(&snap, 0, sizeof(snap));
	if (s->begin.parent != 0) {
		if ((err = snap_load(s, s->begin.parent, &snap)) != NULL)
			return err;
	} else {
		snap.nblocks = bk_nblocks(s->begin.disk_size,
					  s->begin.block_size);
		snap.hashes = lpd_calloc(snap.nblocks, BK_HASH);
		if (snap.hashes == NULL)
			return &lpd_enomem;
	}
	snap.id = id;
	snap.parent = s->begin.parent;
	snap.disk_size = s->begin.disk_size;
	snap.block_size = s->begin.block_size;
	snap.created = (uint64_t)time(NULL);
	memcpy(snap.name, s->begin.name, sizeof(snap.name));
	p = spath(s, "staging/%llu.part", (unsigned long long)id);
	if (p == NULL) {
		err = &lpd_enomem;
		goto out;
	}
	if ((err = slurp(p, s->count * ENTRY, &part, &plen)) != NULL)
		goto out;
	if (plen != s->count * ENTRY) {
		err = lpd_error_input(p, 0, "staged %zu bytes", plen);
		goto out;
	}
	for (size_t i = 0; i < s->count; i++) {
		uint64_t idx = lpd_load_u64(part + i * ENTRY, true);

		if (idx >= snap.nblocks) {
			err = lpd_error_input(p, i * ENTRY, "block %llu out of "
					      "range", (unsigned long long)idx);
			goto out;
		}
		memcpy(snap.hashes + idx * BK_HASH, part + i * ENTRY + 8,
		       BK_HASH);
	}
	if ((err = bk_snap_encode(&snap, &enc, &elen)) != NULL)
		goto out;
	lpd_free(p);
	p = spath(s, "snapshots/%llu.snap", (unsigned long long)id);
	if (p == NULL) {
		err = &lpd_enomem;
		goto out;
	}
	if (s->max_bytes != 0 && s->used + elen > s->max_bytes) {
		err = nospace(s, fd, "the manifest");
		goto out;
	}
	/* The chunks were written without fsync; make them durable before
	 * the manifest that names them appears. */
	if (s->pack_fd >= 0 && (fsync(s->pack_fd) < 0 || fsync(s->idx_fd) < 0)) {
		err = lpd_error_os(errno, "pack");
		goto out;
	}
	if ((err = write_atomic(p, enc, elen)) != NULL) {
		if (err_code(err) == BK_E_NOSPACE) {
			lpd_error_destroy(err);
			err = nospace(s, fd, "the manifest");
		}
		goto out;
	}
	s->used += elen;
	dir = spath(s, "snapshots");
	if (dir != NULL) {
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
		lpd_free(dir);
	}
	staging_drop(s, id);
	fprintf(stderr, "vbackup-server: snapshot %llu of %s committed\n",
		(unsigned long long)id, snap.name);
	lpd_buf_printf(&js, "{\"snapshot\":%llu,\"parent\":%llu,\"blocks\":%llu}",
		       (unsigned long long)id,
		       (unsigned long long)snap.parent,
		       (unsigned long long)snap.nblocks);
	err = bk_send(fd, BK_T_OK, js.data, js.len, NULL, 0);
	lpd_buf_deinit(&js);
out:
	bk_snap_deinit(&snap);
	lpd_free(part);
	lpd_free(enc);
	lpd_free(p);
	return err;
}

/* ---- LIST / RESTORE ---- */

static struct lpd_error *
listing(struct server *s, const char *disk, struct lpd_buf *out)
{
	struct lpd_error *err;
	uint64_t *ids;
	size_t n;

	if ((err = list_ids(s, "snapshots", &ids, &n)) != NULL)
		return err;
	for (size_t i = 0; i < n && err == NULL; i++) {
		struct bk_snap sn;

		if ((err = snap_load(s, ids[i], &sn)) != NULL) {
			lpd_buf_printf(out, "%llu BROKEN %s\n",
				       (unsigned long long)ids[i],
				       err->message);
			lpd_error_destroy(err);
			err = NULL;
			continue;
		}
		if (disk[0] == '\0' || strcmp(disk, sn.name) == 0)
			err = lpd_buf_printf(out, "%llu %s size=%llu parent=%llu "
					     "created=%llu\n",
					     (unsigned long long)sn.id, sn.name,
					     (unsigned long long)sn.disk_size,
					     (unsigned long long)sn.parent,
					     (unsigned long long)sn.created);
		bk_snap_deinit(&sn);
	}
	lpd_free(ids);
	return err;
}

static struct lpd_error *
do_list(struct server *s, int fd, const struct bk_frame *f)
{
	char disk[BK_MAX_NAME + 1] = "";
	struct lpd_buf out = LPD_BUF_INIT;
	struct lpd_error *err;

	if (f->len > 0 && (err = bk_parse_name(f, 0, disk)) != NULL) {
		lpd_error_destroy(err);
		return bk_send_err(fd, BK_E_BADMSG, "bad disk name");
	}
	if ((err = listing(s, disk, &out)) == NULL)
		err = bk_send(fd, BK_T_OK, out.data, out.len, NULL, 0);
	lpd_buf_deinit(&out);
	return err;
}

static struct lpd_error *
do_restore(struct server *s, int fd, const struct bk_frame *f)
{
	struct lpd_error *err;
	struct bk_snap sn;
	uint8_t hd[12];
	uint64_t id;

	if ((err = bk_parse_u64(f, &id)) != NULL) {
		lpd_error_destroy(err);
		return bk_send_err(fd, BK_E_BADMSG, "bad RESTORE");
	}
	if ((err = snap_load(s, id, &sn)) != NULL) {
		struct lpd_error *e2 = bk_send_err(fd, BK_E_NOTFOUND,
			"snapshot %llu: %s", (unsigned long long)id,
			err->message);

		lpd_error_destroy(err);
		return e2;
	}
	bk_put_u64(hd, sn.disk_size);
	bk_put_u32(hd + 8, sn.block_size);
	err = bk_send(fd, BK_T_OPEN_OK, hd, 12, NULL, 0);
	for (uint64_t i = 0; i < sn.nblocks && err == NULL; i++) {
		const uint8_t *h = sn.hashes + i * BK_HASH;
		uint32_t n;
		char hex[2 * BK_HASH + 1];

		if ((err = chunk_load(s, h, &n)) != NULL) {
			bk_hex(h, hex);
			struct lpd_error *e2 = bk_send_err(fd, BK_E_CORRUPT,
				"snapshot %llu block %llu (offset %llu): chunk "
				"%s: %s", (unsigned long long)id,
				(unsigned long long)i,
				(unsigned long long)(i * sn.block_size), hex,
				err->message);

			lpd_error_destroy(err);
			err = e2;
			break;
		}
		if (n != bk_block_len(sn.disk_size, sn.block_size, i)) {
			err = bk_send_err(fd, BK_E_CORRUPT, "snapshot %llu block "
					  "%llu: chunk of %u bytes",
					  (unsigned long long)id,
					  (unsigned long long)i, n);
			break;
		}
		bk_put_u64(hd, i);
		err = bk_send(fd, BK_T_RBLOCK, hd, 8, s->chunk, n);
		if (i + 1 == sn.nblocks && err == NULL) {
			bk_put_u64(hd, sn.nblocks);
			err = bk_send(fd, BK_T_END, hd, 8, NULL, 0);
		}
	}
	bk_snap_deinit(&sn);
	return err;
}

static void
serve_conn(struct server *s, int fd)
{
	uint8_t *buf = NULL;
	size_t cap = 0;
	struct bk_frame f;
	struct lpd_error *err = NULL;

	flock(s->lock_fd, LOCK_EX);
	err = ix_load(s);
	while (err == NULL && (err = bk_recv(fd, &buf, &cap, &f)) == NULL) {
		switch (f.type) {
		case BK_T_BEGIN: err = do_begin(s, fd, &f); break;
		case BK_T_BLOCK: err = do_block(s, fd, &f); break;
		case BK_T_COMMIT: err = do_commit(s, fd, &f); break;
		case BK_T_LIST: err = do_list(s, fd, &f); break;
		case BK_T_RESTORE: err = do_restore(s, fd, &f); break;
		default:
			err = bk_send_err(fd, BK_E_BADMSG, "unexpected message "
					  "type %u", f.type);
			break;
		}
	}
	if (err != NULL && err->code != LPD_ERR_REMOTE)
		fprintf(stderr, "vbackup-server: connection: %s\n",
			err->message);
	lpd_error_destroy(err);
	if (s->part_fd >= 0)
		close(s->part_fd);
	s->part_fd = -1;
	s->staging = false;
	pack_close(s);
	flock(s->lock_fd, LOCK_UN);
	lpd_free(buf);
	close(fd);
}

static int
serve(struct server *s, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int one = 1, lfd;

	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(lfd, 8) < 0) {
		perror("vbackup-server: bind");
		return 1;
	}
	s->used = du(s->store);
	fprintf(stderr, "vbackup-server: listening on %d, store %s, %llu bytes "
		"used%s\n", port, s->store, (unsigned long long)s->used,
		s->max_bytes ? " (quota set)" : "");
	for (;;) {
		struct timeval tv = { 30, 0 };
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("vbackup-server: accept");
			return 1;
		}
		/* A peer that vanishes without a FIN must not hold the
		 * store lock forever. */
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		serve_conn(s, fd);
	}
}

/* ---- verify / prune ---- */

static int
hash_cmp(const void *a, const void *b)
{
	return memcmp(a, b, BK_HASH);
}

static int
verify(struct server *s)
{
	struct lpd_error *err;
	size_t bad = 0, nsnap;
	uint64_t *ids;

	for (size_t i = 0; i < s->nlocs; i++) {
		char hex[2 * BK_HASH + 1];
		uint32_t n;

		if ((err = chunk_load(s, s->locs[i].h, &n)) != NULL) {
			bk_hex(s->locs[i].h, hex);
			printf("corrupt chunk %s: %s\n", hex, err->message);
			lpd_error_destroy(err);
			bad++;
		}
	}
	if ((err = list_ids(s, "snapshots", &ids, &nsnap)) != NULL) {
		fprintf(stderr, "vbackup-server: %s\n", err->message);
		lpd_error_destroy(err);
		return 1;
	}
	for (size_t i = 0; i < nsnap; i++) {
		struct bk_snap sn;

		if ((err = snap_load(s, ids[i], &sn)) != NULL) {
			printf("corrupt snapshot %s\n", err->message);
			lpd_error_destroy(err);
			bad++;
			continue;
		}
		for (uint64_t b = 0; b < sn.nblocks; b++) {
			char hex[2 * BK_HASH + 1];

			if (ix_find(s, sn.hashes + b * BK_HASH) == NULL) {
				bk_hex(sn.hashes + b * BK_HASH, hex);
				printf("snapshot %llu block %llu: missing chunk "
				       "%s\n", (unsigned long long)ids[i],
				       (unsigned long long)b, hex);
				bad++;
			}
		}
		bk_snap_deinit(&sn);
	}
	lpd_free(ids);
	printf("verify: %zu snapshots, %zu chunks, %zu problems\n", nsnap,
	       s->nlocs, bad);
	return bad == 0 ? 0 : 1;
}

struct marks {
	uint8_t *h;
	size_t n, cap;
};

static struct lpd_error *
mark(struct marks *m, const uint8_t *h, size_t count)
{
	if (lpd_vec_reserve((void **)&m->h, &m->cap, m->n + count,
			    BK_HASH) != NULL)
		return &lpd_enomem;
	memcpy(m->h + m->n * BK_HASH, h, count * BK_HASH);
	m->n += count;
	return NULL;
}

static void
unlink_pack(struct server *s, uint32_t pack)
{
	char *p;

	if ((p = spath(s, "packs/%u.idx", pack)) != NULL) {
		unlink(p);
		lpd_free(p);
	}
	if ((p = spath(s, "packs/%u.pack", pack)) != NULL) {
		unlink(p);
		lpd_free(p);
	}
}

/* Sweep: a pack with no live chunk goes; one with some is copied (its
 * live records into a new pack) and then goes. */
static struct lpd_error *
sweep(struct server *s, struct marks *m, size_t *ret)
{
	struct lpd_error *err = NULL;
	uint32_t last = s->next_pack;
	size_t nlocs = s->nlocs;
	struct loc *old = lpd_calloc(nlocs + 1, sizeof(*old));

	if (old == NULL)
		return &lpd_enomem;
	memcpy(old, s->locs, nlocs * sizeof(*old));
	*ret = 0;
	for (uint32_t pk = 1; pk < last && err == NULL; pk++) {
		size_t live = 0, total = 0;

		for (size_t i = 0; i < nlocs; i++)
			if (old[i].pack == pk) {
				total++;
				live += bsearch(old[i].h, m->h, m->n, BK_HASH,
						hash_cmp) != NULL;
			}
		if (total == 0 || live == total)
			continue;
		for (size_t i = 0; i < nlocs && err == NULL && live > 0; i++) {
			bool nospc;

			if (old[i].pack != pk ||
			    bsearch(old[i].h, m->h, m->n, BK_HASH,
				    hash_cmp) == NULL)
				continue;
			if ((err = rec_read(s, &old[i])) == NULL)
				err = pack_append(s, s->rec, old[i].len,
						  old[i].h, &nospc);
			if (err == NULL && nospc)
				err = lpd_error_os(ENOSPC, "pack");
		}
		if (err == NULL) {
			pack_close(s);	/* durable before the old one goes */
			unlink_pack(s, pk);
			*ret += total - live;
		}
	}
	lpd_free(old);
	return err;
}

static int
prune(struct server *s, uint64_t keep)
{
	struct lpd_error *err;
	struct marks m = { NULL, 0, 0 };
	struct bk_snap *snaps = NULL;
	uint64_t *ids = NULL;
	size_t n = 0, removed = 0, freed = 0;

	flock(s->lock_fd, LOCK_EX);
	if ((err = ix_load(s)) != NULL ||
	    (err = list_ids(s, "snapshots", &ids, &n)) != NULL)
		goto fail;
	snaps = lpd_calloc(n + 1, sizeof(*snaps));
	if (snaps == NULL) {
		err = &lpd_enomem;
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		if ((err = snap_load(s, ids[i], &snaps[i])) != NULL)
			goto fail;	/* never prune around a broken index */
	/* Newest first: keep the first KEEP of each disk. Every manifest is
	 * whole, so dropping a parent never breaks a child. */
	for (size_t i = n; i-- > 0;) {
		uint64_t newer = 0;

		for (size_t j = i + 1; j < n; j++)
			newer += strcmp(snaps[j].name, snaps[i].name) == 0;
		if (newer >= keep) {
			char *p = spath(s, "snapshots/%llu.snap",
					(unsigned long long)ids[i]);

			if (p != NULL && unlink(p) == 0) {
				printf("pruned snapshot %llu\n",
				       (unsigned long long)ids[i]);
				removed++;
			}
			lpd_free(p);
		} else if ((err = mark(&m, snaps[i].hashes,
				       snaps[i].nblocks)) != NULL) {
			goto fail;
		}
	}
	/* Blocks of snapshots still arriving are live too. */
	{
		uint64_t *st;
		size_t ns;

		if ((err = list_ids(s, "staging", &st, &ns)) != NULL)
			goto fail;
		for (size_t i = 0; i < ns; i++) {
			char *p = spath(s, "staging/%llu.part",
					(unsigned long long)st[i]);
			uint8_t *part;
			size_t plen;

			if (p != NULL && slurp(p, BK_MAX_BLOCKS * ENTRY, &part,
					       &plen) == NULL) {
				for (size_t k = 0; k + ENTRY <= plen; k += ENTRY)
					mark(&m, part + k + 8, 1);
				lpd_free(part);
			}
			lpd_free(p);
		}
		lpd_free(st);
	}
	qsort(m.h, m.n, BK_HASH, hash_cmp);
	if ((err = sweep(s, &m, &freed)) != NULL)
		goto fail;
	printf("prune: removed %zu snapshots and %zu chunks\n", removed, freed);
	for (size_t i = 0; i < n; i++)
		bk_snap_deinit(&snaps[i]);
	lpd_free(snaps);
	lpd_free(ids);
	lpd_free(m.h);
	return 0;
fail:
	fprintf(stderr, "vbackup-server: prune: %s\n", err->message);
	lpd_error_destroy(err);
	for (size_t i = 0; snaps != NULL && i < n; i++)
		bk_snap_deinit(&snaps[i]);
	lpd_free(snaps);
	lpd_free(ids);
	lpd_free(m.h);
	return 1;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: vbackup-server serve --store DIR --port N "
		"[--max-bytes N]\n"
		"       vbackup-server list|verify --store DIR\n"
		"       vbackup-server prune --store DIR --keep N\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "port", required_argument, NULL, 'p' },
		{ "max-bytes", required_argument, NULL, 'm' },
		{ "keep", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct server s = { .part_fd = -1, .pack_fd = -1, .idx_fd = -1,
			    .rd_fd = -1 };
	struct lpd_error *err;
	const char *cmd;
	long port = 0, keep = -1;
	int c, rc;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': s.store = optarg; break;
		case 'p': port = strtol(optarg, NULL, 10); break;
		case 'm': s.max_bytes = strtoull(optarg, NULL, 10); break;
		case 'k': keep = strtol(optarg, NULL, 10); break;
		default: usage(stderr); return 2;
		}
	}
	if (s.store == NULL) {
		usage(stderr);
		return 2;
	}
	if ((err = store_open(&s)) != NULL) {
		fprintf(stderr, "vbackup-server: %s\n", err->message);
		return 1;
	}
	if (strcmp(cmd, "serve") == 0 && port > 0 && port < 65536)
		rc = serve(&s, (int)port);
	else if (strcmp(cmd, "verify") == 0)
		rc = verify(&s);
	else if (strcmp(cmd, "prune") == 0 && keep >= 1)
		rc = prune(&s, (uint64_t)keep);
	else if (strcmp(cmd, "list") == 0) {
		struct lpd_buf out = LPD_BUF_INIT;

		rc = 0;
		if ((err = listing(&s, "", &out)) != NULL) {
			fprintf(stderr, "vbackup-server: %s\n", err->message);
			lpd_error_destroy(err);
			rc = 1;
		}
		fputs(out.data != NULL ? out.data : "", stdout);
		lpd_buf_deinit(&out);
	} else {
		usage(stderr);
		rc = 2;
	}
	pack_close(&s);
	lpd_free(s.chunk);
	lpd_free(s.rec);
	lpd_free(s.locs);
	lpd_free(s.tab);
	close(s.lock_fd);
	return rc;
}
