/* console/cmd-console.c - "console": open the TUI over a cluster's dumps.
 * The catalog comes from a repository (--repo DIR: repo/'s nodes, LPARs
 * and dumps, the cluster named by --cluster or after DIR), from the
 * command line (CORE[:EXE][@[CLUSTER/]NODE/LPAR]...), from a DIR/catalog
 * file of such lines, or from the bundled demo repository, built once
 * under $XDG_CACHE_HOME/lpardbg/demo. Each reports into the session's
 * catalog transaction (console_sources_report). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "console/remote-cmd.h"
#include "console/session.h"
#include "console/tui/tui.h"

struct console_spec {
	char *core, *exe;
	char *cluster, *node, *lpar;	/* NULL: from the core */
};

struct console_cores {
	struct console_spec *specs;
	size_t n, cap;
	const char *cluster;		/* --cluster for cores without one */
	struct repo *repo;		/* --repo DIR or the demo, or NULL */
	char *repo_cluster;		/* the repository's cluster name */
};

/* Parse CORE[:EXE][@[CLUSTER/]NODE/LPAR]; relative paths under BASE. */
static struct lpd_error *
console_parse_spec(const char *arg, const char *base,
		   struct console_spec *ret)
{
	char *s = lpd_strdup(arg), *at, *colon, *parts[3];
	struct lpd_error *err = NULL;
	int n = 0;

	if (s == NULL)
		return &lpd_enomem;
	memset(ret, 0, sizeof(*ret));
	at = strrchr(s, '@');
	if (at != NULL) {
		char *p = at + 1, *slash;

		*at = '\0';
		while (n < 3 && (slash = strchr(p, '/')) != NULL) {
			*slash = '\0';
			parts[n++] = p;
			p = slash + 1;
		}
		if (n >= 3 || *p == '\0' || n == 0) {
			err = lpd_error_format(LPD_ERR_INVALID_ARG,
					       "'%s': want CORE[:EXE]@NODE/"
					       "LPAR or @CLUSTER/NODE/LPAR",
					       arg);
			goto out;
		}
		parts[n++] = p;
		ret->lpar = lpd_strdup(parts[n - 1]);
		ret->node = lpd_strdup(parts[n - 2]);
		ret->cluster = n == 3 ? lpd_strdup(parts[0]) : NULL;
	}
	colon = strchr(s, ':');
	if (colon != NULL)
		*colon++ = '\0';
	if (*s == '\0') {
		err = lpd_error_format(LPD_ERR_INVALID_ARG, "'%s': no core",
				       arg);
		goto out;
	}
	if (base != NULL && s[0] != '/')
		ret->core = lpd_asprintf("%s/%s", base, s);
	else
		ret->core = lpd_strdup(s);
	if (colon != NULL && *colon != '\0')
		ret->exe = base != NULL && colon[0] != '/'
			 ? lpd_asprintf("%s/%s", base, colon)
			 : lpd_strdup(colon);
	if (ret->core == NULL || (colon != NULL && *colon != '\0' &&
				  ret->exe == NULL))
		err = &lpd_enomem;
out:
	lpd_free(s);
	return err;
}

static void
console_spec_deinit(struct console_spec *sp)
{
	lpd_free(sp->core);
	lpd_free(sp->exe);
	lpd_free(sp->cluster);
	lpd_free(sp->node);
	lpd_free(sp->lpar);
}

static struct lpd_error *
console_add(struct console_cores *c, const char *arg, const char *base)
{
	struct lpd_error *err;

	err = lpd_vec_reserve((void **)&c->specs, &c->cap, c->n + 1,
			      sizeof(*c->specs));
	if (err != NULL)
		return err;
	err = console_parse_spec(arg, base, &c->specs[c->n]);
	if (err != NULL)
		return err;
	c->n++;
	return NULL;
}

/* An LPAR named after the process ("crasher-4711"), else the core's
 * file name: the core is opened for its notes only. */
