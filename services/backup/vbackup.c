/* services/backup/vbackup.c - the client LPAR's backup software. It never
 * reads the disk for a backup itself: it asks the VIOS, whose proxy
 * streams the backing store to the backup server.
 *   vbackup [--vios SOCK] request DISK [--full]
 *   vbackup [--vios SOCK] list [DISK]
 *   vbackup [--vios SOCK] restore SNAPSHOT TARGET
 * and, to drive the virtual disk in tests and benchmarks:
 *   vbackup [--vios SOCK] writer DISK SEED COUNT WSIZE ALIGN
 *        deterministic writes through the VIOS, one at a time;
 *   vbackup replay FILE SEED COUNT WSIZE ALIGN
 *        the same writes applied to a local image (the expected disk);
 *   vbackup [--vios SOCK] cat DISK OUT    the disk as the client sees it.
 * SOCK defaults to $VBACKUP_VIOS. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "services/backup/backup.h"

static uint8_t *g_buf;
static size_t g_cap;

static struct lpd_error *
vios_connect(const char *path, int *ret)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (path == NULL || strlen(path) >= sizeof(a.sun_path))
		return lpd_error_format(LPD_ERR_INVALID_ARG, "no VIOS socket "
					"(--vios or $VBACKUP_VIOS)");
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return lpd_error_os(e, path);
	}
	*ret = fd;
	return NULL;
}

static struct lpd_error *
reply(int fd, uint16_t want, struct bk_frame *ret)
{
	struct lpd_error *err;
	uint32_t code;
	char *msg;

	if ((err = bk_recv(fd, &g_buf, &g_cap, ret)) != NULL)
		return err;
	if (ret->type == BK_T_ERR) {
		if ((err = bk_parse_err(ret, &code, &msg)) != NULL)
			return err;
		err = lpd_error_format(LPD_ERR_REMOTE, "%s", msg);
		lpd_free(msg);
		return err;
	}
	if (ret->type != want)
		return lpd_error_format(LPD_ERR_REMOTE, "VIOS sent message %u, "
					"expected %u", ret->type, want);
	return NULL;
}

static struct lpd_error *
open_disk(int fd, const char *name, uint64_t *size, uint32_t *bs)
{
	struct lpd_error *err;
	struct bk_frame f;

	if (!bk_name_valid(name, strlen(name)))
		return lpd_error_format(LPD_ERR_INVALID_ARG, "bad disk name "
					"'%s'", name);
	if ((err = bk_send(fd, BK_T_OPEN, name, strlen(name), NULL, 0)) ||
	    (err = reply(fd, BK_T_OPEN_OK, &f)) != NULL)
		return err;
	return bk_parse_open_ok(&f, size, bs);
}

static struct lpd_error *
print_ok(int fd)
{
	struct lpd_error *err;
	struct bk_frame f;

	if ((err = reply(fd, BK_T_OK, &f)) != NULL)
		return err;
	fwrite(f.payload, 1, f.len, stdout);
	return NULL;
}

static struct lpd_error *
cmd_request(int fd, const char *disk, bool full)
{
	uint8_t p[1 + BK_MAX_NAME];
	size_t n = strlen(disk);
	struct lpd_error *err;

	if (!bk_name_valid(disk, n))
		return lpd_error_format(LPD_ERR_INVALID_ARG, "bad disk name");
	p[0] = full ? 1 : 0;
	memcpy(p + 1, disk, n);
	if ((err = bk_send(fd, BK_T_BACKUP, p, n + 1, NULL, 0)) != NULL)
		return err;
	return print_ok(fd);
}

static struct lpd_error *
cmd_list(int fd, const char *disk)
{
	struct lpd_error *err;
	size_t n = disk ? strlen(disk) : 0;

	if (n > 0 && !bk_name_valid(disk, n))
		return lpd_error_format(LPD_ERR_INVALID_ARG, "bad disk name");
	if ((err = bk_send(fd, BK_T_LIST, disk, n, NULL, 0)) != NULL)
		return err;
	return print_ok(fd);
}

static struct lpd_error *
cmd_restore(int fd, const char *snap, const char *target)
{
	struct lpd_error *err;
	struct bk_frame f;
	struct lpd_reader r;
	uint64_t id, size, idx, next = 0, end;
	uint32_t bs;
	char *tmp;
	int out;
	uint8_t idb[8];

	id = strtoull(snap, NULL, 10);
	if (id == 0)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "bad snapshot "
					"'%s'", snap);
	bk_put_u64(idb, id);
	if ((err = bk_send(fd, BK_T_RESTORE, idb, 8, NULL, 0)) != NULL ||
	    (err = reply(fd, BK_T_OPEN_OK, &f)) != NULL ||
	    (err = bk_parse_open_ok(&f, &size, &bs)) != NULL)
		return err;
	/* Into a temporary: a failed restore leaves no half-written TARGET. */
	tmp = lpd_asprintf("%s.restoring", target);
	if (tmp == NULL)
		return &lpd_enomem;
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		err = lpd_error_os(errno, tmp);
		lpd_free(tmp);
		return err;
	}
	for (;;) {
		if ((err = bk_recv(fd, &g_buf, &g_cap, &f)) != NULL)
			break;
		if (f.type == BK_T_ERR) {
			uint32_t code;
			char *msg;

			if ((err = bk_parse_err(&f, &code, &msg)) == NULL) {
				err = lpd_error_format(LPD_ERR_BAD_INPUT,
					"restore of snapshot %llu failed: %s",
					(unsigned long long)id, msg);
				lpd_free(msg);
			}
			break;
		}
		if (f.type == BK_T_END) {
			if ((err = bk_parse_u64(&f, &end)) == NULL &&
			    end != next)
				err = lpd_error_format(LPD_ERR_REMOTE, "restore "
						       "ended after %llu blocks",
						       (unsigned long long)next);
			break;
		}
		lpd_reader_init(&r, f.payload, f.len, true, "RBLOCK", 0);
		if (f.type != BK_T_RBLOCK ||
		    lpd_reader_u64(&r, &idx) != NULL || idx != next ||
		    lpd_reader_left(&r) != bk_block_len(size, bs, idx)) {
			err = lpd_error_format(LPD_ERR_REMOTE, "bad restore "
					       "block after %llu",
					       (unsigned long long)next);
			break;
		}
		if (pwrite(out, f.payload + 8, lpd_reader_left(&r),
			   (off_t)(idx * bs)) != (ssize_t)lpd_reader_left(&r)) {
			err = lpd_error_os(errno, tmp);
			break;
		}
		next++;
	}
	if (err == NULL && (ftruncate(out, (off_t)size) < 0 || fsync(out) < 0))
		err = lpd_error_os(errno, tmp);
	close(out);
	if (err == NULL && rename(tmp, target) < 0)
		err = lpd_error_os(errno, target);
	if (err != NULL)
		unlink(tmp);
	else
		fprintf(stderr, "vbackup: restored snapshot %llu (%llu bytes) "
			"to %s\n", (unsigned long long)id,
			(unsigned long long)size, target);
	lpd_free(tmp);
	return err;
}

