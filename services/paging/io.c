/* services/paging/io.c - socket plumbing shared by the pager, the LPAR
 * runtime and the update manager. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "services/paging/paging.h"

int
pg_read_all(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n > 0) {
		ssize_t k = read(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int
pg_write_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static struct lpd_error *
sock_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"%s: socket path too long", path);
	strcpy(sa->sun_path, path);
	return NULL;
}

struct lpd_error *
pg_listen(const char *path, int *ret_fd)
{
	struct sockaddr_un sa;
	struct lpd_error *err;
	int fd;

	if ((err = sock_addr(path, &sa)) != NULL)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return lpd_error_os(errno, "socket");
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 64) != 0) {
		err = lpd_error_os(errno, path);
		close(fd);
		return err;
	}
	*ret_fd = fd;
	return NULL;
}

struct lpd_error *
pg_connect(const char *path, int *ret_fd)
{
	struct sockaddr_un sa;
	struct lpd_error *err;
	int fd;

	if ((err = sock_addr(path, &sa)) != NULL)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return lpd_error_os(errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		err = lpd_error_os(errno, path);
		close(fd);
		return err;
	}
	*ret_fd = fd;
	return NULL;
}

struct lpd_error *
pg_request(int fd, uint16_t op, const char *name, uint32_t page, void *body,
	   struct pg_rep *rep)
{
	uint8_t req[PG_REQ_SIZE + PG_NAME_MAX], head[PG_REP_SIZE];
	struct pg_rep r;
	struct lpd_error *err;
	size_t n;

	if ((err = pg_req_encode(op, name, page, req, &n)) != NULL)
		return err;
	if (pg_write_all(fd, req, n) != 0 ||
	    pg_read_all(fd, head, sizeof(head)) != 0)
		return lpd_error_format(LPD_ERR_REMOTE, "pager connection "
					"lost");
	if ((err = pg_rep_parse(head, sizeof(head), &r)) != NULL)
		return lpd_error_prefix(err, "pager");
	/* body_len <= PG_MAX_BODY: pg_rep_parse allows no other length. */
	if (r.body_len > 0 && pg_read_all(fd, body, r.body_len) != 0)
		return lpd_error_format(LPD_ERR_REMOTE, "pager connection "
					"lost");
	if (r.op != op || r.page != page)
		return lpd_error_format(LPD_ERR_BAD_INPUT, "pager answered "
					"another request (op %u page %u)",
					r.op, r.page);
	if (r.status != 0)
		return lpd_error_format(LPD_ERR_REMOTE, "pager: image '%s' "
					"page %u: %s", name, page,
					strerror(r.status));
	if (op == PG_OP_PAGE && pg_crc32(0, body, PG_PAGE) != r.crc)
		return lpd_error_format(LPD_ERR_BAD_INPUT, "image '%s' page "
					"%u: checksum mismatch", name, page);
	if (rep != NULL)
		*rep = r;
	return NULL;
}