static char *
console_lpar_name(const char *core)
{
	const struct dump_process *p;
	struct dump *d;
	char *name;

	if (dump_open(core, &d) != NULL)
		return lpd_strdup(con_basename(core));
	p = dump_get_process(d);
	name = p != NULL && p->fname[0] != '\0'
	     ? lpd_asprintf("%s-%d", p->fname, p->pid)
	     : lpd_strdup(con_basename(core));
	dump_destroy(d);
	return name;
}

static int
console_cmp_str(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "");
}

/* Tree order: node, LPAR, then oldest first. */
static int
console_cmp_dump(const void *pa, const void *pb)
{
	const struct repo_dump *a = *(const struct repo_dump *const *)pa;
	const struct repo_dump *b = *(const struct repo_dump *const *)pb;
	int c = console_cmp_str(a->node, b->node);

	if (c == 0)
		c = console_cmp_str(a->lpar, b->lpar);
	if (c == 0)
		c = (a->time_taken > b->time_taken) -
		    (a->time_taken < b->time_taken);
	return c != 0 ? c : strcmp(a->hash, b->hash);
}

/* The repository's dumps under their node and LPAR; ids are the dumps'
 * ids in the repository (a hash prefix), as "lpardbg repo ls" shows
 * them. The core is checked out when the session loads it. */
static struct lpd_error *
console_report_repo(struct repo *repo, const char *cluster,
		    struct con_session *s)
{
	struct repo_dump_list *l = NULL;
	const struct repo_dump **sorted;
	struct repo_filter f;
	struct lpd_error *err;
	size_t i, n;

	memset(&f, 0, sizeof(f));
	err = repo_list_dumps(repo, &f, &l);
	if (err != NULL)
		return err;
	n = repo_dump_list_count(l);
	sorted = lpd_calloc(n + 1, sizeof(*sorted));
	if (sorted == NULL) {
		repo_dump_list_destroy(l);
		return &lpd_enomem;
	}
	for (i = 0; i < n; i++)
		sorted[i] = repo_dump_list_at(l, i);
	qsort(sorted, n, sizeof(*sorted), console_cmp_dump);
	for (i = 0; i < n && err == NULL; i++) {
		const struct repo_dump *d = sorted[i];
		struct con_report r;
		char id[REPO_ID_LEN + 1];

		snprintf(id, sizeof(id), "%.*s", REPO_ID_LEN, d->hash);
		memset(&r, 0, sizeof(r));
		r.cluster = cluster;
		r.repo = repo;
		r.node = d->node != NULL ? d->node : "(no node)";
		r.lpar = d->lpar != NULL ? d->lpar : "(no LPAR)";
		r.id = id;
		r.core = d->source != NULL ? d->source : d->hash;
		r.time = d->time_taken;
		r.hash = d->hash;
		err = con_catalog_report(s, &r);
	}
	lpd_free(sorted);
	repo_dump_list_destroy(l);
	return err;
}

/* The command-line (and catalog file) source. Ids are LPAR.K, K
 * counting that LPAR's dumps in order: stable for the same arguments. */
static struct lpd_error *
console_report(void *arg, struct con_session *s)
{
	struct console_cores *c = arg;
	struct lpd_error *err = NULL;
	size_t i, k;

	con_catalog_begin(s);
	if (c->repo != NULL)
		err = console_report_repo(c->repo, c->repo_cluster, s);
	for (i = 0; i < c->n && err == NULL; i++) {
		struct console_spec *sp = &c->specs[i];
		unsigned nth = 1;
		char id[256];
		struct con_report r;

		if (sp->lpar == NULL) {
			sp->lpar = console_lpar_name(sp->core);
			if (sp->lpar == NULL)
				err = &lpd_enomem;
		}
		if (err != NULL)
			break;
		for (k = 0; k < i; k++)
			if (strcmp(c->specs[k].lpar, sp->lpar) == 0)
				nth++;
		snprintf(id, sizeof(id), "%s.%u", sp->lpar, nth);
		memset(&r, 0, sizeof(r));
		r.cluster = sp->cluster != NULL ? sp->cluster
			  : c->cluster != NULL ? c->cluster : "local";
		r.node = sp->node != NULL ? sp->node : "local";
		r.lpar = sp->lpar;
		r.id = id;
		r.core = sp->core;
		r.exe = sp->exe;
		err = con_catalog_report(s, &r);
	}
	con_catalog_end(s);
	return err;
}

