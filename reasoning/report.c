/* reasoning/report.c - diff and triage results as text, JSON, Markdown and
 * JUnit XML. Only renders what similarity.c, rules-eval.c and triage.c
 * computed. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "reasoning/rules-int.h"

/* Depth of proofs in reports: relation, its premises, theirs. */
enum { REPORT_PROOF_DEPTH = 3, REPORT_MAX_MEMBERS_TEXT = 12 };

bool
reason_pair_is_same(const struct reason_db *db)
{
	return reason_db_count(db, "same_crash") > 0 ||
	       reason_db_count(db, "same_root_cause_candidate") > 0;
}

static void
report_time(int64_t t, char *buf, size_t n)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL) {
		snprintf(buf, n, "unknown");
		return;
	}
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static struct lpd_error *
report_xml(struct lpd_buf *b, const char *s)
{
	struct lpd_error *err = NULL;

	for (; s != NULL && *s != '\0' && err == NULL; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '<': err = lpd_buf_puts(b, "&lt;"); break;
		case '>': err = lpd_buf_puts(b, "&gt;"); break;
		case '&': err = lpd_buf_puts(b, "&amp;"); break;
		case '"': err = lpd_buf_puts(b, "&quot;"); break;
		default:
			if (c < 0x20 && c != '\n' && c != '\t')
				err = lpd_buf_puts(b, "?");
			else
				err = lpd_buf_append(b, s, 1);
		}
	}
	return err;
}

/* Markdown table cells: no pipes or newlines. */
static struct lpd_error *
report_md(struct lpd_buf *b, const char *s)
{
	struct lpd_error *err = NULL;

	for (; s != NULL && *s != '\0' && err == NULL; s++) {
		if (*s == '|')
			err = lpd_buf_puts(b, "\\|");
		else if (*s == '\n')
			err = lpd_buf_puts(b, " ");
		else
			err = lpd_buf_append(b, s, 1);
	}
	return err;
}

/* ---- diff ------------------------------------------------------------- */

struct report_diff {
	const struct reason_analysis *a, *b;
	const struct reason_comparison *c;
	const struct reason_rules *r;
	const struct reason_db *db;
	enum reason_expect expect;
	bool met;
	struct lpd_buf *out;
};

static const char *
report_expect_name(enum reason_expect e)
{
	return e == REASON_EXPECT_SAME ? "same"
	       : e == REASON_EXPECT_DIFFERENT ? "different" : NULL;
}

static struct lpd_error *
report_dump_line(struct lpd_buf *o, const char *tag,
		 const struct reason_analysis *a)
{
	return lpd_buf_printf(o, "%s: %s  (%s, fault %s, %s build %.12s)\n",
		tag, a->id, a->signame != NULL ? a->signame : "no signal",
		a->region != NULL ? a->region : "none",
		a->executable != NULL ? reason_basename(a->executable) : "?",
		a->exe_build_id != NULL ? a->exe_build_id : "?");
}

static const char *
report_key(const struct reason_analysis *a, size_t i)
{
	return i < a->n_norm ? a->norm[i].key : "";
}

/* One line of the aligned stacks; A or B NULL when absent there. */
static struct lpd_error *
report_align_line(struct lpd_buf *o, char mark,
		  const struct reason_analysis *a, size_t ia,
		  const struct reason_analysis *b, size_t ib)
{
	char sa[16] = "", sb[16] = "";

	if (a != NULL)
		snprintf(sa, sizeof(sa), "#%zu", ia);
	if (b != NULL)
		snprintf(sb, sizeof(sb), "#%zu", ib);
	return lpd_buf_printf(o, "  %c %-4s %-38s %-4s %s\n", mark, sa,
			      a != NULL ? report_key(a, ia) : "", sb,
			      b != NULL ? report_key(b, ib) : "");
}

