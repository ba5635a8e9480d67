/* remote/remote.h - SSH transport (libssh2) to the nodes that hold dumps:
 * ssh:// URLs, sessions authenticated as OpenSSH users expect (ssh-agent,
 * then ~/.ssh/id_*), host keys checked against ~/.ssh/known_hosts, exec
 * channels that carry the line-delimited agent protocol, and SFTP
 * downloads. Knows nothing of repositories or debuggers: it moves bytes. */
#ifndef LPD_REMOTE_H
#define LPD_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/lpd.h"

struct remote_session;		/* opaque: one authenticated SSH session */
struct remote_channel;		/* opaque: one exec channel, line I/O */

/* ssh://[user@]host[:port]/path, parsed. Strings owned by the struct. */
struct remote_url {
	char *user;		/* NULL: $USER (or the passwd entry) */
	char *host;
	unsigned port;		/* 22 when absent */
	char *path;		/* "/path" as given; "" when absent */
};

/** True when S starts with "ssh://". */
bool remote_is_url(const char *s);
/** Parse S into *ret. Errors: LPD_ERR_INVALID_ARG (names what is wrong).
 * Caller owns; free with remote_url_deinit(). */
struct lpd_error *remote_url_parse(const char *s, struct remote_url *ret);
void remote_url_deinit(struct remote_url *u);

/** Asked for the passphrase of the private key KEY_PATH: write it
 * NUL-terminated into BUF (SIZE bytes) and return true, or return false
 * to skip that key. The default (NULL) asks on /dev/tty with echo off when
 * stdin is a terminal and skips the key otherwise. */
typedef bool (*remote_passphrase_fn)(void *arg, const char *key_path,
				     char *buf, size_t size);

struct remote_options {
	unsigned timeout_ms;	/* connect, handshake, auth, each reply;
				 * 0: 10000 */
	bool accept_new_host_key;	/* add an unknown (never a changed)
					 * key to known_hosts */
	const char *known_hosts;	/* NULL: ~/.ssh/known_hosts */
	const char *identity;	/* NULL: ssh-agent, then ~/.ssh/id_ed25519,
				 * id_ecdsa, id_rsa; else only this file */
	bool no_agent;		/* do not ask $SSH_AUTH_SOCK */
	remote_passphrase_fn passphrase;	/* NULL: the terminal */
	void *passphrase_arg;
};

/** Connect to U's host and port, check its host key against known_hosts
 * (unknown or changed: LPD_ERR_REMOTE naming the SHA256 fingerprint;
 * never accepted silently) and authenticate as U's user. Errors:
 * LPD_ERR_REMOTE (unreachable, timeout, refused key, no accepted
 * credential: the message names the host and what failed; never a
 * secret). OPTS may be NULL. Caller owns *ret; free with
 * remote_session_destroy(). */
struct lpd_error *remote_connect(const struct remote_url *u,
				 const struct remote_options *opts,
				 struct remote_session **ret);
void remote_session_destroy(struct remote_session *s);
/** "user@host:port", for messages. Borrowed; valid for S's lifetime. */
const char *remote_session_name(const struct remote_session *s);

/** Shell-quote S for a POSIX sh command line. Caller owns. */
char *remote_shell_quote(const char *s);

/** Run COMMAND (a sh command line) on S's host. Caller owns *ret; free
 * with remote_channel_close(). */
struct lpd_error *remote_exec(struct remote_session *s, const char *command,
			      struct remote_channel **ret);
/** Send LEN bytes of LINE followed by a newline. */
struct lpd_error *remote_channel_write_line(struct remote_channel *c,
					    const char *line, size_t len);
/** Read one line (without its newline) of at most MAX bytes, waiting at
 * most TIMEOUT_MS (0: the session's timeout). Errors: LPD_ERR_REMOTE
 * (timeout, connection lost, the command exited: the message holds its
 * exit status and the last of its stderr), LPD_ERR_BAD_INPUT (longer than
 * MAX). Caller owns *ret (lpd_free). */
struct lpd_error *remote_channel_read_line(struct remote_channel *c,
					   size_t max, unsigned timeout_ms,
					   char **ret);
void remote_channel_close(struct remote_channel *c);

/** Size of the remote file PATH. LPD_ERR_NOT_FOUND when it does not
 * exist. */
struct lpd_error *remote_sftp_size(struct remote_session *s, const char *path,
				   uint64_t *ret);
/** Copy the remote file PATH to LOCAL (written to LOCAL.part, then
 * renamed), refusing files over MAX_BYTES (0: no bound). LPD_ERR_NOT_FOUND
 * when PATH does not exist. */
struct lpd_error *remote_sftp_get(struct remote_session *s, const char *path,
				  const char *local, uint64_t max_bytes);

/** Open a direct-tcpip channel through S to HOST:PORT as S's host sees
 * it (its sshd must allow TCP forwarding) and relay it to a local socket:
 * *FD_RET behaves like a TCP connection to HOST:PORT; close it to end the
 * tunnel. S is consumed, also on error: a relay thread owns it and
 * destroys it when either end closes. Errors: LPD_ERR_REMOTE (the forward
 * refused or failed: the message names the session and the target). */
struct lpd_error *remote_tunnel(struct remote_session *s, const char *host,
				unsigned port, int *fd_ret);

#endif
