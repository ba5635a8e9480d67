/* remote/ssh.c - one libssh2 session: TCP connect with a deadline, host
 * key checked against known_hosts, authentication (ssh-agent, then the
 * ~/.ssh/id_* keys), exec channels read line by line, SFTP downloads.
 * What travels over the channels is the caller's business. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <libssh2.h>
#include <libssh2_sftp.h>
#include <openssl/evp.h>

#include "remote/remote.h"

#define SSH_DEFAULT_TIMEOUT_MS 10000u
#define SSH_STDERR_KEEP 2048	/* last bytes of a command's stderr kept */
#define SSH_KNOWN_LINE_MAX 16384
#define SSH_KEY_FILE_MAX 65536

struct remote_session {
	LIBSSH2_SESSION *ssh;
	LIBSSH2_SFTP *sftp;	/* opened on first use */
	int sock;
	unsigned timeout_ms;
	char *name;		/* user@host:port */
};

struct remote_channel {
	struct remote_session *s;
	LIBSSH2_CHANNEL *ch;
	struct lpd_buf in;	/* bytes read, not yet returned */
	size_t in_off;
	char *command;		/* for messages */
};

/* libssh2_init and libssh2_exit keep a count that is not thread-safe; a
 * tunnel's relay thread destroys its session while other threads
 * connect. */
static pthread_mutex_t ssh_lib_mu = PTHREAD_MUTEX_INITIALIZER;

static int
ssh_lib_init(void)
{
	int rc;

	pthread_mutex_lock(&ssh_lib_mu);
	rc = libssh2_init(0);
	pthread_mutex_unlock(&ssh_lib_mu);
	return rc;
}

static void
ssh_lib_exit(void)
{
	pthread_mutex_lock(&ssh_lib_mu);
	libssh2_exit();
	pthread_mutex_unlock(&ssh_lib_mu);
}

/* ---- connecting ------------------------------------------------------ */

static struct lpd_error *
ssh_connect_socket(const struct remote_url *u, unsigned timeout_ms, int *ret)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *a;
	char port[16];
	int rc, fd = -1, saved = 0;

	snprintf(port, sizeof(port), "%u", u->port);
	rc = getaddrinfo(u->host, port, &hints, &ai);
	if (rc != 0)
		return lpd_error_format(LPD_ERR_REMOTE, "%s: %s", u->host,
					gai_strerror(rc));
	for (a = ai; a != NULL; a = a->ai_next) {
		struct pollfd p;
		socklen_t sl = sizeof(saved);
		int fl;

		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC,
			    a->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		fl = fcntl(fd, F_GETFL);
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			saved = 0;
		else if (errno != EINPROGRESS)
			saved = errno;
		else {
			p.fd = fd;
			p.events = POLLOUT;
			rc = poll(&p, 1, (int)timeout_ms);
			if (rc == 0)
				saved = ETIMEDOUT;
			else if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR,
						      &saved, &sl) != 0)
				saved = errno;
		}
		if (saved == 0) {
			fcntl(fd, F_SETFL, fl);
			break;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return lpd_error_format(LPD_ERR_REMOTE, "cannot connect to "
					"%s port %u: %s", u->host, u->port,
					saved == ETIMEDOUT
					? "no answer (timed out)"
					: strerror(saved));
	*ret = fd;
	return NULL;
}

static const char *
ssh_home(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h != NULL && h[0] != '\0')
		return h;
	pw = getpwuid(getuid());
	return pw != NULL ? pw->pw_dir : "/";
}

static const char *
ssh_user(const struct remote_url *u)
{
	const char *s = u->user;
	struct passwd *pw;

	if (s == NULL)
		s = getenv("USER");
	if (s == NULL || s[0] == '\0') {
		pw = getpwuid(getuid());
		s = pw != NULL ? pw->pw_name : "root";
	}
	return s;
}

/* libssh2's last error as text, with the operation that failed. */
static struct lpd_error *
ssh_error(struct remote_session *s, const char *what)
{
	char *msg = NULL;
	int code = libssh2_session_last_error(s->ssh, &msg, NULL, 0);

	if (code == LIBSSH2_ERROR_TIMEOUT)
		return lpd_error_format(LPD_ERR_REMOTE, "%s: %s: no answer "
					"within %u ms (timed out)", s->name,
					what, s->timeout_ms);
	if (code == LIBSSH2_ERROR_SOCKET_RECV ||
	    code == LIBSSH2_ERROR_SOCKET_DISCONNECT ||
	    code == LIBSSH2_ERROR_SOCKET_SEND)
		return lpd_error_format(LPD_ERR_REMOTE, "%s: %s: connection "
					"lost (%s)", s->name, what,
					msg != NULL ? msg : "?");
	return lpd_error_format(LPD_ERR_REMOTE, "%s: %s: %s", s->name, what,
				msg != NULL && msg[0] != '\0' ? msg
				: "libssh2 error");
}