static struct lpd_error *
report_diff_text(const struct report_diff *d, bool markdown)
{
	const struct reason_comparison *c = d->c;
	struct lpd_buf *o = d->out;
	struct lpd_error *err;
	size_t i, k, shown = 0;

	if (markdown) {
		err = lpd_buf_printf(o, "## lpardbg diff: %s vs %s\n\n",
				     d->a->id, d->b->id);
		if (err == NULL)
			err = lpd_buf_printf(o, "- **A**: `%s` (%s, %s)\n"
				"- **B**: `%s` (%s, %s)\n\n", d->a->id,
				d->a->signame ? d->a->signame : "no signal",
				d->a->region ? d->a->region : "none",
				d->b->id,
				d->b->signame ? d->b->signame : "no signal",
				d->b->region ? d->b->region : "none");
	} else {
		err = report_dump_line(o, "A", d->a);
		if (err == NULL)
			err = report_dump_line(o, "B", d->b);
	}
	if (err == NULL)
		err = lpd_buf_puts(o, markdown ? "### Relations\n\n"
						: "\nrelations:\n");
	for (i = 0; err == NULL && i < reason_rules_shown_count(d->r); i++) {
		const char *pred = reason_rules_shown(d->r, i);

		for (k = 0; err == NULL &&
		     k < reason_db_count(d->db, pred); k++) {
			char *proof = reason_db_proof_text(d->db, pred, k,
						REPORT_PROOF_DEPTH);
			char *line, *save = NULL;

			if (proof == NULL)
				return &lpd_enomem;
			shown++;
			if (markdown)
				err = lpd_buf_puts(o, "```\n");
			for (line = strtok_r(proof, "\n", &save);
			     err == NULL && line != NULL;
			     line = strtok_r(NULL, "\n", &save))
				err = lpd_buf_printf(o, "%s%s\n",
					markdown ? "" : "  ", line);
			if (err == NULL && markdown)
				err = lpd_buf_puts(o, "```\n");
			lpd_free(proof);
		}
	}
	if (err == NULL && shown == 0)
		err = lpd_buf_puts(o, markdown ? "_no relation derived_\n"
						: "  (no relation derived)\n");
	if (err == NULL && d->expect != REASON_EXPECT_NONE)
		err = lpd_buf_printf(o, "%sexpected %s: %s\n",
				     markdown ? "\n**" : "\n",
				     report_expect_name(d->expect),
				     d->met ? "yes" : "NO");
	if (err == NULL)
		err = lpd_buf_printf(o, markdown
			? "\n### Similarity: %.3f\n\n| dimension | score | "
			  "weight | contribution | why |\n|---|---|---|---|"
			  "---|\n"
			: "\nsimilarity %.3f:\n  %-8s %6s %7s %13s  %s\n",
			c->overall, "dim", "score", "weight", "contribution",
			"why");
	for (i = 0; err == NULL && i < REASON_DIM_COUNT; i++) {
		const char *name = reason_dim_name((enum reason_dim)i);

		if (markdown) {
			if (c->applies[i])
				err = lpd_buf_printf(o, "| %s | %.3f | %.2f | "
					"%.3f | ", name, c->score[i],
					c->weight[i], c->weight[i] *
					c->score[i]);
			else
				err = lpd_buf_printf(o, "| %s | n/a | | | ",
						     name);
			if (err == NULL)
				err = report_md(o, c->explain[i]);
			if (err == NULL)
				err = lpd_buf_puts(o, " |\n");
		} else if (c->applies[i]) {
			err = lpd_buf_printf(o, "  %-8s %6.3f %7.2f %13.3f  "
				"%s\n", name, c->score[i], c->weight[i],
				c->weight[i] * c->score[i], c->explain[i]);
		} else {
			err = lpd_buf_printf(o, "  %-8s %6s %7s %13s  %s\n",
				name, "n/a", "", "", c->explain[i]);
		}
	}
	if (err == NULL)
		err = lpd_buf_puts(o, markdown
			? "\n### Crashed stacks (normalized, aligned)\n\n"
			  "```\n"
			: "\ncrashed stacks (normalized; = same, ! differ, "
			  "< only in A, > only in B):\n");
	for (i = 0; err == NULL && i < c->n_align; i = k) {
		size_t na = 0, nb = 0, ia[REASON_MAX_NORM * 2],
		       ib[REASON_MAX_NORM * 2], m;

		if (c->align[i].op == REASON_ALIGN_MATCH) {
			err = report_align_line(o, '=', d->a, c->align[i].ia,
						d->b, c->align[i].ib);
			k = i + 1;
			continue;
		}
		/* A run of differences: side by side ('!'), then the
		 * rest of the longer side. */
		for (k = i; k < c->n_align &&
		     c->align[k].op != REASON_ALIGN_MATCH; k++) {
			if (c->align[k].op == REASON_ALIGN_ONLY_A)
				ia[na++] = c->align[k].ia;
			else
				ib[nb++] = c->align[k].ib;
		}
		for (m = 0; err == NULL && m < na && m < nb; m++)
			err = report_align_line(o, '!', d->a, ia[m], d->b,
						ib[m]);
		for (; err == NULL && m < na; m++)
			err = report_align_line(o, '<', d->a, ia[m], NULL, 0);
		for (; err == NULL && m < nb; m++)
			err = report_align_line(o, '>', NULL, 0, d->b, ib[m]);
	}
	if (err == NULL && markdown)
		err = lpd_buf_puts(o, "```\n");
	return err;
}

