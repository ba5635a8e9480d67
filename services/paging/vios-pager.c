/* services/paging/vios-pager.c - the VIOS pager: builds a paging device
 * from OS images and serves it page by page over a Unix socket.
 *   vios-pager mkdev DEV [--corrupt NAME:PAGE] NAME=SO:VERSION:CATPAGES...
 *   vios-pager serve DEV SOCK [--torn NAME:PAGE]
 *   vios-pager stats SOCK NAME
 * --corrupt flips a byte of a stored page after its checksum is taken (a
 * bad image on the device); --torn serves a page half zeroed with its
 * good checksum (a torn transfer). Both are fault switches for tests. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "services/paging/paging.h"

static struct pg_image images[PG_MAX_IMAGES];
static uint32_t nimages;
static atomic_uint served[PG_MAX_IMAGES];
static int dev_fd = -1;
static const char *dev_path;
static char torn_name[PG_NAME_MAX];
static long torn_page = -1;

static int
die(struct lpd_error *err)
{
	fprintf(stderr, "vios-pager: %s\n", err->message);
	lpd_error_destroy(err);
	return 1;
}

/* "NAME:PAGE" into NAME (PG_NAME_MAX) and *PAGE. */
static int
parse_name_page(const char *s, char *name, long *page)
{
	const char *c = strrchr(s, ':');
	char *end;

	if (c == NULL || !pg_name_ok(s, (size_t)(c - s)))
		return -1;
	memcpy(name, s, (size_t)(c - s));
	name[c - s] = '\0';
	*page = strtol(c + 1, &end, 10);
	return *end != '\0' || *page < 0 ? -1 : 0;
}