/* ---- host keys ------------------------------------------------------- */

/* "SHA256:base64" as ssh-keygen -l prints it (no padding). */
static void
ssh_fingerprint(struct remote_session *s, char *buf, size_t size)
{
	const char *h = libssh2_hostkey_hash(s->ssh,
					     LIBSSH2_HOSTKEY_HASH_SHA256);
	unsigned char b64[64];
	int n;

	if (h == NULL) {
		snprintf(buf, size, "SHA256:?");
		return;
	}
	n = EVP_EncodeBlock(b64, (const unsigned char *)h, 32);
	while (n > 0 && b64[n - 1] == '=')
		n--;
	b64[n] = '\0';
	snprintf(buf, size, "SHA256:%s", (const char *)b64);
}

static int
ssh_knownhost_type(int hostkey_type, const char **name)
{
	switch (hostkey_type) {
	case LIBSSH2_HOSTKEY_TYPE_RSA:
		*name = "RSA";
		return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
	case LIBSSH2_HOSTKEY_TYPE_DSS:
		*name = "DSA";
		return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
		*name = "ECDSA";
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
		*name = "ECDSA";
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
		*name = "ECDSA";
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
	case LIBSSH2_HOSTKEY_TYPE_ED25519:
		*name = "ED25519";
		return LIBSSH2_KNOWNHOST_KEY_ED25519;
	default:
		*name = "unknown";
		return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
	}
}

/* Read known_hosts line by line: libssh2_knownhost_readfile() gives up on
 * the whole file at the first line it cannot parse (a key type it does
 * not know, say), and one such line must not hide the others. */
static void
ssh_read_known_hosts(LIBSSH2_KNOWNHOSTS *kh, const char *path)
{
	char *line = lpd_malloc(SSH_KNOWN_LINE_MAX);
	FILE *f = fopen(path, "re");

	if (f != NULL && line != NULL) {
		while (fgets(line, SSH_KNOWN_LINE_MAX, f) != NULL) {
			size_t n = strlen(line);

			if (n > 0 && line[n - 1] != '\n' && !feof(f)) {
				int c;

				while ((c = fgetc(f)) != EOF && c != '\n')
					;	/* too long: skip it */
				continue;
			}
			libssh2_knownhost_readline(kh, line, n,
					LIBSSH2_KNOWNHOST_FILE_OPENSSH);
		}
	}
	if (f != NULL)
		fclose(f);
	lpd_free(line);
}

