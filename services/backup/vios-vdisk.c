/* services/backup/vios-vdisk.c - the VIOS side: serves each client a
 * virtual disk backed by a file (READ/WRITE/FLUSH over a Unix socket),
 * and is the backup proxy. Because every client write passes through
 * here, the proxy
 *   - tracks changed blocks (dirty bitmap) for incremental backups, and
 *   - takes a point-in-time view without stopping the client: a write to
 *     a block the running backup has not yet had acknowledged first saves
 *     the block's old contents (copy-on-write); the backup sends the saved
 *     copy, and frees it once the server acknowledges the block.
 * The backup streams to vbackup-server over TCP and resumes from the last
 * acknowledged block when the connection drops. A server on another site
 * is reached through SSH: --server ssh://[user@]host[:port]/HOST:PORT
 * logs into host (its key checked against ~/.ssh/known_hosts, our key
 * from ssh-agent or ~/.ssh/id_*) and tunnels each connection to HOST:PORT
 * as host sees it (a direct-tcpip channel).
 *   vios-vdisk --socket PATH --server [ssh://...]HOST:PORT --disk NAME=FILE...
 *              [--block-size N] [--fault chunk-overrun|resume-off-by-one]
 *              [--dump-dir DIR] */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "remote/remote.h"
#include "services/backup/backup.h"

enum fault { FAULT_NONE, FAULT_CHUNK_OVERRUN, FAULT_RESUME_OFF_BY_ONE };
static const char *const fault_names[] = { "none", "chunk-overrun",
					   "resume-off-by-one" };

struct disk {
	char name[BK_MAX_NAME + 1];
	int fd;
	uint64_t size, nblocks;
	uint32_t bs;
	pthread_mutex_t mu;	/* everything below */
	uint64_t writes;	/* writes completed, for tests */
	uint8_t *dirty;		/* changed since the last snapshot's start */
	bool have_base;
	uint64_t base_id;	/* the last snapshot: parent of the next */
	bool backup_active;
	uint8_t *pending;	/* in the running backup, not yet acked */
	uint8_t **cow;		/* old contents of pending blocks written */
	uint64_t cow_blocks, cow_peak;
};

/* The state of the running backup, kept in one place so a dump shows
 * where a transfer was (progress, snapshot id, the chunk in flight). */
struct backup_run {
	struct disk *d;
	uint64_t id;
	uint64_t *list;		/* blocks to send, ascending */
	uint64_t nsend;
	uint64_t seq;		/* next to send */
	uint64_t acked;
	uint64_t resumes;
	uint64_t bytes_sent;
	uint8_t *chunk;		/* the block in flight */
	uint32_t chunk_len;
	uint64_t chunk_index;	/* its block number */
	uint64_t resume_acked;	/* acked at the last BEGIN */
	uint64_t resume_seq;	/* where the last BEGIN went on from */
	int sfd;
};

/* The running backup, or NULL: a global root so a dump's reader
 * (plugins/backup.c) finds it by symbol, as vke.c's vke_debug_root. */
extern struct backup_run *volatile vdisk_debug_root;
struct backup_run *volatile vdisk_debug_root;

static struct {
	struct disk *disks;
	size_t ndisks;
	const char *server;	/* HOST:PORT, or past the ssh:// URL's '/' */
	bool ssh;
	struct remote_url ssh_url;	/* when ssh */
	enum fault fault;
} g;

static struct disk *
find_disk(const char *name)
{
	for (size_t i = 0; i < g.ndisks; i++)
		if (strcmp(g.disks[i].name, name) == 0)
			return &g.disks[i];
	return NULL;
}

/* No one to ask for a key's passphrase: a daemon skips encrypted keys. */
static bool
no_passphrase(void *arg, const char *key_path, char *buf, size_t size)
{
	(void)arg;
	(void)key_path;
	(void)buf;
	(void)size;
	return false;
}

/* A connection to the server through an SSH tunnel from g.ssh_url's host
 * to HOST:PORT there; a fresh session each time, which the tunnel owns
 * (a libssh2 session is not shared between threads). */
