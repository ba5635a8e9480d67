/* console/cluster-conf.c - clusters.conf: which nodes make a cluster and
 * where each one's repository is (remote-cmd.h documents the format). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/remote-cmd.h"
#include "remote/remote.h"

#define CONF_LINE_MAX 4096

void
cluster_conf_deinit(struct cluster_conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n_nodes; i++) {
		lpd_free(c->nodes[i].name);
		lpd_free(c->nodes[i].repo);
		lpd_free(c->nodes[i].via);
	}
	lpd_free(c->nodes);
	lpd_free(c->name);
	memset(c, 0, sizeof(*c));
}

static char *
conf_default_path(void)
{
	const char *p = getenv("LPARDBG_CLUSTERS");
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	if (p != NULL && p[0] != '\0')
		return lpd_strdup(p);
	if (xdg != NULL && xdg[0] == '/')
		return lpd_asprintf("%s/lpardbg/clusters.conf", xdg);
	return lpd_asprintf("%s/.config/lpardbg/clusters.conf",
			    home != NULL ? home : "");
}

/* Split LINE into at most 4 words at blanks (in place). */
static size_t
conf_words(char *line, char *w[4])
{
	size_t n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(line, " \t\r\n", &save); t != NULL && n < 4;
	     t = strtok_r(NULL, " \t\r\n", &save))
		w[n++] = t;
	return t != NULL ? 5 : n;	/* 5: too many */
}

static struct lpd_error *
conf_add_node(struct cluster_conf *c, char *w[4], size_t n, const char *path,
	      int lineno)
{
	struct cluster_node *v, *nd;
	const char *via = NULL;

	if (n != 3 && !(n == 4 && strncmp(w[3], "via=", 4) == 0))
		return lpd_error_syntax(path, lineno, 1, "want 'node NAME "
					"REPO [via=agent|sftp]'");
	if (n == 4) {
		via = w[3] + 4;
		if (strcmp(via, "agent") != 0 && strcmp(via, "sftp") != 0)
			return lpd_error_syntax(path, lineno, 1, "via: want "
						"agent or sftp, not '%s'", via);
		if (!remote_is_url(w[2]))
			return lpd_error_syntax(path, lineno, 1, "via= only "
						"for ssh:// repositories");
	}
	if (remote_is_url(w[2])) {
		struct remote_url u;
		struct lpd_error *err = remote_url_parse(w[2], &u);

		if (err != NULL)
			return lpd_error_prefix(err, "%s:%d", path, lineno);
		remote_url_deinit(&u);
	}
	v = lpd_reallocarray(c->nodes, c->n_nodes + 1, sizeof(*v));
	if (v == NULL)
		return &lpd_enomem;
	c->nodes = v;
	nd = &c->nodes[c->n_nodes];
	nd->name = lpd_strdup(w[1]);
	nd->repo = lpd_strdup(w[2]);
	nd->via = lpd_strdup(via != NULL ? via : remote_is_url(w[2])
			     ? "agent" : "local");
	c->n_nodes++;
	if (nd->name == NULL || nd->repo == NULL || nd->via == NULL)
		return &lpd_enomem;
	return NULL;
}

struct lpd_error *
cluster_conf_load(const char *path, const char *name,
		  struct cluster_conf *ret)
{
	struct cluster_conf c = { 0 };
	struct lpd_error *err = NULL;
	char *def = NULL, *line = NULL;
	bool in = false, found = false;
	int lineno = 0;
	FILE *f;

	if (path == NULL) {
		path = def = conf_default_path();
		if (def == NULL)
			return &lpd_enomem;
	}
	f = fopen(path, "re");
	if (f == NULL) {
		err = errno == ENOENT
			? lpd_error_format(LPD_ERR_NOT_FOUND, "%s: no cluster "
					   "configuration (see lpardbg help "
					   "cluster)", path)
			: lpd_error_os(errno, path);
		lpd_free(def);
		return err;
	}
	line = lpd_malloc(CONF_LINE_MAX);
	if (line == NULL)
		err = &lpd_enomem;
	while (err == NULL && fgets(line, CONF_LINE_MAX, f) != NULL) {
		char *w[4], *hash;
		size_t n;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			err = lpd_error_syntax(path, lineno, 1, "line longer "
					       "than %d bytes", CONF_LINE_MAX);
			break;
		}
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		n = conf_words(line, w);
		if (n == 0)
			continue;
		if (w[0][0] == '[') {
			/* [cluster NAME] */
			size_t l = n >= 2 ? strlen(w[1]) : 0;

			if (n != 2 || strcmp(w[0], "[cluster") != 0 || l < 2 ||
			    w[1][l - 1] != ']') {
				err = lpd_error_syntax(path, lineno, 1, "want "
						       "'[cluster NAME]'");
				break;
			}
			w[1][l - 1] = '\0';
			in = strcmp(w[1], name) == 0;
			if (in && found) {
				err = lpd_error_syntax(path, lineno, 1,
						       "cluster '%s' defined "
						       "twice", name);
				break;
			}
			found |= in;
		} else if (strcmp(w[0], "node") == 0) {
			if (in)
				err = conf_add_node(&c, w, n, path, lineno);
			else if (n < 3)
				err = lpd_error_syntax(path, lineno, 1, "want "
						       "'node NAME REPO'");
		} else {
			err = lpd_error_syntax(path, lineno, 1, "unknown "
					       "setting '%s'", w[0]);
		}
	}
	fclose(f);
	lpd_free(line);
	if (err == NULL && !found)
		err = lpd_error_format(LPD_ERR_NOT_FOUND, "%s: no cluster '%s'",
				       path, name);
	if (err == NULL && c.n_nodes == 0)
		err = lpd_error_format(LPD_ERR_NOT_FOUND, "%s: cluster '%s' "
				       "has no node", path, name);
	if (err == NULL && (c.name = lpd_strdup(name)) == NULL)
		err = &lpd_enomem;
	lpd_free(def);
	if (err != NULL) {
		cluster_conf_deinit(&c);
		return err;
	}
	*ret = c;
	return NULL;
}

