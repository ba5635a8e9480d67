/* services/messaging/vios-msg.c - the node daemons' command line: send,
 * receive (as the node's receiving daemon), status and discovery, all
 * through the client library and the local VKE. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/messaging/messaging.h"

static void
usage(FILE *to)
{
	fprintf(to,
"usage: vios-msg [--config FILE --node NAME | --socket PATH]\n"
"                [--busy-poll US] COMMAND\n"
"  send (--to NODE | --broadcast) [--opcode N] [MESSAGE...]\n"
"                     one message per argument, else per stdin line\n"
"                     (with --busy-poll: through a shared-memory ring,\n"
"                     not waiting for each answer)\n"
"  recv [--count N] [--timeout MS]\n"
"                     register as the node's receiving daemon and print\n"
"                     SRC<TAB>U|B<TAB>SEQ<TAB>PAYLOAD per message\n"
"  status             the VKE's counters and peer table (JSON)\n"
"  discover           every live node's LPARs and repository (JSON)\n"
"environment: VIOS_MSG_CONFIG, VIOS_MSG_NODE, VIOS_MSG_SOCKET\n");
}

struct cli {
	struct msg_config *conf;
	struct msg_client *client;
	unsigned busy_poll_us;
};

static struct lpd_error *
cli_dest(struct cli *cli, const char *to, uint16_t *ret)
{
	const struct msg_node_conf *n;
	char *end;
	unsigned long v;

	if (cli->conf != NULL && (n = msg_config_node(cli->conf, to))) {
		*ret = n->id;
		return NULL;
	}
	v = strtoul(to, &end, 10);
	if (*to == '\0' || *end != '\0' || v == 0 || v > MSG_NODE_MAX)
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"unknown node '%s'", to);
	*ret = (uint16_t)v;
	return NULL;
}

static const char *
cli_node_name(const struct cli *cli, uint16_t id, char *buf, size_t cap)
{
	for (size_t i = 0; cli->conf != NULL && i < cli->conf->nnodes; i++) {
		if (cli->conf->nodes[i].id == id)
			return cli->conf->nodes[i].name;
	}
	snprintf(buf, cap, "%u", id);
	return buf;
}

static struct lpd_error *
cmd_send(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "broadcast", no_argument, NULL, 'b' },
		{ "opcode", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct lpd_error *err = NULL;
	uint16_t dst = 0, opcode = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:bo:", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if ((err = cli_dest(cli, optarg, &dst)) != NULL)
				return err;
			break;
		case 'b': dst = MSG_NODE_ALL; break;
		case 'o': opcode = (uint16_t)strtoul(optarg, NULL, 0); break;
		default:
			return lpd_error_format(LPD_ERR_INVALID_ARG,
						"send: bad option");
		}
	}
	if (dst == 0)
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"send: --to NODE or --broadcast");
	for (int i = optind; i < argc; i++) {
		err = msg_client_send(cli->client, dst, MSG_SUB_USER, opcode,
				      argv[i], strlen(argv[i]), NULL);
		if (err != NULL)
			return err;
	}
	if (optind < argc)
		return NULL;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (cli->busy_poll_us > 0)
			err = msg_client_send_nowait(cli->client, dst,
						     MSG_SUB_USER, opcode,
						     line, (size_t)n);
		else
			err = msg_client_send(cli->client, dst, MSG_SUB_USER,
					      opcode, line, (size_t)n, NULL);
		if (err != NULL)
			break;
	}
	free(line);
	if (err == NULL && cli->busy_poll_us > 0) {
		uint32_t refused;

		err = msg_client_flush(cli->client, 5000, &refused);
		if (err == NULL && refused > 0)
			err = lpd_error_format(LPD_ERR_REMOTE,
					       "send: the VKE refused %u "
					       "message(s)", refused);
	}
	return err;
}

static struct lpd_error *
cmd_recv(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct lpd_error *err;
	long count = -1, timeout = -1, got = 0;
	struct msg_frame f;
	char name[16];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:t:", opts, NULL)) != -1) {
		switch (c) {
		case 'n': count = strtol(optarg, NULL, 10); break;
		case 't': timeout = strtol(optarg, NULL, 10); break;
		default:
			return lpd_error_format(LPD_ERR_INVALID_ARG,
						"recv: bad option");
		}
	}
	err = msg_client_register(cli->client);
	if (err != NULL)
		return err;
	/* Tell a waiting script that we are registered. */
	fprintf(stderr, "vios-msg: receiving\n");
	while (count < 0 || got < count) {
		err = msg_client_recv(cli->client, (int)timeout, &f);
		if (err == &lpd_not_found)
			return lpd_error_format(LPD_ERR_NOT_FOUND,
				"recv: timed out after %ld of %ld messages",
				got, count);
		if (err != NULL)
			return err;
		printf("%s\t%c\t%u\t", cli_node_name(cli, f.hdr.src, name,
						     sizeof(name)),
		       f.hdr.flags & MSG_F_BROADCAST ? 'B' : 'U', f.hdr.seq);
		for (size_t i = 0; i < f.payload_len; i++) {
			uint8_t ch = f.payload[i];

			putchar(ch >= 0x20 && ch < 0x7f ? ch : '.');
		}
		putchar('\n');
		fflush(stdout);
		got++;
	}
	return NULL;
}