static struct lpd_error *
ssh_connect(const char *host, const char *port, int *ret)
{
	const struct remote_options o = { .passphrase = no_passphrase };
	struct remote_session *s;
	struct lpd_error *err;
	char *end;
	unsigned long p = strtoul(port, &end, 10);

	if (*port == '\0' || *end != '\0' || p == 0 || p > 65535)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "bad server "
					"port '%s'", port);
	if ((err = remote_connect(&g.ssh_url, &o, &s)) != NULL)
		return err;
	return remote_tunnel(s, host, (unsigned)p, ret);
}

static struct lpd_error *
server_connect(int *ret)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char host[256];
	const char *colon = strrchr(g.server, ':');
	int fd, one = 1, rc;
	struct timeval tv = { 10, 0 };
	struct lpd_error *err;

	if (colon == NULL || (size_t)(colon - g.server) >= sizeof(host))
		return lpd_error_format(LPD_ERR_INVALID_ARG, "bad server "
					"address '%s'", g.server);
	memcpy(host, g.server, (size_t)(colon - g.server));
	host[colon - g.server] = '\0';
	if (g.ssh) {
		if ((err = ssh_connect(host, colon + 1, &fd)) != NULL)
			return err;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		*ret = fd;
		return NULL;
	}
	if ((rc = getaddrinfo(host, colon + 1, &hints, &ai)) != 0)
		return lpd_error_format(LPD_ERR_OS, "%s: %s", g.server,
					gai_strerror(rc));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return lpd_error_os(e, g.server);
	}
	freeaddrinfo(ai);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	*ret = fd;
	return NULL;
}

/* Read block I of the point-in-time view into run->chunk: the saved copy
 * if the client overwrote it since the backup began, else the file. */
static struct lpd_error *
read_block(struct backup_run *run, uint64_t i)
{
	struct disk *d = run->d;
	uint32_t want = bk_block_len(d->size, d->bs, i);
	struct lpd_error *err = NULL;

	pthread_mutex_lock(&d->mu);
	if (d->cow[i] != NULL) {
		memcpy(run->chunk, d->cow[i], want);
		run->chunk_len = want;
	} else {
		uint8_t *bounce = lpd_malloc(d->bs);
		ssize_t got;

		if (bounce == NULL) {
			pthread_mutex_unlock(&d->mu);
			return &lpd_enomem;
		}
		/* Ask for a whole block: the last one comes back short. */
		got = pread(d->fd, bounce, d->bs, (off_t)(i * d->bs));
		if (got < 0) {
			err = lpd_error_os(errno, d->name);
		} else if (g.fault == FAULT_CHUNK_OVERRUN &&
			   (uint32_t)got < d->bs) {
			/* The bug: size the chunk by what was read, copy
			 * a nominal block into it. */
			uint8_t *c = malloc((size_t)got);

			memcpy(c, bounce, d->bs);
			memcpy(run->chunk, c, (size_t)got);
			free(c);
			run->chunk_len = (uint32_t)got;
		} else if ((uint32_t)got != want) {
			err = lpd_error_format(LPD_ERR_OS, "%s: short read of "
					       "block %llu", d->name,
					       (unsigned long long)i);
		} else {
			memcpy(run->chunk, bounce, want);
			run->chunk_len = want;
		}
		lpd_free(bounce);
	}
	pthread_mutex_unlock(&d->mu);
	return err;
}

static void
release_block(struct disk *d, uint64_t i)
{
	pthread_mutex_lock(&d->mu);
	d->pending[i] = 0;
	if (d->cow[i] != NULL) {
		lpd_free(d->cow[i]);
		d->cow[i] = NULL;
		d->cow_blocks--;
	}
	pthread_mutex_unlock(&d->mu);
}

/* Wait for one reply of type WANT; an ERR becomes an error whose errnum
 * carries the server's code. */
static struct lpd_error *
expect(int fd, uint16_t want, uint8_t **buf, size_t *cap,
       struct bk_frame *ret)
{
	struct lpd_error *err;
	uint32_t code;
	char *msg;

	if ((err = bk_recv(fd, buf, cap, ret)) != NULL)
		return err;
	if (ret->type == BK_T_ERR) {
		if ((err = bk_parse_err(ret, &code, &msg)) != NULL)
			return err;
		err = lpd_error_format(LPD_ERR_REMOTE, "backup server: %s",
				       msg);
		err->errnum = -(int)code;
		lpd_free(msg);
		return err;
	}
	if (ret->type != want)
		return lpd_error_format(LPD_ERR_REMOTE, "backup server: "
					"message %u, expected %u", ret->type,
					want);
	return NULL;
}