static void
report_json_dump(struct lpd_json *j, const struct reason_analysis *a)
{
	size_t i;

	lpd_json_object_begin(j);
	lpd_json_key(j, "id");
	lpd_json_string(j, a->id);
	lpd_json_key(j, "core");
	lpd_json_string(j, a->core);
	lpd_json_key(j, "executable");
	lpd_json_string(j, a->executable);
	lpd_json_key(j, "exe_build_id");
	lpd_json_string(j, a->exe_build_id);
	lpd_json_key(j, "signal");
	lpd_json_string(j, a->signame);
	lpd_json_key(j, "region");
	lpd_json_string(j, a->region);
	lpd_json_key(j, "normalized");
	lpd_json_array_begin(j);
	for (i = 0; i < a->n_norm; i++)
		lpd_json_string(j, a->norm[i].key);
	lpd_json_array_end(j);
	lpd_json_key(j, "facts");
	reason_facts_json(a, j);
	lpd_json_object_end(j);
}

static struct lpd_error *
report_diff_json(const struct report_diff *d)
{
	const struct reason_comparison *c = d->c;
	struct lpd_json j;
	size_t i, k;

	lpd_json_init(&j, d->out);
	lpd_json_object_begin(&j);
	lpd_json_key(&j, "a");
	report_json_dump(&j, d->a);
	lpd_json_key(&j, "b");
	report_json_dump(&j, d->b);
	lpd_json_key(&j, "verdict");
	lpd_json_string(&j, reason_pair_is_same(d->db) ? "same" : "different");
	lpd_json_key(&j, "expect");
	lpd_json_string(&j, report_expect_name(d->expect));
	lpd_json_key(&j, "as_expected");
	if (d->expect != REASON_EXPECT_NONE)
		lpd_json_bool(&j, d->met);
	else
		lpd_json_null(&j);
	lpd_json_key(&j, "score");
	lpd_json_double(&j, c->overall, 4);
	lpd_json_key(&j, "dimensions");
	lpd_json_array_begin(&j);
	for (i = 0; i < REASON_DIM_COUNT; i++) {
		lpd_json_object_begin(&j);
		lpd_json_key(&j, "name");
		lpd_json_string(&j, reason_dim_name((enum reason_dim)i));
		lpd_json_key(&j, "applies");
		lpd_json_bool(&j, c->applies[i]);
		lpd_json_key(&j, "score");
		if (c->applies[i])
			lpd_json_double(&j, c->score[i], 4);
		else
			lpd_json_null(&j);
		lpd_json_key(&j, "weight");
		lpd_json_double(&j, c->weight[i], 4);
		lpd_json_key(&j, "contribution");
		lpd_json_double(&j, c->weight[i] * c->score[i], 4);
		lpd_json_key(&j, "explain");
		lpd_json_string(&j, c->explain[i]);
		lpd_json_object_end(&j);
	}
	lpd_json_array_end(&j);
	lpd_json_key(&j, "relations");
	lpd_json_array_begin(&j);
	for (i = 0; i < reason_rules_shown_count(d->r); i++) {
		const char *pred = reason_rules_shown(d->r, i);

		for (k = 0; k < reason_db_count(d->db, pred); k++) {
			lpd_json_object_begin(&j);
			lpd_json_key(&j, "relation");
			lpd_json_string(&j, pred);
			lpd_json_key(&j, "proof");
			reason_db_proof_json(d->db, pred, k,
					     REPORT_PROOF_DEPTH, &j);
			lpd_json_object_end(&j);
		}
	}
	lpd_json_array_end(&j);
	lpd_json_key(&j, "alignment");
	lpd_json_array_begin(&j);
	for (i = 0; i < c->n_align; i++) {
		const struct reason_align *al = &c->align[i];

		lpd_json_object_begin(&j);
		lpd_json_key(&j, "op");
		lpd_json_string(&j, al->op == REASON_ALIGN_MATCH ? "same"
			: al->op == REASON_ALIGN_ONLY_A ? "only_a" : "only_b");
		lpd_json_key(&j, "a");
		if (al->op != REASON_ALIGN_ONLY_B)
			lpd_json_string(&j, report_key(d->a, al->ia));
		else
			lpd_json_null(&j);
		lpd_json_key(&j, "b");
		if (al->op != REASON_ALIGN_ONLY_A)
			lpd_json_string(&j, report_key(d->b, al->ib));
		else
			lpd_json_null(&j);
		lpd_json_object_end(&j);
	}
	lpd_json_array_end(&j);
	lpd_json_key(&j, "first_difference");
	if (c->has_first_diff) {
		lpd_json_object_begin(&j);
		lpd_json_key(&j, "index");
		lpd_json_uint(&j, c->first_diff);
		lpd_json_key(&j, "a");
		lpd_json_string(&j, c->first_diff < d->a->n_norm
				    ? d->a->norm[c->first_diff].key : NULL);
		lpd_json_key(&j, "b");
		lpd_json_string(&j, c->first_diff < d->b->n_norm
				    ? d->b->norm[c->first_diff].key : NULL);
		lpd_json_object_end(&j);
	} else {
		lpd_json_null(&j);
	}
	lpd_json_object_end(&j);
	return lpd_json_finish(&j);
}

