/* repo/catalog.c - the cluster as the index knows it: nodes, the LPARs on
 * each with their image, and how many dumps each holds ("cluster ls"). */
#include <stdio.h>
#include <string.h>

#include "repo/repo-int.h"

struct catalog_strings {
	char **v;
	size_t n, cap;
};

static struct lpd_error *
catalog_keep(struct catalog_strings *s, const unsigned char *text,
	     const char **ret)
{
	struct lpd_error *err;

	*ret = NULL;
	if (text == NULL)
		return NULL;
	err = lpd_vec_reserve((void **)&s->v, &s->cap, s->n + 1,
			      sizeof(char *));
	if (err != NULL)
		return err;
	s->v[s->n] = lpd_strdup((const char *)text);
	if (s->v[s->n] == NULL)
		return &lpd_enomem;
	*ret = s->v[s->n++];
	return NULL;
}

static bool
catalog_same(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

void
repo_catalog_deinit(struct repo_catalog *c)
{
	struct catalog_strings *s = c->strings;
	size_t i;

	for (i = 0; i < c->n_nodes; i++)
		lpd_free(c->nodes[i].lpars);
	lpd_free(c->nodes);
	if (s != NULL) {
		for (i = 0; i < s->n; i++)
			lpd_free(s->v[i]);
		lpd_free(s->v);
		lpd_free(s);
	}
	memset(c, 0, sizeof(*c));
}

struct lpd_error *
repo_catalog(struct repo *r, struct repo_catalog *ret)
{
	/* LPARs (with or without dumps), then dumps assigned to no LPAR,
	 * grouped by node; unassigned sorts last. */
	static const char sql[] =
		"SELECT * FROM ("
		" SELECT n.name AS node, l.name AS lpar, i.name, i.version,"
		" (SELECT count(*) FROM dumps WHERE lpar = l.id),"
		" (SELECT max(time_taken) FROM dumps WHERE lpar = l.id)"
		" FROM lpars l LEFT JOIN nodes n ON n.id = l.node"
		" LEFT JOIN images i ON i.id = l.image"
		" UNION ALL"
		" SELECT n.name, NULL, NULL, NULL, count(*), max(d.time_taken)"
		" FROM dumps d LEFT JOIN nodes n ON n.id = d.node"
		" WHERE d.lpar IS NULL GROUP BY d.node)"
		" ORDER BY node IS NULL, node, lpar IS NULL, lpar";
	struct repo_catalog c = { NULL, 0, NULL };
	struct catalog_strings *s;
	size_t cap_nodes = 0, cap_lpars = 0;
	struct lpd_error *err;
	sqlite3_stmt *st;
	int rc;

	s = lpd_calloc(1, sizeof(*s));
	if (s == NULL)
		return &lpd_enomem;
	c.strings = s;
	err = index_prepare(r, sql, &st);
	while (err == NULL && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct repo_catalog_node *node;
		struct repo_catalog_lpar *l;
		const char *name;

		err = catalog_keep(s, sqlite3_column_text(st, 0), &name);
		if (err != NULL)
			break;
		if (c.n_nodes == 0 ||
		    !catalog_same(c.nodes[c.n_nodes - 1].name, name)) {
			err = lpd_vec_reserve((void **)&c.nodes, &cap_nodes,
					      c.n_nodes + 1, sizeof(*node));
			if (err != NULL)
				break;
			memset(&c.nodes[c.n_nodes], 0, sizeof(*node));
			c.nodes[c.n_nodes++].name = name;
			cap_lpars = 0;
		}
		node = &c.nodes[c.n_nodes - 1];
		err = lpd_vec_reserve((void **)&node->lpars, &cap_lpars,
				      node->n_lpars + 1, sizeof(*l));
		if (err != NULL)
			break;
		l = &node->lpars[node->n_lpars];
		memset(l, 0, sizeof(*l));
		err = catalog_keep(s, sqlite3_column_text(st, 1), &l->name);
		if (err == NULL)
			err = catalog_keep(s, sqlite3_column_text(st, 2),
					   &l->image);
		if (err == NULL)
			err = catalog_keep(s, sqlite3_column_text(st, 3),
					   &l->image_version);
		l->dumps = (size_t)sqlite3_column_int64(st, 4);
		l->last_taken = sqlite3_column_int64(st, 5);
		node->dumps += l->dumps;
		node->n_lpars++;
	}
	if (err == NULL && rc != SQLITE_DONE)
		err = index_error(r, "catalog");
	sqlite3_finalize(st);
	if (err != NULL) {
		repo_catalog_deinit(&c);
		return err;
	}
	*ret = c;
	return NULL;
}