static struct lpd_error *
ssh_check_host_key(struct remote_session *s, const struct remote_url *u,
		   const struct remote_options *o)
{
	LIBSSH2_KNOWNHOSTS *kh;
	struct libssh2_knownhost *found = NULL;
	const char *key, *tname;
	char fp[80], *path = NULL, *hostname = NULL;
	struct lpd_error *err = NULL;
	size_t len;
	int type, ktype, rc;

	key = libssh2_session_hostkey(s->ssh, &len, &type);
	if (key == NULL)
		return ssh_error(s, "no host key");
	ssh_fingerprint(s, fp, sizeof(fp));
	ktype = ssh_knownhost_type(type, &tname);
	path = o->known_hosts != NULL ? lpd_strdup(o->known_hosts)
		: lpd_asprintf("%s/.ssh/known_hosts", ssh_home());
	kh = libssh2_knownhost_init(s->ssh);
	if (path == NULL || kh == NULL) {
		err = &lpd_enomem;
		goto out;
	}
	ssh_read_known_hosts(kh, path);
	rc = libssh2_knownhost_checkp(kh, u->host, (int)u->port, key, len,
				      LIBSSH2_KNOWNHOST_TYPE_PLAIN |
				      LIBSSH2_KNOWNHOST_KEYENC_RAW | ktype,
				      &found);
	if (rc == LIBSSH2_KNOWNHOST_CHECK_MATCH)
		goto out;
	if (rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH) {
		err = lpd_error_format(LPD_ERR_REMOTE, "%s: HOST KEY CHANGED: "
			"the %s key offered is %s, not the one %s holds for "
			"this host; refusing to connect (someone may be "
			"intercepting the connection; if the key really "
			"changed, remove the old line with ssh-keygen -R)",
			s->name, tname, fp, path);
		goto out;
	}
	if (!o->accept_new_host_key) {
		err = lpd_error_format(LPD_ERR_REMOTE, "%s: host key not "
			"known: the %s key fingerprint is %s; not in %s, "
			"refusing to connect (check the fingerprint, then "
			"add it with ssh-keyscan or "
			"--accept-new-host-key)", s->name, tname, fp, path);
		goto out;
	}
	hostname = u->port == 22 ? lpd_strdup(u->host)
		: lpd_asprintf("[%s]:%u", u->host, u->port);
	if (hostname == NULL) {
		err = &lpd_enomem;
		goto out;
	}
	if (libssh2_knownhost_addc(kh, hostname, NULL, key, len, NULL, 0,
				   LIBSSH2_KNOWNHOST_TYPE_PLAIN |
				   LIBSSH2_KNOWNHOST_KEYENC_RAW | ktype,
				   NULL) != 0 ||
	    libssh2_knownhost_writefile(kh, path,
					LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0)
		err = lpd_error_format(LPD_ERR_REMOTE, "%s: cannot add the "
				       "host key %s to %s", s->name, fp, path);
	else
		fprintf(stderr, "warning: permanently added %s key %s of %s "
			"to %s\n", tname, fp, hostname, path);
out:
	if (kh != NULL)
		libssh2_knownhost_free(kh);
	lpd_free(hostname);
	lpd_free(path);
	return err;
}

/* ---- authentication -------------------------------------------------- */

static bool
ssh_try_agent(struct remote_session *s, const char *user)
{
	struct libssh2_agent_publickey *id = NULL, *prev = NULL;
	LIBSSH2_AGENT *agent;
	bool ok = false;

	if (getenv("SSH_AUTH_SOCK") == NULL)
		return false;
	agent = libssh2_agent_init(s->ssh);
	if (agent == NULL)
		return false;
	if (libssh2_agent_connect(agent) == 0 &&
	    libssh2_agent_list_identities(agent) == 0) {
		while (!ok && libssh2_agent_get_identity(agent, &id, prev) ==
		       0) {
			ok = libssh2_agent_userauth(agent, user, id) == 0;
			prev = id;
		}
	}
	libssh2_agent_disconnect(agent);
	libssh2_agent_free(agent);
	return ok;
}

/* Does the private key at PATH need a passphrase? PEM keys say
 * "ENCRYPTED"; OpenSSH's own format names its cipher right after the
 * magic ("none" when clear). Only the first bytes are decoded. */
static bool
ssh_key_encrypted(const char *path)
{
	static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
	unsigned char raw[160];
	char b64[213], *text;
	struct lpd_reader r;
	const uint8_t *name;
	size_t n = 0, k = 0;
	uint32_t len;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool enc = false;

	if (fd < 0)
		return false;
	text = lpd_malloc(SSH_KEY_FILE_MAX + 1);
	if (text == NULL) {
		close(fd);
		return false;
	}
	while (n < SSH_KEY_FILE_MAX &&
	       (got = read(fd, text + n, SSH_KEY_FILE_MAX - n)) > 0)
		n += (size_t)got;
	close(fd);
	text[n] = '\0';
	if (strstr(text, "ENCRYPTED") != NULL) {
		enc = true;
	} else if (strncmp(text, begin, sizeof(begin) - 1) == 0) {
		const char *p = text + sizeof(begin) - 1;

		for (; *p != '\0' && *p != '-' && k < sizeof(b64) - 1; p++)
			if (*p != '\n' && *p != '\r' && *p != ' ')
				b64[k++] = *p;
		k -= k % 4;
		b64[k] = '\0';
		got = EVP_DecodeBlock(raw, (const unsigned char *)b64,
				      (int)k);
		/* "openssh-key-v1\0", then string ciphername */
		if (got > 15 && memcmp(raw, "openssh-key-v1", 15) == 0) {
			struct lpd_error *e;

			lpd_reader_init(&r, raw, (size_t)got, true, path, 0);
			e = lpd_reader_skip(&r, 15);
			if (e == NULL)
				e = lpd_reader_u32(&r, &len);
			if (e == NULL)
				e = lpd_reader_bytes(&r, len, &name);
			if (e == NULL)
				enc = !(len == 4 && memcmp(name, "none", 4) ==
					0);
			lpd_error_destroy(e);
		}
	}
	lpd_free(text);
	return enc;
}

/* The default passphrase prompt: /dev/tty with echo off, only when a
 * person is there to answer. */
static bool
ssh_tty_passphrase(void *arg, const char *key_path, char *buf, size_t size)
{
	struct termios old, quiet;
	bool ok = false;
	size_t n = 0;
	char c;
	int fd;

	(void)arg;
	if (!isatty(STDIN_FILENO))
		return false;
	fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (tcgetattr(fd, &old) == 0) {
		char prompt[512];
		int pl = snprintf(prompt, sizeof(prompt),
				  "Enter passphrase for key '%s': ", key_path);

		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		if (pl > 0 && write(fd, prompt, (size_t)pl) > 0 &&
		    tcsetattr(fd, TCSAFLUSH, &quiet) == 0) {
			while (read(fd, &c, 1) == 1 && c != '\n' && c != '\r')
				if (n + 1 < size)
					buf[n++] = c;
			buf[n] = '\0';
			ok = true;
			tcsetattr(fd, TCSAFLUSH, &old);
			if (write(fd, "\n", 1) < 0)
				ok = true;	/* the prompt's newline only */
		}
	}
	close(fd);
	return ok;
}

static struct lpd_error *
ssh_authenticate(struct remote_session *s, const struct remote_url *u,
		 const struct remote_options *o)
{
	static const char *const keys[] = { "id_ed25519", "id_ecdsa",
					    "id_rsa" };
	const char *user = ssh_user(u);
	struct lpd_buf tried = LPD_BUF_INIT;
	struct lpd_error *err = NULL;
	char *methods;
	size_t i, n = o->identity != NULL ? 1 : 3;
	bool ok = false;

	methods = libssh2_userauth_list(s->ssh, user,
					(unsigned)strlen(user));
	if (methods == NULL) {
		if (libssh2_userauth_authenticated(s->ssh))
			return NULL;
		return ssh_error(s, "authentication");
	}
	if (strstr(methods, "publickey") == NULL)
		return lpd_error_format(LPD_ERR_REMOTE, "%s: the server "
					"offers no public key authentication "
					"(only %s)", s->name, methods);
	if (!o->no_agent && o->identity == NULL) {
		ok = ssh_try_agent(s, user);
		if (!ok && getenv("SSH_AUTH_SOCK") != NULL)
			lpd_buf_puts(&tried, " ssh-agent");
	}
	for (i = 0; i < n && !ok; i++) {
		char *priv = o->identity != NULL ? lpd_strdup(o->identity)
			: lpd_asprintf("%s/.ssh/%s", ssh_home(), keys[i]);
		char *pub = priv != NULL ? lpd_asprintf("%s.pub", priv) : NULL;
		char pass[1024];
		bool have_pass = false;

		if (priv == NULL || pub == NULL) {
			lpd_free(priv);
			lpd_free(pub);
			err = &lpd_enomem;
			break;
		}
		if (access(priv, R_OK) == 0) {
			pass[0] = '\0';
			if (ssh_key_encrypted(priv)) {
				remote_passphrase_fn fn = o->passphrase != NULL
					? o->passphrase : ssh_tty_passphrase;

				have_pass = fn(o->passphrase_arg, priv, pass,
					       sizeof(pass));
				if (!have_pass)
					lpd_buf_printf(&tried, " %s (needs a "
						       "passphrase and there is "
						       "no terminal to ask for "
						       "it)", priv);
			} else {
				have_pass = true;
			}
			if (have_pass) {
				ok = libssh2_userauth_publickey_fromfile_ex(
					s->ssh, user, (unsigned)strlen(user),
					access(pub, R_OK) == 0 ? pub : NULL,
					priv, pass) == 0;
				if (!ok)
					lpd_buf_printf(&tried, " %s", priv);
			}
			explicit_bzero(pass, sizeof(pass));
		} else if (o->identity != NULL) {
			lpd_buf_printf(&tried, " %s (cannot read it)", priv);
		}
		lpd_free(priv);
		lpd_free(pub);
	}
	if (!ok && err == NULL)
		err = lpd_error_format(LPD_ERR_REMOTE, "%s: permission denied "
				       "(publickey); tried:%s", s->name,
				       tried.len > 0 ? tried.data
				       : " no ssh-agent, no key in ~/.ssh");
	lpd_buf_deinit(&tried);
	return err;
}

struct lpd_error *
remote_connect(const struct remote_url *u, const struct remote_options *opts,
	       struct remote_session **ret)
{
	static const struct remote_options defaults = { 0 };
	const struct remote_options *o = opts != NULL ? opts : &defaults;
	struct remote_session *s;
	struct lpd_error *err;

	if (ssh_lib_init() != 0)
		return lpd_error_format(LPD_ERR_REMOTE, "libssh2_init failed");
	s = lpd_calloc(1, sizeof(*s));
	if (s == NULL) {
		ssh_lib_exit();
		return &lpd_enomem;
	}
	s->sock = -1;
	s->timeout_ms = o->timeout_ms != 0 ? o->timeout_ms
		: SSH_DEFAULT_TIMEOUT_MS;
	s->name = lpd_asprintf("%s@%s:%u", ssh_user(u), u->host, u->port);
	if (s->name == NULL) {
		err = &lpd_enomem;
		goto fail;
	}
	err = ssh_connect_socket(u, s->timeout_ms, &s->sock);
	if (err != NULL)
		goto fail;
	s->ssh = libssh2_session_init();
	if (s->ssh == NULL) {
		err = &lpd_enomem;
		goto fail;
	}
	libssh2_session_set_blocking(s->ssh, 1);
	libssh2_session_set_timeout(s->ssh, (long)s->timeout_ms);
	if (libssh2_session_handshake(s->ssh, s->sock) != 0) {
		err = ssh_error(s, "SSH handshake");
		goto fail;
	}
	err = ssh_check_host_key(s, u, o);
	if (err == NULL)
		err = ssh_authenticate(s, u, o);
	if (err != NULL)
		goto fail;
	*ret = s;
	return NULL;
fail:
	remote_session_destroy(s);
	return err;
}

void
remote_session_destroy(struct remote_session *s)
{
	if (s == NULL)
		return;
	if (s->sftp != NULL)
		libssh2_sftp_shutdown(s->sftp);
	if (s->ssh != NULL) {
		/* Short: the peer may be gone already. */
		libssh2_session_set_timeout(s->ssh, 1000);
		libssh2_session_disconnect(s->ssh, "bye");
		libssh2_session_free(s->ssh);
	}
	if (s->sock >= 0)
		close(s->sock);
	lpd_free(s->name);
	lpd_free(s);
	ssh_lib_exit();
}

const char *
remote_session_name(const struct remote_session *s)
{
	return s->name;
}

/* ---- exec channels --------------------------------------------------- */

struct lpd_error *
remote_exec(struct remote_session *s, const char *command,
	    struct remote_channel **ret)
{
	struct remote_channel *c = lpd_calloc(1, sizeof(*c));

	if (c == NULL)
		return &lpd_enomem;
	c->s = s;
	c->command = lpd_strdup(command);
	if (c->command == NULL) {
		lpd_free(c);
		return &lpd_enomem;
	}
	libssh2_session_set_timeout(s->ssh, (long)s->timeout_ms);
	c->ch = libssh2_channel_open_session(s->ssh);
	if (c->ch == NULL) {
		remote_channel_close(c);
		return ssh_error(s, "cannot open a channel");
	}
	if (libssh2_channel_exec(c->ch, command) != 0) {
		struct lpd_error *err = ssh_error(s, "cannot run a command");

		remote_channel_close(c);
		return err;
	}
	*ret = c;
	return NULL;
}

struct lpd_error *
remote_channel_write_line(struct remote_channel *c, const char *line,
			  size_t len)
{
	size_t off = 0;

	libssh2_session_set_timeout(c->s->ssh, (long)c->s->timeout_ms);
	while (off <= len) {
		const char *p = off < len ? line + off : "\n";
		size_t n = off < len ? len - off : 1;
		ssize_t w = libssh2_channel_write(c->ch, p, n);

		if (w < 0)
			return ssh_error(c->s, "sending to the remote agent");
		off += (size_t)w;
	}
	return NULL;
}

/* The command ended: say how, with the tail of what it wrote to stderr
 * (it says why a remote lpardbg could not start). */
static struct lpd_error *
ssh_channel_ended(struct remote_channel *c)
{
	char tail[SSH_STDERR_KEEP + 1], buf[1024];
	size_t n = 0;
	ssize_t r;
	int status;

	libssh2_session_set_timeout(c->s->ssh, 2000);
	while ((r = libssh2_channel_read_stderr(c->ch, buf, sizeof(buf))) >
	       0) {
		size_t k = (size_t)r;

		/* buf is smaller than tail: keep the last bytes */
		if (n + k > SSH_STDERR_KEEP) {
			size_t drop = n + k - SSH_STDERR_KEEP;

			memmove(tail, tail + drop, n - drop);
			n -= drop;
		}
		memcpy(tail + n, buf, k);
		n += k;
	}
	while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == '\r'))
		n--;
	tail[n] = '\0';
	libssh2_channel_close(c->ch);
	libssh2_channel_wait_closed(c->ch);
	status = libssh2_channel_get_exit_status(c->ch);
	libssh2_session_set_timeout(c->s->ssh, (long)c->s->timeout_ms);
	return lpd_error_format(LPD_ERR_REMOTE, "%s: remote command '%s' "
				"ended (exit status %d)%s%s", c->s->name,
				c->command, status, n > 0 ? ": " : "", tail);
}