static const struct con_source_ops console_cores_source = {
	.name = "cores",
	.report = console_report,
};

/* DIR/catalog: one CORE[:EXE][@...] per line, '#' comments, paths
 * relative to DIR. */
static struct lpd_error *
console_read_catalog(struct console_cores *c, const char *dir)
{
	char *path = lpd_asprintf("%s/catalog", dir), line[4096];
	struct lpd_error *err = NULL;
	FILE *f;
	int no = 0;

	if (path == NULL)
		return &lpd_enomem;
	f = fopen(path, "r");
	if (f == NULL) {
		err = lpd_error_os(errno, path);
		lpd_free(path);
		return err;
	}
	while (err == NULL && fgets(line, sizeof(line), f) != NULL) {
		size_t l = strcspn(line, "\r\n");

		no++;
		line[l] = '\0';
		if (line[0] == '#' || line[strspn(line, " \t")] == '\0')
			continue;
		err = console_add(c, line, dir);
		if (err != NULL)
			err = lpd_error_prefix(err, "%s:%d", path, no);
	}
	fclose(f);
	lpd_free(path);
	return err;
}

/* --repo DIR: a repository (repo/), or a directory with a 'catalog'
 * file of CORE[:EXE][@...] lines. The repository is one cluster, named
 * NAME (--cluster), else after DIR. */
static struct lpd_error *
console_open_repo(struct console_cores *c, const char *dir, const char *name)
{
	struct lpd_error *err;
	char *cat = lpd_asprintf("%s/catalog", dir), *base;
	size_t l;

	if (cat == NULL)
		return &lpd_enomem;
	if (access(cat, R_OK) == 0) {
		lpd_free(cat);
		return console_read_catalog(c, dir);
	}
	lpd_free(cat);
	err = repo_open(dir, &c->repo);
	if (err != NULL)
		return lpd_error_prefix(err, "--repo %s (a repository, or a "
					"directory with a 'catalog' file)",
					dir);
	if (name != NULL) {
		c->repo_cluster = lpd_strdup(name);
	} else {
		base = lpd_strdup(dir);
		if (base == NULL)
			return &lpd_enomem;
		for (l = strlen(base); l > 1 && base[l - 1] == '/'; l--)
			base[l - 1] = '\0';
		c->repo_cluster = lpd_strdup(base[0] != '\0'
					     ? con_basename(base) : "repo");
		lpd_free(base);
	}
	return c->repo_cluster != NULL ? NULL : &lpd_enomem;
}

/* The fixtures directory: $LPD_FIXTURES, else next to the binary
 * (./lpardbg, build/lpardbg) or PREFIX/share/lpardbg/fixtures. */
static char *
console_fixtures(void)
{
	static const char *const rel[] = { "fixtures", "../fixtures",
		"../share/lpardbg/fixtures" };
	const char *env = getenv("LPD_FIXTURES");
	char exe[PATH_MAX], *slash, *p;
	ssize_t n;
	size_t i;

	if (env != NULL && *env != '\0')
		return lpd_strdup(env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash == NULL)
		return NULL;
	*slash = '\0';
	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		p = lpd_asprintf("%s/%s/console-demo.sh", exe, rel[i]);
		if (p != NULL && access(p, R_OK) == 0) {
			*strrchr(p, '/') = '\0';
			return p;
		}
		lpd_free(p);
	}
	return NULL;
}

/* The demo repository: DIR/repo, made by fixtures/console-demo.sh the
 * first time (before the screen is taken, with a message); DIR/ready says
 * it was finished. */