static struct lpd_error *
begin(struct backup_run *run, uint64_t parent, uint8_t **buf, size_t *cap)
{
	struct bk_begin b = { 0 };
	uint8_t out[36 + BK_MAX_NAME];
	struct lpd_error *err;
	struct bk_frame f;
	uint64_t id, acked;

	b.resume_id = run->id;
	b.parent = parent;
	b.disk_size = run->d->size;
	b.block_size = run->d->bs;
	b.nsend = run->nsend;
	memcpy(b.name, run->d->name, sizeof(b.name));
	if ((err = server_connect(&run->sfd)) != NULL)
		return err;
	if ((err = bk_send(run->sfd, BK_T_BEGIN, out, bk_build_begin(&b, out),
			   NULL, 0)) != NULL ||
	    (err = expect(run->sfd, BK_T_BEGIN_OK, buf, cap, &f)) != NULL ||
	    (err = bk_parse_u64x2(&f, &id, &acked)) != NULL)
		return err;
	if ((run->id != 0 && id != run->id) || acked > run->nsend ||
	    (run->id != 0 && acked < run->acked))
		return lpd_error_format(LPD_ERR_REMOTE, "backup server "
					"resumed snapshot %llu at %llu",
					(unsigned long long)id,
					(unsigned long long)acked);
	/* Blocks the server stored whose ACK we never saw are done. */
	for (uint64_t s = run->acked; s < acked; s++)
		release_block(run->d, run->list[s]);
	run->id = id;
	run->acked = acked;
	run->seq = acked;
	if (run->resumes > 0 && g.fault == FAULT_RESUME_OFF_BY_ONE)
		run->seq = acked + 1;	/* the bug: skips a block */
	run->resume_acked = acked;
	run->resume_seq = run->seq;
	return NULL;
}

/* Blocks sent ahead of their ACK: keeps both the proxy and the server
 * busy (stop-and-wait halves throughput on a fast link). */
#define WINDOW 32

static struct lpd_error *
wait_ack(struct backup_run *run, uint8_t **buf, size_t *cap)
{
	struct lpd_error *err;
	struct bk_frame f;
	uint64_t acked;

	if ((err = expect(run->sfd, BK_T_ACK, buf, cap, &f)) != NULL ||
	    (err = bk_parse_u64(&f, &acked)) != NULL)
		return err;
	if (acked != run->acked + 1 || acked > run->seq)
		return lpd_error_format(LPD_ERR_REMOTE, "backup server acked "
					"%llu after %llu",
					(unsigned long long)acked,
					(unsigned long long)run->acked);
	/* Now stored: the saved copy (if any) can go. */
	release_block(run->d, run->list[run->acked]);
	run->acked = acked;
	return NULL;
}

static struct lpd_error *
send_blocks(struct backup_run *run, uint8_t **buf, size_t *cap)
{
	struct lpd_error *err;
	uint8_t head[64];
	struct bk_block b;

	while (run->acked < run->nsend) {
		if (run->seq < run->nsend && run->seq - run->acked < WINDOW) {
			uint64_t i = run->list[run->seq];

			run->chunk_index = i;
			if ((err = read_block(run, i)) != NULL)
				return err;
			b.seq = run->seq;
			b.index = i;
			b.zero = bk_is_zero(run->chunk, run->chunk_len);
			bk_sha256(run->chunk, run->chunk_len, b.hash);
			if ((err = bk_send(run->sfd, BK_T_BLOCK, head,
					   bk_build_block_head(&b, head),
					   b.zero ? NULL : run->chunk,
					   b.zero ? 0 : run->chunk_len)) != NULL)
				return err;
			run->bytes_sent += b.zero ? 0 : run->chunk_len;
			run->seq++;
			continue;
		}
		if ((err = wait_ack(run, buf, cap)) != NULL)
			return err;
	}
	return NULL;
}

static bool
retryable(const struct lpd_error *err)
{
	/* Errors the server sent are final; a dropped link is not. */
	return err->errnum >= 0 && err->code != LPD_ERR_NOMEM;
}

