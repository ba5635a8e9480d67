/* console/remote-cmd.h - what the commands (and the console) use to reach
 * other nodes: the --remote options of the core commands, running a pair
 * command through a remote agent (agent.h), a remote repository read
 * through SFTP into a local mirror, and cluster configurations. */
#ifndef LPD_CONSOLE_REMOTE_CMD_H
#define LPD_CONSOLE_REMOTE_CMD_H

#include "console/agent.h"
#include "console/load.h"
#include "repo/repo.h"

/* --remote URL [--remote-lpardbg PATH] [--accept-new-host-key]
 * [--timeout SECONDS] */
struct remote_args {
	const char *url;
	struct agent_client_options o;
};

bool remote_set_url(void *arg, const char *value);
bool remote_set_lpardbg(void *arg, const char *value);
bool remote_set_accept(void *arg, const char *value);
bool remote_set_timeout(void *arg, const char *value);

/* The entries to put in a command's load_extra table. */
#define REMOTE_LOAD_EXTRA(ra)						\
	{ "remote", 0, 1, remote_set_url, (ra) },			\
	{ "remote-lpardbg", 0, 1, remote_set_lpardbg, (ra) },		\
	{ "accept-new-host-key", 0, 0, remote_set_accept, (ra) },	\
	{ "timeout", 0, 1, remote_set_timeout, (ra) }
#define REMOTE_USAGE "[--remote ssh://[USER@]HOST[:PORT]/REPO " \
	"[--remote-lpardbg PATH] [--accept-new-host-key] [--timeout S]] "

/** Run OP ("bt" or "info"; FULL: bt --full) on the pair A names (a dump id
 * or a core path on the remote node) through the agent at RA->url, and
 * print its result as the local command would (text, or JSON with
 * ctx->json). Errors as cmd_fail() reports them (3 for a lost node). */
enum cmd_retval remote_pair_command(struct cmd_ctx *ctx,
				    const struct remote_args *ra,
				    const struct load_args *a, const char *op,
				    bool full);

/** Open the repository at URL (ssh://...) read-only: its index (and WAL)
 * copied by SFTP into the mirror $XDG_CACHE_HOME/lpardbg/remote/HOST_PORT/
 * USER/PATH, opened there. Blobs are not copied (remote_repo_fetch()).
 * Caller owns *ret. */
struct lpd_error *remote_repo_open(const char *url,
				   const struct agent_client_options *o,
				   struct repo **ret);
/** remote_repo_open() with dump ID's blobs (core and image) copied into
 * the mirror too, so that it can be checked out and debugged locally. */
struct lpd_error *remote_repo_open_dump(const char *url,
					const struct agent_client_options *o,
					const char *id, struct repo **ret);
/** "lpardbg repo fetch --repo ssh://... [--to DIR] ID": copy dump ID and
 * its image's blobs by SFTP and import them into the local repository. */
enum cmd_retval remote_repo_fetch_exec(struct cmd_ctx *ctx, int argc,
				       char **argv);

/* ---- clusters (console/cluster-conf.c) -------------------------------- */

/* One node of a cluster configuration and where its repository is. */
struct cluster_node {
	char *name;
	char *repo;		/* a directory or an ssh:// URL */
	char *via;		/* "local", "agent" (default for ssh://) or
				 * "sftp" */
};

struct cluster_conf {
	char *name;
	struct cluster_node *nodes;
	size_t n_nodes;
};

/** Read cluster NAME from PATH (NULL: $LPARDBG_CLUSTERS, else
 * $XDG_CONFIG_HOME/lpardbg/clusters.conf, else
 * ~/.config/lpardbg/clusters.conf). Format, one setting a line, '#'
 * comments:
 *   [cluster NAME]
 *   node NODE REPO [via=agent|via=sftp]
 * REPO is a directory or ssh://[USER@]HOST[:PORT]/DIR; an ssh:// one is
 * asked through its agent unless via=sftp (its index copied over SFTP).
 * Errors: LPD_ERR_NOT_FOUND (no file, no such cluster), LPD_ERR_SYNTAX
 * (FILE:LINE). Caller owns; free with cluster_conf_deinit(). */
struct lpd_error *cluster_conf_load(const char *path, const char *name,
				    struct cluster_conf *ret);
void cluster_conf_deinit(struct cluster_conf *c);
/** "cluster ls --cluster NAME": every member's nodes and LPARs (local
 * repositories directly, ssh:// ones through their agent or SFTP with O).
 * A member that cannot be reached is reported and the others listed;
 * CMD_RETURN_BAD_INPUT then. CONF: NULL for the default file. */
enum cmd_retval cluster_span(struct cmd_ctx *ctx, const char *conf,
			     const char *name,
			     const struct agent_client_options *o);

#endif