static struct lpd_error *
cmd_text(struct cli *cli, bool discover)
{
	struct lpd_error *err;
	char *text;

	err = discover ? msg_client_discover(cli->client, &text)
		       : msg_client_status(cli->client, &text);
	if (err != NULL)
		return err;
	puts(text);
	lpd_free(text);
	return NULL;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "node", required_argument, NULL, 'n' },
		{ "socket", required_argument, NULL, 's' },
		{ "busy-poll", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = getenv("VIOS_MSG_CONFIG");
	const char *node = getenv("VIOS_MSG_NODE");
	const char *sock = getenv("VIOS_MSG_SOCKET");
	struct cli cli = { NULL, NULL, 0 };
	struct lpd_error *err = NULL;
	char *path = NULL;
	const char *cmd;
	int c, status = 0;

	while ((c = getopt_long(argc, argv, "+c:n:s:p:h", opts, NULL)) !=
	       -1) {
		char *end;
		unsigned long us;

		switch (c) {
		case 'p':
			us = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || us > 100000) {
				fprintf(stderr, "vios-msg: --busy-poll '%s' "
					"not in 0..100000 us\n", optarg);
				return 2;
			}
			cli.busy_poll_us = (unsigned)us;
			break;
		case 'c': config = optarg; break;
		case 'n': node = optarg; break;
		case 's': sock = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc || (sock == NULL && (config == NULL ||
						node == NULL))) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "send") && strcmp(cmd, "recv") &&
	    strcmp(cmd, "status") && strcmp(cmd, "discover")) {
		fprintf(stderr, "vios-msg: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	if (config != NULL)
		err = msg_config_load(config, &cli.conf);
	if (err == NULL && sock == NULL) {
		const struct msg_node_conf *n = msg_config_node(cli.conf, node);

		if (n == NULL)
			err = lpd_error_format(LPD_ERR_INVALID_ARG,
					       "%s: no node '%s'", config, node);
		else if ((path = msg_config_socket_path(cli.conf, n)) == NULL)
			err = &lpd_enomem;
		sock = path;
	}
	if (err == NULL)
		err = msg_client_open(sock, &cli.client);
	if (err == NULL && cli.busy_poll_us > 0)
		err = msg_client_set_busy_poll(cli.client, cli.busy_poll_us);
	if (err == NULL) {
		argc -= optind;
		argv += optind;
		if (strcmp(cmd, "send") == 0)
			err = cmd_send(&cli, argc, argv);
		else if (strcmp(cmd, "recv") == 0)
			err = cmd_recv(&cli, argc, argv);
		else
			err = cmd_text(&cli, strcmp(cmd, "discover") == 0);
	}
	if (err != NULL) {
		fprintf(stderr, "vios-msg: %s\n", err->message);
		status = err->code == LPD_ERR_REMOTE ||
			 err->code == LPD_ERR_NOT_FOUND ? 1
						       : lpd_error_exit_status(err);
		lpd_error_destroy(err);
	}
	msg_client_destroy(cli.client);
	msg_config_destroy(cli.conf);
	lpd_free(path);
	return status;
}