/* ---- deterministic writes ---- */

struct wgen {
	uint64_t s;
	uint64_t *slots;	/* a shuffled deck of aligned offsets */
	uint64_t nslots, left;
};

static uint64_t
rnd(struct wgen *w)
{
	uint64_t z = (w->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static struct lpd_error *
wgen_init(struct wgen *w, uint64_t seed, uint64_t size, uint64_t wsize,
	  uint64_t align)
{
	if (wsize == 0 || align == 0 || wsize > size)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "bad write size");
	w->s = seed;
	w->nslots = (size - wsize) / align + 1;
	w->slots = lpd_calloc(w->nslots, sizeof(*w->slots));
	if (w->slots == NULL)
		return &lpd_enomem;
	w->left = 0;
	return NULL;
}

/* The next write: a distinct offset until the deck runs out, then a new
 * deck. The data is the generator's stream. */
static uint64_t
wgen_next(struct wgen *w, uint64_t align, uint8_t *data, uint64_t wsize)
{
	uint64_t k, off;

	if (w->left == 0) {
		for (uint64_t i = 0; i < w->nslots; i++)
			w->slots[i] = i;
		w->left = w->nslots;
	}
	k = rnd(w) % w->left;
	off = w->slots[k] * align;
	w->slots[k] = w->slots[--w->left];
	for (uint64_t i = 0; i < wsize; i += 8) {
		uint64_t v = rnd(w);

		memcpy(data + i, &v, wsize - i < 8 ? wsize - i : 8);
	}
	return off;
}

static struct lpd_error *
cmd_writer(int fd, const char *disk, uint64_t seed, uint64_t count,
	   uint64_t wsize, uint64_t align)
{
	struct lpd_error *err;
	struct bk_frame f;
	struct wgen w;
	uint64_t size;
	uint32_t bs;
	uint8_t *data, hd[8];

	if ((err = open_disk(fd, disk, &size, &bs)) != NULL ||
	    (err = wgen_init(&w, seed, size, wsize, align)) != NULL)
		return err;
	data = lpd_malloc(wsize);
	if (data == NULL)
		return &lpd_enomem;
	for (uint64_t i = 0; i < count && err == NULL; i++) {
		uint64_t off = wgen_next(&w, align, data, wsize);

		/* Split into messages of at most BK_MAX_BLOCK bytes. */
		for (uint64_t o = 0; o < wsize && err == NULL;
		     o += BK_MAX_BLOCK) {
			uint64_t n = wsize - o < BK_MAX_BLOCK ? wsize - o :
				     BK_MAX_BLOCK;

			bk_put_u64(hd, off + o);
			if ((err = bk_send(fd, BK_T_WRITE, hd, 8, data + o,
					   n)) == NULL)
				err = reply(fd, BK_T_OK, &f);
		}
	}
	lpd_free(data);
	lpd_free(w.slots);
	return err;
}

static struct lpd_error *
cmd_replay(const char *file, uint64_t seed, uint64_t count, uint64_t wsize,
	   uint64_t align)
{
	struct lpd_error *err;
	struct wgen w;
	struct stat st;
	uint8_t *data;
	int fd = open(file, O_RDWR | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0)
		return lpd_error_os(errno, file);
	if ((err = wgen_init(&w, seed, (uint64_t)st.st_size, wsize,
			     align)) != NULL) {
		close(fd);
		return err;
	}
	data = lpd_malloc(wsize);
	for (uint64_t i = 0; i < count && data != NULL; i++) {
		uint64_t off = wgen_next(&w, align, data, wsize);

		if (pwrite(fd, data, wsize, (off_t)off) != (ssize_t)wsize) {
			err = lpd_error_os(errno, file);
			break;
		}
	}
	if (data == NULL)
		err = &lpd_enomem;
	lpd_free(data);
	lpd_free(w.slots);
	close(fd);
	return err;
}

static struct lpd_error *
cmd_cat(int fd, const char *disk, const char *path)
{
	struct lpd_error *err;
	struct bk_frame f;
	uint64_t size;
	uint32_t bs;
	uint8_t rq[12];
	FILE *out;

	if ((err = open_disk(fd, disk, &size, &bs)) != NULL)
		return err;
	out = fopen(path, "wb");
	if (out == NULL)
		return lpd_error_os(errno, path);
	for (uint64_t o = 0; o < size && err == NULL; o += BK_MAX_BLOCK) {
		uint32_t n = size - o < BK_MAX_BLOCK ? (uint32_t)(size - o) :
			     BK_MAX_BLOCK;

		bk_put_u64(rq, o);
		bk_put_u32(rq + 8, n);
		if ((err = bk_send(fd, BK_T_READ, rq, 12, NULL, 0)) == NULL &&
		    (err = reply(fd, BK_T_DATA, &f)) == NULL) {
			if (f.len != n)
				err = lpd_error_format(LPD_ERR_REMOTE, "short "
						       "read");
			else
				fwrite(f.payload, 1, n, out);
		}
	}
	if (fclose(out) != 0 && err == NULL)
		err = lpd_error_os(errno, path);
	return err;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: vbackup [--vios SOCK] request DISK [--full]\n"
		"       vbackup [--vios SOCK] list [DISK]\n"
		"       vbackup [--vios SOCK] restore SNAPSHOT TARGET\n"
		"       vbackup [--vios SOCK] writer DISK SEED COUNT WSIZE ALIGN\n"
		"       vbackup replay FILE SEED COUNT WSIZE ALIGN\n"
		"       vbackup [--vios SOCK] cat DISK OUT\n");
}