static struct lpd_error *
report_diff_junit(const struct report_diff *d)
{
	struct lpd_buf text = LPD_BUF_INIT, name = LPD_BUF_INIT;
	struct report_diff td = *d;
	struct lpd_buf *o = d->out;
	bool fail = d->expect != REASON_EXPECT_NONE && !d->met;
	struct lpd_error *err;

	td.out = &text;
	err = report_diff_text(&td, false);
	if (err == NULL)
		err = lpd_buf_printf(&name, "%s vs %s", d->a->id, d->b->id);
	if (err == NULL)
		err = lpd_buf_printf(o, "<?xml version=\"1.0\" encoding="
			"\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"lpardbg "
			"diff\" tests=\"1\" failures=\"%d\">\n  <testcase "
			"classname=\"lpardbg.diff\" name=\"", fail ? 1 : 0);
	if (err == NULL)
		err = report_xml(o, name.data);
	if (err == NULL)
		err = lpd_buf_puts(o, "\">\n");
	if (err == NULL && fail)
		err = lpd_buf_printf(o, "    <failure message=\"expected %s\">"
				     "</failure>\n",
				     report_expect_name(d->expect));
	if (err == NULL)
		err = lpd_buf_puts(o, "    <system-out>");
	if (err == NULL)
		err = report_xml(o, text.data);
	if (err == NULL)
		err = lpd_buf_puts(o, "</system-out>\n  </testcase>\n"
				      "</testsuite>\n</testsuites>\n");
	lpd_buf_deinit(&text);
	lpd_buf_deinit(&name);
	return err;
}

struct lpd_error *
reason_report_diff(const struct reason_analysis *a,
		   const struct reason_analysis *b,
		   const struct reason_comparison *c,
		   const struct reason_rules *r, const struct reason_db *db,
		   enum reason_expect expect, bool met, enum reason_format fmt,
		   struct lpd_buf *out)
{
	struct report_diff d = { a, b, c, r, db, expect, met, out };

	switch (fmt) {
	case REASON_FORMAT_JSON:
		return report_diff_json(&d);
	case REASON_FORMAT_MARKDOWN:
		return report_diff_text(&d, true);
	case REASON_FORMAT_JUNIT:
		return report_diff_junit(&d);
	default:
		return report_diff_text(&d, false);
	}
}

/* ---- triage ----------------------------------------------------------- */

/* LPARs of bucket B, comma-separated, into OUT ("" when none known). */
static struct lpd_error *
report_lpars(const struct reason_triage *tr, const struct reason_tbucket *bk,
	     struct lpd_buf *out, struct lpd_json *j)
{
	struct lpd_error *err = NULL;
	size_t i, k, n = 0;

	lpd_buf_reset(out);
	for (i = 0; i < bk->n && err == NULL; i++) {
		const char *l = tr->items[bk->members[i]].lpar;

		if (l == NULL)
			continue;
		for (k = 0; k < i; k++) {
			const char *m = tr->items[bk->members[k]].lpar;

			if (m != NULL && strcmp(m, l) == 0)
				break;
		}
		if (k < i)
			continue;
		if (j != NULL)
			lpd_json_string(j, l);
		else
			err = lpd_buf_printf(out, "%s%s", n > 0 ? ", " : "", l);
		n++;
	}
	return err;
}