struct lpd_error *
remote_channel_read_line(struct remote_channel *c, size_t max,
			 unsigned timeout_ms, char **ret)
{
	char buf[65536];

	libssh2_session_set_timeout(c->s->ssh, (long)(timeout_ms != 0
					? timeout_ms : c->s->timeout_ms));
	for (;;) {
		const char *start = c->in.data != NULL ? c->in.data + c->in_off
			: NULL;
		size_t avail = c->in.len - c->in_off;
		const char *nl = avail > 0 ? memchr(start, '\n', avail) : NULL;
		ssize_t r;

		if (nl != NULL) {
			size_t n = (size_t)(nl - start);

			if (n > max)
				return lpd_error_format(LPD_ERR_BAD_INPUT,
					"%s: reply longer than %zu bytes",
					c->s->name, max);
			*ret = lpd_strndup(start, n);
			if (*ret == NULL)
				return &lpd_enomem;
			c->in_off += n + 1;
			if (c->in_off == c->in.len) {
				lpd_buf_reset(&c->in);
				c->in_off = 0;
			}
			return NULL;
		}
		if (avail > max)
			return lpd_error_format(LPD_ERR_BAD_INPUT, "%s: reply "
						"longer than %zu bytes",
						c->s->name, max);
		r = libssh2_channel_read(c->ch, buf, sizeof(buf));
		if (r == 0 || (r < 0 && libssh2_channel_eof(c->ch)))
			return ssh_channel_ended(c);
		if (r < 0) {
			int code = libssh2_session_last_errno(c->s->ssh);

			if (code == LIBSSH2_ERROR_TIMEOUT)
				return lpd_error_format(LPD_ERR_REMOTE,
					"%s: no answer from the remote agent "
					"within %u ms (timed out)", c->s->name,
					timeout_ms != 0 ? timeout_ms
					: c->s->timeout_ms);
			return ssh_error(c->s, "reading from the remote agent");
		}
		if (lpd_buf_append(&c->in, buf, (size_t)r) != NULL)
			return &lpd_enomem;
	}
}