static struct lpd_error *
console_demo(struct console_cores *c, const char *name, char **dir_ret)
{
	const char *cache = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	char *dir, *cat, *fx, *repo = NULL, self[PATH_MAX];
	ssize_t sl;
	struct lpd_error *err = NULL;
	pid_t pid;
	int st;

	if (cache != NULL && cache[0] == '/')
		dir = lpd_asprintf("%s/lpardbg/demo", cache);
	else if (home != NULL)
		dir = lpd_asprintf("%s/.cache/lpardbg/demo", home);
	else
		dir = lpd_strdup("/tmp/lpardbg-demo");
	if (dir == NULL)
		return &lpd_enomem;
	cat = lpd_asprintf("%s/ready", dir);
	if (cat != NULL && access(cat, R_OK) != 0) {
		fx = console_fixtures();
		if (fx == NULL) {
			err = lpd_error_format(LPD_ERR_NOT_FOUND,
					       "no demo at %s and no fixtures "
					       "to build it (set LPD_FIXTURES)",
					       dir);
			goto out;
		}
		sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
		self[sl > 0 ? sl : 0] = '\0';
		fprintf(stderr, "lpardbg: building the demo repository in %s "
			"...\n", dir);
		pid = fork();
		if (pid == 0) {
			char *script = lpd_asprintf("%s/console-demo.sh", fx);

			if (script != NULL)
				execl("/bin/sh", "sh", script, dir, self,
				      (char *)NULL);
			_exit(127);
		}
		lpd_free(fx);
		if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0) {
			err = lpd_error_format(LPD_ERR_BAD_INPUT,
					       "building the demo in %s failed",
					       dir);
			goto out;
		}
	}
	repo = lpd_asprintf("%s/repo", dir);
	err = repo != NULL ? console_open_repo(c, repo, name != NULL ? name
					       : "demo")
			   : &lpd_enomem;
out:
	lpd_free(repo);
	lpd_free(cat);
	if (err != NULL) {
		lpd_free(dir);
		return err;
	}
	*dir_ret = dir;
	return NULL;
}

/* ---- --cluster NAME: every node of a clusters.conf cluster ------------------
 * Local repositories are read through repo.h; ssh:// ones are asked
 * through the agent on their node (agent.h), which lists their dumps and
 * unwinds them there, so a core never crosses the network. */

struct console_cluster;

struct console_node {
	struct console_cluster *cl;
	const struct cluster_node *conf;
	struct repo *repo;		/* a local node's repository */
	struct agent_client *agent;	/* a remote one's; NULL when lost */
};

struct console_cluster {
	struct cluster_conf conf;
	struct agent_client_options o;
	struct console_node *nodes;
	size_t n_nodes;
	char *first_error;		/* for the status line */
};

static bool
console_is_remote(const struct cluster_node *n)
{
	return strncmp(n->repo, "ssh://", 6) == 0;
}

/* REQ to NODE's agent, connecting first when it has none; a lost
 * connection is dropped, so the next call tries again. */
static struct lpd_error *
console_node_call(struct console_node *n, json_t *req, json_t **ret)
{
	struct lpd_error *err = NULL;

	if (req == NULL)
		return &lpd_enomem;
	if (n->agent == NULL)
		err = agent_client_open(n->conf->repo, &n->cl->o, &n->agent);
	if (err == NULL)
		err = agent_client_call(n->agent, req, ret);
	if (err != NULL && err->code == LPD_ERR_REMOTE) {
		agent_client_destroy(n->agent);
		n->agent = NULL;
	}
	if (err != NULL)
		err = lpd_error_prefix(err, "node %s", n->conf->name);
	return err;
}

/* One call; REQ (owned) is freed here; the result dropped unless RET. */
static struct lpd_error *
console_node_ask(struct console_node *n, json_t *req, json_t **ret)
{
	json_t *res = NULL;
	struct lpd_error *err = console_node_call(n, req, &res);

	json_decref(req);
	if (err == NULL && ret != NULL)
		*ret = res;
	else
		json_decref(res);
	return err;
}

static uint64_t
console_json_u64(json_t *v)
{
	if (json_is_integer(v))
		return (uint64_t)json_integer_value(v);
	if (json_is_string(v))
		return strtoull(json_string_value(v), NULL, 0);
	return 0;
}

