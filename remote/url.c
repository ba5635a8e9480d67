/* remote/url.c - ssh://[user@]host[:port]/path URLs and shell quoting of
 * the words sent to a remote shell. */
#include <stdlib.h>
#include <string.h>

#include "remote/remote.h"

bool
remote_is_url(const char *s)
{
	return s != NULL && strncmp(s, "ssh://", 6) == 0;
}

void
remote_url_deinit(struct remote_url *u)
{
	if (u == NULL)
		return;
	lpd_free(u->user);
	lpd_free(u->host);
	lpd_free(u->path);
	memset(u, 0, sizeof(*u));
}

struct lpd_error *
remote_url_parse(const char *s, struct remote_url *ret)
{
	struct remote_url u = { .port = 22 };
	const char *p, *slash, *at, *colon, *hend;

	if (!remote_is_url(s))
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"'%s': not an ssh:// URL", s);
	p = s + 6;
	slash = strchr(p, '/');
	hend = slash != NULL ? slash : p + strlen(p);
	at = memchr(p, '@', (size_t)(hend - p));
	if (at != NULL) {
		if (at == p)
			return lpd_error_format(LPD_ERR_INVALID_ARG,
						"'%s': empty user", s);
		u.user = lpd_strndup(p, (size_t)(at - p));
		p = at + 1;
	}
	/* [v6addr]:port or host:port */
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(hend - p));

		if (rb == NULL)
			goto bad;
		u.host = lpd_strndup(p + 1, (size_t)(rb - p - 1));
		colon = rb + 1 < hend && rb[1] == ':' ? rb + 1 : NULL;
		if (rb + 1 < hend && colon == NULL)
			goto bad;
	} else {
		colon = memchr(p, ':', (size_t)(hend - p));
		u.host = lpd_strndup(p, (size_t)((colon != NULL ? colon : hend)
						 - p));
	}
	if (u.host == NULL || u.host[0] == '\0')
		goto bad;
	if (colon != NULL) {
		char *end;
		unsigned long port = strtoul(colon + 1, &end, 10);

		if (end != hend || port == 0 || port > 65535 || end == colon + 1)
			goto bad;
		u.port = (unsigned)port;
	}
	u.path = lpd_strdup(slash != NULL ? slash : "");
	if (u.path == NULL || (at != NULL && u.user == NULL)) {
		remote_url_deinit(&u);
		return &lpd_enomem;
	}
	*ret = u;
	return NULL;
bad:
	remote_url_deinit(&u);
	return lpd_error_format(LPD_ERR_INVALID_ARG, "'%s': want "
				"ssh://[user@]host[:port]/path", s);
}

char *
remote_shell_quote(const char *s)
{
	struct lpd_buf b = LPD_BUF_INIT;
	bool fail = false;

	fail |= lpd_buf_puts(&b, "'") != NULL;
	for (; *s != '\0' && !fail; s++) {
		if (*s == '\'')
			fail |= lpd_buf_puts(&b, "'\\''") != NULL;
		else
			fail |= lpd_buf_append(&b, s, 1) != NULL;
	}
	fail |= lpd_buf_puts(&b, "'") != NULL;
	if (fail) {
		lpd_buf_deinit(&b);
		return NULL;
	}
	return lpd_buf_steal(&b);
}