static struct lpd_error *
run_backup(struct disk *d, bool full, struct lpd_buf *out)
{
	struct backup_run run = { .d = d, .sfd = -1 };
	struct lpd_error *err = NULL;
	uint8_t *buf = NULL;
	size_t cap = 0;
	uint64_t parent, writes_at_start, fails = 0;
	struct bk_frame f;
	struct timespec t0, t1;
	bool incremental;

	run.chunk = lpd_malloc(BK_MAX_BLOCK);
	run.list = lpd_calloc(d->nblocks, sizeof(*run.list));
	if (run.chunk == NULL || run.list == NULL) {
		lpd_free(run.chunk);
		lpd_free(run.list);
		return &lpd_enomem;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_mutex_lock(&d->mu);
	if (d->backup_active) {
		pthread_mutex_unlock(&d->mu);
		lpd_free(run.chunk);
		lpd_free(run.list);
		return lpd_error_format(LPD_ERR_INVALID_ARG, "%s: a backup is "
					"already running", d->name);
	}
	/* The point in time: from here on, writes to listed blocks save
	 * the old contents first, and mark blocks for the next backup. */
	incremental = d->have_base && !full;
	parent = incremental ? d->base_id : 0;
	for (uint64_t i = 0; i < d->nblocks; i++) {
		if (!incremental || d->dirty[i]) {
			run.list[run.nsend++] = i;
			d->pending[i] = 1;
		}
		d->dirty[i] = 0;
	}
	writes_at_start = d->writes;
	d->backup_active = true;
	d->cow_peak = 0;
	pthread_mutex_unlock(&d->mu);
	vdisk_debug_root = &run;

	err = begin(&run, parent, &buf, &cap);
	for (;;) {
		if (err == NULL)
			err = send_blocks(&run, &buf, &cap);
		if (err == NULL) {
			uint8_t idb[8];

			bk_put_u64(idb, run.id);
			if ((err = bk_send(run.sfd, BK_T_COMMIT, idb, 8, NULL,
					   0)) == NULL &&
			    (err = expect(run.sfd, BK_T_OK, &buf, &cap, &f)) ==
			    NULL)
				break;
		}
		if (err->errnum == -BK_E_SEQUENCE &&
		    g.fault == FAULT_RESUME_OFF_BY_ONE) {
			/* The server and the proxy disagree on what was
			 * sent: treated as "cannot happen". */
			fprintf(stderr, "vios-vdisk: %s: %s\n", d->name,
				err->message);
			abort();
		}
		if (!retryable(err) || (run.id == 0 && fails > 50) ||
		    fails > 400)
			break;
		/* Resume: a new connection, BEGIN with our id, go on from
		 * what the server has. */
		if (run.sfd >= 0)
			close(run.sfd);
		run.sfd = -1;
		uint64_t before = run.acked;

		lpd_error_destroy(err);
		err = NULL;
		fails++;
		usleep(fails < 10 ? 2000 : 20000);
		run.resumes++;
		err = begin(&run, parent, &buf, &cap);
		if (err == NULL && run.acked > before)
			fails = 0;
	}
	if (run.sfd >= 0)
		close(run.sfd);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	vdisk_debug_root = NULL;

	pthread_mutex_lock(&d->mu);
	if (err == NULL) {
		d->have_base = true;
		d->base_id = run.id;
	} else {
		/* Failed: these blocks must travel with the next backup. */
		for (uint64_t s = 0; s < run.nsend; s++)
			d->dirty[run.list[s]] = 1;
	}
	for (uint64_t i = 0; i < d->nblocks; i++) {
		d->pending[i] = 0;
		lpd_free(d->cow[i]);
		d->cow[i] = NULL;
	}
	d->cow_blocks = 0;
	d->backup_active = false;
	uint64_t peak = d->cow_peak;
	pthread_mutex_unlock(&d->mu);

	if (err == NULL) {
		double secs = (double)(t1.tv_sec - t0.tv_sec) +
			      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

		lpd_buf_printf(out, "{\"snapshot\":%llu,\"disk\":\"%s\","
			       "\"kind\":\"%s\",\"parent\":%llu,"
			       "\"blocks_sent\":%llu,\"bytes_sent\":%llu,"
			       "\"writes_at_start\":%llu,\"resumes\":%llu,"
			       "\"cow_peak_blocks\":%llu,\"seconds\":%.3f}\n",
			       (unsigned long long)run.id, d->name,
			       incremental ? "incremental" : "full",
			       (unsigned long long)parent,
			       (unsigned long long)run.nsend,
			       (unsigned long long)run.bytes_sent,
			       (unsigned long long)writes_at_start,
			       (unsigned long long)run.resumes,
			       (unsigned long long)peak, secs);
		fprintf(stderr, "vios-vdisk: %s: snapshot %llu (%s), %llu "
			"blocks, %llu resumes\n", d->name,
			(unsigned long long)run.id,
			incremental ? "incremental" : "full",
			(unsigned long long)run.nsend,
			(unsigned long long)run.resumes);
	} else {
		fprintf(stderr, "vios-vdisk: %s: backup failed: %s\n", d->name,
			err->message);
	}
	lpd_free(buf);
	lpd_free(run.chunk);
	lpd_free(run.list);
	return err;
}

static struct lpd_error *
do_write(struct disk *d, uint64_t off, uint32_t len, const uint8_t *data)
{
	struct lpd_error *err = NULL;
	uint64_t first, n;

	if (off > d->size || len > d->size - off)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "write past the "
					"end of %s", d->name);
	bk_blocks_for_range(off, len, d->bs, &first, &n);
	pthread_mutex_lock(&d->mu);
	for (uint64_t i = first; i < first + n; i++) {
		if (d->backup_active && d->pending[i] && d->cow[i] == NULL) {
			uint32_t bl = bk_block_len(d->size, d->bs, i);
			uint8_t *old = lpd_malloc(bl);

			if (old == NULL) {
				err = &lpd_enomem;
				break;
			}
			if (pread(d->fd, old, bl, (off_t)(i * d->bs)) !=
			    (ssize_t)bl) {
				err = lpd_error_os(errno, d->name);
				lpd_free(old);
				break;
			}
			d->cow[i] = old;
			if (++d->cow_blocks > d->cow_peak)
				d->cow_peak = d->cow_blocks;
		}
		d->dirty[i] = 1;
	}
	if (err == NULL) {
		if (pwrite(d->fd, data, len, (off_t)off) != (ssize_t)len)
			err = lpd_error_os(errno, d->name);
		else
			d->writes++;
	}
	pthread_mutex_unlock(&d->mu);
	return err;
}