static int
cmd_mkdev(int argc, char **argv)
{
	char cname[PG_NAME_MAX] = "";
	long cpage = -1;
	uint8_t hdr[PG_DEV_HDR], ent[PG_DIR_ENTRY], page[PG_PAGE];
	uint32_t n = 0;
	const char *specs[PG_MAX_IMAGES];
	int i = 0;

	if (argc < 2)
		goto usage;
	const char *out = argv[0];
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--corrupt") == 0 && i + 1 < argc) {
			if (parse_name_page(argv[++i], cname, &cpage) != 0)
				goto usage;
		} else if (n < PG_MAX_IMAGES) {
			specs[n++] = argv[i];
		} else {
			goto usage;
		}
	}
	FILE *f = fopen(out, "w+");
	if (f == NULL)
		return die(lpd_error_os(errno, out));
	/* Layout: header, directory, CRC tables, then page-aligned images. */
	uint64_t crc_at = PG_DEV_HDR + (uint64_t)n * PG_DIR_ENTRY;
	uint64_t data_at = 0;
	struct pg_image img[PG_MAX_IMAGES];
	char *so_path[PG_MAX_IMAGES];
	static char specbuf[PG_MAX_IMAGES][1024];
	for (uint32_t k = 0; k < n; k++) {
		char *s = specbuf[k];
		char *eq, *c1, *c2;
		struct stat st;
		if ((size_t)snprintf(s, sizeof(specbuf[k]), "%s", specs[k]) >=
		    sizeof(specbuf[k]))
			goto usage;
		if ((eq = strchr(s, '=')) == NULL ||
		    (c1 = strchr(eq, ':')) == NULL ||
		    (c2 = strchr(c1 + 1, ':')) == NULL)
			goto usage;
		*eq = *c1 = *c2 = '\0';
		memset(&img[k], 0, sizeof(img[k]));
		if (!pg_name_ok(s, strlen(s)))
			goto usage;
		strcpy(img[k].name, s);
		so_path[k] = eq + 1;
		if (stat(so_path[k], &st) != 0 || st.st_size <= 0 ||
		    st.st_size > (off_t)PG_MAX_PAGES / 2 * PG_PAGE)
			return die(lpd_error_os(errno ? errno : EINVAL,
						so_path[k]));
		img[k].os_version = (uint32_t)atoi(c1 + 1);
		img[k].so_size = (uint32_t)st.st_size;
		img[k].so_pages = (uint32_t)((st.st_size + PG_PAGE - 1) /
					     PG_PAGE);
		img[k].npages = img[k].so_pages + (uint32_t)atoi(c2 + 1);
		img[k].crc_offset = crc_at;
		crc_at += (uint64_t)img[k].npages * 4;
	}
	data_at = (crc_at + PG_PAGE - 1) / PG_PAGE * PG_PAGE;
	for (uint32_t k = 0; k < n; k++) {
		img[k].offset = data_at;
		data_at += (uint64_t)img[k].npages * PG_PAGE;
	}
	pg_dev_header_encode(n, hdr);
	fwrite(hdr, 1, sizeof(hdr), f);
	for (uint32_t k = 0; k < n; k++) {
		pg_dev_entry_encode(&img[k], ent);
		fwrite(ent, 1, sizeof(ent), f);
	}
	for (uint32_t k = 0; k < n; k++) {
		int so = open(so_path[k], O_RDONLY);
		if (so < 0)
			return die(lpd_error_os(errno, so_path[k]));
		for (uint32_t p = 0; p < img[k].npages; p++) {
			memset(page, 0, sizeof(page));
			if (p < img[k].so_pages) {
				if (pread(so, page, PG_PAGE,
					  (off_t)p * PG_PAGE) < 0)
					return die(lpd_error_os(errno,
								so_path[k]));
			} else {
				/* Catalog page: magic, version, index, then
				 * a pattern only this page has. */
				uint32_t w[3] = { 0x50544143,
						  img[k].os_version,
						  p - img[k].so_pages };
				memcpy(page, w, sizeof(w));
				for (size_t b = 12; b < PG_PAGE; b++)
					page[b] = (uint8_t)(b * 7 + p);
			}
			uint32_t crc = pg_crc32(0, page, PG_PAGE);
			if (strcmp(cname, img[k].name) == 0 && cpage == p)
				page[PG_PAGE / 2] ^= 0x5a;
			if (pwrite(fileno(f), &crc, 4, (off_t)img[k].crc_offset +
				   4 * (off_t)p) != 4 ||
			    pwrite(fileno(f), page, PG_PAGE, (off_t)img[k].offset +
				   (off_t)p * PG_PAGE) != PG_PAGE)
				return die(lpd_error_os(errno, out));
		}
		close(so);
	}
	if (fclose(f) != 0)
		return die(lpd_error_os(errno, out));
	return 0;
usage:
	fprintf(stderr, "usage: vios-pager mkdev DEV [--corrupt NAME:PAGE] "
		"NAME=SO:VERSION:CATPAGES...\n");
	return 2;
}