/* bt --json's crashed thread (else the first) into D's frames. */
static struct lpd_error *
console_remote_frames(struct con_dump *d, json_t *bt)
{
	json_t *threads = json_object_get(bt, "threads"), *th = NULL, *fr;
	json_t *sig = json_object_get(bt, "signal");
	const char *exe = json_string_value(json_object_get(bt,
							    "executable"));
	struct dbg_frame *frames;
	struct lpd_error *err;
	size_t i, n;

	for (i = 0; i < json_array_size(threads); i++)
		if (json_is_true(json_object_get(json_array_get(threads, i),
						 "crashed"))) {
			th = json_array_get(threads, i);
			d->crashed = i;
			break;
		}
	if (th == NULL) {
		th = json_array_get(threads, 0);
		d->crashed = 0;
	}
	d->signo = (int)json_integer_value(json_object_get(sig, "number"));
	d->pid = (int)json_integer_value(json_object_get(bt, "pid"));
	snprintf(d->process, sizeof(d->process), "%s",
		 exe != NULL ? con_basename(exe) : "");
	fr = json_object_get(th, "frames");
	n = json_array_size(fr);
	frames = lpd_calloc(n + 1, sizeof(*frames));
	if (frames == NULL)
		return &lpd_enomem;
	for (i = 0; i < n; i++) {
		json_t *f = json_array_get(fr, i), *off;

		frames[i].pc = console_json_u64(json_object_get(f, "pc"));
		frames[i].exact_pc = i == 0;
		frames[i].function = json_string_value(json_object_get(
			f, "function"));
		off = json_object_get(f, "offset");
		frames[i].has_offset = json_is_integer(off);
		frames[i].offset = console_json_u64(off);
		frames[i].module = json_string_value(json_object_get(f,
								     "module"));
		frames[i].build_id = json_string_value(json_object_get(
			f, "build_id"));
		frames[i].file = json_string_value(json_object_get(f, "file"));
		frames[i].line = (unsigned)json_integer_value(
			json_object_get(f, "line"));
		frames[i].is_inline = json_is_true(json_object_get(f,
								   "inline"));
		frames[i].is_signal = json_is_true(json_object_get(
			f, "signal_frame"));
	}
	err = con_dump_set_frames(d, frames, n);
	lpd_free(frames);
	return err;
}

/* What the panes and commands say for what N's agent cannot do. */
static struct lpd_error *
console_too_old(struct console_node *n, const char *what)
{
	return lpd_error_format(LPD_ERR_UNSUPPORTED, "the agent on %s is too "
				"old for %s", n->conf->name, what);
}

static struct lpd_error *
console_remote_open(struct console_node *n, struct con_dump *d)
{
	return console_node_ask(n, json_pack("{s:s, s:s}", "op", "open",
					     "dump", d->id), NULL);
}

static struct lpd_error *
console_remote_load(void *arg, struct con_dump *d)
{
	struct console_node *n = arg;
	struct lpd_error *err;
	json_t *bt = NULL;

	err = console_remote_open(n, d);
	if (err == NULL)
		err = console_node_ask(n, json_pack("{s:s}", "op", "bt"), &bt);
	if (err == NULL)
		err = console_remote_frames(d, bt);
	json_decref(bt);
	return err;
}

static struct lpd_error *
console_remote_command(void *arg, struct con_dump *d, size_t frame,
		       const char *line, char **ret)
{
	struct console_node *n = arg;
	size_t l = strcspn(line, " \t/");
	const char *rest = line + strspn(line + l, " \t") + l;
	struct lpd_error *err;
	json_t *req, *res = NULL;
	const char *text, *op;
	char opname[16];
	enum agent_op o = AGENT_OP_HELLO;

	if ((l == 2 && strncmp(line, "bt", 2) == 0) ||
	    (l == 9 && strncmp(line, "backtrace", 9) == 0) ||
	    (l == 5 && strncmp(line, "where", 5) == 0))
		req = json_pack("{s:s, s:b, s:s}", "op", "bt", "full",
				strstr(rest, "full") != NULL, "format",
				"text");
	else if (l == 4 && strncmp(line, "info", 4) == 0 && *rest == '\0')
		req = json_pack("{s:s, s:s}", "op", "info", "format", "text");
	else
		req = json_pack("{s:s, s:s, s:I, s:s}", "op", "eval", "expr",
				line, "frame", (json_int_t)frame, "format",
				"text");
	op = req != NULL ? json_string_value(json_object_get(req, "op"))
		: NULL;
	snprintf(opname, sizeof(opname), "%s", op != NULL ? op : "?");
	err = console_remote_open(n, d);
	if (err == NULL && agent_op_lookup(opname, &o) &&
	    !agent_client_has(n->agent, o))
		err = console_too_old(n, opname);
	if (err == NULL)
		err = console_node_ask(n, req, &res);
	else
		json_decref(req);
	if (err != NULL && err->code == LPD_ERR_UNSUPPORTED &&
	    strncmp(err->message, "the agent on ", 13) != 0) {
		lpd_error_destroy(err);
		err = console_too_old(n, opname);
	}
	if (err != NULL)
		return err;
	text = json_string_value(json_object_get(res, "text"));
	*ret = lpd_strdup(text != NULL ? text : "");
	json_decref(res);
	return *ret != NULL ? NULL : &lpd_enomem;
}

