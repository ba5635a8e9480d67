/* services/messaging/config.c - the cluster configuration file shared by
 * the VKEs, the CLI and the launcher (format in messaging.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/messaging/messaging.h"

enum { CONF_MAX_TOKENS = 16 };

void
msg_config_destroy(struct msg_config *conf)
{
	if (conf == NULL)
		return;
	for (size_t i = 0; i < conf->nnodes; i++) {
		struct msg_node_conf *n = &conf->nodes[i];

		lpd_free(n->name);
		lpd_free(n->repo);
		for (size_t k = 0; k < n->nlpars; k++)
			lpd_free(n->lpars[k]);
		lpd_free(n->lpars);
	}
	lpd_free(conf->nodes);
	lpd_free(conf->cluster);
	lpd_free(conf->socket_dir);
	lpd_free(conf);
}

static bool
parse_ulong(const char *s, unsigned long max, unsigned long *ret)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*ret = v;
	return true;
}

static struct lpd_error *
add_lpars(struct msg_node_conf *n, const char *list)
{
	const char *p = list;

	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		size_t cap = n->nlpars;
		struct lpd_error *err;

		if (len > 0) {
			err = lpd_vec_reserve((void **)&n->lpars, &cap,
					      n->nlpars + 1, sizeof(char *));
			if (err != NULL)
				return err;
			n->lpars[n->nlpars] = lpd_strndup(p, len);
			if (n->lpars[n->nlpars] == NULL)
				return &lpd_enomem;
			n->nlpars++;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return NULL;
}

static struct lpd_error *
parse_node(struct msg_config *conf, char **tok, int ntok, const char *path,
	   int line)
{
	struct msg_node_conf *n;
	size_t cap = conf->nnodes;
	struct lpd_error *err;
	unsigned long v;

	if (ntok < 2)
		return lpd_error_syntax(path, line, 1, "node needs a name");
	err = lpd_vec_reserve((void **)&conf->nodes, &cap, conf->nnodes + 1,
			      sizeof(*conf->nodes));
	if (err != NULL)
		return err;
	n = &conf->nodes[conf->nnodes++];
	memset(n, 0, sizeof(*n));
	if ((n->name = lpd_strdup(tok[1])) == NULL)
		return &lpd_enomem;
	for (int i = 2; i < ntok; i++) {
		char *eq = strchr(tok[i], '=');
		const char *val;

		if (eq == NULL)
			return lpd_error_syntax(path, line, 1,
						"'%s': expected key=value",
						tok[i]);
		*eq = '\0';
		val = eq + 1;
		if (strcmp(tok[i], "id") == 0) {
			if (!parse_ulong(val, MSG_NODE_MAX, &v) || v == 0)
				return lpd_error_syntax(path, line, 1,
					"node id '%s' not in 1..%d", val,
					MSG_NODE_MAX);
			n->id = (uint16_t)v;
		} else if (strcmp(tok[i], "port") == 0) {
			if (!parse_ulong(val, 65535, &v) || v == 0)
				return lpd_error_syntax(path, line, 1,
					"bad port '%s'", val);
			n->port = (uint16_t)v;
		} else if (strcmp(tok[i], "repo") == 0) {
			lpd_free(n->repo);
			if ((n->repo = lpd_strdup(val)) == NULL)
				return &lpd_enomem;
		} else if (strcmp(tok[i], "lpars") == 0) {
			if ((err = add_lpars(n, val)) != NULL)
				return err;
		} else {
			return lpd_error_syntax(path, line, 1,
						"unknown node key '%s'", tok[i]);
		}
	}
	if (n->id == 0 || n->port == 0)
		return lpd_error_syntax(path, line, 1,
					"node '%s' needs id= and port=",
					n->name);
	for (size_t i = 0; i + 1 < conf->nnodes; i++) {
		if (conf->nodes[i].id == n->id ||
		    strcmp(conf->nodes[i].name, n->name) == 0)
			return lpd_error_syntax(path, line, 1,
						"node '%s' (id %u) defined twice",
						n->name, n->id);
	}
	return NULL;
}

static struct lpd_error *
parse_line(struct msg_config *conf, char *s, const char *path, int line,
	   unsigned long *lpars_per_node)
{
	char *tok[CONF_MAX_TOKENS], *save = NULL, *t;
	int ntok = 0;
	unsigned long v;
	char **str = NULL;
	unsigned *num = NULL;
	long *lnum = NULL;

	s[strcspn(s, "#\r\n")] = '\0';
	for (t = strtok_r(s, " \t", &save); t != NULL;
	     t = strtok_r(NULL, " \t", &save)) {
		if (ntok == CONF_MAX_TOKENS)
			return lpd_error_syntax(path, line, 1,
						"more than %d words",
						CONF_MAX_TOKENS);
		tok[ntok++] = t;
	}
	if (ntok == 0)
		return NULL;
	if (strcmp(tok[0], "node") == 0)
		return parse_node(conf, tok, ntok, path, line);
	if (ntok != 2)
		return lpd_error_syntax(path, line, 1, "'%s' takes one value",
					tok[0]);
	if (strcmp(tok[0], "cluster") == 0)
		str = &conf->cluster;
	else if (strcmp(tok[0], "socket_dir") == 0)
		str = &conf->socket_dir;
	else if (strcmp(tok[0], "heartbeat_ms") == 0)
		num = &conf->heartbeat_ms;
	else if (strcmp(tok[0], "dead_ms") == 0)
		num = &conf->dead_ms;
	else if (strcmp(tok[0], "rto_ms") == 0)
		num = &conf->rto_ms;
	else if (strcmp(tok[0], "allow_uid") == 0)
		lnum = &conf->allow_uid;
	else if (strcmp(tok[0], "allow_gid") == 0)
		lnum = &conf->allow_gid;
	else if (strcmp(tok[0], "busy_poll_us") == 0) {
		if (!parse_ulong(tok[1], 100000, &v))
			return lpd_error_syntax(path, line, 1,
						"bad busy_poll_us '%s' "
						"(0..100000)", tok[1]);
		conf->busy_poll_us = (unsigned)v;
		return NULL;
	} else if (strcmp(tok[0], "lpars_per_node") == 0) {
		if (!parse_ulong(tok[1], 1000, lpars_per_node))
			return lpd_error_syntax(path, line, 1,
						"bad lpars_per_node '%s'",
						tok[1]);
		return NULL;
	} else
		return lpd_error_syntax(path, line, 1, "unknown key '%s'",
					tok[0]);
	if (str != NULL) {
		lpd_free(*str);
		return (*str = lpd_strdup(tok[1])) == NULL ? &lpd_enomem : NULL;
	}
	if (!parse_ulong(tok[1], num != NULL ? 600000 : 0x7fffffff, &v) ||
	    (num != NULL && v == 0))
		return lpd_error_syntax(path, line, 1, "bad value '%s' for %s",
					tok[1], tok[0]);
	if (num != NULL)
		*num = (unsigned)v;
	else
		*lnum = (long)v;
	return NULL;
}

static struct lpd_error *
fill_defaults(struct msg_config *conf, unsigned long lpars_per_node)
{
	if (conf->cluster == NULL && (conf->cluster = lpd_strdup("cluster")) ==
	    NULL)
		return &lpd_enomem;
	if (conf->socket_dir == NULL &&
	    (conf->socket_dir = lpd_strdup("/tmp/vios-msg")) == NULL)
		return &lpd_enomem;
	for (size_t i = 0; i < conf->nnodes; i++) {
		struct msg_node_conf *n = &conf->nodes[i];

		if (n->nlpars > 0)
			continue;
		for (unsigned long k = 1; k <= lpars_per_node; k++) {
			char *name = lpd_asprintf("%s-lpar%lu", n->name, k);
			struct lpd_error *err;

			if (name == NULL)
				return &lpd_enomem;
			err = add_lpars(n, name);
			lpd_free(name);
			if (err != NULL)
				return err;
		}
	}
	return NULL;
}

struct lpd_error *
msg_config_load(const char *path, struct msg_config **ret)
{
	struct msg_config *conf;
	struct lpd_error *err = NULL;
	unsigned long lpars_per_node = 0;
	char line[1024];
	int lineno = 0;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL)
		return lpd_error_os(errno, path);
	conf = lpd_calloc(1, sizeof(*conf));
	if (conf == NULL) {
		fclose(f);
		return &lpd_enomem;
	}
	conf->heartbeat_ms = 100;
	conf->dead_ms = 1000;
	conf->rto_ms = 20;
	conf->allow_uid = -1;
	conf->allow_gid = -1;
	while (err == NULL && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f))
			err = lpd_error_syntax(path, lineno, 1,
					       "line over %zu bytes",
					       sizeof(line) - 1);
		else
			err = parse_line(conf, line, path, lineno,
					 &lpars_per_node);
	}
	fclose(f);
	if (err == NULL && conf->nnodes == 0)
		err = lpd_error_syntax(path, lineno, 1, "no node defined");
	if (err == NULL)
		err = fill_defaults(conf, lpars_per_node);
	if (err != NULL) {
		msg_config_destroy(conf);
		return err;
	}
	*ret = conf;
	return NULL;
}

const struct msg_node_conf *
msg_config_node(const struct msg_config *conf, const char *name)
{
	unsigned long id = 0;
	bool numeric = parse_ulong(name, MSG_NODE_MAX, &id);

	for (size_t i = 0; i < conf->nnodes; i++) {
		if (strcmp(conf->nodes[i].name, name) == 0 ||
		    (numeric && conf->nodes[i].id == id))
			return &conf->nodes[i];
	}
	return NULL;
}

char *
msg_config_socket_path(const struct msg_config *conf,
		       const struct msg_node_conf *node)
{
	return lpd_asprintf("%s/%s.sock", conf->socket_dir, node->name);
}