static int
find_image(const char *name)
{
	for (uint32_t i = 0; i < nimages; i++)
		if (strcmp(images[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
reply(int fd, struct pg_rep *rep, const void *body)
{
	uint8_t buf[PG_REP_SIZE + PG_MAX_BODY];

	pg_rep_encode(rep, buf);
	if (rep->body_len > 0)
		memcpy(buf + PG_REP_SIZE, body, rep->body_len);
	return pg_write_all(fd, buf, PG_REP_SIZE + rep->body_len);
}

/* One client: requests until EOF or the first bad byte. */
static void *
serve_client(void *arg)
{
	int fd = (int)(intptr_t)arg;
	uint8_t head[PG_REQ_SIZE], name[PG_NAME_MAX], body[PG_MAX_BODY];
	struct pg_req req;
	struct pg_rep rep;
	struct lpd_error *err;
	size_t nlen;

	for (;;) {
		if (pg_read_all(fd, head, sizeof(head)) != 0)
			break;
		if ((err = pg_req_parse_head(head, sizeof(head), &req,
					     &nlen)) != NULL ||
		    (pg_read_all(fd, name, nlen) != 0 &&
		     (err = lpd_error_format(LPD_ERR_BAD_INPUT,
					     "short name")) != NULL) ||
		    (err = pg_req_set_name(&req, name, nlen)) != NULL) {
			fprintf(stderr, "vios-pager: dropping client: %s\n",
				err->message);
			lpd_error_destroy(err);
			break;
		}
		memset(&rep, 0, sizeof(rep));
		rep.op = req.op;
		rep.page = req.page;
		int i = find_image(req.name);
		if (i < 0) {
			rep.status = ENOENT;
		} else if (req.op == PG_OP_INFO) {
			struct pg_info info = {
				images[i].os_version, images[i].npages,
				images[i].so_pages, images[i].so_size };
			pg_info_encode(&info, body);
			rep.body_len = PG_INFO_SIZE;
		} else if (req.op == PG_OP_STATS) {
			uint32_t w[2] = { atomic_load(&served[i]),
					  images[i].npages };
			memcpy(body, w, 8);
			rep.body_len = 8;
		} else if (req.page >= images[i].npages) {
			rep.status = ERANGE;
		} else if (pread(dev_fd, &rep.crc, 4,
				 (off_t)images[i].crc_offset +
				 4 * (off_t)req.page) != 4 ||
			   pread(dev_fd, body, PG_PAGE,
				 (off_t)images[i].offset +
				 (off_t)req.page * PG_PAGE) != PG_PAGE) {
			rep.status = EIO;
		} else {
			if (torn_page == (long)req.page &&
			    strcmp(torn_name, req.name) == 0)
				memset(body + PG_PAGE / 2, 0, PG_PAGE / 2);
			rep.body_len = PG_PAGE;
			atomic_fetch_add(&served[i], 1);
		}
		if (reply(fd, &rep, body) != 0)
			break;
	}
	close(fd);
	return NULL;
}

static int
cmd_serve(int argc, char **argv)
{
	uint8_t dir[PG_DEV_HDR + PG_MAX_IMAGES * PG_DIR_ENTRY];
	struct stat st;
	struct lpd_error *err;
	ssize_t n;

	if (argc == 4 && strcmp(argv[2], "--torn") == 0) {
		if (parse_name_page(argv[3], torn_name, &torn_page) != 0)
			argc = 0;
		else
			argc = 2;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: vios-pager serve DEV SOCK "
			"[--torn NAME:PAGE]\n");
		return 2;
	}
	dev_path = argv[0];
	dev_fd = open(dev_path, O_RDONLY | O_CLOEXEC);
	if (dev_fd < 0 || fstat(dev_fd, &st) != 0)
		return die(lpd_error_os(errno, dev_path));
	n = pread(dev_fd, dir, sizeof(dir), 0);
	if (n < 0)
		return die(lpd_error_os(errno, dev_path));
	if ((err = pg_dev_parse(dir, (size_t)n, (uint64_t)st.st_size,
				dev_path, images, &nimages)) != NULL)
		return die(err);
	int ls;
	if ((err = pg_listen(argv[1], &ls)) != NULL)
		return die(err);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "vios-pager: serving %u images from %s\n", nimages,
		dev_path);
	for (;;) {
		int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		pthread_t t;
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return die(lpd_error_os(errno, "accept"));
		}
		if (pthread_create(&t, NULL, serve_client,
				   (void *)(intptr_t)fd) != 0) {
			close(fd);
			continue;
		}
		pthread_detach(t);
	}
}

static int
cmd_stats(int argc, char **argv)
{
	uint32_t w[2];
	struct lpd_error *err;

	if (argc != 2) {
		fprintf(stderr, "usage: vios-pager stats SOCK NAME\n");
		return 2;
	}
	int fd;
	if ((err = pg_connect(argv[0], &fd)) != NULL)
		return die(err);
	if ((err = pg_request(fd, PG_OP_STATS, argv[1], 0, w, NULL)) != NULL)
		return die(err);
	printf("{\"image\":\"%s\",\"served\":%u,\"npages\":%u}\n", argv[1],
	       w[0], w[1]);
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "mkdev") == 0)
		return cmd_mkdev(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "serve") == 0)
		return cmd_serve(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "stats") == 0)
		return cmd_stats(argc - 2, argv + 2);
	fprintf(stderr, "usage: vios-pager mkdev|serve|stats ...\n");
	return 2;
}