/* Relay the server's answer to LIST or RESTORE back to the client. */
static struct lpd_error *
relay(int cfd, const struct bk_frame *req)
{
	struct lpd_error *err;
	uint8_t *buf = NULL;
	size_t cap = 0;
	struct bk_frame f;
	int sfd;

	if ((err = server_connect(&sfd)) != NULL)
		return err;
	err = bk_send(sfd, req->type, req->payload, req->len, NULL, 0);
	while (err == NULL && (err = bk_recv(sfd, &buf, &cap, &f)) == NULL) {
		err = bk_send(cfd, f.type, f.payload, f.len, NULL, 0);
		if (f.type == BK_T_OK || f.type == BK_T_ERR ||
		    f.type == BK_T_END)
			break;
	}
	close(sfd);
	lpd_free(buf);
	return err;
}

static struct lpd_error *
reply_err(int fd, struct lpd_error *err)
{
	struct lpd_error *e2 = bk_send_err(fd, err->errnum < 0 ?
					   (uint32_t)-err->errnum :
					   BK_E_GENERIC, "%s", err->message);

	lpd_error_destroy(err);
	return e2;
}

static void *
client_thread(void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct disk *d = NULL;
	uint8_t *buf = NULL, *rbuf = NULL;
	size_t cap = 0;
	struct bk_frame f;
	struct lpd_error *err = NULL;

	while (err == NULL && (err = bk_recv(fd, &buf, &cap, &f)) == NULL) {
		char name[BK_MAX_NAME + 1];
		uint64_t off;
		uint32_t len;
		const uint8_t *data;
		struct lpd_error *e;

		switch (f.type) {
		case BK_T_OPEN:
			if ((e = bk_parse_name(&f, 0, name)) != NULL ||
			    (d = find_disk(name)) == NULL) {
				if (e == NULL)
					e = lpd_error_format(LPD_ERR_NOT_FOUND,
						"no disk '%s'", name);
				err = reply_err(fd, e);
				break;
			}
			uint8_t o[12];

			bk_put_u64(o, d->size);
			bk_put_u32(o + 8, d->bs);
			err = bk_send(fd, BK_T_OPEN_OK, o, 12, NULL, 0);
			break;
		case BK_T_READ:
		case BK_T_WRITE:
			if (d == NULL) {
				err = bk_send_err(fd, BK_E_BADMSG, "no disk "
						  "open");
				break;
			}
			if ((e = bk_parse_rw(&f, &off, &len, &data)) != NULL) {
				err = reply_err(fd, e);
				break;
			}
			if (f.type == BK_T_WRITE) {
				e = do_write(d, off, len, data);
				err = e ? reply_err(fd, e) :
				      bk_send(fd, BK_T_OK, NULL, 0, NULL, 0);
				break;
			}
			if (off > d->size || len > d->size - off) {
				err = bk_send_err(fd, BK_E_BADMSG, "read past "
						  "the end");
				break;
			}
			lpd_free(rbuf);
			rbuf = lpd_malloc(len);
			if (rbuf == NULL ||
			    pread(d->fd, rbuf, len, (off_t)off) != (ssize_t)len) {
				err = bk_send_err(fd, BK_E_GENERIC, "read "
						  "failed");
				break;
			}
			err = bk_send(fd, BK_T_DATA, rbuf, len, NULL, 0);
			break;
		case BK_T_FLUSH:
			if (d != NULL)
				fdatasync(d->fd);
			err = bk_send(fd, BK_T_OK, NULL, 0, NULL, 0);
			break;
		case BK_T_BACKUP: {
			struct lpd_buf out = LPD_BUF_INIT;
			struct disk *bd;

			if (f.len < 1 || f.payload[0] > 1 ||
			    (e = bk_parse_name(&f, 1, name)) != NULL) {
				err = bk_send_err(fd, BK_E_BADMSG, "bad BACKUP");
				break;
			}
			if ((bd = find_disk(name)) == NULL) {
				err = bk_send_err(fd, BK_E_NOTFOUND, "no disk "
						  "'%s'", name);
				break;
			}
			e = run_backup(bd, f.payload[0] == 1, &out);
			err = e ? reply_err(fd, e) :
			      bk_send(fd, BK_T_OK, out.data, out.len, NULL, 0);
			lpd_buf_deinit(&out);
			break;
		}
		case BK_T_LIST:
		case BK_T_RESTORE:
			if ((e = relay(fd, &f)) != NULL)
				err = reply_err(fd, e);
			break;
		default:
			err = bk_send_err(fd, BK_E_BADMSG, "unexpected message "
					  "type %u", f.type);
			break;
		}
	}
	lpd_error_destroy(err);
	lpd_free(buf);
	lpd_free(rbuf);
	close(fd);
	return NULL;
}