void
remote_channel_close(struct remote_channel *c)
{
	if (c == NULL)
		return;
	if (c->ch != NULL) {
		libssh2_session_set_timeout(c->s->ssh, 1000);
		libssh2_channel_send_eof(c->ch);
		libssh2_channel_free(c->ch);
		libssh2_session_set_timeout(c->s->ssh,
					    (long)c->s->timeout_ms);
	}
	lpd_buf_deinit(&c->in);
	lpd_free(c->command);
	lpd_free(c);
}

/* ---- SFTP -------------------------------------------------------------- */

static struct lpd_error *
ssh_sftp(struct remote_session *s)
{
	if (s->sftp != NULL)
		return NULL;
	libssh2_session_set_timeout(s->ssh, (long)s->timeout_ms);
	s->sftp = libssh2_sftp_init(s->ssh);
	if (s->sftp == NULL)
		return ssh_error(s, "cannot start SFTP");
	return NULL;
}

static struct lpd_error *
ssh_sftp_error(struct remote_session *s, const char *path, const char *what)
{
	unsigned long e = libssh2_sftp_last_error(s->sftp);

	if (libssh2_session_last_errno(s->ssh) == LIBSSH2_ERROR_SFTP_PROTOCOL &&
	    (e == LIBSSH2_FX_NO_SUCH_FILE || e == LIBSSH2_FX_NO_SUCH_PATH))
		return lpd_error_format(LPD_ERR_NOT_FOUND, "%s:%s: no such "
					"file", s->name, path);
	if (libssh2_session_last_errno(s->ssh) == LIBSSH2_ERROR_SFTP_PROTOCOL)
		return lpd_error_format(LPD_ERR_REMOTE, "%s:%s: %s: SFTP "
					"error %lu", s->name, path, what, e);
	return lpd_error_prefix(ssh_error(s, what), "%s", path);
}

