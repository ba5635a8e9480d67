/* console/cmd-discover.c - "cluster discover": ask a node's VKE, through
 * the messaging service's client library (services/messaging/messaging.h,
 * its only interface to the console), which LPARs every live node hosts
 * and where its repository is. The VKE broadcasts the query over kcluster
 * and gathers the answers; nodes that do not answer are listed missing. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "console/console-int.h"
#include "services/messaging/messaging.h"

/* Ask through the first node of CONF whose VKE accepts a connection. */
static struct lpd_error *
discover_via_config(const char *path, const char *node, char **ret)
{
	struct msg_config *conf;
	struct lpd_error *err, *first = NULL;
	size_t i;

	if ((err = msg_config_load(path, &conf)) != NULL)
		return err;
	err = lpd_error_format(LPD_ERR_NOT_FOUND, "%s: no nodes", path);
	for (i = 0; i < conf->nnodes; i++) {
		const struct msg_node_conf *n = &conf->nodes[i];
		struct msg_client *c = NULL;
		char *sock;

		if (node != NULL && strcmp(n->name, node) != 0)
			continue;
		lpd_error_destroy(err);
		if ((sock = msg_config_socket_path(conf, n)) == NULL) {
			err = &lpd_enomem;
			break;
		}
		err = msg_client_open(sock, &c);
		if (err == NULL)
			err = msg_client_discover(c, ret);
		msg_client_destroy(c);
		lpd_free(sock);
		if (err == NULL || err == &lpd_enomem)
			break;
		/* A node that is down: try the next, but report the first. */
		if (first == NULL) {
			first = err;
			err = lpd_error_format(LPD_ERR_NOT_FOUND, "no VKE");
		}
	}
	if (err == NULL || err == &lpd_enomem) {
		lpd_error_destroy(first);
	} else if (first != NULL) {
		lpd_error_destroy(err);
		err = lpd_error_prefix(first, "%s: no node's VKE answered; "
				       "first", path);
	} else if (node != NULL) {
		lpd_error_destroy(err);
		err = lpd_error_format(LPD_ERR_INVALID_ARG, "%s: no node '%s'",
				       path, node);
	}
	msg_config_destroy(conf);
	return err;
}

static const char *
discover_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "-";
}

static void
discover_text(FILE *out, json_t *root)
{
	json_t *nodes = json_object_get(root, "nodes"), *n, *l, *missing;
	size_t i, k;

	fprintf(out, "cluster %s (asked %s)\n", discover_str(root, "cluster"),
		discover_str(root, "queried_by"));
	json_array_foreach(nodes, i, n) {
		json_t *lpars = json_object_get(n, "lpars");

		fprintf(out, "%s (id %lld)\n  repository %s\n",
			discover_str(n, "node"),
			(long long)json_integer_value(json_object_get(n, "id")),
			discover_str(n, "repository"));
		json_array_foreach(lpars, k, l)
			fprintf(out, "  lpar %s\n", json_string_value(l) != NULL
				? json_string_value(l) : "?");
	}
	missing = json_object_get(root, "missing");
	json_array_foreach(missing, i, n)
		fprintf(out, "%s: no answer (down?)\n",
			json_string_value(n) != NULL ? json_string_value(n)
						     : "?");
}

enum cmd_retval
cmd_cluster_discover(struct cmd_ctx *ctx, const struct cmd_entry *e,
		     int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "node", required_argument, NULL, 'n' },
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *node = NULL, *sock = NULL;
	struct msg_client *client = NULL;
	struct lpd_error *err;
	char *text = NULL;
	json_error_t jerr;
	json_t *root;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'n': node = optarg; break;
		case 's': sock = optarg; break;
		case 'j': ctx->json = true; break;
		default:
			return cmd_usage(ctx, e, c == 'h' ? NULL
					 : "bad option");
		}
	}
	if (optind < argc)
		return cmd_usage(ctx, e, "unexpected argument '%s'",
				 argv[optind]);
	if ((config == NULL) == (sock == NULL))
		return cmd_usage(ctx, e, "discover takes --config FILE or "
				 "--socket PATH");
	if (sock != NULL) {
		err = msg_client_open(sock, &client);
		if (err == NULL)
			err = msg_client_discover(client, &text);
		msg_client_destroy(client);
	} else {
		err = discover_via_config(config, node, &text);
	}
	if (err != NULL)
		return cmd_fail(ctx, err);
	/* The VKE's answer is checked before anything of it is shown. */
	root = json_loads(text, 0, &jerr);
	if (root == NULL || !json_is_array(json_object_get(root, "nodes"))) {
		err = lpd_error_format(LPD_ERR_BAD_INPUT,
				       "VKE discovery answer: %s",
				       root == NULL ? jerr.text
						    : "no \"nodes\" array");
		json_decref(root);
		lpd_free(text);
		return cmd_fail(ctx, err);
	}
	if (ctx->json)
		fprintf(ctx->out, "%s\n", text);
	else
		discover_text(ctx->out, root);
	json_decref(root);
	lpd_free(text);
	return CMD_RETURN_OK;
}