static struct lpd_error *
add_disk(const char *spec, uint32_t bs)
{
	const char *eq = strchr(spec, '=');
	struct disk *d;
	struct stat st;

	if (eq == NULL || !bk_name_valid(spec, (size_t)(eq - spec)))
		return lpd_error_format(LPD_ERR_INVALID_ARG, "bad --disk '%s' "
					"(NAME=FILE)", spec);
	d = lpd_reallocarray(g.disks, g.ndisks + 1, sizeof(*d));
	if (d == NULL)
		return &lpd_enomem;
	g.disks = d;
	d = &g.disks[g.ndisks];
	memset(d, 0, sizeof(*d));
	memcpy(d->name, spec, (size_t)(eq - spec));
	d->fd = open(eq + 1, O_RDWR | O_CLOEXEC);
	if (d->fd < 0 || fstat(d->fd, &st) < 0)
		return lpd_error_os(errno, eq + 1);
	d->size = (uint64_t)st.st_size;
	d->bs = bs;
	d->nblocks = bk_nblocks(d->size, bs);
	if (d->size == 0 || d->nblocks > BK_MAX_BLOCKS)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "%s: bad size",
					eq + 1);
	d->dirty = lpd_calloc(d->nblocks, 1);
	d->pending = lpd_calloc(d->nblocks, 1);
	d->cow = lpd_calloc(d->nblocks, sizeof(*d->cow));
	if (d->dirty == NULL || d->pending == NULL || d->cow == NULL)
		return &lpd_enomem;
	pthread_mutex_init(&d->mu, NULL);
	g.ndisks++;
	return NULL;
}

