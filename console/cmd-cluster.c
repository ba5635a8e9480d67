/* console/cmd-cluster.c - "cluster ls": the nodes the repository knows,
 * their LPARs (with image) and how many dumps each holds. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "console/load.h"
#include "console/remote-cmd.h"
#include "remote/remote.h"

static void
cluster_json(struct lpd_json *j, const struct repo_catalog *c)
{
	char t[32];
	size_t i, k;

	lpd_json_object_begin(j);
	lpd_json_key(j, "nodes");
	lpd_json_array_begin(j);
	for (i = 0; i < c->n_nodes; i++) {
		const struct repo_catalog_node *n = &c->nodes[i];

		lpd_json_object_begin(j);
		lpd_json_key(j, "name");
		lpd_json_string(j, n->name);
		lpd_json_key(j, "dumps");
		lpd_json_uint(j, n->dumps);
		lpd_json_key(j, "lpars");
		lpd_json_array_begin(j);
		for (k = 0; k < n->n_lpars; k++) {
			const struct repo_catalog_lpar *l = &n->lpars[k];

			lpd_json_object_begin(j);
			lpd_json_key(j, "name");
			lpd_json_string(j, l->name);
			lpd_json_key(j, "image");
			lpd_json_string(j, l->image);
			lpd_json_key(j, "image_version");
			lpd_json_string(j, l->image_version);
			lpd_json_key(j, "dumps");
			lpd_json_uint(j, l->dumps);
			lpd_json_key(j, "last_taken");
			if (l->dumps > 0) {
				repo_format_time(l->last_taken, t, sizeof(t));
				lpd_json_string(j, t);
			} else {
				lpd_json_null(j);
			}
			lpd_json_object_end(j);
		}
		lpd_json_array_end(j);
		lpd_json_object_end(j);
	}
	lpd_json_array_end(j);
	lpd_json_object_end(j);
}

static void
cluster_text(FILE *o, const struct repo_catalog *c)
{
	char t[32];
	size_t i, k;

	for (i = 0; i < c->n_nodes; i++) {
		const struct repo_catalog_node *n = &c->nodes[i];

		fprintf(o, "%s%s (%zu dumps)\n", i > 0 ? "\n" : "",
			n->name != NULL ? n->name : "(no node)", n->dumps);
		for (k = 0; k < n->n_lpars; k++) {
			const struct repo_catalog_lpar *l = &n->lpars[k];

			if (l->dumps > 0)
				repo_format_time(l->last_taken, t, sizeof(t));
			else
				strcpy(t, "-");
			fprintf(o, "  %-16s %6zu dumps  last %-20s  image %s%s%s"
				"\n", l->name != NULL ? l->name : "(no lpar)",
				l->dumps, t, l->image != NULL ? l->image : "-",
				l->image_version != NULL ? ":" : "",
				l->image_version != NULL ? l->image_version
				: "");
		}
	}
}

static enum cmd_retval
cmd_cluster_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "repo", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		/* --cluster: console/cluster-conf.c */
		{ "cluster", required_argument, NULL, 'c' },
		{ "config", required_argument, NULL, 'f' },
		{ "remote-lpardbg", required_argument, NULL, 'L' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "accept-new-host-key", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct remote_args ra = { 0 };
	const char *cluster = NULL, *conf = NULL;
	struct lpd_buf buf = LPD_BUF_INIT;
	const char *dir = NULL;
	struct repo_catalog cat;
	struct lpd_error *err;
	enum cmd_retval rv;
	struct repo *r;
	struct lpd_json j;
	int c;

	if (argc >= 2 && strcmp(argv[1], "discover") == 0)
		return cmd_cluster_discover(ctx, &cmd_cluster_entry, argc - 1,
					    argv + 1);
	if (argc < 2 || strcmp(argv[1], "ls") != 0)
		return cmd_usage(ctx, &cmd_cluster_entry, argc < 2
				 ? "no subcommand" : "unknown subcommand");
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "h", longopts, NULL)) !=
	       -1) {
		if (c == 'r')
			dir = optarg;
		else if (c == 'j')
			ctx->json = true;
		else if (c == 'c')
			cluster = optarg;
		else if (c == 'f')
			conf = optarg;
		else if (c == 'L')
			ra.o.lpardbg = optarg;
		else if (c == 'a')
			ra.o.accept_new_host_key = true;
		else if (c == 'T' && remote_set_timeout(&ra, optarg))
			;
		else
			return cmd_usage(ctx, &cmd_cluster_entry, c == 'h'
					 ? NULL : "bad option");
	}
	if (optind < argc - 1)
		return cmd_usage(ctx, &cmd_cluster_entry, "unexpected "
				 "argument '%s'", argv[optind + 1]);
	if (cluster != NULL && dir != NULL)
		return cmd_usage(ctx, &cmd_cluster_entry, "--cluster or "
				 "--repo, not both");
	if (cluster != NULL)
		return cluster_span(ctx, conf, cluster, &ra.o);
	err = remote_is_url(dir) ? remote_repo_open(dir, &ra.o, &r)
		: load_repo_open(dir, false, &r);
	if (err == NULL) {
		err = repo_catalog(r, &cat);
		repo_destroy(r);
	}
	if (err != NULL)
		return cmd_fail(ctx, err);
	if (ctx->json) {
		lpd_json_init(&j, &buf);
		cluster_json(&j, &cat);
		rv = cmd_emit_json(ctx, &j, &buf);
	} else {
		cluster_text(ctx->out, &cat);
		rv = CMD_RETURN_OK;
	}
	lpd_buf_deinit(&buf);
	repo_catalog_deinit(&cat);
	return rv;
}

const struct cmd_entry cmd_cluster_entry = {
	.name = "cluster",
	.usage = "ls [--repo DIR|ssh://...] [--json] | ls --cluster NAME "
		 "[--config FILE] [--remote-lpardbg PATH] [--timeout S] "
		 "[--accept-new-host-key] [--json] | discover (--config FILE "
		 "[--node NAME] | --socket PATH) [--json]",
	.summary = "nodes and their LPARs, with dump counts (ls: from the "
		   "repository; discover: asked of the running cluster)",
	.exec = cmd_cluster_exec,
};