/* Registers and variables of FRAME there: two small questions of the
 * target the agent keeps loaded for the open dump. */
static struct lpd_error *
console_remote_frame(void *arg, struct con_dump *d, size_t frame,
		     struct con_rframe **ret)
{
	struct console_node *n = arg;
	struct lpd_error *err;
	json_t *regs = NULL, *vars = NULL;

	err = console_remote_open(n, d);
	/* An agent without regs/vars (older than them) is asked nothing:
	 * the panes say so, and the connection stays. */
	if (err == NULL && (!agent_client_has(n->agent, AGENT_OP_REGS) ||
			    !agent_client_has(n->agent, AGENT_OP_VARS)))
		return console_too_old(n, "registers/values");
	if (err == NULL)
		err = console_node_ask(n, json_pack("{s:s, s:I}", "op", "regs",
						    "frame", (json_int_t)frame),
				       &regs);
	if (err == NULL)
		err = console_node_ask(n, json_pack("{s:s, s:I}", "op", "vars",
						    "frame", (json_int_t)frame),
				       &vars);
	if (err == NULL)
		err = agent_rframe_from_json(regs, vars, frame, ret);
	if (err != NULL && err->code == LPD_ERR_UNSUPPORTED) {
		/* It listed them, yet answered unknown_op. */
		lpd_error_destroy(err);
		err = console_too_old(n, "registers/values");
	}
	if (err != NULL && err->code == LPD_ERR_REMOTE &&
	    strncmp(err->message, "node ", 5) != 0)
		err = lpd_error_prefix(err, "node %s", n->conf->name);
	json_decref(regs);
	json_decref(vars);
	return err;
}

static const struct con_remote_ops console_remote_ops = {
	.load = console_remote_load,
	.command = console_remote_command,
	.frame = console_remote_frame,
};

/* A remote node's dumps as its agent lists them (repo ls --json). */
static struct lpd_error *
console_report_remote(struct console_node *n, struct con_session *s)
{
	struct lpd_error *err;
	json_t *list = NULL;
	size_t i;

	err = console_node_ask(n, json_pack("{s:s, s:s}", "op", "list",
					    "what", "dumps"), &list);
	for (i = 0; err == NULL && i < json_array_size(list); i++) {
		json_t *d = json_array_get(list, i);
		const char *id = json_string_value(json_object_get(d, "id"));
		const char *node = json_string_value(json_object_get(d,
								     "node"));
		const char *lpar = json_string_value(json_object_get(d,
								     "lpar"));
		struct con_report r;

		if (id == NULL)
			continue;
		memset(&r, 0, sizeof(r));
		r.cluster = n->cl->conf.name;
		r.node = node != NULL ? node : n->conf->name;
		r.lpar = lpar != NULL ? lpar : "(no LPAR)";
		r.id = id;
		r.core = id;
		r.time = json_integer_value(json_object_get(d, "time_taken"));
		r.remote = &console_remote_ops;
		r.remote_arg = n;
		r.remote_node = n->conf->name;
		err = con_catalog_report(s, &r);
	}
	json_decref(list);
	return err;
}