/* With a fault armed, make sure the crash leaves a core in DIR next to a
 * note naming the program and the fault. */
static void
arm_fault(const char *dir)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	char *meta;
	FILE *f;

	if (g.fault == FAULT_NONE)
		return;
	if (setrlimit(RLIMIT_CORE, &rl) < 0) {
		getrlimit(RLIMIT_CORE, &rl);
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_CORE, &rl);
	}
	if (dir == NULL)
		return;
	mkdir(dir, 0755);
	if (chdir(dir) != 0)
		return;
	meta = lpd_asprintf("vios-vdisk.%ld.meta", (long)getpid());
	f = meta != NULL ? fopen(meta, "w") : NULL;
	if (f != NULL) {
		fprintf(f, "program vios-vdisk\npid %ld\nfault %s\n",
			(long)getpid(), fault_names[g.fault]);
		fclose(f);
	}
	lpd_free(meta);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: vios-vdisk --socket PATH --server "
		"[ssh://[USER@]SSHHOST[:PORT]/]HOST:PORT "
		"--disk NAME=FILE... [--block-size N]\n"
		"                  [--fault chunk-overrun|resume-off-by-one] "
		"[--dump-dir DIR]\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "server", required_argument, NULL, 'S' },
		{ "disk", required_argument, NULL, 'd' },
		{ "block-size", required_argument, NULL, 'b' },
		{ "fault", required_argument, NULL, 'f' },
		{ "dump-dir", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *dump_dir = NULL, *specs[64];
	size_t nspecs = 0;
	uint32_t bs = 65536;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct lpd_error *err;
	int c, lfd;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': sock = optarg; break;
		case 'S': g.server = optarg; break;
		case 'd':
			if (nspecs == 64)
				return 2;
			specs[nspecs++] = optarg;
			break;
		case 'b': bs = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'f':
			for (size_t i = 1; i < 3; i++)
				if (strcmp(optarg, fault_names[i]) == 0)
					g.fault = (enum fault)i;
			if (g.fault == FAULT_NONE) {
				usage(stderr);
				return 2;
			}
			break;
		case 'D': dump_dir = optarg; break;
		default: usage(stderr); return 2;
		}
	}
	if (sock == NULL || g.server == NULL || nspecs == 0 ||
	    !bk_block_size_valid(bs) || strlen(sock) >= sizeof(a.sun_path)) {
		usage(stderr);
		return 2;
	}
	if (remote_is_url(g.server)) {
		if ((err = remote_url_parse(g.server, &g.ssh_url)) != NULL) {
			fprintf(stderr, "vios-vdisk: %s\n", err->message);
			return 2;
		}
		g.ssh = true;
		g.server = g.ssh_url.path[0] == '/' ? g.ssh_url.path + 1 :
			   g.ssh_url.path;
	}
	for (size_t i = 0; i < nspecs; i++)
		if ((err = add_disk(specs[i], bs)) != NULL) {
			fprintf(stderr, "vios-vdisk: %s\n", err->message);
			return 1;
		}
	signal(SIGPIPE, SIG_IGN);
	strcpy(a.sun_path, sock);
	unlink(sock);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(lfd, 16) < 0) {
		perror("vios-vdisk: bind");
		return 1;
	}
	arm_fault(dump_dir);
	fprintf(stderr, "vios-vdisk: serving %zu disks on %s, block size %u%s%s\n",
		g.ndisks, sock, bs, g.fault ? ", FAULT " : "",
		g.fault ? fault_names[g.fault] : "");
	for (;;) {
		pthread_t t;
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror("vios-vdisk: accept");
			return 1;
		}
		if (pthread_create(&t, NULL, client_thread,
				   (void *)(intptr_t)fd) != 0) {
			close(fd);
			continue;
		}
		pthread_detach(t);
	}
}