static uint64_t
num(const char *s)
{
	return strtoull(s, NULL, 0);
}

int
main(int argc, char **argv)
{
	const char *sock = getenv("VBACKUP_VIOS"), *cmd;
	struct lpd_error *err = NULL;
	int i = 1, fd = -1;

	if (argc > 2 && strcmp(argv[1], "--vios") == 0) {
		sock = argv[2];
		i = 3;
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[i++];
	argc -= i;
	argv += i;
	if (strcmp(cmd, "replay") == 0 && argc == 5)
		err = cmd_replay(argv[0], num(argv[1]), num(argv[2]),
				 num(argv[3]), num(argv[4]));
	else if (strcmp(cmd, "replay") == 0 || strcmp(cmd, "help") == 0) {
		usage(stderr);
		return 2;
	} else if ((err = vios_connect(sock, &fd)) == NULL) {
		if (strcmp(cmd, "request") == 0 && (argc == 1 ||
		    (argc == 2 && strcmp(argv[1], "--full") == 0)))
			err = cmd_request(fd, argv[0], argc == 2);
		else if (strcmp(cmd, "list") == 0 && argc <= 1)
			err = cmd_list(fd, argc == 1 ? argv[0] : NULL);
		else if (strcmp(cmd, "restore") == 0 && argc == 2)
			err = cmd_restore(fd, argv[0], argv[1]);
		else if (strcmp(cmd, "writer") == 0 && argc == 5)
			err = cmd_writer(fd, argv[0], num(argv[1]),
					 num(argv[2]), num(argv[3]),
					 num(argv[4]));
		else if (strcmp(cmd, "cat") == 0 && argc == 2)
			err = cmd_cat(fd, argv[0], argv[1]);
		else {
			usage(stderr);
			close(fd);
			return 2;
		}
		close(fd);
	}
	lpd_free(g_buf);
	if (err != NULL) {
		fprintf(stderr, "vbackup: %s\n", err->message);
		lpd_error_destroy(err);
		return 1;
	}
	return 0;
}