struct lpd_error *
remote_sftp_size(struct remote_session *s, const char *path, uint64_t *ret)
{
	LIBSSH2_SFTP_ATTRIBUTES a;
	struct lpd_error *err = ssh_sftp(s);

	if (err != NULL)
		return err;
	if (libssh2_sftp_stat(s->sftp, path, &a) != 0)
		return ssh_sftp_error(s, path, "stat");
	*ret = (a.flags & LIBSSH2_SFTP_ATTR_SIZE) ? a.filesize : 0;
	return NULL;
}

struct lpd_error *
remote_sftp_get(struct remote_session *s, const char *path,
		const char *local, uint64_t max_bytes)
{
	/* Big reads: libssh2 keeps several SFTP reads in flight for one
	 * call (its read-ahead), which is what makes a WAN copy fast. */
	enum { CHUNK = 1 << 20 };
	LIBSSH2_SFTP_HANDLE *h;
	struct lpd_error *err = ssh_sftp(s);
	uint64_t total = 0;
	char *part = NULL, *buf = NULL;
	ssize_t r;
	int fd = -1;

	if (err != NULL)
		return err;
	h = libssh2_sftp_open(s->sftp, path, LIBSSH2_FXF_READ, 0);
	if (h == NULL)
		return ssh_sftp_error(s, path, "open");
	part = lpd_asprintf("%s.part", local);
	buf = lpd_malloc(CHUNK);
	if (part == NULL || buf == NULL) {
		err = &lpd_enomem;
		goto out;
	}
	fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = lpd_error_os(errno, part);
		goto out;
	}
	while ((r = libssh2_sftp_read(h, buf, CHUNK)) > 0) {
		size_t off = 0;

		total += (uint64_t)r;
		if (max_bytes != 0 && total > max_bytes) {
			err = lpd_error_format(LPD_ERR_REMOTE, "%s:%s: larger "
					       "than the %llu bytes allowed",
					       s->name, path,
					       (unsigned long long)max_bytes);
			goto out;
		}
		while (off < (size_t)r) {
			ssize_t w = write(fd, buf + off, (size_t)r - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				err = lpd_error_os(errno, part);
				goto out;
			}
			off += (size_t)w;
		}
	}
	if (r < 0) {
		err = ssh_sftp_error(s, path, "read");
		goto out;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		err = lpd_error_os(errno, part);
		goto out;
	}
	fd = -1;
	if (rename(part, local) != 0)
		err = lpd_error_os(errno, local);