/* ---- cluster ls --cluster ------------------------------------------------- */

/* A member's {"nodes": [...]}: what `cluster ls --json` prints for a
 * local or SFTP-mirrored repository, or what its agent answers. */
static struct lpd_error *
span_member(const struct cluster_node *nd,
	    const struct agent_client_options *o, json_t **ret)
{
	struct lpd_error *err;
	json_error_t je;

	if (strcmp(nd->via, "agent") == 0) {
		struct agent_client *c;
		json_t *req;

		err = agent_client_open(nd->repo, o, &c);
		if (err != NULL)
			return err;
		req = json_pack("{s:s, s:s}", "op", "list", "what", "lpars");
		err = req != NULL ? agent_client_call(c, req, ret)
			: &lpd_enomem;
		json_decref(req);
		agent_client_destroy(c);
		return err;
	} else {
		char *argv[] = { (char *)"cluster", (char *)"ls",
				 (char *)"--json", (char *)"--repo", nd->repo,
				 NULL };
		char *out = NULL, *msg = NULL;
		enum cmd_retval rv = agent_run_command(true, 5, argv, &out,
						       &msg);

		err = NULL;
		if (rv != CMD_RETURN_OK) {
			size_t n = msg != NULL ? strlen(msg) : 0;

			while (n > 0 && msg[n - 1] == '\n')
				msg[--n] = '\0';
			err = lpd_error_format(LPD_ERR_REMOTE, "%s", msg != NULL
					       && strncmp(msg, "lpardbg: ", 9)
					       == 0 ? msg + 9 : msg != NULL
					       ? msg : "failed");
		} else if ((*ret = json_loads(out, 0, &je)) == NULL) {
			err = lpd_error_format(LPD_ERR_BAD_INPUT, "%s: %s",
					       nd->repo, je.text);
		}
		free(out);
		free(msg);
		return err;
	}
}

static const char *
span_str(json_t *o, const char *key, const char *none)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : none;
}

static void
span_text(FILE *o, json_t *cat)
{
	json_t *n, *l;
	size_t i, k;

	json_array_foreach(json_object_get(cat, "nodes"), i, n) {
		fprintf(o, "  %s (%lld dumps)\n", span_str(n, "name",
			"(no node)"), (long long)json_integer_value(
			json_object_get(n, "dumps")));
		json_array_foreach(json_object_get(n, "lpars"), k, l) {
			const char *v = span_str(l, "image_version", NULL);

			fprintf(o, "    %-16s %6lld dumps  last %-20s  image "
				"%s%s%s\n", span_str(l, "name", "(no lpar)"),
				(long long)json_integer_value(
				json_object_get(l, "dumps")),
				span_str(l, "last_taken", "-"),
				span_str(l, "image", "-"), v != NULL ? ":" : "",
				v != NULL ? v : "");
		}
	}
}

enum cmd_retval
cluster_span(struct cmd_ctx *ctx, const char *conf, const char *name,
	     const struct agent_client_options *o)
{
	struct cluster_conf cc;
	struct lpd_error *err;
	json_t *members, *doc;
	bool down = false;
	size_t i;

	err = cluster_conf_load(conf, name, &cc);
	if (err != NULL)
		return cmd_fail(ctx, err);
	members = json_array();
	if (!ctx->json)
		fprintf(ctx->out, "cluster %s\n", cc.name);
	for (i = 0; i < cc.n_nodes && members != NULL; i++) {
		const struct cluster_node *nd = &cc.nodes[i];
		json_t *cat = NULL, *m;

		err = span_member(nd, o, &cat);
		m = json_pack("{s:s, s:s, s:s, s:b}", "name", nd->name, "repo",
			      nd->repo, "via", nd->via, "reachable",
			      err == NULL);
		if (!ctx->json)
			fprintf(ctx->out, "\n%s  %s (%s)%s\n", nd->name,
				nd->repo, nd->via, err != NULL
				? ": UNREACHABLE" : "");
		if (err != NULL) {
			/* Marked, and the others still listed. */
			down = true;
			if (m != NULL)
				json_object_set_new(m, "error",
						    json_string(err->message));
			if (!ctx->json)
				fprintf(ctx->out, "  %s\n", err->message);
			lpd_error_destroy(err);
		} else {
			if (!ctx->json)
				span_text(ctx->out, cat);
			if (m != NULL)
				json_object_set(m, "nodes",
						json_object_get(cat, "nodes"));
		}
		json_decref(cat);
		if (m != NULL)
			json_array_append_new(members, m);
	}
	if (ctx->json && members != NULL) {
		doc = json_pack("{s:s, s:O}", "cluster", cc.name, "members",
				members);
		if (doc != NULL) {
			json_dumpf(doc, ctx->out,
				   JSON_COMPACT | JSON_PRESERVE_ORDER);
			fputc('\n', ctx->out);
		}
		json_decref(doc);
	}
	json_decref(members);
	if (down)
		fprintf(ctx->err, "lpardbg: cluster %s: some nodes are "
			"unreachable\n", cc.name);
	cluster_conf_deinit(&cc);
	return down ? CMD_RETURN_BAD_INPUT : CMD_RETURN_OK;
}