static struct lpd_error *
report_signature(const struct reason_triage *tr, const struct reason_titem *it,
		 struct lpd_buf *out)
{
	const char *fault = reason_intern_str(&tr->keys, it->fault);
	struct lpd_error *err;
	size_t i;

	lpd_buf_reset(out);
	err = lpd_buf_printf(out, "%s", strncmp(fault, "fault:", 6) == 0
				      ? fault + 6 : fault);
	for (i = 0; i < it->nframes && i < 3 && err == NULL; i++)
		err = lpd_buf_printf(out, "%s%s", i == 0 ? " at " : " < ",
				     reason_intern_str(&tr->keys,
						       it->frames[i]));
	return err;
}

static const char *
report_method(enum reason_method m)
{
	switch (m) {
	case REASON_METHOD_TOP1: return "top1";
	case REASON_METHOD_TOP3: return "top3";
	case REASON_METHOD_EDIT: return "edit";
	default: return "relational";
	}
}

static struct lpd_error *
report_triage_json(const struct reason_triage *tr, struct lpd_buf *out)
{
	struct lpd_buf sig = LPD_BUF_INIT;
	struct lpd_json j;
	char t[32];
	size_t i, k;

	lpd_json_init(&j, out);
	lpd_json_object_begin(&j);
	lpd_json_key(&j, "method");
	lpd_json_string(&j, report_method(tr->o.method));
	lpd_json_key(&j, "threshold");
	lpd_json_double(&j, tr->o.threshold, 3);
	lpd_json_key(&j, "dumps");
	lpd_json_uint(&j, tr->n);
	lpd_json_key(&j, "signatures");
	lpd_json_uint(&j, tr->ngroups);
	lpd_json_key(&j, "candidate_pairs");
	lpd_json_uint(&j, tr->candidates);
	lpd_json_key(&j, "scored_pairs");
	lpd_json_uint(&j, tr->scored);
	lpd_json_key(&j, "buckets");
	lpd_json_array_begin(&j);
	for (i = 0; i < tr->nbuckets; i++) {
		const struct reason_tbucket *bk = &tr->buckets[i];
		const struct reason_titem *rep = &tr->items[bk->representative];

		if (report_signature(tr, rep, &sig) != NULL) {
			lpd_buf_deinit(&sig);
			return &lpd_enomem;
		}
		lpd_json_object_begin(&j);
		lpd_json_key(&j, "bucket");
		lpd_json_uint(&j, i + 1);
		lpd_json_key(&j, "signature");
		lpd_json_string(&j, sig.data);
		lpd_json_key(&j, "frames");
		lpd_json_array_begin(&j);
		for (k = 0; k < rep->nframes && k < 8; k++)
			lpd_json_string(&j, reason_intern_str(&tr->keys,
							      rep->frames[k]));
		lpd_json_array_end(&j);
		lpd_json_key(&j, "representative");
		lpd_json_string(&j, rep->id);
		lpd_json_key(&j, "count");
		lpd_json_uint(&j, bk->n);
		lpd_json_key(&j, "first_seen");
		report_time(bk->first_seen, t, sizeof(t));
		lpd_json_string(&j, t);
		lpd_json_key(&j, "last_seen");
		report_time(bk->last_seen, t, sizeof(t));
		lpd_json_string(&j, t);
		lpd_json_key(&j, "lpars");
		lpd_json_array_begin(&j);
		report_lpars(tr, bk, &sig, &j);
		lpd_json_array_end(&j);
		lpd_json_key(&j, "members");
		lpd_json_array_begin(&j);
		for (k = 0; k < bk->n; k++)
			lpd_json_string(&j, tr->items[bk->members[k]].id);
		lpd_json_array_end(&j);
		lpd_json_object_end(&j);
	}
	lpd_json_array_end(&j);
	lpd_json_object_end(&j);
	lpd_buf_deinit(&sig);
	return lpd_json_finish(&j);
}

static struct lpd_error *
report_triage_text(const struct reason_triage *tr, enum reason_format fmt,
		   struct lpd_buf *o)
{
	struct lpd_buf sig = LPD_BUF_INIT, lp = LPD_BUF_INIT;
	bool md = fmt == REASON_FORMAT_MARKDOWN;
	bool junit = fmt == REASON_FORMAT_JUNIT;
	struct lpd_error *err;
	char t1[32], t2[32];
	size_t i, k;