out:
	if (fd >= 0)
		close(fd);
	if (err != NULL && part != NULL)
		unlink(part);
	libssh2_sftp_close(h);
	lpd_free(part);
	lpd_free(buf);
	return err;
}

/* ---- tunnels ---------------------------------------------------------- */

#define SSH_TUNNEL_BUF 65536

struct ssh_tunnel {
	struct remote_session *s;
	LIBSSH2_CHANNEL *ch;
	int fd;			/* our end of the socket pair */
};

/* Move bytes both ways until either end closes or fails. The session is
 * non-blocking here so one thread serves both directions; each direction
 * holds at most one buffer, so a slow reader stalls only its own side. */
static void
ssh_tunnel_pump(struct ssh_tunnel *t)
{
	static const size_t cap = SSH_TUNNEL_BUF;
	uint8_t *up = lpd_malloc(cap), *down = lpd_malloc(cap);
	size_t ulen = 0, uoff = 0, dlen = 0, doff = 0;
	bool local_eof = false;

	if (up == NULL || down == NULL)
		goto out;
	libssh2_session_set_blocking(t->s->ssh, 0);
	fcntl(t->fd, F_SETFL, fcntl(t->fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		bool moved = false;
		ssize_t n;

		if (uoff == ulen && !local_eof) {
			n = read(t->fd, up, cap);
			if (n > 0) {
				ulen = (size_t)n;
				uoff = 0;
				moved = true;
			} else if (n == 0 || (errno != EAGAIN &&
					      errno != EINTR)) {
				local_eof = true;
			}
		}
		if (uoff < ulen) {
			n = libssh2_channel_write(t->ch, (char *)up + uoff,
						  ulen - uoff);
			if (n > 0) {
				uoff += (size_t)n;
				moved = true;
			} else if (n != LIBSSH2_ERROR_EAGAIN) {
				break;
			}
		}
		/* The caller closed its end: nothing more to say. */
		if (local_eof && uoff == ulen)
			break;
		if (doff == dlen) {
			n = libssh2_channel_read(t->ch, (char *)down, cap);
			if (n > 0) {
				dlen = (size_t)n;
				doff = 0;
				moved = true;
			} else if (n == 0 ? libssh2_channel_eof(t->ch) != 0
				   : n != LIBSSH2_ERROR_EAGAIN) {
				break;	/* the far end closed or failed */
			}
		}
		if (doff < dlen) {
			n = write(t->fd, down + doff, dlen - doff);
			if (n > 0) {
				doff += (size_t)n;
				moved = true;
			} else if (n < 0 && errno != EAGAIN &&
				   errno != EINTR) {
				break;
			}
		}
		if (moved)
			continue;
		{
			int dir = libssh2_session_block_directions(t->s->ssh);
			struct pollfd p[2] = {
				{ .fd = t->s->sock, .events = POLLIN },
				{ .fd = t->fd },
			};

			if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
				p[0].events |= POLLOUT;
			if (uoff == ulen && !local_eof)
				p[1].events |= POLLIN;
			if (doff < dlen)
				p[1].events |= POLLOUT;
			if (poll(p, 2, 1000) < 0 && errno != EINTR)
				break;
		}
	}
out:
	lpd_free(up);
	lpd_free(down);
}

static void *
ssh_tunnel_thread(void *arg)
{
	struct ssh_tunnel *t = arg;

	ssh_tunnel_pump(t);
	/* Closing our end first: the caller sees EOF at once, whatever the
	 * SSH teardown costs. */
	close(t->fd);
	libssh2_session_set_blocking(t->s->ssh, 1);
	libssh2_session_set_timeout(t->s->ssh, 1000);
	libssh2_channel_free(t->ch);
	remote_session_destroy(t->s);
	lpd_free(t);
	return NULL;
}

struct lpd_error *
remote_tunnel(struct remote_session *s, const char *host, unsigned port,
	      int *fd_ret)
{
	struct ssh_tunnel *t;
	struct lpd_error *err;
	pthread_t th;
	int sv[2];

	if (port == 0 || port > 65535) {
		remote_session_destroy(s);
		return lpd_error_format(LPD_ERR_INVALID_ARG, "tunnel port %u",
					port);
	}
	libssh2_session_set_timeout(s->ssh, (long)s->timeout_ms);
	LIBSSH2_CHANNEL *ch = libssh2_channel_direct_tcpip_ex(
		s->ssh, host, (int)port, "127.0.0.1", 0);
	if (ch == NULL) {
		char *what = lpd_asprintf("tunnel to %s:%u", host, port);

		err = ssh_error(s, what != NULL ? what : "tunnel");
		lpd_free(what);
		remote_session_destroy(s);
		return err;
	}
	t = lpd_calloc(1, sizeof(*t));
	if (t == NULL ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		err = t == NULL ? &lpd_enomem : lpd_error_os(errno,
							     "socketpair");
		lpd_free(t);
		libssh2_channel_free(ch);
		remote_session_destroy(s);
		return err;
	}
	t->s = s;
	t->ch = ch;
	t->fd = sv[1];
	if (pthread_create(&th, NULL, ssh_tunnel_thread, t) != 0) {
		close(sv[0]);
		close(sv[1]);
		libssh2_channel_free(ch);
		remote_session_destroy(s);
		lpd_free(t);
		return lpd_error_format(LPD_ERR_OS, "tunnel: no thread");
	}
	pthread_detach(th);
	*fd_ret = sv[0];
	return NULL;
}