/* Every node; one that cannot be read is reported unreachable and the
 * others still are. */
static struct lpd_error *
console_cluster_report(void *arg, struct con_session *s)
{
	struct console_cluster *cl = arg;
	struct lpd_error *err = NULL, *e;
	size_t i;

	con_catalog_begin(s);
	for (i = 0; i < cl->n_nodes && err == NULL; i++) {
		struct console_node *n = &cl->nodes[i];

		if (console_is_remote(n->conf))
			e = console_report_remote(n, s);
		else if (n->repo == NULL)
			e = repo_open(n->conf->repo, &n->repo);
		else
			e = NULL;
		if (e == NULL && n->repo != NULL)
			e = console_report_repo(n->repo, cl->conf.name, s);
		if (e == NULL)
			continue;
		if (e == &lpd_enomem) {
			err = e;
			break;
		}
		if (cl->first_error == NULL)
			cl->first_error = lpd_strdup(e->message);
		err = con_catalog_report_node(s, cl->conf.name,
					      n->conf->name, e->message);
		lpd_error_destroy(e);
	}
	con_catalog_end(s);
	return err;
}

static const struct con_source_ops console_cluster_source = {
	.name = "cluster",
	.report = console_cluster_report,
};

static struct lpd_error *
console_cluster_init(struct console_cluster *cl, const char *name)
{
	struct lpd_error *err;
	size_t i;

	err = cluster_conf_load(NULL, name, &cl->conf);
	if (err != NULL)
		return err;
	cl->nodes = lpd_calloc(cl->conf.n_nodes + 1, sizeof(*cl->nodes));
	if (cl->nodes == NULL)
		return &lpd_enomem;
	cl->n_nodes = cl->conf.n_nodes;
	for (i = 0; i < cl->n_nodes; i++) {
		cl->nodes[i].cl = cl;
		cl->nodes[i].conf = &cl->conf.nodes[i];
	}
	return NULL;
}

static void
console_cluster_deinit(struct console_cluster *cl)
{
	size_t i;

	for (i = 0; i < cl->n_nodes; i++) {
		repo_destroy(cl->nodes[i].repo);
		agent_client_destroy(cl->nodes[i].agent);
	}
	lpd_free(cl->nodes);
	lpd_free(cl->first_error);
	if (cl->conf.name != NULL)
		cluster_conf_deinit(&cl->conf);
}