	if (junit)
		err = lpd_buf_printf(o, "<?xml version=\"1.0\" encoding="
			"\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"lpardbg "
			"triage\" tests=\"%zu\" failures=\"%zu\">\n",
			tr->nbuckets, tr->nbuckets);
	else if (md)
		err = lpd_buf_printf(o, "## lpardbg triage\n\n%zu dumps, %zu "
			"buckets (method %s, threshold %.2f; %zu signatures, "
			"%zu pairs scored)\n\n| # | dumps | signature | "
			"representative | first seen | last seen | LPARs |\n"
			"|---|---|---|---|---|---|---|\n", tr->n,
			tr->nbuckets, report_method(tr->o.method),
			tr->o.threshold, tr->ngroups, tr->scored);
	else
		err = lpd_buf_printf(o, "%zu dumps in %zu buckets (method %s, "
			"threshold %.2f; %zu signatures, %zu candidate pairs, "
			"%zu scored)\n", tr->n, tr->nbuckets,
			report_method(tr->o.method), tr->o.threshold,
			tr->ngroups, tr->candidates, tr->scored);
	for (i = 0; err == NULL && i < tr->nbuckets; i++) {
		const struct reason_tbucket *bk = &tr->buckets[i];
		const struct reason_titem *rep = &tr->items[bk->representative];

		if ((err = report_signature(tr, rep, &sig)) != NULL ||
		    (err = report_lpars(tr, bk, &lp, NULL)) != NULL)
			break;
		report_time(bk->first_seen, t1, sizeof(t1));
		report_time(bk->last_seen, t2, sizeof(t2));
		if (md) {
			err = lpd_buf_printf(o, "| %zu | %zu | ", i + 1, bk->n);
			if (err == NULL)
				err = report_md(o, sig.data);
			if (err == NULL)
				err = lpd_buf_printf(o, " | %s | %s | %s | %s "
					"|\n", rep->id, t1, t2,
					lp.len > 0 ? lp.data : "-");
			continue;
		}
		if (junit) {
			err = lpd_buf_printf(o, "  <testcase classname=\""
				"lpardbg.triage\" name=\"bucket %zu: ", i + 1);
			if (err == NULL)
				err = report_xml(o, sig.data);
			if (err == NULL)
				err = lpd_buf_printf(o, "\">\n    <failure "
					"message=\"%zu dump(s) crashed here\">",
					bk->n);
			for (k = 0; err == NULL && k < bk->n; k++) {
				err = report_xml(o,
					tr->items[bk->members[k]].id);
				if (err == NULL)
					err = lpd_buf_puts(o, "\n");
			}
			if (err == NULL)
				err = lpd_buf_puts(o, "</failure>\n  "
						      "</testcase>\n");
			continue;
		}
		err = lpd_buf_printf(o, "\nbucket %zu: %zu dump%s  %s\n"
			"  representative: %s\n  first seen %s, last seen %s"
			"\n  LPARs: %s\n  members:", i + 1, bk->n,
			bk->n == 1 ? "" : "s", sig.data, rep->id, t1, t2,
			lp.len > 0 ? lp.data : "(unknown)");
		for (k = 0; err == NULL && k < bk->n &&
		     k < REPORT_MAX_MEMBERS_TEXT; k++)
			err = lpd_buf_printf(o, " %s",
					     tr->items[bk->members[k]].id);
		if (err == NULL && bk->n > REPORT_MAX_MEMBERS_TEXT)
			err = lpd_buf_printf(o, " ... (%zu more)",
				bk->n - REPORT_MAX_MEMBERS_TEXT);
		if (err == NULL)
			err = lpd_buf_puts(o, "\n");
	}
	if (err == NULL && junit)
		err = lpd_buf_puts(o, "</testsuite>\n</testsuites>\n");
	lpd_buf_deinit(&sig);
	lpd_buf_deinit(&lp);
	return err;
}

struct lpd_error *
reason_report_triage(const struct reason_triage *tr, enum reason_format fmt,
		     struct lpd_buf *out)
{
	if (!tr->ran)
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"triage has not run");
	if (fmt == REASON_FORMAT_JSON)
		return report_triage_json(tr, out);
	return report_triage_text(tr, fmt, out);
}