static enum cmd_retval
cmd_console_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	enum { OPT_REPO = 256, OPT_CLUSTER, OPT_SYSROOT, OPT_LPARDBG,
	       OPT_ACCEPT, OPT_TIMEOUT };
	static const struct option longopts[] = {
		{ "repo", required_argument, NULL, OPT_REPO },
		{ "cluster", required_argument, NULL, OPT_CLUSTER },
		{ "sysroot", required_argument, NULL, OPT_SYSROOT },
		{ "remote-lpardbg", required_argument, NULL, OPT_LPARDBG },
		{ "accept-new-host-key", no_argument, NULL, OPT_ACCEPT },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct console_cores cores = { 0 };
	struct console_cluster cl = { 0 };
	struct remote_args ra = { 0 };
	bool spans = false;
	struct con_session *s = NULL;
	const char *repo = NULL, *cluster = NULL, *sysroot = NULL;
	struct lpd_error *err = NULL;
	enum cmd_retval rv = CMD_RETURN_OK;
	char *demo_dir = NULL;
	volatile int cancel = 0;	/* when the caller has none */
	size_t i;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_REPO: repo = optarg; break;
		case OPT_CLUSTER: cluster = optarg; break;
		case OPT_SYSROOT: sysroot = optarg; break;
		case OPT_LPARDBG:
		case OPT_ACCEPT:
		case OPT_TIMEOUT:
			if ((c == OPT_LPARDBG && remote_set_lpardbg(&ra, optarg)) ||
			    (c == OPT_ACCEPT && remote_set_accept(&ra, NULL)) ||
			    (c == OPT_TIMEOUT && remote_set_timeout(&ra, optarg)))
				break;
			return cmd_usage(ctx, &cmd_console_entry,
					 "bad value for '%s'", argv[optind - 1]);
		case 'h':
			fprintf(ctx->out, "usage: lpardbg console %s\n  %s\n",
				cmd_console_entry.usage,
				cmd_console_entry.summary);
			return CMD_RETURN_USAGE;
		default:
			return cmd_usage(ctx, &cmd_console_entry,
					 "bad option '%s'", argv[optind - 1]);
		}
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return cmd_usage(ctx, NULL, "console: not a terminal (batch "
				 "commands: lpardbg help)");
	cores.cluster = cluster;
	for (i = (size_t)optind; err == NULL && i < (size_t)argc; i++)
		err = console_add(&cores, argv[i], NULL);
	if (err == NULL && repo != NULL)
		err = console_open_repo(&cores, repo, cluster);
	/* --cluster NAME alone: the cluster clusters.conf describes, when
	 * it does; else the demo's cluster of that name. */
	if (err == NULL && cores.n == 0 && repo == NULL && cluster != NULL) {
		err = console_cluster_init(&cl, cluster);
		spans = err == NULL;
		if (err != NULL && err->code == LPD_ERR_NOT_FOUND) {
			lpd_error_destroy(err);
			err = NULL;
		}
	}
	if (err == NULL && cores.n == 0 && repo == NULL && !spans)
		err = console_demo(&cores, cluster, &demo_dir);
	if (err == NULL)
		err = con_session_create(&s);
	if (err != NULL) {
		rv = cmd_fail(ctx, err);
		goto out;
	}
	s->sysroot = sysroot;
	s->repo = cores.repo;
	/* --cluster filters catalogs that name clusters; command-line
	 * cores take it as their cluster's name. */
	if (cluster != NULL && (repo != NULL || demo_dir != NULL))
		s->cluster = lpd_strdup(cluster);
	if (spans) {
		cl.o = ra.o;
		if (cl.o.timeout_ms == 0)
			cl.o.timeout_ms = 10000;
		/* A node lost mid-session answers an error, not a hang. */
		if (cl.o.op_timeout_ms == 0)
			cl.o.op_timeout_ms = 60000;
		err = console_cluster_source.report(&cl, s);
	} else {
		err = console_cores_source.report(&cores, s);
	}
	if (err == NULL && con_dump_count(s) == 0 && cl.first_error != NULL)
		err = lpd_error_format(LPD_ERR_REMOTE, "no dumps in cluster "
				       "%s: %s", cluster, cl.first_error);
	if (err == NULL && con_dump_count(s) == 0)
		err = lpd_error_format(LPD_ERR_NOT_FOUND, "no dumps%s%s",
				       cluster != NULL ? " in cluster " : "",
				       cluster != NULL ? cluster : "");
	if (err != NULL) {
		rv = cmd_fail(ctx, err);
		goto out;
	}
	con_status(s, false, "%zu dumps%s%s; Enter opens, Space marks, d "
		   "compares, : commands, ? help", con_dump_count(s),
		   demo_dir != NULL ? " from the demo in " : "",
		   demo_dir != NULL ? demo_dir : "");
	if (cl.first_error != NULL)
		con_status(s, true, "%s (the other nodes answered)",
			   cl.first_error);
	rv = (enum cmd_retval)tui_run(s, ctx->cancel != NULL ? ctx->cancel
							     : &cancel);
out:
	con_session_destroy(s);
	for (i = 0; i < cores.n; i++)
		console_spec_deinit(&cores.specs[i]);
	lpd_free(cores.specs);
	repo_destroy(cores.repo);
	lpd_free(cores.repo_cluster);
	console_cluster_deinit(&cl);
	lpd_free(demo_dir);
	return rv;
}

const struct cmd_entry cmd_console_entry = {
	.name = "console",
	.usage = "[--repo DIR] [--cluster NAME [--remote-lpardbg PATH] "
		 "[--accept-new-host-key] [--timeout S]] [--sysroot DIR] "
		 "[CORE[:EXE][@[CLUSTER/]NODE/LPAR]...]",
	.summary = "the TUI over a cluster's dumps (no arguments: the demo)",
	.exec = cmd_console_exec,
};
